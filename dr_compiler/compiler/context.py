"""What a service builder sees: the spec, the stack being built, and how to reach resources.

A region can need two phases: a secondary's `base` stack (network, keys, replica buckets)
deploys before the primary, its `attach` stack (secondary cluster, functions, load balancer)
after it. `ref`/`get_att` hide that split: inside an attach stack they import what the base
stack of the same region exports (Fn::ImportValue is same-region, which is exactly this case).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from troposphere import AWSHelperFn, GetAtt, ImportValue, Ref

from dr_compiler.blocks.descriptor import DELETE, RETAIN, RETAIN_EXCEPT_ON_CREATE, ResourceKind
from dr_compiler.compiler import ids
from dr_compiler.compiler.layout import GLOBAL_REGION as GLOBAL_REGION  # the builders' import
from dr_compiler.compiler.layout import Phase, StackId
from dr_compiler.compiler.naming import physical_name, stack_set_name
from dr_compiler.model import Spec


def shared_from_base(availability_zones: int) -> tuple[tuple[str, str | None], ...]:
    """(logical id, attribute) pairs a base stack exports for its attach stack."""
    per_az = [
        (make(az), None)
        for az in range(availability_zones)
        for make in (ids.private_subnet, ids.public_subnet, ids.private_route_table)
    ]
    return (
        (ids.VPC, None),
        *per_az,
        (ids.KMS_KEY, "Arn"),
        (ids.ALERT_TOPIC, None),
        (ids.LAMBDA_SECURITY_GROUP, "GroupId"),
        (ids.DATABASE_SECURITY_GROUP, "GroupId"),
        (ids.ALB_SECURITY_GROUP, "GroupId"),
        (ids.DB_SUBNET_GROUP, None),
    )


@dataclass(frozen=True)
class StackContext:
    spec: Spec
    stack: StackId
    artifact_keys: Mapping[str, str] = field(default_factory=dict)
    """Function name -> S3 key of its deterministic zip in the artifact bucket."""

    @property
    def region(self) -> str:
        return self.stack.region

    @property
    def phase(self) -> Phase:
        return self.stack.phase

    @property
    def is_primary_region(self) -> bool:
        return self.region == self.spec.regions.primary and self.phase is not Phase.GLOBAL

    @property
    def in_regional_base(self) -> bool:
        """Stacks that own the region's network, key and topic: primary and secondary base."""
        return self.phase in (Phase.PRIMARY, Phase.BASE)

    @property
    def in_regional_workload(self) -> bool:
        """Stacks that own the region's functions, queues and load balancer."""
        return self.phase in (Phase.PRIMARY, Phase.ATTACH)

    def name(self, *parts: str, regional: bool = False, account: bool = False) -> str:
        return physical_name(
            self.spec, *parts, region=self.region if regional else None, account=account
        )

    def stack_set(self, stack: StackId | None = None) -> str:
        return stack_set_name(self.spec, (stack or self.stack).key)

    def _imported(self, logical_id: str, attribute: str | None) -> bool:
        return self.phase is Phase.ATTACH and (logical_id, attribute) in shared_from_base(
            self.spec.network.availability_zones
        )

    def ref(self, logical_id: str) -> AWSHelperFn:
        if self._imported(logical_id, None):
            return ImportValue(export_name(self.spec, StackId(Phase.BASE, self.region), logical_id))
        return Ref(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> AWSHelperFn:
        if self._imported(logical_id, attribute):
            base = StackId(Phase.BASE, self.region)
            return ImportValue(export_name(self.spec, base, logical_id + attribute))
        return GetAtt(logical_id, attribute)

    def private_subnets(self) -> list[AWSHelperFn]:
        return [self.ref(ids.private_subnet(az)) for az in range(self.azs)]

    def public_subnets(self) -> list[AWSHelperFn]:
        return [self.ref(ids.public_subnet(az)) for az in range(self.azs)]

    @property
    def azs(self) -> int:
        return self.spec.network.availability_zones

    @property
    def retain_data(self) -> bool:
        """Production, or any spec without force_destroy, keeps its data on delete."""
        return self.spec.metadata.production or not self.spec.force_destroy

    def data_policies(self, kind: ResourceKind) -> dict[str, str]:
        """Deletion and replacement policies of a resource of a kind that holds something:
        the policy that keeps it (its descriptor's kept_policy: Retain, or Snapshot for
        Aurora clusters) when the stack keeps its data, else Delete.

        Retained resources have fixed names, so a plain Retain would survive the rollback of
        the create that made them and the rerun would fail with AlreadyExists. Their
        DeletionPolicy is RetainExceptOnCreate instead: retained on every operation but the
        rollback of the create that made them, when the resource is new and holds nothing
        (CloudFormation DeletionPolicy attribute reference,
        https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html).
        UpdateReplacePolicy has no such value (Delete | Retain | Snapshot, same reference's
        UpdateReplacePolicy page), so it stays `kept`. Snapshot stays Snapshot on both: a
        rollback then snapshots the new cluster and deletes it, which frees its name too.
        """
        if not self.retain_data:
            return deletion_policies(DELETE)
        kept = kind.kept_policy
        deletion = RETAIN_EXCEPT_ON_CREATE if kept == RETAIN else kept
        return {"DeletionPolicy": deletion, "UpdateReplacePolicy": kept}

    @property
    def key_arn(self) -> AWSHelperFn:
        """The region's customer key (imported from the base stack inside an attach stack)."""
        return self.get_att(ids.KMS_KEY, "Arn")

    @property
    def scope(self) -> str:
        """The region token of per-region names; "global" for the global stack, which can
        share us-east-1 with the primary stack."""
        return "global" if self.phase is Phase.GLOBAL else self.region


def deletion_policies(policy: str) -> dict[str, str]:
    """DeletionPolicy and UpdateReplacePolicy, always set together."""
    return {"DeletionPolicy": policy, "UpdateReplacePolicy": policy}


def export_name(spec: Spec, stack: StackId, output: str) -> str:
    return f"{stack_set_name(spec, stack.key)}-{output}"


@dataclass(frozen=True)
class Inbound:
    """A template parameter whose value is another stack's output, passed by `deploy`."""

    parameter: str
    source: StackId
    output: str
    description: str


@dataclass(frozen=True)
class Requires:
    """This stack must deploy after `source` (no value flows, but a resource must exist)."""

    source: StackId
    reason: str


@dataclass(frozen=True)
class Transform:
    """A macro CloudFormation runs on the stack's template before creating its resources
    (the template's top-level `Transform`); deploying it needs CAPABILITY_AUTO_EXPAND."""

    name: str


@dataclass(frozen=True)
class Sourced:
    """A template object and the spec path that produced it, for findings to point back."""

    item: Any
    path: tuple[str | int, ...]


def sourced(items: Iterable[Any], *path: str | int) -> list[Sourced]:
    return [Sourced(item, tuple(path)) for item in items]

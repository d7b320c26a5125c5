"""What a building block is: the CloudFormation resource kinds it emits and what each holds.

A `ResourceKind` says, for one CloudFormation type, what messages call it, which properties
carry the physical name the compiler fixes, whether it holds data (and so how a stack keeps
it), and how AWS Backup selects it. A `Block` groups the kinds one spec component emits
(primary kind first) with the spec collection it comes from and the objective component
it is judged under. The model, compiler and policies read these instead of re-declaring the
type strings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Type hints only: at run time the blocks import nothing outside their package.
    from dr_compiler.model import Objective, Spec

# CloudFormation DeletionPolicy / UpdateReplacePolicy values
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html,
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatereplacepolicy.html).
DELETE = "Delete"
RETAIN = "Retain"
RETAIN_EXCEPT_ON_CREATE = "RetainExceptOnCreate"
SNAPSHOT = "Snapshot"


class Keeps(enum.Enum):
    """What a resource holds, and so what a stack that keeps its data does with it."""

    NOTHING = "nothing"
    """No data: CloudFormation's default policy applies."""
    DATA = "data"
    """Data lost on deletion: kept with Retain (DeletionPolicy RetainExceptOnCreate)."""
    SNAPSHOT = "snapshot"
    """Data CloudFormation can snapshot: kept as a final Snapshot (on both policies).
    Snapshot is supported for AWS::RDS::DBCluster among the types here (DeletionPolicy
    reference, "Snapshot" section)."""
    MESSAGES = "messages"
    """Messages in flight (queues): kept like data when the stack keeps its data, so a
    stack deletion drops none, but no restore depends on them, so DR020 and DR021 do not
    judge their policies."""
    MEMBERS = "members"
    """Data held only through member resources (an Aurora global cluster's clusters): no
    policy of its own when kept, but never retained when the build must be deletable."""


@dataclass(frozen=True)
class BackupTarget:
    """How AWS Backup selects a resource by ARN: the GetAtt attribute returning its ARN, and
    the ARN's service and resource part (`{}` is the name in `name_property`)."""

    arn_attribute: str
    name_property: str
    service: str
    resource: str


@dataclass(frozen=True)
class CloudWatchMetric:
    """A metric AWS publishes about resources of a kind: its namespace, its name and the
    dimensions that select one resource. The compiler's alarms and dashboard and the alarm
    rules (DR031, DR032, DR062, DR064) read the same constant."""

    namespace: str
    name: str
    dimensions: tuple[str, ...]


@dataclass(frozen=True)
class ResourceKind:
    """One CloudFormation resource type as the compiler emits it and the rules judge it."""

    type: str
    noun: str
    """What a finding calls it: "bucket", "Aurora cluster"."""
    name_properties: tuple[str, ...] = ()
    """Properties holding a physical name the compiler chose (read by the naming rules)."""
    keeps: Keeps = Keeps.NOTHING
    unset_deletion_policy: str = DELETE
    """What CloudFormation does on a stack deletion when DeletionPolicy is unset: Delete,
    except Snapshot for AWS::RDS::DBCluster (DeletionPolicy reference: "For
    AWS::RDS::DBCluster resources, the default policy is Snapshot")."""
    backup: BackupTarget | None = None
    """Set when the compiler's AWS Backup selection names resources of this kind (DR043)."""

    @property
    def holds_data(self) -> bool:
        """Whether a production stack must keep it: DeletionPolicy/UpdateReplacePolicy."""
        return self.keeps in (Keeps.DATA, Keeps.SNAPSHOT)

    @property
    def kept_policy(self) -> str:
        """The policy that keeps what it holds when the stack keeps its data: Retain, or
        Snapshot."""
        if self.keeps not in (Keeps.DATA, Keeps.SNAPSHOT, Keeps.MESSAGES):
            raise ValueError(f"{self.type} holds nothing a stack keeps")
        return SNAPSHOT if self.keeps is Keeps.SNAPSHOT else RETAIN


@dataclass(frozen=True)
class Block:
    """One kind of component: the resource kinds it emits (primary first), the `Spec`
    attribute its instances come from (None: every build has it), and the component of
    `objectives.components` it is judged under (None: no objective of its own)."""

    name: str
    resources: tuple[ResourceKind, ...]
    spec_collection: str | None = None
    component: str | None = None

    @property
    def primary(self) -> ResourceKind:
        return self.resources[0]

    def objective(self, spec: Spec) -> Objective:
        """The spec's objective for this block: its component's own, else the spec-wide one."""
        if self.component is None:
            raise ValueError(f"{self.name} is judged under no objective component")
        return spec.objectives.for_component(self.component)

    def instances(self, spec: Spec) -> tuple[Any, ...]:
        """The components of this kind a spec declares: its collection's items, the one
        optional section (when present), or none without a spec collection."""
        if self.spec_collection is None:
            return ()
        found = getattr(spec, self.spec_collection)
        if found is None:
            return ()
        return found if isinstance(found, tuple) else (found,)

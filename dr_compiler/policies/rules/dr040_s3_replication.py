"""DR040: S3 replication is complete: role, versioning on both sides, KMS, delete markers, RTC.

Spec: a replicated bucket whose RPO ("buckets" component) is under 900 s asks for
Replication Time Control: without it S3 replication has no time bound at all.
Templates: every bucket with a ReplicationConfiguration is versioned, names an IAM role of its
own template, and each rule is enabled, replicates delete markers and SSE-KMS objects, and
re-encrypts with a destination key; each destination is a versioned bucket of the template
set. With a spec, each replicated spec bucket replicates from the primary to every secondary,
with RTC (and its metrics) when the spec asks for it; in production each secondary's copy
also replicates back to the primary's bucket (a reverse replication custom resource in that
secondary's attach stack, with a role of that region), so writes made during a failover are
not lost at failback.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dr_compiler import blocks
from dr_compiler.model import Bucket, Spec
from dr_compiler.policies.cfn import as_list, referenced_ids, text_of
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateDoc, TemplateSet, Violation

BUCKET = blocks.s3.BUCKET.type
REVERSE = blocks.s3.REVERSE_REPLICATION.type
ROLE = blocks.iam.ROLE.type
ENABLED = "Enabled"
RTC_BOUND_SECONDS = 900
"""RTC replicates 99.99 % of objects within 15 minutes; without RTC there is no bound."""
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class TemplateBucket:
    template: TemplateDoc
    logical_id: str
    props: Mapping[str, Any]

    @property
    def name(self) -> str | None:
        """The BucketName text, with this template's region substituted."""
        return _region_text(self.props.get("BucketName"), self.template.region)

    @property
    def versioned(self) -> bool:
        return _enabled(self.props.get("VersioningConfiguration"))


def _enabled(block: Any) -> bool:
    return isinstance(block, Mapping) and block.get("Status") == ENABLED


def check_spec(spec: Spec) -> Iterator[Violation]:
    rpo = spec.objectives.for_component("buckets").rpo_seconds
    if rpo >= RTC_BOUND_SECONDS:
        return
    for bucket in spec.buckets:
        if bucket.replicated and not bucket.rtc:
            yield Violation(
                f"bucket {bucket.name} replicates without rtc but the buckets RPO is {rpo} s: "
                "only Replication Time Control bounds replication (99.99 % within 15 minutes)",
                bucket.name,
                path=("storage", "buckets", bucket.index, "replication"),
            )


def spec_bucket(spec: Spec, name: str | None) -> Bucket | None:
    """The spec bucket a physical name belongs to: names start with `<app>-<bucket>-`; the
    longest match wins so `docs` never claims `docs-archive`."""
    prefix = f"{spec.app}-"
    if not name or not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    matches = [b for b in spec.buckets if rest.startswith(f"{b.name}-")]
    return max(matches, key=lambda b: len(b.name), default=None)


class _Checker:
    """One pass over a template set; knows every bucket by logical id and by name."""

    def __init__(self, templates: TemplateSet) -> None:
        self.templates = templates
        self.buckets = [
            TemplateBucket(template, logical_id, resource.get("Properties", {}))
            for template, logical_id, resource in templates.all_resources(BUCKET)
        ]
        self.by_name = {b.name: b for b in self.buckets if b.name}

    def violation(self, source: TemplateBucket, message: str, *path: str | int) -> Violation:
        return _at(source.template, source.logical_id, message, *path)

    def run(self) -> Iterator[Violation]:
        for bucket in self.buckets:
            if "ReplicationConfiguration" in bucket.props:
                yield from self._source(bucket)
        if self.templates.spec is not None:
            yield from self._spec_coverage(self.templates.spec)
            yield from self._reverse_coverage(self.templates.spec)

    def _source(self, bucket: TemplateBucket) -> Iterator[Violation]:
        config = bucket.props["ReplicationConfiguration"]
        if not bucket.versioned:
            yield self.violation(
                bucket,
                f"bucket {bucket.logical_id} replicates but is not versioned: S3 refuses "
                "replication without versioning on the source",
                "VersioningConfiguration",
            )
        if not self._role_in_template(bucket.template, config.get("Role")):
            yield self.violation(
                bucket,
                f"bucket {bucket.logical_id} replication Role is not an IAM role of "
                f"{bucket.template.file}: S3 has no permission to replicate",
                "ReplicationConfiguration",
                "Role",
            )
        rules = as_list(config.get("Rules"))
        if not rules:
            yield self.violation(
                bucket,
                f"bucket {bucket.logical_id} has a ReplicationConfiguration without rules",
                "ReplicationConfiguration",
                "Rules",
            )
        for index, rule in enumerate(rules):
            yield from self._rule(bucket, rule, ("ReplicationConfiguration", "Rules", index))

    @staticmethod
    def _role_in_template(template: TemplateDoc, role: Any) -> bool:
        roles = dict(template.resources(ROLE))
        if referenced_ids(role) & set(roles):
            return True
        text = text_of(role) or ""
        if ":role/" not in text:
            return False
        role_name = text.rsplit("/", 1)[-1]
        return any(
            text_of(r.get("Properties", {}).get("RoleName")) == role_name for r in roles.values()
        )

    def _rule(
        self, bucket: TemplateBucket, rule: Mapping[str, Any], path: Path
    ) -> Iterator[Violation]:
        name = f"bucket {bucket.logical_id} replication rule {rule.get('Id', path[-1])}"
        destination = rule.get("Destination") or {}
        required = (
            (rule.get("Status") == ENABLED, "is not Enabled", ("Status",)),
            (
                _enabled(rule.get("DeleteMarkerReplication")),
                "does not replicate delete markers (DeleteMarkerReplication Enabled): a delete "
                "in the primary would leave the replica serving the object after failover",
                ("DeleteMarkerReplication",),
            ),
            (
                _enabled((rule.get("SourceSelectionCriteria") or {}).get("SseKmsEncryptedObjects")),
                "skips SSE-KMS objects (SourceSelectionCriteria.SseKmsEncryptedObjects "
                "Enabled): every object of a KMS-encrypted bucket would stay unreplicated",
                ("SourceSelectionCriteria",),
            ),
            (
                bool((destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")),
                "has no Destination.EncryptionConfiguration.ReplicaKmsKeyID: replicas of KMS "
                "objects need a key in the destination region",
                ("Destination", "EncryptionConfiguration"),
            ),
        )
        for ok, problem, suffix in required:
            if not ok:
                yield self.violation(bucket, f"{name} {problem}", *path, *suffix)
        yield from self._destination(bucket, name, destination, (*path, "Destination"))
        spec = self.templates.spec
        wanted = spec_bucket(spec, bucket.name) if spec else None
        if wanted is not None and wanted.rtc and not self._has_rtc(destination):
            yield self.violation(
                bucket,
                f"{name} has no Replication Time Control (ReplicationTime and Metrics Enabled) "
                f"but the spec asks for rtc on bucket {wanted.name}",
                *path,
                "Destination",
            )

    @staticmethod
    def _has_rtc(destination: Mapping[str, Any]) -> bool:
        return _enabled(destination.get("ReplicationTime")) and _enabled(destination.get("Metrics"))

    def destination_of(self, bucket: TemplateBucket, target: Any) -> TemplateBucket | None:
        """The bucket a Destination.Bucket names: a GetAtt in the same template, or an ARN
        whose bucket-name text equals some bucket's BucketName text."""
        same_template = {b.logical_id: b for b in self.buckets if b.template is bucket.template}
        for logical_id in referenced_ids(target):
            if logical_id in same_template:
                return same_template[logical_id]
        text = text_of(target) or ""
        if ":::" not in text:
            return None
        name = text.split(":::", 1)[1].split("/", 1)[0]
        return self.by_name.get(name.replace("${AWS::Region}", bucket.template.region))

    def _destination(
        self, bucket: TemplateBucket, name: str, destination: Mapping[str, Any], path: Path
    ) -> Iterator[Violation]:
        target = self.destination_of(bucket, destination.get("Bucket"))
        if target is None:
            shown = text_of(destination.get("Bucket")) or destination.get("Bucket")
            yield self.violation(
                bucket,
                f"{name} replicates to {shown}, which is no bucket of this template set: the "
                "destination must exist (and be versioned) before replication is configured",
                *path,
                "Bucket",
            )
        elif not target.versioned:
            yield self.violation(
                bucket,
                f"{name} replicates to {target.logical_id} in {target.template.file}, which is "
                "not versioned: S3 requires versioning on the destination too",
                *path,
                "Bucket",
            )

    def _spec_coverage(self, spec: Spec) -> Iterator[Violation]:
        """Each replicated spec bucket of the primary replicates to every secondary."""
        for bucket in self.buckets:
            wanted = spec_bucket(spec, bucket.name)
            if (
                wanted is None
                or not wanted.replicated
                or bucket.template.phase != "primary"
                or bucket.template.region != spec.regions.primary
            ):
                continue
            config = bucket.props.get("ReplicationConfiguration") or {}
            reached = set()
            for rule in as_list(config.get("Rules")):
                target = self.destination_of(bucket, (rule.get("Destination") or {}).get("Bucket"))
                if target is not None:
                    reached.add(target.template.region)
            missing = [r for r in spec.regions.secondaries if r not in reached]
            if missing:
                yield self.violation(
                    bucket,
                    f"bucket {bucket.logical_id} ({wanted.name}) does not replicate to "
                    f"{', '.join(missing)}: the spec replicates it to every secondary",
                    "ReplicationConfiguration",
                )

    def _reverse_coverage(self, spec: Spec) -> Iterator[Violation]:
        """In production, each secondary's copy of a replicated bucket replicates back to
        the primary's: a reverse replication in that region's attach stack names it, the
        primary's copy as destination, and a role of that region's templates."""
        if not spec.reverse_replicated_buckets:
            return
        reverse = list(self.templates.all_resources(REVERSE))
        for bucket in self.buckets:
            wanted = spec_bucket(spec, bucket.name)
            region = bucket.template.region
            if (
                wanted not in spec.reverse_replicated_buckets
                or bucket.template.phase != "base"
                or region not in spec.regions.secondaries
            ):
                continue
            found = [
                (template, logical_id, resource.get("Properties", {}))
                for template, logical_id, resource in reverse
                if template.region == region
                and template.phase == "attach"
                and _region_text(resource.get("Properties", {}).get("BucketName"), region)
                == bucket.name
            ]
            if not found:
                yield self.violation(
                    bucket,
                    f"bucket {bucket.logical_id} ({wanted.name}) in {region} does not replicate "
                    f"back to {spec.regions.primary}: in production each secondary copy "
                    f"replicates to the primary ({REVERSE} in {region}'s attach stack) so "
                    "writes made there during a failover reach the primary at failback",
                )
            for template, logical_id, props in found:
                yield from self._reverse(spec, bucket, wanted, template, logical_id, props)

    def _reverse(
        self,
        spec: Spec,
        bucket: TemplateBucket,
        wanted: Bucket,
        template: TemplateDoc,
        logical_id: str,
        props: Mapping[str, Any],
    ) -> Iterator[Violation]:
        primary = spec.regions.primary
        target = self.destination_of(bucket, props.get("DestinationBucket"))
        if (
            target is None
            or target.template.region != primary
            or spec_bucket(spec, target.name) != wanted
        ):
            shown = text_of(props.get("DestinationBucket")) or props.get("DestinationBucket")
            yield _at(
                template,
                logical_id,
                f"reverse replication {logical_id} replicates to {shown}, which is not bucket "
                f"{wanted.name} of the primary {primary}",
                "DestinationBucket",
            )
        role = text_of(props.get("Role")) or ""
        roles = {
            text_of(r.get("Properties", {}).get("RoleName"))
            for t, _, r in self.templates.all_resources(ROLE)
            if t.region == bucket.template.region
        }
        if ":role/" not in role or role.rsplit("/", 1)[-1] not in roles:
            yield _at(
                template,
                logical_id,
                f"reverse replication {logical_id} Role is not an IAM role of "
                f"{bucket.template.region}'s templates: S3 has no permission to replicate",
                "Role",
            )


def _at(template: TemplateDoc, logical_id: str, message: str, *path: str | int) -> Violation:
    return Violation(
        message, logical_id, template=template, logical_id=logical_id, property_path=path
    )


def _region_text(value: Any, region: str) -> str | None:
    """A name's text with `region` for ${AWS::Region}, as TemplateBucket.name reads it."""
    text = text_of(value)
    return text.replace("${AWS::Region}", region) if text else None


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    return _Checker(templates).run()


RULE = Rule(
    id="DR040",
    title=(
        "S3 replication has its IAM role, versioning on both sides, a destination KMS key, "
        "delete-marker replication, and RTC when the RPO is under 900 s"
    ),
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "The seed designs configured cross-region replication without the IAM role S3 "
        "assumes, so nothing was ever replicated and nobody noticed until failover. "
        "Replication also silently skips SSE-KMS objects unless told to include them and "
        "re-encrypt with a destination-region key, needs versioning on both buckets, and "
        "without delete-marker replication a deleted document reappears after failover. "
        "Without Replication Time Control S3 gives no bound on how far behind the replica is. "
        "Objects written in a secondary while it serves after a failover exist only there "
        "unless its copy replicates back to the primary's."
    ),
    remediation=(
        "Give each replicated bucket `replication: {rtc: true}` when the buckets RPO "
        "(objectives.components.buckets.rpo_seconds) is under 900 s, or raise that RPO to "
        "900 s or more. The compiler emits the role, versioning, KMS and delete-marker settings, "
        "and in production the replication back from each secondary."
    ),
    docs="https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html",
    bad_example=(
        "objectives:\n  components:\n    buckets: {rpo_seconds: 300}\n"
        "storage:\n  buckets:\n    - name: documents\n      replication: {rtc: false}\n"
    ),
    good_example=(
        "objectives:\n  components:\n    buckets: {rpo_seconds: 900}\n"
        "storage:\n  buckets:\n    - name: documents\n      replication: {rtc: true}\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    pci_dss=("3.5.1",),
    tags=("storage", "replication"),
)

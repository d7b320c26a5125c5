"""DR060: DNS failover pairs a health-checked PRIMARY record with a SECONDARY record.

In the global template, failover records (AWS::Route53::RecordSet, or the RecordSets of an
AWS::Route53::RecordSetGroup, with a Failover property) are grouped by Name (case-insensitive,
trailing dot ignored) and Type. Each group has exactly one PRIMARY record, whose
HealthCheckId references an AWS::Route53::HealthCheck of the same template, and exactly one
SECONDARY record. With a spec, the spec's API name (dns.record + dns.zone) must have such a
group.

Latency records (a Region property, `dns.routing: latency`) have no PRIMARY or SECONDARY:
Route 53 leaves out a record whose health check fails, so each one needs a HealthCheckId of a
health check of the template; with a spec, the API name has one for every region.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, referenced_ids
from dr_compiler.policies.cfn_names import rendered_name
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateDoc, TemplateSet, Violation

RECORD_SET = blocks.route53.RECORD_SET.type
RECORD_SET_GROUP = blocks.route53.RECORD_SET_GROUP.type
HEALTH_CHECK = blocks.route53.HEALTH_CHECK.type


@dataclass(frozen=True)
class Record:
    logical_id: str
    path: tuple[str | int, ...]
    """Property path of the record inside its resource ((), or RecordSets[i] of a group)."""
    props: Mapping[str, Any]


def normalized(name: str) -> str:
    """DNS names compare case-insensitively, with or without the root's trailing dot."""
    return name.lower().removesuffix(".")


def _records(template: TemplateDoc) -> Iterator[Record]:
    for logical_id, resource in template.resources(RECORD_SET, RECORD_SET_GROUP):
        props = resource.get("Properties", {})
        if resource["Type"] == RECORD_SET:
            yield Record(logical_id, (), props)
            continue
        for index, record in enumerate(as_list(props.get("RecordSets"))):
            if isinstance(record, Mapping):
                yield Record(logical_id, ("RecordSets", index), record)


def _groups(template: TemplateDoc, policy: str = "Failover") -> dict[tuple[str, str], list[Record]]:
    """Records of one routing policy (the property that marks it) by name and type."""
    groups: dict[tuple[str, str], list[Record]] = {}
    for record in _records(template):
        if policy not in record.props:
            continue
        name = rendered_name(record.props.get("Name"), template.region) or "?"
        key = (normalized(name), str(record.props.get("Type")))
        groups.setdefault(key, []).append(record)
    return groups


def _violation(template: TemplateDoc, record: Record, message: str, *path: str | int) -> Violation:
    return Violation(
        message,
        record.logical_id,
        template=template,
        logical_id=record.logical_id,
        property_path=(*record.path, *path),
    )


def _group(
    template: TemplateDoc, key: tuple[str, str], records: list[Record]
) -> Iterator[Violation]:
    name, kind = key
    primaries = [r for r in records if r.props.get("Failover") == "PRIMARY"]
    secondaries = [r for r in records if r.props.get("Failover") == "SECONDARY"]
    for role, found, other in (
        ("PRIMARY", primaries, secondaries),
        ("SECONDARY", secondaries, primaries),
    ):
        if not found and other:
            yield _violation(
                template, other[0], f"failover record {name} {kind} has no {role} record"
            )
        for extra in found[1:]:
            yield _violation(
                template, extra, f"failover record {name} {kind} has more than one {role} record"
            )
    for record in primaries:
        yield from _health_checked(
            template,
            record,
            f"PRIMARY failover record {name} {kind}",
            "Route53 never fails over from it",
        )


def _health_checked(
    template: TemplateDoc, record: Record, what: str, consequence: str
) -> Iterator[Violation]:
    health_check = record.props.get("HealthCheckId")
    if health_check is None:
        yield _violation(
            template, record, f"{what} has no HealthCheckId: {consequence}", "HealthCheckId"
        )
    elif not referenced_ids(health_check) & {lid for lid, _ in template.resources(HEALTH_CHECK)}:
        yield _violation(
            template,
            record,
            f"{what} HealthCheckId does not reference an {HEALTH_CHECK} of {template.file}",
            "HealthCheckId",
        )


def _latency_group(
    template: TemplateDoc, key: tuple[str, str], records: list[Record]
) -> Iterator[Violation]:
    name, kind = key
    for record in records:
        region = record.props.get("Region")
        yield from _health_checked(
            template,
            record,
            f"latency record {name} {kind} for {region}",
            f"Route53 keeps answering with {region} while it is down",
        )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    names: set[str] = set()
    latency_regions: dict[str, set[str]] = {}
    global_templates = list(templates.by_phase("global"))
    for template in global_templates:
        groups = _groups(template)
        names |= {name for name, _ in groups}
        for key, records in sorted(groups.items()):
            yield from _group(template, key, records)
        for key, records in sorted(_groups(template, "Region").items()):
            latency_regions.setdefault(key[0], set()).update(
                str(r.props.get("Region")) for r in records
            )
            yield from _latency_group(template, key, records)
    spec = templates.spec
    if spec is None or spec.dns is None or not global_templates:
        return
    fqdn = normalized(spec.dns.fqdn)
    if spec.dns.latency:
        for region in spec.regions.all:
            if region not in latency_regions.get(fqdn, set()):
                yield Violation(
                    f"no latency record for {region} under {spec.dns.fqdn} in the global "
                    f"template: DNS never sends clients to {region}",
                    spec.dns.fqdn,
                    path=("dns", "routing"),
                )
        return
    if fqdn not in names:
        yield Violation(
            f"no failover records for {spec.dns.fqdn} in the global template: DNS never "
            "moves the API to a secondary region",
            spec.dns.fqdn,
            path=("dns", "record"),
        )


RULE = Rule(
    id="DR060",
    title="DNS failover: a PRIMARY record with a health check and a SECONDARY record for the "
    "same name and type",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Route53 answers with the SECONDARY record only when the PRIMARY record's health "
        "check fails. A PRIMARY without a health check is never considered unhealthy (with "
        "alias records, target health alone does not see a regional outage of the API), a "
        "SECONDARY under another name or type is never paired with it, and two PRIMARY "
        "records make the answer depend on which one Route53 picks: in each case traffic "
        "stays on the failed region."
    ),
    remediation=(
        "Compile with dr_compiler: the global stack gets one PRIMARY record for the primary "
        "region's load balancer with its health check, and one SECONDARY record for the "
        "standby, under dns.record.dns.zone. In a hand-written template give both records "
        "the same Name and Type and the PRIMARY a HealthCheckId of an AWS::Route53::HealthCheck. "
        "With dns.routing: latency the compiler writes a latency record per region instead; "
        "give each one the HealthCheckId of its region's health check."
    ),
    docs="https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-types.html",
    bad_example=(
        "FailoverRecordPrimary:\n  Type: AWS::Route53::RecordSet\n"
        "  Properties: {Name: api.payments.example.com., Type: A, Failover: PRIMARY}\n"
        "# no HealthCheckId, no SECONDARY record\n"
    ),
    good_example=(
        "FailoverRecordPrimary:\n  Type: AWS::Route53::RecordSet\n  Properties:\n"
        "    Name: api.payments.example.com.\n    Type: A\n    Failover: PRIMARY\n"
        "    HealthCheckId: !Ref HealthCheckUsEast1\n"
        "FailoverRecordSecondary:\n  Type: AWS::Route53::RecordSet\n  Properties:\n"
        "    Name: api.payments.example.com.\n    Type: A\n    Failover: SECONDARY\n"
    ),
    check_templates=check_templates,
    pci_dss=("12.10.1",),
    tags=("dns", "failover"),
)

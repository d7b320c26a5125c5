"""DR041: each DynamoDB global table replicates to every region, with PITR and a customer key.

For every AWS::DynamoDB::GlobalTable: a replica in every region of the spec (primary and
secondaries; without a spec, at least two replicas, or it is not a DR table); on every
replica point-in-time recovery on and SSESpecification.KMSMasterKeyId set (a customer managed
key: without it DynamoDB uses an AWS owned or managed key); at table level SSE enabled with
SSEType KMS (which is what makes the replicas' keys apply); and a stream, which global
tables replicate through.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, is_true
from dr_compiler.policies.cfn_names import rendered_name
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

GLOBAL_TABLE = blocks.dynamodb.GLOBAL_TABLE.type


def _coverage(
    templates: TemplateSet, template: TemplateDoc, logical_id: str, regions: list[str]
) -> Iterator[Violation]:
    if templates.spec is not None:
        for region in templates.spec.regions.all:
            if region not in regions:
                yield resource_violation(
                    template,
                    logical_id,
                    f"global table {logical_id} has no replica in {region}",
                    "Replicas",
                )
    elif len(regions) < 2:
        yield resource_violation(
            template,
            logical_id,
            f"global table {logical_id} has {len(regions)} replica(s): a DR table needs at "
            "least two regions",
            "Replicas",
        )


def _replica(
    template: TemplateDoc, logical_id: str, index: int, replica: Mapping[str, Any], region: str
) -> Iterator[Violation]:
    pitr = replica.get("PointInTimeRecoverySpecification") or {}
    if not is_true(pitr.get("PointInTimeRecoveryEnabled")):
        yield resource_violation(
            template,
            logical_id,
            f"replica {region} of global table {logical_id} has no point-in-time recovery",
            "Replicas",
            index,
            "PointInTimeRecoverySpecification",
        )
    if not (replica.get("SSESpecification") or {}).get("KMSMasterKeyId"):
        yield resource_violation(
            template,
            logical_id,
            f"replica {region} of global table {logical_id} has no SSESpecification."
            "KMSMasterKeyId: it is not encrypted with a customer managed key",
            "Replicas",
            index,
            "SSESpecification",
        )


def _table(template: TemplateDoc, logical_id: str, props: Mapping[str, Any]) -> Iterator[Violation]:
    sse = props.get("SSESpecification") or {}
    if not is_true(sse.get("SSEEnabled")) or sse.get("SSEType") != "KMS":
        yield resource_violation(
            template,
            logical_id,
            f"global table {logical_id} SSESpecification is not SSEEnabled true with SSEType KMS",
            "SSESpecification",
        )
    if not (props.get("StreamSpecification") or {}).get("StreamViewType"):
        yield resource_violation(
            template,
            logical_id,
            f"global table {logical_id} has no StreamSpecification: replication needs a stream",
            "StreamSpecification",
        )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, resource in templates.all_resources(GLOBAL_TABLE):
        props = resource.get("Properties", {})
        regions = []
        for index, replica in enumerate(as_list(props.get("Replicas"))):
            region = rendered_name(replica.get("Region"), template.region) or f"#{index}"
            regions.append(region)
            yield from _replica(template, logical_id, index, replica, region)
        yield from _coverage(templates, template, logical_id, regions)
        yield from _table(template, logical_id, props)


RULE = Rule(
    id="DR041",
    title="The DynamoDB global table has a replica in every region, with PITR and a customer "
    "KMS key on every replica",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "A table without a replica in the secondary region leaves the failed-over API "
        "without its transactions; a replica without point-in-time recovery cannot be "
        "restored after a bad write that replicated everywhere within a second; a replica "
        "without a customer managed key falls back to an AWS owned key that no key policy "
        "of ours controls. Global tables replicate through streams, and customer keys apply "
        "only with table-level SSE of type KMS."
    ),
    remediation=(
        "Compile tables through dr_compiler: every spec table becomes a global table with a "
        "replica per region, PITR and the region's KMS key. Add missing regions under "
        "regions.secondaries. In a hand-written template add the replica, "
        "PointInTimeRecoverySpecification and SSESpecification.KMSMasterKeyId per replica."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-globaltable.html",
    bad_example=(
        "TransactionsTable:\n  Type: AWS::DynamoDB::GlobalTable\n  Properties:\n"
        "    Replicas:\n      - Region: us-east-1   # no secondary, no PITR, no KMS key\n"
    ),
    good_example=(
        "TransactionsTable:\n  Type: AWS::DynamoDB::GlobalTable\n  Properties:\n"
        "    SSESpecification: {SSEEnabled: true, SSEType: KMS}\n"
        "    StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}\n"
        "    Replicas:\n"
        "      - Region: us-east-1\n"
        "        PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}\n"
        "        SSESpecification: {KMSMasterKeyId: !GetAtt KmsKey.Arn}\n"
        "      - Region: us-west-2\n"
        "        PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}\n"
        "        SSESpecification:\n"
        "          KMSMasterKeyId: !Sub arn:${AWS::Partition}:kms:us-west-2:"
        "${AWS::AccountId}:alias/payments-us-west-2-prod\n"
    ),
    check_templates=check_templates,
    pci_dss=("3.5.1", "12.10.1"),
    tags=("data-protection", "replication"),
)

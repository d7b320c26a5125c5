"""DR080: encryption at rest with customer KMS keys (rotation on) for S3, SQS, SNS, DynamoDB,
Aurora, logs, backup vaults and secrets."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, imported_names, is_true, referenced_ids, text_of
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Scanner,
    ScannerCheck,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
)

KEY_EXPORT_SUFFIX = "KmsKeyArn"
"""A base stack exports its region's key as `<stack set>-KmsKeyArn` for the attach stack."""
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
# Automatic rotation exists only for symmetric encryption keys (AWS KMS EnableKeyRotation);
# the data stores this rule covers can only use those.
ROTATABLE_KEY_SPEC = "SYMMETRIC_DEFAULT"

Problem = tuple[tuple[str | int, ...], str]
"""(property path, what is wrong) for one resource."""


def _customer_key(template: TemplateDoc, value: Any) -> bool:
    """A key of this stack (Ref/GetAtt of a key or alias), the base stack's exported key, or
    an alias that is not an AWS managed one (`alias/aws/...`)."""
    own = {lid for lid, _ in template.resources(blocks.kms.KEY.type, blocks.kms.ALIAS.type)}
    if referenced_ids(value) & own:
        return True
    if any(name.endswith(KEY_EXPORT_SUFFIX) for name in imported_names(value)):
        return True
    text = text_of(value) or ""
    return "alias/" in text and "alias/aws/" not in text


def _key_problem(
    template: TemplateDoc, value: Any, path: tuple[str | int, ...], what: str
) -> Iterator[Problem]:
    if value is None:
        yield path, f"{what} names no key: encryption falls back to a key AWS owns"
    elif not _customer_key(template, value):
        shown = text_of(value) or "the value given"
        yield path, f"{what} uses {shown}, not a customer managed key"


def _bucket(template: TemplateDoc, props: Mapping[str, Any]) -> Iterator[Problem]:
    base = ("BucketEncryption", "ServerSideEncryptionConfiguration")
    rules = as_list(props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration"))
    if not rules:
        yield base, "has no BucketEncryption: S3 encrypts with its own key (SSE-S3)"
    for index, rule in enumerate(rules):
        default = rule.get("ServerSideEncryptionByDefault", {})
        path = (*base, index, "ServerSideEncryptionByDefault")
        if default.get("SSEAlgorithm") not in KMS_ALGORITHMS:
            yield (*path, "SSEAlgorithm"), f"uses {default.get('SSEAlgorithm')}, not aws:kms"
        else:
            yield from _key_problem(
                template, default.get("KMSMasterKeyID"), (*path, "KMSMasterKeyID"), "KMSMasterKeyID"
            )


def _property_key(prop: str) -> Callable[[TemplateDoc, Mapping[str, Any]], Iterator[Problem]]:
    def check(template: TemplateDoc, props: Mapping[str, Any]) -> Iterator[Problem]:
        yield from _key_problem(template, props.get(prop), (prop,), prop)

    return check


def _global_table(template: TemplateDoc, props: Mapping[str, Any]) -> Iterator[Problem]:
    sse = props.get("SSESpecification", {})
    if not is_true(sse.get("SSEEnabled")) or sse.get("SSEType") != "KMS":
        yield ("SSESpecification",), "is not encrypted with KMS (SSEEnabled true, SSEType KMS)"
    for index, replica in enumerate(as_list(props.get("Replicas"))):
        region = replica.get("Region", index)
        key = replica.get("SSESpecification", {}).get("KMSMasterKeyId")
        path = ("Replicas", index, "SSESpecification", "KMSMasterKeyId")
        yield from _key_problem(template, key, path, f"replica {region}")


def _table(template: TemplateDoc, props: Mapping[str, Any]) -> Iterator[Problem]:
    sse = props.get("SSESpecification", {})
    if not is_true(sse.get("SSEEnabled")) or sse.get("SSEType") != "KMS":
        yield ("SSESpecification",), "is not encrypted with KMS (SSEEnabled true, SSEType KMS)"
    else:
        key = sse.get("KMSMasterKeyId")
        yield from _key_problem(
            template, key, ("SSESpecification", "KMSMasterKeyId"), "KMSMasterKeyId"
        )


def _cluster(template: TemplateDoc, props: Mapping[str, Any]) -> Iterator[Problem]:
    if not is_true(props.get("StorageEncrypted")):
        yield ("StorageEncrypted",), "has StorageEncrypted not true"
    yield from _key_problem(template, props.get("KmsKeyId"), ("KmsKeyId",), "KmsKeyId")


def _global_cluster(template: TemplateDoc, props: Mapping[str, Any]) -> Iterator[Problem]:
    if not is_true(props.get("StorageEncrypted")):
        yield ("StorageEncrypted",), "has StorageEncrypted not true"


def _secret(template: TemplateDoc, props: Mapping[str, Any]) -> Iterator[Problem]:
    yield from _key_problem(template, props.get("KmsKeyId"), ("KmsKeyId",), "KmsKeyId")
    for index, replica in enumerate(as_list(props.get("ReplicaRegions"))):
        path = ("ReplicaRegions", index, "KmsKeyId")
        what = f"replica {replica.get('Region', index)}"
        yield from _key_problem(template, replica.get("KmsKeyId"), path, what)


def _key(template: TemplateDoc, props: Mapping[str, Any]) -> Iterator[Problem]:
    if props.get("KeySpec", ROTATABLE_KEY_SPEC) != ROTATABLE_KEY_SPEC:
        return
    if not is_true(props.get("EnableKeyRotation")):
        yield ("EnableKeyRotation",), "does not rotate (EnableKeyRotation is not true)"


CHECKS: dict[str, Callable[[TemplateDoc, Mapping[str, Any]], Iterator[Problem]]] = {
    blocks.s3.BUCKET.type: _bucket,
    blocks.sqs.QUEUE.type: _property_key("KmsMasterKeyId"),
    blocks.sns.TOPIC.type: _property_key("KmsMasterKeyId"),
    blocks.dynamodb.GLOBAL_TABLE.type: _global_table,
    blocks.dynamodb.TABLE.type: _table,
    blocks.aurora.DB_CLUSTER.type: _cluster,
    blocks.aurora.GLOBAL_CLUSTER.type: _global_cluster,
    blocks.logs.LOG_GROUP.type: _property_key("KmsKeyId"),
    blocks.backup.BACKUP_VAULT.type: _property_key("EncryptionKeyArn"),
    blocks.aurora.SECRET.type: _secret,
    blocks.kms.KEY.type: _key,
}
"""Resource type -> its check. Each names the property that selects the key."""


# Load balancer access logs: "The only server-side encryption option that's supported is
# Amazon S3-managed keys (SSE-S3)"
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
LOAD_BALANCER_LOG_ENCRYPTION = "AES256"


def load_balancer_log_buckets(templates: TemplateSet) -> set[tuple[str, str]]:
    """(template file, bucket logical id or name) of every bucket a load balancer writes its
    access logs to: named by Ref in the same template, or by name from any template."""
    found: set[tuple[str, str]] = set()
    for template, _, balancer in templates.all_resources(blocks.alb.LOAD_BALANCER.type):
        attributes = {
            a.get("Key"): a.get("Value")
            for a in as_list(balancer.get("Properties", {}).get("LoadBalancerAttributes"))
        }
        if str(attributes.get("access_logs.s3.enabled")).lower() != "true":
            continue
        bucket = attributes.get("access_logs.s3.bucket")
        found |= {(template.file, logical_id) for logical_id in referenced_ids(bucket)}
        found.add(("", text_of(bucket) or ""))
    return found


def _load_balancer_log_bucket(props: Mapping[str, Any]) -> bool:
    """A bucket whose only encryption is the SSE-S3 that load balancer logs require."""
    rules = as_list(props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration"))
    return bool(rules) and all(
        r.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
        == LOAD_BALANCER_LOG_ENCRYPTION
        for r in rules
    )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    log_buckets = load_balancer_log_buckets(templates)
    for template, logical_id, resource in templates.all_resources(*CHECKS):
        kind = resource["Type"]
        props = resource.get("Properties", {})
        names = {(template.file, logical_id), ("", text_of(props.get("BucketName")) or "-")}
        if names & log_buckets and _load_balancer_log_bucket(props):
            continue
        for path, problem in CHECKS[kind](template, props):
            yield Violation(
                f"{kind} {logical_id} {problem}",
                logical_id,
                template=template,
                logical_id=logical_id,
                property_path=path,
            )


RULE = Rule(
    id="DR080",
    title="Encryption at rest with customer KMS keys, rotation on",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Payment data sits in the bucket, the queues, the tables, the Aurora cluster, its "
        "backups, its secrets and the logs. AWS managed keys encrypt it too, but their key "
        "policy cannot be narrowed, they cannot be shared with the backup copy and replica "
        "regions, and nobody can revoke them in an incident. A customer key per region, "
        "rotated yearly, is the key-management control an assessor examines; one store left "
        "on the default key breaks the whole chain (a DynamoDB replica or an S3 replica "
        "without its regional key). One exception, which AWS imposes: the bucket a load "
        "balancer writes its access logs to accepts only SSE-S3, so a bucket named as a "
        "load balancer's access-log bucket passes with SSE-S3 (AES256) and nothing else."
    ),
    remediation=(
        "Compile through dr_compiler: every data store uses its region's customer key "
        "(`alias/<app>-<region>-<env>`), created with rotation on. In a hand-written template "
        "set the store's key property (KMSMasterKeyID, KmsMasterKeyId, KmsKeyId, "
        "EncryptionKeyArn, the replica's SSESpecification.KMSMasterKeyId) to a key of the "
        "stack, and EnableKeyRotation: true on every AWS::KMS::Key."
    ),
    docs="https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    bad_example=(
        "PaymentsQueue:\n  Type: AWS::SQS::Queue\n  Properties:\n"
        "    KmsMasterKeyId: alias/aws/sqs   # AWS managed\n"
        "KmsKey:\n  Type: AWS::KMS::Key\n  Properties: {}   # no rotation\n"
    ),
    good_example=(
        "PaymentsQueue:\n  Type: AWS::SQS::Queue\n  Properties:\n"
        "    KmsMasterKeyId: !GetAtt KmsKey.Arn\n"
        "KmsKey:\n  Type: AWS::KMS::Key\n  Properties:\n    EnableKeyRotation: true\n"
    ),
    check_templates=check_templates,
    pci_dss=("3.5.1", "3.6.1", "3.7.4"),
    tags=("encryption",),
    scanner_checks=(
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_27", blocks.sqs.QUEUE.type),
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_26", blocks.sns.TOPIC.type),
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_158", blocks.logs.LOG_GROUP.type),
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_119", blocks.dynamodb.TABLE.type),
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_149", blocks.aurora.SECRET.type),
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_7", blocks.kms.KEY.type),
        ScannerCheck(
            Scanner.GUARD, "s3_bucket_default_encryption_kms_check", blocks.s3.BUCKET.type
        ),
        ScannerCheck(Scanner.GUARD, "sqs_queue_encrypted_check", blocks.sqs.QUEUE.type),
        ScannerCheck(
            Scanner.GUARD, "cloudwatch_log_group_encrypted_check", blocks.logs.LOG_GROUP.type
        ),
        ScannerCheck(
            Scanner.GUARD, "dynamodb_table_encrypted_kms_check", blocks.dynamodb.TABLE.type
        ),
        ScannerCheck(Scanner.GUARD, "kms_key_rotation_enabled_check", blocks.kms.KEY.type),
    ),
)

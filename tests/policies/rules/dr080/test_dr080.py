from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_stores_without_a_customer_key_and_a_key_without_rotation_fail() -> None:
    findings = template_findings("DR080", HERE / BAD)
    sse = "BucketEncryption.ServerSideEncryptionConfiguration"
    assert summary(findings) == {
        ("DR080", "KmsKey", f"{BAD}: KmsKey.EnableKeyRotation"),
        ("DR080", "PlainBucket", f"{BAD}: PlainBucket.{sse}"),
        (
            "DR080",
            "S3KeyBucket",
            f"{BAD}: S3KeyBucket.{sse}[0].ServerSideEncryptionByDefault.SSEAlgorithm",
        ),
        ("DR080", "PaymentsQueue", f"{BAD}: PaymentsQueue.KmsMasterKeyId"),
        ("DR080", "AlertTopic", f"{BAD}: AlertTopic.KmsMasterKeyId"),
        ("DR080", "TransactionsTable", f"{BAD}: TransactionsTable.SSESpecification"),
        (
            "DR080",
            "TransactionsTable",
            f"{BAD}: TransactionsTable.Replicas[1].SSESpecification.KMSMasterKeyId",
        ),
        ("DR080", "DatabaseCluster", f"{BAD}: DatabaseCluster.StorageEncrypted"),
        ("DR080", "DatabaseCluster", f"{BAD}: DatabaseCluster.KmsKeyId"),
        ("DR080", "GlobalCluster", f"{BAD}: GlobalCluster.StorageEncrypted"),
        ("DR080", "FlowLogGroup", f"{BAD}: FlowLogGroup.KmsKeyId"),
        ("DR080", "BackupVault", f"{BAD}: BackupVault.EncryptionKeyArn"),
        ("DR080", "DatabaseSecret", f"{BAD}: DatabaseSecret.ReplicaRegions[0].KmsKeyId"),
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{BAD}: PaymentsQueue.KmsMasterKeyId"] == (
        "AWS::SQS::Queue PaymentsQueue KmsMasterKeyId uses alias/aws/sqs, "
        "not a customer managed key"
    )
    assert messages[f"{BAD}: TransactionsTable.Replicas[1].SSESpecification.KMSMasterKeyId"] == (
        "AWS::DynamoDB::GlobalTable TransactionsTable replica us-west-2 names no key: "
        "encryption falls back to a key AWS owns"
    )


def test_keys_of_the_stack_the_base_stacks_export_and_customer_aliases_pass() -> None:
    # Ref/GetAtt of a key or alias, a replica region's alias ARN, and the base stack's
    # exported KmsKeyArn; the signing key is exempt from rotation (KMS cannot rotate it).
    good = HERE / "good.us-east-1.primary.json", HERE / "good.us-west-2.attach.json"
    assert template_findings("DR080", *good) == []

"""The resilience seed failures: real model failures on this architecture, each caught by its rule.

- "Bucket names that collide" (DR003): the documents bucket was named
  `payments-documents-prod`, with neither the account id nor the region, so the deployment
  in a second account failed with BucketAlreadyExists and the secondary region's replica
  bucket could not take the same name.
- "Missing backups" (DR043): the backup selection listed the Aurora cluster and the bucket
  but not the DynamoDB transactions table, whose only protection left was replication, which
  copies a bad write to every region within a second.
"""

from __future__ import annotations

from typing import Any

from dr_compiler.policies.engine import check_templates
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import Finding, TemplateDoc, TemplateSet
from tests.policies.ruletest import summary

FILE = "seed.us-east-1.primary.json"
BUCKET_ARN = {
    "Fn::Sub": "arn:${AWS::Partition}:s3:::payments-documents-${AWS::AccountId}-us-east-1-prod"
}


def _findings(rule_id: str, resources: dict[str, Any]) -> list[Finding]:
    template = TemplateDoc(FILE, "us-east-1", "primary", {"Resources": resources})
    return check_templates(TemplateSet((template,)), [rule(rule_id)])


def _resource(kind: str, **properties: Any) -> dict[str, Any]:
    return {"Type": kind, "Properties": properties}


def _data_stores() -> dict[str, Any]:
    return {
        "DatabaseCluster": _resource(
            "AWS::RDS::DBCluster",
            DBClusterIdentifier="payments-db-us-east-1-prod",
            Engine="aurora-postgresql",
        ),
        "TransactionsTable": _resource(
            "AWS::DynamoDB::GlobalTable",
            TableName="payments-transactions-prod",
            Replicas=[{"Region": "us-east-1"}, {"Region": "us-west-2"}],
        ),
        "DocumentsBucket": _resource(
            "AWS::S3::Bucket",
            BucketName={"Fn::Sub": "payments-documents-${AWS::AccountId}-us-east-1-prod"},
        ),
    }


def _backup_selection(*resources: Any) -> dict[str, Any]:
    return _resource(
        "AWS::Backup::BackupSelection",
        BackupPlanId={"Ref": "BackupPlan"},
        BackupSelection={
            "SelectionName": "payments-data-stores-prod",
            "IamRoleArn": "arn:aws:iam::111111111111:role/payments-backup-prod",
            "Resources": list(resources),
        },
    )


def test_a_bucket_named_without_account_and_region_is_caught_by_dr003() -> None:
    findings = _findings(
        "DR003",
        {"DocumentsBucket": _resource("AWS::S3::Bucket", BucketName="payments-documents-prod")},
    )
    assert summary(findings) == {
        ("DR003", "DocumentsBucket", f"{FILE}: DocumentsBucket.BucketName")
    }
    assert findings[0].message == (
        "bucket DocumentsBucket name 'payments-documents-prod' lacks the account id "
        "(${AWS::AccountId}) and its region (us-east-1) as '-'-delimited tokens: bucket names "
        "are global across all accounts"
    )


def test_the_fixed_bucket_name_with_account_and_region_passes_dr003() -> None:
    assert _findings("DR003", _data_stores()) == []


def test_a_backup_plan_that_misses_dynamodb_is_caught_by_dr043() -> None:
    resources = {
        **_data_stores(),
        "BackupSelection": _backup_selection(
            {"Fn::GetAtt": ["DatabaseCluster", "DBClusterArn"]},
            BUCKET_ARN,
        ),
    }
    findings = _findings("DR043", resources)
    assert summary(findings) == {("DR043", "TransactionsTable", f"{FILE}: TransactionsTable")}
    assert findings[0].message == (
        "global table TransactionsTable is in no AWS Backup selection: nothing backs it up if "
        "its data is corrupted or deleted"
    )


def test_the_fixed_selection_covering_the_table_passes_dr043() -> None:
    resources = {
        **_data_stores(),
        "BackupSelection": _backup_selection(
            {"Fn::GetAtt": ["DatabaseCluster", "DBClusterArn"]},
            {"Fn::GetAtt": ["TransactionsTable", "Arn"]},
            BUCKET_ARN,
        ),
    }
    assert _findings("DR043", resources) == []

"""S3 builder: buckets in every region, replication from the primary to each secondary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dr_compiler.compiler.context import Phase, StackId
from dr_compiler.compiler.stage import CompiledSpec
from tests.compiler.conftest import REPO, compile_file
from tests.compiler.roles import policy_statements

PRIMARY = "us-east-1"
SECONDARY = "us-west-2"
SOURCE_ARN = "arn:${AWS::Partition}:s3:::payments-documents-${AWS::AccountId}-us-east-1-prod"
REPLICA_ARN = "arn:${AWS::Partition}:s3:::payments-documents-${AWS::AccountId}-us-west-2-prod"
REPLICATION_ACTIONS = {
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:ReplicateTags",
    "kms:Decrypt",
    "kms:Encrypt",
}


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def bucket(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return resources(compiled, key)["DocumentsBucket"]


def rules(compiled: CompiledSpec) -> list[dict[str, Any]]:
    return bucket(compiled, PRIMARY)["Properties"]["ReplicationConfiguration"]["Rules"]


def replication_statements(compiled: CompiledSpec) -> dict[str, dict[str, Any]]:
    statements = policy_statements(resources(compiled, PRIMARY), "ReplicationRole")
    return {s["Sid"]: s for s in statements}


def subs(values: list[Any]) -> list[str]:
    return [v["Fn::Sub"] for v in values]


@pytest.fixture(scope="module")
def compiled_without_rtc(tmp_path_factory: pytest.TempPathFactory) -> CompiledSpec:
    spec = tmp_path_factory.mktemp("nortc") / "nortc.yaml"
    spec.write_text(
        f"extends: {REPO / 'specs' / 'base.yaml'}\n"
        "metadata: {environment: nortc}\n"
        "storage:\n"
        "  buckets:\n"
        "    - name: documents\n"
        "      replication: {rtc: false}\n"
    )
    # Function sources resolve against the project root: the repository, not tmp_path.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        return compile_file(Path(spec))


@pytest.mark.parametrize(("key", "region"), [(PRIMARY, PRIMARY), (f"{SECONDARY}-base", SECONDARY)])
def test_bucket_exists_in_primary_and_secondary_base_named_with_account_and_region(
    compiled_prod: CompiledSpec, key: str, region: str
) -> None:
    props = bucket(compiled_prod, key)["Properties"]
    assert props["BucketName"] == {
        "Fn::Sub": f"payments-documents-${{AWS::AccountId}}-{region}-prod"
    }


@pytest.mark.parametrize("key", [f"{SECONDARY}-attach", "global"])
def test_no_bucket_outside_regional_base_stacks(compiled_prod: CompiledSpec, key: str) -> None:
    kinds = {r["Type"] for r in resources(compiled_prod, key).values()}
    assert "AWS::S3::Bucket" not in kinds and "AWS::S3::BucketPolicy" not in kinds


@pytest.mark.parametrize("key", [PRIMARY, f"{SECONDARY}-base"])
def test_bucket_is_versioned_and_encrypted_with_its_region_key(
    compiled_prod: CompiledSpec, key: str
) -> None:
    props = bucket(compiled_prod, key)["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": {"Fn::GetAtt": ["KmsKey", "Arn"]},
            },
        }
    ]
    assert resources(compiled_prod, key)["KmsKey"]["Type"] == "AWS::KMS::Key"


@pytest.mark.parametrize("key", [PRIMARY, f"{SECONDARY}-base"])
def test_block_public_access_fully_on_and_acls_disabled(
    compiled_prod: CompiledSpec, key: str
) -> None:
    props = bucket(compiled_prod, key)["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


@pytest.mark.parametrize("key", [PRIMARY, f"{SECONDARY}-base"])
def test_lifecycle_expires_noncurrent_versions_and_aborts_uploads(
    compiled_prod: CompiledSpec, key: str
) -> None:
    (rule,) = bucket(compiled_prod, key)["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


@pytest.mark.parametrize("key", [PRIMARY, f"{SECONDARY}-base"])
def test_prod_buckets_are_retained_and_dev_buckets_deleted(
    compiled_prod: CompiledSpec, compiled_dev: CompiledSpec, key: str
) -> None:
    prod, dev = bucket(compiled_prod, key), bucket(compiled_dev, key)
    assert (prod["DeletionPolicy"], prod["UpdateReplacePolicy"]) == (
        "RetainExceptOnCreate",
        "Retain",
    )
    assert (dev["DeletionPolicy"], dev["UpdateReplacePolicy"]) == ("Delete", "Delete")


@pytest.mark.parametrize("key", [PRIMARY, f"{SECONDARY}-base"])
def test_bucket_policy_denies_every_non_tls_request(compiled_prod: CompiledSpec, key: str) -> None:
    policy = resources(compiled_prod, key)["DocumentsBucketPolicy"]
    assert policy["Type"] == "AWS::S3::BucketPolicy"
    assert policy["Properties"]["Bucket"] == {"Ref": "DocumentsBucket"}
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == ["s3:*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [
        {"Fn::GetAtt": ["DocumentsBucket", "Arn"]},
        {"Fn::Sub": "${DocumentsBucket.Arn}/*"},
    ]


def test_replica_bucket_has_no_replication_configuration(compiled_prod: CompiledSpec) -> None:
    assert (
        "ReplicationConfiguration" not in bucket(compiled_prod, f"{SECONDARY}-base")["Properties"]
    )


def test_replication_uses_the_replication_role(compiled_prod: CompiledSpec) -> None:
    config = bucket(compiled_prod, PRIMARY)["Properties"]["ReplicationConfiguration"]
    assert config["Role"] == {"Fn::GetAtt": ["ReplicationRole", "Arn"]}


def test_one_replication_rule_per_secondary(compiled_prod: CompiledSpec) -> None:
    assert [(r["Id"], r["Priority"]) for r in rules(compiled_prod)] == [
        (f"replicate-to-{SECONDARY}", 1)
    ]


def test_replication_rule_destination_is_the_secondary_base_bucket(
    compiled_prod: CompiledSpec,
) -> None:
    replica_name = bucket(compiled_prod, f"{SECONDARY}-base")["Properties"]["BucketName"]["Fn::Sub"]
    (rule,) = rules(compiled_prod)
    assert rule["Destination"]["Bucket"] == {
        "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{replica_name}"
    }


def test_replication_rule_encrypts_replicas_with_the_secondary_key(
    compiled_prod: CompiledSpec,
) -> None:
    alias = resources(compiled_prod, f"{SECONDARY}-base")["KmsKeyAlias"]["Properties"]["AliasName"]
    (rule,) = rules(compiled_prod)
    assert rule["Destination"]["EncryptionConfiguration"] == {
        "ReplicaKmsKeyID": {
            "Fn::Sub": f"arn:${{AWS::Partition}}:kms:{SECONDARY}:${{AWS::AccountId}}:{alias}"
        }
    }


def test_replication_rule_replicates_everything_including_kms_objects_and_delete_markers(
    compiled_prod: CompiledSpec,
) -> None:
    (rule,) = rules(compiled_prod)
    assert rule["Status"] == "Enabled"
    assert rule["Filter"] == {"Prefix": ""}
    assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"}
    # Replica modification sync too: production replicates back (reverse_replication).
    assert rule["SourceSelectionCriteria"] == {
        "SseKmsEncryptedObjects": {"Status": "Enabled"},
        "ReplicaModifications": {"Status": "Enabled"},
    }


def test_rtc_and_metrics_enabled_at_15_minutes_when_rtc(compiled_prod: CompiledSpec) -> None:
    (rule,) = rules(compiled_prod)
    assert rule["Destination"]["ReplicationTime"] == {"Status": "Enabled", "Time": {"Minutes": 15}}
    assert rule["Destination"]["Metrics"] == {
        "Status": "Enabled",
        "EventThreshold": {"Minutes": 15},
    }


def test_without_rtc_no_replication_time_but_metrics_stay_on(
    compiled_without_rtc: CompiledSpec,
) -> None:
    (rule,) = rules(compiled_without_rtc)
    assert "ReplicationTime" not in rule["Destination"]
    assert rule["Destination"]["Metrics"] == {"Status": "Enabled"}


def test_replication_role_is_trusted_by_s3_only(compiled_prod: CompiledSpec) -> None:
    role = resources(compiled_prod, PRIMARY)["ReplicationRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": ["sts:AssumeRole"],
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
        }
    ]
    assert role["RoleName"] == "payments-replication-us-east-1-prod"
    # Its own customer managed policy only (the statements are checked below).
    assert role["ManagedPolicyArns"] == [{"Ref": "ReplicationRolePolicy"}]


def test_replication_role_can_do_exactly_the_replication_actions(
    compiled_prod: CompiledSpec,
) -> None:
    statements = replication_statements(compiled_prod).values()
    assert all(s["Effect"] == "Allow" for s in statements)
    assert {a for s in statements for a in s["Action"]} == REPLICATION_ACTIONS


def test_replication_role_s3_actions_are_scoped_to_source_and_replica(
    compiled_prod: CompiledSpec,
) -> None:
    statements = replication_statements(compiled_prod)
    scoped = {
        (sid, frozenset(s["Action"]), tuple(subs(s["Resource"])))
        for sid, s in statements.items()
        if s["Action"][0].startswith("s3:")
    }
    assert scoped == {
        (
            "ReadSourceBuckets",
            frozenset({"s3:GetReplicationConfiguration", "s3:ListBucket"}),
            (SOURCE_ARN,),
        ),
        (
            "ReadSourceObjects",
            frozenset(
                {
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                }
            ),
            (f"{SOURCE_ARN}/*",),
        ),
        (
            "WriteReplicas",
            frozenset({"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"}),
            (f"{REPLICA_ARN}/*",),
        ),
    }


def test_replication_role_decrypts_only_the_source_key_through_s3(
    compiled_prod: CompiledSpec,
) -> None:
    statement = replication_statements(compiled_prod)["DecryptSourceObjects"]
    assert statement["Action"] == ["kms:Decrypt"]
    assert statement["Resource"] == [{"Fn::GetAtt": ["KmsKey", "Arn"]}]
    assert statement["Condition"]["StringEquals"] == {
        "kms:ViaService": "s3.us-east-1.amazonaws.com"
    }
    contexts = statement["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]
    assert subs(contexts) == [SOURCE_ARN, f"{SOURCE_ARN}/*"]


def test_replication_role_uses_only_the_secondary_key_carrying_its_alias(
    compiled_prod: CompiledSpec,
) -> None:
    alias = resources(compiled_prod, f"{SECONDARY}-base")["KmsKeyAlias"]["Properties"]["AliasName"]
    statement = replication_statements(compiled_prod)["EncryptReplicasInUsWest2"]
    assert set(statement["Action"]) == {"kms:Encrypt", "kms:Decrypt"}
    assert subs(statement["Resource"]) == [
        f"arn:${{AWS::Partition}}:kms:{SECONDARY}:${{AWS::AccountId}}:key/*"
    ]
    condition = statement["Condition"]
    assert condition["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": [alias]}
    assert condition["StringEquals"] == {"kms:ViaService": "s3.us-west-2.amazonaws.com"}
    assert subs(condition["StringLike"]["kms:EncryptionContext:aws:s3:arn"]) == [
        REPLICA_ARN,
        f"{REPLICA_ARN}/*",
    ]


def test_primary_deploys_after_secondary_base(compiled_prod: CompiledSpec) -> None:
    primary = compiled_prod.stack(PRIMARY)
    base = compiled_prod.stack(f"{SECONDARY}-base")
    assert StackId(Phase.BASE, SECONDARY) in {r.source for r in primary.requires}
    assert base.wave < primary.wave


@pytest.mark.parametrize("key", [PRIMARY, f"{SECONDARY}-base"])
def test_bucket_name_is_an_output(compiled_prod: CompiledSpec, key: str) -> None:
    outputs = compiled_prod.stack(key).template["Outputs"]
    assert outputs["DocumentsBucketName"]["Value"] == {"Ref": "DocumentsBucket"}


def test_bucket_resources_point_at_the_spec_bucket(compiled_prod: CompiledSpec) -> None:
    sources = compiled_prod.stack(PRIMARY).sources
    assert sources["DocumentsBucket"] == compiled_prod.spec.locate("storage", "buckets", 0)
    assert sources["DocumentsBucketPolicy"] == compiled_prod.spec.locate("storage", "buckets", 0)

"""The Aurora builder: a global database whose secondary joins after the primary exists."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from troposphere import AWSObject

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, Requires, Sourced, StackContext, StackId
from dr_compiler.compiler.services import aurora, network
from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.model import Regions

PRIMARY = "us-east-1"
BASE = "us-west-2-base"
ATTACH = "us-west-2-attach"


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def of_type(compiled: CompiledSpec, key: str, kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in resources(compiled, key).items() if v["Type"] == kind}


def export_of(compiled: CompiledSpec, key: str, output: str) -> str:
    return compiled.stack(key).template["Outputs"][output]["Export"]["Name"]


def built(ctx: StackContext) -> Iterator[Any]:
    for item in aurora.build(ctx):
        yield item.item if isinstance(item, Sourced) else item


def test_secondary_cluster_joins_the_global_cluster_by_its_identifier(
    compiled_prod: CompiledSpec,
) -> None:
    global_cluster = resources(compiled_prod, PRIMARY)[ids.GLOBAL_CLUSTER]["Properties"]
    primary = resources(compiled_prod, PRIMARY)[ids.DB_CLUSTER]["Properties"]
    secondary = resources(compiled_prod, ATTACH)[ids.DB_CLUSTER]["Properties"]
    assert global_cluster["GlobalClusterIdentifier"] == "payments-global-prod"
    assert primary["GlobalClusterIdentifier"] == {"Ref": ids.GLOBAL_CLUSTER}
    assert secondary["GlobalClusterIdentifier"] == global_cluster["GlobalClusterIdentifier"]
    assert primary["DBClusterIdentifier"] == "payments-db-us-east-1-prod"
    assert secondary["DBClusterIdentifier"] == "payments-db-us-west-2-prod"


def test_attach_stack_deploys_in_a_later_wave_than_the_primary(compiled_prod: CompiledSpec) -> None:
    attach = compiled_prod.stack(ATTACH)
    assert StackId(Phase.PRIMARY, PRIMARY) in {r.source for r in attach.requires}
    assert attach.wave > compiled_prod.stack(PRIMARY).wave > compiled_prod.stack(BASE).wave


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_master_credentials_are_dynamic_references_to_the_generated_secret(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled = request.getfixturevalue(fixture)
    cluster = resources(compiled, PRIMARY)[ids.DB_CLUSTER]["Properties"]
    assert cluster["MasterUsername"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${DatabaseSecret}:SecretString:username}}"
    }
    assert cluster["MasterUserPassword"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${DatabaseSecret}:SecretString:password}}"
    }


def _password_values(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key.lower().endswith("password") or key == "SecretString":
                yield value
            yield from _password_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _password_values(value)


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_no_template_holds_a_literal_password(request: pytest.FixtureRequest, fixture: str) -> None:
    compiled = request.getfixturevalue(fixture)
    values = [v for s in compiled.stacks for v in _password_values(s.template["Resources"])]
    assert values, "the primary cluster must set MasterUserPassword"
    for value in values:
        assert isinstance(value, dict), f"literal password {value!r}"
        assert json.dumps(value).startswith('{"Fn::Sub": "{{resolve:secretsmanager:')


def test_secret_generates_an_rds_valid_password_encrypted_with_the_region_key(
    compiled_prod: CompiledSpec,
) -> None:
    secret = resources(compiled_prod, PRIMARY)[ids.DB_SECRET]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    properties = secret["Properties"]
    assert properties["Name"] == "payments-db-credentials-prod"
    assert properties["KmsKeyId"] == {"Fn::GetAtt": [ids.KMS_KEY, "Arn"]}
    generated = properties["GenerateSecretString"]
    assert json.loads(generated["SecretStringTemplate"]) == {"username": "payments_admin"}
    assert generated["GenerateStringKey"] == "password"
    assert generated["PasswordLength"] == 32
    assert set("/@\" '") <= set(generated["ExcludeCharacters"])
    assert "SecretString" not in properties


def test_secret_replicates_to_each_secondary_with_that_region_key_alias(
    compiled_prod: CompiledSpec,
) -> None:
    properties = resources(compiled_prod, PRIMARY)[ids.DB_SECRET]["Properties"]
    assert properties["ReplicaRegions"] == [
        {
            "Region": "us-west-2",
            "KmsKeyId": {
                "Fn::Sub": "arn:${AWS::Partition}:kms:us-west-2:${AWS::AccountId}:"
                "alias/payments-us-west-2-prod"
            },
        }
    ]
    assert StackId(Phase.BASE, "us-west-2") in {
        r.source for r in compiled_prod.stack(PRIMARY).requires
    }


def test_secret_is_attached_to_the_primary_cluster(compiled_prod: CompiledSpec) -> None:
    attachment = resources(compiled_prod, PRIMARY)[aurora.DB_SECRET_ATTACHMENT]
    assert attachment == {
        "Type": "AWS::SecretsManager::SecretTargetAttachment",
        "Properties": {
            "SecretId": {"Ref": ids.DB_SECRET},
            "TargetId": {"Ref": ids.DB_CLUSTER},
            "TargetType": "AWS::RDS::DBCluster",
        },
    }


def test_secondary_cluster_inherits_credentials_and_database(
    compiled_prod: CompiledSpec,
) -> None:
    secondary = resources(compiled_prod, ATTACH)[ids.DB_CLUSTER]["Properties"]
    for inherited in ("MasterUsername", "MasterUserPassword", "DatabaseName"):
        assert inherited not in secondary
    assert secondary["Engine"] == "aurora-postgresql"
    assert ids.DB_SECRET not in resources(compiled_prod, ATTACH)


def test_every_member_states_the_global_clusters_engine_and_version(
    compiled_prod: CompiledSpec,
) -> None:
    # RDS creates a member without EngineVersion at the region's default version and refuses
    # the join when that differs (aws-cli issue 8139): the version is stated on every member.
    global_cluster = resources(compiled_prod, PRIMARY)[ids.GLOBAL_CLUSTER]["Properties"]
    assert global_cluster["Engine"] == "aurora-postgresql"
    assert global_cluster["EngineVersion"] == compiled_prod.spec.database.engine_version
    assert global_cluster["StorageEncrypted"] is True
    for key in (PRIMARY, ATTACH):
        member = resources(compiled_prod, key)[ids.DB_CLUSTER]["Properties"]
        assert (member["Engine"], member["EngineVersion"]) == (
            global_cluster["Engine"],
            global_cluster["EngineVersion"],
        ), key
    primary = resources(compiled_prod, PRIMARY)[ids.DB_CLUSTER]["Properties"]
    assert primary["DatabaseName"] == "payments"


def test_primary_cluster_uses_its_own_network_and_key(compiled_prod: CompiledSpec) -> None:
    cluster = resources(compiled_prod, PRIMARY)[ids.DB_CLUSTER]["Properties"]
    assert cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"] == {"Fn::GetAtt": [ids.KMS_KEY, "Arn"]}
    assert cluster["DBSubnetGroupName"] == {"Ref": ids.DB_SUBNET_GROUP}
    assert cluster["VpcSecurityGroupIds"] == [
        {"Fn::GetAtt": [ids.DATABASE_SECURITY_GROUP, "GroupId"]}
    ]


def test_secondary_cluster_imports_network_and_key_from_its_base_stack(
    compiled_prod: CompiledSpec,
) -> None:
    cluster = resources(compiled_prod, ATTACH)[ids.DB_CLUSTER]["Properties"]
    assert cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"] == {"Fn::ImportValue": export_of(compiled_prod, BASE, "KmsKeyArn")}
    assert cluster["DBSubnetGroupName"] == {
        "Fn::ImportValue": export_of(compiled_prod, BASE, ids.DB_SUBNET_GROUP)
    }
    assert cluster["VpcSecurityGroupIds"] == [
        {"Fn::ImportValue": export_of(compiled_prod, BASE, "DatabaseSecurityGroupGroupId")}
    ]
    assert compiled_prod.stack(BASE).template["Outputs"][ids.DB_SUBNET_GROUP]["Value"] == {
        "Ref": ids.DB_SUBNET_GROUP
    }


@pytest.mark.parametrize(("fixture", "azs"), [("compiled_prod", 3), ("compiled_dev", 2)])
def test_subnet_groups_span_the_private_subnets_of_primary_and_base(
    request: pytest.FixtureRequest, fixture: str, azs: int
) -> None:
    compiled = request.getfixturevalue(fixture)
    env = compiled.spec.environment
    for key, region in ((PRIMARY, "us-east-1"), (BASE, "us-west-2")):
        group = resources(compiled, key)[ids.DB_SUBNET_GROUP]["Properties"]
        assert group["SubnetIds"] == [{"Ref": ids.private_subnet(az)} for az in range(azs)]
        assert group["DBSubnetGroupName"] == f"payments-db-subnets-{region}-{env}"
    assert ids.DB_SUBNET_GROUP not in resources(compiled, ATTACH)


@pytest.mark.parametrize(
    ("fixture", "policy", "protected"),
    [("compiled_prod", "Snapshot", True), ("compiled_dev", "Delete", False)],
)
def test_clusters_keep_a_snapshot_and_deletion_protection_only_when_data_is_retained(
    request: pytest.FixtureRequest, fixture: str, policy: str, protected: bool
) -> None:
    compiled = request.getfixturevalue(fixture)
    for key in (PRIMARY, ATTACH):
        cluster = resources(compiled, key)[ids.DB_CLUSTER]
        assert (cluster["DeletionPolicy"], cluster["UpdateReplacePolicy"]) == (policy, policy)
        assert cluster["Properties"]["DeletionProtection"] is protected
    assert resources(compiled, PRIMARY)[ids.GLOBAL_CLUSTER]["Properties"]["DeletionProtection"] is (
        protected
    )
    secret = resources(compiled, PRIMARY)[ids.DB_SECRET]
    kept = ("RetainExceptOnCreate", "Retain") if protected else ("Delete", "Delete")
    assert (secret["DeletionPolicy"], secret["UpdateReplacePolicy"]) == kept


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_each_cluster_has_serverless_v2_capacity_backups_and_logs_from_the_spec(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled = request.getfixturevalue(fixture)
    database = compiled.spec.database
    for key in (PRIMARY, ATTACH):
        cluster = resources(compiled, key)[ids.DB_CLUSTER]["Properties"]
        assert cluster["ServerlessV2ScalingConfiguration"] == {
            "MinCapacity": database.min_acu,
            "MaxCapacity": database.max_acu,
        }
        assert cluster["BackupRetentionPeriod"] == database.backup_retention_days
        assert cluster["Port"] == 5432
        assert cluster["CopyTagsToSnapshot"] is True
        assert cluster["EnableCloudwatchLogsExports"] == ["postgresql"]


@pytest.mark.parametrize("key", [PRIMARY, ATTACH])
def test_instances_are_private_serverless_members_of_their_cluster(
    compiled_prod: CompiledSpec, key: str
) -> None:
    instances = of_type(compiled_prod, key, "AWS::RDS::DBInstance")
    # Production asks for two per region: losing one AZ leaves a reader to promote in-region.
    assert list(instances) == [ids.db_instance(0), ids.db_instance(1)]
    for instance in instances.values():
        assert instance["Properties"]["DBClusterIdentifier"] == {"Ref": ids.DB_CLUSTER}
        assert instance["Properties"]["DBInstanceClass"] == "db.serverless"
        assert instance["Properties"]["Engine"] == "aurora-postgresql"
        assert instance["Properties"]["PubliclyAccessible"] is False
        assert instance["Properties"]["MonitoringInterval"] == 60
        assert instance["Properties"]["MonitoringRoleArn"] == {
            "Fn::GetAtt": [aurora.MONITORING_ROLE, "Arn"]
        }
        assert (instance["DeletionPolicy"], instance["UpdateReplacePolicy"]) == ("Delete", "Delete")


@pytest.mark.parametrize("key", [PRIMARY, ATTACH])
def test_enhanced_monitoring_role_is_for_rds_monitoring_only(
    compiled_prod: CompiledSpec, key: str
) -> None:
    role = of_type(compiled_prod, key, "AWS::IAM::Role")[aurora.MONITORING_ROLE]["Properties"]
    statement = role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in statement] == [{"Service": "monitoring.rds.amazonaws.com"}]
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
            "AmazonRDSEnhancedMonitoringRole"
        }
    ]


@pytest.mark.parametrize("key", [PRIMARY, ATTACH])
def test_clusters_accept_iam_database_authentication(compiled_prod: CompiledSpec, key: str) -> None:
    cluster = of_type(compiled_prod, key, "AWS::RDS::DBCluster")[ids.DB_CLUSTER]
    assert cluster["Properties"]["EnableIAMDatabaseAuthentication"] is True


@pytest.mark.parametrize("key", [PRIMARY, ATTACH])
def test_stack_outputs_its_cluster_endpoint_and_arn(compiled_prod: CompiledSpec, key: str) -> None:
    outputs = compiled_prod.stack(key).template["Outputs"]
    assert outputs[aurora.ENDPOINT_OUTPUT]["Value"] == {
        "Fn::GetAtt": [ids.DB_CLUSTER, "Endpoint.Address"]
    }
    assert outputs[aurora.ARN_OUTPUT]["Value"] == {"Fn::GetAtt": [ids.DB_CLUSTER, "DBClusterArn"]}


def test_global_stack_has_no_database(compiled_prod: CompiledSpec) -> None:
    kinds = {r["Type"] for r in resources(compiled_prod, "global").values()}
    assert not {k for k in kinds if k.startswith("AWS::RDS::")}


def test_instance_count_and_256_acu_capacity_come_from_the_spec(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    database = dataclasses.replace(spec.database, instances_per_region=3, max_acu=256.0)
    ctx = StackContext(
        dataclasses.replace(spec, database=database), StackId(Phase.ATTACH, "us-west-2")
    )
    objects = [o for o in built(ctx) if isinstance(o, AWSObject)]
    instances = [o.title for o in objects if o.resource_type == "AWS::RDS::DBInstance"]
    assert instances == [ids.db_instance(i) for i in range(3)]
    cluster = next(o for o in objects if o.title == ids.DB_CLUSTER).to_dict()
    assert cluster["Properties"]["ServerlessV2ScalingConfiguration"]["MaxCapacity"] == 256.0


def test_primary_requires_the_base_stack_of_every_secondary(compiled_prod: CompiledSpec) -> None:
    spec = dataclasses.replace(
        compiled_prod.spec, regions=Regions("us-east-1", ("us-west-2", "us-east-2"))
    )
    items = list(built(StackContext(spec, StackId(Phase.PRIMARY, "us-east-1"))))
    required = [r.source.key for r in items if isinstance(r, Requires)]
    assert required == ["us-west-2-base", "us-east-2-base"]
    secret = next(o for o in items if isinstance(o, AWSObject) and o.title == ids.DB_SECRET)
    assert [r["Region"] for r in secret.to_dict()["Properties"]["ReplicaRegions"]] == [
        "us-west-2",
        "us-east-2",
    ]


def test_every_member_forwards_writes(compiled_prod: CompiledSpec) -> None:
    # A secondary's API writes through its own reader endpoint; the primary's setting takes
    # effect when a global switchover or failover demotes it (CreateDBCluster reference).
    for key in (PRIMARY, ATTACH):
        member = resources(compiled_prod, key)[ids.DB_CLUSTER]["Properties"]
        assert member["EnableGlobalWriteForwarding"] is True, key
    assert (
        "EnableGlobalWriteForwarding"
        not in resources(compiled_prod, PRIMARY)[ids.GLOBAL_CLUSTER]["Properties"]
    )


def test_write_forwarding_off_in_the_spec_is_off_on_every_member(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    spec = dataclasses.replace(
        spec, database=dataclasses.replace(spec.database, write_forwarding=False)
    )
    for stack in (StackId(Phase.PRIMARY, "us-east-1"), StackId(Phase.ATTACH, "us-west-2")):
        (cluster,) = [
            item
            for item in built(StackContext(spec, stack))
            if isinstance(item, AWSObject) and item.title == ids.DB_CLUSTER
        ]
        assert cluster.to_dict()["Properties"]["EnableGlobalWriteForwarding"] is False


# Rotation of the master secret (database.rotation_days: 30 in base.yaml; off in staging).

SUBNETS = {"prod": 3, "dev": 2}


def rotation(compiled: CompiledSpec) -> dict[str, Any]:
    return resources(compiled, PRIMARY)[aurora.DB_SECRET_ROTATION]


@pytest.mark.parametrize("env", ["prod", "dev"])
def test_the_rotation_schedule_rotates_the_attached_secret_once_the_cluster_answers(
    request: pytest.FixtureRequest, env: str
) -> None:
    compiled = request.getfixturevalue(f"compiled_{env}")
    schedule = rotation(compiled)
    instances = compiled.spec.database.instances_per_region
    assert schedule["Type"] == "AWS::SecretsManager::RotationSchedule"
    assert schedule["Properties"]["SecretId"] == {"Ref": ids.DB_SECRET}
    assert schedule["Properties"]["RotationRules"] == {"AutomaticallyAfterDays": 30}
    assert schedule["DependsOn"] == [
        aurora.DB_SECRET_ATTACHMENT,
        *(ids.db_instance(i) for i in range(instances)),
    ]
    hosted = schedule["Properties"]["HostedRotationLambda"]
    assert hosted["RotationType"] == "PostgreSQLSingleUser"
    assert hosted["ExcludeCharacters"] == aurora.PASSWORD_EXCLUDED
    assert hosted["KmsKeyArn"] == {"Fn::GetAtt": [ids.KMS_KEY, "Arn"]}
    assert hosted["RotationLambdaName"] == f"payments-db-rotation-us-east-1-{env}"


@pytest.mark.parametrize("env", ["prod", "dev"])
def test_the_rotation_function_reaches_the_database_from_its_private_subnets(
    request: pytest.FixtureRequest, env: str
) -> None:
    compiled = request.getfixturevalue(f"compiled_{env}")
    hosted = rotation(compiled)["Properties"]["HostedRotationLambda"]
    primary = resources(compiled, PRIMARY)
    subnets = [{"Ref": ids.private_subnet(az)} for az in range(SUBNETS[env])]
    # The database's own subnets, joined the way HostedRotationLambda takes them (a string).
    assert primary[ids.DB_SUBNET_GROUP]["Properties"]["SubnetIds"] == subnets
    assert hosted["VpcSubnetIds"] == {"Fn::Join": [",", subnets]}
    group = {"Fn::GetAtt": [ids.LAMBDA_SECURITY_GROUP, "GroupId"]}
    assert hosted["VpcSecurityGroupIds"] == group
    # ...a group the database group admits on the database port, and that may leave on it.
    port = compiled.spec.database.port
    ingress = primary[ids.DATABASE_SECURITY_GROUP]["Properties"]["SecurityGroupIngress"]
    assert [(r["SourceSecurityGroupId"], r["FromPort"], r["ToPort"]) for r in ingress] == [
        (group, port, port)
    ]
    egress = primary[network.LAMBDA_TO_DATABASE_EGRESS]["Properties"]
    assert (egress["GroupId"], egress["FromPort"], egress["DestinationSecurityGroupId"]) == (
        group,
        port,
        {"Fn::GetAtt": [ids.DATABASE_SECURITY_GROUP, "GroupId"]},
    )


def test_with_vpc_endpoints_the_rotation_function_reaches_secrets_manager_privately(
    compiled_prod: CompiledSpec,
) -> None:
    primary = resources(compiled_prod, PRIMARY)
    assert compiled_prod.spec.network.egress == "vpc_endpoints"
    endpoint = primary[network.endpoint("secretsmanager")]["Properties"]
    assert endpoint["PrivateDnsEnabled"] is True
    assert endpoint["SecurityGroupIds"] == [
        {"Fn::GetAtt": [ids.ENDPOINT_SECURITY_GROUP, "GroupId"]}
    ]
    ingress = primary[ids.ENDPOINT_SECURITY_GROUP]["Properties"]["SecurityGroupIngress"]
    assert [(r["SourceSecurityGroupId"], r["FromPort"]) for r in ingress] == [
        ({"Fn::GetAtt": [ids.LAMBDA_SECURITY_GROUP, "GroupId"]}, 443)
    ]


def test_rotation_alone_brings_the_secrets_manager_endpoint(compiled_prod: CompiledSpec) -> None:
    """No function connects to the database: the rotation function still calls Secrets
    Manager from the private subnets."""
    spec = dataclasses.replace(compiled_prod.spec, functions=())
    assert network.interface_services(spec) == ("secretsmanager",)
    off = dataclasses.replace(spec, database=dataclasses.replace(spec.database, rotation_days=0))
    assert network.interface_services(off) == ()


@pytest.mark.parametrize(
    ("env", "transformed"),
    [("prod", {PRIMARY}), ("dev", {PRIMARY}), ("staging", set())],
)
def test_the_transform_is_in_the_primary_template_only_where_rotation_is(
    request: pytest.FixtureRequest, env: str, transformed: set[str]
) -> None:
    compiled = request.getfixturevalue(f"compiled_{env}")
    assert {s.stack.key for s in compiled.stacks if "Transform" in s.template} == transformed
    assert {
        s.stack.key
        for s in compiled.stacks
        if aurora.DB_SECRET_ROTATION in s.template.get("Resources", {})
    } == transformed
    for stack in compiled.stacks:
        if stack.stack.key in transformed:
            assert stack.template["Transform"] == "AWS::SecretsManager-2024-09-16"


def test_the_rotation_schedule_points_back_at_the_spec_line(compiled_prod: CompiledSpec) -> None:
    location = compiled_prod.stack(PRIMARY).sources[aurora.DB_SECRET_ROTATION]
    base = Path(location.file)
    lines = base.read_text(encoding="utf-8").splitlines()
    assert (base.name, lines[location.line - 1].strip()) == ("base.yaml", "rotation_days: 30")

"""Aurora PostgreSQL Global Database: the primary cluster and one secondary per region (DR042).

PRIMARY: the DB subnet group, the master secret (generated in Secrets Manager and replicated
to every secondary, DR010), the global cluster, the primary Serverless v2 cluster and its
instances. BASE of a secondary: its DB subnet group (exported to the attach stack). ATTACH of
a secondary: the secondary cluster, joined to the global cluster by its computable identifier,
and its instances; it deploys after the primary because the global cluster must exist.

AWS facts this module relies on (CloudFormation resource reference, AWS::RDS::DBCluster):
- MasterUsername/MasterUserPassword must be absent on a cluster with GlobalClusterIdentifier
  that joins as a secondary: it inherits them from the primary ("Cannot specify password for
  cross region replication cluster"). DatabaseName is inherited the same way.
- EngineVersion is stated on the global cluster AND on every member cluster (DR044). The RDS
  resource provider copies nothing from the global cluster: its CreateDBCluster request is
  built from the member's own properties (aws-cloudformation-resource-providers-rds,
  aws-rds-dbcluster/src/main/java/software/amazon/rds/dbcluster/Translator.java,
  createDbClusterRequest: `.engineVersion(model.getEngineVersion())`, commit 5a410e8). Without
  it RDS creates the member at the region's default version and refuses the join when that
  differs from the global cluster's: "Value for engineVersion should match setting for global
  cluster" (https://github.com/aws/aws-cli/issues/8139). The Terraform and Pulumi examples of
  aws_rds_global_cluster set the global cluster's engine_version on both members too. The
  AWS::RDS::DBCluster reference's "Don't use this property if your DB cluster is a member of a
  global database cluster" (quoted here before) goes on: "Major version upgrades aren't
  supported for individual members of a global cluster. Use ModifyGlobalCluster": it is about
  upgrades. A later change of database.engine_version updates the global cluster first (the
  primary member references it) and then each member; that upgrade path is not exercised by
  any test here. Engine stays on every cluster too (CreateDBCluster requires it; cfn-lint
  checks instances against it).
- A cross-region secondary of an encrypted cluster needs a KmsKeyId valid in its own region.
- Deleting a member cluster: the RDS handler snapshots it (DeletionPolicy Snapshot), removes it
  from the global cluster, then deletes it, so Snapshot works for secondaries too.
- DB instances of an Aurora cluster hold no data (the cluster volume does, protected by the
  cluster's Snapshot policy and deletion protection), so they are deleted with their stack.

Rotation of the master secret (database.rotation_days, DR087), in the primary stack only:
- RDS-managed master passwords (ManageMasterUserPassword) are not an option: "Managing master
  user passwords with Secrets Manager isn't supported for ... DB clusters that are part of an
  Aurora global database" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html,
  Limitations). So the secret stays ours and Secrets Manager rotates it with a hosted rotation
  function: AWS::SecretsManager::RotationSchedule with HostedRotationLambda, which needs the
  template's `Transform: AWS::SecretsManager-2024-09-16` (a CloudFormation-hosted macro that
  adds the function in a nested stack; the 2024-09-16 version keeps the function's runtime
  and dependencies current on stack updates:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-secretsmanager.html;
  under 2020-07-23 a runtime that no longer matched the function's code broke PostgreSQL
  rotation, https://github.com/aws/aws-cdk/issues/23331).
  A macro needs CAPABILITY_AUTO_EXPAND, and service-managed StackSets refuse macros
  (semantics._rotation; deploy passes the capability per StackSet, compiler/manifest.py).
- Single user (PostgreSQLSingleUser): the secret holds the master user, who can change its own
  password; alternating users needs a second, superuser secret to clone the user with, and the
  master user is the superuser (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html).
  Open connections are not dropped; new ones use the new password.
- The function runs in the private subnets with the functions' security group, which the
  database group admits on the database port and the interface endpoints admit on 443 (with
  `vpc_endpoints` egress, network.services_called adds the Secrets Manager endpoint; with
  `nat_gateway` it goes out through NAT): it must reach both the database and a Secrets
  Manager endpoint (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-function-network-access.html).
  It calls nothing else: Secrets Manager itself calls KMS for the secret's key.
- Only the primary secret rotates; Secrets Manager replicates each new version to the replicas
  ("If you turn on rotation for your primary secret, Secrets Manager rotates the secret in the
  primary Region, and the new secret value propagates to all of the associated replica
  secrets", https://docs.aws.amazon.com/secretsmanager/latest/userguide/create-manage-multi-region-secrets.html).
  A replica cannot rotate on its own (https://docs.aws.amazon.com/secretsmanager/latest/userguide/standalone-secret.html);
  what a failover does to rotation is a runbook step (runbook.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from troposphere import AWSObject, GetAtt, Join, Output, Ref, Sub
from troposphere.iam import Role
from troposphere.rds import (
    DBCluster,
    DBInstance,
    DBSubnetGroup,
    GlobalCluster,
    ServerlessV2ScalingConfiguration,
)
from troposphere.secretsmanager import (
    GenerateSecretString,
    HostedRotationLambda,
    ReplicaRegion,
    RotationRules,
    RotationSchedule,
    Secret,
    SecretTargetAttachment,
)
from troposphere.validators import double

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids
from dr_compiler.compiler.context import (
    Phase,
    Requires,
    Sourced,
    StackContext,
    StackId,
    Transform,
    deletion_policies,
    sourced,
)
from dr_compiler.compiler.naming import (
    db_cluster_identifier,
    db_secret_name,
    global_cluster_identifier,
)
from dr_compiler.compiler.services import kms

DB_SECRET_ATTACHMENT = "DatabaseSecretAttachment"
DB_SECRET_ROTATION = "DatabaseSecretRotation"
SECRETS_MANAGER_TRANSFORM = "AWS::SecretsManager-2024-09-16"
ROTATION_TYPE = "PostgreSQLSingleUser"
ENDPOINT_OUTPUT = "DatabaseClusterEndpoint"
ARN_OUTPUT = "DatabaseClusterArn"

INSTANCE_CLASS = "db.serverless"
MONITORING_ROLE = "DatabaseMonitoringRole"
MONITORING_INTERVAL_SECONDS = 60
LOG_EXPORTS = ["postgresql"]
# RDS accepts any printable ASCII character except / " @ (CreateDBCluster reference); its
# console also rejects ' and spaces. The backslash is legal but breaks naive connection-string and
# shell quoting, so it goes too.
PASSWORD_EXCLUDED = " \"'/@\\"
PASSWORD_LENGTH = 32
_SPEC_PATH = ("database",)


class _ServerlessV2Scaling(ServerlessV2ScalingConfiguration):
    """troposphere caps MaxCapacity at 128 ACUs; recent Aurora versions allow 256 (the spec's
    limit), and RDS itself rejects a value the engine version does not support."""

    props = {"MinCapacity": (double, False), "MaxCapacity": (double, False)}


def build(ctx: StackContext) -> Iterator[AWSObject | Output | Requires | Sourced]:
    if ctx.spec.database is None:
        return
    if ctx.phase is Phase.PRIMARY:
        yield from sourced([_subnet_group(ctx)], *_SPEC_PATH)
        yield from _primary(ctx)
    elif ctx.phase is Phase.BASE:
        yield from sourced([_subnet_group(ctx)], *_SPEC_PATH)
    elif ctx.phase is Phase.ATTACH:
        yield from _secondary(ctx)


def _subnet_group(ctx: StackContext) -> DBSubnetGroup:
    return DBSubnetGroup(
        ids.DB_SUBNET_GROUP,
        DBSubnetGroupName=ctx.name("db-subnets", regional=True),
        DBSubnetGroupDescription=f"{ctx.spec.app} {ctx.spec.environment} Aurora private subnets",
        SubnetIds=ctx.private_subnets(),
    )


def _primary(ctx: StackContext) -> Iterator[AWSObject | Output | Requires | Sourced]:
    for region in ctx.spec.regions.secondaries:
        yield Requires(StackId(Phase.BASE, region), "the secret replica's KMS key alias exists")
    yield from sourced(
        [
            _secret(ctx),
            _global_cluster(ctx),
            _primary_cluster(ctx),
            SecretTargetAttachment(
                DB_SECRET_ATTACHMENT,
                SecretId=Ref(ids.DB_SECRET),
                TargetId=Ref(ids.DB_CLUSTER),
                TargetType="AWS::RDS::DBCluster",
            ),
            *_instances(ctx),
            _monitoring_role(ctx),
        ],
        *_SPEC_PATH,
    )
    if ctx.spec.rotation_days:
        yield Transform(SECRETS_MANAGER_TRANSFORM)
        yield from sourced([_rotation(ctx)], *_SPEC_PATH, "rotation_days")
    yield from _outputs()


def _secondary(ctx: StackContext) -> Iterator[AWSObject | Output | Requires | Sourced]:
    primary = StackId(Phase.PRIMARY, ctx.spec.regions.primary)
    yield Requires(primary, "global cluster and primary cluster exist")
    cluster = DBCluster(
        ids.DB_CLUSTER,
        GlobalClusterIdentifier=global_cluster_identifier(ctx.spec),
        **_cluster_properties(ctx),
        **ctx.data_policies(blocks.aurora.DB_CLUSTER),
    )
    yield from sourced([cluster, *_instances(ctx), _monitoring_role(ctx)], *_SPEC_PATH)
    yield from _outputs()


def _secret(ctx: StackContext) -> Secret:
    database = ctx.spec.database
    assert database is not None, "build() compiles Aurora only for a spec with a database"
    return Secret(
        ids.DB_SECRET,
        Name=db_secret_name(ctx.spec),
        Description=f"{ctx.spec.app} {ctx.spec.environment} Aurora master credentials",
        KmsKeyId=ctx.key_arn,
        GenerateSecretString=GenerateSecretString(
            SecretStringTemplate=f'{{"username": "{database.master_username}"}}',
            GenerateStringKey="password",
            PasswordLength=PASSWORD_LENGTH,
            ExcludeCharacters=PASSWORD_EXCLUDED,
        ),
        # A replica in each secondary: after a failover its functions still read the
        # credentials in-region, under the same name.
        ReplicaRegions=[
            ReplicaRegion(Region=region, KmsKeyId=kms.key_alias_arn(ctx, region))
            for region in ctx.spec.regions.secondaries
        ],
        # The secret outlives the cluster when the cluster's snapshot is kept: that snapshot
        # restores with these credentials.
        **ctx.data_policies(blocks.aurora.SECRET),
    )


def _rotation(ctx: StackContext) -> RotationSchedule:
    """Secrets Manager's own PostgreSQL function changes the master password every
    `rotation_days` (see the module docstring for why each property is what it is)."""
    database = ctx.spec.database
    assert database is not None, "build() compiles Aurora only for a spec with a database"
    return RotationSchedule(
        DB_SECRET_ROTATION,
        SecretId=Ref(ids.DB_SECRET),
        HostedRotationLambda=HostedRotationLambda(
            RotationType=ROTATION_TYPE,
            RotationLambdaName=ctx.name("db-rotation", regional=True),
            # The function's role may use the secret's customer key (CloudFormation grants it).
            KmsKeyArn=ctx.key_arn,
            # New passwords obey the same rules as the generated one.
            ExcludeCharacters=PASSWORD_EXCLUDED,
            VpcSubnetIds=Join(",", ctx.private_subnets()),
            VpcSecurityGroupIds=ctx.get_att(ids.LAMBDA_SECURITY_GROUP, "GroupId"),
        ),
        RotationRules=RotationRules(AutomaticallyAfterDays=database.rotation_days),
        # Rotation starts when the schedule is created: the secret must already hold the
        # cluster's host and port (the attachment), and the cluster must have an instance to
        # answer (the AWS::SecretsManager::RotationSchedule reference asks for the attachment
        # first).
        DependsOn=[
            DB_SECRET_ATTACHMENT,
            *(ids.db_instance(i) for i in range(database.instances_per_region)),
        ],
    )


def _global_cluster(ctx: StackContext) -> GlobalCluster:
    database = ctx.spec.database
    assert database is not None, "build() compiles Aurora only for a spec with a database"
    return GlobalCluster(
        ids.GLOBAL_CLUSTER,
        GlobalClusterIdentifier=global_cluster_identifier(ctx.spec),
        Engine=database.engine,
        EngineVersion=database.engine_version,
        StorageEncrypted=True,
        DeletionProtection=ctx.spec.metadata.production,
    )


def _primary_cluster(ctx: StackContext) -> DBCluster:
    database = ctx.spec.database
    assert database is not None, "build() compiles Aurora only for a spec with a database"
    return DBCluster(
        ids.DB_CLUSTER,
        GlobalClusterIdentifier=Ref(ids.GLOBAL_CLUSTER),
        MasterUsername=_secret_field("username"),
        MasterUserPassword=_secret_field("password"),
        DatabaseName=database.database_name,
        **_cluster_properties(ctx),
        **ctx.data_policies(blocks.aurora.DB_CLUSTER),
    )


def _secret_field(key: str) -> Sub:
    """A dynamic reference to the generated secret: the value never appears in a template."""
    return Sub("{{resolve:secretsmanager:${" + ids.DB_SECRET + "}:SecretString:" + key + "}}")


def _cluster_properties(ctx: StackContext) -> dict[str, Any]:
    """What primary and secondary clusters share; the secondary reads network and key from
    its base stack (ctx.ref/get_att import them inside an attach stack)."""
    database = ctx.spec.database
    assert database is not None, "build() compiles Aurora only for a spec with a database"
    return {
        "DBClusterIdentifier": db_cluster_identifier(ctx.spec, ctx.region),
        "Engine": database.engine,
        # The global cluster's version, stated again: see the module docstring.
        "EngineVersion": database.engine_version,
        "Port": database.port,
        "ServerlessV2ScalingConfiguration": _ServerlessV2Scaling(
            MinCapacity=database.min_acu, MaxCapacity=database.max_acu
        ),
        "StorageEncrypted": True,
        "KmsKeyId": ctx.key_arn,
        "DBSubnetGroupName": ctx.ref(ids.DB_SUBNET_GROUP),
        "VpcSecurityGroupIds": [ctx.get_att(ids.DATABASE_SECURITY_GROUP, "GroupId")],
        # Kept on secondaries too: a promoted secondary becomes the writer and must keep backups.
        "BackupRetentionPeriod": database.backup_retention_days,
        "CopyTagsToSnapshot": True,
        "DeletionProtection": ctx.spec.metadata.production,
        "EnableCloudwatchLogsExports": LOG_EXPORTS,
        # Global write forwarding on every member, primary included: on a secondary it lets
        # the region's API write through its own reader endpoint, Aurora carrying the writes
        # to the writer ("Aurora handles the cross-Region networking setup",
        # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-write-forwarding.html),
        # so no VPC traffic crosses regions (network.peering stays off, DR054); on the
        # primary "this value is used immediately if the primary is demoted by a global
        # cluster API operation" (CreateDBCluster EnableGlobalWriteForwarding; the same text
        # in cfn-lint's AWS::RDS::DBCluster schema). Versions: DR044.
        "EnableGlobalWriteForwarding": database.write_forwarding,
        # PCI DSS 8.3: database users can authenticate with IAM instead of a shared password;
        # a cluster property of Aurora MySQL and PostgreSQL, secondaries of a global database
        # included (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.html).
        "EnableIAMDatabaseAuthentication": True,
    }


def _instances(ctx: StackContext) -> list[DBInstance]:
    database = ctx.spec.database
    assert database is not None, "build() compiles Aurora only for a spec with a database"
    return [
        DBInstance(
            ids.db_instance(index),
            DBInstanceIdentifier=ctx.name("db", str(index + 1), regional=True),
            DBClusterIdentifier=Ref(ids.DB_CLUSTER),
            DBInstanceClass=INSTANCE_CLASS,
            Engine=database.engine,
            PubliclyAccessible=False,
            # Enhanced Monitoring: OS metrics every 60 s, published by RDS through the role
            # below (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html).
            MonitoringInterval=MONITORING_INTERVAL_SECONDS,
            MonitoringRoleArn=GetAtt(MONITORING_ROLE, "Arn"),
            **deletion_policies("Delete"),
        )
        for index in range(database.instances_per_region)
    ]


def _monitoring_role(ctx: StackContext) -> Role:
    """The role RDS assumes to publish Enhanced Monitoring metrics, with the AWS managed
    policy AWS documents for it (AmazonRDSEnhancedMonitoringRole: CloudWatch Logs in the
    RDSOSMetrics group only)."""
    return Role(
        MONITORING_ROLE,
        RoleName=ctx.name("db-monitoring", regional=True),
        Description="RDS Enhanced Monitoring publishes the database instances' OS metrics",
        AssumeRolePolicyDocument=iam.service_trust("monitoring.rds.amazonaws.com"),
        ManagedPolicyArns=[iam.managed_policy_arn("service-role/AmazonRDSEnhancedMonitoringRole")],
    )


def _outputs() -> Iterator[Output]:
    yield Output(
        ENDPOINT_OUTPUT,
        Value=GetAtt(ids.DB_CLUSTER, "Endpoint.Address"),
        Description="This region's cluster endpoint",
    )
    yield Output(
        ARN_OUTPUT,
        Value=GetAtt(ids.DB_CLUSTER, "DBClusterArn"),
        Description="This region's cluster",
    )

"""The Aurora global database: global cluster, a cluster and instances per region, and the
master credentials' secret (which outlives the cluster: a kept snapshot restores with it)."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import (
    SNAPSHOT,
    BackupTarget,
    Block,
    CloudWatchMetric,
    Keeps,
    ResourceKind,
)

# RDS cluster ARN: arn:aws:rds:region:account:cluster:name
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
DB_CLUSTER_BACKUP = BackupTarget("DBClusterArn", "DBClusterIdentifier", "rds", "cluster:{}")

GLOBAL_CLUSTER = ResourceKind(
    "AWS::RDS::GlobalCluster",
    "Aurora global cluster",
    name_properties=("GlobalClusterIdentifier",),
    keeps=Keeps.MEMBERS,
)
DB_CLUSTER = ResourceKind(
    "AWS::RDS::DBCluster",
    "Aurora cluster",
    name_properties=("DBClusterIdentifier",),
    keeps=Keeps.SNAPSHOT,
    unset_deletion_policy=SNAPSHOT,
    backup=DB_CLUSTER_BACKUP,
)
DB_INSTANCE = ResourceKind(
    "AWS::RDS::DBInstance", "Aurora instance", name_properties=("DBInstanceIdentifier",)
)
DB_SUBNET_GROUP = ResourceKind(
    "AWS::RDS::DBSubnetGroup", "DB subnet group", name_properties=("DBSubnetGroupName",)
)
SECRET = ResourceKind(
    "AWS::SecretsManager::Secret", "secret", name_properties=("Name",), keeps=Keeps.DATA
)
SECRET_TARGET_ATTACHMENT = ResourceKind(
    "AWS::SecretsManager::SecretTargetAttachment", "secret attachment"
)
ROTATION_SCHEDULE = ResourceKind("AWS::SecretsManager::RotationSchedule", "rotation schedule")

# Aurora publishes the lag only for a secondary cluster of a global database
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html).
REPLICATION_LAG = CloudWatchMetric(
    "AWS/RDS", "AuroraGlobalDBReplicationLag", ("DBClusterIdentifier",)
)

BLOCK = Block(
    "Aurora global database",
    (
        GLOBAL_CLUSTER,
        DB_CLUSTER,
        DB_INSTANCE,
        DB_SUBNET_GROUP,
        SECRET,
        SECRET_TARGET_ATTACHMENT,
        ROTATION_SCHEDULE,
    ),
    spec_collection="database",
    component="database",
)

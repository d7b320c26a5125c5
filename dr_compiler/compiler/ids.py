"""Logical ids, so builders refer to each other's resources without passing objects around."""

from __future__ import annotations


def pascal(name: str) -> str:
    """`payment-api` -> `PaymentApi`; `us-west-2` -> `UsWest2`."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-"))


VPC = "Vpc"
INTERNET_GATEWAY = "InternetGateway"
PUBLIC_ROUTE_TABLE = "PublicRouteTable"
KMS_KEY = "KmsKey"
KMS_ALIAS = "KmsKeyAlias"
ALERT_TOPIC = "AlertTopic"
FAILOVER_TOPIC = "FailoverTopic"
LAMBDA_SECURITY_GROUP = "LambdaSecurityGroup"
DATABASE_SECURITY_GROUP = "DatabaseSecurityGroup"
ALB_SECURITY_GROUP = "AlbSecurityGroup"
ENDPOINT_SECURITY_GROUP = "EndpointSecurityGroup"
DB_SUBNET_GROUP = "DatabaseSubnetGroup"
DB_SECRET = "DatabaseSecret"
GLOBAL_CLUSTER = "GlobalCluster"
DB_CLUSTER = "DatabaseCluster"
LOAD_BALANCER = "LoadBalancer"
LOG_BUCKET = "LogBucket"
HTTPS_LISTENER = "HttpsListener"
API_TARGET_GROUP = "ApiTargetGroup"
BACKUP_VAULT = "BackupVault"
BACKUP_PLAN = "BackupPlan"
BACKUP_ROLE = "BackupRole"
REPLICATION_ROLE = "ReplicationRole"
HOSTED_ZONE = "HostedZone"
BUCKET_EMPTIER = "BucketEmptierFunction"


def public_subnet(az: int) -> str:
    return f"PublicSubnet{az + 1}"


def private_subnet(az: int) -> str:
    return f"PrivateSubnet{az + 1}"


def private_route_table(az: int) -> str:
    return f"PrivateRouteTable{az + 1}"


def db_instance(index: int) -> str:
    return f"DatabaseInstance{index + 1}"


def bucket(name: str) -> str:
    return f"{pascal(name)}Bucket"


def table(name: str) -> str:
    return f"{pascal(name)}Table"


def queue(name: str) -> str:
    return f"{pascal(name)}Queue"


def dead_letter_queue(name: str) -> str:
    return f"{pascal(name)}DeadLetterQueue"


def function(name: str) -> str:
    return f"{pascal(name)}Function"


def function_role(name: str) -> str:
    return f"{pascal(name)}Role"


def role_policy(role_id: str) -> str:
    """The customer managed policy a role holds (compiler/iam.py role_with_policy)."""
    return f"{role_id}Policy"


def health_check(region: str) -> str:
    return f"HealthCheck{pascal(region)}"


def peering_connection(region: str) -> str:
    return f"PeeringConnection{pascal(region)}"


def replication_rule(region: str) -> str:
    """S3 replication rule id (also a metric dimension of the replication-failure alarm)."""
    return f"replicate-to-{region}"


def function_dead_letter_queue(name: str) -> str:
    return f"{pascal(name)}FailureQueue"


def function_log_group(name: str) -> str:
    return f"{pascal(name)}LogGroup"


LOAD_BALANCER_DNS_OUTPUT = "LoadBalancerDnsName"
LOAD_BALANCER_ZONE_OUTPUT = "LoadBalancerHostedZoneId"
VPC_OUTPUT = "Vpc"


def peering_output(region: str) -> str:
    return f"PeeringConnectionId{pascal(region)}"

"""KMS: one customer key per region, rotation on, used by every data store, queue, topic,
log group and backup vault of that region (DR080). Its alias has a computable name, so other
regions reach it (DynamoDB replicas, S3 replication destinations) without a lookup.
"""

from __future__ import annotations

from collections.abc import Iterator

from awacs.aws import Allow, Condition, Policy, Principal, Statement, StringLike
from awacs.kms import Action as KmsAction
from troposphere import AWSObject, Output, Ref, Sub
from troposphere.kms import Alias, Key

from dr_compiler.compiler import iam, ids
from dr_compiler.compiler.context import Phase, StackContext
from dr_compiler.compiler.naming import arn, physical_name

_ROOT = Principal("AWS", arn("iam", "", "root"))
KEY_ARN_OUTPUT = "KmsKeyArn"
"""The output carrying the region's key ARN (read by attach stacks and the global stack)."""

# Services that use the key on the account's behalf. CloudWatch publishes alarms to the
# encrypted topics; Logs encrypts log groups; the others encrypt their own stores.
_SERVICE_USERS = ("cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com")


def key_alias(ctx: StackContext, region: str | None = None) -> str:
    """The alias name of a region's key, e.g. alias/payments-us-east-1-prod.

    The global stack shares us-east-1 with the primary when the primary is us-east-1, so its
    key's alias says "global" instead of a region: aliases are unique per account and region.
    """
    return "alias/" + physical_name(ctx.spec, region or ctx.scope)


def key_alias_arn(ctx: StackContext, region: str) -> Sub:
    return arn("kms", region, key_alias(ctx, region))


def key_policy(region: str) -> Policy:
    use = [
        KmsAction("Encrypt"),
        KmsAction("Decrypt"),
        KmsAction("ReEncrypt*"),
        KmsAction("GenerateDataKey*"),
        KmsAction("DescribeKey"),
    ]
    return iam.policy(
        [
            Statement(
                Sid="AccountAdministers",
                Effect=Allow,
                Principal=_ROOT,
                Action=[KmsAction("*")],
                Resource=["*"],
            ),
            Statement(
                Sid="LogsEncryptLogGroups",
                Effect=Allow,
                Principal=Principal("Service", f"logs.{region}.amazonaws.com"),
                Action=use,
                Resource=["*"],
                Condition=Condition(
                    StringLike(
                        "kms:EncryptionContext:aws:logs:arn",
                        arn("logs", region, "*"),
                    )
                ),
            ),
            Statement(
                Sid="ServicesPublishToEncryptedTopics",
                Effect=Allow,
                Principal=Principal("Service", list(_SERVICE_USERS)),
                Action=[KmsAction("Decrypt"), KmsAction("GenerateDataKey*")],
                Resource=["*"],
            ),
        ]
    )


def build(ctx: StackContext) -> Iterator[AWSObject | Output]:
    if not (ctx.in_regional_base or ctx.phase is Phase.GLOBAL):
        return
    yield Key(
        ids.KMS_KEY,
        Description=f"{ctx.spec.app} {ctx.spec.environment} {ctx.region}: data at rest",
        EnableKeyRotation=True,
        KeyPolicy=key_policy(ctx.region),
        PendingWindowInDays=30 if ctx.retain_data else 7,
        **ctx.data_policies(),
    )
    yield Alias(ids.KMS_ALIAS, AliasName=key_alias(ctx), TargetKeyId=Ref(ids.KMS_KEY))
    yield Output(KEY_ARN_OUTPUT, Value=ctx.key_arn, Description="Region's customer key")

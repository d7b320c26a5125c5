"""DR002: every physical name fits its service's length limit and character set.

Templates: every explicit name (cfn.NAME_PROPERTIES) is measured as CloudFormation will
create it: `${AWS::Region}` becomes the template's region and `${AWS::AccountId}` twelve
digits (naming.rendered_length). Spec: StackSet names never appear in a template, so they are
computed from the spec with the compiler's own naming function, one per stack of the layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dr_compiler import blocks
from dr_compiler.model import Spec
from dr_compiler.policies.cfn_names import ACCOUNT, named_resources
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateSet, Violation

STACK_SET = blocks.stack_set.STACK_SET.type
_UNRESOLVED = re.compile(r"\$\{[^}]+\}")


@dataclass(frozen=True)
class NameLimit:
    """What AWS accepts as the name of one kind of resource, and where it says so."""

    what: str
    min_length: int
    max_length: int
    pattern: str
    """A regular expression the whole rendered name must match."""
    allowed: str
    """The character set in words, for messages."""
    doc: str


# RDS identifiers: letters, digits, hyphens; a letter first; no trailing or double hyphen.
_RDS_IDENTIFIER = r"(?!.*--)[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_RDS_ALLOWED = "letters, digits and hyphens, a letter first, no trailing or double hyphen"
_ALNUM_HYPHEN = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"

# The one table of name limits: resource type -> limit, each with the page that states it.
LIMITS: dict[str, NameLimit] = {
    blocks.s3.BUCKET.type: NameLimit(
        "S3 bucket name",
        3,
        63,
        r"(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)"
        r"[a-z0-9][a-z0-9.-]*[a-z0-9](?<!-s3alias)(?<!--ol-s3)(?<!\.mrap)(?<!--x-s3)",
        "lowercase letters, digits, dots and hyphens, starting and ending with a letter or "
        "digit, no reserved prefix or suffix",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    ),
    blocks.alb.LOAD_BALANCER.type: NameLimit(
        "load balancer name",
        1,
        32,
        r"(?!internal-)" + _ALNUM_HYPHEN,
        "letters, digits and hyphens, not starting or ending with a hyphen or with 'internal-'",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
    ),
    blocks.alb.TARGET_GROUP.type: NameLimit(
        "target group name",
        1,
        32,
        _ALNUM_HYPHEN,
        "letters, digits and hyphens, not starting or ending with a hyphen",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
    ),
    blocks.lambda_functions.FUNCTION.type: NameLimit(
        "Lambda function name",
        1,
        64,
        r"[A-Za-z0-9_-]+",
        "letters, digits, hyphens and underscores",
        "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
    ),
    blocks.iam.ROLE.type: NameLimit(
        "IAM role name",
        1,
        64,
        r"[\w+=,.@-]+",
        "letters, digits and +=,.@_-",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
    ),
    blocks.iam.MANAGED_POLICY.type: NameLimit(
        "IAM managed policy name",
        1,
        128,
        r"[\w+=,.@-]+",
        "letters, digits and +=,.@_-",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html",
    ),
    blocks.aurora.DB_CLUSTER.type: NameLimit(
        "Aurora cluster identifier",
        1,
        63,
        _RDS_IDENTIFIER,
        _RDS_ALLOWED,
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html",
    ),
    # CreateGlobalCluster states no format; the identifier rules are written on
    # ModifyGlobalCluster's NewGlobalClusterIdentifier, which a rename must satisfy too.
    blocks.aurora.GLOBAL_CLUSTER.type: NameLimit(
        "Aurora global cluster identifier",
        1,
        63,
        _RDS_IDENTIFIER,
        _RDS_ALLOWED,
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyGlobalCluster.html",
    ),
    blocks.aurora.DB_INSTANCE.type: NameLimit(
        "DB instance identifier",
        1,
        63,
        _RDS_IDENTIFIER,
        _RDS_ALLOWED,
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
    ),
    blocks.aurora.DB_SUBNET_GROUP.type: NameLimit(
        "DB subnet group name",
        1,
        255,
        r"(?!default$)[A-Za-z0-9._ -]+",
        "letters, digits, periods, underscores, spaces and hyphens, not 'default'",
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html",
    ),
    blocks.dynamodb.GLOBAL_TABLE.type: NameLimit(
        "DynamoDB table name",
        3,
        255,
        r"[A-Za-z0-9_.-]+",
        "letters, digits, underscores, dots and hyphens",
        "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html",
    ),
    blocks.dynamodb.TABLE.type: NameLimit(
        "DynamoDB table name",
        3,
        255,
        r"[A-Za-z0-9_.-]+",
        "letters, digits, underscores, dots and hyphens",
        "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html",
    ),
    blocks.backup.BACKUP_VAULT.type: NameLimit(
        "backup vault name",
        2,
        50,
        r"[A-Za-z0-9_-]+",
        "letters, digits, hyphens and underscores",
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html",
    ),
    blocks.sqs.QUEUE.type: NameLimit(
        "SQS queue name",
        1,
        80,
        r"[A-Za-z0-9_-]+(?:\.fifo)?",
        "letters, digits, hyphens and underscores (a FIFO queue ends in .fifo, counted)",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
    ),
    blocks.sns.TOPIC.type: NameLimit(
        "SNS topic name",
        1,
        256,
        r"[A-Za-z0-9_-]+(?:\.fifo)?",
        "letters, digits, hyphens and underscores (a FIFO topic ends in .fifo, counted)",
        "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    ),
    blocks.lambda_functions.SCHEDULE_RULE.type: NameLimit(
        "EventBridge rule name",
        1,
        64,
        r"[.\-_A-Za-z0-9]+",
        "letters, digits, dots, hyphens and underscores",
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
    ),
    blocks.alarms.ALARM.type: NameLimit(
        "CloudWatch alarm name",
        1,
        255,
        r"[^\x00-\x1f\x7f]+",
        "UTF-8 characters without ASCII control characters",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    ),
    blocks.dashboard.DASHBOARD.type: NameLimit(
        "CloudWatch dashboard name",
        1,
        255,
        r"[A-Za-z0-9_-]+",
        "letters, digits, hyphens and underscores",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
    ),
    blocks.aurora.SECRET.type: NameLimit(
        "secret name",
        1,
        512,
        r"[A-Za-z0-9/_+=.@-]+",
        "ASCII letters, digits and /_+=.@-",
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
    ),
    blocks.kms.ALIAS.type: NameLimit(
        "KMS alias name",
        1,
        256,
        r"alias/(?!aws/)[A-Za-z0-9:/_-]+",
        "'alias/' (not 'alias/aws/') then letters, digits and :/_-",
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
    ),
    blocks.logs.LOG_GROUP.type: NameLimit(
        "log group name",
        1,
        512,
        r"[.\-_/#A-Za-z0-9]+",
        "letters, digits and ._-/#",
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    ),
    blocks.region_switch.PLAN.type: NameLimit(
        "Region switch plan name",
        1,
        32,
        _ALNUM_HYPHEN,
        "letters, digits and hyphens, not starting or ending with a hyphen",
        "https://docs.aws.amazon.com/arc-region-switch/latest/api/API_CreatePlan.html",
    ),
    STACK_SET: NameLimit(
        "StackSet name",
        1,
        128,
        r"[A-Za-z][A-Za-z0-9-]*",
        "letters, digits and hyphens, a letter first",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html",
    ),
}


def problems(kind: str, name: str) -> list[str]:
    """What is wrong with `name` (its text as the template writes it) for its kind.

    Placeholders other than the account id and region (a template parameter, say) have no
    known value: the length counted without them is a lower bound, and the character set is
    judged on the rest of the text.
    """
    # Imported when used: the compiler package loads every service builder, and rule
    # discovery (`rules`, `explain`) should not depend on it.
    from dr_compiler.compiler.naming import ACCOUNT_ID_LENGTH, rendered_length

    limit = LIMITS[kind]
    with_account = name.replace(ACCOUNT, "0" * ACCOUNT_ID_LENGTH)
    known = _UNRESOLVED.sub("", with_account)
    exact = known == with_account
    length = rendered_length(name) if exact else len(known)
    found = []
    if length > limit.max_length or (exact and length < limit.min_length):
        found.append(
            f"is {length} characters long: a {limit.what} takes "
            f"{limit.min_length}-{limit.max_length} ({limit.doc})"
        )
    if exact and not re.fullmatch(limit.pattern, known):
        found.append(f"has characters or a form a {limit.what} does not allow: {limit.allowed}")
    return found


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.templates:
        for logical_id, kind, prop, name in named_resources(template):
            if kind not in LIMITS:
                continue
            for problem in problems(kind, name):
                yield Violation(
                    f"{kind} {logical_id} {prop} '{name}' {problem}",
                    logical_id,
                    template=template,
                    logical_id=logical_id,
                    property_path=(prop,),
                )


def check_spec(spec: Spec) -> Iterator[Violation]:
    from dr_compiler.compiler.layout import stack_layout
    from dr_compiler.compiler.naming import stack_set_name

    for stack in stack_layout(spec):
        name = stack_set_name(spec, stack.key)
        for problem in problems(STACK_SET, name):
            yield Violation(
                f"StackSet name '{name}' of stack {stack.key} {problem}: shorten metadata.app",
                name,
                path=("metadata", "app"),
            )


RULE = Rule(
    id="DR002",
    title="Every physical name fits its service's length limit and character set",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "A name one character too long, or with an underscore where S3 wants a hyphen, "
        "passes every local check and fails only when CloudFormation calls the service, in "
        "the middle of a StackSet operation, leaving stacks half-created across regions. "
        "Names grow with the app, the region and the 12-digit account id, so a long bucket "
        "or role name in us-east-1 can break in ap-southeast-2. Checking the rendered name "
        "against each service's documented limit catches it at build time."
    ),
    remediation=(
        "Shorten metadata.app or the item's name in the spec (bucket, table, queue or "
        "function name); the message names the limit and the page that states it. In a "
        "hand-written template, shorten the name property."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html",
    bad_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n"
        "    BucketName: !Sub Payments_Documents-archive-${AWS::AccountId}-ap-southeast-2-prod\n"
    ),
    good_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n"
        "    BucketName: !Sub payments-documents-${AWS::AccountId}-us-east-1-prod\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    tags=("naming",),
)

"""Stage 5 (compile): the scanner suppressions of each resource, written into its Metadata.

Security teams judge the templates with their own scanners. Two sources, and only these,
make a scanner skip a check on a resource, each with its reason in the text:

- a live spec waiver (policy.waivers: rule, resource, reason, expires) of a DR rule that
  declares equivalent scanner checks (Rule.scanner_checks); an expired waiver emits nothing;
- DECISIONS below: what the compiler does on purpose that a scanner flags.

The metadata is the one each scanner reads:
- Checkov: `Metadata.checkov.skip` [{id, comment}]
  (https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html,
  checkov/cloudformation/context_parser.py collect_skip_comments);
- cdk-nag: `Metadata.cdk_nag.rules_to_suppress` [{id, reason}]
  (https://github.com/cdklabs/cdk-nag#suppressing-a-rule);
- cfn-guard: `Metadata.guard.SuppressedRules` [rule name], the convention of the AWS Guard
  rules registry (https://github.com/aws-cloudformation/aws-guard-rules-registry); the
  Control Tower rules do not read it themselves, so .ci/scan applies it to their findings;
- cfn-lint: `Metadata.cfn-lint.config.ignore_checks` [rule id]
  (https://github.com/aws-cloudformation/cfn-lint#resource-based-metadata).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from dr_compiler import blocks
from dr_compiler.compiler import ids
from dr_compiler.model import Spec
from dr_compiler.paths import compiler_functions
from dr_compiler.policies.cfn_roles import aws_managed_policies
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import Scanner, ScannerCheck, Suppression
from dr_compiler.policies.rules.dr081_least_privilege import AWS_MANAGED_ALLOWED

Resources = Mapping[str, Mapping[str, Any]]


class TemplateResources(Mapping[str, Mapping[str, Any]]):
    """One template's resources, plus what a decision asks of all of them, worked out once
    per template rather than once per resource (a walk of the whole template per queue cost
    about 7 ms of a prod build)."""

    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    def __getitem__(self, logical_id: str) -> Mapping[str, Any]:
        return self._resources[logical_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._resources)

    def __len__(self) -> int:
        return len(self._resources)

    @cached_property
    def arn_targets(self) -> frozenset[str]:
        """Logical ids whose Arn a resource's properties take: {"Fn::GetAtt": [id, "Arn"]}."""
        found: set[str] = set()
        for resource in self._resources.values():
            _collect_arn_targets(resource.get("Properties", {}), found)
        return frozenset(found)


AppliesTo = Callable[[Spec, TemplateResources, str], bool]


@dataclass(frozen=True)
class Decision:
    """A choice the compiler makes on purpose that scanner checks flag, and why."""

    name: str
    checks: tuple[ScannerCheck, ...]
    applies_to: AppliesTo
    """(spec, the template's resources, logical id) -> does the decision concern it."""
    reason: str


def _check(scanner: Scanner, check_id: str, resource_type: str) -> ScannerCheck:
    return ScannerCheck(scanner, check_id, resource_type)


def _every(_spec: Spec, _resources: Resources, _logical_id: str) -> bool:
    return True


def _imports(*properties: str) -> AppliesTo:
    """Resources one of whose `properties` is taken from the base stack (Fn::ImportValue)."""

    def applies(_spec: Spec, resources: Resources, logical_id: str) -> bool:
        props = resources[logical_id].get("Properties", {})
        return any(_holds_import(props.get(name)) for name in properties)

    return applies


def _holds_import(value: Any) -> bool:
    if isinstance(value, Mapping):
        return "Fn::ImportValue" in value or any(_holds_import(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_import(v) for v in value)
    return False


def _dead_letter_queue(_spec: Spec, resources: TemplateResources, logical_id: str) -> bool:
    """A queue that is itself the dead-letter target of a queue, function or event source."""
    return logical_id in resources.arn_targets and "RedrivePolicy" not in resources[logical_id].get(
        "Properties", {}
    )


def _collect_arn_targets(value: Any, found: set[str]) -> None:
    if isinstance(value, Mapping):
        reference = value.get("Fn::GetAtt") if len(value) == 1 else None
        if isinstance(reference, list) and len(reference) == 2 and reference[1] == "Arn":
            found.add(str(reference[0]))
        for inner in value.values():
            _collect_arn_targets(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _collect_arn_targets(inner, found)


def _reads_queue(resources: Resources, logical_id: str) -> bool:
    """An event source mapping whose source is a queue of this template."""
    source = resources[logical_id].get("Properties", {}).get("EventSourceArn")
    return any(
        resource.get("Type") == _QUEUE and source == {"Fn::GetAtt": [queue_id, "Arn"]}
        for queue_id, resource in resources.items()
    )


def _service_managed_policies(_spec: Spec, resources: Resources, logical_id: str) -> bool:
    """A role whose AWS managed policies are all ones its service is documented with."""
    managed = aws_managed_policies(resources[logical_id])
    return bool(managed) and managed <= AWS_MANAGED_ALLOWED.keys()


def _compiler_function(spec: Spec, _resources: Resources, logical_id: str) -> bool:
    """A custom-resource function of the compiler's own, not one of the spec's."""
    return logical_id in {ids.function(f.name) for f in compiler_functions(spec)}


def _not_production(spec: Spec, _resources: Resources, _logical_id: str) -> bool:
    return not spec.metadata.production


_LAMBDA = blocks.lambda_functions.FUNCTION.type
_QUEUE = blocks.sqs.QUEUE.type
_LOG_GROUP = blocks.logs.LOG_GROUP.type
_PERMISSION = blocks.lambda_functions.PERMISSION.type
_BUCKET = blocks.s3.BUCKET.type
_BUCKET_POLICY = blocks.s3.BUCKET_POLICY.type
_CLUSTER = blocks.aurora.DB_CLUSTER.type

DECISIONS: tuple[Decision, ...] = (
    Decision(
        "functions-outside-vpc",
        (
            _check(Scanner.CHECKOV, "CKV_AWS_117", _LAMBDA),
            _check(Scanner.GUARD, "lambda_inside_vpc_check", _LAMBDA),
        ),
        lambda spec, resources, logical_id: (
            "VpcConfig" not in resources[logical_id].get("Properties", {})
            and not _compiler_function(spec, resources, logical_id)
        ),
        "the spec places this function outside the VPC (vpc: false), as for the health "
        "monitor and the failover trigger, so that no NAT gateway or VPC endpoint is on the "
        "failover path; it calls only AWS APIs (DR050)",
    ),
    Decision(
        "custom-resource-functions",
        (
            _check(Scanner.CHECKOV, "CKV_AWS_115", _LAMBDA),
            _check(Scanner.CHECKOV, "CKV_AWS_117", _LAMBDA),
            _check(Scanner.GUARD, "lambda_inside_vpc_check", _LAMBDA),
        ),
        _compiler_function,
        "a custom-resource function of the compiler (bucket emptier, reverse replication), "
        "invoked by CloudFormation only during stack operations, so no concurrency is "
        "reserved; outside the VPC it reaches S3 and CloudFormation's presigned response URL "
        "from any stack, including a base stack whose egress is endpoints only",
    ),
    Decision(
        "imported-from-base-stack",
        (
            _check(Scanner.GUARD, "lambda_inside_vpc_check", _LAMBDA),
            _check(Scanner.GUARD, "sqs_queue_encrypted_check", _QUEUE),
            _check(Scanner.GUARD, "cloudwatch_log_group_encrypted_check", _LOG_GROUP),
        ),
        _imports("VpcConfig", "KmsMasterKeyId", "KmsKeyId"),
        "the subnets and the customer-managed KMS key are the secondary's base stack's, "
        "taken with Fn::ImportValue (DR080 checks the key); the Control Tower rule accepts "
        "only Ref, Fn::GetAtt or a literal",
    ),
    Decision(
        "permission-source-account",
        (_check(Scanner.GUARD, "lambda_function_public_access_prohibited_check", _PERMISSION),),
        lambda _spec, resources, logical_id: (
            resources[logical_id].get("Properties", {}).get("SourceAccount")
            == {"Ref": "AWS::AccountId"}
        ),
        "the permission names its source by SourceArn and SourceAccount (Ref AWS::AccountId: "
        "one stack set template serves every target account); the Control Tower rule "
        "accepts only a literal account id",
    ),
    Decision(
        "dead-letter-queues",
        (
            _check(Scanner.GUARD, "sqs_dlq_check", _QUEUE),
            _check(Scanner.CFN_LINT, "ES6000", _QUEUE),
        ),
        _dead_letter_queue,
        "this queue is a dead-letter queue; a dead-letter queue of a dead-letter queue "
        "would only move the same messages once more (DLQ depth alarms watch it, DR032)",
    ),
    Decision(
        "no-object-event-consumer",
        (_check(Scanner.GUARD, "s3_event_notifications_enabled_check", _BUCKET),),
        _every,
        "nothing consumes object events: replication and versioning carry the bucket's "
        "state across regions, and AWS Backup copies it",
    ),
    Decision(
        "log-bucket",
        (
            _check(Scanner.CHECKOV, "CKV_AWS_18", _BUCKET),
            _check(Scanner.GUARD, "s3_bucket_logging_enabled_check", _BUCKET),
            _check(Scanner.GUARD, "s3_bucket_default_encryption_kms_check", _BUCKET),
        ),
        lambda _spec, _resources, logical_id: logical_id == ids.LOG_BUCKET,
        "the region's access log bucket: it does not log requests to itself (each delivery "
        "would log another), and it is encrypted with SSE-S3, the only encryption load "
        "balancer access logs support (DR085)",
    ),
    Decision(
        "log-bucket-by-name",
        (
            _check(
                Scanner.GUARD,
                "elbv2_logging_enabled_check",
                blocks.alb.LOAD_BALANCER.type,
            ),
        ),
        lambda _spec, resources, logical_id: ids.LOG_BUCKET not in resources,
        "access logs go to the log bucket of the secondary's base stack, named by its computed "
        "name (Fn::Sub with the account id, DR085 checks it); the Control Tower rule accepts "
        "only a literal name or a reference to a bucket in the same template",
    ),
    Decision(
        "functions-unreserved",
        (_check(Scanner.CHECKOV, "CKV_AWS_115", _LAMBDA),),
        lambda spec, resources, logical_id: (
            "ReservedConcurrentExecutions" not in resources[logical_id].get("Properties", {})
            and not _compiler_function(spec, resources, logical_id)
        ),
        "the spec reserves no concurrency for this function (functions[].reserved_concurrency, "
        "set for the failover path's functions): it scales on the account's unreserved pool "
        "instead of under a fixed cap",
    ),
    Decision(
        "tls-deny-by-sub",
        (_check(Scanner.GUARD, "s3_bucket_policy_ssl_requests_only_check", _BUCKET_POLICY),),
        _every,
        "the policy denies every request without TLS on the bucket and on its objects, named "
        "`Fn::Sub ${Bucket.Arn}/*` (DR082 checks it); the Control Tower rule recognises the "
        "objects only as an `Fn::Join`",
    ),
    Decision(
        "no-object-lock",
        (_check(Scanner.GUARD, "s3_bucket_object_lock_enabled_check", _BUCKET),),
        _every,
        "the spec asks for no Object Lock: versioning, cross-region replication and AWS Backup "
        "keep recoverable copies, and lifecycle expiry of noncurrent versions stays possible",
    ),
    Decision(
        "kms-grants-by-services",
        (_check(Scanner.GUARD, "kms_create_grant_aws_service_check", blocks.kms.KEY.type),),
        _every,
        "grants on the key are made by the services that use it for the account (Aurora, "
        "Secrets Manager, AWS Backup, CloudWatch Logs), whose principals the key policy scopes "
        "(DR084); the policy has no separate CreateGrant deny",
    ),
    Decision(
        "sqs-event-source-failures",
        (_check(Scanner.CFN_LINT, "ES1001", blocks.lambda_functions.EVENT_SOURCE_MAPPING.type),),
        lambda _spec, resources, logical_id: _reads_queue(resources, logical_id),
        "the event source is an SQS queue: a failed message returns to the queue and moves to "
        "its dead-letter queue by the queue's redrive policy; an on-failure destination "
        "exists only for stream and Kafka sources "
        "(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html)",
    ),
    Decision(
        "async-failures-to-dead-letter-queue",
        (
            _check(Scanner.CFN_LINT, "ES1007", _PERMISSION),
            _check(Scanner.CFN_LINT, "ES4000", blocks.lambda_functions.SCHEDULE_RULE.type),
        ),
        _every,
        "an asynchronous invocation that fails after Lambda's retries goes to the function's "
        "encrypted dead-letter queue (DeadLetterConfig, DR071), alarmed on its depth (DR032); "
        "EventBridge and SNS retry delivery to Lambda themselves, and SNS moves what it cannot "
        "deliver to the subscription's dead-letter queue",
    ),
    Decision(
        "email-subscriptions",
        (_check(Scanner.CFN_LINT, "ES7000", blocks.sns.SUBSCRIPTION.type),),
        lambda _spec, resources, logical_id: (
            resources[logical_id].get("Properties", {}).get("Protocol") == "email"
        ),
        "an alert email SNS cannot deliver after its email retries is dropped: the alarm "
        "itself stays in ALARM and on the dashboard, and nobody would read a queue of "
        "undelivered emails; Lambda subscriptions have a dead-letter queue",
    ),
    Decision(
        "no-active-tracing",
        (_check(Scanner.CFN_LINT, "WS1000", _LAMBDA),),
        _every,
        "X-Ray active tracing is not compiled: the functions' logs, metrics and alarms "
        "(DR032) are what the runbook and the failover decision read",
    ),
    Decision(
        "service-role-managed-policies",
        (_check(Scanner.CDK_NAG, "AwsSolutions-IAM4", "AWS::IAM::Role"),),
        _service_managed_policies,
        "the service that assumes this role is documented with this AWS managed policy: RDS "
        "checks an Enhanced Monitoring role's permissions when an instance is created "
        "(AmazonRDSEnhancedMonitoringRole, writing only to RDS* log groups), and AWS revises "
        "AWS Backup's service role policies as services gain backup features, which a copy "
        "would miss; every other role holds only its own customer managed policy (DR081, "
        "AWS_MANAGED_ALLOWED)",
    ),
    Decision(
        "non-production-deletable",
        (
            _check(
                Scanner.GUARD,
                "elbv2_deletion_protection_enabled_check",
                blocks.alb.LOAD_BALANCER.type,
            ),
            _check(Scanner.GUARD, "rds_cluster_deletion_protection_enabled_check", _CLUSTER),
        ),
        _not_production,
        "a non-production environment is torn down and rebuilt with `destroy`; deletion "
        "protection is on in production (DR021)",
    ),
    Decision(
        "non-production-log-retention",
        (_check(Scanner.GUARD, "cloudwatch_log_group_retention_period_check", _LOG_GROUP),),
        _not_production,
        "a non-production environment keeps logs for the spec's retention; the one-year "
        "audit trail of PCI DSS 10.5.1 is kept by production",
    ),
)


def decision(name: str) -> Decision:
    return next(d for d in DECISIONS if d.name == name)


def suppressions(spec: Spec, resources: Resources, today: date) -> list[Suppression]:
    """Every suppression of the resources of one template, in resource then check order."""
    template = TemplateResources(resources)
    found = [
        Suppression(logical_id, check, text)
        for logical_id in sorted(resources)
        for check, text in _for_resource(spec, template, logical_id, today)
    ]
    return sorted(
        set(found), key=lambda s: (s.logical_id, s.check.scanner.value, s.check.id, s.text)
    )


def _for_resource(
    spec: Spec, resources: TemplateResources, logical_id: str, today: date
) -> Iterator[tuple[ScannerCheck, str]]:
    resource_type = resources[logical_id].get("Type")
    for waiver in spec.policy.waivers:
        waived = rule(waiver.rule)
        if waiver.resource != logical_id or waived is None:
            continue
        if date.fromisoformat(waiver.expires) < today:
            continue
        for check in waived.scanner_checks:
            if check.resource_type == resource_type:
                yield (
                    check,
                    f"{waiver.reason} (spec waiver of {waiver.rule}, expires {waiver.expires})",
                )
    for choice in DECISIONS:
        # The type filter first: applies_to may read the whole template.
        checks = [check for check in choice.checks if check.resource_type == resource_type]
        if checks and choice.applies_to(spec, resources, logical_id):
            for check in checks:
                yield check, f"{choice.reason} (compiler decision {choice.name})"


def write_metadata(template: dict[str, Any], found: list[Suppression]) -> None:
    """Add each suppression to its resource's Metadata, in the form its scanner reads."""
    resources = template.get("Resources", {})
    for suppression in found:
        metadata = resources[suppression.logical_id].setdefault("Metadata", {})
        check, text = suppression.check, suppression.text
        if check.scanner is Scanner.CHECKOV:
            skips = metadata.setdefault("checkov", {}).setdefault("skip", [])
            skips.append({"id": check.id, "comment": text})
        elif check.scanner is Scanner.CDK_NAG:
            rules = metadata.setdefault("cdk_nag", {}).setdefault("rules_to_suppress", [])
            rules.append({"id": check.id, "reason": text})
        elif check.scanner is Scanner.GUARD:
            names = metadata.setdefault("guard", {}).setdefault("SuppressedRules", [])
            if check.id not in names:
                names.append(check.id)
        else:
            config = metadata.setdefault("cfn-lint", {}).setdefault("config", {})
            ignored = config.setdefault("ignore_checks", [])
            if check.id not in ignored:
                ignored.append(check.id)

"""DR084: a key policy scopes every AWS service principal it allows.

A statement that lets a service principal (cloudwatch.amazonaws.com, events.amazonaws.com,
logs.<region>.amazonaws.com, ...) use a key with no condition lets that service use the key for
any caller that can point it at the key, in any account: the confused-deputy problem (IAM User
Guide, "The confused deputy problem", which recommends aws:SourceArn and aws:SourceAccount).
Every Allow statement of an AWS::KMS::Key's KeyPolicy with a Service principal needs a
condition on aws:SourceAccount, aws:SourceArn, aws:SourceOrgID or aws:SourceOrgPaths, or on an
encryption-context key (kms:EncryptionContext:...), with a value that is not "*". CloudWatch
Logs principals need the encryption context kms:EncryptionContext:aws:logs:arn in particular:
that is what Logs sends with every KMS call for a log group (CloudWatch Logs User Guide,
"Encrypt log data in CloudWatch Logs using AWS KMS").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

KEY = blocks.kms.KEY.type
SOURCE_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)
"""Global condition keys that name the resource a service acts for (lower case: condition
keys are case-insensitive)."""
ENCRYPTION_CONTEXT = "kms:encryptioncontext:"
LOGS_CONTEXT = "kms:encryptioncontext:aws:logs:arn"


def _scoping_keys(condition: Any) -> set[str]:
    """Condition keys (lower case) with a value other than "*", under any operator."""
    found: set[str] = set()
    if not isinstance(condition, Mapping):
        return found
    for block in condition.values():
        if not isinstance(block, Mapping):
            continue
        for key, value in block.items():
            if "*" not in as_list(value):
                found.add(str(key).lower())
    return found


def _scoped(service: str, keys: set[str]) -> bool:
    if service.startswith("logs.") or service == "logs.amazonaws.com":
        return LOGS_CONTEXT in keys
    return bool(keys & SOURCE_KEYS) or any(k.startswith(ENCRYPTION_CONTEXT) for k in keys)


def _services(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if not isinstance(principal, Mapping):
        return []
    return [str(s) for s in as_list(principal.get("Service"))]


def _key(template: TemplateDoc, logical_id: str, policy: Any) -> Iterator[Violation]:
    if not isinstance(policy, Mapping):
        return
    for index, statement in enumerate(as_list(policy.get("Statement"))):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        keys = _scoping_keys(statement.get("Condition"))
        unscoped = [s for s in _services(statement) if not _scoped(s, keys)]
        if not unscoped:
            continue
        sid = statement.get("Sid", f"#{index}")
        needed = (
            "the kms:EncryptionContext:aws:logs:arn condition"
            if all(s.startswith("logs.") for s in unscoped)
            else "an aws:SourceAccount, aws:SourceArn or kms:EncryptionContext condition"
        )
        yield resource_violation(
            template,
            logical_id,
            f"key {logical_id} statement {sid} lets {', '.join(unscoped)} use the key without "
            f"{needed}: the service would use it for any account's resources (confused deputy)",
            "KeyPolicy",
            "Statement",
            index,
        )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, resource in templates.all_resources(KEY):
        yield from _key(template, logical_id, resource.get("Properties", {}).get("KeyPolicy"))


RULE = Rule(
    id="DR084",
    title="Key policies scope service principals (aws:SourceAccount / aws:SourceArn / "
    "encryption context)",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "The payment data keys encrypt the queues, topics, tables, logs and backups. A key "
        "policy statement that allows a service principal with no condition lets that service "
        "use the key on behalf of anyone who can make it act, including resources in other "
        "accounts: the confused-deputy problem. aws:SourceAccount and aws:SourceArn (or, for "
        "CloudWatch Logs, the log group's ARN as encryption context) limit the service to "
        "this account's own resources."
    ),
    remediation=(
        "Compile with dr_compiler: its key policies admit only CloudWatch Logs (scoped by "
        "kms:EncryptionContext:aws:logs:arn to the region's log groups of the account) and "
        "CloudWatch alarms (scoped by aws:SourceAccount and aws:SourceArn to the app's "
        "alarms, and by kms:EncryptionContext:aws:sns:topicArn to its topics). In a "
        "hand-written key policy add such conditions to every statement with a Service "
        "principal, and remove principals that never use the key."
    ),
    docs="https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
    bad_example=(
        "- Sid: ServicesUseKey\n  Effect: Allow\n"
        "  Principal: {Service: [cloudwatch.amazonaws.com, events.amazonaws.com]}\n"
        "  Action: [kms:Decrypt, kms:GenerateDataKey*]\n  Resource: '*'\n"
    ),
    good_example=(
        "- Sid: AlarmsPublishToEncryptedTopics\n  Effect: Allow\n"
        "  Principal: {Service: cloudwatch.amazonaws.com}\n"
        "  Action: [kms:Decrypt, kms:GenerateDataKey*]\n  Resource: '*'\n  Condition:\n"
        "    StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}\n"
        "    ArnLike: {aws:SourceArn: !Sub "
        "'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:payments-*'}\n"
    ),
    check_templates=check_templates,
    pci_dss=("3.6.1",),
    tags=("encryption", "iam"),
)

"""DR043: every data store of the primary region is in an AWS Backup selection, and the
backups are copied to every secondary region when the spec asks for it.

Coverage (primary templates): every Aurora cluster, DynamoDB global table and S3 bucket is
selected by some AWS::Backup::BackupSelection of its template: by ARN (GetAtt of the
resource's ARN attribute, or an ARN text that matches it, wildcards included), or by a tag
condition its tags satisfy; and not excluded by NotResources or failed Conditions.

Copies (spec with backup.copy_to_secondaries): every rule of every backup plan in the primary
template has a CopyAction whose DestinationBackupVaultArn names the backup vault of each
secondary region's base template.

Isolated copies (spec with backup.isolated_copy): every rule of every backup plan, in any
template, has a CopyAction to a vault of the backup account in the plan's own region (AWS
Backup copies Aurora recovery points cross-account or cross-Region, not both in one step).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from dr_compiler import blocks
from dr_compiler.blocks import BACKUP_TARGETS, RESOURCE_KINDS
from dr_compiler.blocks.descriptor import BackupTarget
from dr_compiler.model import Spec
from dr_compiler.policies.cfn import as_list, get_att
from dr_compiler.policies.cfn_names import rendered_name, resource_name, tag_value
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

SELECTION = blocks.backup.BACKUP_SELECTION.type
PLAN = blocks.backup.BACKUP_PLAN.type
VAULT = blocks.backup.BACKUP_VAULT.type
_TAG_KEY_PREFIX = "aws:ResourceTag/"
# `${AWS::Partition}` and `${AWS::AccountId}` hold colons: rewritten before an ARN is split.
_PSEUDO = re.compile(r"\$\{AWS::(\w+)\}")


def _colon_free(text: str) -> str:
    return _PSEUDO.sub(r"${AWS.\1}", text)


def _arn_matches(template: TemplateDoc, entry: Any, logical_id: str, store: BackupTarget) -> bool:
    """Whether a selection's Resources entry designates this data store."""
    if get_att(entry) == (logical_id, store.arn_attribute):
        return True
    text = rendered_name(entry, template.region)
    if text is None:
        return False
    if text == "*":
        return True
    parts = _colon_free(text).split(":", 5)
    name = resource_name(template, logical_id, store.name_property)
    if len(parts) != 6 or name is None or parts[2] != store.service:
        return False
    # S3 ARNs carry no region; the others must name this one (or match it by wildcard).
    region_ok = store.service == "s3" or fnmatchcase(template.region, parts[3])
    return region_ok and fnmatchcase(_colon_free(store.resource.format(name)), parts[5])


def _condition_key(key: Any) -> str:
    return str(key).removeprefix(_TAG_KEY_PREFIX)


def _tag_holds(resource: Mapping[str, Any], operator: str, condition: Mapping[str, Any]) -> bool:
    value = tag_value(resource, _condition_key(condition.get("ConditionKey")))
    wanted = str(condition.get("ConditionValue"))
    actual = None if value is None else str(value)
    if operator in ("STRINGEQUALS", "StringEquals"):
        return actual == wanted
    if operator == "StringLike":
        return actual is not None and fnmatchcase(actual, wanted)
    if operator == "StringNotEquals":
        return actual != wanted
    if operator == "StringNotLike":
        return actual is None or not fnmatchcase(actual, wanted)
    return False


def _conditions_hold(resource: Mapping[str, Any], conditions: Any) -> bool:
    """Selection Conditions (AND of every listed condition) over the resource's tags."""
    if not isinstance(conditions, Mapping):
        return True
    return all(
        _tag_holds(resource, operator, condition)
        for operator, listed in conditions.items()
        for condition in as_list(listed)
    )


def _selects(
    template: TemplateDoc, selection: Mapping[str, Any], logical_id: str, store: BackupTarget
) -> bool:
    resource = template.body["Resources"][logical_id]
    body = selection.get("Properties", {}).get("BackupSelection", {})
    by_arn = any(
        _arn_matches(template, e, logical_id, store) for e in as_list(body.get("Resources"))
    )
    by_tag = any(
        _tag_holds(resource, str(c.get("ConditionType")), c)
        for c in as_list(body.get("ListOfTags"))
    )
    excluded = any(
        _arn_matches(template, e, logical_id, store) for e in as_list(body.get("NotResources"))
    )
    return (
        (by_arn or by_tag) and not excluded and _conditions_hold(resource, body.get("Conditions"))
    )


def _coverage(template: TemplateDoc) -> Iterator[Violation]:
    selections = [s for _, s in template.resources(SELECTION)]
    for logical_id, resource in template.resources(*BACKUP_TARGETS):
        store = BACKUP_TARGETS[resource["Type"]]
        if not any(_selects(template, s, logical_id, store) for s in selections):
            noun = RESOURCE_KINDS[resource["Type"]].noun
            yield resource_violation(
                template,
                logical_id,
                f"{noun} {logical_id} is in no AWS Backup selection: nothing backs it "
                "up if its data is corrupted or deleted",
            )


def _vaults(templates: TemplateSet) -> dict[str, str]:
    """Region -> name of the backup vault of that region's base template."""
    found: dict[str, str] = {}
    for template in templates.by_phase("base"):
        for logical_id, _ in template.resources(VAULT):
            name = resource_name(template, logical_id, "BackupVaultName")
            if name is not None:
                found.setdefault(template.region, name)
    return found


def _copies_to(template: TemplateDoc, rule: Mapping[str, Any], region: str, vault: str) -> bool:
    for action in as_list(rule.get("CopyActions")):
        arn = rendered_name(action.get("DestinationBackupVaultArn"), template.region) or ""
        if f":backup:{region}:" in arn and arn.endswith(f":backup-vault:{vault}"):
            return True
    return False


def _copies(spec: Spec, template: TemplateDoc, vaults: dict[str, str]) -> Iterator[Violation]:
    # A region without a vault is reported once by _missing_vaults, not per plan rule.
    secondaries = [r for r in spec.regions.secondaries if r in vaults]
    for logical_id, plan in template.resources(PLAN):
        rules = as_list(plan.get("Properties", {}).get("BackupPlan", {}).get("BackupPlanRule"))
        for index, rule in enumerate(rules):
            for region in secondaries:
                if not _copies_to(template, rule, region, vaults[region]):
                    yield resource_violation(
                        template,
                        logical_id,
                        f"backup plan {logical_id} rule {rule.get('RuleName', index)} has no "
                        f"CopyAction to backup vault {vaults[region]} in {region}",
                        "BackupPlan",
                        "BackupPlanRule",
                        index,
                        "CopyActions",
                    )


def _isolated_copies(spec: Spec, template: TemplateDoc) -> Iterator[Violation]:
    account = spec.backup.isolated_account
    wanted = f":backup:{template.region}:{account}:backup-vault:"
    for logical_id, plan in template.resources(PLAN):
        rules = as_list(plan.get("Properties", {}).get("BackupPlan", {}).get("BackupPlanRule"))
        for index, rule in enumerate(rules):
            arns = (
                rendered_name(action.get("DestinationBackupVaultArn"), template.region) or ""
                for action in as_list(rule.get("CopyActions"))
            )
            if not any(wanted in arn for arn in arns):
                yield resource_violation(
                    template,
                    logical_id,
                    f"backup plan {logical_id} rule {rule.get('RuleName', index)} has no "
                    f"CopyAction to the backup account {account} in {template.region}: "
                    "its recovery points stay within reach of the account they protect",
                    "BackupPlan",
                    "BackupPlanRule",
                    index,
                    "CopyActions",
                )


def _missing_vaults(spec: Spec, vaults: dict[str, str]) -> Iterator[Violation]:
    for region in spec.regions.secondaries:
        if region not in vaults:
            yield Violation(
                f"secondary region {region} has no backup vault in its base template to copy "
                "backups to",
                region,
                path=("backup", "copy_to_secondaries"),
            )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    primaries = list(templates.by_phase("primary"))
    for template in primaries:
        yield from _coverage(template)
    spec = templates.spec
    if spec is not None and spec.backup.isolated_account:
        for template in templates.templates:
            yield from _isolated_copies(spec, template)
    if spec is None or not spec.backup.copy_to_secondaries:
        return
    vaults = _vaults(templates)
    yield from _missing_vaults(spec, vaults)
    for template in primaries:
        yield from _copies(spec, template, vaults)


RULE = Rule(
    id="DR043",
    title="Every data store is covered by an AWS Backup selection, with cross-region copies "
    "when copy_to_secondaries",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Replication copies mistakes as faithfully as data: a bad migration or a deleted "
        "table reaches every region within seconds, and only a backup taken before it "
        "restores the data. The seed designs backed up the database but not the DynamoDB "
        "tables or the documents bucket, and kept every backup in the region whose loss "
        "they were meant to survive. Cross-region copies keep a restorable copy outside the "
        "primary region."
    ),
    remediation=(
        "Compile with dr_compiler: its backup plan selects the Aurora cluster, every table "
        "and every bucket, and with backup.copy_to_secondaries: true copies each recovery "
        "point to the vault of every secondary region; with backup.isolated_copy it also "
        "copies each to the backup account's vault in the same region. In a hand-written "
        "template add the data store's ARN to the BackupSelection Resources and a CopyAction "
        "per region (and one to the backup account)."
    ),
    docs="https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html",
    bad_example=(
        "BackupSelection:\n  Type: AWS::Backup::BackupSelection\n  Properties:\n"
        "    BackupSelection:\n"
        "      Resources: [!GetAtt DatabaseCluster.DBClusterArn]   # tables? bucket?\n"
    ),
    good_example=(
        "BackupSelection:\n  Type: AWS::Backup::BackupSelection\n  Properties:\n"
        "    BackupSelection:\n      Resources:\n"
        "        - !GetAtt DatabaseCluster.DBClusterArn\n"
        "        - !GetAtt TransactionsTable.Arn\n"
        "        - !Sub arn:${AWS::Partition}:s3:::payments-documents-${AWS::AccountId}"
        "-us-east-1-prod\n"
    ),
    check_templates=check_templates,
    pci_dss=("12.10.1",),
    tags=("backup",),
)

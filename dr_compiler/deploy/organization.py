"""AWS Organizations for service-managed StackSets: is StackSets allowed to deploy, and to which
accounts do a spec's organizational units resolve.

Facts that shape this module:
- Service-managed StackSets need trusted access between StackSets and Organizations, i.e. the
  service principal below among the organization's enabled service access; a delegated
  administrator must also be registered for that principal
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-delegated-admin.html).
- DeploymentTargets.OrganizationalUnitIds reaches the accounts of each unit and of its child
  units; AccountFilterType INTERSECTION / DIFFERENCE / UNION narrows or widens them with
  Accounts (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html).
  StackSets skips accounts that are not ACTIVE.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from dr_compiler.errors import InputError

STACK_SETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
# ListAccountsForParent returns at most 20 accounts a call
# (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html).
ACCOUNT_PAGE = {"PageSize": 20}


def check_stack_sets_access(organizations: Any, account: str, call_as: str) -> None:
    """Refuse (exit 2) unless StackSets has trusted access and, as a delegated administrator,
    this account is registered."""
    principals = {
        str(s["ServicePrincipal"])
        for page in organizations.get_paginator(
            "list_aws_service_access_for_organization"
        ).paginate()
        for s in page.get("EnabledServicePrincipals", [])
    }
    if STACK_SETS_PRINCIPAL not in principals:
        raise InputError(
            "trusted access for CloudFormation StackSets is not enabled in this organization: "
            "enable it from the management account (CloudFormation console, StackSets, "
            "'Activate trusted access', or `aws organizations enable-aws-service-access "
            f"--service-principal {STACK_SETS_PRINCIPAL}`)"
        )
    if call_as != "DELEGATED_ADMIN":
        return
    registered = {
        str(a["Id"])
        for page in organizations.get_paginator("list_delegated_administrators").paginate(
            ServicePrincipal=STACK_SETS_PRINCIPAL
        )
        for a in page.get("DelegatedAdministrators", [])
    }
    if account not in registered:
        raise InputError(
            f"account {account} is not a registered delegated administrator for StackSets "
            "(deployment.call_as: DELEGATED_ADMIN): register it from the management account "
            "with `aws organizations register-delegated-administrator --service-principal "
            f"{STACK_SETS_PRINCIPAL} --account-id {account}`"
        )


def target_accounts(
    organizations: Any,
    units: Sequence[str],
    filter_type: str = "NONE",
    filter_accounts: Sequence[str] = (),
) -> tuple[str, ...]:
    """The ACTIVE accounts StackSets deploys to for these units (child units included)."""
    found = {account for unit in units for account in _accounts_under(organizations, unit)}
    chosen = set(filter_accounts)
    if filter_type == "INTERSECTION":
        found &= chosen
    elif filter_type == "DIFFERENCE":
        found -= chosen
    elif filter_type == "UNION":
        found |= chosen
    return tuple(sorted(found))


def _accounts_under(organizations: Any, parent: str) -> Iterator[str]:
    accounts = organizations.get_paginator("list_accounts_for_parent")
    for page in accounts.paginate(ParentId=parent, PaginationConfig=ACCOUNT_PAGE):
        for account in page.get("Accounts", []):
            if account.get("Status", "ACTIVE") == "ACTIVE":
                yield str(account["Id"])
    pages = organizations.get_paginator("list_organizational_units_for_parent").paginate(
        ParentId=parent
    )
    for page in pages:
        for unit in page.get("OrganizationalUnits", []):
            yield from _accounts_under(organizations, str(unit["Id"]))


def organization_id(organizations: Any) -> str:
    return str(organizations.describe_organization()["Organization"]["Id"])

"""DR091: each region's certificate is in that region and in a deployment account.

An HTTPS listener takes a certificate from ACM in the load balancer's own region ("ACM
certificates are regional", https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html)
and of the load balancer's own account: the StackSet creates the listener in each target
account, so a certificate of any other account cannot be found there
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html:
the listener's certificates come from ACM or IAM of the load balancer's account). One
certificate per region therefore serves exactly one account: an API whose StackSets reach
several accounts, or organizational units whose accounts are known only at deployment (unless
an INTERSECTION filter names the one account), cannot be given one, and one DNS name could not
fail over between several accounts' load balancers anyway. The preflight of `plan`/`deploy`
checks that each certificate exists, is issued and covers the API name.
"""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler.model import Deployment, Spec
from dr_compiler.policies.rule import Level, Rule, Severity, Violation


def arn_region_and_account(arn: str) -> tuple[str, str]:
    """(region, account) of an ACM certificate ARN arn:aws:acm:<region>:<account>:..."""
    _, _, _, region, account, *_ = arn.split(":")
    return region, account


def api_accounts(deployment: Deployment) -> tuple[str, ...] | None:
    """The accounts whose load balancers serve the API, or None when the spec cannot say
    (organizational units without an INTERSECTION filter)."""
    if not deployment.service_managed:
        return deployment.accounts
    if deployment.account_filter_type == "INTERSECTION":
        return deployment.filter_accounts
    return None


def check_spec(spec: Spec) -> Iterator[Violation]:
    if spec.api is None:
        return
    accounts = api_accounts(spec.deployment)
    if accounts is None or len(accounts) > 1:
        targets = (
            "organizational units, whose accounts are known only at deployment"
            if accounts is None
            else f"{len(accounts)} accounts ({', '.join(accounts)})"
        )
        yield Violation(
            f"the API deploys to {targets}, but an ACM certificate belongs to one account and "
            "one DNS name fails over between one account's load balancers: deploy the API to "
            "one account per environment (deployment.accounts, or account_filter "
            "{type: INTERSECTION, accounts: [<the API's account>]})",
            "api",
            path=("api", "certificate_arns"),
        )
        return
    for region, arn in sorted(spec.api.certificate_arns.items()):
        where = ("api", "certificate_arns", region)
        arn_region, account = arn_region_and_account(arn)
        if arn_region != region:
            yield Violation(
                f"certificate for {region} is in {arn_region}: a load balancer in {region} "
                f"can only use an ACM certificate of {region}; request or import one there",
                region,
                path=where,
            )
        if accounts and account not in accounts:
            yield Violation(
                f"certificate for {region} belongs to account {account}, which is not a "
                f"deployment account ({', '.join(accounts)}): the listener in each target "
                "account cannot use it; use a certificate of the deployment account",
                region,
                path=where,
            )


RULE = Rule(
    id="DR091",
    title="Each region's certificate is in that region and a deployment account",
    severity=Severity.ERROR,
    level=Level.SPEC,
    rationale=(
        "ACM certificates are regional and belong to one account. A listener in us-west-2 "
        "given a us-east-1 certificate, or a certificate of another account, is rejected "
        "when the load balancer listener is created: the region's stack fails half-way "
        "through the rollout, and the failover region never serves HTTPS."
    ),
    remediation=(
        "List under api.certificate_arns.<region> a certificate requested or imported in "
        "that region of the deployment account (one per region: ACM does not copy "
        "certificates between regions)."
    ),
    docs="https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html",
    bad_example=(
        "deployment: {accounts: ['111111111111']}\napi:\n  certificate_arns:\n"
        "    us-west-2: arn:aws:acm:us-east-1:222222222222:certificate/abc\n"
    ),
    good_example=(
        "deployment: {accounts: ['111111111111']}\napi:\n  certificate_arns:\n"
        "    us-west-2: arn:aws:acm:us-west-2:111111111111:certificate/abc\n"
    ),
    check_spec=check_spec,
    pci_dss=("4.2.1",),
    tags=("network", "security"),
)

"""DR091: each region's certificate is in that region and in a deployment account.

An HTTPS listener takes a certificate from ACM in the load balancer's own region ("ACM
certificates are regional", https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html)
and of the load balancer's own account: the StackSet creates the listener in each target
account, so a certificate of any other account cannot be found there. With
organizational-unit targets the accounts are not known before deployment, so only the
region is checked; the preflight of `plan`/`deploy` checks that each certificate exists, is
issued and covers the API name.
"""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler.model import Spec
from dr_compiler.policies.rule import Level, Rule, Severity, Violation


def arn_region_and_account(arn: str) -> tuple[str, str]:
    """(region, account) of an ACM certificate ARN arn:aws:acm:<region>:<account>:..."""
    _, _, _, region, account, *_ = arn.split(":")
    return region, account


def check_spec(spec: Spec) -> Iterator[Violation]:
    accounts = spec.deployment.accounts
    if spec.api is None:
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

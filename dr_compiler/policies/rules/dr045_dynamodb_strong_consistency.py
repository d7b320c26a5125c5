"""DR045: DynamoDB multi-Region strong consistency (MRSC) only with a region set AWS supports.

An MRSC global table has exactly three replicas, or two replicas and a witness, all within
one of AWS's region sets (the AWS::DynamoDB::GlobalTable GlobalTableWitness reference,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-globaltable-globaltablewitness.html):

- US: us-east-1, us-east-2, us-west-2
- EU: eu-west-1, eu-west-2, eu-west-3, eu-central-1
- AP: ap-northeast-1, ap-northeast-2, ap-northeast-3

The compiler puts a replica of every table in every region of the spec and has no witness,
so a `consistency: strong` table needs exactly three regions, all in one set.
"""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler.model import Spec
from dr_compiler.policies.rule import Level, Rule, Severity, Violation

MRSC_REGION_SETS: dict[str, frozenset[str]] = {
    "US": frozenset({"us-east-1", "us-east-2", "us-west-2"}),
    "EU": frozenset({"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"}),
    "AP": frozenset({"ap-northeast-1", "ap-northeast-2", "ap-northeast-3"}),
}
MRSC_REPLICAS = 3
DOCS = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
    "aws-properties-dynamodb-globaltable-globaltablewitness.html"
)


def _sets_text() -> str:
    return "; ".join(f"{name}: {', '.join(sorted(s))}" for name, s in MRSC_REGION_SETS.items())


def _problem(regions: tuple[str, ...]) -> str | None:
    if len(regions) != MRSC_REPLICAS:
        return f"needs exactly {MRSC_REPLICAS} regions, the spec has {len(regions)}"
    if not any(set(regions) <= region_set for region_set in MRSC_REGION_SETS.values()):
        return f"needs its regions within one region set, not {', '.join(regions)}"
    return None


def check_spec(spec: Spec) -> Iterator[Violation]:
    problem = _problem(spec.regions.all)
    if problem is None:
        return
    for table in spec.tables:
        if table.consistency == "strong":
            yield Violation(
                f"table {table.name}: multi-Region strong consistency {problem} "
                f"({_sets_text()}); change regions or set consistency: eventual",
                table.name,
                path=("tables", table.index, "consistency"),
            )


RULE = Rule(
    id="DR045",
    title="DynamoDB multi-Region strong consistency only with a region set AWS supports",
    severity=Severity.ERROR,
    level=Level.SPEC,
    rationale=(
        "Multi-Region strong consistency gives RPO 0, but AWS creates such a global table "
        "only with exactly three replicas (or two and a witness) inside one region set (US, "
        "EU or AP). Any other layout passes template linting and fails when the global "
        "table is created, in the middle of a StackSet rollout."
    ),
    remediation=(
        "Run the spec in exactly three regions of one set (for example us-east-1 primary "
        "with us-west-2 and us-east-2 secondaries), or set the table's consistency to "
        "eventual (replication typically within a second)."
    ),
    docs=DOCS,
    bad_example=(
        "regions: {primary: us-east-1, secondaries: [us-west-2]}\ntables:\n"
        "  - {name: transactions, consistency: strong}\n"
    ),
    good_example=(
        "regions: {primary: us-east-1, secondaries: [us-west-2, us-east-2]}\ntables:\n"
        "  - {name: transactions, consistency: strong}\n"
    ),
    check_spec=check_spec,
    tags=("database", "replication"),
)

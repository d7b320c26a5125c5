"""A role's permissions over as many customer managed policies as IAM's size limit needs."""

from __future__ import annotations

from pathlib import Path

from awacs import s3

from dr_compiler.compiler import iam
from dr_compiler.compiler.plain import plain
from dr_compiler.pipeline import compile_and_check
from dr_compiler.policies.cfn_roles import MANAGED_POLICY_MAX_CHARACTERS, managed_policy_length
from tests.topology.tenregions import ten_regions


def _statements(count: int) -> list[iam.Statement]:
    return [
        iam.allow(f"Read{i}", [s3.GetObject], [f"arn:aws:s3:::bucket-{i}-{'x' * 100}/*"])
        for i in range(count)
    ]


TRUST = iam.service_trust("lambda.amazonaws.com")


def test_statements_that_fit_stay_in_one_policy() -> None:
    policy, role = iam.role_with_policy("SmallRole", _statements(3), AssumeRolePolicyDocument=TRUST)
    assert (policy.title, role.title) == ("SmallRolePolicy", "SmallRole")
    assert plain(role)["Properties"]["ManagedPolicyArns"] == [{"Ref": "SmallRolePolicy"}]


def test_statements_over_the_limit_go_on_in_more_policies_in_order() -> None:
    statements = _statements(90)
    *policies, role = iam.role_with_policy("BigRole", statements, AssumeRolePolicyDocument=TRUST)
    assert [p.title for p in policies] == ["BigRolePolicy", "BigRolePolicy2", "BigRolePolicy3"]
    documents = [plain(p)["Properties"]["PolicyDocument"] for p in policies]
    assert all(managed_policy_length(d) <= MANAGED_POLICY_MAX_CHARACTERS for d in documents)
    # Full: the next statement would not have fitted in the policy before it.
    assert managed_policy_length(documents[0]) > MANAGED_POLICY_MAX_CHARACTERS - 200
    sids = [s["Sid"] for d in documents for s in d["Statement"]]
    assert sids == [f"Read{i}" for i in range(90)]
    assert plain(role)["Properties"]["ManagedPolicyArns"] == [
        {"Ref": "BigRolePolicy"},
        {"Ref": "BigRolePolicy2"},
        {"Ref": "BigRolePolicy3"},
    ]


def test_a_ten_region_build_splits_the_replication_role_and_passes_dr081(tmp_path: Path) -> None:
    # The replication role grants on every destination region's bucket and key: at ten
    # regions one managed policy would outgrow IAM's 6,144 characters (found by the benchmark).
    report, compiled, _ = compile_and_check(ten_regions(tmp_path))
    assert [f for f in report.findings if f.rule_id == "DR081"] == []
    assert compiled is not None
    primary = next(s for s in compiled.stacks if s.stack.file == "us-east-1.json")
    resources = primary.template["Resources"]
    role = resources["ReplicationRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Ref": "ReplicationRolePolicy"},
        {"Ref": "ReplicationRolePolicy2"},
    ]

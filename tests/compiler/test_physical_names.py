"""Names are unique where AWS requires it: two stacks in one account and region never clash."""

from __future__ import annotations

from collections import Counter

import pytest

from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.policies.cfn import NAME_PROPERTIES, text_of

# IAM names are account-wide; every other named resource here is regional.
GLOBAL_NAMESPACES = {"AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::S3::Bucket"}


def _names(compiled: CompiledSpec) -> Counter[tuple[str, str, str]]:
    names: Counter[tuple[str, str, str]] = Counter()
    for stack in compiled.stacks:
        for resource in stack.template["Resources"].values():
            for prop in NAME_PROPERTIES.get(resource["Type"], ()):
                text = text_of(resource.get("Properties", {}).get(prop))
                if text is None:
                    continue
                scope = "account" if resource["Type"] in GLOBAL_NAMESPACES else stack.stack.region
                names[(scope, resource["Type"], text.replace("${AWS::Region}", scope))] += 1
    return names


@pytest.mark.parametrize("which", ["compiled_prod", "compiled_dev"])
def test_no_two_resources_share_a_physical_name_in_one_namespace(
    which: str, request: pytest.FixtureRequest
) -> None:
    names = _names(request.getfixturevalue(which))
    assert names, "no physical names found"
    assert [name for name, count in names.items() if count > 1] == []

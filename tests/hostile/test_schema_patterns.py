"""Family 4: values with a trailing newline or a control character. Every pattern of the
schema is anchored at both ends and matched against the whole value (JSON Schema's ECMA-262
`$`, not Python's, which also matches before a final newline), so no string field takes a
character AWS would refuse, and the spec is refused at the value's line (exit 1)."""

from __future__ import annotations

from typing import Any

import pytest

from dr_compiler.schema import load_schema, spec_validator
from tests.hostile.conftest import CLEAN_SPEC, Project

SAMPLES: dict[str, list[str]] = {
    r"^(?!(0|127|22[4-9]|2[3-5][0-9])\.|169\.254\.)((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
    r"\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/(1[6-9]|2[0-8])$": [
        "10.0.0.0/16",
        "192.168.4.0/28",
    ],
    r"^(?!aws:)[A-Za-z0-9 _.:/=+@-]{1,128}$": ["CostCenter", "team name"],
    r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$": ["payments.example.com"],
    r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$": ["ou-ab12-abcdefgh", "r-ab12"],
    r"^[0-9A-Za-z*?,/#() -]+$": ["rate(5 minutes)", "cron(0 12 ? * MON-FRI *)"],
    r"^/[A-Za-z0-9/_.*-]{0,127}$": ["/payments/*"],
    r"^/[A-Za-z0-9/_.-]{0,254}$": ["/health"],
    r"^1[3-7]\.[0-9]{1,2}$": ["16.4"],
    r"^DR[0-9]{3}$": ["DR040"],
    r"^[A-Z0-9]{1,32}$": ["Z0123456789ABCDEFGHIJ"],
    r"^[0-9]{12}$": ["111111111111"],
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": ["2027-06-30"],
    r"^[A-Za-z0-9 _.:/=+@-]*$": ["payments-platform", ""],
    r"^[A-Za-z0-9._%+-]+@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$": [
        "oncall@example.com",
        "first.last+dr@mail.example.co.uk",
    ],
    r"^[A-Za-z0-9_.-]{1,255}$": ["transaction_id"],
    r"^[A-Za-z0-9_.-]{3,255}$": ["by-sku"],
    r"^[A-Za-z0-9 ./#:_-]{1,255}$": ["AWS/DynamoDB", "Orders/Fulfilment"],
    r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$": ["handler.main", "pkg.entry.main"],
    r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+$": [
        "the alarm is a canary that must stay silent",
        "données vérifiées 🙂",
    ],
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$": ["api"],
    r"^[a-z0-9]{2,8}$": ["prod"],
    r"^[a-z][a-z0-9-]{0,14}[a-z0-9]$": ["documents"],
    r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$": ["payment-api"],
    r"^[a-z][a-z0-9]{1,11}$": ["payments"],
    r"^[a-z][a-z0-9_]{0,15}$": ["payments_admin"],
    r"^[a-z][a-z0-9_]{0,62}$": ["payments"],
    r"^arn:aws:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$": [
        "arn:aws:acm:us-east-1:111111111111:certificate/2c3d4e5f-6a7b"
    ],
    r"^functions/[a-z0-9_]+/?$": ["functions/payment_api", "functions/payment_api/"],
    r"^[A-Za-z][A-Za-z0-9_]+$": ["LOG_LEVEL", "Carrier_Url2"],
    r"^(TABLE|QUEUE|BUCKET|DB)_[A-Za-z0-9_]*$": ["TABLE_ORDERS", "DB_"],
    r"^[A-Za-z0-9/_+=.@-]{1,512}$": ["payments/provider-token", "orders+eu@prod"],
    r"^/[A-Za-z0-9_./-]{1,1010}$": ["/orders/shipping/rates"],
}
"""Each pattern of the schema with values it accepts: a new pattern needs samples here."""

UNSEEN = ["\n", "\r", "\r\n", "\t", "\x00", "\x0b", "\x1b", "\x7f", "\x85", "\u200b", "\u202e"]
"""Line breaks, control characters, an ANSI escape's start, a zero-width space and a
right-to-left override: AWS names, ids and ARNs take none of them."""


def schema_patterns(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(schema_patterns(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(schema_patterns(value) for value in node))
    return set()


def top_level_alternation(pattern: str) -> bool:
    """A `|` outside every group and character class: `^a|b$` anchors neither branch fully."""
    depth, in_class, escaped = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


def matches(pattern: str, value: str) -> bool:
    return spec_validator()({"type": "string", "pattern": pattern}).is_valid(value)


def test_every_pattern_has_samples_and_is_anchored_at_both_ends() -> None:
    patterns = schema_patterns(load_schema())
    assert patterns == set(SAMPLES)
    for pattern in patterns:
        assert pattern.startswith("^") and pattern.endswith("$"), pattern
        assert not pattern.endswith("\\$"), pattern
        assert not top_level_alternation(pattern), pattern


@pytest.mark.parametrize("pattern", sorted(SAMPLES))
def test_samples_pass_and_no_unseen_character_gets_in_anywhere(pattern: str) -> None:
    for sample in SAMPLES[pattern]:
        assert matches(pattern, sample), sample
        middle = len(sample) // 2
        for char in UNSEEN:
            for variant in (sample + char, char + sample, sample[:middle] + char + sample[middle:]):
                assert not matches(pattern, variant), repr(variant)


def test_the_validator_differs_from_python_re_search_exactly_at_the_final_newline() -> None:
    """The failure this family is about: re.search("^[0-9]{12}$", "...\\n") matches."""
    import re

    assert re.search(r"^[0-9]{12}$", "111111111111\n")
    assert not matches(r"^[0-9]{12}$", "111111111111\n")


CLI_CASES = [
    ('metadata:\n  app: "payments\\n"\n', 3, 8, "metadata.app", "payments\n"),
    (
        'deployment:\n  accounts: ["111111111111\\n"]\n',
        3,
        14,
        "deployment.accounts[0]",
        "111111111111\n",
    ),
    ('dns:\n  zone: "payments.example.com\\n"\n', 3, 9, "dns.zone", "payments.example.com\n"),
    (
        'storage:\n  buckets:\n    - name: "documents\\n"\n      replication: {rtc: true}\n',
        4,
        13,
        "storage.buckets[0].name",
        "documents\n",
    ),
    (
        'metadata:\n  tags:\n    Owner: "team\\u001b[31m"\n',
        4,
        12,
        "metadata.tags.Owner",
        "team\x1b[31m",
    ),
    (
        'backup:\n  schedule: "cron(0 * * * ? *)\\n"\n',
        3,
        13,
        "backup.schedule",
        "cron(0 * * * ? *)\n",
    ),
    (
        "api:\n  certificate_arns:\n"
        '    us-east-1: "arn:aws:acm:us-east-1:111111111111:certificate/ab\\r"\n',
        4,
        16,
        "api.certificate_arns.us-east-1",
        "arn:aws:acm:us-east-1:111111111111:certificate/ab\r",
    ),
    (
        'monitoring:\n  email: ["oncall@example.com\\n"]\n',
        3,
        11,
        "monitoring.email[0]",
        "oncall@example.com\n",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "line", "column", "where", "value"), CLI_CASES, ids=[c[3] for c in CLI_CASES]
)
def test_a_trailing_newline_or_escape_is_refused_at_its_value(
    project: Project, overrides: str, line: int, column: int, where: str, value: str
) -> None:
    spec = project.root / "spec.yaml"
    spec.write_text(f"extends: {CLEAN_SPEC}\n{overrides}")
    problem = project.only_problem(spec)
    assert problem.startswith(f"error: {spec}:{line}:{column}: {where}: {value!r} is not valid"), (
        problem
    )


REFERENCE_FIELDS = {
    "/properties/extends",
    "/properties/functions/items/properties/trigger/properties/queue",
    "/properties/functions/items/properties/trigger/properties/table",
    "/properties/api/properties/function",
    "/properties/failover/properties/function",
}
"""String fields without a pattern: each names a file (the loader checks it) or another
section's entry, whose name has a pattern, so a control character cannot match."""


def unpatterned_strings(node: Any, path: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "enum", "const"} & set(node):
            found.add(path)
        for key, value in node.items():
            found |= unpatterned_strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found |= unpatterned_strings(value, f"{path}/{index}")
    return found


def test_every_string_field_has_a_pattern_or_names_something_that_has_one() -> None:
    assert unpatterned_strings(load_schema()) == REFERENCE_FIELDS


REFERENCE_CASES = [
    ('api:\n  function: "payment-api\\n"\n', 3, 13, "api.function", "payment-api\\x0a"),
    (
        'failover:\n  function: "failover-trigger\\t"\n',
        3,
        13,
        "failover.function",
        "failover-trigger\\x09",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "line", "column", "where", "shown"),
    REFERENCE_CASES,
    ids=[c[3] for c in REFERENCE_CASES],
)
def test_a_reference_with_a_control_character_names_nothing(
    project: Project, overrides: str, line: int, column: int, where: str, shown: str
) -> None:
    spec = project.root / "spec.yaml"
    spec.write_text(f"extends: {CLEAN_SPEC}\n{overrides}")
    problem = project.only_problem(spec)
    assert problem.startswith(
        f"error: {spec}:{line}:{column}: {where}: no function named '{shown}'"
    ), problem

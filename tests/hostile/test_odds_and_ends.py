"""Family 8: odds and ends of the same kind. A NUL byte is reported at its line and column;
a YAML tag on a mapping or list is refused like one on a scalar; an e-mail address with
right-to-left, zero-width or look-alike characters is refused; a VPC CIDR from a
special-purpose block (loopback, link-local, multicast, reserved) is refused."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import CLEAN_SPEC, Project, run_cli

NUL_CASES = [
    ("apiVersion: dr-compiler/v1\nmetadata:\n  app: pay\x00ments\n", 3, 11),
    ("\x00", 1, 1),
    ("a: 1\n\n\n# comment \x00\n", 4, 11),
    ("a: 1\r\nb: \x00\n", 2, 4),
]


@pytest.mark.parametrize(("text", "line", "column"), NUL_CASES)
def test_a_nul_byte_is_reported_at_its_line_and_column(
    project: Project, text: str, line: int, column: int
) -> None:
    spec = project.root / "nul.yaml"
    spec.write_bytes(text.encode())
    project.expect_refused(spec, 2, [f"{spec}:{line}:{column}: NUL byte: not a YAML spec"])


TAG_CASES = [
    ("metadata: !custom\n  app: payments\n", 1, 11, "'!custom' on a mapping"),
    ("metadata: !!set\n  app: null\n", 1, 11, "'tag:yaml.org,2002:set' on a mapping"),
    ("regions:\n  secondaries: !!omap [a: 1]\n", 2, 16, "'tag:yaml.org,2002:omap' on a list"),
    (
        "metadata:\n  tags: !!python/object:os.system {}\n",
        2,
        9,
        "'tag:yaml.org,2002:python/object:os.system' on a mapping",
    ),
    ("policy:\n  packs: !list\n    - dr-core\n", 2, 10, "'!list' on a list"),
]


@pytest.mark.parametrize(
    ("overrides", "line", "column", "what"), TAG_CASES, ids=[c[3] for c in TAG_CASES]
)
def test_a_tag_on_a_mapping_or_list_is_refused_like_one_on_a_scalar(
    project: Project, overrides: str, line: int, column: int, what: str
) -> None:
    spec = project.root / "tagged.yaml"
    spec.write_text(f"extends: {CLEAN_SPEC}\n{overrides}")
    project.expect_refused(
        spec,
        2,
        [
            f"{spec}:{line + 1}:{column}: bad value: YAML tag {what}: specs use plain "
            "mappings and lists"
        ],
    )


def test_a_tag_on_a_scalar_is_one_line_too(project: Project) -> None:
    spec = project.root / "tagged.yaml"
    spec.write_text(f"extends: {CLEAN_SPEC}\nmetadata:\n  app: !bar x\n")
    project.expect_refused(
        spec, 2, [f"{spec}:3:8: bad value: could not determine a constructor for the tag '!bar'"]
    )


EMAILS = [
    "oncall@exam\u202eelpmaxe.com",  # right-to-left override
    "on\u200bcall@example.com",  # zero-width space
    "oncall@example.com\u200d",  # zero-width joiner
    "oncall@ex\u0430mple.com",  # Cyrillic a, a look-alike
    "\u2066oncall@example.com\u2069",  # isolate
    "oncall@example.com\n",
    "oncall@@example.com",
    "<script>@example.com",
]


@pytest.mark.parametrize("email", EMAILS, ids=[repr(e) for e in EMAILS])
def test_an_email_address_with_hidden_or_look_alike_characters_is_refused(
    project: Project, email: str
) -> None:
    spec = project.root / "email.yaml"
    escaped = email.encode("unicode_escape").decode()
    spec.write_text(f'extends: {CLEAN_SPEC}\nmonitoring:\n  email: ["{escaped}"]\n')
    problem = project.only_problem(spec)
    assert problem.startswith(
        f"error: {spec}:3:11: monitoring.email[0]: {email!r} is not valid: "
    ), problem


REFUSED_CIDRS = [
    "127.0.0.0/16",  # loopback
    "127.10.0.0/24",
    "0.0.0.0/16",  # "this network"
    "169.254.0.0/16",  # link-local: instance metadata, the Amazon DNS
    "224.0.0.0/16",  # multicast
    "239.255.0.0/16",
    "240.0.0.0/16",  # reserved
    "255.255.255.0/28",
]
ACCEPTED_CIDRS = ["10.0.0.0/16", "172.16.0.0/16", "192.168.0.0/20", "100.64.0.0/16", "8.8.0.0/16"]


@pytest.mark.parametrize("cidr", REFUSED_CIDRS)
def test_a_special_purpose_block_is_not_a_vpc_cidr(project: Project, cidr: str) -> None:
    spec = project.root / "cidr.yaml"
    spec.write_text(f"extends: {CLEAN_SPEC}\nnetwork:\n  cidrs:\n    us-east-1: {cidr}\n")
    problem = project.only_problem(spec)
    assert problem.startswith(
        f"error: {spec}:4:16: network.cidrs.us-east-1: {cidr!r} is not valid: "
    ), problem
    assert "127.0.0.0/8 (loopback)" in problem


@pytest.mark.parametrize("cidr", ACCEPTED_CIDRS)
def test_private_and_public_unicast_blocks_are_vpc_cidrs(project: Project, cidr: str) -> None:
    spec = project.root / "cidr.yaml"
    spec.write_text(f"extends: {CLEAN_SPEC}\nnetwork:\n  cidrs:\n    us-east-1: {cidr}\n")
    code, _, err = run_cli("validate", spec)
    assert "is not valid" not in err
    assert code == 0, err

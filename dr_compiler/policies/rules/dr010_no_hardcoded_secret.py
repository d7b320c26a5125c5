"""DR010: no hardcoded secret in the spec or in any template.

Credentials are generated in Secrets Manager and reached by dynamic reference
(`{{resolve:secretsmanager:...}}`) or are service-managed. The spec language has no key that
holds a password (the schema rejects `master_password:` with a DR010 message), but free text
(tags, waiver reasons) can still carry a pasted key; templates can carry one in any property.

One detector (`secret_kind`) recognises secret-looking literals for both levels, so the spec
and the templates agree on what a secret looks like.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler.credentials import names_a_credential
from dr_compiler.loader import format_path
from dr_compiler.model import Bucket, Function, Queue, SecretRef, Spec, Table
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateDoc, TemplateSet, Violation

Path = tuple[str | int, ...]

# Each detector: (what it is, pattern). Patterns are anchored on a prefix or a key hint so
# ordinary names, ARNs and hashes do not match. They are searched as one alternation (one
# pass per string: templates have thousands of strings), so flags are scoped, never global.
_DETECTORS: tuple[tuple[str, str], ...] = (
    ("an AWS access key id", r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    (
        "an AWS secret access key",
        r"(?i:(?:aws_?)?secret_?(?:access_?)?key)[\"']?\s*[:=]\s*[\"']?"
        r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
    ),
    ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    (
        "a password in a connection string",
        r"\b(?i:password|passwd|pwd)\s*=\s*(?!\{\{resolve:|\$\{)[^\s;&'\"]+",
    ),
    (
        "a password in a connection URL",
        r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]+:(?!\{\{resolve:|\$\{)[^\s/@]+@",
    ),
    ("a Slack token", r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    ("a Slack webhook URL", r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/\w+"),
    ("a GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,})"),
)
_ANY_SECRET = re.compile("|".join(f"(?P<k{i}>{p})" for i, (_, p) in enumerate(_DETECTORS)))
# The shortest string any detector can match ("a://b:c@"); shorter strings are skipped.
_MIN_SECRET_LENGTH = 8
# A substring (of the lowercased text) every match of some detector contains: a cheap test
# that lets the regex run only on the few strings that could match.
_TRIGGERS = (
    "akia", "asia", "secret", "private key", "pass", "pwd", "://", "xox", "hooks.slack",
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
)  # fmt: skip

DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(?:secretsmanager|ssm-secure):")


def secret_kind(text: str) -> str | None:
    """What secret `text` looks like ("an AWS access key id", ...), or None."""
    if len(text) < _MIN_SECRET_LENGTH:
        return None
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TRIGGERS):
        return None
    match = _ANY_SECRET.search(text)
    return _DETECTORS[int(match.lastgroup[1:])][0] if match and match.lastgroup else None


# ---------------------------------------------------------------------------------------------
# Spec level: every string of the model, at its YAML path.

# Model fields whose YAML path differs from the field name (only those that lead to strings).
_YAML_KEYS: dict[tuple[type, str], Path] = {
    (Spec, "buckets"): ("storage", "buckets"),
    (Function, "trigger_queue"): ("trigger", "queue"),
    (Function, "trigger_alarm"): ("trigger", "alarm"),
    (Function, "trigger_table"): ("trigger", "table"),
}
# Bookkeeping fields of the model that are not spec text.
_NOT_SPEC = frozenset({"file", "files", "source_map", "index"})
# Spec items a finding names (the waivable resource) when a secret is inside one.
_NAMED = (Bucket, Function, Queue, Table)
# Maps whose keys and values are free text, where a credential-like key makes its value a
# literal credential, with who can read the value: (path with "*" for any index, reader).
_FREE_TEXT_MAPS: tuple[tuple[Path, str], ...] = (
    (("metadata", "tags"), "tags are readable by anyone who can describe a resource"),
    (
        ("functions", "*", "environment"),
        "environment variables are readable by anyone allowed lambda:GetFunctionConfiguration;"
        " name it in the function's `secrets`",
    ),
)


def _free_text_reader(parent: Path) -> str | None:
    """Who can read a value of the free-text map at `parent`, or None if it is not one."""
    for pattern, reader in _FREE_TEXT_MAPS:
        if len(parent) == len(pattern) and all(
            want in ("*", have) for want, have in zip(pattern, parent, strict=True)
        ):
            return reader
    return None


def _strings(value: Any, path: Path, owner: str | None) -> Iterator[tuple[Path, str, str | None]]:
    """(YAML path, string, name of the enclosing named item) of every string under `value`."""
    if isinstance(value, str):
        yield path, value, owner
    elif isinstance(value, SecretRef):
        # Written as a map: secrets.<variable>.<service>.
        yield (*path[:-1], value.variable, value.service), value.name, owner
    elif dataclasses.is_dataclass(value):
        owner = value.name if isinstance(value, _NAMED) else owner
        for field in dataclasses.fields(value):
            if field.name in _NOT_SPEC:
                continue
            keys = _YAML_KEYS.get((type(value), field.name), (field.name,))
            yield from _strings(getattr(value, field.name), (*path, *keys), owner)
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _strings(inner, (*path, key), owner)
    elif isinstance(value, tuple | list):
        for index, inner in enumerate(value):
            yield from _strings(inner, (*path, index), owner)


def _resource(path: Path, owner: str | None) -> str:
    return owner or format_path(path)


def check_spec(spec: Spec) -> Iterator[Violation]:
    for path, text, owner in _strings(spec, (), None):
        where = format_path(path)
        kind = secret_kind(text)
        if kind is not None:
            yield Violation(
                f"{where} holds what looks like {kind}: a spec is committed and reviewed in "
                "plain text; keep the secret in Secrets Manager",
                _resource(path, owner),
                path=path,
            )
        elif text and names_a_credential(str(path[-1])):
            reader = _free_text_reader(path[:-1])
            if reader is not None:
                yield Violation(
                    f"{where} is a literal credential: {reader}; keep the secret in "
                    "Secrets Manager",
                    _resource(path, owner),
                    path=path,
                )


# ---------------------------------------------------------------------------------------------
# Template level: every property of every resource, parameter defaults and outputs.


def literal_text(value: Any) -> str | None:
    """The text of a value CloudFormation passes through unchanged: a plain string or number,
    an `Fn::Sub` without variables, or an `Fn::Join` of plain strings. None for anything that
    takes its value from elsewhere (Ref, GetAtt, ImportValue, a Sub with variables...)."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int or kind is float:
        return str(value)
    if kind is not dict or len(value) != 1:
        return None
    if "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text = sub if isinstance(sub, str) else sub[0]
        return text if isinstance(text, str) and "${" not in text.replace("${!", "") else None
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        if isinstance(parts, list) and all(isinstance(p, str) for p in parts):
            return str(separator).join(parts)
    return None


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    key = next(iter(value))
    return key == "Ref" or key.startswith("Fn::")


def _leaves(root: Any, root_path: Path = (), root_name: str = "") -> list[tuple[Path, str, Any]]:
    """(property path, nearest property name, value) of every value that is not a plain
    container: scalars and intrinsic functions. List items inherit their property's name.
    Iterative, not recursive generators: this runs over every property of every template."""
    found: list[tuple[Path, str, Any]] = []
    stack: list[tuple[Path, str, Any]] = [(root_path, root_name, root)]
    while stack:
        path, name, value = stack.pop()
        if type(value) is dict and not _is_intrinsic(value):
            stack.extend(((*path, key), key, inner) for key, inner in value.items())
        elif type(value) is list:
            stack.extend(((*path, index), name, inner) for index, inner in enumerate(value))
        else:
            found.append((path, name, value))
    return found


def is_dynamic_reference(text: str) -> bool:
    return "{{resolve:" in text and bool(DYNAMIC_REFERENCE.search(text))


def _violations(
    template: TemplateDoc, logical_id: str, leaves: list[tuple[Path, str, Any]]
) -> Iterator[Violation]:
    for path, name, value in leaves:
        text = literal_text(value)
        if not text or is_dynamic_reference(text):
            continue
        kind = secret_kind(text)
        if kind is None and not names_a_credential(name):
            continue
        where = ".".join(str(p) for p in path)
        if kind is not None:
            message = f"{logical_id} {where} holds what looks like {kind}"
        else:
            message = (
                f"{logical_id} {where} is a literal string: use a "
                "{{resolve:secretsmanager:...}} dynamic reference to a generated secret"
            )
        yield Violation(
            message, logical_id, template=template, logical_id=logical_id, property_path=path
        )


def _parameter_violations(template: TemplateDoc) -> Iterator[Violation]:
    """A parameter default is a literal in the template even when resources Ref it."""
    for name, parameter in sorted(template.body.get("Parameters", {}).items()):
        default = parameter.get("Default")
        if not isinstance(default, str) or not default or is_dynamic_reference(default):
            continue
        kind = secret_kind(default)
        if kind is None and not names_a_credential(name):
            continue
        what = f"looks like {kind}" if kind else "is a literal credential"
        yield Violation(
            f"parameter {name} has a Default that {what}: Ref of it puts the value in the "
            "template; use a dynamic reference",
            name,
            template=template,
            logical_id=name,
            property_path=("Default",),
        )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.templates:
        yield from _parameter_violations(template)
        for logical_id, resource in template.resources():
            yield from _violations(template, logical_id, _leaves(resource.get("Properties", {})))
        # Outputs are shown in the console and readable by anyone who can describe the stack.
        for name, output in sorted(template.body.get("Outputs", {}).items()):
            yield from _violations(template, name, _leaves(output.get("Value"), ("Value",), name))


RULE = Rule(
    id="DR010",
    title="No hardcoded secret in the spec or any template",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "The seed designs wrote the Aurora master password into the template "
        "(MasterUserPassword: a literal), where every reader of the repository, the "
        "StackSet, the stack's template history and CloudFormation events can see it, and "
        "where rotating it means a redeploy. A secret generated in Secrets Manager and "
        "reached by dynamic reference never appears in any of those places. The same goes "
        "for access keys, private keys, tokens and connection-string passwords pasted into "
        "tags, environment variables or notes."
    ),
    remediation=(
        "Remove the literal. Database credentials: keep `database.credentials: generated` "
        "(the compiler creates the secret and references it); never add a password key. "
        "Anything else: store it in Secrets Manager and pass its ARN (a function reads it at "
        "run time) or a {{resolve:secretsmanager:...}} reference. Rotate any secret that was "
        "committed: it is in the history."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html",
    bad_example=(
        "database:\n  credentials: generated\n  master_password: hunter2   # schema error DR010\n"
        "metadata:\n  tags:\n    DeployKey: AKIAIOSFODNN7EXAMPLE\n"
    ),
    good_example=(
        "database:\n  credentials: generated   # Secrets Manager, by dynamic reference\n"
        "metadata:\n  tags:\n    Owner: payments-platform\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    pci_dss=("8.3.2", "8.6.2"),
    tags=("secrets", "security"),
)

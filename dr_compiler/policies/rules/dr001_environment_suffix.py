"""DR001: every physical name carries the environment suffix as its own `-`-delimited token.

Names are read from the compiled templates (cfn.NAME_PROPERTIES, Fn::Sub and Fn::Join texts
included) after substituting `${AWS::Region}`. The suffix is the spec's environment; a
template checked without a spec is judged against the resource's own `Environment` tag, and
a resource without one is skipped rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn_names import ACCOUNT, named_resources, tag_value, tokens
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateSet, Violation

# AWS fixes the prefix of these names ("alias/…", "/aws/lambda/…"); what the compiler
# chooses, and what must carry the suffix, is the last path segment.
PATH_NAMED = frozenset({blocks.kms.ALIAS.type, blocks.logs.LOG_GROUP.type})
# A FIFO queue or topic name must end in ".fifo": the suffix is the token before it.
FIFO_NAMED = frozenset({blocks.sqs.QUEUE.type, blocks.sns.TOPIC.type})
_PLACEHOLDER = re.compile(r"^\$\{[^}]+\}$")


def _suffix(templates: TemplateSet, resource: Mapping[str, Any]) -> str | None:
    if templates.spec is not None:
        return templates.spec.environment
    tag = tag_value(resource, "Environment")
    return tag if isinstance(tag, str) else None


def checked_part(kind: str, name: str) -> str:
    """The part of a name that must carry the suffix."""
    if kind in PATH_NAMED:
        name = name.rsplit("/", 1)[-1]
    if kind in FIFO_NAMED:
        name = name.removesuffix(".fifo")
    return name


def _undecidable(words: list[str]) -> bool:
    """A token that is a whole unresolved placeholder (a template parameter, say) may be the
    suffix itself: such a name cannot be judged from the template alone."""
    return any(_PLACEHOLDER.match(word) and word != ACCOUNT for word in words)


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.templates:
        resources = template.body.get("Resources", {})
        for logical_id, kind, prop, name in named_resources(template):
            suffix = _suffix(templates, resources[logical_id])
            words = tokens(checked_part(kind, name))
            if suffix is None or suffix in words or _undecidable(words):
                continue
            yield Violation(
                f"{kind} {logical_id} {prop} '{name}' does not carry the environment "
                f"suffix '{suffix}' as its own '-'-delimited token",
                logical_id,
                template=template,
                logical_id=logical_id,
                property_path=(prop,),
            )


RULE = Rule(
    id="DR001",
    title="Every physical name carries the environment suffix as its own '-'-delimited token",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Physical names are unique per account and region (per account for IAM roles, "
        "globally for buckets): the seed designs named their queues, functions and roles "
        "without an environment suffix, so deploying dev next to prod in one account failed "
        "on name collisions, or worse, a dev stack took over a prod resource's name. A "
        "suffix glued to another word (`payments-queueprod`) is no suffix: tooling that "
        "splits on '-' to find the environment cannot see it."
    ),
    remediation=(
        "Compile names through dr_compiler's naming function (`<app>-<parts>-<env>`), which "
        "always ends with metadata.environment. In a hand-written template, end every name "
        "with `-<environment>` (for a KMS alias or a log group, its last path segment)."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html",
    bad_example=(
        "PaymentsQueue:\n  Type: AWS::SQS::Queue\n  Properties:\n"
        "    QueueName: payments-queue   # which environment owns it?\n"
    ),
    good_example=(
        "PaymentsQueue:\n  Type: AWS::SQS::Queue\n  Properties:\n"
        "    QueueName: payments-payments-prod\n"
    ),
    check_templates=check_templates,
    pci_dss=("6.5.3",),
    tags=("naming",),
)

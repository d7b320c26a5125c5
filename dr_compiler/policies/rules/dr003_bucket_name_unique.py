"""DR003: S3 bucket names are globally unique: they carry the account id and the region.

Bucket names share one namespace across every AWS account of a partition. A name that
carries the account id (`${AWS::AccountId}` or 12 digits) and the bucket's own region (the
template's region, or `${AWS::Region}`) as whole `-`-delimited tokens cannot collide with
another account's bucket, nor with the same bucket in another region of the build.
"""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler import blocks
from dr_compiler.policies.cfn_names import (
    ACCOUNT,
    ACCOUNT_ID,
    has_token_run,
    named_resources,
    tokens,
)
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateSet, Violation

BUCKET = blocks.s3.BUCKET.type


def _has_account(name: str) -> bool:
    return any(word == ACCOUNT or ACCOUNT_ID.match(word) for word in tokens(name))


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.templates:
        for logical_id, kind, prop, name in named_resources(template):
            if kind != BUCKET:
                continue
            missing = []
            if not _has_account(name):
                missing.append("the account id (${AWS::AccountId})")
            # named_resources has already substituted ${AWS::Region} with this region.
            if not has_token_run(name, template.region):
                missing.append(f"its region ({template.region})")
            if missing:
                yield Violation(
                    f"bucket {logical_id} name '{name}' lacks {' and '.join(missing)} as "
                    "'-'-delimited tokens: bucket names are global across all accounts",
                    logical_id,
                    template=template,
                    logical_id=logical_id,
                    property_path=(prop,),
                )


RULE = Rule(
    id="DR003",
    title="S3 bucket names are globally unique: they include the account id and the region",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "S3 bucket names are unique across every AWS account in a partition. The seed "
        "designs named buckets `payments-documents-prod`: the first deployment in another "
        "account (or by anyone on the internet who took the name first) fails with "
        "BucketAlreadyExists, and the replica bucket of the secondary region collides with "
        "the primary's. The account id and region as name tokens make every bucket of every "
        "account, region and environment distinct."
    ),
    remediation=(
        "Compile bucket names through dr_compiler's naming function "
        "(`<app>-<bucket>-${AWS::AccountId}-<region>-<env>`). In a hand-written template, "
        "put `${AWS::AccountId}` and the bucket's region in the name as their own tokens."
    ),
    docs="https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    bad_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n"
        "    BucketName: payments-documents-prod\n"
    ),
    good_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n"
        "    BucketName: !Sub payments-documents-${AWS::AccountId}-us-east-1-prod\n"
    ),
    check_templates=check_templates,
    tags=("naming", "storage"),
)

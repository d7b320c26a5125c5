"""DR083: S3 Block Public Access fully on for every bucket."""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler import blocks
from dr_compiler.policies.cfn import is_true
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Scanner,
    ScannerCheck,
    Severity,
    TemplateSet,
    Violation,
)

FLAGS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
PROPERTY = "PublicAccessBlockConfiguration"


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, bucket in templates.all_resources(blocks.s3.BUCKET.type):
        block = bucket.get("Properties", {}).get(PROPERTY)
        if block is None:
            off = list(FLAGS)
        else:
            off = [flag for flag in FLAGS if not is_true(block.get(flag))]
        if off:
            yield Violation(
                f"bucket {logical_id} {PROPERTY} leaves {', '.join(off)} off: "
                "all four must be true",
                logical_id,
                template=template,
                logical_id=logical_id,
                property_path=(PROPERTY,),
            )


RULE = Rule(
    id="DR083",
    title="S3 Block Public Access fully on",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "The documents bucket and its replicas hold payment documents. One public ACL or one "
        "bucket-policy statement with a `*` principal would publish them; the four Block "
        "Public Access flags make S3 refuse and ignore both, whatever a later change to an "
        "ACL or policy says. A replica bucket in the secondary region needs them as much as "
        "the primary: it serves the same data after a failover."
    ),
    remediation=(
        "Compile buckets through dr_compiler (every bucket, replicas included, gets all four "
        "flags). In a hand-written template set PublicAccessBlockConfiguration with "
        "BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets true."
    ),
    docs="https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    bad_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n"
        "    PublicAccessBlockConfiguration: {BlockPublicAcls: true}   # three flags off\n"
    ),
    good_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n"
        "    PublicAccessBlockConfiguration:\n      BlockPublicAcls: true\n"
        "      BlockPublicPolicy: true\n      IgnorePublicAcls: true\n"
        "      RestrictPublicBuckets: true\n"
    ),
    check_templates=check_templates,
    pci_dss=("1.4.4",),
    tags=("storage", "network"),
    scanner_checks=(
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_53", blocks.s3.BUCKET.type),
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_54", blocks.s3.BUCKET.type),
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_55", blocks.s3.BUCKET.type),
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_56", blocks.s3.BUCKET.type),
        ScannerCheck(
            Scanner.GUARD, "s3_bucket_level_public_access_prohibited_check", blocks.s3.BUCKET.type
        ),
    ),
)

"""Stage 5 (compile): the templates `bootstrap` deploys, built with troposphere like the rest.

- roles: a plain stack in the administering account with the StackSet administration and
  execution roles, and the administration region's artifact bucket when the artifact StackSet
  does not make it (each behind a condition the deploy side sets per account);
- artifacts: the StackSet with one artifact bucket per target account and region (customer
  KMS key with rotation, versioning, public access blocked, TLS only);
- service-managed: the administering account's artifact bucket of one region, readable across
  the organization, and in every target account a role that reads this app's stacks.

No boto3 here: `deploy/bootstrap.py` deploys these templates; `pipeline.bootstrap_findings`
runs the template rules over them the way `pipeline.compile_and_check` does over a build's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awacs.aws import (
    Action,
    Allow,
    Condition,
    Everybody,
    Policy,
    Principal,
    Statement,
    StringEquals,
)
from awacs.cloudformation import DescribeStacks
from awacs.kms import Decrypt
from awacs.s3 import GetObject
from awacs.sts import AssumeRole
from troposphere import AWSObject, Equals, GetAtt, Output, Parameter, Ref, Sub, Template
from troposphere.iam import Role
from troposphere.kms import Alias, Key
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketPolicy,
    LifecycleConfiguration,
    LifecycleRule,
    NoncurrentVersionExpiration,
)

from dr_compiler.compiler import iam
from dr_compiler.compiler.naming import (
    ADMINISTRATION_ROLE,
    EXECUTION_ROLE,
    artifact_bucket,
    physical_name,
)
from dr_compiler.compiler.services.s3 import bucket_protection
from dr_compiler.compiler.tagging import apply_tags
from dr_compiler.model import Spec

TEMPLATE_VERSION = "2010-09-09"
_SHARED_ROLES = (
    "the StackSet roles are shared by every StackSet and environment of the account, under "
    "the names AWS documents (and its own sample templates create): `bootstrap` leaves a role "
    "someone else made alone, so an environment suffix would give each environment a pair"
)
# The AWS-provided policy of AWS's own sample execution role: the execution role deploys every
# service the compiled templates use, so a narrower list would have to track every builder.
EXECUTION_POLICY = "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"
NONCURRENT_ARTIFACT_DAYS = 30
INCOMPLETE_UPLOAD_DAYS = 7

ARTIFACT_KEY = "ArtifactKey"
ARTIFACT_BUCKET = "ArtifactBucket"
ADMINISTRATION_ROLE_ID = "AdministrationRole"
EXECUTION_ROLE_ID = "ExecutionRole"
CREATE_ARTIFACT_BUCKET = "CreateArtifactBucket"

BOOTSTRAP_PHASE = "bootstrap"
"""The phase the template rules see the bootstrap templates in (no build template has it)."""


def output_reader_role(spec: Spec) -> str:
    """The role `deploy` assumes in a service-managed target account to read stack outputs."""
    return physical_name(spec, "output-reader")


def roles_stack_name(spec: Spec) -> str:
    return physical_name(spec, "bootstrap", "roles")


def artifacts_stack_set_name(spec: Spec) -> str:
    return physical_name(spec, "bootstrap")


def organization_artifacts_stack_name(spec: Spec) -> str:
    return physical_name(spec, "bootstrap", "artifacts")


def _template(description: str) -> Template:
    template = Template(Description=f"dr-compiler bootstrap: {description}")
    template.set_version(TEMPLATE_VERSION)
    return template


def _tagged(spec: Spec, resource: AWSObject) -> AWSObject:
    apply_tags(resource, spec)
    return resource


def roles_template(spec: Spec) -> dict[str, Any]:
    """The plain stack: StackSet roles, and the administration region's bucket when the
    artifact StackSet does not make it (the administering account is not a target there)."""
    template = _template(f"StackSet roles for {spec.app} {spec.environment}")
    template.add_parameter(
        Parameter(
            "AdministratorAccountId",
            Type="String",
            AllowedPattern="^[0-9]{12}$",
            Description="the account whose administration role may use the execution role",
        )
    )
    flags = {
        "CreateAdministrationRole": f"create {ADMINISTRATION_ROLE}",
        "CreateExecutionRole": f"create {EXECUTION_ROLE}",
        CREATE_ARTIFACT_BUCKET: "create this region's artifact bucket",
    }
    for name, description in flags.items():
        template.add_parameter(
            Parameter(name, Type="String", AllowedValues=["true", "false"], Description=description)
        )
        template.add_condition(name, Equals(Ref(name), "true"))
    assume_execution_role = Sub(f"arn:${{AWS::Partition}}:iam::*:role/{EXECUTION_ROLE}")
    for resource in _role_with_policy(
        spec,
        ADMINISTRATION_ROLE_ID,
        [_allow([AssumeRole], assume_execution_role)],
        Condition="CreateAdministrationRole",
        RoleName=ADMINISTRATION_ROLE,
        AssumeRolePolicyDocument=iam.service_trust("cloudformation.amazonaws.com"),
    ):
        template.add_resource(resource)
    template.add_resource(
        _tagged(
            spec,
            Role(
                EXECUTION_ROLE_ID,
                Condition="CreateExecutionRole",
                RoleName=EXECUTION_ROLE,
                AssumeRolePolicyDocument=_account_trust(
                    Sub("arn:${AWS::Partition}:iam::${AdministratorAccountId}:root")
                ),
                ManagedPolicyArns=[Sub(EXECUTION_POLICY)],
            ),
        )
    )
    for resource in artifact_resources(spec, condition=CREATE_ARTIFACT_BUCKET):
        template.add_resource(resource)
    return template.to_dict()


def artifacts_template(spec: Spec) -> dict[str, Any]:
    """The bootstrap StackSet's template: one artifact bucket per account and region."""
    template = _template(f"artifact bucket of {spec.app} {spec.environment}")
    for resource in artifact_resources(spec):
        template.add_resource(resource)
    template.add_output(Output("ArtifactBucketName", Value=Ref(ARTIFACT_BUCKET)))
    template.add_output(Output("ArtifactKeyArn", Value=GetAtt(ARTIFACT_KEY, "Arn")))
    return template.to_dict()


def organization_artifacts_template(spec: Spec, organization: str) -> dict[str, Any]:
    """Service-managed: the administering account's artifact bucket of one region, readable
    across the organization."""
    template = _template(
        f"artifacts of {spec.app} {spec.environment}, readable by the organization"
    )
    for resource in artifact_resources(spec, organization=organization):
        template.add_resource(resource)
    template.add_output(Output("ArtifactBucketName", Value=Ref(ARTIFACT_BUCKET)))
    return template.to_dict()


def output_reader_template(spec: Spec, administering_account: str) -> dict[str, Any]:
    """Service-managed: in every target account, a role that lets the administering account
    read the stacks of this app's StackSets (their outputs feed later waves), and nothing else.
    Service-managed StackSets need no administration or execution role of ours: StackSets
    creates its own in the organization's accounts."""
    template = _template(f"output reader of {spec.app} {spec.environment}")
    stacks = Sub(
        f"arn:${{AWS::Partition}}:cloudformation:*:${{AWS::AccountId}}:stack/StackSet-{spec.app}-*"
    )
    for resource in _role_with_policy(
        spec,
        "OutputReaderRole",
        [_allow([DescribeStacks], stacks)],
        RoleName=output_reader_role(spec),
        AssumeRolePolicyDocument=_account_trust(
            Sub(f"arn:${{AWS::Partition}}:iam::{administering_account}:root")
        ),
    ):
        template.add_resource(resource)
    return template.to_dict()


def artifact_resources(
    spec: Spec, condition: str | None = None, organization: str | None = None
) -> list[AWSObject]:
    """The artifact bucket and its key, named for the region the template is deployed in.

    With `organization` (service-managed), every principal of that organization may read the
    artifacts and decrypt them through S3: templates in every target account name this bucket.
    """
    # One template serves every region of the StackSet, so the region in the name is the
    # pseudo parameter: naming.artifact_bucket gives exactly the names `deploy` uploads to.
    bucket_name = artifact_bucket(spec, "${AWS::Region}")
    # RetainExceptOnCreate: kept on every stack operation but the rollback of the create that
    # made it, so a failed first bootstrap can be rerun without the bucket's fixed name being
    # taken (DR022; DeletionPolicy attribute, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
    # UpdateReplacePolicy has no such value.
    kept = {"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"}
    conditional = {"Condition": condition} if condition else {}
    key = Key(
        ARTIFACT_KEY,
        Description=f"dr-compiler artifacts of {spec.app} {spec.environment}",
        EnableKeyRotation=True,
        KeyPolicy=iam.policy(
            [
                Statement(
                    Sid="AccountAdministers",
                    Effect=Allow,
                    Principal=Principal(
                        "AWS", Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
                    ),
                    Action=[Action("kms", "*")],
                    Resource=["*"],
                ),
                *_organization_decrypts(organization),
            ]
        ),
        **kept,
        **conditional,
    )
    alias = Alias(
        "ArtifactKeyAlias",
        AliasName=f"alias/{physical_name(spec, 'artifacts')}",
        TargetKeyId=Ref(ARTIFACT_KEY),
        **conditional,
    )
    bucket = Bucket(
        ARTIFACT_BUCKET,
        BucketName=Sub(bucket_name),
        **bucket_protection(GetAtt(ARTIFACT_KEY, "Arn")),
        LifecycleConfiguration=LifecycleConfiguration(
            Rules=[
                LifecycleRule(
                    # Keys are content hashes: a noncurrent version is never read again.
                    Id="ExpireNoncurrentArtifacts",
                    Status="Enabled",
                    NoncurrentVersionExpiration=NoncurrentVersionExpiration(
                        NoncurrentDays=NONCURRENT_ARTIFACT_DAYS
                    ),
                    AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(
                        DaysAfterInitiation=INCOMPLETE_UPLOAD_DAYS
                    ),
                )
            ]
        ),
        **kept,
        **conditional,
    )
    artifacts = [GetAtt(ARTIFACT_BUCKET, "Arn"), Sub(f"${{{ARTIFACT_BUCKET}.Arn}}/*")]
    policy = BucketPolicy(
        "ArtifactBucketPolicy",
        Bucket=Ref(ARTIFACT_BUCKET),
        PolicyDocument=iam.policy(
            [iam.tls_only_statement("s3", artifacts), *_organization_reads(organization)]
        ),
        **conditional,
    )
    return [_tagged(spec, key), alias, _tagged(spec, bucket), policy]


# aws:PrincipalOrgID matches every principal of the organization's accounts, the StackSets roles
# included (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid);
# a policy that grants only to a fixed aws:PrincipalOrgID is not public, so Block Public Access
# stays on (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).


def _organization_reads(organization: str | None) -> list[Statement]:
    if organization is None:
        return []
    return [
        Statement(
            Sid="OrganizationReadsArtifacts",
            Effect=Allow,
            Principal=Principal(Everybody),
            Action=[GetObject],
            Resource=[Sub(f"${{{ARTIFACT_BUCKET}.Arn}}/*")],
            Condition=Condition(StringEquals("aws:PrincipalOrgID", organization)),
        )
    ]


def _organization_decrypts(organization: str | None) -> list[Statement]:
    if organization is None:
        return []
    return [
        Statement(
            Sid="OrganizationDecryptsArtifactsThroughS3",
            Effect=Allow,
            Principal=Principal("AWS", "*"),
            Action=[Decrypt],
            Resource=["*"],
            Condition=Condition(
                StringEquals(
                    {
                        "aws:PrincipalOrgID": organization,
                        "kms:ViaService": Sub("s3.${AWS::Region}.amazonaws.com"),
                    }
                )
            ),
        )
    ]


def _role_with_policy(
    spec: Spec, role_id: str, statements: list[Statement], **role: Any
) -> list[AWSObject]:
    """A bootstrap role with its own customer managed policy, like every compiled role
    (iam.role_with_policy); a conditional role's policy shares its condition, and the role
    carries the spec's tags (a managed policy takes none)."""
    policy, created_role = iam.role_with_policy(role_id, statements, **role)
    if "Condition" in role:
        policy.Condition = role["Condition"]
    return [policy, _tagged(spec, created_role)]


def _allow(actions: list[Action], resource: Any) -> Statement:
    return Statement(Effect=Allow, Action=actions, Resource=[resource])


def _account_trust(account_root: Sub) -> Policy:
    return iam.policy(
        [Statement(Effect=Allow, Principal=Principal("AWS", account_root), Action=[AssumeRole])]
    )


@dataclass(frozen=True)
class Accepted:
    """A finding of a template rule on a bootstrap resource that the bootstrap keeps on
    purpose, and why (the build's templates have none: they follow every rule or a waiver)."""

    rule_id: str
    logical_id: str
    reason: str


ACCEPTED: tuple[Accepted, ...] = (
    Accepted("DR001", ADMINISTRATION_ROLE_ID, _SHARED_ROLES),
    Accepted("DR001", EXECUTION_ROLE_ID, _SHARED_ROLES),
    Accepted(
        "DR081",
        EXECUTION_ROLE_ID,
        "AWS's documented StackSet execution role holds AdministratorAccess: it creates every "
        "resource type the compiled templates use, and only the administration role of the "
        "administering account may assume it "
        "(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html)",
    ),
    Accepted(
        "DR085",
        ARTIFACT_BUCKET,
        "the artifact bucket holds the compiler's own output (function zips and templates "
        "under content-hash keys that the templates name), no application data; access logs "
        "would need a log bucket of their own in every account and region",
    ),
)

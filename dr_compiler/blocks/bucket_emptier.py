"""The custom resource that empties a bucket before a force_destroy stack deletes it."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

BUCKET_EMPTIER = ResourceKind("Custom::BucketEmptier", "bucket emptier")
# A custom resource may also be declared with this type instead of a Custom:: name
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html).
CUSTOM_RESOURCE = ResourceKind("AWS::CloudFormation::CustomResource", "custom resource")
CUSTOM_PREFIX = "Custom::"

BLOCK = Block("bucket emptier", (BUCKET_EMPTIER, CUSTOM_RESOURCE))

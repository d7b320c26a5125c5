"""The web ACL in front of the API's load balancer, and its logging."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

WEB_ACL = ResourceKind("AWS::WAFv2::WebACL", "web ACL")
WEB_ACL_ASSOCIATION = ResourceKind("AWS::WAFv2::WebACLAssociation", "web ACL association")
LOGGING_CONFIGURATION = ResourceKind("AWS::WAFv2::LoggingConfiguration", "web ACL logging")

BLOCK = Block(
    "web ACL", (WEB_ACL, WEB_ACL_ASSOCIATION, LOGGING_CONFIGURATION), spec_collection="api"
)

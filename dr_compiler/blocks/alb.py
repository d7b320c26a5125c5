"""The API's Application Load Balancer in each region."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

LOAD_BALANCER = ResourceKind(
    "AWS::ElasticLoadBalancingV2::LoadBalancer", "load balancer", name_properties=("Name",)
)
TARGET_GROUP = ResourceKind(
    "AWS::ElasticLoadBalancingV2::TargetGroup", "target group", name_properties=("Name",)
)
LISTENER = ResourceKind("AWS::ElasticLoadBalancingV2::Listener", "listener")
LISTENER_RULE = ResourceKind("AWS::ElasticLoadBalancingV2::ListenerRule", "listener rule")

BLOCK = Block(
    "API load balancer",
    (LOAD_BALANCER, TARGET_GROUP, LISTENER, LISTENER_RULE),
    spec_collection="api",
)

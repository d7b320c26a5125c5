"""SNS topics: each region's alert topic and its subscriptions."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

TOPIC = ResourceKind("AWS::SNS::Topic", "topic", name_properties=("TopicName",))
SUBSCRIPTION = ResourceKind("AWS::SNS::Subscription", "subscription")

BLOCK = Block("topic", (TOPIC, SUBSCRIPTION), spec_collection="monitoring")

"""CloudWatch alarms: the failover triggers and every component's health alarms."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

ALARM = ResourceKind("AWS::CloudWatch::Alarm", "alarm", name_properties=("AlarmName",))

BLOCK = Block("alarm", (ALARM,), spec_collection="monitoring")

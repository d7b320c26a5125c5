"""DynamoDB: one global table per spec table, with a replica in every region (DR041).

A single AWS::DynamoDB::GlobalTable in the PRIMARY stack creates and manages every replica, so
secondaries carry no table resource. Each replica has point-in-time recovery and is encrypted
with its own region's customer key. A secondary's key is reached by its alias ARN, which the
replica SSE specification accepts ("key ID, ARN, alias name, or alias ARN"; the key must be in
the replica's region); the alias lives in that secondary's BASE stack, hence the Requires.

The assembler's tagger skips GlobalTable (tags are per replica), so replicas are tagged here.

Every table has a stream of the spec's view type (`stream`, default NEW_AND_OLD_IMAGES).
AWS::DynamoDB::GlobalTable StreamSpecification: "You must specify a value for this property
for a [...] resource configured for MREC with more than one entry in Replicas", and the value
can change only while the table has one replica (MRSC tables need none and may change it)
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-globaltable-streamspecification.html).
Keeping one on every table keeps DR041 simple and lets a function consume it.

Multi-Region strong consistency (consistency: strong) has constraints the spec policies must
enforce before this point: exactly three replicas (or two replicas and a witness) within one
region set (US: us-east-1, us-east-2, us-west-2), and the mode cannot change once created.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from troposphere import AWSHelperFn, AWSObject, GetAtt, Output, Ref
from troposphere.dynamodb import (
    AttributeDefinition,
    GlobalTable,
    GlobalTableGlobalSecondaryIndex,
    GlobalTableSSESpecification,
    KeySchema,
    PointInTimeRecoverySpecification,
    Projection,
    ReplicaSpecification,
    ReplicaSSESpecification,
    StreamSpecification,
    TimeToLiveSpecification,
)

from dr_compiler import blocks
from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, Requires, Sourced, StackContext, StackId, sourced
from dr_compiler.compiler.naming import table_name
from dr_compiler.compiler.services import kms
from dr_compiler.compiler.tagging import sorted_tags, spec_tags
from dr_compiler.model import Key, Table, TableIndex


def build(ctx: StackContext) -> Iterator[AWSObject | Output | Requires | Sourced]:
    if ctx.phase is not Phase.PRIMARY or not ctx.spec.tables:
        return
    for region in ctx.spec.regions.secondaries:
        yield Requires(StackId(Phase.BASE, region), "replica KMS key alias exists")
    for table in ctx.spec.tables:
        yield from sourced([_global_table(ctx, table)], "tables", table.index)
        yield from _outputs(table)


def _key_roles(partition: Key, sort: Key | None) -> list[tuple[Key, str]]:
    return [(partition, "HASH"), *([(sort, "RANGE")] if sort else [])]


def _key_schema(keys: list[tuple[Key, str]]) -> list[KeySchema]:
    return [KeySchema(AttributeName=key.name, KeyType=role) for key, role in keys]


def _index(index: TableIndex) -> GlobalTableGlobalSecondaryIndex:
    # On-demand tables take no throughput for their indexes either.
    return GlobalTableGlobalSecondaryIndex(
        IndexName=index.name,
        KeySchema=_key_schema(_key_roles(index.partition_key, index.sort_key)),
        Projection=Projection(ProjectionType=index.projection.upper()),
    )


def _extras(table: Table) -> dict[str, Any]:
    """TTL and indexes, when the table has them: a GlobalTable applies both to every
    replica (AWS::DynamoDB::GlobalTable, TimeToLiveSpecification and
    GlobalSecondaryIndexes,
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-globaltable.html)."""
    extras: dict[str, Any] = {}
    if table.ttl_attribute is not None:
        extras["TimeToLiveSpecification"] = TimeToLiveSpecification(
            AttributeName=table.ttl_attribute, Enabled=True
        )
    if table.indexes:
        extras["GlobalSecondaryIndexes"] = [_index(index) for index in table.indexes]
    return extras


def _global_table(ctx: StackContext, table: Table) -> GlobalTable:
    keys = _key_roles(table.partition_key, table.sort_key)
    # Every key attribute of the table and its indexes is defined once.
    attributes = {key.name: key.type for key, _ in keys}
    for index in table.indexes:
        for key, _ in _key_roles(index.partition_key, index.sort_key):
            attributes.setdefault(key.name, key.type)
    strong = {"MultiRegionConsistency": "STRONG"} if table.consistency == "strong" else {}
    return GlobalTable(
        ids.table(table.name),
        TableName=table_name(ctx.spec, table.name),
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            AttributeDefinition(AttributeName=name, AttributeType=kind)
            for name, kind in attributes.items()
        ],
        KeySchema=_key_schema(keys),
        **_extras(table),
        StreamSpecification=StreamSpecification(StreamViewType=table.stream.upper()),
        SSESpecification=GlobalTableSSESpecification(SSEEnabled=True, SSEType="KMS"),
        Replicas=[_replica(ctx, region) for region in ctx.spec.regions.all],
        **ctx.data_policies(blocks.dynamodb.GLOBAL_TABLE),
        **strong,
    )


def _replica(ctx: StackContext, region: str) -> ReplicaSpecification:
    tags = spec_tags(ctx.spec)
    return ReplicaSpecification(
        Region=region,
        PointInTimeRecoverySpecification=PointInTimeRecoverySpecification(
            PointInTimeRecoveryEnabled=True
        ),
        SSESpecification=ReplicaSSESpecification(KMSMasterKeyId=_replica_key(ctx, region)),
        DeletionProtectionEnabled=ctx.spec.metadata.production,
        Tags=sorted_tags(tags),
    )


def _replica_key(ctx: StackContext, region: str) -> AWSHelperFn:
    if region == ctx.region:
        return ctx.key_arn
    return kms.key_alias_arn(ctx, region)


def _outputs(table: Table) -> Iterator[Output]:
    logical_id = ids.table(table.name)
    yield Output(f"{logical_id}Name", Value=Ref(logical_id), Description=f"{table.name} table name")
    yield Output(
        f"{logical_id}Arn",
        Value=GetAtt(logical_id, "Arn"),
        Description=f"{table.name} table ARN (primary replica)",
    )

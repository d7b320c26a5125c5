"""What handles every store reads the store blocks: `Block.instances` gives a spec's stores of
a block, and the backup selection, the objective estimates and the diagram have a function
for each store block (a new store kind without one fails here, not in a user's build)."""

from __future__ import annotations

import pytest

from dr_compiler import blocks
from dr_compiler.blocks.descriptor import Keeps
from dr_compiler.compiler.services.backup import STORE_ARNS
from dr_compiler.model import Objective
from dr_compiler.objectives.estimators import STORE_ESTIMATORS
from dr_compiler.pipeline import load_model
from dr_compiler.topology.build import STORE_NODES
from tests.specbuild import ORDERS_SPEC, PROD_SPEC

DATABASE, TABLE, BUCKET, QUEUE = "Aurora global database", "DynamoDB table", "bucket", "queue"


def test_the_stores_are_the_blocks_holding_a_specs_data() -> None:
    """Every block whose instances come from the spec and hold something is a store, but
    backup: its vaults hold copies of the stores."""
    holding = [
        block.name
        for block in blocks.BLOCKS
        if block.spec_collection is not None
        and any(kind.keeps is not Keeps.NOTHING for kind in block.resources)
    ]
    assert holding == [DATABASE, TABLE, BUCKET, QUEUE, "backup"]
    assert [block.name for block in blocks.STORES] == [DATABASE, TABLE, BUCKET, QUEUE]
    assert [block.name for block in blocks.BACKED_UP] == [DATABASE, TABLE, BUCKET]
    assert [block.name for block in blocks.JUDGED_STORES] == [DATABASE, TABLE, BUCKET]
    assert [block.component for block in blocks.JUDGED_STORES] == ["database", "tables", "buckets"]


def test_each_consumer_has_a_function_per_store_block() -> None:
    assert list(STORE_ARNS) == [block.name for block in blocks.BACKED_UP]
    assert list(STORE_ESTIMATORS) == [block.name for block in blocks.JUDGED_STORES]
    assert list(STORE_NODES) == [block.name for block in blocks.STORES]


def test_instances_are_the_specs_components_of_a_block() -> None:
    prod, orders = load_model(PROD_SPEC), load_model(ORDERS_SPEC)
    assert prod.database is not None
    assert blocks.aurora.BLOCK.instances(prod) == (prod.database,)
    assert blocks.aurora.BLOCK.instances(orders) == ()
    assert blocks.dynamodb.BLOCK.instances(prod) == prod.tables != ()
    assert blocks.s3.BLOCK.instances(prod) == prod.buckets != ()
    assert blocks.sqs.BLOCK.instances(orders) == orders.queues != ()
    assert blocks.kms.BLOCK.instances(prod) == ()


def test_a_blocks_objective_is_its_components_else_the_specs() -> None:
    prod = load_model(PROD_SPEC)
    assert blocks.s3.BLOCK.objective(prod) == Objective(rto_seconds=300, rpo_seconds=900)
    assert blocks.backup.BLOCK.objective(prod) == Objective(rto_seconds=300, rpo_seconds=3600)
    assert blocks.aurora.BLOCK.objective(prod) == Objective(rto_seconds=300, rpo_seconds=5)
    with pytest.raises(ValueError, match=r"^queue is judged under no objective component$"):
        blocks.sqs.BLOCK.objective(prod)

from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import (
    compiled_prod,
    set_findings,
    summary,
    template_findings,
    with_defect,
)

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"
PRIMARY = "templates_out/prod/us-east-1.json"


def test_retained_resources_with_fixed_names_fail() -> None:
    findings = template_findings("DR022", HERE / BAD)
    assert summary(findings) == {
        ("DR022", "PaymentsQueue", f"{BAD}: PaymentsQueue.DeletionPolicy"),
        ("DR022", "DocumentsBucket", f"{BAD}: DocumentsBucket.DeletionPolicy"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["PaymentsQueue"] == (
        "PaymentsQueue (AWS::SQS::Queue) has a fixed QueueName and DeletionPolicy Retain: if its "
        "stack's first create fails, the rollback keeps it and the rerun fails with "
        "AlreadyExists; use RetainExceptOnCreate"
    )


def test_retain_except_on_create_snapshot_and_generated_names_pass() -> None:
    assert template_findings("DR022", HERE / "good.us-east-1.primary.json") == []


def test_the_compiled_prod_templates_pass() -> None:
    assert set_findings("DR022", compiled_prod()) == []


def test_plain_retain_put_back_on_a_compiled_queue_fails() -> None:
    def retain(body: dict) -> None:
        body["Resources"]["PaymentsQueue"]["DeletionPolicy"] = "Retain"

    findings = set_findings("DR022", with_defect(compiled_prod(), PRIMARY, retain))
    assert summary(findings) == {
        ("DR022", "PaymentsQueue", f"{PRIMARY}: PaymentsQueue.DeletionPolicy"),
    }
    # The finding points back at the spec line of the queue.
    assert findings[0].location == compiled_prod().spec.locate("queues", 0)

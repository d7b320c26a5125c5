from __future__ import annotations

import copy
from pathlib import Path

from dr_compiler.pipeline import compile_with_packages, load_model, template_set
from dr_compiler.policies.engine import check_templates
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import TemplateSet
from tests.policies.ruletest import CLEAN_SPEC, summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-west-2.attach.json"


def test_a_secondary_started_only_from_us_east_1_or_by_a_route53_alarm_fails() -> None:
    findings = template_findings("DR062", HERE / BAD)
    assert summary(findings) == {
        ("DR062", "FailoverTriggerFunction", f"{BAD}: FailoverTriggerFunction"),
        ("DR062", "SecondSubscription", f"{BAD}: SecondSubscription"),
        ("DR062", "SecondTopic", f"{BAD}: SecondTopic"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["FailoverTriggerFunction"] == (
        "failover function FailoverTriggerFunction in us-west-2 is subscribed to no SNS topic "
        "of its own region: only another region's control plane can start it"
    )
    assert messages["SecondSubscription"] == (
        "topic SecondTopic cannot invoke SecondFunction: no Lambda permission for "
        "sns.amazonaws.com with SourceArn SecondTopic"
    )
    assert messages["SecondTopic"] == (
        "topic SecondTopic in us-west-2 never starts SecondFunction: its alarm SecondAlarm "
        "watches Route53 metrics, which exist only in us-east-1"
    )


def test_a_secondary_without_a_failover_function_fails_at_the_spec_region() -> None:
    findings = template_findings(
        "DR062", HERE / "nofunction.us-west-2.attach.json", spec_file=CLEAN_SPEC
    )
    base = (CLEAN_SPEC.parents[3] / "specs" / "base.yaml").resolve()
    assert summary(findings) == {("DR062", "us-west-2", f"{base}:21:17")}
    assert findings[0].message == (
        "secondary region us-west-2 has no failover function of its own: a failover to it "
        "depends on another region"
    )


def test_a_manual_failover_needs_no_trigger_path() -> None:
    assert template_findings("DR062", HERE / BAD, spec_file=HERE / "manual.yaml") == []


def test_a_regional_probe_alarm_topic_subscription_and_permission_pass() -> None:
    assert template_findings("DR062", HERE / "good.us-west-2.attach.json") == []
    assert (
        template_findings("DR062", HERE / "good.us-west-2.attach.json", spec_file=CLEAN_SPEC) == []
    )


def test_the_compiled_path_fails_when_its_subscription_is_removed_by_hand() -> None:
    spec = load_model(CLEAN_SPEC)
    compiled, _ = compile_with_packages(spec)
    templates = template_set(compiled)
    assert check_templates(templates, [rule("DR062")]) == []
    docs = []
    for doc in templates.templates:
        body = copy.deepcopy(dict(doc.body))
        body["Resources"].pop("FailoverTopicSubscription", None)
        docs.append(type(doc)(doc.file, doc.region, doc.phase, body, doc.sources))
    findings = check_templates(TemplateSet(tuple(docs), spec), [rule("DR062")])
    assert summary(findings) == {
        (
            "DR062",
            "FailoverTriggerFunction",
            "templates_out/test/us-west-2-attach.json: FailoverTriggerFunction",
        )
    }


def test_a_region_switch_plan_needs_no_topic_path_to_a_function() -> None:
    spec = HERE / "region_switch.yaml"
    assert template_findings("DR062", HERE / BAD, spec_file=spec) == []

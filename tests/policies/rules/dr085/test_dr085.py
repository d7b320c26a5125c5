from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import spec_findings, summary, template_findings
from tests.specbuild import PROD_SPEC, base_line

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_unlogged_buckets_silent_load_balancers_and_a_log_bucket_that_forgets_fail() -> None:
    findings = template_findings("DR085", HERE / BAD)
    assert summary(findings) == {
        ("DR085", "UnloggedBucket", f"{BAD}: UnloggedBucket.LoggingConfiguration"),
        ("DR085", "ForeverLogBucket", f"{BAD}: ForeverLogBucket.VersioningConfiguration"),
        ("DR085", "ForeverLogBucket", f"{BAD}: ForeverLogBucket.BucketEncryption"),
        ("DR085", "ForeverLogBucket", f"{BAD}: ForeverLogBucket.LifecycleConfiguration"),
        ("DR085", "SilentLoadBalancer", f"{BAD}: SilentLoadBalancer.LoadBalancerAttributes"),
    }
    messages = {(f.resource, f.template.property_path[0]): f.message for f in findings}
    assert messages[("ForeverLogBucket", "LifecycleConfiguration")] == (
        "log bucket ForeverLogBucket has no enabled lifecycle rule that expires logs "
        "(ExpirationInDays): logs are kept for a stated retention, not for ever"
    )


def test_logged_buckets_and_a_load_balancer_logging_to_another_stacks_bucket_pass() -> None:
    # The attach stack's load balancer names the base stack's log bucket by its name: the
    # rule recognises that bucket as a log bucket across templates.
    files = (HERE / "good.us-west-2.base.json", HERE / "good.us-west-2.attach.json")
    assert template_findings("DR085", *files) == []


def test_shipped_prod_templates_pass() -> None:
    from tests.policies.ruletest import compiled_prod, set_findings

    assert set_findings("DR085", compiled_prod()) == []


def test_production_keeping_less_than_a_year_of_logs_fails_at_each_setting() -> None:
    findings = spec_findings("DR085", HERE / "short_retention.yaml")
    assert summary(findings) == {
        ("DR085", "monitoring.log_retention_days", base_line("monitoring", "log_retention_days")),
        (
            "DR085",
            "network.flow_logs_retention_days",
            base_line("network", "flow_logs_retention_days"),
        ),
    }
    assert sorted(f.message for f in findings)[0] == (
        "monitoring.log_retention_days is 30 days: a production environment keeps 365 days of "
        "logs (PCI DSS 10.5.1); set it to 365 or more"
    )


def test_shipped_production_specs_keep_a_year_of_logs() -> None:
    assert spec_findings("DR085", PROD_SPEC) == []
    assert spec_findings("DR085", PROD_SPEC.parent / "orders" / "prod.yaml") == []

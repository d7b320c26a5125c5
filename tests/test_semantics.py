"""Mistakes the schema layer catches by meaning: each case is the YAML a user writes, and the
exact line, column and message `validate` reports for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dr_compiler.loader import load_spec
from dr_compiler.schedules import schedule_problem
from dr_compiler.schema import validate
from dr_compiler.semantics import rotation_days
from tests.specbuild import CLEAN_SPEC

REPO = Path(__file__).resolve().parents[1]


def problems(tmp_path: Path, yaml_text: str) -> list[str]:
    """Problems of the clean spec plus `yaml_text`, as `line:col: message` (this file only)."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"extends: {CLEAN_SPEC.resolve()}\n{yaml_text}", encoding="utf-8")
    found = validate(load_spec(spec))
    assert all(p.location.file == str(spec) for p in found), found
    return [f"{p.location.line}:{p.location.column}: {p.message}" for p in found]


# Three functions: the API and failover functions the clean spec names, and a worker whose
# environment and secrets a case adds (its `environment:` is on line 9).
WORKER = (
    "functions:\n"
    "  - {name: payment-api, source: functions/payment_api, handler: handler.main}\n"
    "  - {name: failover-trigger, source: functions/failover_trigger, handler: handler.main}\n"
    "  - name: worker\n"
    "    source: functions/payment_processor\n"
    "    handler: handler.main\n"
)
ENV_NAME_RULE = (
    "An environment variable name: a letter, then letters, digits or '_', two characters at "
    "least; not one Lambda reserves (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, TZ, ...) or the "
    "compiler sets (APP, ENVIRONMENT, PRIMARY_REGION, HEALTH_URL, GLOBAL_CLUSTER_ID, "
    "ALERT_TOPIC_ARN, METRIC_NAMESPACE, PRIMARY_API_ADDRESS, ALLOW_DATA_LOSS, FAILOVER_AHEAD, "
    "TABLE_*, QUEUE_*, BUCKET_*, DB_*)."
)

CASES = {
    "cron with five fields": (
        "backup:\n  schedule: cron(0 * * * ?)\n",
        "3:13: backup.schedule: cron has 5 fields separated by single spaces; EventBridge "
        "needs six: minutes hours day-of-month month day-of-week year, e.g. cron(0 * * * ? *) "
        "(EventBridge schedule syntax)",
    ),
    "cron minute out of range": (
        "backup:\n  schedule: cron(60 * * * ? *)\n",
        "3:13: backup.schedule: cron minutes '60': minutes is 0-59 (EventBridge schedule syntax)",
    ),
    "cron with both day fields": (
        "backup:\n  schedule: cron(0 12 * * MON *)\n",
        "3:13: backup.schedule: cron day-of-month '*' and day-of-week 'MON': exactly one of "
        "them must be ?, e.g. cron(0 12 * * ? *) or cron(0 12 ? * MON *) "
        "(EventBridge schedule syntax)",
    ),
    "cron month name misspelt": (
        "backup:\n  schedule: cron(0 12 1 JANUARY ? *)\n",
        "3:13: backup.schedule: cron month 'JANUARY': month is 1-12 or JAN-DEC "
        "(EventBridge schedule syntax)",
    ),
    "rate with a plural unit for 1": (
        "functions:\n"
        "  - {name: payment-api, source: functions/payment_api, handler: handler.main}\n"
        "  - {name: failover-trigger, source: functions/failover_trigger, handler: handler.main}\n"
        "  - name: monitor\n"
        "    source: functions/health_monitor\n"
        "    handler: handler.main\n"
        "    schedule: rate(1 minutes)\n",
        "8:15: functions[2].schedule: rate(1 minutes): the unit is singular for 1 and plural "
        "otherwise; write rate(1 minute) (EventBridge schedule syntax)",
    ),
    "VPC too small for the subnet layout": (
        "network:\n  cidrs:\n    us-east-1: 10.0.0.0/26\n",
        "4:16: network.cidrs.us-east-1: 10.0.0.0/26 is too small for 8 subnets of at least "
        "/28: use /25 or larger",
    ),
    "CIDR with host bits": (
        "network:\n  cidrs:\n    us-west-2: 10.1.0.1/16\n",
        "4:16: network.cidrs.us-west-2: 10.1.0.1/16 is not a network address: "
        "10.1.0.1/16 has host bits set",
    ),
    "zone reserved for documentation": (
        "dns:\n  zone: shop.example.org\n",
        "3:9: dns.zone: shop.example.org is under example.org, reserved for documentation "
        "(RFC 2606): Route 53 refuses to create its hosted zone; use a domain you own, or name "
        "an existing hosted zone with dns.hosted_zone_id",
    ),
    "zone under a reserved top-level domain": (
        "dns:\n  zone: payments.test\n",
        "3:9: dns.zone: payments.test is under .test, reserved for documentation (RFC 2606): "
        "Route 53 refuses to create its hosted zone; use a domain you own, or name an "
        "existing hosted zone with dns.hosted_zone_id",
    ),
    "DNS name over 253 characters": (
        "dns:\n  zone: " + ".".join(["a" * 50] * 5) + ".net\n",
        "3:9: dns.zone: the API name api.<zone> is 262 characters; DNS names are at most 253: "
        "shorten the zone or the record",
    ),
    "DNS label over 63 characters": (
        "dns:\n  zone: " + "a" * 64 + ".net\n",
        f"3:9: dns.zone: {'a' * 64 + '.net'!r} is not valid: Hosted zone domain name: "
        "dot-separated lowercase labels of at most 63 characters each, e.g. "
        "payments.acmecorp.net. Route 53 refuses names reserved for documentation "
        "(example.com, .test, ...).",
    ),
    "ACU not a half step": (
        "database:\n  serverless_v2: {min_acu: 0.5, max_acu: 16.3}\n",
        "3:42: database.serverless_v2.max_acu: 16.3 is not a multiple of 0.5",
    ),
    "ACU below the Serverless v2 floor": (
        "database:\n  serverless_v2: {min_acu: 0, max_acu: 16}\n",
        "3:28: database.serverless_v2.min_acu: 0 is less than the minimum of 0.5",
    ),
    "ACU above the Serverless v2 ceiling": (
        "database:\n  serverless_v2: {min_acu: 0.5, max_acu: 512}\n",
        "3:42: database.serverless_v2.max_acu: 512 is greater than the maximum of 256",
    ),
    "function environment over Lambda's 4 KB": (
        WORKER + "    environment:\n      RULES: " + "x" * 4010 + "\n"
        "    secrets:\n      RATES_ARN: {ssm: /payments/rates}\n",
        # 5 + 4010 bytes of RULES, 9 of its name + 77 of the parameter's longest ARN.
        "9:7: functions[2].environment: the variables this function sets take up to 4101 bytes "
        "(names, values and each secret's ARN); Lambda allows 4096 bytes for all of a "
        "function's variables, the compiler's own included: move large values to a bucket or "
        "a parameter",
    ),
    "variable both literal and secret": (
        WORKER + "    environment:\n      RATES_ARN: x\n"
        "    secrets:\n      RATES_ARN: {ssm: /payments/rates}\n",
        "11:18: functions[2].secrets.RATES_ARN: RATES_ARN is also in environment: a variable "
        "holds either a literal or a secret's ARN",
    ),
    "variable name Lambda reserves": (
        WORKER + "    environment:\n      AWS_REGION: eu-west-1\n",
        f"9:7: functions[2].environment: 'AWS_REGION' is not a valid name: {ENV_NAME_RULE}",
    ),
    "variable name the compiler sets": (
        WORKER + "    secrets:\n      TABLE_RATES: {ssm: /payments/rates}\n",
        f"9:7: functions[2].secrets: 'TABLE_RATES' is not a valid name: {ENV_NAME_RULE}",
    ),
    "max ACU below min ACU": (
        "database:\n  serverless_v2: {min_acu: 8, max_acu: 4}\n",
        "3:40: database.serverless_v2.max_acu: 4 is less than min_acu 8",
    ),
    "rotation on service-managed StackSets": (
        "deployment:\n"
        "  accounts: []\n"
        "  permission_model: service_managed\n"
        "  organizational_units: [ou-ab12-abcdefgh]\n"
        '  administration_account: "333333333333"\n'
        "database:\n"
        "  rotation_days: 30\n",
        "8:18: database.rotation_days: rotation every 30 days: service-managed StackSets "
        "cannot expand the AWS::SecretsManager transform that Secrets Manager hosted rotation "
        "needs (CreateStackSet refuses macros for them): set database.rotation_days: 0 and "
        "waive DR087 with the reason, or deploy self_managed",
    ),
}


@pytest.mark.parametrize(("yaml_text", "expected"), CASES.values(), ids=CASES.keys())
def test_mistake_is_reported_at_its_line(tmp_path: Path, yaml_text: str, expected: str) -> None:
    assert problems(tmp_path, yaml_text) == [expected]


def test_an_existing_zone_may_have_any_name(tmp_path: Path) -> None:
    yaml_text = "dns:\n  zone: payments.example.com\n  hosted_zone_id: Z0123456789ABCDEFGHIJ\n"
    assert problems(tmp_path, yaml_text) == []


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 day)",
        "cron(0 * * * ? *)",
        "cron(0/15 8-17 ? * MON-FRI *)",
        "cron(0 12 L * ? *)",
        "cron(0 12 15W * ? *)",
        "cron(0 12 ? * 6L *)",
        "cron(0 12 ? * FRI#3 2030-2035)",
        "cron(30 2 1,15 JAN,JUL ? *)",
    ],
)
def test_valid_schedules_pass(expression: str) -> None:
    assert schedule_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("rate(0 minutes)", "rate value '0' is not a whole number of at least 1"),
        (
            "rate(2 minute)",
            "rate(2 minute): the unit is singular for 1 and plural otherwise; "
            "write rate(2 minutes)",
        ),
        ("rate(1 week)", "rate unit 'week' is not minute(s), hour(s) or day(s)"),
        ("cron(0 24 * * ? *)", "cron hours '24': hours is 0-23"),
        ("cron(0 0 32 * ? *)", "cron day-of-month '32': day-of-month is 1-31"),
        ("cron(0 0 ? * 8 *)", "cron day-of-week '8': day-of-week is 1-7 or SUN-SAT"),
        ("cron(0 0 ? * MON/2 *)", "cron day-of-week 'MON/2': day-of-week takes no / step"),
        ("cron(0 0 ? ? * *)", "cron month '?': only day-of-month and day-of-week take ?"),
        (
            "cron(0 0 ? * ? *)",
            "cron day-of-month '?' and day-of-week '?': exactly one of them "
            "must be ?, e.g. cron(0 12 * * ? *) or cron(0 12 ? * MON *)",
        ),
        ("cron(0 0 1 * ? 2300)", "cron year '2300': year is 1970-2199"),
        (
            "cron(0 18-9 * * ? *)",
            "cron hours '18-9': a range runs from the lower value to the higher",
        ),
        (
            "cron(*/0 * * * ? *)",
            "cron minutes '*/0': the step after / is a whole number of at least 1",
        ),
        (
            "every 5 minutes",
            "'every 5 minutes' is neither rate(value unit) nor cron(minutes "
            "hours day-of-month month day-of-week year)",
        ),
    ],
)
def test_invalid_schedules_say_what_is_wrong(expression: str, problem: str) -> None:
    assert schedule_problem(expression) == problem


def test_service_managed_stack_sets_may_keep_rotation_off(tmp_path: Path) -> None:
    yaml_text = (
        "deployment:\n  accounts: []\n  permission_model: service_managed\n"
        '  organizational_units: [ou-ab12-abcdefgh]\n  administration_account: "333333333333"\n'
        "database:\n  rotation_days: 0\n"
    )
    assert problems(tmp_path, yaml_text) == []


def test_production_rotates_by_default_so_service_managed_production_is_told_why(
    tmp_path: Path,
) -> None:
    """A production spec that says nothing of rotation rotates every 30 days, so the error
    names the permission model (the line that makes it impossible)."""
    base = (REPO / "specs" / "base.yaml").read_text(encoding="utf-8")
    base = base.replace("  rotation_days: 30\n", "").replace(
        "  production: false\n", "  production: true\n"
    )
    base = base.replace(
        '  accounts: ["111111111111"]\n  permission_model: self_managed\n',
        "  accounts: []\n  permission_model: service_managed\n"
        '  organizational_units: [ou-ab12-abcdefgh]\n  administration_account: "333333333333"\n',
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(base, encoding="utf-8")
    line = base.splitlines().index("  permission_model: service_managed") + 1
    assert [
        f"{p.location.line}:{p.location.column}: {p.message}" for p in validate(load_spec(spec))
    ] == [
        f"{line}:21: deployment.permission_model: a production spec rotates its database "
        "secret every 30 days by default; service-managed StackSets cannot expand the "
        "AWS::SecretsManager transform that Secrets Manager hosted rotation needs "
        "(CreateStackSet refuses macros for them): set database.rotation_days: 0 and waive "
        "DR087 with the reason, or deploy self_managed"
    ]


def test_rotation_defaults_to_30_days_in_production_and_off_elsewhere() -> None:
    assert (rotation_days({}, True), rotation_days({}, False)) == (30, 0)
    assert (
        rotation_days({"rotation_days": 0}, True),
        rotation_days({"rotation_days": 7}, False),
    ) == (0, 7)

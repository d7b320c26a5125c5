"""DR067: a Region switch plan's execution role is scoped to the plan's resources.

For every plan whose ExecutionRole is a role of its own template:
- the role trusts `arc-region-switch.amazonaws.com` and no other principal;
- rds:FailoverGlobalCluster only when an AuroraGlobalDatabase step may fail over;
- every Allow statement of the role names resources the plan itself names, by service:
  rds: the GlobalClusterIdentifier (`global-cluster:<id>`) and the DatabaseClusterArns of an
  AuroraGlobalDatabase step; route53: the HostedZoneId of a Route53HealthCheck step;
  cloudwatch: the plan's associated alarms; arc-region-switch: the plan itself
  (`plan/<Name>:*`); s3: the report location (`<BucketPath>/*`); kms: only with reports (the
  report bucket's key). Anything else (another service, `*`) is more than any step needs.
Sources: the ARC developer guide's sample policy of each block
(https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_aurora.html,
security_iam_region_switch_route53.html, security_iam_region_switch_reports.html) and its
trust policy (security_iam_region_switch_trust_policy.html).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, referenced_ids, text_of
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.cfn_plans import block, plans, report_bucket_path, steps
from dr_compiler.policies.cfn_roles import actions, allows, role_statements
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

SERVICE = "arc-region-switch.amazonaws.com"


def _step_blocks(props: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [
        config
        for workflow in as_list(props.get("Workflows"))
        for step in steps(workflow)
        if (config := block(step, key))
    ]


def _scoped(props: Mapping[str, Any], service: str, resource: Any) -> bool:
    """Whether `resource` is one the plan names, for an action of `service`."""
    text = text_of(resource) or ""
    if service == "rds":
        aurora = _step_blocks(props, "GlobalAuroraConfig")
        clusters = {text_of(a) for c in aurora for a in as_list(c.get("DatabaseClusterArns"))}
        ids = {c.get("GlobalClusterIdentifier") for c in aurora}
        return text in clusters or any(text.endswith(f":global-cluster:{i}") for i in ids)
    if service == "route53":
        for config in _step_blocks(props, "Route53HealthCheckConfig"):
            zone = config.get("HostedZoneId")
            if isinstance(zone, str) and text.endswith(f":hostedzone/{zone}"):
                return True
            if not isinstance(zone, str) and ":hostedzone/" in text:
                return bool(referenced_ids(zone)) and referenced_ids(zone) <= referenced_ids(
                    resource
                )
        return False
    if service == "cloudwatch":
        alarms = props.get("AssociatedAlarms") or {}
        return text in {text_of(a.get("ResourceIdentifier")) for a in alarms.values()}
    if service == "arc-region-switch":
        return text.endswith(f":plan/{props.get('Name')}:*")
    if service == "s3":
        path = text_of(report_bucket_path(props))
        return path is not None and text.endswith(f":::{path}/*")
    if service == "kms":
        return report_bucket_path(props) is not None and text != "*"
    return False


def _may_fail_over(props: Mapping[str, Any]) -> bool:
    """Whether an AuroraGlobalDatabase step calls FailoverGlobalCluster: behavior `failover`,
    or the ungraceful `failover` (API_GlobalAuroraConfiguration)."""
    return any(
        config.get("Behavior") == "failover"
        or (config.get("Ungraceful") or {}).get("Ungraceful") == "failover"
        for config in _step_blocks(props, "GlobalAuroraConfig")
    )


def _statement_problems(props: Mapping[str, Any], statement: Mapping[str, Any]) -> Iterator[str]:
    for action in actions(statement):
        service = action.partition(":")[0].lower()
        if action.lower() == "rds:failoverglobalcluster" and not _may_fail_over(props):
            yield f"allows {action}, which no step calls (every Aurora step only switches over)"
            continue
        unscoped = [
            text_of(r) or str(r)
            for r in as_list(statement.get("Resource"))
            if not _scoped(props, service, r)
        ]
        if unscoped or "NotResource" in statement:
            yield f"allows {action} on {', '.join(unscoped) or 'NotResource'}"


def _trust_problems(template: TemplateDoc, role_id: str) -> Iterator[str]:
    trust = template.properties(role_id).get("AssumeRolePolicyDocument") or {}
    for statement in as_list(trust.get("Statement")):
        principal = statement.get("Principal") or {}
        services = as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        others = [k for k in principal if k != "Service"] if isinstance(principal, Mapping) else []
        if allows(statement) and (others or any(s != SERVICE for s in services)):
            yield f"trusts {', '.join(map(str, services + others))} besides {SERVICE}"


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, plan_id, props in plans(templates):
        role_id = local_target(template, props.get("ExecutionRole"))
        if role_id is None or template.body["Resources"][role_id]["Type"] != blocks.iam.ROLE.type:
            continue
        for problem in _trust_problems(template, role_id):
            yield resource_violation(
                template,
                role_id,
                f"execution role {role_id} of plan {plan_id} {problem}",
                "AssumeRolePolicyDocument",
            )
        for logical_id, path, statement in role_statements(template, role_id):
            if not allows(statement):
                continue
            for problem in _statement_problems(props, statement):
                yield resource_violation(
                    template,
                    logical_id,
                    f"execution role {role_id} of plan {plan_id} {problem}: not a resource of "
                    "the plan's steps, triggers or reports",
                    *path,
                )


RULE = Rule(
    id="DR067",
    title="A Region switch plan's execution role is scoped to the plan's resources",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Region switch assumes the plan's execution role to evaluate the plan every 30 "
        "minutes, to read trigger alarms and to run every step. A role that may fail over "
        "any global cluster, change any hosted zone or write to any bucket turns a plan "
        "meant for one application into a lever over the whole account; AWS's sample "
        "policies for each execution block name the exact clusters, zone, alarms and bucket."
    ),
    remediation=(
        "Compile with failover.orchestrator: region_switch: dr_compiler's execution role "
        "names the plan's global cluster and member clusters, its hosted zone, its trigger "
        "alarm, the plan itself and its report bucket and key. In a hand-written template, "
        "replace broad resources with those ARNs and trust only "
        "arc-region-switch.amazonaws.com."
    ),
    docs="https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_aurora.html",
    bad_example=(
        "- Effect: Allow\n  Action: [rds:FailoverGlobalCluster]\n  Resource: '*'   # every "
        "global database of the account\n"
    ),
    good_example=(
        "- Effect: Allow\n  Action: [rds:FailoverGlobalCluster]\n  Resource:\n"
        "    - !Sub arn:${AWS::Partition}:rds::${AWS::AccountId}:"
        "global-cluster:payments-global-prod\n"
    ),
    check_templates=check_templates,
    tags=("failover", "iam"),
)

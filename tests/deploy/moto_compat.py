"""Make a build's templates creatable by moto 5.2's CloudFormation, and say exactly what changes.

The end-to-end tests deploy real compiled templates through real StackSet calls to a moto
server. moto's CloudFormation cannot create several resource types the compiler emits (it has
no model for them, or its model breaks on them); left in, the stack fails and nothing can be
tested. So the tests remove exactly those resources, and replace every reference to one with a
marker string `moto-cannot-create-<LogicalId>[-<Attribute>]`. Everything else is deployed as
compiled. The rules, each with the moto behaviour that forces it:

1. types with no moto CloudFormation model (taken from moto's own registry at run time, so a
   newer moto shrinks the list by itself): AWS::RDS::DBCluster, AWS::RDS::GlobalCluster,
   AWS::DynamoDB::GlobalTable, AWS::CloudWatch::Alarm, AWS::Backup::*, AWS::SQS::QueuePolicy,
   AWS::S3::BucketPolicy, AWS::SNS::Subscription, AWS::SecretsManager::*, AWS::EC2::
   SecurityGroupEgress, AWS::ARCRegionSwitch::Plan (moto 5.2 implements no arc-region-switch
   service at all: no plan, no execution; the plan's role, report bucket and trigger alarm's
   stack deploy as compiled, see test_region_switch). moto skips them with a warning, but
   any Fn::GetAtt of one fails the stack ("references undefined resource"), and an output
   reading one crashes the request.
2. Custom::* resources: moto runs a custom resource's Lambda only inside Docker.
3. AWS::RDS::DBInstance that joins a cluster: moto raises KeyError('aurora-postgresql').
4. AWS::EC2::VPCPeeringConnection with PeerRegion: moto looks the peer VPC up in the
   requester's own region and fails; so also 5. AWS::EC2::Route through a peering connection.
6. Tags of AWS::KMS::Key: moto's KMS tagging expects TagKey/TagValue and raises KeyError.
7. attributes moto leaves unresolved (the raw Fn::GetAtt would reach the outputs):
   LoadBalancer CanonicalHostedZoneID, and any attribute of a model without get_cfn_attribute
   (Route53 HostedZone NameServers).

8. only for tests that destroy (`deletable=True`): AWS::EC2::RouteTable, AWS::EC2::Route and
   AWS::EC2::SubnetRouteTableAssociation: moto never deletes a route table it created from a
   template, so the VPC could not be deleted either.

9. only for service-managed builds: moto 5.2 creates a service-managed stack instance's stack
   outside its CloudFormation backend (a "hidden stack" no DescribeStacks returns), so no
   instance's outputs can be read and no value can flow to a later wave. Each parameter that
   would take one gets a Default (the marker) and its manifest flow is dropped. Its exports
   are not registered either: a resource that imports a value is removed, and so, in turn,
   is every resource that refers to a removed one (the StackSet engine is what these builds
   test, not the resources).
10. only for service-managed builds: an ACM certificate belongs to one account, and the spec
   names one certificate per region, so the units' accounts cannot use it (moto, like AWS,
   finds no such certificate there): HTTPS listeners are removed, with the listener rules
   attached to them. On AWS this is a real limit
   of service-managed targets with a public API, reported by the closing note, not a moto gap.

The templates `bootstrap` builds in memory get rules 1 and 6 too (moto_bootstrap), once its
template rules have judged them as compiled.

moto also does not resolve dynamic references ({{resolve:...}}): they stay literal strings,
and the only ones the compiler emits sit in AWS::RDS::DBCluster, which rule 1 removes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from moto.cloudformation.parsing import get_model_map

from dr_compiler.compiler.manifest import INLINE_TEMPLATE_BYTES
from dr_compiler.emit import render_json

MARKER = "moto-cannot-create"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
UNRESOLVED_ATTRIBUTES = frozenset(
    {("AWS::ElasticLoadBalancingV2::LoadBalancer", "CanonicalHostedZoneID")}
)


# Rule 8, for tests that destroy: moto's CloudFormation never deletes a route table, so the VPC
# it belongs to cannot be deleted either ("The vpc ... has dependencies").
UNDELETABLE = frozenset(
    {"AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation"}
)


def cannot_create(
    resource: Mapping[str, Any], deletable: bool = False, service_managed: bool = False
) -> bool:
    kind = resource["Type"]
    properties = resource.get("Properties", {})
    return (
        kind not in get_model_map()
        or (service_managed and kind == LISTENER and "Certificates" in properties)
        or (deletable and kind in UNDELETABLE)
        or kind.startswith("Custom::")
        or (kind == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in properties)
        or (kind == "AWS::EC2::VPCPeeringConnection" and "PeerRegion" in properties)
        or (kind == "AWS::EC2::Route" and "VpcPeeringConnectionId" in properties)
    )


def unresolved(resource: Mapping[str, Any], attribute: str) -> bool:
    model = get_model_map().get(resource["Type"])
    return (resource["Type"], attribute) in UNRESOLVED_ATTRIBUTES or (
        model is not None and not hasattr(model, "get_cfn_attribute")
    )


def marker(*parts: str) -> str:
    return "-".join((MARKER, *parts))


def adapt_template(
    template: Mapping[str, Any], deletable: bool = False, service_managed: bool = False
) -> dict[str, Any]:
    """The template without what moto cannot create (and, if `deletable`, cannot delete)."""
    resources = template["Resources"]
    removed = {
        name for name, r in resources.items() if cannot_create(r, deletable, service_managed)
    }
    removed |= {
        name
        for name, r in resources.items()
        if r.get("Properties", {}).get("ListenerArn", {}).get("Ref") in removed
    }
    if service_managed:  # rule 9
        removed = _without_imports(resources, removed)

    def replace(value: Any) -> Any:
        if isinstance(value, list):
            return [replace(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value and value["Ref"] in removed:
            return marker(value["Ref"])
        if "Fn::GetAtt" in value:
            get_att = value["Fn::GetAtt"]
            name, attribute = get_att.split(".", 1) if isinstance(get_att, str) else get_att
            if name in removed or unresolved(resources[name], attribute):
                return marker(name, attribute)
        if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            return {"Fn::Sub": _replace_in_sub(value["Fn::Sub"], removed)}
        return {key: replace(v) for key, v in value.items()}

    adapted = {}
    for name, resource in resources.items():
        if name in removed:
            continue
        resource = replace(resource)
        if resource["Type"] == "AWS::KMS::Key":
            resource["Properties"].pop("Tags", None)
        if "DependsOn" in resource:
            depends = resource["DependsOn"]
            depends = [depends] if isinstance(depends, str) else depends
            resource["DependsOn"] = [d for d in depends if d not in removed]
        adapted[name] = resource
    return {**template, "Resources": adapted, "Outputs": replace(template.get("Outputs", {}))}


def _references(value: Any) -> Iterator[str]:
    """Logical ids a value refers to, and "Fn::ImportValue" where it imports one."""
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                yield item
            elif key == "Fn::GetAtt":
                yield item.split(".", 1)[0] if isinstance(item, str) else item[0]
            elif key == "Fn::ImportValue":
                yield key
            elif key == "Fn::Sub" and isinstance(item, str):
                yield from (m.split(".", 1)[0] for m in re.findall(r"\$\{([A-Za-z0-9.]+)\}", item))
            if key != "Ref":
                yield from _references(item)


def _without_imports(resources: Mapping[str, Any], removed: set[str]) -> set[str]:
    """`removed`, plus every resource that imports a value or refers to a removed one."""
    removed = set(removed)
    while True:
        more = {
            name
            for name, resource in resources.items()
            if name not in removed
            and any(
                ref == "Fn::ImportValue" or ref in removed
                for ref in _references([resource.get("Properties", {}), resource.get("DependsOn")])
            )
        }
        if not more:
            return removed
        removed |= more


def _replace_in_sub(text: str, removed: set[str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, _, attribute = match.group(1).partition(".")
        if name not in removed:
            return match.group(0)
        return marker(name, attribute) if attribute else marker(name)

    return re.sub(r"\$\{([A-Za-z0-9]+(?:\.[A-Za-z0-9.]+)?)\}", substitute, text)


def adapt_build(directory: Path, deletable: bool = False) -> None:
    """Rewrite a build folder's templates, and their manifest entries, for moto."""
    manifest_file = directory / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    service_managed = manifest["permission_model"] == "SERVICE_MANAGED"
    for entry in manifest["stack_sets"]:
        path = directory / entry["template"]
        template = adapt_template(json.loads(path.read_bytes()), deletable, service_managed)
        if service_managed:  # rule 9
            for flow in entry["parameters"]:
                template["Parameters"][flow["name"]]["Default"] = marker(flow["name"])
            entry["parameters"] = []
        body = render_json(template)
        path.write_bytes(body)
        entry["template_sha256"] = hashlib.sha256(body).hexdigest()
        entry["template_bytes"] = len(body)
        entry["template_transport"] = "inline" if len(body) <= INLINE_TEMPLATE_BYTES else "s3"
    manifest_file.write_bytes(render_json(manifest))


@contextlib.contextmanager
def moto_bootstrap() -> Iterator[None]:
    """`bootstrap` runs its template rules over the templates as compiled, then deploys each
    adapted in place (adapt_template: the KMS key's tags and the bucket policy go)."""
    from dr_compiler.deploy import bootstrap

    check = bootstrap.check_bootstrap_templates

    def check_then_adapt(spec: Any, templates: Mapping[str, dict[str, Any]]) -> None:
        check(spec, templates)
        for body in templates.values():
            adapted = adapt_template(body)
            body.clear()
            body.update(adapted)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bootstrap, "check_bootstrap_templates", check_then_adapt)
        yield

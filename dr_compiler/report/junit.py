"""JUnit XML for CI dashboards: one test suite per target, one test case per rule per target.

A target is the spec file or one template; a finding belongs to the template it names, else
to the spec. A case fails when its rule has an unwaived error or warning at that target.
"""

from __future__ import annotations

from xml.etree import ElementTree

from dr_compiler.escaping import xml_chars
from dr_compiler.policies.engine import PolicyReport
from dr_compiler.policies.rule import Finding


def _target(finding: Finding) -> str:
    return finding.template.file if finding.template else finding.location.file


def render(report: PolicyReport) -> str:
    by_case: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.findings:
        by_case.setdefault((_target(finding), finding.rule_id), []).append(finding)
    targets = list(dict.fromkeys([*report.targets, *(t for t, _ in by_case)]))
    root = ElementTree.Element("testsuites", name="dr-compiler")
    total_failures = 0
    for target in targets:
        suite = ElementTree.SubElement(root, "testsuite", name=xml_chars(target))
        failures = 0
        for rule in report.rules:
            case = ElementTree.SubElement(
                suite, "testcase", classname=xml_chars(target), name=f"{rule.id} {rule.title}"
            )
            found = by_case.get((target, rule.id), [])
            if found:
                failures += 1
                failure = ElementTree.SubElement(
                    case,
                    "failure",
                    message=xml_chars(found[0].message),
                    type=found[0].severity.value,
                )
                failure.text = xml_chars(
                    "\n".join(
                        f"{f.location}: {f.message}" + (f" [{f.template}]" if f.template else "")
                        for f in found
                    )
                )
        suite.set("tests", str(len(report.rules)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_failures += failures
    root.set("tests", str(len(report.rules) * len(targets)))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    ElementTree.indent(root)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(root, encoding="unicode")
        + "\n"
    )

"""Family 5: report injection. Waiver reasons, resource names, messages, file names and
diagram labels may hold anything; every output format escapes for its own syntax, and each
is parsed by a real parser after every injection string is fed into every field."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from xml.etree import ElementTree

import pytest
from jsonschema import Draft4Validator
from markdown_it import MarkdownIt
from markdown_it.token import Token

from dr_compiler.errors import Location
from dr_compiler.escaping import visible
from dr_compiler.pipeline import load_model
from dr_compiler.policies.engine import PolicyReport, evaluate
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import TemplateRef
from dr_compiler.report import render
from dr_compiler.topology.build import build_graph
from dr_compiler.topology.graph import Graph
from dr_compiler.topology.mermaid import to_mermaid
from dr_compiler.topology.svg import to_svg
from tests.hostile.conftest import REPO
from tests.policies.ruletest import load_templates

REPORTS = REPO / "tests" / "report"
SARIF_SCHEMA = json.loads((REPORTS / "sarif-schema-2.1.0.json").read_text())

INJECTIONS = {
    "table row split": "a | b\r| forged | row | x | y |\n| forged | row |",
    "raw HTML": "<img src=x onerror=alert(1)>",
    "fence closed early": "```\n</pre><img src=x onerror=alert(1)>\n```mermaid",
    "ANSI escapes": "\x1b[2J\x1b[31mred\x1b]0;pwned\x07\x1b[0m",
    "XML-invalid characters": "\x00\x01\x08\x0b\x0c\x1f\x7f\ufffe\uffff",
    "bidi and zero-width": "\u202eevil\u2066 \u200b",
    "CDATA and comments": "]]><!-- --><![CDATA[",
    "entities": "&amp; &lt; &#x3c;",
    "links and images": "[click](javascript:alert(1)) ![x](http://e/x.png)",
    "backtick runs": "`` ` ``` ",
    "quotes and backslashes": "\"quoted\" 'single' \\ backslash \\|",
    "Mermaid syntax": 'x"]; click n1 call alert(1); %%{init: {}}%% #quot;',
}


@pytest.fixture(scope="module")
def clean_report() -> PolicyReport:
    spec = load_model(REPORTS / "waivers.yaml")
    templates = load_templates(
        REPO / "tests" / "policies" / "rules" / "dr030" / "bad.us-east-1.primary.json",
        spec_file=REPORTS / "waivers.yaml",
    )
    return evaluate(spec, templates, today=date(2026, 11, 21), rules=(rule("DR030"),))


def injected(report: PolicyReport, text: str) -> PolicyReport:
    """`text` in every free-text field: messages, resources, files, waiver fields."""

    def finding(f):  # type: ignore[no-untyped-def]
        template = f.template and TemplateRef(f"{text}.json", text, (text, 0))
        return replace(
            f,
            message=f"{f.message} {text}",
            resource=text,
            location=Location(text, 3, 1),
            template=template,
        )

    waivers = tuple(
        replace(
            s,
            waiver=replace(s.waiver, resource=text, reason=text, expires=text),
            location=Location(text, 5, 7),
        )
        for s in report.waivers
    )
    return replace(
        report,
        spec_file=text,
        targets=(text, f"{text}.json"),
        findings=tuple(finding(f) for f in report.findings),
        waived=tuple(finding(f) for f in report.waived),
        waivers=waivers,
    )


CASES = sorted(INJECTIONS)


def parse_markdown(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(text)


def flatten(tokens: list[Token]) -> list[Token]:
    return [t for token in tokens for t in (token, *flatten(token.children or []))]


def links(tokens: list[Token]) -> list[str]:
    return [t.attrGet("href") or "" for t in tokens if t.type == "link_open"]


@pytest.mark.parametrize("case", CASES)
def test_markdown_has_no_raw_html_no_new_link_and_keeps_its_fence(
    clean_report: PolicyReport, case: str
) -> None:
    text = INJECTIONS[case]
    clean = flatten(parse_markdown(render(clean_report, "markdown")))
    dirty = flatten(parse_markdown(render(injected(clean_report, text), "markdown")))
    # The only HTML is the report's own <br> between a location and its template.
    assert [
        (t.type, t.content) for t in dirty if t.type.startswith("html") or t.type == "image"
    ] == [("html_inline", "<br>")]
    assert links(dirty) == links(clean)
    assert [(t.info, t.content) for t in dirty if t.type == "fence"] == [
        (t.info, t.content) for t in clean if t.type == "fence"
    ]
    # The finding's location is one code span holding the text, shown with visible escapes.
    assert f"{visible(text)}:3:1" in [t.content for t in dirty if t.type == "code_inline"]


def table_cells(text: str) -> list[list[str]]:
    """Each body row of every table as its cells' inline text."""
    tokens = parse_markdown(text)
    rows: list[list[str]] = []
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            rows.append([])
        elif token.type in ("td_open", "th_open"):
            rows[-1].append(tokens[index + 1].content)
    return rows


@pytest.mark.parametrize("case", CASES)
def test_markdown_table_rows_keep_their_cell_count(clean_report: PolicyReport, case: str) -> None:
    clean = table_cells(render(clean_report, "markdown"))
    dirty = table_cells(render(injected(clean_report, INJECTIONS[case]), "markdown"))
    assert [len(row) for row in dirty] == [len(row) for row in clean]


@pytest.mark.parametrize("case", CASES)
def test_text_has_no_control_characters_and_no_extra_lines(
    clean_report: PolicyReport, case: str
) -> None:
    clean = render(clean_report, "text")
    dirty = render(injected(clean_report, INJECTIONS[case]), "text")
    assert dirty.count("\n") == clean.count("\n")
    assert not [c for c in dirty if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    assert "\u202e" not in dirty and "\u200b" not in dirty


@pytest.mark.parametrize("case", CASES)
def test_junit_parses_and_keeps_the_text_visible(clean_report: PolicyReport, case: str) -> None:
    root = ElementTree.fromstring(render(injected(clean_report, INJECTIONS[case]), "junit"))
    failures = root.findall(".//failure")
    assert len(failures) == 1
    assert failures[0].get("message", "").startswith("alarm WrongRegionAlarm")


@pytest.mark.parametrize("case", CASES)
def test_sarif_and_json_parse_and_hold_the_text_exactly(
    clean_report: PolicyReport, case: str
) -> None:
    report = injected(clean_report, INJECTIONS[case])
    sarif = json.loads(render(report, "sarif"))
    assert sorted(Draft4Validator(SARIF_SCHEMA).iter_errors(sarif), key=str) == []
    document = json.loads(render(report, "json"))
    assert {f["resource"] for f in document["findings"]} == {INJECTIONS[case]}


def injected_graph(text: str) -> Graph:
    graph = build_graph(load_model(REPO / "specs" / "prod.yaml"))
    return replace(
        graph,
        title=text,
        nodes=tuple(replace(n, title=f"{n.title}{text}", detail=text) for n in graph.nodes),
        edges=tuple(replace(e, label=text) for e in graph.edges),
    )


@pytest.mark.parametrize("case", CASES)
def test_svg_stays_well_formed(case: str) -> None:
    svg = ElementTree.fromstring(to_svg(injected_graph(INJECTIONS[case])))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    titles = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert not [c for title in titles for c in title if ord(c) < 0x20 and c not in "\t\n\r"]


@pytest.mark.parametrize("case", CASES)
def test_mermaid_labels_cannot_leave_their_quotes_or_the_fence(case: str) -> None:
    clean = to_mermaid(build_graph(load_model(REPO / "specs" / "prod.yaml")))
    mermaid = to_mermaid(injected_graph(INJECTIONS[case]))
    assert mermaid.count("\n") == clean.count("\n")
    for line in mermaid.splitlines():
        assert "`" not in line and "<img" not in line
        assert line.replace("<br/>", "").replace("<-->", "").count("<") == 0, line
        quoted = line.count('"')
        assert quoted in (0, 2, 4), line
    fenced = f"## Topology\n\n```mermaid\n{mermaid}```\n"
    (fence,) = [t for t in parse_markdown(fenced) if t.type == "fence"]
    assert fence.content == mermaid

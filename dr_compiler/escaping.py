"""Text from a spec, a file name or a finding, made safe for each output's own syntax.

Waiver reasons, resource names, schedules and file names reach terminals, Markdown, Mermaid,
JUnit XML and SVG. Each output escapes for its syntax here, in one place, so that no value
can recolour a terminal, split a table row, open raw HTML, close a code fence early or make
an XML file unparseable. (JSON and SARIF are escaped by the json encoder.)

Standard library only: the build imports this module.
"""

from __future__ import annotations

import re

_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # C0 (ESC starts ANSI sequences; CR, LF split lines), DEL, C1
    "\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"  # bidi marks, zero-width
    "\ud800-\udfff]"  # lone surrogates, which cannot be encoded at all
)
"""Characters a reader cannot see but a terminal or renderer acts on."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 forbids, even escaped (https://www.w3.org/TR/xml/#charsets): the
complement of its Char production (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
[#x10000-#x10FFFF]), written as the few characters it leaves out because a negated class
of the astral planes costs about 4 ms to compile on every run."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`<>|&\[\]])")
"""Backslash-escaped in Markdown text: code spans, raw HTML, table cells, entities, links.
CommonMark lets any ASCII punctuation be escaped so (https://spec.commonmark.org/0.31.2/#backslash-escapes)."""

_MERMAID_SPECIAL = re.compile(r'[#"<>`&|]')
"""Written as Mermaid entity codes (#60; for <), which Mermaid decodes in labels
(https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters): no label
can end its quotes, open HTML or, with a backtick fence, close the Markdown block."""


def visible(text: str) -> str:
    """Every invisible character as a visible escape (\\x1b, \\u202e): one line stays one
    line and reads as what it holds, and no escape sequence reaches a terminal."""
    return _INVISIBLE.sub(_escape_code, text)


def _escape_code(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_chars(text: str) -> str:
    """Characters XML cannot hold, as visible escapes; the XML writer escapes the rest."""
    return _NOT_XML.sub(_escape_code, text)


def markdown_text(text: str) -> str:
    """Text for a Markdown paragraph or table cell."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", visible(text))


def markdown_code(text: str) -> str:
    """A code span holding `text` verbatim in a table cell: the fence is longer than any
    run of backticks in the text, and a pipe is escaped as GFM tables require even in code
    (https://github.github.com/gfm/#tables-extension-)."""
    text = visible(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def mermaid_label(text: str) -> str:
    """Text for a quoted Mermaid label."""
    return _MERMAID_SPECIAL.sub(lambda m: f"#{ord(m.group())};", visible(text))

"""Escaping for each output's syntax (dr_compiler/escaping.py)."""

from __future__ import annotations

from dr_compiler.escaping import xml_chars


def _xml_char(code: int) -> bool:
    """XML 1.0's Char production (https://www.w3.org/TR/xml/#charsets)."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def test_xml_chars_escapes_exactly_what_xml_forbids() -> None:
    every = "".join(map(chr, range(0x110000)))
    expected = "".join(
        c if _xml_char(ord(c)) else (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        for c in every
    )
    assert xml_chars(every) == expected

"""Stage 2 (schema), the fast path: does a document conform to the spec schema, yes or no.

Importing jsonschema costs about 45 ms (referencing, attrs, its format checkers), more than
a quarter of a whole build, and a build almost always reads a valid spec. So schema.py asks
this module first and imports jsonschema only when the answer is no, to describe each error.

The answer must never be yes where jsonschema would find an error. Each keyword is checked
as python-jsonschema 4.x checks it (jsonschema/_keywords.py), with the spec's `pattern`
(fullmatch, schema.py); equality is stricter than JSON Schema's wherever the two could
differ (True against 1, a list against a list). Anything this module does not know (a
keyword, a reference outside the schema, a float multipleOf that overflows) answers no,
which only sends the document to jsonschema. tests/test_conformance.py checks that both
agree on every spec, fixture and schema case of the test suite and on mutated specs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Schema = Mapping[str, Any] | bool


class _Undecided(Exception):
    """The schema uses something this module does not check: let jsonschema judge."""


# Keywords that only describe (JSON Schema 2020-12 core and meta-data vocabularies; `format`
# asserts nothing without a format checker, and schema.py's validator has none).
_ANNOTATIONS = frozenset(
    {
        "$schema", "$id", "$comment", "$defs", "$anchor", "title", "description", "default",
        "examples", "deprecated", "readOnly", "writeOnly", "format",
        "contentEncoding", "contentMediaType",
    }
)  # fmt: skip


def conforms(instance: Any, schema: Mapping[str, Any], full_match: Callable[[str], Any]) -> bool:
    """True only when `instance` is valid against `schema` (a document with local `$ref`s);
    `full_match(pattern)` returns the compiled pattern the spec's `pattern` keyword uses."""
    try:
        return _Checker(schema, full_match).valid(instance, schema)
    except (_Undecided, TypeError, ValueError, re.error):
        return False  # jsonschema decides, and fails as it always did


class _Checker:
    def __init__(self, root: Mapping[str, Any], full_match: Callable[[str], Any]) -> None:
        self.root = root
        self.full_match = full_match

    def valid(self, instance: Any, schema: Schema) -> bool:
        if schema is True:
            return True
        if schema is False:
            return False
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS or keyword in ("then", "else"):
                continue  # checked with their `if`
            check = _KEYWORDS.get(keyword)
            if check is None:
                raise _Undecided(keyword)
            if not check(self, value, instance, schema):
                return False
        return True

    def resolve(self, reference: str) -> Schema:
        if not reference.startswith("#"):
            raise _Undecided(reference)
        target: Any = self.root
        for part in filter(None, reference[1:].split("/")):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                raise _Undecided(reference)
            target = target[part]
        return target


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or float(v).is_integer()),
}


def _type(_c: _Checker, types: Any, instance: Any, _s: Any) -> bool:
    names = [types] if isinstance(types, str) else types
    if any(name not in _TYPES for name in names):
        raise _Undecided(types)
    return any(_TYPES[name](instance) for name in names)


def _same(instance: Any, expected: Any) -> bool:
    """Equal under JSON Schema, answering no where Python's == and JSON Schema's could
    differ (bool against int, containers)."""
    scalar = (str, int, float, bool, type(None))
    if type(instance) not in scalar or type(expected) not in scalar:
        return False
    if isinstance(instance, bool) or isinstance(expected, bool):
        return instance is expected
    return bool(instance == expected)


def _enum(_c: _Checker, options: Any, instance: Any, _s: Any) -> bool:
    return any(_same(instance, option) for option in options)


def _const(_c: _Checker, expected: Any, instance: Any, _s: Any) -> bool:
    return _same(instance, expected)


def _properties(c: _Checker, properties: Any, instance: Any, _s: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(
        c.valid(instance[name], subschema)
        for name, subschema in properties.items()
        if name in instance
    )


def _pattern_properties(c: _Checker, patterns: Any, instance: Any, _s: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(
        c.valid(value, subschema)
        for pattern, subschema in patterns.items()
        for name, value in instance.items()
        if re.search(pattern, name)  # jsonschema searches here, unlike `pattern`
    )


def _additional_properties(c: _Checker, additional: Any, instance: Any, schema: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    known = schema.get("properties", {})
    patterns = "|".join(schema.get("patternProperties", {}))
    extra = [
        name
        for name in instance
        if name not in known and not (patterns and re.search(patterns, name))
    ]
    return all(c.valid(instance[name], additional) for name in extra)


def _required(_c: _Checker, names: Any, instance: Any, _s: Any) -> bool:
    return not isinstance(instance, dict) or all(name in instance for name in names)


def _dependent_required(_c: _Checker, dependencies: Any, instance: Any, _s: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(
        all(name in instance for name in needed)
        for present, needed in dependencies.items()
        if present in instance
    )


def _property_names(c: _Checker, subschema: Any, instance: Any, _s: Any) -> bool:
    return not isinstance(instance, dict) or all(c.valid(name, subschema) for name in instance)


def _min_properties(_c: _Checker, least: Any, instance: Any, _s: Any) -> bool:
    return not isinstance(instance, dict) or len(instance) >= least


def _max_properties(_c: _Checker, most: Any, instance: Any, _s: Any) -> bool:
    return not isinstance(instance, dict) or len(instance) <= most


def _prefix_items(c: _Checker, schemas: Any, instance: Any, _s: Any) -> bool:
    if not isinstance(instance, list):
        return True
    return all(c.valid(item, s) for item, s in zip(instance, schemas, strict=False))


def _items(c: _Checker, subschema: Any, instance: Any, schema: Any) -> bool:
    """The items after prefixItems, if any."""
    if not isinstance(instance, list):
        return True
    return all(c.valid(item, subschema) for item in instance[len(schema.get("prefixItems", [])) :])


def _min_items(_c: _Checker, least: Any, instance: Any, _s: Any) -> bool:
    return not isinstance(instance, list) or len(instance) >= least


def _max_items(_c: _Checker, most: Any, instance: Any, _s: Any) -> bool:
    return not isinstance(instance, list) or len(instance) <= most


def _unique_items(_c: _Checker, unique: Any, instance: Any, _s: Any) -> bool:
    """Python's == finds at least every pair JSON Schema calls equal (it also equates True
    and 1), so a list it finds no pair in is unique for JSON Schema too."""
    if not unique or not isinstance(instance, list):
        return True
    return not any(a == b for i, a in enumerate(instance) for b in instance[i + 1 :])


def _bound(compare: Callable[[Any, Any], bool]) -> Callable[[_Checker, Any, Any, Any], bool]:
    def check(_c: _Checker, limit: Any, instance: Any, _s: Any) -> bool:
        return not _is_number(instance) or compare(instance, limit)

    return check


def _multiple_of(_c: _Checker, divisor: Any, instance: Any, _s: Any) -> bool:
    if not _is_number(instance):
        return True
    if isinstance(divisor, float):
        quotient = instance / divisor
        try:
            return int(quotient) == quotient
        except OverflowError:
            raise _Undecided("multipleOf") from None
    return not instance % divisor


def _min_length(_c: _Checker, least: Any, instance: Any, _s: Any) -> bool:
    return not isinstance(instance, str) or len(instance) >= least


def _max_length(_c: _Checker, most: Any, instance: Any, _s: Any) -> bool:
    return not isinstance(instance, str) or len(instance) <= most


def _pattern(c: _Checker, pattern: Any, instance: Any, _s: Any) -> bool:
    return not isinstance(instance, str) or c.full_match(pattern).fullmatch(instance) is not None


def _ref(c: _Checker, reference: Any, instance: Any, _s: Any) -> bool:
    return c.valid(instance, c.resolve(reference))


def _all_of(c: _Checker, schemas: Any, instance: Any, _s: Any) -> bool:
    return all(c.valid(instance, s) for s in schemas)


def _any_of(c: _Checker, schemas: Any, instance: Any, _s: Any) -> bool:
    return any(c.valid(instance, s) for s in schemas)


def _one_of(c: _Checker, schemas: Any, instance: Any, _s: Any) -> bool:
    return sum(1 for s in schemas if c.valid(instance, s)) == 1


def _not(c: _Checker, subschema: Any, instance: Any, _s: Any) -> bool:
    return not c.valid(instance, subschema)


def _if(c: _Checker, condition: Any, instance: Any, schema: Any) -> bool:
    branch = "then" if c.valid(instance, condition) else "else"
    return branch not in schema or c.valid(instance, schema[branch])


_KEYWORDS: dict[str, Callable[[_Checker, Any, Any, Any], bool]] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "required": _required,
    "dependentRequired": _dependent_required,
    "propertyNames": _property_names,
    "minProperties": _min_properties,
    "maxProperties": _max_properties,
    "prefixItems": _prefix_items,
    "items": _items,
    "minItems": _min_items,
    "maxItems": _max_items,
    "uniqueItems": _unique_items,
    "minimum": _bound(lambda value, limit: value >= limit),
    "maximum": _bound(lambda value, limit: value <= limit),
    "exclusiveMinimum": _bound(lambda value, limit: value > limit),
    "exclusiveMaximum": _bound(lambda value, limit: value < limit),
    "multipleOf": _multiple_of,
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": _pattern,
    "$ref": _ref,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
}

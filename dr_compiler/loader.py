"""Stage 1 (load): YAML to plain data plus a source map of every node's file:line:column.

PyYAML composes the node graph (which keeps marks); this module walks it itself so that it
can reject duplicate and non-string keys, bound alias expansion, and remember where every
value came from, including across `extends:` chains.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dr_compiler.errors import InputError, Location, Problem, file_kind
from dr_compiler.paths import extends_boundaries

MAX_DOCUMENT_BYTES = 1024 * 1024
"""Specs are a few kilobytes; a megabyte leaves room and stops a 50 MB file before parsing."""

MAX_NODES = 50_000
"""Nodes visited while expanding aliases; a "billion laughs" document stops here."""

MAX_DEPTH = 32
"""Nesting depth; specs nest about six levels, and a recursive alias never ends."""

MAX_EXTENDS_DEPTH = 8

YamlPath = tuple[str | int, ...]

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SpecLoader(_BaseLoader):
    """Safe loader whose plain scalars never become dates: `expires: 2027-06-30` stays a string."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


@dataclass(frozen=True)
class SourceMap:
    """Where each value (and each mapping key) of a document was written."""

    values: dict[YamlPath, Location] = field(default_factory=dict)
    keys: dict[YamlPath, Location] = field(default_factory=dict)
    file: str = ""

    def locate(self, path: YamlPath) -> Location:
        """The value at `path`, or the closest ancestor that exists."""
        return _closest(self.values, path, Location(self.file, 1, 1))

    def locate_key(self, path: YamlPath) -> Location:
        """The key that introduces `path` (falls back to the value's location)."""
        return self.keys.get(tuple(path)) or self.locate(path)


def _closest(index: dict[YamlPath, Location], path: YamlPath, default: Location) -> Location:
    path = tuple(path)
    while path:
        if path in index:
            return index[path]
        path = path[:-1]
    return index.get((), default)


@dataclass(frozen=True)
class SourceDocument:
    """A loaded spec: merged plain data, where each value came from, and the files read."""

    file: str
    data: dict[str, Any]
    source_map: SourceMap
    files: tuple[str, ...]


def format_path(path: YamlPath) -> str:
    """`('storage', 'buckets', 0, 'name')` -> `storage.buckets[0].name`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def load_spec(path: str | os.PathLike[str]) -> SourceDocument:
    """Load a spec file and every base it extends, merged, with positions.

    Bases must lie inside the spec's folder, its repository or the checkout dr-compiler
    runs in (paths.extends_boundaries), symbolic links resolved: a spec from a pull request
    cannot make the build read, and echo in its errors, any other YAML file of the machine.
    """
    path = Path(path)
    roots = extends_boundaries(path)
    return _load(path, chain=(), roots=roots)


def _load(path: Path, chain: tuple[Path, ...], roots: tuple[Path, ...]) -> SourceDocument:
    display = str(path)
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise InputError(Problem(Location(display), f"extends cycle: {cycle}"))
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise InputError(
            Problem(Location(display), f"extends chain deeper than {MAX_EXTENDS_DEPTH}")
        )
    data, source_map = _parse(path, display)
    base_ref = data.get("extends")
    if base_ref is None:
        return SourceDocument(display, data, source_map, (display,))
    if not isinstance(base_ref, str) or not base_ref:
        raise InputError(Problem(source_map.locate(("extends",)), "extends: must be a file path"))
    base_path = Path(os.path.normpath(path.parent / base_ref))
    if not any(base_path.resolve().is_relative_to(root) for root in roots):
        raise InputError(
            Problem(
                source_map.locate(("extends",)),
                f"extends: {base_ref!r} is outside the project: a base spec must be a file in "
                "the spec's folder or repository",
            )
        )
    if not base_path.exists():
        raise InputError(
            Problem(source_map.locate(("extends",)), f"extends: base spec {base_path} not found")
        )
    base = _load(base_path, (*chain, resolved), roots)
    own = {k: v for k, v in data.items() if k != "extends"}
    merged_data, merged_map = _merge(base.data, base.source_map, own, source_map)
    return SourceDocument(display, merged_data, merged_map, (*base.files, display))


def _parse(path: Path, display: str) -> tuple[dict[str, Any], SourceMap]:
    raw = read_regular_file(path, display, MAX_DOCUMENT_BYTES, "specs")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(Location(display), f"not UTF-8 text (byte {exc.start}): is this a YAML spec?")
        ) from None
    if "\x00" in text:
        raise InputError(
            Problem(
                _offset_location(display, text, text.index("\x00")), "NUL byte: not a YAML spec"
            )
        )
    node = _compose(text, display)
    if node is None:
        raise InputError(Problem(Location(display, 1, 1), "file is empty: expected a spec mapping"))
    if not isinstance(node, yaml.MappingNode):
        raise InputError(
            Problem(_mark(display, node.start_mark), "the document must be a mapping of sections")
        )
    builder = _Builder(display)
    data = builder.build(node, ())
    if builder.problems:
        raise InputError(builder.problems)
    return data, SourceMap(builder.values, builder.keys, display)


def read_regular_file(path: Path, display: str, limit: int, what: str) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes.

    A FIFO would block the read forever and /dev/zero never ends, so the type is checked
    before opening (stat: devices are never opened) and again on the open descriptor, which
    is opened non-blocking in case a FIFO took the file's place in between; the limit is
    applied while reading too, since a file can grow after stat and /proc files say size 0.
    """
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(Problem(Location(display), _not_regular(mode, what)))
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                raise InputError(Problem(Location(display), _not_regular(status.st_mode, what)))
            if status.st_size > limit:
                raise _too_big(display, f"{status.st_size} bytes", limit, what)
            data = _read_at_most(descriptor, limit)
            if len(data) > limit:
                raise _too_big(display, f"over {limit} bytes", limit, what)
        finally:
            os.close(descriptor)
    except OSError as exc:
        raise InputError(Problem(Location(display), f"cannot read file: {exc.strerror}")) from None
    return data


def _too_big(display: str, size: str, limit: int, what: str) -> InputError:
    return InputError(
        Problem(Location(display), f"file is {size}; {what} are limited to {limit} bytes")
    )


def _read_at_most(descriptor: int, limit: int) -> bytes:
    """Up to limit + 1 bytes: one more than allowed tells that the file is too big."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit and (chunk := os.read(descriptor, min(1 << 16, limit + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _not_regular(mode: int, what: str) -> str:
    return f"is {file_kind(mode)}, not a regular file: {what} are read only from regular files"


def _offset_location(file: str, text: str, offset: int) -> Location:
    line = text.count("\n", 0, offset) + 1
    return Location(file, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def _compose(text: str, display: str) -> yaml.Node | None:
    loader = _SpecLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if mark is not None and _is_tab(text, mark.line, mark.column):
            message += " (YAML indentation must use spaces, not tabs)"
        location = _mark(display, mark) if mark else Location(display)
        raise InputError(Problem(location, f"YAML syntax error: {message}")) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(Location(display), f"YAML error: {exc}")) from None
    finally:
        loader.dispose()
    return node


def _is_tab(text: str, line: int, column: int) -> bool:
    lines = text.splitlines()
    return line < len(lines) and column < len(lines[line]) and lines[line][column] == "\t"


def _mark(file: str, mark: Any) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


_PLAIN_TAGS: dict[type, tuple[str, ...]] = {
    yaml.MappingNode: ("tag:yaml.org,2002:map",),
    yaml.SequenceNode: ("tag:yaml.org,2002:seq",),
}


class _Builder:
    """Turns a node graph into plain data, recording positions and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[YamlPath, Location] = {}
        self.keys: dict[YamlPath, Location] = {}
        self.problems: list[Problem] = []
        self.visited = 0
        self.constructor = _SpecLoader("")

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise InputError(
                Problem(
                    _mark(self.file, node.start_mark),
                    f"document expands to more than {MAX_NODES} nodes (alias bomb?)",
                )
            )
        if len(path) > MAX_DEPTH:
            raise InputError(
                Problem(
                    _mark(self.file, node.start_mark),
                    f"document nests deeper than {MAX_DEPTH} levels (recursive alias?)",
                )
            )
        self.values[path] = _mark(self.file, node.start_mark)
        if node.tag not in _PLAIN_TAGS.get(type(node), (node.tag,)):
            # PyYAML would construct a tagged mapping or list as a set, an ordered map or an
            # object; the spec language has none, so a tag is refused as on a scalar.
            kind = "mapping" if isinstance(node, yaml.MappingNode) else "list"
            self.problems.append(
                Problem(
                    _mark(self.file, node.start_mark),
                    f"bad value: YAML tag {node.tag!r} on a {kind}: specs use plain mappings "
                    "and lists",
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        # `<<` merge keys are not part of the spec language: they stay ordinary (unknown) keys.
        for key_node, value_node in node.value:
            key_location = _mark(self.file, key_node.start_mark)
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problems.append(
                    Problem(key_location, f"{format_path(path)}: keys must be strings")
                )
                continue
            if key in result:
                first = self.keys[(*path, key)]
                self.problems.append(
                    Problem(
                        key_location,
                        f"duplicate key '{key}' (first defined at line {first.line})",
                    )
                )
                continue
            self.keys[(*path, key)] = key_location
            result[key] = self.build(value_node, (*path, key))
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            # The exception's text repeats the position on a second line: keep the problem.
            message = exc.problem or str(exc).splitlines()[0]
            self.problems.append(
                Problem(_mark(self.file, node.start_mark), f"bad value: {message}")
            )
            return None


def _merge(
    base: dict[str, Any], base_map: SourceMap, over: dict[str, Any], over_map: SourceMap
) -> tuple[dict[str, Any], SourceMap]:
    """Maps merge key by key; lists and scalars replace. Positions follow the winning value."""
    values = dict(base_map.values)
    keys = dict(base_map.keys)

    def replace_subtree(path: YamlPath) -> None:
        depth = len(path)
        for index in (values, keys):
            for stale in [p for p in index if p[:depth] == path and len(p) > depth]:
                del index[stale]
        for index, source in ((values, over_map.values), (keys, over_map.keys)):
            for p, loc in source.items():
                if p[:depth] == path:
                    index[p] = loc

    def merge(left: dict[str, Any], right: dict[str, Any], path: YamlPath) -> dict[str, Any]:
        result = dict(left)
        for key, value in right.items():
            child = (*path, key)
            if isinstance(value, dict) and isinstance(left.get(key), dict):
                location = over_map.keys.get(child, keys.get(child))
                if location is not None:
                    keys[child] = location
                result[key] = merge(left[key], value, child)
            else:
                result[key] = value
                replace_subtree(child)
        return result

    merged = merge(base, over, ())
    values[()] = over_map.values.get((), values.get((), Location(over_map.file, 1, 1)))
    return merged, SourceMap(values, keys, over_map.file)

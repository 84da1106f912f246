"""Strict, safe YAML reading that remembers where every value came from.

PyYAML's ``safe_load`` reads ``1e-3`` as a string, ``010`` as 8 and ``NO`` as False, and keeps
the last of duplicate keys without a word. Here the text is only *composed* into nodes (no
constructor runs, so no tag can create objects) and the nodes are turned into values by our
own rules, close to YAML 1.2's core schema:

- plain ``1e-3``, ``-2E5``, ``.5``, ``1.`` are floats; ``.inf``, ``-.inf``, ``.nan`` too;
- plain integers are decimal (``010`` is 10), ``0x1F`` and ``0o17`` are hex and octal;
- ``true``/``false`` (any case) are booleans, ``null``/``~``/empty are None;
  ``yes``, ``no``, ``on``, ``off`` stay strings;
- duplicate keys are an error at the second key;
- tags other than the standard ones are an error.

Every value keeps its position as a :class:`~nncli.errors.Mark` (1-based line and column).

Limits, checked before anything is built (a config is a file people pass around, so reading
one must be safe): a file over MAX_CONFIG_BYTES is refused before it is read (a device or a
pipe is read up to that size); before composing, one pass over PyYAML's event stream (which
is flat, neither recursive nor expanding) refuses nesting deeper than MAX_DEPTH, an alias
that refers to the value containing it, and aliases that would add more than
document expand to more than MAX_VALUES values (the "billion laughs" pattern of nested
aliases hits this at once). Each error names the line of the alias or value at fault.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from nncli.errors import ConfigError, Mark

_INT = re.compile(r"^[-+]?[0-9]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary",
    "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value",
}
MAX_DEPTH = 64  # levels of lists/mappings; a config needs about 6 (layers, a layer, W, a row)
# Values (scalars, lists and mappings, keys included) a document may expand to, aliases
# expanded: 200,000 is 4.4 times the MNIST network's 45,360 weights and biases written inline.
# Reading costs ~50 us and ~600 bytes a value (PyYAML's nodes, then nncli's), so the largest
# document allowed takes ~10 s and ~120 MB; the check itself stops a larger one within ~1.5 s.
MAX_VALUES = 200_000
# 8 MiB: the MNIST network (784-50-100-10) written inline with every float at full precision
# (repr, ~20 characters) is 0.9 MiB; larger weights belong in .npy/.npz files.
MAX_CONFIG_BYTES = 8 * 1024 * 1024
# Syntax errors are re-read by the pure-Python parser for the same wording on every install,
# up to this size (~0.5 s); in a larger file libyaml's message is reported as it is.
_PURE_PYTHON_MAX = 256 * 1024
# libyaml's composer when PyYAML was built with it (10x faster); both only compose nodes.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YNode:
    """A YAML value with its position: ``value`` is a str/int/float/bool/None scalar,
    a ``list[YNode]`` or a ``dict[str, YNode]``; ``key_marks`` holds each key's position."""

    value: Any
    mark: Mark
    key_marks: "dict[str, Mark] | None" = None

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.value, list)

    def items(self) -> Iterator[tuple[str, "YNode", Mark]]:
        """(key, value node, key mark) for a mapping node."""
        assert isinstance(self.value, dict) and self.key_marks is not None
        for key, node in self.value.items():
            yield key, node, self.key_marks[key]

    def plain(self) -> Any:
        """The value with positions dropped (lists and dicts of plain values)."""
        if isinstance(self.value, list):
            return [item.plain() for item in self.value]
        if isinstance(self.value, dict):
            return {key: item.plain() for key, item in self.value.items()}
        return self.value


def read_text(path: str | Path, what: str = "file") -> str:
    """Read a UTF-8 text file, turning every way it can fail into a one-line ConfigError."""
    p = Path(path)
    shown = str(path)
    if not p.exists():
        raise ConfigError(f"{what} not found", Mark(shown))
    if p.is_dir():
        raise ConfigError(f"is a directory, not a {what}", Mark(shown))
    try:
        data = _read_limited(p, shown, what)
    except PermissionError:
        raise ConfigError("permission denied", Mark(shown)) from None
    except OSError as err:
        raise ConfigError(f"cannot read: {err.strerror}", Mark(shown)) from None
    return _decode(data, shown, what)


def _decode(data: bytes, shown: str, what: str) -> str:
    """UTF-8 text without a byte-order mark; ConfigError at the first bad byte, or when empty."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise ConfigError(
            f"not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8",
            Mark(shown, line, column),
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ConfigError(f"empty {what}", Mark(shown))
    return text


STDIN = "<stdin>"  # how a config read from standard input is named in messages


def is_stdin(path: str | Path) -> bool:
    """True for ``-``, the name that means "read standard input"."""
    return str(path) == "-"


def read_stdin(what: str = "config") -> str:
    """Standard input as UTF-8 text (errors name ``<stdin>:line:col``), like ``read_text``."""
    stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
    data = stream.read(MAX_CONFIG_BYTES + 1) if stream else sys.stdin.read(MAX_CONFIG_BYTES + 1).encode("utf-8")
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{what} on stdin sends more than {_mib(MAX_CONFIG_BYTES)}, the limit for a config",
                          Mark(STDIN))
    return _decode(data, STDIN, what)


def _read_limited(path: Path, shown: str, what: str) -> bytes:
    """The bytes of ``path``, at most MAX_CONFIG_BYTES: a regular file is refused on its size
    before it is read; a device or a pipe (``/dev/zero``, ``<(cmd)``) is read up to the limit."""
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISREG(info.st_mode) and info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{what} is {_mib(info.st_size)}, over the limit of {_mib(MAX_CONFIG_BYTES)} "
                              f"(put large weights in .npy/.npz files)", Mark(shown))
        data = handle.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{what} is not a regular file and sends more than {_mib(MAX_CONFIG_BYTES)}, "
                          f"the limit for a config", Mark(shown))
    return data


def _mib(size: int) -> str:
    return f"{size / 2**20:.3g} MiB"


def load(path: str | Path) -> YNode:
    """Read and parse a YAML file strictly; the root node keeps positions in ``path``.
    ``-`` reads standard input, and positions then name ``<stdin>``."""
    if is_stdin(path):
        return parse(read_stdin("config"), STDIN)
    return parse(read_text(path, "config file"), str(path))


def parse(text: str, path: str = "<string>") -> YNode:
    """Parse YAML text strictly (see the module docstring); errors name ``path:line:column``."""
    try:
        try:
            check_bounds(text, path, _COMPOSER)
            root = yaml.compose(text, Loader=_COMPOSER)
        except yaml.YAMLError:
            if len(text) > _PURE_PYTHON_MAX:
                raise  # libyaml's own wording: the pure-Python parser takes ~70 us a value
            # Report the pure-Python parser's wording and position, the same on every install.
            check_bounds(text, path, yaml.SafeLoader)
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "invalid YAML"
        where = Mark(path, mark.line + 1, mark.column + 1) if mark else Mark(path)
        context = f" ({err.context})" if err.context and err.problem else ""
        raise ConfigError(f"YAML syntax error: {problem}{context}", where) from None
    except yaml.YAMLError as err:  # e.g. a reader error on control characters
        raise ConfigError(f"YAML error: {' '.join(str(err).split())}", Mark(path)) from None
    if root is None:
        raise ConfigError("empty config file (no YAML document)", Mark(path))
    return _convert(root, path, 0, {})


_OPEN_EVENTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE_EVENTS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def check_bounds(text: str, path: str, loader: type = yaml.SafeLoader) -> None:
    """ConfigError if ``text`` nests deeper than MAX_DEPTH (counting what aliases bring in),
    has an alias to the value containing it, or expands to more than MAX_VALUES values.

    One pass over the parser's events, before any node is composed: for each anchor it keeps
    the number of values its node expands to and its height, so nothing is ever expanded. The
    pass stops at the first problem, before the parser reads further (libyaml's scanner slows
    down quadratically on deep flow nesting). Syntax errors are left to the composer (raised
    as yaml.YAMLError from here too, at the same place).
    """
    stack: list[list[Any]] = [[0, 0, None]]  # per open collection: [values inside, height, anchor]
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) of its finished node
    open_anchors: set[str] = set()
    total = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            mark = _event_mark(event, path)
            if event.anchor in open_anchors:
                raise ConfigError(f"alias *{event.anchor} refers to a value that contains it (a recursive anchor)", mark)
            if event.anchor not in sizes:
                continue  # an undefined alias: the composer names it
            values, height = sizes[event.anchor]
            total += values
            if total > MAX_VALUES:
                raise ConfigError(f"YAML document expands to more than {MAX_VALUES:,} values, the limit "
                                  f"(alias *{event.anchor} brings in {values:,})", mark)
            _nest_check(len(stack) - 1 + height, mark)
            _add(stack, values, height)
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if total > MAX_VALUES:
                raise ConfigError(f"YAML document has more than {MAX_VALUES:,} values, the limit "
                                  f"(put large weights in .npy/.npz files)", _event_mark(event, path))
            _add(stack, 1, 0)
            if event.anchor is not None:
                sizes[event.anchor] = (1, 0)
        elif isinstance(event, _OPEN_EVENTS):
            total += 1
            _nest_check(len(stack), _event_mark(event, path))
            stack.append([0, 0, event.anchor])
            if event.anchor is not None:
                open_anchors.add(event.anchor)
        elif isinstance(event, _CLOSE_EVENTS):
            values, height, anchor = stack.pop()
            if anchor is not None:
                sizes[anchor] = (values + 1, height + 1)
                open_anchors.discard(anchor)
            _add(stack, values + 1, height + 1)


def _event_mark(event: yaml.Event, path: str) -> Mark:
    return Mark(path, event.start_mark.line + 1, event.start_mark.column + 1)


def _add(stack: list[list[Any]], values: int, height: int) -> None:
    top = stack[-1]
    top[0] += values
    top[1] = max(top[1], height)


def _nest_check(depth: int, mark: Mark) -> None:
    if depth > MAX_DEPTH:
        raise ConfigError(f"YAML nested more than {MAX_DEPTH} levels deep (the limit)", mark)


def _mark(node: yaml.Node, path: str) -> Mark:
    return Mark(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, path: str, depth: int, done: dict[int, YNode]) -> YNode:
    """The YNode of ``node``; ``done`` maps nodes already converted (an alias's target, by id)
    to their YNode, so an aliased value is converted once and shared, never copied."""
    if id(node) in done:
        return done[id(node)]
    result = _convert_new(node, path, depth, done)
    done[id(node)] = result
    return result


def _convert_new(node: yaml.Node, path: str, depth: int, done: dict[int, YNode]) -> YNode:
    mark = _mark(node, path)
    if depth > MAX_DEPTH:  # pragma: no cover (check_bounds refuses this first)
        raise ConfigError(f"YAML nested more than {MAX_DEPTH} levels deep (the limit)", mark)
    if node.tag not in _STANDARD_TAGS and node.tag != "!":
        raise ConfigError(f"YAML tag '{node.tag}' is not allowed", mark)
    if isinstance(node, yaml.ScalarNode):
        return YNode(_scalar(node, mark), mark)
    if isinstance(node, yaml.SequenceNode):
        return YNode([_convert(item, path, depth + 1, done) for item in node.value], mark)
    if isinstance(node, yaml.MappingNode):
        values: dict[str, YNode] = {}
        key_marks: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            key_mark = _mark(key_node, path)
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError("mapping keys must be plain names", key_mark)
            key = key_node.value
            if key in values:
                first = key_marks[key]
                raise ConfigError(
                    f"duplicate key '{key}' (first defined at line {first.line}, column {first.column})",
                    key_mark,
                )
            values[key] = _convert(value_node, path, depth + 1, done)
            key_marks[key] = key_mark
        return YNode(values, mark, key_marks)
    raise ConfigError("unsupported YAML node", mark)  # pragma: no cover


_STR = "tag:yaml.org,2002:str"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_MAX = 1.7976931348623157e308


def _scalar(node: yaml.ScalarNode, mark: Mark) -> Any:
    text = node.value
    if node.style:  # quoted or block scalar: a string unless explicitly tagged (!!float "2")
        if node.tag in (_STR, "!"):
            return text
    else:
        implicit = yaml.SafeLoader.resolve(yaml.SafeLoader, yaml.ScalarNode, text, (True, False))
        if node.tag == implicit:  # no explicit tag: nncli's own rules
            return _checked(plain_scalar(text), text, mark)
        if node.tag in (_STR, "!"):  # `!!str 10`
            return text
    # An explicit standard tag.
    value = _checked(plain_scalar(text.strip()), text, mark)
    if node.tag == _FLOAT_TAG:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"'{text}' is not a number", mark)
        return float(value)
    if node.tag == _INT_TAG:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"'{text}' is not a whole number", mark)
        return value
    if node.tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"):
        return value
    short = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise ConfigError(f"YAML tag '{short}' is not supported here", mark)


def _checked(value: Any, text: str, mark: Mark) -> Any:
    """Whole numbers beyond the float range would overflow every later computation: refuse them."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _FLOAT_MAX:
        raise ConfigError(f"{text[:20]}{'…' if len(text) > 20 else ''} is too large for a number (over 1.8e308)", mark)
    return value


def plain_scalar(text: str) -> Any:
    """The value of a plain (unquoted) scalar under nncli's YAML 1.2-like rules."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text, 10)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text

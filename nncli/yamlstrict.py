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
"""

from __future__ import annotations

import re
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
_MAX_DEPTH = 64
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
        data = p.read_bytes()
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
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    return _decode(data, STDIN, what)


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
            root = yaml.compose(text, Loader=_COMPOSER)
        except yaml.YAMLError:
            # Report the pure-Python parser's wording and position, the same on every install.
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
    return _convert(root, path, 0)


def _mark(node: yaml.Node, path: str) -> Mark:
    return Mark(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, path: str, depth: int) -> YNode:
    mark = _mark(node, path)
    if depth > _MAX_DEPTH:
        raise ConfigError("YAML nested too deeply (recursive anchor?)", mark)
    if node.tag not in _STANDARD_TAGS and node.tag != "!":
        raise ConfigError(f"YAML tag '{node.tag}' is not allowed", mark)
    if isinstance(node, yaml.ScalarNode):
        return YNode(_scalar(node, mark), mark)
    if isinstance(node, yaml.SequenceNode):
        return YNode([_convert(item, path, depth + 1) for item in node.value], mark)
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
            values[key] = _convert(value_node, path, depth + 1)
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

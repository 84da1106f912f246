"""Text input formats: CSV/TSV and JSON Lines (streamed in batches of lines), JSON (read whole).

Errors name the file's line (1-based) and, where there is one, the column. Every number in
CSV/TSV follows the number grammar of the command line (``nncli.rows.parse_number``); in JSON
a finite number beyond float64 (``1e400``, a 400-digit integer) is an error as in CSV, and
``"inf"``/``"nan"`` (or Python's ``Infinity``/``NaN``) are the non-finite values.

Limits, so that a device or a hostile file cannot exhaust memory: a CSV/TSV/JSON Lines line
is at most MAX_LINE_BYTES; a .json document (read whole) at most MAX_JSON_BYTES; JSON nests at
most MAX_JSON_DEPTH levels (checked before decoding: Python's decoder recurses).
"""

from __future__ import annotations

import io
import json
import math
import re
from typing import Any, Callable, Iterator

import numpy as np

from nncli.data.source import ArraySource, InputSource, shorten
from nncli.data.streams import PeekableStream, gunzipped
from nncli.errors import InputError, Mark
from nncli.rows import is_number, parse_number

MAX_LINE_BYTES = 16 * 1024 * 1024  # a CSV row of 784 float64 values at full precision is ~19 KB
MAX_JSON_BYTES = 64 * 1024 * 1024  # MNIST's 10,000 test images as a JSON list of lists: ~31 MB
MAX_JSON_DEPTH = 64  # nncli's JSON needs 3: an object, a list of rows, a row
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_FLOAT64_MAX = float(np.finfo(np.float64).max)


class _TooLarge(float):
    """A JSON number beyond float64 (parsed as inf), kept with its text for the message."""

    text: str


def _too_large(text: str) -> float:
    value = _TooLarge("inf")
    value.text = text if len(text) <= 30 else text[:30] + "..."
    return value


def _json_float(text: str) -> float:
    value = float(text)
    return _too_large(text) if math.isinf(value) else value


def _json_int(text: str) -> float | int:
    value = int(text)
    return _too_large(text) if abs(value) > _FLOAT64_MAX else value


def json_loads(text: str, mark: Mark) -> Any:
    """``json.loads`` with nncli's rules: nesting deeper than MAX_JSON_DEPTH is an InputError
    naming the line (checked first), and numbers beyond float64 are kept as ``_TooLarge``."""
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        char = match.group()[0]
        if char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line = (mark.line or 1) + text.count("\n", 0, match.start())
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                raise InputError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep (the limit)",
                                 Mark(mark.path, line, column))
        elif char in "]}":
            depth -= 1
    return json.loads(text, parse_float=_json_float, parse_int=_json_int)


_JSON_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "+inf": math.inf,
                   "infinity": math.inf, "-infinity": -math.inf, "+infinity": math.inf}


# The characters of the CSV/TSV fast path (see TextSource._parse), per delimiter.
_FAST_PATH_BYTES = {delimiter: b"0123456789.eE+-infatyINFATY \t\n" + delimiter.encode() for delimiter in ",\t"}


def _fast_path_fits(text: str, delimiter: str) -> bool:
    """Whether ``text`` holds only the characters on which np.loadtxt takes exactly nncli's grammar.

    bytes.translate with a delete set: ~1 ns a character, against ~8 for a regex search.
    """
    return text.isascii() and not text.encode("ascii").translate(None, _FAST_PATH_BYTES[delimiter])


class TextSource(InputSource):
    """CSV/TSV or JSON Lines, parsed in batches of lines; errors name the line (and column)."""

    def __init__(self, stream: PeekableStream, name: str, fmt: str, key: str | None,
                 reopen: Callable[[], PeekableStream] | None, header: bool | None = None) -> None:
        self.name = name
        self._header = header
        self.format = fmt
        self.key = key
        self.width = 0
        self._reopen = reopen
        self._delimiter = "\t" if fmt == "tsv" else ","
        self._text: io.BufferedReader | None = None
        self._lines: Iterator[tuple[int, str]] | None = None
        self._first: tuple[int, str] | None = None
        self._start(stream)

    def _start(self, stream: PeekableStream) -> None:
        """Open the text, read the header (CSV) and the first row: its width is every row's."""
        self._text = io.BufferedReader(gunzipped(stream, self.name))
        self._lines = self._numbered_lines(_limited_lines(self._text, self.name))
        try:
            first = next(self._lines, None)
            if first is None:
                raise InputError(f"{self.name}: no rows (only blank lines or comments)")
            if self.format == "jsonl":
                self.first_line = first[0]
                self.width = len(self._json_line(*first))
            else:
                fields = split_fields(first[1], self._delimiter)
                header = self._header
                if header is None:  # auto: a header when none of the first line's values is a number
                    header = not any(is_number(unquote(text)) for text, _column in fields)
                    if header:
                        self._check_delimiter(*first)
                if header:
                    header_line = first[0]
                    self.columns = tuple(unquote(text) for text, _column in fields)
                    first = next(self._lines, None)
                    if first is None:
                        raise InputError(f"{self.name}: has a header line (line {header_line}) but no rows")
                self.first_line = first[0]
                row = self._csv_line(*first)
                if self.columns is not None and len(row) != len(self.columns):
                    raise InputError(
                        f"row has {len(row)} values but the header (line {header_line}) names {len(self.columns)} columns",
                        Mark(self.name, first[0]),
                    )
                self.width = len(row)
        except BaseException:
            self.close()
            raise
        self._first = first

    def _check_delimiter(self, number: int, line: str) -> None:
        """InputError for a line of numbers separated by another character than the file's delimiter
        (``1;2``, as spreadsheets in many locales write CSV), rather than taking it for a header."""
        for other in ";\t,|":
            parts = line.split(other)
            if other != self._delimiter and len(parts) > 1 and all(is_number(unquote(p)) for p in parts):
                delimiter = "','" if self._delimiter == "," else "a tab"
                raise InputError(f"values are separated by {other!r}, but {self.format} values by {delimiter}; "
                                 f"replace them (e.g. with tr '{other}' '{self._delimiter.replace(chr(9), chr(92) + 't')}')",
                                 Mark(self.name, number))

    def _numbered_lines(self, lines: Iterator[bytes]) -> Iterator[tuple[int, str]]:
        """(line number, text) of every line that is neither blank nor a # comment (UTF-8, BOM ok)."""
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise InputError(
                    "not UTF-8 text (a binary file? choose its format with --input-format)", Mark(self.name, number)
                ) from None
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                yield number, line.rstrip("\r\n")

    def _batches(self, batch_size: int, start: int, stop: int | None, reuse: bool) -> Iterator[np.ndarray]:
        if self._lines is None:
            if self._reopen is None:
                raise InputError(f"{self.name}: can only be read once (stdin or a pipe)")
            self._start(self._reopen())
        assert self._lines is not None and self._first is not None
        lines, first = self._lines, self._first
        self._first = None
        try:
            row = 0
            chunk: list[tuple[int, str]] = []
            for item in _chain_one(first, lines):
                if stop is not None and row >= stop:
                    break
                if row >= start:
                    chunk.append(item)
                    if len(chunk) == batch_size:
                        yield self._parse(chunk)
                        chunk = []
                row += 1
            if chunk:
                yield self._parse(chunk)
        finally:
            self.close()

    def _parse(self, chunk: list[tuple[int, str]]) -> np.ndarray:
        """The rows of some lines as a (lines, width) float64 array."""
        if self.format == "jsonl":
            return np.array([self._json_line(number, line) for number, line in chunk], dtype=np.float64)
        # Fast path: numpy's C parser, about 3x faster than checking each token with nncli.rows'
        # regex first (8192 rows of 784 values: 0.35 s against 0.94 s more for the regex). It is
        # used only when it accepts exactly the tokens of nncli's grammar: on lines made of ASCII
        # digits, . e E + -, the letters of inf/infinity/nan, blanks and the delimiter, a token
        # np.loadtxt takes (Python's float syntax without underscores) is one the grammar takes,
        # with the same value. A quote ("1"2 reads as 12 there), any other character, a parse
        # error, a wrong width or an inf (1e400 must be an error) sends the chunk to the strict
        # path, which finds the exact line and column. The check costs ~15 ms per 8192 x 784
        # rows, ~4% of np.loadtxt's time.
        lines = [line for _number, line in chunk]
        if _fast_path_fits("\n".join(lines), self._delimiter):
            try:
                arr = np.loadtxt(lines, delimiter=self._delimiter, dtype=np.float64, ndmin=2, comments=None,
                                 quotechar=None)
                if arr.shape == (len(chunk), self.width) and not np.isinf(arr).any():
                    return arr
            except ValueError:
                pass
        return np.array([self._csv_line(number, line) for number, line in chunk], dtype=np.float64)

    def _csv_line(self, number: int, line: str) -> list[float]:
        values = []
        where = f"{self.name}:{number}"
        for position, (text, column) in enumerate(split_fields(line, self._delimiter), start=1):
            token = unquote(text)
            if not token:
                raise InputError(f"value {position} is empty", Mark(self.name, number, column))
            values.append(parse_number(token, where, column, f"value {position}"))
        self._check_row_width(len(values), number)
        return values

    def _json_line(self, number: int, line: str) -> list[float]:
        try:
            value = json_loads(line, Mark(self.name, number))
        except ValueError as err:
            raise InputError(f"not valid JSON ({getattr(err, 'msg', err)})",
                             Mark(self.name, number, getattr(err, "colno", None))) from None
        row = json_row(value, self.key, Mark(self.name, number))
        self._check_row_width(len(row), number)
        return row

    def _check_row_width(self, count: int, number: int) -> None:
        if self.width and count != self.width:
            raise InputError(
                f"row has {count} values but the first row (line {self.first_line}) has {self.width}",
                Mark(self.name, number),
            )

    def close(self) -> None:
        self._lines = None
        if self._text is not None:
            text, self._text = self._text, None
            text.close()


def _limited_lines(text: io.BufferedReader, name: str) -> Iterator[bytes]:
    """The lines of ``text``, each at most MAX_LINE_BYTES (else an InputError naming the line)."""
    number = 0
    while True:
        line = text.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise InputError(f"line longer than {MAX_LINE_BYTES // 2**20} MiB (the limit); is this a text file?",
                             Mark(name, number))
        yield line


def _chain_one(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def split_fields(line: str, delimiter: str) -> list[tuple[str, int]]:
    """The fields of a CSV line with their 1-based columns (double quotes may hold the delimiter).

    Why not ``csv.reader``: it does not say where a field starts, and every message names
    the column; it also keeps the blank in ``1, "2"`` as part of the field, which nncli
    has always read as 2. This runs only on the strict path (and for the first line); bulk
    parsing is np.loadtxt's (see ``TextSource._parse``).
    """
    if '"' not in line:
        fields: list[tuple[str, int]] = []
        column = 1
        for text in line.split(delimiter):
            fields.append((text, column))
            column += len(text) + 1
        return fields
    fields = []
    start, quoted = 1, False
    current: list[str] = []
    for column, char in enumerate(line, start=1):
        if char == '"':
            quoted = not quoted
        if char == delimiter and not quoted:
            fields.append(("".join(current), start))
            current, start = [], column + 1
        else:
            current.append(char)
    fields.append(("".join(current), start))
    return fields


def unquote(text: str) -> str:
    """A CSV field without surrounding white space and double quotes."""
    token = text.strip()
    if len(token) >= 2 and token[0] == token[-1] == '"':
        token = token[1:-1].strip()
    return token


def json_row(value: Any, key: str | None, mark: Mark, what: str = "row") -> list[float]:
    """A JSON value as a row of floats: a list of numbers, or an object whose ``key`` is one.

    A bare number is a row of one value (e.g. a label per line); the strings nan, inf and
    -inf (as nncli's own JSON writes them) are the non-finite numbers.
    """
    if isinstance(value, dict):
        if key is None:
            raise InputError(f"{what} is a JSON object ({_members(value)}); name the member holding the numbers with --key", mark)
        if key not in value:
            raise InputError(f"{what} has no member '{key}' (it has: {_members(value)})", mark)
        value = value[key]
    if type(value) in (int, float) or isinstance(value, _TooLarge):
        value = [value]
    if not isinstance(value, list) or not value:
        raise InputError(f"{what} must be a non-empty list of numbers, not {_json_kind(value)}", mark)
    row = []
    for position, item in enumerate(value, start=1):
        if type(item) is float or type(item) is int:
            row.append(float(item))
        elif isinstance(item, _TooLarge):
            raise InputError(f"value {position} of the {what} is {item.text}, too large for float64 "
                             f"(largest finite 1.7976931348623157e+308); write \"inf\" if you mean infinity", mark)
        elif isinstance(item, str) and item.strip().lower() in _JSON_NONFINITE:
            row.append(_JSON_NONFINITE[item.strip().lower()])
        else:
            raise InputError(f"value {position} of the {what} is {_json_kind(item)}, not a number", mark)
    return row


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string '{shorten(value)}'"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def json_source(stream: PeekableStream, name: str, key: str | None, one_d: str = "row") -> InputSource:
    """A .json document (read whole): a list of rows, one row, or an object whose ``key`` is one of those.

    Rows may themselves be objects holding the row under ``key`` (as nncli's JSON Lines).
    A flat list of numbers is one row, or with ``one_d="column"`` (labels) one value per row.
    """
    parts, size = [], 0
    while size <= MAX_JSON_BYTES:
        part = stream.read(1 << 20)
        if not part:
            break
        parts.append(part)
        size += len(part)
    data = b"".join(parts)
    if size > MAX_JSON_BYTES:
        raise InputError(f"{name}: a .json document over {MAX_JSON_BYTES // 2**20} MiB (the limit; it is read whole): "
                         f"use JSON Lines, CSV or .npy, which are streamed")
    try:
        document = json_loads(data.decode("utf-8-sig"), Mark(name, 1))
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text (a binary file? choose its format with --input-format)") from None
    except ValueError as err:
        line, column = getattr(err, "lineno", None), getattr(err, "colno", None)
        raise InputError(f"not valid JSON ({getattr(err, 'msg', err)})", Mark(name, line, column)) from None
    if isinstance(document, dict):
        if key is None:
            raise InputError(f"{name}: is a JSON object ({_members(document)}); name the member holding the rows with --key")
        if key not in document:
            raise InputError(f"{name}: has no member '{key}' (it has: {_members(document)})")
        document = document[key]
    mark = Mark(name)
    if isinstance(document, list) and document and all(isinstance(item, (list, dict)) for item in document):
        rows = [json_row(item, key, mark, f"row {i}") for i, item in enumerate(document)]
    elif one_d == "column" and isinstance(document, list) and document:
        rows = [json_row([item], key, mark, f"row {i}") for i, item in enumerate(document)]
    else:
        rows = [json_row(document, key, mark, "row 0")]
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(f"{name}: row {i} has {len(row)} values but row 0 has {width}")
    return ArraySource(name, "json", np.array(rows, dtype=np.float64))


def _members(document: dict[str, Any]) -> str:
    names = list(document)
    return ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")

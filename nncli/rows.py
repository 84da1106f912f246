"""Rows of numbers typed by people: parse ``"2.0, 1.0 0.1"`` into floats, lines of stdin into rows,
and ``--rows START:STOP`` / ``--index N`` into a selection of rows.

The number grammar, shared by every command that takes numbers on the command line or stdin
and by CSV/TSV input files (``nncli.data``):

* numbers are separated by commas and/or whitespace (``"1,2,3"``, ``"1 2 3"``, ``"1, 2, 3"``);
* a number is a decimal literal (``2``, ``-0.5``, ``.5``, ``1e-3``, ``+3``) or one of ``inf``,
  ``infinity``, ``nan`` with an optional sign, in any case (``-Inf``, ``NaN``);
* an empty value (``"1,,2"``, a leading or trailing comma) is an error, as is an empty row;
* a finite literal too large for float64 (``1e400``) is an error rather than a silent ``inf``.

Errors are ``InputError`` with one line ``WHERE:COLUMN: message`` naming the bad token;
COLUMN is 1-based, counted in characters of the text given.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nncli.errors import InputError

# THE number grammar of nncli (command line, stdin, CSV/TSV files): a decimal literal or
# inf/infinity/nan, optionally signed. ASCII only: float() would also accept "1_000" and
# non-ASCII digits, which nncli does not want to guess about.
NUMBER = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)",
    re.IGNORECASE | re.ASCII,
)
_INTEGER = re.compile(r"[-+]?\d+", re.ASCII)
# One piece of a row: a run of anything but separators, or a comma.
_PIECE = re.compile(r",|[^,\s]+")
_MAX_SHOWN = 30  # characters of a bad token quoted in a message

HINT = "numbers are separated by commas or spaces; inf, -inf and nan are allowed"


@dataclass(frozen=True)
class Row:
    """One parsed row: its values, the column where each value starts, and where it came from.

    ``where`` is the location used in messages (``"<stdin>:3"``, ``"<args>"``); ``columns[k]``
    is the 1-based column of ``values[k]`` in the original text.
    """

    values: tuple[float, ...]
    columns: tuple[int, ...]
    where: str

    def __len__(self) -> int:
        return len(self.values)


def parse_row(text: str, where: str) -> list[float]:
    """The numbers in ``text`` (see the module docstring for the grammar), as Python floats.

    ``where`` names the source in error messages, which read ``WHERE:COLUMN: ...``, e.g.
    ``parse_row("1 x", "<stdin>:4")`` raises ``InputError("<stdin>:4:3: 'x' is not a number ...")``.
    Raises InputError for a bad token, an empty value between commas, or an empty row.
    """
    return list(parse_row_at(text, where).values)


def parse_row_at(text: str, where: str) -> Row:
    """Like ``parse_row`` but keeps each value's column and the location: a ``Row``."""
    values: list[float] = []
    columns: list[int] = []
    expecting_value = True  # at the start, or just after a comma
    last_comma = 0
    for match in _PIECE.finditer(text):
        piece, column = match.group(), match.start() + 1
        if piece == ",":
            if expecting_value:
                raise InputError(f"{where}:{column}: empty value before this comma ({HINT})")
            expecting_value, last_comma = True, column
            continue
        values.append(parse_number(piece, where, column))
        columns.append(column)
        expecting_value = False
    if not values:
        raise InputError(f"{where}: empty row: no numbers ({HINT})")
    if expecting_value:
        raise InputError(f"{where}:{last_comma}: empty value after the last comma ({HINT})")
    return Row(tuple(values), tuple(columns), where)


def parse_lines(text: str, source: str = "<stdin>") -> list[Row]:
    """One ``Row`` per line of ``text``; blank lines and ``#`` comments are skipped.

    A comment runs from ``#`` to the end of the line, so ``1 2 3  # first sample`` is the row
    [1, 2, 3]. Each row's ``where`` is ``SOURCE:LINE`` (1-based), so errors read
    ``<stdin>:LINE:COLUMN: ...``. Returns an empty list when there is no row at all.
    """
    rows: list[Row] = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0]
        if not content.strip():
            continue
        rows.append(parse_row_at(content, f"{source}:{number}"))
    return rows


def stack_rows(rows: Sequence[Row], dtype: "np.dtype | type | str" = np.float64) -> np.ndarray:
    """The rows as one (n_rows, n_values) array of ``dtype``.

    Raises InputError when there are no rows, when a row's length differs from the first
    row's, or when a finite value does not fit in ``dtype`` (e.g. 1e39 in float32) instead of
    letting the cast turn it into inf with a RuntimeWarning.
    """
    if not rows:
        raise InputError("no rows of numbers given")
    width = len(rows[0])
    for row in rows[1:]:
        if len(row) != width:
            raise InputError(
                f"{row.where}: this row has {_count(len(row))}, but the first row "
                f"({rows[0].where}) has {_count(width)}; all rows must have the same length"
            )
    kind = np.dtype(dtype)
    wide = np.array([row.values for row in rows], dtype=np.float64)  # (n_rows, n_values)
    with np.errstate(over="ignore"):
        out = wide.astype(kind)
    too_big = np.isinf(out) & np.isfinite(wide)
    if too_big.any():
        i, k = (int(v) for v in np.argwhere(too_big)[0])
        row = rows[i]
        largest = np.finfo(kind).max
        raise InputError(
            f"{row.where}:{row.columns[k]}: {row.values[k]:g} does not fit in {kind.name} "
            f"(largest finite {largest:.8g}); write inf if you mean infinity"
        )
    return out


def is_number(token: str) -> bool:
    """Whether ``token`` is a number of nncli's grammar (see the module docstring); no white space."""
    return NUMBER.fullmatch(token) is not None


def parse_number(token: str, where: str, column: int, context: str | None = None) -> float:
    """The float64 value of one number token: THE number parser of nncli (see the module docstring).

    ``where`` and ``column`` (1-based) place the token in messages: ``WHERE:COLUMN: ...``.
    ``context`` (e.g. ``"value 3"``) replaces the grammar hint in the message. Raises
    InputError when ``token`` is not in the grammar (``1_000``, ``0x10``, ``٣``) or is a finite
    literal beyond float64 (``1e400``); ``1e-400`` underflows quietly to 0.0.
    """
    shown = token if len(token) <= _MAX_SHOWN else token[:_MAX_SHOWN] + "..."
    if not NUMBER.fullmatch(token):
        raise InputError(f"{where}:{column}: {shown!r} is not a number ({context or HINT})")
    value = float(token)
    if math.isinf(value) and "inf" not in token.lower():
        largest = f"({context})" if context else "(largest finite 1.7976931348623157e+308)"
        raise InputError(f"{where}:{column}: {shown} is too large for float64 {largest}; write inf if you mean infinity")
    return value


# --- choosing rows: --rows START:STOP and --index N ----------------------------------


def parse_rows_spec(text: str) -> slice:
    """``"START:STOP"`` (0-based, STOP excluded, either may be left out or negative) as a slice.

    ``"0:100"`` is the first 100 rows, ``"-10:"`` the last 10. Raises InputError on
    anything else, including a step or a range that can select nothing.
    """
    spec = text.strip()
    parts = spec.split(":")
    if len(parts) != 2:
        hint = f" (for one row use --index {spec} or --rows {spec}:{int(spec) + 1})" if _is_int(spec) else ""
        raise InputError(f"rows '{text}' must be START:STOP, e.g. 0:100 (0-based, STOP excluded){hint}")
    bounds: list[int | None] = []
    for part in parts:
        part = part.strip()
        if not part:
            bounds.append(None)
        elif _is_int(part):
            bounds.append(int(part))
        else:
            raise InputError(f"rows '{text}': '{part}' is not a whole number")
    start, stop = bounds
    if start is not None and stop is not None and (start >= 0) == (stop >= 0) and stop <= start:
        raise InputError(f"rows '{text}' selects no rows (STOP must be greater than START)")
    return slice(start, stop)


def index_rows(index: int) -> slice:
    """The selection of the single row ``index`` (0-based; negative counts from the end)."""
    return slice(index, index + 1 if index != -1 else None)


def describe_rows(rows: slice) -> str:
    """A selection as the user wrote it: ``"row 3"`` for one row, else ``"rows START:STOP"``."""
    start = "" if rows.start is None else str(rows.start)
    stop = "" if rows.stop is None else str(rows.stop)
    if rows.stop is not None and rows.start is not None and rows.stop == rows.start + 1:
        return f"row {rows.start}"
    return f"rows {start}:{stop}"


def _is_int(text: str) -> bool:
    return _INTEGER.fullmatch(text) is not None


def _count(n: int) -> str:
    return f"{n} value" if n == 1 else f"{n} values"


"""Every number nncli prints, formatted in one place: the nan/inf spellings, table cells,
arithmetic lines, full-precision CSV/JSON values; and numpy-like matrix summaries.
(Counts in words, "1 row", "3 values", are ``nncli.errors.plural``: messages need them too.)

No Rich here: the machine formats (json, jsonl, csv) use this module too.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np

ELLIPSIS = "…"
NONE = "—"  # a value that does not exist (precision of a class never predicted): null in JSON


# --- non-finite values and full precision ---------------------------------------------------


def non_finite(x: float) -> str | None:
    """The spelling of a non-finite value, ``"nan"``, ``"inf"`` or ``"-inf"`` (the same in
    tables, CSV and JSON strings); None for a finite value."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return None


def full(x: Any) -> str:
    """``x`` at full precision for CSV: Python's shortest text that reads back to the same
    float64 (float32 widens exactly), or nan/inf/-inf."""
    value = float(x)
    return non_finite(value) or repr(value)


def json_value(x: Any) -> float | str:
    """``x`` as a JSON number, or its nan/inf spelling as a string (JSON has no NaN/Infinity)."""
    value = float(x)
    return non_finite(value) or value


def score(x: Any) -> str:
    """A score as the user would type it: the shortest text that reads back to it ("1010", "0.1", "-inf")."""
    text = str(x if isinstance(x, np.floating) else np.float64(x))
    return text[:-2] if text.endswith(".0") else text


def predicted_list(predicted: np.ndarray | Sequence[int] | None) -> list[int | None] | None:
    """Predicted classes for output: None for a row that predicts nothing (NaN probabilities).

    ``predicted`` is what ``nncli.network.predicted_classes`` returns: an object array of
    Python ints with None for such a row."""
    if predicted is None:
        return None
    return [None if p is None else int(p) for p in predicted]


# --- table cells ------------------------------------------------------------------------


def fmt(x: float, precision: int, scientific: bool = False) -> str:
    """One matrix cell: ``precision`` digits after the point, or scientific notation when the
    whole matrix needs it (see ``use_scientific``); "-0.0000" is shown as "0.0000"."""
    word = non_finite(x)
    if word:
        return word
    if scientific:
        return f"{x:.{precision}e}"
    text = f"{x:.{precision}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # "-0.0000" reads as noise
    return text


def adaptive(x: Any, precision: int = 6) -> str:
    """A value cell of ``nncli activations --at``: fixed point with ``precision`` decimals when
    that shows it well (10^-min(precision, 4) <= |x| < 1e7, or 0), else scientific (9.536743e-07)."""
    v = float(x)
    word = non_finite(v)
    if word:
        return word
    if v == 0 or 10.0 ** -min(precision, 4) <= abs(v) < 1e7:
        return f"{v:.{precision}f}"
    return f"{v:.{precision}e}"


def fixed(x: Any, precision: int) -> str:
    """``precision`` digits after the point; scientific when that would show a nonzero as 0
    (|x| < 0.5·10^-precision): softmax probabilities."""
    value = float(x)
    word = non_finite(value)
    if word:
        return word
    if value != 0 and abs(value) < 0.5 * 10.0 ** (-precision):
        return f"{value:.{max(precision, 1)}e}"
    return f"{value:.{precision}f}"


def sci(x: Any, precision: int) -> str:
    """Scientific notation with ``precision`` digits after the point ("9.99954600e-01"), as numpy prints."""
    value = float(x)
    return non_finite(value) or f"{value:.{precision}e}"


def stat(value: float | None, precision: int) -> str:
    """A statistic (min, max, mean, std): fixed point, scientific for |x| >= 1e6 or below
    10^-precision; ``—`` for a missing one."""
    if value is None:
        return NONE
    word = non_finite(value)
    if word:
        return word
    if value != 0 and (abs(value) >= 10 ** 6 or abs(value) < 10 ** -precision):
        return f"{value:.{max(precision - 1, 1)}e}"
    return f"{value:.{precision}f}"


def ratio(value: float | None, precision: int) -> str:
    """A ratio in [0, 1] (precision, recall) with ``precision`` decimals; ``—`` for a missing one."""
    return NONE if value is None else f"{value:.{precision}f}"


def accuracy(correct: int, samples: int) -> str:
    """The exact ratio, at most 6 decimals, without float noise: 9352/10000 -> 0.9352; n/a for none."""
    if not samples:
        return "n/a"
    text = f"{correct / samples:.6f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def compact(x: Any) -> str:
    """4 significant digits for the property table and plot axes ("0.25", "1.05e-05"); "0" for zero."""
    v = float(x)
    word = non_finite(v)
    if word:
        return word
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        return f"{v:.4g}"
    return f"{v:.2e}"


# --- arithmetic lines -------------------------------------------------------------------


def short(x: float, precision: int = 4) -> str:
    """A compact number for arithmetic lines: at most ``precision`` decimals, trailing zeros
    dropped but one kept (``1.0``, ``0.3``, ``0.5744``); scientific for tiny or huge values."""
    word = non_finite(x)
    if word:
        return word
    if x != 0 and (abs(x) < 10.0 ** (-precision) or abs(x) >= 1e8):
        return f"{x:.{precision - 1 if precision > 1 else 1}e}"
    text = f"{x:.{precision}f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    if text in ("-0.0",):
        text = "0.0"
    return text


def factor(x: float, precision: int) -> str:
    """A factor of a product (``short``), in parentheses when negative: ``(-0.5)``."""
    text = short(x, precision)
    return f"({text})" if text.startswith("-") else text


# --- summarising big matrices like numpy ------------------------------------------------


# A NamedTuple, not a frozen dataclass: as immutable, and defined ~7x faster at start-up
# (Python 3.11 execs six generated methods per frozen dataclass; every command imports this module).
class Summary(NamedTuple):
    """Which rows and columns of a matrix to show: indices, with None where an ellipsis goes."""

    rows: list[int | None]
    cols: list[int | None]
    shape: tuple[int, int]

    @property
    def truncated(self) -> bool:
        return None in self.rows or None in self.cols


def pick(n: int, limit: int) -> list[int | None]:
    """All of range(n) when n <= limit, else the first and last ``limit // 2`` (first gets the
    extra one when ``limit`` is odd) with None marking the gap, like numpy's edge items."""
    if limit < 2:
        limit = 2
    if n <= limit:
        return list(range(n))
    head = (limit + 1) // 2
    tail = limit // 2
    return [*range(head), None, *range(n - tail, n)]


def summarise(shape: tuple[int, int], max_rows: int, max_cols: int) -> Summary:
    """The rows and columns to show of a (rows, cols) matrix."""
    return Summary(pick(shape[0], max_rows), pick(shape[1], max_cols), shape)


def use_scientific(values: np.ndarray) -> bool:
    """True when fixed-point would hide values, like numpy: any |x| >= 1e8, or a nonzero |x| < 1e-4."""
    finite = np.abs(values[np.isfinite(values)])
    nonzero = finite[finite != 0]
    if nonzero.size == 0:
        return False
    return bool(nonzero.max() >= 1e8 or nonzero.min() < 1e-4)

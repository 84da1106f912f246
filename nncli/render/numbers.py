"""Formatting numbers and summarising big matrices the way numpy prints them (no Rich here)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ELLIPSIS = "…"


@dataclass(frozen=True)
class Summary:
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


def fmt(x: float, precision: int, scientific: bool = False) -> str:
    """One number: ``precision`` digits after the point, or scientific notation; nan/inf as words."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if scientific:
        return f"{x:.{precision}e}"
    text = f"{x:.{precision}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # "-0.0000" reads as noise
    return text


def short(x: float, precision: int = 4) -> str:
    """A compact number for arithmetic lines: at most ``precision`` decimals, trailing zeros
    dropped but one kept (``1.0``, ``0.3``, ``0.5744``); scientific for tiny or huge values."""
    if math.isnan(x) or math.isinf(x):
        return fmt(x, precision)
    if x != 0 and (abs(x) < 10.0 ** (-precision) or abs(x) >= 1e8):
        return f"{x:.{precision - 1 if precision > 1 else 1}e}"
    text = f"{x:.{precision}f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    if text in ("-0.0",):
        text = "0.0"
    return text

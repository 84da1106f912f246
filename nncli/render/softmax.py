"""Rich tables of ``nncli softmax``: the probabilities of each row, and the overflow demo.

The machine formats (JSON, CSV) are in ``nncli.render.machine``. Everything fits in 80 columns for a few values;
the overflow demo falls back from one side-by-side table to two stacked tables when the
console is too narrow for it.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from nncli.overflow import OverflowDemo, SoftmaxRows
from nncli.render.numbers import fixed, sci, score

BAR_WIDTH = 20  # characters of a probability-1 bar
_EIGHTHS = " ▏▎▍▌▋▊▉"
ARGMAX_MARK = "◀ argmax"
DEMO_PRECISION = {"float64": 8, "float32": 6}  # digits numpy shows: 9.99954600e-01, 9.999546e-01


# --- bars ------------------------------------------------------------------------------


def bar(p: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of ``p * width`` characters in eighth-blocks ("" for nan or p <= 0)."""
    if not math.isfinite(p) or p <= 0:
        return ""
    eighths = round(min(p, 1.0) * width * 8)
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


# --- tables for people ------------------------------------------------------------------------


def render_probabilities(
    result: SoftmaxRows, console: Any, precision: int = 4, labels: Sequence[str] | None = None
) -> None:
    """One table per row: k, the score a_k, its probability p_k (and log p_k with --log), a bar, the argmax.

    ``labels`` name the rows (e.g. their stdin line) in the titles when there are several.
    """
    n_rows = result.scores.shape[0]
    formula = _formula(result)
    console.print(Text(f"{formula}  ({result.dtype})", style="bold"))
    for i in range(n_rows):
        title = None
        if n_rows > 1:
            where = f" ({labels[i]})" if labels else ""
            title = f"row {i + 1} of {n_rows}{where}"
        table = Table(title=title, title_justify="left", show_footer=True, box=_box(), show_edge=False,
                      pad_edge=False)
        table.add_column("k", justify="right", footer="")
        table.add_column("a", justify="right", footer="Σ", style="cyan")
        probabilities = result.probabilities[i]
        total = _quiet_sum(probabilities)
        if result.log_probabilities is not None:
            table.add_column("log p", justify="right", footer="")
        table.add_column("p", justify="right", footer=fixed(total, precision), style="bold")
        table.add_column("", justify="left", no_wrap=True, style="green", min_width=BAR_WIDTH)
        table.add_column("", justify="left", no_wrap=True, style="bold yellow")
        winner = result.predicted[i]
        for k, (a_k, p) in enumerate(zip(result.scores[i], probabilities)):
            cells = [str(k), score(a_k)]
            if result.log_probabilities is not None:
                cells.append(fixed(result.log_probabilities[i][k], precision))
            cells += [fixed(p, precision), bar(float(p)), ARGMAX_MARK if k == winner else ""]
            table.add_row(*cells)
        console.print(table)
    if np.isnan(result.probabilities).any():
        console.print("nan: a row holding nan, or only -inf, has no probabilities")
        console.print("(0/0 is undefined; see nncli softmax --help).")


def _formula(result: SoftmaxRows) -> str:
    name = "log_softmax" if result.log_probabilities is not None else "softmax"
    if result.temperature == 1.0:
        return f"{name}(a)"
    return f"{name}(a / T), T = {result.temperature:g}"


def _quiet_sum(values: np.ndarray) -> np.floating:
    with np.errstate(all="ignore"):
        return np.sum(values)


def _box() -> Any:
    return box.SIMPLE_HEAD


# --- the overflow demo ------------------------------------------------------------------------


def render_demo(demo: OverflowDemo, console: Any, precision: int | None = None) -> None:
    """The book's lesson in four parts: 1. naive and 2. stable (side by side), 3. why, 4. where it breaks.

    ``precision`` is the digits after the point in scientific notation; by default as many as
    numpy prints for the dtype (8 for float64, the book's 9.99954600e-01; 6 for float32).
    """
    if precision is None:
        precision = DEMO_PRECISION.get(demo.dtype, 8)

    a_text = ", ".join(score(x) for x in demo.a)
    console.print(Text(f"softmax([{a_text}]) in {demo.dtype}, step by step", style="bold"))
    console.print("1. naive:  y = exp(a) / Σ exp(a)")
    console.print(f"2. stable: y = exp(a - C) / Σ exp(a - C), {_c_text(demo)}")
    console.print()
    side_by_side = _demo_table(demo, precision)
    wanted = console.measure(side_by_side, options=console.options.update_width(10_000)).maximum
    if wanted <= console.width:
        console.print(side_by_side)
    else:  # too narrow: the same numbers, one computation after the other
        console.print(Group(_naive_table(demo, precision), Text(""), _stable_table(demo, precision)))
    console.print()
    for line in _warning_lines(demo):
        console.print(line)
    console.print()
    console.print(Text("3. Why subtracting C is allowed", style="bold"))
    for line in _why_lines(demo):
        console.print(line)
    console.print()
    console.print(Text(f"4. Where exp breaks in {demo.dtype}", style="bold"))
    for line in _where_lines(demo):
        console.print(line)


def _demo_table(demo: OverflowDemo, precision: int) -> Any:
    naive, stable = demo.naive, demo.stable
    table = Table(box=_box(), show_edge=False, show_footer=True, pad_edge=False)
    table.add_column("k", justify="right", footer="")
    table.add_column("a", justify="right", footer="Σ", style="cyan")
    table.add_column("1. naive\nexp(a)", justify="right", footer=sci(naive.sum, precision))
    table.add_column("\ny", justify="right", footer=sci(_quiet_sum(naive.result), precision), style="red")
    table.add_column("2. stable\na - C", justify="right", footer="")
    table.add_column("\nexp(a - C)", justify="right", footer=sci(stable.sum, precision))
    table.add_column("\ny", justify="right", footer=sci(_quiet_sum(stable.result), precision), style="green")
    for k in range(demo.a.size):
        table.add_row(
            str(k), score(demo.a[k]),
            sci(naive.exp[k], precision), sci(naive.result[k], precision),
            score(stable.shifted[k]), sci(stable.exp[k], precision), sci(stable.result[k], precision),
        )
    return table


def _naive_table(demo: OverflowDemo, precision: int) -> Any:
    naive = demo.naive
    return _steps_table("1. naive", ("a", demo.a, "cyan"), ("exp(a)", naive.exp, naive.sum),
                        (naive.result, "red"), precision)


def _stable_table(demo: OverflowDemo, precision: int) -> Any:
    stable = demo.stable
    return _steps_table("2. stable", ("a - C", stable.shifted, None), ("exp(a - C)", stable.exp, stable.sum),
                        (stable.result, "green"), precision)


def _steps_table(title: str, scores: tuple[str, np.ndarray, str | None], exp: tuple[str, np.ndarray, Any],
                 result: tuple[np.ndarray, str], precision: int) -> Any:
    """One computation of the demo: k, the scores, their exp with its sum Σ, and y with its sum."""
    table = Table(title=title, title_justify="left", box=_box(), show_edge=False, show_footer=True, pad_edge=False)
    table.add_column("k", justify="right", footer="")
    table.add_column(scores[0], justify="right", footer="Σ", style=scores[2] or "")
    table.add_column(exp[0], justify="right", footer=sci(exp[2], precision))
    table.add_column("y", justify="right", footer=sci(_quiet_sum(result[0]), precision), style=result[1])
    for k in range(scores[1].size):
        table.add_row(str(k), score(scores[1][k]), sci(exp[1][k], precision), sci(result[0][k], precision))
    return table


def _c_text(demo: OverflowDemo) -> str:
    stable = demo.stable
    if math.isfinite(stable.max):
        return f"C = max(a) = {score(stable.C)}"
    return f"C = 0: max(a) = {score(stable.max)} is not finite"


def _warning_lines(demo: OverflowDemo) -> list[Any]:
    lines: list[Any] = []
    for name, messages in (("naive", demo.naive.warnings), ("stable", demo.stable.warnings)):
        if messages:
            lines.append(Text(f"numpy's warnings in the {name} computation (captured, not sent to stderr):"))
            lines += [Text(f"   RuntimeWarning: {m}", style="yellow") for m in messages]
        else:
            lines.append(Text(f"numpy raised no warning in the {name} computation."))
    return lines


def _why_lines(demo: OverflowDemo) -> list[str]:
    am = demo.argmax
    lines = [
        "   e^a_k / Σ e^a_i = e^-C·e^a_k / (e^-C·Σ e^a_i) = e^(a_k - C) / Σ e^(a_i - C)",
        "   Multiplying the numerator and the denominator by the same e^-C changes",
        "   nothing, and subtracting C keeps the order of the elements, so the argmax",
        f"   is the same: argmax(a) = {_k(am['input'])}, argmax(a - C) = {_k(am['shifted'])}, "
        f"argmax(y) = {_k(am['stable'])}.",
    ]
    if am["naive"] is None:
        lines.append("   The naive y holds nan, so it has no argmax at all.")
    return lines


def _k(index: int | None) -> str:
    return "none (nan)" if index is None else str(index)


def _where_lines(demo: OverflowDemo) -> list[str]:
    kind = np.dtype(demo.dtype)
    info = np.finfo(kind)
    n = demo.a.size
    lines = [
        f"   overflow:  exp(x) = inf for x > log({float(info.max):.6g}) = {demo.overflow_threshold:.2f}"
        f"  ({demo.overflowing} of {n} here)",
        f"   underflow: exp(x) = 0 for x < log({float(info.smallest_subnormal):.6g} / 2) = "
        f"{demo.underflow_threshold:.2f}  ({demo.underflowing} of {n} here)",
        "   naive: one exp(a_k) = inf makes the sum inf and y_k = inf/inf = nan;",
        "          every exp(a_k) = 0 makes the sum 0 and y = 0/0 = nan.",
        "   stable: every a - C <= 0 (no overflow); the sum holds exp(0) = 1 (never 0).",
    ]
    dtype_flag = "" if kind == np.float64 else f" --dtype {demo.dtype}"
    tries = []
    if not demo.overflowing:
        example = "100 90 80" if kind == np.float32 else "1010 1000 990"
        tries.append(f"nncli softmax --demo-overflow{dtype_flag} {example}")
    if demo.underflowing < n:
        tries.append(f"nncli softmax --demo-overflow{dtype_flag} -1000 -1010 -1020")
    if kind == np.float64:
        tries.append("nncli softmax --demo-overflow --dtype float32 100 90 80")
    for i, command in enumerate(tries):
        lines.append(("   Try: " if i == 0 else "        ") + command)
    return lines

"""Renderers for ``nncli activations``: the property table, value tables, the terminal plot and image files.

Everything here turns data computed by ``nncli.activations`` into text or files; nothing
is computed but layout. matplotlib, optional and slow to import, is imported only by ``save_plot``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from rich import box
from rich.table import Table
from rich.text import Text

from nncli.outfile import atomic_output
from nncli.render.numbers import adaptive, compact

PALETTE = ("cyan", "magenta", "yellow", "green", "red", "blue", "bright_white", "bright_red")
MARKS = ("*", "+", "o", "x", "#", "=", "%", "@")  # one per curve when there is no colour
MPL_PALETTE = ("#1f9bd1", "#c2338f", "#d9a000", "#2e9d4a", "#d6402b", "#5661d8", "#555555", "#ff7f0e")


@dataclass(frozen=True)
class Curve:
    """One line of a plot: ``y`` against the shared x grid; ``derivative`` curves are drawn dotted."""

    label: str
    y: np.ndarray
    colour: int  # index into the palettes
    derivative: bool = False


# --- tables ---------------------------------------------------------------------------


def _formula(text: str) -> str:
    return text.split("=", 1)[1].strip() if text.startswith("h(") and "=" in text else text


def listing_table(rows: Sequence[dict[str, Any]], depth: int) -> Any:
    """The property table: one row per activation (``rows`` from ``activations.summary``).

    Laid out for 80 columns: aliases go under the name, the three properties are one-letter
    columns, and the formula column takes what is left (wrapping when it must).
    """
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1, 0, 0))
    table.add_column("name", no_wrap=True, min_width=12, max_width=16)
    table.add_column("h(a)", overflow="fold", min_width=14)
    table.add_column("range", overflow="fold", max_width=12)
    table.add_column("odd", justify="center", no_wrap=True)
    table.add_column("mono", justify="center", no_wrap=True)
    table.add_column("C1", justify="center", no_wrap=True)
    table.add_column("max|h'|", justify="right", no_wrap=True)
    table.add_column(f"^{depth}", justify="right", no_wrap=True)
    mark = {True: "✓", False: "·"}
    for r in rows:
        name = Text(r["name"], style="bold")
        if r["aliases"]:
            name.append("\n" + "\n".join(r["aliases"]), style="dim")
        table.add_row(
            name, Text(_formula(r["formula"])), Text(r["range"]),  # Text: "a[n:]" is not Rich markup
            mark[r["zero_centred"]], mark[r["monotonic"]], mark[r["smooth"]],
            compact(r["max_derivative"]), compact(r["max_derivative_at_depth"]),
        )
    return table


def listing_legend(depth: int) -> str:
    """What the property table's short headers mean (printed under it)."""
    return (f"odd: h(-a) = -h(a), zero-centred.  mono: monotonic.  C1: continuously differentiable.  "
            f"max|h'|: the largest slope.  ^{depth}: the most of a gradient that {depth} layers of h "
            f"let through (vanishing below 1, exploding above).")


def details(row: dict[str, Any], spec: Any) -> Any:
    """One activation in full: formula, LaTeX, parameters with defaults, inf/NaN behaviour, notes."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("name", Text(row["name"], style="bold cyan"))
    if row["aliases"]:
        grid.add_row("aliases", ", ".join(row["aliases"]))
    grid.add_row("kind", row["kind"])
    grid.add_row("formula", Text(row["formula"]))
    grid.add_row("LaTeX", Text(spec.latex))
    for p in spec.params:
        value = row["parameters"][p.name]
        choices = f" (one of: {', '.join(p.choices)})" if p.choices else ""
        grid.add_row(f"param {p.name}", Text(f"{_value(value)}  {p.doc}{choices}"))
    grid.add_row("range", Text(row["range"]))
    grid.add_row("properties", ", ".join(
        [("odd (zero-centred)" if row["zero_centred"] else "not odd"),
         ("monotonic" if row["monotonic"] else "not monotonic"),
         ("C1" if row["smooth"] else "not C1")]))
    grid.add_row("max |h'|", f"{compact(row['max_derivative'])} at a = {compact(row['max_derivative_at'])}; "
                             f"^{row['depth']} = {compact(row['max_derivative_at_depth'])}")
    if spec.special:
        grid.add_row("inf, nan", Text(spec.special))
    if spec.notes:
        grid.add_row("notes", Text(spec.notes))
    return grid


def _value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(compact(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def values_table(x: np.ndarray, columns: Sequence[tuple[str, np.ndarray]], precision: int) -> Any:
    """x and one column per (header, values); shorter columns (grouping functions) end early."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1, 0, 0))
    table.add_column("a", justify="right", style="bold", no_wrap=True)
    for header, _ in columns:
        table.add_column(header, justify="right", overflow="fold")
    for i, xi in enumerate(x):
        cells = [adaptive(xi, precision)]
        for _, values in columns:
            cells.append(adaptive(values[i], precision) if i < len(values) else "")
        table.add_row(*cells)
    return table


# --- the terminal plot ----------------------------------------------------------------

_BRAILLE = 0x2800
# dot bit for (column 0..1, row 0..3) inside a braille cell
_DOT = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


def plot_text(x: np.ndarray, curves: Sequence[Curve], x_range: tuple[float, float],
              width: int = 80, height: int = 18, note: str = "", marks: bool = False) -> Any:
    """The curves drawn with braille dots (2 x 4 per character) in ``width`` columns overall.

    ``x`` must hold 2 * plot-width samples (see ``plot_samples``). Derivative curves are
    dotted. Returns a Rich ``Text``: colour per curve, a y scale on the left, the x range
    below and a legend. With ``marks`` (for output without colour) each curve is drawn with
    its own character instead (``MARKS``: ``*``, ``+``, ``o``, ...), shown in the legend, so
    the curves can be told apart in plain text.
    """
    label_w = 8
    plot_w = max(10, width - label_w - 1)
    cols, rows = plot_w * 2, height * 4
    finite = [c.y[np.isfinite(c.y)] for c in curves]
    values = np.concatenate(finite) if finite else np.array([])
    if values.size == 0:
        y_lo, y_hi = -1.0, 1.0
    else:
        y_lo, y_hi = float(values.min()), float(values.max())
    if y_hi - y_lo < 1e-12:
        y_lo, y_hi = y_lo - 1.0, y_hi + 1.0
    pad = 0.05 * (y_hi - y_lo)
    y_lo, y_hi = y_lo - pad, y_hi + pad

    def row_of(v: np.ndarray) -> np.ndarray:
        return np.rint((y_hi - v) / (y_hi - y_lo) * (rows - 1))

    masks = np.zeros((height, plot_w), dtype=np.int64)
    owner = np.full((height, plot_w), -1)
    for index, curve in enumerate(curves):
        y = np.asarray(curve.y, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            r = row_of(y)
        prev = None
        for c in range(min(cols, y.size)):
            if not np.isfinite(r[c]):
                prev = None
                continue
            cur = int(r[c])
            lo, hi = (cur, cur) if prev is None else (min(prev, cur), max(prev, cur))
            prev = cur
            if curve.derivative and c % 2:
                continue  # dotted
            for rr in range(max(lo, 0), min(hi, rows - 1) + 1):
                cell_r, cell_c = rr // 4, c // 2
                masks[cell_r, cell_c] |= _DOT[c % 2][rr % 4]
                owner[cell_r, cell_c] = index

    # axes: y = 0 and x = 0, where they fall inside the plot
    zero_row = int(row_of(np.array(0.0))) // 4 if y_lo < 0 < y_hi else None
    x_lo, x_hi = x_range
    zero_col = int(round((0 - x_lo) / (x_hi - x_lo) * (cols - 1))) // 2 if x_lo < 0 < x_hi else None

    ticks = {0: y_hi - pad, height - 1: y_lo + pad}
    if zero_row is not None:
        ticks.setdefault(zero_row, 0.0)
    text = Text(no_wrap=True, overflow="crop")
    for r in range(height):
        label = compact(ticks[r]) if r in ticks else ""
        text.append(f"{label:>{label_w - 1}} ", style="dim")
        text.append("┤" if r in ticks else "│", style="dim")
        for c in range(plot_w):
            m = masks[r, c]
            if m:
                style = PALETTE[curves[owner[r, c]].colour % len(PALETTE)]
                text.append(MARKS[owner[r, c] % len(MARKS)] if marks else chr(_BRAILLE + int(m)), style=style)
            elif r == zero_row and c == zero_col:
                text.append("┼", style="dim")
            elif r == zero_row:
                text.append("─", style="dim")
            elif c == zero_col:
                text.append("│", style="dim")
            else:
                text.append(" ")
        text.append("\n")
    # x axis labels: lo at the left, 0 under the y axis, hi at the right
    axis = [" "] * plot_w
    for pos, value in ((0, x_lo), (plot_w - 1, x_hi)) + (((zero_col, 0.0),) if zero_col is not None else ()):
        s = compact(value)
        start = min(max(0, pos - len(s) // 2), plot_w - len(s)) if pos not in (0, plot_w - 1) else (
            0 if pos == 0 else plot_w - len(s))
        if all(ch == " " for ch in axis[max(0, start - 1): start + len(s) + 1]):
            axis[start: start + len(s)] = list(s)
    text.append(" " * label_w + "└" + "─" * plot_w + "\n", style="dim")
    text.append(" " * (label_w + 1) + "".join(axis) + "\n", style="dim")
    # legend, wrapped to the width
    line_len = 0
    text.append(" " * (label_w + 1))
    line_len = label_w + 1
    for index, curve in enumerate(curves):
        symbol = MARKS[index % len(MARKS)] * 2 if marks else "┄┄" if curve.derivative else "━━"
        entry = f"{symbol} {curve.label}"
        if line_len + len(entry) + 2 > width and line_len > label_w + 1:
            text.append("\n" + " " * (label_w + 1))
            line_len = label_w + 1
        text.append(entry[:2], style=PALETTE[curve.colour % len(PALETTE)])
        text.append(entry[2:] + "  ")
        line_len += len(entry) + 2
    text.append("\n")
    if note:
        text.append(" " * (label_w + 1) + note, style="dim")
    text.rstrip()
    return text


def plot_samples(x_range: tuple[float, float], width: int = 80) -> np.ndarray:
    """The x grid ``plot_text`` expects for a plot ``width`` columns wide: one value per dot column."""
    plot_w = max(10, width - 9)
    return np.linspace(x_range[0], x_range[1], plot_w * 2)


# --- image files ----------------------------------------------------------------------


def save_plot(path: Path, x: np.ndarray, curves: Sequence[Curve], x_range: tuple[float, float],
              note: str = "") -> None:
    """Write the plot as PNG, SVG or PDF (by ``path``'s suffix) with matplotlib.

    Raises ImportError when matplotlib is missing (the command line explains the fix).
    """
    from matplotlib.figure import Figure  # optional (nncli[plot]) and slow to import: only for --save

    fig = Figure(figsize=(8, 5), dpi=100)
    ax = fig.add_subplot()
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.axvline(0, color="#999999", linewidth=0.8)
    for curve in curves:
        ax.plot(x, curve.y, label=curve.label, color=MPL_PALETTE[curve.colour % len(MPL_PALETTE)],
                linestyle="--" if curve.derivative else "-", linewidth=1.6)
    ax.set_xlim(*x_range)
    ax.set_xlabel("a")
    ax.set_ylabel("h(a)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    ax.set_title("nncli activations" + (f"\n{note}" if note else ""), fontsize="medium")
    fig.tight_layout()
    fmt_name = path.suffix.lower().lstrip(".")
    with atomic_output(path, "wb") as handle:
        fig.savefig(handle, format=fmt_name)

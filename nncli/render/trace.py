"""Rich tables for a forward trace: every layer's A and Z in the book's notation, then the
output and the probabilities with the predicted class."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from nncli.network import ForwardTrace, Network
from nncli.render.numbers import ELLIPSIS, fmt, predicted_list, summarise, use_scientific


def matrix_table(
    values: np.ndarray,
    title: str,
    precision: int,
    max_rows: int,
    max_cols: int,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    highlight: np.ndarray | None = None,
    extra_column: tuple[str, Sequence[str]] | None = None,
    width: int | None = None,
) -> RenderableType:
    """A (rows, cols) matrix as a titled table, summarised like numpy when it is bigger than
    ``max_rows`` x ``max_cols`` (the heading then says what is shown of the full shape).

    With ``width``, fewer columns are shown when they would not fit in that many characters,
    so numbers are never cut. ``highlight`` is a per-row column index shown in bold (the argmax).
    """
    limit = max_cols
    while True:
        table, shape = _matrix(values, precision, max_rows, limit, row_labels, col_labels, highlight, extra_column)
        if width is None or limit <= 2 or _measure(table) <= width:
            break
        limit -= 1
    heading = Text.assemble((title, "bold"), ("  " + shape, "dim"), no_wrap=True)
    return Group(heading, table)


def _measure(table: Table) -> int:
    return Console(width=10_000).measure(table).maximum


def _matrix(
    values: np.ndarray,
    precision: int,
    max_rows: int,
    max_cols: int,
    row_labels: Sequence[str] | None,
    col_labels: Sequence[str] | None,
    highlight: np.ndarray | None,
    extra_column: tuple[str, Sequence[str]] | None,
) -> tuple[Table, str]:
    rows, cols = values.shape
    summary = summarise((rows, cols), max_rows, max_cols)
    shape = f"({rows}×{cols})"
    if summary.truncated:
        shown = []
        if None in summary.rows:
            shown.append(f"{_count(summary.rows)} of {rows} rows")
        if None in summary.cols:
            shown.append(f"{_count(summary.cols)} of {cols} columns")
        shape = f"({rows}×{cols}, showing {' and '.join(shown)})"
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("", style="dim", no_wrap=True)
    for c in summary.cols:
        header = ELLIPSIS if c is None else (col_labels[c] if col_labels else str(c))
        table.add_column(Text(header), justify="right", no_wrap=True)  # Text: names are not markup
    if extra_column:
        table.add_column(Text(extra_column[0]), justify="left", no_wrap=True)
    shown_values = values[[r for r in summary.rows if r is not None]][:, [c for c in summary.cols if c is not None]]
    scientific = use_scientific(shown_values)
    for r in summary.rows:
        if r is None:
            table.add_row(ELLIPSIS, *[ELLIPSIS] * len(summary.cols), *([ELLIPSIS] if extra_column else []))
            continue
        label = Text(row_labels[r] if row_labels else str(r))
        cells: list[Any] = []
        for c in summary.cols:
            if c is None:
                cells.append(ELLIPSIS)
                continue
            text = fmt(float(values[r, c]), precision, scientific)
            if highlight is not None and highlight[r] == c:
                cells.append(Text(text, style="bold green"))
            else:
                cells.append(text)
        if extra_column:
            cells.append(Text(extra_column[1][r], style="bold"))
        table.add_row(label, *cells)
    return table, shape


def _count(indices: list[int | None]) -> int:
    return sum(1 for i in indices if i is not None)


def render_trace(
    console: Console,
    trace: ForwardTrace,
    network: Network,
    precision: int = 4,
    max_rows: int = 10,
    max_cols: int = 8,
    show_layers: bool = True,
    row_labels: Sequence[str] | None = None,
    first_row: int = 0,
    note: str | None = None,
) -> None:
    """Print the trace: per layer ``Ak = Z(k-1)·Wk + Bk`` and ``Zk = h(Ak)``, then the output Y
    and the probabilities (softmax of the last A) with the predicted class per sample."""
    n = trace.X.shape[0]
    labels = list(row_labels) if row_labels else [str(first_row + i) for i in range(n)]
    last = trace.layers[-1].index  # a trace of the output only (--engine onnxruntime) holds the last layer alone
    header = Text.assemble(
        (network.name, "bold"),
        f"  {network.input_size} → " + " → ".join(str(layer.units) for layer in network.layers),
        f"  {network.dtype}  batch of {n}",
    )
    console.print(header)
    if network.spec.description:
        console.print(Text(network.spec.description, style="dim"))
    if note:
        console.print(Text(note, style="dim"))
    width = console.width
    parts: list[RenderableType] = []

    def table(values: np.ndarray, title: str, **kw: Any) -> RenderableType:
        return matrix_table(values, title, precision, max_rows, max_cols, labels, width=width, **kw)

    source = trace.probabilities_from
    if show_layers:
        parts.append(table(trace.X, "X (input)"))
        for lt in trace.layers:
            k = lt.index
            a_table = table(lt.A, f"A{k} = {'X' if k == 1 else f'Z{k - 1}'}·W{k} + B{k}")
            z_title = f"Z{k} = {lt.activation}(A{k})" + (" = Y" if k == last else "")
            z_table = table(lt.Z, z_title, col_labels=_class_labels(network, lt.Z))
            parts.append(Text(f"Layer {k}: {lt.name}", style="bold cyan"))
            parts.append(_side_by_side(console, a_table, z_table))
    elif source != "Y":  # with a softmax output, Y is the probabilities table below
        parts.append(table(trace.output, "Y (output)", col_labels=_class_labels(network, trace.output)))
    probabilities = trace.probabilities
    if probabilities is not None:
        predicted = trace.predicted
        assert predicted is not None
        names = list(network.classes) if network.classes else [str(j) for j in range(probabilities.shape[1])]
        pred_names = ["none (nan)" if p is None else names[p] for p in predicted_list(predicted) or []]
        activation = network.layers[-1].activation
        formula = {"Y": f"Y = {activation.label}(A{last})", "A": f"softmax(A{last})", "Z": "softmax(Y)"}[source or "A"]
        parts.append(table(probabilities, f"Probabilities = {formula}", col_labels=names, highlight=predicted,
                           extra_column=("predicted", pred_names)))
    for part in parts:
        console.print(part)
        if not isinstance(part, Text):
            console.print()


def _side_by_side(console: Console, left: RenderableType, right: RenderableType) -> RenderableType:
    """The two tables next to each other when both fit the console's width, else stacked."""
    gap = 4
    need = console.measure(left).maximum + console.measure(right).maximum + gap
    if need > console.width:
        return Group(left, Text(""), right)
    grid = Table.grid(padding=(0, gap))
    grid.add_column()
    grid.add_column()
    grid.add_row(left, right)
    return grid


def _class_labels(network: Network, values: np.ndarray) -> list[str] | None:
    if network.classes and values.shape[1] == len(network.classes):
        return list(network.classes)
    return None


def render_explain(console: Console, explained: list[Any]) -> None:
    """Print ``--explain`` lines, one block per layer."""
    console.print(Text("Explain: the arithmetic of the first sample", style="bold"))
    for block in explained:
        console.print(Text(block.title, style="bold cyan"))
        for line in block.lines:
            console.print(Text("  " + line), soft_wrap=True)

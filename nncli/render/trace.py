"""Rich tables for a forward trace: every layer's A and Z in the book's notation, then the
output and the probabilities with the predicted class."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from nncli.config import LayerSpec
from nncli.evaluate import top_k
from nncli.network import ForwardTrace, Network
from nncli.render.numbers import ELLIPSIS, fixed, fmt, predicted_list, summarise, use_scientific
from nncli.render.teaching import halfblock_lines


def matrix_table(
    values: np.ndarray,
    title: str,
    precision: int,
    max_rows: int,
    max_cols: int,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    highlight: np.ndarray | None = None,
    extra_columns: Sequence[tuple[str, Sequence[str]]] = (),
    width: int | None = None,
) -> RenderableType:
    """A (rows, cols) matrix as a titled table, summarised like numpy when it is bigger than
    ``max_rows`` x ``max_cols`` (the heading then says what is shown of the full shape).

    With ``width``, fewer columns are shown when they would not fit in that many characters,
    so numbers are never cut. ``highlight`` is a per-row column index shown in bold (the argmax);
    when some columns are hidden, a "probability" column after the first extra column (the
    predicted class) shows each row's highlighted value, so it is never among the hidden ones.
    """
    limit = max_cols
    while True:
        table, shape = _matrix(values, precision, max_rows, limit, row_labels, col_labels, highlight, extra_columns)
        # With extra columns (the predicted class, its probability, the top k), the value
        # columns may all give way to them: limit 1 shows only an ellipsis.
        if width is None or limit <= (1 if extra_columns else 2) or _measure(table) <= width:
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
    extra_columns: Sequence[tuple[str, Sequence[str]]],
) -> tuple[Table, str]:
    rows, cols = values.shape
    summary = summarise((rows, cols), max_rows, max_cols)
    if max_cols < 2 and cols > 1:  # no value column at all, only an ellipsis
        summary = summary._replace(cols=[None])
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
        table.add_column(Text(header), justify="right" if c is not None or len(summary.cols) > 1 else "center",
                         no_wrap=True)  # Text: names are not markup
    extras = [(heading, list(cells)) for heading, cells in extra_columns]
    shown_values = values[[r for r in summary.rows if r is not None]][:, [c for c in summary.cols if c is not None]]
    scientific = use_scientific(shown_values)
    if highlight is not None and extras and None in summary.cols:  # the predicted value may be hidden
        picked = [np.nan if k is None else float(values[r, k]) for r, k in enumerate(highlight)]
        extras.insert(1, ("probability", [fmt(v, precision, scientific) for v in picked]))
    for heading, _cells in extras:
        table.add_column(Text(heading), justify="left", no_wrap=True)
    for r in summary.rows:
        if r is None:
            table.add_row(ELLIPSIS, *[ELLIPSIS] * (len(summary.cols) + len(extras)))
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
        cells.extend(Text(column[r], style="bold" if n == 0 else "") for n, (_heading, column) in enumerate(extras))
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
    show_weights: bool = False,
    top_k: int | None = None,
    input_shape: tuple[int, int] | None = None,
) -> None:
    """Print the trace: per layer ``Ak = Z(k-1)·Wk + Bk`` and ``Zk = h(Ak)``, then the output Y
    and the probabilities (softmax of the last A) with the predicted class per sample.

    ``show_weights`` adds each layer's W and b; ``top_k`` a column of the k most probable
    classes; ``input_shape`` (height, width) draws the first input row as a picture first."""
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
    if input_shape is not None and n:
        console.print(Text(f"X[{labels[0]}] as a {input_shape[0]}×{input_shape[1]} image", style="bold"))
        console.print(picture(trace.X[0].reshape(input_shape), console))
        console.print()
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
            if show_weights:
                parts.append(weights_tables(console, network.layers[k - 1], k, precision, max_rows, max_cols))
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
        extras = [("predicted", pred_names)]
        if top_k is not None:
            extras.append((f"top {top_k}", _top_k_cells(probabilities, top_k, names, precision)))
        parts.append(table(probabilities, f"Probabilities = {formula}", col_labels=names, highlight=predicted,
                           extra_columns=extras))
    for part in parts:
        console.print(part)
        if not isinstance(part, Text):
            console.print()


def _top_k_cells(probabilities: np.ndarray, k: int, names: Sequence[str], precision: int) -> list[str]:
    """Per row the k most probable classes with their probabilities, one per line ("7 0.9972",
    "2 0.0019", ...), so the column stays as narrow as one class name and one number."""
    indices, values = top_k(probabilities, k)
    return [
        "\n".join(f"{names[j]} {fixed(p, precision)}" for j, p in zip(row_j, row_p) if j >= 0) or "none (nan)"
        for row_j, row_p in zip(indices.tolist(), values.tolist())
    ]


def weights_tables(console: Console, layer: LayerSpec, k: int, precision: int, max_rows: int,
                   max_cols: int) -> RenderableType:
    """Layer k's ``Wk`` (inputs × units) and ``bk`` (as one row), summarised like A and Z."""
    width = console.width
    w_table = matrix_table(layer.W, f"W{k}", precision, max_rows, max_cols, width=width)
    b_table = matrix_table(layer.b[None, :], f"b{k}", precision, max_rows, max_cols, row_labels=["b"], width=width)
    return _side_by_side(console, w_table, b_table)


def render_weights(console: Console, layers: Sequence[LayerSpec], precision: int = 4, max_rows: int = 10,
                   max_cols: int = 8) -> None:
    """Every layer's W and b (``nncli validate --show-weights``)."""
    for k, layer in enumerate(layers, start=1):
        console.print(Text(f"Layer {k}: {layer.name}", style="bold cyan"))
        console.print(weights_tables(console, layer, k, precision, max_rows, max_cols))
        console.print()


def picture(image: np.ndarray, console: Console) -> RenderableType:
    """A (height, width) image in half-block characters, two pixel rows per line: grey levels
    on a colour terminal (top pixel as the foreground of ▀, bottom as its background), else
    ▀ ▄ █ for pixels at or above the middle of the range."""
    if console.no_color or console.color_system is None:
        return Text("\n".join(halfblock_lines(image)))
    values = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = float(values.min()), float(values.max())
    if values.shape[0] % 2:  # an odd height: a dark row below the last
        values = np.vstack([values, np.full((1, values.shape[1]), low)])
    levels = np.rint(255 * (values - low) / (high - low)).astype(int) if high > low else np.zeros(values.shape, int)
    text = Text()
    for top, bottom in zip(levels[0::2].tolist(), levels[1::2].tolist()):
        for t, b in zip(top, bottom):
            text.append("▀", style=f"rgb({t},{t},{t}) on rgb({b},{b},{b})")
        text.append("\n")
    text.rstrip()
    return text


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

"""Rich tables for ``nncli evaluate`` (score and loss, confusion matrix, per-class and averaged
precision/recall/F1, the most confident mistakes),
for per-layer statistics (``--stats``) and for ``nncli import-weights``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from rich.table import Table
from rich.text import Text

from nncli.evaluate import Evaluation, LayerStats
from nncli.errors import plural
from nncli.render.numbers import accuracy, ratio, stat
from nncli.safepickle import ImportedArray

# Beyond this many classes the confusion matrix no longer fits a terminal; JSON has it all.
MAX_MATRIX_CLASSES = 12


def render_evaluation(console: Any, ev: Evaluation, precision: int = 4) -> None:
    """The headline (samples, correct, accuracy), the confusion matrix and the per-class table."""
    headline = Text()
    headline.append(f"{ev.network}: " if ev.network else "")
    headline.append(f"{ev.samples} samples, {ev.correct} correct, accuracy ")
    headline.append(accuracy(ev.correct, ev.samples), style="bold")
    console.print(headline)
    scores = [f"loss {stat(ev.loss, precision)} (mean cross-entropy, natural log)"]
    if ev.top_k is not None:
        scores.append(f"top-{ev.top_k} accuracy {accuracy(ev.top_k_correct, ev.samples)}")
    console.print(" · ".join(scores))
    if ev.unpredicted:
        console.print(f"{plural(ev.unpredicted, 'row')} gave NaN outputs: no class predicted (counted as wrong)")
    console.print()

    n = len(ev.class_names)
    row_width = max(12, console.width // 4)  # class names as long as the terminal allows
    rows_need = min(row_width, max(map(len, ev.class_names), default=4))
    column_width = max(8, (console.width - rows_need - n) // max(n, 1) - 1)
    if n <= MAX_MATRIX_CLASSES:
        matrix = Table(
            title="Confusion matrix (rows: true class, columns: predicted)", title_justify="left",
            show_edge=False, pad_edge=False, padding=(0, 1),
        )
        matrix.add_column("true", justify="left", style="bold")
        for name in ev.class_names:
            matrix.add_column(_short(name, column_width), justify="right")
        for i, name in enumerate(ev.class_names):
            cells = []
            for j in range(n):
                count = int(ev.confusion[i, j])
                style = "bold" if i == j else ("dim" if count == 0 else "")
                cells.append(Text(str(count), style=style))
            matrix.add_row(_short(name, row_width), *cells)
        console.print(matrix)
    else:
        console.print(f"(confusion matrix of {n} classes not shown; --format json has it)")
    console.print()

    table = Table(title="Per class", title_justify="left", show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("class", justify="left")
    table.add_column("precision", justify="right")
    table.add_column("recall", justify="right")
    table.add_column("f1", justify="right")
    table.add_column("support", justify="right")
    for k, report in enumerate(ev.per_class):
        table.add_row(
            _short(report.name, max(20, console.width - 50)), ratio(report.precision, precision), ratio(report.recall, precision),
            ratio(report.f1, precision), str(report.support), end_section=k == len(ev.per_class) - 1,
        )
    for kind in ("macro", "weighted"):
        table.add_row(f"{kind} avg", *(ratio(ev.average(metric, kind == "weighted"), precision)
                                       for metric in ("precision", "recall", "f1")), str(ev.samples))
    console.print(table)
    if any(report.precision is None for report in ev.per_class):
        console.print("precision —: the class was never predicted (null in JSON)")
    if ev.misclassified_limit:
        console.print()
        render_mistakes(console, ev, precision)


def render_mistakes(console: Any, ev: Evaluation, precision: int = 4) -> None:
    """``--misclassified N``: the wrong rows the network was surest of, most confident first."""
    if not ev.misclassified:
        console.print("No misclassified rows.")
        return
    table = Table(title=f"The {plural(len(ev.misclassified), 'most confident mistake')}", title_justify="left",
                  show_edge=False, pad_edge=False, padding=(0, 1))
    for heading in ("index", "true", "predicted", "probability"):
        table.add_column(heading, justify="right" if heading in ("index", "probability") else "left")
    for m in ev.misclassified:
        table.add_row(str(m.index), _short(ev.class_names[m.true], 20), _short(ev.class_names[m.predicted], 20),
                      ratio(m.probability, precision))
    console.print(table)


def render_stats(console: Any, stats: Sequence[LayerStats], precision: int = 4) -> None:
    """A table of every layer's A and Z over all rows: min, max, mean, std, NaN and Inf counts,
    with the share of saturated sigmoid/tanh entries and the number of dead ReLU units."""
    rows = stats[0].rows if stats else 0
    table = Table(
        title=f"Layer statistics over {rows} rows", title_justify="left",
        show_edge=False, pad_edge=False, padding=(0, 1),
    )
    table.add_column("layer", justify="left")
    table.add_column("", justify="left")
    for heading in ("min", "max", "mean", "std", "NaN", "Inf"):
        table.add_column(heading, justify="right", overflow="fold")  # wrap a number, never cut it
    table.add_column("", justify="left")
    for layer in stats:
        notes = []
        if layer.saturated is not None:
            notes.append(f"sat {layer.saturated:.1%}")
        if layer.dead is not None:
            notes.append(f"dead {layer.dead}/{layer.units}")
        for which, summary in (("A", layer.A), ("Z", layer.Z)):
            table.add_row(
                _short(layer.name, 12) if which == "A" else _short(layer.activation, 12),
                f"{which}{layer.index}",
                *(stat(getattr(summary, field), precision) for field in ("min", "max", "mean", "std")),
                str(summary.nan), str(summary.inf),
                " ".join(notes) if which == "A" else "",
                end_section=which == "Z",
            )
    console.print(table)
    console.print("sat: sigmoid/tanh entries with |A| > 5; dead: ReLU units never positive on these rows")


def render_imported(console: Any, arrays: Sequence[ImportedArray], output: str) -> None:
    """What ``nncli import-weights`` wrote."""
    table = Table(show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("array")
    table.add_column("shape", justify="right")
    table.add_column("dtype")
    for array in arrays:
        shape = "(" + ", ".join(str(d) for d in array.shape) + ("," if len(array.shape) == 1 else "") + ")"
        table.add_row(array.name, shape, array.dtype + ("" if array.finite else " (has NaN/Inf)"))
    console.print(table)
    console.print(f"Wrote {output}: {plural(len(arrays), 'array')}, no pickle inside.")
    console.print(f"Use it in a config: weights_file: {Path(output).name}")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

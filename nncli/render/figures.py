"""Pictures with matplotlib (the ``plot`` extra), written by ``--save-figure FILE.png|.svg``:
a small network as a diagram of its units and weights, an image input beside its class
probabilities, and ``evaluate``'s confusion matrix as a heatmap.

This module imports matplotlib at the top, so the commands import it only when a figure is
saved. Figures are drawn with the Agg canvas (no window, no display needed) into memory and
written whole or not at all.
"""

from __future__ import annotations

import io
from pathlib import Path
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize, PowerNorm, TwoSlopeNorm
from matplotlib.figure import Figure

from nncli.errors import InputError
from nncli.evaluate import Evaluation
from nncli.network import ForwardTrace, Network
from nncli.outfile import atomic_output
from nncli.render.numbers import accuracy, short

MAX_DIAGRAM_UNITS = 30  # more units than this in a layer make a diagram of lines too dense to read
MAX_NUMBERED_UNITS = 6  # up to this many units a layer, every value and weight is written out
UNIT_COLOURS = "coolwarm"  # diverging: negative blue, 0 white, positive red
WEIGHT_COLOURS = "PuOr_r"


def save_forward_figure(path: Path, trace: ForwardTrace, network: Network,
                        input_shape: tuple[int, int] | None) -> None:
    """``forward --save-figure``: the first row's image and probabilities when the input is
    an image (``input_shape``), else the diagram of a small network (at most MAX_DIAGRAM_UNITS
    units a layer); InputError for a big network that is not an image classifier."""
    if input_shape is not None and trace.probabilities is not None:
        figure = image_figure(trace, network, input_shape)
    elif max(network.input_size, *(layer.units for layer in network.layers)) <= MAX_DIAGRAM_UNITS:
        figure = network_figure(trace, network)
    else:
        raise InputError(
            f"--save-figure: network '{network.name}' has layers of more than {MAX_DIAGRAM_UNITS} units, too many "
            "to draw; for an image classifier declare input_shape (or --input-shape HxW)"
        )
    save(figure, path)


def save_confusion_figure(path: Path, ev: Evaluation) -> None:
    """``evaluate --save-figure``: the confusion matrix as a heatmap with its counts."""
    save(confusion_figure(ev), path)


def save(figure: Figure, path: Path) -> None:
    """Write ``figure`` as PNG or SVG (by the suffix), whole or not at all."""
    fmt = path.suffix.lower().lstrip(".")
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None  # no clock in the file: same figure, same bytes
    with matplotlib.rc_context({"svg.hashsalt": "nncli"}):  # fixed SVG ids, not random ones
        figure.savefig(buffer, format=fmt, dpi=120, metadata=metadata)
    with atomic_output(path) as handle:
        handle.write(buffer.getvalue())


# --- a small network as a diagram --------------------------------------------------------


def network_figure(trace: ForwardTrace, network: Network) -> Figure:
    """Columns of units (X, then each layer), coloured by their value for the first row (X,
    then Z); the lines between them coloured and thickened by W, and a grey "1" unit per
    column whose lines are the biases b (as the book draws them). On small networks every
    value and weight is written out."""
    values = [trace.X[0]] + [layer.Z[0] for layer in trace.layers]  # per column: (units,)
    sizes = [v.shape[0] for v in values]
    numbered = max(sizes) <= MAX_NUMBERED_UNITS
    height = max(sizes) + 1
    figure = Figure(figsize=(2.6 * len(sizes) + 1.5, 0.9 * height + 1.6))
    ax = figure.add_axes((0.02, 0.1, 0.8, 0.78))
    ax.set_axis_off()
    weights = np.concatenate([np.append(layer.W.ravel(), layer.b) for layer in network.layers])
    w_limit = float(np.max(np.abs(weights[np.isfinite(weights)]), initial=0)) or 1.0
    w_norm = Normalize(-w_limit, w_limit)
    finite = np.concatenate(values)
    finite = finite[np.isfinite(finite)]
    z_limit = float(np.max(np.abs(finite), initial=0)) or 1.0
    z_norm = TwoSlopeNorm(0.0, -z_limit, z_limit)
    positions = [_column(n, height) for n in sizes]
    w_colours = matplotlib.colormaps[WEIGHT_COLOURS]
    for k, layer in enumerate(network.layers):
        x0, x1 = k, k + 1
        ys_in, ys_out = positions[k], positions[k + 1]
        bias_y = 0.0  # below every unit (the lowest sits at y >= 1)
        for i, y0 in enumerate([*ys_in, bias_y]):
            row = layer.W[i] if i < len(ys_in) else layer.b  # (units,)
            for j, y1 in enumerate(ys_out):
                w = float(row[j])
                label = short(w, 3)
                if not np.isfinite(w):  # allow_nonfinite configs: drawn as a zero weight, labelled as it is
                    w = 0.0
                ax.plot([x0, x1], [y0, y1], color=w_colours(w_norm(w)), lw=0.6 + 2.4 * abs(w) / w_limit,
                        zorder=1, alpha=0.9 if i < len(ys_in) else 0.6, ls="-" if i < len(ys_in) else "--")
                if numbered:
                    # the labels of the lines into unit j sit at their own distance along them
                    t = 0.2 + 0.6 * (j + 0.5) / len(ys_out)
                    xt, yt = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                    ax.text(xt, yt, label, fontsize=7, ha="center", va="center", zorder=3,
                            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
        ax.scatter([x0], [bias_y], s=500, c="#dddddd", edgecolors="grey", zorder=2)
        ax.text(x0, bias_y, "1", ha="center", va="center", fontsize=9, zorder=4)
    u_colours = matplotlib.colormaps[UNIT_COLOURS]
    names = ["X (input)"] + [f"layer {lt.index}: {lt.name}\nZ{lt.index} = {lt.activation}(A{lt.index})"
                             for lt in trace.layers]
    for k, (ys, column) in enumerate(zip(positions, values)):
        ax.scatter([k] * len(ys), ys, s=900 if numbered else 250, c=[u_colours(z_norm(v)) for v in column],
                   edgecolors="black", zorder=2)
        if numbered:
            for y, v in zip(ys, column):
                ax.text(k, y, short(float(v), 3), ha="center", va="center", fontsize=8, zorder=4)
        ax.text(k, -0.6, names[k], ha="center", va="top", fontsize=8)
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-1.6, height + 0.3)
    figure.suptitle(f"{network.name}: units coloured by their value for the first row, lines by W (dashed: b)",
                    fontsize=9)
    _colourbar(figure, (0.82, 0.15, 0.015, 0.7), u_colours, z_norm, "X and Z (first row)")
    _colourbar(figure, (0.91, 0.15, 0.015, 0.7), w_colours, w_norm, "W and b")
    return figure


def _column(n: int, height: int) -> list[float]:
    """y positions of n units, top to bottom, centred in a column of ``height`` slots."""
    top = (height - 1 + n - 1) / 2 + 0.5
    return [top - i for i in range(n)]


def _colourbar(figure: Figure, rect: tuple[float, float, float, float], cmap: object, norm: Normalize,
               label: str) -> None:
    axis = figure.add_axes(rect)
    figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=axis).set_label(label, fontsize=8)


# --- an image input beside its probabilities ---------------------------------------------


def image_figure(trace: ForwardTrace, network: Network, input_shape: tuple[int, int]) -> Figure:
    """The first input row drawn as a (height, width) image, beside the bars of its class
    probabilities, the predicted class in another colour."""
    assert trace.probabilities is not None
    probabilities = trace.probabilities[0].astype(np.float64)
    names = list(network.classes) if network.classes else [str(j) for j in range(probabilities.shape[0])]
    predicted = trace.predicted[0] if trace.predicted is not None else None
    figure = Figure(figsize=(8, 3.8))
    left = figure.add_subplot(1, 2, 1)
    left.imshow(trace.X[0].reshape(input_shape).astype(np.float64), cmap="gray", interpolation="nearest")
    left.set_title(f"the input, {input_shape[0]}×{input_shape[1]}", fontsize=10)
    left.set_xticks([])
    left.set_yticks([])
    right = figure.add_subplot(1, 2, 2)
    colours = ["tab:orange" if j == predicted else "tab:blue" for j in range(len(names))]
    positions = np.arange(len(names))
    right.barh(positions, np.nan_to_num(probabilities), color=colours)
    right.set_yticks(positions, names)
    right.invert_yaxis()
    right.set_xlim(0, 1.15)
    right.set_xlabel("probability")
    for y, p in zip(positions, probabilities):
        right.text(min(float(np.nan_to_num(p)), 1.0) + 0.01, y, f"{p:.3f}", va="center", fontsize=8)
    verdict = "no class (NaN)" if predicted is None else f"predicted {names[predicted]} ({probabilities[predicted]:.1%})"
    right.set_title(verdict, fontsize=10)
    figure.suptitle(network.name, fontsize=11)
    figure.tight_layout()
    return figure


# --- the confusion matrix ------------------------------------------------------------------


def confusion_figure(ev: Evaluation) -> Figure:
    """The confusion matrix (rows: true class, columns: predicted) as a heatmap on a log-like
    scale (the diagonal would otherwise wash out every mistake), each cell with its count."""
    n = len(ev.class_names)
    size = min(max(4.0, 0.6 * n + 2), 14.0)
    figure = Figure(figsize=(size + 1.2, size))
    ax = figure.add_subplot(1, 1, 1)
    counts = ev.confusion.astype(np.float64)
    image = ax.imshow(counts, cmap="Blues", norm=PowerNorm(0.3, vmin=0, vmax=max(counts.max(), 1)))
    labels = [_short(name, 10) for name in ev.class_names]
    ax.set_xticks(range(n), labels, rotation=90 if n > 12 else 0)
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if n <= 30:
        threshold = 0.6 * max(counts.max(), 1) ** 0.3
        for i in range(n):
            for j in range(n):
                count = int(ev.confusion[i, j])
                dark = counts[i, j] ** 0.3 > threshold
                ax.text(j, i, str(count), ha="center", va="center", fontsize=8 if n <= 12 else 6,
                        color="white" if dark else ("#999999" if count == 0 else "black"))
    title = f"{ev.network}: {ev.samples} samples, accuracy {accuracy(ev.correct, ev.samples)}"
    ax.set_title(title, fontsize=10)
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04).set_label("rows (colour scale: count^0.3)")
    figure.tight_layout()
    return figure


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


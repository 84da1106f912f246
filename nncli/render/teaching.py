"""Plain (Rich-free) pieces of the teaching views, shared by the tables and the machine formats:
the top-k records of ``--top-k``, the W and b of ``--show-weights`` as JSON, and an image
input drawn with half-block characters."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from nncli.config import LayerSpec
from nncli.errors import InputError
from nncli.evaluate import top_k
from nncli.network import ForwardTrace, Network
from nncli.outfile import check_output_path
from nncli.render.numbers import json_value

# Two pixels per character, top and bottom: neither, top, bottom, both (at or above the threshold).
HALF_BLOCKS = (" ", "▀", "▄", "█")


def top_k_records(probabilities: np.ndarray, k: int, classes: Sequence[str] | None) -> list[list[dict[str, Any]]]:
    """Per row, the ``k`` most probable classes as ``{"class", "index", "probability"}``, most
    probable first (``class`` is the class name, or the index when the network names none);
    an empty list for a row whose probabilities hold NaN."""
    indices, values = top_k(probabilities, k)
    records = []
    for row_indices, row_values in zip(indices.tolist(), values.tolist()):
        records.append([
            {"class": classes[j] if classes else j, "index": j, "probability": json_value(p)}
            for j, p in zip(row_indices, row_values) if j >= 0
        ])
    return records


def weights_document(layer: LayerSpec) -> dict[str, Any]:
    """``{"W": [[...]], "b": [...]}`` of one layer (W: (inputs, units), b: (units,)), for JSON."""
    return {"W": layer.W, "b": layer.b}


def halfblock_lines(image: np.ndarray, threshold: float | None = None) -> list[str]:
    """A (height, width) image as text, two pixel rows per line: ``▀`` when only the top pixel
    is at or above ``threshold``, ``▄`` the bottom, ``█`` both, a space neither. The threshold
    defaults to the middle of the image's finite range (NaN pixels count as dark)."""
    values = np.asarray(image, dtype=np.float64)
    if values.shape[0] % 2:  # an odd height: a dark row below the last
        values = np.vstack([values, np.full((1, values.shape[1]), -np.inf)])
    if threshold is None:
        finite = values[np.isfinite(values)]
        threshold = float(finite.min() + finite.max()) / 2 if finite.size else 0.0
    with np.errstate(invalid="ignore"):
        on = np.nan_to_num(values, nan=-np.inf) >= threshold
    code = on[0::2].astype(np.int64) + 2 * on[1::2]  # (height/2, width): 0..3
    return ["".join(HALF_BLOCKS[c] for c in row) for row in code.tolist()]


FIGURE_SUFFIXES = (".png", ".svg")


def forward_options(network: Network, output_format: str, show_weights: bool, k: int | None,
                    input_shape: str | None, save_figure: Path | None) -> dict[str, Any]:
    """Check ``forward``'s teaching options against the network and the format; returns the
    keyword arguments of ``render_trace``: ``show_weights``, ``top_k`` and ``input_shape``
    ((height, width) from ``--input-shape HxW``, else the config's ``input_shape``, else None)."""
    if k is not None:
        if output_format not in ("table", "json", "jsonl"):
            raise InputError("--top-k works with --format table, json or jsonl")
        if network.probabilities_from is None:
            raise InputError(f"--top-k: network '{network.name}' has a 1-unit output: there are no classes to rank")
        if k > network.output_size:
            raise InputError(f"--top-k {k}: network '{network.name}' has only {network.output_size} classes")
    if show_weights and output_format not in ("table", "json"):
        raise InputError("--show-weights works with --format table or json")
    if save_figure is not None:
        check_figure_name(save_figure)
        if output_format not in ("table", "json"):
            raise InputError("--save-figure works with --format table or json")
    shape = parse_input_shape(input_shape, network.input_size) if input_shape else network.spec.input_shape
    return {"show_weights": show_weights, "top_k": k, "input_shape": shape}


def check_figure_name(path: Path) -> None:
    """InputError unless ``path`` ends in .png or .svg (the formats figures are written in),
    its directory exists and matplotlib is installed (checked before any work is done)."""
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise InputError(f"--save-figure {path}: the file name must end in .png or .svg")
    check_output_path(path)
    if importlib.util.find_spec("matplotlib") is None:
        raise InputError("--save-figure needs matplotlib: pip install 'nncli[plot]'")


def parse_input_shape(text: str, input_size: int) -> tuple[int, int]:
    """``"28x28"`` -> (28, 28); height * width must be ``input_size``."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise InputError(f"--input-shape {text!r}: expected HEIGHTxWIDTH, e.g. 28x28")
    height, width = int(parts[0]), int(parts[1])
    if height * width != input_size:
        raise InputError(f"--input-shape {text}: {height}x{width} is {height * width} values, the input has {input_size}")
    return height, width


def add_to_document(document: dict[str, Any], trace: ForwardTrace, network: Network, show_weights: bool,
                    k: int | None) -> None:
    """``forward --format json``: "W" and "b" in each layer object, "top_k" per row."""
    if show_weights:
        for entry, layer in zip(document["layers"], network.layers):
            entry.update(weights_document(layer))
    if k is not None and trace.probabilities is not None:
        document["top_k"] = top_k_records(trace.probabilities, k, network.classes)


def top_k_extra(probabilities: np.ndarray | None, k: int | None,
                classes: Sequence[str] | None) -> list[dict[str, Any]] | None:
    """The "top_k" key of each jsonl row (None when --top-k is not given)."""
    if k is None or probabilities is None:
        return None
    return [{"top_k": records} for records in top_k_records(probabilities, k, classes)]

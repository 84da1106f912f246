"""Machine-readable forward results: JSON, JSON Lines, CSV and NPY (never through Rich).

Numbers are written at full precision (Python's shortest round-trip repr of the value as
float64; float32 values widen exactly); non-finite values follow ``jsonout``: "nan", "inf",
"-inf" in JSON, ``nan``, ``inf``, ``-inf`` in CSV.
"""

from __future__ import annotations

import io
from typing import Any, Iterator

import numpy as np

from nncli.network import ForwardTrace, Network
from nncli.render.jsonout import clean, dumps


def trace_document(trace: ForwardTrace, network: Network) -> dict[str, Any]:
    """The ``--format json`` object for a whole trace (schema in README.md)."""
    predicted = trace.predicted
    return {
        "network": network.name,
        "dtype": str(network.dtype),
        "classes": list(network.classes) if network.classes else None,
        "input": trace.X,
        "layers": [
            {"name": lt.name, "activation": lt.activation, "A": lt.A, "Z": lt.Z} for lt in trace.layers
        ],
        "output": trace.output,
        "probabilities": trace.probabilities,
        "predicted": _predicted_list(predicted),
    }


def _predicted_list(predicted: np.ndarray | None) -> list[int | None] | None:
    """Predicted classes for JSON: null for a row without a prediction (NaN probabilities)."""
    if predicted is None:
        return None
    return predicted.tolist()  # Python ints, None where no class is predicted


def jsonl_lines(output: np.ndarray, probabilities: np.ndarray | None, predicted: np.ndarray | None,
                start: int = 0) -> Iterator[str]:
    """``--format jsonl``: one object per row, ``{"index", "output", "probabilities", "predicted"}``,
    ``index`` counting from ``start``."""
    rows = clean(output)
    probs = clean(probabilities) if probabilities is not None else None
    classes = _predicted_list(predicted)
    for i in range(output.shape[0]):
        record = {
            "index": start + i,
            "output": rows[i],
            "probabilities": probs[i] if probs is not None else None,
            "predicted": classes[i] if classes is not None else None,
        }
        yield dumps(record) + "\n"


def csv_header(network: Network) -> str:
    """The CSV header: one column per output unit (class names when the config has them,
    else ``y0, y1, ...``), then ``predicted``."""
    names = list(network.classes) if network.classes else [f"y{j}" for j in range(network.output_size)]
    return _csv_line([*names, "predicted"])


def csv_rows(output: np.ndarray, predicted: np.ndarray | None) -> Iterator[str]:
    """CSV data rows: the output values at full precision, then the predicted index (empty
    for a 1-unit output or a row that predicts nothing)."""
    values = output.astype(np.float64).tolist()
    for i, row in enumerate(values):
        cells = [_csv_number(v) for v in row]
        cells.append(str(int(predicted[i])) if predicted is not None and predicted[i] is not None else "")
        yield _csv_line(cells)


def npy_header(rows: int, columns: int, dtype: np.dtype) -> bytes:
    """The header of a .npy file holding a C-ordered (rows, columns) array of ``dtype``; the
    raw row data follows it (so a known number of rows can be streamed)."""
    buffer = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": (rows, columns)}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def _csv_number(value: float) -> str:
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


def _csv_line(cells: list[str]) -> str:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()

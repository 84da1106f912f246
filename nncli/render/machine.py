"""Machine-readable results: forward's JSON, JSON Lines, CSV and NPY, softmax's JSON and CSV (never through Rich).

Numbers are written at full precision (Python's shortest round-trip repr of the value as
float64; float32 values widen exactly); non-finite values follow ``jsonout``: "nan", "inf",
"-inf" in JSON, ``nan``, ``inf``, ``-inf`` in CSV.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterator, Sequence

import numpy as np

from nncli.config import NetworkSpec
from nncli.network import ForwardTrace, Network
from nncli.overflow import OverflowDemo, SoftmaxRows
from nncli.render.jsonout import clean, dumps
from nncli.render.numbers import full, predicted_list


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
        "predicted": predicted_list(predicted),
    }


def summary_document(spec: NetworkSpec) -> dict[str, Any]:
    """The summary as data (``nncli validate --format json``)."""
    return {
        "network": spec.name,
        "valid": True,
        "dtype": spec.dtype,
        "input_size": spec.input_size,
        "output_size": spec.output_size,
        "classes": list(spec.classes) if spec.classes else None,
        "layers": [
            {
                "name": layer.name,
                "activation": layer.activation.label,
                "input_shape": [None, layer.inputs],
                "output_shape": [None, layer.units],
                "W_shape": list(layer.W.shape),
                "b_shape": list(layer.b.shape),
                "parameters": layer.parameter_count,
            }
            for layer in spec.layers
        ],
        "total_parameters": spec.parameter_count,
        "sample_inputs": [name for name, _rows in spec.inputs],
    }


def jsonl_lines(output: np.ndarray, probabilities: np.ndarray | None, predicted: np.ndarray | None,
                start: int = 0, extra: Sequence[dict[str, Any]] | None = None) -> Iterator[str]:
    """``--format jsonl``: one object per row, ``{"index", "output", "probabilities", "predicted"}``,
    ``index`` counting from ``start``; ``extra[i]`` (if given) adds keys to row i's object."""
    rows = clean(output)
    probs = clean(probabilities) if probabilities is not None else None
    classes = predicted_list(predicted)
    for i in range(output.shape[0]):
        record = {
            "index": start + i,
            "output": rows[i],
            "probabilities": probs[i] if probs is not None else None,
            "predicted": classes[i] if classes is not None else None,
        }
        if extra is not None:
            record.update(extra[i])
        yield dumps(record) + "\n"


def csv_header(network: Network) -> str:
    """The CSV header: one column per output unit (class names when the config has them,
    else ``y0, y1, ...``), then ``predicted``."""
    names = list(network.classes) if network.classes else [f"y{j}" for j in range(network.output_size)]
    return csv_line([*names, "predicted"])


def csv_rows(output: np.ndarray, predicted: np.ndarray | None) -> Iterator[str]:
    """CSV data rows: the output values at full precision, then the predicted index (empty
    for a 1-unit output or a row that predicts nothing)."""
    values = output.astype(np.float64).tolist()
    classes = predicted_list(predicted)
    for i, row in enumerate(values):
        cells = [full(v) for v in row]
        cells.append("" if classes is None or classes[i] is None else str(classes[i]))
        yield csv_line(cells)


def npy_header(rows: int, columns: int, dtype: np.dtype) -> bytes:
    """The header of a .npy file holding a C-ordered (rows, columns) array of ``dtype``; the
    raw row data follows it (so a known number of rows can be streamed)."""
    buffer = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": (rows, columns)}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def csv_line(cells: Sequence[Any]) -> str:
    """One CSV line (quoted where needed, ``\\n`` at the end)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


# --- nncli softmax ----------------------------------------------------------------------


def probabilities_json(result: SoftmaxRows) -> str:
    """``{"input": [[...]], "probabilities": [[...]], "predicted": [...], "temperature": T, "dtype": "..."}``.

    With ``--log`` the key is ``log_probabilities``. Full precision; nan/inf as strings.
    """
    return dumps(result.to_dict()) + "\n"


def demo_json(demo: OverflowDemo) -> str:
    """The overflow demo's steps as JSON (see ``OverflowDemo.to_dict``), indented for reading."""
    return dumps(demo.to_dict(), indent=2) + "\n"


def probabilities_csv(result: SoftmaxRows) -> str:
    """CSV: header ``p0,p1,...,p{n-1},predicted`` (``logp0,...`` with --log), then one line per row.

    Values are written at full precision (see ``numbers.full``), non-finite ones as ``nan``,
    ``inf``, ``-inf``; ``predicted`` is empty for a row containing nan.
    """
    values = result.log_probabilities if result.log_probabilities is not None else result.probabilities
    prefix = "logp" if result.log_probabilities is not None else "p"
    lines = [csv_line([f"{prefix}{k}" for k in range(values.shape[1])] + ["predicted"])]
    for row, k in zip(values, result.predicted):
        lines.append(csv_line([full(v) for v in row] + ["" if k is None else k]))
    return "".join(lines)

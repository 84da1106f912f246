"""Checking a forward pass against known answers (``--expect golden.json``).

A golden file is what ``nncli forward -f json`` writes, or any JSON object with its keys:
``output`` (required), and optionally ``layers[].A`` / ``layers[].Z``, ``probabilities``,
``predicted``. Numbers may be the strings "nan", "inf", "-inf" (as nncli writes them).

Every array the golden file holds is compared with the same array of the run, element by
element, with numpy.isclose's rule ``|a - b| <= atol + rtol·|b|`` (a: computed, b: golden;
NaN matches NaN). ``predicted`` must match exactly (null = no class). The report gives, per
array, the max absolute error ``max |a - b|``, the max relative error ``max |a - b| / |b|``
over the entries with b != 0, and the first entry outside the tolerance (row, unit).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import numpy as np

from nncli.data.files import open_user_file
from nncli.data.text import MAX_JSON_BYTES
from nncli.errors import InputError, Mark
from nncli.network import ForwardTrace

EXIT_MISMATCH = 3  # the exit code when anything is outside the tolerance (1: bad input, 2: usage)
DEFAULT_RTOL = 1e-5  # numpy.isclose's defaults
DEFAULT_ATOL = 1e-8


class ArrayCheck(NamedTuple):
    """One compared array: ``name`` such as "output", "layers[1].A" or "predicted"."""

    name: str
    shape: tuple[int, ...]
    max_abs: float | None  # None for "predicted" and for a shape mismatch
    max_rel: float | None
    outside: int  # entries outside the tolerance (every entry when the shapes differ)
    first: tuple[int, int] | None  # (row, unit) of the first entry outside, 0-based
    note: str = ""  # e.g. "golden is 3×3" (a shape that differs), "not computed by this run"

    @property
    def ok(self) -> bool:
        return self.outside == 0 and not self.note


class GoldenReport(NamedTuple):
    """Every comparison of a run with a golden file (NamedTuples, not dataclasses: this module
    is on forward's import path, where a dataclass costs ~0.5 ms to define)."""

    source: str
    rtol: float
    atol: float
    checks: tuple[ArrayCheck, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> tuple[ArrayCheck, ...]:
        return tuple(check for check in self.checks if not check.ok)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"golden", "rule", "rtol", "atol", "ok", "arrays": [...]}``."""
        return {
            "golden": self.source, "rule": "|a - b| <= atol + rtol*|b|", "rtol": self.rtol, "atol": self.atol,
            "ok": self.ok,
            "arrays": [{"name": c.name, "shape": list(c.shape), "max_abs": c.max_abs, "max_rel": c.max_rel,
                        "outside": c.outside, "first": list(c.first) if c.first else None, "ok": c.ok,
                        "note": c.note or None} for c in self.checks],
        }


def load_golden(path: str | Path) -> dict[str, Any]:
    """The golden JSON object; InputError (naming the file, and ``file:line:column`` for a JSON
    syntax error) if it is unreadable, not JSON, not an object, or has no ``output``."""
    shown = str(path)
    with open_user_file(path, "golden file") as handle:  # a device or a FIFO is read up to the limit
        try:
            data = handle.read(MAX_JSON_BYTES + 1)
        except OSError as err:
            raise InputError(f"{shown}: cannot read ({err.strerror or err})") from None
    if len(data) > MAX_JSON_BYTES:
        raise InputError(f"{shown}: more than {MAX_JSON_BYTES // 2**20} MiB, the limit for a JSON document")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{shown}: cannot read ({err})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"not JSON: {err.msg}", Mark(shown, err.lineno, err.colno)) from None
    except RecursionError:
        raise InputError(f"{shown}: not JSON: nested too deeply") from None
    if not isinstance(document, dict) or "output" not in document:
        raise InputError(f"{shown}: a golden file is a JSON object with 'output' (what nncli forward -f json writes)")
    return document


def arrays_of(trace: ForwardTrace) -> dict[str, np.ndarray | None]:
    """The arrays of a trace by golden name: output, layers[k].A/Z, probabilities, predicted."""
    arrays: dict[str, np.ndarray | None] = {"output": trace.output, "probabilities": trace.probabilities,
                                            "predicted": trace.predicted}
    for layer in trace.layers:
        arrays[f"layers[{layer.index}].A"] = layer.A
        arrays[f"layers[{layer.index}].Z"] = layer.Z
    return arrays


def compare(actual: Mapping[str, np.ndarray | None], golden: Mapping[str, Any], *, rtol: float = DEFAULT_RTOL,
            atol: float = DEFAULT_ATOL, source: str = "golden") -> GoldenReport:
    """Compare every array ``golden`` (a golden JSON object) holds with ``actual`` (see
    ``arrays_of``): ``compare_arrays(actual, golden_arrays(golden, source), ...)``."""
    return compare_arrays(actual, golden_arrays(golden, source), rtol=rtol, atol=atol, source=source)


def check_tolerance(rtol: float, atol: float) -> None:
    """InputError unless both tolerances are finite and >= 0."""
    if not (math.isfinite(rtol) and rtol >= 0 and math.isfinite(atol) and atol >= 0):
        raise InputError(f"--rtol and --atol must be finite and >= 0, not {rtol:g} and {atol:g}")


def compare_arrays(actual: Mapping[str, np.ndarray | None], expected: Mapping[str, np.ndarray], *,
                   rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL, source: str = "golden") -> GoldenReport:
    """Compare every array of ``expected`` (``golden_arrays``' result) with ``actual``.

    An array the golden file has but the run lacks (e.g. a layer the run's network does not
    have) is reported as a failure, so nothing golden goes unchecked. Raises InputError for a
    negative or non-finite tolerance.
    """
    check_tolerance(rtol, atol)
    checks = []
    for name, expected_values in expected.items():
        got = actual.get(name)
        if name == "predicted":
            checks.append(_compare_classes(got, expected_values))
        elif got is None:
            checks.append(ArrayCheck(name, np.shape(expected_values), None, None, int(np.size(expected_values)), None,
                                     "not computed by this run"))
        else:
            checks.append(_compare_numbers(name, np.asarray(got), expected_values, rtol, atol))
    return GoldenReport(source, rtol, atol, tuple(checks))


def golden_arrays(golden: Mapping[str, Any], source: str = "golden") -> dict[str, np.ndarray]:
    """The arrays a golden JSON object holds, by name, in report order: output (rows, units),
    layers[k].A / layers[k].Z (k from 1), probabilities, and predicted as int64 (-1 for null).
    InputError (naming ``source`` and the key) for values that are not rows of numbers."""
    found: list[tuple[str, Any]] = [("output", _numbers(golden["output"], "output", source))]
    layers = golden.get("layers") or []
    if not isinstance(layers, list):
        raise InputError(f"{source}: 'layers' must be a list of {{\"A\": ..., \"Z\": ...}} objects")
    for k, layer in enumerate(layers, start=1):
        if not isinstance(layer, dict):
            raise InputError(f"{source}: layers[{k - 1}] is not an object")
        for key in ("A", "Z"):
            if layer.get(key) is not None:
                found.append((f"layers[{k}].{key}", _numbers(layer[key], f"layers[{k - 1}].{key}", source)))
    if golden.get("probabilities") is not None:
        found.append(("probabilities", _numbers(golden["probabilities"], "probabilities", source)))
    if golden.get("predicted") is not None:
        predicted = golden["predicted"]
        if not isinstance(predicted, list) or not all(p is None or (isinstance(p, int) and not isinstance(p, bool))
                                                      for p in predicted):
            raise InputError(f"{source}: 'predicted' must be a list of class numbers (or null)")
        found.append(("predicted", np.array([-1 if p is None else p for p in predicted], dtype=np.int64)))
    return dict(found)


def _numbers(value: Any, key: str, source: str) -> np.ndarray:
    def number(x: Any) -> float:
        if isinstance(x, bool):
            raise ValueError
        if isinstance(x, str):
            return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[x]
        return float(x)

    try:
        rows = [[number(x) for x in row] for row in value]
        arr = np.array(rows, dtype=np.float64)
    except (TypeError, ValueError, KeyError):
        raise InputError(f"{source}: '{key}' must be a list of rows of numbers (or \"nan\", \"inf\", \"-inf\")") from None
    if arr.ndim != 2:
        raise InputError(f"{source}: '{key}' must be a list of rows of equal length")
    return arr


def _compare_numbers(name: str, got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> ArrayCheck:
    if got.shape != expected.shape:
        return ArrayCheck(name, got.shape, None, None, int(expected.size), None,
                          f"golden is {_shape(expected.shape)}")
    a, b = got.astype(np.float64), expected
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        both = np.isfinite(a) & np.isfinite(b)
        diff = np.abs(a - b, where=both, out=np.zeros_like(a))
        nonzero = both & (b != 0)
        rel = np.divide(diff, np.abs(b), where=nonzero, out=np.zeros_like(a))
    bad = np.argwhere(~close)
    first = (int(bad[0][0]), int(bad[0][1])) if bad.size else None
    return ArrayCheck(name, got.shape, float(diff.max(initial=0.0)), float(rel.max(initial=0.0)), int(bad.shape[0]), first)


def _compare_classes(got: np.ndarray | None, expected: np.ndarray) -> ArrayCheck:
    if got is None:
        return ArrayCheck("predicted", expected.shape, None, None, int(expected.size), None, "not computed by this run")
    got = np.array([-1 if k is None else k for k in np.asarray(got).tolist()], dtype=np.int64)  # None: no class
    if got.shape != expected.shape:
        return ArrayCheck("predicted", got.shape, None, None, int(expected.size), None,
                          f"golden is {_shape(expected.shape)}")
    bad = np.flatnonzero(got != expected)
    return ArrayCheck("predicted", got.shape, None, None, int(bad.size), (int(bad[0]), 0) if bad.size else None)


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape)

"""Probes of an activation along one dimension: the values behind plots, the property table and its max |h'|."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nncli.activations.registry import Activation


def probe(act: Activation, x: np.ndarray, derivative: bool = False) -> np.ndarray:
    """h (or h') along a one-dimensional path, for plots and the property table.

    Element-wise functions: h(x) itself. Row-wise: the first entry of h on the rows (x, 0)
    (softmax gives sigmoid(x)). Grouping: the first output on inputs (x, x) (glu gives
    x*sigmoid(x)); the derivative is the first entry's, d h_1/d a_1. Returns float64.
    """
    x = np.asarray(x, dtype=np.float64)
    if act.kind == "elementwise":
        return np.asarray(act.derivative(x) if derivative else act(x), dtype=np.float64)
    if act.kind == "rowwise":
        rows = np.stack([x, np.zeros_like(x)], axis=-1)  # (n, 2)
    else:
        width = 2 if act.name == "glu" else int(act.params.get("pieces", 2))
        rows = np.repeat(x[:, None], width, axis=1)  # (n, width)
    y = act.derivative(rows) if derivative else act(rows)
    return np.asarray(y[:, 0], dtype=np.float64)


def max_derivative(act: Activation) -> tuple[float, float]:
    """The supremum of |h'| along ``probe``'s path, estimated numerically, and where it is.

    Samples a = -10..10 in steps of 0.001 plus ±10^1..10^6, then refines around the best
    sample on a 1000x finer grid. Returns (value, a); value is inf for unbounded derivatives
    (exponential). A supremum approached only at infinity (softplus: 1) is reported from the
    far samples.
    """
    base = np.arange(-10000, 10001) / 1000.0
    far = np.logspace(1, 6, 101)
    grid = np.concatenate([base, far, -far])
    with np.errstate(over="ignore"):
        d = np.abs(probe(act, grid, derivative=True))
    if np.isnan(d).all():
        return float("nan"), float("nan")
    i = int(np.nanargmax(d))
    best, at = float(d[i]), float(grid[i])
    if not math.isfinite(best) or abs(at) > 10:
        return best, at
    fine = at + np.arange(-1000, 1001) * 1e-6
    with np.errstate(over="ignore"):
        dd = np.abs(probe(act, fine, derivative=True))
    j = int(np.nanargmax(dd))
    if dd[j] > best:
        best, at = float(dd[j]), float(fine[j])
    return best, at


def summary(act: Activation, depth: int = 10) -> dict[str, Any]:
    """What the property table shows for one activation, as plain data (see render.activations).

    ``max_derivative`` is the numerically found supremum of |h'| (see ``max_derivative``);
    ``max_derivative_at_depth`` is its ``depth``-th power: the most a gradient can keep through
    ``depth`` such layers (sigmoid: 0.25^10 = 9.5e-7).
    """
    spec = act.spec
    value, at = max_derivative(act)
    with np.errstate(over="ignore"):
        through = float(np.float64(value) ** depth) if math.isfinite(value) else value
    return {
        "name": spec.name,
        "aliases": list(spec.aliases),
        "kind": spec.kind,
        "formula": spec.formula,
        "latex": spec.latex,
        "parameters": {p.name: (list(act.params[p.name]) if isinstance(act.params[p.name], tuple)
                                else act.params[p.name]) for p in spec.params},
        "range": spec.range,
        "zero_centred": spec.zero_centred,
        "monotonic": spec.monotonic,
        "smooth": spec.smooth,
        "max_derivative": value,
        "max_derivative_at": at,
        "depth": depth,
        "max_derivative_at_depth": through,
    }

"""How the row-wise activations are computed: softmax, log_softmax, softmin, sparsemax in float64 or
double-double, rows whose maximum is not finite, and glu's gate.

Kernels take float64 rows ``x`` (rows, n) and write ``o``; ``blocks.rows`` feeds them blocks of
rows (float32 converted per block, rounded once).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from nncli.activations import doubledouble as dd
from nncli.activations import precise
from nncli.activations.blocks import rows


def _special_rows(x: np.ndarray, log: bool, sparse: bool = False) -> np.ndarray:
    """Rows whose maximum is not finite: NaN rows give NaN; rows holding +inf share the
    probability equally among their +inf entries (the limit as those entries grow together);
    rows of only -inf have no limit: NaN."""
    res = np.full(x.shape, np.nan)
    for i, row in enumerate(x):
        if np.isnan(row).any():
            continue
        top = row == np.inf
        if top.any():
            count = int(top.sum())
            if log:
                res[i] = np.where(top, -math.log(count), -np.inf)
            else:
                res[i] = np.where(top, 1.0 / count, 0.0)
    return res


def _split_rows(x: np.ndarray, o: np.ndarray, finite_rows: Callable[[np.ndarray, np.ndarray, np.ndarray], None],
                log: bool) -> None:
    m = np.max(x, axis=1, keepdims=True)
    good = np.isfinite(m[:, 0])
    if good.all():
        finite_rows(x, o, m)
        return
    if good.any():
        sub = np.empty((int(good.sum()), x.shape[1]))
        finite_rows(x[good], sub, m[good])
        o[good] = sub
    o[~good] = _special_rows(x[~good], log)


def _shifted(x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """z = a - max and its rounding error dz (exactly a - max = z + dz); 0 error for -inf entries."""
    with np.errstate(invalid="ignore"):  # -inf entries: (-inf) - (-inf) inside two_sum
        z, dz = dd.two_sum(x, -m)
    np.copyto(dz, 0.0, where=np.isnan(dz))
    return z, dz


def _softmax_finite(x: np.ndarray, o: np.ndarray, m: np.ndarray) -> None:
    # float64: every step in double-double, rounded once (<= 0.5 ulp): the shift a - max is
    # exact (z + dz), exp(z + dz) comes from exp_dd, the row sums from a two_sum tree. With
    # plain exp, sum and divide, a 10-value row already reaches 2.4 ulp, and a - max rounding
    # alone costs 8 ulp for [30.1, 0.3].
    z, dz = _shifted(x, m)
    eh, el = dd.exp_dd(np.where(np.isfinite(z), z, -3000.0), dz)  # exp(-inf) = 0
    sh, sl = dd.dd_row_sum(eh, el)
    np.copyto(o, dd.dd_div(eh, el, sh, sl)[0])


def _log_softmax_finite(x: np.ndarray, o: np.ndarray, m: np.ndarray) -> None:
    # log sum exp(z) = log1p(S'), S' the sum without one maximal entry (whose exp(0) = 1):
    # log(1 + S') would lose S' below 1e-16 (log_softmax of the top entry would be 0, not -S').
    # S' is a double-double (exp_dd, two_sum tree), and z + dz - L is rounded once (<= 1 ulp).
    z, dz = _shifted(x, m)
    eh, el = dd.exp_dd(np.where(np.isfinite(z), z, -3000.0), dz)
    top = (np.arange(x.shape[0]), np.argmax(x, axis=1))
    eh[top] = 0.0
    el[top] = 0.0
    sh, sl = dd.dd_row_sum(eh, el)
    lh = np.log1p(sh)
    ll = sl / (1.0 + sh)
    with np.errstate(invalid="ignore"):  # -inf entries: -inf - (-inf) inside two_sum
        yh, yl = dd.two_sum(z, -lh)
    np.copyto(yl, 0.0, where=~np.isfinite(yl))
    np.add(yh, yl + (dz - ll), out=o)


def _softmax_kernel(x: np.ndarray, o: np.ndarray) -> None:
    _split_rows(x, o, _softmax_finite, log=False)


def _softmax_lowp(x: np.ndarray, buf: np.ndarray, dst: np.ndarray) -> None:
    # float32: a - max is exact in float64 (no correction term needed), exp and the sum in
    # float64, one rounding to float32 at the end (multiplying by 1/sum: 2^-53 extra error).
    m = np.max(x, axis=1, keepdims=True)
    if not np.isfinite(m).all():
        o = np.empty(x.shape)
        _softmax_kernel(x.astype(np.float64), o)
        dst[...] = o
        return
    np.subtract(x, m, out=buf, dtype=np.float64)
    np.exp(buf, out=buf)
    np.multiply(buf, 1.0 / np.sum(buf, axis=1, keepdims=True), out=dst)


def _log_softmax_kernel(x: np.ndarray, o: np.ndarray) -> None:
    _split_rows(x, o, _log_softmax_finite, log=True)


def softmax(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """float64 in double-double (<= 0.5 ulp); float32 in float64, rounded once."""
    return rows(_softmax_kernel, a, out, lowp=_softmax_lowp)


def log_softmax(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """a - max - log1p(sum without one maximal entry), in double-double (<= 1 ulp)."""
    return rows(_log_softmax_kernel, a, out)


def _softmin_kernel(x: np.ndarray, o: np.ndarray) -> None:
    _softmax_kernel(-x, o)


def softmin(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """softmax(-a), as softmax."""
    return rows(_softmin_kernel, a, out)


def _sparsemax_finite(x: np.ndarray, o: np.ndarray, m: np.ndarray) -> None:
    # Martins & Astudillo (2016): the Euclidean projection onto the simplex. Sort z descending;
    # the support is the largest k with 1 + k z_(k) > z_(1) + ... + z_(k); tau = (that sum - 1)/k.
    z = x - m
    zs = -np.sort(-z, axis=1)
    cs = np.cumsum(zs, axis=1)
    k = np.arange(1, x.shape[1] + 1, dtype=np.float64)
    support = (1.0 + k * zs) > cs
    kz = support.sum(axis=1)
    tau = (cs[np.arange(x.shape[0]), kz - 1] - 1.0) / kz
    np.subtract(z, tau[:, None], out=o)
    np.maximum(o, 0.0, out=o)


def _sparsemax_kernel(x: np.ndarray, o: np.ndarray) -> None:
    _split_rows(x, o, _sparsemax_finite, log=False)


def sparsemax(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """The projection onto the simplex by sorting (Martins & Astudillo 2016)."""
    return rows(_sparsemax_kernel, a, out)


def _glu_kernel(x: np.ndarray, o: np.ndarray) -> None:
    n = x.shape[1] // 2
    a, b = x[:, :n], x[:, n:]
    den = np.exp(-b)
    den += 1.0
    with np.errstate(invalid="ignore"):  # inf/inf, fixed below
        np.divide(a, den, out=o)
    inf_a = np.isinf(a)
    if inf_a.any():
        # ±inf * sigmoid(b): ±inf unless sigmoid(b) is 0 (b = -inf): then NaN, inf * 0
        with np.errstate(invalid="ignore"):
            o[inf_a] = (a * precise.sigmoid(b, None))[inf_a]


def glu(a: np.ndarray, units: int, out: np.ndarray | None) -> np.ndarray:
    """value / (1 + exp(-gate)) in float64 (<= 1.65 ulp); ±inf values times sigmoid(gate)."""
    return rows(_glu_kernel, a, out, units)

"""Independent high-precision references for the activation functions (mpmath), and ulp errors.

Each reference is written from the mathematical definition, not from nncli's formulas: the
test suite compares nncli against these, and ``gen_golden.py`` uses them for the golden table.
A reference takes an mpmath number (the exact value of the float input) and returns the true
result; ``reference(name, xs)`` evaluates it at every float in ``xs`` as a double-double
(hi, lo) pair, enough to measure float64 errors to a small fraction of an ulp.
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import mpmath as mp
import numpy as np

PREC = 160  # bits; references that cancel raise it locally

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _clip(v, lo, hi):
    return min(max(v, lo), hi)


def _tanh_shrink(x):
    # x - tanh(x) cancels to x^3/3: add the bits that cancellation eats
    extra = 0 if x == 0 else max(0, int(-3 * mp.log(abs(x), 2)) + 10)
    with mp.workprec(PREC + extra):
        return x - mp.tanh(x)


def _squareplus(x, b=mp.mpf(4)):
    r = mp.sqrt(x * x + b)
    return (x + r) / 2 if x >= 0 else b / (2 * (r - x))


def _gelu_tanh(x):
    u = mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
    return x / (1 + mp.exp(-2 * u))


def _mish(x):
    return x * mp.tanh(mp.log1p(mp.exp(x)))


SCALAR: dict[str, Callable] = {
    "identity": lambda x: x,
    "step": lambda x: mp.mpf(1) if x > 0 else mp.mpf(0),
    "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
    "hard_sigmoid": lambda x: _clip(x / 6 + mp.mpf(1) / 2, 0, 1),
    "softplus": lambda x: mp.log1p(mp.exp(x)),
    "log_sigmoid": lambda x: -mp.log1p(mp.exp(-x)),
    "sparse_sigmoid": lambda x: _clip((x + 1) / 2, 0, 1),
    "tanh": mp.tanh,
    "hard_tanh": lambda x: _clip(x, -1, 1),
    "tanh_shrink": _tanh_shrink,
    "relu": lambda x: max(x, 0),
    "relu6": lambda x: _clip(x, 0, 6),
    "leaky_relu": lambda x: x if x > 0 else x * mp.mpf(0.01),
    "prelu": lambda x: x if x > 0 else x / 4,
    "rrelu": lambda x: x if x > 0 else x * (mp.mpf(1) / 8 + mp.mpf(1) / 3) / 2,
    "elu": lambda x: x if x > 0 else mp.expm1(x),
    "selu": lambda x: mp.mpf(SELU_SCALE) * (x if x > 0 else mp.mpf(SELU_ALPHA) * mp.expm1(x)),
    "celu": lambda x: x if x > 0 else mp.expm1(x),
    "gelu": lambda x: x * mp.ncdf(x),
    "gelu_tanh": _gelu_tanh,
    "silu": lambda x: x / (1 + mp.exp(-x)),
    "hard_silu": lambda x: x * _clip(x + 3, 0, 6) / 6,
    "mish": _mish,
    "softsign": lambda x: x / (1 + abs(x)),
    "squareplus": _squareplus,
    "sparse_plus": lambda x: mp.mpf(0) if x <= -1 else (x if x >= 1 else (x + 1) ** 2 / 4),
    "exponential": mp.exp,
    "threshold": lambda x: x if x > 0 else mp.mpf(0),
    "thresholded_relu": lambda x: x if x > 1 else mp.mpf(0),
    "hard_shrink": lambda x: x if abs(x) > mp.mpf(1) / 2 else mp.mpf(0),
    "soft_shrink": lambda x: x - mp.mpf(1) / 2 if x > mp.mpf(1) / 2 else (x + mp.mpf(1) / 2 if x < -mp.mpf(1) / 2 else mp.mpf(0)),
}
"""name -> f(x) with default parameters ("gelu_tanh" is gelu with approximate="tanh")."""


def reference(name: str, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The true values at the float64 values ``xs`` as (hi, lo) with hi + lo = f(x) to ~2^-106."""
    f = SCALAR[name]
    return _evaluate(f, tuple(float(x) for x in np.asarray(xs, dtype=np.float64).ravel()))


@functools.lru_cache(maxsize=None)
def _evaluate(f: Callable, xs: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    hi = np.empty(len(xs))
    lo = np.empty(len(xs))
    with mp.workprec(PREC):
        for i, x in enumerate(xs):
            hi[i], lo[i] = to_pair(f(mp.mpf(x)))
    return hi, lo


def to_pair(t) -> tuple[float, float]:
    """An mpmath value as (nearest float64, remainder); ±inf beyond float64's range."""
    if mp.isnan(t):
        return math.nan, 0.0
    if mp.isinf(t) or abs(t) >= mp.mpf(2) ** 1024:
        return (math.inf if t > 0 else -math.inf), 0.0
    h = float(t)  # mpmath rounds to nearest
    return h, float(t - h)


def ulp_errors(got: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    """|got - true| in ulps of the true value's binade in ``dtype``, and the mask of points where
    the true value is a normal number of ``dtype`` (elsewhere the error is reported as 0)."""
    info = np.finfo(dtype)
    bits = info.nmant + 1
    ok = np.isfinite(hi) & (np.abs(hi) >= float(info.tiny)) & (np.abs(hi) <= float(info.max))
    h = np.where(ok, hi, 1.0)
    low = np.where(ok, lo, 0.0)
    g = np.where(ok, np.asarray(got, dtype=np.float64), 1.0)
    _, e = np.frexp(h)
    ulp = np.ldexp(1.0, e - bits)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(((g - h) - low) / ulp)
    err = np.where(np.isnan(err), np.inf, err)
    return np.where(ok, err, 0.0), ok

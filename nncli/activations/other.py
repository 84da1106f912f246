"""The other element-wise functions: softsign, squareplus, sparse_plus, exponential, thresholds and shrinkage.

Registered where defined (see ``registry``); each docstring's first line is the formula.
"""

from __future__ import annotations

import math

import numpy as np

from nncli.activations import precise, precise_series
from nncli.activations.blocks import as_float, const, in64, indicator, keep_nan, new
from nncli.activations.registry import Param, activation, derivative_of


@activation(range="(-1, 1)", zero_centred=True, monotonic=True, smooth=True,
            notes="C1 (its second derivative jumps at 0).")
def softsign(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a / (1 + |a|)

    LaTeX: h(a) = \frac{a}{1 + |a|}
    inf, nan: h(±inf) = ±1, h(nan) = nan
    """
    return precise.softsign(as_float(a), out)


@derivative_of(softsign)
@in64
def softsign_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 / (1 + |a|)^2."""
    d = 1.0 + np.abs(a)
    return 1.0 / (d * d)


@activation(range="(0, inf)", zero_centred=False, monotonic=True, smooth=True,
            params=(Param("b", doc="smoothness near 0; h(0) = sqrt(b)/2", domain="nonnegative"),),
            kinks=lambda b: () if b > 0 else (0.0,),
            notes="Keras 3 squareplus, b = 4 by default. Derivative approaches 1 for a -> inf.")
def squareplus(a: np.ndarray, b: float = 4.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = (a + sqrt(a^2 + b)) / 2

    LaTeX: h(a) = \frac{a + \sqrt{a^2 + b}}{2}
    inf, nan: h(+inf) = inf, h(-inf) = 0, h(nan) = nan

    A smooth relu made of a square root (b = 4, as Keras 3).
    """
    return precise_series.squareplus(as_float(a), b, out)


@derivative_of(squareplus)
@in64
def squareplus_grad(a: np.ndarray, b: float = 4.0) -> np.ndarray:
    """h'(a) = (1 + a / sqrt(a^2 + b)) / 2; for b = 0 (relu) 1 if a > 0 else 0, with h'(0) = 0
    as relu's (the formula's 0/0 there)."""
    if b == 0:
        return indicator(a > 0, a)
    x = np.clip(a, -1e300, 1e300)
    return 0.5 * (1.0 + x / np.hypot(x, math.sqrt(b)))


@activation(range="[0, inf)", zero_centred=False, monotonic=True, smooth=True,
            notes="Keras 3 sparse_plus; C1 (the second derivative jumps at ±1).")
def sparse_plus(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = 0, (a + 1)^2/4, a (a <= -1, |a| < 1, a >= 1)

    LaTeX: h(a) = \begin{cases}0 & a \le -1\\\frac{(a+1)^2}{4} & -1 < a < 1\\a & a \ge 1\end{cases}
    inf, nan: h(+inf) = inf, h(-inf) = 0, h(nan) = nan

    Keras 3's sparse_plus.
    """
    return precise.sparse_plus(as_float(a), out)


@derivative_of(sparse_plus)
def sparse_plus_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 0 for a <= -1, (a + 1)/2 between, 1 for a >= 1 (continuous)."""
    a = as_float(a)
    mid = (a + const(1.0, a)) * const(0.5, a)
    g = np.where(a <= -1, const(0.0, a), np.where(a < 1, mid, const(1.0, a)))
    return keep_nan(a, g)


@activation(range="(0, inf)", zero_centred=False, monotonic=True, smooth=True, aliases=("exp",),
            notes="Keras exponential.")
def exponential(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = exp(a)

    LaTeX: h(a) = e^a
    inf, nan: h(+inf) = inf, h(-inf) = 0, h(nan) = nan; inf above 709.78 (88.72 in float32)

    Overflows to inf above 709.78 (float64) or 88.72 (float32), silently.
    """
    return precise.exponential(as_float(a), out)


@derivative_of(exponential)
@in64
def exponential_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = exp(a)."""
    return np.exp(a)


# --- thresholds and shrinkage ---------------------------------------------------------


@activation(range="{value} or (threshold, inf)", zero_centred=False, monotonic=True, smooth=False,
            params=(Param("threshold", doc="inputs at or below it are replaced"),
                    Param("value", doc="what replaces them")),
            kinks=lambda threshold, value: (threshold,),
            notes="PyTorch Threshold, which has no defaults; nncli's (0, 0) make it relu. "
                  "Monotonic only when value <= threshold.")
def threshold(a: np.ndarray, threshold: float = 0.0, value: float = 0.0, *,
              out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a if a > threshold else value

    LaTeX: h(a) = \begin{cases}a & a > \theta\\v & a \le \theta\end{cases}
    inf, nan: h(+inf) = inf, h(-inf) = value, h(nan) = nan

    PyTorch's Threshold; with the defaults, relu.
    """
    a = as_float(a)
    res = new(a, out)
    if res is not a:
        np.copyto(res, a)
    res[res <= threshold] = value
    return res


@derivative_of(threshold)
def threshold_grad(a: np.ndarray, threshold: float = 0.0, value: float = 0.0) -> np.ndarray:
    """h'(a) = 1 if a > threshold else 0 (0 at the threshold)."""
    a = as_float(a)
    return indicator(a > threshold, a)


@activation(range="{0} or (alpha, inf)", zero_centred=False, monotonic=True, smooth=False,
            params=(Param("alpha", doc="inputs at or below it give 0"),),
            kinks=lambda alpha: (alpha,),
            notes="ONNX ThresholdedRelu (alpha = 1); Keras 2's ThresholdedReLU called it theta.")
def thresholded_relu(a: np.ndarray, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a if a > alpha else 0

    LaTeX: h(a) = \begin{cases}a & a > \alpha\\0 & a \le \alpha\end{cases}
    inf, nan: h(+inf) = inf, h(-inf) = 0, h(nan) = nan

    ONNX's ThresholdedRelu, Keras 2's ThresholdedReLU (its theta).
    """
    return threshold(a, alpha, 0.0, out=out)


@derivative_of(thresholded_relu)
def thresholded_relu_grad(a: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """h'(a) = 1 if a > alpha else 0."""
    return threshold_grad(a, alpha)


@activation(range="{0} or |h| > lambd", zero_centred=True, monotonic=True, smooth=False, aliases=("hardshrink",),
            params=(Param("lambd", doc="inputs with |a| <= lambd give 0", domain="nonnegative"),),
            kinks=lambda lambd: (-lambd, lambd),
            notes="PyTorch Hardshrink; ONNX Shrink with bias = 0 (ONNX's default Shrink is this hard one).")
def hard_shrink(a: np.ndarray, lambd: float = 0.5, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a if |a| > lambd else 0

    LaTeX: h(a) = \begin{cases}a & |a| > \lambda\\0 & |a| \le \lambda\end{cases}
    inf, nan: h(±inf) = ±inf, h(nan) = nan
    """
    a = as_float(a)
    res = new(a, out)
    if res is not a:
        np.copyto(res, a)
    res[np.abs(res) <= lambd] = 0
    return res


@derivative_of(hard_shrink)
def hard_shrink_grad(a: np.ndarray, lambd: float = 0.5) -> np.ndarray:
    """h'(a) = 1 if |a| > lambd else 0 (0 at ±lambd, like PyTorch)."""
    a = as_float(a)
    return indicator(np.abs(a) > lambd, a)


@activation(range="(-inf, inf)", zero_centred=True, monotonic=True, smooth=False, aliases=("softshrink",),
            params=(Param("lambd", doc="the dead zone's half-width", domain="nonnegative"),),
            kinks=lambda lambd: (-lambd, lambd),
            notes="PyTorch Softshrink; ONNX Shrink with bias = lambd.")
def soft_shrink(a: np.ndarray, lambd: float = 0.5, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a - clip(a, -lambd, lambd)

    LaTeX: h(a) = \operatorname{sign}(a)\max(|a| - \lambda, 0)
    inf, nan: h(±inf) = ±inf, h(nan) = nan

    a - lambd if a > lambd, a + lambd if a < -lambd, else 0.
    """
    a = as_float(a)
    res = new(a, out)
    c = np.clip(a, const(-lambd, a), const(lambd, a))
    np.subtract(a, c, out=res)
    return res


@derivative_of(soft_shrink)
def soft_shrink_grad(a: np.ndarray, lambd: float = 0.5) -> np.ndarray:
    """h'(a) = 1 if |a| > lambd else 0 (0 at ±lambd, like PyTorch)."""
    return hard_shrink_grad(a, lambd)

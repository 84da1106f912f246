"""Smooth gates h(a) = a·g(a): gelu, silu (swish), hard_silu, mish.

Registered where defined (see ``registry``); each docstring's first line is the formula.
How they are computed to 2 ulp: ``precise`` (silu, hard_silu, mish), ``precise_series`` (gelu).
"""

from __future__ import annotations

import math

import numpy as np

from nncli.activations import doubledouble as dd
from nncli.activations import precise, precise_series
from nncli.activations.blocks import as_float, const, in64, keep_nan
from nncli.activations.classic import sigmoid, softplus
from nncli.activations.registry import Param, activation, derivative_of

_K, _C = precise_series.GELU_TANH_K, precise_series.GELU_TANH_C  # 0.044715, sqrt(2/pi)


@activation(range="[-0.17, inf)", zero_centred=False, monotonic=False, smooth=True,
            params=(Param("approximate", doc="none: a*Phi(a) exactly; tanh: the tanh approximation",
                          choices=("none", "tanh"), kind="str"),),
            notes="Exact by default (PyTorch, ONNX, Keras 3 activations.gelu); JAX defaults to the tanh form, "
                  "keras.ops.gelu too. Minimum -0.169971 at a = -0.751792.")
def gelu(a: np.ndarray, approximate: str = "none", *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a*Phi(a) = a/2*erfc(-a/sqrt(2))

    LaTeX: h(a) = a\,\Phi(a) = \frac{a}{2}\operatorname{erfc}\left(-\frac{a}{\sqrt 2}\right)
    inf, nan: h(+inf) = inf, h(-inf) = -0.0, h(nan) = nan

    Phi is the standard normal CDF (approximate="none"); approximate="tanh" gives
    (a/2)(1 + tanh(sqrt(2/pi)(a + 0.044715a^3))) = a·sigmoid(2 sqrt(2/pi)(a + 0.044715a^3)).
    gelu(-inf) = -0.0 is the limit (-inf * 0 is NaN in other frameworks). float64 uses
    double-double arithmetic (~150 ns per value); float32 the float64 normal CDF, rounded once.
    """
    return precise_series.gelu(as_float(a), approximate, out)


@derivative_of(gelu)
@in64
def gelu_grad(a: np.ndarray, approximate: str = "none") -> np.ndarray:
    """h'(a) = Phi(a) + a·phi(a) (exact), or for the tanh form, with s = sigmoid(2u):
    s + a·s(1 - s)·2 sqrt(2/pi)(1 + 3·0.044715a^2)."""
    x = np.clip(np.where(np.isnan(a), 0.0, a), -40.0, 40.0)
    if approximate == "none":
        ph, _ = dd.normal_cdf_dd(x)
        g = ph + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    else:
        v = 2 * _C * (x + _K * x ** 3)
        e = np.exp(-np.abs(v))
        s = np.where(v >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        g = s + x * (e / ((1.0 + e) * (1.0 + e))) * 2 * _C * (1 + 3 * _K * x * x)
    return keep_nan(a, g)


@activation(range="[-0.278465, inf)", zero_centred=False, monotonic=False, smooth=True, aliases=("swish",),
            notes="Keras swish = silu. Minimum -0.278465 at a = -1.278465.")
def silu(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a * sigmoid(a)

    LaTeX: h(a) = \frac{a}{1 + e^{-a}}
    inf, nan: h(+inf) = inf, h(-inf) = -0.0, h(nan) = nan

    = a / (1 + exp(-a)). silu(-inf) = -0.0 is the limit (frameworks give NaN).
    """
    return precise.silu(as_float(a), out)


@derivative_of(silu)
@in64
def silu_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = s(1 + a(1 - s)) with s = sigmoid(a)."""
    x = np.clip(a, -1000.0, 1000.0)
    s = sigmoid(x)
    return s * (1.0 + x * sigmoid(-x))


@activation(range="[-0.375, inf)", zero_centred=False, monotonic=False, smooth=False, kinks=(-3.0, 3.0),
            aliases=("hard_swish", "hardswish"),
            notes="MobileNetV3's hard swish. Derivative at the kinks as PyTorch: -1/2 at -3, 3/2 at 3 "
                  "(its maximum). Minimum -0.375 at a = -1.5.")
def hard_silu(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a * relu6(a + 3) / 6

    LaTeX: h(a) = a\,\frac{\min(\max(0, a + 3), 6)}{6}
    inf, nan: h(+inf) = inf, h(-inf) = 0, h(nan) = nan

    0 for a <= -3, a for a >= 3, a(a + 3)/6 between.
    """
    return precise.hard_silu(as_float(a), out)


@derivative_of(hard_silu)
def hard_silu_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 0 for a < -3, a/3 + 1/2 for -3 <= a <= 3, 1 for a > 3 (PyTorch: -1/2 at -3, 3/2 at 3)."""
    a = as_float(a)
    mid = a / const(3.0, a) + const(0.5, a)
    g = np.where(a < -3, const(0.0, a), np.where(a <= 3, mid, const(1.0, a)))
    return keep_nan(a, g)


@activation(range="[-0.308843, inf)", zero_centred=False, monotonic=False, smooth=True,
            notes="Minimum -0.308843 at a = -1.192431.")
def mish(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a * tanh(softplus(a))

    LaTeX: h(a) = a\tanh\left(\log\left(1 + e^{a}\right)\right)
    inf, nan: h(+inf) = inf, h(-inf) = -0.0, h(nan) = nan

    = a·tanh(log(1 + exp(a))). mish(-inf) = -0.0 is the limit (frameworks give NaN).
    """
    return precise.mish(as_float(a), out)


@derivative_of(mish)
@in64
def mish_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = tanh(sp) + a·sigmoid(a)·(1 - tanh(sp)^2), sp = softplus(a)."""
    x = np.clip(a, -1000.0, 1000.0)
    t = np.tanh(softplus(x))
    return t + x * sigmoid(x) * (1.0 - t * t)

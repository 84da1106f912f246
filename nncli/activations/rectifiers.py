"""The rectifiers: relu and its leaky, parametric and randomized variants, and the exponential linear units.

Registered where defined (see ``registry``); each docstring's first line is the formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncli.activations import precise
from nncli.activations.blocks import as_float, const, in64, indicator, keep_nan, new
from nncli.activations.registry import Param, activation, derivative_of
from nncli.errors import ActivationError

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@activation(range="[0, inf)", zero_centred=False, monotonic=True, smooth=False, kinks=(0.0,),
            notes="relu'(0) = 0 (PyTorch, JAX; the book's relu_grad uses 1, its Relu layer 0).")
def relu(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = max(0, a)

    LaTeX: h(a) = \max(0, a)
    inf, nan: h(+inf) = inf, h(-inf) = 0, h(nan) = nan
    """
    a = as_float(a)
    return np.maximum(a, const(0.0, a), out=new(a, out))


@derivative_of(relu)
def relu_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 if a > 0 else 0; relu'(0) = 0, like PyTorch and JAX."""
    a = as_float(a)
    return indicator(a > 0, a)


@activation(range="[0, 6]", zero_centred=False, monotonic=True, smooth=False, kinks=(0.0, 6.0),
            notes="h'(0) = h'(6) = 0.")
def relu6(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = min(max(0, a), 6)

    LaTeX: h(a) = \min(\max(0, a), 6)
    inf, nan: h(+inf) = 6, h(-inf) = 0, h(nan) = nan
    """
    a = as_float(a)
    return np.clip(a, const(0.0, a), const(6.0, a), out=new(a, out))


@derivative_of(relu6)
def relu6_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 for 0 < a < 6, else 0 (0 at both kinks, like PyTorch)."""
    a = as_float(a)
    return indicator((a > 0) & (a < 6), a)


def _leaky(a: np.ndarray, slope: Any, out: np.ndarray | None) -> np.ndarray:
    """a where a > 0, slope*a elsewhere (slope a scalar or a per-unit vector for the last axis)."""
    res = new(a, out)
    if res is not a:
        np.copyto(res, a)
    s = np.asarray(slope, dtype=a.dtype)
    np.multiply(res, s, out=res, where=res <= 0)
    return res


@activation(range="(-inf, inf)", zero_centred=False, monotonic=True, smooth=False, kinks=(0.0,),
            aliases=("lrelu", "leakyrelu"),
            params=(Param("negative_slope", doc="slope for a < 0 (Keras 3 uses 0.2)"),),
            notes="Default slope 0.01 (PyTorch, ONNX, JAX); Keras 3 leaky_relu uses 0.2, its LeakyReLU layer 0.3. "
                  "h'(0) = negative_slope.")
def leaky_relu(a: np.ndarray, negative_slope: float = 0.01, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a if a > 0 else negative_slope*a

    LaTeX: h(a) = \begin{cases}a & a > 0\\\alpha a & a \le 0\end{cases}
    inf, nan: h(+inf) = inf, h(-inf) = -inf (slope > 0), h(nan) = nan
    """
    return _leaky(as_float(a), negative_slope, out)


@derivative_of(leaky_relu)
def leaky_relu_grad(a: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """h'(a) = 1 if a > 0 else negative_slope (negative_slope at 0, like PyTorch)."""
    a = as_float(a)
    return keep_nan(a, np.where(a > 0, const(1.0, a), const(negative_slope, a)))


def _slopes(a: np.ndarray, slope: Any) -> Any:
    if isinstance(slope, tuple) and len(slope) != 1:
        units = a.shape[-1] if a.ndim else 1
        if units != len(slope):
            raise ActivationError(f"prelu has {len(slope)} per-unit slopes but the input has {units} units")
        return np.asarray(slope)
    return slope[0] if isinstance(slope, tuple) else slope


def _prelu_units(units_in: int, slope: float | tuple[float, ...] = 0.25) -> int:
    if isinstance(slope, tuple) and len(slope) not in (1, units_in):
        raise ActivationError(
            f"prelu has {len(slope)} per-unit slopes but the layer has {units_in} units; "
            f"give one slope or {units_in}"
        )
    return units_in


@activation(range="(-inf, inf)", zero_centred=False, monotonic=True, smooth=False, kinks=(0.0,),
            params=(Param("slope", doc="slope for a < 0: one number, or a list with one per unit",
                          kind="float_or_vector"),),
            units_out=_prelu_units,
            notes="PyTorch PReLU's initial slope 0.25 (Keras PReLU starts at 0; ONNX PRelu takes the slope "
                  "as an input). Per-unit slopes broadcast along the last axis. h'(0) = slope.")
def prelu(a: np.ndarray, slope: float | tuple[float, ...] = 0.25, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a if a > 0 else slope*a

    LaTeX: h(a_k) = \begin{cases}a_k & a_k > 0\\\alpha_k a_k & a_k \le 0\end{cases}
    inf, nan: h(+inf) = inf, h(-inf) = -inf (slope > 0), h(nan) = nan

    With one slope or one per unit (last axis). The slopes are learned in training; here they
    are given. Raises ActivationError if a per-unit slope list's length differs from the
    number of units.
    """
    a = as_float(a)
    return _leaky(a, _slopes(a, slope), out)


@derivative_of(prelu)
def prelu_grad(a: np.ndarray, slope: float | tuple[float, ...] = 0.25) -> np.ndarray:
    """h'(a) = 1 if a > 0 else slope (the unit's slope; slope at 0)."""
    a = as_float(a)
    s = np.asarray(_slopes(a, slope), dtype=a.dtype)
    return keep_nan(a, np.where(a > 0, const(1.0, a), s))


def _check_lower_upper(lower: float, upper: float) -> None:
    if not lower <= upper:
        raise ActivationError(f"lower ({lower:g}) must not exceed upper ({upper:g})")


@activation(range="(-inf, inf)", zero_centred=False, monotonic=True, smooth=False, kinks=(0.0,),
            params=(Param("lower", doc="lower bound of the random slope"),
                    Param("upper", doc="upper bound of the random slope")),
            check=_check_lower_upper,
            notes="PyTorch RReLU in eval mode (defaults lower 1/8, upper 1/3: slope 11/48).")
def rrelu(a: np.ndarray, lower: float = 1 / 8, upper: float = 1 / 3, *,
          out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a if a > 0 else (lower + upper)/2*a

    LaTeX: h(a) = \begin{cases}a & a > 0\\\frac{l + u}{2} a & a \le 0\end{cases}
    inf, nan: h(+inf) = inf, h(-inf) = -inf, h(nan) = nan

    Randomized leaky relu at inference: in training the slope is drawn from U(lower, upper);
    at inference (all nncli does) it is the mean, as in PyTorch's eval mode.
    """
    return _leaky(as_float(a), (lower + upper) / 2, out)


@derivative_of(rrelu)
def rrelu_grad(a: np.ndarray, lower: float = 1 / 8, upper: float = 1 / 3) -> np.ndarray:
    """h'(a) = 1 if a > 0 else (lower + upper)/2."""
    return leaky_relu_grad(a, (lower + upper) / 2)


# --- exponential linear units ---------------------------------------------------------


@activation(range="(-alpha, inf)", zero_centred=False, monotonic=True, smooth=True,
            params=(Param("alpha", doc="the value approached as a -> -inf is -alpha"),),
            kinks=lambda alpha: () if alpha == 1.0 else (0.0,),
            notes="C1 only for alpha = 1. h'(0) = alpha (PyTorch takes the a <= 0 branch).")
def elu(a: np.ndarray, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a if a > 0 else alpha*(exp(a) - 1)

    LaTeX: h(a) = \begin{cases}a & a > 0\\\alpha(e^a - 1) & a \le 0\end{cases}
    inf, nan: h(+inf) = inf, h(-inf) = -alpha, h(nan) = nan

    exp(a) - 1 via expm1.
    """
    return precise.elu(as_float(a), alpha, 1.0, 1.0, out)


@derivative_of(elu)
@in64
def elu_grad(a: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """h'(a) = 1 if a > 0 else alpha·exp(a) (alpha at 0, like PyTorch)."""
    return np.where(a > 0, 1.0, alpha * np.exp(np.minimum(a, 0.0)))


@activation(range="(-1.7581, inf)", zero_centred=False, monotonic=True, smooth=False, kinks=(0.0,),
            params=(Param("alpha", doc="negative saturation (ONNX: 1.67326319217681884765625)"),
                    Param("scale", doc="overall scale, lambda (ONNX gamma: 1.05070102214813232421875)")),
            notes="Full-precision constants as PyTorch, Keras and JAX; ONNX's defaults are their float32 "
                  "roundings. h' jumps at 0 from scale*alpha = 1.7581 (taken at 0) to scale = 1.0507.")
def selu(a: np.ndarray, alpha: float = SELU_ALPHA, scale: float = SELU_SCALE, *,
         out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = scale*a if a > 0 else scale*alpha*(exp(a) - 1)

    LaTeX: h(a) = \lambda\begin{cases}a & a > 0\\\alpha(e^a - 1) & a \le 0\end{cases}
    inf, nan: h(+inf) = inf, h(-inf) = -scale*alpha, h(nan) = nan

    With the full-precision constants alpha = 1.6732632423543772, scale = 1.0507009873554805
    (Klambauer et al. 2017).
    """
    return precise.elu(as_float(a), alpha, scale, 1.0, out)


@derivative_of(selu)
@in64
def selu_grad(a: np.ndarray, alpha: float = SELU_ALPHA, scale: float = SELU_SCALE) -> np.ndarray:
    """h'(a) = scale if a > 0 else scale·alpha·exp(a) (scale·alpha = 1.7581 at 0, like PyTorch)."""
    return np.where(a > 0, scale, scale * alpha * np.exp(np.minimum(a, 0.0)))


@activation(range="(-alpha, inf)", zero_centred=False, monotonic=True, smooth=True,
            params=(Param("alpha", doc="negative saturation -alpha and curvature", domain="nonzero"),),
            notes="PyTorch CELU, ONNX Celu.")
def celu(a: np.ndarray, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = max(0, a) + min(0, alpha*(exp(a/alpha) - 1))

    LaTeX: h(a) = \max(0, a) + \min\left(0, \alpha\left(e^{a/\alpha} - 1\right)\right)
    inf, nan: h(+inf) = inf, h(-inf) = -alpha, h(nan) = nan

    Continuously differentiable for any alpha.
    """
    return precise.elu(as_float(a), alpha, 1.0, alpha, out)


@derivative_of(celu)
@in64
def celu_grad(a: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """h'(a) = 1 if a > 0 else exp(a/alpha) (1 at 0 from both sides)."""
    return np.where(a > 0, 1.0, np.exp(np.minimum(a, 0.0) / alpha))

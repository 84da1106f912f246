"""The book's functions and their S-shaped relatives: identity, step, the sigmoid and tanh families.

Each function is registered where it is defined (``@activation``), its docstring states its
formula (first line), LaTeX and values at ±inf and NaN, and its derivative follows it
(``@derivative_of``). How the transcendental ones are computed to 2 ulp is in ``precise``.
"""

from __future__ import annotations

import numpy as np

from nncli.activations import precise, precise_series
from nncli.activations.blocks import as_float, const, in64, indicator, keep_nan, new
from nncli.activations.registry import Param, activation, derivative_of
from nncli.errors import ActivationError

# --- identity and step ----------------------------------------------------------------


@activation(range="(-inf, inf)", zero_centred=True, monotonic=True, smooth=True, aliases=("linear",),
            notes="The book's identity_function, used for regression outputs.")
def identity(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a

    LaTeX: h(a) = a
    inf, nan: h(±inf) = ±inf, h(nan) = nan
    """
    a = as_float(a)
    res = new(a, out)
    if res is not a:
        np.copyto(res, a)
    return res


@derivative_of(identity)
def identity_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 (NaN at NaN)."""
    a = as_float(a)
    return keep_nan(a, np.ones_like(a))


@activation(range="{0, 1}", zero_centred=False, monotonic=True, smooth=False, kinks=(0.0,),
            aliases=("heaviside", "binary_step"),
            notes="step(0) = 0, as the book's step_function (x > 0). h'(a) = 0 everywhere, also at 0 "
                  "(the jump has no derivative; 0 is what a framework's backward gives).")
def step(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = 1 if a > 0 else 0

    LaTeX: h(a) = \begin{cases}1 & a > 0\\0 & a \le 0\end{cases}
    inf, nan: h(+inf) = 1, h(-inf) = 0, h(nan) = nan

    The perceptron's threshold; step(0) = 0 as in the book.
    """
    a = as_float(a)
    res = new(a, out)
    nan = np.isnan(a)
    np.copyto(res, a > 0)
    if nan.any():
        res[nan] = np.nan
    return res


@derivative_of(step)
def step_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 0 everywhere (at the jump a = 0 as well)."""
    a = as_float(a)
    return keep_nan(a, np.zeros_like(a))


# --- the sigmoid family ---------------------------------------------------------------


@activation(range="(0, 1)", zero_centred=False, monotonic=True, smooth=True, aliases=("logistic", "expit"),
            notes="The book's sigmoid. Its derivative peaks at 0.25 (a = 0), so a gradient through "
                  "L sigmoid layers shrinks by up to 0.25^L.")
def sigmoid(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = 1 / (1 + exp(-a))

    LaTeX: h(a) = \frac{1}{1 + e^{-a}}
    inf, nan: h(+inf) = 1, h(-inf) = 0, h(nan) = nan

    = exp(a) / (1 + exp(a)). float32 (the hot path) <= 1.5 ulp and faster than the naive
    float32 expression; float64 <= 1.5 ulp (see ``precise.sigmoid``).
    """
    return precise.sigmoid(as_float(a), out)


@derivative_of(sigmoid)
@in64
def sigmoid_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = h(a)(1 - h(a)) = e / (1 + e)^2 with e = exp(-|a|) (symmetric, peak 0.25 at 0)."""
    e = np.exp(-np.abs(a))
    return e / ((1.0 + e) * (1.0 + e))


@activation(range="[0, 1]", zero_centred=False, monotonic=True, smooth=False, aliases=("hardsigmoid",),
            params=(Param("alpha", doc="slope (ONNX and Keras 2 use 0.2)"),
                    Param("beta", doc="offset (0.5 in every framework)")),
            kinks=lambda alpha, beta: () if alpha == 0 else tuple(sorted(((0 - beta) / alpha, (1 - beta) / alpha))),
            notes="Default slope 1/6 (PyTorch Hardsigmoid, Keras 3 hard_sigmoid); ONNX HardSigmoid and "
                  "Keras 2 use alpha=0.2, beta=0.5: set alpha=0.2. h'(±3) = 0 (PyTorch).")
def hard_sigmoid(a: np.ndarray, alpha: float = 1 / 6, beta: float = 0.5, *,
                 out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = clip(a/6 + 1/2, 0, 1)

    LaTeX: h(a) = \min\left(1, \max\left(0, \tfrac{a}{6} + \tfrac{1}{2}\right)\right)
    inf, nan: h(+inf) = 1, h(-inf) = 0, h(nan) = nan

    In general clip(alpha*a + beta, 0, 1) (PyTorch, Keras 3), computed as alpha*(a + beta/alpha).
    """
    return precise.hard_sigmoid(as_float(a), alpha, beta, out)


@derivative_of(hard_sigmoid)
def hard_sigmoid_grad(a: np.ndarray, alpha: float = 1 / 6, beta: float = 0.5) -> np.ndarray:
    """h'(a) = alpha where 0 < alpha*a + beta < 1, else 0 (0 at the kinks, like PyTorch)."""
    a = as_float(a)
    with np.errstate(invalid="ignore", over="ignore"):
        y = a.astype(np.float64) * alpha + beta
    return indicator((y > 0) & (y < 1), a, alpha)


@activation(range="(0, inf)", zero_centred=False, monotonic=True, smooth=True,
            params=(Param("beta", doc="sharpness: log(1 + exp(beta*a))/beta", domain="positive"),),
            notes="Computed without PyTorch's threshold (which returns a itself above 20 and is 4.2e5 ulp "
                  "off just above it). beta as in PyTorch; Keras and ONNX have no beta.")
def softplus(a: np.ndarray, beta: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = log(1 + exp(beta*a)) / beta

    LaTeX: h(a) = \frac{1}{\beta}\log\left(1 + e^{\beta a}\right)
    inf, nan: h(+inf) = inf, h(-inf) = 0, h(nan) = nan

    beta = 1 by default: the smooth relu.
    """
    return precise.softplus(as_float(a), beta, out)


@derivative_of(softplus)
@in64
def softplus_grad(a: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """h'(a) = sigmoid(beta*a)."""
    return sigmoid(np.clip(a * beta if beta != 1.0 else a, -1e300, 1e300))


@activation(range="(-inf, 0)", zero_centred=False, monotonic=True, smooth=True, aliases=("logsigmoid",))
def log_sigmoid(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = log(sigmoid(a)) = -softplus(-a)

    LaTeX: h(a) = \log\frac{1}{1 + e^{-a}}
    inf, nan: h(+inf) = 0, h(-inf) = -inf, h(nan) = nan

    Never the log of a rounded sigmoid (-inf below -745).
    """
    return precise.log_sigmoid(as_float(a), out)


@derivative_of(log_sigmoid)
@in64
def log_sigmoid_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 - sigmoid(a) = sigmoid(-a)."""
    return sigmoid(-a)


@activation(range="[0, 1]", zero_centred=False, monotonic=True, smooth=False, kinks=(-1.0, 1.0),
            notes="Keras 3 sparse_sigmoid. h'(±1) = 0.")
def sparse_sigmoid(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = clip((a + 1)/2, 0, 1)

    LaTeX: h(a) = \begin{cases}0 & a \le -1\\\frac{a+1}{2} & -1 < a < 1\\1 & a \ge 1\end{cases}
    inf, nan: h(+inf) = 1, h(-inf) = 0, h(nan) = nan

    0 for a <= -1, 1 for a >= 1, linear between (Keras 3).
    """
    a = as_float(a)
    res = new(a, out)
    np.add(a, const(1.0, a), out=res)
    np.multiply(res, const(0.5, a), out=res)
    np.clip(res, 0, 1, out=res)
    return res


@derivative_of(sparse_sigmoid)
def sparse_sigmoid_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1/2 for -1 < a < 1, else 0 (0 at the kinks)."""
    a = as_float(a)
    return indicator((a > -1) & (a < 1), a, 0.5)


# --- the tanh family ------------------------------------------------------------------


@activation(range="(-1, 1)", zero_centred=True, monotonic=True, smooth=True)
def tanh(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = tanh(a)

    LaTeX: h(a) = \tanh a
    inf, nan: h(±inf) = ±1, h(nan) = nan

    = (e^a - e^-a) / (e^a + e^-a), via np.tanh (never overflows), within 1.3 ulp in float32 and
    1.0 ulp in float64 (measured), so float32 is computed natively: the float64 route would
    cost 2.5x for no gain against the 2-ulp bound.
    """
    a = as_float(a)
    return np.tanh(a, out=new(a, out))


@derivative_of(tanh)
def tanh_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 - tanh(a)^2 = 1/cosh(a)^2, computed as 4e / (1 + e)^2 with e = exp(-2|a|).

    1 - tanh(a)^2 cancels to 0 once tanh(a) rounds to ±1 (|a| > 19 in float64), though the
    true value (1.3e-16 at 19, 7.2e-35 at 40) is far from 0; this form has no cancellation.
    """
    a = as_float(a)
    e = np.exp(const(-2.0, a) * np.abs(a))
    one = const(1.0, a)
    return const(4.0, a) * e / ((one + e) * (one + e))


def _check_min_max(min_val: float, max_val: float) -> None:
    if not min_val < max_val:
        raise ActivationError(f"min_val ({min_val:g}) must be less than max_val ({max_val:g})")


@activation(range="[-1, 1]", zero_centred=True, monotonic=True, smooth=False, aliases=("hardtanh",),
            params=(Param("min_val", doc="lower limit"), Param("max_val", doc="upper limit")),
            kinks=lambda min_val, max_val: (min_val, max_val), check=_check_min_max,
            notes="PyTorch Hardtanh. h' = 0 at the kinks.")
def hard_tanh(a: np.ndarray, min_val: float = -1.0, max_val: float = 1.0, *,
              out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = clip(a, -1, 1)

    LaTeX: h(a) = \min(1, \max(-1, a))
    inf, nan: h(+inf) = max_val, h(-inf) = min_val, h(nan) = nan

    In general clip(a, min_val, max_val).
    """
    a = as_float(a)
    return np.clip(a, const(min_val, a), const(max_val, a), out=new(a, out))


@derivative_of(hard_tanh)
def hard_tanh_grad(a: np.ndarray, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    """h'(a) = 1 for min_val < a < max_val, else 0 (0 at the kinks, like PyTorch)."""
    a = as_float(a)
    return indicator((a > min_val) & (a < max_val), a)


@activation(range="(-inf, inf)", zero_centred=True, monotonic=True, smooth=True, aliases=("tanhshrink",),
            notes="PyTorch Tanhshrink.")
def tanh_shrink(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a - tanh(a)

    LaTeX: h(a) = a - \tanh a
    inf, nan: h(±inf) = ±inf, h(nan) = nan

    Accurate near 0, where it is a^3/3, not a rounding residue.
    """
    return precise_series.tanh_shrink(as_float(a), out)


@derivative_of(tanh_shrink)
@in64
def tanh_shrink_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = tanh(a)^2."""
    t = np.tanh(a)
    return t * t

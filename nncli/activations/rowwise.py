"""Functions of a whole row (the last axis): softmax and friends, and the grouping ones, glu and maxout.

Row-wise functions give the Jacobian's diagonal d h_k/d a_k as their derivative. Grouping
functions output fewer units than they take (``units_out``); their derivative has the input's
shape: at each input, the derivative of the one output it feeds. How softmax and the others
are computed to 2 ulp: ``precise_rows``.
"""

from __future__ import annotations

import numpy as np

from nncli.activations import precise_rows
from nncli.activations.blocks import as_float, const, in64, new, output
from nncli.activations.classic import sigmoid, sigmoid_grad
from nncli.activations.registry import Param, activation, derivative_of
from nncli.errors import ActivationError


@activation(range="(0, 1), rows sum to 1", zero_centred=False, monotonic=True, smooth=True, kind="rowwise",
            notes="Row-wise over the last axis (Keras and ONNX opset >= 13 default axis -1); the derivative "
                  "shown is the Jacobian's diagonal y(1-y).")
def softmax(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a)_k = exp(a_k - max a) / sum_i exp(a_i - max a)

    LaTeX: h(a)_k = \frac{e^{a_k - C}}{\sum_i e^{a_i - C}},\ C = \max_i a_i
    inf, nan: row with nan: nan; row with +inf: 1/count at the +inf entries, 0 elsewhere;
        -inf entries: 0; row of only -inf: nan

    Subtracting the row maximum C changes nothing mathematically (multiply numerator
    and denominator by exp(-C)) but keeps every exponent <= 0, so exp never overflows
    and the largest term is exactly 1, so the sum never underflows to 0.
    A row holding +inf splits 1 among its +inf entries (the limit as they grow together).
    """
    return precise_rows.softmax(as_float(a), out)


@derivative_of(softmax)
def softmax_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal, d y_k / d a_k = y_k (1 - y_k)."""
    y = softmax(a)
    return y * (const(1.0, y) - y)


@activation(range="(-inf, 0]", zero_centred=False, monotonic=True, smooth=True, kind="rowwise",
            aliases=("logsoftmax",),
            notes="Row-wise; never log(softmax(a)). Derivative shown: the Jacobian's diagonal 1 - softmax(a).")
def log_softmax(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a)_k = (a_k - max a) - log(sum_i exp(a_i - max a))

    LaTeX: h(a)_k = a_k - C - \log\sum_i e^{a_i - C},\ C = \max_i a_i
    inf, nan: row with nan: nan; row with +inf: -log(count) at the +inf entries, -inf elsewhere;
        -inf entries: -inf; row of only -inf: nan

    Never computed as log(softmax(a)), which gives -inf for entries whose probability
    underflows (log_softmax([0, -200, -1000]) is [0, -200, -1000], not [0, -inf, -inf]).
    """
    return precise_rows.log_softmax(as_float(a), out)


@derivative_of(log_softmax)
def log_softmax_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal, d y_k / d a_k = 1 - softmax(a)_k."""
    return const(1.0, as_float(a)) - softmax(a)


@activation(range="(0, 1), rows sum to 1", zero_centred=False, monotonic=True, smooth=True, kind="rowwise",
            notes="PyTorch Softmin. Monotonic: decreasing in its own input (derivative -y(1-y) <= 0).")
def softmin(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a)_k = exp(-a_k) / sum_i exp(-a_i)

    LaTeX: h(a)_k = \frac{e^{-a_k}}{\sum_i e^{-a_i}}
    inf, nan: as softmax(-a)

    softmax(-a): the smallest entry gets the largest share.
    """
    return precise_rows.softmin(as_float(a), out)


@derivative_of(softmin)
def softmin_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal, d y_k / d a_k = -y_k (1 - y_k)."""
    y = softmin(a)
    return -y * (const(1.0, y) - y)


@activation(range="[0, 1], rows sum to 1", zero_centred=False, monotonic=True, smooth=False, kind="rowwise",
            notes="Martins & Astudillo 2016; Keras 3 sparsemax. Derivative shown: the Jacobian's diagonal.")
def sparsemax(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = max(a - tau, 0), rows sum to 1

    LaTeX: h(a) = \operatorname*{argmin}_{p \in \Delta} \lVert p - a \rVert^2 = [a - \tau]_+
    inf, nan: as softmax: row with nan: nan; row with +inf: 1/count at the +inf entries

    The projection onto the simplex, argmin_p ||p - a||^2: like softmax but with exact zeros,
    entries more than 1 below the row's top are dropped.
    """
    return precise_rows.sparsemax(as_float(a), out)


@derivative_of(sparsemax)
def sparsemax_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal: 1 - 1/|S| for entries in the support S (h > 0), else 0."""
    a = as_float(a)
    y = sparsemax(a)
    s = (y > 0).astype(a.dtype)
    size = np.sum(s, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = s * (const(1.0, a) - const(1.0, a) / size)
    return np.where(np.isnan(y), y, g)


@activation(range="{0, 1}, one 1 per row", zero_centred=False, monotonic=True, smooth=False, kind="rowwise",
            notes="ONNX Hardmax (axis -1). Ties go to the first maximum. Derivative 0.")
def hardmax(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a)_k = 1 if k = argmax a (first) else 0

    LaTeX: h(a)_k = [k = \operatorname{argmax}_i a_i]
    inf, nan: row with nan: nan; otherwise +inf and -inf compare as numbers

    1 at the (first) position of the row's maximum (ONNX Hardmax).
    """
    a = as_float(a)
    res = new(a, out)
    if a.ndim == 0:
        res[...] = 1.0 if not np.isnan(a) else np.nan
        return res
    if a.size == 0:
        return res
    flat = np.ascontiguousarray(a).reshape(-1, a.shape[-1])  # (rows, n)
    one_hot = np.zeros(flat.shape, dtype=a.dtype)
    one_hot[np.arange(flat.shape[0]), np.argmax(flat, axis=1)] = 1
    one_hot[np.isnan(flat).any(axis=1)] = np.nan
    res[...] = one_hot.reshape(a.shape)
    return res


@derivative_of(hardmax)
def hardmax_grad(a: np.ndarray) -> np.ndarray:
    """0 everywhere (piecewise constant); NaN in rows holding NaN."""
    a = as_float(a)
    return hardmax(a) * const(0.0, a)


# --- grouping: glu, maxout ------------------------------------------------------------


def _glu_units(units_in: int) -> int:
    if units_in % 2:
        raise ActivationError(f"glu halves its inputs and needs an even number of them, got {units_in}")
    return units_in // 2


def _glu_halves(a: np.ndarray) -> int:
    if a.ndim == 0:
        raise ActivationError("glu needs a row of an even number of values, got a single value")
    return _glu_units(a.shape[-1])


@activation(range="(-inf, inf)", zero_centred=False, monotonic=False, smooth=True, kind="grouping",
            units_out=_glu_units,
            notes="Gated linear unit (Dauphin et al. 2017; PyTorch glu, Keras 3 glu) over the last axis: first "
                  "half the values, second half the gates. W needs 2*units columns. Derivative: input-shaped, "
                  "each input's derivative of the output it feeds (sigmoid(gate) for a value, "
                  "value*sigmoid'(gate) for a gate).")
def glu(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a) = a[:n] * sigmoid(a[n:])

    LaTeX: h(a) = a_{1:n} \odot \sigma(a_{n+1:2n})
    inf, nan: as value * sigmoid(gate); ±inf * sigmoid(-inf) = nan

    The last axis is split into halves [value, gate]; h has half as many units. Computed as
    value / (1 + exp(-gate)) (<= 1.65 ulp). Raises ActivationError for an odd number of inputs.
    """
    a = as_float(a)
    return precise_rows.glu(a, _glu_halves(a), out)


@derivative_of(glu)
@in64
def glu_grad(a: np.ndarray) -> np.ndarray:
    """Input-shaped: sigmoid(gate_k) at value_k's position, value_k·s(1 - s) at gate_k's."""
    n = _glu_halves(a)
    value, gate = a[..., :n], a[..., n:]
    s = sigmoid(gate)
    ds = sigmoid_grad(gate)
    with np.errstate(invalid="ignore"):  # inf * 0: NaN is the honest answer
        return np.concatenate([s, value * ds], axis=-1)


def _maxout_groups(a: np.ndarray, pieces: int) -> np.ndarray:
    """``a`` as (..., units, pieces): consecutive groups of ``pieces`` inputs (a single value is a row)."""
    a = a.reshape(1) if a.ndim == 0 else a
    return a.reshape(*a.shape[:-1], _maxout_units(a.shape[-1], pieces), pieces)


def _maxout_units(units_in: int, pieces: int = 2) -> int:
    if units_in % pieces:
        raise ActivationError(
            f"maxout with pieces={pieces} needs a multiple of {pieces} inputs (units x pieces), got {units_in}"
        )
    return units_in // pieces


@activation(range="(-inf, inf)", zero_centred=False, monotonic=True, smooth=False, kind="grouping",
            params=(Param("pieces", doc="inputs per output unit; W has units*pieces columns", kind="int"),),
            units_out=_maxout_units,
            notes="Consecutive groups: unit j takes columns j*pieces .. j*pieces + pieces - 1 of A. Derivative: "
                  "input-shaped, 1 at each group's first maximum, 0 elsewhere.")
def maxout(a: np.ndarray, pieces: int = 2, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""h(a)_j = max(a_(jP), ..., a_(jP+P-1))

    LaTeX: h(a)_j = \max_{p < P} a_{jP + p}
    inf, nan: group with nan: nan; ±inf compare as numbers

    Consecutive groups of P = ``pieces`` inputs per output unit (Goodfellow et al. 2013).
    """
    a = as_float(a)
    groups = _maxout_groups(a, pieces)  # (..., units, pieces)
    res = output(a, groups.shape[:-1], out)
    np.max(groups, axis=-1, out=res)
    return res


@derivative_of(maxout)
def maxout_grad(a: np.ndarray, pieces: int = 2) -> np.ndarray:
    """Input-shaped: 1 at the first maximum of each group, 0 elsewhere (NaN for groups with NaN)."""
    a = as_float(a)
    groups = _maxout_groups(a, pieces)
    idx = np.argmax(groups, axis=-1)[..., None]
    g = (np.arange(pieces) == idx).astype(a.dtype)
    nan = np.isnan(groups).any(axis=-1, keepdims=True)
    g = np.where(nan, np.nan, g).astype(a.dtype)
    return g.reshape(a.shape if a.ndim else (1,))

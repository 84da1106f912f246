"""The registry of activation functions h(a): each entry is the function, its derivative and its metadata.

Every function takes an array ``a`` of any shape (the layer's pre-activations, rows are
samples) and returns ``h(a)`` with the same dtype: float32 stays float32 (float16 stays
float16), integers become float64. Element-wise functions act on each entry; row-wise ones
(softmax and friends) act along the last axis; grouping ones (glu, maxout) turn the last
axis's ``n`` values into fewer (``units_out``).

Accuracy: for float64 and float32 input every element-wise function is within 2 ulp of the
true value wherever that value is a normal number (most within 1; measured against mpmath in
``tests/test_activations_accuracy.py``). Transcendental functions of float32 input are
computed in float64 blocks and rounded once (see ``nncli._precise``); where even float64
formulas lose bits (GELU's left tail, mish, x - tanh x near 0, the tanh-approximate GELU)
double-double arithmetic carries the extra bits. No input, finite, infinite or NaN, makes a
function emit a RuntimeWarning; ±inf and NaN give the limits documented with each function
(NaN in, NaN out).

In-place use (the network's hot loop): every function takes ``out=``, an array of the
result's shape and dtype, which may be ``a`` itself for element-wise and row-wise functions:
``sigmoid(A, out=A)`` allocates nothing but a 128 KiB scratch block.

Derivatives: ``grad(a)`` is dh/da element-wise. At a kink the convention is PyTorch's
backward (relu'(0) = 0, leaky_relu'(0) = negative_slope, hard_sigmoid'(±3) = 0, ...), stated
in each entry's ``notes``. Row-wise functions give the Jacobian's diagonal d h_k/d a_k.
Grouping functions give, at each input position i, the derivative of the one output that
a_i feeds with respect to a_i: every input feeds exactly one output, so this array holds
every non-zero entry of the Jacobian (glu: sigma(b) at a's positions, a sigma'(b) at b's;
maxout: 1 at each group's first maximum, 0 elsewhere).

Adding a function is one ``_register(ActivationSpec(...))`` call next to its definition.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from nncli import _precise as _p
from nncli.errors import ActivationError, did_you_mean

ArrayFn = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Param:
    """One parameter of an activation: its name, default and meaning."""

    name: str
    default: Any
    doc: str
    choices: tuple[str, ...] | None = None  # for string-valued parameters
    kind: str = "float"  # "float", "int", "str" or "float_or_vector" (prelu's slope)
    domain: str = "any"  # for numbers: "any", "positive", "nonnegative" or "nonzero"


@dataclass(frozen=True)
class ActivationSpec:
    """A registry entry: the function ``fn(a, *, out=None, **params)`` and its derivative ``grad(a, **params)``.

    ``grad`` is dh/da element-wise; for row-wise functions it is the diagonal of the
    Jacobian, d h_k / d a_k. ``kind`` is "elementwise", "rowwise" or "grouping" (the
    output has fewer units than the input: glu, maxout; see ``units_out``). For grouping
    functions ``grad`` has the input's shape: at each input, the derivative of the output it
    feeds with respect to it.

    ``formula`` is plain text, ``latex`` the same in LaTeX; ``range``, ``zero_centred`` (h is
    odd: h(-a) = -h(a)), ``monotonic`` and ``smooth`` (continuously differentiable, C1)
    describe the function with its default parameters. ``kinks(**params)`` lists where the
    derivative jumps; ``special`` states h at ±inf and NaN.
    """

    name: str
    fn: ArrayFn
    grad: ArrayFn
    formula: str
    latex: str
    range: str
    zero_centred: bool
    monotonic: bool
    smooth: bool
    aliases: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    kind: str = "elementwise"
    notes: str = ""
    units_out: Callable[..., int] | None = None  # units_out(units_in, **params) for "grouping"
    kinks: Callable[..., tuple[float, ...]] | None = None  # kinks(**params): where h' jumps
    special: str = ""  # h(+inf), h(-inf), h(nan)
    check: Callable[..., None] | None = None  # check(**params): raise ActivationError if inconsistent

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def defaults(self) -> dict[str, Any]:
        """The parameters' default values, by name."""
        return {p.name: p.default for p in self.params}


@dataclass(frozen=True)
class Activation:
    """An activation with its parameters bound: ``h(a)``, ``h.derivative(a)``, ``h.label``."""

    spec: ActivationSpec
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def label(self) -> str:
        """The name with any non-default parameters, e.g. ``leaky_relu(negative_slope=0.1)``."""
        changed = [
            f"{p.name}={_fmt_param(self.params[p.name])}"
            for p in self.spec.params
            if not _same(self.params[p.name], p.default)
        ]
        return f"{self.name}({', '.join(changed)})" if changed else self.name

    def __call__(self, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """h(a), same shape as ``a`` (fewer columns for grouping functions).

        ``out``: an array of the result's shape and dtype to write into; for element-wise and
        row-wise functions it may be ``a`` itself (in-place, no allocation of the result).
        """
        return self.spec.fn(_as_float(a), out=out, **self.params)

    def derivative(self, a: np.ndarray) -> np.ndarray:
        """dh/da at ``a`` (the Jacobian's diagonal for row-wise functions; see the module doc
        for grouping functions). Same shape and dtype as ``a``."""
        return self.spec.grad(_as_float(a), **self.params)

    def units_out(self, units_in: int) -> int:
        """How many values the layer outputs when A has ``units_in`` columns.

        Raises ActivationError when ``units_in`` does not suit the activation (an odd width
        for glu, a width that is not a multiple of maxout's pieces, a per-unit prelu slope
        of another length).
        """
        if self.spec.units_out is None:
            return units_in
        return self.spec.units_out(units_in, **self.params)

    def __repr__(self) -> str:
        return f"Activation({self.label})"


REGISTRY: dict[str, ActivationSpec] = {}
_ALIASES: dict[str, str] = {}


def _register(spec: ActivationSpec) -> ActivationSpec:
    for key in (spec.name, *spec.aliases):
        if key in REGISTRY or key in _ALIASES:
            raise ValueError(f"activation name {key!r} registered twice")
    REGISTRY[spec.name] = spec
    for alias in spec.aliases:
        _ALIASES[alias] = spec.name
    return spec


def names() -> list[str]:
    """The canonical names, in registration order."""
    return list(REGISTRY)


def all_names() -> list[str]:
    """Canonical names and aliases."""
    return [*REGISTRY, *_ALIASES]


def aliases() -> dict[str, str]:
    """Every alias and the canonical name it stands for."""
    return dict(_ALIASES)


def lookup(name: str) -> ActivationSpec:
    """The entry for a canonical name or alias (case-insensitive, '-' same as '_').

    Raises ActivationError naming the valid choices and the closest match.
    """
    key = str(name).strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in REGISTRY:
        return REGISTRY[key]
    raise ActivationError(
        f"unknown activation '{name}'{did_you_mean(key, all_names())}; valid: {', '.join(names())}"
    )


def get(name: "str | Mapping[str, Any] | Activation", **params: Any) -> Activation:
    """Bind an activation: ``get("leaky_relu", negative_slope=0.1)``, ``get({"name": "gelu"})``.

    Unknown parameters raise ActivationError (with ``.param`` set to the offending key);
    values are converted to the parameter's type and checked.
    """
    if isinstance(name, Activation):
        if params:
            return get(name.name, **{**name.params, **params})
        return name
    if isinstance(name, Mapping):
        mapping = dict(name)
        if "name" not in mapping:
            raise ActivationError("an activation mapping needs a 'name' key")
        inner = mapping.pop("name")
        return get(inner, **{**mapping, **params})
    spec = lookup(name)
    bound: dict[str, Any] = {p.name: p.default for p in spec.params}
    known = [p.name for p in spec.params]
    for key, value in params.items():
        if key not in known:
            have = f"; its parameters: {', '.join(known)}" if known else "; it takes no parameters"
            err = ActivationError(
                f"activation '{spec.name}' has no parameter '{key}'{did_you_mean(key, known)}{have}"
            )
            err.param = key  # type: ignore[attr-defined]
            raise err
        try:
            bound[key] = _convert(spec.param(key), value)
        except ActivationError as err:
            err.message = f"activation '{spec.name}': {err.message}"
            err.param = key  # type: ignore[attr-defined]
            raise
    if spec.check is not None:
        try:
            spec.check(**bound)
        except ActivationError as err:
            err.message = f"activation '{spec.name}': {err.message}"
            err.param = next((k for k in params if k in known), None)  # type: ignore[attr-defined]
            raise
    return Activation(spec, bound)


def _convert(p: Param, value: Any) -> Any:
    if p.kind == "str":
        text = str(value)
        if p.choices and text not in p.choices:
            raise ActivationError(
                f"parameter '{p.name}' must be one of {', '.join(p.choices)}, not '{text}'"
                f"{did_you_mean(text, p.choices)}"
            )
        return text
    if p.kind == "int":
        if isinstance(value, bool) or not _is_number(value) or not math.isfinite(float(value)) \
                or float(value) != int(float(value)):
            raise ActivationError(f"parameter '{p.name}' must be a whole number, not {value!r}")
        if int(float(value)) < 1:
            raise ActivationError(f"parameter '{p.name}' must be at least 1, not {value!r}")
        return int(float(value))
    if p.kind == "float_or_vector" and isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value)
        if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.number) \
                or np.issubdtype(arr.dtype, np.bool_):
            raise ActivationError(f"parameter '{p.name}' must be a number or a list of numbers")
        numbers = tuple(float(v) for v in arr)
        for number in numbers:
            _check_number(p, number, value)
        return numbers
    if isinstance(value, bool) or not _is_number(value):
        raise ActivationError(f"parameter '{p.name}' must be a number, not {value!r}")
    number = float(value)
    _check_number(p, number, value)
    return number


def _check_number(p: Param, number: float, value: Any) -> None:
    if not np.isfinite(number):
        raise ActivationError(f"parameter '{p.name}' must be finite, not {value!r}")
    if p.domain == "positive" and not number > 0:
        raise ActivationError(f"parameter '{p.name}' must be positive, not {value!r}")
    if p.domain == "nonnegative" and not number >= 0:
        raise ActivationError(f"parameter '{p.name}' must be zero or positive, not {value!r}")
    if p.domain == "nonzero" and number == 0:
        raise ActivationError(f"parameter '{p.name}' must not be zero")
    if p.domain in ("positive", "nonzero") and abs(number) < np.finfo(np.float64).tiny:
        # These parameters divide: a subnormal one overflows every result it touches.
        raise ActivationError(f"parameter '{p.name}' must be at least 2.2e-308 in magnitude, not {value!r}")


def _is_number(value: Any) -> bool:
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and the like
        return False


def _fmt_param(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return str(value)


def _as_float(a: Any) -> np.ndarray:
    """``a`` as a floating array: float16/32/64 kept, anything else converted to float64."""
    arr = np.asarray(a)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def _const(value: float, a: np.ndarray) -> np.floating:
    """A constant in ``a``'s dtype, so float32 input is not upcast by a float64 constant."""
    return a.dtype.type(value)


# --- shared machinery -----------------------------------------------------------------


def _new(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """The array to write h(a) into: ``out`` (checked) or a new one like ``a``."""
    return _p._output(a, a.shape, out)


def _elementwise(kernel: _p.Kernel, a: Any, out: np.ndarray | None, chunk: int = _p.CHUNK) -> np.ndarray:
    """Run a float64 kernel over ``a`` in blocks (float32 is converted per block and rounded once)."""
    return _p.map_elementwise(kernel, _as_float(a), out, chunk)


def _dd(kernel: _p.Kernel, a: Any, out: np.ndarray | None) -> np.ndarray:
    """Like ``_elementwise`` for double-double kernels, which want smaller blocks."""
    return _p.map_elementwise(kernel, _as_float(a), out, _p.DD_CHUNK)


def _rows(kernel: _p.Kernel, a: Any, out: np.ndarray | None, width_out: int | None = None,
          lowp: _p.LowpKernel | None = None) -> np.ndarray:
    """Run a float64 row kernel along the last axis (a 0-d input is a row of one value)."""
    a = _as_float(a)
    if a.ndim == 0:
        res = _p.map_rows(kernel, a.reshape(1), lowp=lowp).reshape(())
        if out is None:
            return res
        _p._output(a, (), out)[...] = res
        return out
    return _p.map_rows(kernel, a, out, width_out, lowp=lowp)


def _in64(fn: ArrayFn) -> ArrayFn:
    """For derivatives: compute in float64 (overflow to inf allowed), return ``a``'s dtype."""

    @functools.wraps(fn)
    def wrapper(a: np.ndarray, **params: Any) -> np.ndarray:
        a = _as_float(a)
        x = a if a.dtype == np.float64 else a.astype(np.float64)
        with np.errstate(over="ignore"):
            r = np.asarray(fn(x, **params), dtype=np.float64)
            return r if a.dtype == np.float64 else r.astype(a.dtype)

    return wrapper


def _keep_nan(a: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``r`` with NaN wherever ``a`` is NaN (for derivatives built from comparisons)."""
    nan = np.isnan(a)
    if nan.any():
        r = np.where(nan, a, r)
    return r


def _indicator(cond: np.ndarray, a: np.ndarray, value: float = 1.0) -> np.ndarray:
    """``value`` where ``cond`` holds, 0 elsewhere, NaN where ``a`` is NaN; in ``a``'s dtype."""
    return _keep_nan(a, np.where(cond, _const(value, a), _const(0.0, a)))


def _no_kinks(**_: Any) -> tuple[float, ...]:
    return ()


# --- identity and step ----------------------------------------------------------------


def identity(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a."""
    a = _as_float(a)
    res = _new(a, out)
    if res is not a:
        np.copyto(res, a)
    return res


def identity_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 (NaN at NaN)."""
    a = _as_float(a)
    return _keep_nan(a, np.ones_like(a))


_register(
    ActivationSpec(
        name="identity", fn=identity, grad=identity_grad, aliases=("linear",),
        formula="h(a) = a", latex=r"h(a) = a", range="(-inf, inf)",
        zero_centred=True, monotonic=True, smooth=True, kinks=_no_kinks,
        special="h(±inf) = ±inf, h(nan) = nan",
        notes="The book's identity_function, used for regression outputs.",
    )
)


def step(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = 1 if a > 0 else 0 (the perceptron's threshold; step(0) = 0 as in the book)."""
    a = _as_float(a)
    res = _new(a, out)
    pos = a > 0
    nan = np.isnan(a)
    np.copyto(res, pos)
    if nan.any():
        res[nan] = np.nan
    return res


def step_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 0 everywhere (at the jump a = 0 as well)."""
    a = _as_float(a)
    return _keep_nan(a, np.zeros_like(a))


_register(
    ActivationSpec(
        name="step", fn=step, grad=step_grad, aliases=("heaviside", "binary_step"),
        formula="h(a) = 1 if a > 0 else 0", latex=r"h(a) = \begin{cases}1 & a > 0\\0 & a \le 0\end{cases}",
        range="{0, 1}", zero_centred=False, monotonic=True, smooth=False,
        kinks=lambda: (0.0,), special="h(+inf) = 1, h(-inf) = 0, h(nan) = nan",
        notes="step(0) = 0, as the book's step_function (x > 0). h'(a) = 0 everywhere, also at 0 "
              "(the jump has no derivative; 0 is what a framework's backward gives).",
    )
)


# --- sigmoid family -------------------------------------------------------------------


def _sigmoid_kernel(x: np.ndarray, o: np.ndarray) -> None:
    # 1/(1 + exp(-x)) is accurate (<= 1.65 ulp) on both sides; for x < -709.78 exp(-x)
    # overflows to inf and 1/inf = 0, the correct limit (map_elementwise allows that overflow).
    np.negative(x, out=o)
    np.exp(o, out=o)
    o += 1.0
    np.reciprocal(o, out=o)


_TAIL_SCALE = 128  # keeps exp(a) near a = -745 out of the subnormal range in the kernels below


def _sigmoid_negative_dd(x: np.ndarray, scale_exp: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """sigmoid(x) * 2^scale_exp for x < 0 as a double-double: e/(1 + e), e = exp(x) from exp_dd."""
    eh, el = _p.exp_dd(np.maximum(x, -2000.0), 0.0, scale_exp)
    if scale_exp:  # the denominator needs e itself (where e is subnormal, 1 + e = 1 anyway)
        dh, dl = _p.dd_add(1.0, 0.0, np.ldexp(eh, -scale_exp), np.ldexp(el, -scale_exp))
    else:
        dh, dl = _p.dd_add(1.0, 0.0, eh, el)
    return _p.dd_div(eh, el, dh, dl)


def _sigmoid_lowp(src: np.ndarray, buf: np.ndarray, dst: np.ndarray) -> None:
    # float32 (the MNIST hot path): exp in float64 (numpy's float32 exp alone is up to 2.4 ulp off),
    # then 1 + e rounded once to float32 and a float32 reciprocal: <= 1.5 ulp in all, and
    # cheaper than a float64 division. 1 + e beyond float32's range rounds to inf, 1/inf = 0.
    np.negative(src, out=buf)
    np.exp(buf, out=buf)
    np.add(buf, 1.0, out=dst)
    np.reciprocal(dst, out=dst)


def _sigmoid_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # float64: the fast formula is within 1.5 ulp for a >= 0 but reaches 2.2 ulp for a < 0,
    # where exp's own rounding passes straight through; there e/(1 + e) goes through exp_dd.
    _sigmoid_kernel(x, o)
    neg = x < 0
    if neg.any():
        o[neg] = _sigmoid_negative_dd(x[neg])[0]


def sigmoid(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = 1 / (1 + exp(-a)) = exp(a) / (1 + exp(a)).

    float32 (the hot path): exp(-a) in a cache-sized float64 block, 1 + exp(-a) rounded to
    float32 and a float32 reciprocal (<= 1.5 ulp; faster than the naive float32 expression on
    large arrays). float64: 1/(1 + exp(-a)) for a >= 0 (<= 1.5 ulp) and a double-double
    e/(1 + e) for a < 0 (<= 0.5 ulp).
    sigmoid(+inf) = 1, sigmoid(-inf) = 0, sigmoid(nan) = nan.
    """
    a = _as_float(a)
    if a.dtype == np.float64:
        return _elementwise(_sigmoid_kernel64, a, out, _p.DD_CHUNK)
    return _p.map_elementwise(_sigmoid_kernel, a, out, lowp=_sigmoid_lowp)


@_in64
def sigmoid_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = h(a)(1 - h(a)) = e / (1 + e)^2 with e = exp(-|a|) (symmetric, peak 0.25 at 0)."""
    e = np.exp(-np.abs(a))
    return e / ((1.0 + e) * (1.0 + e))


_register(
    ActivationSpec(
        name="sigmoid", fn=sigmoid, grad=sigmoid_grad, aliases=("logistic", "expit"),
        formula="h(a) = 1 / (1 + exp(-a))", latex=r"h(a) = \frac{1}{1 + e^{-a}}",
        range="(0, 1)", zero_centred=False, monotonic=True, smooth=True, kinks=_no_kinks,
        special="h(+inf) = 1, h(-inf) = 0, h(nan) = nan",
        notes="The book's sigmoid. Its derivative peaks at 0.25 (a = 0), so a gradient through "
              "L sigmoid layers shrinks by up to 0.25^L.",
    )
)


def hard_sigmoid(a: np.ndarray, alpha: float = 1 / 6, beta: float = 0.5, *,
                 out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = clip(alpha*a + beta, 0, 1); by default clip(a/6 + 1/2, 0, 1) (PyTorch, Keras 3).

    Computed as alpha*(a + beta/alpha), with beta/alpha rounded once to a float (3 and 2.5
    exactly for the PyTorch and ONNX settings): a + 3 is exact near the kink at -3, so results
    near 0 keep their relative accuracy (alpha*a + beta would cancel there, and the rounding of
    alpha = 1/6 alone would cost 75 ulp at a = -2.99).
    """
    shift = beta / alpha if alpha != 0 else 0.0
    const = min(max(beta, 0.0), 1.0)

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        if alpha == 0:  # a constant (NaN stays NaN)
            np.copyto(o, const)
            np.copyto(o, x, where=np.isnan(x))
            return
        np.add(x, shift, out=o)
        o *= alpha
        np.clip(o, 0.0, 1.0, out=o)

    return _elementwise(kernel, a, out)


def hard_sigmoid_grad(a: np.ndarray, alpha: float = 1 / 6, beta: float = 0.5) -> np.ndarray:
    """h'(a) = alpha where 0 < alpha*a + beta < 1, else 0 (0 at the kinks, like PyTorch)."""
    a = _as_float(a)
    with np.errstate(invalid="ignore", over="ignore"):
        y = a.astype(np.float64) * alpha + beta
    return _indicator((y > 0) & (y < 1), a, alpha)


def _hard_sigmoid_kinks(alpha: float = 1 / 6, beta: float = 0.5) -> tuple[float, ...]:
    return () if alpha == 0 else tuple(sorted(((0 - beta) / alpha, (1 - beta) / alpha)))


_register(
    ActivationSpec(
        name="hard_sigmoid", fn=hard_sigmoid, grad=hard_sigmoid_grad, aliases=("hardsigmoid",),
        params=(
            Param("alpha", 1 / 6, "slope (ONNX and Keras 2 use 0.2)"),
            Param("beta", 0.5, "offset (0.5 in every framework)"),
        ),
        formula="h(a) = clip(a/6 + 1/2, 0, 1)",
        latex=r"h(a) = \min\left(1, \max\left(0, \tfrac{a}{6} + \tfrac{1}{2}\right)\right)",
        range="[0, 1]", zero_centred=False, monotonic=True, smooth=False, kinks=_hard_sigmoid_kinks,
        special="h(+inf) = 1, h(-inf) = 0, h(nan) = nan",
        notes="Default slope 1/6 (PyTorch Hardsigmoid, Keras 3 hard_sigmoid); ONNX HardSigmoid and "
              "Keras 2 use alpha=0.2, beta=0.5: set alpha=0.2. h'(±3) = 0 (PyTorch).",
    )
)


def _softplus_kernel(x: np.ndarray, o: np.ndarray) -> None:
    # log1p(exp(a)) is accurate (<= 1.5 ulp) where exp does not overflow; above 40,
    # softplus(a) = a + log1p(exp(-a)) rounds to a, and max(., a) returns it (elsewhere the max
    # is a no-op, since softplus(a) > a). No threshold: PyTorch's "return a above 20" is 4e5 ulp off.
    np.minimum(x, 40.0, out=o)
    np.exp(o, out=o)
    np.log1p(o, out=o)
    np.maximum(o, x, out=o)


def _softplus_beta_kernel(beta: float) -> _p.Kernel:
    limit = 1e250 / max(beta, 1.0)

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        # softplus(beta*a)/beta: beta*a = y exactly as a double-double, softplus(y) as one too
        # (log1p(e) for y <= 0, y + log1p(e) for y > 0, e = exp(-|y|) from exp_dd), then one
        # division by beta, rounded once (<= 1 ulp; two plain roundings here reach 2.1 ulp).
        xc = np.clip(np.where(np.isnan(x), 0.0, x), -limit, limit)
        yh, yl = _p.two_prod(xc, beta)
        neg = yh <= 0
        eh, el = _p.exp_dd(np.where(neg, yh, -yh), np.where(neg, yl, -yl))
        lh = np.log1p(eh)
        ll = el / (1.0 + eh)
        sh, sl = _p.two_sum(yh, lh)
        sh, sl = _p.fast_two_sum(sh, sl + (yl + ll))
        sh = np.where(neg, lh, sh)
        sl = np.where(neg, ll, sl)
        np.copyto(o, _p.dd_div(sh, sl, beta, 0.0)[0])
        np.copyto(o, x, where=np.isnan(x) | (x > limit))  # softplus(beta*a)/beta = a up there
        np.copyto(o, 0.0, where=x < -limit)

    return kernel


def softplus(a: np.ndarray, beta: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = log(1 + exp(beta*a)) / beta; beta = 1 by default (the smooth relu).

    softplus(+inf) = inf, softplus(-inf) = 0, softplus(nan) = nan.
    """
    if beta == 1.0:
        return _elementwise(_softplus_kernel, a, out)
    return _dd(_softplus_beta_kernel(beta), a, out)


@_in64
def softplus_grad(a: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """h'(a) = sigmoid(beta*a)."""
    return sigmoid(np.clip(a * beta if beta != 1.0 else a, -1e300, 1e300))


_register(
    ActivationSpec(
        name="softplus", fn=softplus, grad=softplus_grad,
        params=(Param("beta", 1.0, "sharpness: log(1 + exp(beta*a))/beta", domain="positive"),),
        formula="h(a) = log(1 + exp(beta*a)) / beta", latex=r"h(a) = \frac{1}{\beta}\log\left(1 + e^{\beta a}\right)",
        range="(0, inf)", zero_centred=False, monotonic=True, smooth=True, kinks=_no_kinks,
        special="h(+inf) = inf, h(-inf) = 0, h(nan) = nan",
        notes="Computed without PyTorch's threshold (which returns a itself above 20 and is 4.2e5 ulp "
              "off just above it). beta as in PyTorch; Keras and ONNX have no beta.",
    )
)


def log_sigmoid(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = log(sigmoid(a)) = -softplus(-a), never log of a rounded sigmoid (-inf below -745).

    log_sigmoid(+inf) = 0, log_sigmoid(-inf) = -inf, log_sigmoid(nan) = nan.
    """

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        y = -x
        _softplus_kernel(y, o)
        np.negative(o, out=o)

    return _elementwise(kernel, a, out)


@_in64
def log_sigmoid_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 - sigmoid(a) = sigmoid(-a)."""
    return sigmoid(-a)


_register(
    ActivationSpec(
        name="log_sigmoid", fn=log_sigmoid, grad=log_sigmoid_grad, aliases=("logsigmoid",),
        formula="h(a) = log(sigmoid(a)) = -softplus(-a)", latex=r"h(a) = \log\frac{1}{1 + e^{-a}}",
        range="(-inf, 0)", zero_centred=False, monotonic=True, smooth=True, kinks=_no_kinks,
        special="h(+inf) = 0, h(-inf) = -inf, h(nan) = nan",
    )
)


def sparse_sigmoid(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = clip((a + 1)/2, 0, 1): 0 for a <= -1, 1 for a >= 1, linear between (Keras 3)."""
    a = _as_float(a)
    res = _new(a, out)
    np.add(a, _const(1.0, a), out=res)
    np.multiply(res, _const(0.5, a), out=res)
    np.clip(res, 0, 1, out=res)
    return res


def sparse_sigmoid_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1/2 for -1 < a < 1, else 0 (0 at the kinks)."""
    a = _as_float(a)
    return _indicator((a > -1) & (a < 1), a, 0.5)


_register(
    ActivationSpec(
        name="sparse_sigmoid", fn=sparse_sigmoid, grad=sparse_sigmoid_grad,
        formula="h(a) = clip((a + 1)/2, 0, 1)",
        latex=r"h(a) = \begin{cases}0 & a \le -1\\\frac{a+1}{2} & -1 < a < 1\\1 & a \ge 1\end{cases}",
        range="[0, 1]", zero_centred=False, monotonic=True, smooth=False, kinks=lambda: (-1.0, 1.0),
        special="h(+inf) = 1, h(-inf) = 0, h(nan) = nan",
        notes="Keras 3 sparse_sigmoid. h'(±1) = 0.",
    )
)


# --- tanh family ----------------------------------------------------------------------


def tanh(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = tanh(a) = (e^a - e^-a) / (e^a + e^-a), via np.tanh (never overflows).

    np.tanh is within 1.3 ulp in float32 and 1.0 ulp in float64 (measured), so float32 is
    computed natively: the float64 route would cost 2.5x for no gain against the 2-ulp bound.
    """
    a = _as_float(a)
    return np.tanh(a, out=_new(a, out))


def tanh_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 - tanh(a)^2 = 1/cosh(a)^2, computed as 4e / (1 + e)^2 with e = exp(-2|a|).

    1 - tanh(a)^2 cancels to 0 once tanh(a) rounds to ±1 (|a| > 19 in float64), though the
    true value (1.3e-16 at 19, 7.2e-35 at 40) is far from 0; this form has no cancellation.
    """
    a = _as_float(a)
    e = np.exp(_const(-2.0, a) * np.abs(a))
    one = _const(1.0, a)
    return _const(4.0, a) * e / ((one + e) * (one + e))


_register(
    ActivationSpec(
        name="tanh", fn=tanh, grad=tanh_grad,
        formula="h(a) = tanh(a)", latex=r"h(a) = \tanh a", range="(-1, 1)",
        zero_centred=True, monotonic=True, smooth=True, kinks=_no_kinks,
        special="h(±inf) = ±1, h(nan) = nan",
    )
)


def hard_tanh(a: np.ndarray, min_val: float = -1.0, max_val: float = 1.0, *,
              out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = clip(a, min_val, max_val), by default clip(a, -1, 1)."""
    a = _as_float(a)
    return np.clip(a, _const(min_val, a), _const(max_val, a), out=_new(a, out))


def hard_tanh_grad(a: np.ndarray, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    """h'(a) = 1 for min_val < a < max_val, else 0 (0 at the kinks, like PyTorch)."""
    a = _as_float(a)
    return _indicator((a > min_val) & (a < max_val), a)


def _check_min_max(min_val: float, max_val: float) -> None:
    if not min_val < max_val:
        raise ActivationError(f"min_val ({min_val:g}) must be less than max_val ({max_val:g})")


_register(
    ActivationSpec(
        name="hard_tanh", fn=hard_tanh, grad=hard_tanh_grad, aliases=("hardtanh",),
        params=(Param("min_val", -1.0, "lower limit"), Param("max_val", 1.0, "upper limit")),
        formula="h(a) = clip(a, -1, 1)",
        latex=r"h(a) = \min(1, \max(-1, a))", range="[-1, 1]",
        zero_centred=True, monotonic=True, smooth=False,
        kinks=lambda min_val=-1.0, max_val=1.0: (min_val, max_val), check=_check_min_max,
        special="h(+inf) = max_val, h(-inf) = min_val, h(nan) = nan",
        notes="PyTorch Hardtanh. h' = 0 at the kinks.",
    )
)

_TANH_SHRINK_SERIES = 0.6  # below this |a|, x - tanh(x) comes from its Taylor series


def _tanh_shrink_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # float64: x - tanh(x) cancels (1 - tanh(x)/x -> 0 near 0), so both branches work in
    # double-double. |a| < 0.6: a^3 (1/3 - 2a^2/15 + a^4 q(a^2)), the leading terms exact;
    # else |a| - (1 - t)/(1 + t) with t = exp(-2|a|) from exp_dd.
    (c0h, c0l), (c1h, c1l), tail = _p.tanh_series()
    ax = np.abs(x)
    ax = np.where(np.isnan(ax), 0.0, np.minimum(ax, 1e300))  # inf - 1 inside two_sum would be NaN
    sign = np.where(x < 0, -1.0, 1.0)
    # series branch (for every element; cheap, and where'd below)
    s = np.minimum(ax, _TANH_SHRINK_SERIES)
    u, ul = _p.two_prod(s, s)
    q = tail[-1] * np.ones_like(u)
    for c in tail[-2::-1]:
        q = q * u + c
    p1h, p1l = _p.dd_mul(u, ul, c1h, c1l)
    ph, pl = _p.dd_add(c0h, c0l, p1h, p1l)
    ph, pl = _p.dd_add(ph, pl, (u * u) * q, 0.0)
    x3h, x3l = _p.dd_mul(u, ul, s, 0.0)
    series, _ = _p.dd_mul(x3h, x3l, ph, pl)
    # exp branch
    big = np.maximum(ax, _TANH_SHRINK_SERIES)
    th, tl = _p.exp_dd(-2.0 * np.minimum(big, 400.0))
    nh, nl = _p.dd_add(1.0, 0.0, -th, -tl)
    dh, dl = _p.dd_add(1.0, 0.0, th, tl)
    qh, ql = _p.dd_div(nh, nl, dh, dl)
    far, _ = _p.dd_add(big, 0.0, -qh, -ql)
    np.multiply(sign, np.where(ax < _TANH_SHRINK_SERIES, series, far), out=o)
    np.copyto(o, x, where=np.isnan(x) | np.isinf(x))


def _tanh_shrink_kernel32(x: np.ndarray, o: np.ndarray) -> None:
    # float32 via float64: the float64 cancellation (<= 9 float64 ulp) is far below float32's ulp
    (c0h, _), (c1h, _), tail = _p.tanh_series()
    ax = np.abs(x)
    s = np.minimum(ax, _TANH_SHRINK_SERIES)
    u = s * s
    q = tail[-1] * np.ones_like(u)
    for c in tail[-2::-1]:
        q = q * u + c
    series = s * u * (c0h + u * (c1h + u * q))
    np.subtract(x, np.tanh(x), out=o)
    small = ax < _TANH_SHRINK_SERIES
    np.copyto(o, np.copysign(series, x), where=small)


def tanh_shrink(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a - tanh(a) (accurate near 0, where it is a^3/3, not a rounding residue).

    tanh_shrink(±inf) = ±inf, tanh_shrink(nan) = nan.
    """
    a = _as_float(a)
    if a.dtype == np.float64:
        return _dd(_tanh_shrink_kernel64, a, out)
    return _elementwise(_tanh_shrink_kernel32, a, out)


@_in64
def tanh_shrink_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = tanh(a)^2."""
    t = np.tanh(a)
    return t * t


_register(
    ActivationSpec(
        name="tanh_shrink", fn=tanh_shrink, grad=tanh_shrink_grad, aliases=("tanhshrink",),
        formula="h(a) = a - tanh(a)", latex=r"h(a) = a - \tanh a", range="(-inf, inf)",
        zero_centred=True, monotonic=True, smooth=True, kinks=_no_kinks,
        special="h(±inf) = ±inf, h(nan) = nan",
        notes="PyTorch Tanhshrink.",
    )
)


# --- ReLU family ----------------------------------------------------------------------


def relu(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = max(0, a); relu(nan) = nan, relu(+inf) = inf, relu(-inf) = 0."""
    a = _as_float(a)
    return np.maximum(a, _const(0.0, a), out=_new(a, out))


def relu_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 if a > 0 else 0; relu'(0) = 0, like PyTorch and JAX."""
    a = _as_float(a)
    return _indicator(a > 0, a)


_register(
    ActivationSpec(
        name="relu", fn=relu, grad=relu_grad,
        formula="h(a) = max(0, a)", latex=r"h(a) = \max(0, a)", range="[0, inf)",
        zero_centred=False, monotonic=True, smooth=False, kinks=lambda: (0.0,),
        special="h(+inf) = inf, h(-inf) = 0, h(nan) = nan",
        notes="relu'(0) = 0 (PyTorch, JAX; the book's relu_grad uses 1, its Relu layer 0).",
    )
)


def relu6(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = min(max(0, a), 6)."""
    a = _as_float(a)
    return np.clip(a, _const(0.0, a), _const(6.0, a), out=_new(a, out))


def relu6_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 for 0 < a < 6, else 0 (0 at both kinks, like PyTorch)."""
    a = _as_float(a)
    return _indicator((a > 0) & (a < 6), a)


_register(
    ActivationSpec(
        name="relu6", fn=relu6, grad=relu6_grad,
        formula="h(a) = min(max(0, a), 6)", latex=r"h(a) = \min(\max(0, a), 6)", range="[0, 6]",
        zero_centred=False, monotonic=True, smooth=False, kinks=lambda: (0.0, 6.0),
        special="h(+inf) = 6, h(-inf) = 0, h(nan) = nan",
        notes="h'(0) = h'(6) = 0.",
    )
)


def _leaky(a: np.ndarray, slope: Any, out: np.ndarray | None) -> np.ndarray:
    """a where a > 0, slope*a elsewhere (slope a scalar or a per-unit vector for the last axis)."""
    res = _new(a, out)
    if res is not a:
        np.copyto(res, a)
    s = np.asarray(slope, dtype=a.dtype)
    np.multiply(res, s, out=res, where=res <= 0)
    return res


def leaky_relu(a: np.ndarray, negative_slope: float = 0.01, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a if a > 0 else negative_slope·a."""
    return _leaky(_as_float(a), negative_slope, out)


def leaky_relu_grad(a: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """h'(a) = 1 if a > 0 else negative_slope (negative_slope at 0, like PyTorch)."""
    a = _as_float(a)
    return _keep_nan(a, np.where(a > 0, _const(1.0, a), _const(negative_slope, a)))


_register(
    ActivationSpec(
        name="leaky_relu", fn=leaky_relu, grad=leaky_relu_grad, aliases=("lrelu", "leakyrelu"),
        params=(Param("negative_slope", 0.01, "slope for a < 0 (Keras 3 uses 0.2)"),),
        formula="h(a) = a if a > 0 else negative_slope*a",
        latex=r"h(a) = \begin{cases}a & a > 0\\\alpha a & a \le 0\end{cases}",
        range="(-inf, inf)", zero_centred=False, monotonic=True, smooth=False, kinks=lambda negative_slope=0.01: (0.0,),
        special="h(+inf) = inf, h(-inf) = -inf (slope > 0), h(nan) = nan",
        notes="Default slope 0.01 (PyTorch, ONNX, JAX); Keras 3 leaky_relu uses 0.2, its LeakyReLU layer 0.3. "
              "h'(0) = negative_slope.",
    )
)


def _slopes(a: np.ndarray, slope: Any) -> Any:
    if isinstance(slope, tuple) and len(slope) != 1:
        units = a.shape[-1] if a.ndim else 1
        if units != len(slope):
            raise ActivationError(f"prelu has {len(slope)} per-unit slopes but the input has {units} units")
        return np.asarray(slope)
    return slope[0] if isinstance(slope, tuple) else slope


def prelu(a: np.ndarray, slope: float | tuple[float, ...] = 0.25, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a if a > 0 else slope·a, with one slope or one per unit (last axis).

    The slopes are learned in training; here they are given. Raises ActivationError if a
    per-unit slope list's length differs from the number of units.
    """
    a = _as_float(a)
    return _leaky(a, _slopes(a, slope), out)


def prelu_grad(a: np.ndarray, slope: float | tuple[float, ...] = 0.25) -> np.ndarray:
    """h'(a) = 1 if a > 0 else slope (the unit's slope; slope at 0)."""
    a = _as_float(a)
    s = np.asarray(_slopes(a, slope), dtype=a.dtype)
    return _keep_nan(a, np.where(a > 0, _const(1.0, a), s))


def _prelu_units(units_in: int, slope: float | tuple[float, ...] = 0.25) -> int:
    if isinstance(slope, tuple) and len(slope) not in (1, units_in):
        raise ActivationError(
            f"prelu has {len(slope)} per-unit slopes but the layer has {units_in} units; "
            f"give one slope or {units_in}"
        )
    return units_in


_register(
    ActivationSpec(
        name="prelu", fn=prelu, grad=prelu_grad,
        params=(Param("slope", 0.25, "slope for a < 0: one number, or a list with one per unit",
                      kind="float_or_vector"),),
        formula="h(a) = a if a > 0 else slope*a",
        latex=r"h(a_k) = \begin{cases}a_k & a_k > 0\\\alpha_k a_k & a_k \le 0\end{cases}",
        range="(-inf, inf)", zero_centred=False, monotonic=True, smooth=False,
        units_out=_prelu_units, kinks=lambda slope=0.25: (0.0,),
        special="h(+inf) = inf, h(-inf) = -inf (slope > 0), h(nan) = nan",
        notes="PyTorch PReLU's initial slope 0.25 (Keras PReLU starts at 0; ONNX PRelu takes the slope "
              "as an input). Per-unit slopes broadcast along the last axis. h'(0) = slope.",
    )
)


def rrelu(a: np.ndarray, lower: float = 1 / 8, upper: float = 1 / 3, *,
          out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a if a > 0 else ((lower + upper)/2)·a: randomized leaky relu at inference.

    In training the slope is drawn from U(lower, upper); at inference (all nncli does) it is
    the mean, as in PyTorch's eval mode.
    """
    return _leaky(_as_float(a), (lower + upper) / 2, out)


def rrelu_grad(a: np.ndarray, lower: float = 1 / 8, upper: float = 1 / 3) -> np.ndarray:
    """h'(a) = 1 if a > 0 else (lower + upper)/2."""
    return leaky_relu_grad(a, (lower + upper) / 2)


def _check_lower_upper(lower: float, upper: float) -> None:
    if not lower <= upper:
        raise ActivationError(f"lower ({lower:g}) must not exceed upper ({upper:g})")


_register(
    ActivationSpec(
        name="rrelu", fn=rrelu, grad=rrelu_grad,
        params=(Param("lower", 1 / 8, "lower bound of the random slope"),
                Param("upper", 1 / 3, "upper bound of the random slope")),
        formula="h(a) = a if a > 0 else (lower + upper)/2*a",
        latex=r"h(a) = \begin{cases}a & a > 0\\\frac{l + u}{2} a & a \le 0\end{cases}",
        range="(-inf, inf)", zero_centred=False, monotonic=True, smooth=False,
        kinks=lambda lower=1 / 8, upper=1 / 3: (0.0,), check=_check_lower_upper,
        special="h(+inf) = inf, h(-inf) = -inf, h(nan) = nan",
        notes="PyTorch RReLU in eval mode (defaults lower 1/8, upper 1/3: slope 11/48).",
    )
)


def _elu_kernel(alpha: float, scale: float = 1.0, inner: float = 1.0) -> _p.Kernel:
    # a > 0: scale*a; else scale*alpha*expm1(a/inner). expm1, never exp(a) - 1 (which gives
    # 0 for a = -1e-8); min(a, 0) keeps expm1 from overflowing on the branch not taken.
    neg_coef = scale * alpha

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        np.minimum(x, 0.0, out=o)
        if inner != 1.0:
            o /= inner
        np.expm1(o, out=o)
        if neg_coef != 1.0:
            o *= neg_coef
        pos = x > 0
        if scale == 1.0:
            np.copyto(o, x, where=pos)
        else:
            np.multiply(x, scale, out=o, where=pos)

    return kernel


def elu(a: np.ndarray, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a if a > 0 else alpha·(exp(a) - 1), the last via expm1."""
    return _elementwise(_elu_kernel(alpha), a, out)


@_in64
def elu_grad(a: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """h'(a) = 1 if a > 0 else alpha·exp(a) (alpha at 0, like PyTorch)."""
    return np.where(a > 0, 1.0, alpha * np.exp(np.minimum(a, 0.0)))


_register(
    ActivationSpec(
        name="elu", fn=elu, grad=elu_grad,
        params=(Param("alpha", 1.0, "the value approached as a -> -inf is -alpha"),),
        formula="h(a) = a if a > 0 else alpha*(exp(a) - 1)",
        latex=r"h(a) = \begin{cases}a & a > 0\\\alpha(e^a - 1) & a \le 0\end{cases}",
        range="(-alpha, inf)", zero_centred=False, monotonic=True, smooth=True,
        kinks=lambda alpha=1.0: () if alpha == 1.0 else (0.0,),
        special="h(+inf) = inf, h(-inf) = -alpha, h(nan) = nan",
        notes="C1 only for alpha = 1. h'(0) = alpha (PyTorch takes the a <= 0 branch).",
    )
)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(a: np.ndarray, alpha: float = SELU_ALPHA, scale: float = SELU_SCALE, *,
         out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = scale·a if a > 0 else scale·alpha·(exp(a) - 1), with the full-precision
    constants alpha = 1.6732632423543772, scale = 1.0507009873554805 (Klambauer et al. 2017)."""
    return _elementwise(_elu_kernel(alpha, scale), a, out)


@_in64
def selu_grad(a: np.ndarray, alpha: float = SELU_ALPHA, scale: float = SELU_SCALE) -> np.ndarray:
    """h'(a) = scale if a > 0 else scale·alpha·exp(a) (scale·alpha = 1.7581 at 0, like PyTorch)."""
    return np.where(a > 0, scale, scale * alpha * np.exp(np.minimum(a, 0.0)))


_register(
    ActivationSpec(
        name="selu", fn=selu, grad=selu_grad,
        params=(Param("alpha", SELU_ALPHA, "negative saturation (ONNX: 1.67326319217681884765625)"),
                Param("scale", SELU_SCALE, "overall scale, lambda (ONNX gamma: 1.05070102214813232421875)")),
        formula="h(a) = scale*a if a > 0 else scale*alpha*(exp(a) - 1)",
        latex=r"h(a) = \lambda\begin{cases}a & a > 0\\\alpha(e^a - 1) & a \le 0\end{cases}",
        range="(-1.7581, inf)", zero_centred=False, monotonic=True, smooth=False,
        kinks=lambda alpha=SELU_ALPHA, scale=SELU_SCALE: (0.0,),
        special="h(+inf) = inf, h(-inf) = -scale*alpha, h(nan) = nan",
        notes="Full-precision constants as PyTorch, Keras and JAX; ONNX's defaults are their float32 "
              "roundings. h' jumps at 0 from scale*alpha = 1.7581 (taken at 0) to scale = 1.0507.",
    )
)


def celu(a: np.ndarray, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = max(0, a) + min(0, alpha·(exp(a/alpha) - 1)), continuously differentiable for any alpha."""
    return _elementwise(_elu_kernel(alpha, 1.0, alpha), a, out)


@_in64
def celu_grad(a: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """h'(a) = 1 if a > 0 else exp(a/alpha) (1 at 0 from both sides)."""
    return np.where(a > 0, 1.0, np.exp(np.minimum(a, 0.0) / alpha))


_register(
    ActivationSpec(
        name="celu", fn=celu, grad=celu_grad,
        params=(Param("alpha", 1.0, "negative saturation -alpha and curvature", domain="nonzero"),),
        formula="h(a) = max(0, a) + min(0, alpha*(exp(a/alpha) - 1))",
        latex=r"h(a) = \max(0, a) + \min\left(0, \alpha\left(e^{a/\alpha} - 1\right)\right)",
        range="(-alpha, inf)", zero_centred=False, monotonic=True, smooth=True, kinks=lambda alpha=1.0: (),
        special="h(+inf) = inf, h(-inf) = -alpha, h(nan) = nan",
        notes="PyTorch CELU, ONNX Celu.",
    )
)


# --- GELU -----------------------------------------------------------------------------

_GELU_SCALE = 256  # keeps Phi(a) ~ 1e-309 near a = -37.6 out of the subnormal range


def _gelu_exact_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # a*Phi(a) with Phi as a double-double (see _precise.normal_cdf_dd): erfc(-a/sqrt 2)
    # from scipy is up to 9 ulp off, and the rounding of a/sqrt 2 alone costs ~700 ulp at -37.
    xc = np.clip(x, -40.0, 40.0)
    nan = np.isnan(xc)
    if nan.any():
        xc = np.where(nan, 0.0, xc)
    ph, pl = _p.normal_cdf_dd(xc, _GELU_SCALE)
    p, e = _p.two_prod(xc, ph)
    r = p + (e + xc * pl)
    np.copyto(o, np.where(xc < 0, np.ldexp(r, -_GELU_SCALE), r))
    np.copyto(o, x, where=(x > 40.0) | nan)
    np.copyto(o, -0.0, where=x < -40.0)


def _gelu_exact_kernel32(x: np.ndarray, o: np.ndarray) -> None:
    # float32 via float64: 0.5*a*erfc(-a/sqrt 2) with scipy's erfc, whose ~500 float64 ulp
    # tail error is 1e-6 float32 ulp. Never 1 + erf(...) (0 instead of -7.6e-23 at -10).
    from scipy.special import erfc

    xc = np.clip(x, -40.0, 40.0)  # -inf * erfc(inf) would be -inf * 0 = NaN
    np.multiply(xc, -0.7071067811865476, out=o)
    erfc(o, out=o)
    o *= xc
    o *= 0.5
    np.copyto(o, x, where=x > 40.0)
    np.copyto(o, -0.0, where=x < -40.0)


_GELU_TANH_K = 0.044715
_GELU_TANH_C = math.sqrt(2 / math.pi)


@functools.lru_cache(maxsize=None)
def _gelu_tanh_consts() -> tuple[tuple[float, float], tuple[float, float]]:
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 50
        k = Decimal("0.044715")
        c = 2 * (2 / Decimal(_p._PI_DIGITS)).sqrt()  # 2*sqrt(2/pi): h = a*sigmoid(2u)
        return _p._dd_const(k), _p._dd_const(c)


def _gelu_tanh_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # a*sigmoid(2u), 2u = 2 sqrt(2/pi) (a + 0.044715 a^3) in double-double: in the left tail
    # sigmoid(2u) ~ exp(2u) magnifies 2u's rounding by |2u| (~600 at a = -20).
    (kh, kl), (ch, cl) = _gelu_tanh_consts()
    xc = np.clip(x, -30.0, 30.0)
    nan = np.isnan(xc)
    if nan.any():
        xc = np.where(nan, 0.0, xc)
    sh, sl = _p.two_prod(xc, xc)
    x3h, x3l = _p.dd_mul(sh, sl, xc, 0.0)
    th, tl = _p.dd_mul(x3h, x3l, kh, kl)
    wh, wl = _p.dd_add(xc, 0.0, th, tl)
    vh, vl = _p.dd_mul(wh, wl, ch, cl)  # 2u, same sign as a
    neg = xc < 0
    eh, el = _p.exp_dd(-np.abs(vh), np.where(neg, vl, -vl))  # exp(-|2u|)
    dh, dl = _p.dd_add(1.0, 0.0, eh, el)
    nh = np.where(neg, eh, 1.0)
    nl = np.where(neg, el, 0.0)
    qh, ql = _p.dd_div(nh, nl, dh, dl)  # sigmoid(2u)
    p, e = _p.two_prod(xc, qh)
    np.copyto(o, p + (e + xc * ql))
    np.copyto(o, x, where=(x > 30.0) | nan)
    np.copyto(o, -0.0, where=x < -30.0)


def _gelu_tanh_kernel32(x: np.ndarray, o: np.ndarray) -> None:
    # float32 via float64: a / (1 + exp(-2u)); |a| <= 30 keeps a^3 finite (beyond, h = a or -0)
    xc = np.clip(x, -30.0, 30.0)
    np.multiply(xc, xc, out=o)
    o *= _GELU_TANH_K
    o += 1.0
    o *= xc
    o *= -2 * _GELU_TANH_C
    np.exp(o, out=o)
    o += 1.0
    np.divide(xc, o, out=o)
    np.copyto(o, x, where=x > 30.0)
    np.copyto(o, -0.0, where=x < -30.0)


def gelu(a: np.ndarray, approximate: str = "none", *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a·Phi(a) = (a/2)·erfc(-a/sqrt 2), Phi the standard normal CDF (approximate="none"),
    or (a/2)·(1 + tanh(sqrt(2/pi)·(a + 0.044715a^3))) = a·sigmoid(2 sqrt(2/pi)(a + 0.044715a^3))
    (approximate="tanh").

    gelu(+inf) = inf, gelu(-inf) = -0.0 (the limit; -inf * 0 is NaN in other frameworks),
    gelu(nan) = nan. float64 uses double-double arithmetic (~150 ns per value); float32 uses
    scipy.special.erfc in float64 (imported on first use).
    """
    a = _as_float(a)
    exact = approximate == "none"
    if a.dtype == np.float64:
        return _dd(_gelu_exact_kernel64 if exact else _gelu_tanh_kernel64, a, out)
    return _elementwise(_gelu_exact_kernel32 if exact else _gelu_tanh_kernel32, a, out)


@_in64
def gelu_grad(a: np.ndarray, approximate: str = "none") -> np.ndarray:
    """h'(a) = Phi(a) + a·phi(a) (exact), or for the tanh form, with s = sigmoid(2u):
    s + a·s(1 - s)·2 sqrt(2/pi)(1 + 3·0.044715a^2)."""
    x = np.clip(np.where(np.isnan(a), 0.0, a), -40.0, 40.0)
    if approximate == "none":
        ph, _ = _p.normal_cdf_dd(x)
        g = ph + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    else:
        v = 2 * _GELU_TANH_C * (x + _GELU_TANH_K * x ** 3)
        e = np.exp(-np.abs(v))
        s = np.where(v >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        g = s + x * (e / ((1.0 + e) * (1.0 + e))) * 2 * _GELU_TANH_C * (1 + 3 * _GELU_TANH_K * x * x)
    return _keep_nan(a, g)


_register(
    ActivationSpec(
        name="gelu", fn=gelu, grad=gelu_grad,
        params=(Param("approximate", "none", "none: a*Phi(a) exactly; tanh: the tanh approximation",
                      choices=("none", "tanh"), kind="str"),),
        formula="h(a) = a*Phi(a) = a/2*erfc(-a/sqrt(2))",
        latex=r"h(a) = a\,\Phi(a) = \frac{a}{2}\operatorname{erfc}\left(-\frac{a}{\sqrt 2}\right)",
        range="[-0.17, inf)", zero_centred=False, monotonic=False, smooth=True, kinks=_no_kinks,
        special="h(+inf) = inf, h(-inf) = -0.0, h(nan) = nan",
        notes="Exact by default (PyTorch, ONNX, Keras 3 activations.gelu); JAX defaults to the tanh form, "
              "keras.ops.gelu too. Minimum -0.169971 at a = -0.751792.",
    )
)


# --- SiLU family ----------------------------------------------------------------------


def _silu_kernel(x: np.ndarray, o: np.ndarray) -> None:
    # a / (1 + exp(-a)): one division fewer than a*sigmoid(a) (<= 1.65 ulp). a is floored at
    # -1e300 so that silu(-inf) is -1e300/inf = -0.0, the limit, instead of -inf/inf = NaN.
    xc = np.maximum(x, -1e300)
    np.negative(xc, out=o)
    np.exp(o, out=o)
    o += 1.0
    np.divide(xc, o, out=o)


def _silu_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # float64, a < 0: a * e/(1 + e) in double-double, scaled so that a*e stays normal down to
    # a = -745 (silu(-715) = -2.6e-308 is still a normal number; exp(-a) overflowed long before).
    _silu_kernel(x, o)
    neg = (x < 0) & (x > -1e300)
    if neg.any():
        xn = x[neg]
        sh, sl = _sigmoid_negative_dd(xn, _TAIL_SCALE)
        p, e = _p.two_prod(xn, sh)
        o[neg] = np.ldexp(p + (e + xn * sl), -_TAIL_SCALE)


def silu(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a·sigmoid(a) = a / (1 + exp(-a)).

    float32: the plain formula in float64 blocks; float64: double-double for a < 0 (as sigmoid).
    silu(+inf) = inf, silu(-inf) = -0.0 (the limit; frameworks give NaN), silu(nan) = nan.
    """
    a = _as_float(a)
    if a.dtype == np.float64:
        return _elementwise(_silu_kernel64, a, out, _p.DD_CHUNK)
    return _elementwise(_silu_kernel, a, out)


@_in64
def silu_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = s(1 + a(1 - s)) with s = sigmoid(a)."""
    x = np.clip(a, -1000.0, 1000.0)
    s = sigmoid(x)
    return s * (1.0 + x * sigmoid(-x))


_register(
    ActivationSpec(
        name="silu", fn=silu, grad=silu_grad, aliases=("swish",),
        formula="h(a) = a * sigmoid(a)", latex=r"h(a) = \frac{a}{1 + e^{-a}}",
        range="[-0.278465, inf)", zero_centred=False, monotonic=False, smooth=True, kinks=_no_kinks,
        special="h(+inf) = inf, h(-inf) = -0.0, h(nan) = nan",
        notes="Keras swish = silu. Minimum -0.278465 at a = -1.278465.",
    )
)


def _hard_silu_kernel(x: np.ndarray, o: np.ndarray) -> None:
    # a(a + 3)/6 on (-3, 3): for float32 input a(a + 3) is exact in float64, so one rounding
    xc = np.clip(x, -3.0, 3.0)
    np.add(xc, 3.0, out=o)
    o *= xc
    o /= 6.0
    np.copyto(o, x, where=x > 3)


def hard_silu(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a·relu6(a + 3)/6: 0 for a <= -3, a for a >= 3, a(a + 3)/6 between."""
    return _elementwise(_hard_silu_kernel, a, out)


def hard_silu_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 0 for a < -3, a/3 + 1/2 for -3 <= a <= 3, 1 for a > 3 (PyTorch: -1/2 at -3, 3/2 at 3)."""
    a = _as_float(a)
    mid = a / _const(3.0, a) + _const(0.5, a)
    g = np.where(a < -3, _const(0.0, a), np.where(a <= 3, mid, _const(1.0, a)))
    return _keep_nan(a, g)


_register(
    ActivationSpec(
        name="hard_silu", fn=hard_silu, grad=hard_silu_grad, aliases=("hard_swish", "hardswish"),
        formula="h(a) = a * relu6(a + 3) / 6",
        latex=r"h(a) = a\,\frac{\min(\max(0, a + 3), 6)}{6}",
        range="[-0.375, inf)", zero_centred=False, monotonic=False, smooth=False, kinks=lambda: (-3.0, 3.0),
        special="h(+inf) = inf, h(-inf) = 0, h(nan) = nan",
        notes="MobileNetV3's hard swish. Derivative at the kinks as PyTorch: -1/2 at -3, 3/2 at 3 "
              "(its maximum). Minimum -0.375 at a = -1.5.",
    )
)


def _mish_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # tanh(softplus(a)) = n/(n + 2) with n = e(e + 2), e = exp(a) (a <= 0), or
    # (1 + 2t)/(1 + 2t + 2t^2) with t = exp(-a) (a > 0); all in double-double, rounded once.
    xc = np.clip(x, -800.0, 800.0)
    nan = np.isnan(xc)
    if nan.any():
        xc = np.where(nan, 0.0, xc)
    th, tl = _p.exp_dd(-np.abs(xc))
    neg = xc <= 0
    t2h, t2l = _p.dd_mul(th, tl, th, tl)
    bh = np.where(neg, t2h, 1.0)
    bl = np.where(neg, t2l, 0.0)
    nh, nl = _p.dd_add(2.0 * th, 2.0 * tl, bh, bl)
    ch = np.where(neg, 2.0, 2.0 * t2h)
    cl = np.where(neg, 0.0, 2.0 * t2l)
    dh, dl = _p.dd_add(nh, nl, ch, cl)
    qh, ql = _p.dd_div(nh, nl, dh, dl)
    p, e = _p.two_prod(xc, qh)
    np.copyto(o, p + (e + xc * ql))
    far = xc < -600.0
    if far.any():
        # e^a is subnormal below -708, but a*e^a stays normal down to -745: there
        # tanh(softplus(a)) = e^a to double precision, and a*e^a is formed at a 2^128 scale
        xf = xc[far]
        fh, fl = _p.exp_dd(xf, 0.0, _TAIL_SCALE)
        p, e = _p.two_prod(xf, fh)
        o[far] = np.ldexp(p + (e + xf * fl), -_TAIL_SCALE)
    np.copyto(o, x, where=(x > 800.0) | nan)
    np.copyto(o, -0.0, where=x < -800.0)


def _mish_kernel32(x: np.ndarray, o: np.ndarray) -> None:
    xc = np.maximum(x, -1e300)  # mish(-inf) = -1e300 * tanh(0) = -0.0
    _softplus_kernel(xc, o)
    np.tanh(o, out=o)
    o *= xc


def mish(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a·tanh(softplus(a)) = a·tanh(log(1 + exp(a))).

    mish(+inf) = inf, mish(-inf) = -0.0 (the limit; frameworks give NaN), mish(nan) = nan.
    """
    a = _as_float(a)
    if a.dtype == np.float64:
        return _dd(_mish_kernel64, a, out)
    return _elementwise(_mish_kernel32, a, out)


@_in64
def mish_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = tanh(sp) + a·sigmoid(a)·(1 - tanh(sp)^2), sp = softplus(a)."""
    x = np.clip(a, -1000.0, 1000.0)
    t = np.tanh(softplus(x))
    return t + x * sigmoid(x) * (1.0 - t * t)


_register(
    ActivationSpec(
        name="mish", fn=mish, grad=mish_grad,
        formula="h(a) = a * tanh(softplus(a))", latex=r"h(a) = a\tanh\left(\log\left(1 + e^{a}\right)\right)",
        range="[-0.308843, inf)", zero_centred=False, monotonic=False, smooth=True, kinks=_no_kinks,
        special="h(+inf) = inf, h(-inf) = -0.0, h(nan) = nan",
        notes="Minimum -0.308843 at a = -1.192431.",
    )
)


# --- other smooth functions -----------------------------------------------------------


def _softsign_kernel(x: np.ndarray, o: np.ndarray) -> None:
    xc = np.clip(x, -1e300, 1e300)  # 1 + 1e300 = 1e300, so ±inf give ±1, not inf/inf
    np.abs(xc, out=o)
    o += 1.0
    np.divide(xc, o, out=o)


def softsign(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a / (1 + |a|); softsign(±inf) = ±1."""
    return _elementwise(_softsign_kernel, a, out)


@_in64
def softsign_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 / (1 + |a|)^2."""
    d = 1.0 + np.abs(a)
    return 1.0 / (d * d)


_register(
    ActivationSpec(
        name="softsign", fn=softsign, grad=softsign_grad,
        formula="h(a) = a / (1 + |a|)", latex=r"h(a) = \frac{a}{1 + |a|}", range="(-1, 1)",
        zero_centred=True, monotonic=True, smooth=True, kinks=_no_kinks,
        special="h(±inf) = ±1, h(nan) = nan",
        notes="C1 (its second derivative jumps at 0).",
    )
)


def _squareplus_kernel(b: float) -> _p.Kernel:
    root_b = math.sqrt(b)
    half_b = b / 2

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        # sqrt(a^2 + b) as hypot(a, sqrt b): no overflow of a^2; for a < 0 the sum a + sqrt(...)
        # cancels, so use (b/2) / (sqrt(a^2 + b) - a) there. ±inf are clamped to ±1e300
        # (-inf + inf would be NaN) and set to their limits at the end.
        xc = np.clip(x, -1e300, 1e300)
        s = np.hypot(xc, root_b)
        np.add(xc, s, out=o)
        o *= 0.5
        neg = xc < 0
        if neg.any():
            o[neg] = half_b / (s[neg] - xc[neg])
        np.copyto(o, x, where=x == np.inf)
        np.copyto(o, 0.0, where=x == -np.inf)

    return kernel


def _squareplus_kernel64(b: float) -> _p.Kernel:
    root_b = math.sqrt(b)

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        # float64: s = sqrt(a^2 + b) refined to a double-double with one Newton step on the
        # exact residual a^2 + b - s^2, then (a + s)/2 or (b/2)/(s - a) rounded once.
        xc = np.clip(np.where(np.isnan(x), 0.0, x), -1e150, 1e150)  # a^2 must stay finite
        s = np.hypot(xc, root_b)
        a2h, a2l = _p.two_prod(xc, xc)
        rh, rl = _p.dd_add(a2h, a2l, b, 0.0)
        s2h, s2l = _p.two_prod(s, s)
        resid = ((rh - s2h) - s2l) + rl  # (a^2 + b) - s^2, tiny
        sh, sl = _p.fast_two_sum(s, resid / (2.0 * s))
        neg = xc < 0
        ph, pl = _p.dd_add(sh, sl, np.abs(xc), 0.0)  # s + |a|
        qh, _ = _p.dd_div(np.full_like(xc, b / 2), np.zeros_like(xc), ph, pl)
        np.copyto(o, np.where(neg, qh, 0.5 * ph))
        big = np.abs(x) > 1e150  # beyond, the plain formula is exact enough: a, or b/(4|a|)
        if big.any():
            plain = np.empty_like(x)
            _squareplus_kernel(b)(x, plain)
            np.copyto(o, plain, where=big)
        np.copyto(o, x, where=np.isnan(x))

    return kernel


def squareplus(a: np.ndarray, b: float = 4.0, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = (a + sqrt(a^2 + b)) / 2, a smooth relu made of a square root (b = 4, as Keras 3).

    squareplus(+inf) = inf, squareplus(-inf) = 0, squareplus(nan) = nan.
    """
    a = _as_float(a)
    if a.dtype == np.float64:
        return _dd(_squareplus_kernel64(b), a, out)
    return _elementwise(_squareplus_kernel(b), a, out)


@_in64
def squareplus_grad(a: np.ndarray, b: float = 4.0) -> np.ndarray:
    """h'(a) = (1 + a / sqrt(a^2 + b)) / 2."""
    x = np.clip(a, -1e300, 1e300)
    return 0.5 * (1.0 + x / np.hypot(x, math.sqrt(b)))


_register(
    ActivationSpec(
        name="squareplus", fn=squareplus, grad=squareplus_grad,
        params=(Param("b", 4.0, "smoothness near 0; h(0) = sqrt(b)/2", domain="nonnegative"),),
        formula="h(a) = (a + sqrt(a^2 + b)) / 2", latex=r"h(a) = \frac{a + \sqrt{a^2 + b}}{2}",
        range="(0, inf)", zero_centred=False, monotonic=True, smooth=True, kinks=lambda b=4.0: () if b > 0 else (0.0,),
        special="h(+inf) = inf, h(-inf) = 0, h(nan) = nan",
        notes="Keras 3 squareplus, b = 4 by default. Derivative approaches 1 for a -> inf.",
    )
)


def _sparse_plus_kernel(x: np.ndarray, o: np.ndarray) -> None:
    xc = np.clip(x, -1.0, 1.0)
    np.add(xc, 1.0, out=o)
    np.multiply(o, o, out=o)
    o *= 0.25
    np.copyto(o, x, where=x > 1)


def sparse_plus(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = 0 for a <= -1, (a + 1)^2 / 4 for -1 < a < 1, a for a >= 1 (Keras 3)."""
    return _elementwise(_sparse_plus_kernel, a, out)


def sparse_plus_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 0 for a <= -1, (a + 1)/2 between, 1 for a >= 1 (continuous)."""
    a = _as_float(a)
    mid = (a + _const(1.0, a)) * _const(0.5, a)
    g = np.where(a <= -1, _const(0.0, a), np.where(a < 1, mid, _const(1.0, a)))
    return _keep_nan(a, g)


_register(
    ActivationSpec(
        name="sparse_plus", fn=sparse_plus, grad=sparse_plus_grad,
        formula="h(a) = 0, (a + 1)^2/4, a (a <= -1, |a| < 1, a >= 1)",
        latex=r"h(a) = \begin{cases}0 & a \le -1\\\frac{(a+1)^2}{4} & -1 < a < 1\\a & a \ge 1\end{cases}",
        range="[0, inf)", zero_centred=False, monotonic=True, smooth=True, kinks=_no_kinks,
        special="h(+inf) = inf, h(-inf) = 0, h(nan) = nan",
        notes="Keras 3 sparse_plus; C1 (the second derivative jumps at ±1).",
    )
)


def _exp_kernel(x: np.ndarray, o: np.ndarray) -> None:
    np.exp(x, out=o)  # overflow to inf above 709.78 is the correct IEEE result


def exponential(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = exp(a); overflows to inf above 709.78 (float64) or 88.72 (float32), silently."""
    return _elementwise(_exp_kernel, a, out)


@_in64
def exponential_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = exp(a)."""
    return np.exp(a)


_register(
    ActivationSpec(
        name="exponential", fn=exponential, grad=exponential_grad, aliases=("exp",),
        formula="h(a) = exp(a)", latex=r"h(a) = e^a", range="(0, inf)",
        zero_centred=False, monotonic=True, smooth=True, kinks=_no_kinks,
        special="h(+inf) = inf, h(-inf) = 0, h(nan) = nan; inf above 709.78 (88.72 in float32)",
        notes="Keras exponential.",
    )
)


# --- thresholds and shrinkage ---------------------------------------------------------


def threshold(a: np.ndarray, threshold: float = 0.0, value: float = 0.0, *,
              out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a if a > threshold else value (PyTorch Threshold; with the defaults, relu)."""
    a = _as_float(a)
    res = _new(a, out)
    if res is not a:
        np.copyto(res, a)
    res[res <= threshold] = value
    return res


def threshold_grad(a: np.ndarray, threshold: float = 0.0, value: float = 0.0) -> np.ndarray:
    """h'(a) = 1 if a > threshold else 0 (0 at the threshold)."""
    a = _as_float(a)
    return _indicator(a > threshold, a)


_register(
    ActivationSpec(
        name="threshold", fn=threshold, grad=threshold_grad,
        params=(Param("threshold", 0.0, "inputs at or below it are replaced"),
                Param("value", 0.0, "what replaces them")),
        formula="h(a) = a if a > threshold else value",
        latex=r"h(a) = \begin{cases}a & a > \theta\\v & a \le \theta\end{cases}",
        range="{value} or (threshold, inf)", zero_centred=False, monotonic=True, smooth=False,
        kinks=lambda threshold=0.0, value=0.0: (threshold,),
        special="h(+inf) = inf, h(-inf) = value, h(nan) = nan",
        notes="PyTorch Threshold, which has no defaults; nncli's (0, 0) make it relu. "
              "Monotonic only when value <= threshold.",
    )
)


def thresholded_relu(a: np.ndarray, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a if a > alpha else 0 (ONNX ThresholdedRelu, Keras 2 ThresholdedReLU's theta)."""
    return threshold(a, alpha, 0.0, out=out)


def thresholded_relu_grad(a: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """h'(a) = 1 if a > alpha else 0."""
    return threshold_grad(a, alpha)


_register(
    ActivationSpec(
        name="thresholded_relu", fn=thresholded_relu, grad=thresholded_relu_grad,
        params=(Param("alpha", 1.0, "inputs at or below it give 0"),),
        formula="h(a) = a if a > alpha else 0",
        latex=r"h(a) = \begin{cases}a & a > \alpha\\0 & a \le \alpha\end{cases}",
        range="{0} or (alpha, inf)", zero_centred=False, monotonic=True, smooth=False,
        kinks=lambda alpha=1.0: (alpha,),
        special="h(+inf) = inf, h(-inf) = 0, h(nan) = nan",
        notes="ONNX ThresholdedRelu (alpha = 1); Keras 2's ThresholdedReLU called it theta.",
    )
)


def hard_shrink(a: np.ndarray, lambd: float = 0.5, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a if |a| > lambd else 0."""
    a = _as_float(a)
    res = _new(a, out)
    if res is not a:
        np.copyto(res, a)
    res[np.abs(res) <= lambd] = 0
    return res


def hard_shrink_grad(a: np.ndarray, lambd: float = 0.5) -> np.ndarray:
    """h'(a) = 1 if |a| > lambd else 0 (0 at ±lambd, like PyTorch)."""
    a = _as_float(a)
    return _indicator(np.abs(a) > lambd, a)


_register(
    ActivationSpec(
        name="hard_shrink", fn=hard_shrink, grad=hard_shrink_grad, aliases=("hardshrink",),
        params=(Param("lambd", 0.5, "inputs with |a| <= lambd give 0", domain="nonnegative"),),
        formula="h(a) = a if |a| > lambd else 0",
        latex=r"h(a) = \begin{cases}a & |a| > \lambda\\0 & |a| \le \lambda\end{cases}",
        range="{0} or |h| > lambd", zero_centred=True, monotonic=True, smooth=False,
        kinks=lambda lambd=0.5: (-lambd, lambd),
        special="h(±inf) = ±inf, h(nan) = nan",
        notes="PyTorch Hardshrink; ONNX Shrink with bias = 0 (ONNX's default Shrink is this hard one).",
    )
)


def soft_shrink(a: np.ndarray, lambd: float = 0.5, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a - lambd if a > lambd, a + lambd if a < -lambd, else 0; i.e. a - clip(a, -lambd, lambd)."""
    a = _as_float(a)
    res = _new(a, out)
    c = np.clip(a, _const(-lambd, a), _const(lambd, a))
    np.subtract(a, c, out=res)
    return res


def soft_shrink_grad(a: np.ndarray, lambd: float = 0.5) -> np.ndarray:
    """h'(a) = 1 if |a| > lambd else 0 (0 at ±lambd, like PyTorch)."""
    return hard_shrink_grad(a, lambd)


_register(
    ActivationSpec(
        name="soft_shrink", fn=soft_shrink, grad=soft_shrink_grad, aliases=("softshrink",),
        params=(Param("lambd", 0.5, "the dead zone's half-width", domain="nonnegative"),),
        formula="h(a) = a - clip(a, -lambd, lambd)",
        latex=r"h(a) = \operatorname{sign}(a)\max(|a| - \lambda, 0)",
        range="(-inf, inf)", zero_centred=True, monotonic=True, smooth=False,
        kinks=lambda lambd=0.5: (-lambd, lambd),
        special="h(±inf) = ±inf, h(nan) = nan",
        notes="PyTorch Softshrink; ONNX Shrink with bias = lambd.",
    )
)


# --- row-wise: softmax and friends ----------------------------------------------------


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
        z, dz = _p.two_sum(x, -m)
    np.copyto(dz, 0.0, where=np.isnan(dz))
    return z, dz


def _softmax_finite(x: np.ndarray, o: np.ndarray, m: np.ndarray) -> None:
    # float64: every step in double-double, rounded once (<= 0.5 ulp): the shift a - max is
    # exact (z + dz), exp(z + dz) comes from exp_dd, the row sums from a two_sum tree. With
    # plain exp, sum and divide, a 10-value row already reaches 2.4 ulp, and a - max rounding
    # alone costs 8 ulp for [30.1, 0.3].
    z, dz = _shifted(x, m)
    eh, el = _p.exp_dd(np.where(np.isfinite(z), z, -3000.0), dz)  # exp(-inf) = 0
    sh, sl = _p.dd_row_sum(eh, el)
    np.copyto(o, _p.dd_div(eh, el, sh, sl)[0])


def _log_softmax_finite(x: np.ndarray, o: np.ndarray, m: np.ndarray) -> None:
    # log sum exp(z) = log1p(S'), S' the sum without one maximal entry (whose exp(0) = 1):
    # log(1 + S') would lose S' below 1e-16 (log_softmax of the top entry would be 0, not -S').
    # S' is a double-double (exp_dd, two_sum tree), and z + dz - L is rounded once (<= 1 ulp).
    z, dz = _shifted(x, m)
    eh, el = _p.exp_dd(np.where(np.isfinite(z), z, -3000.0), dz)
    top = (np.arange(x.shape[0]), np.argmax(x, axis=1))
    eh[top] = 0.0
    el[top] = 0.0
    sh, sl = _p.dd_row_sum(eh, el)
    lh = np.log1p(sh)
    ll = sl / (1.0 + sh)
    with np.errstate(invalid="ignore"):  # -inf entries: -inf - (-inf) inside two_sum
        yh, yl = _p.two_sum(z, -lh)
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


def softmax(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """y_k = exp(a_k - C) / sum_i exp(a_i - C) along the last axis, C = max_i a_i.

    Subtracting the row maximum C changes nothing mathematically (multiply numerator
    and denominator by exp(-C)) but keeps every exponent <= 0, so exp never overflows
    and the largest term is exactly 1, so the sum never underflows to 0.
    Rows with NaN give NaN; rows holding +inf split 1 among their +inf entries; rows of only
    -inf give NaN; -inf entries of other rows give 0.
    """
    return _rows(_softmax_kernel, a, out, lowp=_softmax_lowp)


def softmax_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal, d y_k / d a_k = y_k (1 - y_k)."""
    y = softmax(a)
    return y * (_const(1.0, y) - y)


_register(
    ActivationSpec(
        name="softmax", fn=softmax, grad=softmax_grad, kind="rowwise",
        formula="h(a)_k = exp(a_k - max a) / sum_i exp(a_i - max a)",
        latex=r"h(a)_k = \frac{e^{a_k - C}}{\sum_i e^{a_i - C}},\ C = \max_i a_i",
        range="(0, 1), rows sum to 1", zero_centred=False, monotonic=True, smooth=True, kinks=_no_kinks,
        special="row with nan: nan; row with +inf: 1/count at the +inf entries, 0 elsewhere; "
                "-inf entries: 0; row of only -inf: nan",
        notes="Row-wise over the last axis (Keras and ONNX opset >= 13 default axis -1); the derivative "
              "shown is the Jacobian's diagonal y(1-y).",
    )
)


def log_softmax(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """y_k = (a_k - C) - log(sum_i exp(a_i - C)) along the last axis, C = max_i a_i.

    Never computed as log(softmax(a)), which gives -inf for entries whose probability
    underflows (log_softmax([0, -200, -1000]) is [0, -200, -1000], not [0, -inf, -inf]).
    """
    return _rows(_log_softmax_kernel, a, out)


def log_softmax_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal, d y_k / d a_k = 1 - softmax(a)_k."""
    return _const(1.0, _as_float(a)) - softmax(a)


_register(
    ActivationSpec(
        name="log_softmax", fn=log_softmax, grad=log_softmax_grad, kind="rowwise", aliases=("logsoftmax",),
        formula="h(a)_k = (a_k - max a) - log(sum_i exp(a_i - max a))",
        latex=r"h(a)_k = a_k - C - \log\sum_i e^{a_i - C},\ C = \max_i a_i",
        range="(-inf, 0]", zero_centred=False, monotonic=True, smooth=True, kinks=_no_kinks,
        special="row with nan: nan; row with +inf: -log(count) at the +inf entries, -inf elsewhere; "
                "-inf entries: -inf; row of only -inf: nan",
        notes="Row-wise; never log(softmax(a)). Derivative shown: the Jacobian's diagonal 1 - softmax(a).",
    )
)


def softmin(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = softmax(-a): the smallest entry gets the largest share."""

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        _softmax_kernel(-x, o)

    return _rows(kernel, a, out)


def softmin_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal, d y_k / d a_k = -y_k (1 - y_k)."""
    y = softmin(a)
    return -y * (_const(1.0, y) - y)


_register(
    ActivationSpec(
        name="softmin", fn=softmin, grad=softmin_grad, kind="rowwise",
        formula="h(a)_k = exp(-a_k) / sum_i exp(-a_i)", latex=r"h(a)_k = \frac{e^{-a_k}}{\sum_i e^{-a_i}}",
        range="(0, 1), rows sum to 1", zero_centred=False, monotonic=True, smooth=True, kinks=_no_kinks,
        special="as softmax(-a)",
        notes="PyTorch Softmin. Monotonic: decreasing in its own input (derivative -y(1-y) <= 0).",
    )
)


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


def sparsemax(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = argmin_{p in simplex} ||p - a||^2 = max(a - tau, 0), tau making each row sum to 1.

    Like softmax but with exact zeros: entries more than 1 below the row's top are dropped.
    """
    return _rows(_sparsemax_kernel, a, out)


def sparsemax_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal: 1 - 1/|S| for entries in the support S (h > 0), else 0."""
    a = _as_float(a)
    y = sparsemax(a)
    s = (y > 0).astype(a.dtype)
    size = np.sum(s, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = s * (_const(1.0, a) - _const(1.0, a) / size)
    return np.where(np.isnan(y), y, g)


_register(
    ActivationSpec(
        name="sparsemax", fn=sparsemax, grad=sparsemax_grad, kind="rowwise",
        formula="h(a) = max(a - tau, 0), rows sum to 1",
        latex=r"h(a) = \operatorname*{argmin}_{p \in \Delta} \lVert p - a \rVert^2 = [a - \tau]_+",
        range="[0, 1], rows sum to 1", zero_centred=False, monotonic=True, smooth=False, kinks=_no_kinks,
        special="as softmax: row with nan: nan; row with +inf: 1/count at the +inf entries",
        notes="Martins & Astudillo 2016; Keras 3 sparsemax. Derivative shown: the Jacobian's diagonal.",
    )
)


def hardmax(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a)_k = 1 if k is the (first) position of the row's maximum, else 0 (ONNX Hardmax)."""
    a = _as_float(a)
    if a.ndim == 0:
        res0 = _new(a, out)
        res0[...] = 1.0 if not np.isnan(a) else np.nan
        return res0
    res = _new(a, out)
    if a.size == 0:
        return res
    flat = np.ascontiguousarray(a).reshape(-1, a.shape[-1])  # (rows, n)
    one_hot = np.zeros(flat.shape, dtype=a.dtype)
    one_hot[np.arange(flat.shape[0]), np.argmax(flat, axis=1)] = 1
    one_hot[np.isnan(flat).any(axis=1)] = np.nan
    res[...] = one_hot.reshape(a.shape)
    return res


def hardmax_grad(a: np.ndarray) -> np.ndarray:
    """0 everywhere (piecewise constant); NaN in rows holding NaN."""
    a = _as_float(a)
    y = hardmax(a)
    return y * _const(0.0, a)


_register(
    ActivationSpec(
        name="hardmax", fn=hardmax, grad=hardmax_grad, kind="rowwise",
        formula="h(a)_k = 1 if k = argmax a (first) else 0", latex=r"h(a)_k = [k = \operatorname{argmax}_i a_i]",
        range="{0, 1}, one 1 per row", zero_centred=False, monotonic=True, smooth=False, kinks=_no_kinks,
        special="row with nan: nan; otherwise +inf and -inf compare as numbers",
        notes="ONNX Hardmax (axis -1). Ties go to the first maximum. Derivative 0.",
    )
)


# --- grouping: glu, maxout ------------------------------------------------------------


def _glu_units(units_in: int) -> int:
    if units_in % 2:
        raise ActivationError(f"glu halves its inputs and needs an even number of them, got {units_in}")
    return units_in // 2


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
            o[inf_a] = (a * sigmoid(b))[inf_a]


def glu(a: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a) = a_first * sigmoid(a_second): the last axis is split into halves [value, gate],
    h has half as many units. Computed as value / (1 + exp(-gate)) (<= 1.65 ulp).

    Raises ActivationError for an odd number of inputs.
    """
    a = _as_float(a)
    if a.ndim == 0:
        raise ActivationError("glu needs a row of an even number of values, got a single value")
    units = _glu_units(a.shape[-1])
    return _rows(_glu_kernel, a, out, units)


@_in64
def glu_grad(a: np.ndarray) -> np.ndarray:
    """Input-shaped: sigmoid(gate_k) at value_k's position, value_k·s(1 - s) at gate_k's."""
    if a.ndim == 0:
        raise ActivationError("glu needs a row of an even number of values, got a single value")
    n = _glu_units(a.shape[-1])
    value, gate = a[..., :n], a[..., n:]
    s = sigmoid(gate)
    ds = sigmoid_grad(gate)
    with np.errstate(invalid="ignore"):  # inf * 0: NaN is the honest answer
        return np.concatenate([s, value * ds], axis=-1)


_register(
    ActivationSpec(
        name="glu", fn=glu, grad=glu_grad, kind="grouping", units_out=lambda units_in: _glu_units(units_in),
        formula="h(a) = a[:n] * sigmoid(a[n:])",
        latex=r"h(a) = a_{1:n} \odot \sigma(a_{n+1:2n})",
        range="(-inf, inf)", zero_centred=False, monotonic=False, smooth=True, kinks=_no_kinks,
        special="as value * sigmoid(gate); ±inf * sigmoid(-inf) = nan",
        notes="Gated linear unit (Dauphin et al. 2017; PyTorch glu, Keras 3 glu) over the last axis: first "
              "half the values, second half the gates. W needs 2*units columns. Derivative: input-shaped, "
              "each input's derivative of the output it feeds (sigmoid(gate) for a value, "
              "value*sigmoid'(gate) for a gate).",
    )
)


def _maxout_units(units_in: int, pieces: int = 2) -> int:
    if units_in % pieces:
        raise ActivationError(
            f"maxout with pieces={pieces} needs a multiple of {pieces} inputs (units x pieces), got {units_in}"
        )
    return units_in // pieces


def maxout(a: np.ndarray, pieces: int = 2, *, out: np.ndarray | None = None) -> np.ndarray:
    """h(a)_j = max(a_{j*pieces}, ..., a_{j*pieces + pieces - 1}): consecutive groups of ``pieces``
    inputs per output unit (Goodfellow et al. 2013). NaN in a group gives NaN."""
    a = _as_float(a)
    if a.ndim == 0:
        a = a.reshape(1)
    units = _maxout_units(a.shape[-1], pieces)
    groups = a.reshape(*a.shape[:-1], units, pieces)  # (..., units, pieces)
    res = _p._output(a, (*a.shape[:-1], units), out)
    np.max(groups, axis=-1, out=res)
    return res


def maxout_grad(a: np.ndarray, pieces: int = 2) -> np.ndarray:
    """Input-shaped: 1 at the first maximum of each group, 0 elsewhere (NaN for groups with NaN)."""
    a = _as_float(a)
    if a.ndim == 0:
        a = a.reshape(1)
    units = _maxout_units(a.shape[-1], pieces)
    groups = a.reshape(*a.shape[:-1], units, pieces)
    idx = np.argmax(groups, axis=-1)[..., None]
    g = (np.arange(pieces) == idx).astype(a.dtype)
    nan = np.isnan(groups).any(axis=-1, keepdims=True)
    g = np.where(nan, np.nan, g).astype(a.dtype)
    return g.reshape(a.shape)


_register(
    ActivationSpec(
        name="maxout", fn=maxout, grad=maxout_grad, kind="grouping",
        params=(Param("pieces", 2, "inputs per output unit; W has units*pieces columns", kind="int"),),
        units_out=lambda units_in, pieces=2: _maxout_units(units_in, pieces),
        formula="h(a)_j = max(a_(jP), ..., a_(jP+P-1))",
        latex=r"h(a)_j = \max_{p < P} a_{jP + p}",
        range="(-inf, inf)", zero_centred=False, monotonic=True, smooth=False, kinks=_no_kinks,
        special="group with nan: nan; ±inf compare as numbers",
        notes="Consecutive groups: unit j takes columns j*pieces .. j*pieces + pieces - 1 of A. Derivative: "
              "input-shaped, 1 at each group's first maximum, 0 elsewhere.",
    )
)


# --- probing: one-dimensional views for tables, plots and the property table ----------


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

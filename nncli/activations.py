"""The registry of activation functions h(a): each entry is the function, its derivative and its metadata.

Every function takes an array ``a`` of any shape (the layer's pre-activations, rows are
samples) and returns ``h(a)`` with the same dtype: float32 stays float32, integers become
float64. Element-wise functions act on each entry; row-wise ones (softmax and friends) act
along the last axis. The formulas are the numerically stable ones: no overflow warning for
any finite or infinite input.

Adding a function is one ``_register(ActivationSpec(...))`` call next to its definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

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


@dataclass(frozen=True)
class ActivationSpec:
    """A registry entry: the function ``fn(a, **params)`` and its derivative ``grad(a, **params)``.

    ``grad`` is dh/da element-wise; for row-wise functions it is the diagonal of the
    Jacobian, d h_k / d a_k. ``kind`` is "elementwise", "rowwise" or "grouping" (the
    output has fewer units than the input: glu, maxout; see ``units_out``).
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

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


@dataclass(frozen=True)
class Activation:
    """An activation with its parameters bound: ``h(a)``, ``h.derivative(a)``, ``h.label``."""

    spec: ActivationSpec
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        """The name with any non-default parameters, e.g. ``leaky_relu(negative_slope=0.1)``."""
        changed = [
            f"{p.name}={_fmt_param(self.params[p.name])}"
            for p in self.spec.params
            if not _same(self.params[p.name], p.default)
        ]
        return f"{self.name}({', '.join(changed)})" if changed else self.name

    def __call__(self, a: np.ndarray) -> np.ndarray:
        """h(a), same shape as ``a`` (fewer columns for grouping functions)."""
        return self.spec.fn(_as_float(a), **self.params)

    def derivative(self, a: np.ndarray) -> np.ndarray:
        """dh/da at ``a`` (the Jacobian's diagonal for row-wise functions)."""
        return self.spec.grad(_as_float(a), **self.params)

    def units_out(self, units_in: int) -> int:
        """How many values the layer outputs when A has ``units_in`` columns."""
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
        if isinstance(value, bool) or not _is_number(value) or float(value) != int(float(value)):
            raise ActivationError(f"parameter '{p.name}' must be a whole number, not {value!r}")
        if int(float(value)) < 1:
            raise ActivationError(f"parameter '{p.name}' must be at least 1, not {value!r}")
        return int(float(value))
    if p.kind == "float_or_vector" and isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value)
        if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.number):
            raise ActivationError(f"parameter '{p.name}' must be a number or a list of numbers")
        return tuple(float(v) for v in arr)
    if isinstance(value, bool) or not _is_number(value):
        raise ActivationError(f"parameter '{p.name}' must be a number, not {value!r}")
    number = float(value)
    if not np.isfinite(number):
        raise ActivationError(f"parameter '{p.name}' must be finite, not {value!r}")
    return number


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


# --- identity -------------------------------------------------------------------------


def identity(a: np.ndarray) -> np.ndarray:
    """h(a) = a."""
    return a.copy()


def identity_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 (0 where a is NaN stays NaN)."""
    return np.where(np.isnan(a), a, np.ones_like(a))


_register(
    ActivationSpec(
        name="identity", fn=identity, grad=identity_grad, aliases=("linear",),
        formula="h(a) = a", latex=r"h(a) = a", range="(-inf, inf)",
        zero_centred=True, monotonic=True, smooth=True,
        notes="The book's identity_function, used for regression outputs.",
    )
)


# --- step -----------------------------------------------------------------------------


def step(a: np.ndarray) -> np.ndarray:
    """h(a) = 1 if a > 0 else 0 (the perceptron's threshold; step(0) = 0 as in the book)."""
    out = (a > 0).astype(a.dtype)
    return np.where(np.isnan(a), a, out)


def step_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 0 everywhere (undefined at 0; 0 is used there)."""
    return np.where(np.isnan(a), a, np.zeros_like(a))


_register(
    ActivationSpec(
        name="step", fn=step, grad=step_grad, aliases=("heaviside",),
        formula="h(a) = 1 if a > 0 else 0", latex=r"h(a) = \begin{cases}1 & a > 0\\0 & a \le 0\end{cases}",
        range="{0, 1}", zero_centred=False, monotonic=True, smooth=False,
        notes="step(0) = 0, as the book's step_function (x > 0).",
    )
)


# --- sigmoid --------------------------------------------------------------------------


def sigmoid(a: np.ndarray) -> np.ndarray:
    """h(a) = 1 / (1 + exp(-a)), computed with exp(-|a|) so it never overflows.

    For a >= 0: 1 / (1 + e); for a < 0: e / (1 + e), where e = exp(-|a|) is in (0, 1].
    """
    e = np.exp(-np.abs(a))
    one = _const(1.0, a)
    return np.where(a >= 0, one / (one + e), e / (one + e))


def sigmoid_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = h(a)(1 - h(a)) = e / (1 + e)^2 with e = exp(-|a|) (symmetric, peak 0.25 at 0)."""
    e = np.exp(-np.abs(a))
    one = _const(1.0, a)
    return e / ((one + e) * (one + e))


_register(
    ActivationSpec(
        name="sigmoid", fn=sigmoid, grad=sigmoid_grad, aliases=("logistic",),
        formula="h(a) = 1 / (1 + exp(-a))", latex=r"h(a) = \frac{1}{1 + e^{-a}}",
        range="(0, 1)", zero_centred=False, monotonic=True, smooth=True,
        notes="sigmoid(+inf) = 1, sigmoid(-inf) = 0.",
    )
)


# --- tanh -----------------------------------------------------------------------------


def tanh(a: np.ndarray) -> np.ndarray:
    """h(a) = tanh(a) = (e^a - e^-a) / (e^a + e^-a), via np.tanh (never overflows)."""
    return np.tanh(a)


def tanh_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 - tanh(a)^2."""
    t = np.tanh(a)
    return _const(1.0, a) - t * t


_register(
    ActivationSpec(
        name="tanh", fn=tanh, grad=tanh_grad,
        formula="h(a) = tanh(a)", latex=r"h(a) = \tanh a", range="(-1, 1)",
        zero_centred=True, monotonic=True, smooth=True,
    )
)


# --- ReLU family ----------------------------------------------------------------------


def relu(a: np.ndarray) -> np.ndarray:
    """h(a) = max(0, a); relu(nan) = nan."""
    return np.where(a > 0, a, np.where(np.isnan(a), a, _const(0.0, a)))


def relu_grad(a: np.ndarray) -> np.ndarray:
    """h'(a) = 1 if a > 0 else 0; relu'(0) = 0, like PyTorch and JAX."""
    return np.where(np.isnan(a), a, (a > 0).astype(a.dtype))


_register(
    ActivationSpec(
        name="relu", fn=relu, grad=relu_grad,
        formula="h(a) = max(0, a)", latex=r"h(a) = \max(0, a)", range="[0, inf)",
        zero_centred=False, monotonic=True, smooth=False,
        notes="relu'(0) = 0 (PyTorch, JAX; the book's relu_grad uses 1).",
    )
)


def leaky_relu(a: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """h(a) = a if a > 0 else negative_slope·a."""
    return np.where(a > 0, a, a * _const(negative_slope, a))


def leaky_relu_grad(a: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """h'(a) = 1 if a > 0 else negative_slope (negative_slope at 0)."""
    g = np.where(a > 0, _const(1.0, a), _const(negative_slope, a))
    return np.where(np.isnan(a), a, g)


_register(
    ActivationSpec(
        name="leaky_relu", fn=leaky_relu, grad=leaky_relu_grad, aliases=("lrelu",),
        params=(Param("negative_slope", 0.01, "slope for a < 0 (Keras 3 uses 0.2)"),),
        formula="h(a) = a if a > 0 else negative_slope*a",
        latex=r"h(a) = \begin{cases}a & a > 0\\\alpha a & a \le 0\end{cases}",
        range="(-inf, inf)", zero_centred=False, monotonic=True, smooth=False,
        notes="Default slope 0.01 (PyTorch, ONNX, JAX); Keras 3 leaky_relu uses 0.2, its layer 0.3.",
    )
)


# --- softmax --------------------------------------------------------------------------


def _finite_row_max(a: np.ndarray) -> np.ndarray:
    """The maximum of each row (last axis, kept as a size-1 axis), 0 where it is not finite."""
    m = np.max(a, axis=-1, keepdims=True)
    return np.where(np.isfinite(m), m, _const(0.0, a))


def softmax(a: np.ndarray) -> np.ndarray:
    """y_k = exp(a_k - C) / sum_i exp(a_i - C) along the last axis, C = max_i a_i.

    Subtracting the row maximum C changes nothing mathematically (multiply numerator
    and denominator by exp(-C)) but keeps every exponent <= 0, so exp never overflows
    and the largest term is exactly 1, so the sum never underflows to 0.
    """
    if a.size == 0:
        return a.copy()
    shifted = a - _finite_row_max(a)
    with np.errstate(invalid="ignore", over="ignore"):
        # Only rows holding +inf or NaN reach this: their result is NaN (documented).
        e = np.exp(shifted)
        return e / np.sum(e, axis=-1, keepdims=True)


def softmax_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal, d y_k / d a_k = y_k (1 - y_k)."""
    y = softmax(a)
    return y * (_const(1.0, a) - y)


_register(
    ActivationSpec(
        name="softmax", fn=softmax, grad=softmax_grad, kind="rowwise",
        formula="h(a)_k = exp(a_k - max a) / sum_i exp(a_i - max a)",
        latex=r"h(a)_k = \frac{e^{a_k - C}}{\sum_i e^{a_i - C}},\ C = \max_i a_i",
        range="(0, 1), rows sum to 1", zero_centred=False, monotonic=True, smooth=True,
        notes="Row-wise over the last axis; the derivative shown is the Jacobian's diagonal y(1-y).",
    )
)


def log_softmax(a: np.ndarray) -> np.ndarray:
    """y_k = (a_k - C) - log(sum_i exp(a_i - C)) along the last axis, C = max_i a_i.

    Never computed as log(softmax(a)), which gives -inf for entries whose probability
    underflows (log_softmax([0, -200, -1000]) is [0, -200, -1000], not [0, -inf, -inf]).
    """
    if a.size == 0:
        return a.copy()
    shifted = a - _finite_row_max(a)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def log_softmax_grad(a: np.ndarray) -> np.ndarray:
    """The Jacobian's diagonal, d y_k / d a_k = 1 - softmax(a)_k."""
    return _const(1.0, a) - softmax(a)


_register(
    ActivationSpec(
        name="log_softmax", fn=log_softmax, grad=log_softmax_grad, kind="rowwise",
        formula="h(a)_k = (a_k - max a) - log(sum_i exp(a_i - max a))",
        latex=r"h(a)_k = a_k - C - \log\sum_i e^{a_i - C},\ C = \max_i a_i",
        range="(-inf, 0]", zero_centred=False, monotonic=True, smooth=True,
        notes="Row-wise; never log(softmax(a)). Derivative shown: the Jacobian's diagonal 1 - softmax(a).",
    )
)

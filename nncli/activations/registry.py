"""The registry of activation functions: specs, parameters, aliases, ``get`` and the ``@activation`` decorator.

An activation is registered where it is defined, by two decorators::

    @activation(range="(0, 1)", zero_centred=False, monotonic=True, smooth=True, aliases=("logistic",))
    def sigmoid(a, *, out=None):
        r\"""h(a) = 1 / (1 + exp(-a))

        LaTeX: h(a) = \\frac{1}{1 + e^{-a}}
        inf, nan: h(+inf) = 1, h(-inf) = 0, h(nan) = nan
        \"""

    @derivative_of(sigmoid)
    def sigmoid_grad(a): ...

The docstring is the only place the formula is written: its first line is the plain-text
formula, its ``LaTeX:`` and ``inf, nan:`` lines (continued on indented lines) the LaTeX and the
values at ±inf and NaN. Parameters take their defaults from the function's signature.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from nncli.activations.blocks import as_float
from nncli.errors import ActivationError, did_you_mean
from nncli.rows import NUMBER

ArrayFn = Callable[..., np.ndarray]
_FROM_SIGNATURE: Any = type("FromSignature", (), {"__repr__": lambda self: "<the function's default>"})()


@dataclass(frozen=True)
class Param:
    """One parameter of an activation: its name, default and meaning (the default comes from the
    function's signature when the entry is registered with ``@activation``)."""

    name: str
    default: Any = _FROM_SIGNATURE
    doc: str = ""
    choices: tuple[str, ...] | None = None  # for string-valued parameters
    kind: str = "float"  # "float", "int", "str" or "float_or_vector" (prelu's slope)
    domain: str = "any"  # for numbers: "any", "positive", "nonnegative" or "nonzero"


def _no_kinks(**_: Any) -> tuple[float, ...]:
    return ()


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
    kinks: Callable[..., tuple[float, ...]] = _no_kinks  # kinks(**params): where h' jumps
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
        return self.spec.fn(as_float(a), out=out, **self.params)

    def derivative(self, a: np.ndarray) -> np.ndarray:
        """dh/da at ``a`` (the Jacobian's diagonal for row-wise functions; see the package doc
        for grouping functions). Same shape and dtype as ``a``."""
        return self.spec.grad(as_float(a), **self.params)

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


# --- registration ---------------------------------------------------------------------


def activation(*, range: str, zero_centred: bool, monotonic: bool, smooth: bool,  # noqa: A002 - the spec's name
               aliases: tuple[str, ...] = (), params: tuple[Param, ...] = (), kind: str = "elementwise",
               notes: str = "", kinks: tuple[float, ...] | Callable[..., tuple[float, ...]] = (),
               units_out: Callable[..., int] | None = None,
               check: Callable[..., None] | None = None) -> Callable[[ArrayFn], ArrayFn]:
    """Register the decorated function under its own name (its derivative follows with ``derivative_of``).

    The formula, LaTeX and ±inf/NaN text come from the docstring (see the module doc); the
    properties describe h with its default parameters; ``kinks`` is where h' jumps, a tuple or
    ``kinks(**params)``. Registration order is the order of ``names()`` and of the listings.
    """

    def register(fn: ArrayFn) -> ArrayFn:
        formula, latex, special = _docstring_fields(fn)
        bound = tuple(_with_default(p, fn) for p in params)
        defaults = {p.name: p.default for p in bound}

        def where(**values: Any) -> tuple[float, ...]:
            return kinks(**{**defaults, **values}) if callable(kinks) else tuple(kinks)

        spec = ActivationSpec(
            name=fn.__name__, fn=fn, grad=_missing_derivative, formula=formula, latex=latex, range=range,
            zero_centred=zero_centred, monotonic=monotonic, smooth=smooth, aliases=aliases, params=bound,
            kind=kind, notes=notes, units_out=units_out, kinks=where, special=special, check=check,
        )
        for key in (spec.name, *spec.aliases):
            if key in REGISTRY or key in _ALIASES:
                raise ValueError(f"activation name {key!r} registered twice")
        REGISTRY[spec.name] = spec
        for alias in spec.aliases:
            _ALIASES[alias] = spec.name
        return fn

    return register


def derivative_of(fn: ArrayFn) -> Callable[[ArrayFn], ArrayFn]:
    """Register the decorated function as the derivative of the registered function ``fn``."""

    def register(grad: ArrayFn) -> ArrayFn:
        spec = REGISTRY[fn.__name__]
        if spec.grad is not _missing_derivative:
            raise ValueError(f"activation {spec.name!r} has two derivatives")
        for p in spec.params:
            default = inspect.signature(grad).parameters[p.name].default
            if not _same(default, p.default):
                raise ValueError(f"{grad.__name__}: default {p.name}={default!r}, {fn.__name__} has {p.default!r}")
        REGISTRY[spec.name] = dataclasses.replace(spec, grad=grad)
        return grad

    return register


def _missing_derivative(a: np.ndarray, **params: Any) -> np.ndarray:
    raise NotImplementedError("this activation was registered without @derivative_of")


def check_complete() -> None:
    """Raise if an activation was registered without a derivative (called once the package is loaded)."""
    missing = [s.name for s in REGISTRY.values() if s.grad is _missing_derivative]
    if missing:
        raise ValueError(f"activations without @derivative_of: {', '.join(missing)}")


_FIELDS = ("LaTeX", "inf, nan")


def _docstring_fields(fn: ArrayFn) -> tuple[str, str, str]:
    """(formula, latex, special) from ``fn``'s docstring: the first line, and the lines
    ``LaTeX: ...`` and ``inf, nan: ...`` (a field continues on more indented lines)."""
    if fn.__doc__ is None:  # python -OO strips docstrings: the listings show no formulas then
        return "", "", ""
    lines = inspect.cleandoc(fn.__doc__).splitlines()
    fields: dict[str, str] = {}
    key = None
    for line in lines[1:]:
        label, sep, text = line.partition(": ")
        if sep and label in _FIELDS:
            key = label
            fields[key] = text.strip()
        elif key is not None and line.startswith(" ") and line.strip():
            fields[key] += " " + line.strip()
        else:
            key = None
    if not lines[0].startswith("h(") or set(fields) != set(_FIELDS):
        raise ValueError(f"{fn.__name__}: the docstring must start with 'h(a) = ...' and have the lines "
                         f"{' and '.join(repr(f + ':') for f in _FIELDS)}")
    return lines[0], fields["LaTeX"], fields["inf, nan"]


def _with_default(p: Param, fn: ArrayFn) -> Param:
    default = inspect.signature(fn).parameters[p.name].default
    if default is inspect.Parameter.empty:
        raise ValueError(f"{fn.__name__}: parameter {p.name!r} needs a default in the signature")
    return dataclasses.replace(p, default=default)


# --- looking up and binding -----------------------------------------------------------


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


# --- parameter values -----------------------------------------------------------------


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
    """A number, or a string in nncli's one number grammar (``nncli.rows.NUMBER``: the command
    line's): a quoted ``"1e-3"`` in a config is a number (YAML 1.1 reads 1e-3 as a string),
    ``"1_0"``, ``"0x10"`` and non-ASCII digits are not, although float() accepts them."""
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    return isinstance(value, str) and NUMBER.fullmatch(value) is not None


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and the like
        return False


def _fmt_param(value: Any) -> str:
    """A parameter as labels show it: a float as the shortest text that reads back to the same
    float (``repr``: 0.123456789, not :g's 0.123457; 1.0 as 1, 1e-05 as 1e-05)."""
    if isinstance(value, float):
        return _fmt_float(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_fmt_float(v) for v in value) + "]"
    return str(value)


def _fmt_float(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text

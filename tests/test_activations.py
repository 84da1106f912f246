"""The activation registry: names, aliases, parameters, dtypes, inf/NaN, known traps, in-place use,
derivatives (central differences, kink conventions) and the numerically computed properties."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from nncli import activations as A
from nncli.errors import ActivationError

REQUIRED = {
    "identity": ["linear"], "step": ["heaviside"], "sigmoid": ["logistic"], "hard_sigmoid": [],
    "log_sigmoid": [], "sparse_sigmoid": [], "tanh": [], "hard_tanh": [], "tanh_shrink": [], "relu": [],
    "relu6": [], "leaky_relu": [], "prelu": [], "rrelu": [], "elu": [], "selu": [], "celu": [], "gelu": [],
    "silu": ["swish"], "hard_silu": ["hard_swish"], "mish": [], "softplus": [], "softsign": [],
    "squareplus": [], "sparse_plus": [], "exponential": [], "threshold": [], "thresholded_relu": [],
    "hard_shrink": [], "soft_shrink": [], "softmax": [], "log_softmax": [], "softmin": [], "sparsemax": [],
    "hardmax": [], "glu": [], "maxout": [],
}
SPECIAL = np.array([-np.inf, -1e300, -800.0, -30.0, -1.0, -0.0, 0.0, 1e-300, 1.0, 30.0, 800.0, 1e300, np.inf, np.nan])


def bound(name: str) -> A.Activation:
    return A.get(name)


def sample_input(act: A.Activation, x: np.ndarray) -> np.ndarray:
    """x shaped for the activation: a column of rows for row-wise and grouping functions."""
    if act.kind == "elementwise":
        return x
    width = 4 if act.name in ("glu", "maxout") else 3
    n = (x.size // width) * width
    return x[:n].reshape(-1, width)


# --- names, aliases, parameters -------------------------------------------------------


def test_every_required_name_and_alias_is_registered():
    assert set(REQUIRED) <= set(A.names())
    for name, aliases in REQUIRED.items():
        for alias in aliases:
            assert A.lookup(alias).name == name


@pytest.mark.parametrize("alias", sorted(A.aliases()))
def test_every_alias_resolves(alias):
    canonical = A.aliases()[alias]
    assert A.lookup(alias).name == canonical
    assert A.get(alias).name == canonical
    assert A.lookup(alias.upper().replace("_", "-")).name == canonical


def test_lookup_is_forgiving_and_errors_say_what_to_do():
    assert A.lookup(" Leaky-ReLU ").name == "leaky_relu"
    assert A.lookup("LeakyReLU").name == "leaky_relu"  # PyTorch's class name
    with pytest.raises(ActivationError, match=r"unknown activation 'sigmod' \(did you mean 'sigmoid'\?\); valid: identity"):
        A.lookup("sigmod")
    with pytest.raises(ActivationError, match=r"has no parameter 'negative_slop' \(did you mean 'negative_slope'\?\)"):
        A.get("leaky_relu", negative_slop=0.2)
    with pytest.raises(ActivationError, match="it takes no parameters"):
        A.get("sigmoid", alpha=1)


def test_defaults_follow_pytorch():
    d = {name: A.lookup(name).defaults for name in A.names()}
    assert d["leaky_relu"] == {"negative_slope": 0.01}
    assert d["hard_sigmoid"] == {"alpha": 1 / 6, "beta": 0.5}
    assert d["selu"] == {"alpha": 1.6732632423543772, "scale": 1.0507009873554805}
    assert d["gelu"] == {"approximate": "none"}
    assert d["prelu"] == {"slope": 0.25}
    assert d["rrelu"] == {"lower": 1 / 8, "upper": 1 / 3}
    assert d["softplus"] == {"beta": 1.0}
    assert d["squareplus"] == {"b": 4.0}
    assert d["elu"] == d["celu"] == {"alpha": 1.0}
    assert d["threshold"] == {"threshold": 0.0, "value": 0.0}
    assert d["thresholded_relu"] == {"alpha": 1.0}
    assert d["hard_shrink"] == d["soft_shrink"] == {"lambd": 0.5}
    assert d["maxout"] == {"pieces": 2}
    assert d["hard_tanh"] == {"min_val": -1.0, "max_val": 1.0}


def test_every_parameter_can_be_set():
    settings = {
        "hard_sigmoid": {"alpha": 0.2, "beta": 0.5}, "softplus": {"beta": 2}, "hard_tanh": {"min_val": -2, "max_val": 3},
        "leaky_relu": {"negative_slope": 0.2}, "prelu": {"slope": [0.1, 0.2]}, "rrelu": {"lower": 0.1, "upper": 0.3},
        "elu": {"alpha": 0.5}, "selu": {"alpha": 1.67326319217681884765625, "scale": 1.05070102214813232421875},
        "celu": {"alpha": 2}, "gelu": {"approximate": "tanh"}, "squareplus": {"b": 1}, "threshold": {"threshold": 1, "value": -1},
        "thresholded_relu": {"alpha": 0.5}, "hard_shrink": {"lambd": 1}, "soft_shrink": {"lambd": 1}, "maxout": {"pieces": 3},
    }
    for name, params in settings.items():
        act = A.get(name, **params)
        assert act.label.startswith(f"{name}(")
        x = np.array([[-2.0, -0.5, 0.5, 2.0, 1.0, 3.0]]) if name == "maxout" else np.array([-2.0, 2.0])
        assert np.all(np.isfinite(act(x)))
    assert A.get("leaky_relu", negative_slope=0.2)(np.array([-1.0]))[0] == -0.2
    assert A.get("hard_sigmoid", alpha=0.2)(np.array([1.0]))[0] == pytest.approx(0.7)
    assert A.get("rrelu")(np.array([-48.0]))[0] == pytest.approx(-11.0)  # slope 11/48


@pytest.mark.parametrize("name, params, match", [
    ("gelu", {"approximate": "tan"}, r"one of none, tanh, not 'tan' \(did you mean 'tanh'\?\)"),
    ("maxout", {"pieces": 0}, "at least 1"),
    ("maxout", {"pieces": 2.5}, "whole number"),
    ("softplus", {"beta": 0}, "must be positive"),
    ("squareplus", {"b": -1}, "zero or positive"),
    ("celu", {"alpha": 0}, "must not be zero"),
    ("elu", {"alpha": "x"}, "must be a number"),
    ("elu", {"alpha": float("nan")}, "must be finite"),
    ("hard_tanh", {"min_val": 1, "max_val": -1}, "must be less than"),
    ("rrelu", {"lower": 0.5, "upper": 0.1}, "must not exceed"),
    ("prelu", {"slope": ["a"]}, "list of numbers"),
])
def test_bad_parameter_values(name, params, match):
    with pytest.raises(ActivationError, match=match) as info:
        A.get(name, **params)
    assert info.value.param in params


# --- dtypes, special values, no warnings ----------------------------------------------


@pytest.mark.parametrize("name", A.names())
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_kept_and_no_warning_for_any_input(name, dtype):
    """Runs with warnings as errors: no RuntimeWarning for ±inf, NaN, huge or tiny input."""
    act = bound(name)
    with np.errstate(over="ignore"):  # building the float16/32 input itself overflows
        x = sample_input(act, np.tile(SPECIAL, 2)).astype(dtype)
    y = act(x)
    d = act.derivative(x)
    assert y.dtype == dtype and d.dtype == dtype
    assert d.shape == x.shape
    assert y.shape == (*x.shape[:-1], act.units_out(x.shape[-1])) if act.kind != "elementwise" else y.shape == x.shape
    finite_rows = np.isfinite(x).all(axis=-1) if act.kind != "elementwise" else np.isfinite(x)
    assert not np.isnan(y[finite_rows]).any(), f"{name}: NaN from finite input"


@pytest.mark.parametrize("name", A.names())
def test_integer_input_becomes_float64(name):
    act = bound(name)
    x = sample_input(act, np.arange(-6, 6))
    assert act(x).dtype == np.float64
    assert act.derivative(x).dtype == np.float64
    assert A.hard_sigmoid(np.array([1]))[0] == pytest.approx(2 / 3)  # the 1/2 offset survives


@pytest.mark.parametrize("name", [n for n in A.names() if A.lookup(n).kind == "elementwise"])
def test_nan_in_nan_out(name):
    act = bound(name)
    for dtype in (np.float32, np.float64):
        x = np.array([np.nan], dtype=dtype)
        assert np.isnan(act(x)).all() and np.isnan(act.derivative(x)).all()


@pytest.mark.parametrize("name, at_minus_inf, at_plus_inf", [
    ("sigmoid", 0.0, 1.0), ("tanh", -1.0, 1.0), ("relu", 0.0, np.inf), ("softplus", 0.0, np.inf),
    ("log_sigmoid", -np.inf, 0.0), ("gelu", 0.0, np.inf), ("silu", 0.0, np.inf), ("mish", 0.0, np.inf),
    ("elu", -1.0, np.inf), ("selu", -1.7580993408473766, np.inf), ("softsign", -1.0, 1.0),
    ("squareplus", 0.0, np.inf), ("hard_sigmoid", 0.0, 1.0), ("hard_silu", 0.0, np.inf),
    ("exponential", 0.0, np.inf), ("tanh_shrink", -np.inf, np.inf), ("relu6", 0.0, 6.0),
])
def test_limits_at_infinity(name, at_minus_inf, at_plus_inf):
    for dtype in (np.float32, np.float64):
        y = A.get(name)(np.array([-np.inf, np.inf], dtype=dtype))
        assert y[0] == pytest.approx(at_minus_inf) and y[1] == pytest.approx(at_plus_inf), (name, dtype, y)
    # the documented sign of zero: gelu, silu and mish approach 0 from below
    for name_ in ("gelu", "silu", "mish"):
        assert math.copysign(1.0, float(A.get(name_)(np.array([-np.inf]))[0])) == -1.0


def test_rowwise_special_rows():
    x = np.array([[1.0, np.nan, 0.0], [np.inf, 0.0, np.inf], [-np.inf, -np.inf, -np.inf], [0.0, -np.inf, 0.0]])
    sm = A.softmax(x)
    assert np.isnan(sm[0]).all() and np.isnan(sm[2]).all()
    np.testing.assert_array_equal(sm[1], [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(sm[3], [0.5, 0.0, 0.5])
    ls = A.log_softmax(x)
    np.testing.assert_array_equal(ls[1], [-math.log(2), -np.inf, -math.log(2)])
    np.testing.assert_array_equal(ls[3], [-math.log(2), -np.inf, -math.log(2)])
    np.testing.assert_array_equal(A.softmin(-x[1:2]), sm[1:2])
    np.testing.assert_array_equal(A.sparsemax(x[1:2]), [[0.5, 0.0, 0.5]])
    assert np.isnan(A.hardmax(x[0:1])).all()


# --- the traps the issue lists --------------------------------------------------------


def test_known_traps():
    f64 = lambda *v: np.array(v, dtype=np.float64)  # noqa: E731
    # softplus via a threshold is 4.2e5 ulp off just above 20
    assert A.softplus(f64(20.5))[0] == 20.5 + math.log1p(math.exp(-20.5))
    assert A.softplus(f64(1000.0))[0] == 1000.0
    # GELU via 1 + erf returns 0 at -10
    assert A.gelu(f64(-10.0))[0] == pytest.approx(-7.61985302416047e-23, rel=1e-15)
    assert A.gelu(np.array([-10.0], np.float32))[0] == pytest.approx(-7.619853e-23, rel=1e-6)
    # ELU via exp(x) - 1 gives 0 at -1e-8
    assert A.elu(f64(-1e-8))[0] == pytest.approx(-1e-8, rel=1e-15)
    assert A.elu(np.array([-1e-8], np.float32))[0] == pytest.approx(-1e-8, rel=1e-7)
    # log_softmax as log(softmax)
    np.testing.assert_array_equal(A.log_softmax(f64(0.0, -200.0, -1000.0)), [-np.exp(-200.0), -200.0, -1000.0])
    # tanh-GELU via 1 + tanh(u): 0 below -7.2
    assert A.gelu(f64(-8.0), approximate="tanh")[0] < 0
    assert A.log_sigmoid(f64(-1000.0))[0] == -1000.0
    assert A.log_sigmoid(f64(100.0))[0] == pytest.approx(-3.720075976020836e-44, rel=1e-15)
    np.testing.assert_allclose(A.softmax(f64(1000, 1001, 1002)), [0.09003057, 0.24472847, 0.66524096], rtol=1e-7)
    np.testing.assert_allclose(A.softmax(f64(1010, 1000, 990)), [9.99954600e-01, 4.53978686e-05, 2.06106005e-09],
                               rtol=1e-7)
    assert A.tanh_shrink(f64(1e-5))[0] == pytest.approx(1e-15 / 3, rel=1e-15)
    # float32 constants must not upcast
    assert A.gelu(np.ones(3, np.float32), approximate="tanh").dtype == np.float32


# --- in-place use ---------------------------------------------------------------------


@pytest.mark.parametrize("name", A.names())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_and_in_place_match_the_allocating_call(name, dtype):
    act = bound(name)
    rng = np.random.default_rng(1)
    x = sample_input(act, rng.normal(0, 4, 96)).astype(dtype)
    want = act(x)
    out = np.empty_like(want)
    assert act(x, out=out) is out
    np.testing.assert_array_equal(out, want)
    if act.kind != "grouping":
        y = x.copy()
        assert act(y, out=y) is y
        np.testing.assert_array_equal(y, want)
    big = sample_input(act, rng.normal(0, 4, 3 * 65536 + 100)).astype(dtype)  # several blocks
    want = act(big)
    y = big.copy()
    if act.kind != "grouping":
        act(y, out=y)
        np.testing.assert_array_equal(y, want)
    np.testing.assert_array_equal(act(big[::-1]), act(big[::-1].copy()))  # non-contiguous input


def test_out_must_fit():
    with pytest.raises(ValueError, match="out must be a float64 array of shape"):
        A.sigmoid(np.zeros(3), out=np.zeros(4))
    with pytest.raises(ValueError, match="float32"):
        A.sigmoid(np.zeros(3, np.float32), out=np.zeros(3))
    with pytest.raises(ValueError):
        A.glu(np.zeros((2, 4)), out=np.zeros((2, 4)))


# --- derivatives ----------------------------------------------------------------------


def numeric_derivative(act: A.Activation, x: np.ndarray) -> np.ndarray:
    """Central differences of the output each input feeds, input by input (float64)."""
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    if act.kind == "elementwise":
        return (act(x + h) - act(x - h)) / (2 * h)
    rows, n = x.shape
    out = np.empty_like(x)
    for j in range(n):
        e = np.zeros_like(x)
        e[:, j] = h[:, j]
        up, down = act(x + e), act(x - e)
        if act.kind == "rowwise":
            k = j
        elif act.name == "glu":
            k = j % (n // 2)
        else:
            k = j // int(act.params["pieces"])
        out[:, j] = (up[:, k] - down[:, k]) / (2 * h[:, j])
    return out


def away_from_kinks(act: A.Activation, x: np.ndarray, margin: float = 1e-3) -> np.ndarray:
    kinks = act.spec.kinks(**act.params) if act.spec.kinks else ()
    mask = np.ones(x.shape, dtype=bool)
    for k in kinks:
        mask &= np.abs(x - k) > margin
    if act.name == "maxout":  # ties inside a group are kinks
        g = x.reshape(x.shape[0], -1, int(act.params["pieces"]))
        gap = np.abs(g[..., 0] - g[..., 1])
        mask &= np.repeat(gap > margin, int(act.params["pieces"]), axis=1)
    if act.name == "sparsemax":  # an entry entering or leaving the support is a kink
        y = act(x)
        top = np.argmax(y, axis=1)
        tau = x[np.arange(len(x)), top] - y[np.arange(len(x)), top]  # y = x - tau on the support
        mask &= np.min(np.abs(x - tau[:, None]), axis=1, keepdims=True) > margin
    return mask


VARIANTS = [(n, {}) for n in A.names()] + [
    ("gelu", {"approximate": "tanh"}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}), ("softplus", {"beta": 2.5}), ("prelu", {"slope": [0.1, 0.2, 0.3]}),
    ("hard_sigmoid", {"alpha": 0.2}), ("maxout", {"pieces": 3}), ("squareplus", {"b": 0.5}),
]


@pytest.mark.parametrize("name, params", VARIANTS, ids=[f"{n}{p or ''}" for n, p in VARIANTS])
def test_derivative_matches_central_differences(name, params):
    act = A.get(name, **params)
    rng = np.random.default_rng(11)
    if act.kind == "elementwise" and not isinstance(act.params.get("slope"), tuple):
        x = np.concatenate([np.linspace(-7.3, 7.3, 301), rng.normal(0, 3, 200)])
    else:
        width = {"glu": 6, "maxout": 6}.get(name, 3)
        x = rng.normal(0, 2, (60, width))
    if name == "sparsemax":
        x = x * 0.3  # keep most entries in the support, away from its edges
    num = numeric_derivative(act, x)
    ana = act.derivative(x)
    mask = away_from_kinks(act, x)
    assert mask.mean() > 0.5
    np.testing.assert_allclose(ana[mask], num[mask], rtol=2e-5, atol=2e-6, err_msg=name)


@pytest.mark.parametrize("name, at, want", [
    ("relu", 0.0, 0.0), ("step", 0.0, 0.0), ("leaky_relu", 0.0, 0.01), ("prelu", 0.0, 0.25),
    ("relu6", 0.0, 0.0), ("relu6", 6.0, 0.0), ("hard_tanh", 1.0, 0.0), ("hard_tanh", -1.0, 0.0),
    ("hard_sigmoid", -3.0, 0.0), ("hard_sigmoid", 3.0, 0.0), ("hard_silu", -3.0, -0.5), ("hard_silu", 3.0, 1.5),
    ("elu", 0.0, 1.0), ("selu", 0.0, 1.6732632423543772 * 1.0507009873554805), ("celu", 0.0, 1.0),
    ("hard_shrink", 0.5, 0.0), ("soft_shrink", -0.5, 0.0), ("threshold", 0.0, 0.0), ("thresholded_relu", 1.0, 0.0),
    ("sparse_sigmoid", 1.0, 0.0), ("sparse_plus", 1.0, 1.0), ("sparse_plus", -1.0, 0.0),
])
def test_kink_conventions(name, at, want):
    """At a kink the derivative is PyTorch's backward (relu'(0) = 0, like PyTorch and JAX)."""
    assert A.get(name).derivative(np.array([at]))[0] == pytest.approx(want, rel=1e-15)
    assert A.get("elu", alpha=0.5).derivative(np.array([0.0]))[0] == 0.5


def test_grouping_derivative_definitions():
    """glu: sigmoid(gate) at each value, value*sigmoid'(gate) at each gate; maxout: 1 at the first max."""
    x = np.array([[2.0, -1.0, 0.0, 3.0]])  # values (2, -1), gates (0, 3)
    s3 = 1 / (1 + math.exp(-3))
    np.testing.assert_allclose(A.glu_grad(x), [[0.5, s3, 2 * 0.25, -1 * s3 * (1 - s3)]])
    np.testing.assert_array_equal(A.maxout_grad(np.array([[1.0, 1.0, -2.0, 5.0]])), [[1.0, 0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(A.softmax_grad(np.array([0.0, 0.0])), [0.25, 0.25])
    np.testing.assert_array_equal(A.sparsemax_grad(np.array([[0.0, 0.0, -5.0]])), [[0.5, 0.5, 0.0]])


# --- grouping and per-unit parameters -------------------------------------------------


def test_units_out_and_its_errors():
    assert A.get("glu").units_out(6) == 3
    assert A.get("maxout", pieces=3).units_out(12) == 4
    assert A.get("prelu", slope=[0.1, 0.2, 0.3]).units_out(3) == 3
    assert A.get("sigmoid").units_out(7) == 7
    with pytest.raises(ActivationError, match="even number"):
        A.get("glu").units_out(5)
    with pytest.raises(ActivationError, match="multiple of 3"):
        A.get("maxout", pieces=3).units_out(10)
    with pytest.raises(ActivationError, match="3 per-unit slopes but the layer has 4 units"):
        A.get("prelu", slope=[0.1, 0.2, 0.3]).units_out(4)
    with pytest.raises(ActivationError, match="per-unit slopes"):
        A.prelu(np.zeros((2, 4)), slope=(0.1, 0.2, 0.3))


def test_prelu_per_unit_slopes_broadcast_along_the_last_axis():
    act = A.get("prelu", slope=[0.1, 0.2, 0.3])
    x = np.array([[-1.0, -1.0, -1.0], [2.0, -2.0, 0.5]])
    np.testing.assert_allclose(act(x), [[-0.1, -0.2, -0.3], [2.0, -0.4, 0.5]])
    np.testing.assert_allclose(act.derivative(x), [[0.1, 0.2, 0.3], [1.0, 0.2, 1.0]])
    assert act.label == "prelu(slope=[0.1, 0.2, 0.3])"


# --- properties: the table's numbers are computed, and the typed ones are checked -----


@pytest.mark.parametrize("name, params, value, at", [
    ("sigmoid", {}, 0.25, 0.0), ("tanh", {}, 1.0, 0.0), ("softsign", {}, 1.0, 0.0),
    ("selu", {}, 1.758099, 0.0), ("gelu", {}, 1.128904, math.sqrt(2)), ("gelu", {"approximate": "tanh"}, 1.128993, 1.418504),
    ("silu", {}, 1.099839, 2.399357), ("mish", {}, 1.088498, 1.490571), ("hard_silu", {}, 1.5, 3.0),
    ("hard_sigmoid", {}, 1 / 6, None), ("softplus", {}, 1.0, None), ("log_sigmoid", {}, 1.0, None),
    ("squareplus", {}, 1.0, None), ("tanh_shrink", {}, 1.0, None), ("softmax", {}, 0.25, 0.0),
    ("log_softmax", {}, 1.0, None), ("hardmax", {}, 0.0, None), ("sparsemax", {}, 0.5, None),
])
def test_max_derivative_is_computed(name, params, value, at):
    found, where = A.max_derivative(A.get(name, **params))
    assert found == pytest.approx(value, abs=2e-6)
    if at is not None:
        assert where == pytest.approx(at, abs=2e-3)


def test_unbounded_derivative_and_depth():
    assert A.max_derivative(A.get("exponential"))[0] == math.inf
    row = A.summary(A.get("sigmoid"), depth=10)
    assert row["max_derivative"] == 0.25
    assert row["max_derivative_at_depth"] == pytest.approx(9.5367431640625e-07)
    assert A.summary(A.get("sigmoid"), depth=5)["max_derivative_at_depth"] == pytest.approx(9.765625e-4)
    assert set(row) >= {"name", "aliases", "formula", "parameters", "range", "zero_centred", "monotonic",
                        "smooth", "max_derivative"}


@pytest.mark.parametrize("name", A.names())
def test_typed_properties_hold_numerically(name):
    act = bound(name)
    spec = act.spec
    x = np.linspace(-8, 8, 4001)
    y = A.probe(act, x)
    d = A.probe(act, x, derivative=True)
    steps = np.diff(y)  # along the probe path (for glu: a*sigmoid(a), not monotonic)
    monotonic = bool(np.all(steps >= -1e-12) or np.all(steps <= 1e-12))
    assert spec.monotonic == monotonic, f"{name}: monotonic is {spec.monotonic}"
    if act.kind == "elementwise":
        odd = bool(np.allclose(act(-x), -act(x), rtol=1e-12, atol=1e-300))
        assert spec.zero_centred == odd, f"{name}: zero_centred is {spec.zero_centred}"
        kinks = spec.kinks(**act.params)
        assert spec.smooth == (kinks == ()) or name == "step", f"{name}: smooth vs kinks {kinks}"
        if spec.smooth:  # C1: no jump of h' anywhere on the grid
            assert np.all(np.abs(np.diff(d)) < 0.05 * np.maximum(1.0, np.abs(d[1:]))), name
        for k in kinks:  # and a jump of h (step) or h' at each kink
            left = act.derivative(np.array([k - 1e-9]))[0]
            right = act.derivative(np.array([k + 1e-9]))[0]
            jump_h = abs(act(np.array([k + 1e-9]))[0] - act(np.array([k - 1e-9]))[0]) > 1e-3
            assert jump_h or abs(left - right) > 1e-3, f"{name}: no kink at {k}"
    assert np.all(np.isfinite(y[np.isfinite(x)]) | (name == "exponential"))


def test_probe_paths():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(A.probe(A.get("softmax"), x), A.sigmoid(x))
    np.testing.assert_allclose(A.probe(A.get("glu"), x), A.silu(x))
    np.testing.assert_allclose(A.probe(A.get("maxout"), x), x)
    np.testing.assert_allclose(A.probe(A.get("tanh"), x, derivative=True), A.tanh_grad(x))


def test_docs_cover_every_name_alias_and_parameter():
    text = (Path(__file__).resolve().parent.parent / "docs" / "activations.md").read_text(encoding="utf-8")
    for name in A.names():
        spec = A.lookup(name)
        assert f"#### `{name}`" in text, name
        for alias in spec.aliases:
            assert f"`{alias}`" in text, alias
        for p in spec.params:
            assert f"`{p.name}` =" in text, (name, p.name)

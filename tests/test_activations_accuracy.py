"""Accuracy against mpmath: at most 2 ulp wherever the true value is a normal number, in float64 and float32.

The inputs: a dense grid on [-20, 20], log-spaced magnitudes 1e-30 .. 1e4 of both signs,
uniform samples on [-1e4, 1e4] and [-45, 45], and the values PyTorch's tests use (±0.001,
±pi, ±501, ±1001.2, ±13437.7, ±4988429.2, ±1e20) plus the thresholds where naive formulas
break (20.5 for softplus, 37.5 and 709.7 for exp, 88.7 for float32). The float32 inputs are
the float32-representable part of the grid; float64 gets extra full-precision samples (GELU's
trap is the rounding of a/sqrt 2, which float32-representable inputs would hide).
Where the true value is 0 the result must be exactly 0; where it overflows, inf.
"""

from __future__ import annotations

import functools

import mpmath as mp
import numpy as np
import pytest

from tests import mpref
from nncli import activations as A

AWKWARD = np.array([0.001, np.pi, 501.0, 1001.2, 13437.7, 4988429.2, 1e20,
                    20.5, 37.5, 88.7, 709.7, 1e-8, 1e-30, 0.5, 1.0, 3.0])
AWKWARD = np.concatenate([AWKWARD, -AWKWARD, [0.0]])


@functools.lru_cache(maxsize=None)
def grids() -> dict[type, np.ndarray]:
    rng = np.random.default_rng(20240601)
    shared = np.concatenate([
        np.linspace(-20, 20, 1601),
        np.logspace(-30, 4, 241), -np.logspace(-30, 4, 241),
        rng.uniform(-1e4, 1e4, 300),
        rng.uniform(-45, 45, 500),
    ]).astype(np.float32).astype(np.float64)
    extra64 = np.concatenate([rng.uniform(-45, 45, 600), rng.uniform(-3, 3, 300), rng.uniform(-750, -700, 60)])
    return {
        np.float32: np.unique(np.concatenate([shared, AWKWARD.astype(np.float32)])),
        np.float64: np.unique(np.concatenate([shared, extra64, AWKWARD])),
    }


def activation(name: str) -> A.Activation:
    return A.get("gelu", approximate="tanh") if name == "gelu_tanh" else A.get(name)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(mpref.SCALAR))
def test_within_two_ulp(name, dtype):
    x64 = grids()[dtype]
    with np.errstate(over="ignore"):
        x = x64.astype(dtype)
    hi, lo = mpref.reference(name, x64)
    got = activation(name)(x)
    assert got.dtype == dtype
    err, ok = mpref.ulp_errors(got, hi, lo, dtype)
    worst = int(np.argmax(err))
    assert err.max() <= 2.0, f"{name} {dtype.__name__}: {err.max():.3f} ulp at a = {x[worst]!r}"
    zero = hi == 0
    assert ok.sum() + zero.sum() > 0.75 * len(x)  # the bound, or exactness, was checked on most of the grid
    assert np.all(got[zero] == 0), f"{name}: want exact 0 at {x[zero][got[zero] != 0][:5]}"
    over = np.abs(hi) > float(np.finfo(dtype).max)
    assert np.all(np.isinf(got[over]) & (np.sign(got[over]) == np.sign(hi[over])))


def _row_reference(f, row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with mp.workprec(160):
        values = f([mp.mpf(float(v)) for v in row])
        pairs = [mpref.to_pair(v) for v in values]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def _softmax(xs):
    m = max(xs)
    e = [mp.exp(x - m) for x in xs]
    s = mp.fsum(e)
    return [v / s for v in e]


def _log_softmax(xs):
    m = max(xs)
    lse = m + mp.log(mp.fsum(mp.exp(x - m) for x in xs))
    return [x - lse for x in xs]


ROW_REFERENCES = {
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "softmin": lambda xs: _softmax([-x for x in xs]),
}


@functools.lru_cache(maxsize=None)
def random_rows() -> np.ndarray:
    rng = np.random.default_rng(7)
    rows = [rng.normal(0, s, n) for s in (1, 5, 30) for n in (2, 3, 10, 17) for _ in range(6)]
    rows += [np.array([1000.0, 1001.0, 1002.0]), np.array([1010.0, 1000.0, 990.0]),
             np.array([0.0, -200.0, -1000.0]), np.array([30.1, 0.3]), np.array([0.0, -40.0, -45.0]),
             np.array([1e-20, 0.0, -1e-20])]
    return rows


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(ROW_REFERENCES))
def test_rowwise_within_two_ulp(name, dtype):
    act = A.get(name)
    worst = 0.0
    for row in random_rows():
        x = row.astype(dtype)
        hi, lo = _row_reference(ROW_REFERENCES[name], x.astype(np.float64))
        got = act(x)
        err, _ = mpref.ulp_errors(got, hi, lo, dtype)
        worst = max(worst, err.max())
        assert err.max() <= 2.0, f"{name} {dtype.__name__} {row}: {err.max():.2f} ulp"
    assert worst > 0  # the comparison did happen


def test_glu_within_two_ulp():
    rng = np.random.default_rng(3)
    a = np.concatenate([rng.normal(0, 5, (200, 3)), rng.uniform(-700, 40, (50, 3))])
    b = np.concatenate([rng.normal(0, 5, (200, 3)), rng.uniform(-700, 40, (50, 3))])
    rows = np.concatenate([a, b], axis=1)  # (250, 6): values then gates
    for dtype in (np.float64, np.float32):
        got = A.get("glu")(rows.astype(dtype))
        flat_a = a.astype(dtype).astype(np.float64).ravel()
        flat_b = b.astype(dtype).astype(np.float64).ravel()
        with mp.workprec(160):
            pairs = [mpref.to_pair(mp.mpf(p) / (1 + mp.exp(-mp.mpf(q)))) for p, q in zip(flat_a, flat_b)]
        hi, lo = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
        err, _ = mpref.ulp_errors(got.ravel(), hi, lo, dtype)
        assert err.max() <= 2.0, f"glu {dtype.__name__}: {err.max():.2f} ulp"


def test_sparsemax_exact_cases():
    """Hand-calculated projections onto the simplex (all values exact in binary)."""
    cases = [
        ([0.0, 0.0], [0.5, 0.5]),
        ([1.0, 0.0], [1.0, 0.0]),
        ([0.5, 0.0], [0.75, 0.25]),
        ([3.0, 1.0, 0.0], [1.0, 0.0, 0.0]),
        ([1.0, 0.5, 0.25], [0.75, 0.25, 0.0]),  # support {1, 0.5}: tau = (1.5 - 1)/2
        ([2.0, 2.0, 2.0, 2.0], [0.25, 0.25, 0.25, 0.25]),
        ([0.0, -np.inf, 0.5], [0.25, 0.0, 0.75]),
    ]
    for dtype in (np.float64, np.float32):
        for row, want in cases:
            got = A.sparsemax(np.array(row, dtype=dtype))
            np.testing.assert_array_equal(got, np.array(want, dtype=dtype))


def test_hardmax_exact_cases():
    x = np.array([[1.0, 3.0, 3.0, 2.0], [-np.inf, -5.0, -np.inf, -7.0], [np.inf, 0.0, np.inf, 1.0]])
    want = np.array([[0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]], dtype=float)
    for dtype in (np.float64, np.float32):
        np.testing.assert_array_equal(A.hardmax(x.astype(dtype)), want.astype(dtype))


def test_maxout_exact():
    x = np.array([[1.0, -2.0, 3.0, 5.0, -1.0, -1.5]])
    np.testing.assert_array_equal(A.get("maxout")(x), [[1.0, 5.0, -1.0]])
    np.testing.assert_array_equal(A.get("maxout", pieces=3)(x), [[3.0, 5.0]])


PARAMETERISED = {
    "softplus(beta=0.7)": (A.get("softplus", beta=0.7), lambda x: mp.log1p(mp.exp(mp.mpf(0.7) * x)) / mp.mpf(0.7)),
    "softplus(beta=3)": (A.get("softplus", beta=3), lambda x: mp.log1p(mp.exp(3 * x)) / 3),
    "elu(alpha=0.5)": (A.get("elu", alpha=0.5), lambda x: x if x > 0 else mp.mpf(0.5) * mp.expm1(x)),
    "celu(alpha=2.5)": (A.get("celu", alpha=2.5), lambda x: x if x > 0 else mp.mpf(2.5) * mp.expm1(x / mp.mpf(2.5))),
    "leaky_relu(negative_slope=0.2)": (A.get("leaky_relu", negative_slope=0.2),
                                       lambda x: x if x > 0 else x * mp.mpf(0.2)),
    # hard_sigmoid is defined as alpha*(a + beta/alpha), the kink at the double -beta/alpha (-2.5 exactly)
    "hard_sigmoid(alpha=0.2)": (A.get("hard_sigmoid", alpha=0.2),
                                lambda x: min(max(mp.mpf(0.2) * (x + mp.mpf(0.5 / 0.2)), 0), 1)),
    "squareplus(b=1)": (A.get("squareplus", b=1), lambda x: (x + mp.sqrt(x * x + 1)) / 2 if x >= 0
                        else 1 / (2 * (mp.sqrt(x * x + 1) - x))),
    "selu(onnx constants)": (A.get("selu", alpha=1.67326319217681884765625, scale=1.05070102214813232421875),
                             lambda x: mp.mpf(1.05070102214813232421875) * (
                                 x if x > 0 else mp.mpf(1.67326319217681884765625) * mp.expm1(x))),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("key", sorted(PARAMETERISED))
def test_non_default_parameters_within_two_ulp(key, dtype):
    act, f = PARAMETERISED[key]
    x64 = grids()[np.float32][::2]  # float32-representable: one reference serves both dtypes
    x = x64.astype(dtype)
    hi, lo = mpref._evaluate(f, tuple(x64.tolist()))
    err, _ = mpref.ulp_errors(act(x), hi, lo, dtype)
    assert err.max() <= 2.0, f"{key} {dtype.__name__}: {err.max():.3f} ulp at a = {x[int(np.argmax(err))]!r}"


def test_gelu_float32_within_two_ulp_where_its_normal_cdf_changes_method():
    """float32 GELU is a·Phi(a) from the float64 normal CDF, rounded once (no scipy): checked densely
    where the result leaves float32's normal range (a ~ -13.2), around the Taylor table's node
    boundaries ((2j + 1)/64) and where the continued fraction takes over (|a| = 8)."""
    rng = np.random.default_rng(8)
    bounds = (np.arange(0, 256) * 2 + 1) / 64.0
    x64 = np.concatenate([
        rng.uniform(-14.0, -12.5, 600), rng.uniform(-8.2, -7.8, 300), rng.uniform(7.8, 8.2, 100),
        np.nextafter(np.float32(bounds), np.float32(0)).astype(np.float64), np.float32(bounds).astype(np.float64),
        -np.float32(bounds).astype(np.float64), rng.uniform(-16, 16, 1500),
        np.float32(np.logspace(-38, 0, 200)).astype(np.float64) * -1,
    ]).astype(np.float32).astype(np.float64)
    hi, lo = mpref.reference("gelu", x64)
    got = A.get("gelu")(x64.astype(np.float32))
    err, ok = mpref.ulp_errors(got, hi, lo, np.float32)
    assert err.max() <= 2.0, f"{err.max():.3f} ulp at a = {x64[int(np.argmax(err))]!r}"
    assert ok.sum() > 0.75 * len(x64)  # the rest are float32 subnormals (or 0)
    assert err.max() <= 0.5 + 1e-3  # in fact correctly rounded: the float64 value is within 1e-10
    tiny = x64 < -14.5  # below float32's subnormals: exactly -0.0
    assert np.all(got[tiny] == 0) and np.all(np.signbit(got[tiny]))

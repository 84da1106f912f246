"""squareplus at its limits: b = 0 is relu exactly (the formulas' 0/0 at a = 0 warned: 'invalid
value encountered in divide'), and no float input or parameter b >= 0 makes it or its derivative
warn (b near float64's largest overflowed the double-double square of sqrt(b))."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nncli.activations.other import squareplus, squareplus_grad
from nncli.activations.rectifiers import relu, relu_grad
from tests.fuzz.harness import outcome
from tests.fuzz.scale import examples

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-300, -1e-300, 5e-324, -5e-324, 1e-45, -1e-45, 3e38, -3e38,
         1e150, -1e150, 1e308, -1e308, np.inf, -np.inf, np.nan]
DTYPES = [np.float64, np.float32]


def _array(values, dtype) -> np.ndarray:
    with np.errstate(over="ignore"):  # 1e308 as float32 is inf: still an input to try
        return np.array(values, dtype=np.float64).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_b_zero_is_relu(dtype):
    """squareplus(a, 0) = (a + |a|)/2 = relu(a), bit for bit, with 0 at a = 0 and a = -0."""
    a = _array(EDGES, dtype)
    got = squareplus(a, 0.0)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, relu(a))
    assert got[0] == 0 and got[1] == 0 and not np.signbit(got[1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_b_zero_derivative_is_relus(dtype):
    """h'(a) at b = 0: 1 for a > 0, 0 for a < 0, and relu's convention h'(0) = 0; NaN stays NaN."""
    a = _array(EDGES, dtype)
    np.testing.assert_array_equal(squareplus_grad(a, b=0.0), relu_grad(a))


@pytest.mark.parametrize("b", [5e-324, 1e-300, 1e300, 1e301, 1.7976931348623157e308])
@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_b_gives_no_warning(dtype, b):
    """A b just above 0 or near float64's largest (the double-double square of sqrt(b) would
    overflow): values that are non-negative or NaN, without a warning."""
    a = _array(EDGES, dtype)
    y, d = squareplus(a, b), squareplus_grad(a, b=b)
    finite_a = ~np.isnan(a)
    assert (y[finite_a] >= 0).all() and (d[finite_a] >= 0).all() and (d[finite_a] <= 1).all()
    assert squareplus(_array([0.0], np.float64), b)[0] == pytest.approx(np.sqrt(b) / 2, rel=1e-15)


def _values(x: np.ndarray, b: float):
    y, d = squareplus(x, b), squareplus_grad(x, b=b)
    assert y.dtype == x.dtype and d.dtype == x.dtype
    assert not (y < 0).any() and not (d < 0).any() and not (d > 1).any(), (y, d)
    return y


@examples(100)
@given(a=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=8),
       b=st.one_of(st.sampled_from([0.0, 5e-324, 1.7976931348623157e308]), st.floats(0, 1.7976931348623157e308)),
       dtype=st.sampled_from(DTYPES))
def test_any_float_input_no_warning(a, b, dtype):
    """Any a, any b >= 0: h(a) >= 0 or NaN, 0 <= h'(a) <= 1 or NaN, never a warning (harness.outcome)."""
    x = _array(a, dtype)
    result = outcome(lambda: _values(x, b), f"squareplus({x!r}, b={b!r}) and its derivative")
    assert isinstance(result, np.ndarray), result

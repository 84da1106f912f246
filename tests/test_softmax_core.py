"""nncli.overflow: the softmax command's numbers against the book, mpmath and the textbook formula; the overflow demo as data.

pytest turns warnings into errors (pyproject), so every test here also checks that no numpy
RuntimeWarning leaks out of the code under test.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

from nncli import activations
from nncli.errors import InputError
from nncli.overflow import (
    BOOK_SCORES,
    captured_fp_warnings,
    naive_softmax_demo,
    overflow_demo,
    overflow_threshold,
    predicted,
    softmax_rows,
    stable_softmax_steps,
    underflow_threshold,
)

BOOK_RESULT = [9.99954600e-01, 4.53978686e-05, 2.06106005e-09]  # the book's printout, 9 digits


def mp_softmax(row, temperature=1.0, log=False):
    """Reference softmax(a / T) (or log_softmax) in 50-digit arithmetic, rounded to float64."""
    with mpmath.workdps(50):
        xs = [mpmath.mpf(float(v)) / mpmath.mpf(float(temperature)) for v in row]
        m = max(xs)
        total = mpmath.fsum(mpmath.exp(x - m) for x in xs)
        if log:
            return [float(x - m - mpmath.log(total)) for x in xs]
        return [float(mpmath.exp(x - m) / total) for x in xs]


def random_rows(seed, rows=20, n=7, scale=10.0):
    return np.random.default_rng(seed).normal(scale=scale, size=(rows, n))


# --- the book's example ---------------------------------------------------------------------


def test_book_values_stable_result():
    demo = overflow_demo()
    assert demo.dtype == "float64"
    np.testing.assert_allclose(demo.stable.result, BOOK_RESULT, rtol=1e-8, atol=0)
    np.testing.assert_allclose(demo.stable.result, mp_softmax(BOOK_SCORES), rtol=1e-15, atol=0)


def test_book_values_stable_steps():
    stable = overflow_demo().stable
    assert stable.C == 1010.0
    np.testing.assert_array_equal(stable.shifted, [0.0, -10.0, -20.0])
    np.testing.assert_allclose(stable.exp, [1.0, math.exp(-10), math.exp(-20)], rtol=1e-15)
    assert stable.sum == pytest.approx(1 + math.exp(-10) + math.exp(-20), rel=1e-15)
    assert stable.warnings == ()


def test_book_values_naive_overflows_to_nan():
    naive = overflow_demo().naive
    assert np.isposinf(naive.exp).all()
    assert np.isposinf(naive.sum)
    assert np.isnan(naive.result).all()
    assert naive.warnings == ("overflow encountered in exp", "invalid value encountered in divide")


def test_steps_are_what_activations_softmax_computes():
    for row in ([1010, 1000, 990], [2.0, 1.0, 0.1], [-1000, -1010, -1020], [3.0, -np.inf, 1.0]):
        a = np.array(row, dtype=np.float64)
        stable = stable_softmax_steps(a)
        np.testing.assert_array_equal(stable.result, activations.softmax(a))
        # The shown steps are the textbook stable ones; the result is the network's softmax,
        # which sums more carefully: the two agree to within an ulp.
        np.testing.assert_allclose(stable.exp / stable.sum, stable.result, rtol=2.3e-16, atol=0)


def test_argmax_is_kept_by_the_shift_and_lost_by_the_naive_nan():
    assert overflow_demo([990, 1010, 1000]).argmax == {"input": 1, "shifted": 1, "naive": None, "stable": 1}


# --- thresholds -------------------------------------------------------------------------------


def test_overflow_thresholds():
    assert overflow_threshold(np.float64) == math.log(np.finfo(np.float64).max)
    assert overflow_threshold("float64") == pytest.approx(709.78, abs=0.005)
    assert overflow_threshold("float32") == pytest.approx(88.72, abs=0.005)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_thresholds_are_where_exp_breaks(dtype):
    over, under = overflow_threshold(dtype), underflow_threshold(dtype)
    with np.errstate(over="ignore", under="ignore"):
        assert np.isfinite(np.exp(dtype(over - 0.01)))
        assert np.isinf(np.exp(dtype(over + 0.01)))
        assert np.exp(dtype(under + 0.01)) > 0
        assert np.exp(dtype(under - 0.01)) == 0


def test_underflow_thresholds():
    assert underflow_threshold("float64") == pytest.approx(-745.13, abs=0.005)
    assert underflow_threshold("float32") == pytest.approx(-103.97, abs=0.005)


def test_float32_naive_fails_already_on_100_90_80():
    demo = overflow_demo([100, 90, 80], "float32")
    assert demo.dtype == "float32" and demo.overflowing == 2
    assert np.isinf(demo.naive.exp[:2]).all() and np.isfinite(demo.naive.exp[2])
    assert np.isnan(demo.naive.result[:2]).all()
    assert "overflow encountered in exp" in demo.naive.warnings
    np.testing.assert_allclose(demo.stable.result, BOOK_RESULT, rtol=1e-6)
    assert demo.stable.result.dtype == np.float32
    # the same values are harmless in float64
    assert overflow_demo([100, 90, 80]).naive.warnings == ()


def test_underflow_case_gives_0_over_0_naively_and_the_right_answer_stably():
    demo = overflow_demo([-1000, -1010, -1020])
    assert demo.underflowing == 3 and demo.overflowing == 0
    np.testing.assert_array_equal(demo.naive.exp, [0.0, 0.0, 0.0])
    assert demo.naive.sum == 0.0
    assert np.isnan(demo.naive.result).all()
    assert demo.naive.warnings == ("underflow encountered in exp", "invalid value encountered in divide")
    np.testing.assert_allclose(demo.stable.result, BOOK_RESULT, rtol=1e-8)
    np.testing.assert_allclose(demo.stable.result, mp_softmax([-1000, -1010, -1020]), rtol=1e-15)


def test_demo_json_document_shape():
    doc = overflow_demo().to_dict()
    assert set(doc) >= {"naive", "stable", "overflow_threshold"}
    assert set(doc["naive"]) == {"exp", "sum", "result", "warnings"}
    assert set(doc["stable"]) >= {"C", "shifted", "exp", "sum", "result"}


def test_demo_rejects_bad_input():
    with pytest.raises(InputError):
        overflow_demo([])
    with pytest.raises(InputError):
        overflow_demo([[1.0, 2.0]])
    with pytest.raises(InputError, match="does not fit in float32"):
        overflow_demo([1e39], "float32")
    with pytest.raises(InputError):
        naive_softmax_demo(np.array([]))


def test_huge_spread_does_not_leak_the_subtract_overflow():
    demo = overflow_demo([1e308, -1e308])
    np.testing.assert_array_equal(demo.stable.result, [1.0, 0.0])
    assert demo.stable.warnings == ("overflow encountered in subtract",)


# --- capturing warnings -------------------------------------------------------------------------


def test_captured_fp_warnings_records_and_does_not_leak():
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        with captured_fp_warnings(messages):
            np.exp(np.array([1000.0]))
            np.array([1.0]) / np.array([0.0])
    assert messages == ["overflow encountered in exp", "divide by zero encountered in divide"]
    assert outside == []


def test_captured_fp_warnings_passes_other_warnings_on():
    with pytest.warns(DeprecationWarning, match="not numpy's"):
        with captured_fp_warnings([]):
            warnings.warn("not numpy's", DeprecationWarning)


# --- probabilities ----------------------------------------------------------------------------


def test_the_books_first_example():
    result = softmax_rows(np.array([[0.3, 2.9, 4.0]]))
    np.testing.assert_allclose(result.probabilities, [[0.01821127, 0.24519181, 0.73659691]], atol=5e-9, rtol=0)
    assert result.predicted == (2,)


def test_uses_the_one_softmax_implementation():
    a = random_rows(1)
    np.testing.assert_array_equal(softmax_rows(a).probabilities, activations.softmax(a))
    np.testing.assert_array_equal(softmax_rows(a, log=True).log_probabilities, activations.log_softmax(a))


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0, 0.1, 10.0, 1e-3])
def test_temperature_against_mpmath(temperature):
    a = random_rows(2, rows=10, n=5)
    result = softmax_rows(a, temperature=temperature)
    expected = [mp_softmax(row, temperature) for row in a]
    np.testing.assert_allclose(result.probabilities, expected, rtol=1e-12, atol=1e-300)
    assert result.temperature == temperature


@pytest.mark.parametrize("temperature", [1.0, 0.5, 3.0])
def test_temperature_against_the_textbook_formula(temperature):
    a = random_rows(3)
    z = a / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # the book's softmax, max subtracted
    expected = e / e.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(softmax_rows(a, temperature=temperature).probabilities, expected, rtol=1e-12)


@pytest.mark.parametrize("temperature", [1.0, 0.25, 4.0])
def test_log_softmax_against_mpmath(temperature):
    a = random_rows(4, rows=10, n=6, scale=50.0)
    result = softmax_rows(a, temperature=temperature, log=True)
    expected = [mp_softmax(row, temperature, log=True) for row in a]
    np.testing.assert_allclose(result.log_probabilities, expected, rtol=1e-13, atol=1e-13)
    z = a / temperature - (a / temperature).max(axis=-1, keepdims=True)
    textbook = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(result.log_probabilities, textbook, rtol=1e-12, atol=1e-12)


def test_log_softmax_is_not_log_of_softmax():
    result = softmax_rows(np.array([[0.0, -200.0, -1000.0]]), log=True)
    # Exactly: log_softmax(a)_k = a_k - log(1 + e^-200 + e^-1000), computed with mpmath.
    with mpmath.workdps(60):
        lse = mpmath.log1p(mpmath.exp(-200) + mpmath.exp(-1000))  # 1 + e^-200 would round to 1
        expected = [[float(mpmath.mpf(v) - lse) for v in (0, -200, -1000)]]
    np.testing.assert_allclose(result.log_probabilities, expected, rtol=1e-15)
    assert result.log_probabilities[0, 0] == pytest.approx(-1.3838965267367376e-87, rel=1e-15)
    assert result.probabilities[0, 2] == 0.0  # log of this would be -inf


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-14), (np.float32, 1e-6)])
def test_rows_sum_to_one(dtype, tol):
    a = random_rows(5, rows=200, n=10, scale=30.0).astype(dtype)
    for temperature in (1.0, 0.3, 7.0):
        p = softmax_rows(a, temperature=temperature).probabilities
        assert p.dtype == dtype
        assert np.all(p >= 0) and np.all(p <= 1)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=tol, rtol=0)


@pytest.mark.parametrize("shift", [-1000.0, 1000.0, 1e5, -1e6])
def test_shift_invariance(shift):
    a = random_rows(6, rows=10, n=5, scale=3.0)
    base = softmax_rows(a).probabilities
    # a + shift rounds the scores (|shift| * 2^-52 each), hence the tolerance
    tol = abs(shift) * 2.0**-52 * 10
    np.testing.assert_allclose(softmax_rows(a + shift).probabilities, base, rtol=tol + 1e-15, atol=0)


def test_temperature_never_changes_the_prediction():
    a = random_rows(7)
    expected = softmax_rows(a).predicted
    for temperature in (1e-3, 0.5, 2.0, 1e3):
        assert softmax_rows(a, temperature=temperature).predicted == expected


def test_tiny_temperature_is_one_hot_without_overflow():
    result = softmax_rows(np.array([[1e308, -1e308, 0.0], [2.0, 1.0, 0.1]]), temperature=1e-300, log=True)
    np.testing.assert_array_equal(result.probabilities, [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    assert result.log_probabilities[0, 1] == -np.inf


def test_float32_stays_float32():
    result = softmax_rows(np.array([[2.0, 1.0, 0.1]], dtype=np.float32), temperature=0.5, log=True)
    assert result.probabilities.dtype == np.float32 and result.log_probabilities.dtype == np.float32
    assert result.dtype == "float32"
    np.testing.assert_allclose(result.probabilities[0], mp_softmax([2.0, 1.0, 0.1], 0.5), rtol=1e-6)


@pytest.mark.parametrize("temperature", [0.0, -1.0, math.nan, math.inf, -math.inf])
def test_bad_temperature(temperature):
    with pytest.raises(InputError, match="--temperature must be a finite number > 0"):
        softmax_rows(np.array([[1.0, 2.0]]), temperature=temperature)


def test_temperature_too_small_for_float32():
    with pytest.raises(InputError, match="cannot be represented in float32"):
        softmax_rows(np.array([[1.0, 2.0]], dtype=np.float32), temperature=1e-50)


def test_bad_shapes():
    with pytest.raises(InputError):
        softmax_rows(np.array([1.0, 2.0]))
    with pytest.raises(InputError):
        softmax_rows(np.zeros((1, 0)))


def test_integer_scores_become_float64():
    assert softmax_rows(np.array([[1, 2, 3]])).probabilities.dtype == np.float64


# --- inf and nan: the documented results --------------------------------------------------------


def test_non_finite_rows():
    a = np.array([
        [-np.inf, 1.0, 2.0],      # -inf: probability 0
        [np.inf, 1.0, 2.0],       # +inf: all the probability there, 0 elsewhere
        [np.nan, 1.0, 2.0],       # nan: nan everywhere
        [-np.inf, -np.inf, -np.inf],  # only -inf: 0/0
    ])
    result = softmax_rows(a, log=True)
    p = result.probabilities
    assert p[0, 0] == 0.0 and p[0, 1:].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(p[0, 1:], mp_softmax([1.0, 2.0]), rtol=1e-15)
    assert list(p[1]) == [1.0, 0.0, 0.0]
    assert np.isnan(p[2]).all() and np.isnan(p[3]).all()
    assert result.log_probabilities[0, 0] == -np.inf
    assert result.predicted == (2, 0, None, None)  # only -inf: no class, as forward says
    np.testing.assert_array_equal(p, activations.softmax(a))  # the same as the network's softmax


def test_predicted_ties_and_nan():
    assert predicted(np.array([[1.0, 1.0], [0.0, np.nan], [np.inf, np.inf]])) == (0, None, 0)


def test_probabilities_json_document_shape():
    doc = softmax_rows(np.array([[2.0, 1.0, 0.1]])).to_dict()
    assert list(doc) == ["input", "probabilities", "predicted", "temperature", "dtype"]
    log_doc = softmax_rows(np.array([[2.0, 1.0, 0.1]]), log=True).to_dict()
    assert "log_probabilities" in log_doc and "probabilities" not in log_doc

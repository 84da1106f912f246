"""Golden values: every activation at a = -3, -1, -0.5, 0, 0.5, 1, 3 against mpmath (tests/gen_golden.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests import gen_golden
from tests.mpref import ulp_errors
from nncli import activations as A

GOLDEN = json.loads((Path(__file__).resolve().parent / "golden_activations.json").read_text(encoding="utf-8"))
X = np.array([float(p) for p in GOLDEN["points"]])
DTYPES = (np.float64, np.float32)


def _pair(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Decimal strings as (nearest float64, remainder), exact enough for ulp measurements."""
    from decimal import Decimal

    hi = np.array([float(s) for s in strings])
    lo = np.array([float(Decimal(s) - Decimal(h)) for s, h in zip(strings, hi.tolist())])
    return hi, lo


def _check(got: np.ndarray, strings: list[str], dtype, bound: float = 2.0) -> None:
    hi, lo = _pair(strings)
    assert got.dtype == dtype
    err, ok = ulp_errors(got, hi, lo, dtype)
    assert err.max() <= bound, f"{err.max():.2f} ulp at {X[int(np.argmax(err))]}: got {got}, want {hi}"
    zero = hi == 0
    assert np.all(got[zero] == 0), f"want exact zeros at {X[zero]}, got {got[zero]}"


def test_golden_file_is_current():
    """The committed table is what the generator computes now (so nobody edited numbers by hand)."""
    assert gen_golden.generate() == GOLDEN


def test_golden_covers_every_activation():
    covered = set(GOLDEN["elementwise"]) | set(GOLDEN["rowwise"]) | {"glu", "maxout"}
    assert covered == set(A.names())


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(GOLDEN["elementwise"]))
def test_elementwise_golden(name, dtype):
    _check(A.get(name)(X.astype(dtype)), GOLDEN["elementwise"][name], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("key", sorted(GOLDEN["variants"]))
def test_parameter_variants_golden(key, dtype):
    entry = GOLDEN["variants"][key]
    act = A.get(entry["name"], **entry["params"])
    assert act.label == key
    _check(act(X.astype(dtype)), entry["values"], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(GOLDEN["rowwise"]))
def test_rowwise_golden(name, dtype):
    """Row-wise functions take the seven points as one row."""
    got = A.get(name)(X.astype(dtype)[None, :])[0]
    _check(got, GOLDEN["rowwise"][name], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_grouping_golden(dtype):
    pairs = np.repeat(X.astype(dtype)[:, None], 2, axis=1)  # (7, 2): each row is (a, a)
    _check(A.get("glu")(pairs)[:, 0], GOLDEN["grouping"]["glu_pairs"], dtype)
    _check(A.get("maxout")(pairs)[:, 0], GOLDEN["grouping"]["maxout_pairs"], dtype)
    row = np.append(X, 0.0).astype(dtype)  # (8,)
    _check(A.get("glu")(row), GOLDEN["grouping"]["glu_row"], dtype)
    _check(A.get("maxout")(row), GOLDEN["grouping"]["maxout_row"], dtype)


def test_design_note_values_agree():
    """The 10-digit table in ACTIVATIONS.md (the design notes) agrees with the golden file."""
    notes = {
        "sigmoid": 0.04742587318, "tanh": -0.9950547537, "softplus": 0.04858735157, "elu": -0.9502129316,
        "selu": -1.670568729, "silu": -0.1422776195, "gelu": -0.004049694095, "mish": -0.1456474613,
        "hard_silu": 0.0, "squareplus": 0.3027756377,
    }
    for name, value in notes.items():
        assert float(GOLDEN["elementwise"][name][0]) == pytest.approx(value, rel=1e-9, abs=1e-12)
    assert float(GOLDEN["variants"]["gelu(approximate=tanh)"]["values"][0]) == pytest.approx(-0.003637392082, rel=1e-9)

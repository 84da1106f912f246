"""Golden values: every activation at a = -3, -1, -0.5, 0, 0.5, 1, 3 against mpmath (tests/gen_golden.py)."""

from __future__ import annotations

import json
from decimal import Decimal
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


def _design_note_table() -> dict[str, list[float]]:
    """The 10-digit table under "Values to check against" in docs/activations.md: label -> seven values."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "activations.md").read_text(encoding="utf-8")
    section = text.split("## Values to check against", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| `")]
    return {cells[0].strip().strip("`"): [float(c) for c in cells[1:]] for cells in rows}


def test_design_note_values_agree():
    """The design notes' 10-digit table in docs/activations.md agrees with the golden file and with nncli."""
    table = _design_note_table()
    header = [float(p) for p in GOLDEN["points"]]
    assert len(table) >= 11 and {"sigmoid", "gelu", "gelu(approximate=tanh)", "squareplus"} <= set(table)
    for label, values in table.items():
        name, _, arg = label.rstrip(")").partition("(")
        params = dict(item.split("=") for item in arg.split(",")) if arg else {}
        golden = GOLDEN["variants"][label]["values"] if params else GOLDEN["elementwise"][name]
        assert len(values) == len(header), label
        for value, want in zip(values, golden):
            assert value == pytest.approx(float(want), rel=5e-10, abs=1e-12), (label, value, want)
        for dtype, rel in ((np.float64, 5e-10), (np.float32, 1e-7)):
            got = A.get(name, **params)(X.astype(dtype))
            np.testing.assert_allclose(got, values, rtol=rel, atol=1e-12, err_msg=f"{label} {dtype.__name__}")

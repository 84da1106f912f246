"""The Python API: anything wrong with X is an NncliError with a message; preprocessing can be
skipped, and inputs that look scaled already give a ScaledInputWarning (a warning line on the
command line)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nncli
from nncli.inputs import looks_already_scaled
from tests.conftest import CONFIGS

THREE = CONFIGS / "three_layer.yaml"

SCALED_NET = """\
name: scaled
preprocess: {divide_by: 255}
layers:
  - {name: out, weights: [[1.0, -1.0], [0.5, 0.25]], bias: [0.0, 0.0], activation: softmax}
"""


@pytest.fixture(scope="module")
def net():
    return nncli.load_network(THREE)


@pytest.fixture
def scaled(write):
    return nncli.load_network(write("scaled.yaml", SCALED_NET))


BAD_INPUTS = {
    "ragged": ([[1.0, 0.5], [1.0]], "input rows must all have 2 values (got rows of different lengths"),
    "nested deeper": ([[1.0, [0.5]]], "or lists inside rows)"),
    "too wide": ([[1.0, 0.5, 0.1]], "input rows have 3 values but network 'three_layer' takes 2"),
    "text": ([["1", "2"]], "input must be numbers, got '1' (str) at row 0, value 1"),
    "None": ([[1.0, None]], "input must be numbers, got None (NoneType) at row 0, value 2"),
    "object array": (np.array([[1.0, "x"]], dtype=object), "got 'x' (str) at row 0, value 2"),
    "3-D": (np.ones((1, 1, 2)), "input must be a (batch, 2) matrix, got shape (1, 1, 2)"),
    "scalar": (3.0, "input must be a (batch, 2) matrix, got a float"),
    "None itself": (None, "input must be a (batch, 2) matrix, got a NoneType"),
    "empty": ([], "input is empty: expected a (batch, 2) matrix or one row of 2 numbers"),
    "complex": ([1j, 2.0], "input must be real numbers, got complex128"),
    "huge integer": ([[10**400, 1]], "input must be numbers, got an integer too large for float64"),
}


@pytest.mark.parametrize("method", ["forward", "predict"])
@pytest.mark.parametrize("X, message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_x_raises_an_nncli_error_with_a_message(net, method, X, message):
    with pytest.raises(nncli.NncliError) as info:
        getattr(net, method)(X)
    assert message in str(info.value)


def test_booleans_big_python_ints_and_empty_batches_are_numbers(net):
    assert np.array_equal(net.predict([[True, False]]), net.predict([[1.0, 0.0]]))
    assert np.array_equal(net.predict([[2**70, 1]]), net.predict([[float(2**70), 1.0]]))
    assert net.predict(np.ones((0, 2))).shape == (0, 2)


def test_forward_divides_by_the_config_and_preprocess_false_skips_it(scaled):
    raw = np.array([[255.0, 51.0]])
    assert np.array_equal(scaled.forward(raw).X, raw / 255)
    assert np.array_equal(scaled.forward(raw / 255, preprocess=False).output, scaled.forward(raw).output)
    assert np.array_equal(scaled.predict(raw / 255, preprocess=False), scaled.predict(raw))


@pytest.mark.parametrize("method", ["forward", "predict"])
def test_already_scaled_inputs_warn_with_an_nncli_category(scaled, method):
    with pytest.warns(nncli.ScaledInputWarning, match=r"within \[0, 1\] but the config divides inputs by 255"):
        getattr(scaled, method)([[1.0, 0.2]])
    assert issubclass(nncli.ScaledInputWarning, nncli.NncliWarning)
    assert issubclass(nncli.NncliWarning, UserWarning)


def test_no_warning_for_raw_data_zeros_skipped_preprocessing_or_no_divide_by(scaled, net):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled.forward([[255.0, 51.0]])  # raw pixels
        scaled.forward([[0.0, 0.0], [1.0, 0.0]])  # a black image, 0/1 pixels: no fraction
        scaled.forward(np.array([[0, 1]], dtype=np.uint8))
        scaled.forward([[0.5, 0.2]], preprocess=False)
        scaled.with_preprocess(1).forward([[0.5, 0.2]])
        scaled.forward([[np.nan, 0.5]])
        net.forward([[0.5, 0.2]])  # no divide_by


def test_predict_batches_warns_once(scaled):
    batches = [np.full((3, 2), 0.5), np.full((3, 2), 0.25)]
    with pytest.warns(nncli.ScaledInputWarning) as record:
        list(scaled.predict_batches(batches))
    assert len(record) == 1


@pytest.mark.parametrize("X, divide_by, expected", [
    ([[0.5, 1.0]], 255, True), ([[0.5, 2.0]], 255, False), ([[-0.5, 0.5]], 255, False),
    ([[0.0, 1.0]], 255, False), ([[0.5, 0.5]], 1, False), ([[0.5, 0.5]], 0.5, False), ([[0.5, 0.5]], None, False),
])
def test_looks_already_scaled_rule(X, divide_by, expected):
    assert looks_already_scaled(np.asarray(X, dtype=float), divide_by) is expected


def test_command_line_prints_one_warning_line(cli, write, tmp_path):
    config = write("scaled.yaml", SCALED_NET)
    np.save(tmp_path / "x.npy", np.full((5, 2), 0.5))
    result = cli("forward", config, "-i", tmp_path / "x.npy", "-f", "csv")
    assert result.exit_code == 0
    assert result.stderr == ("Warning: every input value is within [0, 1] but the config divides inputs by 255 "
                             "(preprocess: divide_by); if they are already scaled, use preprocess=False "
                             "(on the command line: --divide-by 1)\n")
    quiet = cli("forward", config, "-i", tmp_path / "x.npy", "-f", "csv", "--divide-by", "1")
    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert cli("forward", config, "-x", "0.5,0.5").stderr.startswith("Warning: every input value")

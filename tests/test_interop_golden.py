"""Checking answers against a golden JSON (the core of --expect), its report, and the onnxruntime runner."""

from __future__ import annotations

import io
import os
import json

import numpy as np
import pytest
from rich.console import Console

from nncli.errors import InputError, NncliError
from nncli.interop.golden import EXIT_MISMATCH, arrays_of, compare, compare_arrays, golden_arrays, load_golden
from nncli.network import load_network
from nncli.render.golden import render_golden
from nncli.render.jsonout import dumps
from nncli.render.machine import trace_document

from tests.conftest import CONFIGS


def golden_of(network, X):
    return json.loads(dumps(trace_document(network.forward(X), network)))


def test_a_run_matches_its_own_json():
    network = load_network(CONFIGS / "iris_softmax.yaml")
    X = np.vstack([rows for _n, rows in network.spec.inputs])
    report = compare(arrays_of(network.forward(X)), golden_of(network, X))
    assert report.ok
    assert [c.name for c in report.checks] == ["output", "layers[1].A", "layers[1].Z", "layers[2].A", "layers[2].Z",
                                               "probabilities", "predicted"]
    assert all(c.max_abs == 0 for c in report.checks if c.max_abs is not None)


def test_first_entry_outside_tolerance_and_isclose_rule():
    network = load_network(CONFIGS / "three_layer.yaml")
    X = np.array([[1.0, 0.5], [0.0, 0.0], [2.0, -1.0]])
    golden = golden_of(network, X)
    golden["output"][2][1] += 1e-3
    golden["layers"][0]["Z"][1][0] *= 1 + 2e-5  # relative 2e-5 > rtol 1e-5
    report = compare(arrays_of(network.forward(X)), golden)
    assert not report.ok
    bad = {c.name: c for c in report.failed}
    assert set(bad) == {"output", "layers[1].Z"}
    assert bad["output"].first == (2, 1) and bad["output"].outside == 1
    assert bad["output"].max_abs == pytest.approx(1e-3)
    assert bad["layers[1].Z"].first == (1, 0)
    assert bad["layers[1].Z"].max_rel == pytest.approx(2e-5 / (1 + 2e-5), rel=1e-6)
    # |a - b| <= atol + rtol·|b|: a looser rtol accepts both
    assert compare(arrays_of(network.forward(X)), golden, rtol=1e-2).ok
    assert compare(arrays_of(network.forward(X)), golden, rtol=0, atol=2e-3).ok


def test_predicted_shapes_nan_and_missing_arrays():
    network = load_network(CONFIGS / "iris_softmax.yaml")
    X = np.vstack([rows for _n, rows in network.spec.inputs])
    golden = golden_of(network, X)
    golden["predicted"] = [0, 2, 2]
    golden["output"] = golden["output"][:2]
    report = compare({"output": network.predict(X), "predicted": network.forward(X).predicted}, golden)
    bad = {c.name: c for c in report.failed}
    assert bad["predicted"].first == (1, 0)
    assert bad["output"].note == "golden is 2×3"
    assert bad["layers[1].A"].note == "not computed by this run"
    nan = compare({"output": np.array([[np.nan, np.inf]])}, {"output": [["nan", "inf"]]})
    assert nan.ok


def test_bad_golden_files_are_input_errors(tmp_path):
    path = tmp_path / "g.json"
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match=r"g.json: a golden file is a JSON object with 'output'"):
        load_golden(path)
    path.write_text("{nope")
    with pytest.raises(InputError, match=r"g.json:1:2: not JSON: Expecting property name"):
        load_golden(path)
    with pytest.raises(InputError, match=r"g.json: 'output' must be a list of rows of numbers"):
        compare({"output": np.zeros((1, 1))}, {"output": [["x"]]}, source="g.json")
    with pytest.raises(InputError, match="--rtol and --atol must be finite and >= 0"):
        compare({"output": np.zeros((1, 1))}, {"output": [[0]]}, rtol=-1)
    assert EXIT_MISMATCH == 3


def test_report_renders_every_array():
    network = load_network(CONFIGS / "three_layer.yaml")
    X = np.array([[1.0, 0.5]])
    golden = golden_of(network, X)
    golden["output"][0][0] = 0.3
    console = Console(file=io.StringIO(), width=120, no_color=True)
    render_golden(console, compare(arrays_of(network.forward(X)), golden, source="golden.json"))
    text = console.file.getvalue()
    assert "row 0, unit 0" in text and "Compared with golden.json (a: this run, b: golden)" in text
    assert "|a - b| <= atol + rtol·|b| (numpy.isclose), rtol=1e-05, atol=1e-08" in text
    assert "1 of 9 arrays differ from golden.json: output" in text
    assert compare(arrays_of(network.forward(X)), golden).to_dict()["arrays"][0]["first"] == [0, 0]


onnxruntime = pytest.importorskip("onnxruntime")


@pytest.mark.parametrize("name", ["three_layer.yaml", "iris_softmax.yaml", "xor.yaml"])
def test_onnxruntime_runner_streams_like_the_numpy_engine(name):
    from nncli.interop.ort_runner import OrtRunner

    network = load_network(CONFIGS / name)
    rng = np.random.default_rng(5)
    X = rng.uniform(-2, 8, size=(50, network.input_size))
    runner = OrtRunner(network)
    np.testing.assert_allclose(runner.run(X), network.predict(X), rtol=1e-12, atol=1e-15)
    chunks = list(runner.predict_batches([X[:7], X[7:30], X[30:]], predicted=True))
    assert [c.start for c in chunks] == [0, 7, 30]
    reference = network.forward(X)
    got = np.vstack([c.Y for c in chunks])
    np.testing.assert_allclose(got, reference.output, rtol=1e-12, atol=1e-15)
    assert np.array_equal(np.concatenate([c.predicted for c in chunks]), reference.predicted)
    if reference.probabilities is not None:
        np.testing.assert_allclose(np.vstack([c.probabilities for c in chunks]), reference.probabilities, rtol=1e-12)
    report = compare({"output": got}, golden_of(network, X) | {"layers": []})
    assert [c.name for c in report.checks][0] == "output" and report.checks[0].ok


def test_onnxruntime_runner_checks_inputs_as_forward_does():
    from nncli.interop.ort_runner import OrtRunner

    runner = OrtRunner(load_network(CONFIGS / "three_layer.yaml"))
    with pytest.raises(InputError, match="input rows have 3 values but network 'three_layer' takes 2"):
        runner.run([[1.0, 2.0, 3.0]])


def test_onnxruntime_output_trace_is_what_no_layers_shows():
    from nncli.interop.ort_runner import OrtRunner

    network = load_network(CONFIGS / "iris_softmax.yaml")
    X = np.vstack([rows for _n, rows in network.spec.inputs])
    trace = OrtRunner(network).output_trace(X)
    reference = network.forward(X)
    assert len(trace.layers) == 1 and trace.layers[0].index == 2
    np.testing.assert_allclose(trace.layers[0].A, reference.layers[-1].A, rtol=1e-12)
    np.testing.assert_allclose(trace.probabilities, reference.probabilities, rtol=1e-12)
    assert np.array_equal(trace.predicted, reference.predicted)
    golden = golden_of(network, X)
    golden["layers"] = []
    assert compare(arrays_of(trace), golden).ok


def test_evaluate_runs_with_the_onnxruntime_runner():
    from nncli.evaluate import evaluate
    from nncli.interop.ort_runner import OrtRunner

    network = load_network(CONFIGS / "iris_softmax.yaml")
    X = np.vstack([rows for _n, rows in network.spec.inputs])
    labels = np.array([0, 1, 2])
    assert evaluate(OrtRunner(network), [X], labels).accuracy == evaluate(network, [X], labels).accuracy == 1.0
    with pytest.raises(NncliError, match=r"--engine onnxruntime computes the output only"):
        list(OrtRunner(network).predict_batches([X], observer=lambda *a: None))


def test_golden_arrays_are_parsed_once_and_compared_with_none_as_no_class():
    expected = golden_arrays({"output": [[1.0, 2.0]], "layers": [{"A": [[0.5]], "Z": None}], "predicted": [None]})
    assert list(expected) == ["output", "layers[1].A", "predicted"]
    assert expected["predicted"].tolist() == [-1]
    report = compare_arrays({"output": np.array([[1.0, 2.0]]), "layers[1].A": np.array([[0.5]]),
                             "predicted": np.array([None], dtype=object)}, expected)
    assert report.ok and report.checks[0].max_abs == 0
    assert not compare_arrays({"output": np.array([[1.0, 2.0]]), "predicted": np.array([1], dtype=object)},
                              expected).ok


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_golden_file_that_never_ends_is_refused_at_the_json_limit(tmp_path):
    endless = tmp_path / "golden.json"
    endless.symlink_to("/dev/zero")  # a device: read up to the limit, never without end
    with pytest.raises(InputError, match=r"golden.json: more than 64 MiB, the limit for a JSON document"):
        load_golden(endless)

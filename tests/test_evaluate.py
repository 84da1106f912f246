"""Scoring (confusion matrix, precision, recall) and per-layer batch statistics, checked
against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from nncli.config import load_spec
from nncli.errors import InputError
from nncli.evaluate import BatchStats, confusion_matrix, evaluate, summarize
from nncli.network import Network


def test_confusion_matrix_rows_are_true_classes():
    true = np.array([0, 0, 1, 2, 2, 2])
    pred = np.array([0, 1, 1, 2, 0, 2])
    assert confusion_matrix(true, pred, 3).tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_summarize_by_hand():
    confusion = np.array([[5, 1, 0], [2, 3, 0], [0, 0, 0]])
    ev = summarize(confusion, ("a", "b", "c"), "net")
    assert (ev.samples, ev.correct, ev.accuracy) == (11, 8, 8 / 11)
    a, b, c = ev.per_class
    assert (a.precision, a.recall, a.support) == (5 / 7, 5 / 6, 6)
    assert (b.precision, b.recall, b.support) == (3 / 4, 3 / 5, 5)
    assert (c.precision, c.recall, c.support) == (None, None, 0)  # never predicted, no samples
    doc = ev.to_dict()
    assert list(doc)[:5] == ["samples", "correct", "accuracy", "confusion", "per_class"]
    assert doc["per_class"][2] == {"class": "c", "precision": None, "recall": None, "f1": None, "support": 0}
    assert ev.to_dict(named_classes=False)["per_class"][0]["class"] == 0


def _network(tmp_path, yaml: str) -> Network:
    path = tmp_path / "net.yaml"
    path.write_text(yaml)
    return Network(load_spec(path))


IRIS_LIKE = """
dtype: float64
classes: [a, b, c]
layers:
  - name: hidden
    activation: relu
    weights: [[1.0, -1.0, 0.5, -2.0], [0.5, 1.0, -1.0, -3.0]]
    bias: [0.0, 0.1, -0.2, -1.0]
  - name: out
    activation: softmax
    weights: [[1.0, 0.0, -1.0], [0.0, 1.0, 0.0], [-1.0, 0.5, 1.0], [0.3, 0.3, 0.3]]
    bias: [0.0, 0.0, 0.0]
"""


def test_evaluate_matches_forward(tmp_path):
    net = _network(tmp_path, IRIS_LIKE)
    X = np.random.default_rng(0).standard_normal((300, 2))
    predicted = net.forward(X).predicted
    labels = np.random.default_rng(1).integers(0, 3, 300)
    ev = evaluate(net, [X[:100], X[100:]], labels)
    assert ev.correct == int((predicted == labels).sum())
    assert np.array_equal(ev.confusion, confusion_matrix(labels, predicted, 3))
    assert ev.class_names == ("a", "b", "c")


def test_evaluate_counts_labels(tmp_path):
    net = _network(tmp_path, IRIS_LIKE)
    X = np.zeros((5, 2))
    with pytest.raises(InputError, match="has 4 labels but the input has more rows"):
        evaluate(net, [X], np.zeros(4, int))
    with pytest.raises(InputError, match="has 6 labels but the input has 5 rows"):
        evaluate(net, [X], np.zeros(6, int))
    with pytest.raises(InputError, match="label 3 at row 1 is not a class"):
        evaluate(net, [X], np.array([0, 3, 0, 0, 0]))


def test_one_output_unit_is_class_one_above_a_half(tmp_path):
    net = _network(tmp_path, """
layers:
  - activation: identity
    weights: [[1.0]]
    bias: [0.0]
""")
    ev = evaluate(net, [np.array([[0.2], [0.7], [0.5], [0.9]])], np.array([0, 1, 1, 0]))
    assert ev.confusion.tolist() == [[1, 1], [1, 1]]
    assert ev.class_names == ("0", "1")


def test_progress_is_reported(tmp_path):
    net = _network(tmp_path, IRIS_LIKE)
    done = []
    evaluate(net, [np.zeros((3, 2))], np.zeros(3, int), progress=done.append)
    assert done == [3]


STATS_NET = """
dtype: float64
layers:
  - name: squash
    activation: sigmoid
    weights: [[10.0, 1.0], [0.0, 1.0]]
    bias: [0.0, 0.0]
  - name: rect
    activation: relu
    weights: [[1.0, -1.0, 1.0], [1.0, -1.0, -1.0]]
    bias: [-0.5, 0.0, -5.0]
"""


def test_stats_by_hand(tmp_path):
    net = _network(tmp_path, STATS_NET)
    X = np.array([[1.0, 0.0], [-1.0, 2.0], [0.0, 0.0], [0.2, -0.3]])
    A1 = X @ np.array([[10.0, 1.0], [0.0, 1.0]])
    Z1 = 1 / (1 + np.exp(-A1))
    A2 = Z1 @ np.array([[1.0, -1.0, 1.0], [1.0, -1.0, -1.0]]) + np.array([-0.5, 0.0, -5.0])
    Z2 = np.maximum(A2, 0)
    stats = BatchStats(net)
    for start in range(4):  # one row at a time: the running merge must equal the whole
        stats.add_trace(net.forward(X[start : start + 1]))
    first, second = stats.result()
    for summary, matrix in ((first.A, A1), (first.Z, Z1), (second.A, A2), (second.Z, Z2)):
        assert summary.count == matrix.size and summary.nan == summary.inf == 0
        assert summary.min == matrix.min() and summary.max == matrix.max()
        assert summary.mean == pytest.approx(matrix.mean(), rel=1e-14)
        assert summary.std == pytest.approx(matrix.std(), rel=1e-12)
    assert first.rows == 4 and first.activation == "sigmoid"
    assert first.saturated == pytest.approx(np.mean(np.abs(A1) > 5)) == 2 / 8  # A = 10 and -10
    assert first.dead is None
    # unit 2 (A = -(z1 + z2) < 0) and unit 3 (bias -5) are never positive; unit 1 is
    assert second.dead == 2 == int(np.sum(A2.max(axis=0) <= 0))
    assert second.saturated is None


def test_stats_count_nan_and_inf_apart(tmp_path):
    net = _network(tmp_path, """
dtype: float64
allow_nonfinite: true
layers:
  - activation: relu
    weights: [[1.0, 1.0]]
    bias: [0.0, .nan]
""")
    stats = BatchStats(net)
    stats.add_trace(net.forward(np.array([[1.0], [np.inf], [-2.0]])))
    (layer,) = stats.result()
    assert (layer.A.nan, layer.A.inf) == (3, 1)  # column 2 is NaN; inf + 0 = inf
    assert (layer.A.min, layer.A.max, layer.A.count) == (-2.0, 1.0, 2)
    assert layer.dead == 1  # unit 2 is NaN everywhere: never positive


def test_stats_from_the_fast_path_equal_stats_from_forward(tmp_path):
    net = _network(tmp_path, IRIS_LIKE)
    X = np.random.default_rng(2).standard_normal((1000, 2))
    fast, slow = BatchStats(net), BatchStats(net)
    evaluate(net, [X], np.zeros(1000, int), stats=fast)
    slow.add_trace(net.forward(X))
    for a, b in zip(fast.result(), slow.result()):
        assert a.dead == b.dead and a.rows == b.rows == 1000
        for x, y in ((a.A, b.A), (a.Z, b.Z)):
            assert (x.min, x.max, x.count) == (y.min, y.max, y.count)
            assert x.mean == pytest.approx(y.mean, rel=1e-12, abs=1e-15)
            assert x.std == pytest.approx(y.std, rel=1e-12)


def test_rows_with_nan_outputs_predict_no_class(tmp_path):
    net = _network(tmp_path, IRIS_LIKE)
    X = np.array([[1.0, 0.0], [np.nan, 0.0], [0.0, 1.0], [np.nan, np.nan]])
    labels = np.array([0, 1, 1, 2])
    ev = evaluate(net, [X], labels)
    ok = net.forward(X[[0, 2]]).predicted
    assert ev.samples == 4 and ev.unpredicted == 2
    assert ev.confusion.sum() == 2 and ev.correct == int((ok == labels[[0, 2]]).sum())
    assert [r.support for r in ev.per_class] == [1, 2, 1]
    assert ev.per_class[2].recall == 0.0
    assert ev.to_dict()["unpredicted"] == 2
    assert "unpredicted" not in evaluate(net, [X[[0, 2]]], labels[[0, 2]]).to_dict()

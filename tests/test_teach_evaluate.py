"""evaluate's loss, F1, top-k accuracy and mistakes, checked against a small set computed by hand."""

import json
import math

import numpy as np
import pytest

from nncli.config import load_spec
from nncli.errors import InputError
from nncli.evaluate import LOSS_EPSILON, combine, cross_entropy_sum, evaluate
from nncli.network import Network

# softmax(X·I) = softmax(ln p) = p: the inputs are the logs of the probabilities wanted.
NET = "name: probs\nclasses: [a, b, c]\nlayers:\n  - activation: softmax\n" \
      "    weights: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\n    bias: [0, 0, 0]\n"
P = np.array([
    [0.7, 0.2, 0.1],  # true a, predicted a
    [0.1, 0.6, 0.3],  # true b, predicted b
    [0.5, 0.4, 0.1],  # true b, predicted a (wrong, 0.5)
    [0.2, 0.2, 0.6],  # true c, predicted c
    [0.1, 0.8, 0.1],  # true c, predicted b (wrong, 0.8)
])
Y = np.array([0, 1, 1, 2, 2])
# By hand: confusion rows a [1 0 0], b [1 1 0], c [0 1 1]; predicted counts 2, 2, 1; support 1, 2, 2.
# precision 1/2, 1/2, 1; recall 1, 1/2, 1/2; F1 = 2TP/(predicted + support) = 2/3, 1/2, 2/3.
HAND = {
    "accuracy": 3 / 5,
    "loss": -(math.log(0.7) + math.log(0.6) + math.log(0.4) + math.log(0.6) + math.log(0.1)) / 5,
    "macro_precision": (1 / 2 + 1 / 2 + 1) / 3,
    "macro_recall": (1 + 1 / 2 + 1 / 2) / 3,
    "macro_f1": (2 / 3 + 1 / 2 + 2 / 3) / 3,  # 11/18
    "weighted_precision": (1 * 1 / 2 + 2 * 1 / 2 + 2 * 1) / 5,  # 0.7
    "weighted_recall": (1 * 1 + 2 * 1 / 2 + 2 * 1 / 2) / 5,  # 0.6
    "weighted_f1": (1 * 2 / 3 + 2 * 1 / 2 + 2 * 2 / 3) / 5,  # 0.6
    # top 2: rows 0-3 hold their class; row 4's top 2 of [0.1, 0.8, 0.1] is b, a (ties: lower index)
    "top_k_accuracy": 4 / 5,
}


@pytest.fixture
def net(tmp_path):
    path = tmp_path / "probs.yaml"
    path.write_text(NET)
    return Network(load_spec(path))


def test_metrics_by_hand(net):
    ev = evaluate(net, [np.log(P)], Y, k=2, misclassified=5)
    doc = ev.to_dict()
    for key, value in HAND.items():
        assert doc[key] == pytest.approx(value, rel=1e-12), key
    assert [r["f1"] for r in doc["per_class"]] == pytest.approx([2 / 3, 1 / 2, 2 / 3])
    assert doc["top_k"] == 2
    assert doc["misclassified"] == [
        {"index": 4, "true": "c", "predicted": "b", "probability": pytest.approx(0.8)},
        {"index": 2, "true": "b", "predicted": "a", "probability": pytest.approx(0.5)},
    ]
    assert [m["index"] for m in evaluate(net, [np.log(P)], Y, misclassified=1).to_dict()["misclassified"]] == [4]
    plain = evaluate(net, [np.log(P)], Y).to_dict()
    assert "top_k_accuracy" not in plain and "misclassified" not in plain


def test_top_1_accuracy_is_accuracy(net):
    ev = evaluate(net, [np.log(P)], Y, k=1)
    assert ev.top_k_accuracy == ev.accuracy == 0.6
    assert evaluate(net, [np.log(P)], Y, k=3).top_k_accuracy == 1.0
    with pytest.raises(InputError, match="between 1 and the number of classes, 3"):
        evaluate(net, [np.log(P)], Y, k=4)


def test_loss_clips_zero_and_nan_to_1e_12():
    probs = np.array([[0.0, 1.0], [np.nan, np.nan], [1.0, 0.0], [2.0, -1.0]])
    true = np.array([0, 0, 0, 0])
    # -ln(1e-12) twice (p = 0 and p = NaN), then -ln(1) = 0, and 2 clipped to 1 gives 0
    assert cross_entropy_sum(probs, true) == pytest.approx(-2 * math.log(LOSS_EPSILON), rel=1e-15)
    assert -math.log(LOSS_EPSILON) == pytest.approx(27.631021115928547)


def test_one_unit_output_loss_uses_y_and_1_minus_y(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("layers:\n  - activation: identity\n    weights: [[1]]\n    bias: [0]\n")
    ev = evaluate(Network(load_spec(path)), [np.array([[0.9], [0.2], [0.7]])], np.array([1, 0, 0]))
    assert ev.loss == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.3)) / 3)
    with pytest.raises(InputError, match="1-unit output"):
        evaluate(Network(load_spec(path)), [np.array([[0.9]])], np.array([1]), k=1)


def test_chunks_add_up_exactly(net):
    X = np.log(np.tile(P, (7, 1)))  # 35 rows
    labels = np.tile(Y, 7)
    whole = evaluate(net, [X], labels, k=2, misclassified=4)
    split = evaluate(net, [X[:3], X[3:20], X[20:]], labels, k=2, misclassified=4)
    parts = [evaluate(net, [X[a:b]], labels[a:b], k=2, misclassified=4, first_row=a) for a, b in ((0, 11), (11, 35))]
    merged = combine(parts)
    for ev in (split, merged):
        np.testing.assert_array_equal(ev.confusion, whole.confusion)
        assert (ev.samples, ev.correct, ev.top_k_correct) == (whole.samples, whole.correct, whole.top_k_correct)
        assert ev.loss == pytest.approx(whole.loss, rel=1e-14)
        assert ev.misclassified == whole.misclassified
        assert ev.to_dict()["macro_f1"] == whole.to_dict()["macro_f1"]
    assert [m.index for m in whole.misclassified] == [4, 9, 14, 19]  # equal probabilities: lower index first


def test_cli_json_and_table(cli, tmp_path):
    (tmp_path / "probs.yaml").write_text(NET)
    np.save(tmp_path / "x.npy", np.log(P))
    np.save(tmp_path / "y.npy", Y)
    args = ["evaluate", tmp_path / "probs.yaml", "-i", tmp_path / "x.npy", "-l", tmp_path / "y.npy"]
    doc = json.loads(cli(*args, "--top-k", "2", "--misclassified", "1", "-f", "json").stdout)
    assert doc["macro_f1"] == pytest.approx(11 / 18) and doc["weighted_f1"] == pytest.approx(0.6)
    assert doc["top_k_accuracy"] == 0.8 and doc["misclassified"][0]["index"] == 4
    out = cli(*args, "--top-k", "2", "--misclassified", "2", "--rows", "1:5").stdout
    assert "top-2 accuracy 0.75" in out
    assert "macro avg" in out and "weighted avg" in out
    mistakes = out.split("most confident mistakes")[1].splitlines()
    assert mistakes[3].replace("│", " ").split() == ["4", "c", "b", "0.8000"]  # the row index counts from the file's start
    assert mistakes[4].replace("│", " ").split() == ["2", "b", "a", "0.5000"]


def test_evaluate_a_config_from_stdin(nncli_process, tmp_path):
    np.save(tmp_path / "x.npy", np.log(P))
    np.save(tmp_path / "y.npy", Y)
    result = nncli_process("evaluate", "-", "-i", "x.npy", "-l", "y.npy", "-f", "json", input=NET, cwd=tmp_path)
    assert result.exit_code == 0 and json.loads(result.stdout)["macro_f1"] == pytest.approx(11 / 18)
    both = nncli_process("evaluate", "-", "-i", "-", "-l", "y.npy", input=NET, cwd=tmp_path)
    assert both.exit_code == 1 and "cannot both read stdin" in both.stderr

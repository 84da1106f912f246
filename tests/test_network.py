"""The forward pass against the book's answers and hand calculation; the Python API."""

import numpy as np
import pytest

import nncli
from nncli.errors import InputError
from tests.conftest import CONFIGS


def test_book_three_layer_answer():
    net = nncli.load_network(CONFIGS / "three_layer.yaml")
    trace = net.forward([1.0, 0.5])
    # "Deep Learning from Scratch" 3.4.3 prints y = [0.31682708 0.69627909].
    np.testing.assert_allclose(trace.output, [[0.31682708, 0.69627909]], atol=1e-8)
    # Intermediate values by hand: A1 = X·W1 + B1 = [0.3, 0.7, 1.1] (book 3.4.2), Z1 = sigmoid(A1).
    np.testing.assert_allclose(trace.layers[0].A, [[0.3, 0.7, 1.1]], rtol=1e-15)
    np.testing.assert_allclose(trace.layers[0].Z, 1 / (1 + np.exp(-np.array([[0.3, 0.7, 1.1]]))), rtol=1e-15)
    assert [lt.name for lt in trace.layers] == ["hidden1", "hidden2", "output"]
    assert [lt.activation for lt in trace.layers] == ["sigmoid", "sigmoid", "identity"]
    assert trace.X.shape == (1, 2) and trace.layers[1].A.shape == (1, 2)


def test_book_formula_independently():
    """The same numbers from the book's own formulas written out with numpy."""
    X = np.array([1.0, 0.5])
    W1 = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]); b1 = np.array([0.1, 0.2, 0.3])
    W2 = np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]); b2 = np.array([0.1, 0.2])
    W3 = np.array([[0.1, 0.3], [0.2, 0.4]]); b3 = np.array([0.1, 0.2])
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    y = sig(sig(X @ W1 + b1) @ W2 + b2) @ W3 + b3
    np.testing.assert_allclose(nncli.load_network(CONFIGS / "three_layer.yaml").predict(X)[0], y, rtol=1e-15)


def test_xor_truth_table():
    net = nncli.load_network(CONFIGS / "xor.yaml")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(net.forward(X).output[:, 0], [0, 1, 1, 0])
    # The hidden layer is NAND and OR, column by column.
    np.testing.assert_array_equal(net.forward(X).layers[0].Z, [[1, 0], [1, 1], [1, 1], [0, 1]])
    assert net.forward(X).probabilities is None
    assert net.forward(X).predicted.tolist() == [0, 1, 1, 0]  # a 1-unit output: class 1 where y > 0.5


def test_probabilities_are_softmax_of_last_A():
    net = nncli.load_network(CONFIGS / "three_layer.yaml")
    trace = net.forward([[1.0, 0.5], [0.0, 0.0]])
    a = trace.layers[-1].A
    expected = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(trace.probabilities, expected, rtol=1e-15)
    np.testing.assert_array_equal(trace.predicted, np.argmax(a, axis=1))


def test_softmax_output_is_the_probabilities():
    net = nncli.load_network(CONFIGS / "iris_softmax.yaml")
    X = np.vstack([rows for _name, rows in net.spec.inputs])
    trace = net.forward(X)
    assert trace.probabilities is trace.output
    np.testing.assert_allclose(trace.output.sum(axis=1), 1.0, rtol=1e-15)
    assert [net.classes[i] for i in trace.predicted] == ["setosa", "versicolor", "virginica"]


def test_float32_stays_float32():
    net = nncli.load_network(CONFIGS / "three_layer.yaml", dtype="float32")
    trace = net.forward([1.0, 0.5])
    assert trace.output.dtype == np.float32 and trace.layers[0].A.dtype == np.float32
    np.testing.assert_allclose(trace.output, [[0.31682708, 0.69627909]], rtol=1e-6)


def test_wrong_input_width():
    net = nncli.load_network(CONFIGS / "three_layer.yaml")
    with pytest.raises(InputError, match="input rows have 3 values but network 'three_layer' takes 2"):
        net.forward([1.0, 2.0, 3.0])


def test_repr_shows_shapes():
    net = nncli.load_network(CONFIGS / "three_layer.yaml")
    assert repr(net) == "Network('three_layer', 2 → 3 → 2 → 2, [sigmoid, sigmoid, identity], float64)"


def test_weights_are_read_only():
    net = nncli.load_network(CONFIGS / "three_layer.yaml")
    with pytest.raises(ValueError):
        net.layers[0].W[0, 0] = 1.0

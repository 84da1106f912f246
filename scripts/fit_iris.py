"""Fit the weights of configs/iris_softmax.yaml (run by hand; needs scikit-learn, not a dependency).

    pip install scikit-learn && python scripts/fit_iris.py > configs/iris_softmax.yaml

A 4 -> 5 ReLU -> 3 softmax network trained on Fisher's iris data (150 flowers) with
scikit-learn's MLPClassifier; the input standardisation is folded into W1 and b1 so the
config takes raw measurements in cm. Weights are rounded to 3 decimals and the
rounded network's training-set accuracy is written into the config's header.
"""

import numpy as np
from sklearn.datasets import load_iris
from sklearn.neural_network import MLPClassifier

iris = load_iris()
X, y = iris.data, iris.target
mean, std = X.mean(axis=0), X.std(axis=0)
clf = MLPClassifier(hidden_layer_sizes=(5,), activation="relu", solver="lbfgs", alpha=3.0,
                    max_iter=5000, random_state=0).fit((X - mean) / std, y)
W1s, W2 = clf.coefs_
b1s, b2 = clf.intercepts_
# (x - mean)/std · W1s + b1s  ==  x · (W1s / std[:, None]) + (b1s - (mean/std) · W1s)
W1 = np.round(W1s / std[:, None], 3)
b1 = np.round(b1s - (mean / std) @ W1s, 3)
W2, b2 = np.round(W2, 3), np.round(b2, 3)

Z1 = np.maximum(X @ W1 + b1, 0)
accuracy = float(np.mean(np.argmax(Z1 @ W2 + b2, axis=1) == y))


def rows(m):
    return "\n".join(("    weights: [" if i == 0 else "              ") + "[" +
                     ", ".join(f"{v:7.3f}" for v in r) + "]" + ("," if i < len(m) - 1 else "]")
                     for i, r in enumerate(m))


print(f"""# A small softmax classifier: 4 flower measurements (cm) -> 3 iris species.
# Trained on Fisher's iris data (150 flowers) by scripts/fit_iris.py (scikit-learn MLPClassifier,
# lbfgs); the input standardisation is folded into the first layer; weights rounded to 3 decimals.
# Training-set accuracy of these rounded weights: {accuracy:.4f}.
name: iris_softmax
description: "Iris species from sepal length, sepal width, petal length, petal width (cm)."
classes: [setosa, versicolor, virginica]
layers:
  - name: hidden
    activation: relu
    units: {W1.shape[1]}
{rows(W1)}
    bias: [{", ".join(f"{v:.3f}" for v in b1)}]
  - name: output
    activation: softmax
{rows(W2)}
    bias: [{", ".join(f"{v:.3f}" for v in b2)}]
inputs:  # flowers 1, 51 and 101 of the data set
  setosa_1: [{", ".join(f"{v:g}" for v in X[0])}]
  versicolor_51: [{", ".join(f"{v:g}" for v in X[50])}]
  virginica_101: [{", ".join(f"{v:g}" for v in X[100])}]""")

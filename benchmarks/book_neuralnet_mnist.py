"""The book's ch03/neuralnet_mnist.py, for comparison: predict() one image at a time.

Same logic as the book (its sigmoid and softmax, the per-row loop, float32 images divided by
255); it reads the MNIST IDX files and the weights from the .npz (never the .pkl: no pickle).

    python benchmarks/book_neuralnet_mnist.py [images.gz labels.gz weights.npz]
"""

import gzip
import sys
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    c = np.max(x)
    exp_a = np.exp(x - c)  # guard against overflow
    return exp_a / np.sum(exp_a)


def get_data(images, labels):
    with gzip.open(images, "rb") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(labels, "rb") as f:
        t = np.frombuffer(f.read(), np.uint8, offset=8)
    return x.astype(np.float32) / 255.0, t  # load_mnist(normalize=True, flatten=True)


def init_network(weights):
    with np.load(weights) as archive:
        return {key: archive[key] for key in archive.files}


def predict(network, x):
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]
    a1 = np.dot(x, W1) + b1
    z1 = sigmoid(a1)
    a2 = np.dot(z1, W2) + b2
    z2 = sigmoid(a2)
    a3 = np.dot(z2, W3) + b3
    y = softmax(a3)
    return y


if __name__ == "__main__":
    args = sys.argv[1:] or [DATA / "mnist" / "t10k-images-idx3-ubyte.gz", DATA / "mnist" / "t10k-labels-idx1-ubyte.gz",
                            DATA / "book-ch03" / "sample_weight.npz"]
    x, t = get_data(args[0], args[1])
    network = init_network(args[2])
    accuracy_cnt = 0
    for i in range(len(x)):
        y = predict(network, x[i])
        p = np.argmax(y)  # the index of the most likely element
        if p == t[i]:
            accuracy_cnt += 1
    print("Accuracy:" + str(float(accuracy_cnt) / len(x)))

"""In-process forward pass of the book's MNIST network over the 10,000 test images, float32.

Compares, in one process and interleaved: nncli's Network.predict (the tiled fast path),
Network.forward (keeps every A and Z), a plain numpy chain (the book's forward with its
sigmoid/softmax over the whole batch), ONNX Runtime and PyTorch (CPU) when installed.

    /work/venv-bench/bin/python benchmarks/bench_mnist.py          # with torch + onnxruntime
    /work/venv-bench/bin/python benchmarks/bench_mnist.py --threads 1   # every library on one thread
    python benchmarks/bench_mnist.py                                # numpy-only figures

Targets (issue): predict <= 1.0x ONNX Runtime and <= 1.0x PyTorch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

if "--threads" in sys.argv:  # must be set before numpy (OpenBLAS) and torch start their threads
    _threads = sys.argv[sys.argv.index("--threads") + 1]
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_name] = _threads

import numpy as np  # noqa: E402
from _common import interleaved, machine_notes, mnist_config_dir, mnist_images, mnist_labels, summary


def book_chain(X: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    """The book's forward() (ch03/neuralnet_mnist.py) on the whole batch at once."""

    def sigmoid(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-x))

    def softmax(x: np.ndarray) -> np.ndarray:
        c = np.max(x, axis=-1, keepdims=True)
        e = np.exp(x - c)
        return e / np.sum(e, axis=-1, keepdims=True)

    z1 = sigmoid(X @ w["W1"] + w["b1"])
    z2 = sigmoid(z1 @ w["W2"] + w["b2"])
    return softmax(z2 @ w["W3"] + w["b3"])


def onnx_session(w: dict[str, np.ndarray], threads: int | None):  # noqa: ANN201
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    names = ["W1", "b1", "W2", "b2", "W3", "b3"]
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["a1"]), helper.make_node("Sigmoid", ["a1"], ["z1"]),
        helper.make_node("Gemm", ["z1", "W2", "b2"], ["a2"]), helper.make_node("Sigmoid", ["a2"], ["z2"]),
        helper.make_node("Gemm", ["z2", "W3", "b3"], ["a3"]), helper.make_node("Softmax", ["a3"], ["y"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "mnist_book",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 784])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 10])],
        [numpy_helper.from_array(w[n], n) for n in names],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session, ort.__version__


def torch_forward(w: dict[str, np.ndarray], threads: int | None):  # noqa: ANN201
    import torch

    if threads:
        torch.set_num_threads(threads)

    t = {k: torch.from_numpy(v) for k, v in w.items()}

    def run(X: "torch.Tensor") -> "torch.Tensor":
        with torch.inference_mode():
            z1 = torch.sigmoid(torch.addmm(t["b1"], X, t["W1"]))
            z2 = torch.sigmoid(torch.addmm(t["b2"], z1, t["W2"]))
            return torch.softmax(torch.addmm(t["b3"], z2, t["W3"]), dim=1)

    return run, torch.__version__, torch.get_num_threads()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None, help="threads for every library (default: theirs)")
    args = parser.parse_args()

    from nncli.network import load_network

    directory = mnist_config_dir()
    net = load_network(directory / "mnist_book.yaml")
    U = mnist_images()  # (10000, 784) uint8
    X = net.prepare(U)  # float32 in [0, 1], as the book's load_mnist(normalize=True)
    labels = mnist_labels()
    with np.load(directory / "sample_weight.npz") as archive:
        w = {k: archive[k] for k in archive.files}

    candidates = {
        "nncli predict (float32 X)": lambda: net.predict(X, preprocess=False),
        "nncli predict (uint8 X, /255 inside)": lambda: net.predict(U),
        "nncli forward (keeps A, Z)": lambda: net.forward(X, preprocess=False),
        "numpy chain (book, whole batch)": lambda: book_chain(X, w),
    }
    notes = [machine_notes(), f"nncli tile_rows={net.tile_rows}, threads requested: {args.threads or 'library defaults'}"]
    checks = {"nncli predict (float32 X)": net.predict(X, preprocess=False), "numpy chain": book_chain(X, w)}
    try:
        session, ort_version = onnx_session(w, args.threads)
        candidates["onnxruntime"] = lambda: session.run(None, {"x": X})
        checks["onnxruntime"] = session.run(None, {"x": X})[0]
        notes.append(f"onnxruntime {ort_version} (CPU, {args.threads or 'default'} intra-op threads)")
    except ImportError:
        notes.append("onnxruntime not installed: skipped")
    try:
        import torch

        run, torch_version, threads = torch_forward(w, args.threads)
        Xt = torch.from_numpy(X)
        candidates["pytorch"] = lambda: run(Xt)
        checks["pytorch"] = run(Xt).numpy()
        notes.append(f"torch {torch_version} ({threads} threads)")
    except ImportError:
        notes.append("torch not installed: skipped")

    print("\n".join(notes))
    for name, Y in checks.items():
        print(f"  check {name:28s} accuracy {np.mean(np.argmax(Y, axis=1) == labels):.4f}")

    times = interleaved(candidates, rounds=args.rounds, repeat=args.repeat)
    print(f"\nMNIST forward, 10000 x 784 float32; median of {args.rounds} rounds (each the median of {args.repeat} runs)")
    for name, samples in times.items():
        print(f"  {name:40s} {summary(samples)}")
    ours = times["nncli predict (float32 X)"]
    print("  ratios: medians (best rounds, less exposed to a busy neighbour)")
    for other in ("onnxruntime", "pytorch", "numpy chain (book, whole batch)"):
        if other in times:
            ratio = statistics.median(ours) / statistics.median(times[other])
            best = min(ours) / min(times[other])
            verdict = f"  {'PASS' if ratio <= 1.0 else 'FAIL'} (target <= 1.0x)" if "chain" not in other else ""
            print(f"  nncli predict / {other:32s} {ratio:5.2f}x ({best:4.2f}x){verdict}")


if __name__ == "__main__":
    main()

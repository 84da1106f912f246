"""In-process forward pass of the book's MNIST network over the 10,000 test images, float32.

Compares, in one process and interleaved: nncli's Network.predict (the engine's tiles),
Network.forward (the same engine, keeping every A and Z), the three matrix products alone
(np.matmul(..., out=...) with the same shapes and BLAS's default threads: the floor), a plain
numpy chain (the book's forward with its sigmoid/softmax over the whole batch), ONNX Runtime
and PyTorch (CPU) when installed.

    /work/venv-bench/bin/python benchmarks/bench_mnist.py          # with torch + onnxruntime
    /work/venv-bench/bin/python benchmarks/bench_mnist.py --threads 1   # every library on one thread
    python benchmarks/bench_mnist.py                                # numpy-only figures

Targets (issue 8): predict <= 1.15x the three products; forward <= 1.5x predict.
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


def matmuls(X: np.ndarray, w: dict[str, np.ndarray]):  # noqa: ANN201
    """The network's three products alone, into buffers allocated once: X·W1, Z1·W2, Z2·W3."""
    Ws = [w["W1"], w["W2"], w["W3"]]
    outs = [np.empty((X.shape[0], W.shape[1]), X.dtype) for W in Ws]  # (10000, 50), (10000, 100), (10000, 10)

    def run() -> None:
        Z = X
        for W, out in zip(Ws, outs):
            np.matmul(Z, W, out=out)
            Z = out

    return run


def one_by_one(net):  # noqa: ANN001, ANN201
    """predict with the engine's tiles computed one after the other (BLAS's own threads)."""
    from nncli import engine

    def run() -> np.ndarray:
        saved = engine.PARALLEL_MIN_MACS
        engine.PARALLEL_MIN_MACS = 1 << 62
        try:
            return net.predict(X_ONE, preprocess=False)
        finally:
            engine.PARALLEL_MIN_MACS = saved

    return run


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


X_ONE: np.ndarray  # the input of one_by_one


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

    global X_ONE
    X_ONE = X
    candidates = {
        "3 matmuls (np.matmul out=)": matmuls(X, w),
        "nncli predict (float32 X)": lambda: net.predict(X, preprocess=False),
        "nncli predict, tiles one by one": one_by_one(net),
        "nncli predict (uint8 X, /255 inside)": lambda: net.predict(U),
        "nncli forward (keeps A, Z)": lambda: net.forward(X, preprocess=False),
        "numpy chain (book, whole batch)": lambda: book_chain(X, w),
    }
    flags = sorted({f for line in open("/proc/cpuinfo") if line.startswith("flags") for f in line.split()
                    if f in ("avx2", "avx512f", "avx512bw", "avx512vl", "fma")})
    parallel = net._engine(False).parallel
    notes = [machine_notes(), f"cpu flags: {' '.join(flags)}",
             f"nncli tile_rows={net.tile_rows}, parallel tiles: {parallel}, "
             f"threads requested: {args.threads or 'library defaults'}"]
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
    for name, other, target in (("nncli predict / 3 matmuls", "3 matmuls (np.matmul out=)", 1.15),
                                ("nncli forward / nncli predict", "nncli predict (float32 X)", 1.5)):
        mine = ours if name.startswith("nncli predict") else times["nncli forward (keeps A, Z)"]
        ratio = statistics.median(mine) / statistics.median(times[other])
        best = min(mine) / min(times[other])
        print(f"  {name:48s} {ratio:5.2f}x ({best:4.2f}x)  {'PASS' if ratio <= target else 'FAIL'} (target <= {target}x)")
    for other in ("onnxruntime", "pytorch", "numpy chain (book, whole batch)", "nncli predict, tiles one by one"):
        if other in times:
            ratio = statistics.median(ours) / statistics.median(times[other])
            best = min(ours) / min(times[other])
            verdict = f"  {'PASS' if ratio <= 1.0 else 'FAIL'} (target <= 1.0x)" if other in ("onnxruntime", "pytorch") else ""
            print(f"  nncli predict / {other:32s} {ratio:5.2f}x ({best:4.2f}x){verdict}")


if __name__ == "__main__":
    main()

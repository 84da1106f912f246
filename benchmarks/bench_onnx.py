"""MNIST 10k in-process through ONNX Runtime: nncli's runner (and evaluate with it) against ONNX Runtime alone.

The same exported model (nncli.interop.onnx_export of configs/mnist_book.yaml, float32, its
Div by 255 included; the runner's session also outputs the last A and the argmax, fetched only
when used) runs in one ONNX Runtime session per candidate, interleaved in one process, timed
in wall time and in process CPU time (the work, which a neighbour's load changes less):

- "onnxruntime alone, float32 input": session.run on the images already converted to float32
  (the floor: nothing but the model);
- "onnxruntime alone, from uint8": the same with the uint8 -> float32 conversion every caller needs
  (``images.astype(np.float32)``: a new array per call);
- "onnxruntime alone, uint8 into a buffer": the conversion into one float32 buffer kept between
  calls, as OrtRunner does (no page faults for a fresh 31 MB array);
- "OrtRunner.run": nncli's runner (input checks, conversion, session.run);
- "evaluate(OrtRunner)": nncli.evaluate.evaluate with the runner as engine (predicted classes,
  confusion matrix) on the uint8 images in one batch, as `nncli evaluate --batch-size 10000` would.

    python benchmarks/bench_onnx.py [--threads N] [--rounds R]

Target (issue 10): evaluate with --engine onnxruntime <= 1.05x ONNX Runtime alone on the same model.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import numpy as np
from _common import BOOK_NPZ, IMAGES, interleaved, machine_notes, mnist_config_dir, mnist_images, mnist_labels, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="ONNX Runtime intra-op threads (default: all)")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for needed in (IMAGES, BOOK_NPZ):
        if not needed.exists():
            raise SystemExit(f"needs {needed}")

    import onnxruntime as ort

    from nncli.evaluate import evaluate
    from nncli.interop.onnx_export import export_model, model_bytes
    from nncli.interop.ort_runner import OrtRunner
    from nncli.network import load_network

    network = load_network(mnist_config_dir() / "mnist_book.yaml")
    images, labels = mnist_images(), mnist_labels()
    runner = OrtRunner(network, threads=args.threads)
    options = ort.SessionOptions()
    if args.threads is not None:
        options.intra_op_num_threads = args.threads
    # the exported model as `nncli export` writes it (the runner's copy also outputs A3 and the argmax)
    session = ort.InferenceSession(model_bytes(export_model(network.spec)), options, providers=["CPUExecutionProvider"])
    X32 = images.astype(np.float32)
    buffer = np.empty_like(X32)

    accuracy = evaluate(runner, [images], labels).accuracy
    same = np.array_equal(runner.run(images), session.run(["Y"], {"X": X32})[0])
    candidates = {
        "onnxruntime alone, float32 input": lambda: session.run(["Y"], {"X": X32}),
        "onnxruntime alone, from uint8": lambda: session.run(["Y"], {"X": images.astype(np.float32)}),
        "onnxruntime alone, uint8 into a buffer": lambda: session.run(["Y"], {"X": _into(buffer, images)}),
        "OrtRunner.run": lambda: runner.run(images),
        "evaluate(OrtRunner)": lambda: evaluate(runner, [images], labels),
    }
    cpu: dict[str, list[float]] = {name: [] for name in candidates}
    times = interleaved({name: _cpu_timed(fn, cpu[name]) for name, fn in candidates.items()}, rounds=args.rounds,
                        repeat=7)
    print(machine_notes())
    print(f"onnxruntime {ort.__version__}, threads {args.threads or 'default'}; accuracy {accuracy:.4f}; "
          f"runner output identical to the session's: {same}")
    for title, results in (("wall time, median of the rounds' medians", times),
                           ("process CPU time per call, median of every call", cpu)):
        print(title)
        floor = statistics.median(results["onnxruntime alone, float32 input"])
        fair = statistics.median(results["onnxruntime alone, from uint8"])
        for name, samples in results.items():
            median = statistics.median(samples)
            print(f"  {name:38s} {summary(samples)}   {median / floor:5.2f}x float32-input   "
                  f"{median / fair:5.2f}x from-uint8")


def _cpu_timed(fn: Callable[[], object], samples: list[float]) -> Callable[[], None]:
    """``fn``, appending the process CPU time of each call to ``samples``: the work done, which a
    neighbour's load changes far less than the wall time (all threads count: with --threads 1
    ONNX Runtime computes on the calling thread)."""

    def run() -> None:
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)

    return run


def _into(buffer: np.ndarray, images: np.ndarray) -> np.ndarray:
    buffer[...] = images  # uint8 -> float32, exact
    return buffer


if __name__ == "__main__":
    main()

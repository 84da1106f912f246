"""A large MLP through the fast path: 1024 -> 4096 -> 4096 -> 10, ReLU, ReLU, softmax; batch 4096, float32.

Compares nncli's Network.predict with the machine's numpy matmul speed on the very same
products (X·W1, then ·W2, then ·W3 into preallocated outputs, nothing else), in one process,
interleaved. GFLOP/s counts the matrix products only: 2 · batch · sum(inputs · units).

    python benchmarks/bench_mlp.py

Target (issue): nncli >= 90% of the numpy matmul GFLOP/s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
from _common import interleaved, machine_notes

SIZES = (1024, 4096, 4096, 10)
BATCH = 4096


def build(directory: Path) -> None:
    rng = np.random.default_rng(0)
    arrays = {}
    lines = ["name: mlp_4096", "dtype: float32", "weights_file: mlp.npz", "layers:"]
    activations = ["relu", "relu", "softmax"]
    for k in range(1, len(SIZES)):
        fan_in = SIZES[k - 1]
        arrays[f"W{k}"] = (rng.standard_normal((fan_in, SIZES[k])) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        arrays[f"b{k}"] = (rng.standard_normal(SIZES[k]) * 0.01).astype(np.float32)
        lines += [f"  - activation: {activations[k - 1]}", f"    weights: W{k}", f"    bias: b{k}"]
    np.savez(directory / "mlp.npz", **arrays)
    (directory / "mlp.yaml").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from nncli.network import load_network

    directory = Path(tempfile.mkdtemp(prefix="nncli-mlp-"))
    build(directory)
    net = load_network(directory / "mlp.yaml")
    X = np.random.default_rng(1).standard_normal((BATCH, SIZES[0])).astype(np.float32)
    Ws = [layer.W for layer in net.layers]
    outs = [np.empty((BATCH, W.shape[1]), np.float32) for W in Ws]

    def matmuls() -> None:
        Z = X
        for W, out in zip(Ws, outs):
            np.matmul(Z, W, out=out)
            Z = out

    flops = 2 * BATCH * sum(SIZES[k - 1] * SIZES[k] for k in range(1, len(SIZES)))
    print(machine_notes())
    print(f"network {net!r}, tile_rows={net.tile_rows}, {flops / 1e9:.1f} GFLOP per forward")
    times = interleaved({"numpy matmuls only": matmuls, "nncli predict": lambda: net.predict(X)},
                        rounds=args.rounds, repeat=args.repeat, warmup=1, pause=0.5)
    rates = {}
    for name, samples in times.items():
        rates[name] = flops / statistics.median(samples) / 1e9
        best = flops / min(samples) / 1e9
        print(f"  {name:22s} median {statistics.median(samples) * 1e3:8.1f} ms  {rates[name]:7.1f} GFLOP/s"
              f"  (best {best:.1f})")
    ratio = rates["nncli predict"] / rates["numpy matmuls only"]
    best = min(times["numpy matmuls only"]) / min(times["nncli predict"])
    print(f"  nncli / numpy matmul   {ratio:6.1%} (best rounds {best:.1%})  {'PASS' if ratio >= 0.9 else 'FAIL'}"
          " (target >= 90%)")


if __name__ == "__main__":
    main()

"""Time per element of nncli's activations against the naive NumPy formulas, in the same run.

    python benchmarks/bench_activations.py            # 4096 x 4096 float32, 7 runs each
    python benchmarks/bench_activations.py --runs 11 --size 2048 --dtype float64

For each function: the median time of ``--runs`` calls of the naive formula (what one writes
from the textbook: 1/(1 + exp(-x)), log(1 + exp(x)), 0.5x(1 + erf(x/sqrt 2)) ...), of
nncli's version allocating its result, and of nncli's version writing into ``out=`` (the
in-place path a network's forward loop can use). Ratios are nncli / naive: <= 1.5 is the bar.
Calls alternate between the contenders so that drifts in clock speed hit all of them alike.
A second table times the MNIST hot path's shapes (10,000 rows; sigmoid on 50 and 100 units,
softmax on 10).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nncli import activations as A  # noqa: E402


def naive_functions() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """The textbook formulas; gelu's needs scipy's erf (numpy has none), and is left out without scipy."""
    try:
        from scipy.special import erf  # optional: nncli itself does not need scipy
    except ImportError:
        erf = None
    root2 = math.sqrt(2.0)  # a Python float: keeps float32 arrays float32 (a np.float64 would not)
    naive = {
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "tanh": lambda x: np.tanh(x),
        "relu": lambda x: np.maximum(0, x),
        "gelu": lambda x: 0.5 * x * (1 + erf(x / root2)),
        "softplus": lambda x: np.log(1 + np.exp(x)),
    }
    if erf is None:
        print("# scipy is not installed: gelu (whose naive formula needs scipy's erf) is left out")
        del naive["gelu"]
    return naive


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(contenders: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median seconds per call of each contender, calls interleaved round-robin."""
    for fn in contenders.values():  # warm-up (first-use imports, tables, page faults)
        fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(runs):
        for name, fn in contenders.items():
            times[name].append(timed(fn))
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=4096, help="the input is size x size (default 4096)")
    parser.add_argument("--runs", type=int, default=7, help="timed calls per contender (default 7)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--only", nargs="*", help="functions to time (default: all five)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((args.size, args.size)) * 3).astype(args.dtype)  # typical pre-activations
    n = x.size
    naive = naive_functions()
    names = args.only or list(naive)
    print(f"# {args.size}x{args.size} {args.dtype}, median of {args.runs} runs, ns per element "
          f"(numpy {np.__version__})")
    print(f"{'function':10s} {'naive':>8s} {'nncli':>8s} {'ratio':>6s} {'out=':>8s} {'ratio':>6s}")
    worst = 0.0
    for name in names:
        act = A.get(name)
        buf = np.empty_like(x)
        with np.errstate(all="ignore"):  # the naive formulas overflow (that is their problem)
            t = compare({
                "naive": lambda f=naive[name]: f(x),
                "nncli": lambda a=act: a(x),
                "out": lambda a=act: a(x, out=buf),
            }, args.runs)
        r1, r2 = t["nncli"] / t["naive"], t["out"] / t["naive"]
        worst = max(worst, r1)
        print(f"{name:10s} {t['naive'] / n * 1e9:8.2f} {t['nncli'] / n * 1e9:8.2f} {r1:6.2f} "
              f"{t['out'] / n * 1e9:8.2f} {r2:6.2f}")
    print(f"worst ratio (allocating): {worst:.2f}")

    # the MNIST forward pass's activations: 10,000 rows through 784-50-100-10
    print("\n# MNIST hot path shapes (10000 rows), float32, microseconds per call")
    print(f"{'call':26s} {'naive':>9s} {'nncli':>9s} {'out=':>9s}")
    sig, soft = A.get("sigmoid"), A.get("softmax")

    def naive_softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    for label, act, fn, width in (("sigmoid (10000, 50)", sig, naive["sigmoid"], 50),
                                  ("sigmoid (10000, 100)", sig, naive["sigmoid"], 100),
                                  ("softmax (10000, 10)", soft, naive_softmax, 10)):
        z = (rng.standard_normal((10000, width)) * 3).astype(np.float32)
        buf = np.empty_like(z)
        with np.errstate(all="ignore"):
            t = compare({"naive": lambda: fn(z), "nncli": lambda: act(z), "out": lambda: act(z, out=buf)},
                        max(args.runs, 21))
        print(f"{label:26s} {t['naive'] * 1e6:9.1f} {t['nncli'] * 1e6:9.1f} {t['out'] * 1e6:9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

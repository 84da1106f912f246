"""Whole-process time of `nncli evaluate` on MNIST against the book's per-row script.

Runs each command as a fresh process (interpreter start, imports, reading the gzip'ed IDX
files and the weights, the forward pass, printing), interleaved, and reports the medians.

    python benchmarks/bench_evaluate.py

Target (issue): nncli evaluate <= 0.25x the book's script.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from _common import IMAGES, LABELS, ROOT, machine_notes, mnist_config_dir


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    config = mnist_config_dir() / "mnist_book.yaml"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: nncli's modules come from cached .pyc files
    python = sys.executable
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import numpy'": [python, "-c", "import numpy"],
        "book per-row script": [python, str(ROOT / "benchmarks" / "book_neuralnet_mnist.py"),
                                str(IMAGES), str(LABELS), str(config.parent / "sample_weight.npz")],
        "nncli evaluate (table)": [python, "-m", "nncli", "evaluate", str(config), "-i", str(IMAGES), "-l", str(LABELS)],
        "nncli evaluate --format json": [python, "-m", "nncli", "evaluate", str(config), "-i", str(IMAGES),
                                         "-l", str(LABELS), "--format", "json"],
    }
    print(machine_notes())
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the file cache and .pyc files
        timed(command, env)
    for r in range(args.runs):
        names = list(commands)
        for name in names[r % len(names):] + names[: r % len(names)]:
            times[name].append(timed(commands[name], env))
    for name, samples in times.items():
        print(f"  {name:30s} median {statistics.median(samples) * 1e3:7.0f} ms  [{min(samples) * 1e3:.0f} .. "
              f"{max(samples) * 1e3:.0f}]")
    book = statistics.median(times["book per-row script"])
    for name in ("nncli evaluate (table)", "nncli evaluate --format json"):
        ratio = statistics.median(times[name]) / book
        best = min(times[name]) / min(times["book per-row script"])
        print(f"  {name} / book: {ratio:.2f}x (fastest runs {best:.2f}x)  {'PASS' if ratio <= 0.25 else 'FAIL'}"
              " (target <= 0.25x)")


if __name__ == "__main__":
    main()

"""Whole-process time of `nncli forward configs/three_layer.yaml --format json` against the
bare imports it cannot avoid (`python -c "import numpy, yaml, typer"`). Target: <= 1.15x.

Run it with the Python of an environment where nncli is installed the way users install it
(`pip install .`, not editable: an editable install adds a finder to every import):

    python -m venv /tmp/venv && /tmp/venv/bin/pip install . && /tmp/venv/bin/python benchmarks/bench_startup.py

The `nncli` script beside that Python is timed (else `python -m nncli`). The two commands
alternate so that machine noise hits both alike; medians are reported.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall time of the whole process, and its CPU time (user + system; less sensitive to
    other work on a shared machine)."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, cwd=ROOT)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (status {status})")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    beside = Path(sys.executable).with_name("nncli")
    exe = str(beside) if beside.exists() else shutil.which("nncli")
    nncli = [exe] if exe else [sys.executable, "-m", "nncli"]
    command = [*nncli, "forward", "configs/three_layer.yaml", "--format", "json"]
    reference = [sys.executable, "-c", "import numpy, yaml, typer"]
    for cmd in (command, reference):  # warm the file cache
        timed(cmd)
    ours, base = [], []
    for _ in range(args.runs):
        ours.append(timed(command))
        base.append(timed(reference))
    print(f"machine: {os.cpu_count()} cpus; runs: {args.runs}; nncli: {' '.join(nncli)}")
    for k, what in enumerate(("wall", "cpu")):
        m_ours = statistics.median(t[k] for t in ours)
        m_base = statistics.median(t[k] for t in base)
        print(f"{what}: import numpy, yaml, typer {m_base * 1000:7.1f} ms; nncli forward --format json "
              f"{m_ours * 1000:7.1f} ms; ratio {m_ours / m_base:.3f}x (target <= 1.15x)")


if __name__ == "__main__":
    main()

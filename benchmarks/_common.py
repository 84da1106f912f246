"""Helpers shared by the benchmarks: timing by interleaved rounds, machine notes, the MNIST data.

Benchmarks are run by hand (they are not tests): see benchmarks/README.md.
"""

from __future__ import annotations

import gzip
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
IMAGES = SHARED_DATA / "mnist" / "t10k-images-idx3-ubyte.gz"
LABELS = SHARED_DATA / "mnist" / "t10k-labels-idx1-ubyte.gz"
BOOK_NPZ = SHARED_DATA / "book-ch03" / "sample_weight.npz"

sys.path.insert(0, str(ROOT))


def machine_notes() -> str:
    """CPU, cores, load, BLAS and threading environment: what makes these figures move."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("OPENBLAS", "OMP_", "MKL_", "GOTO", "KMP_", "NVPL"))}
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    blas = "?"
    try:
        config = np.show_config(mode="dicts")  # type: ignore[call-arg]
        blas_info = config.get("Build Dependencies", {}).get("blas", {})
        blas = f"{blas_info.get('name', '?')} {blas_info.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - informative only
        pass
    return (
        f"python {platform.python_version()}, numpy {np.__version__} ({blas}), {cpu}, "
        f"{os.cpu_count()} logical CPUs, load average {tuple(round(x, 2) for x in load)}, "
        f"env {env or '{}'}"
    )


def mnist_images() -> np.ndarray:
    """The 10,000 MNIST test images as a (10000, 784) uint8 matrix."""
    raw = gzip.decompress(IMAGES.read_bytes())
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784)


def mnist_labels() -> np.ndarray:
    return np.frombuffer(gzip.decompress(LABELS.read_bytes()), np.uint8, offset=8)


def mnist_config_dir() -> Path:
    """A temporary directory holding configs/mnist_book.yaml and the book's weights (.npz)."""
    directory = Path(tempfile.mkdtemp(prefix="nncli-bench-"))
    shutil.copy(ROOT / "configs" / "mnist_book.yaml", directory / "mnist_book.yaml")
    shutil.copy(BOOK_NPZ, directory / "sample_weight.npz")
    return directory


def interleaved(candidates: dict[str, Callable[[], object]], rounds: int = 7, repeat: int = 15,
                warmup: int = 3, pause: float = 0.2) -> dict[str, list[float]]:
    """Seconds per call of each candidate: in every round each one runs ``warmup`` untimed and
    ``repeat`` timed calls (the round's median is kept), in a rotated order, with a pause
    between candidates so that threads spinning after one do not slow the next."""
    names = list(candidates)
    result: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            fn = candidates[name]
            for _ in range(warmup):
                fn()
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
            result[name].append(statistics.median(times))
            time.sleep(pause)
    return result


def summary(samples: list[float]) -> str:
    """median [min .. max] over rounds, in milliseconds."""
    ms = [s * 1e3 for s in samples]
    return f"{statistics.median(ms):8.2f} ms  [{min(ms):.2f} .. {max(ms):.2f}]"

"""Streaming 1,000,000 x 784 float32 rows from an .npy file through the book's MNIST network.

Each variant runs in a fresh process, so that its peak resident memory (VmHWM) is its own:

- nncli: open_inputs(...).batches(batch_size, reuse=True) -> Network.predict_batches(predicted=True),
  the path `nncli evaluate` takes (the config's divide_by 255 applied in the tile);
- baseline: the plain loop (np.load(mmap_mode="r"), 10,000 rows at a time, x / 255, the book's
  forward with its sigmoid/softmax, argmax).

The data are the 10,000 MNIST test images as float32 pixel values (0..255), repeated 100 times
(3.1 GB; written once to --dir and reused). Run by hand:

    python benchmarks/bench_stream.py --dir /tmp/nncli-bench-data

Target (issue): >= 400k rows/s with peak RSS <= 150 MiB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
from _common import ROOT, machine_notes, mnist_config_dir, mnist_images

ROWS = 1_000_000

NNCLI = r"""
import json, sys, time
{hwm}
sys.path.insert(0, {root!r})
import numpy as np
from nncli.data import open_inputs
from nncli.network import load_network
net = load_network({config!r})
start = time.perf_counter()
counts = np.zeros(10, np.int64)
rows = 0
with open_inputs({data!r}) as source:
    source.check_width(net.input_size, net.name)
    for chunk in net.predict_batches(source.batches({batch}, reuse=True), predicted=True):
        counts += np.bincount([k for k in chunk.predicted.tolist() if k is not None], minlength=10)
        rows += chunk.Y.shape[0]
elapsed = time.perf_counter() - start
print(json.dumps({{"rows": rows, "seconds": elapsed, "maxrss_kib": hwm(),
                  "counts": counts.tolist()}}))
"""

BASELINE = r"""
import json, sys, time
{hwm}
import numpy as np
w = dict(np.load({weights!r}))
def sigmoid(x): return 1 / (1 + np.exp(-x))
def softmax(x):
    c = np.max(x, axis=-1, keepdims=True); e = np.exp(x - c); return e / np.sum(e, axis=-1, keepdims=True)
start = time.perf_counter()
X = np.load({data!r}, mmap_mode="r")
counts = np.zeros(10, np.int64)
rows = 0
with np.errstate(over="ignore"):
    for i in range(0, X.shape[0], 10000):
        x = X[i : i + 10000] / np.float32(255)
        y = softmax(sigmoid(sigmoid(x @ w["W1"] + w["b1"]) @ w["W2"] + w["b2"]) @ w["W3"] + w["b3"])
        counts += np.bincount(np.argmax(y, axis=1), minlength=10)
        rows += x.shape[0]
elapsed = time.perf_counter() - start
print(json.dumps({{"rows": rows, "seconds": elapsed, "maxrss_kib": hwm(),
                  "counts": counts.tolist()}}))
"""

IDLE = r"""
import json, sys
{hwm}
sys.path.insert(0, {root!r})
import numpy as np
from nncli.data import open_inputs
from nncli.network import load_network
load_network({config!r})
print(json.dumps({{"rows": 0, "seconds": 0, "maxrss_kib": hwm(), "counts": []}}))
"""


# Peak resident memory of this process image: VmHWM (ru_maxrss would include the parent's
# peak, which a child inherits across fork and exec).
HWM = """
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""


def make_data(directory: Path) -> Path:
    path = directory / "mnist_x100_float32.npy"
    if path.exists() and path.stat().st_size >= ROWS * 784 * 4:
        return path
    directory.mkdir(parents=True, exist_ok=True)
    images = mnist_images().astype(np.float32)  # (10000, 784) pixel values 0..255
    out = np.lib.format.open_memmap(path.with_suffix(".part"), mode="w+", dtype=np.float32, shape=(ROWS, 784))
    for i in range(0, ROWS, images.shape[0]):
        out[i : i + images.shape[0]] = images
    out.flush()
    del out
    path.with_suffix(".part").rename(path)
    return path


def run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/nncli-bench-data"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=None, help="default: nncli.data.DEFAULT_BATCH_SIZE")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from nncli.data import DEFAULT_BATCH_SIZE

    batch = args.batch_size or DEFAULT_BATCH_SIZE
    data = make_data(args.dir)
    config = mnist_config_dir()
    fields = {"root": str(ROOT), "config": str(config / "mnist_book.yaml"), "data": str(data), "batch": batch,
              "weights": str(config / "sample_weight.npz"), "hwm": HWM}
    print(machine_notes())
    print(f"{data} ({data.stat().st_size / 2**30:.2f} GiB, warm page cache after the first run), batch {batch}")
    idle = run(IDLE.format(**fields))
    print(f"  python + numpy + nncli loaded, nothing read: peak RSS {idle['maxrss_kib'] / 1024:.0f} MiB")
    results: dict[str, list[dict]] = {"nncli": [], "baseline": []}
    run(NNCLI.format(**fields))  # warm the page cache
    for _ in range(args.runs):
        results["nncli"].append(run(NNCLI.format(**fields)))
        results["baseline"].append(run(BASELINE.format(**fields)))
    assert results["nncli"][0]["counts"] == results["baseline"][0]["counts"], "the two loops disagree"
    for name, runs in results.items():
        rates = [r["rows"] / r["seconds"] for r in runs]
        rss = max(r["maxrss_kib"] for r in runs) / 1024
        print(f"  {name:9s} median {statistics.median(rates) / 1e3:6.0f}k rows/s  [{min(rates) / 1e3:.0f}k .. "
              f"{max(rates) / 1e3:.0f}k]  peak RSS {rss:.0f} MiB  ({runs[0]['rows']} rows)")
    rate = statistics.median(r["rows"] / r["seconds"] for r in results["nncli"])
    rss = max(r["maxrss_kib"] for r in results["nncli"]) / 1024
    ok = rate >= 400_000 and rss <= 150
    print(f"  nncli: {'PASS' if ok else 'FAIL'} (target >= 400k rows/s and peak RSS <= 150 MiB)")


if __name__ == "__main__":
    main()

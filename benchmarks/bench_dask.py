"""One process against ``--dask local:1`` and ``local:2``: 1,000,000 x 784 float32 rows in 10 .npy
shards through the book's MNIST network, outputs written to one .npy (``nncli forward -i DIR -o
out.npy``, the workers filling their rows of it in place).

Each variant runs in a fresh process, ``rounds`` times, in rotated order:

- single: ``nncli.data.open_inputs(DIR)`` -> ``Network.predict_batches`` -> rows of a .npy memory
  map (what ``nncli forward -o out.npy`` does), timed from the first row read to the last written;
- local:N: ``nncli.distributed.connect("local:N")``, then ``forward_to_npy``, timed the same way
  (the cluster's start-up is reported apart: it is paid once per command).

Also reported: whole-process time of the command line itself for each, and peak resident memory
(VmHWM) of the single process, of the client and of each worker. The data (3.1 GB: the 10,000
MNIST test images as float32 pixel values, repeated 100 times) are written once to --dir.

    python benchmarks/bench_dask.py --dir /tmp/nncli-dask-bench --rounds 5

Target (issue 11): on 2 cores, local:2 >= 0.75x the single process's rows/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _common import ROOT, machine_notes, mnist_config_dir, mnist_images

ROWS = 1_000_000
SHARDS = 10

HWM = r"""
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1])
"""

SINGLE = r"""
import json, sys, time
sys.path.insert(0, {root!r})
{hwm}
import numpy as np
from nncli.data import open_inputs
from nncli.network import load_network
net = load_network({config!r})
start = time.perf_counter()
with open_inputs({data!r}) as source:
    out = np.lib.format.open_memmap({out!r}, mode="w+", dtype=net.dtype, shape=(source.n_rows, net.output_size))
    for chunk in net.predict_batches(source.batches(8192, reuse=True)):
        out[chunk.start : chunk.start + chunk.Y.shape[0]] = chunk.Y
    out.flush()
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "hwm_kib": hwm()}}))
"""

CLUSTER = r"""
import json, os, sys, time
sys.path.insert(0, {root!r})
{hwm}
from pathlib import Path
from nncli import distributed as dist
from nncli.data import open_inputs
from nncli.network import load_network
net = load_network({config!r})
t0 = time.perf_counter()
with dist.connect({address!r}, 30) as client, open_inputs({data!r}) as source:
    client.run(lambda: None)
    up = time.perf_counter() - t0
    start = time.perf_counter()
    plan = dist.make_plan(source, {data!r}, None, None, None, net.tile_rows, dist.worker_count(client))
    dist.forward_to_npy(client, net, plan, dist.npy_targets(plan, Path({out!r}), False), 8192)
    elapsed = time.perf_counter() - start
    workers = sorted(client.run(hwm).values())
    chunks = len(plan.chunks())
print(json.dumps({{"seconds": elapsed, "startup": up, "hwm_kib": hwm(), "workers_kib": workers, "chunks": chunks}}))
"""


def make_data(directory: Path) -> Path:
    """10 shards of 100,000 rows each in directory/shards (written once)."""
    shards = directory / "shards"
    if len(list(shards.glob("*.npy"))) == SHARDS:
        return shards
    shards.mkdir(parents=True, exist_ok=True)
    images = mnist_images().astype(np.float32)
    per = ROWS // SHARDS
    for k in range(SHARDS):
        np.save(shards / f"part-{k:02d}.npy", np.tile(images, (per // images.shape[0], 1)))
    return shards


def run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def whole_process(config: Path, data: Path, out: Path, extra: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nncli", "forward", str(config), "-i", str(data), "-o", str(out), *extra],
                   check=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/nncli-dask-bench"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = make_data(args.dir)
    config = mnist_config_dir() / "mnist_book.yaml"
    out = args.dir / "out.npy"
    common = {"root": str(ROOT), "hwm": HWM, "config": str(config), "data": str(data), "out": str(out)}
    codes = {"single": SINGLE.format(**common)}
    for address in ("local:1", "local:2"):
        codes[address] = CLUSTER.format(address=address, **common)
    results: dict[str, list[dict]] = {name: [] for name in codes}
    wall: dict[str, list[float]] = {name: [] for name in codes}
    names = list(codes)
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            results[name].append(run(codes[name]))
            extra = [] if name == "single" else ["--dask", name]
            wall[name].append(whole_process(config, data, out, extra))
    print(machine_notes())
    base = statistics.median(ROWS / x["seconds"] for x in results["single"])
    for name in names:
        rate = statistics.median(ROWS / x["seconds"] for x in results[name])
        line = (f"{name:8s} {rate / 1e3:7.0f}k rows/s ({rate / base:.2f}x single)  "
                f"whole command {statistics.median(wall[name]):.2f} s  peak {max(x['hwm_kib'] for x in results[name]) / 1024:.0f} MiB")
        if name != "single":
            workers = max(max(x["workers_kib"]) for x in results[name]) / 1024
            line += (f" (client), {workers:.0f} MiB per worker at most, start-up "
                     f"{statistics.median(x['startup'] for x in results[name]):.2f} s, {results[name][0]['chunks']} chunks")
        print(line)
    print("rounds:", json.dumps({name: [round(ROWS / x["seconds"]) for x in results[name]] for name in names}))


if __name__ == "__main__":
    main()

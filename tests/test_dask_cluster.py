"""forward and evaluate --dask on real clusters: a LocalCluster of worker processes, and a scheduler and
workers started with the ``dask`` command line; every answer bit for bit the single process's.

Both clusters listen on 127.0.0.1 only, without dashboards, are shared by the tests of this
module and stopped by the fixture that started them.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from nncli import load_network  # noqa: E402 (after the skip: these tests need distributed)
from nncli import distributed as nncli_dask  # noqa: E402
from nncli.data import open_inputs  # noqa: E402
from tests.conftest import CONFIGS, ROOT, SHARED_DATA  # noqa: E402

WEIGHTS = SHARED_DATA / "book-ch03" / "sample_weight.npz"
MNIST = SHARED_DATA / "mnist"
ROWS = 24_000
CUTS = [0, 5_000, 5_001, 13_337, ROWS]  # shard boundaries, none a multiple of the tile rows
pytestmark = pytest.mark.skipif(not WEIGHTS.exists(), reason="needs the book's weights in ../shared/data")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The book's MNIST network (float32) and ROWS random pixel rows: whole.npy, and shards in parts/."""
    tmp = tmp_path_factory.mktemp("dask")
    shutil.copy(CONFIGS / "mnist_book.yaml", tmp)
    shutil.copy(WEIGHTS, tmp)
    rng = np.random.default_rng(11)
    X = rng.integers(0, 256, size=(ROWS, 784)).astype(np.float32)
    np.save(tmp / "whole.npy", X)
    (tmp / "parts").mkdir()
    for i, (a, b) in enumerate(zip(CUTS, CUTS[1:])):
        np.save(tmp / "parts" / f"part-{i}.npy", X[a:b])
    labels = rng.integers(0, 10, size=ROWS)
    np.save(tmp / "labels.npy", labels)
    return tmp


@pytest.fixture(scope="module")
def local_cluster():
    """A LocalCluster of 2 worker processes, one thread each; yields its scheduler address."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None, silence_logs=50,
                                       scheduler_kwargs=nncli_dask.NO_DASHBOARD)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close(timeout=20)


@pytest.fixture(scope="module")
def cli_cluster(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker`` processes (nanny-managed, one thread each)."""
    tmp = tmp_path_factory.mktemp("scheduler")
    info = tmp / "scheduler.json"
    dask = [sys.executable, "-m", "dask", "scheduler"]  # the `dask` command line, with this interpreter
    logs = open(tmp / "log.txt", "wb")
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--dashboard-address", "127.0.0.1:0", "--scheduler-file",
                               str(info)], stdout=logs, stderr=logs, env=_env(), start_new_session=True)]
    try:
        deadline = time.monotonic() + 30
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written at once, but let it be complete
        address = json.loads(info.read_text())["address"]
        worker = [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--no-dashboard",
                  "--host", "127.0.0.1", "--death-timeout", "30"]
        procs += [subprocess.Popen(worker, stdout=logs, stderr=logs, env=_env(), start_new_session=True)
                  for _ in range(2)]
        with distributed.Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=30)
        yield address
    finally:
        for proc in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        logs.close()


def _same(cli, one: list, many: list) -> bytes:
    """Run nncli with the arguments ``one`` (a single process) and ``many`` (--dask ...); both must
    succeed and print the same bytes, which are returned."""
    single = cli(*one)
    spread = cli(*many)
    assert single.exit_code == 0, single.stderr
    assert spread.exit_code == 0, spread.stderr
    assert spread.stdout_bytes == single.stdout_bytes
    return single.stdout_bytes


@pytest.mark.parametrize("fmt, rows", [("jsonl", "4000:21000"), ("csv", None), ("npy", "5000:5002")])
def test_forward_streams_equal_single_process(cli, data, local_cluster, fmt, rows):
    config = data / "mnist_book.yaml"
    selection = ["--rows", rows] if rows else []
    out = _same(cli, ["forward", config, "-i", data / "whole.npy", "-f", fmt, *selection],
                ["forward", config, "-i", str(data / "parts" / "*.npy"), "-f", fmt, *selection, "--dask", local_cluster])
    assert len(out) > 100


def test_forward_json_no_layers(cli, data, local_cluster):
    config = data / "mnist_book.yaml"
    _same(cli, ["forward", config, "-i", data / "whole.npy", "--rows", "0:2000", "-f", "json", "--no-layers"],
          ["forward", config, "-i", data / "parts", "--rows", "0:2000", "-f", "json", "--no-layers", "--dask",
           local_cluster])


def test_workers_write_npy_file_and_one_file_per_shard(cli, data, cli_cluster, tmp_path):
    config = data / "mnist_book.yaml"
    assert cli("forward", config, "-i", data / "whole.npy", "--rows", "100:20000", "-o", tmp_path / "one.npy").exit_code == 0
    res = cli("forward", config, "-i", data / "parts", "--rows", "100:20000", "-o", tmp_path / "spread.npy",
              "--dask", cli_cluster)
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "spread.npy").read_bytes() == (tmp_path / "one.npy").read_bytes()
    (tmp_path / "out").mkdir()
    res = cli("forward", config, "-i", data / "parts", "--rows", "100:20000", "-o", tmp_path / "out", "--dask", cli_cluster)
    assert res.exit_code == 0, res.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["part-0.npy", "part-1.npy", "part-2.npy", "part-3.npy"]  # part-3 holds rows up to 20000
    whole = np.load(tmp_path / "one.npy")
    assert np.array_equal(np.concatenate([np.load(tmp_path / "out" / n) for n in names]), whole)
    assert np.load(tmp_path / "out" / "part-0.npy").shape == (4_900, 10)


def test_evaluate_json_equals_single_process(cli, data, cli_cluster):
    config = data / "mnist_book.yaml"
    args = ["evaluate", config, "-i", data / "parts", "-l", data / "labels.npy", "-f", "json", "--rows", "7:23000",
            "--top-k", "3", "--misclassified", "5"]
    out = _same(cli, args, [*args, "--dask", cli_cluster])  # the loss too, a float sum: added in the same order
    document = json.loads(out)
    assert document["samples"] == 22_993 and document["loss"] > 0 and len(document["misclassified"]) == 5


@pytest.mark.skipif(not (MNIST / "t10k-images-idx3-ubyte.gz").exists(), reason="needs MNIST in ../shared/data")
def test_evaluate_mnist_from_gzipped_idx(cli, data, local_cluster):
    args = ["evaluate", data / "mnist_book.yaml", "-i", MNIST / "t10k-images-idx3-ubyte.gz",
            "-l", MNIST / "t10k-labels-idx1-ubyte.gz", "-f", "json"]
    out = _same(cli, args, [*args, "--dask", local_cluster])
    assert json.loads(out)["accuracy"] == 0.9352


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_is_one_line_after_the_timeout(cli, data):
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.monotonic()
    res = cli("forward", data / "mnist_book.yaml", "-i", data / "whole.npy", "-f", "csv", "--dask", address,
              "--dask-timeout", "1")
    assert res.exit_code == 1 and time.monotonic() - start < 15
    assert res.stderr == f"Error: cannot reach the Dask scheduler at {address} within 1 s (--dask-timeout)\n"


@pytest.mark.parametrize("extra, message", [
    (["-f", "table"], "--dask writes jsonl, csv or npy"),
    (["-f", "csv", "--stats"], "--stats does not run on --dask"),
    (["-f", "csv", "--dask-timeout", "1", "--dask", "local:x"], "local:N needs a whole number"),
    (["-f", "csv", "--dask", "somewhere"], "expected local, local:N or a scheduler address"),
])
def test_what_does_not_fit_a_cluster(cli, data, extra, message):
    res = cli("forward", data / "mnist_book.yaml", "-i", data / "whole.npy", "--dask", "tcp://127.0.0.1:1", *extra)
    assert res.exit_code == 1 and message in res.stderr and res.stderr.count("\n") == 1


def test_text_input_is_refused(cli, data, local_cluster, tmp_path):
    (tmp_path / "x.csv").write_text("1,2\n")
    res = cli("forward", CONFIGS / "three_layer.yaml", "-i", tmp_path / "x.csv", "-f", "csv", "--dask", local_cluster)
    assert res.exit_code == 1 and "rows can be found by number" in res.stderr


def test_ctrl_c_stops_the_cluster_and_leaves_no_output(data, tmp_path):
    """``--dask local:2`` starts its own cluster; Ctrl-C stops it, and no -o file is left."""
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "out.npy"
    # 3 copies of the shards: enough rows that the run is still going when Ctrl-C comes
    for k in range(3):
        for part in (data / "parts").iterdir():
            os.symlink(part, tmp_path / f"{k}-{part.name}")
    proc = subprocess.Popen([sys.executable, "-m", "nncli", "forward", str(data / "mnist_book.yaml"), "-i",
                             str(tmp_path / "*.npy"), "-o", str(out), "--dask", "local:2"],
                            stderr=subprocess.PIPE, env=_env(), start_new_session=True)
    try:
        deadline = time.monotonic() + 40
        while not glob.glob(str(tmp_path / ".out.npy.*.part")) and time.monotonic() < deadline:
            time.sleep(0.05)
        children = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the whole process group
        stderr = proc.communicate(timeout=40)[1].decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130 and stderr == "Error: interrupted\n", stderr
    assert not out.exists() and not glob.glob(str(tmp_path / ".out.npy.*"))
    assert len(children) >= 2
    psutil.wait_procs(children, timeout=10)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def test_a_worker_killed_mid_run_changes_nothing(data, cli_cluster):
    """Kill one worker process (its nanny starts another) after the first chunk is done: the
    scheduler reruns what it held or was running, and the outputs are the single process's."""
    network = load_network(data / "mnist_book.yaml")
    expected = network.predict(np.load(data / "whole.npy"))
    with distributed.Client(cli_cluster, timeout=30, set_as_default=False) as client, \
            open_inputs(data / "parts") as source:
        pids = client.run(os.getpid)
        plan = nncli_dask.make_plan(source, str(data / "parts"), None, None, None, network.tile_rows, 2)
        plan = nncli_dask.Plan(plan.shards, None, None, 0, ROWS, network.tile_rows)  # 16 chunks
        killed = []

        def progress(done: int) -> None:
            if not killed:
                victim = next(iter(pids.values()))
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        chunks = list(nncli_dask.forward_chunks(client, network, plan, 4096, progress))
        assert killed
        client.wait_for_workers(2, timeout=30)
        assert set(client.run(os.getpid).values()) != set(pids.values())  # a new worker process
    assert np.array_equal(np.concatenate([c.Y for c in chunks]), expected)


def test_per_shard_output_never_replaces_an_input(cli, data, local_cluster):
    res = cli("forward", data / "mnist_book.yaml", "-i", data / "parts", "-o", data / "parts", "--dask", local_cluster)
    assert res.exit_code == 1 and "the output would replace it" in res.stderr
    res = cli("forward", data / "mnist_book.yaml", "-i", str(data / "parts" / "*.npy"), "-o", data / "parts",
              "--dask", local_cluster)
    assert res.exit_code == 1 and "part-0.npy is an input shard: the output would replace it" in res.stderr
    assert not glob.glob(str(data / "parts" / ".*.part"))


def test_a_bad_row_found_by_a_worker_is_the_single_process_error(cli, data, local_cluster, tmp_path):
    X = np.zeros((4000, 784))
    X[3001, 3] = 1e300  # does not fit the network's float32
    np.save(tmp_path / "bad.npy", X)
    spread = cli("forward", data / "mnist_book.yaml", "-i", tmp_path / "bad.npy", "-f", "csv", "--dask", local_cluster)
    assert spread.exit_code == 1  # the single process's message (not run here: it leaves the file to the GC)
    assert spread.stderr == f"Error: {tmp_path / 'bad.npy'}: input row 3001, value 4: 1e+300 does not fit in float32 " \
                            "(largest 3.403e+38)\n"

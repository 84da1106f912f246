"""Output to devices and pipes, write errors, signals, outputs that would overwrite inputs,
paths checked before computing, start-up interrupts, one number grammar for configs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading

import pytest

from nncli.outfile import atomic_output
from tests.conftest import CONFIGS, ROOT

THREE = CONFIGS / "three_layer.yaml"


# -o onto a device or a FIFO writes into it; it never becomes a regular file.

def test_output_into_fifo_keeps_the_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    with atomic_output(fifo, "w") as handle:
        handle.write("a,b\n1,2\n")
    reader.join(timeout=10)
    assert received == [b"a,b\n1,2\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert not list(tmp_path.glob(".*.part"))


def test_output_into_dev_null_keeps_the_device():
    before = os.stat(os.devnull)
    assert stat.S_ISCHR(before.st_mode)
    with atomic_output(os.devnull, "wb") as handle:
        handle.write(b"nothing\n")
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_forward_into_fifo(cli, tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("forward", THREE, "-x", "1,0.5", "-f", "csv", "-o", fifo)
    reader.join(timeout=10)
    assert result.exit_code == 0, result.stderr
    assert received and received[0].count(b"\n") == 2
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


# Output that cannot be written (a full disk, /dev/full): one line, exit 1, no traceback.

def _run_into(target: str, *args) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "NO_COLOR": "1"}
    with open(target, "w") as stdout:
        return subprocess.run([sys.executable, "-m", "nncli", *map(str, args)], stdout=stdout,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, env=environment, timeout=120)


FULL_CASES = {
    "table": ["forward", THREE],
    "json": ["forward", THREE, "-f", "json"],
    "activations": ["activations"],
    "--help": ["--help"],
    "--version": ["--version"],
    "-o /dev/full": ["forward", THREE, "-f", "csv", "-o", "/dev/full"],
}


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", FULL_CASES.values(), ids=FULL_CASES.keys())
def test_output_to_full_device_is_one_line(args):
    result = _run_into("/dev/full", *args)
    assert result.returncode == 1
    assert result.stderr == "Error: writing output: No space left on device\n"

"""Output to devices and pipes, write errors, signals, outputs that would overwrite inputs,
paths checked before computing, start-up interrupts, one number grammar for configs."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from nncli.outfile import atomic_output
from tests.conftest import CONFIGS

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

"""A closed pipe (``nncli ... | head``) ends every command quietly with exit 141, as SIGPIPE would.

Each case runs ``python -m nncli`` with stdout on a pipe whose reader is already closed, so the
first write fails with EPIPE whatever the size of the output (no race with the reader); one
case goes through a real ``bash -o pipefail`` pipeline into ``head -c1``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import CONFIGS, ROOT

THREE = CONFIGS / "three_layer.yaml"
IRIS = CONFIGS / "iris_softmax.yaml"


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "NO_COLOR": "1"}


def run_into_closed_pipe(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    """``nncli ARGS`` with stdout a pipe nobody reads any more."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "nncli", *map(str, args)], stdout=write_end,
                              stderr=subprocess.PIPE, cwd=cwd, env=_environment(), timeout=120)
    finally:
        os.close(write_end)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipes")
    (folder / "x.csv").write_text("5.1,3.5,1.4,0.2\n6.3,3.3,6.0,2.5\n")
    (folder / "y.csv").write_text("0\n2\n")
    return folder


COMMANDS = {
    "forward table": ["forward", THREE],
    "forward --explain": ["forward", THREE, "--explain"],
    "forward --stats": ["forward", THREE, "--stats"],
    "forward json": ["forward", THREE, "-f", "json"],
    "forward jsonl": ["forward", THREE, "-f", "jsonl"],
    "forward csv": ["forward", THREE, "-f", "csv"],
    "forward npy": ["forward", THREE, "-f", "npy"],
    "forward --show-weights --top-k": ["forward", THREE, "--show-weights", "--top-k", "2"],
    "validate": ["validate", THREE],
    "activations": ["activations"],
    "activations --at": ["activations", "sigmoid", "--at", "0,1"],
    "activations --plot": ["activations", "sigmoid", "relu", "--plot"],
    "softmax": ["softmax", "1", "2", "3"],
    "softmax json": ["softmax", "1", "2", "3", "--format", "json"],
    "softmax --demo-overflow": ["softmax", "--demo-overflow"],
    "--help": ["--help"],
    "forward --help": ["forward", "--help"],
    "--version": ["--version"],
    "no arguments (help)": [],
}


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_closed_pipe_exits_141_quietly(args):
    proc = run_into_closed_pipe(*args)
    assert (proc.returncode, proc.stderr.decode()) == (141, "")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_evaluate_into_closed_pipe(files, fmt):
    proc = run_into_closed_pipe("evaluate", IRIS, "-i", files / "x.csv", "-l", files / "y.csv", "-f", fmt)
    assert (proc.returncode, proc.stderr.decode()) == (141, "")


def test_export_and_import_messages_into_closed_pipe(files):
    onnx = pytest.importorskip("onnx")
    assert onnx
    proc = run_into_closed_pipe("export", THREE, "-o", files / "t.onnx")
    assert (proc.returncode, proc.stderr.decode()) == (141, "")
    assert (files / "t.onnx").exists()  # the file is written before the message that failed
    proc = run_into_closed_pipe("import", files / "t.onnx", "-o", files / "t.yaml")
    assert (proc.returncode, proc.stderr.decode()) == (141, "")


def test_init_message_into_closed_pipe(files):
    proc = run_into_closed_pipe("init", "2,3,2", "-o", files / "new.yaml")
    assert (proc.returncode, proc.stderr.decode()) == (141, "")


def test_errors_still_exit_1_with_their_message():
    proc = run_into_closed_pipe("forward", "missing.yaml")
    assert proc.returncode == 1
    assert proc.stderr.decode() == "Error: missing.yaml: config file not found\n"


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_real_pipeline_into_head_under_pipefail(files, fmt):
    # far more than a pipe holds, so the writer meets the closed pipe whatever the timing
    np.save(files / "many.npy", np.ones((50_000, 4)))
    command = f'"{sys.executable}" -m nncli forward {IRIS} -i {files / "many.npy"} -f {fmt} --rows 0:50000 | head -c1'
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, cwd=ROOT,
                          env=_environment(), timeout=120)
    assert (proc.returncode, proc.stderr.decode(), len(proc.stdout)) == (141, "", 1)

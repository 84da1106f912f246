"""Hostile input and weights files (issue 9, items 1 and 3): devices, deep JSON, numbers beyond
float64, and array headers that declare more data than the file holds or than nncli's limits.

Each is refused with exit 1 and one line naming the file (and line, where there is one),
before anything is allocated; nncli_process's 120 s timeout is what catches a hang.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile

import numpy as np
import pytest

from nncli.data import open_inputs
from nncli.data.binary import MAX_ARRAY_BYTES, check_zip_member
from nncli.data.text import MAX_JSON_DEPTH
from nncli.errors import InputError
from nncli.weights import MAX_WEIGHTS_BYTES

NET = "configs/three_layer.yaml"
dev_zero = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def one_error(result) -> str:
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --- devices and pipes ------------------------------------------------------------------


@dev_zero
@pytest.mark.parametrize("fmt, message", [
    (None, "/dev/zero: binary data in no format nncli knows; choose one with --input-format"),
    ("csv", "/dev/zero:1: line longer than 16 MiB (the limit); is this a text file?"),
    ("jsonl", "/dev/zero:1: line longer than 16 MiB (the limit); is this a text file?"),
    ("json", "/dev/zero: a .json document over 64 MiB (the limit; it is read whole): use JSON Lines, CSV or .npy, which are streamed"),
    ("npy", "/dev/zero: not a .npy file"),
    ("idx", "/dev/zero: wrong magic number 0x00000000 for an IDX file"),
])
def test_a_device_is_streamed_under_the_limits(fmt, message, nncli_process):
    args = ["--input-format", fmt] if fmt else []
    assert one_error(nncli_process("forward", NET, "-i", "/dev/zero", *args)).startswith(f"Error: {message}")


def test_stdin_pipes_still_work(nncli_process):
    result = nncli_process("forward", NET, "-i", "-", "-f", "csv", input="1.0,0.5\n")
    assert result.exit_code == 0 and result.stdout.startswith("y0,y1,predicted\n0.316827")


def test_an_empty_regular_file_is_still_empty(write, nncli_process):
    path = write("empty.csv", "")
    assert one_error(nncli_process("forward", NET, "-i", path)) == f"Error: {path}: empty file"


# --- JSON: depth and numbers beyond float64 ----------------------------------------------


@pytest.mark.parametrize("name, text, where", [
    ("deep.json", "[" * 100_000, ":1:65:"),
    ("deep.jsonl", "[1, 2]\n" + "[" * 100_000 + "\n", ":2:65:"),
    ("deepobj.json", '{"x": ' * 1000, ":1:"),
    ("nested.json", '[\n  "[[[[",\n' + "[" * 70, ":3:64:"),
])
def test_deep_json_names_the_line(name, text, where, write, nncli_process):
    path = write(name, text)
    error = one_error(nncli_process("forward", NET, "-i", path))
    assert error.startswith(f"Error: {path}{where}") and f"JSON nested more than {MAX_JSON_DEPTH} levels deep" in error
    assert "RecursionError" not in error


@pytest.mark.parametrize("name, text, message", [
    ("big.jsonl", "[1, 0.5]\n[1e400, 1]\n",
     ":2: value 1 of the row is 1e400, too large for float64 (largest finite 1.7976931348623157e+308); write \"inf\" if you mean infinity"),
    ("big.json", "[[1, 0.5], [1, -1e309]]", ": value 2 of the row 1 is -1e309, too large for float64"),
    ("int.jsonl", "[1, " + "9" * 400 + "]\n", ":1: value 2 of the row is 999999999999999999999999999999..., too large"),
    ("obj.jsonl", '{"x": [2e308, 1]}\n', ":1: value 1 of the row is 2e308, too large"),
])
def test_json_numbers_beyond_float64_are_refused_as_in_csv(name, text, message, write, nncli_process):
    path = write(name, text)
    args = ["--key", "x"] if name.startswith("obj") else []
    assert one_error(nncli_process("forward", NET, "-i", path, *args)).startswith(f"Error: {path}{message}")


def test_json_infinity_written_as_such_is_a_value(write):
    path = write("inf.jsonl", '[1, "inf"]\n[Infinity, -1e308]\n')
    with open_inputs(path) as source:
        assert source.read_all().tolist() == [[1.0, np.inf], [np.inf, -1e308]]


def test_csv_and_json_give_the_same_rule(write, nncli_process):
    csv = one_error(nncli_process("forward", NET, "-i", write("big.csv", "1,0.5\n1e400,1\n")))
    assert "1e400 is too large for float64" in csv and ":2:1:" in csv


def test_float32_overflow_names_the_row_for_binary_inputs(tmp_path, write, nncli_process):
    path = tmp_path / "x.npy"
    np.save(path, np.array([[1.0, 0.5], [1e300, 1.0]]))
    error = one_error(nncli_process("forward", NET, "-i", path, "--dtype", "float32"))
    assert error == f"Error: {path}: input row 1, value 1: 1e+300 does not fit in float32 (largest 3.403e+38)"


# --- array headers ------------------------------------------------------------------------


def test_npy_header_larger_than_the_file(tmp_path, nncli_process):
    path = tmp_path / "big.npy"
    path.write_bytes(npy_header((200_000, 200_000)) + bytes(16))
    error = one_error(nncli_process("forward", NET, "-i", path))
    assert "truncated .npy file: its header promises shape (200000, 200000) of float64" in error
    assert error.endswith("but the file has 144 bytes")


def test_npy_header_over_the_limit_from_a_pipe(nncli_process):
    data = npy_header((200_000, 200_000)) + bytes(16)
    error = one_error(nncli_process("forward", NET, "-i", "-", input=data))
    assert error.startswith("Error: <stdin>: its header declares shape (200000, 200000) of float64, 320000000000 bytes (298 GiB), over nncli's limit")


def test_a_row_over_the_limit_is_refused(nncli_process):
    data = npy_header((2, 100_000_000)) + bytes(16)
    error = one_error(nncli_process("forward", NET, "-i", "-", input=data))
    assert "a row of 100000000 values takes 800000000 bytes (763 MiB), over nncli's limit" in error


def test_idx_header_larger_than_the_file(tmp_path, nncli_process):
    path = tmp_path / "images.idx"
    path.write_bytes(bytes([0, 0, 8, 2]) + struct.pack(">II", 200_000, 200_000) + bytes(16))
    assert "truncated IDX file: its header promises 200000 x 200000 values" in one_error(nncli_process("forward", NET, "-i", path))


def test_gzipped_idx_header_over_the_limit(tmp_path, nncli_process):
    import gzip
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + struct.pack(">III", 200_000, 200_000, 2) + bytes(16)))
    error = one_error(nncli_process("forward", NET, "-i", path))
    assert f"its header declares 200000 x 200000 x 2 values of uint8, 80000000000 bytes (74.5 GiB), over nncli's limit of {MAX_ARRAY_BYTES} bytes" in error


def test_npz_member_header_larger_than_the_member(tmp_path, nncli_process):
    path = tmp_path / "lie.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", npy_header((200_000, 200_000)) + bytes(64))
    error = one_error(nncli_process("forward", NET, "-i", path))
    assert error.startswith(f"Error: {path}[x]: truncated .npz member: its header promises shape (200000, 200000)")
    assert error.endswith("but the member has 192 bytes")


def test_a_zip_directory_claiming_more_than_deflate_can_expand():
    info = zipfile.ZipInfo("x.npy")
    info.compress_type, info.compress_size, info.file_size = zipfile.ZIP_DEFLATED, 100, 10**9
    with pytest.raises(InputError, match=r"^a.npz\[x\]: the zip directory declares 1000000000 bytes .* uncompressed, "
                                         r"more than its 100 bytes of compressed data can hold"):
        check_zip_member("a.npz[x]", info)


# --- weights files named by a config -----------------------------------------------------


def weights_config(write, reference: str) -> str:
    return write("net.yaml", f"layers:\n  - activation: sigmoid\n    weights: {reference}\n    bias: [0.1]\n")


def test_weights_npy_header_larger_than_the_file(tmp_path, write, nncli_process):
    (tmp_path / "w.npy").write_bytes(npy_header((200_000, 200_000)) + bytes(16))
    config = weights_config(write, "{file: w.npy}")
    for command in ("validate", "forward"):
        error = one_error(nncli_process(command, config))
        assert error.startswith(f"Error: {config}:3:21: w.npy: truncated .npy file: its header promises shape (200000, 200000)")


def test_weights_npz_member_over_the_limit(tmp_path, write, nncli_process):
    rows = MAX_WEIGHTS_BYTES // 8 // 1000 + 1
    with zipfile.ZipFile(tmp_path / "w.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("W1.npy", "w") as member:  # a real zip bomb: 2 MiB of zeros per KiB
            member.write(npy_header((rows, 1000)))
            for _ in range(rows // 1000):
                member.write(bytes(8 * 1000 * 1000))
            member.write(bytes(8 * 1000 * (rows % 1000)))
    config = weights_config(write, "{file: w.npz, key: W1}")
    error = one_error(nncli_process("validate", config))
    assert error.startswith(f"Error: {config}:3:33: w.npz[W1]: its header declares shape ({rows}, 1000) of float64")
    assert f"over nncli's limit of {MAX_WEIGHTS_BYTES} bytes (256 MiB) for one array" in error


def test_weights_file_member_larger_than_declared(tmp_path, write, nncli_process):
    with zipfile.ZipFile(tmp_path / "w.npz", "w") as archive:
        archive.writestr("W1.npy", npy_header((200_000, 200_000)) + bytes(64))
    config = write("net.yaml", "weights_file: w.npz\nlayers:\n  - activation: sigmoid\n    weights: W1\n    bias: [0.1]\n")
    error = one_error(nncli_process("validate", config))
    assert error.startswith(f"Error: {config}:4:14: w.npz[W1]: truncated .npz member")


def test_a_bare_json_number_beyond_float64(write):
    path = write("labels.jsonl", "1\n1e999\n")
    with pytest.raises(InputError, match=r"labels.jsonl:2: value 1 of the row is 1e999, too large for float64"):
        open_inputs(path).read_all()


def test_activations_at_refuses_numbers_beyond_float64(nncli_process):
    error = one_error(nncli_process("activations", "sigmoid", "--at", "1e400"))
    assert "1e400 is too large for float64" in error


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_named_pipe_is_read_as_a_stream(tmp_path, nncli_process):
    import subprocess
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", 'printf "1.0,0.5\\n" > "$1"', "sh", str(fifo)])
    result = nncli_process("forward", NET, "-i", fifo, "-f", "csv")
    writer.wait(timeout=60)
    assert result.exit_code == 0 and result.stdout.startswith("y0,y1,predicted\n0.316827"), result.stderr


@dev_zero
def test_a_device_as_weights_file_is_refused(write, nncli_process):
    config = weights_config(write, "{file: /dev/zero}")
    error = one_error(nncli_process("validate", config))
    assert error == f"Error: {config}:3:21: /dev/zero: is not a regular file (a device or a pipe), not a weights file"

"""nncli.interop.safetensors.read_safetensors on hostile files: devices and FIFOs, headers that
declare more than the file holds or than nncli reads, deep JSON, and mutated real files.

Property (harness.outcome): the tensors or a one-line NncliError, at once and in bounded memory.
Before, the reader took the whole file with read_bytes(): a FIFO or a device named as the model
was read without end, and a tensor had no size limit beyond the file's.
"""

from __future__ import annotations

import io
import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nncli.errors import NncliError
from nncli.interop.safetensors import MAX_HEADER_BYTES, read_safetensors, write_safetensors
from nncli.weights import MAX_WEIGHTS_BYTES
from tests.fuzz.harness import NUMBER_TOKENS, outcome
from tests.fuzz.scale import examples
from tests.fuzz.strategies import mutated

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _bytes(tensors: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    write_safetensors(buffer, tensors, {"format": "pt"})
    return buffer.getvalue()


def _with_header(header: dict, data_size: int) -> "tuple[bytes, int]":
    """An 8-byte length and ``header`` as JSON, and the size the file must have with its data."""
    text = json.dumps(header).encode()
    head = struct.pack("<Q", len(text)) + text
    return head, len(head) + data_size


def _sparse(path: Path, head: bytes, size: int) -> Path:
    """``head`` then zeros up to ``size`` bytes, as a sparse file (nothing is written for the zeros)."""
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path


def refused(path: Path, what: str) -> str:
    result = outcome(lambda: read_safetensors(path), what)
    assert isinstance(result, NncliError), f"{what}: accepted ({sorted(result)})"
    return str(result)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_refused_without_waiting(tmp_path):
    """A FIFO named m.safetensors: refused at once (opening it would wait for a writer)."""
    fifo = tmp_path / "m.safetensors"
    os.mkfifo(fifo)
    assert "is not a regular file (a device or a pipe)" in refused(fifo, "read_safetensors(<a FIFO>)")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_refused(tmp_path):
    """/dev/zero behind a .safetensors name (a symbolic link): refused, not read without end."""
    link = tmp_path / "zero.safetensors"
    link.symlink_to("/dev/zero")
    assert "is not a regular file" in refused(link, "read_safetensors(<link to /dev/zero>)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_cli_import_of_a_fifo_exits_1(nncli_process, tmp_path):
    fifo = tmp_path / "m.safetensors"
    os.mkfifo(fifo)
    result = nncli_process("import", fifo, "-o", tmp_path / "net.yaml", "--activations", "relu")
    assert result.exit_code == 1, result
    assert result.stderr.count("\n") == 1 and "is not a regular file" in result.stderr, result.stderr


def test_header_over_the_limit_refused_unread(tmp_path):
    """A header length just over 100 MB in a file that big (sparse): refused before it is read."""
    n = MAX_HEADER_BYTES + 1
    path = _sparse(tmp_path / "big.safetensors", struct.pack("<Q", n), 8 + n)
    message = refused(path, "read_safetensors(<a header of 100 MB + 1 byte>)")
    assert f"its header length is {n} bytes" in message and "over the limit of" in message, message


def test_header_longer_than_the_file(tmp_path):
    path = tmp_path / "short.safetensors"
    path.write_bytes(struct.pack("<Q", 2**63) + b"{}")
    assert "truncated safetensors file: its header length promises a header of" in refused(path, "2**63-byte header")


@pytest.mark.parametrize(("dtype", "shape"), [("F64", [6000, 6000]), ("BF16", [9000, 9000]), ("U8", [2**28 + 1])])
def test_tensor_over_the_limit_refused_unread(tmp_path, dtype, shape):
    """A tensor over nncli's limit for one weights array (bf16 counted as the float32 it becomes),
    in a file that holds it (sparse): refused before anything is allocated."""
    itemsize = {"F64": 8, "BF16": 2, "U8": 1}[dtype]
    size = int(np.prod(shape)) * itemsize
    head, total = _with_header({"W": {"dtype": dtype, "shape": shape, "data_offsets": [0, size]}}, size)
    path = _sparse(tmp_path / "huge.safetensors", head, total)
    message = refused(path, f"read_safetensors(<{dtype} {shape} tensor>)")
    assert f"over nncli's limit of {MAX_WEIGHTS_BYTES} bytes" in message, message


def test_offsets_beyond_the_file(tmp_path):
    """Offsets promising more data than the file has: named as a truncated file, nothing allocated."""
    head, _total = _with_header({"W": {"dtype": "F32", "shape": [2**40], "data_offsets": [0, 2**42]}}, 0)
    path = tmp_path / "lie.safetensors"
    path.write_bytes(head + b"\0" * 16)
    message = refused(path, "read_safetensors(<offsets to 4 TiB in a small file>)")
    assert "truncated safetensors file: its header promises tensor 'W' at bytes [0, 4398046511104)" in message
    assert "but the file has 16 bytes of data" in message, message


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deep_json_header(tmp_path, depth):
    text = b"[" * depth + b"]" * depth
    path = tmp_path / "deep.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    assert "header is not" in refused(path, f"read_safetensors(<header nested {depth} deep>)")


SEEDS = [
    _bytes({"0.weight": np.arange(6, dtype=np.float32).reshape(3, 2), "0.bias": np.zeros(3, np.float32)}),
    _bytes({"W1": np.eye(2), "b1": np.array([1, 2], dtype=np.int64), "m": np.array([1, 0], dtype=np.uint8)}),
    b"".join(_with_header({"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]},
                           "b": {"dtype": "BOOL", "shape": [2], "data_offsets": [4, 6]}}, 6)[:1]) + b"\x80?\x00@\x01\x00",
    (CONFIGS / "iris_torch.safetensors").read_bytes(),
]
FRAGMENTS = [b'"data_offsets": [0, 18446744073709551615]', b'"shape": [4294967296, 4294967296]', b'"dtype": "BF16"',
             b"[" * 50, b"\xff\xff\xff\xff\xff\xff\xff\xff", b'"__metadata__"', b"{}", b"null",
             *(t.encode() for t in NUMBER_TOKENS[:30])]


@examples(100)
@given(data=st.sampled_from(SEEDS).flatmap(lambda seed: mutated(seed, donors=SEEDS, fragments=FRAGMENTS)))
def test_mutated_files_read_or_refused(tmp_path_factory, data):
    """Real safetensors files truncated, flipped and spliced: tensors or a one-line NncliError."""
    path = tmp_path_factory.getbasetemp() / "fuzz.safetensors"
    path.write_bytes(data)
    outcome(lambda: read_safetensors(path), f"read_safetensors({data[:200]!r})")

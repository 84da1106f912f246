"""Reading (and writing) safetensors files with numpy alone; nothing in them is ever executed.

The format (https://github.com/huggingface/safetensors): an 8-byte little-endian unsigned
header length N, N bytes of UTF-8 JSON ``{name: {"dtype", "shape", "data_offsets": [begin,
end]}, "__metadata__": {...}}``, then the byte buffer; offsets count from the buffer's start
and tensors are little-endian, C-ordered. Every claim of the header is checked against the
file: a header that lies about sizes, offsets or dtypes is a SafetensorsError naming the file
and the tensor. bf16 is widened exactly to float32 (its bits are float32's upper half).

Reading is bounded: only a regular file is read (a device or a FIFO would never end); the
8-byte length and the header come first, the header at most MAX_HEADER_BYTES; every tensor's
offsets are checked against the file's size, and its size against nncli's limit for one
weights array (nncli.weights.MAX_WEIGHTS_BYTES), before anything is allocated for it.
"""

from __future__ import annotations

import json
import math
import os
import stat
import struct
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np

from nncli.data.binary import describe_size
from nncli.errors import InputError
from nncli.weights import MAX_WEIGHTS_BYTES

MAX_HEADER_BYTES = 100 * 1024 * 1024  # the reference implementation's limit
DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
    "BOOL": "?",
}
NAMES = {np.dtype(v): k for k, v in DTYPES.items() if k not in ("BF16", "BOOL")}


class SafetensorsError(InputError):
    """A safetensors file that is damaged or whose header does not match its data."""


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of the file by name, in the order of their offsets (bf16 as float32).

    Raises SafetensorsError for a path that is not a regular file, a file too short for its
    header, a header over MAX_HEADER_BYTES or not a JSON object of tensors, an unknown dtype,
    a shape or offsets that do not match the bytes, a tensor over nncli's limit for one array,
    or tensors that overlap or leave holes in the buffer.
    """
    shown = str(path)
    file = Path(path)
    if file.is_dir():
        raise SafetensorsError(f"{shown}: is a directory")
    if not file.exists():
        raise SafetensorsError(f"{shown}: file not found")
    if not file.is_file():  # checked before open(), which would wait for a FIFO's writer
        raise SafetensorsError(f"{shown}: is not a regular file (a device or a pipe); safetensors are read from files")
    try:
        with open(file, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):  # replaced since the check above
                raise SafetensorsError(f"{shown}: is not a regular file (a device or a pipe)")
            return _read(handle, shown, info.st_size)
    except OSError as err:
        raise SafetensorsError(f"{shown}: cannot read ({err.strerror or err})") from None


def _read(handle: BinaryIO, shown: str, size: int) -> dict[str, np.ndarray]:
    """The tensors of an open safetensors file of ``size`` bytes (see read_safetensors)."""
    if size < 8:
        raise SafetensorsError(f"{shown}: {size} bytes is too short for a safetensors file (8-byte header length)")
    (header_len,) = struct.unpack("<Q", handle.read(8))
    if 8 + header_len > size:
        raise SafetensorsError(f"{shown}: truncated safetensors file: its header length promises a header of "
                               f"{describe_size(header_len)} but the file has {describe_size(size)}")
    if header_len > MAX_HEADER_BYTES:
        raise SafetensorsError(f"{shown}: its header length is {describe_size(header_len)}, over the limit of "
                               f"{describe_size(MAX_HEADER_BYTES)} (the reference implementation's)")
    text = handle.read(header_len)
    try:
        header = json.loads(text.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as err:
        raise SafetensorsError(f"{shown}: header is not JSON ({' '.join(str(err).split())[:120]})") from None
    except RecursionError:
        raise SafetensorsError(f"{shown}: header is not JSON (nested too deeply)") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{shown}: header is not a JSON object of tensors")
    buffer_size = size - 8 - header_len
    entries = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        entries.append((name, *_entry(shown, name, info, buffer_size)))
    entries.sort(key=lambda e: e[3][0])
    position = 0
    for name, _dtype_name, _shape, (begin, _end) in entries:
        if begin != position:
            what = "overlaps the tensor before it" if begin < position else f"leaves bytes {position}..{begin} unused"
            raise SafetensorsError(f"{shown}: tensor '{name}' at offset {begin} {what}")
        position = _end
    if position != buffer_size:
        raise SafetensorsError(f"{shown}: {buffer_size - position} bytes after the last tensor are not described by the header")
    tensors: dict[str, np.ndarray] = {}
    for name, dtype_name, shape, (begin, end) in entries:
        raw = np.empty(shape, dtype=DTYPES[dtype_name])
        if handle.readinto(raw.reshape(-1).view(np.uint8)) != end - begin:  # pragma: no cover (file shrank)
            raise SafetensorsError(f"{shown}: truncated safetensors file: tensor '{name}' ends early")
        if dtype_name == "BF16":  # bf16 is the upper 16 bits of a float32
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = raw if raw.dtype.isnative else raw.astype(raw.dtype.newbyteorder("="))
    return tensors


def _entry(shown: str, name: str, info: Any, size: int) -> tuple[str, tuple[int, ...], tuple[int, int]]:
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise SafetensorsError(f"{shown}: tensor '{name}': header entry must have exactly dtype, shape and data_offsets")
    dtype_name, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype_name not in DTYPES:
        raise SafetensorsError(f"{shown}: tensor '{name}': unknown dtype {dtype_name!r} (known: {', '.join(DTYPES)})")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise SafetensorsError(f"{shown}: tensor '{name}': shape {shape!r} is not a list of sizes")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)):
        raise SafetensorsError(f"{shown}: tensor '{name}': data_offsets {offsets!r} is not [begin, end]")
    begin, end = offsets
    if not 0 <= begin <= end:
        raise SafetensorsError(f"{shown}: tensor '{name}': data_offsets [{begin}, {end}] are not [begin, end] "
                               "with 0 <= begin <= end")
    if end > size:
        raise SafetensorsError(f"{shown}: truncated safetensors file: its header promises tensor '{name}' at bytes "
                               f"[{begin}, {end}) of the data but the file has {describe_size(size)} of data")
    needed = math.prod(shape) * np.dtype(DTYPES[dtype_name]).itemsize
    if end - begin != needed:
        raise SafetensorsError(f"{shown}: tensor '{name}': its header promises {dtype_name} of shape {tuple(shape)}, "
                               f"{describe_size(needed)}, but its data_offsets give {describe_size(end - begin)}")
    widened = 2 * needed if dtype_name == "BF16" else needed  # read as float32
    if widened > MAX_WEIGHTS_BYTES:
        raise SafetensorsError(f"{shown}: tensor '{name}': {dtype_name} of shape {tuple(shape)} takes "
                               f"{describe_size(widened)}, over nncli's limit of {describe_size(MAX_WEIGHTS_BYTES)} "
                               "for one weights array")
    return dtype_name, tuple(shape), (begin, end)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def write_safetensors(handle: IO[bytes], tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    """Write ``tensors`` (numeric numpy arrays) in the safetensors format, in the given order."""
    header: dict[str, Any] = {"__metadata__": metadata} if metadata else {}
    blobs, offset = [], 0
    for name, value in tensors.items():
        arr = np.ascontiguousarray(value)
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        blob = arr.tobytes()
        header[name] = {"dtype": NAMES[np.dtype(arr.dtype.str.replace(">", "<"))], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the reference writer pads the header to 8 bytes
    handle.write(struct.pack("<Q", len(text)) + text)
    for blob in blobs:
        handle.write(blob)

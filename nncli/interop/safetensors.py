"""Reading (and writing) safetensors files with numpy alone; nothing in them is ever executed.

The format (https://github.com/huggingface/safetensors): an 8-byte little-endian unsigned
header length N, N bytes of UTF-8 JSON ``{name: {"dtype", "shape", "data_offsets": [begin,
end]}, "__metadata__": {...}}``, then the byte buffer; offsets count from the buffer's start
and tensors are little-endian, C-ordered. Every claim of the header is checked against the
file: a header that lies about sizes, offsets or dtypes is a SafetensorsError naming the file
and the tensor. bf16 is widened exactly to float32 (its bits are float32's upper half).
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import IO, Any

import numpy as np

from nncli.errors import InputError

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

    Raises SafetensorsError for a file too short for its header, a header that is not a JSON
    object of tensors, an unknown dtype, a shape or offsets that do not match the bytes, or
    tensors that overlap or leave holes in the buffer.
    """
    shown = str(path)
    file = Path(path)
    if not file.is_file():
        raise SafetensorsError(f"{shown}: {'is a directory' if file.is_dir() else 'file not found'}")
    data = file.read_bytes()
    if len(data) < 8:
        raise SafetensorsError(f"{shown}: {len(data)} bytes is too short for a safetensors file (8-byte header length)")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > MAX_HEADER_BYTES or 8 + header_len > len(data):
        raise SafetensorsError(f"{shown}: header length {header_len} is larger than the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8 : 8 + header_len].decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as err:
        raise SafetensorsError(f"{shown}: header is not JSON ({' '.join(str(err).split())[:120]})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{shown}: header is not a JSON object of tensors")
    buffer = memoryview(data)[8 + header_len :]
    entries = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        entries.append((name, *_entry(shown, name, info, len(buffer))))
    entries.sort(key=lambda e: e[3][0])
    position = 0
    tensors: dict[str, np.ndarray] = {}
    for name, dtype_name, shape, (begin, end) in entries:
        if begin != position:
            what = "overlaps the tensor before it" if begin < position else f"leaves bytes {position}..{begin} unused"
            raise SafetensorsError(f"{shown}: tensor '{name}' at offset {begin} {what}")
        raw = np.frombuffer(buffer[begin:end], dtype=DTYPES[dtype_name]).reshape(shape)
        if dtype_name == "BF16":  # bf16 is the upper 16 bits of a float32
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = raw.astype(raw.dtype.newbyteorder("="), copy=True)
        position = end
    if position != len(buffer):
        raise SafetensorsError(f"{shown}: {len(buffer) - position} bytes after the last tensor are not described by the header")
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
    if not 0 <= begin <= end <= size:
        raise SafetensorsError(f"{shown}: tensor '{name}': data_offsets [{begin}, {end}] lie outside the "
                               f"{size}-byte buffer")
    needed = math.prod(shape) * np.dtype(DTYPES[dtype_name]).itemsize
    if end - begin != needed:
        raise SafetensorsError(f"{shown}: tensor '{name}': {dtype_name} of shape {tuple(shape)} needs {needed} bytes "
                               f"but data_offsets give {end - begin}")
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

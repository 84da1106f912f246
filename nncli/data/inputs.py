"""Opening input rows: a file or stdin, its format from the caller, the file name or the first bytes."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import BinaryIO, Callable

from nncli.data.binary import IDX_TYPES, NPY_MAGIC, ZIP_MAGIC, idx_source, npy_source, npz_source
from nncli.data.files import open_user_file
from nncli.data.shards import ShardedSource, is_sharded
from nncli.data.source import InputSource
from nncli.data.streams import GZIP_MAGIC, GzipStream, PeekableStream
from nncli.data.text import TextSource, json_source
from nncli.errors import InputError

FORMATS = ("csv", "tsv", "npy", "npz", "json", "jsonl", "idx")
STDIN = "-"
STDIN_NAME = "<stdin>"

_IDX_NAME = re.compile(r"(^|[-_.])idx\d*([-_.]u?byte)?$", re.IGNORECASE)
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".npy": "npy", ".npz": "npz", ".json": "json",
             ".jsonl": "jsonl", ".ndjson": "jsonl", ".idx": "idx"}


def open_inputs(
    source: str | Path,
    *,
    input_format: str | None = None,
    key: str | None = None,
    stdin: BinaryIO | None = None,
    header: bool | None = None,
) -> InputSource:
    """Open a file (or ``"-"``: stdin) of input rows; the format comes from ``input_format``,
    else the file name, else the first bytes.

    Formats: csv and tsv (the first line is a header when ``header`` is True, never when it
    is False, and by default when none of its values is a number, so a header of numbers
    such as ``0,1,2`` needs ``header=True``; blank lines and lines starting with # are skipped), npy, npz (``key`` names the array unless it holds one),
    json (a list of rows, one row, or an object whose ``key`` member is one of those),
    jsonl (one row per line: a list, or an object with ``key``), idx (MNIST's format; images
    are flattened to rows). Any of them may be gzip-compressed (``.gz``), except npz.
    The header (or the first row) is read now, so a wrong or empty file fails here.
    """
    return open_source(source, input_format=input_format, key=key, stdin=stdin, one_d="row", header=header)


def open_source(
    source: str | Path, *, input_format: str | None, key: str | None, stdin: BinaryIO | None, one_d: str,
    header: bool | None = None,
) -> InputSource:
    """``open_inputs`` for rows (``one_d="row"``: a 1-D array is one row) or labels (``"column"``:
    a 1-D array is one value per row; ``--labels-key`` is the option named in messages)."""
    if input_format is not None and input_format not in FORMATS:
        raise InputError(f"unknown input format '{input_format}'; choose one of {', '.join(FORMATS)}")
    if str(source) == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        return _open_stream(PeekableStream(stream), STDIN_NAME, input_format, key, one_d, None, header)
    if is_sharded(source):  # a directory or a quoted glob: its files in name order, as one source
        return ShardedSource(str(source), lambda one: open_source(one, input_format=input_format, key=key, stdin=None,
                                                                 one_d=one_d, header=header), format_from_name)
    path = Path(source)
    name = str(source)
    file = open_user_file(path, "data file", shown=name)
    fmt = input_format or format_from_name(path)
    if fmt == "npz":
        return npz_source(file, name, key, one_d)
    reopen = lambda: PeekableStream(open_user_file(path, "data file", shown=name))  # noqa: E731 (to read it again)
    if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
        reopen = None  # a FIFO or a device: opening it again would wait for a writer, or read other data
    return _open_stream(PeekableStream(file), name, fmt, key, one_d, reopen, header)


def format_from_name(path: str | Path) -> str | None:
    """The input format a file name implies (``x.csv`` -> csv, ``t10k-images-idx3-ubyte.gz`` -> idx), or None."""
    p = Path(path)
    name = p.name[:-3] if p.name.lower().endswith(".gz") else p.name
    suffix = Path(name).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if _IDX_NAME.search(name):
        return "idx"
    return None


def _open_stream(
    stream: PeekableStream, name: str, fmt: str | None, key: str | None, one_d: str,
    reopen: Callable[[], PeekableStream] | None, header: bool | None = None,
) -> InputSource:
    """Sniff gzip and the format from the first bytes when needed, then build the source."""
    try:
        head = stream.peek_head()
        if not head:
            raise InputError(f"{name}: empty file" if reopen else f"{name}: no input (stdin is empty)")
        if head[:2] == GZIP_MAGIC:
            if fmt == "npz":
                raise InputError(f"{name}: is gzip-compressed; an .npz archive is compressed by itself")
            stream = PeekableStream(GzipStream(stream, name))
            if not stream.peek_head():
                raise InputError(f"{name}: the compressed data is empty")
        if fmt is None:
            fmt = sniff(stream, name)
        if fmt == "npz":
            raise InputError(f"{name}: an .npz archive cannot be read from a pipe (a zip needs seeking); save it to a file")
        if header is not None and fmt not in ("csv", "tsv"):
            raise InputError(f"{name}: a header line is a CSV/TSV matter; {fmt} input has none (drop --header/--no-header)")
        if fmt in ("csv", "tsv", "jsonl"):
            return TextSource(stream, name, fmt, key, reopen, header)
        if fmt == "json":
            return json_source(stream, name, key, one_d)
        if fmt == "npy":
            return npy_source(stream, name, reopen, one_d)
        return idx_source(stream, name, reopen)
    except BaseException:
        stream.close()
        raise


def sniff(stream: PeekableStream, name: str) -> str:
    """The format of a stream from its first bytes (files with an unknown name, and stdin)."""
    head = stream.peek_head()
    if head.startswith(NPY_MAGIC):
        return "npy"
    if head.startswith(ZIP_MAGIC):
        return "npz"
    if len(head) >= 4 and head[0] == 0 and head[1] == 0 and head[2] in IDX_TYPES:
        return "idx"
    head = stream.peek_line(1 << 20)  # text: the first line is enough; a pipe need not send more
    while not head.strip(b" \t\r\n\xef\xbb\xbf") and len(head) < 1 << 20:  # blank first lines
        longer = stream.peek_line_after(len(head), 1 << 20)
        if len(longer) == len(head):
            break
        head = longer
    text = head.lstrip(b" \t\r\n\xef\xbb\xbf")
    if text[:1] == b"{":
        return "jsonl"
    if text[:1] == b"[":
        first = text.split(b"\n", 1)[0].strip()
        try:
            value = json.loads(first)
        except ValueError:
            return "json"  # a document over several lines
        is_flat_row = isinstance(value, list) and not any(isinstance(v, list) for v in value)
        return "jsonl" if is_flat_row else "json"
    if b"\x00" in head:
        raise InputError(f"{name}: binary data in no format nncli knows; choose one with --input-format")
    first_line = text.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first_line and b"," not in first_line else "csv"

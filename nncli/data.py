"""Input rows from files and pipes, read in batches: CSV/TSV, NPY, NPZ, JSON, JSON Lines and IDX (MNIST).

One sample is one row of numbers, as in the book: a (rows, width) matrix X. Every reader
yields X in batches of at most ``batch_size`` rows, so memory stays bounded whatever the
size of the file (except ``.json``, which is one JSON document and is read whole):

    with open_inputs("t10k-images-idx3-ubyte.gz") as source:   # any format; "-" is stdin
        source.check_width(784, "mnist_book")
        for X in source.batches(8192, rows=parse_rows_spec("0:1000")):
            ...                                                 # X: (<= 8192, 784) uint8

Batches keep the file's own numbers: uint8 for MNIST's IDX, the stored dtype for NPY/NPZ,
float64 for text. Conversion to the network's dtype and ``divide_by`` belong to the
network (``Network.prepare`` for ``forward``, the tiled path of ``Network.predict_batches``).

Rows are numbered from 0 (``rows`` selects like a Python slice); text formats report
problems by file line and column, as editors show them. Every problem is an InputError;
nothing is ever unpickled (object arrays are refused).
"""

from __future__ import annotations

import io
import math
import re
import struct
import sys
import zlib
from pathlib import Path
from typing import IO, Any, BinaryIO, Callable, Iterator

import numpy as np

from nncli.errors import InputError, Mark, did_you_mean

FORMATS = ("csv", "tsv", "npy", "npz", "json", "jsonl", "idx")
STDIN = "-"
STDIN_NAME = "<stdin>"
DEFAULT_BATCH_SIZE = 8192  # rows per batch: 8192 MNIST rows are 6 MiB as uint8, 25 MiB as float32

_GZIP_MAGIC = b"\x1f\x8b"
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
# IDX: bytes 0x00 0x00, a type code, the number of dimensions; then each dimension as a
# big-endian uint32, then the data, big-endian, in C order (LeCun's MNIST page).
_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_NAME = re.compile(r"(^|[-_.])idx\d*([-_.]u?byte)?$", re.IGNORECASE)
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".npy": "npy", ".npz": "npz", ".json": "json",
             ".jsonl": "jsonl", ".ndjson": "jsonl", ".idx": "idx"}
# The grammar of nncli.rows (ASCII digits only; inf/infinity/nan in any case).
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf(?:inity)?|nan)$",
                     re.IGNORECASE | re.ASCII)
_JSON_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "+inf": math.inf,
                   "infinity": math.inf, "-infinity": -math.inf, "+infinity": math.inf}


# --- choosing rows --------------------------------------------------------------------


def parse_rows_spec(text: str) -> slice:
    """``"START:STOP"`` (0-based, STOP excluded, either may be left out or negative) as a slice.

    ``"0:100"`` is the first 100 rows, ``"-10:"`` the last 10. Raises InputError on
    anything else, including a step or a range that can select nothing.
    """
    spec = text.strip()
    parts = spec.split(":")
    if len(parts) != 2:
        hint = f" (for one row use --index {spec} or --rows {spec}:{int(spec) + 1})" if _is_int(spec) else ""
        raise InputError(f"rows '{text}' must be START:STOP, e.g. 0:100 (0-based, STOP excluded){hint}")
    bounds: list[int | None] = []
    for part in parts:
        part = part.strip()
        if not part:
            bounds.append(None)
        elif _is_int(part):
            bounds.append(int(part))
        else:
            raise InputError(f"rows '{text}': '{part}' is not a whole number")
    start, stop = bounds
    if start is not None and stop is not None and (start >= 0) == (stop >= 0) and stop <= start:
        raise InputError(f"rows '{text}' selects no rows (STOP must be greater than START)")
    return slice(start, stop)


def index_rows(index: int) -> slice:
    """The selection of the single row ``index`` (0-based; negative counts from the end)."""
    return slice(index, index + 1 if index != -1 else None)


def _is_int(text: str) -> bool:
    return re.fullmatch(r"[-+]?\d+", text) is not None


def _describe_rows(rows: slice) -> str:
    start = "" if rows.start is None else str(rows.start)
    stop = "" if rows.stop is None else str(rows.stop)
    if rows.stop is not None and rows.start is not None and rows.stop == rows.start + 1:
        return f"row {rows.start}"
    return f"rows {start}:{stop}"


# --- the sources ----------------------------------------------------------------------


class InputSource:
    """Rows of numbers from one file or stream; use ``open_inputs`` to get one.

    Attributes: ``name`` (the path as given, or ``<stdin>``), ``format`` (one of FORMATS),
    ``width`` (values per row), ``n_rows`` (known up front for npy/npz/idx/json; None for
    csv/tsv/jsonl, which are streamed), ``dtype`` (of the yielded arrays), ``columns``
    (CSV header names, if any).

    A source from a file can be read several times; one from stdin only once.
    """

    name: str
    format: str
    width: int
    n_rows: int | None = None
    dtype: np.dtype = np.dtype(np.float64)
    columns: tuple[str, ...] | None = None
    first_line: int | None = None  # line of the first data row, for text formats

    def batches(
        self, batch_size: int = DEFAULT_BATCH_SIZE, rows: slice | None = None, *, reuse: bool = False
    ) -> Iterator[np.ndarray]:
        """The selected rows as consecutive (<= batch_size, width) arrays, never an empty one.

        ``rows`` selects like a Python slice (0-based, no step; negative numbers need
        ``n_rows``). With ``reuse``, binary formats refill one buffer instead of allocating
        each batch: use it only when each batch is done with before the next is asked for
        (as ``Network.predict_batches`` does). Raises InputError when the selection is empty
        or the data is bad (for streamed formats, when the bad part is reached).
        """
        if batch_size < 1:
            raise InputError(f"batch size must be at least 1, not {batch_size}")
        start, stop = self._bounds(rows)
        produced = 0
        for batch in self._batches(batch_size, start, stop, reuse):
            produced += batch.shape[0]
            yield batch
        if produced == 0:
            self._nothing_selected(rows)

    def count(self, rows: slice | None = None) -> int | None:
        """How many rows ``rows`` selects, when the length is known up front (else None)."""
        if self.n_rows is None:
            return None
        start, stop = self._bounds(rows)
        return (self.n_rows if stop is None else stop) - start

    def read_all(self, rows: slice | None = None) -> np.ndarray:
        """Every selected row as one (rows, width) array (a new array)."""
        size = self.count(rows)
        if size is not None:
            parts = list(self.batches(size, rows))
        else:
            parts = list(self.batches(DEFAULT_BATCH_SIZE, rows))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def check_width(self, expected: int, network_name: str) -> None:
        """InputError (naming the file, and the line for text formats) unless rows have ``expected`` values."""
        if self.width == expected:
            return
        values = "value" if self.width == 1 else "values"
        hint = ""
        if self.format == "idx" and self.width == 1:
            hint = " (an IDX file of one dimension holds labels: give it to --labels)"
        raise InputError(
            f"rows have {self.width} {values} but network '{network_name}' takes {expected}{hint}", self.mark()
        )

    def mark(self) -> Mark:
        """Where the data starts: the file, and for text formats the line of the first row."""
        return Mark(self.name, self.first_line)

    def close(self) -> None:
        """Release any open file (a source is also a context manager)."""

    def __enter__(self) -> "InputSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        rows = "?" if self.n_rows is None else str(self.n_rows)
        return f"{type(self).__name__}({self.name!r}, {self.format}, rows={rows}, width={self.width}, {self.dtype})"

    # -- for subclasses --

    def _batches(self, batch_size: int, start: int, stop: int | None, reuse: bool) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def _bounds(self, rows: slice | None) -> tuple[int, int | None]:
        """(start, stop) of a selection, non-negative; stop None means to the end."""
        if rows is None:
            return 0, self.n_rows
        if rows.step not in (None, 1):
            raise InputError("a row selection cannot have a step")
        start, stop = rows.start, rows.stop
        negative = (start is not None and start < 0) or (stop is not None and stop < 0)
        if negative and self.n_rows is None:
            raise InputError(
                f"{self.name}: negative row numbers count from the end, but {self.format} input is "
                f"streamed and its length is not known up front; use non-negative numbers",
            )
        n = self.n_rows
        if n is not None:
            start, stop, _ = slice(start, stop).indices(n)
            if start >= n or stop <= start:
                self._nothing_selected(rows)
            return start, stop
        return start or 0, stop

    def _nothing_selected(self, rows: slice | None) -> None:
        if rows is None:
            raise InputError(f"{self.name}: no rows (empty input)")
        count = f" (it has {self.n_rows} rows, numbered from 0)" if self.n_rows is not None else ""
        raise InputError(f"{self.name}: {_describe_rows(rows)} selects no rows{count}")


# --- opening --------------------------------------------------------------------------


def open_inputs(
    source: str | Path,
    *,
    input_format: str | None = None,
    key: str | None = None,
    stdin: BinaryIO | None = None,
) -> InputSource:
    """Open a file (or ``"-"``: stdin) of input rows; the format comes from ``input_format``,
    else the file name, else the first bytes.

    Formats: csv and tsv (a first line of non-numbers is a header; blank lines and lines
    starting with # are skipped), npy, npz (``key`` names the array unless it holds one),
    json (a list of rows, one row, or an object whose ``key`` member is one of those),
    jsonl (one row per line: a list, or an object with ``key``), idx (MNIST's format; images
    are flattened to rows). Any of them may be gzip-compressed (``.gz``), except npz.
    The header (or the first row) is read now, so a wrong or empty file fails here.
    """
    if input_format is not None and input_format not in FORMATS:
        raise InputError(f"unknown input format '{input_format}'; choose one of {', '.join(FORMATS)}")
    if str(source) == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        return _open_stream(_Peekable(stream), STDIN_NAME, input_format, key, one_d="row", reopen=None)
    path = Path(source)
    name = str(source)
    _check_path(path, name)
    fmt = input_format or format_from_name(path)
    if fmt == "npz":
        return _npz_source(path, name, key, one_d="row")
    opener = lambda: _Peekable(open(path, "rb"))  # noqa: E731
    return _open_stream(opener(), name, fmt, key, one_d="row", reopen=opener)


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


def _check_path(path: Path, name: str) -> None:
    if not path.exists():
        raise InputError(f"{name}: file not found")
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not a data file")
    try:
        size = path.stat().st_size
    except OSError as err:
        raise InputError(f"{name}: cannot read ({err.strerror})") from None
    if size == 0:
        raise InputError(f"{name}: empty file")


def _open_stream(
    stream: "_Peekable", name: str, fmt: str | None, key: str | None, one_d: str,
    reopen: Callable[[], "_Peekable"] | None,
) -> InputSource:
    """Sniff gzip and the format from the first bytes when needed, then build the source."""
    try:
        head = stream.peek_head()
        if not head:
            raise InputError(f"{name}: empty file" if reopen else f"{name}: no input (stdin is empty)")
        compressed = head[:2] == _GZIP_MAGIC
        if compressed:
            if fmt == "npz":
                raise InputError(f"{name}: is gzip-compressed; an .npz archive is compressed by itself")
            stream = _Peekable(_GzipStream(stream, name))
            head = stream.peek_head()
            if not head:
                raise InputError(f"{name}: the compressed data is empty")
        if fmt is None:
            fmt = _sniff(stream, name)
        if fmt == "npz":
            raise InputError(f"{name}: an .npz archive cannot be read from a pipe (a zip needs seeking); save it to a file")
        if fmt in ("csv", "tsv", "jsonl"):
            return _TextSource(stream, name, fmt, key, reopen)
        if fmt == "json":
            return _json_source(stream, name, key, one_d)
        if fmt == "npy":
            return _BinarySource.npy(stream, name, reopen, one_d)
        return _BinarySource.idx(stream, name, reopen)
    except BaseException:
        stream.close()
        raise


def _sniff(stream: "_Peekable", name: str) -> str:
    """The format of a stream from its first bytes (files with an unknown name, and stdin)."""
    head = stream.peek_head()
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head.startswith(_ZIP_MAGIC):
        return "npz"
    if len(head) >= 4 and head[0] == 0 and head[1] == 0 and head[2] in _IDX_TYPES:
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
        import json

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


# --- streams --------------------------------------------------------------------------


class _Peekable(io.RawIOBase):
    """A binary stream whose first bytes can be looked at without consuming them.

    ``position`` counts the bytes read so far (peeking does not count).
    """

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self.raw = raw
        self._head = b""
        self.position = 0

    def peek(self, n: int) -> bytes:
        """Up to n bytes from the current position (fewer only at the end of the stream)."""
        while len(self._head) < n:
            more = self.raw.read(n - len(self._head))
            if not more:
                break
            self._head += more
        return self._head[:n]

    def peek_head(self) -> bytes:
        """Enough first bytes to recognise a format: the first line, or at least 8 bytes."""
        head = self.peek_line(1 << 20)
        if len(head) < 8 and not head.endswith(b"\n"):
            head = self.peek(8)
        return head

    def peek_line(self, limit: int = 64 * 1024) -> bytes:
        """The bytes up to the first newline (or ``limit`` bytes, or the end), without waiting for more."""
        return self.peek_line_after(0, limit)

    def peek_line_after(self, offset: int, limit: int = 64 * 1024) -> bytes:
        """The bytes up to the first newline at or after ``offset`` (or ``limit`` bytes, or the end)."""
        read1 = getattr(self.raw, "read1", None)
        while b"\n" not in self._head[offset:] and len(self._head) < limit:
            more = read1(4096) if read1 is not None else self.raw.read(4096)
            if not more:
                break
            self._head += more
        end = self._head.find(b"\n", offset)
        return self._head[: limit if end < 0 else min(end + 1, limit)]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
        else:  # readinto1: what a pipe has now, rather than waiting until the buffer is full
            readinto = getattr(self.raw, "readinto1", None) or self.raw.readinto  # type: ignore[attr-defined]
            n = readinto(view) or 0
        self.position += n
        return n

    def read_exact_into(self, buffer: Any) -> int:
        """Fill ``buffer`` unless the stream ends first; the number of bytes read."""
        view = memoryview(buffer).cast("B")
        total = 0
        while total < len(view):
            got = self.readinto(view[total:])
            if not got:
                break
            total += got
        return total

    def read_exact(self, n: int) -> bytes:
        buf = bytearray(n)
        got = self.read_exact_into(buf)
        return bytes(buf[:got])

    def skip(self, n: int) -> int:
        """Read and drop up to n bytes (seeking when the stream can); the number skipped."""
        skipped = 0
        if self._head:
            skipped = min(n, len(self._head))
            self._head = self._head[skipped:]
        if skipped < n and _seekable(self.raw):
            here = self.raw.tell()
            end = self.raw.seek(0, io.SEEK_END)
            target = min(here + n - skipped, end)
            self.raw.seek(target)
            skipped += target - here
        else:
            chunk = bytearray(min(max(n - skipped, 1), 1 << 20))
            while skipped < n:
                got = self.raw.readinto(memoryview(chunk)[: min(len(chunk), n - skipped)])  # type: ignore[attr-defined]
                if not got:
                    break
                skipped += got
        self.position += skipped
        return skipped

    def close(self) -> None:
        if not self.closed and self.raw is not getattr(sys.stdin, "buffer", None):
            self.raw.close()
        super().close()


def _seekable(stream: Any) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


class _GzipStream(io.RawIOBase):
    """gzip decompression of a stream, with truncation and corruption as InputError."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        super().__init__()
        self.name = name
        self._raw = raw
        import gzip  # only for .gz input (start-up time)

        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return self._gz.readinto(buffer)
        except EOFError:
            raise InputError(f"{self.name}: truncated gzip data (the compressed file ends too early)") from None
        except (zlib.error, OSError) as err:  # gzip.BadGzipFile is an OSError
            raise InputError(f"{self.name}: corrupt gzip data ({err})") from None

    def close(self) -> None:
        if not self.closed:
            self._gz.close()
            self._raw.close()
        super().close()


# --- binary formats: npy, idx, npz ------------------------------------------------------


class _BinarySource(InputSource):
    """Fixed-size rows after a header (npy, idx, an npz member): read with readinto, in order."""

    def __init__(
        self, name: str, fmt: str, shape: tuple[int, ...], file_dtype: np.dtype, one_d: str,
        stream: _Peekable, data_offset: int, reopen: Callable[[], _Peekable] | None, exact_end: bool,
        fortran: bool = False, on_close: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.format = fmt
        self.shape = shape
        self._on_close = on_close
        self.file_dtype = file_dtype
        self.dtype = file_dtype.newbyteorder("=")
        if len(shape) == 0:
            raise InputError(f"{name}: holds a single number, not rows (shape ())")
        if len(shape) == 1 and one_d == "row":
            self.n_rows, self.width = 1, shape[0]
        else:
            self.n_rows, self.width = shape[0], math.prod(shape[1:])
        if self.n_rows == 0:
            raise InputError(f"{name}: has no rows (shape {shape})")
        if self.width == 0:
            raise InputError(f"{name}: its rows are empty (shape {shape})")
        self._row_bytes = self.width * file_dtype.itemsize
        self._pending: _Peekable | None = stream
        self._data_offset = data_offset
        self._reopen = reopen
        self._exact_end = exact_end
        self._fortran = fortran and len(shape) > 1

    # -- headers --

    @classmethod
    def npy(cls, stream: _Peekable, name: str, reopen: Callable[[], _Peekable] | None, one_d: str) -> "_BinarySource":
        shape, fortran, dtype, offset = _read_npy_header(stream, name)
        size = _stream_size(stream)
        expected = offset + math.prod(shape) * dtype.itemsize
        if size is not None and size < expected:
            raise InputError(
                f"{name}: truncated .npy file: its header promises shape {shape} of {dtype} "
                f"({expected} bytes with the header) but the file has {size} bytes"
            )
        return cls(name, "npy", shape, dtype, one_d, stream, offset, reopen, exact_end=False, fortran=fortran)

    @classmethod
    def idx(cls, stream: _Peekable, name: str, reopen: Callable[[], _Peekable] | None) -> "_BinarySource":
        dims, dtype, offset = _read_idx_header(stream, name)
        size = _stream_size(stream)
        expected = offset + math.prod(dims) * dtype.itemsize
        if size is not None and size != expected:
            what = "truncated IDX file" if size < expected else "IDX file too long"
            raise InputError(
                f"{name}: {what}: its header promises {' x '.join(map(str, dims))} values of {_idx_type(dtype)} "
                f"({expected} bytes with the header) but the file has {size} bytes"
            )
        return cls(name, "idx", dims, dtype, "column", stream, offset, reopen, exact_end=True)

    # -- reading --

    def _open(self) -> _Peekable:
        if self._pending is not None:
            stream, self._pending = self._pending, None
            return stream
        if self._reopen is None:
            raise InputError(f"{self.name}: stdin can only be read once")
        stream = self._reopen()
        if stream.peek(2) == _GZIP_MAGIC:
            stream = _Peekable(_GzipStream(stream, self.name))
        stream.skip(self._data_offset)
        return stream

    def _batches(self, batch_size: int, start: int, stop: int | None, reuse: bool) -> Iterator[np.ndarray]:
        assert self.n_rows is not None
        stop = self.n_rows if stop is None else stop
        stream = self._open()
        try:
            if self._fortran:
                yield from self._fortran_batches(stream, batch_size, start, stop)
                return
            if start:
                skipped = stream.skip(start * self._row_bytes)
                if skipped < start * self._row_bytes:
                    self._truncated(skipped // self._row_bytes)
            buffer: np.ndarray | None = None
            row = start
            while row < stop:
                count = min(batch_size, stop - row)
                if buffer is None or not reuse or buffer.shape[0] < count:
                    buffer = np.empty((count, self.width), self.file_dtype)
                batch = buffer[:count]
                got = stream.read_exact_into(batch.view(np.uint8).reshape(-1))
                if got < count * self._row_bytes:
                    self._truncated(row + got // self._row_bytes)
                row += count
                if row == self.n_rows and self._exact_end and stream.read_exact(1):
                    raise InputError(f"{self.name}: IDX file too long: data continues after the {self.n_rows} rows its header promises")
                yield batch if self.file_dtype.isnative else batch.astype(self.dtype)
        finally:
            stream.close()

    def _fortran_batches(self, stream: _Peekable, batch_size: int, start: int, stop: int) -> Iterator[np.ndarray]:
        # Column-major data has no contiguous rows: read it whole (rare; np.save writes C order).
        data = np.empty(math.prod(self.shape), self.file_dtype)
        if stream.read_exact_into(data.view(np.uint8)) < data.nbytes:
            raise InputError(f"{self.name}: truncated .npy file")
        matrix = data.reshape(self.shape, order="F").reshape(self.shape[0], -1)
        for row in range(start, stop, batch_size):
            yield np.ascontiguousarray(matrix[row : min(stop, row + batch_size)], dtype=self.dtype)

    def _truncated(self, rows_read: int) -> None:
        kind = "IDX file" if self.format == "idx" else f".{self.format} file"
        raise InputError(
            f"{self.name}: truncated {kind}: its header promises {self.n_rows} rows but the data ends after {rows_read}"
        )

    def close(self) -> None:
        if self._pending is not None:
            self._pending.close()
            self._pending = None
        if self._on_close is not None:
            self._on_close()
            self._on_close = None


def _stream_size(stream: _Peekable) -> int | None:
    """The total size of a plain file behind ``stream`` (None for pipes and compressed data)."""
    raw = stream.raw
    if isinstance(raw, io.BufferedReader) and _seekable(raw):
        try:
            import os

            return os.fstat(raw.fileno()).st_size
        except (OSError, ValueError):
            return None
    return None


def _read_npy_header(stream: _Peekable, name: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, fortran_order, dtype, data offset) of an .npy stream positioned at its start."""
    head = stream.peek(6)
    if head != _NPY_MAGIC:
        raise InputError(f"{name}: not a .npy file (it does not start with \\x93NUMPY; found {head!r})")
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(stream)
        else:
            raise InputError(f"{name}: .npy format version {version[0]}.{version[1]} is not supported (1.0 and 2.0 are)")
    except ValueError as err:
        raise InputError(f"{name}: corrupt .npy header ({_one_line(err)})") from None
    _check_numeric(np.dtype(dtype), name)
    return tuple(int(d) for d in shape), bool(fortran), np.dtype(dtype), stream.position


def _check_numeric(dtype: np.dtype, name: str) -> None:
    if dtype.hasobject:
        raise InputError(f"{name}: holds Python objects, which nncli never unpickles; save plain numeric arrays")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise InputError(f"{name}: array of {dtype} is not numeric (integers or floats are needed)")


def _read_idx_header(stream: _Peekable, name: str) -> tuple[tuple[int, ...], np.dtype, int]:
    """(dimensions, dtype, data offset) of an IDX stream positioned at its start."""
    head = stream.read_exact(4)
    if len(head) < 4:
        raise InputError(f"{name}: too short for an IDX header ({len(head)} bytes; it needs at least 8)")
    magic = int.from_bytes(head, "big")
    if head[0] or head[1] or head[2] not in _IDX_TYPES or head[3] == 0:
        raise InputError(
            f"{name}: wrong magic number 0x{magic:08X} for an IDX file: it must be 0x0000, a type code "
            f"(08 unsigned byte ... 0E double) and the number of dimensions, e.g. 0x00000803 for MNIST "
            f"images and 0x00000801 for labels"
        )
    ndim = head[3]
    raw_dims = stream.read_exact(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise InputError(f"{name}: truncated IDX header: {ndim} dimensions announced, the file ends first")
    dims = struct.unpack(f">{ndim}I", raw_dims)
    return tuple(int(d) for d in dims), np.dtype(_IDX_TYPES[head[2]]), 4 + 4 * ndim


def _idx_type(dtype: np.dtype) -> str:
    return {"u1": "unsigned bytes", "i1": "signed bytes", "i2": "int16", "i4": "int32", "f4": "float32",
            "f8": "float64"}[dtype.str[1:]]


def _npz_source(path: Path, name: str, key: str | None, one_d: str) -> InputSource:
    """One array of an .npz archive, streamed from its zip member (stored or deflated)."""
    import zipfile  # only here: importing it costs several milliseconds of start-up

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise InputError(f"{name}: not a readable .npz archive ({_one_line(err)})") from None
    try:
        keys = [member[:-4] for member in archive.namelist() if member.endswith(".npy")]
        if not keys:
            raise InputError(f"{name}: the archive holds no arrays")
        if key is None:
            if len(keys) > 1:
                option = "--labels-key" if one_d == "column" else "--key"
                raise InputError(f"{name}: holds several arrays ({', '.join(keys)}); choose one with {option}")
            key = keys[0]
        elif key not in keys:
            raise InputError(f"{name} has no array '{key}'{did_you_mean(key, keys)}; it has: {', '.join(keys)}")
        label = f"{name}[{key}]"

        def reopen() -> _Peekable:
            try:
                return _Peekable(_ZipMember(archive.open(f"{key}.npy"), label))
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as err:
                raise InputError(f"{label}: cannot read ({_one_line(err)})") from None

        stream = reopen()
        try:
            shape, fortran, dtype, offset = _read_npy_header(stream, label)
            source = _BinarySource(label, "npz", shape, dtype, one_d, stream, offset, reopen, exact_end=False,
                                   fortran=fortran, on_close=archive.close)
        except BaseException:
            stream.close()
            raise
    except BaseException:
        archive.close()
        raise
    return source


class _ZipMember(io.RawIOBase):
    """A zip member stream whose CRC or decompression errors become InputError."""

    def __init__(self, member: IO[bytes], name: str) -> None:
        super().__init__()
        self._member = member
        self.name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import zipfile

        try:
            return self._member.readinto(buffer)  # type: ignore[attr-defined]
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            raise InputError(f"{self.name}: corrupt archive member ({_one_line(err)})") from None

    def close(self) -> None:
        if not self.closed:
            self._member.close()
        super().close()


# --- text formats: csv, tsv, jsonl (streamed), json (whole) ----------------------------


class _TextSource(InputSource):
    """CSV/TSV or JSON Lines, parsed in batches of lines; errors name the line (and column)."""

    def __init__(self, stream: _Peekable, name: str, fmt: str, key: str | None,
                 reopen: Callable[[], _Peekable] | None) -> None:
        self.name = name
        self.format = fmt
        self.key = key
        self.width = 0
        self._reopen = reopen
        self._delimiter = "\t" if fmt == "tsv" else ","
        self._text: io.BufferedReader | None = None
        self._lines: Iterator[tuple[int, str]] | None = None
        self._first: tuple[int, str] | None = None
        self._start(stream)

    def _start(self, stream: _Peekable) -> None:
        """Open the text, read the header (CSV) and the first row: its width is every row's."""
        if stream.peek(2) == _GZIP_MAGIC:
            stream = _Peekable(_GzipStream(stream, self.name))
        self._text = io.BufferedReader(stream)
        self._lines = self._numbered_lines(iter(self._text))
        try:
            first = next(self._lines, None)
            if first is None:
                raise InputError(f"{self.name}: no rows (only blank lines or comments)")
            if self.format == "jsonl":
                self.first_line = first[0]
                self.width = len(self._json_line(*first))
            else:
                fields = _split_fields(first[1], self._delimiter)
                if all(not _NUMBER.fullmatch(_unquote(text)) for text, _column in fields):
                    header_line = first[0]
                    self.columns = tuple(_unquote(text) for text, _column in fields)
                    first = next(self._lines, None)
                    if first is None:
                        raise InputError(f"{self.name}: has a header line but no rows")
                self.first_line = first[0]
                row = self._csv_line(*first)
                if self.columns is not None and len(row) != len(self.columns):
                    raise InputError(
                        f"row has {len(row)} values but the header (line {header_line}) names {len(self.columns)} columns",
                        Mark(self.name, first[0]),
                    )
                self.width = len(row)
        except BaseException:
            self.close()
            raise
        self._first = first

    def _numbered_lines(self, lines: Iterator[bytes]) -> Iterator[tuple[int, str]]:
        """(line number, text) of every line that is neither blank nor a # comment (UTF-8, BOM ok)."""
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise InputError(
                    "not UTF-8 text (a binary file? choose its format with --input-format)", Mark(self.name, number)
                ) from None
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                yield number, line.rstrip("\r\n")

    def _batches(self, batch_size: int, start: int, stop: int | None, reuse: bool) -> Iterator[np.ndarray]:
        if self._lines is None:
            if self._reopen is None:
                raise InputError(f"{self.name}: stdin can only be read once")
            self._start(self._reopen())
        assert self._lines is not None and self._first is not None
        lines, first = self._lines, self._first
        self._first = None
        try:
            row = 0
            chunk: list[tuple[int, str]] = []
            for item in _chain_one(first, lines):
                if stop is not None and row >= stop:
                    break
                if row >= start:
                    chunk.append(item)
                    if len(chunk) == batch_size:
                        yield self._parse(chunk)
                        chunk = []
                row += 1
            if chunk:
                yield self._parse(chunk)
        finally:
            self.close()

    def _parse(self, chunk: list[tuple[int, str]]) -> np.ndarray:
        """The rows of some lines as a (lines, width) float64 array."""
        if self.format == "jsonl":
            return np.array([self._json_line(number, line) for number, line in chunk], dtype=np.float64)
        try:  # numpy's C parser; on any complaint, find the exact line and column in Python
            arr = np.loadtxt([line for _number, line in chunk], delimiter=self._delimiter, dtype=np.float64,
                             ndmin=2, comments=None, quotechar='"')
            if arr.shape == (len(chunk), self.width) and not np.isinf(arr).any():
                return arr  # (with an inf, the slow path tells a written inf from an overflow)
        except ValueError:
            pass
        return np.array([self._csv_line(number, line) for number, line in chunk], dtype=np.float64)

    def _csv_line(self, number: int, line: str) -> list[float]:
        values = []
        for position, (text, column) in enumerate(_split_fields(line, self._delimiter), start=1):
            token = _unquote(text)
            if not token:
                raise InputError(f"value {position} is empty", Mark(self.name, number, column))
            if not _NUMBER.fullmatch(token):
                raise InputError(f"'{_short(token)}' is not a number (value {position})", Mark(self.name, number, column))
            value = float(token)
            if math.isinf(value) and "inf" not in token.lower():
                raise InputError(f"{_short(token)} is too large for float64 (value {position}); write inf if you "
                                 f"mean infinity", Mark(self.name, number, column))
            values.append(value)
        self._check_row_width(len(values), number)
        return values

    def _json_line(self, number: int, line: str) -> list[float]:
        import json

        try:
            value = json.loads(line)
        except ValueError as err:
            raise InputError(f"not valid JSON ({getattr(err, 'msg', err)})",
                             Mark(self.name, number, getattr(err, "colno", None))) from None
        row = _json_row(value, self.key, Mark(self.name, number))
        self._check_row_width(len(row), number)
        return row

    def _check_row_width(self, count: int, number: int) -> None:
        if self.width and count != self.width:
            raise InputError(
                f"row has {count} values but the first row (line {self.first_line}) has {self.width}",
                Mark(self.name, number),
            )

    def close(self) -> None:
        self._lines = None
        if self._text is not None:
            text, self._text = self._text, None
            text.close()


def _chain_one(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _split_fields(line: str, delimiter: str) -> list[tuple[str, int]]:
    """The fields of a CSV line with their 1-based columns (double quotes may hold the delimiter)."""
    fields: list[tuple[str, int]] = []
    if '"' not in line:
        column = 1
        for text in line.split(delimiter):
            fields.append((text, column))
            column += len(text) + 1
        return fields
    current: list[str] = []
    start, quoted = 1, False
    for column, char in enumerate(line, start=1):
        if char == '"':
            quoted = not quoted
        if char == delimiter and not quoted:
            fields.append(("".join(current), start))
            current, start = [], column + 1
        else:
            current.append(char)
    fields.append(("".join(current), start))
    return fields


def _unquote(text: str) -> str:
    """A CSV field without surrounding white space and double quotes."""
    token = text.strip()
    if len(token) >= 2 and token[0] == token[-1] == '"':
        token = token[1:-1].strip()
    return token


def _json_row(value: Any, key: str | None, mark: Mark, what: str = "row") -> list[float]:
    """A JSON value as a row of floats: a list of numbers, or an object whose ``key`` is one."""
    if isinstance(value, dict):
        if key is None:
            raise InputError(f"{what} is a JSON object ({_members(value)}); name the member holding the numbers with --key", mark)
        if key not in value:
            raise InputError(f"{what} has no member '{key}' (it has: {_members(value)})", mark)
        value = value[key]
    if type(value) in (int, float):  # a bare number: a row of one value (e.g. a label per line)
        value = [value]
    if not isinstance(value, list) or not value:
        raise InputError(f"{what} must be a non-empty list of numbers, not {_json_kind(value)}", mark)
    row = []
    for position, item in enumerate(value, start=1):
        if type(item) is float or type(item) is int:
            row.append(float(item))
        elif isinstance(item, str) and item.strip().lower() in _JSON_NONFINITE:
            row.append(_JSON_NONFINITE[item.strip().lower()])  # as nncli's own JSON writes NaN/Inf
        else:
            raise InputError(f"value {position} of the {what} is {_json_kind(item)}, not a number", mark)
    return row


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string '{_short(value)}'"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def _json_source(stream: _Peekable, name: str, key: str | None, one_d: str = "row") -> InputSource:
    """A .json document (read whole): a list of rows, one row, or an object whose ``key`` is one of those.

    Rows may themselves be objects holding the row under ``key`` (as nncli's JSON Lines).
    A flat list of numbers is one row, or with ``one_d="column"`` (labels) one value per row.
    """
    import json

    try:
        with io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8-sig") as text:  # type: ignore[arg-type]
            document = json.load(text)
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text (a binary file? choose its format with --input-format)") from None
    except ValueError as err:
        line, column = getattr(err, "lineno", None), getattr(err, "colno", None)
        raise InputError(f"not valid JSON ({getattr(err, 'msg', err)})", Mark(name, line, column)) from None
    if isinstance(document, dict):
        if key is None:
            raise InputError(f"{name}: is a JSON object ({_members(document)}); name the member holding the rows with --key")
        if key not in document:
            raise InputError(f"{name}: has no member '{key}' (it has: {_members(document)})")
        document = document[key]
    mark = Mark(name)
    if isinstance(document, list) and document and all(isinstance(item, (list, dict)) for item in document):
        rows = [_json_row(item, key, mark, f"row {i}") for i, item in enumerate(document)]
    elif one_d == "column" and isinstance(document, list) and document:
        rows = [_json_row([item], key, mark, f"row {i}") for i, item in enumerate(document)]
    else:
        rows = [_json_row(document, key, mark, "row 0")]
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(f"{name}: row {i} has {len(row)} values but row 0 has {width}")
    return _ArraySource(name, "json", np.array(rows, dtype=np.float64))


def _members(document: dict[str, Any]) -> str:
    names = list(document)
    return ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")


def from_array(matrix: np.ndarray, name: str = "<args>") -> InputSource:
    """An InputSource over rows already in memory ((rows, width)), e.g. rows typed with -x."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise InputError(f"{name}: expected a (rows, values) table, got shape {matrix.shape}")
    return _ArraySource(name, "array", matrix)


class _ArraySource(InputSource):
    """Rows already in memory (a parsed JSON document, or rows given on the command line)."""

    def __init__(self, name: str, fmt: str, matrix: np.ndarray) -> None:
        self.name = name
        self.format = fmt
        self._matrix = matrix
        self.n_rows, self.width = matrix.shape
        self.dtype = matrix.dtype

    def _batches(self, batch_size: int, start: int, stop: int | None, reuse: bool) -> Iterator[np.ndarray]:
        stop = self.n_rows if stop is None else stop
        for row in range(start, stop, batch_size):
            yield self._matrix[row : min(stop, row + batch_size)].copy()


# --- labels ---------------------------------------------------------------------------


def read_labels(
    source: str | Path,
    *,
    input_format: str | None = None,
    key: str | None = None,
    n_classes: int | None = None,
    rows: slice | None = None,
    stdin: BinaryIO | None = None,
) -> np.ndarray:
    """Class indices, shape (n,) int64, from a labels file: IDX (``*-idx1-ubyte[.gz]``), npy/npz
    (1-D class numbers, or 2-D one-hot rows), csv/tsv/json/jsonl (one column of class numbers,
    or one-hot rows). ``rows`` selects as in ``InputSource.batches``.

    Raises InputError naming the row (0-based) of a label that is not a whole number, not
    one-hot, or not below ``n_classes``.
    """
    if str(source) == STDIN:
        stream = _Peekable(stdin if stdin is not None else sys.stdin.buffer)
        src = _open_stream(stream, STDIN_NAME, input_format, key, one_d="column", reopen=None)
    else:
        path = Path(source)
        name = str(source)
        _check_path(path, name)
        fmt = input_format or format_from_name(path)
        if fmt == "npz":
            src = _npz_source(path, name, key, one_d="column")
        else:
            opener = lambda: _Peekable(open(path, "rb"))  # noqa: E731
            src = _open_stream(opener(), name, fmt, key, one_d="column", reopen=opener)
    with src:
        if isinstance(src, _BinarySource) and src.format == "idx" and len(src.shape) != 1:
            raise InputError(
                f"{src.name}: is an IDX file of {len(src.shape)} dimensions ({' x '.join(map(str, src.shape))}); "
                f"labels are one class number per sample (a *-idx1-ubyte file)"
            )
        values = src.read_all(rows)
        first = src._bounds(rows)[0] if src.n_rows is not None else ((rows.start or 0) if rows else 0)
        return _class_indices(values, src.name, n_classes, first)


def _class_indices(values: np.ndarray, name: str, n_classes: int | None, offset: int) -> np.ndarray:
    """(n,) int64 class numbers from a column of numbers or from one-hot rows."""
    if values.shape[1] == 1:
        column = values[:, 0]
        if column.dtype.kind == "f":
            bad = ~np.isfinite(column) | (column != np.round(column))
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"{name}: label {column[i]} at row {offset + i} is not a whole class number")
        labels = column.astype(np.int64)
        if (labels < 0).any():
            i = int(np.argmax(labels < 0))
            raise InputError(f"{name}: label {labels[i]} at row {offset + i} is negative; classes are numbered from 0")
        if n_classes is not None and (labels >= n_classes).any():
            i = int(np.argmax(labels >= n_classes))
            raise InputError(
                f"{name}: label {labels[i]} at row {offset + i} is not a class of the network "
                f"(it has {n_classes}: 0 to {n_classes - 1})"
            )
        return labels
    width = values.shape[1]
    if n_classes is not None and width != n_classes:
        raise InputError(
            f"{name}: one-hot labels have {width} columns but the network has {n_classes} classes"
        )
    ones = values == 1
    zeros = values == 0
    good = (ones.sum(axis=1) == 1) & ((ones | zeros).all(axis=1))
    if not good.all():
        i = int(np.argmin(good))
        raise InputError(f"{name}: row {offset + i} is not one-hot (exactly one 1, the rest 0): {_short(str(values[i].tolist()))}")
    return np.argmax(ones, axis=1).astype(np.int64)


# --- helpers --------------------------------------------------------------------------


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__

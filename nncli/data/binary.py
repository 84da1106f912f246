"""Binary input formats: .npy, one array of an .npz archive, and IDX (MNIST's format), any of them streamed.

Rows are read with ``readinto`` into a buffer that can be reused batch after batch. Why not
``np.load(mmap_mode="r")`` for .npy: every page of a mapping that has been read counts in
the resident set, so streaming the 3 GB file of benchmarks/bench_stream.py through a mapping
peaks at ~3 GiB RSS, against ~64 MiB with a reused buffer; a mapping also cannot read stdin,
gzip data or an .npz member. The header is parsed by numpy's own ``np.lib.format``.

A header is a claim, checked before anything is allocated (``check_declared``): the data it
declares must fit in the file (the file's size for .npy and IDX, the zip directory's size for
an .npz member, whose own claim must fit in what its compressed bytes can expand to) and in
MAX_ARRAY_BYTES whatever the source (a pipe or gzip data, whose size is not known); a row
may take at most MAX_ROW_BYTES. Reading then allocates at most BATCH_BYTES a batch.
"""

from __future__ import annotations

import math
import struct
import tokenize
import warnings
import zipfile
from typing import BinaryIO, Callable, Iterator

import numpy as np

from nncli.data.source import InputSource
from nncli.data.streams import PeekableStream, ZipMemberStream, gunzipped, one_line
from nncli.errors import InputError, Mark, NncliError, did_you_mean

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"
# IDX: bytes 0x00 0x00, a type code, the number of dimensions; then each dimension as a
# big-endian uint32, then the data, big-endian, in C order (LeCun's MNIST page).
IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_TYPE_NAMES = {"u1": "unsigned bytes", "i1": "signed bytes", "i2": "int16", "i4": "int32", "f4": "float32",
                   "f8": "float64"}

Reopen = Callable[[], PeekableStream]

MAX_ARRAY_BYTES = 16 * 2**30  # 16 GiB of declared data: 5 times the 3 GB file of benchmarks/bench_stream.py
MAX_ROW_BYTES = 64 * 2**20  # one sample: MNIST's is 784 bytes
BATCH_BYTES = 64 * 2**20  # a batch's buffer: 8192 MNIST rows are 6 MiB as uint8, 51 MiB as float64
# Column-major arrays are read whole, allocated before reading: at most a batch's buffer, as
# gzip data or a pipe cannot be sized first (256 MiB let a 7000 x 7000 float32 header take 374 MB).
MAX_FORTRAN_BYTES = 64 * 2**20
# Deflate expands at most ~1032 times; a zip member whose directory claims more is lying.
_DEFLATE_MAX_RATIO = 1032


def describe_size(n: int) -> str:
    """A byte count for messages: ``320000000128 bytes (298 GiB)``."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n} bytes ({n / scale:.3g} {unit})"
    return f"{n} bytes"


def check_declared(name: str, kind: str, shape: tuple[int, ...], dtype: np.dtype, offset: int,
                   available: int | None, limit: int = MAX_ARRAY_BYTES, error: type[NncliError] = InputError,
                   mark: Mark | None = None) -> None:
    """``error`` unless the data a header declares (``shape`` of ``dtype`` after ``offset`` bytes
    of header) fits in ``available`` bytes (the file's size; None: unknown) and in ``limit``.

    Called before anything is allocated: numpy would allocate what a header declares first.
    """
    described = f"shape {shape} of {dtype}" if kind != "IDX file" else f"{' x '.join(map(str, shape))} values of {dtype}"
    declared = math.prod(shape) * dtype.itemsize
    if available is not None and offset + declared > available:
        raise error(f"{name}: truncated {kind}: its header promises {described} ({describe_size(offset + declared)} with "
                    f"the header) but {'the member' if kind == '.npz member' else 'the file'} has {describe_size(available)}", mark)
    if declared > limit:
        raise error(f"{name}: its header declares {described}, {describe_size(declared)}, over nncli's limit of "
                    f"{describe_size(limit)} for one array", mark)


class BinarySource(InputSource):
    """Fixed-size rows after a header (npy, idx, an npz member): read with readinto, in order.

    ``shape`` is the array's shape in the file; rows are its first axis, the rest is
    flattened into ``width`` values (a 1-D array is one row, or with ``one_d="column"``
    one value per row, as labels are).
    """

    def __init__(
        self, name: str, fmt: str, shape: tuple[int, ...], file_dtype: np.dtype, one_d: str,
        stream: PeekableStream, data_offset: int, reopen: Reopen | None, exact_end: bool,
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
        if self._row_bytes > MAX_ROW_BYTES:
            raise InputError(f"{name}: a row of {self.width} values takes {describe_size(self._row_bytes)}, over nncli's "
                             f"limit of {describe_size(MAX_ROW_BYTES)} for one sample (shape {shape})")
        if fortran and len(shape) > 1 and self.n_rows * self._row_bytes > MAX_FORTRAN_BYTES:
            raise InputError(f"{name}: a column-major (Fortran-order) array is read whole, and {describe_size(self.n_rows * self._row_bytes)} "
                             f"is over the limit of {describe_size(MAX_FORTRAN_BYTES)}; save it in C order (np.save does)")
        self._pending: PeekableStream | None = stream
        self._data_offset = data_offset
        self._reopen = reopen
        self._exact_end = exact_end
        self._fortran = fortran and len(shape) > 1

    # -- reading --

    def _open(self) -> PeekableStream:
        if self._pending is not None:
            stream, self._pending = self._pending, None
            return stream
        if self._reopen is None:
            raise InputError(f"{self.name}: can only be read once (stdin or a pipe)")
        stream = gunzipped(self._reopen(), self.name)
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
                count = min(batch_size, stop - row, max(1, BATCH_BYTES // self._row_bytes))
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

    def _fortran_batches(self, stream: PeekableStream, batch_size: int, start: int, stop: int) -> Iterator[np.ndarray]:
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


def check_zip_member(name: str, info: zipfile.ZipInfo, error: type[NncliError] = InputError,
                     mark: Mark | None = None) -> None:
    """``error`` if the uncompressed size the zip directory declares for a member is more than
    its compressed bytes can hold (a lying directory, or a zip bomb)."""
    if info.compress_type == zipfile.ZIP_STORED:
        bound = info.compress_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        bound = _DEFLATE_MAX_RATIO * info.compress_size + 1024
    else:
        return  # bzip2/lzma: no simple bound; check_declared's limit still applies
    if info.file_size > bound:
        raise error(f"{name}: the zip directory declares {describe_size(info.file_size)} uncompressed, more than its "
                    f"{describe_size(info.compress_size)} of compressed data can hold", mark)


# --- .npy -------------------------------------------------------------------------------


def npy_source(stream: PeekableStream, name: str, reopen: Reopen | None, one_d: str) -> BinarySource:
    """The .npy array of ``stream`` (positioned at its start) as a source; its size is checked when known."""
    shape, fortran, dtype, offset = read_npy_header(stream, name)
    check_declared(name, ".npy file", shape, dtype, offset, stream.size())
    return BinarySource(name, "npy", shape, dtype, one_d, stream, offset, reopen, exact_end=False, fortran=fortran)


def read_npy_header(stream: PeekableStream, name: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, fortran_order, dtype, data offset) of an .npy stream positioned at its start."""
    head = stream.peek(6)
    if head != NPY_MAGIC:
        raise InputError(f"{name}: not a .npy file (it does not start with \\x93NUMPY; found {head!r})")
    try:
        shape, fortran, dtype = parse_npy_header(stream)
    except UnsupportedNpyVersion as err:
        raise InputError(f"{name}: {err}") from None
    except ValueError as err:
        raise InputError(f"{name}: corrupt .npy header ({one_line(err)})") from None
    _check_numeric(dtype, name)
    return shape, fortran, dtype, stream.position


class UnsupportedNpyVersion(ValueError):
    """An .npy format version other than 1.0 and 2.0."""


# What numpy's header parser (ast.literal_eval of the header text) raises for a damaged header
# besides ValueError: SyntaxError, RecursionError (a header of 3000 minus signs), TypeError, and
# tokenize.TokenError from its fallback for Python 2 headers on an unbalanced bracket; its
# warnings (SyntaxWarning 'invalid decimal literal' for ``0inf{...}``, UserWarning 'created on
# Python 2' for ``(2L,)``) are made errors around it and count as damage too.
_HEADER_ERRORS = (ValueError, SyntaxError, TypeError, RecursionError, tokenize.TokenError, Warning)


def parse_npy_header(stream: BinaryIO) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) from the .npy header at ``stream``'s position (its magic
    string first), leaving ``stream`` at the data. Raises ValueError with the reason for any
    damage (never another exception, never a warning); UnsupportedNpyVersion for a format
    version other than 1.0 and 2.0."""
    fmt = np.lib.format
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            version = fmt.read_magic(stream)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(stream)
            elif version == (2, 0):
                shape, fortran, dtype = fmt.read_array_header_2_0(stream)
            else:
                raise UnsupportedNpyVersion(f".npy format version {version[0]}.{version[1]} is not supported "
                                            "(1.0 and 2.0 are)")
    except UnsupportedNpyVersion:
        raise
    except RecursionError:
        raise ValueError("header nested too deeply") from None
    except tokenize.TokenError as err:
        raise ValueError(f"unbalanced brackets: {err.args[0]}") from None
    except UserWarning as err:
        if "Python 2" not in str(err):
            raise ValueError(one_line(err)) from None
        raise ValueError("written on Python 2 (integers such as 2L), which nncli does not read; "
                         "save the array again with np.save") from None
    except _HEADER_ERRORS as err:
        raise ValueError(one_line(err)) from None
    if any(d < 0 for d in shape):  # numpy checks only that they are integers
        raise ValueError(f"shape {tuple(shape)} has a negative dimension")
    return tuple(int(d) for d in shape), bool(fortran), np.dtype(dtype)


def _check_numeric(dtype: np.dtype, name: str) -> None:
    if dtype.hasobject:
        raise InputError(f"{name}: holds Python objects, which nncli never unpickles; save plain numeric arrays")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise InputError(f"{name}: array of {dtype} is not numeric (integers or floats are needed)")


# --- IDX --------------------------------------------------------------------------------


def idx_source(stream: PeekableStream, name: str, reopen: Reopen | None) -> BinarySource:
    """The IDX array of ``stream`` (positioned at its start) as a source; its size is checked when known."""
    dims, dtype, offset = read_idx_header(stream, name)
    size = stream.size()
    expected = offset + math.prod(dims) * dtype.itemsize
    if size is not None and size != expected:
        what = "truncated IDX file" if size < expected else "IDX file too long"
        raise InputError(
            f"{name}: {what}: its header promises {' x '.join(map(str, dims))} values of "
            f"{_IDX_TYPE_NAMES[dtype.str[1:]]} ({expected} bytes with the header) but the file has {size} bytes"
        )
    check_declared(name, "IDX file", dims, dtype, offset, None)
    return BinarySource(name, "idx", dims, dtype, "column", stream, offset, reopen, exact_end=True)


def read_idx_header(stream: PeekableStream, name: str) -> tuple[tuple[int, ...], np.dtype, int]:
    """(dimensions, dtype, data offset) of an IDX stream positioned at its start."""
    head = stream.read_exact(4)
    if len(head) < 4:
        raise InputError(f"{name}: too short for an IDX header ({len(head)} bytes; it needs at least 8)")
    magic = int.from_bytes(head, "big")
    if head[0] or head[1] or head[2] not in IDX_TYPES or head[3] == 0:
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
    return tuple(int(d) for d in dims), np.dtype(IDX_TYPES[head[2]]), 4 + 4 * ndim


# --- .npz -------------------------------------------------------------------------------


def npz_source(file: BinaryIO, name: str, key: str | None, one_d: str) -> BinarySource:
    """One array of an .npz archive (``file``, open; closed with the source), streamed from its zip member."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        file.close()
        raise InputError(f"{name}: not a readable .npz archive ({one_line(err)})") from None

    def close() -> None:
        archive.close()
        file.close()

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

        def reopen() -> PeekableStream:
            try:
                return PeekableStream(ZipMemberStream(archive.open(f"{key}.npy"), label))
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as err:
                raise InputError(f"{label}: cannot read ({one_line(err)})") from None

        info = archive.getinfo(f"{key}.npy")
        check_zip_member(label, info)
        stream = reopen()
        try:
            shape, fortran, dtype, offset = read_npy_header(stream, label)
            check_declared(label, ".npz member", shape, dtype, offset, info.file_size)
            return BinarySource(label, "npz", shape, dtype, one_d, stream, offset, reopen, exact_end=False,
                                fortran=fortran, on_close=close)
        except BaseException:
            stream.close()
            raise
    except BaseException:
        close()
        raise

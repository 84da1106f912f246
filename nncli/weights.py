"""A config's arrays: inline YAML matrices, ``{file: w.npy}``, ``{file: net.npz, key: W1}`` and
keys of the top-level ``weights_file`` (read with ``allow_pickle=False``, checked for shape,
dtype range and NaN/Inf); and the small typed readers the config parser shares.

Paths are relative to the directory given as ``base`` (the config file's directory; the
current directory for a config read from stdin). Every error is a ConfigError at the YAML
node at fault.

``np.load`` allocates what an array's header declares before it reads the data, so each
header is read and checked first (``nncli.data.binary.check_declared``): the declared data
must fit in the file (for an .npz member, in the size the zip directory gives, which must
itself fit in what the compressed bytes can expand to) and in MAX_WEIGHTS_BYTES.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from nncli.data.binary import NPY_MAGIC, check_declared, check_zip_member, parse_npy_header
from nncli.errors import ConfigError, Mark, did_you_mean, plural
from nncli.yamlstrict import STDIN, YNode


# --- arrays: inline or from .npy/.npz files -------------------------------------------


class WeightsArchive:
    """The top-level ``weights_file``: a .npz archive whose keys layers may name."""

    def __init__(self, node: YNode, base: Path) -> None:
        if not isinstance(node.value, str):
            raise ConfigError("weights_file must be a file name (e.g. weights_file: net.npz)", node.mark)
        self.node = node
        self.path = base / node.value
        self.arrays = _open_npz(self.path, node)

    def get(self, key: str, mark: Mark) -> np.ndarray:
        return _npz_member(self.arrays, key, self.node.value, mark)


class ArrayReader:
    def __init__(self, base: Path, archive: WeightsArchive | None, dtype: str, allow_nonfinite: bool) -> None:
        self.base = base
        self.archive = archive
        self.dtype = np.dtype(dtype)
        self.allow_nonfinite = allow_nonfinite
        self._npz_cache: dict[Path, Any] = {}

    def close(self) -> None:
        """Close every .npz archive opened while reading."""
        for archive in [*self._npz_cache.values(), *([self.archive.arrays] if self.archive else [])]:
            archive.close()

    def read(self, node: YNode, what: str, ndim: int) -> np.ndarray:
        """An array from inline YAML, ``{file: ..., key: ...}`` or a key into weights_file."""
        if isinstance(node.value, str):
            if self.archive is None:
                raise ConfigError(
                    f"{what}: '{node.value}' names an array, but the config has no weights_file; "
                    f"give numbers, {{file: name.npy}} or set weights_file",
                    node.mark,
                )
            raw = self.archive.get(node.value, node.mark)
            source = f"{self.archive.node.value}[{node.value}]"
            return self._check(raw, what, ndim, node.mark, source)
        if node.is_mapping:
            spec = mapping(node, what, ("file", "key"))
            if "file" not in spec:
                raise ConfigError(f"{what}: a file reference needs 'file' (e.g. {{file: w1.npy}})", node.mark)
            file_node = spec["file"]
            if not isinstance(file_node.value, str):
                raise ConfigError(f"{what}: 'file' must be a file name", file_node.mark)
            path = self.base / file_node.value
            if "key" in spec:
                key_node = spec["key"]
                if not isinstance(key_node.value, (str, int)) or isinstance(key_node.value, bool):
                    raise ConfigError(f"{what}: 'key' must be a name", key_node.mark)
                if path not in self._npz_cache:
                    self._npz_cache[path] = _open_npz(path, file_node)
                raw = _npz_member(self._npz_cache[path], str(key_node.value), file_node.value, key_node.mark)
                source = f"{file_node.value}[{key_node.value}]"
            else:
                raw = _load_npy(path, file_node)
                source = file_node.value
            return self._check(raw, what, ndim, node.mark, source)
        if node.is_sequence:
            return self._check(inline_matrix(node, what, ndim, self.allow_nonfinite), what, ndim, node.mark, None)
        raise ConfigError(
            f"{what}: expected a list of numbers, {{file: ...}} or a key of weights_file, not {describe(node.value)}",
            node.mark,
        )

    def _check(self, raw: np.ndarray, what: str, ndim: int, mark: Mark, source: str | None) -> np.ndarray:
        origin = f" (from {source})" if source else ""
        if raw.dtype.kind not in "iuf":
            raise ConfigError(f"{what}{origin}: array of {raw.dtype} is not numeric", mark)
        if raw.ndim != ndim:
            shape = "(inputs, units)" if ndim == 2 else "(units,)"
            raise ConfigError(
                f"{what}{origin}: expected a {ndim}-D array of shape {shape}, got shape {raw.shape}", mark
            )
        if 0 in raw.shape:
            raise ConfigError(f"{what}{origin}: array is empty (shape {raw.shape})", mark)
        arr = to_dtype(raw, self.dtype, f"{what}{origin}", mark)
        if not self.allow_nonfinite and not np.isfinite(arr).all():
            bad = np.argwhere(~np.isfinite(arr))[0]
            where = ", ".join(str(int(i)) for i in bad)
            raise ConfigError(
                f"{what}{origin}: value at [{where}] is {arr[tuple(bad)]}; NaN/Inf weights are refused "
                f"unless the config sets allow_nonfinite: true",
                mark,
            )
        arr.flags.writeable = False
        return arr


def to_dtype(raw: np.ndarray, dtype: np.dtype, what: str, mark: Mark) -> np.ndarray:
    """``raw`` as a C-contiguous array of ``dtype``; ConfigError naming the first finite value
    too large for it (a float64 1e39 for float32), without numpy's overflow warning."""
    with np.errstate(over="ignore"):  # reported below
        arr = np.ascontiguousarray(raw, dtype=dtype)
    overflowed = ~np.isfinite(arr) & np.isfinite(raw)
    if overflowed.any():
        bad = np.argwhere(overflowed)[0]
        where = ", ".join(str(int(i)) for i in bad)
        raise ConfigError(
            f"{what}: value at [{where}] is {float(raw[tuple(bad)]):g}, too large for {dtype} "
            f"(largest {float(np.finfo(dtype).max):.4g})",
            mark,
        )
    return arr


def inline_matrix(node: YNode, what: str, ndim: int, allow_nonfinite: bool = False) -> np.ndarray:
    """A list (ndim 1) or list of rows (ndim 2) of numbers; errors point at the element at fault."""
    items = node.value
    if ndim == 1:
        return np.array([_element(item, what, allow_nonfinite) for item in items], dtype=np.float64)
    if not items:
        raise ConfigError(f"{what}: empty list", node.mark)
    if all(not item.is_sequence for item in items):
        example = ", ".join(f"[{_short(item.value)}]" for item in items[:3])
        raise ConfigError(
            f"{what}: W must be a list of rows, shape (inputs, units); got a flat list of {len(items)} values "
            f"(for {len(items)} inputs and 1 unit write [{example}{', ...' if len(items) > 3 else ''}])",
            node.mark,
        )
    rows: list[list[float]] = []
    width: int | None = None
    for r, row in enumerate(items, start=1):
        if not row.is_sequence:
            raise ConfigError(f"{what}: row {r} is {describe(row.value)}, not a list of numbers", row.mark)
        values = [_element(item, what, allow_nonfinite) for item in row.value]
        if width is None:
            width = len(values)
            if width == 0:
                raise ConfigError(f"{what}: row 1 is empty", row.mark)
        elif len(values) != width:
            raise ConfigError(
                f"{what}: ragged matrix: row {r} has {plural(len(values), 'value')}, row 1 has {width}", row.mark
            )
        rows.append(values)
    return np.array(rows, dtype=np.float64)


def _element(item: YNode, what: str, allow_nonfinite: bool) -> float:
    value = item.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{what}: {describe(value)} is not a number", item.mark)
    number = float(value)
    if not allow_nonfinite and (number != number or number in (float("inf"), float("-inf"))):
        raise ConfigError(
            f"{what}: {number} is refused; NaN/Inf weights need allow_nonfinite: true in the config", item.mark
        )
    return number


# 256 MiB for one weights array: 32 million float64 parameters, 700 times the MNIST
# network's 45,360 (whose largest array, 784 x 50 float64, is 306 KiB).
MAX_WEIGHTS_BYTES = 256 * 2**20


def _check_header(handle: BinaryIO, name: str, kind: str, available: int, mark: Mark) -> None:
    """ConfigError if the .npy header at ``handle``'s position is damaged (in any way numpy's
    parser can fail or warn: see nncli.data.binary.parse_npy_header), or declares more than
    ``available`` bytes or MAX_WEIGHTS_BYTES."""
    try:
        shape, _fortran, dtype = parse_npy_header(handle)
    except ValueError as err:
        raise ConfigError(f"{name}: not a readable {kind} (corrupt .npy header: {_reason(err)})", mark) from None
    check_declared(name, kind, shape, dtype, handle.tell(), available, MAX_WEIGHTS_BYTES, ConfigError, mark)


# What reading a damaged file raises (np.load, zipfile); a damaged header is caught by _check_header first.
_LOAD_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error)


def _open_npz(path: Path, node: YNode) -> Any:
    """The .npz archive ``path`` (numpy's NpzFile, opened lazily; members are read by npz_member).

    The file is opened here and handed to NpzFile, which then owns it; if the archive is
    unreadable it is closed here (np.load leaves it open when zipfile raises)."""
    if _check_file(path, node) == NPY_MAGIC:
        raise ConfigError(f"{node.value}: is a .npy array, not a .npz archive of named arrays", node.mark)
    handle = open(path, "rb")  # owned by the NpzFile, or closed below
    try:
        return np.lib.npyio.NpzFile(handle, own_fid=True, allow_pickle=False)
    except _LOAD_ERRORS as err:
        handle.close()
        raise ConfigError(f"{node.value}: not a readable .npz file ({_reason(err)})", node.mark) from None
    except BaseException:
        handle.close()
        raise


def _npz_member(archive: Any, key: str, file_name: str, mark: Mark) -> np.ndarray:
    """The array ``key`` of an open archive (its sizes checked first; see the module docstring)."""
    if key not in archive.files:
        raise ConfigError(
            f"{file_name} has no array '{key}'{did_you_mean(key, archive.files)}; "
            f"it has: {', '.join(archive.files)}",
            mark,
        )
    label = f"{file_name}[{key}]"
    try:
        zip_file = archive.zip
        member = f"{key}.npy" if f"{key}.npy" in zip_file.namelist() else key
        info = zip_file.getinfo(member)
        check_zip_member(label, info, ConfigError, mark)
        with zip_file.open(member) as handle:
            _check_header(handle, label, ".npz member", info.file_size, mark)
        return archive[key]
    except _LOAD_ERRORS as err:
        raise ConfigError(f"{label}: cannot read ({_reason(err)})", mark) from None


def _load_npy(path: Path, node: YNode) -> np.ndarray:
    """The array of a .npy file (its header checked first; see the module docstring)."""
    if _check_file(path, node) != NPY_MAGIC:
        raise ConfigError(
            f"{node.value}: is a .npz archive; name the array with {{file: {node.value}, key: NAME}}",
            node.mark,
        )
    try:
        with open(path, "rb") as handle:
            _check_header(handle, node.value, ".npy file", path.stat().st_size, node.mark)
            handle.seek(0)
            return np.load(handle, allow_pickle=False)
    except _LOAD_ERRORS as err:
        raise ConfigError(f"{node.value}: not a readable .npy file ({_reason(err)})", node.mark) from None


def _check_file(path: Path, node: YNode) -> bytes:
    """The first 6 bytes of ``path``, a regular file that starts as an .npy or .npz does;
    ConfigError otherwise (missing, a directory, a device or pipe, empty, another format)."""
    if not path.exists():
        base = "the current directory, as the config came from stdin" if node.mark.path == STDIN else "the config file"
        raise ConfigError(f"file not found: {path} (paths are relative to {base})", node.mark)
    if path.is_dir():
        raise ConfigError(f"{node.value}: is a directory, not a weights file", node.mark)
    if not path.is_file():  # np.load would read a device or a FIFO without end
        raise ConfigError(f"{node.value}: is not a regular file (a device or a pipe), not a weights file", node.mark)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as err:
        raise ConfigError(f"{node.value}: cannot read ({err.strerror})", node.mark) from None
    if size == 0:
        raise ConfigError(f"{node.value}: empty file", node.mark)
    if magic != NPY_MAGIC and not magic.startswith(b"PK"):
        raise ConfigError(
            f"{node.value}: not a NumPy .npy or .npz file (those start with \\x93NUMPY or PK; "
            f"this starts with {magic!r})",
            node.mark,
        )
    return magic


def _reason(err: BaseException) -> str:
    text = " ".join(str(err).split())
    if "allow_pickle" in text or "Object arrays" in text:
        return "it holds Python objects, which nncli never unpickles; save plain numeric arrays"
    return text or type(err).__name__


# --- small readers the config shares ---------------------------------------------


def mapping(node: YNode, what: str, allowed: tuple[str, ...]) -> dict[str, YNode]:
    if not node.is_mapping:
        raise ConfigError(f"{what} must be a mapping of keys, not {describe(node.value)}", node.mark)
    for key, _value, key_mark in node.items():
        if key not in allowed:
            raise ConfigError(
                f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}",
                key_mark,
            )
    return node.value


def describe(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{value}' (a string)"
    return repr(value)



def _short(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)

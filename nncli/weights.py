"""Weights files a config names (.npy, and .npz archives of named arrays), read safely.

``np.load`` allocates what an array's header declares before it reads the data, so each
header is read and checked first (``nncli.data.binary.check_declared``): the declared data
must fit in the file (for an .npz member, in the size the zip directory gives, which must
itself fit in what the compressed bytes can expand to) and in MAX_WEIGHTS_BYTES. Nothing is
ever unpickled (``allow_pickle=False``). Every problem is a ConfigError at the config's node
that names the file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from nncli.data.binary import check_declared, check_zip_member
from nncli.errors import ConfigError, Mark, did_you_mean
from nncli.yamlstrict import YNode

# 256 MiB for one weights array: 32 million float64 parameters, 700 times the MNIST
# network's 45,360 (whose largest array, 784 x 50 float64, is 306 KiB).
MAX_WEIGHTS_BYTES = 256 * 2**20


def _check_header(handle: BinaryIO, name: str, kind: str, available: int, mark: Mark) -> None:
    """ConfigError if the .npy header at ``handle``'s position declares more than
    ``available`` bytes or MAX_WEIGHTS_BYTES; a damaged header is left to np.load's message."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(handle)
        read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, _fortran, dtype = read(handle)
    except (ValueError, OSError, EOFError):
        return
    check_declared(name, kind, tuple(int(d) for d in shape), np.dtype(dtype), handle.tell(), available,
                   MAX_WEIGHTS_BYTES, ConfigError, mark)


# What np.load raises on a damaged file.
_LOAD_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile)


def open_npz(path: Path, node: YNode) -> Any:
    """The .npz archive ``path`` (numpy's NpzFile, opened lazily; members are read by npz_member)."""
    _check_file(path, node)
    try:
        archive = np.load(path, allow_pickle=False)
    except _LOAD_ERRORS as err:
        raise ConfigError(f"{node.value}: not a readable .npz file ({_reason(err)})", node.mark) from None
    if not hasattr(archive, "files"):
        raise ConfigError(f"{node.value}: is a .npy array, not a .npz archive of named arrays", node.mark)
    return archive


def npz_member(archive: Any, key: str, file_name: str, mark: Mark) -> np.ndarray:
    """The array ``key`` of an open archive (its sizes checked first; see the module docstring)."""
    if key not in archive.files:
        raise ConfigError(
            f"{file_name} has no array '{key}'{did_you_mean(key, archive.files)}; "
            f"it has: {', '.join(archive.files)}",
            mark,
        )
    try:
        zip_file = archive.zip
        member = f"{key}.npy" if f"{key}.npy" in zip_file.namelist() else key
        info = zip_file.getinfo(member)
        check_zip_member(f"{file_name}[{key}]", info, ConfigError, mark)
        with zip_file.open(member) as handle:
            _check_header(handle, f"{file_name}[{key}]", ".npz member", info.file_size, mark)
        return archive[key]
    except _LOAD_ERRORS as err:
        raise ConfigError(f"{file_name}[{key}]: cannot read ({_reason(err)})", mark) from None


def load_npy(path: Path, node: YNode) -> np.ndarray:
    """The array of a .npy file (its header checked first; see the module docstring)."""
    _check_file(path, node)
    try:
        with open(path, "rb") as handle:
            _check_header(handle, node.value, ".npy file", path.stat().st_size, node.mark)
        arr = np.load(path, allow_pickle=False)
    except _LOAD_ERRORS as err:
        raise ConfigError(f"{node.value}: not a readable .npy file ({_reason(err)})", node.mark) from None
    if not isinstance(arr, np.ndarray):
        raise ConfigError(
            f"{node.value}: is a .npz archive; name the array with {{file: {node.value}, key: NAME}}",
            node.mark,
        )
    return arr


def _check_file(path: Path, node: YNode) -> None:
    if not path.exists():
        raise ConfigError(f"file not found: {path} (paths are relative to the config file)", node.mark)
    if path.is_dir():
        raise ConfigError(f"{node.value}: is a directory, not a weights file", node.mark)
    if not path.is_file():  # np.load would read a device or a FIFO without end
        raise ConfigError(f"{node.value}: is not a regular file (a device or a pipe), not a weights file", node.mark)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ConfigError(f"{node.value}: cannot read ({err.strerror})", node.mark) from None
    if size == 0:
        raise ConfigError(f"{node.value}: empty file", node.mark)
    with open(path, "rb") as handle:
        magic = handle.read(6)
    if magic != b"\x93NUMPY" and not magic.startswith(b"PK"):
        raise ConfigError(
            f"{node.value}: not a NumPy .npy or .npz file (those start with \\x93NUMPY or PK; "
            f"this starts with {magic!r})",
            node.mark,
        )


def _reason(err: BaseException) -> str:
    text = " ".join(str(err).split())
    if "allow_pickle" in text or "Object arrays" in text:
        return "it holds Python objects, which nncli never unpickles; save plain numeric arrays"
    return text or type(err).__name__

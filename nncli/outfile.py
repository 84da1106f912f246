"""Writing output files whole or not at all: write a temporary file beside the target, then rename.

A target that exists and is not a regular file (``/dev/null``, ``/dev/stdout``, a FIFO, a
terminal) is written to directly: renaming over it would replace the device or pipe by a file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Iterator

from nncli.errors import NncliError


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on success it replaces ``path``.

    If the body raises, the temporary file is removed and ``path`` is left untouched, so a
    failed run never leaves a half-written output file. A ``path`` that exists and is neither
    a regular file nor a directory (a device, a FIFO) is opened and written directly.
    """
    shown = os.fspath(path)
    if _is_special(shown):
        with _open_direct(shown, mode) as handle:
            yield handle
        return
    target = check_output_path(path)
    fd, tmp = _mkstemp_beside(target, shown)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding, newline=None if "b" in mode else "") as handle:
            yield handle
        publish(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """NncliError unless ``path`` can name an output file: not empty, not a directory, in a
    directory that exists. Returns the file to replace (symlinks resolved). Commands call it
    before computing, so a bad name costs nothing; ``atomic_output`` calls it again."""
    shown = os.fspath(path)
    if not shown:
        raise NncliError("the output file name is empty")
    if _is_special(shown):
        return Path(shown)
    target = Path(os.path.realpath(path))  # through a symlink: replace what it points to
    if target.is_dir():
        raise NncliError(f"{shown}: is a directory, not an output file")
    if not target.parent.is_dir():
        raise NncliError(f"{shown}: directory {Path(shown).parent} does not exist")
    return target


def _is_special(path: str) -> bool:
    """True if ``path`` (symlinks followed) exists and is neither a regular file nor a directory."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _open_direct(path: str, mode: str) -> IO:
    """``path`` opened for writing in ``mode`` as it is (no temporary file); NncliError if it cannot be."""
    binary = "b" in mode
    try:
        return open(path, mode, encoding=None if binary else "utf-8", newline=None if binary else "")
    except OSError as err:
        raise NncliError(f"{path}: cannot write: {err.strerror}") from None


def new_part_file(path: str | os.PathLike[str]) -> str:
    """An empty ``.NAME.XXXX.part`` file beside ``path`` (checked by check_output_path), for
    writers that fill it in pieces (the Dask workers) and then ``publish`` it."""
    fd, part = _mkstemp_beside(check_output_path(path), os.fspath(path))
    os.close(fd)
    return part


def publish(part: str, target: str | os.PathLike[str]) -> None:
    """Give a finished part file the permissions open() would have, then rename it to ``target``."""
    os.chmod(part, 0o666 & ~_umask())  # mkstemp makes 0600
    os.replace(part, target)


def _mkstemp_beside(target: Path, shown: str) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as err:
        raise NncliError(f"{shown}: cannot write: {err.strerror}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

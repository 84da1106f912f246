"""The property every fuzz target must keep, and the hostile fragments the strategies draw from.

``outcome(call)`` runs one example under these bounds and returns the value or the NncliError;
anything else fails the example with a message naming what went wrong:

- another exception (a traceback for the user): ``raised ValueError: ...``;
- a warning of any kind (RuntimeWarning from numpy, ResourceWarning for an unclosed file);
- no answer within ``TIME_LIMIT`` seconds of CPU time (a SIGPROF timer interrupts it: a hang), or
  within ``WALL_LIMIT`` seconds of wall time (SIGALRM: a wait, e.g. on a pipe). CPU time, because
  the machine that runs the suite may be busy: a loaded machine must not turn into failures;
- more than ``MEMORY_LIMIT`` bytes at peak, as tracemalloc sees them (numpy reports its arrays
  to tracemalloc, so a header that makes the reader allocate what it declares shows here);
- an error message of more than one line (the command line prints it as one line).
"""

from __future__ import annotations

import gc
import gzip
import io
import re
import signal
import struct
import time
import tracemalloc
import warnings
import zipfile
from typing import Any, Callable

import numpy as np
from hypothesis import currently_in_test_context, event, reject

from nncli.errors import NncliError

TIME_LIMIT = 3.0  # CPU seconds per example: every well-behaved example here takes milliseconds
WALL_LIMIT = 30.0  # wall-clock seconds per example
MEMORY_LIMIT = 200 * 1024 * 1024  # bytes at peak per example: the files are a few KB


class Hang(BaseException):
    """Raised by a timer inside the target (a BaseException, so no ``except Exception`` hides it)."""


def _alarm(signum: int, _frame: Any) -> None:
    raise Hang("CPU" if signum == signal.SIGPROF else "wall-clock")


# Known open bugs that a broad fuzz test may stumble on while it looks for others: a pattern of the
# failure text (re.search) -> the test in test_regressions.py that pins the bug down as
# xfail(strict=True). With ``known_ok``, outcome() discards such an example (hypothesis.reject)
# instead of failing. When a fix makes that xfail test pass, delete its entry. Empty: every bug of
# issue 9 the fuzz targets found is fixed (test_regressions.py keeps the smallest input of each).
KNOWN_BUGS: dict[str, str] = {}


def outcome(call: Callable[[], Any], what: str, *, seconds: float = TIME_LIMIT,
            max_bytes: int = MEMORY_LIMIT, known_ok: bool = False) -> Any:
    """``call()``'s value or the NncliError it raised; AssertionError for any other outcome
    (with ``known_ok``, an outcome matching KNOWN_BUGS rejects the example instead)."""
    failure: str | None = None
    result: Any = None
    previous = signal.signal(signal.SIGALRM, _alarm), signal.signal(signal.SIGPROF, _alarm)
    gc.freeze()  # the collection below then looks only at objects made during the call (fast)
    tracemalloc.start()
    start = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            signal.setitimer(signal.ITIMER_PROF, seconds)
            signal.setitimer(signal.ITIMER_REAL, WALL_LIMIT)
            try:
                result = call()
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
                signal.setitimer(signal.ITIMER_REAL, 0)
        except NncliError as err:
            result = err
            # Forget the frames the error carries (its traceback and the exception it replaced), so
            # that whatever the failed call left open is collected below and warns here.
            err.__traceback__ = err.__context__ = err.__cause__ = None
        except Hang as hang:
            limit = f"{seconds:g} s of CPU time" if hang.args == ("CPU",) else f"{WALL_LIMIT:g} s of wall-clock time"
            failure = f"no answer within {limit} (a hang)"
        except BaseException as err:  # noqa: BLE001 - the property is about every other exception
            failure = f"raised {type(err).__name__}: {_clip(str(err))}"
        finally:
            elapsed = time.process_time() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            signal.signal(signal.SIGALRM, previous[0])
            signal.signal(signal.SIGPROF, previous[1])
        gc.collect()  # an unclosed file warns when it is collected
        gc.unfreeze()
    if failure is None and caught:
        first = caught[0]
        failure = f"warned {first.category.__name__}: {_clip(str(first.message))}"
    if failure is None and peak > max_bytes:
        failure = f"took {peak / 2**20:.0f} MB at peak (limit {max_bytes / 2**20:.0f} MB)"
    if failure is None and isinstance(result, NncliError) and "\n" in str(result):
        failure = f"error message is not one line: {str(result)!r}"
    if failure is not None and known_ok and currently_in_test_context():
        for pattern, test in KNOWN_BUGS.items():
            if re.search(pattern, failure):
                event(f"known bug, see {test}")
                reject()
    if failure is not None:
        raise AssertionError(f"{what}: {failure} [{elapsed:.2f} s of CPU]")
    if currently_in_test_context():  # counted in --hypothesis-show-statistics
        event("refused" if isinstance(result, NncliError) else "accepted")
    return result


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- hostile fragments ------------------------------------------------------------------

# Spellings of numbers at and beyond float64's edges, in the grammars of YAML, JSON and CSV.
NUMBER_TOKENS = [
    "0", "-0", "-0.0", "+0.0", "1", "-1", "0.5", ".5", "5.", "1e-3", "1E3", "-2E5",
    "1e308", "1.7976931348623157e308", "1.8e308", "-1.8e308", "1e309", "1e400", "-1e400", "1e99999",
    "1e-300", "4.9e-324", "5e-324", "1e-400", "-1e-400", "2.2250738585072014e-308",
    "9" * 400, "-" + "9" * 400, "0." + "0" * 400 + "1", "1" + "0" * 310,
    "nan", "NaN", "NAN", "-nan", "inf", "-inf", "+inf", "Inf", "INF", "infinity", "-Infinity", "Infinity",
    ".inf", "-.inf", ".nan", ".NaN", "1_000", "0x1F", "0o17", "0b101", "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    "1e", "e5", "--1", "1.2.3", "١٢", "１", "0x", "", " ", "true", "null", "~",
    "65504", "65520", "3.5e38", "3.4028235e38", "-3.5e38", "9223372036854775807", "9223372036854775808",
    "18446744073709551616", "-9223372036854775809",
]


def npy_header_bytes(shape: tuple[int, ...], descr: str = "<f8", fortran: bool = False,
                     version: tuple[int, int] = (1, 0), raw_shape: str | None = None) -> bytes:
    """An .npy header (magic, version, length, dict) declaring anything, valid or not."""
    shape_text = raw_shape if raw_shape is not None else repr(tuple(shape))
    header = "{'descr': %r, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_text)
    prefix = 10 if version == (1, 0) else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    length = struct.pack("<H", len(header)) if version == (1, 0) else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes(version) + length + header.encode("latin-1")


def npy_bytes(array: np.ndarray) -> bytes:
    """``array`` as np.save writes it."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npz_bytes(arrays: dict[str, np.ndarray], compressed: bool) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def npz_of_members(members: dict[str, bytes]) -> bytes:
    """An .npz (a zip of ``NAME.npy`` members) holding arbitrary member bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(f"{name}.npy", data)
    return buffer.getvalue()


_IDX_CODES = {"u1": 0x08, "i1": 0x09, ">i2": 0x0B, ">i4": 0x0C, ">f4": 0x0D, ">f8": 0x0E}


def idx_bytes(array: np.ndarray, code: str) -> bytes:
    """``array`` in LeCun's IDX format with element type ``code`` (a key of _IDX_CODES)."""
    data = np.ascontiguousarray(array, dtype=np.dtype(code))
    return idx_header_bytes(data.shape, code) + data.tobytes()


def idx_header_bytes(dims: tuple[int, ...], code: str) -> bytes:
    return bytes([0, 0, _IDX_CODES[code], len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1, mtime=0)

"""Reading the book's pickled weights without running anyone's code, and saving them as .npz.

A pickle is a small program: unpickling calls whatever functions it names, so
``pickle.load`` on a downloaded file can run ``os.system("...")``. The book ships its trained
network as ``sample_weight.pkl``, a pickled dict of numpy arrays. ``load_arrays`` reads
such files with an unpickler that resolves only the few names numpy arrays need and refuses
every other one *before* anything is called, so a malicious file is rejected and nothing
of it runs. ``import_weights`` then writes the arrays as an .npz archive (no pickle inside),
which configs name with ``weights_file:``.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np
from numpy._core import multiarray, numeric  # numpy >= 2; numpy.core is a deprecated alias

from nncli.data.files import open_user_file
from nncli.errors import InputError
from nncli.outfile import atomic_output

MAX_PICKLE_BYTES = 256 * 2**20  # as a config's weights array (nncli.weights); the book's pickle is 0.7 MB


def _encode_latin1(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` as pickles of bytes use it (protocol 2), for latin-1 text only."""
    if not isinstance(text, str) or encoding.lower().replace("_", "-") not in ("latin1", "latin-1", "iso-8859-1"):
        raise _Refused("_codecs.encode with an encoding other than latin-1")
    return text.encode("latin-1")


def _allowed() -> dict[tuple[str, str], Any]:
    """Every global a pickle of numpy arrays needs, and nothing else: (module, name) -> object."""
    allowed: dict[tuple[str, str], Any] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): _encode_latin1,
        ("collections", "OrderedDict"): dict,
        ("builtins", "list"): list,
        ("builtins", "dict"): dict,
        ("builtins", "tuple"): tuple,
        ("__builtin__", "list"): list,
        ("__builtin__", "dict"): dict,
    }
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(module, "_reconstruct")] = multiarray._reconstruct
        allowed[(module, "scalar")] = multiarray.scalar
    for module in ("numpy.core.numeric", "numpy._core.numeric"):
        allowed[(module, "_frombuffer")] = numeric._frombuffer  # arrays pickled with protocol 5
    return allowed


class _Refused(Exception):
    """The pickle names something outside the allowed set."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only what numpy arrays, lists and dicts need.

    ``find_class`` is the only way a pickle reaches a Python object by name (GLOBAL,
    STACK_GLOBAL and the extension registry all go through it); refusing there happens
    before REDUCE can call anything. Persistent ids are refused as well.
    """

    def __init__(self, file: io.BufferedIOBase) -> None:
        super().__init__(file)
        self._allowed = _allowed()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise _Refused(f"{module}.{name}") from None

    def persistent_load(self, pid: Any) -> Any:
        raise _Refused("a persistent id")


def load_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """The named numeric arrays in a pickle of a dict (or list/tuple) of numpy arrays.

    Dict keys become the names; a list's items are named ``arr_0``, ``arr_1``, ... (as
    ``np.savez`` names positional arrays). Raises InputError if the pickle names anything
    but numpy arrays and containers (nothing it names is ever called), if it is not a
    readable pickle, or if an array is not numeric.
    """
    name = str(path)
    with open_user_file(path, "pickle") as handle:  # a device or a FIFO is read up to the limit
        data = handle.read(MAX_PICKLE_BYTES + 1)
    if len(data) > MAX_PICKLE_BYTES:
        raise InputError(f"{name}: larger than weights pickles ever are (limit {MAX_PICKLE_BYTES} bytes)")
    if data[:6] == b"\x93NUMPY" or data[:4] == b"PK\x03\x04":
        raise InputError(f"{name}: is a NumPy .npy/.npz file, not a pickle; a config can name it directly")
    try:
        obj = RestrictedUnpickler(io.BytesIO(data)).load()
    except _Refused as err:
        raise InputError(
            f"{name}: refused to unpickle '{err}': only numpy arrays, lists and dicts are allowed "
            f"(nothing in the file was run)"
        ) from None
    except Exception as err:  # noqa: BLE001 - a damaged pickle can raise almost anything
        reason = " ".join(str(err).split()) or type(err).__name__
        raise InputError(f"{name}: not a readable pickle of arrays ({reason})") from None
    return _named_arrays(obj, name)


def _named_arrays(obj: Any, name: str) -> dict[str, np.ndarray]:
    if isinstance(obj, dict):
        items = list(obj.items())
    elif isinstance(obj, (list, tuple)):
        items = [(f"arr_{i}", value) for i, value in enumerate(obj)]
    elif isinstance(obj, np.ndarray):
        items = [("arr_0", obj)]
    else:
        raise InputError(f"{name}: holds {type(obj).__name__}, not a dict or list of arrays")
    if not items:
        raise InputError(f"{name}: holds no arrays")
    arrays: dict[str, np.ndarray] = {}
    for key, value in items:
        if not isinstance(key, str) or not key or any(c in key for c in "/\\\0") or key.startswith("."):
            raise InputError(f"{name}: key {key!r} cannot name an array (use plain text names such as W1)")
        if not isinstance(value, np.ndarray):
            raise InputError(f"{name}: '{key}' is {type(value).__name__}, not a numpy array")
        if value.dtype.hasobject or value.dtype.kind not in "biuf" or value.dtype.fields is not None:
            raise InputError(f"{name}: '{key}' is an array of {value.dtype}; only numeric arrays can be imported")
        arrays[key] = np.ascontiguousarray(value)
    return arrays


# A NamedTuple, not a frozen dataclass: as immutable, and defined ~7x faster at start-up
# (Python 3.11 execs six generated methods per frozen dataclass; every command imports this module).
class ImportedArray(NamedTuple):
    """One array written by ``import_weights``."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    finite: bool


def import_weights(source: str | Path, output: str | Path) -> list[ImportedArray]:
    """Read a pickle of arrays safely (``load_arrays``) and write them to an .npz archive.

    The archive is written whole or not at all (``nncli.outfile.atomic_output``) and holds
    no pickle: every array is numeric and written with ``allow_pickle=False``. Returns what
    was written, in the pickle's order.
    """
    target = Path(output)
    if target.suffix.lower() != ".npz":
        raise InputError(f"{output}: the output must be an .npz file (e.g. -o weights.npz)")
    arrays = load_arrays(source)
    with atomic_output(target) as handle:
        write_npz(handle, arrays)
    return [
        ImportedArray(key, tuple(int(d) for d in value.shape), str(value.dtype), bool(np.isfinite(value).all()))
        for key, value in arrays.items()
    ]


def write_npz(handle: IO[bytes], arrays: dict[str, np.ndarray]) -> None:
    """An uncompressed .npz archive of ``arrays`` (what ``np.savez`` writes, but any key is a
    valid name, even 'file', and pickling is off)."""
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, value in arrays.items():
            with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, value, allow_pickle=False)

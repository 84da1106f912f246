"""The smallest input for each bug of issue 9 the fuzz targets found, kept as regression tests.

Each was pinned here as ``xfail(strict=True)`` while the bug was open, and is a plain test now it
is fixed; the comment above each names the bug. A new bug found by fuzzing goes here the same way
(xfail, strict, its reason naming the function at fault) with an entry in harness.KNOWN_BUGS, so
that the broad fuzz targets keep looking for others while it is open.
Each runs under harness.outcome: a value or a one-line NncliError within 3 s and 200 MB, no warning.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from nncli.config import load_spec
from nncli.data import open_inputs, read_labels
from nncli.errors import NncliError
from nncli.network import Network
from nncli.yamlstrict import parse
from tests.fuzz.harness import gz, idx_header_bytes, npy_bytes, npy_header_bytes, npz_of_members, outcome
from tests.fuzz.yamlgen import laughs


def read_all_batches(path: "str | Path", stdin: bytes | None = None, batch_size: int = 8192) -> int:
    kwargs = {"stdin": io.BytesIO(stdin)} if stdin is not None else {}
    with open_inputs(path, **kwargs) as source:
        return sum(batch.shape[0] for batch in source.batches(batch_size))


def refused(call, what: str) -> NncliError:
    """The NncliError ``call`` must end in, within the bounds of harness.outcome."""
    result = outcome(call, what)
    assert isinstance(result, NncliError), f"{what}: accepted ({result!r})"
    return result


# --- YAML ------------------------------------------------------------------------------


# Was: yamlstrict._convert expanded every alias (9**6 values: ~9 s, ~380 MB) before any key was checked.
def test_billion_laughs_six_levels_bounded():
    text = laughs(6, 9, "unknown_key")  # 9**6 = 531,441 values from 9 short lines
    refused(lambda: parse(text, "laughs.yaml"), "parse(<aliases 6 levels x 9 wide under an unknown key>)")


# Was: after libyaml reported a syntax error, yamlstrict.parse re-parsed with PyYAML's pure-Python
# composer, which recursed once per level (RecursionError).
def test_deep_flow_list_with_syntax_error():
    text = "[" * 500 + "]" * 499  # one bracket short
    refused(lambda: parse(text, "deep.yaml"), "parse('[' * 500 + ']' * 499)")


# Was: 'YAML nested too deeply (recursive anchor?)' for a file without any anchor.
def test_deep_nesting_message_without_anchor():
    text = "[" * 66 + "]" * 66
    result = outcome(lambda: parse(text, "deep.yaml"), "parse('[' * 66 + ']' * 66)")
    assert isinstance(result, NncliError) and "anchor" not in str(result), str(result)


# --- files ------------------------------------------------------------------------------


def _was(name: str, data: bytes, reader: str, bug: str):
    """A case and the bug of issue 9 it found (shown if it comes back)."""
    return pytest.param(name, data, reader, f"issue 9: {bug}", id=f"{reader}-{name}")


HOSTILE_FILES = [
    _was("deep.json", b"[" * 1000 + b"]" * 1000, "open_inputs", "data._json_source's json.load raised RecursionError"),
    _was("deep.jsonl", b"[" * 1000 + b"]" * 1000 + b"\n", "open_inputs",
         "data._TextSource._json_line's json.loads raised RecursionError"),
    _was("big.json", b"[[1e400]]", "open_inputs", "JSON read 1e400 as inf (data._json_row); CSV refused it"),
    _was("big.jsonl", b"[1e400]\n", "open_inputs", "JSON Lines read 1e400 as inf (data._json_row); CSV refused it"),
    _was("bigint.json", b"[[1" + b"0" * 309 + b"]]", "open_inputs",
         "(found by fuzzing) a JSON integer beyond float64 (1 followed by 309 zeros) raised OverflowError "
         "'int too large to convert to float' in data._json_row's float(item)"),
    _was("bigint.jsonl", b"[" + b"9" * 400 + b"]\n", "open_inputs",
         "(found by fuzzing) a JSON Lines integer beyond float64 raised OverflowError in data._json_row"),
    _was("f.npy.gz", gz(npy_header_bytes((200000, 200000), fortran=True)), "open_inputs",
         "gzipped Fortran-order .npy: data._BinarySource._fortran_batches allocated the whole declared array "
         "(MemoryError: 298 GiB)"),
    _was("f7000.npy.gz", gz(npy_header_bytes((7000, 7000), descr=">f4", fortran=True) + b"\0" * 8), "open_inputs",
         "(found by the long fuzz run) a gzipped Fortran-order .npy declaring 7000 x 7000 float32 (196 MB, under "
         "the 256 MiB limit for arrays read whole) was allocated before reading: 374 MB at peak"),
    _was("labels.npz", npz_of_members({"x": npy_header_bytes((200000, 200000))}), "read_labels",
         "read_labels read a whole .npz member at its declared size (read_all -> np.empty: MemoryError 298 GiB)"),
    _was("t-labels-idx1-ubyte.gz", gz(idx_header_bytes((4294967295,), "u1")), "read_labels",
         "read_labels of a gzipped idx1 file allocated the declared 4294967295 labels (8 GB) before reading"),
    _was("labels.csv", b"1e300\n", "read_labels",
         "(found by fuzzing) data.labels.class_indices cast a whole-number label beyond int64 (1e300) with astype: "
         "RuntimeWarning 'invalid value encountered in cast'"),
    _was("neg-labels.csv", b"0\n-1e300\n", "read_labels",
         "(as labels.csv) a label below int64's range warned in the cast before it was found negative"),
    _was("labels.npy", npy_bytes(np.array([3, 2**64 - 1], dtype=np.uint64)), "read_labels",
         "(as labels.csv) a uint64 label beyond int64 wrapped round to -1 in the cast and was called negative"),
]


@pytest.mark.parametrize(("name", "data", "reader", "bug"), HOSTILE_FILES)
def test_hostile_file(tmp_path, name, data, reader, bug):
    """The smallest file for each reader bug: a one-line NncliError naming the file, in bounds, without a warning."""
    path = tmp_path / name
    path.write_bytes(data)
    call = (lambda: read_labels(path)) if reader == "read_labels" else (lambda: read_all_batches(path))
    error = refused(call, f"{reader}({name!r}) of {data[:60]!r} [{bug}]")
    assert str(error).startswith(str(path)), error


LABEL_LIMITS = [(b"1e300\n", None, "label 1e+300 at row 0 is too large for a class number"),
                (b"1e300\n", 10, "label 1e+300 at row 0 is not a class of the network (it has 10: 0 to 9)"),
                (b"0\n-1e300\n", None, "label -1e+300 at row 1 is negative"),
                (b"9223372036854775808\n", None, "label 9.22337e+18 at row 0 is too large"),  # read as float64
                (b"4\n-3.0\n", 10, "label -3 at row 1 is negative")]


@pytest.mark.parametrize(("text", "n_classes", "message"), LABEL_LIMITS)
def test_label_beyond_int64_named(tmp_path, text, n_classes, message):
    """A label out of int64's range is named with its row, as a label out of the network's classes is."""
    path = tmp_path / "labels.csv"
    path.write_bytes(text)
    error = refused(lambda: read_labels(path, n_classes=n_classes), f"read_labels({text!r})")
    assert message in str(error), error


# --- .npy headers numpy's parser cannot read ---------------------------------------------


# Found by fuzzing: numpy's .npy header parser (ast.literal_eval, and a fallback for Python 2 headers
# built on tokenize) raised tokenize.TokenError for an unbalanced bracket, RecursionError for thousands
# of minus signs, and warned (SyntaxWarning 'invalid decimal literal' for 0inf{...}; UserWarning
# 'created on Python 2' for (2L,)); none of these was turned into a refusal by
# data.binary.read_npy_header or weights._check_header / np.load.
DAMAGED_HEADERS = {
    "unbalanced": b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,, }",
    "0inf": b"0inf{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
    "2L": b"{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }",
    "minus-signs": b"-" * 3000 + b"1",
    # Found by the long fuzz run: numpy checks only that dimensions are integers; np.empty then
    # raised ValueError 'negative dimensions are not allowed' (on stdin, where the size is unknown).
    "negative": b"{'descr': '<f8', 'fortran_order': False, 'shape': (-12,), }",
}


def _npy_with_header(text: bytes) -> bytes:
    body = text + b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + b"\0" * 16


@pytest.mark.parametrize("header", DAMAGED_HEADERS.values(), ids=DAMAGED_HEADERS.keys())
@pytest.mark.parametrize("reader", ["open_inputs", "read_labels", "stdin", "config", "config-npz"])
def test_damaged_npy_header_refused(tmp_path, header, reader):
    data = _npy_with_header(header)
    path = tmp_path / "w.npy"
    path.write_bytes(data)
    (tmp_path / "w.npz").write_bytes(npz_of_members({"W": data}))
    config = tmp_path / "c.yaml"
    ref = "{file: w.npz, key: W}" if reader == "config-npz" else "{file: w.npy}"
    config.write_text(f"layers:\n  - activation: relu\n    weights: {ref}\n    bias: [0, 0]\n")
    call = {"open_inputs": lambda: read_all_batches(path), "read_labels": lambda: read_labels(path),
            "stdin": lambda: read_all_batches("-", stdin=data), "config": lambda: load_spec(config),
            "config-npz": lambda: load_spec(config)}[reader]
    error = refused(call, f"{reader} of an .npy whose header is {header[:70]!r}")
    assert "corrupt .npy header" in str(error), error


# --- headers declaring huge shapes -------------------------------------------------------


HOSTILE_STDIN = [
    _was("npy (1, 2**62)", npy_header_bytes((1, 2**62)), "open_inputs",
         ".npy on stdin: no size check, np.empty of the declared row raised ValueError 'array is too big' "
         "(data._BinarySource._batches)"),
    _was("npy (1, 50000000)", npy_header_bytes((1, 50_000_000)), "open_inputs",
         ".npy on stdin: a 128-byte header made the reader allocate 381 MB for one declared row "
         "(data._BinarySource._batches)"),
    _was("idx 2 x 4294967295", idx_header_bytes((2, 4294967295), "u1"), "open_inputs",
         "IDX on stdin: 12 bytes made the reader allocate 8 GB (np.empty of the declared rows; "
         "data._BinarySource._batches)"),
    _was("npy (2**40,)", npy_header_bytes((2**40,)), "read_labels",
         "read_labels of .npy on stdin allocated the declared length (read_all: MemoryError 8 TiB)"),
]


@pytest.mark.parametrize(("name", "data", "reader", "bug"), HOSTILE_STDIN)
def test_hostile_stdin(name, data, reader, bug):
    """A header alone on stdin, declaring more than memory: refused before anything is allocated."""
    if reader == "read_labels":
        call = lambda: read_labels("-", stdin=io.BytesIO(data))  # noqa: E731
    else:
        call = lambda: read_all_batches("-", stdin=data)  # noqa: E731
    refused(call, f"{reader}('-') of an {name} header on stdin [{bug}]")


HUGE_MEMBER = npy_header_bytes((200000, 200000)) + b"\0" * 16  # 144 bytes declaring 298 GiB
HOSTILE_WEIGHTS = [
    _was("w.npy", HUGE_MEMBER, "{file: w.npy}",
         "config weights {file: w.npy}: np.load allocated the declared shape (MemoryError: 298 GiB) in "
         "config._load_npy"),
    _was("w.npz", npz_of_members({"W": HUGE_MEMBER}), "W",
         "config weights_file .npz: archive[key] allocated the declared shape (MemoryError: 298 GiB) in "
         "config._npz_member"),
] + [
    pytest.param("w.npz", b"PK\x03\x04", ref, (
        "issue 9 (found by fuzzing): a damaged .npz (4 bytes: PK\\x03\\x04) was refused but its file stayed open "
        "(ResourceWarning): np.load hands the open file to NpzFile, which does not close it when zipfile raises"),
        id=f"damaged-{ref}")
    for ref in ("{file: w.npz, key: W}", "W")
]


@pytest.mark.parametrize(("name", "data", "reader", "bug"), HOSTILE_WEIGHTS)
def test_hostile_weights_file(tmp_path, name, data, reader, bug):
    """A weights file declaring 298 GiB, or damaged: the config is refused at once, its file closed."""
    (tmp_path / name).write_bytes(data)
    top = "weights_file: w.npz\n" if name.endswith(".npz") else ""
    config = tmp_path / "c.yaml"
    config.write_text(f"{top}layers:\n  - activation: relu\n    weights: {reader}\n    bias: [0, 0]\n")
    refused(lambda: load_spec(config), f"load_spec(<weights {reader} from {name}: {data[:24]!r}...>) [{bug}]")


# --- numbers beyond the dtype's range -------------------------------------------------------


# Found by fuzzing: config._inputs cast inputs to float32 without a range check: 'overflow
# encountered in cast' for 1e39 (weights got 'too large for float32').
def test_float32_config_input_overflow(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("dtype: float32\nlayers:\n  - activation: identity\n    weights: [[1]]\n    bias: [0]\n"
                      "inputs:\n  x: [1e39]\n")
    error = refused(lambda: load_spec(config), "load_spec(<float32 config with input 1e39>)")
    assert "input 'x': value at [0, 0] is 1e+39, too large for float32" in str(error), error


# Found by fuzzing: nncli.inputs.convert_rows divided by divide_by without a range check:
# 'overflow encountered in divide' for divide_by < 1. Now, like any other value beyond the
# dtype's range, an InputError naming the row and value; on every path (forward, which converts
# whole, and the engine's tiles of predict_batches, which convert a tile at a time).
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("path", ["forward", "predict", "predict_batches"])
def test_divide_by_below_one_overflows(tmp_path, dtype, path):
    config = tmp_path / "c.yaml"
    config.write_text(f"dtype: {dtype}\npreprocess: {{divide_by: 0.5}}\n"
                      "layers:\n  - activation: identity\n    weights: [[1]]\n    bias: [0]\n")
    big = 1e308 if dtype == "float64" else 3e38
    network = Network(load_spec(config))
    row = 2 * network._engine(True).tile_rows + 3  # beyond the first tiles
    X = np.zeros((row + 5, 1), dtype)
    X[row, 0] = big
    run = {"forward": lambda: network.forward(X), "predict": lambda: network.predict(X),
           "predict_batches": lambda: [c.Y for c in network.predict_batches(np.array_split(X, 3))]}[path]
    error = refused(run, f"{path}(<{dtype} rows with {big:g} at row {row}>) with divide_by 0.5")
    assert f"input row {row}, value 1: {big:g} divided by 0.5" in str(error), error

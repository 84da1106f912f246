"""The smallest known input for each bug the fuzz targets find today (issue 9).

Every test is ``xfail(strict=True)``: it fails now, and a fix turns it into an XPASS failure, which
tells the fixer to delete the mark (and the matching mark on the property test named in the reason).
Each runs under harness.outcome: a value or a one-line NncliError within 3 s and 200 MB, no warning.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nncli.config import load_spec
from nncli.data import open_inputs, read_labels
from nncli.errors import NncliError
from nncli.network import Network
from nncli.yamlstrict import parse
from tests.fuzz.harness import gz, idx_header_bytes, npy_header_bytes, npz_of_members, outcome
from tests.fuzz.yamlgen import laughs


def read_all_batches(path: "str | Path", stdin: bytes | None = None, batch_size: int = 8192) -> int:
    kwargs = {"stdin": io.BytesIO(stdin)} if stdin is not None else {}
    with open_inputs(path, **kwargs) as source:
        return sum(batch.shape[0] for batch in source.batches(batch_size))


def refused(call, what: str) -> None:
    """``call`` must end in an NncliError, within the bounds of harness.outcome."""
    result = outcome(call, what)
    assert isinstance(result, NncliError), f"{what}: accepted ({result!r})"


# --- YAML ------------------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="issue 9: billion laughs: yamlstrict._convert expands every alias "
                                       "(9**6 values: ~9 s, ~380 MB) before any key is checked")
def test_billion_laughs_six_levels_bounded():
    text = laughs(6, 9, "unknown_key")  # 9**6 = 531,441 values from 9 short lines
    outcome(lambda: parse(text, "laughs.yaml"), "parse(<aliases 6 levels x 9 wide under an unknown key>)")


@pytest.mark.xfail(strict=True, reason="issue 9: after libyaml reports a syntax error, yamlstrict.parse re-parses "
                                       "with PyYAML's pure-Python composer, which recurses once per level")
def test_deep_flow_list_with_syntax_error():
    text = "[" * 500 + "]" * 499  # one bracket short
    refused(lambda: parse(text, "deep.yaml"), "parse('[' * 500 + ']' * 499)")


@pytest.mark.xfail(strict=True, reason="issue 9: 'YAML nested too deeply (recursive anchor?)' for a file "
                                       "without any anchor")
def test_deep_nesting_message_without_anchor():
    text = "[" * 66 + "]" * 66
    result = outcome(lambda: parse(text, "deep.yaml"), "parse('[' * 66 + ']' * 66)")
    assert "anchor" not in str(result), str(result)


# --- files ------------------------------------------------------------------------------


def _known(name: str, data: bytes, reader: str, reason: str):
    return pytest.param(name, data, reader, marks=pytest.mark.xfail(strict=True, reason=f"issue 9: {reason}"),
                        id=f"{reader}-{name}")


HOSTILE_FILES = [
    _known("deep.json", b"[" * 1000 + b"]" * 1000, "open_inputs", "data._json_source's json.load raises RecursionError"),
    _known("deep.jsonl", b"[" * 1000 + b"]" * 1000 + b"\n", "open_inputs",
           "data._TextSource._json_line's json.loads raises RecursionError"),
    _known("big.json", b"[[1e400]]", "open_inputs", "JSON reads 1e400 as inf (data._json_row); CSV refuses it"),
    _known("big.jsonl", b"[1e400]\n", "open_inputs", "JSON Lines read 1e400 as inf (data._json_row); CSV refuses it"),
    _known("bigint.json", b"[[1" + b"0" * 309 + b"]]", "open_inputs",
           "(found by fuzzing) a JSON integer beyond float64 (1 followed by 309 zeros) raises OverflowError "
           "'int too large to convert to float' in data._json_row's float(item)"),
    _known("bigint.jsonl", b"[" + b"9" * 400 + b"]\n", "open_inputs",
           "(found by fuzzing) a JSON Lines integer beyond float64 raises OverflowError in data._json_row"),
    _known("f.npy.gz", gz(npy_header_bytes((200000, 200000), fortran=True)), "open_inputs",
           "gzipped Fortran-order .npy: data._BinarySource._fortran_batches allocates the whole declared array "
           "(MemoryError: 298 GiB)"),
    _known("labels.npz", npz_of_members({"x": npy_header_bytes((200000, 200000))}), "read_labels",
           "read_labels reads a whole .npz member at its declared size (read_all -> np.empty: MemoryError 298 GiB)"),
    _known("t-labels-idx1-ubyte.gz", gz(idx_header_bytes((4294967295,), "u1")), "read_labels",
           "read_labels of a gzipped idx1 file allocates the declared 4294967295 labels (8 GB) before reading"),
    _known("labels.csv", b"1e300\n", "read_labels",
           "(found by fuzzing) data._class_indices casts a whole-number label beyond int64 (1e300) with astype: "
           "RuntimeWarning 'invalid value encountered in cast'"),
]


@pytest.mark.parametrize(("name", "data", "reader"), HOSTILE_FILES)
def test_hostile_file(tmp_path, name, data, reader):
    """The smallest file for each reader bug: a one-line NncliError, in bounds, without a warning."""
    path = tmp_path / name
    path.write_bytes(data)
    call = (lambda: read_labels(path)) if reader == "read_labels" else (lambda: read_all_batches(path))
    refused(call, f"{reader}({name!r}) of {data[:60]!r}")


# --- headers declaring huge shapes -------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="issue 9 (found by fuzzing): an .npy header with an unbalanced bracket "
                                       "raises tokenize.TokenError from numpy's header parser, caught neither by "
                                       "data._read_npy_header (ValueError only) nor config._load_errors")
@pytest.mark.parametrize("reader", ["open_inputs", "read_labels", "stdin", "config"])
def test_npy_header_unbalanced_bracket(tmp_path, reader):
    data = npy_header_bytes((2,), raw_shape="(2,") + b"\0" * 16  # {'descr': '<f8', ..., 'shape': (2,, }
    path = tmp_path / "w.npy"
    path.write_bytes(data)
    config = tmp_path / "c.yaml"
    config.write_text("layers:\n  - activation: relu\n    weights: {file: w.npy}\n    bias: [0, 0]\n")
    call = {"open_inputs": lambda: read_all_batches(path), "read_labels": lambda: read_labels(path),
            "stdin": lambda: read_all_batches("-", stdin=data), "config": lambda: load_spec(config)}[reader]
    refused(call, f"{reader} of an .npy whose header says 'shape': (2,,")


HOSTILE_STDIN = [
    _known("npy (1, 2**62)", npy_header_bytes((1, 2**62)), "open_inputs",
           ".npy on stdin: no size check, np.empty of the declared row raises ValueError 'array is too big' "
           "(data._BinarySource._batches)"),
    _known("npy (1, 50000000)", npy_header_bytes((1, 50_000_000)), "open_inputs",
           ".npy on stdin: a 128-byte header makes the reader allocate 381 MB for one declared row "
           "(data._BinarySource._batches)"),
    _known("idx 2 x 4294967295", idx_header_bytes((2, 4294967295), "u1"), "open_inputs",
           "IDX on stdin: 12 bytes make the reader allocate 8 GB (np.empty of the declared rows; "
           "data._BinarySource._batches)"),
    _known("npy (2**40,)", npy_header_bytes((2**40,)), "read_labels",
           "read_labels of .npy on stdin allocates the declared length (read_all: MemoryError 8 TiB)"),
]


@pytest.mark.parametrize(("name", "data", "reader"), HOSTILE_STDIN)
def test_hostile_stdin(name, data, reader):
    """A header alone on stdin, declaring more than memory: refused before anything is allocated."""
    if reader == "read_labels":
        call = lambda: read_labels("-", stdin=io.BytesIO(data))  # noqa: E731
    else:
        call = lambda: read_all_batches("-", stdin=data)  # noqa: E731
    refused(call, f"{reader}('-') of an {name} header on stdin")


HUGE_MEMBER = npy_header_bytes((200000, 200000)) + b"\0" * 16  # 144 bytes declaring 298 GiB
HOSTILE_WEIGHTS = [
    _known("w.npy", HUGE_MEMBER, "{file: w.npy}",
           "config weights {file: w.npy}: np.load allocates the declared shape (MemoryError: 298 GiB) in "
           "config._load_npy"),
    _known("w.npz", npz_of_members({"W": HUGE_MEMBER}), "W",
           "config weights_file .npz: archive[key] allocates the declared shape (MemoryError: 298 GiB) in "
           "config._npz_member"),
]


HOSTILE_WEIGHTS += [
    pytest.param("w.npz", b"PK\x03\x04", ref, id=f"damaged-{ref}", marks=pytest.mark.xfail(strict=True, reason=(
        "issue 9 (found by fuzzing): a damaged .npz (4 bytes: PK\\x03\\x04) is refused but its file stays open "
        "(ResourceWarning): np.load hands the open file to NpzFile, which does not close it when zipfile raises; "
        "config._open_npz must open and close the file itself")))
    for ref in ("{file: w.npz, key: W}", "W")
]


@pytest.mark.parametrize(("name", "data", "reader"), HOSTILE_WEIGHTS)
def test_hostile_weights_file(tmp_path, name, data, reader):
    """A weights file whose header declares 298 GiB: the config is refused before anything is allocated."""
    (tmp_path / name).write_bytes(data)
    top = "weights_file: w.npz\n" if name.endswith(".npz") else ""
    config = tmp_path / "c.yaml"
    config.write_text(f"{top}layers:\n  - activation: relu\n    weights: {reader}\n    bias: [0, 0]\n")
    refused(lambda: load_spec(config), f"load_spec(<weights {reader} from {name}: {data[:24]!r}...>)")


def _npy_with_header(text: bytes) -> bytes:
    body = text + b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + b"\0" * 16


@pytest.mark.xfail(strict=True, reason="issue 9 (found by fuzzing): numpy's .npy header parser warns (SyntaxWarning "
                                       "'invalid decimal literal'; UserWarning 'created on Python 2') and neither "
                                       "data._read_npy_header nor config's np.load turn that into a refusal")
@pytest.mark.parametrize("header", [b"0inf{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                                    b"{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }"], ids=["0inf", "2L"])
@pytest.mark.parametrize("reader", ["open_inputs", "config"])
def test_npy_header_warns(tmp_path, header, reader):
    (tmp_path / "w.npy").write_bytes(_npy_with_header(header))
    config = tmp_path / "c.yaml"
    config.write_text("layers:\n  - activation: relu\n    weights: {file: w.npy}\n    bias: [0, 0]\n")
    call = (lambda: load_spec(config)) if reader == "config" else (lambda: read_all_batches(tmp_path / "w.npy"))
    outcome(call, f"{reader} of an .npy whose header is {header!r}")


@pytest.mark.xfail(strict=True, reason="issue 9 (found by fuzzing): config._inputs casts inputs to float32 without "
                                       "a range check: 'overflow encountered in cast' for 1e39 (weights get "
                                       "'too large for float32')")
def test_float32_config_input_overflow(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("dtype: float32\nlayers:\n  - activation: identity\n    weights: [[1]]\n    bias: [0]\n"
                      "inputs:\n  x: [1e39]\n")
    refused(lambda: load_spec(config), "load_spec(<float32 config with input 1e39>)")


# --- forward ---------------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="issue 9 (found by fuzzing): network.Network.prepare's `out /= divide_by` "
                                       "warns 'overflow encountered in divide' when divide_by < 1")
def test_divide_by_below_one_overflows(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("preprocess: {divide_by: 0.5}\nlayers:\n  - activation: identity\n    weights: [[1]]\n    bias: [0]\n")
    outcome(lambda: Network(load_spec(config)).forward([[1e308]]), "forward([[1e308]]) with divide_by 0.5")

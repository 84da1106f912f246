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


# --- JSON ------------------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="issue 9: data._json_source's json.load raises RecursionError")
def test_deep_json_document(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 1000 + "]" * 1000)
    refused(lambda: read_all_batches(path), "open_inputs(<.json: '[' * 1000 + ']' * 1000>)")


@pytest.mark.xfail(strict=True, reason="issue 9: data._TextSource._json_line's json.loads raises RecursionError")
def test_deep_json_line(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 1000 + "]" * 1000 + "\n")
    refused(lambda: read_all_batches(path), "open_inputs(<.jsonl: '[' * 1000 + ']' * 1000>)")


@pytest.mark.xfail(strict=True, reason="issue 9: JSON reads 1e400 as inf (data._json_row); CSV refuses it")
def test_json_overflowing_literal(tmp_path):
    path = tmp_path / "big.json"
    path.write_text("[[1e400]]")
    refused(lambda: read_all_batches(path), "open_inputs(<.json: [[1e400]]>)")


@pytest.mark.xfail(strict=True, reason="issue 9: JSON Lines read 1e400 as inf (data._json_row); CSV refuses it")
def test_jsonl_overflowing_literal(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text("[1e400]\n")
    refused(lambda: read_all_batches(path), "open_inputs(<.jsonl: [1e400]>)")


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


@pytest.mark.xfail(strict=True, reason="issue 9: .npy on stdin: no size check, np.empty of the declared row "
                                       "raises ValueError 'array is too big' (data._BinarySource._batches)")
def test_npy_stdin_shape_beyond_address_space():
    data = npy_header_bytes((1, 2**62))
    refused(lambda: read_all_batches("-", stdin=data), "open_inputs('-') of an .npy header of shape (1, 2**62)")


@pytest.mark.xfail(strict=True, reason="issue 9: .npy on stdin: a 128-byte header makes the reader allocate "
                                       "381 MB for one declared row (data._BinarySource._batches)")
def test_npy_stdin_wide_row():
    data = npy_header_bytes((1, 50_000_000))
    refused(lambda: read_all_batches("-", stdin=data), "open_inputs('-') of an .npy header of shape (1, 50000000)")


@pytest.mark.xfail(strict=True, reason="issue 9: IDX on stdin: 12 bytes make the reader allocate 8 GB "
                                       "(np.empty of the declared rows; data._BinarySource._batches)")
def test_idx_stdin_huge_dims():
    data = idx_header_bytes((2, 4294967295), "u1")
    refused(lambda: read_all_batches("-", stdin=data), "open_inputs('-') of an IDX header 2 x 4294967295")


@pytest.mark.xfail(strict=True, reason="issue 9: gzipped Fortran-order .npy: _fortran_batches allocates the "
                                       "whole declared array (MemoryError: 298 GiB)")
def test_npy_gz_fortran_huge(tmp_path):
    path = tmp_path / "f.npy.gz"
    path.write_bytes(gz(npy_header_bytes((200000, 200000), fortran=True)))
    refused(lambda: read_all_batches(path), "open_inputs(<.npy.gz, Fortran order, shape (200000, 200000)>)")


@pytest.mark.xfail(strict=True, reason="issue 9: read_labels reads a whole .npz member at its declared size "
                                       "(read_all -> np.empty: MemoryError 298 GiB)")
def test_labels_npz_member_huge(tmp_path):
    path = tmp_path / "labels.npz"
    path.write_bytes(npz_of_members({"x": npy_header_bytes((200000, 200000))}))
    refused(lambda: read_labels(path), "read_labels(<.npz member declaring shape (200000, 200000)>)")


@pytest.mark.xfail(strict=True, reason="issue 9: read_labels of .npy on stdin allocates the declared length "
                                       "(MemoryError: 8 TiB)")
def test_labels_npy_stdin_huge():
    data = npy_header_bytes((2**40,))
    refused(lambda: read_labels("-", stdin=io.BytesIO(data)), "read_labels('-') of an .npy header of shape (2**40,)")


@pytest.mark.xfail(strict=True, reason="issue 9: read_labels of a gzipped idx1 file allocates the declared "
                                       "4294967295 labels (8 GB) before reading")
def test_labels_idx_gz_huge(tmp_path):
    path = tmp_path / "t-labels-idx1-ubyte.gz"
    path.write_bytes(gz(idx_header_bytes((4294967295,), "u1")))
    refused(lambda: read_labels(path), "read_labels(<idx1.gz declaring 4294967295 labels>)")


@pytest.mark.xfail(strict=True, reason="issue 9: config weights {file: w.npy}: np.load allocates the declared "
                                       "shape (MemoryError: 298 GiB) in config._load_npy")
def test_config_weights_npy_huge(tmp_path):
    (tmp_path / "w.npy").write_bytes(npy_header_bytes((200000, 200000)) + b"\0" * 16)
    config = tmp_path / "c.yaml"
    config.write_text("layers:\n  - activation: relu\n    weights: {file: w.npy}\n    bias: [0, 0]\n")
    refused(lambda: load_spec(config), "load_spec(<weights from a 144-byte .npy declaring (200000, 200000)>)")


@pytest.mark.xfail(strict=True, reason="issue 9: config weights_file .npz: archive[key] allocates the declared "
                                       "shape (MemoryError: 298 GiB) in config._npz_member")
def test_config_weights_npz_huge(tmp_path):
    (tmp_path / "w.npz").write_bytes(npz_of_members({"W": npy_header_bytes((200000, 200000)) + b"\0" * 16}))
    config = tmp_path / "c.yaml"
    config.write_text("weights_file: w.npz\nlayers:\n  - activation: relu\n    weights: W\n    bias: [0, 0]\n")
    refused(lambda: load_spec(config), "load_spec(<weights_file member declaring (200000, 200000)>)")


# --- labels ----------------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="issue 9 (found by fuzzing): data._class_indices casts a whole-number "
                                       "label beyond int64 (1e300) with astype: RuntimeWarning 'invalid value "
                                       "encountered in cast'")
def test_label_beyond_int64(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("1e300\n")
    outcome(lambda: read_labels(path), "read_labels(<csv: 1e300>)")


# --- forward ---------------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="issue 9 (found by fuzzing): network.Network.prepare's `out /= divide_by` "
                                       "warns 'overflow encountered in divide' when divide_by < 1")
def test_divide_by_below_one_overflows(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("preprocess: {divide_by: 0.5}\nlayers:\n  - activation: identity\n    weights: [[1]]\n    bias: [0]\n")
    outcome(lambda: Network(load_spec(config)).forward([[1e308]]), "forward([[1e308]]) with divide_by 0.5")

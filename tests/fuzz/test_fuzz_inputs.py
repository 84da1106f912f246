"""Fuzzing every input reader: open_inputs (csv, tsv, json, jsonl, npy, npz, idx, and .gz) and read_labels.

Property: each file, read from disk or from stdin, gives rows or an NncliError, within the time
and memory bounds of harness.outcome, without a warning; rows come in batches of the declared width.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nncli.data import from_array, open_inputs, read_labels
from tests.fuzz.harness import outcome
from tests.fuzz.scale import examples
from tests.fuzz.strategies import arrays, data_files

ROW_SELECTIONS = st.sampled_from([None, slice(0, None), slice(1, None), slice(0, 2), slice(-1, None), slice(2, 3)])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz_inputs")


def _write(folder: Path, name: str, data: bytes) -> Path:
    for old in folder.iterdir():
        old.unlink()
    path = folder / name
    path.write_bytes(data)
    return path


def read_everything(source_path: "str | Path", stdin: bytes | None = None, batch_size: int = 3,
                    rows: slice | None = None, input_format: str | None = None, key: str | None = None):
    """Open, then read every selected batch; check each batch's shape against the source."""
    kwargs = {"stdin": io.BytesIO(stdin)} if stdin is not None else {}
    with open_inputs(source_path, input_format=input_format, key=key, **kwargs) as source:
        total = 0
        for batch in source.batches(batch_size, rows):
            assert isinstance(batch, np.ndarray) and batch.ndim == 2, batch
            assert 1 <= batch.shape[0] <= batch_size and batch.shape[1] == source.width, (batch.shape, source)
            total += batch.shape[0]
        expected = source.count(rows)
        assert expected is None or expected == total, (expected, total)
        return total


def _labels(source_path: "str | Path", stdin: bytes | None = None, rows: slice | None = None,
            key: str | None = None, n_classes: int | None = None):
    kwargs = {"stdin": io.BytesIO(stdin)} if stdin is not None else {}
    labels = read_labels(source_path, key=key, rows=rows, n_classes=n_classes, **kwargs)
    assert labels.dtype == np.int64 and labels.ndim == 1 and (labels >= 0).all()
    assert n_classes is None or (labels < n_classes).all()
    return labels


def check_file(folder: Path, name: str, data: bytes, rows: slice | None, key: str | None) -> None:
    path = _write(folder, name, data)
    outcome(lambda: read_everything(path, rows=rows, key=key), f"open_inputs({name!r}, key={key!r}) rows={rows}",
            known_ok=True)
    outcome(lambda: read_everything(path, batch_size=8192), f"open_inputs({name!r}) in one batch", known_ok=True)
    if not name.endswith(".npz"):
        outcome(lambda: read_everything("-", stdin=data, rows=rows if rows is None or (rows.start or 0) >= 0 else None,
                                        key=key), f"open_inputs('-') with the bytes of {name!r} on stdin", known_ok=True)


@examples(150)
@given(file=data_files(mutate=False), rows=ROW_SELECTIONS, key=st.sampled_from([None, "x"]))
def test_valid_files_read_or_refused(folder, file, rows, key):
    """Every valid small file of every format (gzipped or not): rows, or a one-line NncliError."""
    check_file(folder, *file, rows, key)


@examples(200)
@given(file=data_files(mutate=True), rows=ROW_SELECTIONS, key=st.sampled_from([None, "x"]))
def test_mutated_files_read_or_refused(folder, file, rows, key):
    """Truncated, flipped and spliced files of every format: rows, or a one-line NncliError."""
    check_file(folder, *file, rows, key)


@examples(150)
@given(file=data_files(mutate=True), rows=ROW_SELECTIONS, n_classes=st.sampled_from([None, 1, 3, 10]),
       key=st.sampled_from([None, "x"]))
def test_labels_read_or_refused(folder, file, rows, n_classes, key):
    """read_labels on files of every format, valid or mutated: class numbers, or an NncliError."""
    name, data = file
    path = _write(folder, name, data)
    outcome(lambda: _labels(path, rows=rows, key=key, n_classes=n_classes),
            f"read_labels({name!r}, key={key!r}, n_classes={n_classes}) rows={rows}", known_ok=True)


@examples(30)
@given(fmt=st.sampled_from(["csv", "tsv", "json", "jsonl", "npy", "npz", "idx"]), file=data_files(mutate=True))
def test_declared_format_read_or_refused(folder, fmt, file):
    """A file read as a format it may not be in (--input-format): rows, or an NncliError."""
    name, data = file
    path = _write(folder, "data.bin", data)
    outcome(lambda: read_everything(path, input_format=fmt), f"open_inputs(<bytes of {name!r}>, input_format={fmt!r})",
            known_ok=True)


def _array_batches(matrix: np.ndarray, rows: slice | None) -> int:
    with from_array(matrix, "fuzz") as source:
        return sum(batch.shape[0] for batch in source.batches(2, rows))


@examples(50)
@given(matrix=arrays(), rows=ROW_SELECTIONS)
def test_from_array_reads_or_refuses(matrix, rows):
    """Rows already in memory, of any dtype and shape (0-D to 3-D, empty): batches or an NncliError."""
    outcome(lambda: _array_batches(matrix, rows), f"from_array({matrix!r}) rows={rows}")

"""Sharded inputs (nncli.data.shards): a directory or a quoted glob read as one sequence of rows (no Dask needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nncli.data import open_inputs, read_labels
from nncli.data.shards import ShardedSource
from nncli.errors import InputError
from tests.conftest import CONFIGS

CUTS = [(0, 3), (3, 10), (10, 11), (11, 20)]


@pytest.fixture
def shards(tmp_path):
    """20 rows of 2 values in one file (whole.npy) and in 4 shards (parts/p0.npy ... p3.npy)."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    np.save(tmp_path / "whole.npy", X)
    (tmp_path / "parts").mkdir()
    for i, (a, b) in enumerate(CUTS):
        np.save(tmp_path / "parts" / f"p{i}.npy", X[a:b])
    (tmp_path / "parts" / "README.txt").write_text("not data\n")  # a directory's other files are left out
    return tmp_path, X


def test_directory_and_glob_read_in_name_order_as_one_input(shards):
    tmp, X = shards
    for name in (tmp / "parts", str(tmp / "parts" / "p*.npy")):
        with open_inputs(name) as source:
            assert isinstance(source, ShardedSource)
            assert source.n_rows == 20 and source.width == 2 and len(source.shards) == 4
            assert np.array_equal(source.read_all(), X)
            assert np.array_equal(np.concatenate(list(source.batches(4, slice(2, 12)))), X[2:12])
            assert np.array_equal(source.read_all(slice(-3, None)), X[-3:])


@pytest.mark.parametrize("rows", [None, "2:12", "10:11", "-5:"])
def test_forward_over_shards_equals_one_file(cli, shards, rows):
    tmp, _X = shards
    selection = ["--rows", rows] if rows else []
    whole = cli("forward", CONFIGS / "three_layer.yaml", "-i", tmp / "whole.npy", "-f", "jsonl", *selection)
    parts = cli("forward", CONFIGS / "three_layer.yaml", "-i", str(tmp / "parts" / "*.npy"), "-f", "jsonl",
                "--batch-size", "3", *selection)
    assert whole.exit_code == parts.exit_code == 0
    assert parts.stdout == whole.stdout


def test_index_counts_across_shards(cli, shards):
    tmp, _X = shards
    res = cli("forward", CONFIGS / "three_layer.yaml", "-i", tmp / "parts", "--index", "10", "-f", "jsonl")
    whole = cli("forward", CONFIGS / "three_layer.yaml", "-i", tmp / "whole.npy", "--index", "10", "-f", "jsonl")
    assert res.exit_code == 0 and json.loads(res.stdout)["index"] == 10 and res.stdout == whole.stdout


def test_text_shards_stream(tmp_path, cli):
    (tmp_path / "a.csv").write_text("1,2\n3,4\n")
    (tmp_path / "b.csv").write_text("5,6\n")
    res = cli("forward", CONFIGS / "three_layer.yaml", "-i", str(tmp_path / "*.csv"), "-f", "csv", "--rows", "1:3")
    whole = cli("forward", CONFIGS / "three_layer.yaml", "-x", "3,4", "-x", "5,6", "-f", "csv")
    assert res.exit_code == 0 and res.stdout == whole.stdout


def test_shards_that_differ_are_named(tmp_path, cli):
    (tmp_path / "w").mkdir()
    np.save(tmp_path / "w" / "a.npy", np.zeros((2, 2)))
    np.save(tmp_path / "w" / "b.npy", np.zeros((2, 3)))
    res = cli("forward", CONFIGS / "three_layer.yaml", "-i", tmp_path / "w", "-f", "csv")
    assert res.exit_code == 1 and "b.npy: rows have 3 values but" in res.stderr and "same width" in res.stderr
    np.save(tmp_path / "w" / "b.npy", np.zeros((2, 2), np.float32))
    with pytest.raises(InputError, match=r"b\.npy: holds float32 but .*a\.npy holds float64"):
        open_inputs(tmp_path / "w")


def test_nothing_to_read(tmp_path):
    with pytest.raises(InputError, match="is a directory with no input files"):
        open_inputs(tmp_path)
    with pytest.raises(InputError, match="no file matches this pattern"):
        open_inputs(str(tmp_path / "*.npy"))


def test_labels_from_shards(tmp_path):
    (tmp_path / "l").mkdir()
    np.save(tmp_path / "l" / "0.npy", np.array([0, 1, 1]))
    np.save(tmp_path / "l" / "1.npy", np.array([2, 0]))
    assert read_labels(tmp_path / "l", n_classes=3).tolist() == [0, 1, 1, 2, 0]
    assert read_labels(str(tmp_path / "l" / "*.npy"), rows=slice(2, 4)).tolist() == [1, 2]

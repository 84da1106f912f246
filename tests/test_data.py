"""Input readers: every format reads back the same numbers, stdin works, rows are selected
exactly, and every kind of bad file is a one-line InputError that says where."""

from __future__ import annotations

import gzip
import io
import json
import struct

import numpy as np
import pytest

from nncli.data import (
    DEFAULT_BATCH_SIZE,
    format_from_name,
    index_rows,
    open_inputs,
    open_user_file,
    parse_rows_spec,
    read_labels,
)
from nncli.errors import InputError, NncliError

# Integers 0..255 are exact in every format (including IDX's unsigned bytes).
M = (np.arange(7 * 6, dtype=np.int64).reshape(7, 6) * 37 % 256).astype(np.uint8)


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file: 0x00 0x00, type code, number of dimensions, big-endian dims, big-endian data."""
    big = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[type_code]
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(big).tobytes()


def write_all_formats(tmp_path, matrix: np.ndarray) -> dict[str, tuple[str, dict]]:
    """The same matrix in every input format: name -> (path, open_inputs kwargs)."""
    rows = matrix.tolist()
    paths: dict[str, tuple[str, dict]] = {}

    def put(name: str, data: bytes | str, **kwargs: str) -> None:
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        paths[name] = (str(path), kwargs)

    put("m.csv", "".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows))
    put("header.csv", "a,b,c,d,e,f\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows))
    put("m.tsv", "".join("\t".join(str(v) for v in row) + "\n" for row in rows))
    put("m.csv.gz", gzip.compress("".join(",".join(map(str, row)) + "\n" for row in rows).encode()))
    buf = io.BytesIO()
    np.save(buf, matrix)
    put("m.npy", buf.getvalue())
    buf = io.BytesIO()
    np.save(buf, np.asfortranarray(matrix))
    put("fortran.npy", buf.getvalue())
    buf = io.BytesIO()
    np.savez(buf, other=np.zeros(3), x=matrix)
    put("m.npz", buf.getvalue(), key="x")
    buf = io.BytesIO()
    np.savez_compressed(buf, matrix)
    put("compressed.npz", buf.getvalue())
    put("m.json", json.dumps(rows))
    put("object.json", json.dumps({"inputs": rows}), key="inputs")
    put("m.jsonl", "".join(json.dumps(row) + "\n" for row in rows))
    put("objects.jsonl", "".join(json.dumps({"row": i, "x": row}) + "\n" for i, row in enumerate(rows)), key="x")
    if matrix.dtype == np.uint8:
        put("m-idx2-ubyte", idx_bytes(matrix))
        put("m-idx3-ubyte.gz", gzip.compress(idx_bytes(matrix.reshape(7, 2, 3))))
    return paths


FORMAT_FILES = ["m.csv", "header.csv", "m.tsv", "m.csv.gz", "m.npy", "fortran.npy", "m.npz", "compressed.npz",
                "m.json", "object.json", "m.jsonl", "objects.jsonl", "m-idx2-ubyte", "m-idx3-ubyte.gz"]


@pytest.mark.parametrize("name", FORMAT_FILES)
def test_every_format_reads_back_the_same_numbers(tmp_path, name):
    path, kwargs = write_all_formats(tmp_path, M)[name]
    with open_inputs(path, **kwargs) as source:
        assert source.width == 6
        whole = source.read_all()
        assert np.array_equal(whole, M) and whole.shape == (7, 6)
        for size in (1, 2, 3, 7, 100):
            batches = list(source.batches(size))
            assert all(0 < b.shape[0] <= size for b in batches)
            assert np.array_equal(np.concatenate(batches), M)
        assert np.array_equal(source.read_all(parse_rows_spec("2:5")), M[2:5])
        assert np.array_equal(source.read_all(index_rows(6)), M[6:7])
        assert np.array_equal(source.read_all(parse_rows_spec("3:")), M[3:])


@pytest.mark.parametrize("name", ["m.csv", "m.npy", "m.npz", "m.json", "m.jsonl"])
def test_float64_values_round_trip_exactly(tmp_path, name):
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((5, 4)) * 10.0 ** rng.integers(-8, 8, (5, 4))
    matrix[0, 0], matrix[1, 1], matrix[2, 2] = np.nan, np.inf, -np.inf
    path, kwargs = write_all_formats(tmp_path, matrix)[name]
    if name == "m.json" or name == "m.jsonl":  # as nncli's JSON writes non-finite numbers
        rows = [[v if np.isfinite(v) else {"nan": "nan", "inf": "inf", "-inf": "-inf"}[repr(v)] for v in r]
                for r in matrix.tolist()]
        text = json.dumps(rows) if name == "m.json" else "".join(json.dumps(r) + "\n" for r in rows)
        (tmp_path / name).write_text(text)
    with open_inputs(path, **kwargs) as source:
        assert np.array_equal(source.read_all(), matrix, equal_nan=True)


def test_batches_keep_the_files_own_dtype(tmp_path):
    files = write_all_formats(tmp_path, M)
    with open_inputs(files["m-idx3-ubyte.gz"][0]) as source:
        assert source.dtype == np.uint8 and source.read_all().dtype == np.uint8
    with open_inputs(files["m.csv"][0]) as source:
        assert source.read_all().dtype == np.float64


@pytest.mark.parametrize("code", [0x09, 0x0B, 0x0C, 0x0D, 0x0E])
def test_idx_of_every_type_reads_as_native_numbers(tmp_path, code):
    matrix = (M.astype(np.int64) - 100).astype(np.float64) / (1 if code in (0x09, 0x0B, 0x0C) else 8)
    if code == 0x09:
        matrix = np.clip(matrix, -128, 127)
    path = tmp_path / "x-idx2-ubyte"
    path.write_bytes(idx_bytes(matrix, code))
    with open_inputs(path) as source:
        got = source.read_all()
        assert got.dtype.isnative and np.array_equal(got, matrix)


@pytest.mark.parametrize("name", ["m.csv", "m.tsv", "m.jsonl", "m.npy", "m.json", "m-idx3-ubyte.gz", "m-idx2-ubyte"])
def test_stdin_is_sniffed_or_named(tmp_path, name):
    path, _ = write_all_formats(tmp_path, M)[name]
    data = (tmp_path / name).read_bytes()
    with open_inputs("-", stdin=io.BytesIO(data)) as source:
        assert source.name == "<stdin>"
        assert np.array_equal(np.concatenate(list(source.batches(3))), M)
    fmt = {"m.csv": "csv", "m.tsv": "tsv", "m.jsonl": "jsonl", "m.npy": "npy", "m.json": "json"}.get(name, "idx")
    with open_inputs("-", stdin=io.BytesIO(data), input_format=fmt) as source:
        assert np.array_equal(source.read_all(), M)


def test_stdin_can_be_read_once_only():
    with open_inputs("-", stdin=io.BytesIO(b"1,2\n3,4\n")) as source:
        assert source.read_all().shape == (2, 2)
        with pytest.raises(InputError, match=r"<stdin>: can only be read once \(stdin or a pipe\)"):
            source.read_all()


def test_csv_header_blank_lines_comments_quotes_and_bom(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes('\ufeff# measurements\n"x1", "x2"\n\n 1.5 ,"2"\n# skipped\n-inf,nan\n'.encode())
    with open_inputs(path) as source:
        assert source.columns == ("x1", "x2")
        assert source.first_line == 4
        assert np.array_equal(source.read_all(), [[1.5, 2.0], [-np.inf, np.nan]], equal_nan=True)


def test_format_from_name():
    assert format_from_name("t10k-images-idx3-ubyte.gz") == "idx"
    assert format_from_name("train-labels.idx1-ubyte") == "idx"
    assert format_from_name("x.CSV") == "csv"
    assert format_from_name("x.jsonl.gz") == "jsonl"
    assert format_from_name("x.dat") is None


def test_unknown_suffix_is_sniffed(tmp_path):
    (tmp_path / "a.dat").write_text("1\t2\n3\t4\n")
    (tmp_path / "b.dat").write_bytes(idx_bytes(M))
    with open_inputs(tmp_path / "a.dat") as source:
        assert source.format == "tsv"
    with open_inputs(tmp_path / "b.dat") as source:
        assert source.format == "idx" and np.array_equal(source.read_all(), M)


# --- row selection --------------------------------------------------------------------


def test_parse_rows_spec():
    assert parse_rows_spec("0:100") == slice(0, 100)
    assert parse_rows_spec(" 5: ") == slice(5, None)
    assert parse_rows_spec(":3") == slice(None, 3)
    assert parse_rows_spec("-10:") == slice(-10, None)
    for bad, message in [("5", "--index 5"), ("1:2:3", "START:STOP"), ("a:3", "'a' is not a whole number"),
                         ("5:5", "selects no rows"), ("7:2", "selects no rows")]:
        with pytest.raises(InputError, match=message):
            parse_rows_spec(bad)


def test_rows_outside_the_file(tmp_path):
    files = write_all_formats(tmp_path, M)
    with open_inputs(files["m.npy"][0]) as source:
        assert np.array_equal(source.read_all(parse_rows_spec("-2:")), M[-2:])
        assert np.array_equal(source.read_all(parse_rows_spec("5:1000")), M[5:])
        with pytest.raises(InputError, match=r"row 7 selects no rows \(it has 7 rows, numbered from 0\)"):
            source.read_all(index_rows(7))
    with open_inputs(files["m.csv"][0]) as source:
        with pytest.raises(InputError, match="rows 9:12 selects no rows"):
            source.read_all(parse_rows_spec("9:12"))
    with open_inputs(files["m.csv"][0]) as source:
        with pytest.raises(InputError, match="negative row numbers"):
            source.read_all(parse_rows_spec("-2:"))


def test_reuse_refills_one_buffer_for_binary_formats(tmp_path):
    files = write_all_formats(tmp_path, M)
    with open_inputs(files["m.npy"][0]) as source:
        seen = [(batch.__array_interface__["data"][0], batch.copy()) for batch in source.batches(2, reuse=True)]
    assert len({address for address, _ in seen}) == 1
    assert np.array_equal(np.concatenate([b for _, b in seen]), M)


def test_default_batch_size_is_bounded():
    assert 1024 <= DEFAULT_BATCH_SIZE <= 65536


# --- bad files ------------------------------------------------------------------------

GOOD_IDX = idx_bytes(M.reshape(7, 2, 3))
BAD_FILES = {
    "empty.csv": (b"", "empty.csv: empty file"),
    "blank.csv": (b"\n  \n# only a comment\n", "no rows"),
    "header-only.csv": (b"a,b\n", r"has a header line \(line 1\) but no rows"),
    "word.csv": (b"1,2,3\n4,5,6\n7,x7,9\n", r"word.csv:3:3: 'x7' is not a number \(value 2\)"),
    "empty-field.csv": (b"1,2,3\n" * 20 + b"4,5,\n", r"empty-field.csv:21:5: value 3 is empty"),
    "ragged.csv": (b"1,2,3\n4,5\n", r"ragged.csv:2: row has 2 values but the first row \(line 1\) has 3"),
    "header-width.csv": (b"a,b\n1,2,3\n", r"header-width.csv:2: row has 3 values but the header \(line 1\) names 2"),
    "binary.csv": (b"1,2\n\xff\xfe\x00\n", r"binary.csv:2: not UTF-8 text"),
    "bad.jsonl": (b"[1, 2]\n[1, true]\n", r"bad.jsonl:2: value 2 of the row is true, not a number"),
    "syntax.jsonl": (b"[1, 2]\n[1, \n", r"syntax.jsonl:2:5: not valid JSON"),
    "ragged.json": (b"[[1, 2], [3]]", r"ragged.json: row 1 has 1 values but row 0 has 2"),
    "syntax.json": (b'{"a": [1', r"syntax.json:1:9: not valid JSON"),
    "truncated-idx3-ubyte": (GOOD_IDX[:-4], r"truncated IDX file: its header promises 7 x 2 x 3 values"),
    "long-idx3-ubyte": (GOOD_IDX + b"\0", "IDX file too long"),
    "magic-idx3-ubyte": (b"\x00\x00\x07\x03" + GOOD_IDX[4:], "wrong magic number 0x00000703"),
    "text-idx3-ubyte": (b"hello world, not idx", "wrong magic number 0x68656C6C"),
    "header-idx3-ubyte": (GOOD_IDX[:10], "truncated IDX header"),
    "short-idx3-ubyte": (b"\x00\x00", "too short for an IDX header"),
    "truncated-idx3-ubyte.gz": (gzip.compress(GOOD_IDX)[:-10], "truncated gzip data"),
    "short-data-idx3-ubyte.gz": (gzip.compress(GOOD_IDX[:-6]), "its header promises 7 rows but the data ends after 6"),
    "corrupt-idx3-ubyte.gz": (gzip.compress(GOOD_IDX)[:-8] + b"\0" * 8, "corrupt gzip data"),
    "magic.npy": (b"NUMPY!" + b"\0" * 80, r"not a .npy file"),
    "truncated.npy": (None, r"truncated .npy file: its header promises shape \(7, 6\)"),
    "header.npy": (None, r"corrupt .npy header"),
    "objects.npy": (None, "holds Python objects, which nncli never unpickles"),
    "strings.npy": (None, "is not numeric"),
    "notzip.npz": (b"PK\x03\x04 not really", "not a readable .npz archive"),
    # CSV numbers follow the command line's grammar (nncli.rows.parse_number), on both paths
    "big.csv": (b"1,2\n3,1e400\n", r"big.csv:2:3: 1e400 is too large for float64 \(value 2\)"),
    "underscore.csv": (b"1,1_000\n", r"underscore.csv:1:3: '1_000' is not a number \(value 2\)"),
    "hex.tsv": (b"1\t0x10\n", r"hex.tsv:1:3: '0x10' is not a number \(value 2\)"),
    "arabic.csv": ("1,\u0663\n".encode(), r"arabic.csv:1:3: '\u0663' is not a number \(value 2\)"),
    "quote-then-digit.csv": (b'3,4\n"1"2,3\n', r"quote-then-digit.csv:2:1: '\"1\"2' is not a number"),
    "late-underscore.csv": (b"1,2\n" * 9000 + b"1,2_0\n", r"late-underscore.csv:9001:3: '2_0' is not a number"),
    "gz.npz": (gzip.compress(b"x"), "not a readable .npz archive"),
}


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_one_line_input_errors(tmp_path, name):
    data, message = BAD_FILES[name]
    if name == "truncated.npy":
        data = _npy(M)[:-5]
    elif name == "header.npy":
        data = _npy(M)[:20]
    elif name == "objects.npy":
        data = _npy(np.array([1, "a"], dtype=object), allow_pickle=True)
    elif name == "strings.npy":
        data = _npy(np.array(["a", "b"]))
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as caught:
        with open_inputs(path) as source:
            for _batch in source.batches(2):
                pass
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_csv_fast_path_takes_exactly_the_number_grammar():
    """np.loadtxt (the CSV fast path) is trusted only on tokens made of the characters that
    TextSource lets through; on those it must accept what nncli.rows accepts, with its value."""
    import itertools
    import random

    from nncli.rows import is_number, parse_number

    alphabet = "09.eE+-infatyINFATY "
    tokens = ["".join(p) for n in (1, 2, 3) for p in itertools.product("09.eE+-in ", repeat=n)]
    tokens += ["inf", "infinity", "nan", "-Infinity", "+nAn", "iNf", "1e308", "1e309", "-.5e-3", "1.e5"]
    rng = random.Random(0)
    tokens += ["".join(rng.choice(alphabet) for _ in range(rng.randint(4, 9))) for _ in range(3000)]
    for token in tokens:
        try:
            value = np.loadtxt([token], delimiter=",", dtype=np.float64, ndmin=2, comments=None, quotechar=None)
        except ValueError:
            continue
        if value.shape != (1, 1) or np.isinf(value).any():
            continue  # the fast path falls back on these
        assert is_number(token.strip()), token
        assert np.array_equal(value[0, 0], parse_number(token.strip(), "<t>", 1), equal_nan=True), token


def test_csv_strict_and_fast_paths_agree(tmp_path):
    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((50, 5)) * 10.0 ** rng.integers(-300, 300, (50, 5))
    lines = [",".join(repr(float(v)) for v in row) for row in matrix.tolist()]
    fast, strict = tmp_path / "fast.csv", tmp_path / "strict.csv"
    fast.write_text("".join(line + "\n" for line in lines))
    strict.write_text("".join(line + ' ,"-inf"\n' for line in lines))  # a quote and an inf: strict path
    with open_inputs(fast) as a, open_inputs(strict) as b:
        assert np.array_equal(a.read_all(), matrix)
        assert np.array_equal(b.read_all()[:, :5], matrix)


def test_open_user_file(tmp_path):
    from nncli.errors import ConfigError, Mark

    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "full").write_bytes(b"abc")
    with open_user_file(tmp_path / "full") as handle:
        assert handle.read() == b"abc"
    for name, message in [("nope", "nope: file not found"), ("", "x: is a directory, not a weights file"),
                          ("empty", "empty: empty file")]:
        with pytest.raises(ConfigError) as caught:
            open_user_file(tmp_path / name, "weights file", shown=name or "x", error=ConfigError, mark=Mark("c.yaml", 3))
        assert str(caught.value) == f"c.yaml:3: {message}"


def test_rows_grammar_lives_in_rows():
    import nncli.rows

    assert parse_rows_spec is nncli.rows.parse_rows_spec and index_rows is nncli.rows.index_rows


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        open_inputs(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a directory"):
        open_inputs(tmp_path)


def test_npz_needs_a_key_when_it_holds_several_arrays(tmp_path):
    path, _ = write_all_formats(tmp_path, M)["m.npz"]
    with pytest.raises(InputError, match=r"holds several arrays \(other, x\); choose one with --key"):
        open_inputs(path)
    with pytest.raises(InputError, match="has no array 'y'"):
        open_inputs(path, key="y")


def test_empty_stdin():
    with pytest.raises(InputError, match="no input"):
        open_inputs("-", stdin=io.BytesIO(b""))


def test_unknown_format_name():
    with pytest.raises(InputError, match="unknown input format 'xls'"):
        open_inputs("-", input_format="xls", stdin=io.BytesIO(b"1"))


def test_check_width_names_the_file_and_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("# two values\n1,2\n")
    with open_inputs(path) as source:
        with pytest.raises(InputError) as caught:
            source.check_width(3, "net")
    assert str(caught.value) == f"{path}:2: rows have 2 values but network 'net' takes 3"
    labels = tmp_path / "l-idx1-ubyte"
    labels.write_bytes(idx_bytes(np.array([1, 2], np.uint8)))
    with open_inputs(labels) as source:
        with pytest.raises(InputError, match="holds labels: give it to --labels"):
            source.check_width(784, "mnist")


def test_no_file_is_left_open(tmp_path):
    # Tests run with warnings as errors, so an unclosed file (ResourceWarning) would fail here.
    files = write_all_formats(tmp_path, M)
    for name in FORMAT_FILES:
        path, kwargs = files[name]
        source = open_inputs(path, **kwargs)
        next(source.batches(1))  # abandoned mid-way
        source.close()
    import gc

    gc.collect()


# --- labels ---------------------------------------------------------------------------

LABELS = np.array([3, 0, 9, 1, 1], dtype=np.uint8)


@pytest.mark.parametrize("kind", ["idx", "idx.gz", "npy", "npy-2d", "onehot.npy", "csv", "header.csv", "onehot.csv",
                                  "npz", "json", "jsonl"])
def test_labels_in_every_format(tmp_path, kind):
    onehot = np.eye(10, dtype=np.int64)[LABELS]
    path = tmp_path / {"idx": "l-idx1-ubyte", "idx.gz": "l-idx1-ubyte.gz"}.get(kind, f"labels.{kind.split('.')[-1]}")
    kwargs = {}
    if kind == "idx":
        path.write_bytes(idx_bytes(LABELS))
    elif kind == "idx.gz":
        path.write_bytes(gzip.compress(idx_bytes(LABELS)))
    elif kind == "npy":
        np.save(path, LABELS.astype(np.int64))
    elif kind == "npy-2d":
        path = tmp_path / "labels.npy"
        np.save(path, LABELS.reshape(-1, 1).astype(np.float32))
    elif kind == "onehot.npy":
        np.save(path, onehot.astype(np.float32))
    elif kind == "csv":
        path.write_text("".join(f"{v}\n" for v in LABELS))
    elif kind == "header.csv":
        path.write_text("label\n" + "".join(f"{v}\n" for v in LABELS))
    elif kind == "onehot.csv":
        path.write_text("".join(",".join(map(str, row)) + "\n" for row in onehot))
    elif kind == "npz":
        np.savez(path, y=LABELS, x=np.zeros(5))
        kwargs["key"] = "y"
    elif kind == "json":
        path.write_text(json.dumps([[int(v)] for v in LABELS]))
    elif kind == "jsonl":
        path.write_text("".join(f"[{v}]\n" for v in LABELS))
    got = read_labels(path, n_classes=10, **kwargs)
    assert got.dtype == np.int64 and np.array_equal(got, LABELS)
    assert np.array_equal(read_labels(path, n_classes=10, rows=parse_rows_spec("1:3"), **kwargs), LABELS[1:3])


def test_labels_from_stdin():
    assert np.array_equal(read_labels("-", stdin=io.BytesIO(b"3\n0\n9\n")), [3, 0, 9])


@pytest.mark.parametrize("text, message", [
    ("1\n2.5\n", r"label 2.5 at row 1 is not a whole class number"),
    ("1\n-1\n", r"label -1 at row 1 is negative"),
    ("1\n10\n", r"label 10 at row 1 is not a class of the network \(it has 10: 0 to 9\)"),
    ("0,1\n1,1\n", r"row 1 is not one-hot"),
    ("0,1,0\n", r"one-hot labels have 3 columns but the network has 10 classes"),
])
def test_bad_labels(tmp_path, text, message):
    path = tmp_path / "labels.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_labels(path, n_classes=10 if "3 columns" in message or "10" in text else (2 if "," in text else 10))


def test_images_given_as_labels(tmp_path):
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(GOOD_IDX)
    with pytest.raises(NncliError, match=r"is an IDX file of 3 dimensions \(7 x 2 x 3\); labels are one class"):
        read_labels(path)


@pytest.mark.parametrize("first, second", [(b"1,2\n", b"3,4\n"), (b"[1, 2]\n", b"[3, 4]\n")])
def test_stdin_rows_are_processed_as_they_arrive(first, second):
    """A pipe that has sent one line yields that row at once, without waiting for more."""
    import os
    import threading

    read_end, write_end = os.pipe()
    sent_second = threading.Event()
    got_first = threading.Event()

    def writer() -> None:
        os.write(write_end, first)
        got_first.wait(timeout=5)  # a reader that waits for more input would time out here
        sent_second.set()
        os.write(write_end, second)
        os.close(write_end)

    thread = threading.Thread(target=writer)
    thread.start()
    with os.fdopen(read_end, "rb") as pipe, open_inputs("-", stdin=pipe) as source:
        batches = source.batches(1)
        assert np.array_equal(next(batches), [[1.0, 2.0]])
        assert not sent_second.is_set()
        got_first.set()
        assert np.array_equal(next(batches), [[3.0, 4.0]])
    thread.join()


def test_the_data_package_imports_neither_typer_nor_rich_and_no_private_names():
    """Every module of nncli.data (found, not listed) is core: no typer or rich, and none
    imports another module's private (_underscored) names."""
    import ast
    import pkgutil
    import subprocess
    import sys
    from pathlib import Path

    import nncli.data

    modules = ["nncli.data", "nncli.rows"] + [f"nncli.data.{m.name}" for m in pkgutil.iter_modules(nncli.data.__path__)]
    assert {"nncli.data.inputs", "nncli.data.text", "nncli.data.binary"} <= set(modules)
    code = f"import sys; import {', '.join(modules)}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    for path in Path(nncli.data.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not [a.name for a in node.names if a.name.startswith("_")], f"{path.name}: {ast.dump(node)}"


# --- CSV header: --header/--no-header, and a ;-separated file (issue 9, smaller list) ---


@pytest.mark.parametrize("header, rows, columns", [
    (None, [[0, 1], [1, 0.5]], None),  # auto: a line of numbers is data
    (True, [[1, 0.5]], ("0", "1")),
    (False, [[0, 1], [1, 0.5]], None),
])
def test_a_numeric_header_needs_header_true(tmp_path, header, rows, columns):
    path = tmp_path / "x.csv"
    path.write_text("0,1\n1,0.5\n")
    with open_inputs(path, header=header) as source:
        assert source.read_all().tolist() == rows and source.columns == columns


def test_no_header_makes_a_text_first_line_an_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"x.csv:1:1: 'a' is not a number \(value 1\)"):
        open_inputs(path, header=False)


def test_header_is_refused_for_other_formats(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("[1, 2]\n")
    with pytest.raises(InputError, match="a header line is a CSV/TSV matter; jsonl input has none"):
        open_inputs(path, header=True)


@pytest.mark.parametrize("text, line", [("1;2\n", 1), ("# comment\n1.5 ; -2e3\n3;4\n", 2)])
def test_semicolon_separated_rows_are_named_as_such(tmp_path, text, line):
    path = tmp_path / "x.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=rf"x.csv:{line}: values are separated by ';', but csv values by ','; "
                                         r"replace them \(e.g. with tr ';' ','\)"):
        open_inputs(path)


def test_a_header_with_no_rows_names_its_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("\na;b\n")
    with pytest.raises(InputError, match=r"x.csv: has a header line \(line 2\) but no rows"):
        open_inputs(path)


def test_header_options_on_the_command_line(tmp_path, nncli_process):
    path = tmp_path / "x.csv"
    path.write_text("0,1\n1.0,0.5\n")
    result = nncli_process("forward", "configs/three_layer.yaml", "-i", path, "-f", "csv", "--header")
    assert result.exit_code == 0 and result.stdout.count("\n") == 2
    result = nncli_process("forward", "configs/three_layer.yaml", "-i", path, "-f", "csv", "--no-header")
    assert result.exit_code == 0 and result.stdout.count("\n") == 3

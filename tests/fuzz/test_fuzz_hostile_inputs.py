"""Hostile input files aimed at one weakness each: headers declaring huge shapes, numbers beyond
float64 in every text format, deep JSON nesting, and extreme label values.

Same property as test_fuzz_inputs.py (harness.outcome). Each @example is the input that showed
one of the bugs of issue 9 (fixed; test_regressions.py keeps the smallest of each).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nncli.data import read_labels
from nncli.errors import NncliError
from tests.fuzz.harness import gz, idx_header_bytes, npy_header_bytes, npz_of_members, outcome
from tests.fuzz.scale import NO_SHRINK, examples
from tests.fuzz.strategies import mutated
from tests.fuzz.test_fuzz_inputs import read_everything

# Shapes far beyond memory, beyond the address space, and merely large (~400 MB, safe if allocated).
HUGE_SHAPES = [(200000, 200000), (2**31, 2**31), (1, 2**62), (10**30, 2), (2**40,), (1, 50_000_000),
               (50_000_000, 1), (3, 4000, 4000), (7000, 7000)]
HUGE_DIMS = [(200000, 200000), (65535, 65535), (4294967295,), (2, 4294967295), (60000, 28, 28),
             (1, 4294967295, 4294967295), (100000, 1000)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz_hostile")


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@st.composite
def huge_headers(draw) -> "tuple[str, bytes]":
    """(name, bytes): an npy, npz member or IDX header declaring a huge shape, then a few bytes."""
    kind = draw(st.sampled_from(["npy", "npz", "idx"]))
    payload = b"\x00" * draw(st.sampled_from([0, 8, 64, 1000]))
    if kind == "idx":
        return "big-idx3-ubyte", idx_header_bytes(draw(st.sampled_from(HUGE_DIMS)), draw(st.sampled_from(["u1", ">f8"]))) + payload
    header = npy_header_bytes(draw(st.sampled_from(HUGE_SHAPES)), descr=draw(st.sampled_from(["<f8", "|u1", ">f4"])),
                              fortran=draw(st.booleans()), version=draw(st.sampled_from([(1, 0), (2, 0)])))
    if kind == "npz":
        return "big.npz", npz_of_members({"x": header + payload})
    return "big.npy", header + payload


@examples(40, phases=NO_SHRINK)
@example(file=("big.npy", npy_header_bytes((1, 2**62))), how="stdin", labels=False)  # was: 'array is too big'
@given(file=huge_headers(), how=st.sampled_from(["file", "gzip", "stdin"]), labels=st.booleans())
def test_huge_declared_shapes_refused(folder, file, how, labels):
    """A header promising more than the file holds, or more than memory, is an NncliError, at once."""
    name, data = file
    if how == "gzip" and not name.endswith(".npz"):
        name, data = name + ".gz", gz(data)
    stdin = data if how == "stdin" and not name.endswith(".npz") else None
    path = "-" if stdin is not None else _write(folder, name, data)
    if labels:
        call = lambda: read_labels(path, stdin=_bytes_io(stdin))  # noqa: E731
    else:
        call = lambda: read_everything(path, stdin=stdin, batch_size=8192)  # noqa: E731
    what = f"{'read_labels' if labels else 'open_inputs'}({name!r} via {how}: header {data[:120]!r})"
    result = outcome(call, what)
    assert isinstance(result, NncliError), f"{what}: accepted"


def _bytes_io(data: bytes | None):
    return io.BytesIO(data) if data is not None else None


OVERFLOW = st.sampled_from(["1e400", "-1e400", "1e309", "-1.8e308", "1" + "0" * 310, "-" + "9" * 400, "2e99999"])
ORDINARY = st.sampled_from(["0", "1.5", "-2", "3e2", "0.25"])


@st.composite
def rows_with_one_overflow(draw) -> "tuple[list[list[str]], tuple[int, int]]":
    width, n_rows = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rows = [[draw(ORDINARY) for _ in range(width)] for _ in range(n_rows)]
    r, c = draw(st.integers(0, n_rows - 1)), draw(st.integers(0, width - 1))
    rows[r][c] = draw(OVERFLOW)
    return rows, (r, c)


def _render(fmt: str, rows: "list[list[str]]") -> bytes:
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        return "".join(sep.join(row) + "\n" for row in rows).encode()
    if fmt == "jsonl":
        return "".join("[" + ", ".join(row) + "]\n" for row in rows).encode()
    return ("[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]").encode()


def _overflow_case(folder: Path, fmt: str, case, gzipped: bool) -> None:
    rows, (r, c) = case
    data = _render(fmt, rows)
    name = f"data.{fmt}" + (".gz" if gzipped else "")
    path = _write(folder, name, gz(data) if gzipped else data)
    what = f"open_inputs({name!r}) of {data!r}"
    result = outcome(lambda: read_everything(path), what)
    assert isinstance(result, NncliError), f"{what}: {rows[r][c]} was read as a number (inf), not refused"


@examples(30)
@given(fmt=st.sampled_from(["csv", "tsv"]), case=rows_with_one_overflow(), gzipped=st.booleans())
def test_overflowing_numbers_refused_in_csv(folder, fmt, case, gzipped):
    """A literal beyond float64 (1e400) is an error naming the value, not a silent inf (issue 9 item 3)."""
    _overflow_case(folder, fmt, case, gzipped)


@examples(30, phases=NO_SHRINK)
@example(fmt="json", case=([["1e400"]], (0, 0)), gzipped=False)  # was read as inf
@given(fmt=st.sampled_from(["json", "jsonl"]), case=rows_with_one_overflow(), gzipped=st.booleans())
def test_overflowing_numbers_refused_in_json(folder, fmt, case, gzipped):
    """As in CSV: 1e400, or an integer beyond float64, is an error naming the value (issue 9 item 3)."""
    _overflow_case(folder, fmt, case, gzipped)


@examples(20, phases=NO_SHRINK)
@example(fmt="json", depth=100_000, opener="[", closed=True, labels=False)  # was: RecursionError
@given(fmt=st.sampled_from(["json", "jsonl"]), depth=st.integers(1000, 100_000), opener=st.sampled_from(["[", '{"x": ']),
       closed=st.booleans(), labels=st.booleans())
def test_deep_json_nesting_refused(folder, fmt, depth, opener, closed, labels):
    """[[[[... 1,000 to 100,000 deep: an NncliError (nesting limit, or invalid JSON), never RecursionError."""
    closer = "]" if opener == "[" else "}"
    text = opener * depth + "1" + (closer * depth if closed else "")
    path = _write(folder, f"deep.{fmt}", text.encode())
    call = (lambda: read_labels(path, key="x")) if labels else (lambda: read_everything(path, key="x"))
    outcome(call, f"{'read_labels' if labels else 'open_inputs'}(<{fmt}: {opener!r} x {depth}, closed={closed}>)")


LABEL_VALUES = st.one_of(
    st.sampled_from(["1e300", "-1e300", "1e19", "9223372036854775808", "-9223372036854775809", "1e308",
                     "18446744073709551615", "2e18", "1e400", "nan", "-inf", "4294967296", "0", "3"]),
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)


@examples(40, phases=NO_SHRINK)
@example(values=["1e300"], fmt="csv", n_classes=None)  # was: 'invalid value encountered in cast'
@given(values=st.lists(LABEL_VALUES, min_size=1, max_size=4), fmt=st.sampled_from(["csv", "json", "jsonl", "npy"]),
       n_classes=st.sampled_from([None, 10]))
def test_extreme_label_values_read_or_refused(folder, values, fmt, n_classes):
    """Labels of every size: class numbers, or an NncliError naming the label (never a RuntimeWarning)."""
    if fmt == "npy":
        numbers = np.array([float(v) for v in values])
        buffer = io.BytesIO()
        np.save(buffer, numbers)
        data = buffer.getvalue()
    elif fmt == "jsonl":
        data = "".join(f"{v}\n" for v in values).encode()
    elif fmt == "json":
        data = ("[" + ", ".join(values) + "]").encode()
    else:
        data = "".join(f"{v}\n" for v in values).encode()
    path = _write(folder, f"labels.{fmt}", data)
    outcome(lambda: read_labels(path, n_classes=n_classes), f"read_labels({fmt} of {values}, n_classes={n_classes})")


HEADER_FRAGMENTS = [b"(", b")", b"[", b"]", b"{", b"}", b",", b"'", b'"', b":", b"\\", b"\n", b"#", b"-1", b"1e400",
                    b"9" * 30, b"None", b"True", b"'<f8'", b"'|O'", b"'shape'", b"lambda: 0", b"__import__('os')"]


def _header_dict(shape: tuple[int, ...]) -> bytes:
    return npy_header_bytes(shape)[10:].rstrip(b" \n")


HEADER_TEXTS = st.sampled_from([(2,), (2, 3), (1, 1, 2)]).flatmap(
    lambda shape: mutated(_header_dict(shape), fragments=HEADER_FRAGMENTS))


@examples(40, phases=NO_SHRINK)
@example(text=b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,, }", how="file")  # was: tokenize.TokenError
@given(text=HEADER_TEXTS, how=st.sampled_from(["file", "stdin", "labels"]))
def test_npy_header_text_mutations_refused(folder, text, how):
    """The header dictionary of an .npy, edited (brackets, quotes, numbers, code): rows or an NncliError."""
    body = text + b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + b"\x00" * 48
    if how == "stdin":
        call = lambda: read_everything("-", stdin=npy)  # noqa: E731
    else:
        path = _write(folder, "edited.npy", npy)
        call = (lambda: read_labels(path)) if how == "labels" else (lambda: read_everything(path))  # noqa: E731
    outcome(call, f"{how}: .npy with header {body!r}")

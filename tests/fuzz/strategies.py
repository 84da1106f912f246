"""Hypothesis strategies: valid small documents and data files, and mutations of them."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from tests.fuzz.harness import NUMBER_TOKENS, gz, idx_bytes, npy_bytes, npz_bytes

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SHIPPED_CONFIGS = {path.name: path.read_bytes() for path in sorted(CONFIGS.glob("*.yaml"))}

# Fragments a mutation may insert: YAML/JSON/CSV syntax, hostile numbers, odd bytes.
TEXT_FRAGMENTS = [t.encode() for t in NUMBER_TOKENS] + [
    b"[", b"]", b"{", b"}", b",", b":", b": ", b"\n", b"\r\n", b"\t", b"- ", b"  ", b'"', b"'", b"#",
    b"&a ", b"*a", b"&b [1, 2]", b"<<: *a", b"? ", b"|", b">", b"!!float ", b"!!int ", b"!!str ",
    b"!!python/object/apply:os.system ['true']", b"!!binary aGk=", b"%YAML 1.2\n", b"---\n", b"...\n",
    b"\x00", b"\xff", b"\xef\xbb\xbf", b"\xe2\x80\xa8", b"\x1b[31m", b"\\u0000", b"null", b"true",
    b"[" * 70, b"]" * 70, b"{a: " * 70, b"}" * 70,
]

# Values that end up in arrays: ordinary, extreme and non-finite floats, and integers.
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 255.0, 1e308, -1e308, 5e-324, 65504.0, 3.4028235e38]),
    st.integers(-(2**63), 2**63 - 1).map(float),
)


@st.composite
def mutated(draw, data: bytes, donors: "list[bytes] | tuple[bytes, ...]" = (), fragments: "list[bytes] | None" = None,
            max_mutations: int = 3) -> bytes:
    """``data`` after 1..max_mutations of: truncation, byte flips, deletions, inserted fragments,
    spliced pieces of ``donors``, duplicated slices. Positions favour the first 160 bytes (headers)."""
    fragments = TEXT_FRAGMENTS if fragments is None else fragments
    for _ in range(draw(st.integers(1, max_mutations))):
        n = len(data)
        pos = draw(st.one_of(st.integers(0, min(n, 160)), st.integers(0, n)))
        kind = draw(st.sampled_from(["truncate", "flip", "delete", "insert", "splice", "duplicate"]))
        if kind == "truncate":
            data = data[:pos]
        elif kind == "flip" and n:
            i = min(pos, n - 1)
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
        elif kind == "delete":
            end = draw(st.integers(pos, min(n, pos + 64)))
            data = data[:pos] + data[end:]
        elif kind == "insert":
            data = data[:pos] + draw(st.sampled_from(fragments)) + data[pos:]
        elif kind == "splice" and donors:
            donor = draw(st.sampled_from(list(donors)))
            a = draw(st.integers(0, len(donor)))
            b = draw(st.integers(a, min(len(donor), a + 256)))
            data = data[:pos] + donor[a:b] + data[pos:]
        elif kind == "duplicate" and n:
            end = draw(st.integers(pos, min(n, pos + 128)))
            data = data[:end] + data[pos:end] + data[end:]
    return data


# --- data files -----------------------------------------------------------------------

# Not "<f16" (long double): its padding bytes are uninitialised memory, so np.save would write
# different bytes for the same draws and hypothesis would report a flaky strategy.
NPY_DTYPES = ["u1", "i1", "<i2", ">i2", "<i4", "<i8", "<u8", "<f2", "<f4", ">f4", "<f8", ">f8", "?",
              "<c16", "|S3", "<U2", "<m8[s]"]
IDX_CODES = ["u1", "i1", ">i2", ">i4", ">f4", ">f8"]


def _cast(values: np.ndarray, dtype: str) -> np.ndarray:
    """``values`` in ``dtype``, however lossy (the test data itself must not warn)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return values.astype(np.dtype(dtype))


@st.composite
def arrays(draw, dtypes: "list[str]" = NPY_DTYPES, max_dims: int = 3) -> np.ndarray:
    """A small array: 0..3 dimensions (size 0 allowed), values from FLOATS cast to a dtype."""
    ndim = draw(st.integers(0, max_dims))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    size = int(np.prod(shape)) if shape else 1
    values = np.array(draw(st.lists(FLOATS, min_size=size, max_size=size)), dtype=np.float64).reshape(shape)
    return _cast(values, draw(st.sampled_from(dtypes)))


def _token_rows(draw, rows: int, width: int, tokens) -> "list[list[str]]":
    return [[draw(tokens) for _ in range(width)] for _ in range(rows)]


NUMBER_TEXT = st.one_of(
    FLOATS.map(repr), st.integers(-1000, 1000).map(str), st.sampled_from(NUMBER_TOKENS),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.3e}"),
)


@st.composite
def csv_text(draw, delimiter: str = ",") -> bytes:
    """CSV/TSV text: an optional header, rows of number spellings, comments, blanks, quotes, CRLF, BOM."""
    width = draw(st.integers(1, 4))
    rows = _token_rows(draw, draw(st.integers(0, 5)), width, NUMBER_TEXT)
    lines = []
    if draw(st.booleans()):
        lines.append(delimiter.join(draw(st.sampled_from(["a", "x1", '"b c"', "0", "label", "#c"])) for _ in range(width)))
    for row in rows:
        if draw(st.booleans()):
            row = [f'"{t}"' if draw(st.booleans()) else f" {t} " for t in row]
        lines.append(delimiter.join(row))
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "# comment", "   ", "#"])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    bom = "\ufeff" if draw(st.integers(0, 7)) == 0 else ""
    return (bom + text).encode("utf-8")


def _json_row(draw, width: int) -> str:
    return "[" + ", ".join(draw(st.one_of(NUMBER_TEXT, st.sampled_from(['"nan"', '"-inf"', "null", "true", '"1"'])))
                           for _ in range(width)) + "]"


@st.composite
def json_text(draw) -> bytes:
    """A .json document: a list of rows, one row, an object holding either, or rows as objects;
    numbers spelled verbatim (so 1e400, NaN and Infinity reach the parser as written)."""
    width = draw(st.integers(1, 4))
    rows = [_json_row(draw, width) for _ in range(draw(st.integers(0, 4)))]
    if draw(st.booleans()):
        rows = [f'{{"x": {row}}}' for row in rows]
    body = draw(st.sampled_from(["list", "row", "object"]))
    if body == "row":
        doc = _json_row(draw, width)
    else:
        doc = "[" + ", ".join(rows) + "]"
    if body == "object":
        doc = f'{{"x": {doc}, "y": 1}}'
    return doc.encode()


@st.composite
def jsonl_text(draw) -> bytes:
    width = draw(st.integers(1, 4))
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        row = _json_row(draw, width)
        lines.append(f'{{"x": {row}}}' if draw(st.integers(0, 3)) == 0 else row)
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "# c", "1", "{}", "[]"])))
    return ("\n".join(lines) + "\n").encode()


@st.composite
def npy_file(draw) -> bytes:
    array = draw(arrays())
    if array.ndim > 1 and draw(st.booleans()):
        array = np.asfortranarray(array)
    return npy_bytes(array)


@st.composite
def npz_file(draw) -> bytes:
    names = draw(st.lists(st.sampled_from(["x", "X", "arr_0", "W1", "labels"]), min_size=1, max_size=2, unique=True))
    return npz_bytes({name: draw(arrays()) for name in names}, compressed=draw(st.booleans()))


@st.composite
def idx_file(draw) -> bytes:
    code = draw(st.sampled_from(IDX_CODES))
    array = draw(arrays(dtypes=["<f8"]))
    if array.ndim == 0:
        array = array.reshape(1)
    return idx_bytes(_cast(array, code), code)


# (file name, strategy of valid bytes) for every input format; a .gz variant of each but npz.
FORMATS = {
    "data.csv": csv_text(","),
    "data.tsv": csv_text("\t"),
    "data.json": json_text(),
    "data.jsonl": jsonl_text(),
    "data.npy": npy_file(),
    "data.npz": npz_file(),
    "data-idx3-ubyte": idx_file(),
}


@st.composite
def data_files(draw, mutate: bool) -> "tuple[str, bytes]":
    """(file name, bytes): a valid small file of some format, maybe gzipped, maybe mutated;
    mutations may splice in fragments of a file of another format."""
    name = draw(st.sampled_from(sorted(FORMATS)))
    data = draw(FORMATS[name])
    if name != "data.npz" and draw(st.integers(0, 3)) == 0:
        name, data = name + ".gz", gz(data)
    if mutate:
        donor_name = draw(st.sampled_from(sorted(FORMATS)))
        data = draw(mutated(data, donors=[draw(FORMATS[donor_name])]))
    return name, data


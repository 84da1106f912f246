"""nncli.rows: parsing rows of numbers typed by people (`nncli softmax`, `forward -x`, CSV values) and the number grammar."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nncli.errors import InputError
from nncli.rows import Row, is_number, parse_lines, parse_number, parse_row, parse_row_at, stack_rows


@pytest.mark.parametrize(
    "text",
    ["2.0 1.0 0.1", "2.0,1.0,0.1", "2.0, 1.0, 0.1", " 2.0\t1.0  ,0.1 ", "2,1.0,.1", "+2 1e0 1E-1"],
)
def test_separators_and_literals(text):
    assert parse_row(text, "<t>") == [2.0, 1.0, 0.1]


def test_negative_numbers_and_exponents():
    assert parse_row("-1 -0.5 -1e3 -.25", "<t>") == [-1.0, -0.5, -1000.0, -0.25]


@pytest.mark.parametrize("word", ["inf", "INF", "Inf", "+inf", "infinity", "Infinity"])
def test_positive_infinity_any_case(word):
    assert parse_row(f"1 {word}", "<t>") == [1.0, math.inf]


def test_negative_infinity_and_nan():
    values = parse_row("-inf,NaN,-Infinity,nan", "<t>")
    assert values[0] == -math.inf and values[2] == -math.inf
    assert math.isnan(values[1]) and math.isnan(values[3])


def test_columns_are_kept():
    row = parse_row_at("1, 22  333", "<t>")
    assert row == Row((1.0, 22.0, 333.0), (1, 4, 8), "<t>")
    assert len(row) == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("2.0 abc 0.1", "<t>:5: 'abc' is not a number"),
        ("1,2,x", "<t>:5: 'x' is not a number"),
        ("1 2;3", "<t>:3: '2;3' is not a number"),
        ("1_000", "<t>:1: '1_000' is not a number"),
        ("0x10", "<t>:1: '0x10' is not a number"),
        ("--1", "<t>:1: '--1' is not a number"),
        ("1 ٣", "<t>:3: '٣' is not a number"),  # non-ASCII digit: float() would take it
        ("1,,2", "<t>:3: empty value before this comma"),
        (",1", "<t>:1: empty value before this comma"),
        ("1,2,", "<t>:4: empty value after the last comma"),
        ("", "<t>: empty row: no numbers"),
        ("   ", "<t>: empty row: no numbers"),
        ("1e400", "<t>:1: 1e400 is too large for float64"),
    ],
)
def test_errors_name_the_token_and_column(text, message):
    with pytest.raises(InputError) as info:
        parse_row(text, "<t>")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_long_bad_token_is_shortened():
    with pytest.raises(InputError) as info:
        parse_row("x" * 200, "<t>")
    assert len(str(info.value)) < 200


def test_tiny_values_underflow_quietly_to_zero():
    assert parse_row("1e-400", "<t>") == [0.0]


def test_parse_lines_skips_blanks_and_comments_and_keeps_line_numbers():
    text = "# scores\n1 2 3\n\n   \n3,2,1  # reversed\n"
    rows = parse_lines(text)
    assert [r.values for r in rows] == [(1.0, 2.0, 3.0), (3.0, 2.0, 1.0)]
    assert [r.where for r in rows] == ["<stdin>:2", "<stdin>:5"]


def test_parse_lines_error_has_line_and_column():
    with pytest.raises(InputError) as info:
        parse_lines("1 2 3\n\n1 x 3\n")
    assert str(info.value).startswith("<stdin>:3:3: 'x' is not a number")


def test_parse_lines_handles_crlf_and_empty_input():
    assert [r.values for r in parse_lines("1 2\r\n3 4\r\n", "f.txt")] == [(1.0, 2.0), (3.0, 4.0)]
    assert parse_lines("") == []
    assert parse_lines("# only a comment\n\n") == []


def test_stack_rows_shape_and_dtype():
    rows = parse_lines("1 2 3\n4 5 6\n")
    arr = stack_rows(rows)
    assert arr.shape == (2, 3) and arr.dtype == np.float64
    assert stack_rows(rows, "float32").dtype == np.float32


def test_stack_rows_rejects_ragged_rows():
    with pytest.raises(InputError) as info:
        stack_rows(parse_lines("1 2 3\n1 2\n"))
    assert str(info.value) == (
        "<stdin>:2: this row has 2 values, but the first row (<stdin>:1) has 3 values; "
        "all rows must have the same length"
    )


def test_stack_rows_rejects_no_rows():
    with pytest.raises(InputError):
        stack_rows([])


def test_stack_rows_float32_range_is_checked_not_cast_to_inf():
    rows = parse_lines("1 1e39\n")
    with pytest.raises(InputError) as info:
        stack_rows(rows, np.float32)
    assert str(info.value).startswith("<stdin>:1:3: 1e+39 does not fit in float32")
    # explicit infinities are fine
    assert np.isinf(stack_rows(parse_lines("1 inf\n"), np.float32)[0, 1])


def test_parse_number_with_a_context_replaces_the_hint():
    with pytest.raises(InputError) as info:
        parse_number("1_0", "f.csv:2", 5, "value 3")
    assert str(info.value) == "f.csv:2:5: '1_0' is not a number (value 3)"
    with pytest.raises(InputError) as info:
        parse_number("1e400", "f.csv:2", 5, "value 3")
    assert str(info.value) == "f.csv:2:5: 1e400 is too large for float64 (value 3); write inf if you mean infinity"


@pytest.mark.parametrize("token, expected", [("1", True), ("-.5e3", True), ("NaN", True), ("+Infinity", True),
                                             ("1_000", False), ("0x1", False), (" 1", False), ("", False)])
def test_is_number(token, expected):
    assert is_number(token) is expected

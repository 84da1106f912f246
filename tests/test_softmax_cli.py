"""`nncli softmax` on the command line: output formats, stdin rows, negative numbers, the demo, errors."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest

from nncli.overflow import softmax_rows
from tests.conftest import CONFIGS

BOOK_RESULT = [9.99954600e-01, 4.53978686e-05, 2.06106005e-09]
ANSI = re.compile(r"\x1b\[")


def strict_json(text: str):
    """json.loads that refuses NaN/Infinity literals (as jq does)."""

    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def assert_error(result, *fragments: str) -> None:
    """Exit 1, nothing on stdout, one `Error: ...` line on stderr containing every fragment."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


# --- help -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_has_an_example_and_documents_temperature(cli, flag):
    result = cli("softmax", flag)
    assert result.exit_code == 0
    assert "Example" in result.stdout and "nncli softmax 2.0 1.0 0.1" in result.stdout
    assert "--temperature" in result.stdout and "sharpens" in result.stdout
    assert "--demo-overflow" in result.stdout


def test_softmax_is_listed_in_the_app_help(cli):
    assert "softmax" in cli("--help").stdout


# --- the table ------------------------------------------------------------------------------------


def test_table_shows_value_probability_bar_and_argmax(cli):
    result = cli("softmax", "2.0", "1.0", "0.1")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    first = next(line for line in lines if line.startswith("0 "))
    assert "2" in first and "0.6590" in first and "█" in first and "◀ argmax" in first
    assert any(line.startswith("1 ") and "0.2424" in line for line in lines)
    assert any(line.startswith("2 ") and "0.0986" in line and "argmax" not in line for line in lines)
    assert any("Σ" in line and "1.0000" in line for line in lines)
    assert result.stderr == ""


def test_comma_separated_argument_is_the_same_row(cli):
    assert cli("softmax", "2.0,1.0,0.1").stdout == cli("softmax", "2.0", "1.0", "0.1").stdout
    assert cli("softmax", "2.0,", "1.0", ",0.1").exit_code == 0


def test_precision(cli):
    out = cli("softmax", "2.0", "1.0", "0.1", "--precision", "7").stdout
    assert "0.6590011" in out and "1.0000000" in out


def test_temperature_and_log_in_the_table(cli):
    out = cli("softmax", "2.0", "1.0", "0.1", "--temperature", "2", "--log").stdout
    assert "log_softmax(a / T), T = 2" in out and "log p" in out


def test_several_rows_make_several_tables(cli):
    out = cli("softmax", "--row", "1 2 3", "--row", "3,2,1").stdout
    assert "row 1 of 2" in out and "row 2 of 2" in out


# --- negative numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["-1", "0", "1", "--format", "json"],
        ["-1,0,1", "--format", "json"],
        ["--format", "json", "-1", "0", "1"],
        ["-1", "--format", "json", "0", "1"],
        ["--format", "json", "--", "-1", "0", "1"],
    ],
)
def test_negative_numbers_are_values_not_options(cli, args):
    result = cli("softmax", *args)
    assert result.exit_code == 0, result.stderr
    doc = strict_json(result.stdout)
    assert doc["input"] == [[-1.0, 0.0, 1.0]]
    assert doc["predicted"] == [2]


def test_negative_special_values(cli):
    doc = strict_json(cli("softmax", "-inf", "-1e3", "-.5", "-Infinity", "--format", "json").stdout)
    assert doc["input"] == [["-inf", -1000.0, -0.5, "-inf"]]
    assert doc["probabilities"] == [[0.0, 0.0, 1.0, 0.0]]


def test_negative_row_option_value(cli):
    doc = strict_json(cli("softmax", "--row", "-1,-2", "--format", "json").stdout)
    assert doc["input"] == [[-1.0, -2.0]]


@pytest.mark.parametrize(
    "token, message",
    [
        ("--temprature", "no such option: --temprature (did you mean '--temperature'?)"),
        ("--formt=json", "no such option: --formt (did you mean '--format'?)"),
        ("-x", "no such option: -x"),
    ],
)
def test_unknown_options_are_still_reported(cli, token, message):
    # Usage errors: exit 2, as the parser gives for every other command.
    result = cli("softmax", token, "1", "2")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"Error: {message}\n"


def test_precision_out_of_range_is_a_usage_error(cli):
    # --precision is declared once for every command: the same range and the same usage error.
    for command in (["softmax", "1", "2"], ["forward", CONFIGS / "three_layer.yaml"], ["activations", "relu"]):
        result = cli(*command, "--precision", "-1")
        assert result.exit_code == 2 and "--precision" in result.stderr and "0<=x<=17" in result.stderr


# --- JSON and CSV ---------------------------------------------------------------------------------


def test_json_schema_and_full_precision(cli):
    result = cli("softmax", "2.0", "1.0", "0.1", "--format", "json")
    doc = strict_json(result.stdout)
    assert list(doc) == ["input", "probabilities", "predicted", "temperature", "dtype"]
    assert doc["input"] == [[2.0, 1.0, 0.1]]
    expected = softmax_rows(np.array([[2.0, 1.0, 0.1]])).probabilities.tolist()
    assert doc["probabilities"] == expected  # exact: repr round-trips
    assert doc["predicted"] == [0] and doc["temperature"] == 1.0 and doc["dtype"] == "float64"
    assert result.stdout.count("\n") == 1


def test_json_log_probabilities(cli):
    doc = strict_json(cli("softmax", "0", "-200", "-1000", "--log", "--format", "json").stdout)
    assert "probabilities" not in doc
    # log(1 + e^-200 + e^-1000) = 1.3838965267367376e-87 (mpmath); -200 and -1000 are exact.
    assert doc["log_probabilities"] == [[-1.3838965267367376e-87, -200.0, -1000.0]]


def test_json_non_finite_values_are_strings(cli):
    doc = strict_json(cli("softmax", "--row", "inf 1 2", "--row", "nan 1 2", "--format", "json").stdout)
    assert doc["input"] == [["inf", 1.0, 2.0], ["nan", 1.0, 2.0]]
    assert doc["probabilities"] == [[1.0, 0.0, 0.0], ["nan", "nan", "nan"]]
    assert doc["predicted"] == [0, None]


def test_json_float32(cli):
    doc = strict_json(cli("softmax", "2", "1", "0.1", "--dtype", "float32", "--format", "json").stdout)
    assert doc["dtype"] == "float32"
    assert doc["input"][0][2] == float(np.float32(0.1))  # the float32 value, widened exactly
    assert sum(doc["probabilities"][0]) == pytest.approx(1.0, abs=1e-6)


def test_csv_header_and_rows(cli):
    result = cli("softmax", "-", "--format", "csv", input="1 2 3\n3 2 1\nnan 1 2\n")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["p0", "p1", "p2", "predicted"]
    assert [float(v) for v in rows[1][:3]] == softmax_rows(np.array([[1.0, 2.0, 3.0]])).probabilities[0].tolist()
    assert rows[1][3] == "2" and rows[2][3] == "0"
    assert rows[3] == ["nan", "nan", "nan", ""]


def test_csv_log_header(cli):
    first = cli("softmax", "1", "2", "--log", "--format", "csv").stdout.splitlines()[0]
    assert first == "logp0,logp1,predicted"


# --- stdin ----------------------------------------------------------------------------------------


def test_stdin_rows_skip_blank_lines_and_comments(cli):
    text = "# scores for three samples\n2.0 1.0 0.1\n\n0.3, 2.9, 4.0   # the book's example\n-1 0 1\n"
    result = cli("softmax", "-", "--format", "json", input=text)
    assert result.exit_code == 0, result.stderr
    doc = strict_json(result.stdout)
    assert doc["input"] == [[2.0, 1.0, 0.1], [0.3, 2.9, 4.0], [-1.0, 0.0, 1.0]]
    assert doc["predicted"] == [0, 2, 2]


def test_stdin_table_names_the_lines(cli):
    out = cli("softmax", "-", input="1 2\n\n2 1\n").stdout
    assert "row 1 of 2 (<stdin>:1)" in out and "row 2 of 2 (<stdin>:3)" in out


def test_stdin_bad_line(cli):
    assert_error(cli("softmax", "-", input="1 2 3\n\n1 x 3\n"), "<stdin>:3:3: 'x' is not a number")


def test_stdin_ragged_rows(cli):
    assert_error(cli("softmax", "-", input="1 2 3\n1 2\n"), "<stdin>:2: this row has 2 values", "has 3 values")


def test_stdin_without_rows(cli):
    assert_error(cli("softmax", "-", input="\n# nothing\n"), "<stdin>: no rows")


def test_stdin_not_utf8(cli):
    assert_error(cli("softmax", "-", input=b"1 2 \xff\n"), "<stdin>: not UTF-8")


def test_stdin_cannot_be_mixed(cli):
    assert_error(cli("softmax", "-", "1", input="1 2\n"), "'-' reads all rows from stdin")
    assert_error(cli("softmax", "-", "--row", "1 2", input="1 2\n"), "'-' reads all rows from stdin")


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["2.0", "abc", "0.1"], ["<args>:5: 'abc' is not a number"]),
        ([""], ["empty row"]),
        (["1,,2"], ["<args>:3: empty value"]),
        (["--row", "1 2", "--row", "1 2 3"], ["--row #2: this row has 3 values", "has 2 values"]),
        (["1", "--row", "1 2"], ["either as VALUES or as --row"]),
        ([], ["no scores given", "nncli softmax 2.0 1.0 0.1"]),
        (["1", "2", "--temperature", "0"], ["--temperature must be a finite number > 0, not 0"]),
        (["1", "2", "--temperature", "-1"], ["--temperature must be a finite number > 0, not -1"]),
        (["1", "2", "--temperature", "nan"], ["--temperature must be a finite number > 0"]),
        (["1e400", "1"], ["<args>:1: 1e400 is too large for float64"]),
        (["1e39", "1", "--dtype", "float32"], ["<args>:1: 1e+39 does not fit in float32"]),
    ],
)
def test_errors_are_one_line_and_exit_1(cli, args, fragments):
    assert_error(cli("softmax", *args), *fragments)


# --- the overflow demo ----------------------------------------------------------------------------


def test_demo_default_is_the_books_example(cli):
    result = cli("softmax", "--demo-overflow")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "softmax([1010, 1000, 990]) in float64" in out
    for number in ("9.99954600e-01", "4.53978686e-05", "2.06106005e-09", "1.00004540e+00"):
        assert number in out
    lines = out.splitlines()
    row0 = next(line for line in lines if line.startswith("0 "))
    assert row0.split()[:4] == ["0", "1010", "inf", "nan"]
    assert "C = max(a) = 1010" in out
    assert "RuntimeWarning: overflow encountered in exp" in out
    assert "RuntimeWarning: invalid value encountered in divide" in out
    assert "709.78" in out and "-745.13" in out
    assert "e^-C" in out and "argmax(a) = 0, argmax(a - C) = 0, argmax(y) = 0" in out
    # the book's order: naive, stable, why, where
    positions = [out.index(s) for s in ("1. naive", "2. stable", "3. Why", "4. Where")]
    assert positions == sorted(positions)
    assert result.stderr == ""


def test_demo_float32_fails_on_100_90_80(cli):
    out = cli("softmax", "--demo-overflow", "--dtype", "float32", "100", "90", "80").stdout
    assert "in float32" in out and "88.72" in out
    assert "overflow encountered in exp" in out
    assert "(2 of 3 here)" in out


def test_demo_underflow_side_with_negative_values(cli):
    result = cli("softmax", "--demo-overflow", "-1000", "-1010", "-1020")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "underflow encountered in exp" in out and "(3 of 3 here)" in out
    assert "9.99954600e-01" in out


def test_demo_json(cli):
    result = cli("softmax", "--demo-overflow", "--format", "json")
    doc = strict_json(result.stdout)
    assert doc["dtype"] == "float64" and doc["input"] == [1010.0, 1000.0, 990.0]
    assert doc["naive"] == {
        "exp": ["inf", "inf", "inf"],
        "sum": "inf",
        "result": ["nan", "nan", "nan"],
        "warnings": ["overflow encountered in exp", "invalid value encountered in divide"],
    }
    stable = doc["stable"]
    assert stable["C"] == 1010.0 and stable["shifted"] == [0.0, -10.0, -20.0]
    np.testing.assert_allclose(stable["result"], BOOK_RESULT, rtol=1e-8)
    assert stable["sum"] == pytest.approx(1.0000454, rel=1e-7)
    assert doc["overflow_threshold"] == pytest.approx(709.782712893384, rel=1e-15)
    assert doc["argmax"] == {"input": 0, "shifted": 0, "naive": None, "stable": 0}


def test_demo_json_float32_threshold(cli):
    result = cli("softmax", "--demo-overflow", "--dtype", "float32", "100", "90", "80", "--format", "json")
    doc = strict_json(result.stdout)
    assert doc["overflow_threshold"] == pytest.approx(88.72, abs=0.005)
    assert doc["naive"]["result"][:2] == ["nan", "nan"]


def test_demo_accepts_inf_and_nan(cli):
    result = cli("softmax", "--demo-overflow", "inf", "1", "nan")
    assert result.exit_code == 0, result.stderr
    assert "C = 0: max(a) = nan is not finite" in result.stdout


def test_demo_takes_one_row(cli):
    assert cli("softmax", "--demo-overflow", "--row", "1 2").exit_code == 0
    assert_error(cli("softmax", "--demo-overflow", "--row", "1 2", "--row", "3 4"), "one row")
    assert_error(cli("softmax", "--demo-overflow", "--log"), "do not apply to --demo-overflow")
    assert_error(cli("softmax", "--demo-overflow", "--temperature", "2"), "do not apply to --demo-overflow")
    assert_error(cli("softmax", "--demo-overflow", "--format", "csv"), "not csv")


def test_demo_precision(cli):
    assert "9.9995e-01" in cli("softmax", "--demo-overflow", "--precision", "4").stdout


# --- real processes: 80 columns, no colour, nothing on stderr -------------------------------------


def _width(text: str) -> int:
    return max((len(line.rstrip()) for line in text.splitlines()), default=0)


@pytest.mark.parametrize(
    "args",
    [
        ["softmax", "2.0", "1.0", "0.1"],
        ["softmax", "-1", "0", "1", "--log", "--temperature", "0.5", "--precision", "6"],
        ["softmax", "--demo-overflow"],
        ["softmax", "--demo-overflow", "--dtype", "float32", "100", "90", "80"],
        ["softmax", "--demo-overflow", "-1000", "-1010", "-1020"],
        ["softmax", "--demo-overflow", "inf", "1", "2"],
        ["softmax", "--help"],
    ],
)
def test_piped_output_fits_80_columns_without_colour(nncli_process, args):
    result = nncli_process(*args, env={"PYTHONWARNINGS": "error"})
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert _width(result.stdout) <= 80
    assert not ANSI.search(result.stdout)


def test_inf_and_nan_rows_leak_no_warning(nncli_process):
    result = nncli_process(
        "softmax", "-", "--log", env={"PYTHONWARNINGS": "error"},
        input="inf 1 2\nnan 1 2\n-inf -inf -inf\n1e308 -1e308 0\n",
    )
    assert result.exit_code == 0 and result.stderr == ""
    assert "nan" in result.stdout


def test_machine_formats_do_not_go_through_rich(nncli_process):
    # a 20-column terminal would wrap anything Rich printed
    rows = "".join(f"{i} {i + 1} {i + 2} {i + 3} {i + 4}\n" for i in range(3))
    result = nncli_process("softmax", "-", "--format", "json", input=rows, columns=20)
    assert len(strict_json(result.stdout)["probabilities"]) == 3
    result = nncli_process("softmax", "-", "--format", "csv", input=rows, columns=20)
    assert len(result.stdout.splitlines()) == 4 and all(line.count(",") == 5 for line in result.stdout.splitlines())
    result = nncli_process("softmax", "--demo-overflow", "--format", "json", columns=20)
    assert strict_json(result.stdout)["naive"]["sum"] == "inf"


def test_real_process_error_exit_code(nncli_process):
    result = nncli_process("softmax", "1", "x")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: <args>:3: 'x' is not a number "
        "(numbers are separated by commas or spaces; inf, -inf and nan are allowed)"
    )

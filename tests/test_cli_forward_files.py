"""`nncli forward` on input files and pipes: every format streams the same numbers as the API."""

import csv
import io
import json

import numpy as np
import pytest

import nncli
from tests.conftest import CONFIGS

IRIS = str(CONFIGS / "iris_softmax.yaml")


@pytest.fixture
def iris_rows():
    rng = np.random.default_rng(7)
    return np.round(rng.uniform(0.1, 7.9, size=(23, 4)), 2)


def _expected(rows):
    return nncli.load_network(IRIS).forward(rows)


def test_jsonl_streams_every_row_in_small_batches(cli, tmp_path, iris_rows):
    np.save(tmp_path / "x.npy", iris_rows)
    out = cli("forward", IRIS, "-i", tmp_path / "x.npy", "-f", "jsonl", "--batch-size", "5").stdout
    records = [json.loads(line) for line in out.splitlines()]
    trace = _expected(iris_rows)
    assert [r["index"] for r in records] == list(range(23))
    np.testing.assert_allclose([r["output"] for r in records], trace.output, rtol=1e-15)
    assert [r["predicted"] for r in records] == trace.predicted.tolist()


def test_csv_from_csv_file_with_rows(cli, tmp_path, iris_rows):
    path = tmp_path / "x.csv"
    path.write_text("a,b,c,d\n" + "".join(",".join(repr(v) for v in row) + "\n" for row in iris_rows.tolist()))
    out = cli("forward", IRIS, "-i", path, "-f", "csv", "--rows", "10:13").stdout
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["setosa", "versicolor", "virginica", "predicted"]
    trace = _expected(iris_rows[10:13])
    np.testing.assert_allclose([[float(v) for v in row[:3]] for row in table[1:]], trace.output, rtol=1e-15)


def test_npy_output_same_as_api_and_chunking_does_not_matter(cli, tmp_path, iris_rows):
    np.save(tmp_path / "x.npy", iris_rows)
    for batch in ("1", "7", "100"):
        out = tmp_path / f"y{batch}.npy"
        assert cli("forward", IRIS, "-i", tmp_path / "x.npy", "-o", out, "--batch-size", batch).exit_code == 0
        np.testing.assert_allclose(np.load(out), _expected(iris_rows).output, rtol=1e-15)
    np.testing.assert_array_equal(np.load(tmp_path / "y1.npy"), np.load(tmp_path / "y100.npy"))


def test_npy_from_stdin_jsonl_of_unknown_length(nncli_process, iris_rows):
    text = "".join(json.dumps(row) + "\n" for row in iris_rows.tolist())
    result = nncli_process("forward", IRIS, "-i", "-", "--input-format", "jsonl", "-f", "npy", input=text)
    assert result.exit_code == 0, result.stderr
    np.testing.assert_allclose(np.load(io.BytesIO(result.stdout_bytes)), _expected(iris_rows).output, rtol=1e-15)


def test_table_shows_the_first_rows_and_says_so(cli, tmp_path):
    rows = np.tile([5.1, 3.5, 1.4, 0.2], (1500, 1))
    np.save(tmp_path / "many.npy", rows)
    out = cli("forward", IRIS, "-i", tmp_path / "many.npy", "--no-layers").stdout
    assert "rows 0–9 of 1,500: the first 10 (--rows START:STOP shows others)" in out
    out = cli("forward", IRIS, "-i", tmp_path / "many.npy", "--index", "1234", "--no-layers").stdout
    assert "1234 " in out and "setosa" in out


def test_divide_by_and_stats(cli, tmp_path):
    np.save(tmp_path / "x.npy", np.array([[510.0, 350.0, 140.0, 20.0]]))
    doc = json.loads(cli("forward", IRIS, "-i", tmp_path / "x.npy", "--divide-by", "100", "-f", "json", "--stats").stdout)
    assert doc["input"] == [[5.1, 3.5, 1.4, 0.2]]
    assert doc["predicted"] == [0]
    hidden = doc["stats"][0]
    assert hidden["name"] == "hidden" and hidden["layer"] == 1
    A = np.array(doc["layers"][0]["A"])
    assert hidden["A"]["max"] == pytest.approx(A.max()) and hidden["A"]["min"] == pytest.approx(A.min())


@pytest.mark.parametrize(
    "args, message",
    [
        (["-x", "1,2,3,4", "-i", "x.npy"], "give inputs either with -x or with --input-file, not both"),
        (["--rows", "0:1", "--index", "2", "-x", "1,2,3,4"], "give either --rows or --index, not both"),
    ],
)
def test_conflicting_options(cli, args, message):
    result = cli("forward", IRIS, *args)
    assert result.exit_code == 1 and result.stderr == f"Error: {message}\n"


def test_wrong_width_file_names_the_file(cli, tmp_path):
    (tmp_path / "x.csv").write_text("1,2,3\n4,5,6\n")
    result = cli("forward", IRIS, "-i", tmp_path / "x.csv", "-f", "jsonl")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'x.csv'}:1: rows have 3 values but network 'iris_softmax' takes 4")


def test_bad_row_midway_leaves_no_output_file(cli, tmp_path):
    (tmp_path / "x.csv").write_text("1,2,3,4\n" * 5 + "1,2,x,4\n")
    out = tmp_path / "y.csv"
    result = cli("forward", IRIS, "-i", tmp_path / "x.csv", "-o", out, "--batch-size", "2")
    assert result.exit_code == 1 and ":6:" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "x.csv"]


@pytest.mark.parametrize("divide_by", ["1e300", "1e-50", "0", "nan"])
def test_divide_by_out_of_the_dtype_range_is_refused(cli, tmp_path, divide_by):
    np.save(tmp_path / "x.npy", np.ones((1, 4)))
    result = cli("forward", IRIS, "-i", tmp_path / "x.npy", "--divide-by", divide_by, "--dtype", "float32")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: divide_by ")


def test_json_without_layers(cli, iris_rows, tmp_path):
    np.save(tmp_path / "x.npy", iris_rows)
    doc = json.loads(cli("forward", IRIS, "-i", tmp_path / "x.npy", "-f", "json", "--no-layers").stdout)
    assert doc["input"] is None and doc["layers"] == []
    np.testing.assert_allclose(doc["output"], _expected(iris_rows).output, rtol=1e-15)


def test_output_cannot_replace_the_input(cli, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("1,2,3,4\n")
    result = cli("forward", IRIS, "-i", path, "-o", path, "-f", "csv")
    assert result.exit_code == 1 and "is the input file" in result.stderr
    assert path.read_text() == "1,2,3,4\n"


def test_table_note_only_when_rows_are_hidden(cli, tmp_path):
    (tmp_path / "x.csv").write_text("1,2,3,4\n" * 5)
    assert "rows 0–" not in cli("forward", IRIS, "-i", tmp_path / "x.csv", "--no-layers").stdout
    (tmp_path / "y.csv").write_text("1,2,3,4\n" * 30)
    out = cli("forward", IRIS, "-i", tmp_path / "y.csv", "--no-layers", "--batch-size", "12").stdout
    assert "rows 0–9: the first 10 (--rows START:STOP shows others)" in out


def test_closed_pipe_ends_quietly_with_sigpipe_status(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    np.save(tmp_path / "x.npy", np.ones((200_000, 4)))
    command = f'"{sys.executable}" -m nncli forward {IRIS} -i {tmp_path / "x.npy"} -f jsonl | head -n 1'
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 141 and proc.stderr == ""
    assert json.loads(proc.stdout)["index"] == 0


def test_value_too_large_for_float32_names_file_row_and_value(cli, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("1,2,3,4\n1,2,3,4\n1,2,3,4\n1,1e300,3,4\n")
    result = cli("forward", IRIS, "--dtype", "float32", "-i", path, "--rows", "2:4", "-f", "csv")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: input row 3, value 2: 1e+300 does not fit in float32 (largest 3.403e+38)\n"


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl"])
def test_every_format_names_the_same_row_for_a_value_too_large(cli, tmp_path, fmt):
    path = tmp_path / "huge.csv"
    path.write_text("1,2,3,4\n1,2,3,4\n1,2,3,4\n1,1e300,3,4\n")
    result = cli("forward", IRIS, "--dtype", "float32", "-i", path, "--rows", "2:4", "-f", fmt)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: input row 3, value 2: 1e+300 does not fit in float32 (largest 3.403e+38)\n"


def test_text_inputs_use_the_command_line_number_grammar(cli, tmp_path):
    (tmp_path / "big.csv").write_text("1,2,3,4\n1e400,2,3,4\n")
    result = cli("forward", IRIS, "-i", tmp_path / "big.csv", "-f", "csv")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tmp_path / 'big.csv'}:2:1: 1e400 is too large for float64 (value 1); "
                             "write inf if you mean infinity\n")
    (tmp_path / "digits.csv").write_text("1,2,3,4\n\u0661\u0662,2,3,4\n")
    result = cli("forward", IRIS, "-i", tmp_path / "digits.csv", "-f", "csv")
    assert result.exit_code == 1 and "is not a number (value 1)" in result.stderr
    (tmp_path / "inf.csv").write_text("inf,2,3,4\n")
    assert cli("forward", IRIS, "-i", tmp_path / "inf.csv", "-f", "csv").exit_code == 0

"""The `nncli forward` / `nncli validate` contract: formats round-trip, exit codes, messages."""

import csv
import io
import json
import re

import numpy as np
import pytest

import nncli
from tests.conftest import CONFIGS

THREE = str(CONFIGS / "three_layer.yaml")
IRIS = str(CONFIGS / "iris_softmax.yaml")


def _batch():
    return ["-x", "1.0,0.5", "-x", "0.2 -0.8", "-x", "3, 4"]


def test_table_shows_book_notation(cli):
    result = cli("forward", THREE)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for title in ("A1 = X·W1 + B1", "Z1 = sigmoid(A1)", "A2 = Z1·W2 + B2", "Z3 = identity(A3) = Y",
                  "Probabilities = softmax(A3)"):
        assert title in out
    assert "0.3168" in out and "0.6963" in out and "0.5744" in out
    assert "\x1b[" not in out  # NO_COLOR


def test_json_round_trip_matches_api(cli):
    result = cli("forward", THREE, *_batch(), "--format", "json")
    doc = json.loads(result.stdout)
    trace = nncli.load_network(THREE).forward([[1.0, 0.5], [0.2, -0.8], [3, 4]])
    assert doc["network"] == "three_layer" and doc["dtype"] == "float64"
    assert doc["input"] == trace.X.tolist()
    for layer, lt in zip(doc["layers"], trace.layers):
        assert layer["name"] == lt.name and layer["activation"] == lt.activation
        assert layer["A"] == lt.A.tolist() and layer["Z"] == lt.Z.tolist()  # exact: full precision
    assert doc["output"] == trace.output.tolist()
    assert doc["probabilities"] == trace.probabilities.tolist()
    assert doc["predicted"] == trace.predicted.tolist()


def test_json_probabilities_null_for_one_unit(cli):
    doc = json.loads(cli("forward", CONFIGS / "xor.yaml", "-f", "json").stdout)
    assert doc["probabilities"] is None and doc["predicted"] == [0, 1, 1, 0]  # class 1 where y > 0.5
    assert doc["output"] == [[0.0], [1.0], [1.0], [0.0]]


def test_json_nonfinite_numbers_are_strings(cli, write):
    path = write("inf.yaml", "allow_nonfinite: true\nlayers:\n  - activation: identity\n"
                 "    weights: [[.inf, 1.0, 0.0]]\n    bias: [0, 0, .nan]\n")
    out = cli("forward", path, "-x", "1", "-f", "json").stdout
    assert "NaN" not in out and "Infinity" not in out
    doc = json.loads(out)
    assert doc["output"] == [["inf", 1.0, "nan"]]


def test_jsonl_round_trip(cli):
    result = cli("forward", IRIS, "-f", "jsonl")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    net = nncli.load_network(IRIS)
    trace = net.forward(np.vstack([r for _n, r in net.spec.inputs]))
    assert [line["index"] for line in lines] == [0, 1, 2]
    assert [line["output"] for line in lines] == trace.output.tolist()
    assert [line["probabilities"] for line in lines] == trace.probabilities.tolist()
    assert [line["predicted"] for line in lines] == [0, 1, 2]


def test_csv_round_trip(cli):
    result = cli("forward", IRIS, "-f", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["setosa", "versicolor", "virginica", "predicted"]
    net = nncli.load_network(IRIS)
    output = net.forward(np.vstack([r for _n, r in net.spec.inputs])).output
    assert [[float(v) for v in row[:3]] for row in rows[1:]] == output.tolist()
    assert [row[3] for row in rows[1:]] == ["0", "1", "2"]
    three = list(csv.reader(io.StringIO(cli("forward", THREE, "-f", "csv").stdout)))
    assert three[0] == ["y0", "y1", "predicted"]


def test_npy_to_stdout_and_file(nncli_process, tmp_path):
    result = nncli_process("forward", THREE, *_batch(), "-f", "npy")
    assert result.exit_code == 0, result.stderr
    array = np.load(io.BytesIO(result.stdout_bytes), allow_pickle=False)
    expected = nncli.load_network(THREE).forward([[1.0, 0.5], [0.2, -0.8], [3, 4]]).output
    np.testing.assert_array_equal(array, expected)
    out = tmp_path / "y.npy"
    assert nncli_process("forward", THREE, "-f", "npy", "-o", out).exit_code == 0
    np.testing.assert_array_equal(np.load(out), expected[:1])


def test_output_file_is_whole_or_absent(cli, tmp_path):
    target = tmp_path / "out.json"
    assert cli("forward", THREE, "-f", "json", "-o", target).exit_code == 0
    assert json.loads(target.read_text())["network"] == "three_layer"
    bad = tmp_path / "bad.json"
    result = cli("forward", THREE, "-x", "1,zz", "-f", "json", "-o", bad)
    assert result.exit_code == 1 and not bad.exists()
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    missing_dir = tmp_path / "nope" / "out.json"
    result = cli("forward", THREE, "-f", "json", "-o", missing_dir)
    assert result.exit_code == 1 and "does not exist" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["-x", "1.0"], "Error: --input #1 has 1 value but network 'three_layer' takes 2\n"),
        (["-x", "1,2", "-x", "1 two"], "Error: --input #2:3: 'two' is not a number (numbers are separated by "
                                       "commas or spaces; inf, -inf and nan are allowed)\n"),
        (["-x", "1,,2"], "Error: --input #1:3: empty value before this comma (numbers are separated by commas "
                         "or spaces; inf, -inf and nan are allowed)\n"),
        (["-x", "  "], "Error: --input #1: empty row: no numbers (numbers are separated by commas or spaces; inf, -inf and "
                       "nan are allowed)\n"),
    ],
)
def test_bad_input_rows(cli, args, message):
    result = cli("forward", THREE, *args)
    assert (result.exit_code, result.stderr, result.stdout) == (1, message, "")


def test_no_input_anywhere(cli, write):
    path = write("n.yaml", "layers:\n  - activation: relu\n    weights: [[1, 2]]\n    bias: [0, 0]\n")
    result = cli("forward", path)
    assert result.exit_code == 1
    assert result.stderr == (f'Error: no input: give -x with 1 number (e.g. -x "0.5"), --input-file, '
                             f"or add 'inputs:' to {path}\n")


def test_usage_errors_exit_2(cli):
    assert cli("forward", THREE, "--format", "xml").exit_code == 2
    assert cli("forward").exit_code == 2
    assert cli("forward", THREE, "--precision", "-1").exit_code == 2
    assert cli("frobnicate").exit_code == 2


def test_explain_numbers(cli):
    out = cli("forward", THREE, "--explain", "--no-layers").stdout
    assert "a1[0] = 1.0×0.1 + 0.5×0.2 + 0.1 = 0.3 → z1[0] = sigmoid(0.3) = 0.5744" in out
    assert "a1[2] = 1.0×0.5 + 0.5×0.6 + 0.3 = 1.1 → z1[2] = sigmoid(1.1) = 0.7503" in out
    assert "a3[1] = 0.6262×0.3 + 0.771×0.4 + 0.2 = 0.6963 → z3[1] = identity(0.6963) = 0.6963" in out


def test_explain_shortens_long_sums(cli, write):
    W = "[" + ", ".join(["[0.5]"] * 10) + "]"
    path = write("wide.yaml", f"layers:\n  - activation: relu\n    weights: {W}\n    bias: [1]\n")
    out = cli("forward", path, "-x", ",".join(["1"] * 10), "--explain").stdout
    assert "a1[0] = 1.0×0.5 + 1.0×0.5 + 1.0×0.5 + 1.0×0.5 + … (4 more terms) … + 1.0×0.5 + 1.0×0.5 + 1.0 = 6.0" in out


def test_explain_only_with_tables(cli):
    result = cli("forward", THREE, "--explain", "-f", "json")
    assert result.exit_code == 1 and "--explain" in result.stderr


def test_big_matrices_are_summarised(cli, write):
    W = "[" + ", ".join(["[" + ", ".join(["0.1"] * 20) + "]"] * 3) + "]"
    path = write("big.yaml", f"layers:\n  - activation: relu\n    weights: {W}\n    bias: [{', '.join(['0'] * 20)}]\n")
    args = [a for i in range(12) for a in ("-x", f"{i},1,2")]
    out = cli("forward", path, *args).stdout
    assert "A1 = X·W1 + B1  (12×20, showing 10 of 12 rows and 8 of 20 columns)" in out
    assert "…" in out
    out = cli("forward", path, *args, "--max-rows", "20", "--max-cols", "30").stdout
    # All 12 rows now; the columns are limited by the 100-column terminal, not by --max-cols.
    assert "A1 = X·W1 + B1  (12×20, showing 10 of 20 columns)" in out


def test_tables_fit_the_terminal_without_cutting_numbers(nncli_process, write):
    W = "[" + ", ".join(["[" + ", ".join(f"{(i * j) % 7 - 3.5:g}" for j in range(10)) + "]" for i in range(4)]) + "]"
    path = write("ten.yaml", f"layers:\n  - activation: softmax\n    weights: {W}\n    bias: [{', '.join(['0'] * 10)}]\n"
                 "inputs:\n  first: [1, 2, 3, 4]\n  second: [-1, 0.5, 2, 0]\n")
    for columns in (60, 80, 120):
        out = nncli_process("forward", path, columns=columns).stdout
        assert max(len(line) for line in out.splitlines()) <= columns
        assert not re.search(r"[0-9]…", out)  # a number is never cut short
        assert "first " in out and "second " in out  # row labels survive


def test_precision_and_no_layers(cli):
    out = cli("forward", THREE, "--precision", "8", "--no-layers").stdout
    assert "0.31682708" in out and "A1 =" not in out and "Y (output)" in out


def test_float32_override(cli):
    doc = json.loads(cli("forward", THREE, "--dtype", "float32", "-f", "json").stdout)
    assert doc["dtype"] == "float32"
    assert doc["output"][0][0] == float(np.float32(doc["output"][0][0]))


def test_validate_summary(cli):
    result = cli("validate", CONFIGS / "three_layer.yaml")
    assert result.exit_code == 0
    # 23 parameters: 2·3+3 + 3·2+2 + 2·2+2
    assert "(None, 2) → (None, 3)" in result.stdout and "Total parameters: 23" in result.stdout
    doc = json.loads(cli("validate", IRIS, "-f", "json").stdout)
    assert doc["total_parameters"] == 4 * 5 + 5 + 5 * 3 + 3
    assert [layer["parameters"] for layer in doc["layers"]] == [25, 18]


def test_version(cli):
    result = cli("--version")
    assert (result.exit_code, result.stdout) == (0, f"nncli {nncli.__version__}\n")


def test_every_command_has_help_with_an_example(cli):
    from nncli.cli import app

    names = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
    assert {"forward", "validate"} <= set(names)
    for name in names:
        result = cli(name, "--help")
        assert result.exit_code == 0, name
        assert "Example" in result.stdout, f"{name} --help has no example"
    assert cli("--help").exit_code == 0


def test_piped_output_is_plain_and_fits_80_columns(nncli_process):
    result = nncli_process("forward", IRIS, env={"NO_COLOR": "", "TERM": "xterm-256color"})
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout  # stdout is a pipe: no colour
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_errors_never_show_tracebacks(nncli_process, tmp_path):
    (tmp_path / "bad.yaml").write_text("layers:\n  - activation: relu\n    weights: [[1, 2], [3]]\n    bias: [1, 2]\n")
    result = nncli_process("forward", tmp_path / "bad.yaml")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"Error: {tmp_path / 'bad.yaml'}:3:23: layer 'layer1' weights W: ragged matrix: row 2 has 1 value, row 1 has 2\n"


def test_python_dash_m_and_results_on_stdout(nncli_process):
    result = nncli_process("forward", THREE, "-f", "json")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["output"][0][0] == pytest.approx(0.31682708, abs=1e-8)


# --- --expect golden.json ---------------------------------------------------------------


def _golden(cli, tmp_path, *args, change=None):
    """The -f json document of ``forward THREE *args`` written to tmp_path/golden.json, after ``change(doc)``."""
    document = json.loads(cli("forward", THREE, *args, "-f", "json").stdout)
    if change is not None:
        change(document)
    path = tmp_path / "golden.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "npy"])
def test_expect_passes_and_leaves_stdout_alone(cli, tmp_path, fmt):
    golden = _golden(cli, tmp_path, *_batch())
    plain = cli("forward", THREE, *_batch(), "-f", fmt)
    checked = cli("forward", THREE, *_batch(), "-f", fmt, "--expect", golden)
    assert checked.exit_code == 0, checked.stderr
    assert checked.stdout_bytes == plain.stdout_bytes  # the report is on stderr only
    assert "All 9 arrays match" in checked.stderr
    assert "|a - b| <= atol + rtol·|b| (numpy.isclose), rtol=1e-05, atol=1e-08" in checked.stderr


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_expect_mismatch_exits_3_with_the_first_entry_outside(cli, tmp_path, fmt):
    def nudge(document):
        document["layers"][1]["Z"][2][1] += 1e-3  # layer 2's Z, row 2, unit 1
        document["predicted"][0] = 0

    golden = _golden(cli, tmp_path, *_batch(), change=nudge)
    result = cli("forward", THREE, *_batch(), "-f", fmt, "--expect", golden)
    assert result.exit_code == 3
    lines = {line.split()[0]: line for line in result.stderr.splitlines() if line.startswith(("layers", "predicted"))}
    assert "row 2, unit 1" in lines["layers[2].Z"] and "0.001" in lines["layers[2].Z"]
    assert [cell.strip() for cell in lines["predicted"].split("│")[-2:]] == ["1", "row 0"]
    assert result.stderr.endswith(f"2 of 9 arrays differ from {golden}: layers[2].Z, predicted\n")
    assert result.stdout == cli("forward", THREE, *_batch(), "-f", fmt).stdout
    # numpy.isclose's rule: |a - b| <= atol + rtol·|b|
    golden = _golden(cli, tmp_path, *_batch(), change=lambda d: d["layers"][1]["Z"][2].__setitem__(1, 0.5))
    actual = json.loads(cli("forward", THREE, *_batch(), "-f", "json").stdout)["layers"][1]["Z"][2][1]
    bound = abs(actual - 0.5)
    assert cli("forward", THREE, *_batch(), "--expect", golden, "--atol", str(bound * 1.001), "--rtol", "0").exit_code == 0
    assert cli("forward", THREE, *_batch(), "--expect", golden, "--atol", str(bound * 0.999), "--rtol", "0").exit_code == 3
    assert cli("forward", THREE, *_batch(), "--expect", golden, "--atol", "0", "--rtol", str(bound / 0.5 * 1.001)).exit_code == 0


def test_expect_streams_every_row_and_checks_layers_of_a_file(cli, tmp_path):
    rng = np.random.default_rng(3)
    np.save(tmp_path / "x.npy", rng.uniform(-5, 5, size=(2500, 4)).astype(np.float32))
    args = [IRIS, "-i", tmp_path / "x.npy", "--dtype", "float32"]
    (tmp_path / "golden.json").write_text(cli("forward", *args, "-f", "json").stdout)
    (tmp_path / "outputs.json").write_text(cli("forward", *args, "-f", "json", "--no-layers").stdout)
    for golden, arrays in (("golden.json", 7), ("outputs.json", 3)):
        for extra in (["-f", "npy", "-o", tmp_path / "y.npy"], ["-f", "csv", "--batch-size", "7"], ["--max-rows", "3"]):
            result = cli("forward", *args, *extra, "--expect", tmp_path / golden)
            assert result.exit_code == 0, (golden, extra, result.stderr)
            assert f"All {arrays} arrays match" in result.stderr
            assert "2500×5" in result.stderr or arrays == 3
    result = cli("forward", *args, "--rows", "0:2499", "-f", "csv", "--expect", tmp_path / "golden.json")
    assert result.exit_code == 3 and "golden is 2500×3" in result.stderr


def test_expect_of_a_different_network_and_of_nan(cli, tmp_path, write):
    golden = _golden(cli, tmp_path, *_batch())
    two_layers = write("two.yaml", "layers:\n  - activation: sigmoid\n    weights: [[0.1, 0.3], [0.2, 0.4]]\n"
                                   "    bias: [0.1, 0.2]\n  - activation: identity\n    weights: [[1, 0], [0, 1]]\n"
                                   "    bias: [0, 0]\n")
    result = cli("forward", two_layers, *_batch(), "--expect", golden)
    assert result.exit_code == 3
    assert "not computed by this run" in result.stderr and "layers[1].A" in result.stderr
    nan_net = write("nan.yaml", "allow_nonfinite: true\nlayers:\n  - activation: softmax\n"
                                "    weights: [[.nan, 1]]\n    bias: [0, 0]\n")
    (tmp_path / "nan.json").write_text(cli("forward", nan_net, "-x", "1", "-f", "json").stdout)
    assert '"predicted": [null]' in (tmp_path / "nan.json").read_text()
    assert cli("forward", nan_net, "-x", "1", "--expect", tmp_path / "nan.json").exit_code == 0


@pytest.mark.parametrize("text, message", [
    ('{"output": [[1, 2]],\n  "layers": [1 2]}', "golden.json:2:16: not JSON: Expecting ',' delimiter"),
    ("", "golden.json: empty file"),  # opened as every user file is (nncli.data.files)
    ("[1, 2]", "golden.json: a golden file is a JSON object with 'output' (what nncli forward -f json writes)"),
    ('{"output": [["x"]]}', "golden.json: 'output' must be a list of rows of numbers"),
    ('{"output": [[1]], "predicted": [true]}', "golden.json: 'predicted' must be a list of class numbers (or null)"),
])
def test_bad_golden_files_exit_1_before_any_output(cli, tmp_path, text, message):
    (tmp_path / "golden.json").write_text(text)
    result = cli("forward", THREE, "-f", "csv", "--expect", tmp_path / "golden.json")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {tmp_path / message}") and result.stderr.count("\n") == 1


def test_expect_option_errors(cli, tmp_path):
    golden = _golden(cli, tmp_path)
    assert cli("forward", THREE, "--expect", tmp_path / "none.json").stderr.startswith(
        f"Error: {tmp_path / 'none.json'}: file not found")
    result = cli("forward", THREE, "--expect", golden, "--rtol", "-1")
    assert result.exit_code == 1 and result.stderr == "Error: --rtol and --atol must be finite and >= 0, not -1 and 1e-08\n"
    assert cli("forward", THREE, "--expect", golden, "--atol", "x").exit_code == 1
    result = cli("forward", THREE, "--rtol", "1e-3")
    assert result.exit_code == 1
    assert result.stderr == "Error: --rtol and --atol are the tolerances of --expect GOLDEN.json: give it too\n"
    result = cli("forward", THREE, "--no-layers", "--engine", "onnxruntime", "--expect", golden)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {golden} holds layers, which --engine onnxruntime does not compute: compare them "
                             "with the numpy engine, or write the golden file with --no-layers\n")


def test_help_states_the_tolerance_rule_and_exit_code(cli):
    text = " ".join(cli("forward", "--help").stdout.replace("│", " ").split())
    assert "|a − b| ≤ atol + rtol·|b| (numpy.isclose's rule" in text
    assert "exits with 3 when anything is outside it" in text

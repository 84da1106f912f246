"""The smaller things a user meets (issue 9's list): whole numbers in --stats, whole class names,
plots without colour, softmax -f, -o with an unknown extension, one rule for predicted classes,
and results independent of --batch-size in both dtypes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nncli.network import output_classes, predicted_classes
from nncli.overflow import softmax_rows
from nncli.render.activations import MARKS
from tests.conftest import CONFIGS

THREE = CONFIGS / "three_layer.yaml"
IRIS = CONFIGS / "iris_softmax.yaml"
XOR = CONFIGS / "xor.yaml"


# --- softmax -f ---------------------------------------------------------------------

@pytest.mark.parametrize("args", [["-f", "json", "-1", "0", "1"], ["-1", "0", "1", "-f", "json"],
                                  ["-1", "-f", "json", "0", "1"]])
def test_softmax_short_format_option(cli, args):
    result = cli("softmax", *args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input"] == [[-1.0, 0.0, 1.0]]


def test_softmax_negative_numbers_stay_values(cli):
    assert cli("softmax", "-1", "0", "1").stdout.startswith("softmax(a)  (float64)\n")
    # -inf holds an f: it must not read as -i -n -f
    doc = json.loads(cli("softmax", "-inf", "0", "1", "-f", "json").stdout)
    assert doc["input"] == [["-inf", 0.0, 1.0]] and doc["predicted"] == [2]
    assert cli("softmax", "-f", "csv", "--row", "-1,-inf").stdout.splitlines()[1].endswith(",0")


def test_softmax_unknown_options_are_still_refused(cli):
    result = cli("softmax", "-1", "-q")
    assert (result.exit_code, result.stderr) == (2, "Error: no such option: -q\n")
    result = cli("softmax", "--", "-1", "-f", "json")
    assert (result.exit_code, result.stderr) == (
        2, "Error: -f after --: every argument after -- is a score; put options before it\n")


# --- -o FILE ------------------------------------------------------------------------

@pytest.mark.parametrize("name, shown", [("out.tsv", "'.tsv'"), ("out", "'no extension'")])
def test_output_with_unknown_extension_is_an_error(cli, tmp_path, name, shown):
    result = cli("forward", THREE, "-o", tmp_path / name)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: -o {tmp_path / name}: cannot tell the format from {shown}: name the file "
                             ".json, .jsonl, .csv, .npy or .txt (a table), or give --format\n")
    assert not (tmp_path / name).exists()


def test_output_format_from_extension_or_format(cli, tmp_path):
    assert cli("forward", THREE, "-o", tmp_path / "out.tsv", "-f", "csv").exit_code == 0
    assert (tmp_path / "out.tsv").read_text().startswith("y0,y1,predicted\n")
    assert cli("forward", THREE, "-o", tmp_path / "out.TXT").exit_code == 0
    assert (tmp_path / "out.TXT").read_text().startswith("three_layer  2 → 3 → 2 → 2")
    assert cli("forward", THREE, "-o", tmp_path / "out.json").exit_code == 0
    assert json.loads((tmp_path / "out.json").read_text())["network"] == "three_layer"


# --- one rule for predicted classes --------------------------------------------------

ONE_UNIT = """\
name: one_unit
layers:
  - {weights: [[1.0]], bias: [0.0], activation: sigmoid}
"""


def test_one_unit_output_forward_and_evaluate_agree(cli, write, tmp_path):
    config = write("one.yaml", ONE_UNIT)
    # sigmoid(x): 0.5 exactly at x = 0, which is not > 0.5: class 0
    (tmp_path / "x.csv").write_text("-3\n0\n0.001\n3\nnan\n")
    (tmp_path / "y.csv").write_text("0\n1\n1\n1\n0\n")
    forward = json.loads(cli("forward", config, "-i", tmp_path / "x.csv", "-f", "json", "--no-layers").stdout)
    assert forward["predicted"] == [0, 0, 1, 1, None]
    assert forward["probabilities"] is None
    evaluation = json.loads(cli("evaluate", config, "-i", tmp_path / "x.csv", "-l", tmp_path / "y.csv",
                                "-f", "json").stdout)
    # rows 0, 2, 3 right; row 1 predicted 0 (wrong); row 4 (NaN) has no class
    assert (evaluation["correct"], evaluation["confusion"]) == (3, [[1, 0], [1, 2]])
    xor = cli("forward", XOR, "-f", "csv").stdout
    assert xor == "y0,predicted\n0.0,0\n1.0,1\n1.0,1\n0.0,0\n"


def test_output_classes_rule():
    assert output_classes(np.array([[0.2], [0.5], [0.51], [np.nan]]), None).tolist() == [0, 0, 1, None]
    P = np.array([[0.1, 0.9], [np.nan, 0.1]])
    assert output_classes(P, P).tolist() == [1, None]


def test_all_minus_inf_row_has_no_class_in_softmax_and_forward(cli, write):
    scores = np.array([[-np.inf, -np.inf], [-np.inf, 0.0], [np.inf, np.inf]])
    assert predicted_classes(scores).tolist() == [None, 1, 0]
    assert softmax_rows(scores).predicted == (None, 1, 0)
    assert json.loads(cli("softmax", "-inf", "-inf", "-f", "json").stdout)["predicted"] == [None]
    csv = cli("softmax", "-inf", "-inf", "-f", "csv").stdout
    assert csv == "p0,p1,predicted\nnan,nan,\n"
    config = write("id.yaml", "name: id\nlayers:\n"
                              "  - {weights: [[1.0, 1.0]], bias: [0.0, 0.0], activation: identity}\n")
    doc = json.loads(cli("forward", config, "-x", "-inf", "-f", "json").stdout)
    assert doc["output"] == [["-inf", "-inf"]] and doc["predicted"] == [None]


# --- tables that fit ------------------------------------------------------------------

def test_stats_never_cut_a_number_at_80_columns(nncli_process):
    result = nncli_process("forward", IRIS, "--stats", "--no-layers", "-x", "1e6,2,3,4", "-x", "1e7,2,3,4")
    assert result.exit_code == 0
    table = result.stdout.split("Layer statistics")[1]
    assert max(map(len, table.splitlines())) <= 80
    numbers = [cell for line in table.splitlines() for cell in line.split("│")[2:6]]
    assert not any("…" in cell for cell in numbers)
    # a folded number reads back whole: -3.260e+06 over two lines of its column
    column = "".join(line.split("│")[2].strip() for line in table.splitlines()[3:5])
    assert column == "-3.260e+06"


LONG = """\
name: long
classes: [Iris-setosa-long-name, Iris-versicolor-long-name, Iris-virginica-long-name]
layers:
  - {weights: [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], bias: [0, 0, 0], activation: softmax}
"""


def test_confusion_matrix_uses_the_width(nncli_process, write, tmp_path):
    config = write("long.yaml", LONG)
    (tmp_path / "x.csv").write_text("1,0,0,0\n0,1,0,0\n0,0,1,0\n")
    (tmp_path / "y.csv").write_text("0\n1\n2\n")
    wide = nncli_process("evaluate", config, "-i", tmp_path / "x.csv", "-l", tmp_path / "y.csv", columns=200)
    matrix = wide.stdout.split("Confusion matrix")[1].split("Per class")[0]
    header = matrix.splitlines()[1]
    assert "Iris-versicolor-long-name" in header and "…" not in matrix
    narrow = nncli_process("evaluate", config, "-i", tmp_path / "x.csv", "-l", tmp_path / "y.csv", columns=60)
    assert max(map(len, narrow.stdout.splitlines())) <= 60


# --- plots without colour ------------------------------------------------------------

def test_plot_without_colour_gives_each_curve_a_mark(nncli_process):
    result = nncli_process("activations", "sigmoid", "relu", "tanh", "--plot", "--range", "-4", "4")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-1].split() == ["**", "sigmoid", "++", "relu", "oo", "tanh"]
    body = "\n".join(lines[:-3])
    for mark in MARKS[:3]:
        assert mark in body
    assert not any(0x2800 <= ord(ch) <= 0x28FF for ch in body)  # no braille: dots carry no mark


def test_plot_on_a_colour_terminal_keeps_braille():
    import io

    from rich.console import Console

    from nncli.render.activations import Curve, plot_samples, plot_text

    x = plot_samples((-4, 4), 80)
    text = plot_text(x, [Curve("sigmoid", 1 / (1 + np.exp(-x)), 0), Curve("relu", np.maximum(x, 0), 1)], (-4, 4))
    console = Console(width=80, record=True, color_system="truecolor", file=io.StringIO())
    console.print(text)
    plain = console.export_text()
    assert "━━ sigmoid" in plain and any(0x2800 <= ord(ch) <= 0x28FF for ch in plain)


# --- batch size -----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_results_do_not_depend_on_batch_size(cli, tmp_path, dtype):
    rng = np.random.default_rng(9)
    np.savez(tmp_path / "w.npz", W1=rng.standard_normal((64, 96)), b1=rng.standard_normal(96),
             W2=rng.standard_normal((96, 10)), b2=rng.standard_normal(10))
    config = tmp_path / "net.yaml"
    config.write_text("name: net\nweights_file: w.npz\nlayers:\n"
                      "  - {weights: W1, bias: b1, activation: tanh}\n"
                      "  - {weights: W2, bias: b2, activation: softmax}\n")
    np.save(tmp_path / "x.npy", rng.standard_normal((5000, 64)))
    outputs = {
        batch: cli("forward", config, "-i", tmp_path / "x.npy", "--dtype", dtype, "-f", "csv",
                   "--batch-size", batch).stdout
        for batch in ("1", "7", "1000", "8192")
    }
    assert len(set(outputs.values())) == 1
    assert outputs["1"].count("\n") == 5001

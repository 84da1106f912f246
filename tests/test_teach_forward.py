"""--show-weights, --top-k, the predicted class at 80 columns, image inputs in tables, configs from stdin."""

import json

import numpy as np
import pytest

from nncli.config import load_spec
from nncli.evaluate import top_k
from nncli.errors import InputError
from nncli.render.teaching import halfblock_lines, parse_input_shape, top_k_records
from tests.conftest import CONFIGS

THREE = CONFIGS / "three_layer.yaml"
IRIS = CONFIGS / "iris_softmax.yaml"

# 12 classes: identity output whose scores are the inputs, so probabilities = softmax(x).
WIDE = "name: wide\nlayers:\n  - activation: softmax\n    weights: {W}\n    bias: {b}\n"


def _wide(write, n=12):
    return write("wide.yaml", WIDE.format(W=np.eye(n).tolist(), b=[0.0] * n))


def test_json_has_every_layers_W_and_b(cli):
    doc = json.loads(cli("forward", THREE, "--show-weights", "-f", "json").stdout)
    spec = load_spec(THREE)
    for entry, layer in zip(doc["layers"], spec.layers):
        np.testing.assert_array_equal(entry["W"], layer.W)
        np.testing.assert_array_equal(entry["b"], layer.b)
    assert doc["layers"][0]["W"] == [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]  # the book's W1
    plain = json.loads(cli("forward", THREE, "-f", "json").stdout)
    assert "W" not in plain["layers"][0]


def test_validate_shows_weights(cli):
    doc = json.loads(cli("validate", THREE, "--show-weights", "-f", "json").stdout)
    assert doc["layers"][2]["W"] == [[0.1, 0.3], [0.2, 0.4]] and doc["layers"][2]["b"] == [0.1, 0.2]
    table = cli("validate", THREE, "--show-weights").stdout
    assert "W1  (2×3)" in table and "b3  (1×2)" in table and "0.6000" in table


def test_forward_table_shows_weights_in_each_layer(cli):
    out = cli("forward", THREE, "--show-weights").stdout
    assert out.index("Layer 1: hidden1") < out.index("W1  (2×3)") < out.index("A1 = X·W1")


def test_top_k_against_numpy():
    rng = np.random.default_rng(1)
    P = rng.random((50, 7))
    idx, val = top_k(P, 3)
    np.testing.assert_array_equal(idx, np.argsort(-P, axis=1)[:, :3])
    np.testing.assert_array_equal(val, np.sort(P, axis=1)[:, ::-1][:, :3])


def test_top_k_ties_nan_and_bounds():
    idx, val = top_k(np.array([[0.25, 0.5, 0.25], [np.nan, 0.5, 0.5]]), 3)
    assert idx[0].tolist() == [1, 0, 2]  # equal probabilities: the lower index first, as argmax
    assert idx[1].tolist() == [-1, -1, -1] and np.isnan(val[1]).all()
    assert top_k_records(np.array([[np.nan, 1.0]]), 1, None) == [[]]
    with pytest.raises(InputError):
        top_k(np.ones((1, 3)), 4)


def test_top_k_json_and_jsonl(cli):
    X = [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]
    args = [a for row in X for a in ("-x", ",".join(map(str, row)))]
    doc = json.loads(cli("forward", IRIS, *args, "--top-k", "2", "-f", "json").stdout)
    P = np.array(doc["probabilities"])
    for row, records in zip(P, doc["top_k"]):
        order = np.argsort(-row)[:2]
        assert [r["index"] for r in records] == order.tolist()
        assert [r["probability"] for r in records] == row[order].tolist()
    assert doc["top_k"][1][0]["class"] == "virginica"
    lines = cli("forward", IRIS, *args, "--top-k", "3", "-f", "jsonl").stdout.splitlines()
    assert [r["class"] for r in json.loads(lines[0])["top_k"]] == ["setosa", "versicolor", "virginica"]
    assert "Error: --top-k works with" in cli("forward", IRIS, *args, "--top-k", "1", "-f", "csv").stderr
    assert "only 3 classes" in cli("forward", IRIS, *args, "--top-k", "4").stderr
    assert "1-unit output" in cli("forward", CONFIGS / "xor.yaml", "--top-k", "1").stderr


def test_top_k_unnamed_classes_are_indices(cli):
    doc = json.loads(cli("forward", THREE, "--top-k", "2", "-f", "json").stdout)
    assert doc["top_k"][0] == [{"class": 1, "index": 1, "probability": doc["probabilities"][0][1]},
                               {"class": 0, "index": 0, "probability": doc["probabilities"][0][0]}]


def test_at_80_columns_the_predicted_probability_is_shown(nncli_process, write):
    path = _wide(write)
    x = [0.0] * 12
    x[5] = 3.0  # class 5, in the middle: the columns shown are the first and last ones
    result = nncli_process("forward", path, "-x", " ".join(map(str, x)), "--no-layers", columns=80)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    header = next(line for line in lines if "predicted" in line)
    assert "probability" in header and " 5 " not in header  # class 5's column is hidden ...
    expected = np.exp(3.0) / (np.exp(3.0) + 11)
    row = [line for line in lines if line.strip()][-1]
    assert row.split()[-2:] == ["5", f"{expected:.4f}"]  # ... but its class and probability are there
    wide = nncli_process("forward", path, "-x", " ".join(map(str, x)), "--no-layers", "--max-cols", "12",
                         columns=200)
    assert "probability" not in wide.stdout  # every column fits: no repetition


def test_image_input_is_drawn_in_half_blocks(cli, write):
    lines = halfblock_lines(np.array([[1, 0, 1], [1, 1, 0], [0, 0, 0]]))
    assert lines == ["█▄▀", "   "]
    assert parse_input_shape("2x3", 6) == (2, 3)
    with pytest.raises(InputError):
        parse_input_shape("2x4", 6)
    path = write("img.yaml", "input_shape: [2, 2]\nlayers:\n  - activation: identity\n"
                             "    weights: [[1], [1], [1], [1]]\n    bias: [0]\n")
    out = cli("forward", path, "-x", "1 0 0 1").stdout
    assert "X[0] as a 2×2 image\n▀▄\n" in out
    out = cli("forward", CONFIGS / "three_layer.yaml", "--input-shape", "1x2").stdout
    assert "X[x] as a 1×2 image\n▀\n" in out
    assert "1x3 is 3 values" in cli("forward", THREE, "--input-shape", "1x3").stderr


def test_input_shape_config_errors(write):
    from nncli.errors import ConfigError

    path = write("bad.yaml", "input_shape: [3, 3]\nlayers:\n  - activation: identity\n"
                             "    weights: [[1], [1]]\n    bias: [0]\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:1:14: input_shape 3x3 holds 9 values"):
        load_spec(path)


def test_config_from_stdin(nncli_process, tmp_path):
    text = THREE.read_text()
    result = nncli_process("validate", "-", input=text)
    assert result.exit_code == 0 and "three_layer: valid (<stdin>)" in result.stdout
    out = nncli_process("forward", "-", "-x", "1 0.5", "-f", "json", input=text)
    assert json.loads(out.stdout)["output"] == [[0.3168270764110298, 0.6962790898619668]]
    bad = nncli_process("validate", "-", input="layers:\n  - activation: sigmod\n    weights: [[1]]\n    bias: [0]\n")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: <stdin>:2:17: layer 'layer1': unknown activation")
    assert nncli_process("validate", "-", input="").stderr == "Error: <stdin>: empty config\n"
    both = nncli_process("forward", "-", "-i", "-", input=text)
    assert both.exit_code == 1 and "cannot both read stdin" in both.stderr
    # weight files named by a config on stdin are found from the current directory
    np.save(tmp_path / "w.npy", np.array([[2.0]]))
    net = "layers:\n  - activation: identity\n    weights: {file: w.npy}\n    bias: [1]\n"
    out = nncli_process("forward", "-", "-x", "3", "-f", "json", input=net, cwd=tmp_path)
    assert json.loads(out.stdout)["output"] == [[7.0]]
    assert json.loads(out.stdout)["network"] == "stdin"


def test_missing_file_of_a_config_from_stdin_names_the_current_directory(nncli_process, tmp_path):
    net = "layers:\n  - activation: identity\n    weights: {file: nothere.npy}\n    bias: [1]\n"
    result = nncli_process("validate", "-", input=net, cwd=tmp_path)
    assert result.stderr == ("Error: <stdin>:3:21: file not found: nothere.npy "
                             "(paths are relative to the current directory, as the config came from stdin)\n")


def test_show_weights_needs_table_or_json(cli):
    result = cli("forward", THREE, "--show-weights", "-f", "csv")
    assert result.exit_code == 1 and result.stderr == "Error: --show-weights works with --format table or json\n"


def test_picture_on_a_colour_terminal_uses_grey_levels():
    from rich.console import Console

    from nncli.render.trace import picture

    console = Console(color_system="truecolor", width=40, force_terminal=True)
    text = picture(np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]), console)
    assert text.plain == "▀▀\n▀▀"
    styles = [str(span.style) for span in text.spans]
    assert styles[:2] == ["rgb(0,0,0) on rgb(255,255,255)", "rgb(255,255,255) on rgb(0,0,0)"]
    assert styles[2] == "rgb(128,128,128) on rgb(0,0,0)"  # the odd last row over a dark pad

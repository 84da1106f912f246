"""Config errors: every class of mistake gives one line `path:line:column: ...` and exit code 1."""

from pathlib import Path

import numpy as np
import pytest

from nncli import yamlstrict

from nncli.config import load_spec
from nncli.errors import ConfigError

GOOD_LAYER = """  - name: hidden1
    activation: sigmoid
    weights: [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]
    bias: [0.1, 0.2, 0.3]
"""

# (file text, expected message after "path:"), each a distinct class of error.
CASES = {
    "unknown_activation": (
        "layers:\n" + GOOD_LAYER + "  - name: hidden2\n    activation: sigmod\n"
        "    weights: [[0.1], [0.2], [0.3]]\n    bias: [0.1]\n",
        "7:17: layer 'hidden2': unknown activation 'sigmod' (did you mean 'sigmoid'?); valid: ",
    ),
    "wrong_rows": (
        "layers:\n" + GOOD_LAYER + "  - name: hidden2\n    activation: sigmoid\n"
        "    weights: [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6], [0.1, 0.1]]\n    bias: [0.1, 0.2]\n",
        "8:14: layer 'hidden2': W has 4 rows but the previous layer 'hidden1' outputs 3 values",
    ),
    "unknown_key": (
        "layers:\n" + GOOD_LAYER + "    wieghts: 3\n",
        "6:5: unknown key 'wieghts' in layer 1 (did you mean 'weights'?); allowed: ",
    ),
    "unknown_top_key": ("nmae: x\nlayers:\n" + GOOD_LAYER, "1:1: unknown key 'nmae' in the config (did you mean 'name'?)"),
    "duplicate_key": ("layers:\n" + GOOD_LAYER + "    bias: [1, 2, 3]\n", "6:5: duplicate key 'bias' (first defined at line 5, column 5)"),
    "ragged": (
        "layers:\n  - activation: relu\n    weights: [[1, 2], [3]]\n    bias: [1, 2]\n",
        "3:23: layer 'layer1' weights W: ragged matrix: row 2 has 1 value, row 1 has 2",
    ),
    "not_a_number": (
        "layers:\n  - activation: relu\n    weights: [[1, x], [3, 4]]\n    bias: [1, 2]\n",
        "3:19: layer 'layer1' weights W: 'x' (a string) is not a number",
    ),
    "boolean_is_not_a_number": (
        "layers:\n  - activation: relu\n    weights: [[1, 2], [NO, 4]]\n    bias: [1, 2]\n",
        "3:24: layer 'layer1' weights W: 'NO' (a string) is not a number",
    ),
    "nan_weight": (
        "layers:\n  - activation: relu\n    weights: [[1, .nan], [3, 4]]\n    bias: [1, 2]\n",
        "3:19: layer 'layer1' weights W: nan is refused; NaN/Inf weights need allow_nonfinite: true in the config",
    ),
    "bias_length": (
        "layers:\n  - activation: relu\n    weights: [[1, 2], [3, 4]]\n    bias: [1, 2, 3]\n",
        "4:11: layer 'layer1': b has 3 values but W has 2 columns (shape (2, 2))",
    ),
    "flat_weights": (
        "layers:\n  - activation: step\n    weights: [0.5, 0.5]\n    bias: [-0.7]\n",
        "3:14: layer 'layer1' weights W: W must be a list of rows, shape (inputs, units); got a flat list "
        "of 2 values (for 2 inputs and 1 unit write [[0.5], [0.5]])",
    ),
    "units_mismatch": (
        "layers:\n  - activation: relu\n    units: 3\n    weights: [[1, 2]]\n    bias: [1, 2]\n",
        "3:12: layer 'layer1': units is 3 but W has shape (1, 2), giving 2 units",
    ),
    "input_size_mismatch": (
        "input_size: 3\nlayers:\n  - activation: relu\n    weights: [[1, 2]]\n    bias: [1, 2]\n",
        "4:14: layer 'layer1': W has 1 row but input_size is 3",
    ),
    "unknown_parameter": (
        "layers:\n  - activation: {name: leaky_relu, negative_slop: 0.1}\n    weights: [[1]]\n    bias: [1]\n",
        "2:36: layer 'layer1': activation 'leaky_relu' has no parameter 'negative_slop' (did you mean 'negative_slope'?)",
    ),
    "empty_layers": ("name: x\nlayers: []\n", "2:9: 'layers' is empty: a network needs at least one layer"),
    "missing_layers": ("name: x\n", "1:1: missing 'layers': a list of layers is required"),
    "bad_dtype": ("dtype: float16\nlayers:\n" + GOOD_LAYER, "1:8: dtype must be one of float64, float32, not 'float16'"),
    "classes_count": ("classes: [a, b]\nlayers:\n" + GOOD_LAYER, "1:10: classes has 2 names but the last layer outputs 3 values"),
    "sample_input_width": (
        "layers:\n" + GOOD_LAYER + "inputs:\n  x: [1, 2, 3]\n",
        "7:6: input 'x' has 3 values but the network takes 2",
    ),
    "missing_activation": ("layers:\n  - weights: [[1]]\n    bias: [1]\n", "2:5: layer 'layer1': missing 'activation'"),
    "syntax_error": ("layers: [\n", "2:1: YAML syntax error: expected the node content, but found '<stream end>'"),
    "weights_key_without_file": (
        "layers:\n  - activation: relu\n    weights: W1\n    bias: [1]\n",
        "3:14: layer 'layer1' weights W: 'W1' names an array, but the config has no weights_file",
    ),
    "missing_weights_file": (
        "layers:\n  - activation: relu\n    weights: {file: w.npy}\n    bias: [1]\n",
        "3:21: file not found: ",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_error_class_names_line_and_column(case, write, cli):
    text, expected = CASES[case]
    path = write("net.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_spec(path)
    assert str(err.value).startswith(f"{path}:{expected}")
    # The command line: one line on stderr, exit 1, nothing on stdout, no traceback.
    for command in ("validate", "forward"):
        result = cli(command, str(path))
        assert result.exit_code == 1, result.stderr
        assert result.stdout == ""
        assert result.stderr.startswith(f"Error: {path}:{expected}")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_file_errors(tmp_path, cli):
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    expected = {
        "missing.yaml": "config file not found",
        "dir.yaml": "is a directory, not a config file",
        "empty.yaml": "empty config file",
        "latin1.yaml": "not UTF-8 text (byte 0xe9); save the file as UTF-8",
    }
    for name, message in expected.items():
        result = cli("forward", tmp_path / name)
        assert result.exit_code == 1
        position = ":1:10" if name == "latin1.yaml" else ""
        assert result.stderr == f"Error: {tmp_path / name}{position}: {message}\n"


def test_unreadable_file(tmp_path, cli, monkeypatch):
    # Tests run as root in CI, where chmod 0 does not stop reading: simulate the OS refusing.
    path = tmp_path / "secret.yaml"
    path.write_text("layers: []\n")
    real = open

    def refuse(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied")
        return real(file, *args, **kwargs)

    monkeypatch.setattr(yamlstrict, "open", refuse, raising=False)  # the config is opened there
    result = cli("validate", path)
    assert result.exit_code == 1 and result.stderr == f"Error: {path}: permission denied\n"


def test_weights_from_npy_npz_and_weights_file(tmp_path):
    W1 = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])
    b1 = np.array([0.1, 0.2, 0.3])
    np.save(tmp_path / "w1.npy", W1)
    np.savez(tmp_path / "net.npz", W1=W1, b1=b1)
    (tmp_path / "a.yaml").write_text(
        "layers:\n  - activation: sigmoid\n    weights: {file: w1.npy}\n    bias: {file: net.npz, key: b1}\n"
    )
    (tmp_path / "b.yaml").write_text(
        "weights_file: net.npz\nlayers:\n  - activation: sigmoid\n    weights: W1\n    bias: b1\n"
    )
    for name in ("a.yaml", "b.yaml"):
        spec = load_spec(tmp_path / name)
        np.testing.assert_array_equal(spec.layers[0].W, W1)
        np.testing.assert_array_equal(spec.layers[0].b, b1)
        assert spec.input_size == 2 and spec.output_size == 3


def test_npz_key_typo_and_pickled_arrays_are_refused(tmp_path):
    np.savez(tmp_path / "net.npz", W1=np.ones((2, 2)), b1=np.ones(2))
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "typo.yaml").write_text(
        "weights_file: net.npz\nlayers:\n  - activation: relu\n    weights: w1\n    bias: b1\n"
    )
    with pytest.raises(ConfigError) as err:
        load_spec(tmp_path / "typo.yaml")
    assert str(err.value).endswith("4:14: net.npz has no array 'w1' (did you mean 'W1'?); it has: W1, b1")
    (tmp_path / "obj.yaml").write_text(
        "layers:\n  - activation: relu\n    weights: {file: obj.npy}\n    bias: [1]\n"
    )
    with pytest.raises(ConfigError, match="holds Python objects, which nncli never unpickles"):
        load_spec(tmp_path / "obj.yaml")


def test_nonfinite_weights_allowed_when_opted_in(write):
    path = write("n.yaml", "allow_nonfinite: true\nlayers:\n  - activation: identity\n    weights: [[.inf]]\n    bias: [0]\n")
    assert np.isinf(load_spec(path).layers[0].W[0, 0])


def test_defaults_and_float32(write):
    path = write("my_net.yaml", "dtype: float32\nlayers:\n  - activation: {name: leaky_relu, negative_slope: 1e-1}\n"
                 "    weights: [[1e-3, -2E5]]\n    bias: [0, 0]\n")
    spec = load_spec(path)
    assert spec.name == "my_net" and spec.layers[0].name == "layer1"
    assert spec.layers[0].W.dtype == np.float32
    assert spec.layers[0].W[0, 1] == np.float32(-2e5)
    assert spec.layers[0].activation.label == "leaky_relu(negative_slope=0.1)"
    assert load_spec(path, "float64").layers[0].W.dtype == np.float64


@pytest.mark.parametrize(
    "activation, column, message",
    [
        # columns of `    activation: {name: elu, alpah: 1}`: name's value 24, alpah 29, its value 36
        ("{name: elu, alpah: 1}", 29, "activation 'elu' has no parameter 'alpah'"),  # unknown: the key
        ("{name: elu, alpha: x}", 36, "activation 'elu': parameter 'alpha' must be a number"),  # bad: the value
        ("{name: hardtanh, min_val: 2}", 43, "min_val (2) must be less than max_val (1)"),  # check: the value
        ("{name: eluu, alpha: 1}", 24, "unknown activation 'eluu'"),  # the name
    ],
)
def test_activation_errors_point_at_the_faulty_node(tmp_path, activation, column, message):
    path = tmp_path / "net.yaml"
    path.write_text(f"layers:\n  - name: h\n    activation: {activation}\n"
                    "    weights: [[0.1], [0.2]]\n    bias: [0.1]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_spec(path)
    assert str(info.value).startswith(f"{path}:3:{column}: layer 'h': ")
    assert message in str(info.value)

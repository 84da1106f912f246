"""nncli export and nncli import on the command line: exit codes, messages, files whole or not at all."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from nncli.errors import NncliError
from nncli.interop import need
from nncli.interop.safetensors import write_safetensors

from tests.conftest import CONFIGS, ROOT

onnx = pytest.importorskip("onnx")


def test_export_then_import_then_forward(cli, tmp_path):
    model = tmp_path / "iris.onnx"
    result = cli("export", CONFIGS / "iris_softmax.yaml", "-o", model)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (f"Wrote {model}: ONNX opset 13, float64, 4 → 5 → 3, 4 nodes (Gemm, Relu, Softmax); "
                             f"outputs: Y\n")
    net = tmp_path / "iris.yaml"
    result = cli("import", model, "-o", net)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Wrote {net} and iris.npz: 2 layers, 4 → 5 → 3, float64",
        "  1  hidden  W 4×5  relu", "  2  output  W 5×3  softmax", f"Run it: nncli forward {net} -x ...",
    ]
    original = cli("forward", CONFIGS / "iris_softmax.yaml", "-x", "5.1,3.5,1.4,0.2", "-f", "json")
    again = cli("forward", net, "-x", "5.1,3.5,1.4,0.2", "-f", "json")
    assert original.stdout.replace("iris_softmax", "x") == again.stdout.replace("iris_softmax", "x")


def test_export_errors_exit_1_and_write_nothing(cli, tmp_path, write):
    config = write("g.yaml", "dtype: float32\nlayers:\n  - {activation: gelu, weights: [[1.0]], bias: [0]}\n")
    target = tmp_path / "g.onnx"
    result = cli("export", config, "-o", target, "--opset", "17")
    assert result.exit_code == 1
    assert result.stderr == ("Error: layer 'layer1': activation gelu needs opset 20 (ONNX's Gelu operator); "
                             "opset 17 cannot express it (use --opset 20 or more)\n")
    assert not target.exists() and list(tmp_path.iterdir()) == [config]
    result = cli("export", config, "-o", tmp_path / "nodir" / "g.onnx")
    assert result.exit_code == 1 and "directory" in result.stderr and "nodir" in result.stderr
    assert cli("export", config, "-o", target, "--all-layers").exit_code == 0
    assert [o.name for o in onnx.load(str(target)).graph.output] == ["Y", "A1", "Z1"]


def test_import_errors_exit_1_and_write_nothing(cli, tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"garbage" * 5)
    result = cli("import", bad, "-o", tmp_path / "net.yaml")
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {bad}: not an ONNX model")
    assert not (tmp_path / "net.yaml").exists() and not (tmp_path / "net.npz").exists()
    result = cli("import", tmp_path / "x.h5", "-o", tmp_path / "net.yaml")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tmp_path / 'x.h5'}: cannot tell the format from the name; nncli imports "
                             f".onnx, .safetensors, .pkl, .pickle files\n")
    weights = tmp_path / "m.safetensors"
    with open(weights, "wb") as handle:
        write_safetensors(handle, {"0.weight": np.ones((3, 2), np.float32), "0.bias": np.zeros(3, np.float32)})
    result = cli("import", weights, "-o", tmp_path / "net.yaml")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {weights} holds weights only: give --activations, one per layer (e.g. relu,softmax)\n"
    result = cli("import", weights, "-o", tmp_path / "net.yaml", "--activations", "relu,relu")
    assert result.exit_code == 1 and "--activations gives 2 activations but" in result.stderr
    model = tmp_path / "t.onnx"
    assert cli("export", CONFIGS / "three_layer.yaml", "-o", model).exit_code == 0
    result = cli("import", model, "-o", tmp_path / "net.yaml", "--activations", "relu")
    assert result.exit_code == 1 and "an ONNX model has its own" in result.stderr
    result = cli("import", model, "-o", tmp_path / "net.npz")
    assert result.exit_code == 1 and "the output must be a .yaml file" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.onnx", "m.safetensors", "t.onnx"]


def test_import_safetensors_and_run(cli, tmp_path):
    weights = tmp_path / "m.safetensors"
    with open(weights, "wb") as handle:
        write_safetensors(handle, {"0.weight": np.array([[1.0, -1.0], [0.5, 0.5]], np.float32),
                                   "0.bias": np.array([0.0, 1.0], np.float32)})
    result = cli("import", weights, "-o", tmp_path / "net.yaml", "--activations", "leaky_relu(negative_slope=0.1)")
    assert result.exit_code == 0, result.stderr
    assert "    activation: {name: leaky_relu, negative_slope: 0.1}\n" in (tmp_path / "net.yaml").read_text()
    out = cli("forward", tmp_path / "net.yaml", "-x", "1,2", "-f", "csv")
    assert out.stdout.splitlines()[1] == "-0.10000000149011612,2.5,1"


def test_import_of_a_pickle_keeps_import_weights_behaviour(cli, tmp_path):
    pkl = tmp_path / "w.pkl"
    pkl.write_bytes(pickle.dumps({"W1": np.ones((2, 3)), "b1": np.zeros(3)}))
    old = cli("import-weights", pkl, "-o", tmp_path / "a.npz")
    new = cli("import", pkl, "-o", tmp_path / "b.npz")
    assert old.exit_code == new.exit_code == 0
    assert new.stdout == old.stdout.replace("a.npz", "b.npz")
    result = cli("import", pkl, "-o", tmp_path / "net.yaml", "--activations", "sigmoid")
    assert result.exit_code == 0, result.stderr
    assert cli("forward", tmp_path / "net.yaml", "-x", "0,0", "-f", "csv").stdout.splitlines()[1] == "0.5,0.5,0.5,0"


def test_missing_extra_is_a_one_line_error():
    with pytest.raises(NncliError, match=r"^nncli export needs the no_such_pkg_x package, which is not installed: "
                                         r"pip install 'nncli\[onnx\]'$"):
        need("no_such_pkg_x", "nncli export")


def test_commands_have_help(cli):
    for command in ("export", "import"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout


def test_start_up_does_not_import_onnx():
    code = ("import sys; sys.argv = ['nncli', '--help']\nimport nncli.cli\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('onnx', 'onnxruntime')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"

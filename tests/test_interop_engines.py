"""The two engines of forward and evaluate (--engine numpy|onnxruntime) agree to float32 tolerance.

numpy is the reference; onnxruntime runs the exported ONNX model. Every config in configs/
(in its own dtype, and in float32 and float64) and the book's MNIST network on the 10,000
test images are run through both, through the command line.
"""

from __future__ import annotations

import importlib.util
import json
import shutil

import numpy as np
import pytest

from nncli.config import load_spec
from tests.conftest import CONFIGS, SHARED_DATA

pytest.importorskip("onnxruntime", reason="--engine onnxruntime needs the onnx extra: pip install 'nncli[onnx]'")

MNIST_IMAGES = SHARED_DATA / "mnist" / "t10k-images-idx3-ubyte.gz"
MNIST_LABELS = SHARED_DATA / "mnist" / "t10k-labels-idx1-ubyte.gz"
BOOK_NPZ = SHARED_DATA / "book-ch03" / "sample_weight.npz"
# float32 tolerance: max |a - b| / max |b| per array (ONNX Runtime's float32 kernels round
# differently from numpy's in the last bits; measured: <= 1.8e-6 on MNIST's random pixels)
RTOL = {"float32": 1e-5, "float64": 1e-12}


def _config(name, tmp_path):
    """configs/NAME, or a copy beside the book's weights for mnist_book.yaml (skipped without them)."""
    if name != "mnist_book.yaml":
        return CONFIGS / name
    if not BOOK_NPZ.is_file():
        pytest.skip(f"needs {BOOK_NPZ} (the book's weights; see ../shared/data/README.md)")
    shutil.copy(CONFIGS / name, tmp_path / name)
    (tmp_path / "sample_weight.npz").symlink_to(BOOK_NPZ)
    return tmp_path / name


def _inputs(config, tmp_path):
    """The config's sample inputs, else 64 random rows in the config's input range, as an .npy."""
    spec = load_spec(config)
    rng = np.random.default_rng(10)
    high = 255.0 if spec.preprocess.divide_by else 4.0
    X = rng.uniform(-high if not spec.preprocess.divide_by else 0.0, high, size=(64, spec.input_size))
    if spec.inputs:
        X = np.vstack([X[:8], *(rows for _name, rows in spec.inputs)])
    np.save(tmp_path / "x.npy", X)
    return tmp_path / "x.npy"


def _relative(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(np.float64).tiny))


@pytest.mark.parametrize("dtype", [None, "float32", "float64"])
@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_engines_agree_on_every_config(name, dtype, cli, tmp_path):
    config = _config(name, tmp_path)
    x = _inputs(config, tmp_path)
    dtype_args = ["--dtype", dtype] if dtype else []
    runs = {}
    for engine in ("numpy", "onnxruntime"):
        result = cli("forward", config, "-i", x, "-f", "json", "--no-layers", "--engine", engine, *dtype_args)
        assert result.exit_code == 0, result.stderr
        runs[engine] = json.loads(result.stdout)
    reference, other = runs["numpy"], runs["onnxruntime"]
    rtol = RTOL[reference["dtype"]]
    assert _relative(other["output"], reference["output"]) <= rtol
    if reference["probabilities"] is not None:
        assert _relative(other["probabilities"], reference["probabilities"]) <= rtol
    assert other["predicted"] == reference["predicted"]
    # the streamed formats give the same numbers as json, engine by engine
    csv = cli("forward", config, "-i", x, "-f", "csv", "--engine", "onnxruntime", *dtype_args)
    rows = [line.split(",") for line in csv.stdout.splitlines()[1:]]
    assert np.array_equal(np.array([r[: len(other["output"][0])] for r in rows], dtype=np.float64),
                          np.array(other["output"], dtype=np.float64))
    # and --expect says so: the numpy run is the golden file, the onnxruntime run passes it at float32 tolerance
    (tmp_path / "golden.json").write_text(json.dumps(reference))
    checked = cli("forward", config, "-i", x, "-f", "jsonl", "--engine", "onnxruntime", *dtype_args,
                  "--expect", tmp_path / "golden.json", "--rtol", "1e-5", "--atol", "1e-6")
    assert checked.exit_code == 0, checked.stderr


def _mnist(tmp_path):
    for needed in (MNIST_IMAGES, MNIST_LABELS):
        if not needed.is_file():
            pytest.skip(f"needs {needed} (the MNIST test set; see ../shared/data/README.md)")
    return _config("mnist_book.yaml", tmp_path)


def test_engines_agree_on_mnist(cli, tmp_path):
    config = _mnist(tmp_path)
    outputs = {}
    for engine in ("numpy", "onnxruntime"):
        result = cli("forward", config, "-i", MNIST_IMAGES, "-f", "npy", "-o", tmp_path / f"{engine}.npy",
                     "--engine", engine)
        assert result.exit_code == 0, result.stderr
        outputs[engine] = np.load(tmp_path / f"{engine}.npy")
    assert outputs["numpy"].shape == outputs["onnxruntime"].shape == (10000, 10)
    assert outputs["onnxruntime"].dtype == np.float32
    assert _relative(outputs["onnxruntime"], outputs["numpy"]) <= 1e-5
    np.testing.assert_allclose(outputs["onnxruntime"], outputs["numpy"], rtol=1e-4, atol=1e-6)
    scores = {}
    for engine in ("numpy", "onnxruntime"):
        result = cli("evaluate", config, "-i", MNIST_IMAGES, "-l", MNIST_LABELS, "-f", "json", "--engine", engine)
        assert result.exit_code == 0, result.stderr
        scores[engine] = json.loads(result.stdout)
    assert scores["numpy"]["correct"] == 9352
    # a probability within float32 rounding of a tie could flip a class; on MNIST none does, so
    # every count-based number is the same; the loss (a mean of logs) agrees to float32 rounding
    loss = {engine: scores[engine].pop("loss") for engine in scores}
    assert loss["onnxruntime"] == pytest.approx(loss["numpy"], rel=1e-5)
    assert scores["onnxruntime"] == scores["numpy"]


def test_what_onnxruntime_does_not_compute_is_a_one_line_error(cli):
    three = CONFIGS / "three_layer.yaml"
    for args, message in [
        ([], "the layers (add --no-layers) needs the numpy engine"),
        (["-f", "json"], "the layers (add --no-layers) needs the numpy engine"),
        (["--no-layers", "--stats"], "--stats needs the numpy engine"),
        (["--explain"], "the layers (add --no-layers) and --explain need the numpy engine"),
    ]:
        result = cli("forward", three, "--engine", "onnxruntime", *args)
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == f"Error: --engine onnxruntime computes the output only: {message}\n"
    # streamed formats have no layers to show: they run
    assert cli("forward", three, "--engine", "onnxruntime", "-f", "csv").exit_code == 0


def test_without_onnxruntime_the_engine_says_how_to_install_it(cli, monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    (tmp_path / "x.csv").write_text("5.1,3.5,1.4,0.2\n")
    (tmp_path / "y.csv").write_text("0\n")
    for args in (["forward", CONFIGS / "iris_softmax.yaml", "--no-layers"],
                 ["evaluate", CONFIGS / "iris_softmax.yaml", "-i", tmp_path / "x.csv", "-l", tmp_path / "y.csv"]):
        result = cli(*args, "--engine", "onnxruntime")
        assert result.exit_code == 1
        assert result.stderr == ("Error: --engine onnxruntime needs the onnxruntime package, which is not installed: "
                                 "pip install 'nncli[onnx]'\n")


def test_evaluate_with_onnxruntime_refuses_stats(cli, tmp_path):
    (tmp_path / "x.csv").write_text("5.1,3.5,1.4,0.2\n")
    (tmp_path / "y.csv").write_text("0\n")
    result = cli("evaluate", CONFIGS / "iris_softmax.yaml", "-i", tmp_path / "x.csv", "-l", tmp_path / "y.csv",
                 "--engine", "onnxruntime", "--stats")
    assert result.exit_code == 1
    assert result.stderr == "Error: --engine onnxruntime computes the output only: --stats needs the numpy engine\n"


def test_onnxruntime_table_names_the_last_layer(cli):
    result = cli("forward", CONFIGS / "three_layer.yaml", "--no-layers", "--engine", "onnxruntime")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("three_layer  2 → 3 → 2 → 2  float64")
    assert "Probabilities = softmax(A3)" in result.stdout
    assert result.stdout == cli("forward", CONFIGS / "three_layer.yaml", "--no-layers").stdout


def test_onnxruntime_classes_tie_to_the_first_and_nan_rows_get_none(cli, write):
    flat = write("flat.yaml", "layers:\n  - activation: softmax\n    weights: [[0, 0, 0]]\n    bias: [0, 0, 0]\n")
    for engine in ("numpy", "onnxruntime"):
        result = cli("forward", flat, "-x", "1", "-x", "nan", "-f", "jsonl", "--engine", engine)
        assert result.exit_code == 0, result.stderr
        assert [json.loads(line)["predicted"] for line in result.stdout.splitlines()] == [0, None], engine


@pytest.mark.parametrize("command", ["forward", "evaluate", "export", "import"])
def test_help_says_how_to_install_the_extra(cli, command):
    # Rich reads [onnx] as markup unless it is escaped: the help once said "pip install 'nncli'"
    assert "pip install 'nncli[onnx]'" in " ".join(cli(command, "--help").stdout.replace("│", " ").split())

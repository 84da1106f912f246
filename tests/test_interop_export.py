"""nncli export: every config and every activation, exported, checked, run in ONNX Runtime, agreeing with forward."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from nncli import activations as A  # noqa: E402
from nncli.config import load_spec  # noqa: E402
from nncli.interop.onnx_export import ExportError, export_model, lowest_opset  # noqa: E402
from nncli.network import Network, load_network  # noqa: E402

from tests.conftest import CONFIGS, SHARED_DATA, need_shared  # noqa: E402

# Parameters away from their defaults, for every activation that has some.
PARAMS = {
    "hard_sigmoid": {"alpha": 0.3, "beta": 0.4}, "softplus": {"beta": 2.0},
    "hard_tanh": {"min_val": -0.5, "max_val": 2.0}, "leaky_relu": {"negative_slope": 0.1},
    "prelu": {"slope": 0.3}, "rrelu": {"lower": 0.1, "upper": 0.3}, "elu": {"alpha": 0.7},
    "selu": {"alpha": 1.5, "scale": 1.1}, "celu": {"alpha": 0.6}, "gelu": {"approximate": "tanh"},
    "squareplus": {"b": 2.0}, "threshold": {"threshold": 0.2, "value": -0.3}, "thresholded_relu": {"alpha": 0.4},
    "hard_shrink": {"lambd": 0.3}, "soft_shrink": {"lambd": 0.3}, "maxout": {"pieces": 3},
}


def run_ort(model, X: np.ndarray) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, {"X": X})))


def normwise(got: np.ndarray, want: np.ndarray) -> float:
    """max |a - b| / max |b|: the relative error of the array as a whole."""
    return float(np.max(np.abs(got.astype(np.float64) - want)) / max(np.max(np.abs(want)), 1e-300))


def activation_config(tmp_path: Path, name: str, dtype: str) -> Path:
    """A 4 -> 12 -> 3 network with ``name`` (parameters away from defaults) then identity."""
    rng = np.random.default_rng(sum(map(ord, name)))
    activation = A.get(name, **PARAMS.get(name, {}))
    units = activation.units_out(12)
    np.savez(tmp_path / "w.npz", W1=rng.normal(size=(4, 12)), b1=rng.normal(size=12),
             W2=rng.normal(size=(units, 3)), b2=rng.normal(size=3))
    params = "".join(f", {k}: {v}" for k, v in PARAMS.get(name, {}).items())
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"dtype: {dtype}\nweights_file: w.npz\nlayers:\n"
                    f"  - {{activation: {{name: {name}{params}}}, weights: W1, bias: b1}}\n"
                    f"  - {{activation: identity, weights: W2, bias: b2}}\n", encoding="utf-8")
    return path


def config_paths(tmp_path: Path, name: str) -> Path:
    path = CONFIGS / name
    if name == "mnist_book.yaml":
        weights = SHARED_DATA / "book-ch03" / "sample_weight.npz"
        need_shared(weights)
        shutil.copy(path, tmp_path / name)
        (tmp_path / "sample_weight.npz").symlink_to(weights)
        path = tmp_path / name
    return path


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_every_config_exports_and_agrees_in_onnxruntime(name, tmp_path):
    path = config_paths(tmp_path, name)
    network = load_network(path)
    model = export_model(network.spec, all_layers=True)
    onnx.checker.check_model(model, full_check=True)
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 255 if network.spec.preprocess.divide_by else 2, size=(64, network.input_size))
    X = X.astype(network.dtype)
    trace = network.forward(X)
    outputs = run_ort(model, X)
    limit = 1e-5 if network.dtype == np.float32 else 1e-12
    assert normwise(outputs["Y"], trace.output) <= limit
    for layer in trace.layers:
        assert normwise(outputs[f"A{layer.index}"], layer.A) <= limit
        assert normwise(outputs[f"Z{layer.index}"], layer.Z) <= limit


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", A.names())
def test_every_activation_agrees_in_onnxruntime(name, dtype, tmp_path):
    network = load_network(activation_config(tmp_path, name, dtype))
    model = export_model(network.spec, all_layers=True)
    X = np.random.default_rng(1).normal(scale=2, size=(200, 4)).astype(dtype)
    trace = network.forward(X)
    outputs = run_ort(model, X)
    # gelu in float64: ONNX Runtime's Gelu kernel computes through float32 (about 1e-7)
    limit = 1e-5 if dtype == "float32" else (1e-6 if name == "gelu" else 1e-12)
    assert normwise(outputs["Y"], trace.output) <= limit
    assert normwise(outputs["Z1"], trace.layers[0].Z) <= limit
    assert outputs["Y"].dtype == np.dtype(dtype)


def test_parameters_are_explicit_and_native_where_semantics_match(tmp_path):
    spec = load_spec(activation_config(tmp_path, "hard_sigmoid", "float32"))
    node = next(n for n in export_model(spec).graph.node if n.op_type == "HardSigmoid")
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    assert attrs == {"alpha": pytest.approx(0.3), "beta": pytest.approx(0.4)}
    default = load_spec(activation_config(tmp_path, "softsign", "float32"))  # any: check Gemm attributes
    gemm = next(n for n in export_model(default).graph.node if n.op_type == "Gemm")
    assert {a.name for a in gemm.attribute} == {"alpha", "beta", "transA", "transB"}
    # float64: 1/6 is not a float32, so hard_sigmoid becomes a composition with float64 constants
    spec64 = load_spec(activation_config(tmp_path, "hard_sigmoid", "float64"))
    assert "HardSigmoid" not in {n.op_type for n in export_model(spec64).graph.node}


def test_lowest_opset_and_opset_errors(tmp_path):
    assert lowest_opset(load_spec(CONFIGS / "iris_softmax.yaml")) == 13
    mish = load_spec(activation_config(tmp_path, "mish", "float32"))
    assert lowest_opset(mish) == 18
    assert export_model(mish).opset_import[0].version == 18
    gelu = load_spec(activation_config(tmp_path, "gelu", "float32"))
    with pytest.raises(ExportError, match=r"activation gelu\(approximate=tanh\) needs opset 20 \(ONNX's Gelu operator\); "
                                          r"opset 18 cannot express it"):
        export_model(gelu, opset=18)
    assert export_model(gelu, opset=21).opset_import[0].version == 21
    with pytest.raises(ExportError, match="nncli writes opsets 13 to"):
        export_model(gelu, opset=12)


def test_divide_by_is_the_first_node_and_dtype_is_kept(tmp_path):
    model = export_model(load_spec(config_paths(tmp_path, "mnist_book.yaml")))
    first = model.graph.node[0]
    assert first.op_type == "Div" and first.input[0] == "X"
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and dims[1].dim_value == 784


def test_all_layers_names_outputs_like_the_book():
    model = export_model(load_spec(CONFIGS / "three_layer.yaml"), all_layers=True)
    assert [o.name for o in model.graph.output] == ["Y", "A1", "Z1", "A2", "Z2", "A3", "Z3"]
    assert [o.name for o in export_model(load_spec(CONFIGS / "three_layer.yaml")).graph.output] == ["Y"]


def test_book_answer_from_onnxruntime():
    spec = load_spec(CONFIGS / "three_layer.yaml")
    Y = run_ort(export_model(spec), np.array([[1.0, 0.5]]))["Y"]
    np.testing.assert_allclose(Y, [[0.31682708, 0.69627909]], rtol=1e-7)  # the book's 8 digits
    np.testing.assert_allclose(Y, Network(spec).forward([[1.0, 0.5]]).output, rtol=1e-15)


def test_onnxruntime_agrees_with_the_forward_command(cli, tmp_path):
    import json

    result = cli("forward", CONFIGS / "iris_softmax.yaml", "-f", "json")
    document = json.loads(result.stdout)
    model = export_model(load_spec(CONFIGS / "iris_softmax.yaml"))
    Y = run_ort(model, np.array(document["input"]))["Y"]
    assert normwise(Y, np.array(document["output"])) <= 1e-15

"""nncli import of ONNX models shaped as real exporters write them, and the export -> import round trip.

The models are built with onnx.helper node for node as torch.onnx.export (legacy and dynamo)
and tf2onnx write them; the expected outputs are numpy computations of the same networks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from nncli import activations as A  # noqa: E402
from nncli.config import load_spec  # noqa: E402
from nncli.interop.netfile import write_network  # noqa: E402
from nncli.interop.onnx_export import export_model  # noqa: E402
from nncli.interop.onnx_import import ImportModelError, read_onnx  # noqa: E402
from nncli.network import Network, load_network  # noqa: E402

from tests.conftest import CONFIGS  # noqa: E402
from tests.test_interop_export import PARAMS, activation_config  # noqa: E402

RNG = np.random.default_rng(7)
W0, B0 = RNG.normal(size=(8, 4)).astype(np.float32), RNG.normal(size=8).astype(np.float32)  # torch: (out, in)
W2, B2 = RNG.normal(size=(3, 8)).astype(np.float32), RNG.normal(size=3).astype(np.float32)
X = RNG.normal(size=(16, 4)).astype(np.float32)


def save(tmp_path, nodes, inits, opset, name="model.onnx", input_name="input", output_name="output",
         initializers_as_inputs=False, in_shape=("batch", 4)):
    inputs = [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(in_shape))]
    if initializers_as_inputs:  # keep_initializers_as_inputs=True
        inputs += [helper.make_tensor_value_info(i.name, i.data_type, list(i.dims)) for i in inits]
    graph = helper.make_graph(nodes, "main_graph", inputs,
                              [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch", 3])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="pytorch")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    path = tmp_path / name
    onnx.save(model, path)
    return path


def inits_torch(prefix=""):
    return [numpy_helper.from_array(W0, f"{prefix}0.weight"), numpy_helper.from_array(B0, f"{prefix}0.bias"),
            numpy_helper.from_array(W2, f"{prefix}2.weight"), numpy_helper.from_array(B2, f"{prefix}2.bias")]


def const(name, value):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.array(value, np.float32), name))


def forward_of(path, tmp_path):
    """Import, write NET.yaml + NET.npz, load them as nncli forward does, and run X."""
    net = read_onnx(path)
    yaml_path = tmp_path / "net.yaml"
    write_network(net, yaml_path)
    return load_network(yaml_path), net


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def gelu(a):
    return 0.5 * a * (1 + np.vectorize(math.erf)(a / math.sqrt(2)))


def silu(a):
    return a / (1 + np.exp(-a))


def test_legacy_exporter_linear_relu_linear_softmax(tmp_path):
    nodes = [
        helper.make_node("Gemm", ["input", "0.weight", "0.bias"], ["/0/Gemm_output_0"], name="/0/Gemm",
                         alpha=1.0, beta=1.0, transB=1),
        helper.make_node("Relu", ["/0/Gemm_output_0"], ["/1/Relu_output_0"], name="/1/Relu"),
        helper.make_node("Gemm", ["/1/Relu_output_0", "2.weight", "2.bias"], ["/2/Gemm_output_0"], name="/2/Gemm",
                         alpha=1.0, beta=1.0, transB=1),
        helper.make_node("Softmax", ["/2/Gemm_output_0"], ["output"], name="/3/Softmax", axis=1),
    ]
    network, net = forward_of(save(tmp_path, nodes, inits_torch(), 17), tmp_path)
    assert [layer.activation.label for layer in network.layers] == ["relu", "softmax"]
    assert network.dtype == np.float32
    want = softmax(np.maximum(X @ W0.T + B0, 0) @ W2.T + B2)
    np.testing.assert_allclose(network.forward(X).output, want, rtol=1e-5)


def test_legacy_exporter_with_initializers_as_inputs(tmp_path):
    nodes = [helper.make_node("Gemm", ["input", "0.weight", "0.bias"], ["a"], transB=1),
             helper.make_node("Relu", ["a"], ["z"]),
             helper.make_node("Gemm", ["z", "2.weight", "2.bias"], ["b"], transB=1),
             helper.make_node("Softmax", ["b"], ["output"], axis=1)]
    network, _ = forward_of(save(tmp_path, nodes, inits_torch(), 11, initializers_as_inputs=True), tmp_path)
    want = softmax(np.maximum(X @ W0.T + B0, 0) @ W2.T + B2)
    np.testing.assert_allclose(network.forward(X).output, want, rtol=1e-5)


def _gelu_silu_nodes(opset):
    """Linear/GELU/Linear/SiLU as the exporters write it: GELU decomposed up to opset 18, a Gelu node from 20."""
    nodes = [helper.make_node("Gemm", ["x", "layers.0.weight", "layers.0.bias"], ["linear"], name="node_linear",
                              transB=1)]
    if opset >= 20:
        nodes.append(helper.make_node("Gelu", ["linear"], ["gelu"], name="node_gelu", approximate="none"))
    else:
        nodes += [const("sqrt2", 1.4142135623730951), const("one", 1.0), const("half", 0.5),
                  helper.make_node("Div", ["linear", "sqrt2"], ["div"], name="node_Div_0"),
                  helper.make_node("Erf", ["div"], ["erf"], name="node_Erf_1"),
                  helper.make_node("Add", ["erf", "one"], ["add"], name="node_Add_2"),
                  helper.make_node("Mul", ["linear", "add"], ["mul"], name="node_Mul_3"),
                  helper.make_node("Mul", ["half", "mul"], ["gelu"], name="node_Mul_4")]
    nodes += [helper.make_node("Gemm", ["gelu", "layers.2.weight", "layers.2.bias"], ["linear_1"], transB=1),
              helper.make_node("Sigmoid", ["linear_1"], ["sigmoid"], name="node_Sigmoid_5"),
              helper.make_node("Mul", ["linear_1", "sigmoid"], ["silu"], name="node_Mul_6")]
    return nodes


@pytest.mark.parametrize("opset", [18, 20])
def test_dynamo_exporter_linear_gelu_linear_silu(opset, tmp_path):
    path = save(tmp_path, _gelu_silu_nodes(opset), inits_torch("layers."), opset, input_name="x", output_name="silu")
    network, _ = forward_of(path, tmp_path)
    assert [layer.activation.label for layer in network.layers] == ["gelu", "silu"]
    want = silu(gelu((X @ W0.T + B0).astype(np.float64)) @ W2.T + B2)
    np.testing.assert_allclose(network.forward(X).output, want, rtol=2e-5, atol=1e-6)


def test_legacy_exporter_linear_gelu_linear_silu(tmp_path):
    """The legacy exporter (opset 17) writes GELU as Div/Erf/Add/Mul/Mul with float32 constants."""
    nodes = _gelu_silu_nodes(17)
    network, _ = forward_of(save(tmp_path, nodes, inits_torch("layers."), 17, input_name="x", output_name="silu"),
                            tmp_path)
    assert [layer.activation.label for layer in network.layers] == ["gelu", "silu"]
    want = silu(gelu((X @ W0.T + B0).astype(np.float64)) @ W2.T + B2)
    np.testing.assert_allclose(network.forward(X).output, want, rtol=2e-5, atol=1e-6)


def test_dynamo_exporter_linear_relu_linear_softmax_with_transposed_weights(tmp_path):
    """Linear as MatMul(x, Transpose(weight)) + Add, Softmax over axis -1 (opset 18)."""
    nodes = [helper.make_node("Transpose", ["layers.0.weight"], ["t0"], perm=[1, 0]),
             helper.make_node("MatMul", ["x", "t0"], ["mm0"]), helper.make_node("Add", ["mm0", "layers.0.bias"], ["a"]),
             helper.make_node("Relu", ["a"], ["relu"]),
             helper.make_node("Transpose", ["layers.2.weight"], ["t2"], perm=[1, 0]),
             helper.make_node("MatMul", ["relu", "t2"], ["mm2"]), helper.make_node("Add", ["mm2", "layers.2.bias"], ["b"]),
             helper.make_node("Softmax", ["b"], ["softmax"], axis=-1)]
    path = save(tmp_path, nodes, inits_torch("layers."), 18, input_name="x", output_name="softmax")
    network, _ = forward_of(path, tmp_path)
    assert [layer.activation.label for layer in network.layers] == ["relu", "softmax"]
    want = softmax(np.maximum(X @ W0.T + B0, 0) @ W2.T + B2)
    np.testing.assert_allclose(network.forward(X).output, want, rtol=1e-5)


def test_dynamo_gelu_tanh_form_and_softplus_with_beta(tmp_path):
    k, c = 0.044715, math.sqrt(2 / math.pi)
    nodes = [helper.make_node("Gemm", ["x", "0.weight", "0.bias"], ["a"], transB=1),
             const("three", 3.0), const("k", k), const("c", c), const("one", 1.0), const("half", 0.5),
             helper.make_node("Pow", ["a", "three"], ["cube"]), helper.make_node("Mul", ["k", "cube"], ["kc"]),
             helper.make_node("Add", ["a", "kc"], ["inner"]), helper.make_node("Mul", ["c", "inner"], ["scaled"]),
             helper.make_node("Tanh", ["scaled"], ["t"]), helper.make_node("Add", ["t", "one"], ["t1"]),
             helper.make_node("Mul", ["a", "t1"], ["at"]), helper.make_node("Mul", ["half", "at"], ["g"]),
             helper.make_node("Gemm", ["g", "2.weight", "2.bias"], ["b"], transB=1),
             # softplus(beta=2) as dynamo writes it: Mul, Softplus, Div, and Where for beta·x > 20
             const("beta", 2.0), const("threshold", 20.0),
             helper.make_node("Mul", ["b", "beta"], ["bx"]), helper.make_node("Softplus", ["bx"], ["sp"]),
             helper.make_node("Div", ["sp", "beta"], ["spb"]), helper.make_node("Greater", ["bx", "threshold"], ["big"]),
             helper.make_node("Where", ["big", "b", "spb"], ["out"])]
    network, _ = forward_of(save(tmp_path, nodes, inits_torch(), 18, input_name="x", output_name="out"), tmp_path)
    assert [layer.activation.label for layer in network.layers] == ["gelu(approximate=tanh)", "softplus(beta=2)"]
    a = (X @ W0.T + B0).astype(np.float64)
    g = 0.5 * a * (1 + np.tanh(c * (a + k * a**3)))
    b = g @ W2.T + B2
    want = np.where(2 * b > 20, b, np.log1p(np.exp(2 * b)) / 2)
    np.testing.assert_allclose(network.forward(X).output, want, rtol=2e-5, atol=1e-6)


def test_keras_matmul_add_after_flatten_with_hard_sigmoid(tmp_path):
    kernel0, kernel2 = W0.T.copy(), W2.T.copy()  # Keras: (in, out)
    inits = [numpy_helper.from_array(kernel0, "dense/kernel:0"), numpy_helper.from_array(B0, "dense/bias:0"),
             numpy_helper.from_array(kernel2, "dense_1/kernel:0"), numpy_helper.from_array(B2, "dense_1/bias:0")]
    nodes = [helper.make_node("Flatten", ["input_1"], ["flat"], axis=1),
             helper.make_node("MatMul", ["flat", "dense/kernel:0"], ["mm"]),
             helper.make_node("Add", ["mm", "dense/bias:0"], ["a"]),
             helper.make_node("HardSigmoid", ["a"], ["h"], alpha=1 / 6, beta=0.5),
             helper.make_node("MatMul", ["h", "dense_1/kernel:0"], ["mm1"]),
             helper.make_node("Add", ["dense_1/bias:0", "mm1"], ["b"]),
             helper.make_node("LogSoftmax", ["b"], ["output"], axis=-1)]
    path = save(tmp_path, nodes, inits, 13, input_name="input_1", in_shape=("N", 2, 2))
    network, _ = forward_of(path, tmp_path)
    assert [layer.activation.label for layer in network.layers] == ["hard_sigmoid", "log_softmax"]
    h = np.clip((X @ kernel0 + B0) / 6 + 0.5, 0, 1)
    logits = h @ kernel2 + B2
    want = logits - logits.max(axis=1, keepdims=True)
    want -= np.log(np.exp(want).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(network.forward(X).output, want, rtol=1e-5, atol=1e-6)


def test_gemm_alpha_beta_and_transposed_input(tmp_path):
    nodes = [helper.make_node("Transpose", ["input"], ["t"], perm=[1, 0]),
             helper.make_node("Gemm", ["t", "0.weight", "0.bias"], ["a"], transA=1, transB=1, alpha=0.5, beta=2.0),
             helper.make_node("Tanh", ["a"], ["z"]),
             helper.make_node("Gemm", ["z", "2.weight", "2.bias"], ["output"], transB=1)]
    network, _ = forward_of(save(tmp_path, nodes, inits_torch(), 13), tmp_path)
    want = np.tanh(0.5 * (X @ W0.T) + 2 * B0) @ W2.T + B2
    np.testing.assert_allclose(network.forward(X).output, want, rtol=1e-5, atol=1e-6)


def test_unsupported_nodes_are_named(tmp_path):
    nodes = [helper.make_node("Gemm", ["input", "0.weight", "0.bias"], ["a"], transB=1),
             helper.make_node("Cos", ["a"], ["z"], name="weird"),
             helper.make_node("Gemm", ["z", "2.weight", "2.bias"], ["output"], transB=1)]
    with pytest.raises(ImportModelError, match=r"node 'weird' \(Cos\) is not part of an MLP"):
        read_onnx(save(tmp_path, nodes, inits_torch(), 13))
    nodes[1] = helper.make_node("Sin", ["a"], ["z"], name="sine")  # no activation uses Sin
    with pytest.raises(ImportModelError, match=r"'sine' \(Sin\)"):
        read_onnx(save(tmp_path, nodes, inits_torch(), 13))
    branch = [helper.make_node("Gemm", ["input", "0.weight", "0.bias"], ["a"], transB=1),
              helper.make_node("Relu", ["a"], ["r"], name="r"), helper.make_node("Sigmoid", ["a"], ["s"], name="s"),
              helper.make_node("Add", ["r", "s"], ["z"], name="join"),
              helper.make_node("Gemm", ["z", "2.weight", "2.bias"], ["output"], transB=1)]
    with pytest.raises(ImportModelError, match=r"the nodes after A \('r' \(Relu\), 's' \(Sigmoid\), 'join' \(Add\)\) "
                                               r"compute no nncli activation"):
        read_onnx(save(tmp_path, branch, inits_torch(), 13))


def test_not_an_onnx_file(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00\xffnot protobuf at all" * 3)
    with pytest.raises(ImportModelError, match=r"bad.onnx: not an ONNX model"):
        read_onnx(bad)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", A.names())
def test_round_trip_is_bit_for_bit(name, dtype, tmp_path):
    spec = load_spec(activation_config(tmp_path, name, dtype))
    path = tmp_path / "m.onnx"
    path.write_bytes(export_model(spec).SerializeToString())
    net = read_onnx(path)
    write_network(net, tmp_path / "back.yaml")
    back = load_spec(tmp_path / "back.yaml")
    X = np.random.default_rng(3).normal(scale=3, size=(100, 4))
    assert np.array_equal(Network(spec).forward(X).output, Network(back).forward(X).output, equal_nan=True)
    assert back.layers[0].activation.label == spec.layers[0].activation.label
    assert back.dtype == dtype


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml") if p.name != "mnist_book.yaml"))
def test_round_trip_of_the_configs_keeps_names_and_classes(name, tmp_path):
    spec = load_spec(CONFIGS / name)
    path = tmp_path / "m.onnx"
    path.write_bytes(export_model(spec).SerializeToString())
    write_network(read_onnx(path), tmp_path / "back.yaml")
    back = load_spec(tmp_path / "back.yaml")
    assert [layer.name for layer in back.layers] == [layer.name for layer in spec.layers]
    assert back.classes == spec.classes and back.name == spec.name
    X = np.vstack([rows for _n, rows in spec.inputs])
    assert np.array_equal(Network(spec).forward(X).output, Network(back).forward(X).output)


def test_parameters_without_metadata_come_from_the_graph(tmp_path):
    spec = load_spec(activation_config(tmp_path, "leaky_relu", "float32"))
    model = export_model(spec)
    del model.metadata_props[:]
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    assert read_onnx(path).layers[0].activation.label == "leaky_relu(negative_slope=0.1)"
    assert PARAMS["leaky_relu"] == {"negative_slope": 0.1}

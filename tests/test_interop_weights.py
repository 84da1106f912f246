"""safetensors read with numpy alone (lying headers refused), and weights files imported as layers."""

from __future__ import annotations

import io
import json
import pickle
import struct

import numpy as np
import pytest

from nncli import activations as A
from nncli.errors import ActivationError, InputError
from nncli.interop.netfile import write_network
from nncli.interop.safetensors import SafetensorsError, read_safetensors, write_safetensors
from nncli.interop.weights import network_from_arrays, parse_activations
from nncli.network import load_network
from tests.conftest import CONFIGS

RNG = np.random.default_rng(11)
STATE = {  # nn.Sequential(Linear(4, 6), ReLU(), Linear(6, 3), Softmax) state_dict: (out, in)
    "0.weight": RNG.normal(size=(6, 4)).astype(np.float32), "0.bias": RNG.normal(size=6).astype(np.float32),
    "2.weight": RNG.normal(size=(3, 6)).astype(np.float32), "2.bias": RNG.normal(size=3).astype(np.float32),
}


def st_bytes(tensors, metadata=None) -> bytes:
    buffer = io.BytesIO()
    write_safetensors(buffer, tensors, metadata)
    return buffer.getvalue()


def raw_file(tmp_path, header: dict, data: bytes, name="lie.safetensors", length=None):
    text = json.dumps(header).encode()
    path = tmp_path / name
    path.write_bytes(struct.pack("<Q", len(text) if length is None else length) + text + data)
    return path


def test_reads_what_it_writes_in_offset_order(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(st_bytes(STATE, {"format": "pt"}))
    tensors = read_safetensors(path)
    assert list(tensors) == list(STATE)
    for key, value in STATE.items():
        assert tensors[key].dtype == value.dtype and np.array_equal(tensors[key], value)


def test_by_hand_little_endian_and_bf16_widened(tmp_path):
    values = np.array([1.0, -2.5, 3.140625], dtype=np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2").tobytes()  # exact in bf16
    f64 = np.array([0.1, 0.2], dtype="<f8").tobytes()
    header = {"a": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]},
              "b": {"dtype": "F64", "shape": [1, 2], "data_offsets": [6, 22]},
              "__metadata__": {"format": "pt"}}
    tensors = read_safetensors(raw_file(tmp_path, header, bf16 + f64, "ok.safetensors"))
    assert tensors["a"].dtype == np.float32 and np.array_equal(tensors["a"], values)
    assert np.array_equal(tensors["b"], [[0.1, 0.2]])


@pytest.mark.parametrize("header, data, length, message", [
    ({"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}}, b"\0" * 12, None,
     r"tensor 'a': its header promises F32 of shape \(2, 2\), 16 bytes, but its data_offsets give 12 bytes"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4, None,
     r"truncated safetensors file: its header promises tensor 'a' at bytes \[0, 8\) of the data but the file "
     r"has 4 bytes of data"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
      "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}, b"\0" * 6, None,
     r"tensor 'b' at offset 2 overlaps the tensor before it"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8, None,
     r"tensor 'a' at offset 4 leaves bytes 0..4 unused"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 9, None,
     r"5 bytes after the last tensor are not described by the header"),
    ({"a": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 1]}}, b"\0", None, r"tensor 'a': unknown dtype 'Q7'"),
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, None, r"tensor 'a': shape \[-1\] is not a list"),
    ({}, b"", 10 ** 9, r"truncated safetensors file: its header length promises a header of 1000000000 bytes "
                       r"\(954 MiB\) but the file has 10 bytes"),
    ({"a": 1}, b"", None, r"tensor 'a': header entry must have exactly dtype, shape and data_offsets"),
])
def test_lying_headers_are_refused_naming_the_file(tmp_path, header, data, length, message):
    with pytest.raises(SafetensorsError, match=r"lie\.safetensors: " + message):
        read_safetensors(raw_file(tmp_path, header, data, length=length))


def test_duplicate_keys_and_short_files(tmp_path):
    text = b'{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}'
    path = tmp_path / "dup.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"\0")
    with pytest.raises(SafetensorsError, match=r"dup.safetensors: header is not JSON \(duplicate key 'a'\)"):
        read_safetensors(path)
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"\1\0")
    with pytest.raises(SafetensorsError, match=r"short.safetensors: 2 bytes is too short"):
        read_safetensors(short)


def test_state_dict_import_matches_numpy(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(st_bytes(STATE))
    net = network_from_arrays(read_safetensors(path), parse_activations("relu,softmax"), "torch", str(path))
    write_network(net, tmp_path / "net.yaml")
    network = load_network(tmp_path / "net.yaml")
    X = RNG.normal(size=(10, 4)).astype(np.float32)
    a = np.maximum(X @ STATE["0.weight"].T + STATE["0.bias"], 0) @ STATE["2.weight"].T + STATE["2.bias"]
    want = np.exp(a - a.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(network.forward(X).output, want, rtol=1e-6)
    assert network.dtype == np.float32
    assert np.array_equal(network.layers[0].W, STATE["0.weight"].T)


def test_keras_layout_book_names_and_errors():
    kernels = {"W1": STATE["0.weight"].T, "b1": STATE["0.bias"], "W2": STATE["2.weight"].T, "b2": STATE["2.bias"]}
    net = network_from_arrays(kernels, parse_activations("sigmoid,identity"), "keras", "book.pkl")
    assert [layer.W.shape for layer in net.layers] == [(4, 6), (6, 3)]
    with pytest.raises(InputError, match=r"'b1' has 6 values but 'W1' gives 4 units in the torch layout; try --layout keras"):
        network_from_arrays(kernels, parse_activations("sigmoid,identity"), "torch", "book.pkl")
    with pytest.raises(InputError, match=r"--activations gives 1 activation but m.safetensors has 2 layers "
                                         r"\(0.weight, 2.weight\)"):
        network_from_arrays(STATE, parse_activations("relu"), "torch", "m.safetensors")
    with pytest.raises(InputError, match=r"'1.running_mean' is neither a weight nor a bias"):
        network_from_arrays({**STATE, "1.running_mean": np.zeros(6)}, parse_activations("relu,relu,relu"), "torch", "m")


def test_parse_activations_with_parameters():
    acts = parse_activations("leaky_relu(negative_slope=0.2), hard_sigmoid(alpha=0.2,beta=0.5),gelu(approximate=tanh)")
    assert [a.label for a in acts] == ["leaky_relu(negative_slope=0.2)", "hard_sigmoid(alpha=0.2)",
                                       "gelu(approximate=tanh)"]
    assert parse_activations("maxout(pieces=2)")[0] == A.get("maxout", pieces=2)
    with pytest.raises(ActivationError, match="unknown activation 'rleu'"):
        parse_activations("rleu,softmax")


def test_pickle_of_the_book_becomes_a_network(tmp_path):
    arrays = {"W1": STATE["0.weight"].T.copy(), "b1": STATE["0.bias"], "W2": STATE["2.weight"].T.copy(),
              "b2": STATE["2.bias"]}
    (tmp_path / "w.pkl").write_bytes(pickle.dumps(arrays))
    from nncli.safepickle import load_arrays

    net = network_from_arrays(load_arrays(tmp_path / "w.pkl"), parse_activations("sigmoid,softmax"), "keras", "w.pkl")
    write_network(net, tmp_path / "book.yaml")
    assert load_network(tmp_path / "book.yaml").layers[1].activation.name == "softmax"


def test_the_iris_safetensors_fixture_is_the_iris_network_as_pytorch_saves_it(cli, tmp_path):
    """configs/iris_torch.safetensors (README's example): nn.Sequential(Linear(4, 5), ReLU,
    Linear(5, 3), Softmax)'s state_dict in float32, i.e. iris_softmax.yaml's weights transposed."""
    tensors = read_safetensors(CONFIGS / "iris_torch.safetensors")
    iris = load_network(CONFIGS / "iris_softmax.yaml", "float32")
    assert list(tensors) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for k, layer in zip((0, 2), iris.layers):
        assert np.array_equal(tensors[f"{k}.weight"], layer.W.T) and tensors[f"{k}.weight"].dtype == np.float32
        assert np.array_equal(tensors[f"{k}.bias"], layer.b)
    result = cli("import", CONFIGS / "iris_torch.safetensors", "-o", tmp_path / "mlp.yaml", "--activations", "relu,softmax")
    assert result.exit_code == 0, result.stderr
    X = np.vstack([rows for _name, rows in iris.spec.inputs])
    assert np.array_equal(load_network(tmp_path / "mlp.yaml").predict(X), iris.predict(X))

"""Every activation works from a YAML config (through the Python API: ``nncli.load_network(path).forward``)."""

from __future__ import annotations

import numpy as np
import pytest

import nncli
from nncli import activations as A
from nncli.errors import ConfigError

X = np.array([[1.0, -0.5], [-2.0, 3.0], [0.25, 0.0]])


def _width(name: str) -> int:
    return 4 if name in ("glu", "maxout") else 3


def _config(activation_yaml: str, width: int, dtype: str = "float64") -> str:
    rng = np.random.default_rng(width)
    W = rng.normal(0, 1.5, (2, width)).round(3)
    b = rng.normal(0, 0.5, width).round(3)
    rows = ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in W)
    return (
        f"dtype: {dtype}\n"
        "layers:\n"
        "  - name: h\n"
        f"    activation: {activation_yaml}\n"
        f"    weights: [{rows}]\n"
        f"    bias: [{', '.join(repr(float(v)) for v in b)}]\n"
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", A.names())
def test_every_activation_runs_in_a_network(name, dtype, write):
    width = _width(name)
    path = write(f"{name}.yaml", _config(name, width, dtype))
    net = nncli.load_network(path)
    trace = net.forward(X)
    layer = net.layers[0]
    A_ = X.astype(dtype) @ layer.W + layer.b
    want = A.get(name)(A_)
    assert trace.layers[0].activation == name
    assert trace.output.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(trace.output, want)
    assert trace.output.shape == (3, A.get(name).units_out(width))


@pytest.mark.parametrize("alias", sorted(A.aliases()))
def test_aliases_work_in_configs(alias, write):
    canonical = A.aliases()[alias]
    path = write("net.yaml", _config(alias, _width(canonical)))
    assert nncli.load_network(path).layers[0].activation.name == canonical


@pytest.mark.parametrize("mapping, label", [
    ("{name: gelu, approximate: tanh}", "gelu(approximate=tanh)"),
    ("{name: leaky_relu, negative_slope: 0.2}", "leaky_relu(negative_slope=0.2)"),
    ("{name: prelu, slope: [0.1, 0.2, 0.3]}", "prelu(slope=[0.1, 0.2, 0.3])"),
    ("{name: hard_sigmoid, alpha: 0.2}", "hard_sigmoid(alpha=0.2)"),
    ("{name: softplus, beta: 2}", "softplus(beta=2)"),
    ("{name: swish}", "silu"),
])
def test_parameters_from_yaml(mapping, label, write):
    net = nncli.load_network(write("net.yaml", _config(mapping, 3)))
    assert net.layers[0].activation.label == label
    assert np.all(np.isfinite(net.forward(X).output))


def test_prelu_slopes_count_as_parameters(write):
    net = nncli.load_network(write("net.yaml", _config("{name: prelu, slope: [0.1, 0.2, 0.3]}", 3)))
    assert net.spec.parameter_count == 2 * 3 + 3 + 3


def test_grouping_layers_feed_fewer_units(write):
    text = _config("{name: maxout, pieces: 3}", 6) + (
        "  - name: out\n    activation: glu\n    weights: [[1.0, 0.5], [-1.0, 2.0]]\n    bias: [0.0, 0.1]\n"
    )
    net = nncli.load_network(write("net.yaml", text))
    assert [layer.units for layer in net.layers] == [2, 1]
    assert net.forward(X).output.shape == (3, 1)


@pytest.mark.parametrize("mapping, width, message, line", [  # line 4: activation, line 5: weights
    ("{name: prelu, slope: [0.1, 0.2]}", 3, "2 per-unit slopes but the layer has 3 units", 5),
    ("glu", 3, "glu halves its inputs and needs an even number of them, got 3", 5),
    ("{name: maxout, pieces: 4}", 6, "maxout with pieces=4 needs a multiple of 4 inputs", 5),
    ("{name: gelu, approximate: tan}", 3, "did you mean 'tanh'", 4),
    ("{name: elu, alpah: 1}", 3, "has no parameter 'alpah' (did you mean 'alpha'?)", 4),
    ("sigmod", 3, "unknown activation 'sigmod' (did you mean 'sigmoid'?)", 4),
])
def test_config_errors_point_at_the_node(mapping, width, message, line, write):
    path = write("net.yaml", _config(mapping, width))
    with pytest.raises(ConfigError) as info:
        nncli.load_network(path)
    text = str(info.value)
    assert message in text
    assert text.startswith(f"{path}:{line}:")

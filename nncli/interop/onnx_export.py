"""NetworkSpec -> ONNX ModelProto: ``Y = hL(... h1(X·W1 + b1) ...)`` as Gemm nodes and activations.

The graph has one input ``X`` (N, inputs) with a dynamic batch dimension ``N`` and one output
``Y`` (N, outputs) in the config's dtype; ``all_layers`` adds every layer's ``A1, Z1, A2, ...``
as outputs. ``preprocess: divide_by`` is the first node (``Div``). Each layer is
``Gemm(Z, W, b)`` with alpha = beta = 1 and transA = transB = 0 written out, then its activation:

- a native ONNX operator where it computes nncli's function, with every attribute written out
  (ONNX's HardSigmoid defaults to alpha 0.2, nncli's hard_sigmoid to 1/6);
- an exact composition of basic operators otherwise (silu = x·Sigmoid(x), squareplus, ...).

ONNX attributes are float32, so a float64 network uses native operators only where its
parameters are float32 numbers and ONNX Runtime has a float64 kernel; elsewhere it gets a
composition whose constants are float64 tensors, so its parameters keep every bit.
``opset`` defaults to the lowest that covers the activations (at least 13, where Softmax's
axis and Clip's tensor bounds took their present form); an activation the chosen opset cannot
express is an ExportError naming the layer.

``metadata_props["nncli.network"]`` (JSON) keeps what ONNX has no field for: layer names, each
layer's activation with its parameters, the class names; ``nncli import`` reads it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nncli import __version__
from nncli.activations import Activation
from nncli.config import LayerSpec, NetworkSpec
from nncli.errors import NncliError

MIN_OPSET = 13  # Softmax over the last axis and Clip with tensor bounds, as written here
METADATA_KEY = "nncli.network"
ONNX_DTYPES = {"float32": TensorProto.FLOAT, "float64": TensorProto.DOUBLE}


class ExportError(NncliError):
    """The network cannot be written as ONNX (e.g. --opset too low for an activation)."""


# --- a small graph builder ------------------------------------------------------------


@dataclass
class _Graph:
    """Nodes and initializers of the graph being built; constants are tensors of ``dtype``."""

    dtype: np.dtype
    opset: int
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: list[onnx.TensorProto] = field(default_factory=list)
    _consts: dict[tuple[Any, ...], str] = field(default_factory=dict)
    _count: int = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: Any, dtype: Any = None, hint: str = "c") -> str:
        """An initializer holding ``value`` (in the network's dtype unless ``dtype``)."""
        arr = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if key not in self._consts:
            name = self.name(hint)
            self.initializers.append(numpy_helper.from_array(arr, name))
            self._consts[key] = name
        return self._consts[key]

    def op(self, op_type: str, *inputs: str, outputs: int = 1, **attrs: Any) -> Any:
        """Add a node; returns its output name (a tuple of names when ``outputs`` > 1)."""
        names = [self.name(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=self.name(f"n_{op_type}"), **attrs))
        return names[0] if outputs == 1 else tuple(names)

    def rename(self, tensor: str, new: str) -> None:
        """Give the tensor a node just produced the graph-level name ``new`` (e.g. "Z1")."""
        for node in reversed(self.nodes):
            if tensor in node.output:
                node.output[list(node.output).index(tensor)] = new
                return
        self.nodes.append(helper.make_node("Identity", [tensor], [new], name=self.name("n_Identity")))

    @property
    def f32(self) -> bool:
        return self.dtype == np.float32

    def attr_ok(self, *params: float) -> bool:
        """Whether a float32 attribute holds these parameters exactly in this dtype."""
        return self.f32 or all(float(np.float32(p)) == float(p) for p in params)

    # exact building blocks --------------------------------------------------------------

    def log1p(self, y: str) -> str:
        """log(1 + y) to a few ulp for y >= 0 (Goldberg: log(u)·y/(u - 1), u = 1 + y; y when u = 1)."""
        one = self.const(1.0)
        u = self.op("Add", y, one)
        um1 = self.op("Sub", u, one)
        ratio = self.op("Div", self.op("Mul", self.op("Log", u), y), um1)
        return self.op("Where", self.op("Equal", u, one), y, ratio)

    def expm1(self, x: str) -> str:
        """exp(x) - 1 to a few ulp for x <= 0 (Kahan: (u - 1)·x/log(u), u = exp(x); x when u = 1, -1 when u = 0)."""
        one, zero = self.const(1.0), self.const(0.0)
        u = self.op("Exp", x)
        um1 = self.op("Sub", u, one)
        ratio = self.op("Div", self.op("Mul", um1, x), self.op("Log", u))
        inner = self.op("Where", self.op("Equal", u, zero), self.const(-1.0), ratio)
        return self.op("Where", self.op("Equal", u, one), x, inner)

    def softplus(self, x: str) -> str:
        """log(1 + exp(x)) = relu(x) + log1p(exp(-|x|)), without overflow."""
        if self.f32:
            return self.op("Softplus", x)
        return self.op("Add", self.op("Relu", x), self.log1p(self.op("Exp", self.op("Neg", self.op("Abs", x)))))

    def where_positive(self, x: str, negative: str, threshold: float = 0.0) -> str:
        """x where x > threshold, else ``negative`` (NaN goes to ``negative``, which keeps it)."""
        return self.op("Where", self.op("Greater", x, self.const(threshold)), x, negative)

    def clip(self, x: str, low: float, high: float) -> str:
        return self.op("Clip", x, self.const(low), self.const(high))


# --- activations ------------------------------------------------------------------------

Builder = Callable[[_Graph, str, Activation, LayerSpec], str]


def _elu_like(g: _Graph, x: str, alpha: float, scale: float | None = None) -> str:
    out = g.where_positive(x, g.op("Mul", g.const(alpha), g.expm1(x)))
    return out if scale is None else g.op("Mul", g.const(scale), out)


def _leaky(g: _Graph, x: str, slope: Any) -> str:
    if g.f32 and np.ndim(slope) == 0:
        return g.op("LeakyRelu", x, alpha=float(slope))
    if g.f32:
        return g.op("PRelu", x, g.const(slope))
    return g.where_positive(x, g.op("Mul", x, g.const(slope)))


def _hard_sigmoid(g: _Graph, x: str, alpha: float, beta: float) -> str:
    if g.f32:
        return g.op("HardSigmoid", x, alpha=float(alpha), beta=float(beta))
    if alpha == 0:
        return g.op("Add", g.op("Mul", x, g.const(0.0)), g.const(min(max(beta, 0.0), 1.0)))
    # as nncli computes it: alpha·(a + beta/alpha), exact at the kink a = -beta/alpha
    return g.clip(g.op("Mul", g.op("Add", x, g.const(beta / alpha)), g.const(alpha)), 0.0, 1.0)


def _softplus(g: _Graph, x: str, beta: float) -> str:
    if beta == 1.0:
        return g.softplus(x)
    # PyTorch's own export: softplus(beta·x) / beta
    return g.op("Div", g.softplus(g.op("Mul", x, g.const(beta))), g.const(beta))


def _shrink(g: _Graph, x: str, lambd: float, soft: bool) -> str:
    if g.attr_ok(lambd):
        return g.op("Shrink", x, lambd=float(lambd), bias=float(lambd) if soft else 0.0)
    if soft:
        return g.op("Sub", x, g.clip(x, -lambd, lambd))
    return g.op("Where", g.op("Greater", g.op("Abs", x), g.const(lambd)), x, g.const(0.0))


def _gelu(g: _Graph, x: str, approximate: str) -> str:
    return g.op("Gelu", x, approximate=approximate)


def _step(g: _Graph, x: str) -> str:
    positive = g.op("Cast", g.op("Greater", x, g.const(0.0)), to=ONNX_DTYPES[str(g.dtype)])
    return g.op("Where", g.op("IsNaN", x), x, positive)


def _threshold(g: _Graph, x: str, threshold: float, value: float) -> str:
    keep = g.op("Or", g.op("Greater", x, g.const(threshold)), g.op("IsNaN", x))
    return g.op("Where", keep, x, g.const(value))


def _sparse_plus(g: _Graph, x: str) -> str:
    shifted = g.op("Add", x, g.const(1.0))
    middle = g.op("Mul", g.op("Mul", shifted, shifted), g.const(0.25))
    upper = g.op("Where", g.op("GreaterOrEqual", x, g.const(1.0)), x, middle)
    return g.op("Where", g.op("LessOrEqual", x, g.const(-1.0)), g.const(0.0), upper)


def _sparsemax(g: _Graph, x: str, layer: LayerSpec) -> str:
    """Martins & Astudillo: sort each row down, k(z) = max{k : 1 + k·z_(k) > sum_{j<=k} z_(j)},
    tau = (sum of the k largest - 1)/k, h = max(z - tau, 0)."""
    n = layer.width
    ordered, _ = g.op("TopK", x, g.const([n], np.int64), axis=-1, largest=1, sorted=1, outputs=2)  # (N, n)
    cumulative = g.op("CumSum", ordered, g.const(1, np.int64))
    ks = g.const(np.arange(1, n + 1))
    support = g.op("Cast", g.op("Greater", g.op("Add", g.op("Mul", ks, ordered), g.const(1.0)), cumulative),
                   to=ONNX_DTYPES[str(g.dtype)])
    axes = g.const([1], np.int64)
    count = g.op("ReduceSum", support, axes, keepdims=1)  # (N, 1)
    total = g.op("ReduceSum", g.op("Mul", support, ordered), axes, keepdims=1)
    tau = g.op("Div", g.op("Sub", total, g.const(1.0)), count)
    return g.op("Relu", g.op("Sub", x, tau))


def _hardmax(g: _Graph, x: str, layer: LayerSpec) -> str:
    """Hardmax in float32; in float64 (no ONNX Runtime kernel) one-hot of the first argmax."""
    if g.f32:
        return g.op("Hardmax", x, axis=-1)
    first = g.op("ArgMax", x, axis=-1, keepdims=1, select_last_index=0)  # (N, 1) int64
    hit = g.op("Equal", first, g.const(np.arange(layer.width), np.int64))  # (N, width)
    return g.op("Cast", hit, to=ONNX_DTYPES[str(g.dtype)])


def _glu(g: _Graph, x: str, layer: LayerSpec) -> str:
    half = layer.width // 2
    first, second = g.op("Split", x, g.const([half, half], np.int64), axis=1, outputs=2)
    return g.op("Mul", first, g.op("Sigmoid", second))


def _maxout(g: _Graph, x: str, layer: LayerSpec, pieces: int) -> str:
    grouped = g.op("Reshape", x, g.const([-1, layer.width // pieces, pieces], np.int64))  # (N, units, pieces)
    if g.opset >= 18:
        return g.op("ReduceMax", grouped, g.const([2], np.int64), keepdims=0)
    return g.op("ReduceMax", grouped, axes=[2], keepdims=0)


def _p(act: Activation, name: str) -> Any:
    return act.params[name]


BUILDERS: dict[str, Builder] = {
    "identity": lambda g, x, a, l: g.op("Identity", x),
    "step": lambda g, x, a, l: _step(g, x),
    "sigmoid": lambda g, x, a, l: g.op("Sigmoid", x),
    "hard_sigmoid": lambda g, x, a, l: _hard_sigmoid(g, x, _p(a, "alpha"), _p(a, "beta")),
    "softplus": lambda g, x, a, l: _softplus(g, x, _p(a, "beta")),
    "log_sigmoid": lambda g, x, a, l: g.op("Neg", g.softplus(g.op("Neg", x))),
    "sparse_sigmoid": lambda g, x, a, l: _hard_sigmoid(g, x, 0.5, 0.5),
    "tanh": lambda g, x, a, l: g.op("Tanh", x),
    "hard_tanh": lambda g, x, a, l: g.clip(x, _p(a, "min_val"), _p(a, "max_val")),
    "tanh_shrink": lambda g, x, a, l: g.op("Sub", x, g.op("Tanh", x)),
    "relu": lambda g, x, a, l: g.op("Relu", x),
    "relu6": lambda g, x, a, l: g.clip(x, 0.0, 6.0),
    "leaky_relu": lambda g, x, a, l: _leaky(g, x, _p(a, "negative_slope")),
    "prelu": lambda g, x, a, l: _leaky(g, x, np.asarray(_p(a, "slope"))),
    "rrelu": lambda g, x, a, l: _leaky(g, x, (_p(a, "lower") + _p(a, "upper")) / 2),
    "elu": lambda g, x, a, l: (g.op("Elu", x, alpha=float(_p(a, "alpha"))) if g.f32
                               else _elu_like(g, x, _p(a, "alpha"))),
    "selu": lambda g, x, a, l: (g.op("Selu", x, alpha=float(_p(a, "alpha")), gamma=float(_p(a, "scale"))) if g.f32
                                else _elu_like(g, x, _p(a, "alpha"), _p(a, "scale"))),
    "celu": lambda g, x, a, l: (g.op("Celu", x, alpha=float(_p(a, "alpha"))) if g.f32 else g.op(
        "Add", g.op("Relu", x),
        g.op("Min", g.const(0.0), g.op("Mul", g.const(_p(a, "alpha")), g.expm1(g.op("Div", x, g.const(_p(a, "alpha")))))))),
    "gelu": lambda g, x, a, l: _gelu(g, x, _p(a, "approximate")),
    "silu": lambda g, x, a, l: g.op("Mul", x, g.op("Sigmoid", x)),
    "hard_silu": lambda g, x, a, l: (g.op("HardSwish", x) if g.f32 else g.op(
        "Mul", x, g.op("Div", g.clip(g.op("Add", x, g.const(3.0)), 0.0, 6.0), g.const(6.0)))),
    "mish": lambda g, x, a, l: (g.op("Mish", x) if g.f32 else g.op("Mul", x, g.op("Tanh", g.softplus(x)))),
    "softsign": lambda g, x, a, l: (g.op("Softsign", x) if g.f32 else g.op(
        "Div", x, g.op("Add", g.const(1.0), g.op("Abs", x)))),
    "squareplus": lambda g, x, a, l: g.op("Mul", g.op("Add", x, g.op("Sqrt", g.op(
        "Add", g.op("Mul", x, x), g.const(_p(a, "b"))))), g.const(0.5)),
    "sparse_plus": lambda g, x, a, l: _sparse_plus(g, x),
    "exponential": lambda g, x, a, l: g.op("Exp", x),
    "threshold": lambda g, x, a, l: _threshold(g, x, _p(a, "threshold"), _p(a, "value")),
    "thresholded_relu": lambda g, x, a, l: (g.op("ThresholdedRelu", x, alpha=float(_p(a, "alpha"))) if g.f32
                                            else g.where_positive(x, g.const(0.0), _p(a, "alpha"))),
    "hard_shrink": lambda g, x, a, l: _shrink(g, x, _p(a, "lambd"), soft=False),
    "soft_shrink": lambda g, x, a, l: _shrink(g, x, _p(a, "lambd"), soft=True),
    "softmax": lambda g, x, a, l: g.op("Softmax", x, axis=-1),
    "log_softmax": lambda g, x, a, l: g.op("LogSoftmax", x, axis=-1),
    "softmin": lambda g, x, a, l: g.op("Softmax", g.op("Neg", x), axis=-1),
    "sparsemax": lambda g, x, a, l: _sparsemax(g, x, l),
    "hardmax": lambda g, x, a, l: _hardmax(g, x, l),
    "glu": lambda g, x, a, l: _glu(g, x, l),
    "maxout": lambda g, x, a, l: _maxout(g, x, l, _p(a, "pieces")),
}

# Native operators newer than MIN_OPSET: (activation, used when) -> (operator, opset).
NATIVE_OPSETS: dict[str, tuple[str, int, bool]] = {
    # name: (operator, its first opset, only in float32 graphs)
    "hard_silu": ("HardSwish", 14, True),
    "mish": ("Mish", 18, True),
    "gelu": ("Gelu", 20, False),
}


def activation_opset(activation: Activation, dtype: str) -> tuple[int, str | None]:
    """The lowest opset that expresses ``activation`` as exported here, and the operator that
    needs it (None when MIN_OPSET is enough)."""
    native = NATIVE_OPSETS.get(activation.name)
    if native is None or (native[2] and dtype != "float32"):
        return MIN_OPSET, None
    return native[1], native[0]


def lowest_opset(spec: NetworkSpec) -> int:
    """The lowest opset covering every layer's activation (at least MIN_OPSET)."""
    return max(activation_opset(layer.activation, spec.dtype)[0] for layer in spec.layers)


def highest_opset() -> int:
    """The newest opset the installed onnx package knows."""
    return int(onnx.defs.onnx_opset_version())


# --- the model --------------------------------------------------------------------------


def export_model(spec: NetworkSpec, opset: int | None = None, all_layers: bool = False) -> onnx.ModelProto:
    """The network as an ONNX model, checked with ``onnx.checker.check_model(full_check=True)``.

    ``opset`` None: the lowest that covers the activations. Raises ExportError for an opset
    below MIN_OPSET or above what onnx knows, or one too low for an activation.
    """
    if opset is None:
        opset = lowest_opset(spec)
    if opset < MIN_OPSET or opset > highest_opset():
        raise ExportError(f"--opset {opset}: nncli writes opsets {MIN_OPSET} to {highest_opset()} "
                          f"(the installed onnx {onnx.__version__} knows up to {highest_opset()})")
    for layer in spec.layers:
        needed, operator = activation_opset(layer.activation, spec.dtype)
        if opset < needed:
            raise ExportError(
                f"layer '{layer.name}': activation {layer.activation.label} needs opset {needed} "
                f"(ONNX's {operator} operator); opset {opset} cannot express it (use --opset {needed} or more)"
            )
    elem = ONNX_DTYPES[spec.dtype]
    g = _Graph(np.dtype(spec.dtype), opset)
    outputs = []
    current = "X"
    if spec.preprocess.divide_by is not None:
        current = g.op("Div", "X", g.const(spec.preprocess.divide_by, hint="divide_by"))
    for k, layer in enumerate(spec.layers, start=1):
        W = g.const(layer.W, hint=f"W{k}")  # (inputs, width)
        b = g.const(layer.b, hint=f"b{k}")  # (width,)
        A = g.op("Gemm", current, W, b, alpha=1.0, beta=1.0, transA=0, transB=0)  # (N, width)
        g.rename(A, f"A{k}")
        Z = BUILDERS[layer.activation.name](g, f"A{k}", layer.activation, layer)  # (N, units)
        last = k == len(spec.layers)
        z_name = "Y" if last and not all_layers else f"Z{k}"
        g.rename(Z, z_name)
        if all_layers:
            outputs += [helper.make_tensor_value_info(f"A{k}", elem, ["N", layer.width]),
                        helper.make_tensor_value_info(f"Z{k}", elem, ["N", layer.units])]
        current = z_name
    if all_layers:
        g.nodes.append(helper.make_node("Identity", [current], ["Y"], name="n_Y"))
    y_info = helper.make_tensor_value_info("Y", elem, ["N", spec.output_size])
    graph = helper.make_graph(
        g.nodes, spec.name, [helper.make_tensor_value_info("X", elem, ["N", spec.input_size])],
        [y_info, *outputs], initializer=g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="nncli", producer_version=__version__,
                              doc_string=spec.description or "")
    model.ir_version = helper.find_min_ir_version_for([helper.make_opsetid("", opset)])
    helper.set_model_props(model, {METADATA_KEY: json.dumps(network_metadata(spec))})
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as err:  # a bug in this module, never a user error
        raise ExportError(f"the exported model failed onnx.checker: {' '.join(str(err).split())[:300]}") from None
    return model


def network_metadata(spec: NetworkSpec) -> dict[str, Any]:
    """What ONNX has no field for: names, activations with parameters, classes."""
    return {
        "name": spec.name,
        "classes": list(spec.classes) if spec.classes else None,
        "layers": [{"name": layer.name, "activation": {"name": layer.activation.name, **_plain(layer.activation.params)}}
                   for layer in spec.layers],
    }


def _plain(params: Any) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}


def model_bytes(model: onnx.ModelProto) -> bytes:
    """The serialized model (what ``-o model.onnx`` holds)."""
    return model.SerializeToString()

"""ONNX model -> nncli layers: a chain of Gemm (or MatMul + Add) layers, each followed by an activation.

What is read, from the data input ``X`` forward:

- optionally a Flatten or Reshape of the input, and a ``Div`` by a constant (``preprocess: divide_by``);
- each layer: ``Gemm(Z, W, C)`` with any alpha, beta and transB (``W = alpha·op(W)``,
  ``b = beta·C``; transA = 1 after a ``Transpose`` of Z), or ``MatMul(Z, W)`` then ``Add(·, b)``;
- between two layers (and after the last), the activation: every node from A to the next
  layer's input. Its nodes are run with ``onnx.reference`` on probe rows and compared with
  nncli's activations: first the one ``nncli export`` recorded in the metadata, then the one
  a single native operator names (HardSigmoid, LeakyRelu, Gelu, ...), then every activation
  with parameters taken from the nodes' constants. So the decomposed patterns exporters
  write (GELU as Div/Erf/Add/Mul or its tanh form, SiLU as x·Sigmoid(x), softplus with beta
  as Mul/Softplus/Div/Where) are recognised by what they compute, whatever the order of
  their operands. The match is within 1e-5·(1 + |h|) in float32, 1e-6·(1 + |h|) in float64 (onnx.reference's
  float64 Gelu is itself only that close).

Anything else (a convolution, a branch, an operator outside an activation, a subgraph that
computes no nncli activation) is an ImportModelError naming the node and its operator.
Initializers listed among the graph inputs (``keep_initializers_as_inputs``) are constants.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from nncli import activations as A
from nncli.errors import ActivationError, NncliError
from nncli.interop.netfile import ImportedLayer, ImportedNetwork
from nncli.interop.onnx_export import METADATA_KEY

LINEAR = ("Gemm", "MatMul")
PASS_THROUGH = ("Identity", "Dropout")
DTYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.DOUBLE: "float64",
          onnx.TensorProto.FLOAT16: "float32", onnx.TensorProto.BFLOAT16: "float32"}
# Operators an activation's nodes may use (elementwise maths, row-wise functions, the
# reshaping glu and maxout need); anything else is not part of an MLP.
ACTIVATION_OPS = frozenset("""
    Abs Add And Cast Celu Clip Constant CumSum Div Elu Equal Erf Exp Gelu Greater GreaterOrEqual
    HardSigmoid HardSwish Hardmax IsInf IsNaN LeakyRelu Less LessOrEqual Log LogSoftmax Max Min Mish Mul
    Neg Not Or PRelu Pow Reciprocal ReduceMax ReduceSum Relu Reshape Selu Shrink Sigmoid Sign Softmax
    Softplus Softsign Split Sqrt Sub Tanh ThresholdedRelu TopK Where ArgMax Slice Squeeze Unsqueeze
""".split())
SINGLE_NODE = {  # native operator -> (activation, {parameter: attribute})
    "Relu": ("relu", {}), "Sigmoid": ("sigmoid", {}), "Tanh": ("tanh", {}), "Softsign": ("softsign", {}),
    "Softplus": ("softplus", {}), "Exp": ("exponential", {}), "HardSwish": ("hard_silu", {}), "Mish": ("mish", {}),
    "Softmax": ("softmax", {}), "LogSoftmax": ("log_softmax", {}), "Hardmax": ("hardmax", {}),
    "HardSigmoid": ("hard_sigmoid", {"alpha": ("alpha", 0.2), "beta": ("beta", 0.5)}),
    "LeakyRelu": ("leaky_relu", {"negative_slope": ("alpha", 0.01)}),
    "Elu": ("elu", {"alpha": ("alpha", 1.0)}), "Celu": ("celu", {"alpha": ("alpha", 1.0)}),
    "Selu": ("selu", {"alpha": ("alpha", 1.67326319217681884765625), "scale": ("gamma", 1.05070102214813232421875)}),
    "ThresholdedRelu": ("thresholded_relu", {"alpha": ("alpha", 1.0)}),
    "Gelu": ("gelu", {"approximate": ("approximate", "none")}),
}


class ImportModelError(NncliError):
    """The ONNX file is not a model nncli can read as layers."""


@dataclass
class _Graph:
    """The model's graph with constants resolved and pass-through nodes removed."""

    path: str
    model: onnx.ModelProto
    nodes: list[onnx.NodeProto]
    consts: dict[str, np.ndarray]
    alias: dict[str, str]

    def real(self, name: str) -> str:
        while name in self.alias:
            name = self.alias[name]
        return name

    def inputs(self, node: onnx.NodeProto) -> list[str]:
        return [self.real(name) for name in node.input]

    def users(self, tensor: str) -> list[onnx.NodeProto]:
        return [n for n in self.nodes if tensor in self.inputs(n)]

    def const(self, name: str, node: onnx.NodeProto, what: str) -> np.ndarray:
        name = self.real(name)
        if name not in self.consts:
            raise ImportModelError(f"{self.path}: node {_node(node)}: its {what} '{name}' is not a constant")
        return self.consts[name]


def read_onnx(path: str | Path) -> ImportedNetwork:
    """The layers of an ONNX MLP (see the module doc); raises ImportModelError otherwise."""
    shown = str(path)
    model = _load(path)
    graph = _prepare(model, shown)
    data_inputs = [i for i in model.graph.input if i.name not in graph.consts]
    if len(data_inputs) != 1:
        names = ", ".join(i.name for i in data_inputs) or "none"
        raise ImportModelError(f"{shown}: an MLP has one data input; this model has {len(data_inputs)} ({names})")
    x_info = data_inputs[0]
    elem = x_info.type.tensor_type.elem_type
    if elem not in DTYPES:
        raise ImportModelError(f"{shown}: input '{x_info.name}' is {onnx.TensorProto.DataType.Name(elem)}; "
                               f"nncli reads float and double models")
    dtype = DTYPES[elem]
    main_output = graph.real(model.graph.output[0].name)
    meta = _metadata(model)
    hints = [layer.get("activation") for layer in meta.get("layers", [])] if meta else []

    current, divide_by = graph.real(x_info.name), None
    layers: list[ImportedLayer] = []
    while True:
        users = graph.users(current)
        if not users:
            break
        if len(users) > 1:
            ops = ", ".join(_node(n) for n in users)
            raise ImportModelError(f"{shown}: tensor '{current}' feeds {len(users)} nodes ({ops}): an MLP has no branches")
        node = users[0]
        if not layers and node.op_type in ("Flatten", "Reshape"):
            current = graph.real(node.output[0])
            continue
        if not layers and divide_by is None and node.op_type == "Div" and graph.inputs(node)[0] == current:
            divide_by = float(_scalar(graph.const(node.input[1], node, "divisor"), node, shown))
            current = graph.real(node.output[0])
            continue
        transposed = node.op_type == "Transpose" and list(_attrs(node).get("perm", [1, 0])) == [1, 0]
        if transposed:  # read back by the Gemm's transA = 1
            following = graph.users(graph.real(node.output[0]))
            if len(following) != 1:
                raise ImportModelError(f"{shown}: node {_node(node)} transposes the data for no single layer")
            current, node = graph.real(node.output[0]), following[0]
        if node.op_type not in LINEAR:
            raise ImportModelError(f"{shown}: node {_node(node)} is not a layer nncli can read "
                                   f"(layers are Gemm or MatMul + Add, each followed by an activation)")
        W, b, a_name = _linear(graph, node, current, transposed, dtype)
        k = len(layers) + 1
        z_name, segment = _activation_nodes(graph, a_name, main_output)
        hint = hints[k - 1] if k - 1 < len(hints) else None
        activation = _recognise(graph, segment, a_name, z_name, W.shape[1], dtype, hint, k)
        layers.append(ImportedLayer(f"layer{k}", activation, W, b))
        current = z_name
    if not layers:
        raise ImportModelError(f"{shown}: no Gemm or MatMul layer follows the input '{x_info.name}'")
    if current != main_output:
        raise ImportModelError(f"{shown}: the chain of layers ends at '{current}', not at the output "
                               f"'{model.graph.output[0].name}'")
    names, classes = _names_from(meta, layers)
    layers = [ImportedLayer(name, layer.activation, layer.W, layer.b) for name, layer in zip(names, layers)]
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    return ImportedNetwork(
        layers=tuple(layers), dtype=dtype, source=f"{Path(shown).name} (ONNX, opset {opset})",
        name=(meta or {}).get("name") or None, description=model.doc_string or None,
        divide_by=divide_by, classes=classes,
    )


# --- reading the graph -----------------------------------------------------------------


def _load(path: str | Path) -> onnx.ModelProto:
    file = Path(path)
    if not file.is_file():
        raise ImportModelError(f"{path}: {'is a directory' if file.is_dir() else 'file not found'}")
    try:
        model = onnx.load(str(file), load_external_data=False)
    except Exception as err:  # noqa: BLE001 - protobuf raises several kinds on a damaged file
        raise ImportModelError(f"{path}: not an ONNX model ({' '.join(str(err).split())[:200]})") from None
    if not model.graph.node:
        raise ImportModelError(f"{path}: not an ONNX model (no graph nodes)")
    for opset in model.opset_import:
        if opset.domain not in ("", "ai.onnx"):
            used = [n for n in model.graph.node if n.domain == opset.domain]
            if used:
                raise ImportModelError(f"{path}: node {_node(used[0])} is from the '{opset.domain}' operator set; "
                                       f"nncli reads standard ONNX operators only")
    return model


def _prepare(model: onnx.ModelProto, path: str) -> _Graph:
    consts = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    alias: dict[str, str] = {}
    nodes = []
    for node in model.graph.node:
        if node.op_type == "Constant":
            consts[node.output[0]] = _constant_value(node, path)
        elif node.op_type in PASS_THROUGH:
            alias[node.output[0]] = node.input[0]
        elif node.op_type == "Transpose" and node.input[0] in consts:  # a weight stored (out, in)
            perm = helper.get_attribute_value(node.attribute[0]) if node.attribute else None
            consts[node.output[0]] = np.transpose(consts[node.input[0]], perm)
        elif node.op_type in ("If", "Loop", "Scan"):
            raise ImportModelError(f"{path}: node {_node(node)} has a subgraph: an MLP has none")
        else:
            nodes.append(node)
    return _Graph(path, model, nodes, consts, alias)


def _constant_value(node: onnx.NodeProto, path: str) -> np.ndarray:
    for attr in node.attribute:
        value = helper.get_attribute_value(attr)
        if attr.name == "value":
            return numpy_helper.to_array(value)
        if attr.name in ("value_float", "value_floats", "value_int", "value_ints"):
            return np.asarray(value)
    raise ImportModelError(f"{path}: node {_node(node)} holds no numeric constant")


def _linear(graph: _Graph, node: onnx.NodeProto, current: str, transposed: bool,
            dtype: str) -> tuple[np.ndarray, np.ndarray, str]:
    """W (inputs, width), b (width,) and the name of A for a Gemm, or a MatMul and its Add."""
    inputs = graph.inputs(node)
    if inputs[0] != current:
        raise ImportModelError(f"{graph.path}: node {_node(node)} takes the weights first and the data second; "
                               f"nncli reads rows of samples times weights (X·W)")
    if node.op_type == "Gemm":
        attrs = _attrs(node)
        if bool(attrs.get("transA", 0)) != transposed:
            raise ImportModelError(f"{graph.path}: node {_node(node)} has transA={attrs.get('transA', 0)}: its input "
                                   f"is read transposed (samples as columns), which a layer of rows cannot express")
        W = np.asarray(graph.const(node.input[1], node, "weight"), dtype=np.float64)
        if W.ndim != 2:
            raise ImportModelError(f"{graph.path}: node {_node(node)}: weight has shape {W.shape}, not 2-D")
        W = (W.T if attrs.get("transB", 0) else W) * float(attrs.get("alpha", 1.0))
        width = W.shape[1]
        b = np.zeros(width)
        if len(node.input) > 2 and node.input[2]:
            b = _bias(graph.const(node.input[2], node, "bias C"), width, node, graph.path) * float(attrs.get("beta", 1.0))
        return W.astype(dtype), b.astype(dtype), graph.real(node.output[0])
    W = graph.const(node.input[1], node, "weight")
    if W.ndim != 2:
        raise ImportModelError(f"{graph.path}: node {_node(node)}: weight has shape {W.shape}, not 2-D")
    out = graph.real(node.output[0])
    users = graph.users(out)
    b = np.zeros(W.shape[1])
    if len(users) == 1 and users[0].op_type == "Add":
        add = users[0]
        other = [name for name in graph.inputs(add) if name != out]
        if len(other) == 1 and other[0] in graph.consts:
            b = _bias(graph.consts[other[0]], W.shape[1], add, graph.path)
            out = graph.real(add.output[0])
    return W.astype(dtype), b.astype(dtype), out


def _bias(value: np.ndarray, width: int, node: onnx.NodeProto, path: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size == 1:
        return np.full(width, float(arr.reshape(-1)[0]))
    if arr.size == width and (arr.ndim == 1 or arr.shape[:-1] == (1,) * (arr.ndim - 1)):
        return arr.reshape(width)
    raise ImportModelError(f"{path}: node {_node(node)}: bias of shape {arr.shape} does not fit {width} units")


def _activation_nodes(graph: _Graph, a_name: str, main_output: str) -> tuple[str, list[onnx.NodeProto]]:
    """Z (the next layer's input or the output) and the nodes computing it from A, in graph order."""
    inside: set[str] = {a_name}
    segment: list[onnx.NodeProto] = []
    z_name: str | None = a_name if any(n.op_type in LINEAR for n in graph.users(a_name)) else None
    for node in graph.nodes:  # graph order is topological
        ins = graph.inputs(node)
        if node.op_type in LINEAR or not any(name in inside for name in ins):
            continue
        if node.op_type not in ACTIVATION_OPS:
            raise ImportModelError(f"{graph.path}: node {_node(node)} is not part of an MLP "
                                   f"(nncli reads Gemm/MatMul layers and activations)")
        for name in ins:
            if name and name not in inside and name not in graph.consts:
                raise ImportModelError(f"{graph.path}: node {_node(node)} also reads '{name}', "
                                       f"which is not computed from the layer's A: an MLP has no branches")
        segment.append(node)
        inside.update(graph.real(o) for o in node.output)
        for o in node.output:
            if any(n.op_type in LINEAR for n in graph.users(graph.real(o))):
                z_name = graph.real(o)
    if z_name is None:
        z_name = main_output if main_output in inside else (graph.real(segment[-1].output[0]) if segment else a_name)
    return z_name, segment


# --- recognising the activation ---------------------------------------------------------


def _probe(width: int, dtype: str) -> np.ndarray:
    """Probe rows (rows, width): a fine grid on [-12, 12], the kinks and a few large values."""
    special = [0.0, 1e-6, 1e-3, 0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 20.0, 30.0, 40.0]
    values = np.concatenate([np.linspace(-12, 12, 2401), special, [-v for v in special]])
    rows = -(-values.size // width)
    grid = np.resize(values, rows * width)
    return grid.reshape(rows, width).astype(dtype)


def _run_segment(graph: _Graph, nodes: list[onnx.NodeProto], a_name: str, z_name: str,
                 probe: np.ndarray) -> np.ndarray:
    elem = onnx.TensorProto.FLOAT if probe.dtype == np.float32 else onnx.TensorProto.DOUBLE
    used = {graph.real(i) for n in nodes for i in n.input if graph.real(i) in graph.consts}
    inits = [numpy_helper.from_array(np.asarray(graph.consts[name]), name) for name in sorted(used)]
    renamed = []
    for node in nodes:  # read through the removed Identity/Dropout nodes
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        copy.input[:] = [graph.real(i) if i else i for i in node.input]
        copy.output[:] = [graph.real(o) if o else o for o in node.output]
        renamed.append(copy)
    sub = helper.make_graph(renamed, "activation", [helper.make_tensor_value_info(a_name, elem, list(probe.shape))],
                            [helper.make_tensor_value_info(z_name, elem, None)], initializer=inits)
    model = helper.make_model(sub, opset_imports=list(graph.model.opset_import))
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # inf/nan follow IEEE rules here
        warnings.simplefilter("ignore")
        return np.asarray(ReferenceEvaluator(model).run(None, {a_name: probe})[0])


def _recognise(graph: _Graph, nodes: list[onnx.NodeProto], a_name: str, z_name: str, width: int,
               dtype: str, hint: Any, k: int) -> A.Activation:
    if not nodes:
        return A.get("identity")
    probe = _probe(width, dtype)
    try:
        expected = _run_segment(graph, nodes, a_name, z_name, probe)
    except Exception as err:  # noqa: BLE001 - the reference evaluator's errors vary by operator
        raise ImportModelError(f"{graph.path}: layer {k}: cannot evaluate the nodes after A ({_ops(nodes)}): "
                               f"{' '.join(str(err).split())[:200]}") from None
    tolerance = 1e-5 if dtype == "float32" else 1e-6
    for products in (False, True):  # then with products of two constants (beta = alpha·(beta/alpha))
        for candidate in _candidates(graph, nodes, width, dtype, None if products else hint, products):
            if _agrees(candidate, probe, expected, tolerance):
                return candidate
    raise ImportModelError(f"{graph.path}: layer {k}: the nodes after A ({_ops(nodes)}) compute no nncli activation")


def _agrees(activation: A.Activation, probe: np.ndarray, expected: np.ndarray, tolerance: float) -> bool:
    try:
        with np.errstate(all="ignore"):
            got = activation(probe)
    except (ActivationError, ValueError):
        return False
    if got.shape != expected.shape:
        return False
    got, want = got.astype(np.float64), expected.astype(np.float64)
    finite = np.isfinite(want)
    if not np.array_equal(np.isfinite(got), finite) or not np.array_equal(got[~finite], want[~finite], equal_nan=True):
        return False
    return bool(np.all(np.abs(got[finite] - want[finite]) <= tolerance * (1 + np.abs(want[finite]))))


def _candidates(graph: _Graph, nodes: list[onnx.NodeProto], width: int, dtype: str, hint: Any,
                products: bool = False) -> Iterator[A.Activation]:
    """The recorded activation, the one a single native operator names, then every activation
    with parameters from the nodes' constants (and, with ``products``, products of two)."""
    if isinstance(hint, dict) and "name" in hint:
        try:
            params = {key: tuple(v) if isinstance(v, list) else v for key, v in hint.items() if key != "name"}
            yield A.get(hint["name"], **params)
        except ActivationError:
            pass
    if len(nodes) == 1:
        single = _single_node(graph, nodes[0], dtype)
        if single is not None:
            yield single
    scalars, vectors, ints = _constants(graph, nodes, width, products)
    for name in A.names():
        spec = A.REGISTRY[name]
        if name == "rrelu":
            continue  # the same function as leaky_relu with slope (lower + upper)/2
        choices = []
        for p in spec.params:
            if p.kind == "str":
                choices.append(list(p.choices or (p.default,)))
            elif p.kind == "int":
                choices.append(sorted({p.default, *ints}))
            elif p.kind == "float_or_vector":
                choices.append([p.default, *scalars, *vectors])
            else:
                choices.append([p.default, *scalars])
        for values in product(*choices):
            try:
                yield A.get(name, **{p.name: v for p, v in zip(spec.params, values)})
            except ActivationError:
                continue


def _single_node(graph: _Graph, node: onnx.NodeProto, dtype: str) -> A.Activation | None:
    attrs = _attrs(node)
    try:
        if node.op_type in SINGLE_NODE:
            name, mapping = SINGLE_NODE[node.op_type]
            spec = A.REGISTRY[name]
            params = {param: _attr_value(attrs.get(attr, default), dtype, spec.param(param).default)
                      for param, (attr, default) in mapping.items()}
            return A.get(name, **params)
        if node.op_type == "Shrink":
            lambd, bias = (_attr_value(attrs.get(key, d), dtype, 0.5) for key, d in (("lambd", 0.5), ("bias", 0.0)))
            return A.get("soft_shrink" if bias == lambd and bias else "hard_shrink", lambd=lambd)
        if node.op_type == "PRelu":
            slope = np.asarray(graph.const(node.input[1], node, "slope"), dtype=np.float64).reshape(-1)
            return A.get("prelu", slope=float(slope[0]) if slope.size == 1 else tuple(slope.tolist()))
        if node.op_type == "Clip" and len(node.input) == 3:
            low, high = (float(np.asarray(graph.const(n, node, "bound")).reshape(-1)[0]) for n in node.input[1:3])
            return A.get("relu6") if (low, high) == (0.0, 6.0) else A.get("hard_tanh", min_val=low, max_val=high)
    except (ActivationError, ImportModelError):
        return None
    return None


def _attr_value(value: Any, dtype: str, default: Any) -> Any:
    """An attribute as a parameter. In a float32 model a float32 attribute becomes nncli's
    default when that rounds to it (1/6 for HardSigmoid's alpha), else the shortest decimal
    that rounds to it (0.1, not 0.10000000149011612): either gives the same float32."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, float) and dtype == "float32":
        if isinstance(default, float) and np.float32(default) == np.float32(value):
            return default
        return float(np.format_float_positional(np.float32(value), unique=True, trim="-"))
    return value


def _constants(graph: _Graph, nodes: list[onnx.NodeProto], width: int,
               products: bool = False) -> tuple[list[float], list[tuple[float, ...]], list[int]]:
    """Candidate parameter values: each scalar constant c, -c and 1/c (and c·d of two, with
    ``products``); vectors of ``width``; positive ints."""
    scalars: list[float] = []
    vectors: list[tuple[float, ...]] = []
    ints: list[int] = []
    raw: list[float] = []
    values = [graph.consts[graph.real(i)] for n in nodes for i in n.input if graph.real(i) in graph.consts]
    values += [np.asarray(v) for n in nodes for v in _attrs(n).values() if isinstance(v, (float, int))]
    for value in values:
        arr = np.asarray(value)
        if arr.dtype.kind in "iu":
            ints += [int(v) for v in arr.reshape(-1) if 0 < v <= width]
        elif arr.dtype.kind == "f" and arr.size == 1:
            c = float(arr.reshape(-1)[0])
            scalars += [c, -c] + ([1 / c] if c else [])
            raw.append(c)
        elif arr.dtype.kind == "f" and arr.size == width:
            vectors.append(tuple(float(v) for v in arr.reshape(-1)))
    if products:
        scalars += [c * d for i, c in enumerate(raw) for d in raw[i + 1 :]]
    return list(dict.fromkeys(scalars)), vectors, sorted(set(ints))


# --- small helpers ----------------------------------------------------------------------


def _metadata(model: onnx.ModelProto) -> dict[str, Any] | None:
    for prop in model.metadata_props:
        if prop.key == METADATA_KEY:
            try:
                value = json.loads(prop.value)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _names_from(meta: dict[str, Any] | None, layers: list[ImportedLayer]) -> tuple[list[str], tuple[str, ...] | None]:
    names = [layer.name for layer in layers]
    classes = None
    if meta:
        recorded = [layer.get("name") for layer in meta.get("layers", []) if isinstance(layer, dict)]
        if len(recorded) == len(layers) and all(isinstance(n, str) and n for n in recorded) \
                and len(set(recorded)) == len(recorded):
            names = recorded
        listed = meta.get("classes")
        units = layers[-1].activation.units_out(layers[-1].W.shape[1])
        if isinstance(listed, list) and len(listed) == units and all(isinstance(c, str) for c in listed):
            classes = tuple(listed)
    return names, classes


def _scalar(value: np.ndarray, node: onnx.NodeProto, path: str) -> float:
    arr = np.asarray(value)
    if arr.size != 1:
        raise ImportModelError(f"{path}: node {_node(node)} divides the input by an array of shape {arr.shape}; "
                               f"preprocess divides by one number")
    return float(arr.reshape(-1)[0])


def _attrs(node: onnx.NodeProto) -> dict[str, Any]:
    return {attr.name: helper.get_attribute_value(attr) for attr in node.attribute}


def _node(node: onnx.NodeProto) -> str:
    return f"'{node.name or node.output[0]}' ({node.op_type})"


def _ops(nodes: list[onnx.NodeProto]) -> str:
    shown = ", ".join(_node(n) for n in nodes[:6])
    return shown + (f", ... {len(nodes)} nodes" if len(nodes) > 6 else "")

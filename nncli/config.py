"""The network config: YAML text -> a validated, immutable NetworkSpec (every check lives here).

The format (see README.md for a full example)::

    name: three_layer            # optional, defaults to the file's stem
    description: ...             # optional
    input_size: 2                # optional, inferred from the first layer's W
    dtype: float64               # float64 (default) or float32
    classes: [a, b]              # optional names of the output units
    weights_file: net.npz        # optional; then `weights: W1` is a key into it
    preprocess: {divide_by: 255} # optional, applied to every input
    allow_nonfinite: false       # NaN/Inf in weights are an error unless true
    input_shape: [28, 28]        # optional: the input row is a height x width image
    layers:
      - name: hidden1            # default layer1, layer2, ...
        activation: sigmoid      # or {name: leaky_relu, negative_slope: 0.1}
        weights: [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]   # W, shape (inputs, units)
        bias: [0.1, 0.2, 0.3]                          # b, shape (units,)
        units: 3                 # optional, checked
    inputs:                      # optional named samples
      x: [1.0, 0.5]

Weights and biases can also be ``{file: w1.npy}`` or ``{file: net.npz, key: W1}``, with paths
relative to the config file (to the current directory for a config read from stdin, ``-``).
Every error is a ConfigError whose message starts with the
``path:line:column`` of the YAML node at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nncli import activations
from nncli.errors import ActivationError, ConfigError, Mark, did_you_mean, plural
from nncli.weights import ArrayReader, WeightsArchive, inline_matrix, to_dtype
from nncli.weights import describe as _describe
from nncli.weights import mapping as _mapping
from nncli.yamlstrict import STDIN, YNode, is_stdin, load

TOP_KEYS = (
    "name", "description", "input_size", "dtype", "classes", "layers", "inputs",
    "weights_file", "preprocess", "allow_nonfinite", "input_shape",
)
LAYER_KEYS = ("name", "activation", "weights", "bias", "units", "description")
PREPROCESS_KEYS = ("divide_by",)
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class LayerSpec:
    """One layer: ``A = X·W + b``, ``Z = h(A)``.

    W has shape (inputs, width) and b shape (width,), where width is A's number of
    columns; the layer outputs ``activation.units_out(width)`` values (the same as width
    except for grouping activations such as maxout and glu).
    """

    name: str
    activation: activations.Activation
    W: np.ndarray = field(repr=False)
    b: np.ndarray = field(repr=False)
    mark: Mark
    description: str | None = None

    @property
    def inputs(self) -> int:
        return int(self.W.shape[0])

    @property
    def width(self) -> int:
        """Columns of A (and of W)."""
        return int(self.W.shape[1])

    @property
    def units(self) -> int:
        """Values this layer outputs (columns of Z)."""
        return self.activation.units_out(self.width)

    @property
    def parameter_count(self) -> int:
        return int(self.W.size + self.b.size) + _activation_parameter_count(self.activation)


@dataclass(frozen=True)
class Preprocess:
    """What every input row goes through before the first layer: ``X / divide_by``."""

    divide_by: float | None = None


@dataclass(frozen=True)
class NetworkSpec:
    """A parsed, validated network config; arrays are in ``dtype``."""

    name: str
    path: str
    layers: tuple[LayerSpec, ...]
    input_size: int
    dtype: str = "float64"
    description: str | None = None
    classes: tuple[str, ...] | None = None
    inputs: tuple[tuple[str, np.ndarray], ...] = ()  # (name, (rows, input_size)) pairs
    preprocess: Preprocess = Preprocess()
    allow_nonfinite: bool = False
    input_shape: tuple[int, int] | None = None  # (height, width) of an image input, pixels row by row

    @property
    def output_size(self) -> int:
        return self.layers[-1].units

    @property
    def parameter_count(self) -> int:
        return sum(layer.parameter_count for layer in self.layers)


def load_spec(path: str | Path, dtype: str | None = None) -> NetworkSpec:
    """Read, parse and validate a network config file.

    ``dtype`` ("float32" or "float64") overrides the config's own ``dtype``.
    Raises ConfigError (message ``path:line:column: ...``) on any problem.
    """
    root = load(path)
    if is_stdin(path):  # "-": standard input; weight files resolve against the current directory
        return parse_spec(root, Path(STDIN), dtype)
    return parse_spec(root, Path(path), dtype)


def parse_spec(root: YNode, path: Path, dtype_override: str | None = None) -> NetworkSpec:
    """Validate a strict-YAML tree into a NetworkSpec; files are resolved beside ``path``."""
    top = _mapping(root, "the config", TOP_KEYS)

    name = _string(top["name"], "name") if "name" in top else ("stdin" if path.name == STDIN else path.stem)
    description = _string(top["description"], "description") if "description" in top else None
    dtype = _choice(top["dtype"], "dtype", DTYPES) if "dtype" in top else "float64"
    if dtype_override is not None:
        dtype = dtype_override
    allow_nonfinite = _bool(top["allow_nonfinite"], "allow_nonfinite") if "allow_nonfinite" in top else False

    archive = WeightsArchive(top["weights_file"], path.parent) if "weights_file" in top else None
    reader = ArrayReader(path.parent, archive, dtype, allow_nonfinite)
    try:
        layers, input_size = _parse_layers(top, root, reader)
    finally:
        reader.close()
    output_size = layers[-1].units

    classes = None
    if "classes" in top:
        classes = _classes(top["classes"], output_size)

    inputs: tuple[tuple[str, np.ndarray], ...] = ()
    if "inputs" in top:
        inputs = _inputs(top["inputs"], input_size, dtype)

    preprocess = Preprocess()
    if "preprocess" in top:
        pre = _mapping(top["preprocess"], "preprocess", PREPROCESS_KEYS)
        divide_by = None
        if "divide_by" in pre:
            divide_by = _number(pre["divide_by"], "divide_by")
            problem = divide_by_problem(divide_by, dtype)
            if problem:
                raise ConfigError(problem, pre["divide_by"].mark)
        preprocess = Preprocess(divide_by=divide_by)

    input_shape = _input_shape(top["input_shape"], input_size) if "input_shape" in top else None
    return NetworkSpec(
        name=name, path=str(path), layers=tuple(layers), input_size=input_size, dtype=dtype,
        description=description, classes=classes, inputs=inputs, preprocess=preprocess,
        allow_nonfinite=allow_nonfinite, input_shape=input_shape,
    )


def divide_by_problem(divide_by: float, dtype: str | np.dtype) -> str | None:
    """Why ``divide_by`` cannot scale inputs in ``dtype`` (None when it can): it must be a
    finite, non-zero number whose magnitude is a normal number of the dtype, so that neither
    it nor 1/divide_by overflows (float32: between 1.2e-38 and 3.4e38)."""
    info = np.finfo(np.dtype(dtype))
    if divide_by == 0 or not np.isfinite(divide_by):
        return f"divide_by must be a finite, non-zero number, not {divide_by:g}"
    if not float(info.tiny) <= abs(divide_by) <= float(info.max) / 2:
        return (f"divide_by {divide_by:g} is out of range for {np.dtype(dtype)} "
                f"(its magnitude must be between {float(info.tiny):.2g} and {float(info.max) / 2:.2g})")
    return None


# --- layers ---------------------------------------------------------------------------


def _parse_layers(top: dict[str, YNode], root: YNode, reader: "ArrayReader") -> tuple[list[LayerSpec], int]:
    """Every layer, checked against the one before it; returns the layers and the input size."""
    if "layers" not in top:
        raise ConfigError("missing 'layers': a list of layers is required", root.mark)
    layers_node = top["layers"]
    if not layers_node.is_sequence:
        raise ConfigError("'layers' must be a list of layers", layers_node.mark)
    if not layers_node.value:
        raise ConfigError("'layers' is empty: a network needs at least one layer", layers_node.mark)

    layers: list[LayerSpec] = []
    seen_names: dict[str, Mark] = {}
    previous_units: int | None = None
    previous_name = ""
    input_size: int | None = None
    if "input_size" in top:
        input_size = _positive_int(top["input_size"], "input_size")
        previous_units = input_size

    for index, layer_node in enumerate(layers_node.value, start=1):
        layer = _parse_layer(layer_node, index, reader)
        if layer.name in seen_names:
            first = seen_names[layer.name]
            raise ConfigError(
                f"layer name '{layer.name}' is used twice (first at line {first.line})",
                _key_value_mark(layer_node, "name"),
            )
        seen_names[layer.name] = layer.mark
        if previous_units is not None and layer.inputs != previous_units:
            expected = (
                f"input_size is {previous_units}" if index == 1
                else f"the previous layer '{previous_name}' outputs {plural(previous_units, 'value')}"
            )
            raise ConfigError(
                f"layer '{layer.name}': W has {plural(layer.inputs, 'row')} but {expected}",
                _key_value_mark(layer_node, "weights"),
            )
        if index == 1:
            input_size = layer.inputs
        previous_units = layer.units
        previous_name = layer.name
        layers.append(layer)

    assert input_size is not None
    return layers, input_size


def _parse_layer(node: YNode, index: int, reader: "ArrayReader") -> LayerSpec:
    fields = _mapping(node, f"layer {index}", LAYER_KEYS)
    name = _string(fields["name"], "name") if "name" in fields else f"layer{index}"
    description = _string(fields["description"], "description") if "description" in fields else None
    label = f"layer '{name}'"

    if "activation" not in fields:
        raise ConfigError(
            f"{label}: missing 'activation' (e.g. activation: sigmoid; identity for none)", node.mark
        )
    activation = parse_activation(fields["activation"], label)

    for key in ("weights", "bias"):
        if key not in fields:
            raise ConfigError(f"{label}: missing '{key}'", node.mark)
    W = reader.read(fields["weights"], f"{label} weights W", ndim=2)
    b = reader.read(fields["bias"], f"{label} bias b", ndim=1)
    if b.shape[0] != W.shape[1]:
        raise ConfigError(
            f"{label}: b has {b.shape[0]} values but W has {W.shape[1]} columns (shape {W.shape})",
            fields["bias"].mark,
        )
    try:
        units = activation.units_out(W.shape[1])
    except ActivationError as err:
        raise ConfigError(f"{label}: {err.message}", fields["weights"].mark) from None
    if "units" in fields:
        declared = _positive_int(fields["units"], "units")
        if declared != units:
            raise ConfigError(
                f"{label}: units is {declared} but W has shape {W.shape}, giving {units} units",
                fields["units"].mark,
            )
    return LayerSpec(name=name, activation=activation, W=W, b=b, mark=node.mark, description=description)


def parse_activation(node: YNode, label: str) -> activations.Activation:
    """An ``activation:`` value: a name, or a mapping ``{name: ..., <param>: value}``."""
    if isinstance(node.value, str):
        try:
            return activations.get(node.value)
        except ActivationError as err:
            raise ConfigError(f"{label}: {err.message}", node.mark) from None
    if node.is_mapping:
        if "name" not in node.value:
            raise ConfigError(f"{label}: an activation mapping needs 'name' (e.g. {{name: elu, alpha: 1.0}})", node.mark)
        name_node = node.value["name"]
        if not isinstance(name_node.value, str):
            raise ConfigError(f"{label}: activation name must be a string", name_node.mark)
        params = {key: value.plain() for key, value in node.value.items() if key != "name"}
        try:
            return activations.get(name_node.value, **params)
        except ActivationError as err:
            raise ConfigError(f"{label}: {err.message}", _activation_mark(node, err.param)) from None
    raise ConfigError(f"{label}: activation must be a name or a mapping with 'name'", node.mark)


def _activation_mark(node: YNode, param: str | None) -> Mark:
    """Where an activation mapping's error points: at the name when the name is at fault, at an
    unknown parameter's key, at a known parameter's value; else at the whole mapping."""
    name_node = node.value["name"]
    if param is None:
        return name_node.mark
    if param not in node.value:
        return node.mark
    known = {p.name for p in activations.lookup(name_node.value).params}
    return node.value[param].mark if param in known else node.key_marks[param]


def _activation_parameter_count(activation: activations.Activation) -> int:
    """Learned values an activation carries (per-unit slopes such as prelu's); 0 for most."""
    return sum(len(value) for value in activation.params.values() if isinstance(value, tuple))


# --- small typed readers --------------------------------------------------------------


def _key_value_mark(node: YNode, key: str) -> Mark:
    if node.is_mapping and key in node.value:
        return node.value[key].mark
    return node.mark


def _string(node: YNode, what: str) -> str:
    if isinstance(node.value, (str, int, float)) and not isinstance(node.value, bool):
        text = str(node.value)
        if text.strip():
            return text
    raise ConfigError(f"'{what}' must be a non-empty string", node.mark)


def _choice(node: YNode, what: str, choices: tuple[str, ...]) -> str:
    text = str(node.value)
    if text not in choices:
        raise ConfigError(
            f"{what} must be one of {', '.join(choices)}, not '{text}'{did_you_mean(text, choices)}", node.mark
        )
    return text


def _bool(node: YNode, what: str) -> bool:
    if not isinstance(node.value, bool):
        raise ConfigError(f"'{what}' must be true or false", node.mark)
    return node.value


def _number(node: YNode, what: str) -> float:
    if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
        raise ConfigError(f"'{what}' must be a number, not {_describe(node.value)}", node.mark)
    return float(node.value)


def _positive_int(node: YNode, what: str) -> int:
    if isinstance(node.value, bool) or not isinstance(node.value, int) or node.value < 1:
        raise ConfigError(f"'{what}' must be a positive whole number, not {_describe(node.value)}", node.mark)
    return node.value


def _classes(node: YNode, output_size: int) -> tuple[str, ...]:
    if not node.is_sequence:
        raise ConfigError("classes must be a list of names, one per output unit", node.mark)
    names = tuple(_string(item, "class name") for item in node.value)
    for k, name in enumerate(names):
        if name in names[:k]:
            raise ConfigError(f"class name '{name}' is used twice", node.value[k].mark)
    if len(names) != output_size:
        raise ConfigError(
            f"classes has {len(names)} names but the last layer outputs {output_size} values", node.mark
        )
    return names


def _input_shape(node: YNode, input_size: int) -> tuple[int, int]:
    """``input_shape: [height, width]``: how the input row is an image (pixels row by row);
    height * width must be the input size."""
    if not node.is_sequence or len(node.value) != 2:
        raise ConfigError("input_shape must be [height, width], e.g. [28, 28]", node.mark)
    height, width = (_positive_int(item, "input_shape") for item in node.value)
    if height * width != input_size:
        raise ConfigError(
            f"input_shape {height}x{width} holds {height * width} values but the network takes {input_size}",
            node.mark,
        )
    return height, width


def _inputs(node: YNode, input_size: int, dtype: str) -> tuple[tuple[str, np.ndarray], ...]:
    if not node.is_mapping:
        raise ConfigError("inputs must be a mapping of names to rows (e.g. x: [1.0, 0.5])", node.mark)
    result = []
    for key, value, _mark in node.items():
        if not value.is_sequence or not value.value:
            raise ConfigError(f"input '{key}' must be a list of {input_size} numbers", value.mark)
        if value.value[0].is_sequence:
            rows = inline_matrix(value, f"input '{key}'", 2, allow_nonfinite=True)
        else:
            rows = inline_matrix(value, f"input '{key}'", 1, allow_nonfinite=True)[None, :]
        if rows.shape[1] != input_size:
            raise ConfigError(
                f"input '{key}' has {rows.shape[1]} values but the network takes {input_size}", value.mark
            )
        result.append((key, to_dtype(rows, np.dtype(dtype), f"input '{key}'", value.mark)))
    return tuple(result)

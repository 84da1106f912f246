"""Writing an imported network as ``NET.yaml`` plus ``NET.npz`` (``weights_file``), which ``nncli forward`` runs.

The YAML names every array of the archive (``weights: W1``, ``bias: b1``); activations with
parameters are written as mappings with every parameter that differs from its default, floats
as Python's shortest round-trip repr (so the config holds the same bits). Both files are
written whole or not at all.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nncli import __version__
from nncli.activations import Activation
from nncli.config import load_spec
from nncli.errors import InputError
from nncli.outfile import atomic_output
from nncli.safepickle import write_npz


@dataclass(frozen=True)
class ImportedLayer:
    """One layer read from a model: ``A = X·W + b`` with W (inputs, width), b (width,), ``Z = h(A)``."""

    name: str
    activation: Activation
    W: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class ImportedNetwork:
    """A network read from an ONNX model or a weights file, ready to be written as a config."""

    layers: tuple[ImportedLayer, ...]
    dtype: str  # "float32" or "float64"
    source: str  # what it was read from, for the file's first comment
    name: str | None = None
    description: str | None = None
    divide_by: float | None = None
    classes: tuple[str, ...] | None = None


def write_network(net: ImportedNetwork, yaml_path: str | Path) -> Path:
    """Write ``yaml_path`` and the .npz beside it (same stem); return the .npz path.

    The written config is loaded back with ``nncli.config.load_spec`` (so it is known to run);
    if that fails both files are removed and the ConfigError propagates.
    """
    target = Path(yaml_path)
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(f"{yaml_path}: the output must be a .yaml file (e.g. -o net.yaml); the weights go beside it")
    npz_path = target.with_suffix(".npz")
    arrays: dict[str, np.ndarray] = {}
    for k, layer in enumerate(net.layers, start=1):
        arrays[f"W{k}"] = np.ascontiguousarray(layer.W, dtype=net.dtype)
        arrays[f"b{k}"] = np.ascontiguousarray(layer.b, dtype=net.dtype)
    text = config_text(net, npz_path.name, target.stem)
    with atomic_output(npz_path) as npz_handle, atomic_output(target, "w") as yaml_handle:
        write_npz(npz_handle, arrays)
        yaml_handle.write(text)
    try:
        load_spec(target)
    except Exception:
        for path in (target, npz_path):
            path.unlink(missing_ok=True)
        raise
    return npz_path


def config_text(net: ImportedNetwork, weights_file: str, default_name: str) -> str:
    """The YAML config naming the arrays W1, b1, ... of ``weights_file``."""
    lines = [f"# Imported by nncli {__version__} from {net.source}.",
             f"name: {_string(net.name or default_name)}"]
    if net.description:
        lines.append(f"description: {_string(net.description)}")
    lines += [f"dtype: {net.dtype}", f"weights_file: {_string(weights_file)}"]
    if net.divide_by is not None:
        lines.append(f"preprocess: {{divide_by: {_number(net.divide_by)}}}")
    if net.classes:
        lines.append(f"classes: [{', '.join(_string(c) for c in net.classes)}]")
    lines.append("layers:")
    for k, layer in enumerate(net.layers, start=1):
        inputs, width = layer.W.shape
        lines += [f"  - name: {_string(layer.name)}",
                  f"    activation: {activation_text(layer.activation)}",
                  f"    weights: W{k}  # ({inputs}, {width})",
                  f"    bias: b{k}"]
    return "\n".join(lines) + "\n"


def activation_text(activation: Activation) -> str:
    """``relu``, or ``{name: leaky_relu, negative_slope: 0.1}`` with the non-default parameters."""
    defaults = activation.spec.defaults
    changed = {k: v for k, v in activation.params.items() if not _same(v, defaults.get(k))}
    if not changed:
        return activation.name
    items = ", ".join(f"{key}: {_value(value)}" for key, value in changed.items())
    return f"{{name: {activation.name}, {items}}}"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return False
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def _value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_number(v) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    return _number(value)


def _number(value: Any) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    x = float(value)
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".inf" if x > 0 else "-.inf"
    return repr(x)


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def _string(text: str) -> str:
    """A plain YAML scalar when it cannot be read as anything but a string, else JSON-quoted."""
    if _PLAIN.fullmatch(text) and text.lower() not in ("yes", "no", "on", "off", "true", "false", "null", "y", "n"):
        return text
    return json.dumps(text, ensure_ascii=False)

"""Named weight arrays (a safetensors state_dict, the book's pickle) -> layers, with activations given by the user.

Arrays are grouped into layers by the numbers in their names: ``0.weight``, ``0.bias``,
``2.weight`` (PyTorch's ``nn.Sequential``), ``net.0.linear.weight``, ``W1``/``b1`` (the book),
``dense_1/kernel``: the tuple of numbers orders the layers, the last word says what the array
is (weight, kernel or W; bias or b). PyTorch stores a Linear's weight as (out, in): it is
transposed to nncli's (inputs, units); ``layout="keras"`` keeps (in, out) kernels as they are.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from nncli import activations as A
from nncli.errors import ActivationError, InputError
from nncli.interop.netfile import ImportedLayer, ImportedNetwork

WEIGHT_WORDS = ("weight", "kernel", "w")
BIAS_WORDS = ("bias", "b")
LAYOUTS = ("torch", "keras")


def network_from_arrays(arrays: dict[str, np.ndarray], activations: Sequence[A.Activation], layout: str,
                        source: str) -> ImportedNetwork:
    """Layers from named arrays (see the module doc), one activation per layer.

    float64 arrays give a float64 network, anything else float32 (bf16 and float16 widen
    exactly). Raises InputError for an array that is neither a weight nor a bias, a layer
    without a weight, shapes that do not chain (suggesting the other ``layout``), or a number
    of activations other than the number of layers.
    """
    if layout not in LAYOUTS:
        raise InputError(f"--layout must be torch or keras, not '{layout}'")
    groups: dict[tuple[int, ...], dict[str, tuple[str, np.ndarray]]] = {}
    for name, value in arrays.items():
        role = _role(name)
        if role is None:
            raise InputError(f"{source}: '{name}' is neither a weight nor a bias of a dense layer; nncli imports MLPs")
        key = tuple(int(n) for n in re.findall(r"\d+", name))
        slot = groups.setdefault(key, {})
        if role in slot:
            raise InputError(f"{source}: '{name}' and '{slot[role][0]}' are both the {role} of one layer")
        slot[role] = (name, np.asarray(value))
    order = sorted(groups)
    if len(activations) != len(order):
        listed = ", ".join(groups[k].get("weight", ("?",))[0] for k in order)
        raise InputError(f"--activations gives {len(activations)} activation{'s' if len(activations) != 1 else ''} "
                         f"but {source} has {len(order)} layer{'s' if len(order) != 1 else ''} ({listed})")
    dtype = "float64" if all(a.dtype == np.float64 for a in arrays.values()) else "float32"
    layers = []
    previous: tuple[int, str] | None = None
    for k, (key, activation) in enumerate(zip(order, activations), start=1):
        slot = groups[key]
        if "weight" not in slot:
            raise InputError(f"{source}: '{slot['bias'][0]}' has no weight beside it")
        w_name, W = slot["weight"]
        if W.ndim != 2:
            raise InputError(f"{source}: '{w_name}' has shape {W.shape}; a dense layer's weight is 2-D")
        W = W.T if layout == "torch" else W  # (inputs, width)
        b = slot["bias"][1].reshape(-1) if "bias" in slot else np.zeros(W.shape[1])
        if b.shape[0] != W.shape[1]:
            other = "keras" if layout == "torch" else "torch"
            hint = f"; try --layout {other}" if b.shape[0] == W.shape[0] else ""
            raise InputError(f"{source}: '{slot['bias'][0]}' has {b.shape[0]} values but '{w_name}' gives "
                             f"{W.shape[1]} units in the {layout} layout{hint}")
        if previous is not None and W.shape[0] != previous[0]:
            other = "keras" if layout == "torch" else "torch"
            raise InputError(f"{source}: '{w_name}' takes {W.shape[0]} inputs but '{previous[1]}' gives {previous[0]} "
                             f"in the {layout} layout; try --layout {other}")
        try:
            units = activation.units_out(W.shape[1])
        except ActivationError as err:
            raise InputError(f"layer {k} ('{w_name}'): {err.message}") from None
        layers.append(ImportedLayer(f"layer{k}", activation, W.astype(dtype), b.astype(dtype)))
        previous = (units, w_name)
    return ImportedNetwork(layers=tuple(layers), dtype=dtype, source=source)


def _role(name: str) -> str | None:
    words = [w for w in re.split(r"[./:]", name) if w and not w.isdigit()]  # dense_1/kernel:0 -> kernel
    if not words:
        return None
    last = words[-1].lower()
    word = re.sub(r"[\d_]+$", "", last) or last  # W1 -> w, b1 -> b, kernel:0 -> kernel
    if word in WEIGHT_WORDS:
        return "weight"
    if word in BIAS_WORDS:
        return "bias"
    return None


def parse_activations(text: str) -> list[A.Activation]:
    """``relu,softmax`` or ``leaky_relu(negative_slope=0.1),softmax``: one activation per layer.

    Raises ActivationError for an unknown name or parameter (with the valid choices).
    """
    result = []
    for item in _split_top_level(text):
        match = re.fullmatch(r"\s*([A-Za-z0-9_\-]+)\s*(?:\((.*)\))?\s*", item)
        if not match:
            raise ActivationError(f"--activations: cannot read '{item}' (e.g. relu or leaky_relu(negative_slope=0.1))")
        params = {}
        for pair in filter(None, (p.strip() for p in (match.group(2) or "").split(","))):
            key, sep, value = pair.partition("=")
            if not sep:
                raise ActivationError(f"--activations: parameter '{pair}' needs a value (name=value)")
            params[key.strip()] = _param_value(value.strip())
        result.append(A.get(match.group(1), **params))
    if not result:
        raise ActivationError("--activations is empty: give one activation per layer, e.g. relu,softmax")
    return result


def _split_top_level(text: str) -> list[str]:
    items, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item for item in items if item.strip()]


def _param_value(text: str) -> object:
    try:
        return float(text)
    except ValueError:
        return text

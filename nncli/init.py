"""``nncli init``: a new network of given layer sizes with freshly drawn weights, as a config.

Weights are drawn from a normal distribution with mean 0 and a standard deviation set by the
initialiser (n_in, n_out: the layer's inputs and units):

- ``xavier`` (Glorot normal): std = sqrt(2 / (n_in + n_out))
- ``he`` (Kaiming normal, for ReLU): std = sqrt(2 / n_in)
- ``normal:STD``: std = STD for every layer (the book's ``0.01 * np.random.randn``)
- ``zeros``: every weight 0

Biases start at 0. The generator is numpy's PCG64 (``np.random.default_rng(seed)``), drawing
W1, W2, ... in order, so the same seed gives the same numbers and the same files, byte for
byte (the .npz is written with fixed timestamps).
"""

from __future__ import annotations

import io
import math
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nncli import activations
from nncli.errors import InputError
from nncli.outfile import atomic_output

INITIALISERS = ("xavier", "he", "normal:STD", "zeros")
INLINE_LIMIT = 100  # more numbers than this (all W and b together) go to an .npz beside the config
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no clock in the file


@dataclass(frozen=True)
class NewNetwork:
    """What ``init`` made: sizes (input, layer 1, ..., output), the W and b of each layer,
    the seed used and how the weights were drawn."""

    sizes: tuple[int, ...]
    weights: tuple[tuple[np.ndarray, np.ndarray], ...]  # (W (n_in, n_out), b (n_out,)) per layer
    seed: int
    init: str

    @property
    def parameter_count(self) -> int:
        return sum(W.size + b.size for W, b in self.weights)


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"784-50-100-10"`` -> (784, 50, 100, 10): the input size, then each layer's units."""
    parts = text.replace(",", "-").split("-")
    if len(parts) < 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise InputError(f"sizes {text!r}: expected positive whole numbers joined by '-', e.g. 784-50-100-10 "
                         "(the input size, then each layer's units)")
    return tuple(int(p) for p in parts)


def weight_std(init: str, n_in: int, n_out: int) -> float:
    """The standard deviation of a layer's weights under ``init`` (see the module docstring)."""
    name, _, argument = init.partition(":")
    if name == "xavier" and not argument:
        return math.sqrt(2.0 / (n_in + n_out))
    if name == "he" and not argument:
        return math.sqrt(2.0 / n_in)
    if name == "zeros" and not argument:
        return 0.0
    if name == "normal":
        try:
            std = float(argument)
        except ValueError:
            std = -1.0
        if not (math.isfinite(std) and std >= 0):
            raise InputError(f"--init {init}: normal needs a standard deviation >= 0, e.g. normal:0.01")
        return std
    raise InputError(f"--init {init!r}: expected one of {', '.join(INITIALISERS)}")


def new_network(sizes: tuple[int, ...], init: str = "xavier", seed: int | None = None) -> NewNetwork:
    """Draw every layer's W ~ N(0, std²) (std from ``weight_std``) with b = 0; a fresh random
    seed when ``seed`` is None (it is recorded, so the result can be made again)."""
    if seed is None:
        seed = secrets.randbelow(2**31)
    if seed < 0:
        raise InputError(f"--seed {seed}: must be 0 or more")
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        std = weight_std(init, n_in, n_out)
        W = rng.standard_normal((n_in, n_out)) * std  # (inputs, units), as the book's W
        layers.append((W, np.zeros(n_out)))
    return NewNetwork(tuple(sizes), tuple(layers), seed, init)


def check_activation(name: str, what: str) -> str:
    """``name`` if it is an activation that keeps the number of units (not glu or maxout)."""
    activation = activations.get(name)
    if activation.units_out(4) != 4:
        raise InputError(f"{what} {name}: changes the number of units; init builds layers with one activation per unit")
    return activation.name


def config_text(net: NewNetwork, name: str, activation: str, output: str, weights_file: str | None,
                input_shape: tuple[int, int] | None = None, command: str = "") -> str:
    """The YAML config of ``net``: inline numbers (full precision), or keys W1, b1, ... of
    ``weights_file``; a sample input of ones when the input is small (so ``forward`` runs as is)."""
    sizes = " → ".join(map(str, net.sizes))
    lines = [f"# {name}: {sizes}, weights drawn with {net.init}, seed {net.seed}, biases 0."]
    if command:
        lines.append(f"# Made by: {command}")
    lines += [f"name: {name}", f"description: \"A new {'-'.join(map(str, net.sizes))} network ({net.init}, seed {net.seed}).\""]
    if input_shape is not None:
        lines.append(f"input_shape: [{input_shape[0]}, {input_shape[1]}]")
    if weights_file is not None:
        lines.append(f"weights_file: {weights_file}")
    lines.append("layers:")
    last = len(net.weights)
    for k, (W, b) in enumerate(net.weights, start=1):
        lines.append(f"  - name: {'output' if k == last else f'hidden{k}'}")
        lines.append(f"    activation: {output if k == last else activation}")
        if weights_file is not None:
            lines += [f"    weights: W{k}              # ({W.shape[0]}, {W.shape[1]})", f"    bias: b{k}"]
        else:
            lines.append("    weights: [" + ",\n              ".join(_row(row) for row in W) + "]")
            lines.append(f"    bias: {_row(b)}")
    if net.sizes[0] <= 16:
        lines += ["inputs:", f"  x: {_row(np.ones(net.sizes[0]))}"]
    return "\n".join(lines) + "\n"


def _row(values: np.ndarray) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A .npz archive (what ``np.savez`` writes, uncompressed) with fixed timestamps, so the
    same arrays always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), version=(1, 0), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def write_network(path: Path, net: NewNetwork, activation: str, output: str,
                  input_shape: tuple[int, int] | None = None, command: str = "") -> list[Path]:
    """Write ``net`` as the config ``path`` (and ``path`` with .npz when it has more than
    INLINE_LIMIT numbers), each file whole or not at all; returns the files written."""
    written = []
    weights_file = None
    if net.parameter_count > INLINE_LIMIT:
        npz = path.with_suffix(".npz")
        arrays = {}
        for k, (W, b) in enumerate(net.weights, start=1):
            arrays[f"W{k}"], arrays[f"b{k}"] = W, b
        with atomic_output(npz) as handle:
            handle.write(npz_bytes(arrays))
        written.append(npz)
        weights_file = npz.name
    text = config_text(net, path.stem, activation, output, weights_file, input_shape, command)
    with atomic_output(path, "w") as handle:
        handle.write(text)
    written.insert(0, path)
    return written

"""Fuzzing the config parser, nncli.config.load_spec, on files written to a temporary folder.

Property: any config file (and any weights file it names) gives a NetworkSpec or a one-line
NncliError, within the bounds of harness.outcome and without a warning. A config that loads is
then run forward on its own inputs and on extreme rows: outputs or an NncliError, never a warning.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nncli.activations import REGISTRY
from nncli.config import NetworkSpec, load_spec
from nncli.inputs import ScaledInputWarning
from nncli.network import Network
from tests.fuzz.harness import NUMBER_TOKENS, npy_bytes, npy_header_bytes, npz_of_members, outcome
from tests.fuzz.scale import NO_SHRINK, examples
from tests.fuzz.strategies import FLOATS, SHIPPED_CONFIGS, mutated, npy_file, npz_file
from tests.fuzz.yamlgen import ALIAS_PLACES, laughs, yaml_documents

ACTIVATION_NAMES = sorted(REGISTRY) + ["Relu", "nonesuch", ""]
PARAMS = sorted({p.name for spec in REGISTRY.values() for p in spec.params}) + ["name2", "bogus"]
_ORDINARY = st.one_of(st.integers(-3, 3).map(str), st.floats(-10, 10, allow_nan=False).map(lambda v: f"{v:.3g}"))
# One value in thirty is a hostile spelling (1e400, nan, 0x1F, 9999...); the rest let configs load.
TOKENS = st.integers(0, 29).flatmap(lambda k: st.sampled_from(NUMBER_TOKENS) if k == 0 else _ORDINARY)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A folder with the files the shipped configs name (mnist_book's sample_weight.npz, made small)."""
    path = tmp_path_factory.mktemp("fuzz_config")
    rng = np.random.default_rng(0)
    shapes = {"W1": (784, 50), "b1": (50,), "W2": (50, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}
    np.savez(path / "sample_weight.npz", **{k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()})
    return path


def loaded(path: Path):
    """load_spec(path); if it loads, a forward pass on its inputs and on extreme rows, with the
    config's preprocess (an overflow in divide_by is an InputError, so the pass may end in one)."""
    spec = load_spec(path)
    assert isinstance(spec, NetworkSpec)
    network = Network(spec)
    for _name, X in spec.inputs:
        forward(network, X)
    extreme = np.array([[1e308, -1e308, 0.0, -0.0, 5e-324, 1.0][i % 6] for i in range(spec.input_size)])
    forward(network, extreme.reshape(1, -1))
    return spec


def forward(network: Network, X) -> Any:
    """``network.forward(X)`` with the config's preprocess. nncli's own ScaledInputWarning (every
    value within [0, 1] while divide_by > 1: advice, not a fault) is expected; any other warning
    still fails the example in harness.outcome."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaledInputWarning)
        return network.forward(X)


def check_config(folder: Path, text: bytes, what: str, name: str = "fuzz.yaml") -> None:
    path = folder / name
    path.write_bytes(text)
    outcome(lambda: loaded(path), f"load_spec({what}): {text[:400]!r}", known_ok=True)


@examples(150)
@given(name=st.sampled_from(sorted(SHIPPED_CONFIGS)), data=st.data())
def test_mutated_shipped_configs_load_or_refused(folder, name, data):
    text = data.draw(mutated(SHIPPED_CONFIGS[name], donors=list(SHIPPED_CONFIGS.values())))
    check_config(folder, text, f"<mutated {name}>")


@examples(100)
@given(text=yaml_documents())
def test_generated_documents_load_or_refused(folder, text):
    check_config(folder, text.encode(), "<generated document>")


def _matrix(draw, rows: int, cols: int) -> str:
    ragged = draw(st.integers(0, 15)) == 0
    out = []
    for r in range(rows):
        n = cols + (1 if ragged and r == rows - 1 else 0)
        out.append("[" + ", ".join(draw(TOKENS) for _ in range(n)) + "]")
    return "[" + ", ".join(out) + "]"


@st.composite
def activations(draw) -> str:
    name = draw(st.sampled_from(ACTIVATION_NAMES))
    if draw(st.integers(0, 3)):
        return name or "''"
    # A mapping with parameters: mostly the activation's own, sometimes any name.
    own = [p.name for p in REGISTRY[name].params] if name in REGISTRY else []
    keys = st.sampled_from(own) if own and draw(st.integers(0, 3)) else st.sampled_from(PARAMS)
    values = st.integers(0, 3).flatmap(lambda k: TOKENS if k else st.sampled_from(["[1, 2]", "tanh", "{a: 1}", "''", "none"]))
    params = {draw(keys): draw(values) for _ in range(draw(st.integers(0, 2)))}
    inner = ", ".join([f"name: {name or chr(39) * 2}"] + [f"{k}: {v}" for k, v in params.items()])
    return "{" + inner + "}"


def _rarely(draw, good, bad: list):
    """``good`` seven times in eight, else one of ``bad``: each wrong choice alone, mostly."""
    return draw(st.sampled_from(bad)) if draw(st.integers(0, 7)) == 0 else good


@st.composite
def structured_configs(draw) -> bytes:
    """Config-shaped documents: right keys, dimensions that mostly fit, hostile numbers and names."""
    width = draw(st.integers(1, 3))
    n_in = width
    lines = []
    if draw(st.booleans()):
        lines.append(f"dtype: {_rarely(draw, draw(st.sampled_from(['float64', 'float32'])), ['float16', 'int8', '1'])}")
    if draw(st.booleans()):
        lines.append(f"allow_nonfinite: {_rarely(draw, draw(st.sampled_from(['true', 'false'])), ['yes', '1'])}")
    if draw(st.integers(0, 3)) == 0:
        lines.append(f"input_size: {_rarely(draw, str(width), ['0', '-1', '1e400', '2.5', 'x'])}")
    lines.append("layers:")
    units = width
    for _ in range(draw(st.integers(1, 3))):
        units = draw(st.integers(1, 3))
        lines.append(f"  - activation: {draw(activations())}")
        if draw(st.integers(0, 3)) == 0:
            lines.append(f"    units: {_rarely(draw, str(units), [str(units + 1), '0', '1e400'])}")
        rows = _rarely(draw, n_in, [n_in + 1])
        lines.append(f"    weights: {_matrix(draw, rows, units)}")
        lines.append("    bias: [" + ", ".join(draw(TOKENS) for _ in range(units)) + "]")
        n_in = units
    if draw(st.booleans()):
        lines.append("classes: [" + ", ".join(draw(st.sampled_from(["a", "b", "c", "d"])) for _ in range(units)) + "]")
    if draw(st.booleans()):
        lines.append("inputs:")
        for i in range(draw(st.integers(1, 3))):
            lines.append(f"  x{i}: [" + ", ".join(draw(TOKENS) for _ in range(width)) + "]")
    if draw(st.booleans()):
        lines.append(f"preprocess: {{divide_by: {draw(TOKENS)}}}")
    return ("\n".join(lines) + "\n").encode()


@examples(150)
@given(text=structured_configs())
def test_structured_configs_load_or_refused(folder, text):
    check_config(folder, text, "<structured config>")


@examples(100)
@given(kind=st.sampled_from(["npy", "npz_key", "weights_file"]), data=st.data(), mutate=st.booleans())
def test_weight_files_load_or_refused(folder, kind, data, mutate):
    """A config whose weights come from an .npy or .npz file that is odd, damaged or spliced."""
    if kind == "npy":
        weights = data.draw(npy_file())
        ref = "{file: w.npy}"
        file_name = "w.npy"
    else:
        weights = data.draw(npz_file())
        ref = "{file: w.npz, key: W1}" if kind == "npz_key" else "W1"
        file_name = "w.npz"
    if mutate:
        weights = data.draw(mutated(weights, donors=[npy_bytes(np.eye(2))]))
    (folder / file_name).write_bytes(weights)
    top = "weights_file: w.npz\n" if kind == "weights_file" else ""
    text = f"{top}layers:\n  - activation: relu\n    weights: {ref}\n    bias: [0, 0]\n".encode()
    check_config(folder, text, f"<weights {ref} from {weights[:200]!r}>")


@examples(20, phases=NO_SHRINK)
@example(kind="npy", shape=(200000, 200000), fortran=False, descr="<f8")  # issue 9: np.load allocated 298 GiB
@given(kind=st.sampled_from(["npy", "npz_key", "weights_file"]),
       shape=st.sampled_from([(200000, 200000), (2**31, 2), (50_000_000, 1), (7000, 7000), (2, 2**40)]),
       fortran=st.booleans(), descr=st.sampled_from(["<f8", "|u1", ">f4"]))
def test_weight_files_with_huge_headers_refused(folder, kind, shape, fortran, descr):
    """A 144-byte weights file whose header declares gigabytes: an NncliError, at once."""
    member = npy_header_bytes(shape, descr=descr, fortran=fortran) + b"\0" * 16
    if kind == "npy":
        (folder / "w.npy").write_bytes(member)
        ref = "{file: w.npy}"
    else:
        (folder / "w.npz").write_bytes(npz_of_members({"W1": member}))
        ref = "{file: w.npz, key: W1}" if kind == "npz_key" else "W1"
    top = "weights_file: w.npz\n" if kind == "weights_file" else ""
    text = f"{top}layers:\n  - activation: relu\n    weights: {ref}\n    bias: [0, 0]\n".encode()
    path = folder / "fuzz.yaml"
    path.write_bytes(text)
    result = outcome(lambda: loaded(path), f"load_spec(<weights {ref} declaring {shape} {descr}>)")
    assert not isinstance(result, NetworkSpec)


@examples(40)
@given(levels=st.integers(1, 4), width=st.integers(1, 4), where=st.sampled_from(ALIAS_PLACES))
def test_small_alias_expansions_load_or_refused(folder, levels, width, where):
    check_config(folder, laughs(levels, width, where).encode(), f"<aliases {levels} x {width} under {where}>")


@examples(20, phases=NO_SHRINK)
@example(divide_by="0.5", dtype="float64", row=[1e308, 0.0])  # issue 9: 'overflow encountered in divide'
@given(divide_by=st.sampled_from(["0.5", "0.001", "1e-300", "255", "1", "3"]), dtype=st.sampled_from(["float64", "float32"]),
       row=st.lists(FLOATS, min_size=2, max_size=2))
def test_divide_by_never_warns(folder, divide_by, dtype, row):
    """preprocess divide_by on any row: outputs or an NncliError (values too large), never a warning
    (but nncli's own ScaledInputWarning for a row within [0, 1] and divide_by > 1)."""
    path = folder / "fuzz.yaml"
    path.write_text(f"dtype: {dtype}\npreprocess: {{divide_by: {divide_by}}}\n"
                    "layers:\n  - activation: identity\n    weights: [[1], [1]]\n    bias: [0]\n")

    outcome(lambda: forward(Network(load_spec(path)), [row]), f"forward({dtype}, divide_by {divide_by}, {row})")


@examples(50)
@given(row=st.lists(FLOATS, min_size=2, max_size=2), name=st.sampled_from(sorted(SHIPPED_CONFIGS)))
def test_shipped_networks_forward_any_row(folder, row, name):
    """Each shipped network on a row of any floats: outputs, or an NncliError; never a RuntimeWarning."""
    path = folder / name
    path.write_bytes(SHIPPED_CONFIGS[name])

    def run():
        network = Network(load_spec(path))
        X = np.resize(np.array(row), (1, network.input_size))
        return forward(network, X)

    outcome(run, f"forward({name}, {row})")

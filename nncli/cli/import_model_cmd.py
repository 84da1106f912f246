"""``nncli import`` — a model from ONNX, safetensors or the book's pickle, as NET.yaml + NET.npz."""


from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from nncli.cli.common import handles_errors, refuse_overwrite, stdout_console
from nncli.errors import InputError
from nncli.interop import need
from nncli.interop.netfile import ImportedNetwork, write_network
from nncli.interop.safetensors import read_safetensors
from nncli.interop.weights import network_from_arrays, parse_activations
from nncli.safepickle import import_weights, load_arrays

FORMATS = {".onnx": "onnx", ".safetensors": "safetensors", ".pkl": "pickle", ".pickle": "pickle"}


LAYOUT_HELP = ("For weights files: torch stores weights (out, in) and is transposed (default for .safetensors); "
               "keras stores (in, out) as nncli does (default for .pkl).")


class Layout(str, Enum):
    torch = "torch"
    keras = "keras"


@handles_errors
def import_model(
    source: Annotated[Path, typer.Argument(help="An .onnx model, a .safetensors state_dict or a .pkl of arrays.",
                                           show_default=False, metavar="MODEL")],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", dir_okay=False, show_default=False,
                     help="NET.yaml to write (its weights go to NET.npz beside it); for a .pkl, an .npz "
                     "converts the arrays only (what import-weights did)."),
    ],
    activations: Annotated[
        Optional[str],
        typer.Option("--activations", show_default=False,
                     help="For weights files: one activation per layer, e.g. relu,softmax or "
                     "leaky_relu(negative_slope=0.1),softmax."),
    ] = None,
    layout: Annotated[Optional[Layout], typer.Option("--layout", show_default=False, help=LAYOUT_HELP)] = None,
) -> None:
    """Import a model as a config nncli runs: NET.yaml, with its weights in NET.npz (weights_file).

    An ONNX model is read as a chain of Gemm (or MatMul + Add) layers with their activations, native or decomposed as PyTorch and Keras exporters write them; anything else is an error naming the node. A safetensors file (e.g. a PyTorch state_dict) or a pickle of arrays gives the weights: layers follow the numbers in the names (0.weight, 0.bias, 2.weight, ...; W1, b1, ...) and --activations gives the activations. Pickles are read without running any code. ONNX needs: pip install 'nncli\\[onnx]'.

    Examples:

      nncli import model.onnx -o net.yaml

      nncli import model.safetensors -o net.yaml --activations relu,softmax

      nncli import sample_weight.pkl -o mnist.yaml --activations sigmoid,sigmoid,softmax
    """
    refuse_overwrite(output, "-o", {"the model": source})
    kind = FORMATS.get(source.suffix.lower())
    if kind is None:
        raise InputError(f"{source}: cannot tell the format from the name; nncli imports "
                         f"{', '.join(FORMATS)} files")
    if kind == "onnx":
        if activations is not None or layout is not None:
            raise InputError("--activations and --layout are for weights files; an ONNX model has its own")
        need("onnx", "nncli import of an .onnx model")
        from nncli.interop.onnx_import import read_onnx  # imports onnx: heavy (~0.2 s), optional

        network = read_onnx(source)
    else:
        if kind == "pickle" and output.suffix.lower() == ".npz":
            _convert_pickle(source, output, activations, layout)
            return
        network = _from_weights(source, kind, activations, layout)
    npz = write_network(network, output)
    sizes = [network.layers[0].W.shape[0], *(layer.activation.units_out(layer.W.shape[1]) for layer in network.layers)]
    arrow = " → ".join(str(size) for size in sizes)
    print(f"Wrote {output} and {npz.name}: {len(network.layers)} layers, {arrow}, {network.dtype}")
    for k, layer in enumerate(network.layers, start=1):
        print(f"  {k}  {layer.name}  W {layer.W.shape[0]}×{layer.W.shape[1]}  {layer.activation.label}")
    print(f"Run it: nncli forward {output} -x ...")


def _from_weights(source: Path, kind: str, activations: Optional[str], layout: Optional[Layout]) -> ImportedNetwork:
    if activations is None:
        raise InputError(f"{source} holds weights only: give --activations, one per layer (e.g. relu,softmax)")
    chosen = parse_activations(activations)
    if kind == "safetensors":
        arrays = read_safetensors(source)
        default = Layout.torch
    else:
        arrays = load_arrays(source)
        default = Layout.keras
    return network_from_arrays(arrays, chosen, (layout or default).value, str(source))


def _convert_pickle(source: Path, output: Path, activations: Optional[str], layout: Optional[Layout]) -> None:
    """The book's pickle to an .npz of the same arrays (what import-weights does)."""
    if activations is not None or layout is not None:
        raise InputError("--activations and --layout make a network: give -o NET.yaml, not an .npz")
    from nncli.render.evaluate import render_imported  # Rich tables: imported only when this command runs

    render_imported(stdout_console(), import_weights(source, output), str(output))

"""``nncli init``: write a new network's config with weights drawn by an initialiser (see nncli.init)."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from nncli.cli.common import handles_errors
from nncli.errors import InputError
from nncli.init import check_activation, new_network, parse_sizes, write_network
from nncli.render.teaching import parse_input_shape


@handles_errors
def init(
    sizes: Annotated[str, typer.Argument(metavar="SIZES", show_default=False,
                                         help="The input size, then each layer's units, joined by '-': 784-50-100-10.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="NET.yaml", dir_okay=False, show_default=False,
                                      help="The config to write (with NET.npz beside it for more than 100 numbers).")],
    activation: Annotated[str, typer.Option("--activation", "-a", help="The hidden layers' activation.")] = "sigmoid",
    output: Annotated[str, typer.Option("--output", help="The output layer's activation (identity or softmax, "
                                        "as the book's chapter 3).")] = "identity",
    init: Annotated[str, typer.Option("--init", help="How W is drawn (n_in inputs, n_out units): xavier, std = "
                                      "√(2/(n_in+n_out)); he, std = √(2/n_in); normal:STD; zeros. b = 0.")] = "xavier",
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed: the same seed writes the same files, "
                                                "byte for byte. Default: a fresh one, written in the config.",
                                                show_default=False)] = None,
    input_shape: Annotated[Optional[str], typer.Option("--input-shape", metavar="HxW",
                                                       help="Declare the input an HxW image (input_shape).")] = None,
) -> None:
    """Write a new network's config, its weights drawn from N(0, std²) by an initialiser, biases 0.

    Initialisers (n_in, n_out: a layer's inputs and units): xavier (Glorot normal), std = √(2/(n_in + n_out)); he (Kaiming normal, for ReLU), std = √(2/n_in); normal:STD, the same std for every layer (the book uses 0.01); zeros. Weights are drawn with numpy's default_rng(seed), W1 first.

    Examples:
      nncli init 2-3-2-2 -o net.yaml --seed 0
      nncli init 784-50-100-10 --activation sigmoid --output softmax --init xavier --seed 0 -o mnist.yaml
      nncli init 4-8-3 -a relu --init he --output softmax -o iris_new.yaml
    """
    sizes_list = parse_sizes(sizes)
    shape = parse_input_shape(input_shape, sizes_list[0]) if input_shape else None
    hidden = check_activation(activation, "--activation")
    last = check_activation(output, "--output")
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(f"-o {out}: the config's name must end in .yaml or .yml")
    net = new_network(sizes_list, init, seed)
    command = f"nncli init {'-'.join(map(str, sizes_list))} --activation {hidden} --output {last} " \
              f"--init {init} --seed {net.seed}" + (f" --input-shape {input_shape}" if input_shape else "")
    written = write_network(out, net, hidden, last, shape, command)
    print(f"Wrote {' and '.join(str(p) for p in written)}: {' → '.join(map(str, sizes_list))}, "
          f"{net.parameter_count:,} parameters, {init}, seed {net.seed}")

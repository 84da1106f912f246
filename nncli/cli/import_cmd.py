"""``nncli import-weights`` — convert a pickle of numpy arrays (the book's .pkl) to .npz, safely."""


from pathlib import Path
from typing import Annotated

import typer

from nncli.cli.common import handles_errors, refuse_overwrite, stdout_console
from nncli.safepickle import import_weights as convert


@handles_errors
def import_weights(
    source: Annotated[Path, typer.Argument(help="A pickled dict (or list) of numpy arrays, e.g. sample_weight.pkl.",
                                           show_default=False)],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", dir_okay=False, show_default=False,
                     help="The .npz archive to write (whole or not at all)."),
    ],
) -> None:
    """Convert pickled weights (the book's sample_weight.pkl) to an .npz archive a config can name.

    The pickle is read by a restricted unpickler that only rebuilds numpy arrays, lists and dicts: a pickle that would run code (e.g. call os.system) is refused and nothing of it runs. A dict's keys become the array names; a list's items are named arr_0, arr_1, ...

    Examples:

      nncli import-weights sample_weight.pkl -o configs/sample_weight.npz

      nncli import-weights sample_weight.pkl -o /tmp/w.npz && python -c "import numpy; print(list(numpy.load('/tmp/w.npz')))"

    To get a config that runs the weights as well: nncli import sample_weight.pkl -o mnist.yaml --activations sigmoid,sigmoid,softmax
    """
    from nncli.render.evaluate import render_imported  # Rich tables: imported only when this command runs

    refuse_overwrite(output, "-o", {"the pickle": source})
    arrays = convert(source, output)
    render_imported(stdout_console(), arrays, str(output))

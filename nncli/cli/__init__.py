"""The ``nncli`` command line: a thin Typer layer over the core; each command lives in its own module.

Every command is registered here, in the order ``nncli --help`` lists them. Command modules
define plain functions; the table renderers (and Rich) load only when a table is drawn, so
``nncli forward --format json`` never pays for them.
"""

import typer

from nncli import __version__
from nncli.cli.common import OneLineErrors, exit_on_termination, run_quietly_on_closed_pipe
from nncli.cli import (activations_cmd, evaluate_cmd, export_cmd, forward, import_cmd, import_model_cmd, init_cmd,
                       softmax_cmd)

app = typer.Typer(
    name="nncli",
    cls=OneLineErrors,
    help="Run a neural network's forward pass from a YAML file and see what happens to the numbers.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.command("forward")(forward.forward)
app.command("validate")(forward.validate)
app.command("init")(init_cmd.init)
app.command("activations")(activations_cmd.activations_command)
# Unknown "options" reach VALUES so that negative scores work: nncli softmax -1 0 1.
app.command("softmax", cls=softmax_cmd.NumbersCommand, context_settings={"ignore_unknown_options": True})(
    softmax_cmd.softmax)
app.command("evaluate")(evaluate_cmd.evaluate)
app.command("export")(export_cmd.export)
app.command("import")(import_model_cmd.import_model)
app.command("import-weights")(import_cmd.import_weights)


def _version(value: bool) -> None:
    if value:
        print(f"nncli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Run a neural network's forward pass from a YAML file and see what happens to the numbers.

    Example: nncli forward configs/three_layer.yaml
    """


def main() -> None:
    """Entry point of the ``nncli`` console script (exit 141, quietly, if stdout's reader went away;
    143 and 129 on SIGTERM and SIGHUP, with no temporary file left behind)."""
    exit_on_termination()
    run_quietly_on_closed_pipe(lambda: app(prog_name="nncli"))

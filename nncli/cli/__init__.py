"""The ``nncli`` command line: a thin Typer layer over the core; each command lives in its own module.

Commands import their heavy modules (rich, the renderers) inside the function body, so
``nncli forward --format json`` never pays for Rich.
"""


import os
import sys

import typer

from nncli import __version__

app = typer.Typer(
    name="nncli",
    help="Run a neural network's forward pass from a YAML file and see what happens to the numbers.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _asks_for_help_or_completion() -> bool:
    return any(arg in ("-h", "--help") for arg in sys.argv[1:]) or any(
        key.startswith("_NNCLI_COMPLETE") or key == "_TYPER_COMPLETE_ARGS" for key in os.environ
    )


def all_commands() -> typer.Typer:
    """The app with every command registered (what tests and documentation tools use)."""
    from nncli.cli import commands

    commands.register()
    return app


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
    """Entry point of the ``nncli`` console script."""
    from nncli.cli import commands

    # The first argument that is not an option names the command (when it names one).
    first = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    commands.register(first if first and not _asks_for_help_or_completion() else None)
    app(prog_name="nncli")

"""Which module defines each command; importing a module registers its commands on the app."""

import importlib

from nncli.cli import app

MODULES = {
    "forward": "nncli.cli.forward",
    "validate": "nncli.cli.forward",
    "activations": "nncli.cli.activations_cmd",
    "softmax": "nncli.cli.softmax_cmd",
    "evaluate": "nncli.cli.evaluate_cmd",
    "import-weights": "nncli.cli.import_cmd",
    "export": "nncli.cli.export_cmd",
    "import": "nncli.cli.import_model_cmd",
}


def register(only: str | None = None) -> None:
    """Register every command, or only ``only``'s module when it names a command.

    Typer builds every registered command's parameters on each run; a run of one command
    needs only its own (about 10 ms less start-up). Help, completion and tests use them all.
    """
    modules = [MODULES[only]] if only in MODULES else list(dict.fromkeys(MODULES.values()))
    for module in modules:
        loaded = importlib.import_module(module)
        if hasattr(loaded, "register"):  # modules that do not register themselves on import
            loaded.register(app)

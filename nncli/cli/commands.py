"""Imports every command module so each registers itself on the app."""

from nncli.cli import forward  # noqa: F401
from nncli.cli import evaluate_cmd, import_cmd  # noqa: F401

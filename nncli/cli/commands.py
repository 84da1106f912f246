"""Imports every command module so each registers itself on the app."""

from nncli.cli import activations_cmd, evaluate_cmd, forward, import_cmd, softmax_cmd  # noqa: F401

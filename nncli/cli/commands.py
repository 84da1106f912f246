"""Imports every command module so each registers itself on the app."""

from nncli.cli import activations_cmd, forward, softmax_cmd  # noqa: F401

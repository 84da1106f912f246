"""Imports every command module so each registers itself on the app."""

from nncli.cli import forward  # noqa: F401

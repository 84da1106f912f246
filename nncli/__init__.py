"""nncli: run a neural network's forward pass from a YAML file and show every layer's numbers.

Python API::

    import nncli
    net = nncli.load_network("configs/three_layer.yaml")
    trace = net.forward([[1.0, 0.5]])
    trace.output            # (batch, units) array
    trace.layers[0].A       # A1 = X·W1 + b1

The names below are loaded on first use (PEP 562), so that importing the package itself costs
nothing: the command line's entry point (``nncli.__main__``) is imported before numpy, and a
Ctrl-C while numpy loads ends quietly with exit 130 rather than with a traceback.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "NncliError": "nncli.errors",
    "NncliWarning": "nncli.inputs",
    "ScaledInputWarning": "nncli.inputs",
    "ForwardTrace": "nncli.network",
    "LayerTrace": "nncli.network",
    "Network": "nncli.network",
    "load_network": "nncli.network",
}

__all__ = ["__version__", "load_network", "Network", "ForwardTrace", "LayerTrace", "NncliError", "NncliWarning",
           "ScaledInputWarning"]

if TYPE_CHECKING:
    from nncli.errors import NncliError
    from nncli.inputs import NncliWarning, ScaledInputWarning
    from nncli.network import ForwardTrace, LayerTrace, Network, load_network


def __getattr__(name: str) -> Any:
    """``nncli.Network`` and the other public names: imported from their module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nncli' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})

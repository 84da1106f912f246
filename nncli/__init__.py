"""nncli: run a neural network's forward pass from a YAML file and show every layer's numbers.

Python API::

    import nncli
    net = nncli.load_network("configs/three_layer.yaml")
    trace = net.forward([[1.0, 0.5]])
    trace.output            # (batch, units) array
    trace.layers[0].A       # A1 = X·W1 + b1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_network", "Network", "ForwardTrace", "LayerTrace", "NncliError"]

if TYPE_CHECKING:  # pragma: no cover
    from nncli.errors import NncliError
    from nncli.network import ForwardTrace, LayerTrace, Network, load_network


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import nncli` (and the command line's start-up) stays fast.
    if name in ("load_network", "Network", "ForwardTrace", "LayerTrace"):
        from nncli import network

        return getattr(network, name)
    if name == "NncliError":
        from nncli.errors import NncliError

        return NncliError
    raise AttributeError(f"module 'nncli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

"""nncli: run a neural network's forward pass from a YAML file and show every layer's numbers.

Python API::

    import nncli
    net = nncli.load_network("configs/three_layer.yaml")
    trace = net.forward([[1.0, 0.5]])
    trace.output            # (batch, units) array
    trace.layers[0].A       # A1 = X·W1 + b1
"""

from __future__ import annotations

__version__ = "0.1.0"

from nncli.errors import NncliError  # noqa: E402 - after __version__, which the command line reads
from nncli.inputs import NncliWarning, ScaledInputWarning  # noqa: E402
from nncli.network import ForwardTrace, LayerTrace, Network, load_network  # noqa: E402

__all__ = ["__version__", "load_network", "Network", "ForwardTrace", "LayerTrace", "NncliError", "NncliWarning",
           "ScaledInputWarning"]

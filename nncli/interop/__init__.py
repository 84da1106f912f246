"""Models in and out of nncli: ONNX export and import, safetensors and pickled weights, golden answers.

The modules that need the optional ``onnx`` and ``onnxruntime`` packages (``pip install
'nncli[onnx]'``) import them at their top; nothing in nncli imports those modules at start-up,
and ``need`` turns a missing package into a one-line error before they are imported.
"""

from __future__ import annotations

import importlib.util

from nncli.errors import NncliError

INSTALL_HINT = "pip install 'nncli[onnx]'"


def need(package: str, what: str) -> None:
    """Raise NncliError saying how to install ``package`` when it is missing (``what`` needs it).

    Only looks the package up (``importlib.util.find_spec``); it does not import it.
    """
    if importlib.util.find_spec(package) is None:
        raise NncliError(f"{what} needs the {package} package, which is not installed: {INSTALL_HINT}")

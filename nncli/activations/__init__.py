"""The activation functions h(a): a registry of 37, each with its derivative and metadata.

    from nncli import activations as A
    h = A.get("leaky_relu", negative_slope=0.2)   # bind parameters; h(a), h.derivative(a), h.label
    A.sigmoid(Z, out=Z)                           # every function by name, in place with out=

Every function takes an array ``a`` of any shape (the layer's pre-activations, rows are
samples) and returns ``h(a)`` with the same dtype: float32 stays float32 (float16 stays
float16), integers become float64. Element-wise functions act on each entry; row-wise ones
(softmax and friends) act along the last axis; grouping ones (glu, maxout) turn the last
axis's ``n`` values into fewer (``units_out``). Every function takes ``out=``, an array of the
result's shape and dtype, which may be ``a`` itself for element-wise and row-wise functions.

Accuracy: for float64 and float32 input every element-wise function is within 2 ulp of the
true value wherever that value is a normal number (measured against mpmath in
``tests/test_activations_accuracy.py``). No input, finite, infinite or NaN, makes a function
emit a RuntimeWarning; ±inf and NaN give the limits documented with each function.

Derivatives: ``grad(a)`` is dh/da element-wise. At a kink the convention is PyTorch's
backward (relu'(0) = 0, leaky_relu'(0) = negative_slope, hard_sigmoid'(±3) = 0, ...), stated
in each entry's ``notes``. Row-wise functions give the Jacobian's diagonal d h_k/d a_k;
grouping functions, at each input position i, the derivative of the one output a_i feeds.

The modules:

- ``registry``: specs, parameters, aliases, ``get``/``lookup``, the ``@activation`` decorator;
- ``classic``, ``rectifiers``, ``gates``, ``other``, ``rowwise``: the functions, each with its
  formula in its docstring and its derivative beside it (importing them registers them, in
  the order of ``names()``); adding an activation is one decorated function and its derivative;
- ``precise``, ``precise_series``, ``precise_rows``: how they are computed to 2 ulp;
  ``doubledouble`` the extra-precision arithmetic, ``blocks`` the float64 block evaluation;
- ``probes``: one-dimensional views for plots and the property table (max |h'|).
"""

from __future__ import annotations

# isort: off
# Importing the function modules registers their activations, in this order: the order of names().
from nncli.activations import classic, rectifiers, gates, other, rowwise  # noqa: F401
# isort: on
from nncli.activations.probes import max_derivative, probe, summary
from nncli.activations.rectifiers import SELU_ALPHA, SELU_SCALE
from nncli.activations.registry import (
    REGISTRY,
    Activation,
    ActivationSpec,
    Param,
    aliases,
    all_names,
    check_complete,
    get,
    lookup,
    names,
)
from nncli.activations.rowwise import log_softmax, softmax

check_complete()

# Every function and derivative by its own name (A.sigmoid, A.sigmoid_grad, ...), taken from the
# registry so that registering an activation is the only edit needed to add one.
for _spec in REGISTRY.values():
    globals()[_spec.fn.__name__] = _spec.fn
    globals()[_spec.grad.__name__] = _spec.grad
del _spec

__all__ = ["REGISTRY", "Activation", "ActivationSpec", "Param", "SELU_ALPHA", "SELU_SCALE", "aliases",
           "all_names", "get", "log_softmax", "lookup", "max_derivative", "names", "probe", "softmax", "summary",
           *(name for s in REGISTRY.values() for name in (s.fn.__name__, s.grad.__name__))]

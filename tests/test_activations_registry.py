"""nncli.activations.registry: the docstring is the single source of each formula, defaults come from the
signature, and a malformed registration fails at import time with a message that says what to write."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from nncli import activations as A
from nncli.activations import registry


@pytest.mark.parametrize("name", A.names())
def test_formula_latex_and_limits_come_from_the_docstring(name):
    spec = A.lookup(name)
    doc = inspect.cleandoc(spec.fn.__doc__)
    assert doc.splitlines()[0] == spec.formula
    assert f"LaTeX: {spec.latex}" in " ".join(line.strip() for line in doc.splitlines())
    assert f"inf, nan: {spec.special}" in " ".join(line.strip() for line in doc.splitlines())
    assert getattr(A, name) is spec.fn and getattr(A, spec.grad.__name__) is spec.grad


@pytest.mark.parametrize("name", [n for n in A.names() if A.lookup(n).params])
def test_parameter_defaults_are_the_signatures(name):
    spec = A.lookup(name)
    signature = inspect.signature(spec.fn).parameters
    grad_signature = inspect.signature(spec.grad).parameters
    for p in spec.params:
        assert p.default == signature[p.name].default == grad_signature[p.name].default


def test_a_docstring_without_its_fields_is_refused():
    with pytest.raises(ValueError, match=r"must start with 'h\(a\) = \.\.\.' and have the lines 'LaTeX:' and 'inf, nan:'"):
        @registry.activation(range="(0, 1)", zero_centred=False, monotonic=True, smooth=True)
        def not_documented(a, *, out=None):
            """Something else first.

            LaTeX: h(a) = a
            """
    assert "not_documented" not in A.REGISTRY


def test_registration_needs_a_derivative_and_a_fresh_name():
    @registry.activation(range="(-inf, inf)", zero_centred=True, monotonic=True, smooth=True)
    def probe_only(a, *, out=None):
        """h(a) = a

        LaTeX: h(a) = a
        inf, nan: h(±inf) = ±inf,
            h(nan) = nan
        """
        return a

    try:
        assert A.lookup("probe_only").special == "h(±inf) = ±inf, h(nan) = nan"  # continued lines are joined
        with pytest.raises(ValueError, match="without @derivative_of: probe_only"):
            registry.check_complete()

        @registry.derivative_of(probe_only)
        def probe_only_grad(a):
            return np.ones_like(a)

        registry.check_complete()
        assert A.get("probe_only").derivative(np.array([2.0]))[0] == 1.0
        with pytest.raises(ValueError, match="registered twice"):
            registry.activation(range="", zero_centred=True, monotonic=True, smooth=True)(probe_only)
    finally:
        del A.REGISTRY["probe_only"]
    assert "probe_only" not in A.names()

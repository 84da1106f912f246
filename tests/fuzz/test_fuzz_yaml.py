"""Fuzzing the strict YAML reader, nncli.yamlstrict.parse.

Property: any text gives a YNode or a one-line NncliError, within the time and memory bounds
of harness.outcome and without a warning.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from nncli.errors import NncliError
from nncli.yamlstrict import YNode, parse
from tests.fuzz.harness import outcome
from tests.fuzz.scale import NO_SHRINK, examples
from tests.fuzz.strategies import SHIPPED_CONFIGS, mutated
from tests.fuzz.yamlgen import ALIAS_PLACES, NEST_SHAPES, PLACES, laughs, nested_in, yaml_documents

def parsed(text: str):
    """parse(text), with the tree turned into plain values (every node visited)."""
    root = parse(text, "fuzz.yaml")
    assert isinstance(root, YNode)
    root.plain()
    return root


@examples(150)
@given(text=yaml_documents())
def test_generated_documents_parse_or_refused(text):
    outcome(lambda: parsed(text), f"parse({text!r})")


@examples(150)
@given(name=st.sampled_from(sorted(SHIPPED_CONFIGS)), data=st.data())
def test_mutated_shipped_configs_parse_or_refused(name, data):
    """configs/*.yaml truncated, flipped, spliced with each other and with hostile fragments."""
    text = data.draw(mutated(SHIPPED_CONFIGS[name], donors=list(SHIPPED_CONFIGS.values())))
    text = text.decode("utf-8", errors="replace")
    outcome(lambda: parsed(text), f"parse(<mutated {name}>: {text!r})")


@examples(100)
@given(text=st.text(st.sampled_from(list("[]{}:,-?&*!|>'\"#%@` \n\tax1.e")), max_size=60))
def test_yaml_punctuation_soup_parse_or_refused(text):
    outcome(lambda: parsed(text), f"parse({text!r})")


@examples(25)
@given(depth=st.integers(65, 3000), shape=st.sampled_from(NEST_SHAPES), where=st.sampled_from(PLACES))
def test_deep_nesting_refused(depth, shape, where):
    """Nesting beyond the reader's limit is an NncliError, not a RecursionError or a hang."""
    text = nested_in(depth, shape, where)
    result = outcome(lambda: parsed(text), f"parse(<{shape} nested {depth} deep under {where}>)")
    assert not isinstance(result, YNode), f"{shape} nested {depth} deep under {where} was accepted"


@examples(10, phases=NO_SHRINK)
@example(depth=1500, shape="flow_list", where="top", tail="]")  # issue 9: was a RecursionError
@given(depth=st.integers(500, 1500), shape=st.sampled_from(NEST_SHAPES),
       where=st.sampled_from(PLACES), tail=st.sampled_from(["\nb: [\n", "]", "\n  bad: : :\n", "}", "\n\t"]))
def test_deep_nesting_with_syntax_error_refused(depth, shape, where, tail):
    """Deep nesting, then a syntax error: an NncliError (PyYAML's pure-Python composer recursed)."""
    text = nested_in(depth, shape, where) + tail
    result = outcome(lambda: parsed(text), f"parse(<{shape} nested {depth} deep under {where}, then {tail!r}>)")
    assert not isinstance(result, YNode), f"{shape} nested {depth} deep under {where}, then {tail!r}, was accepted"


@examples(10, phases=NO_SHRINK)
@example(depth=65, shape="flow_list", where="top")
@given(depth=st.integers(65, 500), shape=st.sampled_from(NEST_SHAPES), where=st.sampled_from(PLACES))
def test_deep_nesting_message_names_no_anchor(depth, shape, where):
    """Issue 9: deep nesting in a file without any anchor was blamed on a 'recursive anchor'."""
    text = nested_in(depth, shape, where)
    result = outcome(lambda: parsed(text), f"parse(<{shape} nested {depth} deep under {where}>)")
    assert isinstance(result, NncliError) and "anchor" not in str(result), \
        f"{shape} {depth} deep (no anchor in the file): {result!r}"


@examples(60)
@given(levels=st.integers(1, 4), width=st.integers(1, 4), where=st.sampled_from(ALIAS_PLACES))
def test_small_alias_expansions_parse_or_refused(levels, width, where):
    """Anchors and aliases of modest expansion (at most 4**4 values): a value or an NncliError, quickly."""
    text = laughs(levels, width, where)
    outcome(lambda: parsed(text), f"parse(<aliases {levels} levels x {width} wide under {where}>)")

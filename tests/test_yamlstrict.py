"""The strict YAML reader: YAML 1.2-like scalars, duplicate keys, tags, positions."""

import math

import pytest

from nncli.errors import ConfigError
from nncli.yamlstrict import parse, plain_scalar


@pytest.mark.parametrize(
    "text, value",
    [
        ("1e-3", 0.001), ("-2E5", -200000.0), ("1.5e+2", 150.0), (".5", 0.5), ("1.", 1.0),
        ("010", 10), ("-7", -7), ("0x1F", 31), ("0o17", 15),
        ("true", True), ("False", False), ("~", None), ("null", None),
        ("NO", "NO"), ("yes", "yes"), ("on", "on"), ("sigmoid", "sigmoid"), ("1e", "1e"),
    ],
)
def test_plain_scalars_follow_yaml_1_2(text, value):
    got = plain_scalar(text)
    assert got == value and type(got) is type(value)


def test_special_floats():
    assert plain_scalar(".inf") == math.inf
    assert plain_scalar("-.inf") == -math.inf
    assert math.isnan(plain_scalar(".nan"))


def test_quoted_scalars_stay_strings_and_explicit_tags_apply():
    node = parse('a: "1e-3"\nb: !!str 10\nc: !!float 3\nd: \'x\'\n')
    assert node.plain() == {"a": "1e-3", "b": "10", "c": 3.0, "d": "x"}


def test_positions_are_one_based():
    node = parse("name: n\nlayers:\n  - weights: [[1, 2]]\n", "f.yaml")
    element = node.value["layers"].value[0].value["weights"].value[0].value[1]
    assert (element.mark.line, element.mark.column) == (3, 19)  # "  - weights: [[1, 2]]": the 2 is in column 19
    assert str(node.key_marks["layers"]) == "f.yaml:2:1"


def test_duplicate_key_is_an_error_at_the_second_key():
    with pytest.raises(ConfigError) as err:
        parse("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert str(err.value) == "f.yaml:3:1: duplicate key 'a' (first defined at line 1, column 1)"


@pytest.mark.parametrize("text", ["x: !!python/object/apply:os.system [echo hi]", "x: !custom 3"])
def test_unknown_tags_are_refused(text):
    with pytest.raises(ConfigError, match="is not allowed"):
        parse(text, "f.yaml")


def test_syntax_error_reports_pyyaml_position():
    with pytest.raises(ConfigError) as err:
        parse("a: [1, 2\nb: 3\n", "f.yaml")
    assert str(err.value).startswith("f.yaml:2:2: YAML syntax error:")


def test_recursive_anchor_does_not_hang():
    with pytest.raises(ConfigError, match=r"^f.yaml:1:8: alias \*x refers to a value that contains it"):
        parse("a: &x [*x]\n", "f.yaml")

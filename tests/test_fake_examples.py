"""The values FakeClaude's model writes for a JSON Schema (tool inputs and structured
output), pinned exactly for one function, `_example`: which keyword wins, the bounds each
draw uses (checked against a second generator with the same seed making the draw the
documented bounds give), the depth limit and the token budget."""

from __future__ import annotations

import random
from typing import Any

import pytest

from anyio_claude.testing._fake_model import VOCABULARY, _example, _OutOfTokens

SEED = 7


def _run(schema: Any, **kwargs: Any) -> Any:
    return _example(schema, random.Random(SEED), **kwargs)


def _twin() -> random.Random:
    return random.Random(SEED)


def _words() -> str:
    twin = _twin()
    return f"{twin.choice(VOCABULARY)} {twin.choice(VOCABULARY)}"


def _nest(inner: Any, levels: int) -> Any:
    for _ in range(levels):
        inner = {"type": "object", "properties": {"x": inner}}
    return inner


FIXED: list[tuple[Any, Any]] = [
    # Keywords that fix the value, in the order they win.
    ({"enum": ["a", "b"], "type": "integer"}, "a"),
    ({"const": None, "type": "integer"}, None),
    ({"const": 3, "type": "string"}, 3),
    ({"enum": [], "const": 4}, 4),
    ({"type": "null"}, None),
    ({"type": ["null", "integer"], "minimum": 7, "maximum": 7}, 7),
    ({"type": "integer", "minimum": 5, "maximum": 3}, 5),
    ({"type": "object"}, {}),
    ({"properties": {"a": {"const": 1}, "b": {"enum": [2]}}}, {"a": 1, "b": 2}),
    ({"type": "object", "properties": None}, {}),
    # Arrays: minItems, else one item near the root.
    ({"type": "array", "items": {"const": 1}}, [1]),
    ({"type": "array", "items": {"const": 1}, "minItems": 3}, [1, 1, 1]),
    ({"type": "array", "items": {"const": 1}, "minItems": 0}, []),
    ({"type": "array", "items": {"type": "array", "items": {"const": 1}}}, [[1]]),
    (_nest({"type": "array", "items": {"const": 1}}, 3), {"x": {"x": {"x": [1]}}}),
    (_nest({"type": "array", "items": {"const": 1}}, 4), {"x": {"x": {"x": {"x": []}}}}),
    # anyOf / oneOf: the first choice that is not null, null itself only deep down.
    ({"anyOf": [{"type": "null"}, {"const": 1}, {"const": 2}]}, 1),
    ({"oneOf": [{"type": "null"}, {"const": 1}]}, 1),
    ({"anyOf": [{"const": 2}, {"type": "null"}]}, 2),
    ({"anyOf": [{"type": "null"}]}, None),
    ({"anyOf": [], "oneOf": [{"const": 5}]}, 5),
    ({"anyOf": "x", "const": 6}, 6),
    ({"oneOf": [{"const": 8}], "anyOf": [{"const": 9}]}, 9),
    (_nest({"anyOf": [{"type": "null"}, {"const": 1}]}, 3), {"x": {"x": {"x": 1}}}),
    (_nest({"anyOf": [{"type": "null"}, {"const": 1}]}, 4), {"x": {"x": {"x": {"x": None}}}}),
    (_nest({"anyOf": [{"const": 1}]}, 4), {"x": {"x": {"x": {"x": 1}}}}),
    # $ref into the root's $defs, at any depth, through chains; other refs are ignored.
    ({"$defs": {"A": {"const": 5}}, "$ref": "#/$defs/A"}, 5),
    (
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"enum": ["x"]}}},
        {"a": "x"},
    ),
    (
        {"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"properties": {"b": {"const": 2}}}}, "$ref": "#/$defs/A"},
        {"b": 2},
    ),
    ({"$ref": "#/definitions/A", "definitions": {"A": {"const": 1}}, "const": 3}, 3),
    ({"$ref": 3, "const": 4}, 4),
    (
        {"$defs": {"A": {"anyOf": [{"type": "null"}, {"const": 1}]}}, **_nest({"$ref": "#/$defs/A"}, 4)},
        {"x": {"x": {"x": {"x": None}}}},
    ),
    # allOf: the parts merged (properties too), refs followed, over the schema's own keys.
    (
        {
            "properties": {"z": {"const": 0}},
            "allOf": [
                {"properties": {"a": {"const": 1}}},
                True,
                {"$ref": "#/$defs/B"},
            ],
            "$defs": {"B": {"$ref": "#/$defs/C"}, "C": {"properties": {"b": {"const": 2}}}},
        },
        {"z": 0, "a": 1, "b": 2},
    ),
    ({"const": 1, "allOf": [{"const": 2}]}, 2),
    ({"allOf": [], "const": 3}, 3),
    ({"allOf": [{"properties": {"a": {"const": 1}}}, {"properties": {"a": {"const": 2}}}]}, {"a": 2}),
    ({"allOf": [{"type": "integer", "minimum": 4}, {"maximum": 4}]}, 4),
    # Strings: formats, then places for location-like names.
    *(({"type": "string", "format": f}, v) for f, v in [
        ("date-time", "2025-01-01T12:00:00Z"),
        ("date", "2025-01-01"),
        ("time", "12:00:00"),
        ("duration", "P1D"),
        ("email", "someone@example.com"),
        ("hostname", "example.com"),
        ("uri", "https://example.com/"),
        ("ipv4", "192.0.2.1"),
        ("ipv6", "2001:db8::1"),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000"),
    ]),
    ({"type": "object", "properties": {"city": {"type": "string"}}}, {"city": "San Francisco, CA"}),
    ({"type": "object", "properties": {"location": {}, "place": {}}}, {"location": "San Francisco, CA", "place": "San Francisco, CA"}),
]  # fmt: skip


@pytest.mark.parametrize(("schema", "value"), FIXED)
def test_fixed_values(schema: Any, value: Any) -> None:
    assert _run(schema) == value


def test_places_fill_location_like_names_and_items_keep_the_name() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "place": {"type": "array", "items": {"type": "string"}},
            "location": {"type": "string", "format": "email"},
        },
    }
    assert _run(schema, place="Rome") == {
        "city": "Rome",
        "place": ["Rome"],
        "location": "someone@example.com",
    }
    assert _run({"type": "string"}, name="city", place="Oslo") == "Oslo"
    assert _run({"type": "string"}, place="Oslo") == _words()
    assert _run({"type": ["null"]}, name="town", place="Oslo") == _words()
    assert _run({"type": "string", "format": "other"}) == _words()
    assert _run({}) == _words()


def test_draws_use_the_documented_bounds() -> None:
    assert _run(True) == _twin().choice(VOCABULARY)
    assert _run(None) == _twin().choice(VOCABULARY)
    assert _run({"type": "integer"}) == _twin().randint(0, 100)
    assert _run({"type": "integer", "minimum": 5}) == _twin().randint(5, 105)
    assert _run({"type": "integer", "minimum": 2, "maximum": 9}) == _twin().randint(2, 9)
    assert _run({"type": "integer", "maximum": 30}) == _twin().randint(0, 30)
    assert _run({"type": "number"}) == round(_twin().uniform(0, 100), 2)
    assert _run({"type": "number", "minimum": 1.5}) == round(_twin().uniform(1.5, 101.5), 2)
    assert _run({"type": "number", "minimum": 1, "maximum": 2}) == round(_twin().uniform(1, 2), 2)
    assert _run({"type": "number", "maximum": 0.5}) == round(_twin().uniform(0, 0.5), 2)
    assert _run({"type": "array"}) == [_words()]
    for seed in range(20):
        got = _example({"type": "boolean"}, random.Random(seed))
        assert got is (random.Random(seed).random() < 0.5)


def test_the_budget_counts_every_value() -> None:
    schema = {"type": "object", "properties": {"a": {"const": 1}, "b": {"const": 2}}}
    budget = [3]
    assert _run(schema, budget=budget) == {"a": 1, "b": 2}
    assert budget == [0]
    with pytest.raises(_OutOfTokens):
        _run(schema, budget=[2])
    with pytest.raises(_OutOfTokens):
        _run({"const": 1}, budget=[0])
    budget = [1]
    assert _run({"const": 1}, budget=budget) == 1
    assert budget == [0]
    # A $ref and a merged allOf are the same value, counted once each step.
    budget = [5]
    assert _run({"$defs": {"A": {"const": 1}}, "$ref": "#/$defs/A"}, budget=budget) == 1
    assert budget == [3]
    budget = [5]
    assert _run({"anyOf": [{"const": 1}]}, budget=budget) == 1
    assert budget == [3]
    budget = [5]
    assert _run({"allOf": [{"const": 1}]}, budget=budget) == 1
    assert budget == [3]


def test_refs_and_choices_keep_the_name_place_generator_defs_and_depth() -> None:
    defs = {"C": {"type": "string"}, "I": {"type": "integer"}, "A": {"const": 1}}
    for wrap in (
        lambda s: s,
        lambda s: {"anyOf": [{"type": "null"}, s]},
        lambda s: {"allOf": [s]},
    ):
        schema = {"properties": {"city": wrap({"$ref": "#/$defs/C"})}, "$defs": defs}
        assert _run(schema, place="Rome") == {"city": "Rome"}
        assert _run({"$defs": defs, **wrap({"$ref": "#/$defs/I"})}) == _twin().randint(0, 100)
        nested = {"properties": {"x": wrap({"properties": {"a": {"$ref": "#/$defs/A"}}})}}
        assert _run({**nested, "$defs": defs}) == {"x": {"a": 1}}
    assert _run({"anyOf": [{"type": "integer"}]}) == _twin().randint(0, 100)
    assert _run({"oneOf": [{"type": "object", "properties": {"a": {"const": 1}}}]}) == {"a": 1}
    assert _run(_nest({"anyOf": [{"type": "array", "items": {"const": 1}}]}, 3)) == {
        "x": {"x": {"x": [1]}}
    }


def test_an_integer_without_a_maximum_is_at_most_100_over_the_minimum() -> None:
    # randint(0, 100) and randint(0, 101) draw alike unless the 7 random bits are 101.
    for seed in range(400):
        got = _example({"type": "integer"}, random.Random(seed))
        assert got == random.Random(seed).randint(0, 100)

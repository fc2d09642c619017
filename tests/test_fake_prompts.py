"""How FakeClaude's model reads a request, pinned for the small functions that do it: the
last user turn and its text, the tool results in it, the places a prompt names, the tools
in view after the history's additions and removals, which tools run on the caller's side,
a tool call's input, and the output schema."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from anyio_claude.testing._fake_model import (
    VOCABULARY,
    _last_user_text,
    _last_user_turn,
    _OutOfTokens,
    _places,
    _runs_here,
    _tool_input,
    _tool_results,
    _tools_in_view,
    output_schema,
)

SF = "San Francisco, CA"


@pytest.mark.parametrize(
    ("prompt", "places"),
    [
        ("hello", [SF]),
        ("weather in paris", [SF]),
        ("What is the weather in Paris?", ["Paris"]),
        ("at Rome", ["Rome"]),
        ("for Lima", ["Lima"]),
        ("within Paris", [SF]),
        ("in Paris, Lima and Rome?", ["Paris", "Lima", "Rome"]),
        ("in Paris and Rome", ["Paris", "Rome"]),
        ("in Paris and New York", ["Paris", "New York"]),
        ("in San Francisco, CA and Austin, TX", [SF, "Austin, TX"]),
        ("in San Francisco, CA", [SF]),
        ("in New York City today", ["New York City"]),
        ("in Paris. Then Rome", ["Paris"]),
        ("in O'Brien-Town", ["O'Brien-Town"]),
        ("in CA", ["CA"]),
        ("in Paris and rome", ["Paris"]),
    ],
)
def test_places(prompt: str, places: list[str]) -> None:
    assert _places(prompt) == places


def test_the_last_user_turn_merges_consecutive_user_messages() -> None:
    a = {"role": "user", "content": "a"}
    b = {"role": "assistant", "content": "b"}
    c = {"role": "user", "content": "c"}
    d = {"role": "user", "content": [{"type": "text", "text": "d"}]}
    assert _last_user_turn({"messages": [a, b, c, d]}) == [c, d]
    assert _last_user_turn({"messages": [a, b, c, d, b]}) == [c, d]
    assert _last_user_turn({"messages": [a, b]}) == [a]
    assert _last_user_turn({"messages": [b]}) == []
    assert _last_user_turn({"messages": None}) == []
    assert _last_user_turn({}) == []


def test_the_last_user_text_joins_texts_and_shows_other_blocks_as_json() -> None:
    image = {"type": "image", "source": {"b": 1, "a": 2}}
    body = {
        "messages": [
            {"role": "user", "content": "old"},
            {"role": "assistant", "content": "x"},
            {"role": "user", "content": "first"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "second"},
                    "junk",
                    image,
                    {"type": "text"},
                    {"type": "text", "text": 3},
                ],
            },
            {"role": "user", "content": None},
        ]
    }
    assert _last_user_text(body) == " ".join(
        ["first", "second", json.dumps(image, sort_keys=True), "", "3"]
    )
    assert json.dumps(image, sort_keys=True).index('"a"') < json.dumps(image).index('"b"')
    assert _last_user_text({"messages": [{"role": "user", "content": "only"}]}) == "only"
    assert _last_user_text({}) == ""


def test_tool_results_of_the_last_user_turn() -> None:
    def turn(*blocks: Any) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": list(blocks)}]}

    def result(content: Any = None, **more: Any) -> dict[str, Any]:
        block = {"type": "tool_result", "tool_use_id": "t", **more}
        if content is not None:
            block["content"] = content
        return block

    assert _tool_results(turn({"type": "text", "text": "x"})) == ""
    assert _tool_results({"messages": [{"role": "user", "content": "x"}]}) == ""
    assert _tool_results(turn(result("Sunny"), "junk", result("Rain"))) == "Sunny Rain"
    assert _tool_results(turn(result())) == "(no output)"
    assert _tool_results(turn(result(""))) == "(no output)"
    assert _tool_results(turn(result([]))) == "(no output)"
    listed = [{"type": "text", "text": "a"}, "junk", {"type": "image"}, {"text": "b"}]
    assert _tool_results(turn(result(listed))) == "a  b"
    assert _tool_results(turn(result(17))) == "17"
    old = {"role": "user", "content": [result("old")]}
    body = {
        "messages": [old, {"role": "assistant", "content": "x"}, turn(result("new"))["messages"][0]]
    }
    assert _tool_results(body) == "new"


def test_tools_in_view_follow_the_history() -> None:
    weather = {"name": "get_weather", "input_schema": {"type": "object"}}
    time = {"name": "get_time", "input_schema": {"type": "object"}}
    new_weather = {**weather, "description": "v2"}

    def system(*blocks: Any, role: str = "system") -> dict[str, Any]:
        return {"role": role, "content": list(blocks)}

    def add(tool: Any) -> dict[str, Any]:
        return {"type": "tool_addition", "tool": {"definition": tool}}

    def remove(name: str) -> dict[str, Any]:
        return {"type": "tool_removal", "tool": {"name": name}}

    assert _tools_in_view({"tools": [weather, "junk", time]}) == [weather, time]
    assert _tools_in_view({"tools": None, "messages": None}) == []
    messages = [system(add(time), add(new_weather)), {"role": "user", "content": "x"}]
    assert _tools_in_view({"tools": [weather], "messages": messages}) == [time, new_weather]
    messages = [system(remove("get_weather"), "junk", {"type": "tool_removal"}, add(weather))]
    assert _tools_in_view({"tools": [weather, time], "messages": messages}) == [time, weather]
    messages = [system(add(time)), system(remove("get_time"))]
    assert _tools_in_view({"tools": [weather], "messages": messages}) == [weather]
    # Only system messages change the tools; a definition must be an object.
    ignored = [
        system(add(time), role="user"),
        system({"type": "tool_addition", "tool": {"definition": "x"}}),
        system({"type": "tool_addition", "tool": "x"}),
        system({"type": "other", "tool": {"definition": time, "name": "get_weather"}}),
        {"role": "system", "content": "text"},
    ]
    assert _tools_in_view({"tools": [weather], "messages": ignored}) == [weather]


def test_runs_here() -> None:
    assert _runs_here({"name": "a", "input_schema": {}})
    assert _runs_here({"name": "memory", "type": "memory_20250818"})
    assert not _runs_here({"name": "web_search", "type": "web_search_20250305"})
    assert not _runs_here({"name": "x", "type": "a_memory_1"})
    assert not _runs_here({"name": "x"})


def test_tool_input() -> None:
    memory = {"type": "memory_20250818", "name": "memory"}
    assert _tool_input(memory, random.Random(0), "Paris", 0) == {
        "command": "view",
        "path": "/memories",
    }
    city = {"name": "w", "input_schema": {"type": "object", "properties": {"city": {}}}}
    assert _tool_input(city, random.Random(0), "Paris", 2) == {"city": "Paris"}
    assert _tool_input({"name": "w", "input_schema": {"const": 3}}, random.Random(0), "", 1) == {
        "value": 3
    }
    assert (
        _tool_input({"name": "w", "input_schema": {"type": "object"}}, random.Random(0), "", 1)
        == {}
    )
    rng = random.Random(4)
    assert _tool_input({"name": "w"}, rng, "", 1) == {"value": _words(random.Random(4))}
    # The budget caps the input as it caps any generated value.
    with pytest.raises(_OutOfTokens):
        _tool_input(city, random.Random(0), "Paris", 1)


def _words(rng: random.Random) -> str:
    return f"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}"


def test_output_schema() -> None:
    schema = {"type": "object"}
    assert (
        output_schema({"output_config": {"format": {"type": "json_schema", "schema": schema}}})
        is schema
    )
    assert output_schema({}) is None
    assert output_schema({"output_config": None}) is None
    assert output_schema({"output_config": "x"}) is None
    assert output_schema({"output_config": {}}) is None
    assert output_schema({"output_config": {"format": "x"}}) is None

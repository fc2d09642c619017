"""Which tools FakeClaude's model calls, pinned for the two functions that decide it:
`_pick_calls` (the tool choice, the tools and places the prompt names, toolset members,
results in hand, `disable_parallel_tool_use`) and `_tool_searches` (deferred tools found
by a tool search first, once, or not called without one)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from anyio_claude.testing._fake_model import _pick_calls, _tool_searches
from anyio_claude.types import (
    ServerToolUseBlock,
    ToolReferenceBlock,
    ToolSearchToolResultBlock,
    ToolSearchToolSearchResultBlock,
)

OBJ = {"type": "object"}
WEATHER = {"name": "get_weather", "input_schema": OBJ}
TIME = {"name": "get_time", "input_schema": OBJ}
SEARCH = {"name": "web_search", "type": "web_search_20250305"}
MEMORY = {"name": "memory", "type": "memory_20250818"}
BROWSER = {"type": "browser_toolset_20250101", "mcp_server_name": "b"}
SF = "San Francisco, CA"
RESULT = [{"type": "tool_result", "tool_use_id": "t", "content": "ok"}]


def _member(name: str, family: str = "browser") -> dict[str, Any]:
    return {"name": name, "toolset_name": family, "input_schema": OBJ}


def _calls(prompt: str, tools: list[Any], **body: Any) -> list[tuple[Any, str]]:
    messages = body.pop("messages", [{"role": "user", "content": prompt}])
    return _pick_calls({"tools": tools, "messages": messages, **body}, prompt)


CASES: list[tuple[str, list[Any], dict[str, Any], list[tuple[Any, str]]]] = [
    ("What is the weather in Paris?", [], {}, []),
    ("use web_search in Paris", [SEARCH], {}, []),
    ("hello", [WEATHER, TIME], {}, []),
    ("What is the weather in Paris?", [WEATHER, TIME], {}, [(WEATHER, "Paris")]),
    ("a tool please", [TIME, WEATHER], {}, [(TIME, SF)]),
    ("use it", [TIME], {}, [(TIME, SF)]),
    ("user", [TIME], {}, []),
    ("call get_time for Rome and Lima", [WEATHER, TIME], {}, [(TIME, "Rome"), (TIME, "Lima")]),
    ("GET_TIME and get_weather at Oslo", [WEATHER, TIME], {}, [(WEATHER, "Oslo"), (TIME, "Oslo")]),
    ("hello", [WEATHER, TIME], {"tool_choice": {"type": "any"}}, [(WEATHER, SF)]),
    ("hello", [SEARCH, WEATHER], {"tool_choice": {"type": "any"}}, [(WEATHER, SF)]),
    ("get_weather", [WEATHER, TIME], {"tool_choice": {"type": "tool", "name": "get_time"}}, [(TIME, SF)]),
    ("hello", [WEATHER, TIME], {"tool_choice": {"type": "tool", "name": "nope"}}, [(WEATHER, SF)]),
    ("get_weather in Paris", [WEATHER], {"tool_choice": {"type": "none"}}, []),
    ("get_weather in Paris", [WEATHER], {"tool_choice": None}, [(WEATHER, "Paris")]),
    ("get_weather in Paris", [WEATHER], {"tool_choice": {}}, [(WEATHER, "Paris")]),
    ("get_weather in Paris", [WEATHER], {"tool_choice": "any"}, [(WEATHER, "Paris")]),
    ("get_weather", [WEATHER], {"tool_choice": "any", "messages": [{"role": "user", "content": RESULT}]}, []),
    (
        "get_weather in Paris and Rome",
        [WEATHER],
        {"tool_choice": {"type": "auto", "disable_parallel_tool_use": True}},
        [(WEATHER, "Paris")],
    ),
    (
        "get_weather in Paris and Rome",
        [WEATHER],
        {"tool_choice": {"type": "auto", "disable_parallel_tool_use": False}},
        [(WEATHER, "Paris"), (WEATHER, "Rome")],
    ),
    # Results in hand: auto answers, any still calls.
    ("get_weather", [WEATHER], {"messages": [{"role": "user", "content": RESULT}]}, []),
    (
        "get_weather",
        [WEATHER],
        {"messages": [{"role": "user", "content": RESULT}], "tool_choice": {"type": "any"}},
        [(WEATHER, SF)],
    ),
    (
        "get_weather",
        [WEATHER],
        {"messages": [{"role": "user", "content": RESULT}, {"role": "assistant", "content": "a"}, {"role": "user", "content": "x"}]},
        [(WEATHER, SF)],
    ),
    # The memory tool runs here; server tools do not.
    ("remember with a tool", [SEARCH, MEMORY], {}, [(MEMORY, SF)]),
    # Toolset members: named members in the prompt's order once the family is named,
    # after the named tools, at the first place; no fallback tool beside them.
    (
        "use the Browser to screenshot, navigate and screenshot",
        [BROWSER],
        {},
        [(_member("screenshot"), SF), (_member("navigate"), SF), (_member("screenshot"), SF)],
    ),
    ("use the browser to navigate", [WEATHER, BROWSER], {}, [(_member("navigate"), SF)]),
    (
        "get_weather in Paris and Rome, then the browser to find",
        [WEATHER, BROWSER],
        {},
        [(WEATHER, "Paris"), (WEATHER, "Rome"), (_member("find"), "Paris")],
    ),
    ("navigate with a tool", [BROWSER, TIME], {}, [(TIME, SF)]),
    ("the browsers navigate", [BROWSER], {}, []),
    ("the browser will Navigate or navigates", [BROWSER], {}, []),
    ("the computer: key then type", [{"type": "computer_toolset_1"}], {}, [(_member("key", "computer"), SF), (_member("type", "computer"), SF)]),
    ("the foo to navigate", [{"type": "foo_toolset_1"}], {}, []),
    ("the browser to navigate", [{"type": "browser_toolset_x"}], {}, []),
    ("the browser to navigate", [{"type": "a_browser_toolset_1"}], {}, []),
]  # fmt: skip


@pytest.mark.parametrize(("prompt", "tools", "body", "calls"), CASES)
def test_pick_calls(prompt: str, tools: list[Any], body: dict[str, Any], calls: Any) -> None:
    assert _calls(prompt, tools, **body) == calls


def test_tools_added_and_removed_by_the_history_are_the_ones_called() -> None:
    system = {
        "role": "system",
        "content": [
            {"type": "tool_removal", "tool": {"name": "get_weather"}},
            {"type": "tool_addition", "tool": {"definition": TIME}},
        ],
    }
    body = {"tools": [WEATHER], "messages": [system, {"role": "user", "content": "a tool"}]}
    assert _pick_calls(body, "a tool") == [(TIME, SF)]


REGEX = {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"}
BM25 = {"type": "tool_search_tool_bm25_20251119", "name": "tool_search_tool_bm25"}
DEFERRED = {**WEATHER, "defer_loading": True}


def _search(message_id: str, name: str, search: str, key: str) -> list[Any]:
    search_id = "srvtoolu_" + hashlib.sha256(f"{message_id}:{name}".encode()).hexdigest()[:24]
    return [
        ServerToolUseBlock(id=search_id, name=search, input={key: name}),
        ToolSearchToolResultBlock(
            tool_use_id=search_id,
            content=ToolSearchToolSearchResultBlock(
                tool_references=[ToolReferenceBlock(tool_name=name)]
            ),
        ),
    ]


def test_tool_searches() -> None:
    calls: list[tuple[Any, str]] = [(DEFERRED, "Paris"), (TIME, "Rome"), (DEFERRED, "Lima")]
    # Nothing deferred: no search, every call kept.
    assert _tool_searches({"tools": [TIME]}, [(TIME, "Rome")], "msg_1") == ([], [(TIME, "Rome")])
    # A deferred tool without a search tool cannot be called.
    assert _tool_searches({"tools": [DEFERRED, TIME, SEARCH]}, calls, "m") == ([], [(TIME, "Rome")])
    # One search per deferred tool, before its calls; regex searches by pattern.
    blocks, kept = _tool_searches({"tools": [DEFERRED, TIME, REGEX]}, calls, "msg_1")
    assert blocks == _search("msg_1", "get_weather", "tool_search_tool_regex", "pattern")
    assert kept == calls
    blocks, kept = _tool_searches({"tools": [BM25, DEFERRED]}, calls[:1], "msg_2")
    assert blocks == _search("msg_2", "get_weather", "tool_search_tool_bm25", "query")
    assert kept == calls[:1]
    # Each deferred tool gets its own search.
    later = {**TIME, "defer_loading": True}
    both: list[tuple[Any, str]] = [(DEFERRED, "Paris"), (later, "Rome")]
    blocks, kept = _tool_searches({"tools": [REGEX, DEFERRED, later]}, both, "m")
    assert blocks == [
        *_search("m", "get_weather", "tool_search_tool_regex", "pattern"),
        *_search("m", "get_time", "tool_search_tool_regex", "pattern"),
    ]
    assert kept == both
    # Only `defer_loading: true` defers.
    lazy = {**WEATHER, "defer_loading": "true"}
    assert _tool_searches({"tools": [lazy]}, [(lazy, "Paris")], "m") == ([], [(lazy, "Paris")])


def test_a_tool_an_earlier_turn_found_needs_no_search() -> None:
    found = {
        "type": "tool_search_tool_result",
        "tool_use_id": "s",
        "content": {"tool_references": [{"type": "tool_reference", "tool_name": "get_weather"}]},
    }
    history = [
        {"role": "user", "content": "find it"},
        {"role": "assistant", "content": ["junk", {"type": "text", "text": "x"}, found]},
        {"role": "user", "content": "go"},
    ]
    body = {"tools": [DEFERRED], "messages": history}
    assert _tool_searches(body, [(DEFERRED, "Paris")], "m") == ([], [(DEFERRED, "Paris")])
    # Other tools found do not count; malformed references are skipped.
    other = {**found, "content": {"tool_references": ["x", {"tool_name": "get_time"}]}}
    body = {"tools": [REGEX, DEFERRED], "messages": [{"role": "assistant", "content": [other]}]}
    blocks, _ = _tool_searches(body, [(DEFERRED, "Paris")], "m")
    assert len(blocks) == 2

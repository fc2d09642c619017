"""FakeClaude as a tool-using model: which tools it calls, how many per turn, and when it
stops, as seen through the official SDK (an independent client) and ours (streaming)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest

from anyio_claude import AsyncClaude
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"


def _tool(name: str, **properties: Any) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"The {name} tool",
        "input_schema": {
            "type": "object",
            "properties": properties,
            "required": list(properties),
        },
    }


WEATHER = _tool("get_weather", location={"type": "string"})
TIME = _tool("get_time", location={"type": "string"})
NOTES = _tool("take_note", text={"type": "string"})


@pytest.fixture
async def official() -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with FakeClaude() as server:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0)
        yield client
        await client.close()


async def _calls(client: anthropic.AsyncAnthropic, prompt: str, **params: Any) -> list[Any]:
    params.setdefault("tools", [WEATHER, TIME, NOTES])
    reply = await client.messages.create(
        model=MODEL, max_tokens=500, messages=[{"role": "user", "content": prompt}], **params
    )
    uses = [b for b in reply.content if b.type == "tool_use"]
    assert reply.stop_reason == ("tool_use" if uses else "end_turn")
    return [(b.name, b.input) for b in uses]


async def test_several_calls_in_one_turn(official: anthropic.AsyncAnthropic) -> None:
    calls = await _calls(official, "Use get_weather and get_time in Paris and Rome")
    assert calls == [
        ("get_weather", {"location": "Paris"}),
        ("get_weather", {"location": "Rome"}),
        ("get_time", {"location": "Paris"}),
        ("get_time", {"location": "Rome"}),
    ]


async def test_tool_choice_is_respected(official: anthropic.AsyncAnthropic) -> None:
    prompt = "Use get_weather and get_time in Paris and Rome"
    assert await _calls(official, prompt, tool_choice={"type": "none"}) == []
    named = await _calls(official, prompt, tool_choice={"type": "tool", "name": "take_note"})
    assert [name for name, _ in named] == ["take_note", "take_note"]
    only = await _calls(official, "hello", tool_choice={"type": "tool", "name": "take_note"})
    assert [name for name, _ in only] == ["take_note"]
    assert [name for name, _ in await _calls(official, "hi", tool_choice={"type": "any"})] == [
        "get_weather"
    ]
    single = await _calls(
        official, prompt, tool_choice={"type": "auto", "disable_parallel_tool_use": True}
    )
    assert single == [("get_weather", {"location": "Paris"})]
    assert await _calls(official, "Tell me a story") == []


async def test_it_answers_once_it_has_the_results(official: anthropic.AsyncAnthropic) -> None:
    first = await official.messages.create(
        model=MODEL,
        max_tokens=500,
        tools=[WEATHER],
        messages=[{"role": "user", "content": "What is the weather in Oslo and Bergen?"}],
    )
    uses = [b for b in first.content if b.type == "tool_use"]
    assert len({b.id for b in uses}) == 2
    results = [
        {"type": "tool_result", "tool_use_id": b.id, "content": f"Snow in {b.input['location']}"}  # type: ignore[index]
        for b in uses
    ]
    history: list[Any] = [
        {"role": "user", "content": "What is the weather in Oslo and Bergen?"},
        {"role": "assistant", "content": first.content},
        {"role": "user", "content": results},
    ]
    second = await official.messages.create(
        model=MODEL, max_tokens=500, tools=[WEATHER], messages=history
    )
    assert second.stop_reason == "end_turn"
    assert second.content[0].text.startswith("The tool returned: Snow in Oslo Snow in Bergen")  # type: ignore[union-attr]
    # With `any` a tool must be called whatever the history holds.
    forced = await official.messages.create(
        model=MODEL, max_tokens=500, tools=[WEATHER], messages=history, tool_choice={"type": "any"}
    )
    assert forced.stop_reason == "tool_use"


async def test_server_tools_are_not_called_and_memory_is_viewed(
    official: anthropic.AsyncAnthropic,
) -> None:
    search = {"type": "web_search_20250305", "name": "web_search"}
    assert await _calls(official, "use web_search please", tools=[search]) == []
    memory = {"type": "memory_20250818", "name": "memory"}
    assert await _calls(official, "Remember my name, use the memory", tools=[memory]) == [
        ("memory", {"command": "view", "path": "/memories"})
    ]


async def test_several_calls_stream() -> None:
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        async with client.messages.stream(
            model=MODEL,
            max_tokens=500,
            tools=[WEATHER, TIME],
            messages=[{"role": "user", "content": "use get_time in Lima and Quito"}],
        ) as stream:
            kinds = [event.type async for event in stream]
            final = await stream.get_final_message()
    assert kinds.count("content_block_start") == 3
    assert [(b.type, getattr(b, "input", None)) for b in final.content[1:]] == [
        ("tool_use", {"location": "Lima"}),
        ("tool_use", {"location": "Quito"}),
    ]
    assert final.stop_reason == "tool_use"

"""Runnable toolsets (`BetaRunnableToolset`, `BetaAsyncRunnableToolset`) in the tool runner,
against FakeClaude calling their members: dispatch by `toolset_name`, a toolset's calls run
in the model's order, the later ones answered as not executed once one fails, and the
official SDK's results."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from typing import Any

import anyio
import anyio.to_thread
import pytest

from anyio_claude import Anthropic, AsyncAnthropic, beta_async_tool
from anyio_claude.lib.tools import BetaAsyncRunnableToolset, BetaRunnableToolset, ToolError
from anyio_claude.testing import FakeClaude
from anyio_claude.types import ToolUseBlock

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"


class Browser(BetaRunnableToolset):
    """A blocking driver that records its calls (and fails on `fail`)."""

    toolset_name = "browser"

    def __init__(self, fail: str | None = None) -> None:
        self.calls: list[tuple[str, str | None, int]] = []
        self.fail = fail
        self.third_call = threading.Event()

    def to_dict(self) -> Any:
        return {"type": "browser_toolset_20260801"}

    def call(self, context: Any, name: str, input: Mapping[str, object]) -> str:
        assert context.tool_use is not None and context.tool_use.name == name
        self.calls.append((name, context.tool_use.toolset_name, threading.get_ident()))
        if len(self.calls) == 3:
            self.third_call.set()
        if name == self.fail:
            raise ValueError("the page is gone")
        return f"{name} done"


class Computer(BetaAsyncRunnableToolset):
    toolset_name = "computer"

    async def call(self, context: Any, name: str, input: Mapping[str, object]) -> Any:
        if name == "key":
            raise ToolError([{"type": "text", "text": "no keyboard"}, {"type": "image"}])
        return [{"type": "text", "text": f"{name} ok"}]

    def to_dict(self) -> Any:
        return {"type": "computer_toolset_20260801"}


@beta_async_tool
async def get_weather(location: str) -> str:
    """The weather somewhere."""
    return f"Sunny in {location}"


def _results(server: FakeClaude) -> list[dict[str, Any]]:
    return list(server.requests[-1].json["messages"][-1]["content"])


async def test_members_run_in_the_models_order(client: AsyncAnthropic, server: FakeClaude) -> None:
    browser = Browser()
    runner = client.beta.messages.tool_runner(
        model=MODEL,
        max_tokens=1024,
        tools=[browser, get_weather],
        messages=[
            {
                "role": "user",
                "content": "Use the browser to navigate, then screenshot; get_weather in Oslo",
            }
        ],
    )
    first = await runner.__anext__()
    calls = [b for b in first.content if isinstance(b, ToolUseBlock)]
    assert [(c.name, c.toolset_name) for c in calls] == [
        ("get_weather", None),
        ("navigate", "browser"),
        ("screenshot", "browser"),
    ]
    assert (await runner.until_done()).stop_reason == "end_turn"
    assert server.requests[0].json["tools"][0] == {"type": "browser_toolset_20260801"}
    assert [(name, family) for name, family, _ in browser.calls] == [
        ("navigate", "browser"),
        ("screenshot", "browser"),
    ]
    # Blocking members run in worker threads, never in the event loop's.
    assert threading.get_ident() not in {thread for _, _, thread in browser.calls}
    assert _results(server) == [
        {"type": "tool_result", "tool_use_id": calls[0].id, "content": "Sunny in Oslo"},
        {
            "type": "tool_result",
            "tool_use_id": calls[1].id,
            "toolset_name": "browser",
            "content": "navigate done",
        },
        {
            "type": "tool_result",
            "tool_use_id": calls[2].id,
            "toolset_name": "browser",
            "content": "screenshot done",
        },
    ]


async def test_after_a_failed_member_the_rest_are_not_executed(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    browser = Browser(fail="navigate")
    await client.beta.messages.tool_runner(
        model=MODEL,
        max_tokens=1024,
        tools=[browser, Computer()],
        messages=[
            {
                "role": "user",
                "content": "Use the browser to navigate and find, the computer to key and mouse_move",
            }
        ],
    ).until_done()
    assert [name for name, _, _ in browser.calls] == ["navigate"]
    by_content = [
        (r["toolset_name"], r.get("is_error", False), r["content"]) for r in _results(server)
    ]
    assert by_content == [
        ("browser", True, "ValueError: the page is gone"),
        ("browser", True, "Not executed: an earlier action in this turn failed."),
        ("computer", True, [{"type": "text", "text": "no keyboard"}]),
        ("computer", True, "Not executed: an earlier computer action in this turn failed."),
    ]


async def test_a_toolset_the_runner_does_not_have(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    runner = client.beta.messages.tool_runner(
        model=MODEL,
        max_tokens=1024,
        tools=[{"type": "browser_toolset_20260801"}],
        messages=[{"role": "user", "content": "Use the browser to navigate"}],
    )
    with pytest.warns(UserWarning, match="Toolset 'browser' \\(member 'navigate'\\) not found"):
        await runner.until_done()
    [result] = _results(server)
    assert result["is_error"] is True and result["toolset_name"] == "browser"
    assert result["content"] == "Error: Toolset 'browser' member 'navigate' not found"


async def test_toolsets_are_fixed_for_a_run(client: AsyncAnthropic) -> None:
    browser = Browser()
    runner = client.beta.messages.tool_runner(
        model=MODEL,
        max_tokens=1024,
        tools=[browser],
        messages=[{"role": "user", "content": "Use the browser to navigate"}],
    )
    with pytest.raises(ValueError, match="toolsets are fixed"):
        runner.add_tools(Computer())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="toolset has that name"):
        runner.add_tools({"type": "browser_toolset_20260801"})
    with pytest.raises(ValueError, match="toolsets are fixed"):
        runner.remove_tools("browser")
    with pytest.raises(ValueError, match="a second 'browser' toolset"):
        client.beta.messages.tool_runner(
            model=MODEL, max_tokens=1024, tools=[browser, Browser()], messages=[]
        )


async def test_tool_result_and_closing() -> None:
    use = ToolUseBlock(id="toolu_1", name="screenshot", input={}, toolset_name="computer")
    computer = Computer()
    async with computer:
        assert await computer.tool_result(use) == {
            "type": "tool_result",
            "tool_use_id": "toolu_1",
            "toolset_name": "computer",
            "content": [{"type": "text", "text": "screenshot ok"}],
        }
        with pytest.raises(ValueError, match="not a member call of the 'computer' toolset"):
            await computer.tool_result(
                ToolUseBlock(id="toolu_2", name="navigate", input={}, toolset_name="browser")
            )
    with pytest.raises(RuntimeError, match="toolset is closed"):
        await computer.tool_result(use)
    with Browser() as browser:
        pass
    with pytest.raises(RuntimeError, match="toolset is closed"):
        browser.tool_result(
            ToolUseBlock(id="toolu_3", name="navigate", input={}, toolset_name="browser")
        )


def test_a_blocking_toolset_with_the_blocking_client() -> None:
    browser = Browser()
    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url) as client,
    ):
        runner = client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=1024,
            tools=[browser],
            messages=[{"role": "user", "content": "Use the browser to navigate and read_page"}],
        )
        assert [m.stop_reason for m in runner] == ["tool_use", "end_turn"]
    assert [name for name, _, _ in browser.calls] == ["navigate", "read_page"]
    assert [r["content"] for r in _results(server)] == ["navigate done", "read_page done"]


@pytest.mark.parametrize("grouped", [False, True])
async def test_members_run_early_in_order(
    client: AsyncAnthropic, server: FakeClaude, grouped: bool
) -> None:
    browser = Browser()
    runner = client.beta.messages.tool_runner(
        model=MODEL,
        max_tokens=1024,
        tools=[browser],
        messages=[{"role": "user", "content": "Use the browser to navigate, find, then scroll"}],
        stream=True,
        run_tools_eagerly=True,
    )
    async with contextlib.AsyncExitStack() as stack:
        if grouped:
            await stack.enter_async_context(runner)
        stream = await runner.__anext__()
        await stream.until_done()
        # Worker threads, in the group when there is one.
        assert await anyio.to_thread.run_sync(browser.third_call.wait, 5)
        # All three ran while the reply streamed, one after the other.
        assert [name for name, _, _ in browser.calls] == ["navigate", "find", "scroll"]
        await runner.until_done()
    assert [name for name, _, _ in browser.calls] == ["navigate", "find", "scroll"]
    assert [r["content"] for r in _results(server)] == ["navigate done", "find done", "scroll done"]


@pytest.mark.parametrize("fail", [False, True])
async def test_a_held_or_failed_member_holds_the_rest(
    client: AsyncAnthropic, server: FakeClaude, fail: bool
) -> None:
    browser = Browser(fail="navigate" if fail else None)
    runner = client.beta.messages.tool_runner(
        model=MODEL,
        max_tokens=1024,
        tools=[browser],
        messages=[{"role": "user", "content": "Use the browser to navigate, find, then scroll"}],
        stream=True,
        run_tools_eagerly=True,
    )
    stream = await runner.__anext__()
    async for event in stream:
        if (
            not fail
            and event.type == "content_block_start"
            and event.content_block.type == "tool_use"
        ):
            if event.content_block.name == "find":
                runner.defer_tool_call(event.content_block)
    # Held: find and what follows it wait; failed: nothing after navigate runs.
    assert [name for name, _, _ in browser.calls] == ["navigate"]
    await runner.until_done()
    results = [r["content"] for r in _results(server)]
    if fail:
        assert [name for name, _, _ in browser.calls] == ["navigate"]
        assert results == [
            "ValueError: the page is gone",
            "Not executed: an earlier action in this turn failed.",
            "Not executed: an earlier action in this turn failed.",
        ]
    else:
        assert [name for name, _, _ in browser.calls] == ["navigate", "find", "scroll"]
        assert results == ["navigate done", "find done", "scroll done"]

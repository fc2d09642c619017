"""`tool_runner(..., stream=True, run_tools_eagerly=True)`: each tool call starts while the
reply still streams, once the model has moved on from it, as the official SDK runs it
(inside the read that moved on), or, inside `async with runner:`, in the runner's task
group beside the rest of the reply; `defer_tool_call()` holds a call until the tool
response; every call runs once and the results go back in the model's order."""

from __future__ import annotations

import contextlib
import threading

import anyio
import pytest

from anyio_claude import Anthropic, AsyncAnthropic, beta_async_tool, beta_tool
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
QUESTION = [{"role": "user", "content": "use get_time in Paris, Rome and Oslo"}]


def _results(server: FakeClaude) -> list[str]:
    last = server.requests[-1].json["messages"][-1]
    return [b["content"] for b in last["content"] if b["type"] == "tool_result"]


async def test_calls_run_inside_the_read_without_a_task_group(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    log: list[str] = []

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        log.append(f"call {location}")
        return f"noon in {location}"

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_time],
        messages=QUESTION,  # type: ignore[arg-type]
        stream=True,
        run_tools_eagerly=True,
    )
    turns = 0
    async for stream in runner:
        turns += 1
        async for event in stream:
            if event.type in ("content_block_start", "message_delta", "message_stop"):
                log.append(event.type)
        if turns == 1:
            # Every call ran while the reply streamed: none is left to the tool response.
            assert log[-1] == "message_stop" and len([e for e in log if e[:4] == "call"]) == 3
    # Each call starts on the read after the event showing the model moved on from it:
    # the next block's start, or the reply stopping with tool_use.
    first_turn = log[: log.index("message_stop") + 1]
    assert first_turn == [
        "content_block_start",  # text
        "content_block_start",  # Paris
        "content_block_start",  # Rome
        "call Paris",
        "content_block_start",  # Oslo
        "call Rome",
        "message_delta",
        "call Oslo",
        "message_stop",
    ]
    assert turns == 2
    # Each call ran once; the results are in the model's order.
    assert log.count("call Paris") == 1 and log.count("call Oslo") == 1
    assert _results(server) == ["noon in Paris", "noon in Rome", "noon in Oslo"]


async def test_in_a_task_group_calls_run_beside_the_reply(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    reply_read = anyio.Event()
    finished: list[str] = []

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        # Finishes only if it runs while the reader goes on to the end of the reply.
        with anyio.fail_after(5):
            await reply_read.wait()
        finished.append(location)
        return f"noon in {location}"

    async with client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_time],
        messages=QUESTION,  # type: ignore[arg-type]
        stream=True,
        run_tools_eagerly=True,
        max_concurrency=2,
    ) as runner:
        async for stream in runner:
            async for event in stream:
                if event.type == "message_stop":
                    reply_read.set()
    assert sorted(finished) == ["Oslo", "Paris", "Rome"]
    assert _results(server) == ["noon in Paris", "noon in Rome", "noon in Oslo"]


async def test_eager_calls_keep_to_max_concurrency(client: AsyncAnthropic) -> None:
    running = peak = 0

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.02)
        running -= 1
        return "noon"

    async with client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_time],
        messages=QUESTION,  # type: ignore[arg-type]
        stream=True,
        run_tools_eagerly=True,
        max_concurrency=1,
    ) as runner:
        await runner.until_done()
    assert peak == 1


@pytest.mark.parametrize("grouped", [False, True])
async def test_defer_tool_call_holds_a_call_until_the_tool_response(
    client: AsyncAnthropic, server: FakeClaude, grouped: bool
) -> None:
    calls: list[str] = []

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        calls.append(location)
        return f"noon in {location}"

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_time],
        messages=QUESTION,  # type: ignore[arg-type]
        stream=True,
        run_tools_eagerly=True,
    )
    async with contextlib.AsyncExitStack() as stack:
        if grouped:
            await stack.enter_async_context(runner)
        turns = 0
        async for stream in runner:
            turns += 1
            async for event in stream:
                if (
                    event.type == "content_block_stop"
                    and event.content_block.type == "tool_use"
                    and event.content_block.input.get("location") == "Rome"
                ):
                    # Held up to and including the event that moves on from it.
                    runner.defer_tool_call(event.content_block)
            if turns == 1:
                assert [use.input["location"] for use in runner.deferred_tool_calls] == ["Rome"]
                await anyio.wait_all_tasks_blocked()
                assert sorted(calls) == ["Oslo", "Paris"]
    assert sorted(calls) == ["Oslo", "Paris", "Rome"] and len(calls) == 3
    assert _results(server) == ["noon in Paris", "noon in Rome", "noon in Oslo"]
    # Outside the loop body it does nothing.
    runner.defer_tool_call("toolu_x")
    assert runner.deferred_tool_calls == []


async def test_leaving_the_runner_cancels_eager_calls(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    started = anyio.Event()
    stopped = anyio.Event()

    @beta_async_tool
    async def get_time(location: str) -> str:
        """Waits for ever."""
        try:
            started.set()
            await anyio.sleep_forever()
        finally:
            stopped.set()
        return "unreachable"  # pragma: no cover

    with anyio.fail_after(5):
        async with client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_time],
            messages=QUESTION,  # type: ignore[arg-type]
            stream=True,
            run_tools_eagerly=True,
        ) as runner:
            async for stream in runner:
                async for _ in stream:
                    if started.is_set():
                        break
                break
    # Leaving the block cancelled the calls still running and closed the reply.
    assert stopped.is_set()
    transport = client._transport
    assert transport is not None and transport.num_active == 0
    assert len(server.requests) == 1


async def test_run_tools_eagerly_needs_a_stream(client: AsyncAnthropic, server: FakeClaude) -> None:
    args = {"max_tokens": 1, "model": MODEL, "messages": QUESTION, "tools": []}
    with pytest.raises(ValueError, match="mutually exclusive"):
        client.beta.messages.tool_runner(run_tools_eagerly=True, **args)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="run_tools_eagerly must be a bool"):
        client.beta.messages.tool_runner(stream=True, run_tools_eagerly=1, **args)  # type: ignore[call-overload]
    assert server.requests == []


def test_the_blocking_runner_runs_calls_beside_the_reply() -> None:
    reply_read = threading.Event()
    finished: list[str] = []

    @beta_tool
    def get_time(location: str) -> str:
        """The local time somewhere."""
        # Finishes only if it runs while the reader goes on to the end of the reply.
        assert reply_read.wait(5)
        finished.append(location)
        return f"noon in {location}"

    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url) as client,
        client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_time],
            messages=QUESTION,  # type: ignore[arg-type]
            stream=True,
            run_tools_eagerly=True,
        ) as runner,
    ):
        for stream in runner:
            for event in stream:
                if event.type == "message_stop":
                    reply_read.set()
        assert runner.until_done().stop_reason == "end_turn"
    assert sorted(finished) == ["Oslo", "Paris", "Rome"]


async def test_every_way_of_reading_starts_the_calls(client: AsyncAnthropic) -> None:
    calls: list[str] = []

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        calls.append(location)
        return f"noon in {location}"

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_time],
        messages=QUESTION,  # type: ignore[arg-type]
        stream=True,
        run_tools_eagerly=True,
    )
    stream = await runner.__anext__()
    assert stream.request_id and stream.response.status_code == 200
    assert [text async for text in stream.text_stream]
    assert calls == ["Paris", "Rome", "Oslo"]
    assert stream.current_message_snapshot.stop_reason == "tool_use"
    stream = await runner.__anext__()
    assert (await stream.get_final_text()).startswith("The tool returned:")
    assert (await stream.get_final_message()).stop_reason == "end_turn"
    assert calls == ["Paris", "Rome", "Oslo"]
    await runner.close()


async def test_an_error_in_the_block_is_not_wrapped(client: AsyncAnthropic) -> None:
    @beta_async_tool
    async def get_time(location: str) -> str:
        """Waits for ever."""
        await anyio.sleep_forever()
        return "unreachable"  # pragma: no cover

    with pytest.raises(KeyError, match="mine"):
        async with client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_time],
            messages=QUESTION,  # type: ignore[arg-type]
            stream=True,
            run_tools_eagerly=True,
        ) as runner:
            async for stream in runner:
                await stream.until_done()
                raise KeyError("mine")
    # And a cancelled scope around it is the scope's, as without a runner.
    with anyio.move_on_after(0.05) as scope:
        async with client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_time],
            messages=QUESTION,  # type: ignore[arg-type]
            stream=True,
            run_tools_eagerly=True,
        ) as runner:
            await runner.until_done()
    assert scope.cancelled_caught

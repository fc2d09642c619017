"""`client.beta.messages.tool_runner(...)` against FakeClaude playing a tool-using model:
the official SDK's API and behaviour (written as its docs use it, only the import
changed), and what the structured runner adds: concurrent tool calls under a limit,
per-tool timeouts, ordered results, and cancellation that leaves nothing running."""

from __future__ import annotations

import json
import threading
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import pytest

from anyio_claude import (
    APIConnectionError,
    AsyncAnthropic,
    ClaudeError,
    beta_async_tool,
    beta_tool,
)
from anyio_claude.lib.tools import ToolError
from anyio_claude.testing import FakeClaude, Fault

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"


@beta_async_tool
async def get_weather(location: str, unit: str = "fahrenheit") -> str:
    """Lookup the weather for a given city in either celsius or fahrenheit

    Args:
        location: The city and state, e.g. San Francisco, CA
        unit: Temperature unit, either 'celsius' or 'fahrenheit'
    Returns:
        A dictionary containing the location, temperature, and weather condition.
    """
    return json.dumps(
        {"location": location, "temperature": "68°F", "condition": "Sunny", "unit": unit}
    )


def _tool_results(server: FakeClaude, request: int = -1) -> list[dict[str, Any]]:
    """The tool_result blocks of the last user turn of a recorded request."""
    last = server.requests[request].json["messages"][-1]
    assert last["role"] == "user"
    return [b for b in last["content"] if b["type"] == "tool_result"]


async def test_the_official_async_example(client: AsyncAnthropic, server: FakeClaude) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "What is the weather in San Francisco?"}],
    )
    messages = [message async for message in runner]
    assert [m.stop_reason for m in messages] == ["tool_use", "end_turn"]
    call = messages[0].content[-1]
    assert call.type == "tool_use" and call.input["location"] == "San Francisco"
    assert messages[1].content[0].type == "text"
    assert messages[1].content[0].text.startswith("The tool returned:")

    # Over a message thread: the second request continues from the first reply with
    # the tool results alone (the server holds the rest, tools included).
    first, sent = server.requests[-2].json, server.requests[-1].json
    assert first["tools"] == [get_weather.to_dict()] and first["thread"] == {"type": "create"}
    assert sent["thread"] == {"type": "continue", "previous_message_id": messages[0].id}
    assert "tools" not in sent
    assert [m["role"] for m in sent["messages"]] == ["user"]
    [result] = _tool_results(server)
    assert result["tool_use_id"] == call.id
    assert json.loads(result["content"])["location"] == "San Francisco"
    assert "is_error" not in result


async def test_streaming_turns(client: AsyncAnthropic) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "What is the weather in Paris and Rome?"}],
        stream=True,
    )
    seen: list[list[str]] = []
    async for message_stream in runner:
        kinds = [event.type async for event in message_stream]
        seen.append(kinds)
        message = await message_stream.get_final_message()
        assert message.content
    assert len(seen) == 2
    assert seen[0].count("input_json") > 0
    final = await runner.until_done()
    assert final.stop_reason == "end_turn"
    assert "Paris" in final.content[0].text  # type: ignore[union-attr]


async def test_streams_left_unread_are_read_by_the_runner(client: AsyncAnthropic) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "weather in Oslo?"}],
        stream=True,
    )
    count = 0
    async for _ in runner:
        count += 1
    assert count == 2
    assert (await runner.until_done()).stop_reason == "end_turn"


async def test_until_done(client: AsyncAnthropic, server: FakeClaude) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "What is the weather in Lima?"}],
    )
    final = await runner.until_done()
    assert final.stop_reason == "end_turn"
    assert len(server.requests) == 2
    # Done is done: asking again sends nothing.
    assert await runner.until_done() is final
    assert len(server.requests) == 2


async def test_calls_of_one_turn_run_concurrently_in_order(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    running = 0
    peak = 0
    all_started = anyio.Event()
    romes_done = anyio.Event()
    finish_order: list[str] = []

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if peak == 4:
            all_started.set()
        with anyio.fail_after(5):
            # Each call waits for all four to have started: only concurrent calls finish.
            await all_started.wait()
            # ... and they finish out of their order: the Paris calls after the Rome ones.
            if location == "Paris":
                await romes_done.wait()
        running -= 1
        finish_order.append(location)
        if finish_order.count("Rome") == 2:
            romes_done.set()
        return f"noon in {location}"

    @beta_async_tool
    async def get_rain(location: str) -> str:
        """The rain somewhere."""
        return await get_time.func(location)

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_time, get_rain],
        messages=[{"role": "user", "content": "Use get_time and get_rain in Paris and Rome"}],
    )
    first = await runner.__anext__()
    calls = [b for b in first.content if b.type == "tool_use"]
    assert len(calls) == 4
    await runner.until_done()
    assert peak == 4
    assert finish_order == ["Rome", "Rome", "Paris", "Paris"]
    results = _tool_results(server)
    assert [r["tool_use_id"] for r in results] == [c.id for c in calls]
    assert [r["content"] for r in results] == [
        "noon in Paris",
        "noon in Rome",
        "noon in Paris",
        "noon in Rome",
    ]


async def test_max_concurrency_limits_the_calls(client: AsyncAnthropic) -> None:
    running = 0
    peak = 0

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.01)
        running -= 1
        return "noon"

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_time],
        messages=[{"role": "user", "content": "use get_time in Paris, Rome, Oslo and Lima"}],
        max_concurrency=2,
    )
    await runner.until_done()
    assert peak == 2


async def test_blocking_tools_run_in_worker_threads(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    barrier = threading.Barrier(3, timeout=5)
    threads: set[int] = set()

    @beta_tool
    def lookup(location: str) -> str:
        """Look a place up (blocking)."""
        threads.add(threading.get_ident())
        # Passes only if all three calls are in their threads at once.
        barrier.wait()
        return f"found {location}"

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[lookup],
        messages=[{"role": "user", "content": "use lookup in Paris, Rome and Oslo"}],
    )
    await runner.until_done()
    assert len(threads) == 3 and threading.get_ident() not in threads
    assert [r["content"] for r in _tool_results(server)] == [
        "found Paris",
        "found Rome",
        "found Oslo",
    ]


async def test_raising_tools_become_error_results(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    @beta_async_tool
    async def broken(location: str) -> str:
        """Always fails."""
        raise RuntimeError(f"no data for {location}")

    @beta_tool
    def refusing(location: str) -> str:
        """Refuses with structured content."""
        raise ToolError([{"type": "text", "text": f"{location} is off limits"}])

    @beta_async_tool(
        input_schema={"type": "object", "properties": {"location": {"type": "string"}}}
    )
    async def strict(location: int) -> str:
        """Its schema says string, its signature int: the input fails validation."""
        return "unreachable"

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[broken, refusing, strict],
        messages=[{"role": "user", "content": "use broken, refusing and strict in Paris"}],
    )
    final = await runner.until_done()
    assert final.stop_reason == "end_turn"
    results = _tool_results(server)
    assert all(r["is_error"] is True for r in results)
    assert results[0]["content"] == "RuntimeError('no data for Paris')"
    assert results[1]["content"] == [{"type": "text", "text": "Paris is off limits"}]
    assert results[2]["content"].startswith(
        "ValueError('Invalid arguments for function strict: Expected `int`, got `str`"
    )


async def test_a_tool_timeout(client: AsyncAnthropic, server: FakeClaude) -> None:
    cancelled = anyio.Event()

    @beta_async_tool
    async def slow(location: str) -> str:
        """Never answers."""
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        return "unreachable"  # pragma: no cover

    @beta_async_tool
    async def fast(location: str) -> str:
        """Answers at once."""
        return "quick"

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[slow, fast],
        messages=[{"role": "user", "content": "use slow and fast in Paris"}],
        tool_timeout=0.05,
    )
    await runner.until_done()
    assert cancelled.is_set()
    slow_result, fast_result = _tool_results(server)
    assert slow_result == {
        "type": "tool_result",
        "tool_use_id": slow_result["tool_use_id"],
        "content": "Error: Tool 'slow' timed out after 0.05 seconds",
        "is_error": True,
    }
    assert fast_result["content"] == "quick" and "is_error" not in fast_result


@pytest.mark.parametrize("stream", [False, True])
async def test_cancelling_the_runner_leaves_nothing_running(
    client: AsyncAnthropic, server: FakeClaude, stream: bool
) -> None:
    started = anyio.Event()
    async_done = anyio.Event()
    thread_started = threading.Event()
    thread_done = threading.Event()

    @beta_async_tool
    async def waits(location: str) -> str:
        """Waits for ever."""
        try:
            started.set()
            await anyio.sleep_forever()
        finally:
            async_done.set()
        return "unreachable"  # pragma: no cover

    @beta_tool
    def polls(location: str) -> str:
        """A blocking tool that checks for cancellation."""
        thread_started.set()
        try:
            while True:
                anyio.from_thread.check_cancelled()
                threading.Event().wait(0.01)
        finally:
            thread_done.set()

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[waits, polls],
        messages=[{"role": "user", "content": "use waits and polls in Paris"}],
        stream=stream,  # type: ignore[call-overload]
    )
    async with anyio.create_task_group() as group:

        async def iterate() -> None:
            async for _ in runner:
                pass

        group.start_soon(iterate)
        with anyio.fail_after(5):
            await started.wait()
            await anyio.to_thread.run_sync(thread_started.wait)
        group.cancel_scope.cancel()
    # By the time the cancelled runner returned, every tool had stopped.
    assert async_done.is_set() and thread_done.is_set()
    transport = client._transport
    assert transport is not None and transport.num_active == 0
    await runner.close()
    assert [m async for m in runner] == []
    assert len(server.requests) == 1


async def test_cancelling_mid_stream_closes_the_connection(client: AsyncAnthropic) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "weather in Paris?"}],
        stream=True,
    )
    with anyio.move_on_after(5) as scope:
        async for message_stream in runner:
            async for _ in message_stream:
                scope.cancel()
                await anyio.sleep(1)
    assert scope.cancelled_caught
    await runner.close()
    transport = client._transport
    assert transport is not None and transport.num_active == 0


async def test_leaving_early_and_closing(client: AsyncAnthropic, server: FakeClaude) -> None:
    async with client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "weather in Paris?"}],
        stream=True,
    ) as runner:
        async for _ in runner:
            break
    transport = client._transport
    assert transport is not None and transport.num_active == 0
    assert [s async for s in runner] == []
    assert len(server.requests) == 1


async def test_max_iterations(client: AsyncAnthropic, server: FakeClaude) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        tool_choice={"type": "any"},
        messages=[{"role": "user", "content": "weather in Paris?"}],
        max_iterations=3,
    )
    messages = [m async for m in runner]
    # `any` makes the model call a tool every turn: only the limit ends the loop.
    assert [m.stop_reason for m in messages] == ["tool_use"] * 3
    assert len(server.requests) == 3
    assert all(r.json["tool_choice"] == {"type": "any"} for r in server.requests)


async def test_tool_choice_none_runs_nothing(client: AsyncAnthropic) -> None:
    calls = 0

    @beta_async_tool
    async def counted(location: str) -> str:
        """Counts its calls."""
        nonlocal calls
        calls += 1
        return ""

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[counted],
        tool_choice={"type": "none"},
        messages=[{"role": "user", "content": "use counted in Paris"}],
    )
    assert [m.stop_reason async for m in runner] == ["end_turn"]
    assert calls == 0


async def test_generate_tool_call_response_and_append_messages(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    calls = 0

    @beta_async_tool
    async def counted(location: str) -> str:
        """Counts its calls."""
        nonlocal calls
        calls += 1
        return f"call {calls}"

    runner = client.beta.messages.tool_runner(
        thread=False,  # each request with the whole history, checked below
        max_tokens=1024,
        model=MODEL,
        tools=[counted],
        messages=[{"role": "user", "content": "use counted in Paris"}],
    )
    async for message in runner:
        tool_response = await runner.generate_tool_call_response()
        if tool_response is not None:
            # Cached for the turn: the tool ran once.
            assert await runner.generate_tool_call_response() is tool_response
            assert tool_response["content"][0]["content"] == "call 1"  # type: ignore[index]
            runner.append_messages(message, tool_response)
            runner.append_messages({"role": "user", "content": "and thanks"})
    assert calls == 1
    sent = server.requests[-1].json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user", "user"]
    assert sent[-1]["content"] == "and thanks"


async def test_set_messages_params(client: AsyncAnthropic, server: FakeClaude) -> None:
    runner = client.beta.messages.tool_runner(
        thread=False,  # each request with the whole history, checked below
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        betas=["context-management-2025-06-27"],
        context_management={"edits": [{"type": "clear_tool_uses_20250919"}]},
        system="Be brief.",
        messages=[{"role": "user", "content": "weather in Paris?"}],
    )
    async for _ in runner:
        runner.set_messages_params(lambda params: {**params, "max_tokens": 2048})
    first, second = server.requests[0], server.requests[1]
    assert (first.json["max_tokens"], second.json["max_tokens"]) == (1024, 2048)
    for request in (first, second):
        assert request.headers["anthropic-beta"] == "context-management-2025-06-27"
        assert request.json["context_management"] == {
            "edits": [{"type": "clear_tool_uses_20250919"}]
        }
        assert request.json["system"] == "Be brief."
        assert request.json["tools"] == [get_weather.to_dict()]


async def test_an_unknown_tool_is_an_error_result(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    definition = {
        "name": "lookup",
        "description": "Run elsewhere",
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
    }
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[definition],
        messages=[{"role": "user", "content": "use lookup please"}],
    )
    with pytest.warns(UserWarning, match="Tool 'lookup' not found in tool runner"):
        await runner.until_done()
    [result] = _tool_results(server)
    assert result["content"] == "Error: Tool 'lookup' not found" and result["is_error"]


async def test_output_format_is_parsed(client: AsyncAnthropic) -> None:
    import msgspec

    class Answer(msgspec.Struct):
        summary: str

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        output_format=Answer,
        messages=[{"role": "user", "content": "Summarise the weather"}],
    )
    final = await runner.until_done()
    assert isinstance(final.parsed_output, Answer)


async def test_wrong_arguments_are_refused_before_any_request(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    base: dict[str, Any] = {
        "max_tokens": 10,
        "model": MODEL,
        "messages": [{"role": "user", "content": "hi"}],
    }
    runner: Any = client.beta.messages.tool_runner
    with pytest.raises(TypeError, match=r"tools\[1\] must be a tool made by beta_tool"):
        runner(tools=[get_weather, "get_time"], **base)
    with pytest.raises(TypeError, match="tools must be a list of tools, not str"):
        runner(tools="get_weather", **base)
    with pytest.raises(TypeError, match="messages must be a list of messages, not str"):
        runner(tools=[], **{**base, "messages": "hi"})
    with pytest.raises(ValueError, match="max_concurrency must be an int >= 1"):
        runner(tools=[], max_concurrency=0, **base)
    with pytest.raises(ValueError, match="max_iterations must be an int >= 0"):
        runner(tools=[], max_iterations=True, **base)
    with pytest.raises(ValueError, match="tool_timeout must be a positive number"):
        runner(tools=[], tool_timeout=float("nan"), **base)
    with pytest.raises(ValueError, match="compaction cannot be set on a tool runner"):
        runner(tools=[], compaction={"type": "summarize"}, **base)
    with pytest.raises(TypeError, match="`thread` cannot be set in the params of a tool runner"):
        runner(tools=[], thread={"id": "t"}, **base)
    with pytest.raises(TypeError, match="unexpected keyword argument 'temprature'"):
        runner(tools=[], temprature=1, **base)
    with pytest.raises(TypeError, match="stream must be a bool"):
        runner(tools=[], stream="yes", **base)
    assert len(server.requests) == 0
    # `thread=False`: the whole history with each request, no `thread` field.
    final = await runner(tools=[], thread=False, **base).until_done()
    assert "thread" not in server.requests[-1].json and final.stop_reason


def test_the_official_blocking_example() -> None:
    from anyio_claude import Anthropic

    @beta_tool
    def get_weather(location: str) -> str:
        """Lookup the weather for a given city

        Args:
            location: The city and state, e.g. San Francisco, CA
        """
        return json.dumps({"location": location, "temperature": "68°F"})

    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url) as client,
    ):
        runner = client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_weather],
            messages=[{"role": "user", "content": "What is the weather in SF?"}],
        )
        stop_reasons = [message.stop_reason for message in runner]
        assert stop_reasons == ["tool_use", "end_turn"]
        assert runner.until_done().stop_reason == "end_turn"

        streaming = client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_weather],
            messages=[{"role": "user", "content": "What is the weather in SF?"}],
            stream=True,
        )
        turns = 0
        for message_stream in streaming:
            kinds = [event.type for event in message_stream]
            assert kinds[-1] == "message_stop"
            assert message_stream.get_final_message().content
            turns += 1
        assert turns == 2
        final = streaming.until_done()
        assert final.content[0].text.startswith("The tool returned:")  # type: ignore[union-attr]

        with client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_weather],
            messages=[{"role": "user", "content": "What is the weather in SF?"}],
        ) as manual:
            for message in manual:
                response = manual.generate_tool_call_response()
                if response is not None:
                    manual.append_messages(message, response)
                    manual.set_messages_params(lambda p: {**p, "max_tokens": 512})
        assert manual.until_done().stop_reason == "end_turn"


@pytest.mark.parametrize("stream", [False, True])
async def test_tool_search_finds_deferred_tools(
    client: AsyncAnthropic, server: FakeClaude, stream: bool
) -> None:
    @beta_async_tool(defer_loading=True)
    async def get_forecast(location: str) -> str:
        """The forecast for a city."""
        return f"Rain in {location}"

    runner = client.beta.messages.tool_runner(
        thread=False,  # each request with the whole history, checked below
        max_tokens=1024,
        model=MODEL,
        tools=[
            {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"},
            get_forecast,
        ],
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        stream=stream,  # type: ignore[call-overload]
    )
    replies = []
    async for item in runner:
        replies.append(item if not stream else await item.get_final_message())
    first, last = replies
    assert [block.type for block in first.content] == [
        "text",
        "server_tool_use",
        "tool_search_tool_result",
        "tool_use",
    ]
    search, found, call = first.content[1:]
    assert search.input == {"pattern": "get_forecast"}  # type: ignore[union-attr]
    assert found.content.model_dump() == {  # type: ignore[union-attr]
        "type": "tool_search_tool_search_result",
        "tool_references": [{"type": "tool_reference", "tool_name": "get_forecast"}],
    }
    assert call.name == "get_forecast"  # type: ignore[union-attr]
    assert last.stop_reason == "end_turn"
    assert _tool_results(server)[0]["content"] == "Rain in Paris"
    # The search went back with the history, and the tool stayed deferred.
    history = server.requests[-1].json["messages"][1]["content"]
    assert [b["type"] for b in history][1:3] == ["server_tool_use", "tool_search_tool_result"]
    assert server.requests[-1].json["tools"][1]["defer_loading"] is True


async def test_deferred_tools_need_a_search(client: AsyncAnthropic) -> None:
    @beta_async_tool(defer_loading=True)
    async def get_forecast(location: str) -> str:
        """The forecast for a city."""
        return "unreachable"

    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_forecast],
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
    )
    assert [m.stop_reason async for m in runner] == ["end_turn"]


async def test_a_cancelled_turn_is_taken_up_again(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    attempts = 0

    @beta_async_tool
    async def flaky(location: str) -> str:
        """Hangs the first time."""
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            await anyio.sleep_forever()
        return f"fine in {location}"

    runner = client.beta.messages.tool_runner(
        thread=False,  # each request with the whole history, checked below
        max_tokens=1024,
        model=MODEL,
        tools=[flaky],
        messages=[{"role": "user", "content": "use flaky in Paris"}],
    )
    await runner.__anext__()
    with anyio.move_on_after(0.05) as scope:
        await runner.__anext__()  # runs the tools: cancelled while the first call hangs
    assert scope.cancelled_caught
    final = await runner.until_done()
    assert final.stop_reason == "end_turn" and attempts == 2
    sent = server.requests[-1].json["messages"]
    # The reply and its results are in the history once.
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[-1]["content"][0]["content"] == "fine in Paris"


async def test_a_raising_tool_is_logged(
    client: AsyncAnthropic, caplog: pytest.LogCaptureFixture
) -> None:
    @beta_async_tool
    async def broken(location: str) -> str:
        """Always fails."""
        raise KeyError(location)

    caplog.set_level("INFO", logger="anyio_claude")
    await client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[broken],
        messages=[{"role": "user", "content": "use broken in Paris"}],
    ).until_done()
    [record] = [r for r in caplog.records if r.getMessage().startswith("tool ")]
    assert record.getMessage() == "tool broken raised KeyError('Paris')"
    assert record.levelname == "INFO" and record.exc_info is not None


async def test_add_tools_and_remove_tools(client: AsyncAnthropic, server: FakeClaude) -> None:
    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        return f"noon in {location}"

    @beta_async_tool
    async def get_rain(location: str) -> str:
        """The rain somewhere."""
        return f"rain in {location}"

    runner = client.beta.messages.tool_runner(
        thread=False,  # each request with the whole history, checked below
        max_tokens=1024,
        model=MODEL,
        tools=[get_time],
        tool_choice={"type": "any"},
        messages=[{"role": "user", "content": "use get_rain in Paris"}],
        betas=["inline-tools-2026-09-15"],
        max_iterations=2,
    )
    message = await runner.__anext__()
    # The model has only get_time so far, and called it.
    assert [b.name for b in message.content if b.type == "tool_use"] == ["get_time"]
    runner.add_tools(get_rain)
    await runner.generate_tool_call_response()  # get_time runs (and its result is kept)
    runner.remove_tools("get_time")
    message = await runner.__anext__()
    assert [b.name for b in message.content if b.type == "tool_use"] == ["get_rain"]
    response = await runner.generate_tool_call_response()
    assert response is not None
    assert [r["content"] for r in response["content"]] == ["rain in Paris"]  # type: ignore[index]
    first, second = server.requests[0].json, server.requests[1].json
    # The `tools` param stays as sent (the prompt cache holds); the changes follow the
    # results in a system message.
    assert first["tools"] == second["tools"] == [get_time.to_dict()]
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user", "system"]
    assert second["messages"][-1]["content"] == [
        {
            "type": "tool_addition",
            "tool": {"type": "tool_definition", "definition": get_rain.to_dict()},
        },
        {"type": "tool_removal", "tool": {"type": "tool_reference", "name": "get_time"}},
    ]
    # get_time ran before it was removed; a call of it now is an unknown tool's.
    assert second["messages"][2]["content"][0]["content"] == "noon in Paris"
    with pytest.raises(TypeError, match="must be a runnable tool or a tool name"):
        runner.remove_tools(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"tools\[0\] must be a tool"):
        runner.add_tools("get_time")  # type: ignore[arg-type]


async def test_a_definition_added_stops_a_runnable_tool_of_its_name(
    client: AsyncAnthropic,
) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "What is the weather in Oslo?"}],
    )
    await runner.__anext__()
    runner.add_tools({"name": "get_weather", "input_schema": {"type": "object"}})
    with pytest.warns(UserWarning, match="Tool 'get_weather' not found"):
        response = await runner.generate_tool_call_response()
    assert response is not None and response["content"][0]["is_error"] is True  # type: ignore[index]
    # Added back as a runnable tool, it runs again, even for the reply being handled.
    runner.add_tools(get_weather)
    runner.append_messages()  # drops the cached response
    response = await runner.generate_tool_call_response()
    assert response is not None and "is_error" not in response["content"][0]  # type: ignore[operator]


def test_tool_search_with_the_blocking_client() -> None:
    from anyio_claude import Anthropic

    @beta_tool(defer_loading=True)
    def get_forecast(location: str) -> str:
        """The forecast for a city."""
        return f"Rain in {location}"

    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url) as client,
    ):
        runner = client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[
                {"type": "tool_search_tool_bm25_20251119", "name": "tool_search_tool_bm25"},
                get_forecast,
            ],
            messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        )
        first, last = list(runner)
    assert [block.type for block in first.content][1:] == [
        "server_tool_use",
        "tool_search_tool_result",
        "tool_use",
    ]
    assert last.stop_reason == "end_turn"
    assert _tool_results(server)[0]["content"] == "Rain in Paris"


@pytest.mark.parametrize("stream", [False, True])
async def test_compact_before_next_turn(
    client: AsyncAnthropic, server: FakeClaude, stream: bool
) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        betas=["compact-2026-09-04"],
        stop_sequences=["never said"],
        stream=stream,  # type: ignore[call-overload]
    )
    replies = []
    async for item in runner:
        message = item if not stream else await item.get_final_message()
        replies.append(message)
        if len(replies) == 1:
            runner.compact_before_next_turn()
        if message.stop_reason == "compaction":
            with pytest.raises(ValueError, match="being compacted"):
                runner.append_messages({"role": "user", "content": "more"})
            runner.compact_before_next_turn()  # nothing: this one is being handled
    assert [m.stop_reason for m in replies] == ["tool_use", "compaction", "end_turn"]
    first, compaction, after = (r.json for r in server.requests)
    # The whole conversation, the tool results included, went out with `compaction` and
    # without what only shapes a reply; the next turn went on from the summary.
    assert compaction["compaction"] == {"type": "summarize"}
    assert [m["role"] for m in compaction["messages"]] == ["user", "assistant", "user"]
    assert "stop_sequences" not in compaction and after["stop_sequences"] == ["never said"]
    summary = replies[1].content[0]
    assert summary.type == "compaction" and summary.content.startswith("Summary of 3")  # type: ignore[union-attr]
    assert after["messages"] == [
        {"role": "assistant", "content": [{"type": "compaction", "content": summary.content}]}  # type: ignore[union-attr]
    ]
    assert "compaction" not in first and "compaction" not in after


async def test_compaction_after_the_final_turn(client: AsyncAnthropic, server: FakeClaude) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "What is the weather in Rome?"}],
        betas=["compact-2026-09-04"],
    )
    stop_reasons = []
    async for message in runner:
        stop_reasons.append(message.stop_reason)
        if message.stop_reason == "end_turn":
            runner.compact_before_next_turn({"type": "summarize"})
    assert stop_reasons == ["tool_use", "end_turn", "compaction"]
    assert (await runner.until_done()).stop_reason == "compaction"
    assert len(server.requests) == 3


async def test_compaction_is_refused_beside_a_compaction_edit(client: AsyncAnthropic) -> None:
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "What is the weather in Rome?"}],
        context_management={"edits": [{"type": "compact_20260112"}]},
    )
    with pytest.raises(ValueError, match="compaction edit"):
        runner.compact_before_next_turn()
    runner.set_messages_params(lambda p: {**p, "context_management": None})
    runner.compact_before_next_turn()
    with pytest.raises(ValueError, match="compaction edit"):
        runner.set_messages_params(
            lambda p: {**p, "context_management": {"edits": [{"type": "compact_20260112"}]}}
        )


def test_compaction_with_the_blocking_client() -> None:
    from anyio_claude import Anthropic

    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url) as client,
    ):
        runner = client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_weather],
            messages=[{"role": "user", "content": "What is the weather in Rome?"}],
        )
        # Before the first turn: the summary is all the model gets.
        runner.compact_before_next_turn()
        assert [m.stop_reason for m in runner] == ["compaction", "end_turn"]
    assert server.requests[0].json["compaction"] == {"type": "summarize"}
    [summary] = server.requests[1].json["messages"]
    assert summary["role"] == "assistant" and summary["content"][0]["type"] == "compaction"


@pytest.mark.parametrize("compacting", [False, True])
async def test_a_turn_whose_read_was_cancelled_ends_the_runner_with_a_clear_error(
    client: AsyncAnthropic, server: FakeClaude, compacting: bool
) -> None:
    """The reply of a streamed turn (or compaction) whose read at the end of the turn is
    cancelled is lost with its stream: the next step says so with `ClaudeError`, the
    runner ends, and no connection is left open."""
    server.faults.append(Fault("stall", after_events=2, nth=1))
    runner = client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "What is the weather in Rome?"}],
        stream=True,
    )
    if compacting:
        runner.compact_before_next_turn()
    await runner.__anext__()  # the turn's stream, left unread
    with anyio.move_on_after(0.2) as scope:
        await runner.__anext__()  # reads the rest of the stalled reply: cancelled
    assert scope.cancelled_caught
    # Each step says so, rather than ending as if the conversation were done.
    with pytest.raises(ClaudeError, match="reply of its last turn was lost"):
        await runner.__anext__()
    with pytest.raises(ClaudeError, match="reply of its last turn was lost"):
        await runner.until_done()
    await runner.close()
    assert [stream async for stream in runner] == []
    assert len(server.requests) == 1
    transport = client._transport
    assert transport is not None and transport.num_active == 0


async def test_a_turn_whose_read_failed_ends_the_runner_with_a_clear_error(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    server.faults.append(Fault("reset_mid_body", nth=1))
    async with client.beta.messages.tool_runner(
        max_tokens=1024,
        model=MODEL,
        tools=[get_weather],
        messages=[{"role": "user", "content": "What is the weather in Rome?"}],
        stream=True,
    ) as runner:
        await runner.__anext__()
        with pytest.raises(APIConnectionError):
            await runner.__anext__()  # the read at the end of the turn fails
        with pytest.raises(ClaudeError, match="reply of its last turn was lost"):
            await runner.__anext__()
        with pytest.raises(ClaudeError, match="reply of its last turn was lost"):
            async for _ in runner:
                pass
    assert len(server.requests) == 1
    transport = client._transport
    assert transport is not None and transport.num_active == 0

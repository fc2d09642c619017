"""The tool runner's parts one at a time: `add_tools` / `remove_tools` / `set_messages_params`
on a runner that has sent nothing (its state, and the next request FakeClaude records),
the helpers that shape a request or a result, and the blocking runner's pass-throughs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from anyio_claude import Anthropic, AsyncAnthropic, beta_async_tool, beta_tool
from anyio_claude.lib.tools import BetaAsyncRunnableToolset, BetaRunnableToolset
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"


class Browser(BetaRunnableToolset):
    toolset_name = "browser"

    def to_dict(self) -> Any:
        return {"type": "browser_toolset_20260801"}

    def call(self, context: Any, name: str, input: Mapping[str, object]) -> str:
        return f"{name} done"


class Computer(BetaAsyncRunnableToolset):
    toolset_name = "computer"

    def to_dict(self) -> Any:
        return {"type": "computer_toolset_20260801"}

    async def call(self, context: Any, name: str, input: Mapping[str, object]) -> str:
        return f"{name} ok"


@beta_async_tool
async def get_weather(location: str) -> str:
    """The weather somewhere."""
    return f"Sunny in {location}"


@beta_tool
def get_time(location: str) -> str:
    """The local time somewhere."""
    return f"noon in {location}"


@pytest.fixture
def offline() -> Iterator[AsyncAnthropic]:
    """A client for runners that send nothing (nothing listens at its URL)."""
    yield AsyncAnthropic(api_key="k", base_url="http://127.0.0.1:9", max_retries=0)


def _runner(client: AsyncAnthropic, **params: Any) -> Any:
    arguments: dict[str, Any] = {
        "max_tokens": 1024,
        "model": MODEL,
        "messages": [{"role": "user", "content": "What is the weather in Oslo?"}],
        "tools": [get_weather],
        **params,
    }
    return client.beta.messages.tool_runner(**arguments)


# ------------------------------------------------------------------ add_tools / remove_tools


def test_a_definition_added_goes_out_as_given(offline: AsyncAnthropic) -> None:
    runner = _runner(offline)
    definition = {"name": "lookup", "input_schema": {"type": "object"}}
    runner.add_tools(definition)
    assert runner._tool_changes == [
        {"type": "tool_addition", "tool": {"type": "tool_definition", "definition": definition}}
    ]


@pytest.mark.parametrize("toolset", [Browser(), Computer()], ids=["blocking", "async"])
def test_a_toolset_is_neither_added_nor_removed(
    offline: AsyncAnthropic, toolset: BetaRunnableToolset | BetaAsyncRunnableToolset
) -> None:
    runner = _runner(offline, tools=[Browser(), Computer()])
    name = toolset.toolset_name
    with pytest.raises(ValueError) as added:
        runner.add_tools(toolset)
    assert str(added.value) == (
        f"add_tools() can't add the {name!r} toolset: a runner's toolsets are fixed when it is made"
    )
    for given in (toolset, name):
        with pytest.raises(ValueError) as removed:
            runner.remove_tools(given)
        assert str(removed.value) == (
            f"remove_tools() can't remove the {name!r} toolset: a runner's toolsets are "
            "fixed when it is made"
        )
    assert runner._tool_changes == []


def test_a_tool_named_like_a_toolset_is_not_added(offline: AsyncAnthropic) -> None:
    runner = _runner(offline, tools=[Browser()])

    @beta_async_tool
    async def browser(url: str) -> str:
        """Open a page."""
        return url

    for tool, shown in (
        ({"name": "browser", "input_schema": {"type": "object"}}, "browser"),
        (browser, "browser"),
        ({"type": "browser_toolset_20260801"}, "browser"),
        ({"type": "browser_toolset_20260801", "name": "web"}, "web"),
    ):
        with pytest.raises(ValueError) as refused:
            runner.add_tools(tool)
        assert str(refused.value) == (
            f"add_tools() can't add {shown!r}: the runner's {shown!r} toolset has that name"
        )
    assert runner._tool_changes == []
    # A name that is no toolset's is added.
    runner.add_tools({"name": "web", "input_schema": {"type": "object"}})
    assert len(runner._tool_changes) == 1


def test_tools_are_removed_by_object_or_name(offline: AsyncAnthropic) -> None:
    runner = _runner(offline, tools=[get_weather, get_time])
    runner.remove_tools(get_time, get_weather, "nothing_of_that_name")
    assert runner._tools == {}
    assert [change["tool"]["name"] for change in runner._tool_changes] == [
        "get_time",
        "get_weather",
        "nothing_of_that_name",
    ]
    with pytest.raises(TypeError) as refused:
        runner.remove_tools("get_time", 3.5)
    assert str(refused.value) == "tools[1] must be a runnable tool or a tool name, not float"
    assert len(runner._tool_changes) == 3  # nothing removed


def test_what_was_removed_stays_removed_with_new_params(offline: AsyncAnthropic) -> None:
    runner = _runner(offline, tools=[get_weather, get_time])
    runner.remove_tools("get_weather", get_time)
    runner.set_messages_params(lambda params: params)  # the same tools, as given
    assert runner._tools == {}
    # Added back, it runs again, whatever the params say.
    runner.add_tools(get_time)
    runner.set_messages_params(lambda params: params)
    assert runner._tools == {"get_time": get_time}


async def test_a_removed_tool_no_longer_runs(client: AsyncAnthropic) -> None:
    runner = _runner(client)
    await runner.__anext__()
    runner.remove_tools("get_weather")
    with pytest.warns(UserWarning, match="Tool 'get_weather' not found"):
        response = await runner.generate_tool_call_response()
    assert response is not None
    [result] = response["content"]
    assert result["content"] == "Error: Tool 'get_weather' not found"
    assert result["is_error"] is True


# ------------------------------------------------------------------- set_messages_params


def test_new_params_keep_the_betas_unless_given(offline: AsyncAnthropic) -> None:
    runner = _runner(offline, betas=["inline-tools-2026-09-15"])
    messages = [{"role": "user", "content": "And in Rome?"}]
    runner.set_messages_params({"max_tokens": 10, "model": MODEL, "messages": messages})
    assert runner._params["betas"] == ["inline-tools-2026-09-15"]
    assert runner._params["messages"] == messages and runner._params["max_tokens"] == 10
    runner.set_messages_params({**runner._params, "betas": ["compact-2026-09-04"]})
    assert runner._params["betas"] == ["compact-2026-09-04"]
    # Without betas before, none are added.
    plain = _runner(offline)
    plain.set_messages_params({"max_tokens": 10, "model": MODEL, "messages": messages})
    assert "betas" not in plain._params


# ------------------------------------------------------------------ the blocking runner


def test_the_blocking_runner_passes_its_calls_on() -> None:
    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url) as client,
    ):
        runner = client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_time],
            tool_choice={"type": "any"},
            messages=[{"role": "user", "content": "use get_time in Oslo"}],
        )
        runner.compact_before_next_turn({"type": "summarize", "instructions": "Be brief."})
        assert runner._async._pending_compaction == {
            "type": "summarize",
            "instructions": "Be brief.",
        }
        runner.set_messages_params(lambda params: params)
        runner._async._pending_compaction = None
        first = next(runner)
        assert first.stop_reason == "tool_use"
        response = runner.generate_tool_call_response()
        assert response is not None
        assert [r["content"] for r in response["content"]] == ["noon in Oslo"]  # type: ignore[index]
        runner.close()
        assert list(runner) == []
    assert len(server.requests) == 1


def test_the_blocking_streaming_runner_defers_a_call() -> None:
    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url) as client,
    ):
        runner = client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_time],
            tool_choice={"type": "any"},
            messages=[{"role": "user", "content": "use get_time in Oslo"}],
            stream=True,
            run_tools_eagerly=True,
            max_iterations=1,
        )
        for stream in runner:
            for event in stream:
                if event.type == "content_block_stop" and event.content_block.type == "tool_use":
                    runner.defer_tool_call(event.content_block)
            assert [use.name for use in runner.deferred_tool_calls] == ["get_time"]
            response = runner.generate_tool_call_response()
            assert response is not None
            assert [r["content"] for r in response["content"]] == ["noon in Oslo"]  # type: ignore[index]
            assert runner.deferred_tool_calls == []


# ------------------------------------------------------------- the compaction's request


def test_a_compaction_request_drops_what_only_shapes_a_reply() -> None:
    from anyio_claude._tool_runner import _without_reply_params

    fallback = {"model": "claude-haiku-4-5", "output_config": {"format": "f", "effort": "low"}}
    params = {
        "model": MODEL,
        "context_management": {"edits": []},
        "stop_sequences": ["END"],
        "output_format": {"type": "json_schema"},
        "tool_choice": {"type": "any"},
        "output_config": {"format": {"type": "json_schema"}, "effort": "high"},
        "fallbacks": [fallback, "default-ish", {"model": "m", "output_config": None}],
    }
    assert _without_reply_params(params) == {
        "model": MODEL,
        "output_config": {"effort": "high"},
        "fallbacks": [
            {"model": "claude-haiku-4-5", "output_config": {"effort": "low"}},
            "default-ish",
            {"model": "m", "output_config": None},
        ],
    }
    # The fallbacks given are left alone.
    assert fallback["output_config"] == {"format": "f", "effort": "low"}
    # A tool choice that does not force a call stays; so do fallbacks that are not a list.
    for kind in ("auto", "none"):
        kept = _without_reply_params({"tool_choice": {"type": kind}, "fallbacks": "default"})
        assert kept == {"tool_choice": {"type": kind}, "fallbacks": "default"}
    assert _without_reply_params({"tool_choice": {"type": "tool", "name": "x"}}) == {}
    assert _without_reply_params({"output_config": "odd"}) == {"output_config": "odd"}


def test_a_malformed_toolset_call_is_answered_with_an_error() -> None:
    from anyio_claude._tool_runner import _malformed_toolset_call
    from anyio_claude.types import ToolUseBlock

    use = ToolUseBlock(id="toolu_1", name="browser", input={"actions": []}, type="tool_use")
    assert _malformed_toolset_call(use) == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": "Error: the 'browser' toolset could not run this call: it has no "
        "toolset_name; nothing in the batch was executed",
        "is_error": True,
    }


# ----------------------------------------------------------------- run_tools_eagerly's record


def test_a_call_is_held_by_its_block_or_its_id_until_it_starts() -> None:
    import anyio

    from anyio_claude._tool_runner import _EagerCalls
    from anyio_claude.types import ToolUseBlock

    eager = _EagerCalls()
    first, second, third, fourth = (
        ToolUseBlock(id=f"toolu_{i}", name="get_weather", input={}, type="tool_use")
        for i in range(4)
    )
    eager.hold(first)
    eager.hold("toolu_1")
    assert eager.is_held(first) and eager.is_held(second)
    eager.running["toolu_2"] = anyio.Event()  # started: too late to hold
    eager.results["toolu_3"] = {"type": "tool_result", "tool_use_id": "toolu_3"}  # done
    eager.hold(third)
    eager.hold(fourth)
    assert not eager.is_held(third) and not eager.is_held(fourth)


def _reply(content: list[dict[str, Any]], stop_reason: str) -> Any:
    from anyio_claude.types import Message

    return Message.model_validate(
        {
            "id": "msg_scripted",
            "type": "message",
            "role": "assistant",
            "content": content,
            "model": MODEL,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
    )


# ------------------------------------------------------------------------------ compaction


def test_compaction_is_refused_beside_a_compaction_edit_with_the_reason(
    offline: AsyncAnthropic,
) -> None:
    runner = _runner(offline, context_management={"edits": [{}, {"type": "compact_20260112"}]})
    with pytest.raises(ValueError) as refused:
        runner.compact_before_next_turn()
    assert str(refused.value) == (
        "compact_before_next_turn() can't be used while context_management has a compaction "
        "edit, because the API doesn't accept a compaction block together with one. Remove "
        "the edit first."
    )
    # Other edits, and edits without a type, are no compaction edit.
    runner = _runner(offline, context_management={"edits": [{}, {"type": "clear_tool_uses"}]})
    runner.compact_before_next_turn()


async def test_a_compaction_without_a_summary_keeps_the_conversation(
    client: AsyncAnthropic, server: FakeClaude, caplog: pytest.LogCaptureFixture
) -> None:
    runner = _runner(client)
    replies = []
    async for message in runner:
        replies.append(message)
        if message.stop_reason == "end_turn":
            runner.compact_before_next_turn()
            server.script(_reply([{"type": "compaction", "content": ""}], "compaction"))
    assert [m.stop_reason for m in replies] == ["tool_use", "end_turn", "compaction"]
    # The reply before the compaction is the last again, and the history is as it was.
    assert await runner.until_done() is replies[1]
    assert [m["role"] for m in runner._params["messages"]] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert "Compaction produced no summary; keeping the conversation as it is." in [
        record.getMessage() for record in caplog.records
    ]


async def test_tools_run_in_the_turn_after_a_compaction(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    runner = _runner(client, max_concurrency=2)
    runner.compact_before_next_turn()
    first = await runner.__anext__()
    assert first.stop_reason == "compaction"
    call = {
        "type": "tool_use",
        "id": "toolu_a",
        "name": "get_weather",
        "input": {"location": "Oslo"},
    }
    server.script(_reply([call], "tool_use"))
    assert (await runner.__anext__()).stop_reason == "tool_use"
    assert await runner.generate_tool_call_response() == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_a", "content": "Sunny in Oslo"}],
    }
    assert (await runner.until_done()).stop_reason == "end_turn"


async def test_a_runner_is_entered_once(offline: AsyncAnthropic) -> None:
    async with _runner(offline) as runner:
        with pytest.raises(RuntimeError) as refused:
            await runner.__aenter__()
    assert str(refused.value) == "this tool runner is already in an `async with` block"


# ---------------------------------------------------------------------------------- toolsets


class Stuck(BetaAsyncRunnableToolset):
    """A toolset whose members never answer."""

    toolset_name = "browser"

    def to_dict(self) -> Any:
        return {"type": "browser_toolset_20260801"}

    async def call(self, context: Any, name: str, input: Mapping[str, object]) -> str:
        import anyio

        await anyio.sleep_forever()
        raise AssertionError("unreachable")


async def test_a_toolset_member_that_does_not_answer_times_out(client: AsyncAnthropic) -> None:
    runner = _runner(
        client,
        tools=[Stuck()],
        messages=[{"role": "user", "content": "Use the browser to navigate, then screenshot"}],
        tool_timeout=0.05,
    )
    message = await runner.__anext__()
    calls = [b for b in message.content if b.type == "tool_use"]
    response = await runner.generate_tool_call_response()
    assert response is not None
    assert response["content"][0] == {  # type: ignore[index]
        "type": "tool_result",
        "tool_use_id": calls[0].id,
        "toolset_name": "browser",
        "content": f"Error: Tool '{calls[0].name}' timed out after 0.05 seconds",
        "is_error": True,
    }
    await runner.close()


# ------------------------------------------------------------------------- run_tools_eagerly


class Recorder(BetaRunnableToolset):
    """A blocking browser recording its calls, failing on `fail`."""

    toolset_name = "browser"

    def __init__(self, fail: str | None = None) -> None:
        self.calls: list[str] = []
        self.fail = fail

    def to_dict(self) -> Any:
        return {"type": "browser_toolset_20260801"}

    def call(self, context: Any, name: str, input: Mapping[str, object]) -> str:
        self.calls.append(name)
        if name == self.fail:
            raise ValueError("the page is gone")
        return f"{name} done"


@pytest.mark.parametrize("grouped", [False, True], ids=["in_the_read", "in_the_group"])
@pytest.mark.parametrize("fail", [None, "navigate"])
async def test_a_toolsets_eager_calls_run_in_order_and_stop_after_a_failure(
    client: AsyncAnthropic, server: FakeClaude, grouped: bool, fail: str | None
) -> None:
    import contextlib

    import anyio

    browser = Recorder(fail)
    runner = _runner(
        client,
        tools=[browser],
        messages=[{"role": "user", "content": "Use the browser to navigate, then screenshot"}],
        stream=True,
        run_tools_eagerly=True,
        max_iterations=1,
    )
    async with contextlib.AsyncExitStack() as stack:
        if grouped:
            await stack.enter_async_context(runner)
        async for stream in runner:
            await stream.until_done()
            await anyio.wait_all_tasks_blocked()
            with anyio.fail_after(5):
                await runner._eager.settled()  # the calls started in the group
            # Before the tool response: the calls that ran early.
            assert browser.calls == (["navigate", "screenshot"] if fail is None else ["navigate"])
            response = await runner.generate_tool_call_response()
            assert response is not None
            contents = [r["content"] for r in response["content"]]  # type: ignore[index]
            if fail is None:
                assert contents == ["navigate done", "screenshot done"]
            else:
                assert contents == [
                    "ValueError: the page is gone",
                    "Not executed: an earlier action in this turn failed.",
                ]
    # Each ran once.
    assert browser.calls == (["navigate", "screenshot"] if fail is None else ["navigate"])


async def test_eager_calls_of_a_turn_taken_over_finish_with_it(client: AsyncAnthropic) -> None:
    import anyio

    finished: list[str] = []

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        await anyio.sleep(0.05)
        finished.append(location)
        return f"noon in {location}"

    async with _runner(
        client,
        tools=[get_time],
        messages=[{"role": "user", "content": "use get_time in Paris and Rome"}],
        stream=True,
        run_tools_eagerly=True,
        max_iterations=1,
    ) as runner:
        async for stream in runner:
            await stream.until_done()
            runner.append_messages({"role": "user", "content": "never mind"})
        # The loop ended once the calls started early had finished, not cancelled.
        assert sorted(finished) == ["Paris", "Rome"]


async def test_a_held_call_runs_once_however_often_the_response_is_made(
    client: AsyncAnthropic,
) -> None:
    calls: list[str] = []

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere."""
        calls.append(location)
        return f"noon in {location}"

    runner = _runner(
        client,
        tools=[get_time],
        messages=[{"role": "user", "content": "use get_time in Paris"}],
        stream=True,
        run_tools_eagerly=True,
        max_iterations=1,
    )
    async for stream in runner:
        async for event in stream:
            if event.type == "content_block_stop" and event.content_block.type == "tool_use":
                runner.defer_tool_call(event.content_block.id)
        first = await runner.generate_tool_call_response()
        runner.append_messages()  # drops the cached response: made again
        assert await runner.generate_tool_call_response() == first
    assert calls == ["Paris"]


async def test_an_eager_turn_taken_up_again_keeps_the_results_it_has(
    client: AsyncAnthropic,
) -> None:
    import anyio

    calls: list[str] = []

    @beta_async_tool
    async def get_time(location: str) -> str:
        """The local time somewhere; hangs the first time in Rome."""
        calls.append(location)
        if location == "Rome" and calls.count("Rome") == 1:
            await anyio.sleep_forever()
        return f"noon in {location}"

    runner = _runner(
        client,
        tools=[get_time],
        messages=[{"role": "user", "content": "use get_time in Paris and Rome"}],
        stream=True,
        run_tools_eagerly=True,
    )
    stream = await runner.__anext__()
    async for event in stream:
        if event.type == "content_block_stop" and event.content_block.type == "tool_use":
            if event.content_block.input.get("location") == "Rome":
                runner.defer_tool_call(event.content_block)
    assert calls == ["Paris"]  # ran in the read; Rome is held
    with anyio.move_on_after(0.05) as scope:
        await runner.__anext__()  # the tool response: cancelled while Rome hangs
    assert scope.cancelled_caught
    final = await runner.until_done()
    assert final.stop_reason == "end_turn"
    # Paris's result was kept for the turn; only Rome ran again.
    assert calls == ["Paris", "Rome", "Rome"]


# --------------------------------------------------------------------------- eager tracking


def test_tracking_a_reply_finds_the_call_the_model_moved_on_from() -> None:
    from types import SimpleNamespace as Event

    from anyio_claude._tool_runner import _EagerCalls
    from anyio_claude.types import ToolUseBlock

    a, b = (ToolUseBlock(id=f"toolu_{n}", name="t", input={}, type="tool_use") for n in "ab")
    text = Event(type="text")

    def stop(block: object) -> Event:
        return Event(type="content_block_stop", content_block=block)

    def start(kind: str) -> Event:
        return Event(type="content_block_start", content_block=Event(type=kind))

    def delta(stop_reason: str) -> Event:
        return Event(type="message_delta", delta=Event(stop_reason=stop_reason))

    eager = _EagerCalls()
    # Events without the fields read are passed over.
    for event in (object(), Event(type="content_block_stop"), Event(type="content_block_start")):
        assert eager.track(event) is None
    assert eager.track(Event(type="message_delta")) is None
    assert eager.track(stop(a)) is None
    assert eager.track(stop(text)) is None  # a text block is not a call: a is still last
    assert eager.track(start("text")) is a
    assert eager.track(start("text")) is None  # once
    assert eager.track(stop(b)) is None
    assert eager.track(delta("end_turn")) is None
    assert eager.track(Event(type="ping", delta=Event(stop_reason="tool_use"))) is None
    assert eager.track(delta("tool_use")) is b
    # After a fallback block, no call is moved on from: the one before may be cut off.
    eager = _EagerCalls()
    assert eager.track(stop(a)) is None
    assert eager.track(start("fallback")) is None
    assert eager.track(start("text")) is None
    assert eager.track(stop(b)) is None
    assert eager.track(delta("tool_use")) is None
    assert [use.id for use in eager._finished] == ["toolu_a", "toolu_b"]


async def test_an_eager_stream_is_the_turns_stream(client: AsyncAnthropic) -> None:
    runner = _runner(client, stream=True, run_tools_eagerly=True, max_iterations=1)
    async for stream in runner:
        assert stream.retries_taken == 0
        assert stream.http_response is not None and stream.http_response.status_code == 200
        await stream.until_done()


# ------------------------------------------------------------------------ requests and close


async def test_only_a_streamed_turn_carries_the_stream_helpers_tags(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    for stream in (False, True):
        await _runner(client, thread=False, stream=stream, max_iterations=1).until_done()
    plain, streamed = (request.headers for request in server.requests)
    assert "x-stainless-helper-method" not in plain
    assert streamed["x-stainless-helper-method"] == "stream"
    assert plain["x-stainless-helper"] == streamed["x-stainless-helper"] == "BetaToolRunner"


async def test_a_runner_closed_before_it_started_yields_nothing(offline: AsyncAnthropic) -> None:
    runner = _runner(offline)
    await runner.close()
    assert [message async for message in runner] == []
    with pytest.raises(RuntimeError, match="ended before any reply"):
        await runner.until_done()


async def test_the_runners_span_is_ok_only_when_the_loop_finished(server: FakeClaude) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    from anyio_claude import BadRequestError
    from anyio_claude.testing import ErrorReply

    async with AsyncAnthropic(
        api_key="k",
        base_url=server.url,
        max_retries=0,
        open_telemetry={"tracer_provider": provider},
    ) as client:
        runner = _runner(client)
        await runner.__anext__()
        await runner.close()
        await _runner(client).until_done()
        server.script(ErrorReply(400, "invalid_request_error", "no"))
        with pytest.raises(BadRequestError):
            await _runner(client).until_done()
    runs = [
        span
        for span in exporter.get_finished_spans()
        if span.name == "anthropic.messages.tool_runner"
    ]
    assert [span.status.status_code for span in runs] == [
        StatusCode.UNSET,
        StatusCode.OK,
        StatusCode.ERROR,
    ]
    assert all(span.attributes["gen_ai.request.model"] == MODEL for span in runs)  # type: ignore[index]
    assert runs[2].attributes["error.type"] == "invalid_request_error"  # type: ignore[index]


async def test_a_streaming_runner_closed_before_it_started_yields_nothing(
    offline: AsyncAnthropic,
) -> None:
    runner = _runner(offline, stream=True)
    assert await runner.generate_tool_call_response() is None
    await runner.close()
    assert [stream async for stream in runner] == []
    with pytest.raises(RuntimeError) as ended:
        await runner.until_done()
    assert str(ended.value) == "the tool runner ended before any reply"


async def test_a_streaming_runner_keeps_its_limits(client: AsyncAnthropic) -> None:
    import anyio

    @beta_async_tool
    async def get_weather(location: str) -> str:
        """Never answers."""
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    runner = _runner(client, tools=[get_weather], stream=True, tool_timeout=0.05)
    async for stream in runner:
        await stream.until_done()
        response = await runner.generate_tool_call_response()
        if response is not None:
            [result] = response["content"]
            assert result["content"] == "Error: Tool 'get_weather' timed out after 0.05 seconds"  # type: ignore[index]


@pytest.mark.parametrize("eager", [False, True])
@pytest.mark.parametrize("read", ["to_the_end", "a_block"])
async def test_a_streamed_turn_left_unread_is_kept_in_the_thread(
    client: AsyncAnthropic, eager: bool, read: str
) -> None:
    thread = client.beta.messages.thread(model=MODEL, max_tokens=1024, tools=[get_weather])
    thread.append({"role": "user", "content": "What is the weather in Oslo?"})
    runner = thread.tool_runner(stream=True, run_tools_eagerly=eager)
    stream = await runner.__anext__()
    async for event in stream:
        if read == "a_block" and event.type == "content_block_stop":
            break
    await runner.close()
    last = thread.messages[-1]
    assert last["role"] == "assistant"
    blocks = [block["type"] for block in last["content"]]  # type: ignore[index,union-attr]
    assert blocks == (["text"] if read == "a_block" else ["text", "tool_use"])
    if read == "to_the_end":
        # The whole reply: the thread goes on from it.
        assert thread.previous_message_id == stream.current_message_snapshot.id


def test_a_tool_results_text_is_made_well_formed() -> None:
    from anyio_claude._tool_runner import _content, _well_formed

    assert _well_formed("a\ud800b\udfff") == "a\ufffdb\ufffd"
    image = {"type": "image", "source": {"type": "url", "url": "u"}, "text": "\ud800"}
    odd = object()
    assert _content([{"type": "text", "text": "x\udc00"}, image, odd, {"type": "text"}]) == [
        {"type": "text", "text": "x\ufffd"},
        image,
        odd,
        {"type": "text"},
    ]
    assert _content(None) is None
    assert _content("\ud800") == "\ufffd"


async def test_a_final_turn_with_calls_unanswered_skips_the_compaction(
    client: AsyncAnthropic, server: FakeClaude, caplog: pytest.LogCaptureFixture
) -> None:
    call = {"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {}}
    server.script(_reply([call], "max_tokens"))
    runner = _runner(client)
    async for message in runner:
        assert message.stop_reason == "max_tokens"
        runner.compact_before_next_turn()
    assert [m async for m in runner] == []
    skipped = [r.getMessage() for r in caplog.records if "compaction was skipped" in r.getMessage()]
    assert skipped == [
        "The pending compaction was skipped: the last turn (stop_reason='max_tokens') ended "
        "with tool calls whose results were not sent. Call compact_before_next_turn() again "
        "if you continue the conversation."
    ]
    assert len(server.requests) == 1


# ---------------------------------------------------------------------------------- warnings


async def _unknown_tool_warnings(client: AsyncAnthropic, stream: bool) -> list[Any]:
    """The warnings of a call of a removed tool, run directly and by the loop."""
    found = []
    for direct in (True, False):
        runner = _runner(client, stream=stream, max_iterations=1)
        await runner.__anext__()
        runner.remove_tools("get_weather")
        with pytest.warns(UserWarning) as warned:
            if direct:
                await runner.generate_tool_call_response()
            else:
                assert [item async for item in runner] == []  # the turn's end runs the tools
        found += warned.list
        await runner.close()
    return found


@pytest.mark.parametrize("stream", [False, True])
async def test_the_unknown_tool_warning(client: AsyncAnthropic, stream: bool) -> None:
    assert [str(w.message) for w in await _unknown_tool_warnings(client, stream)] == 2 * [
        "Tool 'get_weather' not found in tool runner. Available tools: []. If using a raw "
        "tool definition, handle the tool call manually and use `append_messages()` to add "
        "the result."
    ]


# Under mutmut the warnings name its trampoline's line: its runs deselect `callers_line`.
@pytest.mark.parametrize("stream", [False, True])
async def test_the_unknown_tool_warning_names_the_callers_line(
    client: AsyncAnthropic, stream: bool
) -> None:
    assert [w.filename for w in await _unknown_tool_warnings(client, stream)] == 2 * [__file__]


async def _unknown_toolset_warnings(client: AsyncAnthropic, server: FakeClaude) -> list[Any]:
    calls = [
        {"type": "tool_use", "id": "toolu_a", "name": "navigate", "toolset_name": "computer",
         "input": {}},
        {"type": "tool_use", "id": "toolu_b", "name": "screenshot", "toolset_name": "computer",
         "input": {}},
    ]  # fmt: skip
    server.script(_reply(calls, "tool_use"))
    runner = _runner(client, tools=[Browser()])
    await runner.__anext__()
    with pytest.warns(UserWarning) as warned:
        response = await runner.generate_tool_call_response()
    assert [str(w.message) for w in warned.list] == [
        f"Toolset 'computer' (member '{name}') not found in tool runner. Registered "
        "toolsets: ['browser']. If using a raw toolset definition, handle the tool call "
        "manually and use `append_messages()` to add the result."
        for name in ("navigate", "screenshot")
    ]
    assert response is not None
    assert [(r["content"], r.get("is_error")) for r in response["content"]] == [  # type: ignore[index,union-attr]
        ("Error: Toolset 'computer' member 'navigate' not found", True),
        ("Error: Toolset 'computer' member 'screenshot' not found", True),
    ]
    return warned.list


async def test_the_unknown_toolset_warning(client: AsyncAnthropic, server: FakeClaude) -> None:
    assert len(await _unknown_toolset_warnings(client, server)) == 2


async def test_the_unknown_toolset_warning_names_the_callers_line(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    assert {w.filename for w in await _unknown_toolset_warnings(client, server)} == {__file__}


def test_the_blocking_runners_warning_names_the_callers_line() -> None:
    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url) as client,
    ):
        runner = client.beta.messages.tool_runner(
            max_tokens=1024,
            model=MODEL,
            tools=[get_time],
            tool_choice={"type": "any"},
            messages=[{"role": "user", "content": "use get_time in Oslo"}],
        )
        next(runner)
        runner.remove_tools("get_time")
        with pytest.warns(UserWarning, match="Tool 'get_time' not found") as warned:
            runner.generate_tool_call_response()
        assert [w.filename for w in warned.list] == [__file__]


async def test_a_malformed_call_of_a_toolset_stops_its_later_calls(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    calls = [
        {"type": "tool_use", "id": "toolu_a", "name": "browser", "input": {"actions": []}},
        {"type": "tool_use", "id": "toolu_b", "name": "navigate", "toolset_name": "browser",
         "input": {}},
        {"type": "tool_use", "id": "toolu_c", "name": "get_weather", "input": {"location": "Oslo"}},
    ]  # fmt: skip
    server.script(_reply(calls, "tool_use"))
    browser = Recorder()
    runner = _runner(client, tools=[browser, get_weather])
    await runner.__anext__()
    response = await runner.generate_tool_call_response()
    assert response is not None
    assert response["content"] == [
        {
            "type": "tool_result",
            "tool_use_id": "toolu_a",
            "content": "Error: the 'browser' toolset could not run this call: it has no "
            "toolset_name; nothing in the batch was executed",
            "is_error": True,
        },
        {
            "type": "tool_result",
            "tool_use_id": "toolu_b",
            "toolset_name": "browser",
            "content": "Not executed: an earlier action in this turn failed.",
            "is_error": True,
        },
        {"type": "tool_result", "tool_use_id": "toolu_c", "content": "Sunny in Oslo"},
    ]
    assert browser.calls == []


# ------------------------------------------------------------------------ when the loop stops


@pytest.mark.parametrize("stop_reason", ["end_turn", "something_new", None])
@pytest.mark.parametrize("taken_over", [False, True])
async def test_a_reply_asking_for_nothing_more_ends_the_loop(
    client: AsyncAnthropic, server: FakeClaude, stop_reason: str | None, taken_over: bool
) -> None:
    server.script(_reply([{"type": "text", "text": "Done."}], stop_reason))  # type: ignore[arg-type]
    runner = _runner(client)
    async for _ in runner:
        if taken_over:
            runner.append_messages({"role": "user", "content": "More?"})
    assert len(server.requests) == 1


@pytest.mark.parametrize("taken_over", [False, True])
async def test_a_tool_use_reply_without_calls_ends_the_loop(
    client: AsyncAnthropic, server: FakeClaude, taken_over: bool
) -> None:
    server.script(_reply([{"type": "text", "text": "Let me see."}], "tool_use"))
    runner = _runner(client)
    async for _ in runner:
        if taken_over:
            runner.append_messages({"role": "user", "content": "More?"})
    assert len(server.requests) == 1


async def test_a_turn_the_thread_would_refuse_runs_no_tool(client: AsyncAnthropic) -> None:
    from anyio_claude import ClaudeError

    calls: list[str] = []

    @beta_async_tool
    async def get_weather(location: str) -> str:
        """The weather somewhere."""
        calls.append(location)
        return f"Sunny in {location}"

    runner = _runner(client, tools=[get_weather])
    assert (await runner.__anext__()).stop_reason == "tool_use"
    runner.set_messages_params(lambda params: {**params, "system": "Be brief."})
    with pytest.raises(ClaudeError, match="system"):
        await runner.__anext__()
    assert calls == []
    await runner.close()


async def test_a_last_turn_needs_no_check_of_the_next(client: AsyncAnthropic) -> None:
    runner = _runner(client)
    replies = []
    async for message in runner:
        replies.append(message.stop_reason)
        if message.stop_reason == "end_turn":
            runner.set_messages_params(lambda params: {**params, "system": "Be brief."})
    assert replies == ["tool_use", "end_turn"]


async def test_each_turn_runs_its_own_tools(client: AsyncAnthropic, server: FakeClaude) -> None:
    def call(n: str, location: str) -> dict[str, Any]:
        return {"type": "tool_use", "id": f"toolu_{n}", "name": "get_weather",
                "input": {"location": location}}  # fmt: skip

    server.script(_reply([call("a", "Oslo")], "tool_use"), _reply([call("b", "Rome")], "tool_use"))
    runner = _runner(client, max_concurrency=1)
    final = await runner.until_done()
    assert final.stop_reason == "end_turn" and len(server.requests) == 3
    assert [block["content"] for block in server.requests[2].json["messages"][-1]["content"]] == [
        "Sunny in Rome"
    ]
    history = list(runner._params["messages"])
    # A finished loop stays finished: asking again changes nothing.
    assert await runner.until_done() is final
    assert runner._params["messages"] == history
    assert len(server.requests) == 3


async def test_a_final_turn_taken_over_is_compacted(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    call = {"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {}}
    server.script(_reply([call], "max_tokens"))
    runner = _runner(client)
    stop_reasons = []
    async for message in runner:
        stop_reasons.append(message.stop_reason)
        if message.stop_reason == "max_tokens":
            runner.append_messages(
                message,
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "toolu_a", "content": "?"}],
                },
            )
            runner.compact_before_next_turn()
    assert stop_reasons == ["max_tokens", "compaction"]
    assert server.requests[1].json["compaction"] == {"type": "summarize"}


async def test_tool_changes_wait_for_a_paused_turn_to_be_resumed(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    server.script(_reply([{"type": "text", "text": "Searching..."}], "pause_turn"))
    runner = _runner(client, thread=False, max_iterations=3)
    lookup = {"name": "lookup", "input_schema": {"type": "object"}}
    async for message in runner:
        if message.stop_reason == "pause_turn":
            runner.add_tools(lookup)
        elif message.stop_reason == "tool_use":
            runner.remove_tools("lookup")
    _, resumed, last = (request.json["messages"] for request in server.requests)
    # The paused turn is sent back last, to be continued; the change waits for the next.
    assert [m["role"] for m in resumed] == ["user", "assistant"]
    assert [m["role"] for m in last][-2:] == ["user", "system"]
    assert [change["type"] for change in last[-1]["content"]] == ["tool_addition", "tool_removal"]
    # Sent, they are gone; later changes start afresh.
    runner.add_tools(lookup)
    assert [change["type"] for change in runner._tool_changes] == ["tool_addition"]


async def test_a_lost_reply_says_so_until_closed(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    import anyio

    from anyio_claude import ClaudeError
    from anyio_claude.testing import Fault

    server.faults.append(Fault("stall", after_events=2, nth=1))
    runner = _runner(client, stream=True, run_tools_eagerly=True)
    await runner.__anext__()
    with anyio.move_on_after(0.2):
        await runner.__anext__()  # reads the rest of the stalled reply: cancelled
    for _ in range(2):
        with pytest.raises(ClaudeError) as lost:
            await runner.__anext__()
        assert str(lost.value) == (
            "The tool runner cannot go on: the reply of its last turn was lost (reading it to "
            "its end was cancelled or failed, which closed its stream). The history holds the "
            "turns before it; close this runner and start a new one to continue."
        )
        assert runner.deferred_tool_calls == []
    await runner.close()


@pytest.mark.parametrize("thread", [False, None])
async def test_the_runners_tag_comes_before_the_callers(
    client: AsyncAnthropic, server: FakeClaude, thread: bool | None
) -> None:
    await _runner(
        client,
        thread=thread,
        max_iterations=1,
        extra_headers={"X-Stainless-Helper": "mine"},
    ).until_done()
    assert server.requests[0].headers["x-stainless-helper"].startswith("BetaToolRunner, mine")


async def test_a_paused_turn_is_resumed_before_the_compaction(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    server.script(_reply([{"type": "text", "text": "Searching..."}], "pause_turn"))
    runner = _runner(client)
    stop_reasons = []
    async for message in runner:
        stop_reasons.append(message.stop_reason)
        if message.stop_reason == "pause_turn":
            runner.compact_before_next_turn()
    assert stop_reasons[:3] == ["pause_turn", "tool_use", "compaction"]
    assert "compaction" not in server.requests[1].json
    assert server.requests[2].json["compaction"] == {"type": "summarize"}


async def test_new_params_while_compacting_keep_the_history(client: AsyncAnthropic) -> None:
    runner = _runner(client)
    runner.compact_before_next_turn()
    async for message in runner:
        if message.stop_reason == "compaction":
            runner.set_messages_params(lambda params: {**params, "max_tokens": 512})
            with pytest.raises(ValueError) as refused:
                runner.set_messages_params(
                    lambda params: {**params, "messages": [{"role": "user", "content": "Hi"}]}
                )
            assert str(refused.value) == (
                "Message params can't be changed while the conversation is being compacted, "
                "because the compaction response replaces them. Make the change on the next "
                "iteration."
            )
    assert runner._params["max_tokens"] == 512


async def test_a_malformed_toolset_call_holds_the_toolsets_eager_calls(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    calls = [
        {"type": "tool_use", "id": "toolu_a", "name": "browser", "input": {"actions": []}},
        {"type": "tool_use", "id": "toolu_b", "name": "navigate", "toolset_name": "browser",
         "input": {}},
        {"type": "tool_use", "id": "toolu_c", "name": "screenshot", "toolset_name": "browser",
         "input": {}},
    ]  # fmt: skip
    server.script(_reply(calls, "tool_use"))
    browser = Recorder()
    runner = _runner(client, tools=[browser], stream=True, run_tools_eagerly=True)
    stream = await runner.__anext__()
    await stream.until_done()
    assert browser.calls == []  # none started early
    response = await runner.generate_tool_call_response()
    assert response is not None
    assert [r["content"] for r in response["content"]] == [  # type: ignore[index]
        "Error: the 'browser' toolset could not run this call: it has no toolset_name; "
        "nothing in the batch was executed",
        "Not executed: an earlier action in this turn failed.",
        "Not executed: an earlier action in this turn failed.",
    ]
    assert browser.calls == []
    await runner.close()


# --------------------------------------------------------------------- arguments and making


@pytest.mark.parametrize(
    ("limits", "says"),
    [
        ({"max_iterations": -1}, "max_iterations must be an int >= 0 or None, got -1"),
        ({"max_iterations": 1.0}, "max_iterations must be an int >= 0 or None, got 1.0"),
        ({"max_iterations": True}, "max_iterations must be an int >= 0 or None, got True"),
        ({"max_concurrency": 0}, "max_concurrency must be an int >= 1 or None, got 0"),
        ({"max_concurrency": False}, "max_concurrency must be an int >= 1 or None, got False"),
        ({"max_concurrency": "2"}, "max_concurrency must be an int >= 1 or None, got '2'"),
        *(
            ({"tool_timeout": bad}, f"tool_timeout must be a positive number of seconds or "
             f"None, got {bad!r}")
            for bad in (0, -1.5, float("inf"), float("nan"), True, "1")
        ),
    ],
)  # fmt: skip
def test_limits_that_cannot_work_are_refused(
    offline: AsyncAnthropic, limits: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValueError) as refused:
        _runner(offline, **limits)
    assert str(refused.value) == says


def test_the_limits_given_are_kept(offline: AsyncAnthropic) -> None:
    for stream in (False, True):
        runner = _runner(
            offline, stream=stream, max_iterations=0, max_concurrency=1, tool_timeout=2
        )
        assert (runner._max_iterations, runner._max_concurrency, runner._tool_timeout) == (
            0,
            1,
            2,
        )
        runner = _runner(offline, stream=stream, tool_timeout=0.5)
        assert (runner._max_iterations, runner._max_concurrency, runner._tool_timeout) == (
            None,
            None,
            0.5,
        )


def test_what_tools_may_hold(offline: AsyncAnthropic) -> None:
    for tools, says in (
        (b"get_weather", "tools must be a list of tools, not bytes"),
        ({"name": "get_weather"}, "tools must be a list of tools, not dict"),
        (3, "tools must be a list of tools, not int"),
    ):
        with pytest.raises(TypeError) as refused:
            _runner(offline, tools=tools)
        assert str(refused.value) == says
    with pytest.raises(TypeError) as refused:
        _runner(offline, tools=[get_weather, 3])
    assert str(refused.value) == (
        "tools[1] must be a tool made by beta_tool / beta_async_tool, a builtin tool, a "
        "runnable toolset, or a tool definition dict, not int"
    )
    with pytest.raises(ValueError) as refused:
        _runner(offline, tools=[Browser(), get_weather, Browser()])
    assert str(refused.value) == "tools[2]: a second 'browser' toolset"
    definition = {"name": "lookup", "input_schema": {"type": "object"}}
    browser, computer = Browser(), Computer()
    runner = _runner(
        offline, tools=(t for t in [get_weather, get_time, definition, browser, computer])
    )
    assert runner._tools == {"get_weather": get_weather, "get_time": get_time}
    assert runner._toolsets == {"browser": browser, "computer": computer}
    assert runner._given_tools == [get_weather, get_time, definition, browser, computer]
    assert runner._params["tools"] == [
        get_weather.to_dict(),
        get_time.to_dict(),
        definition,
        browser.to_dict(),
        computer.to_dict(),
    ]


def test_what_params_may_hold(offline: AsyncAnthropic) -> None:
    with pytest.raises(TypeError) as refused:
        _runner(offline, temprature=1)
    assert str(refused.value) == "tool_runner() got an unexpected keyword argument 'temprature'"
    with pytest.raises(TypeError) as refused:
        _runner(offline, thread={"type": "create"})
    assert str(refused.value) == (
        "`thread` cannot be set in the params of a tool runner, got {'type': 'create'}. The "
        "runner sets it for each request itself. To run without a message thread, pass "
        "`thread=False` to `tool_runner()`."
    )
    for messages in ({"role": "user", "content": "hi"}, b"hi", None):
        with pytest.raises(TypeError) as refused:
            _runner(offline, messages=messages)
        assert str(refused.value) == (
            f"messages must be a list of messages, not {type(messages).__name__}"
        )
    with pytest.raises(ValueError) as refused:
        _runner(offline, compaction={"type": "summarize"})
    assert str(refused.value) == (
        "compaction cannot be set on a tool runner: every request in the loop would compact "
        "again; call runner.compact_before_next_turn() to compact once"
    )
    _runner(offline, compaction=None)  # not set
    message = {"role": "user", "content": "hi"}
    runner = _runner(offline, messages=(m for m in [message]), thread=False, top_k=3)
    assert runner._params["messages"] == [message] and runner._params["top_k"] == 3
    assert "thread" not in runner._params and runner._thread is None
    # Over a message thread unless told not to, where the client has them.
    state = _runner(offline)._thread
    assert state is not None and state.threading
    assert state.unsupported_request_behavior == "continue_unthreaded"
    assert state.options == {} and state.messages == ()


def test_how_a_runner_is_made(offline: AsyncAnthropic) -> None:
    from anyio_claude._tool_runner import BetaAsyncStreamingToolRunner, BetaAsyncToolRunner

    assert type(_runner(offline)) is BetaAsyncToolRunner
    assert type(_runner(offline, stream=True)) is BetaAsyncStreamingToolRunner
    assert _runner(offline, stream=True)._run_tools_eagerly is False
    assert _runner(offline, stream=True, run_tools_eagerly=True)._run_tools_eagerly is True
    for name, value in (("stream", 1), ("run_tools_eagerly", "yes")):
        with pytest.raises(TypeError) as refused:
            _runner(offline, **{name: value})
        assert str(refused.value) == f"{name} must be a bool, not {type(value).__name__}"
    with pytest.raises(ValueError) as refused:
        _runner(offline, run_tools_eagerly=True)
    assert str(refused.value) == (
        "`run_tools_eagerly=True` and `stream=False` are mutually exclusive"
    )


def test_a_threads_runner_takes_its_fields_and_the_options(offline: AsyncAnthropic) -> None:
    thread = offline.beta.messages.thread(
        model=MODEL, max_tokens=200, tools=[get_weather], system="Be brief."
    )
    thread.append({"role": "user", "content": "What is the weather in Oslo?"})
    for stream in (False, True):
        runner = thread.tool_runner(
            stream=stream, max_iterations=2, max_concurrency=3, tool_timeout=4, timeout=9
        )
        assert runner._thread is thread._state
        assert (runner._max_iterations, runner._max_concurrency, runner._tool_timeout) == (2, 3, 4)
        assert runner._params["system"] == "Be brief." and runner._params["timeout"] == 9
        assert runner._tools == {"get_weather": get_weather}
        assert "unsupported_request_behavior" not in runner._params


async def test_a_threads_own_headers_go_with_the_runners_turns(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    thread = client.beta.messages.thread(
        model=MODEL, max_tokens=200, tools=[get_weather], extra_headers={"X-Team": "tools"}
    )
    thread.append({"role": "user", "content": "What is the weather in Oslo?"})
    await thread.tool_runner(max_iterations=1).until_done()
    await thread.tool_runner(max_iterations=1, extra_headers={"X-Turn": "1"}).until_done()
    first, second = (request.headers for request in server.requests)
    assert first["x-team"] == "tools" and "x-turn" not in first
    # A turn's own headers replace the thread's.
    assert second["x-turn"] == "1" and "x-team" not in second
    assert first["x-stainless-helper"].startswith("BetaToolRunner")
    assert second["x-stainless-helper"].startswith("BetaToolRunner")


async def test_the_runner_tags_what_helpers_made(
    client: AsyncAnthropic, server: FakeClaude
) -> None:
    from anyio_claude._helper_tags import tag

    @beta_async_tool
    async def get_weather(location: str) -> str:
        """The weather somewhere."""
        return f"Sunny in {location}"

    tag(get_weather, "mcp_tool")
    browser = tag(Browser(), "mcp_toolset")
    await _runner(client, tools=[get_weather, browser], max_iterations=1).until_done()
    assert server.requests[0].headers["x-stainless-helper"] == (
        "BetaToolRunner, mcp_tool, mcp_toolset, message-thread"
    )


def test_added_and_removed_tools_outlive_new_params(offline: AsyncAnthropic) -> None:
    runner = _runner(offline, tools=[get_weather])
    runner.add_tools(get_time)
    runner.remove_tools("never_given")
    runner.set_messages_params(lambda params: {**params, "tools": [get_weather]})
    assert runner._tools == {"get_weather": get_weather, "get_time": get_time}


async def test_a_second_runner_over_a_thread_runs_its_tools(client: AsyncAnthropic) -> None:
    thread = client.beta.messages.thread(model=MODEL, max_tokens=200, tools=[get_weather])
    for city in ("Oslo", "Rome"):
        thread.append({"role": "user", "content": f"What is the weather in {city}?"})
        runner = thread.tool_runner(max_iterations=1)
        await runner.until_done()
        response = await runner.generate_tool_call_response()
        assert response is not None
        assert [r["content"] for r in response["content"]] == [f"Sunny in {city}"]  # type: ignore[index]

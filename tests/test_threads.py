"""Message threads (`client.beta.messages.thread`) against the pinned official SDK's: the
same requests (bodies, betas, helper headers) and the same history, each client on a
fresh FakeClaude with the same seed; the thread errors FakeClaude serves; cancellation;
the blocking client; the tool runner over a thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anthropic
import anyio
import msgspec
import pytest

from anyio_claude import AsyncClaude, Claude, ClaudeError, beta_async_tool
from anyio_claude.lib.threads import BetaAsyncMessageThread, BetaMessageThread
from anyio_claude.testing import FakeClaude, Fault, RecordedRequest
from anyio_claude.types import Message, ThreadNotFoundError, ThreadUnsupportedRequestError

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
BETA = "message-threads-2026-08-12"


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def sent(requests: list[RecordedRequest]) -> list[tuple[Any, ...]]:
    return [
        (
            r.json,
            r.headers.get("anthropic-beta"),
            r.headers.get("x-stainless-helper"),
            r.headers.get("x-stainless-stream-helper"),
        )
        for r in requests
    ]


def plain(messages: Any) -> Any:
    """The history as JSON, whichever client's wire objects it holds."""

    def dump(obj: Any) -> Any:
        if isinstance(obj, msgspec.Struct):
            return obj.model_dump(mode="json", exclude_none=True)  # type: ignore[attr-defined]
        return obj.model_dump(mode="json", exclude_none=True)

    return msgspec.json.decode(msgspec.json.encode(list(messages), enc_hook=dump))


Scenario = Callable[[Any, FakeClaude], Awaitable[Any]]


async def both(scenario: Scenario) -> None:
    """Run `scenario` with ours and with the official client, each on a fresh server with
    the same seed (so the same ids), and compare what was sent and the histories."""
    results = []
    for make in (
        lambda url: AsyncClaude(api_key="k", base_url=url),
        lambda url: anthropic.AsyncAnthropic(api_key="k", base_url=url),
    ):
        async with FakeClaude(seed=7) as server:
            client: Any = make(server.url)
            history = await scenario(client, server)
            await client.close()
            results.append((sent(list(server.requests)), plain(history)))
    (ours, our_history), (theirs, their_history) = results
    assert len(ours) == len(theirs)
    for mine, official in zip(ours, theirs, strict=True):
        assert mine[0] == official[0]
        assert mine[1:] == official[1:]
    assert our_history == their_history


async def test_turns_send_only_the_new_messages_as_the_official_sdk() -> None:
    async def scenario(client: Any, server: FakeClaude) -> Any:
        thread = client.beta.messages.thread(
            model=MODEL, max_tokens=40, system="be brief", messages=[user("hi")]
        )
        first = await thread.send()
        assert thread.previous_message_id == first.id
        await thread.send(user("again"), stop_sequences=["STOP"])
        thread.append(user("staged"))
        async with thread.stream(user("and streamed")) as stream:
            await stream.get_final_message()
        thread.update(max_tokens=30, betas=["b-1"])
        await thread.send(user("updated"), extra_headers={"anthropic-beta": "x-1"})
        return thread.messages

    await both(scenario)


async def test_a_fork_and_a_lost_thread_replay_the_whole_history() -> None:
    async def scenario(client: Any, server: FakeClaude) -> Any:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=40)
        cached = {"type": "text", "text": "one", "cache_control": {"type": "ephemeral"}}
        await thread.send({"role": "user", "content": [cached]})
        fork = thread.fork()
        assert fork.previous_message_id is None
        reply = await fork.send(user("fork"))
        server.threads.forget(reply.id)
        await fork.send(user("after the thread was lost"))
        # The original continues its own thread.
        await thread.send(user("two"))
        return [*thread.messages, *fork.messages]

    await both(scenario)


async def test_a_reply_continued_elsewhere_or_in_flight_is_replayed() -> None:
    async def scenario(client: Any, server: FakeClaude) -> Any:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=40)
        reply = await thread.send(user("one"))
        # Another client continues the same reply first: the thread is already continued.
        await client.beta.messages.create(
            model=MODEL,
            max_tokens=10,
            messages=[user("elsewhere")],
            betas=[BETA],
            thread={"type": "continue", "previous_message_id": reply.id},
        )
        await thread.send(user("two"))
        return thread.messages

    await both(scenario)


async def test_a_continue_in_flight_is_refused_and_replayed(server: FakeClaude) -> None:
    server.itl = 0.02
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=40)
        reply = await thread.send(user("one"))
        other = await client.beta.messages.create(
            model=MODEL,
            max_tokens=40,
            messages=[user("slow")],
            betas=[BETA],
            thread={"type": "continue", "previous_message_id": reply.id},
            stream=True,
        )
        async with other:
            await other.__anext__()  # its reply still streams
            await thread.send(user("two"))
    codes = [r.json.get("thread") for r in server.requests]
    assert codes[-2:] == [
        {"type": "continue", "previous_message_id": reply.id},
        {"type": "create"},
    ]
    assert len(server.requests[-1].json["messages"]) == 3  # the whole history again


async def test_the_server_errors_of_threads(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        base: Any = {"model": MODEL, "max_tokens": 10, "messages": [user("x")]}
        with pytest.raises(ThreadNotFoundError) as lost:
            await client.beta.messages.create(
                **base,
                betas=[BETA],
                thread={"type": "continue", "previous_message_id": "msg_nope"},
            )
        assert lost.value.status_code == 404 and lost.value.error_code == "thread_not_found"
        with pytest.raises(anthropic_like_bad_request(), match=BETA):
            await client.beta.messages.create(**base, thread={"type": "create"})
        reply = await client.beta.messages.create(**base, betas=[BETA], thread={"type": "create"})
        with pytest.raises(ClaudeError, match="system: cannot be sent"):
            await client.beta.messages.create(
                **base,
                system="s",
                betas=[BETA],
                thread={"type": "continue", "previous_message_id": reply.id},
            )


def anthropic_like_bad_request() -> type[Exception]:
    from anyio_claude import BadRequestError

    return BadRequestError


async def test_an_unthreadable_request_raises_or_continues_unthreaded() -> None:
    async def scenario(client: Any, server: FakeClaude) -> Any:
        server.threads.unsupported = {"thinking"}
        strict = client.beta.messages.thread(
            model=MODEL, max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 1024}
        )
        with pytest.raises(
            anthropic.BadRequestError
            if not isinstance(client, AsyncClaude)
            else ThreadUnsupportedRequestError
        ):
            await strict.send(user("one"))
        assert strict.messages == ()  # the failed turn took its message back
        lenient = client.beta.messages.thread(
            model=MODEL,
            max_tokens=2000,
            thinking={"type": "enabled", "budget_tokens": 1024},
            unsupported_request_behavior="continue_unthreaded",
        )
        await lenient.send(user("one"))
        await lenient.send(user("two"))
        assert lenient.previous_message_id is None
        return lenient.messages

    await both(scenario)


async def test_output_format_parse_and_stream() -> None:
    from pydantic import BaseModel

    class Answer(BaseModel):  # both clients take a pydantic model
        city: str

    async def scenario(client: Any, server: FakeClaude) -> Any:
        output: Any = Answer
        thread = client.beta.messages.thread(model=MODEL, max_tokens=200, output_format=output)
        parsed = await thread.parse(user("where?"))
        assert parsed.parsed_output is not None
        async with thread.stream(user("and now?")) as stream:
            final = await stream.get_final_message()
        assert final.parsed_output is not None
        return thread.messages

    await both(scenario)


# The official stream's event generator is left unclosed by `break` (its own warning).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
async def test_a_stream_closed_early_keeps_its_finished_part() -> None:
    async def scenario(client: Any, server: FakeClaude) -> Any:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=200)
        await thread.send(user("one"))
        async with thread.stream(user("two")) as stream:
            async for event in stream:
                if event.type == "content_block_delta":
                    break
        # The finished part of the reply stays (a text block), and the next turn starts a
        # new thread with the whole history.
        assert thread.previous_message_id is None
        await thread.send(user("three"))
        return thread.messages

    await both(scenario)


# The official stream's event generators are left unclosed (its own warnings).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
async def test_a_streamed_turn_ends_when_its_events_run_out() -> None:
    """As the official SDK's: read to the end (each way) or failed, the stream has ended
    its turn, so the next one may go inside the same block."""

    async def scenario(client: Any, server: FakeClaude) -> Any:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=60)
        async with thread.stream(user("final message")) as stream:
            reply = await stream.get_final_message()
            assert thread.previous_message_id == reply.id
            await thread.send(user("inside the block"))
        async with thread.stream(user("iterated")) as stream:
            async for _event in stream:
                pass
            await thread.send(user("after iterating"))
        async with thread.stream(user("text")) as stream:
            async for _text in stream.text_stream:
                pass
            await thread.send(user("after the text"))
        # Closed, not read: the turn ends with the block (with the official SDK as well).
        async with thread.stream(user("closed")) as stream:
            await stream.close()
            with pytest.raises((ClaudeError, anthropic.AnthropicError), match="in progress"):
                await thread.send(user("after closing"))
        server.faults = [Fault("mid_stream_error", times=1, after_events=4)]
        async with thread.stream(user("failed")) as stream:
            with pytest.raises(Exception, match="verloaded"):
                await stream.get_final_message()
            await thread.send(user("after the failure"))
        # Not read to the end: the turn is still in progress inside the block.
        async with thread.stream(user("unread")) as stream:
            with pytest.raises((ClaudeError, anthropic.AnthropicError), match="in progress"):
                await thread.send(user("too early"))
        await thread.send(user("after the block"))
        return thread.messages

    await both(scenario)


async def test_a_cancelled_turn_leaves_the_thread_as_it_was(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        transport = client._get_transport()
        thread = client.beta.messages.thread(model=MODEL, max_tokens=40)
        reply = await thread.send(user("one"))
        before = thread.messages
        server.faults = [Fault("stall", times=2)]
        with anyio.move_on_after(0.3) as scope:
            await thread.send(user("cancelled"))
        assert scope.cancelled_caught
        assert thread.messages == before and thread.previous_message_id == reply.id
        with anyio.move_on_after(0.3) as scope:
            async with thread.stream(user("cancelled stream")) as stream:
                await stream.get_final_message()
        assert scope.cancelled_caught
        assert transport.num_active == 0
        # The stream's reply was cut before it finished: the next turn starts a new
        # thread, resending the turn whose reply never finished, then this one.
        assert thread.previous_message_id is None
        await thread.send(user("two"))
    last = server.requests[-1].json
    assert last["thread"] == {"type": "create"}
    assert last["messages"][0] == user("one") and last["messages"][-1] == user("two")
    assert user("cancelled") not in last["messages"]


async def test_what_is_refused_before_any_io(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        with pytest.raises(TypeError, match="unexpected keyword argument 'thread'"):
            client.beta.messages.thread(model=MODEL, max_tokens=5, thread={"type": "create"})  # type: ignore[call-arg]
        thread = client.beta.messages.thread(model=MODEL, max_tokens=5, system="a")
        with pytest.raises(TypeError, match="unexpected keyword argument 'temprature'"):
            await thread.send(user("x"), temprature=1)  # type: ignore[call-arg]
        await thread.send(user("x"))
        with pytest.raises(ClaudeError, match="Cannot change `system` on a thread"):
            await thread.send(user("y"), system="b")
        assert len(server.requests) == 1
    from anyio_claude import AsyncAnthropicVertex

    vertex = AsyncAnthropicVertex(region="us-east5", project_id="p", access_token="t")
    with pytest.raises(ClaudeError, match="not available on this client"):
        vertex.beta.messages.thread(model=MODEL, max_tokens=5)
    await vertex.close()
    assert isinstance(thread, BetaAsyncMessageThread)


def _declared(params: type) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """A TypedDict's keys as it reports them at run time (required, optional), and the
    keys it declares `Required[...]`: in both packages the annotations are strings
    (`from __future__ import annotations`), so `__required_keys__` is empty in both and
    the declarations say which keys are required."""
    required = frozenset(
        key
        for key, hint in params.__annotations__.items()
        if getattr(hint, "__forward_arg__", hint).startswith("Required[")
    )
    return params.__required_keys__, params.__optional_keys__, required


def test_the_thread_params_keys_are_the_official_ones() -> None:
    from anthropic.lib.threads import _params as official

    from anyio_claude import _threads
    from anyio_claude.types.beta import thread_create_params, thread_send_params

    pairs: list[tuple[type, type]] = [
        (_threads.ThreadParams, official.ThreadParams),
        (thread_create_params.ThreadCreateParams, official.ThreadCreateParams),
        (thread_send_params.ThreadSendParams, official.ThreadSendParams),
    ]
    for ours, theirs in pairs:
        assert _declared(ours) == _declared(theirs), ours.__name__
    assert _declared(_threads.ThreadParams)[2] == {
        "max_tokens",
        "model",
        "messages",
        "unsupported_request_behavior",
    }
    # The fields a thread holds and a turn may override, as the official's.
    assert official.THREAD_FIELDS == _threads._THREAD_FIELDS
    turn_keys = official.TurnOverrides.__required_keys__ | official.TurnOverrides.__optional_keys__
    assert turn_keys == _threads._TURN_KEYWORDS


@beta_async_tool
async def get_weather(location: str) -> str:
    """The weather somewhere.

    Args:
        location: the city
    """
    return f"sunny in {location}"


async def test_the_tool_runner_goes_over_a_thread(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        params: Any = {
            "model": MODEL,
            "max_tokens": 200,
            "tools": [get_weather],
            "messages": [user("What is the weather in Paris?")],
        }
        messages = [m async for m in client.beta.messages.tool_runner(**params)]
        assert [m.stop_reason for m in messages] == ["tool_use", "end_turn"]
        first, second = (r.json for r in server.requests)
        assert first["thread"] == {"type": "create"} and "tools" in first
        assert second["thread"] == {"type": "continue", "previous_message_id": messages[0].id}
        assert [m["content"][0]["type"] for m in second["messages"]] == ["tool_result"]

        server.requests.clear()
        server.threads.unsupported = {"hipaa"}
        final = await client.beta.messages.tool_runner(**params).until_done()
        assert final.stop_reason == "end_turn"
        # Refused once, then the whole history without a thread.
        assert [("thread" in r.json, len(r.json["messages"])) for r in server.requests] == [
            (True, 1),
            (False, 1),
            (False, 3),
        ]


# One schema for both clients' tools: the official derives property `title`s from pydantic.
WEATHER_SCHEMA: Any = {
    "type": "object",
    "properties": {"location": {"type": "string", "description": "the city"}},
    "required": ["location"],
}


async def weather(location: str) -> str:
    """The weather somewhere."""
    return f"sunny in {location}"


def weather_tool(client: Any) -> Any:
    if isinstance(client, AsyncClaude):
        return beta_async_tool(weather, input_schema=WEATHER_SCHEMA)
    return anthropic.beta_async_tool(weather, input_schema=WEATHER_SCHEMA)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("threaded", [True, False], ids=["threaded", "unthreaded"])
async def test_the_tool_runner_as_the_official_sdk(threaded: bool, stream: bool) -> None:
    """`client.beta.messages.tool_runner(...)` against the official's on the same-seed
    FakeClaude: the same bodies, betas and helper tags (`BetaToolRunner`, then
    `message-thread` over a thread), the same replies; and over `thread.tool_runner()`."""

    async def scenario(client: Any, server: FakeClaude) -> Any:
        extra: Any = {} if threaded else {"thread": False}
        runner = client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=200,
            tools=[weather_tool(client)],
            messages=[user("What is the weather in Paris?")],
            stream=stream,
            **extra,
        )
        replies = []
        async for item in runner:
            replies.append(await item.get_final_message() if stream else item)
        final = await runner.until_done()
        assert [m.stop_reason for m in replies] == ["tool_use", "end_turn"]
        assert final.id == replies[-1].id
        history = [m.model_dump(mode="json", exclude_none=True) for m in replies]
        if threaded:
            thread = client.beta.messages.thread(
                model=MODEL, max_tokens=200, tools=[weather_tool(client)]
            )
            thread.append(user("And in Rome?"))
            await thread.tool_runner(stream=stream).until_done()
            await thread.send(user("thanks"))
            history.extend(thread.messages)
        return history

    await both(scenario)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
async def test_a_second_tool_runner_over_a_thread_runs_its_tools(stream: bool) -> None:
    """The thread keeps its runnable tools through a runner (it once kept only their
    definitions, so the next runner had no tool to run)."""

    async def scenario(client: Any, server: FakeClaude) -> Any:
        tool = weather_tool(client)
        thread = client.beta.messages.thread(model=MODEL, max_tokens=200, tools=[tool])
        for city in ("Rome", "Paris"):
            thread.append(user(f"What is the weather in {city}?"))
            await thread.tool_runner(stream=stream).until_done()
            assert thread.params["tools"] == [tool]
        return thread.messages

    await both(scenario)


async def test_a_tool_runner_changing_system_on_a_thread_runs_no_tool() -> None:
    """As the official runner: a `system` changed for a thread that continues raises
    before the reply's tools run (the next turn could not be sent)."""
    calls: list[str] = []

    async def scenario(client: Any, server: FakeClaude) -> Any:
        async def counted(location: str) -> str:
            """The weather somewhere."""
            calls.append(location)
            return "sunny"

        tool = (
            beta_async_tool(counted, input_schema=WEATHER_SCHEMA)
            if isinstance(client, AsyncClaude)
            else anthropic.beta_async_tool(counted, input_schema=WEATHER_SCHEMA)
        )
        runner = client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=200,
            system="one",
            tools=[tool],
            messages=[user("What is the weather in Paris?")],
        )
        with pytest.raises((ClaudeError, anthropic.AnthropicError), match="Cannot change `system`"):
            async for _reply in runner:
                runner.set_messages_params(lambda params: {**params, "system": "two"})
        assert calls == []
        return []

    await both(scenario)


async def test_thread_tool_runner_keeps_the_history_in_the_thread(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=200, tools=[get_weather])
        thread.append(user("What is the weather in Rome?"))
        final = await thread.tool_runner().until_done()
        assert final.stop_reason == "end_turn"
        assert [m["role"] for m in thread.messages] == ["user", "assistant", "user", "assistant"]
        assert thread.previous_message_id == final.id
        await thread.send(user("thanks"))
    assert server.requests[-1].json["messages"] == [user("thanks")]


def test_the_blocking_client() -> None:
    with FakeClaude.run_in_thread() as server:
        client = Claude(api_key="k", base_url=server.url)
        thread = client.beta.messages.thread(model=MODEL, max_tokens=40)
        assert isinstance(thread, BetaMessageThread)
        reply = thread.send(user("one"))
        with thread.stream(user("two")) as stream:
            text = "".join(stream.text_stream)
            # The events ran out: the turn has ended inside the block.
            assert thread.previous_message_id not in (None, reply.id)
            thread.send(user("two and a half"))
        assert text
        assert isinstance(reply, Message) and len(thread.messages) == 6
        direct = BetaMessageThread(client, model=MODEL, max_tokens=40)
        direct.send(user("three"))
        assert len(direct.messages) == 2
        client.close()
    kinds = [r.json["thread"]["type"] for r in server.requests]
    assert kinds == ["create", "continue", "continue", "create"]


@pytest.fixture
async def server() -> Any:
    async with FakeClaude() as fake:
        yield fake

"""The blocking message thread (`Claude.beta.messages.thread`, `BetaMessageThread`) on
127.0.0.1, on both backends of the client's loop thread: every argument of each method
reaches the async thread (what the server receives, or what the thread refuses before
any I/O), and what each method returns is usable from the caller's thread."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from anyio_claude import APITimeoutError, Claude, beta_tool
from anyio_claude.lib.threads import BetaMessageThread
from anyio_claude.lib.tools import BetaStreamingToolRunner, BetaToolRunner
from anyio_claude.testing import FakeClaude, Fault
from anyio_claude.types import Message, ThreadUnsupportedRequestError

from .test_thread_options import MODEL, RUNNER_REFUSALS, SCHEMA, carries, options, user

OTHER: Any = {"name": "other", "input_schema": SCHEMA}


@beta_tool
def weather(city: str) -> str:
    """The weather somewhere.

    Args:
        city: the city
    """
    return f"sunny in {city}"


class Answer(BaseModel):
    city: str


@pytest.fixture(params=["asyncio", "trio"])
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[FakeClaude, Claude]]:
    backend: str = request.param
    with (
        FakeClaude.run_in_thread(backend) as server,
        Claude(
            api_key="k", base_url=server.url, backend=backend, max_retries=0, timeout=15
        ) as client,
    ):
        yield server, client


def times_out(call: Any) -> None:
    """`call` fails with a timeout well before the client's own (15 s) would fire."""
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        call()
    assert time.monotonic() - started < 10


def test_a_thread_made_directly_takes_every_argument(setup: tuple[FakeClaude, Claude]) -> None:
    server, client = setup
    thread = BetaMessageThread(
        client,
        model=MODEL,
        max_tokens=200,
        messages=[user("earlier")],
        tools=[weather],
        output_format=Answer,
        unsupported_request_behavior="continue_unthreaded",
        system="be brief",
        **options(1),
    )
    assert thread.previous_message_id is None
    assert thread.params["unsupported_request_behavior"] == "continue_unthreaded"
    assert thread.params.get("system") == "be brief"
    assert server.requests == []
    parsed = thread.parse(user("Where?"))
    assert isinstance(parsed.parsed_output, Answer)
    sent = server.requests[-1]
    assert carries(sent, 1)
    assert sent.json["messages"] == [user("earlier"), user("Where?")]
    assert sent.json["system"] == "be brief"
    assert sent.json["tools"] == [weather.to_dict()]
    assert thread.previous_message_id == parsed.id
    assert [m["role"] for m in thread.messages] == ["user", "user", "assistant"]
    # The tools are the thread's runnable ones.
    runnable = BetaMessageThread(client, model=MODEL, max_tokens=200, tools=[weather])
    runnable.append(user("What is the weather in Rome?"))
    final = runnable.tool_runner(max_iterations=3).until_done()
    assert final.stop_reason == "end_turn"
    assert server.requests[-1].json["messages"][0]["content"][0]["type"] == "tool_result"
    # A setting the server will not thread: continued without one, as asked.
    server.threads.unsupported = {"hipaa"}
    lenient = BetaMessageThread(
        client, model=MODEL, max_tokens=20, unsupported_request_behavior="continue_unthreaded"
    )
    lenient.send(user("one"))
    assert lenient.previous_message_id is None and "thread" not in server.requests[-1].json
    with pytest.raises(ThreadUnsupportedRequestError):
        BetaMessageThread(client, model=MODEL, max_tokens=20).send(user("one"))
    server.threads.unsupported = set()
    # Its timeout.
    slow = BetaMessageThread(client, model=MODEL, max_tokens=20, timeout=0.2)
    server.faults = [Fault("stall", times=1)]
    times_out(lambda: slow.send(user("one")))


def test_a_thread_from_the_client_and_its_state(setup: tuple[FakeClaude, Claude]) -> None:
    server, client = setup
    thread = client.beta.messages.thread(model=MODEL, max_tokens=30, **options(1))
    assert isinstance(thread, BetaMessageThread)
    thread.append(user("staged"), user("and this"))
    assert server.requests == []
    assert list(thread.messages) == [user("staged"), user("and this")]
    reply = thread.send(user("one"))
    assert isinstance(reply, Message)
    assert carries(server.requests[-1], 1)
    assert server.requests[-1].json["messages"] == [user("staged"), user("and this"), user("one")]
    assert server.requests[-1].json["thread"] == {"type": "create"}
    assert thread.previous_message_id == reply.id
    params = thread.params
    assert params["model"] == MODEL and params["max_tokens"] == 30
    assert len(params["messages"]) == 4
    # A fork continues on its own, the original is left as it was.
    fork = thread.fork()
    assert isinstance(fork, BetaMessageThread) and fork is not thread
    forked = fork.send(user("fork"))
    assert fork.previous_message_id == forked.id != reply.id
    assert thread.previous_message_id == reply.id and len(thread.messages) == 4
    assert len(fork.messages) == 6


def test_update_takes_every_argument(setup: tuple[FakeClaude, Claude]) -> None:
    server, client = setup
    thread = client.beta.messages.thread(model=MODEL, max_tokens=30, tools=[weather])
    thread.update(tools=[OTHER], max_tokens=12, **options(2))
    assert thread.params.get("tools") == [OTHER]
    assert server.requests == []  # sends nothing
    thread.send(user("one"))
    sent = server.requests[-1]
    assert carries(sent, 2) and sent.json["max_tokens"] == 12 and sent.json["tools"] == [OTHER]
    thread.send(user("two"))
    assert carries(server.requests[-1], 2)
    thread.update(timeout=0.2)
    server.faults = [Fault("stall", times=1)]
    times_out(lambda: thread.send(user("three")))


@pytest.mark.parametrize("method", ["send", "parse", "stream"])
def test_each_turn_takes_every_argument(setup: tuple[FakeClaude, Claude], method: str) -> None:
    server, client = setup
    thread = client.beta.messages.thread(model=MODEL, max_tokens=200, output_format=Answer)

    def turn(*messages: Any, **arguments: Any) -> Any:
        if method == "stream":
            with thread.stream(*messages, **arguments) as stream:
                return stream.get_final_message()
        return getattr(thread, method)(*messages, **arguments)

    reply = turn(user("Where?"), user("Say."), tools=[OTHER], max_tokens=13, **options(3))
    sent = server.requests[-1]
    assert carries(sent, 3) and sent.json["max_tokens"] == 13
    assert sent.json["tools"] == [OTHER]
    assert sent.json["messages"] == [user("Where?"), user("Say.")]
    assert thread.previous_message_id == reply.id
    if method != "send":
        assert isinstance(reply.parsed_output, Answer)
    # The turn's own options were for that turn only.
    turn(user("again"))
    sent = server.requests[-1]
    assert "x-call" not in sent.headers and sent.json["max_tokens"] == 200
    server.faults = [Fault("stall", times=1)]
    times_out(lambda: turn(user("late"), timeout=0.2))


def test_the_tool_runner_takes_every_argument(setup: tuple[FakeClaude, Claude]) -> None:
    server, client = setup
    thread = client.beta.messages.thread(model=MODEL, max_tokens=200, tools=[weather])
    thread.append(user("What is the weather in Rome?"))
    runner = thread.tool_runner(**options(5))
    assert isinstance(runner, BetaToolRunner)
    replies = list(runner)
    assert [r.stop_reason for r in replies] == ["tool_use", "end_turn"]
    assert len(server.requests) == 2 and all(carries(r, 5) for r in server.requests)
    server.requests.clear()
    thread.append(user("What is the weather in Paris?"))
    streaming = thread.tool_runner(max_iterations=1, stream=True, run_tools_eagerly=True)
    assert isinstance(streaming, BetaStreamingToolRunner)
    for stream in streaming:
        stream.get_final_message()
    assert len(server.requests) == 1 and server.requests[0].json["stream"] is True
    for arguments, message in RUNNER_REFUSALS:
        with pytest.raises(ValueError, match=message):
            thread.tool_runner(**arguments)
    server.faults = [Fault("stall", times=1)]
    times_out(lambda: thread.tool_runner(timeout=0.2).until_done())

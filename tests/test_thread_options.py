"""A message thread's request options and per-call arguments on 127.0.0.1: what
`update()`, `send()`, `parse()`, `stream()` and `tool_runner()` take reaches the request
(headers, query, body, timeout: a call that would hang without it fails after 10 s), an
unknown keyword names the method, and the tools a thread runs are the runnable ones it
was given."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import anyio
import pytest

from anyio_claude import (
    NOT_GIVEN,
    APITimeoutError,
    AsyncClaude,
    ClaudeError,
    beta_async_tool,
    beta_tool,
)
from anyio_claude._threads import split_tools
from anyio_claude._toolsets import BetaAsyncRunnableToolset
from anyio_claude.testing import FakeClaude, Fault
from anyio_claude.types import Message

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
SCHEMA: Any = {"type": "object", "properties": {"city": {"type": "string"}}}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def options(n: int) -> dict[str, Any]:
    return {
        "extra_headers": {"X-Call": str(n)},
        "extra_query": {"call": str(n)},
        "extra_body": {"metadata": {"user_id": f"u{n}"}},
    }


def carries(request: Any, n: int) -> bool:
    return (
        request.headers.get("x-call") == str(n)
        and f"call={n}" in request.path
        and request.json.get("metadata") == {"user_id": f"u{n}"}
    )


@pytest.fixture
async def server() -> Any:
    async with FakeClaude() as fake:
        yield fake


async def test_every_call_sends_its_options(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=30, **options(1))
        await thread.send(user("one"))
        assert carries(server.requests[-1], 1)
        thread.update(**options(2), max_tokens=12)
        await thread.send(user("two"))
        assert carries(server.requests[-1], 2) and server.requests[-1].json["max_tokens"] == 12
        await thread.parse(user("three"), **options(3), max_tokens=13)
        assert carries(server.requests[-1], 3) and server.requests[-1].json["max_tokens"] == 13
        await thread.send(user("three and a half"), **options(6))
        assert carries(server.requests[-1], 6)
        async with thread.stream(user("four"), **options(4), max_tokens=14) as stream:
            await stream.get_final_message()
        assert carries(server.requests[-1], 4) and server.requests[-1].json["max_tokens"] == 14
        # A turn's own options were for that turn only.
        await thread.send(user("five"))
        assert carries(server.requests[-1], 2) and server.requests[-1].json["max_tokens"] == 12


@pytest.mark.parametrize("method", ["send", "parse", "stream"])
async def test_tools_given_to_the_turn_that_creates_the_thread(
    server: FakeClaude, method: str
) -> None:
    tool = {"name": "other", "input_schema": SCHEMA}
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=30, tools=[weather])
        if method == "stream":
            async with thread.stream(user("one"), tools=[tool]) as stream:
                await stream.get_final_message()
        else:
            # Any iterable, read once.
            await getattr(thread, method)(user("one"), tools=iter([tool]))
        assert server.requests[-1].json["tools"] == [tool]
        # The thread was created with them: they are its own from now on.
        assert thread.params.get("tools") == [tool]


@pytest.mark.parametrize("method", ["update", "send", "parse", "stream"])
async def test_a_timeout_given_to_a_call_applies(server: FakeClaude, method: str) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=30)
        await thread.send(user("one"))
        server.faults = [Fault("stall", times=1)]
        with anyio.fail_after(10), pytest.raises(APITimeoutError):
            if method == "update":
                thread.update(timeout=0.2)
                await thread.send(user("two"))
            elif method == "send":
                await thread.send(user("two"), timeout=0.2)
            elif method == "parse":
                await thread.parse(user("two"), timeout=0.2)
            else:
                async with thread.stream(user("two"), timeout=0.2) as stream:
                    await stream.get_final_message()


async def test_a_thread_created_with_a_timeout(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=30, timeout=0.2)
        server.faults = [Fault("stall", times=1)]
        with anyio.fail_after(10), pytest.raises(APITimeoutError):
            await thread.send(user("one"))


@pytest.mark.parametrize("method", ["update", "send", "parse", "stream"])
async def test_an_unknown_keyword_names_the_method(server: FakeClaude, method: str) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        thread: Any = client.beta.messages.thread(model=MODEL, max_tokens=30)
        with pytest.raises(
            TypeError, match=rf"^{method}\(\) got an unexpected keyword argument 'temprature'$"
        ):
            if method == "update":
                thread.update(temprature=1)
            elif method == "stream":
                thread.stream(user("x"), temprature=1)
            else:
                await getattr(thread, method)(user("x"), temprature=1)
        assert not server.requests


@beta_async_tool
async def weather(city: str) -> str:
    """The weather somewhere.

    Args:
        city: the city
    """
    return f"sunny in {city}"


async def test_the_tool_runner_of_a_thread_takes_its_options(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=200, tools=[weather])
        thread.append(user("What is the weather in Rome?"))
        replies = [reply async for reply in thread.tool_runner(**options(5))]
        assert all(isinstance(reply, Message) for reply in replies)  # not streamed
        assert len(replies) == 2 and all(carries(r, 5) for r in server.requests)
        server.requests.clear()
        thread.append(user("What is the weather in Paris?"))
        runner = thread.tool_runner(max_iterations=1, stream=True)
        async for stream in runner:
            await stream.get_final_message()
        assert len(server.requests) == 1  # one iteration
        assert server.requests[0].json["stream"] is True
        server.faults = [Fault("stall", times=1)]
        with anyio.fail_after(10), pytest.raises(APITimeoutError):
            await thread.tool_runner(timeout=0.2).until_done()


def test_split_tools_keeps_the_runnable_ones_by_name() -> None:
    @beta_tool
    def local(city: str) -> str:
        """Local weather."""
        return city

    class Browser(BetaAsyncRunnableToolset):
        toolset_name = "browser"

        def to_dict(self) -> Any:
            return {"type": "browser_toolset_20260801", "name": "browser"}

        async def call(self, context: Any, name: str, input: Any) -> str:
            return name

    plain_tool = {"name": "plain", "input_schema": SCHEMA}
    browser = Browser()
    runnable, definitions = split_tools([local, weather, browser, plain_tool])
    # A toolset runs through the runner's toolset path, not by name.
    assert runnable == {"local": local, "weather": weather}
    assert definitions == [local.to_dict(), weather.to_dict(), browser.to_dict(), plain_tool]


async def test_a_streamed_turn_keeps_the_rest_of_output_config(server: FakeClaude) -> None:
    from pydantic import BaseModel

    class Answer(BaseModel):
        city: str

    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        thread = client.beta.messages.thread(
            model=MODEL, max_tokens=200, output_format=Answer, output_config={"effort": "low"}
        )
        async with thread.stream(user("where?")) as stream:
            final = await stream.get_final_message()
        assert final.parsed_output is not None
        sent = server.requests[-1].json["output_config"]
        assert sent["effort"] == "low" and sent["format"]["type"] == "json_schema"
        async with thread.stream(user("again")) as stream:
            await stream.get_final_message()
        assert set(server.requests[-1].json["output_config"]) == {"effort", "format"}


async def test_what_a_thread_refuses_when_made(server: FakeClaude) -> None:
    from pydantic import BaseModel

    from anyio_claude.lib.threads import BetaAsyncMessageThread

    class Answer(BaseModel):
        city: str

    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        thread: Any = BetaAsyncMessageThread(client, model=MODEL, max_tokens=5)
        assert thread.params["unsupported_request_behavior"] == "error"
        with pytest.raises(
            TypeError, match=r"^thread\(\) got an unexpected keyword argument 'stream'$"
        ):
            BetaAsyncMessageThread(client, model=MODEL, max_tokens=5, stream=True)  # type: ignore[call-arg]
        both = "^output_format and output_config\\['format'\\] were both given; pass only one$"
        with pytest.raises(ValueError, match=both):
            client.beta.messages.thread(
                model=MODEL,
                max_tokens=5,
                output_format=Answer,
                output_config={"format": {"type": "json_schema", "schema": {}}},
            )
        # Either one alone is fine, and a format of None is no format.
        for config in ({"format": None}, {"effort": "low"}, "not a mapping"):
            client.beta.messages.thread(
                model=MODEL, max_tokens=5, output_format=Answer, output_config=config
            )
        for output_format in (None, NOT_GIVEN):
            client.beta.messages.thread(
                model=MODEL,
                max_tokens=5,
                output_format=output_format,
                output_config={"format": {"type": "json_schema", "schema": {}}},
            )
        with pytest.raises(ValueError) as raised:
            client.beta.messages.thread(
                model=MODEL, max_tokens=5, unsupported_request_behavior="ignore"
            )
        assert str(raised.value) == (
            "unsupported_request_behavior must be 'error' or 'continue_unthreaded', not 'ignore'"
        )
    assert not server.requests
    with pytest.raises(ClaudeError) as refused:
        BetaAsyncMessageThread(SimpleNamespace(), model=MODEL, max_tokens=5)
    assert str(refused.value) == (
        "Message threads are not available on this client; use "
        "`client.beta.messages.create()` with the full `messages` instead"
    )


# What a thread's tool runner refuses before any I/O, and the message that says so.
RUNNER_REFUSALS: tuple[tuple[dict[str, Any], str], ...] = (
    ({"max_iterations": -1}, "max_iterations must be"),
    ({"max_concurrency": 0}, "max_concurrency must be"),
    ({"tool_timeout": 0}, "tool_timeout must be"),
    ({"run_tools_eagerly": True}, "mutually exclusive"),
)


async def test_the_tool_runner_of_a_thread_checks_its_arguments(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=200, tools=[weather])
        for arguments, message in RUNNER_REFUSALS:
            with pytest.raises(ValueError, match=message):
                thread.tool_runner(**arguments)
        thread.tool_runner(run_tools_eagerly=True, stream=True)
    assert not server.requests


async def test_update_replaces_the_tools_of_later_turns(server: FakeClaude) -> None:
    tool = {"name": "other", "input_schema": SCHEMA}
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=30, tools=[weather])
        thread.update(tools=[tool])
        await thread.send(user("one"))
        assert server.requests[-1].json["tools"] == [tool]
        assert thread.params.get("tools") == [tool]


async def test_a_streamed_turn_sends_each_header_once(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        for thread in (False, True):
            extra: Any = {} if thread else {"thread": False}
            runner = client.beta.messages.tool_runner(
                model=MODEL,
                max_tokens=100,
                tools=[weather],
                messages=[user("What is the weather in Rome?")],
                stream=True,
                extra_headers={"X-Foo": "1"},
                **extra,
            )
            await runner.until_done()
        threaded = client.beta.messages.thread(
            model=MODEL, max_tokens=100, extra_headers={"X-Foo": "1"}
        )
        async with threaded.stream(user("hi")) as stream:
            await stream.get_final_message()
    assert len(server.requests) == 5
    for request in server.requests:
        names = [name for name, _ in request.header_items]
        assert len(names) == len(set(names)), names
        assert request.headers["x-stainless-helper-method"] == "stream"
        assert request.headers["x-stainless-stream-helper"] == "beta.messages"
        assert request.headers["x-foo"] == "1"


async def test_a_creating_turn_given_the_threads_own_tools_keeps_them_runnable(
    server: FakeClaude,
) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        thread = client.beta.messages.thread(model=MODEL, max_tokens=30, tools=[weather])
        await thread.send(user("one"), tools=[weather.to_dict()])
        assert thread.params.get("tools") == [weather]
        assert thread._state.runnable_tools == {"weather": weather}

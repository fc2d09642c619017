"""`client.beta.messages`: `client.messages` plus the `anthropic-beta` header, on asyncio and trio."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

import anyio_claude
from anyio_claude import AsyncAPIResponse, AsyncClaude, AsyncMessageStream, AsyncStream, ClaudeError
from anyio_claude.testing import ErrorReply, FakeClaude
from anyio_claude.types import Message, MessageTokensCount

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER: Any = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-beta-test"


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=server.url) as c:
        yield c
    assert c._transport is None or c._transport.num_active == 0


def sent_betas(server: FakeClaude) -> list[str | None]:
    return [r.headers.get("anthropic-beta") for r in server.requests]


async def test_create_sends_betas_comma_joined(client: AsyncClaude, server: FakeClaude) -> None:
    beta = await client.beta.messages.create(
        model=MODEL, max_tokens=50, messages=USER, betas=["beta-one", "beta-two"]
    )
    plain = await client.messages.create(model=MODEL, max_tokens=50, messages=USER)
    without = await client.beta.messages.create(model=MODEL, max_tokens=50, messages=USER)
    assert isinstance(beta, Message) and beta.content == plain.content == without.content
    assert sent_betas(server) == ["beta-one,beta-two", None, None]
    assert server.requests[0].json == server.requests[1].json


async def test_stream_and_raw_stream_send_betas(client: AsyncClaude, server: FakeClaude) -> None:
    async with client.beta.messages.stream(
        model=MODEL, max_tokens=50, messages=USER, betas=["s"]
    ) as stream:
        assert isinstance(stream, AsyncMessageStream)
        text = await stream.get_final_text()
    assert text.startswith("You said: Hello there")
    raw = await client.beta.messages.create(
        model=MODEL, max_tokens=50, messages=USER, stream=True, betas=["r"]
    )
    assert isinstance(raw, AsyncStream)
    async with raw:
        assert [e.type async for e in raw][-1] == "message_stop"
    assert sent_betas(server) == ["s", "r"]
    assert server.requests[0].headers["x-stainless-helper-method"] == "stream"
    assert server.requests[1].json["stream"] is True


async def test_count_tokens_adds_the_token_counting_beta_as_the_official_sdk_does(
    client: AsyncClaude, server: FakeClaude
) -> None:
    plain = await client.messages.count_tokens(model=MODEL, messages=USER)
    counted = await client.beta.messages.count_tokens(model=MODEL, messages=USER)
    with_betas = await client.beta.messages.count_tokens(model=MODEL, messages=USER, betas=["x"])
    assert isinstance(counted, MessageTokensCount)
    assert plain.input_tokens == counted.input_tokens == with_betas.input_tokens
    assert sent_betas(server) == [
        None,
        "token-counting-2024-11-01",
        "x,token-counting-2024-11-01",
    ]


async def test_extra_headers_beta_wins_and_repeats_are_dropped(
    client: AsyncClaude, server: FakeClaude
) -> None:
    await client.beta.messages.create(
        model=MODEL,
        max_tokens=5,
        messages=USER,
        betas=["a"],
        extra_headers={"anthropic-beta": "from-extra"},
    )
    await client.beta.messages.create(model=MODEL, max_tokens=5, messages=USER, betas=["a", "a"])
    assert sent_betas(server) == ["from-extra", "a"]


async def test_default_headers_beta_is_replaced_only_when_betas_are_given(
    server: FakeClaude,
) -> None:
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, default_headers={"anthropic-beta": "default"}
    ) as client:
        await client.beta.messages.create(model=MODEL, max_tokens=5, messages=USER)
        await client.beta.messages.create(model=MODEL, max_tokens=5, messages=USER, betas=["b"])
        copy = client.with_options(default_headers={"anthropic-beta": "copied"})
        await copy.beta.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert sent_betas(server) == ["default", "b", "copied"]


@pytest.mark.parametrize("betas", ["one-beta", b"bytes", [1]], ids=["str", "bytes", "int"])
async def test_bad_betas_fail_before_any_io(
    client: AsyncClaude, server: FakeClaude, betas: Any
) -> None:
    with pytest.raises(TypeError, match="betas"):
        await client.beta.messages.create(model=MODEL, max_tokens=5, messages=USER, betas=betas)
    with pytest.raises(TypeError, match="betas"):
        client.beta.messages.stream(model=MODEL, max_tokens=5, messages=USER, betas=betas)
    assert server.requests == [] and client._transport is None


async def test_raw_and_streaming_views(client: AsyncClaude, server: FakeClaude) -> None:
    raw = await client.beta.messages.with_raw_response.create(
        model=MODEL, max_tokens=20, messages=USER, betas=["raw"]
    )
    assert isinstance(raw, AsyncAPIResponse) and raw.status_code == 200
    assert (await raw.parse()).content[0].type == "text"
    raw_stream = await client.beta.with_raw_response.messages.stream(
        model=MODEL, max_tokens=20, messages=USER, betas=["raw-stream"]
    )
    async with await raw_stream.parse() as helper:
        assert (await helper.get_final_message()).content
    raw_count = await client.beta.messages.with_raw_response.count_tokens(
        model=MODEL, messages=USER, betas=["raw-count"]
    )
    assert (await raw_count.parse()).input_tokens > 0
    async with client.beta.messages.with_streaming_response.create(
        model=MODEL, max_tokens=20, messages=USER, betas=["streaming"]
    ) as response:
        assert (await response.parse()).content[0].type == "text"
    async with client.beta.with_streaming_response.messages.stream(
        model=MODEL, max_tokens=20, messages=USER, betas=["streaming-stream"]
    ) as response:
        async with await response.parse() as helper:
            assert (await helper.get_final_text()).startswith("You said")
    async with client.beta.messages.with_streaming_response.count_tokens(
        model=MODEL, messages=USER, betas=["streaming-count"]
    ) as response:
        assert (await response.parse()).input_tokens > 0
    assert sent_betas(server) == [
        "raw",
        "raw-stream",
        "raw-count,token-counting-2024-11-01",
        "streaming",
        "streaming-stream",
        "streaming-count,token-counting-2024-11-01",
    ]


async def test_errors_are_those_of_messages(client: AsyncClaude, server: FakeClaude) -> None:
    server.script(ErrorReply(400, "invalid_request_error", "bad beta: nope"))
    with pytest.raises(anyio_claude.BadRequestError, match="bad beta: nope") as info:
        await client.beta.messages.create(model=MODEL, max_tokens=5, messages=USER, betas=["x"])
    assert info.value.request_id
    with pytest.raises(ValueError, match="Streaming is required"):
        await client.beta.messages.create(model=MODEL, max_tokens=128_000, messages=USER)
    assert issubclass(anyio_claude.BadRequestError, ClaudeError)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_blocking_client_beta_messages(backend: str) -> None:
    with (
        FakeClaude.run_in_thread(backend) as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url, backend=backend) as client,
    ):
        message = client.beta.messages.create(
            model=MODEL, max_tokens=30, messages=USER, betas=["sync"]
        )
        with client.beta.messages.stream(
            model=MODEL, max_tokens=30, messages=USER, betas=["sync-stream"]
        ) as stream:
            assert stream.get_final_message().content == message.content
        events = list(
            client.beta.messages.create(
                model=MODEL, max_tokens=30, messages=USER, stream=True, betas=["sync-raw"]
            )
        )
        assert events[-1].type == "message_stop"
        assert client.beta.messages.count_tokens(model=MODEL, messages=USER).input_tokens > 0
        raw = client.beta.messages.with_raw_response.create(
            model=MODEL, max_tokens=30, messages=USER, betas=["sync-view"]
        )
        assert raw.parse().content == message.content
        with client.beta.messages.with_raw_response.stream(
            model=MODEL, max_tokens=30, messages=USER
        ).parse() as helper:
            assert helper.get_final_text().startswith("You said")
        assert (
            client.beta.with_raw_response.messages.count_tokens(model=MODEL, messages=USER)
            .parse()
            .input_tokens
        )
        with client.beta.with_streaming_response.messages.create(
            model=MODEL, max_tokens=30, messages=USER
        ) as response:
            assert response.parse().content == message.content
        with (
            client.beta.messages.with_streaming_response.stream(
                model=MODEL, max_tokens=30, messages=USER
            ) as response,
            response.parse() as helper,
        ):
            assert helper.get_final_text().startswith("You said")
        with client.beta.messages.with_streaming_response.count_tokens(
            model=MODEL, messages=USER
        ) as response:
            assert response.parse().input_tokens > 0
        with pytest.raises(TypeError, match="betas"):
            client.beta.messages.create(model=MODEL, max_tokens=5, messages=USER, betas="x")  # type: ignore[typeddict-item]
        betas = [r.headers.get("anthropic-beta") for r in fake.requests]
    assert betas == [
        "sync",
        "sync-stream",
        "sync-raw",
        "token-counting-2024-11-01",
        "sync-view",
        None,
        "token-counting-2024-11-01",
        None,
        None,
        "token-counting-2024-11-01",
    ]


async def test_client_level_views_reach_beta(client: AsyncClaude, server: FakeClaude) -> None:
    raw = await client.with_raw_response.beta.messages.create(
        model=MODEL, max_tokens=20, messages=USER, betas=["client-raw"]
    )
    assert (await raw.parse()).content[0].type == "text"
    async with client.with_streaming_response.beta.messages.stream(
        model=MODEL, max_tokens=20, messages=USER, betas=["client-streaming"]
    ) as response:
        assert response.http_response.status_code == 200
        assert "".join([text async for text in response.text_stream]).startswith("You said")
    assert [r.headers["anthropic-beta"] for r in server.requests] == [
        "client-raw",
        "client-streaming",
    ]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_blocking_client_level_views_reach_beta(backend: str) -> None:
    with (
        FakeClaude.run_in_thread(backend) as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url, backend=backend) as client,
    ):
        raw = client.with_raw_response.beta.messages.count_tokens(model=MODEL, messages=USER)
        assert raw.parse().input_tokens > 0
        with client.with_streaming_response.beta.messages.stream(
            model=MODEL, max_tokens=20, messages=USER, betas=["sync-client-streaming"]
        ) as response:
            assert response.http_response.status_code == 200
            assert "".join(response.text_stream).startswith("You said")
        assert fake.requests[-1].headers["anthropic-beta"] == "sync-client-streaming"


# One value for each body parameter only the beta methods take (types/_gen_params.py).
BETA_PARAMS: dict[str, Any] = {
    "billing_policy": {"type": "billing_policy", "bill_to": "user_profile"},
    "compaction": {"type": "compaction", "trigger": {"type": "input_tokens", "value": 150000}},
    "context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]},
    "fallback_credit_token": "credit-token-1",
    "fallbacks": [{"model": "claude-opus-4-8"}],
    "mcp_servers": [{"type": "url", "url": "https://mcp.example.com/sse", "name": "example"}],
    "thread": {"type": "create"},
}
COUNT_PARAMS = ("billing_policy", "compaction", "context_management", "mcp_servers")


async def test_beta_body_parameters_are_sent_as_the_official_sdk_sends_them(
    client: AsyncClaude, server: FakeClaude
) -> None:
    import anthropic

    counted = {k: BETA_PARAMS[k] for k in COUNT_PARAMS}
    official = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, max_retries=0)
    for sender in (client, official):
        beta: Any = sender.beta.messages
        # `thread` needs its beta (FakeClaude refuses it without, as the API does).
        betas = ["b", "message-threads-2026-08-12"]
        await beta.create(model=MODEL, max_tokens=5, messages=USER, betas=betas, **BETA_PARAMS)
        async with beta.stream(
            model=MODEL, max_tokens=5, messages=USER, betas=betas[1:], **BETA_PARAMS
        ) as s:
            await s.get_final_message()
        await beta.count_tokens(model=MODEL, messages=USER, **counted)
    await official.close()
    ours, theirs = server.requests[:3], server.requests[3:]
    assert [r.json for r in ours] == [r.json for r in theirs]
    for request in ours[:2]:
        assert {k: request.json[k] for k in BETA_PARAMS} == BETA_PARAMS
    assert {k: ours[2].json[k] for k in COUNT_PARAMS} == counted


async def test_beta_parameters_take_what_their_types_allow(
    client: AsyncClaude, server: FakeClaude
) -> None:
    await client.beta.messages.create(
        model=MODEL,
        max_tokens=5,
        messages=USER,
        fallbacks="default",
        fallback_credit_token={"type": "credit", "token": "t"},
        mcp_servers=(s for s in BETA_PARAMS["mcp_servers"]),  # any iterable, sent as a list
        thread=None,
    )
    sent = server.requests[0].json
    # None leaves a parameter out of the body (the official SDK sends null: same meaning).
    assert sent["fallbacks"] == "default" and "thread" not in sent
    assert sent["mcp_servers"] == BETA_PARAMS["mcp_servers"]
    assert sent["fallback_credit_token"] == {"type": "credit", "token": "t"}


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("mcp_servers", "https://mcp.example.com", "mcp_servers must be a list, got str"),
        ("mcp_servers", None, "mcp_servers must be a list, got NoneType"),
        ("fallbacks", "other", "fallbacks must be a list or None or 'default', got str"),
        ("context_management", [], "context_management must be a dict or None, got list"),
        ("fallback_credit_token", 5, "fallback_credit_token must be a str or a dict or None"),
        ("thread", "t-1", "thread must be a dict or None, got str"),
    ],
)
async def test_a_wrong_beta_parameter_is_refused_before_any_io_naming_it(
    client: AsyncClaude, server: FakeClaude, name: str, value: Any, says: str
) -> None:
    args: Any = {name: value}
    with pytest.raises(TypeError, match=re.escape(says)):
        await client.beta.messages.create(model=MODEL, max_tokens=5, messages=USER, **args)
    with pytest.raises(TypeError, match=re.escape(says)):
        client.beta.messages.stream(model=MODEL, max_tokens=5, messages=USER, **args)
    assert len(server.requests) == 0


async def test_beta_only_parameters_stay_beta_only_as_in_the_official_sdk(
    client: AsyncClaude, server: FakeClaude
) -> None:
    extra: Any = {"context_management": BETA_PARAMS["context_management"]}
    with pytest.raises(TypeError, match="unexpected keyword argument 'context_management'"):
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER, **extra)
    more: Any = {"fallbacks": "default"}  # create's, not count_tokens'
    with pytest.raises(TypeError, match="unexpected keyword argument 'fallbacks'"):
        await client.beta.messages.count_tokens(model=MODEL, messages=USER, **more)
    assert len(server.requests) == 0


def test_the_blocking_client_sends_beta_parameters() -> None:
    with (
        FakeClaude.run_in_thread() as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url) as blocking,
    ):
        blocking.beta.messages.create(
            model=MODEL, max_tokens=5, messages=USER, mcp_servers=BETA_PARAMS["mcp_servers"]
        )
        blocking.beta.messages.count_tokens(
            model=MODEL, messages=USER, compaction=BETA_PARAMS["compaction"]
        )
        assert fake.requests[0].json["mcp_servers"] == BETA_PARAMS["mcp_servers"]
        assert fake.requests[1].json["compaction"] == BETA_PARAMS["compaction"]


async def test_beta_parse_sends_what_the_official_beta_parse_sends(
    client: AsyncClaude, server: FakeClaude
) -> None:
    import anthropic
    import pydantic

    class Answer(pydantic.BaseModel):
        answer: str

    official = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url)
    args: Any = {
        "model": MODEL,
        "max_tokens": 50,
        "messages": USER,
        "betas": ["structured-outputs-2025-11-13"],
        "context_management": BETA_PARAMS["context_management"],
        "output_format": Answer,
    }
    theirs = await official.beta.messages.parse(**args)
    ours = await client.beta.messages.parse(**args)
    sent_theirs, sent_ours = server.requests[0], server.requests[1]
    assert sent_ours.json == sent_theirs.json
    for header in ("anthropic-beta", "x-stainless-helper"):
        assert sent_ours.headers[header] == sent_theirs.headers[header]
    # The helper tags of the beta stream, as the official's.
    async with official.beta.messages.stream(**args) as official_stream:
        await official_stream.get_final_message()
    async with client.beta.messages.stream(**args) as stream:
        await stream.get_final_message()
    tags = [
        (r.headers.get("x-stainless-helper-method"), r.headers.get("x-stainless-stream-helper"))
        for r in server.requests[2:]
    ]
    assert tags == [("stream", "beta.messages")] * 2
    await official.close()
    assert isinstance(ours.parsed_output, Answer)
    assert ours.parsed_output == theirs.parsed_output


def test_the_blocking_client_parses_through_beta() -> None:
    from dataclasses import dataclass

    @dataclass
    class Answer:
        answer: str

    with (
        FakeClaude.run_in_thread() as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url) as blocking,
    ):
        parsed = blocking.beta.messages.parse(
            model=MODEL, max_tokens=50, messages=USER, output_format=Answer, thread=None
        )
        assert isinstance(parsed.parsed_output, Answer)
        assert "output_config" in fake.requests[0].json


async def test_beta_parse_raw_and_streaming_views_give_the_parsed_message(
    client: AsyncClaude, server: FakeClaude
) -> None:
    import anthropic
    import pydantic

    class Answer(pydantic.BaseModel):
        answer: str

    args: Any = {"model": MODEL, "max_tokens": 50, "messages": USER, "output_format": Answer}
    official = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url)
    theirs = await official.beta.messages.with_raw_response.parse(**args)
    await official.close()
    raw = await client.beta.messages.with_raw_response.parse(**args)
    assert isinstance(raw, AsyncAPIResponse) and raw.status_code == 200
    parsed = await raw.parse()
    assert parsed.parsed_output == (await theirs.parse()).parsed_output
    assert parsed._request_id == raw.request_id
    async with client.with_streaming_response.beta.messages.parse(**args) as response:
        streamed = await response.parse()
    assert streamed.parsed_output == parsed.parsed_output
    sent = [r.json for r in server.requests]
    assert sent[1] == sent[0] and sent[2] == sent[0]


def test_the_blocking_beta_parse_views() -> None:
    from dataclasses import dataclass

    @dataclass
    class Answer:
        answer: str

    with (
        FakeClaude.run_in_thread() as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url) as blocking,
    ):
        args: Any = {"model": MODEL, "max_tokens": 50, "messages": USER, "output_format": Answer}
        raw = blocking.beta.messages.with_raw_response.parse(**args)
        assert isinstance(raw.parse().parsed_output, Answer)
        with blocking.beta.messages.with_streaming_response.parse(**args) as response:
            assert isinstance(response.parse().parsed_output, Answer)


async def test_the_official_parsed_beta_names_are_what_beta_parse_returns(
    client: AsyncClaude, server: FakeClaude
) -> None:
    """Code ported from `anthropic.types.beta.parsed_beta_message` keeps its isinstance
    checks and its subscripted annotations."""
    import msgspec

    from anyio_claude.types.beta.parsed_beta_message import (
        ParsedBetaContentBlock,
        ParsedBetaMessage,
        ParsedBetaTextBlock,
    )

    class Answer(msgspec.Struct):
        answer: str

    assert ParsedBetaMessage[Answer].__origin__ is ParsedBetaMessage  # type: ignore[attr-defined]
    assert isinstance(ParsedBetaContentBlock, str)  # an alias for type checkers
    args: Any = {"model": MODEL, "max_tokens": 50, "messages": USER, "output_format": Answer}
    parsed = await client.beta.messages.parse(**args)
    async with client.beta.messages.stream(**args) as stream:
        streamed = await stream.get_final_message()
    for message in (parsed, streamed):
        assert isinstance(message, ParsedBetaMessage)
        block = message.content[0]
        assert isinstance(block, ParsedBetaTextBlock)
        assert isinstance(block.parsed_output, Answer)
        assert message.parsed_output == block.parsed_output


async def test_beta_methods_take_tool_objects_as_the_official_sdk(
    client: AsyncClaude, server: FakeClaude
) -> None:
    """`create`, `stream`, `parse` and `count_tokens` take what `beta_tool` makes (any
    object with a `to_dict()`) in `tools`, sending its entry; `client.messages` does not."""
    import anthropic

    schema = {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "Where."}},
        "required": ["city"],
    }

    def make(beta_tool: Any) -> Any:
        # The schema given, as the official SDK's derived schemas add pydantic's titles.
        def get_weather(city: str) -> str:
            return f"Sunny in {city}"

        return beta_tool(get_weather, description="The weather in a city.", input_schema=schema)

    class Builtin:
        def to_dict(self) -> dict[str, Any]:
            return {"type": "web_search_20250305", "name": "web_search"}

    official = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url)
    for user, tool in (
        (official, make(anthropic.beta_tool)),
        (client, make(anyio_claude.beta_tool)),
    ):
        messages: Any = user.beta.messages
        args: Any = {"model": MODEL, "messages": USER, "tools": [tool, Builtin()]}
        await messages.create(max_tokens=50, **args)
        async with messages.stream(max_tokens=50, **args) as stream:
            await stream.get_final_message()
        await messages.parse(max_tokens=50, **args)
        await messages.count_tokens(**args)
    await official.close()
    theirs, ours = server.requests[:4], server.requests[4:]
    assert [r.json for r in ours] == [r.json for r in theirs]
    assert ours[0].json["tools"] == [
        {"name": "get_weather", "description": "The weather in a city.", "input_schema": schema},
        {"type": "web_search_20250305", "name": "web_search"},
    ]
    with pytest.raises(TypeError, match=r"tools\[0\] must be a dict, got BetaFunctionTool"):
        await client.messages.create(max_tokens=50, **args)

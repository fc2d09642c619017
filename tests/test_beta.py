"""`client.beta.messages`: `client.messages` plus the `anthropic-beta` header, on asyncio and trio."""

from __future__ import annotations

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

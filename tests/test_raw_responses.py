"""`with_raw_response` / `with_streaming_response` in the shapes of anthropic 2.14, async and
blocking, on every resource and on the client, against FakeClaude."""

from __future__ import annotations

import datetime
import time
from collections.abc import AsyncIterator

import anyio
import pytest

import anyio_claude
from anyio_claude import (
    AsyncAPIResponse,
    AsyncBatchResults,
    AsyncClaude,
    AsyncMessageStream,
    AsyncPage,
    AsyncStream,
    ClaudeError,
)
from anyio_claude.testing import FakeClaude
from anyio_claude.types import Message, MessageBatch

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-secret-1234567890"
PARAMS = {"model": MODEL, "max_tokens": 10, "messages": USER}


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(batch_speedup=100_000) as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=server.url) as c:
        yield c
    assert c._transport is None or c._transport.num_connections == 0


def in_use(client: AsyncClaude) -> int:
    assert client._transport is not None
    return client._transport.num_active


async def test_raw_create_reads_the_body(client: AsyncClaude, server: FakeClaude) -> None:
    raw = await client.messages.with_raw_response.create(model=MODEL, max_tokens=20, messages=USER)
    assert isinstance(raw, AsyncAPIResponse) and raw.is_closed and in_use(client) == 0
    message = await raw.parse()
    assert isinstance(message, Message) and await raw.parse() is message
    assert message._request_id == raw.request_id  # type: ignore[attr-defined]
    text = await raw.text()
    assert (await raw.json())["id"] == message.id and f'"{message.id}"' in text
    assert await raw.read() == text.encode() == raw.http_response.content
    assert raw.url == f"{server.url}/v1/messages" and raw.method == "POST"
    assert raw.http_version == "HTTP/1.1"
    assert isinstance(raw.elapsed, datetime.timedelta)
    assert datetime.timedelta(0) < raw.elapsed < datetime.timedelta(seconds=10)
    assert raw.elapsed == raw.elapsed  # fixed once the body is read
    assert raw.http_request is not None and raw.http_request.headers["x-api-key"] == "<redacted>"
    assert raw.http_response.request is raw.http_request


async def test_raw_streams_parse_to_the_open_stream(client: AsyncClaude) -> None:
    raw = await client.with_raw_response.messages.create(
        model=MODEL, max_tokens=20, messages=USER, stream=True
    )
    stream = await raw.parse()
    assert isinstance(stream, AsyncStream) and await raw.parse() is stream
    assert raw.url == stream.response.url and raw.url is not None
    assert raw.url.endswith("/v1/messages") and raw.method == "POST"
    with pytest.raises(ClaudeError, match="through its stream"):
        await raw.read()
    async with stream:
        types = [event.type async for event in stream]
    assert types[0] == "message_start" and types[-1] == "message_stop"
    helper_raw = await client.messages.with_raw_response.stream(
        model=MODEL, max_tokens=20, messages=USER
    )
    async with await helper_raw.parse() as helper:
        assert isinstance(helper, AsyncMessageStream)
        assert (await helper.get_final_text()).startswith("You said")
    assert in_use(client) == 0


async def test_streaming_response_stream_example(client: AsyncClaude) -> None:
    # The README example, as written.
    async with client.messages.with_streaming_response.stream(
        model=MODEL, max_tokens=20, messages=USER
    ) as response:
        assert response.http_response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        texts = [text async for text in response.text_stream]
    assert "".join(texts).startswith("You said: Hello there")
    assert len(texts) > 1 and in_use(client) == 0
    async with client.messages.with_streaming_response.stream(
        model=MODEL, max_tokens=20, messages=USER
    ) as response:
        stream = await response.parse()
        assert isinstance(stream, AsyncMessageStream)
        first = await response.__aiter__().__anext__()
        assert first.type == "message_start"
        message = await response.get_final_message()
        assert response.current_message_snapshot is message
    # Leaving the block early closes the connection rather than reusing it.
    async with client.messages.with_streaming_response.stream(
        model=MODEL, max_tokens=20, messages=USER
    ) as response:
        async for _ in response.text_stream:
            break
    assert in_use(client) == 0


async def test_streaming_create_reads_on_demand(client: AsyncClaude) -> None:
    async with client.with_streaming_response.messages.create(
        model=MODEL, max_tokens=20, messages=USER
    ) as response:
        assert not response.is_closed and response.http_response.content is None
        lines = [line async for line in response.iter_lines()]
        assert response.is_closed and in_use(client) == 0
        assert '"type":"message"' in "".join(lines)
        with pytest.raises(ClaudeError, match="already streamed"):
            await response.parse()
    async with client.with_streaming_response.messages.create(
        model=MODEL, max_tokens=20, messages=USER
    ) as response:
        message = await response.parse()
        assert response.is_closed and in_use(client) == 0
        lines = [line async for line in response.iter_lines()]
        assert f'"{message.id}"' in "".join(lines)
        assert (await response.text()).strip() == "".join(lines).strip()
    async with client.with_streaming_response.messages.create(
        model=MODEL, max_tokens=20, messages=USER, stream=True
    ) as response:
        events = await response.parse()
        assert isinstance(events, AsyncStream)
        with pytest.raises(ClaudeError, match="already streamed"):
            await response.read()
        assert [e.type async for e in events][-1] == "message_stop"


async def test_models_and_batches_have_raw_views(client: AsyncClaude) -> None:
    raw_models = await client.models.with_raw_response.list(limit=1)
    page = await raw_models.parse()
    assert isinstance(page, AsyncPage) and len(page.data) == 1 and page.has_more
    assert raw_models.url is not None and raw_models.url.endswith("/v1/models?limit=1")
    assert len([model async for model in page]) > 1  # later pages come through the plain path
    async with client.with_streaming_response.models.list() as response:
        assert [m.id for m in (await response.parse()).data][:1] == [page.data[0].id]
    raw_model = await client.with_raw_response.models.retrieve(MODEL)
    assert (await raw_model.parse()).id == MODEL

    batch = await client.messages.batches.create(
        requests=[{"custom_id": f"r{i}", "params": PARAMS} for i in range(3)]  # type: ignore[misc]
    )
    raw_list = await client.messages.with_raw_response.batches.list()
    assert batch.id in [b.id for b in (await raw_list.parse()).data]
    async with client.messages.with_streaming_response.batches.list(limit=5) as response:
        listed = await response.parse()
        assert all(isinstance(b, MessageBatch) for b in listed.data)
    while batch.processing_status != "ended":
        await anyio.sleep(0.01)
        batch = await client.messages.batches.retrieve(batch.id)
    raw_results = await client.messages.with_raw_response.batches.results(batch.id)
    assert raw_results.status_code == 200 and raw_results.url is not None
    results = await raw_results.parse()
    assert isinstance(results, AsyncBatchResults)
    async with results:
        assert sorted([r.custom_id async for r in results]) == ["r0", "r1", "r2"]
    async with client.messages.with_streaming_response.batches.results(batch.id) as response:
        lines = [line async for line in response.iter_lines()]
    assert len([line for line in lines if line]) == 3
    async with client.messages.with_streaming_response.batches.results(batch.id) as response:
        assert len([r async for r in await response.parse()]) == 3
    assert in_use(client) == 0


async def test_raw_batch_results_before_the_batch_ended() -> None:
    async with (
        FakeClaude(batch_speedup=1) as fake,
        AsyncClaude(api_key=KEY, base_url=fake.url) as client,
    ):
        batch = await client.messages.batches.create(
            requests=[{"custom_id": "x", "params": PARAMS}]  # type: ignore[list-item]
        )
        with pytest.raises(ClaudeError, match="no results yet"):
            await client.messages.with_raw_response.batches.results(batch.id)
        with pytest.raises(ClaudeError, match="no results yet"):
            async with client.messages.with_streaming_response.batches.results(batch.id):
                pass
        assert len(fake.requests) == 3 and in_use(client) == 0


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_blocking_raw_and_streaming_responses(backend: str) -> None:
    with (
        FakeClaude.run_in_thread(batch_speedup=100_000) as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url, backend=backend) as client,
    ):
        # The README example, blocking.
        with client.messages.with_streaming_response.stream(
            model=MODEL, max_tokens=20, messages=USER
        ) as response:
            assert response.http_response.status_code == 200
            texts = list(response.text_stream)
        assert "".join(texts).startswith("You said: Hello there")
        with client.messages.with_streaming_response.stream(
            model=MODEL, max_tokens=20, messages=USER
        ) as response:
            assert response.get_final_text().startswith("You said")
            assert isinstance(response.parse(), anyio_claude.MessageStream)

        raw = client.with_raw_response.messages.create(model=MODEL, max_tokens=20, messages=USER)
        assert isinstance(raw, anyio_claude.APIResponse) and raw.is_closed
        message = raw.parse()
        assert raw.parse() is message and raw.json()["id"] == message.id
        assert raw.text() == raw.read().decode() and raw.url == f"{fake.url}/v1/messages"
        assert raw.elapsed > datetime.timedelta(0)

        with client.messages.with_streaming_response.create(
            model=MODEL, max_tokens=20, messages=USER
        ) as streamed:
            assert not streamed.is_closed
            assert streamed.json()["type"] == "message"

        page = client.models.with_raw_response.list(limit=1).parse()
        assert len(page.data) == 1 and len(list(page)) > 1
        with client.with_streaming_response.models.list() as listed:
            assert listed.parse().data

        batch = client.messages.batches.create(
            requests=[{"custom_id": f"r{i}", "params": PARAMS} for i in range(2)]  # type: ignore[misc]
        )
        assert batch.id in [b.id for b in client.messages.with_raw_response.batches.list().parse()]
        while client.messages.batches.retrieve(batch.id).processing_status != "ended":
            time.sleep(0.01)
        with client.messages.with_raw_response.batches.results(batch.id).parse() as results:
            assert sorted(r.custom_id for r in results) == ["r0", "r1"]
        with client.messages.with_streaming_response.batches.results(batch.id) as response:
            assert len(list(response.parse())) == 2

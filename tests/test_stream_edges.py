"""Stream behaviours nothing else pins: every mid-stream error type, on helper and raw
streams; the SSE size cap as the user sees it; cancelling a raw stream; stream_idle with
total. Expected classes come from the wire protocol's table (PROTOCOL: an `error` event
maps to the class its HTTP status would), not from the client's own mapping table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream

import anyio_claude
from anyio_claude import (
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClaude,
    Timeout,
)
from anyio_claude.testing import FakeClaude

from ._events import message_start
from ._servers import raw_server

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-secret-1234567890"

START: dict[str, Any] = message_start(MODEL)
HI = [
    START,
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
]

# PROTOCOL.md's table: error.type -> HTTP status -> the official SDK's class for it.
ERROR_TYPES = [
    ("invalid_request_error", 400, anyio_claude.BadRequestError),
    ("authentication_error", 401, anyio_claude.AuthenticationError),
    ("billing_error", 402, APIStatusError),
    ("permission_error", 403, anyio_claude.PermissionDeniedError),
    ("not_found_error", 404, anyio_claude.NotFoundError),
    ("request_too_large", 413, anyio_claude.RequestTooLargeError),
    ("rate_limit_error", 429, anyio_claude.RateLimitError),
    ("api_error", 500, anyio_claude.InternalServerError),
    ("timeout_error", 504, anyio_claude.InternalServerError),
    ("overloaded_error", 529, anyio_claude.OverloadedError),
]


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as c:
        yield c


def error_event(error_type: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": f"the {error_type}"}}


def assert_carries(error: APIStatusError, error_type: str, status: int) -> None:
    assert error.status_code == status
    assert error.type == error_type
    assert error.api_message == f"the {error_type}"
    assert error.request_id is not None and error.request_id.startswith("req_")
    # The official SDK's message for an event of a 200 stream: no status in front.
    items = f"request_id: {error.request_id}, path: /v1/messages, type: {error_type}"
    assert str(error) == error.message == f"the {error_type} ({items})"
    assert error.partial_message is not None
    assert error.partial_message.content[0].text == "Hi"
    # As the official SDK: the body is the event's JSON, the response the 200 that carried it.
    assert isinstance(error.body, dict)
    assert error.body["type"] == "error"
    assert error.body["error"] == {"type": error_type, "message": f"the {error_type}"}
    assert error.response.status_code == 200
    sent = error.response.headers["anthropic-ratelimit-requests-limit"]
    assert error.rate_limits is not None and error.rate_limits.requests_limit == int(sent)


@pytest.mark.parametrize(("error_type", "status", "cls"), ERROR_TYPES)
async def test_every_mid_stream_error_type_on_the_helper_stream(
    client: AsyncClaude, server: FakeClaude, error_type: str, status: int, cls: type[Exception]
) -> None:
    server.script([*HI, error_event(error_type)])
    with pytest.raises(cls) as info:
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
            await stream.until_done()
    assert isinstance(info.value, APIStatusError)
    assert_carries(info.value, error_type, status)
    assert stream.current_message_snapshot == info.value.partial_message
    assert client._transport is not None and client._transport.num_active == 0


@pytest.mark.parametrize(("error_type", "status", "cls"), ERROR_TYPES)
async def test_every_mid_stream_error_type_on_the_raw_stream(
    client: AsyncClaude, server: FakeClaude, error_type: str, status: int, cls: type[Exception]
) -> None:
    server.script([*HI, error_event(error_type)])
    seen: list[str] = []
    stream = await client.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True)
    with pytest.raises(cls) as info:
        async with stream:
            async for event in stream:
                seen.append(event.type)
    assert seen == ["message_start", "content_block_start", "content_block_delta"]
    assert isinstance(info.value, APIStatusError)
    assert_carries(info.value, error_type, status)
    assert client._transport is not None and client._transport.num_active == 0


async def test_an_unknown_mid_stream_error_type_is_kept(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.script([*HI, error_event("brand_new_error")])
    with pytest.raises(APIStatusError) as info:
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
            await stream.until_done()
    assert info.value.type == "brand_new_error"
    assert info.value.api_message == "the brand_new_error"


SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
    b"request-id: req_big\r\ntransfer-encoding: chunked\r\n\r\n"
)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


async def test_an_event_over_the_size_cap_reaches_the_user_as_an_error() -> None:
    import json

    start = b"event: message_start\ndata: " + json.dumps(START).encode() + b"\n\n"
    piece = b"x" * (1 << 20)

    async def endless_event(stream: SocketStream, request: bytes) -> None:
        await stream.send(SSE_HEAD + chunk(start) + chunk(b"event: content_block_delta\ndata: "))
        for _ in range(17):  # 17 MiB without a line break, past the 16 MiB cap
            await stream.send(chunk(piece))
        await anyio.sleep_forever()

    async with raw_server(endless_event) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url, max_retries=0) as client:
            # Generous: buffering 16 MiB takes a while on a loaded machine in debug mode.
            with anyio.fail_after(40):
                with pytest.raises(APIResponseValidationError, match="size cap") as info:
                    async with client.messages.stream(
                        model=MODEL, max_tokens=10, messages=USER
                    ) as stream:
                        await stream.until_done()
            assert isinstance(info.value.__cause__, anyio_claude.SSEProtocolError)
            assert info.value.request_id == "req_big"
            assert info.value.partial_message is not None
            assert info.value.partial_message.id == "msg_1"
            assert client._transport is not None
            assert client._transport.num_connections == 0


async def test_cancelling_a_raw_stream_iterated_outside_async_with_closes_it() -> None:
    async with FakeClaude(itl=0.01) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url) as client:
            stream = await client.messages.create(
                model=MODEL, max_tokens=500, messages=USER, stream=True
            )
            events = 0
            with anyio.move_on_after(0.15) as scope:
                async for _ in stream:
                    events += 1
            assert scope.cancelled_caught and events > 1
            transport = client._transport
            assert transport is not None
            assert transport.num_connections == 0 and transport.num_active == 0
            assert (await client.messages.create(model=MODEL, max_tokens=5, messages=USER)).id


def pinging_server(pings: float) -> Any:
    import json

    start = b"event: message_start\ndata: " + json.dumps(START).encode() + b"\n\n"
    ping = b'event: ping\ndata: {"type": "ping"}\n\n'

    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(SSE_HEAD + chunk(start))
        while True:
            await anyio.sleep(pings)
            await stream.send(chunk(ping))

    return handler


@pytest.mark.parametrize(
    ("timeout", "message"),
    [
        (Timeout(read=5, total=1.0, stream_idle=10), "overall"),
        (Timeout(read=5, total=10, stream_idle=0.3), "stream_idle"),
    ],
)
async def test_stream_idle_and_total_together_the_first_to_expire_wins(
    timeout: Timeout, message: str
) -> None:
    async with raw_server(pinging_server(0.05)) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url, timeout=timeout) as client:
            started = anyio.current_time()
            with anyio.fail_after(5):
                with pytest.raises(APITimeoutError, match=message) as info:
                    async with client.messages.stream(
                        model=MODEL, max_tokens=5, messages=USER
                    ) as stream:
                        async for _ in stream:
                            pass
            assert 0.25 < anyio.current_time() - started < 3
            assert client._transport is not None and client._transport.num_active == 0
        assert info.value.request_id == "req_big"
        assert info.value.partial_message is not None
        assert info.value.partial_message.id == "msg_1"


def sse(event: dict[str, Any]) -> bytes:
    import json

    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


PING = {"type": "ping"}
# Pings where the API may put them: first, alone in a read, sharing a read, after the end.
PINGED = [
    [PING, START, PING],
    [HI[1]],
    [PING],
    [HI[2], PING, {"type": "content_block_stop", "index": 0}],
    [{"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}}],
    [{"type": "message_stop"}, PING],
    [PING],
]


async def pinged_stream(stream: SocketStream, request: bytes) -> None:
    await stream.send(SSE_HEAD)
    for read in PINGED:
        await stream.send(chunk(b"".join(sse(event) for event in read)))
        await anyio.sleep(0.01)  # one read each
    await stream.send(b"0\r\n\r\n")


async def test_streams_drop_pings_as_the_official_sdk_does() -> None:
    import anthropic

    async with raw_server(pinged_stream) as srv:
        official = anthropic.AsyncAnthropic(api_key=KEY, base_url=srv.url, max_retries=0)
        async with AsyncClaude(api_key=KEY, base_url=srv.url, max_retries=0) as client:
            raw = await client.messages.create(
                model=MODEL, max_tokens=5, messages=USER, stream=True
            )
            async with raw:
                ours_raw = [event.type async for event in raw]
            async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER) as s:
                ours_helper = [event.type async for event in s]
                assert (await s.get_final_message()).content[0].text == "Hi"
        theirs = await official.messages.create(
            model=MODEL, max_tokens=5, messages=USER, stream=True
        )
        theirs_raw = [event.type async for event in theirs]
        async with official.messages.stream(model=MODEL, max_tokens=5, messages=USER) as s2:
            theirs_helper = [event.type async for event in s2]
        await official.close()
    assert "ping" not in ours_raw and "ping" not in ours_helper
    assert ours_raw == theirs_raw and ours_helper == theirs_helper
    assert ours_raw[0] == "message_start" and ours_raw[-1] == "message_stop"

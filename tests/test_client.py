"""AsyncClaude against FakeClaude (and raw servers for broken wire data), on asyncio and trio."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream

import anyio_claude
from anyio_claude import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClaude,
    ClaudeError,
    OverloadedError,
    RateLimitError,
    Timeout,
)
from anyio_claude.testing import ErrorReply, FakeClaude, Fault, RateLimits
from anyio_claude.types import (
    ContentBlockDeltaEvent,
    MessageStartEvent,
    PingEvent,
    TextBlock,
    ToolUseBlock,
    UnknownBlock,
)

from ._servers import raw_server, response, settled

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-secret-1234567890"


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(batch_speedup=5000) as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=server.url) as c:
        yield c
    assert c._transport is None or c._transport.num_connections == 0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# ------------------------------------------------------------------------ happy paths


async def test_create(client: AsyncClaude, server: FakeClaude) -> None:
    message = await client.messages.create(model=MODEL, max_tokens=100, messages=USER, system="x")
    assert isinstance(message.content[0], TextBlock)
    assert message.content[0].text.startswith("You said: Hello there.")
    sent = server.requests[-1]
    assert sent.json == {"model": MODEL, "max_tokens": 100, "messages": USER, "system": "x"}
    assert sent.headers["x-api-key"] == KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"


async def test_stream_helper(client: AsyncClaude) -> None:
    plain = await client.messages.create(model=MODEL, max_tokens=100, messages=USER)
    async with client.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
        texts = [t async for t in stream.text_stream]
        final = await stream.get_final_message()
        assert stream.current_message_snapshot is final
    assert "".join(texts) == plain.content[0].text == await stream.get_final_text()
    assert final.usage.output_tokens == plain.usage.output_tokens
    assert stream.request_id and stream.response.status_code == 200


async def test_stream_events_include_derived_ones(client: AsyncClaude) -> None:
    tools = [
        {
            "name": "get_weather",
            "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}},
        }
    ]
    async with client.messages.stream(
        model=MODEL, max_tokens=500, tools=tools, tool_choice={"type": "any"}, messages=USER
    ) as stream:
        kinds = [event.type async for event in stream]
    assert {"text", "input_json", "content_block_stop", "message_stop"} <= set(kinds)
    final = stream.current_message_snapshot
    assert isinstance(final.content[-1], ToolUseBlock)
    assert final.content[-1].input == {"location": "San Francisco, CA"}


async def test_raw_event_stream(client: AsyncClaude) -> None:
    stream = await client.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True)
    async with stream:
        events = [event async for event in stream]
    assert isinstance(events[0], MessageStartEvent)
    assert not any(isinstance(e, PingEvent) for e in events)  # FakeClaude sends them
    assert any(isinstance(e, ContentBlockDeltaEvent) for e in events)
    assert stream.current_message_snapshot.stop_reason == "end_turn"


async def test_count_tokens_models_and_pagination(client: AsyncClaude) -> None:
    count = await client.messages.count_tokens(model=MODEL, messages=USER)
    assert count.input_tokens > 0
    page = await client.models.list(limit=2)
    assert len(page.data) == 2 and page.has_next_page()
    second = await page.get_next_page()
    assert second.data[0].id != page.data[0].id
    ids = [m.id async for m in client.models.list(limit=1)]
    assert MODEL in ids and len(ids) == len(set(ids)) >= 3
    info = await client.models.retrieve(MODEL)
    assert info.display_name == "Claude Sonnet 5.5"


async def test_raw_and_streaming_responses(client: AsyncClaude) -> None:
    raw = await client.messages.with_raw_response.create(model=MODEL, max_tokens=50, messages=USER)
    assert raw.status_code == 200 and raw.http_response.status_code == 200
    assert raw.request_id and raw.request_id.startswith("req_")
    assert raw.headers["content-type"] == "application/json"
    # What the server sent, whatever FakeClaude's default limit is (it is not specified).
    sent = raw.headers["anthropic-ratelimit-requests-limit"]
    assert sent.isdigit() and raw.rate_limits.requests_limit == int(sent) > 0
    assert raw.rate_limits.requests_reset is not None and raw.rate_limits.requests_reset.tzinfo
    assert (await raw.parse()).content[0].type == "text"
    async with client.messages.with_streaming_response.create(
        model=MODEL, max_tokens=50, messages=USER
    ) as response:
        assert response.status_code == 200
        lines = [line async for line in response.iter_lines()]
    assert lines and '"type":"message"' in lines[0]
    async with client.messages.with_streaming_response.stream(
        model=MODEL, max_tokens=50, messages=USER
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = await response.parse()
        assert (await stream.get_final_text()).startswith("You said")


async def test_batches(client: AsyncClaude) -> None:
    params = {"model": MODEL, "max_tokens": 20, "messages": USER}
    batch = await client.messages.batches.create(
        requests=[{"custom_id": f"r{i}", "params": params} for i in range(3)]
    )
    while batch.processing_status != "ended":
        await anyio.sleep(0.01)
        batch = await client.messages.batches.retrieve(batch.id)
    call = client.messages.batches.results(batch.id)
    results = [r async for r in await call]
    assert sorted(r.custom_id for r in results) == ["r0", "r1", "r2"]
    async with call as again:  # the same call, sent anew
        assert sorted([r.custom_id async for r in again]) == ["r0", "r1", "r2"]
    assert all(r.result.type == "succeeded" for r in results)
    assert batch.id in [b.id async for b in client.messages.batches.list()]
    deleted = await client.messages.batches.delete(batch.id)
    assert deleted.id == batch.id


async def test_results_of_a_batch_still_processing_are_an_error() -> None:
    # At the fake's real pace: the fixture's fast one may end a batch before it is asked.
    async with FakeClaude() as fake, AsyncClaude(api_key=KEY, base_url=fake.url) as client:
        params = {"model": MODEL, "max_tokens": 20, "messages": USER}
        batch = await client.messages.batches.create(
            requests=[{"custom_id": "r0", "params": params}]
        )
        with pytest.raises(ClaudeError, match="no results yet"):
            await client.messages.batches.results(batch.id)


async def test_unknown_blocks_go_back_byte_for_byte(
    client: AsyncClaude, server: FakeClaude
) -> None:
    odd = {"type": "hologram", "depth": 3, "payload": [1, 2.5, "x"]}
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_x",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": MODEL,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        },
    }
    server.script(
        [
            start,
            {"type": "content_block_start", "index": 0, "content_block": odd},
            {"type": "content_block_stop", "index": 0},
            {"type": "message_stop"},
        ]
    )
    async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
        message = await stream.get_final_message()
    assert isinstance(message.content[0], UnknownBlock)
    await client.messages.create(
        model=MODEL,
        max_tokens=10,
        messages=[*USER, message.to_param(), {"role": "user", "content": "again"}],
    )
    assert server.requests[-1].json["messages"][1]["content"] == [odd]


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("status", "error_type", "cls"),
    [
        (400, "invalid_request_error", anyio_claude.BadRequestError),
        (401, "authentication_error", anyio_claude.AuthenticationError),
        (402, "billing_error", anyio_claude.BillingError),
        (403, "permission_error", anyio_claude.PermissionDeniedError),
        (404, "not_found_error", anyio_claude.NotFoundError),
        (409, "conflict_error", anyio_claude.ConflictError),
        (413, "request_too_large", anyio_claude.RequestTooLargeError),
        (422, "unprocessable_entity_error", anyio_claude.UnprocessableEntityError),
        (429, "rate_limit_error", anyio_claude.RateLimitError),
        (500, "api_error", anyio_claude.InternalServerError),
        (504, "timeout_error", anyio_claude.GatewayTimeoutError),
        (529, "overloaded_error", anyio_claude.OverloadedError),
    ],
)
async def test_status_errors_are_typed(
    client: AsyncClaude, server: FakeClaude, status: int, error_type: str, cls: type[APIStatusError]
) -> None:
    server.script(ErrorReply(status, error_type, f"the {error_type} message"))
    with pytest.raises(cls) as info:
        await client.with_options(max_retries=0).messages.create(
            model=MODEL, max_tokens=10, messages=USER
        )
    error = info.value
    assert type(error) is cls
    assert error.status_code == status and error.type == error_type
    assert error.api_message == f"the {error_type} message"
    expected = (
        f"{status} the {error_type} message (request_id: {error.request_id}, "
        f"path: /v1/messages, type: {error_type})"
    )
    assert str(error) == error.message == expected
    assert error.request_id and error.request_id.startswith("req_")
    assert error.response.status_code == status
    assert error.body["error"]["type"] == error_type  # type: ignore[index]
    assert error.rate_limits is not None
    sent = error.response.headers["anthropic-ratelimit-requests-limit"]
    assert error.rate_limits.requests_limit == int(sent) > 0


async def test_validation_error_from_the_server(client: AsyncClaude) -> None:
    with pytest.raises(anyio_claude.NotFoundError, match="claude-nope"):
        await client.messages.create(model="claude-nope", max_tokens=10, messages=USER)
    with pytest.raises(anyio_claude.BadRequestError, match="first message"):
        await client.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "assistant", "content": "hi"}]
        )


# ----------------------------------------------------------------------------- retries


async def test_retries_overloaded_then_succeeds(client: AsyncClaude, server: FakeClaude) -> None:
    server.script(
        ErrorReply(529, "overloaded_error", "busy", {"retry-after-ms": "10"}),
        ErrorReply(500, "api_error", "oops", {"retry-after-ms": "10"}),
    )
    raw = await client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=USER)
    assert raw.retries_taken == 2
    assert [r.headers.get("x-stainless-retry-count") for r in server.requests[-3:]] == [
        None,
        "1",
        "2",
    ]


async def test_retries_give_up_after_max_retries(client: AsyncClaude, server: FakeClaude) -> None:
    server.script(*[ErrorReply(529, "overloaded_error", "busy", {"retry-after-ms": "1"})] * 3)
    with pytest.raises(OverloadedError):
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert len(server.requests) == 3


async def test_the_server_decides_with_x_should_retry(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.script(ErrorReply(400, "invalid_request_error", "bad"))
    with pytest.raises(anyio_claude.BadRequestError):
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert len(server.requests) == 1
    server.script(
        ErrorReply(
            400, "invalid_request_error", "bad", {"x-should-retry": "true", "retry-after-ms": "1"}
        )
    )
    message = await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert message.content and len(server.requests) == 3
    server.script(ErrorReply(529, "overloaded_error", "busy", {"x-should-retry": "false"}))
    with pytest.raises(OverloadedError):
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert len(server.requests) == 4


async def test_retry_after_is_honoured(client: AsyncClaude, server: FakeClaude) -> None:
    server.script(ErrorReply(429, "rate_limit_error", "slow down", {"retry-after-ms": "300"}))
    started = anyio.current_time()
    await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert anyio.current_time() - started >= 0.3


async def test_rate_limited_error_carries_rate_limits() -> None:
    async with FakeClaude(rate_limits=RateLimits(requests_per_minute=1)) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url, max_retries=0) as client:
            await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
            with pytest.raises(RateLimitError) as info:
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    limits = info.value.rate_limits
    assert limits is not None and limits.requests_limit == 1 and limits.retry_after
    assert limits.retry_after >= 1


async def test_connection_reset_mid_body_is_retried_for_plain_calls() -> None:
    async with FakeClaude(faults=[Fault("reset_mid_body", nth=1)]) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url) as client:
            raw = await client.messages.with_raw_response.create(
                model=MODEL, max_tokens=10, messages=USER
            )
    assert raw.retries_taken == 1


async def test_stream_retried_only_before_the_first_event() -> None:
    async with FakeClaude(faults=[Fault("reset_mid_body", nth=1, after_events=0)]) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url) as client:
            async with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as s:
                assert (await s.get_final_text()).startswith("You said")
            assert s.retries_taken == 1
            assert fake.requests[1].headers["x-stainless-retry-count"] == "1"
    async with FakeClaude(faults=[Fault("reset_mid_body", nth=1, after_events=6)]) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url) as client:
            with pytest.raises(APIConnectionError) as info:
                async with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as s:
                    await s.until_done()
            assert len(fake.requests) == 1
    error = info.value
    assert error.__cause__ is not None
    assert error.partial_message is not None
    assert error.partial_message.content[0].text.startswith("You said")  # type: ignore[union-attr]
    assert s.current_message_snapshot == error.partial_message


# ------------------------------------------------------------------ mid-stream failures


async def test_mid_stream_error_event_raises_its_class_with_the_partial(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.faults.append(Fault("mid_stream_error", times=1, after_events=8))
    with pytest.raises(OverloadedError) as info:
        async with client.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
            async for _ in stream:
                pass
    error = info.value
    assert error.status_code == 529 and error.type == "overloaded_error"
    assert error.request_id == stream.request_id
    assert error.partial_message is not None
    assert error.partial_message.content[0].text  # type: ignore[union-attr]
    assert stream.current_message_snapshot.content == error.partial_message.content


async def test_malformed_sse_is_a_validation_error(client: AsyncClaude, server: FakeClaude) -> None:
    server.faults.append(Fault("malformed_sse", times=1, after_events=5))
    stream = await client.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True)
    with pytest.raises(APIResponseValidationError) as info:
        async with stream:
            async for _ in stream:
                pass
    assert info.value.partial_message is not None
    assert info.value.request_id == stream.request_id


async def test_garbage_status_line_is_a_connection_error() -> None:
    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(b"SMTP ready\r\n\r\n")

    async with raw_server(handler, keep_alive=False) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url, max_retries=1) as client:
            with pytest.raises(APIConnectionError) as info:
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert info.value.__cause__ is not None
    assert srv.connections == 2  # retried once


async def test_non_json_success_body_is_a_validation_error() -> None:
    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(response(b"<html>proxy error</html>", headers={"request-id": "req_h"}))

    async with raw_server(handler) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url) as client:
            with pytest.raises(APIResponseValidationError) as info:
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert info.value.status_code == 200 and info.value.request_id == "req_h"


async def test_non_json_error_body_keeps_the_text() -> None:
    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(response(b"Bad Gateway", status=502))

    async with raw_server(handler) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url, max_retries=0) as client:
            with pytest.raises(anyio_claude.InternalServerError, match="Bad Gateway") as info:
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert info.value.status_code == 502


def cut_after_head(kind: str, hint: bool) -> Any:
    """A server whose reply breaks after its head (and a few body bytes); the head says
    `x-should-retry: false` when `hint`."""
    extra = b"x-should-retry: false\r\n" if hint else b""

    async def handler(stream: SocketStream, request: bytes) -> None:
        if kind == "json":
            head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 99\r\n"
            await stream.send(head + extra + b'\r\n{"id": "msg')
        else:
            head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            head += b"transfer-encoding: chunked\r\n"
            await stream.send(head + extra + b"\r\n5\r\nevent")
        await stream.aclose()

    return handler


@pytest.mark.parametrize("kind", ["json", "stream"])
@pytest.mark.parametrize("hint", [True, False])
async def test_a_failure_after_a_head_saying_x_should_retry_false_is_not_retried(
    kind: str, hint: bool
) -> None:
    async with raw_server(cut_after_head(kind, hint)) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url, max_retries=1) as client:
            with anyio.fail_after(10), pytest.raises(APIConnectionError):
                if kind == "json":
                    await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
                else:
                    async with client.messages.stream(
                        model=MODEL, max_tokens=5, messages=USER
                    ) as stream:
                        await stream.get_final_message()
        ours = len(srv.requests)
        if kind == "json":  # the official SDK reads a plain reply's body in its retry loop
            import anthropic

            official = anthropic.AsyncAnthropic(api_key=KEY, base_url=srv.url, max_retries=1)
            with anyio.fail_after(10), pytest.raises(anthropic.APIConnectionError):
                await official.messages.create(model=MODEL, max_tokens=5, messages=USER)
            await official.close()
            assert len(srv.requests) - ours == ours
    assert ours == (1 if hint else 2)


# ----------------------------------------------------------------------------- timeouts


async def test_read_timeout_on_a_stalled_response() -> None:
    async with FakeClaude(faults=[Fault("stall", after_events=3)]) as fake:
        async with AsyncClaude(
            api_key=KEY, base_url=fake.url, max_retries=0, timeout=Timeout(read=0.3)
        ) as client:
            started = anyio.current_time()
            with pytest.raises(APITimeoutError) as info:
                async with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as s:
                    await s.until_done()
            assert anyio.current_time() - started < 3
    assert info.value.partial_message is not None


async def test_stream_idle_timeout_is_not_reset_by_pings() -> None:
    async def pinger(stream: SocketStream, request: bytes) -> None:
        await stream.send(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        )
        start = (
            b'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":'
            b'"message","role":"assistant","content":[],"model":"x","stop_reason":null,'
            b'"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n'
        )
        await stream.send(b"%x\r\n%s\r\n" % (len(start), start))
        ping = b'event: ping\ndata: {"type": "ping"}\n\n'
        while True:
            await anyio.sleep(0.05)
            await stream.send(b"%x\r\n%s\r\n" % (len(ping), ping))

    async with raw_server(pinger) as srv:
        async with AsyncClaude(
            api_key=KEY, base_url=srv.url, timeout=Timeout(read=5, stream_idle=0.4)
        ) as client:
            started = anyio.current_time()
            # If pings reset the idle clock this would run forever: fail fast instead.
            with anyio.fail_after(3), pytest.raises(APITimeoutError, match="stream_idle"):
                async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER) as s:
                    async for _ in s:
                        pass
            assert 0.3 < anyio.current_time() - started < 3
            assert client._transport is not None and client._transport.num_active == 0


async def test_total_timeout_bounds_the_whole_call() -> None:
    async with FakeClaude(ttft=2.0) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url) as client:
            started = anyio.current_time()
            with pytest.raises(APITimeoutError, match="overall"):
                async with client.messages.stream(
                    model=MODEL, max_tokens=50, messages=USER, timeout=Timeout(total=0.3)
                ) as s:
                    await s.until_done()
            assert anyio.current_time() - started < 1.5


async def test_connect_refused_is_a_connection_error() -> None:
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    await listener.aclose()
    async with AsyncClaude(api_key=KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0) as c:
        with pytest.raises(APIConnectionError) as info:
            await c.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.__cause__ is not None


async def test_pool_timeout_when_every_connection_is_busy(server: FakeClaude) -> None:
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, max_connections=1, timeout=Timeout(pool=0.2)
    ) as client:
        async with client.messages.stream(model=MODEL, max_tokens=50, messages=USER):
            with pytest.raises(APITimeoutError, match="pool"):
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)


async def test_long_non_streaming_requests_must_stream_or_set_a_timeout(
    client: AsyncClaude,
) -> None:
    with pytest.raises(ValueError, match="Streaming is required"):
        await client.messages.create(model=MODEL, max_tokens=64_000, messages=USER)
    message = await client.messages.create(
        model=MODEL, max_tokens=64_000, messages=USER, timeout=30.0
    )
    assert message.content


# ------------------------------------------------------------------------- cancellation


async def test_cancel_mid_stream_closes_the_connection(server: FakeClaude) -> None:
    slow = FakeClaude(itl=0.01)
    async with slow:
        fds = open_fds()
        async with AsyncClaude(api_key=KEY, base_url=slow.url) as client:
            with anyio.move_on_after(0.15) as scope:
                async with client.messages.stream(model=MODEL, max_tokens=500, messages=USER) as s:
                    async for _ in s:
                        pass
            assert scope.cancelled_caught
            transport = client._transport
            assert transport is not None
            assert transport.num_connections == 0 and transport.num_active == 0
            message = await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
            assert message.content
        assert await settled(lambda: open_fds() <= fds)


async def test_cancel_mid_request_returns_promptly() -> None:
    async with FakeClaude(faults=[Fault("stall", after_events=0)]) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url) as client:
            started = anyio.current_time()
            with anyio.move_on_after(0.2):
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
            assert anyio.current_time() - started < 1
            assert client._transport is not None and client._transport.num_connections == 0


async def test_cancel_during_retry_sleep(server: FakeClaude) -> None:
    server.script(ErrorReply(529, "overloaded_error", "busy", {"retry-after": "30"}))
    async with AsyncClaude(api_key=KEY, base_url=server.url) as client:
        started = anyio.current_time()
        with anyio.move_on_after(0.2):
            await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        assert anyio.current_time() - started < 1


async def test_leaving_a_stream_early_does_not_reuse_its_connection(server: FakeClaude) -> None:
    async with AsyncClaude(api_key=KEY, base_url=server.url) as client:
        async with client.messages.stream(model=MODEL, max_tokens=500, messages=USER) as stream:
            await stream.__anext__()
        transport = client._transport
        assert transport is not None and transport.num_connections == 0
        for _ in range(3):
            await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        assert transport.num_connections == 1


async def test_no_tasks_or_fds_leak_across_errors(server: FakeClaude) -> None:
    await anyio.sleep(0.05)  # let the server's own tasks start before counting
    fds = open_fds()
    tasks = len(anyio.get_running_tasks())
    server.faults.extend([Fault("mid_stream_error", every=2), Fault("server_error", every=3)])
    async with AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client:
        for _ in range(12):
            try:
                async with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as s:
                    await s.until_done()
            except APIStatusError:
                pass
    assert await settled(lambda: open_fds() <= fds and len(anyio.get_running_tasks()) <= tasks)


# ----------------------------------------------------------------------- configuration


async def test_environment_configuration(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    async with AsyncClaude() as client:
        assert client.base_url == server.url
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert server.requests[-1].headers["x-api-key"] == KEY


async def test_auth_token_is_sent_as_bearer(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    async with AsyncClaude(auth_token="tok-1", base_url=server.url) as client:
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert server.requests[-1].headers["authorization"] == "Bearer tok-1"
    assert "x-api-key" not in server.requests[-1].headers


async def test_missing_key_is_a_clear_error_at_request_time(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    async with AsyncClaude(base_url=server.url) as client:
        with pytest.raises(ClaudeError, match="ANTHROPIC_API_KEY"):
            await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert server.requests == []


async def test_the_key_never_shows(server: FakeClaude, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="anyio_claude")
    server.script(ErrorReply(529, "overloaded_error", "busy", {"retry-after-ms": "1"}))
    server.script(ErrorReply(401, "authentication_error", "invalid x-api-key"))
    async with AsyncClaude(api_key=KEY, base_url=server.url) as client:
        with pytest.raises(anyio_claude.AuthenticationError) as info:
            await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        shown = [repr(client), str(client), repr(client.with_options(max_retries=1))]
        shown += [str(info.value), repr(info.value), repr(info.value.response.headers)]
        shown += [repr(anyio_claude.Headers([("x-api-key", KEY)]))]
    shown += [record.getMessage() for record in caplog.records]
    assert caplog.records, "debug logging produced nothing"
    assert not [text for text in shown if KEY in text or KEY[-10:] in text]


async def test_with_options_shares_the_pool(client: AsyncClaude, server: FakeClaude) -> None:
    await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    other = client.with_options(
        timeout=20.0, max_retries=5, default_headers={"anthropic-beta": "b1"}
    )
    assert other._transport is client._transport
    assert other.max_retries == 5 and other.timeout.read == 20.0
    await other.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert server.requests[-1].headers["anthropic-beta"] == "b1"
    assert client._transport is not None and client._transport.num_connections == 1


async def test_extra_headers_query_and_body(client: AsyncClaude, server: FakeClaude) -> None:
    await client.messages.create(
        model=MODEL,
        max_tokens=10,
        messages=USER,
        extra_headers={"x-custom": "1"},
        extra_query={"beta": "true"},
        extra_body={"metadata": {"user_id": "u1"}},
    )
    sent = server.requests[-1]
    assert sent.headers["x-custom"] == "1"
    assert sent.path.endswith("?beta=true")
    assert sent.json["metadata"] == {"user_id": "u1"}
    page = await client.models.list(limit=1, extra_query={"beta": "true"})
    await page.get_next_page()
    assert [r.path for r in server.requests[-2:]] == [
        "/v1/models?limit=1&beta=true",
        f"/v1/models?limit=1&after_id={page.last_id}&beta=true",
    ]


async def test_query_and_extra_body_are_written_as_the_official_sdk_writes_them(
    client: AsyncClaude, server: FakeClaude
) -> None:
    import anthropic

    query: dict[str, object] = {
        "ids": ["a", "b"],
        "on": True,
        "off": False,
        "nested": {"k": "v", "n": 2},
        "gone": None,
        "empty": [],
    }
    official = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, max_retries=0)
    sent = []
    for c in (official, client):
        await c.models.list(extra_query=query)
        with pytest.raises((anthropic.NotFoundError, anyio_claude.NotFoundError)):
            # No body of its own: the official SDK sends `extra_body` alone (not on a GET).
            await c.messages.batches.delete("msgbatch_nope", extra_body={"why": "test"})
        await c.models.retrieve(MODEL, extra_query={"x": [1]})
        sent.append([(r.method, r.path, r.json) for r in server.requests[-3:]])
    await official.close()
    assert sent[1] == sent[0]
    assert sent[1][0][1] == (
        "/v1/models?ids%5B%5D=a&ids%5B%5D=b&on=true&off=false&nested%5Bk%5D=v&nested%5Bn%5D=2"
    )
    assert sent[1][1][2] == {"why": "test"}


async def test_fan_out_keeps_order_and_bounds_concurrency(client: AsyncClaude) -> None:
    in_flight = peak = 0

    async def ask(i: int) -> str:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            message = await client.messages.create(
                model=MODEL, max_tokens=20, messages=[{"role": "user", "content": f"n{i}"}]
            )
        finally:
            in_flight -= 1
        return message.content[0].text  # type: ignore[union-attr,no-any-return]

    answers = await anyio_claude.fan_out(ask, range(40), concurrency=8)
    assert [a.split(".")[0] for a in answers] == [f"You said: n{i}" for i in range(40)]
    assert peak <= 8


async def test_fan_out_errors(client: AsyncClaude, server: FakeClaude) -> None:
    async def ask(i: int) -> int:
        if i == 3:
            raise KeyError(i)
        await anyio.sleep(0.01)
        return i

    with pytest.raises(KeyError):
        await anyio_claude.fan_out(ask, range(10), concurrency=4)
    mixed = await anyio_claude.fan_out(ask, range(6), concurrency=2, return_exceptions=True)
    assert isinstance(mixed[3], KeyError) and mixed[:3] == [0, 1, 2] and mixed[4:] == [4, 5]
    with pytest.raises(ValueError):
        await anyio_claude.fan_out(ask, [], concurrency=0)


async def test_https_with_a_custom_trust_store() -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    async with FakeClaude(ssl_context=server_context) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url, verify=trusting) as client:
            message = await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
            assert message.content
        async with AsyncClaude(api_key=KEY, base_url=fake.url, max_retries=0) as client:
            with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)


def test_sync_client(monkeypatch: pytest.MonkeyPatch) -> None:
    with (
        FakeClaude.run_in_thread() as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url) as client,
    ):
        message = client.messages.create(model=MODEL, max_tokens=50, messages=USER)
        with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as stream:
            text = "".join(stream.text_stream)
        assert text == message.content[0].text
        assert stream.get_final_message().stop_reason == "end_turn"
        assert [m.id for m in client.models.list(limit=1)][:1]
        raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=5, messages=USER)
        assert raw.status_code == 200 and raw.parse().content
        assert KEY not in repr(client)
        started = time.perf_counter()
        events = list(
            client.messages.create(model=MODEL, max_tokens=50, messages=USER, stream=True)
        )
        assert events[0].type == "message_start" and time.perf_counter() - started < 10


def test_anthropic_log_debug_shows_requests_and_retries_without_the_key() -> None:
    import subprocess
    import sys

    code = f"""
import anyio, anyio_claude
from anyio_claude.testing import ErrorReply, FakeClaude

async def main():
    async with FakeClaude() as fake:
        fake.script(ErrorReply(529, "overloaded_error", "busy", {{"retry-after-ms": "1"}}))
        async with anyio_claude.AsyncClaude(base_url=fake.url) as client:
            await client.messages.create(model={MODEL!r}, max_tokens=5, messages={USER!r})

anyio.run(main)
"""
    env = {**os.environ, "ANTHROPIC_LOG": "debug", "ANTHROPIC_API_KEY": KEY}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    log = result.stderr
    assert "POST /v1/messages -> 529" in log and "retrying in" in log
    assert "POST /v1/messages -> 200" in log
    assert KEY not in log + result.stdout


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_sync_views_streams_pages_and_batches(backend: str) -> None:
    with (
        FakeClaude.run_in_thread(batch_speedup=100_000) as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url, backend=backend) as client,
    ):
        raw = client.messages.with_raw_response.create(
            model=MODEL, max_tokens=20, messages=USER, stream=True
        )
        with raw.parse() as stream:
            assert isinstance(stream, anyio_claude.Stream)
            assert [e.type for e in stream][-1] == "message_stop"
        with client.messages.with_streaming_response.create(
            model=MODEL, max_tokens=20, messages=USER, stream=True
        ) as response:
            assert response.status_code == 200 and response.request_id
            with response.parse() as stream:
                text = "".join(
                    e.delta.text  # type: ignore[union-attr]
                    for e in stream
                    if e.type == "content_block_delta"
                )
        assert text.startswith("You said: Hello")
        with client.messages.with_streaming_response.stream(
            model=MODEL, max_tokens=20, messages=USER
        ) as response:
            with response.parse() as helper:
                assert helper.get_final_text().startswith("You said: Hello")
        with client.messages.with_raw_response.stream(
            model=MODEL, max_tokens=20, messages=USER
        ).parse() as helper:
            assert isinstance(helper, anyio_claude.MessageStream)
            assert "".join(helper.text_stream).startswith("You said: Hello")
        with client.messages.with_streaming_response.count_tokens(
            model=MODEL, messages=USER
        ) as counted:
            assert counted.parse().input_tokens > 0
        assert client.models.with_raw_response.retrieve(MODEL).parse().id == MODEL
        page = client.models.list(limit=1)
        assert len(page.data) == 1 and page.has_next_page()
        assert page.get_next_page().data[0].id != page.data[0].id
        assert len(list(page)) == len(list(client.models.list()))
        params = {"model": MODEL, "max_tokens": 10, "messages": USER}
        batch = client.messages.batches.create(
            requests=[{"custom_id": f"r{i}", "params": params} for i in range(3)]  # type: ignore[misc]
        )
        raw_batch = client.messages.with_raw_response.batches.retrieve(batch.id)
        assert raw_batch.status_code == 200 and raw_batch.parse().id == batch.id
        while client.messages.batches.retrieve(batch.id).processing_status != "ended":
            time.sleep(0.01)
        with client.messages.batches.results(batch.id) as results:
            assert sorted(r.custom_id for r in results) == ["r0", "r1", "r2"]
        assert client.messages.batches.delete(batch.id).id == batch.id


def test_resources_are_built_once_per_client() -> None:
    # Fan-out code reads client.messages once per request: it must not rebuild it.
    client = AsyncClaude(api_key=KEY, base_url="http://127.0.0.1:9")
    assert client.messages is client.messages
    assert client.models is client.models
    assert client.beta is client.beta
    copy = client.with_options(max_retries=1)
    assert copy.messages is not client.messages
    assert copy.messages._client is copy

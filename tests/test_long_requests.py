"""The long-request guard, at its boundary, stated from the official SDK's rule
(`_calculate_nonstreaming_timeout`): a non-streaming call whose `max_tokens` could take over
10 minutes at 128,000 tokens an hour (more than 21,333 tokens) must stream or say how long
to wait. It fails before any network I/O; any explicit timeout (per call, on a copy, or on
the client) lifts it."""

from __future__ import annotations

import pytest

from anyio_claude import APIConnectionError, AsyncClaude, Timeout

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
NOWHERE = "http://127.0.0.1:9"  # nothing listens: reaching the network is a connection error
LIMIT = 21_333  # 3600 s * 21,333 / 128,000 = 599.99 s


async def test_the_guard_fires_just_above_ten_minutes_and_before_any_io() -> None:
    async with AsyncClaude(api_key="k", base_url=NOWHERE, max_retries=0) as client:
        with pytest.raises(ValueError, match=r"Streaming is required.*max_tokens=21334"):
            await client.messages.create(model=MODEL, max_tokens=LIMIT + 1, messages=USER)
        with pytest.raises(APIConnectionError):
            await client.messages.create(model=MODEL, max_tokens=LIMIT, messages=USER)
        assert client._transport is None or client._transport.num_connections == 0


@pytest.mark.parametrize("model", ["claude-opus-4-20250514", "claude-opus-4-1@20250805"])
async def test_models_with_a_smaller_non_streaming_limit_are_guarded_above_it(model: str) -> None:
    # The official SDK's MODEL_NONSTREAMING_TOKENS: 8,192 for these models.
    async with AsyncClaude(api_key="k", base_url=NOWHERE, max_retries=0) as client:
        with pytest.raises(ValueError, match=r"Streaming is required.*max_tokens=8193"):
            await client.messages.create(model=model, max_tokens=8_193, messages=USER)
        with pytest.raises(APIConnectionError):
            await client.messages.create(model=model, max_tokens=8_192, messages=USER)
        with pytest.raises(APIConnectionError):
            await client.messages.create(model=model, max_tokens=8_193, messages=USER, timeout=30.0)


@pytest.mark.parametrize(
    "timeout", [30.0, Timeout(60.0), Timeout(None)], ids=["float", "Timeout", "None"]
)
async def test_an_explicit_timeout_lifts_the_guard(timeout: float | Timeout | None) -> None:
    async with AsyncClaude(api_key="k", base_url=NOWHERE, max_retries=0) as client:
        with pytest.raises(APIConnectionError):
            await client.messages.create(
                model=MODEL, max_tokens=100_000, messages=USER, timeout=timeout
            )
        with pytest.raises(APIConnectionError):
            await client.with_options(timeout=timeout).messages.create(
                model=MODEL, max_tokens=100_000, messages=USER
            )
    async with AsyncClaude(
        api_key="k", base_url=NOWHERE, max_retries=0, timeout=timeout
    ) as configured:
        with pytest.raises(APIConnectionError):
            await configured.messages.create(model=MODEL, max_tokens=100_000, messages=USER)
        # Copies of a client with a timeout keep it.
        with pytest.raises(APIConnectionError):
            await configured.with_options(max_retries=0).messages.create(
                model=MODEL, max_tokens=100_000, messages=USER
            )


async def test_streaming_calls_are_never_guarded() -> None:
    async with AsyncClaude(api_key="k", base_url=NOWHERE, max_retries=0) as client:
        with pytest.raises(APIConnectionError):
            await client.messages.create(
                model=MODEL, max_tokens=100_000, messages=USER, stream=True
            )
        with pytest.raises(APIConnectionError):
            async with client.messages.stream(model=MODEL, max_tokens=100_000, messages=USER):
                pass


async def test_a_final_jsonl_line_without_a_newline_is_read() -> None:
    import anyio
    from anyio.abc import SocketStream

    from ._servers import raw_server, response

    lines = (
        b'{"custom_id":"r0","result":{"type":"canceled"}}\n\n'
        b'{"custom_id":"r1","result":{"type":"expired"}}\r\n'
        b'{"custom_id":"r2","result":{"type":"canceled"}}'
    )

    async def handler(stream: SocketStream, request: bytes) -> None:
        if b"/results" not in request.split(b"\r\n", 1)[0]:
            batch = (
                b'{"id":"b1","type":"message_batch","processing_status":"ended",'
                b'"request_counts":{"processing":0,"succeeded":0,"errored":0,"canceled":2,'
                b'"expired":1},"created_at":"2026-01-01T00:00:00Z",'
                b'"expires_at":"2026-01-02T00:00:00Z","ended_at":"2026-01-01T00:01:00Z",'
                b'"cancel_initiated_at":null,"archived_at":null,'
                b'"results_url":"http://127.0.0.1/v1/messages/batches/b1/results"}'
            )
            await stream.send(response(batch, headers={"content-type": "application/json"}))
            return
        # The last line arrives in its own chunk, and the body ends without a newline.
        head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        first, last = lines[:60], lines[60:]
        await stream.send(head + b"%x\r\n%s\r\n" % (len(first), first))
        await anyio.sleep(0.02)
        await stream.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(last), last))

    async with raw_server(handler) as srv:
        async with AsyncClaude(api_key="k", base_url=srv.url) as client:
            with anyio.fail_after(5):
                async with await client.messages.batches.results("b1") as results:
                    seen = [(r.custom_id, r.result.type) async for r in results]
            assert seen == [("r0", "canceled"), ("r1", "expired"), ("r2", "canceled")]
            assert client._transport is not None and client._transport.num_active == 0

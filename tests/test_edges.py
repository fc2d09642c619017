"""Edges: secrets, hard deadlines, what is (not) retried, leaks, truncated streams and
configuration checked before any I/O. Every client test talks to a real loopback server."""

from __future__ import annotations

import base64
import gc
import logging
import os
import threading
import traceback
from collections.abc import AsyncIterator, Callable

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClaude,
    Claude,
    ClaudeError,
    IncompleteStreamError,
    RateLimitError,
    RateLimitInfo,
    Timeout,
)
from anyio_claude.testing import ErrorReply, FakeClaude, Fault

from ._servers import raw_server, response, settled

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-api03-SECRETSECRET-0123456789"
PASSWORD = "hunter2-pass"


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(batch_speedup=5000) as fake:
        yield fake


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def everything_shown(exc: BaseException) -> str:
    """All an error can show: str, repr, its traceback, and the locals of every frame in
    it and in its cause/context chain that is not this test's own code (nor mutmut's
    trampolines, which hold a mutated function's arguments as they were passed)."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    pending = [traceback.TracebackException.from_exception(exc, capture_locals=True)]
    while pending:
        shown = pending.pop()
        for frame in shown.stack:
            if "/tests/" not in frame.filename and "/mutmut/" not in frame.filename:
                parts.append(repr(frame.locals))
        pending += [e for e in (shown.__cause__, shown.__context__) if e is not None]
    return "\n".join(parts)


def assert_hidden(exc: BaseException, *secrets: str) -> None:
    shown = everything_shown(exc)
    for secret in secrets:
        assert secret not in shown and secret[-12:] not in shown


def stream_body(*events: bytes) -> bytes:
    return b"".join(b"event: e\ndata: %s\n\n" % e for e in events)


START = (
    b'{"type":"message_start","message":{"id":"m","type":"message","role":"assistant",'
    b'"content":[],"model":"x","stop_reason":null,"stop_sequence":null,'
    b'"usage":{"input_tokens":1,"output_tokens":1}}}'
)
BLOCK = b'{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'
DELTA = b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}'
SSE = {"content-type": "text/event-stream"}


# ------------------------------------------------------------------------------ secrets


async def test_a_key_read_from_a_file_is_stripped(server: FakeClaude) -> None:
    async with AsyncClaude(api_key=f"  {KEY}\r\n", base_url=server.url) as client:
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert server.requests[-1].headers["x-api-key"] == KEY


@pytest.mark.parametrize(
    ("key", "error"),
    [
        (KEY[:10] + "\n" + KEY[10:], ValueError),
        (KEY[:10] + " " + KEY[10:], ValueError),
        (KEY + "\x00", ValueError),
        (" \n", ValueError),
        (12345, TypeError),
    ],
)
async def test_a_bad_key_is_refused_without_showing_it(
    server: FakeClaude, key: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="api_key") as info:
        AsyncClaude(api_key=key, base_url=server.url)  # type: ignore[arg-type]
    assert_hidden(info.value, KEY[:10], KEY[10:])
    with pytest.raises(error, match="auth_token") as info:
        AsyncClaude(auth_token=key, base_url=server.url)  # type: ignore[arg-type]
    assert_hidden(info.value, KEY[:10], KEY[10:])
    assert server.requests == []


async def test_the_key_is_in_no_traceback_even_with_locals(
    server: FakeClaude, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpcore's debug log included
    # An error raised by the constructor for another argument.
    with pytest.raises(ValueError, match="max_connections") as info:
        AsyncClaude(api_key=KEY, base_url=server.url, max_connections=0)
    assert_hidden(info.value, KEY)
    with pytest.raises(TypeError, match="max_retries") as info2:
        Claude(api_key=KEY, base_url=server.url, max_retries=None)  # type: ignore[arg-type]
    assert_hidden(info2.value, KEY)
    with Claude(base_url=server.url) as blocking, pytest.raises(ValueError) as info2:
        blocking.with_options(api_key=KEY, max_retries=-1)
    assert_hidden(info2.value, KEY)
    async with AsyncClaude(base_url=server.url) as client:
        with pytest.raises(ValueError) as info2:
            client.with_options(api_key=KEY, max_retries=-1)
        assert_hidden(info2.value, KEY)
    # A key passed as a header, next to a header that cannot be sent.
    for headers in (
        {"x-api-key": KEY, "x-count": 1},
        {"authorization": f"Bearer {KEY[:10]}\n{KEY[10:]}"},
    ):
        with pytest.raises((TypeError, ValueError), match="default_headers") as info6:
            AsyncClaude(base_url=server.url, default_headers=headers)  # type: ignore[arg-type]
        assert_hidden(info6.value, KEY, KEY[:10], KEY[10:])
    # A status error, a read timeout and a refused connection, raised mid-request.
    server.script(ErrorReply(401, "authentication_error", "invalid x-api-key"))
    async with AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(APIStatusError) as info3:
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert_hidden(info3.value, KEY)
    server.faults.append(Fault("stall", after_events=0))
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, max_retries=0, timeout=Timeout(read=0.2)
    ) as client:
        with pytest.raises(APITimeoutError) as info4:
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER, stream=True)
        assert_hidden(info4.value, KEY)
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    await listener.aclose()
    async with AsyncClaude(
        api_key=KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0
    ) as client:
        with pytest.raises(APIConnectionError) as info5:
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert_hidden(info5.value, KEY)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "send_request_headers" in logged and KEY not in logged


def test_transport_failures_leave_no_request_bytes_in_frame_locals() -> None:
    import httpcore

    from anyio_claude._http import Request
    from anyio_claude._secret import SecretBytes
    from anyio_claude._transport import _mapped

    # Stands in for httpcore's frame that holds the request's bytes when a write fails.
    namespace: dict[str, object] = {"httpcore": httpcore}
    source = "def write(bytes_to_send):\n    raise httpcore.WriteError('connection reset')\n"
    exec(compile(source, "httpcore/_async/http11.py", "exec"), namespace)
    write: Callable[[bytes], None] = namespace["write"]  # type: ignore[assignment]

    with pytest.raises(APIConnectionError) as info:
        request = Request("POST", b"/v1/messages", [(b"x-api-key", SecretBytes(KEY.encode()))], b"")
        with _mapped("request", "example:443", request, "https://example"):
            write(b"POST / HTTP/1.1\r\nx-api-key: " + KEY.encode() + b"\r\n\r\n")
    assert_hidden(info.value, KEY)


async def test_base_url_credentials_are_redacted_and_sent_as_basic_auth(
    server: FakeClaude,
) -> None:
    url = server.url.replace("http://", f"http://user:{PASSWORD}@")
    async with AsyncClaude(api_key=KEY, base_url=url) as client:
        assert PASSWORD not in client.base_url and PASSWORD not in repr(client)
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        basic = "Basic " + base64.b64encode(f"user:{PASSWORD}".encode()).decode()
        assert server.requests[-1].headers["authorization"] == basic
        # Copies, with a pool of their own or not, keep the credentials and their redaction.
        for copy in (client.with_options(max_retries=1), client.with_options(max_connections=2)):
            async with copy:
                assert PASSWORD not in repr(copy) and PASSWORD not in copy.base_url
                await copy.messages.create(model=MODEL, max_tokens=5, messages=USER)
            assert server.requests[-1].headers["authorization"] == basic
    with pytest.raises(ClaudeError, match="port") as info:
        AsyncClaude(api_key=KEY, base_url=f"http://user:{PASSWORD}@127.0.0.1:99999")
    assert_hidden(info.value, PASSWORD)
    with pytest.raises(ClaudeError, match="http") as info:
        AsyncClaude(api_key=KEY, base_url=f"ftp://user:{PASSWORD}@example.com")
    assert_hidden(info.value, PASSWORD)


async def test_credential_headers_with_capitalised_names_are_hidden_too(
    server: FakeClaude,
) -> None:
    # Header names are case-insensitive: `Authorization` and `X-Api-Key` as users spell
    # them are as secret as the lower-case names.
    headers = {"Authorization": f"Bearer {KEY}", "X-Api-Key": KEY, "Proxy-Authorization": KEY}
    server.script(ErrorReply(401, "authentication_error", "invalid x-api-key"))
    async with AsyncClaude(
        api_key="sk-placeholder", base_url=server.url, default_headers=headers, max_retries=0
    ) as client:
        assert KEY not in repr(client.default_headers)
        for copy in (client, client.with_options(default_headers={"X-Api-Key": KEY})):
            assert KEY not in repr(copy.default_headers)
        with pytest.raises(APIStatusError) as info:
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert_hidden(info.value, KEY)
        assert KEY not in repr(info.value.response.request.headers)
    assert server.requests[-1].headers["x-api-key"] == KEY
    assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    # A refused connection: the request's headers are in the frames of the transport.
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    await listener.aclose()
    async with AsyncClaude(
        api_key="sk-placeholder",
        base_url=f"http://127.0.0.1:{port}",
        default_headers=headers,
        max_retries=0,
    ) as client:
        with pytest.raises(APIConnectionError) as refused:
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert_hidden(refused.value, KEY)


async def test_a_password_holding_an_at_sign_is_redacted_whole(server: FakeClaude) -> None:
    password = "hunter2@pass-word"
    url = server.url.replace("http://", f"http://user:{password}@")
    async with AsyncClaude(api_key=KEY, base_url=url) as client:
        assert client.base_url == server.url.replace("http://", "http://***@")
        assert "pass-word" not in repr(client)
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        basic = "Basic " + base64.b64encode(f"user:{password}".encode()).decode()
        assert server.requests[-1].headers["authorization"] == basic
    with pytest.raises(ClaudeError, match="port") as info:
        AsyncClaude(api_key=KEY, base_url=f"http://user:{password}@127.0.0.1:99999")
    assert_hidden(info.value, "pass-word")


# ------------------------------------------------------------------- deadlines, retries


async def test_stream_retries_never_sleep_past_the_total_deadline() -> None:
    async with FakeClaude(faults=[Fault("reset_mid_body", after_events=0)]) as fake:
        async with AsyncClaude(
            api_key=KEY, base_url=fake.url, max_retries=10, timeout=Timeout(total=2.0)
        ) as client:
            started = anyio.current_time()
            with pytest.raises(APIConnectionError):
                async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER):
                    pass
            # Backoff sleeps that ignored the deadline would take 2.6 s at least.
            assert anyio.current_time() - started < 2.3


async def test_a_retry_after_beyond_the_deadline_raises_the_rate_limit_error_at_once(
    server: FakeClaude,
) -> None:
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, max_retries=5, timeout=Timeout(total=5)
    ) as client:
        for call in ("create", "stream"):
            server.script(ErrorReply(429, "rate_limit_error", "slow down", {"retry-after": "30"}))
            started = anyio.current_time()
            with pytest.raises(RateLimitError) as info:
                if call == "create":
                    await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
                else:
                    async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER):
                        pass
            assert anyio.current_time() - started < 2
            assert info.value.retry_after == 30.0
    assert len(server.requests) == 2


async def test_a_closed_client_fails_at_once(server: FakeClaude) -> None:
    client = AsyncClaude(api_key=KEY, base_url=server.url, max_retries=5)
    await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    await client.close()
    started = anyio.current_time()
    with pytest.raises(APIConnectionError, match="closed"):
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert anyio.current_time() - started < 1  # five retries would take 11 s at least
    assert len(server.requests) == 1


async def test_a_pool_timeout_is_not_retried(server: FakeClaude) -> None:
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, max_connections=1, max_retries=5
    ) as client:
        async with await client.messages.create(
            model=MODEL, max_tokens=50, messages=USER, stream=True
        ):
            started = anyio.current_time()
            with pytest.raises(APITimeoutError, match="pool"):
                await client.messages.create(
                    model=MODEL, max_tokens=5, messages=USER, timeout=Timeout(pool=0.1)
                )
            assert anyio.current_time() - started < 1  # retries would take 11 s at least


async def test_a_request_that_cannot_be_sent_is_not_retried(server: FakeClaude) -> None:
    async with AsyncClaude(api_key=KEY, base_url=server.url, max_retries=5) as client:
        started = anyio.current_time()
        with pytest.raises(APIConnectionError, match="could not be sent"):
            # A second, conflicting content-length: h11 refuses to send the request.
            await client.messages.create(
                model=MODEL, max_tokens=5, messages=USER, extra_headers={"content-length": "1"}
            )
        assert anyio.current_time() - started < 1  # retries would take 11 s at least
    assert server.requests == []


async def trickle_head(stream: SocketStream, request: bytes) -> None:
    for byte in b"HTTP/1.1 200 OK\r\n" + b"x-padding: " + b"a" * 10_000:
        await stream.send(bytes([byte]))
        await anyio.sleep(0.02)


async def test_a_trickling_response_head_is_bounded_by_the_read_timeout() -> None:
    async with raw_server(trickle_head) as srv:
        async with AsyncClaude(
            api_key=KEY, base_url=srv.url, max_retries=0, timeout=Timeout(read=0.5)
        ) as client:
            started = anyio.current_time()
            with anyio.fail_after(5), pytest.raises(APITimeoutError, match="head"):
                await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
            assert anyio.current_time() - started < 3


async def test_a_trickling_stream_head_is_bounded_by_stream_idle() -> None:
    async with raw_server(trickle_head) as srv:
        async with AsyncClaude(
            api_key=KEY,
            base_url=srv.url,
            max_retries=0,
            timeout=Timeout(read=60, stream_idle=0.5),
        ) as client:
            started = anyio.current_time()
            with anyio.fail_after(5), pytest.raises(APITimeoutError, match="head"):
                async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER):
                    pass
            assert anyio.current_time() - started < 3


def test_rate_limit_reset_times_with_any_fraction_of_a_second() -> None:
    headers = {
        "anthropic-ratelimit-requests-reset": "2026-01-01T12:00:30.1Z",
        "anthropic-ratelimit-tokens-reset": "2026-01-01T12:00:30.123456789Z",
        "anthropic-ratelimit-input-tokens-reset": "2026-01-01T17:30:30.12345+05:30",
        "anthropic-ratelimit-output-tokens-reset": "2026-01-01T12:00:30.1234",
    }
    info = RateLimitInfo.from_headers(headers)
    assert info.requests_reset is not None and info.requests_reset.microsecond == 100_000
    assert info.tokens_reset is not None and info.tokens_reset.microsecond == 123_456
    assert info.input_tokens_reset is not None
    assert info.input_tokens_reset.timestamp() == info.tokens_reset.timestamp() - 0.000006
    assert info.output_tokens_reset is not None
    assert info.output_tokens_reset.microsecond == 123_400


# -------------------------------------------------------------------------------- leaks


async def test_cancelling_tls_handshakes_leaves_no_socket_open() -> None:
    accepted: list[SocketStream] = []

    async def silent(stream: SocketStream) -> None:
        # Accepts TCP, never answers the TLS ClientHello; closes once the client has.
        accepted.append(stream)
        async with stream:
            try:
                while True:
                    await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                pass

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, silent)
        await anyio.sleep(0.05)
        fds = open_fds()
        async with AsyncClaude(
            api_key=KEY, base_url=f"https://127.0.0.1:{port}", verify=False
        ) as client:
            for _ in range(20):
                with anyio.move_on_after(0.02):
                    await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
            assert client._transport is not None and client._transport.num_connections == 0
            assert len(accepted) >= 10  # most were cancelled mid-handshake
            assert await settled(lambda: open_fds() <= fds)
        tg.cancel_scope.cancel()


async def test_an_abandoned_stream_frees_its_connection(server: FakeClaude) -> None:
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, max_connections=1, timeout=Timeout(pool=2)
    ) as client:
        stream = await client.messages.create(
            model=MODEL, max_tokens=50, messages=USER, stream=True
        )
        await stream.__anext__()
        with pytest.warns(ResourceWarning, match="unclosed"):
            del stream
            gc.collect()
        assert client._transport is not None and client._transport.num_active == 0
        with anyio.fail_after(1):
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert client._transport.num_connections == 1  # the abandoned one was closed


async def test_breaking_out_of_batch_results_frees_the_connection(server: FakeClaude) -> None:
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, max_connections=1, timeout=Timeout(pool=2)
    ) as client:
        params = {"model": MODEL, "max_tokens": 5, "messages": USER}
        batch = await client.messages.batches.create(
            requests=[{"custom_id": f"r{i}", "params": params} for i in range(3)]
        )
        while batch.processing_status != "ended":
            await anyio.sleep(0.01)
            batch = await client.messages.batches.retrieve(batch.id)
        with pytest.warns(ResourceWarning, match="unclosed"):
            async for _ in await client.messages.batches.results(batch.id):
                break
            gc.collect()
        with anyio.fail_after(1):
            await client.messages.batches.retrieve(batch.id)
        async with await client.messages.batches.results(batch.id) as results:
            async for _ in results:
                break
        with anyio.fail_after(1):
            await client.messages.batches.retrieve(batch.id)


async def test_total_bounds_reading_batch_results() -> None:
    async def handler(stream: SocketStream, request: bytes) -> None:
        if b"/results" not in request.split(b"\r\n", 1)[0]:
            batch = (
                b'{"id":"b1","type":"message_batch","processing_status":"ended",'
                b'"request_counts":{"processing":0,"succeeded":0,"errored":0,"canceled":2,'
                b'"expired":0},"created_at":"2026-01-01T00:00:00Z",'
                b'"expires_at":"2026-01-02T00:00:00Z","ended_at":"2026-01-01T00:01:00Z",'
                b'"cancel_initiated_at":null,"archived_at":null,'
                b'"results_url":"http://127.0.0.1/v1/messages/batches/b1/results"}'
            )
            await stream.send(response(batch, headers={"content-type": "application/json"}))
            return
        line = b'{"custom_id":"r0","result":{"type":"canceled"}}\n'
        await stream.send(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n%x\r\n%s\r\n" % (len(line), line)
        )
        await anyio.sleep_forever()  # the second line never comes

    async with raw_server(handler) as srv:
        async with AsyncClaude(
            api_key=KEY, base_url=srv.url, timeout=Timeout(read=60, total=0.5)
        ) as client:
            started = anyio.current_time()
            seen = []
            with anyio.fail_after(5), pytest.raises(APITimeoutError, match="overall"):
                async with await client.messages.batches.results("b1") as results:
                    async for result in results:
                        seen.append(result.custom_id)
            assert seen == ["r0"]
            assert anyio.current_time() - started < 3


# ----------------------------------------------------------------- streams that end wrong


async def test_a_stream_that_ends_before_message_stop_is_an_error() -> None:
    body = stream_body(START, BLOCK, DELTA)

    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(response(body, headers={**SSE, "request-id": "req_cut"}))

    async with raw_server(handler) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url) as client:
            with pytest.raises(IncompleteStreamError) as info:
                async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER) as s:
                    await s.get_final_message()
            with pytest.raises(IncompleteStreamError) as raw_info:
                async for _ in await client.messages.create(
                    model=MODEL, max_tokens=5, messages=USER, stream=True
                ):
                    pass
    for error in (info.value, raw_info.value):
        assert isinstance(error, APIConnectionError)
        assert error.request_id == "req_cut"
        assert error.partial_message is not None
        assert error.partial_message.content[0].text == "Hi"  # type: ignore[union-attr]
    assert len(srv.requests) == 2  # a stream is not retried after its first event


@pytest.mark.parametrize(
    ("reply", "status", "words"),
    [
        (
            response(b"<html>sign in</html>", headers={"content-type": "text/html"}),
            200,
            "text/html",
        ),
        (response(b"", headers=SSE), 200, "empty body"),
        (response(b"", status=204), 204, "empty body"),
    ],
)
async def test_a_reply_that_is_no_event_stream_is_a_validation_error(
    reply: bytes, status: int, words: str
) -> None:
    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(reply.replace(b"\r\n\r\n", b"\r\nrequest-id: req_x\r\n\r\n", 1))

    async with raw_server(handler) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url) as client:
            with pytest.raises(APIResponseValidationError, match=words) as info:
                async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER):
                    pass
            assert info.value.status_code == status and info.value.request_id == "req_x"
            assert str(status) in str(info.value)
            if status == 204:
                with pytest.raises(APIResponseValidationError, match=words):
                    await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert len(srv.requests) == (2 if status == 204 else 1)


# ----------------------------------------------------- configuration, before any I/O


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"max_connections": 0}, ValueError, "max_connections"),
        ({"max_connections": "10"}, TypeError, "max_connections"),
        ({"timeout": -1}, ValueError, "timeout"),
        ({"timeout": "30"}, TypeError, "timeout"),
        ({"max_retries": None}, TypeError, "max_retries"),
        ({"max_retries": -1}, ValueError, "max_retries"),
        ({"default_headers": {"x-count": 1}}, TypeError, "default_headers"),
        ({"default_headers": {"x-a": "b\r\nx-injected: 1"}}, ValueError, "default_headers"),
        ({"default_headers": {"bad name": "v"}}, ValueError, "default_headers"),
        ({"base_url": "http://127.0.0.1:99999"}, ClaudeError, "port"),
    ],
)
def test_bad_configuration_fails_at_construction(
    options: dict[str, object], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        AsyncClaude(api_key=KEY, **options)  # type: ignore[arg-type]


def test_bad_timeouts_name_the_field() -> None:
    with pytest.raises(ValueError, match="read"):
        Timeout(read=float("nan"))
    with pytest.raises(ValueError, match="stream_idle"):
        Timeout(stream_idle=-0.5)
    with pytest.raises(TypeError, match="total"):
        Timeout(total="60")  # type: ignore[arg-type]


async def test_bad_call_options_fail_before_sending(server: FakeClaude) -> None:
    async with AsyncClaude(api_key=KEY, base_url=server.url) as client:
        with pytest.raises(TypeError, match="extra_headers"):
            await client.messages.create(
                model=MODEL,
                max_tokens=5,
                messages=USER,
                extra_headers={"x-n": 1},  # type: ignore[dict-item]
            )
        with pytest.raises(ValueError, match="timeout"):
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER, timeout=-1)
        with pytest.raises(TypeError, match="max_retries"):
            client.with_options(max_retries="3")  # type: ignore[arg-type]
    assert server.requests == []


@pytest.mark.parametrize("second", ["asyncio", "trio"])
def test_a_client_is_bound_to_the_event_loop_it_first_ran_in(second: str) -> None:
    client = AsyncClaude(api_key=KEY, base_url="http://127.0.0.1:9", max_retries=0)

    async def use() -> None:
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)

    with pytest.raises(APIConnectionError):
        anyio.run(use, backend="asyncio")
    with pytest.raises(ClaudeError, match="bound to an asyncio event loop") as info:
        anyio.run(use, backend=second)
    assert not isinstance(info.value, APIConnectionError)


def test_a_closed_blocking_client_says_so_and_starts_no_thread() -> None:
    client = Claude(api_key=KEY, base_url="http://127.0.0.1:9")
    client.close()
    threads = threading.active_count()
    with pytest.raises(ClaudeError, match="closed"):
        client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert threading.active_count() == threads

"""Raw and streaming responses at their edges: text and lines decoded across chunk
boundaries, invalid UTF-8, CRLF, a body that does not decode, retries and reprs (found
unpinned by mutation testing, docs/contributing.md)."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import (
    APIResponseValidationError,
    APITimeoutError,
    AsyncClaude,
    ClaudeError,
    OutputValidationError,
    Timeout,
)
from anyio_claude.testing import FakeClaude, Fault
from anyio_claude.types import Message, TextBlock, Usage

from ._servers import Handler, raw_server

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-secret-1234567890"

# Split inside multi-byte characters, one piece only part of a character, CRLF and LF
# line ends, an invalid byte, and a last line cut inside a character without a newline.
PIECES = [b"caf\xc3", b"\xa9\r\nline two\r\n", b"\xe2", b"\x82\xac end\n", b"\xff last\xe2\x82"]
BODY = b"".join(PIECES)
TEXT = BODY.decode("utf-8", "replace")
LINES = ["caf\u00e9", "line two", "\u20ac end", "\ufffd last\ufffd"]


def in_pieces(pieces: list[bytes], request_id: str = "req_pieces") -> Handler:
    async def handler(stream: SocketStream, request: bytes) -> None:
        head = (
            f"HTTP/1.1 200 OK\r\ncontent-length: {sum(map(len, pieces))}\r\n"
            f"content-type: application/json\r\nrequest-id: {request_id}\r\n\r\n"
        )
        await stream.send(head.encode())
        for piece in pieces:
            await stream.send(piece)
            await anyio.sleep(0.02)  # each piece its own read

    return handler


@pytest.fixture
async def pieces_client() -> AsyncIterator[AsyncClaude]:
    async with (
        raw_server(in_pieces(PIECES)) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):
        yield client


async def test_streamed_text_lines_and_bytes_across_chunks(pieces_client: AsyncClaude) -> None:
    streaming = pieces_client.with_streaming_response.messages
    async with streaming.create(model=MODEL, max_tokens=10, messages=USER) as response:
        texts = [text async for text in response.iter_text()]
        assert response.is_closed
    assert "".join(texts) == TEXT and all(texts)  # no empty pieces, the cut tail kept
    async with streaming.create(model=MODEL, max_tokens=10, messages=USER) as response:
        lines = [line async for line in response.iter_lines()]
    assert lines == LINES
    async with streaming.create(model=MODEL, max_tokens=10, messages=USER) as response:
        chunks = [chunk async for chunk in response.iter_bytes()]
    assert b"".join(chunks) == BODY and all(chunks)


async def test_text_lines_and_bytes_of_a_body_read_already(pieces_client: AsyncClaude) -> None:
    streaming = pieces_client.with_streaming_response.messages
    async with streaming.create(model=MODEL, max_tokens=10, messages=USER) as response:
        assert await response.read() == BODY
        texts = [t async for t in response.iter_text()]
        assert "".join(texts) == TEXT and all(texts)
        assert [line async for line in response.iter_lines()] == LINES
        assert [c async for c in response.iter_bytes()] == [BODY]
        assert await response.text() == TEXT


async def test_a_body_that_does_not_decode_is_a_validation_error() -> None:
    body = b"<html>" + b"\xff" + b"x" * 600
    async with (
        raw_server(in_pieces([body], "req_html")) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):
        with pytest.raises(APIResponseValidationError) as info:
            await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    error = info.value
    assert str(error).startswith("could not decode the response body: message is not valid JSON: ")
    assert error.body == body.decode("utf-8", "replace")[:500]
    assert error.status_code == 200 and error.request_id == "req_html"
    assert error.request is not None and error.request.url == f"{server.url}/v1/messages"


async def test_a_structured_output_mismatch_carries_the_request() -> None:
    reply = Message(
        id="msg_01",
        type="message",
        role="assistant",
        content=[TextBlock(text="not json")],
        model=MODEL,
        stop_reason="end_turn",
        stop_sequence=None,
        usage=Usage(input_tokens=1, output_tokens=1),
    )
    async with FakeClaude() as fake, AsyncClaude(api_key=KEY, base_url=fake.url) as client:
        fake.script(reply)
        with pytest.raises(OutputValidationError) as info:
            await client.messages.parse(
                model=MODEL, max_tokens=10, messages=USER, output_format=dict[str, int]
            )
    error = info.value
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert error.request is not None and error.request.method == "POST"
    assert error.request.url == f"{fake.url}/v1/messages"


async def test_retries_reprs_and_the_errors_of_a_body_read_twice() -> None:
    async with (
        FakeClaude(faults=[Fault("overloaded", nth=1), Fault("overloaded", nth=3)]) as fake,
        AsyncClaude(api_key=KEY, base_url=fake.url) as client,
    ):
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=10, messages=USER
        )
        assert raw.retries_taken == 1
        assert repr(raw) == f"<AsyncAPIResponse [200] request-id={raw.request_id}>"
        async with client.messages.with_streaming_response.stream(
            model=MODEL, max_tokens=10, messages=USER
        ) as response:
            assert response.retries_taken == 1 and not response.is_closed
            with pytest.raises(
                ClaudeError,
                match=r"^this response's body is read through its stream: parse\(\)$",
            ):
                await response.read()
            await response.until_done()
        async with client.with_streaming_response.messages.create(
            model=MODEL, max_tokens=10, messages=USER
        ) as plain:
            assert plain.retries_taken == 0
            await plain.iter_bytes().__anext__()
            with pytest.raises(
                ClaudeError,
                match=r"^the body was already streamed \(or the response closed\): call read\(\) "
                r"before iterating, or keep what the iteration gives$",
            ):
                plain.iter_text()


async def test_a_body_ending_cleanly_gives_no_empty_text() -> None:
    async with (
        raw_server(in_pieces([b'{"a": 1}\n', b'{"b": 2}'])) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):
        streaming = client.with_streaming_response.messages
        async with streaming.create(model=MODEL, max_tokens=10, messages=USER) as response:
            texts = [text async for text in response.iter_text()]
    assert "".join(texts) == '{"a": 1}\n{"b": 2}' and all(texts)


async def test_elapsed_counts_from_sending_the_request() -> None:
    async def slow(stream: SocketStream, request: bytes) -> None:
        await anyio.sleep(0.3)
        await in_pieces([b"{}"])(stream, request)

    async with (
        raw_server(slow) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):
        streaming = client.with_streaming_response.messages
        async with streaming.create(model=MODEL, max_tokens=10, messages=USER) as response:
            assert response.elapsed >= datetime.timedelta(seconds=0.3)  # sleeps never end early


async def test_a_streaming_response_keeps_to_the_overall_timeout_while_reading_the_body() -> None:
    # `with_streaming_response` hands the body over unread: `Timeout.total` still bounds
    # reading it (docs/errors.md), whichever way it is read.
    async def stalling(stream: SocketStream, request: bytes) -> None:
        head = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\nrequest-id: req_slow\r\n\r\n"
        await stream.send(head + b'{"id": ')
        await anyio.sleep_forever()

    async with (
        raw_server(stalling) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):
        streaming = client.with_streaming_response.messages
        for how in ("read", "parse", "lines"):
            with anyio.fail_after(10):
                # The total must also cover connecting and the head: 0.3 s did not on a
                # loaded CI machine (a connect callback took 0.56 s), so 1 s.
                async with streaming.create(
                    model=MODEL, max_tokens=10, messages=USER, timeout=Timeout(30, total=1.0)
                ) as response:
                    with pytest.raises(APITimeoutError, match="while reading the body") as caught:
                        if how == "read":
                            await response.read()
                        elif how == "parse":
                            await response.parse()
                        else:
                            async for _ in response.iter_lines():
                                pass
            assert caught.value.request_id == "req_slow", how
            assert response.is_closed

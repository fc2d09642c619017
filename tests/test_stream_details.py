"""Stream details the mutation runs found unpinned: what the errors of a broken stream say
and carry (message, request id, cause, partial message), events out of order, several
events in one network chunk, reading a stream again after its end, `get_final_text`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import (
    APIResponseValidationError,
    APITimeoutError,
    AsyncClaude,
    EventProtocolError,
    IncompleteStreamError,
    OverloadedError,
    ProtocolError,
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


def text_block(index: int, text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "content_block_start",
            "index": index,
            "content_block": {"type": "text", "text": ""},
        },
        {
            "type": "content_block_delta",
            "index": index,
            "delta": {"type": "text_delta", "text": text},
        },
        {"type": "content_block_stop", "index": index},
    ]


END: list[dict[str, Any]] = [
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}},
    {"type": "message_stop"},
]


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as c:
        yield c


async def test_a_stream_cut_after_blocks_says_how_far_it_got(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.script([START, *text_block(0, "Hi"), *text_block(1, " there")])
    with pytest.raises(IncompleteStreamError) as info:
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
            await stream.until_done()
    assert info.value.message == (
        "the event stream ended after 2 content block(s) without message_stop: the message "
        "is incomplete (partial_message holds what arrived)"
    )
    assert info.value.partial_message is not None
    assert info.value.partial_message.id == "msg_1"


async def test_a_stream_cut_before_message_start_says_so(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.script([{"type": "ping"}])
    with pytest.raises(IncompleteStreamError) as info:
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
            await stream.until_done()
    assert info.value.message == (
        "the event stream ended before message_start without message_stop: the message "
        "is incomplete (partial_message holds what arrived)"
    )
    assert info.value.partial_message is None


@pytest.mark.parametrize("helper", [True, False], ids=["helper", "raw"])
async def test_an_error_event_with_its_own_request_id_keeps_it(
    client: AsyncClaude, server: FakeClaude, helper: bool
) -> None:
    error = {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
        "request_id": "req_from_the_event",
    }
    server.script([START, *text_block(0, "Hi"), error])
    with pytest.raises(OverloadedError) as info:
        if helper:
            async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as s:
                await s.until_done()
        else:
            raw = await client.messages.create(
                model=MODEL, max_tokens=10, messages=USER, stream=True
            )
            async with raw:
                async for _ in raw:
                    pass
    # The event's id names the failed request better than the 200 that carried it.
    assert info.value.request_id == "req_from_the_event"


async def test_an_error_event_ends_the_text_stream_after_the_text_before_it(
    client: AsyncClaude, server: FakeClaude
) -> None:
    error = {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
        "request_id": "req_from_the_event",
    }
    server.script([START, *text_block(0, "Hi"), error, *text_block(1, "never")])
    texts: list[str] = []
    with pytest.raises(OverloadedError) as info:
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
            async for text in stream.text_stream:
                texts.append(text)
    assert texts == ["Hi"]
    assert info.value.request_id == "req_from_the_event"
    assert info.value.status_code == 529
    assert info.value.partial_message is not None
    assert client._transport is not None and client._transport.num_active == 0


async def test_a_malformed_event_after_good_ones_carries_its_cause(
    client: AsyncClaude, server: FakeClaude
) -> None:
    good = f"event: message_start\ndata: {json.dumps(START)}\n\n".encode()
    server.script(good + b"event: content_block_start\ndata: {not json\n\n")
    seen: list[str] = []
    with pytest.raises(APIResponseValidationError) as info:
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
            async for event in stream:
                seen.append(event.type)
    assert seen == ["message_start"]
    error = info.value
    assert error.message.startswith("malformed stream event: ")
    assert isinstance(error.__cause__, EventProtocolError)
    assert error.message == f"malformed stream event: {error.__cause__}"
    assert error.status_code == 200
    assert error.request_id == stream.request_id and error.request_id is not None
    assert error.partial_message is not None and error.partial_message.id == "msg_1"


# A delta for a block that never started: the accumulator cannot apply it.
OUT_OF_ORDER = [
    START,
    {"type": "content_block_delta", "index": 3, "delta": {"type": "text_delta", "text": "x"}},
]


async def read_through(client: AsyncClaude, how: str, opened: list[Any]) -> None:
    """Open a stream (appended to `opened`) and read it to its end the way `how` names."""
    if how == "raw iteration":
        raw = await client.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True)
        opened.append(raw)
        async with raw:
            async for _ in raw:
                pass
        return
    async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as s:
        opened.append(s)
        if how == "until_done":
            await s.until_done()
        elif how == "text_stream":
            async for _ in s.text_stream:
                pass
        else:
            async for _ in s:
                pass


@pytest.mark.parametrize("how", ["helper iteration", "until_done", "raw iteration", "text_stream"])
async def test_events_out_of_order_fail_with_their_cause(
    client: AsyncClaude, server: FakeClaude, how: str
) -> None:
    server.script(OUT_OF_ORDER)
    opened: list[Any] = []
    with pytest.raises(APIResponseValidationError) as info:
        await read_through(client, how, opened)
    error = info.value
    assert isinstance(error.__cause__, ProtocolError)
    assert error.message == f"stream events out of order: {error.__cause__}"
    assert error.status_code == 200
    # The request the stream answered, as every error of the client carries it.
    assert error.request is not None and error.request.method == "POST"
    assert error.request.url == f"{server.url}/v1/messages"
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert error.partial_message is not None and error.partial_message.id == "msg_1"
    assert client._transport is not None and client._transport.num_active == 0


def sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(
        f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode() for event in events
    )


@pytest.mark.parametrize("how", ["helper iteration", "until_done", "raw iteration", "text_stream"])
@pytest.mark.parametrize("failure", ["error event", "out of order"])
async def test_a_failed_stream_yields_nothing_that_came_after_the_failure(
    client: AsyncClaude, server: FakeClaude, how: str, failure: str
) -> None:
    # The failing event and the ones after it arrive in one read: the stream ends at the
    # failure, as the official SDK's iterator does, and the snapshot stays as it was.
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    bad = error if failure == "error event" else OUT_OF_ORDER[-1]
    server.script(sse([START, *text_block(0, "Hi"), bad, *text_block(1, "after"), *END]))
    expected = OverloadedError if failure == "error event" else APIResponseValidationError
    opened: list[Any] = []
    with pytest.raises(expected):
        await read_through(client, how, opened)
    [stream] = opened
    assert [event async for event in stream] == []
    assert [block.text for block in stream.current_message_snapshot.content] == ["Hi"]
    if how != "raw iteration":
        assert [text async for text in stream.text_stream] == []
        # What arrived before the failure, as the official SDK's returns it then.
        message = await stream.get_final_message()
        assert [block.text for block in message.content] == ["Hi"]
        assert message.stop_reason is None


async def test_many_events_in_one_later_network_chunk_all_arrive_in_order() -> None:
    events = [START, *text_block(0, "a"), *text_block(1, "b"), *END]
    body = sse(events)

    async def one_chunk(stream: SocketStream, request: bytes) -> None:
        head = (
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        )
        # The first event alone (the stream is primed with it), then the rest at once.
        first = len(sse([START]))
        await stream.send(head.encode() + body[:first])
        await anyio.sleep(0.05)
        await stream.send(body[first:])

    async with raw_server(one_chunk) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url, max_retries=0) as client:
            for helper in (False, True):
                seen: list[str] = []
                if helper:
                    async with client.messages.stream(
                        model=MODEL, max_tokens=10, messages=USER
                    ) as stream:
                        async for event in stream:
                            seen.append(event.type)
                    seen = [t for t in seen if t not in ("text",)]
                else:
                    raw = await client.messages.create(
                        model=MODEL, max_tokens=10, messages=USER, stream=True
                    )
                    async with raw:
                        async for event in raw:
                            seen.append(event.type)
                assert seen == [e["type"] for e in events], helper


async def test_a_stream_read_to_its_end_yields_nothing_more(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.script([START, *text_block(0, "a"), *text_block(1, "b"), *END])
    async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
        message = await stream.get_final_message()
        assert [event async for event in stream] == []
        assert [text async for text in stream.text_stream] == []
    assert [block.text for block in message.content] == ["a", "b"]  # type: ignore[union-attr]


async def test_get_final_text_joins_every_text_block(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.script([START, *text_block(0, "Hello"), *text_block(1, ", world"), *END])
    async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
        assert await stream.get_final_text() == "Hello, world"


async def test_get_final_text_without_a_text_block_says_so(
    client: AsyncClaude, server: FakeClaude
) -> None:
    tool = [
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        },
        {"type": "content_block_stop", "index": 0},
    ]
    server.script([START, *tool, *END])
    async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
        with pytest.raises(RuntimeError, match=r"^the message has no text content block$"):
            await stream.get_final_text()


async def test_the_overall_timeout_mid_stream_says_so() -> None:
    start = f"event: message_start\ndata: {json.dumps(START)}\n\n".encode()

    async def stalls(stream: SocketStream, request: bytes) -> None:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nrequest-id: req_slow\r\n"
        await stream.send(head + b"transfer-encoding: chunked\r\n\r\n")
        await stream.send(b"%x\r\n%s\r\n" % (len(start), start))
        await anyio.sleep_forever()

    async with raw_server(stalls) as srv:
        async with AsyncClaude(
            api_key=KEY, base_url=srv.url, max_retries=0, timeout=Timeout(read=5, total=1.0)
        ) as client:
            with anyio.fail_after(5):
                with pytest.raises(APITimeoutError) as info:
                    async with client.messages.stream(
                        model=MODEL, max_tokens=5, messages=USER
                    ) as stream:
                        await stream.until_done()
    assert info.value.message == "the request's overall timeout expired mid-stream"
    assert info.value.request_id == "req_slow"


@pytest.mark.parametrize(
    ("body", "content_type", "message", "kept"),
    [
        (
            b"<html>sign\xff in</html>",
            "text/html; charset=utf-8",
            "expected an event stream, got HTTP 200 with content-type text/html; "
            "charset=utf-8 and 21 bytes",
            "<html>sign\ufffd in</html>",
        ),
        (
            b"",
            None,
            "expected an event stream, got HTTP 200 with content-type (none) and an empty body",
            "",
        ),
        (
            b"x" * 4096,
            "text/plain",
            "expected an event stream, got HTTP 200 with content-type text/plain and 4096+ bytes",
            "x" * 500,
        ),
        (
            b"y" * 4095,
            "text/plain",
            "expected an event stream, got HTTP 200 with content-type text/plain and 4095 bytes",
            "y" * 500,
        ),
    ],
    ids=["html", "nothing", "at the 4 KiB read cap", "under it"],
)
async def test_a_reply_that_is_no_event_stream_says_what_it_was(
    body: bytes, content_type: str | None, message: str, kept: str
) -> None:
    async def handler(stream: SocketStream, request: bytes) -> None:
        head = f"HTTP/1.1 200 OK\r\ncontent-length: {len(body)}\r\nrequest-id: req_x\r\n"
        if content_type is not None:
            head += f"content-type: {content_type}\r\n"
        # In two pieces: the client must gather them both.
        half = len(body) // 2
        await stream.send(head.encode() + b"\r\n" + body[:half])
        await anyio.sleep(0.02)
        await stream.send(body[half:])

    async with raw_server(handler) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url, max_retries=0) as client:
            with pytest.raises(APIResponseValidationError) as info:
                async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER):
                    pass
    assert info.value.message == message
    assert info.value.body == kept


async def test_text_stream_and_the_stream_share_one_position(
    client: AsyncClaude, server: FakeClaude
) -> None:
    # text_stream drives the stream's loop itself; taken in turns with the stream's own
    # events, nothing is lost or seen twice (text_stream passes over what is not text).
    server.script([START, *text_block(0, "one"), *text_block(1, "two"), *text_block(2, "3"), *END])
    seen: list[str] = []
    async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
        texts = stream.text_stream
        while True:
            try:
                seen.append("text " + await texts.__anext__())
                seen.append((await stream.__anext__()).type)
            except StopAsyncIteration:
                break
        message = await stream.get_final_message()
    stop = "content_block_stop"
    assert seen == ["text one", stop, "text two", stop, "text 3", stop]
    assert [block.text for block in message.content] == ["one", "two", "3"]  # type: ignore[union-attr]

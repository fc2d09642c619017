"""The AWS event-stream decoder: chunking never changes the messages, every broken frame
raises only `EventStreamProtocolError`, and it agrees with botocore's `EventStreamBuffer`."""

from __future__ import annotations

import itertools
import json
import struct
from typing import Any
from zlib import crc32

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anyio_claude import EventStreamProtocolError
from anyio_claude._eventstream import (
    BedrockEventDecoder,
    EventStreamDecoder,
    EventStreamMessage,
    HeaderValue,
    encode_message,
)
from anyio_claude.testing._messages import bedrock_chunk

names = st.text(min_size=1, max_size=12).filter(lambda s: len(s.encode()) < 256)
values: st.SearchStrategy[HeaderValue] = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.binary(max_size=20)
    | st.text(max_size=20)
)
messages = st.builds(
    EventStreamMessage, st.dictionaries(names, values, max_size=4), st.binary(max_size=64)
)


def decode_in(chunks: list[bytes]) -> list[EventStreamMessage]:
    decoder = EventStreamDecoder()
    out: list[EventStreamMessage] = []
    for chunk in chunks:
        out += decoder.feed(chunk)
    assert decoder.buffered == 0
    return out


@st.composite
def chunked(draw: st.DrawFn, data: bytes) -> list[bytes]:
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=10)))
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=200)
@given(st.lists(messages, max_size=5), st.data())
def test_any_chunking_gives_the_encoded_messages(
    sent: list[EventStreamMessage], data: st.DataObject
) -> None:
    wire = b"".join(encode_message(m.headers, m.payload) for m in sent)
    assert decode_in([wire]) == sent
    assert decode_in([wire[i : i + 1] for i in range(len(wire))]) == sent
    assert decode_in(data.draw(chunked(wire))) == sent


def test_known_frame_bytes() -> None:
    # The layout written out: prelude, one string header, the payload, the CRCs.
    head = b"\x0d:message-type\x07\x00\x05event"
    payload = b'{"bytes":"e30="}'
    total = 16 + len(head) + len(payload)
    prelude = struct.pack("!II", total, len(head))
    prelude += struct.pack("!I", crc32(prelude))
    frame = prelude + head + payload
    frame += struct.pack("!I", crc32(frame))
    assert encode_message({":message-type": "event"}, payload) == frame
    assert EventStreamDecoder().feed(frame) == [
        EventStreamMessage({":message-type": "event"}, payload)
    ]


def typed_header(kind: int, value: bytes) -> bytes:
    return b"\x01h" + bytes((kind,)) + value


def frame_of(head: bytes, payload: bytes = b"") -> bytes:
    total = 16 + len(head) + len(payload)
    prelude = struct.pack("!II", total, len(head))
    prelude += struct.pack("!I", crc32(prelude))
    body = prelude + head + payload
    return body + struct.pack("!I", crc32(body))


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        (0, b"", True),
        (1, b"", False),
        (2, b"\xff", -1),
        (3, b"\x80\x00", -32768),
        (4, b"\x00\x00\x01\x00", 256),
        (5, b"\xff" * 8, -1),
        (6, b"\x00\x02ab", b"ab"),
        (7, b"\x00\x02\xc3\xa9", "é"),
        (8, struct.pack("!q", 1_700_000_000_000), 1_700_000_000_000),
        (9, bytes(range(16)), bytes(range(16))),
    ],
)
def test_every_header_type(kind: int, raw: bytes, value: HeaderValue) -> None:
    [message] = EventStreamDecoder().feed(frame_of(typed_header(kind, raw)))
    assert message.headers == {"h": value}
    assert type(message.headers["h"]) is type(value)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (frame_of(b"", b"x")[:-1] + b"\x00", "message CRC mismatch"),
        (
            b"\x00\x00\x00\x10\x00\x00\x00\x00" + b"\x00\x00\x00\x00" + b"\x00" * 4,
            "prelude CRC mismatch",
        ),
        (frame_of(typed_header(10, b"")), "unknown header value type 10"),
        (frame_of(typed_header(7, b"\x00\x05ab")), "a header value runs past the headers"),
        (frame_of(typed_header(9, b"\x00" * 3)), "a UUID header value runs past the headers"),
        (frame_of(typed_header(4, b"\x00")), "a header runs past the headers"),
        (frame_of(b"\x05ab"), "a header runs past the headers"),
        (frame_of(b"\x01\xff\x00"), "a header name or string is not UTF-8"),
        (frame_of(typed_header(0, b"") + typed_header(1, b"")), "duplicate header 'h'"),
    ],
)
def test_broken_frames(frame: bytes, message: str) -> None:
    decoder = EventStreamDecoder()
    with pytest.raises(EventStreamProtocolError) as info:
        decoder.feed(frame)
    assert str(info.value) == message
    with pytest.raises(EventStreamProtocolError) as info:
        decoder.feed(frame_of(b""))
    assert str(info.value) == f"decoder is unusable after an earlier error: {message}"


def test_impossible_lengths_are_refused_at_the_prelude() -> None:
    def prelude(total: int, headers: int) -> bytes:
        head = struct.pack("!II", total, headers)
        return head + struct.pack("!I", crc32(head))

    with pytest.raises(EventStreamProtocolError, match="cannot hold 5 bytes"):
        EventStreamDecoder().feed(prelude(20, 5))
    with pytest.raises(EventStreamProtocolError, match="headers length 131073"):
        EventStreamDecoder().feed(prelude(200_000, 128 * 1024 + 1))
    # Refused from the prelude alone, before the payload is buffered.
    with pytest.raises(EventStreamProtocolError, match="payload length 101 exceeds 100"):
        EventStreamDecoder(max_payload_size=100).feed(prelude(117, 0))
    assert EventStreamDecoder(max_payload_size=100).feed(prelude(116, 0)) == []
    with pytest.raises(ValueError, match=r"^max_payload_size must not be negative$"):
        EventStreamDecoder(max_payload_size=-1)
    # Headers of exactly 128 KiB are allowed (the decoder waits for the rest), and a cap
    # of 0 allows messages without a payload.
    assert EventStreamDecoder().feed(prelude(16 + 128 * 1024, 128 * 1024)) == []
    assert EventStreamDecoder(max_payload_size=0).feed(frame_of(b"")) == [
        EventStreamMessage({}, b"")
    ]


def test_a_cut_message_stays_buffered_and_close_ends_the_decoder() -> None:
    frame = frame_of(typed_header(0, b""), b"payload")
    decoder = EventStreamDecoder()
    assert decoder.feed(frame + frame[:-3]) == [EventStreamMessage({"h": True}, b"payload")]
    assert decoder.buffered == len(frame) - 3
    decoder.close()
    decoder.close()
    assert decoder.buffered == 0
    with pytest.raises(EventStreamProtocolError, match=r"^decoder is closed$"):
        decoder.feed(b"")


def test_encoder_refuses_what_the_framing_cannot_carry() -> None:
    with pytest.raises(ValueError, match="1 to 255 bytes"):
        encode_message({"": 1}, b"")
    with pytest.raises(ValueError, match="1 to 255 bytes"):
        encode_message({"x" * 256: 1}, b"")
    with pytest.raises(ValueError, match="longer than 65535"):
        encode_message({"h": "x" * 65536}, b"")
    assert EventStreamDecoder().feed(encode_message({"h": 2**31}, b"")) == [
        EventStreamMessage({"h": 2**31}, b"")
    ]


@pytest.mark.parametrize(
    ("value", "kind"),
    [(0, 4), (-(2**31), 4), (2**31 - 1, 4), (2**31, 5), (-(2**31) - 1, 5), (-(2**63), 5)],
)
def test_integers_are_32_bit_unless_they_do_not_fit(value: int, kind: int) -> None:
    frame = encode_message({"h": value}, b"")
    assert frame[12:15] == b"\x01h" + bytes((kind,))
    assert EventStreamDecoder().feed(frame) == [EventStreamMessage({"h": value}, b"")]


def test_long_strings_and_a_uuid_before_another_header() -> None:
    # Lengths are unsigned 16-bit: 65,535 bytes fit, and a length past 32,767 is not negative.
    for value in ("x" * 32_768, b"y" * 65_535, "z" * 65_535):
        sent = EventStreamMessage({"h": value, "after": True}, b"p")
        wire = encode_message(sent.headers, sent.payload)
        assert EventStreamDecoder().feed(wire) == [sent] == botocore_decode(wire)
    uuid = bytes(range(16))
    [got] = EventStreamDecoder().feed(frame_of(typed_header(9, uuid) + b"\x01k" + b"\x00"))
    assert got.headers == {"h": uuid, "k": True}


# Random bytes rarely pass the prelude CRC, so garbage headers are also framed with valid CRCs.
garbage = st.binary(max_size=200) | st.builds(
    frame_of, st.binary(max_size=40), st.binary(max_size=8)
)


@settings(max_examples=500)
@given(garbage, st.data())
def test_garbage_raises_only_our_error(garbage: bytes, data: st.DataObject) -> None:
    decoder = EventStreamDecoder()
    try:
        for chunk in data.draw(chunked(garbage)):
            decoder.feed(chunk)
    except EventStreamProtocolError:
        pass


@settings(max_examples=300)
@given(st.lists(messages, min_size=1, max_size=3), st.integers(0, 10_000), st.integers(0, 255))
def test_a_flipped_byte_is_caught(sent: list[EventStreamMessage], where: int, flip: int) -> None:
    wire = bytearray(b"".join(encode_message(m.headers, m.payload) for m in sent))
    where %= len(wire)
    wire[where] ^= flip or 1
    decoder = EventStreamDecoder()
    # CRC-32 catches every single-byte error, so a flipped byte never yields wrong messages:
    # the stream fails, or (a flipped length) waits for bytes that never come.
    try:
        got = decoder.feed(bytes(wire))
    except EventStreamProtocolError:
        return
    assert got == sent[: len(got)]
    assert len(got) < len(sent)


botocore_eventstream = pytest.importorskip("botocore.eventstream")


def botocore_decode(wire: bytes) -> list[EventStreamMessage]:
    buffer = botocore_eventstream.EventStreamBuffer()
    buffer.add_data(wire)
    return [EventStreamMessage(m.headers, m.payload) for m in buffer]


@settings(max_examples=200)
@given(st.lists(messages, max_size=5), st.data())
def test_same_messages_as_botocore(sent: list[EventStreamMessage], data: st.DataObject) -> None:
    wire = b"".join(encode_message(m.headers, m.payload) for m in sent)
    assert decode_in(data.draw(chunked(wire))) == botocore_decode(wire) == sent


@settings(max_examples=500)
@given(garbage)
def test_what_we_accept_botocore_accepts_alike(garbage: bytes) -> None:
    try:
        ours = EventStreamDecoder().feed(garbage)
    except EventStreamProtocolError:
        return
    buffer = botocore_eventstream.EventStreamBuffer()
    buffer.add_data(garbage)
    theirs = [EventStreamMessage(m.headers, m.payload) for m in buffer]
    assert ours == theirs


# ------------------------------------------------------------------- Bedrock payloads

event_json = st.dictionaries(
    st.sampled_from(["index", "text", "x"]), st.integers() | st.text(max_size=10), max_size=3
).map(lambda d: json.dumps({"type": "content_block_delta", **d}).encode())
bedrock_messages = st.lists(
    st.one_of(
        event_json.map(lambda e: ("chunk", e)),
        st.tuples(
            st.sampled_from(["throttlingException", "validationException"]),
            st.text(max_size=20),
        ).map(lambda t: ("exception", t)),
        st.tuples(st.text(max_size=8), st.text(max_size=20)).map(lambda t: ("error", t)),
        st.just(("other", b"")),
    ),
    max_size=6,
)


def bedrock_wire(items: list[tuple[str, Any]]) -> bytes:
    out = []
    for kind, value in items:
        if kind == "chunk":
            out.append(bedrock_chunk(value))
        elif kind == "exception":
            headers = {":message-type": "exception", ":exception-type": value[0]}
            out.append(encode_message(dict(headers), json.dumps({"message": value[1]}).encode()))
        elif kind == "error":
            headers = {
                ":message-type": "error",
                ":error-code": value[0],
                ":error-message": value[1],
            }
            out.append(encode_message(dict(headers), b""))
        else:  # a message type the decoder does not know: skipped
            out.append(encode_message({":message-type": "event", ":event-type": "other"}, b"{}"))
    return b"".join(out)


def expected_events(items: list[tuple[str, Any]]) -> list[Any]:
    out: list[Any] = []
    for kind, value in items:
        if kind == "chunk":
            out.append(json.loads(value))
        elif kind in ("exception", "error"):
            out.append({"type": "error", "error": {"type": value[0], "message": value[1]}})
    return out


@settings(max_examples=200)
@given(bedrock_messages, st.data())
def test_bedrock_events_under_any_chunking(
    items: list[tuple[str, Any]], data: st.DataObject
) -> None:
    wire = bedrock_wire(items)
    decoder = BedrockEventDecoder()
    got = [json.loads(e) for chunk in data.draw(chunked(wire)) for e in decoder.feed_data(chunk)]
    assert got == expected_events(items)
    assert decoder.buffered == 0


@settings(max_examples=200, deadline=None)  # the first call loads botocore's service model
@given(bedrock_messages)
def test_bedrock_events_match_the_official_decoder(items: list[tuple[str, Any]]) -> None:
    from anthropic.lib.bedrock._stream_decoder import AWSEventStreamDecoder

    wire = bedrock_wire(items)
    official = [json.loads(sse.data) for sse in AWSEventStreamDecoder().iter_bytes(iter([wire]))]
    ours = [json.loads(e) for e in BedrockEventDecoder().feed_data(wire)]
    assert ours == official


@settings(max_examples=300)
@given(st.binary(max_size=60), st.data())
def test_bedrock_garbage_payloads_raise_only_our_error(payload: bytes, data: st.DataObject) -> None:
    headers = {":message-type": "event", ":event-type": "chunk"}
    wire = encode_message(dict(headers), payload) + data.draw(st.binary(max_size=40))
    decoder = BedrockEventDecoder()
    try:
        for chunk in data.draw(chunked(wire)):
            decoder.feed_data(chunk)
    except EventStreamProtocolError:
        pass


def test_the_events_before_a_broken_frame_come_with_the_error() -> None:
    good = bedrock_chunk(b'{"type":"ping"}')
    decoder = BedrockEventDecoder()
    with pytest.raises(EventStreamProtocolError, match="message CRC") as info:
        decoder.feed_data(good + good[:-1] + b"\x00")
    assert info.value.decoded == [b'{"type":"ping"}']
    chunk = {":message-type": "event", ":event-type": "chunk"}
    for payload in (b"not json", b'{"bytes": 1}', b'{"bytes": "!!"}', b"{}"):
        with pytest.raises(EventStreamProtocolError, match="chunk payload"):
            BedrockEventDecoder().feed_data(encode_message(dict(chunk), payload))


@pytest.mark.parametrize(
    ("headers", "payload", "error"),
    [
        # A payload that is not JSON: its text is the message (botocore's reading).
        (
            {":message-type": "exception", ":exception-type": "throttlingException"},
            b"Too many requests, slow down",
            {"type": "throttlingException", "message": "Too many requests, slow down"},
        ),
        (
            {":message-type": "exception", ":exception-type": "throttlingException"},
            b"",
            {"type": "throttlingException", "message": ""},
        ),
        # Not UTF-8 either: replacement characters, never a UnicodeDecodeError.
        (
            {":message-type": "exception", ":exception-type": "throttlingException"},
            b"slow \xff down",
            {"type": "throttlingException", "message": "slow \ufffd down"},
        ),
        # No type header at all.
        ({":message-type": "exception"}, b"not json", {"type": "", "message": "not json"}),
        # `Message`, when there is no `message`.
        (
            {":message-type": "exception", ":exception-type": "validationException"},
            b'{"Message": "capitalised"}',
            {"type": "validationException", "message": "capitalised"},
        ),
        (
            {":message-type": "exception", ":exception-type": "validationException"},
            b'{"message": "lower", "Message": "capitalised"}',
            {"type": "validationException", "message": "lower"},
        ),
        # Header values that are not strings are never passed on as the type or message.
        ({":message-type": "exception", ":exception-type": 5}, b"{}", {"type": "", "message": ""}),
        (
            {":message-type": "error", ":error-code": 5, ":error-message": True},
            b"",
            {"type": "", "message": ""},
        ),
        ({":message-type": "error"}, b"", {"type": "", "message": ""}),
    ],
)
def test_bedrock_error_events_of_odd_failure_messages(
    headers: dict[str, HeaderValue], payload: bytes, error: dict[str, str]
) -> None:
    wire = encode_message(headers, payload)
    assert [json.loads(e) for e in BedrockEventDecoder().feed_data(wire)] == [
        {"type": "error", "error": error}
    ]


@pytest.mark.parametrize("payload", [b"Too many requests, slow down", b""])
def test_an_exception_payload_that_is_not_json_matches_the_official_decoder(
    payload: bytes,
) -> None:
    from anthropic.lib.bedrock._stream_decoder import AWSEventStreamDecoder

    headers: dict[str, HeaderValue] = {
        ":message-type": "exception",
        ":exception-type": "throttlingException",
    }
    wire = encode_message(headers, payload)
    official = [json.loads(sse.data) for sse in AWSEventStreamDecoder().iter_bytes(iter([wire]))]
    assert [json.loads(e) for e in BedrockEventDecoder().feed_data(wire)] == official

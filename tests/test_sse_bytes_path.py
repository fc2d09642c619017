"""The bytes path (`SSEDecoder.feed_data` + `decode_event(bytes)`) equals the general one.

The stream helpers hand msgspec the raw `data:` bytes of each event; users of `feed` get
`ServerSentEvent.data` text. For any stream and any chunking both must give the same
events, the same errors and the same drift tolerance (invalid UTF-8 read as U+FFFD).
"""

from __future__ import annotations

import json
import re
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anyio_claude._errors import EventProtocolError
from anyio_claude.sse import SSEDecoder, SSEProtocolError
from anyio_claude.streaming import decode_event

from ._events import event_streams
from .test_sse_properties import chunked, sse_garbage

Outcome = tuple[str, Any]


def general(chunks: list[bytes], **kwargs: int) -> list[str]:
    decoder = SSEDecoder(**kwargs)
    return [event.data for chunk in chunks for event in decoder.feed(chunk)]


def bytes_path(chunks: list[bytes], **kwargs: int) -> list[bytes | str]:
    decoder = SSEDecoder(**kwargs)
    return [data for chunk in chunks for data in decoder.feed_data(chunk)]


def as_text(data: bytes | str) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


def outcome(data: bytes | str) -> Outcome:
    try:
        event = decode_event(data)
    except EventProtocolError as exc:
        return "error", str(exc)
    return type(event).__name__, event.to_dict()


@st.composite
def encoded_events(draw: st.DrawFn) -> list[bytes]:
    """Claude events as a server may frame them, some with invalid UTF-8 or garbage."""
    events = draw(event_streams() | event_streams(drift=True))
    framed = []
    for event in events:
        data = json.dumps(event, ensure_ascii=draw(st.booleans())).encode()
        damage = draw(st.sampled_from(["none", "none", "utf8", "json", "shape"]))
        if damage == "utf8" and b'"' in data:
            # An invalid byte inside a string, or a multi-byte character cut short.
            at = data.index(b'"') + 1
            data = (
                data[:at]
                + draw(st.sampled_from([b"\xff", b"\xe2\x82", b"\xed\xa0\x80"]))
                + data[at:]
            )
        elif damage == "json":
            data = data[: draw(st.integers(0, len(data)))]
        name = draw(st.sampled_from([event["type"].encode(), b"x_" + event["type"].encode(), b""]))
        shape = draw(
            st.sampled_from(["common", "common", "no event", "no space", "two lines", "id"])
        )
        if damage == "shape" or shape == "two lines":
            # JSON allows LF between tokens, so data split over two lines stays valid.
            cut = data.find(b", ")
            lines = [data] if cut < 0 else [data[: cut + 1], data[cut + 2 :]]
            framed.append(
                b"event: " + name + b"\n" + b"".join(b"data: " + x + b"\n" for x in lines)
            )
        elif shape == "no event":
            framed.append(b"data: " + data + b"\n")
        elif shape == "no space":
            framed.append(b"event: " + name + b"\ndata:" + data + b"\n")
        elif shape == "id":
            framed.append(b": comment\nid: 7\nevent: " + name + b"\ndata: " + data + b"\n")
        else:
            framed.append(b"event: " + name + b"\ndata: " + data + b"\n")
    return framed


# Framed events joined with one kind of line ending, and where to cut them into chunks.
_ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r"])
_CUTS = st.lists(st.integers(0), max_size=12)


def joined(framed: list[bytes], ending: bytes) -> bytes:
    return b"".join(block.replace(b"\n", ending) + ending for block in framed)


@settings(max_examples=300, deadline=None)
@given(encoded_events(), _ENDINGS, _CUTS)
def test_bytes_path_decodes_the_same_events_as_the_general_path(
    framed: list[bytes], ending: bytes, cuts: list[int]
) -> None:
    body = joined(framed, ending)
    texts = general([body])
    assert texts == general(chunked(body, cuts))  # the general path ignores chunking
    for chunks in ([body], chunked(body, cuts)):
        datas = bytes_path(chunks)
        assert [as_text(d) for d in datas] == texts
        assert [outcome(d) for d in datas] == [outcome(t) for t in texts]


# What `feed_data` promises to give as raw bytes: an event of one `event:` line, then one
# `data:` line, each with its space, and nothing else. Every other event gives text.
_COMMON_SHAPE = re.compile(rb"event: [^\n]*\ndata: ([^\n]*)\n")


@settings(max_examples=300, deadline=None)
@given(encoded_events(), _ENDINGS, _CUTS)
def test_feed_data_gives_raw_bytes_for_exactly_the_common_shape(
    framed: list[bytes], ending: bytes, cuts: list[int]
) -> None:
    # In a chunk that mixes shapes, each event takes the per-event shortcut or the general
    # rules; which one must not depend on the neighbours or on where the chunks are cut.
    body = joined(framed, ending)
    expected = [match[1] if (match := _COMMON_SHAPE.fullmatch(block)) else str for block in framed]
    for chunks in ([body], chunked(body, cuts)):
        datas = bytes_path(chunks)
        assert [d if isinstance(d, bytes) else str for d in datas] == expected


@settings(max_examples=300, deadline=None)
@given(sse_garbage, st.lists(st.integers(min_value=0), max_size=10), st.none() | st.integers(1, 64))
def test_feed_data_on_garbage_gives_the_data_feed_gives(
    data: bytes, cuts: list[int], cap: int | None
) -> None:
    kwargs = {} if cap is None else {"max_event_size": cap}
    results = []
    for path in (general, bytes_path):
        try:
            results.append([as_text(d) for d in path(chunked(data, cuts), **kwargs)])
        except SSEProtocolError as exc:
            results.append([f"error: {exc}"])
    assert results[0] == results[1]


def test_feed_data_keeps_invalid_utf8_as_bytes_and_decode_event_replaces_it() -> None:
    body = b'event: ping\ndata: {"type": "ping", "x_new": "\xff"}\n\n'
    (data,) = SSEDecoder().feed_data(body)
    assert data == b'{"type": "ping", "x_new": "\xff"}'
    assert decode_event(data).to_dict() == {"type": "ping", "x_new": "\ufffd"}


def test_feed_data_updates_id_and_retry_on_the_general_path() -> None:
    decoder = SSEDecoder()
    assert decoder.feed_data(b"id: 5\nretry: 300\ndata: a\ndata: b\n\n") == ["a\nb"]
    assert (decoder.last_event_id, decoder.retry) == ("5", 300)


@pytest.mark.parametrize("size", [64 * 1024])
def test_an_event_in_one_byte_feeds_copies_each_byte_a_bounded_number_of_times(size: int) -> None:
    # Re-copying the whole unterminated tail on every feed costs size**2 / 2 bytes for an
    # event fed byte by byte. Sum what each feed allocates at its peak beyond what it had,
    # leaving out the small objects every call makes (lists, slices, frames, and the
    # per-call records of a tracer: about 2 KiB a feed under mutmut's statistics run).
    body = b"event: x\ndata: " + b"a" * size + b"\n\n"
    decoder = SSEDecoder()
    transient = 0
    tracemalloc.start()
    try:
        for i in range(len(body) - 1):
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            decoder.feed(body[i : i + 1])
            transient += max(0, tracemalloc.get_traced_memory()[1] - before - 4096)
        events = decoder.feed(body[-1:])
    finally:
        tracemalloc.stop()
    assert [len(event.data) for event in events] == [size]
    assert transient < 4 * len(body)

"""SSE decoder: the WHATWG examples and the known traps, each fed three ways."""

from __future__ import annotations

import pytest

from anyio_claude.sse import ServerSentEvent, SSEDecoder, SSEProtocolError


def feed_all(chunks: list[bytes], **kwargs: int) -> list[ServerSentEvent]:
    decoder = SSEDecoder(**kwargs)
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    decoder.close()
    return events


def tr(stream: bytes, expected: list[ServerSentEvent]) -> None:
    """Assert `stream` decodes to `expected` whole, byte by byte, and split anywhere."""
    assert feed_all([stream]) == expected
    assert feed_all([stream[i : i + 1] for i in range(len(stream))]) == expected
    for cut in range(1, len(stream)):
        assert feed_all([stream[:cut], stream[cut:]]) == expected, f"split at {cut}"


def ev(
    data: str, event: str = "message", id: str = "", retry: int | None = None
) -> ServerSentEvent:
    return ServerSentEvent(event, data, id, retry)


def test_claude_shape() -> None:
    tr(
        b'event: message_start\ndata: {"type":"message_start"}\n\n'
        b'event: ping\ndata: {"type": "ping"}\n\n',
        [ev('{"type":"message_start"}', "message_start"), ev('{"type": "ping"}', "ping")],
    )


def test_spec_stock_example() -> None:
    # WHATWG: comments are ignored, data lines are joined with LF.
    tr(
        b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
        [ev("first event", id="1"), ev("second event", id=""), ev(" third event", id="")],
    )


def test_spec_multiline_and_empty_data() -> None:
    tr(b"data\n\ndata\ndata\n\ndata:\n", [ev(""), ev("\n")])


def test_spec_space_after_colon_is_optional() -> None:
    tr(b"data:test\n\ndata: test\n\n", [ev("test"), ev("test")])


def test_spec_stock_ticker() -> None:
    tr(
        b"data: YHOO\ndata: +2\ndata: 10\n\n",
        [ev("YHOO\n+2\n10")],
    )


def test_id_persists_across_events() -> None:
    tr(
        b"id: 42\ndata: a\n\ndata: b\n\nid: 43\n\ndata: c\n\n",
        [ev("a", id="42"), ev("b", id="42"), ev("c", id="43")],
    )


def test_id_with_nul_is_ignored() -> None:
    tr(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", [ev("a", id="1"), ev("b", id="1")])


def test_retry_only_digits() -> None:
    tr(
        b"retry: 1500\ndata: a\n\nretry: 15x\ndata: b\n\nretry: -1\ndata: c\n\n",
        [ev("a", retry=1500), ev("b", retry=1500), ev("c", retry=1500)],
    )


def test_unterminated_event_is_discarded_at_close() -> None:
    tr(b"data: a\n\ndata: never dispatched\n", [ev("a")])
    tr(b"data: a\n\ndata: never", [ev("a")])


def test_event_without_data_is_not_dispatched_but_resets_type() -> None:
    tr(b"event: x\n\ndata: a\n\n", [ev("a")])


def test_empty_event_name_means_message() -> None:
    tr(b"event:\ndata: a\n\nevent: \ndata: b\n\n", [ev("a"), ev("b")])


def test_field_names_are_case_sensitive_and_unknown_fields_ignored() -> None:
    tr(b"Data: x\nDATA: y\nfoo: bar\ndata: z\n\n", [ev("z")])


def test_line_without_colon_is_a_field_with_empty_value() -> None:
    tr(b"data\nevent\n\n", [ev("")])


def test_only_one_leading_space_is_removed() -> None:
    tr(b"event:  spaced\ndata:   x  \n\n", [ev("  x  ", " spaced")])


def test_comments_anywhere() -> None:
    tr(b":c1\nevent: e\n: c2\ndata: a\n:\n\n", [ev("a", "e")])


@pytest.mark.parametrize("ending", [b"\n", b"\r", b"\r\n"])
def test_every_line_ending(ending: bytes) -> None:
    stream = ending.join([b"event: e", b"data: a", b"data: b", b"", b"data: c", b"", b""])
    tr(stream, [ev("a\nb", "e"), ev("c")])


def test_mixed_line_endings() -> None:
    tr(b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r", [ev("a\nb\nc"), ev("d")])


def test_crlf_split_across_chunks_is_one_line_ending() -> None:
    # A popular-parser trap: CR at a chunk end + LF at the next start must not be a blank line.
    assert feed_all([b"data: a\r", b"\ndata: b\r\n\r\n"]) == [ev("a\nb")]
    assert feed_all([b"data: a\r", b"\n", b"\r", b"\n"]) == [ev("a")]


def test_lone_cr_then_cr_lf() -> None:
    assert feed_all([b"data: a\r", b"\r\n"]) == [ev("a")]


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c"])
def test_unicode_separators_are_not_line_endings(sep: str) -> None:
    text = f"a{sep}b"
    tr(f"data: {text}\n\n".encode(), [ev(text)])


def test_bom_is_stripped_once() -> None:
    tr(b"\xef\xbb\xbfdata: a\n\n", [ev("a")])
    # A second BOM is part of the field name, so the line is an unknown field.
    tr(b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n", [ev("b")])


def test_bom_split_across_feeds() -> None:
    assert feed_all([b"\xef", b"\xbb", b"\xbfdata: a\n\n"]) == [ev("a")]


def test_partial_bom_prefix_that_is_not_a_bom() -> None:
    assert feed_all([b"\xef", b"data: a\n\n"]) == []
    assert feed_all([b"\xefdata: a\n\ndata: b\n\n"]) == [ev("b")]


def test_multibyte_utf8_split_at_every_byte() -> None:
    text = 'héllo → 世界 🎉 "q" \\ end'
    tr(f"event: t\ndata: {text}\n\n".encode(), [ev(text, "t")])


def test_invalid_utf8_becomes_replacement_character() -> None:
    tr(b"data: a\xffb\xc3\n\n", [ev("a\ufffdb\ufffd")])
    # The same in the shape the fast paths take, one event and several.
    tr(b"event: e\xff\ndata: a\xffb\n\n", [ev("a\ufffdb", "e\ufffd")])
    tr(b"event: e\ndata: \xc3\n\nevent: e\ndata: ok\n\n", [ev("\ufffd", "e"), ev("ok", "e")])
    # Next to an event of another shape, the common shape takes the per-event shortcut.
    tr(b"data: x\n\nevent: e\ndata: \xff\n\n", [ev("x"), ev("\ufffd", "e")])


def test_a_field_that_only_ends_in_data_is_not_data() -> None:
    # Looks like the common `event:` + `data:` shape, but the second field is `xdata`.
    tr(b"event: e\nxdata: y\n\n", [])
    tr(b"event: e\nxdata: y\n\nevent: f\ndata: z\n\n", [ev("z", "f")])


def test_only_the_unfinished_tail_is_kept_between_feeds() -> None:
    # Bytes of a finished event must not be read again with the next chunk: here its last
    # line would then end in a bare `id`, which resets the id.
    tr(
        b"id: 5\ndata: a\n\ndata: b\nxid\n\ndata: c\n\n",
        [ev("a", id="5"), ev("b", id="5"), ev("c", id="5")],
    )


def test_feed_after_close_raises() -> None:
    decoder = SSEDecoder()
    decoder.close()
    decoder.close()
    with pytest.raises(SSEProtocolError, match=r"^feed\(\) after close\(\)$"):
        decoder.feed(b"data: a\n\n")


def test_size_cap_raises_and_decoder_stays_errored() -> None:
    decoder = SSEDecoder(max_event_size=64)
    assert decoder.feed(b"data: small\n\n") == [ev("small")]
    with pytest.raises(SSEProtocolError, match="size cap"):
        decoder.feed(b"data: " + b"x" * 100 + b"\n\n")
    with pytest.raises(SSEProtocolError, match="unusable"):
        decoder.feed(b"data: ok\n\n")


def test_stream_without_line_breaks_hits_the_cap() -> None:
    decoder = SSEDecoder(max_event_size=1024)
    with pytest.raises(SSEProtocolError):
        for _ in range(100):
            decoder.feed(b"x" * 100)


def test_cap_counts_a_whole_event_arriving_in_one_chunk() -> None:
    with pytest.raises(SSEProtocolError, match=r"limit 10 bytes \(max_event_size\)$"):
        SSEDecoder(max_event_size=10).feed(b"data: 0123456789abcdef\n\n")


@pytest.mark.parametrize(
    "event",
    [b"data: 0123456789", b"event: e\ndata: 01", b"id: 7\ndata: 01234"],
    ids=["slow path", "fast path", "several lines"],
)
def test_an_event_of_exactly_the_cap_passes_and_one_more_byte_fails(event: bytes) -> None:
    # The cap is on an event's lines, their line endings included, before the blank line.
    cap = len(event)
    assert len(SSEDecoder(max_event_size=cap).feed(event + b"\n\n")) == 1
    assert len(SSEDecoder(max_event_size=cap).feed(b"data: ok\n\n" + event + b"\n\n")) == 2
    with pytest.raises(SSEProtocolError, match="size cap"):
        SSEDecoder(max_event_size=cap - 1).feed(event + b"\n\n")


def test_an_unterminated_tail_of_exactly_the_cap_is_kept() -> None:
    decoder = SSEDecoder(max_event_size=16)
    assert decoder.feed(b"data: 0123456789") == []  # 16 bytes buffered: at the cap
    assert decoder.feed(b"\n\n") == [ev("0123456789")]
    with pytest.raises(SSEProtocolError, match=r"17 bytes buffered .* limit 16 bytes"):
        SSEDecoder(max_event_size=16).feed(b"data: 0123456789A")


def test_invented_event_names_do_not_grow_memory() -> None:
    decoder = SSEDecoder()
    for i in range(200):
        name = f"kind{i}".encode()
        assert decoder.feed(b"event: " + name + b"\ndata: x\n\n") == [ev("x", f"kind{i}")]
    assert len(decoder._names) == 64  # a small cache of the first names, never more


def test_properties_report_id_and_retry() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"id: 5\nretry: 20\n\n")
    assert decoder.last_event_id == "5"
    assert decoder.retry == 20


def test_invalid_cap() -> None:
    with pytest.raises(ValueError, match=r"^max_event_size must be positive$"):
        SSEDecoder(max_event_size=0)


def test_a_bom_after_the_first_byte_is_not_stripped() -> None:
    # Only the stream's first bytes can be a BOM; after a blank line it is part of a name.
    tr(b"\n\xef\xbb\xbfdata: a\n\ndata: b\n\n", [ev("b")])
    tr(b"\r\n\xef\xbb\xbfdata: a\n\ndata: b\n\n", [ev("b")])


def test_the_cap_applies_from_the_first_bytes() -> None:
    # Two bytes that cannot start a BOM are already an unterminated tail over the cap.
    with pytest.raises(SSEProtocolError, match="2 bytes buffered"):
        SSEDecoder(max_event_size=1).feed(b"ab")


def test_blank_lines_before_an_event_do_not_count_toward_the_cap() -> None:
    decoder = SSEDecoder(max_event_size=8)
    assert decoder.feed(b"\n\ndata: 12") == []  # the 8 bytes after the blank line: at the cap
    assert decoder.feed(b"\n\n") == [ev("12")]


@pytest.mark.parametrize("method", ["feed", "feed_data"])
def test_the_cap_applies_to_the_tail_after_a_blank_line_that_starts_the_buffer(
    method: str,
) -> None:
    # The only blank line is the buffer's first two bytes: no event, but the 9 bytes after
    # it are an unterminated tail over the cap, arriving in one chunk or after a lone LF.
    with pytest.raises(SSEProtocolError, match="9 bytes buffered"):
        getattr(SSEDecoder(max_event_size=8), method)(b"\n\ndata: 123")
    decoder = SSEDecoder(max_event_size=8)
    assert getattr(decoder, method)(b"\n") == []
    with pytest.raises(SSEProtocolError, match="9 bytes buffered"):
        getattr(decoder, method)(b"\ndata: 123")


def test_a_control_byte_in_an_event_name_is_not_a_line_break() -> None:
    # BEL (0x07) inside the line: one `event` field, no `data` line, so nothing to dispatch.
    tr(b"event: a\x07data: x\n\n", [])

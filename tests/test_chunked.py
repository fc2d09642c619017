"""The chunked body decoder (`_transport/_chunked.py`): any split of the bytes gives the same
body, garbage raises only `ChunkedError`, and it agrees with h11 (which it replaces between
a response's head and its terminal chunk) on any input."""

from __future__ import annotations

import itertools

import h11
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from anyio_claude._transport._chunked import ChunkedDecoder, ChunkedError

MAX_LINE = 100 * 1024
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def _h11_after_head() -> h11.Connection:
    connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_LINE)
    connection.send(h11.Request(method="POST", target="/", headers=[("host", "x")]))
    connection.send(h11.EndOfMessage())
    connection.receive_data(HEAD)
    assert type(connection.next_event()) is h11.Response
    return connection


def _drain(connection: h11.Connection, body: list[bytes]) -> str | None:
    """Take h11's events: the outcome ("done", "error") or None if it needs more data."""
    while True:
        try:
            event = connection.next_event()
        except h11.ProtocolError:
            return "error"
        if event is h11.NEED_DATA:
            return None
        if type(event) is h11.Data:
            body.append(bytes(event.data))
        elif type(event) is h11.EndOfMessage:
            return "done"


def by_h11(pieces: list[bytes]) -> tuple[bytes, str]:
    """h11 alone: the body and how it ended ("done", "error" or "incomplete")."""
    connection = _h11_after_head()
    body: list[bytes] = []
    for piece in pieces:
        connection.receive_data(piece)
        outcome = _drain(connection, body)
        if outcome is not None:
            return b"".join(body), outcome
    return b"".join(body), "incomplete"


def by_us(pieces: list[bytes]) -> tuple[bytes, str]:
    """The decoder until the terminal chunk, then h11, as `Response.next_chunk` reads."""
    decoder = ChunkedDecoder(MAX_LINE)
    connection: h11.Connection | None = None
    body: list[bytes] = []
    for piece in pieces:
        if connection is None:
            if decoder.error is not None:
                return b"".join(body), "error"
            try:
                body.append(decoder.feed(piece))
            except ChunkedError:
                return b"".join(body), "error"
            if not decoder.done:
                continue
            connection = _h11_after_head()
            piece = decoder.rest
        connection.receive_data(piece)
        outcome = _drain(connection, body)
        if outcome is not None:
            return b"".join(body), outcome
    if decoder.error is not None:
        return b"".join(body), "error"
    return b"".join(body), "incomplete"


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


extension = st.sampled_from([b"", b";name=value", b";x", b"; a=1 ; b", b";\r"])
whitespace = st.sampled_from([b"", b" ", b"\t", b" \t "])
size_spelling = st.sampled_from(["%x", "%X", "0%x", "00%x"])


@st.composite
def chunked_bodies(draw: st.DrawFn) -> bytes:
    """A well-formed chunked body: chunks, extensions, odd spellings, trailers."""
    out = b""
    for chunk in draw(st.lists(st.binary(min_size=1, max_size=40), max_size=8)):
        spelled = (draw(size_spelling) % len(chunk)).encode()
        out += spelled + draw(extension) + draw(whitespace) + b"\r\n" + chunk + b"\r\n"
    out += b"0" + draw(extension) + b"\r\n"
    for name in draw(st.lists(st.sampled_from([b"x-a", b"x-b"]), max_size=2)):
        out += name + b": v\r\n"
    return out + b"\r\n"


cuts = st.lists(st.integers(min_value=0, max_value=10_000), max_size=12)


@given(chunked_bodies(), cuts)
# A chunk whose data looks like a whole chunk, in a read of its own (not the fast path).
@example(b"8\r\n3\r\nabc\r\n\r\n0\r\n\r\n", [3, 11])
def test_any_split_of_a_well_formed_body_decodes_whole(data: bytes, where: list[int]) -> None:
    whole = by_us([data])
    assert whole[1] == "done"
    assert by_us(split(data, where)) == whole == by_h11([data])


@given(chunked_bodies(), cuts, st.integers(min_value=0), st.integers(min_value=0, max_value=255))
@example(b"5\r\nhello\r\n0\r\n\r\n", [], 10, ord("X"))  # a chunk's CRLF that is not one
@example(b"5\r\nhello\r\n0\r\n\r\n", [], 0, ord("g"))  # a size that is not hex
def test_a_corrupted_body_is_judged_as_h11_judges_it(
    data: bytes, where: list[int], at: int, byte: int
) -> None:
    index = at % len(data)
    corrupted = data[:index] + bytes([byte]) + data[index + 1 :]
    pieces = split(corrupted, where)
    assert by_us(pieces) == by_h11(pieces)


@given(st.binary(max_size=200), cuts)
@example(b"3\r\nabc\r\n4\r\nxyz", [8])
@example(b"1\r\nab\r\n", [])
@example(b"\r\n5\r\nhello\r\n0\r\n\r\n", [])  # an empty chunk header, first in a read
@example(b"3\r\nabc\r\n\r\n0\r\n\r\n", [8])  # and after a chunk, first in the next read
@example(b"5\r\nhello3\r\nabc\r\n", [8])  # a chunk's CRLF missing, then a whole chunk
def test_garbage_raises_only_chunked_error_and_agrees_with_h11(
    data: bytes, where: list[int]
) -> None:
    pieces = split(data, where)
    assert by_us(pieces) == by_h11(pieces)


def test_body_bytes_before_an_error_in_the_same_read_come_first() -> None:
    decoder = ChunkedDecoder(MAX_LINE)
    assert decoder.feed(b"5\r\nhello\r\nzz\r\n") == b"hello"
    assert isinstance(decoder.error, ChunkedError)
    with pytest.raises(ChunkedError, match="illegal chunk header"):
        decoder.feed(b"")
    # Whatever comes next (here a well-formed chunk) raises it again.
    with pytest.raises(ChunkedError, match="illegal chunk header"):
        decoder.feed(b"3\r\nabc\r\n")


def test_a_chunk_header_that_never_ends_is_an_error() -> None:
    decoder = ChunkedDecoder(16)
    assert decoder.feed(b"a" * 10) == b""
    with pytest.raises(ChunkedError, match=r"^chunk header too long$"):
        decoder.feed(b";" * 10)


def test_the_terminal_chunk_and_what_follows_are_left_for_h11() -> None:
    decoder = ChunkedDecoder(MAX_LINE)
    assert decoder.feed(b"3\r\nabc\r\n0\r\nx-t: 1\r\n\r\nHTTP/1.1") == b"abc"
    assert decoder.done
    assert decoder.rest == b"0\r\nx-t: 1\r\n\r\nHTTP/1.1"


def test_a_chunk_without_its_crlf_is_named() -> None:
    decoder = ChunkedDecoder(1024)
    assert decoder.feed(b"5\r\nhello") == b"hello"
    with pytest.raises(
        ChunkedError, match=r"malformed chunk footer: b'X\\r' \(expected b'\\r\\n'\)"
    ):
        decoder.feed(b"X\r\n")
    decoder = ChunkedDecoder(1024)
    assert decoder.feed(b"5\r\nhello\r") == b"hello"
    with pytest.raises(ChunkedError, match=r"malformed chunk footer: b'X' \(expected b'\\n'\)"):
        decoder.feed(b"X")


def test_an_illegal_chunk_header_is_named_with_its_crlf() -> None:
    with pytest.raises(ChunkedError, match=r"^illegal chunk header: b'zz\\r\\n'$"):
        ChunkedDecoder(MAX_LINE).feed(b"zz\r\n5\r\nhello\r\n")


@pytest.mark.parametrize("length", [15, 16, 17, 18])
def test_a_chunk_header_may_grow_to_max_line_as_in_h11(length: int) -> None:
    # h11 refuses an incomplete event longer than its max_incomplete_event_size, not one
    # of that size.
    connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=16)
    connection.send(h11.Request(method="POST", target="/", headers=[("host", "x")]))
    connection.send(h11.EndOfMessage())
    connection.receive_data(HEAD + b"a" * length)
    assert type(connection.next_event()) is h11.Response
    decoder = ChunkedDecoder(16)
    if length <= 16:
        assert connection.next_event() is h11.NEED_DATA
        assert decoder.feed(b"a" * length) == b""
    else:
        with pytest.raises(h11.RemoteProtocolError):
            connection.next_event()
        with pytest.raises(ChunkedError, match=r"^chunk header too long$"):
            decoder.feed(b"a" * length)


@pytest.mark.parametrize("data", [b"hello", b"sixteen bytes!!!", b"x" * 0xABC])
def test_a_whole_chunk_in_one_read_takes_the_one_read_path(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The read of a live stream, one chunk per read: decoded without the general framing
    # loop (the per-read cost the module exists for).
    decoder = ChunkedDecoder(MAX_LINE)
    whole = b"%x\r\n%s\r\n" % (len(data), data)

    def general(self: ChunkedDecoder, data: bytes) -> bytes:
        raise AssertionError("the general path")

    monkeypatch.setattr(ChunkedDecoder, "_feed", general)
    assert decoder.feed(whole) == data
    assert decoder.feed(whole) == data
    assert not decoder.done

"""SSE decoder properties: chunking never changes the events; garbage raises only our error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anyio_claude.sse import ServerSentEvent, SSEDecoder, SSEProtocolError

# Values may hold anything but the line-ending characters, and NUL in ids.
value_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=20
)
name_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)


@st.composite
def event_specs(draw: st.DrawFn) -> dict[str, object]:
    return {
        "event": draw(st.none() | st.just("") | name_text),
        # Lines of data; a multi-line data value is sent as several data fields.
        "data": draw(st.lists(value_text, min_size=1, max_size=4)),
        "id": draw(st.none() | value_text.filter(lambda s: "\x00" not in s)),
        "retry": draw(st.none() | st.integers(min_value=0, max_value=10**9)),
        "comments": draw(st.lists(value_text, max_size=2)),
    }


@st.composite
def encoded_streams(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    specs = draw(st.lists(event_specs(), max_size=8))
    lines: list[str] = []
    expected: list[ServerSentEvent] = []
    last_id = ""
    retry: int | None = None
    for spec in specs:
        for comment in spec["comments"]:  # type: ignore[attr-defined]
            lines.append(":" + comment)
        if spec["event"] is not None:
            lines.append(f"event: {spec['event']}")
        if spec["id"] is not None:
            lines.append(f"id: {spec['id']}")
            last_id = spec["id"]  # type: ignore[assignment]
        if spec["retry"] is not None:
            lines.append(f"retry: {spec['retry']}")
            retry = spec["retry"]  # type: ignore[assignment]
        for piece in spec["data"]:  # type: ignore[attr-defined]
            space = draw(st.booleans())
            # Without the optional space a value starting with a space would lose nothing.
            lines.append(f"data: {piece}" if space or piece.startswith(" ") else f"data:{piece}")
        lines.append("")
        expected.append(
            ServerSentEvent(
                spec["event"] or "message",  # type: ignore[arg-type]
                "\n".join(spec["data"]),  # type: ignore[arg-type]
                last_id,
                retry,
            )
        )
    endings = draw(
        st.lists(st.sampled_from(["\n", "\r", "\r\n"]), min_size=len(lines), max_size=len(lines))
    )
    body, previous = "", ""
    for line, end in zip(lines, endings, strict=False):
        # A lone CR followed by an empty line ending in LF would read as one CRLF.
        if previous == "\r" and not line and end == "\n":
            end = "\r\n"
        body += line + end
        previous = end
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + body).encode(), expected


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(data[start:point])
        start = point
    pieces.append(data[start:])
    return pieces


def decode(chunks: list[bytes], **kwargs: int) -> list[ServerSentEvent]:
    decoder = SSEDecoder(**kwargs)
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    decoder.close()
    return events


def after_each_cr(data: bytes) -> list[int]:
    """Cut points between every CR and the byte after it: where CRLF handling breaks."""
    return [i + 1 for i, byte in enumerate(data) if byte == 0x0D]


def blocks(data: bytes) -> list[bytes]:
    """The events' lines as the decoder sees them (line endings normalised, no BOM)."""
    text = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return text.split(b"\n\n")


@settings(max_examples=300, deadline=None)
@given(encoded_streams(), st.lists(st.integers(min_value=0), max_size=12), st.data())
def test_any_chunking_gives_the_expected_events(
    stream: tuple[bytes, list[ServerSentEvent]], cuts: list[int], data_st: st.DataObject
) -> None:
    data, expected = stream
    assert decode([data]) == expected
    assert decode(chunked(data, cuts)) == expected
    crs = after_each_cr(data)
    assert decode(chunked(data, crs)) == expected
    if crs:
        some = data_st.draw(st.lists(st.sampled_from(crs), max_size=4), label="cuts after CR")
        assert decode(chunked(data, some + cuts)) == expected


# Lines built from the pieces that mean something to an event stream, so that garbage often
# forms events (random bytes almost never do).
sse_fields = st.sampled_from([b"data", b"event", b"id", b"retry", b"", b"Data", b"\xef\xbb\xbf"])
sse_values = st.sampled_from(
    [b"", b":", b": ", b":  x", b": 12", b":\x00", b": \xe2\x82", b"\xac", b"\xff", b"x:y"]
)
sse_endings = st.sampled_from([b"\n", b"\r", b"\r\n", b"\n\n", b"\r\r", b"\r\n\r\n", b""])
sse_garbage = st.lists(st.tuples(sse_fields, sse_values, sse_endings), max_size=20).map(
    lambda lines: b"".join(b"".join(line) for line in lines)
) | st.binary(max_size=300)


@settings(max_examples=300, deadline=None)
@given(sse_garbage, st.lists(st.integers(min_value=0), max_size=10))
def test_garbage_ignores_chunking(data: bytes, cuts: list[int]) -> None:
    # Under the default cap nothing here is an error: the decoder takes any bytes.
    whole = decode([data])
    assert decode(chunked(data, cuts)) == whole
    assert decode(chunked(data, after_each_cr(data))) == whole
    assert decode([data[i : i + 1] for i in range(len(data))]) == whole


@settings(max_examples=300, deadline=None)
@given(sse_garbage, st.integers(min_value=1, max_value=64), st.lists(st.integers(min_value=0)))
def test_small_cap_on_garbage_raises_only_our_error(data: bytes, cap: int, cuts: list[int]) -> None:
    try:
        events = decode(chunked(data, cuts), max_event_size=cap)
    except SSEProtocolError:
        return
    assert all(len(event.data.encode()) <= cap for event in events)


@settings(max_examples=300, deadline=None)
@given(encoded_streams(), st.data())
def test_size_cap_is_enforced_whatever_the_chunking(
    stream: tuple[bytes, list[ServerSentEvent]], data_st: st.DataObject
) -> None:
    data, expected = stream
    cap = data_st.draw(st.integers(min_value=1, max_value=len(data) + 2), label="cap")
    cuts = data_st.draw(st.lists(st.integers(min_value=0), max_size=8), label="cuts")
    largest = max(len(block) for block in blocks(data))
    for chunks in ([data], chunked(data, cuts)):
        if largest + 1 <= cap:
            # Every event fits, even buffered with the first LF of its terminating blank line.
            assert decode(chunks, max_event_size=cap) == expected
        elif any(len(event.data.encode()) > cap for event in expected):
            with pytest.raises(SSEProtocolError, match="size cap"):
                decode(chunks, max_event_size=cap)

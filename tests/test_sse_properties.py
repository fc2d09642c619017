"""SSE decoder properties: chunking never changes the events; garbage raises only our error."""

from __future__ import annotations

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


@settings(max_examples=300, deadline=None)
@given(encoded_streams(), st.lists(st.integers(min_value=0), max_size=12))
def test_any_chunking_gives_the_expected_events(
    stream: tuple[bytes, list[ServerSentEvent]], cuts: list[int]
) -> None:
    data, expected = stream
    assert decode([data]) == expected
    assert decode(chunked(data, cuts)) == expected


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=0), max_size=10))
def test_garbage_raises_only_our_error_and_ignores_chunking(data: bytes, cuts: list[int]) -> None:
    try:
        whole = decode([data])
    except SSEProtocolError:
        whole = None
    try:
        pieces = decode(chunked(data, cuts))
    except SSEProtocolError:
        pieces = None
    if whole is not None and pieces is not None:
        assert whole == pieces


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=200).map(lambda b: b.replace(b"\x00", b"")) | st.just(b"x" * 200),
    st.integers(min_value=1, max_value=64),
    st.lists(st.integers(min_value=0), max_size=10),
)
def test_small_cap_raises_only_our_error(data: bytes, cap: int, cuts: list[int]) -> None:
    try:
        events = decode(chunked(data, cuts), max_event_size=cap)
    except SSEProtocolError:
        return
    assert all(len(event.data.encode()) <= cap for event in events)

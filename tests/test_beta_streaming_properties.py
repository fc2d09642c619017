"""Beta streams: our accumulator against the official SDK's beta accumulator, event by event,
whatever the chunking of the SSE bytes; damaged beta streams raise only our errors."""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from anyio_claude._errors import ClaudeError
from anyio_claude.sse import SSEDecoder
from anyio_claude.streaming import MessageAccumulator, decode_event

from ._events import beta_event_streams
from .test_sse_bytes_path import joined
from .test_sse_properties import chunked, sse_garbage
from .test_streaming_properties import broken_streams, ours, strip_none

ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r"])
CUTS = st.lists(st.integers(0), max_size=12)


def official_beta_snapshots(events: list[dict[str, Any]]) -> list[Any]:
    """The official beta accumulator's snapshot after each event, as plain JSON."""
    import httpx2
    from anthropic.lib.streaming._beta_messages import accumulate_event

    snapshot: Any = None
    json_bufs: dict[int, bytes] = {}
    snapshots = []
    for event in events:
        snapshot = accumulate_event(
            event=copy.deepcopy(event),  # type: ignore[arg-type]
            current_snapshot=snapshot,
            json_bufs=json_bufs,
            request_headers=httpx2.Headers(),
        )
        snapshots.append(strip_none(snapshot.to_dict(mode="json", warnings=False)))
    return snapshots


def framed(event: dict[str, Any], ascii_only: bool) -> bytes:
    """`event` as the API frames it (a damaged one may have junk for its `type`)."""
    name = event.get("type")
    data = json.dumps(event, ensure_ascii=ascii_only).encode()
    return b"event: " + str(name).encode() + b"\ndata: " + data + b"\n"


@settings(max_examples=200, deadline=None)
@given(beta_event_streams(), ENDINGS, CUTS, st.booleans(), st.booleans(), st.booleans())
def test_every_snapshot_matches_the_official_beta_accumulator_under_any_chunking(
    events: list[dict[str, Any]],
    ending: bytes,
    cuts: list[int],
    ascii_only: bool,
    as_bytes: bool,
    read_every: bool,
) -> None:
    expected = official_beta_snapshots(events)
    body = joined([framed(e, ascii_only) for e in events], ending)
    decoder, acc = SSEDecoder(), MessageAccumulator()
    seen = 0
    for chunk in chunked(body, cuts):
        # The stream helpers' bytes path, or the text every `feed` user gets.
        datas = decoder.feed_data(chunk) if as_bytes else [e.data for e in decoder.feed(chunk)]
        for data in datas:
            acc.update(decode_event(data))
            if read_every:
                assert ours(acc.snapshot) == expected[seen], events[seen]
            seen += 1
    decoder.close()
    assert seen == len(events)
    assert ours(acc.snapshot) == expected[-1]


@settings(max_examples=300, deadline=None)
@given(
    broken_streams(beta_event_streams()),
    ENDINGS,
    CUTS,
    st.lists(st.tuples(st.integers(0), sse_garbage), max_size=2),
    st.none() | st.integers(1, 512),
)
def test_damaged_beta_streams_raise_only_our_errors(
    events: list[dict[str, Any]],
    ending: bytes,
    cuts: list[int],
    garbage: list[tuple[int, bytes]],
    cap: int | None,
) -> None:
    body = joined([framed(e, True) for e in events], ending)
    for at, junk in garbage:
        at %= len(body) + 1
        body = body[:at] + junk + body[at:]
    decoder = SSEDecoder() if cap is None else SSEDecoder(max_event_size=cap)
    acc = MessageAccumulator()
    try:
        for chunk in chunked(body, cuts):
            for data in decoder.feed_data(chunk):
                acc.update(decode_event(data))
                if acc.started:
                    acc.snapshot.to_dict()
        decoder.close()
    except ClaudeError:
        pass


@settings(max_examples=200, deadline=None)
@given(broken_streams(beta_event_streams()))
def test_damaged_beta_events_raise_only_our_errors(events: list[dict[str, Any]]) -> None:
    acc = MessageAccumulator()
    try:
        for event in events:
            acc.update(decode_event(msgspec.json.encode(event)))
            if acc.started:
                acc.snapshot.to_dict()
    except ClaudeError:
        pass

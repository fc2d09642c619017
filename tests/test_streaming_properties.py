"""Accumulator properties: random valid streams vs a naive reference model and the official SDK."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import jiter
import msgspec
from hypothesis import example, given, settings
from hypothesis import strategies as st

from anyio_claude._errors import EventProtocolError
from anyio_claude.streaming import MessageAccumulator, decode_event, parse_partial_json
from anyio_claude.types import ErrorEvent, MessageStreamEvent
from anyio_claude.types._decode import decode_events

from ._events import event_streams, json_object, json_value

SKIP = object()


def strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_none(v) for k, v in value.items() if v is not None and v is not SKIP}
    if isinstance(value, list):
        return [strip_none(v) for v in value]
    return value


class Reference:
    """Deliberately naive: dicts, `+=`, and a full re-parse of the tool JSON every delta."""

    def __init__(self) -> None:
        self.message: dict[str, Any] | None = None
        self.json: dict[int, str] = {}

    def update(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "message_start":
            self.message = copy.deepcopy(event["message"])
            return
        assert self.message is not None
        content = self.message["content"]
        if kind == "content_block_start":
            content.append(copy.deepcopy(event["content_block"]))
        elif kind == "content_block_delta":
            block, delta, index = content[event["index"]], event["delta"], event["index"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] = delta["signature"]
            elif delta["type"] == "citations_delta":
                block["citations"] = [*(block.get("citations") or []), delta["citation"]]
            elif delta["type"] == "input_json_delta":
                self.json[index] = self.json.get(index, "") + delta["partial_json"]
                try:
                    block["input"] = jiter.from_json(self.json[index].encode(), partial_mode=True)
                except ValueError:
                    block["input"] = SKIP  # jiter rejects this prefix: nothing to compare
        elif kind == "content_block_stop":
            if event["index"] in self.json:
                content[event["index"]]["input"] = json.loads(self.json[event["index"]])
        elif kind == "message_delta":
            # Every key of the delta is a key of the message: known ones and newer ones.
            self.message.update(event["delta"])
            for name, value in event["usage"].items():
                if value is not None:
                    self.message["usage"][name] = value


def ours(snapshot: Any) -> Any:
    return strip_none(snapshot.to_dict())


def comparable(reference: dict[str, Any]) -> Any:
    ref = copy.deepcopy(reference)
    skip_inputs = [i for i, b in enumerate(ref["content"]) if b.get("input", None) is SKIP]
    return strip_none(ref), skip_inputs


def drop_inputs(message: Any, indexes: list[int]) -> Any:
    for i in indexes:
        message["content"][i].pop("input", None)
    return message


def contains(ours: Any, theirs: Any) -> bool:
    """Whether `ours` holds everything `theirs` does (None in `theirs` counts as absent)."""
    if isinstance(theirs, dict):
        return isinstance(ours, dict) and all(
            v is None or (k in ours and contains(ours[k], v)) for k, v in theirs.items()
        )
    if isinstance(theirs, list):
        return (
            isinstance(ours, list)
            and len(ours) == len(theirs)
            and all(contains(a, b) for a, b in zip(ours, theirs, strict=True))
        )
    return bool(ours == theirs)


@settings(max_examples=150, deadline=None)
@given(event_streams() | event_streams(drift=True))
def test_every_intermediate_snapshot_matches_the_reference(events: list[dict[str, Any]]) -> None:
    acc, ref = MessageAccumulator(), Reference()
    for event in events:
        acc.update(decode_event(json.dumps(event)))
        if event["type"] in ("ping", "future_event"):
            continue
        ref.update(event)
        expected, skipped = comparable(ref.message)  # type: ignore[arg-type]
        assert drop_inputs(ours(acc.snapshot), skipped) == drop_inputs(expected, skipped)


@settings(max_examples=150, deadline=None)
@given(event_streams() | event_streams(drift=True))
def test_final_snapshot_read_once_matches_the_reference(events: list[dict[str, Any]]) -> None:
    acc, ref = MessageAccumulator(), Reference()
    for event in events:
        acc.update(decode_event(json.dumps(event).encode()))
        if event["type"] not in ("ping", "future_event"):
            ref.update(event)
    expected, skipped = comparable(ref.message)  # type: ignore[arg-type]
    assert not skipped
    assert ours(acc.snapshot) == expected


@settings(max_examples=100, deadline=None)
@given(event_streams() | event_streams(drift=True))
def test_differential_against_the_official_sdk(events: list[dict[str, Any]]) -> None:
    from anthropic.lib.streaming._messages import accumulate_event

    mystery = {
        e["index"] for e in events if e.get("content_block", {}).get("type") == "mystery_block"
    }
    known = [
        e
        for e in events
        if e["type"] not in ("ping", "future_event") and e.get("index") not in mystery
    ]
    # Renumber the blocks the official SDK cannot type (it would coerce the unknown block).
    renumber: dict[int, int] = {}
    for e in known:
        if e["type"] == "content_block_start":
            renumber[e["index"]] = len(renumber)
    known = [{**e, "index": renumber[e["index"]]} if "index" in e else e for e in known]
    acc = MessageAccumulator()
    official: Any = None
    json_bufs: dict[int, bytes] = {}
    for event in known:
        acc.update(decode_event(json.dumps(event)))
        official = accumulate_event(
            event=copy.deepcopy(event),  # type: ignore[arg-type]
            current_snapshot=official,
            json_bufs=json_bufs,
        )
    final = known[-2]
    if any(k.startswith("x_") for k in (*final["delta"], *final["usage"])):
        # The official SDK drops unknown keys of `message_delta`'s delta and usage; we keep them.
        assert contains(ours(acc.snapshot), official.to_dict(warnings=False))
    else:
        assert ours(acc.snapshot) == strip_none(official.to_dict(warnings=False))


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    value = draw(json_value)
    return json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 0, 2])),
        separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
    )


@settings(max_examples=300, deadline=None)
@given(json_texts())
def test_partial_json_matches_jiter_on_every_prefix(text: str) -> None:
    for end in range(len(text) + 1):
        prefix = text[:end]
        try:
            expected = jiter.from_json(prefix.encode(), partial_mode=True)
        except ValueError:
            parse_partial_json(prefix)  # must not raise either
            continue
        assert parse_partial_json(prefix) == expected, prefix
    assert parse_partial_json(text) == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200) | json_texts())
def test_decode_event_garbage_raises_only_our_error(data: bytes | str) -> None:
    try:
        decode_event(data)
    except EventProtocolError:
        pass


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["content_block_delta", "message_delta", "ping", "x"])},
            optional={"index": st.integers(-2, 3), "delta": json_value, "usage": json_value},
        ),
        max_size=6,
    )
)
def test_garbage_event_sequences_raise_only_our_error(events: list[dict[str, Any]]) -> None:
    acc = MessageAccumulator()
    try:
        for event in events:
            acc.update(decode_event(msgspec.json.encode(event)))
        if acc.started:
            acc.snapshot  # noqa: B018
    except EventProtocolError:
        pass


@st.composite
def broken_streams(
    draw: st.DrawFn, streams: st.SearchStrategy[list[dict[str, Any]]] | None = None
) -> list[dict[str, Any]]:
    """A valid stream (of `streams`, else `event_streams()`) with a few things wrong: events
    lost, repeated, swapped, misnumbered, sent to another block, retyped, or with a field
    replaced by junk. Most keep their message_start, so the accumulator gets past its first
    check and meets the damage mid-message."""
    events = copy.deepcopy(draw(event_streams() if streams is None else streams))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(events) - 1))
        event = events[at]
        action = draw(
            st.sampled_from(["drop", "repeat", "swap", "index", "cross", "type", "field"])
        )
        starts = [
            i
            for i, e in enumerate(events)
            if e.get("type") == "content_block_start" and "index" in e
        ]
        deltas = [e for e in events if e.get("type") == "content_block_delta"]
        if action == "cross" and starts and deltas:
            # A delta sent to a started block of another kind (text into a tool block, ...).
            moved = copy.deepcopy(draw(st.sampled_from(deltas)))
            start_at = draw(st.sampled_from(starts))
            moved["index"] = events[start_at]["index"]
            events.insert(draw(st.integers(start_at + 1, len(events))), moved)
        elif action == "drop" and len(events) > 1:
            del events[at]
        elif action == "repeat":
            events.insert(at, copy.deepcopy(event))
        elif action == "swap" and at + 1 < len(events):
            events[at], events[at + 1] = events[at + 1], event
        elif action == "index":
            event["index"] = draw(st.integers(-1, 6))
        elif action == "type":
            event["type"] = draw(
                st.sampled_from(
                    [
                        "message_start",
                        "content_block_start",
                        "content_block_delta",
                        "content_block_stop",
                        "message_delta",
                        "message_stop",
                    ]
                )
            )
        else:
            target = event
            for key in ("delta", "content_block", "message", "usage"):
                if key in event and isinstance(event[key], dict) and draw(st.booleans()):
                    target = event[key]
                    break
            key = draw(st.sampled_from(sorted(target) or ["type"]))
            target[key] = draw(json_value | json_object)
    return events


@settings(max_examples=300, deadline=None)
@given(broken_streams())
def test_broken_streams_raise_only_our_error(events: list[dict[str, Any]]) -> None:
    acc = MessageAccumulator()
    try:
        for event in events:
            acc.update(decode_event(msgspec.json.encode(event)))
            if acc.started:
                acc.snapshot.to_dict()
    except EventProtocolError:
        pass


_CROSSED: list[dict[str, Any]] = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": "claude-sonnet-5-5",
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
    },
    *(
        {"type": "content_block_delta", "index": index, "delta": delta}
        for index in (0, 1)
        for delta in (
            {"type": "text_delta", "text": "t"},
            {"type": "thinking_delta", "thinking": "k"},
            {"type": "input_json_delta", "partial_json": "{"},
        )
    ),
]
_ERROR_EVENT = {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}


def _outcome(run: Any) -> tuple[Any, ...]:
    """What a run of the accumulator ended in: its snapshot (or none) and its error."""
    acc = MessageAccumulator()
    try:
        stopped = run(acc)
        error = None
    except EventProtocolError as exc:
        stopped, error = None, str(exc)
    snapshot = ours(acc.snapshot) if acc.started else None
    # What the derived events of later deltas measure their snapshots by.
    lengths = [block.length for block in acc._blocks]
    return snapshot, lengths, stopped, error


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(event_streams(), event_streams(drift=True), broken_streams()),
    st.lists(st.integers(0, 60), max_size=40),
    st.lists(st.integers(0, 60), max_size=2),
)
@example(_CROSSED, [], [])  # a delta of another block kind is ignored, not applied
@example(_CROSSED, [3], [])
def test_update_many_equals_update_one_by_one(
    events: list[dict[str, Any]], cuts: list[int], errors_at: list[int]
) -> None:
    # Error events anywhere (`update_many` stops at each, as the stream raises them), the
    # events cut into batches anywhere, and `update_many` resumed after each stop.
    raw = list(events)
    for at in sorted(errors_at, reverse=True):
        raw.insert(min(at, len(raw)), _ERROR_EVENT)
    decoded: list[MessageStreamEvent] = []
    for event in raw:
        try:
            decoded.append(decode_event(msgspec.json.encode(event)))
        except EventProtocolError:
            pass  # the stream stops at one (decode_events' test): not this test's business
    bounds = sorted({0, len(decoded), *(min(c, len(decoded)) for c in cuts)})
    batches = [decoded[a:b] for a, b in itertools.pairwise(bounds)]

    def one_by_one(acc: MessageAccumulator) -> list[Any]:
        seen: list[Any] = []
        for batch in batches:
            for i, event in enumerate(batch):
                if type(event) is ErrorEvent:
                    seen.append(i)
                else:
                    acc.update(event)
            # The snapshot between batches too: a stale cached one must not survive.
            seen.append(ours(acc.snapshot) if acc.started else None)
        return seen

    def many(acc: MessageAccumulator) -> list[Any]:
        seen: list[Any] = []
        for batch in batches:
            pos = 0
            while (pos := acc.update_many(batch, pos)) < len(batch):
                assert type(batch[pos]) is ErrorEvent
                seen.append(pos)
                pos += 1
            seen.append(ours(acc.snapshot) if acc.started else None)
        return seen

    assert _outcome(many) == _outcome(one_by_one)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.binary(max_size=60)
        | st.text(max_size=60)
        | json_texts()
        | event_streams().map(lambda events: json.dumps(events[0]))
        | event_streams(drift=True).map(lambda events: json.dumps(events[-2]).encode()),
        max_size=6,
    )
)
def test_decode_events_equals_decode_event_one_by_one(datas: list[bytes | str]) -> None:
    expected: list[Any] = []
    error = None
    for data in datas:
        try:
            expected.append(decode_event(data))
        except EventProtocolError as exc:
            error = str(exc)
            break
    events, exc = decode_events(datas)
    assert (events, None if exc is None else str(exc)) == (expected, error)

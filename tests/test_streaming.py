"""Accumulator and derived events: one behaviour per test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anyio_claude._errors import EventProtocolError
from anyio_claude.streaming import (
    CompactionEvent,
    MessageAccumulator,
    MessageStreamState,
    decode_event,
    parse_partial_json,
)
from anyio_claude.types import TextBlock, ThinkingBlock, ToolUseBlock, UnknownBlock

from ._events import delta, start, stop

START = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-sonnet-5-5",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1, "cache_read_input_tokens": 7},
    },
}


CITATION = {
    "type": "char_location",
    "cited_text": "x",
    "document_index": 0,
    "start_char_index": 0,
    "end_char_index": 1,
}


def run(*events: dict[str, Any]) -> MessageAccumulator:
    acc = MessageAccumulator()
    for event in (START, *events):
        acc.update(decode_event(json.dumps(event)))
    return acc


def test_text_with_multibyte_and_citations() -> None:
    citation = CITATION
    acc = run(
        start(0, {"type": "text", "text": ""}),
        delta(0, {"type": "text_delta", "text": "héllo "}),
        delta(0, {"type": "citations_delta", "citation": citation}),
        delta(0, {"type": "text_delta", "text": "世界 🎉"}),
        stop(0),
    )
    block = acc.snapshot.content[0]
    assert isinstance(block, TextBlock)
    assert block.text == "héllo 世界 🎉"
    assert block.citations is not None and block.citations[0].cited_text == "x"


def test_thinking_and_signature() -> None:
    acc = run(
        start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        delta(0, {"type": "thinking_delta", "thinking": "let me "}),
        delta(0, {"type": "thinking_delta", "thinking": "think"}),
        delta(0, {"type": "signature_delta", "signature": "sig"}),
        stop(0),
    )
    assert acc.snapshot.content == [ThinkingBlock(thinking="let me think", signature="sig")]


@pytest.mark.parametrize("kind", ["tool_use", "server_tool_use"])
def test_tool_input_partial_then_final(kind: str) -> None:
    acc = run(start(0, {"type": kind, "id": "t", "name": "web_search", "input": {}}))
    assert acc.snapshot.content[0].input == {}  # type: ignore[union-attr]
    acc.update(
        decode_event(json.dumps(delta(0, {"type": "input_json_delta", "partial_json": '{"q": "a'})))
    )
    assert acc.snapshot.content[0].input == {}  # type: ignore[union-attr]
    acc.update(
        decode_event(
            json.dumps(delta(0, {"type": "input_json_delta", "partial_json": 'b", "n": 1'}))
        )
    )
    assert acc.snapshot.content[0].input == {"q": "ab", "n": 1}  # type: ignore[union-attr]
    acc.update(
        decode_event(json.dumps(delta(0, {"type": "input_json_delta", "partial_json": "2}"})))
    )
    acc.update(decode_event(json.dumps(stop(0))))
    assert acc.snapshot.content[0].input == {"q": "ab", "n": 12}  # type: ignore[union-attr]


def test_tool_without_input_deltas_keeps_empty_input() -> None:
    acc = run(start(0, {"type": "tool_use", "id": "t", "name": "f", "input": {}}), stop(0))
    assert acc.snapshot.content == [ToolUseBlock(id="t", name="f", input={})]


@pytest.mark.parametrize("partial", ['{"a": }', '{"a": 1 2', '{"a": 1}}', "[1, X", '{"a": 1.x}'])
def test_invalid_final_tool_json_raises(partial: str) -> None:
    # Malformed, not merely cut short (that keeps the input so far, as below).
    with pytest.raises(EventProtocolError, match="block 0"):
        run(
            start(0, {"type": "tool_use", "id": "t", "name": "f", "input": {}}),
            delta(0, {"type": "input_json_delta", "partial_json": partial}),
            stop(0),
        )


def test_usage_merge_keeps_absent_optionals() -> None:
    acc = run(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "stop_sequence", "stop_sequence": "END"},
            "usage": {"output_tokens": 42, "input_tokens": 11},
        }
    )
    snap = acc.snapshot
    assert snap.stop_reason == "stop_sequence" and snap.stop_sequence == "END"
    assert snap.usage.output_tokens == 42
    assert snap.usage.input_tokens == 11
    assert snap.usage.cache_read_input_tokens == 7  # absent in the delta: kept


def test_pings_errors_and_unknown_events_are_ignored() -> None:
    acc = run(
        {"type": "ping"},
        {"type": "brand_new_event", "x": 1},
        start(0, {"type": "text", "text": "a"}),
        delta(0, {"type": "brand_new_delta", "y": 2}),
        {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}},
        stop(0),
    )
    assert acc.snapshot.content == [TextBlock(text="a")]


def test_unknown_block_passes_through() -> None:
    acc = run(start(0, {"type": "hologram", "depth": 3}), stop(0))
    block = acc.snapshot.content[0]
    assert isinstance(block, UnknownBlock)
    assert block.to_dict() == {"type": "hologram", "depth": 3}


@pytest.mark.parametrize(
    "event",
    [
        delta(0, {"type": "text_delta", "text": "x"}),
        stop(0),
        {"type": "message_delta", "delta": {}, "usage": {"output_tokens": 1}},
        {"type": "message_stop"},
        start(0, {"type": "text", "text": ""}),
    ],
)
def test_events_before_message_start_raise(event: dict[str, Any]) -> None:
    with pytest.raises(EventProtocolError, match="message_start"):
        MessageAccumulator().update(decode_event(json.dumps(event)))


# The error names the event and what was wrong with it: users see these texts in
# `APIResponseValidationError.message` when a stream breaks.
@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [start(0, {"type": "text", "text": ""})],
            "content_block_start event before message_start",
        ),
        ([stop(0)], "content_block_stop event before message_start"),
        (
            [START, start(1, {"type": "text", "text": ""})],
            "content_block_start for block 1, expected block 0",
        ),
        ([START, stop(2)], "content_block_stop for content block 2, which never started"),
        (
            [START, delta(3, {"type": "text_delta", "text": "x"})],
            "content_block_delta for content block 3, which never started",
        ),
        ([START, START], "a second message_start event"),
        (
            [{"type": "message_delta", "delta": {}, "usage": {"output_tokens": 1}}],
            "message_delta event before message_start",
        ),
        ([{"type": "message_stop"}], "message_stop event before message_start"),
    ],
)
def test_protocol_errors_say_which_event_broke_the_stream(
    events: list[dict[str, Any]], message: str
) -> None:
    acc = MessageAccumulator()
    *before, last = events
    for event in before:
        acc.update(decode_event(json.dumps(event)))
    with pytest.raises(EventProtocolError) as info:
        acc.update(decode_event(json.dumps(last)))
    assert str(info.value) == message


def test_blocks_already_in_message_start_are_where_the_snapshot_starts() -> None:
    # The API sends `content: []` today; a block there is continued by later deltas, as
    # the official SDK does.
    first = {**START, "message": {**START["message"], "content": [{"type": "text", "text": "Hi"}]}}
    acc = MessageAccumulator()
    for event in (first, delta(0, {"type": "text_delta", "text": " there"}), stop(0)):
        acc.update(decode_event(json.dumps(event)))
    assert acc.snapshot.content == [TextBlock(text="Hi there")]


def test_citations_of_a_block_in_message_start_are_kept_and_extended() -> None:
    citation = CITATION
    block = {"type": "text", "text": "Hi", "citations": [citation]}
    first = {**START, "message": {**START["message"], "content": [block]}}
    acc = MessageAccumulator()
    for event in (first, delta(0, {"type": "citations_delta", "citation": citation}), stop(0)):
        acc.update(decode_event(json.dumps(event)))
    assert acc.snapshot.to_dict()["content"][0]["citations"] == [citation, citation]


def test_stopped_and_completed_blocks_count_only_what_has_stopped() -> None:
    acc = run(start(0, {"type": "text", "text": ""}))
    assert (acc.stopped, acc.completed_blocks) == (False, 0)
    acc.update(decode_event(json.dumps(stop(0))))
    acc.update(decode_event(json.dumps(start(1, {"type": "thinking", "thinking": ""}))))
    assert (acc.stopped, acc.completed_blocks) == (False, 1)
    acc.update(decode_event(json.dumps(stop(1))))
    acc.update(decode_event(json.dumps({"type": "message_stop"})))
    assert (acc.stopped, acc.completed_blocks) == (True, 2)


def test_a_thinking_block_in_message_start_is_continued_with_its_signature() -> None:
    block = {"type": "thinking", "thinking": "Hm", "signature": "sig"}
    first = {**START, "message": {**START["message"], "content": [block]}}
    acc = MessageAccumulator()
    for event in (first, delta(0, {"type": "thinking_delta", "thinking": "m."}), stop(0)):
        acc.update(decode_event(json.dumps(event)))
    assert acc.snapshot.content == [ThinkingBlock(thinking="Hmm.", signature="sig")]


def test_message_delta_stop_details_reach_the_snapshot() -> None:
    details = {"type": "refusal", "category": "cyber", "explanation": "no"}
    acc = run(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "refusal", "stop_sequence": None, "stop_details": details},
            "usage": {"output_tokens": 1},
        }
    )
    assert acc.snapshot.to_dict()["stop_details"] == details


def test_a_tool_block_without_input_deltas_keeps_the_input_it_started_with() -> None:
    block = {"type": "server_tool_use", "id": "t", "name": "web_search", "input": {"q": "x"}}
    acc = run(start(0, block))
    assert acc.snapshot.content[0].input == {"q": "x"}  # type: ignore[union-attr]
    acc.update(decode_event(json.dumps(stop(0))))
    assert acc.snapshot.content[0].input == {"q": "x"}  # type: ignore[union-attr]


def test_a_container_from_message_delta_stays_when_a_later_delta_has_none() -> None:
    container = {"id": "container_1", "expires_at": "2026-11-27T00:00:00Z"}
    acc = run(
        {
            "type": "message_delta",
            "delta": {"stop_reason": None, "stop_sequence": None, "container": container},
            "usage": {"output_tokens": 5},
        },
    )
    assert acc.snapshot.container is not None and acc.snapshot.container.id == "container_1"
    acc.update(
        decode_event(
            json.dumps(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": 6},
                }
            )
        )
    )
    assert acc.snapshot.container is not None and acc.snapshot.container.id == "container_1"


def test_delta_for_a_block_that_never_started_raises() -> None:
    with pytest.raises(EventProtocolError, match="never started"):
        run(delta(3, {"type": "text_delta", "text": "x"}))


def test_update_many_applies_a_batch_from_its_start_as_update_does() -> None:
    events = [
        decode_event(json.dumps(event))
        for event in (
            START,
            start(0, {"type": "text", "text": ""}),
            delta(0, {"type": "text_delta", "text": "hi"}),
            stop(0),
        )
    ]
    acc = MessageAccumulator()
    assert acc.update_many(events) == 4  # `start` left out: from the first event
    assert acc.snapshot.content == [TextBlock(text="hi")]
    # A delta for the block after the last one started fails as in `update`.
    unstarted = decode_event(json.dumps(delta(1, {"type": "text_delta", "text": "x"})))
    with pytest.raises(EventProtocolError) as one:
        acc.update(unstarted)
    acc = MessageAccumulator()
    with pytest.raises(EventProtocolError) as many:
        acc.update_many([*events[:3], unstarted])
    assert str(many.value) == str(one.value)


def test_a_compaction_delta_derives_its_event_for_a_compaction_block_only() -> None:
    state = MessageStreamState()
    for event in (
        START,
        start(0, {"type": "compaction", "content": None}),
        start(1, {"type": "text", "text": ""}),
    ):
        state.feed(decode_event(json.dumps(event)))
    compaction = {"type": "compaction_delta", "content": "sum", "encrypted_content": "enc"}
    ev = decode_event(json.dumps(delta(0, compaction)))
    raw, derived = state.feed(ev)
    assert raw is ev
    assert isinstance(derived, CompactionEvent) and derived.type == "compaction"
    assert (derived.content, derived.encrypted_content) == ("sum", "enc")
    for other in (delta(1, compaction), delta(0, {"type": "text_delta", "text": "x"})):
        ev = decode_event(json.dumps(other))
        assert state.feed(ev) == [ev]


def test_delta_that_does_not_fit_its_block_is_passed_on_but_not_applied() -> None:
    # A newer API may stream text into a block type this version does not know.
    state = MessageStreamState()
    events = [
        START,
        start(0, {"type": "summary", "text": ""}),
        delta(0, {"type": "text_delta", "text": "x"}),
        start(1, {"type": "text", "text": ""}),
        delta(1, {"type": "thinking_delta", "thinking": "y"}),
        delta(1, {"type": "text_delta", "text": "z"}),
    ]
    yielded = [e.type for event in events for e in state.feed(decode_event(json.dumps(event)))]
    assert yielded.count("text") == 1
    assert "thinking" not in yielded
    snapshot = state.accumulator.snapshot
    assert isinstance(snapshot.content[0], UnknownBlock)
    assert snapshot.content[0].to_dict() == {"type": "summary", "text": ""}
    assert snapshot.content[1] == TextBlock(text="z")


def test_snapshot_is_cached_until_the_next_change() -> None:
    acc = run(start(0, {"type": "text", "text": ""}), delta(0, {"type": "text_delta", "text": "a"}))
    first = acc.snapshot
    assert acc.snapshot is first
    acc.update(decode_event(json.dumps({"type": "ping"})))
    assert acc.snapshot is first
    acc.update(decode_event(json.dumps(delta(0, {"type": "text_delta", "text": "b"}))))
    assert acc.snapshot is not first
    assert acc.snapshot.content[0].text == "ab"  # type: ignore[union-attr]
    assert first.content[0].text == "a"  # type: ignore[union-attr]


def test_untouched_blocks_keep_their_materialised_value() -> None:
    acc = run(
        start(0, {"type": "text", "text": "done"}),
        stop(0),
        start(1, {"type": "text", "text": ""}),
    )
    block0 = acc.snapshot.content[0]
    acc.update(decode_event(json.dumps(delta(1, {"type": "text_delta", "text": "x"}))))
    assert acc.snapshot.content[0] is block0


def test_derived_events_in_official_order_with_lazy_snapshots() -> None:
    state = MessageStreamState()
    out: list[Any] = []
    for event in (
        START,
        start(0, {"type": "text", "text": ""}),
        delta(0, {"type": "text_delta", "text": "Hel"}),
        delta(0, {"type": "text_delta", "text": "lo"}),
        stop(0),
        start(1, {"type": "tool_use", "id": "t", "name": "f", "input": {}}),
        delta(1, {"type": "input_json_delta", "partial_json": '{"a": [1, 2'}),
        delta(1, {"type": "input_json_delta", "partial_json": "]}"}),
        stop(1),
        {"type": "message_stop"},
    ):
        out += state.feed(decode_event(json.dumps(event)))
    assert [e.type for e in out] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "text",
        "content_block_delta",
        "text",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "input_json",
        "content_block_delta",
        "input_json",
        "content_block_stop",
        "message_stop",
    ]
    # Snapshots are taken lazily but still show the state at their own event.
    assert out[3].snapshot == "Hel"
    assert out[5].snapshot == "Hello"
    assert out[6].content_block == TextBlock(text="Hello")
    assert out[9].snapshot == {"a": [1, 2]}
    assert out[11].snapshot == {"a": [1, 2]}
    assert out[12].content_block.input == {"a": [1, 2]}
    assert out[13].message.content[1].input == {"a": [1, 2]}


def test_parse_partial_json_examples() -> None:
    assert parse_partial_json("") is None
    assert parse_partial_json('{"a": "hel') == {}
    assert parse_partial_json('{"a": 12') == {"a": 12}
    assert parse_partial_json('{"a": 1.') == {}
    assert parse_partial_json('{"a": {"b": [1, {"c') == {"a": {"b": [1, {}]}}
    assert parse_partial_json("[true") == [True]
    assert parse_partial_json("nonsense") is None
    # An unfinished number at the top level: nothing is complete, not even its first digit.
    assert parse_partial_json("1e") is None
    assert parse_partial_json("7.") is None
    # A value where none may follow (no comma before it) is garbage, not part of the result.
    assert parse_partial_json("[1 2") == [1]
    assert parse_partial_json('{"a": 1 2') == {"a": 1}


# Whitespace to Unicode but not to JSON (which has only space, tab, LF and CR). The scanner
# once stopped a scalar at any Unicode whitespace and then stood on it forever, so a server
# sending one outside a string in `partial_json` hung the stream. It is an invalid
# character like any other, such as `X`.
@pytest.mark.timeout(5)
@pytest.mark.parametrize("space", ["X", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u2028", "\u3000"])
def test_unicode_whitespace_outside_strings_is_an_invalid_character(space: str) -> None:
    assert parse_partial_json(f"[1, {space}") == [1]
    assert parse_partial_json(f'{{"a": 1, "b": {space}') == {"a": 1}
    assert parse_partial_json(f"[1, {space}2]") is None  # complete but invalid
    acc = run(start(0, {"type": "tool_use", "id": "t", "name": "f", "input": {}}))
    partial = '{"q": 1, "r": ' + space
    acc.update(
        decode_event(json.dumps(delta(0, {"type": "input_json_delta", "partial_json": partial})))
    )
    assert acc.snapshot.content[0].input == {"q": 1}  # type: ignore[union-attr]
    with pytest.raises(EventProtocolError, match="not valid JSON"):
        acc.update(decode_event(json.dumps(stop(0))))


def test_message_delta_keys_this_version_does_not_know_reach_the_snapshot() -> None:
    acc = run(
        {
            "type": "message_delta",
            "delta": {
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "diagnostics": {"cache_miss_reason": None},
                "x_new": [1],
            },
            "usage": {"output_tokens": 5, "service_tier": "batch", "x_counter": 2},
        },
    )
    snapshot = acc.snapshot
    assert snapshot.diagnostics is not None  # a Message field the delta type lacks: typed
    assert snapshot["x_new"] == [1]
    assert snapshot.usage.service_tier == "batch"
    assert snapshot.usage["x_counter"] == 2
    assert snapshot.to_dict()["usage"]["x_counter"] == 2


def test_message_delta_key_of_a_known_field_with_an_impossible_value_raises() -> None:
    with pytest.raises(EventProtocolError, match="diagnostics"):
        run(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "diagnostics": 5},
                "usage": {"output_tokens": 5},
            }
        )


def test_unknown_keys_deep_inside_deltas_reach_the_snapshot() -> None:
    citation = {
        "type": "char_location",
        "cited_text": "x",
        "document_index": 0,
        "start_char_index": 0,
        "end_char_index": 1,
        "x_page": 7,
    }
    acc = run(
        start(0, {"type": "text", "text": ""}),
        delta(0, {"type": "citations_delta", "citation": citation}),
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {
                "output_tokens": 3,
                "server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0, "x_n": 2},
            },
        },
    )
    snapshot = acc.snapshot.to_dict()
    assert snapshot["content"][0]["citations"][0]["x_page"] == 7
    assert snapshot["usage"]["server_tool_use"]["x_n"] == 2
    assert json.loads(acc.snapshot.to_json()) == snapshot


@pytest.mark.parametrize(
    ("partial", "expected"),
    [
        ('{"city": "Pa', {}),
        ('{"a": [1, tr', {"a": [1]}),
        ('{"a": "\\u12', {}),
        ('{"a": -', {}),
        ('{"é": 1e', {}),
        ('{"a": tr', {}),
        ('{"a": 1.', {}),
        ('{"a": {"b": "c"}, "d', {"a": {"b": "c"}}),
        ("{", {}),
    ],
)
def test_a_tool_block_stopped_mid_json_keeps_the_input_the_official_accumulator_keeps(
    partial: str, expected: Any
) -> None:
    # The fallback middleware closes the blocks a refusal cut short, so a tool block can
    # stop on a JSON prefix: its input is what the prefix holds, not an error.
    from anthropic.lib.streaming._messages import accumulate_event

    events = [
        start(0, {"type": "tool_use", "id": "t", "name": "f", "input": {}}),
        delta(0, {"type": "input_json_delta", "partial_json": partial}),
        stop(0),
    ]
    acc = run(*events)
    theirs: Any = None
    json_bufs: dict[int, bytes] = {}
    for event in (START, *events):
        theirs = accumulate_event(event=event, current_snapshot=theirs, json_bufs=json_bufs)  # type: ignore[arg-type]
    assert theirs.content[0].input == expected
    assert acc.snapshot.content[0].input == expected  # type: ignore[union-attr]


def test_stopped_and_started_say_where_the_stream_is() -> None:
    acc = MessageAccumulator()
    assert (acc.started, acc.stopped, acc.completed_blocks) == (False, False, 0)
    acc.update(decode_event(json.dumps(START)))
    assert (acc.started, acc.stopped) == (True, False)
    acc.update(decode_event(json.dumps({"type": "message_stop"})))
    assert acc.stopped is True

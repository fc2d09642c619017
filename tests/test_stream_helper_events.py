"""The stream helper's derived events (`thinking`, `signature`, `citation`, `text`) and
snapshots that stay as they were when later events arrive. The expected shapes are the
official SDK's (`anthropic.lib.streaming`): each derived event carries its delta and the
block's value so far."""

from __future__ import annotations

import json
from typing import Any

from anyio_claude.streaming import (
    CitationEvent,
    InputJsonEvent,
    MessageAccumulator,
    MessageStreamState,
    ParsedContentBlockStopEvent,
    ParsedMessageStopEvent,
    SignatureEvent,
    TextEvent,
    ThinkingEvent,
    decode_event,
)

START: dict[str, Any] = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-sonnet-5-5",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 0},
    },
}


def citation(n: int) -> dict[str, Any]:
    return {
        "type": "char_location",
        "cited_text": f"quote {n}",
        "document_index": 0,
        "document_title": "Doc",
        "start_char_index": n,
        "end_char_index": n + 5,
    }


def delta(index: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": body}


STREAM = [
    START,
    {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
    },
    delta(0, {"type": "thinking_delta", "thinking": "Let me "}),
    delta(0, {"type": "thinking_delta", "thinking": "think."}),
    delta(0, {"type": "signature_delta", "signature": "sig=="}),
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    delta(1, {"type": "text_delta", "text": "Paris"}),
    delta(1, {"type": "citations_delta", "citation": citation(1)}),
    delta(1, {"type": "text_delta", "text": " is big"}),
    delta(1, {"type": "citations_delta", "citation": citation(2)}),
    {"type": "content_block_stop", "index": 1},
]


def derived(events: list[dict[str, Any]]) -> list[Any]:
    state = MessageStreamState()
    out: list[Any] = []
    for event in events:
        raw = decode_event(json.dumps(event))
        out += [e for e in state.feed(raw) if e is not raw]
    return out


def test_thinking_signature_and_citation_events() -> None:
    # Read every snapshot only after the whole stream: each still shows its own moment.
    events = [e for e in derived(STREAM) if e.type != "content_block_stop"]
    assert [e.type for e in events] == [
        "thinking",
        "thinking",
        "signature",
        "text",
        "citation",
        "text",
        "citation",
    ]
    first, second, signature, text1, cite1, text2, cite2 = events
    assert isinstance(first, ThinkingEvent) and isinstance(second, ThinkingEvent)
    assert (first.thinking, first.snapshot) == ("Let me ", "Let me ")
    assert (second.thinking, second.snapshot) == ("think.", "Let me think.")
    assert isinstance(signature, SignatureEvent) and signature.signature == "sig=="
    assert isinstance(text1, TextEvent) and isinstance(text2, TextEvent)
    assert (text1.text, text1.snapshot) == ("Paris", "Paris")
    assert (text2.text, text2.snapshot) == (" is big", "Paris is big")
    assert isinstance(cite1, CitationEvent) and isinstance(cite2, CitationEvent)
    assert cite1.citation.cited_text == "quote 1"  # type: ignore[union-attr]
    assert [c.cited_text for c in cite1.snapshot] == ["quote 1"]  # type: ignore[union-attr]
    assert cite2.citation.cited_text == "quote 2"  # type: ignore[union-attr]
    assert [c.cited_text for c in cite2.snapshot] == ["quote 1", "quote 2"]  # type: ignore[union-attr]
    assert "think." in repr(second) and "sig==" in repr(signature) and "quote 2" in repr(cite2)


def test_the_finished_blocks_on_the_stop_events() -> None:
    stops = [e for e in derived(STREAM) if e.type == "content_block_stop"]
    thinking, text = (stop.content_block for stop in stops)
    assert (thinking.thinking, thinking.signature) == ("Let me think.", "sig==")
    assert text.text == "Paris is big"
    assert [c.cited_text for c in text.citations] == ["quote 1", "quote 2"]


def test_snapshots_do_not_share_lists_with_later_events() -> None:
    acc = MessageAccumulator()
    snapshots = []
    for event in STREAM:
        acc.update(decode_event(json.dumps(event)))
        snapshots.append(acc.snapshot)
    # After the first citation: one citation, one block of text "Paris", and it stays so.
    one_citation = snapshots[8]
    assert len(one_citation.content) == 2
    assert one_citation.content[1].text == "Paris"  # type: ignore[union-attr]
    assert [c.cited_text for c in one_citation.content[1].citations] == ["quote 1"]  # type: ignore[union-attr]
    # Before the text block started the content list held only the thinking block.
    assert len(snapshots[5].content) == 1
    assert snapshots[3].content[0].thinking == "Let me think."  # type: ignore[union-attr]
    assert snapshots[2].content[0].thinking == "Let me "  # type: ignore[union-attr]
    # A user changing a snapshot changes neither the accumulator nor later snapshots.
    one_citation.content.append(one_citation.content[0])
    one_citation.content[1].citations.append(one_citation.content[1].citations[0])  # type: ignore[union-attr]
    final = acc.snapshot
    assert len(final.content) == 2
    assert [c.cited_text for c in final.content[1].citations] == ["quote 1", "quote 2"]  # type: ignore[union-attr]


def test_input_json_events_and_block_stops() -> None:
    tool = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    stream = [
        START,
        {"type": "content_block_start", "index": 0, "content_block": tool},
        delta(0, {"type": "input_json_delta", "partial_json": '{"city": "Paris", "da'}),
        delta(0, {"type": "input_json_delta", "partial_json": 'ys": 3}'}),
        {"type": "content_block_stop", "index": 0},
        {"type": "message_stop"},
    ]
    first, second, stop, message_stop = derived(stream)
    assert isinstance(first, InputJsonEvent) and isinstance(second, InputJsonEvent)
    # As the official SDK (jiter's partial mode): an unfinished key or string is left out.
    assert (first.partial_json, first.snapshot) == ('{"city": "Paris", "da', {"city": "Paris"})
    assert second.partial_json == 'ys": 3}'
    assert second.snapshot == {"city": "Paris", "days": 3}
    assert isinstance(stop, ParsedContentBlockStopEvent) and stop.index == 0
    assert stop.content_block.input == {"city": "Paris", "days": 3}  # type: ignore[union-attr]
    assert "index=0" in repr(stop)
    assert isinstance(message_stop, ParsedMessageStopEvent)
    assert message_stop.message.content[0].input == {"city": "Paris", "days": 3}  # type: ignore[union-attr]
    assert repr(message_stop) == "ParsedMessageStopEvent()"


def test_deltas_a_block_did_not_take_derive_nothing() -> None:
    # A delta of another block's kind (or of a kind this client does not know) is passed
    # through raw, and no derived event pretends it was applied.
    stream = [
        START,
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
        delta(0, {"type": "text_delta", "text": "x"}),
        delta(0, {"type": "future_delta", "x": 1}),
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "t", "name": "n", "input": {}},
        },
        delta(1, {"type": "future_delta"}),
        delta(1, {"type": "signature_delta", "signature": "s"}),
        {"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}},
        delta(2, {"type": "signature_delta", "signature": "s"}),
        delta(2, {"type": "input_json_delta", "partial_json": "{}"}),
    ]
    state = MessageStreamState()
    for event in stream:
        raw = decode_event(json.dumps(event))
        assert state.feed(raw) == [raw]

"""Hypothesis strategies for valid Claude event streams, shared by the accumulator tests."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

text_st = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12
)  # any Unicode incl. multi-byte, quotes, backslashes, newlines

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False, width=64)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)
)
json_value = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
json_object = st.dictionaries(st.text(max_size=6), json_value, max_size=5)


def split_text(draw: st.DrawFn, text: str, max_parts: int = 6) -> list[str]:
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=max_parts))))
    parts, start = [], 0
    for cut in cuts:
        parts.append(text[start:cut])
        start = cut
    parts.append(text[start:])
    return [p for p in parts if p] or [""]


citation_st = st.builds(
    lambda t, a, b: {
        "type": "char_location",
        "cited_text": t,
        "document_index": 0,
        "document_title": None,
        "start_char_index": a,
        "end_char_index": a + b,
    },
    text_st,
    st.integers(0, 100),
    st.integers(0, 100),
) | st.builds(
    lambda t, a, b: {
        "type": "page_location",
        "cited_text": t,
        "document_index": 1,
        "document_title": "A PDF",
        "start_page_number": a,
        "end_page_number": a + b,
    },
    text_st,
    st.integers(1, 100),
    st.integers(1, 10),
)


unknown_citation_st = st.builds(
    lambda t, v: {"type": "future_location", "cited_text": t, "future_index": v},
    text_st,
    json_value,
)


def drift_keys(where: str) -> st.SearchStrategy[dict[str, Any]]:
    """Keys no version of this client knows: prefixed so they never collide with a real
    field, and by `where` so that the message_delta's never overwrite message_start's."""
    return st.dictionaries(
        st.text(alphabet="abcdefgh_", max_size=6).map(lambda k: f"x_{where}_{k}"),
        json_value,
        max_size=2,
    )


@st.composite
def event_streams(draw: st.DrawFn, drift: bool = False) -> list[dict[str, Any]]:
    """A valid stream: message_start, blocks of every kind, pings/unknown events anywhere.

    With `drift`, the stream also carries what a newer API may send: unknown keys on the
    message, its usage, blocks, deltas and `message_delta`; unknown citation and delta
    types; new stop reasons; and the newer known fields (`stop_details`, `inference_geo`, ...).
    """

    def extra(where: str) -> dict[str, Any]:
        return draw(drift_keys(where)) if drift else {}

    events: list[dict[str, Any]] = [
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
                "usage": {
                    "input_tokens": draw(st.integers(0, 1000)),
                    "output_tokens": 1,
                    "cache_creation_input_tokens": draw(st.none() | st.integers(0, 100)),
                    "cache_read_input_tokens": draw(st.none() | st.integers(0, 100)),
                    **extra("usage"),
                },
                **extra("message"),
            },
        }
    ]
    if drift and draw(st.booleans()):
        events[0]["message"]["usage"].update(
            inference_geo="us", speed="fast", output_tokens_details={"thinking_tokens": 3}
        )
    kinds = draw(
        st.lists(
            st.sampled_from(
                ["text", "thinking", "tool_use", "server_tool_use", "redacted_thinking", "mystery"]
            ),
            max_size=5,
        )
    )
    for index, kind in enumerate(kinds):
        deltas: list[dict[str, Any]] = []
        if kind == "text":
            start: dict[str, Any] = {"type": "text", "text": ""}
            citations = citation_st | unknown_citation_st if drift else citation_st
            for _ in range(draw(st.integers(0, 5))):
                if drift and draw(st.integers(0, 5)) == 5:
                    deltas.append({"type": "future_delta", "payload": draw(json_value)})
                else:
                    deltas.append({"type": "text_delta", "text": draw(text_st), **extra("delta")})
            # Citations between any text deltas, often two or more on one block.
            for _ in range(draw(st.integers(0, 3))):
                at = draw(st.integers(0, len(deltas)))
                deltas.insert(at, {"type": "citations_delta", "citation": draw(citations)})
        elif kind == "thinking":
            start = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": draw(text_st)} for _ in range(3)]
            deltas.append({"type": "signature_delta", "signature": draw(st.text(max_size=10))})
        elif kind in ("tool_use", "server_tool_use"):
            name = "get_weather" if kind == "tool_use" else "web_search"
            start = {"type": kind, "id": f"toolu_{index}", "name": name, "input": {}}
            if draw(st.booleans()):
                value = draw(json_object)
                indent = draw(st.sampled_from([None, 1]))
                encoded = json.dumps(value, ensure_ascii=draw(st.booleans()), indent=indent)
                deltas = [
                    {"type": "input_json_delta", "partial_json": part}
                    for part in split_text(draw, encoded, 12)
                ]
        elif kind == "redacted_thinking":
            start = {"type": "redacted_thinking", "data": draw(st.text(max_size=10))}
        else:
            start = {"type": "mystery_block", "payload": draw(json_value)}
        if kind != "mystery":
            start.update(extra("block"))
        events.append({"type": "content_block_start", "index": index, "content_block": start})
        events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        events.append({"type": "content_block_stop", "index": index})
    usage: dict[str, Any] = {"output_tokens": draw(st.integers(1, 5000))}
    for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
        if draw(st.booleans()):
            usage[name] = draw(st.integers(0, 1000))
    reasons = ["end_turn", "tool_use", "max_tokens"] + (["future_reason"] if drift else [])
    delta: dict[str, Any] = {"stop_reason": draw(st.sampled_from(reasons)), "stop_sequence": None}
    if drift and draw(st.booleans()):
        delta["stop_details"] = {"type": "refusal", "category": "cyber", "explanation": None}
    delta.update(extra("top"))
    usage.update(extra("total"))
    events.append({"type": "message_delta", "delta": delta, "usage": usage})
    events.append({"type": "message_stop"})
    # Pings and unknown events may come anywhere after message_start.
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(1, len(events)))
        extra = draw(st.sampled_from([{"type": "ping"}, {"type": "future_event", "x": [1, 2.5]}]))
        events.insert(position, extra)
    return events

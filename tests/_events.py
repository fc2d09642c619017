"""Hypothesis strategies for valid Claude event streams, shared by the accumulator tests."""

from __future__ import annotations

import json
from collections.abc import Callable
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


def input_json_deltas(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A tool input: none (the start block's `{}` stands) or a JSON object in pieces."""
    if not draw(st.booleans()):
        return []
    value = draw(json_object)
    indent = draw(st.sampled_from([None, 1]))
    encoded = json.dumps(value, ensure_ascii=draw(st.booleans()), indent=indent)
    return [
        {"type": "input_json_delta", "partial_json": part} for part in split_text(draw, encoded, 12)
    ]


Extra = Callable[[str], dict[str, Any]]


def block_events(
    draw: st.DrawFn, kind: str, index: int, drift: bool, extra: Extra
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The start block and the deltas of one block of a GA `kind` (or a `mystery` one)."""
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
        deltas = input_json_deltas(draw)
    elif kind == "redacted_thinking":
        start = {"type": "redacted_thinking", "data": draw(st.text(max_size=10))}
    else:
        start = {"type": "mystery_block", "payload": draw(json_value)}
    if kind != "mystery":
        start.update(extra("block"))
    return start, deltas


def add_block(
    events: list[dict[str, Any]], index: int, start: dict[str, Any], deltas: list[dict[str, Any]]
) -> None:
    events.append({"type": "content_block_start", "index": index, "content_block": start})
    events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
    events.append({"type": "content_block_stop", "index": index})


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
        add_block(events, index, *block_events(draw, kind, index, drift, extra))
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


def _no_extra(where: str) -> dict[str, Any]:
    return {}


MODELS = st.sampled_from(["claude-sonnet-5-5", "claude-haiku-5-0", "claude-opus-5-1"])
applied_edits = st.lists(
    st.builds(
        lambda n, k: {"type": "clear_tool_uses_20250919", "cleared_input_tokens": n, **k},
        st.integers(0, 10**6),
        st.fixed_dictionaries({"cleared_tool_uses": st.integers(0, 50)}),
    )
    | st.builds(
        lambda n, k: {"type": "clear_thinking_20251015", "cleared_input_tokens": n, **k},
        st.integers(0, 10**6),
        st.fixed_dictionaries({"cleared_thinking_turns": st.integers(0, 50)}),
    ),
    max_size=2,
)
context_management_st = st.fixed_dictionaries({"applied_edits": applied_edits})
input_transformations_st = st.lists(
    st.builds(
        lambda kind, at, reason: {
            "type": kind,
            "path": f"messages[{at}].content[0]",
            "reason": reason,
        },
        st.sampled_from(["thinking_dropped", "thinking_mismatch_allowed"]),
        st.integers(0, 9),
        st.sampled_from(["model_binding_mismatch", "prefix_binding_mismatch"]),
    ),
    max_size=2,
)
# With every field the official schema requires (ours reads a missing count as 0, the
# official accumulator keeps the object as sent).
iterations_st = st.lists(
    st.builds(
        lambda kind, i, o, c: {
            "type": kind,
            "input_tokens": i,
            "output_tokens": o,
            "cache_creation_input_tokens": c,
            "cache_read_input_tokens": 0,
        },
        st.sampled_from(["message", "compaction"]),
        st.integers(0, 10**5),
        st.integers(0, 10**4),
        st.integers(0, 10),
    ),
    min_size=1,
    max_size=3,
)
compaction_fields = st.fixed_dictionaries(
    {}, optional={"content": st.none() | text_st, "encrypted_content": st.none() | text_st}
)
advisor_content = st.fixed_dictionaries(
    {"type": st.just("advisor_result"), "text": text_st},
    optional={"stop_reason": st.none() | text_st},
) | st.fixed_dictionaries(
    {
        "type": st.just("advisor_tool_result_error"),
        "error_code": st.sampled_from(["overloaded", "unavailable"]),
    }
)
mcp_content = text_st | st.lists(
    st.fixed_dictionaries({"type": st.just("text"), "text": text_st}), max_size=2
)
mcp_tools = st.lists(
    st.fixed_dictionaries(
        {"name": text_st, "input_schema": json_object}, optional={"description": text_st}
    ),
    max_size=2,
)


def beta_block_events(
    draw: st.DrawFn, kind: str, index: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The start block and the deltas of one block of a beta `kind`."""
    if kind == "compaction":
        start: dict[str, Any] = {"type": "compaction", "content": None, **draw(compaction_fields)}
        if draw(st.booleans()):
            start["signature"] = draw(text_st)
        deltas = [
            {"type": "compaction_delta", **draw(compaction_fields)}
            for _ in range(draw(st.integers(0, 2)))
        ]
        return start, deltas
    if kind == "mcp_tool_use":
        start = {
            "type": "mcp_tool_use",
            "id": f"mcptoolu_{index}",
            "name": "search",
            "server_name": draw(text_st),
            "input": {},
        }
        return start, input_json_deltas(draw)
    if kind == "mcp_tool_result":
        start = {
            "type": "mcp_tool_result",
            "tool_use_id": f"mcptoolu_{index}",
            "is_error": draw(st.booleans()),
            "content": draw(mcp_content),
        }
    elif kind == "mcp_tool_listing":
        start = {
            "type": "mcp_tool_listing",
            "mcp_server_name": draw(text_st),
            "tools": draw(mcp_tools),
        }
    elif kind == "advisor_tool_result":
        start = {
            "type": "advisor_tool_result",
            "tool_use_id": f"srvtoolu_{index}",
            "content": draw(advisor_content),
        }
    else:
        start = {
            "type": "fallback",
            "from": {"model": draw(MODELS)},
            "to": {"model": draw(MODELS)},
            "trigger": {"type": "refusal", "category": draw(st.sampled_from(["cyber", "bio"]))},
        }
    return start, []


BETA_KINDS = (
    "compaction",
    "mcp_tool_use",
    "mcp_tool_result",
    "mcp_tool_listing",
    "advisor_tool_result",
    "fallback",
)


@st.composite
def beta_event_streams(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A valid beta stream: the GA blocks plus compaction (with `compaction_delta`s), MCP,
    advisor and fallback blocks; `context_management`, `input_transformations` and usage
    `iterations` on `message_start` and `message_delta`; pings anywhere after the start.

    Everything in it is something the official SDK's beta types know, so its beta
    accumulator is a full reference."""
    message: dict[str, Any] = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": draw(MODELS),
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": draw(st.integers(0, 1000)), "output_tokens": 1},
    }
    if draw(st.booleans()):
        message["usage"]["iterations"] = draw(iterations_st)
    if draw(st.booleans()):
        message["context_management"] = draw(context_management_st)
    if draw(st.booleans()):
        message["input_transformations"] = draw(input_transformations_st)
    events: list[dict[str, Any]] = [{"type": "message_start", "message": message}]
    classic = ["text", "thinking", "tool_use", "server_tool_use", "redacted_thinking"]
    kinds = draw(st.lists(st.sampled_from([*classic, *BETA_KINDS]), max_size=6))
    for index, kind in enumerate(kinds):
        if kind in BETA_KINDS:
            add_block(events, index, *beta_block_events(draw, kind, index))
        else:
            add_block(events, index, *block_events(draw, kind, index, False, _no_extra))
    usage: dict[str, Any] = {"output_tokens": draw(st.integers(1, 5000))}
    for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
        if draw(st.booleans()):
            usage[name] = draw(st.integers(0, 1000))
    if draw(st.booleans()):
        usage["iterations"] = draw(iterations_st)
    end: dict[str, Any] = {
        "type": "message_delta",
        "delta": {
            "stop_reason": draw(st.sampled_from(["end_turn", "tool_use", "pause_turn"])),
            "stop_sequence": None,
        },
        "usage": usage,
    }
    # Absent, null (the message's stands) or a value (it replaces the message's).
    if draw(st.booleans()):
        end["context_management"] = draw(st.none() | context_management_st)
    if draw(st.booleans()):
        end["input_transformations"] = draw(st.none() | input_transformations_st)
    events += [end, {"type": "message_stop"}]
    for _ in range(draw(st.integers(0, 3))):
        events.insert(draw(st.integers(1, len(events))), {"type": "ping"})
    return events


def message_start(model: str = "claude-sonnet-5-5", **extra: Any) -> dict[str, Any]:
    """A `message_start` event of an empty message (`extra` goes into the message)."""
    return {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": model,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 0},
            **extra,
        },
    }


def start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, d: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": d}


def stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}

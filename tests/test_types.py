"""Wire types: the API docs' shapes round-trip; unknown types survive byte for byte."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from anyio_claude.streaming import decode_event
from anyio_claude.types import (
    CitationsDelta,
    ContentBlockDeltaEvent,
    ContentBlockStartEvent,
    ContentBlockStopEvent,
    ErrorEvent,
    InputJSONDelta,
    Message,
    MessageBatchCanceledResult,
    MessageBatchErroredResult,
    MessageBatchExpiredResult,
    MessageBatchSucceededResult,
    MessageDeltaEvent,
    MessageStartEvent,
    MessageStopEvent,
    PingEvent,
    ServerToolUseBlock,
    SignatureDelta,
    TextBlock,
    TextDelta,
    ThinkingDelta,
    ToolUseBlock,
    UnknownBlock,
    UnknownDelta,
    UnknownEvent,
    WebSearchToolResultBlock,
    decode_batch_result_line,
    decode_message,
    encode_json,
)


def message(content: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "content": content,
        "model": "claude-sonnet-5-5",
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 2095, "output_tokens": 503},
        **extra,
    }


DOC_MESSAGES = [
    message([{"type": "text", "text": "Hi! My name is Claude."}]),
    message(
        [
            {"type": "text", "text": "I'll check the weather."},
            {
                "type": "tool_use",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "name": "get_weather",
                "input": {"location": "San Francisco, CA", "unit": "celsius"},
            },
        ],
        stop_reason="tool_use",
    ),
    message(
        [
            {"type": "thinking", "thinking": "Let me analyze...", "signature": "WaUjzkyp..."},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix..."},
            {"type": "text", "text": "Based on my analysis..."},
        ]
    ),
    message(
        [
            {
                "type": "server_tool_use",
                "id": "srvtoolu_01WYG3ziw53XMcoyKL4XcZmE",
                "name": "web_search",
                "input": {"query": "claude shannon birth date"},
            },
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_01WYG3ziw53XMcoyKL4XcZmE",
                "content": [
                    {
                        "type": "web_search_result",
                        "url": "https://en.wikipedia.org/wiki/Claude_Shannon",
                        "title": "Claude Shannon - Wikipedia",
                        "encrypted_content": "EqgfCioIARgBIiQ3YTAwMjY1Mi1mZjM5LTQ1NGUtODgxNC1kNjNjNTk1ZWI3Y...",
                        "page_age": "April 30, 2025",
                    }
                ],
            },
            {
                "type": "text",
                "text": "Claude Shannon was born on April 30, 1916",
                "citations": [
                    {
                        "type": "web_search_result_location",
                        "url": "https://en.wikipedia.org/wiki/Claude_Shannon",
                        "title": "Claude Shannon - Wikipedia",
                        "encrypted_index": "Eo8BCioIAhgBIiQyYjQ0OWJmZi1lNm..",
                        "cited_text": "Claude Elwood Shannon (April 30, 1916 – February 24, 2001)",
                    }
                ],
            },
        ],
        usage={
            "input_tokens": 6039,
            "output_tokens": 931,
            "server_tool_use": {"web_search_requests": 1},
        },
    ),
    message(
        [
            {
                "type": "text",
                "text": "the grass is green",
                "citations": [
                    {
                        "type": "char_location",
                        "cited_text": "The grass is green.",
                        "document_index": 0,
                        "document_title": "Example Document",
                        "start_char_index": 0,
                        "end_char_index": 20,
                    },
                    {
                        "type": "page_location",
                        "cited_text": "Water is essential for life.",
                        "document_index": 1,
                        "document_title": "PDF",
                        "start_page_number": 5,
                        "end_page_number": 6,
                    },
                    {
                        "type": "content_block_location",
                        "cited_text": "These are citations.",
                        "document_index": 2,
                        "document_title": "Custom",
                        "start_block_index": 0,
                        "end_block_index": 1,
                    },
                ],
            }
        ],
        usage={
            "input_tokens": 21,
            "cache_creation_input_tokens": 188086,
            "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 188086, "ephemeral_1h_input_tokens": 0},
            "output_tokens": 393,
            "service_tier": "standard",
        },
    ),
]


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


@pytest.mark.parametrize("doc", DOC_MESSAGES)
def test_doc_messages_round_trip(doc: dict[str, Any]) -> None:
    decoded = decode_message(json.dumps(doc))
    assert isinstance(decoded, Message)
    assert decode_message(decoded.to_json()) == decoded
    expected = without_nulls(doc)
    if "server_tool_use" in expected["usage"]:
        # Older docs leave out `web_fetch_requests`: a count the API leaves out reads as 0.
        expected["usage"]["server_tool_use"].setdefault("web_fetch_requests", 0)
    assert without_nulls(decoded.to_dict()) == expected
    assert json.loads(decoded.to_json(indent=2)) == decoded.to_dict()


def test_block_classes_and_type_attribute() -> None:
    decoded = decode_message(json.dumps(DOC_MESSAGES[3]))
    assert [type(b) for b in decoded.content] == [
        ServerToolUseBlock,
        WebSearchToolResultBlock,
        TextBlock,
    ]
    assert [b.type for b in decoded.content] == [
        "server_tool_use",
        "web_search_tool_result",
        "text",
    ]


def test_to_param_sends_the_blocks_back() -> None:
    decoded = decode_message(json.dumps(DOC_MESSAGES[1]))
    param = decoded.to_param()
    assert param["role"] == "assistant"
    assert json.loads(encode_json(param))["content"] == DOC_MESSAGES[1]["content"]


EVENTS: list[tuple[dict[str, Any], type, type | None]] = [
    ({"type": "message_start", "message": message([])}, MessageStartEvent, None),
    (
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ContentBlockStartEvent,
        None,
    ),
    (
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "t", "name": "n", "input": {}},
        },
        ContentBlockStartEvent,
        None,
    ),
    (
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        ContentBlockDeltaEvent,
        TextDelta,
    ),
    (
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"location": "San Fra'},
        },
        ContentBlockDeltaEvent,
        InputJSONDelta,
    ),
    (
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "Let me solve"},
        },
        ContentBlockDeltaEvent,
        ThinkingDelta,
    ),
    (
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA"},
        },
        ContentBlockDeltaEvent,
        SignatureDelta,
    ),
    (
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {
                "type": "citations_delta",
                "citation": {
                    "type": "char_location",
                    "cited_text": "x",
                    "document_index": 0,
                    "start_char_index": 0,
                    "end_char_index": 1,
                },
            },
        },
        ContentBlockDeltaEvent,
        CitationsDelta,
    ),
    ({"type": "content_block_stop", "index": 0}, ContentBlockStopEvent, None),
    (
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 15},
        },
        MessageDeltaEvent,
        None,
    ),
    ({"type": "message_stop"}, MessageStopEvent, None),
    ({"type": "ping"}, PingEvent, None),
    (
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        ErrorEvent,
        None,
    ),
]


@pytest.mark.parametrize(("raw", "cls", "delta_cls"), EVENTS)
def test_doc_events_decode_to_their_class(
    raw: dict[str, Any], cls: type, delta_cls: type | None
) -> None:
    event = decode_event(json.dumps(raw))
    assert type(event) is cls
    assert event.type == raw["type"]
    if delta_cls is not None:
        assert type(event.delta) is delta_cls  # type: ignore[union-attr]
    assert decode_event(encode_json(event)) == event


ODD = b'{"type":"hologram",  "depth" : 1.0e5, "nested": {"b": [1,2 ,3]}}'


def test_unknown_event_round_trips_byte_identically() -> None:
    event = decode_event(b'{"type": "future_event",  "x": 1.0e5}')
    assert isinstance(event, UnknownEvent)
    assert encode_json(event) == b'{"type": "future_event",  "x": 1.0e5}'
    assert event["x"] == 1.0e5


def test_unknown_delta_round_trips_byte_identically() -> None:
    event = decode_event(b'{"type":"content_block_delta","index":0,"delta":' + ODD + b"}")
    assert isinstance(event, ContentBlockDeltaEvent)
    assert isinstance(event.delta, UnknownDelta)
    assert encode_json(event.delta) == ODD


def test_unknown_block_in_a_message_round_trips_byte_identically() -> None:
    raw = json.dumps(message([{"type": "text", "text": "a"}])).encode()
    raw = raw.replace(b'"content": [', b'"content": [' + ODD + b", ")
    decoded = decode_message(raw)
    assert isinstance(decoded.content[0], UnknownBlock)
    assert ODD in decoded.to_json().encode()
    assert ODD in encode_json({"role": "assistant", "content": decoded.content})
    assert decoded.content[0].to_json() == ODD.decode()
    start = decode_event(b'{"type":"content_block_start","index":0,"content_block":' + ODD + b"}")
    assert isinstance(start, ContentBlockStartEvent)
    assert encode_json(start.content_block) == ODD


def test_batch_result_lines() -> None:
    ok = decode_batch_result_line(
        json.dumps({"custom_id": "a", "result": {"type": "succeeded", "message": DOC_MESSAGES[0]}})
    )
    assert isinstance(ok.result, MessageBatchSucceededResult)
    err = decode_batch_result_line(
        json.dumps(
            {
                "custom_id": "b",
                "result": {
                    "type": "errored",
                    "error": {
                        "type": "error",
                        "error": {"type": "invalid_request_error", "message": "bad"},
                    },
                },
            }
        )
    )
    assert isinstance(err.result, MessageBatchErroredResult)
    assert err.result.error.error.message == "bad"
    for kind, cls in (
        ("canceled", MessageBatchCanceledResult),
        ("expired", MessageBatchExpiredResult),
    ):
        line = decode_batch_result_line(json.dumps({"custom_id": "c", "result": {"type": kind}}))
        assert isinstance(line.result, cls)
    unknown_block = message([json.loads(ODD)])
    line = decode_batch_result_line(
        json.dumps({"custom_id": "d", "result": {"type": "succeeded", "message": unknown_block}})
    )
    assert isinstance(line.result, MessageBatchSucceededResult)
    assert isinstance(line.result.message.content[0], UnknownBlock)


def test_known_type_with_wrong_shape_is_an_error() -> None:
    from anyio_claude._errors import EventProtocolError, ProtocolError

    with pytest.raises(EventProtocolError, match=r"\$\.delta\.text"):
        decode_event(
            b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":5}}'
        )
    with pytest.raises(EventProtocolError, match="index"):
        decode_event(b'{"type":"content_block_stop","index":"0"}')
    with pytest.raises(ProtocolError):
        decode_message(b'{"id": 1}')
    with pytest.raises(ProtocolError):
        decode_message(b"not json")


def test_structs_have_readable_reprs_and_tool_use_equality() -> None:
    block = ToolUseBlock(id="t", name="n", input={"a": 1})
    assert "ToolUseBlock(" in repr(block)
    assert msgspec.json.decode(block.to_json()) == {
        "type": "tool_use",
        "id": "t",
        "name": "n",
        "input": {"a": 1},
    }


def test_pydantic_names_and_item_access() -> None:
    decoded = decode_message(json.dumps(message([{"type": "text", "text": "a"}], new_key=None)))
    assert decoded.model_dump(exclude_unset=True) == decoded.to_dict()
    assert decoded.model_dump()["new_key"] is None
    assert "new_key" not in decoded.model_dump(exclude_none=True)
    assert "stop_sequence" not in decoded.model_dump(exclude_none=True)
    assert json.loads(decoded.model_dump_json(indent=2)) == decoded.model_dump(mode="json")
    assert json.loads(decoded.model_dump_json(exclude_none=True)) == decoded.model_dump(
        exclude_none=True
    )
    assert decoded["model"] == "claude-sonnet-5-5"
    assert decoded.content[0]["type"] == "text"
    assert decoded.content[0]["text"] == "a"
    assert decoded["new_key"] is None
    with pytest.raises(KeyError):
        decoded["missing"]
    clean = decode_message(json.dumps(DOC_MESSAGES[0]))
    assert clean.model_extra == {}
    assert UnknownBlock("x", b'{"type":"x","a":1}').model_dump() == {"type": "x", "a": 1}


def test_unknown_keys_never_shadow_methods() -> None:
    decoded = decode_message(json.dumps(message([], to_dict="shadow", type_="t")))
    assert decoded["to_dict"] == "shadow"
    assert decoded.to_dict()["to_dict"] == "shadow"


def test_what_no_api_could_send_still_fails() -> None:
    from anyio_claude._errors import ProtocolError

    for bad in (
        message([], type="error"),  # another object
        message([{"text": "no type"}]),  # a block without its tag
        message([], usage={"input_tokens": "12", "output_tokens": 1}),  # wrong JSON type
        {k: v for k, v in message([]).items() if k != "type"},  # identity missing
    ):
        with pytest.raises(ProtocolError):
            decode_message(json.dumps(bad))


def test_lenient_decoder_is_a_drop_in_for_msgspec_decoder() -> None:
    from anyio_claude.types import ModelInfo
    from anyio_claude.types._decode import LenientDecoder

    decoder = LenientDecoder(ModelInfo)
    info = decoder.decode(
        b'{"id":"m","type":"model","display_name":"M","created_at":"2025-01-01T00:00:00Z",'
        b'"lifecycle":"retired","line":"epic","x":1}'
    )
    assert (info.lifecycle, info.line, info["x"]) == ("retired", "epic", 1)
    with pytest.raises(msgspec.ValidationError):
        decoder.decode(b'{"id":"m","type":"model"}')
    with pytest.raises(msgspec.DecodeError):
        decoder.decode(b"{")


def test_model_dump_takes_pydantics_common_options() -> None:
    decoded = decode_message(json.dumps(DOC_MESSAGES[1]))
    assert decoded.model_dump(include={"id", "model"}) == {
        "id": decoded.id,
        "model": decoded.model,
    }
    assert "usage" not in decoded.model_dump(exclude={"usage"}, mode="json", by_alias=True)
    assert json.loads(decoded.model_dump_json(exclude={"content"}, indent=2)) == (
        decoded.model_dump(exclude={"content"})
    )
    unknown = UnknownBlock("x", b'{"type":"x","a":null,"b":1}')
    assert unknown.model_dump(exclude_none=True, exclude={"b"}) == {"type": "x"}
    assert unknown.model_dump_json() == '{"type":"x","a":null,"b":1}'
    assert unknown.model_extra == {"a": None, "b": 1}


def test_copies_and_pickles_keep_unknown_keys_and_request_id() -> None:
    import copy
    import pickle

    decoded = decode_message(
        json.dumps(message([{"type": "text", "text": "a", "x_block": 1}, json.loads(ODD)], x_top=2))
    )
    decoded._request_id = "req_1"  # type: ignore[misc]
    for clone in (
        pickle.loads(pickle.dumps(decoded)),
        copy.deepcopy(decoded),
        copy.copy(decoded),
    ):
        assert clone == decoded
        assert clone.to_dict() == decoded.to_dict()
        assert clone["x_top"] == 2
        assert clone.content[0]["x_block"] == 1
        assert clone._request_id == "req_1"

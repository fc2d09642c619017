"""The response types generated from the pinned official SDK (scripts/sync_wire.py): server
tool result contents, callers and cache-miss reasons decode to typed objects equal to the
official SDK's, drift in them is tolerated as elsewhere, and the `Beta…` names are ours."""

from __future__ import annotations

import json
from typing import Any

import anthropic.types
import anthropic.types.beta
import pytest
from hypothesis import given
from hypothesis import strategies as st

import anyio_claude.types as types
from anyio_claude import ProtocolError
from anyio_claude.types import (
    CacheMissMessagesChanged,
    DirectCaller,
    Message,
    Unknown,
    WebFetchBlock,
    WebSearchResultBlock,
    WebSearchToolResultBlock,
    decode_content_block,
    decode_message,
    encode_json,
)

RESULT = {"type": "web_search_result", "url": "https://a", "title": "A", "encrypted_content": "e"}
BLOCKS: dict[str, dict[str, Any]] = {
    "web search results": {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": [RESULT, {**RESULT, "url": "https://b", "page_age": "2 days"}],
        "caller": {"type": "direct"},
    },
    "web search error": {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"},
    },
    "web fetch document": {
        "type": "web_fetch_tool_result",
        "tool_use_id": "srvtoolu_2",
        "content": {
            "type": "web_fetch_result",
            "url": "https://a",
            "retrieved_at": "2026-01-01T00:00:00Z",
            "content": {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": "hi"},
                "title": "A",
                "citations": {"enabled": True},
            },
        },
        "caller": {"type": "code_execution_20250825", "tool_id": "srvtoolu_0"},
    },
    "code execution": {
        "type": "code_execution_tool_result",
        "tool_use_id": "srvtoolu_3",
        "content": {
            "type": "code_execution_result",
            "stdout": "4\n",
            "stderr": "",
            "return_code": 0,
            "content": [{"type": "code_execution_output", "file_id": "file_1"}],
        },
    },
    "bash error": {
        "type": "bash_code_execution_tool_result",
        "tool_use_id": "srvtoolu_4",
        "content": {
            "type": "bash_code_execution_tool_result_error",
            "error_code": "execution_time_exceeded",
        },
    },
    "text editor view": {
        "type": "text_editor_code_execution_tool_result",
        "tool_use_id": "srvtoolu_5",
        "content": {
            "type": "text_editor_code_execution_view_result",
            "content": "x = 1\n",
            "file_type": "text",
            "num_lines": 1,
            "start_line": 1,
            "total_lines": 1,
        },
    },
    "tool search": {
        "type": "tool_search_tool_result",
        "tool_use_id": "srvtoolu_6",
        "content": {
            "type": "tool_search_tool_search_result",
            "tool_references": [{"type": "tool_reference", "tool_name": "get_weather"}],
        },
    },
}
MESSAGE: dict[str, Any] = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-5-5",
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 2},
    "diagnostics": {
        "cache_miss_reason": {"type": "messages_changed", "cache_missed_input_tokens": 7}
    },
}


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_server_tool_results_decode_as_the_official_sdk_parses_them(name: str) -> None:
    data = {**MESSAGE, "content": [BLOCKS[name]]}
    ours = decode_message(json.dumps(data))
    theirs = anthropic.types.Message.model_validate(data)
    assert ours.model_dump() == theirs.model_dump()
    assert type(ours.content[0].content).__name__ == type(theirs.content[0].content).__name__  # type: ignore[union-attr]
    # Sent back in the next turn as it came (fields left out stay out).
    assert json.loads(encode_json(ours.content[0])) == BLOCKS[name]


def test_typed_contents_read_as_attributes() -> None:
    message = decode_message(json.dumps({**MESSAGE, "content": list(BLOCKS.values())}))
    search = message.content[0]
    assert isinstance(search, WebSearchToolResultBlock)
    assert isinstance(search.content, list)
    assert [r.url for r in search.content] == ["https://a", "https://b"]
    assert isinstance(search.content[0], WebSearchResultBlock)
    assert search.caller == DirectCaller()
    fetch = message.content[2].content  # type: ignore[union-attr]
    assert isinstance(fetch, WebFetchBlock) and fetch.content.title == "A"
    assert message.diagnostics is not None
    assert message.diagnostics.cache_miss_reason == CacheMissMessagesChanged(
        cache_missed_input_tokens=7
    )


def test_drift_inside_a_typed_content_is_kept() -> None:
    block = {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": [{**RESULT, "favicon": "f.png"}],
        "caller": {"type": "caller_of_2027", "id": "x"},
    }
    decoded = decode_content_block(json.dumps(block))
    assert isinstance(decoded, WebSearchToolResultBlock)
    assert isinstance(decoded.content, list)
    assert decoded.content[0]["favicon"] == "f.png"
    assert isinstance(decoded.caller, Unknown) and decoded.caller.type == "caller_of_2027"
    assert json.loads(encode_json(decoded)) == block
    error = {**block, "content": {"type": "web_search_error_of_2027", "why": "new"}}
    decoded = decode_content_block(json.dumps(error))
    assert isinstance(decoded, WebSearchToolResultBlock)
    assert isinstance(decoded.content, Unknown) and decoded.content.why == "new"
    assert json.loads(encode_json(decoded)) == error


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    kind=st.sampled_from(sorted(BLOCKS)),
    content=JSON | st.sampled_from([b["content"] for b in BLOCKS.values()]),
)
def test_any_content_decodes_or_raises_our_error(kind: str, content: object) -> None:
    block = {**BLOCKS[kind], "content": content}
    try:
        decoded = decode_content_block(json.dumps(block))
    except ProtocolError:
        return
    assert decoded.type == block["type"]


def test_beta_names_are_our_classes_or_generated_ones() -> None:
    assert types.BetaMessage is Message
    assert types.BetaWebSearchToolResultBlock is WebSearchToolResultBlock
    assert types.BetaRawMessageStreamEvent is not None
    from anyio_claude.types.beta import BetaMessage, BetaUsage
    from anyio_claude.types.beta.beta_web_search_tool_result_block import Caller

    assert BetaMessage is Message and BetaUsage is types.Usage
    assert DirectCaller in Caller.__args__
    # Every official beta response model reachable from the messages surface has a name here.
    for name in ("BetaMessage", "BetaContentBlock", "BetaMessageTokensCount", "BetaModelInfo"):
        assert hasattr(anthropic.types.beta, name) and hasattr(types, name)
    assert types.BetaMessageBatch is types.MessageBatch


ITERATION = {
    "type": "compaction",
    "input_tokens": 5,
    "output_tokens": 6,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}


def test_beta_only_fields_are_left_out_of_a_non_beta_dump() -> None:
    data = {**MESSAGE, "content": []}
    ours, theirs = Message.model_validate(data), anthropic.types.Message.model_validate(data)
    assert ours.model_dump() == theirs.model_dump()
    beta = {**data, "usage": {**data["usage"], "iterations": [ITERATION]}}
    ours_beta = Message.model_validate(beta)
    theirs_beta = anthropic.types.beta.BetaMessage.model_validate(beta)
    # One class for both: the beta-only fields that are None are left out, as for a
    # non-beta reply (the official beta dump has them as None).
    assert ours_beta.model_dump(exclude_none=True) == theirs_beta.model_dump(exclude_none=True)
    assert ours_beta.model_dump()["usage"]["iterations"] == [{**ITERATION, "cache_creation": None}]

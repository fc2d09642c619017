"""pydantic's model API on the wire types, checked against the official SDK's pydantic models.

Users' fixtures and caches call `model_validate`, `model_dump`, `model_copy`, ... on the
official types; after changing the import they must get the same data back. Each case is
fed to both (differential), and the differences docs/migration.md lists are asserted here
too, so that the page stays true.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from anyio_claude import ValidationError
from anyio_claude.types import (
    Message,
    MessageBatch,
    TextBlock,
    UnknownBlock,
    decode_message,
)
from anyio_claude.types._base import BaseStruct

MESSAGE: dict[str, Any] = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-5-5",
    "content": [
        {"type": "thinking", "thinking": "Let me look.", "signature": "sig"},
        {"type": "redacted_thinking", "data": "EmwKAhgB"},
        {
            "type": "text",
            "text": "Grass is green.",
            "citations": [
                {
                    "type": "char_location",
                    "cited_text": "green",
                    "document_index": 0,
                    "start_char_index": 1,
                    "end_char_index": 5,
                },
                {
                    "type": "page_location",
                    "cited_text": "p",
                    "document_index": 1,
                    "document_title": "A PDF",
                    "start_page_number": 1,
                    "end_page_number": 2,
                    "x_citation": 1,
                },
            ],
        },
        {
            "type": "tool_use",
            "id": "toolu_1",
            "name": "get_weather",
            "input": {"city": None, "days": [1, {"hourly": None}]},
            "x_block": {"k": None},
        },
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"q": "x"}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 10,
        "output_tokens": 20,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 5,
        "cache_creation": {"ephemeral_5m_input_tokens": 1, "ephemeral_1h_input_tokens": 2},
        "server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0},
        "service_tier": "standard",
        "x_usage": 3,
    },
    "container": {"id": "container_1", "expires_at": "2026-11-26T15:00:00.123456Z"},
    "new_top": {"nested": [1, None]},
    "x_none": None,
}

BATCH: dict[str, Any] = {
    "id": "msgbatch_01",
    "type": "message_batch",
    "processing_status": "ended",
    "request_counts": {"processing": 0, "succeeded": 1, "errored": 0, "canceled": 0, "expired": 0},
    "created_at": "2024-09-24T18:37:24.100435Z",
    "expires_at": "2024-09-25T18:37:24Z",
    "ended_at": "2024-09-24T18:40:00Z",
    "results_url": "https://api.anthropic.com/v1/messages/batches/msgbatch_01/results",
    "x_batch": [1],
}


def official(name: str) -> Any:
    import anthropic.types
    import anthropic.types.messages

    for module in (anthropic.types, anthropic.types.messages):
        if hasattr(module, name):
            return getattr(module, name)
    raise LookupError(name)


# ----------------------------------------------------------------------- model_validate


def test_model_validate_returns_an_instance_as_is() -> None:
    message = Message.model_validate(MESSAGE)
    assert Message.model_validate(message) is message


def test_model_validate_decodes_as_replies_are_decoded() -> None:
    data = {**MESSAGE, "content": [{"type": "hologram", "frames": [1, 2]}], "stop_reason": "new"}
    message = Message.model_validate(data)
    assert message.to_dict() == decode_message(json.dumps(data)).to_dict()
    assert isinstance(message.content[0], UnknownBlock)
    assert message.stop_reason == "new"
    assert message.to_dict() == data
    assert Message.model_validate_json(json.dumps(data)).to_dict() == data
    # Documented difference: the official model_validate refuses a block type it does not
    # know (the official SDK's own reply parsing accepts it).
    with pytest.raises(ValueError):
        official("Message").model_validate(data)


@pytest.mark.parametrize(
    ("kind", "data", "match"),
    [
        (Message, [1, 2], r"invalid Message: Expected `object` for Message"),
        (Message, {**MESSAGE, "usage": {"input_tokens": "10"}}, r"at `\$\.usage\.input_tokens`"),
        (Message, {**MESSAGE, "type": "error"}, r"invalid Message: .* at `\$\.type`"),
        (Message, {"id": object()}, r"invalid Message: cannot encode object as JSON"),
        (
            TextBlock,
            {"type": "thinking", "thinking": "x"},
            "TextBlock has type 'text', not 'thinking'",
        ),
        (MessageBatch, {**BATCH, "created_at": "yesterday"}, r"at `\$\.created_at`"),
    ],
)
def test_model_validate_raises_a_validation_error(
    kind: type[BaseStruct], data: Any, match: str
) -> None:
    with pytest.raises(ValidationError, match=match):
        kind.model_validate(data)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("{not json", "Message is not valid JSON"),
        (b"", "Message is not valid JSON"),
        (b"[1, 2]", r"invalid Message: Expected `object` for Message"),
        (json.dumps({**MESSAGE, "content": [{"text": "no type"}]}), r"at `\$\.content\[0\]`"),
    ],
)
def test_model_validate_json_raises_a_validation_error(data: str | bytes, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        Message.model_validate_json(data)


def test_validation_errors_are_value_errors_as_pydantics_are() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(type(_pydantic_error()), ValueError)
    with pytest.raises(ValueError):
        Message.model_validate_json("")


def _pydantic_error() -> Exception:
    try:
        official("Message").model_validate_json("")
    except Exception as exc:
        return exc
    raise AssertionError("the official model_validate_json accepted ''")

"""pydantic's model API on the wire types, checked against the official SDK's pydantic models.

Users' fixtures and caches call `model_validate`, `model_dump`, `model_copy`, ... on the
official types; after changing the import they must get the same data back. Each case is
fed to both (differential), and the differences docs/migration.md lists are asserted here
too, so that the page stays true.
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
import pickle
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings

from anyio_claude import ValidationError
from anyio_claude.streaming import MessageAccumulator, decode_event
from anyio_claude.types import (
    ContentBlockDeltaEvent,
    DeletedMessageBatch,
    Message,
    MessageBatch,
    MessageBatchIndividualResponse,
    MessageStartEvent,
    MessageTokensCount,
    ModelInfo,
    TextBlock,
    TextDelta,
    ThinkingBlock,
    ToolUseBlock,
    UnknownBlock,
    WebSearchToolResultBlock,
    _wire,
    decode_message,
    encode_json,
)
from anyio_claude.types._base import BaseStruct, TaggedStruct

from ._events import event_streams

CAP = {"supported": True}
NO = {"supported": False}

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

MODEL_INFO: dict[str, Any] = {
    "id": "claude-sonnet-5-5",
    "type": "model",
    "display_name": "Claude Sonnet 5.5",
    "created_at": "2026-02-19T00:00:00Z",
    "max_input_tokens": 200000,
    "max_tokens": 64000,
    "lifecycle": "active",
    "capabilities": {
        "batch": CAP,
        "citations": CAP,
        "code_execution": NO,
        "context_management": {"supported": True, "clear_thinking_20251015": CAP},
        "effort": {"supported": True, "low": CAP, "medium": CAP, "high": CAP, "max": NO},
        "image_input": CAP,
        "pdf_input": CAP,
        "server_tools": {"supported": True, "code_execution": NO, "web_search": CAP},
        "structured_outputs": CAP,
        "thinking": {
            "supported": True,
            "types": {"adaptive": CAP, "between_tools": CAP, "disabled": CAP, "enabled": NO},
        },
        "x_capability": CAP,
    },
}

CLEAN: dict[str, Any] = {
    "id": "msg_02",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-5-5",
    "content": [
        {"type": "text", "text": "Hi", "citations": [MESSAGE["content"][2]["citations"][0]]},
        MESSAGE["content"][0],
    ],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 10, "output_tokens": 20},
}

RESULT_LINE: dict[str, Any] = {
    "custom_id": "req-1",
    "result": {"type": "succeeded", "message": MESSAGE},
}

START_EVENT: dict[str, Any] = {
    "type": "message_start",
    "message": {**MESSAGE, "content": [], "stop_reason": None},
}
DELTA_EVENT: dict[str, Any] = {
    "type": "content_block_delta",
    "index": 2,
    "delta": {"type": "text_delta", "text": "Hi", "x_delta": True},
}


def official(name: str) -> Any:
    import anthropic.types
    import anthropic.types.messages

    for module in (anthropic.types, anthropic.types.messages):
        if hasattr(module, name):
            return getattr(module, name)
    raise LookupError(name)


# (our type, the official type's name, the data): every case both sides accept.
CASES: dict[str, tuple[type[BaseStruct], str, dict[str, Any]]] = {
    "message": (Message, "Message", MESSAGE),
    "batch": (MessageBatch, "MessageBatch", BATCH),
    "model info": (ModelInfo, "ModelInfo", MODEL_INFO),
    "batch result line": (
        MessageBatchIndividualResponse,
        "MessageBatchIndividualResponse",
        RESULT_LINE,
    ),
    "message_start": (MessageStartEvent, "RawMessageStartEvent", START_EVENT),
    "content_block_delta": (ContentBlockDeltaEvent, "RawContentBlockDeltaEvent", DELTA_EVENT),
    "deleted batch": (
        DeletedMessageBatch,
        "DeletedMessageBatch",
        {"id": "b", "type": "message_batch_deleted"},
    ),
    "token count": (MessageTokensCount, "MessageTokensCount", {"input_tokens": 3}),
    "text block": (TextBlock, "TextBlock", {"type": "text", "text": "hi", "x": 1}),
}
IDS = list(CASES)


# Per case: an update of one field and one unknown key, for model_copy.
UPDATES: dict[str, dict[str, Any]] = {
    "message": {"model": "claude-opus-5", "x_new": [1]},
    "batch": {"processing_status": "canceling", "x_new": [1]},
    "model info": {"display_name": "Renamed", "x_new": [1]},
    "batch result line": {"custom_id": "req-2", "x_new": [1]},
    "message_start": {"x_new": [1]},
    "content_block_delta": {"index": 7, "x_new": [1]},
    "deleted batch": {"id": "b2", "x_new": [1]},
    "token count": {"input_tokens": 4, "x_new": [1]},
    "text block": {"text": "bye", "x_new": [1]},
}


def both(case: str) -> tuple[BaseStruct, Any, dict[str, Any]]:
    ours, name, data = CASES[case]
    return ours.model_validate(copy.deepcopy(data)), official(name).model_validate(data), data


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
    assert TextBlock.model_validate({"text": "hi"}) == TextBlock(text="hi")  # the tag implied
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


@pytest.mark.parametrize("case", IDS)
def test_model_validate_round_trips_and_reads_the_official_sdks_caches(case: str) -> None:
    ours, theirs, data = both(case)
    kind = type(ours)
    for dumped in (ours.model_dump(), ours.model_dump(mode="json"), theirs.model_dump()):
        again = kind.model_validate(dumped)
        assert again == ours
        assert again.to_dict() == ours.to_dict()  # unknown keys included
    texts = (ours.model_dump_json(), theirs.model_dump_json(indent=2), theirs.to_json())
    for text in (*texts, json.dumps(data)):
        for raw in (text, text.encode(), bytearray(text.encode())):
            again = kind.model_validate_json(raw)
            assert again == ours
            assert again.to_dict() == ours.to_dict()
    # ...and the official SDK reads what ours writes.
    assert type(theirs).model_validate_json(ours.model_dump_json()) == theirs
    assert type(theirs).model_validate(ours.model_dump()) == theirs


# --------------------------------------------------------------------------- model_dump


@pytest.mark.parametrize("case", IDS)
def test_model_dump_is_the_official_sdks(case: str) -> None:
    ours, theirs, data = both(case)
    assert ours.model_dump() == theirs.model_dump()  # datetimes stay datetimes
    assert ours.model_dump(mode="json") == theirs.model_dump(mode="json")
    assert json.loads(ours.model_dump_json()) == json.loads(theirs.model_dump_json())
    assert ours.model_dump_json(indent=2) == msgspec.json.format(ours.model_dump_json(), indent=2)
    for key in data:
        assert ours.model_dump(include={key}) == theirs.model_dump(include={key})
        assert ours.model_dump(exclude={key}) == theirs.model_dump(exclude={key})
        assert json.loads(ours.model_dump_json(include={key})) == theirs.model_dump(
            mode="json", include={key}
        )


@pytest.mark.parametrize("case", IDS)
def test_exclude_none_is_the_official_sdks(case: str) -> None:
    # The None-valued fields and unknown keys of objects go; a None inside a tool's
    # `input` or inside an unknown key's value stays.
    ours, theirs, _ = both(case)
    assert ours.model_dump(exclude_none=True) == theirs.model_dump(exclude_none=True)
    assert json.loads(ours.model_dump_json(exclude_none=True)) == theirs.model_dump(
        mode="json", exclude_none=True
    )


@pytest.mark.parametrize("case", IDS)
def test_exclude_unset_is_the_official_sdks_for_what_the_api_left_out(case: str) -> None:
    # No case sends null for an optional field: then "not set" and "at its default" agree.
    ours, theirs, _ = both(case)
    assert ours.model_dump(exclude_unset=True) == theirs.model_dump(exclude_unset=True)
    assert ours.model_dump(exclude_defaults=True) == ours.model_dump(exclude_unset=True)
    assert ours.model_dump(mode="json", exclude_unset=True) == ours.to_dict()


def test_exclude_unset_also_drops_the_nulls_the_api_sent() -> None:
    # Documented difference: msgspec does not record which keys the JSON had.
    data = {**BATCH, "archived_at": None}
    assert "archived_at" not in MessageBatch.model_validate(data).model_dump(exclude_unset=True)
    theirs = official("MessageBatch").model_validate(data)
    assert theirs.model_dump(exclude_unset=True)["archived_at"] is None


def test_server_tool_results_are_typed_and_dump_as_the_official_sdk_dumps() -> None:
    result = {
        "type": "web_search_result",
        "url": "u",
        "title": "t",
        "encrypted_content": "e",
        "page_age": None,
    }
    data = {
        **MESSAGE,
        "content": [
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [result]}
        ],
    }
    ours = Message.model_validate(data)
    theirs = official("Message").model_validate(data)
    assert ours.model_dump() == theirs.model_dump()
    assert ours.model_dump(exclude_none=True) == theirs.model_dump(exclude_none=True)
    block = ours.content[0]
    assert isinstance(block, WebSearchToolResultBlock) and isinstance(block.content, list)
    assert block.content[0].url == "u"


def test_nested_include_and_exclude_are_refused() -> None:
    message = Message.model_validate(MESSAGE)
    assert message.model_dump(include={"id": True, "usage": ...}).keys() == {"id", "usage"}
    with pytest.raises(ValueError, match="top-level keys"):
        message.model_dump(exclude={"usage": {"input_tokens"}})


def test_unknown_blocks_dump_their_json() -> None:
    block = UnknownBlock("hologram", b'{"type":"hologram","a":null,"b":{"c":null}}')
    assert block.model_dump() == block.model_dump(mode="json") == block.to_dict()
    assert block.model_dump(exclude_none=True) == {"type": "hologram", "b": {"c": None}}
    assert block.model_dump_json(exclude={"a"}) == '{"type":"hologram","b":{"c":null}}'


# ----------------------------------------------------- attribute access to unknown keys


def test_unknown_keys_read_as_attributes_as_in_the_official_sdk() -> None:
    ours = Message.model_validate(MESSAGE)
    theirs = official("Message").model_validate(MESSAGE)
    assert ours.new_top == theirs.new_top == {"nested": [1, None]}
    assert ours.x_none is theirs.x_none is None
    assert ours.usage.x_usage == theirs.usage.x_usage == 3
    block = ours.content[3]
    assert isinstance(block, ToolUseBlock)
    assert block.x_block == {"k": None}
    with pytest.raises(AttributeError, match="x_absent"):
        ours.x_absent  # noqa: B018
    assert not hasattr(Message.model_validate({**MESSAGE, "new_top": 1}).usage, "new_top")


def test_unknown_keys_never_shadow_what_the_class_defines() -> None:
    data = {
        **MESSAGE,
        "to_dict": "shadow",
        "model_dump": 1,
        "model_extra": 2,
        "_request_id": "req_evil",
        "__wire_extra__": "evil",
        "__class__": "evil",
    }
    message = Message.model_validate(data)
    assert callable(message.to_dict) and callable(message.model_dump)
    assert message._request_id is None
    assert message.__class__ is Message
    assert message.model_extra == {k: v for k, v in data.items() if k not in MESSAGE} | {
        "new_top": MESSAGE["new_top"],
        "x_none": None,
    }
    assert message.to_dict() == data
    assert message["to_dict"] == "shadow"


def test_unknown_keys_stay_attributes_through_copies_and_the_accumulator() -> None:
    message = Message.model_validate(MESSAGE)
    for clone in (
        copy.copy(message),
        copy.deepcopy(message),
        pickle.loads(pickle.dumps(message)),
        message.model_copy(update={"model": "m"}),
    ):
        assert clone.new_top == {"nested": [1, None]}
        assert clone.usage.x_usage == 3
    acc = MessageAccumulator()
    start = {"type": "message_start", "message": {**MESSAGE, "content": [], "stop_reason": None}}
    acc.update(decode_event(json.dumps(start)))
    before = acc.snapshot  # copied from message_start's message
    assert before.new_top == {"nested": [1, None]}
    assert before.usage.x_usage == 3
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "x_late": 1},
        "usage": {"output_tokens": 5, "x_total": 2},
    }
    acc.update(decode_event(json.dumps(delta)))
    snapshot = acc.snapshot
    assert snapshot.new_top == {"nested": [1, None]}
    assert snapshot.x_late == 1
    assert (snapshot.usage.x_usage, snapshot.usage.x_total) == (3, 2)


def test_unknown_blocks_read_their_keys_as_attributes() -> None:
    block = UnknownBlock("hologram", b'{"type":"hologram","frames":[1,2]}')
    assert block.frames == [1, 2]
    with pytest.raises(AttributeError, match="'UnknownBlock' object has no attribute 'depth'"):
        block.depth  # noqa: B018
    with pytest.raises(AttributeError):
        block._frames  # noqa: B018
    assert copy.copy(block) == block and pickle.loads(pickle.dumps(block)) == block


# ---------------------------------------------------------------------- model_construct


@pytest.mark.parametrize("case", IDS)
def test_model_construct_builds_what_the_official_construct_builds(case: str) -> None:
    ours, name, data = CASES[case]
    built = ours.model_construct(**copy.deepcopy(data))
    theirs = official(name).model_construct(**copy.deepcopy(data))
    assert built.model_dump() == theirs.model_dump()
    assert built == ours.model_validate(data)


def test_model_construct_does_not_validate() -> None:
    message = Message.model_construct(
        id="msg_1",
        content=[{"type": "text", "text": "hi"}, {"type": "hologram"}],
        usage={"input_tokens": "many", "output_tokens": 2},
        x_top=1,
    )
    assert message.content == [
        TextBlock(text="hi"),
        UnknownBlock("hologram", b'{"type":"hologram"}'),
    ]
    assert message.usage == {"input_tokens": "many", "output_tokens": 2}  # kept as given
    assert message.model is None  # left out: None, as in the official SDK
    assert message.x_top == 1
    assert message.to_dict()["x_top"] == 1
    theirs = official("Message").model_construct(id="msg_1", x_top=1)
    assert Message.model_construct(id="msg_1", x_top=1).model_dump() == theirs.model_dump()
    drifted = Message.model_construct(content=[{"type": "text", "text": "a", "x_block": 2}])
    assert json.loads(drifted.to_json())["content"] == [{"type": "text", "text": "a", "x_block": 2}]
    block = ToolUseBlock.model_construct(type="tool_use", id="t", input=object())
    assert block.name is None
    with pytest.raises(ValidationError, match="ToolUseBlock has type 'tool_use', not 'text'"):
        ToolUseBlock.model_construct(type="text")


# --------------------------------------------------------------------------- model_copy


@pytest.mark.parametrize("case", IDS)
def test_model_copy_updates_as_the_official_sdk_does(case: str) -> None:
    ours, theirs, _ = both(case)
    update = UPDATES[case]
    for deep in (False, True):
        mine = ours.model_copy(update=update, deep=deep)
        assert type(mine) is type(ours)
        assert mine.model_dump() == theirs.model_copy(update=update, deep=deep).model_dump()
        assert mine.x_new == [1]
    assert ours.model_copy() == ours
    assert ours.model_copy().to_dict() == ours.to_dict()
    assert ours.model_dump() == theirs.model_dump()  # the original is unchanged


def test_model_copy_is_shallow_unless_deep() -> None:
    message = Message.model_validate(MESSAGE)
    message._request_id = "req_1"
    shallow, deep = message.model_copy(), message.model_copy(deep=True)
    assert shallow.content is message.content
    assert deep.content is not message.content and deep.content == message.content
    assert deep.content[3].x_block == {"k": None}
    for clone in (shallow, deep, message.model_copy(update={"id": "x"})):
        assert clone._request_id == "req_1"
        assert clone.new_top == {"nested": [1, None]}
    theirs = official("Message").model_validate(MESSAGE)
    assert theirs.model_copy().content is theirs.content  # the same in pydantic


def test_model_copy_does_not_validate_its_update() -> None:
    message = Message.model_validate(MESSAGE)
    raw = [{"type": "text", "text": "kept as a dict"}]
    assert message.model_copy(update={"content": raw}).content is raw
    block = TextBlock(text="a").model_copy(update={"type": "text"})
    assert block == TextBlock(text="a")
    with pytest.raises(ValidationError, match="TextBlock has type 'text', not 'thinking'"):
        TextBlock(text="a").model_copy(update={"type": "thinking"})


def test_model_copy_with_a_drifted_part_writes_its_unknown_keys() -> None:
    clean = Message.model_validate({**CLEAN, "content": []})
    drifted = TextBlock.model_validate({"type": "text", "text": "a", "x_block": 1})
    copied = clean.model_copy(update={"content": [drifted]})
    assert json.loads(copied.to_json())["content"] == [{"type": "text", "text": "a", "x_block": 1}]
    assert json.loads(encode_json(copied))["content"][0]["x_block"] == 1


# ---------------------------------------------------------------- type= on tagged types


def tagged_types() -> list[type[TaggedStruct]]:
    found: list[type[TaggedStruct]] = []
    stack = list(TaggedStruct.__subclasses__())
    while stack:
        kind = stack.pop()
        found.append(kind)
        stack += kind.__subclasses__()
    return found


def test_tagged_types_take_their_type() -> None:
    assert TextBlock(type="text", text="hi") == TextBlock(text="hi")
    assert TextDelta(type="text_delta", text="x").type == "text_delta"
    for kind in tagged_types():
        tag = kind.__struct_config__.tag
        required = {f.name: None for f in msgspec.structs.fields(kind) if f.required}
        built = kind(type=tag, **required)
        assert built.type == tag == kind.type
        assert msgspec.json.decode(encode_json(built))["type"] == tag
        assert "type" not in kind.__struct_fields__


def test_a_wrong_type_is_a_validation_error_naming_it() -> None:
    with pytest.raises(ValidationError, match="TextBlock has type 'text', not 'thinking'"):
        TextBlock(type="thinking", text="hi")
    with pytest.raises(ValidationError, match="ThinkingBlock has type 'thinking', not None"):
        ThinkingBlock(type=None, thinking="", signature="")


def test_the_official_constructor_idiom_builds_equal_objects() -> None:
    theirs = official("TextBlock")(type="text", text="hi", citations=None)
    ours = TextBlock(type="text", text="hi", citations=None)
    assert ours.model_dump() == theirs.model_dump()
    assert TextBlock.model_validate(theirs.model_dump()) == ours


def test_decoding_never_calls_the_constructor(monkeypatch: pytest.MonkeyPatch) -> None:
    # The `type=` check costs nothing where replies are decoded and streams accumulated
    # (only the slow path that keeps unknown keys builds objects by calling their class).
    def refuse(cls: type, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{cls.__name__}(...) called")

    stream = [
        {"type": "message_start", "message": {**CLEAN, "content": []}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "a"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 1},
        },
        {"type": "message_stop"},
    ]
    monkeypatch.setattr(type(TextBlock), "__call__", refuse)
    with pytest.raises(AssertionError, match="called"):
        TextBlock(text="a")
    decode_message(json.dumps(CLEAN))
    Message.model_validate(CLEAN)
    acc = MessageAccumulator()
    for event in stream:
        acc.update(decode_event(json.dumps(event)))
    assert acc.snapshot.to_dict()["content"] == [{"type": "text", "text": "a"}]


def test_a_type_other_than_the_tag_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match=r"Odd: `type` must be the tag, 'odd'"):

        class Odd(TaggedStruct, tag="odd"):
            type: str = "even"


def test_every_tagged_wire_type_declares_its_type_for_type_checkers() -> None:
    # `type: Final[Literal["text"]] = "text"`: what makes `TextBlock(type="text", ...)`
    # type-check, and `block.type == "text"` narrow. (A `ClassVar` would decode the same.)
    tree = ast.parse(Path(inspect.getfile(_wire)).read_text(encoding="utf-8"))
    checked = 0
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        tag = next((k.value for k in node.keywords if k.arg == "tag"), None)
        if not isinstance(tag, ast.Constant):
            continue
        declared = [
            s for s in node.body if isinstance(s, ast.AnnAssign) and ast.unparse(s.target) == "type"
        ]
        assert len(declared) == 1, node.name
        expected = f"type: Final[Literal[{tag.value!r}]] = {tag.value!r}"
        assert ast.unparse(declared[0]).replace('"', "'") == expected, node.name
        checked += 1
    assert checked == len([t for t in tagged_types() if t.__module__ == _wire.__name__])


# ------------------------------------------------------------------- generated messages


@settings(max_examples=60, deadline=None)
@given(event_streams())
def test_generated_messages_dump_as_the_official_sdks(events: list[dict[str, Any]]) -> None:
    acc = MessageAccumulator()
    for event in events:
        acc.update(decode_event(json.dumps(event)))
    message = acc.snapshot
    if any(isinstance(block, UnknownBlock) for block in message.content):
        return  # the official model_validate refuses them (see above)
    theirs = official("Message").model_validate(message.model_dump())
    assert message.model_dump() == theirs.model_dump()
    assert message.model_dump(exclude_none=True) == theirs.model_dump(exclude_none=True)
    assert Message.model_validate_json(theirs.model_dump_json()) == message


@settings(max_examples=60, deadline=None)
@given(event_streams(drift=True))
def test_model_validate_inverts_model_dump(events: list[dict[str, Any]]) -> None:
    acc = MessageAccumulator()
    for event in events:
        acc.update(decode_event(json.dumps(event)))
    message = acc.snapshot
    for again in (
        Message.model_validate(message.model_dump()),
        Message.model_validate(message.model_dump(mode="json")),
        Message.model_validate_json(message.model_dump_json()),
        Message.model_construct(**message.model_dump()),
        message.model_copy(deep=True),
    ):
        # `==` compares an `UnknownBlock`'s bytes, which a dump re-encodes.
        assert again.model_dump() == message.model_dump()
        assert again.to_dict() == message.to_dict()
        assert list(map(type, again.content)) == list(map(type, message.content))


def test_beta_only_message_fields_are_dumped_only_when_set() -> None:
    from anthropic.types import Message as OfficialMessage
    from anthropic.types.beta import BetaMessage

    from anyio_claude.types import Message

    data: dict[str, Any] = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-sonnet-5-5",
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    plain = Message.model_validate(data)
    assert "context_management" not in plain.model_dump()
    assert OfficialMessage.model_validate_json(plain.model_dump_json()).model_extra == {}
    edit = {"type": "clear_tool_uses_20250919", "cleared_tool_uses": 2, "cleared_input_tokens": 900}
    edits = {"applied_edits": [edit]}
    managed = Message.model_validate({**data, "context_management": edits})
    dumped = managed.model_dump(mode="json")
    assert dumped["context_management"] == edits and "input_transformations" not in dumped
    official = BetaMessage.model_validate_json(managed.model_dump_json())
    assert official.context_management is not None
    assert official.context_management.model_dump(mode="json") == edits


def test_every_wire_type_is_a_base_model_as_in_the_official_sdk() -> None:
    import anyio_claude
    from anyio_claude.types import Message, MessageBatch, ModelInfo, TextBlock

    for kind in (Message, MessageBatch, ModelInfo, TextBlock):
        assert issubclass(kind, anyio_claude.BaseModel)
    assert not issubclass(dict, anyio_claude.BaseModel)

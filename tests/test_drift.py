"""API drift: what a newer API adds parses, stays readable and survives accumulation.

Each case is a reply the official SDK parses. Decoded by us (directly, through
`messages.create` from a raw server, and streamed by FakeClaude through `messages.stream`),
it must hold everything the official SDK's result holds, with typed defaults for known keys
that are absent or null, and keep what this version does not know.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from anyio_claude import AsyncClaude, BadRequestError
from anyio_claude.streaming import MessageAccumulator, decode_event
from anyio_claude.testing import FakeClaude
from anyio_claude.types import (
    CacheMissModelChanged,
    Container,
    Diagnostics,
    Message,
    RefusalStopDetails,
    TextBlock,
    ToolUseBlock,
    UnknownBlock,
    UnknownCitation,
    decode_message,
    encode_json,
)

from ._servers import raw_server, response
from .test_streaming_properties import contains

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
KEY = "sk-ant-secret-1234567890"
DROP = object()

BASE: dict[str, Any] = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "content": [{"type": "text", "text": "Grass is green."}],
    "model": MODEL,
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 12, "output_tokens": 7},
}


def reply(usage: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is DROP:
            del data[key]
        else:
            data[key] = value
    data["usage"].update(usage or {})
    return {k: v for k, v in data.items() if v is not DROP}


def text_block(message: Message) -> TextBlock:
    block = message.content[0]
    assert isinstance(block, TextBlock)
    return block


def check_new_citation(message: Message) -> None:
    citations = text_block(message).citations
    assert citations is not None
    assert isinstance(citations[0], UnknownCitation)
    assert citations[0]["start_ms"] == 1200


def check_one_ttl(message: Message) -> None:
    cache = message.usage.cache_creation
    assert cache is not None
    assert (cache.ephemeral_5m_input_tokens, cache.ephemeral_1h_input_tokens) == (30, 0)


def check_web_fetch_only(message: Message) -> None:
    tools = message.usage.server_tool_use
    assert tools is not None
    assert (tools.web_search_requests, tools.web_fetch_requests) == (0, 2)


def check_no_stop_sequence(message: Message) -> None:
    assert message.stop_sequence is None
    assert message.stop_reason == "end_turn"


def check_null_input_tokens(message: Message) -> None:
    assert message.usage.input_tokens == 0


def check_text_without_text(message: Message) -> None:
    assert text_block(message).text == ""


def check_new_fields(message: Message) -> None:
    # A required count the API left out reads as 0.
    reason = CacheMissModelChanged(cache_missed_input_tokens=0)
    assert message.diagnostics == Diagnostics(cache_miss_reason=reason)
    assert isinstance(message.container, Container)
    assert message.container.id == "container_1"
    assert message.stop_details == RefusalStopDetails(category="cyber", explanation=None)
    assert message["brand_new"] == {"nested": [1, 2]}
    assert message.model_extra == {"brand_new": {"nested": [1, 2]}}
    usage = message.usage
    assert (usage.inference_geo, usage.speed, usage.service_tier) == ("us", "fast", "priority")
    assert usage.output_tokens_details is not None
    assert usage.output_tokens_details.thinking_tokens == 3
    assert usage["future_counter"] == 4
    tool = message.content[1]
    assert isinstance(tool, ToolUseBlock)
    assert tool.toolset_name == "files"
    assert tool.input == {"path": "/tmp"}
    assert tool["x_origin"] == "toolset"
    sent = json.loads(encode_json({"role": "assistant", "content": message.content}))
    assert sent["content"][1]["x_origin"] == "toolset"
    dumped = json.loads(message.to_json())
    assert dumped["brand_new"] == {"nested": [1, 2]}
    assert dumped["usage"]["future_counter"] == 4


def check_new_block_and_reason(message: Message) -> None:
    assert message.stop_reason == "compaction"
    block = message.content[1]
    assert isinstance(block, UnknownBlock)
    assert block.type == "hologram"
    assert block["frames"] == [1, 2]


CASES: dict[str, tuple[dict[str, Any], Callable[[Message], None]]] = {
    "new citation type in a text block": (
        reply(
            content=[
                {
                    "type": "text",
                    "text": "Grass is green.",
                    "citations": [
                        {"type": "audio_location", "cited_text": "green", "start_ms": 1200}
                    ],
                }
            ]
        ),
        check_new_citation,
    ),
    "cache_creation with one TTL key": (
        reply(usage={"cache_creation": {"ephemeral_5m_input_tokens": 30}}),
        check_one_ttl,
    ),
    "server_tool_use with only web_fetch_requests": (
        reply(usage={"server_tool_use": {"web_fetch_requests": 2}}),
        check_web_fetch_only,
    ),
    "no stop_sequence key": (reply(stop_sequence=DROP), check_no_stop_sequence),
    "input_tokens null": (reply(usage={"input_tokens": None}), check_null_input_tokens),
    "a text block without text": (reply(content=[{"type": "text"}]), check_text_without_text),
    "new fields on known objects": (
        reply(
            usage={
                "inference_geo": "us",
                "speed": "fast",
                "service_tier": "priority",
                "output_tokens_details": {"thinking_tokens": 3},
                "future_counter": 4,
            },
            content=[
                {"type": "text", "text": "Listing."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "list_files",
                    "input": {"path": "/tmp"},
                    "toolset_name": "files",
                    "x_origin": "toolset",
                },
            ],
            stop_reason="refusal",
            diagnostics={"cache_miss_reason": {"type": "model_changed"}},
            container={"id": "container_1", "expires_at": "2026-11-26T15:00:00Z"},
            stop_details={"type": "refusal", "category": "cyber", "explanation": None},
            brand_new={"nested": [1, 2]},
        ),
        check_new_fields,
    ),
    "new block type and stop reason": (
        reply(
            content=[{"type": "text", "text": "Look:"}, {"type": "hologram", "frames": [1, 2]}],
            stop_reason="compaction",
        ),
        check_new_block_and_reason,
    ),
}
IDS = list(CASES)


def official_message(data: dict[str, Any]) -> dict[str, Any]:
    from anthropic._models import construct_type
    from anthropic.types import Message as OfficialMessage

    parsed: Any = construct_type(type_=OfficialMessage, value=copy.deepcopy(data))
    result: dict[str, Any] = parsed.to_dict(mode="json", warnings=False)
    return result


@pytest.mark.parametrize("case", IDS)
def test_decoded_reply_holds_what_the_official_sdk_parses(case: str) -> None:
    data, check = CASES[case]
    message = decode_message(json.dumps(data))
    check(message)
    assert contains(message.to_dict(), official_message(data))
    assert decode_message(message.to_json()).to_dict() == message.to_dict()


@pytest.mark.parametrize("case", IDS)
async def test_create_through_the_client(case: str) -> None:
    data, check = CASES[case]
    body = json.dumps(data).encode()
    headers = {"content-type": "application/json", "request-id": "req_drift"}
    handler_data = response(body, headers=headers)

    async def handler(stream: Any, request: bytes) -> None:
        await stream.send(handler_data)

    async with raw_server(handler) as srv, AsyncClaude(api_key=KEY, base_url=srv.url) as client:
        message = await client.messages.create(
            model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        )
    check(message)
    assert message._request_id == "req_drift"
    assert contains(message.to_dict(), official_message(data))


def stream_events(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The events that stream `data`: its text in two deltas, tool input as JSON deltas."""
    start = copy.deepcopy(data)
    start["content"] = []
    for key in ("stop_reason", "stop_sequence"):
        if key in start:
            start[key] = None
    top = {k: start.pop(k) for k in ("stop_details", "container") if k in start}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(data["content"]):
        deltas: list[dict[str, Any]] = []
        first = {k: v for k, v in block.items() if k != "citations"}
        if block["type"] == "text" and "text" in block:
            first["text"] = ""
            text = block["text"]
            deltas = [{"type": "text_delta", "text": t} for t in (text[:4], text[4:])]
        if block["type"] == "tool_use":
            first["input"] = {}
            deltas = [{"type": "input_json_delta", "partial_json": json.dumps(block["input"])}]
        deltas += [{"type": "citations_delta", "citation": c} for c in block.get("citations", ())]
        events.append({"type": "content_block_start", "index": index, "content_block": first})
        events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        events.append({"type": "content_block_stop", "index": index})
    delta = {k: data[k] for k in ("stop_reason", "stop_sequence") if k in data}
    events.append(
        {
            "type": "message_delta",
            "delta": {**delta, **top},
            "usage": {"output_tokens": data["usage"]["output_tokens"]},
        }
    )
    events.append({"type": "message_stop"})
    return events


def official_snapshot(events: list[dict[str, Any]]) -> dict[str, Any]:
    from anthropic.lib.streaming._messages import accumulate_event

    snapshot: Any = None
    json_bufs: dict[int, bytes] = {}
    for event in events:
        snapshot = accumulate_event(
            event=copy.deepcopy(event),  # type: ignore[arg-type]
            current_snapshot=snapshot,
            json_bufs=json_bufs,
        )
    result: dict[str, Any] = snapshot.to_dict(mode="json", warnings=False)
    return result


@pytest.mark.parametrize("case", IDS)
def test_accumulated_stream_holds_what_the_official_accumulator_holds(case: str) -> None:
    data, check = CASES[case]
    events = stream_events(data)
    acc = MessageAccumulator()
    for event in events:
        acc.update(decode_event(json.dumps(event)))
    check(acc.snapshot)
    assert contains(acc.snapshot.to_dict(), official_snapshot(events))


@pytest.mark.parametrize("case", IDS)
async def test_stream_through_the_client(case: str) -> None:
    data, check = CASES[case]
    events = stream_events(data)
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        server.script(events)
        async with client.messages.stream(
            model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            texts = [text async for text in stream.text_stream]
            message = await stream.get_final_message()
    assert client._transport is None or client._transport.num_connections == 0
    expected_text = "".join(b.get("text", "") for b in data["content"] if b["type"] == "text")
    assert "".join(texts) == expected_text
    check(message)
    assert contains(message.to_dict(), official_snapshot(events))


async def test_stream_drift_after_text_was_yielded() -> None:
    # The measured failure: text arrives, then a delta of a type this version does not know.
    events = stream_events(CASES["new citation type in a text block"][0])
    events.insert(
        -3, {"type": "content_block_delta", "index": 0, "delta": {"type": "audio_delta", "ms": 5}}
    )
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        server.script(events)
        async with client.messages.stream(
            model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            seen = [event.type async for event in stream]
            message = stream.current_message_snapshot
    assert seen.count("text") == 2
    assert seen[-1] == "message_stop"
    check_new_citation(message)


async def test_model_info_and_error_bodies_keep_new_keys() -> None:
    model = {
        "id": "claude-x",
        "type": "model",
        "display_name": "Claude X",
        "created_at": "2026-01-01T00:00:00Z",
        "lifecycle": "sunsetting",
        "capabilities": {"batch": {"supported": True}, "telepathy": {"supported": False}},
        "x_new": 1,
    }
    error = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "bad", "param": "max_tokens"},
        "request_id": "req_1",
        "x_hint": "lower it",
    }

    async def handler(stream: Any, request: bytes) -> None:
        if request.startswith(b"GET"):
            await stream.send(response(json.dumps(model).encode()))
        else:
            await stream.send(response(json.dumps(error).encode(), status=400))

    async with raw_server(handler) as srv, AsyncClaude(api_key=KEY, base_url=srv.url) as client:
        info = await client.models.retrieve("claude-x")
        with pytest.raises(BadRequestError) as caught:
            await client.messages.create(
                model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "hi"}]
            )
    assert info.lifecycle == "sunsetting"
    assert info["x_new"] == 1
    assert info.capabilities is None or info.capabilities.batch.supported
    assert info.to_dict()["capabilities"]["telepathy"] == {"supported": False}
    assert caught.value.type == "invalid_request_error"
    assert caught.value.body == error


def test_every_module_decodes_wire_types_leniently() -> None:
    # A plain msgspec Decoder of a wire type fails on any unknown key (the Structs forbid
    # them so that the lenient path can keep them): modules must use LenientDecoder.
    import importlib
    import pkgutil

    import msgspec

    import anyio_claude
    from anyio_claude.types._base import BaseStruct

    strict = []
    for info in pkgutil.walk_packages(anyio_claude.__path__, "anyio_claude."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, msgspec.json.Decoder):
                target = value.type
                if isinstance(target, type) and issubclass(target, BaseStruct):
                    strict.append(f"{info.name}.{name}")
    assert not strict, f"use types._decode.LenientDecoder for {strict}"


@pytest.mark.parametrize("position", [0, 1])
def test_unknown_keys_of_a_block_that_is_not_the_last_survive_to_dict(position: int) -> None:
    content: list[dict[str, Any]] = [
        {"type": "text", "text": "one"},
        {"type": "text", "text": "two"},
        {"type": "text", "text": "three"},
    ]
    content[position]["glow"] = {"level": 3}
    data = reply(content=content)
    message = decode_message(json.dumps(data))
    assert message.content[position]["glow"] == {"level": 3}  # type: ignore[index]
    assert message.to_dict()["content"] == content
    assert json.loads(message.to_json())["content"] == content
    assert json.loads(encode_json(message))["content"] == content
    assert message.model_dump(mode="json")["content"][position]["glow"] == {"level": 3}
    # Replacing a later block keeps the earlier block's unknown keys.
    changed = message.model_copy(update={"stop_reason": "max_tokens"})
    assert changed.to_dict()["content"] == content
    # A clean message given the drifted blocks (a list whose last block is clean).
    clean = decode_message(json.dumps(reply()))
    moved = clean.model_copy(update={"content": message.content})
    assert moved.to_dict()["content"] == content

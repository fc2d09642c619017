"""Beta content blocks, deltas and message fields decode to typed Structs, as the official
SDK's beta types parse them, keep what this version does not know, and accumulate from a
stream (through `client.beta.messages.stream` too, on asyncio and trio)."""

from __future__ import annotations

import copy
import json
import typing
from typing import Any

import pytest

from anyio_claude import AsyncClaude
from anyio_claude._errors import EventProtocolError, ProtocolError
from anyio_claude.streaming import (
    InputJsonEvent,
    MessageStreamState,
    ParsedContentBlockStopEvent,
    decode_event,
)
from anyio_claude.testing import FakeClaude
from anyio_claude.types import (
    BetaAdvisorResultBlock,
    BetaAdvisorToolResultBlock,
    BetaAdvisorToolResultErrorObject,
    BetaCompactionBlock,
    BetaCompactionContentBlockDelta,
    BetaContextManagementResponse,
    BetaFallbackBlock,
    BetaFallbackInfo,
    BetaMCPToolListingBlock,
    BetaMCPToolResultBlock,
    BetaMCPToolUseBlock,
    BetaThinkingDroppedInputTransformation,
    ContentBlock,
    ContentBlockDeltaEvent,
    MessageDeltaEvent,
    RawContentBlockDelta,
    UnknownBlock,
    decode_content_block,
    decode_message,
    encode_json,
)

from ._events import delta, message_start, start, stop
from .test_beta_streaming_properties import official_beta_snapshots
from .test_streaming_properties import contains, strip_none

# One block of each beta type, in the shapes of the official SDK's beta types.
BETA_BLOCKS: dict[str, tuple[type[Any], dict[str, Any]]] = {
    "compaction": (
        BetaCompactionBlock,
        {
            "type": "compaction",
            "content": "The user asked about sockets; we covered select and epoll.",
            "encrypted_content": "enc-1",
            "signature": "sig-1",
            "tool_changes": [{"type": "tool_addition", "tool": {"type": "tool_reference"}}],
        },
    ),
    "mcp_tool_use": (
        BetaMCPToolUseBlock,
        {
            "type": "mcp_tool_use",
            "id": "mcptoolu_1",
            "name": "search_issues",
            "server_name": "tracker",
            "input": {"query": "flaky", "limit": 5},
        },
    ),
    "mcp_tool_result": (
        BetaMCPToolResultBlock,
        {
            "type": "mcp_tool_result",
            "tool_use_id": "mcptoolu_1",
            "is_error": False,
            "content": [{"type": "text", "text": "3 issues"}],
        },
    ),
    "mcp_tool_listing": (
        BetaMCPToolListingBlock,
        {
            "type": "mcp_tool_listing",
            "mcp_server_name": "tracker",
            "tools": [{"name": "search_issues", "input_schema": {"type": "object"}}],
        },
    ),
    "advisor_tool_result": (
        BetaAdvisorToolResultBlock,
        {
            "type": "advisor_tool_result",
            "tool_use_id": "srvtoolu_1",
            "content": {"type": "advisor_result", "text": "Check the timeout first."},
        },
    ),
    "fallback": (
        BetaFallbackBlock,
        {
            "type": "fallback",
            "from": {"model": "claude-sonnet-5-5"},
            "to": {"model": "claude-haiku-5-0"},
            "trigger": {"type": "refusal", "category": "cyber"},
        },
    ),
}


def official_tags(alias: Any) -> set[str]:
    """The `type` tags of the members of one of the official SDK's discriminated unions."""
    (union, *_) = typing.get_args(alias)
    return {
        typing.get_args(member.model_fields["type"].annotation)[0]
        for member in typing.get_args(union)
    }


def our_tags(union: Any) -> set[str]:
    return {member.__struct_config__.tag for member in typing.get_args(union)}


def test_every_official_beta_block_and_delta_type_is_typed_here() -> None:
    from anthropic.types.beta import BetaContentBlock, BetaRawContentBlockDelta

    assert official_tags(BetaContentBlock) == our_tags(ContentBlock)
    assert official_tags(BetaRawContentBlockDelta) == our_tags(RawContentBlockDelta)


def official_block(data: dict[str, Any]) -> dict[str, Any]:
    from anthropic._models import construct_type
    from anthropic.types.beta import BetaContentBlock

    parsed: Any = construct_type(type_=BetaContentBlock, value=copy.deepcopy(data))
    result: dict[str, Any] = parsed.to_dict(mode="json", warnings=False)
    return result


@pytest.mark.parametrize("kind", list(BETA_BLOCKS))
def test_beta_block_decodes_typed_and_round_trips(kind: str) -> None:
    cls, data = BETA_BLOCKS[kind]
    block = decode_content_block(json.dumps(data))
    assert type(block) is cls
    assert block.type == kind
    assert block.to_dict() == data
    assert json.loads(encode_json(block)) == data
    assert official_block(data) == data  # the example is what the official SDK parses


def test_advisor_result_content_and_mcp_listing_tools_are_typed() -> None:
    advisor = decode_content_block(json.dumps(BETA_BLOCKS["advisor_tool_result"][1]))
    assert isinstance(advisor, BetaAdvisorToolResultBlock)
    assert isinstance(advisor.content, BetaAdvisorResultBlock)
    assert advisor.content.text == "Check the timeout first."
    error = {**BETA_BLOCKS["advisor_tool_result"][1]}
    error["content"] = {"type": "advisor_tool_result_error", "error_code": "unavailable"}
    failed = decode_content_block(json.dumps(error))
    assert isinstance(failed, BetaAdvisorToolResultBlock)
    assert isinstance(failed.content, BetaAdvisorToolResultErrorObject)
    listing = decode_content_block(json.dumps(BETA_BLOCKS["mcp_tool_listing"][1]))
    assert isinstance(listing, BetaMCPToolListingBlock)
    assert [(t.name, t.input_schema) for t in listing.tools] == [
        ("search_issues", {"type": "object"})
    ]


def test_beta_blocks_keep_unknown_keys_and_default_missing_ones() -> None:
    drifted = {**BETA_BLOCKS["mcp_tool_use"][1], "x_new": [1, 2]}
    block = decode_content_block(json.dumps(drifted))
    assert isinstance(block, BetaMCPToolUseBlock)
    assert block["x_new"] == [1, 2]
    assert json.loads(encode_json(block)) == drifted
    fallback = decode_content_block(json.dumps({"type": "fallback", "to": {"model": "m"}}))
    assert isinstance(fallback, BetaFallbackBlock)
    assert (fallback.from_, fallback.to, fallback.trigger) == (
        BetaFallbackInfo(model=""),
        BetaFallbackInfo(model="m"),
        None,
    )
    with pytest.raises(ProtocolError, match=r"\$\.is_error"):
        decode_content_block(json.dumps({**BETA_BLOCKS["mcp_tool_result"][1], "is_error": "no"}))


def test_fallback_from_is_the_json_key_from() -> None:
    _, data = BETA_BLOCKS["fallback"]
    block = decode_content_block(json.dumps(data))
    assert isinstance(block, BetaFallbackBlock)
    assert block.from_.model == "claude-sonnet-5-5"
    assert block["from"] == BetaFallbackInfo(model="claude-sonnet-5-5")


def test_a_compaction_block_without_a_summary_still_decodes() -> None:
    block = decode_content_block('{"type": "compaction", "content": null}')
    assert block == BetaCompactionBlock()
    assert block.content is None


def test_compaction_delta_decodes_typed() -> None:
    event = decode_event(
        '{"type": "content_block_delta", "index": 2, "delta": {"type": "compaction_delta",'
        ' "content": "summary", "encrypted_content": null}}'
    )
    assert isinstance(event, ContentBlockDeltaEvent)
    assert event.delta == BetaCompactionContentBlockDelta(content="summary")


EDITS = {
    "applied_edits": [
        {"type": "clear_tool_uses_20250919", "cleared_input_tokens": 900, "cleared_tool_uses": 2}
    ]
}
TRANSFORMATIONS = [
    {
        "type": "thinking_dropped",
        "path": "messages[1].content[0]",
        "reason": "model_binding_mismatch",
    }
]
# As decoded: typed, as in the official SDK.
TRANSFORMED = [
    BetaThinkingDroppedInputTransformation(
        path="messages[1].content[0]", reason="model_binding_mismatch"
    )
]


def test_message_and_message_delta_carry_context_management_and_input_transformations() -> None:
    data = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [block for _, block in BETA_BLOCKS.values()],
        "model": "claude-haiku-5-0",
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 20},
        "context_management": EDITS,
        "input_transformations": TRANSFORMATIONS,
    }
    message = decode_message(json.dumps(data))
    assert [type(b) for b in message.content] == [cls for cls, _ in BETA_BLOCKS.values()]
    assert not any(isinstance(b, UnknownBlock) for b in message.content)
    assert message.context_management == BetaContextManagementResponse(**EDITS)
    assert message.input_transformations == TRANSFORMED
    assert message.model_extra == {}

    from anthropic._models import construct_type
    from anthropic.types.beta import BetaMessage

    official: Any = construct_type(type_=BetaMessage, value=copy.deepcopy(data))
    assert contains(message.to_dict(), official.to_dict(mode="json", warnings=False))

    event = decode_event(
        json.dumps(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 20},
                "context_management": EDITS,
                "input_transformations": [],
            }
        )
    )
    assert isinstance(event, MessageDeltaEvent)
    assert event.context_management == BetaContextManagementResponse(**EDITS)
    assert event.input_transformations == []


# ---------------------------------------------------------------------- accumulation

START = message_start(
    usage={"input_tokens": 10, "output_tokens": 1}, input_transformations=TRANSFORMATIONS
)


def feed(*events: dict[str, Any]) -> MessageStreamState:
    state = MessageStreamState()
    for event in (START, *events):
        state.feed(decode_event(json.dumps(event)))
    return state


def message_delta(**top: Any) -> dict[str, Any]:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 30},
        **top,
    }


def test_compaction_delta_sets_content_and_encrypted_content() -> None:
    state = feed(
        start(0, {"type": "compaction", "content": None, "signature": "sig"}),
        delta(
            0,
            {"type": "compaction_delta", "content": "Earlier: sockets.", "encrypted_content": "e"},
        ),
    )
    block = state.accumulator.snapshot.content[0]
    assert block == BetaCompactionBlock(
        content="Earlier: sockets.", encrypted_content="e", signature="sig"
    )
    # Each delta is whole: a later one replaces both fields, as the official SDK does.
    state.feed(
        decode_event(json.dumps(delta(0, {"type": "compaction_delta", "content": "Again."})))
    )
    state.feed(decode_event(json.dumps(stop(0))))
    final = state.accumulator.snapshot
    assert final.content == [BetaCompactionBlock(content="Again.", signature="sig")]
    assert final.to_param()["content"] == [final.content[0]]
    assert json.loads(encode_json(final.to_param()))["content"] == [
        {"type": "compaction", "content": "Again.", "signature": "sig"}
    ]


def test_compaction_delta_for_another_block_is_ignored() -> None:
    acc = feed(
        start(0, {"type": "text", "text": "hi"}),
        delta(0, {"type": "compaction_delta", "content": "x"}),
        stop(0),
    ).accumulator
    assert acc.snapshot.content[0].to_dict() == {"type": "text", "text": "hi"}


def test_mcp_tool_use_input_streams_like_tool_use_input() -> None:
    state = feed(
        start(0, {**BETA_BLOCKS["mcp_tool_use"][1], "input": {}}),
        delta(0, {"type": "input_json_delta", "partial_json": '{"query": "fla'}),
    )
    assert state.accumulator.snapshot.content[0]["input"] == {}
    events = state.feed(
        decode_event(
            json.dumps(delta(0, {"type": "input_json_delta", "partial_json": 'ky", "limit'}))
        )
    )
    assert [e.type for e in events] == ["content_block_delta", "input_json"]
    assert isinstance(events[1], InputJsonEvent) and events[1].snapshot == {"query": "flaky"}
    state.feed(
        decode_event(json.dumps(delta(0, {"type": "input_json_delta", "partial_json": '": 5}'})))
    )
    (stopped,) = state.feed(decode_event(json.dumps(stop(0))))
    assert isinstance(stopped, ParsedContentBlockStopEvent)
    assert stopped.content_block == decode_content_block(json.dumps(BETA_BLOCKS["mcp_tool_use"][1]))


def test_mcp_tool_use_input_that_is_not_json_is_an_error() -> None:
    with pytest.raises(EventProtocolError, match="not valid JSON"):
        feed(
            start(0, {**BETA_BLOCKS["mcp_tool_use"][1], "input": {}}),
            delta(0, {"type": "input_json_delta", "partial_json": '{"query": }'}),
            stop(0),
        )


def test_a_fallback_block_makes_its_target_the_message_model() -> None:
    _, fallback = BETA_BLOCKS["fallback"]
    acc = feed(start(0, fallback), stop(0)).accumulator
    assert acc.snapshot.model == "claude-haiku-5-0"
    # A fallback block that names no target leaves the model alone.
    acc = feed(start(0, {"type": "fallback", "from": {"model": "a"}}), stop(0)).accumulator
    assert acc.snapshot.model == "claude-sonnet-5-5"


def test_message_delta_context_management_and_input_transformations() -> None:
    acc = feed(message_delta()).accumulator
    assert acc.snapshot.context_management is None
    assert acc.snapshot.input_transformations == TRANSFORMED  # message_start's stands
    acc = feed(message_delta(context_management=EDITS, input_transformations=[])).accumulator
    assert acc.snapshot.context_management == BetaContextManagementResponse(**EDITS)
    assert acc.snapshot.input_transformations == []  # replaced after a fallback


# -------------------------------------------------------------- through the client

SUMMARY = "The user greeted Claude twice; Claude searched the tracker."
MCP_INPUT = BETA_BLOCKS["mcp_tool_use"][1]["input"]
STREAM = [
    START,
    start(0, {"type": "compaction", "content": None}),
    {"type": "ping"},
    delta(0, {"type": "compaction_delta", "content": SUMMARY, "encrypted_content": "enc"}),
    stop(0),
    start(1, {**BETA_BLOCKS["mcp_tool_use"][1], "input": {}}),
    *(
        delta(1, {"type": "input_json_delta", "partial_json": part})
        for part in ['{"query": "fla', 'ky", "lim', 'it": 5}']
    ),
    stop(1),
    message_delta(context_management=EDITS),
    {"type": "message_stop"},
]


@pytest.mark.anyio
async def test_beta_stream_through_the_client_keeps_compaction_mcp_input_and_edits() -> None:
    betas = ["compact-2026-01-12", "mcp-client-2025-11-20"]
    user: Any = [{"role": "user", "content": "Hello again"}]
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key="sk-ant-beta-test", base_url=server.url) as client,
    ):
        server.script(STREAM)
        async with client.beta.messages.stream(
            model="claude-sonnet-5-5", max_tokens=50, messages=user, betas=betas
        ) as stream:
            inputs = [event.snapshot async for event in stream if event.type == "input_json"]
            message = await stream.get_final_message()
        # The next turn sends the compaction back with its summary, the MCP call with its input.
        await client.beta.messages.create(
            model="claude-sonnet-5-5",
            max_tokens=50,
            messages=[*user, message.to_param(), {"role": "user", "content": "Go on"}],
            betas=betas,
        )
    assert client._transport is None or client._transport.num_connections == 0
    assert inputs == [{}, {"query": "flaky"}, MCP_INPUT]
    assert message.content == [
        BetaCompactionBlock(content=SUMMARY, encrypted_content="enc"),
        decode_content_block(json.dumps(BETA_BLOCKS["mcp_tool_use"][1])),
    ]
    assert message.context_management == BetaContextManagementResponse(**EDITS)
    assert message.input_transformations == TRANSFORMED
    assert strip_none(message.to_dict()) == official_beta_snapshots(STREAM)[-1]
    assert [r.headers["anthropic-beta"] for r in server.requests] == [",".join(betas)] * 2
    assert server.requests[1].json["messages"][1]["content"] == [
        {"type": "compaction", "content": SUMMARY, "encrypted_content": "enc"},
        BETA_BLOCKS["mcp_tool_use"][1],
    ]


@pytest.mark.anyio
async def test_beta_stream_events_are_the_official_helpers_compaction_included() -> None:
    import anthropic

    user: Any = [{"role": "user", "content": "Hello again"}]
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key="sk-ant-beta-test", base_url=server.url) as client,
    ):
        official = anthropic.AsyncAnthropic(api_key="sk-ant-beta-test", base_url=server.url)
        server.script(STREAM)
        async with official.beta.messages.stream(
            model="claude-sonnet-5-5", max_tokens=50, messages=user
        ) as theirs:
            their_events = [event async for event in theirs]
        await official.close()
        server.script(STREAM)
        async with client.beta.messages.stream(
            model="claude-sonnet-5-5", max_tokens=50, messages=user
        ) as ours:
            our_events = [event async for event in ours]
    assert [e.type for e in our_events] == [e.type for e in their_events]
    ours_compaction = [e for e in our_events if e.type == "compaction"]
    theirs_compaction = [e for e in their_events if e.type == "compaction"]
    assert (
        [(e.content, e.encrypted_content) for e in ours_compaction]
        == [(e.content, e.encrypted_content) for e in theirs_compaction]
        == [(SUMMARY, "enc")]
    )

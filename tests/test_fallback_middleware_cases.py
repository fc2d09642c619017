"""`BetaRefusalFallbackMiddleware` against the pinned official SDK's, case by case: the
non-streaming chain (served, refused throughout, a hop failing over HTTP, a pinned start,
`speed: "fast"` resent without it after a 529) through the async and the blocking client,
and the headers, checks and warnings around it."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import anthropic
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import anyio_claude
from anyio_claude import (
    AsyncClaude,
    BetaFallbackState,
    BetaRefusalFallbackMiddleware,
    ClaudeError,
)
from anyio_claude.testing import ErrorReply, FakeClaude

from ._marks import official_generators_left_open
from .test_fallback_middleware import CHAIN, MODEL, USER, refusal, sent

pytestmark = pytest.mark.anyio

OPUS, HAIKU = CHAIN[0]["model"], CHAIN[1]["model"]

# (chain, scripted replies, the state's index before the call or "none" for no state,
# extra parameters of the call)
WALKS: dict[str, tuple[list[Any], list[Any], int | str | None, dict[str, Any]]] = {
    "refused twice, then served": (
        CHAIN,
        [refusal(MODEL, "tok-1"), refusal(OPUS, "tok-2", "bio")],
        None,
        {"betas": ["b-1"], "output_config": {"effort": "high", "format": None}},
    ),
    "refused once without a token, then served": (
        CHAIN,
        [refusal(MODEL, None)],
        None,
        {"extra_headers": {"anthropic-beta": "fallback-credit-2026-07-01, b-2",
                           "x-stainless-helper": "mine"}},
    ),
    "every model refuses: the last refusal is the answer": (
        CHAIN,
        [refusal(MODEL, "tok-1"), refusal(OPUS, "tok-2"), refusal(HAIKU, "tok-3")],
        None,
        {},
    ),
    "a hop that fails over HTTP ends the chain": (
        CHAIN,
        [refusal(MODEL, "tok-1"), ErrorReply(500, "api_error", "down")],
        None,
        {},
    ),
    "the first request fails: nothing more is sent": (
        CHAIN,
        [ErrorReply(529, "overloaded_error", "busy")],
        None,
        {},
    ),
    "a pinned state starts at its entry": (
        CHAIN,
        [refusal(OPUS, "tok-1")],
        0,
        {"output_config": {"effort": "high"}},
    ),
    "a state pinned to the original params": (CHAIN, [refusal(MODEL, "tok-1")], -1, {}),
    "fast, refused, then 529 on an entry without speed: resent without it": (
        CHAIN,
        [refusal(MODEL, "tok-1"), ErrorReply(529, "overloaded_error", "busy")],
        None,
        {"speed": "fast"},
    ),
    "fast on an entry that keeps speed: the 529 is the answer": (
        [{"model": OPUS, "speed": "fast"}],
        [refusal(MODEL, "tok-1"), ErrorReply(529, "overloaded_error", "busy")],
        None,
        {"speed": "fast"},
    ),
    "a pinned fast start that hits capacity is resent without speed": (
        CHAIN,
        [ErrorReply(429, "rate_limit_error", "slow down")],
        1,
        {"speed": "fast"},
    ),
    "a pinned fast start refused by a 500 is the answer": (
        CHAIN,
        [ErrorReply(500, "api_error", "down")],
        0,
        {"speed": "fast"},
    ),
    "a refusal without details, then one with an empty token": (
        CHAIN,
        [
            [
                refusal(MODEL, None)[0],
                {"type": "message_delta", "delta": {"stop_reason": "refusal"}, "usage": {}},
                {"type": "message_stop"},
            ],
            refusal(OPUS, ""),
        ],
        None,
        {},
    ),
    "no state: the walk still goes on": (CHAIN, [refusal(MODEL, "tok-1")], "none", {}),
    "a one-entry chain": ([{"model": OPUS}], [refusal(MODEL, "tok-1")], None, {}),
    "a history with seam blocks": (
        CHAIN,
        [refusal(MODEL, "tok-1")],
        None,
        {
            "messages": [
                *USER,
                {"role": "assistant", "content": [{"type": "fallback", "from": {"model": "a"},
                 "to": {"model": "b"}, "trigger": {"type": "refusal", "category": None}},
                 {"type": "text", "text": "x"}]},
                {"role": "user", "content": "again"},
            ]
        },
    ),
}  # fmt: skip


def _outcome(value: Any) -> Any:
    """What a call gave: the message's shape, or the error's type name and status."""
    if isinstance(value, BaseException):
        return (type(value).__name__, getattr(value, "status_code", None))
    dumped = _dump(value)
    return (dumped["content"], dumped["model"], dumped["stop_reason"], dumped["usage"])


def _params(extra: dict[str, Any]) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 20, "messages": USER, **extra}


async def _walk_async(client: Any, state: Any, extra: dict[str, Any]) -> Any:
    try:
        if state is None:
            return _outcome(await client.beta.messages.create(**_params(extra)))
        with state:
            return _outcome(await client.beta.messages.create(**_params(extra)))
    except Exception as exc:
        return _outcome(exc)


def _walk(client: Any, state: Any, extra: dict[str, Any]) -> Any:
    try:
        if state is None:
            return _outcome(client.beta.messages.create(**_params(extra)))
        with state:
            return _outcome(client.beta.messages.create(**_params(extra)))
    except Exception as exc:
        return _outcome(exc)


def _fallback_client(
    official: bool,
    url: str,
    chain: Any,
    *,
    blocking: bool = False,
    max_retries: int = 0,
    before: Sequence[Any] = (),
    **options: Any,
) -> Any:
    """The official SDK's client or ours (async, or `blocking`) with the fallback middleware
    over `chain` (and `options`) after the middleware `before`."""
    sdk: Any = anthropic if official else anyio_claude
    fallback = sdk.BetaRefusalFallbackMiddleware(chain, **options)
    return (sdk.Anthropic if blocking else sdk.AsyncAnthropic)(
        api_key="k", base_url=url, max_retries=max_retries, middleware=[*before, fallback]
    )


def _state(official: bool, index: int | str | None) -> Any:
    if index == "none":
        return None
    state = anthropic.BetaFallbackState() if official else BetaFallbackState()
    state.index = index
    return state


@pytest.mark.parametrize("case", list(WALKS))
async def test_the_chain_is_walked_as_the_official_sdk_walks_it(case: str) -> None:
    chain, script, index, extra = WALKS[case]
    results = []
    async with FakeClaude() as server:
        for official in (False, True):
            server.requests.clear()
            server.script(*script)
            client: Any = _fallback_client(official, server.url, chain)
            state = _state(official, index)
            outcome = await _walk_async(client, state, extra)
            if not official:
                assert client._get_transport().num_active == 0
            await client.close()
            results.append((sent(server.requests), outcome, getattr(state, "index", None)))
    ours, theirs = results
    assert ours[0] == theirs[0]  # every request, body and headers
    assert ours[1] == theirs[1]  # the message or the error
    assert ours[2] == theirs[2]  # the pin


@pytest.mark.parametrize("case", list(WALKS))
def test_the_blocking_client_walks_the_chain_as_the_official_sdk(case: str) -> None:
    chain, script, index, extra = WALKS[case]
    results = []
    with FakeClaude.run_in_thread() as server:
        for official in (False, True):
            server.requests.clear()
            server.script(*script)
            client: Any = _fallback_client(official, server.url, chain, blocking=True)
            state = _state(official, index)
            outcome = _walk(client, state, extra)
            client.models.list(limit=1)  # not a message: passed on as it is
            if not official:
                assert client._async._get_transport().num_active == 0
            client.close()
            results.append((sent(server.requests), outcome, getattr(state, "index", None)))
    ours, theirs = results
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]
    assert ours[2] == theirs[2]


@pytest.mark.parametrize("betas", [None, (), ("b-2", "b-2", "b-1")])
async def test_the_betas_option_as_the_official_sdk(betas: Any) -> None:
    """The betas sent (none, the default, or the given ones once each, after those the
    call has) and the helper tag, on the first request and the hop."""
    results = []
    async with FakeClaude() as server:
        for official in (False, True):
            server.requests.clear()
            server.script(refusal(MODEL, "tok-1"))
            client: Any = _fallback_client(official, server.url, CHAIN, max_retries=2, betas=betas)
            for call_betas in ([], ["b-1"]):
                await client.beta.messages.create(**_params({"betas": call_betas}))
            await client.close()
            # The official sends an empty `anthropic-beta` header where there is no beta
            # to send; ours leaves it out, which the API reads the same.
            results.append([(j, beta or None, tag) for j, beta, tag in sent(server.requests)])
    ours, theirs = results
    assert ours == theirs
    assert len(ours) == 3


async def test_the_pin_is_checked_and_a_missing_state_warned_of_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeClaude() as server:
        middleware = BetaRefusalFallbackMiddleware(CHAIN)
        async with AsyncClaude(api_key="k", base_url=server.url, middleware=[middleware]) as client:
            for index in (2, -2):
                state = BetaFallbackState()
                state.index = index
                with state, pytest.raises(ClaudeError, match=rf"index {index} is out of bounds"):
                    await client.beta.messages.create(**_params({}))
            assert server.requests == []
            with caplog.at_level(logging.WARNING, logger="anthropic.lib.middleware"):
                for _ in range(2):
                    server.script(refusal(MODEL, "tok-1"))
                    await client.beta.messages.create(**_params({}))
    warnings = [r for r in caplog.records if "without an active BetaFallbackState" in r.message]
    assert [r.getMessage() for r in warnings] == [
        "BetaRefusalFallbackMiddleware fell back without an active BetaFallbackState; "
        "follow-up requests will retry models that already refused. Run them inside a "
        "shared `with BetaFallbackState():` block to pin them to the accepted model."
    ]
    assert warnings[0].name == "anthropic.lib.middleware"
    assert len(server.requests) == 4


# ------------------------------------------------------------------------ streams


def _start(model: str, **extra: Any) -> dict[str, Any]:
    message = {
        "id": f"msg_{model}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 1, "cache_read_input_tokens": None},
        **extra,
    }
    return {"type": "message_start", "message": message}


def _block(index: int, block: dict[str, Any], *deltas: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"type": "content_block_start", "index": index, "content_block": block},
        *({"type": "content_block_delta", "index": index, "delta": d} for d in deltas),
        {"type": "content_block_stop", "index": index},
    ]


def _end(reason: str, details: dict[str, Any] | None = None, **usage: Any) -> list[Any]:
    delta: dict[str, Any] = {"stop_reason": reason, "stop_sequence": None}
    if details is not None:
        delta["stop_details"] = details
    return [
        {"type": "message_delta", "delta": delta, "usage": {"output_tokens": 4, **usage}},
        {"type": "message_stop"},
    ]


def _refused(token: str | None, prefill: bool = True, **details: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "refusal", "category": "bio", **details}
    if token is not None:
        out["fallback_credit_token"] = token
        out["fallback_has_prefill_claim"] = prefill
    return out


TEXT = {"type": "text", "text": ""}
CITATION = {
    "type": "char_location",
    "cited_text": "x",
    "document_index": 0,
    "document_title": None,
    "start_char_index": 0,
    "end_char_index": 1,
}
RICH_REFUSED = [
    _start(MODEL),
    {"type": "ping"},
    *_block(
        0,
        {"type": "thinking", "thinking": "", "signature": ""},
        {"type": "thinking_delta", "thinking": "Let me "},
        {"type": "thinking_delta", "thinking": "think"},
        {"type": "signature_delta", "signature": "sig"},
    ),
    *_block(
        1,
        {"type": "text", "text": "", "citations": None},
        {"type": "text_delta", "text": "Per "},
        {"type": "citations_delta", "citation": CITATION},
        {"type": "text_delta", "text": "the doc"},
    ),
    *_block(
        2,
        {"type": "tool_use", "id": "toolu_1", "name": "get", "input": {}},
        {"type": "input_json_delta", "partial_json": '{"city": '},
        {"type": "input_json_delta", "partial_json": '"Paris"}'},
    ),
    *_block(
        3,
        {"type": "tool_use", "id": "toolu_2", "name": "get", "input": {"a": 1}},
        {"type": "input_json_delta", "partial_json": '{"b"'},
        {"type": "input_json_delta", "partial_json": ": 2}"},
    ),
    *_block(4, {"type": "redacted_thinking", "data": "zz"}),
    *_block(5, {"type": "thinking", "thinking": "", "signature": ""}),
    *_end("refusal", _refused("tok-1")),
]
STITCHED = [
    _start(MODEL),
    *_block(
        0,
        {
            "type": "fallback",
            "from": {"model": MODEL},
            "to": {"model": "claude-x"},
            "trigger": {"type": "refusal", "category": None},
        },
    ),
    *_block(1, TEXT, {"type": "text_delta", "text": "Partial"}),
    *_end(
        "refusal",
        _refused("tok-1"),
        input_tokens=None,
        iterations=[
            {"type": "message", "model": MODEL, "input_tokens": 3, "output_tokens": 2},
            {"type": "fallback_message", "model": "claude-x", "input_tokens": 4},
        ],
    ),
]
TRANSFORMED = [
    _start(
        OPUS,
        input_transformations=[
            {"type": "thinking_dropped", "path": "messages.1.content.0",
             "reason": "model_binding_mismatch"}
        ],
    ),
    *_block(0, TEXT, {"type": "text_delta", "text": "Fine"}),
    *_end(
        "end_turn",
        iterations=[{"type": "message", "model": None, "input_tokens": 9, "output_tokens": 8}],
    ),
]  # fmt: skip


def _midway(model: str, text: str, token: str | None, **details: Any) -> list[Any]:
    return [
        _start(model),
        {"type": "content_block_start", "index": 0, "content_block": TEXT},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
        *_end("refusal", _refused(token, **details)),
    ]


def _served(model: str, text: str) -> list[Any]:
    return [
        _start(model),
        *_block(0, TEXT, {"type": "text_delta", "text": text}),
        *_end("end_turn"),
    ]


BUSY = ErrorReply(529, "overloaded_error", "busy")
DOWN = ErrorReply(500, "api_error", "down")

STREAMS: dict[str, tuple[list[Any], list[Any], int | None, dict[str, Any]]] = {
    "every kind of block refused, with a prefill": (CHAIN, [RICH_REFUSED], None, {}),
    "every kind of block refused, without a prefill": (
        CHAIN,
        [[*RICH_REFUSED[:-2], *_end("refusal", _refused("tok-1", prefill=False))]],
        None,
        {},
    ),
    "a stream the server stitched, refused": (CHAIN, [STITCHED, TRANSFORMED], None, {}),
    "the serving hop's input transformations, the wire open": (
        CHAIN,
        [_midway(MODEL, "Sure", "tok-1"), TRANSFORMED],
        None,
        {},
    ),
    "refused twice mid-stream, then served": (
        CHAIN,
        [_midway(MODEL, "Sure", "tok-1"), _midway(OPUS, " and", "tok-2"), _served(HAIKU, "!")],
        None,
        {},
    ),
    "refused twice mid-stream, the second without a prefill claim": (
        CHAIN,
        [_midway(MODEL, "Sure", "tok-1"), _midway(OPUS, " and", "tok-2", prefill=False),
         _served(HAIKU, "!")],
        None,
        {},
    ),
    "refused mid-stream, the next refuses before output": (
        CHAIN,
        [_midway(MODEL, "Sure", "tok-1"), refusal(OPUS, "tok-2"), _served(HAIKU, "!")],
        None,
        {},
    ),
    "refused before output, the next refuses mid-stream, then served": (
        CHAIN,
        [refusal(MODEL, "tok-1"), _midway(OPUS, "Sure", "tok-2"), _served(HAIKU, "!")],
        None,
        {},
    ),
    "refused before output, every entry left fails with a 500": (
        CHAIN,
        [refusal(MODEL, "tok-1"), DOWN, DOWN],
        None,
        {},
    ),
    "refused before output, the entry left fails with a 529": (
        CHAIN,
        [refusal(MODEL, "tok-1"), BUSY],
        0,
        {},
    ),
    "the second hop refuses before output, then every entry fails": (
        [*CHAIN, {"model": "claude-z"}],
        [_midway(MODEL, "Sure", "tok-1"), refusal(OPUS, "tok-2"), DOWN],
        None,
        {},
    ),
    "two refusals before output, then every entry fails": (
        [*CHAIN, {"model": "claude-z"}],
        [refusal(MODEL, "tok-1"), refusal(OPUS, "tok-2"), DOWN],
        None,
        {},
    ),
    "a spliced hop with input transformations refuses, then every entry fails": (
        [*CHAIN, {"model": "claude-z"}],
        [_midway(MODEL, "Sure", "tok-1"), [*TRANSFORMED[:-2], *_end("refusal", _refused("tok-2"))],
         BUSY],
        None,
        {},
    ),
    "a refusal cuts a tool_use block mid-JSON, with a prefill": (
        CHAIN,
        [[_start(MODEL),
          {"type": "content_block_start", "index": 0,
           "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get", "input": {}}},
          {"type": "content_block_delta", "index": 0,
           "delta": {"type": "input_json_delta", "partial_json": '{"city": "Pa'}},
          *_end("refusal", _refused("tok-1"))],
         _served(OPUS, "ok")],
        None,
        {},
    ),
    "refused mid-stream with an empty token: passed on": (
        CHAIN,
        [_midway(MODEL, "Sure", ""), _served(OPUS, "ok")],
        None,
        {},
    ),
    "refused before output, the serving hop's input transformations open the wire": (
        CHAIN,
        [refusal(MODEL, "tok-1"), TRANSFORMED],
        None,
        {},
    ),
    "refused mid-stream, then the last entry refuses too: passed on": (
        CHAIN,
        [_midway(MODEL, "Sure", "tok-1"), _midway(OPUS, " and", "tok-2"),
         _midway(HAIKU, "!", "tok-3")],
        None,
        {},
    ),
    "the serving hop's message_delta keeps its own input transformations": (
        CHAIN,
        [_midway(MODEL, "Sure", "tok-1"),
         [*TRANSFORMED[:-2], {**TRANSFORMED[-2], "input_transformations": []}, TRANSFORMED[-1]]],
        None,
        {},
    ),
    "refusals reporting one iteration, without a model and with another model": (
        CHAIN,
        [[*_midway(MODEL, "Sure", "tok-1")[:-2],
          *_end("refusal", _refused("tok-1"), iterations=[
              {"type": "message", "model": None, "input_tokens": 3, "output_tokens": 2}])],
         [*_midway(OPUS, " and", "tok-2")[:-2],
          *_end("refusal", _refused("tok-2"), iterations=[
              {"type": "message", "model": "claude-y", "input_tokens": 4, "output_tokens": 1}])],
         _served(HAIKU, "!")],
        None,
        {},
    ),
    "two refusals mid-stream, the last entry's 400 resent with the first's output only": (
        CHAIN,
        [_midway(MODEL, "Sure", "tok-1"), _midway(OPUS, " and", "tok-2"),
         ErrorReply(400, "invalid_request_error", "no"), _served(HAIKU, "!")],
        None,
        {},
    ),
    "a refusal without details before output": (
        CHAIN,
        [[_start(MODEL), *_end("refusal")], _served(OPUS, "ok")],
        None,
        {},
    ),
    "a refusal whose details are another kind": (
        CHAIN,
        [[_start(MODEL), *_end("refusal", {"type": "other", "fallback_credit_token": "t"})],
         _served(OPUS, "ok")],
        None,
        {},
    ),
    "fast: the entry's 529 resent without speed, its 400 without the prefill": (
        CHAIN,
        [_midway(MODEL, "Sure", "tok-1"), BUSY, ErrorReply(400, "invalid_request_error", "no"),
         _served(OPUS, "Plain")],
        None,
        {"speed": "fast"},
    ),
    "a 400 without a prefill is not resent": (
        CHAIN,
        [refusal(MODEL, "tok-1"), ErrorReply(400, "invalid_request_error", "no"),
         _served(HAIKU, "ok")],
        None,
        {},
    ),
    "pinned to the first entry": (
        CHAIN,
        [_midway(OPUS, "Sure", "tok-1"), _served(HAIKU, "ok")],
        0,
        {},
    ),
    "pinned to the last entry: passed through": (
        CHAIN,
        [_midway(HAIKU, "Sure", "tok-1")],
        1,
        {},
    ),
    # (FakeClaude refuses a `between_tools` thinking config: `_apply_hop`'s test has it.)
    "a history with a seam": (
        CHAIN,
        [refusal(MODEL, "tok-1"), _served(OPUS, "ok")],
        None,
        {"output_config": {"effort": "high"}, "messages": [
            *USER,
            {"role": "assistant", "content": [{"type": "fallback", "from": {"model": "a"},
             "to": {"model": "b"}, "trigger": {"type": "refusal", "category": None}}]},
            {"role": "user", "content": "again"},
        ]},
    ),
}  # fmt: skip


async def _stream_async(client: Any, state: Any, extra: dict[str, Any], helper: bool) -> Any:
    with state:
        try:
            if helper:
                async with client.beta.messages.stream(**_params(extra)) as stream:
                    return [_dump(await stream.get_final_message())]
            raw = await client.beta.messages.create(**_params(extra), stream=True)
            return [_dump(event) async for event in raw]
        except Exception as exc:
            return _outcome(exc)


def _dump(value: Any) -> Any:
    return _plain(value.model_dump(mode="json", by_alias=True, exclude_none=True))


def _plain(value: Any) -> Any:
    """`value` without nulls and zero token counts: a field the wire left out is null or
    0 in our typed events and unset in the official's (`exclude_none` does not reach
    into ours' nested `trigger`)."""
    if isinstance(value, dict):
        return {
            k: _plain(v)
            for k, v in value.items()
            if v is not None and not (k.endswith("_tokens") and v == 0)
        }
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@official_generators_left_open
@pytest.mark.parametrize("case", list(STREAMS))
async def test_a_refused_stream_is_spliced_as_the_official_sdk_splices_it(case: str) -> None:
    chain, script, index, extra = STREAMS[case]
    results = []
    async with FakeClaude() as server:
        for official in (False, True):
            client: Any = _fallback_client(official, server.url, chain)
            runs = []
            for helper in (False, True):
                server.requests.clear()
                server.script(*script)
                state = _state(official, index)
                seen = await _stream_async(client, state, extra, helper)
                runs.append((sent(server.requests), seen, state.index))
            if not official:
                assert client._get_transport().num_active == 0
            await client.close()
            results.append(runs)
    for mine, theirs in zip(*results, strict=True):
        assert mine[0] == theirs[0]  # the requests, bodies and headers
        assert mine[1] == theirs[1]  # the events / the final message
        assert mine[2] == theirs[2]  # the pin


def _frames(body: bytes) -> list[tuple[str | None, Any]]:
    """An event stream's events as (name, decoded data)."""
    events = []
    for block in body.decode().split("\n\n"):
        lines = block.split("\n")
        name = next((line[7:] for line in lines if line.startswith("event: ")), None)
        data = [line[6:] for line in lines if line.startswith("data: ")]
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


@pytest.mark.parametrize("case", list(STREAMS))
def test_the_blocking_client_splices_as_the_official_sdk(case: str) -> None:
    """The events read, and the wire itself (event names and data), as the official's."""
    chain, script, index, extra = STREAMS[case]
    results = []
    with FakeClaude.run_in_thread() as server:
        for official in (False, True):
            client: Any = _fallback_client(official, server.url, chain, blocking=True)
            runs = []
            for wire in (False, True):
                server.requests.clear()
                server.script(*script)
                state = _state(official, index)
                with state:
                    try:
                        if wire:
                            with client.beta.messages.with_streaming_response.create(
                                **_params(extra), stream=True
                            ) as response:
                                seen: Any = _frames(b"".join(response.iter_bytes()))
                        else:
                            events = client.beta.messages.create(**_params(extra), stream=True)
                            seen = [_dump(event) for event in events]
                    except Exception as exc:
                        seen = _outcome(exc)
                runs.append((sent(server.requests), seen, state.index))
            if not official:
                assert client._async._get_transport().num_active == 0
            client.close()
            results.append(runs)
    for mine, theirs in zip(*results, strict=True):
        assert mine[0] == theirs[0]
        assert mine[1] == theirs[1]
        assert mine[2] == theirs[2]


def test_nested_states_are_left_in_order() -> None:
    from anyio_claude.lib.middleware import _state

    states = [BetaFallbackState() for _ in range(3)]
    with states[0]:
        with states[1]:
            with states[2]:
                assert _state.get() is states[2]
            assert _state.get() is states[1]
        assert _state.get() is states[0]
    assert _state.get() is None


# ------------------------------------------------------------- the parts, by property

_text = st.text(alphabet='ab {}":,', max_size=6)
_delta = st.one_of(
    st.fixed_dictionaries({"type": st.just("text_delta"), "text": st.one_of(_text, st.none())}),
    st.fixed_dictionaries({"type": st.just("thinking_delta"), "thinking": _text}),
    st.fixed_dictionaries({"type": st.just("signature_delta"), "signature": _text}),
    st.fixed_dictionaries({"type": st.just("citations_delta"), "citation": st.integers(0, 9)}),
    st.fixed_dictionaries({"type": st.just("input_json_delta"), "partial_json": _text}),
    st.fixed_dictionaries({"type": st.just("other_delta")}),
)
_kind = st.sampled_from(["text", "thinking", "redacted_thinking", "tool_use", "fallback"])


@settings(max_examples=150, deadline=None)
@given(
    kinds=st.lists(_kind, max_size=5),
    deltas=st.lists(st.tuples(st.integers(0, 5), _delta), max_size=12),
    inputs=st.sampled_from([None, {}, {"a": 1}]),
    citations=st.sampled_from([None, [], ["c"]]),
)
def test_a_refused_hops_output_becomes_the_official_prefill(
    kinds: list[str],
    deltas: list[tuple[int, dict[str, Any]]],
    inputs: Any,
    citations: Any,
) -> None:
    """Blocks accumulated from any deltas (tool input JSON whole, cut or garbled) give the
    prefill the official middleware gives."""
    from anthropic.lib.middleware import _fallbacks as official

    from anyio_claude.lib.middleware import _splice as ours

    def blocks() -> list[tuple[int, dict[str, Any]]]:
        made = []
        for index, kind in enumerate(kinds):
            block: dict[str, Any] = {"type": kind}
            if kind == "tool_use" and inputs is not None:
                block["input"] = dict(inputs)
            if kind == "text" and citations is not None:
                block["citations"] = list(citations)
            made.append((index, block))
        return made

    mine, theirs = blocks(), blocks()
    for index, delta in deltas:
        block = next((b for i, b in mine if i == index), None)
        if block is not None:
            ours._accumulate(block, dict(delta))
        official._apply_delta(theirs, index, dict(delta))
    assert mine == theirs
    # A tool's input is an object: JSON that is whole but another value never comes.
    assume(not any(_other_json(b.get("_partial_json")) for _, b in mine))
    prefill = ours._prefill([b for _, b in mine])
    assert prefill == official._to_prefill_blocks([b for _, b in theirs])


def _other_json(text: object) -> bool:
    try:
        return isinstance(text, str) and not isinstance(json.loads(text), dict)
    except ValueError:
        return False


_count = st.one_of(st.none(), st.integers(0, 50))
_usage = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(
            ["input_tokens", "output_tokens", "cache_read_input_tokens",
             "cache_creation_input_tokens", "cache_creation", "server_tool_use"]
        ),
        _count,
    ),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    usage=_usage,
    start=_usage,
    kind=st.sampled_from(["message", "fallback_message"]),
    iterations=st.one_of(
        st.none(),
        st.lists(
            st.one_of(
                st.just("x"),
                st.fixed_dictionaries(
                    {"model": st.sampled_from([None, "", "k"]), "input_tokens": _count}
                ),
            ),
            max_size=3,
        ),
    ),
)
def test_usage_is_backfilled_and_counted_as_the_official_does(
    usage: dict[str, Any] | None, start: dict[str, Any] | None, kind: str, iterations: Any
) -> None:
    from anthropic.lib.middleware import _fallbacks as official

    from anyio_claude.lib.middleware import _splice as ours

    assert ours._backfill(usage, start) == official._backfill(usage, start)
    assert ours._iteration(kind, "m", usage) == official._to_iteration_usage(kind, "m", usage)  # type: ignore[arg-type]
    delta_usage = {**(usage or {}), "iterations": iterations}
    reported = ours._serving_entry(dict(delta_usage), "m")
    assert reported == official._serving_iteration_entry(dict(delta_usage), "m")


async def test_what_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Each refusal passed on, failed hop (with its error body) and resend is logged once,
    under the official SDK's logger name."""
    from anyio_claude import APIConnectionError, APIRequest, AsyncCallNext

    calls: list[int] = []

    async def unreachable_hop(request: APIRequest, call_next: AsyncCallNext) -> Any:
        calls.append(len(calls))
        if len(calls) == 2:
            raise APIConnectionError("connection reset")
        return await call_next(request)

    one = [{"model": OPUS}]
    runs: list[tuple[list[Any], list[Any], dict[str, Any], bool]] = [
        (one, [_midway(MODEL, "Sure", "tok-1"), ErrorReply(400, "invalid_request_error",
         "prefill mismatch"), ErrorReply(500, "api_error", "down")], {}, False),
        (CHAIN, [_midway(MODEL, "Sure", None)], {}, False),
        (one, [refusal(MODEL, "tok-1"), _midway(OPUS, "x", "tok-2")], {}, False),
        (CHAIN, [refusal(MODEL, "tok-1"), BUSY], {"speed": "fast"}, False),
        (one, [refusal(MODEL, "tok-1")], {}, True),
    ]  # fmt: skip
    logged = []
    async with FakeClaude() as server:
        for chain, script, extra, failing in runs:
            server.script(*script)
            middleware: list[Any] = [BetaRefusalFallbackMiddleware(chain)]
            if failing:
                middleware.append(unreachable_hop)
            async with AsyncClaude(
                api_key="k", base_url=server.url, max_retries=0, middleware=middleware
            ) as client:
                caplog.clear()
                with BetaFallbackState(), caplog.at_level(logging.WARNING):
                    stream = await client.beta.messages.create(**_params(extra), stream=True)
                    async for _ in stream:
                        pass
                logged.append(
                    [
                        (r.name, r.levelname, r.getMessage())
                        for r in caplog.records
                        if r.name.startswith("anthropic")
                    ]
                )
    name = "anthropic.lib.middleware"
    prefix = "BetaRefusalFallbackMiddleware: "
    ((n, level, rejected), (_, error_level, failed)), *rest = logged
    assert (n, level, error_level) == (name, "WARNING", "ERROR")
    assert rejected.startswith(
        prefix + "fallback request with the partial output appended was rejected (HTTP 400: {"
    )
    assert '"message":"prefill mismatch"' in rejected and rejected.endswith("; retrying without it")
    assert failed.startswith(prefix + f"fallback request to {OPUS} failed: HTTP 500: {{")
    assert '"message":"down"' in failed
    assert rest == [
        [(name, "ERROR", prefix + "the refusal has no fallback_credit_token; passing the refusal on")],
        [(name, "ERROR", prefix + "no fallback entries remain; passing the refusal on")],
        [(name, "WARNING", prefix + f"fast fallback request to {OPUS} was rejected (HTTP 529); "
          "retrying without `speed`")],
        [(name, "ERROR", prefix + f"fallback request to {OPUS} failed: connection reset")],
    ]  # fmt: skip


@official_generators_left_open
@pytest.mark.parametrize("case", list(STREAMS))
async def test_the_spliced_wire_read_whole_or_in_chunks_is_the_officials(case: str) -> None:
    chain, script, index, extra = STREAMS[case]
    results = []
    async with FakeClaude() as server:
        for official in (False, True):
            client: Any = _fallback_client(official, server.url, chain)
            runs = []
            for whole in (True, False):
                server.script(*script)
                with _state(official, index):
                    async with client.beta.messages.with_streaming_response.create(
                        **_params(extra), stream=True
                    ) as response:
                        assert response.retries_taken == 0
                        if whole:
                            body = await response.read()
                        else:
                            body = b"".join([chunk async for chunk in response.iter_bytes()])
                runs.append(_frames(body))
            if not official:
                assert client._get_transport().num_active == 0
            await client.close()
            results.append(runs)
    ours, theirs = results
    assert ours == theirs


def test_a_blocking_middleware_outside_reads_what_the_fallback_served() -> None:
    """The seamed response the blocking middleware hands back can be read by the
    middleware around it."""
    seen: list[Any] = []

    def outer(request: Any, call_next: Any) -> Any:
        response = call_next(request)
        seen.append(json.loads(response.read()))
        seen.append((response.parse().content[0].type, response.retries_taken))
        return response

    with FakeClaude.run_in_thread() as server:
        middleware = [outer, BetaRefusalFallbackMiddleware(CHAIN)]
        with anyio_claude.Anthropic(
            api_key="k", base_url=server.url, middleware=middleware
        ) as client:
            server.script(refusal(MODEL, "tok-1"))
            message = client.beta.messages.create(**_params({}))
    served, parsed = seen
    assert [block["type"] for block in served["content"]] == ["fallback", "text"]
    assert parsed == ("fallback", 0)
    assert [block.type for block in message.content] == ["fallback", "text"]


@official_generators_left_open
@pytest.mark.parametrize("stream", [True, False])
async def test_a_fallen_back_reply_after_a_retry_says_how_many_retries_it_took(
    stream: bool,
) -> None:
    # The middleware builds the response it returns (spliced, or with its seams) from the
    # attempt's: the retry count must come along for a middleware around it (left out,
    # it would read 0 there).
    busy = ErrorReply(529, "overloaded_error", "busy", {"retry-after-ms": "1"})
    first = _midway(MODEL, "Sure", "tok-1") if stream else refusal(MODEL, "tok-1")
    script = [busy, first, _served(OPUS, "!")]
    seen: list[list[Any]] = [[], []]
    async with FakeClaude() as server:
        for official in (False, True):

            async def outer(request: Any, call_next: Any, into: list[Any] = seen[official]) -> Any:
                response = await call_next(request)
                into.append((response.status_code, response.retries_taken))
                return response

            client: Any = _fallback_client(
                official, server.url, CHAIN, max_retries=1, before=[outer]
            )
            server.script(*script)
            with _state(official, None):
                if stream:
                    async with client.beta.messages.with_streaming_response.create(
                        **_params({}), stream=True
                    ) as response:
                        shown = _frames(await response.read())
                else:
                    response = await client.beta.messages.with_raw_response.create(**_params({}))
                    shown = _dump(await response.parse())
                seen[official].append((response.retries_taken, shown))
            await client.close()
    ours, theirs = seen
    assert ours == theirs
    assert [retries for _, retries in ours[:2]] == [0, 1]


async def test_a_fallen_back_reply_read_through_a_streaming_view_is_the_officials() -> None:
    # The middleware reads a plain reply to look for a refusal: the streaming view then
    # reads the served body from memory (ours raised ClaudeError here).
    bodies = []
    async with FakeClaude() as server:
        for official in (False, True):
            server.script(refusal(MODEL, "tok-1"), _served(OPUS, "!"))
            client: Any = _fallback_client(official, server.url, CHAIN)
            with _state(official, None):
                async with client.beta.messages.with_streaming_response.create(
                    **_params({})
                ) as response:
                    bodies.append(_plain(json.loads(await response.read())))
            if not official:
                assert client._get_transport().num_active == 0
            await client.close()
    ours, theirs = bodies
    assert ours == theirs and ours["model"] == OPUS


@official_generators_left_open
async def test_an_event_without_a_name_is_passed_on_without_one() -> None:
    # An SSE event without an `event:` line is a "message" event: passed on as it came,
    # held until the hop shows output, as the official passes it on (its data on two
    # `data:` lines, as written).
    def wire(*events: dict[str, Any]) -> bytes:
        frames = []
        for event in events:
            if event["type"] == "ping":
                frames.append('data: {"type":\ndata: "ping"}\n\n')
            else:
                frames.append(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")
        return "".join(frames).encode()

    first = wire(_start(MODEL), {"type": "ping"}, *_midway(MODEL, "Sure", "tok-1")[1:])
    served = wire(_start(OPUS), {"type": "ping"}, *_block(0, TEXT), *_end("end_turn"))
    results = []
    async with FakeClaude() as server:
        for official in (False, True):
            client: Any = _fallback_client(official, server.url, CHAIN)
            server.script(first, served)
            with _state(official, None):
                async with client.beta.messages.with_streaming_response.create(
                    **_params({}), stream=True
                ) as response:
                    results.append(_frames(await response.read()))
            await client.close()
    ours, theirs = results
    assert ours == theirs
    assert [name for name, data in ours if data["type"] == "ping"] == [None, None]


@pytest.mark.parametrize("data", [b"oops", b"[1]", b'"x"', b"{}"])
async def test_an_event_that_is_no_json_object_raises_our_error(data: bytes) -> None:
    # The splice passes on what it cannot read (the stream decoder judges it): the caller
    # gets the decoder's error, not one of the splice's own.
    first = (
        b"event: ping\ndata: "
        + data
        + b"\n\n"
        + b"".join(
            f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode()
            for e in _midway(MODEL, "Sure", "tok-1")
        )
    )
    async with FakeClaude() as server:
        client: Any = _fallback_client(False, server.url, CHAIN)
        server.script(first, _served(OPUS, "ok"))
        with _state(False, None):
            with pytest.raises(anyio_claude.APIResponseValidationError):
                async for _ in await client.beta.messages.create(**_params({}), stream=True):
                    pass
        assert client._get_transport().num_active == 0
        await client.close()


@official_generators_left_open
async def test_a_spliced_response_tells_the_first_hops_request_and_version() -> None:
    async with FakeClaude() as server:
        client: Any = _fallback_client(False, server.url, CHAIN)
        server.script(_midway(MODEL, "Sure", "tok-1"), _served(OPUS, "ok"))
        with _state(False, None):
            async with client.beta.messages.with_streaming_response.create(
                **_params({}), stream=True
            ) as response:
                await response.read()
                assert (response.status_code, response.http_version) == (200, "HTTP/1.1")
                assert (response.method, response.url) == ("POST", f"{server.url}/v1/messages")
                assert response.http_request.headers["x-api-key"] != "k"
                assert 0 < response.elapsed.total_seconds() < 60
        await client.close()

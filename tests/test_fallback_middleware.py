"""`BetaRefusalFallbackMiddleware` and `BetaFallbackState` against the pinned official
SDK's: the same requests down the chain, the same served message, on asyncio and trio and
through the blocking client; the official example runs after changing the import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import anyio
import pytest

import anyio_claude
from anyio_claude import (
    APIRequest,
    AsyncCallNext,
    AsyncClaude,
    BetaFallbackState,
    BetaRefusalFallbackMiddleware,
    ClaudeError,
)
from anyio_claude.testing import ErrorReply, FakeClaude, RecordedRequest

from ._marks import official_generators_left_open

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
USER = [{"role": "user", "content": "hi"}]
CHAIN: list[Any] = [
    {"model": "claude-opus-4-5", "output_config": {"effort": "low"}},
    {"model": "claude-haiku-4-5", "thinking": {"type": "disabled"}},
]


def refusal(model: str, token: str | None, category: str = "cyber") -> list[dict[str, Any]]:
    details: dict[str, Any] = {"type": "refusal", "category": category}
    if token is not None:
        details["fallback_credit_token"] = token
    start = {
        "id": f"msg_{model}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 1},
    }
    return [
        {"type": "message_start", "message": start},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "refusal", "stop_sequence": None, "stop_details": details},
            "usage": {"output_tokens": 1},
        },
        {"type": "message_stop"},
    ]


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


def sent(requests: list[RecordedRequest]) -> list[tuple[Any, ...]]:
    return [
        (r.json, r.headers.get("anthropic-beta"), r.headers.get("x-stainless-helper"))
        for r in requests
    ]


async def test_the_chain_is_walked_as_the_official_sdk_walks_it(server: FakeClaude) -> None:
    results: list[tuple[Any, ...]] = []
    for make in (
        lambda: AsyncClaude(
            api_key="k", base_url=server.url, middleware=[BetaRefusalFallbackMiddleware(CHAIN)]
        ),
        lambda: anthropic.AsyncAnthropic(
            api_key="k",
            base_url=server.url,
            middleware=[anthropic.BetaRefusalFallbackMiddleware(CHAIN)],
        ),
    ):
        server.requests.clear()
        server.script(refusal(MODEL, "tok-1"), refusal("claude-opus-4-5", "tok-2", "bio"))
        client: Any = make()
        state = anyio_claude.BetaFallbackState()
        official_state = anthropic.BetaFallbackState()
        with state, official_state:
            message = await client.beta.messages.create(
                model=MODEL,
                max_tokens=20,
                messages=USER,
                betas=["b-1"],
                output_config={"effort": "high", "format": None},
            )
            # The next turn starts at the model that accepted.
            await client.beta.messages.create(model=MODEL, max_tokens=20, messages=USER)
        await client.close()
        index = state.index if isinstance(client, AsyncClaude) else official_state.index
        dumped = message.model_dump(mode="json", by_alias=True, exclude_none=True)
        results.append((sent(server.requests), dumped["content"], dumped["model"], index))
    ours, theirs = results
    assert ours[0] == theirs[0]  # every request, body and headers
    assert ours[1:] == theirs[1:]  # the served content with its seams, model, the pin
    assert [c["type"] for c in ours[1][:2]] == ["fallback", "fallback"]
    assert ours[3] == 1


async def test_what_the_middleware_leaves_alone(server: FakeClaude) -> None:
    middleware = BetaRefusalFallbackMiddleware(CHAIN)
    async with AsyncClaude(api_key="k", base_url=server.url, middleware=[middleware]) as client:
        server.script(refusal(MODEL, "tok"))
        plain = await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert plain.stop_reason == "refusal"  # not beta: not handled
        with pytest.raises(ClaudeError, match="`fallbacks` parameter cannot be sent"):
            await client.beta.messages.create(
                model=MODEL, max_tokens=5, messages=USER, fallbacks=[{"model": "x"}]
            )
        async with client.beta.messages.stream(model=MODEL, max_tokens=5, messages=USER) as s:
            await s.get_final_message()
        off = client.with_middleware(BetaRefusalFallbackMiddleware([]))
        await off.beta.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert len(server.requests) == 3
    assert "x-stainless-helper" not in server.requests[0].headers
    assert server.requests[1].headers["anthropic-beta"] == "fallback-credit-2026-07-01"


def test_the_official_example_runs_after_changing_the_import() -> None:
    from anyio_claude import Anthropic  # was: from anthropic import Anthropic, ...

    with FakeClaude.run_in_thread() as server:
        server.script(refusal(MODEL, "tok-1"))
        params: Any = {"model": MODEL, "max_tokens": 20, "messages": USER}
        client = Anthropic(
            api_key="k",
            base_url=server.url,
            middleware=[BetaRefusalFallbackMiddleware([{"model": "claude-opus-4-8"}])],
        )
        state = BetaFallbackState()
        with state:
            message = client.beta.messages.create(**params)
        client.close()
    assert state.index == 0
    assert message.content[0].type == "fallback"
    assert server.requests[1].json["model"] == "claude-opus-4-8"
    assert server.requests[1].json["fallback_credit_token"] == {
        "token": "tok-1",
        "mode": "best_effort",
    }


HOPS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"model": "a", "speed": "fast", "thinking": {"type": "between_tools"}}, {"model": "b"}),
    ({"model": "a", "thinking": {"type": "between_tools"}}, {"model": "b", "thinking": None}),
    ({"model": "a", "output_config": {"effort": "high"}}, {"model": "b", "output_config": {"effort": None}}),
    ({"model": "a", "output_config": {"effort": "high", "format": {"type": "json_schema"}}},
     {"model": "b", "output_config": {"effort": "low"}, "speed": None}),
    ({"model": "a", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [{"type": "fallback", "from": {"model": "a"}}]},
        {"role": "assistant", "content": [{"type": "fallback"}, {"type": "text", "text": "x"}]},
    ]}, {"model": "b"}),
]  # fmt: skip


@pytest.mark.parametrize(("body", "entry"), HOPS)
def test_a_hop_patches_the_body_as_the_official_sdk_does(
    body: dict[str, Any], entry: dict[str, Any]
) -> None:
    from anthropic.lib.middleware import _fallbacks as official

    from anyio_claude.lib import middleware as ours

    assert ours._apply_hop(body, entry) == official._apply_hop(body, entry)  # type: ignore[arg-type]
    assert ours._strip_seam_blocks(body) == official._strip_seam_blocks(body)


@official_generators_left_open
@pytest.mark.parametrize("streaming", [False, True])
async def test_the_span_of_a_fallback_matches_the_official_one(
    server: FakeClaude, streaming: bool
) -> None:
    from .test_tracing import Spans, assert_same

    spans = Spans()
    option: Any = {"tracer_provider": spans.provider}
    taken = []
    for make in (
        lambda: AsyncClaude(
            api_key="k",
            base_url=server.url,
            open_telemetry=option,
            middleware=[BetaRefusalFallbackMiddleware(CHAIN)],
        ),
        lambda: anthropic.AsyncAnthropic(
            api_key="k",
            base_url=server.url,
            open_telemetry=option,
            middleware=[anthropic.BetaRefusalFallbackMiddleware(CHAIN)],
        ),
    ):
        server.script(refusal(MODEL, "tok-1"))
        client: Any = make()
        if streaming:
            async with client.beta.messages.stream(
                model=MODEL, max_tokens=20, messages=USER
            ) as stream:
                await stream.get_final_message()
        else:
            await client.beta.messages.create(model=MODEL, max_tokens=20, messages=USER)
        await client.close()
        taken.append(spans.take())
    assert_same(*taken)
    ((_, attributes, _),) = taken[0]
    assert attributes["http.request.resend_count"] == 1
    assert attributes["gen_ai.response.model"].startswith("claude-opus-4-5")


# ------------------------------------------------------------------------ streams


def answer(model: str, text: str, *, first_index: int = 0) -> list[dict[str, Any]]:
    """A served stream: one text block in two deltas, then the end."""
    start = {
        "id": f"msg_{model}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 7, "output_tokens": 1},
    }
    half = len(text) // 2
    block = {"type": "text", "text": ""}
    return [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": first_index, "content_block": block},
        {"type": "ping"},
        *(
            {"type": "content_block_delta", "index": first_index,
             "delta": {"type": "text_delta", "text": part}}
            for part in (text[:half], text[half:])
        ),
        {"type": "content_block_stop", "index": first_index},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 9},
        },
        {"type": "message_stop"},
    ]  # fmt: skip


def refused_midway(
    model: str, text: str, token: str | None, *, prefill: bool = True, open_block: bool = True
) -> list[dict[str, Any]]:
    """Some output, then a refusal (cutting the text block short when `open_block`)."""
    events = answer(model, text)
    details: dict[str, Any] = {"type": "refusal", "category": "cyber"}
    if token is not None:
        details["fallback_credit_token"] = token
        details["fallback_has_prefill_claim"] = prefill
    kept = events[:4] if open_block else events[:6]
    return [
        *kept,
        {
            "type": "message_delta",
            "delta": {"stop_reason": "refusal", "stop_sequence": None, "stop_details": details},
            "usage": {"output_tokens": 3},
        },
        {"type": "message_stop"},
    ]


def both_clients(server: FakeClaude, chain: list[Any], **options: Any) -> list[Any]:
    return [
        AsyncClaude(
            api_key="k",
            base_url=server.url,
            middleware=[BetaRefusalFallbackMiddleware(chain)],
            **options,
        ),
        anthropic.AsyncAnthropic(
            api_key="k",
            base_url=server.url,
            middleware=[anthropic.BetaRefusalFallbackMiddleware(chain)],
            **options,
        ),
    ]


def dump(value: Any) -> Any:
    return value.model_dump(mode="json", by_alias=True, exclude_none=True)


STREAM_CASES: dict[str, tuple[list[Any], list[Any]]] = {
    "refused before output, twice": (
        CHAIN,
        [refusal(MODEL, "tok-1"), refusal("claude-opus-4-5", None, "bio"), answer("h", "Served")],
    ),
    "refused mid-block, with a prefill claim": (
        CHAIN,
        [refused_midway(MODEL, "Sure, here", "tok-1"), answer("claude-opus-4-5", " it is")],
    ),
    "refused after a block, without a prefill claim": (
        CHAIN,
        [
            refused_midway(MODEL, "Sure", "tok-1", prefill=False, open_block=False),
            answer("claude-opus-4-5", "Other"),
        ],
    ),
    "refused mid-stream without a token: passed on": (
        CHAIN,
        [refused_midway(MODEL, "Sure", None)],
    ),
    "the last entry refuses too: passed on": (
        CHAIN[:1],
        [refusal(MODEL, "tok-1"), refused_midway("claude-opus-4-5", "No", "tok-2")],
    ),
    "every entry left fails": (
        CHAIN,
        [
            refused_midway(MODEL, "Sure", "tok-1"),
            ErrorReply(529, "overloaded_error", "busy"),
            ErrorReply(529, "overloaded_error", "busy"),
        ],
    ),
    "the prefill is rejected, then the entry is sent without it": (
        CHAIN,
        [
            refused_midway(MODEL, "Sure", "tok-1"),
            ErrorReply(400, "invalid_request_error", "prefill mismatch"),
            answer("claude-opus-4-5", "Plain"),
        ],
    ),
    "a failed entry is skipped": (
        CHAIN,
        [refusal(MODEL, "tok-1"), ErrorReply(500, "api_error", "down"), answer("h", "Haiku")],
    ),
}


# On trio the official middleware leaves the async generators of the streams it stops
# reading to the garbage collector, and trio warns: their code, not ours.
@official_generators_left_open
@pytest.mark.parametrize("case", list(STREAM_CASES))
async def test_a_refused_stream_is_spliced_as_the_official_sdk_splices_it(
    server: FakeClaude, case: str
) -> None:
    """The raw stream's events, the helper's final message, every request and the pin:
    the same from ours as from the pinned official middleware."""
    chain, script = STREAM_CASES[case]
    results: list[tuple[Any, ...]] = []
    for client in both_clients(server, chain, max_retries=0):
        runs: list[Any] = []
        for helper in (False, True):
            server.requests.clear()
            server.script(*script)
            state: Any = (
                BetaFallbackState()
                if isinstance(client, AsyncClaude)
                else anthropic.BetaFallbackState()
            )
            with state:
                if helper:
                    async with client.beta.messages.stream(
                        model=MODEL, max_tokens=20, messages=USER
                    ) as stream:
                        seen = [dump(await stream.get_final_message())]
                else:
                    raw = await client.beta.messages.create(
                        model=MODEL, max_tokens=20, messages=USER, stream=True
                    )
                    seen = [dump(event) async for event in raw]
            runs.append((seen, sent(server.requests), state.index))
        if isinstance(client, AsyncClaude):
            assert client._get_transport().num_active == 0
        await client.close()
        results.append(tuple(runs))
    ours, theirs = results
    for mine, official in zip(ours, theirs, strict=True):
        assert mine[1] == official[1]  # the requests, bodies and headers
        assert mine[0] == official[0]  # the events / the final message
        assert mine[2] == official[2]  # the pin


async def test_a_spliced_stream_closed_early_leaks_nothing(server: FakeClaude) -> None:
    """Leaving the stream while the fallback's is read, or cancelling the read while the
    fallback's request is under way (in a middleware after this one), closes every
    response."""
    sent_hops: list[str] = []

    async def slow_hops(request: APIRequest, call_next: AsyncCallNext) -> Any:
        sent_hops.append(request.json["model"])
        if len(sent_hops) == 4:  # the second call's fallback: before it is sent
            await anyio.sleep(10)
        response = await call_next(request)
        if len(sent_hops) == 6:  # the third's: after its response came, dropping it
            await anyio.sleep(10)
        return response

    middleware = [BetaRefusalFallbackMiddleware(CHAIN), slow_hops]
    async with AsyncClaude(api_key="k", base_url=server.url, middleware=middleware) as client:
        transport = client._get_transport()
        server.script(refusal(MODEL, "tok-1"))
        async with client.beta.messages.stream(model=MODEL, max_tokens=50, messages=USER) as s:
            async for event in s:
                if event.type == "content_block_delta":
                    break
        assert transport.num_active == 0

        for _ in range(2):
            server.script(refused_midway(MODEL, "Sure", "tok-1"))
            seen: list[str] = []
            with anyio.move_on_after(1) as scope:
                stream = await client.beta.messages.create(
                    model=MODEL, max_tokens=50, messages=USER, stream=True
                )
                async with stream:
                    async for event in stream:
                        seen.append(event.type)
            assert scope.cancelled_caught
            assert "content_block_delta" in seen  # the refused output was read
            assert transport.num_active == 0
    assert sent_hops == [MODEL, "claude-opus-4-5"] * 3


def test_the_blocking_client_splices_streams() -> None:
    with FakeClaude.run_in_thread() as server:
        server.script(refused_midway(MODEL, "Sure, here", "tok-1"))
        with anyio_claude.Anthropic(
            api_key="k",
            base_url=server.url,
            middleware=[BetaRefusalFallbackMiddleware(CHAIN)],
        ) as client:
            state = BetaFallbackState()
            with (
                state,
                client.beta.messages.stream(model=MODEL, max_tokens=20, messages=USER) as stream,
            ):
                text = "".join(stream.text_stream)
                message = stream.get_final_message()
            assert client._async._get_transport().num_active == 0
    assert state.index == 0
    assert text.startswith("Sure,You said")
    assert [block.type for block in message.content] == ["text", "fallback", "text"]
    assert server.requests[1].json["messages"][-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Sure,"}],
    }

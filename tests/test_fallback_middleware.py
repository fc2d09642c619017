"""`BetaRefusalFallbackMiddleware` and `BetaFallbackState` against the pinned official
SDK's: the same requests down the chain, the same served message, on asyncio and trio and
through the blocking client; the official example runs after changing the import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest

import anyio_claude
from anyio_claude import AsyncClaude, BetaFallbackState, BetaRefusalFallbackMiddleware, ClaudeError
from anyio_claude.testing import FakeClaude, RecordedRequest

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


async def test_the_span_of_a_fallback_matches_the_official_one(server: FakeClaude) -> None:
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
        await client.beta.messages.create(model=MODEL, max_tokens=20, messages=USER)
        await client.close()
        taken.append(spans.take())
    assert_same(*taken)
    ((_, attributes, _),) = taken[0]
    assert attributes["http.request.resend_count"] == 1
    assert attributes["gen_ai.response.model"].startswith("claude-opus-4-5")

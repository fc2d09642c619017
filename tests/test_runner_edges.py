"""`Runner` at its edges: the custom_id and error of an item refused before sending, what
a spend-limit error carries, `MapResult` and `Progress` on their own, and the fleet's key
prefix (found unpinned by mutation testing, docs/contributing.md)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import anyio
import pytest

from anyio_claude import (
    APIStatusError,
    AsyncClaude,
    MapResult,
    Progress,
    RateLimitInfo,
    Runner,
    SpendLimitError,
)
from anyio_claude._runner import _fleet_name
from anyio_claude.testing import FakeClaude, RateLimits
from anyio_claude.types import Message, Usage

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
PARAMS: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 8,
    "messages": [{"role": "user", "content": "hi"}],
}


async def test_items_refused_before_sending_keep_their_custom_id() -> None:
    items: list[Any] = [
        {"custom_id": "streamed", "params": {**PARAMS, "stream": True}},
        {"custom_id": 5, "params": PARAMS},
        {"custom_id": "bad-params", "params": [1]},
        ["not", "a", "mapping"],
        {"custom_id": "ok", "params": PARAMS},
    ]
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        async with client.messages.map(items, ordered=True) as results:
            got = [result async for result in results]
        sent = [r for r in server.requests if r.path == "/v1/messages"]
    assert [r.custom_id for r in got] == ["streamed", None, "bad-params", None, "ok"]
    messages = [str(r.error) for r in got[:4]]
    assert messages == [
        "stream: map sends non-streaming requests; leave stream out",
        "custom_id must be a string, got int",
        "params must be a mapping, got list",
        "a request must be a mapping of parameters, got list",
    ]
    assert [type(r.error) for r in got[:4]] == [ValueError, TypeError, TypeError, TypeError]
    assert got[4].error is None and got[4].message is not None
    assert len(sent) == 1


def test_a_result_without_message_or_error_says_so() -> None:
    empty = MapResult(0, None)
    with pytest.raises(ValueError, match=r"^no message$"):
        empty.unwrap()
    assert empty.usage is None
    failed = MapResult(1, "x", error=KeyError("k"))
    with pytest.raises(KeyError):
        failed.unwrap()


def test_progress_rate_and_eta() -> None:
    progress = Progress(succeeded=6, failed=2, total=20, elapsed=4.0)
    assert progress.done == 8 and progress.requests_per_second == 2.0
    assert progress.eta == 6.0
    assert Progress(succeeded=3, total=2, elapsed=1.0).eta == 0.0
    assert Progress(total=5, elapsed=0.0).eta is None
    assert Progress(succeeded=1, elapsed=1.0).eta is None
    assert Progress(succeeded=1).requests_per_second == 0.0


async def test_a_spend_limit_error_carries_the_reply() -> None:
    async with (
        FakeClaude(rate_limits=RateLimits(spend_limit=1)) as server,
        AsyncClaude(api_key="k", base_url=server.url) as client,
    ):
        with anyio.fail_after(5), pytest.raises(SpendLimitError) as info:
            async with client.messages.map([PARAMS, PARAMS], concurrency=1) as results:
                async for _ in results:
                    pass
    error = info.value
    assert error.status_code == 429 and error.type == "rate_limit_error"
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert isinstance(error.body, dict) and error.body["type"] == "error"
    assert error.response is not None and error.response.status_code == 429
    assert error.response.headers.get("request-id") == error.request_id
    assert isinstance(error.rate_limits, RateLimitInfo)
    assert isinstance(error.__cause__, Exception) and not isinstance(
        error.__cause__, SpendLimitError
    )


def test_the_fleet_key_prefix_hashes_the_credential_and_the_api() -> None:
    def expected(secret: str, url: str) -> str:
        return "anyio-claude:" + hashlib.sha256(f"{secret}@{url}".encode()).hexdigest()[:16]

    keyed = SimpleNamespace(api_key="sk-ant-1", auth_token="tok", base_url="https://a")
    assert _fleet_name(keyed) == expected("sk-ant-1", "https://a")
    token = SimpleNamespace(api_key=None, auth_token="tok", base_url="https://a")
    assert _fleet_name(token) == expected("tok", "https://a")
    neither = SimpleNamespace(api_key=None, auth_token=None, base_url="https://b")
    assert _fleet_name(neither) == expected("", "https://b")
    assert _fleet_name(object()) == expected("", "")
    assert "sk-ant-1" not in _fleet_name(keyed)


async def test_the_learnt_ratio_counts_cache_tokens_as_input() -> None:
    async with AsyncClaude(api_key="k", base_url="http://127.0.0.1:9") as client:
        runner = Runner(client)
        request = {"model": MODEL, "messages": [{"role": "user", "content": "x" * 4000}]}
        size, estimate = runner._estimate(request)
        assert estimate == math.ceil(size / 3.0)  # before any reply
        runner._learn(1000, Usage(input_tokens=100, output_tokens=1))
        runner._learn(
            1000,
            Usage(
                input_tokens=100,
                output_tokens=1,
                cache_creation_input_tokens=300,
                cache_read_input_tokens=500,
            ),
        )
        # 2000 bytes for 1000 input tokens: 2 bytes a token.
        assert runner._estimate(request) == (size, math.ceil(size / 2.0))


async def test_a_status_error_without_a_response_is_retried_by_its_status() -> None:
    class Failing(Runner):
        calls = 0

        async def _send(self, params: Mapping[str, Any]) -> tuple[Message, RateLimitInfo]:
            self.calls += 1
            if self.calls == 1:
                raise APIStatusError("no reply object", status_code=500)
            return await super()._send(params)

    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        async with Failing(client, max_retries=1).map([PARAMS]) as results:
            (result,) = [r async for r in results]
    assert result.error is None and result.attempts == 2


async def test_the_final_progress_adds_up_every_result() -> None:
    cached = {
        "type": "text",
        "text": "a long cached system prompt " * 300,
        "cache_control": {"type": "ephemeral"},
    }
    items: list[Any] = [{**PARAMS, "system": [cached]} for _ in range(3)]
    items += [{**PARAMS, "stream": True}, ["not a mapping"]]
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        async with client.messages.map(items, concurrency=1) as run:
            results = [r async for r in run]
        progress = run.progress
    usages = [r.usage for r in results if r.usage is not None]
    assert len(usages) == 3 and progress.succeeded == 3 and progress.failed == 2
    assert progress.input_tokens == sum(u.input_tokens for u in usages)
    assert progress.output_tokens == sum(u.output_tokens for u in usages)
    read = sum(u.cache_read_input_tokens or 0 for u in usages)
    created = sum(u.cache_creation_input_tokens or 0 for u in usages)
    assert read > 0 and created > 0
    assert progress.cache_read_input_tokens == read
    assert progress.cache_creation_input_tokens == created
    assert min(u.input_tokens for u in usages) > 1 and min(u.output_tokens for u in usages) > 1
    assert progress.total == 5 and progress.done == 5

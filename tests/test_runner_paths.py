"""`Runner` one path at a time, each with a few requests: its options and their defaults,
the pacer it builds (local or shared), what each kind of reply takes from and gives back
to the pacer, the ordered window, the results stream's buffer and the block's exit (found
unpinned by mutation testing, docs/contributing.md; `tests/test_runner.py` runs the same
paths at scale)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import anyio
import msgspec
import pytest

from anyio_claude import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AsyncClaude,
    MapResult,
    Progress,
    RateLimitInfo,
    RedisPacer,
    Runner,
)
from anyio_claude._pacing import Cost, Pacer
from anyio_claude._runner import _fleet_name
from anyio_claude._shared_pacer import SharedPacer
from anyio_claude.testing import ErrorReply, FakeClaude, Fault
from anyio_claude.testing._routing import ApiRequest, json_response

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
# Nothing listens there: requests to it fail to connect.
CLOSED = "http://127.0.0.1:9"


def params(i: int, max_tokens: int = 8) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": f"question {i}"}],
    }


def estimate(request: Mapping[str, Any]) -> int:
    """The input tokens a first request reserves: its JSON size at 3 bytes a token."""
    return math.ceil(len(msgspec.json.encode(request)) / 3.0)


class SpyPacer(Pacer):
    """A `Pacer` that records every call `Runner` makes on it."""

    def __init__(self, concurrency: int, *, max_wait: float) -> None:
        super().__init__(concurrency, max_wait=max_wait)
        self.calls: list[tuple[Any, ...]] = []

    async def acquire(self, cost: Cost) -> None:
        self.calls.append(("acquire", cost))
        await super().acquire(cost)

    def release(
        self,
        cost: Cost,
        *,
        info: RateLimitInfo | None,
        used: Cost | None,
        refund_request: bool,
    ) -> None:
        self.calls.append(("release", cost, info, used, refund_request))
        super().release(cost, info=info, used=used, refund_request=refund_request)

    def succeeded(self) -> None:
        self.calls.append(("succeeded",))
        super().succeeded()

    def overloaded(self, retry_after: float | None) -> float:
        self.calls.append(("overloaded", retry_after))
        return super().overloaded(retry_after)

    async def aclose(self) -> None:
        self.calls.append(("aclose",))
        await super().aclose()


def spied(runner: Runner) -> SpyPacer:
    pacer = SpyPacer(runner.concurrency, max_wait=runner.max_retry_wait)
    runner._pacer = pacer
    return pacer


async def collect(run: Any) -> list[MapResult]:
    with anyio.fail_after(10):
        async with run as results:
            return [result async for result in results]


class Gate:
    """Wraps FakeClaude's messages route: requests whose text is in `held` wait for
    `open`; `garbled` maps a text to the arrival of it (1 for the first) that gets a body
    that is not JSON; `seen` lists every request's text as it arrives, `times` when."""

    def __init__(
        self, server: FakeClaude, held: set[str], garbled: Mapping[str, int] | None = None
    ) -> None:
        index = next(i for i, (p, _) in enumerate(server.routes) if p == "/v1/messages")
        self.route = server.routes[index][1]
        server.routes[index] = ("/v1/messages", self)
        self.held = held
        self.garbled = garbled or {}
        self.open = anyio.Event()
        self.seen: list[str] = []
        self.times: list[float] = []
        self._arrived = anyio.Event()

    async def __call__(self, request: ApiRequest) -> Any:
        text = request.json["messages"][0]["content"]
        self.seen.append(text)
        self.times.append(anyio.current_time())
        self._arrived.set()
        self._arrived = anyio.Event()
        if text in self.held:
            await self.open.wait()
        if self.garbled.get(text) == self.seen.count(text):
            return json_response(b"not json")
        return await self.route(request)

    async def until_seen(self, count: int) -> None:
        with anyio.fail_after(5):
            while len(self.seen) < count:
                await self._arrived.wait()
        # Long enough for a worker that could go on to take the next item and send it.
        await anyio.sleep(0.1)


async def test_the_defaults_and_the_local_pacer() -> None:
    async with AsyncClaude(api_key="k", base_url=CLOSED) as client:
        runner = Runner(client)
        assert runner.concurrency == 64 and runner.max_retries == 8
        assert runner.max_retry_wait == 300.0 and runner.count_tokens is False
        pacer = runner._get_pacer()
        assert type(pacer) is Pacer and runner._get_pacer() is pacer
        assert pacer.max_concurrency == 64 and pacer.max_wait == 300.0
        assert {k: b.capacity for k, b in pacer.buckets.items()} == dict.fromkeys(
            ("requests", "input_tokens", "output_tokens", "tokens")
        )
        limited = Runner(
            client,
            concurrency=3,
            max_retry_wait=7.0,
            requests_per_minute=50,
            input_tokens_per_minute=6000,
            output_tokens_per_minute=700,
        )
        pacer = limited._get_pacer()
        assert pacer.max_concurrency == 3 and pacer.max_wait == 7.0
        assert {k: b.capacity for k, b in pacer.buckets.items()} == {
            "requests": 50.0,
            "input_tokens": 6000.0,
            "output_tokens": 700.0,
            "tokens": None,
        }
        # The smallest values allowed.
        Runner(
            client,
            concurrency=1,
            max_retries=0,
            max_retry_wait=0,
            requests_per_minute=1,
            input_tokens_per_minute=1,
            output_tokens_per_minute=1,
        ).map([], progress_interval=0.001)


async def test_a_redis_pacer_gives_the_shared_pacer_the_runner_s_options() -> None:
    async with AsyncClaude(api_key="sk-ant-x", base_url=CLOSED) as client:
        runner = Runner(
            client,
            concurrency=3,
            max_retry_wait=7.0,
            requests_per_minute=50,
            pacer=RedisPacer("redis://127.0.0.1:9/0"),
        )
        pacer = runner._get_pacer()
        assert isinstance(pacer, SharedPacer) and runner._get_pacer() is pacer
        assert pacer.max_concurrency == 3 and pacer.max_wait == 7.0
        assert pacer.buckets["requests"].capacity == 50.0
        assert pacer.buckets["input_tokens"].capacity is None
        # Keys under the hash of the credential and the API, or under the name given.
        assert pacer._keys[0] == f"{_fleet_name(client)}:pause"
        named = Runner(client, pacer=RedisPacer("redis://127.0.0.1:9/0", name="team"))
        named_pacer = named._get_pacer()
        assert isinstance(named_pacer, SharedPacer) and named_pacer._keys[0] == "team:pause"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"concurrency": 0}, "concurrency must be an int of at least 1, got 0"),
        ({"concurrency": True}, "concurrency must be an int of at least 1, got True"),
        ({"concurrency": 2.0}, "concurrency must be an int of at least 1, got 2.0"),
        ({"max_retries": -1}, "max_retries must be an int of 0 or more, got -1"),
        ({"max_retries": False}, "max_retries must be an int of 0 or more, got False"),
        ({"max_retries": 1.0}, "max_retries must be an int of 0 or more, got 1.0"),
        ({"max_retry_wait": -0.5}, "max_retry_wait must be 0 or more seconds, got -0.5"),
        ({"max_retry_wait": math.nan}, "max_retry_wait must be 0 or more seconds, got nan"),
        (
            {"requests_per_minute": 0},
            "requests_per_minute must be a positive int or None, got 0",
        ),
        (
            {"input_tokens_per_minute": "5"},
            "input_tokens_per_minute must be a positive int or None, got '5'",
        ),
        (
            {"output_tokens_per_minute": 0},
            "output_tokens_per_minute must be a positive int or None, got 0",
        ),
        ({"pacer": "redis://x"}, "pacer must be a RedisPacer or None, got 'redis://x'"),
        ({"progress_interval": 0}, "progress_interval must be positive, got 0"),
        ({"progress_interval": -1.0}, "progress_interval must be positive, got -1.0"),
    ],
)
async def test_each_bad_option_is_refused_by_name(options: dict[str, Any], message: str) -> None:
    async with AsyncClaude(api_key="k", base_url=CLOSED) as client:
        with pytest.raises(ValueError) as info:
            client.messages.map([params(0)], **options)
    assert str(info.value) == message


async def test_an_item_with_messages_is_parameters_even_with_a_params_key() -> None:
    items: list[Any] = [
        {"model": MODEL, "max_tokens": 8},
        {"custom_id": "x", "params": params(1), **params(2)},
    ]
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        first, second = await collect(Runner(client, concurrency=1).map(items, ordered=True))
        assert not server.requests
    # Both sent as they are: the first lacks `messages`, the second has unknown keys.
    assert isinstance(first.error, TypeError) and "'messages'" in str(first.error)
    assert isinstance(second.error, TypeError) and "'custom_id'" in str(second.error)
    assert first.custom_id is None and second.custom_id is None


async def test_the_total_is_the_length_unless_given() -> None:
    def generate() -> Iterator[dict[str, Any]]:
        yield params(0)

    async with AsyncClaude(api_key="k", base_url=CLOSED) as client:
        runner = Runner(client)
        assert runner.map([params(0)] * 3).progress.total == 3
        assert runner.map([params(0)] * 3, total=7).progress.total == 7
        assert runner.map(generate()).progress.total is None
        assert runner.map(generate(), total=4).progress.total == 4


async def test_iterating_outside_the_block_says_how_to_use_it() -> None:
    async with AsyncClaude(api_key="k", base_url=CLOSED) as client:
        run = Runner(client).map([params(0)])
        assert run.__aiter__() is run
        with pytest.raises(RuntimeError) as info:
            await run.__anext__()
    assert str(info.value) == "use `async with runner.map(...) as results:` to iterate"


async def test_the_callback_gets_the_final_progress_once_at_the_end() -> None:
    snapshots: list[Progress] = []
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        run = client.messages.map(
            [params(i) for i in range(3)],
            concurrency=2,
            on_progress=snapshots.append,
            progress_interval=60.0,
        )
        results = await collect(run)
    assert len(results) == 3
    (final,) = snapshots
    assert (final.succeeded, final.failed, final.in_flight, final.queued) == (3, 0, 0, 0)
    assert final.total == 3 and final.done == 3


async def test_the_callback_comes_every_second_by_default() -> None:
    snapshots: list[tuple[float, Progress]] = []
    first = anyio.Event()

    def record(progress: Progress) -> None:
        snapshots.append((anyio.current_time() - started, progress))
        first.set()

    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        gate = Gate(server, {"question 0"})
        started = anyio.current_time()
        run = client.messages.map([params(0)], on_progress=record)
        with anyio.fail_after(10):
            async with run as results:
                await first.wait()
                gate.open.set()
                assert len([r async for r in results]) == 1
    (at, progress), (_, final) = snapshots
    # Not two seconds (a loaded machine may add to the one).
    assert 1.0 <= at < 1.9
    assert (progress.in_flight, progress.done, progress.total) == (1, 0, 1)
    assert (final.in_flight, final.done) == (0, 1)


async def test_an_error_in_the_block_is_raised_and_stops_the_rest() -> None:
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        gate = Gate(server, {"question 1"})
        with anyio.fail_after(5), pytest.raises(KeyError, match="stop"):
            async with Runner(client, concurrency=1).map([params(0), params(1)]) as results:
                async for _ in results:
                    await gate.until_seen(2)
                    raise KeyError("stop")
        # The request held by the server was cancelled: nothing is in flight.
        assert client._transport is not None and client._transport.num_connections == 0


async def test_the_results_stream_holds_no_result_the_caller_has_not_taken() -> None:
    pulled = 0

    def generate() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for i in range(10):
            pulled += 1
            yield params(i)

    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        gate = Gate(server, set())
        with anyio.fail_after(5):
            async with Runner(client, concurrency=1).map(generate()) as results:
                first = await results.__anext__()
                # The worker holds the second result until it is taken: no third request.
                await gate.until_seen(2)
                assert pulled == 2 and len(gate.seen) == 2
                rest = [r async for r in results]
    assert first.index == 0 and [r.index for r in rest] == list(range(1, 10))


async def test_ordered_reads_at_most_twice_the_concurrency_ahead() -> None:
    pulled = 0

    async def generate() -> AsyncIterator[dict[str, Any]]:
        nonlocal pulled
        for i in range(12):
            pulled += 1
            yield params(i)

    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        gate = Gate(server, {"question 0", "question 5"})
        # Limits given: both workers start at once, before any reply.
        runner = Runner(client, concurrency=2, requests_per_minute=100_000)
        with anyio.fail_after(5):
            async with runner.map(generate(), ordered=True) as results:
                # Item 0 is held: the other worker answers 1 to 3, and 4 would be 4
                # items past the first not yet emitted.
                await gate.until_seen(4)
                assert pulled == 4 and gate.seen[1:] == [f"question {i}" for i in (1, 2, 3)]
                gate.open.set()
                got = [r async for r in results]
    assert [r.index for r in got] == list(range(12))
    assert all(r.error is None and r.attempts == 1 for r in got)


async def test_unordered_results_come_as_they_complete() -> None:
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        gate = Gate(server, {"question 0"})
        runner = Runner(client, concurrency=2, requests_per_minute=100_000)
        with anyio.fail_after(5):
            async with runner.map([params(i) for i in range(6)]) as results:
                early = [await results.__anext__() for _ in range(5)]
                gate.open.set()
                last = [r async for r in results]
    assert [r.index for r in early] == [1, 2, 3, 4, 5] and [r.index for r in last] == [0]


async def test_a_reply_gives_back_what_it_did_not_use() -> None:
    cached = {
        "type": "text",
        "text": "a long cached system prompt " * 300,
        "cache_control": {"type": "ephemeral"},
    }
    first = {**params(0), "system": [cached]}
    second = {"custom_id": "again", "params": {**params(1, max_tokens=5), "system": [cached]}}
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        runner = Runner(client, concurrency=1)
        pacer = spied(runner)
        results = await collect(runner.map([first, second]))
    assert [r.custom_id for r in results] == [None, "again"]
    assert [r.index for r in results] == [0, 1]
    usages = [r.usage for r in results if r.usage is not None]
    assert len(usages) == 2
    assert (usages[0].cache_creation_input_tokens or 0) > 0
    assert (usages[1].cache_read_input_tokens or 0) > 0
    assert not usages[1].cache_creation_input_tokens
    costs = [Cost(estimate(first), 8)]
    # The second estimate uses the ratio the first reply showed (cache tokens are input).
    u = usages[0]
    ratio = len(msgspec.json.encode(first)) / (
        u.input_tokens + (u.cache_creation_input_tokens or 0) + (u.cache_read_input_tokens or 0)
    )
    costs.append(Cost(math.ceil(len(msgspec.json.encode(second["params"])) / ratio), 5))
    expected: list[tuple[Any, ...]] = []
    for cost, usage in zip(costs, usages, strict=True):
        used = Cost(
            usage.input_tokens + (usage.cache_creation_input_tokens or 0), usage.output_tokens
        )
        expected += [("acquire", cost), ("release", cost, "info", used, False), ("succeeded",)]
    expected.append(("aclose",))
    calls = [
        (c[0], c[1], "info" if isinstance(c[2], RateLimitInfo) else c[2], *c[3:])
        if c[0] == "release"
        else c
        for c in pacer.calls
    ]
    assert calls == expected
    assert pacer.in_flight == 0 and all(v == 0 for v in pacer.pending.values())


@pytest.mark.parametrize(
    ("reply", "retry_after", "overloaded"),
    [
        (ErrorReply(429, "rate_limit_error", "slow down", {"retry-after-ms": "20"}), 0.02, True),
        (ErrorReply(529, "overloaded_error", "Overloaded", {"retry-after-ms": "10"}), 0.01, True),
        # Without retry-after a 429 is a spend limit only if its message says so.
        (ErrorReply(429, "rate_limit_error", "slow down", {}), None, True),
        (ErrorReply(429, "rate_limit_error", "spend limit", {"retry-after": "1"}), 1.0, True),
        (ErrorReply(529, "overloaded_error", "usage limit reached", {}), None, True),
        (ErrorReply(500, "api_error", "oops", {"retry-after-ms": "1"}), None, False),
        (
            ErrorReply(
                400,
                "invalid_request_error",
                "no",
                {"x-should-retry": "true", "retry-after-ms": "1"},
            ),
            None,
            False,
        ),
    ],
)
async def test_a_retried_status_gives_back_and_is_counted(
    reply: ErrorReply, retry_after: float | None, overloaded: bool
) -> None:
    request = params(0, max_tokens=11)
    cost = Cost(estimate(request), 11)
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        server.script(reply)
        runner = Runner(client, concurrency=1, max_retries=1, max_retry_wait=0.05)
        pacer = spied(runner)
        run = runner.map([request])
        (result,) = await collect(run)
    assert result.error is None and result.attempts == 2
    assert pacer.calls[0] == ("acquire", cost)
    assert pacer.calls[1][:2] == ("release", cost) and pacer.calls[1][3:] == (None, overloaded)
    assert isinstance(pacer.calls[1][2], RateLimitInfo)
    paused = [("overloaded", retry_after)] if overloaded else []
    assert pacer.calls[2:-4] == paused
    assert [c[0] for c in pacer.calls[-4:]] == ["acquire", "release", "succeeded", "aclose"]
    progress = run.progress
    assert (progress.retries, progress.rate_limited) == (1, int(overloaded))
    assert (progress.succeeded, progress.failed) == (1, 0)


async def test_every_retry_and_every_429_or_529_is_counted() -> None:
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        server.script(
            ErrorReply(429, "rate_limit_error", "slow down", {"retry-after-ms": "1"}),
            ErrorReply(529, "overloaded_error", "Overloaded", {"retry-after-ms": "1"}),
            ErrorReply(500, "api_error", "oops", {"retry-after-ms": "1"}),
        )
        run = Runner(client, concurrency=1, max_retries=3).map([params(0)])
        (result,) = await collect(run)
    assert result.error is None and result.attempts == 4
    assert (run.progress.retries, run.progress.rate_limited) == (3, 2)


async def test_an_error_that_is_not_retried_is_a_result_with_what_the_reply_said() -> None:
    request = params(0)
    cost = Cost(estimate(request), 8)
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        server.script(ErrorReply(429, "rate_limit_error", "slow down", {"x-should-retry": "false"}))
        server.script(ErrorReply(400, "invalid_request_error", "no", {}))
        runner = Runner(client, concurrency=1, max_retries=3, max_retry_wait=0.01)
        pacer = spied(runner)
        run = runner.map([request, params(1)])
        first, second = await collect(run)
    for result in (first, second):
        assert isinstance(result.error, APIStatusError) and result.attempts == 1
    assert isinstance(first.error, APIStatusError) and first.error.status_code == 429
    assert isinstance(second.error, APIStatusError) and second.error.status_code == 400
    assert pacer.calls[:3] == [
        ("acquire", cost),
        ("release", cost, first.error.rate_limits, None, True),
        ("overloaded", None),
    ]
    assert pacer.calls[4][3:] == (None, False) and pacer.calls[4][2] is second.error.rate_limits
    assert len(pacer.calls) == 6 and pacer.in_flight == 0
    assert (run.progress.failed, run.progress.retries, run.progress.rate_limited) == (2, 0, 1)


async def test_a_runner_s_requests_are_not_retried_by_the_client() -> None:
    async with (
        FakeClaude(faults=[Fault("server_error")]) as server,
        AsyncClaude(api_key="k", base_url=server.url, max_retries=5) as client,
    ):
        (result,) = await collect(Runner(client, max_retries=0).map([params(0)]))
        sent = [r for r in server.requests if r.path == "/v1/messages"]
    assert isinstance(result.error, APIStatusError) and len(sent) == 1


async def test_a_connection_failure_gives_everything_back_and_is_retried() -> None:
    request = params(0)
    cost = Cost(estimate(request), 8)
    async with AsyncClaude(api_key="k", base_url=CLOSED) as client:
        runner = Runner(client, concurrency=1, max_retries=1)
        pacer = spied(runner)
        run = runner.map(["refused", {"custom_id": "c", "params": request}])
        started = anyio.current_time()
        refused, result = await collect(run)
        waited = anyio.current_time() - started
    assert isinstance(result.error, APIConnectionError) and result.attempts == 2
    assert (refused.index, result.index, result.custom_id) == (0, 1, "c")
    released = ("release", cost, None, None, False)
    assert pacer.calls == [("acquire", cost), released, ("acquire", cost), released, ("aclose",)]
    assert (run.progress.retries, run.progress.failed, run.progress.rate_limited) == (1, 2, 0)
    # The first backoff: 0.5 s less up to a quarter of jitter (plus what a loaded machine
    # adds; the second would be twice as long).
    assert 0.375 <= waited < 1.5


async def test_a_retried_status_waits_the_backoff_or_what_the_server_asks() -> None:
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        gate = Gate(server, set())
        runner = Runner(client, concurrency=1, max_retries=1)
        server.script(ErrorReply(500, "api_error", "oops", {}))
        results = await collect(runner.map([params(0)]))
        server.script(ErrorReply(500, "api_error", "oops", {"retry-after-ms": "700"}))
        results += await collect(runner.map([params(1)]))
    assert [r.attempts for r in results] == [2, 2] and all(r.error is None for r in results)
    backoff, asked = gate.times[1] - gate.times[0], gate.times[3] - gate.times[2]
    # The first backoff (0.375 to 0.5 s; the second would be twice as long), then the
    # server's 0.7 s rather than a backoff.
    assert 0.375 <= backoff < 1.5
    assert asked >= 0.7


async def test_a_reply_that_does_not_decode_gives_everything_back_and_is_not_retried() -> None:
    request = params(0)
    cost = Cost(estimate(request), 8)
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        # A retried 500, then a reply that does not decode.
        Gate(server, set(), {"question 0": 2})
        server.script(ErrorReply(500, "api_error", "oops", {"retry-after-ms": "1"}))
        runner = Runner(client, concurrency=1, max_retries=3)
        pacer = spied(runner)
        refused, result = await collect(runner.map([[], {"custom_id": "g", "params": request}]))
    assert isinstance(result.error, APIResponseValidationError) and result.attempts == 2
    assert (refused.index, result.index, result.custom_id) == (0, 1, "g")
    assert pacer.calls[2:] == [("acquire", cost), ("release", cost, None, None, True), ("aclose",)]


async def test_a_request_without_max_tokens_reserves_no_output() -> None:
    request = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        runner = Runner(client, concurrency=1, max_retries=0)
        pacer = spied(runner)
        (result,) = await collect(runner.map([request]))
    assert result.error is not None
    assert pacer.calls[0] == ("acquire", Cost(estimate(request), 0))


async def test_a_cancelled_request_gives_back_its_reservation() -> None:
    request = params(0)
    cost = Cost(estimate(request), 8)
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        gate = Gate(server, {"question 0"})
        runner = Runner(client, concurrency=1)
        pacer = spied(runner)
        with anyio.fail_after(5), anyio.CancelScope() as scope:
            async with runner.map([request]) as results:
                await gate.until_seen(1)
                scope.cancel()
                await results.__anext__()
        assert scope.cancelled_caught
    assert pacer.calls == [("acquire", cost), ("release", cost, None, None, False), ("aclose",)]
    assert pacer.in_flight == 0

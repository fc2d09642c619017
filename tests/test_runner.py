"""`client.messages.map` / `Runner`: paced fan-out against FakeClaude's limits and faults."""

from __future__ import annotations

import gc
import itertools
import statistics
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import anyio
import pytest

from anyio_claude import (
    APIStatusError,
    AsyncClaude,
    MapResult,
    NotFoundError,
    Progress,
    RateLimitInfo,
    Runner,
    SpendLimitError,
)
from anyio_claude.testing import ErrorReply, FakeClaude, Fault, RateLimits
from anyio_claude.testing._routing import ApiRequest
from anyio_claude.types import Message, decode_message

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
KEY = "test-key"


def params(i: int, max_tokens: int = 32) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": f"question {i}"}],
    }


def items(n: int) -> Iterator[dict[str, Any]]:
    return ({"custom_id": f"req-{i}", "params": params(i)} for i in range(n))


class Watch:
    """Wraps FakeClaude's messages route to see, server side, what is in flight."""

    def __init__(self, server: FakeClaude, delay: float = 0.0) -> None:
        index = next(i for i, (p, _) in enumerate(server.routes) if p == "/v1/messages")
        self.route = server.routes[index][1]
        server.routes[index] = ("/v1/messages", self)
        self.delay = delay
        self.current = self.peak = 0
        self.arrivals: list[float] = []

    async def __call__(self, request: ApiRequest) -> Any:
        self.arrivals.append(anyio.current_time())
        self.current += 1
        self.peak = max(self.peak, self.current)
        try:
            if self.delay:
                await anyio.sleep(self.delay)
            return await self.route(request)
        finally:
            self.current -= 1


async def collect(run: Any) -> list[MapResult]:
    async with run as results:
        return [result async for result in results]


# asyncio's debug mode tracks every coroutine's origin, which makes 5,000 requests over
# real sockets six times slower; both backends still run, asyncio without debug.
@pytest.mark.parametrize("anyio_backend", [("asyncio", {}), ("trio", {})], ids=["asyncio", "trio"])
async def test_5000_requests_under_faults_each_result_exactly_once() -> None:
    faults = [
        Fault("rate_limited", every=2400),
        Fault("overloaded", every=1300),
        Fault("server_error", every=900),
        Fault("reset_mid_body", probability=0.01, seed=3),
    ]
    async with (
        FakeClaude(faults=faults) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_connections=256) as client,
    ):
        watch = Watch(server, delay=0.002)
        results = await collect(client.messages.map(items(5000), concurrency=200))
    assert watch.peak <= 200
    ids = [r.custom_id for r in results]
    assert len(ids) == 5000 and set(ids) == {f"req-{i}" for i in range(5000)}
    assert sorted(r.index for r in results) == list(range(5000))
    assert all(r.error is None and r.message is not None for r in results)
    assert sum(r.attempts > 1 for r in results) >= 40


class Gate(Watch):
    """Holds requests until `size` are in flight at once (at most `patience` seconds), so
    the peak does not depend on how fast a loaded machine sends them; then each request
    takes `hold` seconds, time for one beyond `size` to arrive. The first request, the
    pacer's probe for the limits, is answered at once."""

    def __init__(self, server: FakeClaude, size: int, hold: float, patience: float = 10) -> None:
        super().__init__(server)
        self.size, self.hold, self.patience = size, hold, patience
        self.full = anyio.Event()

    async def __call__(self, request: ApiRequest) -> Any:
        self.arrivals.append(anyio.current_time())
        self.current += 1
        self.peak = max(self.peak, self.current)
        if self.current >= self.size:
            self.full.set()
        try:
            if len(self.arrivals) > 1:
                with anyio.move_on_after(self.patience):
                    await self.full.wait()
                await anyio.sleep(self.hold)
            return await self.route(request)
        finally:
            self.current -= 1


async def test_in_flight_reaches_but_never_exceeds_the_concurrency() -> None:
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        gate = Gate(server, 40, hold=0.2)
        with anyio.fail_after(30):
            results = await collect(
                client.messages.map([params(i) for i in range(200)], concurrency=40)
            )
    assert len(results) == 200 and all(r.error is None for r in results)
    assert gate.peak == 40


async def test_throughput_is_held_at_the_output_token_limit_with_few_429s() -> None:
    limits = RateLimits(requests_per_minute=6000, output_tokens_per_minute=60_000, start_empty=True)
    done: list[tuple[float, int]] = []
    async with (
        FakeClaude(rate_limits=limits) as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        watch = Watch(server)
        async with client.messages.map(
            (params(i, max_tokens=64) for i in range(160)), concurrency=50
        ) as results:
            async for result in results:
                usage = result.usage
                assert usage is not None
                done.append((anyio.current_time(), usage.output_tokens))
        progress = results.progress
    # The steady state, after the burst that the bucket saved up while the client
    # learnt the limits from its first reply. The rates are the slopes of a least-squares
    # line through the cumulative counts, not first-to-last: on a loaded machine one late
    # timestamp at either end of the window moved a first-to-last rate by over 10 %
    # (69,700 tokens a minute, once), while the slope holds.
    steady = done[-80:]
    times = [t for t, _ in steady]
    tokens = list(itertools.accumulate(n for _, n in steady))
    per_minute = statistics.linear_regression(times, tokens).slope * 60
    requests_per_minute = statistics.linear_regression(times, range(len(steady))).slope * 60
    assert 0.9 * 60_000 <= per_minute <= 1.1 * 60_000
    assert requests_per_minute <= 6000 * 1.1
    assert progress.rate_limited < 0.01 * len(watch.arrivals)


@pytest.mark.parametrize("anyio_backend", [("asyncio", {}), ("trio", {})], ids=["asyncio", "trio"])
async def test_memory_stays_flat_over_a_100000_item_generator() -> None:
    # The bulk goes through every part of the runner but the socket, which the lazy
    # real-server test below covers. Ordered, so the reordering buffer is exercised too.
    reply = decode_message(
        b'{"id": "msg_1", "type": "message", "role": "assistant", "model": "m",'
        b' "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",'
        b' "stop_sequence": null, "usage": {"input_tokens": 5, "output_tokens": 1}}'
    )
    info = RateLimitInfo(requests_limit=10**9, requests_remaining=10**9)

    class Cheap(Runner):
        async def _send(self, params: Mapping[str, Any]) -> tuple[Message, RateLimitInfo]:
            await anyio.lowlevel.checkpoint()
            return reply, info

    pulled = 0

    def generate(n: int) -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for i in range(n):
            pulled += 1
            yield {"custom_id": f"r{i}", "params": params(i)}

    objects: dict[int, int] = {}
    count = 0
    async with AsyncClaude(api_key=KEY, base_url="http://127.0.0.1:9") as client:
        runner = Cheap(client, concurrency=50)
        async with runner.map(generate(100_000), ordered=True) as results:
            async for _ in results:
                count += 1
                # Lazy: never more items taken than the workers and the reordering
                # window hold.
                assert pulled - count <= 3 * 50 + 1
                if count in (10_000, 50_000, 99_000):
                    gc.collect()
                    objects[count] = len(gc.get_objects())
    assert count == 100_000
    assert objects[99_000] - objects[10_000] < 500
    assert objects[50_000] - objects[10_000] < 500


async def test_a_real_server_run_reads_the_input_lazily() -> None:
    pulled = 0

    async def generate() -> AsyncIterator[dict[str, Any]]:
        nonlocal pulled
        for i in range(300):
            pulled += 1
            yield params(i)

    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        async with client.messages.map(generate(), concurrency=8) as results:
            first = await results.__anext__()
            assert pulled <= 8 + 1
            rest = [r async for r in results]
    assert first.custom_id is None and len(rest) == 299
    assert sorted(r.index for r in [first, *rest]) == list(range(300))


async def test_ordered_results_come_in_input_order_despite_retries() -> None:
    faults = [Fault("overloaded", every=7), Fault("server_error", every=11)]
    async with (
        FakeClaude(faults=faults) as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        Watch(server, delay=0.001)
        results = await collect(
            Runner(client, concurrency=16, max_retry_wait=0.05).map(
                [params(i) for i in range(120)], ordered=True
            )
        )
    assert [r.index for r in results] == list(range(120))
    assert any(r.attempts > 1 for r in results)


async def test_errors_are_results_by_default_and_raised_with_fail_fast() -> None:
    requests = [
        {"custom_id": "good-1", "params": params(1)},
        {"custom_id": "bad", "params": {**params(2), "model": "no-such-model"}},
        {"custom_id": "good-3", "params": params(3)},
        {"custom_id": "streamed", "params": {**params(4), "stream": True}},
        "not a mapping",
    ]
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        results = {r.index: r for r in await collect(client.messages.map(requests))}
        assert results[0].unwrap().content and results[2].error is None
        assert isinstance(results[1].error, NotFoundError) and results[1].custom_id == "bad"
        assert results[1].attempts == 1 and results[1].usage is None
        with pytest.raises(NotFoundError):
            results[1].unwrap()
        assert isinstance(results[3].error, ValueError) and "stream" in str(results[3].error)
        assert isinstance(results[4].error, TypeError)

        with pytest.raises(NotFoundError) as info:
            await collect(client.messages.map(requests[1:2] * 50, fail_fast=True))
        assert info.value.status_code == 404


async def test_one_429_pauses_every_worker_until_its_retry_after() -> None:
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        watch = Watch(server, delay=0.01)
        server.faults.append(Fault("rate_limited", nth=20))
        results = await collect(client.messages.map([params(i) for i in range(80)], concurrency=10))
    assert len(results) == 80 and all(r.error is None for r in results)
    hit = watch.arrivals[19]
    after = [t - hit for t in watch.arrivals[20:]]
    # Requests already on the wire may land just after; none is sent during the pause.
    assert not [d for d in after if 0.1 < d < 0.95]
    assert max(after) >= 1.0


async def test_retry_after_beyond_the_cap_waits_the_cap() -> None:
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        server.script(ErrorReply(429, "rate_limit_error", "slow down", {"retry-after": "171"}))
        with anyio.fail_after(5):
            results = await collect(
                Runner(client, max_retry_wait=0.2).map([params(i) for i in range(3)])
            )
    assert all(r.error is None for r in results)
    assert max(r.attempts for r in results) == 2


async def test_a_spend_limit_429_is_fatal_and_not_retried() -> None:
    async with (
        FakeClaude(rate_limits=RateLimits(spend_limit=5)) as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        watch = Watch(server)
        seen: list[MapResult] = []
        with anyio.fail_after(5), pytest.raises(SpendLimitError) as info:
            async with client.messages.map([params(i) for i in range(100)], concurrency=4) as rs:
                async for result in rs:
                    seen.append(result)
    assert info.value.status_code == 429 and "usage limits" in info.value.message
    assert len(seen) <= 5 and len(watch.arrivals) <= 5 + 4


async def test_exhausted_retries_give_an_error_result() -> None:
    async with (
        FakeClaude(faults=[Fault("server_error")]) as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        watch = Watch(server)
        (result,) = await collect(Runner(client, max_retries=2).map([params(0)]))
    assert result.error is not None and result.attempts == 3 and len(watch.arrivals) == 3


async def test_cancelling_cancels_everything_in_flight_and_closes_connections() -> None:
    async with (
        FakeClaude(faults=[Fault("stall")]) as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        started = anyio.current_time()
        with anyio.move_on_after(0.5):
            await collect(client.messages.map([params(i) for i in range(50)], concurrency=10))
        assert anyio.current_time() - started < 1.5
        assert client._transport is not None and client._transport.num_connections == 0


async def test_breaking_out_early_stops_the_rest() -> None:
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        watch = Watch(server, delay=0.01)
        async with client.messages.map([params(i) for i in range(1000)], concurrency=5) as rs:
            async for _ in rs:
                break
        sent = len(watch.arrivals)
        await anyio.sleep(0.1)
        assert len(watch.arrivals) == sent < 20


async def test_progress_snapshots_and_the_callback() -> None:
    snapshots: list[Progress] = []
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        Watch(server, delay=0.05)
        requests = [params(i) for i in range(40)]
        async with client.messages.map(
            requests, concurrency=4, on_progress=snapshots.append, progress_interval=0.05
        ) as results:
            async for _ in results:
                pass
    final = snapshots[-1]
    assert len(snapshots) >= 3
    assert (final.succeeded, final.failed, final.in_flight, final.total) == (40, 0, 0, 40)
    assert final.input_tokens > 0 and final.output_tokens > 0 and final.done == 40
    assert final.requests_per_second > 0 and final.eta == 0
    middle = snapshots[len(snapshots) // 2]
    assert 0 < middle.done < 40 and middle.eta is not None and middle.eta > 0
    # A snapshot can fall between one reply and the next request (more often on a loaded
    # machine), so several in flight, never more than the concurrency, is what holds.
    assert max(s.in_flight for s in snapshots[:-1]) >= 2
    assert all(s.in_flight <= 4 for s in snapshots)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"concurrency": 0}, "concurrency"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retry_wait": -1.0}, "max_retry_wait"),
        ({"requests_per_minute": 0}, "requests_per_minute"),
        ({"progress_interval": 0}, "progress_interval"),
    ],
)
async def test_bad_options_fail_before_any_request(options: dict[str, Any], name: str) -> None:
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        with pytest.raises(ValueError, match=name):
            client.messages.map([params(0)], **options)
        assert len(server.requests) == 0


async def test_count_tokens_counts_each_request_exactly_before_reserving() -> None:
    reserved: list[float] = []

    class Recording(Runner):
        async def _send(self, params: Mapping[str, Any]) -> tuple[Message, RateLimitInfo]:
            assert self._pacer is not None
            reserved.append(self._pacer.pending["input_tokens"])
            return await super()._send(params)

    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        runner = Recording(client, concurrency=1, count_tokens=True)
        results = await collect(runner.map([params(i) for i in range(6)]))
        paths = Counter(r.path for r in server.requests)
        exact = [
            (await client.messages.count_tokens(model=MODEL, messages=p["messages"])).input_tokens
            for p in (params(i) for i in range(6))
        ]
    assert all(r.error is None for r in results)
    assert paths == {"/v1/messages/count_tokens": 6, "/v1/messages": 6}
    assert reserved == exact


async def test_an_input_iterable_that_raises_stops_the_map_with_its_error() -> None:
    def broken() -> Iterator[dict[str, Any]]:
        yield params(0)
        yield params(1)
        raise RuntimeError("the input broke")

    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        with pytest.raises(RuntimeError, match="the input broke"):
            await collect(client.messages.map(broken(), concurrency=2))


@pytest.mark.parametrize("kind", ["rate_limited", "overloaded"])
async def test_429_and_529_are_retried_max_retries_times_then_a_result(kind: str) -> None:
    async with (
        FakeClaude(faults=[Fault(kind)]) as server,  # type: ignore[arg-type]
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        watch = Watch(server)
        with anyio.fail_after(10):
            (result,) = await collect(
                Runner(client, max_retries=2, max_retry_wait=0.01).map([params(0)])
            )
    assert result.error is not None and result.attempts == 3 and len(watch.arrivals) == 3
    assert isinstance(result.error, APIStatusError)
    assert result.error.status_code == (429 if kind == "rate_limited" else 529)


@pytest.mark.parametrize(
    ("status", "hint", "attempts"),
    [
        (500, "false", 1),
        (529, "false", 1),
        (429, "false", 1),
        (400, "true", 3),
        (500, None, 3),
        (400, None, 1),
    ],
)
async def test_the_server_decides_with_x_should_retry(
    status: int, hint: str | None, attempts: int
) -> None:
    kinds = {400: "invalid_request_error", 429: "rate_limit_error", 500: "api_error"}
    headers = {"retry-after": "0"} | ({} if hint is None else {"x-should-retry": hint})
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        watch = Watch(server)
        for _ in range(3):
            server.script(ErrorReply(status, kinds.get(status, "overloaded_error"), "no", headers))
        with anyio.fail_after(10):
            (result,) = await collect(
                Runner(client, max_retries=2, max_retry_wait=0.01).map([params(0)])
            )
    assert result.attempts == attempts and len(watch.arrivals) == attempts
    assert isinstance(result.error, APIStatusError) and result.error.status_code == status


async def test_the_learnt_input_estimate_follows_the_replies() -> None:
    # Reservations after the first reply are the request's size at the bytes-per-token
    # ratio the replies showed: close to the input tokens the server counts.
    reserved: list[float] = []

    class Recording(Runner):
        async def _send(self, params: Mapping[str, Any]) -> tuple[Message, RateLimitInfo]:
            assert self._pacer is not None
            reserved.append(self._pacer.pending["input_tokens"])
            return await super()._send(params)

    def wordy(i: int) -> dict[str, Any]:
        text = " ".join(f"word{i}x{j}" for j in range(300 + 50 * i))
        return {**params(i), "messages": [{"role": "user", "content": text}]}

    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        results = await collect(Recording(client, concurrency=1).map([wordy(i) for i in range(6)]))
    used = {r.index: r.usage.input_tokens for r in results if r.usage is not None}
    assert len(used) == 6
    for index in range(1, 6):
        assert 0.8 * used[index] <= reserved[index] <= 1.25 * used[index]


@pytest.mark.parametrize("kind", ["rate_limited", "overloaded"])
async def test_a_429_or_529_gives_back_what_the_request_reserved(kind: str) -> None:
    text = "lorem ipsum " * 2000
    request = {**params(0), "messages": [{"role": "user", "content": text}]}
    limits = {
        "requests_per_minute": 60,
        "input_tokens_per_minute": 100_000,
        "output_tokens_per_minute": 100_000,
    }
    async with (
        FakeClaude(faults=[Fault(kind)], rate_limits=RateLimits(**limits)) as server,  # type: ignore[arg-type]
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        runner = Runner(client, max_retries=0, **limits)
        (result,) = await collect(runner.map([request]))
    assert result.error is not None
    pacer = runner._pacer
    assert pacer is not None
    # Each bucket holds this process's share of the server's (halved by the 429) in full
    # again. The estimate was thousands of tokens; the refill in the few ms the request
    # took is a few. A request bucket refills one a second: the one taken came back.
    for kind in ("input_tokens", "output_tokens", "requests"):
        bucket = pacer.buckets[kind]
        assert bucket.capacity is not None
        assert bucket.level >= bucket.capacity * bucket.share - 0.1, kind

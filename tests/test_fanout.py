"""`fan_out`'s contract with plain coroutine functions (no I/O): the default and given
concurrency reached and never passed, results in input order, items pulled lazily, the
refused concurrencies, and what a failure does with and without `return_exceptions`.
Cancelling calls that talk to a server is in tests/test_fanout_cancel.py."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import anyio.lowlevel
import pytest

from anyio_claude import fan_out

pytestmark = pytest.mark.anyio


class Probe:
    """Counts the calls in flight; each call waits until `release` is set."""

    def __init__(self) -> None:
        self.in_flight = self.peak = 0
        self.release = anyio.Event()
        self.started: list[int] = []

    async def __call__(self, item: int) -> str:
        self.started.append(item)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await self.release.wait()
            await anyio.sleep(0.001 * (item % 3))  # finish out of order
        finally:
            self.in_flight -= 1
        return f"r{item}"


async def _run(probe: Probe, items: object, **options: object) -> list[object]:
    results: list[object] = []

    async def go() -> None:
        results.extend(await fan_out(probe, items, **options))  # type: ignore[call-overload]

    async with anyio.create_task_group() as tg:
        tg.start_soon(go)
        # Every worker has taken its first item once the loop has gone round a few times.
        for _ in range(20):
            await anyio.lowlevel.checkpoint()
        probe.release.set()
    return results


async def test_the_default_concurrency_is_64() -> None:
    probe = Probe()
    results = await _run(probe, range(200))
    assert probe.peak == 64
    assert results == [f"r{i}" for i in range(200)]


@pytest.mark.parametrize("concurrency", [1, 2, 5])
async def test_the_given_concurrency_is_reached_and_never_passed(concurrency: int) -> None:
    probe = Probe()
    results = await _run(probe, range(12), concurrency=concurrency)
    assert probe.peak == concurrency
    assert results == [f"r{i}" for i in range(12)]


async def test_more_workers_than_items_and_no_items() -> None:
    probe = Probe()
    assert await _run(probe, range(3), concurrency=10) == ["r0", "r1", "r2"]
    assert probe.peak == 3
    assert await fan_out(probe, []) == []


async def test_items_are_pulled_only_as_workers_take_them() -> None:
    taken: list[int] = []

    def items() -> Iterator[int]:
        for i in range(10):
            taken.append(i)
            yield i

    probe = Probe()

    async def go() -> None:
        await fan_out(probe, items(), concurrency=3)

    async with anyio.create_task_group() as tg:
        tg.start_soon(go)
        for _ in range(20):
            await anyio.lowlevel.checkpoint()
        assert taken == [0, 1, 2] and sorted(probe.started) == [0, 1, 2]
        probe.release.set()
    assert taken == list(range(10))


@pytest.mark.parametrize("concurrency", [0, -1])
async def test_a_concurrency_below_one_is_refused_before_any_call(concurrency: int) -> None:
    probe = Probe()
    with pytest.raises(ValueError, match=r"^concurrency must be at least 1$"):
        await fan_out(probe, range(3), concurrency=concurrency)
    assert probe.started == []


async def test_a_failure_propagates_as_is_by_default_and_nothing_else_starts() -> None:
    started: list[int] = []

    async def call(i: int) -> int:
        started.append(i)
        if i == 2:
            raise LookupError(f"item {i}")
        await anyio.sleep(10)
        return i

    with anyio.fail_after(5), pytest.raises(LookupError, match=r"^item 2$") as raised:
        await fan_out(call, range(50), concurrency=4)
    assert type(raised.value) is LookupError  # not wrapped in an exception group
    assert sorted(started) == [0, 1, 2, 3]


async def test_with_return_exceptions_each_failure_takes_its_place() -> None:
    async def call(i: int) -> int:
        await anyio.sleep(0.001 * (i % 4))
        if i % 3 == 0:
            raise ValueError(f"bad {i}")
        return i

    results = await fan_out(call, range(10), concurrency=3, return_exceptions=True)
    assert [r if isinstance(r, int) else f"{type(r).__name__}: {r}" for r in results] == [
        "ValueError: bad 0",
        1,
        2,
        "ValueError: bad 3",
        4,
        5,
        "ValueError: bad 6",
        7,
        8,
        "ValueError: bad 9",
    ]

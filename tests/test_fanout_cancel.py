"""`fan_out` cancels its other calls in flight on the first failure (with
`return_exceptions=False`), and takes no further items."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest

from anyio_claude import AsyncClaude, fan_out
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]


async def test_first_failure_cancels_the_calls_in_flight() -> None:
    # Every other call waits 30 s for its first token: only cancellation ends them in time.
    async with FakeClaude(ttft=30) as fake, AsyncClaude(api_key="k", base_url=fake.url) as client:
        started, cancelled, taken = [], [], []

        def items() -> Iterator[int]:
            for i in range(100):
                taken.append(i)
                yield i

        async def call(i: int) -> str:
            started.append(i)
            if i == 3:
                await anyio.sleep(0.1)
                raise ValueError("item 3 failed")
            try:
                async with client.messages.stream(
                    model=MODEL, max_tokens=5, messages=USER
                ) as stream:
                    return (await stream.get_final_message()).id
            except anyio.get_cancelled_exc_class():
                cancelled.append(i)
                raise

        began = anyio.current_time()
        with anyio.fail_after(5), pytest.raises(ValueError, match="item 3 failed"):
            await fan_out(call, items(), concurrency=6)
        assert anyio.current_time() - began < 3
        assert sorted(started) == [0, 1, 2, 3, 4, 5]
        assert sorted(cancelled) == [0, 1, 2, 4, 5]
        assert len(taken) == 6  # nothing pulled after the failure
        assert client._transport is not None
        assert client._transport.num_active == 0 and client._transport.num_connections == 0


async def test_with_return_exceptions_the_others_go_on() -> None:
    done: list[int] = []

    async def call(i: int) -> int:
        await anyio.sleep(0.01 * i)
        if i == 1:
            raise ValueError("one")
        done.append(i)
        return i

    results = await fan_out(call, range(5), concurrency=5, return_exceptions=True)
    assert [r if isinstance(r, int) else str(r) for r in results] == [0, "one", 2, 3, 4]
    assert sorted(done) == [0, 2, 3, 4]

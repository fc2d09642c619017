"""Cancellation from outside anyio: asyncio's own `Task.cancel()` and `asyncio.timeout`,
trio's own cancel scopes, and a `KeyboardInterrupt` in the user's code. Each must end the
call promptly, propagate unchanged and leave no connection behind."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import pytest
import trio

from anyio_claude import AsyncClaude
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-secret-1234567890"


@pytest.fixture
async def client() -> AsyncIterator[AsyncClaude]:
    async with FakeClaude(itl=0.01) as fake, AsyncClaude(api_key=KEY, base_url=fake.url) as c:
        yield c


def assert_released(client: AsyncClaude) -> None:
    transport = client._transport
    assert transport is not None
    assert transport.num_connections == 0 and transport.num_active == 0


async def consume_helper(client: AsyncClaude) -> None:
    async with client.messages.stream(model=MODEL, max_tokens=500, messages=USER) as stream:
        async for _ in stream:
            pass


async def consume_raw(client: AsyncClaude) -> None:
    stream = await client.messages.create(model=MODEL, max_tokens=500, messages=USER, stream=True)
    async for _ in stream:
        pass


CONSUMERS = [consume_helper, consume_raw]


async def native_timeout(backend: str, work: Awaitable[None]) -> None:
    """Run `work` under the backend's own timeout of 0.15 s; fail unless it fired."""
    if backend == "trio":
        with trio.move_on_after(0.15) as scope:
            await work
        assert scope.cancelled_caught
    elif sys.version_info >= (3, 11):
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.15):
                await work
    else:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(work, 0.15)


@pytest.mark.parametrize("consume", CONSUMERS)
async def test_native_timeout_mid_stream(
    client: AsyncClaude, anyio_backend_name: str, consume: Callable[[AsyncClaude], Awaitable[None]]
) -> None:
    started = anyio.current_time()
    await native_timeout(anyio_backend_name, consume(client))
    assert anyio.current_time() - started < 1
    assert_released(client)
    assert (await client.messages.create(model=MODEL, max_tokens=5, messages=USER)).id


@pytest.mark.parametrize("consume", CONSUMERS)
async def test_native_task_cancel_mid_stream(
    client: AsyncClaude, anyio_backend_name: str, consume: Callable[[AsyncClaude], Awaitable[None]]
) -> None:
    if anyio_backend_name == "trio":
        async with trio.open_nursery() as nursery:
            nursery.start_soon(consume, client)
            await trio.sleep(0.15)
            nursery.cancel_scope.cancel()
    else:
        task = asyncio.get_running_loop().create_task(consume(client))  # type: ignore[arg-type]
        await asyncio.sleep(0.15)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
    assert_released(client)
    assert (await client.messages.create(model=MODEL, max_tokens=5, messages=USER)).id


async def test_keyboard_interrupt_in_the_stream_body_closes_it(client: AsyncClaude) -> None:
    with pytest.raises(KeyboardInterrupt):
        async with client.messages.stream(model=MODEL, max_tokens=500, messages=USER) as stream:
            async for _ in stream:
                raise KeyboardInterrupt
    assert_released(client)
    stream = await client.messages.create(model=MODEL, max_tokens=500, messages=USER, stream=True)
    with pytest.raises(KeyboardInterrupt):
        async with stream:
            await stream.__anext__()
            raise KeyboardInterrupt
    assert_released(client)

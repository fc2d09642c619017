"""trio-native semantics (pytest-trio): nurseries, cancel scopes, deadlines."""

from __future__ import annotations

import pytest
import trio

from anyio_claude import APIStatusError, AsyncClaude, fan_out
from anyio_claude.testing import FakeClaude, Fault

KEY = "sk-ant-test-trio"
MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Tell me a long story about trio."}]


@pytest.mark.trio
async def test_cancelling_a_nursery_of_streams_closes_every_connection() -> None:
    async with FakeClaude(itl=0.005) as fake, AsyncClaude(api_key=KEY, base_url=fake.url) as client:

        async def consume(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
            async with client.messages.stream(model=MODEL, max_tokens=2000, messages=USER) as s:
                await s.text_stream.__anext__()
                task_status.started()
                async for _ in s.text_stream:
                    pass

        async with trio.open_nursery() as nursery:
            for _ in range(8):
                await nursery.start(consume)
            assert client._transport is not None and client._transport.num_active == 8
            nursery.cancel_scope.cancel()
        transport = client._transport
        assert transport is not None
        assert transport.num_connections == 0 and transport.num_active == 0


@pytest.mark.trio
async def test_deadline_on_a_stalled_request() -> None:
    async with FakeClaude(faults=[Fault("stall", after_events=0)]) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url) as client:
            with trio.move_on_after(0.2) as scope:
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
            assert scope.cancelled_caught
            assert client._transport is not None and client._transport.num_connections == 0
            with pytest.raises(trio.TooSlowError):
                with trio.fail_after(0.2):
                    async with client.messages.stream(
                        model=MODEL, max_tokens=10, messages=USER
                    ) as s:
                        await s.until_done()
            assert client._transport.num_connections == 0


@pytest.mark.trio
async def test_fan_out_failure_cancels_siblings_in_a_nursery() -> None:
    async with (
        FakeClaude(itl=0.002) as fake,
        AsyncClaude(api_key=KEY, base_url=fake.url, max_retries=0) as client,
    ):
        fake.faults.append(Fault("server_error", every=5))
        finished: list[int] = []

        async def ask(i: int) -> int:
            await client.messages.create(model=MODEL, max_tokens=300, messages=USER, stream=False)
            finished.append(i)
            return i

        with pytest.raises(APIStatusError) as info:
            await fan_out(ask, range(100), concurrency=8)
        assert info.value.status_code == 500
        assert len(finished) < 100
        assert client._transport is not None and client._transport.num_active == 0


@pytest.mark.trio
async def test_shielded_close_runs_inside_a_cancelled_scope() -> None:
    async with FakeClaude(itl=0.005) as fake, AsyncClaude(api_key=KEY, base_url=fake.url) as client:
        with trio.CancelScope() as scope:
            async with client.messages.stream(model=MODEL, max_tokens=500, messages=USER) as s:
                await s.__anext__()
                scope.cancel()
                await trio.lowlevel.checkpoint()  # raises Cancelled; __aexit__ must still close
        assert scope.cancelled_caught
        assert client._transport is not None and client._transport.num_connections == 0

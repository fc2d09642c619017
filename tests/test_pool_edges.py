"""Pool slots and idle connections at their edges, against a raw server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude._http import Request, Timeout
from anyio_claude._transport import AsyncTransport
from anyio_claude.testing import FakeClaude

from ._servers import fixed, raw_server, response, settled

pytestmark = pytest.mark.anyio

GET = Request("GET", b"/", [], b"")
FAST = Timeout(connect=2, read=2, write=2, pool=2)
# A leaked slot would make the next request wait for its pool timeout: fail in 0.5 s.
QUICK_POOL = Timeout(connect=2, read=2, write=2, pool=0.5)


async def get(transport: AsyncTransport, timeout: Timeout = QUICK_POOL) -> bytes:
    async with await transport.send(GET, timeout=timeout) as reply:
        return await reply.aread()


async def test_a_waiter_handed_the_slot_then_cancelled_gives_it_back(
    anyio_backend_name: str,
) -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url, max_connections=1)
        held = await transport.send(GET, timeout=FAST)
        assert await held.aread() == b"ok"
        if anyio_backend_name == "asyncio":
            # A native Task.cancel() lands even on a task already woken by the hand-over,
            # so the waiter is cancelled inside its wait, holding the slot it was given.
            task = asyncio.get_running_loop().create_task(get(transport, FAST))
            await asyncio.sleep(0.05)  # the waiter is queued for the only slot
            assert transport.num_active == 1
            await held.aclose()  # hands the slot straight to the waiter
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:
            # trio delivers the cancellation at the waiter's next checkpoint instead.
            waiter_scope = anyio.CancelScope()

            async def waiter() -> None:
                with waiter_scope:
                    await get(transport, FAST)

            async with anyio.create_task_group() as tg:
                tg.start_soon(waiter)
                await anyio.sleep(0.05)
                assert transport.num_active == 1
                await held.aclose()
                waiter_scope.cancel()
        assert transport.num_active == 0
        assert await get(transport) == b"ok"
        assert transport.num_active == 0
        await transport.aclose()


async def test_a_waiter_whose_pool_timeout_expires_as_it_is_handed_the_slot() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url, max_connections=1)
        held = await transport.send(GET, timeout=FAST)
        await held.aread()
        outcome: list[str] = []

        async def waiter() -> None:
            try:
                await get(transport, Timeout(connect=2, read=2, write=2, pool=0.1))
                outcome.append("served")
            except Exception as exc:  # the pool timeout, if it won the race
                outcome.append(type(exc).__name__)

        async with anyio.create_task_group() as tg:
            tg.start_soon(waiter)
            await anyio.sleep(0.05)
            await held.aclose()  # hands over the slot...
            time.sleep(0.1)  # noqa: ASYNC251 -- ...and the waiter's pool deadline passes before it runs
        assert outcome in (["served"], ["APITimeoutError"])
        assert transport.num_active == 0
        assert await get(transport) == b"ok"
        await transport.aclose()


async def test_releasing_a_connection_evicts_only_an_expired_idle_one() -> None:
    gate = anyio.Event()

    async def handler(stream: SocketStream, request: bytes) -> None:
        if b"/slow" in request:
            await gate.wait()
        await stream.send(response(b"ok"))

    async with raw_server(handler) as srv:
        transport = AsyncTransport(srv.url, keepalive_expiry=0.3)
        slow = Request("GET", b"/slow", [], b"")

        async def slow_call() -> None:
            async with await transport.send(slow, timeout=FAST) as reply:
                await reply.aread()

        async with anyio.create_task_group() as tg:
            tg.start_soon(slow_call)
            assert await settled(lambda: transport.num_connections == 1)
            assert await get(transport) == b"ok"
            gate.set()
        # Neither has expired: both stay idle.
        assert transport.num_idle == 2 and srv.connections == 2

        gate = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(slow_call)
            assert await settled(lambda: transport.num_idle == 1)
            assert await get(transport) == b"ok"
            await anyio.sleep(0.5)  # the connection idle since the last get() expires
            gate.set()
        # Releasing the slow call's connection drops the expired one, keeps its own...
        assert transport.num_idle == 1 and transport.num_connections == 1
        assert srv.connections == 2
        assert await settled(lambda: srv.closed == 1)
        # ...which the next request reuses.
        assert await get(transport) == b"ok"
        assert srv.connections == 2
        await transport.aclose()


async def test_a_cancelled_waiter_behind_another_does_not_let_it_in_early() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url, max_connections=1)
        held = await transport.send(GET, timeout=FAST)
        served: list[str] = []
        second_scope = anyio.CancelScope()

        async def first() -> None:
            await get(transport, FAST)
            served.append("first")

        async def second() -> None:
            with second_scope:
                await get(transport, FAST)
                served.append("second")

        async with anyio.create_task_group() as tg:
            tg.start_soon(first)
            await anyio.sleep(0.02)
            tg.start_soon(second)
            await anyio.sleep(0.02)
            second_scope.cancel()  # the waiter at the back leaves...
            await anyio.sleep(0.05)
            # ...and the one in front still waits: the only slot is held.
            assert served == [] and transport.num_active == 1
            await held.aclose()
        assert served == ["first"]
        assert transport.num_active == 0
        await transport.aclose()


def test_connection_error_details_dig_through_empty_messages() -> None:
    import ssl

    from anyio_claude._transport import _detail

    # trio wraps TLS failures in exceptions without a message; the reason is further down.
    inner = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] failed")
    outer = anyio.BrokenResourceError()
    outer.__cause__ = inner
    assert _detail(outer) == f"BrokenResourceError: {inner}"
    assert "CERTIFICATE_VERIFY_FAILED" in _detail(outer)
    assert _detail(inner) == str(inner)
    context_only = anyio.BrokenResourceError()
    context_only.__context__ = OSError("connection reset")
    assert _detail(context_only) == "BrokenResourceError: connection reset"
    assert _detail(anyio.BrokenResourceError()) == "BrokenResourceError"
    # The walk is bounded (a cycle must not hang it): 8 links, then the type's name.
    links = [anyio.BrokenResourceError() for _ in range(8)]
    for i in range(7):
        links[i].__cause__ = links[i + 1]
    links[-1].__cause__ = OSError("too deep")
    assert _detail(links[0]) == "BrokenResourceError"


async def test_requests_on_a_kept_alive_connection_go_out_alone() -> None:
    # Nothing of one exchange (a head held back to go with its body) is left over to be
    # written before the next request on the same connection: FakeClaude parses each,
    # and answers an unknown method or path with an error.
    headers = [(b"x-api-key", b"sk-ant-test"), (b"anthropic-version", b"2023-06-01")]
    models = Request("GET", b"/v1/models", headers, b"")
    body = b'{"model": "claude-sonnet-5-5", "messages": [{"role": "user", "content": "hi"}]}'
    count = Request("POST", b"/v1/messages/count_tokens", headers, body)
    async with FakeClaude() as fake:
        transport = AsyncTransport(fake.url)
        for request, expected in ((models, b'"data"'), (count, b'"input_tokens"')) * 2:
            async with await transport.send(request, timeout=FAST) as reply:
                assert reply.status == 200
                assert expected in await reply.aread()
        assert transport.num_connections == 1
        await transport.aclose()

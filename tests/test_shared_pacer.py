"""The Redis pacer piece by piece: its RESP client (against a raw server on 127.0.0.1 for
exact bytes and malformed replies), and the buckets and pause `SharedPacer` keeps in a real
redis-server (tests/_redis.py)."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from itertools import count
from typing import Any

import anyio
import anyio.abc
import pytest

from anyio_claude import RateLimitInfo, RedisPacer
from anyio_claude._pacing import _KINDS, START_SHARE, Cost
from anyio_claude._shared_pacer import RedisError, SharedPacer, _Redis

from ._redis import RedisServer, redis_server

pytestmark = pytest.mark.anyio

_names = count()


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


def fresh_name() -> str:
    return f"shared-pacer-test-{next(_names)}"


@asynccontextmanager
async def raw_server(
    replies: list[bytes],
    received: list[bytes],
    closed: anyio.Event | None = None,
    *,
    hang: bool = False,
) -> AsyncIterator[str]:
    """A server answering each command (one RESP array, read whole) with the next of
    `replies`, a byte at a time (then, with `hang`, nothing more); what it read is appended
    to `received`, and b"" once the client closed the connection (`closed` is set then)."""

    async def handle(stream: anyio.abc.SocketStream) -> None:
        buffer = b""
        async with stream:
            for reply in replies:
                while not _complete(buffer):
                    try:
                        buffer += await stream.receive()
                    except anyio.EndOfStream:
                        received.append(b"")
                        if closed is not None:
                            closed.set()
                        return
                received.append(buffer)
                buffer = b""
                for i in range(len(reply)):
                    await stream.send(reply[i : i + 1])
                    await anyio.sleep(0.001)
            if hang:
                await anyio.sleep_forever()
            try:
                await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                received.append(b"")
                if closed is not None:
                    closed.set()

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        yield f"redis://127.0.0.1:{port}"
        tg.cancel_scope.cancel()


def _complete(data: bytes) -> bool:
    if not data.startswith(b"*") or b"\r\n" not in data:
        return False
    head, _, rest = data.partition(b"\r\n")
    for _ in range(int(head[1:])):
        size, sep, rest = rest.partition(b"\r\n")
        if not sep or len(rest) < int(size[1:]) + 2:
            return False
        rest = rest[int(size[1:]) + 2 :]
    return True


async def test_every_kind_of_reply_is_read_whatever_its_chunks() -> None:
    replies = [
        b"+OK\r\n",
        b":42\r\n",
        b"$5\r\nhello\r\n",
        b"$4\r\na\r\nb\r\n",
        b"$0\r\n\r\n",
        b"$-1\r\n",
        b"*3\r\n$1\r\na\r\n:-7\r\n*1\r\n+x\r\n",
        b"*0\r\n",
        b"*-1\r\n",
        b"-ERR wrong number of arguments\r\n",
        b"?what is this\r\n",
        b"-ERR \xff\r\n",
        b"\r\n",
        b"!" + b"x" * 60 + b"\r\n",
    ]
    received: list[bytes] = []
    async with raw_server(replies, received) as url:
        with anyio.fail_after(10):
            redis = await _Redis.connect(url)
            try:
                got = [await redis.call("PING") for _ in range(9)]
                with pytest.raises(RedisError) as error:
                    await redis.call("PING")
                assert str(error.value) == "ERR wrong number of arguments"
                with pytest.raises(RedisError) as error:
                    await redis.call("PING")
                assert str(error.value) == "not a RESP reply: b'?what is this'"
                with pytest.raises(RedisError) as error:
                    await redis.call("PING")
                assert str(error.value) == "ERR \ufffd"
                with pytest.raises(RedisError) as error:
                    await redis.call("PING")
                assert str(error.value) == "not a RESP reply: b''"
                with pytest.raises(RedisError) as error:
                    await redis.call("PING")
                assert str(error.value) == "not a RESP reply: b'!" + "x" * 39 + "'"
            finally:
                await redis.aclose()
    assert got == ["OK", 42, b"hello", b"a\r\nb", b"", None, [b"a", -7, ["x"]], [], None]


async def test_a_command_is_sent_as_one_resp_array_of_bulk_strings() -> None:
    received: list[bytes] = []
    async with raw_server([b"+OK\r\n"], received) as url:
        with anyio.fail_after(10):
            redis = await _Redis.connect(url)
            assert await redis.call("SET", "key", 1.5, 12) == "OK"
            await redis.aclose()
    assert received[0] == b"*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\n1.5\r\n$2\r\n12\r\n"


@pytest.mark.parametrize(
    ("userinfo", "path", "expected"),
    [
        # A password alone authenticates the default user.
        (":s3cret@", "/2", [b"*3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$6\r\ns3cret\r\n"]),
        # Quoted characters are the user's and the password's own.
        (
            "us%40er:p%40ss@",
            "/",
            [b"*3\r\n$4\r\nAUTH\r\n$5\r\nus@er\r\n$4\r\np@ss\r\n"],
        ),
        ("", "/3", [b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"]),
        ("", "", []),
    ],
)
async def test_connect_authenticates_and_selects_the_database(
    userinfo: str, path: str, expected: list[bytes]
) -> None:
    received: list[bytes] = []
    async with raw_server([b"+OK\r\n", b"+OK\r\n", b"+PONG\r\n"], received) as url:
        url = url.replace("redis://", "redis://" + userinfo) + path
        with anyio.fail_after(10):
            redis = await _Redis.connect(url)
            await redis.call("PING")
            await redis.aclose()
    if path == "/2":
        expected = [*expected, b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"]
    assert received[: len(expected)] == expected
    assert received[len(expected)] == b"*1\r\n$4\r\nPING\r\n"


async def test_a_refused_password_closes_the_connection() -> None:
    received: list[bytes] = []
    closed = anyio.Event()
    async with raw_server([b"-WRONGPASS invalid password\r\n"], received, closed) as url:
        url = url.replace("redis://", "redis://:nope@")
        with anyio.fail_after(10):
            with pytest.raises(RedisError, match="WRONGPASS"):
                await _Redis.connect(url)
            await closed.wait()
    assert received[1] == b""


async def test_connect_refuses_another_scheme_and_defaults_host_and_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError) as error:
        await _Redis.connect("rediss://user:hunter2@host:6379")
    assert str(error.value) == ("redis URL must start with redis://, got 'rediss://***@host:6379'")
    reached: list[tuple[str, int]] = []

    async def connect_tcp(host: str, port: int) -> None:
        reached.append((host, port))
        raise OSError("refused")

    monkeypatch.setattr(anyio, "connect_tcp", connect_tcp)
    for url in ("redis://", "redis://example.com"):
        with pytest.raises(OSError):
            await _Redis.connect(url)
    assert reached == [("127.0.0.1", 6379), ("example.com", 6379)]


async def test_redis_pacer_checks_its_url_and_names_its_budget() -> None:
    with pytest.raises(ValueError) as error:
        RedisPacer(6379)  # type: ignore[arg-type]
    assert str(error.value) == "pacer: a Redis URL must start with redis://, got 'int'"
    with pytest.raises(ValueError) as error:
        RedisPacer("http://u:hunter2@host")
    assert str(error.value) == (
        "pacer: a Redis URL must start with redis://, got 'http://***@host'"
    )
    pacer = RedisPacer("redis://u:hunter2@host:1/0", name="team")
    assert repr(pacer) == "RedisPacer('redis://***@host:1/0', name='team')"
    # Kept wrapped, so that tracebacks showing locals do not show the password.
    assert "hunter2" not in repr(pacer._url)
    # Half-made (a traceback's locals during __init__).
    assert repr(RedisPacer.__new__(RedisPacer)) == "RedisPacer('', name=None)"
    limits: dict[str, int | None] = {"requests": 60}
    shared = pacer._pacer(3, max_wait=2.0, limits=limits, default_name="derived")
    assert shared._keys[0] == "team:pause" and shared.max_concurrency == 3
    assert shared._url == "redis://u:hunter2@host:1/0"
    assert shared.max_wait == 2.0 and shared.buckets["requests"].capacity == 60
    unnamed = RedisPacer("redis://host")._pacer(1, max_wait=1.0, limits={}, default_name="derived")
    assert unnamed._keys == [
        "derived:pause",
        "derived:requests",
        "derived:input_tokens",
        "derived:output_tokens",
        "derived:tokens",
    ]


LIMITS: dict[str, int | None] = {
    "requests": 60,
    "input_tokens": 60_000,
    "output_tokens": 60_000,
    "tokens": 120_000,
}


def full_info(remaining: dict[str, int | None]) -> RateLimitInfo:
    fields: dict[str, Any] = {}
    for kind in _KINDS:
        fields[kind + "_limit"] = LIMITS[kind]
        fields[kind + "_remaining"] = remaining.get(kind)
    return RateLimitInfo(**fields)


async def stored(redis: RedisServer, name: str) -> dict[str, tuple[float, float]]:
    """Each bucket's level and pending in Redis, by kind."""
    connection = await _Redis.connect(redis.url)
    try:
        out = {}
        for kind in _KINDS:
            level, pending = await connection.call("HMGET", f"{name}:{kind}", "level", "pending")
            if level is not None:
                out[kind] = (float(level), float(pending))
        return out
    finally:
        await connection.aclose()


async def test_buckets_are_made_by_replies_then_taken_from_and_given_back(
    redis: RedisServer,
) -> None:
    name = fresh_name()
    pacer = SharedPacer(redis.url, name, 4, max_wait=5.0, limits=LIMITS)
    cost = Cost(input_tokens=1000, output_tokens=2000)
    # No bucket in Redis yet: requests pass, and nothing is kept.
    with anyio.fail_after(10):
        await pacer.acquire(cost)
    assert await stored(redis, name) == {}
    # A reply says what remains (only for requests and output tokens here).
    pacer.release(
        cost,
        info=full_info({"requests": 50, "output_tokens": 30_000}),
        used=Cost(1000, 500),
        refund_request=False,
    )
    with anyio.fail_after(10):
        await pacer.acquire(cost)
    levels = await stored(redis, name)
    assert set(levels) == {"requests", "output_tokens"}
    # What remains, less what the one in flight took.
    assert levels["requests"] == (pytest.approx(49, abs=0.2), 1)
    assert levels["output_tokens"] == (pytest.approx(28_000, abs=200), 2000)
    # Unused output given back, the cost no longer pending.
    pacer.release(cost, info=None, used=Cost(1000, 500), refund_request=False)
    await pacer.aclose()
    levels = await stored(redis, name)
    assert levels["requests"] == (pytest.approx(49, abs=0.2), 0)
    assert levels["output_tokens"] == (pytest.approx(29_500, abs=200), 0)


@pytest.mark.parametrize(
    ("used", "refund", "given"),
    [
        # A 429: everything back.
        (None, True, {"requests": 1, "output_tokens": 2000, "tokens": 3000}),
        # Nothing produced: the output back, the input spent.
        (None, False, {"requests": 0, "output_tokens": 2000, "tokens": 2000}),
        # Produced: what was not used.
        (Cost(800, 500), False, {"requests": 0, "output_tokens": 1500, "tokens": 1700}),
    ],
)
async def test_a_release_gives_back_to_redis_what_the_request_did_not_use(
    redis: RedisServer, used: Cost | None, refund: bool, given: dict[str, float]
) -> None:
    name = fresh_name()
    pacer = SharedPacer(redis.url, name, 4, max_wait=5.0, limits=LIMITS)
    cost = Cost(input_tokens=1000, output_tokens=2000)
    zero = Cost(0, 0)
    low = {"requests": 20, "output_tokens": 20_000, "tokens": 20_000}
    with anyio.fail_after(10):
        await pacer.acquire(zero)
        pacer.release(zero, info=full_info(low), used=zero, refund_request=False)
        await pacer.acquire(cost)
        before = await stored(redis, name)
        pacer.release(cost, info=None, used=used, refund_request=refund)
        await pacer.aclose()
    after = await stored(redis, name)
    for kind in low:
        assert before[kind][1] == cost.of(kind)
        assert after[kind][1] == 0
        # Give or take the refill between the two reads (a second of output: 1000).
        slack = 0.3 if kind == "requests" else 150
        assert after[kind][0] - before[kind][0] == pytest.approx(given[kind], abs=slack)


async def test_a_pause_is_shared_and_the_local_one_counts_too(redis: RedisServer) -> None:
    name = fresh_name()
    first = SharedPacer(redis.url, name, 4, max_wait=5.0, limits=LIMITS)
    second = SharedPacer(redis.url, name, 4, max_wait=5.0, limits=LIMITS)
    with anyio.fail_after(10):
        assert await second._admit(Cost(1, 1)) == 0.0
        assert first.overloaded(1.5) == 1.5
        assert first._outbox == [["pause", 1500]]
        # The pacer that saw the 429 waits for it whatever Redis says.
        assert await first._admit(Cost(1, 1)) == pytest.approx(1.5, abs=0.1)
        assert first._outbox == []
        assert await second._admit(Cost(1, 1)) == pytest.approx(1.5, abs=0.1)
        # A shorter pause does not cut it short; the smallest is a millisecond; none is
        # not sent at all.
        first.overloaded(0.0001)
        first.overloaded(0.0)
        assert first._outbox == [["pause", 1]]
        await first._admit(Cost(1, 1))
        assert await second._admit(Cost(1, 1)) == pytest.approx(1.5, abs=0.1)
        for pacer in (first, second):
            assert pacer.shared
            await pacer.aclose()


async def test_a_full_bucket_in_redis_makes_every_pacer_wait(redis: RedisServer) -> None:
    name = fresh_name()
    first = SharedPacer(redis.url, name, 4, max_wait=5.0, limits=LIMITS)
    second = SharedPacer(redis.url, name, 4, max_wait=5.0, limits=LIMITS)
    zero = Cost(0, 0)
    with anyio.fail_after(10):
        await first.acquire(zero)
        first.release(zero, info=full_info({"requests": 0}), used=zero, refund_request=False)
        # One request a second, from empty: a second to wait, in milliseconds.
        wait = await second._admit(zero)
        assert wait == 0.0  # the release is not in Redis until first speaks again
        wait = await first._admit(zero)
        assert 0.9 <= wait <= 1.0
        assert 0.9 <= await second._admit(zero) <= 1.0
        # A cost above the capacity waits for a full bucket, not forever.
        assert await second._admit(Cost(0, 10**9)) <= 1.0
        for pacer in (first, second):
            await pacer.aclose()


async def test_redis_failing_mid_run_is_a_warning_and_local_pacing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1000.0]
    with redis_server() as server:
        pacer = SharedPacer(
            server.url, fresh_name(), 4, max_wait=5.0, limits=LIMITS, clock=lambda: now[0]
        )
        with anyio.fail_after(10):
            assert await pacer._admit(Cost(1, 1)) == 0.0
        server.stop()
        pacer.overloaded(0.2)
        assert pacer.paused_until == 1000.2
        with anyio.fail_after(10):
            wait = await pacer._admit(Cost(1, 1))
    # The local pause still holds; Redis is no longer asked, nor told anything.
    assert wait == pytest.approx(0.2)
    assert not pacer.shared and pacer._redis is None and pacer._outbox == []
    for bucket in pacer.buckets.values():
        assert bucket.share == START_SHARE and not bucket.fleet
        assert (bucket.level, bucket.updated) == (0.0, 1000.0)
    # From now on the process's own buckets, from empty at a new process's share of one
    # request a second: a second later, the first request is 1 / START_SHARE - 1 s away.
    now[0] += 1.0
    assert await pacer._admit(Cost(0, 0)) == pytest.approx(1 / START_SHARE - 1)
    pacer.release(Cost(1, 1), info=None, used=None, refund_request=True)
    pacer.overloaded(1.0)
    assert pacer._outbox == []
    warnings = [r for r in caplog.records if r.name == "anyio_claude"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    message = warnings[0].getMessage()
    assert message.startswith(f"Redis at {server.url} failed (")
    assert message.endswith("): pacing this process by itself from now on")
    with anyio.fail_after(5):
        await pacer.aclose()


@pytest.mark.parametrize(
    "failure", ["unreachable", "error reply", "not resp", "bad scheme", "not a hash"]
)
async def test_every_way_redis_can_fail_falls_back(
    failure: str, redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    name = fresh_name()
    received: list[bytes] = []
    replies = {"error reply": [b"-ERR no\r\n"], "not resp": [b"?\r\n"]}.get(failure, [])
    async with raw_server(replies, received) as url:
        if failure == "unreachable":
            with redis_server() as gone:
                url = gone.url
        elif failure == "bad scheme":
            url = url.replace("redis://", "http://")
        elif failure == "not a hash":
            # Redis itself, whose key under our name is not a hash: every script fails.
            connection = await _Redis.connect(redis.url)
            await connection.call("SET", f"{name}:requests", "x")
            await connection.aclose()
            url = redis.url
        pacer = SharedPacer(url, name, 4, max_wait=5.0, limits=LIMITS)
        pacer.release(Cost(1, 1), info=full_info({"requests": 10}), used=None, refund_request=False)
        with anyio.fail_after(10):
            assert await pacer._admit(Cost(1, 1)) >= 0.0
    assert not pacer.shared
    messages = [r.getMessage() for r in caplog.records if r.name == "anyio_claude"]
    assert len(messages) == 1 and "pacing this process by itself" in messages[0]
    if failure == "error reply":
        assert "(RedisError: ERR no)" in messages[0]


async def test_a_redis_that_never_answers_is_given_up_after_its_timeout(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from anyio_claude import _shared_pacer

    monkeypatch.setattr(_shared_pacer, "_TIMEOUT", 0.3)

    async def silent(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            await anyio.sleep_forever()

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, silent)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        pacer = SharedPacer(f"redis://127.0.0.1:{port}", fresh_name(), 4, max_wait=5.0)
        started = anyio.current_time()
        with anyio.fail_after(10):
            assert await pacer._admit(Cost(1, 1)) == 0.0
        assert anyio.current_time() - started < 2.0
        tg.cancel_scope.cancel()
    assert not pacer.shared
    assert "TimeoutError" in caplog.records[-1].getMessage()


async def test_aclose_tells_redis_what_it_has_not_been_told_and_closes(
    redis: RedisServer,
) -> None:
    name = fresh_name()
    pacer = SharedPacer(redis.url, name, 4, max_wait=5.0, limits=LIMITS)
    # Never connected: nothing to say, nothing to close.
    await pacer.aclose()
    with anyio.fail_after(10):
        await pacer._admit(Cost(0, 0))
        pacer.overloaded(3.0)
        with anyio.CancelScope() as scope:
            scope.cancel()
            # Even when cancelled.
            await pacer.aclose()
    assert pacer._outbox == [] and pacer._redis is None
    connection = await _Redis.connect(redis.url)
    try:
        left = await connection.call("PTTL", f"{name}:pause")
    finally:
        await connection.aclose()
    assert 2000 < left <= 3000


async def test_aclose_after_redis_died_does_not_raise(redis: RedisServer) -> None:
    with redis_server() as server:
        pacer = SharedPacer(server.url, fresh_name(), 4, max_wait=5.0, limits=LIMITS)
        with anyio.fail_after(10):
            await pacer._admit(Cost(0, 0))
        server.stop()
    pacer.overloaded(1.0)
    with anyio.fail_after(10):
        await pacer.aclose()
    assert pacer._redis is None


async def test_a_pause_is_sent_in_whole_milliseconds_rounded_up() -> None:
    pacer = SharedPacer("redis://127.0.0.1:9", "x", 1, max_wait=10.0)
    pacer.overloaded(1.2341)
    assert pacer._outbox == [["pause", math.ceil(1234.1)]]


async def test_a_redis_pause_is_read_in_milliseconds(redis: RedisServer) -> None:
    name = fresh_name()
    first = SharedPacer(redis.url, name, 4, max_wait=200.0, limits=LIMITS)
    second = SharedPacer(redis.url, name, 4, max_wait=200.0, limits=LIMITS)
    with anyio.fail_after(10):
        first.overloaded(100.0)
        await first._admit(Cost(0, 0))
        assert await second._admit(Cost(0, 0)) == pytest.approx(100.0, abs=0.05)
        for pacer in (first, second):
            await pacer.aclose()


async def test_a_pacer_leaves_alone_a_bucket_it_does_not_know_the_limit_of(
    redis: RedisServer,
) -> None:
    name = fresh_name()
    knows = SharedPacer(redis.url, name, 4, max_wait=5.0, limits=LIMITS)
    new = SharedPacer(redis.url, name, 4, max_wait=5.0)
    zero = Cost(0, 0)
    with anyio.fail_after(10):
        await knows.acquire(zero)
        knows.release(zero, info=full_info({"requests": 50}), used=zero, refund_request=False)
        await knows.aclose()
        assert await new._admit(Cost(1, 1)) == 0.0
        await new.acquire(Cost(1, 1))
        await new.aclose()
    assert (await stored(redis, name))["requests"] == (pytest.approx(50, abs=0.5), 0)


async def test_a_shared_pacer_keeps_its_own_buckets_as_a_plain_one_would(
    redis: RedisServer,
) -> None:
    # Its fallback: the same local estimate as a pacer without Redis, reply after reply.
    from anyio_claude._pacing import Pacer

    now = [500.0]
    shared = SharedPacer(redis.url, fresh_name(), 4, max_wait=5.0, clock=lambda: now[0])
    plain = Pacer(4, max_wait=5.0, clock=lambda: now[0])
    cost = Cost(input_tokens=1000, output_tokens=2000)
    steps: list[tuple[Cost | None, bool, dict[str, int | None]]] = [
        (Cost(1000, 500), False, {"requests": 50, "output_tokens": 50_000}),
        (None, True, {"requests": 40}),
        (None, False, {}),
        # Given back with no `remaining` to lower it again.
        (Cost(1000, 500), False, {}),
    ]
    with anyio.fail_after(10):
        for used, refund, remaining in steps:
            for pacer in (shared, plain):
                await pacer.acquire(cost)
                pacer.release(cost, info=full_info(remaining), used=used, refund_request=refund)
            now[0] += 100.0  # refilled: the next acquire never waits
            assert shared.seeded
            for kind in _KINDS:
                assert shared.buckets[kind].capacity == LIMITS[kind]
                assert shared.buckets[kind].level == plain.buckets[kind].level
        await shared.aclose()


async def test_aclose_gives_up_on_a_redis_that_stops_answering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from anyio_claude import _shared_pacer

    monkeypatch.setattr(_shared_pacer, "_TIMEOUT", 0.3)
    received: list[bytes] = []
    async with raw_server([b":0\r\n"], received, hang=True) as url:
        pacer = SharedPacer(url, fresh_name(), 4, max_wait=5.0)
        with anyio.fail_after(10):
            assert await pacer._admit(Cost(0, 0)) == 0.0
            pacer.overloaded(1.0)
            started = anyio.current_time()
            await pacer.aclose()
        assert anyio.current_time() - started < 2.0
    assert pacer._redis is None

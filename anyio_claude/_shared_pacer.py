"""A pacer shared by many processes through Redis: one set of token buckets for a fleet.

`RedisPacer(url)` passed as `messages.map(..., pacer=...)` (or `anyio-claude batch run
--redis URL`) keeps the buckets of `_pacing` in Redis instead of in the process: each
admission and each release is one Lua script, run atomically by the server, timed by the
server's clock (`TIME`), so processes on any number of machines draw on one budget. The
keys expire once the fleet has been idle long enough for a bucket to refill.

It speaks RESP over an anyio socket itself (a handful of commands), so it runs on asyncio
and trio alike and needs no Redis package. If Redis cannot be reached, or stops answering
mid-run, the pacer logs a warning and goes on with the process's own pacing, which has
followed every reply's headers all along.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio
import anyio.abc

from ._pacing import _KINDS, Cost, Pacer
from ._ratelimits import RateLimitInfo
from ._secret import SecretStr, redact_url

__all__ = ("RedisError", "RedisPacer", "SharedPacer")

_log = logging.getLogger("anyio_claude")

# Seconds one Redis exchange may take before the pacer gives up on Redis.
_TIMEOUT = 2.0

# KEYS: the pause key, then one key per bucket kind. ARGV[1] is the operation:
# "take": per kind (capacity, rate per second, cost); returns 0 when taken, else the
#   milliseconds to wait (the pause's or the emptiest bucket's refill).
# "release": per kind (capacity, rate, given back, done (its cost, no longer pending),
#   remaining from the reply's headers or -1); lowers the level to what the server said
#   remains minus what the fleet still has in flight.
# "pause": ARGV[2] milliseconds, unless a longer pause is in force.
# A bucket is created by the first reply that reports its level: before that, requests
# pass (each process still sends one probe first, see `Pacer.allowed`).
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local op = ARGV[1]
if op == 'pause' then
  local ms = tonumber(ARGV[2])
  if ms > redis.call('PTTL', KEYS[1]) then
    redis.call('SET', KEYS[1], '1', 'PX', ms)
  end
  return 0
end
local function load(key, cap, rate)
  local v = redis.call('HMGET', key, 'level', 'updated', 'pending')
  local level, updated = tonumber(v[1]), tonumber(v[2])
  if level ~= nil and updated ~= nil then
    level = math.min(cap, level + math.max(now - updated, 0) * rate)
  end
  return level, tonumber(v[3]) or 0
end
local function save(key, level, pending, cap, rate)
  redis.call('HSET', key, 'level', tostring(level), 'updated', tostring(now),
             'pending', tostring(pending))
  redis.call('PEXPIRE', key, math.ceil(math.max(cap / rate, 1) * 2000))
end
if op == 'take' then
  local left = redis.call('PTTL', KEYS[1])
  if left > 0 then
    return left
  end
  local wait, found = 0, {}
  for i = 2, #KEYS do
    local j = 2 + (i - 2) * 3
    local cap, rate, cost = tonumber(ARGV[j]), tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2])
    if cap > 0 and rate > 0 then
      local level, pending = load(KEYS[i], cap, rate)
      if level ~= nil then
        found[i] = {level, pending}
        local need = math.min(cost, cap)
        if level < need then
          wait = math.max(wait, (need - level) / rate)
        end
      end
    end
  end
  if wait > 0 then
    return math.max(1, math.ceil(wait * 1000))
  end
  for i = 2, #KEYS do
    if found[i] ~= nil then
      local j = 2 + (i - 2) * 3
      local cap, rate, cost = tonumber(ARGV[j]), tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2])
      save(KEYS[i], found[i][1] - cost, found[i][2] + cost, cap, rate)
    end
  end
  return 0
end
if op == 'release' then
  for i = 2, #KEYS do
    local j = 2 + (i - 2) * 5
    local cap, rate = tonumber(ARGV[j]), tonumber(ARGV[j + 1])
    local given, done = tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3])
    local remaining = tonumber(ARGV[j + 4])
    if cap > 0 and rate > 0 then
      local level, pending = load(KEYS[i], cap, rate)
      if level ~= nil then
        pending = math.max(pending - done, 0)
        level = math.min(cap, level + given)
      end
      if remaining >= 0 then
        level = math.min(level or cap, remaining - pending)
      end
      if level ~= nil then
        save(KEYS[i], level, pending, cap, rate)
      end
    end
  end
  return 0
end
return redis.error_reply('unknown operation ' .. tostring(op))
"""


class RedisError(Exception):
    """Redis answered with an error, or with something that is not RESP."""


class _Redis:
    """One connection speaking RESP2: enough for AUTH, SELECT, PING and EVAL."""

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        self._stream = stream
        self._buffer = bytearray()

    @classmethod
    async def connect(cls, url: str) -> _Redis:
        parts = urlsplit(url)
        if parts.scheme != "redis":
            raise ValueError(f"redis URL must start with redis://, got {redact_url(url)!r}")
        stream = await anyio.connect_tcp(parts.hostname or "127.0.0.1", parts.port or 6379)
        connection = cls(stream)
        try:
            if parts.password is not None:
                user = unquote(parts.username or "") or "default"
                await connection.call("AUTH", user, unquote(parts.password))
            database = parts.path.strip("/")
            if database:
                await connection.call("SELECT", database)
        except BaseException:
            await stream.aclose()
            raise
        return connection

    async def call(self, *args: str | int | float) -> Any:
        """Send one command, return its reply; raises `RedisError` for an error reply."""
        encoded = [str(a).encode() for a in args]
        request = b"*%d\r\n" % len(encoded) + b"".join(
            b"$%d\r\n%s\r\n" % (len(a), a) for a in encoded
        )
        await self._stream.send(request)
        return await self._reply()

    async def _line(self) -> bytes:
        while True:
            end = self._buffer.find(b"\r\n")
            if end >= 0:
                line = bytes(self._buffer[:end])
                del self._buffer[: end + 2]
                return line
            self._buffer += await self._stream.receive()

    async def _reply(self) -> Any:
        line = await self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            while len(self._buffer) < size + 2:
                self._buffer += await self._stream.receive()
            data = bytes(self._buffer[:size])
            del self._buffer[: size + 2]
            return data
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [await self._reply() for _ in range(count)]
        raise RedisError(f"not a RESP reply: {line[:40]!r}")

    async def aclose(self) -> None:
        await self._stream.aclose()


class RedisPacer:
    """Pacing shared through Redis by every process given the same `url` and `name`:
    pass it as `messages.map(..., pacer=RedisPacer("redis://host:6379/0"))`.

    `name` prefixes the keys (default: derived from the API key, so processes sharing a
    key share a budget, without the key appearing in Redis). `url` is
    `redis://[[user]:password@]host[:port][/db]`. Raises `ValueError` for another scheme.
    If Redis cannot be reached or fails mid-run, a warning is logged and each process
    paces by itself from the reply headers, as without it; requests are never failed by it.
    """

    def __init__(self, url: str, *, name: str | None = None) -> None:
        # Wrapped first thing: the URL may hold a password, and tracebacks may show locals.
        url = SecretStr(url) if isinstance(url, str) else url
        if not isinstance(url, str) or urlsplit(url).scheme != "redis":
            shown = redact_url(url) if isinstance(url, str) else type(url).__name__
            raise ValueError(f"pacer: a Redis URL must start with redis://, got {shown!r}")
        self._url = url
        self.name = name

    def __repr__(self) -> str:
        # Also called on a half-made one, by tracebacks that show locals.
        url = redact_url(getattr(self, "_url", ""))
        return f"RedisPacer({url!r}, name={getattr(self, 'name', None)!r})"

    def _pacer(
        self,
        concurrency: int,
        *,
        max_wait: float,
        limits: dict[str, int | None],
        default_name: str,
    ) -> SharedPacer:
        name = self.name or default_name
        return SharedPacer(self._url, name, concurrency, max_wait=max_wait, limits=limits)


class SharedPacer(Pacer):
    """A `Pacer` whose buckets and pause live in Redis (see `RedisPacer`); it keeps its
    own buckets up to date too, to fall back on."""

    def __init__(
        self,
        url: str,
        name: str,
        concurrency: int,
        *,
        max_wait: float,
        limits: dict[str, int | None] | None = None,
        clock: Callable[[], float] = anyio.current_time,
    ) -> None:
        super().__init__(concurrency, max_wait=max_wait, limits=limits, clock=clock)
        self._url = url
        self._keys = [f"{name}:pause", *(f"{name}:{kind}" for kind in _KINDS)]
        self._redis: _Redis | None = None
        self._failed = False
        # Releases and pauses not yet told to Redis: `release` and `overloaded` are
        # called where nothing can be awaited; the next admission sends them first.
        self._outbox: list[list[str | int | float]] = []

    @property
    def shared(self) -> bool:
        """Whether Redis is (still) in use."""
        return not self._failed

    def _limits(self) -> list[tuple[float, float]]:
        out = []
        for kind in _KINDS:
            capacity = self.buckets[kind].capacity or 0.0
            out.append((capacity, capacity / 60.0))
        return out

    async def _admit(self, cost: Cost) -> float:
        if self._failed:
            return await super()._admit(cost)
        args: list[str | int | float] = ["take"]
        for kind, (capacity, rate) in zip(_KINDS, self._limits(), strict=True):
            args += [capacity, rate, cost.of(kind)]
        try:
            with anyio.fail_after(_TIMEOUT):
                redis = self._redis
                if redis is None:
                    redis = self._redis = await _Redis.connect(self._url)
                while self._outbox:
                    await redis.call(
                        "EVAL", _SCRIPT, len(self._keys), *self._keys, *self._outbox[0]
                    )
                    self._outbox.pop(0)
                waited = await redis.call("EVAL", _SCRIPT, len(self._keys), *self._keys, *args)
        except (
            OSError,
            TimeoutError,
            RedisError,
            anyio.BrokenResourceError,
            anyio.EndOfStream,
            anyio.ClosedResourceError,
            ValueError,
        ) as exc:
            await self._give_up(exc)
            return await super()._admit(cost)
        # The local pause still counts: a 429 seen here pauses this process at once.
        local = self.paused_until - self._clock()
        return max(float(waited) / 1000.0, local)

    async def _run(self, redis: _Redis, args: list[str | int | float]) -> Any:
        return await redis.call("EVAL", _SCRIPT, len(self._keys), *self._keys, *args)

    async def _give_up(self, exc: BaseException) -> None:
        self._failed = True
        self._outbox.clear()
        # Redis paced the takes so far, not these buckets: what they say of our part of
        # the limit (overdrawn, a fleet seen in noise) would stall us; start as a new process.
        now = self._clock()
        for bucket in self.buckets.values():
            bucket.restart(now)
        _log.warning(
            "Redis at %s failed (%s: %s): pacing this process by itself from now on",
            redact_url(self._url),
            type(exc).__name__,
            exc,
        )
        redis, self._redis = self._redis, None
        if redis is not None:
            with anyio.move_on_after(0.5, shield=True):
                try:
                    await redis.aclose()
                except (OSError, anyio.BrokenResourceError):
                    pass

    def release(
        self,
        cost: Cost,
        *,
        info: RateLimitInfo | None,
        used: Cost | None,
        refund_request: bool,
    ) -> None:
        super().release(cost, info=info, used=used, refund_request=refund_request)
        if self._failed:
            return
        args: list[str | int | float] = ["release"]
        for kind, (capacity, rate) in zip(_KINDS, self._limits(), strict=True):
            amount = cost.of(kind)
            if used is not None:
                given = amount - used.of(kind)
            elif refund_request or kind == "output_tokens":
                given = amount
            elif kind == "tokens":
                given = float(cost.output_tokens)
            else:
                given = 0.0
            remaining = getattr(info, kind + "_remaining", None) if info is not None else None
            args += [capacity, rate, given, amount, -1 if remaining is None else remaining]
        self._outbox.append(args)

    def overloaded(self, retry_after: float | None) -> float:
        pause = super().overloaded(retry_after)
        if not self._failed and pause > 0:
            self._outbox.append(["pause", max(1, math.ceil(pause * 1000))])
        return pause

    async def aclose(self) -> None:
        """Send what Redis has not been told yet (at most `_TIMEOUT` seconds, even when
        cancelled) and close the connection."""
        redis, self._redis = self._redis, None
        if redis is None:
            return
        with anyio.move_on_after(_TIMEOUT, shield=True):
            try:
                for args in self._outbox:
                    await self._run(redis, args)
                self._outbox.clear()
            except (OSError, RedisError, anyio.BrokenResourceError, anyio.EndOfStream):
                pass
            finally:
                try:
                    await redis.aclose()
                except (OSError, anyio.BrokenResourceError):
                    pass

"""Small HTTP value types: `Headers`, `Timeout`, `Request`. No I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ("DeadlineReached", "Headers", "Request", "Timeout")

_SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization"})


class Headers(Mapping[str, str]):
    """Immutable, case-insensitive response or request headers.

    Repeated names are joined with ", " when read by key; `raw` keeps every pair.
    The values of credential headers are redacted in `repr`.
    """

    __slots__ = ("_map", "raw")

    def __init__(
        self, pairs: Iterable[tuple[bytes, bytes]] | Iterable[tuple[str, str]] = ()
    ) -> None:
        raw: list[tuple[bytes, bytes]] = []
        mapping: dict[str, str] = {}
        for name, value in pairs:
            bname = name.encode("latin-1") if isinstance(name, str) else name
            bvalue = value.encode("latin-1") if isinstance(value, str) else value
            raw.append((bname, bvalue))
            key = bname.decode("latin-1").lower()
            text = bvalue.decode("latin-1")
            mapping[key] = f"{mapping[key]}, {text}" if key in mapping else text
        self.raw = raw
        self._map = mapping

    def __getitem__(self, key: str) -> str:
        return self._map[key.lower()]

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """The value for `key` (case-insensitive), or `default`."""
        return self._map.get(key.lower(), default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._map

    def __iter__(self) -> Iterator[str]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def get_list(self, key: str) -> list[str]:
        """Every value sent for `key`, in order."""
        wanted = key.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.raw if k.lower() == wanted]

    def __repr__(self) -> str:
        shown = {k: ("<redacted>" if k in _SECRET_HEADERS else v) for k, v in self._map.items()}
        return f"Headers({shown!r})"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


_UNSET: Any = _Unset()


@dataclass(frozen=True, init=False)
class Timeout:
    """Timeouts in seconds (None: no limit), like httpx's plus two of our own.

    `connect`, `read`, `write` bound each network operation, `pool` the wait for a free
    connection, `total` the whole call (every attempt, the retry waits and the body or
    stream), `stream_idle` the time between stream events other than `ping`.

    As in httpx, a first positional value is the default for connect/read/write/pool:
    `Timeout(60.0, connect=2.0)`. Without one they are 5 s, 600 s, 600 s and 600 s.
    Raises `ValueError` for a negative or NaN value, `TypeError` for a non-number.
    """

    connect: float | None
    read: float | None
    write: float | None
    pool: float | None
    total: float | None
    stream_idle: float | None

    def __init__(
        self,
        timeout: float | None = _UNSET,
        *,
        connect: float | None = _UNSET,
        read: float | None = _UNSET,
        write: float | None = _UNSET,
        pool: float | None = _UNSET,
        total: float | None = None,
        stream_idle: float | None = None,
    ) -> None:
        given = timeout is not _UNSET
        for name, value in (
            ("timeout", timeout),
            ("connect", connect),
            ("read", read),
            ("write", write),
            ("pool", pool),
            ("total", total),
            ("stream_idle", stream_idle),
        ):
            _check_seconds(name, value)

        def pick(value: float | None, default: float | None) -> float | None:
            if value is not _UNSET:
                return value
            return timeout if given else default

        object.__setattr__(self, "connect", pick(connect, 5.0))
        object.__setattr__(self, "read", pick(read, 600.0))
        object.__setattr__(self, "write", pick(write, 600.0))
        object.__setattr__(self, "pool", pick(pool, 600.0))
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "stream_idle", stream_idle)

    @classmethod
    def coerce(cls, value: float | Timeout | None) -> Timeout:
        """A `Timeout` from a number: it bounds connect, read, write and pool alike, as
        `httpx.Timeout(value)` does in the official SDK. None means no limit at all.
        """
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(None)
        _check_seconds("timeout", value)
        return cls(value)


def _check_seconds(name: str, value: object) -> None:
    if value is None or value is _UNSET:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"timeout {name} must be a number of seconds or None, got {value!r}")
    if not value >= 0:  # also catches NaN
        raise ValueError(f"timeout {name} must be 0 or more seconds (None: no limit), got {value}")


@dataclass(slots=True)
class Request:
    """What the transport sends: method, target (path and query), headers and body."""

    method: str
    target: bytes
    headers: list[tuple[bytes, bytes]]
    content: bytes

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.target.decode('latin-1')}>"


class DeadlineReached(Exception):
    """A body read reached the deadline its caller gave before the read timeout."""

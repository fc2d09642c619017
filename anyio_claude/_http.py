"""Small HTTP value types: `Headers`, `Timeout`, `Request`, and the public views of a
request and a reply (`HTTPRequest`, `HTTPResponse`). No I/O here."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from ._exceptions import ClaudeError

__all__ = ("DeadlineReached", "HTTPRequest", "HTTPResponse", "Headers", "Request", "Timeout")

_SECRET_HEADERS = frozenset(
    {"x-api-key", "authorization", "proxy-authorization", "api-key", "x-amz-security-token"}
)


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


class HTTPRequest:
    """The request a response or an error belongs to: `method`, `url`, `headers`, `content`.

    Credential headers (`x-api-key`, `authorization`, `proxy-authorization`) hold
    `<redacted>` instead of their values, so the key never travels with an exception.
    """

    __slots__ = ("content", "headers", "method", "url")

    def __init__(self, method: str, url: str, headers: Headers, content: bytes = b"") -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.content = content

    @classmethod
    def redacted(cls, request: Request, origin: str) -> HTTPRequest:
        """The public view of a request sent to `origin` (scheme://host[:port])."""
        headers = Headers(
            (name, b"<redacted>" if name.lower().decode("latin-1") in _SECRET_HEADERS else value)
            for name, value in request.headers
        )
        return cls(
            request.method, origin + request.target.decode("latin-1"), headers, request.content
        )

    def __repr__(self) -> str:
        return f"<HTTPRequest {self.method} {self.url}>"


class HTTPResponse:
    """The HTTP side of a reply: `status_code`, `headers`, `request`, `url`, `elapsed` and,
    once read, `content` / `text` / `json()`.

    This is what `raw.http_response` and `error.response` are.
    """

    __slots__ = (
        "_content",
        "_finished",
        "_origin",
        "_raw_request",
        "_request",
        "_started",
        "headers",
        "http_version",
        "status_code",
    )

    def __init__(
        self,
        status_code: int,
        headers: Headers,
        http_version: str = "HTTP/1.1",
        content: bytes | None = None,
        *,
        request: Request | None = None,
        origin: str = "",
        started: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.http_version = http_version
        self._raw_request = request
        self._origin = origin
        self._request: HTTPRequest | None = None
        now = time.monotonic()
        self._started = now if started is None else started
        self._finished: float | None = None
        self._content: bytes | None = None
        if content is not None:
            self.content = content

    def __getstate__(self) -> tuple[None, dict[str, object]]:
        # Pickled (with an error, say) with the redacted request only: the raw one holds
        # the credential headers.
        _ = self.request
        state = {name: getattr(self, name) for name in self.__slots__}
        state["_raw_request"] = None
        return None, state

    @property
    def content(self) -> bytes | None:
        """The body, or None while it has not been read."""
        return self._content

    @content.setter
    def content(self, value: bytes) -> None:
        self._content = value
        self._finished = time.monotonic()

    @property
    def text(self) -> str:
        """The body decoded as UTF-8. Raises `ClaudeError` if it has not been read."""
        return self._read().decode("utf-8", "replace")

    def json(self) -> Any:
        """The body decoded as JSON. Raises `ClaudeError` if it has not been read,
        `msgspec.DecodeError` (a `ValueError`) if it is not JSON."""
        return msgspec.json.decode(self._read())

    def _read(self) -> bytes:
        if self._content is None:
            raise ClaudeError("the response body has not been read: read() it first")
        return self._content

    @property
    def request(self) -> HTTPRequest | None:
        """The request this answers (credentials redacted), if known."""
        if self._request is None and self._raw_request is not None:
            self._request = HTTPRequest.redacted(self._raw_request, self._origin)
        return self._request

    @property
    def url(self) -> str | None:
        """The URL that was requested."""
        request = self.request
        return None if request is None else request.url

    @property
    def elapsed(self) -> datetime.timedelta:
        """The time from sending the request until the body was read (so far, while it
        is still being read)."""
        end = self._finished if self._finished is not None else time.monotonic()
        return datetime.timedelta(seconds=end - self._started)

    @property
    def request_id(self) -> str | None:
        """The `request-id` header, the id to quote when asking Anthropic about a request."""
        return self.headers.get("request-id")

    def __repr__(self) -> str:
        return f"<HTTPResponse [{self.status_code}] request-id={self.request_id}>"

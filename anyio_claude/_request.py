"""The sans-I/O core of a request: what "not given" means, the description of one API call
(`Call`), and how parameters become a query string. No sockets here; `deadline_for` reads
the event loop's clock."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any

import anyio

from ._errors import APITimeoutError
from ._http import Timeout

__all__ = (
    "NOT_GIVEN",
    "Call",
    "NotGiven",
    "Omit",
    "coerce_timeout",
    "deadline_for",
    "deadline_scope",
    "env_headers",
    "not_given",
    "omit",
    "query_items",
)


class NotGiven:
    """The type of `NOT_GIVEN`: "leave this at the client's setting" (unlike `None`)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()
not_given = NOT_GIVEN  # the official SDK's lower-case name


class Omit(NotGiven):
    """The type of `omit`: "leave this parameter out of the request", as the official SDK
    spells it. Parameters treat it as `NOT_GIVEN`; a header cannot be omitted with it."""

    _instance: NotGiven | None = None

    def __new__(cls) -> Omit:
        if cls._instance is None:
            cls._instance = object.__new__(cls)
        return cls._instance  # type: ignore[return-value]

    def __repr__(self) -> str:
        return "omit"


omit = Omit()


class Call:
    """One logical API call: what to send and how (timeouts, retries, streaming)."""

    __slots__ = (
        "beta",
        "body",
        "extra_headers",
        "max_retries",
        "method",
        "parse_as",
        "target",
        "timeout",
        "trace",
    )

    def __init__(
        self,
        method: str,
        target: bytes,
        body: bytes | None,
        *,
        extra_headers: list[tuple[bytes, bytes]],
        timeout: Timeout,
        max_retries: int,
    ) -> None:
        self.method = method
        self.target = target
        self.body = body
        self.extra_headers = extra_headers
        self.timeout = timeout
        self.max_retries = max_retries
        # Its span and measurements (`_tracing.CallTrace`), when the client reports to
        # OpenTelemetry. Typed `Any`: this layer sits below the one that defines it.
        self.trace: Any = None
        # Made by `client.beta.messages` (a middleware may apply to those alone).
        self.beta = False
        # What `parse()` of a response gives a middleware (set by the resource's `Op`).
        self.parse_as: Callable[[Any], Awaitable[Any]] | None = None


def env_headers() -> dict[str, str]:
    """`ANTHROPIC_CUSTOM_HEADERS`: one `Name: value` a line (lines without a colon are
    skipped), sent under the `default_headers` given, as the official SDK does."""
    headers: dict[str, str] = {}
    for line in os.environ.get("ANTHROPIC_CUSTOM_HEADERS", "").split("\n"):
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip()] = value.strip()
    return headers


def coerce_timeout(value: float | Timeout | NotGiven | None, default: Timeout) -> Timeout:
    if isinstance(value, NotGiven):
        return default
    if isinstance(value, Timeout):
        return value
    return Timeout.coerce(value)


def deadline_for(timeout: Timeout) -> float | None:
    """The event-loop time by which `timeout.total` ends (None without one)."""
    return None if timeout.total is None else anyio.current_time() + timeout.total


def query_items(key: str, value: object) -> list[tuple[str, str]]:
    """`key=value` as the official SDK writes it in a query: a list or tuple as repeated
    `key[]`, a mapping as `key[name]`, booleans as `true`/`false`; None (and NOT_GIVEN)
    left out."""
    if isinstance(value, Mapping):
        return [item for name, v in value.items() for item in query_items(f"{key}[{name}]", v)]
    if isinstance(value, list | tuple):
        return [item for v in value for item in query_items(f"{key}[]", v)]
    if value is None or isinstance(value, NotGiven):
        return []
    if isinstance(value, bool):
        return [(key, "true" if value else "false")]
    return [(key, value.isoformat() if isinstance(value, date) else str(value))]


class deadline_scope:
    """A cancel scope up to the absolute `deadline` (none without one) that raises
    `APITimeoutError(message)` when the deadline cancelled what it wraps: the one place a
    `Timeout.total` becomes our timeout error (streams tell idle from overall themselves)."""

    __slots__ = ("_message", "_request_id", "_scope")

    def __init__(self, deadline: float | None, message: str, *, request_id: str | None = None):
        self._scope = None if deadline is None else anyio.CancelScope(deadline=deadline)
        self._message = message
        self._request_id = request_id

    def __enter__(self) -> None:
        if self._scope is not None:
            self._scope.__enter__()

    def __exit__(self, *exc_info: Any) -> bool:
        if self._scope is None:
            return False
        suppressed = self._scope.__exit__(*exc_info)
        if self._scope.cancelled_caught:
            raise APITimeoutError(self._message, request_id=self._request_id)
        return bool(suppressed)

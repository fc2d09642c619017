"""`Requester`: what the resources and streams need of a client, named, so that they are
typed against this interface and never against `AsyncClaude` itself (which implements
it). The members keep their leading underscore: they are not part of the public client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from ._http import Timeout
    from ._request import Call, NotGiven
    from ._transport import Response

__all__ = ("Requester",)

T = TypeVar("T")


class Requester(Protocol):
    """Builds calls and sends them: the one way resources reach the network."""

    @property
    def _path_prefix(self) -> bytes:
        """The base URL's path (`b""` or `b"/proxy/v1"`), put before every endpoint path."""
        ...

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = ...,
    ) -> Call:
        """The `Call` for `method path` with the client's defaults applied."""
        ...

    def with_options(self, *, max_retries: int | None = None) -> Requester:
        """A requester like this one but for the options given (the client's
        `with_options`, of which `messages.map` needs `max_retries`)."""
        ...

    def _timeout_given(self, timeout: object) -> bool:
        """Whether a timeout was set, on the client or with this call (`timeout`)."""
        ...

    def _send(
        self,
        call: Call,
        accept: Callable[[Response, int], Awaitable[T]],
        *,
        deadline: float | None,
        head_timeout: float | None = None,
    ) -> Awaitable[T]:
        """Send `call` with retries; `accept` makes the result of the first 2xx response."""
        ...

    def _request_json(self, call: Call, decode: Any, *, raw: bool = False) -> Awaitable[Any]:
        """Send `call`, read the body and decode it (wrapped as a raw response with `raw`)."""
        ...

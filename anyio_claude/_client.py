"""`AsyncClaude`: configuration, request building, retries and error construction."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode, urlsplit

import anyio
import msgspec

from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClaudeError,
    status_error_class,
)
from ._http import Headers, Request, Timeout
from ._response import HTTPResponse
from .types import ErrorResponse
from .types._decode import LenientDecoder

if TYPE_CHECKING:
    import ssl

    from ._transport import AsyncTransport, Response
    from .resources import AsyncBeta, AsyncMessages, AsyncModels

__all__ = ("DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "NOT_GIVEN", "AsyncClaude", "NotGiven")

logger = logging.getLogger("anyio_claude")

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_TIMEOUT = Timeout(connect=5.0, read=600.0, write=600.0, pool=600.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_CONNECTIONS = 1000
_USER_AGENT = "anyio-claude/0.1.0"

T = TypeVar("T")


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

_error_decoder = LenientDecoder(ErrorResponse)


def _configure_logging() -> None:
    level = os.environ.get("ANTHROPIC_LOG", "").lower()
    if level in ("debug", "info") and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


class _Call:
    """One logical API call: what to send and how (timeouts, retries, streaming)."""

    __slots__ = ("body", "extra_headers", "max_retries", "method", "target", "timeout")

    def __init__(
        self,
        method: str,
        target: bytes,
        body: bytes | None,
        *,
        extra_headers: Mapping[str, str] | None,
        timeout: Timeout,
        max_retries: int,
    ) -> None:
        self.method = method
        self.target = target
        self.body = body
        self.extra_headers = extra_headers
        self.timeout = timeout
        self.max_retries = max_retries


class AsyncClaude:
    """An async client for the Claude API, for asyncio and trio alike.

    Configuration comes from the arguments, then the environment (`ANTHROPIC_API_KEY`,
    `ANTHROPIC_AUTH_TOKEN`, `ANTHROPIC_BASE_URL`, `ANTHROPIC_LOG`). A missing key is
    reported when the first request is made, as a `ClaudeError`.

    Use it as `async with AsyncClaude() as client:`; leaving the block (or `await
    client.close()`) closes every pooled connection. Copies from `with_options()` share
    the pool and must not outlive the client they came from. `verify` is as in httpx:
    True checks TLS certificates against certifi's store, an `ssl.SSLContext` is used as
    given, False turns checking off.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
        anthropic_version: str = "2023-06-01",
        verify: bool | ssl.SSLContext = True,
        _transport: AsyncTransport | None = None,
    ) -> None:
        _configure_logging()
        self._api_key = api_key if api_key is not None else os.environ.get("ANTHROPIC_API_KEY")
        self._auth_token = (
            auth_token if auth_token is not None else os.environ.get("ANTHROPIC_AUTH_TOKEN")
        )
        self.base_url = (
            base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ClaudeError(f"base_url must be an http(s) URL, got {self.base_url!r}")
        self._path_prefix = parts.path.rstrip("/").encode()
        self._explicit_timeout = not isinstance(timeout, NotGiven)
        self.timeout = _coerce_timeout(timeout, DEFAULT_TIMEOUT)
        self.max_retries = max_retries
        self.anthropic_version = anthropic_version
        self._default_headers = dict(default_headers or {})
        self._default_query = dict(default_query or {})
        self._max_connections = max_connections
        self._verify = verify
        self._transport = _transport
        self._owns_transport = _transport is None
        self._base_headers = self._build_base_headers()

    # ------------------------------------------------------------------ configuration

    def _build_base_headers(self) -> list[tuple[bytes, bytes]]:
        headers: dict[str, str] = {
            "accept": "application/json",
            "content-type": "application/json",
            "anthropic-version": self.anthropic_version,
            "user-agent": _USER_AGENT,
        }
        if self._api_key:
            headers["x-api-key"] = self._api_key
        if self._auth_token:
            headers["authorization"] = f"Bearer {self._auth_token}"
        for name, value in self._default_headers.items():
            headers[name.lower()] = value
        return [(k.encode(), v.encode()) for k, v in headers.items()]

    @property
    def api_key(self) -> str | None:
        """The API key in use (never shown in `repr`)."""
        return self._api_key

    @property
    def auth_token(self) -> str | None:
        """The bearer token in use (never shown in `repr`)."""
        return self._auth_token

    def __repr__(self) -> str:
        key = "<set>" if self._api_key else None
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key={key!r}, "
            f"max_retries={self.max_retries})"
        )

    def with_options(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        anthropic_version: str | None = None,
    ) -> AsyncClaude:
        """A cheap copy with some settings changed, sharing this client's connection pool.

        Headers given here are added to (and override) the existing default headers.
        """
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__.pop("messages", None)
        copy.__dict__.pop("models", None)
        if api_key is not None:
            copy._api_key = api_key
        if auth_token is not None:
            copy._auth_token = auth_token
        if not isinstance(timeout, NotGiven):
            copy.timeout = _coerce_timeout(timeout, DEFAULT_TIMEOUT)
            copy._explicit_timeout = True
        if max_retries is not None:
            copy.max_retries = max_retries
        if default_headers is not None:
            copy._default_headers = {**self._default_headers, **default_headers}
        if anthropic_version is not None:
            copy.anthropic_version = anthropic_version
        copy._owns_transport = False
        copy._transport = self._get_transport()
        copy._base_headers = copy._build_base_headers()
        return copy

    copy = with_options

    @property
    def messages(self) -> AsyncMessages:
        """`create`, `stream`, `count_tokens` and `batches`."""
        from .resources import AsyncMessages

        resource = AsyncMessages(self)
        self.__dict__["messages"] = resource
        return resource

    @property
    def models(self) -> AsyncModels:
        """`list` and `retrieve` the available models."""
        from .resources import AsyncModels

        resource = AsyncModels(self)
        self.__dict__["models"] = resource
        return resource

    @property
    def beta(self) -> AsyncBeta:
        """Beta features: `messages` with `betas=[...]`, and `files` (the Files API)."""
        from .resources import AsyncBeta

        return AsyncBeta(self)

    # ----------------------------------------------------------------------- lifetime

    def _get_transport(self) -> AsyncTransport:
        if self._transport is None:
            from ._transport import AsyncTransport

            verify = self._verify
            self._transport = AsyncTransport(
                self.base_url,
                max_connections=self._max_connections,
                verify=verify is not False,
                ssl_context=None if isinstance(verify, bool) else verify,
            )
        return self._transport

    async def close(self) -> None:
        """Close every pooled connection. Idempotent; copies from `with_options` share it."""
        if self._transport is not None and self._owns_transport:
            await self._transport.aclose()

    async def __aenter__(self) -> AsyncClaude:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ----------------------------------------------------------------------- requests

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
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> _Call:
        content: bytes | None = None
        if body is not None:
            payload = {
                k: v for k, v in body.items() if v is not None and not isinstance(v, NotGiven)
            }
            if extra_body:
                payload.update(extra_body)
            from .types import encode_json

            content = encode_json(payload)
        target = self._path_prefix + path.encode()
        params = {**self._default_query, **(query or {}), **(extra_query or {})}
        params = {k: v for k, v in params.items() if v is not None and not isinstance(v, NotGiven)}
        if params:
            target += b"?" + urlencode(params).encode()
        return _Call(
            method,
            target,
            content,
            extra_headers=extra_headers,
            timeout=_coerce_timeout(timeout, self.timeout),
            max_retries=self.max_retries,
        )

    def _timeout_given(self, timeout: object) -> bool:
        return self._explicit_timeout or not isinstance(timeout, NotGiven)

    def _request_for(self, call: _Call, retries_taken: int) -> Request:
        if not self._api_key and not self._auth_token:
            raise ClaudeError(
                "no API key: pass api_key= to the client or set ANTHROPIC_API_KEY "
                "(or auth_token= / ANTHROPIC_AUTH_TOKEN)"
            )
        headers = self._base_headers
        if call.extra_headers or retries_taken:
            merged = {k.decode(): v.decode() for k, v in headers}
            for name, value in (call.extra_headers or {}).items():
                merged[name.lower()] = value
            if retries_taken:
                merged["x-stainless-retry-count"] = str(retries_taken)
            headers = [(k.encode(), v.encode()) for k, v in merged.items()]
        if call.body is None:
            headers = [h for h in headers if h[0] != b"content-type"]
        return Request(call.method, call.target, headers, call.body or b"")

    async def _send(
        self, call: _Call, *, deadline: float | None, read_body: bool = False
    ) -> tuple[Response, int, bytes | None]:
        """Send `call`, retrying as the retry rules say; return a 2xx response.

        With `read_body` the body is read (and the response closed) inside each attempt,
        so a connection that breaks mid-body is retried too; the body is returned third.
        Without it the response comes back unread and the caller must close it.
        Raises `APIStatusError` subclasses for error statuses (after retries), and
        `APIConnectionError`/`APITimeoutError` for transport failures. Cancellation
        interrupts a retry sleep or an attempt at once and closes its connection.
        """
        from ._retry import retry_delay, should_retry

        transport = self._get_transport()
        retries_taken = 0
        while True:
            request = self._request_for(call, retries_taken)
            started = time.monotonic()
            content: bytes | None = None
            try:
                with _deadline_scope(deadline):
                    response = await transport.send(request, timeout=call.timeout)
                    if read_body or response.status >= 400:
                        try:
                            content = await response.aread()
                        finally:
                            await response.aclose()
            except APIConnectionError as exc:
                out_of_time = deadline is not None and anyio.current_time() >= deadline
                if retries_taken >= call.max_retries or out_of_time:
                    raise
                delay = retry_delay(retries_taken, None)
                logger.info(
                    "%s %s failed (%s); retrying in %.2fs",
                    call.method,
                    call.target.decode(),
                    type(exc).__name__,
                    delay,
                )
            else:
                status = response.status
                logger.debug(
                    "%s %s -> %d in %.1f ms (request-id %s)",
                    call.method,
                    call.target.decode(),
                    status,
                    (time.monotonic() - started) * 1000,
                    response.headers.get("request-id"),
                )
                if status < 400:
                    return response, retries_taken, content
                error = self._status_error(status, response.headers, content or b"")
                if retries_taken >= call.max_retries or not should_retry(status, response.headers):
                    raise error
                delay = retry_delay(retries_taken, response.headers)
                logger.info(
                    "%s %s -> %d %s; retrying in %.2fs",
                    call.method,
                    call.target.decode(),
                    status,
                    error.type,
                    delay,
                )
            if deadline is not None and anyio.current_time() + delay >= deadline:
                raise APITimeoutError("the request's overall timeout expired before a retry")
            await anyio.sleep(delay)
            retries_taken += 1

    def _status_error(self, status: int, headers: Headers, content: bytes) -> APIStatusError:
        from ._ratelimits import RateLimitInfo

        error_type: str | None = None
        body: object | None = None
        request_id = headers.get("request-id")
        try:
            parsed = _error_decoder.decode(content)
        except msgspec.DecodeError:
            message = content.decode("utf-8", "replace")[:500] or f"HTTP {status}"
            try:
                body = msgspec.json.decode(content)
            except msgspec.DecodeError:
                body = message
        else:
            error_type = parsed.error.type
            message = parsed.error.message
            request_id = request_id or parsed.request_id
            body = parsed.to_dict()
        return status_error_class(status)(
            message,
            status_code=status,
            type=error_type,
            request_id=request_id,
            body=body,
            response=HTTPResponse(status, headers, content=content),
            rate_limits=RateLimitInfo.from_headers(headers),
        )

    async def _request_json(self, call: _Call, decode: Any, *, raw: bool = False) -> Any:
        """Send `call`, read the body and decode it; with `raw`, wrap it in an APIResponse."""
        from ._response import APIResponse, decode_body

        response, retries, body = await self._send(
            call, deadline=_deadline_for(call.timeout), read_body=True
        )
        content = body or b""
        http_response = HTTPResponse(
            response.status, response.headers, response.http_version, content
        )

        def parse() -> Any:
            return decode_body(decode, content, http_response)

        if raw:
            return APIResponse(http_response, parse, retries_taken=retries)
        return parse()


def _coerce_timeout(value: float | Timeout | NotGiven | None, default: Timeout) -> Timeout:
    if isinstance(value, NotGiven):
        return default
    if isinstance(value, Timeout):
        return value
    return Timeout.coerce(value)


def _deadline_for(timeout: Timeout) -> float | None:
    return None if timeout.total is None else anyio.current_time() + timeout.total


class _deadline_scope:
    """A cancel scope up to an absolute deadline (none without one) that raises our timeout."""

    __slots__ = ("_scope",)

    def __init__(self, deadline: float | None) -> None:
        self._scope = None if deadline is None else anyio.CancelScope(deadline=deadline)

    def __enter__(self) -> None:
        if self._scope is not None:
            self._scope.__enter__()

    def __exit__(self, *exc_info: Any) -> bool:
        if self._scope is None:
            return False
        suppressed = self._scope.__exit__(*exc_info)
        if self._scope.cancelled_caught:
            raise APITimeoutError("the request's overall timeout expired")
        return bool(suppressed)

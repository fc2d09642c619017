"""`AsyncClaude`: configuration, request building, retries and error construction."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload
from urllib.parse import urlencode, urlsplit

import anyio

from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    ClaudeError,
    RetryableError,
    error_body,
    make_status_error,
)
from ._helper_tags import HEADER as HELPER_HEADER
from ._helper_tags import with_helper
from ._http import HTTPRequest, Request, Timeout
from ._proxy import resolve_proxy
from ._request import (
    NOT_GIVEN,
    Call,
    NotGiven,
    coerce_timeout,
    deadline_for,
    deadline_scope,
    env_headers,
    query_items,
)
from ._response import http_response_of, read_whole
from ._secret import (
    SecretBytes,
    SecretHeaders,
    SecretStr,
    encode_headers,
    redact_url,
    secret_problem,
)

if TYPE_CHECKING:
    import logging
    import ssl

    from typing_extensions import Self

    from ._credentials import AccessTokenProvider, AsyncAccessTokenProvider, RequestAuth
    from ._middleware import MiddlewareInput
    from ._tracing import (
        OpenTelemetryClientOption,
        OpenTelemetryOptions,
        ResolvedOpenTelemetryOptions,
    )
    from ._transport import AsyncTransport, Response
    from .resources import (
        AsyncBeta,
        AsyncBetaWithRawResponse,
        AsyncBetaWithStreamingResponse,
        AsyncFiles,
        AsyncFilesWithRawResponse,
        AsyncFilesWithStreamingResponse,
        AsyncMessages,
        AsyncMessagesWithRawResponse,
        AsyncMessagesWithStreamingResponse,
        AsyncModels,
        AsyncModelsWithRawResponse,
        AsyncModelsWithStreamingResponse,
    )

__all__ = (
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "AsyncClaude",
    "AsyncClaudeWithRawResponse",
    "AsyncClaudeWithStreamedResponse",
    "NotGiven",
)

_log: logging.Logger | None = None


def _logger() -> logging.Logger:
    """The `anyio_claude` logger; `logging` is imported on first use (~6 ms of start-up;
    `benchmarks/import_time.py` measures start-up)."""
    global _log
    if _log is None:
        import logging

        _log = logging.getLogger("anyio_claude")
    return _log


DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_TIMEOUT = Timeout(connect=5.0, read=600.0, write=600.0, pool=600.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_CONNECTIONS = 1000
_USER_AGENT = "anyio-claude/0.1.0"

T = TypeVar("T")


def _configure_logging() -> None:
    level = os.environ.get("ANTHROPIC_LOG", "").lower()
    if level not in ("debug", "info"):
        return
    import logging

    logger = _logger()
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


class AsyncClaude:
    """An async client for the Claude API, for asyncio and trio alike.

    Configuration comes from the arguments, then the environment (`ANTHROPIC_API_KEY`,
    `ANTHROPIC_AUTH_TOKEN`, `ANTHROPIC_BASE_URL`, `ANTHROPIC_LOG`, and
    `ANTHROPIC_CUSTOM_HEADERS`: `Name: value` lines under `default_headers`). Instead of a key,
    `credentials=` (a token provider), `config=` or `profile=`, or the profile and workload
    identity variables, give tokens that are cached and refreshed (docs/credentials.md); more
    than one credential raises `ValueError`, a broken profile `CredentialsError`. A missing
    key is reported when the first request is made, as a `ClaudeError`. `proxy` is an
    `http://` or `https://` proxy URL; without one, `HTTPS_PROXY` / `HTTP_PROXY` /
    `ALL_PROXY` and `NO_PROXY` are honoured unless `trust_env=False`. A proxy URL that
    is not http(s) raises `ValueError` here, before any I/O. `open_telemetry` configures
    the OpenTelemetry spans and metrics of every call (see docs/observability.md): on by
    default once the application registers a provider, `False` turns spans off.
    `middleware` (async callables or `Middleware` objects, outermost first) sees every
    attempt's request and response; see docs/observability.md.

    Bad configuration raises before any request: `ValueError`/`TypeError` naming the
    argument, `ClaudeError` for an unusable `base_url`. Credentials are stripped of
    surrounding whitespace and never shown (`repr`, errors, logs, tracebacks); a
    `user:password@` in `base_url` is sent as basic auth and shown as `***@`.

    Use it as `async with AsyncClaude() as client:`; leaving the block (or `await
    client.close()`) closes every pooled connection. Copies from `with_options()` share
    the pool and must not outlive the client they came from. `verify` is as in the
    official SDK's httpx2: True checks TLS certificates against `SSL_CERT_FILE` or
    `SSL_CERT_DIR` if set (unless `trust_env=False`), else the system's CA store, an
    `ssl.SSLContext` is used as given, False turns checking off.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        credentials: AccessTokenProvider | AsyncAccessTokenProvider | None = None,
        config: Mapping[str, Any] | None = None,
        profile: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
        anthropic_version: str = "2023-06-01",
        verify: bool | ssl.SSLContext = True,
        proxy: str | None = None,
        trust_env: bool = True,
        open_telemetry: OpenTelemetryClientOption = None,
        middleware: Sequence[MiddlewareInput] | None = None,
        _transport: AsyncTransport | None = None,
    ) -> None:
        # Wrapped first thing: this frame's locals show up in tracebacks that capture them.
        api_key, auth_token, proxy = _secret(api_key), _secret(auth_token), _secret(proxy)
        if self._discover_credentials and all(
            v is None for v in (api_key, auth_token, credentials, config, profile)
        ):
            # As the official SDK: an explicit credential shuts the environment's out,
            # and ANTHROPIC_API_KEY shadows ANTHROPIC_AUTH_TOKEN.
            api_key = _secret(os.environ.get("ANTHROPIC_API_KEY") or None)
            env_token = _secret(os.environ.get("ANTHROPIC_AUTH_TOKEN") or None)
            if api_key is None:
                auth_token = env_token
            if api_key is not None or env_token is not None:
                from ._credentials import warn_shadowed_by_env

                warn_shadowed_by_env(api_key=api_key is not None, auth_token=env_token is not None)
        _configure_logging()
        self._api_key = _checked_secret("api_key", api_key)
        self._auth_token = _checked_secret("auth_token", auth_token)
        base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL")
        from ._credentials import resolve_credentials

        credentials, credential_headers, pinned_url = resolve_credentials(
            api_key=self._api_key,
            auth_token=self._auth_token,
            credentials=credentials,
            config=config,
            profile=profile,
            base_url=redact_url(base_url or DEFAULT_BASE_URL),
            discover=self._discover_credentials,
        )
        default_headers = SecretHeaders(
            {**credential_headers, **env_headers(), **(default_headers or {})}
        )
        raw_url = self._raw_base_url = _secret(
            (base_url or pinned_url or DEFAULT_BASE_URL).rstrip("/")
        )
        # The URL may hold a password: from here on this frame keeps the redacted form.
        base_url = self.base_url = redact_url(raw_url)
        problem = _base_url_problem(raw_url)
        if problem is not None:
            raise ClaudeError(f"base_url {problem}, got {self.base_url!r}")
        self._url_auth = _basic_auth(raw_url)
        self._path_prefix = urlsplit(raw_url).path.rstrip("/").encode()
        shown = urlsplit(base_url)
        self._origin = f"{shown.scheme}://{shown.netloc.rpartition('@')[2]}"
        self._proxy_option = proxy
        self._trust_env = trust_env
        self._proxy = resolve_proxy(proxy, base_url, os.environ if trust_env else None)
        self._explicit_timeout = not isinstance(timeout, NotGiven)
        self.timeout = coerce_timeout(timeout, DEFAULT_TIMEOUT)
        self.max_retries = _check_max_retries(max_retries)
        _check_max_connections(max_connections)
        self.anthropic_version = anthropic_version
        self._default_headers = default_headers
        self._default_query = dict(default_query or {})
        self._max_connections = max_connections
        self._verify = verify
        self._transport = _transport
        self._owns_transport = _transport is None
        self._closed = False
        self._base_headers = self._build_base_headers()
        # A default `x-stainless-helper` is added to a call's, not replaced by it (as the
        # official SDK merges that one header).
        self._default_helper = next(
            (v for k, v in default_headers.items() if k.lower() == HELPER_HEADER), None
        )
        self._use_credentials(credentials)
        from ._tracing import Telemetry, resolve

        self._telemetry = Telemetry(
            resolve(open_telemetry),
            self._origin,
            _USER_AGENT.partition("/")[2],
            provider_name=self._gen_ai_provider_name,
            platform=self._otel_platform,
        )
        self._middleware: tuple[Any, ...] = ()
        if middleware is not None:
            from ._middleware import checked

            self._middleware = checked(middleware, blocking=False)
        self._messages: AsyncMessages | None = None
        self._models: AsyncModels | None = None
        self._beta: AsyncBeta | None = None
        self._files: AsyncFiles | None = None

    # ------------------------------------------------------------------ configuration

    # Whether a client given no credential looks for one (ANTHROPIC_API_KEY,
    # ANTHROPIC_AUTH_TOKEN, default_credentials); the platform clients authenticate their
    # own way.
    _discover_credentials = True
    # What the spans say: `gen_ai.provider.name`, and the platform that names the tracer's
    # instrumentation scope (a platform client sets both, as the official SDK's do).
    _gen_ai_provider_name = "anthropic"
    _otel_platform: str | None = None
    # Whether `beta.messages.thread()` works here: Bedrock and Vertex AI hold no threads.
    _supports_message_threads = True

    def _use_credentials(
        self, provider: AccessTokenProvider | AsyncAccessTokenProvider | None
    ) -> None:
        """Authenticate every request with `provider`'s tokens (None: with the key)."""
        from ._credentials import TokenAuth, TokenCache, bind_provider

        self.credentials = None if provider is None else bind_provider(provider, self.base_url)
        self._auth: RequestAuth | None = (
            None if self.credentials is None else TokenAuth(TokenCache(self.credentials))
        )

    def _build_base_headers(self) -> list[tuple[bytes, bytes]]:
        headers: dict[bytes, bytes] = {
            b"accept": b"application/json",
            b"content-type": b"application/json",
            b"user-agent": _USER_AGENT.encode(),
        }
        if self._url_auth is not None:
            headers[b"authorization"] = self._url_auth
        if self._api_key:
            headers[b"x-api-key"] = SecretBytes(self._api_key.encode())
        if self._auth_token:
            headers[b"authorization"] = SecretBytes(b"Bearer " + self._auth_token.encode())
        headers.update(
            encode_headers("anthropic_version", {"anthropic-version": self.anthropic_version})
        )
        headers.update(encode_headers("default_headers", self._default_headers))
        return list(headers.items())

    @property
    def api_key(self) -> str | None:
        """The API key in use (never shown in `repr`)."""
        return self._api_key

    @property
    def default_headers(self) -> dict[str, str]:
        """The headers sent with every request besides the credentials (a copy):
        `anthropic-version`, then `default_headers` and `ANTHROPIC_CUSTOM_HEADERS`."""
        return SecretHeaders({"anthropic-version": self.anthropic_version, **self._default_headers})

    @property
    def user_agent(self) -> str:
        """The `User-Agent` this client sends (unless `default_headers` replaces it)."""
        return _USER_AGENT

    @property
    def default_query(self) -> dict[str, object]:
        """The query parameters added to every request (a copy)."""
        return dict(self._default_query)

    @property
    def open_telemetry(self) -> ResolvedOpenTelemetryOptions:
        """The `open_telemetry` option with every default filled in (a copy): spread it
        into a copy's option to change one field."""
        options = self._telemetry.options
        copy: Any = {**options, "traces": {**options["traces"]}, "metrics": {**options["metrics"]}}
        return copy  # type: ignore[no-any-return]

    @property
    def middleware(self) -> tuple[MiddlewareInput, ...]:
        """The client's middleware, outermost first."""
        return self._middleware

    def with_middleware(self, *middleware: MiddlewareInput) -> AsyncClaude:
        """A copy (sharing the pool, as `with_options`) running `middleware` after this
        client's own. Raises `TypeError` for an entry the async client cannot run."""
        return self.with_options(middleware=[*self._middleware, *middleware])

    @property
    def auth_token(self) -> str | None:
        """The bearer token in use (never shown in `repr`)."""
        return self._auth_token

    @property
    def auth_headers(self) -> dict[str, str]:
        """The credential headers every request carries (a copy, whose repr hides their
        values): `Authorization` for a bearer token, `X-Api-Key` for an API key. Empty
        when tokens come from `credentials=` or a platform signs each request: those are
        added per attempt."""
        headers = SecretHeaders()
        if self._auth_token:
            headers["Authorization"] = f"Bearer {self._auth_token}"
        if self._api_key:
            headers["X-Api-Key"] = self._api_key
        return headers

    def __repr__(self) -> str:
        # getattr: tracebacks that capture locals call this on half-built clients too.
        key = "<set>" if getattr(self, "_api_key", None) else None
        proxy = getattr(self, "_proxy", None)
        shown = "" if proxy is None else f", proxy={proxy.shown!r}"
        return (
            f"{type(self).__name__}(base_url={getattr(self, 'base_url', None)!r}, "
            f"api_key={key!r}, max_retries={getattr(self, 'max_retries', None)}{shown})"
        )

    def with_options(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        set_default_query: Mapping[str, object] | None = None,
        max_connections: int | NotGiven | None = NOT_GIVEN,
        anthropic_version: str | None = None,
        verify: bool | ssl.SSLContext | None = None,
        proxy: str | None = None,
        trust_env: bool | None = None,
        open_telemetry: OpenTelemetryClientOption = None,
        middleware: Sequence[MiddlewareInput] | None = None,
    ) -> AsyncClaude:
        """A copy with some settings changed; every constructor option can be given.

        `default_headers` / `default_query` are merged over the current ones;
        `set_default_headers` / `set_default_query` replace them (as in the official SDK,
        giving both raises `ValueError`). A copy that changes only per-request settings
        (key, token, timeout, retries, headers, query, version) shares this client's
        connection pool, and must not outlive it; one that changes `base_url`,
        `max_connections`, `verify`, `proxy` or `trust_env` gets a pool of its own, which
        its `close()` closes. `middleware`, given, replaces the client's middleware.
        `open_telemetry`, given, replaces the whole option; not given, the copy has this
        client's resolved one (the environment is not read again). Raises what the
        constructor raises for bad values.
        """
        # Wrapped first thing: this frame's locals show up in tracebacks that capture them.
        api_key, auth_token, proxy = _secret(api_key), _secret(auth_token), _secret(proxy)
        return self._with_options(
            {},
            api_key=api_key,
            auth_token=auth_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            set_default_headers=set_default_headers,
            default_query=default_query,
            set_default_query=set_default_query,
            max_connections=max_connections,
            anthropic_version=anthropic_version,
            verify=verify,
            proxy=proxy,
            trust_env=trust_env,
            open_telemetry=open_telemetry,
            middleware=middleware,
        )

    copy = with_options

    def _with_options(
        self,
        platform: Mapping[str, Any],
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        set_default_query: Mapping[str, object] | None = None,
        max_connections: int | NotGiven | None = NOT_GIVEN,
        anthropic_version: str | None = None,
        verify: bool | ssl.SSLContext | None = None,
        proxy: str | None = None,
        trust_env: bool | None = None,
        open_telemetry: OpenTelemetryClientOption = None,
        middleware: Sequence[MiddlewareInput] | None = None,
    ) -> AsyncClaude:
        """`with_options`, with a platform client's own options changed (`platform`)."""
        api_key, auth_token, proxy = _secret(api_key), _secret(auth_token), _secret(proxy)
        if default_headers is not None:
            default_headers = SecretHeaders(default_headers)
        if set_default_headers is not None:
            set_default_headers = SecretHeaders(set_default_headers)
        if default_headers is not None and set_default_headers is not None:
            raise ValueError("give default_headers or set_default_headers, not both")
        if default_query is not None and set_default_query is not None:
            raise ValueError("give default_query or set_default_query, not both")
        headers = SecretHeaders(self._default_headers)
        if set_default_headers is not None:
            headers = SecretHeaders(set_default_headers)
        elif default_headers is not None:
            headers.update(default_headers)
        query = dict(self._default_query)
        if set_default_query is not None:
            query = dict(set_default_query)
        elif default_query is not None:
            query.update(default_query)
        new_pool = (
            base_url is not None
            or not isinstance(max_connections, NotGiven)
            or verify is not None
            or proxy is not None
            or trust_env is not None
        )
        # The provider goes on, bound by the copy's constructor to the copy's deployment
        # (`for_base_url`), as the official SDK's `copy` passes it: the constructor given
        # no credential would look in the environment again.
        inherits = api_key is None and auth_token is None and self.credentials is not None
        copy = self._construct(
            platform,
            api_key=api_key if api_key is not None else self._api_key,
            auth_token=auth_token if auth_token is not None else self._auth_token,
            base_url=base_url if base_url is not None else self._raw_base_url,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=max_retries if max_retries is not None else self.max_retries,
            default_headers=headers,
            default_query=query,
            max_connections=self._max_connections
            if isinstance(max_connections, NotGiven)
            else max_connections,
            anthropic_version=anthropic_version or self.anthropic_version,
            verify=verify if verify is not None else self._verify,
            proxy=proxy if proxy is not None else self._proxy_option,
            trust_env=trust_env if trust_env is not None else self._trust_env,
            open_telemetry=cast("OpenTelemetryOptions", self.open_telemetry)
            if open_telemetry is None
            else open_telemetry,
            middleware=self._middleware if middleware is None else middleware,
            _transport=None if new_pool else self._get_transport(),
            **({"credentials": self.credentials} if inherits else {}),
        )
        copy._explicit_timeout = self._explicit_timeout or not isinstance(timeout, NotGiven)
        copy._owns_transport = new_pool
        if inherits and base_url is None:
            # Tokens belong to the deployment that minted them: the cache is shared only
            # when the copy talks to the same one.
            copy.credentials, copy._auth = self.credentials, self._auth
        return copy

    def _construct(self, platform: Mapping[str, Any], **options: Any) -> AsyncClaude:
        """A client of this class built from constructor `options` (`with_options`'s
        copy); a platform client adds its own, with those in `platform` changed."""
        return type(self)(**options)

    @property
    def with_raw_response(self) -> AsyncClaudeWithRawResponse:
        """Every resource with methods returning an `AsyncAPIResponse` (body read)."""
        return AsyncClaudeWithRawResponse(self)

    @property
    def with_streaming_response(self) -> AsyncClaudeWithStreamedResponse:
        """Every resource with methods as `async with` blocks (body read on demand)."""
        return AsyncClaudeWithStreamedResponse(self)

    # The resources are built on first use (importing them costs start-up time) and
    # kept: fan-out code reads `client.messages` once per request.

    @property
    def messages(self) -> AsyncMessages:
        """`create`, `stream`, `count_tokens` and `batches`."""
        resource = self._messages
        if resource is None:
            from .resources import AsyncMessages

            resource = self._messages = AsyncMessages(self)
        return resource

    @property
    def models(self) -> AsyncModels:
        """`list` and `retrieve` the available models."""
        resource = self._models
        if resource is None:
            from .resources import AsyncModels

            resource = self._models = AsyncModels(self)
        return resource

    @property
    def files(self) -> AsyncFiles:
        """The Files API: `upload`, `list`, `retrieve_metadata`, `download`, `delete`."""
        resource = self._files
        if resource is None:
            from .resources import AsyncFiles

            resource = self._files = AsyncFiles(self)
        return resource

    @property
    def beta(self) -> AsyncBeta:
        """Beta features: `messages` with `betas=[...]`, `models` and `files` (the Files API)."""
        resource = self._beta
        if resource is None:
            from .resources import AsyncBeta

            resource = self._beta = AsyncBeta(self)
        return resource

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
                trust_env=self._trust_env,
                proxy=self._proxy,
            )
        return self._transport

    async def close(self) -> None:
        """Close every pooled connection. Idempotent; copies from `with_options` share it."""
        self._closed = True
        if self._transport is not None and self._owns_transport:
            await self._transport.aclose()
        if self.credentials is not None and self._owns_transport:
            from ._credentials import close_provider

            await close_provider(self.credentials)

    def is_closed(self) -> bool:
        """Whether this client's connection pool was closed (`close()`, or leaving the
        `async with` block of the client it was copied from)."""
        if self._transport is not None:
            return self._transport.is_closed
        return self._closed

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # A blocking `Claude` closes the client it wraps by itself, even when collected.
    _warn_unclosed = True

    def __del__(self) -> None:
        # Closing sockets needs the event loop, gone or busy elsewhere by now: say where the
        # leak comes from, as an unclosed file does (the sockets then warn on their own).
        state = vars(self)  # a constructor that raised leaves a half-built object behind
        transport = state.get("_transport")
        if (
            self._warn_unclosed
            and state.get("_owns_transport")
            and transport is not None
            and not transport.is_closed
            and transport.num_connections
        ):
            warnings.warn(
                f"an AsyncClaude was garbage collected unclosed with "
                f"{transport.num_connections} open connection(s) to {transport.origin}. "
                "Use `async with AsyncClaude() as client:`, or `await client.close()`.",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )

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
    ) -> Call:
        content: bytes | None = None
        if body is None and extra_body and method != "GET":
            body = {}  # as the official SDK, which sends `extra_body` alone on all but GET
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
        items = [item for key, value in params.items() for item in query_items(key, value)]
        if items:
            target += b"?" + urlencode(items).encode()
        call = Call(
            method,
            target,
            content,
            extra_headers=encode_headers("extra_headers", self._with_default_helper(extra_headers)),
            timeout=coerce_timeout(timeout, self.timeout),
            max_retries=self.max_retries,
        )
        if self._telemetry.active:
            headers = [*self._base_headers, *call.extra_headers]
            call.trace = self._telemetry.prepare(method, path, list(query or ()), content, headers)
        return call

    def _with_default_helper(self, headers: Mapping[str, str] | None) -> Mapping[str, str]:
        if not headers or self._default_helper is None:
            return headers or {}
        if not any(k.lower() == HELPER_HEADER for k in headers):
            return headers
        return with_helper(headers, self._default_helper, first=True)

    def _timeout_given(self, timeout: object) -> bool:
        return self._explicit_timeout or not isinstance(timeout, NotGiven)

    def _request_for(self, call: Call, retries_taken: int) -> Request:
        if not self._api_key and not self._auth_token and self._auth is None:
            raise ClaudeError(
                "no API key: pass api_key= to the client or set ANTHROPIC_API_KEY "
                "(or auth_token= / ANTHROPIC_AUTH_TOKEN)"
            )
        headers = self._base_headers
        extra = call.extra_headers
        if retries_taken:
            extra = [*extra, (b"x-stainless-retry-count", b"%d" % retries_taken)]
        if call.trace is not None:
            extra = [*extra, *call.trace.attempt(self._origin, call.target)]
        if extra:
            replaced = {name for name, _ in extra}
            headers = [h for h in headers if h[0] not in replaced] + extra
        if call.body is None:
            headers = [h for h in headers if h[0] != b"content-type"]
        return Request(call.method, call.target, headers, call.body or b"")

    async def _send(
        self,
        call: Call,
        accept: Callable[[Response, int], Awaitable[T]],
        *,
        deadline: float | None,
        head_timeout: float | None = None,
    ) -> T:
        """`_attempts`, with the call's span (if it has one) told how it ended: failed,
        or what `accept` made: a stream (watched to its end), an unread response (the
        caller's to read), or a read body (recorded by `_request_json`)."""
        trace = call.trace
        if trace is None:
            return await self._attempts(call, accept, deadline, head_timeout)
        try:
            result = await self._attempts(call, accept, deadline, head_timeout)
        except BaseException as exc:
            trace.fail(exc)
            raise
        if not isinstance(result, tuple):
            trace.watch(result)
        elif len(result) == 2:
            # The caller reads the body: the span ends when the response is closed.
            response = result[0]
            response.on_close = lambda: trace.done_head(response.status, response.headers)
        return result

    async def _attempts(
        self,
        call: Call,
        accept: Callable[[Response, int], Awaitable[T]],
        deadline: float | None,
        head_timeout: float | None,
    ) -> T:
        """Send `call`, retrying as the retry rules say, and return what `accept` makes of
        the first 2xx response: the one retry driver, for every request and stream.

        `accept(response, retries_taken)` runs inside the attempt (`_response.unread`
        hands the response back unread, `_response.read_whole` reads and closes it,
        `_live_streams.open_stream` waits for the first event), so an `APIConnectionError` it
        raises (a connection that breaks mid-body) is retried like a failed send; if it
        raises, it must close the response first. `head_timeout` bounds the wait for the
        response head (with `Timeout.read`).
        Raises `APIStatusError` subclasses for error statuses and redirects (after
        retries), and `APIConnectionError`/`APITimeoutError` for transport failures.
        No wait between attempts goes past `deadline`: when the next wait would, the
        last error is raised at once. Cancellation interrupts a retry sleep or an attempt
        at once and closes its connection.
        """
        from ._retry import retry_delay, should_retry

        transport = self._get_transport()
        retries_taken = 0
        error: Exception
        while True:
            request = self._request_for(call, retries_taken)
            started = time.monotonic()
            head: Mapping[str, str] | None = None  # the response's headers, once they came
            content: bytes | None = None  # the body, when a middleware read it
            sent: object = None  # what the auth hook put on the request (a token)
            in_chain = False  # an error now was raised by (or through) the middleware
            try:
                with deadline_scope(deadline, "the request's overall timeout expired"):
                    if self._middleware:
                        in_chain = True
                        response, content, sent = await self._through_middleware(
                            call, request, retries_taken, head_timeout
                        )
                        in_chain = False
                    else:
                        if self._auth is not None:
                            sent = await self._auth.apply(request)
                        response = await transport.send(
                            request, timeout=call.timeout, head_timeout=head_timeout
                        )
                    head = response.headers
                    if response.status < 300:
                        self._log_reply(call, response, started)
                        if content is None:
                            return await accept(response, retries_taken)
                        if accept is read_whole:
                            return cast(T, (response, retries_taken, content))
                        # A middleware read the body of a response this call reads
                        # itself (a stream, a download, a streaming view): served again.
                        from ._transport._reply import ReadResponse

                        served = cast("Response", ReadResponse(response, content))
                        return await accept(served, retries_taken)
                    if content is None:
                        try:
                            content = await response.aread()
                        finally:
                            await response.aclose()
            except RetryableError as exc:
                # A middleware asked for another attempt.
                if retries_taken >= call.max_retries:
                    raise
                delay = retry_delay(retries_taken, None)
                error = exc
            except APIConnectionError as exc:
                if exc.request is None:
                    exc.request = HTTPRequest.redacted(request, self._origin)
                if retries_taken >= call.max_retries or not retryable(exc, head):
                    raise
                delay = retry_delay(retries_taken, None)
                _logger().info(
                    "%s %s failed (%s); retrying in %.2fs",
                    call.method,
                    call.target.decode(),
                    type(exc).__name__,
                    delay,
                )
                error = exc
            except Exception as exc:
                # Any other error out of the middleware chain is retried as the official SDK
                # retries it: by the type of the error or of one in its `__cause__` chain
                # (an `APIStatusError` by its status, a connection failure, `RetryableError`).
                cause = _retry_cause(exc) if in_chain else None
                if cause is None or retries_taken >= call.max_retries:
                    raise
                headers = None
                if isinstance(cause, APIStatusError):
                    headers = cause.response.headers if cause.response is not None else {}
                    if not should_retry(cause.status_code, headers):
                        raise
                elif isinstance(cause, APIConnectionError) and not retryable(cause, None):
                    raise
                delay = retry_delay(retries_taken, headers)
                error = exc
            else:
                self._log_reply(call, response, started)
                status = response.status
                error = status_error = self._status_error(response, content or b"")
                # A 401 for a token drops that token; the first attempt is retried once
                # with a fresh one (as the official SDK).
                refreshed = (
                    status == 401
                    and self._auth is not None
                    and self._auth.rejected(sent)
                    and retries_taken == 0
                )
                if (
                    status < 400
                    or retries_taken >= call.max_retries
                    or not (refreshed or should_retry(status, response.headers))
                ):
                    raise status_error
                delay = retry_delay(retries_taken, response.headers)
                _logger().info(
                    "%s %s -> %d %s; retrying in %.2fs",
                    call.method,
                    call.target.decode(),
                    status,
                    status_error.type,
                    delay,
                )
            await sleep_before_retry(delay, deadline, error)
            retries_taken += 1

    @staticmethod
    def _log_reply(call: Call, response: Response, started: float) -> None:
        log = _logger()
        if log.isEnabledFor(10):  # logging.DEBUG
            log.debug(
                "%s %s -> %d in %.1f ms (request-id %s)",
                call.method,
                call.target.decode(),
                response.status,
                (time.monotonic() - started) * 1000,
                response.headers.get("request-id"),
            )

    async def _through_middleware(
        self, call: Call, request: Request, retries_taken: int, head_timeout: float | None
    ) -> tuple[Response, bytes | None, object]:
        """One attempt through the middleware chain: the response kept, its body if the
        chain read it, and what the auth hook last put on a request (as `_attempts`)."""
        from ._middleware import run_chain

        transport = self._get_transport()
        applied: list[object] = [None]

        async def send(prepared: Request) -> Response:
            # Credentials (a token, a signature) go on the request the chain sends.
            if self._auth is not None:
                applied[0] = await self._auth.apply(prepared)
            return await transport.send(prepared, timeout=call.timeout, head_timeout=head_timeout)

        response, content = await run_chain(
            self._middleware, self._path_prefix, call, request, retries_taken, send
        )
        return response, content, applied[0]

    def _status_error(self, response: Response, content: bytes) -> APIStatusError:
        return make_status_error(http_response_of(response, content), error_body(content))

    async def _request_json(self, call: Call, decode: Any, *, raw: bool = False) -> Any:
        """Send `call`, read the body and decode it; with `raw`, wrap it in an
        `AsyncAPIResponse`."""
        from ._response import AsyncAPIResponse, decode_body

        try:
            response, retries, content = await self._send(
                call, read_whole, deadline=deadline_for(call.timeout)
            )
        except ClaudeError as exc:
            if self._middleware and type(exc).__name__ == "ShortCircuit":
                return exc.value  # type: ignore[attr-defined] # a middleware's own result
            raise
        content_type = response.headers.get("content-type")
        if not content or (content_type is not None and "json" not in content_type.lower()):
            error = APIResponseValidationError(
                f"expected a JSON body, got HTTP {response.status} with content-type "
                f"{content_type or '(none)'} and "
                + (f"{len(content)} bytes" if content else "an empty body"),
                status_code=response.status,
                request_id=response.headers.get("request-id"),
                body=content[:500].decode("utf-8", "replace"),
            )
            if call.trace is not None:
                call.trace.fail(error)
            raise error
        if call.trace is not None:
            call.trace.done_json(response.status, response.headers, content)
        http_response = http_response_of(response, content)
        if raw:

            async def parse(wrapper: AsyncAPIResponse[Any]) -> Any:
                return decode_body(decode, await wrapper.read(), http_response)

            return AsyncAPIResponse(response, http_response, parse, retries_taken=retries)
        return decode_body(decode, content, http_response)


@overload
def _secret(value: str) -> SecretStr: ...
@overload
def _secret(value: str | None) -> SecretStr | None: ...
def _secret(value: str | None) -> SecretStr | None:
    # Anything but a str is left as is, for _checked_secret to refuse.
    return SecretStr(value) if isinstance(value, str) else value


def _checked_secret(argument: str, value: SecretStr | None) -> SecretStr | None:
    """`value` stripped of surrounding whitespace (a key read from a file ends in a line
    break); raises `ValueError`/`TypeError` naming `argument`, never showing the value."""
    if value is None:
        return None
    problem = secret_problem(value)
    if problem is not None:
        error = TypeError if problem.startswith("must be") else ValueError
        raise error(f"{argument} {problem}")
    return SecretStr(value.strip())


def _base_url_problem(url: str) -> str | None:
    """What makes `url` unusable as a base URL, or None. Returns rather than raises, so
    that no frame holding the URL's password is in the error's traceback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL"
    try:
        parts.port  # noqa: B018 - urlsplit checks the port range only when it is read
    except ValueError as exc:
        return f"has an invalid port ({exc})"
    return None


def _basic_auth(url: str) -> SecretBytes | None:
    """The `authorization` value the `user:password@` part of `url` stands for (HTTP
    basic auth, as httpx sends it), if it has one."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return None
    import base64
    from urllib.parse import unquote

    userinfo = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    return SecretBytes(b"Basic " + base64.b64encode(userinfo.encode()))


def _check_max_connections(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"max_connections must be an int or None, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"max_connections must be at least 1 (None: no limit), got {value}")


def _check_max_retries(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"max_retries must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"max_retries must be 0 or more, got {value}")
    return value


def _retry_cause(error: BaseException) -> ClaudeError | None:
    """The first `RetryableError`, `APIStatusError` or `APIConnectionError` in `error`'s
    `__cause__` chain (itself included), which decides whether a middleware's error is
    retried; None when there is none."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (RetryableError, APIStatusError, APIConnectionError)):
            return current
        current = current.__cause__
    return None


def retryable(error: APIConnectionError, head: Mapping[str, str] | None) -> bool:
    """False for failures another attempt cannot mend (see `_transport.final`), and for
    those after a response head (`head`, None before one came) that said not to retry."""
    from ._retry import should_retry_failure

    return not getattr(error, "_final", False) and should_retry_failure(head)


async def sleep_before_retry(delay: float, deadline: float | None, error: Exception) -> None:
    """Wait `delay` seconds before the next attempt, or raise `error` at once when that
    wait, or the wait the server asked for, would end past `deadline`."""
    if deadline is not None:
        asked = error.retry_after if isinstance(error, APIStatusError) else None
        if anyio.current_time() + max(delay, asked or 0.0) >= deadline:
            raise error
    await anyio.sleep(delay)


class AsyncClaudeWithRawResponse:
    """`client.with_raw_response`: the resources, with methods returning an
    `AsyncAPIResponse` whose body has been read."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncClaude) -> None:
        self._client = client

    @property
    def messages(self) -> AsyncMessagesWithRawResponse:
        """`client.messages.with_raw_response`."""
        return self._client.messages.with_raw_response

    @property
    def models(self) -> AsyncModelsWithRawResponse:
        """`client.models.with_raw_response`."""
        return self._client.models.with_raw_response

    @property
    def files(self) -> AsyncFilesWithRawResponse:
        """`client.files.with_raw_response`."""
        return self._client.files.with_raw_response

    @property
    def beta(self) -> AsyncBetaWithRawResponse:
        """`client.beta.with_raw_response`."""
        return self._client.beta.with_raw_response


class AsyncClaudeWithStreamedResponse:
    """`client.with_streaming_response`: the resources, with methods as `async with`
    blocks giving an `AsyncAPIResponse` whose body is read on demand."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncClaude) -> None:
        self._client = client

    @property
    def messages(self) -> AsyncMessagesWithStreamingResponse:
        """`client.messages.with_streaming_response`."""
        return self._client.messages.with_streaming_response

    @property
    def models(self) -> AsyncModelsWithStreamingResponse:
        """`client.models.with_streaming_response`."""
        return self._client.models.with_streaming_response

    @property
    def files(self) -> AsyncFilesWithStreamingResponse:
        """`client.files.with_streaming_response`."""
        return self._client.files.with_streaming_response

    @property
    def beta(self) -> AsyncBetaWithStreamingResponse:
        """`client.beta.with_streaming_response`."""
        return self._client.beta.with_streaming_response

"""What every platform client shares: no credential read from the Anthropic environment,
copies built from the platform's own constructor options, the request rerouting hook,
the user profile ID moved into the body where the platform reads it there, and the
path checks."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote

from .._client import AsyncClaude, _checked_secret
from .._request import NOT_GIVEN, Call, NotGiven
from .._secret import SecretStr
from ..resources import (
    AsyncBeta,
    AsyncBetaMessages,
    AsyncBetaMessagesWithRawResponse,
    AsyncBetaMessagesWithStreamingResponse,
    AsyncBetaWithRawResponse,
    AsyncBetaWithStreamingResponse,
)

if TYPE_CHECKING:
    import ssl
    from collections.abc import Sequence
    from typing import TypedDict

    from typing_extensions import Self

    from .._http import Timeout
    from .._middleware import MiddlewareInput
    from .._tracing import OpenTelemetryClientOption
    from .._transport import AsyncTransport

    class TransportOptions(TypedDict, total=False):
        """The keyword-only options every client takes as `AsyncClaude` does."""

        max_connections: int | None
        anthropic_version: str
        verify: bool | ssl.SSLContext
        proxy: str | None
        trust_env: bool
        open_telemetry: OpenTelemetryClientOption
        middleware: Sequence[MiddlewareInput] | None

    class ClientOptions(TransportOptions, total=False):
        """`TransportOptions`, and the four the official SDK's clients also take."""

        timeout: float | Timeout | NotGiven | None
        max_retries: int
        default_headers: Mapping[str, str] | None
        default_query: Mapping[str, object] | None

    class _Shared(TypedDict, total=False):
        # A copy's pool, shared with the client it came from (`with_options`).
        _transport: AsyncTransport | None

    class AsyncTransportOptions(TransportOptions, _Shared, total=False):
        """`TransportOptions` of an async client."""

    class AsyncClientOptions(ClientOptions, _Shared, total=False):
        """`ClientOptions` of an async client."""

    class CopyOptions(TypedDict, total=False):
        """What `with_options` changes besides the platform's own options (see
        `AsyncClaude.with_options`)."""

        base_url: str | None
        timeout: float | Timeout | NotGiven | None
        max_retries: int | None
        default_headers: Mapping[str, str] | None
        set_default_headers: Mapping[str, str] | None
        default_query: Mapping[str, object] | None
        set_default_query: Mapping[str, object] | None
        max_connections: int | NotGiven | None
        verify: bool | ssl.SSLContext | None
        proxy: str | None
        trust_env: bool | None
        open_telemetry: OpenTelemetryClientOption
        middleware: Sequence[MiddlewareInput] | None


__all__ = (
    "USER_PROFILE_HEADER",
    "MessagesOnlyBeta",
    "MessagesOnlyClient",
    "PlatformClient",
    "Unserved",
    "checked_key",
    "env",
    "given",
    "path_segment",
    "secret_or_none",
)

_DOT_SEGMENT = re.compile(r"^(?:\.|%2[eE]){1,2}$")
USER_PROFILE_HEADER = "anthropic-user-profile-id"


class PlatformClient(AsyncClaude):
    """An `AsyncClaude` whose credentials are the platform's: it never reads
    `ANTHROPIC_API_KEY`/`ANTHROPIC_AUTH_TOKEN` or a profile, and its copies
    (`with_options`) are built from its own constructor options."""

    _discover_credentials = False
    # The platform, as error messages name it.
    _platform_name = "this platform"
    # The blocking twin's class when this client runs inside one (`_sync_platforms` sets
    # it): error messages name the client the user holds.
    _twin_name: str | None = None
    # The platform constructor's own arguments (credentials as SecretStr), for copies.
    _platform_options: dict[str, Any]
    # Whether the base URL was derived (from a region): a copy derives its own.
    _derived_url: bool

    def _construct(self, platform: Mapping[str, Any], **options: Any) -> AsyncClaude:
        del options["api_key"], options["auth_token"]
        if self._derived_url and options["base_url"] == self._raw_base_url:
            options["base_url"] = None
        return type(self)(**{**self._platform_options, **platform}, **options)

    def _copy(self, platform: Mapping[str, Any], options: CopyOptions) -> Self:
        """`with_options`: a copy with the `platform` options (those given) and `options`
        changed. Raises what the constructor raises."""
        copy = self._with_options(platform, **options)
        assert isinstance(copy, type(self))
        return copy

    # The API routes (POST paths, as the resources call them) on which the platform reads
    # the user profile ID from the body instead of the `anthropic-user-profile-id` header:
    # the header (per request, or a default one) moves there, as the official SDK moves it.
    _profile_in_body: frozenset[str] = frozenset()

    def _build_base_headers(self) -> list[tuple[bytes, bytes]]:
        headers = super()._build_base_headers()
        if self._profile_in_body:
            # A default user profile header is placed per request, by `_call`.
            headers = [h for h in headers if h[0] != USER_PROFILE_HEADER.encode()]
        return headers

    def _route(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        extra_headers: Mapping[str, str] | None,
    ) -> tuple[str, Mapping[str, Any] | None]:
        """The platform's path and body for an API call (the API's own by default).
        Raises `ClaudeError` for what the platform lacks, `ValueError` for what cannot be
        a path segment, before any I/O."""
        return path, body

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
        if self._profile_in_body:
            body, extra_headers = self._place_user_profile(method, path, body, extra_headers)
        route, payload = self._route(method, path, body, extra_headers)
        call = super()._call(
            method,
            route,
            body=payload,
            query=query,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        if route != path and self._telemetry.active:
            # The span is the API call's (its route, the body as the caller gave it), as
            # the official SDK's; its URL is the platform's, set per attempt.
            content = None
            if body is not None:
                from ..types import encode_json

                given_body = {**body, **(extra_body or {})}
                content = encode_json(
                    {
                        k: v
                        for k, v in given_body.items()
                        if v is not None and not isinstance(v, NotGiven)
                    }
                )
            headers = [*self._base_headers, *call.extra_headers]
            call.trace = self._telemetry.prepare(method, path, list(query or ()), content, headers)
        return call

    def _place_user_profile(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        extra_headers: Mapping[str, str] | None,
    ) -> tuple[Mapping[str, Any] | None, Mapping[str, str] | None]:
        """The request's user profile ID (its header, else the default one) as
        `user_profile_id` in the body on `_profile_in_body` routes, else as the header."""
        headers = dict(extra_headers or {})
        named = [name for name in headers if name.lower() == USER_PROFILE_HEADER]
        value = headers.pop(named[-1]) if named else None
        for name in named:
            headers.pop(name, None)
        if value is None:
            value = next(
                (v for k, v in self._default_headers.items() if k.lower() == USER_PROFILE_HEADER),
                None,
            )
            if value is None:
                return body, extra_headers
        if method == "POST" and path in self._profile_in_body and body is not None:
            # A body never holds `user_profile_id` here (the argument is the header); an
            # `extra_body` value still wins, merged after this.
            return {**body, "user_profile_id": value}, headers
        return body, {**headers, USER_PROFILE_HEADER: value}


class Unserved:
    """An API the platform does not serve, absent as on the official client: reading the
    attribute raises `AttributeError` (so `hasattr` is False) naming the client and the
    API."""

    __slots__ = ("_api", "_name", "_under")

    def __init__(self, api: str, *, under: str = "") -> None:
        self._api = api
        self._under = under
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, obj: object, owner: type | None = None) -> NoReturn:
        path = f"{self._under}.{self._name}" if self._under else self._name
        if obj is None:
            raise AttributeError(
                f"type object {getattr(owner, '__name__', owner)!r} has no `{path}`"
            )
        client = obj
        # A resource holds its client (`_client`, or its implementation's); a blocking
        # twin, and its resources, an async one (`_async`). The client tells the platform
        # and its name, or its blocking twin's.
        for _ in range(4):
            if isinstance(client, PlatformClient):
                break
            client = (
                getattr(client, "_client", None)
                or getattr(client, "_impl", None)
                or getattr(client, "_async", None)
            )
        if isinstance(client, PlatformClient):
            named = client._twin_name or type(client).__name__
        else:
            named = type(obj).__name__
        platform = getattr(client, "_platform_name", "this platform")
        raise AttributeError(
            f"{named} has no `{path}`: {platform} does not serve the {self._api}",
            name=self._name,
            obj=obj,
        )


class _BatchlessBetaMessagesWithRawResponse(AsyncBetaMessagesWithRawResponse):
    __slots__ = ()

    batches = Unserved("Batch API", under="beta.messages.with_raw_response")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]


class _BatchlessBetaMessagesWithStreamingResponse(AsyncBetaMessagesWithStreamingResponse):
    __slots__ = ()

    batches = Unserved("Batch API", under="beta.messages.with_streaming_response")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]


class BatchlessBetaMessages(AsyncBetaMessages):
    """`client.beta.messages` without `batches`, as the official client of a platform
    whose beta Messages API has no Batch API."""

    __slots__ = ()

    batches = Unserved("Batch API", under="beta.messages")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]

    @property
    def with_raw_response(self) -> AsyncBetaMessagesWithRawResponse:
        """The same methods, returning an `AsyncAPIResponse` (no `batches`)."""
        return _BatchlessBetaMessagesWithRawResponse(self._client)

    @property
    def with_streaming_response(self) -> AsyncBetaMessagesWithStreamingResponse:
        """The same methods as `async with` blocks (no `batches`)."""
        return _BatchlessBetaMessagesWithStreamingResponse(self._client)


def _beta_messages(client: object) -> type[AsyncBetaMessages]:
    return AsyncBetaMessages if getattr(client, "_beta_batches", True) else BatchlessBetaMessages


class _MessagesOnlyBetaWithRawResponse(AsyncBetaWithRawResponse):
    __slots__ = ()

    files = Unserved("Files API", under="beta.with_raw_response")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]
    models = Unserved("Models API", under="beta.with_raw_response")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]

    @property
    def messages(self) -> AsyncBetaMessagesWithRawResponse:
        """`beta.messages`, returning `AsyncAPIResponse`s."""
        return _beta_messages(self._client)(self._client).with_raw_response


class _MessagesOnlyBetaWithStreamingResponse(AsyncBetaWithStreamingResponse):
    __slots__ = ()

    files = Unserved("Files API", under="beta.with_streaming_response")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]
    models = Unserved("Models API", under="beta.with_streaming_response")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]

    @property
    def messages(self) -> AsyncBetaMessagesWithStreamingResponse:
        """`beta.messages`, as `async with` blocks."""
        return _beta_messages(self._client)(self._client).with_streaming_response


class MessagesOnlyBeta(AsyncBeta):
    """`client.beta` on a platform serving only the Messages API: `messages` (with
    `batches` where the platform's official client has them), no `files` or `models`."""

    __slots__ = ()

    files = Unserved("Files API", under="beta")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]
    models = Unserved("Models API", under="beta")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]

    @property
    def messages(self) -> AsyncBetaMessages:
        """`create`, `stream` and `count_tokens`, taking `betas=[...]`."""
        return _beta_messages(self._client)(self._client)

    @property
    def with_raw_response(self) -> AsyncBetaWithRawResponse:
        """`messages` returning an `AsyncAPIResponse` (headers, status, `parse()`)."""
        return _MessagesOnlyBetaWithRawResponse(self._client)

    @property
    def with_streaming_response(self) -> AsyncBetaWithStreamingResponse:
        """`messages` as `async with` blocks giving an unread response."""
        return _MessagesOnlyBetaWithStreamingResponse(self._client)


class MessagesOnlyClient(PlatformClient):
    """A platform client serving the Messages API alone, as the official SDK's: no
    `models` or `files` (nor `beta.models`/`beta.files`; `beta.messages.batches` only
    where `_beta_batches`). Reading one raises `AttributeError`."""

    # Whether `beta.messages` has `batches` (the official client's shape).
    _beta_batches = False
    # The official SDK's message threads need the Claude API's own thread store.
    _supports_message_threads = False

    models = Unserved("Models API")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]
    files = Unserved("Files API")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]

    @property
    def beta(self) -> MessagesOnlyBeta:
        """Beta features: `messages` with `betas=[...]` (no `models` or `files`)."""
        resource = self._beta
        if not isinstance(resource, MessagesOnlyBeta):
            resource = self._beta = MessagesOnlyBeta(self)
        return resource


def env(name: str) -> str | None:
    """The environment variable `name`, None when unset (an empty value counts, as in
    the official SDK's `os.environ.get`)."""
    return os.environ.get(name)


def secret_or_none(value: str | None) -> SecretStr | None:
    return None if value is None else SecretStr(value)


def checked_key(argument: str, value: SecretStr | None) -> SecretStr | None:
    """`value` stripped, or `ValueError`/`TypeError` naming `argument` (never showing the
    value): the check `AsyncClaude` makes of its own key, under the platform's name."""
    return _checked_secret(argument, value)


def path_segment(name: str, value: object) -> str:
    """`value` percent-encoded for one path segment (RFC 3986 `pchar` kept), as the
    official SDK's path templates; raises `ValueError` naming `name` for an empty value,
    a dot-segment, or one that starts with `;`."""
    text = str(value)
    if text == "":
        raise ValueError(f"Expected a non-empty value for `{name}` but received {value!r}")
    quoted = quote(text, safe="!$&'()*+,;=:@")
    if _DOT_SEGMENT.match(quoted.partition(";")[0]) or quoted.startswith(";"):
        raise ValueError(f"`{name}` {value!r} cannot be a path segment")
    return quoted


def given(**values: object) -> dict[str, object]:
    """The keyword arguments that are not None (what a `with_options` call changes)."""
    return {name: value for name, value in values.items() if value is not None}

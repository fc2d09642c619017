"""The blocking twins of the platform clients: a `Claude` whose async client is the
platform's (same resources, streams, errors and background thread)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._client import DEFAULT_MAX_RETRIES, AsyncClaude, _secret
from ._platforms._common import PlatformClient, Unserved
from ._request import NOT_GIVEN, NotGiven
from ._sync import Claude, Messages, _Portal
from ._sync_beta import Beta, BetaMessages

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from ._http import Timeout
    from ._platforms._common import ClientOptions, TransportOptions

__all__ = (
    "AnthropicAWS",
    "AnthropicBedrock",
    "AnthropicBedrockMantle",
    "AnthropicFoundry",
    "AnthropicGoogleCloud",
    "AnthropicVertex",
)


class _Forwarded:
    """An attribute of a blocking twin that is its async client's (the platform's region,
    project, keys, ...: the official clients have them)."""

    __slots__ = ("_name",)

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, client: Claude | None, owner: type | None = None) -> Any:
        if client is None:
            return self
        return getattr(client._async, self._name)


class _PlatformTwin(Claude):
    """A `Claude` over a platform client built by the subclass."""

    def _start(
        self, client_class: type[AsyncClaude], backend: str, *args: Any, **options: Any
    ) -> None:
        """Build the async client from the blocking twin's arguments (the blocking
        `middleware` checked as `Claude` checks it) and its background event loop."""
        self._middleware: tuple[Any, ...] = ()
        middleware = options.pop("middleware", None)
        if middleware is not None:
            from ._middleware import checked

            self._middleware = checked(middleware, blocking=True)
        client = self._async = client_class(*args, middleware=self._async_middleware(), **options)
        self._adopt(client)
        self._portal = _Portal(backend, client.close)
        self._owns_portal = True

    def with_options(self, **options: Any) -> Self:
        """A copy with some settings changed, sharing the background thread; the options
        are the async client's `with_options` (`middleware` the blocking kind, as for
        `Claude`). Raises what it raises."""
        options = _secrets(options)  # first: this frame's locals show up in tracebacks
        copy = object.__new__(type(self))
        copy._portal = self._portal
        copy._middleware = self._middleware
        middleware = options.pop("middleware", None)
        if middleware is not None:
            from ._middleware import checked

            copy._middleware = checked(middleware, blocking=True)
            options["middleware"] = copy._async_middleware() or []
        copy._async = self._async.with_options(**options)
        self._adopt(copy._async)
        copy._owns_portal = False
        return copy

    def _adopt(self, client: AsyncClaude) -> None:
        """Make `client` this twin's own: closed with it (no unclosed warning of its own),
        and named as the twin in its errors."""
        client._warn_unclosed = False
        if isinstance(client, PlatformClient):
            client._twin_name = type(self).__name__

    copy = with_options

    def __repr__(self) -> str:
        inner = self.__dict__.get("_async")
        name = type(self).__name__
        return f"{name}()" if inner is None else repr(inner).replace(type(inner).__name__, name, 1)


class AnthropicBedrock(_PlatformTwin):
    """The blocking twin of `AsyncAnthropicBedrock` (same arguments, plus `backend`: the
    background event loop's, asyncio or trio). Raises what it raises."""

    def __init__(
        self,
        aws_secret_key: str | None = None,
        aws_access_key: str | None = None,
        aws_region: str | None = None,
        aws_profile: str | None = None,
        aws_session_token: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        *,
        backend: str = "asyncio",
        **options: Unpack[TransportOptions],
    ) -> None:
        # Wrapped first thing: this frame's locals show up in tracebacks that capture them.
        aws_secret_key, aws_access_key = _secret(aws_secret_key), _secret(aws_access_key)
        aws_session_token, api_key = _secret(aws_session_token), _secret(api_key)
        from ._platforms._bedrock import AsyncAnthropicBedrock

        self._start(
            AsyncAnthropicBedrock,
            backend,
            aws_secret_key,
            aws_access_key,
            aws_region,
            aws_profile,
            aws_session_token,
            api_key,
            base_url,
            timeout,
            max_retries,
            default_headers,
            default_query,
            **options,
        )

    aws_access_key = _Forwarded()
    aws_secret_key = _Forwarded()
    aws_session_token = _Forwarded()
    aws_region = _Forwarded()
    aws_profile = _Forwarded()
    # As the official client: the platform serves neither.
    models = Unserved("Models API")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]
    files = Unserved("Files API")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]


class AnthropicVertex(_PlatformTwin):
    """The blocking twin of `AsyncAnthropicVertex` (same arguments, plus `backend`: the
    background event loop's, asyncio or trio). Raises what it raises."""

    def __init__(
        self,
        *,
        region: str | NotGiven = NOT_GIVEN,
        project_id: str | NotGiven = NOT_GIVEN,
        access_token: str | None = None,
        credentials: Any = None,
        base_url: str | None = None,
        backend: str = "asyncio",
        **options: Unpack[ClientOptions],
    ) -> None:
        access_token = _secret(access_token)
        from ._platforms._vertex import AsyncAnthropicVertex

        self._start(
            AsyncAnthropicVertex,
            backend,
            region=region,
            project_id=project_id,
            access_token=access_token,
            credentials=credentials,
            base_url=base_url,
            **options,
        )

    region = _Forwarded()
    project_id = _Forwarded()
    access_token = _Forwarded()
    google_credentials = _Forwarded()
    # As the official client: the platform serves neither.
    models = Unserved("Models API")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]
    files = Unserved("Files API")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]


class AnthropicFoundry(_PlatformTwin):
    """The blocking twin of `AsyncAnthropicFoundry` (same arguments, plus `backend`: the
    background event loop's, asyncio or trio). `azure_ad_token_provider` is called in a
    worker thread. Raises what it raises."""

    def __init__(
        self,
        *,
        resource: str | None = None,
        api_key: str | None = None,
        azure_ad_token_provider: Callable[[], str] | None = None,
        base_url: str | None = None,
        backend: str = "asyncio",
        **options: Unpack[ClientOptions],
    ) -> None:
        api_key = _secret(api_key)
        from ._platforms._foundry import AsyncAnthropicFoundry

        self._start(
            AsyncAnthropicFoundry,
            backend,
            resource=resource,
            api_key=api_key,
            azure_ad_token_provider=azure_ad_token_provider,
            base_url=base_url,
            **options,
        )

    @property
    def models(self) -> None:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        """None: Foundry serves no Models API (as the official SDK)."""
        return None

    @property
    def messages(self) -> _FoundryMessages:
        """`create`, `stream` and `count_tokens`, blocking (`batches` is None)."""
        return _FoundryMessages(self._portal, self._async.messages)

    @property
    def beta(self) -> _FoundryBeta:
        """Beta features, blocking (`messages.batches` is None)."""
        return _FoundryBeta(self._portal, self._async.beta)


class _FoundryMessages(Messages):
    __slots__ = ()

    @property
    def batches(self) -> None:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        """None: Foundry serves no Batch API (as the official SDK)."""
        return None


class _FoundryBetaMessages(BetaMessages):
    __slots__ = ()

    @property
    def batches(self) -> None:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        """None: Foundry serves no Batch API (as the official SDK)."""
        return None


class _FoundryBeta(Beta):
    __slots__ = ()

    @property
    def messages(self) -> _FoundryBetaMessages:
        """`create`, `stream` and `count_tokens`, taking `betas=[...]` (no `batches`)."""
        return _FoundryBetaMessages(self._portal, self._async.messages)


class AnthropicAWS(_PlatformTwin):
    """The blocking twin of `AsyncAnthropicAWS` (same arguments, plus `backend`: the
    background event loop's, asyncio or trio). Raises what it raises."""

    aws_access_key = _Forwarded()
    aws_secret_key = _Forwarded()
    aws_session_token = _Forwarded()
    aws_region = _Forwarded()
    aws_profile = _Forwarded()
    skip_auth = _Forwarded()
    workspace_id = _Forwarded()

    def __init__(self, *, backend: str = "asyncio", **options: Any) -> None:
        options = _secrets(options)  # first: this frame's locals show up in tracebacks
        from ._platforms._aws import AsyncAnthropicAWS

        self._start(AsyncAnthropicAWS, backend, **options)


class AnthropicBedrockMantle(_PlatformTwin):
    """The blocking twin of `AsyncAnthropicBedrockMantle` (same arguments, plus `backend`:
    the background event loop's, asyncio or trio). Raises what it raises."""

    aws_access_key = _Forwarded()
    aws_secret_key = _Forwarded()
    aws_session_token = _Forwarded()
    aws_region = _Forwarded()
    aws_profile = _Forwarded()
    skip_auth = _Forwarded()
    # As the official client: the platform serves neither.
    models = Unserved("Models API")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]
    files = Unserved("Files API")  # pyright: ignore[reportAssignmentType, reportIncompatibleMethodOverride]

    def __init__(self, *, backend: str = "asyncio", **options: Any) -> None:
        options = _secrets(options)  # first: this frame's locals show up in tracebacks
        from ._platforms._aws import AsyncAnthropicBedrockMantle

        self._start(AsyncAnthropicBedrockMantle, backend, **options)


class AnthropicGoogleCloud(_PlatformTwin):
    """The blocking twin of `AsyncAnthropicGoogleCloud` (same arguments, plus `backend`:
    the background event loop's, asyncio or trio). Raises what it raises."""

    project = _Forwarded()
    location = _Forwarded()
    workspace_id = _Forwarded()
    google_credentials = _Forwarded()

    def __init__(self, *, backend: str = "asyncio", **options: Any) -> None:
        from ._platforms._google_cloud import AsyncAnthropicGoogleCloud

        self._start(AsyncAnthropicGoogleCloud, backend, **options)


def _secrets(options: dict[str, Any]) -> dict[str, Any]:
    """`options` with the credential arguments wrapped, so no repr shows them."""
    names = ("api_key", "aws_access_key", "aws_secret_key", "aws_session_token", "access_token")
    return {k: _secret(v) if k in names else v for k, v in options.items()}

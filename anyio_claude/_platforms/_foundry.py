"""`AsyncAnthropicFoundry`: Claude through Microsoft Foundry (Azure AI), whose endpoint
serves the API's own paths under `https://{resource}.services.ai.azure.com/anthropic/`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .._errors import ClaudeError
from .._platform_auth import BearerProviderAuth
from .._secret import SecretBytes
from ..resources import AsyncBeta, AsyncBetaMessages, AsyncMessages
from ._common import PlatformClient, checked_key, env, given, secret_or_none

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from ._common import AsyncClientOptions, CopyOptions

__all__ = (
    "AsyncAnthropicFoundry",
    "AsyncAzureADTokenProvider",
    "AzureADTokenProvider",
    "FoundryBeta",
    "FoundryBetaMessages",
    "FoundryMessages",
)

AzureADTokenProvider = Callable[[], str]
AsyncAzureADTokenProvider = Callable[[], "str | Awaitable[str]"]


class FoundryMessages(AsyncMessages):
    """`client.messages` on Foundry: `batches` is None (Foundry serves no Batch API),
    as in the official SDK."""

    __slots__ = ()

    @property
    def batches(self) -> None:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        """None: Foundry serves no Batch API."""
        return None


class FoundryBetaMessages(AsyncBetaMessages):
    """`client.beta.messages` on Foundry: `batches` is None, as in the official SDK."""

    __slots__ = ()

    @property
    def batches(self) -> None:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        """None: Foundry serves no Batch API."""
        return None


class FoundryBeta(AsyncBeta):
    """`client.beta` on Foundry, whose `messages` has no `batches`."""

    __slots__ = ()

    @property
    def messages(self) -> FoundryBetaMessages:
        """`create`, `stream` and `count_tokens`, taking `betas=[...]` (no `batches`)."""
        return FoundryBetaMessages(self._client)


class AsyncAnthropicFoundry(PlatformClient):
    """An async client for Claude on Microsoft Foundry (asyncio and trio).

    `api_key` (else `ANTHROPIC_FOUNDRY_API_KEY`) is sent as `x-api-key` and `api-key`;
    an `azure_ad_token_provider` (an Entra ID token provider, e.g. azure-identity's
    `get_bearer_token_provider(...)`, sync or async) wins over it and is called for each
    attempt, as `Authorization: Bearer` (a sync one in a worker thread). `resource`
    (else `ANTHROPIC_FOUNDRY_RESOURCE`) names the endpoint, unless `base_url` (else
    `ANTHROPIC_FOUNDRY_BASE_URL`) gives it.

    As in the official SDK, `models` and `messages.batches` (and `beta.messages.batches`)
    are None: Foundry serves neither. Raises before any I/O: `ClaudeError` without
    credentials, `ValueError` without a resource or base URL, or with both. The
    transport options, errors, retries, timeouts and lifetime are `AsyncClaude`'s.
    """

    _otel_platform = "foundry"

    def __init__(
        self,
        *,
        resource: str | None = None,
        api_key: str | None = None,
        azure_ad_token_provider: AsyncAzureADTokenProvider | None = None,
        base_url: str | None = None,
        **options: Unpack[AsyncClientOptions],
    ) -> None:
        api_key = secret_or_none(
            api_key if api_key is not None else env("ANTHROPIC_FOUNDRY_API_KEY")
        )
        api_key = checked_key("api_key", api_key)
        if resource is None and base_url is None:
            resource = env("ANTHROPIC_FOUNDRY_RESOURCE")
        base_url = base_url if base_url is not None else env("ANTHROPIC_FOUNDRY_BASE_URL")
        if api_key is None and azure_ad_token_provider is None:
            raise ClaudeError(
                "Missing credentials. Please pass one of `api_key`, `azure_ad_token_provider`, "
                "or the `ANTHROPIC_FOUNDRY_API_KEY` environment variable."
            )
        if base_url is None:
            if resource is None:
                raise ValueError(
                    "Must provide one of the `base_url` or `resource` arguments, or the "
                    "`ANTHROPIC_FOUNDRY_RESOURCE` environment variable"
                )
            base_url = f"https://{resource}.services.ai.azure.com/anthropic/"
        elif resource is not None:
            raise ValueError("base_url and resource are mutually exclusive")
        self._platform_options = {
            "api_key": api_key,
            "azure_ad_token_provider": azure_ad_token_provider,
        }
        self._derived_url = False
        # The provider wins: the key is then not sent at all.
        self._foundry_key = api_key if azure_ad_token_provider is None else None
        super().__init__(api_key=self._foundry_key, base_url=base_url, **options)
        if azure_ad_token_provider is not None:
            self._auth = BearerProviderAuth(
                azure_ad_token_provider, argument="azure_ad_token_provider"
            )

    @property
    def models(self) -> None:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        """None: Foundry serves no Models API (as the official SDK)."""
        return None

    @property
    def messages(self) -> FoundryMessages:
        """`create`, `stream` and `count_tokens` (`batches` is None)."""
        resource = self._messages
        if not isinstance(resource, FoundryMessages):
            resource = self._messages = FoundryMessages(self)
        return resource

    @property
    def beta(self) -> FoundryBeta:
        """Beta features: `messages` with `betas=[...]` (no `batches`), `models`, `files`."""
        resource = self._beta
        if not isinstance(resource, FoundryBeta):
            resource = self._beta = FoundryBeta(self)
        return resource

    @property
    def auth_headers(self) -> dict[str, str]:
        """`AsyncClaude.auth_headers`, with the key's `api-key` twin."""
        headers = super().auth_headers
        if self._foundry_key is not None:
            headers["api-key"] = self._foundry_key
        return headers

    def _build_base_headers(self) -> list[tuple[bytes, bytes]]:
        headers = super()._build_base_headers()
        key = getattr(self, "_foundry_key", None)
        if key is not None:
            # Foundry reads `x-api-key`; `api-key` is sent too, for older deployments.
            headers.append((b"api-key", SecretBytes(key.encode())))
        return headers

    def with_options(  # type: ignore[override]  # the platform's credentials, not api keys
        self,
        *,
        api_key: str | None = None,
        azure_ad_token_provider: AsyncAzureADTokenProvider | None = None,
        **options: Unpack[CopyOptions],
    ) -> Self:
        """A copy with some settings changed (see `AsyncClaude.with_options`). Raises
        what the constructor raises."""
        api_key = secret_or_none(api_key)  # out of this frame's locals' reprs
        return self._copy(
            given(api_key=api_key, azure_ad_token_provider=azure_ad_token_provider), options
        )

    copy = with_options  # type: ignore[assignment]

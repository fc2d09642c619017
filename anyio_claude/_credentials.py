"""Access-token credentials: providers, the token cache, and the resolution chain.

The official SDK's `credentials=` model, async-native. A provider is a callable returning
an `AccessToken` (sync or `async def`); calling it again is how a token is refreshed. The
client wraps it in a `TokenCache`, which serves the cached token, refreshes it before it
expires (an advisory window, where a failed refresh keeps serving the old token, then a
mandatory one, where it raises), runs one refresh at a time for every concurrent request,
and drops only the token a 401 rejected. Sync providers run in a worker thread, so file
reads and blocking calls never stall the event loop.

`WorkloadIdentityCredentials` exchanges an external OIDC JWT (a Kubernetes projected
service-account token, a CI job's identity token) for an access token at the API's
`/v1/oauth/token` (RFC 7523 `jwt-bearer`); `CredentialsFile` reads a profile under the
config directory; `default_credentials` walks the environment as the official SDK does.

Tokens never appear in a repr, a log line or an exception: `AccessToken`'s repr shows at
most the last four characters, token values travel as `SecretStr`, and token-endpoint
error bodies are cut to the OAuth error fields.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import pathlib
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Union, runtime_checkable
from urllib.parse import urlsplit

import anyio
import msgspec

from ._errors import ClaudeError, CredentialsError, IdentityTokenFileError, WorkloadIdentityError
from ._secret import SecretBytes, SecretStr

if TYPE_CHECKING:
    from ._http import Request
    from ._transport import AsyncTransport

__all__ = (
    "AccessToken",
    "AccessTokenProvider",
    "AsyncAccessTokenProvider",
    "BaseURLBoundProvider",
    "CredentialResult",
    "CredentialsFile",
    "EnvToken",
    "IdentityTokenFile",
    "IdentityTokenProvider",
    "InMemoryConfig",
    "StaticToken",
    "TokenCache",
    "WorkloadIdentityCredentials",
    "WorkloadIdentityError",
    "default_credentials",
    "exchange_federation_assertion",
)

logger = logging.getLogger("anyio_claude")

# Facts from the official SDK (lib/credentials/_constants.py).
TOKEN_ENDPOINT = "/v1/oauth/token"
GRANT_TYPE_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_TYPE_REFRESH_TOKEN = "refresh_token"
OAUTH_API_BETA = "oauth-2025-04-20"
FEDERATION_BETA = "oidc-federation-2026-04-01"
TOKEN_EXCHANGE_TIMEOUT = 30.0
ADVISORY_REFRESH_SECONDS = 120
MANDATORY_REFRESH_SECONDS = 30
ADVISORY_REFRESH_BACKOFF_SECONDS = 5
DEFAULT_PROFILE = "default"
DEFAULT_BASE_URL = "https://api.anthropic.com"
AUTH_TYPE_OIDC_FEDERATION = "oidc_federation"
AUTH_TYPE_USER_OAUTH = "user_oauth"
CREDENTIALS_FILE_TYPE = "oauth_token"
CREDENTIALS_FILE_VERSION = "1.0"
_MAX_ERROR_BODY_CHARS = 256
_MAX_ASSERTION_BYTES = 16 * 1024
_MAX_TOKEN_RESPONSE_BYTES = 1 << 20


@dataclass(frozen=True)
class AccessToken:
    """An access token and when it expires (unix seconds).

    `expires_at=None` never expires; exactly `0` means the provider caches by itself, so
    the client asks it before every request. The repr shows at most the last four
    characters of the token.
    """

    token: str
    expires_at: int | None = None

    def __repr__(self) -> str:
        token = str(self.token)  # a repr must not raise, whatever a provider returned
        masked = f"...{token[-4:]}" if len(token) >= 12 else "**********"
        return f"AccessToken(token='{masked}', expires_at={self.expires_at!r})"


class AccessTokenProvider(Protocol):
    """A callable returning an `AccessToken`; `force_refresh=True` (after a 401) asks it
    not to serve a token it cached itself."""

    def __call__(self, *, force_refresh: bool = False) -> AccessToken: ...


class AsyncAccessTokenProvider(Protocol):
    """The `async def` twin of `AccessTokenProvider`, awaited on the event loop."""

    async def __call__(self, *, force_refresh: bool = False) -> AccessToken: ...


@runtime_checkable
class BaseURLBoundProvider(Protocol):
    """A provider whose token exchange must target the client's own deployment: the
    client calls `for_base_url(base_url)` once and uses the provider it returns."""

    def for_base_url(self, base_url: str) -> Any:
        """The provider a client with `base_url` exchanges through (self, or a copy)."""
        ...


# Returns the raw external JWT (the `identity_token_provider` of WorkloadIdentityCredentials).
IdentityTokenProvider = Callable[[], str]
AnyProvider = Union[AccessTokenProvider, AsyncAccessTokenProvider]


@dataclass(frozen=True)
class CredentialResult:
    """What `default_credentials` found: the `provider`, headers to send on every request
    (`anthropic-workspace-id` from a profile), and the profile's `base_url`, if it pins one
    (used only when the client was given none)."""

    provider: AnyProvider
    extra_headers: dict[str, str] = field(default_factory=dict[str, str])
    base_url: str | None = None


def is_async_provider(provider: object) -> bool:
    """An `async def` function, an object whose `__call__` is one, or a partial of either."""
    while isinstance(provider, functools.partial):
        provider = provider.func  # pyright: ignore[reportUnknownMemberType]
    return inspect.iscoroutinefunction(provider) or inspect.iscoroutinefunction(
        getattr(provider, "__call__", None)  # noqa: B004 - a bound __call__, not callability
    )


def _accepts_force_refresh(provider: Callable[..., object]) -> bool:
    try:
        parameters = inspect.signature(provider).parameters.values()
    except (TypeError, ValueError):
        return True  # no signature to read (some C callables): assume the contract
    return any(p.name == "force_refresh" or p.kind is p.VAR_KEYWORD for p in parameters)


# ------------------------------------------------------------------------ environment


def _config_dir() -> pathlib.Path:
    env = os.environ.get("ANTHROPIC_CONFIG_DIR")
    if env:
        return pathlib.Path(env)
    if sys.platform == "win32":  # pragma: no cover - the tests run on POSIX
        appdata = os.environ.get("APPDATA")
        base = pathlib.Path(appdata) if appdata else pathlib.Path.home() / "AppData" / "Roaming"
        return base / "Anthropic"
    return pathlib.Path.home() / ".config" / "anthropic"


def _active_config_pointer() -> str | None:
    try:
        name = (_config_dir() / "active_config").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None


def _check_profile_name(profile: str, source: str) -> None:
    """Profile names become file names: refuse any that could leave the config dir."""
    problem = None
    if not profile:
        problem = "must not be empty"
    elif profile != profile.strip():
        problem = "has leading or trailing whitespace"
    elif profile.startswith("."):
        problem = "must not start with a dot"
    elif "/" in profile or "\\" in profile or os.sep in profile:
        problem = "must not contain path separators"
    elif "\x00" in profile:
        problem = "must not contain null bytes"
    if problem is not None:
        raise CredentialsError(f"{source} {profile!r} {problem}")


def _active_profile() -> str:
    env = os.environ.get("ANTHROPIC_PROFILE")
    if env:
        _check_profile_name(env, "ANTHROPIC_PROFILE")
        return env
    name = _active_config_pointer()
    if name is None:
        return DEFAULT_PROFILE
    _check_profile_name(name, "the active_config pointer file's profile")
    return name


def _under_config_dir(*parts: str) -> pathlib.Path:
    base = _config_dir()
    candidate = base.joinpath(*parts)
    try:
        candidate.resolve().relative_to(base.resolve())
    except ValueError:
        raise CredentialsError(f"{candidate} escapes the config directory {base}") from None
    return candidate


def require_https(url: str, what: str) -> None:
    """Token endpoints carry secrets: refuse any but https (http only to localhost)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return
    shown = "the URL is left out: it may hold a password" if "@" in url else f"got {url!r}"
    raise CredentialsError(
        f"{what} must use https ({shown}); the token exchange carries secret material"
    )


def _identity_token_path(path: str | os.PathLike[str] | None) -> pathlib.Path | None:
    if path is not None:
        return pathlib.Path(path)
    env = os.environ.get("ANTHROPIC_IDENTITY_TOKEN_FILE")
    return pathlib.Path(env) if env else None


# -------------------------------------------------------------------------- providers


class StaticToken:
    """A provider of one fixed token that never expires."""

    def __init__(self, token: str) -> None:
        self._token = SecretStr(token)

    def __call__(self, *, force_refresh: bool = False) -> AccessToken:
        """The token. Never raises."""
        return AccessToken(self._token)

    def __repr__(self) -> str:
        return "StaticToken(<redacted>)"


class EnvToken:
    """A provider reading an environment variable (`ANTHROPIC_AUTH_TOKEN` by default) on
    every call, so a rotated value is picked up."""

    def __init__(self, env_var: str = "ANTHROPIC_AUTH_TOKEN") -> None:
        self._env_var = env_var

    def __call__(self, *, force_refresh: bool = False) -> AccessToken:
        """The variable's value; raises `CredentialsError` when it is not set."""
        value = os.environ.get(self._env_var)
        if value is None:
            raise CredentialsError(
                f"environment variable {self._env_var} is not set; set it or pass "
                "credentials= to the client"
            )
        return AccessToken(SecretStr(value))


class IdentityTokenFile:
    """An identity-token provider reading a JWT file (`path`, else
    `ANTHROPIC_IDENTITY_TOKEN_FILE`) on every call: projected tokens rotate in place.

    Raises `CredentialsError` here when neither names a file.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        resolved = _identity_token_path(path)
        if resolved is None:
            raise CredentialsError(
                "no identity token file: pass path= or set ANTHROPIC_IDENTITY_TOKEN_FILE"
            )
        self._path = resolved

    @property
    def path(self) -> pathlib.Path:
        """The file read."""
        return self._path

    def __call__(self) -> str:
        """The file's stripped content; raises `IdentityTokenFileError` (with `path`) when
        it is missing, unreadable, a directory, or empty. Blocking: the token cache calls
        it in a worker thread."""
        path = self._path
        try:
            content = SecretStr(path.read_text(encoding="utf-8").strip())
        except FileNotFoundError as exc:
            raise IdentityTokenFileError(
                f"identity token file not found at {path}", path=path
            ) from exc
        except IsADirectoryError as exc:
            raise IdentityTokenFileError(
                f"identity token path {path} is a directory; point at the token file itself",
                path=path,
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise IdentityTokenFileError(
                f"identity token file at {path} could not be read: {type(exc).__name__}",
                path=path,
            ) from exc
        if not content:
            raise IdentityTokenFileError(f"identity token file at {path} is empty", path=path)
        return content


def _redact_body(body: object) -> object:
    """What of a token endpoint's error body may go into an exception: a short string,
    or only the OAuth error fields (such bodies can echo the assertion back)."""
    if isinstance(body, str):
        if len(body) <= _MAX_ERROR_BODY_CHARS:
            return body
        return (
            body[:_MAX_ERROR_BODY_CHARS] + f"... <{len(body) - _MAX_ERROR_BODY_CHARS} more chars>"
        )
    if isinstance(body, dict):
        fields: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
        return {k: fields[k] for k in ("error", "error_description", "error_uri") if k in fields}
    return None


async def _post_token_endpoint(
    transport: AsyncTransport, base_url: str, payload: dict[str, str], beta: str, what: str
) -> dict[str, Any]:
    """POST `payload` to the token endpoint; the parsed JSON object of a 2xx reply.

    Raises `WorkloadIdentityError` (status, redacted body, request id) for a failure."""
    from ._errors import APIConnectionError
    from ._http import Request, Timeout

    prefix = urlsplit(base_url).path.rstrip("/")
    request = Request(
        "POST",
        (prefix + TOKEN_ENDPOINT).encode(),
        [
            (b"content-type", b"application/json"),
            (b"accept", b"application/json"),
            (b"anthropic-beta", beta.encode()),
            (b"user-agent", b"anyio-claude"),
        ],
        # SecretStr values are encoded as plain strings.
        msgspec.json.encode(payload, enc_hook=str),
    )
    try:
        with anyio.fail_after(TOKEN_EXCHANGE_TIMEOUT):
            response = await transport.send(request, timeout=Timeout(TOKEN_EXCHANGE_TIMEOUT))
            try:
                body = await response.aread()
            finally:
                await response.aclose()
    except (APIConnectionError, TimeoutError) as exc:
        shown = "(its URL may hold a password)" if "@" in base_url else base_url + TOKEN_ENDPOINT
        raise WorkloadIdentityError(
            f"{what}: could not reach the token endpoint {shown}: {type(exc).__name__}"
        ) from None
    request_id = response.headers.get("request-id")
    status = response.status
    if len(body) > _MAX_TOKEN_RESPONSE_BYTES:
        raise WorkloadIdentityError(
            f"{what}: the token endpoint's reply is over {_MAX_TOKEN_RESPONSE_BYTES} bytes",
            status_code=status,
            request_id=request_id,
        )
    parsed, redacted = _parse_reply(body)
    # Such bodies can echo the assertion: no frame in a raised error's traceback keeps it.
    del body
    if status >= 400:
        hint = (
            " Check that the federation rule matches the identity token (and set "
            "ANTHROPIC_WORKSPACE_ID if the rule covers several workspaces)."
            if status == 401 and beta != OAUTH_API_BETA
            else ""
        )
        raise WorkloadIdentityError(
            f"{what} (HTTP {status}): {redacted}{hint}",
            status_code=status,
            body=redacted,
            request_id=request_id,
        )
    if not isinstance(parsed, dict):
        kind = "non-JSON reply" if parsed is None else f"JSON {parsed}"
        raise WorkloadIdentityError(
            f"{what}: the token endpoint returned a {kind}, not an object (HTTP {status})",
            status_code=status,
            body=redacted,
            request_id=request_id,
        )
    data: dict[str, Any] = parsed  # pyright: ignore[reportUnknownVariableType]
    return data


# Fields of a token endpoint's reply that hold no secret; every other string is wrapped.
_PLAIN_FIELDS = frozenset(
    {"token_type", "expires_in", "scope", "error", "error_description", "error_uri"}
)


def _parse_reply(body: bytes) -> tuple[object, object]:
    """A token endpoint's reply: a dict with its secret strings wrapped (None when not
    JSON; a non-object is returned as its type's name only), and its redacted form."""
    try:
        parsed: object = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None, _redact_body(body.decode("utf-8", "replace"))
    if not isinstance(parsed, dict):
        return type(parsed).__name__, None
    fields: dict[str, Any] = parsed  # pyright: ignore[reportUnknownVariableType]
    for key, value in fields.items():
        if isinstance(value, str) and key not in _PLAIN_FIELDS:
            fields[key] = SecretStr(value)
    return fields, _redact_body(fields)


class _ExchangeClient:
    """The connection pool a token-exchanging provider owns, opened on first use."""

    def __init__(self) -> None:
        self._transports: dict[str, AsyncTransport] = {}

    def get(self, base_url: str) -> AsyncTransport:
        from ._transport import AsyncTransport

        origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
        transport = self._transports.get(origin)
        if transport is None:
            transport = self._transports[origin] = AsyncTransport(base_url, max_connections=4)
        return transport

    async def aclose(self) -> None:
        transports, self._transports = self._transports, {}
        for transport in transports.values():
            await transport.aclose()


class WorkloadIdentityCredentials:
    """Exchanges an external OIDC JWT for an access token (RFC 7523 `jwt-bearer` at
    `/v1/oauth/token`). An `async` provider: each call is a fresh exchange, so pass it as
    `credentials=` (the client caches) rather than calling it per request.

    `identity_token_provider` returns the JWT (called on every exchange; e.g.
    `IdentityTokenFile()`); `organization_id` is the organization's UUID; `workspace_id`
    (`wrkspc_...` or `"default"`) scopes the token. The exchange goes to the client's
    `base_url`, which must be https (http only to localhost), else `CredentialsError`.
    """

    def __init__(
        self,
        *,
        identity_token_provider: IdentityTokenProvider,
        federation_rule_id: str,
        organization_id: str,
        service_account_id: str | None = None,
        workspace_id: str | None = None,
        scope: str | None = None,
    ) -> None:
        self._identity_token_provider = identity_token_provider
        self._federation_rule_id = federation_rule_id
        self._organization_id = organization_id
        self._service_account_id = service_account_id
        self._workspace_id = workspace_id
        # Informational: the server derives the scope from the federation rule.
        self._scope = scope
        self._bound_base_url: str | None = None
        self._http = _ExchangeClient()
        self._owns_http = True

    @property
    def scope(self) -> str | None:
        """The scope given (not sent: the federation rule decides it)."""
        return self._scope

    def bind_base_url(self, base_url: str) -> None:
        """Exchange tokens at `base_url`; raises `CredentialsError` unless it is https."""
        bound = base_url.rstrip("/")
        require_https(bound, "base_url")
        self._bound_base_url = bound

    def for_base_url(self, base_url: str) -> WorkloadIdentityCredentials:
        """Bound in place, or a copy when another client bound this one elsewhere."""
        import copy

        bound = base_url.rstrip("/")
        provider = self
        if self._bound_base_url is not None and self._bound_base_url != bound:
            provider = copy.copy(self)
            provider._owns_http = False
        provider.bind_base_url(bound)
        return provider

    async def __call__(self, *, force_refresh: bool = False) -> AccessToken:
        """One token exchange. Raises `WorkloadIdentityError` for a failed exchange (with
        `status_code`; the cache retries a 401 once), `IdentityTokenFileError` when the
        JWT cannot be read. Cancellation abandons the exchange and closes its connection."""
        assertion = SecretStr(await anyio.to_thread.run_sync(self._identity_token_provider))
        size = len(assertion.encode())
        if size > _MAX_ASSERTION_BYTES:
            raise WorkloadIdentityError(
                f"the identity token is {size} bytes, over the {_MAX_ASSERTION_BYTES}-byte "
                "limit: check that it is the projected token, not a key or a certificate"
            )
        payload = {
            "grant_type": GRANT_TYPE_JWT_BEARER,
            "assertion": assertion,
            "federation_rule_id": self._federation_rule_id,
            "organization_id": self._organization_id,
        }
        if self._service_account_id is not None:
            payload["service_account_id"] = self._service_account_id
        if self._workspace_id is not None:
            payload["workspace_id"] = self._workspace_id
        base_url = self._bound_base_url or DEFAULT_BASE_URL
        data = await _post_token_endpoint(
            self._http.get(base_url),
            base_url,
            payload,
            f"{OAUTH_API_BETA},{FEDERATION_BETA}",
            "token exchange failed",
        )
        return _token_from(data, "token exchange")

    async def aclose(self) -> None:
        """Close the exchange's connections (if this provider opened them). Idempotent."""
        if self._owns_http:
            await self._http.aclose()

    def __repr__(self) -> str:
        return (
            f"WorkloadIdentityCredentials(federation_rule_id={self._federation_rule_id!r}, "
            f"organization_id={self._organization_id!r})"
        )


def _token_from(data: dict[str, Any], what: str) -> AccessToken:
    token_type = data.get("token_type")
    if token_type is not None and str(token_type).lower() != "bearer":
        raise WorkloadIdentityError(f"{what}: unsupported token_type {token_type!r}")
    token = data.get("access_token")
    try:
        expires_in = int(data["expires_in"])
    except (KeyError, TypeError, ValueError, OverflowError):
        token = None
    if not isinstance(token, str) or not token:
        raise WorkloadIdentityError(
            f"{what}: the reply is missing access_token or expires_in",
            body=_redact_body(data),
        )
    return AccessToken(SecretStr(token), int(time.time()) + expires_in)


async def exchange_federation_assertion(
    *,
    assertion: str,
    federation_rule_id: str,
    organization_id: str,
    service_account_id: str | None = None,
    workspace_id: str | None = None,
    base_url: str | None = None,
) -> AccessToken:
    """One `jwt-bearer` exchange of `assertion` for an access token, no caching.

    Raises what `WorkloadIdentityCredentials` raises."""
    # Rebound, so that this frame's locals (which tracebacks may show) hold it redacted.
    assertion = SecretStr(assertion)
    credentials = WorkloadIdentityCredentials(
        identity_token_provider=lambda: assertion,
        federation_rule_id=federation_rule_id,
        organization_id=organization_id,
        service_account_id=service_account_id,
        workspace_id=workspace_id,
    )
    if base_url is not None:
        credentials.bind_base_url(base_url)
    try:
        return await credentials()
    finally:
        with anyio.CancelScope(shield=True):
            await credentials.aclose()


# ---------------------------------------------------------------------------- profiles


def _read_json_object(path: pathlib.Path, what: str) -> dict[str, Any]:
    """A file's JSON object; raises `CredentialsError` naming the file (never its content)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CredentialsError(f"{what} not found at {path}") from exc
    except OSError as exc:
        raise CredentialsError(f"{what} at {path} could not be read: {type(exc).__name__}") from exc
    try:
        data: object = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise CredentialsError(f"{what} at {path} is not valid JSON") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"{what} at {path} must hold a JSON object")
    return data  # pyright: ignore[reportUnknownVariableType]


def _fill_from_env(config: dict[str, Any], auth: dict[str, Any]) -> None:
    """The profile wins; the environment only fills what it left empty."""

    def fill(target: dict[str, Any], key: str, env_var: str) -> None:
        if not target.get(key) and os.environ.get(env_var):
            target[key] = os.environ[env_var]

    fill(config, "base_url", "ANTHROPIC_BASE_URL")
    fill(config, "organization_id", "ANTHROPIC_ORGANIZATION_ID")
    fill(config, "workspace_id", "ANTHROPIC_WORKSPACE_ID")
    if auth.get("type") == AUTH_TYPE_OIDC_FEDERATION:
        fill(auth, "federation_rule_id", "ANTHROPIC_FEDERATION_RULE_ID")
        fill(auth, "service_account_id", "ANTHROPIC_SERVICE_ACCOUNT_ID")
        if not auth.get("identity_token") and os.environ.get("ANTHROPIC_IDENTITY_TOKEN_FILE"):
            auth["identity_token"] = {
                "source": "file",
                "path": os.environ["ANTHROPIC_IDENTITY_TOKEN_FILE"],
            }
    fill(auth, "scope", "ANTHROPIC_SCOPE")


class CredentialsFile:
    """A provider backed by a profile: `<config_dir>/configs/<profile>.json` (settings,
    no secrets) and `<config_dir>/credentials/<profile>.json` (tokens, mode 0600).

    `profile=None` picks `ANTHROPIC_PROFILE`, else the name in `<config_dir>/active_config`,
    else `default`; `<config_dir>` is `ANTHROPIC_CONFIG_DIR` or `~/.config/anthropic`. An
    `oidc_federation` profile exchanges an identity token (caching the result in the
    credentials file); a `user_oauth` profile serves the file's token, refreshing it with
    its `refresh_token` when the config has a `client_id`. Raises `CredentialsError` for a
    bad profile name here, and for a missing or malformed file, a group- or world-writable
    config or a credentials file others can read, when called.
    """

    def __init__(self, profile: str | None = None) -> None:
        if profile is not None:
            _check_profile_name(profile, "profile")
        self._profile = profile if profile is not None else _active_profile()
        self._config_path = _under_config_dir("configs", f"{self._profile}.json")
        self._config: dict[str, Any] | None = None
        self._credentials_path: pathlib.Path | None = None
        self._bound_base_url: str | None = None
        self._delegate: WorkloadIdentityCredentials | None = None
        self._last_served: str | None = None
        self._http = _ExchangeClient()
        self._owns_http = True

    @property
    def profile(self) -> str:
        """The profile's name."""
        return self._profile

    @property
    def config_path(self) -> pathlib.Path:
        """The profile's config file."""
        return self._config_path

    @property
    def resolved_base_url(self) -> str | None:
        """The `base_url` the profile pins, or None (reads the config)."""
        raw = self._load_config().get("base_url")
        return str(raw).rstrip("/") if raw else None

    def extra_headers(self) -> dict[str, str]:
        """Headers for every request: the profile's `anthropic-workspace-id` (not for a
        federation profile, whose token is workspace-scoped already)."""
        config = self._load_config()
        workspace_id = config.get("workspace_id")
        if self._auth().get("type") != AUTH_TYPE_OIDC_FEDERATION and workspace_id:
            return {"anthropic-workspace-id": str(workspace_id)}
        return {}

    def bind_base_url(self, base_url: str) -> None:
        """Exchange at `base_url` unless the profile pins its own; https only."""
        bound = base_url.rstrip("/")
        require_https(bound, f"{self._config_path}: base_url")
        self._bound_base_url = bound

    def for_base_url(self, base_url: str) -> CredentialsFile:
        """The provider a client on `base_url` exchanges through: this one, bound in place,
        unless another client bound it elsewhere (a copy's parent). Then a profile that
        pins its own `base_url`, or a `user_oauth` one (its refresh token belongs to the
        deployment that issued it), is returned as is, and an `oidc_federation` one is
        copied and bound to `base_url`: the copy shares the identity token and the
        connections, not the on-disk token cache, whose tokens are the other deployment's.
        Raises `CredentialsError` for a base URL that is not https, or a broken profile."""
        import copy

        bound = base_url.rstrip("/")
        if self._bound_base_url is None or self._bound_base_url == bound:
            self.bind_base_url(bound)
            return self
        if self._load_config().get("base_url") or self._auth().get("type") != (
            AUTH_TYPE_OIDC_FEDERATION
        ):
            return self
        provider = copy.copy(self)
        provider._owns_http = False
        provider._delegate = None
        provider._credentials_path = None
        provider.bind_base_url(bound)
        return provider

    def reload(self) -> None:
        """Read the config again on the next call."""
        self._config = None
        self._delegate = None

    def _base_url(self) -> str:
        config = self._load_config()
        url = str(config.get("base_url") or self._bound_base_url or DEFAULT_BASE_URL).rstrip("/")
        require_https(url, f"{self._config_path}: base_url")
        return url

    def _load_config(self) -> dict[str, Any]:
        if self._config is not None:
            return self._config
        path = self._config_path
        if os.name == "posix":
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
            except OSError:
                mode = 0  # reported by the read below
            if mode & 0o022:
                raise CredentialsError(
                    f"config file {path} is writable by group or others (mode {mode:#o}); "
                    f"run `chmod go-w {path}`"
                )
        config = _read_json_object(path, f"config file of profile {self._profile!r}")
        auth = config.get("authentication")
        if not isinstance(auth, dict):
            raise CredentialsError(
                f"config file {path} has no 'authentication' object "
                f'(expected {{"authentication": {{"type": "{AUTH_TYPE_OIDC_FEDERATION}" or '
                f'"{AUTH_TYPE_USER_OAUTH}", ...}}}})'
            )
        _fill_from_env(config, auth)  # pyright: ignore[reportUnknownArgumentType]
        override = auth.get("credentials_path")  # pyright: ignore[reportUnknownMemberType]
        self._credentials_path = (
            pathlib.Path(str(override)).expanduser()
            if override
            else _under_config_dir("credentials", f"{self._profile}.json")
        )
        self._config = config
        return config

    def _auth(self) -> dict[str, Any]:
        auth: dict[str, Any] = self._load_config()["authentication"]
        return auth

    def _read_credentials(self, *, missing_ok: bool = False) -> dict[str, Any] | None:
        path = self._credentials_path
        assert path is not None  # set by _load_config
        if os.name == "posix":
            try:
                info = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                if missing_ok:
                    return None
                raise CredentialsError(
                    f"credentials file not found at {path} (profile {self._profile!r})"
                ) from None
            except OSError as exc:  # a file where a directory should be; no permission
                raise CredentialsError(
                    f"credentials file at {path} could not be read: {type(exc).__name__}"
                ) from exc
            if stat.S_ISLNK(info.st_mode):
                raise CredentialsError(f"credentials file {path} is a symlink; refusing it")
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077:
                raise CredentialsError(
                    f"credentials file {path} is readable or writable by group or others "
                    f"(mode {mode:#o}); run `chmod 600 {path}`"
                )
        creds = _read_json_object(path, "credentials file")
        for key in ("access_token", "refresh_token"):
            if isinstance(creds.get(key), str):
                creds[key] = SecretStr(creds[key])
        kind = creds.get("type")
        if kind is not None and kind != CREDENTIALS_FILE_TYPE:
            raise CredentialsError(
                f"credentials file {path} has type {kind!r}; expected {CREDENTIALS_FILE_TYPE!r}"
            )
        return creds

    def _write_credentials(self, data: dict[str, Any]) -> None:
        """Atomically, with mode 0600 from the start."""
        path = self._credentials_path
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(msgspec.json.encode(data, enc_hook=str))
            os.replace(tmp, path)
        except BaseException:
            pathlib.Path(tmp).unlink(missing_ok=True)
            raise

    async def __call__(self, *, force_refresh: bool = False) -> AccessToken:
        """The profile's token. Raises `CredentialsError` for a broken profile,
        `WorkloadIdentityError` for a failed exchange or refresh. File I/O runs in a
        worker thread."""
        auth = dict(await anyio.to_thread.run_sync(self._auth))
        kind = auth.get("type")
        if kind == AUTH_TYPE_OIDC_FEDERATION:
            return await self._federation(auth, force_refresh)
        if kind == AUTH_TYPE_USER_OAUTH:
            return await self._user_oauth(auth, force_refresh)
        raise CredentialsError(
            f"unknown authentication.type {kind!r} in {self._config_path}; expected "
            f"{AUTH_TYPE_OIDC_FEDERATION!r} or {AUTH_TYPE_USER_OAUTH!r}"
        )

    async def _federation(self, auth: dict[str, Any], force_refresh: bool) -> AccessToken:
        delegate = self._delegate
        if delegate is None:
            delegate = self._delegate = self._build_delegate(auth)
        if self._credentials_path is None:  # an InMemoryConfig without a cache file
            return await delegate()
        cached = await anyio.to_thread.run_sync(lambda: self._read_credentials(missing_ok=True))
        if not force_refresh and cached is not None:
            token, expires_at = cached.get("access_token"), cached.get("expires_at")
            if (
                isinstance(token, str)
                and isinstance(expires_at, int)
                and time.time() < expires_at - MANDATORY_REFRESH_SECONDS
            ):
                return AccessToken(token, expires_at)
        fresh = await delegate()
        record = {
            **(cached or {}),
            "version": CREDENTIALS_FILE_VERSION,
            "type": CREDENTIALS_FILE_TYPE,
            "access_token": fresh.token,
            "expires_at": fresh.expires_at,
        }
        try:
            await anyio.to_thread.run_sync(self._write_credentials, record)
        except OSError as exc:  # the disk cache is best-effort
            logger.debug("could not cache the federation token on disk: %s", type(exc).__name__)
        return fresh

    def _build_delegate(self, auth: dict[str, Any]) -> WorkloadIdentityCredentials:
        config = self._load_config()
        rule, organization = auth.get("federation_rule_id"), config.get("organization_id")
        if not rule or not organization:
            raise CredentialsError(
                f"{self._config_path}: an {AUTH_TYPE_OIDC_FEDERATION!r} profile needs "
                "authentication.federation_rule_id and a top-level organization_id"
            )
        source = auth.get("identity_token")
        path: str | None = None
        if source is not None:
            if not isinstance(source, dict) or source.get("source") != "file":  # pyright: ignore[reportUnknownMemberType]
                raise CredentialsError(
                    f"{self._config_path}: identity_token source must be 'file', the only one "
                    "implemented"
                )
            path = source.get("path")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if not path:
                raise CredentialsError(
                    f"{self._config_path}: identity_token source 'file' needs a path"
                )
        delegate = WorkloadIdentityCredentials(
            identity_token_provider=self._identity_provider(path),
            federation_rule_id=str(rule),
            organization_id=str(organization),
            service_account_id=auth.get("service_account_id"),
            workspace_id=config.get("workspace_id"),
            scope=auth.get("scope"),
        )
        delegate._http, delegate._owns_http = self._http, False
        delegate.bind_base_url(self._base_url())
        return delegate

    def _identity_provider(self, path: str | None) -> IdentityTokenProvider:
        return IdentityTokenFile(path)

    async def _user_oauth(self, auth: dict[str, Any], force_refresh: bool) -> AccessToken:
        creds = await anyio.to_thread.run_sync(self._read_credentials)
        assert creds is not None
        access = creds.get("access_token")
        if not isinstance(access, str) or not access:
            raise CredentialsError(f"credentials file {self._credentials_path} has no access_token")
        expires_at = _expires_at(creds.get("expires_at"), self._credentials_path)
        client_id = auth.get("client_id")
        if not client_id:
            # Rotated by someone else (a sidecar): serve what the file holds.
            return AccessToken(access, expires_at)
        replaced = self._last_served is not None and access != self._last_served
        if (not force_refresh or replaced) and expires_at is not None and time.time() < expires_at:
            self._last_served = access
            return AccessToken(access, expires_at)
        refresh = creds.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            raise WorkloadIdentityError(
                f"credentials file {self._credentials_path} of a user_oauth profile with a "
                "client_id must hold a refresh_token"
            )
        base_url = await anyio.to_thread.run_sync(self._base_url)
        data = await _post_token_endpoint(
            self._http.get(base_url),
            base_url,
            {
                "grant_type": GRANT_TYPE_REFRESH_TOKEN,
                "refresh_token": refresh,
                "client_id": str(client_id),
            },
            OAUTH_API_BETA,
            "user_oauth refresh failed",
        )
        data.setdefault("expires_in", 3600)
        token = _token_from(data, "user_oauth refresh")
        creds.update(
            version=CREDENTIALS_FILE_VERSION,
            type=CREDENTIALS_FILE_TYPE,
            access_token=token.token,
            expires_at=token.expires_at,
            refresh_token=data.get("refresh_token") or refresh,
        )
        # Not best-effort: the refresh token may have rotated, and losing it logs the user out.
        await anyio.to_thread.run_sync(self._write_credentials, creds)
        self._last_served = token.token
        return token

    async def aclose(self) -> None:
        """Close the token endpoint's connections (unless borrowed: a `for_base_url`
        copy's are its original's). Idempotent."""
        if self._owns_http:
            await self._http.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(profile={self._profile!r})"


def _expires_at(value: object, path: pathlib.Path | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise CredentialsError(
        f"credentials file {path} has an invalid expires_at: expected unix seconds (an integer)"
    )


class InMemoryConfig(CredentialsFile):
    """A `CredentialsFile` whose config is the dict given (the shape of
    `configs/<profile>.json`) instead of a file; `authentication.credentials_path` is
    optional for `oidc_federation` (no disk cache without it), required for
    `user_oauth`. Raises `CredentialsError` here for a malformed config."""

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        identity_token_provider: IdentityTokenProvider | None = None,
    ) -> None:
        auth = config.get("authentication")
        if not isinstance(auth, dict):
            raise CredentialsError("config has no 'authentication' object")
        kind = auth.get("type")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if kind not in (AUTH_TYPE_OIDC_FEDERATION, AUTH_TYPE_USER_OAUTH):
            raise CredentialsError(
                f"unknown authentication.type {kind!r}; expected "
                f"{AUTH_TYPE_OIDC_FEDERATION!r} or {AUTH_TYPE_USER_OAUTH!r}"
            )
        path = auth.get("credentials_path")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if kind == AUTH_TYPE_USER_OAUTH and not path:
            raise CredentialsError(
                "a user_oauth config needs authentication.credentials_path (where its tokens live)"
            )
        self._profile = "<in-memory>"
        self._config_path = pathlib.Path("<in-memory config>")
        self._config = {**config, "authentication": dict(auth)}  # pyright: ignore[reportUnknownArgumentType]
        self._credentials_path = pathlib.Path(str(path)).expanduser() if path else None
        self._bound_base_url = None
        self._delegate = None
        self._last_served = None
        self._http = _ExchangeClient()
        self._owns_http = True
        self._identity_override = identity_token_provider
        self._base_url()  # https only, checked now

    def reload(self) -> None:
        """Build the federation exchange again on the next call (the config is fixed)."""
        self._delegate = None

    def _identity_provider(self, path: str | None) -> IdentityTokenProvider:
        if self._identity_override is not None:
            return self._identity_override
        return IdentityTokenFile(path)


# ------------------------------------------------------------------------------ chain


def _federation_from_env(base_url: str) -> CredentialResult | None:
    rule = os.environ.get("ANTHROPIC_FEDERATION_RULE_ID")
    organization = os.environ.get("ANTHROPIC_ORGANIZATION_ID")
    path = _identity_token_path(None)
    if (
        not rule
        or not organization
        or (path is None and not os.environ.get("ANTHROPIC_IDENTITY_TOKEN"))
    ):
        return None
    identity: IdentityTokenProvider
    if path is not None:
        identity = IdentityTokenFile(path)
    else:

        def identity() -> str:
            # Read on every exchange, so a rotated value is used.
            value = os.environ.get("ANTHROPIC_IDENTITY_TOKEN")
            if value is None:
                raise CredentialsError("ANTHROPIC_IDENTITY_TOKEN is no longer set")
            return SecretStr(value)

    provider = WorkloadIdentityCredentials(
        identity_token_provider=identity,
        federation_rule_id=rule,
        organization_id=organization,
        service_account_id=os.environ.get("ANTHROPIC_SERVICE_ACCOUNT_ID"),
        workspace_id=os.environ.get("ANTHROPIC_WORKSPACE_ID") or None,
        scope=os.environ.get("ANTHROPIC_SCOPE"),
    )
    provider.bind_base_url(base_url)
    return CredentialResult(provider)


def _profile_result(base_url: str) -> CredentialResult:
    profile = CredentialsFile()
    profile.bind_base_url(base_url)
    return CredentialResult(profile, profile.extra_headers(), profile.resolved_base_url)


def default_credentials(*, base_url: str = DEFAULT_BASE_URL) -> CredentialResult | None:
    """The credentials the environment gives, first match wins (as the official SDK):

    `ANTHROPIC_API_KEY` (None: the client sends the key itself), `ANTHROPIC_AUTH_TOKEN`
    (a `StaticToken`), the profile `ANTHROPIC_PROFILE` names, workload identity from
    `ANTHROPIC_FEDERATION_RULE_ID` + `ANTHROPIC_ORGANIZATION_ID` +
    `ANTHROPIC_IDENTITY_TOKEN[_FILE]`, then the active profile on disk. None when nothing
    matches. Raises `CredentialsError` for a named or pointed-to profile that is broken
    (a broken profile found by looking is skipped). Reads small files: call it at
    start-up, not in a hot loop.
    """
    if os.environ.get("ANTHROPIC_API_KEY"):
        return None
    token = os.environ.get("ANTHROPIC_AUTH_TOKEN")
    if token:
        return CredentialResult(StaticToken(token))
    if os.environ.get("ANTHROPIC_PROFILE"):
        return _profile_result(base_url)
    federation = _federation_from_env(base_url)
    if federation is not None:
        return federation
    configured = (
        bool(os.environ.get("ANTHROPIC_CONFIG_DIR")) or _active_config_pointer() is not None
    )
    try:
        found = _under_config_dir("configs", f"{_active_profile()}.json").is_file()
    except (OSError, ClaudeError):
        found = False
    if configured or found:
        try:
            return _profile_result(base_url)
        except ClaudeError:
            if configured:
                raise
    return None


# What `warn_shadowed_by_env` has logged, once per process each (clients are made in
# many threads: the blocking twins').
_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(key: str, message: str, *args: object) -> None:
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    logger.warning(message, *args)


def _auto_discoverable() -> bool:
    """Whether the profile or federation steps of `default_credentials` would find
    something: `ANTHROPIC_PROFILE`/`ANTHROPIC_CONFIG_DIR`, an `active_config` pointer, or
    the workload identity variables (the official SDK's test)."""
    environ = os.environ
    if environ.get("ANTHROPIC_PROFILE") or environ.get("ANTHROPIC_CONFIG_DIR"):
        return True
    if _active_config_pointer() is not None:
        return True
    return bool(
        environ.get("ANTHROPIC_FEDERATION_RULE_ID")
        and environ.get("ANTHROPIC_ORGANIZATION_ID")
        and (
            environ.get("ANTHROPIC_IDENTITY_TOKEN_FILE") or environ.get("ANTHROPIC_IDENTITY_TOKEN")
        )
    )


def warn_shadowed_by_env(*, api_key: bool, auth_token: bool) -> None:
    """Log a warning (once per process each, never a value) when a static credential a
    client took from the environment shadows another: `ANTHROPIC_AUTH_TOKEN` when
    `ANTHROPIC_API_KEY` is set too, or a profile or workload identity configuration the
    client would otherwise have used, as the official SDK warns. Reads the
    `active_config` pointer file until the second warning has been logged."""
    if api_key and auth_token:
        _warn_once(
            "ANTHROPIC_API_KEY:ANTHROPIC_AUTH_TOKEN",
            "ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are both set: the client uses "
            "ANTHROPIC_API_KEY",
        )
    name = "ANTHROPIC_API_KEY" if api_key else "ANTHROPIC_AUTH_TOKEN"
    if name not in _warned and (api_key or auth_token) and _auto_discoverable():
        _warn_once(
            name,
            "%s is set, so the client uses it instead of the profile or workload identity "
            "credentials configured in the environment; unset %s to use those",
            name,
            name,
        )


# ------------------------------------------------------------------------------ cache


def _provided_token(value: object) -> AccessToken:
    """What a provider returned, if it is an `AccessToken`; else `ClaudeError`."""
    if inspect.iscoroutine(value):
        value.close()
        raise ClaudeError("the credentials provider returned a coroutine, not an AccessToken")
    if not isinstance(value, AccessToken):
        raise ClaudeError(
            f"the credentials provider returned {type(value).__name__}, not an AccessToken"
        )
    return value


class TokenCache:
    """Serves a provider's token to every request, refreshing it before it expires.

    More than `advisory_refresh_seconds` (120) left: the cached token. Inside the
    advisory window: one caller refreshes while the others keep the cached token; a
    failed refresh is logged, the old token served, and no retry made for 5 s. Inside
    `mandatory_refresh_seconds` (30) or expired: one refresh, every caller waits for it,
    and its failure raises to each. `expires_at=None` is cached forever; `0` is never
    cached. A provider's `WorkloadIdentityError` with status 401 is retried once with
    `force_refresh=True`. Cancelling the refreshing caller lets a waiter take over.
    """

    def __init__(
        self,
        provider: AnyProvider,
        *,
        advisory_refresh_seconds: int = ADVISORY_REFRESH_SECONDS,
        mandatory_refresh_seconds: int = MANDATORY_REFRESH_SECONDS,
        time_source: Callable[[], float] = time.time,
    ) -> None:
        self.provider = provider
        self._async = is_async_provider(provider)
        self._force_arg = _accepts_force_refresh(provider)
        self._advisory = advisory_refresh_seconds
        self._mandatory = mandatory_refresh_seconds
        self._now = time_source
        self._cached: AccessToken | None = None
        self._refreshing: anyio.Event | None = None
        self._next_force = False
        self._advisory_failed_at = -float("inf")

    async def _invoke(self, force: bool) -> AccessToken:
        provider: Callable[..., Any] = self.provider
        call: Callable[[], Any] = (
            functools.partial(provider, force_refresh=force) if self._force_arg else provider
        )
        if self._async:
            return _provided_token(await call())
        # Checked in the thread: trio refuses a coroutine coming back from it with its own
        # TypeError.
        token: AccessToken = await anyio.to_thread.run_sync(lambda: _provided_token(call()))
        return token

    async def _fetch(self, force: bool) -> AccessToken:
        try:
            return await self._invoke(force)
        except WorkloadIdentityError as exc:
            if exc.status_code != 401:
                raise
            logger.debug("the token endpoint answered 401; exchanging once more")
            return await self._invoke(True)

    async def get_token(self) -> str:
        """A valid token, refreshing as the class says. Raises what the provider raises
        (outside the advisory window)."""
        while True:
            cached = self._cached
            fallback: AccessToken | None = None
            if cached is not None:
                if cached.expires_at is None:
                    return cached.token
                if cached.expires_at == 0:
                    return (await self._fetch(False)).token
                remaining = cached.expires_at - self._now()
                if remaining > self._advisory:
                    return cached.token
                if remaining > self._mandatory:
                    if self._refreshing is not None:
                        return cached.token
                    if self._now() - self._advisory_failed_at < ADVISORY_REFRESH_BACKOFF_SECONDS:
                        return cached.token
                    fallback = cached
            if self._refreshing is not None:
                await self._refreshing.wait()
                continue
            event = self._refreshing = anyio.Event()
            force = self._next_force
            try:
                fresh = await self._fetch(force)
            except Exception as exc:
                if fallback is None:
                    raise
                logger.warning(
                    "advisory token refresh failed; serving the cached token: %s",
                    type(exc).__name__,
                )
                self._advisory_failed_at = self._now()
                return fallback.token
            finally:
                self._refreshing = None
                event.set()
            # A refresh that overlapped a 401 may carry the rejected token: use it once.
            if force or not self._next_force:
                self._cached = fresh
                self._next_force = False
            return fresh.token

    def invalidate(self) -> None:
        """Drop the cached token; the next refresh passes `force_refresh=True`."""
        self._cached = None
        self._next_force = True

    def invalidate_rejected(self, token: str) -> bool:
        """A 401 rejected `token`: drop it, unless the cache already holds a newer one.
        Returns True (a retry can send a fresh token)."""
        cached = self._cached
        if cached is None or cached.expires_at == 0 or cached.token == token:
            self.invalidate()
        return True


async def close_provider(provider: object) -> None:
    """Close a provider that has `aclose()` (async) or `close()` (sync, in a thread)."""
    aclose: Callable[[], Awaitable[object]] | None = getattr(provider, "aclose", None)
    if aclose is not None:
        await aclose()
        return
    close: Callable[[], object] | None = getattr(provider, "close", None)
    if close is not None:
        await anyio.to_thread.run_sync(close)


# ---------------------------------------------------------------------- client hooks


class RequestAuth(Protocol):
    """How a client authenticates each attempt (a token here; SigV4 or a Google token
    for the platform clients)."""

    async def apply(self, request: Request) -> object:
        """Authenticate `request` in place; returns what a 401 can be matched against."""
        ...

    def rejected(self, sent: object) -> bool:
        """A 401 answered the attempt `apply` returned `sent` for: True to retry once."""
        ...


class TokenAuth:
    """What the client runs on each attempt: the cache's token as `Authorization: Bearer`
    with the `oauth-2025-04-20` beta flag, unless the request already carries a key or
    an `Authorization` header (then it does nothing and a 401 is not its business)."""

    __slots__ = ("cache",)

    def __init__(self, cache: TokenCache) -> None:
        self.cache = cache

    async def apply(self, request: Request) -> str | None:
        """Add the token to `request`; the token sent (None: left alone)."""
        headers = request.headers
        if any(name in (b"authorization", b"x-api-key") for name, _ in headers):
            return None
        token = await self.cache.get_token()
        beta = [v for name, v in headers if name == b"anthropic-beta"]
        flags = [f.strip() for value in beta for f in value.split(b",") if f.strip()]
        if OAUTH_API_BETA.encode() not in flags:
            flags.append(OAUTH_API_BETA.encode())
        request.headers = [
            *(h for h in headers if h[0] != b"anthropic-beta"),
            (b"authorization", SecretBytes(b"Bearer " + token.encode())),
            (b"anthropic-beta", b",".join(flags)),
        ]
        return token

    def rejected(self, sent: object) -> bool:
        """A 401 answered the request that carried `sent`: drop that token; True when a
        retry can send a fresh one."""
        return isinstance(sent, str) and self.cache.invalidate_rejected(sent)


def resolve_credentials(
    *,
    api_key: str | None,
    auth_token: str | None,
    credentials: AnyProvider | None,
    config: Mapping[str, Any] | None,
    profile: str | None,
    base_url: str,
    discover: bool,
) -> tuple[AnyProvider | None, dict[str, str], str | None]:
    """The client's provider, headers from its profile, and the profile's base URL, as
    the official SDK resolves them (`api_key`/`auth_token` were read from the
    environment already when none of the five was passed). `discover` runs
    `default_credentials` when nothing was found. Raises `ValueError` for more than one
    of the five, `CredentialsError` for a broken profile, before any I/O."""
    given = [
        name
        for name, value in (
            ("credentials", credentials),
            ("config", config),
            ("profile", profile),
        )
        if value is not None
    ]
    if given and (api_key is not None or auth_token is not None):
        given.insert(0, "api_key" if api_key is not None else "auth_token")
    if len(given) > 1:
        raise ValueError(
            "pass at most one of api_key, auth_token, credentials, config and profile; "
            f"got {', '.join(given)}"
        )
    headers: dict[str, str] = {}
    pinned: str | None = None
    if config is not None:
        in_memory = InMemoryConfig(config)
        credentials, headers, pinned = (
            in_memory,
            in_memory.extra_headers(),
            in_memory.resolved_base_url,
        )
    elif profile is not None:
        named = CredentialsFile(profile)
        credentials, headers, pinned = named, named.extra_headers(), named.resolved_base_url
    elif credentials is None and api_key is None and auth_token is None and discover:
        found = default_credentials(base_url=base_url)
        if found is not None:
            credentials, headers, pinned = found.provider, found.extra_headers, found.base_url
    if credentials is not None and not callable(credentials):
        raise TypeError(
            f"credentials must be a token provider (a callable), got {type(credentials).__name__}"
        )
    return credentials, headers, pinned


def bind_provider(provider: AnyProvider, base_url: str) -> AnyProvider:
    """The provider a client at `base_url` exchanges through."""
    if isinstance(provider, BaseURLBoundProvider):
        bound: AnyProvider = provider.for_base_url(base_url)
        return bound
    return provider

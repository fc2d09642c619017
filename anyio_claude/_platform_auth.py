"""How the platform clients authenticate each attempt: AWS SigV4 (Bedrock, AnthropicAWS,
Bedrock Mantle), a Google access token (Vertex AI) and a bearer-token callable (Foundry's
Entra ID provider). Each is a `_credentials.RequestAuth`, the one hook `AsyncClaude._send`
calls per attempt.

botocore and google-auth are optional extras imported on first use. What can do I/O
(resolving the AWS credential chain, refreshing expiring AWS or Google credentials, a sync
token provider) runs in a worker thread; signing is CPU only and runs inline. Credentials
travel as `SecretStr`/`SecretBytes`, so no repr, log or traceback with locals shows them.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import anyio

from ._errors import ClaudeError, CredentialsError
from ._secret import SecretBytes, SecretStr

if TYPE_CHECKING:
    from ._http import Request

__all__ = (
    "CLOUD_PLATFORM_SCOPE",
    "AwsCredentials",
    "BearerProviderAuth",
    "GoogleAuth",
    "MissingDependencyError",
    "SigV4Auth",
    "aws_profile_region",
)

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"

T = TypeVar("T")


class MissingDependencyError(ClaudeError, ImportError):
    """An optional extra a platform client needs is not installed."""

    def __init__(self, *, extra: str, library: str) -> None:
        super().__init__(
            f"this client needs {library}: install it with `pip install anyio-claude[{extra}]`"
        )


def _botocore(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(f"botocore.{module}")
    except ImportError as exc:
        raise MissingDependencyError(extra="bedrock", library="botocore") from exc


def _guarded(call: Callable[[], T]) -> T:
    """`call()`, its failure raised as a `CredentialsError` that says what failed but
    carries neither the library's exception nor its frames, whose locals hold secrets
    (a client secret, a refresh token, a request body)."""
    try:
        return call()
    except ClaudeError:
        raise
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    # Raised outside the `except`, so the error has no `__context__` to show.
    raise CredentialsError(f"could not resolve credentials: {problem}")


# ------------------------------------------------------------------------------ AWS


class FrozenAwsCredentials(NamedTuple):
    """One consistent set of AWS credentials, each part a `SecretStr` (botocore's signer
    reads the same three attributes)."""

    access_key: SecretStr
    secret_key: SecretStr
    token: SecretStr | None


def aws_profile_region(profile: str | None) -> str | None:
    """The region the AWS config gives `profile` (the default one without), or None; None
    too without botocore (as the official SDK without boto3). Reads the config file."""
    try:
        session = _botocore("session").Session(profile=profile)
        region = session.get_config_variable("region")
    except MissingDependencyError:
        return None
    except Exception:  # a broken or missing profile: no region from it
        return None
    return region if isinstance(region, str) and region else None


class AwsCredentials:
    """The AWS credentials a client signs with: the keys given, else botocore's chain
    (environment, shared files for `profile`, SSO, container and instance metadata, ...),
    resolved on first use and refreshed by botocore when they expire, in a worker thread."""

    __slots__ = ("_lock", "_profile", "_resolved", "_static")

    def __init__(
        self,
        *,
        access_key: str | None,
        secret_key: str | None,
        session_token: str | None,
        profile: str | None,
    ) -> None:
        self._profile = profile
        self._static: FrozenAwsCredentials | None = None
        if access_key is not None and secret_key is not None:
            self._static = FrozenAwsCredentials(
                SecretStr(access_key),
                SecretStr(secret_key),
                None if session_token is None else SecretStr(session_token),
            )
        self._resolved: Any = None
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"AwsCredentials(profile={self._profile!r})"

    async def frozen(self) -> FrozenAwsCredentials:
        """The current credentials. Raises `CredentialsError` when the chain finds none
        (or fails), `MissingDependencyError` without botocore."""
        if self._static is not None:
            return self._static
        if self._resolved is None:
            async with self._lock:
                if self._resolved is None:
                    self._resolved = await anyio.to_thread.run_sync(self._resolve)
        creds = self._resolved
        if getattr(creds, "refresh_needed", None) is not None and creds.refresh_needed():
            # Refreshing (STS, SSO, instance metadata) is I/O: one worker thread at a time.
            async with self._lock:
                return await anyio.to_thread.run_sync(_freeze, creds)
        return _freeze(creds)

    def _resolve(self) -> Any:
        session = _botocore("session").Session(profile=self._profile)
        creds = _guarded(session.get_credentials)
        if creds is None:
            raise CredentialsError(
                "could not resolve AWS credentials: pass aws_access_key and aws_secret_key, "
                "aws_profile, or configure the AWS credential chain (AWS_ACCESS_KEY_ID, "
                "~/.aws/credentials, SSO, instance metadata, ...)"
            )
        return creds


def _freeze(creds: Any) -> FrozenAwsCredentials:
    frozen = _guarded(creds.get_frozen_credentials)
    return FrozenAwsCredentials(
        SecretStr(frozen.access_key),
        SecretStr(frozen.secret_key),
        None if frozen.token is None else SecretStr(frozen.token),
    )


# Added by the signer; a value from an earlier attempt or the caller would break it.
_SIGV4_HEADERS = (b"authorization", b"x-amz-date", b"x-amz-security-token")


class SigV4Auth:
    """Signs each attempt with AWS Signature Version 4 (botocore's signer) for `service`
    in `region`, over the request as sent to `origin` (scheme://host[:port])."""

    __slots__ = ("_credentials", "_origin", "_region", "_service")

    def __init__(self, credentials: AwsCredentials, *, service: str, region: str, origin: str):
        self._credentials = credentials
        self._service = service
        self._region = region
        self._origin = origin

    def __repr__(self) -> str:
        return f"SigV4Auth(service={self._service!r}, region={self._region!r})"

    async def apply(self, request: Request) -> None:
        """Add `Authorization`, `X-Amz-Date` (and `X-Amz-Security-Token` with a session
        token) to `request`. Raises what `AwsCredentials.frozen` raises."""
        from datetime import datetime, timezone

        credentials = await self._credentials.frozen()
        aws_request = _botocore("awsrequest").AWSRequest(
            method=request.method,
            url=self._origin + request.target.decode("latin-1"),
            data=request.content,
        )
        kept = [h for h in request.headers if h[0] not in _SIGV4_HEADERS]
        for name, value in kept:
            # A proxy may drop `connection`: it is not signed (as the official SDK).
            if name != b"connection":
                aws_request.headers[name.decode("latin-1")] = value.decode("latin-1")
        timestamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        added: list[tuple[bytes, bytes]] = [(b"x-amz-date", timestamp.encode())]
        aws_request.context["timestamp"] = timestamp
        aws_request.headers["X-Amz-Date"] = timestamp
        if credentials.token:
            aws_request.headers["X-Amz-Security-Token"] = credentials.token
            added.append((b"x-amz-security-token", SecretBytes(credentials.token.encode())))
        # What botocore's `add_auth` does, less its debug log of the canonical request
        # (which holds the session token).
        signer = _botocore("auth").SigV4Auth(credentials, self._service, self._region)
        canonical = signer.canonical_request(aws_request)
        signature = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
        signed = signer.signed_headers(signer.headers_to_sign(aws_request))
        authorization = (
            f"AWS4-HMAC-SHA256 Credential={signer.scope(aws_request)}, "
            f"SignedHeaders={signed}, Signature={signature}"
        )
        added.append((b"authorization", SecretBytes(authorization.encode())))
        request.headers = [*kept, *added]

    def rejected(self, sent: object) -> bool:
        """A 401/403 is not mended by signing again with the same credentials."""
        return False


# ------------------------------------------------------------------------------ Google


class _UrllibRequest:
    """google-auth's transport interface over the standard library, so refreshing needs
    no HTTP library beyond google-auth (it runs in a worker thread)."""

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        import urllib.error
        import urllib.request

        from google.auth import exceptions, transport

        class _Response(transport.Response):
            def __init__(self, status: int, head: Any, data: bytes) -> None:
                self._status = status
                self._headers = {k.lower(): v for k, v in head.items()}
                self._data = data

            @property
            def status(self) -> int:
                return self._status

            @property
            def headers(self) -> dict[str, str]:
                return self._headers

            @property
            def data(self) -> bytes:
                return self._data

        req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout or 120) as reply:
                return _Response(reply.status, reply.headers, reply.read())
        except urllib.error.HTTPError as exc:
            return _Response(exc.code, exc.headers, exc.read())
        except (OSError, ValueError) as exc:
            raise exceptions.TransportError(str(exc)) from exc  # type: ignore[no-untyped-call]


def _google_default() -> tuple[Any, str | None]:
    try:
        import google.auth
    except ImportError as exc:
        raise MissingDependencyError(extra="vertex", library="google-auth") from exc
    credentials, project = _guarded(lambda: google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE]))
    _google_refresh(credentials)
    return credentials, project if isinstance(project, str) else None


def _google_refresh(credentials: Any) -> None:
    _guarded(lambda: credentials.refresh(_UrllibRequest()))


class GoogleAuth:
    """`Authorization: Bearer` with a Google access token: the one given, else the token
    of the google-auth credentials given, else of application default credentials (loaded
    on first use). Expired credentials are refreshed in a worker thread, one refresh for
    all concurrent requests. A request that already has `Authorization` is left alone."""

    __slots__ = ("_access_token", "_lock", "credentials", "project_id")

    def __init__(self, *, access_token: str | None, credentials: Any) -> None:
        self._access_token = None if access_token is None else SecretStr(access_token)
        self.credentials = credentials
        self.project_id: str | None = None  # what application default credentials name
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return "GoogleAuth()"

    async def token(self) -> SecretStr:
        """The token to send. Raises `CredentialsError` when none can be had."""
        if self._access_token is not None:
            return self._access_token
        credentials = self.credentials
        if credentials is None or credentials.expired or not credentials.token:
            async with self._lock:
                credentials = self.credentials
                if credentials is None:
                    credentials, self.project_id = await anyio.to_thread.run_sync(_google_default)
                    self.credentials = credentials
                if credentials.expired or not credentials.token:
                    await anyio.to_thread.run_sync(_google_refresh, credentials)
        token = credentials.token
        if not isinstance(token, str) or not token:
            raise CredentialsError("could not resolve a Google access token from the credentials")
        return SecretStr(token)

    async def apply(self, request: Request) -> None:
        """Add the token to `request` (unless it has an `Authorization` already)."""
        if any(name == b"authorization" for name, _ in request.headers):
            return
        token = await self.token()
        request.headers = [
            *request.headers,
            (b"authorization", SecretBytes(b"Bearer " + token.encode())),
        ]

    def rejected(self, sent: object) -> bool:
        """A 401 is the platform's answer; the official SDK does not retry it."""
        return False


# ------------------------------------------------------------------------------ Foundry


class BearerProviderAuth:
    """`Authorization: Bearer` with what `provider` returns, called once per attempt (it
    caches and refreshes on its own, as Azure's token providers do): `async def` providers
    are awaited, others run in a worker thread (their result awaited if awaitable)."""

    __slots__ = ("_argument", "_provider")

    def __init__(self, provider: Callable[[], str | Awaitable[str]], *, argument: str) -> None:
        self._provider = provider
        self._argument = argument

    def __repr__(self) -> str:
        return f"BearerProviderAuth({self._argument})"

    async def apply(self, request: Request) -> None:
        """Add the provider's token to `request`. Raises `ValueError` naming the argument
        if the provider returns no token or not a str."""
        provider = self._provider
        if inspect.iscoroutinefunction(provider):
            result: object = await provider()
        else:
            # Boxed: trio refuses a worker thread's function that returns a coroutine.
            (result,) = await anyio.to_thread.run_sync(lambda: (provider(),))
            if inspect.isawaitable(result):
                result = await result
        if not isinstance(result, str) or not result:
            raise ValueError(
                f"{self._argument} must return a non-empty str, got {type(result).__name__}"
            )
        request.headers = [
            *(h for h in request.headers if h[0] != b"authorization"),
            (b"authorization", SecretBytes(b"Bearer " + result.encode())),
        ]

    def rejected(self, sent: object) -> bool:
        """A 401 is not retried (as the official SDK)."""
        return False

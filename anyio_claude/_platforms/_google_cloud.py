"""`AsyncAnthropicGoogleCloud`: the whole API (Anthropic managed) through Google Cloud's
gateway, under `https://claude.googleapis.com/v1/projects/{project}/locations/{location}/
workspaces/{workspace_id}/invoke`, authenticated with a Google access token. Paths and
bodies are the API's own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._errors import ClaudeError
from .._platform_auth import BearerProviderAuth, GoogleAuth
from ._aws import _NoAuth
from ._common import PlatformClient, env, given, path_segment

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from .._http import Request
    from ._common import AsyncClientOptions, CopyOptions

__all__ = ("AsyncAnthropicGoogleCloud", "AsyncTokenProvider", "TokenProvider")

TokenProvider = Callable[[], str]
AsyncTokenProvider = Callable[[], "str | Awaitable[str]"]

_ORIGIN = "https://claude.googleapis.com"
_NO_PROJECT = (
    "No `project` was provided and one could not be resolved from Google credentials. "
    "Pass the `project` argument, set the `ANTHROPIC_GOOGLE_CLOUD_PROJECT` environment "
    "variable, or provide `base_url` directly."
)
_NO_WORKSPACE = (
    "No workspace ID found. Set the `workspace_id` argument or the "
    "`ANTHROPIC_GOOGLE_CLOUD_WORKSPACE_ID` environment variable."
)


def _workspace_path(project: str, location: str, workspace_id: str) -> str:
    return (
        f"/v1/projects/{path_segment('project', project)}"
        f"/locations/{path_segment('location', location)}"
        f"/workspaces/{path_segment('workspace_id', workspace_id)}/invoke"
    )


def _project_of(credentials: Any) -> str | None:
    """The project a credentials object knows (service accounts usually do)."""
    for attribute in ("project_id", "quota_project_id"):
        value = getattr(credentials, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


class _DeferredProject:
    """The gateway's path once the project is known: application default credentials
    name it when they load, on the first request (as the official SDK back-fills it)."""

    __slots__ = ("_auth", "_client")

    def __init__(self, client: AsyncAnthropicGoogleCloud, auth: GoogleAuth) -> None:
        self._client = client
        self._auth = auth

    async def apply(self, request: Request) -> None:
        """Authenticate `request`, then put the derived path in front of its target.
        Raises `ClaudeError` when the credentials name no project."""
        await self._auth.token()  # loads the credentials, and with them the project
        client = self._client
        project = client.project or self._auth.project_id
        if project is None:
            raise ClaudeError(_NO_PROJECT)
        client.project = project
        assert client.workspace_id is not None  # checked by `_call`
        prefix = _workspace_path(project, client.location, client.workspace_id).encode()
        request.target = prefix + request.target
        await self._auth.apply(request)

    def rejected(self, sent: object) -> bool:
        """Not retried (as the official SDK)."""
        return False


class AsyncAnthropicGoogleCloud(PlatformClient):
    """An async client for Claude on Google Cloud (Anthropic managed; asyncio and trio):
    the whole API, billed through Google Cloud.

    Credentials, first match wins (none with `skip_auth=True`, which excludes the
    others): `token_provider` (called for each attempt: `async def` awaited, a plain one
    in a worker thread), `credentials` (a `google.auth` credentials object, refreshed in a
    worker thread), else application default credentials, loaded on the first request.
    A request that already has `Authorization` keeps it. `project` defaults to
    `ANTHROPIC_GOOGLE_CLOUD_PROJECT`, `GOOGLE_CLOUD_PROJECT`, the credentials' project,
    else what application default credentials name; `location` to
    `ANTHROPIC_GOOGLE_CLOUD_LOCATION`, else `global`; `workspace_id` to
    `ANTHROPIC_GOOGLE_CLOUD_WORKSPACE_ID`; `base_url` (which replaces the derived gateway
    URL) to `ANTHROPIC_GOOGLE_CLOUD_BASE_URL`.

    Raises `ValueError` before any I/O for `skip_auth` with credentials; a request on a
    derived URL raises `ClaudeError` without a workspace, or without a project.
    """

    _otel_platform = "google_cloud"

    def __init__(
        self,
        *,
        project: str | None = None,
        location: str | None = None,
        workspace_id: str | None = None,
        token_provider: AsyncTokenProvider | None = None,
        credentials: Any = None,
        skip_auth: bool = False,
        base_url: str | None = None,
        **options: Unpack[AsyncClientOptions],
    ) -> None:
        if skip_auth and (token_provider is not None or credentials is not None):
            raise ValueError(
                "`skip_auth` is mutually exclusive with `token_provider` and `credentials`; "
                "`skip_auth` disables authentication entirely."
            )
        self.location = location or env("ANTHROPIC_GOOGLE_CLOUD_LOCATION") or "global"
        project = project or env("ANTHROPIC_GOOGLE_CLOUD_PROJECT") or env("GOOGLE_CLOUD_PROJECT")
        if project is None and credentials is not None:
            project = _project_of(credentials)
        self.project = project
        self.workspace_id = workspace_id or env("ANTHROPIC_GOOGLE_CLOUD_WORKSPACE_ID")
        self._platform_options = {
            "project": project,
            "location": location,
            "workspace_id": workspace_id,
            "token_provider": token_provider,
            "credentials": credentials,
            "skip_auth": skip_auth,
        }
        if base_url is None:
            base_url = env("ANTHROPIC_GOOGLE_CLOUD_BASE_URL")
        self._derived_url = base_url is None
        deferred = False
        if base_url is None:
            if project is not None and self.workspace_id is not None:
                base_url = _ORIGIN + _workspace_path(project, self.location, self.workspace_id)
            elif project is None and skip_auth:
                raise ValueError(
                    "No `project` was provided. Pass `project`, set the "
                    "`ANTHROPIC_GOOGLE_CLOUD_PROJECT` environment variable, or provide "
                    "`base_url` directly."
                )
            else:
                # The path waits for the project (or the workspace, which `_call` asks for).
                base_url, deferred = _ORIGIN, project is None
        super().__init__(base_url=base_url, **options)
        self._google = GoogleAuth(access_token=None, credentials=credentials)
        if skip_auth:
            self._auth = _NoAuth()
        elif token_provider is not None:
            self._auth = _KeepAuthorization(
                BearerProviderAuth(token_provider, argument="token_provider")
            )
        elif deferred:
            self._auth = _DeferredProject(self, self._google)
        else:
            self._auth = self._google

    @property
    def google_credentials(self) -> Any:
        """The google-auth credentials in use (explicit, or application default ones once
        loaded), if any."""
        return self._google.credentials

    def with_options(  # type: ignore[override]  # the platform's credentials, not api keys
        self,
        *,
        project: str | None = None,
        location: str | None = None,
        workspace_id: str | None = None,
        token_provider: AsyncTokenProvider | None = None,
        credentials: Any = None,
        **options: Unpack[CopyOptions],
    ) -> Self:
        """A copy with some settings changed (see `AsyncClaude.with_options`); it shares
        this client's Google credentials unless given others. Raises what the constructor
        raises."""
        inherited: dict[str, Any] = {}
        if self._google.credentials is not None and not self._platform_options["skip_auth"]:
            inherited["credentials"] = self._google.credentials
        return self._copy(
            {
                **inherited,
                **given(
                    project=project,
                    location=location,
                    workspace_id=workspace_id,
                    token_provider=token_provider,
                    credentials=credentials,
                ),
            },
            options,
        )

    copy = with_options  # type: ignore[assignment]

    def _route(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        extra_headers: Mapping[str, str] | None,
    ) -> tuple[str, Mapping[str, Any] | None]:
        if self._derived_url and self.workspace_id is None:
            raise ClaudeError(_NO_WORKSPACE)
        return path, body


class _KeepAuthorization:
    """`auth`, unless the request carries its own `Authorization` (which wins)."""

    __slots__ = ("_auth",)

    def __init__(self, auth: BearerProviderAuth) -> None:
        self._auth = auth

    async def apply(self, request: Request) -> None:
        """Authenticate `request` unless it already is."""
        if not any(name == b"authorization" for name, _ in request.headers):
            await self._auth.apply(request)

    def rejected(self, sent: object) -> bool:
        """Not retried (as the official SDK)."""
        return False

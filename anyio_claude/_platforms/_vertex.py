"""`AsyncAnthropicVertex`: Claude through Google Cloud's Vertex AI.

Requests are the first-party ones rerouted as the official SDK does: `POST /v1/messages`
becomes `POST /projects/{project}/locations/{region}/publishers/anthropic/models/{model}:
rawPredict` (`:streamRawPredict` for a stream), token counting
`.../models/count-tokens:rawPredict`; the model leaves the body and `anthropic_version`
joins it. Streams are SSE, as from the API. Authentication is a Google access token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._errors import ClaudeError
from .._platform_auth import GoogleAuth
from .._request import NOT_GIVEN, NotGiven
from ._bedrock import platform_body
from ._common import MessagesOnlyClient, env, given, path_segment, secret_or_none

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from ._common import AsyncClientOptions, CopyOptions

__all__ = ("AsyncAnthropicVertex", "vertex_base_url")

_NO_PROJECT = (
    "No project_id was given and it could not be resolved from credentials. The client "
    "should be instantiated with the `project_id` argument or the "
    "`ANTHROPIC_VERTEX_PROJECT_ID` environment variable should be set."
)


def vertex_base_url(region: str) -> str:
    """The Vertex AI endpoint of `region` (the global and multi-region ones included)."""
    if region == "global":
        return "https://aiplatform.googleapis.com/v1"
    if region in ("us", "eu"):
        return f"https://aiplatform.{region}.rep.googleapis.com/v1"
    return f"https://{region}-aiplatform.googleapis.com/v1"


class AsyncAnthropicVertex(MessagesOnlyClient):
    """An async client for Claude on Google Cloud Vertex AI (asyncio and trio).

    `region` defaults to `CLOUD_ML_REGION`, `project_id` to `ANTHROPIC_VERTEX_PROJECT_ID`,
    `base_url` to `ANTHROPIC_VERTEX_BASE_URL`, else the region's endpoint. Requests carry
    `access_token` if given, else a token of `credentials` (a `google.auth` credentials
    object), else of application default credentials, loaded on first use; loading and
    refreshing run in a worker thread (the `vertex` extra: google-auth).

    Raises `ValueError` before any I/O without a region (or an empty one); a request
    raises `ClaudeError` without a project, or for the Batch API (Vertex AI lacks it),
    and `CredentialsError` when no token can be had. The transport options, errors,
    retries, timeouts and lifetime are `AsyncClaude`'s.
    """

    _gen_ai_provider_name = "gcp.vertex_ai"
    _otel_platform = "vertex"
    _platform_name = "Vertex AI"

    def __init__(
        self,
        *,
        region: str | NotGiven = NOT_GIVEN,
        project_id: str | NotGiven = NOT_GIVEN,
        access_token: str | None = None,
        credentials: Any = None,
        base_url: str | None = None,
        **options: Unpack[AsyncClientOptions],
    ) -> None:
        access_token = secret_or_none(access_token)  # out of this frame's locals' reprs
        if isinstance(region, NotGiven):
            region = env("CLOUD_ML_REGION") or NOT_GIVEN
        if isinstance(region, NotGiven):
            raise ValueError(
                "No region was given. The client should be instantiated with the `region` "
                "argument or the `CLOUD_ML_REGION` environment variable should be set."
            )
        if region == "":
            raise ValueError(f"Expected a non-empty value for `region` but received {region!r}")
        self.region = region
        self.project_id: str | None = (
            (env("ANTHROPIC_VERTEX_PROJECT_ID") or None)
            if isinstance(project_id, NotGiven)
            else project_id
        )
        if base_url is None:
            base_url = env("ANTHROPIC_VERTEX_BASE_URL")
        self._derived_url = base_url is None
        if base_url is None:
            base_url = vertex_base_url(region)
        super().__init__(base_url=base_url, **options)
        self._google = GoogleAuth(access_token=access_token, credentials=credentials)
        self._auth = self._google
        self._platform_options = {
            "region": region,
            "project_id": NOT_GIVEN if self.project_id is None else self.project_id,
            "access_token": access_token,
            "credentials": credentials,
        }

    @property
    def access_token(self) -> str | None:
        """The access token given (never shown in `repr`)."""
        token = self._platform_options["access_token"]
        return token if isinstance(token, str) else None

    @property
    def google_credentials(self) -> Any:
        """The google-auth credentials in use (None until loaded, without `credentials=`)."""
        return self._google.credentials

    def with_options(  # type: ignore[override]  # the platform's credentials, not api keys
        self,
        *,
        region: str | None = None,
        project_id: str | None = None,
        access_token: str | None = None,
        credentials: Any = None,
        **options: Unpack[CopyOptions],
    ) -> Self:
        """A copy with some settings changed (see `AsyncClaude.with_options`); it shares
        this client's Google credentials unless given others. Raises what the constructor
        raises."""
        access_token = secret_or_none(access_token)  # out of this frame's locals' reprs
        # Loaded credentials are shared, so a copy does not load its own.
        inherited = {"credentials": self._google.credentials}
        return self._copy(
            {
                **inherited,
                **given(
                    region=region,
                    project_id=project_id,
                    access_token=access_token,
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
        if path.startswith("/v1/messages/batches"):
            raise ClaudeError("The Batch API is not supported in the Vertex client yet")
        payload = platform_body(body, None, self.anthropic_version)
        if method == "POST" and path in ("/v1/messages", "/v1/messages/count_tokens"):
            if self.project_id is None:
                raise ClaudeError(_NO_PROJECT)
            prefix = (
                f"/projects/{path_segment('project_id', self.project_id)}"
                f"/locations/{path_segment('region', self.region)}/publishers/anthropic/models"
            )
            if path == "/v1/messages/count_tokens":
                path = f"{prefix}/count-tokens:rawPredict"
            elif payload is not None:
                model = payload.pop("model", None)
                if not isinstance(model, str) or not model:
                    raise ValueError(
                        f"Expected a non-empty value for `model` but received {model!r}"
                    )
                specifier = "streamRawPredict" if payload.get("stream") is True else "rawPredict"
                # A server that drops `;` and the rest of its segment would drop the specifier.
                segment = path_segment("model", f"{model}:{specifier}").replace(";", "%3B")
                path = f"{prefix}/{segment}"
        return path, payload

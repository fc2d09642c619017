"""`AsyncAnthropicBedrock`: Claude through Amazon Bedrock's runtime API.

Requests are the first-party ones rerouted as the official SDK does: `POST /v1/messages`
becomes `POST /model/{model}/invoke` (or `/invoke-with-response-stream` for a stream),
the model and `stream` leave the body, `anthropic_version` (and `anthropic_beta`, from
the `anthropic-beta` header) join it. Streams arrive in AWS's event-stream framing, which
`_live_streams` reads by its content type. Authentication is a Bedrock API key
(`Authorization: Bearer`) or SigV4 from the AWS credential chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._client import DEFAULT_MAX_RETRIES
from .._errors import ClaudeError
from .._platform_auth import AwsCredentials, SigV4Auth, aws_profile_region
from .._request import NOT_GIVEN, NotGiven
from ._common import MessagesOnlyClient, PlatformClient, checked_key, env, given, secret_or_none

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from .._http import Timeout
    from ._common import AsyncTransportOptions, CopyOptions

__all__ = (
    "AsyncAnthropicBedrock",
    "AwsPlatformClient",
    "aws_signer",
    "check_aws_keys",
    "infer_region",
    "platform_body",
)


def infer_region(aws_profile: str | None) -> str:
    """`AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's configured region (read
    with botocore when installed). Raises `ValueError` without one."""
    region = env("AWS_REGION") or env("AWS_DEFAULT_REGION") or aws_profile_region(aws_profile)
    if not region:
        raise ValueError(
            "No AWS region was provided. Set the `aws_region` argument, the `AWS_REGION` / "
            "`AWS_DEFAULT_REGION` environment variable, or configure a region for your "
            "AWS profile."
        )
    return region


def check_aws_keys(aws_access_key: str | None, aws_secret_key: str | None) -> None:
    """Raise `ValueError` when only one of the two keys is given."""
    if (aws_access_key is None) != (aws_secret_key is None):
        given_one, missing = (
            ("aws_access_key", "aws_secret_key")
            if aws_access_key is not None
            else ("aws_secret_key", "aws_access_key")
        )
        raise ValueError(
            f"`{given_one}` was provided without `{missing}`. Both must be provided "
            "together, or neither (to use the default credential chain)."
        )


def platform_body(
    body: Mapping[str, Any] | None, extra_headers: Mapping[str, str] | None, version: str
) -> dict[str, Any] | None:
    """`body` with `anthropic_version` (and `anthropic_beta`, the list the request's
    `anthropic-beta` header names) unless it has them, as Bedrock and Vertex want."""
    if body is None:
        return None
    out = {"anthropic_version": version, **body}
    betas = next(
        (v for k, v in (extra_headers or {}).items() if k.lower() == "anthropic-beta"), None
    )
    if betas and "anthropic_beta" not in out:
        out["anthropic_beta"] = [beta.strip() for beta in betas.split(",")]
    return out


def aws_signer(
    service: str,
    region: str,
    origin: str,
    *,
    access_key: str | None,
    secret_key: str | None,
    session_token: str | None,
    profile: str | None,
) -> SigV4Auth:
    """SigV4 for `service` in `region` with the keys given, else the AWS credential
    chain of `profile` (resolved on the first request)."""
    credentials = AwsCredentials(
        access_key=access_key, secret_key=secret_key, session_token=session_token, profile=profile
    )
    return SigV4Auth(credentials, service=service, region=region, origin=origin)


class AwsPlatformClient(PlatformClient):
    """A platform client that authenticates with AWS keys: they are attributes, as on the
    official SDK's clients (never shown in `repr`)."""

    _platform_options: dict[str, Any]

    @property
    def aws_access_key(self) -> str | None:
        """The AWS access key given (None: the credential chain's, or an API key)."""
        return self._platform_options.get("aws_access_key")

    @property
    def aws_secret_key(self) -> str | None:
        """The AWS secret key given (never shown in `repr`)."""
        return self._platform_options.get("aws_secret_key")

    @property
    def aws_session_token(self) -> str | None:
        """The AWS session token given (never shown in `repr`)."""
        return self._platform_options.get("aws_session_token")


class AsyncAnthropicBedrock(MessagesOnlyClient, AwsPlatformClient):
    """An async client for Claude on Amazon Bedrock (asyncio and trio).

    Credentials, as the official SDK resolves them: `api_key` (else
    `AWS_BEARER_TOKEN_BEDROCK`) is a Bedrock API key sent as a bearer token; otherwise
    each request is SigV4-signed with `aws_access_key`/`aws_secret_key` (and
    `aws_session_token`), else the AWS credential chain for `aws_profile` (environment,
    shared files, SSO, container or instance metadata), resolved and refreshed by botocore
    (the `bedrock` extra) in a worker thread. `aws_region` defaults to `AWS_REGION`,
    `AWS_DEFAULT_REGION` or the profile's region; `base_url` to
    `ANTHROPIC_BEDROCK_BASE_URL`, else `https://bedrock-runtime.{region}.amazonaws.com`.

    Raises `ValueError` before any I/O for an API key next to AWS credentials, one AWS
    key without the other, or no region; a request raises `CredentialsError` when the
    chain has no credentials, and `ClaudeError` for the APIs Bedrock lacks (batches,
    token counting). The transport options, errors, retries, timeouts and lifetime are
    `AsyncClaude`'s. A user profile ID (`user_profile_id=`, or the
    `anthropic-user-profile-id` header) goes in the body of a message, where Bedrock
    reads it.
    """

    _gen_ai_provider_name = "aws.bedrock"
    _otel_platform = "bedrock"
    _platform_name = "Amazon Bedrock"

    _profile_in_body = frozenset({"/v1/messages"})

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
        **options: Unpack[AsyncTransportOptions],
    ) -> None:
        # Wrapped first thing: this frame's locals show up in tracebacks that capture them.
        aws_secret_key, aws_access_key = (
            secret_or_none(aws_secret_key),
            secret_or_none(aws_access_key),
        )
        aws_session_token, api_key = secret_or_none(aws_session_token), secret_or_none(api_key)
        if api_key is None:
            api_key = secret_or_none(env("AWS_BEARER_TOKEN_BEDROCK"))
        api_key = checked_key("api_key", api_key)
        has_aws = any(
            v is not None for v in (aws_access_key, aws_secret_key, aws_session_token, aws_profile)
        )
        if api_key is not None and has_aws:
            raise ValueError(
                "Cannot specify both `api_key` and AWS credentials (`aws_access_key`, "
                "`aws_secret_key`, `aws_session_token`, `aws_profile`)"
            )
        check_aws_keys(aws_access_key, aws_secret_key)
        self.aws_region = infer_region(aws_profile) if aws_region is None else aws_region
        self.aws_profile = aws_profile
        self._platform_options = {
            "aws_secret_key": aws_secret_key,
            "aws_access_key": aws_access_key,
            "aws_region": self.aws_region,
            "aws_profile": aws_profile,
            "aws_session_token": aws_session_token,
            "api_key": api_key,
        }
        if base_url is None:
            base_url = env("ANTHROPIC_BEDROCK_BASE_URL")
        self._derived_url = base_url is None
        if base_url is None:
            base_url = f"https://bedrock-runtime.{self.aws_region}.amazonaws.com"
        super().__init__(
            auth_token=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            **options,
        )
        if api_key is None:
            self._auth = aws_signer(
                "bedrock",
                self.aws_region,
                self._origin,
                access_key=aws_access_key,
                secret_key=aws_secret_key,
                session_token=aws_session_token,
                profile=aws_profile,
            )

    def with_options(  # type: ignore[override]  # the platform's credentials, not api keys
        self,
        *,
        aws_secret_key: str | None = None,
        aws_access_key: str | None = None,
        aws_region: str | None = None,
        aws_profile: str | None = None,
        aws_session_token: str | None = None,
        api_key: str | None = None,
        **options: Unpack[CopyOptions],
    ) -> Self:
        """A copy with some settings changed (see `AsyncClaude.with_options`); the AWS
        options given replace this client's. Raises what the constructor raises."""
        # Wrapped first thing: this frame's locals show up in tracebacks that capture them.
        aws_secret_key, aws_access_key = (
            secret_or_none(aws_secret_key),
            secret_or_none(aws_access_key),
        )
        aws_session_token, api_key = secret_or_none(aws_session_token), secret_or_none(api_key)
        return self._copy(
            given(
                aws_secret_key=aws_secret_key,
                aws_access_key=aws_access_key,
                aws_region=aws_region,
                aws_profile=aws_profile,
                aws_session_token=aws_session_token,
                api_key=api_key,
            ),
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
            raise ClaudeError("The Batch API is not supported in Bedrock yet")
        if path == "/v1/messages/count_tokens":
            raise ClaudeError("Token counting is not supported in Bedrock yet")
        payload = platform_body(body, extra_headers, self.anthropic_version)
        if path == "/v1/messages" and method == "POST" and payload is not None:
            model = payload.pop("model", None)
            # A server that drops ";params" from a segment routes on what precedes it.
            before_params = str(model or "").partition(";")[0]
            if not before_params:
                raise ValueError(f"Expected a non-empty value for `model` but received {model!r}")
            if before_params in (".", ".."):
                raise ValueError(f"`model` {model!r} cannot be a path segment")
            stream = payload.pop("stream", False)
            action = "invoke-with-response-stream" if stream is True else "invoke"
            path = f"/model/{quote(str(model), safe=':;')}/{action}"
        return path, payload

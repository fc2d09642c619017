"""`AsyncAnthropicAWS` (Claude Platform on AWS) and `AsyncAnthropicBedrockMantle` (Bedrock's
Anthropic-compatible endpoint): the API's own paths, authenticated with an API key or a
SigV4 signature from the AWS credential chain, as the official SDK resolves them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._errors import ClaudeError
from ._bedrock import AwsPlatformClient, aws_signer, check_aws_keys
from ._common import MessagesOnlyClient, checked_key, env, given, secret_or_none

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from .._secret import SecretStr
    from ._common import AsyncClientOptions, CopyOptions

__all__ = ("AsyncAnthropicAWS", "AsyncAnthropicBedrockMantle")

_NO_REGION = (
    "No AWS region was provided. Set the `aws_region` argument or the "
    "`AWS_REGION`/`AWS_DEFAULT_REGION` environment variable."
)


def _first_env(names: Sequence[str]) -> str | None:
    return next((value for name in names if (value := env(name)) is not None), None)


def _uses_sigv4(
    api_key: str | None,
    aws_access_key: str | None,
    aws_secret_key: str | None,
    aws_profile: str | None,
    key_variables: Sequence[str],
) -> bool:
    """SigV4 unless an API key is given, or none of the AWS arguments is and one of
    `key_variables` is set (the official precedence)."""
    if api_key is not None:
        return False
    if aws_access_key is not None or aws_secret_key is not None or aws_profile is not None:
        return True
    return _first_env(key_variables) is None


def _region(aws_region: str | None) -> str | None:
    return aws_region if aws_region is not None else env("AWS_REGION") or env("AWS_DEFAULT_REGION")


class _AwsClient(AwsPlatformClient):
    """What the two share: the credential resolution, the signer, copies."""

    _service: str
    _key_variables: Sequence[str]
    aws_region: str | None

    def _resolve_aws(
        self,
        *,
        api_key: SecretStr | None,
        aws_access_key: SecretStr | None,
        aws_secret_key: SecretStr | None,
        aws_region: str | None,
        aws_profile: str | None,
        aws_session_token: SecretStr | None,
        skip_auth: bool,
    ) -> tuple[bool, SecretStr | None]:
        """Whether to sign, and the API key otherwise (from the environment if not given)."""
        self.aws_region = _region(aws_region)
        self.aws_profile = aws_profile
        self._skip_auth = skip_auth
        self._platform_options = {
            "api_key": api_key,
            "aws_access_key": aws_access_key,
            "aws_secret_key": aws_secret_key,
            "aws_region": aws_region,
            "aws_profile": aws_profile,
            "aws_session_token": aws_session_token,
            "skip_auth": skip_auth,
        }
        if skip_auth:
            return False, None
        check_aws_keys(aws_access_key, aws_secret_key)
        sigv4 = _uses_sigv4(
            api_key, aws_access_key, aws_secret_key, aws_profile, self._key_variables
        )
        if sigv4:
            return True, None
        key = api_key if api_key is not None else secret_or_none(_first_env(self._key_variables))
        return False, checked_key("api_key", key)

    @property
    def skip_auth(self) -> bool:
        """Whether no credentials are sent (a gateway in front adds its own)."""
        return self._skip_auth

    def _start_auth(
        self,
        sigv4: bool,
        aws_access_key: SecretStr | None,
        aws_secret_key: SecretStr | None,
        aws_session_token: SecretStr | None,
    ) -> None:
        """Sign each request (SigV4), or send nothing with `skip_auth`; the API key, if
        any, went to `AsyncClaude`."""
        if sigv4:
            assert self.aws_region is not None
            self._auth = aws_signer(
                self._service,
                self.aws_region,
                self._origin,
                access_key=aws_access_key,
                secret_key=aws_secret_key,
                session_token=aws_session_token,
                profile=self.aws_profile,
            )
        elif self._skip_auth:
            self._auth = _NoAuth()


class AsyncAnthropicAWS(_AwsClient):
    """An async client for the Claude Platform on AWS (asyncio and trio).

    Credentials, as the official SDK resolves them: `api_key`; else SigV4 with
    `aws_access_key`/`aws_secret_key` or `aws_profile`; else `ANTHROPIC_AWS_API_KEY`;
    else SigV4 from the AWS credential chain (botocore, the `bedrock` extra, in a worker
    thread). `skip_auth` sends none (for a gateway that adds its own). `workspace_id`
    (else `ANTHROPIC_AWS_WORKSPACE_ID`) goes in `anthropic-workspace-id`. `base_url`
    defaults to `ANTHROPIC_AWS_BASE_URL`, else `https://aws-external-anthropic.{region}.api.aws`.

    Raises `ClaudeError` before any I/O without a workspace, or without a region where one
    is needed; `ValueError` for one AWS key without the other.
    """

    _otel_platform = "aws"

    _service = "aws-external-anthropic"
    _key_variables = ("ANTHROPIC_AWS_API_KEY",)

    def __init__(
        self,
        *,
        api_key: str | None = None,
        aws_access_key: str | None = None,
        aws_secret_key: str | None = None,
        aws_region: str | None = None,
        aws_profile: str | None = None,
        aws_session_token: str | None = None,
        workspace_id: str | None = None,
        skip_auth: bool = False,
        base_url: str | None = None,
        **options: Unpack[AsyncClientOptions],
    ) -> None:
        api_key, aws_access_key = secret_or_none(api_key), secret_or_none(aws_access_key)
        aws_secret_key = secret_or_none(aws_secret_key)
        aws_session_token = secret_or_none(aws_session_token)
        sigv4, key = self._resolve_aws(
            api_key=api_key,
            aws_access_key=aws_access_key,
            aws_secret_key=aws_secret_key,
            aws_region=aws_region,
            aws_profile=aws_profile,
            aws_session_token=aws_session_token,
            skip_auth=skip_auth,
        )
        if sigv4 and self.aws_region is None:
            raise ClaudeError(_NO_REGION)
        if not skip_auth:
            workspace_id = (
                workspace_id if workspace_id is not None else env("ANTHROPIC_AWS_WORKSPACE_ID")
            )
            if workspace_id is None:
                raise ClaudeError(
                    "No workspace ID found. Set the `workspace_id` argument or the "
                    "`ANTHROPIC_AWS_WORKSPACE_ID` environment variable."
                )
        self.workspace_id = workspace_id
        self._platform_options["workspace_id"] = workspace_id
        if base_url is None:
            base_url = env("ANTHROPIC_AWS_BASE_URL")
        self._derived_url = base_url is None
        if base_url is None:
            if self.aws_region is None:
                raise ClaudeError(
                    "No AWS region was provided and no base_url was given. Set the "
                    "`aws_region` argument, the `AWS_REGION`/`AWS_DEFAULT_REGION` environment "
                    "variable, or provide a `base_url` directly."
                )
            base_url = f"https://aws-external-anthropic.{self.aws_region}.api.aws"
        if workspace_id is not None:
            options["default_headers"] = {
                "anthropic-workspace-id": workspace_id,
                **(options.get("default_headers") or {}),
            }
        super().__init__(api_key=key, base_url=base_url, **options)
        self._start_auth(sigv4, aws_access_key, aws_secret_key, aws_session_token)

    def with_options(  # type: ignore[override]  # the platform's credentials, not api keys
        self,
        *,
        api_key: str | None = None,
        aws_access_key: str | None = None,
        aws_secret_key: str | None = None,
        aws_region: str | None = None,
        aws_profile: str | None = None,
        aws_session_token: str | None = None,
        workspace_id: str | None = None,
        skip_auth: bool | None = None,
        **options: Unpack[CopyOptions],
    ) -> Self:
        """A copy with some settings changed (see `AsyncClaude.with_options`); the AWS
        options given replace this client's, and a base URL derived from the region
        follows a new region. Raises what the constructor raises."""
        # Wrapped first thing: this frame's locals show up in tracebacks that capture them.
        api_key, aws_access_key = secret_or_none(api_key), secret_or_none(aws_access_key)
        aws_secret_key = secret_or_none(aws_secret_key)
        aws_session_token = secret_or_none(aws_session_token)
        return self._copy(
            given(
                api_key=api_key,
                aws_access_key=aws_access_key,
                aws_secret_key=aws_secret_key,
                aws_region=aws_region,
                aws_profile=aws_profile,
                aws_session_token=aws_session_token,
                workspace_id=workspace_id,
                skip_auth=skip_auth,
            ),
            options,
        )

    copy = with_options  # type: ignore[assignment]

    def _construct(self, platform: Mapping[str, Any], **options: Any) -> Any:
        # The workspace header is the constructor's to add, not a default header to copy.
        headers = dict(options["default_headers"])
        headers.pop("anthropic-workspace-id", None)
        options["default_headers"] = headers
        return super()._construct(platform, **options)


class AsyncAnthropicBedrockMantle(MessagesOnlyClient, _AwsClient):
    """An async client for Bedrock Mantle, Bedrock's endpoint serving the API's own
    paths (asyncio and trio): `messages` and `beta.messages`.

    Credentials, as the official SDK resolves them: `api_key`; else SigV4 with
    `aws_access_key`/`aws_secret_key` or `aws_profile`; else `AWS_BEARER_TOKEN_BEDROCK`
    or `ANTHROPIC_AWS_API_KEY` (sent as `Authorization: Bearer`); else SigV4 from the AWS
    credential chain. `base_url` defaults to `ANTHROPIC_BEDROCK_MANTLE_BASE_URL`, else
    `https://bedrock-mantle.{region}.api.aws/anthropic`.

    A user profile ID (`user_profile_id=`, or the `anthropic-user-profile-id` header)
    goes in the body of a message or token count, where Mantle reads it. Raises
    `ClaudeError` before any I/O without a region or base URL (or without a region to
    sign for); `ValueError` for one AWS key without the other.
    """

    # Mantle is an Amazon Bedrock endpoint.
    _gen_ai_provider_name = "aws.bedrock"
    _otel_platform = "bedrock"
    _platform_name = "Bedrock Mantle"
    # Its official client's `beta.messages` has `batches`.
    _beta_batches = True

    _service = "bedrock-mantle"
    _key_variables = ("AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_AWS_API_KEY")
    _profile_in_body = frozenset({"/v1/messages", "/v1/messages/count_tokens"})

    def __init__(
        self,
        *,
        aws_access_key: str | None = None,
        aws_secret_key: str | None = None,
        aws_session_token: str | None = None,
        aws_region: str | None = None,
        aws_profile: str | None = None,
        api_key: str | None = None,
        skip_auth: bool = False,
        base_url: str | None = None,
        **options: Unpack[AsyncClientOptions],
    ) -> None:
        api_key, aws_access_key = secret_or_none(api_key), secret_or_none(aws_access_key)
        aws_secret_key = secret_or_none(aws_secret_key)
        aws_session_token = secret_or_none(aws_session_token)
        sigv4, key = self._resolve_aws(
            api_key=api_key,
            aws_access_key=aws_access_key,
            aws_secret_key=aws_secret_key,
            aws_region=aws_region,
            aws_profile=aws_profile,
            aws_session_token=aws_session_token,
            skip_auth=skip_auth,
        )
        if base_url is None:
            base_url = env("ANTHROPIC_BEDROCK_MANTLE_BASE_URL")
        self._derived_url = base_url is None
        if base_url is None:
            if self.aws_region is None:
                raise ClaudeError(
                    "No AWS region or base URL found. Set `aws_region` in the constructor, "
                    "the `AWS_REGION` / `AWS_DEFAULT_REGION` environment variable, or provide "
                    "a `base_url` / `ANTHROPIC_BEDROCK_MANTLE_BASE_URL` environment variable."
                )
            base_url = f"https://bedrock-mantle.{self.aws_region}.api.aws/anthropic"
        if sigv4 and self.aws_region is None:
            raise ClaudeError(_NO_REGION)
        super().__init__(auth_token=key, base_url=base_url, **options)
        self._start_auth(sigv4, aws_access_key, aws_secret_key, aws_session_token)

    def with_options(  # type: ignore[override]  # the platform's credentials, not api keys
        self,
        *,
        api_key: str | None = None,
        aws_access_key: str | None = None,
        aws_secret_key: str | None = None,
        aws_region: str | None = None,
        aws_profile: str | None = None,
        aws_session_token: str | None = None,
        skip_auth: bool | None = None,
        **options: Unpack[CopyOptions],
    ) -> Self:
        """A copy with some settings changed (see `AsyncClaude.with_options`); the AWS
        options given replace this client's, and a base URL derived from the region
        follows a new region. Raises what the constructor raises."""
        # Wrapped first thing: this frame's locals show up in tracebacks that capture them.
        api_key, aws_access_key = secret_or_none(api_key), secret_or_none(aws_access_key)
        aws_secret_key = secret_or_none(aws_secret_key)
        aws_session_token = secret_or_none(aws_session_token)
        return self._copy(
            given(
                api_key=api_key,
                aws_access_key=aws_access_key,
                aws_secret_key=aws_secret_key,
                aws_region=aws_region,
                aws_profile=aws_profile,
                aws_session_token=aws_session_token,
                skip_auth=skip_auth,
            ),
            options,
        )

    copy = with_options  # type: ignore[assignment]


class _NoAuth:
    """`skip_auth`: nothing is added (a gateway in front authenticates)."""

    __slots__ = ()

    async def apply(self, request: object) -> None:
        """Leave the request as it is."""

    def rejected(self, sent: object) -> bool:
        """Nothing to refresh."""
        return False

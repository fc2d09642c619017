"""The platform clients' small parts, one at a time (the mutation run of `_platforms/` and
`_sync_platforms.py` found them unpinned): the blocking twins' repr, default backend,
arguments and copies; the message, name and object of an API a platform does not serve;
where a region, a project and a gateway path come from. Requests go to FakeClaude on
127.0.0.1."""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from anyio_claude import AuthenticationError, ClaudeError, NotFoundError
from anyio_claude._platforms._common import Unserved, path_segment
from anyio_claude.lib.aws import AnthropicAWS, AsyncAnthropicAWS
from anyio_claude.lib.bedrock import (
    AnthropicBedrock,
    AnthropicBedrockMantle,
    AsyncAnthropicBedrock,
    AsyncAnthropicBedrockMantle,
)
from anyio_claude.lib.foundry import AnthropicFoundry, AsyncAnthropicFoundry
from anyio_claude.lib.google_cloud import AnthropicGoogleCloud, AsyncAnthropicGoogleCloud
from anyio_claude.lib.vertex import AnthropicVertex, AsyncAnthropicVertex
from anyio_claude.testing import AwsTestCredentials, ErrorReply, FakeClaude
from anyio_claude.types import MessageParam

# No credential, region or endpoint from the machine: test_platforms.py's autouse fixture.
from ._google import service_account_file
from .test_edges import assert_hidden
from .test_platforms import clean_env as clean_env

AK = "AKIAFAKEACCESSKEY123"
SK = "fAkeSecretKey/0123456789abcdefSECRETSECRET"
SESSION_AK = "AKIASESSION"
TOKEN = "FwoFAKEsessionTOKEN0123456789SESSIONSECRET"
BEDROCK_MODEL = "anthropic.claude-sonnet-5-5-v1:0"
MODEL = "claude-sonnet-5-5"
USER: list[MessageParam] = [{"role": "user", "content": "Hello there"}]
GOOGLE_TOKEN = "ya29.a0FAKEgoogleACCESStoken0123456789"


@pytest.fixture
def server() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread(
        aws_credentials=[AwsTestCredentials(AK, SK), AwsTestCredentials(SESSION_AK, SK, TOKEN)]
    ) as fake:
        yield fake


# ------------------------------------------------------------------- blocking twins


def test_a_twins_repr_is_its_async_clients_under_the_twins_name() -> None:
    # The URL holds the async class's name too: only the leading one is renamed.
    url = "http://user:pw@127.0.0.1:9/AsyncAnthropicBedrock"
    with AnthropicBedrock(aws_access_key=AK, aws_secret_key=SK, aws_region="x", base_url=url) as c:
        assert repr(c) == (
            "AnthropicBedrock(base_url='http://***@127.0.0.1:9/AsyncAnthropicBedrock', "
            "api_key=None, max_retries=2)"
        )
    # A twin whose constructor raised before it had a client (tracebacks show it).
    assert repr(AnthropicBedrock.__new__(AnthropicBedrock)) == "AnthropicBedrock()"
    assert repr(AnthropicVertex.__new__(AnthropicVertex)) == "AnthropicVertex()"


def test_each_twin_runs_its_loop_on_asyncio_by_default(server: FakeClaude) -> None:
    """Each twin's default backend starts, and the arguments each takes reach its async
    client (an option, the token provider, the credentials)."""
    seen: list[str] = []

    def provider() -> str:
        seen.append(threading.current_thread().name)
        return "entra-token"

    credentials = object()
    twins: list[Any] = [
        AnthropicVertex(
            region="us-east5",
            project_id="p",
            access_token=GOOGLE_TOKEN,
            base_url=f"{server.url}/v1",
            max_retries=0,
        ),
        AnthropicAWS(api_key="k", workspace_id="w", base_url=server.url, max_retries=0),
        AnthropicBedrockMantle(api_key="k", base_url=server.url, max_retries=0),
        AnthropicGoogleCloud(
            token_provider=lambda: GOOGLE_TOKEN, base_url=server.url, max_retries=0
        ),
        AnthropicFoundry(azure_ad_token_provider=provider, base_url=server.url, max_retries=0),
    ]
    for twin in twins:
        with twin:
            assert twin.max_retries == 0
            assert twin.messages.create(model=MODEL, max_tokens=5, messages=USER).content
    assert server.requests[-1].headers["authorization"] == "Bearer entra-token" and seen
    with AnthropicVertex(region="us-east5", project_id="p", credentials=credentials) as vertex:
        assert vertex.google_credentials is credentials


def test_the_bedrock_twin_passes_every_argument_on() -> None:
    with AnthropicBedrock(
        aws_access_key=AK,
        aws_secret_key=SK,
        aws_profile="prof",
        aws_region="us-east-1",
        timeout=3.0,
        default_headers={"x-extra": "yes"},
        default_query={"q": "1"},
    ) as client:
        assert client.aws_profile == "prof" and client.timeout.read == 3.0
        assert client.default_headers["x-extra"] == "yes" and client.default_query == {"q": "1"}


def test_a_twins_copy_keeps_or_replaces_its_middleware_and_shares_its_loop(
    server: FakeClaude,
) -> None:
    seen: list[str] = []

    def first(request: Any, call_next: Any) -> Any:
        seen.append("first")
        return call_next(request)

    def second(request: Any, call_next: Any) -> Any:
        seen.append("second")
        return call_next(request)

    with AnthropicBedrock(
        aws_access_key=AK,
        aws_secret_key=SK,
        aws_region="us-east-1",
        base_url=server.url,
        middleware=[first],
    ) as client:
        copy = client.with_options(max_retries=0)
        assert copy.middleware == (first,) and copy.max_retries == 0
        copy.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        other = client.with_options(middleware=[second])
        assert other.middleware == (second,)
        other.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        assert seen == ["first", "second"]
        copy.close()  # a copy's close leaves the shared loop running
        other.close()
        client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    assert seen == ["first", "second", "first"]


def test_the_twins_wrap_every_credential_and_nothing_else() -> None:
    for twin, extra in ((AnthropicAWS, {"workspace_id": "w"}), (AnthropicBedrockMantle, {})):
        with pytest.raises(ValueError) as info:
            twin(aws_access_key=AK, aws_secret_key=SK, aws_region="x", max_retries=-1, **extra)
        assert_hidden(info.value, AK, SK)
    with AnthropicAWS(api_key="k", aws_region="us-east-1", workspace_id="w") as client:
        # What is not a credential stays a plain string (shown as it is).
        assert repr((client.aws_region, client.workspace_id)) == "('us-east-1', 'w')"
        assert client.api_key == "k"
    with (
        AnthropicVertex(region="us-east5", project_id="p") as vertex,
        pytest.raises(ValueError) as info,
    ):
        vertex.with_options(access_token=GOOGLE_TOKEN, max_retries=-1)
    assert_hidden(info.value, GOOGLE_TOKEN)


def test_a_google_cloud_copy_shares_the_credentials_loaded_on_the_first_request(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv(
        "GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, server))
    )
    with AnthropicGoogleCloud(base_url=server.url) as client:
        assert client.google_credentials is None
        client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert client.google_credentials is not None
        copy = client.with_options(max_retries=0)
        assert copy.google_credentials is client.google_credentials


def test_a_google_cloud_copy_takes_the_options_given(server: FakeClaude) -> None:
    client = AsyncAnthropicGoogleCloud(project="p", workspace_id="w", token_provider=lambda: "t")
    copy = client.with_options(project="p2", location="us-east5", workspace_id="w2")
    assert copy.base_url == (
        "https://claude.googleapis.com/v1/projects/p2/locations/us-east5/workspaces/w2/invoke"
    )
    credentials = _Credentials("cp")
    assert client.with_options(credentials=credentials).google_credentials is credentials
    with AnthropicGoogleCloud(token_provider=lambda: "one", base_url=server.url) as blocking:
        blocking.with_options(token_provider=lambda: "two").messages.create(
            model=MODEL, max_tokens=5, messages=USER
        )
    assert server.requests[-1].headers["authorization"] == "Bearer two"


# ------------------------------------------------------------ AWS and Bedrock Mantle

AWS_TWINS = [(AnthropicAWS, {"workspace_id": "w"}), (AnthropicBedrockMantle, {})]
NO_REGION = (
    "No AWS region was provided. Set the `aws_region` argument or the "
    "`AWS_REGION`/`AWS_DEFAULT_REGION` environment variable."
)


@pytest.mark.parametrize(("twin", "extra"), AWS_TWINS)
def test_aws_signing_with_a_session_token_a_profile_or_nothing(
    server: FakeClaude, twin: Any, extra: dict[str, str], tmp_path: Any
) -> None:
    """A session token is signed with its keys; a profile's keys come from the shared
    credentials file; `skip_auth` sends no credential at all."""
    with twin(
        aws_access_key=SESSION_AK,
        aws_secret_key=SK,
        aws_session_token=TOKEN,
        aws_region="us-east-1",
        base_url=server.url,
        max_retries=0,
        **extra,
    ) as client:
        assert client.skip_auth is False
        client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    sent = server.requests[-1].headers
    assert sent["x-amz-security-token"] == TOKEN
    assert sent["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={SESSION_AK}/")
    (tmp_path / "aws-credentials").write_text(
        f"[prof]\naws_access_key_id = {AK}\naws_secret_access_key = {SK}\n"
    )
    with twin(aws_profile="prof", aws_region="us-east-1", base_url=server.url, **extra) as client:
        assert client.aws_profile == "prof"
        client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert (
        server.requests[-1]
        .headers["authorization"]
        .startswith(f"AWS4-HMAC-SHA256 Credential={AK}/")
    )
    # The key a gateway in front would add, as FakeClaude wants one.
    gateway = {"x-api-key": "the-gateways"}
    with twin(skip_auth=True, base_url=server.url, default_headers=gateway) as client:
        assert client.skip_auth is True
        client.with_options(max_retries=0).messages.create(model=MODEL, max_tokens=5, messages=USER)
    sent = server.requests[-1].headers
    assert sent["x-api-key"] == "the-gateways"
    assert not {"authorization", "x-amz-security-token"} & set(sent)


@pytest.mark.parametrize("cls", [AsyncAnthropicAWS, AsyncAnthropicBedrockMantle])
def test_the_aws_region_and_base_url_from_the_environment(
    cls: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = {"workspace_id": "w"} if cls is AsyncAnthropicAWS else {}
    with pytest.raises(ClaudeError) as info:
        cls(aws_access_key=AK, aws_secret_key=SK, base_url="http://127.0.0.1:9", **extra)
    assert str(info.value) == NO_REGION
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    assert cls(api_key="k", **extra).aws_region == "eu-west-2"
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    assert cls(api_key="k", **extra).aws_region == "eu-west-3"
    assert cls(api_key="k", aws_region="us-west-1", **extra).aws_region == "us-west-1"
    variable = (
        "ANTHROPIC_AWS_BASE_URL"
        if cls is AsyncAnthropicAWS
        else "ANTHROPIC_BEDROCK_MANTLE_BASE_URL"
    )
    monkeypatch.setenv(variable, "http://127.0.0.1:9/from-env")
    client = cls(api_key="k", **extra)
    assert client.base_url == "http://127.0.0.1:9/from-env"
    # A base URL given is kept by a copy in another region.
    assert client.with_options(aws_region="us-west-2").base_url == client.base_url


def test_what_aws_and_mantle_refuse_say_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ClaudeError) as info:
        AsyncAnthropicAWS(api_key="k", aws_region="us-east-1")
    assert str(info.value) == (
        "No workspace ID found. Set the `workspace_id` argument or the "
        "`ANTHROPIC_AWS_WORKSPACE_ID` environment variable."
    )
    with pytest.raises(ClaudeError) as info:
        AsyncAnthropicAWS(api_key="k", workspace_id="w")
    assert str(info.value) == (
        "No AWS region was provided and no base_url was given. Set the `aws_region` "
        "argument, the `AWS_REGION`/`AWS_DEFAULT_REGION` environment variable, or provide "
        "a `base_url` directly."
    )
    with pytest.raises(ClaudeError) as info:
        AsyncAnthropicBedrockMantle(api_key="k")
    assert str(info.value) == (
        "No AWS region or base URL found. Set `aws_region` in the constructor, the "
        "`AWS_REGION` / `AWS_DEFAULT_REGION` environment variable, or provide a `base_url` "
        "/ `ANTHROPIC_BEDROCK_MANTLE_BASE_URL` environment variable."
    )
    # A profile given signs, even with an API key in the environment.
    monkeypatch.setenv("ANTHROPIC_AWS_API_KEY", "env-key")
    signed = AsyncAnthropicAWS(aws_profile="p", aws_region="us-east-1", workspace_id="w")
    assert signed.api_key is None and signed.aws_profile == "p"


def test_the_workspace_header_with_default_headers_and_in_copies() -> None:
    client = AsyncAnthropicAWS(
        api_key="k", aws_region="us-east-1", workspace_id="w", default_headers={"x-extra": "1"}
    )
    named = [name for name in client.default_headers if name.lower() == "anthropic-workspace-id"]
    assert named == ["anthropic-workspace-id"]
    assert client.default_headers["x-extra"] == "1"
    copy = client.with_options(workspace_id="w2")
    assert copy.default_headers["anthropic-workspace-id"] == "w2"
    assert copy.default_headers["x-extra"] == "1"
    # A caller's own workspace header wins over the argument.
    own = AsyncAnthropicAWS(
        api_key="k",
        aws_region="us-east-1",
        workspace_id="w",
        default_headers={"anthropic-workspace-id": "mine"},
    )
    assert own.default_headers["anthropic-workspace-id"] == "mine"
    # Without a workspace (skip_auth) a copy has no header to drop.
    gateway = AsyncAnthropicAWS(skip_auth=True, base_url="http://127.0.0.1:9")
    assert gateway.with_options(max_retries=1).workspace_id is None


# ------------------------------------------------------------------------ copies


@pytest.mark.parametrize("cls", [AsyncAnthropicAWS, AsyncAnthropicBedrockMantle])
def test_an_aws_copy_takes_each_option_given(cls: Any) -> None:
    extra = {"workspace_id": "w"} if cls is AsyncAnthropicAWS else {}
    client = cls(aws_access_key=AK, aws_secret_key=SK, aws_region="us-east-1", **extra)
    copy = client.with_options(
        aws_access_key="AKIACOPY",
        aws_secret_key="copy-secret",
        aws_session_token="copy-token",
        aws_profile="copy-profile",
        aws_region="eu-west-1",
    )
    assert (copy.aws_access_key, copy.aws_secret_key, copy.aws_session_token) == (
        "AKIACOPY",
        "copy-secret",
        "copy-token",
    )
    assert (copy.aws_profile, copy.aws_region, copy.skip_auth) == (
        "copy-profile",
        "eu-west-1",
        False,
    )
    assert "eu-west-1" in copy.base_url
    assert client.with_options(skip_auth=True).skip_auth is True
    keyed = client.with_options(api_key="copy-key")
    assert (keyed.api_key or keyed.auth_token) == "copy-key"
    if cls is AsyncAnthropicAWS:
        assert (
            client.with_options(workspace_id="w2").default_headers["anthropic-workspace-id"] == "w2"
        )


def test_a_bedrock_copy_takes_each_credential_given() -> None:
    client = AsyncAnthropicBedrock(aws_access_key=AK, aws_secret_key=SK, aws_region="us-east-1")
    copy = client.with_options(
        aws_access_key="AKIACOPY",
        aws_secret_key="copy-secret",
        aws_session_token="copy-token",
        aws_profile="copy-profile",
    )
    assert (copy.aws_access_key, copy.aws_secret_key, copy.aws_session_token) == (
        "AKIACOPY",
        "copy-secret",
        "copy-token",
    )
    assert copy.aws_profile == "copy-profile"
    keyed = AsyncAnthropicBedrock(api_key="k", aws_region="us-east-1")
    assert keyed.with_options(api_key="k2").auth_token == "k2"


def test_foundry_and_vertex_copies_take_their_credentials() -> None:
    foundry = AsyncAnthropicFoundry(api_key="k", resource="r")
    assert foundry.with_options(api_key="k2").api_key == "k2"
    # A token provider wins: the key is not sent at all.
    assert foundry.with_options(azure_ad_token_provider=lambda: "t").api_key is None
    vertex = AsyncAnthropicVertex(region="us-east5", project_id="p", access_token="t")
    assert vertex.with_options(access_token="t2").access_token == "t2"
    credentials = _Credentials("cp")
    assert vertex.with_options(credentials=credentials).google_credentials is credentials


# ------------------------------------------------------------------ user profiles

PROFILE = "anthropic-user-profile-id"


def test_the_user_profile_header_in_the_body_only_where_the_platform_reads_it(
    server: FakeClaude,
) -> None:
    """Every spelling of the header leaves it for the body (the last one given wins);
    other routes, with a body (a batch) or without (a cancel), keep the header."""
    with AnthropicBedrockMantle(
        api_key="k", base_url=server.url, default_headers={PROFILE: "up_default"}
    ) as client:
        client.messages.create(
            model=MODEL,
            max_tokens=5,
            messages=USER,
            extra_headers={"Anthropic-User-Profile-Id": "up_first", PROFILE: "up_last"},
        )
        sent = server.requests[-1]
        assert sent.json["user_profile_id"] == "up_last"
        assert PROFILE not in sent.headers
        # As the official SDK: a header given wins over the argument (which becomes one).
        client.messages.create(
            model=MODEL,
            max_tokens=5,
            messages=USER,
            user_profile_id="up_argument",
            extra_headers={PROFILE: "up_header"},
        )
        assert server.requests[-1].json["user_profile_id"] == "up_header"
        batch = client.messages.batches.create(
            requests=[
                {
                    "custom_id": "a",
                    "params": {"model": MODEL, "max_tokens": 5, "messages": USER},
                }
            ]
        )
        sent = server.requests[-1]
        assert sent.headers[PROFILE] == "up_default" and "user_profile_id" not in sent.json
        client.messages.batches.cancel(batch.id)
        assert server.requests[-1].path.endswith("/cancel")
        assert server.requests[-1].headers[PROFILE] == "up_default"


# ------------------------------------------------------------------------- a 401


def test_a_401_is_not_retried_without_auth_or_with_a_google_cloud_provider(
    server: FakeClaude,
) -> None:
    """Nothing to refresh: one request each, although the client may retry twice."""
    refused = ErrorReply(401, "authentication_error", "invalid credentials")
    server.script(refused, refused)
    with (
        AnthropicAWS(
            skip_auth=True, base_url=server.url, default_headers={"x-api-key": "the-gateways"}
        ) as aws,
        pytest.raises(AuthenticationError),
    ):
        aws.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert len(server.requests) == 1
    server.script(refused, refused)
    with AnthropicGoogleCloud(token_provider=lambda: GOOGLE_TOKEN, base_url=server.url) as google:
        with pytest.raises(AuthenticationError):
            google.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert len(server.requests) == 2


@pytest.fixture
async def async_server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.mark.anyio
async def test_a_401_is_not_retried_with_the_project_of_application_default_credentials(
    async_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv(
        "GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, async_server))
    )
    refused = ErrorReply(401, "authentication_error", "invalid credentials")
    async_server.script(refused, refused)
    async with AsyncAnthropicGoogleCloud(workspace_id="w") as client:
        # The derived gateway's host is Google's: the pool goes to the fake instead.
        client.base_url = async_server.url
        with pytest.raises(AuthenticationError):
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert [r.path for r in async_server.requests if r.path.endswith("/v1/messages")] == [
        "/v1/projects/sa-project/locations/global/workspaces/w/invoke/v1/messages"
    ]


def test_a_twins_middleware_is_checked_as_blocking_and_empty_by_default(
    server: FakeClaude,
) -> None:
    async def not_blocking(request: Any, call_next: Any) -> Any:
        return await call_next(request)

    def blocking(request: Any, call_next: Any) -> Any:
        return call_next(request)

    with pytest.raises(TypeError, match="is an async function"):
        AnthropicFoundry(api_key="k", base_url=server.url, middleware=[not_blocking])
    with AnthropicFoundry(api_key="k", base_url=server.url) as client:
        assert client.middleware == ()
        assert client.with_middleware(blocking).middleware == (blocking,)
        with pytest.raises(TypeError, match="is an async function"):
            client.with_options(middleware=[not_blocking])


def test_a_platforms_request_keeps_its_query_and_timeout(server: FakeClaude) -> None:
    seen: list[Any] = []

    def record(request: Any, call_next: Any) -> Any:
        seen.append(request)
        return call_next(request)

    with AnthropicBedrockMantle(api_key="k", base_url=server.url, middleware=[record]) as client:
        client.beta.messages.create(
            model=MODEL, max_tokens=5, messages=USER, extra_query={"x": "1"}, timeout=7.0
        )
        client.messages.batches.list(limit=2)
    assert dict(seen[0].query_params) == {"x": "1"}
    assert seen[0].timeout.read == 7.0
    assert dict(seen[1].query_params) == {"limit": "2"}


def test_closing_a_twin_ends_its_loop_thread(server: FakeClaude) -> None:
    before = set(threading.enumerate())
    with AnthropicFoundry(api_key="k", base_url=server.url) as client:
        client.with_options(max_retries=0).messages.create(model=MODEL, max_tokens=5, messages=USER)
        started = [t for t in threading.enumerate() if t not in before and t.name == "anyio-claude"]
        assert len(started) == 1
    started[0].join(timeout=10)
    assert not started[0].is_alive()


# ------------------------------------------------------------------ unserved APIs


def _unserved(get: Any) -> AttributeError:
    with pytest.raises(AttributeError) as info:
        get()
    return info.value


def test_an_unserved_api_names_the_client_the_path_and_the_platform() -> None:
    client = AsyncAnthropicBedrock(api_key="k", aws_region="us-east-1")
    error = _unserved(lambda: client.models)
    assert str(error) == (
        "AsyncAnthropicBedrock has no `models`: Amazon Bedrock does not serve the Models API"
    )
    assert (error.name, error.obj) == ("models", client)
    beta = client.beta
    error = _unserved(lambda: beta.files)
    assert str(error) == (
        "AsyncAnthropicBedrock has no `beta.files`: Amazon Bedrock does not serve the Files API"
    )
    assert (error.name, error.obj) == ("files", beta)
    mantle = AsyncAnthropicBedrockMantle(api_key="k", aws_region="us-east-1")
    assert str(_unserved(lambda: mantle.beta.with_raw_response.models)) == (
        "AsyncAnthropicBedrockMantle has no `beta.with_raw_response.models`: Bedrock Mantle "
        "does not serve the Models API"
    )
    vertex = AsyncAnthropicVertex(region="us-east5", project_id="p", access_token="t")
    assert str(_unserved(lambda: vertex.beta.messages.with_streaming_response.batches)) == (
        "AsyncAnthropicVertex has no `beta.messages.with_streaming_response.batches`: "
        "Vertex AI does not serve the Batch API"
    )
    assert str(_unserved(lambda: AsyncAnthropicBedrock.models)) == (
        "type object 'AsyncAnthropicBedrock' has no `models`"
    )
    with AnthropicBedrock(api_key="k", aws_region="us-east-1") as blocking:
        assert str(_unserved(lambda: blocking.models)) == (
            "AnthropicBedrock has no `models`: Amazon Bedrock does not serve the Models API"
        )
        assert str(_unserved(lambda: blocking.beta.files)) == (
            "AnthropicBedrock has no `beta.files`: Amazon Bedrock does not serve the Files API"
        )


def test_an_unserved_api_outside_a_platform_client() -> None:
    class Thing:
        extra = Unserved("Extra API", under="a")

    assert str(_unserved(lambda: Thing().extra)) == (
        "Thing has no `a.extra`: this platform does not serve the Extra API"
    )
    descriptor = Thing.__dict__["extra"]
    assert str(_unserved(lambda: descriptor.__get__(None, None))) == (
        "type object None has no `a.extra`"
    )


# ------------------------------------------------------- regions, projects, paths


def test_the_bedrock_region_falls_back_on_aws_default_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError) as info:
        AsyncAnthropicBedrock(api_key="k")
    assert str(info.value) == (
        "No AWS region was provided. Set the `aws_region` argument, the `AWS_REGION` / "
        "`AWS_DEFAULT_REGION` environment variable, or configure a region for your AWS "
        "profile."
    )
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    assert AsyncAnthropicBedrock(api_key="k").aws_region == "eu-west-3"
    # Read by us, not only by botocore's profile lookup (which reads it too).
    monkeypatch.setattr("anyio_claude._platforms._bedrock.aws_profile_region", lambda _: None)
    assert AsyncAnthropicBedrock(api_key="k").aws_region == "eu-west-3"


def test_what_vertex_refuses_names_the_argument(server: FakeClaude) -> None:
    options: dict[str, Any] = {"access_token": GOOGLE_TOKEN, "base_url": f"{server.url}/v1"}
    cases = [
        ({"region": "..", "project_id": "p"}, "`region` '..' cannot be a path segment"),
        ({"region": "us-east5", "project_id": "."}, "`project_id` '.' cannot be a path segment"),
    ]
    for arguments, message in cases:
        with AnthropicVertex(**arguments, **options) as client, pytest.raises(ValueError) as info:
            client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert str(info.value) == message
    with AnthropicVertex(region="us-east5", project_id="p", **options) as client:
        with pytest.raises(ValueError) as info:
            client.messages.create(model=";v1", max_tokens=5, messages=USER)
        assert str(info.value) == "`model` ';v1:rawPredict' cannot be a path segment"
        with pytest.raises(ClaudeError) as error:
            client.messages.batches.list()
        assert str(error.value) == "The Batch API is not supported in the Vertex client yet"
        assert not server.requests
        # A server that drops `;` and what follows from a segment would drop the specifier.
        with pytest.raises(NotFoundError):  # FakeClaude knows no such model
            client.messages.create(model="claude-sonnet-5-5;v=1", max_tokens=5, messages=USER)
    assert server.requests[-1].path.endswith("/models/claude-sonnet-5-5%3Bv=1:rawPredict")


def test_the_us_multi_region_vertex_endpoint() -> None:
    client = AsyncAnthropicVertex(region="us", project_id="p", access_token="t")
    assert client.base_url == "https://aiplatform.us.rep.googleapis.com/v1"


class _Credentials:
    def __init__(self, project_id: object = None, quota_project_id: object = None) -> None:
        self.project_id = project_id
        self.quota_project_id = quota_project_id


@pytest.mark.parametrize(
    ("credentials", "project"),
    [
        (_Credentials("own", "quota"), "own"),
        (_Credentials(None, "quota"), "quota"),
        (_Credentials("", "quota"), "quota"),
        (_Credentials(123, None), None),
        (_Credentials(), None),
    ],
)
def test_google_cloud_takes_the_project_its_credentials_know(
    credentials: _Credentials, project: str | None
) -> None:
    client = AsyncAnthropicGoogleCloud(credentials=credentials, workspace_id="w")
    assert client.project == project


def test_google_cloud_names_what_it_lacks_and_its_token_provider(server: FakeClaude) -> None:
    with pytest.raises(ValueError) as info:
        AsyncAnthropicGoogleCloud(skip_auth=True, workspace_id="w")
    assert str(info.value) == (
        "No `project` was provided. Pass `project`, set the "
        "`ANTHROPIC_GOOGLE_CLOUD_PROJECT` environment variable, or provide `base_url` directly."
    )
    with AnthropicGoogleCloud(token_provider=lambda: "", base_url=server.url) as client:
        with pytest.raises(ValueError, match=r"^token_provider must return a non-empty str"):
            client.messages.create(model=MODEL, max_tokens=5, messages=USER)


def test_google_cloud_from_the_environment_and_its_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError) as info:
        AsyncAnthropicGoogleCloud(skip_auth=True, token_provider=lambda: "t")
    assert str(info.value) == (
        "`skip_auth` is mutually exclusive with `token_provider` and `credentials`; "
        "`skip_auth` disables authentication entirely."
    )
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "gcp-project")
    monkeypatch.setenv("ANTHROPIC_GOOGLE_CLOUD_LOCATION", "europe-west4")
    monkeypatch.setenv("ANTHROPIC_GOOGLE_CLOUD_WORKSPACE_ID", "wrkspc_env")
    client = AsyncAnthropicGoogleCloud(token_provider=lambda: "t")
    assert (client.project, client.location, client.workspace_id) == (
        "gcp-project",
        "europe-west4",
        "wrkspc_env",
    )
    monkeypatch.setenv("ANTHROPIC_GOOGLE_CLOUD_PROJECT", "anthropic-project")
    assert AsyncAnthropicGoogleCloud(token_provider=lambda: "t").project == "anthropic-project"


@pytest.mark.parametrize("argument", ["project", "location", "workspace_id"])
def test_a_gateway_path_segment_that_cannot_be_one_is_named(argument: str) -> None:
    values: dict[str, Any] = {"project": "p", "location": "global", "workspace_id": "w"}
    values[argument] = ".."
    with pytest.raises(ValueError, match=re.escape(f"`{argument}` '..' cannot be a path segment")):
        AsyncAnthropicGoogleCloud(token_provider=lambda: "t", **values)


# ------------------------------------------------------------------ path segments


@given(st.one_of(st.text(alphabet=".;%2eE/a :@\u00e9?#"), st.text()))
@example("..;a;b")
@example("%2E%2e;x")
@example(";x")
@example("a;..")
@example("a/b?c#d e")
def test_a_path_segment_is_the_official_sdks(value: str) -> None:
    """`path_segment` encodes and refuses as the pinned SDK's `path_template` does for
    one segment (which also takes an empty one: we refuse it, naming the argument)."""
    from anthropic._utils._path import path_template

    try:
        official: str | None = path_template("/{x}", x=value)[1:]
    except ValueError:
        official = None
    if value == "":
        with pytest.raises(ValueError) as info:
            path_segment("name", value)
        assert str(info.value) == "Expected a non-empty value for `name` but received ''"
    elif official is None:
        with pytest.raises(ValueError) as info:
            path_segment("name", value)
        assert str(info.value) == f"`name` {value!r} cannot be a path segment"
    else:
        assert path_segment("name", value) == official


def test_what_foundry_refuses_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        (
            {"resource": "r"},
            ClaudeError,
            "Missing credentials. Please pass one of `api_key`, `azure_ad_token_provider`, "
            "or the `ANTHROPIC_FOUNDRY_API_KEY` environment variable.",
        ),
        (
            {"api_key": "k"},
            ValueError,
            "Must provide one of the `base_url` or `resource` arguments, or the "
            "`ANTHROPIC_FOUNDRY_RESOURCE` environment variable",
        ),
        (
            {"api_key": "k", "resource": "r", "base_url": "http://127.0.0.1:9"},
            ValueError,
            "base_url and resource are mutually exclusive",
        ),
    ]
    for arguments, kind, message in cases:
        with pytest.raises(kind) as info:
            AsyncAnthropicFoundry(**arguments)
        assert str(info.value) == message
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_BASE_URL", "http://127.0.0.1:9/foundry")
    assert AsyncAnthropicFoundry(api_key="k").base_url == "http://127.0.0.1:9/foundry"


def test_google_cloud_with_a_project_given_and_a_base_url(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    import google.oauth2.credentials

    credentials = google.oauth2.credentials.Credentials(token=GOOGLE_TOKEN)
    credentials.project_id = "credentials-project"  # type: ignore[attr-defined]
    monkeypatch.setenv("ANTHROPIC_GOOGLE_CLOUD_BASE_URL", server.url)
    with AnthropicGoogleCloud(project="p", workspace_id="w", credentials=credentials) as client:
        assert client.project == "p"  # the one given wins over the credentials'
        client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    # The base URL replaces the gateway's: the API's own path under it, and the token.
    sent = server.requests[-1]
    assert sent.path == "/v1/messages"
    assert sent.headers["authorization"] == f"Bearer {GOOGLE_TOKEN}"


def test_foundry_and_vertex_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_RESOURCE", "env-resource")
    assert (
        AsyncAnthropicFoundry(api_key="k").base_url
        == "https://env-resource.services.ai.azure.com/anthropic"
    )
    # A base URL given is not in conflict with the resource of the environment.
    assert AsyncAnthropicFoundry(api_key="k", base_url="http://127.0.0.1:9").base_url == (
        "http://127.0.0.1:9"
    )
    with pytest.raises(ValueError) as info:
        AsyncAnthropicVertex(project_id="p")
    assert str(info.value) == (
        "No region was given. The client should be instantiated with the `region` "
        "argument or the `CLOUD_ML_REGION` environment variable should be set."
    )
    client = AsyncAnthropicVertex(region="us-east5", access_token="t")
    assert client.project_id is None
    # A copy of a client without a project looks for one again, as a new client does.
    monkeypatch.setenv("ANTHROPIC_VERTEX_PROJECT_ID", "env-project")
    assert client.with_options(max_retries=1).project_id == "env-project"
    monkeypatch.setenv("ANTHROPIC_VERTEX_BASE_URL", "http://127.0.0.1:9/v1")
    assert AsyncAnthropicVertex(region="us-east5").base_url == "http://127.0.0.1:9/v1"


# --------------------------------------------------------------- Bedrock's routes

_BETAS = st.none() | st.lists(
    st.sampled_from(["b1", " b2 ", "", "context-1m-2025-08-07"]), max_size=3
)


@given(
    model=st.one_of(
        st.sampled_from([BEDROCK_MODEL, "", ".", "..", ";x", "..;x", "a;b", "arn:aws:x/y z"]),
        st.text(alphabet="a.;:/ %\u00e9", max_size=6),
    ),
    stream=st.sampled_from([None, True, False]),
    betas=_BETAS,
    own_betas=st.booleans(),
)
@example(model=BEDROCK_MODEL, stream=None, betas=["b1", " b2 "], own_betas=True)
def test_bedrocks_route_and_body_are_the_official_sdks(
    model: str, stream: bool | None, betas: list[str] | None, own_betas: bool
) -> None:
    """`_route` against the pinned SDK's request preparation: the path, the body (the
    model and `stream` out, the version and the header's betas in, a body's own betas
    kept), and what it refuses."""
    from anthropic._constants import ANTHROPIC_API_VERSION
    from anthropic._models import FinalRequestOptions
    from anthropic.lib.bedrock._client import _prepare_options

    body: dict[str, Any] = {"model": model, "max_tokens": 5, "messages": USER}
    if stream is not None:
        body["stream"] = stream
    if own_betas:
        body["anthropic_beta"] = ["own"]
    headers = {} if betas is None else {"Anthropic-Beta": ",".join(betas)}
    official: tuple[str, Any] | None
    try:
        prepared = _prepare_options(
            FinalRequestOptions.construct(  # pyright: ignore[reportUnknownMemberType]
                method="post", url="/v1/messages", json_data=dict(body), headers=headers
            ),
            {},
        )
        official = (prepared.url, prepared.json_data)
    except ValueError:
        official = None
    client = AsyncAnthropicBedrock(
        api_key="k", aws_region="us-east-1", anthropic_version=ANTHROPIC_API_VERSION
    )
    try:
        ours: tuple[str, Any] | None = client._route("POST", "/v1/messages", body, headers)  # pyright: ignore[reportPrivateUsage]
    except ValueError as error:
        ours = None
        before = str(model).partition(";")[0]
        expected = (
            f"Expected a non-empty value for `model` but received {model!r}"
            if not before
            else f"`model` {model!r} cannot be a path segment"
        )
        assert str(error) == expected
    assert ours == official


def test_what_bedrock_lacks_is_refused_with_the_official_message() -> None:
    from anthropic import AnthropicError
    from anthropic._models import FinalRequestOptions
    from anthropic.lib.bedrock._client import _prepare_options

    client = AsyncAnthropicBedrock(api_key="k", aws_region="us-east-1")
    for path in ("/v1/messages/batches", "/v1/messages/batches/b1", "/v1/messages/count_tokens"):
        with pytest.raises(AnthropicError) as theirs:
            _prepare_options(
                FinalRequestOptions.construct(method="post", url=path, json_data={}),  # pyright: ignore[reportUnknownMemberType]
                {},
            )
        with pytest.raises(ClaudeError) as ours:
            client._route("POST", path, {}, None)  # pyright: ignore[reportPrivateUsage]
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError) as error:
        client._route("POST", "/v1/messages", {"max_tokens": 5}, None)  # pyright: ignore[reportPrivateUsage]
    assert str(error.value) == "Expected a non-empty value for `model` but received None"
    # Other routes and methods are the API's own.
    assert client._route("GET", "/v1/messages", None, None) == ("/v1/messages", None)  # pyright: ignore[reportPrivateUsage]


_SEGMENT = st.one_of(
    st.sampled_from(["p", "us-east5", "", ".", "..", ";x", "%2e", "a;b", "a/b", "a b"]),
    st.text(alphabet="a.;:/ %\u00e9", max_size=5),
)


@given(
    model=_SEGMENT,
    project=_SEGMENT,
    region=_SEGMENT,
    stream=st.sampled_from([None, True, False]),
    count=st.booleans(),
)
def test_vertexs_route_and_body_are_the_official_sdks(
    model: str, project: str, region: str, stream: bool | None, count: bool
) -> None:
    """`_route` against the pinned SDK's request preparation for a message or a token
    count: the path, the body, and whether it refuses."""
    from anthropic._constants import ANTHROPIC_API_VERSION
    from anthropic._models import FinalRequestOptions
    from anthropic.lib.vertex._client import _prepare_options

    path = "/v1/messages/count_tokens" if count else "/v1/messages"
    body: dict[str, Any] = {"model": model or "m", "max_tokens": 5, "messages": USER}
    if stream is not None:
        body["stream"] = stream
    official: tuple[str, Any] | None
    try:
        prepared = _prepare_options(
            FinalRequestOptions.construct(method="post", url=path, json_data=dict(body)),  # pyright: ignore[reportUnknownMemberType]
            project_id=project,
            region=region,
        )
        official = (prepared.url, prepared.json_data)
    except ValueError:
        official = None
    client = AsyncAnthropicVertex(
        region=region or "r",
        project_id=project,
        access_token="t",
        base_url="http://127.0.0.1:9/v1",
        anthropic_version=ANTHROPIC_API_VERSION,
    )
    client.region = region  # an empty region is refused first, by the constructor
    try:
        ours: tuple[str, Any] | None = client._route("POST", path, body, None)  # pyright: ignore[reportPrivateUsage]
    except ValueError:
        ours = None
    assert ours == official


def test_one_aws_key_without_the_other_or_a_key_with_aws_credentials() -> None:
    for given_one, missing in (
        ("aws_access_key", "aws_secret_key"),
        ("aws_secret_key", "aws_access_key"),
    ):
        for cls in (AsyncAnthropicBedrock, AsyncAnthropicBedrockMantle):
            with pytest.raises(ValueError) as info:
                cls(aws_region="us-east-1", **{given_one: "x"})
            assert str(info.value) == (
                f"`{given_one}` was provided without `{missing}`. Both must be provided "
                "together, or neither (to use the default credential chain)."
            )
    for credential in ("aws_access_key", "aws_secret_key", "aws_session_token", "aws_profile"):
        with pytest.raises(ValueError) as info:
            AsyncAnthropicBedrock(api_key="k", aws_region="us-east-1", **{credential: "x"})
        assert str(info.value) == (
            "Cannot specify both `api_key` and AWS credentials (`aws_access_key`, "
            "`aws_secret_key`, `aws_session_token`, `aws_profile`)"
        )

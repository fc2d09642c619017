"""The platform clients' authentication glue (`_platform_auth`): what each auth does with a
401, the AWS chain's session token, the messages of missing credentials and of a missing
extra, a profile whose region is empty, credentials whose token stays empty, a provider
returning an awaitable or no str, an `Authorization` given replaced by Foundry's token
and sent alone to Vertex AI, and the standard-library transport google-auth refreshes
through (against a raw server on 127.0.0.1)."""

from __future__ import annotations

import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import AuthenticationError, CredentialsError
from anyio_claude._platform_auth import (
    CLOUD_PLATFORM_SCOPE,
    GoogleAuth,
    MissingDependencyError,
    _UrllibRequest,
    aws_profile_region,
)
from anyio_claude.lib.bedrock import AsyncAnthropicBedrock
from anyio_claude.lib.foundry import AsyncAnthropicFoundry
from anyio_claude.lib.vertex import AsyncAnthropicVertex
from anyio_claude.testing import AwsTestCredentials, ErrorReply, FakeClaude
from anyio_claude.types import MessageParam

from ._google import service_account_file
from ._servers import raw_server, response

# No credential, region or endpoint from the machine: test_platforms.py's autouse fixture.
from .test_platforms import clean_env as clean_env

pytestmark = pytest.mark.anyio

AK = "AKIAFAKEACCESSKEY123"
SK = "fAkeSecretKey/0123456789abcdefSECRETSECRET"
SESSION_AK = "AKIASESSION"
TOKEN = "FwoFAKEsessionTOKEN0123456789SESSIONSECRET"
BEDROCK_MODEL = "anthropic.claude-sonnet-5-5-v1:0"
USER: list[MessageParam] = [{"role": "user", "content": "Hello there"}]
GOOGLE_TOKEN = "ya29.a0FAKEgoogleACCESStoken0123456789"


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(
        aws_credentials=[AwsTestCredentials(AK, SK), AwsTestCredentials(SESSION_AK, SK, TOKEN)]
    ) as fake:
        yield fake


# --------------------------------------------------------------------------- a 401


async def test_a_401_is_never_retried_by_a_platform_auth(server: FakeClaude) -> None:
    """Signing again, or asking Google or the provider again, would not mend it: one
    request each, although the client may retry twice."""
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return "entra-token"

    server.script(*(ErrorReply(401, "authentication_error", "invalid credentials"),) * 2)
    async with AsyncAnthropicBedrock(
        aws_region="us-east-1", aws_access_key=AK, aws_secret_key=SK, base_url=server.url
    ) as bedrock:
        with pytest.raises(AuthenticationError):
            await bedrock.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    assert len(server.requests) == 1
    async with AsyncAnthropicFoundry(
        azure_ad_token_provider=provider, base_url=server.url
    ) as foundry:
        with pytest.raises(AuthenticationError):
            await foundry.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert len(server.requests) == 2 and len(calls) == 1
    server.google_tokens = frozenset()  # the token given is not one the server knows: 401
    async with AsyncAnthropicVertex(
        region="us-east5",
        project_id="p",
        access_token=GOOGLE_TOKEN,
        base_url=f"{server.url}/v1",
    ) as vertex:
        with pytest.raises(AuthenticationError):
            await vertex.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert len(server.requests) == 3


# ------------------------------------------------------------------------------ AWS


async def test_a_session_token_from_the_credential_chain_is_sent(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SESSION_AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SK)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    async with AsyncAnthropicBedrock(aws_region="us-east-1", base_url=server.url) as client:
        await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    headers = server.requests[-1].headers
    assert headers["x-amz-security-token"] == TOKEN
    assert headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={SESSION_AK}/")
    # Keys from the chain without a session token: no token header at all.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AK)
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    async with AsyncAnthropicBedrock(aws_region="us-east-1", base_url=server.url) as client:
        await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    assert "x-amz-security-token" not in server.requests[-1].headers


async def test_no_aws_credentials_says_where_they_come_from(server: FakeClaude) -> None:
    async with AsyncAnthropicBedrock(aws_region="us-east-1", base_url=server.url) as client:
        with pytest.raises(CredentialsError) as info:
            await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    assert str(info.value) == (
        "could not resolve AWS credentials: pass aws_access_key and aws_secret_key, "
        "aws_profile, or configure the AWS credential chain (AWS_ACCESS_KEY_ID, "
        "~/.aws/credentials, SSO, instance metadata, ...)"
    )
    assert not server.requests


def test_an_empty_region_in_the_aws_profile_is_no_region(tmp_path: Any) -> None:
    (tmp_path / "aws-config").write_text("[default]\nregion =\n[profile dev]\nregion = x\n")
    assert aws_profile_region(None) is None  # botocore reads it as ""
    assert aws_profile_region("dev") == "x"
    with pytest.raises(ValueError, match="No AWS region"):
        AsyncAnthropicBedrock()


async def test_without_botocore_the_extra_is_named(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    # A None entry makes the import fail, as it does when the package is not installed.
    for module in ("botocore.session", "botocore.awsrequest", "botocore.auth"):
        monkeypatch.setitem(sys.modules, module, None)
    (tmp_path / "aws-config").write_text("[default]\nregion = eu-west-1\n")
    with pytest.raises(ValueError, match="No AWS region"):  # the profile is not read
        AsyncAnthropicBedrock()
    async with AsyncAnthropicBedrock(
        aws_region="us-east-1", aws_access_key=AK, aws_secret_key=SK, base_url=server.url
    ) as client:
        with pytest.raises(MissingDependencyError) as info:
            await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    assert isinstance(info.value, ImportError)
    assert str(info.value) == (
        "this client needs botocore: install it with `pip install anyio-claude[bedrock]`"
    )
    assert not server.requests


# --------------------------------------------------------------------------- Google


async def test_without_google_auth_the_extra_is_named(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "google.auth", None)
    async with AsyncAnthropicVertex(
        region="us-east5", project_id="p", base_url=f"{server.url}/v1"
    ) as client:
        with pytest.raises(MissingDependencyError) as info:
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert str(info.value) == (
        "this client needs google-auth: install it with `pip install anyio-claude[vertex]`"
    )
    assert not server.requests


class _EmptyTokenCredentials:
    """google-auth's credentials interface, refreshed to an empty token."""

    expired = False
    token: object = None

    def __init__(self, token: object) -> None:
        self.refreshed_to = token

    def refresh(self, request: object) -> None:
        self.token = self.refreshed_to


@pytest.mark.parametrize("token", ["", None, b"ya29.bytes"])
async def test_credentials_that_give_no_token_are_a_credentials_error(
    server: FakeClaude, token: object
) -> None:
    credentials = _EmptyTokenCredentials(token)
    async with AsyncAnthropicVertex(
        region="us-east5", project_id="p", credentials=credentials, base_url=f"{server.url}/v1"
    ) as client:
        with pytest.raises(CredentialsError) as info:
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert str(info.value) == "could not resolve a Google access token from the credentials"
    assert not server.requests


async def test_application_default_credentials_ask_for_the_cloud_platform_scope(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    adc = service_account_file(tmp_path, server)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
    client = AsyncAnthropicVertex(region="us-east5", project_id="p", base_url=f"{server.url}/v1")
    async with client:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        assert client.google_credentials.scopes == [CLOUD_PLATFORM_SCOPE]
    assert server.requests[-1].headers["authorization"] == "Bearer ya29.fake-1"


def test_google_auth_repr_shows_nothing() -> None:
    assert repr(GoogleAuth(access_token=GOOGLE_TOKEN, credentials=None)) == "GoogleAuth()"


# -------------------------------------------------------------------------- Foundry


async def test_a_sync_provider_may_return_an_awaitable_and_replaces_authorization(
    server: FakeClaude,
) -> None:
    threads: list[str] = []

    async def fetch() -> str:
        return "entra-token-awaited"

    def provider() -> Awaitable[str]:
        threads.append(threading.current_thread().name)
        return fetch()

    async with AsyncAnthropicFoundry(
        azure_ad_token_provider=provider,
        base_url=server.url,
        default_headers={"Authorization": "Bearer stale", "X-Kept": "yes"},
    ) as client:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    sent = server.requests[-1]
    # Replaced, not sent beside the stale one.
    assert sent.header_list("authorization") == ["Bearer entra-token-awaited"]
    assert sent.headers["x-kept"] == "yes"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert threads and threads[0] != threading.current_thread().name


@pytest.mark.parametrize(("token", "kind"), [(5, "int"), (None, "NoneType"), (b"t", "bytes")])
async def test_a_provider_returning_no_str_is_named_with_what_it_returned(
    server: FakeClaude, token: object, kind: str
) -> None:
    async with AsyncAnthropicFoundry(
        azure_ad_token_provider=lambda: token,  # type: ignore[arg-type,return-value]
        base_url=server.url,
    ) as client:
        with pytest.raises(ValueError) as info:
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert str(info.value) == f"azure_ad_token_provider must return a non-empty str, got {kind}"
    assert not server.requests


# --------------------------------------------------------------------------- Vertex AI


async def test_an_authorization_the_caller_gives_is_sent_alone_to_vertex(
    server: FakeClaude,
) -> None:
    """Google's token is added only to a request without an `Authorization`: one given in
    the default headers is sent as it is, and only it."""
    async with AsyncAnthropicVertex(
        region="us-east5",
        project_id="p",
        access_token=GOOGLE_TOKEN,
        base_url=f"{server.url}/v1",
        default_headers={"Authorization": f"Bearer {GOOGLE_TOKEN}-given"},
    ) as client:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert server.requests[-1].header_list("Authorization") == [f"Bearer {GOOGLE_TOKEN}-given"]


# ------------------------------------------------------- google-auth's HTTP transport


async def _answer(stream: SocketStream, request: bytes) -> None:
    target = request.split(b" ", 2)[1]
    if target == b"/slow":
        await anyio.sleep_forever()
    status = 400 if target == b"/bad" else 200
    body = b'{"error": "invalid_grant"}' if status == 400 else b"ok"
    await stream.send(response(body, status=status, headers={"X-Reply-Header": "v"}))


async def test_the_urllib_transport_google_auth_refreshes_through() -> None:
    """What google-auth's `Request` interface asks of it: method (GET by default),
    headers and body sent; status, lower-cased headers and data read, for an error
    status too; the timeout applied; a connection failure as google-auth's
    `TransportError` with its reason."""
    from google.auth.exceptions import TransportError

    call = _UrllibRequest()
    async with raw_server(_answer) as server:
        ok = await anyio.to_thread.run_sync(lambda: call(f"{server.url}/ok"))
        assert server.requests[-1].startswith(b"GET /ok HTTP/1.1\r\n")
        assert (ok.status, ok.headers["x-reply-header"], ok.data) == (200, "v", b"ok")
        await anyio.to_thread.run_sync(lambda: call(f"{server.url}/ok", method="POST"))
        assert server.requests[-1].startswith(b"POST /ok HTTP/1.1\r\n")
        bad = await anyio.to_thread.run_sync(
            lambda: call(f"{server.url}/bad", "POST", b"grant_type=x", {"X-Sent-Header": "s"}, 10)
        )
        sent = server.requests[-1].lower()
        assert sent.startswith(b"post /bad http/1.1\r\n") and sent.endswith(b"grant_type=x")
        assert b"\r\nx-sent-header: s\r\n" in sent
        assert (bad.status, bad.headers["x-reply-header"]) == (400, "v")
        assert bad.data == b'{"error": "invalid_grant"}'
        started = time.monotonic()
        with pytest.raises(TransportError, match="timed out"):
            await anyio.to_thread.run_sync(lambda: call(f"{server.url}/slow", timeout=0.2))
        assert time.monotonic() - started < 10
        port = server.port
    with pytest.raises(TransportError, match="refused"):
        await anyio.to_thread.run_sync(lambda: call(f"http://127.0.0.1:{port}/gone"))


def test_the_urllib_transport_waits_120_s_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit test of the default (waiting it out would take two minutes)."""
    seen: list[float | None] = []

    def urlopen(request: urllib.request.Request, timeout: float | None) -> Any:
        seen.append(timeout)
        raise OSError("not sent")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    from google.auth.exceptions import TransportError

    with pytest.raises(TransportError, match="not sent"):
        _UrllibRequest()("http://127.0.0.1:9/")
    with pytest.raises(TransportError):
        _UrllibRequest()("http://127.0.0.1:9/", timeout=5)
    assert seen == [120, 5]


async def test_sigv4_signs_what_is_sent_and_replaces_stale_signing_headers(
    server: FakeClaude,
) -> None:
    """A caller's `Authorization`/`X-Amz-Date` is replaced, `connection` is not signed (a
    proxy may drop it), no session token header without a session token, and the date
    is UTC in SigV4's basic format."""
    from datetime import datetime, timezone

    stale = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=stale",
        "X-Amz-Date": "20000101T000000Z",
        "Connection": "keep-alive",
    }
    async with AsyncAnthropicBedrock(
        aws_region="us-east-1",
        aws_access_key=AK,
        aws_secret_key=SK,
        base_url=server.url,
        default_headers=stale,
        max_retries=0,
    ) as client:
        await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    headers = server.requests[-1].headers
    assert "x-amz-security-token" not in headers
    authorization = headers["authorization"]
    assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={AK}/")
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    assert "connection" not in signed and "authorization" not in signed
    assert {"anthropic-version", "content-type", "host", "x-amz-date"} <= set(signed)
    date = datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - date).total_seconds()) < 300


async def test_a_failing_credential_chain_is_a_credentials_error_without_its_frames(
    server: FakeClaude, tmp_path: Any
) -> None:
    script = tmp_path / "creds.py"
    script.write_text("import sys\nsys.exit('no credentials for you')\n")
    (tmp_path / "aws-config").write_text(
        f"[profile broken]\ncredential_process = {sys.executable} {script}\n"
    )
    async with AsyncAnthropicBedrock(
        aws_profile="broken", aws_region="us-east-1", base_url=server.url
    ) as client:
        with pytest.raises(CredentialsError) as info:
            await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    assert str(info.value).startswith(
        "could not resolve credentials: CredentialRetrievalError: Error when retrieving "
        "credentials from custom-process: no credentials for you"
    )
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert not server.requests


async def test_google_credentials_given_without_a_project_name_none(server: FakeClaude) -> None:
    """Credentials passed in name no project (only application default credentials
    do): without `project=` the Claude on Google Cloud client refuses before any I/O."""
    from anyio_claude import ClaudeError
    from anyio_claude.lib.google_cloud import AsyncAnthropicGoogleCloud

    credentials = _EmptyTokenCredentials(GOOGLE_TOKEN)
    async with AsyncAnthropicGoogleCloud(
        credentials=credentials, location="us-east5", workspace_id="wrkspc_1"
    ) as client:
        client.base_url = server.url
        with pytest.raises(ClaudeError, match=r"^No `project` was provided"):
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert not server.requests

"""Credentials: the resolution order, workload identity against FakeClaude's token endpoint,
the token cache's windows and single flight, the 401 retry, HTTPS, and redaction."""

from __future__ import annotations

import json
import os
import pathlib
import stat
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import (
    AccessToken,
    AsyncClaude,
    AuthenticationError,
    CredentialsError,
    CredentialsFile,
    EnvToken,
    IdentityTokenFile,
    IdentityTokenFileError,
    InMemoryConfig,
    StaticToken,
    TokenCache,
    WorkloadIdentityCredentials,
    WorkloadIdentityError,
    default_credentials,
    exchange_federation_assertion,
)
from anyio_claude.testing import FakeClaude

from ._servers import raw_server, response
from .test_edges import assert_hidden

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hi"}]
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2lnbmF0dXJlLXNlY3JldA"
RULE, ORG = "fdrl_01abc", "00000000-0000-4000-8000-000000000001"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    """No ANTHROPIC_* from the machine; the config directory is this test's own."""
    for name in list(os.environ):
        if name.startswith("ANTHROPIC_"):
            monkeypatch.delenv(name)
    config_dir = tmp_path / "anthropic"
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(config_dir))
    yield config_dir


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        fake.oauth.identity_tokens = {JWT}
        yield fake


def write(path: pathlib.Path, data: object, mode: int = 0o600) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    path.chmod(mode)
    return path


def federation_env(monkeypatch: pytest.MonkeyPatch, token_file: pathlib.Path) -> None:
    monkeypatch.setenv("ANTHROPIC_FEDERATION_RULE_ID", RULE)
    monkeypatch.setenv("ANTHROPIC_ORGANIZATION_ID", ORG)
    monkeypatch.setenv("ANTHROPIC_IDENTITY_TOKEN_FILE", str(token_file))


async def test_workload_identity_from_the_environment(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    federation_env(monkeypatch, write(tmp_path / "token", JWT + "\n"))
    monkeypatch.setenv("ANTHROPIC_WORKSPACE_ID", "wrkspc_01")
    async with AsyncClaude(base_url=server.url) as client:
        assert isinstance(client.credentials, WorkloadIdentityCredentials)
        message = await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert message.content
    assert server.oauth.exchanges == 1
    assert server.oauth.grants == [
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "federation_rule_id": RULE,
            "organization_id": ORG,
            "workspace_id": "wrkspc_01",
        }
    ]
    sent = server.requests[-1].headers
    assert sent["authorization"] == f"Bearer {server.oauth.issued[0]}"
    assert sent["anthropic-beta"] == "oauth-2025-04-20"
    assert "x-api-key" not in sent


async def test_500_concurrent_requests_share_one_exchange(server: FakeClaude) -> None:
    server.oauth.delay = 0.2
    credentials = WorkloadIdentityCredentials(
        identity_token_provider=lambda: JWT, federation_rule_id=RULE, organization_id=ORG
    )
    async with AsyncClaude(credentials=credentials, base_url=server.url) as client:

        async def one() -> None:
            await client.messages.count_tokens(model=MODEL, messages=USER)

        async with anyio.create_task_group() as tg:
            for _ in range(500):
                tg.start_soon(one)
    assert server.oauth.exchanges == 1
    assert len(server.requests) == 501


async def test_a_401_drops_the_token_and_retries_once(server: FakeClaude) -> None:
    credentials = WorkloadIdentityCredentials(
        identity_token_provider=lambda: JWT, federation_rule_id=RULE, organization_id=ORG
    )
    async with AsyncClaude(credentials=credentials, base_url=server.url) as client:
        await client.models.list()
        server.oauth.revoke(server.oauth.issued[0])
        await client.models.list()
        assert server.oauth.exchanges == 2
        models = [r for r in server.requests if r.path.startswith("/v1/models")]
        assert [r.headers["authorization"] for r in models][-2:] == [
            f"Bearer {server.oauth.issued[0]}",
            f"Bearer {server.oauth.issued[1]}",
        ]
        # Tokens the API keeps refusing: one retry, then the 401.
        before = len(server.requests)
        server.oauth.accept_issued = False
        with pytest.raises(AuthenticationError):
            await client.models.list()
        assert len(server.requests) - before == 3  # request, exchange, one retry
    # A static key's 401 is not retried.
    async with AsyncClaude(api_key="k", base_url=server.url) as client:
        server.api_keys = frozenset({"other"})
        before = len(server.requests)
        with pytest.raises(AuthenticationError):
            await client.models.list()
        assert len(server.requests) - before == 1


async def test_a_failed_exchange_is_a_workload_identity_error(server: FakeClaude) -> None:
    credentials = WorkloadIdentityCredentials(
        identity_token_provider=lambda: "not-the-jwt",
        federation_rule_id=RULE,
        organization_id=ORG,
    )
    async with AsyncClaude(credentials=credentials, base_url=server.url) as client:
        with pytest.raises(WorkloadIdentityError) as info:
            await client.models.list()
    assert info.value.status_code == 401
    assert info.value.body == {
        "error": "invalid_grant",
        "error_description": "the assertion matches no federation rule",
    }
    assert "federation rule" in str(info.value)
    # One exchange, then the cache's one retry of a 401 from the token endpoint.
    assert len(server.oauth.grants) == 2
    assert not [r for r in server.requests if r.path.startswith("/v1/models")]


async def test_exchange_errors_never_show_the_assertion_or_tokens() -> None:
    async def echo(stream: SocketStream, request: bytes) -> None:
        # A misbehaving endpoint that echoes the request body back in its error.
        body = request.partition(b"\r\n\r\n")[2]
        await stream.send(response(body, status=400, headers={"content-type": "application/json"}))

    async with raw_server(echo) as raw:
        with pytest.raises(WorkloadIdentityError) as info:
            await exchange_federation_assertion(
                assertion=JWT,
                federation_rule_id=RULE,
                organization_id=ORG,
                base_url=f"http://127.0.0.1:{raw.port}",
            )
    assert info.value.status_code == 400
    assert_hidden(info.value, JWT)


async def test_token_endpoints_must_be_https() -> None:
    credentials = WorkloadIdentityCredentials(
        identity_token_provider=lambda: JWT, federation_rule_id=RULE, organization_id=ORG
    )
    for url in ("http://api.example.com", "ftp://x", "http://user:pw@evil.example"):
        with pytest.raises(CredentialsError, match="must use https") as info:
            credentials.bind_base_url(url)
        assert "pw" not in str(info.value)
        if url.startswith("http:"):
            with pytest.raises(CredentialsError, match="must use https"):
                AsyncClaude(credentials=credentials, base_url=url)
    for url in ("https://api.example.com", "http://localhost:8080", "http://127.0.0.1:1"):
        credentials.bind_base_url(url)


async def test_the_cache_windows() -> None:
    now = [1000.0]
    calls: list[bool] = []
    fail = [False]

    def provider(*, force_refresh: bool = False) -> AccessToken:
        calls.append(force_refresh)
        if fail[0]:
            raise WorkloadIdentityError("endpoint down", status_code=503)
        return AccessToken(f"token-{len(calls)}", int(now[0]) + 300)

    cache = TokenCache(provider, time_source=lambda: now[0])
    assert await cache.get_token() == "token-1"
    now[0] += 179  # 121 s left: still fresh
    assert await cache.get_token() == "token-1"
    now[0] += 2  # 119 s left: the advisory window refreshes
    assert await cache.get_token() == "token-2"
    now[0] += 200  # advisory again, and the refresh fails: the old token, no raise
    fail[0] = True
    assert await cache.get_token() == "token-2"
    assert len(calls) == 3
    now[0] += 4  # within the 5 s back-off: no new attempt
    assert await cache.get_token() == "token-2"
    assert len(calls) == 3
    now[0] += 70  # 26 s left: mandatory, the failure raises
    with pytest.raises(WorkloadIdentityError, match="endpoint down"):
        await cache.get_token()
    fail[0] = False
    assert await cache.get_token() == "token-5"
    cache.invalidate_rejected("token-1")  # an old token's late 401 keeps the new one
    assert await cache.get_token() == "token-5"
    cache.invalidate_rejected("token-5")
    assert await cache.get_token() == "token-6"
    assert calls[-1] is True  # forced after a 401


async def test_expiry_none_is_kept_and_zero_is_asked_each_time() -> None:
    calls = []

    async def per_request(*, force_refresh: bool = False) -> AccessToken:
        calls.append(1)
        return AccessToken("t" * 20, 0)

    cache = TokenCache(per_request)
    for _ in range(3):
        await cache.get_token()
    assert len(calls) == 3

    def legacy() -> AccessToken:  # no force_refresh parameter: called without one
        calls.append(1)
        return AccessToken("static-token")

    cache = TokenCache(legacy)
    for _ in range(3):
        await cache.get_token()
    assert len(calls) == 4

    def wrong() -> str:
        return "a bare string"

    with pytest.raises(Exception, match="returned str, not an AccessToken"):
        await TokenCache(wrong).get_token()  # type: ignore[arg-type]


async def test_cancelling_the_refresher_lets_a_waiter_take_over() -> None:
    started = anyio.Event()
    calls = []

    async def slow(*, force_refresh: bool = False) -> AccessToken:
        calls.append(1)
        if len(calls) == 1:
            started.set()
            await anyio.sleep_forever()
        return AccessToken("second-token", None)

    cache = TokenCache(slow)
    got: list[str] = []
    async with anyio.create_task_group() as tg:
        scope = anyio.CancelScope()

        async def first() -> None:
            with scope:
                await cache.get_token()

        async def second() -> None:
            got.append(await cache.get_token())

        tg.start_soon(first)
        await started.wait()
        tg.start_soon(second)
        await anyio.sleep(0.01)
        scope.cancel()
    assert got == ["second-token"] and len(calls) == 2


async def test_resolution_order(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, clean_env: pathlib.Path
) -> None:
    with pytest.raises(ValueError, match=r"at most one of .* got api_key, credentials"):
        AsyncClaude(api_key="k", credentials=StaticToken("t"))
    with pytest.raises(ValueError, match="got config, profile"):
        AsyncClaude(config={}, profile="p")
    with pytest.raises(TypeError, match="credentials must be a token provider"):
        AsyncClaude(credentials="token")  # type: ignore[arg-type]
    # ANTHROPIC_CONFIG_DIR set: its active profile must be there (as the official SDK).
    with pytest.raises(CredentialsError, match=r"profile 'default' not found"):
        default_credentials()
    # A user_oauth profile written by a sidecar (no client_id): the file is read each time.
    write(
        clean_env / "configs" / "work.json",
        {"authentication": {"type": "user_oauth"}, "workspace_id": "wrkspc_9"},
        0o644,
    )
    creds = write(
        clean_env / "credentials" / "work.json",
        {"access_token": "sidecar-token-1", "expires_at": None},
    )
    server.api_keys = frozenset({"sidecar-token-1", "sidecar-token-2", "env-key"})
    monkeypatch.setenv("ANTHROPIC_PROFILE", "work")
    async with AsyncClaude(base_url=server.url) as client:
        assert isinstance(client.credentials, CredentialsFile)
        await client.models.list()
        assert server.requests[-1].headers["anthropic-workspace-id"] == "wrkspc_9"
        assert server.requests[-1].headers["authorization"] == "Bearer sidecar-token-1"
    write(creds, {"access_token": "sidecar-token-2", "expires_at": 0})
    async with AsyncClaude(base_url=server.url) as client:
        await client.models.list()
        assert server.requests[-1].headers["authorization"] == "Bearer sidecar-token-2"
    # The environment's key shadows the profile; an explicit credential shuts out both.
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "env-token")
    async with AsyncClaude(base_url=server.url) as client:
        assert client.credentials is None and client.auth_token is None
        await client.models.list()
        assert server.requests[-1].headers["x-api-key"] == "env-key"
    async with AsyncClaude(auth_token="sidecar-token-1", base_url=server.url) as client:
        assert client.api_key is None
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    result = default_credentials()
    assert result is not None and isinstance(result.provider, StaticToken)
    # The active_config pointer picks the profile when nothing else is set.
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN")
    monkeypatch.delenv("ANTHROPIC_PROFILE")
    write(clean_env / "active_config", "work\n", 0o644)
    result = default_credentials()
    assert result is not None and isinstance(result.provider, CredentialsFile)
    assert result.extra_headers == {"anthropic-workspace-id": "wrkspc_9"}


async def test_profiles_refuse_unsafe_files_and_names(clean_env: pathlib.Path) -> None:
    for bad in ("../etc", ".hidden", "a/b", " x"):
        with pytest.raises(CredentialsError, match="profile"):
            CredentialsFile(bad)
    config = write(
        clean_env / "configs" / "p.json", {"authentication": {"type": "user_oauth"}}, 0o666
    )
    with pytest.raises(CredentialsError, match="writable by group or others"):
        await CredentialsFile("p")()
    config.chmod(0o644)
    creds = write(clean_env / "credentials" / "p.json", {"access_token": "x" * 20}, 0o644)
    with pytest.raises(CredentialsError, match="chmod 600"):
        await CredentialsFile("p")()
    creds.chmod(0o600)
    assert (await CredentialsFile("p")()).token == "x" * 20
    write(config, {"authentication": {"type": "magic"}}, 0o644)
    with pytest.raises(CredentialsError, match=r"unknown authentication\.type 'magic'"):
        await CredentialsFile("p")()
    with pytest.raises(CredentialsError, match="not found"):
        await CredentialsFile("missing")()


async def test_user_oauth_refresh_writes_the_file_back(
    server: FakeClaude, clean_env: pathlib.Path
) -> None:
    write(
        clean_env / "configs" / "me.json",
        {"authentication": {"type": "user_oauth", "client_id": "cli_1"}},
        0o644,
    )
    creds = write(
        clean_env / "credentials" / "me.json",
        {"access_token": "expired-token", "expires_at": 1, "refresh_token": "rt-1"},
    )
    async with AsyncClaude(profile="me", base_url=server.url) as client:
        await client.models.list()
    saved = json.loads(creds.read_text())
    assert saved["access_token"] == server.oauth.issued[0]
    assert saved["refresh_token"] == "rt-1-r"
    assert saved["type"] == "oauth_token"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert server.oauth.grants == [{"grant_type": "refresh_token", "client_id": "cli_1"}]


async def test_federation_profile_caches_on_disk(
    server: FakeClaude, clean_env: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    token_file = write(tmp_path / "jwt", JWT)
    write(
        clean_env / "configs" / "ci.json",
        {
            "organization_id": ORG,
            "authentication": {
                "type": "oidc_federation",
                "federation_rule_id": RULE,
                "identity_token": {"source": "file", "path": str(token_file)},
            },
        },
        0o644,
    )
    for _ in range(2):  # two processes, one exchange: the second reads the disk cache
        async with AsyncClaude(profile="ci", base_url=server.url) as client:
            await client.models.list()
    assert server.oauth.exchanges == 1
    cached = json.loads((clean_env / "credentials" / "ci.json").read_text())
    assert cached["access_token"] == server.oauth.issued[0]
    # In memory, without a credentials_path: no disk cache.
    config = {
        "organization_id": ORG,
        "authentication": {"type": "oidc_federation", "federation_rule_id": RULE},
    }
    provider = InMemoryConfig(config, identity_token_provider=lambda: JWT)
    async with AsyncClaude(credentials=provider, base_url=server.url) as client:
        await client.models.list()
    assert server.oauth.exchanges == 2


async def test_a_copy_on_another_deployment_exchanges_there(
    server: FakeClaude, clean_env: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """`with_options(base_url=...)` binds a federation profile's copy to the new
    deployment (`for_base_url`, as the official SDK): its exchange goes there and its
    token stays out of the disk cache, while the original keeps exchanging where it was
    bound. A user_oauth profile is shared as is."""
    token_file = write(tmp_path / "jwt", JWT)
    federation = {
        "organization_id": ORG,
        "authentication": {
            "type": "oidc_federation",
            "federation_rule_id": RULE,
            "identity_token": {"source": "file", "path": str(token_file)},
        },
    }
    write(clean_env / "configs" / "ci.json", federation, 0o644)
    async with FakeClaude() as other, AsyncClaude(profile="ci", base_url=server.url) as client:
        await client.models.list()
        assert (server.oauth.exchanges, other.oauth.exchanges) == (1, 0)
        cached = (clean_env / "credentials" / "ci.json").read_text()
        async with client.with_options(base_url=other.url) as copy:
            assert copy.credentials is not client.credentials
            await copy.models.list()
            assert (server.oauth.exchanges, other.oauth.exchanges) == (1, 1)
            assert other.requests[-1].headers["authorization"] == f"Bearer {other.oauth.issued[0]}"
        assert (clean_env / "credentials" / "ci.json").read_text() == cached
        assert client.with_options(max_retries=0).credentials is client.credentials
        assert client.credentials is not None
        await client.credentials(force_refresh=True)  # type: ignore[misc]
        assert (server.oauth.exchanges, other.oauth.exchanges) == (2, 1)
        await client.models.list()
        assert server.requests[-1].headers["authorization"] == f"Bearer {server.oauth.issued[0]}"
    write(clean_env / "configs" / "pinned.json", {**federation, "base_url": server.url}, 0o644)
    oauth = {"authentication": {"type": "user_oauth"}}
    write(clean_env / "configs" / "user.json", oauth, 0o644)
    for profile in ("pinned", "user"):
        client = AsyncClaude(profile=profile, base_url=server.url)
        assert client.with_options(base_url="https://elsewhere.example").credentials is (
            client.credentials
        )


SHADOW_SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="%(name)s %(message)s")
from anyio_claude import AsyncClaude, AsyncAnthropicFoundry
for _ in range(3):
    AsyncClaude()
AsyncClaude(api_key="sk-explicit-key")
AsyncAnthropicFoundry(api_key="k", resource="r")
print("done")
"""


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (
            {"ANTHROPIC_API_KEY": "sk-env-key", "ANTHROPIC_AUTH_TOKEN": "env-token"},
            ["ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are both set"],
        ),
        (
            {
                "ANTHROPIC_API_KEY": "sk-env-key",
                "ANTHROPIC_AUTH_TOKEN": "env-token",
                "ANTHROPIC_PROFILE": "ci",
            },
            ["both set", "ANTHROPIC_API_KEY is set, so the client uses it instead"],
        ),
        (
            {
                "ANTHROPIC_AUTH_TOKEN": "env-token",
                "ANTHROPIC_FEDERATION_RULE_ID": RULE,
                "ANTHROPIC_ORGANIZATION_ID": ORG,
                "ANTHROPIC_IDENTITY_TOKEN": JWT,
            },
            ["ANTHROPIC_AUTH_TOKEN is set, so the client uses it instead"],
        ),
        ({"ANTHROPIC_API_KEY": "sk-env-key", "ANTHROPIC_FEDERATION_RULE_ID": RULE}, []),
        ({"ANTHROPIC_API_KEY": "sk-env-key"}, []),
        ({"ANTHROPIC_API_KEY": "sk-env-key", "ACTIVE_CONFIG": "ci"}, ["ANTHROPIC_API_KEY is set"]),
    ],
)
def test_a_shadowing_environment_credential_is_warned_once(
    clean_env: pathlib.Path, environment: dict[str, str], expected: list[str]
) -> None:
    """As the official SDK: a static credential from the environment that shadows
    ANTHROPIC_AUTH_TOKEN, or a profile / workload identity configuration, logs one
    warning per process (a fresh interpreter each case), naming variables, never
    values; an explicit credential or a platform client logs none."""
    import subprocess
    import sys

    environment = dict(environment)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    # No ANTHROPIC_CONFIG_DIR (alone a configuration): ~/.config/anthropic, empty unless
    # the case writes an active_config pointer there.
    home = clean_env / "home"
    env["HOME"] = str(home)
    pointer = environment.pop("ACTIVE_CONFIG", None)
    if pointer is not None:
        write(home / ".config" / "anthropic" / "active_config", pointer, 0o644)
    env.update(environment)
    out = subprocess.run(
        [sys.executable, "-c", SHADOW_SCRIPT], env=env, capture_output=True, text=True, check=True
    ).stdout
    lines = out.splitlines()
    assert lines[-1] == "done"
    warnings = lines[:-1]
    assert len(warnings) == len(expected), out
    for line, text in zip(warnings, expected, strict=True):
        assert line.startswith("anyio_claude ") and text in line
    for secret in ("sk-env-key", "env-token", JWT, "sk-explicit-key"):
        assert secret not in out


async def test_auth_headers_are_what_requests_carry(server: FakeClaude) -> None:
    """`auth_headers` (the official clients' attribute) names the credential headers
    every request carries, hides their values in its repr; a provider's tokens are per
    attempt, so none. The blocking client has them and `credentials` too."""
    from anyio_claude import AsyncAnthropicFoundry, Claude

    key, token = "sk-ant-auth-headers-KEY", "bearer-auth-headers-TOKEN"
    async with AsyncClaude(api_key=key, base_url=server.url) as client:
        assert client.auth_headers == {"X-Api-Key": key}
        await client.models.list()
        assert server.requests[-1].headers["x-api-key"] == key
        assert key not in repr(client.auth_headers)
    async with AsyncClaude(auth_token=token, base_url=server.url) as client:
        assert client.auth_headers == {"Authorization": f"Bearer {token}"}
        await client.models.list()
        assert server.requests[-1].headers["authorization"] == f"Bearer {token}"
        assert token not in repr(client.auth_headers)
    provider = StaticToken(token)
    async with AsyncClaude(credentials=provider, base_url=server.url) as client:
        assert client.auth_headers == {} and client.credentials is provider
    foundry = AsyncAnthropicFoundry(api_key=key, resource="r")
    assert foundry.auth_headers == {"X-Api-Key": key, "api-key": key}
    with Claude(credentials=provider, base_url=server.url) as blocking:
        assert blocking.credentials is provider and blocking.auth_headers == {}
    with Claude(api_key=key, base_url=server.url) as blocking:
        assert blocking.credentials is None and blocking.auth_headers == {"X-Api-Key": key}


async def test_simple_providers(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    assert StaticToken("abc")() == AccessToken("abc", None)
    with pytest.raises(CredentialsError, match="MY_TOKEN is not set"):
        EnvToken("MY_TOKEN")()
    monkeypatch.setenv("MY_TOKEN", "from-env")
    assert EnvToken("MY_TOKEN")().token == "from-env"
    with pytest.raises(CredentialsError, match="ANTHROPIC_IDENTITY_TOKEN_FILE"):
        IdentityTokenFile()
    for path, match in ((tmp_path / "none", "not found"), (tmp_path, "directory")):
        with pytest.raises(IdentityTokenFileError, match=match) as info:
            IdentityTokenFile(path)()
        assert info.value.path == path
    with pytest.raises(IdentityTokenFileError, match="empty"):
        IdentityTokenFile(write(tmp_path / "empty", "  \n"))()


async def test_tokens_are_redacted(server: FakeClaude) -> None:
    token = AccessToken("sk-ant-oat01-abcdefghijkl", 5)
    assert repr(token) == "AccessToken(token='...ijkl', expires_at=5)"
    assert repr(AccessToken("short")) == "AccessToken(token='**********', expires_at=None)"
    assert "sk-ant" not in repr(StaticToken("sk-ant-oat01-abcdefghijkl"))
    credentials = WorkloadIdentityCredentials(
        identity_token_provider=lambda: JWT, federation_rule_id=RULE, organization_id=ORG
    )
    async with AsyncClaude(credentials=credentials, base_url=server.url) as client:
        await client.models.list()
        issued = server.oauth.issued[0]
        server.oauth.revoke(issued)
        server.oauth.identity_tokens = set()  # the re-exchange fails
        with pytest.raises(WorkloadIdentityError) as info:
            await client.models.list()
        assert_hidden(info.value, JWT, issued)
        server.oauth.identity_tokens = {JWT}
        await client.models.list()
        server.oauth.accept_issued = False
        with pytest.raises(AuthenticationError) as failure:
            await client.models.list()
        assert failure.value.request is not None
        assert failure.value.request.headers["authorization"] == "<redacted>"
        assert_hidden(failure.value, JWT, *server.oauth.issued)
    assert_hidden(ValueError(repr(client)), *server.oauth.issued)


def test_the_blocking_client_takes_credentials(tmp_path: pathlib.Path) -> None:
    from anyio_claude import Claude

    with FakeClaude.run_in_thread() as server:
        server.api_keys = frozenset({"static-token-123"})
        with Claude(credentials=StaticToken("static-token-123"), base_url=server.url) as client:
            assert client.models.list().data
        assert server.requests[-1].headers["authorization"] == "Bearer static-token-123"

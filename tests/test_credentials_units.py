"""Credentials, function by function: where profiles live, the names they may have, what the
environment fills in, when a shadowed configuration is warned about, the workload identity
the environment describes, and the exact messages of each refusal. The environment and the
platform are monkeypatched (unit tests of one function); where the official SDK has the same
function, the two are compared on every combination. Fast, so that mutmut can run them per
mutant (docs/contributing.md)."""

from __future__ import annotations

import functools
import itertools
import json
import logging
import os
import pathlib
import re
import stat
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Iterator

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import (
    CredentialsError,
    CredentialsFile,
    EnvToken,
    IdentityTokenFile,
    IdentityTokenFileError,
    InMemoryConfig,
    StaticToken,
    WorkloadIdentityCredentials,
    WorkloadIdentityError,
    exchange_federation_assertion,
)
from anyio_claude import _credentials as creds
from anyio_claude.testing import FakeClaude

from ._servers import raw_server, response

pytestmark = pytest.mark.anyio

official_sdk = pytest.importorskip("anthropic")
official = pytest.importorskip("anthropic.lib.credentials._constants")
official_providers = pytest.importorskip("anthropic.lib.credentials._providers")
official_chain = pytest.importorskip("anthropic.lib.credentials._chain")

RULE, ORG = "fdrl_01abc", "00000000-0000-4000-8000-000000000001"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    """No ANTHROPIC_* from the machine; HOME is this test's own; nothing warned yet."""
    for name in list(os.environ):
        if name.startswith("ANTHROPIC_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(creds, "_warned", set())
    yield home


def write(path: pathlib.Path, text: str, mode: int = 0o644) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def refused(call: object, *args: object) -> str:
    """The message of the `CredentialsError` `call(*args)` raises."""
    with pytest.raises(CredentialsError) as info:
        call(*args)  # type: ignore[operator]
    return str(info.value)


# ------------------------------------------------------------------ where profiles live


def test_the_config_dir_is_the_official_one_on_every_platform(
    monkeypatch: pytest.MonkeyPatch, clean_env: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    def both() -> pathlib.Path:
        ours = creds._config_dir()
        assert ours == official._config_dir()
        return ours

    assert both() == clean_env / ".config" / "anthropic"
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", "")  # empty is unset
    assert both() == clean_env / ".config" / "anthropic"
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "elsewhere"))
    assert both() == tmp_path / "elsewhere"
    monkeypatch.delenv("ANTHROPIC_CONFIG_DIR")
    monkeypatch.setattr(sys, "platform", "win32")
    assert both() == clean_env / "AppData" / "Roaming" / "Anthropic"
    monkeypatch.setenv("APPDATA", str(tmp_path / "roaming"))
    assert both() == tmp_path / "roaming" / "Anthropic"
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "elsewhere"))
    assert both() == tmp_path / "elsewhere"


def test_the_active_config_pointer_and_profile(
    monkeypatch: pytest.MonkeyPatch, clean_env: pathlib.Path
) -> None:
    pointer = clean_env / ".config" / "anthropic" / "active_config"

    def both() -> tuple[str | None, str]:
        ours = (creds._active_config_pointer(), creds._active_profile())
        assert ours == (official._read_active_config_pointer(), official._active_profile())
        return ours

    assert both() == (None, "default")
    write(pointer, "  wörk \n")
    assert both() == ("wörk", "wörk")
    write(pointer, " \n")
    assert both() == (None, "default")
    monkeypatch.setenv("ANTHROPIC_PROFILE", "named")
    assert creds._active_profile() == "named"
    monkeypatch.setenv("ANTHROPIC_PROFILE", ".hidden")
    assert refused(creds._active_profile) == (
        "ANTHROPIC_PROFILE '.hidden' must not start with a dot"
    )
    monkeypatch.delenv("ANTHROPIC_PROFILE")
    write(pointer, "../up\n")
    assert refused(creds._active_profile) == (
        "the active_config pointer file's profile '../up' must not start with a dot"
    )
    write(pointer, "a/b")
    assert refused(CredentialsFile) == (
        "the active_config pointer file's profile 'a/b' must not contain path separators"
    )


NAMES = ["", " x", "x ", "\tx", ".x", "..", "a/b", "a\\b", "/", "\\", "a\x00b", "ok", "a.b", "-"]


def test_profile_names_are_refused_as_the_official_sdk_refuses_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = {
        "": "must not be empty",
        " x": "has leading or trailing whitespace",
        "x ": "has leading or trailing whitespace",
        "\tx": "has leading or trailing whitespace",
        ".x": "must not start with a dot",
        "..": "must not start with a dot",
        "a/b": "must not contain path separators",
        "a\\b": "must not contain path separators",
        "/": "must not contain path separators",
        "\\": "must not contain path separators",
        "a\x00b": "must not contain null bytes",
    }
    for separator in ("/", "\\"):  # POSIX, then Windows' os.sep
        monkeypatch.setattr(os, "sep", separator)
        for name in NAMES:
            try:
                official._validate_profile_name(name)
            except Exception:
                theirs = False
            else:
                theirs = True
            if name in expected:
                assert refused(creds._check_profile_name, name, "src") == (
                    f"src {name!r} {expected[name]}"
                )
                assert not theirs, name
            else:
                creds._check_profile_name(name, "src")
                assert theirs, name
    monkeypatch.setattr(os, "sep", "/")
    assert refused(CredentialsFile, "a\\b") == "profile 'a\\\\b' must not contain path separators"


def test_paths_must_stay_under_the_config_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    base = tmp_path / "config"
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(base))
    assert creds._under_config_dir("configs", "p.json") == base / "configs" / "p.json"
    assert refused(creds._under_config_dir, "..", "x.json") == (
        f"{base / '..' / 'x.json'} escapes the config directory {base}"
    )


# ------------------------------------------------------------------------ the providers


def test_the_simple_providers_exactly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    assert repr(StaticToken("secret")) == "StaticToken(<redacted>)"
    assert StaticToken("secret")(force_refresh=True).token == "secret"
    assert refused(EnvToken()) == (
        "environment variable ANTHROPIC_AUTH_TOKEN is not set; set it or pass "
        "credentials= to the client"
    )
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "from-env")
    assert EnvToken()(force_refresh=True).token == "from-env"
    assert refused(IdentityTokenFile) == (
        "no identity token file: pass path= or set ANTHROPIC_IDENTITY_TOKEN_FILE"
    )
    monkeypatch.setenv("ANTHROPIC_IDENTITY_TOKEN_FILE", str(tmp_path / "env-jwt"))
    assert IdentityTokenFile().path == tmp_path / "env-jwt"
    assert IdentityTokenFile(tmp_path / "given").path == tmp_path / "given"
    bad = tmp_path / "latin1"
    bad.write_bytes(b"caf\xe9")
    for path, message in (
        (bad, f"identity token file at {bad} could not be read: UnicodeDecodeError"),
        (write(tmp_path / "blank", " \n"), f"identity token file at {tmp_path / 'blank'} is empty"),
        (tmp_path / "none", f"identity token file not found at {tmp_path / 'none'}"),
        (
            tmp_path,
            f"identity token path {tmp_path} is a directory; point at the token file itself",
        ),
    ):
        with pytest.raises(IdentityTokenFileError) as info:
            IdentityTokenFile(path)()
        assert str(info.value) == message
        assert info.value.path == path
    assert IdentityTokenFile(write(tmp_path / "jwt", " héllo.jwt \n"))() == "héllo.jwt"


def test_token_replies_are_read_exactly() -> None:
    now = int(time.time())
    for token_type in (None, "Bearer", "bearer", "BEARER"):
        reply = {"access_token": "tok", "expires_in": 60}
        if token_type is not None:
            reply["token_type"] = token_type
        token = creds._token_from(reply, "what")
        assert token.token == "tok"
        assert token.expires_at is not None and now + 60 <= token.expires_at <= now + 62
    with pytest.raises(WorkloadIdentityError) as info:
        creds._token_from({"access_token": "tok", "expires_in": 60, "token_type": "mac"}, "what")
    assert str(info.value) == "what: unsupported token_type 'mac'"
    for reply in (
        {"access_token": "tok"},
        {"access_token": "tok", "expires_in": "soon"},
        {"access_token": "tok", "expires_in": None},
        {"access_token": "", "expires_in": 60},
        {"access_token": 5, "expires_in": 60},
        {"expires_in": 60, "error": "e", "scope": "s"},
    ):
        with pytest.raises(WorkloadIdentityError) as info:
            creds._token_from(dict(reply), "what")
        assert str(info.value) == "what: the reply is missing access_token or expires_in"
        assert info.value.body == {k: v for k, v in reply.items() if k == "error"}


# ------------------------------------------------------------------ filling from the env

FILLED = {
    "ANTHROPIC_BASE_URL": ("config", "base_url"),
    "ANTHROPIC_ORGANIZATION_ID": ("config", "organization_id"),
    "ANTHROPIC_WORKSPACE_ID": ("config", "workspace_id"),
    "ANTHROPIC_FEDERATION_RULE_ID": ("auth", "federation_rule_id"),
    "ANTHROPIC_SERVICE_ACCOUNT_ID": ("auth", "service_account_id"),
    "ANTHROPIC_SCOPE": ("auth", "scope"),
    "ANTHROPIC_IDENTITY_TOKEN_FILE": ("auth", "identity_token"),
}


def test_the_environment_fills_only_what_the_profile_left_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same as the official SDK's for both kinds of profile, every subset of the
    variables, over a profile that sets nothing, sets everything, or sets empty values."""
    names = list(FILLED)
    own = {"config": {}, "auth": {}}  # what a profile that sets everything holds
    for where, key in FILLED.values():
        own[where][key] = {"source": "file", "path": "own"} if key == "identity_token" else "own"
    for kind in ("oidc_federation", "user_oauth"):
        for preset in ("nothing", "everything", "empty"):
            for chosen in itertools.product((False, True), repeat=len(names)):
                for name, on in zip(names, chosen, strict=True):
                    if on:
                        monkeypatch.setenv(name, f"env-{name}")
                    else:
                        monkeypatch.delenv(name, raising=False)
                if preset == "nothing":
                    config: dict[str, object] = {}
                    auth: dict[str, object] = {"type": kind}
                elif preset == "everything":
                    config, auth = dict(own["config"]), {"type": kind, **own["auth"]}
                else:
                    config = {k: "" for k in own["config"]}
                    auth = {"type": kind, **{k: "" for k in own["auth"]}}
                theirs_config, theirs_auth = dict(config), dict(auth)
                creds._fill_from_env(config, auth)
                official_providers._fill_missing_from_env(theirs_config, theirs_auth)
                assert (config, auth) == (theirs_config, theirs_auth), (kind, preset, chosen)
    # One of them spelt out.
    for name in names:
        monkeypatch.setenv(name, f"env-{name}")
    config, auth = {"base_url": "own"}, {"type": "oidc_federation", "scope": ""}
    creds._fill_from_env(config, auth)
    assert config == {
        "base_url": "own",
        "organization_id": "env-ANTHROPIC_ORGANIZATION_ID",
        "workspace_id": "env-ANTHROPIC_WORKSPACE_ID",
    }
    assert auth == {
        "type": "oidc_federation",
        "scope": "env-ANTHROPIC_SCOPE",
        "federation_rule_id": "env-ANTHROPIC_FEDERATION_RULE_ID",
        "service_account_id": "env-ANTHROPIC_SERVICE_ACCOUNT_ID",
        "identity_token": {"source": "file", "path": "env-ANTHROPIC_IDENTITY_TOKEN_FILE"},
    }


DISCOVERY = [
    "ANTHROPIC_PROFILE",
    "ANTHROPIC_CONFIG_DIR",
    "ANTHROPIC_FEDERATION_RULE_ID",
    "ANTHROPIC_ORGANIZATION_ID",
    "ANTHROPIC_IDENTITY_TOKEN_FILE",
    "ANTHROPIC_IDENTITY_TOKEN",
]


def set_env(monkeypatch: pytest.MonkeyPatch, names: list[str], chosen: tuple[bool, ...]) -> None:
    for name, on in zip(names, chosen, strict=True):
        if on:
            monkeypatch.setenv(name, f"env-{name}")
        else:
            monkeypatch.delenv(name, raising=False)


def test_what_counts_as_discoverable_is_the_official_test(
    monkeypatch: pytest.MonkeyPatch, clean_env: pathlib.Path
) -> None:
    pointer = clean_env / ".config" / "anthropic" / "active_config"
    seen = set()
    for has_pointer in (False, True):
        if has_pointer:
            write(pointer, "p\n")
        for chosen in itertools.product((False, True), repeat=len(DISCOVERY)):
            set_env(monkeypatch, DISCOVERY, chosen)
            ours = creds._auto_discoverable()
            assert ours == official._has_auto_discoverable_credentials(), (has_pointer, chosen)
            seen.add(ours)
    assert seen == {False, True}


# ------------------------------------------------------------------- shadowing warnings


def test_a_shadowing_credential_is_warned_once_with_the_exact_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    both = (
        "ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are both set: the client uses ANTHROPIC_API_KEY"
    )

    def shadows(name: str) -> str:
        return (
            f"{name} is set, so the client uses it instead of the profile or workload "
            f"identity credentials configured in the environment; unset {name} to use those"
        )

    for discoverable in (False, True):
        for api_key, auth_token in itertools.product((False, True), repeat=2):
            monkeypatch.setattr(creds, "_warned", set())
            if discoverable:
                monkeypatch.setenv("ANTHROPIC_PROFILE", "p")
            else:
                monkeypatch.delenv("ANTHROPIC_PROFILE", raising=False)
            expected = []
            if api_key and auth_token:
                expected.append(both)
            if discoverable and (api_key or auth_token):
                expected.append(shadows("ANTHROPIC_API_KEY" if api_key else "ANTHROPIC_AUTH_TOKEN"))
            for _ in range(3):
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="anyio_claude"):
                    creds.warn_shadowed_by_env(api_key=api_key, auth_token=auth_token)
                got = [r.getMessage() for r in caplog.records]
                assert got == expected, (discoverable, api_key, auth_token)
                assert all(r.name == "anyio_claude" for r in caplog.records)
                expected = []  # once per process each
    assert creds._warned == {"ANTHROPIC_API_KEY:ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"}
    # Once warned, the pointer file is no longer read.
    calls = []
    monkeypatch.setattr(creds, "_auto_discoverable", lambda: calls.append(1) or True)
    creds.warn_shadowed_by_env(api_key=False, auth_token=True)
    monkeypatch.setattr(creds, "_warned", {"ANTHROPIC_AUTH_TOKEN"})
    creds.warn_shadowed_by_env(api_key=False, auth_token=True)
    creds.warn_shadowed_by_env(api_key=False, auth_token=False)
    assert calls == [1]


# ----------------------------------------------------- workload identity from the env


def test_workload_identity_from_the_environment_is_the_official_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    names = [
        "ANTHROPIC_FEDERATION_RULE_ID",
        "ANTHROPIC_ORGANIZATION_ID",
        "ANTHROPIC_IDENTITY_TOKEN_FILE",
        "ANTHROPIC_IDENTITY_TOKEN",
        "ANTHROPIC_SERVICE_ACCOUNT_ID",
        "ANTHROPIC_WORKSPACE_ID",
        "ANTHROPIC_SCOPE",
    ]
    attributes = (
        "_federation_rule_id",
        "_organization_id",
        "_service_account_id",
        "_workspace_id",
        "_scope",
        "_bound_base_url",
    )
    found = 0
    for chosen in itertools.product((False, True), repeat=len(names)):
        set_env(monkeypatch, names, chosen)
        ours = creds._federation_from_env("https://x.example/")
        theirs = official_chain._build_federation_result(base_url="https://x.example/")
        assert (ours is None) == (theirs is None), chosen
        if ours is None or theirs is None:
            continue
        found += 1
        assert ours.extra_headers == {} and ours.base_url is None
        provider, other = ours.provider, theirs.provider
        assert isinstance(provider, WorkloadIdentityCredentials)
        for name in attributes:
            assert getattr(provider, name) == getattr(other, name), (name, chosen)
        identity = provider._identity_token_provider
        if chosen[2]:
            assert isinstance(identity, IdentityTokenFile)
            assert identity.path == pathlib.Path("env-ANTHROPIC_IDENTITY_TOKEN_FILE")
        else:
            assert identity() == "env-ANTHROPIC_IDENTITY_TOKEN"
            monkeypatch.setenv("ANTHROPIC_IDENTITY_TOKEN", "rotated")
            assert identity() == "rotated"
            monkeypatch.delenv("ANTHROPIC_IDENTITY_TOKEN")
            assert refused(identity) == "ANTHROPIC_IDENTITY_TOKEN is no longer set"
    assert found == 3 * 2**3
    # Empty values are unset; an empty workspace id is not sent.
    set_env(monkeypatch, names, (True,) * 4 + (False,) * 3)
    for name in ("ANTHROPIC_FEDERATION_RULE_ID", "ANTHROPIC_ORGANIZATION_ID"):
        monkeypatch.setenv(name, "")
        assert creds._federation_from_env("https://x.example") is None
        monkeypatch.setenv(name, "set")
    monkeypatch.setenv("ANTHROPIC_WORKSPACE_ID", "")
    result = creds._federation_from_env("https://x.example")
    assert result is not None
    assert result.provider._workspace_id is None  # type: ignore[union-attr]


# ---------------------------------------------------------------- profiles in memory


def test_in_memory_configs_are_checked_when_made(tmp_path: pathlib.Path) -> None:
    assert refused(InMemoryConfig, {}) == "config has no 'authentication' object"
    assert refused(InMemoryConfig, {"authentication": "user_oauth"}) == (
        "config has no 'authentication' object"
    )
    assert refused(InMemoryConfig, {"authentication": {"type": "magic"}}) == (
        "unknown authentication.type 'magic'; expected 'oidc_federation' or 'user_oauth'"
    )
    needs_path = "a user_oauth config needs authentication.credentials_path (where its tokens live)"
    for auth in ({"type": "user_oauth"}, {"type": "user_oauth", "credentials_path": ""}):
        assert refused(InMemoryConfig, {"authentication": auth}) == needs_path
    assert refused(
        InMemoryConfig, {"authentication": {"type": "oidc_federation"}, "base_url": "http://x.io"}
    ) == (
        "<in-memory config>: base_url must use https (got 'http://x.io'); the token "
        "exchange carries secret material"
    )
    given = {"base_url": "https://pinned.example/", "authentication": {"type": "oidc_federation"}}
    config = InMemoryConfig(given)
    assert repr(config) == "InMemoryConfig(profile='<in-memory>')"
    assert config.profile == "<in-memory>"
    assert config.config_path == pathlib.Path("<in-memory config>")
    assert config.resolved_base_url == "https://pinned.example"
    assert config._credentials_path is None
    assert (config._bound_base_url, config._delegate, config._last_served) == (None, None, None)
    assert config._owns_http is True
    # Its own copy: the caller's dicts are left alone.
    config._auth()["type"] = "changed"
    assert given["authentication"] == {"type": "oidc_federation"}
    oauth = InMemoryConfig(
        {"authentication": {"type": "user_oauth", "credentials_path": "~/tokens.json"}}
    )
    assert oauth._credentials_path == pathlib.Path.home() / "tokens.json"
    assert oauth.resolved_base_url is None


def test_a_profile_provider_starts_unbound_and_owning_its_connections(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    profile = CredentialsFile("p")
    assert repr(profile) == "CredentialsFile(profile='p')"
    assert profile.config_path == tmp_path / "configs" / "p.json"
    assert (profile._credentials_path, profile._bound_base_url, profile._last_served) == (
        None,
        None,
        None,
    )
    assert profile._owns_http is True
    assert refused(CredentialsFile, "") == "profile '' must not be empty"


def federation_profile(**auth: object) -> dict[str, object]:
    return {
        "organization_id": ORG,
        "authentication": {"type": "oidc_federation", "federation_rule_id": RULE, **auth},
    }


def test_a_federation_profile_needs_its_settings(tmp_path: pathlib.Path) -> None:
    where = "<in-memory config>"
    needs = (
        f"{where}: an 'oidc_federation' profile needs authentication.federation_rule_id and "
        "a top-level organization_id"
    )
    for config in (
        {"authentication": {"type": "oidc_federation", "federation_rule_id": RULE}},
        {"organization_id": ORG, "authentication": {"type": "oidc_federation"}},
        {
            "organization_id": "",
            "authentication": {"type": "oidc_federation", "federation_rule_id": RULE},
        },
    ):
        provider = InMemoryConfig(config)
        assert refused(provider._build_delegate, provider._auth()) == needs
    only_file = f"{where}: identity_token source must be 'file', the only one implemented"
    for source in ("file", {"source": "env"}, {"path": "x"}):
        provider = InMemoryConfig(federation_profile(identity_token=source))
        assert refused(provider._build_delegate, provider._auth()) == only_file
    for source in ({"source": "file"}, {"source": "file", "path": ""}):
        provider = InMemoryConfig(federation_profile(identity_token=source))
        assert refused(provider._build_delegate, provider._auth()) == (
            f"{where}: identity_token source 'file' needs a path"
        )
    jwt = write(tmp_path / "jwt", "a.b.c")
    provider = InMemoryConfig(
        {
            **federation_profile(
                identity_token={"source": "file", "path": str(jwt)},
                service_account_id="svac_1",
                scope="user:inference",
            ),
            "workspace_id": "wrkspc_1",
            "organization_id": 12,
        }
    )
    provider.bind_base_url("https://bound.example/")
    delegate = provider._build_delegate(provider._auth())
    assert isinstance(delegate._identity_token_provider, IdentityTokenFile)
    assert delegate._identity_token_provider.path == jwt
    assert (delegate._federation_rule_id, delegate._organization_id) == (RULE, "12")
    assert (delegate._service_account_id, delegate._workspace_id) == ("svac_1", "wrkspc_1")
    assert delegate.scope == "user:inference"
    assert delegate._bound_base_url == "https://bound.example"
    assert delegate._http is provider._http and delegate._owns_http is False
    with pytest.raises(CredentialsError, match=re.escape(f"{where}: base_url must use https")):
        InMemoryConfig(federation_profile()).bind_base_url("http://x.example")


def test_credentials_are_written_atomically_beside_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    target = tmp_path / "a" / "b" / "tokens.json"
    provider = InMemoryConfig(
        {"authentication": {"type": "user_oauth", "credentials_path": str(target)}}
    )
    moves: list[tuple[str, str]] = []
    replace = os.replace

    def recording(src: str, dst: str) -> None:
        moves.append((str(src), str(dst)))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", recording)
    provider._write_credentials({"access_token": creds.SecretStr("tok"), "n": 1})
    assert target.read_bytes() == b'{"access_token":"tok","n":1}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    [(src, dst)] = moves
    assert dst == str(target)
    assert pathlib.Path(src).parent == target.parent
    assert pathlib.Path(src).name.startswith(".tokens.json.")
    # A failed move leaves no temporary file behind, and raises.
    target.unlink()
    target.mkdir()
    (target / "x").write_text("")
    with pytest.raises(OSError):
        provider._write_credentials({"n": 2})
    assert sorted(p.name for p in target.parent.iterdir()) == ["tokens.json"]


# ------------------------------------------------------------ profiles on 127.0.0.1


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


def profile_files(
    config_dir: pathlib.Path, name: str, config: dict[str, object], tokens: object = None
) -> pathlib.Path:
    write(config_dir / "configs" / f"{name}.json", json.dumps(config))
    path = config_dir / "credentials" / f"{name}.json"
    if tokens is not None:
        write(path, json.dumps(tokens), 0o600)
    return path


async def test_a_user_oauth_profile_serves_and_refreshes_its_token(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    later = int(time.time()) + 3000
    oauth = {"authentication": {"type": "user_oauth", "client_id": "cli_1"}}
    path = profile_files(
        tmp_path, "me", oauth, {"access_token": "file-token", "expires_at": later, "x": 1}
    )
    provider = CredentialsFile("me")
    provider.bind_base_url(server.url + "/X/")
    assert provider._bound_base_url == server.url + "/X"
    provider.bind_base_url(server.url + "/")
    assert provider._bound_base_url == server.url
    token = await provider()
    assert (token.token, token.expires_at, server.oauth.exchanges) == ("file-token", later, 0)
    assert isinstance(token.token, creds.SecretStr)
    # Forced (after a 401): the same token is refreshed, with the refresh token.
    with pytest.raises(WorkloadIdentityError) as info:
        await provider(force_refresh=True)
    assert str(info.value) == (
        f"credentials file {path} of a user_oauth profile with a client_id must hold a "
        "refresh_token"
    )
    write(
        path,
        json.dumps(
            {"access_token": "file-token", "expires_at": later, "refresh_token": "rt", "x": 1}
        ),
        0o600,
    )
    token = await provider(force_refresh=True)
    issued = server.oauth.issued[0]
    assert token.token == issued
    now = int(time.time())
    assert token.expires_at is not None and now + 599 <= token.expires_at <= now + 601
    assert server.oauth.grants == [{"grant_type": "refresh_token", "client_id": "cli_1"}]
    request = server.requests[-1]
    assert request.path == "/v1/oauth/token"
    assert request.headers["anthropic-beta"] == "oauth-2025-04-20"
    assert json.loads(path.read_text()) == {
        "access_token": issued,
        "expires_at": token.expires_at,
        "refresh_token": "rt-r",
        "x": 1,
        "version": "1.0",
        "type": "oauth_token",
    }
    # Someone else rotated the file since: a forced call serves the new token as is.
    rotated = {"access_token": "rotated", "expires_at": later, "refresh_token": "rt-r"}
    write(path, json.dumps(rotated), 0o600)
    assert (await provider(force_refresh=True)).token == "rotated"
    # Unforced: the file's token, no exchange.
    assert (await provider()).token == "rotated"
    assert server.oauth.exchanges == 1
    # A refresh token that is not a string.
    write(path, json.dumps({**rotated, "expires_at": 1, "refresh_token": 5}), 0o600)
    with pytest.raises(WorkloadIdentityError, match=r"must hold a refresh_token$"):
        await provider()
    # An expired token is refreshed without being forced.
    write(path, json.dumps({**rotated, "expires_at": 1}), 0o600)
    assert (await provider()).token == server.oauth.issued[1]
    # A refresh the endpoint refuses.
    server.oauth.refresh_tokens = set()
    write(path, json.dumps({**rotated, "expires_at": 1}), 0o600)
    with pytest.raises(WorkloadIdentityError) as info:
        await provider()
    assert str(info.value) == (
        "user_oauth refresh failed (HTTP 400): {'error': 'invalid_grant', "
        "'error_description': 'unknown refresh token'} "
        f"[request_id={info.value.request_id}]"
    )
    assert info.value.status_code == 400
    assert str(info.value.request_id).startswith("req_011C")
    await provider.aclose()


async def test_a_user_oauth_profile_without_a_client_id_serves_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    oauth = {"authentication": {"type": "user_oauth"}, "workspace_id": "wrkspc_1"}
    path = profile_files(tmp_path, "me", oauth)
    provider = CredentialsFile("me")
    assert refused(provider.bind_base_url, "http://x.example") == (
        f"{tmp_path / 'configs' / 'me.json'}: base_url must use https (got 'http://x.example'); "
        "the token exchange carries secret material"
    )
    message = await raises(provider(force_refresh=True))
    assert message == f"credentials file not found at {path} (profile 'me')"
    if os.name == "posix":
        # Its directory a file: our error, not the bare `NotADirectoryError`.
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.rmdir()
        path.parent.write_text("")
        message = await raises(CredentialsFile("me")(force_refresh=True))
        assert message == f"credentials file at {path} could not be read: NotADirectoryError"
        path.parent.unlink()
        path.parent.mkdir()
    for expires_at in (None, 0, 5, 2**40):
        write(path, json.dumps({"access_token": "tok", "expires_at": expires_at}), 0o600)
        assert (await provider(force_refresh=True)) == creds.AccessToken("tok", expires_at)
    for expires_at in (True, "5", 5.5):
        write(path, json.dumps({"access_token": "tok", "expires_at": expires_at}), 0o600)
        assert await raises(provider()) == (
            f"credentials file {path} has an invalid expires_at: expected unix seconds (an integer)"
        )
    for tokens in ({"access_token": ""}, {"access_token": 5}, {}):
        write(path, json.dumps(tokens), 0o600)
        assert await raises(provider()) == f"credentials file {path} has no access_token"
    write(path, json.dumps({"access_token": "tok", "type": "api_key"}), 0o600)
    assert await raises(provider()) == (
        f"credentials file {path} has type 'api_key'; expected 'oauth_token'"
    )
    write(path, json.dumps({"access_token": "tok", "type": "oauth_token"}), 0o600)
    assert (await provider()).token == "tok"
    write(path, "[]", 0o600)
    assert await raises(provider()) == f"credentials file at {path} must hold a JSON object"
    write(path, "{", 0o600)
    assert await raises(provider()) == f"credentials file at {path} is not valid JSON"
    write(path, json.dumps({"access_token": "tok"}), 0o640)
    assert await raises(provider()) == (
        f"credentials file {path} is readable or writable by group or others (mode 0o640); "
        f"run `chmod 600 {path}`"
    )
    path.unlink()
    path.symlink_to(write(tmp_path / "real.json", json.dumps({"access_token": "t"}), 0o600))
    assert await raises(provider()) == f"credentials file {path} is a symlink; refusing it"
    path.unlink()
    path.mkdir(mode=0o700)
    assert await raises(provider()) == (
        f"credentials file at {path} could not be read: IsADirectoryError"
    )
    assert provider.extra_headers() == {"anthropic-workspace-id": "wrkspc_1"}


async def raises(call: Awaitable[object]) -> str:
    with pytest.raises(CredentialsError) as info:
        await call
    return str(info.value)


async def test_a_profile_config_is_checked_and_filled_when_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    config = write(tmp_path / "configs" / "p.json", json.dumps({"auth": {}}), 0o755)
    provider = CredentialsFile("p")
    assert await raises(provider()) == (
        f"config file {config} has no 'authentication' object (expected "
        '{"authentication": {"type": "oidc_federation" or "user_oauth", ...}})'
    )
    config.chmod(0o664)
    assert await raises(CredentialsFile("p")()) == (
        f"config file {config} is writable by group or others (mode 0o664); "
        f"run `chmod go-w {config}`"
    )
    config.chmod(0o646)
    assert "mode 0o646" in await raises(CredentialsFile("p")())
    write(config, "[1]", 0o600)
    assert await raises(CredentialsFile("p")()) == (
        f"config file of profile 'p' at {config} must hold a JSON object"
    )
    write(
        config,
        json.dumps(
            {
                "authentication": {"type": "user_oauth", "credentials_path": "~/t.json"},
                "base_url": "https://pinned.example/X/",
                "workspace_id": "wrkspc_1",
            }
        ),
    )
    provider = CredentialsFile("p")
    assert provider.resolved_base_url == "https://pinned.example/X"
    assert provider._base_url() == "https://pinned.example/X"
    assert provider._credentials_path == pathlib.Path.home() / "t.json"
    provider.bind_base_url("https://bound.example")
    assert provider._base_url() == "https://pinned.example/X"
    # The environment fills what the file leaves out; the file is read once until reload().
    write(config, json.dumps({"authentication": {"type": "oidc_federation"}}))
    monkeypatch.setenv("ANTHROPIC_WORKSPACE_ID", "wrkspc_env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://plain.example")
    assert provider.resolved_base_url == "https://pinned.example/X"
    provider.reload()
    assert provider.resolved_base_url == "http://plain.example"
    assert provider.extra_headers() == {}  # a federation token is workspace-scoped
    assert refused(provider._base_url) == (
        f"{config}: base_url must use https (got 'http://plain.example'); the token "
        "exchange carries secret material"
    )
    assert provider._credentials_path == tmp_path / "credentials" / "p.json"
    monkeypatch.delenv("ANTHROPIC_BASE_URL")
    provider.reload()
    assert provider._base_url() == "https://bound.example"
    assert CredentialsFile("p")._base_url() == "https://api.anthropic.com"


async def test_a_federation_profile_caches_its_token_on_disk(
    server: FakeClaude,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: pathlib.Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    jwt = write(tmp_path / "jwt", "a.b.c")
    config = federation_profile(identity_token={"source": "file", "path": str(jwt)})
    path = profile_files(tmp_path, "ci", {**config, "workspace_id": "wrkspc_1"})
    provider = CredentialsFile("ci")
    provider.bind_base_url(server.url)
    first = await provider()
    assert server.oauth.grants == [
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "federation_rule_id": RULE,
            "organization_id": ORG,
            "workspace_id": "wrkspc_1",
        }
    ]
    assert json.loads(path.read_text()) == {
        "version": "1.0",
        "type": "oauth_token",
        "access_token": first.token,
        "expires_at": first.expires_at,
    }
    later = int(time.time()) + 100
    for cached, exchanges in (
        ({"access_token": "cached", "expires_at": later, "keep": 1}, 1),  # served
        ({"access_token": "cached", "expires_at": int(time.time()) + 20, "keep": 1}, 3),
        ({"access_token": "cached", "expires_at": str(later), "keep": 1}, 4),
        ({"expires_at": later, "keep": 1}, 5),
    ):
        write(path, json.dumps(cached), 0o600)
        token = await provider()
        assert server.oauth.exchanges == exchanges
        if exchanges == 1:
            assert (token.token, token.expires_at) == ("cached", later)
            forced = await provider(force_refresh=True)
            assert forced.token == server.oauth.issued[-1] and server.oauth.exchanges == 2
            continue
        assert token.token == server.oauth.issued[-1]
        assert json.loads(path.read_text())["keep"] == 1
    # A cache that cannot be written is skipped, said at debug level only.
    unwritable = InMemoryConfig(
        {
            **config,
            "authentication": {**config["authentication"], "credentials_path": "/proc/x/t.json"},
        },  # type: ignore[dict-item]
    )
    unwritable.bind_base_url(server.url)
    with caplog.at_level(logging.DEBUG, logger="anyio_claude"):
        assert (await unwritable()).token == server.oauth.issued[-1]
    assert [r.getMessage() for r in caplog.records if r.name == "anyio_claude"] == [
        "could not cache the federation token on disk: FileNotFoundError"
    ]
    await provider.aclose()
    await unwritable.aclose()


# ------------------------------------------------------------------ the token endpoint

URLS = [
    "https://api.example.com",
    "HTTPS://api.example.com/",
    "https://user:pw@api.example.com",
    "http://localhost",
    "http://localhost:8080/v1",
    "http://127.0.0.1:1",
    "http://[::1]:8080",
    "http://api.example.com",
    "http://localhost.example.com",
    "http://127.0.0.2",
    "http://user:pw@api.example.com",
    "ftp://localhost",
    "localhost:8080",
    "",
]


def test_token_endpoints_must_be_https_as_in_the_official_sdk() -> None:
    for url in URLS:
        try:
            official._require_https(url, field="f")
        except Exception:
            theirs = False
        else:
            theirs = True
        try:
            creds.require_https(url, "f")
        except CredentialsError as exc:
            assert not theirs, url
            shown = "the URL is left out: it may hold a password" if "@" in url else f"got {url!r}"
            assert str(exc) == (
                f"f must use https ({shown}); the token exchange carries secret material"
            )
        else:
            assert theirs, url
    provider = WorkloadIdentityCredentials(
        identity_token_provider=lambda: "jwt", federation_rule_id=RULE, organization_id=ORG
    )
    assert refused(provider.bind_base_url, "http://x.example/") == (
        "base_url must use https (got 'http://x.example'); the token exchange carries "
        "secret material"
    )
    provider.bind_base_url("https://x.example/X//")
    assert provider._bound_base_url == "https://x.example/X"
    assert provider.for_base_url("https://x.example/X/") is provider
    copy = provider.for_base_url("https://y.example/X/")
    assert copy is not provider and copy._bound_base_url == "https://y.example/X"
    assert (copy._owns_http, provider._owns_http) == (False, True)
    assert copy._http is provider._http
    assert provider._bound_base_url == "https://x.example/X"
    assert repr(provider) == (
        f"WorkloadIdentityCredentials(federation_rule_id={RULE!r}, organization_id={ORG!r})"
    )
    fresh = WorkloadIdentityCredentials(
        identity_token_provider=lambda: "jwt", federation_rule_id=RULE, organization_id=ORG
    )
    assert fresh.for_base_url("https://z.example/") is fresh
    assert fresh._bound_base_url == "https://z.example"
    assert fresh.scope is None


class Endpoint:
    """A raw token endpoint on 127.0.0.1 answering each request with `reply`."""

    def __init__(self) -> None:
        self.reply = response(b'{"access_token": "minted", "expires_in": 60}')
        self.requests: list[bytes] = []

    async def __call__(self, stream: SocketStream, request: bytes) -> None:
        self.requests.append(request)
        await stream.send(self.reply)

    def sent(self) -> tuple[list[str], dict[str, object]]:
        head, _, body = self.requests[-1].partition(b"\r\n\r\n")
        return head.decode().split("\r\n"), json.loads(body)


async def exchange_error(provider: WorkloadIdentityCredentials) -> WorkloadIdentityError:
    with pytest.raises(WorkloadIdentityError) as info:
        await provider()
    return info.value


async def test_the_exchange_on_the_wire_and_every_way_it_fails() -> None:
    endpoint = Endpoint()
    jwt = "h.p.s"
    async with raw_server(endpoint) as raw:
        provider = WorkloadIdentityCredentials(
            identity_token_provider=lambda: jwt,
            federation_rule_id=RULE,
            organization_id=ORG,
            service_account_id="svac_1",
            workspace_id="wrkspc_1",
            scope="ignored",
        )
        provider.bind_base_url(f"{raw.url}/prefiX/")
        token = await provider()
        assert token.token == "minted" and isinstance(token.token, creds.SecretStr)
        lines, body = endpoint.sent()
        assert lines[0] == "POST /prefiX/v1/oauth/token HTTP/1.1"
        headers = lines[1:]
        for header in (
            "content-type: application/json",
            "accept: application/json",
            "anthropic-beta: oauth-2025-04-20,oidc-federation-2026-04-01",
            "user-agent: anyio-claude",
        ):
            assert header in headers
        assert body == {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": jwt,
            "federation_rule_id": RULE,
            "organization_id": ORG,
            "service_account_id": "svac_1",
            "workspace_id": "wrkspc_1",
        }
        plain = WorkloadIdentityCredentials(
            identity_token_provider=lambda: jwt, federation_rule_id=RULE, organization_id=ORG
        )
        plain.bind_base_url(raw.url)
        await plain()
        lines, body = endpoint.sent()
        assert lines[0] == "POST /v1/oauth/token HTTP/1.1"
        assert set(body) == {"grant_type", "assertion", "federation_rule_id", "organization_id"}

        error = {
            "error": "invalid_grant",
            "error_description": "no rule",
            "error_uri": "u",
            "assertion": jwt,
        }
        hint = (
            " Check that the federation rule matches the identity token (and set "
            "ANTHROPIC_WORKSPACE_ID if the rule covers several workspaces)."
        )
        for status in (401, 400, 403):
            endpoint.reply = response(
                json.dumps(error).encode(), status=status, headers={"request-id": "req_1"}
            )
            failure = await exchange_error(plain)
            shown = {"error": "invalid_grant", "error_description": "no rule", "error_uri": "u"}
            assert str(failure) == (
                f"token exchange failed (HTTP {status}): {shown}"
                f"{hint if status == 401 else ''} [request_id=req_1]"
            )
            assert (failure.status_code, failure.body, failure.request_id) == (
                status,
                shown,
                "req_1",
            )
        # The same 401 from a refresh has no federation hint.
        client = creds._ExchangeClient()
        with pytest.raises(WorkloadIdentityError) as info:
            await creds._post_token_endpoint(
                client.get(raw.url), raw.url + "/p/", {}, "oauth-2025-04-20", "refresh"
            )
        assert endpoint.sent()[0][0] == "POST /p/v1/oauth/token HTTP/1.1"
        assert str(info.value) == (
            "refresh (HTTP 403): {'error': 'invalid_grant', 'error_description': 'no rule', "
            "'error_uri': 'u'} [request_id=req_1]"
        )
        endpoint.reply = response(json.dumps(error).encode(), status=401)
        with pytest.raises(WorkloadIdentityError) as info:
            await creds._post_token_endpoint(
                client.get(raw.url), raw.url, {}, "oauth-2025-04-20", "refresh"
            )
        assert str(info.value) == (
            "refresh (HTTP 401): {'error': 'invalid_grant', 'error_description': 'no rule', "
            "'error_uri': 'u'}"
        )
        assert info.value.request_id is None
        await client.aclose()

        # Bodies that are not JSON objects: cut, or named by their type only.
        long = "x" * 300
        endpoint.reply = response(long.encode(), status=500)
        failure = await exchange_error(plain)
        assert failure.body == "x" * 256 + "... <44 more chars>"
        assert str(failure) == f"token exchange failed (HTTP 500): {failure.body}"
        endpoint.reply = response(b"y" * 256, status=502)
        assert (await exchange_error(plain)).body == "y" * 256
        endpoint.reply = response(b"\xff not json", status=200)
        failure = await exchange_error(plain)
        assert str(failure) == (
            "token exchange failed: the token endpoint returned a non-JSON reply, not an "
            "object (HTTP 200)"
        )
        assert (failure.status_code, failure.body) == (200, "\ufffd not json")
        endpoint.reply = response(b'["a"]', status=201, headers={"request-id": "req_2"})
        failure = await exchange_error(plain)
        assert str(failure) == (
            "token exchange failed: the token endpoint returned a JSON list, not an object "
            "(HTTP 201) [request_id=req_2]"
        )
        assert (failure.status_code, failure.body, failure.request_id) == (201, None, "req_2")
        endpoint.reply = response(b"7", status=400)
        assert (await exchange_error(plain)).body is None
        limit = 1 << 20
        huge = b'{"access_token": "' + b"a" * (limit - 38) + b'", "expires_in": 60}'
        assert len(huge) == limit
        endpoint.reply = response(huge)
        assert len((await plain()).token) == limit - 38
        endpoint.reply = response(
            huge + b" " * (limit + 1 - len(huge)), headers={"request-id": "r"}
        )
        failure = await exchange_error(plain)
        assert str(failure) == (
            "token exchange failed: the token endpoint's reply is over 1048576 bytes [request_id=r]"
        )
        assert (failure.status_code, failure.request_id) == (200, "r")
        endpoint.reply = response(b'{"token_type": "bearer", "access_token": "t", "expires_in": 5}')
        assert (await plain()).token == "t"
        endpoint.reply = response(b'{"token_type": "mac", "access_token": "t", "expires_in": 5}')
        assert str(await exchange_error(plain)) == "token exchange: unsupported token_type 'mac'"
        endpoint.reply = response(b'{"access_token": "t", "expires_in": 5}')

        # The identity token's size.
        sizes = iter([16 * 1024, 16 * 1024 + 1])
        sized = WorkloadIdentityCredentials(
            identity_token_provider=lambda: "j" * next(sizes),
            federation_rule_id=RULE,
            organization_id=ORG,
        )
        sized.bind_base_url(raw.url)
        await sized()
        assert str(await exchange_error(sized)) == (
            "the identity token is 16385 bytes, over the 16384-byte limit: check that it is "
            "the projected token, not a key or a certificate"
        )
        await provider.aclose()
        await plain.aclose()
        await sized.aclose()
        port = raw.port
    # Nothing listening.
    for url, shown in (
        (f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/v1/oauth/token"),
        (f"http://u:pw@127.0.0.1:{port}", "(its URL may hold a password)"),
    ):
        gone = WorkloadIdentityCredentials(
            identity_token_provider=lambda: jwt, federation_rule_id=RULE, organization_id=ORG
        )
        gone.bind_base_url(url)
        failure = await exchange_error(gone)
        assert str(failure) == (
            f"token exchange failed: could not reach the token endpoint {shown}: APIConnectionError"
        )
        assert failure.status_code is None
        await gone.aclose()


# ----------------------------------------------------------------------- the token cache


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_the_cache_windows_to_the_second() -> None:
    clock = Clock(0.0)  # the start of the clock: no failure "5 s ago"
    calls: list[bool] = []
    fail = [False]

    def provider(*, force_refresh: bool = False) -> creds.AccessToken:
        calls.append(force_refresh)
        if fail[0]:
            raise WorkloadIdentityError("down", status_code=503)
        return creds.AccessToken(f"t{len(calls)}", int(clock.now) + 100)

    cache = creds.TokenCache(
        provider, advisory_refresh_seconds=50, mandatory_refresh_seconds=20, time_source=clock
    )
    assert cache.provider is provider
    assert await cache.get_token() == "t1"
    clock.now = 49  # 51 s left: fresh
    assert await cache.get_token() == "t1"
    clock.now = 50  # exactly 50 s left: not more than the advisory window, refreshed
    assert await cache.get_token() == "t2"  # expires at 150
    fail[0] = True
    clock.now = 100  # 50 s left: advisory, fails, the old token is served
    assert await cache.get_token() == "t2" and len(calls) == 3
    clock.now = 104.5  # 4.5 s after the failure: no new attempt
    assert await cache.get_token() == "t2" and len(calls) == 3
    clock.now = 105  # 5 s after: attempted again
    assert await cache.get_token() == "t2" and len(calls) == 4
    clock.now = 130  # exactly 20 s left: mandatory, the failure raises
    with pytest.raises(WorkloadIdentityError):
        await cache.get_token()
    assert len(calls) == 5
    fail[0] = False
    assert await cache.get_token() == "t6"
    assert calls == [False] * 6


async def test_the_cache_and_rejected_tokens() -> None:
    calls: list[bool] = []

    def per_request(*, force_refresh: bool = False) -> creds.AccessToken:
        calls.append(force_refresh)
        return creds.AccessToken(f"t{len(calls)}", 0)

    cache = creds.TokenCache(per_request)
    assert cache.invalidate_rejected("never-sent") is True  # empty: the next is forced
    assert await cache.get_token() == "t1"
    assert await cache.get_token() == "t2"
    # A provider that caches by itself (expires_at 0): any 401 forces its next call.
    cache.invalidate_rejected("other")
    assert await cache.get_token() == "t3"
    assert calls == [True, False, True]
    forever: list[bool] = []

    def static(*, force_refresh: bool = False) -> creds.AccessToken:
        forever.append(force_refresh)
        return creds.AccessToken(f"s{len(forever)}", None)

    cache = creds.TokenCache(static)
    assert await cache.get_token() == "s1"
    cache.invalidate_rejected("s0")  # an older token: the cached one stays
    assert await cache.get_token() == "s1"
    cache.invalidate_rejected("s1")
    assert await cache.get_token() == "s2"
    assert forever == [False, True]
    auth = creds.TokenAuth(cache)
    assert auth.rejected(None) is False
    assert auth.rejected("s2") is True
    assert await cache.get_token() == "s3"


async def test_what_providers_may_be_and_return() -> None:
    class AsyncCallable:
        async def __call__(self, *, force_refresh: bool = False) -> creds.AccessToken:
            return creds.AccessToken("from-async-call")

    async def coroutine_function(**kwargs: object) -> creds.AccessToken:
        return creds.AccessToken(f"kwargs {sorted(kwargs)}")

    def sync(*, force_refresh: bool = False) -> creds.AccessToken:
        return creds.AccessToken(f"sync {force_refresh}")

    partial = functools.partial(functools.partial(coroutine_function, extra=1))
    for provider, is_async in (
        (AsyncCallable(), True),
        (coroutine_function, True),
        (partial, True),
        (sync, False),
        (functools.partial(sync), False),
        (StaticToken("x"), False),
    ):
        assert creds.is_async_provider(provider) is is_async
    assert await creds.TokenCache(AsyncCallable()).get_token() == "from-async-call"
    assert await creds.TokenCache(partial).get_token() == "kwargs ['extra', 'force_refresh']"
    assert await creds.TokenCache(sync).get_token() == "sync False"
    assert creds._accepts_force_refresh(sync) is True
    assert creds._accepts_force_refresh(coroutine_function) is True
    assert creds._accepts_force_refresh(lambda: None) is False
    assert creds._accepts_force_refresh(lambda force: None) is False
    assert creds._accepts_force_refresh(dict) is True  # no signature to read

    async def returns_none() -> None:
        return None

    def returns_coroutine() -> object:
        return returns_none()

    for provider, message in (
        (returns_coroutine, "the credentials provider returned a coroutine, not an AccessToken"),
        (returns_none, "the credentials provider returned NoneType, not an AccessToken"),
        (lambda: 5, "the credentials provider returned int, not an AccessToken"),
    ):
        with pytest.raises(creds.ClaudeError) as info:
            await creds.TokenCache(provider).get_token()  # type: ignore[arg-type]
        assert str(info.value) == message
        assert type(info.value) is creds.ClaudeError

    statuses = iter([401, 401, 403])
    forced: list[bool] = []

    def failing(*, force_refresh: bool = False) -> creds.AccessToken:
        forced.append(force_refresh)
        raise WorkloadIdentityError("no", status_code=next(statuses))

    with pytest.raises(WorkloadIdentityError) as failed:
        await creds.TokenCache(failing).get_token()
    assert failed.value.status_code == 401 and forced == [False, True]
    with pytest.raises(WorkloadIdentityError) as failed:
        await creds.TokenCache(failing).get_token()
    assert failed.value.status_code == 403 and forced == [False, True, False]


async def test_closing_providers() -> None:
    closed: list[str] = []

    class Async:
        async def aclose(self) -> None:
            closed.append("aclose")

        def close(self) -> None:
            closed.append("close of an async one")

    class Sync:
        def close(self) -> None:
            closed.append(f"close in {threading.current_thread() is threading.main_thread()}")

    await creds.close_provider(Async())
    await creds.close_provider(Sync())
    await creds.close_provider(object())
    assert closed == ["aclose", "close in False"]


async def test_the_token_goes_into_the_request() -> None:
    from anyio_claude._http import Request

    cache = creds.TokenCache(StaticToken("tok"))
    auth = creds.TokenAuth(cache)
    for headers, betas in (
        ([], b"oauth-2025-04-20"),
        ([(b"anthropic-beta", b"a, b,,")], b"a,b,oauth-2025-04-20"),
        (
            [(b"anthropic-beta", b"a"), (b"x", b"1"), (b"anthropic-beta", b" oauth-2025-04-20 ")],
            b"a,oauth-2025-04-20",
        ),
    ):
        request = Request("GET", b"/", list(headers), b"")
        assert await auth.apply(request) == "tok"
        rest = [h for h in headers if h[0] != b"anthropic-beta"]
        assert request.headers == [
            *rest,
            (b"authorization", b"Bearer tok"),
            (b"anthropic-beta", betas),
        ]
        assert isinstance(request.headers[-2][1], creds.SecretBytes)
    for name in (b"authorization", b"x-api-key"):
        request = Request("GET", b"/", [(name, b"mine")], b"")
        assert await auth.apply(request) is None
        assert request.headers == [(name, b"mine")]


def test_what_a_client_is_given_resolves_as_the_official_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    def resolve(**given: object) -> tuple[object, dict[str, str], str | None]:
        arguments: dict[str, object] = {
            "api_key": None,
            "auth_token": None,
            "credentials": None,
            "config": None,
            "profile": None,
            "base_url": "https://api.example",
            "discover": True,
        }
        return creds.resolve_credentials(**{**arguments, **given})  # type: ignore[arg-type]

    token = StaticToken("t")
    config = {"authentication": {"type": "oidc_federation"}, "workspace_id": "w"}
    for given, named in (
        ({"api_key": "k", "credentials": token}, "api_key, credentials"),
        ({"auth_token": "k", "config": config}, "auth_token, config"),
        ({"api_key": "k", "auth_token": "t", "profile": "p"}, "api_key, profile"),
        ({"credentials": token, "config": config, "profile": "p"}, "credentials, config, profile"),
    ):
        with pytest.raises(ValueError) as info:
            resolve(**given)
        assert str(info.value) == (
            f"pass at most one of api_key, auth_token, credentials, config and profile; got {named}"
        )
    assert resolve(api_key="k", auth_token="t") == (None, {}, None)
    assert resolve(credentials=token) == (token, {}, None)
    provider, headers, pinned = resolve(config={**config, "base_url": "https://p.example/"})
    assert isinstance(provider, InMemoryConfig)
    assert (headers, pinned) == ({}, "https://p.example")
    oauth = {
        "authentication": {"type": "user_oauth", "credentials_path": "c.json"},
        "workspace_id": "w",
    }
    assert resolve(config=oauth)[1:] == ({"anthropic-workspace-id": "w"}, None)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    write(tmp_path / "configs" / "p.json", json.dumps({**oauth, "base_url": "https://q.example"}))
    provider, headers, pinned = resolve(profile="p")
    assert isinstance(provider, CredentialsFile) and provider.profile == "p"
    assert (headers, pinned) == ({"anthropic-workspace-id": "w"}, "https://q.example")
    # Discovery: the profile the config dir holds, only when asked and nothing was given.
    write(tmp_path / "active_config", "p")
    provider, headers, pinned = resolve()
    assert isinstance(provider, CredentialsFile) and provider.profile == "p"
    assert (headers, pinned) == ({"anthropic-workspace-id": "w"}, "https://q.example")
    assert resolve(discover=False) == (None, {}, None)
    assert resolve(api_key="k") == (None, {}, None)
    assert resolve(auth_token="k") == (None, {}, None)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "empty"))
    with pytest.raises(CredentialsError):
        resolve()
    with pytest.raises(TypeError) as wrong:
        resolve(credentials="a string")
    assert str(wrong.value) == "credentials must be a token provider (a callable), got str"
    assert creds.bind_provider(token, "https://x.example") is token
    federation = WorkloadIdentityCredentials(
        identity_token_provider=lambda: "j", federation_rule_id=RULE, organization_id=ORG
    )
    assert creds.bind_provider(federation, "https://x.example/") is federation
    assert federation._bound_base_url == "https://x.example"


def test_replies_are_parsed_with_their_secrets_wrapped() -> None:
    parsed, redacted = creds._parse_reply(
        b'{"access_token": "a", "refresh_token": "r", "token_type": "bearer", "scope": "s",'
        b' "error": "e", "n": 5}'
    )
    assert isinstance(parsed, dict)
    assert {k: type(v) for k, v in parsed.items()} == {  # pyright: ignore[reportUnknownVariableType]
        "access_token": creds.SecretStr,
        "refresh_token": creds.SecretStr,
        "token_type": str,
        "scope": str,
        "error": str,
        "n": int,
    }
    assert redacted == {"error": "e"}
    assert creds._parse_reply(b"[1]") == ("list", None)
    assert creds._parse_reply(b"caf\xe9") == (None, "caf\ufffd")
    assert creds._redact_body(5) is None


async def test_the_exchange_has_an_overall_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    async def silent(stream: SocketStream, request: bytes) -> None:
        await anyio.sleep_forever()

    monkeypatch.setattr(creds, "TOKEN_EXCHANGE_TIMEOUT", 0.5)
    async with raw_server(silent) as raw:
        provider = WorkloadIdentityCredentials(
            identity_token_provider=lambda: "j", federation_rule_id=RULE, organization_id=ORG
        )
        provider.bind_base_url(raw.url)
        with anyio.fail_after(10):
            failure = await exchange_error(provider)
        assert str(failure) == (
            f"token exchange failed: could not reach the token endpoint {raw.url}/v1/oauth/token: "
            "TimeoutError"
        )
        await provider.aclose()


async def test_the_exchange_connections_are_kept_per_origin_and_closed() -> None:
    client = creds._ExchangeClient()
    first = client.get("https://a.example/x")
    assert client.get("https://a.example/y") is first
    assert client.get("https://b.example") is not first
    assert client.get("https://a.example:8443") is not first
    assert first._limit == 4  # pyright: ignore[reportAttributeAccessIssue]
    await client.aclose()
    assert client._transports == {}
    assert client.get("https://a.example") is not first
    await client.aclose()
    provider = WorkloadIdentityCredentials(
        identity_token_provider=lambda: "j",
        federation_rule_id=RULE,
        organization_id=ORG,
        scope="user:inference",
    )
    assert provider.scope == "user:inference"
    provider._http.get("https://a.example")
    await provider.aclose()
    assert provider._http._transports == {}


def test_access_token_reprs_show_four_characters_from_twelve() -> None:
    assert (
        repr(creds.AccessToken("a" * 11 + "b", 1)) == "AccessToken(token='...aaab', expires_at=1)"
    )
    assert repr(creds.AccessToken("a" * 10 + "b")) == (
        "AccessToken(token='**********', expires_at=None)"
    )
    assert not creds.is_async_provider("not callable")


async def test_the_cache_logs_its_retries_and_failed_advisory_refreshes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock(1000.0)
    results: list[object] = [
        creds.AccessToken("t1", 1100),
        WorkloadIdentityError("x", status_code=401),
        WorkloadIdentityError("y", status_code=503),
    ]

    def provider(*, force_refresh: bool = False) -> creds.AccessToken:
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        assert isinstance(result, creds.AccessToken)
        return result

    cache = creds.TokenCache(provider, time_source=clock)
    assert await cache.get_token() == "t1"
    clock.now = 1050  # 50 s left: advisory
    with caplog.at_level(logging.DEBUG, logger="anyio_claude"):
        assert await cache.get_token() == "t1"
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("DEBUG", "the token endpoint answered 401; exchanging once more"),
        (
            "WARNING",
            "advisory token refresh failed; serving the cached token: WorkloadIdentityError",
        ),
    ]


async def test_a_provider_that_caches_itself_is_asked_by_every_request_at_once() -> None:
    in_flight, most = [0], [0]

    async def slow(*, force_refresh: bool = False) -> creds.AccessToken:
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        await anyio.sleep(0.05)
        in_flight[0] -= 1
        return creds.AccessToken("t", 0)

    cache = creds.TokenCache(slow)
    await cache.get_token()
    most[0] = 0
    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(cache.get_token)
    assert most[0] == 3


async def test_a_refresh_reply_without_a_lifetime_lasts_an_hour(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    endpoint = Endpoint()
    endpoint.reply = response(b'{"access_token": "fresh"}')
    oauth = {"authentication": {"type": "user_oauth", "client_id": "c"}}
    path = profile_files(
        tmp_path, "me", oauth, {"access_token": "old", "expires_at": 1, "refresh_token": "rt"}
    )
    read = CredentialsFile("me")
    read._load_config()
    stored = read._read_credentials()
    assert stored is not None
    assert isinstance(stored["access_token"], creds.SecretStr)
    assert isinstance(stored["refresh_token"], creds.SecretStr)
    async with raw_server(endpoint) as raw:
        provider = CredentialsFile("me")
        provider.bind_base_url(raw.url)
        before = int(time.time())
        token = await provider()
        after = int(time.time())
        assert token.token == "fresh"
        assert token.expires_at is not None
        assert before + 3600 <= token.expires_at <= after + 3600
        assert json.loads(path.read_text())["refresh_token"] == "rt"  # kept: none came back
        write(
            path, json.dumps({"access_token": "old", "expires_at": 1, "refresh_token": "rt"}), 0o600
        )
        endpoint.reply = response(b'{"access_token": "fresh", "token_type": "mac"}')
        with pytest.raises(WorkloadIdentityError) as info:
            await provider()
        assert str(info.value) == "user_oauth refresh: unsupported token_type 'mac'"
        await provider.aclose()


async def test_a_federation_profile_rebuilds_its_exchange_after_reload(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    server.oauth.identity_tokens = {"jwt-1", "jwt-2"}
    config = {
        "organization_id": ORG,
        "authentication": {"type": "oidc_federation", "federation_rule_id": RULE},
    }
    tokens = iter(["jwt-1", "jwt-2"])
    in_memory = InMemoryConfig(config, identity_token_provider=lambda: next(tokens))
    in_memory.bind_base_url(server.url)
    delegate = in_memory._build_delegate(in_memory._auth())
    assert delegate._identity_token_provider is in_memory._identity_override
    await in_memory()
    in_memory.reload()
    assert in_memory._delegate is None
    await in_memory()
    assert server.oauth.exchanges == 2
    # Without a token source, one is required.
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    profile_files(tmp_path, "ci", config)
    provider = CredentialsFile("ci")
    provider.bind_base_url(server.url)
    assert await raises(provider()) == (
        "no identity token file: pass path= or set ANTHROPIC_IDENTITY_TOKEN_FILE"
    )
    jwt = write(tmp_path / "jwt", "jwt-1")
    monkeypatch.setenv("ANTHROPIC_IDENTITY_TOKEN_FILE", str(jwt))
    await provider()
    # The config and its exchange are kept until reload().
    profile_files(
        tmp_path,
        "ci",
        {**config, "authentication": {**config["authentication"], "federation_rule_id": "fdrl_2"}},
    )  # type: ignore[dict-item]
    monkeypatch.setenv("ANTHROPIC_IDENTITY_TOKEN_FILE", str(write(tmp_path / "other", "nope")))
    await provider(force_refresh=True)  # the token file it was built with
    assert [g["federation_rule_id"] for g in server.oauth.grants] == [RULE] * 4
    provider.reload()
    assert (provider._config, provider._delegate) == (None, None)
    with pytest.raises(WorkloadIdentityError):
        await provider(force_refresh=True)
    monkeypatch.setenv("ANTHROPIC_IDENTITY_TOKEN_FILE", str(jwt))
    provider.reload()
    await provider(force_refresh=True)
    assert server.oauth.grants[-1]["federation_rule_id"] == "fdrl_2"
    await provider.aclose()
    await in_memory.aclose()


def test_a_profile_copy_for_another_deployment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    profile_files(tmp_path, "ci", federation_profile())
    provider = CredentialsFile("ci")
    assert provider.for_base_url("https://a.example/X/") is provider
    assert provider._bound_base_url == "https://a.example/X"
    assert provider.for_base_url("https://a.example/X") is provider
    assert provider.for_base_url("https://a.example/X/") is provider
    provider._load_config()
    assert provider._credentials_path == tmp_path / "credentials" / "ci.json"
    copy = provider.for_base_url("https://b.example/X/")
    assert copy is not provider
    assert (copy._bound_base_url, provider._bound_base_url) == (
        "https://b.example/X",
        "https://a.example/X",
    )
    assert (copy._owns_http, provider._owns_http) == (False, True)
    assert copy._http is provider._http
    assert (copy._delegate, copy._credentials_path) == (None, None)
    with pytest.raises(CredentialsError, match="must use https"):
        provider.for_base_url("http://c.example")
    profile_files(tmp_path, "pinned", {**federation_profile(), "base_url": "https://p.example"})
    pinned = CredentialsFile("pinned")
    pinned.bind_base_url("https://a.example")
    assert pinned.for_base_url("https://b.example") is pinned
    profile_files(tmp_path, "user", {"authentication": {"type": "user_oauth"}})
    user = CredentialsFile("user")
    user.bind_base_url("https://a.example")
    assert user.for_base_url("https://b.example") is user


async def test_one_exchange_of_an_assertion(server: FakeClaude) -> None:
    server.oauth.identity_tokens = {"the-jwt"}
    token = await exchange_federation_assertion(
        assertion="the-jwt",
        federation_rule_id=RULE,
        organization_id=ORG,
        service_account_id="svac_1",
        workspace_id="wrkspc_1",
        base_url=server.url + "/",
    )
    assert token.token == server.oauth.issued[0]
    assert server.oauth.grants == [
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "federation_rule_id": RULE,
            "organization_id": ORG,
            "service_account_id": "svac_1",
            "workspace_id": "wrkspc_1",
        }
    ]
    with pytest.raises(WorkloadIdentityError) as info:
        await exchange_federation_assertion(
            assertion="other", federation_rule_id=RULE, organization_id=ORG, base_url=server.url
        )
    assert info.value.status_code == 401
    with pytest.raises(CredentialsError, match="must use https"):
        await exchange_federation_assertion(
            assertion="x", federation_rule_id=RULE, organization_id=ORG, base_url="http://x.io"
        )


def test_default_credentials_are_the_official_sdk_s(
    monkeypatch: pytest.MonkeyPatch, clean_env: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """Every combination of the variables the chain reads, with a working profile, a broken
    one, or none, in the default config dir or a given one, with and without a pointer."""
    home_dir = clean_env / ".config" / "anthropic"
    given_dir = tmp_path / "given"
    jwt = write(tmp_path / "jwt", "j")
    names = [
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_PROFILE",
        "ANTHROPIC_FEDERATION_RULE_ID",
        "ANTHROPIC_ORGANIZATION_ID",
        "ANTHROPIC_IDENTITY_TOKEN",
    ]
    good = {"authentication": {"type": "user_oauth"}, "workspace_id": "w", "base_url": "https://b"}
    outcomes = set()
    for config_dir, profile, pointer in itertools.product(
        (home_dir, given_dir), ("good", "broken", None), (False, True)
    ):
        for directory in (home_dir, given_dir):
            for name in ("default", "p", "env-ANTHROPIC_PROFILE"):
                (directory / "configs" / f"{name}.json").unlink(missing_ok=True)
            (directory / "active_config").unlink(missing_ok=True)
        if config_dir == given_dir:
            monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(given_dir))
        else:
            monkeypatch.delenv("ANTHROPIC_CONFIG_DIR", raising=False)
        active = "p" if pointer else "default"
        if pointer:
            write(config_dir / "active_config", "p\n")
        if profile is not None:
            text = json.dumps(good) if profile == "good" else "{"
            for name in (active, "env-ANTHROPIC_PROFILE"):
                write(config_dir / "configs" / f"{name}.json", text)
        for chosen in itertools.product((False, True), repeat=len(names)):
            set_env(monkeypatch, names, chosen)
            monkeypatch.setenv("ANTHROPIC_IDENTITY_TOKEN_FILE", str(jwt))
            if not chosen[5]:
                monkeypatch.delenv("ANTHROPIC_IDENTITY_TOKEN_FILE")
            try:
                ours: object = creds.default_credentials(base_url="https://x.example")
            except CredentialsError as exc:
                ours = ("raises", type(exc))
            try:
                theirs: object = official_chain.default_credentials(base_url="https://x.example")
            except official_sdk.CredentialsError:
                theirs = ("raises", CredentialsError)
            key = (config_dir.name, profile, pointer, chosen)
            if isinstance(ours, tuple) or ours is None:
                assert ours == theirs, key
                outcomes.add(repr(ours))
                continue
            assert isinstance(ours, creds.CredentialResult), key
            assert theirs is not None and not isinstance(theirs, tuple), key
            kind = type(ours.provider).__name__
            assert kind == type(theirs.provider).__name__, key
            assert (ours.extra_headers, ours.base_url) == (
                theirs.extra_headers,
                theirs.base_url,
            ), key
            if isinstance(ours.provider, StaticToken):
                assert ours.provider().token == "env-ANTHROPIC_AUTH_TOKEN"
            if isinstance(ours.provider, CredentialsFile):
                assert ours.provider.profile == theirs.provider.profile  # type: ignore[attr-defined]
            outcomes.add(kind)
    assert outcomes == {
        "None",
        "('raises', <class 'anyio_claude._exceptions.CredentialsError'>)",
        "StaticToken",
        "CredentialsFile",
        "WorkloadIdentityCredentials",
    }

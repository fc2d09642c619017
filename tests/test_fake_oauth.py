"""FakeClaude's token endpoint (`server.oauth`, `POST /v1/oauth/token`) through plain HTTP
on 127.0.0.1, with the official SDK's HTTP client (`httpx2`) and the official SDK itself
rather than ours, so a bug shared by our credentials code and the fake cannot hide: each
refusal's status and exact OAuth error body, what a grant answers and records, and the
issued tokens the API then accepts or refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import anyio
import httpx2
import pytest

from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FEDERATION_BETA = "oidc-federation-2026-04-01"
OAUTH_BETA = "oauth-2025-04-20"
RULE, ORG = "fdrl_01abc", "00000000-0000-4000-8000-000000000001"


def exchange(assertion: Any = "jwt-1", **fields: Any) -> dict[str, Any]:
    return {
        "grant_type": JWT_BEARER,
        "assertion": assertion,
        "federation_rule_id": RULE,
        "organization_id": ORG,
        **fields,
    }


@pytest.fixture
async def http(server: FakeClaude) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(
        base_url=server.url, headers={"anthropic-beta": FEDERATION_BETA}
    ) as client:
        yield client


async def token(http: httpx2.AsyncClient, json: Any, **kwargs: Any) -> tuple[int, Any]:
    reply = await http.post("/v1/oauth/token", json=json, **kwargs)
    assert reply.headers["content-type"] == "application/json"
    return reply.status_code, reply.json()


def oauth_error(error: str, description: str) -> dict[str, str]:
    return {"error": error, "error_description": description}


async def test_an_exchange_mints_numbered_bearer_tokens(
    server: FakeClaude, http: httpx2.AsyncClient
) -> None:
    oauth = server.oauth
    assert (oauth.exchanges, oauth.issued, oauth.grants) == (0, [], [])
    assert await token(http, exchange()) == (
        200,
        {"access_token": "sk-ant-oat01-fake-000001", "token_type": "Bearer", "expires_in": 600},
    )
    oauth.expires_in = 30
    # The beta among others, spaced as a list is.
    status, reply = await token(
        http, exchange("jwt-2"), headers={"anthropic-beta": f"other-1 ,  {FEDERATION_BETA}"}
    )
    assert status == 200 and reply["access_token"] == "sk-ant-oat01-fake-000002"
    assert reply["expires_in"] == 30
    assert oauth.exchanges == 2
    assert oauth.issued == ["sk-ant-oat01-fake-000001", "sk-ant-oat01-fake-000002"]
    # What was asked, without the assertion.
    assert (
        oauth.grants
        == [{"grant_type": JWT_BEARER, "federation_rule_id": RULE, "organization_id": ORG}] * 2
    )
    assert all(oauth.knows(t) and oauth.accepts(t) for t in oauth.issued)
    assert not oauth.knows("sk-ant-oat01-fake-000003")


async def test_what_an_exchange_refuses(server: FakeClaude, http: httpx2.AsyncClient) -> None:
    oauth = server.oauth
    for headers in ({"anthropic-beta": "other-1"}, {"anthropic-beta": ""}):
        assert await token(http, exchange(), headers=headers) == (
            400,
            oauth_error("invalid_request", f"the {FEDERATION_BETA} beta is required"),
        )
    async with httpx2.AsyncClient(base_url=server.url) as bare:  # no beta header at all
        assert await token(bare, exchange()) == (
            400,
            oauth_error("invalid_request", f"the {FEDERATION_BETA} beta is required"),
        )
    for missing, fields in (
        (
            "federation_rule_id, organization_id",
            {"federation_rule_id": "", "organization_id": None},
        ),
        ("organization_id", {"organization_id": ""}),
        ("federation_rule_id", {"federation_rule_id": None}),
    ):
        assert await token(http, exchange(**fields)) == (
            400,
            oauth_error("invalid_request", f"missing {missing}"),
        )
    no_rule = {"grant_type": JWT_BEARER, "assertion": "jwt", "organization_id": ORG}
    assert await token(http, no_rule) == (
        400,
        oauth_error("invalid_request", "missing federation_rule_id"),
    )
    # No assertion is any assertion, even when every one is accepted.
    assert oauth.identity_tokens is None
    for assertion in ("", None, 7, ["jwt"]):
        assert await token(http, exchange(assertion)) == (
            401,
            oauth_error("invalid_grant", "the assertion matches no federation rule"),
        )
    oauth.identity_tokens = {"jwt-known"}
    assert await token(http, exchange("jwt-other")) == (
        401,
        oauth_error("invalid_grant", "the assertion matches no federation rule"),
    )
    assert (oauth.exchanges, oauth.issued) == (0, [])
    assert (await token(http, exchange("jwt-known")))[0] == 200
    # Refused grants are recorded too (their secrets left out).
    assert len(oauth.grants) == 13 and all("assertion" not in g for g in oauth.grants)


async def test_a_refresh_grant(server: FakeClaude, http: httpx2.AsyncClient) -> None:
    oauth = server.oauth
    refresh = {"grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": "cli"}
    # Any refresh token when none are set; no beta needed.
    status, reply = await token(http, refresh, headers={"anthropic-beta": ""})
    assert status == 200
    assert reply == {
        "access_token": "sk-ant-oat01-fake-000001",
        "token_type": "Bearer",
        "expires_in": 600,
        "refresh_token": "rt-1-r",
    }
    assert oauth.refresh_tokens is None
    assert oauth.grants == [{"grant_type": "refresh_token", "client_id": "cli"}]
    for value in ("", None, 5, ["rt-1"], "rt-1"):
        if value == "rt-1":
            oauth.refresh_tokens = {"rt-known"}
        assert await token(http, {**refresh, "refresh_token": value}) == (
            400,
            oauth_error("invalid_grant", "unknown refresh token"),
        )
    assert oauth.exchanges == 1
    status, reply = await token(http, {**refresh, "refresh_token": "rt-known"})
    assert reply["refresh_token"] == "rt-known-r" and oauth.exchanges == 2
    # The rotated token is honoured from now on.
    assert oauth.refresh_tokens == {"rt-known", "rt-known-r"}
    status, reply = await token(http, {**refresh, "refresh_token": "rt-known-r"})
    assert status == 200 and reply["refresh_token"] == "rt-known-r-r"


async def test_what_is_no_grant(server: FakeClaude, http: httpx2.AsyncClient) -> None:
    for grant, kind in (
        ({"grant_type": "password"}, "'password'"),
        ({"assertion": "jwt"}, "None"),
    ):
        assert await token(http, grant) == (
            400,
            oauth_error("unsupported_grant_type", f"grant_type {kind}"),
        )
    expected = (400, oauth_error("invalid_request", "expected a JSON object POST"))
    assert await token(http, ["not", "an", "object"]) == expected
    for method in ("GET", "PUT"):
        # Even with a grant as its body.
        reply = await http.request(method, "/v1/oauth/token", json=exchange())
        assert (reply.status_code, reply.json()) == expected
    assert server.oauth.grants == [{"grant_type": "password"}, {}]
    assert server.oauth.exchanges == 0


async def test_a_delay_holds_each_answer(server: FakeClaude, http: httpx2.AsyncClient) -> None:
    assert server.oauth.delay == 0
    server.oauth.delay = 0.3
    started = anyio.current_time()
    async with anyio.create_task_group() as tg:
        for _ in range(2):
            tg.start_soon(token, http, exchange())
    # Answered together after the delay, not one after the other.
    assert anyio.current_time() - started >= 0.3
    assert server.oauth.exchanges == 2


async def test_the_api_accepts_issued_tokens_until_revoked(
    server: FakeClaude, http: httpx2.AsyncClient
) -> None:
    oauth = server.oauth
    first = (await token(http, exchange()))[1]["access_token"]
    second = (await token(http, exchange()))[1]["access_token"]
    calls: Any = {"model": MODEL, "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}

    def official(bearer: str, betas: str = OAUTH_BETA) -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(
            auth_token=bearer,
            base_url=server.url,
            max_retries=0,
            default_headers={"anthropic-beta": betas},
        )

    async def refused(client: anthropic.AsyncAnthropic) -> str:
        with pytest.raises(anthropic.AuthenticationError) as raised:
            await client.messages.create(**calls)
        await client.close()
        assert raised.value.status_code == 401
        message: str = raised.value.body["error"]["message"]  # type: ignore[index]
        return message

    for bearer in (first, second):
        async with official(bearer) as client:
            assert (await client.messages.create(**calls)).content
    # An issued token needs the OAuth beta.
    assert await refused(official(first, "other-1")) == (
        "OAuth authentication is currently not supported."
    )
    # A token not issued here is an API key, as any other.
    async with official("sk-ant-oat01-fake-999999", "other-1") as client:
        assert (await client.messages.create(**calls)).content
    oauth.revoke(first)
    oauth.revoke("never-issued")
    assert oauth.knows(first) and not oauth.accepts(first) and oauth.accepts(second)
    assert await refused(official(first)) == "Invalid bearer token"
    async with official(second) as client:
        assert (await client.messages.create(**calls)).content
    oauth.accept_issued = False
    assert not oauth.accepts(second)
    assert await refused(official(second)) == "Invalid bearer token"
    # Minted after: refused too.
    third = (await token(http, exchange()))[1]["access_token"]
    assert await refused(official(third)) == "Invalid bearer token"
    oauth.accept_issued = True
    async with official(third) as client:
        assert (await client.messages.create(**calls)).content

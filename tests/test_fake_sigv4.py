"""FakeClaude's SigV4 check, over HTTP on 127.0.0.1: requests signed by botocore (independent
of our clients) and then altered one part at a time, each refused with what AWS says."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import anthropic
import pytest
from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]

from anyio_claude.testing import AwsTestCredentials, FakeClaude

pytestmark = pytest.mark.anyio

AK = "AKIAFAKEACCESSKEY123"
SK = "fAkeSecretKey/0123456789abcdefSECRETSECRET"
SESSION_AK = "AKIASESSION"
TOKEN = "FwoFAKEsessionTOKEN0123456789SESSIONSECRET"
BEDROCK_PATH = "/model/anthropic.claude-sonnet-5-5-v1:0/invoke"
BODY = json.dumps(
    {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "Hello there"}],
    }
).encode()
API_BODY = json.dumps(
    {
        "model": "claude-sonnet-5-5",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "Hello there"}],
    }
).encode()
INVALID_TOKEN = "The security token included in the request is invalid."


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(
        aws_credentials=[
            AwsTestCredentials(AK, SK),
            AwsTestCredentials(SESSION_AK, SK, TOKEN),
        ]
    ) as fake:
        yield fake


def signed(
    server: FakeClaude,
    path: str,
    body: bytes,
    *,
    service: str = "bedrock",
    key: str = AK,
    token: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The headers botocore signs a `POST` of `body` to `path` on the fake with."""
    host = server.url.removeprefix("http://")
    request = AWSRequest(
        method="POST",
        url=f"{server.url}{path}",
        headers={"host": host, "content-type": "application/json", **(extra or {})},
        data=body,
    )
    SigV4Auth(Credentials(key, SK, token), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


async def post(
    server: FakeClaude, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, Any]:
    # The official SDK's own HTTP client, which adds no header of its own.
    async with anthropic.AsyncAnthropic(api_key="unused", base_url=server.url) as sdk:
        response = await sdk._client.post(f"{server.url}{path}", content=body, headers=headers)
    return response.status_code, json.loads(response.content)


def altered(headers: dict[str, str], change: Callable[[str], str]) -> dict[str, str]:
    return {**headers, "Authorization": change(headers["Authorization"])}


def refused(message: str) -> tuple[int, Any]:
    return 403, {"message": message}


async def test_a_botocore_signature_is_accepted(server: FakeClaude) -> None:
    status, reply = await post(server, BEDROCK_PATH, BODY, signed(server, BEDROCK_PATH, BODY))
    assert status == 200 and reply["type"] == "message"
    headers = signed(server, BEDROCK_PATH, BODY, key=SESSION_AK, token=TOKEN)
    status, reply = await post(server, BEDROCK_PATH, BODY, headers)
    assert status == 200 and reply["type"] == "message"


async def test_an_unknown_key_or_a_missing_session_token_is_an_invalid_token(
    server: FakeClaude,
) -> None:
    headers = signed(server, BEDROCK_PATH, BODY, key="AKIAUNKNOWN")
    assert await post(server, BEDROCK_PATH, BODY, headers) == refused(INVALID_TOKEN)
    # Signed with the session key but without its token, or with another token.
    headers = signed(server, BEDROCK_PATH, BODY, key=SESSION_AK)
    assert await post(server, BEDROCK_PATH, BODY, headers) == refused(INVALID_TOKEN)
    headers = signed(server, BEDROCK_PATH, BODY, key=SESSION_AK, token="another")
    assert await post(server, BEDROCK_PATH, BODY, headers) == refused(INVALID_TOKEN)


async def test_the_credential_scope_must_name_the_days_date_and_the_service(
    server: FakeClaude,
) -> None:
    scoped = refused("Credential should be scoped to a valid date and to bedrock.")
    # Another service, the right date.
    headers = signed(server, BEDROCK_PATH, BODY, service="s3")
    assert await post(server, BEDROCK_PATH, BODY, headers) == scoped
    # The right service, a credential dated another day than the request.
    headers = signed(server, BEDROCK_PATH, BODY)
    other_day = altered(headers, lambda a: re.sub(r"/(\d{8})/", "/20200101/", a, count=1))
    assert await post(server, BEDROCK_PATH, BODY, other_day) == scoped
    # No date header at all: no date to match.
    undated = {k: v for k, v in headers.items() if k.lower() != "x-amz-date"}
    assert await post(server, BEDROCK_PATH, BODY, undated) == scoped
    # The API's own routes name their two services.
    headers = signed(server, "/v1/messages", API_BODY)
    status, reply = await post(server, "/v1/messages", API_BODY, headers)
    assert status == 403
    assert reply["error"] == {
        "type": "permission_error",
        "message": "Credential should be scoped to a valid date and to "
        "aws-external-anthropic or bedrock-mantle.",
    }
    headers = signed(server, "/v1/messages", API_BODY, service="bedrock-mantle")
    status, reply = await post(server, "/v1/messages", API_BODY, headers)
    assert status == 200 and reply["type"] == "message"


async def test_the_host_must_be_signed_and_the_signature_must_match(
    server: FakeClaude,
) -> None:
    headers = signed(server, BEDROCK_PATH, BODY)
    unsigned_host = altered(
        headers, lambda a: re.sub(r"SignedHeaders=[a-z0-9;-]+", "SignedHeaders=x-amz-date", a)
    )
    assert await post(server, BEDROCK_PATH, BODY, unsigned_host) == refused(
        "'Host' must be a signed header."
    )
    wrong = altered(headers, lambda a: a[:-4] + ("0000" if not a.endswith("0000") else "1111"))
    assert await post(server, BEDROCK_PATH, BODY, wrong) == refused(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method."
    )
    # A header signed but not sent does not match (rather than failing the server).
    headers = signed(server, BEDROCK_PATH, BODY, extra={"x-amz-meta-note": "hello"})
    assert "x-amz-meta-note" in headers["Authorization"]
    del headers["x-amz-meta-note"]
    status, _ = await post(server, BEDROCK_PATH, BODY, headers)
    assert status == 403
    headers = signed(server, BEDROCK_PATH, BODY)
    # The body is signed: another body under the same signature does not match.
    status, _ = await post(server, BEDROCK_PATH, BODY + b" ", headers)
    assert status == 403
    assert await post(server, BEDROCK_PATH, BODY, altered(headers, lambda a: a + "x")) == (
        refused("Authorization header is malformed")
    )

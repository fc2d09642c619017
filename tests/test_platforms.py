"""The platform clients end to end against FakeClaude: Amazon Bedrock (SigV4 checked by
the server with botocore, event-stream framing), Bedrock Mantle and AnthropicAWS, Google
Vertex AI and Microsoft Foundry, on asyncio and trio."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

import anyio_claude
from anyio_claude import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClaudeError,
    CredentialsError,
    EventStreamProtocolError,
    IncompleteStreamError,
    PermissionDeniedError,
    RateLimitError,
    Timeout,
)
from anyio_claude._eventstream import encode_message
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
from anyio_claude.testing import AwsTestCredentials, ErrorReply, FakeClaude, Fault
from anyio_claude.testing._messages import bedrock_chunk

from ._google import service_account_file
from ._servers import settled
from .test_edges import assert_hidden, open_fds

pytestmark = pytest.mark.anyio

AK = "AKIAFAKEACCESSKEY123"
SK = "fAkeSecretKey/0123456789abcdefSECRETSECRET"
TOKEN = "FwoFAKEsessionTOKEN0123456789SESSIONSECRET"
BEDROCK_MODEL = "anthropic.claude-sonnet-5-5-v1:0"
USER = [{"role": "user", "content": "Hello there"}]
GOOGLE_TOKEN = "ya29.a0FAKEgoogleACCESStoken0123456789"
MESSAGE_START = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-sonnet-5-5",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 1},
    },
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No credential, region or endpoint from the machine; botocore reads empty config
    files and never asks an instance metadata service."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "ANTHROPIC_", "CLOUD_ML_", "GOOGLE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(
        aws_credentials=[AwsTestCredentials(AK, SK), AwsTestCredentials("AKIASESSION", SK, TOKEN)]
    ) as fake:
        yield fake


def bedrock(server: FakeClaude, **options: Any) -> AsyncAnthropicBedrock:
    options.setdefault("aws_region", "us-east-1")
    if "api_key" not in options:
        options.setdefault("aws_access_key", AK)
        options.setdefault("aws_secret_key", SK)
    return AsyncAnthropicBedrock(base_url=server.url, **options)


# ------------------------------------------------------------------------------ Bedrock


async def test_bedrock_signs_and_reroutes_a_message(server: FakeClaude) -> None:
    async with bedrock(server) as client:
        message = await client.messages.create(model=BEDROCK_MODEL, max_tokens=20, messages=USER)
    assert message.model == "claude-sonnet-5-5" and message.content
    sent = server.requests[-1]
    assert sent.path == "/model/anthropic.claude-sonnet-5-5-v1:0/invoke"
    assert sent.json == {"anthropic_version": "2023-06-01", "max_tokens": 20, "messages": USER}
    assert sent.headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={AK}/")
    assert "/us-east-1/bedrock/aws4_request" in sent.headers["authorization"]
    assert "x-api-key" not in sent.headers


async def test_a_wrong_secret_is_refused_with_403(server: FakeClaude) -> None:
    async with bedrock(server, aws_secret_key="not-the-secret", max_retries=0) as client:
        with pytest.raises(PermissionDeniedError, match="signature we calculated") as info:
            await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    assert info.value.status_code == 403
    assert_hidden(info.value, SK, "not-the-secret")


async def test_a_session_token_is_signed_and_required(server: FakeClaude) -> None:
    async with bedrock(server, aws_access_key="AKIASESSION", aws_session_token=TOKEN) as client:
        await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        assert server.requests[-1].headers["x-amz-security-token"] == TOKEN
        assert "x-amz-security-token" in server.requests[-1].headers["authorization"]
    async with bedrock(server, aws_access_key="AKIASESSION", max_retries=0) as client:
        with pytest.raises(PermissionDeniedError, match="security token"):
            await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)


async def test_the_aws_credential_chain_is_resolved_in_a_worker_thread(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SK)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    import botocore.session

    threads: list[str] = []
    original = botocore.session.Session.get_credentials

    def recording(self: Any) -> Any:
        threads.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(botocore.session.Session, "get_credentials", recording)
    async with AsyncAnthropicBedrock(base_url=server.url) as client:
        assert client.aws_region == "eu-west-3"
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(
                    lambda: client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
                )
    assert len(threads) == 1 and threads[0] != threading.current_thread().name
    assert "/eu-west-3/bedrock/" in server.requests[-1].headers["authorization"]


async def test_expiring_aws_credentials_are_refreshed_in_a_worker_thread(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Credentials from a `credential_process` that expire within botocore's refresh
    window are refreshed (the process run again) before signing, off the event loop."""
    import sys
    from datetime import datetime, timedelta, timezone

    import botocore.credentials

    count = tmp_path / "runs"
    expiry = (datetime.now(timezone.utc) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    script = tmp_path / "creds.py"
    script.write_text(
        "import json, pathlib\n"
        f"p = pathlib.Path({str(count)!r}); p.write_text(p.read_text() + 'x' if p.exists() else 'x')\n"
        f"print(json.dumps({{'Version': 1, 'AccessKeyId': {AK!r}, "
        f"'SecretAccessKey': {SK!r}, 'Expiration': {expiry!r}}}))\n"
    )
    (tmp_path / "aws-config").write_text(
        f"[profile proc]\ncredential_process = {sys.executable} {script}\n"
    )
    threads: list[str] = []
    original = botocore.credentials.RefreshableCredentials.get_frozen_credentials

    def recording(self: Any) -> Any:
        threads.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(
        botocore.credentials.RefreshableCredentials, "get_frozen_credentials", recording
    )
    async with AsyncAnthropicBedrock(
        aws_profile="proc", aws_region="us-east-1", base_url=server.url
    ) as client:
        for _ in range(3):
            await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
            assert (
                server.requests[-1]
                .headers["authorization"]
                .startswith(f"AWS4-HMAC-SHA256 Credential={AK}/")
            )
    assert len(count.read_text()) >= 3  # the first load, then refreshes
    assert threads and threading.current_thread().name not in threads


async def test_no_aws_credentials_is_a_credentials_error(server: FakeClaude) -> None:
    async with AsyncAnthropicBedrock(aws_region="us-east-1", base_url=server.url) as client:
        with pytest.raises(CredentialsError, match="could not resolve AWS credentials"):
            await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    assert len(server.requests) == 0


async def test_a_bedrock_api_key_is_a_bearer_token(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-123")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-never-sent")
    async with AsyncAnthropicBedrock(aws_region="us-west-2", base_url=server.url) as client:
        await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    headers = server.requests[-1].headers
    assert headers["authorization"] == "Bearer bedrock-api-key-123"
    assert "x-api-key" not in headers
    with pytest.raises(ValueError, match="Cannot specify both"):
        AsyncAnthropicBedrock(aws_region="us-west-2", aws_profile="dev")


def test_a_bad_platform_key_is_named_as_the_platform_names_it() -> None:
    for make in (
        lambda: AsyncAnthropicBedrock(api_key=" ", aws_region="us-east-1"),
        lambda: AsyncAnthropicBedrockMantle(api_key=" ", aws_region="us-east-1"),
        lambda: AsyncAnthropicAWS(api_key=" ", aws_region="us-east-1", workspace_id="w"),
        lambda: AsyncAnthropicFoundry(api_key=" ", resource="r"),
    ):
        with pytest.raises(ValueError, match=r"^api_key is empty"):
            make()


def test_configuration_is_checked_before_any_io(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="No AWS region"):
        AsyncAnthropicBedrock()
    with pytest.raises(ValueError, match="`aws_access_key` was provided without"):
        AsyncAnthropicBedrock(aws_access_key=AK, aws_region="us-east-1")
    client = AsyncAnthropicBedrock(aws_region="ap-south-1")
    assert client.base_url == "https://bedrock-runtime.ap-south-1.amazonaws.com"
    monkeypatch.setenv("ANTHROPIC_BEDROCK_BASE_URL", "https://proxy.example/bedrock")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ca-central-1")
    client = AsyncAnthropicBedrock()
    assert (client.aws_region, client.base_url) == ("ca-central-1", "https://proxy.example/bedrock")


def test_the_region_of_an_aws_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = sa-east-1\n[profile dev]\nregion = ap-northeast-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert AsyncAnthropicBedrock().aws_region == "sa-east-1"
    client = AsyncAnthropicBedrock(aws_profile="dev")
    assert client.base_url == "https://bedrock-runtime.ap-northeast-2.amazonaws.com"
    monkeypatch.setenv("AWS_REGION", "us-west-1")
    assert AsyncAnthropicBedrock(aws_profile="dev").aws_region == "us-west-1"


async def test_bedrock_streams_over_the_event_stream_framing(server: FakeClaude) -> None:
    server.write_size = 7  # frames cut across network writes
    async with bedrock(server) as client:
        async with client.messages.stream(
            model=BEDROCK_MODEL, max_tokens=30, messages=USER
        ) as stream:
            text = "".join([t async for t in stream.text_stream])
            final = await stream.get_final_message()
        assert server.requests[-1].path.endswith("/invoke-with-response-stream")
        assert "stream" not in server.requests[-1].json
        raw = await client.messages.create(
            model=BEDROCK_MODEL, max_tokens=30, messages=USER, stream=True
        )
        types = [event.type async for event in raw]
    assert text and final.content[0].text == text  # type: ignore[union-attr]
    assert types[0] == "message_start" and types[-1] == "message_stop"
    assert final.stop_reason in ("end_turn", "max_tokens")


async def test_a_stream_cut_mid_frame_keeps_the_partial_message(server: FakeClaude) -> None:
    server.faults.append(Fault("reset_mid_body", after_events=4))
    fds = open_fds()
    async with bedrock(server, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            async with client.messages.stream(
                model=BEDROCK_MODEL, max_tokens=30, messages=USER
            ) as stream:
                async for _ in stream:
                    pass
        assert info.value.partial_message is not None
        assert info.value.partial_message.content  # the block started before the cut
        assert client._transport is not None and client._transport.num_connections == 0
    assert await settled(lambda: open_fds() <= fds)


async def test_a_frame_with_a_bad_crc_is_our_protocol_error(server: FakeClaude) -> None:
    good = [
        bedrock_chunk(json.dumps(e).encode())
        for e in (
            MESSAGE_START,
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "Hi"},
            },
        )
    ]
    bad = bytearray(bedrock_chunk(b'{"type":"content_block_stop","index":0}'))
    bad[-1] ^= 0xFF  # the message CRC
    server.script(b"".join(good) + bytes(bad))
    async with bedrock(server, max_retries=0) as client:
        stream = await client.messages.create(
            model=BEDROCK_MODEL, max_tokens=30, messages=USER, stream=True
        )
        with pytest.raises(APIResponseValidationError, match="message CRC") as info:
            async for _ in stream:
                pass
        assert isinstance(info.value.__cause__, EventStreamProtocolError)
        assert info.value.partial_message is not None
        assert info.value.partial_message.content[0].text == "Hi"  # type: ignore[union-attr]
        assert client._transport is not None and client._transport.num_connections == 0
        # Read by the helper to its end, the same error.
        server.script(b"".join(good) + bytes(bad))
        async with client.messages.stream(
            model=BEDROCK_MODEL, max_tokens=30, messages=USER
        ) as helper:
            with pytest.raises(APIResponseValidationError, match="message CRC") as info:
                await helper.until_done()
        assert isinstance(info.value.__cause__, EventStreamProtocolError)
        assert info.value.message == f"malformed event stream: {info.value.__cause__}"


async def test_a_body_that_ends_mid_frame_is_incomplete(server: FakeClaude) -> None:
    frame = bedrock_chunk(json.dumps(MESSAGE_START).encode())
    server.script(frame + frame[:9])
    async with bedrock(server, max_retries=0) as client:
        stream = await client.messages.create(
            model=BEDROCK_MODEL, max_tokens=30, messages=USER, stream=True
        )
        with pytest.raises(IncompleteStreamError) as info:
            async for _ in stream:
                pass
    assert info.value.partial_message is not None


@pytest.mark.parametrize(
    ("headers", "payload", "error", "status"),
    [
        (
            {":message-type": "exception", ":exception-type": "throttlingException"},
            b'{"message":"Too many tokens, please wait"}',
            RateLimitError,
            429,
        ),
        (
            {":message-type": "exception", ":exception-type": "modelStreamErrorException"},
            b'{"message":"The model failed","originalStatusCode":500}',
            APIStatusError,
            424,
        ),
        (
            {
                ":message-type": "error",
                ":error-code": "InternalFailure",
                ":error-message": "Something broke",
            },
            b"",
            APIStatusError,
            500,
        ),
    ],
)
async def test_bedrock_stream_exceptions_are_typed_errors(
    server: FakeClaude,
    headers: dict[str, str],
    payload: bytes,
    error: type[APIStatusError],
    status: int,
) -> None:
    start = bedrock_chunk(json.dumps(MESSAGE_START).encode())
    server.script(start + encode_message(dict(headers), payload))
    async with bedrock(server, max_retries=0) as client:
        stream = await client.messages.create(
            model=BEDROCK_MODEL, max_tokens=30, messages=USER, stream=True
        )
        with pytest.raises(error) as info:
            async for _ in stream:
                pass
    assert info.value.status_code == status
    expected = json.loads(payload)["message"] if payload else headers[":error-message"]
    assert expected in str(info.value)
    assert info.value.partial_message is not None


def test_bedrock_exception_statuses_are_botocores() -> None:
    from botocore.loaders import Loader
    from botocore.model import ServiceModel

    from anyio_claude._errors import status_for_error_type

    model = ServiceModel(Loader().load_service_model("bedrock-runtime", "service-2"))
    shapes = model.shape_for("ResponseStream").members
    exceptions = {
        name: s.metadata["error"]["httpStatusCode"]
        for name, s in shapes.items()
        if s.metadata.get("exception")
    }
    assert exceptions
    assert {name: status_for_error_type(name) for name in exceptions} == exceptions


async def test_bedrock_errors_retries_and_timeouts(server: FakeClaude) -> None:
    server.faults.append(Fault("overloaded", times=1))
    async with bedrock(server) as client:
        response = await client.messages.with_raw_response.create(
            model=BEDROCK_MODEL, max_tokens=5, messages=USER
        )
        assert response.retries_taken == 1
        signatures = [r.headers["authorization"] for r in server.requests.__iter__()][-2:]
        assert server.requests[-1].headers["x-stainless-retry-count"] == "1"
        assert len(signatures) == 2
        with pytest.raises(APIStatusError, match="model identifier is invalid") as info:
            await client.messages.create(model="anthropic.nope-v1:0", max_tokens=5, messages=USER)
        assert info.value.status_code == 400
        server.faults.append(Fault("stall", after_events=0))
        with pytest.raises(APITimeoutError):
            await client.with_options(timeout=Timeout(read=0.2), max_retries=0).messages.create(
                model=BEDROCK_MODEL, max_tokens=5, messages=USER, stream=True
            )


async def test_what_bedrock_lacks_raises_before_any_io(server: FakeClaude) -> None:
    async with bedrock(server) as client:
        with pytest.raises(ClaudeError, match="Token counting is not supported in Bedrock"):
            await client.messages.count_tokens(model=BEDROCK_MODEL, messages=USER)
        with pytest.raises(ClaudeError, match="Batch API is not supported in Bedrock"):
            await client.messages.batches.list()
        with pytest.raises(ValueError, match="cannot be a path segment"):
            await client.messages.create(model="..", max_tokens=5, messages=USER)
    assert len(server.requests) == 0


async def test_beta_messages_carry_their_betas_in_the_body(server: FakeClaude) -> None:
    async with bedrock(server) as client:
        await client.beta.messages.create(
            model=BEDROCK_MODEL, max_tokens=5, messages=USER, betas=["context-1m-2025-08-07"]
        )
    assert server.requests[-1].json["anthropic_beta"] == ["context-1m-2025-08-07"]
    assert server.requests[-1].path == "/model/anthropic.claude-sonnet-5-5-v1:0/invoke"


async def test_with_options_keeps_the_platform_and_follows_a_new_region(
    server: FakeClaude,
) -> None:
    async with AsyncAnthropicBedrock(
        aws_access_key=AK, aws_secret_key=SK, aws_region="us-east-1"
    ) as client:
        copy = client.with_options(aws_region="eu-central-1", max_retries=5)
        assert isinstance(copy, AsyncAnthropicBedrock)
        assert (copy.aws_region, copy.max_retries) == ("eu-central-1", 5)
        assert copy.base_url == "https://bedrock-runtime.eu-central-1.amazonaws.com"
    async with bedrock(server) as client:
        copy = client.with_options(timeout=30.0)
        assert copy.base_url == server.url
        await copy.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        assert "/us-east-1/bedrock/" in server.requests[-1].headers["authorization"]


def test_the_blocking_bedrock_client(server_in_thread: FakeClaude) -> None:
    with AnthropicBedrock(
        aws_access_key=AK, aws_secret_key=SK, aws_region="us-east-1", base_url=server_in_thread.url
    ) as client:
        message = client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        assert message.content
        with client.messages.stream(model=BEDROCK_MODEL, max_tokens=5, messages=USER) as stream:
            assert stream.get_final_text()
        copy = client.with_options(max_retries=0)
        assert copy.aws_region == "us-east-1" and copy.max_retries == 0
        assert repr(client).startswith("AnthropicBedrock(")


@pytest.fixture
def server_in_thread() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread(aws_credentials=[AwsTestCredentials(AK, SK)]) as fake:
        yield fake


# --------------------------------------------------------------------- AWS and Mantle


async def test_anthropic_aws_signs_the_apis_own_routes(server: FakeClaude) -> None:
    async with AsyncAnthropicAWS(
        aws_access_key=AK,
        aws_secret_key=SK,
        aws_region="us-east-2",
        workspace_id="wrkspc_123",
        base_url=server.url,
    ) as client:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        await client.messages.count_tokens(model="claude-sonnet-5-5", messages=USER)
        copy = client.with_options(aws_region="eu-west-1")
        assert copy.base_url == server.url  # a given base URL stays
    sent = server.requests[-1]
    assert sent.path == "/v1/messages/count_tokens"
    assert "/us-east-2/aws-external-anthropic/" in sent.headers["authorization"]
    assert sent.headers["anthropic-workspace-id"] == "wrkspc_123"
    async with AsyncAnthropicAWS(
        aws_access_key=AK,
        aws_secret_key="wrong",
        aws_region="us-east-2",
        workspace_id="w",
        base_url=server.url,
        max_retries=0,
    ) as client:
        with pytest.raises(PermissionDeniedError):
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)


def test_anthropic_aws_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ClaudeError, match="No workspace ID"):
        AsyncAnthropicAWS(api_key="k", aws_region="us-east-1")
    with pytest.raises(ClaudeError, match="No AWS region"):
        AsyncAnthropicAWS(workspace_id="w")
    monkeypatch.setenv("ANTHROPIC_AWS_API_KEY", "aws-key")
    monkeypatch.setenv("ANTHROPIC_AWS_WORKSPACE_ID", "wrkspc_env")
    client = AsyncAnthropicAWS(aws_region="us-east-1")
    assert client.api_key == "aws-key" and client.workspace_id == "wrkspc_env"
    assert client.base_url == "https://aws-external-anthropic.us-east-1.api.aws"
    copy = client.with_options(aws_region="eu-west-1")
    assert copy.base_url == "https://aws-external-anthropic.eu-west-1.api.aws"
    with AnthropicAWS(aws_region="us-east-1") as blocking:
        assert blocking.api_key == "aws-key"


async def test_bedrock_mantle(server: FakeClaude, monkeypatch: pytest.MonkeyPatch) -> None:
    async with AsyncAnthropicBedrockMantle(
        aws_access_key=AK, aws_secret_key=SK, aws_region="us-east-1", base_url=server.url
    ) as client:
        await client.beta.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert "/us-east-1/bedrock-mantle/" in server.requests[-1].headers["authorization"]
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "mantle-key")
    async with AsyncAnthropicBedrockMantle(base_url=server.url) as client:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert server.requests[-1].headers["authorization"] == "Bearer mantle-key"
    assert (
        AsyncAnthropicBedrockMantle(aws_region="us-west-2").base_url
        == "https://bedrock-mantle.us-west-2.api.aws/anthropic"
    )
    with AnthropicBedrockMantle(aws_region="us-west-2") as blocking:
        assert blocking.base_url.startswith("https://bedrock-mantle.us-west-2.")


async def test_bedrock_and_mantle_read_the_user_profile_id_from_the_body(
    server: FakeClaude,
) -> None:
    """As the official SDK: Bedrock (messages) and Mantle (messages and token counts)
    take the `anthropic-user-profile-id` header, per request or default, in the body as
    `user_profile_id` (a body's own wins); other routes keep the header."""
    header = "anthropic-user-profile-id"
    async with bedrock(
        server, default_headers={"Anthropic-User-Profile-Id": "up_default"}
    ) as client:
        await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        assert server.requests[-1].json["user_profile_id"] == "up_default"
        assert header not in server.requests[-1].headers
        await client.messages.create(
            model=BEDROCK_MODEL, max_tokens=5, messages=USER, user_profile_id="up_call"
        )
        assert server.requests[-1].json["user_profile_id"] == "up_call"
        assert header not in server.requests[-1].headers
        await client.beta.messages.create(
            model=BEDROCK_MODEL,
            max_tokens=5,
            messages=USER,
            extra_headers={header: "up_extra"},
            extra_body={"user_profile_id": "up_body"},
        )
        assert server.requests[-1].json["user_profile_id"] == "up_body"
        assert header not in server.requests[-1].headers
        assert "authorization" in server.requests[-1].headers  # signed without the header
    async with bedrock(server) as client:
        await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        assert "user_profile_id" not in server.requests[-1].json
    async with AsyncAnthropicBedrockMantle(
        aws_access_key=AK,
        aws_secret_key=SK,
        aws_region="us-east-1",
        base_url=server.url,
        default_headers={header: "up_default"},
    ) as mantle:
        await mantle.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        assert server.requests[-1].json["user_profile_id"] == "up_default"
        assert header not in server.requests[-1].headers
        await mantle.beta.messages.count_tokens(
            model="claude-sonnet-5-5", messages=USER, user_profile_id="up_count"
        )
        assert server.requests[-1].path == "/v1/messages/count_tokens"
        assert server.requests[-1].json["user_profile_id"] == "up_count"
        assert header not in server.requests[-1].headers
        await mantle.messages.batches.list()
        assert server.requests[-1].headers[header] == "up_default"
        assert server.requests[-1].json is None or "user_profile_id" not in server.requests[-1].json


# ------------------------------------------------------------------------------ Vertex


def vertex(server: FakeClaude, **options: Any) -> AsyncAnthropicVertex:
    options.setdefault("region", "us-east5")
    options.setdefault("project_id", "my-project")
    return AsyncAnthropicVertex(base_url=f"{server.url}/v1", **options)


async def test_vertex_routes_messages_streams_and_token_counts(server: FakeClaude) -> None:
    async with vertex(server, access_token=GOOGLE_TOKEN) as client:
        message = await client.messages.create(
            model="claude-sonnet-5-5@20260101", max_tokens=20, messages=USER
        )
        assert message.model == "claude-sonnet-5-5"
        sent = server.requests[-1]
        assert sent.path == (
            "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/"
            "claude-sonnet-5-5@20260101:rawPredict"
        )
        assert sent.json["anthropic_version"] == "2023-06-01" and "model" not in sent.json
        assert sent.headers["authorization"] == f"Bearer {GOOGLE_TOKEN}"
        async with client.messages.stream(
            model="claude-sonnet-5-5", max_tokens=20, messages=USER
        ) as stream:
            assert await stream.get_final_text()
        assert server.requests[-1].path.endswith("/claude-sonnet-5-5:streamRawPredict")
        assert server.requests[-1].json["stream"] is True
        count = await client.messages.count_tokens(model="claude-sonnet-5-5", messages=USER)
        assert count.input_tokens > 0
        assert server.requests[-1].path.endswith("/models/count-tokens:rawPredict")
        assert server.requests[-1].json["model"] == "claude-sonnet-5-5"
        beta = await client.beta.messages.count_tokens(
            model="claude-sonnet-5-5", messages=USER, betas=["b1"]
        )
        assert beta.input_tokens == count.input_tokens


async def test_google_credentials_refresh_in_a_worker_thread_once(server: FakeClaude) -> None:
    import google.oauth2.credentials

    credentials = google.oauth2.credentials.Credentials(
        token=None,
        refresh_token="1//fake-refresh-token",
        token_uri=f"{server.url}/google/token",
        client_id="client-id",
        client_secret="client-secret",
    )
    threads: list[str] = []
    refresh = credentials.refresh

    def recording(request: Any) -> None:
        threads.append(threading.current_thread().name)
        refresh(request)

    credentials.refresh = recording  # type: ignore[method-assign]
    server.google_tokens = frozenset()  # only the tokens the endpoint issues
    async with vertex(server, credentials=credentials) as client:
        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(
                    lambda: client.messages.create(
                        model="claude-sonnet-5-5", max_tokens=5, messages=USER
                    )
                )
        assert client.google_credentials is credentials
    assert len(threads) == 1 and threads[0] != threading.current_thread().name
    assert server.requests[-1].headers["authorization"] == "Bearer ya29.fake-1"


async def test_a_failed_google_refresh_is_a_credentials_error(server: FakeClaude) -> None:
    import google.oauth2.credentials

    credentials = google.oauth2.credentials.Credentials(
        token=None,
        refresh_token="",
        token_uri=f"{server.url}/google/token",
        client_id="client-id",
        client_secret="client-secret-value",
    )
    async with vertex(server, credentials=credentials) as client:
        with pytest.raises(CredentialsError) as info:
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert_hidden(info.value, "client-secret-value")


async def test_application_default_credentials(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    adc = service_account_file(tmp_path, server)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
    monkeypatch.setenv("CLOUD_ML_REGION", "global")
    monkeypatch.setenv("ANTHROPIC_VERTEX_PROJECT_ID", "env-project")
    async with AsyncAnthropicVertex(base_url=f"{server.url}/v1") as client:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert server.requests[-1].path.startswith("/v1/projects/env-project/locations/global/")
    assert server.requests[-1].headers["authorization"] == "Bearer ya29.fake-1"


def test_vertex_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="No region was given"):
        AsyncAnthropicVertex()
    with pytest.raises(ValueError, match="non-empty value for `region`"):
        AsyncAnthropicVertex(region="")
    assert AsyncAnthropicVertex(region="global").base_url == "https://aiplatform.googleapis.com/v1"
    assert (
        AsyncAnthropicVertex(region="eu").base_url == "https://aiplatform.eu.rep.googleapis.com/v1"
    )
    assert (
        AsyncAnthropicVertex(region="europe-west1").base_url
        == "https://europe-west1-aiplatform.googleapis.com/v1"
    )
    client = AsyncAnthropicVertex(region="us-east5", access_token=GOOGLE_TOKEN)
    assert client.project_id is None
    copy = client.with_options(region="europe-west4", project_id="p2")
    assert copy.base_url == "https://europe-west4-aiplatform.googleapis.com/v1"
    assert (copy.project_id, copy.access_token) == ("p2", GOOGLE_TOKEN)
    assert GOOGLE_TOKEN not in repr(client) and GOOGLE_TOKEN not in repr(copy)


async def test_vertex_without_a_project_or_batches_raises_before_io(server: FakeClaude) -> None:
    async with vertex(server, project_id=None, access_token=GOOGLE_TOKEN) as client:  # type: ignore[arg-type]
        with pytest.raises(ClaudeError, match="No project_id was given"):
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        with pytest.raises(ClaudeError, match="Batch API is not supported in the Vertex"):
            await client.messages.batches.list()
    assert len(server.requests) == 0


def test_the_blocking_vertex_client(server_in_thread: FakeClaude) -> None:
    with AnthropicVertex(
        region="us-east5",
        project_id="p",
        access_token=GOOGLE_TOKEN,
        base_url=f"{server_in_thread.url}/v1",
        backend="trio",
    ) as client:
        assert client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        assert (client.region, client.project_id) == ("us-east5", "p")


# ------------------------------------------------------------------- Google Cloud


def gateway(server: FakeClaude, project: str, workspace: str, location: str = "global") -> str:
    return f"/v1/projects/{project}/locations/{location}/workspaces/{workspace}/invoke"


async def test_google_cloud_serves_the_whole_api_under_the_workspace(server: FakeClaude) -> None:
    async def provider() -> str:
        return GOOGLE_TOKEN

    client = AsyncAnthropicGoogleCloud(
        project="my-project", workspace_id="wrkspc_1", token_provider=provider
    )
    assert client.base_url == "https://claude.googleapis.com" + gateway(
        server, "my-project", "wrkspc_1"
    )
    await client.close()
    async with AsyncAnthropicGoogleCloud(
        workspace_id="wrkspc_1",
        token_provider=provider,
        base_url=server.url + gateway(server, "my-project", "wrkspc_1"),
    ) as client:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        assert (await client.models.list()).data
        sent = server.requests[-1]
        assert sent.path.startswith(gateway(server, "my-project", "wrkspc_1") + "/v1/models")
        assert sent.headers["authorization"] == f"Bearer {GOOGLE_TOKEN}"
        await client.with_options(default_headers={"Authorization": "Bearer mine"}).messages.create(
            model="claude-sonnet-5-5", max_tokens=5, messages=USER
        )
        assert server.requests[-1].headers["authorization"] == "Bearer mine"


async def test_google_cloud_takes_the_project_from_application_default_credentials(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv(
        "GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, server))
    )
    monkeypatch.setenv("ANTHROPIC_GOOGLE_CLOUD_WORKSPACE_ID", "wrkspc_env")
    server.google_tokens = frozenset()  # only what the token endpoint issues
    async with AsyncAnthropicGoogleCloud(location="us-east5") as client:
        assert client.project is None and client.base_url == "https://claude.googleapis.com"
        # The derived gateway's host is Google's: the pool is pointed at the fake instead
        # (before the first request builds it); the path is still derived.
        client.base_url = server.url
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        assert client.project == "sa-project"
    sent = server.requests[-1]
    assert sent.path == gateway(server, "sa-project", "wrkspc_env", "us-east5") + "/v1/messages"
    assert sent.headers["authorization"] == "Bearer ya29.fake-1"


async def test_google_cloud_configuration() -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        AsyncAnthropicGoogleCloud(skip_auth=True, credentials=object())
    with pytest.raises(ValueError, match="No `project` was provided"):
        AsyncAnthropicGoogleCloud(skip_auth=True, workspace_id="w")
    async with AsyncAnthropicGoogleCloud(project="p", token_provider=lambda: "t") as client:
        with pytest.raises(ClaudeError, match="No workspace ID found"):
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    with AnthropicGoogleCloud(
        project="p", workspace_id="w", token_provider=lambda: "t"
    ) as blocking:
        assert blocking.base_url.endswith("/v1/projects/p/locations/global/workspaces/w/invoke")


# ------------------------------------------------------------------------------ Foundry


async def test_foundry_api_key_sends_both_key_headers(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_API_KEY", "foundry-key-123")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-never-sent")
    async with AsyncAnthropicFoundry(base_url=server.url) as client:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    headers = server.requests[-1].headers
    assert headers["x-api-key"] == "foundry-key-123" == headers["api-key"]
    assert server.requests[-1].path == "/v1/messages"


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_foundry_token_provider_is_called_per_attempt(server: FakeClaude, kind: str) -> None:
    calls: list[str] = []

    def provider() -> str:
        calls.append(threading.current_thread().name)
        return f"entra-token-{len(calls)}"

    async def async_provider() -> str:
        calls.append(threading.current_thread().name)
        return f"entra-token-{len(calls)}"

    server.faults.append(Fault("overloaded", times=1))
    async with AsyncAnthropicFoundry(
        api_key="unused-key",
        azure_ad_token_provider=provider if kind == "sync" else async_provider,
        base_url=server.url,
    ) as client:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    assert server.requests[-1].headers["authorization"] == "Bearer entra-token-2"
    assert "x-api-key" not in server.requests[-1].headers
    here = threading.current_thread().name
    assert all((name != here) == (kind == "sync") for name in calls)


async def test_foundry_configuration_and_a_bad_provider(server: FakeClaude) -> None:
    with pytest.raises(ClaudeError, match="Missing credentials"):
        AsyncAnthropicFoundry(resource="r")
    with pytest.raises(ValueError, match="Must provide one of the `base_url` or `resource`"):
        AsyncAnthropicFoundry(api_key="k")
    with pytest.raises(ValueError, match="mutually exclusive"):
        AsyncAnthropicFoundry(api_key="k", resource="r", base_url="https://x")
    client = AsyncAnthropicFoundry(api_key="k", resource="my-resource")
    assert client.base_url == "https://my-resource.services.ai.azure.com/anthropic"
    async with AsyncAnthropicFoundry(
        azure_ad_token_provider=lambda: "", base_url=server.url
    ) as client:
        with pytest.raises(ValueError, match="azure_ad_token_provider must return"):
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
    with AnthropicFoundry(api_key="k", base_url=server.url) as blocking:
        assert blocking.with_options(max_retries=1).max_retries == 1


def test_foundry_serves_no_models_or_batches_as_the_official(server_in_thread: FakeClaude) -> None:
    import anthropic

    official = anthropic.AsyncAnthropicFoundry(api_key="k", resource="r")
    client = AsyncAnthropicFoundry(api_key="k", resource="r")
    for ours, theirs in ((client, official), (client.with_options(max_retries=1), official)):
        assert ours.models is None is theirs.models
        assert ours.messages.batches is None is theirs.messages.batches
        assert ours.beta.messages.batches is None is theirs.beta.messages.batches
        assert ours.messages.create and ours.beta.messages.count_tokens and ours.beta.files
    with AnthropicFoundry(api_key="k", base_url=server_in_thread.url) as blocking:
        assert blocking.models is None
        assert blocking.messages.batches is None and blocking.beta.messages.batches is None
        message = blocking.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        assert message.content and blocking.beta.models is not None


# Each platform client with the arguments both SDKs take (no I/O at construction).
PLATFORM_ARGUMENTS: dict[str, dict[str, Any]] = {
    "Bedrock": {"aws_region": "us-east-1", "aws_access_key": AK, "aws_secret_key": SK},
    "BedrockMantle": {"aws_region": "us-east-1", "aws_access_key": AK, "aws_secret_key": SK},
    "AWS": {
        "aws_region": "us-east-1",
        "aws_access_key": AK,
        "aws_secret_key": SK,
        "workspace_id": "wrkspc_1",
    },
    "Vertex": {"region": "us-east5", "project_id": "p", "access_token": GOOGLE_TOKEN},
    "GoogleCloud": {
        "project": "p",
        "location": "us-east5",
        "workspace_id": "wrkspc_1",
        "skip_auth": True,
    },
    "Foundry": {"resource": "r", "api_key": "k"},
}
# The resources a platform may lack; beta's own resources are compared in full.
RESOURCE_PATHS = ("models", "files", "messages.batches", "beta.messages.batches")
RESPONSE_WRAPPERS = ("with_raw_response", "with_streaming_response")


def _shape(obj: object, path: str) -> str:
    """'absent', 'None' or 'present': what `path` is on `obj`, as `hasattr` sees it."""
    for part in path.split("."):
        if not hasattr(obj, part):
            return "absent"
        obj = getattr(obj, part)
    return "None" if obj is None else "present"


def _public(obj: object) -> set[str]:
    names = {n for n in dir(obj) if not n.startswith("_") and n not in RESPONSE_WRAPPERS}
    return {n for n in names if hasattr(obj, n)}


@pytest.mark.parametrize("platform", sorted(PLATFORM_ARGUMENTS))
@pytest.mark.parametrize("prefix", ["Async", ""])
def test_platform_clients_have_the_official_surface(platform: str, prefix: str) -> None:
    """models, files, messages.batches and beta as the official platform client has
    them: what it lacks is absent on ours too (reading it names the client and says the
    platform does not serve that API), async and blocking."""
    import anthropic

    name = f"{prefix}Anthropic{platform}"
    theirs = getattr(anthropic, name)(**PLATFORM_ARGUMENTS[platform])
    ours = getattr(anyio_claude, name)(**PLATFORM_ARGUMENTS[platform])
    try:
        for client in (ours, ours.with_options(max_retries=1)):
            for path in RESOURCE_PATHS:
                assert _shape(client, path) == _shape(theirs, path), (name, path)
            # Beta serves nothing the official beta lacks (ours may lack some it has).
            assert _public(client.beta) <= _public(theirs.beta), name
            assert "messages" in _public(client.beta)
            for wrapper in RESPONSE_WRAPPERS:
                # The response wrappers offer only what the plain resources offer.
                for path in ("models", "files", "beta.models", "beta.files"):
                    if _shape(theirs, path) == "absent":
                        shape = _shape(getattr(client, wrapper), path)
                        assert shape == "absent", (name, wrapper, path)
                beta = getattr(client.beta, wrapper)
                assert _public(beta) <= _public(client.beta), (name, wrapper)
                if _shape(theirs, "beta.messages.batches") == "absent":
                    assert _shape(beta, "messages.batches") == "absent", (name, wrapper)
                    assert _shape(client.beta.messages, f"{wrapper}.batches") == "absent"
            for path, api in (("models", "Models API"), ("files", "Files API")):
                if _shape(theirs, path) == "absent":
                    with pytest.raises(AttributeError, match=f"^{name} has no `{path}`: .* {api}"):
                        getattr(client, path)
                    # The blocking twin names itself, not the async client inside.
                    with pytest.raises(AttributeError, match=f"^{name} has no `beta.{path}`: "):
                        getattr(client.beta, path)
                    for wrapper in RESPONSE_WRAPPERS:
                        whole = f"^{name} has no `beta.{wrapper}.{path}`: .* {api}"
                        with pytest.raises(AttributeError, match=whole):
                            getattr(getattr(client.beta, wrapper), path)
            if _shape(theirs, "beta.messages.batches") == "absent":
                with pytest.raises(AttributeError, match=f"^{name} has no `beta.messages.batches`"):
                    _ = client.beta.messages.batches
                for wrapper in RESPONSE_WRAPPERS:
                    whole = f"^{name} has no `beta.messages.{wrapper}.batches`: .* Batch API"
                    with pytest.raises(AttributeError, match=whole):
                        _ = getattr(client.beta.messages, wrapper).batches
    finally:
        if not prefix:
            ours.close()


async def test_spans_name_the_platform_as_the_official_clients(server: FakeClaude) -> None:
    """`gen_ai.provider.name` and the tracer's instrumentation scope of each platform
    client's spans (through the OpenTelemetry SDK), against the official clients'."""
    import anthropic
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    option: Any = {"tracer_provider": provider}
    url = server.url

    def token() -> str:
        return "gcp-token"

    def both(name: str, **kw: Any) -> tuple[Any, Any]:
        return getattr(anyio_claude, name)(**kw), getattr(anthropic, name)(**kw)

    clients = {
        "AsyncAnthropicBedrock": both(
            "AsyncAnthropicBedrock", api_key="k", aws_region="us-east-1", base_url=url
        ),
        "AsyncAnthropicBedrockMantle": both(
            "AsyncAnthropicBedrockMantle", api_key="k", base_url=url
        ),
        "AsyncAnthropicAWS": both("AsyncAnthropicAWS", api_key="k", workspace_id="w", base_url=url),
        "AsyncAnthropicVertex": both(
            "AsyncAnthropicVertex",
            region="us-east5",
            project_id="p",
            access_token="t",
            base_url=f"{url}/v1",
        ),
        "AsyncAnthropicGoogleCloud": both(
            "AsyncAnthropicGoogleCloud", token_provider=token, base_url=url
        ),
        "AsyncAnthropicFoundry": both("AsyncAnthropicFoundry", api_key="k", base_url=url),
    }
    seen: dict[str, list[tuple[object, str]]] = {}
    # The span is the API call's (its route, the request as given), its URL the platform's.
    compared = ("http.route", "url.path", "gen_ai.request.model", "gen_ai.request.max_tokens")
    shown: dict[str, list[tuple[object, ...]]] = {}
    model = {"AsyncAnthropicBedrock": BEDROCK_MODEL}
    for name, pair in clients.items():
        for client in pair:
            traced = (
                client.with_options(open_telemetry=option)
                if client.__module__.startswith("anyio_claude")
                else client.copy(open_telemetry=option)
            )
            await traced.messages.create(
                model=model.get(name, "claude-sonnet-5-5"), max_tokens=5, messages=USER
            )
            await client.close()
            (span,) = exporter.get_finished_spans()
            exporter.clear()
            assert span.instrumentation_scope is not None
            scope = span.instrumentation_scope.name
            attributes = dict(span.attributes or {})
            seen.setdefault(name, []).append((attributes.get("gen_ai.provider.name"), scope))
            shown.setdefault(name, []).append(
                (span.name, *(attributes.get(key) for key in compared))
            )
    assert {name: ours for name, (ours, _) in seen.items()} == {
        "AsyncAnthropicBedrock": ("aws.bedrock", "com.anthropic.sdk.python.bedrock"),
        "AsyncAnthropicBedrockMantle": ("aws.bedrock", "com.anthropic.sdk.python.bedrock"),
        "AsyncAnthropicAWS": ("anthropic", "com.anthropic.sdk.python.aws"),
        "AsyncAnthropicVertex": ("gcp.vertex_ai", "com.anthropic.sdk.python.vertex"),
        "AsyncAnthropicGoogleCloud": ("anthropic", "com.anthropic.sdk.python.google_cloud"),
        "AsyncAnthropicFoundry": ("anthropic", "com.anthropic.sdk.python.foundry"),
    }
    assert all(ours == theirs for ours, theirs in seen.values()), seen
    assert all(ours == theirs for ours, theirs in shown.values()), shown
    assert shown["AsyncAnthropicBedrock"][0] == (
        "anthropic.messages.create",
        "/v1/messages",
        f"/model/{BEDROCK_MODEL}/invoke",
        BEDROCK_MODEL,
        5,
    )
    # A Bedrock stream (event-stream framing) is traced as the official one is.
    streamed: list[tuple[object, ...]] = []
    for module in (anyio_claude, anthropic):
        client = module.AsyncAnthropicBedrock(
            api_key="k", aws_region="us-east-1", base_url=url, open_telemetry=option
        )
        async with client.messages.stream(
            model=BEDROCK_MODEL, max_tokens=5, messages=USER
        ) as stream:
            await stream.get_final_message()
        await client.close()
        (span,) = exporter.get_finished_spans()
        exporter.clear()
        attributes = dict(span.attributes or {})
        keys = (
            "gen_ai.provider.name",
            "gen_ai.request.stream",
            "gen_ai.usage.output_tokens",
            "http.route",
            "url.path",
        )
        streamed.append((span.name, span.status.status_code, *map(attributes.get, keys)))
    assert streamed[0] == streamed[1] and streamed[0][2:4] == ("aws.bedrock", True), streamed


# ------------------------------------------------------------------------------ secrets


async def test_platform_credentials_are_never_shown(
    server: FakeClaude, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # botocore's and httpcore's debug logs included
    async with bedrock(
        server, aws_access_key="AKIASESSION", aws_session_token=TOKEN, max_retries=0
    ) as client:
        assert SK not in repr(client) and TOKEN not in repr(client)
        # Attributes, as on the official client (the value given, never in a repr).
        assert (client.aws_secret_key, client.aws_session_token) == (SK, TOKEN)
        server.script(ErrorReply(500, "api_error", "boom"))
        with pytest.raises(APIStatusError) as info:
            await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        assert_hidden(info.value, SK, TOKEN)
        assert info.value.response.request.headers["x-amz-security-token"] == "<redacted>"
        assert info.value.response.request.headers["authorization"] == "<redacted>"
    with pytest.raises(ValueError) as info2:
        AsyncAnthropicBedrock(aws_access_key=AK, aws_secret_key=SK, aws_region="x", max_retries=-1)
    assert_hidden(info2.value, SK)
    with pytest.raises(ValueError) as info2:
        AnthropicBedrock(api_key=SK, aws_session_token=TOKEN, aws_region="x")
    assert_hidden(info2.value, SK, TOKEN)
    async with bedrock(server) as client:
        with pytest.raises(ValueError) as info2:
            client.with_options(aws_secret_key=SK, aws_session_token=TOKEN, max_retries=-1)
        assert_hidden(info2.value, SK, TOKEN)
    with AnthropicBedrock(aws_region="x", aws_access_key=AK, aws_secret_key=SK) as blocking:
        assert (blocking.aws_region, blocking.aws_secret_key) == ("x", SK)
        assert SK not in repr(blocking)
    with AnthropicBedrock(aws_region="x") as blocking, pytest.raises(ValueError) as info2:
        blocking.with_options(aws_secret_key=SK, aws_access_key=AK, max_retries=-1)
    assert_hidden(info2.value, SK)
    with pytest.raises(ValueError) as info2:
        AsyncAnthropicVertex(region="r", access_token=GOOGLE_TOKEN).with_options(max_retries=-1)
    assert_hidden(info2.value, GOOGLE_TOKEN)
    async with vertex(server, access_token=GOOGLE_TOKEN, max_retries=0) as vclient:
        server.script(ErrorReply(500, "api_error", "boom"))
        with pytest.raises(APIStatusError) as info3:
            await vclient.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        assert_hidden(info3.value, GOOGLE_TOKEN)
    async with AsyncAnthropicFoundry(
        api_key="foundry-SECRET-key-0123456789", base_url=server.url, max_retries=0
    ) as fclient:
        server.script(ErrorReply(500, "api_error", "boom"))
        with pytest.raises(APIStatusError) as info4:
            await fclient.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        assert info4.value.response.request.headers["api-key"] == "<redacted>"
        assert_hidden(info4.value, "foundry-SECRET-key-0123456789")
    # AnthropicAWS and Bedrock Mantle: constructors, copies and the blocking twins.
    for cls, extra in (
        (AsyncAnthropicAWS, {"workspace_id": "w"}),
        (AsyncAnthropicBedrockMantle, {}),
    ):
        aws_client = cls(api_key=SK, aws_region="us-east-1", base_url=server.url, **extra)
        assert SK not in repr(aws_client)
        with pytest.raises(ValueError) as info5:
            cls(api_key=SK, aws_region="x", max_retries=-1, **extra)
        assert_hidden(info5.value, SK)
        with pytest.raises(ValueError) as info5:
            aws_client.with_options(
                aws_access_key=AK, aws_secret_key=SK, aws_session_token=TOKEN, max_retries=-1
            )
        assert_hidden(info5.value, SK, TOKEN)
        await aws_client.close()
    for twin, extra in ((AnthropicAWS, {"workspace_id": "w"}), (AnthropicBedrockMantle, {})):
        with pytest.raises(ValueError) as info5:
            twin(api_key=SK, aws_session_token=TOKEN, aws_region="x", max_retries=-1, **extra)
        assert_hidden(info5.value, SK, TOKEN)

    async def google_token() -> str:
        return GOOGLE_TOKEN

    async with AsyncAnthropicGoogleCloud(
        token_provider=google_token, base_url=server.url, max_retries=0
    ) as gclient:
        server.script(ErrorReply(500, "api_error", "boom"))
        with pytest.raises(APIStatusError) as info6:
            await gclient.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
        assert info6.value.response.request.headers["authorization"] == "<redacted>"
        assert_hidden(info6.value, GOOGLE_TOKEN)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (SK, TOKEN, GOOGLE_TOKEN, "foundry-SECRET-key-0123456789"):
        assert secret not in logged


# ------------------------------------------------------------------------------ exports


def test_the_official_import_paths() -> None:
    import anthropic

    for name in (
        "AnthropicBedrock",
        "AsyncAnthropicBedrock",
        "AnthropicBedrockMantle",
        "AsyncAnthropicBedrockMantle",
        "AnthropicVertex",
        "AsyncAnthropicVertex",
        "AnthropicFoundry",
        "AsyncAnthropicFoundry",
        "AnthropicAWS",
        "AsyncAnthropicAWS",
        "AnthropicGoogleCloud",
        "AsyncAnthropicGoogleCloud",
    ):
        assert hasattr(anthropic, name)
        assert getattr(anyio_claude, name).__name__ == name


def test_importing_the_package_loads_no_platform_extra() -> None:
    import subprocess
    import sys

    code = (
        "import sys, anyio_claude; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'google') "
        "or m.startswith('anyio_claude._platform')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_platform_clients_run_middleware(server: FakeClaude) -> None:
    seen: list[str] = []

    async def record(request: Any, call_next: Any) -> Any:
        seen.append(request.url)
        return await call_next(request)

    async with bedrock(server, middleware=[record]) as client:
        await client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        copy = client.with_middleware(record)
        assert isinstance(copy, AsyncAnthropicBedrock) and len(copy.middleware) == 2
        await copy.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
    assert len(seen) == 3 and all("/invoke" in url for url in seen)


def test_blocking_platform_clients_run_blocking_middleware(server_in_thread: FakeClaude) -> None:
    seen: list[str] = []

    def record(request: Any, call_next: Any) -> Any:
        seen.append(request.url)
        return call_next(request)

    with AnthropicBedrock(
        aws_access_key=AK,
        aws_secret_key=SK,
        aws_region="us-east-1",
        base_url=server_in_thread.url,
        middleware=[record],
    ) as client:
        client.messages.create(model=BEDROCK_MODEL, max_tokens=5, messages=USER)
        client.with_middleware(record).messages.create(
            model=BEDROCK_MODEL, max_tokens=5, messages=USER
        )
    assert len(seen) == 3

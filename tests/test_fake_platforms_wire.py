"""FakeClaude as Bedrock and Vertex AI, read over HTTP on 127.0.0.1 by the pinned official
SDK's own platform clients (independent of ours): their routes, model ids, error shapes,
authentication and the Google token endpoint."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest
from anthropic import AsyncAnthropicBedrock, AsyncAnthropicVertex

from anyio_claude.testing import AwsTestCredentials, ErrorReply, FakeClaude

pytestmark = pytest.mark.anyio

USER: Any = [{"role": "user", "content": "Hello there"}]
BEDROCK_ERROR_TYPE = ":http://internal.amazon.com/coral/com.amazon.bedrock/"


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(api_keys=["bedrock-key"], google_tokens=["google-token"]) as fake:
        yield fake


@pytest.fixture
async def bedrock(server: FakeClaude) -> AsyncIterator[AsyncAnthropicBedrock]:
    client = AsyncAnthropicBedrock(
        api_key="bedrock-key", aws_region="us-east-1", base_url=server.url, max_retries=0
    )
    yield client
    await client.close()


@pytest.fixture
async def vertex(server: FakeClaude) -> AsyncIterator[AsyncAnthropicVertex]:
    client = AsyncAnthropicVertex(
        region="us-east5",
        project_id="proj",
        access_token="google-token",
        base_url=f"{server.url}/v1",
        max_retries=0,
    )
    yield client
    await client.close()


@pytest.fixture
async def direct(server: FakeClaude) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(api_key="bedrock-key", base_url=server.url, max_retries=0)
    yield client
    await client.close()


@pytest.mark.parametrize(
    ("model_id", "model"),
    [
        ("anthropic.claude-sonnet-5-5-v1:0", "claude-sonnet-5-5"),
        ("anthropic.claude-sonnet-5-5-v1", "claude-sonnet-5-5"),
        ("us.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5-20251001"),
        ("global.anthropic.claude-haiku-4-5", "claude-haiku-4-5-20251001"),
        ("claude-sonnet-5-5", "claude-sonnet-5-5"),
    ],
)
async def test_bedrock_model_ids_name_the_fakes_models(
    bedrock: AsyncAnthropicBedrock,
    direct: anthropic.AsyncAnthropic,
    server: FakeClaude,
    model_id: str,
    model: str,
) -> None:
    reply = await bedrock.messages.create(model=model_id, max_tokens=50, messages=USER)
    assert reply.model == model
    same = await direct.messages.create(model=model, max_tokens=50, messages=USER)
    assert reply.content == same.content and reply.usage == same.usage
    assert server.requests[-2].headers["authorization"] == "Bearer bedrock-key"


async def test_a_bedrock_stream_is_the_direct_stream(
    bedrock: AsyncAnthropicBedrock, direct: anthropic.AsyncAnthropic
) -> None:
    params: dict[str, Any] = {"max_tokens": 60, "messages": USER}
    async with bedrock.messages.stream(
        model="anthropic.claude-sonnet-5-5-v1:0", **params
    ) as stream:
        via_bedrock = [event.type async for event in stream]
        final = await stream.get_final_message()
    async with direct.messages.stream(model="claude-sonnet-5-5", **params) as stream:
        via_api = [event.type async for event in stream]
        expected = await stream.get_final_message()
    assert via_bedrock == via_api
    assert final.content == expected.content and final.usage == expected.usage


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (400, "ValidationException"),
        (401, "UnrecognizedClientException"),
        (403, "AccessDeniedException"),
        (404, "ResourceNotFoundException"),
        (408, "ModelTimeoutException"),
        (413, "ValidationException"),
        (429, "ThrottlingException"),
        (500, "InternalServerException"),
        (503, "ServiceUnavailableException"),
        (529, "ServiceUnavailableException"),
    ],
)
async def test_bedrock_errors_are_named_by_exception(
    server: FakeClaude, bedrock: AsyncAnthropicBedrock, status: int, name: str
) -> None:
    server.script(ErrorReply(status, "some_error", f"it failed with {status}"))
    with pytest.raises(anthropic.APIStatusError) as info:
        await bedrock.messages.create(
            model="anthropic.claude-sonnet-5-5-v1:0", max_tokens=20, messages=USER
        )
    assert info.value.status_code == status
    assert info.value.body == {"message": f"it failed with {status}"}
    assert info.value.response.headers["x-amzn-errortype"] == name + BEDROCK_ERROR_TYPE
    assert info.value.response.headers["content-type"] == "application/json"


async def test_what_bedrock_refuses_and_how_it_says_so(
    server: FakeClaude, bedrock: AsyncAnthropicBedrock, direct: anthropic.AsyncAnthropic
) -> None:
    async def refused(path: str, body: Any, **options: Any) -> anthropic.APIStatusError:
        with pytest.raises(anthropic.APIStatusError) as info:
            await direct.post(path, body=body, cast_to=object, **options)
        return info.value

    with pytest.raises(anthropic.BadRequestError) as bad_model:
        await bedrock.messages.create(
            model="anthropic.claude-nonexistent-v1:0", max_tokens=20, messages=USER
        )
    assert bad_model.value.body == {"message": "The provided model identifier is invalid."}
    # A validation error of the messages route keeps its message in Bedrock's shape.
    with pytest.raises(anthropic.BadRequestError) as bad_turn:
        await bedrock.messages.create(
            model="anthropic.claude-sonnet-5-5-v1:0", max_tokens=0, messages=USER
        )
    assert bad_turn.value.body == {
        "message": "max_tokens: Input should be greater than or equal to 1"
    }
    auth = {"Authorization": "Bearer bedrock-key"}
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": USER}
    path = "/model/anthropic.claude-sonnet-5-5-v1:0/invoke"
    for key in ("model", "stream"):
        error = await refused(path, {**body, key: True}, options={"headers": auth})
        assert error.status_code == 400
        assert error.body == {
            "message": f"Malformed input request: #: extraneous key [{key}] is not permitted"
        }
    error = await refused(path, {"max_tokens": 5, "messages": USER}, options={"headers": auth})
    assert error.body == {
        "message": "Malformed input request: #: required key [anthropic_version] not found"
    }
    error = await refused(path, {**body, "anthropic_version": 1}, options={"headers": auth})
    assert error.status_code == 400 and "anthropic_version" in str(error.body)
    error = await refused(path, [body], options={"headers": auth})
    assert error.status_code == 400
    assert error.response.headers["request-id"].startswith("req_")
    assert error.body == {
        "message": "Malformed input request, please reformat your input and try again."
    }
    error = await refused("/model/x/converse", body, options={"headers": auth})
    assert (error.status_code, error.body) == (
        404,
        {"message": "Not found: POST /model/x/converse"},
    )
    assert error.response.headers["x-amzn-errortype"].startswith("ResourceNotFoundException:")
    with pytest.raises(anthropic.APIStatusError) as got:
        await direct.get(path, cast_to=object, options={"headers": auth})
    assert got.value.status_code == 404
    assert got.value.body == {"message": f"Not found: GET {path}"}
    # Authentication: a known key, any SigV4 header, or nothing at all.
    for headers, message in [
        ({"Authorization": "Bearer wrong"}, "Invalid API key"),
        ({"Authorization": "Basic abc"}, "Missing Authentication Token"),
        ({"Authorization": anthropic.omit}, "Missing Authentication Token"),
        ({"Authorization": "AWS4-HMAC-SHA256 garbage"}, "Authorization header is malformed"),
    ]:
        error = await refused(path, body, options={"headers": headers})
        assert (error.status_code, error.body) == (403, {"message": message})
        assert error.response.headers["x-amzn-errortype"] == (
            "AccessDeniedException" + BEDROCK_ERROR_TYPE
        )
    await refused_ok(direct, path, body, auth)


async def refused_ok(
    direct: anthropic.AsyncAnthropic, path: str, body: Any, auth: dict[str, str]
) -> None:
    reply: Any = await direct.post(path, body=body, cast_to=object, options={"headers": auth})
    assert reply["type"] == "message" and reply["model"] == "claude-sonnet-5-5"


async def test_any_key_or_token_without_a_list_but_not_none() -> None:
    # The clients close even when an assertion fails: one left open kept a failing run
    # waiting until mutmut's timeout instead of failing.
    async with (
        FakeClaude() as open_server,
        anthropic.AsyncAnthropic(api_key="x", base_url=open_server.url, max_retries=0) as direct,
    ):
        path = "/v1/projects/p/locations/l/publishers/anthropic/models/claude-sonnet-5-5"
        body = {"anthropic_version": "v", "max_tokens": 5, "messages": USER}
        reply: Any = await direct.post(f"{path}:rawPredict", body=body, cast_to=object)
        assert reply["model"] == "claude-sonnet-5-5"
        with pytest.raises(anthropic.AuthenticationError):
            await direct.post(
                f"{path}:rawPredict",
                body=body,
                cast_to=object,
                options={"headers": {"Authorization": anthropic.omit}},
            )
        async with AsyncAnthropicBedrock(
            api_key="anything", aws_region="us-east-1", base_url=open_server.url, max_retries=0
        ) as client:
            reply = await client.messages.create(
                model="anthropic.claude-sonnet-5-5-v1:0", max_tokens=5, messages=USER
            )
        assert reply.model == "claude-sonnet-5-5"


async def test_bedrock_betas_in_the_body_become_the_header(
    server: FakeClaude, direct: anthropic.AsyncAnthropic
) -> None:
    # The files route reads the inner request's `anthropic-beta` header: a file source
    # needs the files beta, which a Bedrock body carries as `anthropic_beta`.
    server.files.require_beta = True
    source = {"type": "file", "file_id": "file_missing"}
    messages = [{"role": "user", "content": [{"type": "document", "source": source}]}]
    body: Any = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": messages}
    path = "/model/anthropic.claude-sonnet-5-5-v1:0/invoke"
    for betas, message in [
        (None, "file sources requires the beta header"),
        (["other-beta"], "file sources requires the beta header"),
        (["other-beta", "files-api-2025-04-14"], "file not found: file_missing"),
        ("files-api-2025-04-14", "file sources requires the beta header"),
    ]:
        sent = body if betas is None else {**body, "anthropic_beta": betas}
        with pytest.raises(anthropic.BadRequestError) as info:
            await direct.post(path, body=sent, cast_to=object)
        assert message in info.value.body["message"]  # type: ignore[index]
    # The header sent outside the body is not what Bedrock reads, but it is kept.
    with pytest.raises(anthropic.BadRequestError, match="file not found"):
        await direct.post(
            path,
            body=body,
            cast_to=object,
            options={"headers": {"anthropic-beta": "files-api-2025-04-14"}},
        )


@pytest.mark.parametrize(
    ("model_id", "model"),
    [
        ("claude-sonnet-5-5@20260101", "claude-sonnet-5-5"),
        ("claude-haiku-4-5@20251001", "claude-haiku-4-5-20251001"),
        ("claude-haiku-4-5", "claude-haiku-4-5-20251001"),
    ],
)
async def test_vertex_model_ids_name_the_fakes_models(
    vertex: AsyncAnthropicVertex,
    direct: anthropic.AsyncAnthropic,
    model_id: str,
    model: str,
) -> None:
    reply = await vertex.messages.create(model=model_id, max_tokens=50, messages=USER)
    assert reply.model == model
    same = await direct.messages.create(model=model, max_tokens=50, messages=USER)
    assert reply.content == same.content
    async with vertex.messages.stream(model=model_id, max_tokens=50, messages=USER) as stream:
        final = await stream.get_final_message()
    assert final.content[0].text == same.content[0].text  # type: ignore[union-attr]
    assert final.model == model
    counted = await vertex.messages.count_tokens(model=model_id, messages=USER)
    assert counted.input_tokens == reply.usage.input_tokens == 7


def in_the_apis_shape(error: Any, status: int, error_type: str, message: str) -> None:
    """The whole error body in the API's shape, with the request id of the reply's header."""
    assert error.status_code == status
    assert error.request_id.startswith("req_")
    assert error.body == {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": error.request_id,
    }


async def test_what_vertex_refuses_and_how_it_says_so(
    server: FakeClaude, vertex: AsyncAnthropicVertex, direct: anthropic.AsyncAnthropic
) -> None:
    with pytest.raises(anthropic.NotFoundError) as missing:
        await vertex.messages.create(model="claude-nope@2025", max_tokens=5, messages=USER)
    assert missing.value.body == {
        "type": "error",
        "error": {
            "type": "not_found_error",
            "message": "Publisher model claude-nope@2025 not found",
        },
        "request_id": missing.value.request_id,
    }
    with pytest.raises(anthropic.BadRequestError) as invalid:
        await vertex.messages.create(model="claude-sonnet-5-5", max_tokens=0, messages=USER)
    in_the_apis_shape(
        invalid.value,
        400,
        "invalid_request_error",
        "max_tokens: Input should be greater than or equal to 1",
    )
    with pytest.raises(anthropic.NotFoundError, match="model: claude-nope"):
        await vertex.messages.count_tokens(model="claude-nope", messages=USER)
    base = "/v1/projects/proj/locations/us-east5/publishers/anthropic/models"
    auth = {"Authorization": "Bearer google-token"}
    body = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 5, "messages": USER}

    async def refused(path: str, payload: Any, headers: dict[str, Any]) -> Any:
        with pytest.raises(anthropic.APIStatusError) as info:
            await direct.post(path, body=payload, cast_to=object, options={"headers": headers})
        return info.value

    error = await refused(f"{base}/claude-sonnet-5-5:rawPredict", {**body, "model": "m"}, auth)
    in_the_apis_shape(error, 400, "invalid_request_error", "model: Extra inputs are not permitted")
    for payload in ({"max_tokens": 5, "messages": USER}, [body], {**body, "anthropic_version": 1}):
        error = await refused(f"{base}/claude-sonnet-5-5:rawPredict", payload, auth)
        in_the_apis_shape(error, 400, "invalid_request_error", "anthropic_version: Field required")
    error = await refused(f"{base}/claude-sonnet-5-5:predict", body, auth)
    in_the_apis_shape(
        error, 404, "not_found_error", f"Not found: POST {base}/claude-sonnet-5-5:predict"
    )
    with pytest.raises(anthropic.NotFoundError, match="Not found: GET") as got:
        await direct.get(
            f"{base}/claude-sonnet-5-5:rawPredict", cast_to=object, options={"headers": auth}
        )
    in_the_apis_shape(
        got.value, 404, "not_found_error", f"Not found: GET {base}/claude-sonnet-5-5:rawPredict"
    )
    unauthenticated = {
        "error": {
            "code": 401,
            "message": "Request had invalid authentication credentials.",
            "status": "UNAUTHENTICATED",
        }
    }
    for headers in (
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer"},
        {"Authorization": anthropic.omit},
    ):
        error = await refused(f"{base}/claude-sonnet-5-5:rawPredict", body, headers)
        assert (error.status_code, error.body) == (401, unauthenticated)
    # The count route keeps `model` and maps a platform id, or passes an unknown one on.
    counted: Any = await direct.post(
        f"{base}/count-tokens:rawPredict",
        body={"anthropic_version": "v", "model": "claude-haiku-4-5@20251001", "messages": USER},
        cast_to=object,
        options={"headers": auth},
    )
    assert counted == {"input_tokens": 7}
    assert server.requests[-1].json["model"] == "claude-haiku-4-5@20251001"


async def test_the_google_token_endpoint_mints_tokens_vertex_then_accepts(
    direct: anthropic.AsyncAnthropic, server: FakeClaude
) -> None:
    async def grant(form: dict[str, str]) -> tuple[int, Any]:
        response = await direct._client.post(f"{server.url}/google/token", data=form)
        return response.status_code, json.loads(response.content)

    refresh = {"grant_type": "refresh_token", "refresh_token": "r"}
    assert await grant(refresh) == (
        200,
        {"access_token": "ya29.fake-1", "expires_in": 3599, "token_type": "Bearer"},
    )
    jwt = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "a.b.c"}
    assert (await grant(jwt))[1]["access_token"] == "ya29.fake-2"
    # A form that is not UTF-8 is read with replacement characters, not a crash.
    response = await direct._client.post(
        f"{server.url}/google/token",
        content=b"grant_type=refresh_token&refresh_token=%FF\xff",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert (response.status_code, json.loads(response.content)["access_token"]) == (
        200,
        "ya29.fake-3",
    )
    refused = (400, {"error": "invalid_grant", "error_description": "Bad Request"})
    for form in (
        {"grant_type": "refresh_token"},
        {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"},
        {"grant_type": "password", "refresh_token": "r", "assertion": "a"},
        {"refresh_token": "r"},
    ):
        assert await grant(form) == refused
    # A minted token is accepted besides the listed ones; one never minted is not.
    for token, accepted in (("ya29.fake-2", True), ("ya29.fake-4", False)):
        async with AsyncAnthropicVertex(
            region="us-east5",
            project_id="proj",
            access_token=token,
            base_url=f"{server.url}/v1",
            max_retries=0,
        ) as client:
            if accepted:
                await client.messages.create(model="claude-sonnet-5-5", max_tokens=5, messages=USER)
            else:
                with pytest.raises(anthropic.AuthenticationError):
                    await client.messages.create(
                        model="claude-sonnet-5-5", max_tokens=5, messages=USER
                    )


async def test_claude_on_google_cloud_is_the_api_under_the_workspace_path(
    direct: anthropic.AsyncAnthropic,
) -> None:
    gateway = "/v1/projects/p/locations/l/workspaces/w/invoke"
    auth = {"Authorization": "Bearer google-token"}
    reply: Any = await direct.post(
        f"{gateway}/v1/messages",
        body={"model": "claude-sonnet-5-5", "max_tokens": 5, "messages": USER},
        cast_to=object,
        options={"headers": auth},
    )
    assert reply["type"] == "message"
    listed: Any = await direct.get(
        f"{gateway}/v1/models", cast_to=object, options={"headers": auth}
    )
    assert "claude-sonnet-5-5" in [m["id"] for m in listed["data"]]
    with pytest.raises(anthropic.AuthenticationError):
        await direct.get(
            f"{gateway}/v1/models",
            cast_to=object,
            options={"headers": {"Authorization": "Bearer nope"}},
        )


def test_the_test_credentials_show_four_characters_of_the_key_and_no_secret() -> None:
    credentials = AwsTestCredentials("AKIDEXAMPLE", "the-secret", "the-token")
    assert repr(credentials) == "AwsTestCredentials(access_key='AKID'...)"

"""The exception tree of anthropic 2.17, and what each error carries, through the real client
(tests/test_error_codes.py compares the classes and messages with the official SDK's)."""

from __future__ import annotations

import json
import pickle
from collections.abc import AsyncIterator

import pytest
from anyio.abc import SocketStream

import anyio_claude
from anyio_claude import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncClaude,
    ClaudeError,
    InternalServerError,
    Timeout,
)
from anyio_claude.testing import ErrorReply, FakeClaude, Fault

from ._servers import raw_server, response

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-secret-1234567890"


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as c:
        yield c


STATUSES = [
    (400, "invalid_request_error", anyio_claude.BadRequestError),
    (401, "authentication_error", anyio_claude.AuthenticationError),
    (402, "billing_error", anyio_claude.PaymentRequiredError),
    (403, "permission_error", anyio_claude.PermissionDeniedError),
    (404, "not_found_error", anyio_claude.NotFoundError),
    (408, "request_timeout", anyio_claude.RequestTimeoutError),
    (409, "conflict_error", anyio_claude.ConflictError),
    (412, "precondition_failed", anyio_claude.PreconditionFailedError),
    (413, "request_too_large", anyio_claude.ContentTooLargeError),
    (418, "teapot_error", APIStatusError),
    (422, "unprocessable", anyio_claude.UnprocessableEntityError),
    (429, "rate_limit_error", anyio_claude.RateLimitError),
    (431, "headers_too_large", anyio_claude.RequestHeaderFieldsTooLargeError),
    (499, "client_closed", anyio_claude.ClientClosedRequestError),
    (500, "api_error", InternalServerError),
    (501, "not_implemented", anyio_claude.HTTPNotImplementedError),
    (502, "bad_gateway", InternalServerError),
    (503, "unavailable", anyio_claude.ServiceUnavailableError),
    (504, "timeout_error", anyio_claude.GatewayTimeoutError),
    (529, "overloaded_error", anyio_claude.OverloadedError),
]


@pytest.mark.parametrize(("status", "error_type", "cls"), STATUSES)
async def test_every_status_has_its_class(
    client: AsyncClaude, server: FakeClaude, status: int, error_type: str, cls: type[APIStatusError]
) -> None:
    server.script(
        ErrorReply(status, error_type, "what went wrong", {"anthropic-workspace-id": "wrk_1"})
    )
    with pytest.raises(APIStatusError) as info:
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    error = info.value
    assert type(error) is cls
    assert isinstance(error, InternalServerError) is (status >= 500)
    assert (error.status_code, error.type, error.api_message) == (
        status,
        error_type,
        "what went wrong",
    )
    assert error.workspace_id == "wrk_1"
    assert error.response is not None
    assert error.response.json() == error.body == json.loads(error.response.text)
    assert error.response.json()["error"]["type"] == error_type
    assert error.request is not None and error.request.method == "POST"
    assert error.request.url == f"{server.url}/v1/messages"


def test_aliases_and_hierarchy() -> None:
    assert anyio_claude.BillingError is anyio_claude.PaymentRequiredError
    assert anyio_claude.RequestTooLargeError is anyio_claude.ContentTooLargeError
    assert anyio_claude.DeadlineExceededError is anyio_claude.GatewayTimeoutError
    assert issubclass(anyio_claude.OverloadedError, InternalServerError)
    assert issubclass(anyio_claude.ServiceUnavailableError, InternalServerError)
    assert not issubclass(anyio_claude.RateLimitError, InternalServerError)


async def test_error_details_and_code_from_the_body() -> None:
    body = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "tool names must be unique",
            "details": {"error_code": "tool_name_conflict", "tool": "get_weather"},
        },
        "request_id": "req_body",
    }

    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(response(json.dumps(body).encode(), status=400))

    async with (
        raw_server(handler) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):
        with pytest.raises(anyio_claude.BadRequestError) as info:
            await client.messages.count_tokens(model=MODEL, messages=USER)
    error = info.value
    assert type(error) is anyio_claude.types.ToolNameConflictError  # a BadRequestError
    assert error.error_code == "tool_name_conflict"
    assert error.details == {"error_code": "tool_name_conflict", "tool": "get_weather"}
    assert error.body == body and error.request_id == "req_body"
    assert error.request is not None and error.request.url.endswith("/v1/messages/count_tokens")


async def test_connection_errors_carry_the_request_without_the_key() -> None:
    async with raw_server(lambda stream, request: stream.aclose()) as server:
        port = server.port
    async with AsyncClaude(
        api_key=KEY, base_url=f"http://127.0.0.1:{port}/", max_retries=0
    ) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.messages.create(
                model=MODEL, max_tokens=10, messages=USER, extra_query={"q": "1"}
            )
    request = info.value.request
    assert request is not None
    assert (request.method, request.url) == ("POST", f"http://127.0.0.1:{port}/v1/messages?q=1")
    assert request.headers["x-api-key"] == "<redacted>"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert json.loads(request.content)["model"] == MODEL
    assert KEY not in repr(request) + repr(request.headers) + str(info.value)
    assert KEY.encode() not in pickle.dumps(info.value)


async def test_bearer_tokens_are_redacted_too() -> None:
    async with raw_server(lambda stream, request: stream.aclose()) as server:
        port = server.port
    async with AsyncClaude(auth_token="tok-secret", base_url=f"http://127.0.0.1:{port}") as client:
        with pytest.raises(APIConnectionError) as info:
            await client.with_options(max_retries=0).models.retrieve(MODEL)
    request = info.value.request
    assert request is not None and request.method == "GET"
    assert request.headers["authorization"] == "<redacted>"
    assert "tok-secret" not in repr(request.headers)


async def test_mid_stream_read_failures_carry_the_request() -> None:
    async with FakeClaude(faults=[Fault("stall", after_events=3)]) as fake:
        async with AsyncClaude(api_key=KEY, base_url=fake.url, timeout=Timeout(read=0.3)) as client:
            with pytest.raises(APITimeoutError) as info:
                async with client.messages.stream(
                    model=MODEL, max_tokens=100, messages=USER
                ) as stream:
                    await stream.until_done()
    request = info.value.request
    assert request is not None and request.url == f"{fake.url}/v1/messages"
    assert info.value.partial_message is not None


async def test_mid_stream_error_events_map_to_the_same_classes(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.script(
        [
            {
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": MODEL,
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 1, "output_tokens": 0},
                },
            },
            {"type": "error", "error": {"type": "conflict_error", "message": "clash"}},
        ]
    )
    with pytest.raises(anyio_claude.ConflictError, match="clash") as info:
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
            await stream.until_done()
    assert info.value.status_code == 409
    assert info.value.request is not None
    assert info.value.request.url == f"{server.url}/v1/messages"
    assert info.value.request.headers["x-stainless-helper-method"] == "stream"


async def test_errors_pickle_with_their_attributes(client: AsyncClaude, server: FakeClaude) -> None:
    server.script(ErrorReply(529, "overloaded_error", "busy"))
    with pytest.raises(anyio_claude.OverloadedError) as info:
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is anyio_claude.OverloadedError
    assert (copy.status_code, copy.type, copy.api_message, copy.request_id) == (
        529,
        "overloaded_error",
        "busy",
        info.value.request_id,
    )
    assert copy.message == info.value.message
    # The response travels with its redacted request only: no credential in the pickle.
    assert KEY.encode() not in pickle.dumps(info.value)
    assert copy.response is not None and copy.response.request is not None
    assert copy.response.request.headers["x-api-key"] == "<redacted>"
    assert str(copy) == str(info.value)
    assert copy.response.json() == info.value.body
    plain = pickle.loads(pickle.dumps(ClaudeError("no key")))
    assert type(plain) is ClaudeError and str(plain) == "no key"


async def test_unread_bodies_say_so(client: AsyncClaude) -> None:
    async with client.messages.with_streaming_response.create(
        model=MODEL, max_tokens=10, messages=USER
    ) as response:
        with pytest.raises(ClaudeError, match="not been read"):
            _ = response.http_response.text
        assert response.http_response.content is None
        assert (await response.json())["type"] == "message"
        assert response.http_response.json()["type"] == "message"


@pytest.mark.parametrize("status", [300, 302, 399])
async def test_a_redirect_is_a_status_error_and_not_followed(status: int) -> None:
    async def handler(stream: SocketStream, request: bytes) -> None:
        headers = {"location": "https://elsewhere/", "retry-after": "7"}
        await stream.send(response(b"", status=status, headers=headers))

    async with raw_server(handler) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url) as client:
            with pytest.raises(APIStatusError, match="redirect to 'https://elsewhere/'") as info:
                await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
            assert info.value.status_code == status
            assert type(info.value) is APIStatusError
            assert str(info.value) == (
                "redirect to 'https://elsewhere/', which is not followed (check base_url) "
                "(path: /v1/messages)"
            )
            assert info.value.retry_after == 7.0  # its headers are parsed like any error's
            with pytest.raises(APIStatusError) as info:
                async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER):
                    pass
            assert info.value.status_code == status
    assert len(srv.requests) == 2


def test_an_unknown_error_type_stands_for_500() -> None:
    from anyio_claude._errors import status_for_error_type

    assert status_for_error_type("overloaded_error") == 529
    assert status_for_error_type("brand_new_error") == 500
    assert status_for_error_type(None) == 500
    assert status_for_error_type("") == 500


def test_an_error_keeps_what_it_was_given() -> None:
    from anyio_claude import RateLimitInfo
    from anyio_claude.types import Message

    snapshot = Message.model_construct(id="msg_1", content=[])
    limits = RateLimitInfo.from_headers({"retry-after": "3"})
    body = {"error": {"message": 5, "details": ["not", "a dict"], "type": "api_error"}}
    error = APIStatusError(
        "what went wrong",
        status_code=500,
        body=body,
        partial_message=snapshot,
        rate_limits=limits,
    )
    assert error.partial_message is snapshot and error.rate_limits is limits
    assert error.api_message is None and error.details is None and error.error_code is None
    assert error.retry_after == 3.0
    assert error.args == ("what went wrong",) and error.message == "what went wrong"
    plain = anyio_claude.APIConnectionError("cut", partial_message=snapshot)
    assert plain.partial_message is snapshot and str(plain) == "cut"

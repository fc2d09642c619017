"""Middleware with the official SDK's shapes: every attempt's request and response seen,
rewritten, retried or short-circuited, on asyncio and trio and in the blocking client;
cancellation inside a middleware cancels the call and leaks no connection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import anyio
import pytest

from anyio_claude import (
    APIConnectionError,
    APIRequest,
    APIStatusError,
    AsyncAPIResponse,
    AsyncCallNext,
    AsyncClaude,
    Claude,
    Middleware,
    OverloadedError,
    RetryableError,
)
from anyio_claude.testing import ErrorReply, FakeClaude
from anyio_claude.types import Message

from ._marks import official_generators_left_open

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
USER = [{"role": "user", "content": "hi"}]
Response = AsyncAPIResponse[Any]


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


def client_for(server: FakeClaude, *middleware: Any, **options: Any) -> AsyncClaude:
    return AsyncClaude(api_key="k", base_url=server.url, middleware=list(middleware), **options)


async def test_each_attempt_passes_through_in_order(server: FakeClaude) -> None:
    seen: list[tuple[str, object]] = []

    def recorder(name: str) -> Any:
        async def record(request: APIRequest, call_next: AsyncCallNext) -> Response:
            seen.append((name, request.retries_taken))
            response = await call_next(request)
            seen.append((name, response.status_code))
            return response

        return record

    server.script(ErrorReply(529, "overloaded_error", "busy"))
    async with client_for(server, recorder("outer"), recorder("inner")) as client:
        message = await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert isinstance(message, Message)
    assert seen == [
        ("outer", 0), ("inner", 0), ("inner", 529), ("outer", 529),
        ("outer", 1), ("inner", 1), ("inner", 200), ("outer", 200),
    ]  # fmt: skip


async def test_an_error_status_is_raised_after_the_chain(server: FakeClaude) -> None:
    statuses: list[int] = []

    async def record(request: APIRequest, call_next: AsyncCallNext) -> Response:
        response = await call_next(request)
        statuses.append(response.status_code)
        return response

    server.script(ErrorReply(529, "overloaded_error", "busy"))
    async with client_for(server, record, max_retries=0) as client:
        with pytest.raises(OverloadedError):
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert client._get_transport().num_active == 0
    assert statuses == [529]


class Rewrite(Middleware):
    async def handle_async(self, request: APIRequest, call_next: AsyncCallNext) -> Response:
        body = request.json
        if body is not None:
            body["max_tokens"] = 3
        changed = request.copy(body=body, headers={"x-tag": "t", "anthropic-beta": "b-1"})
        return await call_next(changed)


async def test_a_middleware_rewrites_the_request(server: FakeClaude) -> None:
    async with client_for(server, Rewrite()) as client:
        message = await client.messages.create(model=MODEL, max_tokens=50, messages=USER)
        async with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as stream:
            streamed = await stream.get_final_message()
        await client.models.list(limit=3)
    assert message.usage.output_tokens == streamed.usage.output_tokens == 3
    assert [r.json.get("max_tokens") for r in server.requests[:2]] == [3, 3]
    assert all(r.headers["x-tag"] == "t" for r in server.requests)
    assert server.requests[0].headers["anthropic-beta"] == "b-1"
    assert server.requests[0].headers["x-api-key"] == "k"  # client headers kept
    assert server.requests[2].path.endswith("?limit=3")


async def test_a_middleware_parses_and_short_circuits(server: FakeClaude) -> None:
    cache: dict[str, object] = {}

    async def cached(request: APIRequest, call_next: AsyncCallNext) -> Any:
        key = repr(request.json)
        if key in cache:
            return cache[key]
        response = await call_next(request)
        cache[key] = await response.parse()
        return response

    async with client_for(server, cached) as client:
        first = await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        again = await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=5, messages=USER
        )
    # The cached value is returned as it is, by the plain and the raw view alike.
    assert again == first and raw is again
    assert len(server.requests) == 1


async def test_retryable_error_retries_the_attempt(server: FakeClaude) -> None:
    calls: list[int] = []

    async def flaky(request: APIRequest, call_next: AsyncCallNext) -> Response:
        calls.append(request.retries_taken)
        if request.retries_taken == 0:
            raise RetryableError("once more")
        return await call_next(request)

    async with client_for(server, flaky) as client:
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        with pytest.raises(RetryableError):
            await client.with_options(max_retries=0).messages.create(
                model=MODEL, max_tokens=5, messages=USER
            )
    assert calls == [0, 1, 0]


async def test_errors_a_middleware_raises_retry_by_their_type(server: FakeClaude) -> None:
    """As the official SDK: an `APIStatusError` raised by a middleware is retried by its
    status (and `x-should-retry`), a connection error as one, either also as the cause of
    another error; any other error propagates at once."""
    raised: list[BaseException] = []
    calls: list[int] = []

    async def failing(request: APIRequest, call_next: AsyncCallNext) -> Response:
        calls.append(request.retries_taken)
        if raised:
            raise raised.pop(0)
        return await call_next(request)

    def wrapped(cause: BaseException) -> BaseException:
        try:
            raise cause
        except BaseException as exc:
            try:
                raise ValueError("wrapped") from exc
            except ValueError as outer:
                return outer

    async with client_for(server, failing, max_retries=1) as client:
        cases: list[tuple[BaseException, int]] = [
            (APIStatusError("busy", status_code=529), 2),
            (wrapped(APIStatusError("unavailable", status_code=503)), 2),
            (wrapped(APIConnectionError("reset")), 2),
            (wrapped(RetryableError("again")), 2),
            (APIStatusError("bad", status_code=400), 1),
            (ValueError("a bug"), 1),
        ]
        for error, attempts in cases:
            calls.clear()
            raised[:] = [error]
            if attempts == 2:
                await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
            else:
                with pytest.raises(type(error)):
                    await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
            assert calls == list(range(attempts)), error
        # Out of retries, the middleware's own error is raised as it is.
        calls.clear()
        raised[:] = [APIStatusError("busy", status_code=529), APIStatusError("x", status_code=529)]
        with pytest.raises(APIStatusError, match="x"):
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert calls == [0, 1]
        assert client._get_transport().num_active == 0


async def test_responses_a_middleware_drops_are_closed(server: FakeClaude) -> None:
    async def twice(request: APIRequest, call_next: AsyncCallNext) -> Response:
        await call_next(request)  # dropped unread
        return await call_next(request)

    async with client_for(server, twice) as client:
        async with client.messages.stream(model=MODEL, max_tokens=5, messages=USER) as stream:
            await stream.get_final_message()
        transport = client._get_transport()
        assert transport.num_active == 0
    assert len(server.requests) == 2


async def test_cancellation_inside_a_middleware_cancels_the_call(server: FakeClaude) -> None:
    entered = anyio.Event()

    async def stuck(request: APIRequest, call_next: AsyncCallNext) -> Response:
        response = await call_next(request)
        entered.set()
        await anyio.sleep_forever()
        return response

    async with client_for(server, stuck) as client:
        async with anyio.create_task_group() as group:

            async def call() -> None:
                await client.messages.stream(model=MODEL, max_tokens=5, messages=USER).__aenter__()

            group.start_soon(call)
            await entered.wait()
            group.cancel_scope.cancel()
        transport = client._get_transport()
        assert transport.num_active == 0
        # The client still works.
        await client.with_options(middleware=[]).messages.create(
            model=MODEL, max_tokens=5, messages=USER
        )


def test_wrong_middleware_is_refused_before_any_io() -> None:
    async def async_one(request: APIRequest, call_next: Any) -> Any:
        return await call_next(request)

    def sync_one(request: APIRequest, call_next: Any) -> Any:
        return call_next(request)

    with pytest.raises(TypeError, match="middleware sync_one is not an async function"):
        AsyncClaude(api_key="k", middleware=[sync_one])
    with pytest.raises(TypeError, match="middleware async_one is an async function"):
        Claude(api_key="k", middleware=[async_one])
    with pytest.raises(TypeError, match="middleware Middleware does not implement handle_async"):
        AsyncClaude(api_key="k", middleware=[Middleware()])
    with pytest.raises(TypeError, match="middleware must be a list, got function"):
        AsyncClaude(api_key="k", middleware=sync_one)  # type: ignore[arg-type]
    client = AsyncClaude(api_key="k", middleware=[async_one])
    rewrite = Rewrite()
    assert client.with_middleware(rewrite).middleware == (async_one, rewrite)
    assert client.with_options(max_retries=1).middleware == (async_one,)


def test_blocking_middleware() -> None:
    seen: list[object] = []

    class Record(Middleware):
        def handle(self, request: APIRequest, call_next: Any) -> Any:
            seen.append(request.retries_taken)
            response = call_next(request)
            parsed = response.parse() if response.status_code == 200 else None
            seen.append((response.status_code, type(parsed).__name__))
            return response

    with FakeClaude.run_in_thread() as server:
        server.script(ErrorReply(529, "overloaded_error", "busy"))
        with Claude(api_key="k", base_url=server.url, middleware=[Record()]) as client:
            message = client.messages.create(model=MODEL, max_tokens=5, messages=USER)
            short = client.with_options(middleware=[lambda request, call_next: "cached"])
            assert short.messages.create(model=MODEL, max_tokens=5, messages=USER) == "cached"
    assert isinstance(message, Message)
    assert seen == [0, (529, "NoneType"), 1, (200, "Message")]


async def test_requests_show_no_secrets_and_uploads_have_no_json(server: FakeClaude) -> None:
    seen: list[APIRequest] = []

    async def keep(request: APIRequest, call_next: AsyncCallNext) -> Response:
        seen.append(request)
        return await call_next(request)

    async with client_for(server, keep) as client:
        await client.files.upload(file=("a.txt", b"hello", "text/plain"))
    (request,) = seen
    assert request.json is None and request.method == "POST" and request.url == "/v1/files"
    assert request.headers["x-api-key"] == "k"  # sent, but never shown
    assert "'k'" not in repr(request.headers) and "<redacted>" in repr(request.headers)


async def test_credentials_go_on_what_the_chain_sends(server: FakeClaude) -> None:
    from anyio_claude import WorkloadIdentityCredentials

    from .test_credentials import JWT, ORG, RULE

    credentials = WorkloadIdentityCredentials(
        identity_token_provider=lambda: JWT, federation_rule_id=RULE, organization_id=ORG
    )
    async with AsyncClaude(
        credentials=credentials, base_url=server.url, middleware=[Rewrite()]
    ) as client:
        await client.models.list()
        server.oauth.revoke(server.oauth.issued[0])
        await client.models.list()  # a 401: the token is dropped and the attempt retried
    models = [r for r in server.requests if r.path.startswith("/v1/models")]
    assert [r.headers["authorization"] for r in models] == [
        f"Bearer {server.oauth.issued[0]}",
        f"Bearer {server.oauth.issued[0]}",
        f"Bearer {server.oauth.issued[1]}",
    ]
    assert all(r.headers["x-tag"] == "t" for r in models)


@official_generators_left_open
async def test_a_body_a_middleware_read_is_served_to_what_reads_it_itself() -> None:
    # A middleware that reads the body (as the refusal fallback does with a plain reply)
    # returns a read response: a streaming view, a stream and a download then read it from
    # memory, as they do with the official SDK (ours raised ClaudeError here).
    async def reader(request: APIRequest, call_next: AsyncCallNext) -> Response:
        response = await call_next(request)
        await response.read()
        return response

    results = []
    for official in (False, True):
        async with FakeClaude(seed=7) as server:
            generated = server.files.add(b"col\n" * 1000, filename="out.csv")
            sdk: Any = anthropic.AsyncAnthropic if official else AsyncClaude
            async with sdk(api_key="k", base_url=server.url, middleware=[reader]) as client:
                async with client.messages.with_streaming_response.create(
                    model=MODEL, max_tokens=5, messages=USER
                ) as response:
                    assert response.retries_taken == 0
                    view = json.loads(await response.read())["content"]
                async with client.messages.stream(
                    model=MODEL, max_tokens=5, messages=USER
                ) as stream:
                    chunks = [chunk async for chunk in stream.text_stream]
                    final = (await stream.get_final_message()).content[0].text
                download = await client.beta.files.download(generated["id"])
                body = await download.read()
                if not official:
                    assert client._get_transport().num_active == 0
        results.append((view, chunks, final, body))
    ours, theirs = results
    assert ours == theirs
    assert "".join(ours[1]) == ours[2] and ours[3] == b"col\n" * 1000


def test_a_body_a_blocking_middleware_read_is_served_to_a_streaming_view() -> None:
    def reader(request: APIRequest, call_next: Any) -> Any:
        response = call_next(request)
        response.read()
        return response

    with (
        FakeClaude.run_in_thread() as server,
        Claude(api_key="k", base_url=server.url, middleware=[reader]) as client,
    ):
        with client.messages.with_streaming_response.create(
            model=MODEL, max_tokens=5, messages=USER
        ) as response:
            assert json.loads(response.read())["type"] == "message"
        with client.messages.stream(model=MODEL, max_tokens=5, messages=USER) as stream:
            text = "".join(stream.text_stream)
            assert text and stream.get_final_text() == text

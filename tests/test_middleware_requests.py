"""What a middleware sees and what its changed request sends: `APIRequest` and its `copy`,
the request each attempt starts from (path prefix, query, stream flag), the request a
changed copy puts on the wire, and the checks made before any I/O."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from anyio_claude import (
    APIRequest,
    AsyncCallNext,
    AsyncClaude,
    Claude,
    ClaudeError,
    Middleware,
    Timeout,
    omit,
)
from anyio_claude._middleware import checked
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
USER = [{"role": "user", "content": "hi"}]


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


def request(**changes: Any) -> APIRequest:
    fields: dict[str, Any] = {
        "method": "post",
        "url": "/v1/messages",
        "headers": {"X-Api-Key": "secret", "Anthropic-Beta": "b-1"},
        "query_params": {"a": "1"},
        "body": b'{"model":"m","max_tokens":5}',
        "timeout": Timeout(10.0),
        "max_retries": 3,
        "retries_taken": 1,
        "stream": False,
        "query": "a=1",
        **changes,
    }
    return APIRequest(**fields)


def test_a_request_and_its_copies() -> None:
    assert request().beta is False  # not a `client.beta` call unless told
    original = request(beta=True)
    assert original.json == {"model": "m", "max_tokens": 5}
    body = original.json
    body["model"] = "changed"  # a copy: the request is unchanged
    assert original.json["model"] == "m"
    assert request(body=None).json is None and request(body=b"").json is None
    assert request(body=b"--boundary\r\n").json is None  # not JSON: an upload
    assert repr(original) == "<APIRequest method='post' url='/v1/messages' stream=False>"

    same = original.copy()
    assert (same.method, same.url, same.timeout, same.query_params) == (
        "post", "/v1/messages", original.timeout, {"a": "1"}
    )  # fmt: skip
    assert (same.max_retries, same.retries_taken, same.stream, same.beta) == (3, 1, False, True)
    assert same.json == original.json and same._query == "a=1" and same._body == original._body

    timeout = Timeout(2.0)
    changed = original.copy(
        method="GET",
        url="/v1/models",
        headers={"x-api-key": "other", "ANTHROPIC-BETA": omit, "X-New": "v"},
        params={"limit": 2},
        body={"model": "n"},
        timeout=timeout,
    )
    assert (changed.method, changed.url, changed.timeout) == ("GET", "/v1/models", timeout)
    assert dict(changed.headers) == {"x-api-key": "other", "x-new": "v"}
    assert changed.query_params == {"limit": 2} and changed._query is None
    assert changed.json == {"model": "n"} and changed._body == b'{"model":"n"}'
    assert (changed.max_retries, changed.retries_taken, changed.beta) == (3, 1, True)
    assert "other" not in repr(changed.headers)
    assert original.headers == {"X-Api-Key": "secret", "Anthropic-Beta": "b-1"}


def test_middleware_is_checked_before_any_io() -> None:
    async def async_one(request: APIRequest, call_next: Any) -> Any:
        return await call_next(request)

    def sync_one(request: APIRequest, call_next: Any) -> Any:
        return call_next(request)

    class AsyncCallable:
        async def __call__(self, request: APIRequest, call_next: Any) -> Any:
            return await call_next(request)

    class SyncCallable:
        def __call__(self, request: APIRequest, call_next: Any) -> Any:
            return call_next(request)

    class Both(Middleware):
        def handle(self, request: APIRequest, call_next: Any) -> Any:
            return call_next(request)

        async def handle_async(self, request: APIRequest, call_next: AsyncCallNext) -> Any:
            return await call_next(request)

    class SyncAsAsync(Middleware):
        def handle_async(self, request: APIRequest, call_next: Any) -> Any:  # type: ignore[override]
            return call_next(request)

    class AsyncAsSync(Middleware):
        async def handle(self, request: APIRequest, call_next: Any) -> Any:  # type: ignore[override]
            return call_next(request)

    both, async_callable, sync_callable = Both(), AsyncCallable(), SyncCallable()
    assert checked(None, blocking=False) == () and checked(None, blocking=True) == ()
    assert checked([async_one, both, async_callable], blocking=False) == (
        async_one, both, async_callable
    )  # fmt: skip
    assert checked(iter([sync_one, both, sync_callable]), blocking=True) == (
        sync_one, both, sync_callable
    )  # fmt: skip
    refused: list[tuple[Any, bool, str]] = [
        ("abc", False, "middleware must be a list, got str"),
        (b"abc", True, "middleware must be a list, got bytes"),
        (3, False, "middleware must be a list, got int"),
        ([Middleware()], True, "middleware Middleware does not implement handle\\(\\)"),
        ([SyncAsAsync()], False, "middleware SyncAsAsync defines handle_async\\(\\) as a sync function"),
        ([AsyncAsSync()], True, "middleware AsyncAsSync defines handle\\(\\) as an async function"),
        ([async_callable], True, "middleware <.*AsyncCallable object at .*> is an async function"),
        ([sync_callable], False, "middleware <.*SyncCallable object at .*> is not an async function"),
        ([async_one, 5], False, "middleware 5 is not callable"),
    ]  # fmt: skip
    for value, blocking, message in refused:
        with pytest.raises(TypeError, match=f"^{message}"):
            checked(value, blocking=blocking)
    with pytest.raises(TypeError, match="sync_one is not an async function"):
        AsyncClaude(api_key="k", middleware=[sync_one])
    with pytest.raises(TypeError, match="async_one is an async function"):
        Claude(api_key="k", middleware=[async_one])


async def test_what_the_chain_starts_from() -> None:
    """The path without the base URL's prefix, the query parsed (blank values kept), the
    stream flag and the beta flag; a value returned instead of a response is the call's
    result, so no I/O happens."""
    seen: list[APIRequest] = []

    async def answer(request: APIRequest, call_next: AsyncCallNext) -> Any:
        seen.append(request)
        return "short"

    async with AsyncClaude(
        api_key="k",
        base_url="http://127.0.0.1:9/prefix",
        middleware=[answer],
        max_retries=0,
        timeout=Timeout(12.5, connect=1.0),
    ) as client:
        assert await client.models.list(limit=2, extra_query={"blank": ""}) == "short"
        params: Any = {"model": MODEL, "max_tokens": 5, "messages": USER}
        assert await client.messages.create(**params, stream=True) == "short"
        assert await client.beta.messages.create(**params) == "short"
    listing, streamed, beta = seen
    assert (listing.method, listing.url) == ("GET", "/v1/models")
    assert listing.query_params == {"limit": "2", "blank": ""}
    assert listing.json is None and not listing.stream and not listing.beta
    assert listing.timeout == Timeout(12.5, connect=1.0)
    assert (streamed.url, streamed.stream, streamed.beta) == ("/v1/messages", True, False)
    assert (beta.stream, beta.beta, beta.retries_taken, beta.max_retries) == (False, True, 0, 0)
    assert beta.headers["x-api-key"] == "k"


async def test_a_changed_request_is_what_is_sent(server: FakeClaude) -> None:
    async def change(request: APIRequest, call_next: AsyncCallNext) -> Any:
        return await call_next(
            request.copy(
                method="get",
                url="/v1/models",
                params={"limit": 1, "after_id": None, "tag": ["a b", True]},
                headers={"x-api-key": "k2", "x-extra": "é", "x-stainless-retry-count": omit},
                body={"ignored": True},
            )
        )

    async def keep_query(request: APIRequest, call_next: AsyncCallNext) -> Any:
        return await call_next(request.copy(headers={"x-tag": "t"}))

    async with AsyncClaude(api_key="k", base_url=server.url, middleware=[change]) as client:
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=5, messages=USER
        )
    async with AsyncClaude(api_key="k", base_url=server.url, middleware=[keep_query]) as client:
        # A repeated key too, which `query_params` (a dict) holds once: the query the
        # client wrote is sent as it was.
        await client.models.list(limit=3, extra_query={"blank": "", "tag": ["x", "y"]})
    changed, kept = server.requests
    assert changed.method == "GET"
    assert changed.path == "/v1/models?limit=1&tag%5B%5D=a+b&tag%5B%5D=true"
    assert changed.headers["x-api-key"] == "k2"
    assert changed.headers["x-extra"] == "é"
    assert "x-stainless-retry-count" not in changed.headers
    assert changed.json == {"ignored": True}
    assert raw.status_code == 200
    assert (
        kept.path == "/v1/models?limit=3&blank=&tag%5B%5D=x&tag%5B%5D=y"
        and kept.headers["x-tag"] == "t"
    )


async def test_a_call_whose_response_cannot_be_parsed_or_replaced(server: FakeClaude) -> None:
    file_id = server.files.add(b"data", filename="a.bin")["id"]
    errors: list[BaseException] = []

    async def parse(request: APIRequest, call_next: AsyncCallNext) -> Any:
        response = await call_next(request)
        try:
            await response.parse()
        except ClaudeError as exc:
            errors.append(exc)
        return response

    async def replace(request: APIRequest, call_next: AsyncCallNext) -> Any:
        return "value"

    async with AsyncClaude(api_key="k", base_url=server.url, middleware=[parse]) as client:
        async with client.beta.files.download(file_id) as response:
            assert await response.read() == b"data"
        assert client._get_transport().num_active == 0
        short = client.with_options(middleware=[replace])
        with pytest.raises(ClaudeError) as info:
            async with short.beta.files.download(file_id):
                pass
        assert info.value.value == "value"  # type: ignore[attr-defined]
        assert str(info.value) == (
            "a middleware returned a value in place of a response, which this call "
            "(a streaming-response view, a download or batch results) cannot return"
        )
    assert [str(e) for e in errors] == ["this call's response cannot be parsed in middleware"]


async def test_the_base_class_passes_the_request_on(server: FakeClaude) -> None:
    seen: list[str] = []

    class Note(Middleware):
        async def handle_async(self, request: APIRequest, call_next: AsyncCallNext) -> Any:
            seen.append(request.url)
            return await super().handle_async(request, call_next)

        def handle(self, request: APIRequest, call_next: Any) -> Any:
            seen.append(request.url)
            return super().handle(request, call_next)

    async with AsyncClaude(api_key="k", base_url=server.url, middleware=[Note()]) as client:
        await client.models.list()
    with FakeClaude.run_in_thread() as threaded:
        with Claude(api_key="k", base_url=threaded.url, middleware=[Note()]) as blocking:
            blocking.models.list()
        assert len(threaded.requests) == 1
    assert seen == ["/v1/models", "/v1/models"] and len(server.requests) == 1


def test_the_transport_request_of_a_changed_request() -> None:
    from anyio_claude._middleware import _request_of
    from anyio_claude._secret import SecretBytes

    changed = request(
        headers={"X-Api-Key": "secret", "X-Other": "é"},
        query=None,
        query_params={"a": [1, 2], "b": None},
    )
    sent = _request_of(b"/prefix", changed)
    assert (sent.method, sent.target, sent.content) == (
        "POST",
        b"/prefix/v1/messages?a%5B%5D=1&a%5B%5D=2",
        b'{"model":"m","max_tokens":5}',
    )
    assert sent.headers == [(b"x-api-key", b"secret"), (b"x-other", b"\xe9")]
    # The credential's value hides itself in a repr (a traceback's locals); others do not.
    assert [type(value) for _, value in sent.headers] == [SecretBytes, bytes]
    assert "secret" not in repr(sent.headers) and "xe9" in repr(sent.headers)
    bare = _request_of(b"", request(body=None, query="", query_params={}))
    assert (bare.target, bare.content) == (b"/v1/messages", b"")


async def test_each_response_knows_its_attempt(server: FakeClaude) -> None:
    from anyio_claude.testing import ErrorReply

    seen: list[tuple[int, int]] = []

    async def record(request: APIRequest, call_next: AsyncCallNext) -> Any:
        response = await call_next(request)
        seen.append((response.status_code, response.retries_taken))
        return response

    server.script(ErrorReply(529, "overloaded_error", "busy"))
    async with AsyncClaude(api_key="k", base_url=server.url, middleware=[record]) as client:
        await client.models.list()
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert seen == [(200, 0), (529, 0), (200, 1)]

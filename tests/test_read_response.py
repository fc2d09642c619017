"""A body a middleware read, served again from memory to a call that reads it itself
(`_transport._reply.ReadResponse`): the same head as the transport's response, the
time from sending the request, `is_closed`, and an empty body (found unpinned by
mutation testing, docs/contributing.md)."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import anyio
import pytest

from anyio_claude import APIRequest, AsyncCallNext, AsyncClaude
from anyio_claude.testing import FakeClaude

from ._marks import official_generators_left_open

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
USER = [{"role": "user", "content": "hi"}]
PAUSE = 0.3


async def read_body(request: APIRequest, call_next: AsyncCallNext) -> Any:
    """A middleware that reads the body before handing the response back."""
    response = await call_next(request)
    await response.read()
    return response


async def read_then_pause(request: APIRequest, call_next: AsyncCallNext) -> Any:
    response = await read_body(request, call_next)
    await anyio.sleep(PAUSE)  # counted in `elapsed`: it runs from sending the request
    return response


@official_generators_left_open
async def test_a_served_body_keeps_the_head_and_the_time_of_its_request() -> None:
    seen = []
    for official in (False, True):
        async with FakeClaude(seed=3) as server:
            sdk: Any = anthropic.AsyncAnthropic if official else AsyncClaude
            async with (
                sdk(api_key="k", base_url=server.url, middleware=[read_then_pause]) as client,
                client.messages.with_streaming_response.create(
                    model=MODEL, max_tokens=5, messages=USER
                ) as response,
            ):
                open_before = response.is_closed
                body = json.loads(await response.read())
                seen.append(
                    (
                        response.status_code,
                        response.http_version,
                        str(response.url).removeprefix(server.url),
                        response.http_request.method,
                        response.is_closed,
                        body["type"],
                    )
                )
            if not official:
                assert client._get_transport().num_active == 0
                assert response.http_request.url == f"{server.url}/v1/messages"
                # Served from memory, it reads as open until read (the official SDK's
                # reads as closed, and its `read()` serves the body all the same).
                assert open_before is False
                # From sending the request (the official SDK stops at the middleware's
                # read), so a pause after it counts.
                assert response.elapsed.total_seconds() >= PAUSE * 0.9
    ours, theirs = seen
    assert (
        ours
        == theirs
        == (
            200,
            "HTTP/1.1",
            "/v1/messages",
            "POST",
            True,
            "message",
        )
    )


@official_generators_left_open
async def test_an_empty_body_a_middleware_read_is_served_empty() -> None:
    bodies = []
    for official in (False, True):
        async with FakeClaude() as server:
            empty = server.files.add(b"", filename="empty.txt")
            sdk: Any = anthropic.AsyncAnthropic if official else AsyncClaude
            async with sdk(api_key="k", base_url=server.url, middleware=[read_body]) as client:
                download = await client.beta.files.download(empty["id"])
                bodies.append((await download.read(), download.is_closed))
    assert bodies == [(b"", True), (b"", True)]


@official_generators_left_open
async def test_a_served_body_iterates_as_one_chunk() -> None:
    seen = []
    for official in (False, True):
        async with FakeClaude(seed=5) as server:
            sdk: Any = anthropic.AsyncAnthropic if official else AsyncClaude
            async with (
                sdk(api_key="k", base_url=server.url, middleware=[read_body]) as client,
                client.messages.with_streaming_response.create(
                    model=MODEL, max_tokens=5, messages=USER
                ) as response,
            ):
                chunks = [chunk async for chunk in response.iter_bytes()]
            seen.append((len(chunks), json.loads(b"".join(chunks))["content"]))
    ours, theirs = seen
    assert ours == theirs and ours[0] == 1

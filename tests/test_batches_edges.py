"""`messages.batches` at its edges: results read across chunks from a URL under the
client's path prefix, invalid lines and the overall timeout while reading them, every
call's timeout and options, `wait`'s arguments and polling (found unpinned by mutation
testing, docs/contributing.md)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import (
    APIResponseValidationError,
    APITimeoutError,
    AsyncClaude,
    ClaudeError,
    Timeout,
)
from anyio_claude.resources import _batches
from anyio_claude.types import MessageBatch

from ._servers import Handler, RawServer, fixed, raw_server, response

pytestmark = pytest.mark.anyio

KEY = "sk-ant-batches-test"
BATCH_ID = "msgbatch_01"


def batch(url: str | None, status: str = "ended") -> bytes:
    counts = {"processing": 0, "succeeded": 2, "errored": 0, "canceled": 0, "expired": 0}
    return json.dumps(
        {
            "id": BATCH_ID,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "created_at": "2026-12-05T01:24:29Z",
            "expires_at": "2026-12-06T01:24:29Z",
            "ended_at": "2026-12-05T01:24:30Z" if status == "ended" else None,
            "results_url": url,
        }
    ).encode()


def line(custom_id: str) -> bytes:
    return json.dumps({"custom_id": custom_id, "result": {"type": "expired"}}).encode()


def batch_server(pieces: list[bytes], stall: bool = False) -> Callable[[RawServer], Handler]:
    """A handler: the batch (results under `/prefix`), then its results in `pieces`,
    each its own write, then (with `stall`) nothing more."""

    def make(server: RawServer) -> Handler:
        async def handler(stream: SocketStream, request: bytes) -> None:
            target = request.split(b" ", 2)[1]
            if b"/results" not in target:
                url = f"{server.url}/prefix/v1/messages/batches/{BATCH_ID}/results"
                await stream.send(response(batch(url), headers={"request-id": "req_batch"}))
                return
            length = sum(map(len, pieces)) + (1 if stall else 0)
            await stream.send(
                f"HTTP/1.1 200 OK\r\ncontent-length: {length}\r\n"
                "request-id: req_results\r\n\r\n".encode()
            )
            for piece in pieces:
                await stream.send(piece)
                await anyio.sleep(0.02)
            if stall:
                await anyio.sleep_forever()

        return handler

    return make


@asynccontextmanager
async def serve(make: Callable[[RawServer], Handler]) -> AsyncIterator[RawServer]:
    async with raw_server(fixed(b"")) as server:
        server.handler = make(server)  # it needs the server's own URL
        yield server


async def test_results_across_chunks_from_under_the_path_prefix() -> None:
    pieces = [
        line("a")[:10],
        line("a")[10:] + b"\n\n" + line("b")[:5],
        line("b")[5:],
        b"\n",
        line("c"),
    ]
    async with serve(batch_server(pieces)) as server:
        async with AsyncClaude(
            api_key=KEY, base_url=server.url + "/prefix", max_retries=0
        ) as client:
            async with client.messages.batches.results(
                BATCH_ID, workspace_id="wrkspc_1", extra_query={"q": "1"}
            ) as results:
                ids = [result.custom_id async for result in results]
    assert ids == ["a", "b", "c"]
    first, second = server.requests
    assert first.startswith(f"GET /prefix/v1/messages/batches/{BATCH_ID} ".encode())
    assert second.startswith(f"GET /prefix/v1/messages/batches/{BATCH_ID}/results?q=1 ".encode())
    for request in (first, second):
        assert b"\r\nanthropic-workspace-id: wrkspc_1\r\n" in request
    assert b"\r\naccept: application/binary\r\n" in second


async def test_an_invalid_result_line_is_a_validation_error_with_the_request_id() -> None:
    async with serve(batch_server([line("a") + b"\n{not json}\n" + line("c")])) as server:
        async with AsyncClaude(api_key=KEY, base_url=server.url + "/prefix") as client:
            results = await client.messages.batches.results(BATCH_ID)
            assert (await results.__anext__()).custom_id == "a"
            with pytest.raises(APIResponseValidationError) as info:
                await results.__anext__()
            with pytest.raises(StopAsyncIteration):  # closed by the error
                await results.__anext__()
    error = info.value
    assert str(error).startswith("invalid batch result line: batch result line is not valid")
    assert (error.status_code, error.request_id) == (200, "req_results")


async def test_reading_results_keeps_to_the_overall_timeout() -> None:
    async with serve(batch_server([line("a") + b"\n"], stall=True)) as server:
        async with AsyncClaude(api_key=KEY, base_url=server.url + "/prefix") as client:
            timeout = Timeout(connect=5, read=30, write=5, pool=5, total=1.0)
            results = await client.messages.batches.results(BATCH_ID, timeout=timeout)
            assert (await results.__anext__()).custom_id == "a"
            with anyio.fail_after(10), pytest.raises(APITimeoutError) as info:
                await results.__anext__()
            with pytest.raises(StopAsyncIteration):
                await results.__anext__()
    assert info.value.message == "the request's overall timeout expired while reading batch results"
    assert info.value.request_id == "req_results"


async def test_results_of_a_batch_still_processing_say_so() -> None:
    async with raw_server(
        lambda stream, request: stream.send(response(batch(None, "in_progress")))
    ) as server:
        async with AsyncClaude(api_key=KEY, base_url=server.url) as client:
            with pytest.raises(
                ClaudeError,
                match=rf"^batch {BATCH_ID} has no results yet \(processing_status="
                r"'in_progress'\); wait until it has ended$",
            ):
                await client.messages.batches.results(BATCH_ID)
            with pytest.raises(ValueError, match="message_batch_id"):
                client.messages.batches.results("")


async def test_every_call_keeps_to_its_timeout_and_quotes_the_id() -> None:
    async def silent(stream: SocketStream, request: bytes) -> None:
        await anyio.sleep_forever()

    requests = [{"custom_id": "a", "params": {"model": "m", "max_tokens": 1, "messages": []}}]
    async with (
        raw_server(silent) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0, timeout=30) as client,
    ):
        batches = client.messages.batches
        beta = client.beta.messages.batches
        calls = [
            lambda: batches.create(requests=requests, timeout=0.2),  # type: ignore[arg-type]
            lambda: batches.retrieve("a/b", timeout=0.2),
            lambda: batches.list(timeout=0.2),
            lambda: batches.cancel("a/b", timeout=0.2),
            lambda: batches.delete("a/b", timeout=0.2),
            lambda: batches.results("a/b", timeout=0.2),
            lambda: beta.create(requests=requests, timeout=0.2),  # type: ignore[arg-type]
            lambda: beta.list(timeout=0.2),
            lambda: beta.results("a/b", timeout=0.2),
        ]
        for call in calls:
            with anyio.fail_after(10), pytest.raises(APITimeoutError):
                await call()
    assert server.requests[1].startswith(b"GET /v1/messages/batches/a%2Fb ")


async def test_beta_calls_send_extra_body_and_work_without_betas() -> None:
    async def echo(stream: SocketStream, request: bytes) -> None:
        await stream.send(response(batch(None, "in_progress")))

    async with (
        raw_server(echo) as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        beta = client.beta.messages.batches
        await beta.create(requests=[], extra_body={"note": "x"})
        assert json.loads(server.requests[-1].partition(b"\r\n\r\n")[2]) == {
            "requests": [],
            "note": "x",
        }
        await beta.retrieve(BATCH_ID)  # no betas given
        assert b"anthropic-beta" not in server.requests[-1]


async def test_wait_checks_its_arguments() -> None:
    async with AsyncClaude(api_key=KEY, base_url="http://127.0.0.1:9") as client:
        batches = client.messages.batches
        with pytest.raises(
            ValueError,
            match=r"^poll_interval must be positive and max_poll_interval at least "
            r"poll_interval, got 0 and 60.0$",
        ):
            await batches.wait(BATCH_ID, poll_interval=0)
        with pytest.raises(ValueError, match=r"got 2.0 and 1.0$"):
            await batches.wait(BATCH_ID, poll_interval=2.0, max_poll_interval=1.0)
        with pytest.raises(
            ValueError, match=r"^timeout must be 0 or more seconds or None, got -1$"
        ):
            await batches.wait(BATCH_ID, timeout=-1)
        with pytest.raises(TypeError, match="workspace_id"):
            await batches.wait(BATCH_ID, workspace_id=5)  # type: ignore[arg-type]


async def test_wait_polls_ever_longer_up_to_the_maximum() -> None:
    polls: list[float] = []

    async def handler(stream: SocketStream, request: bytes) -> None:
        polls.append(time.monotonic())
        status = "ended" if len(polls) == 5 else "in_progress"
        await stream.send(response(batch(None, status)))

    seen: list[MessageBatch] = []
    async with (
        raw_server(handler) as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        ended = await client.messages.batches.wait(
            BATCH_ID,
            poll_interval=0.05,
            max_poll_interval=0.05 * 1.5**2,
            timeout=60,
            on_poll=seen.append,
            workspace_id="wrkspc_1",
        )
        # Equal intervals are allowed, and a timeout of 0 is a deadline, not an error.
        with pytest.raises(TimeoutError):
            await client.messages.batches.wait(
                BATCH_ID, poll_interval=0.05, max_poll_interval=0.05, timeout=0
            )
    assert ended.processing_status == "ended" and len(seen) == 5
    assert all(b"\r\nanthropic-workspace-id: wrkspc_1\r\n" in r for r in server.requests[:5])
    gaps = [b - a for a, b in itertools.pairwise(polls[:5])]
    # Sleeps never end early: each gap is at least its interval (1.5 times the last,
    # up to the maximum).
    for gap, interval in zip(gaps, [0.05, 0.075, 0.1125, 0.1125], strict=True):
        assert gap >= interval * 0.95, (gaps, interval)


class _RecordedSleeps:
    """`anyio` as `_batches` sees it, with `sleep` recording each wait instead of
    waiting (a unit test of `wait` alone: the client and server keep the real anyio)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(anyio, name)


async def test_wait_polls_after_1_s_then_1_5_times_longer_up_to_60_s(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The defaults docs/batches.md gives: poll_interval=1.0, max_poll_interval=60.0.
    sleeps = _RecordedSleeps()
    monkeypatch.setattr(_batches, "anyio", sleeps)
    polls = 0

    async def handler(stream: SocketStream, request: bytes) -> None:
        nonlocal polls
        polls += 1
        await stream.send(response(batch(None, "ended" if polls == 14 else "in_progress")))

    async with (
        raw_server(handler) as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        ended = await client.messages.batches.wait(BATCH_ID)
    assert ended.processing_status == "ended"
    expected = [min(1.5**n, 60.0) for n in range(13)]
    assert sleeps.waits == pytest.approx(expected), sleeps.waits
    assert expected[-3:] == [57.6650390625, 60.0, 60.0]


async def test_delete_gives_the_deleted_batch() -> None:
    deleted = json.dumps({"id": BATCH_ID, "type": "message_batch_deleted"}).encode()
    async with (
        raw_server(fixed(deleted)) as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        gone = await client.messages.batches.delete(BATCH_ID)
    assert (gone.id, gone.type) == (BATCH_ID, "message_batch_deleted")
    assert server.requests[0].startswith(f"DELETE /v1/messages/batches/{BATCH_ID} ".encode())

"""What happens to clients that are never closed (docs/lifetime.md)."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

import anyio_claude
from anyio_claude import AsyncClaude, Claude
from anyio_claude.testing import FakeClaude
from anyio_claude.types import MessageParam

from ._servers import fixed, raw_server

MODEL = "claude-sonnet-5-5"
USER: list[MessageParam] = [{"role": "user", "content": "hi"}]


def _open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


def _loop_threads(before: frozenset[threading.Thread]) -> int:
    """The blocking clients' loop threads, and the threads closing collected ones, but for
    those in `before` (an earlier test's collected client may still be closing)."""
    return sum(
        thread.name.startswith("anyio-claude") and thread not in before
        for thread in threading.enumerate()
    )


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
def sync_server() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread() as server:
        yield server


def _settled(count: Callable[[], int], limit: int) -> int:
    # A collected client is closed by a thread of its own, and the server closes its side
    # of each connection once it sees the client's close: both take a moment.
    deadline = time.monotonic() + 5
    while (now := count()) > limit and time.monotonic() < deadline:
        time.sleep(0.01)
    return now


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_unclosed_blocking_clients_are_cleaned_up_when_collected(
    sync_server: FakeClaude, backend: str
) -> None:
    sockets, before = _open_sockets(), frozenset(threading.enumerate())

    def new_threads() -> int:
        return _loop_threads(before)

    def use_and_forget(in_a_cycle: bool) -> None:
        client = Claude(api_key="k", base_url=sync_server.url, backend=backend)
        client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert new_threads() > 0 and _open_sockets() > sockets
        if in_a_cycle:  # then only gc.collect() finds it, with its sockets, in one pass
            cycle: list[object] = [client]
            cycle.append(cycle)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(5):
            use_and_forget(in_a_cycle=i % 2 == 0)
        gc.collect()
    assert _settled(new_threads, 0) == 0
    assert _settled(_open_sockets, sockets) <= sockets


def test_a_collected_copy_leaves_the_shared_thread_running(sync_server: FakeClaude) -> None:
    with Claude(api_key="k", base_url=sync_server.url) as client:
        client.with_options(max_retries=0).messages.create(model=MODEL, max_tokens=5, messages=USER)
        gc.collect()
        message = client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert message.content


def test_a_collected_copy_with_a_pool_of_its_own_closes_it(sync_server: FakeClaude) -> None:
    with Claude(api_key="k", base_url=sync_server.url) as client:
        client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        sockets = _open_sockets()
        copy = client.with_options(max_connections=4)
        copy.messages.create(model=MODEL, max_tokens=5, messages=USER)
        assert _open_sockets() > sockets
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            del copy
            gc.collect()
        assert _settled(_open_sockets, sockets) <= sockets
        assert client.messages.create(model=MODEL, max_tokens=5, messages=USER).content


@pytest.mark.anyio
async def test_an_unclosed_async_client_warns_when_collected(server: FakeClaude) -> None:
    client = AsyncClaude(api_key="k", base_url=server.url)
    await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    with pytest.warns(ResourceWarning) as caught:
        del client
        gc.collect()
    ours = [
        str(w.message) for w in caught if "an AsyncClaude was garbage collected" in str(w.message)
    ]
    assert len(ours) == 1 and "1 open connection(s)" in ours[0] and "close()" in ours[0]


@pytest.mark.anyio
async def test_a_closed_or_socketless_async_client_does_not_warn(server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=server.url) as closed:
        await closed.messages.create(model=MODEL, max_tokens=5, messages=USER)
    unused = anyio_claude.AsyncClaude(api_key="k", base_url=server.url)
    page = b'{"data": [], "has_more": false, "first_id": null, "last_id": null}'
    async with raw_server(fixed(page, headers={"connection": "close"}), keep_alive=False) as srv:
        drained = AsyncClaude(api_key="k", base_url=srv.url)
        assert (await drained.models.list()).data == []
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            del closed, unused, drained
            gc.collect()


def test_a_blocking_client_used_after_fork_fails_fast_in_the_child(
    sync_server: FakeClaude,
) -> None:
    client = Claude(api_key="k", base_url=sync_server.url)
    client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a process with threads may deadlock.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report, and never return into pytest
        outcome = b"no error"
        try:
            client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        except anyio_claude.ClaudeError as exc:
            outcome = str(exc).encode()
        try:
            client.close()  # the parent's loop thread is not in this process: no wait
            del client
            gc.collect()
        finally:
            os.write(write, outcome)
            os._exit(0)
    os.close(write)
    try:
        deadline = time.monotonic() + 10
        while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        if done[0] == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung on the parent's loop thread")
        assert os.read(read, 1000).decode().startswith("this client was started in another")
        assert done[1] == 0
    finally:
        os.close(read)
    message = client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert message.content
    client.close()


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_an_unclosed_blocking_client_does_not_hold_up_interpreter_exit(backend: str) -> None:
    # Kept alive until the interpreter's final collection, when its loop thread can no
    # longer run: a finaliser waiting for that thread would hang the exit.
    script = f"""
from anyio_claude import Claude
from anyio_claude.testing import FakeClaude

with FakeClaude.run_in_thread() as server:
    client = Claude(api_key="k", base_url=server.url, backend="{backend}")
    client.messages.create(model="{MODEL}", max_tokens=5, messages={USER!r})
    cycle = [client]
    cycle.append(cycle)
print("done")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert (result.returncode, result.stdout) == (0, "done\n"), result.stderr

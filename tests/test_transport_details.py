"""Transport details the mutation runs found unpinned: a response dropped unclosed frees
exactly one pool slot and says so in its warning."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator

import anyio
import pytest

from anyio_claude import APITimeoutError, AsyncClaude, Timeout
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-api03-SECRETSECRET-0123456789"

UNCLOSED = (
    r"^an anyio-claude response \(a stream, or batch results\) was garbage collected "
    r"unclosed; its connection is discarded\. Use `async with`, or call close\(\)\.$"
)


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


async def test_a_dropped_stream_frees_exactly_one_slot(server: FakeClaude) -> None:
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, max_connections=1, timeout=Timeout(pool=0.3)
    ) as client:
        stream = await client.messages.create(
            model=MODEL, max_tokens=50, messages=USER, stream=True
        )
        await stream.__anext__()
        with pytest.warns(ResourceWarning, match=UNCLOSED):
            del stream
            gc.collect()
        with anyio.fail_after(2):
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        # The pool still holds one connection at most: freeing the slot twice would let
        # a second request through while the first holds it.
        held = await client.messages.create(model=MODEL, max_tokens=50, messages=USER, stream=True)
        async with held:
            with pytest.raises(APITimeoutError, match="pool timeout"):
                await client.messages.create(model=MODEL, max_tokens=5, messages=USER)

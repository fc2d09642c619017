from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, settings

from anyio_claude import AsyncAnthropic
from anyio_claude.testing import FakeClaude

# The properties hold or not whatever the machine's load: no per-example deadline and no
# "generation too slow" check, which fail on a busy CI machine without a wrong result
# (the event-stream property once did). Per-test `@settings` still set the example counts.
settings.register_profile(
    "anyio-claude", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("anyio-claude")


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {"debug": True}), id="asyncio"),
        pytest.param(("trio", {}), id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """Every `@pytest.mark.anyio` test runs on asyncio (debug mode) and on trio."""
    return request.param  # type: ignore[no-any-return]


# A test module with another setup defines its own `server` / `client`, which wins.
@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    """A FakeClaude on 127.0.0.1 for one test."""
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncAnthropic]:
    """Our async client of `server`, without retries."""
    async with AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0) as c:
        yield c

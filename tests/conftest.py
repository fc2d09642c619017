from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

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

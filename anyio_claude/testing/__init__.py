"""`anyio_claude.testing`: a fake Claude API server on 127.0.0.1 for tests, demos and benchmarks.

```python
async with FakeClaude() as server:
    async with AsyncClaude(api_key="test", base_url=server.url) as client:
        ...
```

It speaks real HTTP/1.1 over real sockets (TLS optional), answers deterministically, and
can add latency, rate limits, scripted replies and faults. See docs/testing.md.
"""

from ._fake_model import DEFAULT_MODELS as DEFAULT_MODELS
from ._fake_model import ModelSpec as ModelSpec
from ._fake_model import count_request_tokens as count_request_tokens
from ._fake_model import message_events as message_events
from ._faults import Fault as Fault
from ._files import FakeFiles as FakeFiles
from ._limits import RateLimits as RateLimits
from ._messages import ErrorReply as ErrorReply
from ._platforms import AwsTestCredentials as AwsTestCredentials
from ._recording import RecordedRequest as RecordedRequest
from ._server import FakeClaude as FakeClaude
from ._threads import FakeThreads as FakeThreads

__all__ = (
    "DEFAULT_MODELS",
    "AwsTestCredentials",
    "ErrorReply",
    "FakeClaude",
    "FakeFiles",
    "FakeThreads",
    "Fault",
    "ModelSpec",
    "RateLimits",
    "RecordedRequest",
    "count_request_tokens",
    "message_events",
)

"""The only package that does network I/O: httpcore connections in a small pool of our own.

httpcore speaks HTTP/1.1 on each connection; this module decides which connection a
request gets. `httpcore.AsyncConnectionPool` is not used: it walks every request and every
connection on each request start and finish (quadratic in concurrency; `benchmarks/fanout.py`
measures ours against it). Here a request takes O(1): a slot from a FIFO-fair counter, the most
recently used idle connection (or a new one), and back.

Foreign exceptions (httpcore's, anyio's, ssl's, OSError) are mapped to ours in one place,
`_mapped`, always with the original chained as `__cause__`.

httpcore is imported on first use: it imports trio eagerly when trio is installed, which
would add ~130 ms to `import anyio_claude` (`benchmarks/import_time.py`).

By concern: `_pool` (`AsyncTransport`: slots, idle connections, sending), `_reply`
(`Response`: reading a body), `_network` (the streams httpcore reads and writes through,
their timeouts), `_mapping` (lazy httpcore, the exception map), `_tls` (the default SSL
context).
"""

from ._mapping import _detail as _detail
from ._mapping import _map as _map
from ._mapping import _mapped as _mapped
from ._mapping import _scrub as _scrub
from ._mapping import final as final
from ._pool import AsyncTransport as AsyncTransport
from ._reply import ChunkIterator as ChunkIterator
from ._reply import Response as Response
from ._tls import default_ssl_context as default_ssl_context

__all__ = ("AsyncTransport", "ChunkIterator", "Response", "default_ssl_context", "final")

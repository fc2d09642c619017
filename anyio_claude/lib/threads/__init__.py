"""Message threads under the official SDK's module path (`anthropic.lib.threads`):
`client.beta.messages.thread(...)` returns a `BetaAsyncMessageThread` (a `BetaMessageThread`
on the blocking client). See docs/threads.md."""

from ..._sync_threads import BetaMessageThread as BetaMessageThread
from ..._threads import BetaAsyncMessageThread as BetaAsyncMessageThread
from ..._threads import ThreadParams as ThreadParams
from ..._threads import UnsupportedRequestBehavior as UnsupportedRequestBehavior

__all__ = (
    "BetaAsyncMessageThread",
    "BetaMessageThread",
    "ThreadParams",
    "UnsupportedRequestBehavior",
)

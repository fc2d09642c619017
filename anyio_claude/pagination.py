"""The page types under the official SDK's module path (`anthropic.pagination`).

One `AsyncPage` / `SyncPage` serves every list: its cursors are `first_id` / `last_id` /
`has_more` (models, batches) or `next_page` (files), so the official SDK's cursor and
token page classes are the same class here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .resources._pagination import AsyncPage, AsyncPaginator

if TYPE_CHECKING:
    from ._sync import SyncPage

__all__ = (
    "AsyncPage",
    "AsyncPageCursor",
    "AsyncPaginator",
    "AsyncTokenPage",
    "SyncPage",
    "SyncPageCursor",
    "SyncTokenPage",
)

AsyncPageCursor = AsyncPage
AsyncTokenPage = AsyncPage

if TYPE_CHECKING:
    SyncPageCursor = SyncPage
    SyncTokenPage = SyncPage


def __getattr__(name: str) -> Any:
    # The blocking pages live with the blocking client, imported on first use.
    if name in ("SyncPage", "SyncPageCursor", "SyncTokenPage"):
        from ._sync import SyncPage

        return SyncPage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Cursor pagination: `await client.models.list()` is one page, `async for` walks them all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

__all__ = ("AsyncPage", "AsyncPaginator")

T = TypeVar("T")


class AsyncPage(Generic[T]):
    """One page of a list: `data`, `has_more`, `first_id`, `last_id`.

    `async for item in page` walks this page and every later one.
    """

    __slots__ = ("_fetch", "data", "first_id", "has_more", "last_id")

    def __init__(
        self,
        data: list[T],
        *,
        has_more: bool,
        first_id: str | None,
        last_id: str | None,
        fetch: Callable[[str], Awaitable[AsyncPage[T]]],
    ) -> None:
        self.data = data
        self.has_more = has_more
        self.first_id = first_id
        self.last_id = last_id
        self._fetch = fetch

    def has_next_page(self) -> bool:
        """Whether a later page exists."""
        return self.has_more and self.last_id is not None

    async def get_next_page(self) -> AsyncPage[T]:
        """Fetch the page after this one. Raises `RuntimeError` if there is none."""
        if not self.has_next_page():
            raise RuntimeError("no next page: check has_next_page() first")
        assert self.last_id is not None
        return await self._fetch(self.last_id)

    def __aiter__(self) -> _Items[T]:
        return _Items(self)

    def __repr__(self) -> str:
        return f"<AsyncPage of {len(self.data)} has_more={self.has_more}>"


class _Items(Generic[T]):
    __slots__ = ("_index", "_page")

    def __init__(self, page: AsyncPage[T]) -> None:
        self._page = page
        self._index = 0

    def __aiter__(self) -> _Items[T]:
        return self

    async def __anext__(self) -> T:
        page = self._page
        while self._index >= len(page.data):
            if not page.has_next_page():
                raise StopAsyncIteration
            page = self._page = await page.get_next_page()
            self._index = 0
        item = page.data[self._index]
        self._index += 1
        return item


class AsyncPaginator(Generic[T]):
    """What `list()` returns: `await` it for the first page, or `async for` every item."""

    __slots__ = ("_first",)

    def __init__(self, first: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first = first

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first().__await__()

    def __aiter__(self) -> _LazyItems[T]:
        return _LazyItems(self._first)


class _LazyItems(Generic[T]):
    __slots__ = ("_first", "_items")

    def __init__(self, first: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first = first
        self._items: _Items[T] | None = None

    def __aiter__(self) -> _LazyItems[T]:
        return self

    async def __anext__(self) -> T:
        if self._items is None:
            self._items = _Items(await self._first())
        return await self._items.__anext__()

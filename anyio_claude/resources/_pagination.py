"""Pagination: `await client.models.list()` is one page, `async for` walks them all.

A list endpoint's reply holds one page and a cursor to the next: `after_id`/`before_id`
ids for models and batches (`id_cursor`), an opaque `next_page` token for files
(`page_cursor`). `list_op` sends the request for the first page; each page then fetches
the next one itself, with the query of the first plus the cursor, as the official SDK does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from .._request import NotGiven
from ..types._decode import LenientDecoder
from ._ops import Mode, Op

if TYPE_CHECKING:
    from .._http import Timeout
    from .._request import Call
    from .._requester import Requester

__all__ = ("AsyncPage", "AsyncPaginator", "id_cursor", "list_op", "page_cursor")

T = TypeVar("T")

NextQuery = Callable[[Mapping[str, object], Any], "Mapping[str, object] | None"]


class PageBody(msgspec.Struct, Generic[T]):
    """A list endpoint's reply: `data` and whichever cursors the endpoint sends."""

    data: list[T]
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None
    next_page: str | None = None


class AsyncPage(Generic[T]):
    """One page of a list: `data`, and the cursors the API sent with it: `has_more`,
    `first_id`, `last_id` (models, batches) or `next_page` (files; None elsewhere).

    `async for item in page` walks this page and every later one; `iter_pages()` walks the
    pages themselves.
    """

    __slots__ = ("_fetch", "_next_query", "data", "first_id", "has_more", "last_id", "next_page")

    def __init__(
        self,
        data: list[T],
        *,
        has_more: bool,
        first_id: str | None,
        last_id: str | None,
        next_page: str | None,
        next_query: Mapping[str, object] | None,
        fetch: Callable[[Mapping[str, object]], Awaitable[AsyncPage[T]]],
    ) -> None:
        self.data = data
        self.has_more = has_more
        self.first_id = first_id
        self.last_id = last_id
        self.next_page = next_page
        self._next_query = next_query
        self._fetch = fetch

    def has_next_page(self) -> bool:
        """Whether a later page exists."""
        return self._next_query is not None

    async def get_next_page(self) -> AsyncPage[T]:
        """Fetch the page after this one. Raises `RuntimeError` if there is none."""
        if self._next_query is None:
            raise RuntimeError("no next page: check has_next_page() first")
        return await self._fetch(self._next_query)

    def iter_pages(self) -> _Pages[T]:
        """`async for page in page.iter_pages()`: this page, then each later one, fetched
        as the loop gets to it."""
        return _Pages(self)

    def __aiter__(self) -> _Items[T]:
        return _Items(self)

    def __repr__(self) -> str:
        return f"<AsyncPage of {len(self.data)} has_next_page={self.has_next_page()}>"


class _Pages(Generic[T]):
    """An async iterator (not a generator: nothing to finalise if abandoned) over pages."""

    __slots__ = ("_page", "_started")

    def __init__(self, page: AsyncPage[T]) -> None:
        self._page = page
        self._started = False

    def __aiter__(self) -> _Pages[T]:
        return self

    async def __anext__(self) -> AsyncPage[T]:
        if self._started:
            if not self._page.has_next_page():
                raise StopAsyncIteration
            self._page = await self._page.get_next_page()
        self._started = True
        return self._page


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


# --------------------------------------------------------------------------- cursors


def id_cursor(query: Mapping[str, object], page: Any) -> Mapping[str, object] | None:
    """The cursor to the page after `page` of a list paged by ids, as the official SDK's
    `AsyncPage` finds it: `before_id` its first id when the list was asked for with
    `before_id` (paging back), else `after_id` its last id; none once `has_more` is false
    or a page is empty."""
    if not page.has_more or not page.data:
        return None
    if query.get("before_id"):
        return {"before_id": page.first_id} if page.first_id else None
    return {"after_id": page.last_id} if page.last_id else None


def page_cursor(query: Mapping[str, object], page: Any) -> Mapping[str, object] | None:
    """The cursor to the page after `page` of a list paged by token (the official SDK's
    `AsyncPageCursor`): `page` its `next_page`, while there is one."""
    return {"page": page.next_page} if page.next_page else None


def list_op(
    client: Requester,
    mode: Mode,
    path: str,
    item_type: type[T],
    query: Mapping[str, object],
    next_query: NextQuery,
    *,
    extra_headers: Mapping[str, str] | None,
    extra_query: Mapping[str, object] | None,
    extra_body: Mapping[str, object] | None,
    timeout: float | Timeout | NotGiven | None,
) -> Any:
    """A `list()` call in `mode`: a paginator (plain), or the first page's request as a
    raw or streaming response whose `parse()` is that `AsyncPage`.

    `query` is the first page's; a later page's is it with the cursor `next_query` finds
    in the page before. A reply is a `PageBody` of `item_type`s.
    """
    query = {k: v for k, v in query.items() if v is not None and not isinstance(v, NotGiven)}
    # msgspec decodes `data` as `item_type` from the parametrized Struct; mypy does not
    # take a type variable's value as a type argument.
    decoder = LenientDecoder(PageBody[item_type])  # type: ignore[valid-type]

    def call(cursor: Mapping[str, object] | None) -> Call:
        return client._call(
            "GET",
            path,
            query={**query, **cursor} if cursor else query,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,  # not sent, as a GET has no body
            timeout=timeout,
        )

    def decode(content: bytes) -> AsyncPage[Any]:
        page = decoder.decode(content)
        return AsyncPage(
            page.data,
            has_more=page.has_more,
            first_id=page.first_id,
            last_id=page.last_id,
            next_page=page.next_page,
            next_query=next_query(query, page),
            fetch=fetch,
        )

    async def fetch(cursor: Mapping[str, object]) -> AsyncPage[Any]:
        page: AsyncPage[Any] = await client._request_json(call(cursor), decode)
        return page

    def op() -> Op:
        return Op(client, call(None), decode=decode)

    if mode == "plain":
        return AsyncPaginator(lambda: op().run("plain"))
    return op().run(mode)

"""The "await it, or `async with` it" return value of calls whose result holds a connection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ("ClosingCall",)


class _Closeable(Protocol):
    async def close(self) -> None: ...


_T = TypeVar("_T", bound=_Closeable)


class ClosingCall(Generic[_T]):
    """`await` it for the result, or use it as `async with ... as result:`, which closes
    the result (and so its connection) on leaving the block, also on an error or a
    cancellation.

    Each `await` (or `async with`) sends the request anew.
    """

    __slots__ = ("_open", "_result")

    def __init__(self, open_result: Callable[[], Awaitable[_T]]) -> None:
        self._open = open_result
        self._result: _T | None = None

    def __await__(self) -> Generator[Any, None, _T]:
        return self._open().__await__()

    async def __aenter__(self) -> _T:
        self._result = await self._open()
        return self._result

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        result, self._result = self._result, None
        if result is not None:
            await result.close()

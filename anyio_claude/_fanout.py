"""`fan_out`: run one coroutine function over many inputs with bounded concurrency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Literal, TypeVar, overload

import anyio

__all__ = ("fan_out",)

T = TypeVar("T")
R = TypeVar("R")


@overload
async def fan_out(
    func: Callable[[T], Awaitable[R]],
    items: Iterable[T],
    *,
    concurrency: int = ...,
    return_exceptions: Literal[False] = ...,
) -> list[R]: ...


@overload
async def fan_out(
    func: Callable[[T], Awaitable[R]],
    items: Iterable[T],
    *,
    concurrency: int = ...,
    return_exceptions: Literal[True],
) -> list[R | Exception]: ...


async def fan_out(
    func: Callable[[T], Awaitable[R]],
    items: Iterable[T],
    *,
    concurrency: int = 64,
    return_exceptions: bool = False,
) -> list[R] | list[R | Exception]:
    """Await `func(item)` for every item, at most `concurrency` at a time; results in order.

    Runs `concurrency` worker tasks in a task group that pull items lazily, so memory
    stays O(concurrency) however many items there are (`items` may be a generator).
    If a call raises and `return_exceptions` is false, the other calls are cancelled and
    the exception propagates as is (not wrapped in an exception group); with
    `return_exceptions=True` an `Exception` takes the place of that result and the rest go
    on. Cancelling the caller cancels every call in flight and returns nothing.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    iterator = iter(enumerate(items))
    results: dict[int, R | Exception] = {}
    failure: list[Exception] = []

    async def worker(cancel_scope: anyio.CancelScope) -> None:
        for index, item in iterator:
            try:
                results[index] = await func(item)
            except Exception as exc:
                if not return_exceptions:
                    failure.append(exc)
                    cancel_scope.cancel()
                    return
                results[index] = exc

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(worker, tg.cancel_scope)
    if failure:
        raise failure[0]
    return [results[i] for i in range(len(results))]

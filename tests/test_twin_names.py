"""Twin names: every blocking class is named as its async twin without `Async`, so a
reader (and `AsyncX` → `X` porting) can guess one from the other. The few exceptions are
listed with their reason; a new mismatch fails here."""

from __future__ import annotations

import inspect
from types import ModuleType

import anyio_claude
import anyio_claude._live_streams
import anyio_claude._parse
import anyio_claude._response
import anyio_claude._sync
import anyio_claude._sync_beta
import anyio_claude._sync_files
import anyio_claude.resources

ASYNC_MODULES = (
    anyio_claude,
    anyio_claude.resources,
    anyio_claude._live_streams,
    anyio_claude._response,
    anyio_claude._parse,
)
BLOCKING_MODULES = (anyio_claude._sync, anyio_claude._sync_beta, anyio_claude._sync_files)

# Blocking classes without an `Async` twin of the same name, and why.
BLOCKING_ONLY = {
    "SyncPage": "the official SDK's name for the blocking twin of AsyncPage",
    "ParsedMessageStreamManager": "the official SDK's name; async parse streams share "
    "AsyncMessageStreamManager",
    "StreamingResponse": "alias of StreamingResponseManager, kept for a release",
    "MessageStreamingResponse": "alias of MessageStreamResponseManager, kept for a release",
}
# Async classes without a blocking twin of the same name, and why.
ASYNC_ONLY = {
    "AsyncPage": "its blocking twin is the official SDK's SyncPage",
    "AsyncPaginator": "awaitable and async-iterable at once; blocking lists return a SyncPage",
    "AsyncTextStream": "a blocking text_stream is a plain Iterator[str]",
    "AsyncFileDownload": "awaitable or `async with`; the blocking download returns the "
    "BinaryAPIResponse itself",
}


def _classes(modules: tuple[ModuleType, ...]) -> dict[str, type]:
    found: dict[str, type] = {}
    for module in modules:
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.isclass(value):
                found[name] = value
    return found


def test_every_blocking_class_has_its_async_twin() -> None:
    asyncs = {n for n in _classes(ASYNC_MODULES) if n.startswith("Async")}
    blocking = set(_classes(BLOCKING_MODULES))
    assert sorted(n for n in blocking if f"Async{n}" not in asyncs) == sorted(BLOCKING_ONLY)


def test_every_async_class_has_its_blocking_twin() -> None:
    asyncs = {n for n in _classes(ASYNC_MODULES) if n.startswith("Async")}
    blocking = set(_classes(BLOCKING_MODULES)) | set(dir(anyio_claude))
    assert sorted(n for n in asyncs if n.removeprefix("Async") not in blocking) == sorted(
        ASYNC_ONLY
    )


def test_old_names_are_the_renamed_classes() -> None:
    assert anyio_claude.StreamingResponse is anyio_claude.StreamingResponseManager
    assert anyio_claude.MessageStreamingResponse is anyio_claude.MessageStreamResponseManager
    resources = anyio_claude.resources
    assert resources.StreamingResponseManager is resources.AsyncStreamingResponseManager
    assert resources.MessageStreamResponseManager is resources.AsyncMessageStreamResponseManager

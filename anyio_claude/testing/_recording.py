"""What FakeClaude remembers of the requests it got: a bounded log of `RecordedRequest`s."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

__all__ = ("RecordedRequest", "RequestLog")


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received: method, path (with query), headers (the last value of
    a name; `header_items` keeps every one, in order) and JSON body. Header names are
    lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    json: Any
    header_items: tuple[tuple[str, str], ...] = ()

    def header_list(self, name: str) -> list[str]:
        """Every value sent for the header `name` (any case), in order: a request that
        sent it twice shows both."""
        name = name.lower()
        return [value for key, value in self.header_items if key == name]

    def __repr__(self) -> str:
        # Test failures print this: keep credentials out of the output.
        shown = {k: "<redacted>" if k in _SECRET else v for k, v in self.headers.items()}
        return (
            f"RecordedRequest(method={self.method!r}, path={self.path!r}, headers={shown!r}, "
            f"json={self.json!r})"
        )


_SECRET = frozenset({"x-api-key", "authorization"})


class RequestLog(Sequence[RecordedRequest]):
    """The last `maxlen` requests, oldest first: a ring buffer, so memory stays bounded."""

    def __init__(self, maxlen: int) -> None:
        self._items: deque[RecordedRequest] = deque(maxlen=maxlen)

    def append(self, request: RecordedRequest) -> None:
        self._items.append(request)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> RecordedRequest: ...

    @overload
    def __getitem__(self, index: slice) -> list[RecordedRequest]: ...

    def __getitem__(self, index: int | slice) -> RecordedRequest | list[RecordedRequest]:
        if isinstance(index, slice):
            return list(self._items)[index]
        return self._items[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self._items) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self._items)} recorded requests (at most {self._items.maxlen})>"

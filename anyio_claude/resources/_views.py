"""The raw and streaming-response views, derived from the plain methods.

A resource's plain method is written once: its signature, its docstring, and its body,
which builds the request and runs it in the resource's `_mode`. A view is the same
resource in another mode; its methods are descriptors naming the plain method
(`retrieve = raw(AsyncModels.retrieve)`), which bind that very function to the resource
in the view's mode. Only the return type changes, and the descriptor's type says how:
a plain `Awaitable[R]` (a coroutine, or a paginator whose `R` is its first page) is a
`Coroutine[..., AsyncAPIResponse[R]]` in the raw view (`raw`) and a
`AsyncStreamingResponseManager[R]` (an `async with` block) in the streaming one (`streaming`).

The parameters carry through a `ParamSpec`, so type checkers see each view method with the
plain method's parameters (overloads do not survive a `ParamSpec`: overloaded methods,
such as `messages.create`, keep their views written out).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from types import MethodType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from .._response import AsyncAPIResponse
from ._ops import AsyncStreamingResponseManager

if TYPE_CHECKING:
    from typing_extensions import Self

    from .._requester import Requester
    from ._ops import Mode

__all__ = ("Resource", "View", "as_is", "raw", "streaming")

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="Resource")


class Resource:
    """The base of the async resources: a client, and the mode its methods run in
    ("plain" for the resource users get, "raw" and "streaming" inside its views)."""

    __slots__ = ("_client", "_mode")

    def __init__(self, client: Requester, mode: Mode = "plain") -> None:
        self._client = client
        self._mode: Mode = mode

    def _in(self, mode: Mode) -> Self:
        """This resource (of this very class: `beta.files` stays beta) in `mode`."""
        return type(self)(self._client, mode)


class View(Generic[S]):
    """A resource's `with_raw_response` or `with_streaming_response`: its methods are the
    resource's, bound to `resource` (which runs them in the view's mode)."""

    __slots__ = ("_resource",)

    def __init__(self, resource: S) -> None:
        self._resource = resource


class Derived(Generic[S, P, R]):
    """A view method: the plain `method`, bound to the view's resource when looked up.

    Looked up on the class, it is itself, so tests can check which method it derives.
    """

    def __init__(self, method: Callable[Concatenate[S, P], Any]) -> None:
        self.method = method
        self.__doc__ = method.__doc__
        self.__name__ = method.__name__

    @overload
    def __get__(self, view: None, owner: object) -> Self: ...
    @overload
    def __get__(self, view: View[S], owner: object) -> Callable[P, R]: ...
    def __get__(self, view: View[S] | None, owner: object) -> Self | Callable[P, R]:
        if view is None:
            return self
        bound: Callable[P, R] = MethodType(self.method, view._resource)
        return bound


class Raw(Derived[S, P, Coroutine[Any, Any, AsyncAPIResponse[R]]]):
    """A `with_raw_response` method: awaits to an `AsyncAPIResponse` (body read)."""


class Streaming(Derived[S, P, AsyncStreamingResponseManager[R]]):
    """A `with_streaming_response` method: an `async with` block giving an unread
    `AsyncAPIResponse`."""


class AsIs(Derived[S, P, R]):
    """A view method that returns what the plain one does (its result is already a raw
    response, as `files.download`'s)."""


def raw(method: Callable[Concatenate[S, P], Awaitable[R]]) -> Raw[S, P, R]:
    """The `with_raw_response` twin of the plain `method`."""
    return Raw(method)


def streaming(method: Callable[Concatenate[S, P], Awaitable[R]]) -> Streaming[S, P, R]:
    """The `with_streaming_response` twin of the plain `method`."""
    return Streaming(method)


def as_is(method: Callable[Concatenate[S, P], R]) -> AsIs[S, P, R]:
    """`method` in a view, unchanged."""
    return AsIs(method)

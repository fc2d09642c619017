"""The message methods are overloaded, so their views and blocking twins are written out
(overloads do not survive a ParamSpec). This pins their parity instead: each blocking
method takes exactly what its async twin takes, overload for overload, and each raw or
streaming view of `create`, `parse` and `count_tokens` takes what the plain method takes.
"""

from __future__ import annotations

import sys
import typing
from typing import Any

import pytest

from anyio_claude import _sync as blocking
from anyio_claude import _sync_beta as blocking_beta
from anyio_claude.resources import _beta as beta
from anyio_claude.resources import _messages as messages

# Overloads are recorded for typing.get_overloads from Python 3.11 on; the newer Pythons
# in CI check this.
pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads")

METHODS = ("create", "stream", "parse", "count_tokens")

# (async class, its blocking twin)
TWINS: list[tuple[type[Any], type[Any]]] = [
    (messages.AsyncMessages, blocking.Messages),
    (messages.AsyncMessagesWithRawResponse, blocking.MessagesWithRawResponse),
    (messages.AsyncMessagesWithStreamingResponse, blocking.MessagesWithStreamingResponse),
    (beta.AsyncBetaMessages, blocking_beta.BetaMessages),
    (beta.AsyncBetaMessagesWithRawResponse, blocking_beta.BetaMessagesWithRawResponse),
    (
        beta.AsyncBetaMessagesWithStreamingResponse,
        blocking_beta.BetaMessagesWithStreamingResponse,
    ),
]
# (plain class, its raw view, its streaming view)
VIEWS: list[tuple[type[Any], ...]] = [
    (
        messages.AsyncMessages,
        messages.AsyncMessagesWithRawResponse,
        messages.AsyncMessagesWithStreamingResponse,
    ),
    (
        beta.AsyncBetaMessages,
        beta.AsyncBetaMessagesWithRawResponse,
        beta.AsyncBetaMessagesWithStreamingResponse,
    ),
]


def _parameters(cls: type[Any], name: str) -> list[dict[str, str]] | None:
    """The parameter annotations (as written) of each overload of `cls.name`."""
    function = vars(cls).get(name)
    if function is None:
        return None
    overloads = typing.get_overloads(function) or [function]  # type: ignore[attr-defined,unused-ignore]
    found = [{k: str(v) for k, v in f.__annotations__.items() if k != "return"} for f in overloads]
    return sorted(found, key=repr)


def _name(pair: tuple[type[Any], ...]) -> str:
    return pair[0].__name__


@pytest.mark.parametrize("pair", TWINS, ids=_name)
def test_each_blocking_method_takes_what_its_async_twin_takes(
    pair: tuple[type[Any], type[Any]],
) -> None:
    async_class, blocking_class = pair
    for name in METHODS:
        assert _parameters(blocking_class, name) == _parameters(async_class, name), name


@pytest.mark.parametrize("views", VIEWS, ids=_name)
def test_each_view_takes_what_the_plain_method_takes(views: tuple[type[Any], ...]) -> None:
    plain, *derived = views
    for view in derived:
        for name in ("create", "parse", "count_tokens"):
            taken = _parameters(view, name)
            if taken is not None:  # GA messages have no raw or streaming parse
                assert taken == _parameters(plain, name), (view.__name__, name)
        # A view's `stream` is the plain stream without `output_format` (no parsed
        # stream is wrapped in a raw response).
        plain_stream = [
            {k: v for k, v in p.items() if k != "output_format"}
            for p in _parameters(plain, "stream") or []
        ]
        assert _parameters(view, "stream") == [plain_stream[0]], view.__name__

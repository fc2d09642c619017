"""The `x-stainless-helper` request header: which SDK helpers a request came from.

The official SDK sends it, and so do we, with the same values: a helper's method names
itself (`messages.parse`, `BetaToolRunner`, `message-thread`), and what a helper made (the
MCP conversions' blocks, messages and tools) carries its helper's tag in the attribute the
official SDK uses, so a request built from those objects names them too. A tag is never
sent in the body: a tagged dict or tuple is a plain one to everything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

__all__ = (
    "HEADER",
    "TaggedDict",
    "TaggedTuple",
    "append_tokens",
    "collect",
    "from_tools",
    "tag",
    "tag_of",
    "with_helper",
)

HEADER = "x-stainless-helper"
# The official SDK's attribute, so objects its helpers tagged count here too.
_ATTR = "_stainless_helper"

_T = TypeVar("_T")


class TaggedDict(dict[str, Any]):
    """A dict that can carry a helper tag (a plain dict takes no attributes)."""


class TaggedTuple(tuple[Any, ...]):
    """A tuple that can carry a helper tag."""


def tag(obj: _T, name: str) -> _T:
    """`obj`, marked as made by the helper `name` (unchanged if it takes no attributes)."""
    try:
        object.__setattr__(obj, _ATTR, name)
    except (AttributeError, TypeError):
        pass
    return obj


def tag_of(obj: object) -> str | None:
    """The helper tag `obj` carries, if any."""
    found = getattr(obj, _ATTR, None)
    return found if isinstance(found, str) else None


def from_tools(tools: Iterable[Any]) -> list[Any]:
    """`tools` with each object that has a `to_dict()` (a function tool, a toolset) replaced
    by its `tools` entry, which keeps the object's helper tag."""
    entries: list[Any] = []
    for tool in tools:
        if isinstance(tool, Mapping) or not callable(getattr(tool, "to_dict", None)):
            entries.append(tool)
            continue
        entry = tool.to_dict()
        name = tag_of(tool)
        entries.append(entry if name is None else tag(TaggedDict(entry), name))
    return entries


def collect(tools: object = None, messages: object = None) -> list[str]:
    """The helper tags of `tools`, then of `messages` and their content blocks, each once,
    in the order the official SDK lists them."""
    found: list[str] = []

    def add(obj: object) -> None:
        name = tag_of(obj)
        if name is not None and name not in found:
            found.append(name)

    if isinstance(tools, list | tuple):
        for tool in tools:
            add(tool)
    if isinstance(messages, list | tuple):
        for message in messages:
            add(message)
            blocks = (
                message.get("content")
                if isinstance(message, Mapping)
                else getattr(message, "content", None)
            )
            if isinstance(blocks, list):
                for block in blocks:
                    add(block)
    return found


def append_tokens(existing: str, addition: str) -> str:
    """`addition`'s comma-separated tokens after `existing`'s, each once."""
    tokens = [token for token in (raw.strip() for raw in existing.split(",")) if token]
    for token in (raw.strip() for raw in addition.split(",")):
        if token and token not in tokens:
            tokens.append(token)
    return ", ".join(tokens)


def with_helper(headers: Mapping[str, str], helper: str, *, first: bool = False) -> dict[str, str]:
    """`headers` (lower-cased) with `helper` added to `x-stainless-helper`: after the
    helpers there (`first`: before them), each named once, as the official SDK merges."""
    lowered = {k.lower(): v for k, v in headers.items()}
    given = lowered.get(HEADER, "")
    lowered[HEADER] = append_tokens(helper, given) if first else append_tokens(given, helper)
    return lowered

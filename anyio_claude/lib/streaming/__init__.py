"""The stream helper's classes and events under the official SDK's module path
(`anthropic.lib.streaming`), beta names included: one stream helper serves both, so each
`Beta…` / `ParsedBeta…` name is the same class as its non-beta twin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._live_streams import AsyncMessageStream, AsyncMessageStreamManager
from ...streaming import (
    InputJsonEvent,
    ParsedContentBlockStopEvent,
    ParsedMessageStopEvent,
    StreamEvent,
    TextEvent,
)

if TYPE_CHECKING:
    from ..._sync import MessageStream, MessageStreamManager

__all__ = (
    "AsyncMessageStream",
    "AsyncMessageStreamManager",
    "BetaAsyncMessageStream",
    "BetaAsyncMessageStreamManager",
    "BetaContentBlockStopEvent",
    "BetaInputJsonEvent",
    "BetaMessageStopEvent",
    "BetaMessageStream",
    "BetaMessageStreamEvent",
    "BetaMessageStreamManager",
    "BetaTextEvent",
    "ContentBlockStopEvent",
    "InputJsonEvent",
    "MessageStopEvent",
    "MessageStream",
    "MessageStreamEvent",
    "MessageStreamManager",
    "ParsedBetaContentBlockStopEvent",
    "ParsedBetaMessageStopEvent",
    "ParsedBetaMessageStreamEvent",
    "ParsedBetaTextEvent",
    "ParsedContentBlockStopEvent",
    "ParsedMessageStopEvent",
    "ParsedMessageStreamEvent",
    "TextEvent",
)

# What `messages.stream()` yields (raw events plus the derived ones), by the official names.
MessageStreamEvent = StreamEvent
ParsedMessageStreamEvent = StreamEvent
BetaMessageStreamEvent = StreamEvent
ParsedBetaMessageStreamEvent = StreamEvent
# The stop events come only as their parsed versions, carrying the finished block/message.
ContentBlockStopEvent = ParsedContentBlockStopEvent
MessageStopEvent = ParsedMessageStopEvent
BetaContentBlockStopEvent = ParsedContentBlockStopEvent
BetaMessageStopEvent = ParsedMessageStopEvent
ParsedBetaContentBlockStopEvent = ParsedContentBlockStopEvent
ParsedBetaMessageStopEvent = ParsedMessageStopEvent
BetaTextEvent = TextEvent
ParsedBetaTextEvent = TextEvent
BetaInputJsonEvent = InputJsonEvent
BetaAsyncMessageStream = AsyncMessageStream
BetaAsyncMessageStreamManager = AsyncMessageStreamManager

if TYPE_CHECKING:
    BetaMessageStream = MessageStream
    BetaMessageStreamManager = MessageStreamManager

_BLOCKING = {
    "MessageStream": "MessageStream",
    "BetaMessageStream": "MessageStream",
    "MessageStreamManager": "MessageStreamManager",
    "BetaMessageStreamManager": "MessageStreamManager",
}


def __getattr__(name: str) -> Any:
    # The blocking streams live with the blocking client, imported on first use.
    if name in _BLOCKING:
        from ... import _sync

        return getattr(_sync, _BLOCKING[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Sans-I/O stream processing: event decoding, the message accumulator and derived events.

Cost model: applying a delta appends it to a per-block list, O(size of the delta). Reading
`MessageAccumulator.snapshot` joins what arrived since the last read and builds the
`Message`, O(size of the message) at most, and is cached until the next event. Tool input
is parsed from the partial JSON by a resumable scanner that only looks at the bytes that
arrived since the last read, then one C-speed `msgspec` decode of the completed prefix. So
nothing is paid per event for a snapshot nobody reads, and reading one after every event
costs no more than the official SDK's per-event work.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union

import msgspec

from ._exceptions import EventProtocolError
from .types import (
    BetaCompactionBlock,
    BetaCompactionContentBlockDelta,
    BetaFallbackBlock,
    BetaMCPToolUseBlock,
    CitationsDelta,
    ContentBlockDeltaEvent,
    ContentBlockStartEvent,
    ContentBlockStopEvent,
    ErrorEvent,
    InputJSONDelta,
    Message,
    MessageDeltaEvent,
    MessageStartEvent,
    MessageStopEvent,
    MessageStreamEvent,
    PingEvent,
    ServerToolUseBlock,
    SignatureDelta,
    TextBlock,
    TextCitation,
    TextDelta,
    ThinkingBlock,
    ThinkingDelta,
    ToolUseBlock,
    Usage,
)
from .types._base import BaseStruct, extra_of, mark_drift, replace
from .types._decode import convert_key, decode_event

if TYPE_CHECKING:
    from .types import ContentBlock

__all__ = (
    "BetaCompactionEvent",
    "CitationEvent",
    "CompactionEvent",
    "InputJsonEvent",
    "MessageAccumulator",
    "MessageStreamState",
    "ParsedContentBlockStopEvent",
    "ParsedMessageStopEvent",
    "SignatureEvent",
    "StreamEvent",
    "TextEvent",
    "ThinkingEvent",
    "decode_event",
    "parse_partial_json",
)

# ------------------------------------------------------------------------ partial JSON

_STRING_BODY = re.compile(r'[^"\\]*')
_SCALAR = re.compile(r"[^ \t\n\r,\]}:]*")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_COMPLETE_SCALAR = re.compile(
    r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null"
)
# An escape a string cut short ends in (after an even run of backslashes, so the one it
# starts with is not itself escaped): a lone `\`, `\u` with fewer than four digits, or a
# high surrogate without its low half yet. jiter drops it from a trailing string.
_UNFINISHED_ESCAPE = re.compile(
    r"(?<!\\)((?:\\\\)*)"
    r"(?:\\u[dD][89abAB][0-9a-fA-F]{2}(?:\\(?:u[0-9a-fA-F]{0,3})?)?|\\(?:u[0-9a-fA-F]{0,3})?)\Z"
)

# What the scanner expects next, outside strings.
_VALUE, _KEY, _COLON, _AFTER_VALUE = range(4)


class _PartialJSON:
    """A resumable scanner over growing JSON text that finds the longest usable prefix.

    A "cut" is a position where the text so far, plus the closers of the containers still
    open there, is valid JSON holding every complete value: after a complete value, or
    right after a container opens. Incomplete strings, keys without values and unfinished
    numbers or literals are left out, as jiter's `partial_mode=True` does.
    """

    __slots__ = (
        "_cut",
        "_cut_depth",
        "_escape",
        "_expect",
        "_in_key",
        "_in_string",
        "_pos",
        "_stack",
        "text",
    )

    def __init__(self) -> None:
        self.text = ""
        self._pos = 0
        self._stack: list[str] = []
        self._expect = _VALUE
        self._in_string = False
        self._in_key = False
        self._escape = False
        self._cut = 0
        self._cut_depth = 0

    def _mark(self, pos: int) -> None:
        self._cut = pos
        self._cut_depth = len(self._stack)

    def _value_end(self, pos: int) -> None:
        self._expect = _AFTER_VALUE
        self._mark(pos)

    def scan(self, text: str) -> None:
        """Advance over `text`, which must extend the text scanned so far."""
        self.text = text
        i, n = self._pos, len(text)
        stack = self._stack
        while i < n:
            if self._in_string:
                if self._escape:
                    self._escape = False
                    i += 1
                    continue
                i = _STRING_BODY.match(text, i).end()  # type: ignore[union-attr]
                if i >= n:
                    break
                if text[i] == "\\":
                    self._escape = True
                    i += 1
                    continue
                i += 1
                self._in_string = False
                if self._in_key:
                    self._expect = _COLON
                else:
                    self._value_end(i)
                continue
            c = text[i]
            if c in " \t\n\r":
                i = _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]
            elif c == "{":
                stack.append("}")
                i += 1
                self._expect = _KEY
                self._mark(i)
            elif c == "[":
                stack.append("]")
                i += 1
                self._expect = _VALUE
                self._mark(i)
            elif c == "}" or c == "]":
                if stack:
                    stack.pop()
                i += 1
                self._value_end(i)
            elif c == '"':
                self._in_string = True
                self._in_key = self._expect == _KEY
                i += 1
            elif c == ":":
                self._expect = _VALUE
                i += 1
            elif c == ",":
                self._expect = _KEY if stack and stack[-1] == "}" else _VALUE
                i += 1
            else:
                end = _SCALAR.match(text, i).end()  # type: ignore[union-attr]
                if end >= n:
                    # The literal may go on in the next delta: rescan it from here then.
                    break
                i = end
                self._value_end(i)
        self._pos = i

    def completed(self, trailing_strings: bool) -> str | None:
        """The longest usable prefix, closed; None if there is none yet.

        With `trailing_strings`, a string value still being written counts too, closed
        where it stops (less any escape it ends in the middle of).
        """
        text, pos = self.text, self._pos
        cut, depth = self._cut, self._cut_depth
        if self._in_string:
            if trailing_strings and not self._in_key:
                # The escape a match ends in can only be the open string's, at the end.
                body = _UNFINISHED_ESCAPE.sub(r"\1", text)
                return body + '"' + "".join(reversed(self._stack))
        elif pos < len(text) and self._expect == _VALUE:
            tail = text[pos:]
            if _COMPLETE_SCALAR.fullmatch(tail):
                cut, depth = len(text), len(self._stack)
        if cut == 0:
            return None
        return text[:cut] + "".join(reversed(self._stack[:depth]))


def parse_partial_json(text: str, *, trailing_strings: bool = False) -> Any:
    """Parse the usable part of a JSON prefix, like `jiter.from_json(..., partial_mode=True)`.

    Complete values are kept, open containers are closed, and incomplete strings, keys
    without values and unfinished numbers or literals are dropped; with
    `trailing_strings` (jiter's `partial_mode="trailing-strings"`) a string value cut
    short is kept as far as it goes. Returns None when no value is complete yet, and
    never raises.
    """
    scanner = _PartialJSON()
    scanner.scan(text)
    return _decode_completed(scanner, None, trailing_strings)


def _decode_completed(scanner: _PartialJSON, fallback: Any, trailing_strings: bool) -> Any:
    completed = scanner.completed(trailing_strings)
    if completed is None:
        return fallback
    try:
        return msgspec.json.decode(completed)
    except msgspec.DecodeError:
        return fallback


def _cut_short(exc: msgspec.DecodeError, text: str) -> bool:
    """Whether decoding `text` failed only for want of more of it: a JSON prefix (msgspec
    says so, or finds a number unfinished at the end, as `1.` or `-`)."""
    message = str(exc)
    return message == "Input data was truncated" or (
        message.startswith("JSON is malformed: invalid number")
        and message.endswith(f"(byte {len(text.encode())})")
    )


# -------------------------------------------------------------------------- blocks

_TEXT, _THINKING, _TOOL, _COMPACTION, _OTHER = range(5)

# The blocks whose input arrives as `input_json_delta`s.
_TOOL_BLOCKS = (ToolUseBlock, ServerToolUseBlock, BetaMCPToolUseBlock)


class _Block:
    """One content block under construction: the start block plus the deltas so far."""

    __slots__ = (
        "base",
        "cached",
        "chunks",
        "citations",
        "done",
        "final_input",
        "json",
        "kind",
        "length",
        "partial",
        "partial_value",
        "signature",
        "trailing_strings",
    )

    def __init__(self, base: ContentBlock, trailing_strings: bool) -> None:
        self.base = base
        self.trailing_strings = trailing_strings
        self.cached: ContentBlock | None = None
        self.chunks: list[str] = []
        self.length = 0
        self.citations: list[TextCitation] | None = None
        self.signature: str | None = None
        self.json: list[str] = []
        self.partial: _PartialJSON | None = None
        self.partial_value: Any = None
        self.final_input: Any = None
        self.done = False
        kind = type(base)
        if kind is TextBlock:
            self.kind = _TEXT
            assert isinstance(base, TextBlock)
            if base.text:
                self.chunks.append(base.text)
                self.length = len(base.text)
            if base.citations:
                self.citations = list(base.citations)
        elif kind is ThinkingBlock:
            self.kind = _THINKING
            assert isinstance(base, ThinkingBlock)
            if base.thinking:
                self.chunks.append(base.thinking)
                self.length = len(base.thinking)
            self.signature = base.signature
        elif kind in _TOOL_BLOCKS:
            self.kind = _TOOL
        elif kind is BetaCompactionBlock:
            self.kind = _COMPACTION
        else:
            self.kind = _OTHER

    def text(self) -> str:
        """The text (or thinking) so far; joins pending chunks once and keeps the result."""
        chunks = self.chunks
        if len(chunks) > 1:
            joined = "".join(chunks)
            chunks.clear()
            chunks.append(joined)
            return joined
        return chunks[0] if chunks else ""

    def json_text(self) -> str:
        parts = self.json
        if len(parts) > 1:
            joined = "".join(parts)
            parts.clear()
            parts.append(joined)
            return joined
        return parts[0] if parts else ""

    def tool_input(self) -> Any:
        if self.done and self.final_input is not None:
            return self.final_input
        if not self.json:
            base_input: Any = getattr(self.base, "input", None)
            return {} if base_input is None else base_input
        if self.partial is None:
            self.partial = _PartialJSON()
            self.partial_value = {}
        self.partial.scan(self.json_text())
        self.partial_value = _decode_completed(
            self.partial, self.partial_value, self.trailing_strings
        )
        return self.partial_value

    def block(self) -> ContentBlock:
        cached = self.cached
        if cached is not None:
            return cached
        kind = self.kind
        block: ContentBlock
        base: Any = self.base
        if kind == _TEXT:
            block = replace(
                base,
                text=self.text(),
                citations=list(self.citations) if self.citations is not None else None,
            )
        elif kind == _THINKING:
            block = replace(base, thinking=self.text(), signature=self.signature or "")
        elif kind == _TOOL:
            block = replace(base, input=self.tool_input())
        else:
            block = base
        self.cached = block
        return block


# --------------------------------------------------------------------- accumulator

_USAGE_FIELDS = (
    "input_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "cache_creation",
    "server_tool_use",
    "output_tokens_details",
    # Beta usage, replaced as a whole when sent (as the official beta accumulator does).
    "iterations",
    "fallback_credit",
)


class MessageAccumulator:
    """Builds the `Message` a stream describes, one event at a time.

    `update(event)` applies an event; `snapshot` is the message so far. Pings, errors and
    unknown events are ignored (errors are the caller's to raise); unknown delta types
    are ignored too, and so is a delta that does not fit its block (a `text_delta` for a
    block of a newer type, say), as in the official SDK. Unknown keys are kept: those of
    the message, its usage and its blocks as they came, and those of `message_delta`'s
    `delta` and `usage` as keys of the message and of its usage (decoded into the field
    when the message knows them).

    Beta content accumulates too: a `compaction_delta` sets its block's `content` and
    `encrypted_content`, `mcp_tool_use` input streams like `tool_use` input, a `fallback`
    block makes its `to` model the message's `model`, and `message_delta`'s
    `context_management` and `input_transformations` replace the message's.

    With `trailing_strings` (the official beta stream's behaviour under the
    `fine-grained-tool-streaming-2025-05-14` beta) a tool input's snapshot keeps the
    string still being written, as far as it has come.

    Raises `EventProtocolError` for an event before `message_start`, a delta or stop for
    a block that was never started, and tool input that is not valid JSON at
    `content_block_stop`.
    """

    __slots__ = (
        "_blocks",
        "_message",
        "_snapshot",
        "_stopped",
        "_top",
        "_top_extra",
        "_usage",
        "_usage_extra",
        "trailing_strings",
    )

    def __init__(self, *, trailing_strings: bool = False) -> None:
        self.trailing_strings = trailing_strings
        self._message: Message | None = None
        self._blocks: list[_Block] = []
        self._snapshot: Message | None = None
        self._stopped = False
        self._top: dict[str, Any] = {}
        self._usage: dict[str, Any] = {}
        # The unknown keys of message_delta's delta and usage.
        self._top_extra: dict[str, Any] = {}
        self._usage_extra: dict[str, Any] = {}

    @property
    def started(self) -> bool:
        """Whether `message_start` has arrived (before it there is no snapshot)."""
        return self._message is not None

    @property
    def stopped(self) -> bool:
        """Whether `message_stop` has arrived: the message is complete."""
        return self._stopped

    @property
    def completed_blocks(self) -> int:
        """How many content blocks have had their `content_block_stop`."""
        return sum(1 for block in self._blocks if block.done)

    def _block_at(self, index: int, event: str) -> _Block:
        if self._message is None:
            raise EventProtocolError(f"{event} event before message_start")
        if not 0 <= index < len(self._blocks):
            raise EventProtocolError(f"{event} for content block {index}, which never started")
        return self._blocks[index]

    def update(self, event: MessageStreamEvent) -> None:
        """Apply one event. Raises `EventProtocolError` as described on the class."""
        kind = type(event)
        # `type(x) is C` dispatch is the fastest; the ignores stand for the narrowing it implies.
        ev: Any = event
        if kind is ContentBlockDeltaEvent:
            blocks = self._blocks
            index = ev.index
            if 0 <= index < len(blocks):
                block = blocks[index]
            else:
                block = self._block_at(index, "content_block_delta")
            delta = ev.delta
            delta_kind = type(delta)
            if delta_kind is TextDelta:
                if block.kind != _TEXT:
                    return
                text: str = delta.text
                block.chunks.append(text)
                block.length += len(text)
            elif delta_kind is InputJSONDelta:
                if block.kind != _TOOL:
                    return
                part: str = delta.partial_json
                block.json.append(part)
                block.length += len(part)
            elif delta_kind is ThinkingDelta:
                if block.kind != _THINKING:
                    return
                thinking: str = delta.thinking
                block.chunks.append(thinking)
                block.length += len(thinking)
            elif delta_kind is SignatureDelta:
                if block.kind != _THINKING:
                    return
                block.signature = delta.signature
            elif delta_kind is CitationsDelta:
                if block.kind != _TEXT:
                    return
                if block.citations is None:
                    block.citations = []
                block.citations.append(delta.citation)
            elif delta_kind is BetaCompactionContentBlockDelta:
                if block.kind != _COMPACTION:
                    return
                # A compaction delta is whole, not a piece: it replaces both fields.
                block.base = replace(
                    block.base, content=delta.content, encrypted_content=delta.encrypted_content
                )
            else:
                return
            block.cached = None
            self._snapshot = None
        elif kind is ContentBlockStartEvent:
            if self._message is None:
                raise EventProtocolError("content_block_start event before message_start")
            if ev.index != len(self._blocks):
                raise EventProtocolError(
                    f"content_block_start for block {ev.index}, expected block {len(self._blocks)}"
                )
            content_block = ev.content_block
            self._blocks.append(_Block(content_block, self.trailing_strings))
            if type(content_block) is BetaFallbackBlock and content_block.to.model:
                # The fallback model wrote what follows: the message is its reply now, as
                # the complete (non-streamed) message says.
                self._top["model"] = content_block.to.model
            self._snapshot = None
        elif kind is ContentBlockStopEvent:
            block = self._block_at(ev.index, "content_block_stop")
            block.done = True
            if block.kind == _TOOL and block.json:
                raw = block.json_text()
                try:
                    block.final_input = msgspec.json.decode(raw)
                except msgspec.DecodeError as exc:
                    if not _cut_short(exc, raw):
                        raise EventProtocolError(
                            f"tool input of content block {ev.index} is not valid JSON: {exc}"
                        ) from None
                    # A block cut short (the fallback middleware closes the blocks a
                    # refusal interrupted): its input is what the partial JSON holds, as
                    # the official accumulator leaves it.
                    block.final_input = block.tool_input()
                block.cached = None
                self._snapshot = None
        elif kind is MessageStartEvent:
            if self._message is not None:
                raise EventProtocolError("a second message_start event")
            self._message = ev.message
            self._blocks = [_Block(b, self.trailing_strings) for b in ev.message.content]
        elif kind is MessageDeltaEvent:
            if self._message is None:
                raise EventProtocolError("message_delta event before message_start")
            delta_top = ev.delta
            top = self._top
            top["stop_reason"] = delta_top.stop_reason
            top["stop_sequence"] = delta_top.stop_sequence
            top["stop_details"] = delta_top.stop_details
            if delta_top.container is not None:
                top["container"] = delta_top.container
            if ev.context_management is not None:
                top["context_management"] = ev.context_management
            if ev.input_transformations is not None:
                # Sent only when a fallback model took over mid-stream, replacing the list
                # of message_start.
                top["input_transformations"] = ev.input_transformations
            usage = ev.usage
            self._usage["output_tokens"] = usage.output_tokens
            for name in _USAGE_FIELDS:
                value = getattr(usage, name)
                if value is not None:
                    self._usage[name] = value
            extra = extra_of(delta_top)
            if extra:
                _merge(Message, extra, top, self._top_extra)
            extra = extra_of(usage)
            if extra:
                # Like the known counters: a null leaves the earlier value standing.
                extra = {k: v for k, v in extra.items() if v is not None}
                _merge(Usage, extra, self._usage, self._usage_extra)
            self._snapshot = None
        elif kind is MessageStopEvent:
            if self._message is None:
                raise EventProtocolError("message_stop event before message_start")
            self._stopped = True

    def update_many(self, events: list[MessageStreamEvent], start: int = 0) -> int:
        """Apply `events[start:]` in order, as `update` would, up to the first `error` event.

        Returns the index of that `ErrorEvent` (not applied: raising it is the caller's
        business), or `len(events)`. Raises what `update` raises; the events before the
        failing one are applied.
        """
        # The bulk path (a stream read to its end): the text, thinking and tool-input
        # deltas that make up nearly every event are applied here without a call each.
        blocks = self._blocks
        for event in itertools.islice(events, start, None):
            kind = type(event)
            if kind is ContentBlockDeltaEvent:
                ev: Any = event
                index = ev.index
                if 0 <= index < len(blocks):
                    delta = ev.delta
                    delta_kind = type(delta)
                    block = blocks[index]
                    if delta_kind is TextDelta:
                        if block.kind == _TEXT:
                            text: str = delta.text
                            block.chunks.append(text)
                            block.length += len(text)
                            block.cached = None
                            self._snapshot = None
                        continue
                    if delta_kind is InputJSONDelta:
                        if block.kind == _TOOL:
                            part: str = delta.partial_json
                            block.json.append(part)
                            block.length += len(part)
                            block.cached = None
                            self._snapshot = None
                        continue
                    if delta_kind is ThinkingDelta:
                        if block.kind == _THINKING:
                            thinking: str = delta.thinking
                            block.chunks.append(thinking)
                            block.length += len(thinking)
                            block.cached = None
                            self._snapshot = None
                        continue
            elif kind is ErrorEvent:
                # The first error event from `start` on (an equal one earlier would have
                # stopped the loop there), found without counting every event.
                return events.index(event, start)
            self.update(event)
            # message_start replaces the list. Not mutated: a stale list only sends the
            # deltas of this call through `update`, which gives the same result.
            blocks = self._blocks  # pragma: no mutate
        return len(events)

    @property
    def snapshot(self) -> Message:
        """The message so far; cached until the next event that changes it.

        Raises `EventProtocolError` before `message_start`.
        """
        snapshot = self._snapshot
        if snapshot is not None:
            return snapshot
        message = self._message
        if message is None:
            raise EventProtocolError("no snapshot before message_start")
        usage = message.usage
        if self._usage:
            usage = replace(usage, **self._usage)
        if self._usage_extra:
            mark_drift(usage, {**(extra_of(message.usage) or {}), **self._usage_extra})
        snapshot = replace(
            message, content=[b.block() for b in self._blocks], usage=usage, **self._top
        )
        if self._top_extra:
            mark_drift(snapshot, {**(extra_of(message) or {}), **self._top_extra})
        self._snapshot = snapshot
        return snapshot


def _merge(
    cls: type[BaseStruct], extra: dict[str, Any], known: dict[str, Any], unknown: dict[str, Any]
) -> None:
    """Sort the unknown keys of a delta into those `cls` knows (decoded) and the rest."""
    for key, value in extra.items():
        is_known, decoded = convert_key(cls, key, value)
        if is_known:
            known[key] = decoded
        else:
            unknown[key] = value


# -------------------------------------------------------------------- derived events


class TextEvent:
    """Derived from a `text_delta`: the new `text`, and the block's text so far (`snapshot`)."""

    __slots__ = ("_block", "_length", "text")
    type: ClassVar[Literal["text"]] = "text"

    def __init__(self, text: str, block: _Block) -> None:
        self.text = text
        self._block = block
        self._length = block.length

    @property
    def snapshot(self) -> str:
        """The block's text up to and including this delta (computed on first access)."""
        return self._block.text()[: self._length]

    def parsed_snapshot(self) -> Any:
        """The snapshot parsed as partial JSON, a string cut short kept as far as it goes
        (a structured output as it streams in). Raises `ValueError` when the text so far
        holds no JSON value."""
        scanner = _PartialJSON()
        scanner.scan(self.snapshot)
        completed = scanner.completed(trailing_strings=True)
        if completed is None:
            raise ValueError("the text so far holds no JSON value")
        return msgspec.json.decode(completed)  # its DecodeError is a ValueError

    def __repr__(self) -> str:
        return f"TextEvent(text={self.text!r})"


class ThinkingEvent:
    """Derived from a `thinking_delta`: the new `thinking`, and the thinking so far."""

    __slots__ = ("_block", "_length", "thinking")
    type: ClassVar[Literal["thinking"]] = "thinking"

    def __init__(self, thinking: str, block: _Block) -> None:
        self.thinking = thinking
        self._block = block
        self._length = block.length

    @property
    def snapshot(self) -> str:
        """The block's thinking up to and including this delta."""
        return self._block.text()[: self._length]

    def __repr__(self) -> str:
        return f"ThinkingEvent(thinking={self.thinking!r})"


class SignatureEvent:
    """Derived from a `signature_delta`: the thinking block's `signature`."""

    __slots__ = ("signature",)
    type: ClassVar[Literal["signature"]] = "signature"

    def __init__(self, signature: str) -> None:
        self.signature = signature

    def __repr__(self) -> str:
        return f"SignatureEvent(signature={self.signature!r})"


class CitationEvent:
    """Derived from a `citations_delta`: the new `citation`, and the block's citations so far."""

    __slots__ = ("_block", "_count", "citation")
    type: ClassVar[Literal["citation"]] = "citation"

    def __init__(self, citation: TextCitation, block: _Block) -> None:
        self.citation = citation
        self._block = block
        self._count = len(block.citations or ())

    @property
    def snapshot(self) -> list[TextCitation]:
        """The block's citations up to and including this one."""
        return list((self._block.citations or [])[: self._count])

    def __repr__(self) -> str:
        return f"CitationEvent(citation={self.citation!r})"


class CompactionEvent:
    """Derived from a `compaction_delta` (beta): the compaction block's `content` and
    `encrypted_content` as the delta set them."""

    __slots__ = ("content", "encrypted_content")
    type: ClassVar[Literal["compaction"]] = "compaction"

    def __init__(self, content: str | None, encrypted_content: str | None) -> None:
        self.content = content
        self.encrypted_content = encrypted_content

    def __repr__(self) -> str:
        return f"CompactionEvent(content={self.content!r}, encrypted_content=...)"


BetaCompactionEvent = CompactionEvent  # the official SDK's name (beta streams)


class InputJsonEvent:
    """Derived from an `input_json_delta`: the new `partial_json`, and the input so far."""

    __slots__ = ("_block", "_length", "partial_json")
    type: ClassVar[Literal["input_json"]] = "input_json"

    def __init__(self, partial_json: str, block: _Block) -> None:
        self.partial_json = partial_json
        self._block = block
        self._length = block.length

    @property
    def snapshot(self) -> Any:
        """The tool input parsed from the JSON up to this delta (`{}` before any)."""
        block = self._block
        value = parse_partial_json(
            block.json_text()[: self._length], trailing_strings=block.trailing_strings
        )
        return {} if value is None else value

    def __repr__(self) -> str:
        return f"InputJsonEvent(partial_json={self.partial_json!r})"


class ParsedContentBlockStopEvent:
    """Replaces `content_block_stop`: its `index`, and the finished `content_block`."""

    __slots__ = ("_block", "index")
    type: ClassVar[Literal["content_block_stop"]] = "content_block_stop"

    def __init__(self, index: int, block: _Block) -> None:
        self.index = index
        self._block = block

    @property
    def content_block(self) -> ContentBlock:
        """The finished block."""
        return self._block.block()

    def __repr__(self) -> str:
        return f"ParsedContentBlockStopEvent(index={self.index})"


class ParsedMessageStopEvent:
    """Replaces `message_stop`, carrying the finished `message`."""

    __slots__ = ("_accumulator",)
    type: ClassVar[Literal["message_stop"]] = "message_stop"

    def __init__(self, accumulator: MessageAccumulator) -> None:
        self._accumulator = accumulator

    @property
    def message(self) -> Message:
        """The complete message."""
        return self._accumulator.snapshot

    def __repr__(self) -> str:
        return "ParsedMessageStopEvent()"


StreamEvent = Union[
    MessageStartEvent,
    MessageDeltaEvent,
    ContentBlockStartEvent,
    ContentBlockDeltaEvent,
    TextEvent,
    ThinkingEvent,
    SignatureEvent,
    CitationEvent,
    InputJsonEvent,
    CompactionEvent,
    ParsedContentBlockStopEvent,
    ParsedMessageStopEvent,
]
"""What `AsyncMessageStream` yields: raw events plus the derived ones.

`content_block_stop` and `message_stop` come as their parsed versions only, so
`event.type == "content_block_stop"` narrows to `ParsedContentBlockStopEvent`; `ping` events
are dropped, as the official SDK drops them. Unknown event types are yielded too, as
`UnknownEvent` (not part of this union, like in the official SDK).
"""


class MessageStreamState:
    """The stream helper's logic without I/O: `feed(event)` returns the events to yield.

    The raw event comes first, followed after each delta by its derived event (`text`,
    `thinking`, `signature`, `citation`, `input_json`, `compaction`); `content_block_stop`
    and `message_stop` are replaced by versions carrying the finished block and message;
    `ping` gives nothing. Raises what `MessageAccumulator.update` raises;
    `trailing_strings` is the accumulator's.
    """

    __slots__ = ("accumulator",)

    def __init__(self, *, trailing_strings: bool = False) -> None:
        self.accumulator = MessageAccumulator(trailing_strings=trailing_strings)

    def feed(self, event: MessageStreamEvent) -> list[StreamEvent]:
        """Apply `event` and return what to yield for it, in order."""
        acc = self.accumulator
        acc.update(event)
        kind = type(event)
        ev: Any = event
        if kind is ContentBlockDeltaEvent:
            delta = ev.delta
            block = acc._blocks[ev.index]
            delta_kind = type(delta)
            # A derived event only for a delta the block took (see `MessageAccumulator`).
            kind_of_block = block.kind
            if delta_kind is TextDelta and kind_of_block == _TEXT:
                return [ev, TextEvent(delta.text, block)]
            if delta_kind is InputJSONDelta and kind_of_block == _TOOL:
                return [ev, InputJsonEvent(delta.partial_json, block)]
            if delta_kind is ThinkingDelta and kind_of_block == _THINKING:
                return [ev, ThinkingEvent(delta.thinking, block)]
            if delta_kind is SignatureDelta and kind_of_block == _THINKING:
                return [ev, SignatureEvent(delta.signature)]
            if delta_kind is CitationsDelta and kind_of_block == _TEXT:
                return [ev, CitationEvent(delta.citation, block)]
            if delta_kind is BetaCompactionContentBlockDelta and kind_of_block == _COMPACTION:
                return [ev, CompactionEvent(delta.content, delta.encrypted_content)]
            return [ev]
        if kind is ContentBlockStopEvent:
            return [ParsedContentBlockStopEvent(ev.index, acc._blocks[ev.index])]
        if kind is MessageStopEvent:
            return [ParsedMessageStopEvent(acc)]
        if kind is PingEvent:
            return []
        return [ev]

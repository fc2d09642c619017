"""`client.beta.messages.thread(...)`: a conversation the server holds between turns.

A thread keeps the whole history locally and sends, on each turn, only what the server
lacks: the first turn creates the thread (`thread: {"type": "create"}`, the whole
history), and each later one continues from the last reply's id (`{"type": "continue",
"previous_message_id": ...}`, the new messages only). Where the server lost or cannot
use the thread, the turn is sent again with the whole history under a new thread (or, with
`unsupported_request_behavior="continue_unthreaded"`, without a thread from then on).

`ThreadState` sends nothing: it builds each turn's `create()` arguments and records what
the reply changes. `BetaAsyncMessageThread` sends them through `beta.messages`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

import msgspec

from ._errors import APIStatusError, ClaudeError
from ._helper_tags import append_tokens, with_helper
from ._live_streams import AsyncMessageStream, AsyncMessageStreamManager
from ._request import NOT_GIVEN, NotGiven
from ._tools import is_async_tool, is_sync_tool
from ._toolsets import BetaAsyncRunnableToolset, BetaRunnableToolset
from .types import Message, encode_json
from .types.beta.thread_create_params import ThreadCreateParams
from .types.beta.thread_send_params import ThreadSendParams

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Required, Self, Unpack

    from ._http import Timeout
    from ._requester import Requester
    from ._tool_runner import BetaAsyncStreamingToolRunner, BetaAsyncToolRunner
    from .resources._beta import AsyncBetaMessages
    from .types import BetaMessageParam, ParsedMessage

__all__ = (
    "MESSAGE_THREADS_BETA",
    "BetaAsyncMessageThread",
    "ThreadParams",
    "ThreadState",
    "UnsupportedRequestBehavior",
)

if TYPE_CHECKING:
    # A thread made without `output_format` parses to `None`, as the official's
    # (`ResponseFormatT` defaults to `None`): a default type checkers read, so
    # `thread = client.beta.messages.thread(...)` needs no annotation.
    from typing_extensions import TypeVar as _DefaultedTypeVar

    FormatT = _DefaultedTypeVar("FormatT", default=None)
else:
    FormatT = TypeVar("FormatT")

log = logging.getLogger("anyio_claude")

MESSAGE_THREADS_BETA = "message-threads-2026-08-12"

UnsupportedRequestBehavior = Literal["error", "continue_unthreaded"]
"""What a thread does with a request the server cannot thread: `"error"` (the default)
raises the API's error; `"continue_unthreaded"` sends that turn and every later one with
the whole history and no `thread`."""

# The fields the server takes from the thread on a `continue`, and refuses if repeated.
_CREATE_ONLY = ("system", "tools")
# The `error_code`s after which the whole history, sent under a new thread, goes through.
_REPLAY_CODES = ("thread_not_found", "thread_already_continued", "thread_continue_in_flight")
_OPTIONS = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})
# The fields a thread holds between turns: every `create()` field but `messages`,
# `thread` and `stream`.
_THREAD_FIELDS = frozenset(
    {"max_tokens", "model", "tools"}
    | ThreadCreateParams.__required_keys__
    | ThreadCreateParams.__optional_keys__
)
_CREATE_KEYWORDS = _THREAD_FIELDS - {"max_tokens", "model", "tools"}
# A turn may change any field for itself but `output_config` (the thread's output format
# owns it), and the request options.
_TURN_KEYWORDS = (
    frozenset({"tools"} | ThreadSendParams.__required_keys__ | ThreadSendParams.__optional_keys__)
    | _OPTIONS
)
# Only these keys hold blocks: a tool's free-form `input` keeps its `cache_control` key.
_BLOCK_KEYS = frozenset({"content", "source", "tool", "definition", "tool_references"})


class _ThreadFields(ThreadCreateParams, total=False):
    max_tokens: Required[int]
    model: Required[str]
    messages: Required[list[BetaMessageParam]]
    tools: Iterable[Any]
    unsupported_request_behavior: Required[UnsupportedRequestBehavior]


if sys.version_info >= (3, 11) or TYPE_CHECKING:

    class ThreadParams(_ThreadFields, Generic[FormatT], total=False):
        """The thread as the arguments of one `thread()` call for the whole conversation."""

        output_format: type[FormatT]

else:
    # typing.TypedDict is generic from Python 3.11 on (the generated base is one): before,
    # `ThreadParams[X]` works for type checkers only.
    class ThreadParams(_ThreadFields, total=False):
        """The thread as the arguments of one `thread()` call for the whole conversation."""

        output_format: type[Any]


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` without the ones left at their "not given" default."""
    return {
        key: value
        for key, value in values.items()
        if not isinstance(value, NotGiven)
        and not (value is None and key in ("extra_headers", "extra_query", "extra_body"))
    }


def _reject_unknown(keywords: Mapping[str, object], known: frozenset[str], where: str) -> None:
    """The `TypeError` a spelled-out signature raises: `**params` takes any keyword, and
    the thread would otherwise drop one it does not know (`thread`, say) silently."""
    unknown = sorted(keywords.keys() - known)
    if unknown:
        raise TypeError(f"{where}() got an unexpected keyword argument {unknown[0]!r}")


def as_sent(value: object) -> Any:
    """`value` as the request body sends it (wire objects dumped as JSON does)."""
    return msgspec.json.decode(encode_json(value))


def _without_cache_control(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_cache_control(item) if key in _BLOCK_KEYS else item
            for key, item in cast("dict[str, Any]", value).items()
            if key != "cache_control"
        }
    if isinstance(value, list):
        return [_without_cache_control(item) for item in value]
    return value


def same_message(a: BetaMessageParam, b: BetaMessageParam) -> bool:
    """Whether `a` and `b` are sent as the same message (a reply's blocks are wire
    objects; the caller gives them back as dicts)."""
    return a is b or (a["role"] == b["role"] and as_sent(a) == as_sent(b))


def _param(message: BetaMessageParam | Message) -> BetaMessageParam:
    if isinstance(message, Message):
        return cast("BetaMessageParam", {"role": message.role, "content": message.content})
    return message


def _error_details(error: APIStatusError) -> Mapping[str, Any]:
    return error.details or {}


@dataclass(slots=True)
class _Entry:
    """A message of the history: given by the caller, or a reply (`message`) the thread
    received, `partial` when its stream ended before `message_stop`."""

    param: BetaMessageParam
    message: Message | None = None
    partial: bool = False


@dataclass(slots=True)
class _New:
    """The next turn creates a thread with the whole history; `lost` when the server did
    not find the one before."""

    lost: bool = False


@dataclass(slots=True)
class _Created:
    """A `create` went out with the create-only fields `created_with`, of which
    `for_the_turn` were the turn's own, not the thread's."""

    created_with: dict[str, Any]
    for_the_turn: dict[str, Any]
    lost: bool


@dataclass(slots=True)
class _Continue:
    """The server holds the thread up to the reply `previous_message_id`; `lost` on the
    first `continue` of a thread that replaced a lost one."""

    previous_message_id: str
    created_with: dict[str, Any]
    lost: bool

    def check(self, params: Mapping[str, Any]) -> None:
        changed = [
            f"`{name}`"
            for name in _CREATE_ONLY
            if (as_sent(params[name]) if name in params else None) != self.created_with.get(name)
        ]
        if changed:
            message = (
                f"Cannot change {' and '.join(changed)} on a thread: the server keeps the ones "
                "the thread was created with. To change them, start a new thread from "
                "`thread.params`."
            )
            if "`tools`" in changed:
                message += (
                    " To add or remove tools on this thread, send `tool_addition` or "
                    "`tool_removal` blocks in a `system` message."
                )
            raise ClaudeError(message)


_Position = Literal["off", "unthreaded"] | _New | _Created | _Continue


@dataclass(slots=True)
class _Turn:
    """The turn in flight: what its call staged, and the edits to apply once it ends."""

    started_with: list[_Entry]
    deferred: list[BetaMessageParam | Message] = field(default_factory=list)
    replacement: list[BetaMessageParam] | None = None


def split_tools(tools: Iterable[Any]) -> tuple[dict[str, Any], list[Any]]:
    """The runnable tools by name, and every tool's definition for the request."""
    runnable: dict[str, Any] = {}
    definitions: list[Any] = []
    for tool in tools:
        if is_sync_tool(tool) or is_async_tool(tool):
            runnable[tool.name] = tool
            definitions.append(tool.to_dict())
        elif isinstance(tool, BetaRunnableToolset | BetaAsyncRunnableToolset):
            definitions.append(tool.to_dict())
        else:
            definitions.append(tool)
    return runnable, definitions


class ThreadState:
    """A thread's local view: the history (`stored`: what the server holds, `staged`: what
    the next turn sends), where the next turn stands, its request fields, and the turn in
    flight. Sends nothing."""

    def __init__(
        self,
        params: Mapping[str, Any],
        *,
        options: Mapping[str, Any],
        threading: bool,
        unsupported_request_behavior: UnsupportedRequestBehavior,
    ) -> None:
        self.options: dict[str, Any] = dict(options)
        self._helper = {"x-stainless-helper": "message-thread"} if threading else {}
        self.unsupported_request_behavior: UnsupportedRequestBehavior = unsupported_request_behavior
        self.tools: list[Any] | None = None
        self.runnable_tools: dict[str, Any] = {}
        self.fields: dict[str, Any] = {}
        self.output_type: Any = None
        self._format: dict[str, Any] | None = None
        self._stored: list[_Entry] = []
        self._staged: list[_Entry] = []
        self._position: _Position = _New() if threading else "off"
        self._turn: _Turn | None = None
        self.set_params(params)

    # ------------------------------------------------------------------ what it holds

    @property
    def threading(self) -> bool:
        """Whether turns send a `thread` field at all."""
        return self._position not in ("off", "unthreaded")

    @property
    def previous_message_id(self) -> str | None:
        position = self._position
        return position.previous_message_id if isinstance(position, _Continue) else None

    @property
    def messages(self) -> tuple[BetaMessageParam, ...]:
        """The whole history with what is staged, the edits deferred by a turn in flight
        applied."""
        turn = self._turn
        if turn is not None and turn.replacement is not None:
            messages = list(turn.replacement)
        else:
            messages = [entry.param for entry in (*self._stored, *self._staged)]
        if turn is not None:
            messages += map(_param, turn.deferred)
        return tuple(messages)

    @property
    def has_staged_messages(self) -> bool:
        return bool(self._staged)

    @property
    def params(self) -> dict[str, Any]:
        """The thread as the arguments of one `thread()` call (a new dict)."""
        params: dict[str, Any] = {
            **self.fields,
            "messages": list(self.messages),
            "unsupported_request_behavior": self.unsupported_request_behavior,
        }
        if self.tools is not None:
            params["tools"] = list(self.tools)
        else:
            params.pop("tools", None)
        if self._turn is not None and isinstance(self._position, _Created):
            params.update(self._position.for_the_turn)
        if self.output_type is not None:
            params["output_format"] = self.output_type
        return params

    def _last_reply(self) -> Message | None:
        for entries in (self._staged, self._stored):
            for entry in reversed(entries):
                if entry.message is not None:
                    return entry.message
        return None

    def _repeats_last_reply(self, message: BetaMessageParam | Message) -> bool:
        """Whether `message` is the reply just recorded, given back right after it."""
        if isinstance(message, Message):
            last = self._last_reply()
            return last is not None and message.id == last.id
        entries = self._staged or self._stored
        return (
            bool(entries)
            and entries[-1].message is not None
            and same_message(message, entries[-1].param)
        )

    # ------------------------------------------------------------------ edits

    def append(self, messages: Iterable[BetaMessageParam | Message]) -> None:
        """Stage messages for the next turn (deferred while a turn is in flight), skipping
        the reply just recorded."""
        if self._turn is not None:
            self._turn.deferred.extend(messages)
            return
        for message in messages:
            if not self._repeats_last_reply(message):
                self._staged.append(_Entry(_param(message)))

    def update(self, overrides: Mapping[str, Any], *, tools: Iterable[Any] | None = None) -> None:
        """Apply request fields, tools and options to every later turn."""
        self.fields.update({k: v for k, v in overrides.items() if k in _THREAD_FIELDS})
        if tools is not None:
            self.tools = tools if isinstance(tools, list) else list(tools)
            self._read_tools()
        self.options.update({k: v for k, v in overrides.items() if k in _OPTIONS})
        if isinstance(self._position, _Created):
            for name in _CREATE_ONLY:
                if name in overrides or (name == "tools" and tools is not None):
                    self._position.for_the_turn.pop(name, None)

    def _read_tools(self) -> None:
        # Read on every turn: a list edited in place is seen, as any other field.
        if self.tools is not None:
            self.runnable_tools, self.fields["tools"] = split_tools(self.tools)

    def fork(self) -> ThreadState:
        """A copy continuing from no stored reply, with no turn in flight."""
        fork = ThreadState.__new__(ThreadState)
        fork.options = dict(self.options)
        fork._helper = self._helper
        fork.unsupported_request_behavior = self.unsupported_request_behavior
        fork.tools = self.tools
        fork.runnable_tools = dict(self.runnable_tools)
        fork.fields = dict(self.fields)
        fork.output_type, fork._format = self.output_type, self._format
        fork._stored, fork._staged = list(self._stored), list(self._staged)
        fork._position = _New() if self.threading else self._position
        fork._turn = None
        turn = self._turn
        if turn is not None:
            if turn.replacement is not None:
                fork._stored, fork._staged = [], [_Entry(m) for m in turn.replacement]
            fork.append(turn.deferred)
        return fork

    def set_params(self, params: Mapping[str, Any]) -> None:
        """Replace the fields, tools and output format with `params`' (the container of
        the last reply stays), then the history (`set_messages`)."""
        from ._parse import output_format_param

        params = _given(params)
        self.fields = {k: v for k, v in params.items() if k in _THREAD_FIELDS and k != "tools"}
        self._adopt_container(self._last_reply())
        self.tools = None
        if isinstance(self._position, _Created):
            self._position.for_the_turn = {}
        self.update({}, tools=params.get("tools"))
        self.output_type = params.get("output_format")
        self._format = (
            None if self.output_type is None else dict(output_format_param(self.output_type))
        )
        self.set_messages(list(params.get("messages", ())))

    def set_messages(self, messages: list[BetaMessageParam]) -> None:
        """Take the history from `messages`: additions are staged, any other list replaces
        the history and starts a new thread."""
        turn = self._turn
        if turn is not None:
            # The turn in flight sent what is staged: an edit that only appends waits like
            # `append()`; a rewritten history replaces the thread once the turn ends.
            sent = [entry.param for entry in (*self._stored, *self._staged)]
            if _same_messages(messages[: len(sent)], sent):
                turn.replacement, turn.deferred = None, list(messages[len(sent) :])
            else:
                turn.replacement, turn.deferred = messages, []
            return
        old = [*self._stored, *self._staged]
        if not _same_messages(messages[: len(self._stored)], [e.param for e in self._stored]):
            self._stored = []
            if self.threading:
                self._position = _New()
        self._staged = []
        replies = [entry for entry in old if entry.message is not None]
        for message in messages[len(self._stored) :]:
            if self._repeats_last_reply(message):
                continue
            # A message that is a recorded reply stays one.
            recorded = next((e for e in reversed(replies) if same_message(message, e.param)), None)
            self._staged.append(recorded or _Entry(message))

    # ------------------------------------------------------------------ turns

    def start_turn(self, messages: Iterable[BetaMessageParam | Message]) -> None:
        """Stage `messages` and start the turn; raises `ClaudeError` if one is in flight."""
        if self._turn is not None:
            raise ClaudeError(
                "Another `send()`, `parse()` or `stream()` is already in progress on this thread"
            )
        before = len(self._staged)
        self.append(messages)
        self._turn = _Turn(self._staged[before:])
        self._retry_partial_turn()

    def end_turn(self) -> None:
        """Finish the turn: take back what it staged unless a reply to it started, and apply
        the edits deferred during it."""
        turn, self._turn = self._turn, None
        if turn is None:
            raise RuntimeError("no turn is in progress on this thread")
        self._staged = [e for e in self._staged if not any(e is s for s in turn.started_with)]
        if turn.replacement is not None:
            self.set_messages(turn.replacement)
        self.append(turn.deferred)

    def recovers_from(self, error: APIStatusError) -> bool:
        """Whether the turn goes again because `error` is a rejection this state adjusted
        for (a lost thread, or one the server cannot thread with `continue_unthreaded`)."""
        unthreaded = self.unsupported_request_behavior == "continue_unthreaded"
        code = _error_details(error).get("error_code")
        position = self._position
        if code in _REPLAY_CODES and isinstance(position, _Continue):
            if code == "thread_not_found" and position.lost and unthreaded:
                # Lost again right after a replay: the server may be unable to store it.
                log.info("thread lost again after a replay; continuing without a thread")
                self.stop_threading()
            else:
                self._new_thread(str(code))
            return True
        if code == "thread_unsupported_request" and self.threading and unthreaded:
            unsupported = _error_details(error).get("unsupported")
            log.info(
                "the server cannot thread this request; continuing without a thread: "
                "unsupported=%s",
                ",".join(map(str, unsupported)) if isinstance(unsupported, list) else "",
            )
            self.stop_threading()
            return True
        return False

    def _new_thread(self, reason: str) -> None:
        log.info(
            "replaying the whole history under a new thread: reason=%s previous_message_id=%s",
            reason,
            self.previous_message_id,
        )
        self._position = _New(lost=reason == "thread_not_found")

    def stop_threading(self) -> None:
        """Send no `thread` field from this turn on."""
        if self.threading:
            self._position = "unthreaded"

    def record_reply(self, message: Message) -> None:
        """Record the turn's reply for the next turn to continue from. A refusal is not
        recorded (the server may hold the refused turn) and a reply a fallback model
        wrote is not stored by the server: either way the next turn starts a new thread."""
        if message.stop_reason == "refusal" and self._position != "off":
            if self.previous_message_id is not None:
                self._new_thread("refusal")
            return
        self._store_turn(_Entry(_param(message), message))
        position = self._position
        if isinstance(position, _Created):
            tools = position.for_the_turn.get("tools")
            self.update(
                position.for_the_turn, tools=None if tools == self.fields.get("tools") else tools
            )
        if isinstance(position, _Created | _Continue):
            self._position = _Continue(
                message.id, position.created_with, isinstance(position, _Created) and position.lost
            )
            iterations = message.usage.iterations or ()
            if any(getattr(i, "type", None) == "fallback_message" for i in iterations):
                self._new_thread("fallback_message")
        self._adopt_container(message)

    def _adopt_container(self, reply: Message | None) -> None:
        """Continue in the container of `reply` unless the thread names one: container-bound
        server tools refuse a follow-up without it."""
        if reply is None or reply.container is None:
            return
        container = self.fields.get("container")
        if container is None:
            self.fields["container"] = reply.container.id
        elif isinstance(container, dict) and not container.get("id"):
            self.fields["container"] = {
                **cast("dict[str, Any]", container),
                "id": reply.container.id,
            }

    def record_partial_reply(self, snapshot: Message, completed_blocks: int) -> None:
        """Record a turn whose stream ended after `message_start` and before `message_stop`:
        the server holds all of the reply or none, so the next turn starts a new thread.
        Only finished blocks are kept, and an unfinished text block."""
        if snapshot.stop_reason == "refusal" and self._position != "off":
            self.record_reply(snapshot)
            return
        content = list(snapshot.content[:completed_blocks])
        if completed_blocks < len(snapshot.content):
            unfinished: Any = snapshot.content[completed_blocks]
            if unfinished.type == "text" and unfinished.text:
                content.append(unfinished)
        partial = None
        if content:
            partial_message = msgspec.structs.replace(snapshot, content=content)
            partial = _Entry(_param(partial_message), partial_message, partial=True)
        self._store_turn(partial)
        if self.previous_message_id is not None:
            self._new_thread("stream_ended_before_message_stop")

    def _retry_partial_turn(self) -> None:
        """With nothing staged and a history ending in a turn whose stream ended early, drop
        its partial reply and stage its messages again, for this turn to resend."""
        if self._staged or not self._stored:
            return
        tail = self._stored[-1]
        if tail.message is not None:
            if not tail.partial:
                return
            self._stored.pop()
        start = self._answered()
        self._staged = self._stored[start:]
        del self._stored[start:]
        log.info(
            "resending the turn whose reply ended before message_stop: partial_reply_id=%s",
            tail.message.id if tail.message is not None else None,
        )

    def _answered(self) -> int:
        """How many stored messages there are up to the last reply."""
        return max((i + 1 for i, e in enumerate(self._stored) if e.message is not None), default=0)

    def _store_turn(self, reply: _Entry | None) -> None:
        self._stored += self._staged
        self._staged = []
        if reply is not None:
            self._stored.append(reply)

    # ------------------------------------------------------------------ requests

    def check_next_turn(
        self, overrides: Mapping[str, Any], *, params: Mapping[str, Any] | None = None
    ) -> None:
        """Raise what the next turn with `overrides` would raise before it is sent; with
        `params`, once the thread took them (`set_params`), without taking them."""
        position = self._position
        if not isinstance(position, _Continue):
            return
        if params is None:
            position.check(self._turn_params(overrides))
            return
        fields = {k: v for k, v in _given(params).items() if k in _THREAD_FIELDS}
        if fields.get("tools") is not None:
            fields["tools"] = split_tools(fields["tools"])[1]
        position.check({**fields, **{k: v for k, v in overrides.items() if k in _THREAD_FIELDS}})

    def _turn_params(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        self._read_tools()
        params = {**self.fields, **{k: v for k, v in overrides.items() if k in _THREAD_FIELDS}}
        if "tools" in overrides:
            params["tools"] = list(overrides["tools"])
        if self._format is not None:
            config = params.get("output_config") or {}
            if config.get("format") is not None:
                raise ValueError(
                    "output_format and output_config['format'] were both given; pass only one"
                )
            params["output_config"] = {**config, "format": self._format}
        return params

    def _thread_for_turn(
        self, params: dict[str, Any], overrides: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        position = self._position
        if position == "off" or position == "unthreaded":
            return None
        if isinstance(position, _Continue):
            position.check(params)
            return {"type": "continue", "previous_message_id": position.previous_message_id}
        created_with = {name: params[name] for name in _CREATE_ONLY if name in params}
        self._position = _Created(
            # As sent: a list edited in place differs from it on the next turn.
            as_sent(created_with),
            {k: v for k, v in created_with.items() if k in overrides},
            position.lost,
        )
        return {"type": "create"}

    def create_arguments(self, overrides: Mapping[str, Any], *, stream: bool) -> dict[str, Any]:
        """Settle this turn's `thread` field and build its `create()` keyword arguments
        (without `stream`): fields, betas, the new or whole history, request options."""
        params = self._turn_params(overrides)
        thread = self._thread_for_turn(params, overrides)
        resend = () if self.previous_message_id is not None else self._stored_to_resend()
        # A `continue` after a `pause_turn` with nothing staged sends no message at all:
        # the server holds the unfinished turn and resumes it.
        arguments: dict[str, Any] = {
            **params,
            "messages": [*resend, *(entry.param for entry in self._staged)],
            **self._request_options(overrides, stream=stream),
        }
        betas = list(params.get("betas") or ())
        if self.threading and MESSAGE_THREADS_BETA not in betas:
            arguments["betas"] = [*betas, MESSAGE_THREADS_BETA]
        if thread is not None:
            arguments["thread"] = thread
            if thread["type"] == "continue":
                for name in _CREATE_ONLY:
                    arguments.pop(name, None)
        return arguments

    def _stored_to_resend(self) -> list[Any]:
        """The stored history as a whole-history turn sends it: the answered messages lose
        their blocks' `cache_control` (set for the turn that first sent them; a request
        takes only a few)."""
        messages = [entry.param for entry in self._stored]
        if self._position == "off":
            return messages
        answered = self._answered()
        return [*_without_cache_control(as_sent(messages[:answered])), *messages[answered:]]

    def _request_options(self, overrides: Mapping[str, Any], *, stream: bool) -> dict[str, Any]:
        options = {**self.options, **{k: v for k, v in overrides.items() if k in _OPTIONS}}
        headers = {k.lower(): v for k, v in (options.get("extra_headers") or {}).items()}
        if stream:
            headers = stream_headers(headers)
        if self.threading and "anthropic-beta" in headers:
            # A caller's `anthropic-beta` replaces the one `betas` builds: append ours.
            headers["anthropic-beta"] = append_tokens(
                str(headers["anthropic-beta"]), MESSAGE_THREADS_BETA
            )
        if self._helper:
            headers = with_helper(headers, self._helper["x-stainless-helper"])
        options["extra_headers"] = headers
        return options


def stream_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """`headers` (lower-cased) under the stream helper's tags of `beta.messages`."""
    return {
        "x-stainless-helper-method": "stream",
        "x-stainless-stream-helper": "beta.messages",
        **{k.lower(): v for k, v in headers.items()},
    }


def _same_messages(a: Sequence[BetaMessageParam], b: Sequence[BetaMessageParam]) -> bool:
    return len(a) == len(b) and all(map(same_message, a, b))


def _supports_threads(client: Requester) -> bool:
    return bool(getattr(client, "_supports_message_threads", False))


class BetaAsyncMessageThread(Generic[FormatT]):
    """A conversation the server holds between turns, so each turn sends only the new
    messages. Make one with `client.beta.messages.thread(...)`; it runs one turn at a
    time.

    A turn cancelled or failed before its reply leaves the thread as it was (the messages
    it was given are taken back); a stream closed early keeps the finished part of its
    reply and starts a new thread on the next turn."""

    _client: Requester
    _state: ThreadState

    def __init__(
        self,
        client: Requester,
        *,
        max_tokens: int,
        model: str,
        messages: Iterable[BetaMessageParam] | NotGiven = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        output_format: type[FormatT] | NotGiven | None = NOT_GIVEN,
        unsupported_request_behavior: UnsupportedRequestBehavior = "error",
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        **params: Unpack[ThreadCreateParams],
    ) -> None:
        """Start a thread on `client`; sends nothing. Raises `ClaudeError` on a client
        without message threads (Bedrock, Vertex AI), `TypeError` for an unknown keyword,
        `ValueError` for an `output_format` with an `output_config` format."""
        if not _supports_threads(client):
            raise ClaudeError(
                "Message threads are not available on this client; use "
                "`client.beta.messages.create()` with the full `messages` instead"
            )
        _reject_unknown(params, _CREATE_KEYWORDS, "thread")
        config: Any = params.get("output_config")
        if (
            output_format is not None
            and not isinstance(output_format, NotGiven)
            and isinstance(config, Mapping)
            and cast("Mapping[str, Any]", config).get("format") is not None
        ):
            raise ValueError(
                "output_format and output_config['format'] were both given; pass only one"
            )
        if unsupported_request_behavior not in ("error", "continue_unthreaded"):
            raise ValueError(
                "unsupported_request_behavior must be 'error' or 'continue_unthreaded', not "
                f"{unsupported_request_behavior!r}"
            )
        self._client = client
        self._state = ThreadState(
            {
                **params,
                "max_tokens": max_tokens,
                "model": model,
                "messages": [] if isinstance(messages, NotGiven) else messages,
                "tools": tools,
                "output_format": output_format,
            },
            options=_given(
                {
                    "extra_headers": extra_headers,
                    "extra_query": extra_query,
                    "extra_body": extra_body,
                    "timeout": timeout,
                }
            ),
            threading=True,
            unsupported_request_behavior=unsupported_request_behavior,
        )

    @classmethod
    def _from_state(cls, client: Requester, state: ThreadState) -> Self:
        thread = cls.__new__(cls)
        thread._client, thread._state = client, state
        return thread

    @property
    def _messages_api(self) -> AsyncBetaMessages:
        from .resources._beta import AsyncBetaMessages

        return AsyncBetaMessages(self._client)

    @property
    def messages(self) -> Sequence[BetaMessageParam]:
        """The whole conversation: what the server holds plus what the next turn sends."""
        return self._state.messages

    @property
    def previous_message_id(self) -> str | None:
        """The reply `id` the next turn continues from; `None` when it starts a new
        thread."""
        return self._state.previous_message_id

    @property
    def params(self) -> ThreadParams[FormatT]:
        """The arguments of a `thread()` call for the whole conversation (a new dict)."""
        return cast("ThreadParams[FormatT]", self._state.params)

    def append(self, *messages: BetaMessageParam | Message) -> None:
        """Stage messages for the next turn; sends nothing."""
        self._state.append(messages)

    def update(
        self,
        *,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        **params: Unpack[ThreadSendParams],
    ) -> None:
        """Change the request fields and options of every later turn; sends nothing.
        `system` and `tools` cannot change once a turn created the thread (the next turn
        raises `ClaudeError`)."""
        overrides = _overrides(
            "update",
            params,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        self._state.update(overrides, tools=None if isinstance(tools, NotGiven) else tools)

    def fork(self) -> Self:
        """A new, independent thread with a copy of this one's history, fields, tools and
        options, and no `previous_message_id`; sends nothing."""
        return self._from_state(self._client, self._state.fork())

    async def send(
        self,
        *messages: BetaMessageParam | Message,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        **params: Unpack[ThreadSendParams],
    ) -> Message:
        """Send what is staged and `messages` as one turn and return the reply; keyword
        arguments apply to this turn only.

        Raises `ClaudeError` while another turn is in progress on this thread, and what
        `beta.messages.create` raises (a lost thread is replayed first). Cancelled, the
        thread is left as before the call."""
        overrides = _overrides(
            "send",
            {**params, "tools": tools},
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return await self._send(messages, overrides)

    async def parse(
        self,
        *messages: BetaMessageParam | Message,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        **params: Unpack[ThreadSendParams],
    ) -> ParsedMessage[FormatT]:
        """`send()`, with the reply parsed against the thread's `output_format`; raises
        what `send()` raises, and `OutputValidationError` for a reply that does not
        match."""
        from ._parse import parse_message

        overrides = _overrides(
            "parse",
            {**params, "tools": tools},
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        reply = await self._send(messages, overrides)
        parsed: ParsedMessage[FormatT] = parse_message(reply, self._state.output_type)
        return parsed

    def stream(
        self,
        *messages: BetaMessageParam | Message,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        **params: Unpack[ThreadSendParams],
    ) -> ThreadStreamManager:
        """`send()` as a stream: `async with thread.stream(...) as stream:`. The turn ends
        as soon as the events run out (read to the end, failed, or the stream closed), and
        when the block is left at the latest; then the reply (or, if the stream ended
        early, its finished part) joins the history."""
        overrides = _overrides(
            "stream",
            {**params, "tools": tools},
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return ThreadStreamManager(self, messages, overrides)

    def tool_runner(
        self,
        *,
        max_iterations: int | None = None,
        stream: bool = False,
        max_concurrency: int | None = None,
        tool_timeout: float | None = None,
        run_tools_eagerly: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> BetaAsyncToolRunner[FormatT] | BetaAsyncStreamingToolRunner:
        """The tool loop over this thread: runs its runnable tools for each reply that
        calls them, until one calls none. Replies and tool results join the thread's
        history (see `beta.messages.tool_runner` for the rest)."""
        from ._tool_runner import make_async_runner

        runner = make_async_runner(
            self._messages_api,
            stream=stream,
            max_iterations=max_iterations,
            max_concurrency=max_concurrency,
            tool_timeout=tool_timeout,
            run_tools_eagerly=run_tools_eagerly,
            thread=self,
            options=_given(
                {
                    "extra_headers": extra_headers,
                    "extra_query": extra_query,
                    "extra_body": extra_body,
                    "timeout": timeout,
                }
            ),
        )
        return cast("BetaAsyncToolRunner[FormatT] | BetaAsyncStreamingToolRunner", runner)

    async def _send(
        self, messages: Iterable[BetaMessageParam | Message], overrides: Mapping[str, Any]
    ) -> Message:
        state = self._state
        state.start_turn(messages)
        try:
            while True:
                arguments = state.create_arguments(overrides, stream=False)
                try:
                    reply: Message = await self._messages_api.create(**arguments)
                except APIStatusError as error:
                    if state.recovers_from(error):
                        continue
                    raise
                state.record_reply(reply)
                return reply
        finally:
            state.end_turn()


def _overrides(where: str, params: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    overrides = _given({**params, **options})
    _reject_unknown(overrides, _TURN_KEYWORDS, where)
    return overrides


class ThreadStreamManager(AsyncMessageStreamManager[AsyncMessageStream]):
    """What `thread.stream(...)` returns: `async with` it for the reply's stream.

    Entering starts the turn and opens the stream (replaying a lost thread first). The
    turn ends as soon as the events run out (read to the end, failed or closed), and on
    leaving the block at the latest: the reply joins the history, whole if
    `message_stop` arrived, else its finished blocks (and an unfinished text block), with
    a new thread on the next turn."""

    __slots__ = ("_messages", "_overrides", "_thread", "_turn_open")

    def __init__(
        self,
        thread: BetaAsyncMessageThread[Any],
        messages: Iterable[BetaMessageParam | Message],
        overrides: Mapping[str, Any],
    ) -> None:
        super().__init__(self._open_turn)
        self._thread = thread
        self._messages = messages
        self._overrides = overrides
        self._turn_open = False

    async def _open_turn(self) -> AsyncMessageStream:
        thread = self._thread
        state = thread._state
        state.start_turn(self._messages)
        try:
            while True:
                arguments = state.create_arguments(self._overrides, stream=True)
                if state.output_type is not None:
                    # The stream parses the reply: the format goes back to the type.
                    config = dict(arguments.pop("output_config"))
                    del config["format"]
                    if config:
                        arguments["output_config"] = config
                    arguments["output_format"] = state.output_type
                try:
                    stream: AsyncMessageStream = await thread._messages_api.stream(
                        **arguments
                    ).__aenter__()
                except APIStatusError as error:
                    if state.recovers_from(error):
                        continue
                    raise
                self._turn_open = True
                stream._on_end = self._end_turn
                return stream
        except BaseException:
            state.end_turn()
            raise

    def _end_turn(self) -> None:
        """Record the stream's reply (or its finished part) and free the thread; once."""
        stream = self._stream
        if not self._turn_open or stream is None:
            return
        self._turn_open = False
        stream._on_end = None
        state = self._thread._state
        try:
            snapshot = stream._snapshot_or_none()
            if snapshot is not None:
                if stream._acc.stopped:
                    state.record_reply(snapshot)
                else:
                    state.record_partial_reply(snapshot, stream._acc.completed_blocks)
        finally:
            state.end_turn()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await super().__aexit__(exc_type, exc, tb)
        finally:
            self._end_turn()
            self._stream = None

"""`Claude.beta.messages.thread(...)`: the blocking twin of `BetaAsyncMessageThread`.

Each turn runs the async thread's in the client's loop thread, as every blocking call
does; the thread's state is the async one's, so both behave alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._request import NOT_GIVEN, NotGiven
from ._sync import MessageStreamManager, _await_in_loop, _Portal
from ._threads import BetaAsyncMessageThread

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from ._http import Timeout
    from ._sync import Claude
    from ._sync_tool_runner import BetaStreamingToolRunner, BetaToolRunner
    from ._threads import ThreadParams, UnsupportedRequestBehavior
    from .types import BetaMessageParam, Message, ParsedMessage
    from .types.beta.thread_create_params import ThreadCreateParams
    from .types.beta.thread_send_params import ThreadSendParams

__all__ = ("BetaMessageThread",)

_F = TypeVar("_F")


class BetaMessageThread(Generic[_F]):
    """A conversation the server holds between turns (see `BetaAsyncMessageThread`),
    blocking. Make one with `Claude.beta.messages.thread(...)`."""

    _portal: _Portal
    _async: BetaAsyncMessageThread[_F]

    def __init__(
        self,
        client: Claude,
        *,
        max_tokens: int,
        model: str,
        messages: Iterable[BetaMessageParam] | NotGiven = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        output_format: type[_F] | NotGiven | None = NOT_GIVEN,
        unsupported_request_behavior: UnsupportedRequestBehavior = "error",
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        **params: Unpack[ThreadCreateParams],
    ) -> None:
        """Start a thread on `client`; sends nothing (raises as the async one does)."""
        self._portal = client._portal
        self._async = BetaAsyncMessageThread(
            client._async,
            max_tokens=max_tokens,
            model=model,
            messages=messages,
            tools=tools,
            output_format=output_format,
            unsupported_request_behavior=unsupported_request_behavior,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            **params,
        )

    @classmethod
    def _wrap(cls, portal: _Portal, thread: BetaAsyncMessageThread[_F]) -> Self:
        blocking = cls.__new__(cls)
        blocking._portal, blocking._async = portal, thread
        return blocking

    @property
    def messages(self) -> Sequence[BetaMessageParam]:
        """The whole conversation: what the server holds plus what the next turn sends."""
        return self._async.messages

    @property
    def previous_message_id(self) -> str | None:
        """The reply `id` the next turn continues from; `None` for a new thread."""
        return self._async.previous_message_id

    @property
    def params(self) -> ThreadParams[_F]:
        """The arguments of a `thread()` call for the whole conversation (a new dict)."""
        return self._async.params

    def append(self, *messages: BetaMessageParam | Message) -> None:
        """Stage messages for the next turn; sends nothing."""
        self._async.append(*messages)

    def update(self, **params: Any) -> None:
        """Change the fields and options of every later turn (see the async thread's)."""
        self._async.update(**params)

    def fork(self) -> Self:
        """A new, independent thread with a copy of this one (see the async thread's)."""
        return self._wrap(self._portal, self._async.fork())

    def send(
        self, *messages: BetaMessageParam | Message, **params: Unpack[ThreadSendParams]
    ) -> Message:
        """Send one turn and return the reply (see the async thread's `send`)."""
        reply: Message = _await_in_loop(self._portal, self._async.send, *messages, **params)
        return reply

    def parse(
        self, *messages: BetaMessageParam | Message, **params: Unpack[ThreadSendParams]
    ) -> ParsedMessage[_F]:
        """`send()`, the reply parsed against the thread's `output_format`."""
        parsed: ParsedMessage[_F] = _await_in_loop(
            self._portal, self._async.parse, *messages, **params
        )
        return parsed

    def stream(
        self, *messages: BetaMessageParam | Message, **params: Unpack[ThreadSendParams]
    ) -> MessageStreamManager:
        """`send()` as a stream: `with thread.stream(...) as stream:`; the reply joins the
        history when the block is left."""
        return MessageStreamManager(self._portal, self._async.stream(*messages, **params))

    def tool_runner(self, **args: Any) -> BetaToolRunner[_F] | BetaStreamingToolRunner:
        """The tool loop over this thread (see the async thread's `tool_runner`)."""
        from ._sync_tool_runner import BetaStreamingToolRunner, BetaToolRunner

        runner: Any = self._async.tool_runner(**args)
        if args.get("stream"):
            return BetaStreamingToolRunner(self._portal, runner)
        return BetaToolRunner(self._portal, runner)

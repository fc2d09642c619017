"""Message threads in FakeClaude: the conversation held by reply id for a `thread` field."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..types import Message
from ..types._base import to_builtins
from ._fake_model import RequestError

__all__ = ("FakeThreads", "ThreadRequestError")

THREADS_BETA = "message-threads-2026-08-12"
# The request fields a `thread_unsupported_request` may name (the rest of the API's
# names are organization settings, which `unsupported` holds as they are).
_FEATURE_FIELDS = ("cache_control", "context_management", "fallbacks", "thinking")


class ThreadRequestError(RequestError):
    """A rejection with the `error.details` the API sends for threads."""

    def __init__(self, status: int, error_type: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(status, error_type, message)
        self.details = details


@dataclass
class _Held:
    """A thread as the server holds it after one reply: the whole conversation, the
    create-only fields, and whether a request continued from it (or is doing so)."""

    messages: list[Any]
    system: Any
    tools: Any
    continued: bool = False
    in_flight: bool = False


@dataclass
class FakeThreads:
    """The threads FakeClaude holds, by the id of each reply.

    A request with `thread: {"type": "create"}` sends the whole conversation; its reply's
    id continues it. `{"type": "continue", "previous_message_id": id}` sends only the new
    messages: the server answers the held conversation plus them, without `system` and
    `tools` (taken from the thread). A reply can be continued once; the errors are the
    API's: `thread_not_found` (404: an unknown or `forget()`-ten id),
    `thread_already_continued` and `thread_continue_in_flight` (400: while the other
    request's reply still streams). Every `thread` needs the `message-threads-2026-08-12`
    beta. `unsupported` names what the server refuses to thread (a request field such
    as `"thinking"` when the request sets it, or an organization setting such as
    `"hipaa"`, always): `thread_unsupported_request` (400)."""

    unsupported: set[str] = field(default_factory=set)
    held: dict[str, _Held] = field(default_factory=dict)

    def forget(self, message_id: str) -> None:
        """Drop the thread held at `message_id` (as an expired one): continuing it gives
        `thread_not_found`."""
        self.held.pop(message_id, None)

    def resolve(
        self, body: dict[str, Any], headers: Mapping[str, str]
    ) -> tuple[dict[str, Any], Callable[[Message | None], None], Callable[[], None]]:
        """The request as the model answers it (the whole conversation), a function that
        holds its reply, and one that marks the continued reply no longer in flight.

        Raises `RequestError` for what the API refuses."""
        thread = body["thread"]
        betas = [b.strip() for b in headers.get("anthropic-beta", "").split(",")]
        if THREADS_BETA not in betas:
            raise RequestError(
                400,
                "invalid_request_error",
                f"thread: this field needs the `{THREADS_BETA}` beta (anthropic-beta header)",
            )
        kind = thread.get("type") if isinstance(thread, dict) else None
        if kind not in ("create", "continue"):
            raise RequestError(
                400, "invalid_request_error", "thread.type: Input should be 'create' or 'continue'"
            )
        unsupported = [
            name
            for name in sorted(self.unsupported)
            if name not in _FEATURE_FIELDS or body.get(name) is not None
        ]
        if unsupported:
            raise ThreadRequestError(
                400,
                "invalid_request_error",
                f"Threads do not support: {', '.join(unsupported)}",
                {"error_code": "thread_unsupported_request", "unsupported": unsupported},
            )
        full = {key: value for key, value in body.items() if key != "thread"}
        previous: _Held | None = None
        if kind == "continue":
            previous_id = thread.get("previous_message_id")
            previous = self.held.get(previous_id) if isinstance(previous_id, str) else None
            if previous is None:
                raise ThreadRequestError(
                    404,
                    "not_found_error",
                    f"No thread state was found for previous_message_id {previous_id!r}",
                    {"error_code": "thread_not_found"},
                )
            if previous.in_flight:
                raise ThreadRequestError(
                    400,
                    "invalid_request_error",
                    "Another request is still continuing from this previous_message_id",
                    {"error_code": "thread_continue_in_flight"},
                )
            if previous.continued:
                raise ThreadRequestError(
                    400,
                    "invalid_request_error",
                    "This previous_message_id was already continued",
                    {"error_code": "thread_already_continued"},
                )
            for name in ("system", "tools"):
                if name in body:
                    raise RequestError(
                        400,
                        "invalid_request_error",
                        f"{name}: cannot be sent with a thread continue (the thread has it)",
                    )
            messages = body.get("messages")
            if not isinstance(messages, list):
                raise RequestError(
                    400, "invalid_request_error", "messages: Input should be a valid list"
                )
            full["messages"] = [*previous.messages, *messages]
            for name in ("system", "tools"):
                value = getattr(previous, name)
                if value is not None:
                    full[name] = value
            previous.continued = previous.in_flight = True
        sent = to_builtins(full["messages"])

        def hold(reply: Message | None) -> None:
            if reply is not None and reply.stop_reason != "refusal":
                self.held[reply.id] = _Held(
                    [*sent, {"role": "assistant", "content": to_builtins(reply.content)}],
                    full.get("system"),
                    full.get("tools"),
                )

        def done() -> None:
            if previous is not None:
                previous.in_flight = False

        return full, hold, done


def finishing(chunks: Iterable[tuple[float, bytes]], done: Callable[[], None]) -> Iterator[Any]:
    """`chunks`, calling `done` once they are sent (or the connection went)."""
    try:
        yield from chunks
    finally:
        done()

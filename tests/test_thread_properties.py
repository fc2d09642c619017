"""The message thread's state machine under random sequences of turns, edits and server
errors, against FakeClaude: whatever happened before, the history the thread reports is
what the server holds plus what is staged, each turn either continues the held thread
with only the new messages or replays the whole history, a failed turn leaves the
thread as it was, and no connection or turn is left open."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anyio_claude import APIStatusError, AsyncClaude
from anyio_claude.lib.threads import BetaAsyncMessageThread
from anyio_claude.testing import FakeClaude, Fault

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"

OPS = (
    "send",
    "stream",
    "stream_closed_early",
    "stream_failed",
    "append",
    "update",
    "fork",
    "forget",
    "server_error",
    "unsupported",
)


def plain(messages: Any) -> Any:
    """Messages as JSON sends them (a reply's blocks are wire objects)."""
    return msgspec.json.decode(
        msgspec.json.encode(
            list(messages),
            enc_hook=lambda o: o.model_dump(mode="json", exclude_none=True),
        )
    )


def user(n: int) -> dict[str, Any]:
    return {"role": "user", "content": f"message {n}"}


class Run:
    """One sequence of operations on a thread, and the model of what it stages."""

    def __init__(self, client: AsyncClaude, server: FakeClaude, behavior: Any) -> None:
        self.server = server
        self.thread: BetaAsyncMessageThread[None] = client.beta.messages.thread(
            model=MODEL, max_tokens=30, unsupported_request_behavior=behavior
        )
        self.threads = [self.thread]
        self.staged: list[Any] = []
        self.count = 0
        self.unthreaded = False

    def new_message(self) -> dict[str, Any]:
        self.count += 1
        return user(self.count)

    def check_history(self) -> None:
        """What the thread reports is what the server holds plus what is staged."""
        assert self.thread._state._turn is None
        held = self.server.threads.held.get(self.thread.previous_message_id or "")
        if held is not None:  # (a forgotten thread is found lost on the next turn)
            assert plain(self.thread.messages) == plain([*held.messages, *self.staged])

    async def turn(self, op: str) -> None:
        """One turn with a new message; checks what it sent and what it left."""
        thread, message = self.thread, self.new_message()
        before, previous = plain(thread.messages), thread.previous_message_id
        sent_before = len(self.server.requests)
        if op == "send":
            reply: Any = await thread.send(message)
        elif op == "stream":
            async with thread.stream(message) as stream:
                reply = await stream.get_final_message()
        elif op == "stream_closed_early":
            async with thread.stream(message) as stream:
                async for event in stream:
                    if event.type == "content_block_delta":
                        break
            reply = None
        else:  # stream_failed
            self.server.faults = [Fault("mid_stream_error", times=1, after_events=4)]
            async with thread.stream(message) as stream:
                with pytest.raises(APIStatusError):
                    await stream.get_final_message()
            reply = None
        request = self.server.requests[-1].json
        sent = len(self.server.requests) - sent_before
        # The turn continued the held thread with only the new messages, or replayed the
        # whole history (a new thread, or none once unthreaded).
        if request.get("thread") == {"type": "continue", "previous_message_id": previous}:
            assert sent == 1
            assert request["messages"] == plain([*self.staged, message])
        else:
            assert request["messages"] == [*before, message]
            assert ("thread" in request) != self.unthreaded
        self.staged = []
        after = plain(thread.messages)
        assert after[: len(before) + 1] == [*before, message]
        if reply is not None:
            assert after == [
                *before,
                message,
                *plain([{"role": "assistant", "content": reply.content}]),
            ]
            assert thread.previous_message_id == (None if self.unthreaded else reply.id)
        else:
            # A reply cut short: its finished part stays; the next turn starts anew.
            assert thread.previous_message_id is None

    async def failing_turn(self, op: str, behavior: Any) -> None:
        """A turn the server refuses: the thread is left as it was."""
        thread, message = self.thread, self.new_message()
        before, previous = thread.messages, thread.previous_message_id
        if op == "server_error":
            self.server.faults = [Fault("server_error", times=1)]
        else:
            self.server.threads.unsupported = {"hipaa"}
        try:
            if op == "unsupported" and behavior == "continue_unthreaded" and not self.unthreaded:
                # Refused once, then the whole history without a thread, from now on.
                self.unthreaded = True
                self.server.faults = []
                await self.turn("send")
                return
            if op == "unsupported" and self.unthreaded:
                await self.turn("send")
                return
            with pytest.raises(APIStatusError):
                await thread.send(message)
            assert thread.messages == before
            # Continued from the same reply, or found lost and replayed next time.
            assert thread.previous_message_id in (previous, None)
        finally:
            self.server.threads.unsupported = set()
            self.server.faults = []

    async def step(self, op: str, behavior: Any, number: int) -> None:
        if op in ("send", "stream", "stream_closed_early", "stream_failed"):
            await self.turn(op)
        elif op == "append":
            message = self.new_message()
            self.thread.append(message)
            self.staged.append(message)
        elif op == "update":
            self.thread.update(max_tokens=20 + number, stop_sequences=[f"STOP{number}"])
        elif op == "fork":
            fork = self.thread.fork()
            assert fork.messages == self.thread.messages
            assert fork.previous_message_id is None
            self.thread = fork
            self.threads.append(fork)
        elif op == "forget":
            previous = self.thread.previous_message_id
            if previous is not None:
                self.server.threads.forget(previous)
        else:
            await self.failing_turn(op, behavior)
        self.check_history()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=8),
    behavior=st.sampled_from(["error", "continue_unthreaded"]),
)
@pytest.mark.filterwarnings("ignore::ResourceWarning")
async def test_any_sequence_keeps_the_history_and_the_server_in_step(
    ops: list[str], behavior: str
) -> None:
    async with FakeClaude(seed=5) as server:
        async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
            transport = client._get_transport()
            run = Run(client, server, behavior)
            for number, op in enumerate(ops):
                await run.step(op, behavior, number)
            # Whatever came before, the next turn goes through.
            await run.turn("send")
            assert all(thread._state._turn is None for thread in run.threads)
            assert transport.num_active == 0

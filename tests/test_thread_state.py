"""`ThreadState`, the message thread's state machine, against the pinned official SDK's:
the same operations on both (turns that get a reply, a partial reply, a refusal or an
error, replays and unthreaded retries, edits, forks and new parameters in and out of a
turn) give the same `create()` arguments, history, position and errors. Unit tests of
one class each: nothing is sent."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2
import msgspec
import pytest
from anthropic.lib.threads._thread_state import ThreadState as OfficialState
from anthropic.types.beta import BetaMessage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anyio_claude import APIStatusError, ClaudeError
from anyio_claude._threads import ThreadState
from anyio_claude.types import decode_message

MODEL = "claude-sonnet-4-5"
BETA = "message-threads-2026-08-12"

TOOL_A = {"name": "a", "description": "tool a", "input_schema": {"type": "object"}}
TOOL_B = {"name": "b", "description": "tool b", "input_schema": {"type": "object"}}
CACHED = {"type": "ephemeral"}

# Turn overrides (and `update()` fields): each changes something the state must carry.
OVERRIDES: list[dict[str, Any]] = [
    {},
    {"max_tokens": 20},
    {"system": "other"},
    {"tools": [TOOL_B]},
    {"temperature": 0.5, "betas": ["b-1"]},
    {"betas": [BETA]},
    {"extra_headers": {"Anthropic-Beta": "x-1", "X-Custom": "1"}},
    {"extra_headers": {"x-stainless-helper": "mine"}},
    {"timeout": 5.0, "extra_query": {"q": "1"}, "extra_body": {"k": 1}},
    {"container": {"skills": []}},
    {"container": "cont_given"},
    {"output_config": {"effort": "low"}},
    {"system": "other", "tools": [TOOL_A]},
]


def plain(value: Any) -> Any:
    """`value` as JSON, whichever client's wire objects it holds."""

    def dump(obj: Any) -> Any:
        return obj.model_dump(mode="json", exclude_none=True)

    return msgspec.json.decode(msgspec.json.encode(value, enc_hook=dump))


def user(n: int, *, cached: bool = False) -> dict[str, Any]:
    if cached:
        block = {"type": "text", "text": f"message {n}", "cache_control": CACHED}
        return {"role": "user", "content": [block]}
    return {"role": "user", "content": f"message {n}"}


def reply_data(
    n: int,
    *,
    stop: str | None = "end_turn",
    fallback: bool = False,
    container: bool = False,
    blocks: tuple[str, ...] = ("text",),
) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for i, kind in enumerate(blocks):
        if kind == "text":
            content.append({"type": "text", "text": f"reply {n}.{i}"})
        elif kind == "empty":
            content.append({"type": "text", "text": ""})
        else:
            tool_input = {"cache_control": "kept", "x": i}
            content.append(
                {"type": "tool_use", "id": f"toolu_{n}_{i}", "name": "a", "input": tool_input}
            )
    usage: dict[str, Any] = {"input_tokens": 1, "output_tokens": 1}
    if fallback:
        usage["iterations"] = [
            {
                "type": "fallback_message",
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "input_tokens": 1,
                "output_tokens": 1,
                "model": MODEL,
            }
        ]
    data: dict[str, Any] = {
        "id": f"msg_{n}",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    }
    if container:
        data["container"] = {"id": f"cont_{n}", "expires_at": "2026-12-05T00:00:00Z"}
    return data


def error_body(code: str | None, unsupported: Any = None) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if code is not None:
        details["error_code"] = code
    if unsupported is not None:
        details["unsupported"] = unsupported
    return {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "m", "details": details},
    }


def official_error(status: int, body: Any) -> anthropic.APIStatusError:
    response = httpx2.Response(
        status, request=httpx2.Request("POST", "https://api.test/v1/messages")
    )
    return anthropic.APIStatusError("rejected", response=response, body=body)


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """What `call` returned, or the kind and message of what it raised."""
    try:
        return "returned", call()
    except (ClaudeError, anthropic.AnthropicError) as error:
        return "client error", str(error)
    except RuntimeError as error:  # a misuse inside the package: the kind only
        return type(error).__name__, None


def arguments(args: dict[str, Any]) -> Any:
    """`create()` arguments as both clients send them: lower-cased header names."""
    args = dict(args)
    headers = {k.lower(): v for k, v in (args.pop("extra_headers", None) or {}).items()}
    return plain(args), headers


class Pair:
    """Our `ThreadState` and the official one, given the same operations."""

    def __init__(
        self,
        params: dict[str, Any],
        *,
        options: dict[str, Any] | None = None,
        threading: bool = True,
        behavior: Any = "error",
    ) -> None:
        self.ours = ThreadState(
            params,
            options=options or {},
            threading=threading,
            unsupported_request_behavior=behavior,
        )
        self.theirs: Any = OfficialState(
            params=copy.deepcopy(params),
            options=copy.deepcopy(options or {}),
            threading=threading,
            unsupported_request_behavior=behavior,
        )
        self.replies = 0
        self.count = 100
        self.last: tuple[Any, Any] | None = None

    def same(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call `name` on both with copies of the arguments: the same outcome."""
        ours = outcome(
            lambda: getattr(self.ours, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        )
        theirs = outcome(
            lambda: getattr(self.theirs, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        )
        if ours[0] == "returned" and theirs[0] == "returned":
            assert plain(ours[1]) == plain(theirs[1]), name
        else:
            assert ours == theirs, name
        return ours

    def check(self) -> None:
        ours, theirs = self.ours, self.theirs
        assert plain(ours.messages) == plain(list(theirs.messages))
        assert ours.previous_message_id == theirs.previous_message_id
        assert ours.threading == theirs.threading
        assert ours.has_staged_messages == theirs.has_staged_messages
        our_params, their_params = ours.params, theirs.params
        assert our_params.pop("output_format", None) is their_params.pop("output_format", None)
        assert plain(our_params) == plain(their_params)
        assert sorted(ours.runnable_tools) == sorted(theirs.runnable_tools)

    def new(self) -> dict[str, Any]:
        self.count += 1
        return user(self.count, cached=self.count % 3 == 0)

    def reply(self, **kwargs: Any) -> tuple[Any, Any]:
        self.replies += 1
        data = reply_data(self.replies, **kwargs)
        pair = decode_message(json.dumps(data)), BetaMessage.model_validate(data)
        self.last = pair
        return pair

    def create(self, overrides: dict[str, Any], *, stream: bool) -> bool:
        """Both turns' `create()` arguments, the same; False if both raised."""
        ours = outcome(lambda: self.ours.create_arguments(copy.deepcopy(overrides), stream=stream))
        theirs = outcome(
            lambda: self.theirs.create_arguments(copy.deepcopy(overrides), stream=stream)
        )
        if ours[0] == "returned" and theirs[0] == "returned":
            assert arguments(ours[1]) == arguments(theirs[1])
            return True
        assert ours == theirs
        return False

    def record(self, kind: str, *, completed: int = 0, **kwargs: Any) -> None:
        ours, theirs = self.reply(**kwargs)
        if kind == "reply":
            self.ours.record_reply(ours)
            self.theirs.record_reply(theirs)
        else:
            blocks = completed
            self.ours.record_partial_reply(ours, blocks)
            self.theirs.record_partial_reply(theirs, blocks)

    def recovers(self, status: int, code: str | None, unsupported: Any = None) -> bool:
        body = error_body(code, unsupported)
        ours = self.ours.recovers_from(APIStatusError("rejected", status_code=status, body=body))
        theirs = self.theirs.recovers_from(official_error(status, body))
        assert ours == theirs
        return bool(ours)

    def fork(self) -> None:
        self.ours, self.theirs = self.ours.fork(), self.theirs.fork()
        self.check()


# ---------------------------------------------------------------------------- examples


def base(**extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 30, "messages": [user(1)], **extra}


def turn(pair: Pair, *messages: Any, overrides: dict[str, Any] | None = None, **reply: Any) -> None:
    pair.same("start_turn", list(messages))
    assert pair.create(overrides or {}, stream=False)
    pair.record("reply", **reply)
    pair.same("end_turn")
    pair.check()


def test_turns_continue_and_send_only_what_is_staged() -> None:
    pair = Pair(base(system="s", tools=[TOOL_A]))
    pair.check()
    turn(pair)
    assert pair.ours.previous_message_id == "msg_1"
    turn(pair, pair.new(), overrides={"max_tokens": 5, "extra_headers": {"Anthropic-Beta": "x"}})
    args = pair.ours.create_arguments({}, stream=True)
    assert args["thread"] == {"type": "continue", "previous_message_id": "msg_2"}
    assert "system" not in args and "tools" not in args and args["messages"] == []
    assert args["extra_headers"]["x-stainless-helper-method"] == "stream"
    assert args["betas"] == [BETA]


def test_the_last_reply_given_back_is_not_staged_again() -> None:
    pair = Pair(base())
    turn(pair)
    ours, theirs = pair.last or (None, None)
    pair.ours.append([ours])
    pair.theirs.append([theirs])
    pair.check()
    assert not pair.ours.has_staged_messages
    # As a dict (the caller's copy of the reply), and an unrelated reply given back.
    pair.same("append", [plain({"role": "assistant", "content": ours.content})])
    pair.check()
    assert not pair.ours.has_staged_messages
    pair.same("append", [user(5), plain({"role": "assistant", "content": ours.content})])
    pair.check()
    assert len(pair.ours.messages) == 4
    # A reply other than the last one is a message like any other.
    turn(pair)
    pair.ours.append([ours])
    pair.theirs.append([theirs])
    pair.check()
    assert len(pair.ours.messages) == 6
    never = Pair(base())
    never.ours.append([ours])
    never.theirs.append([theirs])
    never.check()
    assert len(never.ours.messages) == 2


def test_a_turn_after_a_partial_reply_that_kept_nothing() -> None:
    """Its messages stay unanswered: resent with their `cache_control`."""
    pair = Pair(base(messages=[user(1, cached=True)]))
    pair.same("start_turn", [])
    assert pair.create({}, stream=True)
    pair.record("partial", completed=0, blocks=("tool_use",))
    pair.same("end_turn")
    pair.check()
    pair.same("start_turn", [user(2, cached=True)])
    assert pair.create({}, stream=False)
    sent = pair.ours.create_arguments({}, stream=False)["messages"]
    assert sent == [user(1, cached=True), user(2, cached=True)]


@pytest.mark.parametrize(
    ("code", "behavior", "recovers"),
    [
        ("thread_not_found", "error", True),
        ("thread_already_continued", "error", True),
        ("thread_continue_in_flight", "error", True),
        ("thread_unsupported_request", "error", False),
        ("thread_unsupported_request", "continue_unthreaded", True),
        ("invalid_thing", "continue_unthreaded", False),
        (None, "continue_unthreaded", False),
    ],
)
def test_a_rejected_continue(code: str | None, behavior: str, recovers: bool) -> None:
    pair = Pair(base(system="s", messages=[user(1, cached=True)]), behavior=behavior)
    # A replay resends the tool call's free-form `input` as it was, `cache_control` key
    # and all, and the answered messages without their blocks' `cache_control`.
    turn(pair, blocks=("text", "tool_use"))
    pair.same("start_turn", [pair.new()])
    assert pair.create({}, stream=False)
    assert pair.recovers(400, code, ["thinking", 3]) is recovers
    pair.check()
    if recovers:
        assert pair.create({}, stream=False)
        pair.record("reply")
    pair.same("end_turn")
    pair.check()


def test_a_thread_lost_again_after_its_replay() -> None:
    for behavior in ("error", "continue_unthreaded"):
        pair = Pair(base(), behavior=behavior)
        turn(pair)
        for _ in range(2):
            pair.same("start_turn", [pair.new()])
            assert pair.create({}, stream=False)
            assert pair.recovers(404, "thread_not_found")
            pair.check()
            assert pair.create({}, stream=False)
            pair.record("reply")
            pair.same("end_turn")
            pair.check()
        # Only right after the replay: the next one is lost as a first time.
        assert pair.ours.threading is (behavior == "error")
        turn(pair, pair.new())
        turn(pair, pair.new())
        pair.same("start_turn", [pair.new()])
        assert pair.create({}, stream=False)
        assert pair.recovers(404, "thread_not_found") is (behavior == "error")
        assert pair.create({}, stream=False)
        pair.record("reply")
        pair.same("end_turn")
        pair.check()


def test_a_create_that_is_not_found_is_not_replayed() -> None:
    pair = Pair(base())
    pair.same("start_turn", [])
    assert pair.create({}, stream=False)
    assert not pair.recovers(404, "thread_not_found")
    pair.same("end_turn")
    pair.check()
    assert pair.ours.messages == (user(1),)


@pytest.mark.parametrize("threading", [True, False])
@pytest.mark.parametrize(
    "reply",
    [
        {"stop": "refusal"},
        {"fallback": True},
        {"container": True},
        {"stop": "pause_turn", "blocks": ("text", "tool_use")},
    ],
    ids=["refusal", "fallback", "container", "pause"],
)
def test_what_a_reply_changes(threading: bool, reply: dict[str, Any]) -> None:
    for container in (None, "cont_mine", {"skills": []}, {"id": "cont_x"}):
        extra = {} if container is None else {"container": container}
        pair = Pair(base(**extra), threading=threading)
        turn(pair)
        turn(pair, pair.new(), **reply)
        turn(pair, **reply)
        pair.same("start_turn", [])
        assert pair.create({}, stream=False)
        pair.same("end_turn")


@pytest.mark.parametrize("threading", [True, False])
@pytest.mark.parametrize("completed", [0, 1, 2, 3])
@pytest.mark.parametrize(
    "blocks", [("text", "tool_use", "text"), ("tool_use", "empty"), ("text", "empty", "text")]
)
def test_a_partial_reply(threading: bool, completed: int, blocks: tuple[str, ...]) -> None:
    for stop in (None, "refusal"):
        pair = Pair(base(), threading=threading)
        turn(pair)
        pair.same("start_turn", [pair.new()])
        assert pair.create({}, stream=True)
        pair.record("partial", completed=completed, blocks=blocks, stop=stop)
        pair.same("end_turn")
        pair.check()
        # The next turn sends the turn whose reply ended early again.
        pair.same("start_turn", [])
        assert pair.create({}, stream=True)
        pair.record("reply")
        pair.same("end_turn")
        pair.check()
        turn(pair, pair.new())


def test_create_only_fields_cannot_change_on_a_continue() -> None:
    pair = Pair(base(system="s", tools=[TOOL_A]))
    turn(pair)
    for overrides in ({"system": "t"}, {"tools": [TOOL_B]}, {"system": "t", "tools": []}):
        pair.same("check_next_turn", overrides)
        pair.same("start_turn", [pair.new()])
        assert not pair.create(overrides, stream=False)
        pair.same("end_turn")
        pair.check()
    pair.same("check_next_turn", {"system": "s", "tools": [TOOL_A]})
    with pytest.raises(ClaudeError, match=r"Cannot change `system` and `tools`.*tool_addition"):
        pair.ours.check_next_turn({"system": "t", "tools": []})
    with pytest.raises(ClaudeError, match="Cannot change `system` on") as raised:
        pair.ours.check_next_turn({}, params=base(system="t", tools=[TOOL_A]))
    assert "tool_addition" not in str(raised.value)
    pair.ours.check_next_turn({}, params=base(system="s", tools=iter([TOOL_A])))
    with pytest.raises(ClaudeError, match="`tools`"):
        pair.ours.check_next_turn({"tools": [TOOL_B]}, params=base(system="s", tools=[TOOL_A]))
    fresh = Pair(base(system="s"))
    fresh.ours.check_next_turn({"system": "t"}, params=base())


def test_a_create_with_turn_overrides_keeps_the_threads_own() -> None:
    pair = Pair(base(system="s", tools=[TOOL_A]))
    pair.same("start_turn", [])
    assert pair.create({"system": "t", "tools": [TOOL_B]}, stream=False)
    pair.check()  # the turn's own `system` and `tools` stand in for the thread's
    pair.same("update", {"system": "u"}, tools=[TOOL_A, TOOL_B])
    pair.check()
    pair.record("reply")
    pair.same("end_turn")
    pair.check()
    turn(pair, pair.new(), overrides={"system": "t", "tools": [TOOL_B]})


def test_edits_during_a_turn_wait_for_it() -> None:
    for edit in (
        "append",
        "extend",
        "rewrite",
        "update",
        "fork",
        "params",
        "append+fork",
        "rewrite+fork",
    ):
        for ends in ("reply", "error"):
            pair = Pair(base(tools=[TOOL_A]))
            turn(pair)
            pair.same("start_turn", [pair.new()])
            assert pair.create({"max_tokens": 3}, stream=False)
            if edit.startswith("append"):
                pair.same("append", [pair.new()])
            elif edit == "extend":
                pair.same("set_messages", [*plain(pair.ours.messages), pair.new()])
            elif edit.startswith("rewrite"):
                pair.same("set_messages", [user(1), pair.new()])
            elif edit == "update":
                pair.same("update", {"max_tokens": 9}, tools=[TOOL_B])
            elif edit == "params":
                pair.same("set_params", base(system="p", messages=[user(7)]))
            pair.check()
            if edit.endswith("fork"):
                # The fork takes the edits the turn deferred.
                fork = Pair(base())
                fork.ours, fork.theirs = pair.ours.fork(), pair.theirs.fork()
                fork.check()
                turn(fork, fork.new())
            if ends == "reply":
                pair.record("reply")
            pair.same("end_turn")
            pair.check()
            pair.same("start_turn", [])
            pair.create({}, stream=False)
            pair.same("end_turn")
    pair = Pair(base())
    pair.same("end_turn")
    with pytest.raises(RuntimeError, match=r"^no turn is in progress on this thread$"):
        pair.ours.end_turn()
    pair.same("start_turn", [])
    pair.same("start_turn", [])


def test_set_params_keeps_the_recorded_replies() -> None:
    pair = Pair(base(system="s", tools=[TOOL_A], container={"skills": []}))
    turn(pair, container=True)
    turn(pair, pair.new(), container=True)
    history = plain(pair.ours.messages)
    rewrites = (
        history,
        [*history, user(9)],
        [*history, history[-1], user(9)],  # the last reply given back, then more
        history[:2],
        history[:1],
        [user(8)],
        [user(8, cached=True), *history[1:]],  # a new first message: the replies stay ones
        [],
    )
    for messages in rewrites:
        copy_pair = Pair(base())
        copy_pair.ours, copy_pair.theirs = pair.ours.fork(), pair.theirs.fork()
        copy_pair.same("set_params", base(system="s", tools=[TOOL_A], messages=messages))
        copy_pair.check()
        if messages:
            # A reply the history kept is still one: given back right after, it is skipped.
            copy_pair.same("append", [messages[-1]])
            copy_pair.check()
        copy_pair.same("start_turn", [copy_pair.new()])
        assert copy_pair.create({}, stream=False)
        copy_pair.same("end_turn")
    pair.same("set_params", base(messages=history))
    pair.check()
    pair.same("set_params", base(messages=[*history, history[-1]]))
    pair.check()


def test_an_output_format() -> None:
    from pydantic import BaseModel

    class Answer(BaseModel):
        city: str

    pair = Pair(base(output_format=Answer))
    pair.check()
    turn(pair, overrides={"output_config": {"effort": "low"}})
    assert pair.ours.output_type is Answer
    # The official lets the thread's format replace the turn's; ours refuses both.
    with pytest.raises(
        ValueError,
        match=r"^output_format and output_config\['format'\] were both given; pass only one$",
    ):
        pair.ours.create_arguments({"output_config": {"format": {"type": "x"}}}, stream=False)
    pair.same("set_params", base())
    pair.check()
    assert pair.ours.output_type is None


def test_stop_threading_and_an_unthreaded_state() -> None:
    pair = Pair(base())
    turn(pair)
    pair.same("stop_threading")
    pair.check()
    turn(pair, pair.new())
    pair.same("stop_threading")
    assert not pair.ours.threading
    # Never a thread: the history goes as it is, `cache_control` and all.
    off = Pair(base(messages=[user(1, cached=True)]), threading=False)
    off.same("stop_threading")
    turn(off, off.new())
    off.fork()
    turn(off, off.new())
    args = off.ours.create_arguments({}, stream=False)
    assert "thread" not in args and "betas" not in args
    assert args["extra_headers"] == {}
    assert args["messages"][0] == user(1, cached=True)


# ---------------------------------------------------------------------------- any sequence

TURN = st.tuples(
    st.just("turn"),
    st.integers(0, 2),  # new messages
    st.sampled_from(range(len(OVERRIDES))),
    st.booleans(),  # streamed
    st.lists(
        st.sampled_from(
            [
                "thread_not_found",
                "thread_already_continued",
                "thread_continue_in_flight",
                "thread_unsupported_request",
                "other",
            ]
        ),
        max_size=2,
    ),
    st.sampled_from(["reply", "refusal", "fallback", "container", "partial", "none"]),
    st.integers(0, 2),  # completed blocks of a partial reply
    st.sampled_from(["", "append", "update", "rewrite", "extend", "params", "fork"]),
)
OPERATION = st.one_of(
    TURN,
    st.tuples(st.just("append"), st.sampled_from(["new", "reply", "reply dict", "both"])),
    st.tuples(st.just("update"), st.sampled_from(range(len(OVERRIDES))), st.booleans()),
    st.tuples(st.just("set_params"), st.sampled_from(["same", "more", "fewer", "other"])),
    st.tuples(st.just("fork")),
    st.tuples(st.just("check"), st.sampled_from(range(len(OVERRIDES)))),
    st.tuples(st.just("tools in place")),
    st.tuples(st.just("stop_threading")),
)


def edit(pair: Pair, kind: str) -> None:
    history = plain(pair.ours.messages)
    if kind == "append":
        pair.same("append", [pair.new()])
    elif kind == "update":
        pair.same("update", {"max_tokens": 7, "system": "edited"}, tools=[TOOL_B])
    elif kind == "rewrite":
        pair.same("set_messages", [pair.new()])
    elif kind == "extend":
        pair.same("set_messages", [*history, pair.new()])
    elif kind == "params":
        pair.same("set_params", base(tools=[TOOL_A], messages=[*history[:2], pair.new()]))
    elif kind == "fork":
        pair.fork()


def run(pair: Pair, operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    if kind == "turn":
        _, new, override, stream, errors, end, completed, during = operation
        pair.same("start_turn", [pair.new() for _ in range(new)])
        overrides = OVERRIDES[override]
        sending = pair.create(overrides, stream=stream)
        for code in errors if sending else ():
            if not pair.recovers(400, None if code == "other" else code, ["hipaa"]):
                sending = False
                break
            sending = pair.create(overrides, stream=stream)
        if during:
            edit(pair, during)
        if sending and end != "none":
            if end == "partial":
                pair.record("partial", completed=completed, blocks=("text", "tool_use"))
            else:
                pair.record(
                    "reply",
                    stop="refusal" if end == "refusal" else "end_turn",
                    fallback=end == "fallback",
                    container=end == "container",
                )
        pair.check()
        pair.same("end_turn")
    elif kind == "append":
        last = pair.last
        if operation[1] in ("reply", "both") and last is not None:
            pair.ours.append([last[0]])
            pair.theirs.append([last[1]])
        if operation[1] in ("reply dict", "both") and last is not None:
            pair.same("append", [plain({"role": "assistant", "content": last[0].content})])
        if operation[1] in ("new", "both"):
            pair.same("append", [pair.new()])
    elif kind == "update":
        overrides = dict(OVERRIDES[operation[1]])
        tools = overrides.pop("tools", None)
        pair.same("update", overrides, tools=tools if operation[2] else None)
    elif kind == "set_params":
        history = plain(pair.ours.messages)
        messages = {
            "same": history,
            "more": [*history, pair.new()],
            "fewer": history[:-1],
            "other": [pair.new()],
        }[operation[1]]
        pair.same("set_params", base(system="s", messages=messages))
    elif kind == "fork":
        pair.fork()
    elif kind == "check":
        pair.same("check_next_turn", OVERRIDES[operation[1]])
    elif kind == "tools in place":
        for state in (pair.ours, pair.theirs):
            tools = state.tools if state is pair.ours else state._tools
            if tools is not None:
                tools.append(dict(TOOL_B))
    else:
        pair.same("stop_threading")
    pair.check()


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.sampled_from([True, False]),
    st.sampled_from(["error", "continue_unthreaded"]),
    st.booleans(),
    st.lists(OPERATION, max_size=12),
)
def test_any_sequence_as_the_official_state(
    threading: bool, behavior: str, with_fields: bool, operations: list[tuple[Any, ...]]
) -> None:
    extra: dict[str, Any] = (
        {"system": "s", "tools": [TOOL_A], "container": {"skills": []}} if with_fields else {}
    )
    pair = Pair(
        base(**extra),
        options={"extra_headers": {"X-Mine": "1"}, "timeout": 9.0} if with_fields else {},
        threading=threading,
        behavior=behavior,
    )
    pair.check()
    for operation in operations:
        run(pair, operation)


def test_what_the_state_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="anyio_claude")
    pair = Pair(base(), behavior="continue_unthreaded")
    turn(pair)  # msg_1
    turn(pair, pair.new(), stop="refusal")
    turn(pair, pair.new(), fallback=True)  # msg_3, replaced by the next create
    turn(pair, pair.new())  # msg_4
    pair.same("start_turn", [pair.new()])
    assert pair.create({}, stream=True)
    pair.record("partial", completed=1, blocks=("text", "tool_use"))  # msg_5
    pair.same("end_turn")
    turn(pair)  # msg_6
    pair.same("start_turn", [pair.new()])
    assert pair.create({}, stream=True)
    pair.record("partial", completed=0, blocks=("tool_use",))  # nothing kept
    pair.same("end_turn")
    turn(pair)  # msg_8
    for code in ("thread_already_continued", "thread_not_found"):
        pair.same("start_turn", [pair.new()])
        assert pair.create({}, stream=False)
        assert pair.recovers(409, code)
        assert pair.create({}, stream=False)
        pair.record("reply")
        pair.same("end_turn")
    pair.same("start_turn", [pair.new()])
    assert pair.create({}, stream=False)
    assert pair.recovers(404, "thread_not_found")
    pair.same("end_turn")
    pair = Pair(base(), behavior="continue_unthreaded")
    pair.same("start_turn", [])
    assert pair.create({}, stream=False)
    assert pair.recovers(400, "thread_unsupported_request", ["thinking", "hipaa"])
    pair = Pair(base(), behavior="continue_unthreaded")
    pair.same("start_turn", [])
    assert pair.create({}, stream=False)
    assert pair.recovers(400, "thread_unsupported_request", "not a list")
    ours = [r.getMessage() for r in caplog.records if r.name == "anyio_claude"]
    new = "replaying the whole history under a new thread: reason={} previous_message_id={}"
    unthreaded = "the server cannot thread this request; continuing without a thread: unsupported="
    assert ours == [
        new.format("refusal", "msg_1"),
        new.format("fallback_message", "msg_3"),
        new.format("stream_ended_before_message_stop", "msg_4"),
        "resending the turn whose reply ended before message_stop: partial_reply_id=msg_5",
        new.format("stream_ended_before_message_stop", "msg_6"),
        "resending the turn whose reply ended before message_stop: partial_reply_id=None",
        new.format("thread_already_continued", "msg_8"),
        new.format("thread_not_found", "msg_9"),
        "thread lost again after a replay; continuing without a thread",
        unthreaded + "thinking,hipaa",
        unthreaded,
    ]


def test_tools_edited_in_place_or_given_as_an_iterator() -> None:
    ours_tools, their_tools = [TOOL_A], [TOOL_A]
    pair = Pair(base())
    pair.ours.update({}, tools=ours_tools)
    pair.theirs.update({}, tools=their_tools)
    ours_tools.append(TOOL_B)
    their_tools.append(TOOL_B)
    pair.check()
    turn(pair)
    assert pair.ours.params["tools"] == [TOOL_A, TOOL_B]
    fresh = Pair(base())
    fresh.ours.update({}, tools=iter([TOOL_B]))
    fresh.theirs.update({}, tools=iter([TOOL_B]))
    fresh.check()
    turn(fresh)
    assert fresh.ours.params["tools"] == [TOOL_B]

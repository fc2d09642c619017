"""FakeClaude's message threads (`server.threads`) through plain HTTP on 127.0.0.1, with
the official SDK's HTTP client (`httpx2`) rather than ours, so a bug shared by our client
and the fake cannot hide: each refusal's status, error type, exact message and
`error.details`; what the model answers a continue (the held conversation plus the new
messages, with the thread's `system` and `tools`), what is held after a reply, and when a
continue stops being in flight."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import anyio
import httpx2
import pytest

from anyio_claude.testing import FakeClaude
from anyio_claude.testing._fake_model import count_request_tokens

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
BETA = "message-threads-2026-08-12"
TOOL: Any = {"name": "other", "input_schema": {"type": "object"}}


def user(text: str) -> Any:
    return {"role": "user", "content": text}


def body(*messages: Any, thread: Any, **fields: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 20,
        "messages": list(messages),
        "thread": thread,
        **fields,
    }


def cont(previous: Any) -> dict[str, Any]:
    return {"type": "continue", "previous_message_id": previous}


CREATE = {"type": "create"}


@pytest.fixture
async def http(server: FakeClaude) -> AsyncIterator[httpx2.AsyncClient]:
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01", "anthropic-beta": BETA}
    async with httpx2.AsyncClient(base_url=server.url, headers=headers) as client:
        yield client


async def post(http: httpx2.AsyncClient, json: Any, **kwargs: Any) -> httpx2.Response:
    return await http.post("/v1/messages", json=json, **kwargs)


def error(response: httpx2.Response) -> tuple[int, str, str, Any]:
    """(status, error type, message, details) of an error reply."""
    got = response.json()["error"]
    return response.status_code, got["type"], got["message"], got.get("details")


async def test_a_thread_needs_its_beta(server: FakeClaude, http: httpx2.AsyncClient) -> None:
    refused = await post(http, body(user("x"), thread=CREATE), headers={"anthropic-beta": "a,b"})
    assert error(refused) == (
        400,
        "invalid_request_error",
        f"thread: this field needs the `{BETA}` beta (anthropic-beta header)",
        None,
    )
    async with httpx2.AsyncClient(base_url=server.url, headers={"x-api-key": "k"}) as bare:
        unheaded = await post(bare, body(user("x"), thread=CREATE))  # no beta header at all
    assert error(unheaded) == error(refused)
    # Among others, spaced as a list is.
    spaced = await post(
        http, body(user("x"), thread=CREATE), headers={"anthropic-beta": f"other-1 ,  {BETA}"}
    )
    assert spaced.status_code == 200 and spaced.json()["id"] in server.threads.held
    packed = await post(
        http, body(user("x"), thread=CREATE), headers={"anthropic-beta": f"a,{BETA}"}
    )
    assert packed.status_code == 200


@pytest.mark.parametrize("thread", [None, "create", {}, {"type": "fork"}, ["create"]])
async def test_the_thread_type_is_create_or_continue(http: httpx2.AsyncClient, thread: Any) -> None:
    assert error(await post(http, body(user("x"), thread=thread))) == (
        400,
        "invalid_request_error",
        "thread.type: Input should be 'create' or 'continue'",
        None,
    )


async def test_what_the_server_will_not_thread(
    server: FakeClaude, http: httpx2.AsyncClient
) -> None:
    # Request fields only when the request sets them; settings always, sorted.
    settings = ["byok", "eu_only", "hipaa", "zdr"]
    server.threads.unsupported = {"thinking", "cache_control", *settings}
    refused = await post(http, body(user("x"), thread=CREATE, thinking=None))
    assert error(refused) == (
        400,
        "invalid_request_error",
        "Threads do not support: byok, eu_only, hipaa, zdr",
        {"error_code": "thread_unsupported_request", "unsupported": settings},
    )
    server.threads.unsupported = {"thinking", "context_management", "fallbacks"}
    plain = await post(http, body(user("x"), thread=CREATE))
    assert plain.status_code == 200
    thinking = {"type": "enabled", "budget_tokens": 1024}
    refused = await post(http, body(user("x"), thread=CREATE, max_tokens=2000, thinking=thinking))
    assert error(refused)[2:] == (
        "Threads do not support: thinking",
        {"error_code": "thread_unsupported_request", "unsupported": ["thinking"]},
    )
    server.threads.unsupported = {"thinking", "cache_control"}
    both = body(user("x"), thread=CREATE, max_tokens=2000, thinking=thinking)
    both["cache_control"] = {"type": "ephemeral"}
    assert error(await post(http, both))[3]["unsupported"] == ["cache_control", "thinking"]


async def test_the_refusals_of_a_continue(server: FakeClaude, http: httpx2.AsyncClient) -> None:
    for previous in ("msg_nope", 7, None, ["msg_nope"]):
        lost = await post(http, body(user("x"), thread=cont(previous)))
        assert error(lost) == (
            404,
            "not_found_error",
            f"No thread state was found for previous_message_id {previous!r}",
            {"error_code": "thread_not_found"},
        )
    lost = await post(http, body(user("x"), thread={"type": "continue"}))
    assert error(lost)[2] == "No thread state was found for previous_message_id None"
    first = (await post(http, body(user("one"), thread=CREATE))).json()["id"]
    for name, value in (("system", "s"), ("tools", [TOOL])):
        refused = await post(http, body(user("x"), thread=cont(first), **{name: value}))
        assert error(refused) == (
            400,
            "invalid_request_error",
            f"{name}: cannot be sent with a thread continue (the thread has it)",
            None,
        )
    not_a_list = await post(http, {**body(thread=cont(first)), "messages": "hi"})
    assert error(not_a_list) == (
        400,
        "invalid_request_error",
        "messages: Input should be a valid list",
        None,
    )
    # None of these continued it; a reply is continued once.
    assert (await post(http, body(user("two"), thread=cont(first)))).status_code == 200
    again = await post(http, body(user("two"), thread=cont(first)))
    assert error(again) == (
        400,
        "invalid_request_error",
        "This previous_message_id was already continued",
        {"error_code": "thread_already_continued"},
    )
    # A forgotten reply is lost; forgetting twice, or an unknown id, is no error.
    second = (await post(http, body(user("x"), thread=CREATE))).json()["id"]
    server.threads.forget(second)
    server.threads.forget(second)
    server.threads.forget("msg_never")
    assert error(await post(http, body(user("y"), thread=cont(second))))[3] == {
        "error_code": "thread_not_found"
    }


async def test_a_continue_is_answered_as_the_whole_conversation(
    server: FakeClaude, http: httpx2.AsyncClient
) -> None:
    created = body(user("one"), thread=CREATE, system="be brief", tools=[TOOL])
    first = (await post(http, created)).json()
    held = server.threads.held[first["id"]]
    assistant = {"role": "assistant", "content": first["content"]}
    assert held.messages == [user("one"), assistant]
    assert (held.system, held.tools) == ("be brief", [TOOL])
    assert not held.continued and not held.in_flight
    second = (await post(http, body(user("two"), user("three"), thread=cont(first["id"])))).json()
    assert held.continued and not held.in_flight
    whole = [user("one"), assistant, user("two"), user("three")]
    # The model saw the held conversation, the thread's system and tools, and no thread.
    expected = {"model": MODEL, "max_tokens": 20, "messages": whole, "system": "be brief"}
    assert second["usage"]["input_tokens"] == count_request_tokens({**expected, "tools": [TOOL]})
    held_next = server.threads.held[second["id"]]
    assert held_next.messages == [*whole, {"role": "assistant", "content": second["content"]}]
    assert (held_next.system, held_next.tools) == ("be brief", [TOOL])
    # A thread without system or tools has none to add.
    bare = (await post(http, body(user("a"), thread=CREATE))).json()
    assert (server.threads.held[bare["id"]].system, server.threads.held[bare["id"]].tools) == (
        None,
        None,
    )
    reply = (await post(http, body(user("b"), thread=cont(bare["id"])))).json()
    bare_whole = [user("a"), {"role": "assistant", "content": bare["content"]}, user("b")]
    assert reply["usage"]["input_tokens"] == count_request_tokens(
        {"model": MODEL, "max_tokens": 20, "messages": bare_whole}
    )


async def test_a_refusal_or_no_message_is_not_held(
    server: FakeClaude, http: httpx2.AsyncClient
) -> None:
    start: Any = {
        "id": "msg_refused",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 1},
    }
    server.script(
        [
            {"type": "message_start", "message": start},
            {
                "type": "message_delta",
                "delta": {"stop_reason": "refusal", "stop_sequence": None},
                "usage": {"output_tokens": 1},
            },
            {"type": "message_stop"},
        ]
    )
    refused = await post(http, body(user("x"), thread=CREATE))
    assert refused.json()["stop_reason"] == "refusal"
    assert server.threads.held == {}
    assert error(await post(http, body(user("y"), thread=cont("msg_refused"))))[0] == 404
    # Nor is a reply that is no message (scripted bytes, sent verbatim).
    server.script(b"event: ping\ndata: {}\n\n")
    verbatim = await post(http, body(user("z"), thread=CREATE, stream=True))
    assert verbatim.status_code == 200 and verbatim.text == "event: ping\ndata: {}\n\n"
    assert server.threads.held == {}


async def test_a_streamed_continue_is_in_flight_until_its_events_end(
    server: FakeClaude, http: httpx2.AsyncClient
) -> None:
    first = (await post(http, body(user("one"), thread=CREATE))).json()["id"]
    server.itl = 0.05
    async with http.stream(
        "POST",
        "/v1/messages",
        json=body(user("two"), thread=cont(first), stream=True, max_tokens=40),
    ) as streamed:
        generator: Any = streamed.aiter_lines()  # an async generator, typed as an iterator
        async with aclosing(generator) as lines:
            assert (await lines.__anext__()).startswith("event: ")
            refused = await post(http, body(user("three"), thread=cont(first)))
            assert error(refused) == (
                400,
                "invalid_request_error",
                "Another request is still continuing from this previous_message_id",
                {"error_code": "thread_continue_in_flight"},
            )
            rest = [line async for line in lines]
    assert "event: message_stop" in rest
    assert server.threads.held[first].in_flight is False
    again = await post(http, body(user("three"), thread=cont(first)))
    assert error(again)[3] == {"error_code": "thread_already_continued"}
    # A stream left early (the connection closed) stops being in flight too.
    server.itl = 0.0
    other = (await post(http, body(user("one"), thread=CREATE))).json()["id"]
    server.itl = 0.05
    async with http.stream(
        "POST",
        "/v1/messages",
        json=body(user("two"), thread=cont(other), stream=True, max_tokens=40),
    ) as streamed:
        assert streamed.status_code == 200  # only the head read
        assert server.threads.held[other].in_flight
    # The server finds the connection gone at its next write: no event to wait for.
    with anyio.fail_after(10):
        while server.threads.held[other].in_flight:  # noqa: ASYNC110
            await anyio.sleep(0.01)
    assert error(await post(http, body(user("x"), thread=cont(other))))[3] == {
        "error_code": "thread_already_continued"
    }


async def test_a_continue_the_model_refuses_is_not_in_flight(
    server: FakeClaude, http: httpx2.AsyncClient
) -> None:
    first = (await post(http, body(user("one"), thread=CREATE))).json()["id"]
    bad = await post(http, body(user("two"), thread=cont(first), max_tokens=-1))
    assert bad.status_code == 400
    assert server.threads.held[first].in_flight is False

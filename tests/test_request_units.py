"""Unit tests of the request core (`_request`), the lowest exceptions (`_exceptions`), the
resources' argument checks (`resources/_checks`), the views (`resources/_views`), the
operations (`resources/_ops`) and the lazy names of `pagination` / `lib.streaming`; the
query string and `ANTHROPIC_CUSTOM_HEADERS` differential against the official SDK."""

from __future__ import annotations

import datetime
import json
import pickle
import string
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anthropic
import anyio
import anyio.lowlevel
import pytest
from anthropic._qs import Querystring
from anyio.abc import SocketStream
from hypothesis import given
from hypothesis import strategies as st

import anyio_claude
import anyio_claude.lib.streaming
import anyio_claude.pagination
from anyio_claude import (
    AsyncAPIResponse,
    AsyncBatchResults,
    AsyncClaude,
    AsyncMessageStream,
    AsyncStream,
    Timeout,
)
from anyio_claude._errors import APITimeoutError
from anyio_claude._exceptions import (
    ClaudeError,
    CredentialsError,
    IdentityTokenFileError,
    WorkloadIdentityError,
)
from anyio_claude._request import (
    NOT_GIVEN,
    Call,
    NotGiven,
    Omit,
    coerce_timeout,
    deadline_for,
    deadline_scope,
    env_headers,
    not_given,
    omit,
    query_items,
)
from anyio_claude.resources._checks import (
    beta_headers,
    checked_strings,
    listed,
    option_headers,
    type_name,
)
from anyio_claude.resources._models import AsyncBetaModels, AsyncModels
from anyio_claude.testing import FakeClaude, Fault

from ._events import message_start
from ._servers import Handler, RawServer, raw_server, response

MODEL = "claude-sonnet-5-5"
USER: Any = [{"role": "user", "content": "Hello there"}]
PARAMS: Any = {"model": MODEL, "max_tokens": 10, "messages": USER}


# --- _request: NOT_GIVEN and omit ---------------------------------------------------------


def test_not_given_and_omit_are_two_falsy_singletons() -> None:
    assert NotGiven() is NOT_GIVEN and not_given is NOT_GIVEN
    assert Omit() is omit and Omit() is Omit()
    assert omit is not NOT_GIVEN and type(omit) is Omit and type(NOT_GIVEN) is NotGiven
    # omit is a NotGiven: the parameters treat it as not given.
    assert isinstance(omit, NotGiven)
    assert bool(NOT_GIVEN) is False and bool(omit) is False
    assert (repr(NOT_GIVEN), repr(omit)) == ("NOT_GIVEN", "omit")


def test_omit_made_first_is_still_its_own_singleton() -> None:
    # Each class keeps its own instance: building `Omit` never hands back NOT_GIVEN.
    class Fresh(NotGiven):
        _instance: NotGiven | None = None

    class FreshOmit(Omit):
        _instance: NotGiven | None = None

    first = FreshOmit()
    assert type(first) is FreshOmit and FreshOmit() is first
    assert type(Fresh()) is Fresh and Fresh() is Fresh()


# --- _request: Call -------------------------------------------------------------------------


def test_a_call_holds_what_it_was_given_and_starts_plain() -> None:
    timeout = Timeout(3.0)
    headers = [(b"x-a", b"1")]
    call = Call(
        "POST", b"/v1/messages", b"{}", extra_headers=headers, timeout=timeout, max_retries=4
    )
    assert (call.method, call.target, call.body) == ("POST", b"/v1/messages", b"{}")
    assert call.extra_headers is headers and call.timeout is timeout and call.max_retries == 4
    assert call.trace is None and call.beta is False and call.parse_as is None
    with pytest.raises(AttributeError):
        call.other = 1  # type: ignore[attr-defined]


# --- _request: env_headers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (None, {}),
        ("", {}),
        ("X-A: 1", {"X-A": "1"}),
        (
            " x-a :  one two \nx-b:2\n\nno colon here\nx-c:a:b",
            {"x-a": "one two", "x-b": "2", "x-c": "a:b"},
        ),
        ("x-a: 1\nx-a: 2", {"x-a": "2"}),
        (":empty name", {"": "empty name"}),
        ("x-e:", {"x-e": ""}),
        ("x-a: 1\r\nx-b: 2", {"x-a": "1", "x-b": "2"}),
    ],
)
def test_custom_headers_from_the_environment_as_the_official_client_reads_them(
    monkeypatch: pytest.MonkeyPatch, env: str | None, expected: dict[str, str]
) -> None:
    if env is None:
        monkeypatch.delenv("ANTHROPIC_CUSTOM_HEADERS", raising=False)
    else:
        monkeypatch.setenv("ANTHROPIC_CUSTOM_HEADERS", env)
    assert env_headers() == expected
    official: Any = anthropic.Anthropic(api_key="k")
    try:
        # The official client puts them under its default headers (which it extends).
        assert {k: v for k, v in official._custom_headers.items() if k in expected} == expected
    finally:
        official.close()


# --- _request: coerce_timeout and deadline_for ---------------------------------------------


def test_coerce_timeout() -> None:
    default = Timeout(7.0)
    assert coerce_timeout(NOT_GIVEN, default) is default
    assert coerce_timeout(omit, default) is default
    given_timeout = Timeout(2.0, total=9.0)
    assert coerce_timeout(given_timeout, default) is given_timeout
    assert coerce_timeout(3.5, default) == Timeout(3.5)
    assert coerce_timeout(None, default) == Timeout(None)
    with pytest.raises(ValueError, match="timeout"):
        coerce_timeout(-1.0, default)


@pytest.mark.anyio
async def test_deadline_for_is_the_loop_time_plus_the_total() -> None:
    assert deadline_for(Timeout(5.0)) is None
    before = anyio.current_time()
    deadline = deadline_for(Timeout(5.0, total=30.0))
    after = anyio.current_time()
    assert deadline is not None and before + 30.0 <= deadline <= after + 30.0


# --- _request: deadline_scope ---------------------------------------------------------------


@pytest.mark.anyio
async def test_a_deadline_that_passes_is_our_timeout_error() -> None:
    with pytest.raises(APITimeoutError) as caught:
        with deadline_scope(anyio.current_time() + 0.01, "took too long", request_id="req_1"):
            await anyio.sleep(5)
    assert str(caught.value) == "took too long (request-id: req_1)"
    assert caught.value.request_id == "req_1"
    with pytest.raises(APITimeoutError) as caught:
        with deadline_scope(anyio.current_time() - 1, "already past"):
            await anyio.sleep(5)
    assert str(caught.value) == "already past" and caught.value.request_id is None


@pytest.mark.anyio
async def test_a_deadline_scope_changes_nothing_before_its_deadline() -> None:
    for deadline in (None, anyio.current_time() + 60):
        with deadline_scope(deadline, "unused"):
            await anyio.lowlevel.checkpoint()
        # An error inside goes out as it is.
        with pytest.raises(KeyError), deadline_scope(deadline, "unused"):
            raise KeyError("x")
        # An outer cancellation is the outer scope's, not a timeout.
        with anyio.CancelScope() as outer:
            with deadline_scope(deadline, "unused"):
                outer.cancel()
                await anyio.sleep(5)
            pytest.fail("the cancellation went through the deadline scope")  # pragma: no cover
        assert outer.cancelled_caught


# --- _request: query_items, against the official query string --------------------------


def test_query_items_shapes() -> None:
    assert query_items("limit", 3) == [("limit", "3")]
    assert query_items("a", True) == [("a", "true")]
    assert query_items("a", False) == [("a", "false")]
    assert query_items("a", None) == [] and query_items("a", NOT_GIVEN) == []
    assert query_items("a", omit) == []
    assert query_items("a", ["x", None, "y"]) == [("a[]", "x"), ("a[]", "y")]
    assert query_items("a", ("x",)) == [("a[]", "x")]
    assert query_items("a", {"b": 1, "c": [True, {"d": None, "e": "f"}]}) == [
        ("a[b]", "1"),
        ("a[c][]", "true"),
        ("a[c][][e]", "f"),
    ]
    assert query_items("d", datetime.date(2026, 1, 2)) == [("d", "2026-01-02")]
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert query_items("d", when) == [("d", "2026-01-02T03:04:05+00:00")]
    assert query_items("f", 1.5) == [("f", "1.5")]
    assert query_items("s", "") == [("s", "")]


_names = st.text(string.ascii_letters + "_", min_size=1, max_size=6)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.dates()
    | st.datetimes()
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_names, inner, max_size=3)
    ),
    max_leaves=10,
)


@given(key=_names, value=_values)
def test_query_items_match_the_official_query_string(key: str, value: object) -> None:
    official = Querystring(array_format="brackets").stringify_items({key: value})  # type: ignore[dict-item]
    assert query_items(key, value) == official


# --- _exceptions ----------------------------------------------------------------------------


def test_workload_identity_error_carries_its_reply() -> None:
    error = WorkloadIdentityError(
        "exchange failed", status_code=401, body={"error": "x"}, request_id="req_9"
    )
    assert isinstance(error, ClaudeError)
    assert (error.status_code, error.body, error.request_id) == (401, {"error": "x"}, "req_9")
    assert str(error) == "exchange failed [request_id=req_9]"
    bare = WorkloadIdentityError("no reply")
    assert (bare.status_code, bare.body, bare.request_id) == (None, None, None)
    assert str(bare) == "no reply" and bare.args == ("no reply",)


def test_identity_token_file_error_names_its_path() -> None:
    error = IdentityTokenFileError("cannot read", path=Path("/tmp/token"))
    assert isinstance(error, CredentialsError) and error.path == Path("/tmp/token")
    assert str(error) == "cannot read" and error.args == ("cannot read",)
    assert IdentityTokenFileError("cannot read").path is None


@pytest.mark.parametrize(
    "error",
    [
        WorkloadIdentityError(
            "exchange failed", status_code=401, body={"e": 1}, request_id="req_9"
        ),
        IdentityTokenFileError("cannot read", path=Path("/tmp/token")),
        ClaudeError("a", "b"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_with_keyword_arguments_survive_pickling(error: ClaudeError) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert again.args == error.args and str(again) == str(error)
    assert again.__dict__ == error.__dict__


# --- resources/_checks ----------------------------------------------------------------------


def test_type_name() -> None:
    assert type_name(3) == "int" and type_name(Path("x")) == Path("x").__class__.__name__


def test_listed_takes_any_iterable_but_a_string_or_a_dict() -> None:
    items = ["a", "b"]
    assert listed("ids", items) is items  # a list is not copied
    assert listed("ids", ("a", "b")) == ["a", "b"]
    assert listed("ids", (x for x in "ab")) == ["a", "b"]
    assert type(listed("ids", ("a",))) is list
    for value, kind in (
        ("ab", "str"),
        (b"ab", "bytes"),
        ({"a": 1}, "dict"),
        (3, "int"),
        (None, "NoneType"),
    ):
        with pytest.raises(TypeError) as caught:
            listed("ids", value)
        assert str(caught.value) == f"ids must be a list (any iterable), got {kind}"


def test_checked_strings() -> None:
    assert checked_strings("ids", iter(["a", "b"])) == ["a", "b"]
    assert checked_strings("ids", []) == []
    with pytest.raises(TypeError) as caught:
        checked_strings("ids", ["a", 3])
    assert str(caught.value) == "ids must hold strings, got int: 3"
    with pytest.raises(TypeError, match=r"^ids must be a list \(any iterable\), got str$"):
        checked_strings("ids", "a")


def test_option_headers() -> None:
    assert option_headers(None) == {}
    assert option_headers(None, workspace_id=None, user_profile_id=NOT_GIVEN) == {}
    assert option_headers({"x-a": "1"}, workspace_id=omit) == {"x-a": "1"}
    assert option_headers(None, workspace_id="w", user_profile_id="u") == {
        "anthropic-workspace-id": "w",
        "anthropic-user-profile-id": "u",
    }
    # extra_headers win.
    assert option_headers({"anthropic-workspace-id": "x", "x-b": "2"}, workspace_id="w") == {
        "anthropic-workspace-id": "x",
        "x-b": "2",
    }
    assert option_headers(None, workspace_id="") == {"anthropic-workspace-id": ""}
    # One left out does not stop the ones after it.
    assert option_headers(None, workspace_id=None, user_profile_id="u") == {
        "anthropic-user-profile-id": "u"
    }
    with pytest.raises(TypeError) as caught:
        option_headers(None, workspace_id="w", user_profile_id=5)
    assert str(caught.value) == "user_profile_id must be a str, got int: 5"


def test_beta_headers() -> None:
    assert beta_headers(None, None) == {}
    assert beta_headers([], None) == {}
    assert beta_headers(None, {"x-a": "1"}) == {"x-a": "1"}
    assert beta_headers(["b1", "b2", "b1"], None, "b3", "b2") == {"anthropic-beta": "b1,b2,b3"}
    assert beta_headers(None, None, "b3") == {"anthropic-beta": "b3"}
    assert beta_headers(("b1",), {"x-a": "1"}) == {"anthropic-beta": "b1", "x-a": "1"}
    # An `anthropic-beta` given in extra_headers wins.
    assert beta_headers(["b1"], {"anthropic-beta": "mine"}, "b3") == {"anthropic-beta": "mine"}
    for betas in ("b1", b"b1"):
        with pytest.raises(TypeError) as caught:
            beta_headers(betas, None)  # type: ignore[arg-type]
        assert str(caught.value) == (
            f"betas must be a list of beta names, not a string: use betas=[{betas!r}]"
        )
    with pytest.raises(TypeError) as caught:
        beta_headers(["b1", 2], None)  # type: ignore[list-item]
    assert str(caught.value) == "betas must hold strings, got int: 2"


# --- resources/_views -----------------------------------------------------------------------


def test_a_view_method_is_the_plain_function_bound_in_the_views_mode() -> None:
    client = AsyncClaude(api_key="k")
    resources: tuple[tuple[Any, object], ...] = (
        (client.models, AsyncModels.retrieve),
        (client.beta.models, AsyncBetaModels.retrieve),
    )
    for resource, plain in resources:
        for view, mode in (
            (resource.with_raw_response, "raw"),
            (resource.with_streaming_response, "streaming"),
        ):
            bound: Any = view.retrieve
            assert bound.__func__ is plain
            assert type(bound.__self__) is type(resource) and bound.__self__._mode == mode
            assert bound.__self__._client is resource._client
            assert bound.__self__ is not resource
    # Looked up on the class, the descriptor is itself, with the plain method's name and doc.
    derived: Any = type(client.models.with_raw_response).__dict__["retrieve"]
    assert type(client.models.with_raw_response).retrieve is derived
    assert derived.method is AsyncModels.retrieve
    assert derived.__name__ == "retrieve" and derived.__doc__ == AsyncModels.retrieve.__doc__
    assert resources[0][0]._mode == "plain"


# --- pagination and lib.streaming: the blocking names, imported on first use ------------------


def test_the_lazy_blocking_names() -> None:
    for name in ("SyncPage", "SyncPageCursor", "SyncTokenPage"):
        assert getattr(anyio_claude.pagination, name) is anyio_claude.SyncPage
    assert anyio_claude.pagination.AsyncPageCursor is anyio_claude.pagination.AsyncPage
    streaming: Any = anyio_claude.lib.streaming
    assert streaming.MessageStream is streaming.BetaMessageStream is anyio_claude.MessageStream
    assert (
        streaming.MessageStreamManager
        is streaming.BetaMessageStreamManager
        is anyio_claude.MessageStreamManager
    )
    for module in (anyio_claude.pagination, anyio_claude.lib.streaming):
        with pytest.raises(AttributeError) as caught:
            module.Nothing  # noqa: B018
        assert str(caught.value) == f"module {module.__name__!r} has no attribute 'Nothing'"


# --- resources/_ops, through a client on 127.0.0.1 -------------------------------------------


@pytest.fixture
async def batch_server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(batch_speedup=100_000) as fake:
        yield fake


async def _ended_batch(client: AsyncClaude) -> str:
    batch = await client.messages.batches.create(
        requests=[{"custom_id": f"r{i}", "params": PARAMS} for i in range(2)]
    )
    while batch.processing_status != "ended":
        await anyio.sleep(0.01)
        batch = await client.messages.batches.retrieve(batch.id)
    return batch.id


def _in_use(client: AsyncClaude) -> int:
    ours: Any = client
    return int(ours._get_transport().num_active)


@pytest.mark.anyio
async def test_a_middleware_parses_a_stream_and_batch_results_unread(
    batch_server: FakeClaude,
) -> None:
    parsed: list[Any] = []

    async def parse(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        if (response.status_code == 200 and request.method == "POST") or "results" in request.url:
            parsed.append(await response.parse())
        return response

    async with AsyncClaude(
        api_key="k", base_url=batch_server.url, max_retries=1, middleware=[parse]
    ) as client:
        batch_server.faults[:] = [Fault("overloaded", times=1)]  # answered 529 once, retried
        stream = await client.messages.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        )
        # The middleware's parse gave the stream unread: the caller still reads every event.
        assert isinstance(parsed[-1], AsyncStream) and parsed[-1].retries_taken == 1
        async with stream:
            assert [event.type async for event in stream][-1] == "message_stop"
        parsed.clear()
        batch_id = await _ended_batch(client)
        parsed.clear()
        results = await client.messages.batches.results(batch_id)
        assert isinstance(results, AsyncBatchResults)
        assert len(parsed) == 1 and isinstance(parsed[0], AsyncBatchResults)
        async with results:
            assert sorted([r.custom_id async for r in results]) == ["r0", "r1"]
        parsed.clear()
        message = await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        assert parsed == [message]
    assert _in_use(client) == 0


@pytest.mark.anyio
async def test_the_modes_of_a_streamed_call_and_of_batch_results(batch_server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=batch_server.url, max_retries=0) as client:
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        )
        assert isinstance(raw, AsyncAPIResponse) and raw.status_code == 200
        stream = await raw.parse()
        assert isinstance(stream, AsyncStream) and await raw.parse() is stream
        async with stream:
            assert [event.type async for event in stream][-1] == "message_stop"
        plain = await client.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True)
        assert isinstance(plain, AsyncStream)
        await plain.close()
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=USER) as helper:
            assert isinstance(helper, AsyncMessageStream)
            await helper.get_final_message()
        batch_id = await _ended_batch(client)
        results = await client.messages.batches.results(batch_id)
        assert isinstance(results, AsyncBatchResults)
        async with results:
            assert len([r async for r in results]) == 2
        raw_results = await client.messages.with_raw_response.batches.results(batch_id)
        assert isinstance(raw_results, AsyncAPIResponse) and raw_results.retries_taken == 0
        parsed = await raw_results.parse()
        assert isinstance(parsed, AsyncBatchResults) and await raw_results.parse() is parsed
        async with parsed:
            assert len([r async for r in parsed]) == 2
        async with client.messages.with_streaming_response.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        ) as response:
            assert isinstance(response, AsyncAPIResponse) and response.status_code == 200
            events = await response.parse()
            assert isinstance(events, AsyncStream)
            assert [event.type async for event in events][-1] == "message_stop"
    assert _in_use(client) == 0


# --- resources/_ops: the overall timeout and the retries in every mode ------------------------

SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
    b"request-id: req_s\r\ntransfer-encoding: chunked\r\n\r\n"
)
BATCH_ID = "msgbatch_01"


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


async def _pinging(stream: SocketStream, request: bytes) -> None:
    # A stream that never ends: a ping every 50 ms, well inside any read timeout.
    start = b"event: message_start\ndata: " + json.dumps(message_start(MODEL)).encode() + b"\n\n"
    await stream.send(SSE_HEAD + _chunk(start))
    while True:
        await anyio.sleep(0.05)
        await stream.send(_chunk(b'event: ping\ndata: {"type": "ping"}\n\n'))


async def _silent(stream: SocketStream, request: bytes) -> None:
    await anyio.sleep_forever()


def _batch(url: str) -> bytes:
    counts = {"processing": 0, "succeeded": 2, "errored": 0, "canceled": 0, "expired": 0}
    return json.dumps(
        {
            "id": BATCH_ID,
            "type": "message_batch",
            "processing_status": "ended",
            "request_counts": counts,
            "created_at": "2026-12-05T01:24:29Z",
            "expires_at": "2026-12-06T01:24:29Z",
            "ended_at": "2026-12-05T01:24:30Z",
            "results_url": url,
        }
    ).encode()


def _results_server(server: RawServer, *, head: bool, overloaded_first: bool = False) -> Handler:
    """The batch, then results whose head (with `head`) and first line come, then nothing;
    with `overloaded_first`, every other request for the results answers 529 first."""
    asked = 0

    async def handler(stream: SocketStream, request: bytes) -> None:
        nonlocal asked
        if b"/results" not in request.split(b" ", 2)[1]:
            url = f"{server.url}/v1/messages/batches/{BATCH_ID}/results"
            await stream.send(response(_batch(url)))
            return
        asked += 1
        if overloaded_first and asked % 2:
            error = b'{"type":"error","error":{"type":"overloaded_error","message":"x"}}'
            await stream.send(response(error, status=529, headers={"retry-after-ms": "1"}))
            return
        if head:
            first = json.dumps({"custom_id": "a", "result": {"type": "expired"}}).encode() + b"\n"
            await stream.send(
                b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\nrequest-id: req_r\r\n\r\n%s"
                % (len(first) + 1, first)
            )
        await anyio.sleep_forever()

    return handler


async def _open_stream(client: AsyncClaude, mode: str) -> Any:
    """`messages.create(stream=True)` in `mode`, iterated until it ends."""
    if mode == "plain":
        stream = await client.messages.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        )
        async with stream:
            return [event async for event in stream]
    if mode == "raw":
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        )
        async with await raw.parse() as stream:
            return [event async for event in stream]
    async with client.messages.with_streaming_response.create(
        model=MODEL, max_tokens=10, messages=USER, stream=True
    ) as response:
        async with await response.parse() as stream:
            return [event async for event in stream]


async def _open_results(client: AsyncClaude, mode: str) -> list[str]:
    """`messages.batches.results` in `mode`, iterated until it ends."""
    if mode == "plain":
        results = await client.messages.batches.results(BATCH_ID)
        async with results:
            return [r.custom_id async for r in results]
    if mode == "raw":
        raw = await client.messages.with_raw_response.batches.results(BATCH_ID)
        async with await raw.parse() as results:
            return [r.custom_id async for r in results]
    async with client.messages.with_streaming_response.batches.results(BATCH_ID) as response:
        async with await response.parse() as results:
            return [r.custom_id async for r in results]


MODES = ["plain", "raw", "streaming"]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("handler", [_pinging, _silent], ids=["endless", "no_head"])
async def test_a_stream_keeps_to_the_overall_timeout_in_every_mode(
    mode: str, handler: Handler
) -> None:
    # The read timeout (5 s) never fires: only the overall one (0.4 s) can end it.
    timeout = Timeout(read=5, total=0.4)
    async with (
        raw_server(handler) as server,
        AsyncClaude(api_key="k", base_url=server.url, max_retries=0, timeout=timeout) as client,
    ):
        started = anyio.current_time()
        with anyio.fail_after(4), pytest.raises(APITimeoutError, match="overall"):
            await _open_stream(client, mode)
        assert anyio.current_time() - started < 3
        assert _in_use(client) == 0


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("head", [True, False], ids=["stalled_body", "no_head"])
async def test_batch_results_keep_to_the_overall_timeout_in_every_mode(
    mode: str, head: bool
) -> None:
    timeout = Timeout(read=5, total=0.4)
    async with (
        raw_server(_silent) as server,
        AsyncClaude(api_key="k", base_url=server.url, max_retries=0, timeout=timeout) as client,
    ):
        server.handler = _results_server(server, head=head)
        started = anyio.current_time()
        with anyio.fail_after(4), pytest.raises(APITimeoutError, match="overall"):
            await _open_results(client, mode)
        assert anyio.current_time() - started < 3
        assert _in_use(client) == 0


@pytest.mark.anyio
async def test_a_streaming_response_body_keeps_to_the_overall_timeout() -> None:
    async def stalled_body(stream: SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\nrequest-id: req_b\r\n\r\n{")
        await anyio.sleep_forever()

    timeout = Timeout(read=5, total=0.4)
    async with (
        raw_server(stalled_body) as server,
        AsyncClaude(api_key="k", base_url=server.url, max_retries=0, timeout=timeout) as client,
    ):
        started = anyio.current_time()
        async with client.with_streaming_response.models.retrieve(MODEL) as response:
            with anyio.fail_after(4), pytest.raises(APITimeoutError) as caught:
                await response.read()
        assert anyio.current_time() - started < 3
        assert (
            caught.value.message == "the request's overall timeout expired while reading the body"
        )
        assert caught.value.request_id == "req_b"
    assert _in_use(client) == 0


@pytest.mark.anyio
async def test_every_mode_of_a_stream_counts_the_retries(batch_server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=batch_server.url, max_retries=1) as client:
        batch_id = await _ended_batch(client)

        def fail_once() -> None:
            # The next message request answers 529; its retry succeeds.
            batch_server.faults[:] = [Fault("overloaded", times=1)]

        fail_once()
        stream = await client.messages.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        )
        async with stream:
            assert stream.retries_taken == 1
        fail_once()
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        )
        assert raw.retries_taken == 1
        async with await raw.parse() as stream:
            assert stream.retries_taken == 1
        fail_once()
        async with client.messages.with_streaming_response.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        ) as response:
            assert response.retries_taken == 1
            async with await response.parse() as stream:
                assert stream.retries_taken == 1

        async with client.messages.with_streaming_response.batches.retrieve(batch_id) as retrieved:
            assert retrieved.retries_taken == 0
            assert (await retrieved.parse()).id == batch_id
    assert _in_use(client) == 0


@pytest.mark.anyio
async def test_every_mode_of_batch_results_counts_the_retries() -> None:
    async with (
        raw_server(_silent) as server,
        AsyncClaude(api_key="k", base_url=server.url, max_retries=1) as client,
    ):
        server.handler = _results_server(server, head=True, overloaded_first=True)
        raw = await client.messages.with_raw_response.batches.results(BATCH_ID)
        assert raw.retries_taken == 1
        await raw.close()
        async with client.messages.with_streaming_response.batches.results(BATCH_ID) as response:
            assert response.retries_taken == 1
    assert _in_use(client) == 0


@pytest.mark.anyio
async def test_a_raw_stream_is_read_through_its_stream_alone(batch_server: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=batch_server.url, max_retries=0) as client:
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        )
        assert not raw.is_closed
        with pytest.raises(ClaudeError, match=r"read through its stream: parse\(\)"):
            await raw.read()
        stream = await raw.parse()
        async with stream:
            assert [event async for event in stream][-1].type == "message_stop"
        assert raw.is_closed
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=10, messages=USER, stream=True
        )
        await raw.close()
        assert raw.is_closed
    assert _in_use(client) == 0

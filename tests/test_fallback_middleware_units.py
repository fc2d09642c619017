"""The fallback middleware's parts, one function at a time, against the pinned official
SDK's where it has the same function: a hop's body (`_apply_hop`), the history without
seam blocks (`_strip_seam_blocks`), the resend without `speed` (`_without_fast`), the
tagged headers (`_tagged`); and which requests it takes, where a chain starts and the
chain's entries. The end-to-end cases are in `test_fallback_middleware_cases.py`."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from anthropic._models import FinalRequestOptions
from anthropic._request import APIRequest as OfficialRequest
from anthropic.lib.middleware import _fallbacks as official
from hypothesis import given, settings
from hypothesis import strategies as st

from anyio_claude import (
    APIRequest,
    BetaFallbackState,
    BetaRefusalFallbackMiddleware,
    ClaudeError,
    Timeout,
)
from anyio_claude.lib import middleware as ours
from anyio_claude.types import encode_json

CHAIN: list[dict[str, Any]] = [{"model": "b"}, {"model": "c", "speed": None}]


def request(
    body: Any = None,
    *,
    method: str = "POST",
    url: str = "/v1/messages",
    beta: bool = True,
    headers: dict[str, str] | None = None,
) -> APIRequest:
    return APIRequest(
        method=method,
        url=url,
        headers=headers if headers is not None else {},
        query_params={},
        body=None if body is None else encode_json(body),
        timeout=Timeout(10.0),
        max_retries=2,
        retries_taken=0,
        stream=False,
        beta=beta,
    )


def official_request(body: Any = None, headers: dict[str, str] | None = None) -> OfficialRequest:
    options = FinalRequestOptions.construct(  # pyright: ignore[reportUnknownMemberType]
        method="post", url="/v1/messages", json_data=body, headers=headers or {}
    )
    return OfficialRequest(options=options, cast_to=object)


# ------------------------------------------------------------------ bodies, by property

_names = st.sampled_from(["a", "b", "c"])
_thinking = st.one_of(
    st.none(),
    st.sampled_from(["between_tools", "enabled", "disabled"]).map(lambda t: {"type": t}),
    st.just({"budget_tokens": 5}),
    st.just("between_tools"),
)
_output_config = st.one_of(
    st.none(),
    st.just("low"),
    st.dictionaries(
        st.sampled_from(["effort", "format", "task_budget"]),
        st.one_of(st.none(), st.sampled_from(["low", "high"])),
        max_size=3,
    ),
)
_blocks = st.lists(
    st.one_of(
        st.sampled_from(["text", "fallback", "tool_use"]).map(lambda t: {"type": t}),
        st.just({"type": "fallback", "to": {"model": "b"}}),
        st.just("fallback"),
        st.just({}),
    ),
    max_size=3,
)
_messages = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"role": st.sampled_from(["user", "assistant"])},
            optional={"content": st.one_of(_blocks, st.just("hi"), st.none())},
        ),
        st.just("not a message"),
        st.just({"content": [{"type": "fallback"}]}),
    ),
    max_size=4,
)


@st.composite
def _bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"model": draw(_names)}
    for key, values in (
        ("thinking", _thinking),
        ("output_config", _output_config),
        ("speed", st.sampled_from(["fast", "standard"])),
        ("max_tokens", st.integers(1, 9)),
        ("messages", st.one_of(_messages, st.just("hi"))),
    ):
        if draw(st.booleans()):
            body[key] = draw(values)
    return body


@st.composite
def _entries(draw: st.DrawFn) -> dict[str, Any]:
    entry: dict[str, Any] = {"model": draw(_names)}
    for key, values in (
        ("thinking", st.one_of(st.none(), st.just({"type": "enabled", "budget_tokens": 9}))),
        ("output_config", _output_config),
        ("speed", st.sampled_from([None, "fast"])),
        ("max_tokens", st.one_of(st.none(), st.integers(1, 9))),
    ):
        if draw(st.booleans()):
            entry[key] = draw(values)
    return entry


@settings(max_examples=300, deadline=None)
@given(_bodies(), _entries())
def test_a_hop_patches_the_body_as_the_official_sdk_does(
    body: dict[str, Any], entry: dict[str, Any]
) -> None:
    before, entry_before = copy.deepcopy(body), copy.deepcopy(entry)
    assert ours._apply_hop(body, entry) == official._apply_hop(body, entry)  # type: ignore[arg-type]
    assert (body, entry) == (before, entry_before)  # neither is changed
    token = {"token": "t", "mode": "best_effort"}
    assert ours._merged_body(body, entry, token) == official._merged_body(body, entry, "t")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(_bodies())
def test_seam_blocks_are_stripped_as_the_official_sdk_strips_them(body: dict[str, Any]) -> None:
    before = copy.deepcopy(body)
    stripped = ours._strip_seam_blocks(body)
    expected = official._strip_seam_blocks(body)
    assert stripped == expected
    # The body itself when nothing was stripped, a new one otherwise.
    assert (stripped is body) == (expected is body)
    assert body == before


def test_seam_blocks_stripped_from_a_history() -> None:
    user = {"role": "user", "content": [{"type": "fallback"}]}
    seams_only = {"role": "assistant", "content": [{"type": "fallback"}, {"type": "fallback"}]}
    mixed = {"role": "assistant", "content": [{"type": "fallback"}, {"type": "text", "text": "x"}]}
    plain = {"role": "assistant", "content": [{"type": "text", "text": "y"}]}
    body = {"model": "a", "messages": ["odd", user, seams_only, mixed, plain, {"role": "user"}]}
    assert ours._strip_seam_blocks(body) == {
        "model": "a",
        "messages": [
            "odd",
            {"role": "user", "content": []},  # a user turn is kept, even when left empty
            {"role": "assistant", "content": [{"type": "text", "text": "x"}]},
            plain,
            {"role": "user"},
        ],
    }
    assert ours._strip_seam_blocks({"messages": [plain]}) == {"messages": [plain]}


# ------------------------------------------------------------- the resend without speed


@settings(max_examples=200, deadline=None)
@given(
    _bodies(),
    _entries(),
    st.sampled_from([200, 400, 429, 500, 529]),
)
def test_a_fast_hop_is_resent_without_speed_as_the_official_sdk_resends_it(
    body: dict[str, Any], entry: dict[str, Any], status: int
) -> None:
    resend = ours._without_fast(request(body), entry, status)
    expected = official.without_rejected_fast_speed(official_request(body), entry, status)  # type: ignore[arg-type]
    if expected is None:
        assert resend is None
    else:
        assert resend is not None
        assert resend.json == expected.json
        assert "speed" not in resend.json


def test_the_resend_without_speed_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    body = {"model": "a", "speed": "fast"}
    with caplog.at_level(logging.WARNING, logger="anthropic.lib.middleware"):
        assert ours._without_fast(request(body), {"model": "b"}, 529) is not None
    assert [r.getMessage() for r in caplog.records] == [
        "BetaRefusalFallbackMiddleware: fast fallback request to b was rejected (HTTP 529); "
        "retrying without `speed`"
    ]
    caplog.clear()
    # Not for the original params, a body that is no object, or one not fast.
    assert ours._without_fast(request(body), None, 529) is None
    assert ours._without_fast(request([body]), {"model": "b"}, 529) is None
    assert ours._without_fast(request({"model": "a"}), {"model": "b"}, 429) is None
    assert caplog.records == []


# ----------------------------------------------------------------------------- headers

_tokens = st.lists(st.sampled_from(["x-1", "y-2", "fallback-credit-2026-07-01"]), max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.none(), _tokens.map(",".join), _tokens.map(", ".join)),
    st.sampled_from(["anthropic-beta", "Anthropic-Beta", "ANTHROPIC-BETA"]),
    st.one_of(
        st.none(), st.sampled_from(["runner", "a, b", " a ,b", "fallback-refusal-middleware"])
    ),
    st.sampled_from(["x-stainless-helper", "X-Stainless-Helper"]),
    st.one_of(st.none(), _tokens),
)
def test_the_headers_are_tagged_as_the_official_sdk_tags_them(
    beta: str | None,
    beta_name: str,
    helper: str | None,
    helper_name: str,
    betas: list[str] | None,
) -> None:
    headers = {"x-api-key": "k"}
    if beta is not None:
        headers[beta_name] = beta
    if helper is not None:
        headers[helper_name] = helper
    middleware = BetaRefusalFallbackMiddleware(CHAIN, betas=betas)
    tagged = {k.lower(): v for k, v in middleware._tagged(request(headers=headers)).headers.items()}
    expected = {
        k.lower(): v
        for k, v in official._with_middleware_headers(
            official_request(headers=headers),
            official.DEFAULT_BETAS if betas is None else tuple(betas),
        ).headers.items()
    }
    assert tagged == expected


def test_the_default_betas_and_the_helper_tag() -> None:
    tagged = BetaRefusalFallbackMiddleware(iter(CHAIN))._tagged(request(headers={}))
    assert dict(tagged.headers) == {
        "anthropic-beta": "fallback-credit-2026-07-01",
        "x-stainless-helper": "fallback-refusal-middleware",
    }
    none = BetaRefusalFallbackMiddleware(CHAIN, betas=())._tagged(request(headers={}))
    assert dict(none.headers) == {"x-stainless-helper": "fallback-refusal-middleware"}
    kept = BetaRefusalFallbackMiddleware(CHAIN, betas=())._tagged(
        request(headers={"Anthropic-Beta": "x-1", "X-Stainless-Helper": "runner"})
    )
    assert dict(kept.headers) == {
        "anthropic-beta": "x-1",
        "x-stainless-helper": "runner, fallback-refusal-middleware",
    }
    # Each helper named once, spaced as the official SDK spaces them.
    again = BetaRefusalFallbackMiddleware(CHAIN, betas=())._tagged(
        request(headers={"x-stainless-helper": " fallback-refusal-middleware ,runner"})
    )
    assert again.headers["x-stainless-helper"] == "fallback-refusal-middleware, runner"


# ------------------------------------------------------------ which requests it takes


def test_which_requests_the_middleware_applies_to() -> None:
    middleware = BetaRefusalFallbackMiddleware(CHAIN)
    body = {"model": "a", "max_tokens": 5}
    for method in ("POST", "post", "Post"):
        assert middleware._applicable_body(request(body, method=method)) == body
    assert middleware._applicable_body(request(body, method="GET")) is None
    assert middleware._applicable_body(request(body, url="/v1/messages/count_tokens")) is None
    assert middleware._applicable_body(request(body, beta=False)) is None
    assert middleware._applicable_body(request([body])) is None
    assert middleware._applicable_body(request(None)) is None
    assert middleware._applicable_body(request({**body, "fallbacks": None})) == {
        **body,
        "fallbacks": None,
    }
    assert BetaRefusalFallbackMiddleware([])._applicable_body(request(body)) is None
    assert BetaRefusalFallbackMiddleware(iter(CHAIN))._applicable_body(request(body)) == body
    with pytest.raises(ClaudeError) as caught:
        middleware._applicable_body(request({**body, "fallbacks": [{"model": "b"}]}))
    assert str(caught.value) == (
        "the `fallbacks` parameter cannot be sent with BetaRefusalFallbackMiddleware: "
        "remove the middleware to let the API fall back, or leave `fallbacks` out"
    )


def test_where_a_chain_starts_and_its_entries() -> None:
    middleware = BetaRefusalFallbackMiddleware(iter(CHAIN))
    state = BetaFallbackState()
    assert middleware._start_index(None) == -1
    assert middleware._start_index(state) == -1
    for index in (-1, 0, 1):
        state.index = index
        assert middleware._start_index(state) == index
    for index in (-2, 2):
        state.index = index
        with pytest.raises(ClaudeError) as caught:
            middleware._start_index(state)
        assert str(caught.value) == (
            f"BetaFallbackState.index {index} is out of bounds for a chain of 2 fallback(s); "
            "was the state shared with another middleware?"
        )
    assert middleware._entry(-1) is None
    assert middleware._entry(0) == CHAIN[0]
    assert middleware._entry(1) == CHAIN[1]

"""`with_options` / `copy` with every constructor option, async and blocking, against FakeClaude."""

from __future__ import annotations

from typing import Any

import pytest

import anyio_claude
from anyio_claude import AsyncClaude, Timeout
from anyio_claude.testing import ErrorReply, FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-secret-1234567890"


async def test_per_request_options_share_the_pool() -> None:
    async with (
        FakeClaude() as fake,
        AsyncClaude(
            api_key=KEY,
            base_url=fake.url,
            default_headers={"x-a": "1", "x-b": "1"},
            default_query={"q": "1"},
        ) as client,
    ):
        copy = client.with_options(
            api_key="sk-ant-other",
            timeout=Timeout(30.0),
            max_retries=0,
            default_headers={"x-b": "2"},
            default_query={"r": "2"},
            anthropic_version="2099-01-01",
        )
        await copy.messages.count_tokens(model=MODEL, messages=USER)
        sent = fake.requests[-1]
        assert sent.headers["x-api-key"] == "sk-ant-other"
        assert (sent.headers["x-a"], sent.headers["x-b"]) == ("1", "2")
        assert sent.headers["anthropic-version"] == "2099-01-01"
        assert sent.path.endswith("?q=1&r=2")
        assert copy.timeout == Timeout(30.0) and copy.max_retries == 0
        assert copy._transport is client._transport

        replaced = client.copy(set_default_headers={"x-c": "3"}, set_default_query={"s": "3"})
        await replaced.messages.count_tokens(model=MODEL, messages=USER)
        sent = fake.requests[-1]
        assert "x-a" not in sent.headers and sent.headers["x-c"] == "3"
        assert sent.path.endswith("count_tokens?s=3")

        token = client.with_options(auth_token="tok-1")
        await token.models.retrieve(MODEL)
        assert fake.requests[-1].headers["authorization"] == "Bearer tok-1"

        # The original is unchanged.
        await client.messages.count_tokens(model=MODEL, messages=USER)
        sent = fake.requests[-1]
        assert sent.headers["x-api-key"] == KEY and sent.headers["x-b"] == "1"
        assert sent.headers["anthropic-version"] == "2023-06-01" and sent.path.endswith("?q=1")
        with pytest.raises(ValueError, match="default_headers or set_default_headers"):
            client.with_options(default_headers={}, set_default_headers={})
        with pytest.raises(ValueError, match="default_query or set_default_query"):
            client.with_options(default_query={}, set_default_query={})
    assert client.is_closed() and copy.is_closed()


async def test_connection_options_get_their_own_pool() -> None:
    async with FakeClaude() as first, FakeClaude() as second:
        async with AsyncClaude(api_key=KEY, base_url=first.url) as client:
            assert not client.is_closed()
            moved = client.with_options(base_url=second.url, max_connections=1)
            async with moved:
                await moved.messages.count_tokens(model=MODEL, messages=USER)
                assert moved._transport is not client._transport
                assert moved._transport is not None and moved._transport._limit == 1
            assert moved.is_closed() and not client.is_closed()
            await client.messages.count_tokens(model=MODEL, messages=USER)
            for option in ({"verify": False}, {"trust_env": False}, {"max_connections": None}):
                other = client.with_options(**option)  # type: ignore[arg-type]
                assert other._owns_transport
                await other.close()
        assert len(first.requests) == 1 and len(second.requests) == 1
        assert client.is_closed()


async def test_copies_keep_an_explicit_timeout_for_long_requests() -> None:
    client = AsyncClaude(api_key=KEY, base_url="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="Streaming is required"):
        client.with_options(max_retries=1).messages.create(
            model=MODEL, max_tokens=100_000, messages=USER
        )
    relaxed = client.with_options(timeout=1200.0)
    coroutine = relaxed.messages.create(model=MODEL, max_tokens=100_000, messages=USER)
    coroutine.close()  # accepted: nothing raised before sending


def test_blocking_client_options() -> None:
    with (
        FakeClaude.run_in_thread() as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url, max_retries=3, timeout=20.0) as client,
    ):
        assert client.max_retries == 3 and client.timeout == Timeout.coerce(20.0)
        copy = client.with_options(max_retries=0, default_headers={"x-tag": "t"})
        assert copy.max_retries == 0 and client.max_retries == 3
        fake.script(ErrorReply(529, "overloaded_error", "busy"))
        with pytest.raises(anyio_claude.OverloadedError):
            copy.messages.create(model=MODEL, max_tokens=5, messages=USER)
        fake.script(ErrorReply(529, "overloaded_error", "busy", {"retry-after-ms": "1"}))
        assert client.messages.create(model=MODEL, max_tokens=5, messages=USER).content
        assert fake.requests[-1].headers.get("x-tag") is None
        with FakeClaude.run_in_thread() as other:
            moved = client.copy(base_url=other.url)
            moved.messages.count_tokens(model=MODEL, messages=USER)
            assert not moved.is_closed()
            moved.close()
            assert moved.is_closed() and not client.is_closed()
        assert len(other.requests) == 1
        copy.close()  # shares the pool: closing the copy leaves the client open
        assert not client.is_closed()
    assert client.is_closed()


async def test_anthropic_custom_headers_are_sent_under_default_headers_as_the_official_sdk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import anthropic

    monkeypatch.setenv(
        "ANTHROPIC_CUSTOM_HEADERS",
        "X-Team: from-env\nX-Trace:  spaced value  \nno colon here\n\nX-Url: http://a:1",
    )
    async with FakeClaude() as fake:
        official = anthropic.AsyncAnthropic(
            api_key=KEY, base_url=fake.url, default_headers={"X-Team": "given"}
        )
        await official.messages.count_tokens(model=MODEL, messages=USER)
        await official.close()
        async with AsyncClaude(
            api_key=KEY, base_url=fake.url, default_headers={"X-Team": "given"}
        ) as client:
            await client.messages.count_tokens(model=MODEL, messages=USER)
            await client.with_options(max_retries=0).messages.count_tokens(
                model=MODEL, messages=USER
            )
        theirs, ours, copied = fake.requests[:3]
    for sent in (theirs, ours, copied):
        assert sent.headers["x-team"] == "given"
        assert sent.headers["x-trace"] == "spaced value"
        assert sent.headers["x-url"] == "http://a:1"
        assert "no colon here" not in str(sent.headers)


async def test_omit_and_not_given_leave_a_parameter_out_and_defaults_read_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_CUSTOM_HEADERS", "X-Env: e")
    async with (
        FakeClaude() as fake,
        AsyncClaude(
            api_key=KEY, base_url=fake.url, default_headers={"x-a": "1"}, default_query={"q": "1"}
        ) as client,
    ):
        await client.messages.create(
            model=MODEL,
            max_tokens=5,
            messages=USER,
            system=anyio_claude.omit,
            metadata=anyio_claude.not_given,
        )
        assert "system" not in fake.requests[0].json and "metadata" not in fake.requests[0].json
        assert client.default_headers == {
            "anthropic-version": "2023-06-01",
            "X-Env": "e",
            "x-a": "1",
        }
        assert client.default_query == {"q": "1"}
        assert KEY not in repr(client.default_headers) and KEY not in str(client.default_headers)
        client.default_headers["x-a"] = "changed"  # a copy
        assert client.default_headers["x-a"] == "1"
    assert repr(anyio_claude.omit) == "omit" and not anyio_claude.omit
    assert (
        anyio_claude.Omit() is anyio_claude.omit
        and anyio_claude.NotGiven() is anyio_claude.NOT_GIVEN
    )


def test_file_from_path_gives_the_name_and_content(tmp_path: Any) -> None:
    import anthropic

    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4 x")
    assert anyio_claude.file_from_path(str(path)) == ("report.pdf", b"%PDF-1.4 x")
    assert anyio_claude.file_from_path(path) == anthropic.file_from_path(str(path))


async def test_user_agent_is_the_one_sent() -> None:
    async with FakeClaude() as fake, AsyncClaude(api_key=KEY, base_url=fake.url) as client:
        await client.messages.count_tokens(model=MODEL, messages=USER)
        assert client.user_agent == fake.requests[0].headers["user-agent"]
        assert client.user_agent == f"anyio-claude/{anyio_claude.__version__}"
    with (
        FakeClaude.run_in_thread() as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url) as blocking,
    ):
        blocking.messages.count_tokens(model=MODEL, messages=USER)
        assert blocking.user_agent == fake.requests[0].headers["user-agent"]
    assert anyio_claude.__title__ == "anyio_claude"

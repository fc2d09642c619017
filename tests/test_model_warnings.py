"""The official SDK's warnings about a request's model, and FakeClaude serving the models
the pinned official SDK names (so its examples run against it after changing the import).

Stated from the pinned official SDK (`anthropic/_data`, generated into
`types/_gen_models.py`): the deprecated models with their end-of-life dates warn with
`DeprecationWarning`; `thinking.type="enabled"` on `claude-opus-4-6` warns with
`UserWarning`; both name the caller's line."""

from __future__ import annotations

import warnings
from typing import Any

import anthropic
import pytest

from anyio_claude import AsyncClaude, Claude
from anyio_claude.testing import DEFAULT_MODELS, FakeClaude

pytestmark = pytest.mark.anyio

USER: Any = [{"role": "user", "content": "Hello there"}]
# In the pinned SDK's table, still served (a model past its end-of-life answers 404).
DEPRECATED = "claude-opus-4-5-20251101"
SUNSET = (
    r"The model 'claude-opus-4-5(-20251101)?' is deprecated and will reach end-of-life on "
    r"January 22nd, 2027"
)


async def test_a_deprecated_model_warns_at_the_callers_line_as_the_official_sdk() -> None:
    async with FakeClaude() as fake, AsyncClaude(api_key="k", base_url=fake.url) as client:
        with pytest.warns(DeprecationWarning, match=SUNSET) as caught:
            await client.messages.create(model=DEPRECATED, max_tokens=10, messages=USER)
            async with client.messages.stream(
                model=DEPRECATED, max_tokens=10, messages=USER
            ) as stream:
                await stream.get_final_message()
            await client.messages.parse(model=DEPRECATED, max_tokens=10, messages=USER)
            raw = await client.messages.with_raw_response.create(
                model=DEPRECATED, max_tokens=10, messages=USER
            )
            await client.beta.messages.create(
                model="claude-opus-4-5", max_tokens=10, messages=USER, betas=["b"]
            )
        assert [w.filename for w in caught] == [__file__] * 5
        assert (await raw.parse()).model == DEPRECATED
        official = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url)
        with pytest.warns(DeprecationWarning) as theirs:
            await official.messages.create(model=DEPRECATED, max_tokens=10, messages=USER)
        assert str(theirs[0].message) == str(caught[0].message)
        await official.close()


async def test_current_models_do_not_warn_and_enabled_thinking_warns_where_adaptive_is_meant() -> (
    None
):
    async with FakeClaude() as fake, AsyncClaude(api_key="k", base_url=fake.url) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            # claude-sonnet-4-5-20250929 left the table when its end-of-life passed (2.17).
            for model in (
                "claude-sonnet-5-5",
                "claude-opus-4-8",
                "claude-opus-4-6",
                "claude-sonnet-4-5-20250929",
            ):
                reply = await client.messages.create(model=model, max_tokens=10, messages=USER)
                assert reply.model == model
            await client.messages.create(
                model="claude-opus-4-6",
                max_tokens=10,
                messages=USER,
                thinking={"type": "adaptive"},
            )
        thinking: Any = {"type": "enabled", "budget_tokens": 1024}
        with pytest.warns(UserWarning, match="claude-opus-4-6 and 'thinking.type=enabled'") as w:
            await client.messages.create(
                model="claude-opus-4-6",
                max_tokens=2048,
                messages=USER,
                thinking=thinking,
            )
        assert w[0].filename == __file__
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            await client.messages.create(
                model="claude-opus-4-8",
                max_tokens=2048,
                messages=USER,
                thinking=thinking,
            )


async def test_the_enabled_thinking_warning_is_the_official_sdks() -> None:
    thinking: Any = {"type": "enabled", "budget_tokens": 1024}
    args: Any = {"model": "claude-opus-4-6", "max_tokens": 2048, "messages": USER}
    async with FakeClaude() as fake, AsyncClaude(api_key="k", base_url=fake.url) as client:
        official = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await client.messages.create(**args, thinking=thinking)
            await official.messages.create(**args, thinking=thinking)
        await official.close()
    ours, theirs = caught
    assert (ours.category, str(ours.message)) == (theirs.category, str(theirs.message))
    assert ours.category is UserWarning and ours.filename == __file__


def test_warnings_collected_in_a_block_wait_there_until_emitted() -> None:
    from anyio_claude._model_warnings import collect_model_warnings, emit, warn_about_model

    enabled = {"type": "enabled", "budget_tokens": 1024}
    outer: list[tuple[str, type[Warning]]] = []
    inner: list[tuple[str, type[Warning]]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with collect_model_warnings(outer):
            warn_about_model(DEPRECATED, None)
            with collect_model_warnings(inner):
                warn_about_model("claude-opus-4-6", enabled)
            warn_about_model("claude-opus-4-6", {"type": "adaptive"})
            # Neither a model name nor a thinking dict: nothing to say.
            warn_about_model(None, enabled)
            warn_about_model(3, None)
            warn_about_model("claude-opus-4-6", [("type", "enabled")])
            warn_about_model("claude-opus-4-6", {"budget_tokens": 1024})
        assert caught == []
        assert [(category, text[:44]) for text, category in outer] == [
            (DeprecationWarning, "The model 'claude-opus-4-5-20251101' is depr")
        ]
        assert [(category, text[:44]) for text, category in inner] == [
            (UserWarning, "Using Claude with claude-opus-4-6 and 'think")
        ]
        emit(inner + outer)
        warn_about_model(DEPRECATED, None)  # outside every block: raised here
    assert [(w.category, str(w.message)) for w in caught] == [
        (UserWarning, inner[0][0]),
        (DeprecationWarning, outer[0][0]),
        (DeprecationWarning, outer[0][0]),
    ]
    assert outer[0][0] == (
        "The model 'claude-opus-4-5-20251101' is deprecated and will reach end-of-life on "
        "January 22nd, 2027.\nPlease migrate to a newer model. Visit "
        "https://docs.anthropic.com/en/docs/resources/model-deprecations for more information."
    )


def test_the_blocking_client_warns_in_the_callers_thread_at_the_callers_line() -> None:
    with (
        FakeClaude.run_in_thread() as fake,
        Claude(api_key="k", base_url=fake.url) as client,
        pytest.warns(DeprecationWarning, match=SUNSET) as caught,
    ):
        client.messages.create(model=DEPRECATED, max_tokens=10, messages=USER)
        with client.messages.stream(model=DEPRECATED, max_tokens=10, messages=USER) as stream:
            stream.get_final_message()
        client.messages.with_raw_response.create(model=DEPRECATED, max_tokens=10, messages=USER)
    assert [w.filename for w in caught] == [__file__] * 3
    thinking: Any = {"type": "enabled", "budget_tokens": 1024}
    with (
        FakeClaude.run_in_thread() as fake,
        Claude(api_key="k", base_url=fake.url) as client,
        warnings.catch_warnings(record=True) as warned,
    ):
        warnings.simplefilter("always")
        client.messages.create(
            model="claude-opus-4-6", max_tokens=2048, messages=USER, thinking=thinking
        )
        client.messages.create(model="claude-opus-4-8", max_tokens=10, messages=USER)
    assert [(w.category, w.filename) for w in warned] == [(UserWarning, __file__)]
    assert str(warned[0].message).startswith("Using Claude with claude-opus-4-6 and 'thinking")


def test_code_without_a_module_name_warns_at_the_callers_line() -> None:
    # Code run by `exec` with bare globals has no `__name__`: its line is the caller's.
    code = compile(
        "client.messages.create(model=model, max_tokens=10, messages=messages)", "<cell>", "exec"
    )
    with (
        FakeClaude.run_in_thread() as fake,
        Claude(api_key="k", base_url=fake.url) as client,
        pytest.warns(DeprecationWarning, match=SUNSET) as caught,
    ):
        exec(code, {"client": client, "model": DEPRECATED, "messages": USER})
    assert [w.filename for w in caught] == ["<cell>"]


async def test_fake_claude_serves_the_official_sdks_models_and_resolves_aliases() -> None:
    names = set(anthropic.types.Model.__args__[0].__args__)  # type: ignore[attr-defined]
    served = {m.id for m in DEFAULT_MODELS} | {a for m in DEFAULT_MODELS for a in m.aliases}
    assert names - served == {"claude-mythos-preview"}  # past its end-of-life
    async with FakeClaude() as fake, AsyncClaude(api_key="k", base_url=fake.url) as client:
        reply = await client.messages.create(model="claude-haiku-4-5", max_tokens=10, messages=USER)
        assert reply.model == "claude-haiku-4-5-20251001"
        assert (await client.models.retrieve("claude-opus-4-5")).id == "claude-opus-4-5-20251101"
        listed = [m.id async for m in client.models.list()]
        assert len(listed) == len(set(listed)) == len(DEFAULT_MODELS)
        assert listed[0] == "claude-fable-5-2" and "claude-haiku-4-5" not in listed
        async with client.messages.stream(
            model="claude-sonnet-5-5", max_tokens=10, messages=USER
        ) as stream:
            assert (await stream.get_final_message()).model == "claude-sonnet-5-5"

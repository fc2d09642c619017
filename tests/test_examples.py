"""The official SDK's documented Messages examples, with only the import changed.

Each example body is as the official README / Messages docs print it; the import line
`from anthropic import Anthropic` became `from anyio_claude import Claude as Anthropic`
(and `import anthropic` became `import anyio_claude as anthropic`). The key and base URL
come from `ANTHROPIC_API_KEY` / `ANTHROPIC_BASE_URL`, pointed at a FakeClaude.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator

import anyio
import pytest

import anyio_claude as anthropic
from anyio_claude import AsyncClaude as AsyncAnthropic
from anyio_claude import Claude as Anthropic
from anyio_claude import Timeout
from anyio_claude.testing import FakeClaude

MODEL = "claude-sonnet-5-5"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread(batch_speedup=10_000) as server:
        yield server


@pytest.fixture(autouse=True)
def environment(fake: FakeClaude, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-examples")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)


def test_getting_started(capsys: pytest.CaptureFixture[str]) -> None:
    client = Anthropic(
        api_key=os.environ.get("ANTHROPIC_API_KEY"),  # This is the default and can be omitted
    )

    message = client.messages.create(
        max_tokens=1024,
        messages=[
            {
                "role": "user",
                "content": "Hello, Claude",
            }
        ],
        model="claude-sonnet-5-5",
    )
    print(message.content)
    client.close()
    assert "TextBlock(" in capsys.readouterr().out


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_async_usage(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    client = AsyncAnthropic(
        api_key=os.environ.get("ANTHROPIC_API_KEY"),  # This is the default and can be omitted
    )

    async def main() -> None:
        message = await client.messages.create(
            max_tokens=1024,
            messages=[
                {
                    "role": "user",
                    "content": "Hello, Claude",
                }
            ],
            model="claude-sonnet-5-5",
        )
        print(message.content)
        await client.close()

    anyio.run(main, backend=backend)  # the docs use asyncio.run(main())
    assert "You said: Hello, Claude" in capsys.readouterr().out


def test_streaming_responses(capsys: pytest.CaptureFixture[str]) -> None:
    client = Anthropic()

    stream = client.messages.create(
        max_tokens=1024,
        messages=[
            {
                "role": "user",
                "content": "Hello, Claude",
            }
        ],
        model="claude-sonnet-5-5",
        stream=True,
    )
    for event in stream:
        print(event.type)
    out = capsys.readouterr().out.split()
    assert out[0] == "message_start" and out[-1] == "message_stop"
    assert "content_block_delta" in out


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_streaming_helpers(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    client = AsyncAnthropic()

    async def main() -> None:
        async with client.messages.stream(
            max_tokens=1024,
            messages=[
                {
                    "role": "user",
                    "content": "Say hello there!",
                }
            ],
            model="claude-sonnet-5-5",
        ) as stream:
            async for text in stream.text_stream:
                print(text, end="", flush=True)
            print()

        message = await stream.get_final_message()
        print(message.to_json())
        await client.close()  # not in the docs: a loop that ends should not leave sockets open

    anyio.run(main, backend=backend)
    out = capsys.readouterr().out
    assert out.startswith("You said: Say hello there!")
    assert '"stop_reason":"end_turn"' in out


def test_token_counting() -> None:
    client = Anthropic()
    count = client.messages.count_tokens(
        model="claude-sonnet-5-5",
        messages=[{"role": "user", "content": "Hello, world"}],
    )
    print(count.input_tokens)  # 10
    assert count.input_tokens > 0
    message = client.messages.create(
        max_tokens=1024,
        messages=[{"role": "user", "content": "Hello, world"}],
        model="claude-sonnet-5-5",
    )
    print(message.usage)
    # Usage(input_tokens=25, output_tokens=13)
    assert message.usage.input_tokens == count.input_tokens


def test_tool_use_round_trip() -> None:
    client = Anthropic()
    tools = [
        {
            "name": "get_weather",
            "description": "Get the current weather in a given location",
            "input_schema": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": "The city and state, e.g. San Francisco, CA",
                    }
                },
                "required": ["location"],
            },
        }
    ]
    response = client.messages.create(
        model="claude-sonnet-5-5",
        max_tokens=1024,
        tools=tools,
        messages=[{"role": "user", "content": "What's the weather like in San Francisco?"}],
    )
    assert response.stop_reason == "tool_use"
    tool_use = next(block for block in response.content if block.type == "tool_use")
    assert isinstance(tool_use.input["location"], str)
    follow_up = client.messages.create(
        model="claude-sonnet-5-5",
        max_tokens=1024,
        tools=tools,
        messages=[
            {"role": "user", "content": "What's the weather like in San Francisco?"},
            {"role": "assistant", "content": response.content},
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": tool_use.id,
                        "content": "15 degrees",
                    }
                ],
            },
        ],
    )
    assert follow_up.content[0].type == "text"


def test_system_prompt_prefill_vision_and_thinking() -> None:
    client = Anthropic()
    message = client.messages.create(
        model="claude-sonnet-5-5",
        max_tokens=1024,
        system="You are a seasoned data scientist at a Fortune 500 company.",
        messages=[
            {
                "role": "user",
                "content": "What is latin for Ant? (A) Apoidea, (B) Rhopalocera, (C) Formicidae",
            },
            {"role": "assistant", "content": "The answer is ("},
        ],
    )
    assert message.content[0].type == "text"

    image_data = base64.standard_b64encode(b"\xff\xd8\xff\xe0 not really a jpeg").decode("utf-8")
    message = client.messages.create(
        model="claude-sonnet-5-5",
        max_tokens=1024,
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/jpeg",
                            "data": image_data,
                        },
                    },
                    {"type": "text", "text": "Describe this image."},
                ],
            }
        ],
    )
    assert message.content

    response = client.messages.create(
        model="claude-sonnet-5-5",
        max_tokens=16000,
        thinking={"type": "enabled", "budget_tokens": 10000},
        messages=[
            {
                "role": "user",
                "content": "Are there an infinite number of prime numbers such that n mod 4 == 3?",
            }
        ],
    )
    kinds = []
    for block in response.content:
        if block.type == "thinking":
            kinds.append(("thinking", block.thinking[:20]))
        elif block.type == "text":
            kinds.append(("text", block.text[:20]))
    assert [k for k, _ in kinds] == ["thinking", "text"]


def test_handling_errors(capsys: pytest.CaptureFixture[str]) -> None:
    client = Anthropic()

    try:
        client.messages.create(
            max_tokens=1024,
            messages=[
                {
                    "role": "user",
                    "content": "Hello, Claude",
                }
            ],
            model="claude-no-such-model",  # changed so that the example has an error to show
        )
    except anthropic.APIConnectionError as e:
        print("The server could not be reached")
        print(e.__cause__)  # an underlying Exception, likely raised within httpx.
    except anthropic.RateLimitError:
        print("A 429 status code was received; we should back off a bit.")
    except anthropic.APIStatusError as e:
        print("Another non-200-range status code was received")
        print(e.status_code)
        print(e.response)
    out = capsys.readouterr().out
    assert "Another non-200-range status code was received\n404\n" in out


def test_request_ids_retries_and_timeouts() -> None:
    # More granular control (the docs pass httpx.Timeout; ours takes the same arguments):
    client = Anthropic(timeout=Timeout(60.0, read=5.0, write=10.0, connect=2.0))
    client.close()
    client = Anthropic(max_retries=0, timeout=20.0)
    message = client.messages.create(
        max_tokens=1024,
        messages=[{"role": "user", "content": "Hello, Claude"}],
        model="claude-sonnet-5-5",
    )
    print(message._request_id)  # req_018EeWyXxfu5pfWkrYcMdjWG
    assert message._request_id and message._request_id.startswith("req_")
    client.with_options(max_retries=5).messages.create(
        max_tokens=1024,
        messages=[
            {"role": "user", "content": "Can you help me effectively ask for a raise at work?"}
        ],
        model="claude-sonnet-5-5",
    )
    client.with_options(timeout=5.0).messages.create(
        max_tokens=1024,
        messages=[
            {"role": "user", "content": "Where can I get a good coffee in my neighbourhood?"}
        ],
        model="claude-sonnet-5-5",
    )


def test_raw_and_streaming_responses(capsys: pytest.CaptureFixture[str]) -> None:
    client = Anthropic()

    response = client.messages.with_raw_response.create(
        max_tokens=1024,
        messages=[{"role": "user", "content": "Hello, Claude"}],
        model="claude-sonnet-5-5",
    )
    print(response.headers.get("X-My-Header"))

    message = response.parse()  # get the object that `messages.create()` would have returned
    print(message.content)

    with client.messages.with_streaming_response.create(
        max_tokens=1024,
        messages=[{"role": "user", "content": "Hello, Claude"}],
        model="claude-sonnet-5-5",
    ) as response:
        print(response.headers.get("X-My-Header"))

        for line in response.iter_lines():
            print(line)
    out = capsys.readouterr().out
    assert out.startswith("None\n[TextBlock(")
    assert '"type":"message"' in out


def test_batches_and_pagination(fake: FakeClaude) -> None:
    client = Anthropic()
    batch = client.messages.batches.create(
        requests=[
            {
                "custom_id": "my-first-request",
                "params": {
                    "model": "claude-sonnet-5-5",
                    "max_tokens": 1024,
                    "messages": [{"role": "user", "content": "Hello, world"}],
                },
            },
            {
                "custom_id": "my-second-request",
                "params": {
                    "model": "claude-sonnet-5-5",
                    "max_tokens": 1024,
                    "messages": [{"role": "user", "content": "Hi again, friend"}],
                },
            },
        ]
    )
    for _ in range(200):
        if client.messages.batches.retrieve(batch.id).processing_status == "ended":
            break
        time.sleep(0.01)
    succeeded = []
    for entry in client.messages.batches.results(batch.id):
        if entry.result.type == "succeeded":
            succeeded.append(entry.custom_id)
            print(entry.result.message.content)
    assert sorted(succeeded) == ["my-first-request", "my-second-request"]

    all_batches = []
    # Automatically fetches more pages as needed.
    for batch in client.messages.batches.list(limit=1):
        # Do something with batch here
        all_batches.append(batch)
    assert len(all_batches) >= 1

    first_page = client.messages.batches.list(limit=1)
    if first_page.has_next_page():
        next_page = first_page.get_next_page()
        print(f"number of items we just fetched: {len(next_page.data)}")
    print(f"next page cursor: {first_page.last_id}")  # => "next page cursor: ..."
    for batch in first_page.data:
        print(batch.id)

    models = [model.id for model in client.models.list()]
    assert MODEL in models
    assert client.models.retrieve(MODEL).id == MODEL

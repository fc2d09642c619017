"""What a type checker sees of the public API (checked by mypy --strict in .ci/run).

Not collected by pytest (no `test_` prefix) and never run: each `assert_type` is a
claim about the declared types that mypy verifies, so a change that turns a result into
`Any` or into the wrong type fails CI.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from typing_extensions import assert_type

from anyio_claude import (
    APIResponse,
    AsyncAPIResponse,
    AsyncBatchResults,
    AsyncClaude,
    AsyncMessageStream,
    AsyncPage,
    AsyncParsedMessageStream,
    AsyncStream,
    BatchResults,
    Claude,
    MessageStream,
    Stream,
)
from anyio_claude.streaming import ParsedContentBlockStopEvent, StreamEvent
from anyio_claude.types import (
    BetaCompactionBlock,
    ContentBlock,
    ContentBlockDeltaEvent,
    DeletedMessageBatch,
    Message,
    MessageBatch,
    MessageBatchIndividualResponse,
    MessageParam,
    MessageStreamEvent,
    MessageTokensCount,
    ModelInfo,
    ParsedMessage,
    ParsedTextBlock,
    StopReason,
    TextBlock,
    TextDelta,
    ThinkingBlock,
    ToolUnionParam,
    ToolUseBlock,
    Unknown,
    UnknownBlock,
)
from anyio_claude.types.beta.parsed_beta_message import (
    ParsedBetaContentBlock,
    ParsedBetaMessage,
    ParsedBetaTextBlock,
)

MODEL = "claude-sonnet-5-5"


async def plain(client: AsyncClaude) -> None:
    message = await client.messages.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    )
    assert_type(message, Message)
    for block in message.content:
        if isinstance(block, ToolUseBlock):
            assert_type(block.name, str)
    events = await client.messages.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert_type(events, AsyncStream)
    async for event in events:
        assert_type(event, MessageStreamEvent)
    async with client.messages.stream(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}], system="s"
    ) as stream:
        assert_type(stream, AsyncMessageStream)
        async for text in stream.text_stream:
            assert_type(text, str)
        assert_type(await stream.get_final_message(), Message)
    count = await client.messages.count_tokens(model=MODEL, messages=[])
    assert_type(count, MessageTokensCount)
    assert_type(await client.models.retrieve(MODEL), ModelInfo)
    assert_type(await client.models.list(limit=5), AsyncPage[ModelInfo])
    async for model in client.models.list():
        assert_type(model, ModelInfo)


async def batches(client: AsyncClaude) -> None:
    batch = await client.messages.batches.create(requests=[])
    assert_type(batch, MessageBatch)
    assert_type(await client.messages.batches.retrieve(batch.id), MessageBatch)
    assert_type(await client.messages.batches.cancel(batch.id), MessageBatch)
    assert_type(await client.messages.batches.delete(batch.id), DeletedMessageBatch)
    assert_type(await client.messages.batches.results(batch.id), AsyncBatchResults)
    async for item in client.messages.batches.list(limit=10):
        assert_type(item, MessageBatch)


async def raw_and_streaming(client: AsyncClaude) -> None:
    raw = await client.messages.with_raw_response.create(
        model=MODEL, max_tokens=10, messages=[], extra_headers={"x": "y"}, timeout=5.0
    )
    assert_type(raw, AsyncAPIResponse[Message])
    assert_type(await raw.parse(), Message)
    assert_type(await raw.text(), str)
    raw_count = await client.messages.with_raw_response.count_tokens(model=MODEL, messages=[])
    assert_type(await raw_count.parse(), MessageTokensCount)
    raw_events = await client.with_raw_response.messages.create(
        model=MODEL, max_tokens=10, messages=[], stream=True
    )
    assert_type(await raw_events.parse(), AsyncStream)
    async with client.messages.with_streaming_response.create(
        model=MODEL, max_tokens=10, messages=[]
    ) as response:
        assert_type(response, AsyncAPIResponse[Message])
        assert_type(await response.parse(), Message)
        async for line in response.iter_lines():
            assert_type(line, str)
    async with client.messages.with_streaming_response.stream(
        model=MODEL, max_tokens=10, messages=[]
    ) as streamed:
        assert_type(streamed.http_response.status_code, int)
        async for text in streamed.text_stream:
            assert_type(text, str)
        assert_type(await streamed.parse(), AsyncMessageStream)
    raw_batch = await client.messages.with_raw_response.batches.retrieve("b")
    assert_type(await raw_batch.parse(), MessageBatch)
    raw_results = await client.messages.with_raw_response.batches.results("b")
    assert_type(await raw_results.parse(), AsyncBatchResults)
    raw_model = await client.models.with_raw_response.retrieve(MODEL)
    assert_type(await raw_model.parse(), ModelInfo)
    raw_models = await client.with_raw_response.models.list(limit=2)
    assert_type(await raw_models.parse(), AsyncPage[ModelInfo])
    async with client.with_streaming_response.messages.batches.list() as listed:
        assert_type(await listed.parse(), AsyncPage[MessageBatch])


def blocking(client: Claude) -> None:
    message = client.messages.create(model=MODEL, max_tokens=10, messages=[])
    assert_type(message, Message)
    stream = client.messages.create(model=MODEL, max_tokens=10, messages=[], stream=True)
    assert_type(stream, Stream)
    for event in stream:
        assert_type(event, MessageStreamEvent)
    with client.messages.stream(model=MODEL, max_tokens=10, messages=[]) as helper:
        assert_type(helper, MessageStream)
        for text in helper.text_stream:
            assert_type(text, str)
        assert_type(helper.get_final_message(), Message)
    assert_type(client.messages.count_tokens(model=MODEL, messages=[]), MessageTokensCount)
    raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=[])
    assert_type(raw, APIResponse[Message])
    assert_type(raw.parse(), Message)
    assert_type(raw.text(), str)
    raw_stream = client.messages.with_raw_response.create(
        model=MODEL, max_tokens=10, messages=[], stream=True
    )
    assert_type(raw_stream.parse(), Stream)
    with client.messages.with_streaming_response.create(
        model=MODEL, max_tokens=10, messages=[]
    ) as response:
        assert_type(response.parse(), Message)
        for line in response.iter_lines():
            assert_type(line, str)
    with client.messages.with_streaming_response.stream(
        model=MODEL, max_tokens=10, messages=[]
    ) as streamed:
        assert_type(streamed.http_response.status_code, int)
        for text in streamed.text_stream:
            assert_type(text, str)
    assert_type(client.with_raw_response.models.list().parse().data, list[ModelInfo])
    batch = client.messages.batches.create(requests=[])
    assert_type(batch, MessageBatch)
    for result in client.messages.batches.results(batch.id):
        assert_type(result, MessageBatchIndividualResponse)
    page = client.models.list(limit=2)
    assert_type(page.data, list[ModelInfo])
    for model in page:
        assert_type(model, ModelInfo)
    assert_type(client.models.retrieve(MODEL), ModelInfo)


def narrowing_blocks(message: Message) -> None:
    for block in message.content:
        if block.type == "text":
            assert_type(block, TextBlock)
            assert_type(block.text, str)
        elif block.type == "tool_use":
            assert_type(block.name, str)
            assert_type(block.input, Any)
        elif block.type == "thinking":
            assert_type(block, ThinkingBlock)
        elif block.type == "server_tool_use":
            assert_type(block.id, str)
        elif block.type == "container_upload":
            assert_type(block.file_id, str)
    for block in message.content:
        match block.type:
            case "text":
                assert_type(block.text, str)
            case "redacted_thinking":
                assert_type(block.data, str)
            case "tool_search_tool_result":
                assert_type(block.tool_use_id, str)
            case _:
                assert_type(block.to_dict(), dict[str, Any])
    for block in message.content:
        match block:
            case TextBlock(text=text, citations=citations):
                assert_type(text, str)
                if citations:
                    for citation in citations:
                        if citation.type == "char_location":
                            assert_type(citation.start_char_index, int)
            case ToolUseBlock(name=name):
                assert_type(name, str)
            case _:
                pass


def beta_blocks(message: Message) -> None:
    for block in message.content:
        if block.type == "compaction":
            assert_type(block, BetaCompactionBlock)
            assert_type(block.content, str | None)
        elif block.type == "mcp_tool_use":
            assert_type(block.server_name, str)
        elif block.type == "fallback":
            assert_type(block.to.model, str)
    if message.context_management is not None:
        assert_type(message.context_management.applied_edits, list[Any])


def unknown_blocks_at_run_time(message: Message) -> None:
    # Unknown blocks are not in the static union; at run time they are `Unknown`s.
    for block in message.content:
        if isinstance(block, UnknownBlock):
            assert_type(block.to_dict(), dict[str, Any])
    items: list[object] = list(message.content)
    for item in items:
        if isinstance(item, Unknown):
            assert_type(item.type, str)
            assert_type(item.to_dict(), dict[str, Any])


def message_fields(message: Message) -> None:
    stop: StopReason | None = message.stop_reason
    if message.stop_reason == "refusal" and message.stop_details is not None:
        assert_type(message.stop_details.explanation, str | None)
    usage = message.usage
    if usage.cache_creation is not None:
        assert_type(usage.cache_creation.ephemeral_1h_input_tokens, int)
    if usage.server_tool_use is not None:
        assert_type(usage.server_tool_use.web_fetch_requests, int)
    if usage.output_tokens_details is not None:
        assert_type(usage.output_tokens_details.thinking_tokens, int)
    assert_type(usage.service_tier, Literal["standard", "priority", "batch"] | None)
    if message.container is not None:
        assert_type(message.container.id, str)
    messages: list[MessageParam] = [{"role": "user", "content": "hi"}]
    messages.append(message.to_param())
    assert_type(message.model_dump(), dict[str, Any])
    assert_type(message.model_dump(exclude_none=True, mode="json"), dict[str, Any])
    assert_type(message.model_dump_json(indent=2), str)
    assert_type(message.to_json(indent=2), str)
    assert_type(message.model_extra, dict[str, Any])
    assert_type(message["brand_new_key"], Any)
    print(stop)


def model_api(data: dict[str, Any], cached: bytes) -> None:
    # pydantic's model API, as fixtures and caches written for the official SDK call it.
    message = Message.model_validate(data)
    assert_type(message, Message)
    assert_type(Message.model_validate_json(cached), Message)
    assert_type(Message.model_validate_json(cached.decode()), Message)
    assert_type(message.model_copy(update={"model": MODEL}, deep=True), Message)
    assert_type(Message.model_construct(id="msg_1", content=[]), Message)
    assert_type(ModelInfo.model_validate(data).model_copy(), ModelInfo)
    block = TextBlock(type="text", text="hi")
    assert_type(block, TextBlock)
    assert_type(block.type, Literal["text"])
    assert_type(TextBlock(text="hi", citations=None).model_copy(update={"text": "bye"}), TextBlock)
    assert_type(TextBlock.model_validate({"type": "text", "text": "hi"}), TextBlock)
    assert_type(ThinkingBlock(type="thinking", thinking="", signature="s"), ThinkingBlock)
    assert_type(ToolUseBlock(type="tool_use", id="t", name="n", input={}), ToolUseBlock)
    assert_type(
        ContentBlockDeltaEvent(
            type="content_block_delta", index=0, delta=TextDelta(type="text_delta", text="a")
        ),
        ContentBlockDeltaEvent,
    )
    # What both checkers still reject (mypy's warn_unused_ignores checks each ignore is
    # needed; pyright honours them too): another tag, a misspelt field, a reassigned tag,
    # and an unknown key read as an attribute, which works at run time only, as pydantic's
    # extra keys do (`message["key"]` and `message.model_extra` are typed).
    TextBlock(type="thinking", text="hi")  # type: ignore[arg-type]
    TextBlock(type="text", txt="hi")  # type: ignore[call-arg]
    print(message.brand_new_key)  # type: ignore[attr-defined]
    block.type = "text"  # type: ignore[misc]


def narrowing_raw_events(event: MessageStreamEvent) -> None:
    if event.type == "content_block_delta":
        if event.delta.type == "text_delta":
            assert_type(event.delta.text, str)
        elif event.delta.type == "input_json_delta":
            assert_type(event.delta.partial_json, str)
        elif event.delta.type == "thinking_delta":
            assert_type(event.delta.thinking, str)
        elif event.delta.type == "citations_delta":
            assert_type(event.delta.citation.cited_text, str)
    elif event.type == "content_block_start":
        assert_type(event.content_block, ContentBlock)
        if event.content_block.type == "tool_use":
            assert_type(event.content_block.name, str)
    elif event.type == "message_start":
        assert_type(event.message, Message)
    elif event.type == "message_delta":
        assert_type(event.delta.stop_reason, StopReason | None)
        assert_type(event.usage.output_tokens, int)
    match event.type:
        case "content_block_stop":
            assert_type(event.index, int)
        case "error":
            assert_type(event.error.message, str)
        case _:
            pass


def narrowing_helper_events(event: StreamEvent) -> None:
    if event.type == "text":
        assert_type(event.text, str)
        assert_type(event.snapshot, str)
    elif event.type == "input_json":
        assert_type(event.partial_json, str)
        assert_type(event.snapshot, Any)
    elif event.type == "thinking":
        assert_type(event.thinking, str)
    elif event.type == "content_block_stop":
        assert_type(event, ParsedContentBlockStopEvent)
        assert_type(event.content_block, ContentBlock)
    elif event.type == "message_stop":
        assert_type(event.message, Message)
    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
        assert_type(event.delta.text, str)


async def helper_stream(client: AsyncClaude) -> None:
    async with client.messages.stream(model=MODEL, max_tokens=10, messages=[]) as stream:
        async for event in stream:
            assert_type(event, StreamEvent)
            if event.type == "text":
                assert_type(event.text, str)
            elif event.type == "message_stop":
                assert_type(event.message, Message)


def blocking_helper_stream(client: Claude) -> None:
    with client.messages.stream(model=MODEL, max_tokens=10, messages=[]) as stream:
        for event in stream:
            assert_type(event, StreamEvent)
            if event.type == "content_block_stop":
                assert_type(event.content_block, ContentBlock)


class Answer(msgspec.Struct):
    value: int


async def structured(client: AsyncClaude, blocking_client: Claude) -> None:
    tools: list[ToolUnionParam] = [
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 2},
        {"type": "code_execution_20250825", "name": "code_execution"},
        {"name": "f", "input_schema": {"type": "object"}, "strict": True},
    ]
    parsed = await client.messages.parse(
        model=MODEL,
        max_tokens=10,
        messages=[{"role": "user", "content": "hi"}],
        output_format=Answer,
        output_config={"effort": "low"},
        thinking={"type": "adaptive"},
        tools=tools,
        cache_control={"type": "ephemeral"},
        container="container_1",
        diagnostics={"previous_message_id": "msg_1"},
        inference_geo="us",
        speed="fast",
        user_profile_id="u",
        workspace_id="w",
    )
    assert_type(parsed, ParsedMessage[Answer])
    assert_type(parsed.parsed_output, Answer | None)
    async with client.messages.stream(
        model=MODEL, max_tokens=10, messages=[], output_format=Answer
    ) as stream:
        assert_type(stream, AsyncParsedMessageStream[Answer])
        assert_type(await stream.get_final_message(), ParsedMessage[Answer])
    assert_type(
        blocking_client.messages.parse(
            model=MODEL, max_tokens=1, messages=[], output_format=Answer
        ),
        ParsedMessage[Answer],
    )


def parsed_beta_blocks(
    text: ParsedBetaTextBlock[Answer],
    block: ParsedBetaContentBlock[Answer],
    bare: ParsedBetaContentBlock,
    message: ParsedMessage[Answer],
) -> None:
    assert_type(text.parsed_output, Answer | None)  # Optional, as the official
    if block.type == "text":  # the official idiom: the tag narrows the union
        assert_type(block, ParsedBetaTextBlock[Answer])
    if bare.type == "text":  # generic with the official default, None
        assert_type(bare, ParsedBetaTextBlock[None])
    for part in message.content:
        if part.type == "text":
            assert_type(part.parsed_output, Answer | None)
    assert_type(message.content[0], ParsedBetaContentBlock[Answer])


def parsed_defaults(bare: ParsedMessage, block: ParsedTextBlock) -> None:
    # Without type arguments, the official default: `None`.
    assert_type(bare, ParsedMessage[None])
    assert_type(block.parsed_output, None)


async def beta_and_files(client: AsyncClaude, sync: Claude) -> None:
    from pathlib import Path

    from anyio_claude import AsyncBinaryAPIResponse, BinaryAPIResponse
    from anyio_claude.types import (
        DeletedFile,
        DocumentBlockParam,
        FileMetadata,
        ImageBlockParam,
    )

    document: DocumentBlockParam = {"type": "document", "source": {"type": "file", "file_id": "1"}}
    image: ImageBlockParam = {"type": "image", "source": {"type": "file", "file_id": "file_2"}}
    user: list[MessageParam] = [{"role": "user", "content": [document, image]}]
    message = await client.beta.messages.create(
        model=MODEL, max_tokens=10, messages=user, betas=["files-api-2025-04-14"]
    )
    assert_type(message, Message)
    events = await client.beta.messages.create(
        model=MODEL, max_tokens=10, messages=user, stream=True, betas=["b"]
    )
    assert_type(events, AsyncStream)
    async with client.beta.messages.stream(
        model=MODEL, max_tokens=10, messages=user, betas=["b"]
    ) as stream:
        assert_type(stream, AsyncMessageStream)
    count = await client.beta.messages.count_tokens(model=MODEL, messages=user, betas=["b"])
    assert_type(count, MessageTokensCount)
    # The beta body parameters, as the official SDK's documentation passes them.
    managed = await client.beta.messages.create(
        model=MODEL,
        max_tokens=10,
        messages=user,
        context_management={"edits": [{"type": "clear_tool_uses_20250919"}]},
        mcp_servers=[{"type": "url", "url": "https://example.com/sse", "name": "ex"}],
        fallbacks="default",
        thread=None,
    )
    assert_type(managed, Message)
    parsed = await client.beta.messages.parse(
        model=MODEL, max_tokens=10, messages=user, output_format=Answer, betas=["b"]
    )
    assert_type(parsed, ParsedMessage[Answer])
    # The official module's names, as code ported from `anthropic` annotates the reply.
    ported: ParsedBetaMessage[Answer] = parsed
    assert_type(ported.parsed_output, Answer | None)
    assert_type(
        sync.beta.messages.parse(model=MODEL, max_tokens=10, messages=user), ParsedMessage[None]
    )
    raw_parsed = await client.beta.messages.with_raw_response.parse(
        model=MODEL, max_tokens=10, messages=user, output_format=Answer
    )
    assert_type(await raw_parsed.parse(), ParsedMessage[Answer])
    async with client.beta.messages.with_streaming_response.parse(
        model=MODEL, max_tokens=10, messages=user, output_format=Answer
    ) as streamed_parse:
        assert_type(await streamed_parse.parse(), ParsedMessage[Answer])
    blocking_raw = sync.beta.messages.with_raw_response.parse(
        model=MODEL, max_tokens=10, messages=user, output_format=Answer
    )
    assert_type(blocking_raw.parse(), ParsedMessage[Answer])
    assert_type(
        await client.beta.messages.count_tokens(
            model=MODEL, messages=user, compaction={"type": "compaction"}
        ),
        MessageTokensCount,
    )
    assert_type(
        sync.beta.messages.create(
            model=MODEL, max_tokens=10, messages=user, fallback_credit_token="t"
        ),
        Message,
    )
    raw = await client.beta.messages.with_raw_response.create(
        model=MODEL, max_tokens=10, messages=user
    )
    assert_type(raw, AsyncAPIResponse[Message])
    assert_type(await raw.parse(), Message)

    metadata = await client.beta.files.upload(file=Path("a.pdf"), betas=["b"])
    assert_type(metadata, FileMetadata)
    assert_type(
        await client.beta.files.upload(file=("a.pdf", b"x", "application/pdf")), FileMetadata
    )
    assert_type(await client.beta.files.retrieve_metadata(metadata.id), FileMetadata)
    assert_type(await client.beta.files.delete(metadata.id), DeletedFile)
    page = await client.beta.files.list(limit=10, after_id="file_1")
    assert_type(page, AsyncPage[FileMetadata])
    download = await client.beta.files.download(metadata.id)
    assert_type(download, AsyncBinaryAPIResponse)
    async with client.beta.files.download(metadata.id) as response:
        assert_type(response, AsyncBinaryAPIResponse)
        assert_type(await response.read(), bytes)
    raw_upload = await client.beta.files.with_raw_response.upload(file=b"x")
    assert_type(raw_upload, AsyncAPIResponse[FileMetadata])
    async with client.beta.files.with_streaming_response.retrieve_metadata("f") as streamed:
        assert_type(streamed, AsyncAPIResponse[FileMetadata])

    assert_type(sync.beta.messages.create(model=MODEL, max_tokens=10, messages=user), Message)
    assert_type(sync.beta.files.upload(file=b"x"), FileMetadata)
    assert_type(sync.beta.files.download("f"), BinaryAPIResponse)
    for item in sync.beta.files.list():
        assert_type(item, FileMetadata)


async def client_level_beta_views(client: AsyncClaude, sync: Claude) -> None:
    from anyio_claude.types import FileMetadata

    user: list[MessageParam] = [{"role": "user", "content": "hi"}]
    raw = await client.with_raw_response.beta.messages.create(
        model=MODEL, max_tokens=10, messages=user
    )
    assert_type(await raw.parse(), Message)
    async with client.with_streaming_response.beta.files.retrieve_metadata("f") as streamed:
        assert_type(await streamed.parse(), FileMetadata)
    assert_type(sync.with_raw_response.beta.files.retrieve_metadata("f").parse(), FileMetadata)
    with sync.with_streaming_response.beta.messages.stream(
        model=MODEL, max_tokens=10, messages=user
    ) as response:
        for text in response.text_stream:
            assert_type(text, str)


async def resource_parameters(client: AsyncClaude, sync: Claude) -> None:
    from anyio_claude import AsyncBinaryAPIResponse, BinaryAPIResponse, SyncPage
    from anyio_claude.types import DeletedFile, FileMetadata

    # models: workspace_id and lifecycle, as the official SDK takes them.
    page = await client.models.list(lifecycle=["active", "retired"], workspace_id="w", limit=2)
    assert_type(page, AsyncPage[ModelInfo])
    assert_type(page.next_page, str | None)
    async for one_page in page.iter_pages():
        assert_type(one_page, AsyncPage[ModelInfo])
    assert_type(await client.models.retrieve(MODEL, workspace_id="w", extra_body={}), ModelInfo)
    raw_models = await client.models.with_raw_response.list(lifecycle=["deprecated"])
    assert_type(await raw_models.parse(), AsyncPage[ModelInfo])
    # batches: workspace_id everywhere, user_profile_id on create, the views on batches.
    batch = await client.messages.batches.create(
        requests=[], user_profile_id="u", workspace_id="w", extra_body={"k": 1}
    )
    assert_type(batch, MessageBatch)
    assert_type(await client.messages.batches.retrieve(batch.id, workspace_id="w"), MessageBatch)
    assert_type(await client.messages.batches.cancel(batch.id, workspace_id="w"), MessageBatch)
    deleted_batch = await client.messages.batches.delete(batch.id, workspace_id="w")
    assert_type(deleted_batch, DeletedMessageBatch)
    results = await client.messages.batches.results(batch.id, workspace_id="w", extra_body={})
    assert_type(results, AsyncBatchResults)
    listed = await client.messages.batches.list(workspace_id="w", extra_body={})
    assert_type(listed, AsyncPage[MessageBatch])
    raw_batch = await client.messages.batches.with_raw_response.create(
        requests=[], workspace_id="w"
    )
    assert_type(await raw_batch.parse(), MessageBatch)
    async with client.messages.batches.with_streaming_response.list(limit=1) as streamed:
        assert_type(await streamed.parse(), AsyncPage[MessageBatch])
    assert_type(
        await client.messages.batches.wait(batch.id, workspace_id="w", poll_interval=2.0),
        MessageBatch,
    )
    # files (the API's Files API, no beta) and beta.files: the same, with betas= on beta.
    uploaded = await client.files.upload(file=b"x", expires_in_seconds=3600, workspace_id="w")
    assert_type(uploaded, FileMetadata)
    files = await client.files.list(ids=["file_1"], workspace_id="w")
    assert_type(files, AsyncPage[FileMetadata])
    assert_type(await client.files.list(limit=5, page=files.next_page), AsyncPage[FileMetadata])
    assert_type(await client.files.retrieve_metadata("f", workspace_id="w"), FileMetadata)
    assert_type(await client.files.delete("f", workspace_id="w", extra_body={}), DeletedFile)
    assert_type(await client.files.download("f", workspace_id="w"), AsyncBinaryAPIResponse)
    raw_files = await client.files.with_raw_response.list(limit=1)
    assert_type(await raw_files.parse(), AsyncPage[FileMetadata])
    async with client.with_streaming_response.files.list() as streamed_files:
        assert_type(await streamed_files.parse(), AsyncPage[FileMetadata])
    beta_page = await client.beta.files.list(
        ids=None, limit=2, page=None, scope_id="s", betas=["b"], workspace_id="w"
    )
    assert_type(beta_page, AsyncPage[FileMetadata])
    raw_beta = await client.beta.files.with_raw_response.list(scope_id="s", betas=["b"])
    assert_type(await raw_beta.parse(), AsyncPage[FileMetadata])
    async with client.beta.files.with_streaming_response.list(workspace_id="w") as streamed_beta:
        assert_type(await streamed_beta.parse(), AsyncPage[FileMetadata])
    assert_type(
        await client.beta.files.upload(file=b"x", betas=["b"], workspace_id="w"), FileMetadata
    )
    # The blocking twins.
    sync_page = sync.files.list(limit=2, workspace_id="w")
    assert_type(sync_page, SyncPage[FileMetadata])
    assert_type(sync_page.next_page, str | None)
    for sync_one_page in sync_page.iter_pages():
        assert_type(sync_one_page, SyncPage[FileMetadata])
    assert_type(sync.files.download("f", workspace_id="w"), BinaryAPIResponse)
    assert_type(sync.files.with_raw_response.list().parse(), SyncPage[FileMetadata])
    assert_type(sync.beta.files.list(scope_id="s", betas=["b"]), SyncPage[FileMetadata])
    assert_type(
        sync.beta.files.with_raw_response.list(scope_id="s").parse(), SyncPage[FileMetadata]
    )
    assert_type(sync.models.list(lifecycle=["active"], workspace_id="w"), SyncPage[ModelInfo])
    assert_type(sync.messages.batches.create(requests=[], user_profile_id="u"), MessageBatch)
    sync_raw = sync.messages.batches.with_raw_response.retrieve("b", workspace_id="w")
    assert_type(sync_raw.parse(), MessageBatch)
    with sync.messages.batches.with_streaming_response.list(workspace_id="w") as sync_listed:
        assert_type(sync_listed.parse(), SyncPage[MessageBatch])
    assert_type(sync.messages.batches.wait("b", workspace_id="w"), MessageBatch)
    assert_type(sync.with_raw_response.files.retrieve_metadata("f").parse(), FileMetadata)
    # beta.models: models with betas=, in every view, async and blocking.
    assert_type(await client.beta.models.retrieve(MODEL, betas=["b"]), ModelInfo)
    assert_type(await client.beta.models.list(betas=["b"], limit=2), AsyncPage[ModelInfo])
    raw_beta_models = await client.beta.models.with_raw_response.list(lifecycle=["active"])
    assert_type(await raw_beta_models.parse(), AsyncPage[ModelInfo])
    async with client.with_streaming_response.beta.models.retrieve(MODEL) as streamed_model:
        assert_type(await streamed_model.parse(), ModelInfo)
    assert_type(sync.beta.models.list(betas=["b"]), SyncPage[ModelInfo])
    assert_type(sync.beta.models.with_raw_response.retrieve(MODEL).parse(), ModelInfo)
    with sync.with_streaming_response.beta.models.list() as sync_models:
        assert_type(sync_models.parse(), SyncPage[ModelInfo])
    # beta.messages.batches: batches with betas=, in every view, async and blocking.
    beta_batch = await client.beta.messages.batches.create(requests=[], betas=["b"])
    assert_type(beta_batch, MessageBatch)
    assert_type(await client.beta.messages.batches.list(betas=["b"]), AsyncPage[MessageBatch])
    async with client.beta.messages.batches.results("b", betas=["b"]) as beta_results:
        assert_type(beta_results, AsyncBatchResults)
    raw_beta_batch = await client.beta.messages.with_raw_response.batches.cancel("b", betas=["b"])
    assert_type(await raw_beta_batch.parse(), MessageBatch)
    assert_type(sync.beta.messages.batches.retrieve("b", betas=["b"]), MessageBatch)
    assert_type(sync.beta.messages.batches.results("b"), BatchResults)
    with sync.beta.messages.batches.with_streaming_response.results("b") as sync_results:
        assert_type(sync_results.parse(), BatchResults)
    # What the official SDK refuses, a type checker refuses too.
    await client.files.list(betas=["b"])  # type: ignore[call-arg]
    await client.messages.batches.list(betas=["b"])  # type: ignore[call-arg]
    await client.models.list(betas=["b"])  # type: ignore[call-arg]
    await client.models.list(lifecycle="active")  # type: ignore[arg-type]


async def error_code_classes(client: AsyncClaude) -> None:
    # Importable from the official SDK's paths, with their bases: `except` clauses port.
    from anyio_claude import ServiceUnavailableError, StorageNotReadyError
    from anyio_claude.types import FileExpiredError as FromTypes
    from anyio_claude.types.beta.organization.claude_code import BetaCMEKFeatureUnsupportedError
    from anyio_claude.types.file_expired_error import FileExpiredError
    from anyio_claude.types.shared.storage_not_ready_error import (
        StorageNotReadyError as FromModule,
    )

    try:
        await client.models.retrieve(MODEL)
    except (StorageNotReadyError, FromModule) as exc:
        unavailable: ServiceUnavailableError = exc
        assert_type(unavailable.error_code, str | None)
    except (FileExpiredError, FromTypes, BetaCMEKFeatureUnsupportedError) as exc:
        assert_type(exc.details, dict[str, Any] | None)


async def official_module_paths(client: AsyncClaude, sync: Claude) -> None:
    from anyio_claude.lib.streaming import MessageStream as HelperStream
    from anyio_claude.lib.streaming import MessageStreamEvent as HelperEvent
    from anyio_claude.lib.streaming import TextEvent
    from anyio_claude.pagination import AsyncPage as Page
    from anyio_claude.pagination import SyncPage as BlockingPage

    user: list[MessageParam] = [{"role": "user", "content": "hi"}]
    async with client.messages.stream(model=MODEL, max_tokens=10, messages=user) as stream:
        async for event in stream:
            typed: HelperEvent = event
            if isinstance(typed, TextEvent):
                assert_type(typed.text, str)
    page: Page[ModelInfo] = await client.models.list()
    assert_type(page.data, list[ModelInfo])
    blocking: BlockingPage[ModelInfo] = sync.models.list()
    assert_type(blocking.data, list[ModelInfo])
    with sync.messages.stream(model=MODEL, max_tokens=10, messages=user) as live:
        assert_type(live, HelperStream)


async def official_type_paths(client: AsyncClaude) -> None:
    from anyio_claude.types.beta.beta_file_metadata import BetaFileMetadata
    from anyio_claude.types.message import Message as PathMessage
    from anyio_claude.types.messages import MessageBatch as PathBatch

    user: list[MessageParam] = [{"role": "user", "content": "hi"}]
    reply: PathMessage = await client.messages.create(model=MODEL, max_tokens=10, messages=user)
    assert_type(reply.id, str)
    batch: PathBatch = await client.messages.batches.retrieve("msgbatch_1")
    assert_type(batch.id, str)
    uploaded: BetaFileMetadata = await client.beta.files.upload(file=b"x")
    assert_type(uploaded.id, str)


async def tool_runners(client: AsyncClaude, sync: Claude) -> None:
    from anyio_claude import beta_async_tool, beta_tool
    from anyio_claude.lib.tools import (
        BetaAsyncFunctionTool,
        BetaFunctionTool,
        BetaFunctionToolResultType,
    )
    from anyio_claude.types import UserMessageParam

    @beta_tool
    def get_weather(location: str) -> str:
        return location

    @beta_async_tool
    async def get_time(location: str) -> str:
        return location

    weather_tool: BetaFunctionTool[Any] = get_weather
    time_tool: BetaAsyncFunctionTool[Any] = get_time
    assert_type(get_weather("Paris"), str)
    assert_type(weather_tool.call({}), BetaFunctionToolResultType)
    assert_type(await time_tool.call({}), BetaFunctionToolResultType)
    messages: list[MessageParam] = [{"role": "user", "content": "hi"}]
    # The beta methods take tool objects in `tools`, as the official SDK's (`BetaToolLike`).
    made = await client.beta.messages.create(
        model="claude-sonnet-4-5", max_tokens=10, messages=messages, tools=[get_weather]
    )
    assert_type(made, Message)
    assert_type(
        sync.beta.messages.count_tokens(
            model="claude-sonnet-4-5", messages=messages, tools=[get_time, {"name": "x"}]
        ).input_tokens,
        int,
    )
    runner = client.beta.messages.tool_runner(
        model="claude-sonnet-4-5", max_tokens=10, messages=messages, tools=[get_time]
    )
    async for message in runner:
        assert_type(message, ParsedMessage[None])
        assert_type(await runner.generate_tool_call_response(), UserMessageParam | None)
    streaming = client.beta.messages.tool_runner(
        model="claude-sonnet-4-5",
        max_tokens=10,
        messages=messages,
        tools=[get_weather],
        stream=True,
        max_concurrency=4,
        tool_timeout=30,
    )
    async for stream in streaming:
        assert_type(stream, AsyncMessageStream)
    assert_type(await streaming.until_done(), ParsedMessage[Any])

    parsed = client.beta.messages.tool_runner(
        model="claude-sonnet-4-5",
        max_tokens=10,
        messages=messages,
        tools=[get_time],
        output_format=Answer,
    )
    assert_type(await parsed.until_done(), ParsedMessage[Answer])
    blocking = sync.beta.messages.tool_runner(
        model="claude-sonnet-4-5", max_tokens=10, messages=messages, tools=[get_weather]
    )
    for reply in blocking:
        assert_type(reply, ParsedMessage[None])
    for turn in sync.beta.messages.tool_runner(
        model="claude-sonnet-4-5", max_tokens=10, messages=messages, tools=[], stream=True
    ):
        assert_type(turn, MessageStream)


async def generated_request_types(client: AsyncClaude, sync: Claude, data: dict[str, Any]) -> None:
    # The official request TypedDicts, from the official paths and from `types`, build the
    # requests a port already writes; the memory tool's commands and beta blocks are typed.
    from anyio_claude.types import (
        BetaMessageParam,
        BetaMetadataParam,
        BetaOutputConfigParam,
        BetaTextBlockParam,
        BetaThinkingConfigParam,
        BetaToolChoiceParam,
        BetaToolParam,
        BetaToolUnionParam,
    )
    from anyio_claude.types.beta import (
        BetaCacheControlEphemeralParam,
        BetaContextManagementConfigParam,
        BetaMemoryTool20250818Command,
        BetaMemoryTool20250818CreateCommand,
        BetaMessage,
        BetaRequestMCPServerURLDefinitionParam,
    )
    from anyio_claude.types.beta.message_create_params import MessageCreateParamsNonStreaming
    from anyio_claude.types.beta.messages.batch_create_params import Request as BetaRequest
    from anyio_claude.types.messages.batch_create_params import Request

    text: BetaTextBlockParam = {"type": "text", "text": "hi", "cache_control": None}
    cache: BetaCacheControlEphemeralParam = {"type": "ephemeral", "ttl": "1h"}
    text["cache_control"] = cache
    turn: BetaMessageParam = {"role": "user", "content": [text]}
    tool: BetaToolParam = {"name": "lookup", "input_schema": {"type": "object"}}
    params: MessageCreateParamsNonStreaming = {
        "model": MODEL,
        "max_tokens": 10,
        "messages": [turn],
        "tools": [tool],
    }
    assert_type(params["max_tokens"], int)
    request: Request = {
        "custom_id": "a",
        "params": {"model": MODEL, "max_tokens": 5, "messages": []},
    }
    assert_type(request["custom_id"], str)
    print(params)
    # beta.messages takes what the official beta methods are typed with (the generated
    # `Beta…Param`s) as well as our non-beta params, lists typed with either, or literals.
    turns: list[BetaMessageParam] = [turn]
    tools: list[BetaToolUnionParam] = [tool]
    system: list[BetaTextBlockParam] = [text]
    choice: BetaToolChoiceParam = {"type": "auto"}
    thinking: BetaThinkingConfigParam = {"type": "enabled", "budget_tokens": 1024}
    output: BetaOutputConfigParam = {"effort": "low"}
    metadata: BetaMetadataParam = {"user_id": "u"}
    reply = await client.beta.messages.create(
        model=MODEL,
        max_tokens=10,
        messages=turns,
        tools=tools,
        system=system,
        cache_control=cache,
        metadata=metadata,
        output_config=output,
        thinking=thinking,
        tool_choice=choice,
    )
    assert_type(reply, BetaMessage)
    reply = await client.beta.messages.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    )
    ours: list[MessageParam] = [{"role": "user", "content": "hi"}]
    our_tools: list[ToolUnionParam] = [{"name": "lookup", "input_schema": {"type": "object"}}]
    reply = await client.beta.messages.create(
        model=MODEL,
        max_tokens=10,
        messages=ours,
        tools=our_tools,
        system=[{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}],
        thinking={"type": "adaptive"},
    )
    parsed = await client.beta.messages.parse(
        model=MODEL, max_tokens=10, messages=turns, tools=tools, system=system
    )
    assert_type(parsed, ParsedMessage[None])
    async with client.beta.messages.stream(
        model=MODEL, max_tokens=10, messages=turns, tools=tools, system=system
    ) as stream:
        print(await stream.get_final_message())
    servers: list[BetaRequestMCPServerURLDefinitionParam] = [
        {"type": "url", "url": "https://mcp.example", "name": "m"}
    ]
    management: BetaContextManagementConfigParam = {"edits": []}
    counted = await client.beta.messages.count_tokens(
        model=MODEL,
        messages=turns,
        tools=tools,
        system=system,
        tool_choice=choice,
        mcp_servers=servers,
        context_management=management,
    )
    assert_type(counted, MessageTokensCount)
    async with client.beta.messages.with_streaming_response.count_tokens(
        model=MODEL, messages=turns, system=system
    ) as counted_response:
        print(counted_response)
    raw = await client.beta.messages.with_raw_response.create(
        model=MODEL, max_tokens=10, messages=turns, tools=tools, system=system
    )
    print(
        raw,
        client.beta.messages.tool_runner(
            model=MODEL, max_tokens=10, messages=turns, tools=tools, system=system
        ),
    )
    assert_type(
        sync.beta.messages.create(
            model=MODEL, max_tokens=10, messages=turns, tools=tools, system=system
        ),
        BetaMessage,
    )
    with sync.beta.messages.stream(
        model=MODEL, max_tokens=10, messages=turns, tools=tools, system=system
    ) as blocking_stream:
        print(blocking_stream.get_final_message())
    assert_type(
        sync.beta.messages.count_tokens(model=MODEL, messages=turns, system=system, tools=tools),
        MessageTokensCount,
    )
    print(
        sync.beta.messages.tool_runner(
            model=MODEL, max_tokens=10, messages=turns, tools=tools, system=system
        )
    )
    beta_requests: list[BetaRequest] = [
        {"custom_id": "a", "params": {"model": MODEL, "max_tokens": 5, "messages": turns}}
    ]
    print(await client.beta.messages.batches.create(requests=beta_requests))
    for block in reply.content:
        if block.type == "advisor_tool_result":
            assert_type(
                block.content.type,
                Literal["advisor_tool_result_error", "advisor_result", "advisor_redacted_result"],
            )
        elif block.type == "mcp_tool_listing":
            assert_type(block.tools[0].name, str)
    command = BetaMemoryTool20250818CreateCommand.model_validate(data)
    assert_type(command.path, str)
    assert_type(command.file_text, str)
    some: BetaMemoryTool20250818Command = command
    if some.command == "create":
        assert_type(some, BetaMemoryTool20250818CreateCommand)
    assert_type(BetaMessage.model_validate(data), BetaMessage)
    # A TypedDict rejects a misspelt key and a wrong literal, as the official ones do.
    bad: BetaTextBlockParam = {"type": "txt", "text": "hi"}  # type: ignore[typeddict-item]
    print(bad)


async def message_threads(client: AsyncClaude, sync: Claude) -> None:
    """The thread idioms type alike on both clients: `thread()`, `update()`, a turn's
    keywords, the parsed reply of an `output_format` thread."""
    from anyio_claude.lib.threads import BetaAsyncMessageThread, BetaMessageThread
    from anyio_claude.types import BetaMessageParam

    turn: BetaMessageParam = {"role": "user", "content": "hi"}
    thread = client.beta.messages.thread(
        model=MODEL, max_tokens=10, system="s", messages=[turn], stop_sequences=["y"]
    )
    assert_type(await thread.send(turn, stop_sequences=["x"], timeout=5.0), Message)
    thread.update(max_tokens=20, extra_headers={"x-a": "b"})
    thread.update(temprature=1)  # type: ignore[call-arg]
    async with thread.stream(turn, extra_headers={"x-a": "b"}) as stream:
        assert_type(await stream.get_final_message(), Message)
    assert_type(thread, BetaAsyncMessageThread[None])
    typed = client.beta.messages.thread(model=MODEL, max_tokens=10, output_format=Answer)
    assert_type(typed, BetaAsyncMessageThread[Answer])
    assert_type((await typed.parse(turn)).parsed_output, Answer | None)
    print(thread.fork().messages, thread.params["model"])

    blocking = sync.beta.messages.thread(
        model=MODEL, max_tokens=10, system="s", messages=[turn], stop_sequences=["y"]
    )
    assert_type(blocking.send(turn, stop_sequences=["x"], timeout=5.0), Message)
    blocking.update(max_tokens=20, extra_headers={"x-a": "b"})
    blocking.update(temprature=1)  # type: ignore[call-arg]
    sync.beta.messages.thread(model=MODEL, max_tokens=10, thread={})  # type: ignore[call-arg]
    with blocking.stream(turn, extra_headers={"x-a": "b"}) as blocking_stream:
        assert_type(blocking_stream.get_final_message(), Message)
    assert_type(blocking, BetaMessageThread[None])
    blocking_typed = sync.beta.messages.thread(model=MODEL, max_tokens=10, output_format=Answer)
    assert_type(blocking_typed, BetaMessageThread[Answer])
    assert_type(blocking_typed.parse(turn).parsed_output, Answer | None)
    print(blocking.fork().messages, blocking.params["model"], blocking.tool_runner())


async def platform_clients() -> None:
    # `with` gives the platform client itself, as the official SDK's does.
    from anyio_claude import AnthropicVertex, AsyncAnthropicBedrock

    async with AsyncAnthropicBedrock(aws_region="us-east-1") as bedrock:
        assert_type(bedrock, AsyncAnthropicBedrock)
        assert_type(bedrock.aws_region, str)
    with AnthropicVertex(region="us-east5") as vertex:
        assert_type(vertex, AnthropicVertex)
        print(vertex.region)

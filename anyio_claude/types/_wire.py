"""Response and stream-event types, as msgspec Structs.

Tagged unions use the JSON `type` field. Unknown `type` values decode to the `Unknown…`
classes and unknown keys are kept on the object (see `_decode.py`). The unions type checkers
see name the known classes only, as in the official SDK, so that `if block.type == "text"`
narrows; at run time a list of blocks may also hold `UnknownBlock`s (and likewise for deltas,
events and citations), and a field typed with a `Literal` may hold a newer string.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, Union

import msgspec

from ._base import BaseStruct, TaggedStruct, Unknown
from ._gen_wire import (
    BashCodeExecutionResultBlock,
    BashCodeExecutionToolResultErrorObject,
    BetaAdvisorRedactedResultBlock,
    BetaAdvisorResultBlock,
    BetaAdvisorToolResultErrorObject,
    BetaCountTokensContextManagementResponse,
    BetaFallbackCreditUsage,
    BetaInputTransformation,
    BetaIterationsUsage,
    BetaMCPTool,
    CacheCreation,
    CacheMissReason,
    CodeExecutionToolResultBlockContent,
    TextEditorCodeExecutionCreateResultBlock,
    TextEditorCodeExecutionStrReplaceResultBlock,
    TextEditorCodeExecutionToolResultErrorObject,
    TextEditorCodeExecutionViewResultBlock,
    ToolSearchToolResultErrorObject,
    ToolSearchToolSearchResultBlock,
    ToolUseCaller,
    WebFetchBlock,
    WebFetchToolResultErrorBlock,
    WebSearchToolResultBlockContent,
)

if TYPE_CHECKING:
    from ._params import MessageParam

# ---------------------------------------------------------------------------- citations


class CitationCharLocation(TaggedStruct, tag="char_location"):
    """A citation of a character range in a plain-text document."""

    type: Final[Literal["char_location"]] = "char_location"
    cited_text: str
    document_index: int
    start_char_index: int
    end_char_index: int
    document_title: str | None = None
    file_id: str | None = None


class CitationPageLocation(TaggedStruct, tag="page_location"):
    """A citation of a page range in a PDF document."""

    type: Final[Literal["page_location"]] = "page_location"
    cited_text: str
    document_index: int
    start_page_number: int
    end_page_number: int
    document_title: str | None = None
    file_id: str | None = None


class CitationContentBlockLocation(TaggedStruct, tag="content_block_location"):
    """A citation of a range of blocks in a custom-content document."""

    type: Final[Literal["content_block_location"]] = "content_block_location"
    cited_text: str
    document_index: int
    start_block_index: int
    end_block_index: int
    document_title: str | None = None
    file_id: str | None = None


class CitationsWebSearchResultLocation(TaggedStruct, tag="web_search_result_location"):
    """A citation of a web search result."""

    type: Final[Literal["web_search_result_location"]] = "web_search_result_location"
    cited_text: str
    encrypted_index: str
    url: str
    title: str | None = None


class CitationsSearchResultLocation(TaggedStruct, tag="search_result_location"):
    """A citation of a `search_result` content block."""

    type: Final[Literal["search_result_location"]] = "search_result_location"
    cited_text: str
    search_result_index: int
    source: str
    start_block_index: int
    end_block_index: int
    title: str | None = None


class UnknownCitation(Unknown):
    """A citation of a type this client does not know, kept as its raw JSON."""

    __slots__ = ()


TextCitation = Union[
    CitationCharLocation,
    CitationPageLocation,
    CitationContentBlockLocation,
    CitationsWebSearchResultLocation,
    CitationsSearchResultLocation,
]

# ------------------------------------------------------------------------ content blocks


class TextBlock(TaggedStruct, tag="text"):
    """Text, with the citations that support it."""

    type: Final[Literal["text"]] = "text"
    text: str
    citations: list[TextCitation] | None = None


class ThinkingBlock(TaggedStruct, tag="thinking"):
    """Extended thinking; pass it back unchanged (with its `signature`) in tool loops."""

    type: Final[Literal["thinking"]] = "thinking"
    thinking: str
    signature: str


class RedactedThinkingBlock(TaggedStruct, tag="redacted_thinking"):
    """Thinking that was encrypted for safety; pass it back unchanged."""

    type: Final[Literal["redacted_thinking"]] = "redacted_thinking"
    data: str


class ToolUseBlock(TaggedStruct, tag="tool_use"):
    """A call of one of your tools; answer it with a `tool_result` block."""

    type: Final[Literal["tool_use"]] = "tool_use"
    id: str
    name: str
    input: Any
    caller: ToolUseCaller | None = None
    toolset_name: str | None = None


class ServerToolUseBlock(TaggedStruct, tag="server_tool_use"):
    """A call of a server tool (web search, web fetch, code execution, ...)."""

    type: Final[Literal["server_tool_use"]] = "server_tool_use"
    id: str
    name: str
    input: Any
    caller: ToolUseCaller | None = None


class WebSearchToolResultBlock(TaggedStruct, tag="web_search_tool_result"):
    """The result of a `web_search` server tool call: the results, or an error."""

    type: Final[Literal["web_search_tool_result"]] = "web_search_tool_result"
    tool_use_id: str
    content: WebSearchToolResultBlockContent
    caller: ToolUseCaller | None = None


class WebFetchToolResultBlock(TaggedStruct, tag="web_fetch_tool_result"):
    """The result of a `web_fetch` server tool call: the fetched document, or an error."""

    type: Final[Literal["web_fetch_tool_result"]] = "web_fetch_tool_result"
    tool_use_id: str
    content: WebFetchToolResultErrorBlock | WebFetchBlock
    caller: ToolUseCaller | None = None


class CodeExecutionToolResultBlock(TaggedStruct, tag="code_execution_tool_result"):
    """The result of a `code_execution` server tool call: the output, or an error."""

    type: Final[Literal["code_execution_tool_result"]] = "code_execution_tool_result"
    tool_use_id: str
    content: CodeExecutionToolResultBlockContent


class BashCodeExecutionToolResultBlock(TaggedStruct, tag="bash_code_execution_tool_result"):
    """The result of a `bash_code_execution` server tool call: the output, or an error."""

    type: Final[Literal["bash_code_execution_tool_result"]] = "bash_code_execution_tool_result"
    tool_use_id: str
    content: BashCodeExecutionToolResultErrorObject | BashCodeExecutionResultBlock


class TextEditorCodeExecutionToolResultBlock(
    TaggedStruct, tag="text_editor_code_execution_tool_result"
):
    """The result of a `text_editor_code_execution` server tool call, or an error."""

    type: Final[Literal["text_editor_code_execution_tool_result"]] = (
        "text_editor_code_execution_tool_result"
    )
    tool_use_id: str
    content: (
        TextEditorCodeExecutionToolResultErrorObject
        | TextEditorCodeExecutionViewResultBlock
        | TextEditorCodeExecutionCreateResultBlock
        | TextEditorCodeExecutionStrReplaceResultBlock
    )


class ToolSearchToolResultBlock(TaggedStruct, tag="tool_search_tool_result"):
    """The result of a tool search server tool call: the tools found, or an error."""

    type: Final[Literal["tool_search_tool_result"]] = "tool_search_tool_result"
    tool_use_id: str
    content: ToolSearchToolResultErrorObject | ToolSearchToolSearchResultBlock


class ContainerUploadBlock(TaggedStruct, tag="container_upload"):
    """A file uploaded to the code execution container."""

    type: Final[Literal["container_upload"]] = "container_upload"
    file_id: str


class BetaCompactionBlock(TaggedStruct, tag="compaction"):
    """A summary of the earlier context (beta); send it back unchanged in the next turn.

    `content` is None when the compaction produced no summary.
    """

    type: Final[Literal["compaction"]] = "compaction"
    content: str | None = None
    encrypted_content: str | None = None
    signature: str | None = None
    tool_changes: list[Any] | None = None


class BetaMCPToolUseBlock(TaggedStruct, tag="mcp_tool_use"):
    """A call of a tool of the MCP server `server_name` (beta)."""

    type: Final[Literal["mcp_tool_use"]] = "mcp_tool_use"
    id: str
    name: str
    server_name: str
    input: Any


class BetaMCPToolResultBlock(TaggedStruct, tag="mcp_tool_result"):
    """The result of an MCP tool call (beta; `content` as sent: a string or text blocks)."""

    type: Final[Literal["mcp_tool_result"]] = "mcp_tool_result"
    tool_use_id: str
    is_error: bool
    content: Any


class BetaMCPToolListingBlock(TaggedStruct, tag="mcp_tool_listing"):
    """The tools an MCP server listed (beta); send it back unchanged."""

    type: Final[Literal["mcp_tool_listing"]] = "mcp_tool_listing"
    mcp_server_name: str
    tools: list[BetaMCPTool]


class BetaAdvisorToolResultBlock(TaggedStruct, tag="advisor_tool_result"):
    """The result of an `advisor` server tool call (beta)."""

    type: Final[Literal["advisor_tool_result"]] = "advisor_tool_result"
    tool_use_id: str
    content: (
        BetaAdvisorToolResultErrorObject | BetaAdvisorResultBlock | BetaAdvisorRedactedResultBlock
    )


class BetaFallbackInfo(BaseStruct):
    """One side of a model fallback: the `model`."""

    model: str


class BetaFallbackBlock(TaggedStruct, tag="fallback"):
    """Where one model's output gives way to a fallback model's (beta).

    `from_` is the JSON key `from`; `trigger` is as sent.
    """

    type: Final[Literal["fallback"]] = "fallback"
    from_: BetaFallbackInfo = msgspec.field(name="from")
    to: BetaFallbackInfo
    trigger: Any


class UnknownBlock(Unknown):
    """A content block of a type this client does not know; sent back byte for byte.

    Not part of the `ContentBlock` union type checkers see (so that `block.type`
    narrows); at run time, reach it in the fallback branch or with `isinstance`.
    """

    __slots__ = ()


ContentBlock = Union[
    TextBlock,
    ThinkingBlock,
    RedactedThinkingBlock,
    ToolUseBlock,
    ServerToolUseBlock,
    WebSearchToolResultBlock,
    WebFetchToolResultBlock,
    CodeExecutionToolResultBlock,
    BashCodeExecutionToolResultBlock,
    TextEditorCodeExecutionToolResultBlock,
    ToolSearchToolResultBlock,
    ContainerUploadBlock,
    BetaMCPToolUseBlock,
    BetaMCPToolResultBlock,
    BetaMCPToolListingBlock,
    BetaAdvisorToolResultBlock,
    BetaCompactionBlock,
    BetaFallbackBlock,
]
"""The content block types this client knows; `UnknownBlock`s may appear too (see above)."""
KnownContentBlock = ContentBlock

# ------------------------------------------------------------------------------ message

StopReason = Literal[
    "end_turn",
    "max_tokens",
    "stop_sequence",
    "tool_use",
    "pause_turn",
    "refusal",
    "model_context_window_exceeded",
]
"""The documented stop reasons. A newer reason arrives as its string, kept as it is."""


class ServerToolUsage(BaseStruct):
    """How many server tool requests a message made (a missing count reads as 0)."""

    web_search_requests: int
    web_fetch_requests: int


class OutputTokensDetails(BaseStruct):
    """A breakdown of `output_tokens`: how many went to internal reasoning."""

    thinking_tokens: int


class Usage(BaseStruct):
    """Token usage of a message (a missing or null count reads as 0).

    `iterations` and `fallback_credit` come only with the betas that enable them.
    """

    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation: CacheCreation | None = None
    server_tool_use: ServerToolUsage | None = None
    service_tier: Literal["standard", "priority", "batch"] | None = None
    inference_geo: str | None = None
    speed: Literal["standard", "fast"] | None = None
    output_tokens_details: OutputTokensDetails | None = None
    iterations: BetaIterationsUsage | None = None
    fallback_credit: BetaFallbackCreditUsage | None = None

    _BETA_ONLY: ClassVar[frozenset[str]] = frozenset({"iterations", "fallback_credit"})


class RefusalStopDetails(TaggedStruct, tag="refusal"):
    """Why the model refused: a policy `category` and a human-readable `explanation`.

    The fallback fields come only with the betas that enable them.
    """

    type: Final[Literal["refusal"]] = "refusal"
    category: (
        Literal["cyber", "bio", "frontier_llm", "reasoning_extraction", "general_harms"] | None
    ) = None
    explanation: str | None = None
    recommended_model: str | None = None
    fallback_credit_token: str | None = None
    fallback_has_prefill_claim: bool | None = None

    _BETA_ONLY: ClassVar[frozenset[str]] = frozenset(
        {"recommended_model", "fallback_credit_token", "fallback_has_prefill_claim"}
    )


StopDetails = RefusalStopDetails
"""Structured details of why the output stopped (the types this client knows)."""


class ContainerSkill(BaseStruct):
    """A skill loaded in a code execution container."""

    skill_id: str
    type: Literal["anthropic", "custom"]
    version: str


class Container(BaseStruct):
    """The code execution container a request used: its `id` and when it `expires_at`."""

    id: str
    expires_at: datetime
    skills: list[ContainerSkill] | None = None


class Diagnostics(BaseStruct):
    """Request-level diagnostics: why the prompt cache could not reuse a prefix (None while
    the diagnosis is pending)."""

    cache_miss_reason: CacheMissReason | None = None


class BetaContextManagementResponse(BaseStruct):
    """The context management edits the API applied (beta; each edit as sent)."""

    applied_edits: list[Any]


class Message(BaseStruct):
    """A reply from the model (`type: "message"`, `role: "assistant"`).

    `context_management` and `input_transformations` come only with the betas that
    enable them.
    """

    id: str
    type: Literal["message"]
    role: Literal["assistant"]
    content: list[ContentBlock]
    model: str
    stop_reason: StopReason | None
    stop_sequence: str | None
    usage: Usage
    stop_details: StopDetails | None = None
    container: Container | None = None
    diagnostics: Diagnostics | None = None
    context_management: BetaContextManagementResponse | None = None
    input_transformations: list[BetaInputTransformation] | None = None

    # The official (non-beta) Message lacks these: a model_dump shows them only when set.
    _BETA_ONLY: ClassVar[frozenset[str]] = frozenset(
        {"context_management", "input_transformations"}
    )

    def to_param(self) -> MessageParam:
        """This reply as an assistant turn to send back in `messages` (blocks unchanged)."""
        return {"role": self.role, "content": list(self.content)}


class MessageTokensCount(BaseStruct):
    """The reply of `count_tokens` (`context_management` with the betas that enable it)."""

    input_tokens: int
    context_management: BetaCountTokensContextManagementResponse | None = None

    _BETA_ONLY: ClassVar[frozenset[str]] = frozenset({"context_management"})


class ErrorObject(BaseStruct):
    """The `error` member of an error body: `type` (e.g. `overloaded_error`) and `message`."""

    type: str
    message: str


class ErrorResponse(BaseStruct):
    """An error body: `{"type": "error", "error": {...}, "request_id": ...}`."""

    type: Literal["error"]
    error: ErrorObject
    request_id: str | None = None


# -------------------------------------------------------------------------------- deltas


class TextDelta(TaggedStruct, tag="text_delta"):
    """More text for a `text` block."""

    type: Final[Literal["text_delta"]] = "text_delta"
    text: str


class InputJSONDelta(TaggedStruct, tag="input_json_delta"):
    """More of a tool call's input JSON (complete only at `content_block_stop`)."""

    type: Final[Literal["input_json_delta"]] = "input_json_delta"
    partial_json: str


class ThinkingDelta(TaggedStruct, tag="thinking_delta"):
    """More thinking for a `thinking` block."""

    type: Final[Literal["thinking_delta"]] = "thinking_delta"
    thinking: str
    estimated_tokens: int | None = None

    _BETA_ONLY: ClassVar[frozenset[str]] = frozenset({"estimated_tokens"})


class SignatureDelta(TaggedStruct, tag="signature_delta"):
    """The signature of a `thinking` block."""

    type: Final[Literal["signature_delta"]] = "signature_delta"
    signature: str


class CitationsDelta(TaggedStruct, tag="citations_delta"):
    """A citation to append to a `text` block's `citations`."""

    type: Final[Literal["citations_delta"]] = "citations_delta"
    citation: TextCitation


class BetaCompactionContentBlockDelta(TaggedStruct, tag="compaction_delta"):
    """The `content` and `encrypted_content` of a `compaction` block (beta), replacing both."""

    type: Final[Literal["compaction_delta"]] = "compaction_delta"
    content: str | None = None
    encrypted_content: str | None = None


class UnknownDelta(Unknown):
    """A delta of a type this client does not know, kept as its raw JSON.

    Not part of the `RawContentBlockDelta` union type checkers see.
    """

    __slots__ = ()


RawContentBlockDelta = Union[
    TextDelta,
    InputJSONDelta,
    ThinkingDelta,
    SignatureDelta,
    CitationsDelta,
    BetaCompactionContentBlockDelta,
]
"""The delta types this client knows; `UnknownDelta`s may appear too."""
KnownDelta = RawContentBlockDelta

# -------------------------------------------------------------------------------- events


class MessageDelta(BaseStruct):
    """The top-level changes a `message_delta` event carries."""

    stop_reason: StopReason | None = None
    stop_sequence: str | None = None
    stop_details: StopDetails | None = None
    container: Container | None = None


class MessageDeltaUsage(BaseStruct):
    """Cumulative usage in a `message_delta` event; absent fields keep their earlier value."""

    output_tokens: int
    input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation: CacheCreation | None = None
    server_tool_use: ServerToolUsage | None = None
    output_tokens_details: OutputTokensDetails | None = None
    iterations: BetaIterationsUsage | None = None
    fallback_credit: BetaFallbackCreditUsage | None = None

    _BETA_ONLY: ClassVar[frozenset[str]] = Usage._BETA_ONLY


class MessageStartEvent(TaggedStruct, tag="message_start"):
    """The first event: the message with empty `content`."""

    type: Final[Literal["message_start"]] = "message_start"
    message: Message


class ContentBlockStartEvent(TaggedStruct, tag="content_block_start"):
    """A content block begins at `index`."""

    type: Final[Literal["content_block_start"]] = "content_block_start"
    index: int
    content_block: ContentBlock


class ContentBlockDeltaEvent(TaggedStruct, tag="content_block_delta"):
    """A piece of the content block at `index`."""

    type: Final[Literal["content_block_delta"]] = "content_block_delta"
    index: int
    delta: RawContentBlockDelta


class ContentBlockStopEvent(TaggedStruct, tag="content_block_stop"):
    """The content block at `index` is complete."""

    type: Final[Literal["content_block_stop"]] = "content_block_stop"
    index: int


class MessageDeltaEvent(TaggedStruct, tag="message_delta"):
    """Stop reason and cumulative usage, near the end of the stream.

    With betas, also the message's final `context_management`, and its
    `input_transformations` when a fallback model took over mid-stream.
    """

    type: Final[Literal["message_delta"]] = "message_delta"
    delta: MessageDelta
    usage: MessageDeltaUsage
    context_management: BetaContextManagementResponse | None = None
    input_transformations: list[BetaInputTransformation] | None = None

    _BETA_ONLY: ClassVar[frozenset[str]] = Message._BETA_ONLY


class MessageStopEvent(TaggedStruct, tag="message_stop"):
    """The last event of a successful stream."""

    type: Final[Literal["message_stop"]] = "message_stop"


class PingEvent(TaggedStruct, tag="ping"):
    """A keep-alive; carries nothing."""

    type: Final[Literal["ping"]] = "ping"


class ErrorEvent(TaggedStruct, tag="error"):
    """An error after the stream started (e.g. `overloaded_error`)."""

    type: Final[Literal["error"]] = "error"
    error: ErrorObject
    request_id: str | None = None


class UnknownEvent(Unknown):
    """An event of a type this client does not know, kept as its raw JSON.

    Not part of the `MessageStreamEvent` union type checkers see.
    """

    __slots__ = ()


MessageStreamEvent = Union[
    MessageStartEvent,
    ContentBlockStartEvent,
    ContentBlockDeltaEvent,
    ContentBlockStopEvent,
    MessageDeltaEvent,
    MessageStopEvent,
    PingEvent,
    ErrorEvent,
]
"""The event types this client knows; `UnknownEvent`s may appear too."""
KnownStreamEvent = MessageStreamEvent

# ------------------------------------------------------------------------------- batches


class MessageBatchRequestCounts(BaseStruct):
    """How many of a batch's requests are in each state."""

    processing: int
    succeeded: int
    errored: int
    canceled: int
    expired: int


class MessageBatch(BaseStruct):
    """A Message Batch: many requests processed asynchronously."""

    id: str
    type: Literal["message_batch"]
    processing_status: Literal["in_progress", "canceling", "ended"]
    request_counts: MessageBatchRequestCounts
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    cancel_initiated_at: datetime | None = None
    archived_at: datetime | None = None
    results_url: str | None = None


class DeletedMessageBatch(BaseStruct):
    """The reply of deleting a batch."""

    id: str
    type: Literal["message_batch_deleted"]


class MessageBatchSucceededResult(TaggedStruct, tag="succeeded"):
    """The request succeeded; `message` is the reply."""

    type: Final[Literal["succeeded"]] = "succeeded"
    message: Message


class MessageBatchErroredResult(TaggedStruct, tag="errored"):
    """The request failed; `error` is the error body."""

    type: Final[Literal["errored"]] = "errored"
    error: ErrorResponse


class MessageBatchCanceledResult(TaggedStruct, tag="canceled"):
    """The batch was canceled before this request ran."""

    type: Final[Literal["canceled"]] = "canceled"


class MessageBatchExpiredResult(TaggedStruct, tag="expired"):
    """The batch expired before this request ran."""

    type: Final[Literal["expired"]] = "expired"


MessageBatchResult = Union[
    MessageBatchSucceededResult,
    MessageBatchErroredResult,
    MessageBatchCanceledResult,
    MessageBatchExpiredResult,
]


class MessageBatchIndividualResponse(BaseStruct):
    """One line of a batch's results: its `custom_id` and `result`."""

    custom_id: str
    result: MessageBatchResult


# -------------------------------------------------------------------------------- models


class CapabilitySupport(BaseStruct):
    """Whether a model supports a capability."""

    supported: bool


class EffortCapability(BaseStruct):
    """Which `effort` levels a model supports."""

    supported: bool
    low: CapabilitySupport
    medium: CapabilitySupport
    high: CapabilitySupport
    max: CapabilitySupport
    xhigh: CapabilitySupport | None = None


class ThinkingTypes(BaseStruct):
    """Which thinking configurations a model accepts."""

    adaptive: CapabilitySupport
    between_tools: CapabilitySupport
    disabled: CapabilitySupport
    enabled: CapabilitySupport


class ThinkingCapability(BaseStruct):
    """Whether a model can think, and in which configurations."""

    supported: bool
    types: ThinkingTypes


class ServerToolsCapability(BaseStruct):
    """Which server tools a model supports."""

    supported: bool
    code_execution: CapabilitySupport
    web_search: CapabilitySupport


class ContextManagementCapability(BaseStruct):
    """Which context management strategies a model supports."""

    supported: bool
    clear_thinking_20251015: CapabilitySupport | None = None
    clear_tool_uses_20250919: CapabilitySupport | None = None
    compact_20260112: CapabilitySupport | None = None


class BetaCompactionCapability(BaseStruct):
    """Whether a model accepts `compaction`, and can `summarize` (beta)."""

    summarize: CapabilitySupport
    supported: bool


class ModelCapabilities(BaseStruct):
    """What a model supports, capability by capability."""

    batch: CapabilitySupport
    citations: CapabilitySupport
    code_execution: CapabilitySupport
    context_management: ContextManagementCapability
    effort: EffortCapability
    image_input: CapabilitySupport
    pdf_input: CapabilitySupport
    server_tools: ServerToolsCapability
    structured_outputs: CapabilitySupport
    thinking: ThinkingCapability
    compaction: BetaCompactionCapability | None = None

    _BETA_ONLY: ClassVar[frozenset[str]] = frozenset({"compaction"})


class ModelInfo(BaseStruct):
    """A model the API offers.

    `lifecycle` is None when the API did not say (the official SDK requires it).
    """

    id: str
    type: Literal["model"]
    display_name: str
    created_at: datetime
    max_input_tokens: int | None = None
    max_tokens: int | None = None
    capabilities: ModelCapabilities | None = None
    lifecycle: Literal["active", "deprecated", "retired"] | None = None
    line: Literal["haiku", "sonnet", "opus", "fable", "mythos"] | None = None
    deprecated_at: datetime | None = None
    retires_at: datetime | None = None
    allowed_fallback_models: list[str] | None = None

    _BETA_ONLY: ClassVar[frozenset[str]] = frozenset({"allowed_fallback_models"})


class Page(BaseStruct):
    """One page of a paginated list (`data`, `has_more`, `first_id`, `last_id`)."""

    data: list[Any]
    has_more: bool
    first_id: str | None = None
    last_id: str | None = None


__all__ = (
    "BashCodeExecutionToolResultBlock",
    "BetaAdvisorToolResultBlock",
    "BetaCompactionBlock",
    "BetaCompactionCapability",
    "BetaCompactionContentBlockDelta",
    "BetaContextManagementResponse",
    "BetaFallbackBlock",
    "BetaFallbackInfo",
    "BetaMCPToolListingBlock",
    "BetaMCPToolResultBlock",
    "BetaMCPToolUseBlock",
    "CapabilitySupport",
    "CitationCharLocation",
    "CitationContentBlockLocation",
    "CitationPageLocation",
    "CitationsDelta",
    "CitationsSearchResultLocation",
    "CitationsWebSearchResultLocation",
    "CodeExecutionToolResultBlock",
    "Container",
    "ContainerSkill",
    "ContainerUploadBlock",
    "ContentBlock",
    "ContentBlockDeltaEvent",
    "ContentBlockStartEvent",
    "ContentBlockStopEvent",
    "ContextManagementCapability",
    "DeletedMessageBatch",
    "Diagnostics",
    "EffortCapability",
    "ErrorEvent",
    "ErrorObject",
    "ErrorResponse",
    "InputJSONDelta",
    "KnownContentBlock",
    "KnownDelta",
    "KnownStreamEvent",
    "Message",
    "MessageBatch",
    "MessageBatchCanceledResult",
    "MessageBatchErroredResult",
    "MessageBatchExpiredResult",
    "MessageBatchIndividualResponse",
    "MessageBatchRequestCounts",
    "MessageBatchResult",
    "MessageBatchSucceededResult",
    "MessageDelta",
    "MessageDeltaEvent",
    "MessageDeltaUsage",
    "MessageStartEvent",
    "MessageStopEvent",
    "MessageStreamEvent",
    "MessageTokensCount",
    "ModelCapabilities",
    "ModelInfo",
    "OutputTokensDetails",
    "Page",
    "PingEvent",
    "RawContentBlockDelta",
    "RedactedThinkingBlock",
    "RefusalStopDetails",
    "ServerToolUsage",
    "ServerToolUseBlock",
    "ServerToolsCapability",
    "SignatureDelta",
    "StopDetails",
    "StopReason",
    "TextBlock",
    "TextCitation",
    "TextDelta",
    "TextEditorCodeExecutionToolResultBlock",
    "ThinkingBlock",
    "ThinkingCapability",
    "ThinkingDelta",
    "ThinkingTypes",
    "ToolSearchToolResultBlock",
    "ToolUseBlock",
    "UnknownBlock",
    "UnknownCitation",
    "UnknownDelta",
    "UnknownEvent",
    "Usage",
    "WebFetchToolResultBlock",
    "WebSearchToolResultBlock",
)

"""Request parameters as TypedDicts: the dicts users already write for the official SDK.

Required keys live in a private base class and optional ones in the public subclass
(`total=False`), which gives Python 3.10 the effect of `Required[...]`. The names and
shapes follow `anthropic` 2.14's `anthropic.types`; unions end in `dict[str, Any]` where
the API keeps adding members, so a new block or tool type needs no new client.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Union

from ._gen_models import ModelParam

if TYPE_CHECKING:
    from ._wire import ContentBlock


class CacheControlEphemeralParam(TypedDict, total=False):
    """Marks the end of a cacheable prefix: `{"type": "ephemeral"}` (optional `ttl`)."""

    type: Literal["ephemeral"]
    ttl: Literal["5m", "1h"]


CacheControlEphemeral = CacheControlEphemeralParam

# ------------------------------------------------------------------------------ sources


class Base64ImageSourceParam(TypedDict):
    """An image given inline as base64."""

    type: Literal["base64"]
    media_type: Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
    data: str


class URLImageSourceParam(TypedDict):
    """An image given by URL."""

    type: Literal["url"]
    url: str


class FileImageSourceParam(TypedDict):
    """An image uploaded with the Files API."""

    type: Literal["file"]
    file_id: str


class Base64PDFSourceParam(TypedDict):
    """A PDF given inline as base64."""

    type: Literal["base64"]
    media_type: Literal["application/pdf"]
    data: str


class URLPDFSourceParam(TypedDict):
    """A PDF given by URL."""

    type: Literal["url"]
    url: str


class PlainTextSourceParam(TypedDict):
    """A plain-text document."""

    type: Literal["text"]
    media_type: Literal["text/plain"]
    data: str


class FileDocumentSourceParam(TypedDict):
    """A document uploaded with the Files API."""

    type: Literal["file"]
    file_id: str


Base64ImageSource = Base64ImageSourceParam
URLImageSource = URLImageSourceParam
URLPDFSource = URLPDFSourceParam

# ------------------------------------------------------------------------ content blocks


class _TextBlockParamBase(TypedDict):
    type: Literal["text"]
    text: str


class TextBlockParam(_TextBlockParamBase, total=False):
    """A text content block."""

    cache_control: CacheControlEphemeralParam | None
    citations: Iterable[dict[str, Any]] | None


class ImageTransformationsParam(TypedDict, total=False):
    """What the API does with an image too large for the model: downsize it or fail."""

    oversized_image: Literal["downsize", "error"]


class _ImageBlockParamBase(TypedDict):
    type: Literal["image"]
    source: Base64ImageSourceParam | URLImageSourceParam | FileImageSourceParam


class ImageBlockParam(_ImageBlockParamBase, total=False):
    """An image content block."""

    cache_control: CacheControlEphemeralParam | None
    transformations: ImageTransformationsParam | None


class CitationsConfigParam(TypedDict, total=False):
    """Whether the model may cite a document."""

    enabled: bool


class ContentBlockSourceParam(TypedDict):
    """A document made of content blocks you give (`type: "content"`)."""

    type: Literal["content"]
    content: str | Iterable[TextBlockParam | ImageBlockParam]


class _DocumentBlockParamBase(TypedDict):
    type: Literal["document"]
    source: (
        Base64PDFSourceParam
        | URLPDFSourceParam
        | PlainTextSourceParam
        | ContentBlockSourceParam
        | FileDocumentSourceParam
        | dict[str, Any]
    )


class DocumentBlockParam(_DocumentBlockParamBase, total=False):
    """A document content block (PDF, plain text or custom content)."""

    cache_control: CacheControlEphemeralParam | None
    citations: CitationsConfigParam | None
    context: str | None
    title: str | None


class _SearchResultBlockParamBase(TypedDict):
    type: Literal["search_result"]
    content: Iterable[TextBlockParam]
    source: str
    title: str


class SearchResultBlockParam(_SearchResultBlockParamBase, total=False):
    """A search result you give the model, which it can cite."""

    cache_control: CacheControlEphemeralParam | None
    citations: CitationsConfigParam


class _ToolUseBlockParamBase(TypedDict):
    type: Literal["tool_use"]
    id: str
    name: str
    input: Any


class ToolUseBlockParam(_ToolUseBlockParamBase, total=False):
    """A tool call made by the assistant (sent back in an assistant turn)."""

    cache_control: CacheControlEphemeralParam | None
    caller: dict[str, Any]
    toolset_name: str | None


class _ToolResultBlockParamBase(TypedDict):
    type: Literal["tool_result"]
    tool_use_id: str


class ToolResultBlockParam(_ToolResultBlockParamBase, total=False):
    """The result of a tool call, in a user turn."""

    content: (
        str
        | Iterable[
            TextBlockParam
            | ImageBlockParam
            | SearchResultBlockParam
            | DocumentBlockParam
            | dict[str, Any]
        ]
    )
    is_error: bool
    cache_control: CacheControlEphemeralParam | None
    toolset_name: str | None


class _ThinkingBlockParamBase(TypedDict):
    type: Literal["thinking"]
    thinking: str
    signature: str


class ThinkingBlockParam(_ThinkingBlockParamBase, total=False):
    """A thinking block sent back unchanged."""


class RedactedThinkingBlockParam(TypedDict):
    """A redacted thinking block sent back unchanged."""

    type: Literal["redacted_thinking"]
    data: str


class _ServerToolUseBlockParamBase(TypedDict):
    type: Literal["server_tool_use"]
    id: str
    name: str
    input: dict[str, Any]


class ServerToolUseBlockParam(_ServerToolUseBlockParamBase, total=False):
    """A server tool call from an earlier reply, sent back unchanged."""

    cache_control: CacheControlEphemeralParam | None
    caller: dict[str, Any]


class _WebSearchResultBlockParamBase(TypedDict):
    type: Literal["web_search_result"]
    encrypted_content: str
    title: str
    url: str


class WebSearchResultBlockParam(_WebSearchResultBlockParamBase, total=False):
    """One web search result, inside a `web_search_tool_result` block."""

    page_age: str | None


class _WebSearchToolResultBlockParamBase(TypedDict):
    type: Literal["web_search_tool_result"]
    tool_use_id: str
    content: Iterable[WebSearchResultBlockParam] | dict[str, Any]


class WebSearchToolResultBlockParam(_WebSearchToolResultBlockParamBase, total=False):
    """The results of a web search from an earlier reply, sent back unchanged."""

    cache_control: CacheControlEphemeralParam | None
    caller: dict[str, Any]


class _ContainerUploadBlockParamBase(TypedDict):
    type: Literal["container_upload"]
    file_id: str


class ContainerUploadBlockParam(_ContainerUploadBlockParamBase, total=False):
    """A file (from the Files API) to put in the code execution container."""

    cache_control: CacheControlEphemeralParam | None


ContentBlockParam = Union[
    TextBlockParam,
    ImageBlockParam,
    DocumentBlockParam,
    SearchResultBlockParam,
    ThinkingBlockParam,
    RedactedThinkingBlockParam,
    ToolUseBlockParam,
    ToolResultBlockParam,
    ServerToolUseBlockParam,
    WebSearchToolResultBlockParam,
    ContainerUploadBlockParam,
    dict[str, Any],
]

MessageContentParam = Union[str, Iterable[Union[ContentBlockParam, "ContentBlock"]]]


class UserMessageParam(TypedDict):
    """A user turn: `{"role": "user", "content": ...}`."""

    role: Literal["user"]
    content: MessageContentParam


class AssistantMessageParam(TypedDict):
    """An assistant turn (an earlier reply, or a prefill the reply continues)."""

    role: Literal["assistant"]
    content: MessageContentParam


class SystemMessageParam(TypedDict):
    """A system turn inside `messages` (instructions given mid-conversation)."""

    role: Literal["system"]
    content: str | Iterable[TextBlockParam]


class MessageParam(TypedDict):
    """One turn of the conversation: `role` and `content` (a string or a list of blocks).

    Blocks from a previous reply (`message.content`) may be passed back as they are.
    `UserMessageParam`, `AssistantMessageParam` and `SystemMessageParam` are the
    per-role spellings of the same dict.
    """

    role: Literal["user", "assistant", "system"]
    content: MessageContentParam


# --------------------------------------------------------------------------------- tools

AllowedCaller = Literal[
    "direct", "code_execution_20250825", "code_execution_20260120", "code_execution_20260521"
]


class _ToolOptions(TypedDict, total=False):
    allowed_callers: list[AllowedCaller]
    cache_control: CacheControlEphemeralParam | None
    defer_loading: bool
    strict: bool


class _ToolParamBase(TypedDict):
    name: str
    input_schema: dict[str, Any]


class ToolParam(_ToolParamBase, _ToolOptions, total=False):
    """A tool of yours the model may call, described by a JSON Schema."""

    description: str
    eager_input_streaming: bool | None
    input_examples: Iterable[dict[str, Any]]
    type: Literal["custom"] | None


class _ToolBash20250124Base(TypedDict):
    name: Literal["bash"]
    type: Literal["bash_20250124"]


class ToolBash20250124Param(_ToolBash20250124Base, _ToolOptions, total=False):
    """The bash tool (you run the commands)."""

    input_examples: Iterable[dict[str, Any]]


class _ToolTextEditor20250124Base(TypedDict):
    name: Literal["str_replace_editor"]
    type: Literal["text_editor_20250124"]


class ToolTextEditor20250124Param(_ToolTextEditor20250124Base, _ToolOptions, total=False):
    """The text editor tool, 2025-01-24 version (you apply the edits)."""

    input_examples: Iterable[dict[str, Any]]


class _ToolTextEditor20250429Base(TypedDict):
    name: Literal["str_replace_based_edit_tool"]
    type: Literal["text_editor_20250429"]


class ToolTextEditor20250429Param(_ToolTextEditor20250429Base, _ToolOptions, total=False):
    """The text editor tool, 2025-04-29 version."""

    input_examples: Iterable[dict[str, Any]]


class _ToolTextEditor20250728Base(TypedDict):
    name: Literal["str_replace_based_edit_tool"]
    type: Literal["text_editor_20250728"]


class ToolTextEditor20250728Param(_ToolTextEditor20250728Base, _ToolOptions, total=False):
    """The text editor tool, 2025-07-28 version (optional `max_characters` of a view)."""

    input_examples: Iterable[dict[str, Any]]
    max_characters: int | None


class _MemoryTool20250818Base(TypedDict):
    name: Literal["memory"]
    type: Literal["memory_20250818"]


class MemoryTool20250818Param(_MemoryTool20250818Base, _ToolOptions, total=False):
    """The memory tool (you store what the model asks to remember)."""

    input_examples: Iterable[dict[str, Any]]


class _CodeExecutionTool20250522Base(TypedDict):
    name: Literal["code_execution"]
    type: Literal["code_execution_20250522"]


class CodeExecutionTool20250522Param(_CodeExecutionTool20250522Base, _ToolOptions, total=False):
    """Server-side code execution, 2025-05-22 version."""


class _CodeExecutionTool20250825Base(TypedDict):
    name: Literal["code_execution"]
    type: Literal["code_execution_20250825"]


class CodeExecutionTool20250825Param(_CodeExecutionTool20250825Base, _ToolOptions, total=False):
    """Server-side code execution, 2025-08-25 version."""


class _CodeExecutionTool20260120Base(TypedDict):
    name: Literal["code_execution"]
    type: Literal["code_execution_20260120"]


class CodeExecutionTool20260120Param(_CodeExecutionTool20260120Base, _ToolOptions, total=False):
    """Server-side code execution, 2026-01-20 version."""


class _CodeExecutionTool20260521Base(TypedDict):
    name: Literal["code_execution"]
    type: Literal["code_execution_20260521"]


class CodeExecutionTool20260521Param(_CodeExecutionTool20260521Base, _ToolOptions, total=False):
    """Server-side code execution, 2026-05-21 version."""


class _UserLocationParamBase(TypedDict):
    type: Literal["approximate"]


class UserLocationParam(_UserLocationParamBase, total=False):
    """Roughly where the user is, to localise web search results."""

    city: str | None
    country: str | None
    region: str | None
    timezone: str | None


class _WebSearchOptions(_ToolOptions, total=False):
    allowed_domains: Sequence[str] | None
    blocked_domains: Sequence[str] | None
    max_uses: int | None
    user_location: UserLocationParam | None


class _WebSearchTool20250305Base(TypedDict):
    name: Literal["web_search"]
    type: Literal["web_search_20250305"]


class WebSearchTool20250305Param(_WebSearchTool20250305Base, _WebSearchOptions, total=False):
    """Server-side web search, 2025-03-05 version."""


class _WebSearchTool20260209Base(TypedDict):
    name: Literal["web_search"]
    type: Literal["web_search_20260209"]


class WebSearchTool20260209Param(_WebSearchTool20260209Base, _WebSearchOptions, total=False):
    """Server-side web search, 2026-02-09 version."""


class _WebSearchTool20260318Base(TypedDict):
    name: Literal["web_search"]
    type: Literal["web_search_20260318"]


class WebSearchTool20260318Param(_WebSearchTool20260318Base, _WebSearchOptions, total=False):
    """Server-side web search, 2026-03-18 version (`response_inclusion`)."""

    response_inclusion: Literal["full", "excluded"]


class _WebFetchOptions(_ToolOptions, total=False):
    allowed_domains: Sequence[str] | None
    blocked_domains: Sequence[str] | None
    citations: CitationsConfigParam | None
    max_content_tokens: int | None
    max_uses: int | None
    url_sources: dict[str, Any] | None


class _WebFetchTool20250910Base(TypedDict):
    name: Literal["web_fetch"]
    type: Literal["web_fetch_20250910"]


class WebFetchTool20250910Param(_WebFetchTool20250910Base, _WebFetchOptions, total=False):
    """Server-side web fetch, 2025-09-10 version."""


class _WebFetchTool20260209Base(TypedDict):
    name: Literal["web_fetch"]
    type: Literal["web_fetch_20260209"]


class WebFetchTool20260209Param(_WebFetchTool20260209Base, _WebFetchOptions, total=False):
    """Server-side web fetch, 2026-02-09 version."""


class _WebFetchTool20260309Base(TypedDict):
    name: Literal["web_fetch"]
    type: Literal["web_fetch_20260309"]


class WebFetchTool20260309Param(_WebFetchTool20260309Base, _WebFetchOptions, total=False):
    """Server-side web fetch, 2026-03-09 version (`use_cache`)."""

    use_cache: bool


class _WebFetchTool20260318Base(TypedDict):
    name: Literal["web_fetch"]
    type: Literal["web_fetch_20260318"]


class WebFetchTool20260318Param(_WebFetchTool20260318Base, _WebFetchOptions, total=False):
    """Server-side web fetch, 2026-03-18 version (`use_cache`, `response_inclusion`)."""

    response_inclusion: Literal["full", "excluded"]
    use_cache: bool


class _ToolSearchToolBm25Base(TypedDict):
    name: Literal["tool_search_tool_bm25"]
    type: Literal["tool_search_tool_bm25_20251119", "tool_search_tool_bm25"]


class ToolSearchToolBm25_20251119Param(_ToolSearchToolBm25Base, _ToolOptions, total=False):
    """Server-side tool search by BM25 over tools marked `defer_loading`."""


class _ToolSearchToolRegexBase(TypedDict):
    name: Literal["tool_search_tool_regex"]
    type: Literal["tool_search_tool_regex_20251119", "tool_search_tool_regex"]


class ToolSearchToolRegex20251119Param(_ToolSearchToolRegexBase, _ToolOptions, total=False):
    """Server-side tool search by regular expression over tools marked `defer_loading`."""


class _ComputerToolset20260801Base(TypedDict):
    type: Literal["computer_toolset_20260801"]


class ComputerToolset20260801Param(_ComputerToolset20260801Base, total=False):
    """The computer-use toolset; `configs` tunes its individual actions."""

    cache_control: CacheControlEphemeralParam | None
    configs: dict[str, Any] | None


class _BrowserToolset20260801Base(TypedDict):
    type: Literal["browser_toolset_20260801"]


class BrowserToolset20260801Param(_BrowserToolset20260801Base, total=False):
    """The browser toolset; `configs` tunes its individual actions."""

    cache_control: CacheControlEphemeralParam | None
    configs: dict[str, Any] | None


ToolUnionParam = Union[
    ToolParam,
    ToolBash20250124Param,
    CodeExecutionTool20250522Param,
    CodeExecutionTool20250825Param,
    CodeExecutionTool20260120Param,
    CodeExecutionTool20260521Param,
    BrowserToolset20260801Param,
    MemoryTool20250818Param,
    ComputerToolset20260801Param,
    ToolTextEditor20250124Param,
    ToolTextEditor20250429Param,
    ToolTextEditor20250728Param,
    WebSearchTool20250305Param,
    WebFetchTool20250910Param,
    WebSearchTool20260209Param,
    WebFetchTool20260209Param,
    WebFetchTool20260309Param,
    WebSearchTool20260318Param,
    WebFetchTool20260318Param,
    ToolSearchToolBm25_20251119Param,
    ToolSearchToolRegex20251119Param,
]
MessageCountTokensToolParam = ToolUnionParam


class _ToolChoiceAutoParamBase(TypedDict):
    type: Literal["auto"]


class ToolChoiceAutoParam(_ToolChoiceAutoParamBase, total=False):
    """The model decides whether to call a tool."""

    disable_parallel_tool_use: bool


class _ToolChoiceAnyParamBase(TypedDict):
    type: Literal["any"]


class ToolChoiceAnyParam(_ToolChoiceAnyParamBase, total=False):
    """The model must call some tool."""

    disable_parallel_tool_use: bool


class _ToolChoiceToolParamBase(TypedDict):
    type: Literal["tool"]
    name: str


class ToolChoiceToolParam(_ToolChoiceToolParamBase, total=False):
    """The model must call the named tool."""

    disable_parallel_tool_use: bool


class ToolChoiceNoneParam(TypedDict):
    """The model must not call a tool."""

    type: Literal["none"]


ToolChoiceParam = Union[
    ToolChoiceAutoParam, ToolChoiceAnyParam, ToolChoiceToolParam, ToolChoiceNoneParam
]
ToolChoice = ToolChoiceParam

# ---------------------------------------------------------------------- request options


class _ThinkingConfigEnabledParamBase(TypedDict):
    type: Literal["enabled"]
    budget_tokens: int


class ThinkingConfigEnabledParam(_ThinkingConfigEnabledParamBase, total=False):
    """Turn on extended thinking with a token budget (at least 1,024)."""

    display: Literal["summarized", "omitted"] | None


class ThinkingConfigDisabledParam(TypedDict):
    """Turn off extended thinking."""

    type: Literal["disabled"]


class _ThinkingConfigAdaptiveParamBase(TypedDict):
    type: Literal["adaptive"]


class ThinkingConfigAdaptiveParam(_ThinkingConfigAdaptiveParamBase, total=False):
    """Let the model decide when and how much to think."""

    display: Literal["summarized", "omitted"] | None


class ThinkingConfigBetweenToolsParam(TypedDict):
    """Think only between tool calls."""

    type: Literal["between_tools"]


ThinkingConfigParam = Union[
    ThinkingConfigEnabledParam,
    ThinkingConfigDisabledParam,
    ThinkingConfigBetweenToolsParam,
    ThinkingConfigAdaptiveParam,
]


class MetadataParam(TypedDict, total=False):
    """Request metadata: an opaque `user_id` for abuse detection."""

    user_id: str | None


class _SkillParamsBase(TypedDict):
    skill_id: str
    type: Literal["anthropic", "custom"]


class SkillParams(_SkillParamsBase, total=False):
    """A skill to load into the container."""

    version: str


class ContainerParams(TypedDict, total=False):
    """The code execution container to reuse (`id`) and the skills to load into it."""

    id: str | None
    skills: Iterable[SkillParams] | None


MessageCreateParamsContainerParam = Union[ContainerParams, str]


class DiagnosticsParam(TypedDict, total=False):
    """Ask for `diagnostics.cache_miss_reason` relative to an earlier message's id."""

    previous_message_id: str | None


class JSONOutputFormatParam(TypedDict):
    """Replies as JSON matching `schema`: `{"type": "json_schema", "schema": {...}}`."""

    type: Literal["json_schema"]
    schema: dict[str, Any]


class OutputConfigParam(TypedDict, total=False):
    """How the model answers: `effort` level, and `format` for structured outputs."""

    effort: Literal["low", "medium", "high", "xhigh", "max"] | None
    format: JSONOutputFormatParam | None


class _MessageCreateParamsBase(TypedDict):
    model: ModelParam
    max_tokens: int
    messages: Iterable[MessageParam]


class MessageCreateParams(_MessageCreateParamsBase, total=False):
    """The body of `POST /v1/messages` (also the `params` of a batch request).

    `temperature`, `top_k` and `top_p` are kept although `anthropic` 2.14 dropped them:
    the API still takes them.
    """

    cache_control: CacheControlEphemeralParam | None
    container: MessageCreateParamsContainerParam | None
    diagnostics: DiagnosticsParam | None
    inference_geo: str | None
    metadata: MetadataParam
    output_config: OutputConfigParam
    service_tier: Literal["auto", "standard_only"]
    speed: Literal["standard", "fast"] | None
    stop_sequences: Sequence[str]
    stream: bool
    system: str | Iterable[TextBlockParam]
    temperature: float
    thinking: ThinkingConfigParam
    tool_choice: ToolChoiceParam
    tools: Iterable[ToolUnionParam | dict[str, Any]]
    top_k: int
    top_p: float
    user_profile_id: str
    workspace_id: str


class _MessageCountTokensParamsBase(TypedDict):
    model: ModelParam
    messages: Iterable[MessageParam]


class MessageCountTokensParams(_MessageCountTokensParamsBase, total=False):
    """The body of `POST /v1/messages/count_tokens`."""

    cache_control: CacheControlEphemeralParam | None
    output_config: OutputConfigParam
    speed: Literal["standard", "fast"] | None
    system: str | Iterable[TextBlockParam]
    thinking: ThinkingConfigParam
    tool_choice: ToolChoiceParam
    tools: Iterable[MessageCountTokensToolParam | dict[str, Any]]


class BatchRequestParam(TypedDict):
    """One request of a Message Batch: a `custom_id` and the `params` of a create call."""

    custom_id: str
    params: MessageCreateParams


BetaFileDocumentSourceParam = FileDocumentSourceParam
BetaFileImageSourceParam = FileImageSourceParam

__all__ = (
    "AllowedCaller",
    "AssistantMessageParam",
    "Base64ImageSource",
    "Base64ImageSourceParam",
    "Base64PDFSourceParam",
    "BatchRequestParam",
    "BetaFileDocumentSourceParam",
    "BetaFileImageSourceParam",
    "BrowserToolset20260801Param",
    "CacheControlEphemeral",
    "CacheControlEphemeralParam",
    "CitationsConfigParam",
    "CodeExecutionTool20250522Param",
    "CodeExecutionTool20250825Param",
    "CodeExecutionTool20260120Param",
    "CodeExecutionTool20260521Param",
    "ComputerToolset20260801Param",
    "ContainerParams",
    "ContainerUploadBlockParam",
    "ContentBlockParam",
    "ContentBlockSourceParam",
    "DiagnosticsParam",
    "DocumentBlockParam",
    "FileDocumentSourceParam",
    "FileImageSourceParam",
    "ImageBlockParam",
    "ImageTransformationsParam",
    "JSONOutputFormatParam",
    "MemoryTool20250818Param",
    "MessageContentParam",
    "MessageCountTokensParams",
    "MessageCountTokensToolParam",
    "MessageCreateParams",
    "MessageCreateParamsContainerParam",
    "MessageParam",
    "MetadataParam",
    "ModelParam",
    "OutputConfigParam",
    "PlainTextSourceParam",
    "RedactedThinkingBlockParam",
    "SearchResultBlockParam",
    "ServerToolUseBlockParam",
    "SkillParams",
    "SystemMessageParam",
    "TextBlockParam",
    "ThinkingBlockParam",
    "ThinkingConfigAdaptiveParam",
    "ThinkingConfigBetweenToolsParam",
    "ThinkingConfigDisabledParam",
    "ThinkingConfigEnabledParam",
    "ThinkingConfigParam",
    "ToolBash20250124Param",
    "ToolChoice",
    "ToolChoiceAnyParam",
    "ToolChoiceAutoParam",
    "ToolChoiceNoneParam",
    "ToolChoiceParam",
    "ToolChoiceToolParam",
    "ToolParam",
    "ToolResultBlockParam",
    "ToolSearchToolBm25_20251119Param",
    "ToolSearchToolRegex20251119Param",
    "ToolTextEditor20250124Param",
    "ToolTextEditor20250429Param",
    "ToolTextEditor20250728Param",
    "ToolUnionParam",
    "ToolUseBlockParam",
    "URLImageSource",
    "URLImageSourceParam",
    "URLPDFSource",
    "URLPDFSourceParam",
    "UserLocationParam",
    "UserMessageParam",
    "WebFetchTool20250910Param",
    "WebFetchTool20260209Param",
    "WebFetchTool20260309Param",
    "WebFetchTool20260318Param",
    "WebSearchResultBlockParam",
    "WebSearchTool20250305Param",
    "WebSearchTool20260209Param",
    "WebSearchTool20260318Param",
    "WebSearchToolResultBlockParam",
)

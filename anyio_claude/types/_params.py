"""Request parameters as TypedDicts: the dicts users already write for the official SDK.

Required keys live in a private base class and optional ones in the public subclass
(`total=False`), which gives Python 3.10 the effect of `Required[...]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Union

from ._files import FileDocumentSourceParam, FileImageSourceParam

if TYPE_CHECKING:
    from ._wire import ContentBlock


class CacheControlEphemeralParam(TypedDict, total=False):
    """Marks the end of a cacheable prefix: `{"type": "ephemeral"}` (optional `ttl`)."""

    type: Literal["ephemeral"]
    ttl: Literal["5m", "1h"]


CacheControlEphemeral = CacheControlEphemeralParam


class Base64ImageSourceParam(TypedDict):
    """An image given inline as base64."""

    type: Literal["base64"]
    media_type: Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
    data: str


class URLImageSourceParam(TypedDict):
    """An image given by URL."""

    type: Literal["url"]
    url: str


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


class _TextBlockParamBase(TypedDict):
    type: Literal["text"]
    text: str


class TextBlockParam(_TextBlockParamBase, total=False):
    """A text content block."""

    cache_control: CacheControlEphemeralParam | None
    citations: Iterable[dict[str, Any]] | None


class _ImageBlockParamBase(TypedDict):
    type: Literal["image"]
    source: Base64ImageSourceParam | URLImageSourceParam | FileImageSourceParam


class ImageBlockParam(_ImageBlockParamBase, total=False):
    """An image content block."""

    cache_control: CacheControlEphemeralParam | None


class CitationsConfigParam(TypedDict, total=False):
    """Whether the model may cite a document."""

    enabled: bool


class _DocumentBlockParamBase(TypedDict):
    type: Literal["document"]
    source: (
        Base64PDFSourceParam
        | URLPDFSourceParam
        | PlainTextSourceParam
        | FileDocumentSourceParam
        | dict[str, Any]
    )


class DocumentBlockParam(_DocumentBlockParamBase, total=False):
    """A document content block (PDF, plain text or custom content)."""

    cache_control: CacheControlEphemeralParam | None
    citations: CitationsConfigParam | None
    context: str | None
    title: str | None


class _ToolUseBlockParamBase(TypedDict):
    type: Literal["tool_use"]
    id: str
    name: str
    input: Any


class ToolUseBlockParam(_ToolUseBlockParamBase, total=False):
    """A tool call made by the assistant (sent back in an assistant turn)."""

    cache_control: CacheControlEphemeralParam | None


class _ToolResultBlockParamBase(TypedDict):
    type: Literal["tool_result"]
    tool_use_id: str


class ToolResultBlockParam(_ToolResultBlockParamBase, total=False):
    """The result of a tool call, in a user turn."""

    content: str | Iterable[TextBlockParam | ImageBlockParam | DocumentBlockParam]
    is_error: bool
    cache_control: CacheControlEphemeralParam | None


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


ContentBlockParam = Union[
    TextBlockParam,
    ImageBlockParam,
    DocumentBlockParam,
    ToolUseBlockParam,
    ToolResultBlockParam,
    ThinkingBlockParam,
    RedactedThinkingBlockParam,
    dict[str, Any],
]


class MessageParam(TypedDict):
    """One turn of the conversation: `role` and `content` (a string or a list of blocks).

    Blocks from a previous reply (`message.content`) may be passed back as they are.
    """

    role: Literal["user", "assistant"]
    content: str | Iterable[ContentBlockParam | ContentBlock]


class _ToolParamBase(TypedDict):
    name: str
    input_schema: dict[str, Any]


class ToolParam(_ToolParamBase, total=False):
    """A tool the model may call, described by a JSON Schema."""

    description: str
    cache_control: CacheControlEphemeralParam | None
    type: Literal["custom"] | None


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


class ThinkingConfigEnabledParam(TypedDict):
    """Turn on extended thinking with a token budget."""

    type: Literal["enabled"]
    budget_tokens: int


class ThinkingConfigDisabledParam(TypedDict):
    """Turn off extended thinking."""

    type: Literal["disabled"]


ThinkingConfigParam = Union[ThinkingConfigEnabledParam, ThinkingConfigDisabledParam]


class MetadataParam(TypedDict, total=False):
    """Request metadata: an opaque `user_id` for abuse detection."""

    user_id: str | None


class _MessageCreateParamsBase(TypedDict):
    model: str
    max_tokens: int
    messages: Iterable[MessageParam]


class MessageCreateParams(_MessageCreateParamsBase, total=False):
    """The body of `POST /v1/messages` (also the `params` of a batch request)."""

    system: str | Iterable[TextBlockParam]
    metadata: MetadataParam
    stop_sequences: Sequence[str]
    stream: bool
    temperature: float
    top_p: float
    top_k: int
    tools: Iterable[ToolParam | dict[str, Any]]
    tool_choice: ToolChoiceParam
    service_tier: Literal["auto", "standard_only"]
    thinking: ThinkingConfigParam


class BatchRequestParam(TypedDict):
    """One request of a Message Batch: a `custom_id` and the `params` of a create call."""

    custom_id: str
    params: MessageCreateParams


__all__ = (
    "Base64ImageSourceParam",
    "Base64PDFSourceParam",
    "BatchRequestParam",
    "CacheControlEphemeral",
    "CacheControlEphemeralParam",
    "CitationsConfigParam",
    "ContentBlockParam",
    "DocumentBlockParam",
    "ImageBlockParam",
    "MessageCreateParams",
    "MessageParam",
    "MetadataParam",
    "PlainTextSourceParam",
    "RedactedThinkingBlockParam",
    "TextBlockParam",
    "ThinkingBlockParam",
    "ThinkingConfigDisabledParam",
    "ThinkingConfigEnabledParam",
    "ThinkingConfigParam",
    "ToolChoice",
    "ToolChoiceAnyParam",
    "ToolChoiceAutoParam",
    "ToolChoiceNoneParam",
    "ToolChoiceParam",
    "ToolChoiceToolParam",
    "ToolParam",
    "ToolResultBlockParam",
    "ToolUseBlockParam",
    "URLImageSourceParam",
    "URLPDFSourceParam",
)

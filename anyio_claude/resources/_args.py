"""Keyword arguments of the resource methods, as TypedDicts for `**kwargs: Unpack[...]`.

Only type checkers import this module: it lets each method of the plain, raw and
streaming-response views declare its parameters once, with the official SDK's names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict

from .._http import Timeout
from .._tools import SupportsToDict
from ..types import (
    BetaCacheControlEphemeralParam,
    BetaDiagnosticsParam,
    BetaMessageParam,
    BetaMetadataParam,
    BetaOutputConfigParam,
    BetaTextBlockParam,
    BetaThinkingConfigParam,
    BetaToolChoiceParam,
    BetaToolUnionParam,
    CacheControlEphemeralParam,
    DiagnosticsParam,
    MessageCreateParamsContainerParam,
    MessageParam,
    MetadataParam,
    ModelParam,
    OutputConfigParam,
    TextBlockParam,
    ThinkingConfigParam,
    ToolChoiceParam,
    ToolUnionParam,
)
from ..types.beta.beta_container_params import BetaContainerParams


class RequestOptions(TypedDict, total=False):
    """What every method takes besides its own parameters (`extra_body` is not sent with a
    GET, which has no body, as in the official SDK)."""

    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, object] | None
    extra_body: Mapping[str, object] | None
    timeout: float | Timeout | None


class WorkspaceOptions(RequestOptions, total=False):
    """What the methods of batches, models and files take besides their own parameters:
    `workspace_id` goes out as the `anthropic-workspace-id` header."""

    workspace_id: str


class _MessageArgsBase(TypedDict):
    max_tokens: int
    messages: Iterable[MessageParam]
    model: ModelParam


class _SharedMessageArgs(RequestOptions, total=False):
    """What `messages` and `beta.messages` take typed alike."""

    inference_geo: str | None
    service_tier: Literal["auto", "standard_only"]
    speed: Literal["standard", "fast"] | None
    stop_sequences: Sequence[str]
    temperature: float
    top_k: int
    top_p: float
    user_profile_id: str
    workspace_id: str


class MessageArgs(_MessageArgsBase, _SharedMessageArgs, total=False):
    """`messages.create` / `messages.stream` / `messages.parse`, without `stream` and
    `output_format`."""

    cache_control: CacheControlEphemeralParam | None
    container: MessageCreateParamsContainerParam | None
    diagnostics: DiagnosticsParam | None
    metadata: MetadataParam
    output_config: OutputConfigParam
    system: str | Iterable[TextBlockParam]
    thinking: ThinkingConfigParam
    tool_choice: ToolChoiceParam
    tools: Iterable[ToolUnionParam | Mapping[str, Any]]


# The beta methods take the official beta signature's `Beta…Param`s (as the official SDK
# types them) and, for code that builds a request once for both, the non-beta ones. A
# TypedDict's fields are invariant, so neither kind is assignable to the other: a union.


class _BetaMessageArgsBase(TypedDict):
    max_tokens: int
    messages: Iterable[BetaMessageParam | MessageParam]
    model: ModelParam


class BetaMessageArgs(_BetaMessageArgsBase, _SharedMessageArgs, total=False):
    """`beta.messages.create` / `stream` / `parse`, without `stream` and `output_format`:
    `messages.create`'s plus `betas` and the beta body parameters (`types/_gen_params.py`
    lists them for the checks)."""

    betas: Sequence[str]
    billing_policy: Mapping[str, Any] | None
    cache_control: BetaCacheControlEphemeralParam | CacheControlEphemeralParam | None
    compaction: Mapping[str, Any] | None
    container: BetaContainerParams | MessageCreateParamsContainerParam | None
    context_management: Mapping[str, Any] | None
    diagnostics: BetaDiagnosticsParam | DiagnosticsParam | None
    fallback_credit_token: str | Mapping[str, Any] | None
    fallbacks: Iterable[Mapping[str, Any]] | Literal["default"] | None
    mcp_servers: Iterable[Mapping[str, Any]]
    metadata: BetaMetadataParam | MetadataParam
    output_config: BetaOutputConfigParam | OutputConfigParam
    system: str | Iterable[BetaTextBlockParam | TextBlockParam]
    thinking: BetaThinkingConfigParam | ThinkingConfigParam
    thread: Mapping[str, Any] | None
    tool_choice: BetaToolChoiceParam | ToolChoiceParam
    tools: Iterable[BetaToolUnionParam | ToolUnionParam | Mapping[str, Any] | SupportsToDict]


class _CountTokensArgsBase(TypedDict):
    messages: Iterable[MessageParam]
    model: ModelParam


class CountTokensArgs(_CountTokensArgsBase, RequestOptions, total=False):
    """`messages.count_tokens`, without `output_format`."""

    cache_control: CacheControlEphemeralParam | None
    output_config: OutputConfigParam
    speed: Literal["standard", "fast"] | None
    system: str | Iterable[TextBlockParam]
    thinking: ThinkingConfigParam
    tool_choice: ToolChoiceParam
    tools: Iterable[ToolUnionParam | Mapping[str, Any]]
    user_profile_id: str
    workspace_id: str


class _BetaCountTokensArgsBase(TypedDict):
    messages: Iterable[BetaMessageParam | MessageParam]
    model: ModelParam


class BetaCountTokensArgs(_BetaCountTokensArgsBase, RequestOptions, total=False):
    """`beta.messages.count_tokens`, without `output_format`: `messages.count_tokens`'s
    plus `betas` and the beta body parameters."""

    betas: Sequence[str]
    billing_policy: Mapping[str, Any] | None
    cache_control: BetaCacheControlEphemeralParam | CacheControlEphemeralParam | None
    compaction: Mapping[str, Any] | None
    context_management: Mapping[str, Any] | None
    mcp_servers: Iterable[Mapping[str, Any]]
    output_config: BetaOutputConfigParam | OutputConfigParam
    speed: Literal["standard", "fast"] | None
    system: str | Iterable[BetaTextBlockParam | TextBlockParam]
    thinking: BetaThinkingConfigParam | ThinkingConfigParam
    tool_choice: BetaToolChoiceParam | ToolChoiceParam
    tools: Iterable[BetaToolUnionParam | ToolUnionParam | Mapping[str, Any] | SupportsToDict]
    user_profile_id: str
    workspace_id: str


class FileListArgs(WorkspaceOptions, total=False):
    """`files.list`: `page` is a `next_page` token; `ids` (at most 100) goes without `page`
    and `limit`."""

    ids: Sequence[str] | None
    limit: int
    page: str | None


class FileUploadArgs(WorkspaceOptions, total=False):
    """`files.upload`, besides `file` (`extra_body` items become form fields)."""

    expires_in_seconds: int


class BetaOptions(WorkspaceOptions, total=False):
    """What the methods of `beta.files` and `beta.messages.batches` take besides their own
    parameters: `betas` goes out as the `anthropic-beta` header."""

    betas: Sequence[str]


class BetaFileListArgs(FileListArgs, BetaOptions, total=False):
    """`beta.files.list`: `files.list`'s, `scope_id`, and the `after_id` / `before_id`
    cursors of the Files API's first version."""

    scope_id: str
    after_id: str
    before_id: str


class BetaFileUploadArgs(FileUploadArgs, BetaOptions, total=False):
    """`beta.files.upload`, besides `file`."""

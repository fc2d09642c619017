"""anyio-claude: a fast, structured-concurrency native client for the Claude Messages API.

Runs unchanged under asyncio and trio. The public API mirrors the official `anthropic`
SDK, so its examples run after changing the import.
"""

from typing import TYPE_CHECKING

from ._client import DEFAULT_MAX_RETRIES as DEFAULT_MAX_RETRIES
from ._client import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from ._client import AsyncClaude as AsyncClaude
from ._client import AsyncClaudeWithRawResponse as AsyncClaudeWithRawResponse
from ._client import AsyncClaudeWithStreamedResponse as AsyncClaudeWithStreamedResponse
from ._errors import AnthropicError as AnthropicError
from ._errors import APIConnectionError as APIConnectionError
from ._errors import APIError as APIError
from ._errors import APIResponseValidationError as APIResponseValidationError
from ._errors import APIStatusError as APIStatusError
from ._errors import APITimeoutError as APITimeoutError
from ._errors import APIWebhookValidationError as APIWebhookValidationError
from ._errors import AuthenticationError as AuthenticationError
from ._errors import BadRequestError as BadRequestError
from ._errors import BillingError as BillingError
from ._errors import ClaudeError as ClaudeError
from ._errors import ClientClosedRequestError as ClientClosedRequestError
from ._errors import ConflictError as ConflictError
from ._errors import ContentTooLargeError as ContentTooLargeError
from ._errors import CredentialsError as CredentialsError
from ._errors import DeadlineExceededError as DeadlineExceededError
from ._errors import EventProtocolError as EventProtocolError
from ._errors import EventStreamProtocolError as EventStreamProtocolError
from ._errors import GatewayTimeoutError as GatewayTimeoutError
from ._errors import HTTPNotImplementedError as HTTPNotImplementedError
from ._errors import IdentityTokenFileError as IdentityTokenFileError
from ._errors import IncompleteStreamError as IncompleteStreamError
from ._errors import InternalServerError as InternalServerError
from ._errors import NotFoundError as NotFoundError
from ._errors import OverloadedError as OverloadedError
from ._errors import PaymentRequiredError as PaymentRequiredError
from ._errors import PermissionDeniedError as PermissionDeniedError
from ._errors import PreconditionFailedError as PreconditionFailedError
from ._errors import ProtocolError as ProtocolError
from ._errors import RateLimitError as RateLimitError
from ._errors import RequestHeaderFieldsTooLargeError as RequestHeaderFieldsTooLargeError
from ._errors import RequestTimeoutError as RequestTimeoutError
from ._errors import RequestTooLargeError as RequestTooLargeError
from ._errors import RetryableError as RetryableError
from ._errors import ServiceUnavailableError as ServiceUnavailableError
from ._errors import SSEProtocolError as SSEProtocolError
from ._errors import UnprocessableEntityError as UnprocessableEntityError
from ._errors import ValidationError as ValidationError
from ._errors import WorkloadIdentityError as WorkloadIdentityError
from ._fanout import fan_out as fan_out
from ._gen_error_names import __all__ as _error_code_classes
from ._http import Headers as Headers
from ._http import HTTPRequest as HTTPRequest
from ._http import HTTPResponse as HTTPResponse
from ._http import Timeout as Timeout
from ._live_streams import AsyncMessageStream as AsyncMessageStream
from ._live_streams import AsyncMessageStreamManager as AsyncMessageStreamManager
from ._live_streams import AsyncStream as AsyncStream
from ._live_streams import AsyncTextStream as AsyncTextStream
from ._parse import AsyncParsedMessageStream as AsyncParsedMessageStream
from ._parse import OutputValidationError as OutputValidationError
from ._parse import transform_schema as transform_schema
from ._ratelimits import RateLimitInfo as RateLimitInfo
from ._request import NOT_GIVEN as NOT_GIVEN
from ._request import NotGiven as NotGiven
from ._request import Omit as Omit
from ._request import not_given as not_given
from ._request import omit as omit
from ._response import AsyncAPIResponse as AsyncAPIResponse
from ._response import AsyncMessageStreamResponse as AsyncMessageStreamResponse
from ._response import BodyIterator as BodyIterator
from .types._base import BaseStruct as BaseModel

if TYPE_CHECKING:
    from ._credentials import AccessToken as AccessToken
    from ._credentials import AccessTokenProvider as AccessTokenProvider
    from ._credentials import AsyncAccessTokenProvider as AsyncAccessTokenProvider
    from ._credentials import BaseURLBoundProvider as BaseURLBoundProvider
    from ._credentials import CredentialResult as CredentialResult
    from ._credentials import CredentialsFile as CredentialsFile
    from ._credentials import EnvToken as EnvToken
    from ._credentials import IdentityTokenFile as IdentityTokenFile
    from ._credentials import IdentityTokenProvider as IdentityTokenProvider
    from ._credentials import InMemoryConfig as InMemoryConfig
    from ._credentials import StaticToken as StaticToken
    from ._credentials import TokenCache as TokenCache
    from ._credentials import WorkloadIdentityCredentials as WorkloadIdentityCredentials
    from ._credentials import default_credentials as default_credentials
    from ._credentials import exchange_federation_assertion as exchange_federation_assertion
    from ._gen_errors import *  # noqa: F403 - its __all__ is _error_code_classes
    from ._middleware import APIRequest as APIRequest
    from ._middleware import AsyncCallNext as AsyncCallNext
    from ._middleware import AsyncMiddlewareCallable as AsyncMiddlewareCallable
    from ._middleware import CallNext as CallNext
    from ._middleware import Middleware as Middleware
    from ._middleware import MiddlewareCallable as MiddlewareCallable
    from ._middleware import MiddlewareInput as MiddlewareInput
    from ._platforms._aws import AsyncAnthropicAWS as AsyncAnthropicAWS
    from ._platforms._aws import AsyncAnthropicBedrockMantle as AsyncAnthropicBedrockMantle
    from ._platforms._bedrock import AsyncAnthropicBedrock as AsyncAnthropicBedrock
    from ._platforms._foundry import AsyncAnthropicFoundry as AsyncAnthropicFoundry
    from ._platforms._google_cloud import AsyncAnthropicGoogleCloud as AsyncAnthropicGoogleCloud
    from ._platforms._vertex import AsyncAnthropicVertex as AsyncAnthropicVertex
    from ._runner import MapResult as MapResult
    from ._runner import MapRun as MapRun
    from ._runner import Progress as Progress
    from ._runner import Runner as Runner
    from ._runner import SpendLimitError as SpendLimitError
    from ._shared_pacer import RedisPacer as RedisPacer
    from ._sync import APIResponse as APIResponse
    from ._sync import Batches as Batches
    from ._sync import BatchesWithRawResponse as BatchesWithRawResponse
    from ._sync import BatchesWithStreamingResponse as BatchesWithStreamingResponse
    from ._sync import BatchResults as BatchResults
    from ._sync import Claude as Claude
    from ._sync import ClaudeWithRawResponse as ClaudeWithRawResponse
    from ._sync import ClaudeWithStreamedResponse as ClaudeWithStreamedResponse
    from ._sync import Messages as Messages
    from ._sync import MessageStream as MessageStream
    from ._sync import MessageStreamingResponse as MessageStreamingResponse
    from ._sync import MessageStreamManager as MessageStreamManager
    from ._sync import MessageStreamResponse as MessageStreamResponse
    from ._sync import MessageStreamResponseManager as MessageStreamResponseManager
    from ._sync import MessagesWithRawResponse as MessagesWithRawResponse
    from ._sync import MessagesWithStreamingResponse as MessagesWithStreamingResponse
    from ._sync import Models as Models
    from ._sync import ModelsWithRawResponse as ModelsWithRawResponse
    from ._sync import ModelsWithStreamingResponse as ModelsWithStreamingResponse
    from ._sync import ParsedMessageStream as ParsedMessageStream
    from ._sync import ParsedMessageStreamManager as ParsedMessageStreamManager
    from ._sync import Stream as Stream
    from ._sync import StreamingResponse as StreamingResponse
    from ._sync import StreamingResponseManager as StreamingResponseManager
    from ._sync import SyncPage as SyncPage
    from ._sync_beta import Beta as Beta
    from ._sync_beta import BetaBatches as BetaBatches
    from ._sync_beta import BetaBatchesWithRawResponse as BetaBatchesWithRawResponse
    from ._sync_beta import BetaBatchesWithStreamingResponse as BetaBatchesWithStreamingResponse
    from ._sync_beta import BetaMessages as BetaMessages
    from ._sync_beta import BetaMessagesWithRawResponse as BetaMessagesWithRawResponse
    from ._sync_beta import BetaMessagesWithStreamingResponse as BetaMessagesWithStreamingResponse
    from ._sync_beta import BetaModels as BetaModels
    from ._sync_beta import BetaModelsWithRawResponse as BetaModelsWithRawResponse
    from ._sync_beta import BetaModelsWithStreamingResponse as BetaModelsWithStreamingResponse
    from ._sync_beta import BetaWithRawResponse as BetaWithRawResponse
    from ._sync_beta import BetaWithStreamingResponse as BetaWithStreamingResponse
    from ._sync_files import BetaFiles as BetaFiles
    from ._sync_files import BetaFilesWithRawResponse as BetaFilesWithRawResponse
    from ._sync_files import BetaFilesWithStreamingResponse as BetaFilesWithStreamingResponse
    from ._sync_files import BinaryAPIResponse as BinaryAPIResponse
    from ._sync_files import Files as Files
    from ._sync_files import FilesWithRawResponse as FilesWithRawResponse
    from ._sync_files import FilesWithStreamingResponse as FilesWithStreamingResponse
    from ._sync_platforms import AnthropicAWS as AnthropicAWS
    from ._sync_platforms import AnthropicBedrock as AnthropicBedrock
    from ._sync_platforms import AnthropicBedrockMantle as AnthropicBedrockMantle
    from ._sync_platforms import AnthropicFoundry as AnthropicFoundry
    from ._sync_platforms import AnthropicGoogleCloud as AnthropicGoogleCloud
    from ._sync_platforms import AnthropicVertex as AnthropicVertex
    from ._tools import beta_async_tool as beta_async_tool
    from ._tools import beta_tool as beta_tool
    from ._tracing import OpenTelemetryClientOption as OpenTelemetryClientOption
    from ._tracing import OpenTelemetryMetrics as OpenTelemetryMetrics
    from ._tracing import OpenTelemetryOptions as OpenTelemetryOptions
    from ._tracing import OpenTelemetryTraces as OpenTelemetryTraces
    from ._tracing import ResolvedOpenTelemetryMetrics as ResolvedOpenTelemetryMetrics
    from ._tracing import ResolvedOpenTelemetryOptions as ResolvedOpenTelemetryOptions
    from ._tracing import ResolvedOpenTelemetryTraces as ResolvedOpenTelemetryTraces
    from .lib.middleware import BetaFallbackState as BetaFallbackState
    from .lib.middleware import BetaRefusalFallbackMiddleware as BetaRefusalFallbackMiddleware
    from .resources import AsyncBinaryAPIResponse as AsyncBinaryAPIResponse
    from .resources import AsyncFileDownload as AsyncFileDownload
    from .resources import AsyncPage as AsyncPage
    from .resources import AsyncPaginator as AsyncPaginator
    from .resources._batches import AsyncBatchResults as AsyncBatchResults
    from .resources._files import file_from_path as file_from_path

    Anthropic = Claude
else:
    # The blocking facade is imported on first use: it pulls in anyio.from_thread,
    # ~14 ms of start-up that async code never needs. So is the runner of `map()`
    # (anyio's memory streams and synchronisation primitives, ~10 ms). So are the
    # official SDK's error-code classes (~1 ms), which only an error reply needs. So are
    # the `open_telemetry` option's types (~0.7 ms with the module that reads them).
    # (`benchmarks/import_time.py` re-measures what import costs.)
    _LAZY = {
        # The resources load with the first request (`client.messages`, ...), not here.
        "AsyncBinaryAPIResponse": ".resources",
        "AsyncFileDownload": ".resources",
        "AsyncPage": ".resources",
        "AsyncPaginator": ".resources",
        "AsyncBatchResults": ".resources._batches",
        "file_from_path": ".resources._files",
        **dict.fromkeys(_error_code_classes, "._gen_errors"),
        "beta_tool": "._tools",
        "beta_async_tool": "._tools",
        # Credential providers: only clients given credentials= or a profile need them.
        "AccessToken": "._credentials",
        "AccessTokenProvider": "._credentials",
        "AsyncAccessTokenProvider": "._credentials",
        "BaseURLBoundProvider": "._credentials",
        "CredentialResult": "._credentials",
        "CredentialsFile": "._credentials",
        "EnvToken": "._credentials",
        "IdentityTokenFile": "._credentials",
        "IdentityTokenProvider": "._credentials",
        "InMemoryConfig": "._credentials",
        "StaticToken": "._credentials",
        "TokenCache": "._credentials",
        "WorkloadIdentityCredentials": "._credentials",
        "default_credentials": "._credentials",
        "exchange_federation_assertion": "._credentials",
        # The platform clients: their extras (botocore, google-auth) load on first use.
        "AnthropicBedrock": "._sync_platforms",
        "AnthropicBedrockMantle": "._sync_platforms",
        "AnthropicVertex": "._sync_platforms",
        "AnthropicFoundry": "._sync_platforms",
        "AnthropicAWS": "._sync_platforms",
        "AsyncAnthropicBedrock": "._platforms._bedrock",
        "AsyncAnthropicBedrockMantle": "._platforms._aws",
        "AsyncAnthropicAWS": "._platforms._aws",
        "AsyncAnthropicVertex": "._platforms._vertex",
        "AsyncAnthropicFoundry": "._platforms._foundry",
        "AnthropicGoogleCloud": "._sync_platforms",
        "AsyncAnthropicGoogleCloud": "._platforms._google_cloud",
        "MapResult": "._runner",
        "MapRun": "._runner",
        "Progress": "._runner",
        "Runner": "._runner",
        "SpendLimitError": "._runner",
        "RedisPacer": "._shared_pacer",
        "BetaFallbackState": ".lib.middleware",
        "BetaRefusalFallbackMiddleware": ".lib.middleware",
        "APIRequest": "._middleware",
        "AsyncCallNext": "._middleware",
        "AsyncMiddlewareCallable": "._middleware",
        "CallNext": "._middleware",
        "Middleware": "._middleware",
        "MiddlewareCallable": "._middleware",
        "MiddlewareInput": "._middleware",
        "OpenTelemetryClientOption": "._tracing",
        "OpenTelemetryMetrics": "._tracing",
        "OpenTelemetryOptions": "._tracing",
        "OpenTelemetryTraces": "._tracing",
        "ResolvedOpenTelemetryMetrics": "._tracing",
        "ResolvedOpenTelemetryOptions": "._tracing",
        "ResolvedOpenTelemetryTraces": "._tracing",
        "APIResponse": "._sync",
        "Claude": "._sync",
        "ClaudeWithRawResponse": "._sync",
        "ClaudeWithStreamedResponse": "._sync",
        "MessageStream": "._sync",
        "MessageStreamManager": "._sync",
        "MessageStreamResponse": "._sync",
        "ParsedMessageStream": "._sync",
        "ParsedMessageStreamManager": "._sync",
        "Stream": "._sync",
        "Batches": "._sync",
        "BatchesWithRawResponse": "._sync",
        "BatchesWithStreamingResponse": "._sync",
        "BatchResults": "._sync",
        "MessageStreamingResponse": "._sync",
        "MessageStreamResponseManager": "._sync",
        "Messages": "._sync",
        "MessagesWithRawResponse": "._sync",
        "MessagesWithStreamingResponse": "._sync",
        "Models": "._sync",
        "ModelsWithRawResponse": "._sync",
        "ModelsWithStreamingResponse": "._sync",
        "StreamingResponse": "._sync",
        "StreamingResponseManager": "._sync",
        "SyncPage": "._sync",
        "BinaryAPIResponse": "._sync_files",
        "Beta": "._sync_beta",
        "BetaMessages": "._sync_beta",
        "BetaMessagesWithRawResponse": "._sync_beta",
        "BetaMessagesWithStreamingResponse": "._sync_beta",
        "BetaBatches": "._sync_beta",
        "BetaBatchesWithRawResponse": "._sync_beta",
        "BetaBatchesWithStreamingResponse": "._sync_beta",
        "BetaModels": "._sync_beta",
        "BetaModelsWithRawResponse": "._sync_beta",
        "BetaModelsWithStreamingResponse": "._sync_beta",
        "BetaWithRawResponse": "._sync_beta",
        "BetaWithStreamingResponse": "._sync_beta",
        "BetaFiles": "._sync_files",
        "BetaFilesWithRawResponse": "._sync_files",
        "BetaFilesWithStreamingResponse": "._sync_files",
        "Files": "._sync_files",
        "FilesWithRawResponse": "._sync_files",
        "FilesWithStreamingResponse": "._sync_files",
        "Anthropic": "._sync",
    }

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(module, __name__), "Claude" if name == "Anthropic" else name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})


AsyncAnthropic = AsyncClaude

__title__ = "anyio_claude"
__version__ = "0.1.0"

__all__ = (
    "APIRequest",
    "AsyncCallNext",
    "AsyncMiddlewareCallable",
    "BaseModel",
    "AnthropicAWS",
    "AnthropicBedrock",
    "AnthropicBedrockMantle",
    "AnthropicFoundry",
    "AnthropicGoogleCloud",
    "AnthropicVertex",
    "AsyncAnthropicAWS",
    "AsyncAnthropicBedrock",
    "AsyncAnthropicBedrockMantle",
    "AsyncAnthropicFoundry",
    "AsyncAnthropicGoogleCloud",
    "AsyncAnthropicVertex",
    "CallNext",
    "AccessToken",
    "AccessTokenProvider",
    "AsyncAccessTokenProvider",
    "BaseURLBoundProvider",
    "CredentialResult",
    "CredentialsFile",
    "EnvToken",
    "IdentityTokenFile",
    "IdentityTokenProvider",
    "InMemoryConfig",
    "StaticToken",
    "TokenCache",
    "WorkloadIdentityCredentials",
    "WorkloadIdentityError",
    "default_credentials",
    "exchange_federation_assertion",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "Middleware",
    "MiddlewareCallable",
    "MiddlewareInput",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "APIWebhookValidationError",
    "Anthropic",
    "AnthropicError",
    "AsyncAPIResponse",
    "AsyncAnthropic",
    "AsyncBatchResults",
    "AsyncBinaryAPIResponse",
    "AsyncClaude",
    "AsyncClaudeWithRawResponse",
    "AsyncClaudeWithStreamedResponse",
    "AsyncFileDownload",
    "AsyncMessageStream",
    "AsyncMessageStreamManager",
    "AsyncMessageStreamResponse",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncParsedMessageStream",
    "AsyncStream",
    "AsyncTextStream",
    "AuthenticationError",
    "BadRequestError",
    "BatchResults",
    "Batches",
    "BatchesWithRawResponse",
    "BatchesWithStreamingResponse",
    "Beta",
    "BetaBatches",
    "BetaBatchesWithRawResponse",
    "BetaBatchesWithStreamingResponse",
    "BetaFallbackState",
    "BetaFiles",
    "BetaFilesWithRawResponse",
    "BetaFilesWithStreamingResponse",
    "BetaMessages",
    "BetaMessagesWithRawResponse",
    "BetaMessagesWithStreamingResponse",
    "BetaModels",
    "BetaModelsWithRawResponse",
    "BetaModelsWithStreamingResponse",
    "BetaRefusalFallbackMiddleware",
    "BetaWithRawResponse",
    "BetaWithStreamingResponse",
    "BillingError",
    "BinaryAPIResponse",
    "BodyIterator",
    "Claude",
    "ClaudeError",
    "ClaudeWithRawResponse",
    "ClaudeWithStreamedResponse",
    "ClientClosedRequestError",
    "ConflictError",
    "ContentTooLargeError",
    "CredentialsError",
    "DeadlineExceededError",
    "EventProtocolError",
    "Files",
    "FilesWithRawResponse",
    "FilesWithStreamingResponse",
    "GatewayTimeoutError",
    "HTTPNotImplementedError",
    "HTTPRequest",
    "HTTPResponse",
    "Headers",
    "IdentityTokenFileError",
    "IncompleteStreamError",
    "InternalServerError",
    "MapResult",
    "MapRun",
    "MessageStream",
    "MessageStreamManager",
    "MessageStreamResponse",
    "MessageStreamResponseManager",
    "MessageStreamingResponse",
    "Messages",
    "MessagesWithRawResponse",
    "MessagesWithStreamingResponse",
    "Models",
    "ModelsWithRawResponse",
    "ModelsWithStreamingResponse",
    "NotFoundError",
    "NotGiven",
    "Omit",
    "OpenTelemetryClientOption",
    "OpenTelemetryMetrics",
    "OpenTelemetryOptions",
    "OpenTelemetryTraces",
    "OutputValidationError",
    "OverloadedError",
    "ParsedMessageStream",
    "ParsedMessageStreamManager",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "Progress",
    "ProtocolError",
    "RateLimitError",
    "RateLimitInfo",
    "RedisPacer",
    "RequestHeaderFieldsTooLargeError",
    "RequestTimeoutError",
    "RequestTooLargeError",
    "ResolvedOpenTelemetryMetrics",
    "ResolvedOpenTelemetryOptions",
    "ResolvedOpenTelemetryTraces",
    "RetryableError",
    "Runner",
    "SSEProtocolError",
    "EventStreamProtocolError",
    "ServiceUnavailableError",
    "SpendLimitError",
    "Stream",
    "StreamingResponse",
    "StreamingResponseManager",
    "SyncPage",
    "Timeout",
    "UnprocessableEntityError",
    "ValidationError",
    "beta_async_tool",
    "beta_tool",
    "fan_out",
    "file_from_path",
    "not_given",
    "omit",
    "transform_schema",
    *_error_code_classes,
)

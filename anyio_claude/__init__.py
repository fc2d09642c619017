"""anyio-claude: a fast, structured-concurrency native client for the Claude Messages API.

Runs unchanged under asyncio and trio. The public API mirrors the official `anthropic`
SDK, so its examples run after changing the import.
"""

from ._client import DEFAULT_MAX_RETRIES as DEFAULT_MAX_RETRIES
from ._client import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from ._client import NOT_GIVEN as NOT_GIVEN
from ._client import AsyncClaude as AsyncClaude
from ._client import NotGiven as NotGiven
from ._errors import AnthropicError as AnthropicError
from ._errors import APIConnectionError as APIConnectionError
from ._errors import APIError as APIError
from ._errors import APIResponseValidationError as APIResponseValidationError
from ._errors import APIStatusError as APIStatusError
from ._errors import APITimeoutError as APITimeoutError
from ._errors import AuthenticationError as AuthenticationError
from ._errors import BadRequestError as BadRequestError
from ._errors import BillingError as BillingError
from ._errors import ClaudeError as ClaudeError
from ._errors import ConflictError as ConflictError
from ._errors import EventProtocolError as EventProtocolError
from ._errors import GatewayTimeoutError as GatewayTimeoutError
from ._errors import IncompleteStreamError as IncompleteStreamError
from ._errors import InternalServerError as InternalServerError
from ._errors import NotFoundError as NotFoundError
from ._errors import OverloadedError as OverloadedError
from ._errors import PermissionDeniedError as PermissionDeniedError
from ._errors import ProtocolError as ProtocolError
from ._errors import RateLimitError as RateLimitError
from ._errors import RequestTooLargeError as RequestTooLargeError
from ._errors import SSEProtocolError as SSEProtocolError
from ._errors import UnprocessableEntityError as UnprocessableEntityError
from ._fanout import fan_out as fan_out
from ._http import Headers as Headers
from ._http import Timeout as Timeout
from ._parse import AsyncParsedMessageStream as AsyncParsedMessageStream
from ._parse import OutputValidationError as OutputValidationError
from ._parse import transform_schema as transform_schema
from ._ratelimits import RateLimitInfo as RateLimitInfo
from ._response import APIResponse as APIResponse
from ._response import AsyncAPIResponse as AsyncAPIResponse
from ._response import BodyIterator as BodyIterator
from ._response import HTTPResponse as HTTPResponse
from ._runner import MapResult as MapResult
from ._runner import MapRun as MapRun
from ._runner import Progress as Progress
from ._runner import Runner as Runner
from ._runner import SpendLimitError as SpendLimitError
from ._streams import AsyncMessageStream as AsyncMessageStream
from ._streams import AsyncMessageStreamManager as AsyncMessageStreamManager
from ._streams import AsyncStream as AsyncStream
from ._streams import AsyncTextStream as AsyncTextStream
from ._sync import Claude as Claude
from ._sync import MessageStream as MessageStream
from ._sync import MessageStreamManager as MessageStreamManager
from ._sync import ParsedMessageStream as ParsedMessageStream
from ._sync import ParsedMessageStreamManager as ParsedMessageStreamManager
from ._sync import Stream as Stream
from ._sync_beta import BinaryAPIResponse as BinaryAPIResponse
from .resources import AsyncBinaryAPIResponse as AsyncBinaryAPIResponse
from .resources import AsyncFileDownload as AsyncFileDownload
from .resources import AsyncPage as AsyncPage
from .resources import AsyncPaginator as AsyncPaginator
from .resources._batches import AsyncBatchResults as AsyncBatchResults

AsyncAnthropic = AsyncClaude
Anthropic = Claude

__version__ = "0.1.0"

__all__ = (
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "Anthropic",
    "AnthropicError",
    "AsyncAPIResponse",
    "AsyncAnthropic",
    "AsyncBatchResults",
    "AsyncBinaryAPIResponse",
    "AsyncClaude",
    "AsyncFileDownload",
    "AsyncMessageStream",
    "AsyncMessageStreamManager",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncParsedMessageStream",
    "AsyncStream",
    "AsyncTextStream",
    "AuthenticationError",
    "BadRequestError",
    "BillingError",
    "BinaryAPIResponse",
    "BodyIterator",
    "Claude",
    "ClaudeError",
    "ConflictError",
    "EventProtocolError",
    "GatewayTimeoutError",
    "HTTPResponse",
    "Headers",
    "IncompleteStreamError",
    "InternalServerError",
    "MapResult",
    "MapRun",
    "MessageStream",
    "MessageStreamManager",
    "NotFoundError",
    "NotGiven",
    "OutputValidationError",
    "OverloadedError",
    "ParsedMessageStream",
    "ParsedMessageStreamManager",
    "PermissionDeniedError",
    "Progress",
    "ProtocolError",
    "RateLimitError",
    "RateLimitInfo",
    "RequestTooLargeError",
    "Runner",
    "SSEProtocolError",
    "SpendLimitError",
    "Stream",
    "Timeout",
    "UnprocessableEntityError",
    "fan_out",
    "transform_schema",
)

"""Resources: thin builders of request descriptions, handed to the client to send."""

from ._batches import AsyncBatches as AsyncBatches
from ._batches import AsyncBatchesWithRawResponse as AsyncBatchesWithRawResponse
from ._batches import AsyncBatchesWithStreamingResponse as AsyncBatchesWithStreamingResponse
from ._messages import AsyncMessages as AsyncMessages
from ._messages import AsyncMessagesWithRawResponse as AsyncMessagesWithRawResponse
from ._messages import AsyncMessagesWithStreamingResponse as AsyncMessagesWithStreamingResponse
from ._messages import MessageStreamResponseManager as MessageStreamResponseManager
from ._messages import StreamingResponseManager as StreamingResponseManager
from ._models import AsyncModels as AsyncModels
from ._models import AsyncModelsWithRawResponse as AsyncModelsWithRawResponse
from ._models import AsyncModelsWithStreamingResponse as AsyncModelsWithStreamingResponse
from ._pagination import AsyncPage as AsyncPage
from ._pagination import AsyncPaginator as AsyncPaginator

__all__ = (
    "AsyncBatches",
    "AsyncBatchesWithRawResponse",
    "AsyncBatchesWithStreamingResponse",
    "AsyncMessages",
    "AsyncMessagesWithRawResponse",
    "AsyncMessagesWithStreamingResponse",
    "AsyncModels",
    "AsyncModelsWithRawResponse",
    "AsyncModelsWithStreamingResponse",
    "AsyncPage",
    "AsyncPaginator",
    "MessageStreamResponseManager",
    "StreamingResponseManager",
)

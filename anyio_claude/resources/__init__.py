"""Resources: thin builders of request descriptions, handed to the client to send."""

from ._batches import AsyncBatches as AsyncBatches
from ._batches import AsyncBatchesWithRawResponse as AsyncBatchesWithRawResponse
from ._batches import AsyncBatchesWithStreamingResponse as AsyncBatchesWithStreamingResponse
from ._batches import AsyncBetaBatches as AsyncBetaBatches
from ._batches import AsyncBetaBatchesWithRawResponse as AsyncBetaBatchesWithRawResponse
from ._batches import AsyncBetaBatchesWithStreamingResponse as AsyncBetaBatchesWithStreamingResponse
from ._beta import AsyncBeta as AsyncBeta
from ._beta import AsyncBetaMessages as AsyncBetaMessages
from ._beta import AsyncBetaMessagesWithRawResponse as AsyncBetaMessagesWithRawResponse
from ._beta import AsyncBetaMessagesWithStreamingResponse as AsyncBetaMessagesWithStreamingResponse
from ._beta import AsyncBetaWithRawResponse as AsyncBetaWithRawResponse
from ._beta import AsyncBetaWithStreamingResponse as AsyncBetaWithStreamingResponse
from ._files import AsyncBetaFiles as AsyncBetaFiles
from ._files import AsyncBetaFilesWithRawResponse as AsyncBetaFilesWithRawResponse
from ._files import AsyncBetaFilesWithStreamingResponse as AsyncBetaFilesWithStreamingResponse
from ._files import AsyncBinaryAPIResponse as AsyncBinaryAPIResponse
from ._files import AsyncFileDownload as AsyncFileDownload
from ._files import AsyncFiles as AsyncFiles
from ._files import AsyncFilesWithRawResponse as AsyncFilesWithRawResponse
from ._files import AsyncFilesWithStreamingResponse as AsyncFilesWithStreamingResponse
from ._messages import AsyncMessages as AsyncMessages
from ._messages import AsyncMessageStreamResponseManager as AsyncMessageStreamResponseManager
from ._messages import AsyncMessagesWithRawResponse as AsyncMessagesWithRawResponse
from ._messages import AsyncMessagesWithStreamingResponse as AsyncMessagesWithStreamingResponse
from ._messages import MessageStreamResponseManager as MessageStreamResponseManager
from ._models import AsyncBetaModels as AsyncBetaModels
from ._models import AsyncBetaModelsWithRawResponse as AsyncBetaModelsWithRawResponse
from ._models import AsyncBetaModelsWithStreamingResponse as AsyncBetaModelsWithStreamingResponse
from ._models import AsyncModels as AsyncModels
from ._models import AsyncModelsWithRawResponse as AsyncModelsWithRawResponse
from ._models import AsyncModelsWithStreamingResponse as AsyncModelsWithStreamingResponse
from ._ops import AsyncStreamingResponseManager as AsyncStreamingResponseManager
from ._ops import StreamingResponseManager as StreamingResponseManager
from ._pagination import AsyncPage as AsyncPage
from ._pagination import AsyncPaginator as AsyncPaginator

__all__ = (
    "AsyncBatches",
    "AsyncBatchesWithRawResponse",
    "AsyncBatchesWithStreamingResponse",
    "AsyncBeta",
    "AsyncBetaBatches",
    "AsyncBetaBatchesWithRawResponse",
    "AsyncBetaBatchesWithStreamingResponse",
    "AsyncBetaFiles",
    "AsyncBetaFilesWithRawResponse",
    "AsyncBetaFilesWithStreamingResponse",
    "AsyncBetaMessages",
    "AsyncBetaMessagesWithRawResponse",
    "AsyncBetaMessagesWithStreamingResponse",
    "AsyncBetaModels",
    "AsyncBetaModelsWithRawResponse",
    "AsyncBetaModelsWithStreamingResponse",
    "AsyncBetaWithRawResponse",
    "AsyncBetaWithStreamingResponse",
    "AsyncBinaryAPIResponse",
    "AsyncFileDownload",
    "AsyncFiles",
    "AsyncFilesWithRawResponse",
    "AsyncFilesWithStreamingResponse",
    "AsyncMessageStreamResponseManager",
    "AsyncMessages",
    "AsyncMessagesWithRawResponse",
    "AsyncMessagesWithStreamingResponse",
    "AsyncModels",
    "AsyncModelsWithRawResponse",
    "AsyncModelsWithStreamingResponse",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncStreamingResponseManager",
    "MessageStreamResponseManager",
    "StreamingResponseManager",
)

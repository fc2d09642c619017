"""Resources: thin builders of request descriptions, handed to the client to send."""

from ._batches import AsyncBatches as AsyncBatches
from ._messages import AsyncMessages as AsyncMessages
from ._models import AsyncModels as AsyncModels
from ._pagination import AsyncPage as AsyncPage
from ._pagination import AsyncPaginator as AsyncPaginator

__all__ = ("AsyncBatches", "AsyncMessages", "AsyncModels", "AsyncPage", "AsyncPaginator")

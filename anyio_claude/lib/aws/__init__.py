"""`anthropic.lib.aws`: the Claude Platform on AWS."""

from ..._platforms._aws import AsyncAnthropicAWS as AsyncAnthropicAWS
from ..._sync_platforms import AnthropicAWS as AnthropicAWS

__all__ = ("AnthropicAWS", "AsyncAnthropicAWS")

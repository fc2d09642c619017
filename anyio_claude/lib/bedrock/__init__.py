"""`anthropic.lib.bedrock`: Claude through Amazon Bedrock (and Bedrock Mantle)."""

from ..._platforms._aws import AsyncAnthropicBedrockMantle as AsyncAnthropicBedrockMantle
from ..._platforms._bedrock import AsyncAnthropicBedrock as AsyncAnthropicBedrock
from ..._sync_platforms import AnthropicBedrock as AnthropicBedrock
from ..._sync_platforms import AnthropicBedrockMantle as AnthropicBedrockMantle

__all__ = (
    "AnthropicBedrock",
    "AnthropicBedrockMantle",
    "AsyncAnthropicBedrock",
    "AsyncAnthropicBedrockMantle",
)

"""`anthropic.lib.vertex`: Claude through Google Cloud Vertex AI."""

from ..._platforms._vertex import AsyncAnthropicVertex as AsyncAnthropicVertex
from ..._sync_platforms import AnthropicVertex as AnthropicVertex

__all__ = ("AnthropicVertex", "AsyncAnthropicVertex")

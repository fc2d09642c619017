"""`anthropic.lib.google_cloud`: Claude on Google Cloud (Anthropic managed)."""

from ..._platforms._google_cloud import AsyncAnthropicGoogleCloud as AsyncAnthropicGoogleCloud
from ..._sync_platforms import AnthropicGoogleCloud as AnthropicGoogleCloud

__all__ = ("AnthropicGoogleCloud", "AsyncAnthropicGoogleCloud")

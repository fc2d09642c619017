"""`anthropic.lib.foundry`: Claude through Microsoft Foundry."""

from .._platforms._foundry import AsyncAnthropicFoundry as AsyncAnthropicFoundry
from .._platforms._foundry import AsyncAzureADTokenProvider as AsyncAzureADTokenProvider
from .._platforms._foundry import AzureADTokenProvider as AzureADTokenProvider
from .._sync_platforms import AnthropicFoundry as AnthropicFoundry

__all__ = (
    "AnthropicFoundry",
    "AsyncAnthropicFoundry",
    "AsyncAzureADTokenProvider",
    "AzureADTokenProvider",
)

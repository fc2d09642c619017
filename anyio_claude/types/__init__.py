"""Wire types: msgspec Structs for replies and stream events, TypedDicts for request params.

Every Struct has `to_dict()` and `to_json()`. Objects of a `type` this client does not know
decode to `UnknownBlock` / `UnknownDelta` / `UnknownEvent`, which keep the raw JSON and
encode back to the same bytes.
"""

from typing import TYPE_CHECKING

from ._base import Unknown as Unknown
from ._base import encode_json as encode_json
from ._decode import decode_batch_result_line as decode_batch_result_line
from ._decode import decode_content_block as decode_content_block
from ._decode import decode_message as decode_message
from ._files import *  # noqa: F403
from ._files import __all__ as _files_all
from ._gen_beta_names import __all__ as _beta_all
from ._gen_error_names import __all__ as _error_code_classes
from ._gen_request_names import MODULES as _request_modules
from ._gen_request_names import __all__ as _requests_all
from ._gen_wire import *  # noqa: F403
from ._gen_wire import __all__ as _gen_wire_all
from ._param_names import __all__ as _params_all
from ._parsed import ParsedMessage as ParsedMessage
from ._parsed import ParsedTextBlock as ParsedTextBlock
from ._wire import *  # noqa: F403
from ._wire import __all__ as _wire_all

if TYPE_CHECKING:
    from ._gen_beta import *  # noqa: F403
    from ._gen_errors import *  # noqa: F403
    from ._gen_requests import *  # noqa: F403
    from ._params import *  # noqa: F403
else:
    # The request TypedDicts are built on first access (see `_param_names`; the generated
    # ones: `_gen_request_names`, one module each), and the
    # official SDK's error-code classes `anthropic.types` exports and the beta response
    # types are loaded then.
    def __getattr__(name: str) -> object:
        if name in _params_all:
            from . import _params as source
        elif name in _beta_all:
            from . import _gen_beta as source
        elif name in _error_code_classes:
            from . import _gen_errors as source
        elif name in _request_modules:
            import importlib

            source = importlib.import_module(_request_modules[name], __name__)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(source, name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_params_all, *_error_code_classes, *_beta_all, *_requests_all})


RawMessageStartEvent = MessageStartEvent  # noqa: F405
RawContentBlockStartEvent = ContentBlockStartEvent  # noqa: F405
RawContentBlockDeltaEvent = ContentBlockDeltaEvent  # noqa: F405
RawContentBlockStopEvent = ContentBlockStopEvent  # noqa: F405
RawMessageDeltaEvent = MessageDeltaEvent  # noqa: F405
RawMessageStopEvent = MessageStopEvent  # noqa: F405
RawMessageStreamEvent = MessageStreamEvent  # noqa: F405

__all__ = (
    "ParsedMessage",
    "ParsedTextBlock",
    "RawContentBlockDeltaEvent",
    "RawContentBlockStartEvent",
    "RawContentBlockStopEvent",
    "RawMessageDeltaEvent",
    "RawMessageStartEvent",
    "RawMessageStopEvent",
    "RawMessageStreamEvent",
    "Unknown",
    "decode_batch_result_line",
    "decode_content_block",
    "decode_message",
    "encode_json",
    *_beta_all,
    *_error_code_classes,
    *_files_all,
    *_gen_wire_all,
    *_params_all,
    *_requests_all,
    *_wire_all,
)

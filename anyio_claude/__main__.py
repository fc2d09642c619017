"""`python -m anyio_claude` runs the `anyio-claude` command."""

import sys

from .cli import main

sys.exit(main())

"""Entry point of ``python -m engine.match`` (see :mod:`.cli`)."""

import sys

from .cli import main

sys.exit(main())

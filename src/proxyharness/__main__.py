"""``python -m proxyharness``: the same as the ``proxyharness`` command."""

import sys

from .cli import main

sys.exit(main())

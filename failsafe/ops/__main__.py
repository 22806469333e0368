"""``python -m failsafe.ops <command> ...``: the ``failsafe-dr`` command line."""

import sys

from failsafe.ops.cli import main

sys.exit(main())

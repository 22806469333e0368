"""Entry point of ``python -m failsafe`` (see failsafe/cli.py)."""

import sys

from failsafe.cli import main

sys.exit(main())

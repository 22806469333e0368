"""Entry point of ``python -m failsafe`` (see failsafe/tooling/cli.py).

``os._exit`` after flushing: the mock runtime leaves asyncio transports whose finalisers print "Exception
ignored ... Invalid file descriptor" during interpreter shutdown, noise a user would read as a failure.
"""

import os
import sys

from failsafe.tooling.cli import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code if isinstance(code, int) else 1)

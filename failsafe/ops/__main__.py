"""``python -m failsafe.ops verify|drill|archive|fetch ...``"""

import sys

from failsafe.ops.cli import main

sys.exit(main())

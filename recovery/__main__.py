"""``python -m recovery verify|drill|archive|fetch ...``"""

import sys

from recovery.cli import main

sys.exit(main())

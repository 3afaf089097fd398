"""``python -m xo_web``: the same command line as ``xo-web``."""

import sys

from xo_web.cli import main

sys.exit(main())

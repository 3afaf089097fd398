"""``python -m xo_web.bundler``: the same command line as ``xo-web``."""

import sys

from xo_web.bundler.cli import main

sys.exit(main())

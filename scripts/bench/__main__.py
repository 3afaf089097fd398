"""Entry point for ``python -m scripts.bench`` and ``python scripts/bench`` (from the repo root)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.bench.cli import main  # noqa: E402

raise SystemExit(main())

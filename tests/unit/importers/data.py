"""Where the shared real-world samples are, and a mark that skips tests when they are not."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"

needs_data = pytest.mark.skipif(
    not (DATA / "README.md").is_file(),
    reason=f"the shared real-world samples are not at {DATA} (see the issue #8 notes)",
)

"""How much the domain's trait merge costs next to a naive dictionary merge, in one run."""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable

from npc_core.model import default_lexicon, merge_traits

WORDS = ["内向", "外向", "冷静", "冲动", "善良", "多疑", "Brave", "ｃａｌｍ", "Loyal", "勇敢"]


def _naive(user: list[str], ai: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in (*user, *ai):
        seen.setdefault(unicodedata.normalize("NFKC", name).casefold().strip(), name)
    return list(seen.values())


def _rate(fn: Callable[[], object], seconds: float = 1.0) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    """Print merges per second for the domain merge and the naive baseline, and their ratio."""
    rng = random.Random(7)
    user = [rng.choice(WORDS) + str(rng.randint(0, 30)) for _ in range(20)] + WORDS[:4]
    ai = [rng.choice(WORDS) + str(rng.randint(0, 30)) for _ in range(20)] + WORDS[2:8]
    default_lexicon()
    domain = _rate(lambda: merge_traits(user, ai))
    baseline = _rate(lambda: _naive(user, ai))
    print(f"merge_traits (24 user + 26 AI traits): {domain:,.0f} merges/s")
    print(f"naive dict merge baseline:             {baseline:,.0f} merges/s")
    print(f"ratio domain/baseline: {domain / baseline:.3f}")

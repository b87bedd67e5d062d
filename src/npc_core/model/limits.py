"""Documented maximum sizes of free text and lists (the API publishes the same numbers)."""

from typing import Final

TITLE: Final = 200
NAME: Final = 100
SHORT_LABEL: Final = 64
DESCRIPTION: Final = 4_000
DIALOGUE_LINE: Final = 2_000
INSIGHT: Final = 2_000
CHAT_MESSAGE: Final = 2_000
MONOLOGUE: Final = 5_000
URL: Final = 2_048
TRAIT_NAME: Final = 32
TRAITS_PER_SIDE: Final = 50
EVIDENCE_ITEMS: Final = 10
STORY_NODES: Final = 100
STORY_RELATIONSHIPS: Final = 200
FRAMES: Final = 60
FRAME_FIELD: Final = 2_000
VISUAL_EFFECTS: Final = 20
EMOTION_MARKERS: Final = 200
DIALOGUES_PER_ANALYSIS: Final = 500
PAGE_SIZE_MAX: Final = 100
PAGE_SIZE_DEFAULT: Final = 20

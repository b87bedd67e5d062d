"""A small film library written by the npc team, for the embedded default, demos and tests."""

from adapters.demo.library import DEMO_MOVIE_IDS, load_demo_library

__all__ = ["DEMO_MOVIE_IDS", "load_demo_library"]

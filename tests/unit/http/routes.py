"""The routes of API.md, as the tests walk them."""

from __future__ import annotations

from typing import Final

from tests.unit.http.harness import FERRY, LIN_ZHOU

# (method, path template) for every route API.md lists, seed routes first.
SEED_ROUTES: Final = [
    ("POST", "/api/auth/login"),
    ("GET", "/api/movies/search"),
    ("GET", "/api/movies/{id}/dialogues"),
    ("POST", "/api/dify/character-analysis"),
    ("POST", "/api/dify/dialogue-discussion"),
    ("POST", "/api/dify/story-reconstruct"),
    ("POST", "/api/dify/storyboard-create"),
    ("POST", "/api/dify/monologue-generate"),
    ("POST", "/api/dify/voice-synthesis"),
    ("POST", "/api/dify/comic-generate"),
    ("POST", "/api/characters/dialogue-analysis"),
    ("POST", "/api/characters/collaborative-traits"),
    ("POST", "/api/chat/character"),
    ("POST", "/api/story/collaborative-reconstruct"),
    ("POST", "/api/storyboard/collaborative-create"),
    ("POST", "/api/monologue/generate"),
    ("POST", "/api/audio/synthesize"),
    ("POST", "/api/comic/generate"),
    ("GET", "/api/tasks/status/{id}"),
]
IMPLIED_ROUTES: Final = [
    ("GET", "/api/movies/recommended"),
    ("GET", "/api/movies/{id}"),
    ("GET", "/api/characters/{id}"),
    ("GET", "/api/chat/sessions/{id}"),
    ("GET", "/api/storyboards/{id}"),
    ("PUT", "/api/storyboards/{id}"),
    ("GET", "/api/monologues/{id}"),
    ("GET", "/api/audio/{id}"),
    ("GET", "/api/comics/{id}"),
    ("GET", "/api/user/profile"),
    ("GET", "/api/works"),
    ("GET", "/api/works/{id}"),
    ("DELETE", "/api/works/{id}"),
    ("GET", "/s/{id}"),
    ("GET", "/health"),
    ("GET", "/ready"),
]

# Concrete requests for every route that needs a bearer token.
PROTECTED: Final = [
    ("POST", "/api/dify/character-analysis"),
    ("POST", "/api/dify/dialogue-discussion"),
    ("POST", "/api/dify/story-reconstruct"),
    ("POST", "/api/dify/storyboard-create"),
    ("POST", "/api/dify/monologue-generate"),
    ("POST", "/api/dify/voice-synthesis"),
    ("POST", "/api/dify/comic-generate"),
    ("POST", "/api/characters/dialogue-analysis"),
    ("POST", "/api/characters/collaborative-traits"),
    ("POST", "/api/chat/character"),
    ("GET", "/api/chat/sessions/s1"),
    ("POST", "/api/story/collaborative-reconstruct"),
    ("POST", "/api/storyboard/collaborative-create"),
    ("GET", "/api/storyboards/x"),
    ("PUT", "/api/storyboards/x"),
    ("PATCH", "/api/storyboards/x"),
    ("POST", "/api/storyboards/x"),
    ("POST", "/api/monologue/generate"),
    ("POST", "/api/audio/synthesize"),
    ("POST", "/api/comic/generate"),
    ("GET", "/api/monologues/x"),
    ("GET", "/api/audio/x"),
    ("GET", "/api/comics/x"),
    ("GET", "/api/tasks/status/x"),
    ("GET", "/api/user/profile"),
    ("GET", "/api/works"),
    ("GET", "/api/works/x"),
    ("DELETE", "/api/works/x"),
]

# Concrete requests for the routes that need no token (login has its own tests).
PUBLIC: Final = [
    ("GET", "/api/movies/search?keyword=夜航"),
    ("GET", "/api/movies/recommended"),
    ("GET", f"/api/movies/{FERRY}"),
    ("GET", f"/api/movies/{FERRY}/dialogues"),
    ("GET", f"/api/characters/{LIN_ZHOU}"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/schema/openapi.json"),
]

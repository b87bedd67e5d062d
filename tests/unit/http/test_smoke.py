"""The whole creation flow over HTTP, route by route, on the embedded default."""

from __future__ import annotations

from pathlib import Path

from tests.unit.http.harness import FERRY, LIN_ZHOU, api


async def test_the_creation_flow_end_to_end(tmp_path: Path) -> None:
    """Login, library, analysis, traits, chat, story, storyboard, monologue, voice, comic, share."""
    async with api(tmp_path) as a:
        c = a.client
        auth = await a.login()
        r = await c.get("/api/movies/search", params={"keyword": "夜航"})
        assert r.status_code == 200, r.text
        assert r.json()["movies"][0]["id"] == FERRY
        r = await c.get(f"/api/movies/{FERRY}")
        assert r.status_code == 200, r.text
        r = await c.get(f"/api/movies/{FERRY}/dialogues", params={"characterId": LIN_ZHOU})
        assert r.status_code == 200, r.text
        r = await c.post(
            "/api/dify/character-analysis",
            headers=auth,
            json={"movieId": FERRY, "characterId": LIN_ZHOU, "dialogues": []},
        )
        assert r.status_code == 200, r.text
        r = await c.post(
            "/api/characters/collaborative-traits",
            headers=auth,
            json={"characterId": LIN_ZHOU, "userTraits": ["内向"], "aiSuggestions": ["外向"]},
        )
        assert r.status_code == 200, r.text
        assert r.json()["conflictResolution"]["hasConflicts"]
        r = await c.post(
            "/api/chat/character",
            headers=auth,
            json={"sessionId": "s1", "message": "你好", "characterId": LIN_ZHOU},
        )
        assert r.status_code == 200, r.text
        r = await c.post(
            "/api/story/collaborative-reconstruct",
            headers=auth,
            json={
                "movieId": FERRY,
                "characterId": LIN_ZHOU,
                "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
            },
        )
        assert r.status_code == 200, r.text
        story_id = r.json()["storyId"]
        r = await c.post(
            "/api/storyboard/collaborative-create",
            headers=auth,
            json={
                "storyId": story_id,
                "userFrames": [
                    {"order": 1, "sceneDescription": "甲板"},
                    {"order": 2, "dialogue": "要下雨了"},
                ],
            },
        )
        assert r.status_code == 200, r.text
        board = r.json()["finalStoryboard"]
        r = await c.post(
            "/api/monologue/generate",
            headers=auth,
            json={"storyboardId": board["id"], "characterId": LIN_ZHOU, "frameContext": []},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "completed", r.json()
        monologue_id = r.json()["monologueId"]
        r = await c.post(
            "/api/audio/synthesize",
            headers=auth,
            json={"monologueId": monologue_id, "voiceConfig": {"voice": "female-1"}},
        )
        assert r.status_code == 200, r.text
        audio = r.json()
        r = await c.get(audio["audioUrl"].removeprefix("http://127.0.0.1:8000"))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("audio/")
        r = await c.post(
            "/api/comic/generate",
            headers=auth,
            json={"storyboardId": board["id"], "audioId": audio["audioId"]},
        )
        assert r.status_code == 200, r.text
        comic = r.json()
        assert comic["comicUrl"].startswith("http://127.0.0.1:8000/s/")
        r = await c.get(comic["comicUrl"].removeprefix("http://127.0.0.1:8000"))
        assert r.status_code == 200
        assert "<audio" in r.text
        r = await c.get(f"/api/tasks/status/{comic['taskId']}", headers=auth)
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "no-store"
        r = await c.get("/api/works", headers=auth)
        assert r.status_code == 200, r.text
        assert r.json()["total"] == 3
        r = await c.get("/api/user/profile", headers=auth)
        assert r.status_code == 200, r.text
        assert r.json()["usageToday"]["used"] == 7
        r = await c.get("/schema/openapi.json")
        assert r.status_code == 200

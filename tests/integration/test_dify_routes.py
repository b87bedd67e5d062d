"""Every AI route of API.md through the HTTP API, on the real Dify adapter and a Dify server.

npc is built by `build(Settings(dify_base_url=..., dify_keys=...))` exactly as in
production; the Dify-compatible server runs on loopback with the canned outputs of
`tests.dify_server.canned`. Each route's response must carry the workflow's outputs
in the seed's fields, and each route must reach its workflow's app exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dify_server import DifyControl, dify_server
from tests.dify_server import canned as c
from tests.integration.dify_support import (
    FERRY,
    LIN_ZHOU,
    make_audio,
    make_monologue,
    make_story,
    make_storyboard,
    npc,
)

HOST = "http://127.0.0.1:8000"


@pytest.fixture
def dify() -> Iterator[tuple[str, DifyControl]]:
    with dify_server() as server:
        yield server


def runs(control: DifyControl, workflow: str) -> int:
    return len(control.run_requests(workflow))


async def test_character_analysis_routes_carry_the_analysis(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """`/api/dify/character-analysis` answers the analysis, traits, workflowId and status.

    The Start node got the film, the character and its library lines (one per row);
    `collaborative-traits` without aiSuggestions merges the workflow's traits.
    """
    async with npc(tmp_path, dify) as api:
        auth = await api.login()
        r = await api.client.post(
            "/api/dify/character-analysis",
            headers=auth,
            json={"movieId": FERRY, "characterId": LIN_ZHOU, "dialogues": []},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        [seen] = api.dify.run_requests("character_analysis")
        run_id = next(iter(api.dify.runs))
        assert body["workflowId"] == run_id
        assert body["status"] == "succeeded"
        assert body["analysis"]["summary"] == c.SUMMARY
        assert body["analysis"]["relationships"] == ["苏晚：青梅竹马"]
        assert [t["name"] for t in body["traits"]] == ["坚韧", "温柔", "幽默"]
        assert body["traits"][1]["confidence"] == 0.7
        assert seen.mode == "blocking"
        assert seen.body is not None
        inputs = seen.body["inputs"]
        assert inputs["movie_title"] == "夜航船"
        assert inputs["character_name"] == "林舟"
        assert len(inputs["dialogues"].splitlines()) > 1
        assert json.loads(inputs["user_context"]) == {}
        r = await api.client.post(
            "/api/characters/collaborative-traits",
            headers=auth,
            json={"characterId": LIN_ZHOU, "userTraits": ["内向"]},
        )
        assert r.status_code == 200, r.text
        names = [t["name"] for t in r.json()["mergedTraits"]]
        assert names[0] == "内向"
        assert {"坚韧", "温柔", "幽默"} <= set(names)
        assert runs(api.dify, "character_analysis") == 2


async def test_discussion_routes_carry_the_response_and_send_the_history(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """`/api/dify/dialogue-discussion` and `/api/characters/dialogue-analysis` carry the answer.

    A second turn of the same session sends the first turn as `history`.
    """
    async with npc(tmp_path, dify) as api:
        auth = await api.login()
        turn = {
            "characterId": LIN_ZHOU,
            "dialogue": "要下雨了",
            "userInsight": "他在担心",
            "sessionId": "d1",
        }
        r = await api.client.post("/api/dify/dialogue-discussion", headers=auth, json=turn)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["aiResponse"] == c.AI_RESPONSE
        assert body["insights"] == ["轻描淡写是他的保护色", "他在乎别人的看法"]
        assert body["personalityTags"] == ["克制", "敏感"]
        assert body["sessionId"] == "d1"
        assert body["workflowId"] in api.dify.runs
        r = await api.client.post("/api/dify/dialogue-discussion", headers=auth, json=turn)
        assert r.status_code == 200, r.text
        first, second = api.dify.run_requests("dialogue_discussion")
        assert first.body is not None
        assert second.body is not None
        assert json.loads(first.body["inputs"]["history"]) == []
        history = json.loads(second.body["inputs"]["history"])
        assert [h["content"] for h in history] == ["他在担心", c.AI_RESPONSE]
        r = await api.client.post(
            "/api/characters/dialogue-analysis",
            headers=auth,
            json={
                "movieId": FERRY,
                "characterId": LIN_ZHOU,
                "dialogue": "要下雨了",
                "userInsight": "他很克制",
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["success"] is True
        assert body["aiAnalysis"] == c.AI_RESPONSE
        assert body["personalityTags"] == ["克制", "敏感"]
        assert body["collaborativeInsights"]["sharedTags"] == ["克制"]
        assert runs(api.dify, "dialogue_discussion") == 3


async def test_chat_route_carries_the_reply_whole_and_streamed(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """`/api/chat/character` answers the reply and emotion; `?stream=1` streams its pieces.

    Both run the chat app in streaming mode; the streamed chunks join to the reply
    and the `done` event carries it whole; the next turn sends the kept history.
    """
    async with npc(tmp_path, dify) as api:
        auth = await api.login()
        message = {"sessionId": "s1", "message": "你好", "characterId": LIN_ZHOU}
        r = await api.client.post("/api/chat/character", headers=auth, json=message)
        assert r.status_code == 200, r.text
        assert (r.json()["reply"], r.json()["emotion"]) == (c.REPLY, "怀念")
        r = await api.client.post(
            "/api/chat/character", headers=auth, json=message, params={"stream": 1}
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [
            json.loads(line.removeprefix("data: "))
            for line in r.text.splitlines()
            if line.startswith("data: ")
        ]
        *chunks, done = events
        assert "".join(e["text"] for e in chunks) == c.REPLY
        assert len(chunks) > 1
        assert (done["reply"], done["emotion"]) == (c.REPLY, "怀念")
        requests = api.dify.run_requests("character_chat")
        assert [s.mode for s in requests] == ["streaming", "streaming"]
        assert requests[1].body is not None
        history = json.loads(requests[1].body["inputs"]["history"])
        assert history == [
            {"role": "user", "content": "你好"},
            {"role": "assistant", "content": c.REPLY},
        ]


async def test_story_routes_carry_the_review(tmp_path: Path, dify: tuple[str, DifyControl]) -> None:
    """Both story routes answer the optimized story, suggestions and enhanced monologue."""
    async with npc(tmp_path, dify) as api:
        auth = await api.login()
        r = await api.client.post(
            "/api/dify/story-reconstruct",
            headers=auth,
            json={
                "movieId": FERRY,
                "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["workflowId"] in api.dify.runs
        assert body["enhancedMonologue"] == c.ENHANCED
        assert body["suggestions"] == ["在登船之前加入一次争吵", "让灯塔早一点出现"]
        assert [n["id"] for n in body["optimizedStory"]["nodes"]] == ["n1"]
        story_id = await make_story(api, auth)
        r = await api.client.post(
            "/api/story/collaborative-reconstruct",
            headers=auth,
            json={
                "movieId": FERRY,
                "characterId": LIN_ZHOU,
                "storyId": story_id,
                "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["success"] is True
        assert body["enhancedMonologue"] == c.ENHANCED
        assert body["aiSuggestions"]["suggestions"][0] == "在登船之前加入一次争吵"
        assert body["aiSuggestions"]["logicIssues"] == []
        assert runs(api.dify, "story_reconstruct") == 3


async def test_storyboard_routes_carry_the_enhanced_frames(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """Both storyboard routes answer the AI's frames merged with the user's, and suggestions."""
    async with npc(tmp_path, dify) as api:
        auth = await api.login()
        story_id = await make_story(api, auth)
        r = await api.client.post(
            "/api/dify/storyboard-create",
            headers=auth,
            json={"storyId": story_id, "userFrames": [{"order": 1, "sceneDescription": "甲板"}]},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["workflowId"] in api.dify.runs
        assert body["visualSuggestions"] == ["雨夜用蓝灰色调", "结尾留白"]
        [frame] = body["storyboard"]["frames"]
        assert frame["sceneDescription"] == "甲板"  # the user's words are kept
        r = await api.client.post(
            "/api/storyboard/collaborative-create",
            headers=auth,
            json={
                "storyId": story_id,
                "userFrames": [{"order": 1, "sceneDescription": "甲板"}, {"order": 2}],
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert [s["suggestion"] for s in body["visualSuggestions"]] == [
            "雨夜用蓝灰色调",
            "结尾留白",
        ]
        assert [f["camera"] for f in body["enhancedFrames"]] == ["特写", "特写"]
        assert body["enhancedFrames"][1]["dialogue"] == "AI 台词 2"
        assert runs(api.dify, "storyboard_design") == 2


async def test_generation_routes_carry_monologue_audio_and_comic(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """Monologue, voice and comic, on both surfaces, carry the workflows' outputs.

    The audio and the panels are downloaded from Dify's signed relative URLs at once and
    served from npc's own storage: no response ever shows a Dify URL, and the bytes a
    client fetches are the bytes the workflow produced.
    """
    async with npc(tmp_path, dify) as api:
        auth = await api.login()
        board_id = await make_storyboard(api, auth, await make_story(api, auth))
        r = await api.client.post(
            "/api/dify/monologue-generate",
            headers=auth,
            json={"storyboardId": board_id, "characterId": LIN_ZHOU, "frameContext": []},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "completed", body
        assert body["monologue"] == c.MONOLOGUE
        assert [m["emotion"] for m in body["emotionMarkers"]] == ["平静", "紧张"]
        assert body["emotionMarkers"][1]["intensity"] == 0.8
        monologue_id = await make_monologue(api, auth, board_id)
        r = await api.client.post(
            "/api/dify/voice-synthesis",
            headers=auth,
            json={"monologueId": monologue_id, "voiceConfig": {"voice": "male-2", "speed": 1.2}},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "completed", body
        assert body["duration"] == 4.2
        assert body["fileSize"] == len(c.MP3)
        assert body["audioUrl"].startswith(HOST)
        fetched = await api.client.get(body["audioUrl"].removeprefix(HOST))
        assert fetched.content == c.MP3
        assert fetched.headers["content-type"].startswith("audio/mpeg")
        voice_inputs = api.dify.run_requests("voice_synthesis")[0].body
        assert voice_inputs is not None
        assert voice_inputs["inputs"]["text"] == c.MONOLOGUE
        assert json.loads(voice_inputs["inputs"]["voice"])["voice"] == "male-2"
        audio_id = await make_audio(api, auth, monologue_id)
        comic_routes: list[tuple[str, dict[str, object]]] = [
            ("/api/dify/comic-generate", {"style": "manga"}),
            ("/api/comic/generate", {"styleConfig": {"palette": "cold"}}),
        ]
        for route, extra in comic_routes:
            r = await api.client.post(
                route, headers=auth, json={"storyboardId": board_id, "audioId": audio_id, **extra}
            )
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["status"] == "completed", body
            assert body["comicUrl"].startswith(f"{HOST}/s/")
            assert len(body["timeline"]) == 2
            comic = await api.client.get(f"/api/comics/{body['comicId']}", headers=auth)
            assert comic.status_code == 200, comic.text
            panels = comic.json()["panelUrls"]
            assert len(panels) == 2
            first = await api.client.get(panels[0].removeprefix(HOST))
            assert first.content == c.PNG + bytes([0])
            assert first.headers["content-type"].startswith("image/png")
        everything = json.dumps([s.body for s in api.dify.seen if s.body])
        assert "/files/" not in r.text
        assert "/files/" not in everything  # npc never sends Dify's URLs back either
        assert runs(api.dify, "monologue_generation") == 2
        assert runs(api.dify, "voice_synthesis") == 2
        assert runs(api.dify, "comic_generation") == 2
        assert [s.mode for s in api.dify.run_requests("comic_generation")] == ["streaming"] * 2
        assert api.dify.count("GET", "/files/") == 2 + 2 * 2  # each file fetched once

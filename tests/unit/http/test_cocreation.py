"""Co-creation routes on both surfaces: analyses, traits, chat, story, storyboards."""

from __future__ import annotations

import pytest

from npc_core.model import Frame
from npc_core.ports import (
    CharacterAnalysisInput,
    CharacterChatInput,
    StoryboardDesignInput,
    StoryboardDesignOutput,
    Workflow,
)
from tests.unit.http.harness import (
    FERRY,
    LIGHTHOUSE,
    LIN_ZHOU,
    SU_WAN,
    Api,
    Params,
    analysis_body,
    board_body,
    chat_body,
    discussion_body,
    expect_error,
    fields,
    missing_id,
    story_body,
    unique,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# --- /api/dify/character-analysis ------------------------------------------------------------


async def test_character_analysis_answers_the_workflow_view(a: Api) -> None:
    """character-analysis answers workflowId, analysis, traits and status as the seed says."""
    auth = await a.fresh_login()
    body = await a.ok("POST", "/api/dify/character-analysis", auth, json=analysis_body())
    assert set(body) >= {"workflowId", "analysis", "traits", "status"}
    assert body["workflowId"]
    assert body["status"] == "succeeded"
    assert {"summary", "motivations", "relationships", "arc"} <= set(body["analysis"])
    assert body["traits"]
    assert {"name", "evidence", "confidence"} <= set(body["traits"][0])


async def test_character_analysis_sends_the_given_lines_and_context(a: Api) -> None:
    """Given lines and userContext reach the workflow; without lines the library's are used."""
    auth = await a.fresh_login()
    await a.ok(
        "POST",
        "/api/dify/character-analysis",
        auth,
        json=analysis_body(dialogues=["我只相信笔记本"], userContext={"mood": "好奇"}),
    )
    # A context of its own: the library's analysis without one is cached for every user,
    # and another test of this module may have asked for it already.
    library_body = analysis_body(userContext={"test": unique("library")})
    await a.ok("POST", "/api/dify/character-analysis", auth, json=library_body)
    given, library = a.workflows.inputs(CharacterAnalysisInput)[-2:]
    assert given.dialogues == ("我只相信笔记本",)
    assert given.user_context == {"mood": "好奇"}
    assert given.character_name == "林舟"
    assert len(library.dialogues) == 5


async def test_character_analysis_rejects_bad_input_naming_the_field(a: Api) -> None:
    """Bad types, lengths, counts and a character outside the film are 400 naming the field."""
    cases: list[tuple[dict[str, object], str]] = [
        (analysis_body(dialogues=["x" * 2001]), "dialogues[0]"),
        (analysis_body(dialogues=["行"] * 501), "dialogues"),
        (analysis_body(dialogues="一句"), "dialogues"),
        (analysis_body(movieId=""), "movieId"),
        (analysis_body(characterId="x" * 65), "characterId"),
        (analysis_body(userContext=[1]), "userContext"),
        (analysis_body(movieId=LIGHTHOUSE), "characterId"),
    ]
    auth = await a.fresh_login()
    calls = len(a.workflows.calls)
    for body, field in cases:
        answer = await a.client.post("/api/dify/character-analysis", headers=auth, json=body)
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], body
    assert len(a.workflows.calls) == calls


async def test_character_analysis_of_an_unknown_character_is_404(a: Api) -> None:
    """An unknown film or character id is 404 not_found and runs no workflow."""
    auth = await a.fresh_login()
    calls = len(a.workflows.calls)
    for body in [analysis_body(characterId=missing_id()), analysis_body(movieId=missing_id())]:
        answer = await a.client.post("/api/dify/character-analysis", headers=auth, json=body)
        expect_error(answer, 404, "not_found")
    assert len(a.workflows.calls) == calls


# --- dialogue discussion and analysis --------------------------------------------------------


async def test_dialogue_discussion_answers_and_continues_the_session(a: Api) -> None:
    """dialogue-discussion answers workflowId, aiResponse, insights, status; a session continues."""
    auth = await a.fresh_login()
    session = unique("talk")
    body = await a.ok("POST", "/api/dify/dialogue-discussion", auth, json=discussion_body(session))
    assert set(body) >= {"workflowId", "aiResponse", "insights", "status", "sessionId"}
    assert body["sessionId"] == session
    assert body["aiResponse"]
    assert isinstance(body["insights"], list)
    again = await a.ok("POST", "/api/dify/dialogue-discussion", auth, json=discussion_body(session))
    assert again["sessionId"] == session


async def test_dialogue_discussion_rejects_bad_input(a: Api) -> None:
    """Bad session ids and empty or over-long texts are 400 naming the field."""
    cases: list[tuple[dict[str, object], str]] = [
        (discussion_body(sessionId="a b"), "sessionId"),
        (discussion_body(sessionId="x" * 65), "sessionId"),
        (discussion_body(userInsight=""), "userInsight"),
        (discussion_body(dialogue="x" * 2001), "dialogue"),
    ]
    auth = await a.fresh_login()
    for body, field in cases:
        answer = await a.client.post("/api/dify/dialogue-discussion", headers=auth, json=body)
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], body


async def test_dialogue_analysis_answers_the_business_view(a: Api) -> None:
    """dialogue-analysis answers success, aiAnalysis, personalityTags, collaborativeInsights."""
    auth = await a.fresh_login()
    body = await a.ok(
        "POST",
        "/api/characters/dialogue-analysis",
        auth,
        json={
            "movieId": FERRY,
            "characterId": LIN_ZHOU,
            "dialogue": "要下雨了",
            "userInsight": "他很孤独",
        },
    )
    assert body["success"] is True
    assert body["aiAnalysis"]
    assert isinstance(body["personalityTags"], list)
    assert isinstance(body["collaborativeInsights"], dict)
    assert body["collaborativeInsights"]["userInsight"] == "他很孤独"


async def test_dialogue_analysis_needs_no_insight_but_a_line(a: Api) -> None:
    """UserInsight is optional; a missing or over-long `dialogue` is 400."""
    auth = await a.fresh_login()
    base = {"movieId": FERRY, "characterId": LIN_ZHOU}
    await a.ok(
        "POST", "/api/characters/dialogue-analysis", auth, json={**base, "dialogue": "要下雨了"}
    )
    answer = await a.client.post(
        "/api/characters/dialogue-analysis",
        headers=auth,
        json={**base, "dialogue": "x" * 2001},
    )
    expect_error(answer, 400, "validation_error")
    assert fields(answer) == ["dialogue"]
    missing = await a.client.post("/api/characters/dialogue-analysis", headers=auth, json=base)
    expect_error(missing, 400, "validation_error")


# --- collaborative traits --------------------------------------------------------------------


async def test_traits_merge_and_explain_conflicts(a: Api) -> None:
    """Your traits are kept; a contradicting AI trait is reported in conflictResolution."""
    auth = await a.fresh_login()
    body = await a.ok(
        "POST",
        "/api/characters/collaborative-traits",
        auth,
        json={"characterId": LIN_ZHOU, "userTraits": ["内向"], "aiSuggestions": ["外向"]},
    )
    assert body["success"] is True
    assert [t["name"] for t in body["mergedTraits"]] == ["内向"]
    assert body["mergedTraits"][0]["provenance"] == "user"
    resolution = body["conflictResolution"]
    assert resolution["hasConflicts"] is True
    assert resolution["conflicts"][0]["kept"] == "内向"
    assert resolution["conflicts"][0]["other"] == "外向"
    assert resolution["conflicts"][0]["suggestion"]
    assert body["version"] == 1
    assert body["workId"]


async def test_traits_without_ai_suggestions_ask_the_ai(a: Api) -> None:
    """Without aiSuggestions the character-analysis workflow is asked once and its traits merge."""
    auth = await a.fresh_login()
    asked = len(a.workflows.calls_to(Workflow.CHARACTER_ANALYSIS))
    body = await a.ok(
        "POST",
        "/api/characters/collaborative-traits",
        auth,
        json={"characterId": LIN_ZHOU, "userTraits": ["冷静"]},
    )
    assert len(a.workflows.calls_to(Workflow.CHARACTER_ANALYSIS)) == asked + 1
    provenance = {t["name"]: t["provenance"] for t in body["mergedTraits"]}
    assert provenance["冷静"] == "both"
    assert "ai" in provenance.values()


async def test_traits_with_a_stale_version_are_409(a: Api) -> None:
    """Saving with the version read bumps it; saving again with the old one is 409 conflict."""
    auth = await a.fresh_login()
    body = {"characterId": LIN_ZHOU, "userTraits": ["内向"], "aiSuggestions": []}
    first = await a.ok("POST", "/api/characters/collaborative-traits", auth, json=body)
    second = await a.ok(
        "POST",
        "/api/characters/collaborative-traits",
        auth,
        json={**body, "version": first["version"]},
    )
    assert second["version"] == first["version"] + 1
    stale = await a.client.post(
        "/api/characters/collaborative-traits",
        headers=auth,
        json={**body, "version": first["version"]},
    )
    expect_error(stale, 409, "conflict")


async def test_traits_reject_bad_lists(a: Api) -> None:
    """Over 50 traits a side, traits over 32 characters, or wrong types: 400 naming the field."""
    cases: list[tuple[dict[str, object], str]] = [
        ({"characterId": LIN_ZHOU, "userTraits": [f"特质{i}" for i in range(51)]}, "userTraits"),
        ({"characterId": LIN_ZHOU, "userTraits": ["x" * 33]}, "userTraits[0]"),
        ({"characterId": LIN_ZHOU, "userTraits": "内向"}, "userTraits"),
        ({"characterId": LIN_ZHOU, "userTraits": [], "aiSuggestions": ["x"] * 51}, "aiSuggestions"),
        ({"characterId": LIN_ZHOU, "userTraits": [], "version": "one"}, "version"),
    ]
    auth = await a.fresh_login()
    for body, field in cases:
        answer = await a.client.post(
            "/api/characters/collaborative-traits", headers=auth, json=body
        )
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], body


# --- chat ------------------------------------------------------------------------------------


async def test_chat_replies_in_character_and_keeps_the_history(a: Api) -> None:
    """A chat turn answers success, reply, emotion; the next turn sends the history to the AI."""
    auth = await a.fresh_login()
    session = unique("chat")
    body = await a.ok("POST", "/api/chat/character", auth, json=chat_body(session))
    assert body["success"] is True
    assert body["sessionId"] == session
    assert body["reply"]
    assert "emotion" in body
    await a.ok("POST", "/api/chat/character", auth, json=chat_body(session, "你怕什么？"))
    second = a.workflows.inputs(CharacterChatInput)[-1]
    assert [t.content for t in second.history] == ["你好", body["reply"]]
    history = await a.ok("GET", f"/api/chat/sessions/{session}", auth)
    assert history["characterId"] == LIN_ZHOU
    assert [m["role"] for m in history["messages"]] == ["user", "assistant"] * 2
    assert [m["seq"] for m in history["messages"]] == [1, 2, 3, 4]


async def test_chat_streams_chunks_then_done_and_saves_the_exchange(a: Api) -> None:
    """`?stream=1` is text/event-stream: `chunk` events, then `done` with reply and emotion."""
    auth = await a.fresh_login()
    session = unique("chat")
    answer = await a.client.post(
        "/api/chat/character", params={"stream": 1}, headers=auth, json=chat_body(session)
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.headers["cache-control"] == "no-store"
    events = _sse(answer.text)
    names = [name for name, _ in events]
    assert names[-1] == "done"
    assert set(names[:-1]) == {"chunk"}
    assert len(names) > 2
    done = events[-1][1]
    text = "".join(str(data["text"]) for name, data in events if name == "chunk")
    assert done["success"] is True
    assert done["reply"] == text
    assert "emotion" in done
    history = await a.ok("GET", f"/api/chat/sessions/{session}", auth)
    assert [m["content"] for m in history["messages"]] == ["你好", done["reply"]]
    assert history["messages"][1]["emotion"] == done["emotion"]


def _sse(text: str) -> list[tuple[str, dict[str, object]]]:
    import json  # noqa: PLC0415

    events: list[tuple[str, dict[str, object]]] = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def test_chat_rejects_bad_input(a: Api) -> None:
    """Over-long or empty messages, bad session ids, wrong types and stream=2 are 400."""
    cases: list[tuple[dict[str, object], Params, str]] = [
        (chat_body(message="x" * 2001), {}, "message"),
        (chat_body(message=""), {}, "message"),
        (chat_body(session_id="a b"), {}, "sessionId"),
        (chat_body(characterId=5), {}, "characterId"),
        (chat_body(), {"stream": 2}, "stream"),
    ]
    auth = await a.fresh_login()
    for body, params, field in cases:
        answer = await a.client.post("/api/chat/character", params=params, headers=auth, json=body)
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], (body, params)


async def test_a_session_stays_with_its_character(a: Api) -> None:
    """Talking to another character in the same session is 400 naming characterId."""
    auth = await a.fresh_login()
    session = unique("chat")
    await a.ok("POST", "/api/chat/character", auth, json=chat_body(session))
    answer = await a.client.post(
        "/api/chat/character", headers=auth, json=chat_body(session, characterId=SU_WAN)
    )
    expect_error(answer, 400, "validation_error")
    assert fields(answer) == ["characterId"]


async def test_an_unknown_chat_session_is_404(a: Api) -> None:
    """GET /api/chat/sessions/{id} of a session never used is 404 not_found."""
    auth = await a.fresh_login()
    expect_error(
        await a.client.get(f"/api/chat/sessions/{unique('never')}", headers=auth), 404, "not_found"
    )


# --- story -----------------------------------------------------------------------------------


async def test_story_reconstruct_answers_and_revises_with_versions(a: Api) -> None:
    """A story answers the seed's fields; revising with its storyId and version makes version 2."""
    alice = await a.fresh()
    auth = alice.headers
    body = await a.ok(
        "POST",
        "/api/story/collaborative-reconstruct",
        auth,
        json=story_body(
            userRelationships=[{"source": LIN_ZHOU, "target": SU_WAN, "type": "同伴"}],
            userMonologue="雨要来了。",
        ),
    )
    assert body["success"] is True
    assert set(body) >= {"aiSuggestions", "optimizedStory", "enhancedMonologue", "storyId"}
    assert body["version"] == 1
    assert body["optimizedStory"]["nodes"][0]["id"] == "n1"
    assert body["optimizedStory"]["relationships"][0]["type"] == "同伴"
    assert isinstance(body["aiSuggestions"]["suggestions"], list)
    revised = await a.ok(
        "POST",
        "/api/story/collaborative-reconstruct",
        auth,
        json=story_body(storyId=body["storyId"], version=1),
    )
    assert (revised["storyId"], revised["version"]) == (body["storyId"], 2)
    assert a.rows("stories", alice.id) == 1


async def test_dify_story_reconstruct_answers_the_workflow_view(a: Api) -> None:
    """dify/story-reconstruct answers workflowId, optimizedStory, suggestions and status."""
    auth = await a.fresh_login()
    body = await a.ok(
        "POST",
        "/api/dify/story-reconstruct",
        auth,
        json={
            "movieId": FERRY,
            "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
            "userRelations": [{"source": "n1", "target": LIN_ZHOU, "type": "出场"}],
        },
    )
    assert set(body) >= {"workflowId", "optimizedStory", "suggestions", "status", "storyId"}
    assert body["status"] == "succeeded"


async def test_a_stale_story_version_is_409(a: Api) -> None:
    """Revising a story with a version other than the current one is 409 conflict."""
    auth = await a.fresh_login()
    story_id = await a.story(auth)
    answer = await a.client.post(
        "/api/story/collaborative-reconstruct",
        headers=auth,
        json=story_body(storyId=story_id, version=7),
    )
    expect_error(answer, 409, "conflict")


async def test_story_rejects_bad_structure_naming_the_field(a: Api) -> None:
    """Relationships to unknown ends, duplicate nodes, empty stories and bad fields are 400."""
    cases: list[tuple[dict[str, object], str]] = [
        (
            {"userRelationships": [{"source": LIN_ZHOU, "target": "nobody", "type": "朋友"}]},
            "userRelationships[0].target",
        ),
        (
            {
                "userStoryNodes": [
                    {"id": "n1", "order": 1, "title": "登船"},
                    {"id": "n1", "order": 2, "title": "靠岸"},
                ]
            },
            "userStoryNodes[1].id",
        ),
        ({"userStoryNodes": []}, "userStoryNodes"),
        (
            {"userStoryNodes": [{"id": "n1", "order": "一", "title": "x"}]},
            "userStoryNodes[0].order",
        ),
        ({"userStoryNodes": [{"id": "n1", "order": 1, "title": ""}]}, "userStoryNodes[0].title"),
        ({"userStoryNodes": [{"id": "n1", "order": 1, "title": "x"}] * 101}, "userStoryNodes"),
        ({"userMonologue": "x" * 5001}, "userMonologue"),
        ({"characterId": SU_WAN, "movieId": LIGHTHOUSE}, "characterId"),
    ]
    user = await a.fresh()
    for extra, field in cases:
        answer = await a.client.post(
            "/api/story/collaborative-reconstruct", headers=user.headers, json=story_body(**extra)
        )
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], extra
    assert a.rows("stories", user.id) == 0


async def test_dify_story_names_its_own_relations_field(a: Api) -> None:
    """A bad relationship on the dify surface is named `userRelations[0].target`, as sent."""
    auth = await a.fresh_login()
    answer = await a.client.post(
        "/api/dify/story-reconstruct",
        headers=auth,
        json={
            "movieId": FERRY,
            "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
            "userRelations": [{"source": LIN_ZHOU, "target": "nobody", "type": "朋友"}],
        },
    )
    expect_error(answer, 400, "validation_error")
    assert fields(answer) == ["userRelations[0].target"]


# --- storyboards -----------------------------------------------------------------------------


async def test_storyboard_create_answers_frames_suggestions_and_the_storyboard(
    a: Api,
) -> None:
    """collaborative-create answers enhancedFrames, visualSuggestions, finalStoryboard (v1)."""
    auth = await a.fresh_login()
    story_id = await a.story(auth)
    body = await a.ok(
        "POST",
        "/api/storyboard/collaborative-create",
        auth,
        json=board_body(story_id, stylePreference={"palette": "冷色"}, customDialogue=["别回头"]),
    )
    assert body["success"] is True
    assert len(body["enhancedFrames"]) == 2
    assert all("suggestion" in s for s in body["visualSuggestions"])
    board = body["finalStoryboard"]
    assert (board["storyId"], board["version"]) == (story_id, 1)
    assert board["stylePreference"] == {"palette": "冷色"}
    assert board["frames"][0]["sceneDescription"] == "甲板"
    assert board["frames"][0]["userFields"] == ["sceneDescription"]
    sent = a.workflows.inputs(StoryboardDesignInput)[-1]
    assert sent.custom_dialogue == ("别回头",)


async def test_dify_storyboard_create_answers_the_workflow_view(a: Api) -> None:
    """dify/storyboard-create answers workflowId, storyboard, visualSuggestions and status."""
    auth = await a.fresh_login()
    story_id = await a.story(auth)
    body = await a.ok(
        "POST",
        "/api/dify/storyboard-create",
        auth,
        json={
            "storyId": story_id,
            "userFrames": [{"order": 1, "sceneDescription": "甲板"}],
            "stylePrefs": {"palette": "暖色"},
        },
    )
    assert set(body) >= {"workflowId", "storyboard", "visualSuggestions", "status"}
    assert body["storyboard"]["storyId"] == story_id
    assert body["storyboard"]["stylePreference"] == {"palette": "暖色"}


async def test_user_fields_stay_unless_the_change_is_accepted(a: Api) -> None:
    """The AI's rewrite of a field you wrote is dropped, unless listed in acceptedChanges."""
    auth = await a.fresh_login()
    a.workflows.returns(
        Workflow.STORYBOARD_DESIGN,
        StoryboardDesignOutput("run-1", (Frame(order=1, scene_description="AI 的甲板"),), ()),
    )
    story_id = await a.story(auth)
    frames = {"storyId": story_id, "userFrames": [{"order": 1, "sceneDescription": "甲板"}]}
    kept = await a.ok("POST", "/api/storyboard/collaborative-create", auth, json=frames)
    assert kept["finalStoryboard"]["frames"][0]["sceneDescription"] == "甲板"
    accepted = await a.ok(
        "POST",
        "/api/storyboard/collaborative-create",
        auth,
        json={**frames, "acceptedChanges": [{"order": 1, "field": "sceneDescription"}]},
    )
    assert accepted["finalStoryboard"]["frames"][0]["sceneDescription"] == "AI 的甲板"


async def test_storyboard_create_rejects_bad_input(a: Api) -> None:
    """Bad enum values, too many items and over-long fields are 400 naming the field."""
    cases: list[tuple[dict[str, object], str]] = [
        ({"acceptedChanges": [{"order": 1, "field": "bogus"}]}, "acceptedChanges[0].field"),
        ({"userFrames": [{"order": 1}] * 61}, "userFrames"),
        ({"userFrames": [{"order": 0}]}, "userFrames[0].order"),
        ({"userFrames": [{"order": 1, "dialogue": "x" * 2001}]}, "userFrames[0].dialogue"),
        (
            {"userFrames": [{"order": 1, "visualEffects": ["雨"] * 21}]},
            "userFrames[0].visualEffects",
        ),
        ({"customDialogue": ["x"] * 61}, "customDialogue"),
        ({"title": ""}, "title"),
        ({"stylePreference": "冷色"}, "stylePreference"),
    ]
    user = await a.fresh()
    story_id = await a.story(user.headers)
    for extra, field in cases:
        answer = await a.client.post(
            "/api/storyboard/collaborative-create",
            headers=user.headers,
            json=board_body(story_id, **extra),
        )
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], extra
    assert a.rows("storyboards", user.id) == 0


async def test_storyboard_over_an_unknown_story_is_404(a: Api) -> None:
    """Both storyboard surfaces answer 404 not_found for a story that does not exist."""
    auth = await a.fresh_login()
    for path in ["/api/storyboard/collaborative-create", "/api/dify/storyboard-create"]:
        answer = await a.client.post(path, headers=auth, json=board_body(missing_id()))
        expect_error(answer, 404, "not_found")


async def test_storyboard_get_and_put_edit_with_versions(a: Api) -> None:
    """GET returns the storyboard; PUT with the read version edits title/frames and bumps it."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    got = await a.ok("GET", f"/api/storyboards/{board['id']}", auth)
    assert got["success"] is True
    assert got["storyboard"] == board
    edited = await a.ok(
        "PUT",
        f"/api/storyboards/{board['id']}",
        auth,
        json={"version": 1, "title": "雨夜", "frames": [{"order": 1, "camera": "特写"}]},
    )
    saved = edited["storyboard"]
    assert (saved["title"], saved["version"]) == ("雨夜", 2)
    assert [f["camera"] for f in saved["frames"]] == ["特写"]
    title_only = await a.ok(
        "PUT", f"/api/storyboards/{board['id']}", auth, json={"version": 2, "title": "夜"}
    )
    assert title_only["storyboard"]["frames"] == saved["frames"]


async def test_patch_edits_like_put(a: Api) -> None:
    """PATCH /api/storyboards/{id} edits with the same rules as PUT (absent fields stay)."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    body = await a.ok(
        "PATCH", f"/api/storyboards/{board['id']}", auth, json={"version": 1, "title": "改"}
    )
    assert (body["storyboard"]["title"], body["storyboard"]["version"]) == ("改", 2)
    assert body["storyboard"]["frames"] == board["frames"]


async def test_a_stale_storyboard_version_is_409(a: Api) -> None:
    """PUT, PATCH or overridden POST with a version no longer current: 409 conflict, no change."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    path = f"/api/storyboards/{board['id']}"
    for version, method in enumerate(["PUT", "PATCH", "POST"], start=1):
        override = {"X-HTTP-Method-Override": "PATCH"} if method == "POST" else {}
        await a.ok(method, path, {**auth, **override}, json={"version": version, "title": method})
        stale = await a.client.request(
            method, path, headers={**auth, **override}, json={"version": version, "title": "旧"}
        )
        expect_error(stale, 409, "conflict")
        current = (await a.ok("GET", path, auth))["storyboard"]
        assert (current["title"], current["version"]) == (method, version + 1)


async def test_method_override_patch_on_post_edits(a: Api) -> None:
    """POST with `X-HTTP-Method-Override: PATCH` edits the storyboard (wx.request has no PATCH)."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    body = await a.ok(
        "POST",
        f"/api/storyboards/{board['id']}",
        {**auth, "X-HTTP-Method-Override": "PATCH"},
        json={"version": 1, "title": "覆盖"},
    )
    assert (body["storyboard"]["title"], body["storyboard"]["version"]) == ("覆盖", 2)


async def test_post_without_the_override_header_is_refused(a: Api) -> None:
    """POST /api/storyboards/{id} without the override header is refused and edits nothing."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    path = f"/api/storyboards/{board['id']}"
    answer = await a.client.post(path, headers=auth, json={"version": 1, "title": "偷改"})
    assert answer.status_code in {400, 405}, answer.text
    expect_error(
        answer,
        answer.status_code,
        "validation_error" if answer.status_code == 400 else "method_not_allowed",
    )
    current = await a.ok("GET", path, auth)
    assert (current["storyboard"]["title"], current["storyboard"]["version"]) == (
        board["title"],
        1,
    )


async def test_an_override_to_another_method_is_405(a: Api) -> None:
    """`X-HTTP-Method-Override: DELETE` on the storyboard POST is 405 method_not_allowed."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    answer = await a.client.post(
        f"/api/storyboards/{board['id']}",
        headers={**auth, "X-HTTP-Method-Override": "DELETE"},
        json={"version": 1, "title": "删"},
    )
    expect_error(answer, 405, "method_not_allowed")


async def test_storyboard_edit_rejects_bad_bodies(a: Api) -> None:
    """Edits need a version >= 1; over-long titles, too many frames or wrong types are 400."""
    cases: list[tuple[dict[str, object], str | None]] = [
        ({"title": "无版本"}, None),
        ({"version": 0}, "version"),
        ({"version": 1, "title": "x" * 201}, "title"),
        ({"version": 1, "frames": [{"order": 1}] * 61}, "frames"),
        ({"version": 1, "frames": [{"order": 1, "camera": 3}]}, "frames[0].camera"),
    ]
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    for body, field in cases:
        answer = await a.client.put(f"/api/storyboards/{board['id']}", headers=auth, json=body)
        expect_error(answer, 400, "validation_error")
        if field is not None:
            assert fields(answer) == [field], body
    current = await a.ok("GET", f"/api/storyboards/{board['id']}", auth)
    assert current["storyboard"]["version"] == 1

"""Task-backed generation (monologue, voice, comic) on both surfaces; results, works, sharing."""

from __future__ import annotations

from pathlib import Path

import pytest

from npc_core.errors import UpstreamFailed
from npc_core.ports import VoiceInput, Workflow
from tests.unit.http.harness import (
    JSON,
    LIN_ZHOU,
    Api,
    Params,
    api,
    expect_error,
    fields,
    local,
    missing_id,
    monologue_body,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

TASK_KEYS = {"taskId", "status", "progress"}


async def _board_and_monologue(a: Api, auth: dict[str, str]) -> tuple[str, str]:
    board = await a.storyboard(auth)
    monologue = await a.monologue(auth, board["id"])
    return board["id"], monologue["monologueId"]


# --- monologue -------------------------------------------------------------------------------


async def test_monologue_by_default_waits_and_returns_the_full_result(a: Api) -> None:
    """Without `wait`, monologue/generate answers the full result: text, markers, timing, taskId."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    body = await a.ok("POST", "/api/monologue/generate", auth, json=monologue_body(board["id"]))
    assert body["success"] is True
    assert body["status"] == "completed"
    assert body["progress"] == 100
    assert body["taskId"]
    assert body["monologueText"]
    assert body["emotionMarkers"]
    assert {"position", "emotion", "intensity"} <= set(body["emotionMarkers"][0])
    assert body["timingInfo"]["totalDuration"] > 0
    stored = await a.ok("GET", f"/api/monologues/{body['monologueId']}", auth)
    assert stored["success"] is True
    assert stored["monologueText"] == body["monologueText"]
    assert stored["storyboardId"] == board["id"]
    assert stored["characterId"] == LIN_ZHOU
    assert stored["timingInfo"] == body["timingInfo"]


async def test_monologue_with_wait_zero_answers_processing_then_completes(a: Api) -> None:
    """`?wait=0` answers `processing` with a taskId on both surfaces; polling reaches completed."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    a.workflows.delay(Workflow.MONOLOGUE_GENERATION, 0.05)
    for path in ["/api/monologue/generate", "/api/dify/monologue-generate"]:
        answer = await a.client.post(
            path, params={"wait": 0}, headers=auth, json=monologue_body(board["id"])
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == "processing", path
        assert set(body) >= TASK_KEYS
        assert "monologueText" not in body
        status = await a.poll(auth, body["taskId"])
        assert status["status"] == "completed"
        assert status["success"] is True
        assert status["progress"] == 100
        assert status["taskType"] == "monologue_generation"
        assert status["result"]["monologueId"]
        assert status["error"] is None


async def test_dify_monologue_answers_the_workflow_view(a: Api) -> None:
    """dify/monologue-generate answers workflowId, monologue, emotionMarkers and status."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    body = await a.ok(
        "POST",
        "/api/dify/monologue-generate",
        auth,
        json=monologue_body(board["id"], emotionTone="忧郁"),
    )
    assert set(body) >= {"workflowId", "monologue", "emotionMarkers", "status", "taskId"}
    assert body["status"] == "completed"
    assert body["workflowId"]
    assert body["monologue"]


async def test_monologue_rejects_bad_input(a: Api) -> None:
    """`wait` beyond 0..25, too many context frames, over-long tone or wrong types are 400."""
    cases: list[tuple[Params, dict[str, object], str]] = [
        ({"wait": 30}, {}, "wait"),
        ({"wait": -1}, {}, "wait"),
        ({"wait": "soon"}, {}, "wait"),
        ({}, {"frameContext": [{}] * 61}, "frameContext"),
        ({}, {"frameContext": ["甲板"]}, "frameContext[0]"),
        ({}, {"emotionTone": "x" * 65}, "emotionTone"),
        ({}, {"storyboardId": 7}, "storyboardId"),
    ]
    user = await a.fresh()
    auth = user.headers
    for params, body, field in cases:
        answer = await a.client.post(
            "/api/monologue/generate",
            params=params,
            headers=auth,
            json={**monologue_body("sb"), **body},
        )
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], (params, body)
    assert a.rows("tasks", user.id) == 0


async def test_monologue_over_an_unknown_storyboard_is_404_and_costs_nothing(
    a: Api,
) -> None:
    """Both monologue surfaces answer 404 not_found for an unknown storyboard; no quota is used."""
    user = await a.fresh()
    auth = user.headers
    for path in ["/api/monologue/generate", "/api/dify/monologue-generate"]:
        answer = await a.client.post(path, headers=auth, json=monologue_body(missing_id()))
        expect_error(answer, 404, "not_found")
    assert await a.usage_today(auth) == 0
    assert a.rows("tasks", user.id) == 0


async def test_a_failed_monologue_task_answers_failed_with_the_error(a: Api) -> None:
    """When the workflow fails, the route answers status failed, success false and the error."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    used = await a.usage_today(auth)
    a.workflows.fail(Workflow.MONOLOGUE_GENERATION, UpstreamFailed("monologue", "boom"))
    body = await a.ok("POST", "/api/monologue/generate", auth, json=monologue_body(board["id"]))
    assert (body["status"], body["success"]) == ("failed", False)
    assert "boom" in body["error"]
    status = await a.poll(auth, body["taskId"])
    assert status["status"] == "failed"
    assert "boom" in status["error"]
    assert status["result"] is None
    assert await a.usage_today(auth) == used


async def test_an_unconfigured_monologue_workflow_fails_the_task_naming_the_setting(
    a: Api,
) -> None:
    """With no Dify key for it, the monologue task fails and its error names NPC_DIFY_KEY_*."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    a.workflows.not_configured(Workflow.MONOLOGUE_GENERATION)
    body = await a.ok("POST", "/api/monologue/generate", auth, json=monologue_body(board["id"]))
    assert body["status"] == "failed"
    assert "NPC_DIFY_KEY_MONOLOGUE_GENERATION" in body["error"]


# --- voice -----------------------------------------------------------------------------------


async def test_audio_synthesize_returns_a_playable_recording(a: Api) -> None:
    """audio/synthesize answers success, audioUrl, duration, audioId; the URL serves audio."""
    auth = await a.fresh_login()
    _, monologue_id = await _board_and_monologue(a, auth)
    body = await a.ok(
        "POST",
        "/api/audio/synthesize",
        auth,
        json={"monologueId": monologue_id, "voiceConfig": {"voice": "female-1"}},
    )
    assert body["success"] is True
    assert body["status"] == "completed"
    assert body["duration"] > 0
    assert body["audioId"]
    played = await a.client.get(local(body["audioUrl"]))
    assert played.status_code == 200
    assert played.headers["content-type"].startswith("audio/")
    assert played.content
    stored = await a.ok("GET", f"/api/audio/{body['audioId']}", auth)
    assert stored["monologueId"] == monologue_id
    assert stored["voiceConfig"]["voice"] == "female-1"
    assert stored["duration"] == body["duration"]


async def test_speed_and_pitch_rates_override_the_voice_config(a: Api) -> None:
    """`speedRate`/`pitchRate` win over voiceConfig's speed and pitch."""
    auth = await a.fresh_login()
    _, monologue_id = await _board_and_monologue(a, auth)
    await a.ok(
        "POST",
        "/api/audio/synthesize",
        auth,
        json={
            "monologueId": monologue_id,
            "voiceConfig": {"voice": "male-1", "speed": 1.0, "pitch": 1.0},
            "speedRate": 1.5,
            "pitchRate": 0.8,
        },
    )
    voice = a.workflows.inputs(VoiceInput)[-1].voice
    assert (voice.voice, voice.speed, voice.pitch) == ("male-1", 1.5, 0.8)


async def test_audio_with_wait_zero_answers_processing_then_completes(a: Api) -> None:
    """`?wait=0` on audio/synthesize answers processing; the task then completes with the audio."""
    auth = await a.fresh_login()
    _, monologue_id = await _board_and_monologue(a, auth)
    a.workflows.delay(Workflow.VOICE_SYNTHESIS, 0.05)
    answer = await a.client.post(
        "/api/audio/synthesize",
        params={"wait": 0},
        headers=auth,
        json={"monologueId": monologue_id, "voiceConfig": {}},
    )
    body = answer.json()
    assert (body["status"], body["success"]) == ("processing", True)
    status = await a.poll(auth, body["taskId"])
    assert status["status"] == "completed"
    assert status["result"]["audioId"]


async def test_dify_voice_synthesis_answers_the_workflow_view(a: Api) -> None:
    """dify/voice-synthesis answers workflowId, audioUrl, duration, status; `character` is sent."""
    auth = await a.fresh_login()
    _, monologue_id = await _board_and_monologue(a, auth)
    body = await a.ok(
        "POST",
        "/api/dify/voice-synthesis",
        auth,
        json={
            "monologueId": monologue_id,
            "voiceConfig": {"voice": "female-2"},
            "character": {"name": "林舟"},
        },
    )
    assert set(body) >= {"workflowId", "audioUrl", "duration", "status", "taskId"}
    assert body["status"] == "completed"
    assert a.workflows.inputs(VoiceInput)[-1].character == {"name": "林舟"}


async def test_audio_rejects_bad_voice_settings(a: Api) -> None:
    """Speed/pitch outside 0.5..2.0, empty voices and wrong types are 400 naming the field."""
    cases: list[tuple[dict[str, object], str]] = [
        ({"voiceConfig": {"speed": 5}}, "voiceConfig.speed"),
        ({"voiceConfig": {"pitch": 0.1}}, "voiceConfig.pitch"),
        ({"voiceConfig": {"voice": ""}}, "voiceConfig.voice"),
        ({"voiceConfig": {}, "speedRate": 3}, "speedRate"),
        ({"voiceConfig": {}, "pitchRate": "high"}, "pitchRate"),
        ({"voiceConfig": "female"}, "voiceConfig"),
    ]
    auth = await a.fresh_login()
    for body, field in cases:
        answer = await a.client.post(
            "/api/audio/synthesize", headers=auth, json={"monologueId": "m", **body}
        )
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], body


async def test_voice_for_an_unknown_monologue_is_404(a: Api) -> None:
    """Both voice surfaces answer 404 not_found for an unknown monologue."""
    auth = await a.fresh_login()
    for path in ["/api/audio/synthesize", "/api/dify/voice-synthesis"]:
        answer = await a.client.post(
            path, headers=auth, json={"monologueId": missing_id(), "voiceConfig": {}}
        )
        expect_error(answer, 404, "not_found")


async def test_a_file_url_with_a_bad_signature_is_404(a: Api) -> None:
    """A stored file's URL stops working when its signature is altered (404 not_found)."""
    auth = await a.fresh_login()
    _, monologue_id = await _board_and_monologue(a, auth)
    audio = await a.audio(auth, monologue_id)
    url = local(audio["audioUrl"])
    forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    expect_error(await a.client.get(forged), 404, "not_found")


# --- comic -----------------------------------------------------------------------------------


async def test_comic_generate_returns_the_share_page_and_config(a: Api) -> None:
    """comic/generate answers success, comicUrl (the share page), shareConfig and renderStatus."""
    auth = await a.fresh_login()
    made = await a.creation(auth)
    comic = made.comic
    assert comic["success"] is True
    assert comic["renderStatus"] == "completed"
    assert "/s/" in comic["comicUrl"]
    assert {"title", "description", "path"} <= set(comic["shareConfig"])
    page = await a.client.get(local(comic["comicUrl"]))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<audio" in page.text
    assert "<img" in page.text
    stored = await a.ok("GET", f"/api/comics/{comic['comicId']}", auth)
    assert stored["comicUrl"] == comic["comicUrl"]
    assert (stored["storyboardId"], stored["audioId"]) == (made.storyboard_id, made.audio_id)
    assert stored["panelUrls"]
    assert stored["timeline"]


async def test_comic_with_wait_zero_answers_processing_then_completes(a: Api) -> None:
    """`?wait=0` on comic/generate answers processing with taskId; the task then completes."""
    auth = await a.fresh_login()
    board_id, monologue_id = await _board_and_monologue(a, auth)
    audio = await a.audio(auth, monologue_id)
    a.workflows.delay(Workflow.COMIC_GENERATION, 0.05)
    answer = await a.client.post(
        "/api/comic/generate",
        params={"wait": 0},
        headers=auth,
        json={"storyboardId": board_id, "audioId": audio["audioId"]},
    )
    body = answer.json()
    assert body["status"] == "processing"
    assert body["taskId"]
    status = await a.poll(auth, body["taskId"])
    assert status["status"] == "completed"
    assert "/s/" in status["result"]["comicUrl"]


async def test_dify_comic_generate_answers_the_workflow_view(a: Api) -> None:
    """dify/comic-generate answers workflowId, comicUrl, taskId and status."""
    auth = await a.fresh_login()
    board_id, monologue_id = await _board_and_monologue(a, auth)
    audio = await a.audio(auth, monologue_id)
    body = await a.ok(
        "POST",
        "/api/dify/comic-generate",
        auth,
        json={
            "storyboardId": board_id,
            "audioId": audio["audioId"],
            "style": "watercolor",
            "syncConfig": {"mode": "auto"},
        },
    )
    assert set(body) >= {"workflowId", "comicUrl", "taskId", "status"}
    assert body["status"] == "completed"


async def test_comic_rejects_bad_input_and_unknown_ids(a: Api) -> None:
    """A wrong-typed styleConfig is 400 naming it; unknown storyboard or audio ids are 404."""
    auth = await a.fresh_login()
    bad = await a.client.post(
        "/api/comic/generate",
        headers=auth,
        json={"storyboardId": "s", "audioId": "a", "styleConfig": "manga"},
    )
    expect_error(bad, 400, "validation_error")
    assert fields(bad) == ["styleConfig"]
    board_id, monologue_id = await _board_and_monologue(a, auth)
    audio_id = (await a.audio(auth, monologue_id))["audioId"]
    for path in ["/api/comic/generate", "/api/dify/comic-generate"]:
        for body in [
            {"storyboardId": missing_id(), "audioId": audio_id},
            {"storyboardId": board_id, "audioId": missing_id()},
        ]:
            expect_error(await a.client.post(path, headers=auth, json=body), 404, "not_found")


# --- tasks -----------------------------------------------------------------------------------


async def test_task_status_carries_the_seed_fields_and_no_store(a: Api) -> None:
    """Task status answers success, status, progress, result, error with Cache-Control: no-store."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    monologue = await a.monologue(auth, board["id"])
    answer = await a.client.get(f"/api/tasks/status/{monologue['taskId']}", headers=auth)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body: JSON = answer.json()
    assert {"success", "status", "progress", "result", "error"} <= set(body)
    assert body["taskId"] == monologue["taskId"]
    assert body["result"]["monologueId"] == monologue["monologueId"]


async def test_an_unknown_task_is_404(a: Api) -> None:
    """Polling a task id that does not exist is 404 not_found."""
    auth = await a.fresh_login()
    answer = await a.client.get(f"/api/tasks/status/{missing_id()}", headers=auth)
    expect_error(answer, 404, "not_found")


async def test_unknown_results_are_404(a: Api) -> None:
    """Unknown monologue, audio or comic ids are 404 not_found."""
    auth = await a.fresh_login()
    for path in ["/api/monologues/{id}", "/api/audio/{id}", "/api/comics/{id}"]:
        answer = await a.client.get(path.format(id=missing_id()), headers=auth)
        expect_error(answer, 404, "not_found")


# --- works and sharing -----------------------------------------------------------------------


async def test_works_list_newest_first_and_paginate(a: Api) -> None:
    """My works list storyboard and comic works newest first, with total and hasMore."""
    auth = await a.fresh_login()
    board_id, monologue_id = await _board_and_monologue(a, auth)
    audio = await a.audio(auth, monologue_id)
    a.clock.advance(60)
    await a.comic(auth, board_id, audio["audioId"])
    body = await a.ok("GET", "/api/works", auth)
    assert body["success"] is True
    assert body["total"] == len(body["works"])
    assert {w["workType"] for w in body["works"]} >= {"storyboard", "comic"}
    assert body["works"][0]["workType"] == "comic"
    page = await a.ok("GET", "/api/works", auth, params={"pageSize": 1})
    assert (len(page["works"]), page["hasMore"], page["total"]) == (1, True, body["total"])
    expect_error(
        await a.client.get("/api/works", headers=auth, params={"pageSize": 1000}),
        400,
        "validation_error",
    )


async def test_a_work_can_be_read_and_deleted_once(a: Api) -> None:
    """GET /api/works/{id} shows the work; DELETE removes it; a second DELETE or GET is 404."""
    auth = await a.fresh_login()
    made = await a.creation(auth)
    work_id = made.comic["workId"]
    body = await a.ok("GET", f"/api/works/{work_id}", auth)
    assert body["work"]["id"] == work_id
    assert body["comicId"] == made.comic["comicId"]
    deleted = await a.ok("DELETE", f"/api/works/{work_id}", auth)
    assert deleted == {"success": True, "id": work_id}
    expect_error(await a.client.get(f"/api/works/{work_id}", headers=auth), 404, "not_found")
    expect_error(await a.client.delete(f"/api/works/{work_id}", headers=auth), 404, "not_found")


async def test_deleting_the_comic_work_takes_the_share_page_down(a: Api) -> None:
    """The share page is public HTML until its comic's work is deleted; then it is a 404 page."""
    auth = await a.fresh_login()
    made = await a.creation(auth)
    share = local(made.comic["comicUrl"])
    assert (await a.client.get(share)).status_code == 200
    await a.ok("DELETE", f"/api/works/{made.comic['workId']}", auth)
    gone = await a.client.get(share)
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("text/html")
    assert "<html" in gone.text
    expect_error(
        await a.client.get(f"/api/comics/{made.comic['comicId']}", headers=auth),
        404,
        "not_found",
    )


async def test_an_unknown_share_token_is_a_404_html_page(a: Api) -> None:
    """`/s/{unknown}` answers 404 with an HTML page, not the JSON envelope."""
    answer = await a.client.get("/s/no-such-token")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.text.lstrip().lower().startswith("<!doctype html")
    assert '"success"' not in answer.text


async def test_the_creation_chain_works_on_the_embedded_database(tmp_path: Path) -> None:
    """On the default SQLite database: the whole chain, works, ownership and the share page."""
    async with api(tmp_path, sql=True) as a:
        alice = await a.caller()
        bob = await a.caller("dev-bob")
        made = await a.creation(alice.headers)
        assert await a.works_of(alice.id) == 2
        assert (await a.client.get(local(made.comic["comicUrl"]))).status_code == 200
        for path in [
            f"/api/storyboards/{made.storyboard_id}",
            f"/api/monologues/{made.monologue_id}",
            f"/api/audio/{made.audio_id}",
            f"/api/comics/{made.comic['comicId']}",
            f"/api/works/{made.comic['workId']}",
        ]:
            await a.ok("GET", path, alice.headers)
            expect_error(await a.client.get(path, headers=bob.headers), 404, "not_found")
        ready = await a.ok("GET", "/ready", {})
        assert ready["checks"]["database"] == "ok"


async def test_dify_voice_and_comic_with_wait_zero_answer_processing(a: Api) -> None:
    """Dify voice and comic routes with `?wait=0` answer processing, then complete."""
    auth = await a.fresh_login()
    board_id, monologue_id = await _board_and_monologue(a, auth)
    a.workflows.delay(Workflow.VOICE_SYNTHESIS, 0.05).delay(Workflow.COMIC_GENERATION, 0.05)
    voice = await a.client.post(
        "/api/dify/voice-synthesis",
        params={"wait": 0},
        headers=auth,
        json={"monologueId": monologue_id, "voiceConfig": {}, "character": {}},
    )
    assert voice.json()["status"] == "processing"
    done = await a.poll(auth, voice.json()["taskId"])
    assert done["status"] == "completed"
    audio_id = done["result"]["audioId"]
    comic = await a.client.post(
        "/api/dify/comic-generate",
        params={"wait": 0},
        headers=auth,
        json={"storyboardId": board_id, "audioId": audio_id},
    )
    assert comic.json()["status"] == "processing"
    assert set(comic.json()) >= TASK_KEYS
    finished = await a.poll(auth, comic.json()["taskId"])
    assert finished["status"] == "completed"
    assert finished["result"]["comicUrl"]

"""Workflow outputs into the port's typed results; bad ones into UpstreamBadOutput."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.dify import outputs
from adapters.dify.files import FileRef, resolve
from npc_core.errors import UpstreamBadOutput
from npc_core.model import CharacterAnalysis, EmotionMarker, Frame, Relationship, StoryNode
from npc_core.model import TraitSuggestion as Trait

ANALYSIS = {"summary": "冷静", "motivations": ["守护"], "relationships": ["苏晚"], "arc": "成长"}


@pytest.mark.parametrize("as_string", [False, True])
def test_analysis_objects_and_arrays_come_as_values_or_json_strings(as_string: bool) -> None:
    """`analysis` and `traits` parse the same whether Dify sends objects or JSON strings."""
    traits = [{"name": "勇敢", "evidence": ["我来"], "confidence": 0.8}]
    raw: dict[str, Any] = {"analysis": ANALYSIS, "traits": traits}
    if as_string:
        raw = {k: json.dumps(v, ensure_ascii=False) for k, v in raw.items()}
    result = outputs.character_analysis("run-1", raw)
    assert result.run_id == "run-1"
    assert result.analysis == CharacterAnalysis("冷静", ("守护",), ("苏晚",), "成长")
    assert result.traits == (Trait("勇敢", ("我来",), 0.8),)


def test_traits_may_be_strings_or_objects_with_loose_fields() -> None:
    """Traits as strings, or objects with evidence as one string and confidence as text or %."""
    result = outputs.character_analysis(
        "r",
        {
            "analysis": ANALYSIS,
            "traits": [
                "幽默",
                {"name": "温柔", "evidence": "挡雨", "confidence": "0.7"},
                {"trait": "固执", "confidence": 85},
            ],
        },
    )
    assert result.traits == (
        Trait("幽默"),
        Trait("温柔", ("挡雨",), 0.7),
        Trait("固执", (), 0.85),
    )


def test_plain_text_analysis_is_its_summary() -> None:
    """A model that answers the analysis as prose gives a summary, not an error."""
    result = outputs.character_analysis("r", {"analysis": "他很孤独", "traits": []})
    assert result.analysis == CharacterAnalysis(summary="他很孤独")


def test_relationship_objects_become_text() -> None:
    """`relationships` items given as objects become readable text."""
    analysis = {**ANALYSIS, "relationships": [{"character": "苏晚", "relation": "青梅竹马"}]}
    result = outputs.character_analysis("r", {"analysis": analysis, "traits": []})
    assert result.analysis.relationships == ("苏晚：青梅竹马",)


@pytest.mark.parametrize(
    ("parse", "raw", "key"),
    [
        (outputs.character_analysis, {"traits": []}, "analysis"),
        (outputs.character_analysis, {"analysis": ANALYSIS}, "traits"),
        (outputs.dialogue_discussion, {"insights": []}, "ai_response"),
        (outputs.character_chat, {"emotion": "平静"}, "reply"),
        (outputs.story_reconstruct, {"suggestions": []}, "optimized_story"),
        (outputs.story_reconstruct, {"optimized_story": {}}, "optimized_story.nodes"),
        (outputs.storyboard_design, {"visual_suggestions": []}, "frames"),
        (outputs.monologue_generation, {"emotion_markers": []}, "monologue"),
    ],
)
def test_a_missing_required_output_names_workflow_and_key(
    parse: Any, raw: dict[str, Any], key: str
) -> None:
    """Missing (or null, or empty) required outputs are UpstreamBadOutput for that key."""
    with pytest.raises(UpstreamBadOutput) as caught:
        parse("r", raw)
    assert caught.value.key == key
    assert caught.value.code == "upstream_bad_output"
    assert caught.value.workflow in str(caught.value)


def test_null_outputs_are_all_missing() -> None:
    """`outputs: null` (what a failed run carries) is a missing output, not a crash."""
    with pytest.raises(UpstreamBadOutput, match="reply"):
        outputs.character_chat("r", None)


@pytest.mark.parametrize(
    ("raw", "key", "reason"),
    [
        ({"analysis": ANALYSIS, "traits": "{broken"}, "traits", "not valid JSON"),
        ({"analysis": ANALYSIS, "traits": {"a": 1}}, "traits", "expected an array"),
        ({"analysis": ANALYSIS, "traits": [3]}, "traits[0]", "a string or an object"),
        ({"analysis": ANALYSIS, "traits": ["x" * 40]}, "traits[0].name", "at most"),
        ({"analysis": ANALYSIS, "traits": [{"name": "a", "confidence": 7000}]}, "traits[0]", ""),
        ({"analysis": 5, "traits": []}, "analysis", "expected an object"),
    ],
)
def test_malformed_outputs_say_which_item_is_wrong(
    raw: dict[str, Any], key: str, reason: str
) -> None:
    """Wrong shapes and broken domain rules name the output down to the item."""
    with pytest.raises(UpstreamBadOutput) as caught:
        outputs.character_analysis("r", raw)
    assert caught.value.key.startswith(key)
    assert reason in str(caught.value)


def test_discussion_lists_accept_strings_objects_and_json() -> None:
    """Discussion lists (insights, personality_tags): strings, objects with text, JSON."""
    result = outputs.dialogue_discussion(
        "r",
        {
            "ai_response": " 很好 ",
            "insights": ["一", {"text": "二"}, "", None],
            "personality_tags": '["克制"]',
            "unknown_extra": 1,
        },
    )
    assert (result.ai_response, result.insights, result.personality_tags) == (
        "很好",
        ("一", "二"),
        ("克制",),
    )


def test_chat_emotion_is_optional() -> None:
    """A chat without `emotion` has emotion None."""
    assert outputs.character_chat("r", {"reply": "你好"}).emotion is None


def test_story_nodes_and_relationships_parse_in_either_spelling() -> None:
    """Nodes take character_ids or characterIds; relationships take type, kind or relation."""
    story = {
        "nodes": [{"id": "n1", "order": "1", "title": "登船", "characterIds": ["c1"]}],
        "relationships": [{"source": "n1", "target": "c1", "relation": "推动"}],
    }
    result = outputs.story_reconstruct(
        "r", {"optimized_story": json.dumps(story), "suggestions": [{"suggestion": "加冲突"}]}
    )
    assert result.nodes == (StoryNode("n1", 1, "登船", "", ("c1",)),)
    assert result.relationships == (Relationship("n1", "c1", "推动"),)
    assert result.suggestions == ("加冲突",)
    assert result.logic_issues == ()
    assert result.enhanced_monologue == ""


def test_a_node_with_a_fractional_order_is_bad_output() -> None:
    """An order of 1.5 breaks the node rules and names `optimized_story.nodes[0]`."""
    story = {"nodes": [{"id": "n1", "order": 1.5, "title": "t"}]}
    with pytest.raises(UpstreamBadOutput) as caught:
        outputs.story_reconstruct("r", {"optimized_story": story})
    assert caught.value.key == "optimized_story.nodes[0]"


def test_frames_parse_with_snake_or_camel_fields() -> None:
    """Frames: scene_description or sceneDescription; visual_effects a list or one string."""
    result = outputs.storyboard_design(
        "r",
        {
            "frames": [
                {"order": 1, "sceneDescription": "甲板", "visual_effects": "雨"},
                {"order": 2, "scene_description": "灯塔", "camera": "远景"},
            ],
            "visual_suggestions": ["冷色"],
        },
    )
    assert result.frames == (
        Frame(1, "甲板", visual_effects=("雨",)),
        Frame(2, "灯塔", camera="远景"),
    )


def test_a_frame_too_long_is_bad_output_naming_the_field() -> None:
    """A dialogue over the frame limit names `frames[0].dialogue`."""
    with pytest.raises(UpstreamBadOutput) as caught:
        outputs.storyboard_design("r", {"frames": [{"order": 1, "dialogue": "话" * 3000}]})
    assert caught.value.key == "frames[0].dialogue"


def test_monologue_markers_take_percent_intensity() -> None:
    """Emotion markers: position, emotion and intensity (80 read as 0.8; absent 0.5)."""
    result = outputs.monologue_generation(
        "r",
        {
            "monologue": "我是林舟。",
            "emotion_markers": [
                {"position": 0, "emotion": "平静"},
                {"position": 3, "emotion": "紧张", "intensity": 80, "length": 2},
            ],
        },
    )
    assert result.markers == (EmotionMarker(0, "平静", 0.5), EmotionMarker(3, "紧张", 0.8, 2))


def test_voice_takes_a_file_or_a_url_and_an_optional_duration() -> None:
    """Voice: audio (a file, or one in an array) or audio_url; duration number, text or none."""
    file = {"dify_model_identity": "__dify__file__", "url": "/files/a", "mime_type": "audio/mpeg"}
    assert outputs.voice_file({"audio": file, "duration": "3.5"}) == (
        FileRef("/files/a", "audio/mpeg"),
        "audio",
        3.5,
    )
    assert outputs.voice_file({"audio": [file]})[0].url == "/files/a"
    assert outputs.voice_file({"audio_url": "https://cdn/x.mp3", "duration": 0}) == (
        FileRef("https://cdn/x.mp3"),
        "audio_url",
        None,
    )


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({}, "audio"),
        ({"audio": {"type": "audio"}}, "audio"),
        ({"audio": 5}, "audio"),
        ({"audio_url": "x", "duration": "long"}, "duration"),
    ],
)
def test_voice_without_usable_audio_is_bad_output(raw: dict[str, Any], key: str) -> None:
    """No audio, a file object without url, a number, or a nonsense duration."""
    with pytest.raises(UpstreamBadOutput) as caught:
        outputs.voice_file(raw)
    assert caught.value.key == key


def test_comic_takes_panel_files_or_urls_in_order() -> None:
    """Comic: panels (file objects) or panel_urls (strings), kept in their order."""
    files = [{"url": f"/files/{i}", "mime_type": "image/png"} for i in range(3)]
    refs, key = outputs.comic_files({"panels": json.dumps(files)})
    assert key == "panels"
    assert [r.url for r in refs] == ["/files/0", "/files/1", "/files/2"]
    refs, key = outputs.comic_files({"panel_urls": ["/a.png", "/b.png"]})
    assert (key, [r.url for r in refs]) == ("panel_urls", ["/a.png", "/b.png"])
    with pytest.raises(UpstreamBadOutput) as caught:
        outputs.comic_files({"panel_urls": ["/a.png", 3]})
    assert caught.value.key == "panel_urls[1]"


def test_relative_file_urls_resolve_against_the_dify_origin() -> None:
    """`/files/...` joins the origin (not the /v1 base); absolute URLs stay; others refused."""
    origin = "https://dify.example.com:8443"
    assert resolve("/files/x?sign=1", origin) == "https://dify.example.com:8443/files/x?sign=1"
    assert resolve("https://oss.example.com/a.png", origin) == "https://oss.example.com/a.png"
    with pytest.raises(ValueError, match="http"):
        resolve("file:///etc/passwd", origin)

"""Outputs that follow npc's workflow contract, built from each run's inputs.

They use every accepted form at least once: objects and JSON strings of them, traits
as objects and as strings, files for audio and panels.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from tests.dify_server.files import ServerFile

MP3: Final = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8
PNG: Final = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SUMMARY: Final = "林舟外冷内热，习惯把担心藏在玩笑里。"
AI_RESPONSE: Final = "这句台词里，林舟用轻描淡写掩饰了不安。"
REPLY: Final = "我是林舟。海上起雾的时候，我总会想起那座灯塔。"
ENHANCED: Final = "我是林舟，雾里的灯光是我唯一的方向。"
MONOLOGUE: Final = "我是林舟。甲板上的风很冷，可我不能回头。雨就要来了。"


def _json(raw: object, default: object) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return default
    return default


def character_analysis(_: dict[str, Any]) -> Mapping[str, Any]:
    return {
        "analysis": {
            "summary": SUMMARY,
            "motivations": ["守护船上的人", "找到失踪的父亲"],
            "relationships": [{"character": "苏晚", "relation": "青梅竹马"}],
            "arc": "从逃避到担当",
        },
        "traits": json.dumps(
            [
                {"name": "坚韧", "evidence": ["我不会放弃"], "confidence": 0.9},
                {"name": "温柔", "evidence": "他替苏晚挡雨", "confidence": "0.7"},
                "幽默",
            ],
            ensure_ascii=False,
        ),
    }


def dialogue_discussion(_: dict[str, Any]) -> Mapping[str, Any]:
    return {
        "ai_response": AI_RESPONSE,
        "insights": ["轻描淡写是他的保护色", {"text": "他在乎别人的看法"}],
        "personality_tags": '["克制", "敏感"]',
    }


def character_chat(_: dict[str, Any]) -> Mapping[str, Any]:
    return {"reply": REPLY, "emotion": "怀念"}


def story_reconstruct(inputs: dict[str, Any]) -> Mapping[str, Any]:
    nodes = _json(inputs.get("story_nodes"), [])
    relationships = _json(inputs.get("relationships"), [])
    return {
        "optimized_story": json.dumps(
            {"nodes": nodes, "relationships": relationships}, ensure_ascii=False
        ),
        "suggestions": ["在登船之前加入一次争吵", {"suggestion": "让灯塔早一点出现"}],
        "logic_issues": [],
        "enhanced_monologue": ENHANCED,
    }


def storyboard_design(inputs: dict[str, Any]) -> Mapping[str, Any]:
    frames = _json(inputs.get("frames"), [])
    enhanced = [
        {
            "order": f.get("order", i + 1),
            "scene_description": f.get("scene_description") or f"AI 场景 {i + 1}",
            "dialogue": f.get("dialogue") or f"AI 台词 {i + 1}",
            "camera": "特写",
            "visual_effects": ["冷色调"],
        }
        for i, f in enumerate(frames)
    ]
    return {"frames": enhanced, "visual_suggestions": ["雨夜用蓝灰色调", "结尾留白"]}


def monologue_generation(_: dict[str, Any]) -> Mapping[str, Any]:
    return {
        "monologue": MONOLOGUE,
        "emotion_markers": [
            {"position": 0, "emotion": "平静", "intensity": 0.4},
            {"position": 5, "emotion": "紧张", "intensity": 80},
        ],
    }


def voice_synthesis(_: dict[str, Any]) -> Mapping[str, Any]:
    return {"audio": ServerFile(MP3, "audio/mpeg", "voice.mp3"), "duration": 4.2}


def comic_generation(inputs: dict[str, Any]) -> Mapping[str, Any]:
    frames = _json(inputs.get("frames"), [])
    return {
        "panels": [
            ServerFile(PNG + bytes([i]), "image/png", f"panel-{i + 1}.png")
            for i in range(len(frames))
        ]
    }


OUTPUTS: Final[dict[str, Callable[[dict[str, Any]], Mapping[str, Any]]]] = {
    "character_analysis": character_analysis,
    "dialogue_discussion": dialogue_discussion,
    "character_chat": character_chat,
    "story_reconstruct": story_reconstruct,
    "storyboard_design": storyboard_design,
    "monologue_generation": monologue_generation,
    "voice_synthesis": voice_synthesis,
    "comic_generation": comic_generation,
}

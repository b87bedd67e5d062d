"""The OpenAPI 3.1 document and its self-hosted docs page.

Every route of API.md is listed with its method; every seed table's field names appear in
that route's request and response schemas; errors are documented as the envelope.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import pytest_asyncio

from tests.unit.http.harness import JSON, Api, api
from tests.unit.http.routes import IMPLIED_ROUTES, SEED_ROUTES

pytestmark = pytest.mark.asyncio(loop_scope="module")


@attrs.frozen
class Docs:
    api: Api
    spec: JSON
    page: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def docs(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Docs]:
    """The running app, its OpenAPI document and its docs page."""
    path: Path = tmp_path_factory.mktemp("openapi")
    async with api(path) as a:
        spec = await a.client.get("/schema/openapi.json")
        assert spec.status_code == 200, spec.text
        page = await a.client.get("/schema")
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        yield Docs(a, spec.json(), page.text)


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operation(spec: JSON, method: str, path: str) -> JSON:
    by_template = {_template(p): ops for p, ops in spec["paths"].items()}
    ops = by_template.get(_template(path))
    assert ops is not None, f"{path} is not in the schema"
    operation = ops.get(method.lower())
    assert operation is not None, f"{method} {path} is not in the schema (has {sorted(ops)})"
    found: JSON = operation
    return found


def _resolve(spec: JSON, schema: JSON) -> JSON:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = spec["components"]["schemas"][name]
    return schema


def _properties(spec: JSON, schema: JSON) -> set[str]:
    """Top-level property names of a schema, through $ref, allOf/oneOf/anyOf."""
    schema = _resolve(spec, schema)
    names = set(schema.get("properties", {}))
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            names |= _properties(spec, part)
    return names


def _request_fields(spec: JSON, operation: JSON) -> set[str]:
    names = {p["name"] for p in operation.get("parameters", [])}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        names |= _properties(spec, body["schema"])
    return names


def _response_fields(spec: JSON, operation: JSON) -> set[str]:
    ok = operation["responses"]["200"]
    return _properties(spec, ok["content"]["application/json"]["schema"])


# The seed's section 4 tables: (method, path, request fields, response fields).
SEED_FIELDS: list[tuple[str, str, set[str], set[str]]] = [
    ("POST", "/api/auth/login", {"code"}, {"token", "userInfo"}),
    ("GET", "/api/movies/search", {"keyword"}, {"movies"}),
    ("GET", "/api/movies/{id}/dialogues", set(), {"dialogues"}),
    (
        "POST",
        "/api/dify/character-analysis",
        {"movieId", "characterId", "dialogues", "userContext"},
        {"workflowId", "analysis", "traits", "status"},
    ),
    (
        "POST",
        "/api/dify/dialogue-discussion",
        {"characterId", "dialogue", "userInsight", "sessionId"},
        {"workflowId", "aiResponse", "insights", "status"},
    ),
    (
        "POST",
        "/api/dify/story-reconstruct",
        {"movieId", "userStoryNodes", "userRelations"},
        {"workflowId", "optimizedStory", "suggestions", "status"},
    ),
    (
        "POST",
        "/api/dify/storyboard-create",
        {"storyId", "userFrames", "stylePrefs"},
        {"workflowId", "storyboard", "visualSuggestions", "status"},
    ),
    (
        "POST",
        "/api/dify/monologue-generate",
        {"storyboardId", "characterId", "frameContext", "emotionTone"},
        {"workflowId", "monologue", "emotionMarkers", "status"},
    ),
    (
        "POST",
        "/api/dify/voice-synthesis",
        {"monologueId", "voiceConfig", "character"},
        {"workflowId", "audioUrl", "duration", "status"},
    ),
    (
        "POST",
        "/api/dify/comic-generate",
        {"storyboardId", "audioId", "style", "syncConfig"},
        {"workflowId", "comicUrl", "taskId", "status"},
    ),
    (
        "POST",
        "/api/characters/dialogue-analysis",
        {"movieId", "characterId", "dialogue", "userInsight"},
        {"success", "aiAnalysis", "personalityTags", "collaborativeInsights"},
    ),
    (
        "POST",
        "/api/characters/collaborative-traits",
        {"characterId", "userTraits", "aiSuggestions"},
        {"success", "mergedTraits", "conflictResolution"},
    ),
    (
        "POST",
        "/api/chat/character",
        {"sessionId", "message", "characterId"},
        {"success", "reply", "emotion"},
    ),
    (
        "POST",
        "/api/story/collaborative-reconstruct",
        {"movieId", "characterId", "userStoryNodes", "userRelationships", "userMonologue"},
        {"success", "aiSuggestions", "optimizedStory", "enhancedMonologue"},
    ),
    (
        "POST",
        "/api/storyboard/collaborative-create",
        {"storyId", "userFrames", "stylePreference", "customDialogue"},
        {"success", "enhancedFrames", "visualSuggestions", "finalStoryboard"},
    ),
    (
        "POST",
        "/api/monologue/generate",
        {"storyboardId", "characterId", "frameContext", "emotionTone"},
        {"success", "monologueText", "emotionMarkers", "timingInfo"},
    ),
    (
        "POST",
        "/api/audio/synthesize",
        {"monologueId", "voiceConfig", "speedRate", "pitchRate"},
        {"success", "audioUrl", "duration", "audioId"},
    ),
    (
        "POST",
        "/api/comic/generate",
        {"storyboardId", "audioId", "styleConfig", "syncConfig"},
        {"success", "comicUrl", "shareConfig", "renderStatus"},
    ),
    (
        "GET",
        "/api/tasks/status/{taskId}",
        set(),
        {"success", "status", "progress", "result", "error"},
    ),
]


async def test_the_document_is_openapi_3_1(docs: Docs) -> None:
    """`/schema/openapi.json` is an OpenAPI 3.1 document with paths and component schemas."""
    assert docs.spec["openapi"].startswith("3.1")
    assert docs.spec["paths"]
    assert docs.spec["components"]["schemas"]


@pytest.mark.parametrize(
    ("method", "path"),
    SEED_ROUTES + IMPLIED_ROUTES,
    ids=[f"{m} {p}" for m, p in SEED_ROUTES + IMPLIED_ROUTES],
)
async def test_every_api_md_route_is_documented(docs: Docs, method: str, path: str) -> None:
    """Each route API.md lists is in the document with its method."""
    _operation(docs.spec, method, path)


async def test_the_storyboard_patch_routes_are_documented(docs: Docs) -> None:
    """PATCH and the POST override of /api/storyboards/{id} are documented too."""
    for method in ["PATCH", "POST"]:
        _operation(docs.spec, method, "/api/storyboards/{id}")


@pytest.mark.parametrize(
    ("method", "path", "request_fields", "response_fields"),
    SEED_FIELDS,
    ids=[f"{m} {p}" for m, p, _, _ in SEED_FIELDS],
)
async def test_seed_field_names_are_in_the_schemas(
    docs: Docs, method: str, path: str, request_fields: set[str], response_fields: set[str]
) -> None:
    """The seed table's request and response field names appear in the route's schemas."""
    operation = _operation(docs.spec, method, path)
    assert request_fields <= _request_fields(docs.spec, operation), (
        request_fields - _request_fields(docs.spec, operation)
    )
    assert response_fields <= _response_fields(docs.spec, operation), (
        response_fields - _response_fields(docs.spec, operation)
    )


def _api_operations(spec: JSON) -> list[tuple[str, str, JSON]]:
    return [
        (method.upper(), path, operation)
        for path, ops in spec["paths"].items()
        if path.startswith("/api/")
        for method, operation in ops.items()
    ]


async def test_documented_errors_are_the_envelope(docs: Docs) -> None:
    """Each documented /api 4xx/5xx is `{success, error: {code, message, details, requestId}}`."""
    spec = docs.spec
    for method, path, operation in _api_operations(spec):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert {"success", "error"} <= _properties(spec, schema), (method, path, status)
            error = _resolve(spec, _resolve(spec, schema)["properties"]["error"])
            assert {"code", "message", "details", "requestId"} <= _properties(spec, error), (
                method,
                path,
                status,
            )


def _protected(method: str, path: str) -> bool:
    public = ("/api/auth/login", "/api/movies/", "/api/characters/{")
    return not path.startswith(public) or (method == "POST" and path.startswith("/api/characters"))


async def test_protected_routes_document_401_and_ai_routes_429_and_5xx(docs: Docs) -> None:
    """Routes needing a token document 401; AI routes document 429, 502, 503 and 504."""
    ai_paths = {p for m, p in SEED_ROUTES if m == "POST" and p != "/api/auth/login"}
    for method, path, operation in _api_operations(docs.spec):
        statuses = set(operation["responses"])
        if _protected(method, path):
            assert "401" in statuses, (method, path, statuses)
        if path in ai_paths:
            assert {"429", "502", "503", "504"} <= statuses, (method, path, statuses)


async def test_the_chat_documents_its_event_stream(docs: Docs) -> None:
    """The chat's 200 offers text/event-stream whose events are chunk, done and error."""
    ok = _operation(docs.spec, "POST", "/api/chat/character")["responses"]["200"]
    stream: Any = _resolve(docs.spec, ok["content"]["text/event-stream"]["schema"])
    assert set(stream["properties"]["event"]["enum"]) == {"chunk", "done", "error"}
    parameters = _operation(docs.spec, "POST", "/api/chat/character").get("parameters", [])
    assert "stream" in {p["name"] for p in parameters}


async def test_list_routes_document_page_and_page_size(docs: Docs) -> None:
    """Paginated routes document `page` and `pageSize` (max 100) query parameters."""
    for path in ["/api/movies/search", "/api/movies/recommended", "/api/works"]:
        parameters = {p["name"]: p for p in _operation(docs.spec, "GET", path)["parameters"]}
        assert {"page", "pageSize"} <= set(parameters), path
        assert parameters["pageSize"]["schema"]["maximum"] == 100


def _asset_urls(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]""", page)


async def test_the_docs_page_loads_its_assets_from_the_app(docs: Docs) -> None:
    """The docs UI's script and stylesheet URLs are served by the app itself (200)."""
    urls = [u for u in _asset_urls(docs.page) if u.endswith((".js", ".css"))]
    assert len(urls) >= 2, urls
    for url in urls:
        assert url.startswith("/"), url
        answer = await docs.api.client.get(url)
        assert answer.status_code == 200, url
        assert len(answer.content) > 1000, url


async def test_the_docs_page_has_no_external_url(docs: Docs) -> None:
    """No src/href of the docs page points to another host (no CDN)."""
    external = [u for u in _asset_urls(docs.page) if re.match(r"(?i)^(https?:)?//", u)]
    assert external == []

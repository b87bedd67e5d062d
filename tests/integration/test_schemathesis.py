"""Schemathesis over the app's own OpenAPI schema, in process, with a valid token.

Every documented operation gets requests generated from `/schema/openapi.json` in three
passes: schema-valid data, schema-invalid data, and schema-valid data whose ids name
things that exist (made through the API first, so that success answers are checked too,
not only 404s). Each response must not be a 5xx and must match what the schema
documents: its status code, its content type, its body and its headers. The run is
derandomized, so CI sees the same requests every time, and the test counts the requests
it sent so that the figure it asserts is real.

`POST /api/chat/character?stream=1` answers `text/event-stream`: the schema documents that
content type for its 200 next to the JSON reply, with a schema for one event, and the
checks hold each event of the stream to it. `/files/{key}` (signed local-disk URLs) and
the docs' static assets are left out of the schema by the app itself, so no request is
generated for them here.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

import attrs
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.errors import FailureGroup

from adapters.memory import ManualClock, ScriptedWorkflowRunner
from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from entrypoints.settings import Secret, Settings

SECRET = "schemathesis-secret-schemathesis-secret-0123"
FERRY = "00000000-0000-4000-8000-00000000f001"  # a film of the demo library
LIN_ZHOU = "00000000-0000-4000-8000-00000000c001"  # one of its characters
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Examples per operation and pass: 37 operations and three passes ask for up to 1,665
# requests; operations with few possible inputs (none, or no invalid ones) get fewer.
EXAMPLES = 15
MIN_REQUESTS = 1_000
REPRO = 400  # characters of each reproduction shown in the report

AnyCase: TypeAlias = Case[Any]
Operation: TypeAlias = APIOperation[Any, Any, Any, Any]


@attrs.define
class Run:
    """What the run sent, how it was answered and what failed, by operation and pass."""

    auth: dict[str, str]
    requests: int = 0
    statuses: Counter[int] = attrs.field(factory=Counter)
    failures: dict[str, list[str]] = attrs.field(factory=dict)

    def call(self, case: AnyCase, label: str) -> None:
        """Send one generated request and run every check on its answer."""
        self.requests += 1
        response = case.call(headers=self.auth)
        self.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=self.auth)
        except FailureGroup as group:  # collected, so that every operation runs in full
            found = self.failures.setdefault(label, [])
            for failure in group.exceptions:
                lines = (getattr(failure, "message", "") or str(failure)).strip().splitlines()
                title = getattr(failure, "title", type(failure).__name__)
                what = f"[{response.status_code}] {title}: {lines[0] if lines else ''}"
                if not any(x.startswith(what) for x in found):
                    found.append(f"{what}\n      {case.as_curl_command()[:REPRO]}")

    def report(self) -> str:
        """Each failing operation with its distinct failures."""
        return "\n".join(
            f"{label}:\n  " + "\n  ".join(found) for label, found in sorted(self.failures.items())
        )


def _exercise(label: str, strategy: Any, call: Callable[[AnyCase, str], None]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def test(case: AnyCase) -> None:
        call(case, label)

    with contextlib.suppress(Unsatisfiable):  # no invalid input exists without parameters
        test()


def _post(schema: BaseSchema, auth: dict[str, str], path: str, body: Any) -> Any:
    answer = schema[path]["POST"].Case(body=body).call(headers=auth)
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()


def _seed(schema: BaseSchema, auth: dict[str, str]) -> dict[str, str]:
    """Make one of everything through the API; the ids by the names routes give them."""
    story = _post(
        schema,
        auth,
        "/api/story/collaborative-reconstruct",
        {
            "movieId": FERRY,
            "characterId": LIN_ZHOU,
            "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
        },
    )
    board = _post(
        schema,
        auth,
        "/api/storyboard/collaborative-create",
        {"storyId": story["storyId"], "userFrames": [{"order": 1, "sceneDescription": "甲板"}]},
    )["finalStoryboard"]
    monologue = _post(
        schema,
        auth,
        "/api/monologue/generate",
        {"storyboardId": board["id"], "characterId": LIN_ZHOU, "frameContext": []},
    )
    audio = _post(
        schema,
        auth,
        "/api/audio/synthesize",
        {"monologueId": monologue["monologueId"], "voiceConfig": {"voice": "female-1"}},
    )
    comic = _post(
        schema,
        auth,
        "/api/comic/generate",
        {"storyboardId": board["id"], "audioId": audio["audioId"]},
    )
    chat = _post(
        schema,
        auth,
        "/api/chat/character",
        {"sessionId": "seeded-chat", "message": "你好", "characterId": LIN_ZHOU},
    )
    ids = {
        "movie": FERRY,
        "character": LIN_ZHOU,
        "story": story["storyId"],
        "storyboard": board["id"],
        "work": board["workId"],
        "monologue": monologue["monologueId"],
        "audio": audio["audioId"],
        "comic": comic["comicId"],
        "task": comic["taskId"],
        "session": chat["sessionId"],
        "token": comic["comicUrl"].rpartition("/s/")[2],
    }
    by_name = {f"{kind}_id": value for kind, value in ids.items()}  # path parameters
    by_name |= {f"{kind}Id": value for kind, value in ids.items()}  # body fields
    by_name["token"] = ids["token"]
    return by_name


def _with(ids: Mapping[str, str]) -> Callable[[AnyCase], AnyCase]:
    """A generated case whose id parameters and body fields name existing things."""

    def seeded(case: AnyCase) -> AnyCase:
        for name in case.path_parameters or {}:
            if name in ids:
                case.path_parameters[name] = ids[name]
        if isinstance(case.body, dict):
            case.body |= {name: ids[name] for name in case.body if name in ids}
        return case

    return seeded


def _deleting_last(operation: Operation) -> bool:
    # Deleting the seeded work would turn the seeded pass's later answers into 404s.
    return operation.method.upper() == "DELETE"


def test_the_api_answers_as_its_schema_says(tmp_path: Path) -> None:
    """>= 1,000 generated requests: no 5xx, and every answer as documented."""
    settings_ = Settings(data_dir=tmp_path, jwt_secret=Secret(SECRET), free_daily_quota=1_000_000)
    app = create_app(build(settings_, workflows=ScriptedWorkflowRunner(), clock=ManualClock()))
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    token = _post(schema, {}, "/api/auth/login", {"code": "dev-schemathesis"})["token"]
    run = Run(auth={"Authorization": f"Bearer {token}"})
    ids = _seed(schema, run.auth)
    everything = [op for methods in schema.values() for op in methods.values()]
    operations: list[Operation] = sorted(everything, key=_deleting_last)
    started = time.perf_counter()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            _exercise(f"{operation.label} [{mode.value}]", strategy, run.call)
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        _exercise(f"{operation.label} [seeded]", strategy.map(_with(ids)), run.call)
    elapsed = time.perf_counter() - started
    print(  # noqa: T201 - the figures CI keeps in its log
        f"schemathesis: {run.requests} requests over {len(operations)} operations "
        f"in {elapsed:.0f} s; statuses {dict(sorted(run.statuses.items()))}"
    )
    assert not run.failures, f"{len(run.failures)} operation passes failed:\n{run.report()}"
    assert run.requests >= MIN_REQUESTS, run.requests

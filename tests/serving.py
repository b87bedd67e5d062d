"""Running `npc serve` in a test without a server: what it would have served is recorded."""

from __future__ import annotations

import pytest


def record_served(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The apps `npc serve` hands to the server from now on; logging left as pytest set it."""
    calls: list[object] = []
    monkeypatch.setattr("entrypoints.runtime.serve", lambda app, *_: calls.append(app))
    monkeypatch.setattr("entrypoints.http.logs.configure_logging", lambda **_: None)
    return calls

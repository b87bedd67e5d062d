"""The embedded default keeps a user's work across a killed and restarted server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

FERRY = "00000000-0000-4000-8000-00000000f001"
LIN_ZHOU = "00000000-0000-4000-8000-00000000c001"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(data_dir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "NPC_DATA_DIR": str(data_dir)}
    env = {k: v for k, v in env.items() if not k.startswith("NPC_") or k == "NPC_DATA_DIR"}
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-c",
            "from entrypoints.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("npc serve did not come up")
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def test_a_killed_server_restarts_with_the_users_chat_and_storyboard(tmp_path: Path) -> None:
    """SIGKILL mid-life, restart on the same data folder: token, chat and storyboard remain."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _server(tmp_path, port) as first:
        token = httpx.post(f"{base}/api/auth/login", json={"code": "dev-alice"}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        chat = httpx.post(
            f"{base}/api/chat/character",
            headers=auth,
            timeout=30,
            json={"sessionId": "s-restart", "message": "你好", "characterId": LIN_ZHOU},
        )
        assert chat.status_code == 200, chat.text
        story = httpx.post(
            f"{base}/api/story/collaborative-reconstruct",
            headers=auth,
            timeout=30,
            json={
                "movieId": FERRY,
                "characterId": LIN_ZHOU,
                "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
            },
        )
        assert story.status_code == 200, story.text
        board = httpx.post(
            f"{base}/api/storyboard/collaborative-create",
            headers=auth,
            timeout=30,
            json={
                "storyId": story.json()["storyId"],
                "userFrames": [{"order": 1, "sceneDescription": "甲板"}],
            },
        )
        assert board.status_code == 200, board.text
        board_id = board.json()["finalStoryboard"]["id"]
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    with _server(tmp_path, port):
        history = httpx.get(f"{base}/api/chat/sessions/s-restart", headers=auth)
        assert history.status_code == 200, history.text
        assert history.json()["messages"][0]["content"] == "你好"
        kept = httpx.get(f"{base}/api/storyboards/{board_id}", headers=auth)
        assert kept.status_code == 200, kept.text
        assert kept.json()["storyboard"]["frames"][0]["sceneDescription"] == "甲板"

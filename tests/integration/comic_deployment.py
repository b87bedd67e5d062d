"""An npc deployment on processes for the audio-comic tests, on local disk or on OSS.

`npc serve` and `npc worker` subprocesses share a MariaDB database, a Redis server and
the Dify-compatible test server, and store files either in one local folder
(NPC_STORAGE_DIR, the API serving it under /files) or in the loopback OSS-compatible
server (NPC_OSS_*), which checks the V4 signature of every request. The API's public
base URL is its real address, so share links and file URLs work from a browser.

`processes.serving` and `processes.working` start one process each, and `serving`
chooses its port itself; here the port must be known first (for NPC_PUBLIC_BASE_URL)
and both processes start together, so their parts are used one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path
from subprocess import Popen

import attrs

from tests.dify_server import DifyControl
from tests.integration.processes import (
    free_port,
    npc_env,
    start,
    stop,
    wait_until_serving,
    wait_until_working,
)
from tests.oss_server import FakeOss


class Storage(StrEnum):
    LOCAL = "local"
    OSS = "oss"


@attrs.frozen
class Deployment:
    """A running API and worker; where their files are; the log both write to."""

    base: str
    log: Path
    files_dir: Path | None = None  # local disk
    oss: FakeOss | None = None

    @property
    def file_origin(self) -> str:
        """Where clients fetch files from: the API's /files route, or the bucket."""
        if self.oss is None:
            return f"{self.base}/files/"
        return f"{self.oss.endpoint}/{self.oss.bucket}/"

    def stored_keys(self) -> set[str]:
        """The keys of every stored file (local disk: not the hidden content-type sidecars)."""
        if self.oss is not None:
            return set(self.oss.objects)
        assert self.files_dir is not None
        return {
            p.relative_to(self.files_dir).as_posix()
            for p in self.files_dir.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        }


def oss_settings(server: FakeOss) -> dict[str, str]:
    """The NPC_OSS_* variables that point npc at the loopback bucket."""
    return {
        "NPC_OSS_ENDPOINT": server.endpoint,
        "NPC_OSS_BUCKET": server.bucket,
        "NPC_OSS_REGION": server.region,
        "NPC_OSS_ACCESS_KEY_ID": server.access_key_id,
        "NPC_OSS_ACCESS_KEY_SECRET": server.access_key_secret,
    }


@contextmanager
def deployed(
    storage: Storage,
    folder: Path,
    database_url: str,
    redis_url: str,
    dify: tuple[str, DifyControl],
) -> Iterator[Deployment]:
    """API and worker processes on `storage`, until the block ends (the OSS server too)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "npc.log"
    with ExitStack() as stack:
        oss: FakeOss | None = None
        files_dir: Path | None = None
        if storage is Storage.OSS:
            oss = stack.enter_context(FakeOss())
            where = oss_settings(oss)
        else:
            files_dir = folder / "files"
            where = {"NPC_STORAGE_DIR": str(files_dir)}
        env = npc_env(
            folder / "data", database_url, redis_url, dify, NPC_PUBLIC_BASE_URL=base, **where
        )
        # Both processes start at once (imports take seconds); the API is stopped
        # gracefully, the worker killed: its graceful stop (running jobs finish, each
        # lane's wait for a job ends) is not what these tests are about.
        worker = start(["worker", "--concurrency", "4"], env, log)
        stack.callback(_kill, worker)
        server = start(["serve", "--port", str(port)], env, log)
        stack.callback(stop, server)
        wait_until_serving(base, server, log)
        wait_until_working(worker, log)
        yield Deployment(base, log, files_dir, oss)


def _kill(process: Popen[bytes]) -> None:
    process.kill()
    process.wait(10)

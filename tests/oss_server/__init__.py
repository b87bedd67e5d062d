"""An OSS-compatible server for tests, checking V4 signatures on every request."""

from tests.oss_server.server import FakeOss, ReceivedRequest, StoredFile
from tests.oss_server.signing import Rejected, Verifier, crc64, uri_encode

__all__ = [
    "FakeOss",
    "ReceivedRequest",
    "Rejected",
    "StoredFile",
    "Verifier",
    "crc64",
    "uri_encode",
]

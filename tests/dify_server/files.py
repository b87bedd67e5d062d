"""Files in outputs, as Dify serves them: file objects with signed, expiring URLs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import uuid
from typing import Any

import attrs


@attrs.frozen
class ServerFile:
    """A file an output carries; the server serves it under a signed, expiring URL.

    `served_as` overrides the content type of the download (default `mime_type`).
    """

    data: bytes
    mime_type: str
    filename: str
    served_as: str | None = None


def sign(key: bytes, file_id: str, timestamp: str, nonce: str) -> str:
    """Dify's file-preview signature: HMAC-SHA256, URL-safe base64."""
    message = f"file-preview|{file_id}|{timestamp}|{nonce}".encode()
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def signed_path(key: bytes, file_id: str, issued_at: float) -> str:
    """`/files/{id}/file-preview?timestamp=&nonce=&sign=`, issued at `issued_at`."""
    timestamp, nonce = str(int(issued_at)), os.urandom(16).hex()
    return (
        f"/files/{file_id}/file-preview?timestamp={timestamp}&nonce={nonce}"
        f"&sign={sign(key, file_id, timestamp, nonce)}"
    )


def valid(key: bytes, file_id: str, query: dict[str, str], ttl: float) -> bool:
    """Whether a download's signature is right and not expired."""
    timestamp, nonce, given = query.get("timestamp", ""), query.get("nonce", ""), query.get("sign")
    if not timestamp.isdigit() or given is None:
        return False
    if not hmac.compare_digest(sign(key, file_id, timestamp, nonce), given):
        return False
    return time.time() - int(timestamp) <= ttl


def file_object(file: ServerFile, file_id: str, url: str) -> dict[str, Any]:
    """The object Dify puts in outputs for a file."""
    kind = file.mime_type.split("/", 1)[0]
    return {
        "dify_model_identity": "__dify__file__",
        "id": None,
        "tenant_id": str(uuid.uuid4()),
        "type": kind if kind in {"image", "audio", "video"} else "document",
        "transfer_method": "tool_file",
        "remote_url": None,
        "related_id": file_id,
        "filename": file.filename,
        "extension": "." + file.filename.rsplit(".", 1)[-1],
        "mime_type": file.mime_type,
        "size": len(file.data),
        "url": url,
    }

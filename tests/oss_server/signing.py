r"""OSS signature V4 as the server checks it, and the CRC-64 OSS reports for objects.

Written from Aliyun's description of V4 ("Include a V4 signature in the Authorization
header", and its query-string form for presigned URLs) and checked against oss2's
`ProviderAuthV4`:

    CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
                       AdditionalHeaders \n HashedPayload
    CanonicalURI     = uri-encode("/" bucket "/" key), "/" kept
    CanonicalQuery   = sorted "k=v" (or "k" when v is empty), both uri-encoded, joined by "&"
    CanonicalHeaders = sorted "name:value\n" of every x-oss-* header, content-type,
                       content-md5 and the additional headers, names lowercased
    StringToSign     = "OSS4-HMAC-SHA256" \n time \n Scope \n hex(sha256(CanonicalRequest))
    Scope            = date "/" region "/oss/aliyun_v4_request"
    SigningKey       = HMAC chain of "aliyun_v4" + secret over date, region, "oss",
                       "aliyun_v4_request"
    Signature        = hex(HMAC-SHA256(SigningKey, StringToSign))
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

ALGORITHM: Final = "OSS4-HMAC-SHA256"
PRODUCT: Final = "oss"
TERMINATOR: Final = "aliyun_v4_request"
UNSIGNED_PAYLOAD: Final = "UNSIGNED-PAYLOAD"
TIME_FORMAT: Final = "%Y%m%dT%H%M%SZ"
MAX_SKEW: Final = timedelta(minutes=15)  # OSS refuses header-signed requests older than this
MAX_EXPIRES: Final = 7 * 24 * 3600
ALWAYS_SIGNED: Final = frozenset({"content-type", "content-md5"})
_UNRESERVED: Final = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
)


class Rejected(Exception):
    """The request is refused: HTTP `status` with an OSS error `code`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"{status} {code}: {message}")


def uri_encode(text: str, *, keep_slash: bool = False) -> str:
    """Percent-encode every byte but A-Z a-z 0-9 - _ . ~ (and "/" when kept), upper-case hex."""
    return "".join(
        chr(byte) if byte in _UNRESERVED or (keep_slash and byte == ord("/")) else f"%{byte:02X}"
        for byte in text.encode("utf-8")
    )


def canonical_request(
    method: str,
    bucket: str,
    key: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    additional: Sequence[str],
) -> str:
    """The canonical request; `headers` have lowercase names, `query` excludes the signature."""
    uri = uri_encode(f"/{bucket}/{key}" if bucket else "/", keep_slash=True)
    pairs = sorted((uri_encode(k), uri_encode(v)) for k, v in query)
    canonical_query = "&".join(f"{k}={v}" if v else k for k, v in pairs)
    extra = set(additional)
    signed = sorted(
        (name, value.strip())
        for name, value in headers.items()
        if name.startswith("x-oss-") or name in ALWAYS_SIGNED or name in extra
    )
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in signed)
    payload = headers.get("x-oss-content-sha256", UNSIGNED_PAYLOAD)
    return "\n".join(
        [method, uri, canonical_query, canonical_headers, ";".join(sorted(extra)), payload]
    )


def signature(secret: str, when: str, region: str, request: str) -> str:
    """The V4 signature of a canonical request made at `when` (ISO 8601 basic, UTC)."""
    date = when[:8]
    scope = f"{date}/{region}/{PRODUCT}/{TERMINATOR}"
    to_sign = "\n".join(
        [ALGORITHM, when, scope, hashlib.sha256(request.encode("utf-8")).hexdigest()]
    )
    key = f"aliyun_v4{secret}".encode()
    for part in (date, region, PRODUCT, TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


@attrs.frozen
class Credential:
    access_key_id: str
    date: str
    region: str


@attrs.frozen
class Verifier:
    """Checks requests against the keys and the region the server was configured with."""

    secrets: Mapping[str, str]  # access key id -> secret
    region: str

    def header_signed(
        self,
        method: str,
        bucket: str,
        key: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        now: datetime,
    ) -> str:
        """The access key id of a request signed in its Authorization header; `Rejected` if not."""
        fields = _authorization_fields(headers.get("authorization", ""))
        credential = self._credential(fields.get("Credential", ""))
        when = headers.get("x-oss-date", "")
        signed_at = _parse_time(when)
        if credential.date != when[:8]:
            raise Rejected(403, "SignatureDoesNotMatch", "credential date is not x-oss-date's")
        if abs(now - signed_at) > MAX_SKEW:
            raise Rejected(403, "RequestTimeTooSkewed", "x-oss-date is too far from now")
        if "x-oss-content-sha256" not in headers:
            raise Rejected(400, "InvalidArgument", "x-oss-content-sha256 is required")
        additional = _header_list(fields.get("AdditionalHeaders", ""), headers)
        request = canonical_request(method, bucket, key, query, headers, additional)
        self._compare(credential, when, request, fields.get("Signature", ""))
        return credential.access_key_id

    def presigned(
        self,
        method: str,
        bucket: str,
        key: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        now: datetime,
    ) -> str:
        """The access key id of a presigned URL's request; `Rejected` if forged or expired."""
        params = dict(query)
        if params.get("x-oss-signature-version") != ALGORITHM:
            raise Rejected(400, "InvalidArgument", "x-oss-signature-version must be " + ALGORITHM)
        credential = self._credential(params.get("x-oss-credential", ""))
        when = params.get("x-oss-date", "")
        signed_at = _parse_time(when)
        if credential.date != when[:8]:
            raise Rejected(403, "SignatureDoesNotMatch", "credential date is not x-oss-date's")
        expires = params.get("x-oss-expires", "")
        if not expires.isdigit() or not 0 < int(expires) <= MAX_EXPIRES:
            raise Rejected(400, "InvalidArgument", "x-oss-expires must be 1-604800 seconds")
        if now > signed_at + timedelta(seconds=int(expires)):
            raise Rejected(403, "AccessDenied", "Request has expired.")
        if signed_at - now > MAX_SKEW:
            raise Rejected(403, "RequestTimeTooSkewed", "x-oss-date is in the future")
        additional = _header_list(params.get("x-oss-additional-headers", ""), headers)
        unsigned = [(k, v) for k, v in query if k != "x-oss-signature"]
        request = canonical_request(method, bucket, key, unsigned, headers, additional)
        self._compare(credential, when, request, params.get("x-oss-signature", ""))
        return credential.access_key_id

    def _credential(self, value: str) -> Credential:
        parts = value.split("/")
        if len(parts) != 5 or parts[3] != PRODUCT or parts[4] != TERMINATOR:
            raise Rejected(400, "InvalidArgument", f"malformed credential {value!r}")
        access_key_id, date, region = parts[:3]
        if access_key_id not in self.secrets:
            raise Rejected(
                403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist"
            )
        if region != self.region:
            raise Rejected(
                400, "InvalidArgument", f"credential region {region!r} is not {self.region!r}"
            )
        return Credential(access_key_id, date, region)

    def _compare(self, credential: Credential, when: str, request: str, given: str) -> None:
        secret = self.secrets[credential.access_key_id]
        expected = signature(secret, when, credential.region, request)
        if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
            raise Rejected(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )


def _authorization_fields(value: str) -> dict[str, str]:
    if not value.startswith(ALGORITHM + " "):
        raise Rejected(403, "AccessDenied", "an OSS4-HMAC-SHA256 Authorization header is required")
    fields = {}
    for part in value.removeprefix(ALGORITHM + " ").split(","):
        name, sep, field = part.strip().partition("=")
        if not sep:
            raise Rejected(400, "InvalidArgument", f"malformed Authorization part {part!r}")
        fields[name] = field
    if "Credential" not in fields or "Signature" not in fields:
        raise Rejected(400, "InvalidArgument", "Authorization needs Credential and Signature")
    return fields


def _header_list(value: str, headers: Mapping[str, str]) -> list[str]:
    names = [n.strip().lower() for n in value.split(";") if n.strip()]
    missing = [n for n in names if n not in headers]
    if missing:
        raise Rejected(400, "InvalidArgument", f"additional headers not sent: {missing}")
    return names


def _parse_time(value: str) -> datetime:
    try:
        return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise Rejected(400, "InvalidArgument", f"bad x-oss-date {value!r}") from None


# CRC-64/XZ (ECMA-182 polynomial, reflected, all-ones start and final xor): OSS's
# x-oss-hash-crc64ecma, which oss2 compares with its own after every transfer.
_CRC64_POLY: Final = 0xC96C5795D7870F42
_CRC64_MASK: Final = (1 << 64) - 1


def _crc64_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (_CRC64_POLY if crc & 1 else 0)
        table.append(crc)
    return tuple(table)


_CRC64_TABLE: Final = _crc64_table()


def crc64(data: bytes) -> int:
    """OSS's CRC-64 of `data`."""
    crc = _CRC64_MASK
    for byte in data:
        crc = _CRC64_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ _CRC64_MASK

r"""Text handling shared by the parsers: decoding, line ends, over-long lines.

Film files come from everywhere: UTF-8 with or without a BOM, GB18030 from Chinese
subtitle sites, cp1252 or ISO-8859-1 from old corpora. `decode` tries them in that
order. GB18030 accepts most byte soups, so it is taken only when the characters it
yields are mostly common Chinese ones: Latin-1 text (`l\xe9on`) then falls through to
cp1252 instead of turning into rare ideographs.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from pathlib import Path

import attrs

logger = logging.getLogger(__name__)

# Share of non-ASCII characters that must be common (GB2312) Chinese for GB18030 to win.
_GB_PLAUSIBLE = 0.9
_GB2312_FIRST = 0xA1  # both bytes of a GB2312 character are in 0xA1-0xFE

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@attrs.frozen
class Decoded:
    """A file's text and the encoding it was read with (for debug output only)."""

    text: str
    encoding: str


def _plausible_gb(text: str) -> bool:
    wide = Counter(c for c in text if c > "\x7f")
    total = sum(wide.values())
    common = 0
    for char, count in wide.items():
        raw = char.encode("gb18030")
        if len(raw) == 2 and raw[0] >= _GB2312_FIRST and raw[1] >= _GB2312_FIRST:  # noqa: PLR2004
            common += count
    return total > 0 and common >= _GB_PLAUSIBLE * total


def decode(data: bytes, *, partial: bool = False) -> Decoded:
    """Text of `data`: a BOM's encoding, else UTF-8, GB18030, cp1252, ISO-8859-1.

    `partial` data is the start of a file, which may end inside a UTF-8 character:
    that incomplete tail is dropped rather than taken as a sign of another encoding.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError:
                break  # a BOM-looking start that lies: try the rest
    try:
        if partial:
            return Decoded(codecs.getincrementaldecoder("utf-8")().decode(data), "utf-8")
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        if _plausible_gb(text):
            return Decoded(text, "gb18030")
    try:
        return Decoded(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return Decoded(data.decode("iso-8859-1"), "iso-8859-1")  # maps every byte


def read_text(path: Path) -> Decoded:
    """The decoded text of the file at `path` (an encoding other than UTF-8 is logged at
    debug level: it is worth knowing, not a problem).
    """  # noqa: D205
    decoded = decode(path.read_bytes())
    if decoded.encoding != "utf-8":
        logger.debug("%s read as %s", path, decoded.encoding)
    return decoded


def split_lines(text: str) -> list[str]:
    r"""Lines of `text` with CRLF, CR or LF ends (not `str.splitlines`, which also cuts at
    form feeds and \x85, characters that old files hold inside lines).
    """  # noqa: D205
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def collapse(text: str) -> str:
    """`text` with runs of whitespace (no-break spaces included) turned into one space."""
    return " ".join(text.split())


# A sentence ends at 。！？ (Chinese needs no space after them) or at .!? followed by
# whitespace or the end; closing quotes and brackets stay with their sentence.
_SENTENCE_END = re.compile(
    r"[。！？]+[”’」』）)\"']*\s*|[.!?…]+[”’」』）)\"'\]]*(?:\s+|$)",
)


def sentences(text: str) -> list[tuple[str, str]]:
    """`text` cut after each sentence: (sentence, whitespace that followed it) pairs.

    Joining every sentence and its whitespace gives `text` back exactly.
    """
    parts: list[tuple[str, str]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() == match.start():
            continue
        end = match.start() + len(match.group().rstrip())
        parts.append((text[start:end], text[end : match.end()]))
        start = match.end()
    if start < len(text):
        parts.append((text[start:], ""))
    return parts


def split_long(text: str, limit: int) -> list[str]:
    """`text` as pieces of at most `limit` characters, cut only at sentence ends.

    Sentences are packed greedily; the whitespace at a cut is dropped and nothing else,
    so the pieces joined with that whitespace give `text` back. A single sentence over
    `limit` stays whole: the caller reports it instead of cutting it silently.
    """
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    gap = ""
    for sentence, space in sentences(text):
        if current and len(current) + len(gap) + len(sentence) <= limit:
            current += gap + sentence
        else:
            if current:
                pieces.append(current)
            current = sentence
        gap = space
    if current:
        pieces.append(current)
    return pieces

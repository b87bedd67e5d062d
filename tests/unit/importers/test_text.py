"""Decoding, line ends and the splitting of over-long lines, shared by every parser."""

from __future__ import annotations

import codecs

from hypothesis import assume, given
from hypothesis import strategies as st

from adapters.importers.text import decode, sentences, split_lines, split_long

# Common Chinese characters (GB2312 level 1, rows 0xB0-0xD7) plus Chinese punctuation:
# what GB18030-encoded subtitles and scripts are made of.
_HANZI = [
    bytes([row, cell]).decode("gb2312")
    for row in range(0xB0, 0xD8)
    for cell in range(0xA1, 0xFF)
    if not (row == 0xD7 and cell > 0xF9)  # row 0xD7 ends at 0xF9
]
CHINESE = st.text(
    alphabet=st.sampled_from([*_HANZI, "，", "。", "！", "？", "“", "”", " ", "\n", "A", "1"]),
    min_size=1,
    max_size=60,
)


@given(st.text(max_size=200))
def test_any_utf8_text_decodes_back(text: str) -> None:
    """Whatever the text, its UTF-8 bytes (with or without a BOM) decode to it, as UTF-8."""
    plain = decode(text.encode("utf-8"))
    with_bom = decode(codecs.BOM_UTF8 + text.encode("utf-8"))
    assert (plain.text, with_bom.text) == (text, text)
    assert plain.encoding == "utf-8"


@given(CHINESE)
def test_chinese_text_in_gb18030_decodes_back(text: str) -> None:
    """Chinese text saved as GB18030 (not also valid UTF-8) decodes to the same text."""
    raw = text.encode("gb18030")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        assume(condition=False)  # bytes valid in both encodings are UTF-8 by precedence
    decoded = decode(raw)
    assert decoded.text == text
    assert decoded.encoding == "gb18030"


def test_latin1_text_is_not_mistaken_for_gb18030() -> None:
    """`léon` in ISO-8859-1 is also valid GB18030 bytes, but is read as Latin text."""
    decoded = decode("m114 +++$+++ léon +++$+++ 1994".encode("iso-8859-1"))
    assert decoded.text == "m114 +++$+++ léon +++$+++ 1994"
    assert decoded.encoding == "cp1252"


def test_bytes_cp1252_cannot_map_fall_back_to_iso_8859_1() -> None:
    """0x81 has no cp1252 character; ISO-8859-1 still maps every byte."""
    decoded = decode(b"caf\xe9 \x81")
    assert decoded.text == "café \x81"
    assert decoded.encoding == "iso-8859-1"


def test_utf16_with_bom_is_read() -> None:
    """Subtitles saved by Windows tools as UTF-16 (with a BOM) decode too."""
    assert decode("第一行\r\n".encode("utf-16")).text == "第一行\r\n"


@given(st.lists(st.text(alphabet=st.characters(exclude_characters="\r\n")), min_size=1))
def test_lines_split_the_same_with_any_line_end(lines: list[str]) -> None:
    r"""LF, CRLF and lone CR give the same lines; form feeds and \x85 stay inside lines."""
    for end in ("\n", "\r\n", "\r"):
        assert split_lines(end.join(lines)) == lines


def test_lines_keep_characters_splitlines_would_cut_at() -> None:
    """A form feed inside a line does not end it (str.splitlines would)."""
    assert split_lines("a\x0cb\x85c\r\nd") == ["a\x0cb\x85c", "d"]


SENTENCEY = st.text(
    alphabet=st.sampled_from(["a", "b", "字", " ", "\t", ".", "!", "?", "。", "！", "”", "\n"]),
    max_size=300,
)


@given(SENTENCEY)
def test_sentences_give_the_text_back(text: str) -> None:
    """Sentences and the whitespace after each, joined, are exactly the text."""
    assert "".join(s + gap for s, gap in sentences(text)) == text


@given(SENTENCEY, st.integers(min_value=1, max_value=40))
def test_splitting_loses_only_the_whitespace_at_cuts(text: str, limit: int) -> None:
    """Pieces appear in order in the text, separated only by whitespace: nothing is lost.

    Each piece is at most `limit` long unless it is a single sentence (which the caller
    reports), and no piece is empty; a text that fits is its own single piece.
    """
    pieces = split_long(text, limit)
    if len(text) <= limit:
        assert pieces == [text]
        return
    rest = text
    for index, piece in enumerate(pieces):
        assert piece
        if index:
            gap = rest[: len(rest) - len(rest.lstrip())]
            rest = rest[len(gap) :]
        assert rest.startswith(piece)
        rest = rest[len(piece) :]
        if len(piece) > limit:
            assert len(sentences(piece)) == 1
    assert not rest.strip()


def test_long_chinese_line_splits_after_full_stops() -> None:
    """Chinese sentences need no space after 。！？ to be split there."""
    text = "第一句很长。" * 3 + "最后一句！"
    pieces = split_long(text, 13)
    assert pieces == ["第一句很长。第一句很长。", "第一句很长。最后一句！"]


def test_decimal_points_and_abbreviations_inside_words_are_not_sentence_ends() -> None:
    """`3.14` is not cut: a Latin sentence end needs whitespace after it."""
    assert sentences("Pi is 3.14 today. Yes") == [("Pi is 3.14 today.", " "), ("Yes", "")]


@given(st.text(min_size=1, max_size=50), st.integers(min_value=1, max_value=3))
def test_a_read_cut_inside_a_character_is_still_utf8(text: str, cut: int) -> None:
    """A file's first bytes cut inside a UTF-8 character still decode as UTF-8.

    Read as partial data, they give a prefix of the text.
    """
    raw = (text + "字").encode("utf-8")[:-cut]  # 字 is 3 bytes: cut 1-3 of them
    decoded = decode(raw, partial=True)
    assert decoded.encoding == "utf-8"
    assert (text + "字").startswith(decoded.text)

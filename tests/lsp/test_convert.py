"""Position conversion on ASCII and non-ASCII lines, in all three LSP encodings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from migc.lsp.convert import UTF8, UTF16, UTF32, LineIndex, normalize_encoding
from migc.source import SourceFile

P = types.Position


def test_ascii_offsets_and_positions_round_trip():
    text = "ab\ncd\n\nef"
    index = LineIndex(text)
    assert index.position(0) == P(line=0, character=0)
    assert index.position(3) == P(line=1, character=0)
    assert index.position(6) == P(line=2, character=0)
    assert index.position(len(text)) == P(line=3, character=2)
    assert index.offset(P(line=1, character=1)) == 4


def test_emoji_counts_two_utf16_units_one_code_point():
    text = 'let x = "😀a"\n'
    index = LineIndex(text)
    a = text.index("a")
    assert index.position(a) == P(line=0, character=a + 1)  # the emoji is a surrogate pair
    assert index.offset(P(line=0, character=a + 1)) == a
    # a column inside the surrogate pair is the start of the emoji
    assert index.offset(P(line=0, character=a)) == a - 1
    assert LineIndex(text, UTF32).position(a) == P(line=0, character=a)
    assert LineIndex(text, UTF8).position(a) == P(line=0, character=a + 3)


def test_cjk_is_one_utf16_unit_and_three_utf8_bytes():
    text = '"東京" -> x'
    arrow = text.index("->")
    assert LineIndex(text).position(arrow) == P(line=0, character=arrow)
    assert LineIndex(text, UTF8).position(arrow) == P(line=0, character=arrow + 4)
    assert LineIndex(text, UTF8).offset(P(line=0, character=arrow + 4)) == arrow
    # inside the bytes of 京: the start of the character
    assert LineIndex(text, UTF8).offset(P(line=0, character=5)) == 2


def test_combining_marks_are_separate_code_points():
    text = 'e\u0301x = 1'  # é written as e + combining acute
    index = LineIndex(text)
    assert index.position(text.index("x")) == P(line=0, character=2)
    assert index.offset(P(line=0, character=2)) == 2


def test_columns_past_the_line_end_clamp_to_the_line_and_lines_past_the_end_to_the_text():
    text = "ab\r\ncd"
    index = LineIndex(text)
    assert index.offset(P(line=0, character=99)) == 2  # before the \r\n
    assert index.offset(P(line=9, character=0)) == len(text)
    assert index.line_text(0) == "ab"


def test_spans_convert_by_offsets_and_agree_with_their_line_and_column():
    text = "# ☃ snow\nlet 名前 = \"😀\"\nlet b = 名前\n"
    source = SourceFile("t.mig", text)
    start = text.index("名前", 20)
    span = source.span(start, start + 2)
    index = LineIndex(text)
    by_offsets = index.span_range(span)
    assert by_offsets.start == index.point(span.line, span.column)
    assert by_offsets.end == index.point(span.end_line, span.end_column)
    assert by_offsets == types.Range(start=P(line=2, character=8), end=P(line=2, character=10))


def test_normalize_encoding_accepts_enums_and_defaults_to_utf16():
    assert normalize_encoding(types.PositionEncodingKind.Utf8) == UTF8
    assert normalize_encoding("utf-32") == UTF32
    assert normalize_encoding("latin-1") == UTF16


@pytest.mark.parametrize("encoding", [UTF8, UTF16, UTF32])
@given(lines=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12), min_size=1, max_size=5))
def test_every_offset_round_trips(encoding, lines):
    text = "\n".join(lines)
    index = LineIndex(text, encoding)
    for offset in range(len(text) + 1):
        assert index.offset(index.position(offset)) == offset

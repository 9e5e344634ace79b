"""Parsing by top-level chunks gives the same result as parsing the whole file, and an edit
re-parses only the chunk it touches."""

from __future__ import annotations

from pathlib import Path

import pytest

from migc.source import SourceFile
from migc.syntax import ast, chunks, parser

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p for pattern in ("examples/*.mig", "stdlib/*.mig", "tests/cases/*/*.mig", "tests/syntax/*.mig", "tests/cases/fmt/*.mig")
    for p in ROOT.glob(pattern)
)


def whole(text: str, name: str = "f.mig"):
    return parser._parse_whole(SourceFile(name, text))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_chunked_parse_equals_whole_parse(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = whole(text)
    actual = parser.parse(SourceFile("f.mig", text), incremental=True)
    assert [(d.code, d.span.line, d.span.column, d.message) for d in actual.diagnostics] == [
        (d.code, d.span.line, d.span.column, d.message) for d in expected.diagnostics
    ]
    assert ast.dump(actual.module) == ast.dump(expected.module)
    assert actual.comments == expected.comments


def test_chunks_cover_the_text_and_start_at_item_lines() -> None:
    text = (ROOT / "examples" / "netmera_to_zoho.mig").read_text(encoding="utf-8")
    parts = chunks.split(text)
    assert "".join(p.text for p in parts) == text
    assert len(parts) > 10
    for part in parts[1:]:
        assert text.count("\n", 0, part.start) + 1 == part.line


def test_braces_in_strings_and_comments_do_not_split() -> None:
    text = 'map A -> B {\n  x <- "}"  # }\n}\nmap C -> D { y <- 1 }\n'
    assert [p.text for p in chunks.split(text)] == ['map A -> B {\n  x <- "}"  # }\n}\n', "map C -> D { y <- 1 }\n"]


def test_an_edit_reparses_only_its_chunk(monkeypatch) -> None:
    text = "".join(f"map A{i} -> B {{\n  x <- {i}\n}}\n" for i in range(30))
    parser.parse(SourceFile("f.mig", text), incremental=True)
    calls = []
    original = parser._parse_whole
    monkeypatch.setattr(parser, "_parse_whole", lambda source, **kw: calls.append(source.text) or original(source, **kw))
    edited = text.replace("x <- 7\n", "x <- 70\n")
    result = parser.parse(SourceFile("f.mig", edited), incremental=True)
    assert calls == ["map A7 -> B {\n  x <- 70\n}\n"]
    assert ast.dump(result.module) == ast.dump(whole(edited).module)

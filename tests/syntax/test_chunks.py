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


def test_a_stray_closing_bracket_does_not_split_a_block() -> None:
    text = 'object "A" -> "B" {\n  map A -> B {\n    x <- f(a))\n  }\nmap C -> D { y <- 1 }\n}\nmap E -> F { z <- 2 }\n'
    parts = chunks.split(text)
    assert [p.text for p in parts] == [text[: text.index("map E")], "map E -> F { z <- 2 }\n"]


def test_an_unclosed_parenthesis_ends_with_its_block() -> None:
    text = "map A -> B {\n  x <- f(a\n}\nmap C -> D { y <- 1 }\n"
    assert [p.text for p in chunks.split(text)] == ["map A -> B {\n  x <- f(a\n}\n", "map C -> D { y <- 1 }\n"]


@pytest.mark.parametrize("seed", range(4))
def test_an_editor_and_migc_check_parse_a_broken_file_alike(seed: int) -> None:
    """Random typos in the examples: the editor's incremental parse and a one-off parse give the
    same diagnostics and tree (a file with an error is parsed by chunks either way)."""
    import random

    rng = random.Random(seed)
    examples = sorted((ROOT / "examples").glob("*.mig"))
    for _ in range(60):
        text = rng.choice(examples).read_text(encoding="utf-8")
        at = rng.randrange(len(text))
        if rng.random() < 0.5:
            text = text[:at] + rng.choice(["x", "\n", '"', "{", "}", "#", "(", ")", "[", "]", "map ", "`"]) + text[at:]
        else:
            text = text[:at] + text[at + rng.randint(1, 6) :]
        edited = parser.parse(SourceFile("f.mig", text), incremental=True)
        one_off = parser.parse(SourceFile("f.mig", text))
        assert edited.diagnostics == one_off.diagnostics
        assert (edited.module is None) == (one_off.module is None)
        if edited.module is not None:
            assert ast.dump(edited.module) == ast.dump(one_off.module)


@pytest.mark.parametrize("seed", range(40))
def test_a_split_from_the_previous_one_equals_a_split_from_scratch(seed: int) -> None:
    """Edits anywhere (keywords, brackets, newlines, comments, appended and removed text)."""
    import random

    rng = random.Random(seed)
    examples = sorted((ROOT / "examples").glob("*.mig"))
    text = rng.choice(examples).read_text(encoding="utf-8")
    previous = chunks.split(text)
    for _ in range(150):
        at = rng.randrange(len(text) + 1)
        choice = rng.random()
        if choice < 0.45:
            inserted = rng.choice(["x", "\n", " ", '"', "{", "}", "(", ")", "#", "# note\n", "map A -> B {\n", "}\n", "\nmap ", "values t {\n"])
            text = text[:at] + inserted + text[at:]
        elif choice < 0.9:
            text = text[:at] + text[at + rng.randint(1, 12) :]
        elif choice < 0.95:
            text = text + rng.choice(["\nmap C -> D { y <- 1 }", "}\n", "x"])
        else:
            text = text[: rng.randrange(len(text) + 1)]
        incremental = chunks.split(text, previous)
        assert incremental == chunks.split(text)
        previous = incremental

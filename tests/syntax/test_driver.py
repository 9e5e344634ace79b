"""The fast path (`driver.py`) against Lark's parser: the same result for every input, and
the fast path takes every file that parses cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given

from migc.source import SourceFile
from migc.syntax import driver, parser
from migc.syntax.transformer import AstBuilder
from tests.test_fuzz import BUDGET, mutated

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted(
    path
    for folder in ("examples", "stdlib", "tests", "docs", "editors/vscode/test")
    for path in (ROOT / folder).rglob("*.mig")
    if "node_modules" not in path.parts
)

# Corners of the lexer: contextual keywords, operators that share a prefix, every kind of
# white space and line break, numbers with units, unicode names.
CORNERS = {
    "keyword as field": 'map User -> Contacts {\n  order <- list\n  `map` <- from\n}\n',
    "less than minus": "map A -> B {\n  x <- a<-1\n  y <- a < -1\n}\n",
    "crlf and tabs": "map A -> B {\r\n\tx <- a\r\n\f}\r\n",
    "comment at end": "map A -> B {\n  x <- a # trailing\n}\n# no newline at the end",
    "only comments": "# one\n\n# two\n",
    "empty": "",
    "spaces only": "   \n\t  ",
    "units": 'migration m {\n  from netmera\n  to zoho_crm\n  delta window 48h\n  sample 25\n}\n'
    'create field Contacts.X: string(64)\nlet big = 10MB\nlet ratio = 1.5\n',
    "cardinality": 'object "Users" -> "Contacts" 1:many {\n  map User -> Contacts {\n  }\n}\n',
    "unicode names": "map Kullanıcı -> Contacts {\n  Şehir <- şehir\n  名前 <- 名前\n}\n",
    "not in": 'map A -> B where country not in ["TR", "DE"] {\n  x <- not a and -b\n}\n',
    "duration where an integer belongs": "migration m {\n  sample 48h\n}\n",
    "unknown character": "map A -> B {\n  x <- a @ b\n}\n",
    "unterminated string": 'map A -> B {\n  x <- "abc\n}\n',
    "bad escape": 'let s = "a\\qb"\n',
    "duplicate clause": "migration m {\n  from netmera\n  from actimo\n}\n",
    "chained comparison": "let x = a < b < c\n",
    "missing brace": "map A -> B {\n  x <- a\n",
    "deep nesting": "let x = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
    "ref chain": "map A -> B {\n  t <- ref C by k = x then fuzzy n = y else ref D by k = x else ref E by j = 1 else quarantine\n  u <- ref C by k = x else ref_count\n}\n",
    "ref chain missing by": "map A -> B {\n  t <- ref C by k = x else ref D k = x\n}\n",
    "long coalesce chain": "let x = " + " ?? ".join(["a"] * 4000) + "\n",
}


def both(text: str) -> tuple[parser.ParseResult, parser.ParseResult]:
    source = SourceFile("t.mig", text)
    return parser._parse_whole(source), parser._parse_whole(source, clean_first=False)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_mig_file_in_the_repository_parses_the_same_both_ways(path: Path) -> None:
    text = SourceFile.from_path(path).text
    fast, lark = both(text)
    assert fast == lark
    if lark.ok:
        assert driver.parse_clean(text, AstBuilder()) is not None, "a clean file fell back to Lark"


@pytest.mark.parametrize("name", sorted(CORNERS))
def test_corner_cases_parse_the_same_both_ways(name: str) -> None:
    fast, lark = both(CORNERS[name])
    assert fast == lark


def test_a_clean_file_never_needs_lark() -> None:
    for name in ("keyword as field", "crlf and tabs", "comment at end", "units", "unicode names", "not in", "ref chain"):
        assert parser._parse_whole(SourceFile("t.mig", CORNERS[name])).ok, name
        assert driver.parse_clean(CORNERS[name], AstBuilder()) is not None, name


def test_errors_are_left_to_the_recovering_parser() -> None:
    for name in ("duration where an integer belongs", "unknown character", "unterminated string", "missing brace", "long coalesce chain"):
        builder = AstBuilder()
        builder.begin(SourceFile("t.mig", CORNERS[name]), parser.Diagnostics())
        assert driver.parse_clean(CORNERS[name], builder) is None, name


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS) > 20


@BUDGET
@given(text=mutated())
def test_mutated_examples_parse_the_same_both_ways(text: str) -> None:
    fast, lark = both(text)
    assert fast == lark


def test_the_cached_tables_are_the_ones_lark_derives_now() -> None:
    from migc.syntax import grammar, tables

    assert tables.tables() == tables.derive(grammar.parser())

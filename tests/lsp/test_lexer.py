"""The editor's tokenizer: the grammar's terminals, unterminated strings, keywords from the grammar."""

from __future__ import annotations

from migc.lsp.lexer import keywords, tokenize


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text)]


def test_tokens_follow_the_grammar_terminals():
    assert kinds('key `odd name` <- "a \\"b\\"" ?? 48h 1MB 1:many 2.5 7 # note') == [
        ("name", "key"), ("quoted_name", "`odd name`"), ("operator", "<-"), ("string", '"a \\"b\\""'),
        ("operator", "??"), ("duration", "48h"), ("size", "1MB"), ("cardinality", "1:many"),
        ("number", "2.5"), ("number", "7"), ("comment", "# note"),
    ]


def test_unterminated_string_runs_to_the_end_of_the_line():
    tokens = list(tokenize('x <- "open\ny'))
    assert tokens[2].text == '"open' and not tokens[2].closed
    assert tokens[3].text == "y"


def test_offsets_cover_the_token_text_including_non_ascii():
    text = 'let 名前 = "😀"'
    for token in tokenize(text):
        assert text[token.start : token.end] == token.text


def test_keywords_come_from_the_grammar():
    words = keywords()
    assert {"map", "lossy", "ref", "values", "quarantine", "true"} <= words
    assert "Contacts" not in words and "1:1" not in words

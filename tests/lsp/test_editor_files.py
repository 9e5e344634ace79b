"""The VS Code extension's files agree with the language: ids, settings, scopes, keywords.

The TextMate snapshots themselves run under node (`npm run test:grammar` in editors/vscode);
these checks need only Python, so a grammar change that forgets the editor fails here too."""

from __future__ import annotations

import json
import re
from pathlib import Path

from migc.lsp.lexer import keywords

VSCODE = Path(__file__).resolve().parents[2] / "editors" / "vscode"


def load(name: str) -> dict:
    return json.loads((VSCODE / name).read_text(encoding="utf-8"))


def regexes(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(regexes(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(regexes(item))
    return found


def test_package_contributes_the_language_grammar_and_settings():
    package = load("package.json")
    (language,) = package["contributes"]["languages"]
    assert language["id"] == "mig" and language["extensions"] == [".mig"]
    (grammar,) = package["contributes"]["grammars"]
    assert grammar["scopeName"] == "source.mig" and (VSCODE / grammar["path"]).is_file()
    settings = package["contributes"]["configuration"]["properties"]
    assert set(settings) == {"mig.python.path", "mig.specs", "mig.trace.server"}
    assert settings["mig.trace.server"]["enum"] == ["off", "messages", "verbose"]
    assert "test:grammar" in package["scripts"] and package["main"] == "./out/extension.js"


def test_language_configuration_comments_brackets_and_quotes():
    configuration = load("language-configuration.json")
    assert configuration["comments"] == {"lineComment": "#"}
    pairs = {(p["open"], p["close"]) for p in configuration["autoClosingPairs"]}
    assert {("{", "}"), ("[", "]"), ("(", ")"), ('"', '"'), ("`", "`")} <= pairs
    assert re.match(configuration["indentationRules"]["increaseIndentPattern"], "map User -> Contacts {")
    assert re.match(configuration["indentationRules"]["decreaseIndentPattern"], "  }")


def test_grammar_regexes_compile_and_use_standard_scopes():
    grammar = load("syntaxes/mig.tmLanguage.json")
    for pattern in regexes(grammar):
        re.compile(pattern)  # Oniguruma is a superset for what this grammar uses
    text = json.dumps(grammar)
    for scope in ("keyword.control.mig", "storage.type.mig", "entity.name.function.mig", "string.quoted.double.mig",
                  "constant.numeric", "comment.line.number-sign.mig", "keyword.operator", "variable.other.mig", "entity.name.type.mig"):
        assert scope in text


def test_every_keyword_of_the_grammar_is_highlighted():
    grammar = load("syntaxes/mig.tmLanguage.json")
    words = set()
    for pattern in regexes(grammar):
        for group in re.findall(r"\\b\(([a-z|]+)\)\\b", pattern):
            words.update(group.split("|"))
    missing = sorted(keywords() - words)
    assert not missing, f"keywords of grammar/mig.lark the TextMate grammar does not highlight: {missing}"


def test_extension_starts_the_server_module():
    source = (VSCODE / "src" / "extension.ts").read_text(encoding="utf-8")
    assert '["-m", "migc", "lsp"]' in source and "CloseAction.Restart" in source

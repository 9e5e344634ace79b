"""Semantic tokens: classes by meaning, relative encoding, UTF-16 lengths."""

from __future__ import annotations

from migc.lsp.features.semantic_tokens import TOKEN_MODIFIERS, TOKEN_TYPES, semantic_tokens

from ..conftest import snapshot_of


def decode(snapshot):
    data = semantic_tokens(snapshot).data
    line = start = 0
    result = []
    for index in range(0, len(data), 5):
        delta_line, delta_start, length, kind, modifiers = data[index : index + 5]
        line += delta_line
        start = start + delta_start if delta_line == 0 else delta_start
        text = snapshot.lines.line_text(line)
        # lengths are UTF-16 units; these test lines are BMP-only except where noted
        result.append((line, text[start : start + length], TOKEN_TYPES[kind], [m for i, m in enumerate(TOKEN_MODIFIERS) if modifiers & (1 << i)]))
    return result


def test_words_are_classified_by_meaning(sample):
    tokens = {(text, kind) for _, text, kind, _ in decode(sample)}
    assert {
        ("map", "keyword"), ("User", "class"), ("Contacts", "class"), ("extId", "property"),
        ("Netmera_Id__c", "property"), ("normalize_email", "function"), ("fallback_name", "variable"),
        ("campaign_status", "function"), ("string", "type"), ("64", "number"), ('"Unknown"', "string"),
        ("# Sample mapping for the language server tests.", "comment"), ("<-", "operator"), ("netmera", "namespace"),
    } <= tokens


def test_a_field_named_like_a_keyword_is_a_property(tmp_path):
    text = "migration m {\n  from netmera\n  to zoho_crm\n}\nmap User -> Contacts {\n  Last_Name <- `order` ?? name\n}\n"
    tokens = decode(snapshot_of(tmp_path, text))
    assert (5, "`order`", "property", []) not in tokens  # not a field of User: no token at all
    assert any(text == "name" and kind == "property" for _, text, kind, _ in tokens)


def test_declarations_carry_modifiers(sample):
    tokens = decode(sample)
    assert (11, "fallback_name", "variable", ["declaration", "readonly"]) in tokens
    assert any(text == "normalize_email" and "defaultLibrary" in mods for _, text, _, mods in tokens)


def test_lengths_and_columns_count_utf16_units(tmp_path):
    snapshot = snapshot_of(tmp_path, 'let s = "😀" + x\n')
    data = semantic_tokens(snapshot).data
    string_token = data[3 * 5 : 4 * 5]  # let, s, =, then the string
    assert string_token[1:3] == [2, 4]  # starts 2 after `=`; "😀" is 4 UTF-16 units
    assert data[4 * 5 : 4 * 5 + 3] == [0, 5, 1]  # `+` follows 5 units after the string start


def test_every_link_of_a_ref_chain_is_classified(chain):
    tokens = {(line, text, kind) for line, text, kind, _ in decode(chain)}
    assert {(18, "contacts", "class"), (19, "leads", "class"), (19, "cf_cio_id", "property"), (19, "else", "keyword"),
            (19, "ref", "keyword"), (19, "quarantine", "keyword")} <= tokens

"""An incremental check (maps reused from the file's last check) equals a fresh one, edit after edit."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from migc.semantics import incremental
from migc.semantics.check import Analysis, check_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.mig"))


@pytest.fixture(autouse=True)
def _fresh_state():
    incremental.forget()
    yield
    incremental.forget()


def summary(analysis: Analysis) -> tuple:
    """Everything a check hands on: diagnostics, the model, name uses, extends."""
    references = sorted(analysis.references, key=lambda r: (r.span.file, r.span.start, r.span.end, r.kind, r.name))
    return analysis.diagnostics, analysis.model, references, analysis.extended_maps


def check_both(path: Path, text: str) -> Analysis:
    """Checks `text` incrementally, asserts it equals a fresh check, and returns it."""
    reused = check_file(path, text=text, incremental=True)
    fresh = check_file(path, text=text)
    assert summary(reused) == summary(fresh)
    return reused


def typing_in_maps(text: str) -> list[int]:
    """Offsets where a user types inside a map's statements (after `<- `)."""
    return [index + 3 for index in range(len(text)) if text.startswith("<- ", index)]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_typing_in_a_map_reuses_the_others_and_matches_a_fresh_check(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    check_both(example, text)
    places = typing_in_maps(text)
    rng = random.Random(example.stem)
    maps_reused = 0
    for at in rng.sample(places, 6):
        typed = text[:at] + "x" + text[at:]  # an unknown name, or a longer one: still parses
        analysis = check_both(example, typed)
        maps_reused += analysis.reused_maps
        deleted = text[:at] + text[at + 1 :]
        check_both(example, deleted)
    assert maps_reused > 0


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_random_edits_match_a_fresh_check(example: Path) -> None:
    """Insertions (syntax errors among them), deletions, duplicated and removed lines, anywhere:
    maps, declarations, values tables, the header."""
    original = example.read_text(encoding="utf-8")
    rng = random.Random(f"{example.stem}-random")
    text = original
    for step in range(24):
        if step % 8 == 0:
            text = original
        kind = rng.choice(["insert", "delete", "copy-line", "drop-line"])
        at = rng.randrange(len(text))
        if kind == "insert":
            text = text[:at] + rng.choice(['x', ' ', '\n', '"', '{', '}', '#', '1', 'map ', '-> ']) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + rng.randint(1, 6) :]
        else:
            lines = text.splitlines(keepends=True)
            index = rng.randrange(len(lines))
            if kind == "copy-line":
                lines.insert(rng.randrange(len(lines)), lines[index])
            else:
                del lines[index]
            text = "".join(lines)
        check_both(example, text)


def generated(maps: int) -> str:
    head = (
        'import eu_countries from "std/regions.mig"\n'
        "migration m {\n  from netmera\n  to zoho_crm\n  consent gdpr for User when country in eu_countries\n}\n"
        "create field Contacts.Netmera_Id__c: string(64) unique\n"
    )
    body = "".join(
        f"map User -> Contacts where age > {index} {{\n  key Netmera_Id__c <- extId\n  Email <- normalize_email(email)\n"
        f"  Last_Name <- (surname ?? \"Unknown {index}\") | truncate(80)\n}}\n"
        for index in range(maps)
    )
    return head + body


def test_an_edit_inside_one_map_checks_only_that_map(tmp_path: Path) -> None:
    path = tmp_path / "m.mig"
    text = generated(20)
    assert check_both(path, text).reused_maps == 0  # nothing recorded yet
    at = text.index("age > 10")
    edited = text[:at] + "x" + text[at:]
    assert check_both(path, edited).reused_maps == 19


def test_an_edit_to_a_declaration_checks_every_map_again(tmp_path: Path) -> None:
    path = tmp_path / "m.mig"
    text = generated(5)
    check_both(path, text)
    edited = text.replace("string(64) unique", "string(60) unique")
    assert check_both(path, edited).reused_maps == 0
    assert check_both(path, edited).reused_maps == 5  # the same text again: all reused


def test_a_changed_import_checks_every_map_again(tmp_path: Path) -> None:
    (tmp_path / "shared.mig").write_text('let fallback = "Unknown"\n', encoding="utf-8")
    path = tmp_path / "m.mig"
    text = generated(3).replace('(surname ?? "Unknown 1") | truncate(80)', "fallback").replace("import eu", 'import fallback from "shared.mig"\nimport eu')
    assert check_both(path, text).diagnostics == ()
    (tmp_path / "shared.mig").write_text("let fallback = 7\n", encoding="utf-8")  # now an integer: a type error
    analysis = check_both(path, text)
    assert analysis.reused_maps == 0
    assert [d.code for d in analysis.diagnostics] == ["MIG0301"]


def test_a_map_moved_below_a_declaration_has_its_spans_moved(tmp_path: Path) -> None:
    path = tmp_path / "m.mig"
    text = generated(4) + 'values unused_table { "a" -> "b" }\n'
    check_both(path, text)
    lines = text.splitlines(keepends=True)
    # The first map's five lines swap places with a blank line inserted above the header's end.
    edited = "".join(lines[:7]) + "\n\n" + "".join(lines[7:])
    analysis = check_both(path, edited)
    assert analysis.reused_maps == 4


def test_a_map_with_an_extend_is_reused_and_moved_with_it(tmp_path: Path) -> None:
    path = tmp_path / "m.mig"
    text = generated(3) + "extend User -> Contacts {\n  Mobile <- e164(msisdn, \"TR\")\n}\n"
    analysis = check_both(path, text)
    assert analysis.extended_maps  # the extend adds to the first map
    edited = text.replace("age > 2", "age > 2 and age < 99")  # the last map, above the extend
    assert check_both(path, edited).reused_maps == 2  # the extended first map among them
    assert check_both(path, edited.replace("\"TR\"", "\"DE\"")).reused_maps == 0  # the extend is context


def test_removing_a_map_renumbers_the_ones_after_it_without_checking_them_again(tmp_path: Path) -> None:
    path = tmp_path / "m.mig"
    text = generated(6)
    check_both(path, text)
    start = text.index("map User -> Contacts where age > 1 {")
    end = text.index("map User -> Contacts where age > 2 {")
    analysis = check_both(path, text[:start] + text[end:])  # ids #3..#6 become #2..#5
    assert analysis.reused_maps == 5
    assert [m.id for m in analysis.model.maps] == ["User->Contacts", *(f"User->Contacts#{n}" for n in range(2, 6))]


def test_two_maps_with_the_same_text_each_get_their_own_positions(tmp_path: Path) -> None:
    path = tmp_path / "m.mig"
    one = generated(1)
    header, map_text = one[: one.index("map User")], one[one.index("map User") :]
    text = header + map_text + map_text.replace("age > 0", "age > 1") + map_text
    check_both(path, text)
    assert check_both(path, text.replace("age > 1", "age > 10")).reused_maps == 2

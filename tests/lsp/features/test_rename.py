"""Renaming lets and values tables across files; what cannot be renamed."""

from __future__ import annotations

from pathlib import Path

import pytest

from migc.lsp.features.rename import RenameError, prepare_rename, rename

from ..conftest import position, snapshot_of


def apply(snapshot, edits) -> str:
    text = snapshot.text
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = snapshot.lines.offsets(edit.range)
        text = text[:start] + edit.new_text + text[end:]
    return text


def test_rename_a_values_table_everywhere_in_the_file(sample):
    edit = rename(sample, position(sample, "campaign_status"), "status_of")
    new_text = apply(sample, edit.changes[sample.uri])
    assert "values status_of from" in new_text and "Status <- status_of(status)" in new_text
    assert "campaign_status" not in new_text


def test_rename_follows_imports_into_other_files(tmp_path: Path):
    library = snapshot_of(tmp_path, "let vip = 1\n", "shared.mig")
    user = snapshot_of(tmp_path, 'import vip from "shared.mig"\nlet a = vip + vip\n', "user.mig")
    edit = rename(user, position(user, "vip", after="let a"), "premium", [library])
    assert apply(user, edit.changes[user.uri]) == 'import premium from "shared.mig"\nlet a = premium + premium\n'
    assert apply(library, edit.changes[library.uri]) == "let premium = 1\n"


def test_map_local_lets_rename_within_their_map(sample):
    edit = rename(sample, position(sample, "short"), "first")
    new_text = apply(sample, edit.changes[sample.uri])
    assert "let first = name" in new_text and "First_Name <- first" in new_text


def test_what_cannot_be_renamed(sample):
    assert prepare_rename(sample, position(sample, "normalize_email")) is None
    assert prepare_rename(sample, position(sample, "eu_countries", after="consent")) is None
    assert prepare_rename(sample, position(sample, "fallback_name")).placeholder == "fallback_name"
    with pytest.raises(RenameError, match="standard library"):
        rename(sample, position(sample, "eu_countries", after="consent"), "eu")
    with pytest.raises(RenameError, match="not a valid name"):
        rename(sample, position(sample, "fallback_name"), "map")
    with pytest.raises(RenameError, match="not a valid name"):
        rename(sample, position(sample, "fallback_name"), "two words")
    with pytest.raises(RenameError, match="already declared"):
        rename(sample, position(sample, "fallback_name"), "campaign_status")
    with pytest.raises(RenameError, match="builtin this file calls"):
        rename(sample, position(sample, "fallback_name"), "truncate")
    assert rename(sample, position(sample, "fallback_name"), "collect").changes  # a builtin the file does not call

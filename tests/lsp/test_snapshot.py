"""Snapshots: the same analysis as `migc check`, file lookups for imports and the prelude."""

from __future__ import annotations

from pathlib import Path

from migc.lsp.snapshot import analyze, uri_to_path
from migc.semantics.check import check_file

from .conftest import SAMPLE, snapshot_of


def test_diagnostics_equal_migc_check(tmp_path: Path):
    text = SAMPLE.replace("Email <- normalize_email(email)", "Emial <- normalize_email(emial)")
    snapshot = snapshot_of(tmp_path, text)
    checked = check_file(tmp_path / "doc.mig", display_name=str(tmp_path / "doc.mig"))
    assert snapshot.analysis.diagnostics == checked.diagnostics
    assert {d.code for d in snapshot.analysis.diagnostics} == {"MIG0405", "MIG0201"}


def test_imports_resolve_beside_the_document(tmp_path: Path):
    (tmp_path / "shared.mig").write_text('let greeting = "hi"\n', encoding="utf-8")
    snapshot = snapshot_of(tmp_path, 'import greeting from "shared.mig"\nlet copy = greeting\n', "lib.mig")
    assert not snapshot.analysis.diagnostics
    reference = next(r for r in snapshot.references if r.name == "greeting")
    assert snapshot.file_of(reference.definition).resolve() == (tmp_path / "shared.mig").resolve()
    assert snapshot.location(reference.definition).uri == (tmp_path / "shared.mig").resolve().as_uri()


def test_prelude_spans_point_into_the_standard_library(sample):
    reference = next(r for r in sample.references if r.name == "normalize_email")
    location = sample.location(reference.definition)
    assert location.uri.endswith("/stdlib/prelude.mig") or location.uri.endswith("/_data/stdlib/prelude.mig")
    assert location.range.start.line > 0


def test_oversized_and_binary_buffers_get_the_checkers_own_message(tmp_path: Path):
    snapshot = analyze((tmp_path / "bin.mig").as_uri(), 1, "map\x00")
    assert [d.code for d in snapshot.analysis.diagnostics] == ["MIG0001"]
    assert "NUL" in snapshot.analysis.diagnostics[0].message


def test_untitled_buffers_stand_for_a_file_in_the_working_directory():
    assert uri_to_path("untitled:Untitled-1").name == "Untitled-1.mig"
    assert uri_to_path("file:///srv/x%20y.mig") == Path("/srv/x y.mig")


def test_forgetting_a_closed_document_drops_what_its_analyses_kept(tmp_path: Path) -> None:
    from migc.lsp.snapshot import forget

    path = tmp_path / "kept.mig"
    path.write_text(SAMPLE, encoding="utf-8")
    uri = path.as_uri()
    analyze(uri, 1, SAMPLE)
    assert analyze(uri, 2, SAMPLE + "\n").analysis.reused_maps > 0
    forget(uri)
    assert analyze(uri, 3, SAMPLE).analysis.reused_maps == 0


def test_a_warmed_up_process_analyses_a_broken_edit_like_a_fresh_one(tmp_path: Path) -> None:
    """`warm_up` builds the movers and the recovering parser ahead; analyses are unchanged."""
    from migc.lsp.snapshot import warm_up

    warm_up()
    path = tmp_path / "warm.mig"
    uri = path.as_uri()
    analyze(uri, 1, SAMPLE)
    broken = SAMPLE.replace("Email <- normalize_email(email)", "Email <- if email")
    path.write_text(broken, encoding="utf-8")
    assert analyze(uri, 2, broken).analysis.diagnostics == check_file(path, display_name=str(path)).diagnostics

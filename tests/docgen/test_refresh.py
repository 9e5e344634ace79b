"""docs/examples/ holds the generated outputs of every examples/*.mig: they must match what the code makes now."""

from __future__ import annotations

from migc.docgen.refresh import REFRESH_COMMAND, expected_tree, stale_files
from tests.plan.helpers import EXAMPLE_NAMES, ROOT


def test_every_example_has_its_outputs() -> None:
    assert sorted(expected_tree()) == sorted(EXAMPLE_NAMES)


def test_the_committed_example_outputs_are_current() -> None:
    stale = stale_files()
    assert not stale, f"docs/examples is stale ({', '.join(stale)}): run `{REFRESH_COMMAND}` and commit the result"


def test_outputs_hold_no_machine_paths() -> None:
    for files in expected_tree().values():
        for name, text in files.items():
            assert str(ROOT) not in text, name


def test_the_screenshot_is_kept() -> None:
    assert (ROOT / "docs" / "examples" / "scope-netmera_to_zoho.png").stat().st_size > 10_000


def test_examples_with_errors_are_reported_not_fatal(tmp_path) -> None:
    from tests.plan.helpers import CYCLE

    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "cyclic.mig").write_text(CYCLE, encoding="utf-8")
    (tmp_path / "examples" / "unfinished.mig").write_text("migration unfinished {\n  from netmera\n", encoding="utf-8")
    tree = expected_tree(tmp_path)
    assert sorted(tree) == ["cyclic", "unfinished"]
    assert "error[MIG0601]" in tree["cyclic"]["diagnostics.txt"]
    assert "examples/cyclic.mig:" in tree["cyclic"]["diagnostics.txt"]
    assert "> **Draft.**" in tree["cyclic"]["scope.md"] and "## Cycles" in tree["cyclic"]["plan.md"]
    assert list(tree["unfinished"]) == ["diagnostics.txt"]
    assert "error" in tree["unfinished"]["diagnostics.txt"]
    for files in tree.values():
        for text in files.values():
            assert str(tmp_path) not in text

"""Tests for migc.commands.plan: `plan`, `graph` and `compile` on a typer app of their own, exit codes,
diagnostics on standard error, and the libraries each command loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from migc.commands.plan import register
from tests.plan.helpers import CYCLE, ORDERING, ROOT

EXAMPLE = ROOT / "examples" / "netmera_to_zoho.mig"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def run(app):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture
def ordering(tmp_path):
    path = tmp_path / "ordering.mig"
    path.write_text(ORDERING, encoding="utf-8")
    return path


@pytest.fixture
def cycle(tmp_path):
    path = tmp_path / "cycle.mig"
    path.write_text(CYCLE, encoding="utf-8")
    return path


class TestPlan:
    def test_markdown_by_default(self, run, ordering) -> None:
        result = run("plan", ordering)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("# Load plan: ordering\n")
        assert "## Phase 1: Contacts" in result.stdout

    def test_json_with_counts(self, run, ordering, tmp_path) -> None:
        counts = tmp_path / "counts.toml"
        counts.write_text('User = 300\n[assume]\ntier = "Enterprise"\n')
        result = run("plan", ordering, "--counts", counts, "--format", "json")
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        assert document["budget"]["tier"] == "Enterprise"
        assert document["phases"][0]["records"] == 300

    def test_tier_option_overrides_the_counts_file(self, run, ordering) -> None:
        result = run("plan", ordering, "--tier", "Standard", "-f", "json")
        assert json.loads(result.stdout)["budget"]["tier"] == "Standard"

    def test_errors_are_printed_like_check_and_exit_1_without_a_plan(self, run, cycle) -> None:
        result = run("plan", cycle)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "error[MIG0601]" in result.stderr and "checked 1 file: 1 error" in result.stderr

    def test_draft_prints_the_plan_anyway_and_still_exits_1(self, run, cycle) -> None:
        result = run("plan", cycle, "--draft")
        assert result.exit_code == 1
        assert "> **Draft.** The mapping still has 1 error" in result.stdout
        assert "## Cycles" in result.stdout

    def test_a_missing_file_is_reported_not_raised(self, run, tmp_path) -> None:
        result = run("plan", tmp_path / "nope.mig")
        assert result.exit_code == 1
        assert "no such file" in result.stderr

    @pytest.mark.parametrize(
        ("content", "message"),
        [("User = -3\n", "`User` must not be negative"), ("[assume]\ntier = \"Gold\"\n", "`Gold` is not a tier Zoho CRM publishes")],
    )
    def test_usage_errors_exit_2(self, run, ordering, tmp_path, content, message) -> None:
        counts = tmp_path / "counts.toml"
        counts.write_text(content)
        result = run("plan", ordering, "--counts", counts)
        assert result.exit_code == 2
        assert message in result.stderr
        assert "Traceback" not in result.output

    def test_a_library_file_is_a_usage_error(self, run, tmp_path) -> None:
        library = tmp_path / "lib.mig"
        library.write_text('let vip = ["a"]\n')
        result = run("plan", library)
        assert result.exit_code == 2
        assert "nothing to plan" in result.stderr

    def test_an_unknown_format_is_a_usage_error(self, run, ordering) -> None:
        assert run("plan", ordering, "--format", "yaml").exit_code == 2

    def test_help_shows_examples(self, run) -> None:
        result = run("plan", "--help")
        assert result.exit_code == 0 and "migc plan mapping.mig --counts counts.toml" in result.stdout


class TestGraph:
    def test_dot_by_default(self, run, ordering) -> None:
        result = run("graph", ordering)
        assert result.exit_code == 0 and result.stdout.startswith('digraph "ordering" {')

    def test_a_cycle_is_drawn_even_though_the_file_has_errors(self, run, cycle) -> None:
        result = run("graph", cycle, "--format", "mermaid")
        assert result.exit_code == 1
        assert result.stdout.startswith("flowchart TD") and "class n1,n2 cycle" in result.stdout


class TestCompile:
    def test_writes_documents_plan_and_graph(self, run, tmp_path) -> None:
        out = tmp_path / "out" / "zoho"
        result = run("compile", EXAMPLE, "-o", out)
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in out.iterdir()) == [
            "graph.dot", "graph.mmd", "lossy-report.html", "lossy-report.md", "plan.json", "plan.md",
            "rebuild-inventory.html", "rebuild-inventory.md", "scope.html", "scope.md",
        ]
        assert "objects map 1:1" in (out / "scope.md").read_text(encoding="utf-8")

    def test_an_unwritable_output_exits_1(self, run, tmp_path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("")
        result = run("compile", EXAMPLE, "-o", blocker / "sub")
        assert result.exit_code == 1 and "cannot write" in result.stderr

    def test_errors_stop_compile_unless_draft(self, run, cycle, tmp_path) -> None:
        assert run("compile", cycle, "-o", tmp_path / "a").exit_code == 1
        assert not (tmp_path / "a").exists()
        result = run("compile", cycle, "-o", tmp_path / "b", "--draft")
        assert result.exit_code == 1
        assert "<strong>Draft.</strong>" in (tmp_path / "b" / "scope.html").read_text(encoding="utf-8")


def test_plan_loads_no_templates_and_nothing_loads_http(tmp_path) -> None:
    """In a fresh interpreter: `plan` leaves Jinja2 unloaded; `compile` loads it; neither loads httpx."""
    script = f"""
import sys, typer
from typer.testing import CliRunner
from migc.commands.plan import register
app = typer.Typer(); register(app)
runner = CliRunner()
assert runner.invoke(app, ["plan", {str(EXAMPLE)!r}]).exit_code == 0
assert "jinja2" not in sys.modules, "plan imported jinja2"
assert runner.invoke(app, ["compile", {str(EXAMPLE)!r}, "-o", {str(tmp_path / "out")!r}]).exit_code == 0
assert "jinja2" in sys.modules
assert "httpx" not in sys.modules, "an HTTP library was imported"
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr

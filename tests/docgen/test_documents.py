"""Tests for migc.docgen: snapshots of every example's documents, agreement of the compatibility
figure across model, plan, documents and `migc check --format json`, autoescaping, drafts.

After an intended change, review and accept new snapshots with `pytest tests/docgen --snapshot-update`.
"""

from __future__ import annotations

import json
import re

import msgspec
import pytest

from migc.docgen import compile_documents
from migc.plan import build_plan
from migc.report import check_report
from tests.plan.helpers import CYCLE, EXAMPLE_NAMES, ROOT, check_text, example, example_plan

DOCUMENTS = ("lossy-report.html", "lossy-report.md", "rebuild-inventory.html", "rebuild-inventory.md", "scope.html", "scope.md")


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, str]]:
    return {name: compile_documents(example(name), example_plan(name)) for name in EXAMPLE_NAMES}


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_document_snapshot(documents, name, document, snapshot) -> None:
    text = documents[name][document]
    assert str(ROOT) not in text, "documents must not hold machine paths"
    assert text == snapshot


def test_every_document_is_produced(documents) -> None:
    for files in documents.values():
        assert tuple(files) == DOCUMENTS


def test_documents_are_deterministic() -> None:
    name = EXAMPLE_NAMES[0]
    assert compile_documents(example(name), example_plan(name)) == compile_documents(example(name), example_plan(name))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_compatibility_agrees_across_model_plan_documents_and_check(documents, name) -> None:
    analysis = example(name)
    one, objects = analysis.model.compatibility
    plan = example_plan(name)
    assert (plan.compatibility.one_to_one, plan.compatibility.objects) == (one, objects)
    assert f"| {one} of {objects} objects map 1:1 |" in documents[name]["scope.md"]
    assert f'<div class="value">{one} of {objects}</div>' in documents[name]["scope.html"]
    report = json.loads(msgspec.json.encode(check_report([analysis])))
    assert report["files"][0]["compatibility"] == {"one_to_one": one, "objects": objects}


def test_figures_follow_the_plan_not_the_template(tmp_path) -> None:
    from tests.plan.helpers import ORDERING

    analysis = check_text(tmp_path, ORDERING)
    small = compile_documents(analysis, build_plan(analysis, {"User": 1234, "Task": 10, "MessageAnalytics": 5}))["scope.md"]
    large = compile_documents(analysis, build_plan(analysis, {"User": 98765, "Task": 10, "MessageAnalytics": 5}))["scope.md"]
    assert "| Records to create | 1,244 |" in small
    assert "| Records to create | 98,775 |" in large


HOSTILE = """\
import eu_countries from "std/regions.mig"

migration hostile {
  from netmera
  to zoho_crm
  consent gdpr for User when country in eu_countries
}

object "Users <b>bold</b>" -> "Contacts & more" 1:1 {
  note "<script>alert('row')</script>"
  map User -> Contacts {
    Last_Name <- (surname ?? "Unknown") | truncate(80)  lossy "<script>alert('field')</script>"
    drop age lossy "a | pipe and <i>tags</i>"
  }
}

object "Journey" -> "Workflow" 1:1 {
  rebuild Journey as "Zoho <Workflow>" {
    list name
    note "<script>alert('rebuild')</script>"
  }
}
"""


def test_html_is_autoescaped_and_markdown_cells_stay_in_their_row(tmp_path) -> None:
    analysis = check_text(tmp_path, HOSTILE)
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    files = compile_documents(analysis, build_plan(analysis, {"User": 1}))
    for name, text in files.items():
        if name.endswith(".html"):
            assert "<script>" not in text and "<b>bold</b>" not in text and "<i>tags</i>" not in text, name
    assert "&lt;script&gt;alert(&#39;row&#39;)&lt;/script&gt;" in files["scope.html"]
    assert "&lt;script&gt;alert(&#39;field&#39;)&lt;/script&gt;" in files["lossy-report.html"]
    assert "&lt;script&gt;alert(&#39;rebuild&#39;)&lt;/script&gt;" in files["rebuild-inventory.html"]
    assert "Zoho &lt;Workflow&gt;" in files["rebuild-inventory.html"]
    row = next(line for line in files["lossy-report.md"].splitlines() if "pipe" in line)
    assert "a \\| pipe" in row and row.count(" | ") == len(re.findall(r"(?<!\\)\|", row)) - 2


def test_a_file_with_errors_gives_draft_documents(tmp_path) -> None:
    analysis = check_text(tmp_path, CYCLE)
    files = compile_documents(analysis, build_plan(analysis, {"User": 10}))
    assert "> **Draft.** The mapping still has 1 error (`migc check case.mig`)" in files["scope.md"]
    assert '<p class="draft"><strong>Draft.</strong>' in files["lossy-report.html"]

"""Helpers for catalog tests: a minimal valid catalog, and a temporary specs/ directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from migc.catalog import loader

MINIMAL_TARGET = """\
[platform]
name = "{name}"
label = "Demo CRM"
role = "target"
limits = {{ pagination = "page" }}
custom-fields = {{ name-pattern = "^[A-Za-z][A-Za-z0-9_]*__c$", suffix = "__c" }}

[platform.api.main]
url = "https://api.example.test"
auth = "key"

[platform.auth.key]
scheme = "api-key"
header = "X-Key"
format = "{{api_key}}"
env = {{ api_key = "MIGC_DEMO_API_KEY" }}

[objects.Users]
label = "User"
plural-label = "Users"
kind = "system"
id-field = "id"
preexisting = true
fields.id = {{ type = "id", read-only = true }}

[objects.Contacts]
label = "Contact"
plural-label = "Contacts"
kind = "standard"
id-field = "id"
loadable = true
write = {{ create = "POST /contacts" }}
fields.id = {{ type = "id", read-only = true }}
fields.Last_Name = {{ type = "string", length = 80, required = true }}
fields.Owner = {{ type = "lookup", to = "Users" }}
fields.Lead_Source = {{ type = "picklist", values = ["Web", "Phone"] }}
"""


def minimal_target(name: str = "demo_crm") -> str:
    return MINIMAL_TARGET.format(name=name)


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty specs/ directory that the loader uses instead of the real one."""
    directory = tmp_path / "specs"
    directory.mkdir()
    monkeypatch.setattr(loader, "specs_dir", lambda: directory)
    monkeypatch.chdir(tmp_path)
    return directory

"""Neovim's built-in LSP client attaches to `python -m migc.lsp` and shows its diagnostics.

Needs `nvim` (Debian's `neovim` package); skipped with that reason when it is not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from migc.semantics.check import check_file

from .conftest import SAMPLE

HERE = Path(__file__).resolve().parent


@pytest.mark.skipif(shutil.which("nvim") is None, reason="nvim is not installed (apt-get install -y neovim)")
def test_headless_neovim_attaches_and_receives_diagnostics(tmp_path: Path):
    path = tmp_path / "nvim.mig"
    path.write_text(SAMPLE.replace("First_Name <- short", "First_Name <- shrot"), encoding="utf-8")
    output = tmp_path / "result.json"
    environment = {**os.environ, "MIGC_PYTHON": sys.executable, "MIGC_FILE": str(path), "MIGC_OUTPUT": str(output)}
    completed = subprocess.run(
        ["nvim", "--headless", "--clean", "-u", "NONE", "-c", f"luafile {HERE / 'nvim' / 'attach.lua'}"],
        env=environment, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL,
    )
    assert output.exists(), f"nvim wrote nothing: {completed.stderr[-2000:]}"
    result = json.loads(output.read_text(encoding="utf-8"))
    expected = check_file(path, display_name=str(path)).diagnostics
    assert result["ok"]
    assert [(d["code"], d["message"]) for d in result["diagnostics"]] == [(d.code, d.message) for d in expected]
    assert [d["line"] for d in result["diagnostics"]] == [d.span.line - 1 for d in expected]
    assert result["shown"] == len(expected) == 1

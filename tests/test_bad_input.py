"""No input makes `migc check` print a traceback: each gets a clear error and exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VALID = 'migration m {\n  from netmera\n  to zoho_crm\n}\n'


def run_check(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "migc", "check", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


CASES = {
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "invalid-utf8": b"map A -> B { x <- \"\xff\xfe\" }\n",
    "bom": b"\xef\xbb\xbf" + VALID.encode(),
    "crlf": VALID.replace("\n", "\r\n").encode(),
    "tabs": VALID.replace("  ", "\t").encode(),
    "unterminated-string": b'let x = "never closed\nlet y = 1\n',
    "deep-nesting": b"let x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n",
    "deep-operators": b"let x = " + b"1 + " * 20000 + b"1\n",
    "ten-megabytes": b"# " + b"x" * (10 * 1024 * 1024) + b"\n",
    "lone-brace": b"}",
    "only-comment": b"# nothing here",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_a_clear_error_not_a_traceback(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.mig"
    path.write_bytes(CASES[name])
    result = run_check(path.name, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-2000:]
    assert result.returncode in (0, 1), output[-2000:]
    if result.returncode == 1:
        assert f"{name}.mig:" in output  # errors name the file, line and column


def test_a_missing_path_and_a_directory(tmp_path: Path) -> None:
    missing = run_check("nowhere.mig", cwd=tmp_path)
    assert missing.returncode == 1 and "nowhere.mig:1:1: error[MIG0001]" in missing.stdout
    (tmp_path / "empty_dir").mkdir()
    directory = run_check("empty_dir", cwd=tmp_path)
    assert directory.returncode == 2 and "no .mig files" in directory.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = run_check("--format", "yaml", "x.mig", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr

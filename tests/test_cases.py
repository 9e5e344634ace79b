"""Golden cases: tests/cases/ok/*.mig check clean; tests/cases/err/*.mig report exactly the
diagnostics they state inline (see tests/expectations.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migc import api
from tests.expectations import compare, expectations

CASES = Path(__file__).parent / "cases"
OK = sorted((CASES / "ok").glob("*.mig"))
ERR = sorted((CASES / "err").glob("*.mig"))


@pytest.mark.parametrize("path", OK, ids=lambda p: p.stem)
def test_ok_case_checks_clean(path: Path) -> None:
    result = api.check(path)
    problems = compare(path, result.diagnostics)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ERR, ids=lambda p: p.stem)
def test_err_case_reports_what_it_states(path: Path) -> None:
    assert expectations(path), f"{path.name} states no expected diagnostic"
    result = api.check(path)
    problems = compare(path, result.diagnostics)
    assert not problems, "\n".join(problems)


def test_there_are_cases() -> None:
    assert len(OK) >= 3 and len(ERR) >= 10

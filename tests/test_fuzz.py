"""Property-based fuzzing: random bytes and mutations of valid examples (delete, duplicate,
swap tokens) never make the checker raise, and every diagnostic points inside its file.
A fixed budget keeps the run short and repeatable (derandomized)."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migc.semantics.check import check_file

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.mig"))] + [
    (ROOT / "tests" / "syntax" / "constructs.mig").read_text(encoding="utf-8")
]
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\w+|\S')
BUDGET = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def assert_sane(text: str, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.mig"
    result = check_file(path, text=text, display_name="fuzz.mig")
    length = len(text.lstrip("\ufeff"))
    for diagnostic in result.diagnostics:
        if diagnostic.span.file != "fuzz.mig":
            continue
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= length + 1, diagnostic
        assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1, diagnostic


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(SEEDS))
    tokens = TOKEN.findall(text)
    for _ in range(draw(st.integers(1, 4))):
        if len(tokens) < 2:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        j = draw(st.integers(0, len(tokens) - 1))
        operation = draw(st.sampled_from(["delete", "duplicate", "swap", "truncate"]))
        if operation == "delete":
            del tokens[min(i, j) : max(i, j) + 1][:8]
            del tokens[i : i + 1]
        elif operation == "duplicate":
            tokens[i:i] = tokens[j : j + 5]
        elif operation == "swap":
            tokens[i], tokens[j] = tokens[j], tokens[i]
        else:
            tokens = tokens[: max(i, j)]
    return " ".join(tokens)


@BUDGET
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes, tmp_path_factory) -> None:
    tmp_path = tmp_path_factory.mktemp("bytes")
    path = tmp_path / "fuzz.mig"
    path.write_bytes(data)
    check_file(path, display_name="fuzz.mig")  # must not raise


@BUDGET
@given(text=mutated())
def test_mutated_examples_never_crash(text: str, tmp_path_factory) -> None:
    assert_sane(text, tmp_path_factory.mktemp("mut"))


SOUP = list('{}()[]<->="#\\|?.,:\n`') + ["map", "ref", "by", "then", "else", "merge", "where", "create", "x", "1", " ", '"s"', "not", "in", "as", "lossy"]


@BUDGET
@given(parts=st.lists(st.sampled_from(SOUP), max_size=120))
def test_token_soup_never_crashes(parts: list[str], tmp_path_factory) -> None:
    assert_sane(" ".join(parts), tmp_path_factory.mktemp("soup"))

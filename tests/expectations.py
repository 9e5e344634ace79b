"""Reads the expectations a golden .mig case states inline, mypy-style.

A comment on the offending line states each expected diagnostic:

    Email = lower(email)    # E: MIG0105 fields are assigned with `<-`

`E` is an error, `W` a warning; the code must match, and the optional text must occur in the
message. `# E@12: MIG0104` expects it on line 12 instead (for a line that cannot carry a
comment, such as the end of the file or an unterminated string).
"""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

_EXPECTATION = re.compile(r"#\s*(?P<kind>[EW])(?:@(?P<line>\d+))?:\s*(?P<code>MIG\d{4})(?:\s+(?P<text>.*?))?\s*$")


class Expected(msgspec.Struct, frozen=True, order=True):
    line: int
    severity: str
    code: str
    text: str = ""


def expectations(path: Path) -> list[Expected]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECTATION.search(line)
        if match:
            severity = "error" if match["kind"] == "E" else "warning"
            found.append(Expected(int(match["line"] or number), severity, match["code"], match["text"] or ""))
    return sorted(found)


def compare(path: Path, diagnostics) -> list[str]:
    """Problems with a case: expected diagnostics that did not appear, and unexpected ones."""
    expected = expectations(path)
    actual = [d for d in diagnostics if d.severity in ("error", "warning") and Path(d.span.file).name == path.name]
    problems = []
    unmatched = list(actual)
    for item in expected:
        match = next(
            (d for d in unmatched if d.span.line == item.line and d.code == item.code and d.severity == item.severity and item.text in d.message),
            None,
        )
        if match is None:
            problems.append(f"line {item.line}: expected {item.severity} {item.code} {item.text!r}, not reported")
        else:
            unmatched.remove(match)
    for d in unmatched:
        problems.append(f"line {d.span.line}: unexpected {d.severity} {d.code}: {d.message}")
    return problems

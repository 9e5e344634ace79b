"""Diagnostics for the editor: `migc check`'s diagnostics of a document as LSP diagnostics.

Code, severity and message are the checker's, unchanged; notes become related information (a
note without a place points at the diagnostic itself). A problem inside an imported file is
shown on the `import` that brings the file in, with its own place as related information.
"""

from __future__ import annotations

from lsprotocol import types

from migc import codes
from migc.diagnostics import Diagnostic
from migc.lsp.snapshot import Snapshot
from migc.syntax import ast

SOURCE = "migc"

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def to_lsp(snapshot: Snapshot, diagnostic: Diagnostic) -> types.Diagnostic:
    """One checker diagnostic as LSP data, placed in this document."""
    own = snapshot.is_own(diagnostic.span)
    here = snapshot.range_of(diagnostic.span) if own else _import_range(snapshot, diagnostic)
    here_location = types.Location(uri=snapshot.uri, range=here)
    related = []
    if not own:
        elsewhere = snapshot.location(diagnostic.span)
        if elsewhere is not None:
            related.append(types.DiagnosticRelatedInformation(location=elsewhere, message="the problem is here"))
    for note in diagnostic.notes:
        location = snapshot.location(note.span) if note.span is not None else None
        related.append(types.DiagnosticRelatedInformation(location=location or here_location, message=note.message))
    message = diagnostic.message if own else f"{diagnostic.span}: {diagnostic.message}"
    tags = [types.DiagnosticTag.Unnecessary] if diagnostic.code == codes.UNUSED_DECLARATION.id else None
    return types.Diagnostic(
        range=here,
        severity=_SEVERITY.get(diagnostic.severity, types.DiagnosticSeverity.Error),
        code=diagnostic.code,
        source=SOURCE,
        message=message,
        related_information=related or None,
        tags=tags,
    )


def document_diagnostics(snapshot: Snapshot) -> list[types.Diagnostic]:
    """Every diagnostic `migc check` reports for this document, in the checker's order."""
    return [to_lsp(snapshot, d) for d in snapshot.analysis.diagnostics]


def _import_range(snapshot: Snapshot, diagnostic: Diagnostic) -> types.Range:
    """The `import` through which the file holding `diagnostic` was loaded (else the file start)."""
    root = snapshot.analysis.program.root
    target = snapshot.file_of(diagnostic.span)
    if root is not None and target is not None:
        for item, loaded in root.imports:
            if loaded is not None and _reaches(loaded, str(target), set()):
                return snapshot.range_of(item.path.span)
    module = snapshot.module
    first_import = next((i for i in module.items if isinstance(i, ast.Import)), None) if module else None
    if first_import is not None:
        return snapshot.range_of(first_import.path.span)
    return snapshot.lines.range(0, 0)


def _reaches(loaded, key: str, seen: set[str]) -> bool:
    if loaded.key == key:
        return True
    if loaded.key in seen:
        return False
    seen.add(loaded.key)
    return any(inner is not None and _reaches(inner, key, seen) for _, inner in loaded.imports)

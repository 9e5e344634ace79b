"""Rename a `let`, a `values` table or a map-local `let`, everywhere it is used: the declaration,
its uses, and the `import ... from` lines of other files.

Builtins and the standard library are not renamed (they are not the user's code). A new name
must be a plain name that is not a keyword.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lsprotocol import types

from migc.lsp.features.navigation import identity, occurrences
from migc.lsp.lexer import keywords
from migc.lsp.lookup import RENAMEABLE_KINDS, target_at
from migc.lsp.snapshot import Snapshot, path_key
from migc.resources import stdlib_dir

_NAME = re.compile(r"(?!\d)\w+")


class RenameError(Exception):
    """Why a rename cannot be done; the server answers the request with this message."""


def prepare_rename(snapshot: Snapshot, position: types.Position) -> types.PrepareRenamePlaceholder | None:
    target = target_at(snapshot, snapshot.offset_at(position))
    if target is None or target.kind not in RENAMEABLE_KINDS:
        return None
    if _in_stdlib(snapshot, target):
        return None
    return types.PrepareRenamePlaceholder(range=snapshot.range_of(target.span), placeholder=target.name)


def rename(snapshot: Snapshot, position: types.Position, new_name: str, others: Iterable[Snapshot] = ()) -> types.WorkspaceEdit:
    target = target_at(snapshot, snapshot.offset_at(position))
    if target is None or target.kind not in RENAMEABLE_KINDS:
        raise RenameError("only a `let` or a `values` table can be renamed here")
    if _in_stdlib(snapshot, target):
        raise RenameError(f"`{target.name}` is declared in the standard library, which cannot be renamed")
    if not _NAME.fullmatch(new_name) or new_name in keywords():
        raise RenameError(f"`{new_name}` is not a valid name (letters, digits and `_`, not a keyword)")
    _check_collision(snapshot, target.name, new_name)
    wanted = identity(snapshot, target)
    if wanted is None:
        raise RenameError(f"cannot tell where `{target.name}` is declared")
    documents = [snapshot]
    if wanted[0] == "decl":
        documents += [s for s in others if path_key(s.path) != path_key(snapshot.path)]
    changes: dict[str, list[types.TextEdit]] = {}
    for document in documents:
        for span, _ in occurrences(document, wanted):
            if span.file != document.display_name:
                continue
            edit = types.TextEdit(range=document.range_of(span), new_text=new_name)
            changes.setdefault(document.uri, []).append(edit)
    for edits in changes.values():
        edits.sort(key=lambda e: (e.range.start.line, e.range.start.character))
    return types.WorkspaceEdit(changes=changes)


def _check_collision(snapshot: Snapshot, old_name: str, new_name: str) -> None:
    """A new name must not take over another declaration, nor hide a builtin the file calls."""
    scope = snapshot.analysis.scope
    symbol = scope.get(new_name) if scope is not None and new_name != old_name else None
    if symbol is None:
        return
    if symbol.kind in ("let", "values"):
        raise RenameError(f"`{new_name}` is already declared; renaming would make two declarations share a name")
    if any(r.name == new_name and r.kind == symbol.kind for r in snapshot.references):
        raise RenameError(f"`{new_name}` is a builtin this file calls; the new name would hide it")


def _in_stdlib(snapshot: Snapshot, target) -> bool:
    if target.definition is None:
        return False
    path = snapshot.file_of(target.definition)
    if path is None:
        return True
    try:
        return path.resolve().is_relative_to(stdlib_dir().resolve())
    except OSError:
        return False

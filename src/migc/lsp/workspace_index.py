"""The .mig files of the workspace and their analyses, for cross-file references, rename and
workspace symbols.

Open documents are answered from the server's snapshots; files on disk are checked on demand and
kept until their modification time or size changes. The walk skips hidden, dependency and
build directories and stops at `MAX_FILES`, so a huge tree cannot stall the editor.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from migc.lsp.convert import UTF16
from migc.lsp.snapshot import Snapshot, analyze, path_key, path_to_uri

MAX_FILES = 2000
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "build", "dist", "out", "venv"})


class WorkspaceIndex:
    def __init__(self, roots: Sequence[Path] = (), *, overlays: Sequence[Path] = (), encoding: str = UTF16) -> None:
        self.roots = list(roots)
        self.overlays = tuple(overlays)
        self.encoding = encoding
        self._cache: dict[str, tuple[tuple[int, int], str, Snapshot | None]] = {}

    def configure(self, *, roots: Sequence[Path] | None = None, overlays: Sequence[Path] | None = None, encoding: str | None = None) -> None:
        if roots is not None:
            self.roots = list(roots)
        if overlays is not None and tuple(overlays) != self.overlays:
            self.overlays = tuple(overlays)
            self._cache.clear()
        if encoding is not None and encoding != self.encoding:
            self.encoding = encoding
            self._cache.clear()

    def files(self) -> list[Path]:
        """Every .mig file under the workspace roots, sorted, at most `MAX_FILES`."""
        found: dict[str, Path] = {}
        for root in self.roots:
            for directory, subdirs, names in os.walk(root):
                subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
                for name in sorted(names):
                    if name.endswith(".mig"):
                        path = Path(directory) / name
                        found.setdefault(path_key(path), path)
                        if len(found) >= MAX_FILES:
                            return sorted(found.values())
        return sorted(found.values())

    def text(self, path: Path) -> str | None:
        entry = self._entry(path)
        return entry[1] if entry is not None else None

    def snapshot(self, path: Path) -> Snapshot | None:
        """The analysis of a file on disk (cached while the file is unchanged)."""
        entry = self._entry(path)
        if entry is None:
            return None
        stamp, text, snapshot = entry
        if snapshot is None:
            snapshot = analyze(path_to_uri(path), 0, text, overlays=self.overlays, encoding=self.encoding)
            self._cache[path_key(path)] = (stamp, text, snapshot)
        return snapshot

    def _entry(self, path: Path):
        key = path_key(path)
        try:
            status = path.stat()
        except OSError:
            self._cache.pop(key, None)
            return None
        stamp = (status.st_mtime_ns, status.st_size)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
        entry = (stamp, text, None)
        self._cache[key] = entry
        return entry

    def snapshots_mentioning(self, word: str, open_snapshots: Callable[[], Iterable[Snapshot]], *, extra: Iterable[Path] = ()) -> list[Snapshot]:
        """Analyses of the open documents and workspace files whose text contains `word`:
        the only files that can refer to a declaration of that name."""
        result: dict[str, Snapshot] = {}
        for snapshot in open_snapshots():
            result[path_key(snapshot.path)] = snapshot
        for path in [*self.files(), *extra]:
            key = path_key(path)
            if key in result:
                continue
            text = self.text(path)
            if text is None or word not in text:
                continue
            snapshot = self.snapshot(path)
            if snapshot is not None:
                result[key] = snapshot
        return [result[key] for key in sorted(result)]

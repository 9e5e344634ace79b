"""Disk-backed scratch for per-key state of a phase that would otherwise grow with the records:
units counted per `limit` key, and records grouped for `summarize`."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import msgspec

from migc.runtime.records import group_sid


class _Scratch:
    """A temporary SQLite file for per-key state that would otherwise grow with the records."""

    def __init__(self, prefix: str) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix=prefix)
        self._db = sqlite3.connect(str(Path(self._directory.name) / "scratch.sqlite"), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")

    def close(self) -> None:
        self._db.close()
        self._directory.cleanup()


class Counts(_Scratch):
    """Units seen per `limit` key, on disk: a million people cost no memory."""

    def __init__(self) -> None:
        super().__init__("migc-limits-")
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
        self._db.execute("BEGIN")

    def add(self, key: Any) -> int:
        """Counts one more unit under `key`; returns how many there are now."""
        text = json.dumps(key, default=str, sort_keys=True)
        row = self._db.execute("INSERT INTO seen VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1 RETURNING n", (text,)).fetchone()
        return int(row[0])


class Grouping(_Scratch):
    """Groups raw records by key on disk, so `summarize` holds no record in memory; groups come
    back in the order of their first record."""

    def __init__(self) -> None:
        super().__init__("migc-groups-")
        self._db.execute("CREATE TABLE member (seq INTEGER PRIMARY KEY, grp TEXT NOT NULL, record BLOB NOT NULL)")
        self._db.execute("BEGIN")
        self._seq = 0
        self._encode = msgspec.json.Encoder().encode

    def add(self, key: tuple, raw: dict[str, Any]) -> None:
        self._seq += 1
        self._db.execute("INSERT INTO member VALUES (?, ?, ?)", (self._seq, group_sid(key), self._encode(raw)))

    def groups(self):
        self._db.execute("COMMIT")
        self._db.execute("CREATE INDEX member_grp ON member (grp, seq)")
        cursor = self._db.execute(
            "SELECT m.grp, m.record FROM member m JOIN (SELECT grp, MIN(seq) AS first FROM member GROUP BY grp) f "
            "ON m.grp = f.grp ORDER BY f.first, m.seq")
        current, members = None, []
        for grp, record in cursor:
            if grp != current and members:
                yield current, members
                members = []
            current = grp
            members.append(msgspec.json.decode(record))
        if members:
            yield current, members

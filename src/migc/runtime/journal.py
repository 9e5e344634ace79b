"""The run journal: what a migration did, durably, so it can resume, reconcile and roll back.

One journal per run directory. It holds the run's metadata and consent record, the id map from
source records to the target records they became, an audit row for every insert, update, skip,
quarantine and delete (with operator and time), quarantined records with their reasons,
per-phase checkpoints, batches in flight (written before a batch is sent, cleared with its
results in one transaction, so a crash between the two is detected on resume), and a
before-image of every target record the run updates.

`Journal` is the interface; `SqliteJournal` implements it on SQLite in WAL mode. A PostgreSQL
journal for scale-out is another subclass with the same methods.
"""

from __future__ import annotations

import abc
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import msgspec

Operation = Literal["insert", "update", "skip", "quarantine", "delete", "restore", "report"]


class RunInfo(msgspec.Struct, frozen=True, kw_only=True):
    run_id: str
    mig_file: str
    migration: str
    source: str
    target: str
    mode: Literal["sample", "full", "delta"]
    operator: str
    started_at: str


class ConsentRecord(msgspec.Struct, frozen=True, kw_only=True):
    regulation: str
    given_by: str
    given_at: str
    recorded_at: str


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    op: Operation
    phase: str
    map_id: str
    source_object: str
    source_id: str
    target_object: str
    target_id: str = ""
    detail: str = ""


class Quarantined(msgspec.Struct, frozen=True, kw_only=True):
    phase: str
    map_id: str
    source_object: str
    source_id: str
    reason: str
    location: str  # file:line:col of the .mig statement, when one is to blame
    record: dict[str, Any]


class IdLink(msgspec.Struct, frozen=True, kw_only=True):
    map_id: str
    source_object: str
    source_id: str
    target_object: str
    target_id: str
    key_field: str = ""
    key_value: str = ""
    inserted: bool = True


class PhaseCounts(msgspec.Struct, frozen=True, kw_only=True):
    phase: str
    inserted: int
    updated: int
    skipped: int
    quarantined: int
    reported: int


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Journal(abc.ABC):
    """What the runtime records and asks; implementations decide how it is stored."""

    @abc.abstractmethod
    def transaction(self): ...

    @abc.abstractmethod
    def start_run(self, info: RunInfo) -> None: ...

    @abc.abstractmethod
    def run_info(self) -> RunInfo | None: ...

    @abc.abstractmethod
    def record_consent(self, consent: ConsentRecord) -> None: ...

    @abc.abstractmethod
    def consent(self) -> ConsentRecord | None: ...

    @abc.abstractmethod
    def link(self, links: Iterable[IdLink]) -> None: ...

    @abc.abstractmethod
    def target_id(self, target_object: str, key_field: str, key_value: str) -> str | None: ...

    @abc.abstractmethod
    def target_for_source(self, map_id: str, source_id: str) -> str | None: ...

    @abc.abstractmethod
    def links(self, target_object: str | None = None) -> Iterator[IdLink]: ...

    @abc.abstractmethod
    def audit(self, entries: Iterable[AuditEntry], operator: str) -> None: ...

    @abc.abstractmethod
    def audit_rows(self, phase: str | None = None) -> Iterator[dict[str, Any]]: ...

    @abc.abstractmethod
    def quarantine(self, entries: Iterable[Quarantined]) -> None: ...

    @abc.abstractmethod
    def quarantined(self, phase: str | None = None) -> Iterator[Quarantined]: ...

    @abc.abstractmethod
    def before_image(self, target_object: str, target_id: str, record: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def before_images(self, target_object: str) -> Iterator[tuple[str, dict[str, Any]]]: ...

    @abc.abstractmethod
    def set_checkpoint(self, phase: str, status: str, state: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def checkpoint(self, phase: str) -> tuple[str, dict[str, Any]] | None: ...

    @abc.abstractmethod
    def begin_batch(self, phase: str, batch: int, source_ids: list[str]) -> None: ...

    @abc.abstractmethod
    def end_batch(self, phase: str, batch: int) -> None: ...

    @abc.abstractmethod
    def open_batches(self, phase: str) -> list[tuple[int, list[str]]]: ...

    @abc.abstractmethod
    def counts(self, phase: str) -> PhaseCounts: ...

    @abc.abstractmethod
    def set_watermark(self, source_object: str, value: str) -> None: ...

    @abc.abstractmethod
    def watermark(self, source_object: str) -> str | None: ...

    @abc.abstractmethod
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (id INTEGER PRIMARY KEY CHECK (id = 1), info TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consent (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS id_map (
    map_id TEXT NOT NULL, source_object TEXT NOT NULL, source_id TEXT NOT NULL,
    target_object TEXT NOT NULL, target_id TEXT NOT NULL, key_field TEXT NOT NULL,
    key_value TEXT NOT NULL, inserted INTEGER NOT NULL,
    PRIMARY KEY (map_id, source_id));
CREATE INDEX IF NOT EXISTS id_map_key ON id_map (target_object, key_field, key_value);
CREATE INDEX IF NOT EXISTS id_map_target ON id_map (target_object, target_id);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, operator TEXT NOT NULL, op TEXT NOT NULL,
    phase TEXT NOT NULL, map_id TEXT NOT NULL, source_object TEXT NOT NULL, source_id TEXT NOT NULL,
    target_object TEXT NOT NULL, target_id TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_phase ON audit (phase, op);
CREATE TABLE IF NOT EXISTS quarantine (
    phase TEXT NOT NULL, map_id TEXT NOT NULL, source_object TEXT NOT NULL, source_id TEXT NOT NULL,
    reason TEXT NOT NULL, location TEXT NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (map_id, source_id));
CREATE TABLE IF NOT EXISTS before_image (
    target_object TEXT NOT NULL, target_id TEXT NOT NULL, record TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (target_object, target_id));
CREATE TABLE IF NOT EXISTS checkpoint (phase TEXT PRIMARY KEY, status TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS open_batch (phase TEXT NOT NULL, batch INTEGER NOT NULL, source_ids TEXT NOT NULL, PRIMARY KEY (phase, batch));
CREATE TABLE IF NOT EXISTS watermark (source_object TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_encoder = msgspec.json.Encoder()


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


class SqliteJournal(Journal):
    """The journal in one SQLite file, WAL mode, synchronous=FULL (a crash loses nothing committed)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._depth = 0

    @contextmanager
    def transaction(self):
        """Everything inside commits together, or not at all. Nested uses join the outer one."""
        if self._depth == 0:
            self._db.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self._db.execute("COMMIT")

    def _one(self, sql: str, *args: Any) -> Any:
        row = self._db.execute(sql, args).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ run and consent

    def start_run(self, info: RunInfo) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO run (id, info) VALUES (1, ?)", (_encoder.encode(info).decode(),))

    def run_info(self) -> RunInfo | None:
        raw = self._one("SELECT info FROM run WHERE id = 1")
        return msgspec.json.decode(raw, type=RunInfo) if raw else None

    def record_consent(self, consent: ConsentRecord) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO consent (id, record) VALUES (1, ?)", (_encoder.encode(consent).decode(),))

    def consent(self) -> ConsentRecord | None:
        raw = self._one("SELECT record FROM consent WHERE id = 1")
        return msgspec.json.decode(raw, type=ConsentRecord) if raw else None

    # ------------------------------------------------------------------ id map

    def link(self, links: Iterable[IdLink]) -> None:
        rows = [(l.map_id, l.source_object, l.source_id, l.target_object, l.target_id, l.key_field, l.key_value, int(l.inserted)) for l in links]
        with self.transaction():
            # A record first inserted stays "inserted" when a resumed run finds it again.
            self._db.executemany(
                "INSERT INTO id_map VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (map_id, source_id) DO UPDATE SET "
                "target_id = excluded.target_id, key_field = excluded.key_field, key_value = excluded.key_value",
                rows,
            )

    def target_id(self, target_object: str, key_field: str, key_value: str) -> str | None:
        return self._one(
            "SELECT target_id FROM id_map WHERE target_object = ? AND key_field = ? AND key_value = ? LIMIT 1",
            target_object, key_field, key_value,
        )

    def target_for_source(self, map_id: str, source_id: str) -> str | None:
        return self._one("SELECT target_id FROM id_map WHERE map_id = ? AND source_id = ?", map_id, source_id)

    def links(self, target_object: str | None = None) -> Iterator[IdLink]:
        sql = "SELECT * FROM id_map" + (" WHERE target_object = ?" if target_object else "") + " ORDER BY rowid"
        for row in self._db.execute(sql, (target_object,) if target_object else ()):
            yield IdLink(map_id=row[0], source_object=row[1], source_id=row[2], target_object=row[3], target_id=row[4],
                         key_field=row[5], key_value=row[6], inserted=bool(row[7]))

    # ------------------------------------------------------------------ audit and quarantine

    def audit(self, entries: Iterable[AuditEntry], operator: str) -> None:
        at = now()
        rows = [(at, operator, e.op, e.phase, e.map_id, e.source_object, e.source_id, e.target_object, e.target_id, e.detail) for e in entries]
        with self.transaction():
            self._db.executemany(
                "INSERT INTO audit (at, operator, op, phase, map_id, source_object, source_id, target_object, target_id, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows,
            )

    def audit_rows(self, phase: str | None = None) -> Iterator[dict[str, Any]]:
        cursor = self._db.execute(
            "SELECT seq, at, operator, op, phase, map_id, source_object, source_id, target_object, target_id, detail FROM audit"
            + (" WHERE phase = ?" if phase else "") + " ORDER BY seq",
            (phase,) if phase else (),
        )
        names = [c[0] for c in cursor.description]
        for row in cursor:
            yield dict(zip(names, row))

    def quarantine(self, entries: Iterable[Quarantined]) -> None:
        rows = [(q.phase, q.map_id, q.source_object, q.source_id, q.reason, q.location, _dump(q.record)) for q in entries]
        with self.transaction():
            self._db.executemany("INSERT OR REPLACE INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def quarantined(self, phase: str | None = None) -> Iterator[Quarantined]:
        sql = "SELECT * FROM quarantine" + (" WHERE phase = ?" if phase else "") + " ORDER BY rowid"
        for row in self._db.execute(sql, (phase,) if phase else ()):
            yield Quarantined(phase=row[0], map_id=row[1], source_object=row[2], source_id=row[3], reason=row[4],
                              location=row[5], record=json.loads(row[6]))

    # ------------------------------------------------------------------ before-images

    def before_image(self, target_object: str, target_id: str, record: dict[str, Any]) -> None:
        with self.transaction():
            # The first image wins: a resumed or repeated update must not overwrite the original.
            self._db.execute("INSERT OR IGNORE INTO before_image VALUES (?, ?, ?, ?)", (target_object, target_id, _dump(record), now()))

    def before_images(self, target_object: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for target_id, record in self._db.execute(
            "SELECT target_id, record FROM before_image WHERE target_object = ? ORDER BY rowid", (target_object,)
        ):
            yield target_id, json.loads(record)

    # ------------------------------------------------------------------ checkpoints and batches

    def set_checkpoint(self, phase: str, status: str, state: dict[str, Any]) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO checkpoint VALUES (?, ?, ?, ?)", (phase, status, _dump(state), now()))

    def checkpoint(self, phase: str) -> tuple[str, dict[str, Any]] | None:
        row = self._db.execute("SELECT status, state FROM checkpoint WHERE phase = ?", (phase,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def begin_batch(self, phase: str, batch: int, source_ids: list[str]) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO open_batch VALUES (?, ?, ?)", (phase, batch, _dump(source_ids)))

    def end_batch(self, phase: str, batch: int) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM open_batch WHERE phase = ? AND batch = ?", (phase, batch))

    def open_batches(self, phase: str) -> list[tuple[int, list[str]]]:
        return [(batch, json.loads(ids)) for batch, ids in self._db.execute(
            "SELECT batch, source_ids FROM open_batch WHERE phase = ? ORDER BY batch", (phase,))]

    def counts(self, phase: str) -> PhaseCounts:
        found = dict(self._db.execute("SELECT op, COUNT(*) FROM audit WHERE phase = ? GROUP BY op", (phase,)).fetchall())
        quarantined = self._one("SELECT COUNT(*) FROM quarantine WHERE phase = ?", phase) or 0
        return PhaseCounts(phase=phase, inserted=found.get("insert", 0), updated=found.get("update", 0),
                           skipped=found.get("skip", 0), quarantined=quarantined, reported=found.get("report", 0))

    # ------------------------------------------------------------------ delta watermarks

    def set_watermark(self, source_object: str, value: str) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO watermark VALUES (?, ?)", (source_object, value))

    def watermark(self, source_object: str) -> str | None:
        return self._one("SELECT value FROM watermark WHERE source_object = ?", source_object)

    def close(self) -> None:
        self._db.close()

"""The run journal: what a migration did, durably, so it can resume, reconcile and roll back.

One journal per run directory. It holds the run's metadata and consent record, and for every
source unit a map read exactly one *disposition*:

- `id_map`: the unit was loaded; the target record it became (`partial` when a ref fell back
  because the record it points at was not loaded yet, so a later pass sends it again);
- `quarantine`: the unit was refused (bad value, failed flag, missing ref, target refusal) with
  its reason and `.mig` location; `held` marks units whose write may or may not have happened
  (sent before a crash to an object where the run cannot look records up): later passes leave
  them alone until an operator releases them;
- `skipped`: the unit was deliberately not loaded (over a `limit`, nothing to merge into).

Beside them: `lookup_key` (the values refs match by, so refs to records of this run resolve
without searching the target), an append-only `audit` log (insert, update, skip, quarantine,
report, delete, restore, with operator and time), per-phase `checkpoint`s, `open_batch`es
(written before a batch is sent, cleared with its results in one transaction, so a crash
between the two is detected on resume), `before_image`s of target records the run changes,
`preexisting` (records the target held before the run, by key, to take before-images from),
`deferred_ref`s (self references set after their phase's inserts) and delta `watermark`s.

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
Disposition = Literal["linked", "partial", "held", "quarantined", "skipped"]

SCHEMA_VERSION = 2


class JournalError(Exception):
    """The journal file cannot be used (another migc version wrote it, or it is not a journal)."""


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
    held: bool = False  # the write's outcome is unknown: not retried until released


class Skipped(msgspec.Struct, frozen=True, kw_only=True):
    map_id: str
    source_id: str
    reason: str


class IdLink(msgspec.Struct, frozen=True, kw_only=True):
    map_id: str
    source_object: str
    source_id: str
    target_object: str
    target_id: str
    key_field: str = ""
    key_value: str = ""
    inserted: bool = True
    partial: bool = False


class LookupKey(msgspec.Struct, frozen=True, kw_only=True):
    """A value a ref may match a target record by (`Contacts.Netmera_Id__c = "u1"` -> id)."""

    target_object: str
    field: str
    value: str
    target_id: str


class DeferredRef(msgspec.Struct, frozen=True, kw_only=True):
    """A self reference of a loaded record, set once its phase has inserted every record."""

    map_id: str
    source_id: str
    field: str  # the .mig field of the ref step
    values: list[Any]  # [the values its matches compare, in order; the fallback]


class PhaseCounts(msgspec.Struct, frozen=True, kw_only=True):
    phase: str
    loaded: int
    inserted: int
    updated: int
    partial: int
    skipped: int
    quarantined: int
    held: int
    reported: int

    @property
    def accounted(self) -> int:
        return self.loaded + self.skipped + self.quarantined


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Journal(abc.ABC):
    """What the runtime records and asks; implementations decide how it is stored."""

    @abc.abstractmethod
    def transaction(self): ...

    @abc.abstractmethod
    def begin_pass(self, operator: str) -> int: ...

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
    def index_keys(self, keys: Iterable[LookupKey]) -> None: ...

    @abc.abstractmethod
    def target_id(self, target_object: str, key_field: str, key_value: str) -> str | None: ...

    @abc.abstractmethod
    def target_for_source(self, map_id: str, source_id: str) -> str | None: ...

    @abc.abstractmethod
    def disposition(self, map_id: str, source_id: str) -> tuple[Disposition | None, bool]:
        """The unit's disposition, and whether the current pass wrote it."""

    @abc.abstractmethod
    def mark_partial(self, map_id: str, source_ids: Iterable[str]) -> None: ...

    @abc.abstractmethod
    def links(self, target_object: str | None = None, *, map_id: str | None = None) -> Iterator[IdLink]: ...

    @abc.abstractmethod
    def mark_removed(self, target_object: str, target_ids: Iterable[str]) -> None: ...

    @abc.abstractmethod
    def is_linked(self, target_object: str, target_id: str) -> bool: ...

    @abc.abstractmethod
    def audit(self, entries: Iterable[AuditEntry], operator: str) -> None: ...

    @abc.abstractmethod
    def audit_rows(self, phase: str | None = None) -> Iterator[dict[str, Any]]: ...

    @abc.abstractmethod
    def quarantine(self, entries: Iterable[Quarantined]) -> None: ...

    @abc.abstractmethod
    def quarantined(self, phase: str | None = None) -> Iterator[Quarantined]: ...

    @abc.abstractmethod
    def release_held(self, map_id: str | None = None) -> int: ...

    @abc.abstractmethod
    def skip(self, entries: Iterable[Skipped]) -> None: ...

    @abc.abstractmethod
    def before_image(self, target_object: str, target_id: str, record: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def before_images(self, target_object: str, *, pending_only: bool = False) -> Iterator[tuple[str, dict[str, Any]]]: ...

    @abc.abstractmethod
    def mark_restored(self, target_object: str, target_id: str) -> None: ...

    @abc.abstractmethod
    def remember_preexisting(self, target_object: str, key_field: str, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> None: ...

    @abc.abstractmethod
    def preexisting(self, target_object: str, key_field: str, key_value: str) -> tuple[str, dict[str, Any]] | None: ...

    @abc.abstractmethod
    def defer_refs(self, refs: Iterable[DeferredRef]) -> None: ...

    @abc.abstractmethod
    def deferred_refs(self, map_id: str, *, after: int = 0, limit: int = 500) -> list[tuple[int, DeferredRef]]: ...

    @abc.abstractmethod
    def clear_deferred(self, map_id: str, source_ids: Iterable[str]) -> None: ...

    @abc.abstractmethod
    def set_checkpoint(self, phase: str, status: str, state: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def checkpoint(self, phase: str) -> tuple[str, dict[str, Any]] | None: ...

    @abc.abstractmethod
    def begin_batch(self, phase: str, batch: int, entries: list[list[str]]) -> None:
        """Before a batch is sent: its [source id, key or stamp value] pairs."""

    @abc.abstractmethod
    def end_batch(self, phase: str, batch: int) -> None: ...

    @abc.abstractmethod
    def open_batches(self, phase: str) -> list[tuple[int, list[list[str]]]]: ...

    @abc.abstractmethod
    def counts(self, phase: str) -> PhaseCounts: ...

    @abc.abstractmethod
    def phases(self) -> list[str]:
        """The map phases that have a checkpoint, in the order they first ran."""

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
    key_value TEXT NOT NULL, inserted INTEGER NOT NULL, partial INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0, pass INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (map_id, source_id));
CREATE INDEX IF NOT EXISTS id_map_target ON id_map (target_object, target_id);
CREATE TABLE IF NOT EXISTS lookup_key (
    target_object TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, target_id TEXT NOT NULL,
    PRIMARY KEY (target_object, field, value));
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, operator TEXT NOT NULL, op TEXT NOT NULL,
    phase TEXT NOT NULL, map_id TEXT NOT NULL, source_object TEXT NOT NULL, source_id TEXT NOT NULL,
    target_object TEXT NOT NULL, target_id TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_phase ON audit (phase, op);
CREATE TABLE IF NOT EXISTS quarantine (
    phase TEXT NOT NULL, map_id TEXT NOT NULL, source_object TEXT NOT NULL, source_id TEXT NOT NULL,
    reason TEXT NOT NULL, location TEXT NOT NULL, record TEXT NOT NULL, held INTEGER NOT NULL DEFAULT 0,
    pass INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (map_id, source_id));
CREATE TABLE IF NOT EXISTS skipped (
    map_id TEXT NOT NULL, source_id TEXT NOT NULL, reason TEXT NOT NULL, pass INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (map_id, source_id));
CREATE TABLE IF NOT EXISTS pass (seq INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, operator TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS before_image (
    target_object TEXT NOT NULL, target_id TEXT NOT NULL, record TEXT NOT NULL, at TEXT NOT NULL,
    restored INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (target_object, target_id));
CREATE TABLE IF NOT EXISTS preexisting (
    target_object TEXT NOT NULL, key_field TEXT NOT NULL, key_value TEXT NOT NULL, target_id TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (target_object, key_field, key_value));
CREATE TABLE IF NOT EXISTS deferred_ref (
    map_id TEXT NOT NULL, source_id TEXT NOT NULL, field TEXT NOT NULL, ref_values TEXT NOT NULL,
    PRIMARY KEY (map_id, source_id, field));
CREATE TABLE IF NOT EXISTS checkpoint (phase TEXT PRIMARY KEY, status TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS open_batch (phase TEXT NOT NULL, batch INTEGER NOT NULL, source_ids TEXT NOT NULL, PRIMARY KEY (phase, batch));
CREATE TABLE IF NOT EXISTS watermark (source_object TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_encoder = msgspec.json.Encoder()


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def normalized_key(value: Any) -> str:
    """How key values are compared: as trimmed, case-folded text (CRMs match keys that way)."""
    return str(value).strip().casefold()


class SqliteJournal(Journal):
    """The journal in one SQLite file, WAL mode, synchronous=FULL (a crash loses nothing committed)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists() or path.stat().st_size == 0
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if not fresh and version != SCHEMA_VERSION:
                self._db.close()
                raise JournalError(
                    f"{path} was written by another version of migc (journal format {version}, this one reads {SCHEMA_VERSION}); "
                    "finish or roll back that run with the migc that started it, or choose another --run-dir"
                )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as error:
            raise JournalError(f"{path} is not a migc journal ({error})") from None
        self._depth = 0
        self.current_pass = 0

    def begin_pass(self, operator: str) -> int:
        """Starts a pass (one engine run over the phases); dispositions it writes carry its number,
        so a source unit read twice in one pass is told apart from one an earlier pass loaded."""
        with self.transaction():
            cursor = self._db.execute("INSERT INTO pass (started_at, operator) VALUES (?, ?)", (now(), operator))
        self.current_pass = int(cursor.lastrowid)
        return self.current_pass

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

    # ------------------------------------------------------------------ id map and lookup keys

    def link(self, links: Iterable[IdLink]) -> None:
        rows = [(l.map_id, l.source_object, l.source_id, l.target_object, l.target_id, l.key_field, l.key_value,
                 int(l.inserted), int(l.partial), self.current_pass) for l in links]
        if not rows:
            return
        with self.transaction():
            # A record first inserted stays "inserted" when a later pass finds it again.
            self._db.executemany(
                "INSERT INTO id_map (map_id, source_object, source_id, target_object, target_id, key_field, key_value, inserted, partial, pass) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (map_id, source_id) DO UPDATE SET "
                "target_id = excluded.target_id, key_field = excluded.key_field, key_value = excluded.key_value, "
                "partial = excluded.partial, removed = 0, pass = excluded.pass",
                rows,
            )
            # A unit has one disposition: once loaded it is no longer quarantined or skipped.
            pairs = [(row[0], row[2]) for row in rows]
            self._db.executemany("DELETE FROM quarantine WHERE map_id = ? AND source_id = ?", pairs)
            self._db.executemany("DELETE FROM skipped WHERE map_id = ? AND source_id = ?", pairs)

    def index_keys(self, keys: Iterable[LookupKey]) -> None:
        rows = [(k.target_object, k.field, normalized_key(k.value), k.target_id) for k in keys]
        if rows:
            with self.transaction():
                self._db.executemany("INSERT OR REPLACE INTO lookup_key VALUES (?, ?, ?, ?)", rows)

    def target_id(self, target_object: str, key_field: str, key_value: str) -> str | None:
        return self._one(
            "SELECT target_id FROM lookup_key WHERE target_object = ? AND field = ? AND value = ?",
            target_object, key_field, normalized_key(key_value),
        )

    def target_for_source(self, map_id: str, source_id: str) -> str | None:
        return self._one("SELECT target_id FROM id_map WHERE map_id = ? AND source_id = ? AND removed = 0", map_id, source_id)

    def disposition(self, map_id: str, source_id: str) -> tuple[Disposition | None, bool]:
        # One statement: this runs once per unit, so it is the journal's hottest read.
        row = self._db.execute(
            "SELECT CASE WHEN partial THEN 'partial' ELSE 'linked' END, pass FROM id_map WHERE map_id = ?1 AND source_id = ?2 AND removed = 0 "
            "UNION ALL SELECT CASE WHEN held THEN 'held' ELSE 'quarantined' END, pass FROM quarantine WHERE map_id = ?1 AND source_id = ?2 "
            "UNION ALL SELECT 'skipped', pass FROM skipped WHERE map_id = ?1 AND source_id = ?2 LIMIT 1",
            (map_id, source_id),
        ).fetchone()
        if row is None:
            return None, False
        return row[0], row[1] == self.current_pass

    def mark_partial(self, map_id: str, source_ids: Iterable[str]) -> None:
        with self.transaction():
            self._db.executemany("UPDATE id_map SET partial = 1 WHERE map_id = ? AND source_id = ?", [(map_id, s) for s in source_ids])

    def links(self, target_object: str | None = None, *, map_id: str | None = None) -> Iterator[IdLink]:
        clauses, args = ["removed = 0"], []
        if target_object:
            clauses.append("target_object = ?")
            args.append(target_object)
        if map_id:
            clauses.append("map_id = ?")
            args.append(map_id)
        sql = ("SELECT map_id, source_object, source_id, target_object, target_id, key_field, key_value, inserted, partial "
               f"FROM id_map WHERE {' AND '.join(clauses)} ORDER BY rowid")
        for row in self._db.execute(sql, args).fetchall():
            yield IdLink(map_id=row[0], source_object=row[1], source_id=row[2], target_object=row[3], target_id=row[4],
                         key_field=row[5], key_value=row[6], inserted=bool(row[7]), partial=bool(row[8]))

    def is_linked(self, target_object: str, target_id: str) -> bool:
        return self._one("SELECT 1 FROM id_map WHERE target_object = ? AND target_id = ? AND removed = 0", target_object, target_id) is not None

    def mark_removed(self, target_object: str, target_ids: Iterable[str]) -> None:
        ids = [(target_object, target_id) for target_id in target_ids]
        with self.transaction():
            self._db.executemany("UPDATE id_map SET removed = 1 WHERE target_object = ? AND target_id = ?", ids)
            self._db.executemany("DELETE FROM lookup_key WHERE target_object = ? AND target_id = ?", ids)

    # ------------------------------------------------------------------ audit, quarantine, skips

    def audit(self, entries: Iterable[AuditEntry], operator: str) -> None:
        at = now()
        rows = [(at, operator, e.op, e.phase, e.map_id, e.source_object, e.source_id, e.target_object, e.target_id, e.detail) for e in entries]
        if rows:
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
        for row in cursor.fetchall():
            yield dict(zip(names, row))

    def quarantine(self, entries: Iterable[Quarantined]) -> None:
        rows = [(q.phase, q.map_id, q.source_object, q.source_id, q.reason, q.location, _dump(q.record), int(q.held), self.current_pass)
                for q in entries]
        if rows:
            with self.transaction():
                self._db.executemany("INSERT OR REPLACE INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                self._db.executemany("DELETE FROM skipped WHERE map_id = ? AND source_id = ?", [(row[1], row[3]) for row in rows])

    def quarantined(self, phase: str | None = None) -> Iterator[Quarantined]:
        sql = ("SELECT phase, map_id, source_object, source_id, reason, location, record, held FROM quarantine"
               + (" WHERE phase = ?" if phase else "") + " ORDER BY rowid")
        for row in self._db.execute(sql, (phase,) if phase else ()).fetchall():
            yield Quarantined(phase=row[0], map_id=row[1], source_object=row[2], source_id=row[3], reason=row[4],
                              location=row[5], record=json.loads(row[6]), held=bool(row[7]))

    def release_held(self, map_id: str | None = None) -> int:
        with self.transaction():
            cursor = self._db.execute("DELETE FROM quarantine WHERE held = 1" + (" AND map_id = ?" if map_id else ""),
                                      (map_id,) if map_id else ())
        return cursor.rowcount

    def skip(self, entries: Iterable[Skipped]) -> None:
        rows = [(s.map_id, s.source_id, s.reason, self.current_pass) for s in entries]
        if rows:
            with self.transaction():
                self._db.executemany("INSERT OR REPLACE INTO skipped VALUES (?, ?, ?, ?)", rows)
                self._db.executemany("DELETE FROM quarantine WHERE map_id = ? AND source_id = ?", [(row[0], row[1]) for row in rows])

    # ------------------------------------------------------------------ before-images

    def before_image(self, target_object: str, target_id: str, record: dict[str, Any]) -> None:
        with self.transaction():
            # The first image wins: a resumed or repeated update must not overwrite the original.
            self._db.execute("INSERT OR IGNORE INTO before_image (target_object, target_id, record, at) VALUES (?, ?, ?, ?)",
                             (target_object, target_id, _dump(record), now()))

    def before_images(self, target_object: str, *, pending_only: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
        sql = "SELECT target_id, record FROM before_image WHERE target_object = ?" + (" AND restored = 0" if pending_only else "") + " ORDER BY rowid"
        for target_id, record in self._db.execute(sql, (target_object,)).fetchall():
            yield target_id, json.loads(record)

    def mark_restored(self, target_object: str, target_id: str) -> None:
        with self.transaction():
            self._db.execute("UPDATE before_image SET restored = 1 WHERE target_object = ? AND target_id = ?", (target_object, target_id))

    def remember_preexisting(self, target_object: str, key_field: str, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        values = [(target_object, key_field, normalized_key(key), target_id, _dump(record)) for key, target_id, record in rows]
        if values:
            with self.transaction():
                self._db.executemany("INSERT OR IGNORE INTO preexisting VALUES (?, ?, ?, ?, ?)", values)

    def preexisting(self, target_object: str, key_field: str, key_value: str) -> tuple[str, dict[str, Any]] | None:
        row = self._db.execute(
            "SELECT target_id, record FROM preexisting WHERE target_object = ? AND key_field = ? AND key_value = ?",
            (target_object, key_field, normalized_key(key_value)),
        ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    # ------------------------------------------------------------------ deferred self references

    def defer_refs(self, refs: Iterable[DeferredRef]) -> None:
        rows = [(r.map_id, r.source_id, r.field, _dump(r.values)) for r in refs]
        if rows:
            with self.transaction():
                self._db.executemany("INSERT OR REPLACE INTO deferred_ref VALUES (?, ?, ?, ?)", rows)

    def deferred_refs(self, map_id: str, *, after: int = 0, limit: int = 500) -> list[tuple[int, DeferredRef]]:
        """A page of the phase's deferred refs after row `after` (pages, so none is held whole in memory)."""
        return [(rowid, DeferredRef(map_id=map_id, source_id=source_id, field=field, values=json.loads(values)))
                for rowid, source_id, field, values in self._db.execute(
                    "SELECT rowid, source_id, field, ref_values FROM deferred_ref WHERE map_id = ? AND rowid > ? ORDER BY rowid LIMIT ?",
                    (map_id, after, limit)).fetchall()]

    def clear_deferred(self, map_id: str, source_ids: Iterable[str]) -> None:
        with self.transaction():
            self._db.executemany("DELETE FROM deferred_ref WHERE map_id = ? AND source_id = ?", [(map_id, s) for s in source_ids])

    # ------------------------------------------------------------------ checkpoints and batches

    def set_checkpoint(self, phase: str, status: str, state: dict[str, Any]) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO checkpoint VALUES (?, ?, ?, ?)", (phase, status, _dump(state), now()))

    def checkpoint(self, phase: str) -> tuple[str, dict[str, Any]] | None:
        row = self._db.execute("SELECT status, state FROM checkpoint WHERE phase = ?", (phase,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def begin_batch(self, phase: str, batch: int, entries: list[list[str]]) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO open_batch VALUES (?, ?, ?)", (phase, batch, _dump(entries)))

    def end_batch(self, phase: str, batch: int) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM open_batch WHERE phase = ? AND batch = ?", (phase, batch))

    def open_batches(self, phase: str) -> list[tuple[int, list[list[str]]]]:
        return [(batch, json.loads(ids)) for batch, ids in self._db.execute(
            "SELECT batch, source_ids FROM open_batch WHERE phase = ? ORDER BY batch", (phase,)).fetchall()]

    def counts(self, phase: str) -> PhaseCounts:
        loaded, inserted, partial = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(inserted), 0), COALESCE(SUM(partial), 0) FROM id_map WHERE map_id = ? AND removed = 0", (phase,)
        ).fetchone()
        quarantined, held = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(held), 0) FROM quarantine WHERE map_id = ?", (phase,)
        ).fetchone()
        skipped = self._one("SELECT COUNT(*) FROM skipped WHERE map_id = ?", phase) or 0
        reported = self._one("SELECT COUNT(DISTINCT source_id) FROM audit WHERE phase = ? AND op = 'report'", phase) or 0
        return PhaseCounts(phase=phase, loaded=loaded, inserted=inserted, updated=loaded - inserted, partial=partial,
                           skipped=skipped, quarantined=quarantined, held=held, reported=reported)

    def phases(self) -> list[str]:
        return [row[0] for row in self._db.execute(
            "SELECT phase FROM checkpoint WHERE phase != 'schema' AND phase NOT LIKE 'preexisting:%' ORDER BY rowid").fetchall()]

    # ------------------------------------------------------------------ delta watermarks

    def set_watermark(self, source_object: str, value: str) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO watermark VALUES (?, ?)", (source_object, value))

    def watermark(self, source_object: str) -> str | None:
        return self._one("SELECT value FROM watermark WHERE source_object = ?", source_object)

    def close(self) -> None:
        self._db.close()

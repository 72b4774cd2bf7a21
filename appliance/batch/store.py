"""Files, batches and their lines in one SQLite database (``state_dir/batch/batch.db``).

The shapes are OpenAI's Batch API: a file uploaded with purpose ``batch`` holds one request a
line (``custom_id``, ``method``, ``url``, ``body``); a batch runs them against one endpoint and
ends with an output file (answered lines) and an error file (refused or failed lines), each a
line per request: ``{"id", "custom_id", "response": {"status_code", "request_id", "body"},
"error"}``.

Exactly once, across crashes: a line is ``pending``, ``running`` or ``done``. Its answer is
stored in the same transaction that marks it done (``synchronous = FULL``: durable when the
commit returns). At start-up every ``running`` line goes back to ``pending`` and runs again:
its answer was never stored, so it was never delivered (it appears in no output file), and
running it again is not a repeat. Each run is its own audited request, so the audit log may
show a line begun twice; the output file has it once.

What is kept is sealed (:mod:`~appliance.batch.sealing`): the uploaded file and its name (a
name such as ``complaints_john_smith.jsonl`` is personal data too), each line's request and
answer, a batch's metadata. In clear: ids, owners, sizes, counts, times, statuses, and the
validation errors of a file (line numbers and rules, never a value). Deleted rows are
overwritten (``secure_delete``). A file is deleted ``retention`` after its upload, a batch with
its lines and output files ``retention`` after it ended (:meth:`BatchStore.sweep`).

A line that failed in a way that may pass is put back with ``attempts`` counted and a time
before which it is not claimed (``not_before``); a line of an identity that may no longer
submit (its token revoked, the identity or its right to generate removed) ends its batch:
it and the lines not yet run get an error line (``owner_revoked``) and the batch ``failed``.

Every method is blocking (the worker and the HTTP routes call them in a thread); one
connection, one lock.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.batch import ENDPOINTS
from appliance.batch.sealing import KEY_FILE, KEY_SETTING, Sealer, make_key, read_key
from appliance.errors import ConfigError, InvalidArgument

COMPLETION_WINDOW = "24h"
WINDOW_SECONDS = 24 * 3600
#: Validation errors a failed batch lists (the first ones).
MAX_ERRORS = 100
MAX_CUSTOM_ID_CHARS = 512
MAX_FILENAME_CHARS = 255
MAX_METADATA_KEYS = 16
#: The statuses a batch of this store may have (the metrics' label values).
STATUSES = ("in_progress", "cancelling", "completed", "failed", "expired", "cancelled")
#: Why a line ran again (the metrics' label values): cut off by interactive work, made to
#: wait (a limit, the appliance not serving), or after a failure that may pass.
RETRY_REASONS = ("preempted", "deferred", "transient")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, purpose TEXT NOT NULL, filename TEXT NOT NULL,
    bytes INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    batch_id TEXT, content BLOB, name BLOB);
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, owner TEXT NOT NULL,
    identified INTEGER NOT NULL, role TEXT NOT NULL, endpoint TEXT NOT NULL,
    input_file_id TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, in_progress_at INTEGER, finalizing_at INTEGER,
    completed_at INTEGER, failed_at INTEGER, expired_at INTEGER, cancelling_at INTEGER,
    cancelled_at INTEGER, delete_at INTEGER, total INTEGER NOT NULL DEFAULT 0,
    completed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    output_file_id TEXT, error_file_id TEXT, errors TEXT, metadata BLOB);
CREATE TABLE IF NOT EXISTS lines (
    batch_id TEXT NOT NULL, idx INTEGER NOT NULL, state TEXT NOT NULL,
    request BLOB NOT NULL, result BLOB, is_error INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0, not_before REAL,
    PRIMARY KEY (batch_id, idx));
CREATE INDEX IF NOT EXISTS lines_state ON lines (state, batch_id, idx);
"""
#: Columns added since the first release (a database made by it gains them at open).
_ADDED = {"files": {"name": "BLOB"},
          "lines": {"attempts": "INTEGER NOT NULL DEFAULT 0", "not_before": "REAL"}}


class NotFound(InvalidArgument):
    """No such file or batch for this caller (another identity's is not found either)."""

    reason = "not_found"


@dataclass(frozen=True)
class Line:
    """One claimed line: what to run, for whom."""

    batch_id: str
    idx: int
    owner: str
    #: The owner authenticated (its policy's limits apply); False for an anonymous caller.
    identified: bool
    role: str
    endpoint: str
    custom_id: str
    body: dict[str, Any]
    #: Runs of this line that failed in a way that may pass (see BatchStore.release).
    attempts: int = 0


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


class BatchStore:
    """The database; ``clock`` returns Unix seconds (tests fix it). ``key_path``: the key
    file (``[batch] key_file``; default ``directory/batch.key``); ``key``: the key itself
    (tests)."""

    def __init__(self, directory: Path, *, retention_seconds: float, max_lines: int,  # noqa: PLR0913 - its settings
                 clock: Callable[[], float] = time.time, key: bytes | None = None,
                 key_path: Path | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.directory = directory
        self.retention_seconds = retention_seconds
        self.max_lines = max_lines
        self.clock = clock
        self.key_path = key_path or directory / KEY_FILE
        #: Lines ended since start, by result (completed, failed), and lines put back to run
        #: again, by RETRY_REASONS (counters for the metrics).
        self.ended: dict[str, int] = {"completed": 0, "failed": 0}
        self.retried: dict[str, int] = dict.fromkeys(RETRY_REASONS, 0)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(directory / "batch.db", check_same_thread=False,
                                   isolation_level=None)
        try:
            (directory / "batch.db").chmod(0o600)
            self._db.row_factory = sqlite3.Row
            for pragma in ("journal_mode = WAL", "synchronous = FULL", "secure_delete = ON",
                           "foreign_keys = ON"):
                self._db.execute(f"PRAGMA {pragma}")
            self._db.executescript(_SCHEMA)
            self._migrate()
            self._sealer = Sealer(key if key is not None else self._key())
            self._seal_clear_names()
        except BaseException:
            self._db.close()
            raise

    def _migrate(self) -> None:
        for table, columns in _ADDED.items():
            have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def _key(self) -> bytes:
        """The key file's key; a new one only while the database holds nothing sealed (a
        missing key with sealed rows is an error: a new key would not open them)."""
        key = read_key(self.key_path)
        if key is not None:
            return key
        held = self._db.execute("SELECT (SELECT count(*) FROM files) + "
                                "(SELECT count(*) FROM batches)").fetchone()[0]
        if held:
            raise ConfigError(
                f"batch key {self.key_path} is missing but {self.directory / 'batch.db'} holds "
                f"{held} sealed file(s) and batch(es): restore the key from a backup (a new "
                f"key cannot open them), or stop the daemon and move {self.directory} aside to "
                f"throw every batch away", key=KEY_SETTING)
        return make_key(self.key_path)

    def _seal_clear_names(self) -> None:
        """Files named in clear (by a release before names were sealed) get sealed names."""
        with self._tx() as db:
            for row in db.execute("SELECT id, filename FROM files WHERE name IS NULL"
                                  ).fetchall():
                db.execute("UPDATE files SET name = ?, filename = '' WHERE id = ?",
                           (self._seal_name(row["id"], row["filename"]), row["id"]))

    def _seal_name(self, file_id: str, name: str) -> bytes:
        return self._sealer.seal(name.encode("utf-8", "surrogatepass"), f"filename:{file_id}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _now(self) -> int:
        return int(self.clock())

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction (committed when the block ends, rolled back if it raises)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- files ------------------------------------------------------------------------------

    def add_file(self, owner: str, purpose: str, filename: str, data: bytes) -> dict[str, Any]:
        """Keep an uploaded file (sealed); its OpenAI file object."""
        if purpose != "batch":
            raise InvalidArgument('purpose: only "batch" files are accepted', field="purpose")
        file_id, now = _new_id("file-"), self._now()
        name = filename[:MAX_FILENAME_CHARS] or "upload.jsonl"
        with self._tx() as db:
            db.execute("INSERT INTO files (id, owner, purpose, filename, bytes, created_at, "
                       "expires_at, batch_id, content, name) "
                       "VALUES (?, ?, ?, '', ?, ?, ?, NULL, ?, ?)",
                       (file_id, owner, purpose, len(data), now,
                        now + int(self.retention_seconds),
                        self._sealer.seal(data, f"file:{file_id}"),
                        self._seal_name(file_id, name)))
        return self.get_file(owner, file_id)

    def _file_row(self, owner: str, file_id: str) -> sqlite3.Row:
        with self._lock:
            row = self._db.execute("SELECT * FROM files WHERE id = ? AND owner = ?",
                                   (file_id, owner)).fetchone()
        if row is None:
            raise NotFound("file: no such file", field="file_id")
        return row  # type: ignore[no-any-return]

    def get_file(self, owner: str, file_id: str) -> dict[str, Any]:
        return self._file_object(self._file_row(owner, file_id))

    def list_files(self, owner: str, purpose: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM files WHERE owner = ? AND (? IS NULL OR purpose = ?) "
                "ORDER BY created_at DESC, id", (owner, purpose, purpose)).fetchall()
        return [self._file_object(row) for row in rows]

    def file_content(self, owner: str, file_id: str) -> bytes:
        """An uploaded file as it was sent, or an output or error file's lines."""
        row = self._file_row(owner, file_id)
        if row["content"] is not None:
            return self._sealer.open(row["content"], f"file:{file_id}")
        errors = 1 if row["purpose"] == "batch_error" else 0
        with self._lock:
            rows = self._db.execute(
                "SELECT idx, result FROM lines WHERE batch_id = ? AND state = 'done' "
                "AND is_error = ? AND result IS NOT NULL ORDER BY idx",
                (row["batch_id"], errors)).fetchall()
        return b"".join(self._sealer.open(r["result"], f"result:{row['batch_id']}:{r['idx']}")
                        + b"\n" for r in rows)

    def delete_file(self, owner: str, file_id: str) -> dict[str, Any]:
        """Delete a file (an output or error file: the answers it holds with it)."""
        row = self._file_row(owner, file_id)
        with self._tx() as db:
            db.execute("DELETE FROM files WHERE id = ?", (file_id,))
            if row["batch_id"] is not None:
                db.execute("UPDATE lines SET result = NULL WHERE batch_id = ? AND is_error = ?",
                           (row["batch_id"], 1 if row["purpose"] == "batch_error" else 0))
        return {"id": file_id, "object": "file", "deleted": True}

    # -- batches ----------------------------------------------------------------------------

    def create_batch(self, owner: str, *, identified: bool, role: str,  # noqa: PLR0913 - the request's fields
                     input_file_id: str, endpoint: str, completion_window: str,
                     metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """A batch of the input file's lines: in progress, or failed with the problems of
        the file (each naming its line)."""
        if endpoint not in ENDPOINTS:
            raise InvalidArgument(f"endpoint: must be one of {', '.join(ENDPOINTS)}",
                                  field="endpoint")
        if completion_window != COMPLETION_WINDOW:
            raise InvalidArgument(f'completion_window: must be "{COMPLETION_WINDOW}"',
                                  field="completion_window")
        _check_metadata(metadata)
        row = self._file_row(owner, input_file_id)
        if row["purpose"] != "batch" or row["content"] is None:
            raise InvalidArgument("input_file_id: not a file uploaded with purpose batch",
                                  field="input_file_id")
        data = self._sealer.open(row["content"], f"file:{input_file_id}")
        lines, errors = parse_lines(data, endpoint, self.max_lines)
        batch_id, now = _new_id("batch_"), self._now()
        sealed_meta = self._sealer.seal(json.dumps(metadata or {}).encode(),
                                        f"metadata:{batch_id}")
        with self._tx() as db:
            if errors:
                db.execute(
                    "INSERT INTO batches (id, owner, identified, role, endpoint, input_file_id,"
                    " status, created_at, expires_at, failed_at, delete_at, errors, metadata)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'failed', ?, ?, ?, ?, ?, ?)",
                    (batch_id, owner, int(identified), role, endpoint, input_file_id, now,
                     now + WINDOW_SECONDS, now, now + int(self.retention_seconds),
                     json.dumps(errors), sealed_meta))
            else:
                db.execute(
                    "INSERT INTO batches (id, owner, identified, role, endpoint, input_file_id,"
                    " status, created_at, expires_at, in_progress_at, total, metadata)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'in_progress', ?, ?, ?, ?, ?)",
                    (batch_id, owner, int(identified), role, endpoint, input_file_id, now,
                     now + WINDOW_SECONDS, now, len(lines), sealed_meta))
                db.executemany(
                    "INSERT INTO lines (batch_id, idx, state, request) VALUES (?, ?, 'pending', ?)",
                    [(batch_id, i, self._sealer.seal(line, f"request:{batch_id}:{i}"))
                     for i, line in enumerate(lines)])
        return self.get_batch(owner, batch_id)

    def _batch_row(self, owner: str | None, batch_id: str) -> sqlite3.Row:
        with self._lock:
            row = self._db.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None or (owner is not None and row["owner"] != owner):
            raise NotFound("batch: no such batch", field="batch_id")
        return row  # type: ignore[no-any-return]

    def _file_object(self, row: sqlite3.Row) -> dict[str, Any]:
        name = row["filename"] if row["name"] is None else self._sealer.open(
            row["name"], f"filename:{row['id']}").decode("utf-8", "surrogatepass")
        return {"id": row["id"], "object": "file", "bytes": row["bytes"],
                "created_at": row["created_at"], "expires_at": row["expires_at"],
                "filename": name, "purpose": row["purpose"], "status": "processed",
                "status_details": None}

    def get_batch(self, owner: str | None, batch_id: str) -> dict[str, Any]:
        """The batch's OpenAI object (``owner`` None: whoever owns it)."""
        return self._batch_object(self._batch_row(owner, batch_id))

    def list_batches(self, owner: str, after: str | None = None,
                     limit: int = 20) -> tuple[list[dict[str, Any]], bool]:
        """The owner's batches, newest first, those older than ``after``; and whether there
        are more."""
        before = self._batch_row(owner, after)["seq"] if after else None
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM batches WHERE owner = ? AND (? IS NULL OR seq < ?) "
                "ORDER BY seq DESC LIMIT ?", (owner, before, before, limit + 1)).fetchall()
        return [self._batch_object(row) for row in rows[:limit]], len(rows) > limit

    def cancel_batch(self, owner: str, batch_id: str) -> dict[str, Any]:
        """Stop running a batch: no further line starts; lines running finish and are kept
        (the batch is ``cancelling`` until they have, then ``cancelled``)."""
        row = self._batch_row(owner, batch_id)
        if row["status"] in ("in_progress", "validating"):
            with self._tx() as db:
                db.execute("UPDATE batches SET status = 'cancelling', cancelling_at = ? "
                           "WHERE id = ? AND status = 'in_progress'", (self._now(), batch_id))
            self.finalize()
        return self.get_batch(owner, batch_id)

    def _batch_object(self, row: sqlite3.Row) -> dict[str, Any]:
        meta = json.loads(self._sealer.open(row["metadata"], f"metadata:{row['id']}")) \
            if row["metadata"] is not None else {}
        errors = json.loads(row["errors"]) if row["errors"] else None
        return {
            "id": row["id"], "object": "batch", "endpoint": row["endpoint"],
            "errors": {"object": "list", "data": errors} if errors else None,
            "input_file_id": row["input_file_id"], "completion_window": COMPLETION_WINDOW,
            "status": row["status"], "output_file_id": row["output_file_id"],
            "error_file_id": row["error_file_id"], "created_at": row["created_at"],
            **{f"{when}_at": row[f"{when}_at"] for when in (
                "in_progress", "expires", "finalizing", "completed", "failed", "expired",
                "cancelling", "cancelled")},
            "request_counts": {"total": row["total"], "completed": row["completed"],
                               "failed": row["failed"]},
            "metadata": meta or None,
        }

    # -- the worker's side ------------------------------------------------------------------

    def recover(self) -> int:
        """At start-up: lines left running by a crash or a stop run again (their answers were
        never stored). Returns how many. Lines waiting out a back-off may run at once (the
        worker that set it is gone)."""
        with self._tx() as db:
            db.execute("UPDATE lines SET not_before = NULL WHERE not_before IS NOT NULL")
            return db.execute("UPDATE lines SET state = 'pending' WHERE state = 'running'"
                              ).rowcount

    def requeue_stale(self, running: set[tuple[str, int]]) -> int:
        """Lines marked running that are not among ``running`` (the worker's tasks) wait
        again: a safety net for a line whose task ended without storing or releasing it."""
        with self._tx() as db:
            rows = db.execute("SELECT batch_id, idx FROM lines WHERE state = 'running'"
                              ).fetchall()
            stale = [(r["batch_id"], r["idx"]) for r in rows
                     if (r["batch_id"], r["idx"]) not in running]
            db.executemany("UPDATE lines SET state = 'pending' WHERE batch_id = ? AND idx = ? "
                           "AND state = 'running'", stale)
        return len(stale)

    def claim(self, n: int, skip_owners: Collection[str] = ()) -> list[Line]:
        """Up to ``n`` waiting lines of batches in progress (oldest batch first, in file
        order), now marked running; none of ``skip_owners`` (identities whose limits made
        a line wait), none waiting out a back-off."""
        skip = sorted(skip_owners)
        with self._tx() as db:
            rows = db.execute(
                "SELECT l.batch_id, l.idx, l.request, l.attempts, b.owner, b.identified, "  # noqa: S608 - only placeholders are formatted in
                "b.role, b.endpoint FROM lines l JOIN batches b ON b.id = l.batch_id "
                "WHERE l.state = 'pending' AND b.status = 'in_progress' "
                "AND (l.not_before IS NULL OR l.not_before <= ?) "
                f"AND b.owner NOT IN ({', '.join('?' * len(skip))}) "
                "ORDER BY b.seq, l.idx LIMIT ?", (self.clock(), *skip, n)).fetchall()
            db.executemany("UPDATE lines SET state = 'running' WHERE batch_id = ? AND idx = ?",
                           [(r["batch_id"], r["idx"]) for r in rows])
        out = []
        for r in rows:
            request = json.loads(self._sealer.open(r["request"],
                                                   f"request:{r['batch_id']}:{r['idx']}"))
            out.append(Line(r["batch_id"], r["idx"], r["owner"], bool(r["identified"]),
                            r["role"], r["endpoint"], request["custom_id"], request["body"],
                            r["attempts"]))
        return out

    def complete(self, line: Line, result: dict[str, Any], *, error: bool) -> None:
        """Store a line's output (or error) line and mark it done, in one transaction."""
        sealed = self._sealer.seal(json.dumps(result, ensure_ascii=False).encode(),
                                   f"result:{line.batch_id}:{line.idx}")
        with self._tx() as db:
            done = db.execute("UPDATE lines SET state = 'done', result = ?, is_error = ? "
                              "WHERE batch_id = ? AND idx = ? AND state = 'running'",
                              (sealed, int(error), line.batch_id, line.idx)).rowcount
            if done:
                column = "failed" if error else "completed"
                db.execute(f"UPDATE batches SET {column} = {column} + 1 WHERE id = ?",  # noqa: S608 - one of two names
                           (line.batch_id,))
                self.ended[column] += 1

    def release(self, line: Line, *, delay: float = 0.0, failed: bool = False,
                reason: str = "deferred") -> None:
        """A line that could not run now (the appliance busy or not serving, cut off):
        waiting again, not claimed for ``delay`` seconds; ``failed``: its run failed in a way
        that may pass, and counts as one of its attempts. ``reason``: one of
        RETRY_REASONS."""
        self.retried[reason] += 1
        with self._tx() as db:
            db.execute("UPDATE lines SET state = 'pending', attempts = attempts + ?, "
                       "not_before = ? WHERE batch_id = ? AND idx = ? AND state = 'running'",
                       (int(failed), self.clock() + delay if delay > 0 else None,
                        line.batch_id, line.idx))

    def refuse_batch(self, line: Line, code: str, message: str) -> None:
        """``line``'s owner may no longer submit: it and every line of its batch not yet run
        get an error line (``code``), and the batch fails once no line of it runs."""
        error = {"code": code, "message": message}
        result = {"id": _new_id("batch_req_"), "custom_id": line.custom_id,
                  "response": None, "error": error}
        sealed = self._sealer.seal(json.dumps(result).encode(),
                                   f"result:{line.batch_id}:{line.idx}")
        with self._tx() as db:
            if db.execute("UPDATE lines SET state = 'done', result = ?, is_error = 1 "
                          "WHERE batch_id = ? AND idx = ? AND state = 'running'",
                          (sealed, line.batch_id, line.idx)).rowcount:
                db.execute("UPDATE batches SET failed = failed + 1 WHERE id = ?",
                           (line.batch_id,))
                self.ended["failed"] += 1
            self._fail_waiting(db, line.batch_id, error)
            db.execute("UPDATE batches SET errors = ? WHERE id = ? AND errors IS NULL",
                       (json.dumps([{**error, "param": None, "line": None}]), line.batch_id))

    def counts(self) -> dict[str, int]:
        """Batches held, by status (every status of STATUSES, 0 when none)."""
        with self._lock:
            rows = self._db.execute("SELECT status, count(*) FROM batches GROUP BY status"
                                    ).fetchall()
        return {**dict.fromkeys(STATUSES, 0), **{r[0]: int(r[1]) for r in rows}}

    def pending(self) -> int:
        """Lines waiting to run (of batches in progress)."""
        with self._lock:
            row = self._db.execute(
                "SELECT count(*) FROM lines l JOIN batches b ON b.id = l.batch_id "
                "WHERE l.state = 'pending' AND b.status = 'in_progress'").fetchone()
        return int(row[0])

    def finalize(self) -> list[str]:
        """End the batches that are done: all lines answered (completed), cancelled and none
        running (cancelled), or past their window (expired: lines not run get an error line).
        Returns the ids of the batches that ended."""
        now = self._now()
        ended = []
        with self._tx() as db:
            for row in db.execute(
                    "SELECT b.id, b.status, b.expires_at, b.errors, "
                    "(SELECT count(*) FROM lines WHERE batch_id = b.id AND state = 'running')"
                    " AS running, (SELECT count(*) FROM lines WHERE batch_id = b.id AND "
                    "state = 'pending') AS waiting FROM batches b "
                    "WHERE b.status IN ('in_progress', 'cancelling')").fetchall():
                status = None
                if row["status"] == "cancelling" and not row["running"]:
                    status = "cancelled"
                elif row["status"] == "in_progress" and now >= row["expires_at"]:
                    # Lines not started get an error line; running ones finish first.
                    self._fail_waiting(db, row["id"], {
                        "code": "batch_expired",
                        "message": "This request could not be executed before the "
                                   "completion window expired."})
                    status = "expired" if not row["running"] else None
                elif row["status"] == "in_progress" and not row["running"] \
                        and not row["waiting"]:
                    # Errors on a batch in progress: its owner was refused (refuse_batch).
                    status = "failed" if row["errors"] else "completed"
                if status is not None:
                    self._end(db, row["id"], status, now)
                    ended.append(row["id"])
        return ended

    def _fail_waiting(self, db: sqlite3.Connection, batch_id: str,
                      error: dict[str, str]) -> None:
        """Every line of the batch not yet run gets an error line with ``error``."""
        rows = db.execute("SELECT idx, request FROM lines WHERE batch_id = ? AND "
                          "state = 'pending'", (batch_id,)).fetchall()
        for r in rows:
            request = json.loads(self._sealer.open(r["request"], f"request:{batch_id}:{r['idx']}"))
            result = {"id": _new_id("batch_req_"), "custom_id": request["custom_id"],
                      "response": None, "error": error}
            sealed = self._sealer.seal(json.dumps(result).encode(),
                                       f"result:{batch_id}:{r['idx']}")
            db.execute("UPDATE lines SET state = 'done', result = ?, is_error = 1 "
                       "WHERE batch_id = ? AND idx = ?", (sealed, batch_id, r["idx"]))
            db.execute("UPDATE batches SET failed = failed + 1 WHERE id = ?", (batch_id,))
            self.ended["failed"] += 1

    def _end(self, db: sqlite3.Connection, batch_id: str, status: str, now: int) -> None:
        """The batch's output and error files (only those with lines), its end time."""
        row = db.execute("SELECT owner FROM batches WHERE id = ?", (batch_id,)).fetchone()
        files: dict[str, str | None] = {}
        for is_error, purpose, name in ((0, "batch_output", "output"),
                                        (1, "batch_error", "error")):
            size = db.execute(
                "SELECT count(*), coalesce(sum(length(result)), 0) FROM lines WHERE "
                "batch_id = ? AND state = 'done' AND is_error = ?", (batch_id, is_error)
            ).fetchone()
            files[name] = None
            if size[0]:
                file_id = _new_id("file-")
                files[name] = file_id
                db.execute("INSERT INTO files (id, owner, purpose, filename, bytes, "
                           "created_at, expires_at, batch_id, content, name) "
                           "VALUES (?, ?, ?, '', ?, ?, ?, ?, NULL, ?)",
                           (file_id, row["owner"], purpose,
                            self._plain_bytes(db, batch_id, is_error), now,
                            now + int(self.retention_seconds), batch_id,
                            self._seal_name(file_id, f"{batch_id}_{name}.jsonl")))
        when = {"completed": "completed_at", "cancelled": "cancelled_at",
                "expired": "expired_at", "failed": "failed_at"}[status]
        finalizing = ", finalizing_at = ?" if status == "completed" else ""
        db.execute(f"UPDATE batches SET status = ?, {when} = ?{finalizing}, delete_at = ?, "  # noqa: S608 - fixed names
                   "output_file_id = ?, error_file_id = ? WHERE id = ?",
                   (status, now, *((now,) if finalizing else ()),
                    now + int(self.retention_seconds), files["output"], files["error"],
                    batch_id))

    def _plain_bytes(self, db: sqlite3.Connection, batch_id: str, is_error: int) -> int:
        """The size of an output or error file as downloaded."""
        rows = db.execute("SELECT idx, result FROM lines WHERE batch_id = ? AND state = 'done' "
                          "AND is_error = ?", (batch_id, is_error)).fetchall()
        return sum(len(self._sealer.open(r["result"], f"result:{batch_id}:{r['idx']}")) + 1
                   for r in rows)

    def sweep(self) -> int:
        """Delete files and ended batches past their retention; returns rows deleted."""
        now = self._now()
        with self._tx() as db:
            gone = [r["id"] for r in db.execute(
                "SELECT id FROM batches WHERE delete_at IS NOT NULL AND delete_at <= ?",
                (now,)).fetchall()]
            n = 0
            for batch_id in gone:
                n += db.execute("DELETE FROM lines WHERE batch_id = ?", (batch_id,)).rowcount
                n += db.execute("DELETE FROM files WHERE batch_id = ?", (batch_id,)).rowcount
                n += db.execute("DELETE FROM batches WHERE id = ?", (batch_id,)).rowcount
            n += db.execute("DELETE FROM files WHERE expires_at <= ?", (now,)).rowcount
        return n


def _check_metadata(metadata: dict[str, str] | None) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict) or len(metadata) > MAX_METADATA_KEYS or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= 512
            for k, v in metadata.items()):
        raise InvalidArgument(f"metadata: at most {MAX_METADATA_KEYS} string keys (64 "
                              f"characters) and string values (512)", field="metadata")


def parse_lines(data: bytes, endpoint: str,
                max_lines: int) -> tuple[list[bytes], list[dict[str, Any]]]:
    """The lines of a batch input file, each as JSON ``{"custom_id", "body"}``; or the
    problems of the file, each naming its line (1-based) and never repeating a value."""
    errors: list[dict[str, Any]] = []
    out: list[bytes] = []
    seen: set[str] = set()

    def problem(number: int | None, code: str, message: str, param: str | None = None) -> None:
        if len(errors) < MAX_ERRORS:
            errors.append({"code": code, "message": message, "param": param, "line": number})

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problem(None, "invalid_file", "the file is not UTF-8 text")
        return [], errors
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(out) >= max_lines:
            problem(number, "too_many_lines", f"a batch holds at most {max_lines} lines "
                                              "([batch] max_lines)")
            break
        try:
            item = json.loads(raw)
        except ValueError:
            item = None
        wrong = _line_problem(item, endpoint, seen)
        if wrong is not None:
            problem(number, *wrong)
            continue
        seen.add(item["custom_id"])
        out.append(json.dumps({"custom_id": item["custom_id"], "body": item["body"]},
                              ensure_ascii=False).encode())
    if not out and not errors:
        problem(None, "empty_file", "the file has no lines")
    return ([] if errors else out), errors


def _line_problem(item: Any, endpoint: str,  # noqa: PLR0911 - a return per rule
                  seen: set[str]) -> tuple[str, str, str | None] | None:
    """(code, message, param) of what is wrong with one input line, or None."""
    if not isinstance(item, dict):
        return "invalid_json_line", "not a JSON object", None
    unknown = set(item) - {"custom_id", "method", "url", "body"}
    custom_id = item.get("custom_id")
    if unknown:
        return "invalid_request", "unknown field(s): " + ", ".join(sorted(unknown)), None
    if not isinstance(custom_id, str) or not custom_id or len(custom_id) > MAX_CUSTOM_ID_CHARS:
        return ("missing_custom_id", "custom_id: a non-empty string of at most "
                f"{MAX_CUSTOM_ID_CHARS} characters", "custom_id")
    if custom_id in seen:
        return "duplicate_custom_id", "custom_id: used by an earlier line", "custom_id"
    if item.get("method") != "POST":
        return "invalid_method", 'method: must be "POST"', "method"
    if item.get("url") != endpoint:
        return "mismatched_endpoint", f"url: must be the batch's endpoint {endpoint}", "url"
    if not isinstance(item.get("body"), dict):
        return "invalid_body", "body: must be a JSON object", "body"
    return None

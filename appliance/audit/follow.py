"""``appliance audit export --follow``: records as they become verifiable, for a SIEM.

Every ``interval`` seconds the log is verified again (one segment in memory at a time) and
the records a checkpoint has covered since the last poll are written, in any line format
(jsonl, csv, ocsf as NDJSON), to a file or stdout: a request's begin and end records, and the
``refusals`` summaries (in OCSF one event each, written as soon as they are covered). Records
after the newest checkpoint wait for the next one. A segment whose verdict is bad (TAMPERED,
ROLLBACK, MISSING ...) is reported on stderr once, with its verdict in every row taken from it
(``integrity``), never skipped silently.

The cursor file (JSON, written atomically after each poll) holds the position of the last
record written, the size of the output file at that moment, and for OCSF the begin records
still waiting for their end. A restarted export first cuts the output back to that size (what
a crash left after the last cursor save) and resumes after that position: no gaps, no
duplicates. On stdout it cannot cut back, so a crash between a write and the cursor save may
repeat the records of one poll (at-least-once).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance.audit import format as audit_format
from appliance.audit.export import CSV_COLUMNS, Filters, Writer, row
from appliance.audit.verify import OK_VERDICTS, SegmentReport, verify_dir
from appliance.errors import ConfigError
from appliance.files import write_atomic

LINE_FORMATS = ("jsonl", "csv", "ocsf")
#: OCSF begin records kept waiting for their end; beyond it the oldest is written as an event
#: that never ended (a crash cut it off), so memory stays bounded.
MAX_PENDING = 10_000
#: Verdicts of the newest segment that only mean "still being written".
_IN_PROGRESS = frozenset({"UNANCHORED_TAIL", "TORN_TAIL"})


@dataclass
class Cursor:
    segment: int = 0
    seq: int = -1
    out_bytes: int = 0
    written: int = 0
    #: OCSF: request id -> its begin row, waiting for the end.
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Findings already reported ("segment 3: TAMPERED"), so each is reported once.
    reported: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Cursor:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: unreadable cursor file ({exc}); move it away to "
                              f"start from the beginning of the log") from exc
        return cls(**{k: doc[k] for k in asdict(cls()) if k in doc})

    def save(self, path: Path) -> None:
        write_atomic(path, (json.dumps(asdict(self), ensure_ascii=False) + "\n").encode())

    def after(self, rec: dict[str, Any]) -> bool:
        return (int(rec["_segment"]), int(rec["_seq"])) > (self.segment, self.seq)


class _Poll:
    """One verification pass: writes what became verifiable since the cursor."""

    def __init__(self, writer: Writer, cursor: Cursor, filters: Filters,
                 report: Callable[[str], None]) -> None:
        self.writer, self.cursor, self.filters, self.report = writer, cursor, filters, report
        self.buffer: list[dict[str, Any]] = []
        self.last_segment = 0

    def segment(self, rep: SegmentReport) -> None:
        in_progress = rep.segment == self.last_segment and rep.status in _IN_PROGRESS
        if rep.status not in OK_VERDICTS and not in_progress:
            finding = f"segment {rep.segment}: {rep.status}"
            if finding not in self.cursor.reported:
                self.cursor.reported.append(finding)
                where = f" at seq {rep.seq}" if rep.seq is not None else ""
                self.report(f"{finding}{where}: {rep.detail} (its records carry "
                            f"integrity={rep.status})")
        verdict = "VALID" if rep.status in OK_VERDICTS or in_progress else rep.status
        for rec in self.buffer:
            if rec.get("_unanchored"):
                break  # not covered by a checkpoint yet: the next poll
            if not self.cursor.after(rec):
                continue
            if self.filters.match(rec):
                self._write(row(rec, verdict))
            self.cursor.segment, self.cursor.seq = int(rec["_segment"]), int(rec["_seq"])
        self.buffer.clear()

    def _write(self, rec: dict[str, Any]) -> None:
        if self.writer.fmt == "ocsf" and rec.get("type") == "begin":
            self.cursor.pending[str(rec.get("request_id"))] = rec
            if len(self.cursor.pending) > MAX_PENDING:
                oldest = next(iter(self.cursor.pending))
                self.writer.write_unended(self.cursor.pending.pop(oldest))
            return
        if self.writer.fmt == "ocsf" and rec.get("type") == "end":
            self.writer.write_pair(self.cursor.pending.pop(str(rec.get("request_id")), None), rec)
        else:  # a row, or an OCSF event of no one request (a summary of refusals)
            self.writer.write(rec)
        self.cursor.written += 1


def _open_output(out: Path | None, cursor: Cursor) -> IO[str]:
    if out is None:
        return sys.stdout
    if out.exists():
        size = out.stat().st_size
        if size < cursor.out_bytes:
            raise ConfigError(f"{out} is shorter ({size} bytes) than the cursor says "
                              f"({cursor.out_bytes}): it was replaced or truncated; give a "
                              f"new --out, or move the cursor file away to start over")
        with out.open("r+b") as fh:  # what a crash left after the last cursor save
            fh.truncate(cursor.out_bytes)
    elif cursor.out_bytes:
        raise ConfigError(f"{out} is missing but the cursor says {cursor.out_bytes} bytes "
                          f"were written to it")
    return out.open("a", encoding="utf-8", newline="")


def _csv_columns(out: Path | None, cursor: Cursor,
                 report: Callable[[str], None]) -> tuple[str, ...]:
    """The columns of the CSV rows to write: a resumed file's own header, so that every row
    lines up with it. An earlier version wrote fewer columns (new ones are only appended, e.g.
    the refusal summaries' ``count`` and window): its file goes on without them, said once."""
    if out is None or cursor.out_bytes == 0:
        return CSV_COLUMNS
    with out.open(encoding="utf-8", newline="") as fh:
        header = tuple(next(csv.reader(fh), []))
    if not header or header != CSV_COLUMNS[:len(header)]:
        raise ConfigError(f"{out}: its header is not the CSV export's columns; give a new "
                          f"--out, or move the cursor file away to start over")
    if len(header) < len(CSV_COLUMNS):
        report(f"{out} was begun by an earlier version: its rows go on without the columns "
               f"{', '.join(CSV_COLUMNS[len(header):])}; give a new --out (and --cursor) to "
               f"have them")
    return header


def follow(directory: Path, key: X25519PrivateKey, out: Path | None, fmt: str,  # noqa: PLR0913, PLR0917 - CLI options
           filters: Filters, cursor_path: Path, *, interval: float = 2.0,
           anchors: Path | None = None, stop: Callable[[], bool] = lambda: False,
           report: Callable[[str], None] = lambda m: None) -> Cursor:
    """Poll and write until ``stop()`` says so; returns the final cursor."""
    if fmt not in LINE_FORMATS:
        raise ConfigError(f"--follow writes line formats ({', '.join(LINE_FORMATS)}); "
                          f"{fmt} files cannot be appended to")
    cursor = Cursor.load(cursor_path)
    fh = _open_output(out, cursor)
    try:
        columns = _csv_columns(out, cursor, report) if fmt == "csv" else CSV_COLUMNS
        writer = Writer(fmt, fh, header=out is None or cursor.out_bytes == 0, columns=columns)
        while True:
            poll = _Poll(writer, cursor, filters, report)
            names = [p.name for p in directory.iterdir()]
            numbers = [n for n, _ in audit_format.iter_segments(names)]
            poll.last_segment = max(numbers, default=0)
            checked = verify_dir(directory, key, anchors, on_record=poll.buffer.append,
                                 on_segment=poll.segment)
            for problem in checked.problems:  # the log as a whole (a garbled anchor line)
                finding = f"{problem.kind}: {problem.detail}"
                if problem.line is not None and finding not in cursor.reported:
                    cursor.reported.append(finding)
                    report(finding)
            fh.flush()
            if out is not None:
                os.fsync(fh.fileno())
                cursor.out_bytes = fh.tell()
            cursor.save(cursor_path)
            if stop():
                return cursor
            deadline = time.monotonic() + interval
            while time.monotonic() < deadline and not stop():
                time.sleep(min(0.2, interval))
            if stop():
                return cursor
    finally:
        if out is not None:
            with contextlib.suppress(OSError):
                fh.close()

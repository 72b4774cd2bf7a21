"""Decrypt, verify and export the audit log for a SIEM: JSONL, CSV, OCSF, Parquet.

Every exported row carries ``integrity``: the verdict of the segment it came from. Beside the
export, ``FILE.manifest.json`` states the whole integrity report, the filters, how many records
they left out, and the export's SHA-256. Three record types: ``begin`` and ``end`` (one
request), and ``refusals`` (the summary of calls refused at the door in one window: a row with
``count``, ``methods``, ``window_start``, ``window_end``; in OCSF one event with a count).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance.audit import ocsf
from appliance.audit.verify import Report, SegmentReport, verify_dir
from appliance.errors import ConfigError

FORMATS = ("jsonl", "csv", "ocsf", "parquet")
#: The CSV and Parquet columns, in this order (docs/audit-exports.md describes each). New
#: columns are only ever added at the end.
CSV_COLUMNS = ("segment", "seq", "integrity", "type", "time", "request_id", "client", "method",
               "tier", "model_sha256", "route", "route_reason", "outcome", "status",
               "finish_reason", "prompt_tokens", "completion_tokens", "latency_ms", "pii",
               "output_pii", "prompt", "answer", "reasoning", "role", "peer", "queue_wait_ms",
               "end_user", "late", "escalated_from", "error_reason", "cached_prompt_tokens",
               "central_endpoint", "count", "methods", "window_start", "window_end", "tools",
               "cache", "cached_from", "feedback")


@dataclass(frozen=True)
class Filters:
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    user: str | None = None
    model: str | None = None

    def match(self, rec: dict[str, Any]) -> bool:
        if self.user is not None and rec.get("client") != self.user:
            return False
        if self.model is not None and self.model not in (rec.get("tier"),
                                                         rec.get("model_sha256")):
            return False
        if self.start is not None or self.end is not None:
            t = parse_time(str(rec.get("time", "")))
            if t is None or (self.start and t < self.start) or (self.end and t >= self.end):
                return False
        return True

    def describe(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
                "user": self.user, "model": self.model}


def parse_time(text: str) -> dt.datetime | None:
    """ISO 8601; a time without zone is UTC."""
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


@dataclass
class ExportResult:
    report: Report
    exported: int = 0
    filtered_out: int = 0
    path: Path | None = None
    manifest: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def row(rec: dict[str, Any], verdict: str) -> dict[str, Any]:
    out = {"segment": rec.get("_segment"), "seq": rec.get("_seq"), "integrity": verdict}
    if rec.get("_unanchored"):
        out["integrity"] = "UNANCHORED_TAIL"
    out.update({k: v for k, v in rec.items() if not k.startswith("_")})
    return out


class Writer:
    """Writes rows in one format (Parquet: collects them for the columnar file)."""

    def __init__(self, fmt: str, out: IO[str] | None, *, header: bool = True,
                 columns: Sequence[str] = CSV_COLUMNS) -> None:
        self.fmt = fmt
        self.out = out
        self.rows: list[dict[str, Any]] = []  # parquet only
        self._csv = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore") \
            if fmt == "csv" and out is not None else None
        if self._csv and header:
            self._csv.writeheader()
        self._open: dict[str, dict[str, Any]] = {}

    def write(self, rec: dict[str, Any]) -> None:
        if self.fmt == "jsonl" and self.out is not None:
            self.out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
        elif self._csv is not None:
            self._csv.writerow({k: json.dumps(v, ensure_ascii=False)
                                if isinstance(v, dict | list) else v for k, v in rec.items()})
        elif self.fmt == "ocsf":
            rid = str(rec.get("request_id"))
            if rec.get("type") == "refusals":
                self._event(ocsf.refusals_event(rec))
            elif rec.get("type") == "begin":
                self._open[rid] = rec
            else:
                self.write_pair(self._open.pop(rid, None), rec)
        else:
            self.rows.append(rec)

    def write_pair(self, begin: dict[str, Any] | None, end: dict[str, Any]) -> None:
        """OCSF: the event of one request, its begin row given (None if never seen)."""
        self._event(ocsf.event(begin, end))

    def write_unended(self, begin: dict[str, Any]) -> None:
        """OCSF: a request that began and has no end record (a crash cut it off)."""
        self._event(ocsf.event(begin, None))

    def _event(self, event: dict[str, Any]) -> None:
        """One OCSF event per line (NDJSON, what SIEM collectors ingest)."""
        if self.out is not None:
            self.out.write(json.dumps(event, ensure_ascii=False) + "\n")

    def finish(self) -> None:
        if self.fmt == "ocsf" and self.out is not None:
            for begin in self._open.values():  # begun, never ended (a crash)
                self._event(ocsf.event(begin, None))


def export(directory: Path, key: X25519PrivateKey, out: Path, fmt: str,  # noqa: PLR0913, PLR0917 - CLI options
           filters: Filters, anchors: Path | None = None,
           progress: Callable[[str], None] | None = None) -> ExportResult:
    """Verify and decrypt ``directory``, write the matching records to ``out`` in ``fmt``."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401, PLC0415
        except ImportError as exc:
            raise ConfigError("the parquet format needs pyarrow: pip install "
                              "'llm-appliance[parquet]'") from exc
    tmp = out.with_name(f".{out.name}.partial")
    counts = {"exported": 0, "filtered_out": 0, "segments": 0}
    buffer: list[dict[str, Any]] = []
    parquet = _ParquetSink(tmp) if fmt == "parquet" else None
    with (open(os.devnull, "w") if parquet else tmp.open("w", encoding="utf-8", newline="")) \
            as fh:  # noqa: PTH123 - devnull is not a path of ours
        writer = Writer(fmt, None if parquet else fh)

        def flush(rep: SegmentReport) -> None:
            for rec in buffer:
                if filters.match(rec):
                    writer.write(row(rec, rep.status))
                    counts["exported"] += 1
                else:
                    counts["filtered_out"] += 1
            buffer.clear()
            if parquet is not None:  # one row group per segment: memory stays bounded
                parquet.add(writer.rows)
                writer.rows.clear()
            counts["segments"] += 1
            if progress:
                progress(f"segment {rep.segment}: {rep.status}, {rep.records} records "
                         f"({counts['exported']} exported so far)")

        report = verify_dir(directory, key, anchors, on_record=buffer.append, on_segment=flush)
        writer.finish()
    if parquet is not None:
        parquet.close(report)
    tmp.replace(out)
    digest = _sha256(out)
    manifest = out.with_name(out.name + ".manifest.json")
    doc = {"export": out.name, "format": fmt, "sha256": digest,
           "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "exported_records": counts["exported"], "filtered_out": counts["filtered_out"],
           "filters": filters.describe(), "integrity": report.as_dict()}
    manifest.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return ExportResult(report, counts["exported"], counts["filtered_out"], out, manifest)


def parquet_schema() -> Any:
    """The Parquet export's typed schema (docs/audit-exports.md)."""
    import pyarrow as pa  # noqa: PLC0415

    text, count = pa.string(), pa.int64()
    category = pa.dictionary(pa.int32(), pa.string())
    counts = pa.map_(pa.string(), pa.int64())
    types = {"segment": count, "seq": count, "integrity": category, "type": category,
             "time": pa.timestamp("ms", tz="UTC"), "request_id": text, "client": text,
             "method": category, "tier": category, "model_sha256": text, "route": category,
             "route_reason": text, "outcome": category, "status": category,
             "finish_reason": category, "prompt_tokens": count, "completion_tokens": count,
             "latency_ms": pa.float64(), "pii": counts, "output_pii": counts,
             "prompt": pa.list_(text), "answer": text, "reasoning": text, "role": category,
             "peer": text, "queue_wait_ms": pa.float64(), "end_user": text, "late": text,
             "escalated_from": text, "error_reason": category, "cached_prompt_tokens": count,
             "central_endpoint": category, "count": count, "methods": counts,
             "window_start": pa.timestamp("ms", tz="UTC"),
             "window_end": pa.timestamp("ms", tz="UTC"), "tools": text, "cache": category,
             "cached_from": text, "feedback": text}
    return pa.schema([(c, types[c]) for c in CSV_COLUMNS])


def _parquet_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in ("time", "window_start", "window_end"):
        return parse_time(str(value))
    if column in ("pii", "output_pii", "methods"):
        return sorted((str(k), int(v)) for k, v in dict(value).items())
    if column == "prompt":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if column in ("escalated_from", "tools", "feedback"):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class _ParquetSink:
    """The typed Parquet file, written a row group at a time."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq  # noqa: PLC0415

        self.schema = parquet_schema()
        self._writer = pq.ParquetWriter(str(path), self.schema)

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        import pyarrow as pa  # noqa: PLC0415

        cols: dict[str, list[Any]] = {c: [] for c in CSV_COLUMNS}
        for rec in rows:
            for c in CSV_COLUMNS:
                cols[c].append(_parquet_value(c, rec.get(c)))
        if cols["segment"]:
            self._writer.write_table(pa.table(
                {c: pa.array(cols[c], type=self.schema.field(c).type) for c in CSV_COLUMNS},
                schema=self.schema))

    def close(self, report: Report) -> None:
        self._writer.add_key_value_metadata({"llm-appliance.integrity": report.summary,
                                             "llm-appliance.ok": str(report.ok)})
        self._writer.close()

"""Decrypt, verify and export the audit log for a SIEM: JSONL, CSV, OCSF, Parquet.

Every exported row carries ``integrity``: the verdict of the segment it came from. Beside the
export, ``FILE.manifest.json`` states the whole integrity report, the filters, how many records
they left out, and the export's SHA-256.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance import __version__
from appliance.audit.verify import Report, SegmentReport, verify_dir
from appliance.errors import ConfigError

FORMATS = ("jsonl", "csv", "ocsf", "parquet")
CSV_COLUMNS = ("segment", "seq", "integrity", "type", "time", "request_id", "client", "method",
               "tier", "model_sha256", "route", "route_reason", "outcome", "status",
               "finish_reason", "prompt_tokens", "completion_tokens", "latency_ms", "pii",
               "output_pii", "prompt", "answer", "reasoning")


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


def _row(rec: dict[str, Any], verdict: str) -> dict[str, Any]:
    out = {"segment": rec.get("_segment"), "seq": rec.get("_seq"), "integrity": verdict}
    if rec.get("_unanchored"):
        out["integrity"] = "UNANCHORED_TAIL"
    out.update({k: v for k, v in rec.items() if not k.startswith("_")})
    return out


def _epoch_ms(text: Any) -> int | None:
    t = parse_time(str(text)) if text else None
    return int(t.timestamp() * 1000) if t else None


def ocsf_event(begin: dict[str, Any] | None, end: dict[str, Any] | None) -> dict[str, Any]:
    """One request as an OCSF 1.1 API Activity event (class 6003)."""
    rec = end or begin or {}
    ok = end is not None and end.get("status") == "OK"
    peer = str(rec.get("client", ""))
    endpoint: dict[str, Any] = {}
    if peer.startswith(("ipv4:", "ipv6:")):
        host, _, port = peer.split(":", 1)[1].rpartition(":")
        endpoint = {"ip": host.strip("[]"), "port": int(port) if port.isdigit() else None}
    unmapped = {k: rec.get(k) for k in ("tier", "model_sha256", "route", "route_reason",
                                        "outcome", "finish_reason", "pii", "output_pii",
                                        "prompt_tokens", "completion_tokens", "latency_ms")}
    unmapped["integrity"] = rec.get("integrity")
    if begin is not None and "prompt" in begin:
        unmapped["prompt"] = begin["prompt"]
    if end is not None and "answer" in end:
        unmapped["answer"] = end["answer"]
    return {
        "category_uid": 6, "category_name": "Application Activity",
        "class_uid": 6003, "class_name": "API Activity",
        "activity_id": 99, "activity_name": str(rec.get("method", "Other")),
        "type_uid": 600399, "type_name": "API Activity: Other",
        "severity_id": 1, "severity": "Informational",
        "time": _epoch_ms(rec.get("time")),
        "start_time": _epoch_ms(begin.get("time")) if begin else None,
        "end_time": _epoch_ms(end.get("time")) if end else None,
        "status_id": 1 if ok else (2 if end is not None else 0),
        "status": "Success" if ok else ("Failure" if end is not None else "Unknown"),
        "status_code": rec.get("status") if end is not None else None,
        "duration": rec.get("latency_ms"),
        "actor": {"user": {"uid": peer, "name": peer}},
        "src_endpoint": endpoint,
        "api": {"operation": rec.get("method"), "service": {"name": "appliance.v1.Inference"},
                "request": {"uid": rec.get("request_id")},
                "response": {"code": rec.get("status")} if end is not None else {}},
        "metadata": {"version": "1.1.0", "uid": rec.get("request_id"), "log_name": "audit",
                     "product": {"name": "llm-appliance", "vendor_name": "llm-appliance",
                                 "version": __version__}},
        "unmapped": unmapped,
    }


class _Writer:
    def __init__(self, fmt: str, out: IO[str] | None) -> None:
        self.fmt = fmt
        self.out = out
        self.rows: list[dict[str, Any]] = []  # parquet only
        self._csv = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore") \
            if fmt == "csv" and out is not None else None
        if self._csv:
            self._csv.writeheader()
        self._open: dict[str, dict[str, Any]] = {}
        self._first_ocsf = True
        if fmt == "ocsf" and out is not None:
            out.write("[\n")

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "jsonl" and self.out is not None:
            self.out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        elif self._csv is not None:
            self._csv.writerow({k: json.dumps(v, ensure_ascii=False)
                                if isinstance(v, dict | list) else v for k, v in row.items()})
        elif self.fmt == "ocsf":
            rid = str(row.get("request_id"))
            if row.get("type") == "begin":
                self._open[rid] = row
            else:
                self._event(ocsf_event(self._open.pop(rid, None), row))
        else:
            self.rows.append(row)

    def _event(self, event: dict[str, Any]) -> None:
        if self.out is None:
            return
        self.out.write(("" if self._first_ocsf else ",\n") + json.dumps(event, ensure_ascii=False))
        self._first_ocsf = False

    def finish(self) -> None:
        if self.fmt == "ocsf" and self.out is not None:
            for begin in self._open.values():  # begun, never ended (a crash)
                self._event(ocsf_event(begin, None))
            self.out.write("\n]\n")


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
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = _Writer(fmt, fh if fmt != "parquet" else None)

        def flush(rep: SegmentReport) -> None:
            for rec in buffer:
                if filters.match(rec):
                    writer.write(_row(rec, rep.status))
                    counts["exported"] += 1
                else:
                    counts["filtered_out"] += 1
            buffer.clear()
            counts["segments"] += 1
            if progress:
                progress(f"segment {rep.segment}: {rep.status}, {rep.records} records "
                         f"({counts['exported']} exported so far)")

        report = verify_dir(directory, key, anchors, on_record=buffer.append, on_segment=flush)
        writer.finish()
    if fmt == "parquet":
        _write_parquet(writer.rows, tmp, report)
    tmp.replace(out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    manifest = out.with_name(out.name + ".manifest.json")
    doc = {"export": out.name, "format": fmt, "sha256": digest,
           "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "exported_records": counts["exported"], "filtered_out": counts["filtered_out"],
           "filters": filters.describe(), "integrity": report.as_dict()}
    manifest.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return ExportResult(report, counts["exported"], counts["filtered_out"], out, manifest)


def _write_parquet(rows: Iterable[dict[str, Any]], path: Path, report: Report) -> None:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    cols: dict[str, list[Any]] = {c: [] for c in CSV_COLUMNS}
    for row in rows:
        for c in CSV_COLUMNS:
            v = row.get(c)
            cols[c].append(json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list)
                           else (None if v is None else str(v)))
    table = pa.table({c: pa.array(v, type=pa.string()) for c, v in cols.items()})
    table = table.replace_schema_metadata({"llm-appliance.integrity": report.summary,
                                           "llm-appliance.ok": str(report.ok)})
    pq.write_table(table, path)

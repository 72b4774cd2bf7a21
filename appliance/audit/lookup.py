"""Incident response: ``audit show`` (one request, whole) and ``audit search`` (a filtered
table of requests), both over the verified, decrypted log in one streaming pass.

A ``refusals`` record (``count`` calls from one source host refused at the door in one window,
counted instead of audited one by one) belongs to no request: ``show`` never returns it, and
``search`` lists it as one row, beside the end records, when it matches (status, outcome, time;
it has no identity, model, route or PII, so filters on those leave it out).

Each record comes with the verdict of the segment that holds it; records past the newest
checkpoint are marked ``UNANCHORED_TAIL`` (not yet signed), as in the exports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance.audit.export import Filters, row
from appliance.audit.verify import Report, SegmentReport, verify_dir

#: ``audit show`` takes a full request id, or a prefix of at least this many characters.
MIN_PREFIX = 8


def _verified(directory: Path, key: X25519PrivateKey, anchors: Path | None,  # noqa: PLR0913 - what to keep, and how
              keep: Callable[[dict[str, Any]], bool], *,
              progress: Callable[[str], None] | None,
              still: Callable[[dict[str, Any]], bool] | None = None,
              ) -> tuple[Report, list[dict[str, Any]]]:
    """Verify the log; the records ``keep`` accepts (and, once their segment has been
    checked, ``still`` accepts), each as an export row with its segment's verdict. Memory: the
    kept records of one segment, and the rows returned."""
    held: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    seen = [0]

    def on_record(rec: dict[str, Any]) -> None:
        seen[0] += 1
        if keep(rec):
            held.append(rec)

    def on_segment(rep: SegmentReport) -> None:
        out.extend(row(r, rep.status) for r in held if still is None or still(r))
        held.clear()
        if progress is not None:
            progress(f"segment {rep.segment}: {rep.status}, {rep.records} records "
                     f"({seen[0]} read, {len(out)} matched)")

    report = verify_dir(directory, key, anchors, on_record=on_record, on_segment=on_segment)
    return report, out


@dataclass
class Shown:
    report: Report
    records: list[dict[str, Any]] = field(default_factory=list)
    #: Other request ids the prefix matched (the caller must be more precise).
    ambiguous: list[str] = field(default_factory=list)


def show(directory: Path, key: X25519PrivateKey, request_id: str, anchors: Path | None = None,
         progress: Callable[[str], None] | None = None) -> Shown:
    """Every record of ``request_id`` (or of the one request whose id starts with it)."""
    wanted = request_id.strip().lower()

    def keep(rec: dict[str, Any]) -> bool:
        rid = str(rec.get("request_id") or "")
        if not rid:  # a record of no request (a summary of refusals)
            return False
        return rid == wanted or (len(wanted) >= MIN_PREFIX and rid.startswith(wanted))

    report, records = _verified(directory, key, anchors, keep, progress=progress)
    ids = sorted({str(r["request_id"]) for r in records})
    if len(ids) > 1:
        exact = [r for r in records if r["request_id"] == wanted]
        if exact:
            return Shown(report, exact)
        return Shown(report, [], ids)
    return Shown(report, records)


def print_shown(shown: Shown, out: IO[str]) -> None:
    for rec in shown.records:
        head = (f"--- {rec.get('type')} record · segment {rec.get('segment')} seq "
                f"{rec.get('seq')} · integrity {rec.get('integrity')}")
        body = {k: v for k, v in rec.items() if k not in ("segment", "seq", "integrity")}
        out.write(head + "\n" + json.dumps(body, indent=2, ensure_ascii=False,
                                           sort_keys=True) + "\n")


@dataclass(frozen=True)
class SearchFilters:
    """What ``audit search`` narrows by, beyond the export's filters (all must hold)."""

    base: Filters = field(default_factory=Filters)
    statuses: frozenset[str] = frozenset()
    route: str | None = None
    entity: str | None = None
    outcome: str | None = None

    def match(self, rec: dict[str, Any]) -> bool:
        if not self.base.match(rec):
            return False
        if self.statuses and str(rec.get("status") or "") not in self.statuses:
            return False
        if self.route is not None and rec.get("route") != self.route:
            return False
        if self.outcome is not None and rec.get("outcome") != self.outcome:
            return False
        if self.entity is not None:
            kinds = set(rec.get("pii") or {}) | set(rec.get("output_pii") or {})
            if self.entity not in kinds:
                return False
        return True


#: The records ``search`` lists as rows whenever they match: a request's end, and a summary.
_ROWS = frozenset({"end", "refusals"})


@dataclass
class Found:
    report: Report
    rows: list[dict[str, Any]]
    #: How many more matched than ``limit`` let through.
    more: int = 0


def search(directory: Path, key: X25519PrivateKey, filters: SearchFilters, *,  # noqa: PLR0913 - CLI options
           anchors: Path | None = None, limit: int | None = None,
           progress: Callable[[str], None] | None = None) -> Found:
    """The end records that match (one per request: they carry its outcome, usage and PII
    counts) and the ``refusals`` summaries that match (one per window, source host and
    reason), then each begin record that matches and has no end record (still in flight, or
    cut off by a crash), in log order; at most ``limit`` rows. Memory: the rows kept and the
    begins still waiting for their end."""
    waiting: dict[str, None] = {}  # matching begins not yet ended
    kept = [0]
    more = [0]

    def keep(rec: dict[str, Any]) -> bool:
        rid = str(rec.get("request_id"))
        if rec.get("type") in _ROWS:
            waiting.pop(rid, None)
            if not filters.match(rec):
                return False
            if limit is not None and kept[0] >= limit:
                more[0] += 1
                return False
            kept[0] += 1
            return True
        if rec.get("type") == "begin" and not filters.statuses and filters.outcome is None \
                and filters.match(rec):
            waiting[rid] = None
        return rec.get("type") == "begin" and rid in waiting

    def still(rec: dict[str, Any]) -> bool:  # a begin whose end came is no longer wanted
        return rec.get("type") in _ROWS or str(rec.get("request_id")) in waiting

    report, found = _verified(directory, key, anchors, keep, progress=progress, still=still)
    rows = [r for r in found if r.get("type") in _ROWS]
    rows += [r for r in found if r.get("type") == "begin" and str(r.get("request_id")) in waiting]
    if limit is not None and len(rows) > limit:
        more[0] += len(rows) - limit
        rows = rows[:limit]
    return Found(report, rows, more[0])


def _summary(r: dict[str, Any]) -> bool:
    return r.get("type") == "refusals"


def _methods(r: dict[str, Any]) -> str:
    if _summary(r):
        names = sorted(dict(r.get("methods") or {}))
        return ",".join(str(m).removeprefix("/appliance.v1.") for m in names)
    return str(r.get("method") or "").removeprefix("/appliance.v1.")


#: The table's columns: (heading, width, how to get the cell from a row). A summary of
#: refusals shows how many calls it counts where a request id would be, its source host as
#: the identity, and its methods.
_COLUMNS: tuple[tuple[str, int, Callable[[dict[str, Any]], Any]], ...] = (
    ("time (UTC)", 19, lambda r: str(r.get("time") or "")[:19].replace("T", " ")),
    ("request id", 32, lambda r: f"({r.get('count')} refused, summary)" if _summary(r)
     else r.get("request_id")),
    ("identity", 16, lambda r: r.get("peer") if _summary(r) else r.get("client")),
    ("method", 20, _methods),
    ("tier", 4, lambda r: r.get("tier")),
    ("route", 7, lambda r: r.get("route")),
    ("status", 18, lambda r: r.get("status") if r.get("type") in _ROWS else "(no end record)"),
    ("reason", 17, lambda r: r.get("error_reason") or r.get("route_reason")),
    ("tokens", 11, lambda r: "" if _summary(r) else
     f"{r.get('prompt_tokens') or 0}/{r.get('completion_tokens') or 0}"),
    ("ms", 8, lambda r: "" if r.get("latency_ms") is None else f"{r['latency_ms']:.0f}"),
    ("PII", 0, lambda r: ",".join(sorted({*(r.get("pii") or {}), *(r.get("output_pii") or {})}))),
)


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value)
    if width and len(text) > width:
        text = text[:width - 1] + "…"
    return text.ljust(width) if width else text


def table(rows: list[dict[str, Any]], out: IO[str]) -> None:
    out.write(" ".join(_cell(h, w) for h, w, _ in _COLUMNS).rstrip() + "\n")
    for r in rows:
        out.write(" ".join(_cell(get(r), w) for _, w, get in _COLUMNS).rstrip() + "\n")

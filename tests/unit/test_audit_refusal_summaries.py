"""``refusals`` records (calls refused at the door beyond the first of a window, counted
instead of audited one by one) through the audit layer: written by the audit stage, then read
back by every consumer — each export format keeps their count and window, ``--follow`` writes
them, ``search`` lists them and ``show`` never mistakes them for a request. Logs are made by the
real writer, summaries by the real sampler (:mod:`appliance.observability.refusals`)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import errno
import io
import json
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from structlog.testing import capture_logs

from appliance.audit import lookup
from appliance.audit.export import CSV_COLUMNS, Filters, export
from appliance.audit.follow import follow
from appliance.audit.stage import AuditLog, begin_record, end_record
from appliance.observability.refusals import RefusalSampler
from appliance.request import Outcome, RequestInfo
from tests.audit_helpers import Log, new_log

ROOT = Path(__file__).resolve().parents[2]
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC).timestamp()
TOKEN = "llma_guessing-0123456789abcdef"  # noqa: S105 - made up: it must never be recorded


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _summaries() -> list[dict[str, Any]]:
    """The records of one window: 12 refusals from one host and 3 from another beyond the
    first 2 per host the sampler lets through to be audited one by one."""
    clock = _Clock()
    sampler = RefusalSampler(window_s=60, per_peer=2, clock=clock, wall=lambda: START + clock.now)
    for i in range(14):
        sampler.admit(f"ipv4:10.0.0.7:{40000 + i}", "UNAUTHENTICATED", "unauthenticated",
                      "Generate" if i % 2 else "http:/v1/chat/completions")
    for i in range(5):
        sampler.admit(f"ipv6:[2001:db8::9]:{50000 + i}", "UNAUTHENTICATED", "unauthenticated",
                      "GenerateStream")
    clock.now = 61.0
    return [s.record() for s in sampler.take()]


def _refused(rid: str) -> list[dict[str, Any]]:
    """The begin/end pair of one call refused at the door and audited on its own."""
    info = RequestInfo(request_id=rid, method="Generate", client="ipv4:10.0.0.7:39999",
                       wall_started=START + 1)
    info.peer = info.client
    begin = begin_record(info, "masked")
    info.outcome, info.status, info.error_reason = (Outcome.REJECTED, "UNAUTHENTICATED",
                                                    "unauthenticated")
    return [begin, end_record(info, "masked")]


def _log(tmp_path: Path) -> Log:
    """A closed log: one refused call audited singly, then the window's two summaries, written
    through the audit stage as the daemon writes them."""
    log = new_log(tmp_path / "log")
    w = log.writer()
    stage = AuditLog(w, "masked", append_timeout=30)
    for rec in _refused("a" * 32):
        w.append(json.dumps(rec, sort_keys=True).encode()).result(10)
    asyncio.run(stage.write_refusal_summaries(_summaries()))
    w.close()
    return log


def _by_host(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["peer"]): r for r in rows if r.get("type") == "refusals"}


def test_the_stage_writes_summaries_that_verify_with_only_their_fields(tmp_path: Path) -> None:
    """The audit stage writes one signed ``refusals`` record per summary, holding only the
    documented fields: a field it does not know (here a token) is dropped and logged by name,
    never by value."""
    log = new_log(tmp_path / "log")
    w = log.writer()
    stage = AuditLog(w, "masked")
    first, second = _summaries()
    with capture_logs() as logs:
        asyncio.run(stage.write_refusal_summaries([first, {**second, "token": TOKEN}]))
    w.close()
    assert log.verify().ok
    records = log.records()
    assert [first, second] == [{k: v for k, v in r.items() if not k.startswith("_")}
                               for r in records]
    assert TOKEN not in repr(records)
    dropped = [e for e in logs if e["event"] == "audit_summary_fields_dropped"]
    assert [["token"]] == [e["fields"] for e in dropped]
    assert TOKEN not in repr(logs)


def test_a_summary_the_log_cannot_take_is_logged_not_raised(tmp_path: Path) -> None:
    """A summary refused by a suspended log, or not durable within the append timeout, is
    logged as ``audit_summary_failed``; the caller (the daemon's summary task) goes on."""
    log = new_log(tmp_path / "log")
    w = log.writer()

    def broken(fd: int, data: memoryview) -> int:
        raise OSError(errno.EIO, "Input/output error")

    real, w.os_write = w.os_write, broken
    with capture_logs() as logs:
        asyncio.run(AuditLog(w, "masked").write_refusal_summaries(_summaries()))
    w.os_write = real
    w.close()
    failed = [e for e in logs if e["event"] == "audit_summary_failed"]
    assert 2 == len(failed)
    assert {"refusals"} == {e["record"] for e in failed}

    class StuckWriter:
        """A fake writer whose disk never answers (a hung fdatasync)."""

        def append(self, record: bytes) -> Future[None]:
            return Future()

    stuck = AuditLog(StuckWriter(), "masked", append_timeout=0.05)  # type: ignore[arg-type]
    with capture_logs() as logs:
        asyncio.run(stuck.write_refusal_summaries(_summaries()))
    assert [("TimeoutError", 2)] == [(e["error_type"], e["records"]) for e in logs
                                     if e["event"] == "audit_summary_failed"]


def test_jsonl_keeps_the_summary_and_matches_the_published_schema(tmp_path: Path) -> None:
    """The JSONL export holds each summary whole (count, methods, window) with its integrity,
    and every row, summaries included, validates against docs/schemas/audit-record.schema.json."""
    log = _log(tmp_path)
    out = tmp_path / "audit.jsonl"
    result = export(log.dir, log.officer, out, "jsonl", Filters())
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert 4 == result.exported == len(rows)
    summaries = _by_host(rows)
    assert {"ipv4:10.0.0.7", "ipv6:[2001:db8::9]"} == set(summaries)
    mine = summaries["ipv4:10.0.0.7"]
    assert (12, {"Generate": 6, "http:/v1/chat/completions": 6}) == (mine["count"],
                                                                    mine["methods"])
    assert ("2026-11-02T09:00:00.000+00:00", "2026-11-02T09:01:00.000+00:00") == (
        mine["window_start"], mine["window_end"])
    assert "VALID" == mine["integrity"]
    schema = json.loads((ROOT / "docs/schemas/audit-record.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for r in rows:
        assert [] == [e.message for e in validator.iter_errors(r)], r["type"]
    with_client = {**mine, "client": "ipv4:10.0.0.7"}
    assert list(validator.iter_errors(with_client))  # a summary never names an identity


def test_csv_has_columns_for_the_count_and_the_window(tmp_path: Path) -> None:
    """The CSV export appends ``count``, ``methods`` (JSON text), ``window_start`` and
    ``window_end`` to its columns, so a summary row loses nothing; a request's row leaves them
    empty."""
    log = _log(tmp_path)
    out = tmp_path / "audit.csv"
    export(log.dir, log.officer, out, "csv", Filters())
    with out.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        names = tuple(reader.fieldnames or ())
        assert ("count", "methods", "window_start", "window_end") == \
            names[names.index("count"):names.index("count") + 4]
        rows = list(reader)
    mine = _by_host(rows)["ipv4:10.0.0.7"]
    assert ("12", "2026-11-02T09:00:00.000+00:00", "2026-11-02T09:01:00.000+00:00") == (
        mine["count"], mine["window_start"], mine["window_end"])
    assert {"Generate": 6, "http:/v1/chat/completions": 6} == json.loads(mine["methods"])
    assert ("UNAUTHENTICATED", "unauthenticated", "rejected") == (
        mine["status"], mine["error_reason"], mine["outcome"])
    end = next(r for r in rows if r["type"] == "end")
    assert ("", "", "", "") == (end["count"], end["methods"], end["window_start"],
                                end["window_end"])


def test_parquet_types_the_count_and_the_window(tmp_path: Path) -> None:
    """The Parquet export has the same new columns, typed: count int64, methods a map of
    method to count, the window as UTC timestamps."""
    pq = pytest.importorskip("pyarrow.parquet")
    log = _log(tmp_path)
    out = tmp_path / "audit.parquet"
    export(log.dir, log.officer, out, "parquet", Filters())
    table = pq.read_table(out)
    assert CSV_COLUMNS == tuple(table.schema.names)
    rows = table.to_pylist()
    mine = _by_host(rows)["ipv4:10.0.0.7"]
    assert 12 == mine["count"]
    assert [("Generate", 6), ("http:/v1/chat/completions", 6)] == sorted(mine["methods"])
    assert (dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 2, 9, 1, tzinfo=dt.UTC)) == (mine["window_start"],
                                                                mine["window_end"])


def test_ocsf_writes_one_counted_event_per_summary(tmp_path: Path) -> None:
    """The OCSF export writes a summary as one event whose ``count`` is its calls (not a
    request that never began), beside the event of the call refused singly."""
    log = _log(tmp_path)
    out = tmp_path / "audit.ocsf.jsonl"
    export(log.dir, log.officer, out, "ocsf", Filters())
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert 3 == len(events)
    counted = {e["src_endpoint"]["ip"]: e for e in events if "count" in e}
    assert {"10.0.0.7": 12, "2001:db8::9": 3} == {ip: e["count"] for ip, e in counted.items()}
    assert {60_000} == {e["duration"] for e in counted.values()}
    single = next(e for e in events if "count" not in e)
    assert "a" * 32 == single["metadata"]["uid"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "ocsf"])
def test_follow_writes_summaries_as_the_one_shot_export_does(tmp_path: Path, fmt: str) -> None:
    """``export --follow`` writes the summaries once a checkpoint covers them, line for line
    as the one-shot export of the same log."""
    log = _log(tmp_path)
    once = tmp_path / f"once.{fmt}"
    export(log.dir, log.officer, once, fmt, Filters())
    followed = tmp_path / f"followed.{fmt}"
    follow(log.dir, log.officer, followed, fmt, Filters(), tmp_path / "cursor.json",
           interval=0, stop=lambda: True)
    assert once.read_text().splitlines() == followed.read_text().splitlines()
    assert "window_end" in followed.read_text()


def test_follow_goes_on_with_the_header_an_older_csv_began_with(tmp_path: Path) -> None:
    """A CSV output begun by a version without the summary columns keeps its own header when
    the export resumes (every row lines up with it), and the export says once which columns it
    goes on without."""
    log = _log(tmp_path)
    old = CSV_COLUMNS[:CSV_COLUMNS.index("count")]
    out, cursor = tmp_path / "followed.csv", tmp_path / "cursor.json"
    header = ",".join(old) + "\r\n"
    out.write_text(header, encoding="utf-8", newline="")
    cursor.write_text(json.dumps({"out_bytes": len(header)}), encoding="utf-8")
    said: list[str] = []
    follow(log.dir, log.officer, out, "csv", Filters(), cursor, interval=0,
           stop=lambda: True, report=said.append)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert {len(old)} == {len(r) for r in rows}
    assert 5 == len(rows)
    assert 1 == len(said)
    assert "count, methods, window_start, window_end" in said[0]


def test_search_lists_summaries_and_show_never_returns_one(tmp_path: Path) -> None:
    """``audit search`` lists each matching summary as one row (by status or outcome; an
    identity filter leaves it out: it has none), and its table says how many calls it counts;
    ``audit show`` finds requests only."""
    log = _log(tmp_path)
    found = lookup.search(log.dir, log.officer, lookup.SearchFilters(
        statuses=frozenset({"UNAUTHENTICATED"})))
    assert ["end", "refusals", "refusals"] == [r["type"] for r in found.rows]
    by_user = lookup.search(log.dir, log.officer, lookup.SearchFilters(
        Filters(user="ipv4:10.0.0.7:39999")))
    assert ["end"] == [r["type"] for r in by_user.rows]
    text = io.StringIO()
    lookup.table(found.rows, text)
    line = next(ln for ln in text.getvalue().splitlines() if "ipv4:10.0.0.7 " in ln)
    assert "(12 refused, summary)" in line
    assert "Generate,http:/v1/c" in line  # its methods, cut to the column's width
    assert [] == lookup.show(log.dir, log.officer, "").records
    assert ["begin", "end"] == [r["type"] for r in
                                lookup.show(log.dir, log.officer, "a" * 32).records]

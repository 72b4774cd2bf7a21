"""The report's aggregation (refusal summaries counted by the calls they stand for), verdict and
escaping, and show/search edge cases, on logs the real writer made from records of the audit
stage's own record functions (no daemon)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from appliance.audit import format as fmt
from appliance.audit import lookup
from appliance.audit.aggregate import Aggregates
from appliance.audit.export import Filters
from appliance.audit.report import build, integrity
from appliance.audit.stage import begin_record, end_record, refusals_record
from appliance.observability.refusals import RefusalSummary
from appliance.request import Outcome, RequestInfo
from tests.audit_helpers import Log, new_log

DAY0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC).timestamp()


def _pair(i: int, client: str, *, day: int = 0, outcome: Outcome = Outcome.OK,
          status: str = "OK", reason: str | None = None, latency: float = 100.0,
          pii: dict[str, int] | None = None, rid: str = "") -> list[dict[str, Any]]:
    start = DAY0 + day * 86400 + i
    info = RequestInfo(request_id=rid or f"{i:08x}" + "0" * 24, method="/appliance.v1.Inference/"
                       "Generate", client=client, wall_started=start)
    info.tier, info.route, info.route_reason = "v3", "local", "default"
    info.model_sha256 = "a" * 64
    info.pii_counts = dict(pii or {})
    info.prompt_tokens = 10
    begin = begin_record(info, "masked")
    info.outcome, info.status, info.error_reason = outcome, status, reason
    info.completion_tokens = 5 if outcome is Outcome.OK else 0
    end = end_record(info, "masked")
    end["latency_ms"] = latency
    end["time"] = dt.datetime.fromtimestamp(start + 1, dt.UTC).isoformat(
        timespec="milliseconds")
    return [begin, end]


def _write(log: Log, records: list[dict[str, Any]], close: bool = True) -> None:
    w = log.writer()
    for rec in records:
        w.append(fmt.canonical(rec)).result(10)
    if close:
        w.close()


def _data(path: Path) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                  path.read_text(), re.DOTALL)
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def test_filters_narrow_the_traffic_not_the_verdict(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log")
    recs = []
    for i in range(6):
        recs += _pair(i, "alice" if i % 2 else "bob", day=i % 3)
    _write(log, recs)
    out = tmp_path / "r.html"
    everything = build(log.dir, log.officer, out, Filters())
    assert everything.aggregates.ends == 6
    assert _data(out)["per_day"] == {"2026-11-02": {"ok": 2}, "2026-11-03": {"ok": 2},
                                     "2026-11-04": {"ok": 2}}
    alice = build(log.dir, log.officer, out, Filters(user="alice"))
    assert alice.aggregates.ends == 3
    assert alice.filtered_out == 6
    start = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
    later = build(log.dir, log.officer, out, Filters(start=start))
    assert later.aggregates.ends == 4
    assert _data(out)["ok"]  # the verdict covers the whole log


def test_refusal_reasons_and_old_logs_without_error_reason(tmp_path: Path) -> None:
    agg = Aggregates()
    for rec in (_pair(1, "a", outcome=Outcome.REJECTED, status="RESOURCE_EXHAUSTED",
                      reason="rate_limit")
                + _pair(2, "a", outcome=Outcome.ERROR, status="PERMISSION_DENIED",
                        reason="permission_denied")
                + _pair(3, "b", outcome=Outcome.REJECTED, status="UNAUTHENTICATED")
                + _pair(4, "b", outcome=Outcome.ERROR, status="INVALID_ARGUMENT",
                        reason="invalid_argument")):
        agg.add(rec)
    assert {k: s.count for k, s in agg.refusals.items()} == {
        ("rate limit", "a"): 1, ("permission", "a"): 1, ("authentication", "b"): 1}
    assert (agg.identities["a"].refused, agg.identities["b"].refused) == (2, 1)
    assert agg.identities["b"].failed == 1  # a bad request is a failure, not a refusal


def test_latency_percentiles_within_one_percent() -> None:
    agg = Aggregates()
    for i in range(1, 1001):
        for rec in _pair(i, "a", latency=float(i)):
            agg.add(rec)
    p = agg.percentiles("latency")
    for name, exact in (("p50", 500), ("p95", 950), ("p99", 990)):
        value = p[name][0]
        assert value is not None
        assert abs(value - exact) <= exact * 0.011, (name, value)


def test_unsigned_tail_warns_and_no_log_is_bad(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log", checkpoint_records=1000, checkpoint_seconds=3600)
    _write(log, _pair(1, "a") + _pair(2, "a"), close=False)  # no checkpoint yet: a live log
    out = tmp_path / "r.html"
    result = build(log.dir, log.officer, out, Filters())
    verdict = integrity(result.report, None)
    assert verdict["level"] == "warn"
    assert any("not yet covered by a signed checkpoint" in f["text"]
               for f in verdict["findings"])
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = build(empty, log.officer, out, Filters())
    assert integrity(nothing.report, None)["level"] == "bad"
    assert "NO LOG" in out.read_text()


def test_identities_are_escaped(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log")
    _write(log, _pair(1, "<script>alert(1)</script>") + _pair(2, "o'brien&co"))
    out = tmp_path / "r.html"
    build(log.dir, log.officer, out, Filters())
    page = out.read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert _data(out)["identities"]["<script>alert(1)</script>"]["requests"] == 1


def test_show_prefix_must_be_unambiguous(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log")
    first, second = "abcdef01" + "1" * 24, "abcdef01" + "2" * 24
    _write(log, _pair(1, "a", rid=first) + _pair(2, "a", rid=second))
    short = lookup.show(log.dir, log.officer, "abcdef0")  # too short to be a prefix
    assert short.records == [] and short.ambiguous == []
    ambiguous = lookup.show(log.dir, log.officer, "abcdef01")
    assert ambiguous.records == []
    assert ambiguous.ambiguous == [first, second]
    one = lookup.show(log.dir, log.officer, "ABCDEF012")
    assert [r["type"] for r in one.records] == ["begin", "end"]
    assert {r["integrity"] for r in one.records} == {"VALID"}
    assert {r["request_id"] for r in one.records} == {second}


def test_search_keeps_a_begin_only_when_no_end_came(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log")
    recs = _pair(1, "a") + _pair(2, "a")[:1]  # request 2 never ended
    _write(log, recs)
    found = lookup.search(log.dir, log.officer, lookup.SearchFilters())
    assert [(r["type"], r["request_id"][:8]) for r in found.rows] == [
        ("end", "00000001"), ("begin", "00000002")]
    capped = lookup.search(log.dir, log.officer, lookup.SearchFilters(), limit=1)
    assert len(capped.rows) == 1
    assert capped.more == 1


def _summary(peer: str, count: int, *, day: int = 0) -> dict[str, Any]:
    """A ``refusals`` record as the daemon writes it: ``count`` calls refused at the door in
    one minute, counted instead of audited one by one."""
    start = DAY0 + day * 86400 + 600
    summary = RefusalSummary(peer, "UNAUTHENTICATED", "unauthenticated", count,
                             {"Generate": count}, start, start + 60)
    return refusals_record(summary.record())


def test_refusal_summaries_count_every_call_they_stand_for(tmp_path: Path) -> None:
    """A summary record counts as its ``count`` refused requests of its source host — in the
    refusals by reason, the outcomes, the statuses, the identity table and the totals — not as
    one; its first and last times are its window's bounds."""
    log = new_log(tmp_path / "log")
    _write(log, _pair(1, "app") + _pair(2, "ipv4:10.0.0.7:40000", outcome=Outcome.REJECTED,
                                        status="UNAUTHENTICATED", reason="unauthenticated")
           + [_summary("ipv4:10.0.0.7", 290), _summary("ipv4:10.0.0.7", 10, day=1)])
    out = tmp_path / "r.html"
    result = build(log.dir, log.officer, out, Filters())
    agg, data = result.aggregates, _data(out)
    assert (2, 300) == (agg.summaries, agg.summarised)
    assert 302 == agg.requests == data["requests"]
    assert (2, 300) == (data["refusal_summaries"], data["summarised_refusals"])
    assert 301 == data["refused"]
    assert {"ok": 1, "rejected": 301} == data["outcomes"]
    assert {"2026-11-02": {"ok": 1, "rejected": 291}, "2026-11-03": {"rejected": 10}} == \
        data["per_day"]
    assert {"authentication|ipv4:10.0.0.7:40000": 1, "authentication|ipv4:10.0.0.7": 300} == \
        data["refusals"]
    host = data["identities"]["ipv4:10.0.0.7"]
    assert (300, 300, 0) == (host["requests"], host["refused"], host["prompt_tokens"])
    span = agg.refusals["authentication", "ipv4:10.0.0.7"]
    assert ("2026-11-02T09:10:00.000+00:00", "2026-11-03T09:11:00.000+00:00") == (
        span.first, span.last)
    assert 301 == agg.errors["UNAUTHENTICATED", "unauthenticated"].count
    assert "300 of these refusals" in out.read_text()


def test_a_user_filter_leaves_summaries_out(tmp_path: Path) -> None:
    """A summary names no identity, so a report for one user has none of its refusals."""
    log = new_log(tmp_path / "log")
    _write(log, [*_pair(1, "app"), _summary("ipv4:10.0.0.7", 290)])
    result = build(log.dir, log.officer, tmp_path / "r.html", Filters(user="app"))
    assert (1, 0, 0) == (result.aggregates.requests, result.aggregates.summarised,
                         result.aggregates.totals["refused"])

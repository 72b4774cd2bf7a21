"""``appliance audit report``: the compliance officer's report, one self-contained HTML file.

The integrity verdict of the whole log comes first, in words and colour; then the traffic of
the period (after the filters) in charts and tables. The charts are Plotly's (plotly.js is
embedded in the file: it opens offline, no CDN, no fonts fetched; system fonts only). The
numbers come from one streaming pass over the decrypted records (:mod:`appliance.audit.
aggregate`); they are also embedded as JSON (``<script id="report-data">``) for scripts and
tests. The report holds counts, identities, reasons and model hashes — never a prompt, an
answer or a masked text (those are in ``audit show``), and the log holds no PII value.

``--format pdf`` prints that same page with a local Chromium or Chrome (``--browser``): no
maintained Python library renders plotly.js charts to PDF without a browser (Plotly's own
static export, kaleido, drives Chrome too; WeasyPrint runs no scripts).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance import __version__
from appliance.audit.aggregate import OUTCOMES, Aggregates
from appliance.audit.export import Filters
from appliance.audit.verify import OK_VERDICTS, Report, SegmentReport, verify_dir
from appliance.errors import ConfigError

FORMATS = ("html", "pdf")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
            "microsoft-edge")
_OUTCOME_COLOURS = {"ok": "#2e7d32", "error": "#c62828", "rejected": "#ef6c00",
                    "cancelled": "#757575"}
_VERDICT_CLASS = {"VALID": "ok", "DELETED_BY_RETENTION": "info", "UNANCHORED_TAIL": "warn"}
_TOP = 25


@dataclass
class ReportResult:
    report: Report
    aggregates: Aggregates
    path: Path
    records: int
    filtered_out: int


def build(directory: Path, key: X25519PrivateKey, out: Path, filters: Filters,  # noqa: PLR0913, PLR0917 - CLI options
          anchors: Path | None = None, fmt: str = "html",
          progress: Callable[[str], None] | None = None,
          browser: str | None = None) -> ReportResult:
    """Verify and decrypt ``directory``, aggregate the records the filters keep, write the
    report to ``out`` (atomically: a failed run leaves no half file)."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
    _need_plotly()
    chrome = find_browser(browser) if fmt == "pdf" else None
    agg = Aggregates()
    counts = Counter[str]()

    def record(rec: dict[str, Any]) -> None:
        counts["records"] += 1
        if filters.match(rec):
            agg.add(rec)
        else:
            counts["filtered_out"] += 1

    def segment(rep: SegmentReport) -> None:
        if progress is not None:
            progress(f"segment {rep.segment}: {rep.status}, {rep.records} records "
                     f"({counts['records']} read so far)")

    report = verify_dir(directory, key, anchors, on_record=record, on_segment=segment)
    page = render(report, agg, filters, anchors)
    tmp = out.with_name(f".{out.name}.partial")
    try:
        if chrome is None:
            tmp.write_text(page, encoding="utf-8")
        else:
            if progress is not None:
                progress(f"printing to PDF with {chrome}")
            print_pdf(chrome, page, tmp)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return ReportResult(report, agg, out, counts["records"], counts["filtered_out"])


def _need_plotly() -> None:
    try:
        import ddsketch  # noqa: F401, PLC0415
        import plotly  # noqa: F401, PLC0415
    except ImportError as exc:
        raise ConfigError("the report needs plotly and ddsketch: pip install "
                          "'llm-appliance[report]' (on the officer's machine)") from exc


# --- PDF ------------------------------------------------------------------------------------

def find_browser(given: str | None = None) -> str:
    """The Chromium/Chrome that prints the PDF: ``given`` (a path or a name on PATH), else
    $APPLIANCE_BROWSER, else the first of :data:`BROWSERS` on PATH."""
    for name in (given, os.environ.get("APPLIANCE_BROWSER")):
        if name:
            found = shutil.which(name)
            if found is None:
                raise ConfigError(f"--browser {name}: not found or not executable")
            return found
    for name in BROWSERS:
        found = shutil.which(name)
        if found is not None:
            return found
    raise ConfigError("--format pdf prints the report with a local Chromium or Chrome, and none "
                      f"was found ({', '.join(BROWSERS)}); give --browser PATH, or write HTML "
                      "and print it from a browser")


def browser_command(browser: str, *args: str) -> list[str]:
    """Headless, offline (no proxy, every host name unresolvable), no first-run work."""
    cmd = [browser, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
           "--disable-extensions", "--proxy-server=127.0.0.1:9",
           "--host-resolver-rules=MAP * ~NOTFOUND"]
    if os.geteuid() == 0:  # Chromium refuses to run as root inside its sandbox
        cmd.append("--no-sandbox")
    return [*cmd, *args]


def print_pdf(browser: str, page: str, out: Path, timeout: float = 180.0) -> None:
    with tempfile.TemporaryDirectory(prefix="appliance-report-") as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(page, encoding="utf-8")
        cmd = browser_command(browser, f"--user-data-dir={tmp}/profile",
                              "--no-pdf-header-footer", "--virtual-time-budget=30000",
                              f"--print-to-pdf={out}", src.as_uri())
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ConfigError(f"{browser} did not print the report within {timeout:g} s") \
                from None
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise ConfigError(f"{browser} could not print the report (exit {proc.returncode}): "
                              + " | ".join(tail))


# --- the page -------------------------------------------------------------------------------

def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _when(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _short(text: str) -> str:
    return text[:19].replace("T", " ") if text else ""


def _table(head: Iterable[str], rows: Iterable[Iterable[Any]], empty: str,
           numeric_from: int = 1) -> str:
    body = []
    for r in rows:
        cells = [f'<td class="n">{_e(v)}</td>' if i >= numeric_from and isinstance(v, int)
                 else f"<td>{_e(v)}</td>" for i, v in enumerate(r)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return f'<p class="none">{_e(empty)}</p>'
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f'<table><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table>'


_EXPLAIN = {
    "TAMPERED": "TAMPERED: the records of segment(s) {} were changed, removed or reordered "
                "(see the table for where each stops being trustworthy)",
    "ROLLBACK": "ROLLBACK: segment(s) {} are older copies: anchored checkpoints are no longer "
                "in the log (records were removed from its end or a backup was restored over "
                "it)",
    "MISSING": "GAP: segment(s) {} are missing and no retention tombstone covers them",
    "KEY_MISMATCH": "KEY MISMATCH: segment(s) {} belong to another appliance or are not sealed "
                    "to this officer key",
    "TORN_TAIL": "TORN TAIL: segment {} ends in a half-written frame (a crash; the daemon cuts "
                 "it off at its next start)",
    "UNANCHORED_TAIL": "segment {} ends with records not yet covered by a signed checkpoint (a "
                       "running daemon signs them within seconds)",
    "DELETED_BY_RETENTION": "retention deleted segment(s) {} (signed tombstone: an allowed "
                            "deletion)",
}
_LEVEL = {"UNANCHORED_TAIL": "warn", "DELETED_BY_RETENTION": "info"}


def _segment_findings(report: Report) -> list[tuple[str, str]]:
    by: dict[str, list[int]] = {}
    for s in report.segments:
        by.setdefault(s.status, []).append(s.segment)
    findings = []
    for status, text in _EXPLAIN.items():
        numbers = by.get(status, [])
        if numbers:
            shown = ", ".join(str(n) for n in numbers[:12])
            if len(numbers) > 12:
                shown += f" and {len(numbers) - 12} more"
            findings.append((_LEVEL.get(status, "bad"), text.format(shown)))
    for status in sorted(set(by) - set(_EXPLAIN) - OK_VERDICTS):  # a verdict new to this page
        findings.append(("bad", f"{status}: segment(s) {', '.join(map(str, by[status]))}"))
    return findings


def integrity(report: Report, anchors: Path | None) -> dict[str, Any]:
    """The verdict in words: level (ok, warn, bad), a headline, and one line per finding."""
    findings = _segment_findings(report)
    for p in report.problems:  # the log as a whole: a garbled anchor line hides a deletion
        findings.append(("bad", f"{p.kind}: {p.detail}"))
    for r in report.rotations:
        findings.append(("info", f"device key rotated at segment {r['segment']}: appliance "
                                 f"{r['from']} handed the log over to {r['to']} (a statement "
                                 f"signed by the old key)"))
    if report.unexplained:
        findings.append(("bad", f"{len(report.unexplained)} request(s) began without an end "
                                "record and the log does not say why"))
    explained = len(report.unended) - len(report.unexplained)
    if explained:
        findings.append(("info", f"{explained} request(s) began without an end record: in "
                                 "flight, or cut off by a crash the log records"))
    if anchors is None:
        findings.append(("warn", "anchors NOT checked (no --anchors file): a log cut short at "
                                 "its end, or replaced by an older copy, cannot be detected "
                                 "without the checkpoints kept outside the appliance"))
    else:
        findings.append(("info", f"{report.anchors_checked} external anchors checked "
                                 f"({anchors.name})"))
    if not report.decrypted:
        findings.append(("warn", "records not decrypted (no officer key)"))
    # A live log's newest records wait seconds for their checkpoint: a warning, not a breach
    # (the command still exits 1, as audit verify does, until they are signed).
    if not report.segments:
        level, headline = "bad", "NO LOG: the directory holds no audit segment"
    elif any(f[0] == "bad" for f in findings):
        level, headline = "bad", "LOG NOT INTACT: " + report.summary
    elif any(f[0] == "warn" for f in findings):
        level, headline = "warn", "Log intact, with warnings: " + report.summary
    else:
        level, headline = "ok", "Log intact for the whole period: " + report.summary
    return {"level": level, "headline": headline,
            "findings": [{"level": lv, "text": t} for lv, t in findings]}


def _integrity_html(report: Report, verdict: dict[str, Any]) -> str:
    items = "".join(f'<li class="{_e(f["level"])}">{_e(f["text"])}</li>'
                    for f in verdict["findings"])
    rows = []
    for s in report.segments:
        cls = _VERDICT_CLASS.get(s.status, "bad")
        where = f" at seq {s.seq}" if s.seq is not None else ""
        rows.append(
            f'<tr class="{cls}"><td class="n">{s.segment}</td><td>{_e(s.file or "—")}</td>'
            f'<td><span class="badge {cls}">{_e(s.status)}</span></td>'
            f'<td class="n">{s.records}</td><td class="n">{s.checkpoints}</td>'
            f"<td>{_e(_when(s.first_time))}</td><td>{_e(_when(s.last_time))}</td>"
            f"<td>{_e(s.detail + where)}</td><td>{_e('; '.join(s.events))}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("segment", "file", "verdict", "records",
                                              "checkpoints", "first signed", "last signed",
                                              "detail", "events"))
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    bad = sum(1 for s in report.segments if s.status not in OK_VERDICTS)
    segs = (f'<details open><summary>{len(report.segments)} segments ({bad} not valid)'
            f"</summary>{table}</details>")
    return (f'<section id="integrity" class="verdict {verdict["level"]}">'
            f'<h2>Integrity</h2><p class="headline">{_e(verdict["headline"])}</p>'
            f"<ul>{items}</ul>{segs}<p class=\"small\">The verdict covers the whole log, "
            f"whatever the filters; every record was decrypted and authenticated.</p></section>")


def _plotly() -> Any:
    import plotly.graph_objects as go  # noqa: PLC0415

    return go


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 15}}, "template": "plotly_white",
        "height": 340, "margin": {"l": 60, "r": 20, "t": 48, "b": 40},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.14},
        "font": {"family": "sans-serif"}}
    layout.update(extra)
    return layout


#: The x axis of the per-day charts: UTC days (ISO dates), one tick label per day or week.
_DAYS = {"type": "date", "tickformat": "%b %d", "automargin": True}


def _stacked(title: str, days: list[str], counts: Counter[tuple[str, str]],
             colours: dict[str, str] | None = None, order: Iterable[str] = ()) -> Any:
    go = _plotly()
    keys = [k for k in order if any(key == k for _, key in counts)]
    keys += sorted({key for _, key in counts} - set(keys))
    bars = [go.Bar(name=k, x=days, y=[counts.get((d, k), 0) for d in days],
                   marker_color=(colours or {}).get(k)) for k in keys]
    return go.Figure(bars, _layout(title, barmode="stack", xaxis=_DAYS))


def _hbar(title: str, labels: list[str], series: dict[str, list[int]]) -> Any:
    go = _plotly()
    height = max(240, 60 + 24 * len(labels))
    bars = [go.Bar(name=name, y=labels, x=values, orientation="h")
            for name, values in series.items()]
    return go.Figure(bars, _layout(title, barmode="stack", height=height,
                                   yaxis={"type": "category", "autorange": "reversed"}))


def _lines(title: str, days: list[str], series: dict[str, list[float | None]],
           unit: str) -> Any:
    go = _plotly()
    traces = [go.Scatter(name=name, x=days, y=values, mode="lines+markers")
              for name, values in series.items()]
    return go.Figure(traces, _layout(title, xaxis=_DAYS,
                                     yaxis={"title": {"text": unit}, "rangemode": "tozero"}))


def figures(agg: Aggregates) -> dict[str, Any]:
    """The charts, by id, in the order the page shows them."""
    days = agg.days
    figs: dict[str, Any] = {
        "outcome": _stacked("Requests per day by outcome", days, agg.outcome,
                            _OUTCOME_COLOURS, OUTCOMES),
        "status": _stacked("Requests per day by status", days, agg.status, order=("OK",)),
        "tier": _stacked("Requests per day by tier", days, agg.tier, order=("v3", "r1")),
        "route": _stacked("Requests per day by route", days, agg.route,
                          {"local": "#1565c0", "central": "#6a1b9a"}, ("local", "central")),
    }
    reasons = sorted(agg.fallback.items(), key=lambda kv: -kv[1].count)
    figs["fallback"] = _hbar("Central fallbacks by reason", [r for r, _ in reasons],
                             {"requests": [s.count for _, s in reasons]})
    figs["pii_prompt"] = _stacked("PII masked in prompts, per day (by entity type)", days,
                                  agg.pii_prompt)
    figs["pii_output"] = _stacked("PII masked in model output, per day (by entity type)", days,
                                  agg.pii_output)
    refused = sorted({who for _, who in agg.refusals},
                     key=lambda w: -agg.identities[w].refused)[:_TOP]
    labels = sorted({label for label, _ in agg.refusals})
    figs["refusals"] = _hbar("Refusals per identity (by reason)", refused,
                             {label: [agg.refusals[label, w].count
                                      if (label, w) in agg.refusals else 0 for w in refused]
                              for label in labels})
    figs["latency"] = _lines("Latency of successful requests per day", days,
                             agg.percentiles("latency"), "ms")
    figs["queue_wait"] = _lines("Queue wait for a local slot per day", days,
                                agg.percentiles("queue_wait"), "ms")
    top = sorted(agg.identities.items(), key=lambda kv: -kv[1].tokens)[:_TOP]
    figs["tokens"] = _hbar("Tokens per identity", [w for w, _ in top],
                           {"prompt": [i.prompt_tokens for _, i in top],
                            "completion": [i.completion_tokens for _, i in top]})
    figs["escalations"] = _stacked("Escalations from v3 to r1 per day (by reason)", days,
                                   agg.escalations)
    names = {sha: f"{'/'.join(sorted(m.tiers)) or '?'} · {sha[:12]}"
             for sha, m in agg.models.items()}
    per_model = Counter({(d, names[sha]): n for (d, sha), n in agg.model_day.items()})
    figs["models"] = _stacked("Model files in service: requests per day (tier · SHA-256)", days,
                              per_model)
    return figs


def summary(report: Report, agg: Aggregates, filters: Filters) -> dict[str, Any]:
    """The numbers behind the page, embedded as JSON for scripts (and the tests)."""
    t = agg.totals
    return {
        "appliance_id": report.appliance_id, "ok": report.ok,
        "integrity": report.summary, "filters": filters.describe(),
        "period": {"first": agg.first_time or None, "last": agg.last_time or None},
        "requests": agg.requests, "begins": agg.begins,
        "refusal_summaries": agg.summaries, "summarised_refusals": agg.summarised,
        "outcomes": {o: t[o] for o in (*OUTCOMES, "unknown") if t[o]},
        "refused": t["refused"],
        "prompt_tokens": t["prompt_tokens"], "completion_tokens": t["completion_tokens"],
        "pii_masked": t["pii"], "central": t["central"], "escalated": t["escalated"],
        "cache": {"hits": t["cache_hit"], "misses": t["cache_miss"],
                  "hit_ratio": agg.cache_hit_ratio},
        "feedback": {"count": t["feedback"], "mean_score": agg.feedback_mean},
        "per_day": {d: dict(sorted((o, n) for (day, o), n in agg.outcome.items() if day == d))
                    for d in agg.days},
        "pii_prompt": _by_key(agg.pii_prompt), "pii_output": _by_key(agg.pii_output),
        "fallback_reasons": {r: s.count for r, s in agg.fallback.items()},
        "central_endpoints": {e: s.count for e, s in agg.endpoints.items()},
        "refusals": {f"{label}|{who}": s.count for (label, who), s in agg.refusals.items()},
        "identities": {w: {"requests": i.requests, "ok": i.ok, "refused": i.refused,
                           "failed": i.failed, "prompt_tokens": i.prompt_tokens,
                           "completion_tokens": i.completion_tokens, "central": i.central,
                           "pii": i.pii} for w, i in agg.identities.items()},
        "models": {sha: {"tiers": sorted(m.tiers), "requests": m.use.count,
                         "first": m.use.first, "last": m.use.last}
                   for sha, m in agg.models.items()},
    }


def _by_key(counts: Counter[tuple[str, str]]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for (_, key), n in counts.items():
        out[key] += n
    return dict(sorted(out.items()))


def _tables(agg: Aggregates) -> str:
    ids = sorted(agg.identities.items(), key=lambda kv: (-kv[1].requests, kv[0]))
    identities = _table(
        ("identity", "requests", "ok", "refused", "failed or cancelled", "prompt tokens",
         "completion tokens", "PII masked", "sent central"),
        ([w, i.requests, i.ok, i.refused, i.failed, i.prompt_tokens, i.completion_tokens,
          i.pii, i.central] for w, i in ids[:100]), "no requests in this period")
    more = f'<p class="small">and {len(ids) - 100} more identities</p>' if len(ids) > 100 else ""
    fallback = _table(("reason", "requests", "first", "last"),
                      ([r, s.count, _short(s.first), _short(s.last)]
                       for r, s in sorted(agg.fallback.items(), key=lambda kv: -kv[1].count)),
                      "no request left the site for the central cluster")
    endpoints = _table(("central endpoint", "requests answered", "first", "last"),
                       ([e, s.count, _short(s.first), _short(s.last)]
                        for e, s in sorted(agg.endpoints.items(), key=lambda kv: -kv[1].count)),
                       "no central endpoint is named in this period")
    refusals = _table(("reason", "identity", "refused", "first", "last"),
                      ([label, who, s.count, _short(s.first), _short(s.last)]
                       for (label, who), s in sorted(agg.refusals.items(),
                                                     key=lambda kv: (kv[0][0], -kv[1].count))),
                      "no request was refused", numeric_from=2)
    if agg.summaries:
        refusals += (f'<p class="small">{agg.summarised:,} of these refusals (at the door, '
                     f"beyond the first of each window) were counted in {agg.summaries:,} "
                     "summary records instead of one record each; their identity is the "
                     "source host, and their first and last times are their windows' "
                     "bounds.</p>")
    errors = _table(("status", "reason", "requests", "first", "last"),
                    ([st, reason or "—", s.count, _short(s.first), _short(s.last)]
                     for (st, reason), s in sorted(agg.errors.items(),
                                                   key=lambda kv: -kv[1].count)),
                    "every request succeeded", numeric_from=2)
    models = _table(("model SHA-256", "tier", "requests", "first use", "last use"),
                    ([sha, "/".join(sorted(m.tiers)), m.use.count, _short(m.use.first),
                      _short(m.use.last)]
                     for sha, m in sorted(agg.models.items(), key=lambda kv: kv[1].use.first)),
                    "no model answered in this period", numeric_from=2)
    esc = Counter[str]()
    for (_, reason), n in agg.escalations.items():
        esc[reason] += n
    escalations = _table(("reason", "requests"), esc.most_common(), "no request was escalated")
    return (f'<section id="identities"><h2>Top identities</h2>{identities}{more}</section>'
            f'<section id="fallbacks"><h2>Central fallbacks</h2>{fallback}{endpoints}</section>'
            f'<section id="refusal-table"><h2>Refusals</h2>{refusals}</section>'
            f'<section id="errors"><h2>Every request that did not succeed, by status and '
            f"reason</h2>{errors}</section>"
            f'<section id="escalation-table"><h2>Escalations</h2>{escalations}</section>'
            f'<section id="model-table"><h2>Model files</h2>{models}</section>')


def _cards(report: Report, agg: Aggregates) -> str:
    t = agg.totals
    cards = [("requests", agg.requests), ("succeeded", t["ok"]), ("refused", t["refused"]),
             ("failed or cancelled", t["failed"]),
             ("prompt tokens", t["prompt_tokens"]), ("completion tokens", t["completion_tokens"]),
             ("PII values masked", t["pii"]), ("sent central", t["central"]),
             ("escalated", t["escalated"]), ("identities", len(agg.identities)),
             ("model files", len(agg.models))]
    shown: list[tuple[str, str]] = [(k, f"{v:,}") for k, v in cards]
    ratio = agg.cache_hit_ratio
    if ratio is not None:
        shown.append(("response cache hit ratio", f"{ratio:.1%}"))
    if agg.feedback_mean is not None:
        shown.append((f"mean feedback score ({t['feedback']:,} scored)",
                      f"{agg.feedback_mean:+.2f}"))
    return '<section id="totals" class="cards">' + "".join(
        f'<div class="card"><div class="v">{_e(v)}</div><div class="k">{_e(k)}</div></div>'
        for k, v in shown) + "</section>"


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render(report: Report, agg: Aggregates, filters: Filters, anchors: Path | None) -> str:
    """The whole page, plotly.js included."""
    import plotly.io as pio  # noqa: PLC0415
    from plotly.offline import get_plotlyjs  # noqa: PLC0415

    verdict = integrity(report, anchors)
    figs = figures(agg)
    fig_json = "{" + ",".join(f"{json.dumps(k)}:{pio.to_json(f, validate=False)}"
                              for k, f in figs.items()) + "}"
    fig_json = fig_json.replace("</", "<\\/")
    charts = "".join(f'<div class="chart" id="chart-{k}"></div>' for k in figs)
    f = filters.describe()
    shown = ", ".join(f"{k} {v}" for k, v in f.items() if v) or "none"
    period = (f"{_short(agg.first_time)} to {_short(agg.last_time)} UTC"
              if agg.first_time else "no records")
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    data = _script_json(summary(report, agg, filters))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Audit report — {_e(report.appliance_id or "appliance")}</title>
<style>{_CSS}</style></head>
<body data-verdict="{verdict['level']}">
<header><h1>Audit report</h1>
<p>Appliance <code>{_e(report.appliance_id or "unknown")}</code> · records {_e(period)} ·
filters: {_e(shown)} · generated {generated} by llm-appliance {_e(__version__)}</p></header>
{_integrity_html(report, verdict)}
{_cards(report, agg)}
<section id="charts"><h2>Traffic</h2><div class="grid">{charts}</div></section>
{_tables(agg)}
<footer>Counts, identities, reasons and model hashes only: no prompt, answer or PII value is in
this report (the audit log holds masked text only; see <code>appliance audit show</code> for one
request). Percentiles: DDSketch, 1&nbsp;% relative error. Days are UTC.</footer>
<script type="application/json" id="report-data">{data}</script>
<script type="application/json" id="figures">{fig_json}</script>
<script>window.__errors = [];
window.addEventListener("error", function (e) {{ window.__errors.push(String(e.message)); }});
</script>
<script>{get_plotlyjs()}</script>
<script>{_JS}</script>
</body></html>
"""


_CSS = """
:root { --ok:#2e7d32; --warn:#b26a00; --bad:#c62828; --info:#1565c0; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       margin: 24px auto; max-width: 1280px; padding: 0 16px; color: #212121; }
h1 { margin: 0 0 4px; } h2 { margin: 24px 0 8px; font-size: 1.25em; }
header p { color: #555; margin: 0; }
.verdict { border: 3px solid; border-radius: 8px; padding: 8px 16px; margin-top: 16px; }
.verdict.ok { border-color: var(--ok); background: #e8f5e9; }
.verdict.warn { border-color: var(--warn); background: #fff8e1; }
.verdict.bad { border-color: var(--bad); background: #ffebee; }
.verdict h2 { margin-top: 4px; }
.headline { font-size: 1.35em; font-weight: 700; margin: 4px 0; }
.verdict.ok .headline { color: var(--ok); } .verdict.warn .headline { color: var(--warn); }
.verdict.bad .headline { color: var(--bad); }
li.bad { color: var(--bad); font-weight: 600; } li.warn { color: var(--warn); }
.badge { padding: 1px 6px; border-radius: 4px; color: #fff; font-size: .85em; }
.badge.ok { background: var(--ok); } .badge.info { background: var(--info); }
.badge.warn { background: var(--warn); } .badge.bad { background: var(--bad); }
tr.bad td { background: #ffcdd2; }
table { border-collapse: collapse; width: 100%; font-size: .9em; margin: 4px 0 8px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: left;
         vertical-align: top; }
th { background: #f5f5f5; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
         gap: 8px; margin-top: 16px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
.card .v { font-size: 1.4em; font-weight: 700; } .card .k { color: #555; font-size: .85em; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 12px; }
.chart { border: 1px solid #eee; border-radius: 6px; min-height: 240px; }
.none, .small { color: #666; } .small { font-size: .85em; }
footer { margin: 32px 0; color: #666; font-size: .85em; }
code { font-size: .9em; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; }
  .grid { grid-template-columns: 1fr 1fr; }
  .chart, table, .verdict, .card { break-inside: avoid; }
}
"""

_JS = """
(function () {
  var figs = JSON.parse(document.getElementById("figures").textContent);
  var config = {displaylogo: false, displayModeBar: false, responsive: true};
  var plots = Object.keys(figs).map(function (id) {
    var f = figs[id], div = document.getElementById("chart-" + id);
    var empty = !f.data.some(function (t) {
      return [].concat(t.x || [], t.y || []).some(function (v) {
        return typeof v === "number" && v > 0; }); });
    if (empty) {
      f.layout.annotations = [{text: "nothing in this period", showarrow: false,
                               xref: "paper", yref: "paper", x: 0.5, y: 0.5}];
      div.dataset.empty = "1";
    }
    return Plotly.newPlot(div, f.data, f.layout, config);
  });
  Promise.all(plots).then(function () {
    document.body.dataset.charts = String(plots.length);
  }, function (err) { window.__errors.push(String(err)); })
    .then(function () { document.body.dataset.errors = String(window.__errors.length);
                         document.body.dataset.errorText = window.__errors.join(" | "); });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
    document.querySelectorAll(".chart").forEach(function (d) { Plotly.Plots.resize(d); });
  });
})();
"""

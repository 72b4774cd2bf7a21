"""Streaming aggregation of decrypted audit records, for the officer's report.

One pass over the records, in log order; memory holds the aggregates (per day, per identity,
per model, per reason), never the records: a log of millions of requests needs no more than
one of hundreds. Latency and queue-wait percentiles come from DDSketch (1 % relative error),
so they too stay bounded.

A *request* is counted by its ``end`` record: it holds the outcome, status, usage, latency
and PII counts. A ``begin`` without an ``end`` is the verifier's business (``Report.unended``).
A ``refusals`` record stands for ``count`` calls refused at the door in one window (counted
instead of audited one by one): they are counted as that many rejected requests of its source
host (``peer``: no identity was established), by status and reason, with no tokens, model or
PII; the first and last times of a reason are bounded by the window's start and end.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ddsketch import DDSketch

#: Outcomes in the order the report stacks them.
OUTCOMES = ("ok", "error", "rejected", "cancelled")
#: The refusals the report groups, by the end record's error_reason (or, for a log written
#: before error_reason existed, by status).
REFUSAL_LABELS = {
    "unauthenticated": "authentication", "UNAUTHENTICATED": "authentication",
    "permission_denied": "permission", "PERMISSION_DENIED": "permission",
    "rate_limit": "rate limit", "concurrency_limit": "concurrency limit", "quota": "quota",
    "queue_full": "capacity (queue full)", "capacity": "capacity (no slot, no overflow)",
    "queue_timeout": "capacity (queue timeout)", "central_failed": "capacity (central failed)",
    "RESOURCE_EXHAUSTED": "capacity or rate limit", "unavailable": "unavailable",
    "UNAVAILABLE": "unavailable",
}
QUANTILES = (0.5, 0.95, 0.99)
#: A request was *refused* (not served, through no fault of the model) when it was rejected at
#: the door or in admission, or ended with one of these: authentication, permission (a tier or
#: priority the identity may not use is refused inside the pipeline), rate or capacity limits.
REFUSAL_STATUSES = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED"})


def day_of(rec: dict[str, Any]) -> str:
    """The UTC day of a record (its time is ISO 8601 UTC, written by the appliance)."""
    return str(rec.get("time") or "")[:10] or "unknown"


def is_refusal(rec: dict[str, Any]) -> bool:
    return rec.get("outcome") == "rejected" or rec.get("status") in REFUSAL_STATUSES


def refusal_label(rec: dict[str, Any]) -> str:
    reason = rec.get("error_reason") or rec.get("status") or "unknown"
    return REFUSAL_LABELS.get(str(reason), str(reason))


@dataclass
class Span:
    """How often something happened, and when first and last."""

    count: int = 0
    first: str = ""
    last: str = ""

    def add(self, when: str, n: int = 1) -> None:
        self.count += n
        if when and (not self.first or when < self.first):
            self.first = when
        if when and when > self.last:
            self.last = when


@dataclass
class Identity:
    requests: int = 0
    ok: int = 0
    refused: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    pii: int = 0
    central: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Model:
    sha256: str
    tiers: set[str] = field(default_factory=set)
    use: Span = field(default_factory=Span)


def _sketch() -> DDSketch:
    return DDSketch(relative_accuracy=0.01)


class Aggregates:
    """Everything the report shows, updated one record at a time (:meth:`add`)."""

    def __init__(self) -> None:
        self.begins = 0
        self.ends = 0
        #: ``refusals`` records, and the refused calls they count.
        self.summaries = 0
        self.summarised = 0
        self.first_time = ""
        self.last_time = ""
        self.outcome: Counter[tuple[str, str]] = Counter()     # (day, outcome)
        self.status: Counter[tuple[str, str]] = Counter()      # (day, status)
        self.tier: Counter[tuple[str, str]] = Counter()        # (day, tier)
        self.route: Counter[tuple[str, str]] = Counter()       # (day, local|central|cache)
        self.fallback: dict[str, Span] = defaultdict(Span)     # route_reason of central ones
        self.endpoints: dict[str, Span] = defaultdict(Span)    # central_endpoint that answered
        self.pii_prompt: Counter[tuple[str, str]] = Counter()  # (day, entity type)
        self.pii_output: Counter[tuple[str, str]] = Counter()
        self.refusals: dict[tuple[str, str], Span] = defaultdict(Span)  # (label, identity)
        self.errors: dict[tuple[str, str], Span] = defaultdict(Span)    # (status, reason)
        self.escalations: Counter[tuple[str, str]] = Counter()  # (day, reason)
        self.identities: dict[str, Identity] = defaultdict(Identity)
        self.models: dict[str, Model] = {}
        self.model_day: Counter[tuple[str, str]] = Counter()   # (day, sha256)
        self.latency: dict[str, DDSketch] = defaultdict(_sketch)     # ok requests, per day
        self.queue_wait: dict[str, DDSketch] = defaultdict(_sketch)  # local ones, per day
        self.totals: Counter[str] = Counter()
        #: The sum of the feedback scores (POST /v1/feedback), for their mean.
        self.feedback_sum = 0.0

    @property
    def requests(self) -> int:
        """Requests in the period: end records, and the calls summary records count."""
        return self.ends + self.summarised

    @property
    def days(self) -> list[str]:
        return sorted({d for d, _ in self.outcome})

    def add(self, rec: dict[str, Any]) -> None:
        when = str(rec.get("time") or "")
        if when:
            self.first_time = min(self.first_time or when, when)
            self.last_time = max(self.last_time, when)
        if rec.get("type") == "begin":
            self.begins += 1
        elif rec.get("type") == "end":
            self._end(rec, when)
        elif rec.get("type") == "refusals":
            self._summary(rec, when)

    def _summary(self, rec: dict[str, Any], when: str) -> None:
        n = int(rec.get("count") or 0)
        self.summaries += 1
        self.summarised += n
        day = day_of(rec)
        host = str(rec.get("peer") or "unknown")
        who = self.identities[host]
        who.requests += n
        who.refused += n
        status = str(rec.get("status") or "unknown")
        outcome = str(rec.get("outcome") or "rejected")
        self.outcome[day, outcome] += n
        self.status[day, status] += n
        self.totals[outcome] += n
        self.totals["refused"] += n
        start = str(rec.get("window_start") or when)
        for span in (self.refusals[refusal_label(rec), host],
                     self.errors[status, str(rec.get("error_reason") or "")]):
            span.add(start, n)
            span.add(when, 0)

    def _end(self, rec: dict[str, Any], when: str) -> None:
        self.ends += 1
        day = day_of(rec)
        client = str(rec.get("client") or "unknown")
        who = self.identities[client]
        who.requests += 1
        pt, ct = int(rec.get("prompt_tokens") or 0), int(rec.get("completion_tokens") or 0)
        who.prompt_tokens += pt
        who.completion_tokens += ct
        self.totals["prompt_tokens"] += pt
        self.totals["completion_tokens"] += ct
        self._outcome(rec, day, when, client, who)
        self._route(rec, day, when, who)
        for counts, into in ((rec.get("pii"), self.pii_prompt),
                             (rec.get("output_pii"), self.pii_output)):
            for entity, n in dict(counts or {}).items():
                into[day, str(entity)] += int(n)
                who.pii += int(n)
                self.totals["pii"] += int(n)
        if rec.get("cache") in ("hit", "miss"):  # response cache lookups
            self.totals[f"cache_{rec['cache']}"] += 1
        scored = rec.get("feedback")
        if isinstance(scored, dict) and isinstance(scored.get("score"), int | float):
            self.totals["feedback"] += 1
            self.feedback_sum += float(scored["score"])
        escalated = rec.get("escalated_from")
        if isinstance(escalated, dict):
            self.escalations[day, str(escalated.get("reason") or "unknown")] += 1
            self.totals["escalated"] += 1
        sha = rec.get("model_sha256")
        if sha:
            model = self.models.setdefault(str(sha), Model(str(sha)))
            if rec.get("tier"):
                model.tiers.add(str(rec["tier"]))
            model.use.add(when)
            self.model_day[day, str(sha)] += 1

    def _outcome(self, rec: dict[str, Any], day: str, when: str, client: str,
                 who: Identity) -> None:
        outcome = str(rec.get("outcome") or "unknown")
        status = str(rec.get("status") or "unknown")
        self.outcome[day, outcome] += 1
        self.status[day, status] += 1
        self.totals[outcome] += 1
        if outcome == "ok":
            who.ok += 1
            if rec.get("latency_ms") is not None:
                self.latency[day].add(float(rec["latency_ms"]))
        elif is_refusal(rec):
            who.refused += 1
            self.totals["refused"] += 1
            label = refusal_label(rec)
            self.refusals[label, client].add(when)
        else:
            who.failed += 1
            self.totals["failed"] += 1
        if outcome != "ok":
            self.errors[status, str(rec.get("error_reason") or "")].add(when)
        if rec.get("queue_wait_ms") is not None:
            self.queue_wait[day].add(float(rec["queue_wait_ms"]))

    def _route(self, rec: dict[str, Any], day: str, when: str, who: Identity) -> None:
        if rec.get("tier"):
            self.tier[day, str(rec["tier"])] += 1
        route = rec.get("route")
        if route:
            self.route[day, str(route)] += 1
        if route == "central":
            who.central += 1
            self.totals["central"] += 1
            self.fallback[str(rec.get("route_reason") or "unknown")].add(when)
            if rec.get("central_endpoint"):
                self.endpoints[str(rec["central_endpoint"])].add(when)

    @property
    def cache_hit_ratio(self) -> float | None:
        """Response cache hits over lookups (None: no lookup in the period)."""
        lookups = self.totals["cache_hit"] + self.totals["cache_miss"]
        return self.totals["cache_hit"] / lookups if lookups else None

    @property
    def feedback_mean(self) -> float | None:
        """The mean feedback score, -1 (bad) to 1 (good); None: no feedback."""
        n = self.totals["feedback"]
        return round(self.feedback_sum / n, 3) if n else None

    def percentiles(self, which: str) -> dict[str, list[float | None]]:
        """Per day (in :attr:`days` order): p50, p95, p99 of ``latency`` or ``queue_wait``."""
        sketches = self.latency if which == "latency" else self.queue_wait
        out: dict[str, list[float | None]] = {f"p{round(q * 100)}": [] for q in QUANTILES}
        for day in self.days:
            sketch = sketches.get(day)
            for q in QUANTILES:
                value = sketch.get_quantile_value(q) if sketch and sketch.count else None
                out[f"p{round(q * 100)}"].append(None if value is None else round(value, 1))
        return out

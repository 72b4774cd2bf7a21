"""Canary and A/B rollout of a tier's model file (``[models.<tier>.canary]``).

A tier may run a second GGUF beside its primary. :func:`arm_of` sends a fixed share of the
tier's *identities* to it: a hash of the identity and the tier picks a point in [0, 1), so
one caller always lands on the same arm (its conversations stay on one model) and about
``weight`` of the callers see the canary.

:class:`CanaryWatch` sees every placed request end (:meth:`CanaryWatch.observe`): it counts it
in per-arm metrics and in a sliding window per arm, and rolls the canary back on its own when
:func:`decide` finds that, over the window, the canary's error rate exceeds the primary's by
more than ``max_error_rate_margin``, or its p95 latency is more than ``max_latency_ratio``
times the primary's. A rollback takes the canary out of placement at once (new requests go to
the primary; the canary's requests in flight finish on it, then its engine closes), is logged
(``canary_rolled_back``) and audited (a record of method ``canary/rollback``). The check runs
when a request ends, at most once a second per tier: a canary that fails is rolled back at
the first request end after its window has ``min_requests`` requests showing it.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import structlog

from appliance.config import CanaryConfig
from appliance.engine.types import CanaryArm, Engine
from appliance.request import Outcome, RequestInfo

if TYPE_CHECKING:
    from appliance.observability.metrics import Metrics

log = structlog.get_logger("appliance.canary")

PRIMARY = "primary"
CANARY = "canary"
#: The method name of the audit records of rollbacks and promotions.
ROLLBACK_METHOD = "canary/rollback"
PROMOTE_METHOD = "canary/promote"
#: Seconds between two checks of one tier's windows.
CHECK_INTERVAL = 1.0
#: Placed requests of canary tiers remembered for feedback (POST /v1/feedback rates one by
#: its id): ~100 bytes each.
RECENT_REQUESTS = 10_000


def arm_of(client: str, tier: str, weight: float) -> str:
    """The arm ``client`` is served from on ``tier``: CANARY for a stable ``weight`` share of
    identities, else PRIMARY. The tier is part of the hash, so a caller on the canary of one
    tier is not thereby on the canary of every tier."""
    if weight <= 0.0:
        return PRIMARY
    digest = hashlib.sha256(f"{tier}\0{client}".encode("utf-8", "replace")).digest()
    point = int.from_bytes(digest[:8], "big") / 2.0**64
    return CANARY if point < weight else PRIMARY


def failed(info: RequestInfo) -> bool:
    """Whether a placed request counts as an error of its arm: it failed or was refused after
    it was placed, or its engine failed before the first token and the central cluster
    answered instead. A caller that went away is no one's error (see :meth:`observe`)."""
    return info.outcome in (Outcome.ERROR, Outcome.REJECTED) \
        or info.route_reason == "fallback:local_failure"


@dataclass(frozen=True)
class WindowStats:
    requests: int
    errors: int
    #: p95 latency of the successful requests, seconds (0.0: none).
    p95: float
    succeeded: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


class ArmWindow:
    """The requests of one arm that ended in the last ``window`` seconds."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, bool, float]] = deque()

    def add(self, at: float, error: bool, latency: float) -> None:
        self._samples.append((at, error, latency))

    def stats(self, now: float, window: float) -> WindowStats:
        while self._samples and self._samples[0][0] < now - window:
            self._samples.popleft()
        ok = sorted(latency for _at, error, latency in self._samples if not error)
        errors = sum(1 for _at, error, _l in self._samples if error)
        return WindowStats(requests=len(self._samples), errors=errors,
                           p95=percentile(ok, 0.95), succeeded=len(ok))


def percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank ``q`` percentile of sorted values (0.0 for none)."""
    if not ordered:
        return 0.0
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class Verdict:
    """Why the canary is rolled back: "error_rate" or "latency", with the numbers."""

    reason: str
    canary: float
    primary: float


def decide(primary: WindowStats, canary: WindowStats, c: CanaryConfig) -> Verdict | None:
    """Roll back (a Verdict) or keep the canary (None). The error rule needs ``min_requests``
    canary requests (the primary's rate is what it has, 0 with none); the latency rule needs
    ``min_requests`` successful requests on each arm."""
    if canary.requests >= c.min_requests \
            and canary.error_rate - primary.error_rate > c.max_error_rate_margin:
        return Verdict("error_rate", canary.error_rate, primary.error_rate)
    if canary.succeeded >= c.min_requests and primary.succeeded >= c.min_requests \
            and primary.p95 > 0 and canary.p95 > c.max_latency_ratio * primary.p95:
        return Verdict("latency", canary.p95, primary.p95)
    return None


class Canaries(Protocol):
    """The registry's canary engines (:class:`appliance.engine.registry.ModelRegistry`)."""

    def canary_for(self, tier: str) -> CanaryArm | None: ...

    def drop_canary(self, tier: str, by: str = "appliance") -> Engine | None: ...

    def promote_canary(self, tier: str, by: str = "appliance") -> Engine | None: ...


#: Writes a record of no one request (a begin and an end record) to the audit log.
Recorder = Callable[[RequestInfo], Awaitable[None]]


class CanaryWatch:
    """Per-arm windows and metrics, the automatic rollback, and promote/rollback by hand."""

    def __init__(self, registry: Canaries, record: Recorder, metrics: Metrics | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._registry = registry
        self._record = record
        self._metrics = metrics
        self._clock = clock
        self._windows: dict[tuple[str, str], ArmWindow] = {}
        self._checked: dict[str, float] = {}
        #: The canary engine each tier's windows are about.
        self._engines: dict[str, Engine | None] = {}
        self._acting: set[asyncio.Task[None]] = set()
        #: request id -> (client, tier, arm) of the latest placed requests with an arm.
        self._recent: OrderedDict[str, tuple[str, str, str]] = OrderedDict()

    def observe(self, info: RequestInfo) -> None:
        """A placed request ended: count it for its arm, and check the tier's canary."""
        tier, arm = info.tier, info.arm
        if tier is None or arm is None:
            return
        self._recent[info.request_id] = (info.client, tier, arm)
        if len(self._recent) > RECENT_REQUESTS:
            self._recent.popitem(last=False)
        if info.outcome is Outcome.CANCELLED or info.route == "cache":
            # A cache hit ran on neither arm's engine: counted, its near-zero latency and
            # certain success would tilt the comparison towards the arm with more hits.
            return
        arm_now = self._registry.canary_for(tier)
        engine = arm_now.engine if arm_now is not None else None
        if self._engines.get(tier) is not engine:
            # Another canary (a reload): what the last one did says nothing about this one.
            self._engines[tier] = engine
            self._forget(tier)
            if engine is not None and self._metrics is not None:
                # Every series from 0, so an alert on increase() sees the first rollback.
                for reason in ("error_rate", "latency", "manual"):
                    self._metrics.canary_rollbacks.labels(tier, reason)
        now = self._clock()
        error = failed(info)
        self._windows.setdefault((tier, arm), ArmWindow()).add(now, error, info.elapsed())
        self._count(info, tier, arm, error, now)
        if now - self._checked.get(tier, -math.inf) >= CHECK_INTERVAL:
            self._checked[tier] = now
            self._check(tier, now)

    def feedback(self, client: str, rated: str, score: float) -> None:
        """A caller's score of one of its own recent answers, counted for the arm that gave
        it (appliance_arm_feedback_score); a request of another identity, or one long gone
        or on a tier without a canary, is not counted here."""
        found = self._recent.get(rated)
        if found is None or found[0] != client or self._metrics is None:
            return
        self._metrics.arm_feedback.labels(found[1], found[2]).observe(score)
        self._metrics.arm_feedback_points.labels(found[1], found[2]).inc(score)

    def _count(self, info: RequestInfo, tier: str, arm: str, error: bool, now: float) -> None:
        m = self._metrics
        if m is None:
            return
        m.arm_requests.labels(tier, arm, "error" if error else "ok").inc()
        if info.finish_reason is not None:
            m.arm_finish_reasons.labels(tier, arm, info.finish_reason).inc()
        if info.first_output_at is not None:
            m.arm_ttft.labels(tier, arm).observe(info.first_output_at - info.started)
            decoding = info.started + info.elapsed() - info.first_output_at
            if info.completion_tokens > 1 and decoding > 0:
                m.arm_tokens_per_second.labels(tier, arm).observe(
                    (info.completion_tokens - 1) / decoding)

    def stats(self, tier: str) -> tuple[WindowStats, WindowStats, CanaryConfig] | None:
        """The primary's and the canary's window now, and the canary's settings."""
        canary = self._registry.canary_for(tier)
        if canary is None:
            return None
        c, now = canary.config, self._clock()
        return (self._windows.setdefault((tier, PRIMARY), ArmWindow()).stats(now,
                                                                              c.window_seconds),
                self._windows.setdefault((tier, CANARY), ArmWindow()).stats(now,
                                                                             c.window_seconds),
                c)

    def _check(self, tier: str, now: float) -> None:
        found = self.stats(tier)
        if found is None or not found[2].auto_rollback:
            return
        primary, canary, c = found
        verdict = decide(primary, canary, c)
        if verdict is None:
            return
        log.warning("canary_rollback_decided", tier=tier, reason=verdict.reason,
                    canary=round(verdict.canary, 4), primary=round(verdict.primary, 4),
                    canary_requests=canary.requests, primary_requests=primary.requests,
                    window_seconds=c.window_seconds)
        # Out of placement now (no await before): the next request already goes to the
        # primary. The audit record follows in the background; a request has not to wait.
        engine = self._registry.drop_canary(tier)
        if engine is not None:
            task = asyncio.ensure_future(self._after(tier, engine, ROLLBACK_METHOD, verdict.reason,
                                            "appliance"))
            self._acting.add(task)
            task.add_done_callback(self._acting.discard)

    async def rollback(self, tier: str, by: str) -> bool:
        """Drop ``tier``'s canary by hand (Admin.RollbackCanary); False: it has none."""
        engine = self._registry.drop_canary(tier, by)
        if engine is None:
            return False
        await self._after(tier, engine, ROLLBACK_METHOD, "manual", by)
        return True

    async def promote(self, tier: str, by: str) -> bool:
        """Make ``tier``'s canary its primary (Admin.PromoteCanary); False: it has none."""
        engine = self._registry.promote_canary(tier, by)
        if engine is None:
            return False
        await self._after(tier, engine, PROMOTE_METHOD, "manual", by)
        return True

    def _forget(self, tier: str) -> None:
        for arm in (PRIMARY, CANARY):
            self._windows.pop((tier, arm), None)

    async def _after(self, tier: str, engine: Engine, method: str, reason: str,
                     by: str) -> None:
        """Forget the windows, count, log and audit a rollback or promotion."""
        self._forget(tier)
        sha = engine.facts.sha256 if engine.facts is not None else None
        what = "rolled_back" if method == ROLLBACK_METHOD else "promoted"
        if self._metrics is not None:
            if method == ROLLBACK_METHOD:
                self._metrics.canary_rollbacks.labels(tier, reason).inc()
            else:
                self._metrics.canary_promotions.labels(tier).inc()
        event = "canary_rolled_back" if method == ROLLBACK_METHOD else "canary_promoted"
        log.warning(event, tier=tier, reason=reason, by=by, sha256=sha, engine=engine.name)
        info = RequestInfo(request_id=uuid.uuid4().hex, method=method, client=by,
                           tier=tier, route="local", route_reason=f"canary_{what}:{reason}",
                           model_sha256=sha, arm=CANARY, role="admin" if by != "appliance"
                           else "appliance")
        try:
            await self._record(info)
        except Exception as exc:  # noqa: BLE001 - the writer suspends serving and logs why
            log.error("canary_audit_failed", tier=tier, error_type=type(exc).__name__)  # noqa: TRY400


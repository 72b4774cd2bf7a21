"""The local backend: per-identity budgets, rate limits and concurrency in this daemon's memory,
day and month use in ``state_dir/quota-usage.json`` (what one appliance alone has always done;
the default). :class:`RateLimits` is also what the Redis backend falls back to with
``[state] on_unavailable = "local"``.

Revocations are the tokens file's own (:class:`appliance.access.TokenStore`): nothing to share.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from appliance.config import Policy
from appliance.errors import ConfigError, Overloaded
from appliance.files import write_atomic


class TokenBucket:
    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.level = float(per_minute)
        self.stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` is available (0: available now, and nothing is taken)."""
        self._refill()
        need = min(amount, self.capacity) - self.level
        return 0.0 if need <= 0 else need / self.rate

    def take(self, amount: float) -> None:
        self._refill()
        self.level -= amount  # may go negative: a large answer is paid for by later calls


def quota_path(state_dir: Path) -> Path:
    """Where day and month use is kept (``appliance usage`` reads it)."""
    return state_dir / "quota-usage.json"


#: (period, budget field of Policy, what is counted)
QUOTA_PERIODS = (("day", "tokens_per_day", "tokens"), ("day", "requests_per_day", "requests"),
                 ("month", "tokens_per_month", "tokens"),
                 ("month", "requests_per_month", "requests"))


def period_key(period: str, now: dt.datetime) -> str:
    return now.strftime("%Y-%m-%d" if period == "day" else "%Y-%m")


def period_end(period: str, now: dt.datetime) -> dt.datetime:
    """When the current UTC day or calendar month ends (the budget resets)."""
    if period == "day":
        return dt.datetime(now.year, now.month, now.day, tzinfo=dt.UTC) + dt.timedelta(days=1)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return dt.datetime(year, month, 1, tzinfo=dt.UTC)


class Quotas:
    """Per-identity token and request use per UTC day and calendar month, against the budgets
    of its policy, persisted in one JSON file (atomic replace, so a crash leaves the old or
    the new version). The daemon calls :meth:`flush` every ``save_interval`` seconds (off the
    event loop) and at shutdown: a crash can lose the use of the last second, never the file."""

    def __init__(self, path: Path | None, save_interval: float = 1.0,
                 clock: Any = None) -> None:
        self.path = path
        self.save_interval = save_interval
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.Lock()
        self._dirty = False
        self.usage: dict[str, dict[str, dict[str, int]]] = self._load()

    def _load(self) -> dict[str, dict[str, dict[str, int]]]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"quota usage file {self.path} cannot be read ({exc}); move it "
                              f"aside to start counting again") from exc
        usage = doc.get("usage") if isinstance(doc, dict) else None
        return usage if isinstance(usage, dict) else {}

    def used(self, name: str, period: str, what: str) -> int:
        key = period_key(period, self._clock())
        return int(self.usage.get(name, {}).get(key, {}).get(what, 0))

    def check(self, name: str, policy: Policy) -> None:
        """Raise Overloaded (RESOURCE_EXHAUSTED) if any budget of ``name`` is spent."""
        now = self._clock()
        for period, budget_field, what in QUOTA_PERIODS:
            budget = getattr(policy, budget_field)
            if budget and self.used(name, period, what) >= budget:
                reset = period_end(period, now)
                raise Overloaded(
                    f"identity {name!r} has used its {budget_field.replace('_', ' ')} budget "
                    f"of {budget}; it resets at {reset.isoformat().replace('+00:00', 'Z')}",
                    retry_after=max(round((reset - now).total_seconds(), 1), 1.0),
                    reason="quota", identity=name, resets=reset.isoformat())

    def add(self, name: str, policy: Policy, what: str, amount: int) -> None:
        if amount <= 0 or not any(getattr(policy, f) for _, f, w in QUOTA_PERIODS
                                  if w == what):
            return
        now = self._clock()
        with self._lock:
            mine = self.usage.setdefault(name, {})
            for period in ("day", "month"):
                key = period_key(period, now)
                counts = mine.setdefault(key, {})
                counts[what] = counts.get(what, 0) + amount
            # Only the current day and month are kept.
            current = {period_key("day", now), period_key("month", now)}
            for key in [k for k in mine if k not in current]:
                del mine[key]
            self._dirty = True

    def flush(self) -> None:
        """Write the file now if anything changed since the last write."""
        if self.path is None:
            return
        with self._lock:
            if not self._dirty:
                return
            data = json.dumps({"version": 1, "updated": self._clock().isoformat(),
                               "usage": self.usage}, sort_keys=True).encode()
            self._dirty = False
        write_atomic(self.path, data, mode=0o640)

    def report(self, policies: Mapping[str, Policy], default: Policy) -> list[dict[str, Any]]:
        """Use against budget for every identity with use or a budget (appliance usage)."""
        now = self._clock()
        rows = []
        for name in sorted(set(self.usage) | set(policies)):
            policy = policies.get(name, default)
            row: dict[str, Any] = {"identity": name}
            for period, budget_field, what in QUOTA_PERIODS:
                row[f"{what}_{period}"] = {
                    "used": self.used(name, period, what),
                    "budget": getattr(policy, budget_field) or None,
                    "resets": period_end(period, now).isoformat().replace("+00:00", "Z")}
            rows.append(row)
        return rows


class RateLimits:
    """Per identity: requests per minute (checked and taken at admission) and tokens per
    minute (checked at admission, charged with the real count when the request ends); and
    the day and month budgets of :class:`Quotas`."""

    def __init__(self, quotas: Quotas | None = None) -> None:
        self._requests: dict[str, TokenBucket] = {}
        self._tokens: dict[str, TokenBucket] = {}
        #: Requests each identity has in flight (admitted, not yet ended).
        self._running: dict[str, int] = {}
        self.quotas = quotas or Quotas(None)

    def _bucket(self, table: dict[str, TokenBucket], name: str, rate: int) -> TokenBucket:
        bucket = table.get(name)
        if bucket is None or bucket.capacity != rate:
            bucket = table[name] = TokenBucket(rate)
        return bucket

    def admit(self, name: str, policy: Policy) -> None:
        """Admit one request of ``name`` or raise Overloaded; an admitted request must be
        released (:meth:`release`) when it ends."""
        running = self._running.get(name, 0)
        if policy.max_concurrent and running >= policy.max_concurrent:
            raise Overloaded(f"identity {name!r} has {running} requests in flight (its limit "
                             f"is {policy.max_concurrent})", retry_after=1.0,
                             reason="concurrency_limit", identity=name)
        waits = []
        req = self._bucket(self._requests, name, policy.requests_per_minute) \
            if policy.requests_per_minute else None
        tok = self._bucket(self._tokens, name, policy.tokens_per_minute) \
            if policy.tokens_per_minute else None
        if req is not None:
            waits.append(req.wait_for(1))
        if tok is not None:
            waits.append(tok.wait_for(1))
        wait = max(waits, default=0.0)
        if wait > 0:
            raise Overloaded(f"rate limit of identity {name!r} reached",
                             retry_after=round(max(wait, 0.1), 1), reason="rate_limit",
                             identity=name)
        self.quotas.check(name, policy)
        if req is not None:
            req.take(1)
        self.quotas.add(name, policy, "requests", 1)
        self._running[name] = running + 1

    def release(self, name: str) -> None:
        """An admitted request of ``name`` ended."""
        left = self._running.get(name, 0) - 1
        if left > 0:
            self._running[name] = left
        else:
            self._running.pop(name, None)

    def in_flight(self, name: str) -> int:
        return self._running.get(name, 0)

    def charge(self, name: str, policy: Policy, tokens: int) -> None:
        if policy.tokens_per_minute and tokens > 0:
            self._bucket(self._tokens, name, policy.tokens_per_minute).take(tokens)
        self.quotas.add(name, policy, "tokens", tokens)


    # -- the SharedState protocol (appliance.state.base): this box alone --

    kind = "local"
    up: bool | None = None

    async def enter(self, name: str, policy: Policy, request_id: str) -> None:
        self.admit(name, policy)

    async def leave(self, name: str, policy: Policy | None, request_id: str, tokens: int,
                    *, counted: bool) -> None:
        if counted:
            self.release(name)
        if policy is not None:
            self.charge(name, policy, tokens)

    def revoked(self, sha256: str) -> bool:
        return False

    async def watch(self) -> None:
        """Nothing to follow: the tokens file is re-read by its own store."""

    async def aclose(self) -> None:
        """Nothing to close."""

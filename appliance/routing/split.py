"""Two routing rules for ``auto`` requests beside the task_type table (issue 34, the seeds'
rules).

**Weighted splits per time of day** (``[[routing.auto_split]]``): in a window (local time,
``from``..``to``, wrapping past midnight when ``to`` is not after ``from``) a sticky
``r1_weight`` share of identities have their ``auto`` requests that no task_type rule places
answered by r1, the rest by v3. The share is picked by the same hash as a canary's arms
(:func:`~appliance.routing.canary.arm_of`, salted ``auto_split``), so one caller stays on one
tier for the whole window, and a caller on r1 at a weight stays on r1 at any larger weight.
The response and the audit record say ``route_reason = "auto_split:<tier>@HH:MM-HH:MM"``.

**Escalation after low scores** (``[auth.*] escalate_after_low_scores``): after N consecutive
feedback scores below ``low_score_below`` from one identity, its ``auto`` requests go to r1
(``route_reason = "low_scores:<N>"``) until it sends a score that is not low. With a Redis
``[state] backend`` the run is kept there, shared by every box behind the same balancer and
kept across restarts (30 days after its last low score): each score counts in it, and a box
reads an identity's run again at most every ``REFRESH_S`` as its ``auto`` requests come, so a
run that another box's scores completed takes effect here within a request or two. Without
Redis, or while it cannot be reached, the run is counted in memory on this box alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

import structlog

from appliance.config import Policy, SplitWindow
from appliance.routing.canary import CANARY, arm_of

log = structlog.get_logger("appliance.routing")

#: The salt of the split's hash (a caller on a tier's canary is not thereby on r1).
SALT = "auto_split"
#: Identities whose run of low scores is remembered (least recently scored forgotten first):
#: ~100 bytes each.
MAX_IDENTITIES = 100_000
#: A box reads an identity's shared run again at most this often (seconds).
REFRESH_S = 2.0


class SharedRuns(Protocol):
    """Where the runs live when several boxes share them (the Redis state backend)."""

    async def low_run(self, name: str, low: bool) -> int | None: ...

    async def low_run_of(self, name: str) -> int | None: ...


def window_at(windows: Sequence[SplitWindow], now: datetime) -> SplitWindow | None:
    """The window that holds ``now``'s time of day (windows never overlap), or None."""
    minute = now.hour * 60 + now.minute
    return next((w for w in windows if w.covers(minute)), None)


def timed_split(windows: Sequence[SplitWindow], client: str,
               now: datetime) -> tuple[str, str] | None:
    """(tier, route reason) of an ``auto`` request of ``client`` at ``now``, or None when no
    window holds that time."""
    window = window_at(windows, now)
    if window is None:
        return None
    tier = "r1" if arm_of(client, SALT, window.r1_weight) == CANARY else "v3"
    return tier, f"auto_split:{tier}@{window.label}"


class LowScores:
    """Each identity's run of consecutive low feedback scores: in memory on this box, or
    shared by every box through ``shared`` (see the module docstring)."""

    def __init__(self, capacity: int = MAX_IDENTITIES, shared: SharedRuns | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._runs: OrderedDict[str, int] = OrderedDict()
        self._capacity = capacity
        self._shared = shared
        self._monotonic = monotonic
        #: When each identity's shared run was last read or written here.
        self._read_at: dict[str, float] = {}
        self._reading: dict[str, asyncio.Task[None]] = {}

    def _keep(self, client: str, run: int) -> None:
        self._runs.pop(client, None)
        self._read_at.pop(client, None)
        if run:
            self._runs[client] = run
        if self._shared is not None:
            self._read_at[client] = self._monotonic()
        while len(self._runs) > self._capacity:
            gone, _ = self._runs.popitem(last=False)
            self._read_at.pop(gone, None)
        while len(self._read_at) > self._capacity:
            self._read_at.pop(next(iter(self._read_at)))

    async def record(self, client: str, score: float, policy: Policy | None) -> int:
        """Count ``score`` for ``client`` under its policy (no policy, or the rule off:
        nothing is kept); the run of low scores it now has."""
        if policy is None or policy.escalate_after_low_scores == 0:
            self._keep(client, 0)
            return 0
        low = score < policy.low_score_below
        before = self._runs.get(client, 0)
        run = await self._shared.low_run(client, low) if self._shared is not None else None
        if run is None:  # on this box alone
            run = before + 1 if low else 0
        self._keep(client, run)
        if not low and before >= policy.escalate_after_low_scores:
            log.info("low_scores_reset", client=client)
        if run == policy.escalate_after_low_scores:
            log.info("low_scores_escalated", client=client, run=run)
        return run

    def escalated(self, client: str, policy: Policy | None) -> int | None:
        """The run of low scores that sends ``client``'s ``auto`` requests to r1, or None
        when it does not (rule off, run too short, or the policy keeps it off r1). With
        shared runs, a run last read more than REFRESH_S ago is read again in the
        background (this answer is the one known now)."""
        if policy is None or policy.escalate_after_low_scores == 0 or "r1" not in policy.tiers:
            return None
        if self._shared is not None:
            self._refresh(client)
        run = self._runs.get(client, 0)
        return run if run >= policy.escalate_after_low_scores else None

    def _refresh(self, client: str) -> None:
        now = self._monotonic()
        if client in self._reading or now - self._read_at.get(client, -REFRESH_S) < REFRESH_S:
            return
        self._read_at[client] = now
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to read with
            task = asyncio.get_running_loop().create_task(self._read(client))
            self._reading[client] = task

    async def _read(self, client: str) -> None:
        try:
            assert self._shared is not None  # noqa: S101 - only called with shared runs
            run = await self._shared.low_run_of(client)
            if run is not None:
                self._keep(client, run)
        finally:
            self._reading.pop(client, None)

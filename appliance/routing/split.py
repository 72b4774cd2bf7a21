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
(``route_reason = "low_scores:<N>"``) until it sends a score that is not low. The count is kept
in memory on this box only (:class:`LowScores`): a restart, or another box behind the same
balancer, starts from 0.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

import structlog

from appliance.config import Policy, SplitWindow
from appliance.routing.canary import CANARY, arm_of

log = structlog.get_logger("appliance.routing")

#: The salt of the split's hash (a caller on a tier's canary is not thereby on r1).
SALT = "auto_split"
#: Identities whose run of low scores is remembered (least recently scored forgotten first):
#: ~100 bytes each.
MAX_IDENTITIES = 100_000


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
    """Each identity's run of consecutive low feedback scores, in memory (this box only)."""

    def __init__(self, capacity: int = MAX_IDENTITIES) -> None:
        self._runs: OrderedDict[str, int] = OrderedDict()
        self._capacity = capacity

    def record(self, client: str, score: float, policy: Policy | None) -> int:
        """Count ``score`` for ``client`` under its policy (no policy, or the rule off:
        nothing is kept); the run of low scores it now has."""
        if policy is None or policy.escalate_after_low_scores == 0:
            self._runs.pop(client, None)
            return 0
        if score >= policy.low_score_below:
            if self._runs.pop(client, 0) >= policy.escalate_after_low_scores:
                log.info("low_scores_reset", client=client)
            return 0
        run = self._runs.pop(client, 0) + 1
        self._runs[client] = run
        while len(self._runs) > self._capacity:
            self._runs.popitem(last=False)
        if run == policy.escalate_after_low_scores:
            log.info("low_scores_escalated", client=client, run=run)
        return run

    def escalated(self, client: str, policy: Policy | None) -> int | None:
        """The run of low scores that sends ``client``'s ``auto`` requests to r1, or None
        when it does not (rule off, run too short, or the policy keeps it off r1)."""
        if policy is None or policy.escalate_after_low_scores == 0 or "r1" not in policy.tiers:
            return None
        run = self._runs.get(client, 0)
        return run if run >= policy.escalate_after_low_scores else None

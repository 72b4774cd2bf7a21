"""The one interface the pipeline and the authenticator use for per-identity state: admission
(concurrency, rate limits, day and month budgets), the end of a request (its tokens charged,
its place given back) and token revocations.

Two backends implement it: :class:`appliance.state.local.RateLimits` (this box's memory and
``state_dir/quota-usage.json``, the default) and :class:`appliance.state.redis_state.RedisState`
(a Redis shared by several appliances, ``[state] backend = "redis://…"``).
"""

from __future__ import annotations

from typing import Protocol

from appliance.config import Policy
from appliance.state.local import Quotas


class SharedState(Protocol):
    """Where per-identity limits are counted. Every method that counts raises
    :class:`~appliance.errors.Overloaded` (RESOURCE_EXHAUSTED) when a limit is reached, and
    :class:`~appliance.errors.Unavailable` when the state cannot be reached and the policy
    is to fail closed."""

    #: "local" or "redis" (logs, status).
    kind: str
    #: This box's day and month use file: the local backend's, or the Redis backend's
    #: fallback's (written only while it counts).
    quotas: Quotas

    @property
    def up(self) -> bool | None:
        """Whether the shared store answered last time (None: nothing shared, local)."""
        ...

    async def enter(self, name: str, policy: Policy, request_id: str) -> None:
        """Admit one request of identity ``name`` or raise; an admitted request must
        :meth:`leave` when it ends."""
        ...

    async def leave(self, name: str, policy: Policy | None, request_id: str, tokens: int,
                    *, counted: bool) -> None:
        """A request ended: give back its concurrency place (``counted``: it was admitted)
        and charge its ``tokens`` against ``policy``'s per-minute rate and budgets, in one
        step (no other request is admitted between the two)."""
        ...

    def revoked(self, sha256: str) -> bool:
        """Whether the token with this SHA-256 was revoked on any box (beyond this box's
        tokens file); raises Unavailable when that cannot be told and the policy is to fail
        closed."""
        ...

    async def watch(self) -> None:
        """Follow what other boxes change (revocations) until cancelled; returns at once
        when there is nothing to follow."""
        ...

    async def aclose(self) -> None:
        """Close connections (shutdown)."""
        ...

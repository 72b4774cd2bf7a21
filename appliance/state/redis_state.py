"""The Redis backend: per-identity budgets, rate limits, concurrency and token revocations
shared by several appliances (``[state] backend = "redis://…"``, ``rediss://`` for TLS).

Every count is one Lua script run by Redis alone (:mod:`appliance.state.scripts`), so two
boxes admitting at once cannot both take the last of a budget. Revocations are a set of token
SHA-256 digests that every box reads every ``revocation_poll_seconds``.

What Redis holds (docs/operations.md, "Several appliances"): per identity, under a keyed hash
of its name (:mod:`appliance.state.keys`), the day's and month's token and request counts,
two token buckets, the ids of its requests in flight (a random box id and the request's
random id) and its run of low feedback scores (``escalate_after_low_scores``); and the
revoked tokens' digests. Never a prompt, an answer, a name or a token.

Redis unreachable (``on_unavailable``): "fail" (the default) refuses every request that
counts against a limit, and every call presenting a token once the revocations are older than
a few polls, with UNAVAILABLE and a message that says so; "local" counts on this box alone
(:class:`appliance.state.local.RateLimits`) until Redis answers again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import structlog

from appliance.config import Policy, StateConfig
from appliance.errors import ConfigError, Overloaded, Unavailable
from appliance.state import keys as statekeys
from appliance.state.keys import IdentityKeys, identity_id, revoked_key
from appliance.state.local import QUOTA_PERIODS, Quotas, RateLimits, period_end
from appliance.state.scripts import ADMIT, END

log = structlog.get_logger("appliance.state")

#: After a failed command, Redis counts as down for this long (no request waits for a
#: timeout meanwhile); then the next command tries again.
RETRY_AFTER_S = 1.0
#: Revocations last read longer ago than this many polls (and at least this many seconds)
#: count as unknown: with on_unavailable "fail", token calls are then refused.
STALE_POLLS = 5
STALE_MIN_S = 5.0
#: Connections to Redis one box keeps open at most.
MAX_CONNECTIONS = 32
#: A run of low feedback scores is forgotten this long after its last low score.
LOW_RUN_TTL_S = 30 * 86400
#: The budget each admission script result names (ARGV 7-10).
BUDGETS = tuple(field for _, field, _ in QUOTA_PERIODS)


def target(config: StateConfig) -> str:
    """Where Redis is, for logs and messages: scheme, host, port and db, never a password."""
    url = urlsplit(config.backend)
    return f"{url.scheme}://{url.hostname}:{url.port or 6379}{url.path or '/0'}"


def read_password(config: StateConfig, env: Mapping[str, str]) -> str | None:
    """The password from ``password_file`` (one line) or the ``password_env`` variable."""
    if config.password_file is not None:
        try:
            text = config.password_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"state password file {config.password_file} cannot be read "
                              f"({type(exc).__name__})", key="state.password_file") from exc
        return text.strip("\r\n")
    if config.password_env:
        value = env.get(config.password_env)
        if not value:
            raise ConfigError(f"environment variable {config.password_env} (the Redis "
                              f"password) is not set", key="state.password_env")
        return value
    return None


def identity_key(config: StateConfig) -> bytes:
    if config.identity_key_file is None:
        return statekeys.DEFAULT_IDENTITY_KEY
    try:
        key = config.identity_key_file.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"state identity key file {config.identity_key_file} cannot be read "
                          f"({exc.strerror})", key="state.identity_key_file") from exc
    if len(key) < 16:
        raise ConfigError(f"state identity key file {config.identity_key_file} holds fewer "
                          f"than 16 bytes", key="state.identity_key_file")
    return key


def connect(config: StateConfig, env: Mapping[str, str]) -> Any:
    """A redis.asyncio client (not yet connected: it connects on the first command). No
    retries: a script that timed out may have run, and running it again would count twice."""
    from redis.asyncio import BlockingConnectionPool, Redis  # noqa: PLC0415 - only a Redis backend needs the client
    from redis.asyncio.retry import Retry  # noqa: PLC0415
    from redis.backoff import NoBackoff  # noqa: PLC0415

    tls: dict[str, Any] = {}
    if config.backend.startswith("rediss://"):
        tls = {"ssl_ca_certs": str(config.ca_file) if config.ca_file else None,
               "ssl_certfile": str(config.client_cert) if config.client_cert else None,
               "ssl_keyfile": str(config.client_key) if config.client_key else None}
    # A bounded pool that makes a command wait for a free connection (rather than open one
    # per request in flight, or fail when the pool is full).
    pool = BlockingConnectionPool.from_url(
        config.backend, max_connections=MAX_CONNECTIONS, timeout=config.timeout_seconds,
        password=read_password(config, env), decode_responses=True,
        socket_timeout=config.timeout_seconds, socket_connect_timeout=config.timeout_seconds,
        retry=Retry(NoBackoff(), 0), client_name="llm-appliance", **tls)
    return Redis.from_pool(pool)


def is_redis_error(exc: BaseException) -> bool:
    from redis.exceptions import RedisError  # noqa: PLC0415

    return isinstance(exc, RedisError | OSError | TimeoutError)


class RedisState:
    """Per-identity state in a Redis shared by several boxes (see the module docstring)."""

    kind = "redis"

    def __init__(self, config: StateConfig, client: Any, fallback: RateLimits, *,  # noqa: PLR0913 - the parts, and time for tests
                 ident_key: bytes = statekeys.DEFAULT_IDENTITY_KEY,
                 clock: Callable[[], dt.datetime] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.client = client
        #: Counts on this box alone while Redis is down (on_unavailable "local"); its use
        #: file is this box's quota-usage.json.
        self.fallback = fallback
        self.quotas: Quotas = fallback.quotas
        self._ident_key = ident_key
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._monotonic = monotonic
        #: Names this box's requests in flight in Redis (random: says nothing of the box).
        self.box = secrets.token_hex(8)
        self._admit = client.register_script(ADMIT)
        self._end = client.register_script(END)
        self._down_until = 0.0
        self._down_since: float | None = None
        #: The revoked tokens' digests as last read, and when (None: never).
        self._revoked: frozenset[str] = frozenset()
        self._revoked_at: float | None = None
        #: Requests this box admitted on its fallback (they end there too).
        self._local: set[str] = set()

    @property
    def target(self) -> str:
        return target(self.config)

    @property
    def up(self) -> bool | None:
        """False from a failed command until one succeeds."""
        return self._down_since is None

    def _keys(self, name: str) -> IdentityKeys:
        return IdentityKeys(self.config.key_prefix, identity_id(name, self._ident_key))

    # -- Redis up or down --

    def _available(self) -> bool:
        return self._monotonic() >= self._down_until

    def _failed(self, exc: BaseException, what: str) -> None:
        now = self._monotonic()
        self._down_until = now + RETRY_AFTER_S
        if self._down_since is None:
            self._down_since = now
            log.error("state_unavailable", backend=self.target, operation=what,
                      error_type=type(exc).__name__, policy=self.config.on_unavailable)

    def _recovered(self) -> None:
        if self._down_since is not None:
            log.info("state_available", backend=self.target,
                     down_s=round(self._monotonic() - self._down_since, 1))
            self._down_since = None

    def _unavailable(self) -> Unavailable:
        return Unavailable("shared state (Redis) is unavailable: per-identity limits cannot "
                           "be checked; try again later", state="shared_state",
                           backend=self.target)

    # -- admission --

    @staticmethod
    def _expiry(now: dt.datetime) -> tuple[int, int]:
        """Seconds the day's and the month's keys live: until an hour after their period
        ends (relative to this box's clock, as the keys' names are)."""
        day, month = (int((period_end(p, now) - now).total_seconds()) + 3600
                      for p in ("day", "month"))
        return day, month

    async def enter(self, name: str, policy: Policy, request_id: str) -> None:
        if self._available():
            try:
                result = await self._run_admit(name, policy, request_id)
            except Exception as exc:
                if not is_redis_error(exc):
                    raise
                self._failed(exc, "admit")
            else:
                self._recovered()
                self._refuse(name, policy, result)
                return
        if self.config.on_unavailable != "local":
            raise self._unavailable()
        self.fallback.admit(name, policy)
        self._local.add(request_id)

    async def _run_admit(self, name: str, policy: Policy, request_id: str) -> list[Any]:
        now = self._clock()
        k = self._keys(name)
        day_exp, month_exp = self._expiry(now)
        lease_ms = int(self.config.lease_seconds * 1000)
        return list(await self._admit(
            keys=[k.day(now), k.month(now), k.running, k.request_bucket, k.token_bucket],
            args=[int(now.timestamp() * 1000), f"{self.box}:{request_id}",
                  policy.max_concurrent, lease_ms, policy.requests_per_minute,
                  policy.tokens_per_minute, policy.tokens_per_day, policy.requests_per_day,
                  policy.tokens_per_month, policy.requests_per_month, day_exp, month_exp]))

    def _refuse(self, name: str, policy: Policy, result: list[Any]) -> None:
        """Raise what the admission script's answer means (nothing when admitted)."""
        code = int(result[0])
        if code == 0:
            return
        if code == 1:
            raise Overloaded(f"identity {name!r} has {int(result[1])} requests in flight (its "
                             f"limit is {policy.max_concurrent})", retry_after=1.0,
                             reason="concurrency_limit", identity=name)
        if code == 2:
            raise Overloaded(f"rate limit of identity {name!r} reached",
                             retry_after=round(max(int(result[1]) / 1000, 0.1), 1),
                             reason="rate_limit", identity=name)
        budget_field = BUDGETS[int(result[1]) - 1]
        period = QUOTA_PERIODS[int(result[1]) - 1][0]
        now = self._clock()
        reset = period_end(period, now)
        raise Overloaded(
            f"identity {name!r} has used its {budget_field.replace('_', ' ')} budget of "
            f"{getattr(policy, budget_field)}; it resets at "
            f"{reset.isoformat().replace('+00:00', 'Z')}",
            retry_after=max(round((reset - now).total_seconds(), 1), 1.0),
            reason="quota", identity=name, resets=reset.isoformat())

    # -- the end of a request --

    async def leave(self, name: str, policy: Policy | None, request_id: str, tokens: int,
                    *, counted: bool) -> None:
        if request_id in self._local:
            self._local.discard(request_id)
            await self.fallback.leave(name, policy, request_id, tokens, counted=counted)
            return
        tokens = max(tokens, 0)
        budgets = policy is not None and bool(policy.tokens_per_day or policy.tokens_per_month)
        rate = policy.tokens_per_minute if policy is not None else 0
        if not counted and not tokens:
            return
        if not counted and not (budgets or rate):
            return
        try:
            await self._run_end(name, request_id if counted else "", rate, tokens,
                                budgets=budgets)
        except Exception as exc:
            if not is_redis_error(exc):
                raise
            self._failed(exc, "end")
            if self.config.on_unavailable == "local" and policy is not None:
                # Counted here instead: this box's own budget sees it.
                self.fallback.charge(name, policy, tokens)
            else:
                log.error(  # noqa: TRY400 - a known cause, no traceback
                    "state_charge_lost", backend=self.target, tokens=tokens,
                    error_type=type(exc).__name__)
        else:
            self._recovered()

    async def _run_end(self, name: str, member_id: str, rate: int, tokens: int, *,
                       budgets: bool) -> None:
        now = self._clock()
        k = self._keys(name)
        day_exp, month_exp = self._expiry(now)
        await self._end(
            keys=[k.day(now), k.month(now), k.running, k.token_bucket],
            args=[int(now.timestamp() * 1000), f"{self.box}:{member_id}" if member_id else "",
                  rate, tokens, "1" if budgets else "0", day_exp, month_exp])

    # -- revocations --

    def _stale_after(self) -> float:
        return max(STALE_MIN_S, STALE_POLLS * self.config.revocation_poll_seconds)

    def revoked(self, sha256: str) -> bool:
        if sha256 in self._revoked:
            return True
        fresh = self._revoked_at is not None \
            and self._monotonic() - self._revoked_at <= self._stale_after()
        if not fresh and self.config.on_unavailable != "local":
            raise Unavailable("shared state (Redis) is unavailable: token revocations cannot "
                              "be checked; try again later", state="shared_state",
                              backend=self.target)
        return False

    async def read_revocations(self) -> None:
        """Read the revoked digests now (raises a Redis error when it cannot)."""
        members = await self.client.smembers(revoked_key(self.config.key_prefix))
        self._revoked = frozenset(str(m) for m in members)
        self._revoked_at = self._monotonic()

    async def watch(self) -> None:
        while True:
            try:
                await self.read_revocations()
            except Exception as exc:
                if not is_redis_error(exc):
                    raise
                self._failed(exc, "revocations")
            else:
                self._recovered()
            await asyncio.sleep(self.config.revocation_poll_seconds)

    async def revoke(self, digests: Iterable[str]) -> int:
        """Add token digests to the shared revocations; how many were new."""
        digests = list(digests)
        if not digests:
            return 0
        return int(await self.client.sadd(revoked_key(self.config.key_prefix), *digests))

    # -- runs of low feedback scores (routing/split.py: LowScores) --

    async def low_run(self, name: str, low: bool) -> int | None:
        """Count one feedback score in ``name``'s run of consecutive low scores, shared by
        every box (one more when ``low``, else back to 0); the run now, or None when Redis
        cannot be reached (the caller counts on this box alone)."""
        key = self._keys(name).low_scores

        async def count() -> int:
            if not low:
                await self.client.delete(key)
                return 0
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, LOW_RUN_TTL_S)
                return int((await pipe.execute())[0])

        return await self._low_scores(count)

    async def low_run_of(self, name: str) -> int | None:
        """``name``'s shared run of low scores now (None: Redis cannot be reached)."""
        key = self._keys(name).low_scores

        async def read() -> int:
            return int(await self.client.get(key) or 0)

        return await self._low_scores(read)

    async def _low_scores(self, command: Callable[[], Awaitable[int]]) -> int | None:
        """Run ``command``; None (and Redis counted down) when Redis cannot be reached."""
        if not self._available():
            return None
        try:
            run = await command()
        except Exception as exc:
            if not is_redis_error(exc):
                raise
            self._failed(exc, "low_scores")
            return None
        self._recovered()
        return run

    # -- reading use (appliance usage) --

    async def used(self, name: str) -> dict[tuple[str, str], int]:
        """{(period, what): count} of ``name`` now."""
        now = self._clock()
        k = self._keys(name)
        day = await self.client.hgetall(k.day(now))
        month = await self.client.hgetall(k.month(now))
        return {(period, what): int((day if period == "day" else month).get(what, 0))
                for period, _, what in QUOTA_PERIODS}

    async def report(self, names: Iterable[str], policies: Mapping[str, Policy],
                     default: Policy) -> list[dict[str, Any]]:
        """Use against budget of each of ``names`` (Redis knows no names: the caller says
        which), as :meth:`appliance.state.local.Quotas.report` rows."""
        now = self._clock()
        rows = []
        for name in sorted(set(names) | set(policies)):
            policy = policies.get(name, default)
            used = await self.used(name)
            row: dict[str, Any] = {"identity": name}
            for period, budget_field, what in QUOTA_PERIODS:
                row[f"{what}_{period}"] = {
                    "used": used[(period, what)],
                    "budget": getattr(policy, budget_field) or None,
                    "resets": period_end(period, now).isoformat().replace("+00:00", "Z")}
            rows.append(row)
        return rows

    async def aclose(self) -> None:
        await self.client.aclose()

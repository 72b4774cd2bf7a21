"""What the CLI does with shared state: share a revocation with the other boxes, read use
(``appliance token revoke``, ``appliance usage``). Blocking calls, for a command line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from appliance.config import Config
from appliance.errors import ConfigError, Unavailable
from appliance.state import open_state
from appliance.state.redis_state import RedisState, is_redis_error, target

T = TypeVar("T")


def _with_redis(config: Config, what: str, run: Callable[[RedisState], Awaitable[T]]) -> T:
    async def go() -> T:
        state = open_state(config)
        if not isinstance(state, RedisState):
            raise TypeError("not a Redis backend")
        try:
            return await run(state)
        except Exception as exc:
            if not is_redis_error(exc):
                raise
            raise Unavailable(f"{what}: Redis at {state.target} cannot be reached "
                              f"({type(exc).__name__})", state="shared_state",
                              error=f"cannot be reached ({type(exc).__name__})") from exc
        finally:
            await state.aclose()

    return asyncio.run(go())


def share_revocations(config: Config, digests: Iterable[str]) -> int:
    """Add revoked tokens' digests to the set every box reads; how many were new."""
    digests = list(digests)
    return _with_redis(config, "the revocation was not shared",
                       lambda state: state.revoke(digests))


def usage_rows(config: Config, names: Iterable[str]) -> list[dict[str, Any]]:
    """Use against budget in Redis of ``names`` and of every identity with a policy."""
    names = list(names)
    return _with_redis(config, "use cannot be read",
                       lambda state: state.report(names, config.auth.identities,
                                                  config.auth.default))


def ping(config: Config) -> tuple[str | None, str]:
    """(why Redis does not answer PING, or None; where it is), for ``appliance doctor``."""
    async def go(state: RedisState) -> None:
        await state.client.ping()

    try:
        _with_redis(config, "no answer", go)
    except Unavailable as exc:
        return str(exc.context.get("error", "cannot be reached")), target(config.state)
    except ConfigError as exc:
        return exc.message, target(config.state)
    return None, target(config.state)

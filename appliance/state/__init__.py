"""Per-identity budgets, rate limits, concurrency and token revocations: on this box (local,
the default) or in a Redis shared by several appliances; one interface
(:class:`appliance.state.base.SharedState`)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from appliance.config import Config
from appliance.errors import ConfigError
from appliance.state.base import SharedState
from appliance.state.local import Quotas, RateLimits, quota_path


def open_state(config: Config, env: Mapping[str, str] | None = None) -> SharedState:
    """The backend ``[state] backend`` names. Nothing connects yet (Redis on first use);
    a password or identity key file that cannot be read is a ConfigError now."""
    local = RateLimits(Quotas(quota_path(config.state_dir)))
    if config.state.backend == "local":
        return local
    try:
        import redis  # noqa: F401, PLC0415 - only a Redis backend needs the client
    except ImportError as exc:
        raise ConfigError("a Redis backend needs the Python package redis (the "
                          "llm-appliance[redis] extra)", key="state.backend") from exc
    from appliance.state.redis_state import RedisState, connect, identity_key  # noqa: PLC0415

    env = os.environ if env is None else env
    return RedisState(config.state, connect(config.state, env), local,
                      ident_key=identity_key(config.state))


__all__ = ["Quotas", "RateLimits", "SharedState", "open_state"]

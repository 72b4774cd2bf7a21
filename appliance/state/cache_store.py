"""The response cache's entries in the Redis of ``[state] backend`` (issue 35): with the cache
on and a Redis state backend, every box looks answers up in, and keeps them in, one store, so
two boxes behind a load balancer share hits (:class:`appliance.stages.cache.ResponseCache`
keeps the counters and decides what is kept, and gives an answer here as a list of its fields;
this module only stores).

What Redis holds (docs/operations.md, "Several appliances"), all under one Redis Cluster hash
tag (``{rc}``) so one script may touch every key:

- ``<prefix>{rc}:e:<id>``: one kept answer. ``id`` is an HMAC-SHA256 of the cache key (itself
  the SHA-256 of the caller's namespace, the tier, the model's SHA-256 and the masked
  request), cut to 128 bits, under a key derived from ``[state] identity_key_file`` (the
  secret the boxes already share for identity names): never the masked text. The value is
  the masked answer (placeholders, never a PII value: the cache is only given masked text),
  its reasoning, finish reason, token counts and the request it came from, as compact JSON
  sealed with AES-256-GCM under another key derived from the same secret, the entry's key
  name as associated data (a value moved under another key does not open). Redis expires it
  after ``[cache] ttl_seconds``.
- ``<prefix>{rc}:index`` (sorted set: id -> when it expires, ms), ``<prefix>{rc}:sizes``
  (hash: id -> bytes) and ``<prefix>{rc}:bytes`` (their sum): the byte budget. ``[cache]
  max_bytes`` is the budget of all boxes together: a store that would go over it drops the
  entries that expire first (all entries live one TTL, so the oldest kept first out; a hit
  does not make an entry younger, which would cost a write per hit). Redis' own
  ``maxmemory-policy`` never has to evict: the state keys beside the cache (budgets,
  revocations) must not be evicted.

``identity_key_file`` is required with a shared cache (``config check`` refuses the config
without it): from the fixed, public key used without one, key names would be hashes a reader
of Redis could confirm a guessed request against, and the values sealed but not secret.

Errors are raised to the caller (:class:`appliance.stages.cache.ResponseCache` turns them
into misses and counts them): nothing here logs, so nothing here can log a value.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: The first byte of every value: how it is sealed (AES-256-GCM, 96-bit random nonce).
FORMAT = b"\x01"
NONCE_BYTES = 12
#: Expired index entries one store forgets at most (the rest on later stores).
SWEEP = 64
#: Bytes an entry costs in Redis beyond its key name and value (the key's own overhead, its
#: expiry, the index and sizes members): measured with redis-server 7.0 (used_memory grew
#: ~550 bytes per entry beyond name and value for 200-character answers), so that the budget
#: is close to what Redis spends (the allocator's rounding of large values is not counted).
ENTRY_OVERHEAD = 576

#: KEYS: the entry, the index (id -> expiry ms), the sizes (id -> bytes), the bytes total.
#: ARGV: now_ms, ttl_ms, max_bytes, id, size, value, entry key prefix (prefix .. id is an
#:       entry's key).
#: Returns {stored (0: larger than the whole budget), evicted, expired forgotten, bytes now,
#:          entries now}.
PUT = """
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local id = ARGV[4]
local size = tonumber(ARGV[5])

local function forget(member)
  local s = tonumber(redis.call('HGET', KEYS[3], member) or '0')
  redis.call('HDEL', KEYS[3], member)
  redis.call('ZREM', KEYS[2], member)
  redis.call('DECRBY', KEYS[4], s)
  redis.call('DEL', ARGV[7] .. member)
end

local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, %(sweep)d)
for _, member in ipairs(expired) do
  forget(member)
end
if redis.call('ZSCORE', KEYS[2], id) then
  forget(id)
end
local evicted = 0
if size <= max then
  local total = tonumber(redis.call('GET', KEYS[4]) or '0')
  while total + size > max do
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)
    if #oldest == 0 then
      break
    end
    forget(oldest[1])
    evicted = evicted + 1
    total = tonumber(redis.call('GET', KEYS[4]) or '0')
  end
  redis.call('SET', KEYS[1], ARGV[6], 'PX', ttl)
  redis.call('ZADD', KEYS[2], now + ttl, id)
  redis.call('HSET', KEYS[3], id, size)
  redis.call('INCRBY', KEYS[4], size)
end
-- the bookkeeping lives as long as the longest-lived entry
for i = 2, 4 do
  if redis.call('PTTL', KEYS[i]) < ttl then
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
local stored = 0
if size <= max then
  stored = 1
end
return {stored, evicted, #expired, tonumber(redis.call('GET', KEYS[4]) or '0'),
        redis.call('ZCARD', KEYS[2])}
""" % {"sweep": SWEEP}  # noqa: UP031 - Lua's own braces make an f-string unreadable


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"llm-appliance response cache v1 " + label).derive(secret)


@dataclass(frozen=True)
class CacheKeys:
    """Key names and the two keys derived from the boxes' shared secret."""

    prefix: str
    name_key: bytes
    seal_key: bytes

    @classmethod
    def derive(cls, prefix: str, secret: bytes) -> CacheKeys:
        return cls(prefix, _derive(secret, b"key names"), _derive(secret, b"values"))

    def entry_id(self, cache_key: str) -> str:
        """The 32 hex digits that stand for one cache key (never the masked text)."""
        return hmac.new(self.name_key, cache_key.encode(), hashlib.sha256).hexdigest()[:32]

    @property
    def entry_prefix(self) -> str:
        return f"{self.prefix}{{rc}}:e:"

    def entry(self, cache_key: str) -> str:
        return self.entry_prefix + self.entry_id(cache_key)

    @property
    def index(self) -> str:
        return f"{self.prefix}{{rc}}:index"

    @property
    def sizes(self) -> str:
        return f"{self.prefix}{{rc}}:sizes"

    @property
    def total(self) -> str:
        return f"{self.prefix}{{rc}}:bytes"


def seal(keys: CacheKeys, name: str, fields: Sequence[Any]) -> bytes:
    """An answer's ``fields`` as compact JSON, sealed for the entry ``name``."""
    plain = json.dumps(list(fields), ensure_ascii=False, separators=(",", ":")).encode()
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT + nonce + AESGCM(keys.seal_key).encrypt(nonce, plain, name.encode())


def unseal(keys: CacheKeys, name: str, blob: bytes) -> list[Any]:
    """The fields :func:`seal` sealed for ``name`` (ValueError or InvalidTag otherwise)."""
    if blob[:1] != FORMAT or len(blob) <= 1 + NONCE_BYTES:
        raise ValueError("not a sealed response-cache entry")
    nonce, sealed = blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:]
    fields = json.loads(AESGCM(keys.seal_key).decrypt(nonce, sealed, name.encode()))
    if not isinstance(fields, list):
        raise ValueError("not a response-cache entry")  # noqa: TRY004 - a format error
    return fields


@dataclass(frozen=True)
class Stored:
    """What one store did, and the shared cache's size after it (all boxes' entries)."""

    stored: bool
    evicted: int
    expired: int
    bytes: int
    entries: int


class RedisCacheStore:
    """Kept answers in Redis (the module docstring), on the state backend's client. Every
    method raises what the client raises when Redis cannot be reached."""

    kind = "redis"

    def __init__(self, client: Any, keys: CacheKeys, ttl: float, max_bytes: int,
                 target: str = "") -> None:
        self.client = client
        self.keys = keys
        self.ttl_ms = max(int(ttl * 1000), 1)
        self.max_bytes = max_bytes
        #: Where Redis is (scheme, host, port, db: never a password), for logs.
        self.target = target
        self._put = client.register_script(PUT)

    @classmethod
    def for_state(cls, state: Any, ttl: float, max_bytes: int) -> RedisCacheStore:
        """On a :class:`appliance.state.redis_state.RedisState`'s client, prefix and secret
        (``identity_key_file``, read again: it was read when the state was opened)."""
        from appliance.state.redis_state import identity_key, target  # noqa: PLC0415

        return cls(state.client, CacheKeys.derive(state.config.key_prefix,
                                                  identity_key(state.config)),
                   ttl, max_bytes, target(state.config))

    async def get(self, cache_key: str) -> list[Any] | None:
        """The fields of the answer kept for ``cache_key``, or None (none, expired, or not
        readable: an entry sealed under another secret is a miss)."""
        from redis.client import NEVER_DECODE  # noqa: PLC0415 - only a Redis backend has it

        name = self.keys.entry(cache_key)
        blob = await self.client.execute_command("GET", name, **{NEVER_DECODE: []})
        if blob is None:
            return None
        try:
            return unseal(self.keys, name, bytes(blob))
        except Exception:  # noqa: BLE001 - another secret, or garbage: nothing to serve
            return None

    async def put(self, cache_key: str, fields: Sequence[Any], now_ms: int) -> Stored:
        """Keep an answer's ``fields`` for ``cache_key`` (``now_ms``: this box's clock)."""
        k = self.keys
        name = k.entry(cache_key)
        blob = seal(k, name, fields)
        size = len(blob) + len(name) + ENTRY_OVERHEAD
        result = await self._put(
            keys=[name, k.index, k.sizes, k.total],
            args=[now_ms, self.ttl_ms, self.max_bytes, k.entry_id(cache_key), size, blob,
                  k.entry_prefix])
        stored, evicted, expired, total, entries = (int(x) for x in result)
        return Stored(bool(stored), evicted, expired, total, entries)

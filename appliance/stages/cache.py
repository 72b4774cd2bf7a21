"""The response cache: answers kept as *masked* text, keyed on the masked request, so that a
request that differs from an earlier one only in its personal data is answered from memory,
restored with its own vault (issue 34).

Key: the caller's namespace (its identity, or the shared ``response_cache_namespace`` its
policy names), the tier, its model file's SHA-256 and the tier's settings that shape an answer
(:func:`tier_settings`), the PII profile, the masked texts and their roles (the tools'
description included), the sampling parameters as the engine would run them (the tier's
defaults filled in, the masked stop strings, the grammar of a ``response_format``), the
tools, and the options that change the answer's shape. Only its SHA-256 is kept. Value: the
masked answer and reasoning the caller was sent (after the output scan: PII the model wrote
is an unnumbered placeholder there), the finish reason, the token counts and the request it
came from. Neither holds a PII value, so nothing here is a secret
beyond what the audit log keeps sealed, and a hit is restored like a model's answer: the
requester's placeholders become the requester's values.

Only reproducible answers are kept (temperature 0 or an explicit seed) unless the identity's
policy says ``response_cache = "always"``; ``Cache-Control: no-cache`` skips the lookup (the
answer is still kept), ``no-store`` skips both. Entries live ``ttl_seconds`` and the whole
cache at most ``max_bytes``, least recently used first out. A model reload empties it, and an
answer generated before the reload is not kept after it (:attr:`ResponseCache.generation`).

With a Redis state backend (``[state] backend = "redis://…"``, ``[cache] shared``, the
default) the entries live in that Redis instead, shared by every box
(:mod:`appliance.state.cache_store`: key names and values sealed under the boxes' shared
secret, Redis' TTL the cache's, ``max_bytes`` the budget of all boxes together, oldest first
out). A reload then empties nothing shared: the key holds the model file's SHA-256 and the
tier's settings that shape an answer (:func:`tier_settings`), so answers of another model or
template are never found, and answers of the same file and settings stay valid. Redis
unreachable never fails a request: a lookup is a miss, a store is dropped; both are counted
(``appliance_response_cache_errors_total``) and the outage logged once, without keys or text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from appliance.config import CacheConfig, ModelConfig, Policy
from appliance.engine.types import EngineState, Event, Finished, SamplingParams, TextPiece
from appliance.privacy.stage import MaskedRequest, OutputFilter, PrivacyStage, Restorer
from appliance.request import Chunk, GenerateParams, RequestInfo
from appliance.stages.output import Answer, stream
from appliance.stages.place import Placer, Prepared
from appliance.stages.records import RequestRecords
from appliance.stages.tools import uses_tools
from appliance.stages.validate import with_tier_defaults

#: info.cache values: answered from the cache, looked up and not found, not looked up.
HIT, MISS, BYPASS = "hit", "miss", "bypass"
#: The route a hit is recorded with (audit, metrics, the log line).
ROUTE = "cache"
#: Bytes an entry costs beyond its texts (the key, the record, the LRU links): an estimate,
#: so that many tiny answers cannot exceed max_bytes by far.
ENTRY_OVERHEAD = 256
#: Policy.response_cache values.
POLICIES = ("off", "reproducible", "always")
#: After a failed command, the shared store is not asked for this long (no request waits for
#: a timeout meanwhile): lookups are misses, answers are not kept.
RETRY_AFTER_S = 1.0

log = structlog.get_logger("appliance.pipeline")


@dataclass(frozen=True)
class CachedAnswer:
    """One kept answer: masked text only."""

    answer: str
    reasoning: str
    #: The model's own finish reason ("stop" or "length"; tool calls are read again).
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    #: The request whose answer this is (the audit record's ``cached_from``).
    request_id: str

    @property
    def size(self) -> int:
        return (len(self.answer.encode()) + len(self.reasoning.encode())
                + len(self.request_id) + ENTRY_OVERHEAD)

    def fields(self) -> list[Any]:
        """The answer as a list, for a shared store (:meth:`from_fields` reads it back)."""
        return [self.answer, self.reasoning, self.finish_reason, self.prompt_tokens,
                self.completion_tokens, self.request_id]

    @classmethod
    def from_fields(cls, fields: Sequence[Any]) -> CachedAnswer:
        answer, reasoning, finish, prompt, completion, request_id = fields
        return cls(str(answer), str(reasoning), str(finish), int(prompt), int(completion),
                   str(request_id))


@dataclass
class _Entry:
    value: CachedAnswer
    expires: float


class StoreResult(Protocol):
    """What a shared store did with one answer (:class:`appliance.state.cache_store.Stored`)."""

    @property
    def stored(self) -> bool: ...
    @property
    def evicted(self) -> int: ...
    @property
    def expired(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    @property
    def entries(self) -> int: ...


class SharedStore(Protocol):
    """Where several boxes keep answers (:class:`appliance.state.cache_store.RedisCacheStore`):
    its methods raise when the store cannot be reached."""

    kind: str
    #: Where it is, for logs (never a password).
    target: str

    async def get(self, cache_key: str) -> list[Any] | None:
        """An answer's fields (:meth:`CachedAnswer.fields`), or None."""
        ...

    async def put(self, cache_key: str, fields: Sequence[Any], now_ms: int) -> StoreResult: ...


class ResponseCache:
    """Kept answers by key, least recently used first out, each for ``ttl`` seconds; in this
    box's memory, or in a ``shared`` store (then :meth:`lookup` and :meth:`store` go there).
    Not thread-safe: used on the event loop only."""

    def __init__(self, max_bytes: int, ttl: float,
                 clock: Callable[[], float] = time.monotonic, *,
                 shared: SharedStore | None = None,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._clock = clock
        self.shared = shared
        self._wall_clock = wall_clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        #: Entries dropped for room (LRU), and entries found past their TTL.
        self.evictions = 0
        self.expired = 0
        self.stores = 0
        #: Bumped by :meth:`clear`; an answer begun before it is not kept after it.
        self.generation = 0
        #: Lookups and stores of the shared store that failed, or were skipped while it was
        #: down (each lookup also counts as a miss).
        self.errors = {"lookup": 0, "store": 0}
        #: The shared store's entries as of this box's last store (all boxes').
        self._shared_entries = 0
        self._down_until = 0.0
        self._down_since: float | None = None

    @classmethod
    def from_config(cls, config: CacheConfig, state: Any = None) -> ResponseCache | None:
        """The cache ``[cache]`` asks for (None: off); in ``state``'s Redis when that is a
        Redis backend and ``[cache] shared`` (the default)."""
        if not config.enabled:
            return None
        shared: SharedStore | None = None
        if config.shared and getattr(state, "kind", None) == "redis":
            from appliance.state.cache_store import RedisCacheStore  # noqa: PLC0415 - Redis only

            shared = RedisCacheStore.for_state(state, config.ttl_seconds, config.max_bytes)
        return cls(config.max_bytes, config.ttl_seconds, shared=shared)

    def __len__(self) -> int:
        return self._shared_entries if self.shared is not None else len(self._entries)

    def entries(self) -> list[CachedAnswer]:
        """Every answer kept now (for tests that check what the cache holds)."""
        return [e.value for e in self._entries.values()]

    def get(self, key: str) -> CachedAnswer | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires <= self._clock():
            self._drop(key)
            self.expired += 1
            entry = None
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.value

    def put(self, key: str, value: CachedAnswer, generation: int) -> bool:
        """Keep ``value`` (False: too big for the whole cache, or begun before a reload)."""
        if generation != self.generation or value.size > self.max_bytes:
            return False
        if key in self._entries:
            self._drop(key)
        while self._entries and self.bytes + value.size > self.max_bytes:
            self._drop(next(iter(self._entries)))
            self.evictions += 1
        self._entries[key] = _Entry(value, self._clock() + self.ttl)
        self.bytes += value.size
        self.stores += 1
        return True

    def clear(self) -> None:
        """Forget everything (a model reload); answers still being generated are not kept.
        A shared store keeps its entries (the module docstring says why that is safe)."""
        self._entries.clear()
        if self.shared is None:
            self.bytes = 0
        self.generation += 1

    # -- the store the request path uses: this box's memory, or the shared one --

    async def lookup(self, key: str) -> CachedAnswer | None:
        """:meth:`get`, from the shared store when there is one; a shared store that fails or
        is down gives a miss (counted in :attr:`errors`), never an error."""
        shared = self.shared
        if shared is None:
            return self.get(key)
        found: CachedAnswer | None = None
        if not self._available():
            self.errors["lookup"] += 1
        else:
            try:
                fields = await shared.get(key)
            except Exception as exc:  # noqa: BLE001 - whatever it is, the request goes on
                self._failed(exc, "lookup")
            else:
                self._recovered()
                try:
                    found = None if fields is None else CachedAnswer.from_fields(fields)
                except (ValueError, TypeError):
                    found = None  # an entry of another shape (another version): a miss
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    async def store(self, key: str, value: CachedAnswer, generation: int) -> bool:
        """:meth:`put`, into the shared store when there is one; a shared store that fails or
        is down keeps nothing (counted in :attr:`errors`, the outage logged)."""
        shared = self.shared
        if shared is None:
            return self.put(key, value, generation)
        if generation != self.generation or value.size > self.max_bytes:
            return False
        if not self._available():
            self.errors["store"] += 1
            return False
        try:
            result = await shared.put(key, value.fields(), int(self._wall_clock() * 1000))
        except Exception as exc:  # noqa: BLE001 - whatever it is, the request goes on
            self._failed(exc, "store")
            return False
        self._recovered()
        self.stores += int(result.stored)
        self.evictions += result.evicted
        self.expired += result.expired
        self.bytes, self._shared_entries = result.bytes, result.entries
        return result.stored

    def _available(self) -> bool:
        return self._clock() >= self._down_until

    def _failed(self, exc: BaseException, operation: str) -> None:
        """Count the failure, skip the store for a while, log the outage's start once (the
        error's type only: no key, no text)."""
        self.errors[operation] += 1
        now = self._clock()
        self._down_until = now + RETRY_AFTER_S
        if self._down_since is None:
            self._down_since = now
            log.warning("response_cache_unavailable", operation=operation,
                        error_type=type(exc).__name__,
                        backend=getattr(self.shared, "target", ""))

    def _recovered(self) -> None:
        if self._down_since is not None:
            log.info("response_cache_available", backend=getattr(self.shared, "target", ""),
                     down_s=round(self._clock() - self._down_since, 1))
            self._down_since = None

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key)
        self.bytes -= entry.value.size


def cache_control(header: str) -> str:
    """A Cache-Control header (HTTP, or gRPC metadata) as the one directive that matters here:
    "no-store", "no-cache" or ""."""
    directives = {d.split("=", 1)[0].strip().lower() for d in header.split(",")}
    if "no-store" in directives:
        return "no-store"
    return "no-cache" if "no-cache" in directives else ""


def namespace(info: RequestInfo) -> str:
    """Whose kept answers a request may get: its identity's, or the shared namespace its
    policy names; callers without credentials share "anonymous" (loopback only)."""
    policy = info.policy
    if policy is None:
        return "anonymous"
    if policy.response_cache_namespace:
        return f"ns:{policy.response_cache_namespace}"
    return f"id:{info.client}"


def reproducible(sampling: SamplingParams) -> bool:
    """Whether the engine gives the same answer again: greedy, or a fixed seed."""
    return sampling.temperature <= 0 or sampling.seed is not None


def _sampling_fields(sampling: SamplingParams) -> dict[str, Any]:
    out = dataclasses.asdict(sampling)
    # What the tier's defaults filled in is already in the values; logprobs only feed
    # the escalation check, which the key covers through "unary" and "escalation".
    out.pop("unset", None)
    out.pop("logprobs", None)
    return out


@dataclass(frozen=True)
class Model:
    """The tier the router picks for a request and its loaded model file."""

    tier: str
    #: Why the router picked it (the record's route_reason).
    reason: str
    sha256: str
    #: The identity's arm on a tier with a canary ("primary" or "canary"; None: no canary).
    arm: str | None = None
    #: :func:`tier_settings` of the tier (of its canary, on the canary arm).
    settings: tuple[Any, ...] = ()


def tier_settings(spec: ModelConfig | None, arm: str | None = None) -> tuple[Any, ...]:
    """What the engine adds to a request from the tier's own settings that shapes its answer
    beyond the model file and the sampling (the prompt's template, the reasoning format and
    budget, the tier's stops, the context): in the key, so that a box with other settings,
    or a reload that changed them, never finds an answer written under the old ones (a
    shared store is not emptied by a reload). Not the settings that only change speed
    (threads, batch sizes, slots)."""
    if spec is None:
        return ()
    if arm == "canary":
        spec = spec.canary_spec() or spec
    return (spec.chat_template, spec.reasoning, spec.reasoning_budget,
            list(spec.stop) if spec.stop is not None else None, spec.n_ctx)


def request_key(ns: str, model: Model, sampling: SamplingParams, prep: Prepared,
                policy: Policy | None) -> str:
    """The SHA-256 of everything that decides the answer (module docstring), as canonical
    JSON: ``prep`` is the request as masked (tools' description included), ``sampling`` its
    sampling parameters with the tier's defaults. What the engine adds from the tier's own
    settings (its template, reasoning budget, stops) is in ``model.settings``
    (:func:`tier_settings`): a reload empties this box's cache, not a shared one."""
    params, masked = prep.params, prep.masked
    roles = ["prompt"] if params.prompt else [m.role for m in params.messages]
    material = {
        "v": 2, "namespace": ns, "tier": model.tier, "model": model.sha256,
        "settings": list(model.settings),
        "pii_profile": policy.pii_profile if policy is not None else "",
        "roles": roles, "texts": list(masked.texts),
        "sampling": _sampling_fields(sampling),
        "tools": [dataclasses.asdict(t) for t in params.tools],
        "tool_choice": params.tool_choice, "parallel_tool_calls": params.parallel_tool_calls,
        "include_reasoning": params.include_reasoning,
        "reasoning_effort": params.reasoning_effort,
        "unary": params.unary, "escalation": params.allow_escalation,
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Ticket:
    """A request the cache was consulted for: where its answer goes, if it is kept."""

    cache: ResponseCache
    key: str
    generation: int
    model: Model
    #: The kept answer found (None: a miss, or the lookup was skipped).
    found: CachedAnswer | None = None

    async def keep(self, info: RequestInfo) -> None:
        """Keep the answer the request was just sent, if the keyed tier's local model wrote
        all of it (not the cluster, not another tier after a length reroute or an
        escalation: a hit is served as the keyed tier's). Never raises for a shared store
        that cannot be reached."""
        if info.route != "local" or info.tier != self.model.tier \
                or info.model_sha256 != self.model.sha256 \
                or info.masked_answer is None or info.finish_reason is None:
            return
        finish = "stop" if info.finish_reason == "tool_calls" else info.finish_reason
        await self.cache.store(self.key, CachedAnswer(
            answer=info.masked_answer, reasoning=info.masked_reasoning or "",
            finish_reason=finish, prompt_tokens=info.prompt_tokens,
            completion_tokens=info.completion_tokens, request_id=info.request_id),
            self.generation)


def _model(placer: Placer, params: GenerateParams, info: RequestInfo) -> Model | None:
    """The tier the router picks and its model, if that tier is ready and the identity may
    use it (else None: the request goes on to placement, which decides or refuses)."""
    route = placer.route(params, info)
    # The caller's arm on a tier with a canary: its answers are kept under the model it gets.
    engine, arm = placer.engine_for(route.tier, info.client)
    policy = info.policy
    if engine.state is not EngineState.READY or engine.facts is None \
            or (policy is not None and route.tier not in policy.tiers):
        return None
    return Model(route.tier, route.reason, engine.facts.sha256, arm,
                 tier_settings(placer.config.models.get(route.tier), arm))


async def consult(cache: ResponseCache | None, placer: Placer, prep: Prepared,
                  info: RequestInfo) -> Ticket | None:
    """Look the request up, after masking and before placement: a hit costs no tokenizing
    and no slot. Keyed on the tier the router picks and its model. None: the cache is off,
    or this request is not one it keeps (not reproducible, tier not ready, ``no-store``, the
    policy says ``off``). Sets ``info.cache``."""
    if cache is None:
        return None
    params = prep.params
    info.cache = BYPASS
    model = _model(placer, params, info)
    if model is None:
        return None
    sampling = with_tier_defaults(prep.sampling, placer.config.models.get(model.tier))
    mode = info.policy.response_cache if info.policy is not None else "reproducible"
    if params.cache_control == "no-store" or mode == "off" \
            or (mode == "reproducible" and not reproducible(sampling)):
        return None
    key = request_key(namespace(info), model, sampling, prep, info.policy)
    ticket = Ticket(cache, key, cache.generation, model)
    if params.cache_control == "no-cache":
        return ticket
    found = await cache.lookup(key)
    info.cache = MISS if found is None else HIT
    return ticket if found is None else dataclasses.replace(ticket, found=found)


class _Restored:
    """A kept answer on its way out: restored with the requester's vault, not scanned again
    (it was scanned when the model wrote it)."""

    def __init__(self, restorer: Restorer) -> None:
        self._restorer = restorer
        self._masked: list[str] = []
        self.masked_counts: dict[str, int] = {}

    @property
    def masked_text(self) -> str:
        return "".join(self._masked)

    async def feed(self, text: str) -> str:
        self._masked.append(text)
        return self._restorer.feed(text)

    async def flush(self) -> str:
        return self._restorer.flush()


class _RestoreOnly:
    """The requester's PII stage, with an output that only restores (:class:`_Restored`)."""

    def __init__(self, privacy: PrivacyStage) -> None:
        self._privacy = privacy
        self.pass_through = privacy.pass_through

    async def mask(self, texts: Sequence[str], namespace: str | None = None) -> MaskedRequest:
        return await self._privacy.mask(texts, namespace)

    def output(self, masked: MaskedRequest) -> OutputFilter:
        return _Restored(masked.restorer())


async def _events(found: CachedAnswer) -> AsyncIterator[Event]:
    if found.reasoning:
        yield TextPiece(found.reasoning, reasoning=True)
    if found.answer:
        yield TextPiece(found.answer)
    yield Finished(found.finish_reason, found.prompt_tokens, found.completion_tokens)


async def replay(ticket: Ticket, privacy: PrivacyStage, prep: Prepared, info: RequestInfo,
                 records: RequestRecords) -> AsyncIterator[Chunk]:
    """A hit (``ticket.found``), sent as the chunks of an answer (reasoning, answer, the last
    with the finish reason and usage), restored for this caller and audited with ``route =
    cache``, the tier and model that wrote it, and the request it came from."""
    found = ticket.found
    if found is None:
        raise ValueError("replay of a ticket without a kept answer")
    info.tier, info.route, info.route_reason = ticket.model.tier, ROUTE, ticket.model.reason
    info.model_sha256, info.prompt_tokens = ticket.model.sha256, found.prompt_tokens
    info.arm = ticket.model.arm
    info.cached_from = found.request_id
    params = prep.params
    answer = Answer(_RestoreOnly(privacy), prep.masked, json_output=params.response_format.json,
                    include_reasoning=params.include_reasoning, reasoning_style="none",
                    route=ROUTE, tools=uses_tools(params))
    async for chunk in stream(_events(found), answer, info, records):
        yield chunk

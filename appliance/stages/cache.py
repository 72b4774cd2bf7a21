"""The response cache: answers kept as *masked* text, keyed on the masked request, so that a
request that differs from an earlier one only in its personal data is answered from memory,
restored with its own vault (issue 34).

Key: the caller's namespace (its identity, or the shared ``response_cache_namespace`` its
policy names), the tier and its model file's SHA-256, the PII profile, the masked texts and
their roles (the tools' description included), the sampling parameters as the engine would run
them (the tier's defaults filled in, the masked stop strings, the grammar of a
``response_format``), the tools, and the options that change the answer's shape. Only its
SHA-256 is kept. Value: the masked answer and reasoning the caller was sent (after the output
scan: PII the model wrote is an unnumbered placeholder there), the finish reason, the token
counts and the request it came from. Neither holds a PII value, so nothing here is a secret
beyond what the audit log keeps sealed, and a hit is restored like a model's answer: the
requester's placeholders become the requester's values.

Only reproducible answers are kept (temperature 0 or an explicit seed) unless the identity's
policy says ``response_cache = "always"``; ``Cache-Control: no-cache`` skips the lookup (the
answer is still kept), ``no-store`` skips both. Entries live ``ttl_seconds`` and the whole
cache at most ``max_bytes``, least recently used first out. A model reload empties it, and an
answer generated before the reload is not kept after it (:attr:`ResponseCache.generation`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from appliance.config import CacheConfig, Policy
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


@dataclass
class _Entry:
    value: CachedAnswer
    expires: float


class ResponseCache:
    """Kept answers by key, least recently used first out, each for ``ttl`` seconds.
    Not thread-safe: used on the event loop only."""

    def __init__(self, max_bytes: int, ttl: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._clock = clock
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

    @classmethod
    def from_config(cls, config: CacheConfig) -> ResponseCache | None:
        return cls(config.max_bytes, config.ttl_seconds) if config.enabled else None

    def __len__(self) -> int:
        return len(self._entries)

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
        """Forget everything (a model reload); answers still being generated are not kept."""
        self._entries.clear()
        self.bytes = 0
        self.generation += 1

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


def request_key(ns: str, model: Model, sampling: SamplingParams, prep: Prepared,
                policy: Policy | None) -> str:
    """The SHA-256 of everything that decides the answer (module docstring), as canonical
    JSON: ``prep`` is the request as masked (tools' description included), ``sampling`` its
    sampling parameters with the tier's defaults. What the engine adds from the tier's own
    settings (its reasoning budget, the chat template's stops) is fixed until a reload, which
    empties the cache."""
    params, masked = prep.params, prep.masked
    roles = ["prompt"] if params.prompt else [m.role for m in params.messages]
    material = {
        "v": 1, "namespace": ns, "tier": model.tier, "model": model.sha256,
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

    def keep(self, info: RequestInfo) -> None:
        """Keep the answer the request was just sent, if the keyed tier's local model wrote
        all of it (not the cluster, not another tier after a length reroute or an
        escalation: a hit is served as the keyed tier's)."""
        if info.route != "local" or info.tier != self.model.tier \
                or info.model_sha256 != self.model.sha256 \
                or info.masked_answer is None or info.finish_reason is None:
            return
        finish = "stop" if info.finish_reason == "tool_calls" else info.finish_reason
        self.cache.put(self.key, CachedAnswer(
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
    return Model(route.tier, route.reason, engine.facts.sha256, arm)


def consult(cache: ResponseCache | None, placer: Placer, prep: Prepared,
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
    found = cache.get(key)
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

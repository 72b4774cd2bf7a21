"""Placement: where a request runs, decided before any of it runs.

The tier comes from the router; the prompt is tokenized on that tier's engine (an ``auto``
request too long for it moves to a tier that holds it); then local or central: the request
overflows to the cluster when the tier's queue is full or the predicted wait is too long, if
the request, the identity's policy and the PII policy let it leave; otherwise it runs locally,
or gets RESOURCE_EXHAUSTED when local cannot take it. A tier that is loading or failed sends
the request to the cluster, or refuses it with UNAVAILABLE.

The result is a :class:`Placement` value; :func:`events` runs it. A local engine failure (or a
queue wait past ``max_local_wait_ms``) before the first token still moves it to the cluster.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

import structlog

from appliance.config import TIERS, Config, Policy
from appliance.engine.budget import effort_budget
from appliance.engine.types import (
    Cluster,
    Engine,
    EngineState,
    Event,
    Finished,
    Registry,
    SamplingParams,
)
from appliance.errors import EngineFailure, InvalidArgument, Overloaded, QueueTimeout, Unavailable
from appliance.generation import Message
from appliance.observability.tracing import trace
from appliance.privacy.stage import MaskedRequest
from appliance.request import GenerateParams, RequestInfo
from appliance.routing.canary import CANARY, PRIMARY, arm_of
from appliance.routing.router import Route, after_low_scores, choose_tier, reroute_for_length
from appliance.routing.split import LowScores
from appliance.stages.mask import masked_messages
from appliance.stages.validate import check_tier, with_tier_defaults

log = structlog.get_logger("appliance.pipeline")


@dataclass(frozen=True)
class Prepared:
    """A request after validation and masking: what placement and escalation work from."""

    params: GenerateParams
    masked: MaskedRequest
    #: The request's own sampling parameters (before any tier's defaults).
    sampling: SamplingParams


@dataclass
class Flight:
    """One request in flight: its record, its deadline, and the engines it holds (released
    by the pipeline when the request ends)."""

    info: RequestInfo
    deadline: float | None = None
    leases: list[Engine] = field(default_factory=list)
    #: Counted against the identity's concurrency limit (released when it ends).
    counted: bool = False

    def hold(self, engine: Engine) -> None:
        engine.acquire()
        self.leases.append(engine)


@dataclass(frozen=True)
class Fit:
    """The engine a request's prompt fits on, the tier and why, and its tokens there."""

    engine: Engine
    tier: str
    reason: str
    tokens: list[int]
    #: "primary" or "canary" on a tier with a canary (None: the tier has one model).
    arm: str | None = None


@dataclass(frozen=True)
class Placement:
    """Where one request runs and with what; :func:`events` runs it."""

    tier: str
    route: Literal["local", "central"]
    reason: str
    #: The sampling parameters with the tier's defaults (what the cluster is sent).
    sampling: SamplingParams
    #: The masked request as chat messages (for the cluster).
    messages: tuple[Message, ...]
    #: The local engine and the prompt's tokens on it (None: the cluster answers).
    engine: Engine | None = None
    tokens: tuple[int, ...] = ()
    #: What the local engine runs: ``sampling`` plus the tier's reasoning and chat stops.
    local_sampling: SamplingParams | None = None
    #: The cluster: where a central placement goes, or where a local one may still go.
    central: Cluster | None = None
    #: Local: seconds the request may wait for a slot before it leaves for the cluster.
    max_queue_wait: float | None = None
    #: Overflow from a full queue: a cluster failure before the first byte is then
    #: RESOURCE_EXHAUSTED with this retry-after (neither place can take it).
    overflow_retry_after: float | None = None
    model_sha256: str | None = None
    #: Events already produced (an escalation's first answer, served as it was).
    replay: tuple[Event, ...] | None = None
    arm: str | None = None

    def record(self, info: RequestInfo) -> None:
        """Write where the request runs into its record (the log line, the audit)."""
        info.tier, info.route, info.route_reason = self.tier, self.route, self.reason
        info.arm = self.arm
        if self.tokens:
            info.model_sha256, info.prompt_tokens = self.model_sha256, len(self.tokens)

    def with_logprobs(self) -> Placement:
        if self.local_sampling is None:
            return self
        return replace(self, local_sampling=replace(self.local_sampling, logprobs=True))


class Placer:
    """Decides placements from the config, the tiers' engines and the cluster's health."""

    def __init__(self, config: Config, registry: Registry, central: Cluster | None,
                 low_scores: LowScores | None = None) -> None:
        self.config = config
        self.registry = registry
        self.central = central
        #: Identities' runs of low feedback scores (None: tests' parts; the rule is off).
        self.low_scores = low_scores

    def route(self, params: GenerateParams, info: RequestInfo,
              now: datetime | None = None) -> Route:
        """The tier the router picks for ``params`` from ``info.client`` (``now``: the local
        time for ``[[routing.auto_split]]``; default the clock)."""
        policy = info.policy
        route = choose_tier(params.model, params.task_type, self.config.routing, info.client,
                            now=now, tiers=policy.tiers if policy is not None else TIERS)
        if self.low_scores is None:
            return route
        return after_low_scores(route, self.low_scores.escalated(info.client, policy))

    def precheck(self, params: GenerateParams, info: RequestInfo) -> None:
        """Before masking (the costly step): a request for a tier whose queue is full, and
        that cannot go anywhere else, is refused now. Only explicit and default routes (an
        ``auto`` one may still move to another tier once its length is known)."""
        route = self.route(params, info)
        engine, arm = self.engine_for(route.tier, info.client)
        if route.auto or engine.state is not EngineState.READY:
            return
        policy = info.policy
        may_leave = params.allow_fallback and (policy is None or policy.allow_fallback)
        if may_leave and self.central is not None and self.central.available():
            return
        full, wait = engine.admission(info.client, params.priority)
        if full:
            info.tier, info.route, info.route_reason = route.tier, "local", route.reason
            info.arm = arm
            info.model_sha256 = engine.facts.sha256 if engine.facts else None
            raise Overloaded(f"model {route.tier} is busy and the request cannot overflow "
                             f"to a central cluster", retry_after=round(max(wait, 0.5), 1))

    async def place(self, prep: Prepared, flight: Flight) -> Placement:
        """Route, tokenize and place; every engine the request holds goes to the flight's
        leases."""
        info, params = flight.info, prep.params
        route = self.route(params, info)
        engine, arm = self.engine_for(route.tier, info.client)
        if engine.state is not EngineState.READY:
            return self._while_not_ready(engine, route.tier, prep, info)
        flight.hold(engine)
        tokens, what = await tokenize(engine, params, prep.masked.texts)
        contexts = {t: e.n_ctx for t, e in self.registry.tiers.items()}
        rerouted = reroute_for_length(route, len(tokens) + prep.sampling.max_tokens, contexts)
        if rerouted.tier != route.tier:
            engine, arm = self.engine_for(rerouted.tier, info.client)
            engine.check_ready()
            flight.hold(engine)
            tokens, what = await tokenize(engine, params, prep.masked.texts)
        fit = Fit(engine, rerouted.tier, rerouted.reason, tokens, arm)
        check_tier(info.policy, fit.tier, info.client)
        # Recorded before the rest is decided: a request refused from here on (context too
        # small, queue full) names the tier and model it was refused on.
        provisional(fit, prep.sampling).record(info)
        check_context(engine, fit.tier, len(tokens), prep.sampling.max_tokens, what)
        return self.on_engine(fit, prep, info.policy, info.client)

    async def count(self, params: GenerateParams, masked: MaskedRequest,
                    info: RequestInfo) -> int:
        """The prompt tokens of a masked request on the tier the router picks for it, as
        :meth:`place` counts them (the model's chat template, tools described); nothing is
        placed or run. UNAVAILABLE while that tier is loading or failed."""
        route = self.route(params, info)
        engine, _arm = self.engine_for(route.tier, info.client)
        engine.check_ready()
        check_tier(info.policy, route.tier, info.client)
        info.tier, info.route_reason = route.tier, route.reason
        engine.acquire()
        try:
            tokens, _what = await tokenize(engine, params, masked.texts)
        finally:
            engine.release()
        info.prompt_tokens = len(tokens)
        return len(tokens)

    def engine_for(self, tier: str, client: str) -> tuple[Engine, str | None]:
        """The engine ``client`` is served from on ``tier``, and its arm: the canary's for
        the identities :func:`~appliance.routing.canary.arm_of` sends there, else the
        primary's (arm None when the tier has no canary)."""
        canary = self.registry.canary_for(tier)
        if canary is None:
            return self.registry.engine_for(tier), None
        if arm_of(client, tier, canary.weight) == CANARY:
            return canary.engine, CANARY
        return self.registry.engine_for(tier), PRIMARY

    def _while_not_ready(self, engine: Engine, tier: str, prep: Prepared,
                         info: RequestInfo) -> Placement:
        """The tier is loading (start-up, reload) or failed: the cluster takes the request,
        or it is refused with UNAVAILABLE."""
        central = self.central_for(prep, info.policy)
        if central is None:
            engine.check_ready()  # raises UNAVAILABLE (loading, failed)
        check_tier(info.policy, tier, info.client)
        return Placement(tier=tier, route="central", reason=f"fallback:local_{engine.state}",
                         sampling=with_tier_defaults(prep.sampling, self.config.models.get(tier)),
                         messages=masked_messages(prep.params, prep.masked), central=central)

    def on_engine(self, fit: Fit, prep: Prepared, policy: Policy | None,
                  owner: str = "") -> Placement:
        """Local on the fitted engine, or overflow to the cluster when its queue cannot take
        the request soon enough; RESOURCE_EXHAUSTED when neither can."""
        engine, tier, params = fit.engine, fit.tier, prep.params
        full, wait = engine.admission(owner, params.priority)
        fb = self.config.fallback
        overflow = "queue_full" if full else \
            "predicted_wait" if wait * 1000 > fb.max_local_wait_ms else None
        central = self.central_for(prep, policy)
        spec = self.config.models.get(tier)
        sampling = with_tier_defaults(prep.sampling, spec)
        placed = Placement(tier=tier, route="local", reason=fit.reason, sampling=sampling,
                           messages=masked_messages(params, prep.masked), engine=engine,
                           tokens=tuple(fit.tokens), central=central,
                           model_sha256=engine.facts.sha256 if engine.facts else None,
                           arm=fit.arm)
        if overflow is not None and central is not None:
            return replace(placed, route="central", reason=f"fallback:{overflow}", engine=None,
                           overflow_retry_after=round(max(wait, 1.0), 1) if full else None)
        if full:
            raise Overloaded(f"model {tier} is busy and the request cannot overflow to a "
                             f"central cluster", retry_after=round(max(wait, 0.5), 1))
        local = sampling if spec is None or spec.reasoning == "none" else replace(
            sampling, reasoning=spec.reasoning, reasoning_budget=effort_budget(
                spec.reasoning_budget, params.reasoning_effort, sampling.max_tokens))
        if params.messages and not sampling.grammar:
            # A transcript-style template's next turn ("\nUser:") ends the answer (a grammar
            # ends a structured answer itself, and must not be cut inside the reasoning).
            extra = tuple(s for s in engine.chat_stops if s not in local.stop)
            local = replace(local, stop=local.stop + extra)
        if any(token >= engine.n_vocab for token, _bias in sampling.logit_bias):
            raise InvalidArgument(f"logit_bias: token ids must be below model {tier}'s "
                                  f"vocabulary size {engine.n_vocab}", field="logit_bias")
        # With a cluster to go to, a request still waiting for a slot after max_local_wait_ms
        # leaves the queue for the cluster: the prediction above is an estimate, this is the
        # bound.
        return replace(placed, local_sampling=local,
                       max_queue_wait=fb.max_local_wait_ms / 1000 if central else None)

    def central_for(self, prep: Prepared, policy: Policy | None) -> Cluster | None:
        """The cluster, if this request may go there: configured and healthy, allowed by the
        request, the identity's policy and the PII policy (only allowed entity types leave)."""
        central = self.central
        may_leave = prep.params.allow_fallback and (policy is None or policy.allow_fallback)
        allowed = set(self.config.fallback.allowed_pii_types)
        if central is None or not may_leave or not central.available() \
                or not set(prep.masked.entity_counts) <= allowed:
            return None
        return central


def provisional(fit: Fit, sampling: SamplingParams) -> Placement:
    """Where the request is about to run, before it is decided whether it can."""
    return Placement(tier=fit.tier, route="local", reason=fit.reason, sampling=sampling,
                     messages=(), tokens=tuple(fit.tokens),
                     model_sha256=fit.engine.facts.sha256 if fit.engine.facts else None,
                     arm=fit.arm)


def check_context(engine: Engine, tier: str, n_tokens: int, max_tokens: int, what: str) -> None:
    if n_tokens + max_tokens > engine.n_ctx:
        raise InvalidArgument(
            f"{what}: {n_tokens} prompt tokens plus max_tokens exceed model "
            f"{tier}'s context of {engine.n_ctx} tokens (at most "
            f"{max(engine.n_ctx - max_tokens, 0)} prompt tokens allowed with this max_tokens)",
            field=what)


async def tokenize(engine: Engine, params: GenerateParams,
                   texts: tuple[str, ...]) -> tuple[list[int], str]:
    """The masked prompt's tokens on ``engine``, and which field they came from."""
    if params.prompt:
        return await asyncio.to_thread(engine.tokenize_prompt, texts[0]), "prompt"
    msgs = [Message(m.role, t) for m, t in zip(params.messages, texts, strict=True)]
    return await asyncio.to_thread(engine.tokenize_chat, msgs), "messages"


async def events(placement: Placement, flight: Flight, priority: int) -> AsyncIterator[Event]:
    """Run a placement: the engine's (or the cluster's) events, text pieces then Finished."""
    if placement.replay is not None:
        for event in placement.replay:
            yield event
    elif placement.engine is None:
        async for event in _on_cluster(placement):
            yield event
    else:
        async for event in _local(placement, placement.engine, flight, priority):
            yield event


async def _on_cluster(p: Placement) -> AsyncIterator[Event]:
    if p.central is None:  # a central placement always names its cluster
        raise Unavailable("no central cluster for this request")
    started = False
    try:
        async for event in trace().central(p.central.generate(p.messages, p.sampling, p.tier),
                                           p.tier):
            started = True
            yield event
    except Unavailable as exc:
        if started or p.overflow_retry_after is None:
            raise
        # Neither place can take it: the caller should come back later (when the cluster
        # said when, not before that).
        asked = exc.context.get("retry_after") or 0.0
        raise Overloaded("local capacity is full and the central cluster failed",
                         retry_after=max(p.overflow_retry_after, asked),
                         reason="central_failed") from None


async def _local(p: Placement, engine: Engine, flight: Flight,
                 priority: int) -> AsyncIterator[Event]:
    started = False
    info = flight.info
    info.in_engine = True
    try:
        async for event in trace().generation(engine.generate(
                list(p.tokens), p.local_sampling or p.sampling, flight.deadline, priority,
                p.max_queue_wait, owner=info.client,
                cache_namespace=info.cache_namespace,
                background=info.background), p.tier):
            started = True
            if isinstance(event, Finished):
                info.in_engine = False
            yield event
    except (EngineFailure, QueueTimeout) as exc:
        info.in_engine = False
        if started or p.central is None:
            raise
        why = "queue_timeout" if isinstance(exc, QueueTimeout) else "local_failure"
        log.warning("local_fallback", tier=p.tier, reason=why)
        flight.info.route, flight.info.route_reason = "central", f"fallback:{why}"
        async for event in trace().central(p.central.generate(p.messages, p.sampling, p.tier),
                                           p.tier):
            yield event
    finally:
        info.in_engine = False

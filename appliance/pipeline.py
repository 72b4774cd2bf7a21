"""The request path of ARCHITECTURE.md, as plain async code, one explicit stage per step::

    validate ─► PII mask ─► route ─► prepare prompt ─► audit begin
             ─► generate ─► split reasoning ─► restore ─► audit end

The gRPC layer (``appliance.server``) turns protobuf messages into :class:`GenerateParams` and
:class:`Chunk` back into protobuf; nothing here knows about gRPC except through the error tree.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import structlog

from appliance.audit.stage import AuditStage
from appliance.config import Config, EscalationConfig, LimitsConfig, ModelConfig, Policy
from appliance.engine.chat import ROLES, Message
from appliance.engine.llama_engine import (
    Event,
    Finished,
    LlamaEngine,
    SamplingParams,
    TextPiece,
)
from appliance.engine.registry import ModelRegistry
from appliance.engine.sampling import (
    ENGINE_DEFAULTS,
    GENERATION_FIELDS,
    LOGIT_BIAS_RANGE,
    MAX_LOGIT_BIAS,
)
from appliance.engine.sampling import problem as generation_problem
from appliance.engine.structured import ResponseFormat, grammar_for
from appliance.errors import (
    ApplianceError,
    Cancelled,
    DeadlineExceeded,
    EngineFailure,
    InvalidArgument,
    Overloaded,
    PermissionDenied,
    QueueTimeout,
    Unavailable,
    grpc_status,
)
from appliance.privacy.stage import MaskedRequest, PrivacyStage
from appliance.routing.central import CentralClient
from appliance.routing.reasoning import ReasoningSplitter
from appliance.routing.router import Route, choose_tier, reroute_for_length

if TYPE_CHECKING:
    from appliance.server.auth import RateLimits

log = structlog.get_logger("appliance.pipeline")

MAX_SEED = 2**32 - 2  # llama.cpp reserves 0xFFFFFFFF for "random"
MAX_PRIORITY = 9
MAX_TASK_TYPE_CHARS = 64


@dataclass(frozen=True)
class GenerateParams:
    """A request as the caller sent it (decoded from protobuf, not yet validated)."""

    prompt: str = ""
    messages: tuple[Message, ...] = ()
    model: str = ""
    max_tokens: int = 0
    temperature: float | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    task_type: str = ""
    include_reasoning: bool = True
    allow_fallback: bool = True
    priority: int = 0
    allow_escalation: bool = True
    top_k: int | None = None
    min_p: float | None = None
    repetition_penalty: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    logit_bias: tuple[tuple[int, float], ...] = ()
    response_format: ResponseFormat = field(default_factory=ResponseFormat)
    #: Set by the unary Generate servicer: the whole answer is returned at once, so a weak v3
    #: answer can still be replaced (escalation). Streams are never escalated.
    unary: bool = False


@dataclass
class RequestInfo:
    """What is known about one request; filled in as it moves through the pipeline.

    The interceptor logs it as the canonical line; the audit stage records it. It never holds a
    prompt, an answer or a PII value.
    """

    request_id: str
    method: str
    client: str
    started: float = field(default_factory=time.monotonic)
    tier: str | None = None
    route: str | None = None
    route_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None
    pii_counts: dict[str, int] = field(default_factory=dict)
    #: PII the model wrote on its own, masked by the output scan.
    output_pii_counts: dict[str, int] = field(default_factory=dict)
    outcome: str = "ok"
    status: str = "OK"
    wall_started: float = field(default_factory=time.time)
    #: The transport peer ("ipv4:127.0.0.1:5555"); ``client`` is the authenticated identity.
    peer: str = ""
    role: str = ""
    #: What this identity may do; None when authentication is off and nothing was presented.
    policy: Policy | None = field(default=None, repr=False)
    #: True once authentication and authorization passed (refusals before are audited apart).
    auth_checked: bool = True
    model_sha256: str | None = None
    #: time.monotonic() when the first chunk of the answer was handed back.
    first_output_at: float | None = None
    #: How long a local request waited for a slot (None: it never reached a local engine).
    queue_wait_s: float | None = None
    #: The weak v3 attempt an escalated request replaced: tier, reason, mean_logprob,
    #: completion_tokens, finish_reason (metadata only, never its text).
    escalated_from: dict[str, Any] | None = None
    # For the audit record only, never logged: masked text, placeholders instead of PII.
    masked_prompt: tuple[str, ...] | None = field(default=None, repr=False)
    masked_answer: str | None = field(default=None, repr=False)
    masked_reasoning: str | None = field(default=None, repr=False)


    def elapsed(self) -> float:
        return time.monotonic() - self.started


#: The request being served in this task, for the interceptor's log line.
current_request: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "current_request", default=None)


@dataclass(frozen=True)
class Chunk:
    text: str = ""
    reasoning: str = ""
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Pipeline:
    def __init__(self, config: Config, registry: ModelRegistry, privacy: PrivacyStage | None,
                 audit: AuditStage, accepting: Callable[[], str | None],
                 central: CentralClient | None = None) -> None:
        self._config = config
        self._registry = registry
        self.central = central
        #: Set once the analyzer has loaded (start-up); requests are refused until then.
        self.privacy = privacy
        #: [pii.profiles.NAME] stages, for identities whose policy names one.
        self.pii_profiles: dict[str, PrivacyStage] = {}
        self.audit = audit
        #: Per-identity rate limits (set by the server when authentication is configured).
        self.limits: RateLimits | None = None
        #: Returns None while requests are accepted, else why not ("starting", "draining").
        self._accepting = accepting

    def set_config(self, config: Config) -> None:
        """After a model reload: the new [models] (reasoning style per tier)."""
        self._config = config

    @property
    def pass_through_stages(self) -> list[str]:
        stages = []
        if self.privacy is None or self.privacy.pass_through:
            stages.append("pii")
        if self.audit.pass_through:
            stages.append("audit")
        return stages

    async def run(self, params: GenerateParams, info: RequestInfo,
                  deadline: float | None) -> AsyncIterator[Chunk]:
        """Serve one request, yielding chunks of the answer; the last one has finish_reason.

        Every request that gets here leaves a ``begin`` and an ``end`` audit record, rejected
        and failed ones too; ``end`` is durable before the last chunk is handed back."""
        refusal = self._accepting()
        if refusal is not None:
            # Not admitted: the appliance is starting, draining or cannot audit. Such refusals
            # are logged, not audited (the audit log may be closed or unwritable).
            info.outcome, info.status = "rejected", "UNAVAILABLE"
            raise Unavailable(f"appliance is {refusal}; not accepting requests", state=refusal)
        audit = _AuditPair(self.audit, info)
        leases: list[LlamaEngine] = []
        failed = True
        try:
            async for chunk in self._run(params, info, deadline, audit, leases):
                yield chunk
            failed = False
        except (asyncio.CancelledError, GeneratorExit, Cancelled):
            info.outcome, info.status = "cancelled", "CANCELLED"
            raise
        except ApplianceError as exc:
            info.status = grpc_status(exc).name
            info.outcome = "rejected" if isinstance(exc, Overloaded) or (
                isinstance(exc, Unavailable) and not audit.begun) else "error"
            raise
        except Exception:
            info.outcome, info.status = "error", "INTERNAL"
            raise
        finally:
            for engine in leases:
                engine.release()
            if info.policy is not None and self.limits is not None:
                self.limits.charge(info.client, info.policy,
                                   info.prompt_tokens + info.completion_tokens)
            try:
                await audit.finish()
            except ApplianceError as exc:
                if not failed:
                    raise
                # The request already failed and the caller gets that error; the audit
                # failure itself is logged here and suspends the appliance in the writer.
                log.error(  # noqa: TRY400 - the writer logged the cause; no traceback here
                    "audit_end_failed", error_type=type(exc).__name__,
                    request_outcome=info.outcome)

    async def audit_refusal(self, info: RequestInfo) -> None:
        """Record a call refused before the pipeline (authentication, authorization)."""
        if self._accepting() is not None:
            return
        try:
            await _AuditPair(self.audit, info).finish()
        except ApplianceError as exc:
            log.error("audit_refusal_failed", error_type=type(exc).__name__)  # noqa: TRY400

    async def _run(self, params: GenerateParams, info: RequestInfo, deadline: float | None,
                   audit: _AuditPair, leases: list[LlamaEngine]) -> AsyncIterator[Chunk]:
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlineExceeded("deadline passed before the request was admitted")

        sampling = validate(params, self._config.limits)
        policy = info.policy
        if policy is not None:
            if params.priority < policy.highest_priority:
                raise PermissionDenied(f"priority {params.priority} is more urgent than "
                                       f"identity {info.client}'s cap of "
                                       f"{policy.highest_priority}", identity=info.client)
            if self.limits is not None:
                self.limits.admit(info.client, policy)

        # PII: every text that can reach a model or leave the site is masked before anything
        # else sees it: the prompt or each message's content, and the stop strings (sent to
        # the cluster; matched against the model's output, which holds placeholders too).
        # Roles are one of ROLES (validated); model and task_type only pick a tier locally.
        texts = [params.prompt] if params.prompt else [m.content for m in params.messages]
        privacy = self.privacy
        if policy is not None and policy.pii_profile:
            privacy = self.pii_profiles.get(policy.pii_profile)
        if privacy is None:  # cannot happen while accepting; never serve unmasked
            raise Unavailable("PII stage not loaded")
        masked = (await privacy.mask([*texts, *params.stop])).split_stop(len(texts))
        if params.stop:
            sampling = replace(sampling, stop=masked.stop)
        if params.response_format.schema:
            # A schema leaves the site with an overflowing request and shapes the answer: it
            # must not carry personal data (refused rather than masked, which would change it).
            found = (await privacy.mask([params.response_format.schema])).entity_counts
            if found:
                raise InvalidArgument(f"response_format.json_schema: contains PII "
                                      f"({', '.join(sorted(found))}); a schema must not carry "
                                      f"personal data", field="response_format")
        info.pii_counts = dict(masked.entity_counts)
        info.masked_prompt = masked.texts

        route = choose_tier(params.model, params.task_type, self._config.routing, info.client)
        engine = self._registry.engine_for(route.tier)
        central = self._central_for(params, masked, info) if engine.state != "ready" else None
        if engine.state != "ready" and central is None:
            engine.check_ready()  # raises UNAVAILABLE (loading, failed)
        tokens: list[int] = []
        if central is not None:
            # The tier is loading (start-up, reload) or failed: the cluster takes the request.
            tier = route.tier
            if policy is not None and tier not in policy.tiers:
                raise PermissionDenied(f"identity {info.client} may not use tier {tier}",
                                       identity=info.client)
            info.tier, info.route = tier, "central"
            info.route_reason = f"fallback:local_{engine.state}"
            events = self._on_cluster(central, self._messages(params, masked),
                                      with_tier_defaults(sampling, self._config.models.get(tier)),
                                      tier)
        else:
            engine.acquire()
            leases.append(engine)
            tokens, what = await self._tokenize(engine, params, masked.texts)
            contexts = {t: e.n_ctx for t, e in self._registry.tiers.items()}
            rerouted = reroute_for_length(route, len(tokens) + sampling.max_tokens, contexts)
            if rerouted.tier != route.tier:
                engine = self._registry.engine_for(rerouted.tier)
                engine.check_ready()
                engine.acquire()
                leases.append(engine)
                tokens, what = await self._tokenize(engine, params, masked.texts)
            route = rerouted
            tier = route.tier
            if policy is not None and tier not in policy.tiers:
                raise PermissionDenied(f"identity {info.client} may not use tier {tier}",
                                       identity=info.client)
            info.tier, info.route, info.route_reason = tier, "local", route.reason
            info.model_sha256 = engine.facts.sha256 if engine.facts else None
            info.prompt_tokens = len(tokens)
            if len(tokens) + sampling.max_tokens > engine.n_ctx:
                raise InvalidArgument(
                    f"{what}: {len(tokens)} prompt tokens plus max_tokens "
                    f"{sampling.max_tokens} exceed model {tier}'s context of {engine.n_ctx} "
                    f"tokens (at most {max(engine.n_ctx - sampling.max_tokens, 0)} prompt "
                    f"tokens allowed with this max_tokens)", field=what)
            escalate = self._may_escalate(params, route, policy)
            if escalate:
                sampling = replace(sampling, logprobs=True)
            events = self._place(engine, params, masked, sampling, deadline, info)
            if escalate:
                # The begin record names the request as first routed; the end record says
                # whether r1 took over and why.
                audit.start_begin()
                events, tier, tokens = await self._escalation(
                    events(tokens), tokens, params, masked, replace(sampling, logprobs=False),
                    deadline, info, leases)

        # The begin record is written while the model starts (no await between admission
        # and the engine's queue), and is durable before the caller sees any of the answer.
        audit.start_begin()
        # Answer and reasoning each get their own scan-and-restore, as they stream separately.
        output = privacy.output(replace(masked, json_output=sampling.response_format.json))
        thoughts = privacy.output(masked) if params.include_reasoning else None
        style = self._config.models[tier].reasoning
        splitter = ReasoningSplitter(starts_open=style == "think_tags_open") \
            if style != "none" else None
        try:
            async for event in events(tokens):
                if isinstance(event, TextPiece):
                    reasoning, answer = splitter.feed(event.text) if splitter \
                        else ("", event.text)
                    chunk = Chunk(text=await output.feed(answer) if answer else "",
                                  reasoning=await thoughts.feed(reasoning)
                                  if thoughts and reasoning else "")
                    if chunk.text or chunk.reasoning:
                        await audit.begin()
                        if info.first_output_at is None:
                            info.first_output_at = time.monotonic()
                        yield chunk
                elif isinstance(event, Finished):
                    info.finish_reason = event.finish_reason
                    info.completion_tokens = event.completion_tokens
                    if event.queue_wait_s is not None:
                        info.queue_wait_s = event.queue_wait_s
                    reasoning, answer = splitter.flush() if splitter else ("", "")
                    tail = await output.feed(answer) + await output.flush()
                    thought_tail = (await thoughts.feed(reasoning) + await thoughts.flush()
                                    if thoughts else "")
                    info.output_pii_counts = dict(output.masked_counts)
                    if thoughts:
                        for k, v in thoughts.masked_counts.items():
                            info.output_pii_counts[k] = info.output_pii_counts.get(k, 0) + v
                    # The end record is durable before the caller sees the end of the answer.
                    info.masked_answer = output.masked_text
                    info.masked_reasoning = thoughts.masked_text if thoughts else None
                    await audit.finish()
                    if info.first_output_at is None:
                        info.first_output_at = time.monotonic()
                    yield Chunk(text=tail, reasoning=thought_tail,
                                finish_reason=event.finish_reason,
                                # The cluster does not report our prompt tokens; ours counted.
                                prompt_tokens=event.prompt_tokens or info.prompt_tokens,
                                completion_tokens=event.completion_tokens)
        finally:
            info.masked_answer = output.masked_text
            info.masked_reasoning = thoughts.masked_text if thoughts else None

    def _central_for(self, params: GenerateParams, masked: MaskedRequest,
                     info: RequestInfo) -> CentralClient | None:
        """The cluster, if this request may go there: configured and healthy, allowed by the
        request, the identity's policy and the PII policy (only allowed entity types leave)."""
        central = self.central
        may_leave = params.allow_fallback and (info.policy is None or info.policy.allow_fallback)
        if central is None or not may_leave or not central.available() \
                or not set(masked.entity_counts) <= set(self._config.fallback.allowed_pii_types):
            return None
        return central

    @staticmethod
    def _on_cluster(central: CentralClient, messages: list[Message], sampling: SamplingParams,
                    tier: str) -> Callable[[list[int]], AsyncIterator[Event]]:
        def events(_tokens: list[int]) -> AsyncIterator[Event]:
            return central.generate(messages, sampling, tier)

        return events

    @staticmethod
    def _messages(params: GenerateParams, masked: MaskedRequest) -> list[Message]:
        if params.prompt:
            return [Message("user", masked.texts[0])]
        return [Message(m.role, t) for m, t in zip(params.messages, masked.texts, strict=True)]

    def _place(self, engine: LlamaEngine, params: GenerateParams, masked: MaskedRequest,
               sampling: SamplingParams, deadline: float | None,
               info: RequestInfo) -> Callable[[list[int]], AsyncIterator[Event]]:
        """Local or central: overflow to the cluster when the tier's queue is full or the
        predicted wait is too long, if the request, the config and the PII policy let it
        leave; otherwise local, or RESOURCE_EXHAUSTED when local cannot take it. A local
        engine failure before the first token also moves the request to the cluster."""
        full, wait = engine.admission()
        fb = self._config.fallback
        reason = "queue_full" if full else \
            "predicted_wait" if wait * 1000 > fb.max_local_wait_ms else None
        central = self._central_for(params, masked, info)
        tier = info.tier or ""
        spec = self._config.models.get(tier)
        sampling = with_tier_defaults(sampling, spec)
        if reason is not None and central is not None:
            info.route, info.route_reason = "central", f"fallback:{reason}"
            messages = self._messages(params, masked)

            async def overflow(_tokens: list[int]) -> AsyncIterator[Event]:
                started = False
                try:
                    async for event in central.generate(messages, sampling, tier):
                        started = True
                        yield event
                except Unavailable:
                    if started or not full:
                        raise
                    # Neither place can take it: the caller should come back later.
                    raise Overloaded("local capacity is full and the central cluster failed",
                                     retry_after=round(max(wait, 1.0), 1)) from None

            return overflow
        if full:
            raise Overloaded(f"model {info.tier} is busy and the request cannot overflow "
                             f"to a central cluster", retry_after=round(max(wait, 0.5), 1))

        local_sampling = sampling if spec is None or spec.reasoning == "none" else replace(
            sampling, reasoning=spec.reasoning, reasoning_budget=spec.reasoning_budget)
        if params.messages and not sampling.grammar:
            # A transcript-style template's next turn ("\nUser:") ends the answer (a grammar
            # ends a structured answer itself, and must not be cut inside the reasoning).
            extra = tuple(s for s in engine.chat_stops if s not in local_sampling.stop)
            local_sampling = replace(local_sampling, stop=local_sampling.stop + extra)
        if any(token >= engine.n_vocab for token, _bias in sampling.logit_bias):
            raise InvalidArgument(f"logit_bias: token ids must be below model {tier}'s "
                                  f"vocabulary size {engine.n_vocab}", field="logit_bias")

        # With a cluster to go to, a request that is still waiting for a slot after
        # max_local_wait_ms leaves the queue for the cluster: the prediction above is an
        # estimate, this is the bound.
        allowance = fb.max_local_wait_ms / 1000 if central is not None else None

        async def local(tokens: list[int]) -> AsyncIterator[Event]:
            started = False
            try:
                async for event in engine.generate(tokens, local_sampling, deadline,
                                                   params.priority, allowance):
                    started = True
                    yield event
            except (EngineFailure, QueueTimeout) as exc:
                if started or central is None:
                    raise
                why = "queue_timeout" if isinstance(exc, QueueTimeout) else "local_failure"
                log.warning("local_fallback", tier=tier, reason=why)
                info.route, info.route_reason = "central", f"fallback:{why}"
                async for event in central.generate(self._messages(params, masked),
                                                    sampling, tier):
                    yield event

        return local

    def _may_escalate(self, params: GenerateParams, route: Route, policy: Policy | None) -> bool:
        """v3 -> r1 escalation applies to unary ``auto`` requests routed to v3 that allow it,
        when escalation is on and the identity may use r1."""
        return (self._config.routing.escalation.enabled and params.unary
                and params.allow_escalation and params.model == "auto" and route.tier == "v3"
                and "r1" in self._config.models
                and (policy is None or "r1" in policy.tiers))

    async def _escalation(self, first: AsyncIterator[Event], tokens: list[int],
                          params: GenerateParams, masked: MaskedRequest,
                          sampling: SamplingParams, deadline: float | None, info: RequestInfo,
                          leases: list[LlamaEngine],
                          ) -> tuple[Callable[[list[int]], AsyncIterator[Event]], str, list[int]]:
        """Run v3 to the end without showing it; if its answer is weak, r1 answers instead.
        Returns the events to serve, their tier and their prompt tokens."""
        collected = [event async for event in first]

        async def replay(_tokens: list[int]) -> AsyncIterator[Event]:
            for event in collected:
                yield event

        finished = next((e for e in collected if isinstance(e, Finished)), None)
        if finished is None or info.route != "local":
            return replay, "v3", tokens  # went to the cluster: no log-probabilities to judge
        text = "".join(e.text for e in collected if isinstance(e, TextPiece))
        why = weakness(text, finished, self._config.routing.escalation)
        if why is None:
            return replay, "v3", tokens
        r1 = self._registry.engine_for("r1")
        if r1.state != "ready":
            log.info("escalation_skipped", reason=why, r1_state=r1.state)
            return replay, "v3", tokens
        r1.acquire()
        leases.append(r1)
        r1_tokens, _what = await self._tokenize(r1, params, masked.texts)
        if len(r1_tokens) + sampling.max_tokens > r1.n_ctx:
            log.info("escalation_skipped", reason=why, r1_state="context_too_small")
            return replay, "v3", tokens
        info.escalated_from = {
            "tier": "v3", "reason": why, "finish_reason": finished.finish_reason,
            "completion_tokens": finished.completion_tokens,
            "mean_logprob": None if finished.mean_logprob is None
            else round(finished.mean_logprob, 3)}
        info.tier, info.route_reason = "r1", f"escalated:{why}"
        info.model_sha256 = r1.facts.sha256 if r1.facts else None
        info.prompt_tokens = len(r1_tokens)
        return self._place(r1, params, masked, sampling, deadline, info), "r1", r1_tokens

    @staticmethod
    async def _tokenize(engine: LlamaEngine, params: GenerateParams,
                        texts: tuple[str, ...]) -> tuple[list[int], str]:
        if params.prompt:
            return await asyncio.to_thread(engine.tokenize_prompt, texts[0]), "prompt"
        msgs = [Message(m.role, t) for m, t in zip(params.messages, texts, strict=True)]
        return await asyncio.to_thread(engine.tokenize_chat, msgs), "messages"


class _AuditPair:
    """Writes a request's begin record (once) and its end record (once), in that order."""

    def __init__(self, stage: AuditStage, info: RequestInfo) -> None:
        self._stage = stage
        self._info = info
        self._writing: asyncio.Task[None] | None = None
        self.begun = False
        self.ended = False

    def start_begin(self) -> None:
        """Start writing the begin record without waiting for it."""
        if not self.begun:
            self.begun = True
            self._writing = asyncio.ensure_future(self._stage.begin(self._info))

    async def begin(self) -> None:
        """Wait until the begin record is durable (writing it first if not started)."""
        self.start_begin()
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    async def finish(self) -> None:
        """Write the end record (and the begin record, if the request never got that far)."""
        if self.ended:
            return
        self.ended = True
        await self.begin()
        await self._stage.end(self._info)


def weakness(text: str, finished: Finished, esc: EscalationConfig) -> str | None:
    """Why an answer is too weak to serve (``empty``, ``cut_off``, ``low_confidence``), or
    None when it is good enough."""
    if esc.on_empty and not text.strip():
        return "empty"
    if esc.on_cut_off and finished.finish_reason == "length":
        return "cut_off"
    if finished.mean_logprob is not None and finished.mean_logprob < esc.min_mean_logprob:
        return "low_confidence"
    return None


def validate(p: GenerateParams, limits: LimitsConfig) -> SamplingParams:
    """Check every field against its limit; the first problem raises InvalidArgument."""
    if p.prompt and p.messages:
        raise InvalidArgument("prompt and messages are mutually exclusive: set exactly one",
                              field="prompt")
    if not p.prompt and not p.messages:
        raise InvalidArgument("prompt: one of prompt or messages is required and must not be "
                              "empty", field="prompt")
    if p.messages:
        if len(p.messages) > limits.max_messages:
            raise InvalidArgument(f"messages: {len(p.messages)} messages exceed the limit of "
                                  f"{limits.max_messages}", field="messages")
        for i, m in enumerate(p.messages):
            if m.role not in ROLES:
                raise InvalidArgument(f"messages[{i}].role: must be one of {', '.join(ROLES)}",
                                      field="messages")
            if not m.content:
                raise InvalidArgument(f"messages[{i}].content: must not be empty",
                                      field="messages")
        if p.messages[-1].role == "assistant":
            raise InvalidArgument("messages: the last message must not be from the assistant",
                                  field="messages")
    size = len(p.prompt) if p.prompt else sum(len(m.content) for m in p.messages)
    if size > limits.max_prompt_chars:
        what = "prompt" if p.prompt else "messages"
        raise InvalidArgument(f"{what}: {size} characters exceed the limit of "
                              f"{limits.max_prompt_chars}", field=what)

    if p.max_tokens < 0:
        raise InvalidArgument(f"max_tokens: must be positive (or 0 for the default "
                              f"{limits.default_max_tokens}), got {p.max_tokens}",
                              field="max_tokens")
    if p.max_tokens > limits.max_tokens:
        raise InvalidArgument(f"max_tokens: {p.max_tokens} exceeds the limit of "
                              f"{limits.max_tokens}", field="max_tokens")
    generation: dict[str, Any] = {}
    for name in GENERATION_FIELDS:
        value = getattr(p, name)
        if value is None:
            continue
        why = generation_problem(name, float(value))
        if why is not None:
            raise InvalidArgument(f"{name}: {why}", field=name)
        generation[name] = value
    if len(p.logit_bias) > MAX_LOGIT_BIAS:
        raise InvalidArgument(f"logit_bias: {len(p.logit_bias)} entries exceed the limit of "
                              f"{MAX_LOGIT_BIAS}", field="logit_bias")
    for token, bias in p.logit_bias:
        if token < 0 or not (math.isfinite(bias) and abs(bias) <= LOGIT_BIAS_RANGE):
            raise InvalidArgument(f"logit_bias[{token}]: token ids are 0 or more and biases "
                                  f"between -{LOGIT_BIAS_RANGE:g} and {LOGIT_BIAS_RANGE:g}, "
                                  f"got {bias:g}", field="logit_bias")
    grammar = grammar_for(p.response_format)
    if len(p.stop) > limits.max_stop_strings:
        raise InvalidArgument(f"stop: {len(p.stop)} stop strings exceed the limit of "
                              f"{limits.max_stop_strings}", field="stop")
    for i, s in enumerate(p.stop):
        if not s:
            raise InvalidArgument(f"stop[{i}]: must not be empty", field="stop")
        if len(s.encode("utf-8")) > limits.max_stop_string_bytes:
            raise InvalidArgument(f"stop[{i}]: longer than {limits.max_stop_string_bytes} bytes",
                                  field="stop")
    if p.seed is not None and not 0 <= p.seed <= MAX_SEED:
        raise InvalidArgument(f"seed: must be between 0 and {MAX_SEED}, got {p.seed}",
                              field="seed")
    if not 0 <= p.priority <= MAX_PRIORITY:
        raise InvalidArgument(f"priority: must be between 0 and {MAX_PRIORITY}, got "
                              f"{p.priority}", field="priority")
    if len(p.task_type) > MAX_TASK_TYPE_CHARS:
        raise InvalidArgument(f"task_type: longer than {MAX_TASK_TYPE_CHARS} characters",
                              field="task_type")
    return SamplingParams(
        max_tokens=p.max_tokens or limits.default_max_tokens, seed=p.seed, stop=tuple(p.stop),
        **{name: generation.get(name, ENGINE_DEFAULTS[name]) for name in GENERATION_FIELDS},
        unset=frozenset(GENERATION_FIELDS) - set(generation), logit_bias=p.logit_bias,
        grammar=grammar, response_format=p.response_format,
    )


def with_tier_defaults(sampling: SamplingParams, spec: ModelConfig | None) -> SamplingParams:
    """The tier's generation defaults for the fields the request left unset."""
    if spec is None:
        return sampling
    defaults: dict[str, Any] = {k: v for k, v in spec.generation_defaults().items()
                                if k in sampling.unset}
    return replace(sampling, **defaults, unset=sampling.unset - set(defaults),
                   penalty_last_n=spec.penalty_last_n)

"""The request path of ARCHITECTURE.md, read top to bottom in :meth:`Pipeline._serve`::

    validate ─► PII mask ─► response cache (a hit is restored and served from here)
             ─► place (route, tokenize, local or central) ─► escalate ─► audit begin
             ─► generate ─► split reasoning, scan, restore ─► audit end

Each step is a stage in :mod:`appliance.stages`. A transport (``appliance.server`` for gRPC)
turns its messages into :class:`~appliance.request.GenerateParams` and
:class:`~appliance.request.Chunk` back into its own; nothing here knows about a transport.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field

import structlog

from appliance.audit.stage import AuditStage
from appliance.config import Config
from appliance.engine.embedding import Embedded, shortened
from appliance.engine.grammar_check import CHECKER as GRAMMARS
from appliance.engine.types import Embedder, Registry
from appliance.errors import ApplianceError, InvalidArgument, Unavailable
from appliance.observability.tracing import trace
from appliance.privacy.stage import PrivacyStage
from appliance.request import (
    Chunk,
    EmbedParams,
    GenerateParams,
    Outcome,
    RequestInfo,
    settle,
)
from appliance.routing.canary import CanaryWatch
from appliance.routing.fleet import Central
from appliance.routing.split import LowScores
from appliance.stages import cache as response_cache
from appliance.stages.escalate import escalate, may_escalate
from appliance.stages.mask import mask_each, mask_end_user, mask_request, privacy_for
from appliance.stages.output import Answer, stream
from appliance.stages.place import Flight, Placer, Prepared, events
from appliance.stages.records import RequestRecords
from appliance.stages.tools import history_as_text, uses_tools, with_preamble
from appliance.stages.validate import admit, check_deadline, validate
from appliance.state import SharedState

log = structlog.get_logger("appliance.pipeline")

#: The embedding tier's name in requests, records and logs ([models.embed]).
EMBED_TIER = "embed"


def _expired(flight: Flight) -> bool:
    """Whether the caller's deadline has passed: a request cancelled then ended because of
    its deadline (gRPC cancels the call when it expires), and is audited DEADLINE_EXCEEDED,
    as the transport counts it, not CANCELLED."""
    return flight.deadline is not None and time.monotonic() >= flight.deadline


@dataclass(frozen=True)
class Services:
    """What the pipeline serves with, all open (:func:`appliance.services.open_services`)."""

    config: Config
    registry: Registry
    privacy: PrivacyStage
    #: [pii.profiles.NAME] stages, for identities whose policy names one.
    pii_profiles: Mapping[str, PrivacyStage]
    audit: AuditStage
    #: The central cluster (None: not configured).
    central: Central | None
    #: Per-identity rate limits (charged for identities with a policy).
    limits: SharedState
    #: The embedding tier's engine (None: not loaded, e.g. in tests that give parts).
    embedder: Embedder | None = None
    #: Kept answers, as masked text ([cache]; None: off).
    cache: response_cache.ResponseCache | None = None
    #: Per-arm counts and the automatic rollback of tiers' canaries (None: tests' parts).
    canary: CanaryWatch | None = None
    #: Identities' runs of low feedback scores ([auth.*] escalate_after_low_scores): in
    #: memory on this box, or shared through a Redis state backend (routing/split.py).
    low_scores: LowScores = field(default_factory=LowScores)


class Pipeline:
    def __init__(self, services: Services, accepting: Callable[[], str | None]) -> None:
        self.services = services
        self._placer = Placer(services.config, services.registry, services.central,
                              services.low_scores)
        #: Returns None while requests are accepted, else why not ("draining", ...).
        self._accepting = accepting

    @property
    def _config(self) -> Config:
        return self.services.config

    @property
    def privacy(self) -> PrivacyStage:
        return self.services.privacy

    @property
    def audit(self) -> AuditStage:
        return self.services.audit

    @property
    def limits(self) -> SharedState:
        return self.services.limits

    @property
    def pass_through_stages(self) -> list[str]:
        stages = []
        if self.privacy.pass_through:
            stages.append("pii")
        if self.audit.pass_through:
            stages.append("audit")
        return stages

    async def run(self, params: GenerateParams, info: RequestInfo,
                  deadline: float | None) -> AsyncGenerator[Chunk, None]:
        """Serve one request, yielding chunks of the answer; the last one has finish_reason.

        Every request that gets here leaves a ``begin`` and an ``end`` audit record, rejected
        and failed ones too; ``end`` is durable before the last chunk is handed back."""
        refusal = self._accepting()
        if refusal is not None:
            # Not admitted: the appliance is starting, draining or cannot audit. Such refusals
            # are logged, not audited (the audit log may be closed or unwritable).
            info.outcome, info.status = Outcome.REJECTED, "UNAVAILABLE"
            self.audit.count_refusal()  # counted in the log's resumed event, if suspended
            raise Unavailable(f"appliance is {refusal}; not accepting requests", state=refusal)
        records = RequestRecords(self.audit, info)
        flight = Flight(info, deadline)
        failed = True
        try:
            async for chunk in self._serve(params, flight, records):
                yield chunk
            failed = False
        except BaseException as exc:
            settle(info, exc, begun=records.begun, deadline_passed=_expired(flight))
            raise
        finally:
            await self._end(flight, records, failed=failed)

    async def _serve(self, params: GenerateParams, flight: Flight,
                     records: RequestRecords) -> AsyncIterator[Chunk]:
        info = flight.info
        spans = trace()  # a child span per stage (nothing when tracing is off)
        spans.phase("validate")
        check_deadline(flight.deadline)
        sampling = validate(params, self._config.limits)
        spans.requested(params)
        await GRAMMARS.check(sampling.grammar)
        info.tools_offered = len(params.tools)
        params = history_as_text(params)
        flight.counted = await admit(params, info, self.limits)
        self._placer.precheck(params, info)
        if info.yield_to is not None:  # a batch line: after interactive work in flight
            await info.yield_to()
        spans.phase("mask")
        privacy = privacy_for(info.policy, self.privacy, self.services.pii_profiles)
        masked, sampling = await mask_request(privacy, params, sampling, info.cache_namespace)
        info.pii_counts, info.masked_prompt = dict(masked.entity_counts), masked.texts
        params, masked = with_preamble(params, masked)
        info.end_user = await mask_end_user(privacy, params)
        prep = Prepared(params, masked, sampling)
        ticket = await response_cache.consult(self.services.cache, self._placer, prep, info)
        if ticket is not None and ticket.found is not None:
            records.start_begin()
            async for chunk in response_cache.replay(ticket, privacy, prep, info, records):
                yield chunk
            return

        spans.phase("place")
        placement = await self._placer.place(prep, flight)
        placement.record(info)
        if may_escalate(self._config, params, placement, info):
            # The begin record names the request as first placed; the end record says
            # whether r1 took over and why.
            records.start_begin()
            spans.phase("escalate")
            placement = await escalate(placement.with_logprobs(), self._placer, prep, flight)
        spans.phase(None)

        # The begin record is written while the model starts (no await between admission
        # and the engine's queue), and is durable before the caller sees any of the answer.
        records.start_begin()
        answer = Answer(privacy, masked, json_output=sampling.response_format.json,
                        include_reasoning=params.include_reasoning,
                        reasoning_style=self._config.models[placement.tier].reasoning,
                        route=placement.route, tools=uses_tools(params))
        source = events(placement, flight, params.priority)
        async for chunk in stream(source, answer, info, records):
            yield chunk
        if ticket is not None:
            await ticket.keep(info)

    async def embed(self, params: EmbedParams, info: RequestInfo,
                    deadline: float | None) -> Embedded:
        """Embed ``params.inputs``: admitted, limited and audited like a generation, each
        input masked on its own (its own vault, so equal text with different personal data
        gets the same placeholders and so the same vector), then embedded on the local
        embedding tier (never sent to the central cluster)."""
        refusal = self._accepting()
        if refusal is not None:
            info.outcome, info.status = Outcome.REJECTED, "UNAVAILABLE"
            self.audit.count_refusal()
            raise Unavailable(f"appliance is {refusal}; not accepting requests", state=refusal)
        records = RequestRecords(self.audit, info)
        flight = Flight(info, deadline)
        info.tier, info.route, info.route_reason = EMBED_TIER, "local", "embed"
        failed = True
        try:
            result = await self._embed(params, flight, records)
            failed = False
            return result
        except BaseException as exc:
            settle(info, exc, begun=records.begun, deadline_passed=_expired(flight))
            raise
        finally:
            await self._end(flight, records, failed=failed)

    async def _embed(self, params: EmbedParams, flight: Flight,
                     records: RequestRecords) -> Embedded:
        info = flight.info
        spans = trace()
        spans.phase("validate")
        check_deadline(flight.deadline)
        embedder = self.services.embedder
        if params.model not in ("", EMBED_TIER):
            raise InvalidArgument(f"model: the embedding model is {EMBED_TIER!r}",
                                  field="model")
        if embedder is None:
            raise Unavailable("the embedding tier is not loaded", state="no_embed_model")
        await embedder.ready()  # the lazy fallback loads on its first request
        limit = self._config.embed.max_inputs
        if not params.inputs or len(params.inputs) > limit:
            raise InvalidArgument(f"input: between 1 and {limit} texts "
                                  f"(models.embed.max_inputs)", field="input")
        if any(not text for text in params.inputs):
            raise InvalidArgument("input: an empty string cannot be embedded", field="input")
        if params.dimensions is not None and not 1 <= params.dimensions <= embedder.dimensions:
            raise InvalidArgument(f"dimensions: must be between 1 and the model's "
                                  f"{embedder.dimensions}", field="dimensions")
        # At the identity's own priority cap: embeddings have no priority field to refuse.
        cap = info.policy.highest_priority if info.policy is not None else 0
        flight.counted = await admit(GenerateParams(priority=cap), info, self.limits)
        if info.yield_to is not None:  # a batch line: after interactive work in flight
            await info.yield_to()
        spans.phase("mask")
        privacy = privacy_for(info.policy, self.privacy, self.services.pii_profiles)
        masked = await mask_each(privacy, params.inputs, info.cache_namespace)
        counts: dict[str, int] = {}
        for one in masked:
            for kind, n in one.entity_counts.items():
                counts[kind] = counts.get(kind, 0) + n
        info.pii_counts = counts
        info.end_user = await mask_end_user(privacy, GenerateParams(end_user=params.end_user))
        info.model_sha256 = embedder.sha256
        records.start_begin()
        check_deadline(flight.deadline)
        if info.yield_to is not None:
            await info.yield_to()
        spans.phase("embed")
        info.in_engine = True  # a batch line is cancelled if interactive work comes now
        try:
            out = await embedder.embed([m.texts[0] for m in masked])
        finally:
            info.in_engine = False
        spans.phase(None)
        info.prompt_tokens = out.prompt_tokens
        info.finish_reason = "stop"
        await records.begin()
        return Embedded(shortened(out.vectors, params.dimensions), out.prompt_tokens)

    async def feedback(self, info: RequestInfo, rated: str, score: float) -> None:
        """Record a caller's score of an answer (``POST /v1/feedback``, gRPC
        ``Inference.Feedback``): admitted and limited like a request, audited as one (its end
        record's ``feedback``), durable before it returns, counted in the identity's run of
        low scores (``escalate_after_low_scores``). Nothing is generated."""
        refusal = self._accepting()
        if refusal is not None:
            info.outcome, info.status = Outcome.REJECTED, "UNAVAILABLE"
            raise Unavailable(f"appliance is {refusal}; not accepting requests", state=refusal)
        records = RequestRecords(self.audit, info)
        flight = Flight(info, None)
        info.feedback = {"request_id": rated, "score": score}
        cap = info.policy.highest_priority if info.policy is not None else 0
        failed = True
        try:
            flight.counted = await admit(GenerateParams(priority=cap), info, self.limits)
            if self.services.canary is not None:  # the score, counted for the arm it rates
                self.services.canary.feedback(info.client, rated, score)
            await self.services.low_scores.record(info.client, score, info.policy)
            failed = False
        except BaseException as exc:
            settle(info, exc, begun=records.begun)
            raise
        finally:
            await self._end(flight, records, failed=failed)

    async def count_tokens(self, params: GenerateParams, info: RequestInfo) -> int:
        """The prompt tokens ``params`` comes to as its model would read it: validated, tool
        history as text, masked, tools described, on the tier the router picks (Anthropic's
        count_tokens). Admitted like a request (it costs a PII analysis) but not run, placed
        or audited: no model receives anything."""
        refusal = self._accepting()
        if refusal is not None:
            info.outcome, info.status = Outcome.REJECTED, "UNAVAILABLE"
            raise Unavailable(f"appliance is {refusal}; not accepting requests", state=refusal)
        sampling = validate(params, self._config.limits)
        params = history_as_text(params)
        counted = await admit(params, info, self.limits)
        try:
            privacy = privacy_for(info.policy, self.privacy, self.services.pii_profiles)
            masked, _ = await mask_request(privacy, params, sampling, info.cache_namespace)
            info.pii_counts = dict(masked.entity_counts)
            params, masked = with_preamble(params, masked)
            return await self._placer.count(params, masked, info)
        finally:
            if counted:
                await self.limits.leave(info.client, None, info.request_id, 0, counted=True)

    async def _end(self, flight: Flight, records: RequestRecords, *, failed: bool) -> None:
        """Release the engines, charge the tokens, and write the end record."""
        info = flight.info
        for engine in flight.leases:
            engine.release()
        if self.services.canary is not None:
            self.services.canary.observe(info)
        if flight.counted or info.policy is not None:
            # One step: no request is admitted between the release and the charge.
            await self.limits.leave(info.client, info.policy, info.request_id,
                                    info.prompt_tokens + info.completion_tokens,
                                    counted=flight.counted)
        try:
            await records.finish()
        except ApplianceError as exc:
            if not failed:
                raise
            # The request already failed and the caller gets that error; the audit
            # failure itself is logged here and suspends the appliance in the writer.
            log.error(  # noqa: TRY400 - the writer logged the cause; no traceback here
                "audit_end_failed", error_type=type(exc).__name__,
                request_outcome=str(info.outcome))

    async def audit_refusal(self, info: RequestInfo) -> None:
        """Record a call refused before the pipeline (authentication, authorization)."""
        if self._accepting() is not None:
            return
        try:
            await RequestRecords(self.audit, info).finish()
        except ApplianceError as exc:
            log.error("audit_refusal_failed", error_type=type(exc).__name__)  # noqa: TRY400

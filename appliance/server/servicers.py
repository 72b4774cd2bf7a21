"""gRPC servicers: protobuf in, :mod:`appliance.pipeline` call, protobuf out. Nothing else."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from typing import Any, Protocol, TypeAlias

from grpc import aio

from appliance import __version__
from appliance.calls import InFlight
from appliance.engine.llama_engine import LlamaEngine
from appliance.engine.registry import ModelRegistry
from appliance.errors import FailedPrecondition, InternalError, InvalidArgument, Unavailable
from appliance.generation import Message, ResponseFormat, Tool, ToolCall
from appliance.httpapi import feedback
from appliance.lifecycle import ServiceState
from appliance.observability.metrics import Metrics
from appliance.request import Chunk, EmbedParams, GenerateParams, RequestInfo, current_request
from appliance.services import Gate
from appliance.stages.cache import cache_control
from appliance.v1 import appliance_pb2 as pb
from appliance.v1 import appliance_pb2_grpc as pb_grpc

Context: TypeAlias = "aio.ServicerContext[Any, Any]"


def params_from_proto(req: pb.GenerateRequest) -> GenerateParams:
    return GenerateParams(
        prompt=req.prompt,
        messages=tuple(Message(m.role, m.content, tool_calls=_calls(m.tool_calls),
                               tool_call_id=m.tool_call_id) for m in req.messages),
        model=req.model,
        max_tokens=req.max_tokens,
        temperature=req.temperature if req.HasField("temperature") else None,
        top_p=req.top_p if req.HasField("top_p") else None,
        stop=tuple(req.stop),
        seed=req.seed if req.HasField("seed") else None,
        task_type=req.task_type,
        include_reasoning=req.include_reasoning if req.HasField("include_reasoning") else True,
        allow_fallback=req.allow_fallback if req.HasField("allow_fallback") else True,
        priority=req.priority,
        allow_escalation=req.allow_escalation if req.HasField("allow_escalation") else True,
        top_k=req.top_k if req.HasField("top_k") else None,
        min_p=req.min_p if req.HasField("min_p") else None,
        repetition_penalty=req.repetition_penalty if req.HasField("repetition_penalty")
        else None,
        frequency_penalty=req.frequency_penalty if req.HasField("frequency_penalty") else None,
        presence_penalty=req.presence_penalty if req.HasField("presence_penalty") else None,
        logit_bias=tuple(sorted(req.logit_bias.items())),
        response_format=ResponseFormat(req.response_format.type,
                                       req.response_format.json_schema),
        tools=tuple(Tool(t.name, t.description, t.parameters_json) for t in req.tools),
        tool_choice=req.tool_choice or ("auto" if req.tools else "none"),
        parallel_tool_calls=req.parallel_tool_calls if req.HasField("parallel_tool_calls")
        else True,
    )


def _calls(calls: Iterable[pb.ToolCall]) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(c.id, c.name, c.arguments_json) for c in calls)


def _calls_pb(calls: Iterable[ToolCall]) -> list[pb.ToolCall]:
    return [pb.ToolCall(id=c.id, name=c.name, arguments_json=c.arguments) for c in calls]


def _deadline(context: Context) -> float | None:
    """The call's deadline on the monotonic clock, read before the time remaining so that it
    is never later than gRPC's own: when gRPC cancels the expired call, the pipeline sees the
    deadline passed (and audits DEADLINE_EXCEEDED, not CANCELLED)."""
    now = time.monotonic()
    remaining = context.time_remaining()
    return None if remaining is None else now + remaining


def _cache_control(context: Context) -> str:
    """The caller's ``cache-control`` metadata, as HTTP's header (no-cache, no-store)."""
    return cache_control(",".join(str(v) for k, v in context.invocation_metadata() or ()
                                  if k == "cache-control"))


def _cache_trailer(context: Context, info: RequestInfo) -> None:
    """``x-appliance-cache: hit|miss`` in the trailing metadata while the cache is on."""
    if info.cache is not None:
        context.set_trailing_metadata((("request-id", info.request_id),
                                       ("x-appliance-cache",
                                        "hit" if info.cache == "hit" else "miss")))


def _info() -> RequestInfo:
    info = current_request.get()
    if info is None:  # the interceptor always sets it; a missing one is a wiring bug
        raise InternalError("request context missing")
    return info


def _pii(info: RequestInfo) -> list[pb.PiiEntityCount]:
    return [pb.PiiEntityCount(entity_type=k, count=v) for k, v in sorted(info.pii_counts.items())]


def _usage(chunk: Chunk) -> pb.Usage:
    return pb.Usage(prompt_tokens=chunk.prompt_tokens, completion_tokens=chunk.completion_tokens,
                    total_tokens=chunk.prompt_tokens + chunk.completion_tokens)


class InferenceServicer(pb_grpc.InferenceServicer):
    def __init__(self, gate: Gate, registry: ModelRegistry,
                 metrics: Metrics | None = None) -> None:
        self._gate = gate
        self._registry = registry
        self._metrics = metrics

    async def Generate(self, request: pb.GenerateRequest,  # noqa: N802 - gRPC method name
                       context: Context) -> pb.GenerateResponse:
        info = _info()
        texts: list[str] = []
        reasoning: list[str] = []
        last = Chunk()
        params = replace(params_from_proto(request), unary=True,
                         cache_control=_cache_control(context))
        async for chunk in self._gate.pipeline(info).run(params, info, _deadline(context)):
            texts.append(chunk.text)
            reasoning.append(chunk.reasoning)
            last = chunk
        _cache_trailer(context, info)
        return pb.GenerateResponse(
            text="".join(texts), reasoning="".join(reasoning), model=info.tier or "",
            served_by=info.route or "",
            finish_reason=last.finish_reason or "", usage=_usage(last), pii=_pii(info),
            request_id=info.request_id, route_reason=info.route_reason or "",
            tool_calls=_calls_pb(last.tool_calls))

    async def GenerateStream(self, request: pb.GenerateRequest,  # noqa: N802
                             context: Context) -> AsyncIterator[pb.GenerateChunk]:
        info = _info()
        first = True
        params = replace(params_from_proto(request), cache_control=_cache_control(context))
        run = self._gate.pipeline(info).run(params, info, _deadline(context))
        # Closed here, not left to the garbage collector, when the caller stops taking chunks:
        # the pipeline then writes the end record before the call's status goes out.
        async with contextlib.aclosing(run) as chunks:
            async for chunk in chunks:
                out = pb.GenerateChunk(text=chunk.text, reasoning=chunk.reasoning)
                if first:
                    out.request_id = info.request_id
                    out.model = info.tier or ""
                    out.served_by = info.route or ""
                    out.route_reason = info.route_reason or ""
                    first = False
                if chunk.finish_reason is not None:
                    out.finish_reason = chunk.finish_reason
                    out.usage.CopyFrom(_usage(chunk))
                    out.pii.extend(_pii(info))
                    out.tool_calls.extend(_calls_pb(chunk.tool_calls))
                    _cache_trailer(context, info)
                yield out

    async def Embed(self, request: pb.EmbedRequest,  # noqa: N802
                    context: Context) -> pb.EmbedResponse:
        info = _info()
        params = EmbedParams(tuple(request.input), model=request.model,
                             dimensions=request.dimensions or None, end_user=request.user)
        result = await self._gate.pipeline(info).embed(params, info, _deadline(context))
        tokens = result.prompt_tokens
        return pb.EmbedResponse(
            data=[pb.Embedding(index=i, values=row.tolist())
                  for i, row in enumerate(result.vectors)],
            model=request.model or "embed", pii=_pii(info), request_id=info.request_id,
            usage=pb.Usage(prompt_tokens=tokens, total_tokens=tokens))

    async def Feedback(self, request: pb.FeedbackRequest,  # noqa: N802
                       context: Context) -> pb.FeedbackResponse:
        """A caller's score of one of its answers: the body rules and the pipeline call of
        ``POST /v1/feedback``, the same metrics."""
        info = _info()
        rated, score = feedback.parse({"request_id": request.request_id,
                                       "score": request.score})
        await self._gate.pipeline(info).feedback(info, rated, score)
        if self._metrics is not None:
            self._metrics.feedback.observe(score)
            self._metrics.feedback_points.inc(score)
        return pb.FeedbackResponse(request_id=rated, score=score)

    async def ListModels(self, request: pb.ListModelsRequest,  # noqa: N802
                         context: Context) -> pb.ListModelsResponse:
        out = pb.ListModelsResponse()
        rows: list[tuple[str, LlamaEngine, str, float]] = []
        for tier, engine in sorted(self._registry.tiers.items()):
            canary = self._registry.canary_for(tier)
            rows.append((tier, engine, "primary" if canary else "", 0.0))
            if canary is not None:
                rows.append((tier, self._registry.canaries[tier], "canary", canary.weight))
        for tier, engine, arm, weight in rows:
            info = pb.ModelInfo(tier=tier, state=engine.state, slots=engine.spec.slots,
                                free_slots=engine.free_slots,
                                context_length=engine.spec.n_ctx,
                                file_name=engine.path.name, arm=arm, weight=weight)
            if engine.facts is not None:
                f = engine.facts
                info.sha256 = f.sha256
                info.architecture = f.architecture
                info.quantization = f.quantization
                info.trained_context_length = f.trained_context
                info.has_chat_template = f.chat_template is not None
                info.size_bytes = f.size_bytes
            out.models.append(info)
        services = self._gate.services
        if services is not None and services.embedder is not None:
            # The embedding tier: its own GGUF, or the v3 file when it is the fallback.
            e = services.embedder.describe()
            out.models.append(pb.ModelInfo(
                tier="embed", file_name=e.file_name, sha256=e.sha256 or "", state=e.state,
                architecture=e.architecture, quantization=e.quantization,
                context_length=e.max_tokens, size_bytes=e.size_bytes))
        return out


class Controls(Protocol):
    """What the Admin service asks of the running server."""

    @property
    def state(self) -> ServiceState: ...

    async def reload_models(self) -> float: ...

    async def drain(self, timeout: float) -> tuple[bool, int]: ...

    async def resume(self) -> str: ...


def _engine_status(e: LlamaEngine) -> pb.EngineStatus:
    pc = e.prefix_cache
    return pb.EngineStatus(
        tiers=list(e.tiers), file_name=e.path.name, state=e.state,
        active_jobs=e.active_jobs, queued_jobs=e.queued_jobs,
        tokens_generated_total=e.tokens_generated_total,
        requests_total=e.requests_total, slots=e.spec.slots, free_slots=e.free_slots,
        prefix_cache=pb.PrefixCacheStatus(
            max_cells=pc.max_cells, cells=pc.cells, entries=len(pc), hits=pc.hits,
            misses=pc.misses, reused_tokens=pc.reused_tokens, evictions=pc.evictions,
            bytes=e.prefix_cache_bytes))


class AdminServicer(pb_grpc.AdminServicer):
    def __init__(self, gate: Gate, registry: ModelRegistry, in_flight: InFlight,
                 controls: Controls, started: float) -> None:
        self._gate = gate
        self._registry = registry
        self._in_flight = in_flight
        self._ctl = controls
        self._started = started

    async def ReloadModels(self, request: pb.ReloadModelsRequest,  # noqa: N802
                           context: Context) -> pb.ReloadModelsResponse:
        seconds = await self._ctl.reload_models()
        return pb.ReloadModelsResponse(
            engines=[_engine_status(e) for e in self._registry.engines], seconds=seconds)

    async def Drain(self, request: pb.DrainRequest,  # noqa: N802
                    context: Context) -> pb.DrainResponse:
        if not (math.isfinite(request.timeout_seconds) and 0 <= request.timeout_seconds <= 3600):
            raise InvalidArgument("timeout_seconds: must be between 0 and 3600",
                                  field="timeout_seconds")
        drained, left = await self._ctl.drain(request.timeout_seconds)
        return pb.DrainResponse(drained=drained, in_flight_requests=left)

    async def Resume(self, request: pb.ResumeRequest,  # noqa: N802
                     context: Context) -> pb.ResumeResponse:
        return pb.ResumeResponse(state=await self._ctl.resume())

    async def PromoteCanary(self, request: pb.CanaryRequest,  # noqa: N802
                            context: Context) -> pb.CanaryResponse:
        return await self._canary(request.tier, promote=True)

    async def RollbackCanary(self, request: pb.CanaryRequest,  # noqa: N802
                             context: Context) -> pb.CanaryResponse:
        return await self._canary(request.tier, promote=False)

    async def _canary(self, tier: str, *, promote: bool) -> pb.CanaryResponse:
        services = self._gate.services
        if services is None or services.canary is None:
            raise Unavailable("appliance is starting", state="starting")
        if tier not in self._registry.tiers:
            raise InvalidArgument(f"tier: must be one of {', '.join(sorted(self._registry.tiers))}",
                                  field="tier")
        arm = self._registry.canary_for(tier)
        if arm is None:
            raise FailedPrecondition(f"tier {tier} has no canary ([models.{tier}.canary] not "
                                     f"configured, or already promoted or rolled back)",
                                     operation="promote" if promote else "rollback")
        engine = self._registry.canaries[tier]
        by = _info().client
        done = await (services.canary.promote(tier, by) if promote
                      else services.canary.rollback(tier, by))
        if not done:  # rolled back by the watch in the meantime
            raise FailedPrecondition(f"tier {tier} has no canary any more",
                                     operation="promote" if promote else "rollback")
        return pb.CanaryResponse(tier=tier, file_name=engine.path.name,
                                 sha256=engine.facts.sha256 if engine.facts else "")

    async def GetStatus(self, request: pb.GetStatusRequest,  # noqa: N802
                        context: Context) -> pb.GetStatusResponse:
        services = self._gate.services
        pipeline_stages = self._gate.pass_through_stages()
        central = services.central if services is not None else None
        out = pb.GetStatusResponse(
            state=str(self._ctl.state), version=__version__,
            uptime_seconds=time.monotonic() - self._started,
            # This RPC itself is in flight; report the others.
            in_flight_requests=max(self._in_flight.count - 1, 0),
            pass_through_stages=pipeline_stages,
            central_breaker_state=central.breaker_state() if central is not None else "")
        for ep in central.status() if central is not None else ():
            out.central_endpoints.append(pb.CentralEndpointStatus(**ep))
        writer = getattr(services.audit if services is not None else None, "writer", None)
        if writer is not None:
            out.audit.CopyFrom(pb.AuditStatus(
                state="ok" if writer.suspended is None else "suspended",
                reason=writer.suspended or "", appliance_id=writer.appliance_id,
                officer_key=writer.officer_fp, segment=writer.segment,
                records_appended=writer.appended, bytes_written=writer.bytes_written,
                free_bytes=writer.free_bytes()))
        for e in self._registry.engines:
            out.engines.append(_engine_status(e))
        return out

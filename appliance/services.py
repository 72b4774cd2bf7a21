"""Everything a request needs, opened in one place and closed in reverse order.

:func:`open_services` opens the audit log (recovering it after a crash), the PII stages, every
model, and the central-cluster client; leaving it closes them the other way round. While it
has not finished, the :class:`Gate` refuses requests with UNAVAILABLE ("starting"); once it
has, the gate holds the :class:`~appliance.pipeline.Pipeline` built on them. A reload swaps
the pipeline in the gate (requests in flight finish on the one they began with). Transports
(gRPC today) serve through the gate and know nothing of how the services are made.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import structlog

from appliance.audit.stage import AuditLog, AuditStage, open_audit
from appliance.config import Config
from appliance.engine.embedding import EmbedEngine
from appliance.engine.registry import ModelRegistry
from appliance.errors import Unavailable
from appliance.observability.metrics import Metrics
from appliance.pipeline import Pipeline, Services
from appliance.privacy.masker import PiiMasker
from appliance.privacy.stage import PrivacyStage
from appliance.request import Outcome, RequestInfo
from appliance.routing.canary import CanaryWatch
from appliance.routing.fleet import Central, open_central
from appliance.routing.split import LowScores
from appliance.stages.cache import ResponseCache
from appliance.stages.records import RequestRecords
from appliance.state import SharedState
from appliance.state.redis_state import RedisState

log = structlog.get_logger("appliance.server")


@contextlib.asynccontextmanager
async def open_services(config: Config, registry: ModelRegistry, limits: SharedState, *,  # noqa: PLR0913 - tests give parts
                        progress: Callable[[str], None],
                        on_audit_state: Callable[[bool, str], None] | None = None,
                        metrics: Metrics | None = None, privacy: PrivacyStage | None = None,
                        audit: AuditStage | None = None,
                        central: Central | None = None) -> AsyncIterator[Services]:
    """Open every service (``privacy``, ``audit`` and ``central`` may be given instead:
    tests); yields them once all are ready, closes them in reverse order on the way out."""
    async with contextlib.AsyncExitStack() as stack:
        if audit is None:
            progress("opening the audit log")
            opened = await asyncio.to_thread(open_audit, config, on_audit_state, metrics)
            stack.push_async_callback(asyncio.to_thread, opened.close)
            audit = opened
        if privacy is None:
            progress("loading PII analyzer")
            privacy = await asyncio.to_thread(PiiMasker.load, config.pii,
                                              config.limits.max_prompt_chars)
        profiles: dict[str, PrivacyStage] = {}
        for name, profile in sorted(config.pii.profiles.items()):
            progress(f"loading PII profile {name}")
            profiles[name] = await asyncio.to_thread(PiiMasker.load, profile,
                                                     config.limits.max_prompt_chars)
        progress("loading models")
        stack.push_async_callback(registry.close)
        await registry.load()
        embedder = await _open_embedder(config, registry, progress)
        stack.push_async_callback(embedder.close)
        if central is None:
            central = open_central(config.fallback)
        if central is not None:
            stack.push_async_callback(central.close)
        audit_stage = audit

        async def record(info: RequestInfo) -> None:  # a canary's rollback or promotion
            await RequestRecords(audit_stage, info).finish()

        yield Services(config=config, registry=registry, privacy=privacy,
                       pii_profiles=profiles, audit=audit, central=central, limits=limits,
                       embedder=embedder, cache=ResponseCache.from_config(config.cache, limits),
                       canary=CanaryWatch(registry, record, metrics),
                       low_scores=LowScores(shared=limits if isinstance(limits, RedisState)
                                            else None))


async def _open_embedder(config: Config, registry: ModelRegistry,
                         progress: Callable[[str], None]) -> EmbedEngine:
    """The embedding tier: [models.embed] path, else the v3 tier's GGUF, mean-pooled (the
    documented fallback: a chat model's vectors are weak for retrieval)."""
    spec = config.embed
    progress("loading the embedding model")
    if spec.path is not None:
        engine = EmbedEngine(spec, spec.path, pooling=spec.pooling,
                             expected_sha256=spec.sha256)
    else:
        v3 = registry.tiers["v3"]
        # Loaded on the first embeddings request: a second copy of the chat model otherwise.
        engine = EmbedEngine(spec, v3.path, fallback=True, lazy=True,
                             pooling="mean" if spec.pooling == "auto" else spec.pooling,
                             sha256=v3.facts.sha256 if v3.facts else None, facts=v3.facts)
    await engine.start()
    return engine


class Gate:
    """Readiness, as the transports see it: the pipeline once the services are open."""

    def __init__(self, accepting: Callable[[], str | None]) -> None:
        self._accepting = accepting
        self._pipeline: Pipeline | None = None

    def open(self, services: Services) -> None:
        """Serve through a pipeline on ``services`` from now on (start-up, reload)."""
        self._pipeline = Pipeline(services, self._accepting)

    def accepting(self) -> str | None:
        """Why requests are refused now ("starting", "draining", ...), or None."""
        return self._accepting() if self._pipeline is not None else "starting"

    def reconfigure(self, config: Config) -> None:
        """After a model reload: the same services with the new config."""
        if self._pipeline is not None:
            self.open(replace(self._pipeline.services, config=config))

    @property
    def services(self) -> Services | None:
        return self._pipeline.services if self._pipeline is not None else None

    def pass_through_stages(self) -> list[str]:
        """Stages that do not do their job (none in the daemon; tests may give such)."""
        return self._pipeline.pass_through_stages if self._pipeline is not None else []

    def pipeline(self, info: RequestInfo) -> Pipeline:
        """The pipeline, or UNAVAILABLE (a refusal at the door) while starting."""
        if self._pipeline is None:
            info.outcome, info.status = Outcome.REJECTED, "UNAVAILABLE"
            raise Unavailable("appliance is starting; not accepting requests", state="starting")
        return self._pipeline

    async def audit_refusal(self, info: RequestInfo) -> None:
        """Record a call refused before the pipeline (authentication, authorization)."""
        if self._pipeline is not None:
            await self._pipeline.audit_refusal(info)

    async def audit_summaries(self, records: list[dict[str, Any]]) -> None:
        """Write records of no one request (summaries of refusals) to the audit log
        (:meth:`AuditLog.write_refusal_summaries`: queued before any wait; a failure is
        logged, not raised)."""
        audit = self._pipeline.services.audit if self._pipeline is not None else None
        if isinstance(audit, AuditLog):  # else not open yet, or a test's stage
            await audit.write_refusal_summaries(records)

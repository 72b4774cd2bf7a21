"""Tier registry: maps ``v3`` and ``r1`` to loaded engines.

Tiers whose model settings are equal (same file, same context and threads...) share one engine.
The out-of-the-box configuration loads two: the embedded chat model on v3, the base model on r1
(both on the base model, in two engines, when the chat model's package is not installed).
A tier with a ``[models.<tier>.canary]`` gets a second engine of its own (named
``<tier>.canary``), resident beside the primary until it is promoted or rolled back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import structlog

from appliance.config import DEFAULT_MODEL_CHAT_TEMPLATE, Config, ModelConfig
from appliance.engine import canary_decisions
from appliance.engine.default_model import CHAT_PACKAGE, ensure_default_model, find_chat_model
from appliance.engine.llama_engine import LlamaEngine
from appliance.engine.types import CanaryArm, EngineState
from appliance.errors import InvalidArgument

log = structlog.get_logger("appliance.registry")


class ModelRegistry:
    def __init__(self, config: Config, progress: Callable[[str], None] | None = None) -> None:
        self._config = config
        self._progress = progress or (lambda _m: None)
        self._by_tier: dict[str, LlamaEngine] = {}
        #: Each tier's canary engine (also in ``engines``).
        self._canaries: dict[str, LlamaEngine] = {}
        self.engines: list[LlamaEngine] = []
        self._retiring: set[asyncio.Task[None]] = set()
        #: Whether interactive work is in flight (the batch worker's view; every engine asks
        #: it each step to hold background sequences, LlamaEngine.foreground).
        self.foreground: Callable[[], bool] = lambda: False

    def set_config(self, config: Config) -> None:
        self._config = config

    @property
    def tiers(self) -> Mapping[str, LlamaEngine]:
        return self._by_tier

    def engine_for(self, tier: str) -> LlamaEngine:
        try:
            return self._by_tier[tier]
        except KeyError:
            raise InvalidArgument(
                f"model: unknown tier; this appliance serves "
                f"{', '.join(sorted(self._config.models))} (or auto)",
                field="model") from None

    def wrap_engines(self, wrapper: Callable[[LlamaEngine], LlamaEngine]) -> None:
        """Serve every tier (and canary) through ``wrapper(engine)`` (tests record what a
        model receives, or make one fail)."""
        self._by_tier = {tier: wrapper(engine) for tier, engine in self._by_tier.items()}
        self._canaries = {tier: wrapper(engine) for tier, engine in self._canaries.items()}

    @property
    def canaries(self) -> Mapping[str, LlamaEngine]:
        return self._canaries

    def canary_for(self, tier: str) -> CanaryArm | None:
        engine = self._canaries.get(tier)
        spec = self._config.models.get(tier)
        if engine is None or spec is None or spec.canary is None:
            return None
        return CanaryArm(engine, spec.canary)

    def drop_canary(self, tier: str, by: str = "appliance") -> LlamaEngine | None:
        """Rollback: new requests of ``tier`` all go to its primary from now on; the canary's
        requests in flight finish, then its engine closes. None: the tier had no canary.
        Remembered across restarts and reloads (canary_decisions)."""
        engine = self._canaries.pop(tier, None)
        if engine is not None:
            self._retire([engine])
            self._remember(tier, canary_decisions.ROLLED_BACK, by)
        return engine

    def promote_canary(self, tier: str, by: str = "appliance") -> LlamaEngine | None:
        """The canary becomes the tier's primary (for every new request); the old primary
        finishes its requests in flight and closes, unless another tier shares it.
        Remembered across restarts and reloads (canary_decisions)."""
        engine = self._canaries.pop(tier, None)
        if engine is None:
            return None
        self._remember(tier, canary_decisions.PROMOTED, by)
        old = self._by_tier[tier]
        self._by_tier[tier] = engine
        engine.tiers = (tier,)  # its gauges and status now name the tier it serves
        spec = self._config.models[tier].canary_spec()
        if spec is not None:
            self._config = replace(self._config, models={**self._config.models, tier: spec})
        if old in self._by_tier.values():  # still serves another tier
            old.tiers = tuple(t for t in old.tiers if t != tier)
        else:
            self._retire([old])
        return engine

    def _remember(self, tier: str, decision: str, by: str) -> None:
        try:
            canary_decisions.record(self._config.state_dir, tier, decision,
                                    self._config.models.get(tier), by)
        except OSError as exc:  # the decision holds until the next restart or reload
            log.error("canary_decision_not_saved", tier=tier, decision=decision,  # noqa: TRY400 - no traceback
                      error_type=type(exc).__name__,
                      detail="a restart or reload will load the canary as configured")

    def _retire(self, engines: list[LlamaEngine]) -> None:
        for engine in engines:
            # by name: a test may have wrapped the engine it is handed
            self.engines = [e for e in self.engines if e.name != engine.name]
            task = asyncio.create_task(engine.retire())
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    @property
    def ready(self) -> bool:
        return bool(self.engines) and all(e.state is EngineState.READY for e in self.engines)

    async def load(self) -> None:
        """Resolve files (assembling the default model if needed), then load every engine."""
        self._by_tier, self.engines, self._canaries = await self._build(self._config.models)

    def _foreground(self) -> bool:
        return self.foreground()

    def waiting_foreground(self) -> bool:
        """Whether an interactive request waits for a slot of an engine (every slot taken)."""
        return any(e.waiting_foreground() for e in self.engines)

    def _weight_of(self, owner: str) -> float:
        """An identity's share weight in every engine's queue (its policy's queue_weight)."""
        return self._config.auth.policy(owner).queue_weight

    async def _build(self, models: Mapping[str, ModelConfig]
                     ) -> tuple[dict[str, LlamaEngine], list[LlamaEngine],
                                dict[str, LlamaEngine]]:
        files = _Files(self._config, self._progress)
        # Promotions and rollbacks made since the config named its canaries.
        models = canary_decisions.apply(self._config.state_dir, models)
        groups: dict[tuple[object, ...], list[ModelConfig]] = {}
        for spec in models.values():
            groups.setdefault(spec.engine_key(), []).append(spec)
        by_tier: dict[str, LlamaEngine] = {}
        engines: list[LlamaEngine] = []
        canaries: dict[str, LlamaEngine] = {}
        for tier, spec in models.items():
            canary = spec.canary_spec()
            if canary is not None and canary.path is not None:
                # Its own engine, never shared: a rollback closes it without touching others.
                engine = LlamaEngine(canary, canary.path, [f"{tier}.canary"],
                                     expected_sha256=canary.sha256, progress=self._progress,
                                     weight_of=self._weight_of)
                canaries[tier] = engine
        for specs in groups.values():
            spec, path, expected = await files.resolve(specs)
            expected_sha: str | None = expected
            # an engine shared by tiers takes the first of their [capacity.<tier>] tables
            reserve = next((self._config.capacity[s.tier] for s in specs
                            if s.tier in self._config.capacity), None)
            engine = LlamaEngine(spec, path, [s.tier for s in specs], expected_sha256=expected_sha,
                                 progress=self._progress, reserve=reserve,
                                 weight_of=self._weight_of)
            engines.append(engine)
            for s in specs:
                by_tier[s.tier] = engine
        engines += canaries.values()
        for engine in engines:
            engine.foreground = self._foreground
        # One at a time: loading is I/O and CPU bound, and parallel loads on a small box only
        # make each slower to become ready.
        try:
            for engine in engines:
                await engine.start()
        except BaseException:
            for engine in engines:
                if engine.state is EngineState.READY:
                    await engine.close()
            raise
        return by_tier, engines, canaries

    async def reload(self, models: Mapping[str, ModelConfig]) -> list[LlamaEngine]:
        """Load and warm up ``models`` beside the running ones, swap them in at once, and
        retire the old engines once the requests holding them have ended. If anything fails
        to load, the old engines keep serving and the error is raised."""
        by_tier, engines, canaries = await self._build(models)
        old = self.engines
        self._by_tier, self.engines, self._canaries = by_tier, engines, canaries
        log.info("models_swapped", tiers=sorted(by_tier),
                 files=[e.path.name for e in engines])
        for engine in old:
            task = asyncio.create_task(engine.retire())
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)
        return engines

    async def close(self) -> None:
        for task in list(self._retiring):
            await task
        for engine in self.engines:
            if engine.state is EngineState.READY:
                await engine.close()


class _Files:
    """Where each engine's GGUF comes from: the tier's ``path``, else an embedded default
    (assembled and verified once per build)."""

    def __init__(self, config: Config, progress: Callable[[str], None]) -> None:
        self._config = config
        self._progress = progress
        self._base: tuple[Path, str] | None = None

    async def resolve(self, specs: list[ModelConfig]
                      ) -> tuple[ModelConfig, Path, str | None]:
        spec = specs[0]
        if spec.path is not None:
            return spec, spec.path, spec.sha256
        if spec.embedded == "chat":
            chat = await asyncio.to_thread(find_chat_model, self._progress)
            if chat is not None:
                return spec, chat[0], chat[1]
            log.warning("default_chat_model_missing", tiers=[s.tier for s in specs],
                        package=CHAT_PACKAGE, serving="the embedded base model")
            spec = replace(spec, embedded="base", chat_template=DEFAULT_MODEL_CHAT_TEMPLATE)
        if self._base is None:
            self._base = await asyncio.to_thread(
                ensure_default_model, self._config.models_dir, self._progress)
        return spec, *self._base

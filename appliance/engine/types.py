"""What an engine takes and gives back, and the protocol the pipeline serves through.

Nothing here loads llama.cpp: the central-cluster client and the pipeline depend on these types,
not on the local engine (:mod:`appliance.engine.llama_engine` implements :class:`Engine`).
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from appliance.config import CanaryConfig
from appliance.generation import Message, ResponseFormat

if TYPE_CHECKING:
    from appliance.engine.embedding import Embedded, EmbedModelInfo
    from appliance.engine.facts import ModelFacts


class EngineState(enum.StrEnum):
    """An engine's life: loading, then ready (or failed); stopped once closed."""

    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True, kw_only=True)
class SamplerSpec:
    """What one sequence's sampler chain does (:class:`SamplingParams` extends it)."""

    temperature: float = 0.8
    top_p: float = 1.0
    top_k: int = 40
    min_p: float = 0.05
    repetition_penalty: float = 1.0
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    penalty_last_n: int = 64
    logit_bias: tuple[tuple[int, float], ...] = ()
    #: A GBNF grammar the output must follow ("" = none), rooted at ``root``.
    grammar: str = ""


@dataclass(frozen=True)
class SamplingParams(SamplerSpec):
    """One request's generation: the sampler chain (temperature, top_p, top_k, min_p,
    penalties, logit_bias, grammar: keyword-only, from SamplerSpec) and the rest."""

    max_tokens: int
    seed: int | None = None
    stop: tuple[str, ...] = ()
    #: Generation fields the request left unset: the tier's defaults fill them
    #: (appliance.generation.GENERATION_FIELDS).
    unset: frozenset[str] = frozenset()
    #: Structured output: the format ``grammar`` came from (sent as such to a cluster).
    response_format: ResponseFormat = field(default_factory=ResponseFormat)
    #: Track the mean log-probability of the generated tokens (for escalation); costs a
    #: softmax over the vocabulary per token.
    logprobs: bool = False
    #: How the model marks reasoning ("none", "think_tags", "think_tags_open") and the most
    #: tokens it may spend on it (0: no budget). Over budget, the engine writes the closing
    #: tag itself and the model continues with the answer.
    reasoning: str = "none"
    reasoning_budget: int = 0


@dataclass(frozen=True)
class TextPiece:
    text: str
    #: Reasoning the producer already told apart from the answer (an OpenAI-compatible
    #: cluster's ``reasoning_content``/``reasoning`` deltas); local engines write reasoning
    #: inline, in think tags, and leave this False.
    reasoning: bool = False


@dataclass(frozen=True)
class Finished:
    finish_reason: str  # "stop" or "length"
    prompt_tokens: int
    completion_tokens: int
    #: Seconds the request waited for a slot (local engines only).
    queue_wait_s: float | None = None
    #: Mean log-probability of the generated tokens, when asked for (local engines only).
    mean_logprob: float | None = None
    #: Prompt tokens whose KV cells came from the prefix cache (not prefilled again).
    cached_tokens: int = 0


Event = TextPiece | Finished


class Engine(Protocol):
    """A loaded model serving one or more tiers, as the pipeline sees it."""

    name: str
    tiers: tuple[str, ...]
    state: EngineState
    facts: ModelFacts | None

    @property
    def n_ctx(self) -> int: ...

    @property
    def n_vocab(self) -> int: ...

    @property
    def chat_stops(self) -> tuple[str, ...]: ...

    def acquire(self) -> None: ...

    def release(self) -> None: ...

    def check_ready(self) -> None:
        """Raise :class:`appliance.errors.Unavailable` unless the engine is ready."""

    def tokenize_prompt(self, prompt: str) -> list[int]: ...

    def tokenize_chat(self, messages: Sequence[Message]) -> list[int]: ...

    def admission(self, owner: str = "", priority: int = 0) -> tuple[bool, float]:
        """(queue full, predicted seconds until a slot) for a request of ``owner`` at
        ``priority`` (reserved capacity answers differently for its class)."""

    def generate(self, tokens: list[int], params: SamplingParams,  # noqa: PLR0913 - queue options
                 deadline: float | None = None, priority: int = 0,
                 max_queue_wait: float | None = None, *,
                 owner: str = "", cache_namespace: str = "",
                 background: bool = False) -> AsyncIterator[Event]:
        """Stream text pieces, then one :class:`Finished`; ``owner`` is the identity asking
        (the engine's queue is fair across identities), ``cache_namespace`` whose cached
        prompt prefixes it may reuse ("" = none); ``background``: work that fills idle
        capacity (a batch line), held while interactive work is in flight."""


@dataclass(frozen=True)
class CanaryArm:
    """A tier's canary: a second engine serving ``weight`` of its identities."""

    engine: Engine
    config: CanaryConfig

    @property
    def weight(self) -> float:
        return self.config.weight


class Registry(Protocol):
    """The tiers this appliance serves and the engine behind each."""

    @property
    def tiers(self) -> Mapping[str, Engine]: ...

    def engine_for(self, tier: str) -> Engine:
        """The tier's engine; InvalidArgument for a tier this appliance does not serve."""

    def canary_for(self, tier: str) -> CanaryArm | None:
        """The tier's canary ([models.<tier>.canary]), None when it has none (or it was
        rolled back)."""


class Cluster(Protocol):
    """An OpenAI-compatible central cluster, as placements use it
    (:class:`appliance.routing.central.CentralClient`)."""

    def available(self) -> bool:
        """Configured, enabled and its circuit breaker not open."""

    def generate(self, messages: Sequence[Message], params: SamplingParams,
                 tier: str) -> AsyncIterator[Event]:
        """Stream the cluster's answer as engine events; Unavailable on failure."""


class Embedder(Protocol):
    """The embedding tier's engine (:class:`appliance.engine.embedding.EmbedEngine`)."""

    #: Width of the vectors it returns; the SHA-256 of its GGUF.
    dimensions: int
    sha256: str | None

    def describe(self) -> EmbedModelInfo:
        """Its file, SHA-256 and state, for the model lists."""

    async def ready(self) -> None:
        """Loaded, ``dimensions`` known (a lazy engine loads its model now)."""

    async def embed(self, texts: Sequence[str]) -> Embedded:
        """Unit-length vectors of ``texts`` (masked text), with their token count."""

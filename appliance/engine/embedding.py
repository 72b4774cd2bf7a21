"""The embedding engine: one llama.cpp context in embedding mode, on a thread of its own.

Requests hand their (already masked) inputs to :meth:`EmbedEngine.embed`; the worker thread
takes every job waiting, tokenizes their inputs and packs them, in order, into llama_decode
calls of up to ``n_batch`` tokens (one sequence id per input), so the inputs of concurrent
requests share batches. Vectors come back pooled by the model (its GGUF's pooling, or
``[models.embed] pooling``) and L2-normalised, as OpenAI's are. Nothing here runs on the
event loop; the loop only awaits a future the worker resolves.

``path`` None in the config is the fallback: the v3 tier's GGUF (a chat model) with mean
pooling. It works, but a generative model's mean-pooled hidden states are weak sentence
vectors; a site that does retrieval configures a sentence-embedding GGUF. The fallback is
loaded lazily, on the first embeddings request (``embed_model_loading`` in the log), so a
daemon that never embeds does not hold a second copy of the chat model.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

from appliance.config import EmbedConfig
from appliance.engine.default_model import sha256_file
from appliance.engine.facts import ModelFacts, quantization_name
from appliance.errors import ApplianceError, InvalidArgument, ModelError, Overloaded

log = structlog.get_logger("appliance.embedding")

Vectors = npt.NDArray[np.float32]

#: [models.embed] pooling → llama.cpp's enum llama_pooling_type (-1: the GGUF's own).
POOLING = {"auto": -1, "mean": 1, "cls": 2, "last": 3}


@dataclass(frozen=True)
class Embedded:
    """The vectors of one request's inputs (rows, in order, unit length) and their tokens."""

    vectors: Vectors
    prompt_tokens: int


@dataclass(frozen=True)
class EmbedModelInfo:
    """What ``appliance models`` and ``GET /v1/models`` say of the embedding tier."""

    file_name: str
    sha256: str | None
    #: "ready", "lazy" (the fallback, loaded on its first request) or "closed".
    state: str
    #: The v3 tier's chat model standing in (no [models.embed] path).
    fallback: bool
    architecture: str
    quantization: str
    size_bytes: int
    #: Longest input in tokens; the vectors' width (0 until loaded).
    max_tokens: int
    dimensions: int


@dataclass
class _Job:
    texts: Sequence[str]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Embedded]
    queued_at: float = field(default_factory=time.monotonic)


def normalized(vectors: Vectors) -> Vectors:
    """Each row scaled to unit L2 length (a zero row stays zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


def shortened(vectors: Vectors, dimensions: int | None) -> Vectors:
    """OpenAI's ``dimensions``: the first ``dimensions`` components, renormalised (models
    trained for it, Matryoshka style, keep most of their quality; others lose more)."""
    width = vectors.shape[1]
    if dimensions is None or dimensions == width:
        return vectors
    if not 1 <= dimensions <= width:
        raise InvalidArgument(f"dimensions: must be between 1 and the model's {width}",
                              field="dimensions")
    return normalized(vectors[:, :dimensions])


class EmbedEngine:
    """Serves one GGUF in embedding mode (``[models.embed]``)."""

    def __init__(self, spec: EmbedConfig, path: Path, *, pooling: str,  # noqa: PLR0913 - options
                 expected_sha256: str | None = None, sha256: str | None = None,
                 fallback: bool = False, lazy: bool = False,
                 facts: ModelFacts | None = None) -> None:
        self.spec = spec
        self.path = path
        self.pooling = pooling
        self.expected_sha256 = expected_sha256
        self.sha256 = sha256
        #: True when serving the v3 tier's chat model (no [models.embed] path).
        self.fallback = fallback
        #: Loaded on the first request (:meth:`ready`) rather than by :meth:`start`.
        self.lazy = lazy
        #: The vectors' width; 0 until loaded.
        self.dimensions = 0
        #: What the GGUF says it is (from ``facts`` where given, else read when it loads).
        self.architecture = facts.architecture if facts else ""
        self.quantization = facts.quantization if facts else ""
        self._max_tokens = spec.n_ctx
        self._opening = asyncio.Lock()
        self._llama: Any = None
        self._cv = threading.Condition()
        self._jobs: collections.deque[_Job] = collections.deque()
        self._waiting_inputs = 0
        self._stopping = False
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    @property
    def state(self) -> str:
        """"ready" once loaded, "lazy" before a lazy engine's first request, "closed"."""
        if self._stopping:
            return "closed"
        return "ready" if self._thread is not None else "lazy"

    def describe(self) -> EmbedModelInfo:
        return EmbedModelInfo(
            file_name=self.path.name, sha256=self.sha256, state=self.state,
            fallback=self.fallback, architecture=self.architecture,
            quantization=self.quantization, size_bytes=_size(self.path),
            max_tokens=self._max_tokens, dimensions=self.dimensions)

    async def start(self) -> None:
        """Load the model now, unless the engine is lazy (then: on the first request)."""
        if not self.lazy:
            await self.ready()
            return
        log.info("embed_model_lazy", file=self.path.name, fallback=self.fallback,
                 why="loaded on the first embeddings request")

    async def ready(self) -> None:
        """The model loaded (a lazy engine loads it now: the first request waits for it);
        ModelError when it cannot be loaded (a later request tries again)."""
        if self._thread is not None:
            return
        async with self._opening:
            if self._stopping:
                raise ModelError("embedding engine is closed")
            if self._thread is not None:
                return
            if self.lazy:
                log.info("embed_model_loading", file=self.path.name, fallback=self.fallback,
                         why="first embeddings request")
            await asyncio.to_thread(self._load)
            self._thread = threading.Thread(target=self._run, name="embed-engine",
                                            daemon=True)
            self._thread.start()

    async def close(self) -> None:
        async with self._opening:  # a load under way finishes first
            with self._cv:
                self._stopping = True
                self._cv.notify_all()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
        if self._llama is not None:
            self._llama.close()
            self._llama = None

    def _load(self) -> None:
        import llama_cpp  # noqa: PLC0415 - heavy; only where a model is loaded

        if self.sha256 is None:
            self.sha256 = sha256_file(self.path)
        if self.expected_sha256 and self.sha256 != self.expected_sha256:
            raise ModelError(f"models.embed.path: SHA-256 {self.sha256} differs from "
                             f"models.embed.sha256 {self.expected_sha256}", path=str(self.path))
        spec = self.spec
        try:
            # n_ctx is the context of a whole batch (a causal fallback model keeps every
            # sequence of the batch in its KV cells); one input is held to spec.n_ctx.
            self._llama = llama_cpp.Llama(
                str(self.path), embedding=True, n_ctx=spec.n_batch, n_batch=spec.n_batch,
                n_ubatch=spec.n_batch, n_threads=spec.n_threads, n_threads_batch=spec.n_threads,
                n_gpu_layers=spec.n_gpu_layers, pooling_type=POOLING[self.pooling],
                # llama-server's default ("auto": on where the backend has it); the Llama
                # class leaves it off. On all-MiniLM-L6-v2, 2 CPU threads, batches of 512
                # tokens: about 1.7x the inputs/s with it (A/B in one process, interleaved).
                flash_attn=True,
                verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"models.embed: llama.cpp cannot load {self.path.name} for "
                             f"embeddings", path=str(self.path)) from exc
        self.dimensions = int(self._llama.n_embd())
        if self._llama.pooling_type() == llama_cpp.LLAMA_POOLING_TYPE_NONE:
            self._llama.close()
            raise ModelError("models.embed: the GGUF names no pooling; set models.embed.pooling "
                             "(mean, cls or last)", path=str(self.path))
        meta = self._llama.metadata
        self.architecture = meta.get("general.architecture", self.architecture or "unknown")
        self.quantization = quantization_name(meta.get("general.file_type")) \
            if "general.file_type" in meta else self.quantization
        train = int(self._llama._model.n_ctx_train())
        self._max_tokens = min(spec.n_ctx, train) if train > 0 else spec.n_ctx
        log.info("embed_model_loaded", file=self.path.name, sha256=self.sha256,
                 dimensions=self.dimensions, pooling=self.pooling, n_ctx=self._max_tokens,
                 n_batch=spec.n_batch, fallback=self.fallback)
        if self.fallback:
            log.warning("embed_model_fallback", file=self.path.name,
                        why="no [models.embed] path: embedding with the v3 chat model, "
                            "mean-pooled; weak for retrieval")

    # ----------------------------------------------------------------- requests

    async def embed(self, texts: Sequence[str]) -> Embedded:
        """Vectors of ``texts`` (masked text: this never sees PII); InvalidArgument for an
        input longer than the model takes, Overloaded when too many inputs wait."""
        await self.ready()
        loop = asyncio.get_running_loop()
        job = _Job(texts, loop, loop.create_future())
        with self._cv:
            if self._stopping:
                raise ModelError("embedding engine is closed")
            if self._waiting_inputs + len(texts) > self.spec.queue_limit:
                raise Overloaded("embedding queue full (models.embed.queue_limit)",
                                 retry_after=1.0, reason="queue_full")
            self._jobs.append(job)
            self._waiting_inputs += len(texts)
            self._cv.notify()
        return await job.future

    # ----------------------------------------------------------------- worker thread

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._jobs and not self._stopping:
                    self._cv.wait()
                if self._stopping and not self._jobs:
                    return
                jobs = list(self._jobs)
                self._jobs.clear()
                self._waiting_inputs = 0
            self._serve(jobs)

    def _serve(self, jobs: list[_Job]) -> None:
        """Tokenize every live job's inputs, embed them all in shared batches, answer each."""
        live: list[tuple[_Job, list[list[int]]]] = []
        for job in jobs:
            if job.future.cancelled():
                continue
            try:
                live.append((job, self._tokens(job.texts)))
            except ApplianceError as exc:
                _answer(job, exc)
        if not live:
            return
        try:
            vectors = self._vectors([t for _job, tokens in live for t in tokens])
        except Exception as exc:
            log.exception("embed_failed")
            for job, _tokens in live:
                _answer(job, ModelError("embedding failed in llama.cpp"))
            del exc
            return
        start = 0
        for job, tokens in live:
            rows = vectors[start:start + len(tokens)]
            start += len(tokens)
            _answer(job, Embedded(rows, sum(len(t) for t in tokens)))

    def _tokens(self, texts: Sequence[str]) -> list[list[int]]:
        out = []
        for i, text in enumerate(texts):
            tokens: list[int] = self._llama.tokenize(text.encode("utf-8"), add_bos=True,
                                                     special=False)
            if len(tokens) > self._max_tokens:
                raise InvalidArgument(f"input[{i}]: {len(tokens)} tokens, more than the "
                                      f"embedding model takes ({self._max_tokens}); split it",
                                      field="input")
            out.append(tokens)
        return out

    def _vectors(self, inputs: list[list[int]]) -> Vectors:
        """Every input's pooled vector, in batches of at most n_batch tokens and n_seq_max
        sequences (llama-cpp-python's Llama.embed, on tokens already checked)."""
        import llama_cpp  # noqa: PLC0415

        llm = self._llama
        n_batch, n_seq_max = llm.n_batch, llm.context_params.n_seq_max
        out = np.empty((len(inputs), self.dimensions), dtype=np.float32)
        done = 0
        pending: list[int] = []
        used = 0

        def decode() -> None:
            nonlocal done, used
            llm._ctx.kv_cache_clear()
            llm._ctx.decode(llm._batch)
            for seq in range(len(pending)):
                ptr = llama_cpp.llama_get_embeddings_seq(llm._ctx.ctx, seq)
                out[done + seq] = np.ctypeslib.as_array(ptr, shape=(self.dimensions,))
            llm._batch.reset()
            done += len(pending)
            pending.clear()
            used = 0

        llm._batch.reset()
        for tokens in inputs:
            if pending and (used + len(tokens) > n_batch or len(pending) >= n_seq_max):
                decode()
            # Every token an output: llama.cpp pools over the outputs (llama-cpp-python#2208).
            llm._batch.add_sequence(tokens, len(pending), True)
            pending.append(len(tokens))
            used += len(tokens)
        if pending:
            decode()
        return normalized(out)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _answer(job: _Job, result: Embedded | BaseException) -> None:
    def settle() -> None:
        if job.future.done():
            return
        if isinstance(result, BaseException):
            job.future.set_exception(result)
        else:
            job.future.set_result(result)

    with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits
        job.loop.call_soon_threadsafe(settle)

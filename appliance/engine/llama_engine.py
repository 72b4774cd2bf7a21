"""One llama.cpp model instance, owned by one worker thread.

A llama.cpp context is not thread-safe, so every call that touches it (load, warm-up, prompt
evaluation, sampling) runs on this engine's own thread. Requests reach the thread as jobs on a
bounded queue; text comes back to the asyncio loop through ``call_soon_threadsafe`` into a
per-job ``asyncio.Queue``. Cancellation (client gone, deadline passed) sets a flag the worker
checks before every token, so generation stops within one token.

Tokenizing only reads the vocabulary, which llama.cpp allows from any thread (llama-server
tokenizes on its HTTP threads); the pipeline does it in a thread pool, never on the loop.

This one-job-at-a-time loop is shaped so a continuous-batching scheduler (several sequences in
one context) can replace ``_run`` without changing ``generate``'s callers.
"""

from __future__ import annotations

import asyncio
import codecs
import secrets
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from appliance.config import ModelConfig
from appliance.engine.chat import BUILTIN_TEMPLATES, ChatRenderer, Message
from appliance.engine.default_model import sha256_file
from appliance.engine.facts import ModelFacts, quantization_name
from appliance.engine.stops import StopMatcher
from appliance.errors import (
    ApplianceError,
    Cancelled,
    DeadlineExceeded,
    EngineFailure,
    ModelError,
    Overloaded,
    Unavailable,
)

log = structlog.get_logger("appliance.engine")

# llama.cpp's own defaults for the samplers we do not expose.
_TOP_K = 40
_MIN_P = 0.05
_WARMUP_PROMPT = "Hello"


@dataclass(frozen=True)
class SamplingParams:
    max_tokens: int
    temperature: float = 0.8
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextPiece:
    text: str


@dataclass(frozen=True)
class Finished:
    finish_reason: str  # "stop" or "length"
    prompt_tokens: int
    completion_tokens: int


Event = TextPiece | Finished


@dataclass
class _Job:
    tokens: list[int]
    params: SamplingParams
    deadline: float | None  # time.monotonic() value
    loop: asyncio.AbstractEventLoop
    events: asyncio.Queue[Event | BaseException] = field(default_factory=asyncio.Queue)
    cancel: threading.Event = field(default_factory=threading.Event)
    sampled: int = 0

    def emit(self, item: Event | BaseException) -> None:
        self.loop.call_soon_threadsafe(self.events.put_nowait, item)


_STOP_WORKER = object()


class LlamaEngine:
    """Serves one GGUF file for one or more tiers."""

    def __init__(self, spec: ModelConfig, path: Path, tiers: Sequence[str],
                 expected_sha256: str | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self.spec = spec
        self.path = path
        self.tiers = tuple(tiers)
        self.name = "+".join(self.tiers)
        self.expected_sha256 = expected_sha256
        self.state = "loading"
        self.facts: ModelFacts | None = None
        self._progress = progress or (lambda _m: None)
        self._llm: Any = None
        self._renderer: ChatRenderer | None = None
        self._add_bos = True
        self._bos_text = ""
        self._jobs: deque[_Job | object] = deque()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._active = 0
        self.tokens_generated_total = 0
        self.requests_total = 0
        self._service_ewma_s = 1.0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Load the model and warm it up on the engine thread; return when ready."""
        loop = asyncio.get_running_loop()
        loaded: asyncio.Future[None] = loop.create_future()

        def report(exc: BaseException | None) -> None:
            if loaded.done():
                return
            if exc is None:
                loaded.set_result(None)
            else:
                loaded.set_exception(exc)

        self._thread = threading.Thread(target=self._run, args=(loop, report),
                                        name=f"engine-{self.name}", daemon=True)
        self._thread.start()
        await loaded

    async def close(self) -> None:
        with self._cv:
            self._jobs.append(_STOP_WORKER)
            self._cv.notify()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
        self.state = "stopped"

    @property
    def active_jobs(self) -> int:
        return self._active

    @property
    def queued_jobs(self) -> int:
        return sum(1 for j in self._jobs if isinstance(j, _Job))

    @property
    def free_slots(self) -> int:
        return max(self.spec.slots - self._active, 0) if self.state == "ready" else 0

    # ------------------------------------------------------------------ prompt preparation

    @property
    def n_ctx(self) -> int:
        return self.spec.n_ctx

    def tokenize_prompt(self, prompt: str) -> list[int]:
        """Raw completion: special-token text in the prompt stays literal text."""
        return list(self._llm.tokenize(prompt.encode("utf-8"), add_bos=self._add_bos,
                                       special=False))

    def tokenize_chat(self, messages: Sequence[Message]) -> list[int]:
        assert self._renderer is not None  # noqa: S101 - set before state becomes ready
        text = self._renderer.render(messages)
        add_bos = self._add_bos and not (self._bos_text and text.startswith(self._bos_text))
        # The rendered template carries control tokens (<start_of_turn>...), so parse them.
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True))

    # ------------------------------------------------------------------ generation

    def check_ready(self) -> None:
        if self.state != "ready":
            raise Unavailable(f"model {self.name} is {self.state}", tiers=self.tiers)

    async def generate(self, tokens: list[int], params: SamplingParams,
                       deadline: float | None = None) -> AsyncIterator[Event]:
        """Stream text pieces, then one :class:`Finished`. Closing the iterator cancels."""
        self.check_ready()
        job = _Job(tokens=tokens, params=params, deadline=deadline,
                   loop=asyncio.get_running_loop())
        with self._cv:
            waiting = self.queued_jobs
            if waiting >= self.spec.queue_limit + max(self.spec.slots - self._active, 0):
                raise Overloaded(
                    f"model {self.name} is busy: {waiting} requests waiting "
                    f"(queue_limit {self.spec.queue_limit})",
                    retry_after=round(self._service_ewma_s * (waiting + 1), 1))
            self._jobs.append(job)
            self._cv.notify()
        try:
            while True:
                item = await job.events.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if isinstance(item, Finished):
                    return
        finally:
            job.cancel.set()

    def _run(self, loop: asyncio.AbstractEventLoop,
             report: Callable[[BaseException | None], None]) -> None:
        try:
            self._load()
        except BaseException as exc:  # noqa: BLE001 - reported to the awaiting coroutine
            self.state = "failed"
            error = exc if isinstance(exc, ApplianceError) else ModelError(
                f"cannot load {self.path}: {exc}", path=str(self.path))
            loop.call_soon_threadsafe(report, error)
            return
        self.state = "ready"
        loop.call_soon_threadsafe(report, None)
        while True:
            with self._cv:
                while not self._jobs:
                    self._cv.wait()
                job = self._jobs.popleft()
                if job is _STOP_WORKER:
                    break
                assert isinstance(job, _Job)  # noqa: S101 - only jobs and the sentinel queue
                self._active += 1
            started = time.monotonic()
            try:
                self._serve(job)
            except BaseException as exc:
                log.exception("engine_failure", engine=self.name)
                job.emit(EngineFailure("generation failed", engine=self.name, cause=repr(exc)))
            finally:
                with self._cv:
                    self._active -= 1
                self.requests_total += 1
                elapsed = time.monotonic() - started
                self._service_ewma_s = 0.8 * self._service_ewma_s + 0.2 * elapsed
        self._unload()

    def _load(self) -> None:
        from llama_cpp import Llama  # noqa: PLC0415 - heavy import, only on the engine thread

        if not self.path.is_file():
            raise ModelError(f"model file not found: {self.path}", path=str(self.path))
        self._progress(f"hashing {self.path.name}")
        sha = sha256_file(self.path)
        if self.expected_sha256 and sha != self.expected_sha256:
            raise ModelError(
                f"{self.path} has SHA-256 {sha}, the configuration pins {self.expected_sha256}",
                path=str(self.path))
        self._progress(f"loading {self.path.name} for {self.name}")
        threads = self.spec.resolved_threads()
        self._llm = Llama(
            model_path=str(self.path), n_ctx=self.spec.n_ctx, n_threads=threads,
            n_threads_batch=threads, n_gpu_layers=self.spec.n_gpu_layers,
            n_batch=self.spec.n_batch, verbose=False,
        )
        md: dict[str, str] = dict(self._llm.metadata)
        arch = md.get("general.architecture", "unknown")
        template = self._chat_template(md.get("tokenizer.chat_template"))
        bos = self._llm.token_bos()
        eos = self._llm.token_eos()
        self._bos_text = self._token_text(bos) if bos >= 0 else ""
        self._add_bos = md.get("tokenizer.ggml.add_bos_token", "true") != "false"
        self._renderer = ChatRenderer(template, bos_token=self._bos_text,
                                      eos_token=self._token_text(eos) if eos >= 0 else "")
        self.facts = ModelFacts(
            path=self.path, sha256=sha, size_bytes=self.path.stat().st_size, architecture=arch,
            quantization=quantization_name(md.get("general.file_type")),
            trained_context=int(self._llm._model.n_ctx_train()),
            context_length=self.spec.n_ctx, chat_template=template,
            description=str(self._llm._model.desc()),
        )
        self._progress(f"warming up {self.name}")
        warm = _Job(tokens=self.tokenize_prompt(_WARMUP_PROMPT),
                    params=SamplingParams(max_tokens=2, temperature=0.0), deadline=None,
                    loop=_NullLoop())  # type: ignore[arg-type]
        self._serve(warm)
        log.info("model_loaded", engine=self.name, file=self.path.name, sha256=sha,
                 architecture=arch, quantization=self.facts.quantization,
                 n_ctx=self.spec.n_ctx, n_threads=threads, n_gpu_layers=self.spec.n_gpu_layers,
                 chat_template=template is not None)

    def _chat_template(self, from_gguf: str | None) -> str | None:
        choice = self.spec.chat_template
        if choice == "auto":
            return from_gguf
        if choice == "plain":
            return None
        if choice in BUILTIN_TEMPLATES:
            return BUILTIN_TEMPLATES[choice]
        try:
            return Path(choice).read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelError(f"cannot read chat template {choice}: {exc.strerror}",
                             path=choice) from exc

    def _token_text(self, token: int) -> str:
        return bytes(self._llm.detokenize([token], special=True)).decode("utf-8", "replace")

    def _unload(self) -> None:
        if self._llm is not None:
            self._llm.close()
            self._llm = None

    def _serve(self, job: _Job) -> None:
        from llama_cpp import llama_vocab_is_eog  # noqa: PLC0415

        p = job.params
        if job.cancel.is_set():
            job.emit(Cancelled("cancelled before start"))
            return
        llm = self._llm
        vocab = llm._model.vocab
        llm.set_seed(p.seed if p.seed is not None else secrets.randbits(31))
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        stops = StopMatcher(p.stop)
        room = self.spec.n_ctx - len(job.tokens)
        limit = min(p.max_tokens, room)
        finish = "length"
        n = 0
        gen = llm.generate(job.tokens, top_k=_TOP_K, top_p=p.top_p, min_p=_MIN_P,
                           temp=p.temperature, repeat_penalty=1.0)
        try:
            for token in gen:
                if job.cancel.is_set():
                    job.emit(Cancelled("client cancelled"))
                    return
                if job.deadline is not None and time.monotonic() >= job.deadline:
                    job.emit(DeadlineExceeded("deadline passed during generation"))
                    return
                if llama_vocab_is_eog(vocab, token):
                    finish = "stop"
                    break
                n += 1
                job.sampled = n
                self.tokens_generated_total += 1
                text = stops.feed(decoder.decode(bytes(llm.detokenize([token]))))
                if text:
                    job.emit(TextPiece(text))
                if stops.stopped:
                    finish = "stop"
                    break
                if n >= limit:
                    break
        finally:
            gen.close()
        tail = stops.feed(decoder.decode(b"", final=True)) + stops.flush()
        if tail:
            job.emit(TextPiece(tail))
        job.emit(Finished(finish, prompt_tokens=len(job.tokens), completion_tokens=n))


class _NullLoop:
    """Event sink for the warm-up job, which runs before any caller exists."""

    def call_soon_threadsafe(self, *_args: object) -> None:
        return None

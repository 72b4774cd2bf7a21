"""One loaded model serving many sequences at once: continuous batching on llama.cpp.

A llama.cpp context is not thread-safe, so every call that touches it runs on this engine's own
thread. That thread runs one loop (the same shape as llama-server's):

1. admit waiting requests into free sequence slots (``models.<tier>.slots``);
2. build one batch: the next token of every decoding sequence, then prompt tokens of sequences
   still prefilling, chunked under a per-step budget (``prefill_chunk``) so a long prompt does
   not stall the streams already running;
3. one ``llama_decode`` for the whole batch;
4. sample each sequence that produced logits with its own sampler chain (temperature, top-p,
   seed), detokenize incrementally (never splitting a UTF-8 character), apply stop strings and
   max_tokens, and stream the text to its caller;
5. a finished or cancelled sequence frees its KV cells at once (``llama_memory_seq_rm``) and
   its slot goes to the next waiting request.

Callers see :meth:`LlamaEngine.generate`, an async iterator; text reaches the asyncio loop
through ``call_soon_threadsafe``. Cancellation (client gone, deadline) sets a flag checked before
every step, so a sequence stops within one token.
"""

from __future__ import annotations

import asyncio
import codecs
import heapq
import itertools
import secrets
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import structlog

from appliance.config import ModelConfig
from appliance.engine.chat import ChatRenderer
from appliance.engine.default_model import sha256_file
from appliance.engine.facts import ModelFacts, quantization_name
from appliance.engine.lowlevel import Context, Model, Sampler
from appliance.engine.stops import StopMatcher
from appliance.engine.structured import with_reasoning
from appliance.engine.types import (
    EngineState,
    Event,
    Finished,
    SamplingParams,
    TextPiece,
)
from appliance.errors import (
    ApplianceError,
    Cancelled,
    ConfigError,
    DeadlineExceeded,
    EngineFailure,
    ModelError,
    Overloaded,
    QueueTimeout,
    Unavailable,
)
from appliance.generation import BUILTIN_TEMPLATES, Message

log = structlog.get_logger("appliance.engine")

_WARMUP_PROMPT = "Hello"
# Compute buffers and allocator slack on top of weights and KV cache, as a share of the sum.
_MEMORY_MARGIN = 1.25


#: What the engine appends when a reasoning budget runs out.
CLOSE_REASONING = "\n</think>\n\n"


@dataclass
class _Job:
    tokens: list[int]
    params: SamplingParams
    deadline: float | None  # time.monotonic() value
    loop: asyncio.AbstractEventLoop | None
    #: 0 = interactive; higher waits behind lower. FIFO within one priority.
    priority: int = 0
    events: asyncio.Queue[Event | BaseException] = field(default_factory=asyncio.Queue)
    cancel: threading.Event = field(default_factory=threading.Event)
    queued_at: float = field(default_factory=time.monotonic)
    #: time.monotonic() by which the job must have a slot, else QueueTimeout (None: no limit).
    queue_deadline: float | None = None

    def emit(self, item: Event | BaseException) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.events.put_nowait, item)


@dataclass
class _Seq:
    """A job occupying a sequence slot of the context."""

    job: _Job
    seq_id: int
    sampler: Sampler
    limit: int
    started: float
    prefilled: int = 0
    pos: int = 0
    last: int = -1  # the last sampled token, decoded in the next step
    generated: int = 0
    logprob_sum: float = 0.0
    logprob_n: int = 0
    #: Reasoning budget tracking: "before" (the answer may still open <think>), "inside",
    #: "done"; tokens spent inside; recent raw text; tokens the engine feeds instead of sampling.
    think: str = "done"
    think_tokens: int = 0
    think_text: str = ""
    forced: list[int] = field(default_factory=list)
    decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    stops: StopMatcher = field(default_factory=lambda: StopMatcher(()))

    @property
    def prefilling(self) -> bool:
        return self.prefilled < len(self.job.tokens)


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
        self.state = EngineState.LOADING
        self.facts: ModelFacts | None = None
        self._progress = progress or (lambda _m: None)
        self._model: Model | None = None
        self._ctx: Context | None = None
        self._renderer: ChatRenderer | None = None
        self._bos_text = ""
        # Waiting requests as a heap of (priority, arrival, job): interactive before batch.
        self._pending: list[tuple[int, int, _Job]] = []
        self._arrivals = itertools.count()
        self._running: list[_Seq] = []
        self._free_ids = list(range(spec.slots))
        self._stopping = False
        self._cv = threading.Condition()
        #: time.monotonic() when the running engine step began (None between steps): a step
        #: that never returns (a hung decode) is what the server's hang check sees.
        self.step_started: float | None = None
        self._thread: threading.Thread | None = None
        self.tokens_generated_total = 0
        self.requests_total = 0
        self._service_ewma_s = 1.0
        #: The last service times, for the admission's tail estimate.
        self._service_recent: deque[float] = deque(maxlen=32)
        #: Requests holding this engine (from routing to their end); a reload retires the old
        #: engine only when none is left, so in-flight requests finish on the model they began.
        self._leases = 0
        self._released: asyncio.Event | None = None

    # ------------------------------------------------------------------ lifecycle

    def acquire(self) -> None:
        """A request starts using this engine (event loop thread only)."""
        self._leases += 1

    def release(self) -> None:
        self._leases -= 1
        if self._leases == 0 and self._released is not None:
            self._released.set()

    async def retire(self) -> None:
        """Stop after every request holding this engine has ended, then unload it."""
        if self._leases:
            self._released = asyncio.Event()
            await self._released.wait()
        await self.close()

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
            self._stopping = True
            self._cv.notify()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
        self.state = EngineState.STOPPED

    @property
    def active_jobs(self) -> int:
        return len(self._running)

    @property
    def queued_jobs(self) -> int:
        return len(self._pending)

    @property
    def free_slots(self) -> int:
        if self.state is not EngineState.READY:
            return 0
        return max(self.spec.slots - len(self._running), 0)

    # ------------------------------------------------------------------ prompt preparation

    @property
    def n_ctx(self) -> int:
        """Context of one sequence: prompt plus answer."""
        return self.spec.n_ctx

    @property
    def n_vocab(self) -> int:
        """Tokens in the model's vocabulary (token ids are below this)."""
        assert self._model is not None  # noqa: S101 - set before state becomes ready
        return self._model.n_vocab

    @property
    def chat_stops(self) -> tuple[str, ...]:
        """Stop strings every chat request gets: models.<tier>.stop, else the template's."""
        if self.spec.stop is not None:
            return self.spec.stop
        return self._renderer.stops if self._renderer is not None else ()

    def tokenize_prompt(self, prompt: str) -> list[int]:
        """Raw completion: special-token text in the prompt stays literal text."""
        assert self._model is not None  # noqa: S101 - set before state becomes ready
        return self._model.tokenize(prompt, add_bos=self._model.add_bos, special=False)

    def tokenize_chat(self, messages: Sequence[Message]) -> list[int]:
        assert self._model is not None  # noqa: S101 - set before state becomes ready
        assert self._renderer is not None  # noqa: S101
        safe = [Message(m.role, self._defuse_control_text(m.content)) for m in messages]
        text = self._renderer.render(safe)
        add_bos = self._model.add_bos and not (self._bos_text and
                                               text.startswith(self._bos_text))
        # The rendered template carries control tokens (<start_of_turn>...), so parse them.
        return self._model.tokenize(text, add_bos=add_bos, special=True)

    def _defuse_control_text(self, content: str) -> str:
        """Stop message content from forging control tokens.

        The rendered template is tokenized with special-token parsing on (it must be, for the
        template's own <start_of_turn>...), which would also turn a user's literal
        "<end_of_turn><start_of_turn>model" into real turn boundaries. Any control token's
        text found in the content gets a zero-width space after its first character: the
        model reads it as ordinary text, and the caller's words are otherwise unchanged.
        """
        model = self._model
        assert model is not None  # noqa: S101
        found = {model.piece(t, special=True).decode("utf-8", "replace")
                 for t in model.tokenize(content, add_bos=False, special=True)
                 if model.is_control(t)}
        for text in sorted(found, key=len, reverse=True):
            if len(text) > 1:
                content = content.replace(text, text[0] + "\u200b" + text[1:])
        return content

    # ------------------------------------------------------------------ generation

    def admission(self) -> tuple[bool, float]:
        """(queue full, predicted wait in seconds) for a request arriving now.

        Each running sequence is expected to finish one service time after it started (never
        below zero); waiting requests take the slots in that order, and every further round
        adds a service time. A request therefore waits for the slot that frees
        ``waiting + 1``-th, not for an average share of the slots. The service time is the
        90th percentile of the last 32 (or the EWMA, if higher): fallback.max_local_wait_ms
        is a bound for the tail, and with the mean a quarter of the locally admitted requests
        waited past it under overload (bench/overload.py).
        """
        now = time.monotonic()
        with self._cv:
            slots = self.spec.slots
            free = slots - len(self._running)
            waiting = len(self._pending)
            full = waiting >= self.spec.queue_limit + max(free, 0)
            ahead = waiting - free  # requests that start before this one, beyond free slots
            if ahead < 0:
                return full, 0.0
            recent = sorted(self._service_recent)
            service = max(self._service_ewma_s,
                          recent[int(0.9 * (len(recent) - 1))] if recent else 0.0)
            frees = sorted([max(service - (now - r.started), 0.0) for r in self._running]
                           + [0.0] * max(free, 0))
            rounds, index = divmod(ahead, slots)
            wait = frees[index] + rounds * service
        return full, wait

    def check_ready(self) -> None:
        if self.state is not EngineState.READY:
            raise Unavailable(f"model {self.name} is {self.state}", tiers=self.tiers)

    async def generate(self, tokens: list[int], params: SamplingParams,
                       deadline: float | None = None, priority: int = 0,
                       max_queue_wait: float | None = None) -> AsyncIterator[Event]:
        """Stream text pieces, then one :class:`Finished`. Closing the iterator cancels.
        ``max_queue_wait``: seconds the request may wait for a slot before
        :class:`QueueTimeout` (it has not started then; the caller may send it elsewhere)."""
        self.check_ready()
        job = _Job(tokens=tokens, params=params, deadline=deadline,
                   loop=asyncio.get_running_loop(), priority=priority)
        if max_queue_wait is not None:
            job.queue_deadline = job.queued_at + max_queue_wait
        with self._cv:
            waiting = len(self._pending)
            free = self.spec.slots - len(self._running)
            if waiting >= self.spec.queue_limit + max(free, 0):
                raise Overloaded(
                    f"model {self.name} is busy: {len(self._running)} running, {waiting} "
                    f"waiting (queue_limit {self.spec.queue_limit})",
                    retry_after=round(self._service_ewma_s * (waiting + 1)
                                      / self.spec.slots, 1))
            heapq.heappush(self._pending, (priority, next(self._arrivals), job))
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
            with self._cv:
                self._cv.notify()

    # ------------------------------------------------------------------ the engine thread

    def _run(self, loop: asyncio.AbstractEventLoop,
             report: Callable[[BaseException | None], None]) -> None:
        try:
            self._load()
        except BaseException as exc:  # noqa: BLE001 - reported to the awaiting coroutine
            self.state = EngineState.FAILED
            error = exc if isinstance(exc, ApplianceError) else ModelError(
                f"cannot load {self.path}: {exc}", path=str(self.path))
            self._unload()
            loop.call_soon_threadsafe(report, error)
            return
        self.state = EngineState.READY
        loop.call_soon_threadsafe(report, None)
        try:
            while self._next_step():
                try:
                    self.step_started = time.monotonic()
                    self._step()
                except BaseException as exc:
                    log.exception("engine_failure", engine=self.name)
                    for s in list(self._running):
                        self._finish(s, EngineFailure("generation failed", engine=self.name,
                                                      cause=repr(exc)))
                finally:
                    self.step_started = None
        finally:
            for s in list(self._running):
                self._finish(s, Unavailable("engine stopped"))
            self._unload()

    def _next_step(self) -> bool:
        """Admit waiting jobs into free slots; block while there is nothing to do."""
        with self._cv:
            while not self._stopping and not self._running and not self._pending:
                self._cv.wait()
            if self._stopping and not self._running and not self._pending:
                return False
            now = time.monotonic()
            if any(job.cancel.is_set() or (job.queue_deadline is not None
                                           and now >= job.queue_deadline)
                   for _, _, job in self._pending):
                # Requests abandoned while waiting, or out of queue allowance, leave the queue
                # now, not when a slot frees.
                kept = []
                for entry in self._pending:
                    job = entry[2]
                    if job.cancel.is_set():
                        job.emit(Cancelled("cancelled while waiting"))
                    elif job.queue_deadline is not None and now >= job.queue_deadline:
                        job.cancel.set()
                        job.emit(QueueTimeout(
                            f"model {self.name}: no slot within "
                            f"{now - job.queued_at:.1f} s", retry_after=1.0))
                    else:
                        kept.append(entry)
                self._pending = kept
                heapq.heapify(self._pending)
            while self._pending and self._free_ids:
                _, _, job = heapq.heappop(self._pending)
                if job.cancel.is_set():
                    job.emit(Cancelled("cancelled while waiting"))
                    continue
                self._admit(job, self._free_ids.pop())
            return True

    def _admit(self, job: _Job, seq_id: int) -> None:
        p = job.params
        seed = p.seed if p.seed is not None else secrets.randbits(31)
        think = "done" if p.reasoning_budget <= 0 or p.reasoning == "none" else \
            "inside" if p.reasoning == "think_tags_open" else "before"
        model = self._model
        assert model is not None  # noqa: S101
        try:
            sampler = Sampler(replace(p, grammar=with_reasoning(p.grammar, p.reasoning)), seed,
                              model.vocab, model.n_vocab)
        except EngineFailure as exc:
            with self._cv:
                self._free_ids.append(seq_id)
            job.emit(exc)
            return
        self._running.append(_Seq(
            job=job, seq_id=seq_id, sampler=sampler,
            limit=min(p.max_tokens, self.spec.n_ctx - len(job.tokens)),
            started=time.monotonic(), stops=StopMatcher(p.stop), think=think))

    def _step(self) -> None:
        ctx = self._ctx
        assert ctx is not None  # noqa: S101 - loaded before the loop starts
        now = time.monotonic()
        for s in list(self._running):
            if s.job.cancel.is_set():
                self._finish(s, Cancelled("client cancelled"))
            elif s.job.deadline is not None and now >= s.job.deadline:
                self._finish(s, DeadlineExceeded("deadline passed during generation"))
        if not self._running:
            return
        ctx.clear_batch()
        outputs: list[tuple[_Seq, int]] = []
        # Tokens go in ascending sequence order, the order llama.cpp's batch splitter expects
        # (see lowlevel.Context for the KV layout that lets any set of sequences batch).
        running = sorted(self._running, key=lambda s: s.seq_id)
        decoding = sum(1 for s in running if not s.prefilling)
        budget = min(ctx.n_batch - decoding, self.spec.prefill_chunk)
        for s in running:
            if not s.prefilling:
                outputs.append((s, ctx.add(s.last, s.pos, s.seq_id, logits=True)))
                s.pos += 1
                continue
            if budget <= 0:
                continue
            prompt = s.job.tokens
            take = min(budget, len(prompt) - s.prefilled)
            for k in range(take):
                last = s.prefilled + k == len(prompt) - 1
                index = ctx.add(prompt[s.prefilled + k], s.pos, s.seq_id, logits=last)
                s.pos += 1
                if last:
                    outputs.append((s, index))
            s.prefilled += take
            budget -= take
        ctx.decode()
        for s, index in outputs:
            if s.forced:
                self._advance_forced(s)
                continue
            token = s.sampler.sample(ctx, index)
            if s.job.params.logprobs:
                s.logprob_sum += ctx.token_logprob(index, token)
                s.logprob_n += 1
            self._advance(s, token)

    def _advance(self, s: _Seq, token: int) -> None:
        """Handle one sampled token of ``s``: emit its text or finish the sequence."""
        model = self._model
        assert model is not None  # noqa: S101
        self.tokens_generated_total += 1
        if model.is_eog(token):
            self._finish(s, "stop")
            return
        s.generated += 1
        s.last = token
        raw = s.decoder.decode(model.piece(token))
        if s.think != "done":
            raw = self._track_reasoning(s, raw)
        text = s.stops.feed(raw)
        if text:
            s.job.emit(TextPiece(text))
        if s.stops.stopped:
            self._finish(s, "stop")
        elif s.generated >= s.limit:
            self._finish(s, "length")

    def _track_reasoning(self, s: _Seq, raw: str) -> str:
        """Follow ``s`` into and out of <think>...</think>; when its reasoning budget is spent,
        append the closing tag to ``raw`` and queue its tokens to be fed instead of sampled."""
        s.think_text = (s.think_text + raw)[-64:]
        if s.think == "before":
            head = s.think_text.lstrip()
            if head.startswith("<think>"):
                s.think, s.think_text = "inside", head[len("<think>"):]
            elif head and not "<think>".startswith(head[:7]):
                s.think = "done"  # the answer does not open with reasoning
            return raw
        if "</think>" in s.think_text:
            s.think = "done"
            return raw
        s.think_tokens += 1
        if s.think_tokens < s.job.params.reasoning_budget:
            return raw
        assert self._model is not None  # noqa: S101
        s.think = "done"
        s.forced = self._model.tokenize(CLOSE_REASONING, add_bos=False, special=True)
        return raw + CLOSE_REASONING

    def _advance_forced(self, s: _Seq) -> None:
        """Feed the next forced token (its text was already emitted) instead of a sample."""
        s.last = s.forced.pop(0)
        if not s.sampler.accept(s.last):
            self._finish(s, EngineFailure("the output grammar rejects the closing reasoning "
                                          "tag the budget forced"))
            return
        s.generated += 1
        if s.generated >= s.limit:
            self._finish(s, "length")

    def _finish(self, s: _Seq, outcome: str | BaseException) -> None:
        # Free the slot before telling the caller, so a caller that has its last chunk never
        # sees its own request still counted as running.
        assert self._ctx is not None  # noqa: S101
        self._ctx.free_seq(s.seq_id)
        s.sampler.close()
        self.requests_total += 1
        elapsed = time.monotonic() - s.started
        self._service_ewma_s = 0.8 * self._service_ewma_s + 0.2 * elapsed
        self._service_recent.append(elapsed)
        with self._cv:
            self._running.remove(s)
            self._free_ids.append(s.seq_id)
        if isinstance(outcome, BaseException):
            s.job.emit(outcome)
        else:
            tail = s.stops.feed(s.decoder.decode(b"", final=True)) + s.stops.flush()
            if tail:
                s.job.emit(TextPiece(tail))
            s.job.emit(Finished(outcome, prompt_tokens=len(s.job.tokens),
                                completion_tokens=s.generated,
                                queue_wait_s=s.started - s.job.queued_at,
                                mean_logprob=s.logprob_sum / s.logprob_n
                                if s.logprob_n else None))

    # ------------------------------------------------------------------ loading

    def _load(self) -> None:
        if not self.path.is_file():
            raise ModelError(f"model file not found: {self.path}", path=str(self.path))
        self._progress(f"hashing {self.path.name}")
        sha = sha256_file(self.path)
        if self.expected_sha256 and sha != self.expected_sha256:
            raise ModelError(
                f"{self.path} has SHA-256 {sha}, the configuration pins {self.expected_sha256}",
                path=str(self.path))
        self._progress(f"loading {self.path.name} for {self.name}")
        spec = self.spec
        model = self._model = Model(self.path, spec.n_gpu_layers)
        self._check_memory(model)
        threads = spec.resolved_threads()
        self._ctx = Context(model, spec.slots, spec.n_ctx, spec.n_batch, threads)
        arch = model.meta("general.architecture") or "unknown"
        template = self._chat_template(model.meta("tokenizer.chat_template"))
        self._bos_text = model.piece(model.bos, special=True).decode("utf-8", "replace") \
            if model.bos >= 0 else ""
        eos_text = model.piece(model.eos, special=True).decode("utf-8", "replace") \
            if model.eos >= 0 else ""
        self._renderer = ChatRenderer(template, bos_token=self._bos_text, eos_token=eos_text)
        self.facts = ModelFacts(
            path=self.path, sha256=sha, size_bytes=self.path.stat().st_size, architecture=arch,
            quantization=quantization_name(model.meta("general.file_type")),
            trained_context=model.n_ctx_train, context_length=spec.n_ctx,
            chat_template=template, description=model.desc(),
        )
        self._progress(f"warming up {self.name}")
        warm = _Job(tokens=self.tokenize_prompt(_WARMUP_PROMPT),
                    params=SamplingParams(max_tokens=2, temperature=0.0), deadline=None,
                    loop=None)
        self._admit(warm, self._free_ids.pop())
        while self._running:
            self._step()
        log.info("model_loaded", engine=self.name, file=self.path.name, sha256=sha,
                 architecture=arch, quantization=self.facts.quantization, slots=spec.slots,
                 n_ctx_per_slot=spec.n_ctx, n_threads=threads,
                 n_gpu_layers=spec.n_gpu_layers, chat_template=template is not None)

    def _check_memory(self, model: Model) -> None:
        """Refuse a context whose KV cache cannot fit in this machine's memory."""
        spec = self.spec
        kv = model.kv_bytes_per_token() * spec.n_ctx * spec.slots
        need = int((self.path.stat().st_size + kv) * _MEMORY_MARGIN)
        available = _available_memory()
        if spec.n_gpu_layers == 0 and available is not None and need > available:
            tier = self.tiers[0]
            raise ConfigError(
                f"slots {spec.slots} x n_ctx {spec.n_ctx} needs about {need >> 20} MiB "
                f"(weights {self.path.stat().st_size >> 20} MiB + KV cache {kv >> 20} MiB "
                f"+ 25%), but only {available >> 20} MiB is available; lower "
                f"models.{tier}.slots or models.{tier}.n_ctx", key=f"models.{tier}.slots")

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

    def _unload(self) -> None:
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None
        if self._model is not None:
            self._model.close()
            self._model = None


def _available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, in bytes (None where there is no such file)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:  # noqa: PTH123
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None

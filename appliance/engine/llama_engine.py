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
5. a finished or cancelled sequence frees its slot for the next waiting request; its KV cells
   (prompt and answer) are saved to the prefix cache (:mod:`~appliance.engine.prefix_cache`)
   under its namespace, and a later prompt of the same namespace that starts with the same
   tokens gets those cells copied back and prefills only the rest. The cache lives in host
   memory, outside the KV buffer, so running work never waits for it and never attends
   over it.

Callers see :meth:`LlamaEngine.generate`, an async iterator; text reaches the asyncio loop
through ``call_soon_threadsafe``. Cancellation (client gone, deadline) sets a flag checked before
every step, so a sequence stops within one token.

The jobs around it live in their own modules: the waiting queue and admission estimate in
:mod:`~appliance.engine.scheduler`, loading in :mod:`~appliance.engine.loading`, the sampler
chain and grammar in :mod:`~appliance.engine.lowlevel`, the reasoning budget in
:mod:`~appliance.engine.budget`; this module is the thread, the batch step and the sequences.
"""

from __future__ import annotations

import asyncio
import codecs
import secrets
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import structlog

from appliance.config import ModelConfig, ReserveConfig
from appliance.engine.budget import CLOSE_REASONING, ReasoningBudget
from appliance.engine.chat import ChatRenderer
from appliance.engine.facts import ModelFacts
from appliance.engine.grammar_check import start_thread
from appliance.engine.loading import load_model
from appliance.engine.lowlevel import Context, Model, Sampler, SavedSeq
from appliance.engine.prefix_cache import PrefixCache
from appliance.engine.scheduler import Job, Outbox, Scheduler
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
    DeadlineExceeded,
    EngineFailure,
    ModelError,
    Unavailable,
    UnwritableFormat,
)
from appliance.generation import Message

log = structlog.get_logger("appliance.engine")

_WARMUP_PROMPT = "Hello"
#: A background sequence (a batch line) held this long in all runs on beside interactive
#: work to its end: a steady interactive load slows background work, never starves it.
MAX_HOLD_S = 10.0
#: How long the engine thread sleeps when every running sequence is held (a new request
#: wakes it at once).
HOLD_POLL_S = 0.005


def _never() -> bool:
    return False


@dataclass
class _Seq:
    """A job occupying a sequence slot of the context."""

    job: Job
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
    think: ReasoningBudget = field(default_factory=ReasoningBudget)
    #: Tokens the engine feeds instead of sampling (the closing tag a spent budget forces).
    forced: list[int] = field(default_factory=list)
    decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    stops: StopMatcher = field(default_factory=lambda: StopMatcher(()))
    #: Seconds this background sequence was held for interactive work, in all, and since
    #: when it is held now (None: it is not).
    held: float = 0.0
    held_at: float | None = None
    #: Tokens fed after the prompt (sampled or forced), in KV order: with the prompt, what
    #: the sequence's cells hold, for the prefix cache.
    fed: list[int] = field(default_factory=list)
    #: Prompt tokens whose cells came from the prefix cache.
    cached: int = 0
    #: Sliding-window cells saved each time the sequence reached a multiple of the window
    #: (Context.save_window), for the prefix cache: (length, saved window).
    windows: list[tuple[int, np.ndarray]] = field(default_factory=list)

    @property
    def prefilling(self) -> bool:
        return self.prefilled < len(self.job.tokens)


@dataclass(frozen=True)
class _Warm:
    """What a free slot's cells hold: a finished sequence of ``namespace`` (see
    :meth:`LlamaEngine._in_place`)."""

    namespace: str
    tokens: tuple[int, ...]
    windows: tuple[tuple[int, np.ndarray], ...]


#: Tokens host memory may share beyond a warm slot and still lose to it: prefilling a few
#: more tokens costs less than copying a thousand-token prefix back (2.3-3.2 ms). Each new
#: question after one system prompt shares a word or two more with the last question than
#: with the first (bench.vs_llama_server's "Question: number N"), which lost the slot every time.
WARM_SLACK = 4


def _shared(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` share (a binary search over slices compared
    in C: a dozen comparisons for a 1,000-token prompt, not a Python loop over it)."""
    ta, tb = tuple(a), tuple(b)
    lo, hi = 0, min(len(ta), len(tb))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ta[:mid] == tb[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


class LlamaEngine:
    """Serves one GGUF file for one or more tiers."""

    def __init__(self, spec: ModelConfig, path: Path, tiers: Sequence[str], *,  # noqa: PLR0913 - optional parts
                 expected_sha256: str | None = None,
                 progress: Callable[[str], None] | None = None,
                 reserve: ReserveConfig | None = None,
                 weight_of: Callable[[str], float] | None = None) -> None:
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
        #: Waiting requests and the admission estimate: interactive before batch.
        self._queue = Scheduler(self.name, spec.slots, spec.queue_limit, reserve=reserve,
                                weight_of=weight_of)
        self._running: list[_Seq] = []
        #: Text and ends produced in a step, handed to the callers when it ends.
        self._outbox = Outbox()
        self._free_ids = list(range(spec.slots))
        self._stopping = False
        self._cv = threading.Condition()
        #: time.monotonic() when the running engine step began (None between steps): a step
        #: that never returns (a hung decode) is what the server's hang check sees.
        self.step_started: float | None = None
        self._thread: threading.Thread | None = None
        self.tokens_generated_total = 0
        #: Prompt tokens prefilled (not taken from the prefix cache), and the seconds from
        #: admission to the first logits of the prompts they belong to: the engine's own
        #: prefill speed, without queueing or the pipeline before it.
        self.prefill_tokens_total = 0
        self.prefill_seconds_total = 0.0
        self.requests_total = 0
        #: Finished sequences' KV cells, by namespace (empty for a new or reloaded model):
        #: the bookkeeping, and each entry's cells saved to host memory (engine thread only).
        self.prefix_cache = PrefixCache(
            list(range(spec.prefix_cache_entries)) if spec.prefix_cache_cells else [],
            spec.prefix_cache_cells)
        self._saved: dict[int, SavedSeq] = {}
        #: Free slots whose finished sequence's cells are still in the KV buffer, by slot:
        #: the next request of its namespace placed there keeps the prefix it shares and
        #: drops the rest, as llama-server's slots do, instead of a copy from host memory
        #: (see :meth:`_reuse`). Only while nothing else runs (see :meth:`_next_step`).
        self._warm: dict[int, _Warm] = {}
        #: Requests whose prefix came from their slot's own cells (not from host memory).
        self.warm_reuses = 0
        #: Host memory those saved cells take (a window two entries share counts twice).
        self.prefix_cache_bytes = 0
        #: Requests holding this engine (from routing to their end); a reload retires the old
        #: engine only when none is left, so in-flight requests finish on the model they began.
        self._leases = 0
        self._released: asyncio.Event | None = None
        #: Whether interactive work is in flight (called from the engine thread each step):
        #: background sequences (batch lines) then keep their slot and cells but take no part
        #: in the steps, so an interactive request's prefill and decode share no step with
        #: them, and they go on where they stopped once it is over (ModelRegistry sets it).
        self.foreground: Callable[[], bool] = _never
        #: Engine rounds (steps, or polls while every sequence is held) in which background
        #: sequences were held.
        self.held_steps_total = 0
        #: Whether the last admission left a request other than background work waiting.
        self.starved = False

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

        # A large stack: llama.cpp parses output grammars on this thread, recursively.
        self._thread = start_thread(self._run, args=(loop, report), name=f"engine-{self.name}")
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
        return len(self._queue)

    def waiting_foreground(self) -> bool:
        """Whether a request other than background work was left waiting for a slot by the
        engine's last admission (every slot taken, or the free ones closed to it by reserved
        capacity; not one queued a moment before the engine thread admits it). Set by the
        engine thread once a step; read without its lock."""
        return self.starved

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

    def admission(self, owner: str = "", priority: int = 0) -> tuple[bool, float]:
        """(queue full, predicted wait in seconds) for a request of ``owner`` at ``priority``
        arriving now (:meth:`appliance.engine.scheduler.Scheduler.admission`)."""
        with self._cv:
            return self._queue.admission([s.started for s in self._running], owner, priority,
                                         self._running_others(), self._owners_running())

    def _owners_running(self) -> Counter[str]:
        """Running requests per owner (under the lock)."""
        return Counter(s.job.owner for s in self._running)

    def _running_others(self) -> int:
        """Running requests outside the reserved class (under the lock)."""
        q = self._queue
        return sum(1 for s in self._running if not q.reserved(s.job.owner, s.job.priority))

    def check_ready(self) -> None:
        if self.state is not EngineState.READY:
            raise Unavailable(f"model {self.name} is {self.state}", tiers=self.tiers,
                              engine_state=str(self.state))

    async def generate(self, tokens: list[int], params: SamplingParams,  # noqa: PLR0913 - queue options
                       deadline: float | None = None, priority: int = 0,
                       max_queue_wait: float | None = None, *,
                       owner: str = "", cache_namespace: str = "",
                       background: bool = False) -> AsyncIterator[Event]:
        """Stream text pieces, then one :class:`Finished`. Closing the iterator cancels.
        ``max_queue_wait``: seconds the request may wait for a slot before
        :class:`QueueTimeout` (it has not started then; the caller may send it elsewhere).
        ``owner``: the identity asking (the queue is fair across identities);
        ``cache_namespace``: whose cached prefixes it may reuse and add to ("" = none);
        ``background``: work that fills idle capacity, held between steps while
        :attr:`foreground` says interactive work is in flight."""
        self.check_ready()
        job = Job(tokens=tokens, params=params, deadline=deadline,
                  loop=asyncio.get_running_loop(), priority=priority, owner=owner,
                  cache_namespace=cache_namespace, queued_at=self._queue.clock(),
                  background=background)
        if max_queue_wait is not None:
            job.queue_deadline = job.queued_at + max_queue_wait
        with self._cv:
            self._queue.push(job, len(self._running), self._running_others(),
                             self._owners_running())
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
                    self._outbox.flush()
        finally:
            for s in list(self._running):
                self._finish(s, Unavailable("engine stopped"))
            self._outbox.flush()
            self._unload()

    def _next_step(self) -> bool:
        """Admit waiting jobs into free slots; block while there is nothing to do."""
        with self._cv:
            while not self._stopping and not self._running and not len(self._queue):
                self._cv.wait()
            if self._stopping and not self._running and not len(self._queue):
                return False
            self._queue.expire()
            while self._free_ids and (job := self._queue.pop(self._running_others())) \
                    is not None:
                self._admit(job, self._slot_for(job))
            if self._warm and self._running:
                self._cool()
            # Read without the lock by the batch worker (waiting_foreground).
            self.starved = self._queue.waiting_foreground()
            return True

    def _slot_for(self, job: Job) -> int:
        """A free slot for ``job`` (lock held): the warm one holding the longest prefix of
        its prompt in its namespace, else one with no cells, else any."""
        best, best_len = None, 0
        ns = job.cache_namespace
        for seq_id in self._free_ids:
            warm = self._warm.get(seq_id)
            if warm is not None and ns and warm.namespace == ns:
                length = _shared(warm.tokens, job.tokens)
                if length > best_len:
                    best, best_len = seq_id, length
        if best is None:
            cold = [i for i in self._free_ids if i not in self._warm]
            best = cold[-1] if cold else self._free_ids[-1]
        self._free_ids.remove(best)
        return best

    def _cool(self) -> None:
        """Free the cells of every warm slot: llama.cpp's attention spans every used cell of
        the unified buffer, so cells kept for later would slow the sequences running now
        (3-11 % with 4,096 held, bench/held_cells.py). Their copies in host memory stay."""
        assert self._ctx is not None  # noqa: S101
        for seq_id in self._warm:
            self._ctx.free_seq(seq_id)
        self._warm.clear()

    def _admit(self, job: Job, seq_id: int) -> None:
        p = job.params
        seed = p.seed if p.seed is not None else secrets.randbits(31)
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
        s = _Seq(job=job, seq_id=seq_id, sampler=sampler,
                 limit=min(p.max_tokens, self.spec.n_ctx - len(job.tokens)),
                 started=time.monotonic(), stops=StopMatcher(p.stop),
                 think=ReasoningBudget.of(p))
        self._reuse(s)
        self._running.append(s)

    def _reuse(self, s: _Seq) -> None:
        """Start ``s`` on a cached prefix of its prompt, when its namespace has one (at
        least the last prompt token is prefilled: its logits give the first sample): from
        the cells its slot still holds when they are its namespace's and share at least as
        much, else from host memory."""
        assert self._ctx is not None  # noqa: S101
        warm = self._warm.pop(s.seq_id, None)
        ns = s.job.cache_namespace
        if not ns or not self.prefix_cache.max_cells:
            if warm is not None:
                self._ctx.free_seq(s.seq_id)
            return
        hit = self.prefix_cache.lookup(ns, s.job.tokens)
        length = min(hit.length, len(s.job.tokens) - 1) if hit is not None else 0
        if warm is not None and self._in_place(s, warm, length):
            return
        if hit is None or length < self.prefix_cache.min_tokens:
            return
        saved = self._saved[hit.entry.key]
        if not self._ctx.load_seq(s.seq_id, saved, length):
            log.warning("prefix_cache_restore_failed", engine=self.name, tokens=length)
            return
        s.prefilled = s.pos = s.cached = length
        s.windows = [(end, w) for end, w in saved.windows if end <= length]
        self.prefix_cache.count_reuse(length)

    def _in_place(self, s: _Seq, warm: _Warm, cached: int) -> bool:
        """Start ``s`` on the prefix its slot's cells share with its prompt, when they are
        its namespace's, share at least ``cached`` tokens (the host memory's best) less
        :data:`WARM_SLACK`, and
        hold the whole window the next position attends to (a sliding-window layer keeps
        a finished sequence's old cells only until the buffer needs them: llama-server's
        check, pos_min <= n_past - n_swa). Otherwise the slot's cells are freed."""
        assert self._ctx is not None  # noqa: S101
        length = min(_shared(warm.tokens, s.job.tokens), len(s.job.tokens) - 1)
        ctx = self._ctx
        ours = warm.namespace == s.job.cache_namespace and length >= max(
            cached - WARM_SLACK, self.prefix_cache.min_tokens)
        # trim_seq is False where the memory cannot drop part of a sequence (recurrent state)
        if ours and ctx.trim_seq(s.seq_id, length) and (
                not ctx.n_swa or 0 <= ctx.seq_pos_min(s.seq_id) <= max(0, length - ctx.n_swa)):
            s.prefilled = s.pos = s.cached = length
            s.windows = [(end, w) for end, w in warm.windows if end <= length]
            self.prefix_cache.count_reuse(length)
            self.warm_reuses += 1
            return True
        ctx.free_seq(s.seq_id)
        return False

    def _keep(self, s: _Seq) -> _Warm | None:
        """Save the cells of a finished sequence to the prefix cache (or let them go); what
        its slot's cells hold, for a warm slot (None: nothing to keep).

        The cache lives in host memory, not in the KV buffer: llama.cpp's attention spans
        every used cell of the unified buffer, so cells held there for later would slow
        every other prompt's prefill (by 3-11 % with 4,096 held, bench/held_cells.py). A hit
        copies the cells back (a few milliseconds for a thousand tokens), as llama-server's
        own prompt cache (``--cache-ram``) does."""
        ns = s.job.cache_namespace
        assert self._ctx is not None  # noqa: S101
        if not ns or not self.prefix_cache.max_cells or s.pos == 0:
            return None
        tokens = (*s.job.tokens, *s.fed)[:s.pos]
        warm = _Warm(ns, tokens, tuple(s.windows))
        dst, evicted = self.prefix_cache.store(ns, tokens)
        for entry in evicted:
            self.prefix_cache_bytes -= self._saved.pop(entry).nbytes
        if dst is None:
            return warm
        state = self._ctx.save_seq(s.seq_id)
        if state is None:
            log.warning("prefix_cache_save_failed", engine=self.name, tokens=len(tokens))
            self.prefix_cache.drop(dst)
            return warm
        saved = SavedSeq(len(tokens), state, warm.windows)
        self._saved[dst] = saved
        self.prefix_cache_bytes += saved.nbytes
        return warm

    def _windowed(self, s: _Seq) -> bool:
        """Whether ``s`` saves its sliding-window cells on the way (for the prefix cache)."""
        assert self._ctx is not None  # noqa: S101
        return bool(self._ctx.n_swa and s.job.cache_namespace and self.prefix_cache.max_cells)

    def _save_windows(self, ctx: Context, placed: list[_Seq]) -> None:
        """Save the window of every sequence the last batch took to a multiple of it: the
        cells a later restore of a shorter prefix needs, which the next batch may reuse."""
        for s in placed:
            if s.pos % ctx.n_swa == 0 and s.pos <= self.prefix_cache.max_cells:
                window = ctx.save_window(s.seq_id)
                if window is None:  # the cache will not restore past it; nothing else breaks
                    log.warning("prefix_cache_window_save_failed", engine=self.name)
                else:
                    s.windows.append((s.pos, window))

    def _step(self) -> None:
        """One engine step: end cancelled and expired sequences, decode one batch, and
        sample every sequence that produced logits."""
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
        placed: list[_Seq] = []
        held = self._held(now)
        outputs = self._fill_batch(ctx, placed, held)
        if not ctx.batch_size:
            # Every running sequence is held: wait for interactive work to end (or a new
            # request to arrive), without spinning the CPU it needs.
            with self._cv:
                self._cv.wait(HOLD_POLL_S)
            return
        ctx.decode()
        decoded = time.monotonic()
        self._save_windows(ctx, placed)
        for s, index in outputs:
            if not s.fed:  # its prompt's last token: the prefill is done
                self.prefill_tokens_total += len(s.job.tokens) - s.cached
                self.prefill_seconds_total += decoded - s.started - s.held
            if s.forced:
                self._advance_forced(s)
                continue
            try:
                token = s.sampler.sample(ctx, index)
            except (UnwritableFormat, EngineFailure) as exc:
                # this sequence's grammar, not the batch: the others go on
                log.warning("sequence_failed", engine=self.name, error_type=type(exc).__name__)
                self._finish(s, exc)
                continue
            if s.job.params.logprobs:
                s.logprob_sum += ctx.token_logprob(index, token)
                s.logprob_n += 1
            self._advance(s, token)

    def _held(self, now: float) -> frozenset[int]:
        """The background sequences this step leaves out (their seq ids): all of them while
        interactive work is in flight, but those held MAX_HOLD_S already (none while the
        engine stops: it ends once its sequences have)."""
        background = [s for s in self._running if s.job.background and s.held < MAX_HOLD_S]
        # Nor while a request waits for a slot (every slot taken, or closed to it by reserved
        # capacity): a held line would keep its slot from it; running, it ends and frees it
        # (and the batch worker cancels it, starved).
        if not background or self._stopping or self.starved or not self.foreground():
            for s in background:
                s.held_at = None
            return frozenset()
        self.held_steps_total += 1
        for s in background:
            if s.held_at is not None:
                s.held += now - s.held_at
            s.held_at = now
        return frozenset(s.seq_id for s in background)

    def _fill_batch(self, ctx: Context, placed: list[_Seq],
                    held: frozenset[int] = frozenset()) -> list[tuple[_Seq, int]]:
        """The next token of every decoding sequence, then prompt tokens of the ones still
        prefilling, under the step's prefill budget; returns (sequence, logits index) for
        each sequence that will have logits to sample. ``placed`` gets the sequences that
        save sliding windows for the prefix cache (those that reach a multiple of the
        window in this batch save it after the decode): a prefill chunk stops there."""
        ctx.clear_batch()
        outputs: list[tuple[_Seq, int]] = []
        # Tokens go in ascending sequence order, the order llama.cpp's batch splitter expects
        # (see lowlevel.Context for the KV layout that lets any set of sequences batch).
        running = sorted((s for s in self._running if s.seq_id not in held),
                         key=lambda s: s.seq_id)
        windowed = self._windowed
        decoding = sum(1 for s in running if not s.prefilling)
        # prefill_chunk keeps a long prompt from stalling running streams; with none
        # decoding there is nothing to stall, and a whole batch per step prefills faster
        # (fewer llama_decode calls for the same tokens).
        budget = min(ctx.n_batch - decoding,
                     self.spec.prefill_chunk if decoding else ctx.n_batch)
        # llama.cpp computes a batch in passes of n_ubatch tokens, each pass reading all the
        # weights: decoding tokens plus a chunk just over a pass (8 + 256 on 256) would buy
        # a whole extra pass for a few tokens. The chunk gives them up instead.
        spill = (decoding + budget) % ctx.n_ubatch
        if decoding and decoding + budget > ctx.n_ubatch and spill < budget:
            budget -= spill
        for s in running:
            if not s.prefilling:
                outputs.append((s, ctx.add(s.last, s.pos, s.seq_id, logits=True)))
                s.fed.append(s.last)
                s.pos += 1
                if windowed(s):
                    placed.append(s)
                continue
            if budget <= 0:
                continue
            prompt = s.job.tokens
            take = min(budget, len(prompt) - s.prefilled)
            if windowed(s):
                take = min(take, ctx.n_swa - s.pos % ctx.n_swa)
                placed.append(s)
            for k in range(take):
                last = s.prefilled + k == len(prompt) - 1
                index = ctx.add(prompt[s.prefilled + k], s.pos, s.seq_id, logits=last)
                s.pos += 1
                if last:
                    outputs.append((s, index))
            s.prefilled += take
            budget -= take
        return outputs

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
        if s.think.active and s.think.spend(raw):
            # The budget is spent: the engine writes the closing tag and feeds its tokens
            # instead of sampling, so the model goes on to the answer.
            s.forced = model.tokenize(CLOSE_REASONING, add_bos=False, special=True)
            raw += CLOSE_REASONING
        text = s.stops.feed(raw)
        if text:
            self._outbox.put(s.job, TextPiece(text))
        if s.stops.stopped:
            self._finish(s, "stop")
        elif s.generated >= s.limit:
            self._finish(s, "length")

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
        # after a failed decode the cells are suspect
        warm = None if isinstance(outcome, EngineFailure) else self._keep(s)
        if warm is None:
            self._ctx.free_seq(s.seq_id)
        s.sampler.close()
        self.requests_total += 1
        with self._cv:
            if warm is not None:
                self._warm[s.seq_id] = warm
            # the time it was held is not service: it would tell callers of longer waits
            self._queue.finished(time.monotonic() - s.started - s.held)
            self._running.remove(s)
            self._free_ids.append(s.seq_id)
        if isinstance(outcome, BaseException):
            self._outbox.put(s.job, outcome)
        else:
            tail = s.stops.feed(s.decoder.decode(b"", final=True)) + s.stops.flush()
            if tail:
                self._outbox.put(s.job, TextPiece(tail))
            self._outbox.put(s.job, Finished(
                outcome, prompt_tokens=len(s.job.tokens), completion_tokens=s.generated,
                queue_wait_s=s.started - s.job.queued_at,
                mean_logprob=s.logprob_sum / s.logprob_n if s.logprob_n else None,
                cached_tokens=s.cached))

    # ------------------------------------------------------------------ loading

    def _load(self) -> None:
        loaded = load_model(self.spec, self.path, self.tiers, self.expected_sha256,
                            self._progress)
        self._model, self._ctx, self._renderer = loaded.model, loaded.ctx, loaded.renderer
        self._bos_text, self.facts = loaded.bos_text, loaded.facts
        self._progress(f"warming up {self.name}")
        warm = Job(tokens=self.tokenize_prompt(_WARMUP_PROMPT),
                   params=SamplingParams(max_tokens=2, temperature=0.0), deadline=None,
                   loop=None)
        self._admit(warm, self._free_ids.pop())
        while self._running:
            self._step()
        f = loaded.facts
        log.info("model_loaded", engine=self.name, file=self.path.name, sha256=f.sha256,
                 architecture=f.architecture, quantization=f.quantization,
                 slots=self.spec.slots, n_ctx_per_slot=self.spec.n_ctx,
                 n_threads=loaded.threads, n_gpu_layers=self.spec.n_gpu_layers,
                 widened_q5_0_tensors=loaded.widened_tensors,
                 widened_bytes=loaded.widened_bytes,
                 chat_template=f.chat_template is not None)

    def _unload(self) -> None:
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None
        if self._model is not None:
            self._model.close()
            self._model = None

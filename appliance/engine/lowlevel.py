"""Thin, typed wrappers over llama-cpp-python's low-level ctypes bindings (``llama_cpp``).

Only the engine thread touches a :class:`Context`; :meth:`Model.tokenize` and
:meth:`Model.piece` read the vocabulary only, which llama.cpp allows from any thread.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp as ll
import numpy as np
import structlog

from appliance.engine.types import SamplerSpec
from appliance.errors import EngineFailure, ModelError, UnwritableFormat

log = structlog.get_logger("appliance.llama")

_backend_lock = threading.Lock()
_backend_ready = False
# enum ggml_log_level in the bundled ggml: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5
# (llama_cpp/_logger.py still documents the older order). Only WARN and ERROR are kept:
# without a callback llama.cpp prints hundreds of lines per model load to stderr.
_WARN, _ERROR = 3, 4


@ll.llama_log_callback  # type: ignore[untyped-decorator]
def _log_callback(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
    if level in (_WARN, _ERROR):
        message = text.decode("utf-8", "replace").strip()
        if message:
            (log.error if level == _ERROR else log.warning)("llama_cpp", message=message)


def _backend() -> None:
    global _backend_ready  # noqa: PLW0603 - llama_backend_init must run once per process
    with _backend_lock:
        if not _backend_ready:
            ll.llama_log_set(_log_callback, ctypes.c_void_p(0))
            ll.llama_backend_init()
            _backend_ready = True


class Model:
    def __init__(self, path: Path, n_gpu_layers: int, *, use_mmap: bool = True) -> None:
        _backend()
        params = ll.llama_model_default_params()
        # Without mmap llama.cpp reads the weights into its own buffers: the file (a memfd
        # for a widened model) may be closed once the model is loaded.
        params.use_mmap = use_mmap
        # -1 means "all layers"; llama.cpp clamps any count above the model's layer count.
        params.n_gpu_layers = 2**31 - 1 if n_gpu_layers < 0 else n_gpu_layers
        self.ptr = ll.llama_model_load_from_file(str(path).encode(), params)
        if not self.ptr:
            raise ModelError(f"llama.cpp could not load {path} (not a GGUF it can read?)",
                             path=str(path))
        self.vocab = ll.llama_model_get_vocab(self.ptr)
        self.bos = int(ll.llama_vocab_bos(self.vocab))
        self.eos = int(ll.llama_vocab_eos(self.vocab))
        self.add_bos = bool(ll.llama_vocab_get_add_bos(self.vocab))
        self.n_vocab = int(ll.llama_vocab_n_tokens(self.vocab))

    def close(self) -> None:
        if self.ptr:
            ll.llama_model_free(self.ptr)
            self.ptr = None

    def meta(self, key: str) -> str | None:
        buf = ctypes.create_string_buffer(1 << 16)
        n = ll.llama_model_meta_val_str(self.ptr, key.encode(), buf, len(buf))
        if n < 0:
            return None
        if n >= len(buf):  # a long chat template: ask again with room for all of it
            buf = ctypes.create_string_buffer(n + 1)
            ll.llama_model_meta_val_str(self.ptr, key.encode(), buf, len(buf))
        return buf.value.decode("utf-8", "replace")

    def desc(self) -> str:
        buf = ctypes.create_string_buffer(256)
        ll.llama_model_desc(self.ptr, buf, len(buf))
        return buf.value.decode("utf-8", "replace")

    @property
    def n_ctx_train(self) -> int:
        return int(ll.llama_model_n_ctx_train(self.ptr))

    @property
    def n_layer(self) -> int:
        return int(ll.llama_model_n_layer(self.ptr))

    def kv_bytes_per_token(self) -> int:
        """K and V cache bytes for one token of one sequence (f16 cache, all layers)."""
        arch = self.meta("general.architecture") or ""
        n_embd = int(ll.llama_model_n_embd(self.ptr))
        n_head = max(int(ll.llama_model_n_head(self.ptr)), 1)
        n_head_kv = max(int(ll.llama_model_n_head_kv(self.ptr)), 1)
        k_len = int(self.meta(f"{arch}.attention.key_length") or n_embd // n_head)
        v_len = int(self.meta(f"{arch}.attention.value_length") or n_embd // n_head)
        return self.n_layer * n_head_kv * (k_len + v_len) * 2

    def tokenize(self, text: str, add_bos: bool, special: bool) -> list[int]:
        data = text.encode("utf-8")
        cap = len(data) + 8
        arr = (ll.llama_token * cap)()
        n = ll.llama_tokenize(self.vocab, data, len(data), arr, cap, add_bos, special)
        if n < 0:
            cap = -n
            arr = (ll.llama_token * cap)()
            n = ll.llama_tokenize(self.vocab, data, len(data), arr, cap, add_bos, special)
        if n < 0:
            raise EngineFailure("tokenization failed")
        return list(arr[:n])

    def piece(self, token: int, special: bool = False) -> bytes:
        buf = ctypes.create_string_buffer(64)
        n = ll.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, special)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = ll.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, special)
        return buf.raw[:n]

    def is_control(self, token: int) -> bool:
        return bool(ll.llama_vocab_get_attr(self.vocab, token) & ll.LLAMA_TOKEN_ATTR_CONTROL)

    def is_eog(self, token: int) -> bool:
        return bool(ll.llama_vocab_is_eog(self.vocab, token))


class Context:
    """One llama.cpp context holding ``n_seq`` independent sequences of ``n_ctx_seq`` cells."""

    def __init__(self, model: Model, n_seq: int, n_ctx_seq: int, n_batch: int,  # noqa: PLR0913
                 n_threads: int, *, n_ubatch: int | None = None) -> None:
        params = ll.llama_context_default_params()
        params.n_ctx = n_seq * n_ctx_seq
        # n_batch: most tokens in one decode() call; llama.cpp computes them in passes of
        # n_ubatch (its micro-batch; default: one pass per call).
        params.n_batch = n_batch
        params.n_ubatch = min(n_ubatch or n_batch, n_batch)
        # One sequence id more than the slots: scratch space for restoring saved windows
        # (:meth:`load_seq`); it never holds cells between calls.
        params.n_seq_max = n_seq + 1
        params.n_threads = n_threads
        params.n_threads_batch = n_threads
        # One KV buffer shared by all sequences. With a stream per sequence (kv_unified false)
        # llama.cpp batches only sequences with contiguous ids and decodes any other set one
        # micro-batch per sequence: 4 streams on ids {0,2,4,6} ran at 54 tok/s against 85 on
        # {0,1,2,3}; unified runs both at 88 (Gemma 3 270M, 2 threads). Each sequence is
        # still limited to n_ctx_seq by the pipeline's prompt + max_tokens check. Attention
        # spans every used cell of the buffer, so nothing but running sequences lives in it
        # (the prefix cache keeps saved sequences in host memory: save_seq/load_seq).
        params.kv_unified = True
        # Sliding-window layers (Gemma 3) keep only their window, as llama-server's do: the
        # prefix cache saves the window cells a shorter prefix needs while they exist
        # (save_window), so it needs no layer to keep every cell.
        params.swa_full = False
        params.no_perf = True
        self.ptr = ll.llama_init_from_model(model.ptr, params)
        if not self.ptr:
            raise ModelError("llama.cpp could not create a context (out of memory?)")
        self.n_batch = n_batch
        self.n_ubatch = int(params.n_ubatch)
        self.n_vocab = model.n_vocab
        self._mem = ll.llama_get_memory(self.ptr)
        self._batch = ll.llama_batch_init(n_batch, 0, 1)
        self._n = 0
        self._scratch = n_seq
        #: Positions a sliding-window layer attends back (0: no such layers). A sequence
        #: saved at length n keeps window cells for positions from n - n_swa only.
        self.n_swa = int(ll.llama_model_n_swa(model.ptr))

    def close(self) -> None:
        if self.ptr:
            ll.llama_batch_free(self._batch)
            ll.llama_free(self.ptr)
            self.ptr = None

    def clear_batch(self) -> None:
        self._n = 0

    def add(self, token: int, pos: int, seq: int, logits: bool) -> int:
        """Append a token to the batch; returns its index (for sampling when ``logits``)."""
        b, i = self._batch, self._n
        b.token[i] = token
        b.pos[i] = pos
        b.n_seq_id[i] = 1
        b.seq_id[i][0] = seq
        b.logits[i] = 1 if logits else 0
        self._n += 1
        return i

    @property
    def batch_size(self) -> int:
        return self._n

    def decode(self) -> None:
        self._batch.n_tokens = self._n
        rc = ll.llama_decode(self.ptr, self._batch)
        if rc != 0:
            raise EngineFailure("llama_decode failed", rc=rc, n_tokens=self._n)

    def logits(self, index: int) -> np.ndarray:
        """The raw logits at batch ``index`` (a view of llama.cpp's buffer: valid until the
        next decode)."""
        ptr = ll.llama_get_logits_ith(self.ptr, index)
        if not ptr:
            raise EngineFailure("llama.cpp has no logits for this batch index", index=index)
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,))

    def token_logprob(self, index: int, token: int) -> float:
        """log p(token) under the model's own distribution (softmax of the raw logits at
        batch ``index``, temperature 1, before any sampler), as OpenAI-style logprobs report."""
        logits = self.logits(index)
        top = float(logits.max())
        return float(logits[token]) - top - float(np.log(np.exp(logits - top).sum()))

    def free_seq(self, seq: int) -> None:
        ll.llama_memory_seq_rm(self._mem, seq, -1, -1)

    def trim_seq(self, seq: int, keep: int) -> bool:
        """Drop ``seq``'s cells from position ``keep`` on; False when the memory cannot drop
        part of a sequence (a recurrent model's state: then nothing is dropped)."""
        return bool(ll.llama_memory_seq_rm(self._mem, seq, keep, -1))

    def seq_pos_min(self, seq: int) -> int:
        """The lowest position ``seq`` still has cells for in every layer (-1: none): a
        sliding-window layer lets cells its window no longer reaches be reused."""
        return int(ll.llama_memory_seq_pos_min(self._mem, seq))

    def save_seq(self, seq: int) -> np.ndarray | None:
        """A copy of ``seq``'s KV cells in host memory (for :meth:`load_seq`), or None when
        llama.cpp cannot write it. Sliding-window layers are saved for the last ``n_swa``
        positions only (llama.cpp writes no cell the window already masks): restoring a
        shorter prefix needs the windows :meth:`save_window` took on the way."""
        return self._save(seq, ll.LLAMA_STATE_SEQ_FLAGS_NONE)

    def save_window(self, seq: int) -> np.ndarray | None:
        """The sliding-window layers' cells of ``seq`` alone: its last ``n_swa`` positions.
        Taken when a sequence has just reached a multiple of ``n_swa`` (before any later
        batch may reuse cells the window no longer needs), these windows tile every
        position, and :meth:`load_seq` rebuilds any prefix from them."""
        return self._save(seq, ll.LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY)

    def _save(self, seq: int, flags: int) -> np.ndarray | None:
        size = int(ll.llama_state_seq_get_size_ext(self.ptr, seq, flags))
        if size <= 0:
            return None
        # numpy leaves the buffer uninitialised: a ctypes array would zero it first, which
        # took 8 of 11 ms for a 1,369-token sequence's 12 MB.
        buf = np.empty(size, dtype=np.uint8)
        if int(ll.llama_state_seq_get_data_ext(self.ptr, _bytes_p(buf), size, seq, flags)) != size:
            return None
        return buf

    def load_seq(self, seq: int, saved: SavedSeq, keep: int) -> bool:
        """Give ``seq`` (empty) positions [0, keep) of a saved sequence: its cells from
        :meth:`save_seq`, and, where ``keep`` reaches back past their window, the window cells
        of the windows saved on the way. False (and ``seq`` empty) when llama.cpp cannot
        restore them (no free cells) or a window the prefix needs is missing: the caller
        prefills instead."""
        if keep <= 0 or keep > saved.length:
            return False
        if int(ll.llama_state_seq_set_data(self.ptr, _bytes_p(saved.state), len(saved.state),
                                           seq)) <= 0:
            self.free_seq(seq)
            return False
        if not self.trim_seq(seq, keep):
            self.free_seq(seq)
            return False
        if self.n_swa:
            # A token at position keep attends back to keep - n_swa + 1; the saved state's
            # window starts at length - n_swa (and now ends at keep). Fill the gap from the
            # windows that tile it, cut so that no position is held twice.
            need = max(0, keep - self.n_swa + 1)
            have = min(keep, max(0, saved.length - self.n_swa))
            pieces = []
            for end, window in reversed(saved.windows):
                low = end - self.n_swa
                if have <= need or end < have:
                    break  # covered, or a gap no window fills
                if low < have:
                    pieces.append((window, max(need, low), have))
                    have = max(need, low)
            if have > need:
                log.warning("prefix_cache_window_missing", keep=keep, missing_from=need,
                            missing_to=have)
                self.free_seq(seq)
                return False
            # In ascending order: the cells land in position order, as a fresh prefill's do
            # (attention sums over cells in buffer order; another order rounds differently).
            for window, lo, hi in reversed(pieces):
                if not self._merge_window(seq, window, lo, hi):
                    self.free_seq(seq)
                    return False
        return True

    def _merge_window(self, seq: int, window: np.ndarray, lo: int, hi: int) -> bool:
        """Add positions [lo, hi) of a saved window to ``seq``'s sliding-window layers."""
        scratch = self._scratch
        ok = int(ll.llama_state_seq_set_data_ext(
            self.ptr, _bytes_p(window), len(window), scratch,
            ll.LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY)) > 0
        if ok:
            ll.llama_memory_seq_rm(self._mem, scratch, hi, -1)
            ll.llama_memory_seq_rm(self._mem, scratch, 0, lo)
            ll.llama_memory_seq_cp(self._mem, scratch, seq, -1, -1)
        self.free_seq(scratch)
        return ok


@dataclass(frozen=True)
class SavedSeq:
    """A sequence's KV cells in host memory: ``state`` (:meth:`Context.save_seq` at
    ``length``) and ``windows``, (end, :meth:`Context.save_window` taken at that length),
    ascending by end, from one multiple of the window to the next."""

    length: int
    state: np.ndarray
    windows: tuple[tuple[int, np.ndarray], ...] = ()

    @property
    def nbytes(self) -> int:
        return len(self.state) + sum(len(w) for _, w in self.windows)


def _bytes_p(buf: np.ndarray) -> Any:
    return buf.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))


#: How many of the most likely tokens the grammar checks before it checks them all.
GRAMMAR_SHORTLIST = 256
_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])


class Sampler:
    """A per-sequence sampler chain: logit bias, penalties, then greedy at temperature 0,
    else top-k, top-p, min-p, temperature and a seeded distribution (llama-cpp-python's
    chain, with each stage configurable and left out when off).

    A grammar is applied the way llama.cpp's own common sampler does: sample with the chain,
    check the one token against the grammar, and only when it is rejected sample again among
    the tokens the grammar allows — first among the most likely few hundred, the whole
    vocabulary (262,144 tokens for Gemma 3) only when none of those fit. The grammar rarely
    sees most of the vocabulary, which is what makes it cheap.
    """

    def __init__(self, spec: SamplerSpec, seed: int, vocab: Any, n_vocab: int) -> None:
        self.n_vocab = n_vocab
        self.grammar: Any = None
        self.ptr: Any = ll.llama_sampler_chain_init(ll.llama_sampler_chain_default_params())
        add = ll.llama_sampler_chain_add
        if spec.logit_bias:
            arr = (ll.llama_logit_bias * len(spec.logit_bias))(
                *(ll.llama_logit_bias(token, bias) for token, bias in spec.logit_bias))
            add(self.ptr, ll.llama_sampler_init_logit_bias(n_vocab, len(spec.logit_bias), arr))
        #: Whether the chain keeps state from the tokens it accepts (the penalties' window).
        self._stateful = (spec.repetition_penalty != 1.0 or spec.frequency_penalty != 0.0
                          or spec.presence_penalty != 0.0) and spec.penalty_last_n != 0
        if self._stateful:
            add(self.ptr, ll.llama_sampler_init_penalties(
                n_vocab, spec.penalty_last_n, spec.repetition_penalty, spec.frequency_penalty,
                spec.presence_penalty))
        #: The chain is greedy alone: the token is the first highest logit, which numpy finds
        #: in a tenth of the time llama_sampler_sample takes to copy the 262,144 logits of
        #: Gemma 3 into candidates and scan them (per sequence and token, on the engine
        #: thread between two decodes: 8 streams paid it 8 times a step).
        self.argmax = spec.temperature == 0.0 and not spec.logit_bias and not self._stateful \
            and not spec.grammar
        if spec.temperature == 0.0:
            add(self.ptr, ll.llama_sampler_init_greedy())
        else:
            if spec.top_k > 0:
                add(self.ptr, ll.llama_sampler_init_top_k(spec.top_k))
            add(self.ptr, ll.llama_sampler_init_top_p(spec.top_p, 1))
            if spec.min_p > 0.0:
                add(self.ptr, ll.llama_sampler_init_min_p(spec.min_p, 1))
            add(self.ptr, ll.llama_sampler_init_temp(spec.temperature))
            add(self.ptr, ll.llama_sampler_init_dist(seed))
        if spec.grammar:
            self.grammar = ll.llama_sampler_init_grammar(vocab, spec.grammar.encode(), b"root")
            if not self.grammar:
                self.close()
                raise EngineFailure("llama.cpp rejected the output grammar")
            self._all = np.zeros(n_vocab, dtype=_TOKEN_DATA)
            self._all["id"] = np.arange(n_vocab, dtype=np.int32)
            self._one = np.zeros(1, dtype=_TOKEN_DATA)

    def _apply(self, sampler: Any, buf: np.ndarray) -> int:
        """Run ``sampler`` over the candidates in ``buf``; the index it selected (or -1)."""
        arr = ll.llama_token_data_array(
            data=buf.ctypes.data_as(ll.llama_token_data_p), size=len(buf), selected=-1,
            sorted=False)
        ll.llama_sampler_apply(sampler, ctypes.byref(arr))
        return int(arr.selected)

    def allows(self, token: int) -> bool:
        """Whether the grammar (if any) accepts ``token`` next."""
        if self.grammar is None:
            return True
        self._one[0] = (token, 0.0, 0.0)
        self._apply(self.grammar, self._one)
        return bool(np.isfinite(self._one[0]["logit"]))

    def sample(self, ctx: Context, index: int) -> int:
        """Sample from the logits at batch ``index``; the chain (and grammar) accept it."""
        if self.argmax:
            # What the greedy sampler picks: the first of the highest logits (it keeps the
            # earlier index on a tie, as argmax does); it keeps no state to accept into.
            return int(ctx.logits(index).argmax())
        if self.grammar is None:
            return int(ll.llama_sampler_sample(self.ptr, ctx.ptr, index))
        logits = ctx.logits(index)
        if not self._stateful:
            # Nothing in the chain remembers accepted tokens: llama.cpp's own fast path may
            # accept a token the grammar then rejects.
            token = int(ll.llama_sampler_sample(self.ptr, ctx.ptr, index))
            if not self.allows(token):
                token = self._resample(logits)
            ll.llama_sampler_accept(self.grammar, token)
            return token
        buf = self._all
        buf["logit"] = logits
        buf["id"] = np.arange(self.n_vocab, dtype=np.int32)
        token = int(buf[self._apply(self.ptr, buf)]["id"])
        if not self.allows(token):
            token = self._resample(logits)
        ll.llama_sampler_accept(self.grammar, token)
        ll.llama_sampler_accept(self.ptr, token)
        return token

    def _resample(self, logits: np.ndarray) -> int:
        """The sampled token broke the grammar: sample again among the tokens it allows.
        The grammar first sees only the most likely :data:`GRAMMAR_SHORTLIST` tokens (the
        chain's top-k keeps fewer anyway); the whole vocabulary only when none of those fit."""
        top = np.argpartition(logits, -GRAMMAR_SHORTLIST)[-GRAMMAR_SHORTLIST:]
        short = np.zeros(len(top), dtype=_TOKEN_DATA)
        short["id"], short["logit"] = top, logits[top]
        self._apply(self.grammar, short)
        if np.isfinite(short["logit"]).any():
            buf = short
        else:
            buf = self._all
            buf["logit"] = logits
            buf["id"] = np.arange(self.n_vocab, dtype=np.int32)
            self._apply(self.grammar, buf)
            if not np.isfinite(buf["logit"]).any():
                raise UnwritableFormat("response_format: the output grammar allows no token "
                                       "the model can write here (a const or enum value, or "
                                       "bounds, that cannot be written out?)",
                                       field="response_format")
        token = int(buf[self._apply(self.ptr, buf)]["id"])
        if not self.allows(token):
            raise EngineFailure("sampled a token the output grammar rejects")
        return token

    def accept(self, token: int) -> bool:
        """A token fed without sampling (a forced closing tag): the grammar must take it too.
        False when the grammar rejects it (it is then not fed to the grammar)."""
        if self.grammar is None:
            return True
        if not self.allows(token):
            return False
        ll.llama_sampler_accept(self.grammar, token)
        return True

    def close(self) -> None:
        if self.ptr:
            ll.llama_sampler_free(self.ptr)
            self.ptr = None
        if self.grammar:
            ll.llama_sampler_free(self.grammar)
            self.grammar = None

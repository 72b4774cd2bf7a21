"""Loading a GGUF file for an engine: hash check, weights, the context for its slots (refused
when the KV cache cannot fit in memory), the chat template, and what the file says it is."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from appliance.config import ModelConfig
from appliance.engine.chat import ChatRenderer
from appliance.engine.default_model import sha256_file
from appliance.engine.facts import ModelFacts, quantization_name
from appliance.engine.lowlevel import Context, Model
from appliance.engine.widen import Layout, file_layout, widen
from appliance.errors import ConfigError, ModelError
from appliance.generation import BUILTIN_TEMPLATES

log = structlog.get_logger("appliance.loading")

# Compute buffers and allocator slack on top of weights and KV cache, as a share of the sum.
_MEMORY_MARGIN = 1.25
# widen_q5_0 "auto": widen when the file grows by at most this share. Single-stream decoding
# reads every weight per token, so it slows by at most about this much (3 % measured on the
# default model, which grows by 9.4 %); prefill gains more (19 %).
_WIDEN_AUTO_GROWTH = 0.10


@dataclass
class Loaded:
    model: Model
    ctx: Context
    renderer: ChatRenderer
    #: The BOS token's text (a chat template's bos_token).
    bos_text: str
    facts: ModelFacts
    threads: int
    #: Q5_0 tensors loaded as Q8_0 (models.<tier>.widen_q5_0), and the bytes that added.
    widened_tensors: int = 0
    widened_bytes: int = 0


def load_model(spec: ModelConfig, path: Path, tiers: Sequence[str],
               expected_sha256: str | None, progress: Callable[[str], None]) -> Loaded:
    """Load ``path`` as ``spec`` says; ModelError or ConfigError naming what is wrong."""
    if not path.is_file():
        raise ModelError(f"model file not found: {path}", path=str(path))
    progress(f"hashing {path.name}")
    sha = sha256_file(path)
    if expected_sha256 and sha != expected_sha256:
        raise ModelError(f"{path} has SHA-256 {sha}, the configuration pins {expected_sha256}",
                         path=str(path))
    layout = _widen_layout(spec, path)
    grow = layout.growth() if layout is not None else 0
    progress(f"loading {path.name} for {'+'.join(tiers)}")
    widened = None
    if grow:
        progress(f"widening the Q5_0 tensors of {path.name} to Q8_0 (+{grow >> 20} MiB)")
        try:
            widened = widen(path, layout)
        except ModelError as exc:
            if spec.widen_q5_0 == "on":
                raise
            # Only an optimisation: the file as it is serves the same answers.
            log.warning("widen_q5_0_failed", path=str(path), error=str(exc))
            grow = 0
    if widened is not None:
        try:
            model = Model(widened.path, spec.n_gpu_layers, use_mmap=False)
        finally:
            widened.close()
        tensors = widened.tensors
    else:
        model, tensors = Model(path, spec.n_gpu_layers), 0
    ctx: Context | None = None
    try:
        _check_memory(model, spec, tiers[0], path.stat().st_size + grow)
        threads = spec.resolved_threads()
        ctx = Context(model, spec.slots, spec.n_ctx, spec.n_batch, threads,
                      n_ubatch=spec.resolved_ubatch())
        renderer, bos_text, facts = _describe(model, spec, path, sha)
        return Loaded(model, ctx, renderer, bos_text, facts, threads, tensors, grow)
    except BaseException:
        if ctx is not None:
            ctx.close()
        model.close()
        raise


def _describe(model: Model, spec: ModelConfig, path: Path,
              sha: str) -> tuple[ChatRenderer, str, ModelFacts]:
    """The model's chat renderer, its BOS text, and what the file says it is."""
    template = _chat_template(spec.chat_template, model.meta("tokenizer.chat_template"))
    bos_text = model.piece(model.bos, special=True).decode("utf-8", "replace") \
        if model.bos >= 0 else ""
    eos_text = model.piece(model.eos, special=True).decode("utf-8", "replace") \
        if model.eos >= 0 else ""
    facts = ModelFacts(
        path=path, sha256=sha, size_bytes=path.stat().st_size,
        architecture=model.meta("general.architecture") or "unknown",
        quantization=quantization_name(model.meta("general.file_type")),
        trained_context=model.n_ctx_train, context_length=spec.n_ctx,
        chat_template=template, description=model.desc(),
    )
    return ChatRenderer(template, bos_token=bos_text, eos_token=eos_text), bos_text, facts


def _widen_layout(spec: ModelConfig, path: Path) -> Layout | None:
    """``path``'s GGUF layout when ``spec`` widens its Q5_0 tensors (it has some); else None."""
    if spec.widen_q5_0 == "off" or (spec.widen_q5_0 == "auto" and spec.n_gpu_layers != 0):
        return None
    try:
        layout = file_layout(path)
    except (OSError, ValueError) as exc:
        if spec.widen_q5_0 == "auto":
            return None  # llama.cpp says what is wrong with the file when it loads it
        raise ModelError(f"cannot read the GGUF header of {path}: {exc}",
                         path=str(path)) from exc
    grow = layout.growth()
    if not grow or (spec.widen_q5_0 == "auto"
                    and grow > _WIDEN_AUTO_GROWTH * path.stat().st_size):
        return None
    return layout


def _check_memory(model: Model, spec: ModelConfig, tier: str, weights: int) -> None:
    """Refuse a context whose KV cache cannot fit in this machine's memory."""
    kv = model.kv_bytes_per_token() * (spec.n_ctx * spec.slots + spec.prefix_cache_cells)
    need = int((weights + kv) * _MEMORY_MARGIN)
    available = available_memory()
    if spec.n_gpu_layers == 0 and available is not None and need > available:
        raise ConfigError(
            f"slots {spec.slots} x n_ctx {spec.n_ctx} needs about {need >> 20} MiB "
            f"(weights {weights >> 20} MiB + KV cache {kv >> 20} MiB "
            f"+ 25%), but only {available >> 20} MiB is available; lower "
            f"models.{tier}.slots or models.{tier}.n_ctx", key=f"models.{tier}.slots")


def _chat_template(choice: str, from_gguf: str | None) -> str | None:
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


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, in bytes (None where there is no such file)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:  # noqa: PTH123
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None

"""The default model loaded with its Q5_0 tensors widened to Q8_0 (models.<tier>.widen_q5_0)
computes the same logits, bit for bit, as the file loaded as it is: real llama.cpp, real
model, a prompt long enough for the batched (gemm) kernels and then single-token decoding."""

from __future__ import annotations

from pathlib import Path

import llama_cpp as ll
import numpy as np
import pytest

from appliance.config import ModelConfig
from appliance.engine.loading import Loaded, load_model
from appliance.engine.widen import extra_bytes


def _greedy(loaded: Loaded, prompt: list[int], n: int) -> tuple[list[int], np.ndarray]:
    """Greedy tokens after ``prompt`` and the logits of every step, stacked."""
    ctx = loaded.ctx
    ctx.clear_batch()
    for i, token in enumerate(prompt):
        ctx.add(token, i, 0, logits=i == len(prompt) - 1)
    ctx.decode()
    out, rows, pos = [], [], len(prompt)
    for _ in range(n):
        logits = np.ctypeslib.as_array(ll.llama_get_logits_ith(ctx.ptr, -1),
                                       shape=(ctx.n_vocab,)).copy()
        rows.append(logits)
        out.append(int(logits.argmax()))
        ctx.clear_batch()
        ctx.add(out[-1], pos, 0, logits=True)
        pos += 1
        ctx.decode()
    ctx.free_seq(0)
    return out, np.stack(rows)


def _load(model_path: Path, widen: str) -> Loaded:
    spec = ModelConfig(tier="v3", path=model_path, n_threads=2, slots=1, n_ctx=1024,
                       prefix_cache_cells=0, widen_q5_0=widen)
    return load_model(spec, model_path, ["v3"], None, lambda _msg: None)


def test_widened_weights_give_the_same_logits_bit_for_bit(model_path: Path) -> None:
    grow = extra_bytes(model_path)
    assert 0 < grow <= 0.1 * model_path.stat().st_size  # so "auto" widens the default model
    plain, widened = _load(model_path, "off"), _load(model_path, "auto")
    try:
        assert (plain.widened_tensors, plain.widened_bytes) == (0, 0)
        assert widened.widened_tensors > 0
        assert widened.widened_bytes == grow
        text = " ".join(f"Clause {i}: the tenant pays rent on day {i % 28 + 1}." for i in range(40))
        prompt = plain.model.tokenize(text, add_bos=True, special=False)[:480]
        assert len(prompt) == 480
        tokens_a, logits_a = _greedy(plain, prompt, 24)
        tokens_b, logits_b = _greedy(widened, prompt, 24)
        assert tokens_a == tokens_b
        assert np.array_equal(logits_a, logits_b)
    finally:
        for loaded in (plain, widened):
            loaded.ctx.close()
            loaded.model.close()


def test_a_failed_widening_loads_the_file_as_it_is_unless_on(
        model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Widening is only an optimisation: under "auto" a failure (no memfd here, say) loads
    the file's own types; "on" was asked for explicitly and fails the load."""
    from appliance.engine import loading
    from appliance.errors import ModelError

    def fail(path: Path, _layout: object = None) -> None:
        raise ModelError(f"cannot widen the Q5_0 tensors of {path}: no memfd", path=str(path))

    monkeypatch.setattr(loading, "widen", fail)
    loaded = _load(model_path, "auto")
    try:
        assert (loaded.widened_tensors, loaded.widened_bytes) == (0, 0)
    finally:
        loaded.ctx.close()
        loaded.model.close()
    with pytest.raises(ModelError, match="no memfd"):
        _load(model_path, "on")

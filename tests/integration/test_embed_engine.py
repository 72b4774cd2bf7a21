"""The embedding engine in process on the real all-MiniLM-L6-v2 GGUF: lazy loading, and the
vectors of inputs packed into shared llama.cpp batches."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from structlog.testing import capture_logs

from appliance.config import EmbedConfig
from appliance.engine.embedding import EmbedEngine

pytestmark = pytest.mark.timeout(300)


def test_a_lazy_engine_loads_once_on_its_first_requests(embed_model_path: Path) -> None:
    """start() loads nothing; the first requests, at once, load the model once and get
    their vectors; describe() says lazy, then ready."""

    async def run() -> tuple[list[str], list[str], list[np.ndarray], list[str]]:
        engine = EmbedEngine(EmbedConfig(n_threads=2), embed_model_path, pooling="auto",
                             lazy=True)
        with capture_logs() as logs:
            await engine.start()
            states = [engine.describe().state]
            got = await asyncio.gather(*(engine.embed([f"text number {i}"]) for i in range(3)))
            states.append(engine.describe().state)
        await engine.close()
        states.append(engine.describe().state)
        return [e["event"] for e in logs], states, [g.vectors for g in got], [
            engine.describe().architecture]

    events, states, vectors, arch = asyncio.run(run())
    assert 1 == events.count("embed_model_lazy")
    assert 1 == events.count("embed_model_loading")
    assert 1 == events.count("embed_model_loaded")
    assert ["lazy", "ready", "closed"] == states
    assert ["bert"] == arch
    assert all((1, 384) == v.shape for v in vectors)


def test_many_inputs_get_the_vectors_they_get_alone(embed_model_path: Path) -> None:
    """Inputs of different lengths packed into shared batches (more than one llama_decode:
    n_batch 64 tokens) get, each, the vector they get alone."""
    texts = [("word " * (1 + i % 9)) + f"item {i}" for i in range(30)]

    async def run() -> tuple[np.ndarray, np.ndarray]:
        engine = EmbedEngine(EmbedConfig(n_threads=2, n_batch=64, n_ctx=64),
                             embed_model_path, pooling="auto")
        await engine.start()
        try:
            together = (await engine.embed(texts)).vectors
            alone = np.concatenate([(await engine.embed([t])).vectors for t in texts])
        finally:
            await engine.close()
        return together, alone

    together, alone = asyncio.run(run())
    assert (30, 384) == together.shape
    assert np.allclose(alone, together, atol=1e-4)
    assert np.allclose(1.0, np.linalg.norm(together, axis=1), atol=1e-5)

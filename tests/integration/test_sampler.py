"""The engine's sampler on the real model and llama.cpp's own sampler chain."""

from __future__ import annotations

from pathlib import Path

import llama_cpp as ll

from appliance.engine.lowlevel import Context, Model, Sampler
from appliance.engine.types import SamplingParams

PROMPTS = ["The capital of France is", "Water boils at", "Once upon a time, a dragon",
           "def fibonacci(n):"]


def test_greedy_picks_what_llama_cpps_greedy_sampler_picks(model_path: Path) -> None:
    """A greedy sequence's token (taken as the first highest logit, without llama.cpp's
    sampler) is the token llama.cpp's greedy sampler chain picks from the same logits, for
    several prompts in one batch and for the tokens after them."""
    model = Model(model_path, 0)
    ctx = Context(model, len(PROMPTS), 256, 256, 2)
    greedy = SamplingParams(max_tokens=8, temperature=0.0)
    samplers = [Sampler(greedy, 1, model.vocab, model.n_vocab) for _ in PROMPTS]
    reference = ll.llama_sampler_chain_init(ll.llama_sampler_chain_default_params())
    ll.llama_sampler_chain_add(reference, ll.llama_sampler_init_greedy())
    try:
        assert all(s.argmax for s in samplers)
        prompts = [model.tokenize(p, add_bos=model.add_bos, special=False) for p in PROMPTS]
        pos = [len(p) for p in prompts]
        ctx.clear_batch()
        index = []
        for seq, tokens in enumerate(prompts):
            for i, token in enumerate(tokens):
                last = ctx.add(token, i, seq, logits=i == len(tokens) - 1)
            index.append(last)
        for _step in range(6):
            ctx.decode()
            picked = [s.sample(ctx, i) for s, i in zip(samplers, index, strict=True)]
            expected = [int(ll.llama_sampler_sample(reference, ctx.ptr, i)) for i in index]
            assert expected == picked
            ctx.clear_batch()
            index = [ctx.add(token, pos[seq], seq, logits=True)
                     for seq, token in enumerate(picked)]
            pos = [p + 1 for p in pos]
    finally:
        ll.llama_sampler_free(reference)
        for s in samplers:
            s.close()
        ctx.close()
        model.close()


def test_a_sampler_with_state_or_a_grammar_keeps_llama_cpps_chain(model_path: Path) -> None:
    """Penalties, a logit bias or a grammar need llama.cpp's chain: such a greedy sampler
    does not take the argmax shortcut."""
    model = Model(model_path, 0)
    try:
        for params in (SamplingParams(max_tokens=4, temperature=0.0, repetition_penalty=1.3),
                       SamplingParams(max_tokens=4, temperature=0.0, logit_bias=((5, 2.0),)),
                       SamplingParams(max_tokens=4, temperature=0.0, grammar='root ::= "a"'),
                       SamplingParams(max_tokens=4, temperature=0.7)):
            sampler = Sampler(params, 1, model.vocab, model.n_vocab)
            try:
                assert not sampler.argmax
            finally:
                sampler.close()
    finally:
        model.close()

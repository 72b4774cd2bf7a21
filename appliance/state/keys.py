"""Redis key names: an identity is named by a keyed hash of its name, never by the name.

An identity's name is a token name (letters, digits, ``-_.@``: ``ann.lee@example.com`` is
allowed) or a client certificate's subject CN or SAN (often a person's name or e-mail), so it
may be personal data; Redis sees only ``HMAC-SHA256(identity key, name)``, cut to 128 bits.
All of one identity's keys share a Redis Cluster hash tag (``{…}``), so one script may touch
them all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

#: The HMAC key when ``[state] identity_key_file`` is not set: the names are then hashed, not
#: secret (a reader of Redis who guesses a name can confirm it).
DEFAULT_IDENTITY_KEY = b"llm-appliance state v1"


def identity_id(name: str, key: bytes = DEFAULT_IDENTITY_KEY) -> str:
    """The 32 hex digits that stand for identity ``name`` in Redis."""
    digest = hmac.new(key, name.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class IdentityKeys:
    """The keys of one identity (``prefix`` is ``[state] key_prefix``)."""

    prefix: str
    ident: str

    def _key(self, what: str) -> str:
        return f"{self.prefix}{{{self.ident}}}:{what}"

    def day(self, now: dt.datetime) -> str:
        """Hash of the UTC day's use: fields ``tokens`` and ``requests``."""
        return self._key(f"d:{now.strftime('%Y-%m-%d')}")

    def month(self, now: dt.datetime) -> str:
        return self._key(f"m:{now.strftime('%Y-%m')}")

    @property
    def running(self) -> str:
        """Sorted set of requests in flight (member: box id and request id; score: when
        its lease ends, ms)."""
        return self._key("running")

    @property
    def request_bucket(self) -> str:
        """Hash of the requests-per-minute bucket: capacity, level, stamp (ms)."""
        return self._key("rpm")

    @property
    def token_bucket(self) -> str:
        return self._key("tpm")

    @property
    def low_scores(self) -> str:
        """The identity's run of consecutive low feedback scores (an integer)."""
        return self._key("low")


def revoked_key(prefix: str) -> str:
    """Set of the SHA-256 of every revoked token (never a token, never a name)."""
    return f"{prefix}revoked"

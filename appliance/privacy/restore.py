"""Putting the caller's values back where the model wrote placeholders, also mid-stream.

A placeholder can arrive split across tokens (``<EMAIL`` + ``_ADDRESS`` + ``_1>``). Text from the
last ``<`` that could still grow into a placeholder is held back until it either completes or
cannot be one, so no half placeholder and no half value ever reaches the caller. Placeholders the
request never had (small models invent ``<PERSON_3>``) stay as they are: they carry no PII.
"""

from __future__ import annotations

import json
import re

from appliance.privacy.vault import Vault

PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_[0-9]{1,6}>")
_MAY_GROW = re.compile(r"<(?:[A-Z][A-Z_]*(?:_[0-9]{0,6})?)?")
_MAX_PLACEHOLDER = 48


class PlaceholderRestorer:
    """``json_strings``: the output is JSON (structured output), so a placeholder can only
    stand inside a string; its value is escaped for one (quotes, backslashes, control
    characters), and the answer stays valid JSON."""

    def __init__(self, vault: Vault, json_strings: bool = False) -> None:
        self._vault = vault
        self._pending = ""
        self._json = json_strings

    def feed(self, text: str) -> str:
        buf = self._pending + text
        cut = buf.rfind("<")
        if cut != -1 and len(buf) - cut <= _MAX_PLACEHOLDER and _MAY_GROW.fullmatch(buf, cut):
            ready, self._pending = buf[:cut], buf[cut:]
        else:
            ready, self._pending = buf, ""
        return self._substitute(ready)

    def flush(self) -> str:
        out, self._pending = self._substitute(self._pending), ""
        return out

    def _substitute(self, text: str) -> str:
        if "<" not in text:
            return text
        return PLACEHOLDER.sub(self._value, text)

    def _value(self, m: re.Match[str]) -> str:
        value = self._vault.value_of(m.group(0))
        if value is None:
            return m.group(0)
        return json.dumps(value, ensure_ascii=False)[1:-1] if self._json else value

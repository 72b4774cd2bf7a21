"""[http] cors_origins: which browser origins may call the HTTP API."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance import config


def _load(tmp_path: Path, http: str) -> config.Config:
    p = tmp_path / "appliance.toml"
    p.write_text(f"[http]\n{http}\n\n[audit]\ndev_officer_key = true\n", encoding="utf-8")
    return config.load(p)


def test_cors_is_off_by_default(tmp_path: Path) -> None:
    """No key: no origin may call the API from a browser."""
    assert () == _load(tmp_path, "").http.cors_origins


def test_origins_are_read(tmp_path: Path) -> None:
    """Origins as browsers send them, IPv6 literals and ports included."""
    origins = ("https://chat.example", "http://localhost:3000", "http://[::1]:8080")
    cfg = _load(tmp_path, f"cors_origins = {list(origins)!r}".replace("'", '"'))
    assert origins == cfg.http.cors_origins


@pytest.mark.parametrize("origin", [
    "*", "chat.example", "https://chat.example/", "https://chat.example/app",
    "https://user@chat.example", "https://chat.example:port", "ftp://chat.example",
    "https://Chat.example"])
def test_anything_but_an_origin_is_refused_by_key(tmp_path: Path, origin: str) -> None:
    """A wildcard, a path, credentials, another scheme or an upper-case host (a browser never
    sends one, so it would never match) is a problem named by its key."""
    with pytest.raises(config.ConfigErrors) as info:
        _load(tmp_path, f'cors_origins = ["{origin}"]')
    assert ["http.cors_origins"] == [problem.key for problem in info.value]

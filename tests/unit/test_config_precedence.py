"""Which config a command uses when none is given (an installed box has one in /etc)."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance import cli


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = tmp_path / "etc.toml"
    given, env = tmp_path / "given.toml", tmp_path / "env.toml"
    monkeypatch.setattr(cli, "SYSTEM_CONFIG", system)
    monkeypatch.delenv("APPLIANCE_CONFIG", raising=False)
    assert cli.config_path(None) is None              # a checkout: the embedded default
    system.write_text("")
    assert system == cli.config_path(None)           # an installed box: /etc
    monkeypatch.setenv("APPLIANCE_CONFIG", str(env))
    assert env == cli.config_path(None)
    monkeypatch.setenv("APPLIANCE_CONFIG", "")
    assert cli.config_path(None) is None              # explicitly the embedded default
    assert given == cli.config_path(given)           # --config always wins

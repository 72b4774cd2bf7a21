"""The tokens file fails closed: a file that does not parse or has the wrong shape stops the
daemon at start-up and makes a running one refuse tokens (UNAVAILABLE) until it is fixed.
Errors name the file, never its content."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.access import TokenStore
from appliance.errors import ConfigError, Unavailable

SECRET_LOOKING = "llma_secret-looking-content"  # noqa: S105 - made up: never echoed


def _replace(path: Path, text: str) -> None:
    """Write ``text`` as a new file (a new inode: the store sees the change at once)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@pytest.mark.parametrize(("content", "why"), [
    ('{"tokens": [' + f'"{SECRET_LOOKING}"', "is not valid JSON"),
    (b"\xff\xfe{}", "is not valid JSON"),  # not UTF-8
    (f'["{SECRET_LOOKING}"]', 'is not shaped {"tokens": [...]}'),
    ('{"tokens": {}}', 'is not shaped {"tokens": [...]}'),
    (f'{{"tokens": [{{"name": "a", "role": "client", "sha256": "{SECRET_LOOKING}"}}]}}',
     "entry 0 lacks a name, a known role or a SHA-256 hash"),
    ('{"tokens": [{"name": "a", "role": "root", "sha256": "' + "0" * 64 + '"}]}',
     "entry 0 lacks a name, a known role or a SHA-256 hash"),
])
def test_a_broken_file_stops_start_up_naming_the_file_not_its_content(
        tmp_path: Path, content: str | bytes, why: str) -> None:
    """check() raises ConfigError naming the file and what is wrong with it; no part of the
    content appears."""
    path = tmp_path / "tokens.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ConfigError) as err:
        TokenStore(path).check()
    assert "auth.tokens_file" == err.value.key
    assert f"tokens file {path} {why}" in str(err.value)
    assert SECRET_LOOKING not in str(err.value)


def test_no_file_is_no_tokens() -> None:
    """A missing file is an appliance without tokens, not a broken one."""
    store = TokenStore(Path("/nonexistent/tokens.json"))
    store.check()
    assert store.lookup("llma_anything") is None
    assert store.refresh() is None


def test_a_file_broken_while_running_fails_closed_and_recovers(tmp_path: Path) -> None:
    """A valid token is refused with UNAVAILABLE (not accepted, not INTERNAL) while the file
    is broken; refresh() says why, naming the file; fixing the file brings the token back."""
    path = tmp_path / "tokens.json"
    store = TokenStore(path)
    token = store.create("app1", "client")
    good = path.read_text(encoding="utf-8")
    assert "app1" == (store.lookup(token) or {}).get("name")

    _replace(path, good[: len(good) // 2])
    with pytest.raises(Unavailable) as err:
        store.lookup(token)
    assert str(path) not in err.value.message  # the caller learns nothing about the box
    assert f"tokens file {path} is not valid JSON" == store.refresh()

    _replace(path, good)
    assert store.refresh() is None
    assert "app1" == (store.lookup(token) or {}).get("name")


def test_the_cli_refuses_to_rewrite_a_broken_file(tmp_path: Path) -> None:
    """token create on a broken file fails (ConfigError) and leaves the file as it was."""
    path = tmp_path / "tokens.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError):
        TokenStore(path).create("app1", "client")
    assert "{not json" == path.read_text(encoding="utf-8")

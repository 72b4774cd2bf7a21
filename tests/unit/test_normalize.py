"""The recognizers' normalised view and its way back to the original characters."""

from __future__ import annotations

import pytest

from appliance.privacy.normalize import normalize


@pytest.mark.parametrize(("text", "view"), [
    ("１３８ ００１３ ８０００", "138 0013 8000"),                 # full-width digits
    ("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "john@example.com"),       # full-width letters
    ("13\u200b8\u200d0013\u20608000", "13800138000"),             # zero-width characters
    ("ex\u00adample", "example"),                                 # soft hyphen
    ("138\u00a00013\u202f8000\u30001", "138 0013 8000 1"),        # NBSP, narrow NBSP, ideographic
    ("138\n0013\r\n8000", "138 0013 8000"),                       # a number wrapped over lines
    ("jane%40example.org", "jane@example.org"),                   # percent-encoded
    ('{"n": "\\u5f20\\u4f1f"}', '{"n": "张伟"}'),                 # JSON escapes
    ("line one\nline two", "line one\nline two"),                 # ordinary breaks stay
    ("Tel:\\n0612345678\\tx", "Tel:\n0612345678 x"),              # JSON's \n and \t
    ("138\\n0013 8000", "138 0013 8000"),                         # escaped break in a number
    ("C:\\\\new", "C:\\\\new"),                                   # an escaped backslash and n
    ("192。168。1。1", "192.168.1.1"),                              # ideographic full stops
    ("句号。1", "句号。1"),                                          # not between digits
    ("010-6512-\n3456", "010-6512-3456"),                         # wrapped after a hyphen
    ("138\r\n0013", "138 0013"),                                  # CRLF in an ASCII text
    ("聯繫人：陳麗華", "联系人:陈丽华"),                                 # traditional -> simplified
])
def test_view(text: str, view: str) -> None:
    assert view == normalize(text).text


def test_plain_ascii_is_its_own_view() -> None:
    n = normalize("Write to ann@example.com")
    assert n.identity
    assert (9, 24) == n.span(9, 24)


def test_spans_map_back_to_every_original_character_they_came_from() -> None:
    """A finding in the view replaces the original characters that produced it, obfuscation
    included, and nothing around it."""
    text = "tel: 1\u200b3８ 0013\n8000 ok"
    n = normalize(text)
    start = n.text.index("138")
    end = start + len("138 0013 8000")
    assert "138 0013 8000" == n.text[start:end]
    s, e = n.span(start, end)
    assert "1\u200b3８ 0013\n8000" == text[s:e]
    assert "tel: " == text[:s]
    assert " ok" == text[e:]


def test_percent_and_escape_spans_cover_the_encoded_form() -> None:
    text = "u?email=jane%40example.org&x=1"
    n = normalize(text)
    start = n.text.index("jane")
    s, e = n.span(start, start + len("jane@example.org"))
    assert "jane%40example.org" == text[s:e]


def test_an_escaped_line_break_maps_back_to_both_characters() -> None:
    text = "a\\n0612345678"
    n = normalize(text)
    assert "a\n0612345678" == n.text
    assert (1, 3) == n.span(1, 2)


def test_an_opencc_table_that_does_not_line_up_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Traditional names are read through OpenCC's table: if it does not load right (a broken
    install dropping lines), the PII stage fails at load instead of masking less unannounced."""
    import opencc

    from appliance.privacy import normalize as nm

    class Short:
        def __init__(self, _config: str) -> None:
            pass

        def convert(self, text: str) -> str:
            return "\n".join(text.split("\n")[:100])

    monkeypatch.setattr(opencc, "OpenCC", Short)
    nm._simplified.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="reinstall opencc"):
            nm.load_tables()
    finally:
        monkeypatch.undo()
        nm._simplified.cache_clear()
    nm.load_tables()
    assert "陈" == nm._simplified()["陳"]

"""E-mail addresses that Presidio's recognizer lost: inside a logged URL or a key=value field,
under a suffix the public suffix list holds whole (``*.sch.uk``), under a private top-level
name a site's own mail uses, in single quotes, glued to Chinese text — and what is not an
address (an image at 2x, a package at a version)."""

from __future__ import annotations

import pytest

from appliance.privacy.masker import mask_texts
from appliance.privacy.recognizers_ids import EmailAddressRecognizer, known_tlds


def emails(analyzer, text: str) -> list[str]:
    return [text[f.start:f.end] for f in mask_texts(analyzer, [text]).findings[0]
            if f.entity_type == "EMAIL_ADDRESS"]


@pytest.mark.parametrize(("text", "address"), [
    ('"GET /api/users?email=o.lindgren@mailbox.org HTTP/1.1" 200 512', "o.lindgren@mailbox.org"),
    ("WARN auth failed user=lgrimaldi@acme-mail.com src=10.0.0.7", "lgrimaldi@acme-mail.com"),
    ("Contact Ms Quarshie: quarshie.a@oakwoodprimary.sch.uk.", "quarshie.a@oakwoodprimary.sch.uk"),
    ("page ops@kiosk-helsingor.internal if the till stops", "ops@kiosk-helsingor.internal"),
    ("Signed-off-by: P. Nyambura <pnyambura@kernel-dev.example>", "pnyambura@kernel-dev.example"),
    ("inputs = Inputs('3', 'tarek@ziade.org')", "tarek@ziade.org"),
    ("write to o'brien@firm.corp today", "o'brien@firm.corp"),
    ("联系邮箱：wang.lei@163.com谢谢", "wang.lei@163.com"),
    ("邮箱zhang_san@qq.com。", "zhang_san@qq.com"),
    ("<Ana.Lima+tag@Sub-1.Example.Co.UK>", "Ana.Lima+tag@Sub-1.Example.Co.UK"),
    ("José.Núñez@correo.es escribió", "José.Núñez@correo.es"),
])
def test_address_is_masked_whole(analyzer, text, address):
    assert emails(analyzer, text) == [address]


@pytest.mark.parametrize("text", [
    "icon@2x.png and logo@3x.webp in the sprite sheet",
    "pin lodash@4.17.21 and react@18.2.0",
    "@property\ndef name(self): ...",
    "meet @ 5pm at the café",
    "a..b@example.com is not an address",
])
def test_not_an_address(analyzer, text):
    assert emails(analyzer, text) == []


def test_private_and_public_top_level_names():
    tlds = known_tlds()
    assert {"com", "uk", "org", "internal", "example", "corp"} <= tlds
    assert "png" not in tlds and "2x" not in tlds


def test_long_runs_do_not_stall():
    # every run is separated by a required character: one reading per character
    text = "a." * 20000 + "@" + "b-" * 20000
    assert list(EmailAddressRecognizer.REGEX.finditer(text)) == []

"""User handles and login names as PERSON (recognizers_handles, issue 37): @mentions, values
of person keys, pull-request branches and TODO owners — and the code, addresses and shared
accounts that look like them."""

from __future__ import annotations

import pytest

from appliance.config import PiiConfig
from appliance.privacy.lexicon import model_lexicon
from appliance.privacy.recognizers_handles import handle_recognizers, system_account


@pytest.fixture(scope="module")
def recognizers():
    return handle_recognizers(model_lexicon(PiiConfig().spacy_model))


def found(recognizers, text: str) -> set[str]:
    return {text[r.start:r.end] for rec in recognizers for r in rec.analyze(text, ["PERSON"])}


@pytest.mark.parametrize(("text", "handle"), [
    ("@dani.ferreira: has anyone seen the staging logs?", "dani.ferreira"),
    ("shoutout to @benny_sandoval for the demo", "benny_sandoval"),
    ("its @noor.alhashimi", "noor.alhashimi"),
    ("please transfer ownership to @percival-ng.", "percival-ng"),
    ("@olek can you take a look", "olek"),
    ("> @kwame.m wrote: ship it", "kwame.m"),
    ("thanks (@yuki_t)", "yuki_t"),
])
def test_mentions_in_running_text_and_chat_are_people(recognizers, text: str,
                                                      handle: str) -> None:
    assert handle in found(recognizers, text)


@pytest.mark.parametrize(("text", "handle"), [
    ("audit: actor=svetlana.orlova action=DELETE", "svetlana.orlova"),
    ("user=jdoe src=10.0.0.4 result=ok", "jdoe"),
    ("login: m.rossi", "m.rossi"),
    ("owner: ravi-k", "ravi-k"),
    ('{"assignee": "tkowalski", "status": "open"}', "tkowalski"),
    ("oncall:\n  primary: ingvild\n  secondary: ravi-k", "ingvild"),
    ("reviewers:\n  - jdoe\n  - ravi-k", "ravi-k"),
    ('{"reviewers": ["jdoe", "ravi-k"]}', "ravi-k"),
    ("<reporter>mwangi.k</reporter>", "mwangi.k"),
    ("[deploy]\nuser = lindqvist\nhost = 10.0.0.5", "lindqvist"),
    ("username,last_login\nb.okafor,2024-03-02\nc.demir,2024-02-11", "b.okafor"),
    ("username,last_login\nb.okafor,2024-03-02\nc.demir,2024-02-11", "c.demir"),
    ("Date,Author,Lines\n2024-01-02,nadia_h,120\n2024-01-03,ravi.iyer,8", "ravi.iyer"),
    ("| login | role |\n|---|---|\n| s.moreau | admin |", "s.moreau"),
])
def test_values_of_person_keys_are_people(recognizers, text: str, handle: str) -> None:
    assert handle in found(recognizers, text)


@pytest.mark.parametrize(("text", "handle"), [
    ("Merge pull request #412 from magnus-thorsen/fix-tz", "magnus-thorsen"),
    ("# TODO(rhiannon): remove after the migration", "rhiannon"),
    ("# FIXME(j.smith) races on shutdown", "j.smith"),
    ("/**\n * @author kdubois\n */", "kdubois"),
    ("Accepted publickey for tgerlach from 10.1.2.3 port 5022 ssh2", "tgerlach"),
    ("Invalid user okadanaoko from 198.51.100.23 port 50122", "okadanaoko"),
    ("session opened for user hcetin by (uid=0)", "hcetin"),
    ("new device for nadia.haddad from Beirut", "nadia.haddad"),
])
def test_code_host_comment_and_log_frames_name_people(recognizers, text: str,
                                                      handle: str) -> None:
    assert handle in found(recognizers, text)


@pytest.mark.parametrize(("text", "handle"), [
    ("Started by greta_h: does anyone have the old firmware?", "greta_h"),
    ("Replying to pottery_pam: the glaze needs a second firing", "pottery_pam"),
    ("Kudos to bramblefox for finding the leak", "bramblefox"),
    ("dm olu.adeyemi if you want the slides", "olu.adeyemi"),
    ("saw it on r/cycling, u/spoke_wrench_9 posted the fix", "spoke_wrench_9"),
    ("Nov 30 02:14:09 login failed for tomasz.k (bad password)", "tomasz.k"),
    ("[09:41] ines.v: the VPN drops again", "ines.v"),
    ("user marta_g: my invoice is missing", "marta_g"),
    ("Is the old dock still for sale? — jon.e", "jon.e"),
    ("| 50 | @kiri_w | @stellan |", "kiri_w"),
    ("@ruth_b thanks, that sorted it", "ruth_b"),
])
def test_forum_chat_and_log_frames_name_people(recognizers, text: str, handle: str) -> None:
    """A handle where forums, chats and logs name their users: by whom something was posted,
    to whom one replies or gives thanks, a timestamped chat line's speaker, a sign-off after a
    dash, a failed login, a cell of a Markdown rota; a name joined to an initial."""
    assert handle in found(recognizers, text)


@pytest.mark.parametrize("text", [
    "# Work out how much of the filepath is shared by start and path.",
    "x = event.x_root - x_org",
    "requests answered by r1 after three low scores",
    "--MS_Mac_OE_3071477847_720252_MIME_Part--",
    "Thanks again for the quick reply",
    "[10:02] build: started",
    "self.assertEqual(s.close(), None)",
    "Reply to ticket_1234: fixed in main", "[12:00] worker_3: processing batch",
    "[10:00:01] health_check: ok", "Thanks v2.1 works", "Thanks pandas.DataFrame, so slow",
    "Thanks lol for the laugh", "Great release. – python3.12", "thanks to_do list",
])
def test_forum_frames_leave_words_and_code_alone(recognizers, text: str) -> None:
    assert set() == found(recognizers, text)


@pytest.mark.parametrize("text", [
    "@property\ndef name(self):\n    return self._name",
    "    @staticmethod\n    def parse(raw):",
    "@dataclass(frozen=True)\nclass Point:\n    x: int",
    "@pytest.fixture\ndef client():",
    '@app.route("/login", methods=["POST"])',
    "@functools.lru_cache(maxsize=None)",
    "@_tp_cache\ndef inner(*args):",
    "@Override\npublic String toString() {",
    "@Test\nvoid parsesDates() {",
    ">>> @dataclass\n... class C:",
])
def test_decorators_and_annotations_are_not_people(recognizers, text: str) -> None:
    assert set() == found(recognizers, text)


@pytest.mark.parametrize("text", [
    "@param user the caller", "/**\n * @return the parsed value\n * @throws IOException\n */",
    "// @ts-ignore", "@media (max-width: 600px) {\n  .nav { display: none; }\n}",
    '@import url("theme.css");', "npm install --save-dev @types/node",
    '"@angular/core": "^17.0.0"', '{"@context": "https://schema.org", "@type": "Person"}',
    "DECLARE @count INT = 0;", '<button @click="save">Save</button>', "\t@echo Building...",
    "This is *not* a @coroutine!", "use the @functools.cache decorator",
    "@@ -12,7 +12,8 @@ def f():", '@optimizers = "my_cool_optimizer.v1"',
])
def test_doc_tags_at_rules_and_other_code_are_not_people(recognizers, text: str) -> None:
    assert set() == found(recognizers, text)


@pytest.mark.parametrize("text", [
    "mail me at dani.ferreira@example.com", "ssh git@github.com", "let's meet @ 5pm",
    "see you @10am", "logo@2x.png", "@here the build is green", "@everyone please update",
])
def test_addresses_times_and_broadcasts_are_not_people(recognizers, text: str) -> None:
    assert set() == found(recognizers, text)


@pytest.mark.parametrize("text", [
    "user=root action=reboot", "actor=github-actions event=push", "owner: svc-billing",
    "reviewer: renovate[bot]", "assignee=unassigned reporter=jenkins", "login: admin",
    "user: nobody", "owner: platform-team", "user=www-data", "author=ci-bot", "uid=1000",
    'CONSTANT_USER = "ADMIN"',
])
def test_system_service_and_team_accounts_are_not_people(recognizers, text: str) -> None:
    assert set() == found(recognizers, text)


@pytest.mark.parametrize("text", [
    "user: str", "owner: Optional[UserProfile] = None", "User: thanks, that works!",
    "User: how do I reset my password?", "user = get_current_user()", "owner = self.owner",
    "create(user=user, owner=owner)", "username = form.cleaned_data['username']",
    "HANDLE = ctypes.c_void_p", "# TODO(perf): cache this", "max_len = len(buf)",
    "self.assertEqual(p.port, 80)", "            owner,\n            self._count,",
    "for user in test_users:", "# Test for StopIteration from __getitem__",
])
def test_code_types_and_chat_turns_are_not_people(recognizers, text: str) -> None:
    assert set() == found(recognizers, text)


@pytest.mark.parametrize(("account", "shared"), [
    ("root", True), ("svc-deploy", True), ("dependabot[bot]", True), ("release-bot", True),
    ("github-actions", True), ("payments-team", True), ("app1", True), ("jdoe", False),
    ("m.rossi", False),
])
def test_system_accounts_are_told_from_people(account: str, shared: bool) -> None:
    assert shared == system_account(account)


def test_the_recognizers_report_person_only_when_asked(recognizers) -> None:
    """An analysis for other entity types gets nothing from them."""
    text = "@dani.ferreira: login: m.rossi"
    assert [] == [r for rec in recognizers for r in rec.analyze(text, ["PHONE_NUMBER"])]

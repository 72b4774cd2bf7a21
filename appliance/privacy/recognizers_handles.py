"""User handles and login names: the names people go by in chat, logs, configs and code.

A handle identifies a person as well as the name it is made from ("@dani.ferreira",
``actor=svetlana.orlova``, ``owner: ravi-k``). The NER model does not read them (lower case,
dots and digits), so they are found by the frame they stand in (issue 37), as ``PERSON``:

- **@mentions** in running text and at a line's start ("@dani.ferreira: has anyone seen…",
  "shoutout to @benny_sandoval"). ``@`` also starts code: decorators and annotations
  (``@property``, ``@app.route(...)``, ``@Override``), doc tags (``@param``), CSS at-rules
  (``@media``), npm scopes (``@types/node``), Vue attributes (``@click=``), T-SQL variables,
  Makefile recipe prefixes (``@echo``), JSON-LD keys (``"@id"``), image scales (``@2x``) and
  times ("@5pm"). The frame decides (:func:`_mention_in_code`): a mention stands in running
  text, or opens a line followed by ``:`` or text; a decorator is followed by ``(``, stands
  alone on its line above a ``def``/``class``/function line, or is a known annotation word;
  a doc tag follows a comment marker. E-mail addresses and ``user@host`` never match (a word
  character before the ``@``).
- **Values of person keys** (:data:`_KEYS`: user, username, login, actor, owner, assignee,
  reporter, author, requester, approver, reviewer, created_by …) in ``key=value``,
  ``key: value``, JSON, YAML, XML, ``--user x`` and CSV/Markdown columns headed by such a
  key; ``primary``/``secondary``/``backup`` inside an on-call block; the items of a list under
  a plural key (``reviewers:`` then ``- jdoe``, or ``[jdoe, ravi-k]``).
- **Code-host, comment and log frames**: "pull request #412 from magnus-thorsen/fix-tz",
  ``TODO(rhiannon):``, ``FIXME(j.smith)``, ``@author jdoe``; authentication logs ("Accepted
  publickey for jdoe from …", "Invalid user jdoe from …", "session opened for user jdoe").
- **A given name and a surname joined** by ``.`` or ``_`` anywhere ("new device for
  nadia.haddad from Beirut"), when both parts are names and neither is a word (only with the
  model's lexicon: :class:`NameHandleRecognizer`).

A value counts only when it is shaped like a handle (letters, digits, ``. _ -``; a letter
first) and is no shared or system account (:func:`system_account`: root, admin, nobody,
svc-*, *-bot, ci, jenkins, github-actions …), no constant (all capitals), no placeholder or
type name (str, None, ``<user>``), and no code (``user=request.user``, ``owner = owner``,
``user = get_user()``). A plain word (letters only) must not be an ordinary English word
unless it is a first name or surname: "User: thanks" is a chat turn, "user: ingvild" a login.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.lexicon import Lexicon, ordinary_word
from appliance.privacy.recognizer_base import OwnRecognizer, make_result
from appliance.privacy.recognizers_names import gazetteer, stop_words

#: Score of a handle found by its frame.
HANDLE_SCORE = 0.85
#: Longest handle read (GitHub allows 39 characters, e-mail local parts 64).
MAX_HANDLE = 64

#: A handle: a letter, then letters, digits, ``.``, ``_`` or ``-`` (one run, read once).
_TOKEN = r"[^\W\d_][\w.\-]{0,63}"  # noqa: S105 - a pattern, not a password

# ---- accounts that are no one ----------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Accounts shared by a system, a team or no one, placeholders and type names: never a person.
_NO_ONE = _words("""
root admin admins administrator administrators system sys sysadmin superuser su sa dbo sudo
null none nil undefined unknown anonymous anon guest guests nobody noone daemon default
www www-data apache httpd nginx postgres postgresql mysql mariadb redis mongo mongodb oracle
elastic elasticsearch kibana rabbitmq kafka zookeeper git svn hg ubuntu ec2-user centos debian
fedora alpine pi vagrant docker podman containerd kubelet kubernetes k8s jenkins ci cd travis
circleci buildkite github-actions gitlab-ci gitlab-runner bot bots robot service services
serviceaccount service-account test tester testuser testing demo example sample user users
username usernames login logins owner owners author authors assignee reviewer approver actor
reporter requester me myself self you them someone somebody anyone everyone everybody all any
here channel team teams group groups staff crew org everyone current auto automation automated
cron crond scheduler deploy deployer deployment release build builder runner worker workers
agent ops devops sre dev devs prod production staging stage local localhost host server client
app api web support helpdesk help info sales billing security marketing noreply no-reply
donotreply do-not-reply mailer-daemon postmaster webmaster hostmaster operator operators
monitor monitoring nagios zabbix prometheus grafana sonar sonarqube dependabot renovate
renovatebot mergify codecov snyk copilot github gitlab bitbucket slackbot assistant model ai
human na n-a tbd tbc tba todo pending unassigned unowned unset empty blank void true false yes
no str string strings int integer text varchar char bool boolean float number required optional
value values name names id ids key object dict list type any foo bar baz qux quux xxx xyz
placeholder changeme your-username your_username yourname your-name myuser my-user my_user
username1 user1 user2 user123 admin1 backup backups nightly hourly weekly batch etl sync
internal external public private shared common global local-user localuser
""")
#: Prefixes and suffixes that mark an account as a service's, a bot's or a team's.
_SERVICE_PREFIX = re.compile(
    r"(?i)(?:svc|srv|sa|service|bot|ci|cd|build|deploy|system|sys|app|api|k8s|kube|aws|gcp|"
    r"azure|terraform|tf|ansible|jenkins|gitlab|github|argo|argocd|flux|backup|monitor|"
    r"nagios|zabbix|prometheus|sonar|test|qa|automation|auto|batch|cron|etl|sync|noreply|"
    r"no-reply|donotreply|team|grp|group|role|dl|ops)[._-]")
_SERVICE_SUFFIX = re.compile(
    r"(?i)[._-](?:bot|bots|svc|service|services|sa|system|ci|cd|automation|daemon|agent|runner|"
    r"deploy|deployer|worker|robot|app|api|prod|staging|dev|test|team|teams|group|squad|crew|"
    r"guild|admins?|ops|oncall|on-call|devs|eng|engineering|reviewers|owners|maintainers|"
    r"approvers|users|readonly|ro|rw|backup|sync|etl|cron|batch)$|\[bot\]$")
#: Type and code words seen where a handle would be (``user: str``, ``owner = None``).
_CODE_OBJECTS = _words("""
self cls this super request req args opts options config cfg conf settings ctx context os sys
env environ params kwargs data obj item record row user session app event payload body form
model instance msg message response resp result info meta auth token claims principal identity
profile account db conn entry node issue ticket commit repo pr current_user frappe django
flask g np pd
""")
#: File extensions and top-level domains: a dotted value ending so is a file or a host.
_NOT_HANDLE_ENDS = _words("""
com org net io edu gov mil int info biz co uk de fr nl eu us ca au jp cn ru br in it es ch se
no dk fi pl cz be at local lan internal localdomain corp home arpa py pyc txt json yaml yml csv
tsv log md rst sh bash js ts jsx tsx html htm xml ini cfg conf toml exe dll so dylib gz bz2 xz
zip tar tgz pdf png jpg jpeg gif svg ico css scss less lock db sqlite sql bak tmp pem key crt
cer pub gpg asc deb rpm whl egg jar war class go rs rb php java kt swift c h cpp hpp o a
""")


def system_account(value: str) -> bool:
    """``value`` names a shared, system or service account, a team, or no one."""
    low = value.lower()
    bare = low.rstrip("0123456789")  # app1, user2, node01: a system word numbered
    return low in _NO_ONE or bare in _NO_ONE or _SERVICE_PREFIX.match(low) is not None \
        or _SERVICE_SUFFIX.search(low) is not None


def _handle_shaped(value: str) -> bool:
    """Letters, digits, ``. _ -`` with a letter, not all capitals (a constant), at least two
    characters, no run of dots, and not a file name, host name or hex/UUID identifier."""
    if not 2 <= len(value) <= MAX_HANDLE or not any(c.isalpha() for c in value):
        return False
    if not any(c.islower() for c in value) or ".." in value or value.count(".") > 2:
        return False
    if "." in value and value.rsplit(".", 1)[1].lower() in _NOT_HANDLE_ENDS:
        return False
    digits = sum(c.isdigit() for c in value)
    letters = sum(c.isalpha() for c in value)
    return digits <= letters * 2 and not re.fullmatch(r"[0-9a-f]{8,}(?:-[0-9a-f]+)*", value)


class HandleChecks:
    """Whether a handle-shaped value is someone's: the checks every frame shares."""

    def __init__(self, lexicon: Lexicon | None) -> None:
        self._lexicon = lexicon

    def person(self, value: str) -> bool:
        """``value`` may be a person's handle: handle-shaped, no system account, and, when it
        is one plain word, no ordinary English word unless a first name or surname."""
        if not _handle_shaped(value) or system_account(value):
            return False
        if value.isalpha() and self._lexicon is not None and len(self._lexicon):
            # A short word is more often "in" or "to" (that world name lists hold as given
            # names too) than a login.
            return len(value) > 2 and value.lower() not in stop_words() \
                and not ordinary_word(value, self._lexicon)
        parts = [p for p in re.split(r"[._-]", value) if p]
        if len(parts) == 2 and min(map(len, parts)) == 1 and all(p.isalpha() for p in parts) \
                and self._lexicon is not None and len(self._lexicon):
            # A name and an initial (lucy_w, k.osei) in a frame that names a person.
            name = max(parts, key=len)
            if not ordinary_word(name, self._lexicon) and (
                    name.upper() in gazetteer()[0] or not self._lexicon.is_word(name)):
                return True
        if len(parts) > 1 and all(p.isalpha() for p in parts) and self._lexicon is not None \
                and len(self._lexicon) and ordinary_word(parts[-1], self._lexicon):
            # Words joined (grace.period, first_name): a login only after a name that is no
            # English word as well (tariq.bakes).
            return not self._lexicon.is_word(parts[0])
        return True

    def named(self, value: str) -> bool:
        """A handle in a forum's or chat's frame, where code and logs use the same frames
        (ticket_1234, worker_3, health_check, v2.1, pandas.DataFrame): at least three
        characters, no CamelCase part, and a part of two letters or more that is a given name
        or no dictionary word (dave_the_rave, k.osei, quietmoth)."""
        parts = [p for p in re.split(r"[._\-0-9]+", value) if p]
        if len(value) < 3 or value.lower() in _CHAT_WORDS \
                or any(re.search(r"[a-z][A-Z]", p) for p in parts):
            return False
        return any(len(p) > 2 and self.unknown(p) for p in parts)

    def unknown(self, word: str) -> bool:
        """``word`` is a given name or no dictionary word (quietmoth), with a lexicon."""
        return self._lexicon is not None and len(self._lexicon) > 0 and (
            word.upper() in gazetteer()[0] or not self._lexicon.is_word(word))

    def code_value(self, value: str, key: str) -> bool:
        """An unquoted ``value`` that is code: the key again (``user=user``), a variable named
        after it (``owner=owner_id``), an attribute path (``request.user``), a CamelCase type
        (``UserProfile``)."""
        low, key_low = value.lower(), re.sub(r"[_-]", "", key.lower())
        parts = re.split(r"[._-]", low)
        if key_low and (low.replace("_", "").replace("-", "") == key_low
                        or any(p and p in key_low and len(p) > 2 for p in parts)):
            return True
        if _code_path(value):
            return True
        if re.fullmatch(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+", value) is None:
            return False
        # CamelCase: a type (UserProfile, ItemModel) is made of words, a handle of names.
        words = re.findall(r"[A-Z][a-z0-9]*", value)
        return self._lexicon is None or not len(self._lexicon) \
            or all(ordinary_word(w, self._lexicon) for w in words)


def _code_path(value: str) -> bool:
    """An attribute path: ``request.user``, ``self._count``, ``args.login``."""
    if "." not in value:
        return False
    parts = value.lower().split(".")
    return parts[0] in _CODE_OBJECTS or parts[-1] in _NO_ONE or parts[-1].startswith("_")


def _trimmed(text: str, start: int, end: int) -> int:
    """``end`` less the dots and hyphens a handle does not end with (a sentence's full stop)."""
    while end > start and text[end - 1] in ".-":
        end -= 1
    return end


#: How far (characters) a frame check reads either side of a match: a line longer than that
#: is read in part, so that many matches on one long line cost no more than on short ones.
_REACH = 256


def _line_bounds(text: str, at: int) -> tuple[int, int]:
    """The line around ``at``, at most :data:`_REACH` characters either side of it."""
    low, high = max(0, at - _REACH), min(len(text), at + _REACH)
    start = text.rfind("\n", low, at)
    end = text.find("\n", at, high)
    return (low if start < 0 else start + 1), (high if end < 0 else end)


# ---- @mentions -----------------------------------------------------------------------------

#: An ``@`` not inside a word, address, path or entity, then a handle.
_MENTION = re.compile(r"(?<![\w.@/+\-\\&#$%`'\"}\])|~^])@(?P<v>[^\W\d_][\w.\-]{0,63})")
#: Decorators, annotations, doc tags, at-rules, template directives and commands written with
#: ``@``, lower case (Python, Java/Kotlin, Swift, Obj-C, C#, JSDoc/Javadoc/Doxygen/epydoc,
#: CSS/Sass/Less, Razor, Blade, Makefile and batch files, JSON-LD, Slack broadcasts).
_AT_WORDS = _words("""
coroutine property staticmethod classmethod dataclass abstractmethod abstractproperty
override overload
final cache cached_property lru_cache wraps contextmanager asynccontextmanager total_ordering
singledispatch singledispatchmethod unique fixture setter getter deleter runtime_checkable
no_type_check typing pytest mock patch skip skipif skipunless expectedfailure receiver
login_required csrf_exempt require_http_methods route get post put delete patch head options
task shared_task validator root_validator field_validator model_validator computed_field jit
njit click command group option argument functools abc unittest dataclasses enum asyncio
param params parameter arg args argument return returns raise raises throw throws exception
type types typedef rtype vartype ivar cvar var keyword kwarg kwargs see since deprecated author
version link linkplain example examples todo note notes warning warn bug summary brief details
detail file fn def struct union namespace package module page section subsection ref code
endcode pre post retval tparam sa li attention invariant remark remarks result test copydoc
inheritdoc inheritdocs private public protected internal static readonly abstract access alias
augments extends implements interface borrows callback class classdesc constant const
constructor constructs copyright default desc description emits enum event exports external
fires function func method generator global hideconstructor ignore instance kind lends license
listens member memberof mixes mixin name async await yields yield prop this tutorial variation
requires template satisfies import media font-face keyframes charset supports layer apply
tailwind include use forward each if else elseif endif for foreach endforeach while endwhile
switch case break continue debug error warn at-root content function return extend container
document namespace page viewport counter-style font-feature-values property scope starting-style
test before after beforeeach aftereach beforeall afterall autowired component service
repository controller restcontroller entity table id column bean configuration value inject
nullable nonnull notnull getter setter data builder slf4j getmapping postmapping requestmapping
pathvariable requestbody transactional jsonproperty injectmocks parameterized retention target
documented inherited functionalinterface safevarargs suppresswarnings objc escaping state
published binding observedobject environment environmentobject mainactor available
discardableresult iboutlet ibaction main frozen inlinable sendable autoclosure testable
jvmstatic jvmfield composable implementation end synthesize dynamic selector protocol
autoreleasepool try catch finally synchronized encode optional required model using inject
section yield endsection csrf auth guest endauth endguest php endphp push endpush stack slot
endslot props livewire vite echo rem off cd rm mkdir cp mv printf touch set exit true false make
sh bash python python3 pip npm node go cargo docker git ln chmod sed awk cat tar install
timestamp context graph vocab base language list reverse index nest none nonnull here channel
everyone all team room group admins mods moderators
""")
#: Words after a mention that say it names code, not someone ("the @functools.cache
#: decorator", "@media queries").
_CODE_NOUN = re.compile(r"(?<![ \t])[ \t]*+(?:decorators?|annotations?|directives?|"
                        r"at-rules?|rules?|tags?|keywords?|attributes?|syntax|notation|macros?|operators?|"
                        r"queries|query|hooks?|variables?|parameters?|fields?|mixins?|"
                        r"functions?|methods?|syntax|symbol|sign|prefix)\b", re.IGNORECASE)
#: What opens a line of code after a decorator (Python, Java, Kotlin, Swift, JS/TS, C#).
_CODE_LINE = re.compile(
    r"(?<![ \t])[ \t]*+(?:(?:>>>|\.\.\.)[ \t]*+)?(?:@|(?:async[ \t]+)?def\b|class\b|"
    r"public\b|private\b|protected\b|internal\b|static\b|final\b|abstract\b|open\b|override\b|fun\b|func\b|"
    r"function\b|export\b|var\b|val\b|let\b|const\b|void\b|struct\b|enum\b|interface\b|"
    r"data\b|sealed\b|object\b|get\b|set\b|init\b|\w[\w.<>\[\], ]*+\(|\w++[ \t]*+[:=])")
#: A line of code: ends with a brace or semicolon.
_CODE_END = re.compile(r"[{};][ \t]*(?://[^\n]*|/\*[^\n]*)?$")
#: T-SQL: variables in statements (DECLARE @n INT, SET @x = 1, WHERE id = @id).
_SQL_LINE = re.compile(r"(?<![ \t])[ \t]*+(?:DECLARE|SET|SELECT|EXEC|EXECUTE|INSERT|UPDATE|"
                       r"DELETE|WHERE|AND|OR|VALUES|FROM|CREATE|ALTER|PRINT|IF|BEGIN|RETURN|FETCH|OPEN)\b")
#: Comment markers that make a line-opening ``@word`` a doc tag or a tool's directive.
_COMMENT_MARK = re.compile(r"(?<![ \t])[ \t]*+(?:/\*\*?|\*|///?|#++|--|;++|%++|\"\"\"|''')[ \t]*+$")


def _mention_in_code(text: str, at: int, end: int) -> bool:  # noqa: PLR0911 - one reason per frame
    """The ``@`` at ``at`` with its word ending at ``end`` is code, not a mention (see the
    module docstring)."""
    after = text[end:end + 1]
    if after in ("(", "/", "=", "[", "{", "<", "\\") \
            or (after in ("\"", "'") and text[at - 1:at] == after):
        return True  # a call, a scope or path, an attribute, a generic, a JSON-LD key
    if _CODE_NOUN.match(text, end):
        return True
    line_start, line_end = _line_bounds(text, at)
    before = text[line_start:at]
    line = text[line_start:line_end]
    if _CODE_END.search(line) or _SQL_LINE.match(line):
        return True
    if before.strip() in (">>>", "...") or _COMMENT_MARK.fullmatch(before):
        return True  # a doctest line; a doc tag after a comment marker
    if before.strip(" >"):  # after a quoted reply's "> " the line starts again
        preceding = before.rstrip()[-1:]
        if preceding == "|" and line.lstrip().startswith("|"):
            return False  # a cell of a Markdown table: "| 49 | @ferhat |"
        return preceding in "=<>+*|&!^~"  # an operand (T-SQL, matrix product)
    rest = text[end:line_end].strip()
    if rest.startswith("="):
        return True  # "@optimizers = …": a name being assigned (a config registry, Less)
    if rest.startswith(":"):
        return False  # "@dani: has anyone seen…"
    if before.strip(" "):  # "> @x wrote:": a quoted reply
        return False
    if before:  # indented, then a word: a Makefile recipe, a decorator in a class body
        return True
    if rest and not rest.startswith("#") and not rest.startswith("//"):
        return False  # "@bob can you look"
    following = text[line_end + 1:_line_bounds(text, line_end + 1)[1]]
    return _CODE_LINE.match(following) is not None


class _HandleRecognizer(OwnRecognizer):
    """A recognizer of handles by one kind of frame, with the checks every frame shares."""

    ENTITY = "PERSON"

    def __init__(self, lexicon: Lexicon | None = None, language: str = "en") -> None:
        super().__init__(language)
        self._checks = HandleChecks(lexicon)


class MentionRecognizer(_HandleRecognizer):
    """@mentions of people in prose, chat and social text (see the module docstring)."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities or "@" not in text:
            return []
        out = []
        for m in _MENTION.finditer(text):
            start, end = m.start("v"), _trimmed(text, *m.span("v"))
            value = text[start:end]
            if any(p.lower() in _AT_WORDS for p in value.split(".")) \
                    or not self._checks.person(value) or _mention_in_code(text, m.start(), end):
                continue
            out.append(make_result(self, self.ENTITY, start, end, HANDLE_SCORE, "@mention"))
        return out


# ---- values of person keys -------------------------------------------------------------------

_BY = (r"(?:created|updated|modified|deleted|changed|submitted|opened|closed|resolved|merged|"
       r"committed|uploaded|edited|signed|triggered|initiated|performed|requested|approved|"
       r"reviewed|reported|assigned|invited|added|removed|owned|authored|posted|sent|"
       r"last[_-]?modified|last[_-]?updated|checked[_-]?out|locked)[_-]?by")
#: Keys whose value is one person's login (any case; camelCase, snake_case, kebab-case).
_KEYS = (r"(?:user(?:[_-]?(?:name|login|handle|id))?|login(?:[_-]?name)?|actor|owner|"
         r"assignee|assigned[_-]?to|reporter|author|requester|requestor|approver|reviewer|"
         r"committer|uploader|maintainer|handle|nick(?:name)?|screen[_-]?name|uid|"
         r"remote[_-]?user|auth[_-]?user|sam[_-]?account[_-]?name|on[_-]?call|" + _BY + r"|"
         r"(?:github|gitlab|slack|twitter|telegram|discord|irc|mastodon|instagram|tiktok|"
         r"reddit|keybase|x)[_-]?(?:user(?:[_-]?name)?|handle|login|nick))")
#: Keys whose value is a list of people.
_LIST_KEYS = (r"(?:users|usernames|logins|owners|assignees|reviewers|approvers|maintainers|"
              r"authors|committers|watchers|collaborators|contributors|requested[_-]?reviewers|"
              r"code[_-]?owners|members)")
_FIELD = re.compile(
    rf"(?<![\w.\-])(?P<k>{_KEYS})[\"']?[ \t]*(?P<sep>=>|:=|=|:)[ \t]*"
    rf"(?P<q>[\"']?)(?P<v>{_TOKEN})", re.IGNORECASE)
_FLAG = re.compile(rf"(?<![\w-])--(?P<k>{_KEYS})(?:=|[ \t]+)(?P<q>[\"']?)(?P<v>{_TOKEN})",
                   re.IGNORECASE)
_XML = re.compile(rf"<(?P<k>{_KEYS})>[ \t]*(?P<v>{_TOKEN})[ \t]*</", re.IGNORECASE)
#: What may follow an unquoted ``key: value`` for the value to be the whole field: the line's
#: end, a separator, or another field, an address, a bracket, "from 10.0.0.2".
_FIELD_END = re.compile(
    r"(?<![ \t])[ \t]*+(?:$|[,;|)\]}<>&#]|\([^\n]*|\[|[-–—][ \t]|(?<![\w.\-])[\w.\-]++[ \t]*+[=:]|"
    r"[0-9]|"
    r"(?:from|at|via|on|in|to|for|with|using|since|until|ip|src|dst)\b)", re.MULTILINE)
_PERSON_HEADER = re.compile(rf"(?:{_KEYS}|{_LIST_KEYS}|user[ _]?name|login[ _]?name|"
                            r"assigned[ _]to|created[ _]by|updated[ _]by)", re.IGNORECASE)
#: A block of people under a key: on-call roles and plural keys, one per indented line.
_BLOCK = re.compile(
    rf"(?m)^(?P<ind>[ \t]*)[\"']?(?P<k>on[_-]?call|pager(?:duty)?|rotation|escalation|"
    rf"{_LIST_KEYS})[\"']?[ \t]*:[ \t]*(?P<inline>[\[{{][^\n]*)?$", re.IGNORECASE)
_ROLE = re.compile(
    rf"(?<![ \t])(?P<ind>[ \t]*+)(?:-[ \t]++)?[\"']?(?P<k>primary|secondary|tertiary|backup|shadow|"
    rf"escalation|current|next|lead|ic|incident[_-]?commander|week[_-]?[0-9]+|mon|tue|wed|"
    rf"thu|fri|sat|sun|[a-z]+day)[\"']?[ \t]*[:=][ \t]*[\"']?(?P<v>{_TOKEN})", re.IGNORECASE)
_ITEM = re.compile(rf"(?<![ \t])(?P<ind>[ \t]*+)-[ \t]++[\"']?@?(?P<v>{_TOKEN})[\"']?[ \t]*+"
                   r"(?:#[^\n]*)?$")
_INLINE_ITEM = re.compile(rf"[\"']?@?(?P<v>{_TOKEN})[\"']?")
#: A list of people as a JSON, YAML-flow or Python value: ``"reviewers": ["jdoe", "ravi-k"]``.
_INLINE_LIST = re.compile(rf"(?<![\w.\-])[\"']?(?P<k>{_LIST_KEYS})[\"']?[ \t]*[:=][ \t]*"
                          r"(?P<inline>\[[^\]\n]{0,400}\])", re.IGNORECASE)
_ONCALL_KEYS = re.compile(r"(?i)on[_-]?call|pager(?:duty)?|rotation|escalation")


class HandleFieldRecognizer(_HandleRecognizer):
    """Logins as the value of a person key (see the module docstring)."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        spans = {*self._fields(text), *self._blocks(text), *self._columns(text)}
        return [make_result(self, self.ENTITY, s, e, HANDLE_SCORE, why)
                for s, e, why in sorted(spans)]

    def _fields(self, text: str) -> Iterator[tuple[int, int, str]]:
        for pattern in (_FIELD, _FLAG, _XML):
            for m in pattern.finditer(text):
                start, end = m.start("v"), _trimmed(text, *m.span("v"))
                if self._field_value(text, m, start, end):
                    yield start, end, f"value of {m.group('k').lower()}"

    def _field_value(self, text: str, m: re.Match[str], start: int, end: int) -> bool:  # noqa: PLR0911 - one reason per frame
        value = text[start:end]
        if not self._checks.person(value):
            return False
        quote = m.groupdict().get("q") or ""
        if quote:
            return text[end:end + 1] == quote  # the whole string: "assignee": "tkowalski"
        if m.re is _XML:
            return True
        if self._checks.code_value(value, m.group("k")) or text[end:end + 1] in ("(", "[", "."):
            return False
        if m.re is _FLAG:
            return True
        sep = m.group("sep")
        line_start, _ = _line_bounds(text, m.start())
        before = text[line_start:m.start()]
        if before.count("(") > before.count(")"):
            return False  # a keyword argument, a call's parameter: a variable
        if sep != ":" and (m.group("k").isupper() or "_" in value.rpartition(".")[2]) \
                and "." in value:
            return False  # "HANDLE = ctypes.c_void_p": a constant bound to a module's name
        if sep == ":" and _FIELD_END.match(text, end) is None:
            return False  # "User: how do I…": a speaker's turn, not a field
        # "user = get(…) or x": an expression; "user=jdoe action=…", "user = jdoe": a field
        spaced = text[m.end("k"):m.start("sep")] + text[m.end("sep"):start] != ""
        return not spaced or _FIELD_END.match(text, end) is not None

    def _blocks(self, text: str) -> Iterator[tuple[int, int, str]]:
        for m in _INLINE_LIST.finditer(text):
            yield from self._inline(text, m.start("inline"), m.end("inline"), False,
                                    m.group("k").lower())
        for m in _BLOCK.finditer(text):
            key = m.group("k").lower()
            oncall = _ONCALL_KEYS.fullmatch(key) is not None
            if m.group("inline"):
                yield from self._inline(text, m.start("inline"), m.end("inline"), oncall, key)
                continue
            indent = len(m.group("ind"))
            at = m.end() + 1
            while at < len(text):
                line_end = text.find("\n", at)
                line_end = len(text) if line_end < 0 else line_end
                line = text[at:line_end]
                if line.strip() and len(line) - len(line.lstrip(" \t-")) <= indent:
                    break  # back at the block's own level (or a "- " item of its list)
                item = (_ROLE if oncall else _ITEM).match(text, at, line_end)
                if item is not None:
                    start, end = item.start("v"), _trimmed(text, *item.span("v"))
                    if (oncall or end == line_end or not text[end:line_end].strip(" \t\"'")
                            or text[end:line_end].lstrip(" \t\"'").startswith("#")) \
                            and self._checks.person(text[start:end]):
                        yield start, end, f"listed under {key}"
                at = line_end + 1

    def _inline(self, text: str, start: int, end: int, oncall: bool,
                key: str) -> Iterator[tuple[int, int, str]]:
        """``[jdoe, ravi-k]`` or ``{primary: ingvild, secondary: x}`` after a list key."""
        pattern = _ROLE if oncall else _INLINE_ITEM
        at = start + 1
        for part in re.finditer(r"[^,\[\]{}\s][^,\[\]{}]*", text[at:end]):
            m = pattern.match(text, at + part.start(), at + part.end())
            if m is None:
                continue
            s, e = m.start("v"), _trimmed(text, *m.span("v"))
            if text[e:at + part.end()].strip(" \t\"'") == "" and self._checks.person(text[s:e]):
                yield s, e, f"listed under {key}"

    def _columns(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Cells under a person column of a CSV, TSV or Markdown table."""
        if "\n" not in text:
            return
        lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*", text)
                 if m.start() == 0 or text[m.start() - 1] == "\n"]
        header: tuple[str, int, set[int]] | None = None  # separator, cells, person columns
        for start, end in lines:
            line = text[start:end]
            if header is not None:
                if re.fullmatch(r"[\s|:\-]+", line):
                    continue  # a Markdown table's rule
                rows = _rows(text, start, end, header)
                if rows is not None:
                    for cells in rows:
                        for i in header[2]:
                            s, e = cells[i]
                            if self._checks.person(text[s:e]) and not _code_path(text[s:e]):
                                yield s, e, "column of people"
                    continue
            header = _header(line, start)


#: Where the normalised view joined two rows: a line break between digits reads as a space
#: (normalize: a number wrapped over two lines), so "…,120\n2024-01-03,…" is one line.
_JOINED_ROWS = re.compile(r"(?<=[0-9]) (?=[0-9])")


def _rows(text: str, start: int, end: int, header: tuple[str, int, set[int]],
          ) -> list[list[tuple[int, int]]] | None:
    """The rows of the table under ``header`` in ``text[start:end]`` (one line, or several
    the normalised view joined), each as its cells; None when the line is no such row."""
    sep, count, _ = header
    cells = _cells(text[start:end], sep, start)
    if len(cells) == count:
        return [cells]
    if sep == " ":
        return None
    rows, at = [], start
    for cut in [*(m.start() for m in _JOINED_ROWS.finditer(text, start, end)), end]:
        cells = _cells(text[at:cut], sep, at)
        if len(cells) != count:
            return None
        rows.append(cells)
        at = cut + 1
    return rows


def _cells(line: str, sep: str, offset: int) -> list[tuple[int, int]]:
    """The cells of ``line`` split at ``sep`` (quotes and blanks stripped), as text spans."""
    body_start, body_end = 0, len(line)
    if sep == "|":
        stripped = line.strip()
        if stripped.startswith("|"):
            body_start = line.index("|") + 1
        if stripped.endswith("|"):
            body_end = line.rindex("|")
    cells = []
    at = body_start
    while True:
        nxt = line.find(sep, at, body_end)
        cell_end = body_end if nxt < 0 else nxt
        s, e = at, cell_end
        while s < e and line[s] in " \t\"'":
            s += 1
        while e > s and line[e - 1] in " \t\"'\r":
            e -= 1
        cells.append((offset + s, offset + e))
        if nxt < 0:
            return cells
        at = nxt + 1


def _header(line: str, offset: int) -> tuple[str, int, set[int]] | None:
    """A header row with a person column: its separator, cell count and those columns."""
    counts = {sep: line.count(sep) for sep in (",", "\t", ";", "|")}
    sep = max(counts, key=lambda s: counts[s])
    if not counts[sep]:
        # Columns apart by blanks (a TSV's tabs read as spaces): lower-case labels only.
        if not re.fullmatch(r"[a-z_]+(?: [a-z_]+)+", line):
            return None
        sep = " "
    cells = _cells(line, sep, 0)
    names = [line[s:e] for s, e in cells]
    # Every cell a short label: a line ending in a comma is a list in code ("owner,").
    if len(names) < 2 or any(not 0 < len(n) <= 40 or not re.fullmatch(r"[\w .\-]+", n)
                             for n in names):
        return None
    wanted = {i for i, n in enumerate(names) if _PERSON_HEADER.fullmatch(n)}
    return (sep, len(cells), wanted) if wanted else None


# ---- pull requests, TODO(name), @author ------------------------------------------------------

#: Chat words a handle's frame takes for one ("thanks lol", "thx all").
_CHAT_WORDS = _words("lol lmao rofl btw fyi imo imho tbh np ty thx all everyone guys folks team "
                     "mate bro again much so")
#: A handle in a forum's or chat's frame: joined by . or _ or with digits (dave_the_rave,
#: miguel.f, k.osei, SKYWALKER_77), or one lower-case word (quietmoth): not "Thanks Anna"
#: (a name, the model's), nor "thanks again".
_HANDLE_WORD = (r"(?:[^\W\d_][\w\-]*(?:[._][^\W_]|[0-9])[\w.\-]*|[^\W\d_A-Z][^\W\d_]+)"
                r"(?![\w@])")
#: Only joined: a sign-off after a dash ("k.osei" after an en dash, not "- done").
_JOINED = r"[^\W\d_][\w\-]*[._][^\W_][\w.\-]*(?![\w@])"
_REFS = re.compile(
    rf"(?:(?i:pull[ \t]+request)[ \t]+#[0-9]+[ \t]+from[ \t]+(?P<pr>{_TOKEN})/"
    rf"|\b(?:TODO|FIXME|XXX|HACK|NOTE|BUG|NB)\([ \t]*@?(?P<todo>{_TOKEN})[ \t]*\)"
    rf"|(?<![\w@])@author[ \t]+(?P<author>{_TOKEN})(?=[ \t]*(?:$|<|\(|\*/))"
    # Authentication logs: "Accepted publickey for jdoe from 10.1.2.3", "Failed password for
    # invalid user jdoe from …", "Invalid user jdoe from …", "session opened for user jdoe
    # by", "new device for x from".
    rf"|\b(?:for[ \t]+(?:(?:invalid|illegal|unknown)[ \t]+)?(?:user[ \t]+)?"
    rf"|(?i:invalid|illegal|unknown)[ \t]+user[ \t]+)(?P<for>{_TOKEN})(?=[ \t]+from\b)"
    rf"|\b(?:for|by|as)[ \t]+user[ \t]+(?P<user>{_TOKEN})"
    # Forums and chats: "Posted by dave_the_rave:", "Reply to grannyknits:", "Thanks quietmoth
    # for …", "DM devon_codes", "u/keeb_tilly", "auth failed for x (ldap …)", a timestamped
    # chat line's speaker ("[14:02] miguel.f: …", "User nadia.k: …"), a sign-off after a dash
    # at a sentence's end ("can a mod help? -- k.osei" with an en dash; not "new_pos - curr_pos").
    rf"|(?i:\b(?:posted|written|submitted|shared|started|asked|answered)[ \t]+by|"
    rf"\b(?:reply(?:ing)?|replied|respond(?:ing)?)[ \t]+to|\b(?:thanks|thank[ \t]+you|thx|ty|"
    rf"kudos[ \t]+to|shout[- ]?out[ \t]+to|dm)|"
    rf"\b(?:log[- ]?in|logon|auth(?:entication)?|sign[- ]?in|password)[ \t]+(?:failed|failure|"
    rf"error|denied|rejected|ok|succeeded)[ \t]+for)[ \t]+(?P<forum>{_HANDLE_WORD})"
    rf"|(?<![\w/])u/(?P<reddit>{_TOKEN})"
    rf"|^[ \t]*(?:\[[0-9]{{1,2}}:[0-9]{{2}}(?::[0-9]{{2}})?\]|(?i:user))[ \t]+"
    rf"(?P<speaker>{_HANDLE_WORD}):[ \t]"
    rf"|(?:(?<=[.!?])[ \t]*[–—-]|^[ \t]*[–—])[ \t]*(?P<signoff>{_JOINED})[ \t]*$)",
    re.MULTILINE)


#: What a TODO is about when it names no one: ``TODO(perf)``, ``FIXME(security)``.
_TODO_TOPICS = _words("""
perf performance cleanup refactor refactoring security tests test docs doc typing types compat
py2 py3 later someday urgent hack temp temporary debug i18n l10n a11y ux ui api deps migration
deprecation optimization optimize speed memory bug bugs fix wip maybe nit style lint
""")


class HandleRefRecognizer(_HandleRecognizer):
    """The user of a merged pull request's branch, the owner of a TODO, a doc comment's author."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for m in _REFS.finditer(text):
            group = next(g for g in ("pr", "todo", "author", "for", "user", "forum", "reddit",
                                     "speaker", "signoff") if m.group(g) is not None)
            start, end = m.start(group), _trimmed(text, *m.span(group))
            if group == "pr":
                end = m.end(group)  # the branch's owner, up to the "/"
            value = text[start:end]
            if group in ("forum", "speaker", "signoff") and not self._checks.named(value):
                continue  # "shared by start", "Reply to ticket_1234", "[12:00] worker_3: …"
            if self._checks.person(value) and not self._checks.code_value(value, "") \
                    and not (group == "todo" and value.lower() in _TODO_TOPICS):
                out.append(make_result(self, self.ENTITY, start, end, HANDLE_SCORE, group))
        return out


# ---- first.last in prose ---------------------------------------------------------------------

#: Two words joined by a dot or underscore, lower case: "nadia.haddad", "benny_sandoval".
_NAME_PAIR = re.compile(r"(?<![\w.@/\\\-])(?P<v>(?P<a>[a-z]{2,})[._](?P<b>[a-z]{4,}))"
                        r"(?![\w@/\\(\[]|[.\-][a-z0-9_]|[ \t]*[=(\[])")


class NameHandleRecognizer(OwnRecognizer):
    """A login made of a given name and a surname, anywhere: "new device for nadia.haddad
    from Beirut". The first part must be a given name, the second a surname that is no word
    of the lexicon at all (a common surname that is also a word, "long", "parent", reads as
    code: ``max_lines``, ``mark.parametrize``); an initial ("m.rossi") is left to the
    frames above, since ``p.port``, ``c_long`` and ``s.close`` are everywhere in code."""

    ENTITY = "PERSON"
    SCORE = 0.7

    def __init__(self, lexicon: Lexicon, language: str = "en") -> None:
        super().__init__(language)
        self._lexicon = lexicon

    def load(self) -> None:
        gazetteer()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities or not len(self._lexicon):
            return []
        firsts, lasts = gazetteer()
        out = []
        for m in _NAME_PAIR.finditer(text):
            a, b = m.group("a"), m.group("b")
            if a.upper() not in firsts or not self._name(a):
                continue
            if b.upper() in lasts and not self._lexicon.is_word(b) and self._name(b) \
                    and not system_account(m.group("v")):
                out.append(make_result(self, self.ENTITY, *m.span("v"), self.SCORE,
                                       "given name and surname joined"))
        return out

    def _name(self, word: str) -> bool:
        return not ordinary_word(word, self._lexicon) and word not in _NOT_HANDLE_ENDS


def handle_recognizers(lexicon: Lexicon | None = None,
                       language: str = "en") -> list[EntityRecognizer]:
    """The recognizers of this module, for the analyzer's registry (the name-pair one only
    with a lexicon to tell names from words)."""
    found: list[EntityRecognizer] = [
        MentionRecognizer(lexicon, language), HandleFieldRecognizer(lexicon, language),
        HandleRefRecognizer(lexicon, language)]
    if lexicon is not None and len(lexicon):
        found.append(NameHandleRecognizer(lexicon, language))
    return found

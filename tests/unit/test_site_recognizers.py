"""Site-defined recognizers ([pii.recognizers.NAME]): read and checked by key, their check
digits, and masking through a real Analyzer."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance import cli, config
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.masker import mask_texts
from appliance.privacy.site_recognizers import (
    iso7064_mod11_2_valid,
    luhn_valid,
    mod97_valid,
    site_recognizers,
    verhoeff_valid,
)
from tests.unit.test_config import write

#: Employee numbers EMP-NNNNNNNN (the digits Luhn-valid), masked only after a cue word;
#: patient numbers PT + ten characters (ISO 7064 MOD 11-2), masked anywhere. The ward
#: profile masks employee numbers without a cue too, and adds contract numbers.
SITE = """
[pii]
output_scan_entities = ["EMAIL_ADDRESS", "EMPLOYEE_ID"]
[pii.recognizers.employee]
entity = "EMPLOYEE_ID"
pattern = '(?<![A-Za-z0-9])EMP-(?P<v>[0-9]{8})(?![0-9])'
group = "v"
context = ["employee", "staff no", "工号"]
checksum = "luhn"
[pii.recognizers.patient]
entity = "PATIENT_ID"
pattern = '(?<![A-Za-z0-9])PT[0-9]{9}[0-9X](?![A-Za-z0-9])'
checksum = "iso7064_mod11_2"
[pii.thresholds]
PATIENT_ID = 0.5
[pii.profiles.ward.recognizers.employee]
score_without_context = 0.7
[pii.profiles.ward.recognizers.contract]
entity = "CONTRACT_NO"
pattern = 'K-[0-9]{6}'
[fallback]
allowed_pii_types = ["EMPLOYEE_ID", "CONTRACT_NO"]
"""
EMPLOYEE, EMPLOYEE_TYPO = "12345674", "12345675"
PATIENT, PATIENT_TYPO = "PT2000012343", "PT2000012344"


@pytest.fixture(scope="module")
def site_config(tmp_path_factory: pytest.TempPathFactory) -> config.Config:
    return config.load(write(tmp_path_factory.mktemp("site"), SITE))


@pytest.fixture(scope="module")
def site_analyzer(site_config: config.Config) -> Analyzer:
    """One real Analyzer (spaCy included) with the base policy's two site recognizers."""
    return Analyzer(site_config.pii)


def site_spans(analyzer: Analyzer, text: str) -> list[tuple[str, str]]:
    """The site types ``analyzer`` finds in ``text``, with the text of each."""
    return [(s.entity_type, text[s.start:s.end]) for s in analyzer.find(text)
            if s.entity_type in analyzer.policy.site_entities]


def problems(tmp_path: Path, text: str) -> dict[str, str]:
    """Every problem of a config, by key (a key's problems on one line each)."""
    with pytest.raises(config.ConfigErrors) as info:
        config.load(write(tmp_path, text))
    found: dict[str, str] = {}
    for p in info.value:
        found[p.key or ""] = "\n".join(filter(None, [found.get(p.key or ""), str(p)]))
    return found


def recognizer(**keys: str) -> str:
    body = {"entity": '"EMPLOYEE_ID"', "pattern": r"'E[0-9]{6}'", **keys}
    return "[pii.recognizers.employee]\n" + "".join(f"{k} = {v}\n" for k, v in body.items())


# ---- Config ---------------------------------------------------------------------------------

def test_site_recognizers_are_read_with_their_defaults(site_config: config.Config) -> None:
    """Every key as written, the rest at its declared default; the policy knows its types."""
    employee = site_config.pii.recognizers["employee"]
    assert ("EMPLOYEE_ID", "v", ("employee", "staff no", "工号"), "luhn") == (
        employee.entity, employee.group, employee.context, employee.checksum)
    assert (0.85, 0.0, 32) == (employee.score, employee.score_without_context,
                               employee.context_window)
    assert frozenset({"EMPLOYEE_ID", "PATIENT_ID"}) == site_config.pii.site_entities
    assert "none" == config.SiteRecognizerConfig().checksum


def test_a_profile_adds_recognizers_and_overrides_keys(site_config: config.Config) -> None:
    """[pii.profiles.P.recognizers.NAME] changes only the keys it sets of the base's NAME,
    and adds new NAMEs; the base policy is unchanged."""
    ward = site_config.pii.profiles["ward"]
    assert {"employee", "patient", "contract"} == set(ward.recognizers)
    assert 0.7 == ward.recognizers["employee"].score_without_context
    assert site_config.pii.recognizers["employee"].pattern == ward.recognizers["employee"].pattern
    assert 0.0 == site_config.pii.recognizers["employee"].score_without_context
    assert "CONTRACT_NO" not in site_config.pii.site_entities


def test_site_types_may_be_named_where_entity_types_are_listed(
        site_config: config.Config) -> None:
    """output_scan_entities, thresholds and fallback.allowed_pii_types accept the site's
    types (a profile's too, for the fallback); site types need not be in pii.entities."""
    assert "EMPLOYEE_ID" in site_config.pii.output_scan_entities
    assert 0.5 == site_config.pii.thresholds["PATIENT_ID"]
    assert ("EMPLOYEE_ID", "CONTRACT_NO") == site_config.fallback.allowed_pii_types


def test_undefined_types_are_still_unknown(tmp_path: Path) -> None:
    """A type no table defines is an unknown entity type wherever it is listed, and a
    profile's type is not the base policy's."""
    found = problems(tmp_path, "\n".join([
        "[fallback]", 'allowed_pii_types = ["BADGE_ID"]',
        "[pii]", 'entities = ["PERSON", "STAFF_ID"]', 'output_scan_entities = ["CONTRACT_NO"]',
        "[pii.thresholds]", "STAFF_ID = 0.5",
        "[pii.profiles.ward.recognizers.contract]", 'entity = "CONTRACT_NO"',
        "pattern = 'K-[0-9]{6}'"]))
    assert {"fallback.allowed_pii_types", "pii.entities", "pii.output_scan_entities",
            "pii.thresholds.STAFF_ID"} <= set(found)
    assert "unknown entity type 'BADGE_ID'" in found["fallback.allowed_pii_types"]
    assert "unknown entity type 'CONTRACT_NO'" in found["pii.output_scan_entities"]


@pytest.mark.parametrize(("keys", "key", "why"), [
    ({"entity": '"employee_id"'}, "entity", "upper case like EMPLOYEE_ID"),
    ({"entity": '"PERSON"'}, "entity", "PERSON is a built-in entity type"),
    ({"pattern": "'E[0-9'"}, "pattern", "not a valid regular expression"),
    ({"pattern": r"'E?[0-9]*'"}, "pattern", "can match the empty string"),
    ({"pattern": r"'(?:[A-Z]+[0-9]?)+'"}, "pattern", "repeat of variable length"),
    ({"pattern": f"'{'E' * 1001}'"}, "pattern", "at most 1000"),
    ({"checksum": '"crc32"'}, "checksum", "must be one of none, luhn, mod97"),
    ({"group": '"v"'}, "group", "the pattern has no group (?P<v>...)"),
    ({"score": "1.5"}, "score", "must be between 0 and 1"),
    ({"context": '["staff", " "]'}, "context", "cue words must not be empty"),
    ({"colour": '"blue"'}, "colour", "unknown key"),
])
def test_each_mistake_is_named_by_its_key(tmp_path: Path, keys: dict[str, str], key: str,
                                          why: str) -> None:
    """A bad value is reported with its dotted key, alone."""
    found = problems(tmp_path, recognizer(**keys))
    assert [f"pii.recognizers.employee.{key}"] == list(found)
    assert why in found[f"pii.recognizers.employee.{key}"]


def test_required_keys_and_names(tmp_path: Path) -> None:
    """entity and pattern are required; a recognizer's NAME is a lower-case id; a profile's
    mistakes are named under the profile (which inherits, and so repeats, the base's)."""
    found = problems(tmp_path, "\n".join([
        "[pii.recognizers.badge]", "score = 0.9",
        "[pii.recognizers.Staff]", 'entity = "STAFF_ID"', "pattern = 'S[0-9]{5}'",
        "[pii.profiles.ward.recognizers.contract]", 'entity = "CONTRACT_NO"',
        "pattern = '(a+)+b'"]))
    assert {"pii.recognizers.badge.entity", "pii.recognizers.badge.pattern",
            "pii.recognizers.Staff", "pii.profiles.ward.recognizers.contract.pattern"} <= set(found)
    assert "pii.recognizers.contract.pattern" not in found
    assert found["pii.recognizers.badge.entity"].endswith(": required")


def test_the_example_recognizer_loads(tmp_path: Path) -> None:
    """The commented-out [pii.recognizers.employee] of `config example`, uncommented, is a
    valid config that shows the declared defaults."""
    block = config.EXAMPLE.split("# [pii.recognizers.employee]\n", 1)[1].split("\n\n", 1)[0]
    text = "[pii.recognizers.employee]\n" + "\n".join(
        line.removeprefix("# ") for line in block.splitlines())
    employee = config.load(write(tmp_path, text)).pii.recognizers["employee"]
    assert ("EMPLOYEE_ID", "luhn") == (employee.entity, employee.checksum)
    defaults = config.SiteRecognizerConfig()
    assert (defaults.score, defaults.score_without_context, defaults.context_window) == (
        employee.score, employee.score_without_context, employee.context_window)


def test_config_check_names_a_bad_pattern(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`appliance config check` exits 2 naming the recognizer's key."""
    path = write(tmp_path, recognizer(pattern=r"'(\d+)*X'"))
    assert 2 == cli.main(["config", "check", "--config", str(path)])
    err = capsys.readouterr().err
    assert "pii.recognizers.employee.pattern: has a repeated group" in err


# ---- Check digits -----------------------------------------------------------------------------

@pytest.mark.parametrize(("check", "valid", "invalid"), [
    (luhn_valid, ["79927398713", "4111 1111 1111 1111", "EMP-12345674"],
     ["79927398710", "4111 1111 1111 1112", "7"]),
    (mod97_valid, ["WEST12345698765432GB82", "539007547034RF18", "471130"],
     ["WEST12345698765432GB83", "539007547034RF19", "47"]),
    (iso7064_mod11_2_valid, ["0000-0002-1825-0097", "0000-0002-1694-233X",
                             "11010519491231002X", "PT2000012343"],
     ["0000-0002-1825-0098", "110105194912310021", "PT2000012344", "X"]),
    (verhoeff_valid, ["2363", "123451"], ["2364", "123450", "2"]),
])
def test_checksums_accept_valid_values_only(check, valid: list[str],
                                            invalid: list[str]) -> None:
    """Each check holds for published valid values and fails when one character changes."""
    assert [True] * len(valid) == [check(v) for v in valid]
    assert [False] * len(invalid) == [check(v) for v in invalid]


# ---- Masking ------------------------------------------------------------------------------------

def test_a_cue_word_gates_a_contextual_type(site_analyzer: Analyzer) -> None:
    """With context, a value is masked only when a cue word ends close before it; the group
    is what is masked."""
    cued = f"Employee EMP-{EMPLOYEE} asked for leave."
    assert [("EMPLOYEE_ID", EMPLOYEE)] == site_spans(site_analyzer, cued)
    assert [] == site_spans(site_analyzer, f"Please file EMP-{EMPLOYEE} under misc.")
    far = "Employee of the month, as voted in the spring meeting: EMP-" + EMPLOYEE
    assert [] == site_spans(site_analyzer, far)


def test_a_failed_checksum_is_not_a_finding(site_analyzer: Analyzer) -> None:
    """A value whose check fails is dropped, cue word or not."""
    assert [] == site_spans(site_analyzer,
                            f"employee EMP-{EMPLOYEE_TYPO}, patient {PATIENT_TYPO}")
    assert [("PATIENT_ID", PATIENT)] == site_spans(site_analyzer, f"patient {PATIENT}")


def test_full_width_input_is_found_and_replaced_as_written(site_analyzer: Analyzer) -> None:
    """The pattern runs on the normalised text: full-width digits and a CJK cue word."""
    digits = EMPLOYEE.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    text = f"工号：ＥＭＰ－{digits}"
    masked = mask_texts(site_analyzer, [text])
    assert ("工号：ＥＭＰ－<EMPLOYEE_ID_1>",) == masked.texts


def test_site_types_survive_lookalike_filtering(site_analyzer: Analyzer) -> None:
    """A checksummed site type after a reference cue word (a contract, an order) is kept,
    where a loosely matched built-in type would be taken for the reference."""
    text = f"contract no. {PATIENT}, order {PATIENT}"
    assert [("PATIENT_ID", PATIENT)] * 2 == site_spans(site_analyzer, text)


def test_counts_and_output_scan_show_the_site_types(site_analyzer: Analyzer) -> None:
    """The entity counts (what the response and the audit record carry) name site types, and
    the output scan finds those listed in output_scan_entities."""
    masked = mask_texts(site_analyzer, [f"Staff no EMP-{EMPLOYEE}; patients {PATIENT} and "
                                        f"{PATIENT}, mail ann@example.com"])
    assert {"EMPLOYEE_ID": 1, "PATIENT_ID": 1, "EMAIL_ADDRESS": 1} == dict(masked.entity_counts)
    assert "Staff no EMP-<EMPLOYEE_ID_1>; patients <PATIENT_ID_1> and <PATIENT_ID_1>" \
        in masked.texts[0]
    scanned = site_analyzer.find_patterns(f"employee EMP-{EMPLOYEE}",
                                          frozenset(site_analyzer.policy.output_scan_entities))
    assert ["EMPLOYEE_ID"] == [s.entity_type for s in scanned]


def test_a_profile_override_changes_what_is_found(site_config: config.Config) -> None:
    """The ward profile's recognizers mask employee numbers without a cue, at its score,
    and its own contract numbers; the base policy's do neither."""
    text = f"file EMP-{EMPLOYEE} with K-123456"

    def found(policy: config.PiiConfig) -> list[tuple[str, str, float]]:
        return sorted((r.entity_type, text[r.start:r.end], r.score)
                      for rec in site_recognizers(policy)
                      for r in rec.analyze(text, sorted(policy.site_entities)))

    assert [] == found(site_config.pii)
    assert [("CONTRACT_NO", "K-123456", 0.85), ("EMPLOYEE_ID", EMPLOYEE, 0.7)] == found(
        site_config.pii.profiles["ward"])

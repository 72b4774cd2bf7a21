"""Strict (GDPR) profile precision (issue 37): words that name no firm, numbers that are no
one's age and everyday phrases in other scripts are not masked, and the firm, age or name
beside each of them still is."""

from __future__ import annotations

import pytest

from appliance.privacy.analyzer import Analyzer


def found(analyzer: Analyzer, text: str, entity: str) -> list[str]:
    """The values of ``entity`` found in ``text``."""
    return [text[s.start:s.end] for s in analyzer.find(text) if s.entity_type == entity]


# ---- 1. A possessive names a firm only with a proper noun ------------------------------------

@pytest.mark.parametrize("text", [
    "The Company's board met on Monday to approve the budget.",
    "The Council's spokesperson declined to comment.",
    "We appealed against the Committee's report.",
    "Our Firm's employees went on strike.",
    "The Bank's annual report is due in May.",
    "The University's staff voted to accept the offer.",
    "Python's founder stepped down years ago.",
    "Linux's founder also wrote Git.",
    "Windows's market share fell last year.",
    "Chrome's settings page has a search box now.",
    "Python's standard library has a json module.",
])
def test_generic_or_product_possessive_is_no_firm(strict: Analyzer, text: str) -> None:
    assert found(strict, text, "ORGANIZATION") == []


@pytest.mark.parametrize(("text", "firm"), [
    ("Acme's board met on Monday to approve the budget.", "Acme"),
    ("Zentrivo's chief financial officer resigned.", "Zentrivo"),
    ("We sued Globex's subsidiary in Ohio.", "Globex"),
    ("Microsoft's revenue grew again.", "Microsoft"),
])
def test_possessive_firm_is_masked(strict: Analyzer, text: str, firm: str) -> None:
    assert firm in found(strict, text, "ORGANIZATION")


# ---- 2. Tiers and grades after a firm's cue --------------------------------------------------

@pytest.mark.parametrize("text", [
    "Partners: Gold, Silver, Bronze",
    "Sponsors: Platinum, Gold and Silver",
    "Vendors: Local, Regional, National",
    "Sponsors:\n- Gold\n- Silver\n- Bronze",
    "Sponsors: Platinum tier",
])
def test_list_of_ordinary_words_is_no_firm(strict: Analyzer, text: str) -> None:
    assert found(strict, text, "ORGANIZATION") == []


@pytest.mark.parametrize(("text", "firms"), [
    ("Partners: Acme, Globex, Initech", ["Acme", "Globex", "Initech"]),
    ("Suppliers:\n- Zentrivo\n- Korvala", ["Zentrivo", "Korvala"]),
])
def test_list_of_firms_is_masked(strict: Analyzer, text: str, firms: list[str]) -> None:
    assert set(firms) <= set(found(strict, text, "ORGANIZATION"))


# ---- 3. A department on a signature's lines --------------------------------------------------

@pytest.mark.parametrize(("text", "department", "firm"), [
    ("Jane Roe\nHuman Resources\nAcme Corp", "Human Resources", "Acme Corp"),
    ("Best regards,\nJohn Smith\nFinance Department\nGlobex Ltd", "Finance Department",
     "Globex Ltd"),
])
def test_department_is_no_firm(strict: Analyzer, text: str, department: str,
                               firm: str) -> None:
    orgs = found(strict, text, "ORGANIZATION")
    assert firm in orgs
    assert not any(department in o for o in orgs)


# ---- 4. A number in a title is no age --------------------------------------------------------

@pytest.mark.parametrize(("text", "number"), [
    ("- Release Notes, 12, final", "12"),
    ("Solve Equation (5)", "5"),
    ("- Quarterly Report, 14, draft", "14"),
    ("Cache age 45 seconds is too long.", "45"),
])
def test_number_in_a_title_is_no_age(strict: Analyzer, text: str, number: str) -> None:
    assert number not in found(strict, text, "AGE")


@pytest.mark.parametrize(("text", "age"), [
    ("Tom, 12, from Leeds, won the prize.", "12"),
    ("my son (5) loves trains", "5"),
    ("- Ana Lima, 34, Porto", "34"),
    ("Maria Costa (42) joined the team.", "42"),
    ("The patient, 67, was discharged.", "67"),
])
def test_age_of_a_person_is_masked(strict: Analyzer, text: str, age: str) -> None:
    assert age in found(strict, text, "AGE")


# ---- 5. Tables: an Age column of things, "Age (years)" ---------------------------------------

@pytest.mark.parametrize("text", [
    "Component   Version   Age\nkernel      5.15      3\nlibc        2.31      12",
    "File   Size   Age\na.txt   12   3\nb.txt   45   7",
    "Model,Mileage,Age\nFord,12000,7\nVW,8000,3",
    "Chapter   Page\nIntro     12\nSetup     45",
    "Package,Usage\nnumpy,87\npandas,45",
])
def test_table_of_things_has_no_ages(strict: Analyzer, text: str) -> None:
    assert found(strict, text, "AGE") == []


@pytest.mark.parametrize(("text", "ages"), [
    ("Name   Age\nTom    34\nAnn    56", ["34", "56"]),
    ("Name,Age (years)\nTom,34\nAnn,56", ["34", "56"]),
    ("Name   Age (years)\nTom    34\nAnn    56", ["34", "56"]),
    ("Name   Age   Score\nTom    34    87%\nAnn    56    45%", ["34", "56"]),
])
def test_age_table_is_masked(strict: Analyzer, text: str, ages: list[str]) -> None:
    assert ages == found(strict, text, "AGE")


# ---- 6. Decimal numbers after "ages" ---------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Test matrix ages: 10, 12, 13.5",
    "Python ages: 3, 10, 3.11",
    "The ages were 4, 6 and 7.5 on the chart.",
])
def test_list_with_decimals_is_no_ages(strict: Analyzer, text: str) -> None:
    assert found(strict, text, "AGE") == []


def test_list_of_ages_is_masked(strict: Analyzer) -> None:
    assert found(strict, "Ages of the children: 13, 9 and 4", "AGE") == ["13", "9", "4"]


# ---- 7. Two-word everyday phrases in lists in scripts without capitals -----------------------

@pytest.mark.parametrize("text", [
    "- לחם לבן\n- חלב טרי\n- גבינה צהובה",
    "- خبز أبيض\n- حليب طازج\n- جبن أصفر",
    "- सफेद ब्रेड\n- ताज़ा दूध",
    "- თეთრი პური\n- ახალი რძე",
    "Shopping list:\n- לחם לבן\n- חלב טרי",
    "1. نان سفید\n2. چای سبز",
    "- לחם לבן\n- חלב טרי\n- Budget Review",
])
def test_list_of_phrases_is_no_names(strict: Analyzer, text: str) -> None:
    assert found(strict, text, "PERSON") == []


@pytest.mark.parametrize(("text", "names"), [
    ("- דוד כהן\n- שרה לוי", ["דוד כהן", "שרה לוי"]),
    ("Attendees:\n- נועה ברק\n- גלעד שחר", ["נועה ברק", "גלעד שחר"]),
    ("- محمد علي\n- أحمد حسن", ["محمد علي", "أحمد حسن"]),
    ("- ლაშა ბერიძე\n- ქეთი მამულაშვილი", ["ლაშა ბერიძე", "ქეთი მამულაშვილი"]),
    ("- John Smith\n- שרה לוי", ["שרה לוי"]),
    ("Team:\n- राहुल शर्मा\n- अनीता वर्मा", ["राहुल शर्मा", "अनीता वर्मा"]),
])
def test_list_of_names_is_masked(strict: Analyzer, text: str, names: list[str]) -> None:
    assert set(names) <= set(found(strict, text, "PERSON"))

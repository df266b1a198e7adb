"""Names the vocabulary does not know, found by their shape: products, standards with
their numbers and partners, names inside a sentence; never places, roles or versions."""

from __future__ import annotations

from mockflow.interview.unknown_terms import unknown_terms


def _names(text: str) -> list[str]:
    return [name for _, name in unknown_terms(text, [], lambda name: False)]


def test_abbreviations_keep_their_number_or_partner():
    text = "You work under QZ 13485 design controls, write QX/CO specs and apply GD&T daily."
    assert _names(text) == ["QZ 13485", "QX/CO", "GD&T"]


def test_camel_case_and_letters_with_digits_but_not_versions():
    assert _names("We page with FooDuty and log with Zog4j, on HL9 v2 and Gen2 disks.") == [
        "FooDuty",
        "Zog4j",
        "HL9",
    ]


def test_places_roles_and_research_and_development_are_not_names():
    text = "The team in Leeds works with the Consultant (Paris) on R&D for England & Wales."
    assert _names(text) == []


def test_a_capitalised_item_in_a_list_of_known_terms_is_a_name():
    text = "Messaging runs on Kafka and Aeron."
    kafka = text.index("Kafka")
    assert [n for _, n in unknown_terms(text, [(kafka, kafka + 5)], lambda n: False)] == ["Aeron"]

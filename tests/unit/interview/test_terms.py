"""Key terms of a job description or resume: the vocabulary's terms under their usual
names, synonyms grouped, ambiguous short names only in context, generic words never, and
product-like names the vocabulary does not know."""

from __future__ import annotations

from mockflow.interview.terms import key_terms, mentioned, term_spans


def test_the_posting_of_issue_24_gives_its_four_technologies_and_no_generic_word():
    text = "Backend Engineer\nBuild APIs. We use Go, PostgreSQL, Kafka and Kubernetes."
    assert key_terms(text) == ["Go", "PostgreSQL", "Kafka", "Kubernetes"]


def test_short_language_names_count_in_a_list_or_after_a_cue():
    assert key_terms("Firmware in C and C++ for ARM Cortex-M.") == [
        "firmware",
        "C",
        "C++",
        "ARM Cortex-M",
    ]
    assert key_terms("Python or R for analysis; C# and F# welcome.") == [
        "Python",
        "R",
        "C#",
        "F#",
    ]
    assert key_terms("You write services in Go.") == ["Go"]


def test_go_the_verb_a_letter_and_r_and_d_are_not_terms():
    text = (
        "If you are ready to go, apply. Go ahead and send a CV. Plan C is not an option. "
        "Our R&D team reports to the C-level."
    )
    assert key_terms(text) == []


def test_synonyms_and_spellings_are_one_term_under_its_usual_name():
    text = "We run Postgres on k8s with golang services, a JS and TS front end, node and ML."
    assert key_terms(text) == [
        "PostgreSQL",
        "Kubernetes",
        "Go",
        "JavaScript",
        "TypeScript",
        "machine learning",
    ]
    assert key_terms("Node services on Google Cloud (gcloud CLI).") == ["Node.js", "GCP"]


def test_methods_and_business_skills_are_terms():
    text = (
        "Experience with distributed systems, CI/CD, machine learning and A/B testing; "
        "strong stakeholder management."
    )
    assert key_terms(text) == [
        "distributed systems",
        "CI/CD",
        "machine learning",
        "A/B testing",
        "stakeholder management",
    ]


def test_generic_job_ad_words_are_not_terms():
    text = (
        "Role\nJoin our team! You have 5+ years of experience building APIs and systems, "
        "great communication skills and a passion for products. Equal Opportunity Employer."
    )
    assert key_terms(text) == []


def test_a_word_that_is_a_term_only_beside_its_kind_needs_it():
    assert key_terms("Kotlin with Coroutines and Flow, Room for storage.") == [
        "Kotlin",
        "coroutines",
        "Flow",
        "Room",
    ]
    assert key_terms("A room with a view and a good flow of work.") == []


def test_unknown_product_like_names_still_count():
    assert key_terms("Messaging runs on Kafka and Aeron.") == ["Kafka", "Aeron"]
    assert key_terms("We log with Log4j and page with FooDuty.") == ["Log4j", "FooDuty"]
    # a capitalised word starting a clause is not a name, even in a list of terms
    assert key_terms("Configure and extend Terraform.") == ["Terraform"]


def test_unknown_abbreviations_and_names_inside_a_sentence_count_but_not_places_or_titles():
    text = (
        "Senior Platform Engineer, Campus\nYou deploy with QXL and run queues on Zorbix Cloud, "
        "from our office in Leeds. The UK team uses the CLI daily."
    )
    assert key_terms(text) == ["QXL", "Zorbix Cloud"]  # names the vocabulary does not know


def test_technical_only_keeps_technologies_not_methods_or_languages_spoken():
    text = "Kubernetes and AWS, with experience in event sourcing. Fluent German."
    assert key_terms(text) == ["Kubernetes", "AWS", "event sourcing", "German"]
    assert key_terms(text, technical_only=True) == ["Kubernetes", "AWS"]


def test_repeats_count_once_and_at_most_forty_terms_in_order_of_appearance():
    assert key_terms("We use AWS. Also Amazon Web Services.") == ["AWS"]
    terms = key_terms("Role\n" + ", ".join(f"Tool{i}x" for i in range(100)))
    assert terms == [f"Tool{i}x" for i in range(40)]


def test_mentioned_finds_terms_by_any_spelling_in_an_answer():
    terms = ["Go", "PostgreSQL", "Kafka", "Kubernetes"]
    assert mentioned(terms, "I wrote the consumer in Go and fed it from Kafka.") == ["Go", "Kafka"]
    assert mentioned(terms, "We ran postgres on k8s.") == ["PostgreSQL", "Kubernetes"]
    assert mentioned(terms, "Go ahead, I'm ready to go.") == []


def test_mentioned_keeps_the_callers_names_and_matches_unknown_terms_by_their_words():
    assert mentioned(["Postgres", "exactly-once", "Lisp"], "Exactly once into postgres.") == [
        "Postgres",
        "exactly-once",
    ]
    assert mentioned(["Zig"], "a zig and a zag") == []  # short and capitalised: as written
    assert mentioned(["Zig"], "I tried Zig") == ["Zig"]


def test_term_spans_point_at_the_words_said():
    text = "Mostly k8s and Postgres."
    spans = term_spans(text, ["Kubernetes", "PostgreSQL"])
    assert [(term, text[start:end]) for term, start, end in spans] == [
        ("Kubernetes", "k8s"),
        ("PostgreSQL", "Postgres"),
    ]


def test_a_product_name_does_not_lose_a_final_s_but_a_plural_term_does():
    assert "Canva" not in key_terms("Courses in Canvas and Moodle, graphics in Figma.")
    assert key_terms("Templates in Canva; SLO and design system work.") == [
        "Canva",
        "SLOs",
        "design systems",
    ]

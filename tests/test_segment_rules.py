"""The segmenter: every layout of the seeds and of scraped text, its properties, its spaCy face."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from jobsections.annotations import uncovered_words
from jobsections.segment import kinds_for, segment_text, split_sentences
from jobsections.segment.component import make_nlp

ROOT = Path(__file__).resolve().parent.parent


def pieces(text: str) -> list[tuple[str, str]]:
    return [(kind, text[s:e]) for s, e, kind in segment_text(text)]


def texts(text: str) -> list[str]:
    return [t for _, t in pieces(text)]


# ---------------------------------------------------------------- list markers


@pytest.mark.parametrize("marker", ["•", "·", "-", "*", "–", "▪", "1.", "2)", "a)", "(b)", "iv."])
def test_each_list_marker_starts_an_item_and_stays_outside(marker: str) -> None:
    text = f"Duties:\n{marker} Plan the budget\n{marker} Report to the board"
    assert pieces(text) == [("heading", "Duties:"), ("item", "Plan the budget"), ("item", "Report to the board")]


def test_marker_alone_on_its_line_with_the_item_text_below_seed_000() -> None:
    text = (
        "Qualifications: \n·\u00a0\u00a0\u00a0\u00a0 \nUniversity degree or\nequivalent, in digital marketing; \n"
        "·\u00a0\u00a0\u00a0 \nCommitment to human\nrights and social justice causes; "
    )
    assert pieces(text) == [
        ("heading", "Qualifications:"),
        ("item", "University degree or\nequivalent, in digital marketing;"),
        ("item", "Commitment to human\nrights and social justice causes;"),
    ]


def test_item_of_two_sentences_is_split() -> None:
    assert texts("• Excellent oral and written English. Knowledge of French will be an asset.") == [
        "Excellent oral and written English.",
        "Knowledge of French will be an asset.",
    ]


def test_wrapped_item_continues_even_when_the_next_line_is_capitalised() -> None:
    text = "· \nCollaborate with the Development\nTeam to explore online fundraising. \nQualifications:"
    assert texts(text) == ["Collaborate with the Development\nTeam to explore online fundraising.", "Qualifications:"]


@pytest.mark.parametrize(
    ("text", "segment"),
    [
        ("Requirements\n- 3 years of experience with C#\n", "3 years of experience with C#"),
        ("Skills\n- F#", "F#"),
        ("Pay: 50k <negotiable>", "Pay: 50k <negotiable>"),
        ("Never paste a </script>", "Never paste a </script>"),
        ("From: HR <hr@example.org>", "From: HR <hr@example.org>"),
        ("Contact details\n\nFirst Name*", "First Name*"),
        ("Location\n\n#Hybrid", "#Hybrid"),
        ("Experience\n\n>5 years in sales", ">5 years in sales"),
        ("Kennelkit is an employer.\n\n_Just email us._", "_Just email us._"),
        ("Site Surveyor\nPay **** to **** a year\nWe hire.", "Pay **** to **** a year"),
        ("Pay\n**** per hour plus tips", "**** per hour plus tips"),
    ],
)
def test_characters_that_belong_to_a_word_stay_in_the_segment(text: str, segment: str) -> None:
    """Issue 13, item 1: edge decoration was stripped even where it was part of a word."""
    assert segment in texts(text)


@pytest.mark.parametrize(
    ("text", "segment"),
    [
        ("**Benefits**\n\nA pension.", "Benefits"),
        ("Summary ##\n\nWe hire.", "Summary"),
        ("| Salary | EUR 50k |", "Salary | EUR 50k"),
        ("|Salary|EUR 50k|", "Salary|EUR 50k"),
        ("**Salary:** EUR 50k", "Salary:** EUR 50k"),
        ("**Apply by:** rolling, from **September 14**", "Apply by:** rolling, from **September 14"),
        ("*Role*\n\nWe hire.", "Role"),
        ("*Minimum Qualifications**\nA degree in physics.", "Minimum Qualifications"),  # a mangled export
        ("Organization and Job ID**\nJob ID: 30123", "Organization and Job ID"),
    ],
)
def test_markers_standing_apart_or_wrapping_are_stripped(text: str, segment: str) -> None:
    assert segment in texts(text)


# ---------------------------------------------------------------- lines, paragraphs, headings


def test_pdf_hard_wrapped_prose_is_joined_into_sentences() -> None:
    text = (
        "Description\nThe digital communications\nand campaign officer will develop and implement, with the network "
        "team and\nregional teams, advocacy campaigns. \nHe/she will work under\nthe supervision of the "
        "communications advisor. \n"
        "Key responsibilities of the position\ninclude: \n"
    )
    assert pieces(text) == [
        ("heading", "Description"),
        (
            "sentence",
            "The digital communications\nand campaign officer will develop and implement, with the network "
            "team and\nregional teams, advocacy campaigns.",
        ),
        ("sentence", "He/she will work under\nthe supervision of the communications advisor."),
        ("heading", "Key responsibilities of the position\ninclude:"),
    ]


def test_wrapped_line_ending_mid_sentence_joins_a_capitalised_line() -> None:
    text = "Applications should be addressed to the OMCT International\nSecretariat by email."
    assert texts(text) == ["Applications should be addressed to the OMCT International\nSecretariat by email."]


def test_blank_lines_separate_paragraphs_and_caps_or_colon_lines_are_headings() -> None:
    text = "ABOUT THE OMCT\n\nWe work in 75 countries. We help victims.\n\nWhat we offer:\n\nA salary of 4000 EUR."
    assert pieces(text) == [
        ("heading", "ABOUT THE OMCT"),
        ("sentence", "We work in 75 countries."),
        ("sentence", "We help victims."),
        ("heading", "What we offer:"),
        ("sentence", "A salary of 4000 EUR."),
    ]


def test_field_lines_stay_whole_and_two_fields_on_a_line_are_split() -> None:
    text = (
        "Grade:\u00a0NOA\n\nPublication date: August 29, 2023\u00a0Closing date\u00a0:\u00a0September 12, 2023\n"
        "Deadline for applications: 8 April 2019."
    )
    assert pieces(text) == [
        ("field", "Grade:\u00a0NOA"),
        ("field", "Publication date: August 29, 2023"),
        ("field", "Closing date\u00a0:\u00a0September 12, 2023"),
        ("field", "Deadline for applications: 8 April 2019."),
    ]


def test_a_field_name_in_emphasis_marks_is_a_field() -> None:
    assert pieces("_Directorate:_ _Energy Systems_\n_Closing Date:_ _2019-06-30_\n__Grade:__ P3") == [
        ("field", "_Directorate:_ _Energy Systems_"),
        ("field", "_Closing Date:_ _2019-06-30_"),
        ("field", "__Grade:__ P3"),
    ]


def test_caps_heading_run_into_prose_is_cut() -> None:
    text = "JOB DESCRIPTION: World Vision announces a full-time position of programme assistant in Nairobi today."
    assert pieces(text)[0] == ("heading", "JOB DESCRIPTION:")
    assert pieces(text)[1][1].startswith("World Vision announces")


def test_colon_then_dash_is_a_list() -> None:
    assert pieces("You can participate: – External candidates.") == [
        ("heading", "You can participate:"),
        ("item", "External candidates."),
    ]


# ---------------------------------------------------------------- sentences


def test_sentences_on_one_line_including_a_missing_space() -> None:
    text = "The project trains staff.The project also adopts new tools. It started in 2019."
    assert texts(text) == ["The project trains staff.", "The project also adopts new tools.", "It started in 2019."]


@pytest.mark.parametrize(
    "sentence",
    [
        "See Art. 11.3 of the Statute for details.",
        "Convention No. 87 applies here.",
        "Use tools (e.g. Illustrator, InDesign) daily.",
        "Write to jobs@example.org. Thanks",
        "Visit ProtectDefenders.eu for more.",
        "Contact Dr. Smith or J. Doe.",
    ],
)
def test_no_split_at_abbreviations_addresses_or_initials(sentence: str) -> None:
    spans = split_sentences(sentence, 0, len(sentence))
    assert sentence[spans[0][0] : spans[0][1]].startswith(sentence.split(" Thanks")[0])


# ---------------------------------------------------------------- white space and scraped text


def test_crlf_tabs_and_no_break_spaces() -> None:
    text = "Benefits:\r\n\t•\tPension\u00a0scheme\r\n\t•\t25 days leave\r\n\r\nApply now."
    assert pieces(text) == [
        ("heading", "Benefits:"),
        ("item", "Pension\u00a0scheme"),
        ("item", "25 days leave"),
        ("sentence", "Apply now."),
    ]


def test_text_with_no_line_breaks_inline_bullets_and_run_in_headings() -> None:
    text = (
        "Senior Nurse  ABOUT US We run three clinics in Leeds, Bradford and York for the city. RESPONSIBILITIES • Lead "
        "the night team • Audit "
        "medicines weekly QUALIFICATIONS • Registered nurse • Two years of experience"
    )
    got = texts(text)
    assert "Lead the night team" in got
    assert "Registered nurse" in got
    assert "Two years of experience" in got
    assert "We run three clinics in Leeds, Bradford and York for the city." in got
    assert "RESPONSIBILITIES" in got and "QUALIFICATIONS" in got and "Audit medicines weekly" in got


def test_flattened_seed_keeps_list_items_apart() -> None:
    """Seed 001 with every line break replaced by a space: the bullets still cut the items."""
    record = json.loads((ROOT / "annotations/seeds.jsonl").read_text(encoding="utf-8").splitlines()[1])
    flat = record["text"].replace("\n", " ")
    gold = {(s["start"], s["end"]) for s in record["segments"]}
    found = {(s, e) for s, e, _ in segment_text(flat)}
    assert len(gold & found) / len(gold) > 0.85


# ---------------------------------------------------------------- the seeds, exactly


def _seeds() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "annotations/seeds.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("index", [1, 2, 3, 4])
def test_seed_segments_equal_the_hand_annotation(index: int) -> None:
    record = _seeds()[index]
    gold = [(s["start"], s["end"]) for s in record["segments"]]
    assert [(s, e) for s, e, _ in segment_text(record["text"])] == gold


def test_seed_000_matches_except_its_glued_page_debris_line() -> None:
    """Line 3 of seed 000 is menu text glued without spaces (`versionReports`); all else matches."""
    record = _seeds()[0]
    debris_end = record["text"].index("Description")
    gold = [(s["start"], s["end"]) for s in record["segments"] if s["start"] >= debris_end]
    found = [(s, e) for s, e, _ in segment_text(record["text"]) if s >= debris_end]
    assert found == gold


# ---------------------------------------------------------------- properties for any text

_alphabet = st.sampled_from([*"abcXYZ .:;,!?•·-*–\n\t\u00a0\r1)(#|", "\n\n", "Ab", "Cd. ", " • ", "1. ", "A:"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_alphabet, max_size=80).map("".join))
def test_segments_are_sorted_disjoint_trimmed_and_cover_every_word(text: str) -> None:
    segments = segment_text(text)
    last = 0
    for s, e, kind in segments:
        assert last <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        assert kind in ("heading", "line", "item", "sentence", "field")
        last = e
    assert uncovered_words(text, [{"start": s, "end": e} for s, e, _ in segments]) == []


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_unicode_text_is_segmented_within_bounds(text: str) -> None:
    for s, e, _ in segment_text(text):
        assert 0 <= s < e <= len(text)


# ---------------------------------------------------------------- spaCy component


def test_component_in_a_users_own_pipeline_gives_exact_offsets() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("jobsections_segmenter", config={"spans_key": "parts"})
    text = "Duties:\n•Plan things.Then report. Grade:\u00a0P3"
    doc = nlp(text)
    spans = doc.spans["parts"]
    assert [(sp.start_char, sp.end_char, sp.label_) for sp in spans] == list(segment_text(text))
    assert [sp.text for sp in spans] == ["Duties:", "Plan things.", "Then report.", "Grade:\u00a0P3"]
    assert doc.text == text


def test_pipeline_with_segmenter_round_trips_through_disk(tmp_path: Path) -> None:
    nlp = make_nlp()
    nlp.to_disk(tmp_path / "nlp")
    again = spacy.load(tmp_path / "nlp")
    text = "ABOUT US\n\nWe build bridges. We hire engineers."
    doc, expected = again(text), nlp(text)
    assert [sp.text for sp in doc.spans["segments"]] == [sp.text for sp in expected.spans["segments"]]


def test_kinds_for_given_spans() -> None:
    text = "Benefits:\n• Pension\nYou will lead."
    assert kinds_for(text, [(0, 9), (12, 19), (20, 34)]) == ["heading", "item", "sentence"]


def test_bare_short_lines_are_headings_only_when_they_name_a_section() -> None:
    text = "Benefits\nChild Care Subsidy Program\nPaid time off\nWhat you will do:\nShip code."
    assert [kind for _, _, kind in segment_text(text)] == ["heading", "line", "line", "heading", "sentence"]


@pytest.mark.parametrize("text", ["a.•", "a.• b", "1.•Item", "Duties\n1.•Plan"])
def test_markers_glued_across_an_inline_bullet_leave_no_word_uncovered(text: str) -> None:
    """Hypothesis found `a.•`: `a.` and `•` were each dropped as a marker, but together they are
    one word that FORMAT.md knows as no marker."""
    segments = [{"start": s, "end": e} for s, e, _ in segment_text(text)]
    assert uncovered_words(text, segments) == []


# Items of every length, one a line, their markers gone: no line continues the one before.
STRIPPED_LIST = (
    "What you will need\n"
    "Experience building forecasting models for retail demand planning teams across several regions\n"
    "Working knowledge of SQL\n"
    "Ability to explain statistical results to colleagues without a technical background, in writing and "
    "in person, and to turn their questions into analyses that answer them\n"
    "Bachelor's degree in statistics, economics or a related field\n"
    "Comfort with ambiguity\n"
)
# One paragraph wrapped at 90 columns: lines starting with a capital still continue the sentence.
WRAPPED = (
    "We are looking for a field technician to join our team in the northern region, working\n"
    "Monday to Friday with occasional weekend call-outs when a customer site goes down and\n"
    "Network Operations asks for someone on the ground within four hours of the first call.\n"
    "The successful candidate will hold a full driving licence and will be comfortable working\n"
    "Alone at remote sites, often in poor weather, with only a phone and a laptop for support.\n"
)


def test_a_list_with_its_markers_stripped_keeps_one_item_a_line() -> None:
    assert [STRIPPED_LIST[s:e] for s, e, _ in segment_text(STRIPPED_LIST)] == STRIPPED_LIST.splitlines()


def test_a_hard_wrapped_paragraph_joins_lines_that_start_with_a_capital() -> None:
    sentences = [" ".join(WRAPPED[s:e].split()) for s, e, _ in segment_text(WRAPPED)]
    assert [s.split()[:2] for s in sentences] == [["We", "are"], ["The", "successful"]]


@given(st.text(alphabet="aAzZ .:1ÉéßİK\u3000", max_size=30))
def test_capitals_test_counts_every_letter(text: str) -> None:
    from jobsections.segment.rules import _is_caps

    upper, lower = sum(map(str.isupper, text)), sum(map(str.islower, text))
    assert _is_caps(text) == (upper >= 2 and upper >= 4 * lower)

"""The learned boundary model: candidates, training on annotated lines, state round trip, and its
place in the segmenter (lines without layout only)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from jobsections.readers import Posting
from jobsections.segment import is_flat, segment_text
from jobsections.segment.boundary import _TABLE, BoundaryModel, Tokens, _glue, training_lines
from jobsections.segment.rules import hard_wrapped, wrapped_training_span
from jobsections.segment.variants import variant

ITEMS = [
    "Map data flows from product feeds and business systems",
    "Develop workflows for data science workloads",
    "Deploy pipelines to production",
    "Work with analysts on reporting",
    "Build dashboards for the sales team",
    "Review code written by peers",
]
QUALS = ["Experience with SQL and Python", "Strong communication skills", "Degree in statistics or a related field"]


def _posting(i: int) -> Posting:
    """A small annotated posting: a heading and items a line each, no markers (an ATS export)."""
    lines = ["Responsibilities", *ITEMS[i % 3 :], "Requirements", *QUALS]
    text = "\n".join(lines)
    segments, pos = [], 0
    for line in lines:
        segments.append({"start": pos, "end": pos + len(line), "label": "other"})
        pos += len(line) + 1
    return Posting(f"p{i}", text, "", segments)


@pytest.fixture(scope="module")
def model() -> BoundaryModel:
    flat = [variant(_posting(i), "flatten") for i in range(6)]
    lines = [line for p in flat for line in training_lines(p.text, p.segments or [], 50)]
    return BoundaryModel(min_line=50, min_count=1, C=5.0).fit(lines)


def test_tokens_cut_glued_joins_with_offsets() -> None:
    text = "  Data setsExperience with PowerPoint.\u00a0Apply:Now  "
    toks = Tokens(text, 0, len(text))
    assert toks.words == [text[a:b] for a, b in zip(toks.starts, toks.ends)]
    assert toks.words == ["Data", "sets", "Experience", "with", "Power", "Point.", "Apply:", "Now"]
    assert toks.glued.tolist() == [False, False, True, False, False, True, False, True]


def test_glued_joins_are_those_of_the_pattern() -> None:
    glue = re.compile(r"(?<=[a-z0-9*%.:;!?)\]])(?=[A-Z])|(?<=[A-Z]{2})(?=[A-Z][a-z])")
    rng = np.random.default_rng(0)
    alphabet = [*"aZbY09*%.:;!?)] ]\n-ÉéßİK", "\u3000", "\U0001f600"]
    lines = ["ABOUT USThe team", "setsExperience adopts.This £****Job", "iPhone", "A", ""]
    lines += ["".join(rng.choice(alphabet, size=rng.integers(1, 40))) for _ in range(500)]
    for line in lines:
        codes = np.minimum(np.frombuffer(line.encode("utf-32-le"), dtype=np.uint32), _TABLE).astype(np.int64)
        assert _glue(codes).tolist() == [m.start() for m in glue.finditer(line)], line


def test_training_lines_are_the_long_lines_with_their_gold_ends() -> None:
    posting = variant(_posting(0), "flatten")
    [(text, start, end, ends)] = training_lines(posting.text, posting.segments or [], 50)
    assert (text, start, end) == (posting.text, 0, len(posting.text))
    assert ends == {s["end"] for s in posting.segments or []}


def test_fitted_model_cuts_items_run_together(model: BoundaryModel) -> None:
    text = " ".join(["Responsibilities", *ITEMS, "Requirements", *QUALS])
    pieces = [text[a:b] for a, b in model.cuts(text, 0, len(text))]
    assert pieces == ["Responsibilities", *ITEMS, "Requirements", *QUALS]


def test_forced_offsets_always_cut(model: BoundaryModel) -> None:
    text = "Deploy pipelines to production and review code written by peers"
    at = text.index("review")
    assert (at, len(text)) in model.cuts(text, 0, len(text), forced=[at])


def test_state_round_trip_gives_the_same_weights_and_cuts(model: BoundaryModel) -> None:
    meta, arrays = model.to_state()
    again = BoundaryModel.from_state(meta, arrays)
    assert np.array_equal(again.coef_, model.coef_) and again.get_params() == model.get_params()
    text = " ".join(ITEMS + QUALS)
    assert again.cuts(text, 0, len(text)) == model.cuts(text, 0, len(text))


def test_a_model_saved_before_context_keeps_its_templates(model: BoundaryModel) -> None:
    meta, arrays = model.to_state()
    old = {**meta, "params": {k: v for k, v in meta["params"].items() if k not in ("context", "wrapped")}}
    again = BoundaryModel.from_state(old, arrays)
    assert (model.context, model.wrapped) == (4, True) and (again.context, again.wrapped) == (1, False)
    text = " ".join(ITEMS + QUALS)
    _, gaps, feats = again._gaps(text, 0, len(text))
    assert feats.shape == (len(gaps), 15)
    two = BoundaryModel.from_state({**meta, "params": {**meta["params"], "context": 2}}, arrays)
    three = BoundaryModel.from_state({**meta, "params": {**meta["params"], "context": 3}}, arrays)
    feats_two, feats_three, feats_four = (m._gaps(text, 0, len(text))[2] for m in (two, three, model))
    assert [f.shape for f in (feats_two, feats_three, feats_four)] == [(len(gaps), n) for n in (22, 30, 35)]
    assert np.array_equal(feats_two[:, :15], feats) and np.array_equal(feats_three[:, :19], feats_two[:, :19])
    assert np.array_equal(feats_four[:, :27], feats_three[:, :27])


def _context3(text: str) -> tuple[Tokens, np.ndarray]:
    """The `context=3` templates of every gap of a line, a row per gap."""
    toks = Tokens(text, 0, len(text))
    keys = [w.lower().strip(":") for w in toks.words]
    ids = np.array([1 + keys.index(k) for k in keys])  # a word's id: where it first occurs
    gaps = np.arange(len(toks.words) - 1)
    zeros = np.zeros(len(gaps), dtype=np.int64)  # no clause end before, no word before the left one
    return toks, np.column_stack(BoundaryModel._label_and_name_features(toks, ids, gaps, zeros, zeros))


def test_context_3_sees_a_run_in_label_up_to_its_colon() -> None:
    toks, feats = _context3("Use Avro or Thrift Communication Skills: Excellent writing")
    assert toks.colon.tolist() == [False, False, False, False, False, True, False, False]
    # before `Communication` and before `Thrift` a capitalised run leads to the colon, at 1 and
    # 2 tokens; before `Thrift`'s lower-case twin below it does not
    _, lower = _context3("Use Avro or thrift Communication Skills: Excellent writing")
    assert feats[2, 0] != lower[2, 0] and feats[3, 0] != feats[2, 0]
    assert np.array_equal(feats[4:, 0], lower[4:, 0])


def test_context_3_tells_a_name_from_a_word_also_written_small() -> None:
    # `Develop` also occurs as `develop` in the line, `KESTRA` never in small letters
    _, feats = _context3("We help staff develop skills and Develop plans for KESTRA members")
    develop, kestra = 5, 8  # the gaps before them, each after a short small word
    assert feats[develop, 3] != feats[kestra, 3]
    _, named = _context3("We help staff develop skills and KESTRA plans for KESTRA members")
    assert named[develop, 3] == feats[kestra, 3]


def _context4(text: str) -> tuple[Tokens, np.ndarray]:
    """The `context=4` templates of every gap of a line, a row per gap."""
    toks = Tokens(text, 0, len(text))
    zeros = np.zeros(len(toks.words) - 1, dtype=np.int64)  # no clause end before, no rule ends
    return toks, np.column_stack(BoundaryModel._capitals_features(toks, np.arange(len(zeros)), zeros, zeros))


def test_context_4_tells_a_shouted_sentence_from_a_heading() -> None:
    toks, feats = _context4("Our team ABOUT US Our team WHO WANTS GENUINE CAREER PROSPECTS WHERE ****% ARE HOME GROWN")
    assert toks.caps.tolist()[:4] == [False, False, True, True] and not toks.caps[12]
    about_us, wants_genuine, where_masked = 2, 7, 11  # gaps inside a heading of two words, inside the shout
    assert feats[about_us, 0] != feats[wants_genuine, 0]
    assert feats[wants_genuine, 0] == feats[where_masked, 0]  # a masked number continues the run


def test_context_4_sees_a_token_led_by_two_capitals() -> None:
    toks, acronym = _context4("we support OMCT’s work on rights")
    _, word = _context4("we support Develop work on rights")
    assert toks.acronym.tolist() == [False, False, True, False, False, False]
    assert acronym[1, 3] != word[1, 3] and np.array_equal(acronym[3:, 4], word[3:, 4])


def test_tokens_know_their_lines() -> None:
    text = "Lead the team\nand report.\nApply now"
    toks = Tokens(text, 0, len(text))
    assert toks.line_end.tolist() == [False, False, True, False, True, False, False]
    assert toks.line_start.tolist() == [0, 0, 0, 14, 14, 26, 26]


def test_only_a_wrapped_model_cuts_hard_wrapped_text(model: BoundaryModel) -> None:
    paragraph = " ".join(["Map data flows from product feeds and business systems to the warehouse."] * 6)
    wrapped = variant(Posting("w", paragraph, "", [{"start": 0, "end": len(paragraph), "label": "other"}]), "rewrap")
    assert hard_wrapped(wrapped.text, model) and not hard_wrapped(paragraph, model)
    plain = BoundaryModel.from_state(*model.to_state())
    plain.set_params(wrapped=False)
    assert not hard_wrapped(wrapped.text, plain) and not hard_wrapped(wrapped.text, None)
    assert segment_text(wrapped.text, plain) == segment_text(wrapped.text)  # the rules join and split it
    start, end, hints = wrapped_training_span(wrapped.text)
    line_starts = [0] + [i + 1 for i, c in enumerate(wrapped.text) if c == "\n"]
    assert (start, end) == (0, len(wrapped.text)) and hints[0] == 0 and set(hints) <= set(line_starts)
    assert wrapped_training_span(paragraph) is None
    pieces = [(s, e) for s, e, _ in segment_text(wrapped.text, model)]
    assert pieces == sorted(pieces) and all(s < e for s, e in pieces)  # cut in one pass, in order


def test_state_with_wrong_shape_is_refused(model: BoundaryModel) -> None:
    meta, arrays = model.to_state()
    with pytest.raises(ValueError, match="shape"):
        BoundaryModel.from_state(meta, {"coef": arrays["coef"][:-1]})


def test_segmenter_hands_the_model_only_lines_without_layout(model: BoundaryModel) -> None:
    laid_out = _posting(0).text
    assert not is_flat(laid_out)
    assert segment_text(laid_out, model) == segment_text(laid_out)  # short lines: the rules decide
    flat = " ".join(laid_out.split())
    assert is_flat(flat)
    spans = [flat[s:e] for s, e, _ in segment_text(flat, model)]
    assert spans == laid_out.split("\n")


def test_applies_by_line_length_and_layout() -> None:
    m = BoundaryModel(min_line=200, layout_line=1000)
    assert m.applies(201, flat=True) and not m.applies(200, flat=True)
    assert not m.applies(999, flat=False) and m.applies(1001, flat=False)


def test_a_one_line_ad_rewrapped_is_cut_as_the_one_line(model: BoundaryModel) -> None:
    flat = variant(_posting(0), "flatten")
    wrapped = variant(flat, "rewrap", width=60)
    assert "\n" in wrapped.text and len(wrapped.text) == len(flat.text)
    short = BoundaryModel.from_state(*model.to_state())
    short.set_params(layout_line=len(flat.text) - 1, wrapped=False)  # the joined block is as long as a line it cuts
    cut = segment_text(flat.text, short)
    assert segment_text(wrapped.text, short) == cut
    assert [flat.text[s:e] for s, e, _ in cut] == _posting(0).text.split("\n")
    short.set_params(layout_line=len(flat.text))  # shorter than that: the rules join and split it
    assert segment_text(wrapped.text, short) != cut


def test_membership_and_percentile_helpers_match_numpy() -> None:
    from jobsections.segment.boundary import _among, _percentile_90

    rng = np.random.default_rng(3)
    for _ in range(2000):
        values = rng.integers(0, 120, rng.integers(1, 60))
        assert _percentile_90(values) == np.percentile(values, 90)
        ascending = np.unique(rng.integers(0, 50, rng.integers(0, 10)))
        probe = rng.integers(0, 50, 20)
        assert _among(probe, ascending).tolist() == np.isin(probe, ascending).tolist()


def test_a_run_of_fields_cut_by_the_model_is_cut_before_each_field_name() -> None:
    from jobsections.segment.rules import _learned_segments

    text = "Grade: P3 Closing date: 8 April 2019 Duty station: Geneva"
    pieces = [text[s:e] for s, e, kind in _learned_segments(text, 0, len(text), False) if kind == "field"]
    assert pieces == ["Grade: P3", "Closing date: 8 April 2019", "Duty station: Geneva"]
    sentence = "Please note the following: Applications close on Friday 8 April at noon."
    assert [(s, e) for s, e, _ in _learned_segments(sentence, 0, len(sentence), False)] == [(0, len(sentence))]


def test_a_piece_the_model_cut_is_cut_again_at_each_sentence_end() -> None:
    from jobsections.segment.rules import _learned_segments

    text = "We campaign against impunity. Moreover, we protect people at risk. Write to Dr. Lee by Friday."
    pieces = [(text[s:e], kind) for s, e, kind in _learned_segments(text, 0, len(text), False)]
    assert pieces == [
        ("We campaign against impunity.", "sentence"),
        ("Moreover, we protect people at risk.", "sentence"),
        ("Write to Dr. Lee by Friday.", "sentence"),
    ]

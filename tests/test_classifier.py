"""The estimator behaves like a scikit-learn estimator, and the features see context."""

from __future__ import annotations

import pickle

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from jobsections.classifier import SegmentClassifier
from jobsections.features import SegmentFeaturizer, segment_rows

TEXT = (
    "Responsibilities\n• Plan the budget\n• Lead the team\nRequirements\n• Five years of experience\n"
    "• Fluent English\nWe offer\n• A pension\n• 25 days of leave\nHow to apply\n• Send your CV to jobs@example.org\n"
    "• Deadline 3 May 2025"
)
LABELS = [
    "other",
    "responsibility",
    "responsibility",
    "other",
    "qualification",
    "qualification",
    "other",
    "benefit",
    "benefit",
    "other",
    "application",
    "application",
]


def _data(copies: int = 6) -> tuple[list[dict], list[str]]:
    from jobsections.segment import segment_text

    segments = segment_text(TEXT)
    assert len(segments) == len(LABELS)
    rows = [row for i in range(copies) for row in segment_rows(TEXT, segments, i)]
    return rows, LABELS * copies


def test_rows_carry_heading_and_neighbours() -> None:
    rows, _ = _data(1)
    assert rows[4]["heading"] == "Requirements" and rows[4]["prev"] == "Requirements"
    assert rows[4]["next"] == "Fluent English" and rows[4]["kind"] == "item"


def test_fit_predict_proba_params_clone_pickle_and_pipeline() -> None:
    rows, y = _data()
    clf = SegmentClassifier(random_state=0).fit(rows, y)
    probs = clf.predict_proba(rows)
    assert probs.shape == (len(rows), 5) and np.allclose(probs.sum(axis=1), 1.0)
    assert (clf.predict(rows) == np.array(y)).mean() > 0.9
    assert clone(clf).get_params() == clf.get_params()
    again = pickle.loads(pickle.dumps(clf))
    assert np.allclose(again.predict_proba(rows), probs)
    pipe = Pipeline([("identity", "passthrough"), ("clf", SegmentClassifier(learner="logreg"))]).fit(rows, y)
    assert list(pipe.predict(rows[:3])) == y[:3]


def test_fixed_seed_is_deterministic() -> None:
    rows, y = _data()
    a = SegmentClassifier(random_state=3).fit(rows, y).predict_proba(rows)
    b = SegmentClassifier(random_state=3).fit(rows, y).predict_proba(rows)
    assert np.array_equal(a, b)


def test_smoothing_stage_uses_neighbours() -> None:
    from sklearn.linear_model import LogisticRegression

    from jobsections.chain import ChainCRF

    rows, y = _data()
    for chain, kind in ((True, ChainCRF), (False, LogisticRegression)):
        clf = SegmentClassifier(smoothing=True, smoothing_folds=3, chain=chain).fit(rows, y)
        assert type(clf.stage_two_) is kind
        probs = clf.predict_proba(rows)
        assert probs.shape == (len(rows), 5) and np.allclose(probs.sum(axis=1), 1.0)
        assert (clf.predict(rows) == np.array(y)).mean() > 0.9


def test_sequence_lengths_count_each_postings_rows() -> None:
    from jobsections.classifier import sequence_lengths

    rows = [{"doc": d, "kind": "sentence"} for d, n in (("a", 3), ("b", 1), ("a", 2)) for _ in range(n)]
    assert sequence_lengths(rows).tolist() == [3, 1, 2]
    assert sequence_lengths([]).tolist() == []


def test_a_model_saved_before_the_chain_loads_with_its_logistic_regression() -> None:
    rows, y = _data()
    clf = SegmentClassifier(smoothing=True).fit(rows, y)
    meta, arrays = clf.to_state()
    del meta["params"]["chain"]
    old = SegmentClassifier.from_state(meta, arrays)
    assert old.chain is False and np.array_equal(old.predict_proba(rows), clf.predict_proba(rows))


def test_stage_two_reads_each_row_its_neighbours_and_its_heading() -> None:
    from jobsections.classifier import _context_features, context_width

    rows, _ = _data(2)
    probs = np.random.default_rng(5).dirichlet(np.ones(5), size=len(rows))
    found = _context_features(rows, probs)
    assert found.shape == (len(rows), context_width(5))
    k, n = 5, len(LABELS)
    edges = found[:, -1], found[:, -(1 + 2 * k + 7 + 1)]  # next and previous: none
    assert [i for i in range(len(rows)) if edges[0][i]] == [n - 1, 2 * n - 1]
    assert [i for i in range(len(rows)) if edges[1][i]] == [0, n]
    start = -2 * (2 * k + 7 + 1)  # the previous segment's probabilities come first after the row's own
    assert np.allclose(found[1:n, start : start + k], probs[: n - 1])
    under = 5 + 7 * 5 + 5 + 5 * 7  # where the heading's most probable label starts
    heading_top = found[:, under : under + k + 1].argmax(axis=1)
    assert heading_top[0] == k and heading_top[1] == probs[0].argmax() and heading_top[4] == probs[3].argmax()
    assert heading_top[n] == k  # the second posting starts under no heading


def test_featurizer_gives_one_row_per_segment() -> None:
    rows, _ = _data(2)
    X = SegmentFeaturizer().fit_transform(rows)
    assert X.shape[0] == len(rows) and X.shape[1] > 100


def test_capitals_flag_reads_the_original_case() -> None:
    # The same heading in capitals and in title case, each alone in a posting: the words and
    # character n-grams are taken in lower case, so only the capitals flag tells them apart.
    rows = segment_rows("REQUIREMENTS", [(0, 12, "heading")], 0) + segment_rows("Requirements", [(0, 12, "heading")], 1)
    X = SegmentFeaturizer().fit_transform(rows).toarray()
    assert np.count_nonzero(X[0] != X[1]) == 1


def test_words_in_emphasis_marks_are_the_words() -> None:
    rows = segment_rows("_Closing Date:_ _2020-04-07_", [(0, 28, "field")])
    assert {"closing", "date", "2020", "04", "07"} <= set(SegmentFeaturizer().fit(rows).vocabulary_)
    assert not any("_" in word for word in SegmentFeaturizer().fit(rows).vocabulary_)


def test_context_rows_are_the_neighbours_weighted_and_empty_at_the_edges() -> None:
    from jobsections.features import _counts, _select

    counts = _counts(np.array([0, 0, 1, 2, 2, 2]), np.array([3, 1, 0, 2, 2, 4]), (3, 5))
    assert counts.has_canonical_format
    assert counts.toarray().tolist() == [[0, 1, 0, 1, 0], [1, 0, 0, 0, 0], [0, 0, 2, 0, 1]]
    picked = _select(counts, np.array([2, -1, 0, 0]), 0.5).toarray()
    assert picked.tolist() == [[0, 0, 1, 0, 0.5], [0] * 5, [0, 0.5, 0, 0.5, 0], [0, 0.5, 0, 0.5, 0]]


def test_heading_words_weigh_heading_weight_and_old_states_load_with_weight_one() -> None:
    rows, _ = _data(1)
    full = SegmentFeaturizer(heading_weight=1.0).fit(rows)
    meta, arrays = full.to_state()
    del meta["params"]["heading_weight"]  # a model saved before the parameter existed
    old = SegmentFeaturizer.from_state(meta, arrays)
    assert old.heading_weight == 1.0
    assert (old.transform(rows) != full.transform(rows)).nnz == 0
    half = SegmentFeaturizer.from_state({**meta, "params": {**meta["params"], "heading_weight": 0.5}}, arrays)
    difference = (full.transform(rows) - half.transform(rows)).toarray()
    # only rows under a heading change: "Plan the budget" (row 1) sits under "Responsibilities"
    assert np.abs(difference[1]).sum() > 0 and np.abs(difference[0]).sum() == 0


def test_counts_sum_pairs_in_any_order_with_narrow_and_wide_keys() -> None:
    import scipy.sparse as sp

    from jobsections.features import _counts

    rng = np.random.default_rng(0)
    for shape in [(4, 6), (0, 3), (20_000, 1 << 18)]:  # the last one's keys need 64 bits
        n = 5000 if shape[0] else 0
        rows, cols = rng.integers(0, max(shape[0], 1), n), rng.integers(0, shape[1], n)
        expected = sp.coo_matrix((np.ones(n, dtype=np.float32), (rows, cols)), shape=shape).tocsr()
        expected.sum_duplicates()
        # in any order (one sort), and grouped by row (sorted a run of rows at a time)
        for order in (np.arange(n), np.argsort(rows, kind="stable")):
            counts = _counts(rows[order], cols[order], shape)
            assert counts.has_canonical_format and counts.shape == shape
            assert (counts != expected).nnz == 0


def test_keys_grouped_by_row_sort_as_one_sort_would_with_rows_longer_than_a_run() -> None:
    from jobsections.features import _SORT_RUN, _sort_keys

    rng = np.random.default_rng(0)
    lengths = [1, 3 * _SORT_RUN, 0, 7, _SORT_RUN, _SORT_RUN + 1, 2] * 5
    rows = np.repeat(np.arange(len(lengths)), lengths)
    keys = (rows * 1000 + rng.integers(0, 1000, len(rows))).astype(np.uint32)
    assert (_sort_keys(keys, 1000) == np.sort(keys)).all()
    assert (_sort_keys(keys[::-1].copy(), 1000) == np.sort(keys)).all()  # rows decreasing: one sort


def test_char_counts_of_a_batch_are_those_of_its_parts() -> None:
    import scipy.sparse as sp

    rows, _ = _data(1)
    featurizer = SegmentFeaturizer().fit(rows)
    texts = [f"item {i} of a long batch" for i in range(17_000)]  # wide keys: rows x buckets > 2**32
    whole = featurizer._char_counts(texts)
    parts = sp.vstack([featurizer._char_counts(texts[:9000]), featurizer._char_counts(texts[9000:])], format="csr")
    assert (whole != parts).nnz == 0 and whole[5].nnz == featurizer._char_counts([texts[5]]).nnz


def test_context_indices_follow_each_posting() -> None:
    from jobsections.features import context_indices

    rng = np.random.default_rng(1)
    kinds = ["heading", "item", "sentence"]
    for _ in range(200):
        rows = [{"doc": str(d), "kind": kinds[rng.integers(3)]} for d in range(3) for _ in range(rng.integers(0, 6))]
        found = context_indices(rows)
        heading = heading2 = -1
        for r, row in enumerate(rows):  # the definition, row by row
            first = r == 0 or rows[r - 1]["doc"] != row["doc"]
            if first:
                heading = heading2 = -1
            assert found["prev"][r] == (-1 if first else r - 1)
            assert found["next"][r] == (r + 1 if r + 1 < len(rows) and rows[r + 1]["doc"] == row["doc"] else -1)
            assert (found["heading"][r], found["heading2"][r]) == (heading, heading2)
            if row["kind"] == "heading":
                heading, heading2 = r, heading


def test_percent_flag_is_a_number_then_a_per_cent_sign() -> None:
    import re

    from jobsections.features import _percent_starts

    rng = np.random.default_rng(2)
    alphabet = list("12 %\n\xa0a\u0663x")  # \u0663: an Arabic-Indic digit, a `\d` too
    for _ in range(3000):
        text = "".join(rng.choice(alphabet, size=rng.integers(0, 30)))
        assert _percent_starts(text) == [m.start() for m in re.finditer(r"\d\s*%", text)], repr(text)


def test_shape_finders_flag_a_text_exactly_when_their_patterns_match_in_it() -> None:
    import re

    from jobsections.features import _SHAPES, words_of

    patterns = {"money": r"[$€£₹¥]", "url": r"https?://|www\.|\.(?:com|org|net|int)\b"}
    rng = np.random.default_rng(4)
    pieces = ["http://", "https:", "/", "www.", ".com", ".org", ".int", ".intl", "$", "£", "_", "é", "1", " ", "\n"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces, size=rng.integers(0, 8)))
        for name, pattern in patterns.items():
            found = list(_SHAPES[name](text))
            assert bool(found) == bool(re.search(pattern, text)), (name, text)
            assert all(re.compile(pattern).match(text, at) for at in found), (name, text)
        assert words_of(text) == re.findall(r"[^\W_]{2,}", text)


def test_code_table_finds_what_a_binary_search_of_the_sorted_codes_finds() -> None:
    from jobsections.features import _CodeTable

    rng = np.random.default_rng(3)
    for size, high in [(0, 10), (1, 10), (300, 400), (50_000, 4 * 10**8)]:  # dense and sparse sets
        codes = np.unique(rng.integers(0, high, size))
        queries = rng.integers(0, high, 20_000)
        expected = np.full(len(queries), -1)
        if len(codes):
            at = np.searchsorted(codes, queries).clip(max=len(codes) - 1)
            expected = np.where(codes[at] == queries, at, -1)
        assert np.array_equal(_CodeTable(codes).find(queries), expected)
        assert np.array_equal(_CodeTable(codes).find(codes), np.arange(len(codes)))


def test_normalise_collapses_every_white_space_run() -> None:
    from jobsections.features import normalise

    rng = np.random.default_rng(4)
    alphabet = list("ab. \t\n\xa0\u2009\u2028\x1f\x85é")
    for _ in range(3000):
        text = "".join(rng.choice(alphabet, size=rng.integers(0, 12)))
        assert normalise(text) == " ".join(text.split()), repr(text)


def test_length_flags_bin_the_number_of_words() -> None:
    featurizer = SegmentFeaturizer().fit(_data(1)[0])
    for words, expected_bin in [(0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (40, 6), (200, 6)]:
        text = " ".join(["word"] * words)
        flags = featurizer._flags(segment_rows(text or "-", [(0, max(len(text), 1), "sentence")]), [text])
        length_bins = flags.toarray()[0, 3 * 7 + 5 : 3 * 7 + 5 + 7]
        assert length_bins.tolist() == [float(i == expected_bin) for i in range(7)], words


def test_a_postings_probabilities_are_the_same_alone_and_in_a_batch(small_model, small_postings) -> None:
    """Scores are written to 4 places: a float32 stage two gave a posting other last bits in a
    batch than alone (BLAS sums rows in blocks that depend on their number), which once made a
    chunked predict differ from a single one."""
    from jobsections.features import segment_rows
    from jobsections.segment import segment_text

    texts = [p.text for p in small_postings] * 20  # enough rows for BLAS's larger blocks
    per = [segment_rows(t, segment_text(t, small_model.boundary), i) for i, t in enumerate(texts)]
    batch = small_model.classifier.predict_proba([row for rows in per for row in rows])
    alone = np.vstack([small_model.classifier.predict_proba(rows) for rows in per])
    assert small_model.classifier.stage_two_ is not None and np.array_equal(batch, alone)

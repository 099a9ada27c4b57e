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
    rows, y = _data()
    clf = SegmentClassifier(smoothing=True, smoothing_folds=3).fit(rows, y)
    assert clf.stage_two_ is not None
    assert clf.predict_proba(rows).shape == (len(rows), 5)


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

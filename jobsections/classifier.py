"""The segment classifier: a scikit-learn estimator over feature rows (no spaCy, no files).

Stage one is a linear model over `SegmentFeaturizer` features: by default a linear SVM whose
scores are turned into probabilities by sigmoid calibration (fast and the most accurate of
those tried, see the README), or logistic regression / SGD. With `smoothing`, a second stage
(a logistic regression) reads stage one's probabilities for the segment, its neighbours and the
heading it sits under (learned from out-of-fold predictions, each posting in one fold with its
copies), so that a segment's label agrees with its surroundings where its own words are weak.
Stage two is a per-row logistic regression, or with `chain` a linear-chain CRF over the same
inputs (`jobsections.chain`), which also learns which label follows which along the posting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from jobsections.chain import ChainCRF
from jobsections.features import KINDS, Row, SegmentFeaturizer, context_indices, kind_ids

_BINS = np.array([0.05, 0.2, 0.4, 0.6, 0.8, 0.95])  # where stage two cuts a probability into bins


def _context_features(rows: Sequence[Row], probs: np.ndarray) -> np.ndarray:
    """Stage two's inputs for each row, from stage one's probabilities: its own (as they are and
    binned per label), its most probable label alone and crossed with its kind and with the most
    probable label of the heading it sits under, its kind; and the probabilities, most probable
    label and kind of the previous and of the next segment of its posting, or that there is none."""
    n, k = probs.shape
    nk, nb = len(KINDS), len(_BINS) + 1
    kinds = kind_ids(rows)
    top = probs.argmax(axis=1)
    index = context_indices(rows)
    heading_top = np.where(index["heading"] >= 0, top[index["heading"].clip(0)], k)  # k: under no heading
    neighbours = [(other >= 0, other.clip(0)) for other in (index["prev"], index["next"])]
    width = k + nb * k + k + k * nk + (k + 1) + k * (k + 1) + nk + 2 * (k + k + nk + 1)
    out = np.zeros((n, width), dtype=np.float32)
    every = np.arange(n)
    at = 0

    def block(size: int, values: np.ndarray | None = None, where: np.ndarray | None = None) -> np.ndarray:
        """The next `size` columns; with `values`, a one-hot of them (rows `where` only)."""
        nonlocal at
        columns, at = out[:, at : at + size], at + size
        if values is not None:
            chosen = every if where is None else every[where]
            columns[chosen, values if where is None else values[where]] = 1.0
        return columns

    block(k)[:] = probs
    np.put_along_axis(block(nb * k), np.searchsorted(_BINS, probs) + nb * np.arange(k), 1.0, axis=1)
    block(k, top)
    block(k * nk, top * nk + kinds)
    block(k + 1, heading_top)
    block(k * (k + 1), top * (k + 1) + heading_top)
    block(nk, kinds)
    for there, other in neighbours:
        block(k)[there] = probs[other[there]]
        block(k, top[other], there)
        block(nk, kinds[other], there)
        block(1)[~there] = 1.0
    assert at == width, "the blocks of stage two's inputs do not fill its width"
    return out


def sequence_lengths(rows: Sequence[Row]) -> np.ndarray:
    """How many consecutive rows each posting of the batch has, in order."""
    starts = np.flatnonzero(context_indices(rows)["prev"] < 0)
    return np.diff(np.append(starts, len(rows)))


def context_width(n_classes: int) -> int:
    """How many inputs stage two has for `n_classes` labels."""
    return _context_features([], np.zeros((0, n_classes))).shape[1]


class SegmentClassifier(ClassifierMixin, BaseEstimator):
    """Labels feature rows (see `jobsections.features.segment_rows`) with section labels.

    Parameters are plain values, so the estimator clones, grid-searches and pickles like any
    scikit-learn estimator. `X` is a sequence of row dicts; rows of one posting must be
    consecutive and in reading order for `smoothing` to see neighbours.
    """

    def __init__(
        self,
        learner: str = "svm",
        C: float = 0.5,
        class_weight: str | None = "balanced",
        char: bool = True,
        context: bool = True,
        smoothing: bool = False,
        smoothing_folds: int = 3,
        chain: bool = False,
        max_iter: int = 2000,
        random_state: int = 0,
    ) -> None:
        self.learner = learner
        self.C = C
        self.class_weight = class_weight
        self.char = char
        self.context = context
        self.smoothing = smoothing
        self.smoothing_folds = smoothing_folds
        self.chain = chain
        self.max_iter = max_iter
        self.random_state = random_state

    def _learner(self) -> BaseEstimator:
        if self.learner == "svm":
            svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
            return CalibratedClassifierCV(svm, method="sigmoid", cv=3, ensemble=False)
        if self.learner == "sgd":
            return SGDClassifier(
                loss="log_loss",
                alpha=1e-5,
                class_weight=self.class_weight,
                max_iter=30,
                tol=1e-4,
                random_state=self.random_state,
            )
        if self.learner == "logreg":
            return LogisticRegression(
                C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, random_state=self.random_state
            )
        raise ValueError(f"unknown learner {self.learner!r}: svm, sgd or logreg")

    def _stage_one(self) -> Pipeline:
        return Pipeline(
            [("features", SegmentFeaturizer(char=self.char, context=self.context)), ("model", self._learner())]
        )

    def fit(self, X: Sequence[Row], y: Sequence[str]) -> SegmentClassifier:
        """Fit stage one on the rows; with smoothing, fit stage two on out-of-fold context."""
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        self.stage_one_ = self._stage_one().fit(X, y)
        self.stage_two_ = None
        # a posting's copies (heading copies, repeats) share its fold, or stage one would have seen them
        groups = [row.get("group", row["doc"]) for row in X]
        folds = min(self.smoothing_folds, len(set(groups)))
        if self.smoothing and folds >= 2:
            oof = cross_val_predict(
                clone(self._stage_one()), X, y, groups=groups, cv=GroupKFold(folds), method="predict_proba"
            )
            # stage one's probabilities already weigh the labels evenly: no class weights again
            inputs = _context_features(X, oof)
            if self.chain:
                self.stage_two_ = ChainCRF(C=1.0, max_iter=self.max_iter).fit(inputs, y, sequence_lengths(X))
            else:
                self.stage_two_ = LogisticRegression(C=1.0, max_iter=self.max_iter, random_state=self.random_state)
                self.stage_two_.fit(inputs, y)
        return self

    def predict_proba(self, X: Sequence[Row]) -> np.ndarray:
        """Probabilities of each label (columns in `classes_` order) for each row."""
        check_is_fitted(self, "stage_one_")
        if not len(X):
            return np.zeros((0, len(self.classes_)))
        probs = self.stage_one_.predict_proba(X)
        if self.stage_two_ is None:
            return probs
        # in float64: a float32 product's last bits depend on how many rows BLAS is given, so a
        # segment's score, written to 4 places, could differ between a posting alone and in a batch
        inputs = _context_features(X, probs).astype(np.float64)
        if isinstance(self.stage_two_, ChainCRF):
            return self.stage_two_.predict_proba(inputs, sequence_lengths(X))
        return self.stage_two_.predict_proba(inputs)

    def predict(self, X: Sequence[Row]) -> np.ndarray:
        """The most probable label of each row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # ---- state (see jobsections.state): data to save, never a pickle

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Parameters, the featuriser, the stage-one model and the optional stage two, as
        JSON-able metadata and arrays."""
        from jobsections.state import calibrated_to_state, chain_to_state, linear_to_state, prefixed

        check_is_fitted(self, "stage_one_")
        features_meta, features_arrays = self.stage_one_.named_steps["features"].to_state()
        learner = self.stage_one_.named_steps["model"]
        to_state = calibrated_to_state if self.learner == "svm" else linear_to_state
        model_meta, model_arrays = to_state(learner)
        meta: dict[str, Any] = {
            "params": self.get_params(),
            "stage_one": {"features": features_meta, "model": model_meta},
            "stage_two": None,
        }
        arrays = {
            "classes_": self.classes_,
            **prefixed("stage_one.features", features_arrays),
            **prefixed("stage_one.model", model_arrays),
        }
        if self.stage_two_ is not None:
            two_to_state = chain_to_state if isinstance(self.stage_two_, ChainCRF) else linear_to_state
            meta["stage_two"], two = two_to_state(self.stage_two_)
            arrays.update(prefixed("stage_two", two))
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> SegmentClassifier:
        """Rebuild a fitted classifier from `to_state`'s output, checking every part."""
        from jobsections.state import (
            array,
            calibrated_from_state,
            chain_from_state,
            get,
            linear_from_state,
            need,
            unprefixed,
        )

        params = dict(get(meta, "params", dict, "classifier"))
        params.setdefault("chain", False)  # models saved before the chain stage used a logistic regression
        need(set(params) == set(cls().get_params()), "classifier.params: unexpected parameter names")
        learner = get(params, "learner", str, "classifier.params")
        need(learner in ("svm", "sgd", "logreg"), f"classifier.params.learner: unknown learner {learner!r}")
        for key in ("char", "context", "smoothing", "chain"):
            get(params, key, bool, "classifier.params")
        classifier = cls(**params)
        classes = array(arrays, "classes_", "U", ndim=1)
        need(len(classes) >= 2 and bool((classes[:-1] < classes[1:]).all()), "classifier: classes_ not sorted")
        classifier.classes_ = classes
        stage_one = get(meta, "stage_one", dict, "classifier")
        features = SegmentFeaturizer.from_state(
            get(stage_one, "features", dict, "stage_one"), unprefixed("stage_one.features", arrays)
        )
        need(
            (features.char, features.context) == (classifier.char, classifier.context),
            "classifier: the featuriser's settings differ from the classifier's",
        )
        from_state = calibrated_from_state if learner == "svm" else linear_from_state
        model = from_state(get(stage_one, "model", dict, "stage_one"), unprefixed("stage_one.model", arrays))
        need(list(model.classes_) == list(classes), "classifier: stage one's classes differ from classes_")
        classifier.stage_one_ = Pipeline([("features", features), ("model", model)])
        classifier.stage_two_ = None
        if meta.get("stage_two") is not None:
            two_from_state = chain_from_state if classifier.chain else linear_from_state
            two = two_from_state(get(meta, "stage_two", dict, "classifier"), unprefixed("stage_two", arrays))
            need(list(two.classes_) == list(classes), "classifier: stage two's classes differ from classes_")
            need(
                two.n_features_in_ == context_width(len(classes)),
                "classifier: stage two has the wrong input width (trained with an older --smoothing: retrain)",
            )
            classifier.stage_two_ = two
        return classifier

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.dict = True
        return tags

"""The linear-chain CRF: exact marginals, the right gradient, what it learns, and its state."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import check_grad
from sklearn.linear_model import LogisticRegression

from jobsections.chain import ChainCRF, Objective, forward_backward
from jobsections.state import StateError, chain_from_state, chain_to_state


def _brute_force(scores: np.ndarray, transitions: np.ndarray, lengths: np.ndarray):
    """Marginals, log partitions and expected pair counts by enumerating every labelling."""
    k = scores.shape[1]
    marginals, log_z, pairs = np.zeros_like(scores), [], np.zeros((k, k))
    start = 0
    for length in lengths:
        s = scores[start : start + length]
        paths = list(itertools.product(range(k), repeat=int(length)))
        value = np.array(
            [
                sum(s[t, y[t]] for t in range(length)) + sum(transitions[y[t - 1], y[t]] for t in range(1, length))
                for y in paths
            ]
        )
        z = np.logaddexp.reduce(value)
        log_z.append(z)
        for path, p in zip(paths, np.exp(value - z)):
            for t in range(length):
                marginals[start + t, path[t]] += p
            for t in range(1, length):
                pairs[path[t - 1], path[t]] += p
        start += length
    return marginals, np.array(log_z), pairs


def test_forward_backward_is_exact_on_a_batch_of_unequal_sequences() -> None:
    rng = np.random.default_rng(0)
    lengths = np.array([4, 1, 3, 2, 4])  # unsorted, with ties and a single row
    scores = rng.normal(scale=3.0, size=(lengths.sum(), 3))
    transitions = rng.normal(size=(3, 3))
    marginals, log_z, pairs = forward_backward(scores, transitions, lengths, pairs=True)
    want = _brute_force(scores, transitions, lengths)
    assert np.allclose(marginals, want[0], atol=1e-12)
    assert np.allclose(log_z, want[1], atol=1e-10)
    assert np.allclose(pairs, want[2], atol=1e-12)


def test_large_scores_do_not_overflow() -> None:
    scores = np.array([[800.0, 0.0], [0.0, -800.0], [900.0, 900.0]])
    marginals, log_z, _ = forward_backward(scores, np.zeros((2, 2)), np.array([3]))
    assert np.isfinite(marginals).all() and np.isfinite(log_z).all()
    assert np.allclose(marginals[:2], [[1.0, 0.0], [1.0, 0.0]])


def test_the_gradient_is_that_of_the_objective() -> None:
    rng = np.random.default_rng(1)
    lengths = np.array([3, 1, 5])
    X = rng.normal(size=(lengths.sum(), 4))
    objective = Objective(X, rng.integers(0, 3, size=len(X)), 3, lengths, C=0.7)
    theta = rng.normal(size=objective.size)
    assert check_grad(lambda t: objective(t)[0], lambda t: objective(t)[1], theta) < 1e-4


def _runs(n_sequences: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sequences of long label runs whose single input only weakly shows the label."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(5, 15, size=n_sequences)
    labels = []
    for length in lengths:
        label = rng.integers(0, 3)
        for _ in range(length):
            label = label if rng.random() < 0.9 else rng.integers(0, 3)
            labels.append(label)
    y = np.array(labels)
    X = np.eye(3)[y] + rng.normal(scale=1.2, size=(len(y), 3))
    return X, y, lengths


def test_it_learns_that_labels_come_in_runs() -> None:
    X, y, lengths = _runs(300, seed=2)
    crf = ChainCRF().fit(X, y, lengths)
    assert (np.diag(crf.transitions_) > crf.transitions_.max(axis=1) - 1e-9).all()  # staying is likeliest
    test_X, test_y, test_lengths = _runs(200, seed=3)
    per_row = (LogisticRegression().fit(X, y).predict(test_X) == test_y).mean()
    chained = (crf.predict(test_X, test_lengths) == test_y).mean()
    assert chained > per_row + 0.05
    probs = crf.predict_proba(test_X, test_lengths)
    assert probs.shape == (len(test_y), 3) and np.allclose(probs.sum(axis=1), 1.0)


def test_string_labels_empty_input_and_bad_lengths() -> None:
    X, y, lengths = _runs(20, seed=4)
    names = np.array(["a", "b", "c"])[y]
    crf = ChainCRF().fit(X, names, lengths)
    assert list(crf.classes_) == ["a", "b", "c"] and set(crf.predict(X, lengths)) <= {"a", "b", "c"}
    assert crf.predict_proba(np.zeros((0, 3)), []).shape == (0, 3)
    assert crf.predict_proba(X[:4]).shape == (4, 3)  # no lengths: one sequence
    for bad in ([len(X) - 1], [len(X), 0], [-1, len(X) + 1]):
        with pytest.raises(ValueError, match="lengths must be positive"):
            crf.predict_proba(X, bad)


def test_state_round_trip_and_a_damaged_state() -> None:
    X, y, lengths = _runs(20, seed=5)
    crf = ChainCRF(C=0.5).fit(X, y, lengths)
    meta, arrays = chain_to_state(crf)
    again = chain_from_state(meta, arrays)
    assert again.get_params() == crf.get_params()
    assert np.array_equal(again.predict_proba(X, lengths), crf.predict_proba(X, lengths))
    with pytest.raises(StateError, match="transitions_"):
        chain_from_state(meta, {**arrays, "transitions_": np.zeros((2, 3))})
    with pytest.raises(StateError, match="coef_ has 2 rows"):
        chain_from_state(meta, {**arrays, "coef_": np.zeros((2, 3))})
    with pytest.raises(StateError, match="no parameters"):
        chain_from_state({**meta, "params": {"gamma": 1}}, arrays)

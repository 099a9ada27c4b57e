"""A linear-chain CRF over dense per-row inputs: stage two of the segment classifier.

Each sequence (a posting's segments in reading order) is scored as the sum of its rows'
emission scores (`X @ coef_.T + intercept_`) and of a learned score for each pair of adjacent
labels (`transitions_`). Training maximises the L2-penalised log-likelihood with L-BFGS;
`predict_proba` gives each row's marginal probabilities by the forward-backward algorithm.

Sequences are given as `lengths` (consecutive rows, as in hmmlearn). Both passes handle every
sequence of a batch at once: the sequences are ordered by length, so at step `t` the ones still
running are a prefix, and each step is one small matrix product (scaled, not in log space).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted


def _starts(lengths: np.ndarray) -> np.ndarray:
    """The first row of each sequence."""
    return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)


def _steps(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sequences' first rows and lengths, longest sequence first, and for each step `t` how
    many of them are longer than `t`."""
    order = np.argsort(-lengths, kind="stable")
    ordered = lengths[order]
    running = np.searchsorted(-ordered, -np.arange(ordered[0] if len(ordered) else 0), side="left")
    return _starts(lengths)[order], ordered, running


def forward_backward(
    scores: np.ndarray, transitions: np.ndarray, lengths: np.ndarray, pairs: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Each row's marginal label probabilities, each sequence's log partition (in the order of
    `lengths`) and, with `pairs`, the expected count of each label pair summed over the batch."""
    n, k = scores.shape
    shift = scores.max(axis=1, keepdims=True) if n else np.zeros((0, 1))
    potential = np.exp(scores - shift)
    step = np.exp(transitions)
    starts, ordered, running = _steps(lengths)
    alpha, beta, scale = np.empty_like(potential), np.empty_like(potential), np.empty(n)
    for t, m in enumerate(running):
        rows = starts[:m] + t
        a = potential[rows] if t == 0 else (alpha[rows - 1] @ step) * potential[rows]
        scale[rows] = a.sum(axis=1)
        alpha[rows] = a / scale[rows, None]
    expected = np.zeros((k, k)) if pairs else None
    beta[starts + ordered - 1] = 1.0
    for t in range(len(running) - 2, -1, -1):
        rows = starts[: running[t + 1]] + t  # rows with a successor
        weighted = potential[rows + 1] * beta[rows + 1] / scale[rows + 1, None]
        beta[rows] = weighted @ step.T
        if expected is not None:
            expected += alpha[rows].T @ weighted
    if expected is not None:
        expected *= step
    marginals = alpha * beta
    marginals /= marginals.sum(axis=1, keepdims=True)
    per_row = np.log(scale) + shift[:, 0]
    log_z = np.add.reduceat(per_row, _starts(lengths)) if n else np.zeros(0)
    return marginals, log_z, expected


class Objective:
    """The penalised negative log-likelihood of labelled sequences and its gradient, as a
    function of the flat parameter vector (emission weights, intercepts, transitions)."""

    def __init__(self, X: np.ndarray, codes: np.ndarray, k: int, lengths: np.ndarray, C: float) -> None:
        n, d = X.shape
        self.X, self.k, self.d, self.lengths, self.C = X, k, d, lengths, C
        self.size = k * d + k + k * k
        self.truth = np.zeros((n, k))
        self.truth[np.arange(n), codes] = 1.0
        first = np.zeros(n, dtype=bool)
        first[_starts(lengths)] = True
        follows = np.flatnonzero(~first)
        self.observed_pairs = np.zeros((k, k))
        np.add.at(self.observed_pairs, (codes[follows - 1], codes[follows]), 1.0)
        self.observed_x = self.truth.T @ X
        self.observed_b = self.truth.sum(axis=0)

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`theta` as (emission weights `k x d`, intercepts, transitions `k x k`)."""
        k, d = self.k, self.d
        return theta[: k * d].reshape(k, d), theta[k * d : k * d + k], theta[k * d + k :].reshape(k, k)

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, intercept, transitions = self.split(theta)
        scores = self.X @ coef.T + intercept
        marginals, log_z, expected = forward_backward(scores, transitions, self.lengths, pairs=True)
        gold = (scores * self.truth).sum() + (transitions * self.observed_pairs).sum()
        value = self.C * (log_z.sum() - gold) + 0.5 * ((coef**2).sum() + (transitions**2).sum())
        grad = [
            self.C * (marginals.T @ self.X - self.observed_x) + coef,
            self.C * (marginals.sum(axis=0) - self.observed_b),
            self.C * (expected - self.observed_pairs) + transitions,
        ]
        return float(value), np.concatenate([part.ravel() for part in grad])


class ChainCRF(ClassifierMixin, BaseEstimator):
    """A linear-chain CRF over dense inputs, with scikit-learn's `fit`/`predict_proba`.

    `C` is the inverse strength of the L2 penalty on the emission weights and the transitions,
    as in `LogisticRegression` (the intercepts are not penalised).
    """

    def __init__(self, C: float = 1.0, max_iter: int = 500, tol: float = 1e-6) -> None:
        self.C = C
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X: np.ndarray, y: Any, lengths: Any = None) -> ChainCRF:
        """Fit on rows `X` with labels `y`, `lengths` the sizes of the consecutive sequences
        (default: one sequence)."""
        X = np.asarray(X, dtype=np.float64)
        lengths = self._lengths(lengths, len(X))
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        objective = Objective(X, codes, len(self.classes_), lengths, self.C)
        result = minimize(
            objective,
            np.zeros(objective.size),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": self.max_iter, "gtol": self.tol},
        )
        self.coef_, self.intercept_, self.transitions_ = (part.copy() for part in objective.split(result.x))
        self.n_iter_ = int(result.nit)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X: np.ndarray, lengths: Any = None) -> np.ndarray:
        """Each row's marginal probability of each label (columns in `classes_` order)."""
        check_is_fitted(self, "transitions_")
        X = np.asarray(X, dtype=np.float64)
        lengths = self._lengths(lengths, len(X))
        if not len(X):
            return np.zeros((0, len(self.classes_)))
        return forward_backward(X @ self.coef_.T + self.intercept_, self.transitions_, lengths)[0]

    def predict(self, X: np.ndarray, lengths: Any = None) -> np.ndarray:
        """Each row's label of highest marginal probability (best for per-row accuracy)."""
        return self.classes_[np.argmax(self.predict_proba(X, lengths), axis=1)]

    @staticmethod
    def _lengths(lengths: Any, n: int) -> np.ndarray:
        lengths = np.array([n] if lengths is None else lengths, dtype=np.int64).reshape(-1)
        if n == 0:
            return lengths[lengths > 0]
        if (lengths <= 0).any() or lengths.sum() != n:
            raise ValueError(f"lengths must be positive and sum to the number of rows ({n})")
        return lengths

"""Segment + context → feature rows, and the transformer that turns rows into a matrix.

A row is a plain dict (no spaCy object): the segment's text and kind, the heading it sits
under, its neighbours and its position. `SegmentFeaturizer` vectorises a batch of rows at
once: each segment's words are analysed a single time and its heading's and neighbours' word
features are rows of the same matrix; character n-grams are hashed over the batch's code points
with NumPy. No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat
from operator import itemgetter, not_
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize

Row = dict[str, Any]

_WORD = re.compile(r"\w\w+")
_SEPARATOR_WORD = "SEP"  # upper case: never a word of a lower-case text
_SEPARATOR = f"\n{_SEPARATOR_WORD}\n"
# Shapes that words do not capture. Each pattern starts with a literal or a character set, so a
# scan over a batch's text is fast (month names, numbers and "per hour" are word features).
_SHAPES = {
    "money": re.compile(r"[$€£₹¥]"),
    "email": re.compile(r"@(?<=\S@)\S+\.\w"),
    "url": re.compile(r"https?://|www\.|\.(?:com|org|net|int)\b"),
    "percent": re.compile(r"\d\s*%"),
}
_KINDS = ("heading", "item", "sentence", "field", "line", "start", "end")
_CHAR_BUCKETS = 1 << 18  # a power of two: a hash is masked into a bucket


def normalise(text: str) -> str:
    """Collapse white space (line breaks, no-break spaces) to single spaces."""
    return " ".join(text.split())


def segment_rows(text: str, segments: Sequence[tuple[int, int, str]], doc: int | str = 0) -> list[Row]:
    """One feature row per segment `(start, end, kind)` of `text`, with its context."""
    texts = [normalise(text[s:e]) for s, e, _ in segments]
    rows: list[Row] = []
    heading = heading2 = ""
    n = len(segments)
    for i, (s, _, kind) in enumerate(segments):
        rows.append(
            {
                "doc": doc,
                "index": i,
                "text": texts[i],
                "kind": kind,
                "heading": heading,
                "heading2": heading2,
                "prev": texts[i - 1] if i else "",
                "next": texts[i + 1] if i + 1 < n else "",
                "prev_kind": segments[i - 1][2] if i else "start",
                "next_kind": segments[i + 1][2] if i + 1 < n else "end",
                "position": i / max(1, n - 1),
                "new_line": i == 0 or "\n" in text[segments[i - 1][1] : s],
            }
        )
        if kind == "heading":
            heading, heading2 = texts[i], heading
    return rows


def _context_indices(rows: Sequence[Row]) -> dict[str, np.ndarray]:
    """Row numbers of each row's heading, second heading and neighbours in the batch (-1: none)."""
    n = len(rows)
    out = {name: np.full(n, -1, dtype=np.int64) for name in ("heading", "heading2", "prev", "next")}
    heading = heading2 = -1
    for r, row in enumerate(rows):
        first = r == 0 or rows[r - 1]["doc"] != row["doc"]
        if first:
            heading = heading2 = -1
        else:
            out["prev"][r] = r - 1
            out["next"][r - 1] = r
        out["heading"][r], out["heading2"][r] = heading, heading2
        if row["kind"] == "heading":
            heading, heading2 = r, heading
    return out


def _counts(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """How often each `(row, col)` pair occurs, as a canonical CSR matrix; `rows` must be sorted."""
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    counts = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), cols, indptr), shape=shape)
    # Two linear-time transposes sort each row's columns, twice as fast as sorting them in place.
    counts = counts.tocsc().tocsr()
    counts.sum_duplicates()
    return counts


def _select(matrix: sp.csr_matrix, index: np.ndarray, weight: float = 1.0) -> sp.csr_matrix:
    """Row `index[r]` of `matrix` times `weight` for every r (an empty row where the index is -1)."""
    source = index.clip(0)
    lengths = np.where(index >= 0, np.diff(matrix.indptr)[source], 0)
    indptr = np.zeros(len(index) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    take = np.repeat(matrix.indptr[source] - indptr[:-1], lengths) + np.arange(indptr[-1])
    shape = (len(index), matrix.shape[1])
    return sp.csr_matrix((matrix.data[take] * weight, matrix.indices[take], indptr), shape=shape)


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray, weight: float = 1.0) -> sp.csr_matrix:
    """Sublinear term frequency times inverse document frequency, rows L2-normalised, times
    `weight`. Works in place on `counts`."""
    counts.data = (1.0 + np.log(counts.data)) * idf.astype(np.float32)[counts.indices]
    if counts.shape[0]:
        normalize(counts, copy=False)
    counts.data *= np.float32(weight)
    return counts


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1 + counts.shape[0]) / (1 + df)) + 1.0


class SegmentFeaturizer(TransformerMixin, BaseEstimator):
    """Rows → sparse matrix: TF-IDF of the segment's words (and word pairs) and hashed character
    n-grams, the words of its heading and neighbours, its kind, position, length and shape flags
    (money, dates, e-mail ...). The heading's words weigh `heading_weight` (0.5: a real posting's
    headings are less reliable than the segment's own words), the second heading's and the
    neighbours' `context_weight`."""

    def __init__(
        self,
        char: bool = True,
        char_ngrams: tuple[int, int] = (3, 4),
        context: bool = True,
        context_weight: float = 0.5,
        char_weight: float = 0.7,
        heading_weight: float = 0.5,
    ) -> None:
        self.char = char
        self.char_ngrams = char_ngrams
        self.context = context
        self.context_weight = context_weight
        self.char_weight = char_weight
        self.heading_weight = heading_weight

    # ---- words

    def _word_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vocabulary ids of the words of each lower-case text (unknown: -1) and the row of each
        word. One regex scan over the texts joined by an upper-case word, which no text holds."""
        words = _WORD.findall(_SEPARATOR.join(texts))
        seps, at = [], -1
        for _ in range(len(texts) - 1):
            at = words.index(_SEPARATOR_WORD, at + 1)
            seps.append(at)
        lengths = np.diff(np.array([-1, *seps, len(words)], dtype=np.int64)) - 1 if texts else np.zeros(0, np.int64)
        ids = np.fromiter(map(self.vocabulary_.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        return np.delete(ids, seps), np.repeat(np.arange(len(texts)), lengths)

    def _word_counts(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Counts of known words, and of known word pairs, per text."""
        ids, rows = self._word_ids(texts)
        v = len(self.vocabulary_)
        known = ids >= 0
        unigrams = _counts(rows[known], ids[known], (len(texts), v))
        pair = (rows[:-1] == rows[1:]) & known[:-1] & known[1:]
        codes = ids[:-1][pair] * v + ids[1:][pair]
        pos = np.searchsorted(self.bigrams_, codes)
        hit = (pos < len(self.bigrams_)) & (self.bigrams_[pos.clip(max=len(self.bigrams_) - 1)] == codes)
        bigrams = _counts(rows[:-1][pair][hit], pos[hit], (len(texts), len(self.bigrams_)))
        return unigrams, bigrams

    # ---- characters

    def _char_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Hashed counts of the character n-grams (sizes `char_ngrams`, inclusive) inside each text."""
        joined = "\n".join(texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        row_of = np.repeat(np.arange(len(texts)), [len(t) + 1 for t in texts])  # the row of each code point
        breaks = np.concatenate([[0], np.cumsum(codes == 10)])
        sizes = range(self.char_ngrams[0], self.char_ngrams[1] + 1)
        # Column j holds the n-gram of size sizes[j] starting at each code point, so that the
        # flattened arrays run in text order, hence in row order.
        m = max(0, len(codes) - sizes[0] + 1)
        hashes = np.zeros((m, len(sizes)), dtype=np.uint64)
        inside = np.zeros((m, len(sizes)), dtype=bool)
        for j, n in enumerate(sizes):
            k = len(codes) - n + 1
            if k <= 0:
                continue
            h = np.full(k, n, dtype=np.uint64)
            for i in range(n):
                h *= np.uint64(1000003)
                h += codes[i : i + k]
            hashes[:k, j] = h ^ (h >> np.uint64(29))
            inside[:k, j] = breaks[n : n + k] == breaks[:k]
        keep = inside.ravel()
        cols = (hashes.ravel()[keep] & np.uint64(_CHAR_BUCKETS - 1)).astype(np.int64)
        rows = np.repeat(row_of[:m], len(sizes))[keep]
        return _counts(rows, cols, (len(texts), _CHAR_BUCKETS))

    # ---- flags

    def _flags(self, rows: Sequence[Row], texts: Sequence[str]) -> sp.csr_matrix:
        """One-hot kind, neighbours' kinds, position and length bins, shape flags (`texts`: the
        rows' texts in lower case)."""
        n = len(rows)
        columns: list[np.ndarray] = []
        index = {k: i for i, k in enumerate(_KINDS)}
        for key in ("kind", "prev_kind", "next_kind"):
            values = np.fromiter(map(index.get, map(itemgetter(key), rows), repeat(0)), dtype=np.int64, count=n)
            columns += [values == i for i in range(len(_KINDS))]
        position = np.fromiter(map(itemgetter("position"), rows), dtype=np.float64, count=n)
        columns += [np.minimum(4, (position * 5).astype(np.int64)) == i for i in range(5)]
        length = np.fromiter(map(len, map(str.split, texts)), dtype=np.int64, count=n)
        bits = np.minimum(6, np.floor(np.log2(np.maximum(length, 1))).astype(np.int64) + (length > 0))
        columns += [bits == i for i in range(7)]
        columns.append(np.fromiter(map(str.endswith, texts, repeat(":")), dtype=bool, count=n))
        colon = np.fromiter(map(str.find, texts, repeat(":"), repeat(0), repeat(40)), dtype=np.int64, count=n)
        columns.append(colon >= 0)  # a colon in the first 40 characters
        columns.append(np.fromiter(map(str.isupper, map(itemgetter("text"), rows)), dtype=bool, count=n))
        columns.append(np.fromiter(map(not_, map(itemgetter("heading"), rows)), dtype=bool, count=n))
        columns.append(np.fromiter(map(bool, map(itemgetter("new_line"), rows)), dtype=bool, count=n))
        joined = "\n".join(texts)
        starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if texts else np.zeros(0, dtype=np.int64)
        for pattern in _SHAPES.values():
            hits = np.zeros(n, dtype=bool)
            at = np.fromiter((m.start() for m in pattern.finditer(joined)), dtype=np.int64)
            hits[np.searchsorted(starts, at, side="right") - 1] = True
            columns.append(hits)
        return sp.csr_matrix(np.column_stack(columns).astype(np.float32)) if n else sp.csr_matrix((0, len(columns)))

    # ---- estimator

    def fit(self, X: Sequence[Row], y: Any = None) -> SegmentFeaturizer:
        """Learn the word and word-pair vocabularies and the inverse document frequencies."""
        texts = [row["text"].lower() for row in X]
        self.vocabulary_ = {w: i for i, w in enumerate(sorted({w for t in texts for w in _WORD.findall(t)}))}
        ids, rows = self._word_ids(texts)
        pair = rows[:-1] == rows[1:]
        self.bigrams_ = np.unique(ids[:-1][pair] * len(self.vocabulary_) + ids[1:][pair])
        unigrams, bigrams = self._word_counts(texts)
        self.word_idf_ = _idf(sp.hstack([unigrams, bigrams], format="csr"))
        self.unigram_idf_ = self.word_idf_[: len(self.vocabulary_)]
        if self.char:
            self.char_idf_ = _idf(self._char_counts(texts)).astype(np.float32)
        return self

    def transform(self, X: Sequence[Row]) -> sp.csr_matrix:
        """The feature matrix of the rows, one row each; rows of a posting consecutive, in order."""
        texts = [row["text"].lower() for row in X]
        unigrams, bigrams = self._word_counts(texts)
        blocks = [_tfidf(sp.hstack([unigrams, bigrams], format="csr", dtype=np.float32), self.word_idf_)]
        if self.char:
            blocks.append(_tfidf(self._char_counts(texts), self.char_idf_, self.char_weight))
        if self.context:
            words = _tfidf(unigrams, self.unigram_idf_)
            index = _context_indices(X)
            blocks += [
                _select(words, index["heading"], self.heading_weight),
                _select(words, index["heading2"], self.context_weight),
                _select(words, index["prev"], self.context_weight),
                _select(words, index["next"], self.context_weight),
            ]
        blocks.append(self._flags(X, texts))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    # ---- state (see jobsections.state): data to save, never a pickle

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Parameters and vocabulary as JSON-able metadata; pair codes and IDF weights as arrays."""
        words = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        if [self.vocabulary_[w] for w in words] != list(range(len(words))):
            raise ValueError("vocabulary ids are not 0..n-1")
        meta = {"params": {**self.get_params(), "char_ngrams": list(self.char_ngrams)}, "vocabulary": words}
        arrays = {"bigrams_": self.bigrams_, "word_idf_": self.word_idf_}
        if self.char:
            arrays["char_idf_"] = self.char_idf_
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> SegmentFeaturizer:
        """Rebuild a fitted featuriser from `to_state`'s output, checking every part."""
        from jobsections.state import array, get, need

        params = dict(get(meta, "params", dict, "features"))
        params.setdefault("heading_weight", 1.0)  # a model saved before the weight existed used 1
        need(set(params) == set(cls().get_params()), "features.params: unexpected parameter names")
        for key in ("char", "context"):
            get(params, key, bool, "features.params")
        for key in ("context_weight", "char_weight", "heading_weight"):
            value = get(params, key, (int, float), "features.params")
            need(bool(abs(value) <= 1e6), f"features.params.{key}: not a finite weight")
        ngrams = get(params, "char_ngrams", list, "features.params")
        ok = len(ngrams) == 2 and all(type(n) is int for n in ngrams) and 1 <= ngrams[0] <= ngrams[1] <= 8
        need(ok, "features.params.char_ngrams: expected [low, high] with 1 <= low <= high <= 8")
        featurizer = cls(**{**params, "char_ngrams": tuple(ngrams)})
        words = get(meta, "vocabulary", list, "features")
        need(all(isinstance(w, str) for w in words), "features.vocabulary: expected strings")
        featurizer.vocabulary_ = {w: i for i, w in enumerate(words)}
        v = len(words)
        need(len(featurizer.vocabulary_) == v, "features.vocabulary: repeated words")
        bigrams = array(arrays, "bigrams_", np.int64, ndim=1)
        need(bool((bigrams[:-1] < bigrams[1:]).all()), "features: bigrams_ not strictly increasing")
        need(not len(bigrams) or (bigrams[0] >= 0 and bigrams[-1] < v * v), "features: bigrams_ out of range")
        featurizer.bigrams_ = bigrams
        featurizer.word_idf_ = array(arrays, "word_idf_", np.float64, shape=(v + len(bigrams),), finite=True)
        featurizer.unigram_idf_ = featurizer.word_idf_[:v]
        if featurizer.char:
            featurizer.char_idf_ = array(arrays, "char_idf_", np.float32, shape=(_CHAR_BUCKETS,), finite=True)
        return featurizer

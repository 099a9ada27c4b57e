"""Segment + context → feature rows, and the transformer that turns rows into a matrix.

A row is a plain dict (no spaCy object): the segment's text and kind, the heading it sits
under, its neighbours and its position. `SegmentFeaturizer` vectorises a batch of rows at
once: each segment's words are analysed a single time and its heading's and neighbours' word
features are rows of the same matrix; character n-grams are hashed over the batch's code points
with NumPy. No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise, repeat
from operator import itemgetter, ne, not_
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

Row = dict[str, Any]

_WORD = re.compile(r"\w{2,}")  # see `words_of`
_SEPARATOR_WORD = "SEP"  # upper case: never a word of a lower-case text
_SEPARATOR = f"\n{_SEPARATOR_WORD}\n"


def _percent_starts(text: str) -> list[int]:
    """Where the pattern `\\d\\s*%` matches: found from each (rare) `%` back, as a scan for
    digits would be slow."""
    starts = []
    at = text.find("%")
    while at >= 0:
        j = at
        while j and text[j - 1].isspace():  # `\s`, `\d`: `str.isspace`, `str.isdecimal`
            j -= 1
        if j and text[j - 1].isdecimal():
            starts.append(j - 1)
        at = text.find("%", at + 1)
    return starts


def _pattern_starts(pattern: str) -> Callable[[str], Iterable[int]]:
    compiled = re.compile(pattern)
    return lambda text: (m.start() for m in compiled.finditer(text))


def _literal_starts(*literals: str, word_end: bool = False) -> Callable[[str], list[int]]:
    """Where any of the literals stands in a text (with `word_end`, only where no word character
    follows it, as `\\b` would ask), found by `str.find`: faster than a pattern of alternatives."""

    def starts(text: str) -> list[int]:
        found = []
        for literal in literals:
            at = text.find(literal)
            while at >= 0:
                after = at + len(literal)
                if not word_end or after == len(text) or not (text[after].isalnum() or text[after] == "_"):
                    found.append(at)
                at = text.find(literal, at + 1)
        return found

    return starts


def _union(*finders: Callable[[str], Iterable[int]]) -> Callable[[str], list[int]]:
    """Where any of the finders finds something (a text's positions, not in order)."""
    return lambda text: [at for find in finders for at in find(text)]


# Shapes that words do not capture, each as where it starts in a text (a text has the shape when
# one is found in it). Each is a few literals, or a pattern led by one, so a scan over a batch's
# text is fast (month names, numbers and "per hour" are word features).
_SHAPES: dict[str, Callable[[str], Iterable[int]]] = {
    "money": _literal_starts(*"$€£₹¥"),
    "email": _pattern_starts(r"@(?<=\S@)\S+\.\w"),
    # the pattern `https?://|www\.|\.(?:com|org|net|int)\b`
    "url": _union(
        _literal_starts("http://", "https://", "www."), _literal_starts(".com", ".org", ".net", ".int", word_end=True)
    ),
    "percent": _percent_starts,
}
KINDS = ("heading", "item", "sentence", "field", "line", "start", "end")
_KIND_ID = {kind: i for i, kind in enumerate(KINDS)}
_CHAR_BUCKETS = 1 << 18  # a power of two: a hash is masked into a bucket


def words_of(text: str) -> list[str]:
    """The words of a text: runs of two or more letters or digits. `_` parts words, as emphasis
    marks do (`_Closing` is `closing`); replacing it first lets the pattern be a plain `\\w` run,
    which scans faster than `[^\\W_]`."""
    return _WORD.findall(text.replace("_", " "))


def normalise(text: str) -> str:
    """Collapse white space (line breaks, no-break spaces) to single spaces."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # its only white space is single ASCII spaces inside (the common case): as it is
    return " ".join(text.split())


def segment_rows(text: str, segments: Sequence[tuple[int, int, str]], doc: int | str = 0) -> list[Row]:
    """One feature row per segment `(start, end, kind)` of `text`, with its context."""
    texts = [normalise(text[s:e]) for s, e, _ in segments]
    kinds = [kind for _, _, kind in segments]
    new_lines = [True] + ["\n" in text[a[1] : b[0]] for a, b in pairwise(segments)]
    last = max(1, len(segments) - 1)
    rows: list[Row] = []
    heading = heading2 = ""
    for i, (words, kind, prev, nxt, prev_kind, next_kind, new_line) in enumerate(
        zip(texts, kinds, ["", *texts[:-1]], [*texts[1:], ""], ["start", *kinds[:-1]], [*kinds[1:], "end"], new_lines)
    ):
        rows.append(
            {
                "doc": doc,
                "index": i,
                "text": words,
                "kind": kind,
                "heading": heading,
                "heading2": heading2,
                "prev": prev,
                "next": nxt,
                "prev_kind": prev_kind,
                "next_kind": next_kind,
                "position": i / last,
                "new_line": new_line,
            }
        )
        if kind == "heading":
            heading, heading2 = words, heading
    return rows


def kind_ids(rows: Sequence[Row], key: str = "kind") -> np.ndarray:
    """The position in `KINDS` of each row's `key` (its kind, or a neighbour's); 0 for an unknown one."""
    return np.fromiter(map(_KIND_ID.get, map(itemgetter(key), rows), repeat(0)), dtype=np.int64, count=len(rows))


def context_indices(rows: Sequence[Row]) -> dict[str, np.ndarray]:
    """Row numbers of each row's heading, second heading and neighbours in the batch (-1: none)."""
    n = len(rows)
    docs = [row["doc"] for row in rows]
    first = np.ones(n, dtype=bool)  # the first row of its posting
    first[1:] = np.fromiter(map(ne, docs[1:], docs[:-1]), dtype=bool, count=max(n - 1, 0))
    index = np.arange(n)
    start = np.maximum.accumulate(np.where(first, index, 0))  # its posting's first row
    is_heading = np.fromiter((row["kind"] == "heading" for row in rows), dtype=bool, count=n)
    latest = np.maximum.accumulate(np.where(is_heading, index, -1))  # the last heading up to r
    before = np.full(n, -1, dtype=np.int64)  # the last heading before r in its posting
    before[1:] = latest[:-1]
    before[before < start] = -1
    prev = np.where(first, -1, index - 1)
    nxt = np.full(n, -1, dtype=np.int64)
    nxt[:-1] = np.where(first[1:], -1, index[1:])
    heading2 = np.where(before >= 0, before[before.clip(0)], -1)
    return {"heading": before, "heading2": heading2, "prev": prev, "next": nxt}


def _key_dtype(shape: tuple[int, int]) -> type[np.unsignedinteger]:
    """The narrowest unsigned type that holds `row * n_cols + col` for the shape (sorts faster)."""
    return np.uint32 if shape[0] * shape[1] <= 1 << 32 else np.uint64


def _counts(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """How often each `(row, col)` pair occurs, as a canonical CSR matrix (pairs in any order)."""
    dtype = _key_dtype(shape)
    return _key_counts(rows.astype(dtype) * dtype(shape[1]) + cols.astype(dtype), shape)


def _key_counts(keys: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """`_counts` of the pairs coded as `row * n_cols + col`: sorting the keys orders the rows and
    each row's columns, and equal neighbours are counted (faster than sorting a matrix's rows)."""
    keys = _sort_keys(keys, shape[1])
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    at = np.flatnonzero(first)
    counts = np.diff(at, append=len(keys)).astype(np.float32)
    pairs = keys[at]
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount((pairs // shape[1]).astype(np.int64), minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((counts, (pairs % shape[1]).astype(np.int64), indptr), shape=shape)


_SORT_RUN = 512  # keys a sort is given at once: a run this short sorts in cache


def _sort_keys(keys: np.ndarray, n_cols: int) -> np.ndarray:
    """The keys `row * n_cols + col` in order. Keys grouped by row (rows never decreasing, as
    the featuriser makes them) are sorted a run of whole rows at a time, several times faster
    than one sort of them all; keys in any other order get one sort."""
    rows = keys // keys.dtype.type(n_cols)
    if len(keys) <= _SORT_RUN or (rows[1:] < rows[:-1]).any():
        return np.sort(keys)
    # each run starts at the first key of a row that holds a multiple of _SORT_RUN
    bounds = np.unique(np.searchsorted(rows, rows[_SORT_RUN::_SORT_RUN])).tolist()
    keys = keys.copy()
    for start, end in zip([0, *bounds], [*bounds, len(keys)]):
        keys[start:end].sort()
    return keys


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
    counts.data = (1.0 + np.log(counts.data)) * idf.astype(np.float32, copy=False)[counts.indices]
    if counts.shape[0]:
        inplace_csr_row_normalize_l2(counts)  # what `sklearn.preprocessing.normalize` runs, without its checks
    counts.data *= np.float32(weight)
    return counts


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1 + counts.shape[0]) / (1 + df)) + 1.0


_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: multiplicative hashing


class _CodeTable:
    """Where each of a set of distinct non-negative codes stands in it, as an open-addressing
    hash table: a batch's lookups are a few vectorised probes, four times faster than a binary
    search of the sorted codes (`np.searchsorted`)."""

    def __init__(self, codes: np.ndarray) -> None:
        self.codes = codes
        self.bits = max(1, (3 * len(codes)).bit_length())  # at most a third of the slots taken
        self.keys = np.full(1 << self.bits, -1, dtype=np.int64)
        self.index = np.zeros(1 << self.bits, dtype=np.int64)
        pending, slots = np.arange(len(codes)), self._slots(codes)
        while len(pending):  # each round, the first code to reach a free slot takes it
            free = np.flatnonzero(self.keys[slots] == -1)
            taken, first = np.unique(slots[free], return_index=True)
            self.keys[taken] = codes[pending[free[first]]]
            self.index[taken] = pending[free[first]]
            left = np.ones(len(pending), dtype=bool)
            left[free[first]] = False
            pending, slots = pending[left], (slots[left] + 1) & (len(self.keys) - 1)

    def _slots(self, codes: np.ndarray) -> np.ndarray:
        return ((codes.astype(np.uint64) * _FIBONACCI) >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, codes: np.ndarray) -> np.ndarray:
        """The position of each code among the table's codes, -1 for a code not among them."""
        found = np.full(len(codes), -1, dtype=np.int64)
        todo, slots = np.arange(len(codes)), self._slots(codes)
        while len(todo):
            keys = self.keys[slots]
            hit = keys == codes[todo]
            found[todo[hit]] = self.index[slots[hit]]
            more = ~hit & (keys != -1)  # an empty slot ends the search
            todo, slots = todo[more], (slots[more] + 1) & (len(self.keys) - 1)
        return found


class SegmentFeaturizer(TransformerMixin, BaseEstimator):
    """Rows → sparse matrix: TF-IDF of the segment's words (and word pairs) and hashed character
    n-grams, the words of its heading and neighbours, its kind, position, length and shape flags
    (money, dates, e-mail ...). The heading's words weigh `heading_weight`, the second heading's
    and the neighbours' `context_weight`. (That a real posting's headings are less reliable than
    a segment's own words is taught by training copies without headings, `jobsections.train`.)"""

    def __init__(
        self,
        char: bool = True,
        char_ngrams: tuple[int, int] = (3, 4),
        context: bool = True,
        context_weight: float = 0.5,
        char_weight: float = 0.7,
        heading_weight: float = 1.0,
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
        words = words_of(_SEPARATOR.join(texts))
        lookup = {**self.vocabulary_, _SEPARATOR_WORD: -2}.get
        ids = np.fromiter(map(lookup, words, repeat(-1)), dtype=np.int64, count=len(words))
        seps = np.flatnonzero(ids == -2)
        lengths = np.diff(np.concatenate([[-1], seps, [len(words)]])) - 1 if texts else np.zeros(0, np.int64)
        return np.delete(ids, seps), np.repeat(np.arange(len(texts)), lengths)

    def _word_counts(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Counts of known words, and of known word pairs, per text."""
        ids, rows = self._word_ids(texts)
        v = len(self.vocabulary_)
        known = ids >= 0
        unigrams = _counts(rows[known], ids[known], (len(texts), v))
        pair = (rows[:-1] == rows[1:]) & known[:-1] & known[1:]
        codes = ids[:-1][pair] * v + ids[1:][pair]
        pos = self._bigram_table().find(codes)
        hit = pos >= 0
        bigrams = _counts(rows[:-1][pair][hit], pos[hit], (len(texts), len(self.bigrams_)))
        return unigrams, bigrams

    def _bigram_table(self) -> _CodeTable:
        """The hash table of `bigrams_`, built on first use after they are set."""
        table = self.__dict__.get("_bigrams_table")
        if table is None or table.codes is not self.bigrams_:
            table = self._bigrams_table = _CodeTable(self.bigrams_)
        return table

    # ---- characters

    def _char_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Hashed counts of the character n-grams (sizes `char_ngrams`, inclusive) inside each text."""
        joined = "\n".join(texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        shape = (len(texts), _CHAR_BUCKETS)
        dtype = _key_dtype(shape)
        # each code point's row, times the number of buckets: a pair's key is its row's plus the bucket
        base = np.repeat(np.arange(len(texts), dtype=dtype) * dtype(_CHAR_BUCKETS), [len(t) + 1 for t in texts])
        breaks = np.concatenate([[0], np.cumsum(codes == 10)])
        low, high = self.char_ngrams
        starts = max(len(codes) - low + 1, 0)
        # column n - low holds the n-gram starting at each code point: the keys stay grouped by row
        keys = np.zeros((starts, high - low + 1), dtype=dtype)
        inside = np.zeros((starts, high - low + 1), dtype=bool)
        for n in range(low, min(high, len(codes)) + 1):
            k = len(codes) - n + 1
            h = np.full(k, n, dtype=np.uint64)
            for i in range(n):
                h *= np.uint64(1000003)
                h += codes[i : i + k]
            inside[:k, n - low] = breaks[n : n + k] == breaks[:k]  # no line break, so no other text, inside
            bucket = (h ^ (h >> np.uint64(29))) & np.uint64(_CHAR_BUCKETS - 1)
            keys[:k, n - low] = base[:k] + bucket.astype(dtype)
        return _key_counts(keys[inside], shape)

    # ---- flags

    def _flags(self, rows: Sequence[Row], texts: Sequence[str]) -> sp.csr_matrix:
        """One-hot kind, neighbours' kinds, position and length bins, shape flags (`texts`: the
        rows' texts in lower case, white space normalised as `segment_rows` leaves it)."""
        n = len(rows)
        # (each row's value, the number of values) of each one-hot group
        one_hot = [(kind_ids(rows, key), len(KINDS)) for key in ("kind", "prev_kind", "next_kind")]
        position = np.fromiter(map(itemgetter("position"), rows), dtype=np.float64, count=n)
        one_hot.append((np.minimum(4, (position * 5).astype(np.int64)), 5))
        # words: one more than the spaces of a normalised text, none in an empty one
        spaces = np.fromiter(map(str.count, texts, repeat(" ")), dtype=np.int64, count=n)
        length = np.where(np.fromiter(map(len, texts), dtype=np.int64, count=n) > 0, spaces + 1, 0)
        one_hot.append((np.minimum(6, np.floor(np.log2(np.maximum(length, 1))).astype(np.int64) + (length > 0)), 7))
        flags = [
            np.fromiter(map(str.endswith, texts, repeat(":")), dtype=bool, count=n),
            np.fromiter(map(str.find, texts, repeat(":"), repeat(0), repeat(40)), dtype=np.int64, count=n) >= 0,
            np.fromiter(map(str.isupper, map(itemgetter("text"), rows)), dtype=bool, count=n),
            np.fromiter(map(not_, map(itemgetter("heading"), rows)), dtype=bool, count=n),
            np.fromiter(map(bool, map(itemgetter("new_line"), rows)), dtype=bool, count=n),
        ]
        joined = "\n".join(texts)
        starts = np.zeros(n, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, texts[:-1]), dtype=np.int64, count=max(n - 1, 0)) + 1, out=starts[1:])
        for found in _SHAPES.values():
            hits = np.zeros(n, dtype=bool)
            at = np.fromiter(found(joined), dtype=np.int64)
            hits[np.searchsorted(starts, at, side="right") - 1] = True
            flags.append(hits)
        width = sum(size for _, size in one_hot) + len(flags)
        dense = np.zeros((n, width), dtype=np.float32)
        offset, rows_at = 0, np.arange(n)
        for values, size in one_hot:
            dense[rows_at, offset + values] = 1.0
            offset += size
        dense[:, offset:] = np.column_stack(flags)
        return sp.csr_matrix(dense)

    # ---- estimator

    def fit(self, X: Sequence[Row], y: Any = None) -> SegmentFeaturizer:
        """Learn the word and word-pair vocabularies and the inverse document frequencies."""
        texts = [row["text"].lower() for row in X]
        self.vocabulary_ = {w: i for i, w in enumerate(sorted({w for t in texts for w in words_of(t)}))}
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
            index = context_indices(X)
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

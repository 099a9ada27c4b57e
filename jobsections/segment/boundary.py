"""A learned segment-boundary model for text whose layout is gone (long lines, glued words).

The rules segmenter is exact where layout speaks (a marker at a line start, a blank line), and
must guess inside a long line: a scraped posting on one line, a paragraph, items run together
(`…business systems Develop workflows…`, `…data setsExperience with…`). There this model decides.

Candidates are the gaps between the tokens of a line (or of a hard-wrapped text):
every white-space gap, and every glued join inside a token (a small letter, digit, `*` or
closing punctuation followed by a capital). Each gap
gets one feature per template (the words either side, their shapes, the next word after, the
word pair, whether the rules would end a sentence there, how far the last full stop is ...), and a
logistic regression over those one-hot templates says whether a segment ends there. Features
are vocabulary ids and hashed pairs, computed with NumPy per line, so the cost is a few
microseconds a line plus one array lookup a gap.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from jobsections.segment.rules import split_sentences, wrapped_training_span

_TOKEN = re.compile(r"\S+")
# A glued join: a small letter, digit, masked number or closing punctuation followed by a capital
# (`setsExperience`, `adopts.This`, `£****Job`), or a capital run followed by a capitalised word
# (`ABOUT USThe`). A candidate, not a decision: `PowerPoint` and `iPhone` are joins too. ASCII
# letters only; `_glue` finds them with table lookups (tests/test_boundary.py pins it to the
# pattern `(?<=[a-z0-9*%.:;!?)\]])(?=[A-Z])|(?<=[A-Z]{2})(?=[A-Z][a-z])`).
_EDGE_PUNCT = "\"'“”‘’()[]{}.,:;!?*•·-–—|/\\<>"
_HASH = 1 << 18
_SINCE_BINS = np.array([0, 1, 2, 3, 5, 8, 12, 20, 30])
_ROOM_BINS = np.array([3, 8, 15, 30])  # characters a line ends short of the wrap width
_LOUD_BINS = np.array([1, 2, 3, 5, 8])  # tokens in capitals in a run: none, an acronym, a heading ... a shout
_SECTION_WORDS = frozenset(
    "about background introduction overview summary description role responsibilities duties tasks "
    "qualifications requirements required skills experience education profile competencies benefits "
    "offer perks salary remuneration compensation package terms conditions contract apply application "
    "applications how selection procedure process deadline contact eligibility location job position "
    "essential desirable preferred who what your you".split()
)


_PUNCT = {c: 5 + i for i, c in enumerate(".,:;!?)(\"'“”-–—•/&|#")}
_TABLE = 0x3001  # code points from here on share one class (0x3000, the last space, is in the table)


def _char_class(c: str) -> int:
    """1 capital, 2 small letter, 3 digit, 4 `*`, 5-25 punctuation, 30 anything else."""
    if c.isupper():
        return 1
    if c.islower():
        return 2
    if c.isdigit():
        return 3
    if c == "*":
        return 4
    return _PUNCT.get(c, 30)


_CLASS = np.array([_char_class(chr(i)) for i in range(_TABLE)] + [30], dtype=np.int64)
_LOWER = _CLASS == 2
_UPPER = _CLASS == 1
_SPACE = np.array([chr(i).isspace() for i in range(_TABLE)] + [False])
_ASCII_UPPER = np.isin(np.arange(_TABLE + 1), [ord(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"])
_ASCII_LOWER = np.isin(np.arange(_TABLE + 1), [ord(c) for c in "abcdefghijklmnopqrstuvwxyz"])
_GLUE_BEFORE = _ASCII_LOWER | np.isin(np.arange(_TABLE + 1), [ord(c) for c in "0123456789*%.:;!?)]"])
_CLAUSE_END = np.isin(np.arange(_TABLE + 1), [ord(c) for c in ".:;!?"])


def _glue(codes: np.ndarray) -> np.ndarray:
    """The offsets of the glued joins in a line of these code points (see above)."""
    upper = _ASCII_UPPER[codes]
    glue = np.zeros(len(codes), dtype=bool)
    glue[1:] = upper[1:] & _GLUE_BEFORE[codes[:-1]]
    glue[2:-1] |= upper[:-3] & upper[1:-2] & upper[2:-1] & _ASCII_LOWER[codes[3:]]
    return np.flatnonzero(glue)


def _among(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """Whether each value is in `ascending` (sorted): `np.isin` without its set-up cost."""
    if not len(ascending):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(ascending, values).clip(max=len(ascending) - 1)
    return ascending[at] == values


def _next_at(mask: np.ndarray, none: int) -> np.ndarray:
    """For each position, the first position at or after it where `mask` holds (`none` if none does)."""
    return np.minimum.accumulate(np.where(mask, np.arange(len(mask)), none)[::-1])[::-1]


def _percentile_90(values: np.ndarray) -> float:
    """`np.percentile(values, 90)` (linear interpolation, the same arithmetic), without its set-up cost."""
    ordered = np.sort(values)
    virtual = (len(ordered) - 1) * 0.9
    below = math.floor(virtual)
    t = virtual - below
    a, b = int(ordered[below]), int(ordered[min(below + 1, len(ordered) - 1)])
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


class Tokens:
    """The tokens of a line `text[start:end]`: white-space-separated chunks, cut again at glued
    joins, with offsets (into `text`) and the look of each as arrays, computed over the line's
    code points at once."""

    __slots__ = (
        "acronym",
        "caps",
        "clause_end",
        "colon",
        "ends",
        "first",
        "glued",
        "line_end",
        "line_start",
        "shapes",
        "starts",
        "words",
    )

    def __init__(self, text: str, start: int, end: int) -> None:
        line = text[start:end]
        codes = np.minimum(np.frombuffer(line.encode("utf-32-le"), dtype=np.uint32), _TABLE).astype(np.int64)
        space = _SPACE[codes]
        edge = np.concatenate([[True], space, [True]])
        starts = np.flatnonzero(~space & edge[:-2])
        ends = np.flatnonzero(~space & edge[2:]) + 1
        words = line.split()
        glue = _glue(codes)
        if len(glue):
            owner = np.searchsorted(starts, glue, side="right") - 1
            for i in np.unique(owner)[::-1].tolist():  # from the right, so that indices stay valid
                cuts = (glue[owner == i] - starts[i]).tolist()
                word = words[i]
                words[i : i + 1] = [word[a:b] for a, b in zip([0, *cuts], [*cuts, len(word)])]
            starts = np.sort(np.concatenate([starts, glue]))
            ends = np.sort(np.concatenate([ends, glue]))
        self.words = words
        n = len(starts)
        self.glued = np.zeros(n, dtype=bool)  # the gap before token i is inside a chunk
        if n > 1:
            self.glued[1:] = starts[1:] == ends[:-1]
        cls = _CLASS[codes]
        self.first = cls[starts]
        last = cls[ends - 1]
        low = np.concatenate([[0], np.cumsum(_LOWER[codes])])
        up = np.concatenate([[0], np.cumsum(_UPPER[codes])])
        self.caps = ((low[ends] - low[starts]) == 0) & ((up[ends] - up[starts]) >= 2)
        self.shapes = (self.first * 32 + last) * 4 + self.caps * 2 + ((ends - starts) > 3)
        # led by two capitals (`OMCT’s`, `IDL:`, `USThe`): an acronym or a word in capitals
        self.acronym = (self.first == 1) & (cls[np.minimum(starts + 1, len(codes) - 1)] == 1) & (ends - starts > 1)
        self.clause_end = _CLAUSE_END[codes[ends - 1]]
        self.colon = codes[ends - 1] == 58  # `:`
        # hard-wrapped text: whether a line break follows each token, and where each token's line starts
        breaks = np.flatnonzero(codes == 10)
        self.line_end = np.zeros(n, dtype=bool)
        if len(breaks):
            after = np.searchsorted(starts, breaks)  # the token after each line break
            self.line_end[after[(after > 0) & (after < n)] - 1] = True
        self.line_start = np.concatenate([[0], breaks + 1])[np.searchsorted(breaks, ends)] + start
        self.starts = starts + start
        self.ends = ends + start


class BoundaryModel(ClassifierMixin, BaseEstimator):
    """Whether a segment boundary falls in each gap between tokens of a line without layout.

    `fit(lines)` takes `(text, start, end, ends)` items (`ends`: the offsets where gold segments
    end); `cuts(text, start, end)` returns the pieces of `text[start:end]` between the boundaries.
    `min_count` prunes rare words from the vocabulary, `C` is the logistic regression's inverse
    regularisation, `context` the template set (1: the words and shapes either side of the gap;
    2 adds the shapes two tokens away and the distance to the clause ends either side, crossed
    with the next token's shape; 3 adds how far the next colon is and whether only capitalised
    words lead to it, as a run-in label's do (`Communication Skills:`), whether the words either
    side also occur in small letters in the same line (a name such as `KESTRA` never does), the
    third word to the right, the word pair to the left; 4 adds how many tokens in capitals the run
    either side of the gap holds, and whether a token is led by two capitals). A `wrapped` model
    also learns from blocks of hard-wrapped lines (a line break after a line that ends early,
    where the next word would have fitted, is no wrap; where the rules would start a block), and
    the segmenter then hands it every hard-wrapped text whole. The segmenter hands the model the
    lines longer than `min_line` characters in a text with no line breaks, and those longer than
    `layout_line` in a text with layout (where the rules are exact almost everywhere).
    """

    def applies(self, length: int, flat: bool) -> bool:
        """Whether a line of `length` characters is cut by the model (`flat`: the text has no line breaks)."""
        return length > self.line_limit(flat)

    def line_limit(self, flat: bool) -> int:
        """The length beyond which a line is cut by the model (`flat`: the text has no line breaks)."""
        return self.min_line if flat else self.layout_line

    def __init__(
        self,
        C: float = 1.0,
        min_count: int = 2,
        threshold: float = 0.5,
        min_line: int = 200,
        layout_line: int = 1000,
        max_iter: int = 200,
        context: int = 4,
        wrapped: bool = True,
    ) -> None:
        self.C = C
        self.context = context
        self.wrapped = wrapped
        self.min_line = min_line
        self.layout_line = layout_line
        self.min_count = min_count
        self.threshold = threshold
        self.max_iter = max_iter

    # ---- features

    def _word_ids(self, words: Sequence[str]) -> np.ndarray:
        """Vocabulary ids of the tokens, lower-cased and stripped of edge punctuation (0: unknown)."""
        keys = map(str.lower, map(str.strip, words, repeat(_EDGE_PUNCT)))
        return np.fromiter(map(self.vocabulary_.get, keys, repeat(0)), dtype=np.int64, count=len(words))

    def _features(self, toks: Tokens, rule_ends: np.ndarray, gaps: np.ndarray, hints: Sequence[int] = ()) -> np.ndarray:
        """One row per candidate gap (`gaps`: the index i of the token before the gap between
        tokens i and i+1), one column per template: feature indices."""
        n = len(toks.words)
        v = len(self.vocabulary_) + 1
        ids = self._word_ids(toks.words)
        shapes = toks.shapes
        section = self.section_[ids]
        left, right = gaps, gaps + 1
        right2 = np.append(ids[2:], 0)[gaps]  # the word after the right token
        left2 = np.concatenate([[0], ids[: max(n - 2, 0)]])[gaps]  # the word before the left token
        glued = toks.glued[right].astype(np.int64)
        rule = _among(toks.ends[left], rule_ends).astype(np.int64)
        # tokens since the last one ending a clause, binned
        idx = np.arange(n)
        last = np.maximum.accumulate(np.where(toks.clause_end, idx, -1))
        since = np.minimum(idx - last, 40)[left]
        since_bin = np.searchsorted(_SINCE_BINS, since, side="right")
        s_l, s_r = shapes[left], shapes[right]
        i_l, i_r = ids[left], ids[right]
        direct = [i_l, v + i_r, 2 * v + left2, 3 * v + right2]
        hashed = [
            s_l * 1031 + 1,
            s_r * 1031 + 2,
            (s_l * 2053 + s_r) * 7 + 3,
            (i_l * 131 + s_r) * 11 + 4,
            (s_l * 137 + i_r) * 13 + 5,
            (i_l * 1000003 + i_r) * 17 + 6,
            (i_r * 1000003 + right2) * 19 + 7,
            (glued * 2053 + s_r) * 23 + 8,
            (rule * 64 + since_bin * 2 + glued) * 29 + 9,
            ((section[right] * 2 + section[left]) * 2053 + s_r) * 31 + 10,
            (rule * 2053 + s_r) * 37 + 11,
        ]
        if self.context >= 2:
            # the shapes two tokens away, and how far the gap is from the clause ends either side
            pad = np.concatenate([[0], shapes, [0]])  # pad[i + 1]: token i's shape; 0 beyond the line
            s_l2, s_r2 = pad[left], pad[right + 2]
            following = _next_at(toks.clause_end, n)
            until_bin = np.searchsorted(_SINCE_BINS, np.minimum(following - idx, 40)[right], side="right")
            hashed += [
                ((s_l2 * 2053 + s_l) * 2053 + s_r) * 41 + 12,
                ((s_l * 2053 + s_r) * 2053 + s_r2) * 43 + 13,
                (since_bin * 2053 + s_r) * 47 + 14,
                ((until_bin * 16 + since_bin) * 2053 + s_r) * 53 + 15,
            ]
        if self.context >= 3:
            hashed += self._label_and_name_features(toks, ids, gaps, since_bin, left2)
        if self.context >= 4:
            hashed += self._capitals_features(toks, gaps, since_bin, rule)
        if self.wrapped:
            # hard-wrapped text: a line break after a line that ends early, where the
            # next word would have fitted, is no wrap
            lengths = toks.ends - toks.line_start
            width = _percentile_90(lengths[toks.line_end]) if toks.line_end.any() else 0
            nl = toks.line_end[left]
            room = width - lengths[left]
            fits = nl & (room > toks.ends[right] - toks.starts[right])
            early = np.searchsorted(_ROOM_BINS, room, side="right") * nl
            # 0 in a line without breaks; in wrapped text, a gap inside a line or after one
            hint = _among(toks.starts[right], np.asarray(hints, dtype=np.int64))  # the rules start a block here
            line = (((hint * 2 + nl).astype(np.int64) * 2 + fits) * 16 + early + 1) * toks.line_end.any()
            hashed += [
                ((line * 2053 + s_l) * 2053 + s_r) * 67 + 16,
                (line * 64 + since_bin * 2 + rule) * 71 + 17,
                (line * 1000003 + i_r) * 73 + 18,
            ]
        return np.hstack([np.column_stack(direct), np.column_stack(hashed) % _HASH + 4 * v])

    @staticmethod
    def _label_and_name_features(
        toks: Tokens, ids: np.ndarray, gaps: np.ndarray, since_bin: np.ndarray, left2: np.ndarray
    ) -> list[np.ndarray]:
        """The `context=3` templates (hashed, before the modulo): the next colon and the capitalised
        run up to it, small-letter uses of the words in the line, the right word with the third
        word right, the word pair left (`left2`: the word before the left token), and the left
        word with the shapes of the next two tokens."""
        n = len(ids)
        left, right = gaps, gaps + 1
        shapes = toks.shapes
        s_l, s_r = shapes[left], shapes[right]
        # tokens from each token to the next one ending in a colon (6: none in the next five)
        upto = _next_at(toks.colon, n + 6)
        colon_r = np.minimum(upto[right] - right, 6)
        colon_l = np.minimum(upto[left] - left, 6)
        not_cap = np.concatenate([[0], np.cumsum(toks.first != 1)])
        capitalised_run = (not_cap[np.minimum(upto[right], n - 1) + 1] == not_cap[right]) & (colon_r < 6)
        label = colon_r * 2 + capitalised_run
        # a word also written in small letters in this line is no name
        small = _among(ids, np.unique(ids[(toks.first == 2) & (ids > 0)]))
        small_r, small_l = small[right], small[left]
        right3 = np.append(ids[3:], np.zeros(3, dtype=np.int64))[gaps]
        return [
            (label * 2053 + s_l) * 79 + 19,
            (label * 64 + since_bin) * 83 + 20,
            ((label * 8 + colon_l) * 2053 + s_r) * 89 + 21,
            ((small_r * 2 + (toks.first[right] == 1)) * 2053 + s_l) * 97 + 22,
            ((small_r * 2 + small_l) * 64 + since_bin) * 101 + 23,
            (ids[right] * 1000003 + right3) * 103 + 24,
            (left2 * 1000003 + ids[left]) * 107 + 25,
            ((ids[left] * 131 + s_r) * 2053 + shapes[np.minimum(right + 1, n - 1)]) * 109 + 26,
        ]

    @staticmethod
    def _capitals_features(toks: Tokens, gaps: np.ndarray, since_bin: np.ndarray, rule: np.ndarray) -> list[np.ndarray]:
        """The `context=4` templates (hashed, before the modulo): how many tokens in capitals the
        run of them either side of the gap holds (digits and masked numbers continue a run), as
        a heading's few words differ from a shouted sentence (`WHO WANTS GENUINE CAREER
        PROSPECTS`), crossed with the clause ends and shapes; and whether the tokens either side
        are led by two capitals (an acronym: `support OMCT’s work` is no item start)."""
        shapes = toks.shapes
        left, right = gaps, gaps + 1
        in_run = toks.caps | (toks.first == 3) | (toks.first == 4)
        run = np.cumsum(~in_run)  # the run each token is in (a token outside starts a new one)
        loud = np.where(in_run, np.bincount(run, weights=toks.caps)[run], 0)
        bins = np.searchsorted(_LOUD_BINS, loud, side="right")
        b_l, b_r = bins[left], bins[right]
        acronym = toks.acronym[right] * 2 + toks.acronym[left]
        return [
            (((b_l * 8 + b_r) * 64 + since_bin) * 2 + rule) * 113 + 27,
            ((b_r * 8 + b_l) * 2053 + shapes[left]) * 127 + 28,
            ((b_l * 8 + b_r) * 2053 + shapes[right]) * 131 + 29,
            (acronym * 2053 + shapes[left]) * 137 + 30,
            (acronym * 64 + since_bin) * 139 + 31,
        ]

    def _gaps(
        self, text: str, start: int, end: int, hints: Sequence[int] = ()
    ) -> tuple[Tokens, np.ndarray, np.ndarray]:
        """The line's tokens, its candidate gaps (index of the token before each) and their features
        (`hints`: offsets where the rules would start a block, in hard-wrapped text).

        Candidates: glued joins, and gaps before a token that does not start with a small letter
        or after one that ends a clause (`.:;!?`); elsewhere no segment ends.
        """
        toks = Tokens(text, start, end)
        if len(toks.words) < 2:
            return toks, np.zeros(0, dtype=np.int64), np.zeros((0, self._n_templates()), dtype=np.int64)
        gaps = np.flatnonzero(toks.glued[1:] | (toks.first[1:] != 2) | toks.clause_end[:-1])
        rule_ends = np.array([e for _, e in split_sentences(text, start, end)], dtype=np.int64)
        return toks, gaps, self._features(toks, rule_ends, gaps, hints)

    # ---- estimator

    def fit(self, lines: Iterable[tuple[Any, ...]], y: Any = None) -> BoundaryModel:
        """Learn from lines `(text, start, end, ends)` or `(text, start, end, ends, hints)`: `ends`
        holds the offsets where a gold segment ends (a gap after such an offset is a boundary),
        `hints` those where the rules would start a block."""
        lines = list(lines)
        counts: Counter[str] = Counter()
        for text, start, end, *_ in lines:
            counts.update(w.strip(_EDGE_PUNCT).lower() for w in _TOKEN.findall(text, start, end))
        words = sorted(w for w, c in counts.items() if c >= self.min_count and w)
        self._set_vocabulary(words)
        blocks, labels = [], []
        for text, start, end, ends, *hints in lines:
            toks, gaps, feats = self._gaps(text, start, end, *hints)
            if not len(feats):
                continue
            blocks.append(feats)
            labels.append(np.isin(toks.ends[gaps], np.fromiter(ends, dtype=np.int64, count=len(ends))))
        X = self._matrix(np.vstack(blocks))
        y_all = np.concatenate(labels)
        self.classes_ = np.array([False, True])
        model = LogisticRegression(C=self.C, solver="liblinear", max_iter=self.max_iter)
        model.fit(X, y_all)
        self.coef_ = model.coef_[0].astype(np.float32)
        self.intercept_ = float(model.intercept_[0])
        self.n_gaps_ = len(y_all)
        return self

    def _set_vocabulary(self, words: Sequence[str]) -> None:
        self.vocabulary_ = {w: i + 1 for i, w in enumerate(words)}  # 0: unknown
        self.section_ = np.array([0] + [w in _SECTION_WORDS for w in words], dtype=np.int64)

    def _n_templates(self) -> int:
        return 15 + 4 * (self.context >= 2) + 8 * (self.context >= 3) + 5 * (self.context >= 4) + 3 * self.wrapped

    def _n_features(self) -> int:
        return 4 * (len(self.vocabulary_) + 1) + _HASH

    def _matrix(self, feats: np.ndarray) -> Any:
        import scipy.sparse as sp

        n, k = feats.shape
        data = np.ones(n * k, dtype=np.float32)
        indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
        return sp.csr_matrix((data, feats.ravel(), indptr), shape=(n, self._n_features()))

    def decision_function(self, feats: np.ndarray) -> np.ndarray:
        """The log-odds of a boundary for each gap's feature indices."""
        return self.coef_[feats].sum(axis=1) + self.intercept_

    def predict_proba(self, feats: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(feats)))
        return np.column_stack([1 - p, p])

    def predict(self, feats: np.ndarray) -> np.ndarray:
        return self.predict_proba(feats)[:, 1] >= self.threshold

    def cuts(
        self, text: str, start: int, end: int, forced: Sequence[int] = (), hints: Sequence[int] = ()
    ) -> list[tuple[int, int]]:
        """The pieces of `text[start:end]` between the boundaries the model finds, also cut
        before each token that starts at one of the `forced` offsets (an inline bullet, a block
        start); `hints` are where the rules would start a block (hard-wrapped text)."""
        toks, gaps, feats = self._gaps(text, start, end, hints)
        if not len(toks.words):
            return []
        cut = gaps[self.decision_function(feats) >= self._logit()] if len(feats) else gaps
        if len(forced):
            before = np.flatnonzero(_among(toks.starts[1:], np.asarray(forced, dtype=np.int64)))
            cut = np.union1d(cut, before)
        firsts = np.concatenate([[0], cut + 1])
        lasts = np.concatenate([cut, [len(toks.words) - 1]])
        return list(zip(toks.starts[firsts].tolist(), toks.ends[lasts].tolist()))

    def _logit(self) -> float:
        t = min(max(self.threshold, 1e-6), 1 - 1e-6)
        return float(np.log(t / (1 - t)))

    # ---- state for the model file (arrays and JSON, no pickle)

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able settings and vocabulary, and the weight arrays."""
        meta = {"params": self.get_params(), "vocabulary": list(self.vocabulary_), "intercept": self.intercept_}
        return meta, {"coef": self.coef_}

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> BoundaryModel:
        """Rebuild a fitted model from `to_state`'s parts."""
        model = cls(**{"context": 1, "wrapped": False, **meta["params"]})  # as models saved before these
        model._set_vocabulary(meta["vocabulary"])
        model.coef_ = np.asarray(arrays["coef"], dtype=np.float32)
        model.intercept_ = float(meta["intercept"])
        model.classes_ = np.array([False, True])
        if model.coef_.shape != (model._n_features(),):
            raise ValueError(f"boundary weights have shape {model.coef_.shape}, expected ({model._n_features()},)")
        return model


def training_lines(
    text: str, segments: Sequence[dict[str, Any]], min_line: int
) -> list[tuple[str, int, int, set[int]]]:
    """The lines of an annotated text that the segmenter would hand to the model, with the gold
    segment ends inside each: the model's training items."""
    ends = {s["end"] for s in segments}
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if len(stripped) > min_line:
            start = pos + line.index(stripped[0])
            out.append((text, start, start + len(stripped), ends))
        pos += len(line)
    return out


def wrapped_training_lines(text: str, segments: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """A hard-wrapped annotated text as the segmenter hands it to a `wrapped` model (whole, with
    the rules' block starts as hints) and its gold segment ends; none for another text."""
    span = wrapped_training_span(text)
    return [(text, span[0], span[1], {s["end"] for s in segments}, span[2])] if span else []

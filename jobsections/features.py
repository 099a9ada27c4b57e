"""Segment + context → feature rows, and the transformer that turns rows into a matrix.

A row is a plain dict (no spaCy object): the segment's text and kind, the heading it sits
under, its neighbours and its position. `SegmentFeaturizer` vectorises rows for any
scikit-learn classifier. No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer

Row = dict[str, Any]

_WS = re.compile(r"\s+")
_SHAPES = {
    "money": re.compile(
        r"[$€£₹¥]|\b(?:usd|eur|gbp|inr|chf|kes|ngn|zar)\b|\d[\d,.’']*\s*(?:k\b|per\s+(?:hour|annum|year|month))", re.I
    ),
    "email": re.compile(r"\S@\S+\.\w"),
    "url": re.compile(r"https?://|www\.|\.(?:com|org|net|int)\b", re.I),
    "date": re.compile(
        r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
        r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b",
        re.I,
    ),
    "percent": re.compile(r"\d\s*%"),
    "you": re.compile(r"\byou(?:r|'ll| will)?\b", re.I),
    "we": re.compile(r"\b(?:we|our|us)\b", re.I),
    "must": re.compile(r"\b(?:must|should|required|essential|desirable|asset|preferred|plus)\b", re.I),
    "will": re.compile(r"\bwill\b", re.I),
}


def normalise(text: str) -> str:
    """Collapse white space (line breaks, no-break spaces) to single spaces."""
    return _WS.sub(" ", text).strip()


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
                "new_line": s == 0 or "\n" in text[segments[i - 1][1] : s] if i else True,
            }
        )
        if kind == "heading":
            heading, heading2 = texts[i], heading
    return rows


def _flags(row: Row) -> dict[str, Any]:
    text = row["text"]
    words = len(text.split())
    flags: dict[str, Any] = {
        "kind": row["kind"],
        "prev_kind": row["prev_kind"],
        "next_kind": row["next_kind"],
        "pos": f"p{min(4, int(row['position'] * 5))}",
        "len": f"l{min(6, words.bit_length())}",
        "colon_end": text.endswith(":"),
        "has_colon": ":" in text[:40],
        "caps": text.isupper(),
        "no_heading": not row["heading"],
        "new_line": bool(row["new_line"]),
    }
    for name, pattern in _SHAPES.items():
        if pattern.search(text):
            flags[name] = 1
    return flags


class SegmentFeaturizer(TransformerMixin, BaseEstimator):
    """Rows → sparse matrix: TF-IDF of the segment's words and characters, of its heading and
    neighbours, plus its kind, position, length and shape flags (money, dates, e-mail ...)."""

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 2),
        char: bool = True,
        context: bool = True,
        min_df: int = 1,
        context_weight: float = 0.5,
    ) -> None:
        self.ngram_range = ngram_range
        self.char = char
        self.context = context
        self.min_df = min_df
        self.context_weight = context_weight

    def _fields(self) -> list[tuple[str, TfidfVectorizer, float]]:
        fields = [
            (
                "text",
                TfidfVectorizer(
                    ngram_range=self.ngram_range,
                    sublinear_tf=True,
                    min_df=self.min_df,
                    lowercase=True,
                    dtype=np.float32,
                ),
                1.0,
            )
        ]
        if self.char:
            fields.append(
                (
                    "text",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(3, 5),
                        sublinear_tf=True,
                        min_df=max(2, self.min_df),
                        max_features=60000,
                        dtype=np.float32,
                    ),
                    0.7,
                )
            )
        if self.context:
            for name in ("heading", "heading2", "prev", "next"):
                fields.append(
                    (
                        name,
                        TfidfVectorizer(sublinear_tf=True, min_df=self.min_df, dtype=np.float32),
                        self.context_weight if name != "heading" else 1.0,
                    )
                )
        return fields

    def fit(self, X: Sequence[Row], y: Any = None) -> SegmentFeaturizer:
        """Learn the vocabularies of every text field and the categorical flags."""
        self.fields_ = self._fields()
        for name, vectorizer, _ in self.fields_:
            vectorizer.fit([row[name] for row in X])
        self.flags_ = DictVectorizer(dtype=np.float32).fit([_flags(row) for row in X])
        return self

    def transform(self, X: Sequence[Row]) -> sp.csr_matrix:
        """The feature matrix of the rows, one row each."""
        blocks = [weight * vectorizer.transform([row[name] for row in X]) for name, vectorizer, weight in self.fields_]
        blocks.append(self.flags_.transform([_flags(row) for row in X]))
        return sp.hstack(blocks, format="csr")

"""Score a model against annotated postings in FORMAT.md's three views, and cross-validate.

1. segmentation: predicted segments that have exactly a gold segment's start and end;
2. classification on gold segments: the model labels the gold segments (posting as context);
3. end to end: every non-white-space character inside a gold segment, gold label against the
   label of the predicted segment covering it (`other` where none does).
Per label precision, recall (= per-label accuracy), F1 and support; overall accuracy and
macro-F1; confusion matrices with gold labels as rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from jobsections.annotations import LABELS, kfold, postings_of
from jobsections.model import SectionModel
from jobsections.predict import predict_records, relabel_records
from jobsections.readers import Posting

_INDEX = {label: i for i, label in enumerate(LABELS)}


def _per_label(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(LABELS), zero_division=0)
    per = {
        lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, lab in enumerate(LABELS)
    }
    return {
        "per_label": per,
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else 0.0,
        "macro_f1": float(np.mean(f)),
        "confusion": confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist(),
        "n": len(y_true),
    }


def score(
    postings: Sequence[Posting],
    predicted: Sequence[Sequence[dict[str, Any]]],
    relabelled: Sequence[Sequence[tuple[str, float]]],
) -> dict[str, Any]:
    """The three views for gold `postings` against system output and gold-segment labels."""
    seg_gold: list[tuple[str, bool]] = []
    seg_pred: list[tuple[str, bool]] = []
    cls_true: list[str] = []
    cls_pred: list[str] = []
    chars_true: list[np.ndarray] = []
    chars_pred: list[np.ndarray] = []
    for posting, pred, rel in zip(postings, predicted, relabelled):
        gold = posting.segments or []
        gold_bounds = {(s["start"], s["end"]) for s in gold}
        pred_bounds = {(s["start"], s["end"]) for s in pred}
        seg_gold += [(s["label"], (s["start"], s["end"]) in pred_bounds) for s in gold]
        seg_pred += [(s["label"], (s["start"], s["end"]) in gold_bounds) for s in pred]
        cls_true += [s["label"] for s in gold]
        cls_pred += [label for label, _ in rel]
        text = np.frombuffer(posting.text.encode("utf-32-le"), dtype=np.uint32)
        g = np.full(len(text), -1, dtype=np.int8)
        p = np.full(len(text), _INDEX["other"], dtype=np.int8)
        for s in gold:
            g[s["start"] : s["end"]] = _INDEX[s["label"]]
        for s in pred:
            p[s["start"] : s["end"]] = _INDEX[s["label"]]
        keep = (g >= 0) & ~np.isin(text, _WHITESPACE)
        chars_true.append(g[keep])
        chars_pred.append(p[keep])
    labels = np.array(LABELS)
    return {
        "segmentation": _segmentation(seg_gold, seg_pred),
        "classification": _per_label(cls_true, cls_pred),
        "end_to_end": _per_label(
            labels[np.concatenate(chars_true)].tolist(), labels[np.concatenate(chars_pred)].tolist()
        ),
        "postings": len(postings),
    }


_WHITESPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


def _segmentation(gold: list[tuple[str, bool]], pred: list[tuple[str, bool]]) -> dict[str, Any]:
    """Exact-boundary precision (over predicted) and recall (over gold), per label and overall.

    `gold` holds each gold segment's label and whether a predicted segment has its exact
    boundaries; `pred` each predicted segment's predicted label and whether it matches a gold one.
    """

    def prf(g: list[tuple[str, bool]], p: list[tuple[str, bool]]) -> dict[str, float]:
        precision = sum(m for _, m in p) / len(p) if p else 0.0
        recall = sum(m for _, m in g) / len(g) if g else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1, "support": len(g)}

    per = {lab: prf([x for x in gold if x[0] == lab], [x for x in pred if x[0] == lab]) for lab in LABELS}
    return {"per_label": per, **prf(gold, pred), "n": len(gold)}


def evaluate(model: SectionModel, postings: Sequence[Posting], details: bool = False) -> dict[str, Any]:
    """The three views for a trained model on gold postings; `details` adds `"segments"`, every
    gold segment with the model's probabilities (`jobsections.report.segment_details`)."""
    outputs = _system_outputs(model, postings)
    report = score(postings, *outputs)
    if details:
        from jobsections.report import segment_details

        report["segments"] = segment_details(model, postings, outputs[0])
    return report


def _system_outputs(model: SectionModel, postings: Sequence[Posting]) -> tuple[list[Any], list[Any]]:
    """The full system's segments, and the labels it gives the gold segments."""
    predicted = [r["segments"] for r in predict_records(model, postings)]
    relabelled = [[(s["label"], s["score"]) for s in r["segments"]] for r in relabel_records(model, postings)]
    return predicted, relabelled


def cross_validate(
    dataset: Any, k: int, seed: int = 0, progress: bool = False, details: bool = False, **params: Any
) -> dict[str, Any]:
    """K-fold cross-validation grouped by posting: each posting is scored by a model that
    never saw it; the views are computed over all held-out postings together. `progress`
    shows a bar on stderr (on a terminal); `details` as in `evaluate`."""
    from tqdm import tqdm

    from jobsections.report import segment_details
    from jobsections.train import train_model

    segments: list[dict[str, Any]] = []

    gold: list[Posting] = []
    predicted: list[list[dict[str, Any]]] = []
    relabelled: list[list[tuple[str, float]]] = []
    for train, test in tqdm(kfold(dataset, k, seed), total=k, desc="folds", disable=not progress or None, leave=False):
        model = train_model(postings_of(train), seed=seed, **params)
        test_postings = postings_of(test)
        outputs = _system_outputs(model, test_postings)
        gold += test_postings
        predicted += outputs[0]
        relabelled += outputs[1]
        if details:
            segments += segment_details(model, test_postings, outputs[0])
    report = score(gold, predicted, relabelled)
    report["cv_folds"] = k
    if details:
        report["segments"] = segments
    return report


def format_report(report: dict[str, Any], title: str = "") -> str:
    """The three views as plain-text tables."""
    lines = [title] if title else []
    views = [
        ("segmentation", "1. Segmentation (exact boundaries)"),
        ("classification", "2. Classification on gold segments"),
        ("end_to_end", "3. End to end, over characters"),
    ]
    for key, name in views:
        view = report[key]
        lines += ["", name, f"{'label':<15}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
        for lab in LABELS:
            m = view["per_label"][lab]
            lines.append(f"{lab:<15}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>10d}")
        if key == "segmentation":
            lines.append(
                f"{'overall':<15}{view['precision']:>10.3f}{view['recall']:>10.3f}{view['f1']:>10.3f}{view['n']:>10d}"
            )
        else:
            lines.append(f"accuracy {view['accuracy']:.3f}   macro-F1 {view['macro_f1']:.3f}   n={view['n']}")
            lines.append("confusion (rows gold, columns predicted): " + " ".join(lab[:4] for lab in LABELS))
            for lab, row in zip(LABELS, view["confusion"]):
                lines.append(f"  {lab:<15}" + "".join(f"{v:>8d}" for v in row))
    return "\n".join(lines)


def agreement(first: Sequence[Posting], second: Sequence[Posting]) -> dict[str, Any]:
    """Inter-annotator agreement of two annotations of the same postings (matched by id).

    Cohen's kappa over every non-white-space character inside a segment of either annotation,
    exact-boundary F1 of the segments, and every stretch of text where the labels differ.
    """
    from sklearn.metrics import cohen_kappa_score

    by_id = {p.id: p for p in second}
    a_all: list[np.ndarray] = []
    b_all: list[np.ndarray] = []
    bounds_a = bounds_b = bounds_both = 0
    disagreements = []
    for pa in first:
        pb = by_id.get(pa.id)
        if pb is None or pb.text != pa.text:
            raise ValueError(f"posting {pa.id!r} is missing from the second annotation or has another text")
        la, lb = _char_labels(pa), _char_labels(pb)
        text = np.frombuffer(pa.text.encode("utf-32-le"), dtype=np.uint32)
        keep = ((la >= 0) | (lb >= 0)) & ~np.isin(text, _WHITESPACE)
        a_all.append(la[keep])
        b_all.append(lb[keep])
        sa = {(s["start"], s["end"]) for s in pa.segments or []}
        sb = {(s["start"], s["end"]) for s in pb.segments or []}
        bounds_a, bounds_b, bounds_both = bounds_a + len(sa), bounds_b + len(sb), bounds_both + len(sa & sb)
        for seg in pa.segments or []:
            other = lb[seg["start"] : seg["end"]]
            mine = _INDEX[seg["label"]]
            if np.any((other != mine) & (other >= 0)):
                theirs = sorted({LABELS[i] for i in other[(other != mine) & (other >= 0)]})
                disagreements.append(
                    {"id": pa.id, "text": pa.text[seg["start"] : seg["end"]], "first": seg["label"], "second": theirs}
                )
    a, b = np.concatenate(a_all), np.concatenate(b_all)
    labels = np.array([*LABELS, "none"])
    return {
        "postings": len(first),
        "characters": len(a),
        "kappa": float(cohen_kappa_score(a, b)),
        "observed_agreement": float(np.mean(a == b)),
        "segment_boundary_f1": 2 * bounds_both / (bounds_a + bounds_b) if bounds_a + bounds_b else 0.0,
        "confusion": confusion_matrix(labels[a].tolist(), labels[b].tolist(), labels=labels.tolist()).tolist(),
        "disagreements": disagreements,
    }


def _char_labels(posting: Posting) -> np.ndarray:
    """Label index of every character of a posting (-1 outside all segments)."""
    out = np.full(len(posting.text), -1, dtype=np.int8)
    for s in posting.segments or []:
        out[s["start"] : s["end"]] = _INDEX[s["label"]]
    return out

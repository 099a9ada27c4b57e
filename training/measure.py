"""The figures every report gives: a model on the seeds and on the dev set (whole and by source),
as written and with its white space collapsed, in FORMAT.md's three views.

The dev set (24 real postings, `../shared/devset/`) is rebuilt outside the repository by its
`extract.py`, into `~/jobsections-devset/gold.jsonl`; its texts are never committed or trained
on. Where it is missing, its rows are left out and the output says so.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jobsections.annotations import load_annotations, postings_of
from jobsections.evaluation import evaluate
from jobsections.model import SectionModel
from jobsections.readers import Posting
from jobsections.segment.variants import variant

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "annotations/seeds.jsonl"
DEV = Path(os.environ.get("JOBSECTIONS_DEVSET", Path.home() / "jobsections-devset" / "gold.jsonl"))


def dev_source(posting: Posting) -> str:
    """The dev set source of a posting, from its id (`013_adzuna` → `adzuna`)."""
    return posting.id.split("_", 1)[-1]


def test_sets(seeds: Path = SEEDS, dev: Path = DEV) -> dict[str, list[Posting]]:
    """`seeds`, `dev` and `dev:<source>` postings (the dev ones only when the dev set is built)."""
    sets = {"seeds": postings_of(load_annotations([seeds]))}
    if dev.is_file():
        sets["dev"] = postings_of(load_annotations([dev]))
        for source in sorted({dev_source(p) for p in sets["dev"]}):
            sets[f"dev:{source}"] = [p for p in sets["dev"] if dev_source(p) == source]
    else:
        print(f"note: no dev set at {dev} (see ../shared/devset/extract.py); dev rows left out")
    return sets


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of an evaluation report (all three views)."""
    e2e, cls = report["end_to_end"], report["classification"]
    return {
        "end_to_end_accuracy": round(e2e["accuracy"], 4),
        "end_to_end_macro_f1": round(e2e["macro_f1"], 4),
        "end_to_end_recall": {label: round(m["recall"], 4) for label, m in e2e["per_label"].items()},
        "classification_accuracy": round(cls["accuracy"], 4),
        "classification_macro_f1": round(cls["macro_f1"], 4),
        "segmentation_f1": round(report["segmentation"]["f1"], 4),
        "postings": report["postings"],
    }


def measure(
    model: SectionModel, sets: dict[str, list[Posting]], layouts: Sequence[str] = ("", "flatten")
) -> dict[str, Any]:
    """`summary` of the model on every set, as written (`""`) and in each layout variant."""
    out: dict[str, Any] = {}
    for name, postings in sets.items():
        for layout in layouts:
            data = [variant(p, layout) for p in postings] if layout else postings
            out[name + (f" {layout}" if layout else "")] = summary(evaluate(model, data))
    return out


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table, a row per set and layout."""
    lines = [
        "| data | end to end acc / macro-F1 | gold segments acc / macro-F1 | segmentation F1 "
        "| recall resp / qual / bene / appl / other |",
        "|---|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        rec = " / ".join(f"{v:.2f}" for v in r["end_to_end_recall"].values())
        lines.append(
            f"| {name} | {r['end_to_end_accuracy']:.3f} / {r['end_to_end_macro_f1']:.3f} "
            f"| {r['classification_accuracy']:.3f} / {r['classification_macro_f1']:.3f} "
            f"| {r['segmentation_f1']:.3f} | {rec} |"
        )
    return "\n".join(lines)

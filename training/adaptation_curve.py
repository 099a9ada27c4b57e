#!/usr/bin/env python3
"""Adaptation curve: how many corrected postings of a new source until the model works on it.

The postings of a gold JSONL file (annotation format) are grouped by source, the part of their
id that `--source-pattern` captures (default: what follows the leading number, `001_glassdoor`
→ `glassdoor`). For each source and each of `--repeats` draws (draw r shuffles the source's
postings with seed r), the last postings of the shuffled order are the test set and stay fixed
for that draw; the first k (k = 0, 1, 2, 4, 8) are added to the base model's training data the
way `jobsections train --base DIR MINE.jsonl --weight W` adds them (`jobsections.adapt`), a
model is trained (seed 0), and the test set is scored end to end over characters (FORMAT.md's
third view). k = 0 is the base model itself. A source keeps at least `--min-test` postings for
testing; larger k are left out for a source too small for them.

Base postings with the id or the text of any gold posting are removed before training (and k = 0
is then retrained without them), so that no test posting is ever in the training data.

Writes `<name>.md` (a table), `<name>.json` (every run, posting ids but no texts) and `<name>.png`
(needs matplotlib) under `--out`. The models are never saved. `--jobs N` trains N models at
once, one a process (each trains on one core, as `jobsections train` does); the results do not
depend on N.

Usage: python training/adaptation_curve.py GOLD.jsonl [--base model] [--ks 0 1 2 4 8] [--repeats 3]
       [--weight W] [--source-pattern REGEX] [--jobs N] [--out training/results]
       [--name adaptation_curve]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from jobsections.adapt import DEFAULT_WEIGHT, base_postings, combine
from jobsections.annotations import load_annotations, postings_of
from jobsections.evaluation import evaluate
from jobsections.model import load_model
from jobsections.readers import Posting
from jobsections.train import train_model

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.92


def sources_of(postings: list[Posting], pattern: str) -> dict[str, list[Posting]]:
    """The postings grouped by the first group `pattern` captures in their id, in id order."""
    regex = re.compile(pattern)
    groups: dict[str, list[Posting]] = defaultdict(list)
    for p in sorted(postings, key=lambda p: p.id):
        m = regex.search(p.id)
        if m is None:
            sys.exit(f"adaptation_curve: id {p.id!r} does not match --source-pattern {pattern!r}")
        groups[m.group(1) if m.groups() else m.group(0)].append(p)
    return dict(groups)


def _trained_score(train: list[Posting], test: list[Posting]) -> tuple[dict[str, Any], float]:
    """Train a model (seed 0) on `train` and score `test` end to end; also the training seconds."""
    started = time.perf_counter()
    model = train_model(train, seed=0)
    seconds = time.perf_counter() - started
    return evaluate(model, test)["end_to_end"], seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", nargs="+", help="annotation JSONL of the postings of the new sources")
    parser.add_argument("--base", default=str(ROOT / "model"), help="base model directory with training.jsonl")
    parser.add_argument("--ks", type=int, nargs="+", default=[0, 1, 2, 4, 8])
    parser.add_argument("--repeats", type=int, default=3, help="random draws per source (seeds 0, 1, ...)")
    parser.add_argument("--weight", type=int, default=DEFAULT_WEIGHT, help="weight of the added postings")
    parser.add_argument("--source-pattern", default=r"^\d+_(.+)$", help="regex; group 1 of a posting id is its source")
    parser.add_argument("--min-test", type=int, default=2, help="postings of a source always kept for testing")
    parser.add_argument("--jobs", type=int, default=1, help="models trained at once, one a process")
    parser.add_argument("--out", default=str(ROOT / "training/results"))
    parser.add_argument("--name", default="adaptation_curve", help="file name stem of the outputs")
    args = parser.parse_args(argv)

    gold = postings_of(load_annotations(args.gold))
    groups = sources_of(gold, args.source_pattern)
    base = base_postings(args.base)
    gold_ids, gold_texts = {p.id for p in gold}, {p.text for p in gold}
    kept = [p for p in base if p.id not in gold_ids and p.text not in gold_texts]
    removed = len(base) - len(kept)
    if removed:
        print(f"{removed} base postings are gold postings too: left out, k = 0 retrained without them", flush=True)
        started = time.perf_counter()
        base_model = train_model(kept, seed=0)
        print(f"k=0 model trained in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        base_model = load_model(args.base)

    ks = sorted(set(args.ks))
    plans: list[dict[str, Any]] = []  # one a run, in the order of the table
    for source, postings in groups.items():
        usable = [k for k in ks if k <= len(postings) - args.min_test]
        if not usable:
            print(f"{source}: {len(postings)} postings, too few for any k; skipped", flush=True)
            continue
        pool = max(usable)
        for draw in range(args.repeats):
            order = postings[:]
            random.Random(draw).shuffle(order)
            test = order[pool:]
            plans += [{"source": source, "draw": draw, "k": k, "added": order[:k], "test": test} for k in usable]

    def record(plan: dict[str, Any], report: dict[str, Any], seconds: float) -> dict[str, Any]:
        run = {
            "source": plan["source"],
            "draw": plan["draw"],
            "k": plan["k"],
            "accuracy": report["accuracy"],
            "macro_f1": report["macro_f1"],
            "test_postings": len(plan["test"]),
            "added": [p.id for p in plan["added"]],
            "test": [p.id for p in plan["test"]],
            "train_seconds": round(seconds, 1),
        }
        print(json.dumps({k: v for k, v in run.items() if k not in ("added", "test")}), flush=True)
        return run

    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as executor:
        futures = {
            i: executor.submit(_trained_score, combine(kept, plan["added"], args.weight), plan["test"])
            for i, plan in enumerate(plans)
            if plan["k"]
        }
        runs = [
            record(plan, evaluate(base_model, plan["test"])["end_to_end"], 0.0)
            if not plan["k"]
            else record(plan, *futures[i].result())
            for i, plan in enumerate(plans)
        ]

    summary = []
    for source in dict.fromkeys(r["source"] for r in runs):
        for k in ks:
            rs = [r for r in runs if r["source"] == source and r["k"] == k]
            if rs:
                accuracies = [r["accuracy"] for r in rs]
                summary.append(
                    {
                        "source": source,
                        "k": k,
                        "draws": len(rs),
                        "test_postings": rs[0]["test_postings"],
                        "accuracy": statistics.fmean(accuracies),
                        "accuracy_min": min(accuracies),
                        "accuracy_max": max(accuracies),
                        "macro_f1": statistics.fmean(r["macro_f1"] for r in rs),
                    }
                )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = {
        "gold": [str(p) for p in args.gold],
        "base": str(args.base),
        "base_postings": len(base),
        "base_postings_removed": removed,
        "ks": ks,
        "repeats": args.repeats,
        "weight": args.weight,
        "source_pattern": args.source_pattern,
        "min_test": args.min_test,
        "sources": {s: len(ps) for s, ps in groups.items()},
    }
    result = {"settings": settings, "summary": summary, "runs": runs}
    (out / f"{args.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    table = [
        "| source | postings | added k | draws | tested postings | accuracy (mean) | min – max | macro-F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    table += [
        f"| {s['source']} | {settings['sources'][s['source']]} | {s['k']} | {s['draws']} | {s['test_postings']} "
        f"| {s['accuracy']:.3f} | {s['accuracy_min']:.3f} – {s['accuracy_max']:.3f} | {s['macro_f1']:.3f} |"
        for s in summary
    ]
    (out / f"{args.name}.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    plot(summary, out / f"{args.name}.png", args.weight)


def plot(summary: list[dict[str, Any]], path: Path, weight: int) -> None:
    try:
        import matplotlib
    except ImportError:
        print(f"no matplotlib (pip install -e '.[bench]'): {path} not drawn")
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for source in dict.fromkeys(s["source"] for s in summary):
        rows = [s for s in summary if s["source"] == source]
        x = [s["k"] for s in rows]
        y = [s["accuracy"] for s in rows]
        err = [[s["accuracy"] - s["accuracy_min"] for s in rows], [s["accuracy_max"] - s["accuracy"] for s in rows]]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=source)
    ax.axhline(TARGET, color="grey", linestyle="--", linewidth=1, label=f"target {TARGET}")
    ax.set_xlabel(f"postings of the source added to the training data (weight {weight})")
    ax.set_ylabel("rest of the source, end to end accuracy")
    ax.set_title("Adaptation to a new source (mean of draws, min–max)")
    ax.set_xticks(sorted({s["k"] for s in summary}))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()

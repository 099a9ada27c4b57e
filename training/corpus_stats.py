#!/usr/bin/env python3
"""Counts of the written corpus by sector, region, level, layout and format, and its labels.

Reads corpus/written/INDEX.tsv and annotations/written.jsonl; prints Markdown tables for
corpus/README.md.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ("sector", "region", "level", "layout", "format")


def main() -> None:
    with open(ROOT / "corpus/written/INDEX.tsv", encoding="utf-8") as f:
        index = list(csv.DictReader(f, delimiter="\t"))
    records = [json.loads(line) for line in (ROOT / "annotations/written.jsonl").read_text().splitlines()]
    annotated = {r["id"] for r in records}
    missing = [row["stem"] for row in index if row["stem"] not in annotated]
    print(f"{len(index)} postings indexed, {len(records)} annotated")
    if missing:
        print(f"not annotated: {', '.join(missing)}")
    lengths = sorted(int(row["length_chars"]) for row in index)
    print(f"\nLength in characters: min {lengths[0]}, median {lengths[len(lengths) // 2]}, max {lengths[-1]}\n")
    for column in COLUMNS:
        counts = Counter(row[column] for row in index)
        print(f"| {column} | postings |\n|---|---:|")
        for value, n in counts.most_common():
            print(f"| {value} | {n} |")
        print()
    labels = Counter(s["label"] for r in records for s in r["segments"])
    chars = Counter()
    for r in records:
        for s in r["segments"]:
            chars[s["label"]] += s["end"] - s["start"]
    total, total_chars = sum(labels.values()), sum(chars.values())
    print("| label | segments | share | characters | share |\n|---|---:|---:|---:|---:|")
    for label, n in labels.most_common():
        print(f"| {label} | {n} | {n / total:.1%} | {chars[label]} | {chars[label] / total_chars:.1%} |")
    print(f"| all | {total} | | {total_chars} | |")


if __name__ == "__main__":
    main()

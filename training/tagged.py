"""Written postings in the writers' tagged form → corpus text files and annotation JSONL.

Writers write a posting as its plain text with every segment wrapped as `[[x:...]]`, where `x`
is `r`esponsibility, `q`ualification, `b`enefit, `a`pplication or `o`ther. Everything outside the
tags (white space, list markers, line breaks) is kept as it stands, so the layout and its mess
are written in, not laid over afterwards. File names are `BATCH_NNN__EMPLOYER__TITLE.tagged`:
the employer part lets the checks tell boilerplate within one employer (expected) from text
repeated across unrelated ones (a writer's habit).

    python training/tagged.py check DIR...            # validate and print batch statistics
    python training/tagged.py build DIR... --corpus corpus/written --jsonl OUT.jsonl

`check` reports, per batch: invalid files, label shares, lengths, postings lacking labels,
8-word sequences shared with the seeds or with another employer's postings.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobsections.annotations import LABELS, check_segments  # noqa: E402
from jobsections.readers import InputError  # noqa: E402

CODES = {label[0]: label for label in LABELS}
_TAG = re.compile(r"\[\[([rqbao]):(.*?)\]\]", re.S | re.I)
_WORDS = re.compile(r"\w+(?:['’]\w+)*")


def untag(tagged: str, where: str) -> tuple[str, list[dict]]:
    """The plain text of a tagged posting and its segments (trimmed, in order)."""
    out: list[str] = []
    segments: list[dict] = []
    pos = 0
    length = 0
    for m in _TAG.finditer(tagged):
        between = tagged[pos : m.start()]
        if "[[" in between or "]]" in between:
            raise InputError(f"{where}: malformed tag near {between[-40:]!r}")
        out.append(between)
        length += len(between)
        body = m.group(2)
        if "[[" in body:
            raise InputError(f"{where}: nested or unclosed tag near {body[:40]!r}")
        left = len(body) - len(body.lstrip())
        core = body.strip()
        if not core:
            raise InputError(f"{where}: empty segment at {m.start()}")
        start = length + left
        segments.append({"start": start, "end": start + len(core), "label": CODES[m.group(1).lower()]})
        out.append(body)
        length += len(body)
        pos = m.end()
    tail = tagged[pos:]
    if "[[" in tail or "]]" in tail:
        raise InputError(f"{where}: malformed tag near {tail[:40]!r}")
    out.append(tail)
    text = "".join(out)
    check_segments(text, segments, where, full_cover=True)
    return text, segments


def _ngrams(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORDS.findall(text)]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _parse_name(path: Path) -> tuple[str, str]:
    """(posting id, employer) from `BATCH_NNN__EMPLOYER__TITLE.tagged`."""
    parts = path.stem.split("__")
    if len(parts) != 3:
        raise InputError(f"{path}: name must be BATCH_NNN__EMPLOYER__TITLE.tagged")
    return f"{parts[0]}_{parts[1]}_{parts[2]}", parts[1]


def load_dir(paths: list[Path]) -> tuple[list[dict], list[str]]:
    """Every tagged posting under `paths` as an annotation record, and the problems found."""
    records, problems = [], []
    for path in sorted(p for d in paths for p in (Path(d).glob("*.tagged") if Path(d).is_dir() else [Path(d)])):
        try:
            pid, employer = _parse_name(path)
            text, segments = untag(path.read_text(encoding="utf-8"), str(path))
        except (InputError, UnicodeDecodeError) as e:
            problems.append(str(e))
            continue
        records.append({"id": pid, "employer": employer, "text": text, "segments": segments})
    return records, problems


def check(records: list[dict], problems: list[str]) -> str:
    """A report on a batch: validity, label shares, lengths, missing labels, shared 8-grams."""
    lines = [f"{len(records)} valid postings, {len(problems)} invalid"]
    lines += [f"  INVALID {p}" for p in problems]
    if not records:
        return "\n".join(lines)
    seg_counts = Counter(s["label"] for r in records for s in r["segments"])
    total = sum(seg_counts.values())
    lines.append("segment shares: " + ", ".join(f"{lab} {seg_counts[lab] / total:.1%}" for lab in LABELS))
    lengths = sorted(len(r["text"]) for r in records)
    lines.append(
        f"lengths: min {lengths[0]}, median {lengths[len(lengths) // 2]}, max {lengths[-1]}; "
        f"> 6k: {sum(n > 6000 for n in lengths) / len(lengths):.0%}; < 1.5k: {sum(n < 1500 for n in lengths)}"
    )
    lacking = [r for r in records if {s["label"] for s in r["segments"]} != set(LABELS)]
    lines.append(f"postings lacking one label or more: {len(lacking) / len(records):.0%}")
    one_line = sum("\n" not in r["text"].strip() for r in records)
    lines.append(f"one-line postings: {one_line}")
    seeds = set()
    for path in sorted((ROOT / "corpus" / "seeds").glob("*.txt")):
        seeds |= _ngrams(path.read_text(encoding="utf-8"))
    for r in records:
        shared = _ngrams(r["text"]) & seeds
        if shared:
            lines.append(f"  SEED OVERLAP {r['id']}: {' '.join(next(iter(shared)))!r} (+{len(shared) - 1})")
    owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for r in records:
        for g in _ngrams(r["text"]):
            owners[g].add(r["employer"])
    cross = Counter()
    for emps in owners.values():
        if len(emps) > 1:
            cross[tuple(sorted(emps))] += 1
    for emps, n in cross.most_common(10):
        if n >= 3:
            lines.append(f"  SHARED ACROSS EMPLOYERS {n} 8-grams: {', '.join(emps)}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["check", "build"])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--corpus", type=Path, help="build: folder to write the .txt files into")
    ap.add_argument("--jsonl", type=Path, help="build: annotation JSONL to write")
    a = ap.parse_args()
    records, problems = load_dir(a.dirs)
    print(check(records, problems))
    if a.command == "build":
        if not (a.corpus and a.jsonl):
            ap.error("build needs --corpus and --jsonl")
        a.corpus.mkdir(parents=True, exist_ok=True)
        with a.jsonl.open("w", encoding="utf-8") as out:
            for r in records:
                path = a.corpus / f"{r['id']}.txt"
                path.write_text(r["text"], encoding="utf-8", newline="")
                source = str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) else str(path)
                out.write(
                    json.dumps(
                        {"id": r["id"], "source": source, "text": r["text"], "segments": r["segments"]},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        print(f"wrote {len(records)} postings to {a.corpus} and {a.jsonl}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

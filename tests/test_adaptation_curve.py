"""training/adaptation_curve.py on fake sources: the agreement postings split by batch (w2, w4, w6)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

from jobsections.adapt import write_training_data
from jobsections.annotations import load_annotations, postings_of

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("adaptation_curve", ROOT / "training" / "adaptation_curve.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # importable by name, as `--jobs` pickles its function for the workers
    spec.loader.exec_module(module)
    return module


def test_sources_of() -> None:
    from jobsections.readers import Posting

    groups = _script().sources_of([Posting("002_adzuna", "t"), Posting("001_glassdoor", "t")], r"^\d+_(.+)$")
    assert {k: [p.id for p in v] for k, v in groups.items()} == {
        "adzuna": ["002_adzuna"],
        "glassdoor": ["001_glassdoor"],
    }


def test_adaptation_curve_on_fake_sources(small_model_dir: Path, small_corpus: Path, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in (ROOT / "annotations/agreement/first.jsonl").read_text().splitlines()]
    picked = [r for r in rows if r["id"].startswith("w2_")][:4] + [r for r in rows if r["id"].startswith("w4_")][:3]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picked), encoding="utf-8")
    # a small base whose training data holds one of the gold postings: it must be left out
    base = tmp_path / "base"
    shutil.copytree(small_model_dir, base)
    write_training_data(
        postings_of(load_annotations([small_corpus]))[:4] + postings_of(load_annotations([gold]))[:1], base
    )
    out = tmp_path / "results"
    args = f"{gold} --base {base} --ks 0 1 2 4 --repeats 2 --out {out} --name curve".split()
    _script().main([*args, "--source-pattern", r"^(w\d)_"])

    result = json.loads((out / "curve.json").read_text())
    assert result["settings"]["sources"] == {"w2": 4, "w4": 3}
    assert result["settings"]["base_postings"] == 5 and result["settings"]["base_postings_removed"] == 1
    # a source keeps 2 postings to test on, so w2 goes to k = 2 and w4 to k = 1
    assert sorted({(r["source"], r["k"]) for r in result["runs"]}) == [
        ("w2", 0),
        ("w2", 1),
        ("w2", 2),
        ("w4", 0),
        ("w4", 1),
    ]
    for source in ("w2", "w4"):
        for draw in (0, 1):
            runs = [r for r in result["runs"] if r["source"] == source and r["draw"] == draw]
            assert len({tuple(r["test"]) for r in runs}) == 1  # the test set is fixed within a draw
            assert all(r["test_postings"] == 2 and not set(r["added"]) & set(r["test"]) for r in runs)
            assert all(0 <= r["accuracy"] <= 1 and len(r["added"]) == r["k"] for r in runs)
    table = (out / "curve.md").read_text()
    assert table.startswith("| source |") and len(table.splitlines()) == 2 + 5
    assert all(set(r) == set(result["runs"][0]) for r in result["runs"]) and "text" not in result["runs"][0]
    # two processes train the same models as one
    _script().main([*args, "--repeats", "1", "--name", "jobs", "--source-pattern", r"^(w\d)_", "--jobs", "2"])

    def timeless(runs: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "train_seconds"} for r in runs]

    parallel = json.loads((out / "jobs.json").read_text())["runs"]
    assert timeless(parallel) == timeless([r for r in result["runs"] if r["draw"] == 0])
    # the plot needs matplotlib (the bench extra); without it the script says so and goes on
    assert (out / "curve.png").exists() == bool(importlib.util.find_spec("matplotlib"))

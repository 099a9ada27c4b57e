"""Label Studio tasks out (`annotate`) and Label Studio / Prodigy annotations in (`import`),
on hand-made exports; the round trip against a real server is in test_labelstudio_server.py."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from jobsections.annotations import LABELS
from jobsections.cli import main
from jobsections.labelstudio import anchor, import_exports, labels_xml, make_tasks, uncertainty
from jobsections.readers import InputError

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "annotations" / "seeds.jsonl"

TEXT = "Join us 😀🎉 today!\nDuties:\n• Build things 🚀 fast\nApply by email."
# gold segments in code points
GOLD = [
    {"start": 0, "end": 17, "label": "other"},
    {"start": 18, "end": 25, "label": "other"},
    {"start": 28, "end": 47, "label": "responsibility"},
    {"start": 48, "end": 63, "label": "application"},
]


def utf16(text: str, i: int) -> int:
    """A code point offset as the UTF-16 offset older Label Studio versions stored."""
    return len(text[:i].encode("utf-16-le")) // 2


def region(start: int, end: int, label: str, text: str | None = None, **extra: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"start": start, "end": end, "labels": [label]}
    if text is not None:
        value["text"] = text
    return {"from_name": "label", "to_name": "text", "type": "labels", "value": value, **extra}


def gold_result(text: str = TEXT, segments: list[dict] = GOLD, offsets: Any = None) -> list[dict[str, Any]]:
    offsets = offsets or (lambda i: i)
    return [region(offsets(s["start"]), offsets(s["end"]), s["label"], text[s["start"] : s["end"]]) for s in segments]


def ls_task(task_id: int, annotations: list[dict], text: str = TEXT, posting_id: str = "p1") -> dict[str, Any]:
    return {
        "id": task_id,
        "data": {"text": text, "posting_id": posting_id, "source": f"src/{posting_id}.txt"},
        "meta": {"id": posting_id, "source": f"src/{posting_id}.txt"},
        "annotations": annotations,
        "predictions": [],
    }


def annotation(result: list[dict], ann_id: int = 1, when: str = "2025-01-01T10:00:00Z", **extra: Any) -> dict:
    return {"id": ann_id, "result": result, "was_cancelled": False, "created_at": when, "updated_at": when, **extra}


def write_json(path: Path, content: Any) -> Path:
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def test_gold_fixture_is_valid() -> None:
    from jobsections.annotations import check_segments

    check_segments(TEXT, GOLD, "fixture", full_cover=True)
    assert utf16(TEXT, 28) == 30  # two emoji before "Build": UTF-16 offsets are 2 ahead there


# ---------------------------------------------------------------- annotate


def test_labels_xml() -> None:
    root = ET.fromstring(labels_xml())
    assert root.tag == "View"
    [labels] = root.iter("Labels")
    assert labels.get("name") == "label" and labels.get("toName") == "text"
    assert [e.get("value") for e in labels.iter("Label")] == list(LABELS)
    [text] = root.iter("Text")
    assert text.get("name") == "text" and text.get("value") == "$text"
    assert "pre-wrap" in labels_xml()


def test_tasks_most_uncertain_first() -> None:
    def record(pid: str, scores: list[float]) -> dict[str, Any]:
        text = " ".join(f"w{i}" for i in range(len(scores)))
        segs = [{"start": 3 * i, "end": 3 * i + 2, "label": "other", "score": s} for i, s in enumerate(scores)]
        return {"id": pid, "source": f"{pid}.txt", "text": text, "segments": segs}

    records = [record("sure", [0.9, 0.95]), record("tie-low-mean", [0.4, 0.5]), record("tie", [0.4, 0.9])]
    records.append(record("doubtful", [0.2, 0.99]))
    assert uncertainty(records[2]) == (0.4, 0.65)
    tasks = make_tasks(records, "v1")
    assert [t["meta"]["id"] for t in tasks] == ["doubtful", "tie-low-mean", "tie", "sure"]
    assert [t["predictions"][0]["score"] for t in tasks] == [0.2, 0.4, 0.4, 0.9]
    assert [t["meta"]["id"] for t in make_tasks(records, "v1", limit=2)] == ["doubtful", "tie-low-mean"]
    first = tasks[0]
    assert first["data"]["text"] == records[3]["text"] and first["meta"]["source"] == "doubtful.txt"
    assert first["predictions"][0]["model_version"] == "v1"
    r = first["predictions"][0]["result"][0]
    assert r["value"] == {"start": 0, "end": 2, "text": "w0", "labels": ["other"], "score": 0.2}
    assert (r["from_name"], r["to_name"], r["type"]) == ("label", "text", "labels")


def test_annotate_command(small_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ls" / "tasks.json"
    assert main(["annotate", str(SEEDS), "-o", str(out), "--model", str(small_model_dir), "--limit", "3"]) == 0
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 3
    assert (tmp_path / "ls" / "labels.xml").read_text(encoding="utf-8") == labels_xml()
    card = json.loads((small_model_dir / "card.json").read_text())
    assert tasks[0]["predictions"][0]["model_version"] == f"jobsections-0.1.0-{card['training_data']['hash']}"
    scores = [(t["meta"]["min_score"], t["meta"]["mean_score"]) for t in tasks]
    assert scores == sorted(scores)
    for task in tasks:
        text = task["data"]["text"]
        for r in task["predictions"][0]["result"]:
            v = r["value"]
            assert text[v["start"] : v["end"]] == v["text"] and 0 <= v["score"] <= 1


def test_annotate_then_import_gives_the_predictions(small_model_dir: Path, tmp_path: Path) -> None:
    """Accepting every pre-annotation unchanged in Label Studio imports the model's segments."""
    out = tmp_path / "tasks.json"
    assert main(["annotate", str(SEEDS), "-o", str(out), "--model", str(small_model_dir)]) == 0
    tasks = json.loads(out.read_text(encoding="utf-8"))
    for i, task in enumerate(tasks):
        task["id"] = i + 1
        task["annotations"] = [annotation(task["predictions"][0]["result"])]
    export = write_json(tmp_path / "export.json", tasks)
    imported = tmp_path / "mine.jsonl"
    assert main(["import", str(export), "-o", str(imported)]) == 0
    got = {r["id"]: r for r in map(json.loads, imported.read_text(encoding="utf-8").splitlines())}
    for task in tasks:
        segs = [
            (r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]) for r in task["predictions"][0]["result"]
        ]
        assert [(s["start"], s["end"], s["label"]) for s in got[task["meta"]["id"]]["segments"]] == segs


# ---------------------------------------------------------------- import


def test_utf16_offsets_are_reanchored(tmp_path: Path) -> None:
    export = write_json(tmp_path / "e.json", [ls_task(7, [annotation(gold_result(offsets=lambda i: utf16(TEXT, i)))])])
    [posting], stats = import_exports([export])
    assert posting.segments == GOLD and posting.text == TEXT
    assert stats.reanchored == 4  # every region ends after an emoji


def test_offsets_without_text_are_taken_as_given(tmp_path: Path) -> None:
    result = [region(s["start"], s["end"], s["label"]) for s in GOLD]
    [posting], _ = import_exports([write_json(tmp_path / "e.json", [ls_task(1, [annotation(result)])])])
    assert posting.segments == GOLD


def test_collapsed_white_space_and_untrimmed_regions(tmp_path: Path) -> None:
    result = gold_result()
    result[1]["value"].update(end=26, text="Duties:\n")  # the newline is trimmed off
    result[2]["value"]["text"] = "Build  things 🚀\tfast"  # white space as a browser may give it back
    result[3]["value"].update(start=47, text="\nApply by email.")
    [posting], stats = import_exports([write_json(tmp_path / "e.json", [ls_task(1, [annotation(result)])])])
    assert posting.segments == GOLD and stats.reanchored == 0


def test_region_found_elsewhere_is_reanchored_and_a_missing_one_rejected(tmp_path: Path) -> None:
    moved = gold_result()
    moved[3]["value"]["start"] += 5
    moved[3]["value"]["end"] += 5
    bad = gold_result()
    bad[2]["value"]["text"] = "Build nothing at all"
    export = write_json(
        tmp_path / "e.json",
        [ls_task(1, [annotation(moved)]), ls_task(2, [annotation(bad)], posting_id="p2")],
    )
    errors: list[InputError] = []
    postings, _ = import_exports([export], errors.append)
    assert [p.id for p in postings] == ["p1"] and postings[0].segments == GOLD
    [error] = errors
    assert "task 2 (p2)" in str(error) and "Build nothing at all" in str(error) and "rejected" in str(error)


def test_cancelled_and_several_annotations(tmp_path: Path) -> None:
    wrong = [dict(r, value=dict(r["value"], labels=["benefit"])) for r in gold_result()]
    tasks = [
        # several annotations: the newest (updated_at) is kept, whatever the order
        ls_task(
            1, [annotation(gold_result(), 2, "2025-03-01T09:00:00Z"), annotation(wrong, 1, "2025-01-01T09:00:00Z")]
        ),
        # a cancelled annotation, newer than the real one: dropped
        ls_task(
            2,
            [
                annotation(gold_result(), 3, "2025-01-01T09:00:00Z"),
                annotation([], 4, "2025-05-01T09:00:00Z", was_cancelled=True),
            ],
            posting_id="p2",
        ),
        # only cancelled: skipped, not an error
        ls_task(3, [annotation(wrong, 5, was_cancelled=True)], posting_id="p3"),
        # not annotated at all
        ls_task(4, [], posting_id="p4"),
    ]
    postings, stats = import_exports([write_json(tmp_path / "e.json", tasks)])
    assert {p.id: p.segments for p in postings} == {"p1": GOLD, "p2": GOLD}
    assert len(stats.skipped) == 2 and "task 3 (p3)" in stats.skipped[0]


def test_json_min_export(tmp_path: Path) -> None:
    def row(ann_id: int, when: str, labels: str | None = None) -> dict[str, Any]:
        regions = [dict(r["value"]) for r in gold_result()]
        if labels:
            regions = [dict(r, labels=[labels]) for r in regions]
        return {
            "text": TEXT,
            "posting_id": "p1",
            "source": "src/p1.txt",
            "id": 11,
            "label": regions,
            "annotator": 1,
            "annotation_id": ann_id,
            "created_at": when,
            "updated_at": when,
            "lead_time": 3.2,
        }

    rows = [row(2, "2025-02-01T00:00:00.000001Z"), row(1, "2025-01-01T00:00:00Z", "other")]
    rows.append({"text": "Unlabelled posting.", "id": 12})  # a task with no annotation
    errors: list[InputError] = []
    [posting], stats = import_exports([write_json(tmp_path / "min.json", rows)], errors.append)
    assert (posting.id, posting.source, posting.segments) == ("p1", "src/p1.txt", GOLD)
    assert not errors and stats.replaced == ["p1"] and len(stats.skipped) == 1


def test_prodigy_jsonl(tmp_path: Path) -> None:
    def line(answer: str, stamp: int, label_case: Any = str.upper, pid: str = "p1") -> str:
        spans = [
            {"start": s["start"], "end": s["end"], "label": label_case(s["label"]), "text": TEXT[s["start"] : s["end"]]}
            for s in GOLD
        ]
        record = {"text": TEXT, "spans": spans, "answer": answer, "_timestamp": stamp, "_input_hash": 42}
        record["meta"] = {"id": pid, "source": f"src/{pid}.txt"}
        return json.dumps(record, ensure_ascii=False)

    wrong = json.loads(line("accept", 100))
    wrong["spans"][2]["label"] = "BENEFIT"
    path = tmp_path / "prodigy.jsonl"
    lines = [
        json.dumps(wrong, ensure_ascii=False),
        line("accept", 200),
        line("reject", 300),
        line("ignore", 400, pid="p2"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [posting], stats = import_exports([path])
    assert (posting.id, posting.source, posting.segments) == ("p1", "src/p1.txt", GOLD)
    assert len(stats.skipped) == 2


def test_invalid_annotations_are_reported_with_the_task_id(tmp_path: Path) -> None:
    uncovered = gold_result()[:-1]  # "Apply by email." left unlabelled
    overlapping = gold_result()
    overlapping[1]["value"].update(start=10, text=TEXT[10:24])
    unknown = gold_result()
    unknown[0]["value"]["labels"] = ["perk"]
    tasks = [
        ls_task(1, [annotation(gold_result())]),
        ls_task(2, [annotation(uncovered)], posting_id="p2"),
        ls_task(3, [annotation(overlapping)], posting_id="p3"),
        ls_task(4, [annotation(unknown)], posting_id="p4"),
    ]
    export = write_json(tmp_path / "e.json", tasks)
    errors: list[InputError] = []
    postings, _ = import_exports([export], errors.append)
    assert [p.id for p in postings] == ["p1"]
    messages = sorted(map(str, errors))
    assert len(messages) == 3
    assert "task 2 (p2)" in messages[0] and "'Apply'" in messages[0]
    assert "task 3 (p3)" in messages[1] and "overlaps" in messages[1]
    assert "task 4 (p4)" in messages[2] and "unknown label 'perk'" in messages[2]


def test_import_command_reports_and_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    uncovered = gold_result()[:-1]
    export = write_json(
        tmp_path / "e.json",
        [ls_task(1, [annotation(gold_result())]), ls_task(9, [annotation(uncovered)], posting_id="bad")],
    )
    out = tmp_path / "mine.jsonl"
    assert main(["import", str(export), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "task 9 (bad)" in err and "1 annotated postings written" in err
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record == {"id": "p1", "source": "src/p1.txt", "text": TEXT, "segments": GOLD}
    # the output is annotation JSONL that the rest of jobsections reads
    from jobsections.annotations import load_annotations

    assert len(load_annotations([out])) == 1


def test_import_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["import", str(tmp_path / "missing.json"), "-o", str(tmp_path / "o.jsonl")]) == 2
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    assert main(["import", str(broken), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()


def test_anchor_prefers_the_nearest_occurrence() -> None:
    text = "Apply now. Apply now. Apply now."
    assert anchor(text, 12, 22, "Apply now.", "t") == (11, 21, True)
    assert anchor(text, 0, 10, "Apply now.", "t") == (0, 10, False)
    with pytest.raises(InputError, match="out of range"):
        anchor(text, 0, 99, None, "t")


def test_help_of_the_new_commands(capsys: pytest.CaptureFixture) -> None:
    for command in ("annotate", "import"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        assert "usage: jobsections " + command in capsys.readouterr().out

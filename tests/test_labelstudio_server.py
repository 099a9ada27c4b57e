"""The Label Studio round trip against a real Label Studio server.

`jobsections annotate` the five seeds → a project with our labels.xml → import the tasks →
the pre-annotations are there → submit the seeds' gold segments as annotations (after a
cancelled and an older, wrong annotation on some tasks) → export as JSON and JSON-MIN →
`jobsections import` → exactly the seeds.

Skipped when label-studio is not installed (see tests/labelstudio_server.py; `.ci/run` installs
it) or with JOBSECTIONS_SKIP_LABELSTUDIO=1; in CI (CI set) a missing label-studio fails.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from labelstudio_server import LabelStudio, executable

from jobsections.cli import main
from jobsections.labelstudio import labels_xml, model_version
from jobsections.model import load_model

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "annotations" / "seeds.jsonl"

pytestmark = pytest.mark.labelstudio


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if os.environ.get("JOBSECTIONS_SKIP_LABELSTUDIO") == "1":
        pytest.skip("JOBSECTIONS_SKIP_LABELSTUDIO=1")
    exe = executable()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("label-studio is not installed: .ci/run installs it into .venv-labelstudio")
        pytest.skip(
            "label-studio is not installed "
            "(python3 -m venv .venv-labelstudio && .venv-labelstudio/bin/pip install label-studio)"
        )
    started = time.perf_counter()
    ls = LabelStudio(exe, tmp_path_factory.mktemp("labelstudio")).start()
    print(f"Label Studio up in {time.perf_counter() - started:.0f} s on {ls.url}")
    yield ls
    ls.stop()


def _seeds() -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in SEEDS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{k: r[k] for k in ("id", "source", "text", "segments")} for r in rows]


def _result(text: str, segments: list[dict[str, Any]], label: str | None = None) -> list[dict[str, Any]]:
    return [
        {
            "id": f"g{i}",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {
                "start": s["start"],
                "end": s["end"],
                "text": text[s["start"] : s["end"]],
                "labels": [label or s["label"]],
            },
        }
        for i, s in enumerate(segments)
    ]


def test_round_trip_through_label_studio(server: LabelStudio, tmp_path: Path) -> None:
    tasks_path = tmp_path / "tasks.json"
    assert main(["annotate", str(SEEDS), "-o", str(tasks_path)]) == 0
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    config = (tmp_path / "labels.xml").read_text(encoding="utf-8")
    assert config == labels_xml()

    project = server.call("POST", "/api/projects", {"title": "jobsections round trip", "label_config": config})
    assert project["label_config"].strip() == config.strip()
    imported = server.call("POST", f"/api/projects/{project['id']}/import?return_task_ids=true", tasks)
    assert imported["task_count"] == 5 and imported["prediction_count"] == 5

    # the pre-annotations are there, as we wrote them, in our order (most uncertain first)
    listed = server.call("GET", f"/api/tasks?project={project['id']}&fields=all&page_size=100")["tasks"]
    listed.sort(key=lambda t: t["inner_id"])
    assert [t["meta"]["id"] for t in listed] == [t["meta"]["id"] for t in tasks]
    version = model_version(load_model().card)
    for ours, theirs in zip(tasks, listed):
        [prediction] = theirs["predictions"]
        assert prediction["model_version"] == version == theirs["predictions_model_versions"]
        assert prediction["score"] == pytest.approx(ours["predictions"][0]["score"])
        assert (
            prediction["result"] == ours["predictions"][0]["result"]
        )  # regions with value.start/end/text/labels/score
        assert theirs["data"]["text"] == ours["data"]["text"] and theirs["meta"]["source"] == ours["meta"]["source"]

    # annotate through the API: the seeds' gold segments; before them, on the first task an older
    # wrong annotation, on the second a cancelled one (submitted after the gold, so newer)
    gold = {s["id"]: s for s in _seeds()}
    for n, task in enumerate(listed):
        seed = gold[task["meta"]["id"]]
        url = f"/api/tasks/{task['id']}/annotations"
        if n == 0:
            server.call("POST", url, {"result": _result(seed["text"], seed["segments"], "benefit")})
            time.sleep(0.01)
        server.call("POST", url, {"result": _result(seed["text"], seed["segments"]), "lead_time": 12.5})
        if n == 1:
            time.sleep(0.01)
            server.call("POST", url, {"result": [], "was_cancelled": True})

    for export_type in ("JSON", "JSON_MIN"):
        export = tmp_path / f"export-{export_type}.json"
        export.write_bytes(
            server.call("GET", f"/api/projects/{project['id']}/export?exportType={export_type}", raw=True)
        )
        if export_type == "JSON":  # the export holds the extra annotations that import must pass over
            exported = {t["meta"]["id"]: t["annotations"] for t in json.loads(export.read_text(encoding="utf-8"))}
            first, second = (exported[t["meta"]["id"]] for t in listed[:2])
            assert len(first) == 2 and [a["was_cancelled"] for a in second] == [False, True]
        out = tmp_path / f"mine-{export_type}.jsonl"
        assert main(["import", str(export), "-o", str(out)]) == 0, export_type
        back = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert sorted(back, key=lambda r: r["id"]) == sorted(gold.values(), key=lambda r: r["id"]), export_type

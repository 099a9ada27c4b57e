"""Annotation tools: Label Studio tasks with the model's labels out, corrected annotations back in.

Out (`jobsections annotate`): one Label Studio task per posting, the model's segments as
pre-annotations (`predictions`), most uncertain posting first, and the labelling config
(`labels.xml`) that goes with them.

In (`jobsections import`): Label Studio's JSON and JSON-MIN exports and Prodigy's JSONL become
annotation-format postings (FORMAT.md). Each region is checked against the text it claims to
cover and re-anchored when its offsets are off (older Label Studio counted UTF-16 code units, so
every emoji before a region shifts it by one; the browser may collapse white space in
`value.text`); a region that cannot be found makes its task bad. Cancelled annotations are
dropped, the newest of several is kept, and every posting is validated with
`jobsections.annotations.check_segments`. A bad task is reported with its id; the rest are
still imported.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from jobsections.annotations import LABELS, check_segments
from jobsections.readers import InputError, Posting, decode

FROM_NAME = "label"  # the <Labels> control of labels.xml
TO_NAME = "text"  # the <Text> object it labels
CONFIG_FILE = "labels.xml"
COLOURS = {
    "responsibility": "#1f77b4",
    "qualification": "#2ca02c",
    "benefit": "#ff7f0e",
    "application": "#9467bd",
    "other": "#7f7f7f",
}

Task = dict[str, Any]


# ---------------------------------------------------------------- out: tasks and config


def labels_xml() -> str:
    """The Label Studio labelling config: the five labels over the posting text, newlines kept."""
    labels = "\n".join(
        f"    <Label value={quoteattr(label)} background={quoteattr(COLOURS[label])}/>" for label in LABELS
    )
    return (
        "<View>\n"
        "  <Style>.htx-text { white-space: pre-wrap; }</Style>\n"
        f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n'
        f"{labels}\n"
        "  </Labels>\n"
        '  <View style="white-space: pre-wrap">\n'
        f'    <Text name="{TO_NAME}" value="$text"/>\n'
        "  </View>\n"
        "</View>\n"
    )


def model_version(card: dict[str, Any]) -> str:
    """A name for the model in Label Studio: jobsections version and training data hash."""
    data = card.get("training_data", {})
    return f"jobsections-{card.get('jobsections_version', '?')}-{data.get('hash', 'unknown')}"


def uncertainty(record: dict[str, Any]) -> tuple[float, float]:
    """(minimum, mean) segment probability of a labelled posting; lower is more uncertain."""
    scores = [float(s.get("score", 1.0)) for s in record["segments"]]
    if not scores:
        return 0.0, 0.0
    return min(scores), statistics.fmean(scores)


def task_of(record: dict[str, Any], version: str) -> Task:
    """A Label Studio task for a labelled posting (`jobsections.predict` record)."""
    text = record["text"]
    low, mean = uncertainty(record)
    result = []
    for i, seg in enumerate(record["segments"]):
        score = round(float(seg.get("score", 1.0)), 4)
        result.append(
            {
                "id": f"s{i}",
                "from_name": FROM_NAME,
                "to_name": TO_NAME,
                "type": "labels",
                "value": {
                    "start": seg["start"],
                    "end": seg["end"],
                    "text": text[seg["start"] : seg["end"]],
                    "labels": [seg["label"]],
                    "score": score,
                },
                "score": score,  # where Label Studio itself reads a region's score
            }
        )
    return {
        # posting_id and source also in data: the JSON-MIN export keeps only data and results
        "data": {"text": text, "posting_id": record["id"], "source": record["source"]},
        "meta": {
            "id": record["id"],
            "source": record["source"],
            "min_score": round(low, 4),
            "mean_score": round(mean, 4),
        },
        # the task's score, shown and sortable in Label Studio's data manager: the lowest segment probability
        "predictions": [{"model_version": version, "score": round(low, 4), "result": result}],
    }


def make_tasks(records: Iterable[dict[str, Any]], version: str, limit: int | None = None) -> list[Task]:
    """Tasks for the records, most uncertain first: by the lowest segment probability of the
    posting, ties by the mean; `limit` keeps the first `limit` of them."""
    ordered = sorted(records, key=lambda r: (*uncertainty(r), r["id"]))
    if limit is not None:
        ordered = ordered[:limit]
    return [task_of(r, version) for r in ordered]


def write_tasks(tasks: Sequence[Task], path: str | Path) -> tuple[Path, Path]:
    """Write the tasks (a JSON list) and `labels.xml` beside them, each whole or not at all."""
    target = Path(path)
    config = target.parent / CONFIG_FILE
    _write_atomic(target, json.dumps(list(tasks), ensure_ascii=False, indent=1) + "\n")
    _write_atomic(config, labels_xml())
    return target, config


def _write_atomic(target: Path, content: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(target)


# ---------------------------------------------------------------- in: exports → annotations


class TaskError(InputError):
    """One task of an export cannot be imported; the message names the file and the task."""


@dataclass
class ImportStats:
    """What an import did besides the postings it returns."""

    tasks: int = 0
    skipped: list[str] = field(default_factory=list)  # no annotation left (none, cancelled, rejected)
    reanchored: int = 0  # regions whose offsets were corrected
    replaced: list[str] = field(default_factory=list)  # postings given more than once: the newest kept


@dataclass
class _Candidate:
    """One annotation of a posting, before the newest is chosen."""

    posting_id: str
    source: str
    text: str
    regions: list[dict[str, Any]]  # {"start", "end", "text", "label"}
    time: float
    order: tuple[int, ...]
    where: str


def _timestamp(value: Any) -> float:
    """Seconds since the epoch of a Label Studio ISO time or a Prodigy `_timestamp`; 0 if none."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return 0.0


def _label_of(labels: Any, where: str) -> str:
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        raise TaskError(f"{where}: a region needs exactly one label, got {labels!r}")
    label = labels[0].strip().lower()
    if label not in LABELS:
        raise TaskError(f"{where}: unknown label {labels[0]!r} (labels: {', '.join(LABELS)})")
    return label


def _ls_regions(result: Any, where: str) -> list[dict[str, Any]]:
    """The text regions of a Label Studio annotation's `result` (other controls ignored)."""
    if not isinstance(result, list):
        raise TaskError(f"{where}: 'result' is not a list")
    regions = []
    for r in result:
        if not isinstance(r, dict) or r.get("type", "labels") != "labels":
            continue
        value = r.get("value") or {}
        if "start" not in value or "end" not in value:
            continue
        regions.append(_region(value, value.get("labels"), where))
    return regions


def _region(value: dict[str, Any], labels: Any, where: str) -> dict[str, Any]:
    start, end = value.get("start"), value.get("end")
    if not (isinstance(start, int) and isinstance(end, int)):
        raise TaskError(f"{where}: region offsets must be integers, got {start!r}, {end!r}")
    text = value.get("text")
    return {
        "start": start,
        "end": end,
        "text": text if isinstance(text, str) else None,
        "label": _label_of(labels, where),
    }


def _ls_ids(task: dict[str, Any], data: dict[str, Any], path: str) -> tuple[str, str, str]:
    """(posting id, source, where) of a Label Studio task: our meta, our data fields, else the task id."""
    meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
    task_id = task.get("id")
    posting_id = meta.get("id") or data.get("posting_id") or (f"labelstudio-{task_id}" if task_id is not None else None)
    if posting_id is None:
        raise TaskError(f"{path}: a task with no id and no posting id")
    source = meta.get("source") or data.get("source") or f"{path}#task-{task_id}"
    where = f"{path}: task {task_id} ({posting_id})" if task_id is not None else f"{path}: posting {posting_id}"
    return str(posting_id), str(source), where


def _text_of(data: Any, where: str) -> str:
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise TaskError(f"{where}: no 'text' in the task data")
    return text


def _from_ls_json(task: Any, path: str, index: int, stats: ImportStats) -> _Candidate | None:
    """The newest annotation of a task of Label Studio's JSON export, that is not cancelled."""
    if not isinstance(task, dict):
        raise TaskError(f"{path}: item {index} is not a task object")
    data = task.get("data")
    if not isinstance(data, dict):
        raise TaskError(f"{path}: item {index} (task {task.get('id')}) has no 'data' object")
    posting_id, source, where = _ls_ids(task, data, path)
    text = _text_of(data, where)
    annotations = task.get("annotations", task.get("completions")) or []
    if not isinstance(annotations, list):
        raise TaskError(f"{where}: 'annotations' is not a list")
    kept = [a for a in annotations if isinstance(a, dict) and not (a.get("was_cancelled") or a.get("skipped"))]
    if not kept:
        stats.skipped.append(f"{where}: no annotation" + (" (cancelled)" if annotations else ""))
        return None
    newest = max(kept, key=lambda a: (_timestamp(a.get("updated_at") or a.get("created_at")), a.get("id") or 0))
    return _Candidate(
        posting_id,
        source,
        text,
        _ls_regions(newest.get("result", []), where),
        _timestamp(newest.get("updated_at") or newest.get("created_at")),
        (index, int(newest.get("id") or 0)),
        where,
    )


def _min_regions_key(row: dict[str, Any]) -> str | None:
    """The field of a JSON-MIN row that holds the regions: a list of {start, end, labels}."""
    if isinstance(row.get(FROM_NAME), list):
        return FROM_NAME
    for key, value in row.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) and "labels" in v for v in value):
            return key
    return None


def _from_ls_min(row: Any, path: str, index: int, stats: ImportStats) -> _Candidate | None:
    """A row of Label Studio's JSON-MIN export: task data, task `id`, the regions under the
    control's name (one row per annotation, cancelled ones left out by Label Studio)."""
    if not isinstance(row, dict):
        raise TaskError(f"{path}: item {index} is not an object")
    posting_id, source, where = _ls_ids(row, row, path)
    text = _text_of(row, where)
    key = _min_regions_key(row)
    if key is None or row.get("was_cancelled"):
        stats.skipped.append(f"{where}: no annotation")
        return None
    regions = [_region(v, v.get("labels"), where) for v in row[key] if isinstance(v, dict)]
    stamp = _timestamp(row.get("updated_at") or row.get("created_at"))
    return _Candidate(posting_id, source, text, regions, stamp, (index, int(row.get("annotation_id") or 0)), where)


def _from_prodigy(record: Any, path: str, line: int, stats: ImportStats) -> _Candidate | None:
    """A line of a Prodigy dataset export (`prodigy db-out`): accepted answers only."""
    if not isinstance(record, dict):
        raise TaskError(f"{path}:{line}: not a JSON object")
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    posting_id = (
        meta.get("id")
        or record.get("id")
        or (f"prodigy-{record['_input_hash']}" if "_input_hash" in record else f"{Path(path).stem}-{line}")
    )
    source = meta.get("source") or record.get("source") or f"{path}:{line}"
    where = f"{path}:{line} ({posting_id})"
    answer = record.get("answer")
    if answer != "accept":
        stats.skipped.append(f"{where}: answer {answer!r}, not 'accept'")
        return None
    text = _text_of(record, where)
    spans = record.get("spans") or []
    if not isinstance(spans, list):
        raise TaskError(f"{where}: 'spans' is not a list")
    regions = [_region(s, s.get("label"), where) for s in spans if isinstance(s, dict)]
    stamp = _timestamp(record.get("_timestamp"))
    return _Candidate(str(posting_id), str(source), text, regions, stamp, (line,), where)


def _utf16_to_code_points(text: str) -> Callable[[int], int | None]:
    """Map a UTF-16 code unit offset of `text` to its code point offset (None inside a pair)."""
    table: dict[int, int] = {}
    units = 0
    for i, ch in enumerate(text):
        table[units] = i
        units += 2 if ord(ch) > 0xFFFF else 1
    table[units] = len(text)
    return table.get


def _same(a: str, b: str) -> bool:
    """Equal but for white space, which a browser may collapse in `value.text`."""
    return a.split() == b.split()


def anchor(text: str, start: int, end: int, claimed: str | None, where: str) -> tuple[int, int, bool]:
    """The offsets of a region in `text`: (start, end, re-anchored?).

    The offsets are kept when `text[start:end]` is the region's `claimed` text (white space aside)
    or when no text is claimed; else read as UTF-16 offsets; else the claimed text is searched
    for, the occurrence nearest to `start` taken. A region found nowhere raises `TaskError`.
    """
    if claimed is None:
        if not 0 <= start < end <= len(text):
            raise TaskError(f"{where}: region [{start}, {end}) out of range for a text of {len(text)}")
        return start, end, False
    if 0 <= start < end <= len(text) and _same(text[start:end], claimed):
        return start, end, False
    if not claimed.strip():
        raise TaskError(f"{where}: region [{start}, {end}) claims only white space")
    to_cp = _utf16_to_code_points(text)
    a, b = to_cp(start), to_cp(end)
    if a is not None and b is not None and a < b and _same(text[a:b], claimed):
        return a, b, True
    pattern = re.compile(r"\s+".join(re.escape(w) for w in claimed.split()))
    found = [m.span() for m in pattern.finditer(text)]
    if not found:
        shown = claimed.strip()[:50]
        raise TaskError(f"{where}: region [{start}, {end}) {shown!r} is not in the text (rejected)")
    a, b = min(found, key=lambda span: (abs(span[0] - start), span[0]))
    return a, b, True


def _segments(candidate: _Candidate, stats: ImportStats) -> list[dict[str, Any]]:
    """The candidate's regions as FORMAT.md segments: anchored, trimmed, sorted, checked."""
    text, where = candidate.text, candidate.where
    segments: dict[tuple[int, int], str] = {}
    for region in candidate.regions:
        a, b, moved = anchor(text, region["start"], region["end"], region["text"], where)
        stats.reanchored += moved
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a == b:
            continue
        if segments.get((a, b), region["label"]) != region["label"]:
            raise TaskError(f"{where}: two regions at [{a}, {b}) with different labels")
        segments[(a, b)] = region["label"]
    out = [{"start": a, "end": b, "label": label} for (a, b), label in sorted(segments.items())]
    check_segments(text, out, where, full_cover=True)
    return out


def _load(path: str) -> tuple[str, Any]:
    """('json', the parsed array) or ('jsonl', [(line, record or error)])."""
    raw = decode(Path(path).read_bytes(), path)
    if not raw.strip():
        raise InputError(f"{path}: empty export")
    if raw.lstrip().startswith("["):
        try:
            return "json", json.loads(raw)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    rows = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            rows.append((n, TaskError(f"{path}:{n}: malformed JSON ({e.msg})")))
    return "jsonl", rows


def _candidates(path: str, stats: ImportStats, on_error: Callable[[InputError], None]) -> Iterator[_Candidate]:
    kind, content = _load(path)
    if kind == "json":
        if not isinstance(content, list):
            raise InputError(f"{path}: a Label Studio export is a JSON list of tasks")
        items: list[tuple[int, Any]] = list(enumerate(content))
    else:
        items = content
    for index, item in items:
        stats.tasks += 1
        try:
            if isinstance(item, Exception):
                raise item
            if isinstance(item, dict) and "answer" in item and "data" not in item:
                found = _from_prodigy(item, path, index, stats)
            elif isinstance(item, dict) and ("data" in item or "annotations" in item or "completions" in item):
                found = _from_ls_json(item, path, index, stats)
            else:
                found = _from_ls_min(item, path, index, stats)
        except InputError as e:
            on_error(e if isinstance(e, TaskError) else TaskError(str(e)))
            continue
        if found is not None:
            yield found


def _raise(error: InputError) -> None:
    raise error


def import_exports(
    paths: Iterable[str | Path], on_error: Callable[[InputError], None] = _raise
) -> tuple[list[Posting], ImportStats]:
    """Annotated postings from Label Studio JSON / JSON-MIN exports and Prodigy JSONL files.

    A posting annotated more than once (several annotations of a task, several rows of a
    JSON-MIN export, several Prodigy answers, or in several files) keeps its newest annotation
    (by `updated_at`/`created_at` or `_timestamp`; later in the input on a tie). Problems with one
    task go to `on_error` (default: raise), and the other tasks are still imported.
    """
    stats = ImportStats()
    newest: dict[str, _Candidate] = {}
    for file_no, path in enumerate(paths):
        path = str(path)
        if not Path(path).is_file():
            raise InputError(f"{path}: no such file")
        for candidate in _candidates(path, stats, on_error):
            candidate.order = (file_no, *candidate.order)
            old = newest.get(candidate.posting_id)
            if old is not None:
                stats.replaced.append(candidate.posting_id)
                if (old.time, old.order) > (candidate.time, candidate.order):
                    continue
            newest[candidate.posting_id] = candidate
    postings = []
    for candidate in newest.values():
        try:
            segments = _segments(candidate, stats)
        except InputError as e:
            on_error(e if isinstance(e, TaskError) else TaskError(str(e)))
            continue
        postings.append(Posting(candidate.posting_id, candidate.text, candidate.source, segments))
    return postings, stats


def write_annotations(postings: Sequence[Posting], path: str | Path) -> None:
    """Write postings as annotation JSONL (FORMAT.md), whole or not at all."""
    lines = [
        json.dumps({"id": p.id, "source": p.source, "text": p.text, "segments": p.segments}, ensure_ascii=False)
        for p in postings
    ]
    _write_atomic(Path(path), "".join(line + "\n" for line in lines))

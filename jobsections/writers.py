"""Write labelled postings: annotation-format JSONL, JSON grouped by label, readable text, Parquet,
an HTML page (`jobsections.report`).

Output goes to a temporary file beside the target and is moved into place only when complete,
so an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from jobsections.annotations import LABELS

FORMATS = ("jsonl", "json", "text", "parquet", "html")
Record = dict[str, Any]  # {"id", "source", "text", "segments": [{"start", "end", "label", "score", "kind"}]}


def format_for(path: str | None, requested: str | None) -> str:
    """The output format: as requested, else from the file's suffix, else JSONL."""
    if requested:
        return requested
    suffix = Path(path).suffix.lower().lstrip(".") if path and path != "-" else ""
    return {"jsonl": "jsonl", "json": "json", "txt": "text", "parquet": "parquet", "html": "html"}.get(suffix, "jsonl")


def grouped(record: Record) -> dict[str, Any]:
    """A posting's segment texts grouped by label, in reading order."""
    sections: dict[str, list[str]] = {label: [] for label in LABELS}
    for seg in record["segments"]:
        sections[seg["label"]].append(record["text"][seg["start"] : seg["end"]])
    return {"id": record["id"], "source": record["source"], "sections": sections}


def readable(record: Record) -> str:
    """A posting's labelled segments for a person to read."""
    lines = [f"=== {record['id']}  ({record['source']})"]
    for seg in record["segments"]:
        text = " ".join(record["text"][seg["start"] : seg["end"]].split())
        score = f" {seg['score']:.2f}" if "score" in seg else ""
        lines.append(f"[{seg['label']:<14}{score}] {text}")
    return "\n".join(lines) + "\n\n"


@contextmanager
def _atomic(path: str | None, binary: bool = False) -> Iterator[IO[Any]]:
    if path is None or path == "-":
        yield sys.stdout.buffer if binary else sys.stdout
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def write_records(records: Iterable[Record], path: str | None, fmt: str) -> int:
    """Write the records to `path` (`None` or `-`: standard output); return how many."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    n = 0
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = list(records)
        with _atomic(path, binary=True) as f:
            pq.write_table(pa.Table.from_pylist(rows), f)
        return len(rows)
    if fmt == "html":
        from jobsections.report import predictions_page

        rows = list(records)
        with _atomic(path) as f:
            f.write(predictions_page(rows))
        return len(rows)
    with _atomic(path) as f:
        if fmt == "json":
            f.write("[")
        for record in records:
            if fmt == "jsonl":
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            elif fmt == "json":
                f.write(("," if n else "") + "\n" + json.dumps(grouped(record), ensure_ascii=False, indent=1))
            else:
                f.write(readable(record))
            n += 1
        if fmt == "json":
            f.write("\n]\n")
    return n

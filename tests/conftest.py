"""Shared fixtures: a small model trained on a few postings of the written corpus, and the check
for the PDF tools."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

from jobsections.model import SectionModel, save_model
from jobsections.readers import Posting
from jobsections.train import train_model

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = ROOT / "annotations" / "written.jsonl"
SEEDS = ROOT / "annotations" / "seeds.jsonl"


def read_jsonl(path: Path, limit: int | None = None) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:limit] if line.strip()]


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve annotated postings of the written corpus, as a JSONL file."""
    path = tmp_path_factory.mktemp("data") / "small.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in read_jsonl(WRITTEN, 12)), encoding="utf-8"
    )
    return path


@pytest.fixture(scope="session")
def small_postings(small_corpus: Path) -> list[Posting]:
    return [Posting(r["id"], r["text"], r["source"], r["segments"]) for r in read_jsonl(small_corpus)]


@pytest.fixture(scope="session")
def small_model(small_postings: list[Posting]) -> SectionModel:
    return train_model(small_postings, seed=0)


@pytest.fixture(scope="session")
def small_model_dir(small_model: SectionModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(small_model, tmp_path_factory.mktemp("model") / "m")


@pytest.fixture
def pdf_tools() -> None:
    """Skip a test that makes real PDFs when fpdf2 or pdftotext is missing, unless
    JOBSECTIONS_REQUIRE_PDF=1 (as `.ci/run` sets: it installs them), where it fails."""
    if importlib.util.find_spec("fpdf") is None or shutil.which("pdftotext") is None:
        if os.environ.get("JOBSECTIONS_REQUIRE_PDF") == "1":
            pytest.fail("JOBSECTIONS_REQUIRE_PDF=1 but fpdf2 or pdftotext is missing")
        pytest.skip("needs fpdf2 (pip install -e '.[pdf]') and pdftotext (apt-get install poppler-utils)")

"""The project's own settings: what CI and new users rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_pytest_settings_keep_the_test_count_visible() -> None:
    """`-q` in addopts makes `pytest -q` print no summary count, which CI reads (issue 13)."""
    tomllib = pytest.importorskip("tomllib")
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "-q" not in str(settings.get("addopts", "")).split()

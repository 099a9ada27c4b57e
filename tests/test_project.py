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


def test_every_subpackage_is_packaged() -> None:
    """A non-editable install gets only the packages pyproject.toml lists: each must be there."""
    tomllib = pytest.importorskip("tomllib")
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "jobsections").rglob("__init__.py")}
    assert found <= listed


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_documents_every_command_line_option() -> None:
    """Issue 13: the README must match the CLI."""
    import argparse

    from jobsections.cli import build_parser

    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    readme = _readme()
    section = readme[readme.index("## Command line") : readme.index("## Python")]
    missing = [
        f"{name} {option}"
        for name, sub in commands.choices.items()
        for action in sub._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help" and option not in section
    ]
    assert not missing, f"options missing from the README's Command line section: {missing}"
    for choice in ("auto", "text", "html", "markdown", "jsonl", "json", "csv", "parquet"):
        assert f"`{choice}`" in section or f"|{choice}" in section or f"{choice}|" in section


def test_the_readme_batch_example_runs() -> None:
    """The `predict_records` example names where `load_model` and `Posting` come from, and runs."""
    import re

    blocks = re.findall(r"```python\n(.*?)```", _readme(), flags=re.S)
    [example] = [b for b in blocks if "predict_records(" in b]
    assert "import load_model" in example and "import Posting" in example
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert namespace["records"] and namespace["records"][0]["segments"]

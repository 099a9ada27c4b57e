"""Fuzzed model directories: whatever the manifest, card, metadata or arrays hold, loading either
works or raises a one-line `ModelError` naming a file, never another exception.

Each example edits a copy of a small model and, unless it is testing the hashes, makes the
manifest's sizes and SHA-256 agree again, as a deliberate tamperer would, so that the checks
behind the hashes are what is tested."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_model import rehash

from jobsections.model import MANIFEST_FILE, ModelError, load_model
from jobsections.state import read_arrays, write_arrays

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path into a JSON value (a list's first items only, so vocabularies stay cheap)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            out += paths(v, (*prefix, i))
    return out


def mutate(value: Any, path: tuple, new: Any, delete: bool) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if rest:
        value[head] = mutate(value[head], rest, new, delete)
    elif delete and isinstance(value, dict):
        del value[head]
    else:
        value[head] = new
    return value


def loads_or_model_error(directory: Path) -> None:
    try:
        load_model(directory)
    except ModelError as e:
        message = str(e)
        assert "\n" not in message and str(directory) in message, message


@pytest.fixture()
def copy(small_model_dir: Path):
    made = []

    def fresh() -> Path:
        target = Path(tempfile.mkdtemp()) / "m"
        shutil.copytree(small_model_dir, target)
        made.append(target.parent)
        return target

    yield fresh
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


@FUZZ
@given(manifest=json_values)
def test_any_json_as_manifest(copy, manifest) -> None:
    directory = copy()
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest))
    loads_or_model_error(directory)


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_as_manifest(copy, data) -> None:
    directory = copy()
    (directory / MANIFEST_FILE).write_bytes(data)
    loads_or_model_error(directory)


@FUZZ
@given(choice=st.data(), new=json_values, delete=st.booleans())
@pytest.mark.parametrize("name", [MANIFEST_FILE, "card.json", "classifier.json"])
def test_one_value_changed_in_a_json_file(copy, name, choice, new, delete) -> None:
    directory = copy()
    value = json.loads((directory / name).read_text())
    path = choice.draw(st.sampled_from(paths(value)))
    (directory / name).write_text(json.dumps(mutate(value, path, new, delete)))
    if name != MANIFEST_FILE:
        rehash(directory)
    loads_or_model_error(directory)


dtypes = st.sampled_from(["<f8", "<f4", "<i8", "<i4", "<u1", "|b1", "<U4", ">f8"])
random_arrays = dtypes.flatmap(
    lambda dt: hnp.arrays(np.dtype(dt), hnp.array_shapes(min_dims=0, max_dims=2, max_side=6))
)


@FUZZ
@given(choice=st.data(), replacement=random_arrays, action=st.sampled_from(["replace", "delete", "add", "slice"]))
def test_one_array_changed(copy, choice, replacement, action) -> None:
    directory = copy()
    arrays = read_arrays(directory / "classifier.npz")
    key = choice.draw(st.sampled_from(sorted(arrays)))
    if action == "replace":
        arrays[key] = replacement
    elif action == "delete":
        del arrays[key]
    elif action == "add":
        arrays[key + "_extra_"] = replacement
    else:
        arrays[key] = arrays[key].reshape(-1)[: choice.draw(st.integers(0, 5))]
    write_arrays(directory / "classifier.npz", arrays)
    rehash(directory)
    loads_or_model_error(directory)


@FUZZ
@given(
    cuts=st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 255)), min_size=1, max_size=4), truncate=st.booleans()
)
def test_array_file_bytes_damaged(copy, cuts, truncate) -> None:
    directory = copy()
    data = bytearray((directory / "classifier.npz").read_bytes())
    for position, byte in cuts:
        data[position % len(data)] = byte
    if truncate:
        data = data[: cuts[0][0] % len(data)]
    (directory / "classifier.npz").write_bytes(bytes(data))
    loads_or_model_error(directory)  # the hash catches it
    rehash(directory)
    loads_or_model_error(directory)  # and behind the hash, the reader

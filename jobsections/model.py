"""The model directory: arrays and JSON, saved, checked and loaded, with no pickle anywhere.

A model directory (format version 3) holds:

    manifest.json      format, format version, library versions, training-data hash, labels,
                       the components, and every other file with its size and SHA-256
    card.json          the model card: labels, versions, training data, settings, metrics
    classifier.json    the segment classifier's metadata: parameters, vocabulary, ...
    classifier.npz     its arrays: IDF weights, word-pair codes, linear weights, calibration
    NAME.json/.npz     the same for every further component (see below)

Loading reads the manifest, then the card, checks each listed file's size and SHA-256, and
rebuilds every component from its JSON and arrays: `.npz` files are read member by member with
NumPy's header reader and raw bytes (`jobsections.state.read_arrays`), so no file is ever
unpickled and nothing a file names is imported. Anything wrong (a missing, truncated, tampered
or foreign file, a format version this code does not read, arrays that do not fit) is a
`ModelError` of one line naming the file. A directory that only holds the old pickle format
(`model.joblib`) is refused, with the command that converts it:
`jobsections convert --trust-pickle OLD NEW` (`jobsections.convert`).

Components: the protocol
------------------------
Every part of a model is a *component*, stored under a name (`classifier` is the segment
classifier; others go in `SectionModel.components`, e.g. `model.components["boundaries"]`).
A component's class

1. implements `to_state(self) -> tuple[dict, dict[str, np.ndarray]]`: metadata that JSON
   writes exactly (plain dicts, lists, strings, finite numbers) and arrays of numeric, boolean
   or Unicode dtype (no object arrays). Fitted scikit-learn linear models can be stored with
   `jobsections.state.linear_to_state` / `linear_from_state`;
2. implements the classmethod `from_state(cls, meta, arrays) -> instance`, which checks what it
   reads and raises `jobsections.state.StateError` (or `ValueError`, `KeyError`, `TypeError`)
   on anything unexpected: a file may have been edited by anyone. The loader turns any error
   into a one-line `ModelError` naming the file;
3. is registered under a type name, stored in the manifest: add a line
   `"my_type": "jobsections.mymodule:MyClass"` to `COMPONENT_TYPES` (imported only when a model
   holds such a component), or decorate the class with `@register_component("my_type")`.

`save_model` writes `NAME.json` and `NAME.npz` for each component and lists them in the
manifest (`components`: name → type and files); `load_model` rebuilds each into
`SectionModel.components[NAME]`. A model naming a type this code does not know is refused.
Bump `FORMAT_VERSION` only when older code could not read the new files.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import platform
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from jobsections.classifier import SegmentClassifier
from jobsections.features import segment_rows
from jobsections.segment.boundary import BoundaryModel

MODEL_FORMAT = "jobsections-model"
FORMAT_VERSION = 3  # 3: arrays and JSON with a manifest (2: batch featuriser in a joblib pickle)
MANIFEST_FILE = "manifest.json"
CARD_FILE = "card.json"
OLD_MODEL_FILE = "model.joblib"  # format 1-2: a pickle, refused (see jobsections.convert)
MODEL_FILE = MANIFEST_FILE  # the file that makes a directory a model
CLASSIFIER = "classifier"
BOUNDARY = "boundary"
SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "model"
MAX_JSON_BYTES = 256 << 20

COMPONENT_TYPES: dict[str, str | type] = {
    "segment_classifier": "jobsections.classifier:SegmentClassifier",
    "boundary_model": "jobsections.segment.boundary:BoundaryModel",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")  # a component name, also its files' stem
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")  # a file of the directory: no path, no dot first

T = TypeVar("T", bound=type)


class ModelError(RuntimeError):
    """A model is missing, corrupt, or not one this version of jobsections can use."""


def register_component(name: str) -> Callable[[T], T]:
    """Class decorator: store instances of the class as model components of type `name`."""

    def register(cls: T) -> T:
        if not _NAME.match(name):
            raise ValueError(f"component type {name!r}: use lower-case letters, digits and _")
        COMPONENT_TYPES[name] = cls
        return cls

    return register


def _type_name(component: Any) -> str:
    cls = type(component)
    for name, registered in COMPONENT_TYPES.items():
        if registered is cls or registered == f"{cls.__module__}:{cls.__qualname__}":
            return name
    raise ModelError(f"{cls.__qualname__} is not a registered model component (see jobsections.model)")


def _component_class(name: str) -> type:
    registered = COMPONENT_TYPES[name]
    if isinstance(registered, str):
        module, _, attr = registered.partition(":")
        registered = COMPONENT_TYPES[name] = getattr(importlib.import_module(module), attr)
    return registered


@dataclass
class SectionModel:
    """A fitted `SegmentClassifier`, further named components, and the model card (labels,
    versions, data, settings, metrics)."""

    classifier: SegmentClassifier
    card: dict[str, Any] = field(default_factory=dict)
    components: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.classifier.classes_]

    @property
    def boundary(self) -> BoundaryModel | None:
        """The learned boundary model for text without layout (component `boundary`), if any."""
        return self.components.get(BOUNDARY)


def default_model_path() -> Path:
    """The model used when none is named: `$JOBSECTIONS_MODEL`, else the shipped `model/`."""
    return Path(os.environ.get("JOBSECTIONS_MODEL", SHIPPED_MODEL))


def library_versions() -> dict[str, str]:
    """The versions of what made a model: Python, jobsections, NumPy, SciPy, scikit-learn."""
    import numpy
    import scipy
    import sklearn

    from jobsections import __version__

    return {
        "python": platform.python_version(),
        "jobsections": __version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }


# ---------------------------------------------------------------- save


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def save_model(model: SectionModel, directory: str | Path) -> Path:
    """Write the model into `directory` (created if needed): the card, each component's JSON
    and arrays, and last the manifest, which lists them all with sizes and SHA-256."""
    from jobsections.state import StateError, dumps, write_arrays

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    versions = library_versions()
    head = {
        "format": MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "jobsections_version": versions["jobsections"],
        "sklearn_version": versions["scikit-learn"],
    }
    rest = {k: v for k, v in model.card.items() if k not in head and k != "labels"}
    card = {**head, **rest, "labels": model.labels}
    components = {CLASSIFIER: model.classifier, **model.components}
    files = {CARD_FILE: json.dumps(card, indent=2, ensure_ascii=False) + "\n"}
    entries: dict[str, dict[str, str]] = {}
    arrays: dict[str, dict[str, Any]] = {}
    for name, component in components.items():
        if not _NAME.match(name):
            raise ModelError(f"component name {name!r}: use lower-case letters, digits and _")
        if name == CLASSIFIER and not isinstance(component, SegmentClassifier):
            raise ModelError("the classifier component must be a SegmentClassifier")
        try:
            meta, arrays[name] = component.to_state()
            files[f"{name}.json"] = dumps(meta)
        except (StateError, TypeError, ValueError) as e:
            raise ModelError(f"component {name!r} cannot be saved: {e}") from None
        entries[name] = {"type": _type_name(component), "meta": f"{name}.json", "arrays": f"{name}.npz"}
    for name, text in files.items():
        _write_text(directory / name, text)
    for name, data in arrays.items():
        tmp = directory / f".{name}.npz.tmp"
        write_arrays(tmp, data)
        tmp.replace(directory / f"{name}.npz")
    listed = sorted([*files, *(f"{name}.npz" for name in arrays)])
    manifest = {
        "format": MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": versions,
        "training_data_hash": (card.get("training_data") or {}).get("hash"),
        "labels": model.labels,
        "components": entries,
        "files": {n: {"bytes": (directory / n).stat().st_size, "sha256": _sha256(directory / n)} for n in listed},
    }
    _write_text(directory / MANIFEST_FILE, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    model.card = card
    return directory


# ---------------------------------------------------------------- load


def _read_json(path: Path, what: str) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise ModelError(f"{path}: {size} bytes, too large for a {what}")
        text = path.read_bytes().decode("utf-8")
        return json.loads(text)
    except FileNotFoundError:
        raise ModelError(f"{path}: missing ({what})") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot read ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise ModelError(f"{path}: not a {what} (not UTF-8 text)") from None
    except (ValueError, RecursionError) as e:  # JSONDecodeError, too many digits, too deep
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelError(f"{path}: not a {what} (invalid JSON: {message})") from None


def _check_format(meta: Any, path: Path, what: str) -> None:
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise ModelError(f'{path}: not a jobsections {what} (no "format": "{MODEL_FORMAT}")')
    version = meta.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise ModelError(
            f"{path}: model format version {json.dumps(version)[:40]}, this jobsections reads version "
            f"{FORMAT_VERSION}; retrain it with `jobsections train`, or convert an older model with "
            "`jobsections convert --trust-pickle OLD NEW`"
        )


def _locate(directory: Path) -> Path:
    """The model directory, given it or its manifest; old pickle models and non-models refused."""
    if directory.is_file():
        if directory.name == MANIFEST_FILE:
            return directory.parent
        if directory.name == OLD_MODEL_FILE:
            directory = directory.parent
        else:
            raise ModelError(f"{directory}: not a model directory (a model is a folder with {MANIFEST_FILE})")
    if (directory / MANIFEST_FILE).is_file() or (directory / MANIFEST_FILE).is_symlink():
        return directory
    if (directory / OLD_MODEL_FILE).exists():
        raise ModelError(
            f"{directory / OLD_MODEL_FILE}: an old model format (a pickle, which runs code when loaded), "
            f"no longer read; if you trust where it came from, convert it: "
            f"jobsections convert --trust-pickle {directory} NEW_DIR"
        )
    raise ModelError(f"no model at {directory} (expected {MANIFEST_FILE}); train one with `jobsections train`")


def _checked_files(directory: Path, manifest: dict[str, Any], manifest_path: Path) -> dict[str, dict[str, Any]]:
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise ModelError(f'{manifest_path}: no "files" list of the model\'s files')
    for name, entry in files.items():
        if not isinstance(name, str) or not _FILE.match(name) or name == MANIFEST_FILE:
            raise ModelError(f"{manifest_path}: {json.dumps(name)[:80]} is not a plain file name of the model")
        ok = (
            isinstance(entry, dict)
            and type(entry.get("bytes")) is int
            and isinstance(entry.get("sha256"), str)
            and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]) is not None
        )
        if not ok:
            raise ModelError(f'{manifest_path}: the entry of {name} needs "bytes" and a hex "sha256"')
    return files


def _verify(path: Path, entry: dict[str, Any]) -> None:
    """The file must have the manifest's size and SHA-256."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ModelError(f"{path}: missing (listed in the manifest)") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot read ({e.strerror or e})") from None
    if size != entry["bytes"]:
        change = "truncated" if size < entry["bytes"] else "changed"
        raise ModelError(f"{path}: {change}: {size} bytes, the manifest says {entry['bytes']}")
    try:
        digest = _sha256(path)
    except OSError as e:
        raise ModelError(f"{path}: cannot read ({e.strerror or e})") from None
    if digest != entry["sha256"]:
        raise ModelError(f"{path}: SHA-256 differs from the manifest's: the file was changed or damaged")


def _load_component(directory: Path, name: str, entry: Any, files: dict[str, Any], manifest_path: Path) -> Any:
    from jobsections.state import read_arrays

    where = f"{manifest_path}: component {json.dumps(name)[:60]}"
    if not isinstance(name, str) or not _NAME.match(name) or not isinstance(entry, dict):
        raise ModelError(f'{where}: expected a lower-case name with "type", "meta" and "arrays"')
    kind, meta_file, arrays_file = entry.get("type"), entry.get("meta"), entry.get("arrays")
    if not isinstance(kind, str) or kind not in COMPONENT_TYPES:
        raise ModelError(
            f"{where}: unknown component type {json.dumps(kind)[:60]} (known: {', '.join(COMPONENT_TYPES)})"
        )
    for f in (meta_file, arrays_file):
        if not isinstance(f, str) or f not in files:
            raise ModelError(f"{where}: its file {json.dumps(f)[:60]} is not in the manifest's file list")
    if meta_file == arrays_file or meta_file == CARD_FILE or arrays_file == CARD_FILE:
        raise ModelError(f'{where}: "meta" and "arrays" must be two files of its own')
    meta = _read_json(directory / meta_file, f"component's metadata ({name})")
    try:
        arrays = read_arrays(directory / arrays_file)
    except Exception as e:  # read_arrays raises StateError; anything else is a damaged file too
        raise ModelError(f"{directory / arrays_file}: {_one_line(e)}") from None
    try:
        cls = _component_class(kind)
        return cls.from_state(meta, arrays)
    except Exception as e:  # a state that does not fit: whatever from_state raised, one line
        raise ModelError(
            f"{directory / arrays_file}: component {name!r} ({kind}) cannot be rebuilt from "
            f"{meta_file} and {arrays_file}: {_one_line(e)}"
        ) from None


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def load_model(directory: str | Path | None = None) -> SectionModel:
    """Load and check a model directory (default: `default_model_path()`), never unpickling.

    The manifest and the card are checked first (format and version), then every listed file's
    size and SHA-256, then each component is rebuilt and the classifier is tried on a tiny
    posting. Any problem is a one-line `ModelError` naming the file."""
    directory = _locate(Path(directory) if directory is not None else default_model_path())
    manifest_path = directory / MANIFEST_FILE
    manifest = _read_json(manifest_path, "model manifest")
    _check_format(manifest, manifest_path, "model manifest")
    files = _checked_files(directory, manifest, manifest_path)
    card_path = directory / CARD_FILE
    if CARD_FILE not in files:
        raise ModelError(f"{manifest_path}: {CARD_FILE} is not in the manifest's file list")
    card = _read_json(card_path, "model card")
    _check_format(card, card_path, "model card")
    for name, entry in files.items():
        _verify(directory / name, entry)
    components = manifest.get("components")
    if not isinstance(components, dict) or CLASSIFIER not in components:
        raise ModelError(f'{manifest_path}: no "components" with a "{CLASSIFIER}"')
    built = {name: _load_component(directory, name, entry, files, manifest_path) for name, entry in components.items()}
    classifier = built.pop(CLASSIFIER)
    if not isinstance(classifier, SegmentClassifier):
        raise ModelError(f'{manifest_path}: the "{CLASSIFIER}" component is not a segment classifier')
    labels = manifest.get("labels")
    if labels is not None and labels != [str(c) for c in classifier.classes_]:
        raise ModelError(f"{manifest_path}: labels {labels} differ from the classifier's")
    _probe(classifier, directory / f"{CLASSIFIER}.npz")
    return SectionModel(classifier, card, built)


def _probe(classifier: SegmentClassifier, path: Path) -> None:
    """Classify a tiny posting, so a model whose features no longer fit this code fails on load."""
    text = "Duties:\nSend your CV by 3 May."
    try:
        probs = classifier.predict_proba(segment_rows(text, [(0, 7, "heading"), (8, len(text), "sentence")]))
    except Exception as e:  # any failure here means the stored state does not match this code
        raise ModelError(
            f"{path}: the model does not fit this version of jobsections ({_one_line(e)}); retrain it"
        ) from None
    if probs.shape != (2, len(classifier.classes_)):
        raise ModelError(
            f"{path}: the model gives {probs.shape[1]} probabilities for {len(classifier.classes_)} labels"
        )

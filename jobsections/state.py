"""Fitted estimators as data: JSON-able metadata plus NumPy arrays, and back, never a pickle.

A *state* is a pair `(meta, arrays)`: `meta` a dict that `json.dumps` writes exactly (floats
round-trip), `arrays` a dict of NumPy arrays of numeric, boolean or Unicode dtype (no object
arrays). `jobsections.model` writes the meta as JSON and the arrays as an `.npz` file read with
`read_arrays`, which refuses pickled data.

Only the estimator classes named in `LINEAR` can be rebuilt, the calibrated SVM of
`jobsections.classifier` and the CRF of `jobsections.chain`: a state names a class by a key of a
table in this module, never a module path, so loading a state imports and runs nothing that the
file chooses. Every reader checks types, dtypes and shapes and raises `StateError` on anything
unexpected.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.svm import LinearSVC

State = tuple[dict[str, Any], dict[str, np.ndarray]]

LINEAR: dict[str, type[BaseEstimator]] = {
    "LinearSVC": LinearSVC,
    "LogisticRegression": LogisticRegression,
    "SGDClassifier": SGDClassifier,
}
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]*_$")  # a public fitted attribute: coef_, n_iter_ ...
_DTYPE_KINDS = "biufU"  # bool, int, unsigned, float, Unicode string
MAX_ARRAY_BYTES = 1 << 30  # one array, uncompressed
MAX_TOTAL_BYTES = 2 << 30  # all arrays of one file, uncompressed


class StateError(ValueError):
    """A state (metadata or arrays) that does not describe an object this code can rebuild."""


# ---------------------------------------------------------------- checks


def need(condition: bool, message: str) -> None:
    """Raise `StateError(message)` unless `condition`."""
    if not condition:
        raise StateError(message)


def get(meta: Any, key: str, kind: type | tuple[type, ...], where: str = "") -> Any:
    """`meta[key]`, which must exist and be of `kind` (bool is not an int here)."""
    need(isinstance(meta, dict), f"{where or 'metadata'}: expected an object, got {type(meta).__name__}")
    need(key in meta, f"{where + '.' if where else ''}{key}: missing")
    value = meta[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    names = "/".join(k.__name__ for k in kinds)
    need(ok, f"{where + '.' if where else ''}{key}: expected {names}, got {type(value).__name__}")
    return value


def array(
    arrays: Mapping[str, np.ndarray],
    name: str,
    dtype: Any = None,
    ndim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    finite: bool = False,
) -> np.ndarray:
    """`arrays[name]`, checked: present, of `dtype` (a dtype, or a kind letter such as "U"),
    of `ndim` dimensions or `shape` (None: any length), all finite when asked."""
    need(name in arrays, f"array {name!r}: missing")
    a = arrays[name]
    need(isinstance(a, np.ndarray), f"array {name!r}: not an array")
    if isinstance(dtype, str) and len(dtype) == 1:
        need(a.dtype.kind == dtype, f"array {name!r}: dtype {a.dtype}, expected kind {dtype!r}")
    elif dtype is not None:
        need(a.dtype == np.dtype(dtype), f"array {name!r}: dtype {a.dtype}, expected {np.dtype(dtype)}")
    if ndim is not None:
        need(a.ndim == ndim, f"array {name!r}: {a.ndim} dimensions, expected {ndim}")
    if shape is not None:
        ok = a.ndim == len(shape) and all(s is None or s == n for s, n in zip(shape, a.shape))
        need(ok, f"array {name!r}: shape {a.shape}, expected {tuple('*' if s is None else s for s in shape)}")
    if finite and a.dtype.kind == "f":
        need(bool(np.isfinite(a).all()), f"array {name!r}: holds NaN or infinite values")
    return a


def json_safe(value: Any) -> bool:
    """True when `value` survives `json.dumps` → `json.loads` unchanged (tuples excepted: lists)."""
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_safe(v) for k, v in value.items())
    return False


def prefixed(prefix: str, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays with `prefix.` before each name."""
    return {f"{prefix}.{k}": v for k, v in arrays.items()}


def unprefixed(prefix: str, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays whose names start with `prefix.`, without it."""
    start = prefix + "."
    return {k[len(start) :]: v for k, v in arrays.items() if k.startswith(start)}


# ---------------------------------------------------------------- linear models


def _params_to_state(estimator: BaseEstimator) -> dict[str, Any]:
    params = estimator.get_params(deep=False)
    bad = [k for k, v in params.items() if not json_safe(v)]
    if bad:
        raise StateError(f"{type(estimator).__name__}: parameters {bad} cannot be stored as JSON")
    return params


def _params_from_state(cls: type[BaseEstimator], params: Any, where: str) -> dict[str, Any]:
    need(isinstance(params, dict), f"{where}.params: expected an object")
    known = set(cls().get_params(deep=False))
    unknown = sorted(set(params) - known)
    need(not unknown, f"{where}.params: {cls.__name__} has no parameters {unknown}")
    need(all(json_safe(v) for v in params.values()), f"{where}.params: not plain values")
    return dict(params)


def linear_to_state(estimator: BaseEstimator) -> State:
    """A fitted LinearSVC, LogisticRegression or SGDClassifier: its parameters and its public
    fitted attributes (`coef_`, `intercept_`, `classes_`, `n_iter_` ...)."""
    name = type(estimator).__name__
    if LINEAR.get(name) is not type(estimator):
        raise StateError(f"cannot store a {name} (storable: {', '.join(LINEAR)})")
    scalars: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    for key, value in vars(estimator).items():
        if not _ATTRIBUTE.match(key):
            continue  # hyper-parameters, and private caches such as SGD's _loss_function_
        if key == "coef_" and isinstance(value, np.ndarray) and value.ndim == 2 and value.dtype.kind == "f":
            arrays.update(_columns_to_state(value))  # most columns of a text model are zero
        elif isinstance(value, np.ndarray):
            if value.dtype.kind not in _DTYPE_KINDS:
                raise StateError(f"{name}.{key}: dtype {value.dtype} cannot be stored")
            arrays[key] = value
        elif isinstance(value, np.generic):
            arrays[key] = np.asarray(value)  # 0-d: keeps the exact type, e.g. np.int32
        elif json_safe(value) and not isinstance(value, (list, tuple, dict)):
            scalars[key] = value
        else:
            raise StateError(f"{name}.{key}: a {type(value).__name__} cannot be stored")
    return {"type": name, "params": _params_to_state(estimator), "attributes": scalars}, arrays


def linear_from_state(meta: Any, arrays: Mapping[str, np.ndarray], where: str = "linear") -> BaseEstimator:
    """Rebuild a fitted linear model written by `linear_to_state`."""
    name = get(meta, "type", str, where)
    need(name in LINEAR, f"{where}.type: {name!r} is not a storable model ({', '.join(LINEAR)})")
    cls = LINEAR[name]
    estimator = cls(**_params_from_state(cls, meta.get("params"), where))
    scalars = get(meta, "attributes", dict, where)
    for key, value in scalars.items():
        need(bool(_ATTRIBUTE.match(key)), f"{where}.attributes: {key!r} is not a fitted attribute name")
        ok = isinstance(value, (bool, int, float, str)) and json_safe(value)
        need(ok, f"{where}.attributes.{key}: expected a number or string")
        setattr(estimator, key, value)
    arrays = dict(arrays)
    if "coef_.columns" in arrays:
        arrays["coef_"] = _columns_from_state({k: arrays.pop(k) for k in list(arrays) if k.startswith("coef_.")})
    for key, value in arrays.items():
        need(bool(_ATTRIBUTE.match(key)), f"{where}: array {key!r} is not a fitted attribute name")
        setattr(estimator, key, value[()] if value.ndim == 0 else value)
    coef = array(arrays, "coef_", "f", ndim=2, finite=True)
    classes = array(arrays, "classes_", ndim=1)
    need(len(classes) >= 2, f"{where}: fewer than two classes")
    rows = 1 if len(classes) == 2 else len(classes)
    need(coef.shape[0] == rows, f"{where}: coef_ has {coef.shape[0]} rows for {len(classes)} classes")
    array(arrays, "intercept_", "f", shape=(rows,), finite=True)
    n = get(scalars, "n_features_in_", int, f"{where}.attributes")
    need(n == coef.shape[1], f"{where}: n_features_in_ {n}, but coef_ has {coef.shape[1]} columns")
    return estimator


def _columns_to_state(coef: np.ndarray) -> dict[str, np.ndarray]:
    """A weight matrix as its columns that hold anything but +0.0 (`coef_.columns`, their
    indices; `coef_.values`, those columns), its shape and its memory order: the zero columns
    of features never seen in training take no space and no time to load."""
    kept = np.flatnonzero(((coef != 0) | np.signbit(coef)).any(axis=0))
    return {
        "coef_.columns": kept.astype(np.int64),
        "coef_.values": np.ascontiguousarray(coef[:, kept]),
        "coef_.shape": np.array(coef.shape, dtype=np.int64),
        "coef_.fortran": np.array(coef.flags.f_contiguous and not coef.flags.c_contiguous),
    }


def _columns_from_state(arrays: Mapping[str, np.ndarray]) -> np.ndarray:
    """The weight matrix `_columns_to_state` wrote, bit for bit and in the same memory order."""
    shape = array(arrays, "coef_.shape", np.int64, shape=(2,))
    rows, cols = (int(n) for n in shape)
    need(0 < rows and 0 < cols and rows * cols * 8 <= MAX_ARRAY_BYTES, f"coef_.shape {tuple(shape)}: out of range")
    kept = array(arrays, "coef_.columns", np.int64, ndim=1)
    need(bool((kept[:-1] < kept[1:]).all()), "coef_.columns: not strictly increasing")
    need(not len(kept) or (kept[0] >= 0 and kept[-1] < cols), "coef_.columns: out of range")
    values = array(arrays, "coef_.values", "f", shape=(rows, len(kept)), finite=True)
    fortran = array(arrays, "coef_.fortran", np.bool_, shape=())
    coef = np.zeros((rows, cols), dtype=values.dtype, order="F" if bool(fortran) else "C")
    coef[:, kept] = values
    return coef


# ---------------------------------------------------------------- sigmoid-calibrated classifier


def calibrated_to_state(model: Any) -> State:
    """A fitted `CalibratedClassifierCV(method="sigmoid")` over a linear model: each calibrated
    classifier's linear model, and its per-class sigmoid parameters `a_`, `b_`."""
    from sklearn.calibration import CalibratedClassifierCV

    need(type(model) is CalibratedClassifierCV, f"expected a CalibratedClassifierCV, got {type(model).__name__}")
    need(model.method == "sigmoid", f"only sigmoid calibration can be stored, not {model.method!r}")
    base_meta, _ = _unfitted_to_state(model.estimator)
    members: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {"classes_": model.classes_}
    for i, member in enumerate(model.calibrated_classifiers_):
        meta, sub = linear_to_state(member.estimator)
        members.append({"estimator": meta, "calibrators": len(member.calibrators)})
        arrays.update(prefixed(f"calibrated.{i}.estimator", sub))
        arrays[f"calibrated.{i}.a"] = np.array([c.a_ for c in member.calibrators], dtype=np.float64)
        arrays[f"calibrated.{i}.b"] = np.array([c.b_ for c in member.calibrators], dtype=np.float64)
    meta = {
        "type": "CalibratedClassifierCV",
        "params": {"method": model.method, "cv": model.cv, "ensemble": model.ensemble, "n_jobs": model.n_jobs},
        "estimator": base_meta,
        "calibrated": members,
        "n_features_in_": int(model.n_features_in_),
    }
    return meta, arrays


def _unfitted_to_state(estimator: BaseEstimator) -> State:
    name = type(estimator).__name__
    if LINEAR.get(name) is not type(estimator):
        raise StateError(f"cannot store a {name} (storable: {', '.join(LINEAR)})")
    return {"type": name, "params": _params_to_state(estimator)}, {}


def calibrated_from_state(meta: Any, arrays: Mapping[str, np.ndarray], where: str = "calibrated") -> Any:
    """Rebuild a fitted `CalibratedClassifierCV` written by `calibrated_to_state`."""
    from sklearn.calibration import CalibratedClassifierCV

    try:  # scikit-learn's own classes, so that predict_proba runs its code exactly
        from sklearn.calibration import _CalibratedClassifier, _SigmoidCalibration
    except ImportError as e:  # pragma: no cover - depends on the installed scikit-learn
        raise StateError(f"this scikit-learn cannot rebuild a calibrated classifier ({e})") from None

    need(get(meta, "type", str, where) == "CalibratedClassifierCV", f"{where}.type: not CalibratedClassifierCV")
    params = get(meta, "params", dict, where)
    need(params.get("method") == "sigmoid", f"{where}.params.method: only 'sigmoid' is supported")
    base = get(meta, "estimator", dict, where)
    base_name = get(base, "type", str, f"{where}.estimator")
    need(base_name in LINEAR, f"{where}.estimator.type: {base_name!r} is not a storable model")
    base_cls = LINEAR[base_name]
    unfitted = base_cls(**_params_from_state(base_cls, base.get("params"), f"{where}.estimator"))
    cv = params.get("cv")
    need(cv is None or (isinstance(cv, int) and not isinstance(cv, bool)), f"{where}.params.cv: expected an integer")
    need(isinstance(params.get("ensemble"), bool), f"{where}.params.ensemble: expected true or false")
    n_jobs = params.get("n_jobs")
    need(n_jobs is None or type(n_jobs) is int, f"{where}.params.n_jobs: expected an integer or null")
    model = CalibratedClassifierCV(unfitted, method="sigmoid", cv=cv, ensemble=params["ensemble"], n_jobs=n_jobs)
    classes = array(arrays, "classes_", "U", ndim=1)
    need(len(classes) >= 2 and len(set(classes.tolist())) == len(classes), f"{where}: classes_ not distinct")
    need(bool((classes[:-1] < classes[1:]).all()), f"{where}: classes_ not sorted")
    n_features = get(meta, "n_features_in_", int, where)
    members = get(meta, "calibrated", list, where)
    need(len(members) >= 1, f"{where}.calibrated: empty")
    rebuilt = []
    for i, member in enumerate(members):
        at = f"{where}.calibrated[{i}]"
        estimator = linear_from_state(
            get(member, "estimator", dict, at), unprefixed(f"calibrated.{i}.estimator", arrays), f"{at}.estimator"
        )
        need(estimator.n_features_in_ == n_features, f"{at}: {estimator.n_features_in_} features, not {n_features}")
        inner = np.asarray(estimator.classes_)
        need(inner.dtype.kind == "U" and set(inner.tolist()) <= set(classes.tolist()), f"{at}: unknown classes")
        count = get(member, "calibrators", int, at)
        need(count == (1 if len(inner) == 2 else len(inner)), f"{at}: {count} calibrators for {len(inner)} classes")
        a = array(arrays, f"calibrated.{i}.a", np.float64, shape=(count,), finite=True)
        b = array(arrays, f"calibrated.{i}.b", np.float64, shape=(count,), finite=True)
        calibrators = []
        for j in range(count):
            sigmoid = _SigmoidCalibration()
            sigmoid.a_, sigmoid.b_ = a[j], b[j]  # np.float64 scalars, as fit leaves them
            calibrators.append(sigmoid)
        rebuilt.append(_CalibratedClassifier(estimator, calibrators, classes=classes, method="sigmoid"))
    model.calibrated_classifiers_ = rebuilt
    model.classes_ = classes
    model.n_features_in_ = n_features
    return model


# ---------------------------------------------------------------- files


def write_arrays(path: str | Path, arrays: Mapping[str, np.ndarray], compression: int = zipfile.ZIP_STORED) -> None:
    """Write arrays as an `.npz` file (a zip of `.npy` members, stored uncompressed unless asked:
    loading is then a read), with no pickle: object arrays are refused. Members are in name order
    with a fixed date, so the same arrays give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name in sorted(arrays):
            a = np.asarray(arrays[name])
            if a.dtype.kind not in _DTYPE_KINDS or a.dtype.names is not None:
                raise StateError(f"array {name!r}: dtype {a.dtype} cannot be stored")
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, a, allow_pickle=False)


def read_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """Read an `.npz` file written by `write_arrays`: numeric, boolean and Unicode arrays only.

    Never unpickles: each member's `.npy` header is read and checked (dtype, size against the
    member's size and the limits) before its data, which is read as raw bytes."""
    out: dict[str, np.ndarray] = {}
    total = 0
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise StateError(f"not an array file (.npz): {e}") from None
    with zf:
        for info in zf.infolist():
            name = info.filename
            need(name.endswith(".npy") and len(name) > 4, f"unexpected member {name!r} (not .npy)")
            key = name[:-4]
            need(key not in out, f"member {name!r} twice")
            try:
                with zf.open(info) as f:
                    out[key] = _read_npy(f, name, info.file_size)
            except StateError:
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, SyntaxError, NotImplementedError) as e:
                raise StateError(f"member {name!r}: damaged ({type(e).__name__}: {e})") from None
            total += out[key].nbytes
            need(total <= MAX_TOTAL_BYTES, f"arrays larger than {MAX_TOTAL_BYTES} bytes")
    return out


def _read_npy(f: Any, name: str, member_size: int) -> np.ndarray:
    fmt = np.lib.format
    version = fmt.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = fmt.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = fmt.read_array_header_2_0(f)
    else:
        raise StateError(f"member {name!r}: .npy version {version} not supported")
    ok = dtype.kind in _DTYPE_KINDS and dtype.names is None and dtype.subdtype is None and not dtype.hasobject
    need(ok, f"member {name!r}: dtype {dtype} not allowed (numbers, booleans and strings only)")
    need(all(isinstance(n, int) and n >= 0 for n in shape), f"member {name!r}: bad shape {shape}")
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    need(nbytes <= MAX_ARRAY_BYTES, f"member {name!r}: {nbytes} bytes, more than {MAX_ARRAY_BYTES}")
    need(nbytes <= member_size, f"member {name!r}: shape {shape} needs {nbytes} bytes, the member has {member_size}")
    data = f.read(nbytes)
    need(len(data) == nbytes, f"member {name!r}: truncated ({len(data)} of {nbytes} bytes)")
    need(not f.read(1), f"member {name!r}: data after the array")
    a = np.frombuffer(bytearray(data), dtype=dtype, count=count)
    return a.reshape(shape[::-1]).transpose() if fortran else a.reshape(shape)


def dumps(meta: Any) -> str:
    """Metadata as JSON text (exact for floats; NaN and infinity refused)."""
    return json.dumps(meta, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


# ---------------------------------------------------------------- linear-chain CRF


def chain_to_state(model: Any) -> State:
    """A fitted `jobsections.chain.ChainCRF`: its parameters and its weights."""
    from jobsections.chain import ChainCRF

    need(type(model) is ChainCRF, f"expected a ChainCRF, got {type(model).__name__}")
    meta = {"type": "ChainCRF", "params": _params_to_state(model), "n_iter_": int(model.n_iter_)}
    names = ("classes_", "coef_", "intercept_", "transitions_")
    return meta, {name: getattr(model, name) for name in names}


def chain_from_state(meta: Any, arrays: Mapping[str, np.ndarray], where: str = "chain") -> Any:
    """Rebuild a fitted `ChainCRF` written by `chain_to_state`, checking the weights' shapes."""
    from jobsections.chain import ChainCRF

    need(get(meta, "type", str, where) == "ChainCRF", f"{where}.type: not ChainCRF")
    model = ChainCRF(**_params_from_state(ChainCRF, meta.get("params"), where))
    model.n_iter_ = get(meta, "n_iter_", int, where)
    model.classes_ = array(arrays, "classes_", ndim=1)
    k = len(model.classes_)
    need(k >= 2, f"{where}: fewer than two classes")
    model.coef_ = array(arrays, "coef_", np.float64, ndim=2, finite=True)
    need(model.coef_.shape[0] == k, f"{where}: coef_ has {model.coef_.shape[0]} rows for {k} classes")
    model.intercept_ = array(arrays, "intercept_", np.float64, shape=(k,), finite=True)
    model.transitions_ = array(arrays, "transitions_", np.float64, shape=(k, k), finite=True)
    model.n_features_in_ = model.coef_.shape[1]
    return model

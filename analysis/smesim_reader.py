"""Read smesim results files (HDF5, format 1.x; see docs/file-format.md) into pandas.

    import smesim_reader
    r = smesim_reader.load("results.h5")
    r.aggregates   # long DataFrame: point, rep, year, <one column per aggregate>
    r.panel        # DataFrame, columns in stored order
    r.decisions    # DataFrame, columns in stored order
    r.meta         # dict of /meta attributes (str / int)
    r.scenario     # resolved_parameters parsed with PyYAML, or None without PyYAML
                   # (the raw text is always in r.meta["resolved_parameters"])

    # Only what you need (a national panel is millions of rows): some columns, and the rows
    # whose integer columns have the given values, read range by range.
    smesim_reader.load("results.h5", panel=False, decisions=False)   # aggregates and meta
    smesim_reader.read_table("results.h5", "panel", columns=["firm", "L"],
                             where={"point": 0, "year": 2002})

    a = smesim_reader.arrays("sweep.h5")   # the further arrays of a sweep file (/meta `arrays`)
    a["summary/mean/sme_export_share"]     # numpy array [points, years]

Format 1.1 stores integer codes in int8/int16 and single-precision model values in float32; the
reader returns int32 and float64 columns for both 1.0 and 1.1 files (the same values and dtypes
as before), unless read_table(..., widen=False) asks for the stored types.

Command line: python3 smesim_reader.py results.h5   prints a summary.
Needs only h5py, numpy and pandas (PyYAML optional).
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

import h5py
import numpy as np
import pandas as pd

try:
    import yaml
except ImportError:  # PyYAML is optional
    yaml = None

FILETYPE = "smesim-results"


class Results(NamedTuple):
    meta: dict[str, Any]
    aggregates: pd.DataFrame
    panel: pd.DataFrame
    decisions: pd.DataFrame
    scenario: dict | None


def _value(v: Any) -> Any:
    """An attribute value as a plain Python str or number."""
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.generic):
        return v.item()
    return v


def _names(group: h5py.Group, attr: str) -> list[str]:
    text = _value(group.attrs[attr])
    return text.split(",") if text else []


def _widen(a: np.ndarray) -> np.ndarray:
    """Format 1.1's narrow stored types as format 1.0 held them: int32 and float64."""
    if a.dtype.kind in "iu" and a.dtype.itemsize < 4:
        return a.astype(np.int32)
    if a.dtype.kind == "f" and a.dtype.itemsize < 8:
        return a.astype(np.float64)
    return a


def _table(group: h5py.Group, columns: list[str] | None = None,
           ranges: list[tuple[int, int]] | None = None, widen: bool = True) -> pd.DataFrame:
    """The table's columns (all, or `columns` in stored order), whole or over row `ranges`."""
    stored = _names(group, "columns")
    if columns is not None:
        missing = [c for c in columns if c not in stored]
        if missing:
            raise KeyError(f"/{group.name.strip('/')} has no column {', '.join(missing)}")
        stored = [c for c in stored if c in columns]
    data = {}
    for c in stored:
        ds = group[c]
        if ranges is None:
            a = ds[()]
        elif ranges:
            a = np.concatenate([ds[lo:hi] for lo, hi in ranges])
        else:
            a = np.empty(0, dtype=ds.dtype)
        data[c] = _widen(a) if widen else a
    return pd.DataFrame(data, columns=stored)


def _check(f: h5py.File, path: str) -> dict[str, Any]:
    meta_group = f.get("meta")
    if meta_group is None or _value(meta_group.attrs.get("filetype", b"")) != FILETYPE:
        raise ValueError(f"{path}: not an smesim results file")
    meta = {k: _value(v) for k, v in meta_group.attrs.items()}
    if not str(meta.get("format_version", "")).startswith("1."):
        raise ValueError(f"{path}: unsupported format_version {meta.get('format_version')!r} "
                         "(this reader reads 1.x)")
    return meta


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The [start, stop) ranges of consecutive True values."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.view(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def row_ranges(mask: np.ndarray) -> list[tuple[int, int]]:
    """The [start, stop) row ranges where a boolean mask is True (for read_table's `ranges`)."""
    return _runs(np.asarray(mask, dtype=bool))


def read_table(path: str, table: str, columns: list[str] | None = None,
               where: dict[str, int] | None = None, widen: bool = True,
               ranges: list[tuple[int, int]] | None = None) -> pd.DataFrame:
    """Columns of /panel or /decisions (all, or `columns`), of the rows whose columns in `where`
    hold the given values (all rows without `where`), or of the given row `ranges`. Reads the
    `where` columns first, then the others only over the row ranges that match (rows of a point,
    replication and year are contiguous), so a year of a national panel costs that year's rows,
    not the table."""
    with h5py.File(path, "r") as f:
        _check(f, path)
        group = f[table]
        if where:
            stored = _names(group, "columns")
            for c in where:
                if c not in stored:
                    raise KeyError(f"/{table} has no column {c}")
            n = group[next(iter(where))].shape[0]
            mask = np.ones(n, dtype=bool)
            for c, value in where.items():
                mask &= group[c][()] == value
            ranges = _runs(mask)
        return _table(group, columns, ranges, widen)


def load(path: str, panel: bool = True, decisions: bool = True) -> Results:
    """The whole file; panel=False / decisions=False leave those tables empty (not read)."""
    with h5py.File(path, "r") as f:
        meta = _check(f, path)

        agg = f["aggregates"]
        years = agg["years"][()]
        points, reps = meta["points"], meta["reps"]
        index = pd.MultiIndex.from_product([range(points), range(reps), years],
                                           names=["point", "rep", "year"])
        aggregates = pd.DataFrame({n: agg[n][()].reshape(-1) for n in _names(agg, "names")},
                                  index=index).reset_index()
        panel = _table(f["panel"]) if panel else pd.DataFrame()
        decisions = _table(f["decisions"]) if decisions else pd.DataFrame()

    scenario = None
    if yaml is not None and meta.get("resolved_parameters"):
        scenario = yaml.safe_load(meta["resolved_parameters"])
    return Results(meta, aggregates, panel, decisions, scenario)


def arrays(path: str) -> dict[str, np.ndarray]:
    """The further float64 arrays listed in the /meta attribute `arrays` (sweep files:
    points/<parameter>, summary/<statistic>/<outcome>, effects/..., sweep/units), by path below
    the root, in the listed order. Empty for a single run."""
    with h5py.File(path, "r") as f:
        meta_group = f.get("meta")
        if meta_group is None or _value(meta_group.attrs.get("filetype", b"")) != FILETYPE:
            raise ValueError(f"{path}: not an smesim results file")
        listed = _names(meta_group, "arrays") if "arrays" in meta_group.attrs else []
        return {p.strip("/"): f[p][()] for p in listed}


def _summary(path: str) -> None:
    r = load(path)
    print(f"{path}: smesim results, format {r.meta['format_version']}")
    for key, value in r.meta.items():
        text = str(value)
        if "\n" in text.strip():
            text = f"<{len(text.splitlines())} lines>"
        print(f"  {key}: {text}")
    names = list(r.aggregates.columns[3:])
    print(f"aggregates: {', '.join(names) or '(none)'}; mean over points and reps by year:")
    if names and len(r.aggregates):
        print(r.aggregates.groupby("year")[names].mean().to_string())
    for name, table in (("panel", r.panel), ("decisions", r.decisions)):
        print(f"{name}: {len(table)} rows; columns: {', '.join(table.columns) or '(none)'}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 smesim_reader.py RESULTS.h5")
    _summary(sys.argv[1])

"""Read smesim results files (HDF5, format 1.x; see docs/file-format.md) into pandas.

    import smesim_reader
    r = smesim_reader.load("results.h5")
    r.aggregates   # long DataFrame: point, rep, year, <one column per aggregate>
    r.panel        # DataFrame, columns in stored order
    r.decisions    # DataFrame, columns in stored order
    r.meta         # dict of /meta attributes (str / int)
    r.scenario     # resolved_parameters parsed with PyYAML, or None without PyYAML
                   # (the raw text is always in r.meta["resolved_parameters"])

    a = smesim_reader.arrays("sweep.h5")   # the further arrays of a sweep file (/meta `arrays`)
    a["summary/mean/sme_export_share"]     # numpy array [points, years]

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


def _table(group: h5py.Group) -> pd.DataFrame:
    columns = _names(group, "columns")
    return pd.DataFrame({c: group[c][()] for c in columns}, columns=columns)


def load(path: str) -> Results:
    with h5py.File(path, "r") as f:
        meta_group = f.get("meta")
        if meta_group is None or _value(meta_group.attrs.get("filetype", b"")) != FILETYPE:
            raise ValueError(f"{path}: not an smesim results file")
        meta = {k: _value(v) for k, v in meta_group.attrs.items()}
        if not str(meta.get("format_version", "")).startswith("1."):
            raise ValueError(f"{path}: unsupported format_version {meta.get('format_version')!r}")

        agg = f["aggregates"]
        years = agg["years"][()]
        points, reps = meta["points"], meta["reps"]
        index = pd.MultiIndex.from_product([range(points), range(reps), years],
                                           names=["point", "rep", "year"])
        aggregates = pd.DataFrame({n: agg[n][()].reshape(-1) for n in _names(agg, "names")},
                                  index=index).reset_index()
        panel = _table(f["panel"])
        decisions = _table(f["decisions"])

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

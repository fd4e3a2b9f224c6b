"""Checks a report of `smesim report` and the Python reader against the results file, using
h5py and numpy directly (not the reader nor the report module). Run by tests/test_report.cpp.

    python3 tests/report_check.py report RESULTS.h5 DIR [--smesim BIN] [--expect a,b,...]
    python3 tests/report_check.py reader RESULTS.h5

report: every <img> of DIR/index.html is a PNG file in DIR that decodes, every PNG in DIR is
shown, every figure has a caption, an entry in figures.json with a title, axis labels with units
and a legend (or colour bar); the page names the scenario file, seed, version and commit; every
table cell that holds a number carries a data-ref, and the number equals the value that the
data-ref designates, recomputed from the HDF5 file, to the printed precision (at least 6
significant digits). A cell without a data-ref holds no digit.
reader: smesim_reader.load and .arrays return exactly the datasets and attributes of the file.
Exit code 0 when everything holds, 1 with the list of failures otherwise.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import h5py
import numpy as np

REGIONS = ["north_america", "europe", "nies", "asean", "china", "others"]
NUMBER = re.compile(r"^-?[0-9][0-9,]*(\.[0-9]+)?(e[+-][0-9]+)?$")


class Page(HTMLParser):
    """The parts of index.html that the checks need."""

    def __init__(self):
        super().__init__()
        self.images, self.figures, self.cells, self.text = [], [], [], []
        self._cell = None
        self._caption = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
            if self.figures and self.figures[-1]["open"]:
                self.figures[-1]["img"] = a
        elif tag == "figure":
            self.figures.append({"open": True, "img": None, "caption": ""})
        elif tag == "figcaption":
            self._caption = ""
        elif tag == "td":
            self._cell = {"attrs": a, "text": ""}

    def handle_endtag(self, tag):
        if tag == "figure" and self.figures:
            self.figures[-1]["open"] = False
        elif tag == "figcaption" and self._caption is not None:
            if self.figures:
                self.figures[-1]["caption"] = self._caption.strip()
            self._caption = None
        elif tag == "td" and self._cell is not None:
            self._cell["text"] = self._cell["text"].strip()
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"] += data
        if self._caption is not None:
            self._caption += data


def widen(a):
    """Format 1.1's narrow stored types as 1.0 held them: int32 and float64."""
    if a.dtype.kind in "iu" and a.dtype.itemsize < 4:
        return a.astype(np.int32)
    if a.dtype.kind == "f" and a.dtype.itemsize < 8:
        return a.astype(np.float64)
    return a


def plain(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.generic):
        return v.item()
    return v


class Evaluator:
    """The value a data-ref designates, computed from the HDF5 file."""

    def __init__(self, f: h5py.File, path: str, smesim: str | None):
        self.f, self.path, self.smesim = f, path, smesim
        self.years = f["aggregates/years"][()]
        self.tables = {}
        self.sobol = {}
        self.fit = {}

    def year(self, y):
        idx = np.nonzero(self.years == y)[0]
        if len(idx) != 1:
            raise KeyError(f"year {y} not in /aggregates/years")
        return int(idx[0])

    def table(self, name):
        if name not in self.tables:
            g = self.f[name]
            cols = [c for c in plain(g.attrs["columns"]).split(",") if c]
            # Sums and means in float64 whatever the stored type (format 1.1 stores the model's
            # single-precision values as float32; 1.0 files held them as float64).
            t = {c: widen(g[c][()]) for c in cols}
            if name == "panel":
                modes = np.vstack([t[f"mode_{r}"] for r in REGIONS])
                t["international"] = (modes > 0).any(axis=0).astype(int)
                t["status"] = modes.max(axis=0)
            self.tables[name] = t
        return self.tables[name]

    def rows(self, name, where):
        t = self.table(name)
        n = len(next(iter(t.values())))
        mask = np.ones(n, dtype=bool)
        for col, value in where.items():
            mask &= t[col] == value
        return t, mask

    def __call__(self, ref):
        v = self.value(ref)
        if "scale" in ref:
            v = v * ref["scale"]
        return v

    def value(self, ref):
        f, op = self.f, ref["op"]
        if op == "attr":
            return plain(f["meta"].attrs[ref["name"]])
        if op == "index":
            return float(f[ref["ds"]][()][ref["index"]])
        if op == "at":
            a = f[ref["ds"]][()]
            return float(a[ref["point"], self.year(ref["year"])] if "year" in ref
                         else a[ref["point"]])
        if op == "repmean":
            return float(np.mean(f[ref["ds"]][ref["point"], :, self.year(ref["year"])]))
        if op == "reptotal":  # total over years, mean over replications
            a = f[ref["ds"]][ref["point"]]
            return float(np.sum(a) / a.shape[0])
        if op == "pulled":
            fm = f["aggregates/first_moves"][ref["point"]]
            share = f["aggregates/first_moves_pulled_share"][ref["point"]]
            pulled = np.where(fm > 0, fm * share, 0.0)
            return float(pulled.sum() / fm.sum()) if fm.sum() > 0 else math.nan
        if op == "count":
            return float(self.rows(ref["table"], ref["where"])[1].sum())
        if op == "share":
            t, mask = self.rows(ref["table"], ref["where"])
            sub = mask.copy()
            for col, value in ref["of"].items():
                sub &= t[col] == value
            return float(sub.sum() / mask.sum()) if mask.sum() else math.nan
        if op == "mean":
            t, mask = self.rows(ref["table"], ref["where"])
            return float(np.mean(t[ref["col"]][mask])) if mask.any() else math.nan
        if op == "keiretsu":
            t, alive = self.rows("panel", {"point": ref["point"], "rep": ref["rep"],
                                           "year": ref["year"], "alive": 1})
            head = ref["head"]
            if ref["tier"] == 0:
                members = alive & (t["firm"] == head) & (t["tier"] == 0)
            else:
                tier1 = alive & (t["tier"] == 1) & (t["customer"] == head)
                if ref["tier"] == 1:
                    members = tier1
                else:
                    members = alive & (t["tier"] == 2) & np.isin(t["customer"], t["firm"][tier1])
            if "status" in ref:
                members &= t["status"] == ref["status"]
            return float(members.sum())
        if op == "fit":
            if ref["point"] not in self.fit:
                if not self.smesim:
                    raise KeyError("a fit cell needs --smesim")
                import tempfile
                with tempfile.TemporaryDirectory() as tmp:
                    out = os.path.join(tmp, "fit.csv")
                    subprocess.run([self.smesim, "fit", self.path, "--point",
                                    str(ref["point"]), "-o", out], capture_output=True,
                                   text=True, check=True)
                    with open(out, encoding="utf-8", newline="") as fh:
                        self.fit[ref["point"]] = {(r["series"], int(r["year"])): r
                                                  for r in csv.DictReader(fh)}
            v = self.fit[ref["point"]][(ref["series"], ref["year"])][ref["field"]]
            if ref["field"] in ("status", "in_objective"):
                return v
            return float(v) if v else math.nan
        if op == "sobol":
            key = (ref["outcome"], ref["year"])
            if key not in self.sobol:
                if not self.smesim:
                    raise KeyError("a sobol cell needs --smesim")
                out = subprocess.run([self.smesim, "sensitivity", self.path, "--outcome",
                                      ref["outcome"], "--year", str(ref["year"]), "--format",
                                      "csv"], capture_output=True, text=True, check=True)
                self.sobol[key] = {r["parameter"]: r
                                   for r in csv.DictReader(io.StringIO(out.stdout))}
            return float(self.sobol[key][ref["parameter"]][ref["field"]])
        if op in ("hindcast", "hindcast_score"):  # a row of smesim hindcast's CSVs
            with open(ref["file"], encoding="utf-8", newline="") as fh:
                for r in csv.DictReader(fh):
                    if r["series"] == ref["series"] and (op == "hindcast_score" or
                                                         int(r["year"]) == ref["year"]):
                        v = r[ref["field"]]
                        return float(v) if v else math.nan
            raise KeyError(f"no row {ref['series']} in {ref['file']}")
        raise KeyError(f"unknown op {op!r}")


def unit_of_last_digit(text: str) -> float:
    m = re.match(r"^-?[0-9,]*(?:\.([0-9]+))?(?:e([+-][0-9]+))?$", text)
    decimals = len(m.group(1) or "")
    exponent = int(m.group(2) or 0)
    return 10.0 ** (exponent - decimals)


def same_number(text: str, expected: float) -> bool:
    if text == "n/a":
        return expected is None or (isinstance(expected, float) and math.isnan(expected))
    if not NUMBER.match(text):
        return False
    shown = float(text.replace(",", ""))
    if not math.isfinite(expected):
        return False
    err = abs(shown - expected)
    rounding = 0.5 * unit_of_last_digit(text) * (1 + 1e-9) + 1e-300
    precise = err <= 5e-6 * abs(expected) * (1 + 1e-9) or err <= 0.5
    return err <= rounding and precise


def check_png(path: str) -> str | None:
    from PIL import Image  # python3-pil (a dependency of python3-matplotlib)

    try:
        with open(path, "rb") as fh:
            if fh.read(8) != b"\x89PNG\r\n\x1a\n":
                return "not a PNG file"
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            im.load()
            if im.width < 10 or im.height < 10:
                return f"image too small ({im.width}x{im.height})"
    except Exception as e:  # noqa: BLE001 - any decoding failure is a broken image
        return f"does not decode: {e}"
    return None


def check_report(results: str, outdir: str, smesim: str | None, expect: list[str]) -> list[str]:
    errors = []
    index = os.path.join(outdir, "index.html")
    page = Page()
    with open(index, encoding="utf-8") as fh:
        page.feed(fh.read())
    with open(os.path.join(outdir, "figures.json"), encoding="utf-8") as fh:
        manifest = {m["file"]: m for m in json.load(fh)}

    # Figures.
    shown = set()
    for im in page.images:
        src = im.get("src", "")
        if not src or "/" in src or src.startswith("."):
            errors.append(f"image source {src!r} is not a file beside index.html")
            continue
        shown.add(src)
        if not (im.get("alt") or "").strip():
            errors.append(f"{src}: no alt text")
        if not os.path.isfile(os.path.join(outdir, src)):
            errors.append(f"{src}: file missing")
            continue
        problem = check_png(os.path.join(outdir, src))
        if problem:
            errors.append(f"{src}: {problem}")
        m = manifest.get(src)
        if m is None:
            errors.append(f"{src}: not in figures.json")
            continue
        if not m["title"].strip():
            errors.append(f"{src}: no title")
        if not (m["legend"] or any(m["colorbars"])):
            errors.append(f"{src}: no legend")
        for ax in m["axes"]:
            for key in ("xlabel", "ylabel"):
                if not re.search(r"\(.+\)$", ax[key]):
                    errors.append(f"{src}: {key} {ax[key]!r} without unit")
    for fig in page.figures:
        if fig["img"] is None:
            errors.append("a <figure> without image")
        elif not fig["caption"].endswith("."):
            errors.append(f"{fig['img'].get('src')}: caption is not a sentence: "
                          f"{fig['caption']!r}")
    on_disk = {x for x in os.listdir(outdir) if x.endswith(".png")}
    for x in sorted(on_disk - shown):
        errors.append(f"{x}: in the directory but not shown in the page")
    for name in expect:
        if f"{name}.png" not in shown:
            errors.append(f"expected figure {name}.png is not in the page")

    # Tables.
    checked = 0
    with h5py.File(results, "r") as f:
        meta = {k: plain(v) for k, v in f["meta"].attrs.items()}
        text = "".join(page.text)
        for key in ("scenario_file", "seed", "smesim_version", "git_commit"):
            if str(meta[key]) not in text:
                errors.append(f"the page does not state {key} ({meta[key]})")
        evaluate = Evaluator(f, results, smesim)
        for cell in page.cells:
            ref, shown_text = cell["attrs"].get("data-ref"), cell["text"]
            if ref is None:
                if re.search(r"[0-9]", shown_text):
                    errors.append(f"table cell {shown_text!r} has a number but no data-ref")
                continue
            ref = json.loads(ref)
            try:
                expected = evaluate(ref)
            except Exception as e:  # noqa: BLE001
                errors.append(f"cell {shown_text!r}: data-ref {ref} cannot be evaluated: {e}")
                continue
            if isinstance(expected, str):
                ok = shown_text == expected
            elif isinstance(expected, int):  # an integer attribute (seed, points, reps): exact
                ok = shown_text.replace(",", "") == str(expected)
            else:
                ok = same_number(shown_text, expected)
            if not ok:
                errors.append(f"cell {shown_text!r} != {expected!r} from the file ({ref})")
            checked += 1
    if checked == 0:
        errors.append("no table cell was checked")
    if not errors:
        print(f"report ok: {len(shown)} figures decoded and labelled, {checked} table cells "
              f"equal the values in {results}")
    return errors


def check_reader(results: str) -> list[str]:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                    "analysis"))
    import smesim_reader
    import yaml

    errors = []
    r = smesim_reader.load(results)
    arrays = smesim_reader.arrays(results)
    with h5py.File(results, "r") as f:
        attrs = {k: plain(v) for k, v in f["meta"].attrs.items()}
        if r.meta != attrs:
            errors.append("meta differs from the /meta attributes")
        P, R = int(attrs["points"]), int(attrs["reps"])
        years = f["aggregates/years"][()]
        Y = len(years)
        names = [n for n in plain(f["aggregates"].attrs["names"]).split(",") if n]
        a = r.aggregates
        if list(a.columns) != ["point", "rep", "year"] + names:
            errors.append(f"aggregate columns {list(a.columns)}")
        if len(a) != P * R * Y:
            errors.append(f"aggregates have {len(a)} rows, expected {P * R * Y}")
        else:
            for col, want in (("point", np.repeat(np.arange(P), R * Y)),
                              ("rep", np.tile(np.repeat(np.arange(R), Y), P)),
                              ("year", np.tile(years, P * R))):
                if not np.array_equal(a[col].to_numpy(), want):
                    errors.append(f"aggregates column {col} differs")
            for n in names:
                if not np.array_equal(a[n].to_numpy().reshape(P, R, Y), f["aggregates"][n][()],
                                      equal_nan=True):
                    errors.append(f"aggregate {n} differs from /aggregates/{n}")
        for group, df in (("panel", r.panel), ("decisions", r.decisions)):
            cols = [c for c in plain(f[group].attrs["columns"]).split(",") if c]
            if list(df.columns) != cols:
                errors.append(f"{group} columns {list(df.columns)} != {cols}")
                continue
            for c in cols:
                ds = f[group][c][()]
                # Format 1.1's narrow stored types come back as 1.0's int32 / float64.
                wide = (np.dtype(np.int32) if ds.dtype.kind in "iu" and ds.dtype.itemsize < 4
                        else np.dtype(np.float64) if ds.dtype.kind == "f" else ds.dtype)
                if df[c].dtype != wide or not np.array_equal(df[c].to_numpy(),
                                                             ds.astype(wide), equal_nan=True):
                    errors.append(f"{group}/{c} differs")
        if r.scenario != yaml.safe_load(attrs["resolved_parameters"]) or \
                not isinstance(r.scenario, dict):
            errors.append("scenario differs from the resolved parameters")
        listed = [p.strip("/") for p in str(attrs.get("arrays", "")).split(",") if p]
        if list(arrays) != listed:
            errors.append("arrays() keys differ from the /meta arrays list")
        for p in listed:
            if not np.array_equal(arrays.get(p), f[p][()], equal_nan=True):
                errors.append(f"array {p} differs")
        if not errors:
            print(f"reader ok: {len(names)} aggregates x {P * R * Y} rows, panel "
                  f"{len(r.panel)} rows, decisions {len(r.decisions)} rows, {len(arrays)} "
                  "arrays equal the datasets")
    return errors


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["report", "reader"])
    ap.add_argument("results")
    ap.add_argument("outdir", nargs="?")
    ap.add_argument("--smesim")
    ap.add_argument("--expect", default="")
    a = ap.parse_args()
    if a.mode == "report":
        errors = check_report(a.results, a.outdir, a.smesim,
                              [x for x in a.expect.split(",") if x])
    else:
        errors = check_reader(a.results)
    for e in errors:
        print(f"FAIL: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

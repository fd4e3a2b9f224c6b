"""smesim report: a self-contained HTML report of a results file (docs/reports.md).

    python3 analysis/smesim_report.py RESULTS.h5 -o DIR [--year Y] [--point P] [--head ID]
                                      [--outcomes a,b,...] [--smesim PATH]
                                      [--hindcast HINDCAST.csv]
    python3 analysis/smesim_report.py HINDCAST.csv -o DIR     # the hindcast page alone

writes DIR/index.html with its figures as PNG files beside it (and DIR/figures.json, a list of
the figures with their titles and axis labels). The page opens in any browser without a server.
`smesim report` runs this module with a Python that has h5py, pandas and matplotlib.

From Python: make_report(path, outdir, ...) writes the same report; load and arrays are the
reader's (smesim_reader.load: DataFrames of aggregates, panel and decisions, the resolved
scenario as a dict; smesim_reader.arrays: a sweep's further arrays).

Every number in the page's tables carries, in its `data-ref` attribute, where it comes from in the
HDF5 file (tests/report_check.py recomputes each one from the file with h5py). Exit codes: 0 ok,
2 bad input (not a results file, a --year or --head that is not there), 1 anything else.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smesim_reader  # noqa: E402

load, arrays = smesim_reader.load, smesim_reader.arrays  # the reader, for Python users

# Results files name their regions in /meta (declared once in model/params.hpp); these lists are
# only the fallback for files written before that.
REGIONS = ["north_america", "europe", "nies", "asean", "china", "others"]
REGION_LABELS = ["North America", "Europe", "NIEs", "ASEAN", "China", "others"]
SOURCES = [("invitation", "invitation by a customer (pull)"),
           ("referral", "referral by peers, customers, ties"),
           ("search", "own search (push)"),
           ("jetro", "JETRO matchmaking")]
# (decision-log code, aggregate suffix, label), in funnel order.
OUTCOMES = [(0, "taken", "taken"), (2, "finance", "blocked by finance"),
            (3, "staff", "blocked by staff"), (1, "declined", "declined"),
            (4, "superseded", "superseded by a better candidate")]
TRAITS = [("rho", "risk aversion ρ (0-1 scale)"),
          ("experience", "international experience (years)"),
          ("ell", "language skill (0-1 scale)"),
          ("proactivity", "proactivity (0-1 scale)")]
STATUS = [(0, "not international", "#a0a0a0"), (1, "exporting", "#1f77b4"),
          (2, "overseas production (FDI)", "#d62728")]
TIERS = [(0, "head"), (1, "tier 1"), (2, "tier 2")]
DEFAULT_OUTCOMES = ["sme_international_share", "sme_fdi_share", "employment",
                    "domestic_production"]


class InputError(Exception):
    """Bad input: exit code 2."""


LABELS = {"sme_international_share": "SMEs active abroad",
          "sme_export_share": "SMEs exporting", "sme_fdi_share": "SMEs producing abroad",
          "le_fdi_share": "LEs producing abroad", "le_export_share": "LEs exporting",
          "sme_output_share": "SME share of output",
          "sme_employment_share": "SME share of employment"}


def describe(name: str) -> tuple[str, str, float]:
    """An aggregate's label, unit and the factor from the file's unit to the unit shown."""
    if name in LABELS:
        return LABELS[name], "fraction", 1.0
    if name == "domestic_production":
        return "domestic production", "trillion yen", 1e-6
    if name == "employment":
        return "employment", "thousand employees", 1e-3
    if name.startswith("policy_spend"):
        return name.replace("_", " "), "million yen per year", 1.0
    if name in ("fx",):
        return "exchange rate", "yen per dollar", 1.0
    if name.endswith("_share") or "_share_" in name or name == "fta_coverage":
        return name.replace("_", " "), "fraction", 1.0
    if name in ("firms", "smes", "les", "affiliates"):
        return name.replace("_", " "), "count", 1.0
    return name.replace("_", " "), "per year", 1.0


def fmt(v) -> str:
    """A number as printed in the tables: integers as they are (thousands separators from
    10,000), other values below 1e5 to 6 significant digits, larger ones rounded to an integer;
    n/a for NaN."""
    v = float(v)
    if not np.isfinite(v):
        return "n/a"
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}" if abs(v) >= 1e4 else str(int(v))
    if abs(v) >= 1e5:
        return f"{v:,.0f}"
    return f"{v:.6g}"


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def ref_cell(value, ref) -> str:
    """A table cell with its data-ref: a number (class num) or a verified text (class text)."""
    text = value if isinstance(value, str) else fmt(value)
    cls = "text" if isinstance(value, str) else "num"
    return f'<td class="{cls}" data-ref="{esc(json.dumps(ref))}">{esc(text)}</td>'


# ---------------------------------------------------------------------------------------------
# The results file


def _names(meta, attr: str, fallback: list[str]) -> list[str]:
    """A comma-separated /meta name list, or `fallback` for a file without it."""
    text = str(meta.get(attr, ""))
    return [x for x in text.split(",") if x] or list(fallback)


# The panel columns the report reads (traits and keiretsu figures and tables; and mode_<region>).
PANEL_COLUMNS = (["point", "rep", "year", "firm", "tier", "customer", "D_lf", "alive", "L"] +
                 [c for c, _ in TRAITS])


class Data:
    """A results file: aggregates as [points, reps, years] cubes, the panel's index columns
    (panel_rows() reads a selection), the decision log's counting columns, arrays."""

    def __init__(self, path: str):
        self.path = path
        self._panel_cache: dict = {}
        try:
            # The tables are read column by column, only what the report shows: the panel's
            # point/rep/year here, a year's rows of the columns below in panel_rows().
            r = smesim_reader.load(path, panel=False, decisions=False)
            self.arrays = smesim_reader.arrays(path)
            self.panel_index = self._read("panel", ["point", "rep", "year"])
            self.decisions = self._read("decisions", ["point", "rep", "source", "outcome"])
        except (OSError, ValueError, KeyError) as e:
            raise InputError(f"cannot read '{path}': {e}") from e
        self.path, self.meta, self.scenario = path, r.meta, r.scenario
        self.points, self.reps = int(r.meta["points"]), int(r.meta["reps"])
        agg = r.aggregates
        self.years = agg["year"].to_numpy()[: len(agg) // max(1, self.points * self.reps)]
        shape = (self.points, self.reps, len(self.years))
        self.cube = {n: agg[n].to_numpy().reshape(shape) for n in agg.columns[3:]}
        self.factors = [f for f in str(r.meta.get("sweep_factors", "")).split(",") if f]
        self.roles = [x for x in str(r.meta.get("sweep_roles", "")).split(",") if x]
        self.is_sweep = bool(self.factors)
        self.reference = int(r.meta["sweep_reference"]) if self.is_sweep else None
        self.design = str(r.meta.get("sweep_design", "")) if self.is_sweep else "run"
        self.saltelli = int(r.meta.get("sweep_saltelli_base", 0) or 0)
        # The Student-t factor of the 95% intervals, as the simulator computed it (Boost.Math);
        # files written before it was recorded draw no bands.
        self.t_quantile = float(r.meta.get("ci95_t_quantile", "nan") or "nan")
        self.regions = _names(r.meta, "regions", REGIONS)
        self.region_labels = _names(r.meta, "region_labels", REGION_LABELS)
        self.industries = _names(r.meta, "industries", [])
        first, last = r.meta.get("survey_first_year"), r.meta.get("survey_last_year")
        self.survey = (int(first), int(last)) if first is not None and last is not None else None

    def _read(self, table: str, columns: list[str], where: dict | None = None) -> pd.DataFrame:
        """Those columns of the table (an empty frame when it lacks them: not kept)."""
        with smesim_reader.h5py.File(self.path, "r") as f:
            stored = smesim_reader._names(f[table], "columns")
        if not all(c in stored for c in columns):
            return pd.DataFrame(columns=columns)
        return smesim_reader.read_table(self.path, table, columns, where)

    def panel_rows(self, where: dict) -> pd.DataFrame:
        """The panel's rows of a point and a year (and a replication), in the columns the
        figures use (with every region's mode): found in panel_index, read range by range once
        per point and year."""
        key = (where["point"], where["year"])
        if key not in self._panel_cache:
            with smesim_reader.h5py.File(self.path, "r") as f:
                stored = smesim_reader._names(f["panel"], "columns")
            columns = PANEL_COLUMNS + [c for c in stored if c.startswith("mode_")]
            if not all(c in stored for c in columns):
                rows = pd.DataFrame(columns=columns)
            else:
                index = self.panel_index
                mask = ((index["point"] == key[0]) & (index["year"] == key[1])).to_numpy()
                rows = smesim_reader.read_table(self.path, "panel", columns,
                                                ranges=smesim_reader.row_ranges(mask))
            self._panel_cache = {key: rows}  # one selection at a time
        rows = self._panel_cache[key]
        if "rep" in where:
            rows = rows[rows["rep"] == where["rep"]]
        return rows

    def name(self) -> str:
        """The sweep's name (from its file) or the scenario's, else the file name."""
        text = self.meta.get("sweep_yaml", "") if self.is_sweep else ""
        if text and smesim_reader.yaml is not None:
            try:
                doc = smesim_reader.yaml.safe_load(text)
                if isinstance(doc, dict) and doc.get("name"):
                    return str(doc["name"])
            except smesim_reader.yaml.YAMLError:
                pass
        if isinstance(self.scenario, dict) and self.scenario.get("name"):
            return str(self.scenario["name"])
        return os.path.basename(self.path)

    def has(self, name: str) -> bool:
        return name in self.cube

    def year_index(self, year: int) -> int:
        return int(np.nonzero(self.years == year)[0][0])

    def stat(self, name: str, point: int):
        """Mean over replications and its 95% Student-t interval, per year, with the data-ref
        of a year's mean. A sweep file's own summaries are used when present."""
        key = f"summary/mean/{name}"
        if key in self.arrays:
            mean = self.arrays[key][point]
            lo = self.arrays[f"summary/ci95_low/{name}"][point]
            hi = self.arrays[f"summary/ci95_high/{name}"][point]
            return mean, lo, hi, lambda y: {"op": "at", "ds": key, "point": point, "year": int(y)}
        values = self.cube[name][point]
        mean = values.mean(axis=0)
        if self.reps > 1:
            half = self.t_quantile * values.std(axis=0, ddof=1) / np.sqrt(self.reps)
        else:
            half = np.full_like(mean, np.nan)
        return mean, mean - half, mean + half, lambda y: {
            "op": "repmean", "ds": f"aggregates/{name}", "point": point, "year": int(y)}


# ---------------------------------------------------------------------------------------------
# The page


class Page:
    """Collects the sections, figures and tables of the report and writes them."""

    def __init__(self, outdir: str):
        self.outdir = outdir
        self.parts: list[str] = []
        self.toc: list[tuple[str, str]] = []
        self.figures: list[dict] = []

    def section(self, anchor: str, title: str, intro: str) -> None:
        self.toc.append((anchor, title))
        self.parts.append(f'<h2 id="{anchor}">{esc(title)}</h2>\n<p>{esc(intro)}</p>')

    def note(self, text: str) -> None:
        self.parts.append(f'<p class="note">{esc(text)}</p>')

    def figure(self, fig, name: str, caption: str) -> None:
        """Checks that the figure is labelled, saves it as DIR/<name>.png and adds it."""
        info = check_labels(fig, name)
        info.update(file=f"{name}.png", caption=caption)
        fig.savefig(os.path.join(self.outdir, info["file"]), dpi=100)
        plt.close(fig)
        self.figures.append(info)
        self.parts.append(
            f'<figure><img src="{esc(info["file"])}" alt="{esc(info["title"])}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")

    def table(self, title: str, sentence: str, header: list[str], rows: list[list]) -> None:
        """rows: lists of cells; a str is a row label (th), a (value, ref) pair a number (td
        with its data-ref), a (text, ref) pair with a str text a verified text cell."""
        out = [f"<table><caption><b>{esc(title)}.</b> {esc(sentence)}</caption>",
               "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead>",
               "<tbody>"]
        for row in rows:
            cells = []
            for c in row:
                if isinstance(c, tuple):
                    cells.append(ref_cell(*c))
                else:
                    cells.append(f'<th scope="row">{esc(c)}</th>')
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        self.parts.append("\n".join(out))

    def raw(self, text: str) -> None:
        self.parts.append(text)

    def write(self, title: str, header_html: str, footer_html: str) -> str:
        toc = "".join(f'<li><a href="#{a}">{esc(t)}</a></li>' for a, t in self.toc)
        page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>
body {{ font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }}
h1 {{ font-size: 1.6em; }} h2 {{ border-bottom: 1px solid #ccc; margin-top: 2em; }}
figure {{ margin: 1.5em 0; }}
figure img {{ max-width: 100%; height: auto; border: 1px solid #eee; }}
figcaption, caption {{ font-size: 0.92em; color: #444; text-align: left; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
caption {{ caption-side: top; padding-bottom: 0.4em; }}
th, td {{ border: 1px solid #ddd; padding: 0.2em 0.6em; }}
thead th {{ background: #f4f4f4; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
th[scope=row] {{ text-align: left; font-weight: normal; background: #fafafa; }}
.note {{ color: #8a5a00; }} pre {{ background: #f7f7f7; padding: 0.8em; overflow-x: auto; }}
</style>
</head>
<body>
<h1>{esc(title)}</h1>
{header_html}
<nav><ol>{toc}</ol></nav>
{chr(10).join(self.parts)}
{footer_html}
</body>
</html>
"""
        path = os.path.join(self.outdir, "index.html")
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
        with open(os.path.join(self.outdir, "figures.json"), "w", encoding="utf-8") as f:
            json.dump(self.figures, f, indent=1, ensure_ascii=False)
        return path


def check_labels(fig, name: str) -> dict:
    """Every figure has a title, labelled axes with units (in parentheses) and a legend (or a
    colour bar); returns the figure's titles and labels."""
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
    axes, colorbars = [], []
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            colorbars.append(ax.get_ylabel() or ax.get_xlabel())
            continue
        if not ax.axison:
            continue
        entry = {"title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel()}
        for key in ("xlabel", "ylabel"):
            if "(" not in entry[key] or not entry[key].endswith(")"):
                raise AssertionError(f"figure {name}: {key} {entry[key]!r} has no unit")
        if not (suptitle or entry["title"]):
            raise AssertionError(f"figure {name}: an axes has no title")
        axes.append(entry)
    legend = bool(fig.legends) or any(ax.get_legend() is not None for ax in fig.axes)
    if not axes or not (legend or any(colorbars)):
        raise AssertionError(f"figure {name}: no axes or no legend")
    return {"title": suptitle or axes[0]["title"], "axes": axes, "legend": legend,
            "colorbars": colorbars}


def band_legend(reps: int) -> list:
    if reps > 1:
        return [Patch(facecolor="grey", alpha=0.25,
                      label=f"95% interval of the mean ({reps} replications)")]
    return []


def plot_series(ax, d: Data, point: int, names: list[tuple[str, str]], scale: float = 1.0,
                colors=None) -> None:
    """Lines of the replication mean with their 95% bands."""
    for k, (name, label) in enumerate(names):
        if not d.has(name):
            continue
        mean, lo, hi, _ = d.stat(name, point)
        (line,) = ax.plot(d.years, mean * scale, label=label,
                          color=None if colors is None else colors[k])
        if d.reps > 1:
            ax.fill_between(d.years, lo * scale, hi * scale, color=line.get_color(), alpha=0.2,
                            linewidth=0)
    ax.grid(alpha=0.3)


def legend(ax, reps: int, **kw) -> None:
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + band_legend(reps), fontsize=8, **kw)


def key_years(years: np.ndarray) -> list[int]:
    first, last = int(years[0]), int(years[-1])
    return sorted({first, last} | {y for y in (1995, 2002, 2010, 2020) if first < y < last})


# ---------------------------------------------------------------------------------------------
# Sections


def time_series(page: Page, d: Data, p: int, where: str) -> None:
    page.section("series", "Time series",
                 f"Yearly aggregates {where}: lines are the mean over replications, shaded bands "
                 "the 95% interval of that mean (Student t).")
    n = f"{d.reps} replication(s)"

    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    plot_series(ax, d, p, [("sme_export_share", "SMEs exporting"),
                           ("sme_fdi_share", "SMEs with overseas production"),
                           ("le_fdi_share", "LEs with overseas production")])
    ax.set(title="Internationalization of SMEs and large enterprises", xlabel="year (calendar)",
           ylabel="share of firms (fraction)")
    legend(ax, d.reps, loc="upper left")
    page.figure(fig, "internationalization",
                "Share of SMEs that export and that produce abroad, and of large enterprises "
                f"that produce abroad, each year ({n}).")

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True, layout="constrained")
    for ax, kind, title in ((axes[0], "export", "SMEs exporting, by region"),
                            (axes[1], "fdi", "SMEs with overseas production, by region")):
        plot_series(ax, d, p, [(f"sme_{kind}_share_{r}", lab)
                               for r, lab in zip(d.regions, d.region_labels)])
        ax.set(title=title, xlabel="year (calendar)", ylabel="share of all SMEs (fraction)")
    legend(axes[0], d.reps, loc="upper left")
    page.figure(fig, "regions",
                "Share of all SMEs that export to (left) or produce in (right) each region; a "
                "firm active in several regions counts in each.")

    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    plot_series(ax, d, p, [("sme_output_share", "SME share of domestic output"),
                           ("sme_employment_share", "SME share of employment")])
    ax.set(title="Weight of SMEs in Japanese manufacturing", xlabel="year (calendar)",
           ylabel="SME share of the total (fraction)")
    legend(ax, d.reps, loc="best")
    page.figure(fig, "sme_shares",
                "SMEs' share of domestic production and of employment among all firms alive at "
                "the end of each year.")

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    plot_series(axes[0], d, p, [("domestic_production", "domestic production")], scale=1e-6)
    axes[0].set(title="Domestic production", xlabel="year (calendar)",
                ylabel="domestic production (trillion yen)")
    plot_series(axes[1], d, p, [("employment", "domestic employment")], scale=1e-3,
                colors=["#2ca02c"])
    axes[1].set(title="Domestic employment", xlabel="year (calendar)",
                ylabel="employment (thousand employees)")
    legend(axes[0], d.reps, loc="best")
    legend(axes[1], d.reps, loc="best")
    page.figure(fig, "hollowing_out",
                "Hollowing out: production and employment that remain in Japan, summed over all "
                "firms of the simulated population.")

    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    plot_series(ax, d, p, [("exits_insolvency", "insolvency"),
                           ("exits_succession", "failed succession"),
                           ("exits_decline", "decline"), ("entries", "entries (for comparison)")])
    ax.set(title="Exits by cause", xlabel="year (calendar)", ylabel="firms (per year)")
    legend(ax, d.reps, loc="upper left")
    page.figure(fig, "exits",
                "Firms leaving the market each year by cause (insolvency, no successor found, "
                "long decline), with entries for comparison.")

    columns = [("sme_export_share", "SMEs exporting (fraction)", 1.0),
               ("sme_fdi_share", "SMEs producing abroad (fraction)", 1.0),
               ("le_fdi_share", "LEs producing abroad (fraction)", 1.0),
               ("sme_output_share", "SME share of output (fraction)", 1.0),
               ("sme_employment_share", "SME share of employment (fraction)", 1.0),
               ("domestic_production", "domestic production (trillion yen)", 1e-6),
               ("employment", "employment (thousand)", 1e-3),
               ("exits_insolvency", "exits: insolvency (firms)", 1.0),
               ("exits_succession", "exits: succession (firms)", 1.0),
               ("exits_decline", "exits: decline (firms)", 1.0)]
    columns = [c for c in columns if d.has(c[0])]
    rows = []
    for y in key_years(d.years):
        t = d.year_index(y)
        row = [str(y)]
        for name, _, scale in columns:
            mean, _, _, ref = d.stat(name, p)
            r = ref(y)
            if scale != 1.0:
                r["scale"] = scale
            row.append((mean[t] * scale, r))
        rows.append(row)
    page.table("Key figures by year",
               f"Means over {n} {where}; money in trillion yen, employment in thousands.",
               ["year"] + [c[1] for c in columns], rows)


def funnel(page: Page, d: Data, p: int, where: str) -> None:
    page.section("funnel", "The decision funnel",
                 "Every year managers meet opportunities to go abroad (invited by a relocating "
                 "customer, referred by peers, customers or ties, found by their own search, or "
                 "brought by JETRO); each is taken, blocked by finance or by missing staff, "
                 "declined, or superseded by a better one. Totals over all years, mean over "
                 f"replications, {where}.")
    totals = {}
    for name in [f"opportunities_{s}" for s, _ in SOURCES] + \
                [f"decisions_{o}" for _, o, _ in OUTCOMES]:
        if d.has(name):
            totals[name] = float(d.cube[name][p].sum(axis=1).mean())

    fig, ax = plt.subplots(figsize=(12, 4.8), layout="constrained")
    left = 0.0
    src_colors = ["#9467bd", "#17becf", "#8c564b", "#bcbd22"]
    for (s, label), c in zip(SOURCES, src_colors):
        v = totals.get(f"opportunities_{s}", 0.0)
        ax.barh(0, v, left=left, color=c, label=f"opportunity: {label}")
        left += v
    out_colors = ["#2ca02c", "#d62728", "#ff7f0e", "#7f7f7f", "#c7c7c7"]
    for k, ((_, o, label), c) in enumerate(zip(OUTCOMES, out_colors), start=1):
        v = totals.get(f"decisions_{o}", 0.0)
        ax.barh(k, v, color=c, label=f"outcome: {label}")
        ax.text(v, k, f" {v:,.0f}", va="center", fontsize=8)
    ax.text(left, 0, f" {left:,.0f}", va="center", fontsize=8)
    ax.set_xlim(0, (left if np.isfinite(left) and left > 1.0 else 1.0) * 1.12)
    ax.set_yticks(range(len(OUTCOMES) + 1),
                  ["opportunities"] + [label for _, _, label in OUTCOMES])
    ax.invert_yaxis()
    ax.set(title="Opportunities to go abroad and what became of them",
           xlabel="opportunities (count over all years, mean per replication)",
           ylabel="stage of the funnel (category)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="x", alpha=0.3)
    page.figure(fig, "funnel",
                "From opportunities (by source, stacked) to decisions: how many were taken and "
                "how many were stopped by finance, by staff, by the manager's own judgement or "
                "by a better candidate.")

    if d.has("first_moves") and d.has("first_moves_pulled_share"):
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
        plot_series(axes[0], d, p, [("first_moves", "first internationalizations")])
        axes[0].set(title="First moves abroad", xlabel="year (calendar)",
                    ylabel="firms (per year)")
        plot_series(axes[1], d, p, [("first_moves_pulled_share", "pulled by a customer")],
                    colors=["#9467bd"])
        axes[1].set(title="Share of first moves pulled by a customer", xlabel="year (calendar)",
                    ylabel="share of first moves (fraction)")
        legend(axes[0], d.reps, loc="upper left")
        legend(axes[1], d.reps, loc="best")
        page.figure(fig, "first_moves",
                    "Firms going abroad for the first time each year, and the share of them "
                    "that followed an invitation from a relocating customer (years without a "
                    "first move have no share).")

    rows = []
    for s, label in SOURCES:
        name = f"opportunities_{s}"
        if name in totals:
            rows.append([f"opportunities: {label}",
                         (totals[name], {"op": "reptotal", "ds": f"aggregates/{name}",
                                         "point": p})])
    for _, o, label in OUTCOMES:
        name = f"decisions_{o}"
        if name in totals:
            rows.append([f"decisions: {label}",
                         (totals[name], {"op": "reptotal", "ds": f"aggregates/{name}",
                                         "point": p})])
    if d.has("first_moves") and d.has("first_moves_pulled_share"):
        fm = d.cube["first_moves"][p]
        share = np.nan_to_num(d.cube["first_moves_pulled_share"][p])
        rows.append(["first moves abroad",
                     (float(fm.sum(axis=1).mean()),
                      {"op": "reptotal", "ds": "aggregates/first_moves", "point": p})])
        pulled = float((fm * share).sum() / fm.sum()) if fm.sum() > 0 else float("nan")
        rows.append(["share of first moves pulled by a customer (fraction)",
                     (pulled, {"op": "pulled", "point": p})])
    page.table("The funnel in numbers",
               "Totals over all simulated years, mean per replication; the pulled share weighs "
               "each year by its first moves.", ["stage", "count or share"], rows)

    log = d.decisions
    if len(log) and "point" in log and (log["point"] == p).any():
        log = log[log["point"] == p]
        reps = sorted(int(r) for r in log["rep"].unique())
        rows = []
        for code, (s, label) in enumerate(SOURCES):
            row = [label]
            where_s = {"point": p, "source": code}
            n_s = int((log["source"] == code).sum())
            row.append((n_s, {"op": "count", "table": "decisions", "where": where_s}))
            for oc, _, _ in OUTCOMES:
                w = dict(where_s, outcome=oc)
                row.append((int(((log["source"] == code) & (log["outcome"] == oc)).sum()),
                            {"op": "count", "table": "decisions", "where": w}))
            taken = int(((log["source"] == code) & (log["outcome"] == 0)).sum())
            row.append((taken / n_s if n_s else float("nan"),
                        {"op": "share", "table": "decisions", "where": where_s,
                         "of": {"outcome": 0}}))
            rows.append(row)
        page.table("Drivers and barriers (decision log)",
                   "Candidates by source (the driver) and outcome (the barrier), as in the "
                   "thesis' table of drivers and barriers; counts over all years of the "
                   f"decision log, replication(s) {', '.join(map(str, reps))}.",
                   ["source", "candidates"] + [label for _, _, label in OUTCOMES] +
                   ["share taken (fraction)"], rows)
    else:
        page.note("The file has no decision log for this point, so the table of drivers and "
                  "barriers by source is not shown (scenario key output.decisions).")


def internationalizers(panel):
    """Boolean array: the firm is exporting to or producing in at least one region."""
    cols = [c for c in panel.columns if c.startswith("mode_")]  # one per region
    return (panel[cols].to_numpy() > 0).any(axis=1)


def status(panel):
    cols = [c for c in panel.columns if c.startswith("mode_")]  # one per region
    return panel[cols].to_numpy().max(axis=1)


def traits(page: Page, d: Data, p: int, year: int) -> None:
    page.section("traits", "Who goes abroad",
                 f"Manager traits of SMEs alive at the end of {year} that export or produce "
                 "abroad, against all other SMEs (firm-year panel, point "
                 f"{p}, all panel replications of that point).")
    panel = d.panel_rows({"point": p, "year": year})
    sel = panel[(panel["D_lf"] == 0) & (panel["alive"] == 1)]
    intl = internationalizers(sel)
    groups = [(True, "internationalizers", "#d62728"), (False, "other SMEs", "#7f7f7f")]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), layout="constrained")
    for ax, (col, label) in zip(axes.flat, TRAITS):
        values = sel[col].to_numpy()
        hi = max(1.0, float(values.max())) if len(values) else 1.0
        bins = np.linspace(0.0, hi, 21)
        for flag, name, color in groups:
            v = values[intl == flag]
            if len(v):
                ax.hist(v, bins=bins, density=True, histtype="step", linewidth=1.6, color=color,
                        label=f"{name} (n = {len(v):,})")
        ax.set(title=label.split(" (")[0], xlabel=label, ylabel="density (per unit of the trait)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(f"Manager traits of internationalizing SMEs and of the others, {year}")
    page.figure(fig, "traits",
                "Distributions of the managers' risk aversion, years of international experience, "
                "language skill and proactivity, for SMEs active abroad and for the rest "
                "(each curve integrates to one).")

    rows = []
    for col, label in TRAITS:
        row = [label]
        for flag, _, _ in groups:
            v = sel[col].to_numpy()[intl == flag]
            where = {"point": p, "year": year, "D_lf": 0, "alive": 1,
                     "international": int(flag)}
            row.append((float(v.mean()) if len(v) else float("nan"),
                        {"op": "mean", "table": "panel", "col": col, "where": where}))
        rows.append(row)
    row = ["SMEs (count)"]
    for flag, _, _ in groups:
        where = {"point": p, "year": year, "D_lf": 0, "alive": 1, "international": int(flag)}
        row.append((int((intl == flag).sum()), {"op": "count", "table": "panel", "where": where}))
    rows.append(row)
    page.table("Manager traits: means", f"SMEs alive at the end of {year}, point {p}.",
               ["trait", "internationalizers", "other SMEs"], rows)


def keiretsu_members(sel, head: int):
    """Alive tier-1 suppliers whose main customer is `head`, and tier-2 suppliers whose main
    customer is one of those."""
    t1 = sel[(sel["tier"] == 1) & (sel["customer"] == head)]
    t2 = sel[(sel["tier"] == 2) & sel["customer"].isin(t1["firm"])]
    return t1, t2


def choose_head(sel, wanted: int | None) -> int | None:
    heads = sorted(int(h) for h in sel.loc[sel["tier"] == 0, "firm"])
    if wanted is not None:
        if wanted not in heads:
            raise InputError(f"--head {wanted} is not an alive keiretsu head in that year "
                             f"(heads: {', '.join(map(str, heads[:20]))}"
                             f"{', ...' if len(heads) > 20 else ''})")
        return wanted
    if not heads:
        return None
    # Every head's keiretsu_members() size in one pass (a national panel has 1 000 heads):
    # tier-1 firms by their customer, tier-2 firms by their tier-1 customer's customer.
    t1 = sel[sel["tier"] == 1]
    n1 = t1.groupby("customer").size()
    head_of = pd.Series(t1["customer"].to_numpy(), index=t1["firm"].to_numpy())
    n2 = sel.loc[sel["tier"] == 2, "customer"].map(head_of).dropna().astype(int).value_counts()
    sizes = {h: int(n1.get(h, 0)) + int(n2.get(h, 0)) for h in heads}
    fitting = [h for h in heads if 0 < sizes[h] <= 60]
    if fitting:
        return max(fitting, key=lambda h: (sizes[h], -h))
    return min(heads, key=lambda h: (sizes[h], h))


def keiretsu_firms(d: Data, p: int, year: int):
    """Alive firms of the first panel replication of point p in `year`, and that replication."""
    index = d.panel_index
    rep = int(index.loc[index["point"] == p, "rep"].min())
    panel = d.panel_rows({"point": p, "rep": rep, "year": year})
    sel = panel[panel["alive"] == 1]
    return sel, rep


def keiretsu(page: Page, d: Data, p: int, year: int, head: int | None) -> None:
    sel, rep = keiretsu_firms(d, p, year)
    page.section("keiretsu", "One keiretsu",
                 f"A keiretsu head, its tier-1 suppliers (main customer: the head) and their "
                 f"tier-2 suppliers at the end of {year} (point {p}, replication {rep}), "
                 "coloured by international status. Choose another group with --head.")
    if head is None:
        page.note("There is no keiretsu head in the panel for that year.")
        return
    t1, t2 = keiretsu_members(sel, head)
    t1 = t1.sort_values("firm")
    x = {}
    children = {int(f): sorted(int(c) for c in t2.loc[t2["customer"] == f, "firm"])
                for f in t1["firm"]}
    pos = 0.0
    for f in t1["firm"]:
        f = int(f)
        kids = children[f]
        width = max(1, len(kids))
        for k, c in enumerate(kids):
            x[c] = pos + k
        x[f] = pos + (width - 1) / 2.0
        pos += width + 0.6
    x[head] = (pos - 1.6) / 2.0 if len(t1) else 0.0
    level = {head: 2}
    level.update({int(f): 1 for f in t1["firm"]})
    level.update({int(f): 0 for f in t2["firm"]})
    members = sel[sel["firm"].isin(list(x))]
    st = dict(zip(members["firm"].astype(int), status(members)))
    size = dict(zip(members["firm"].astype(int), members["L"]))
    customer = dict(zip(members["firm"].astype(int), members["customer"].astype(int)))

    fig, ax = plt.subplots(figsize=(max(8.0, min(16.0, 0.16 * pos + 4)), 5.5),
                           layout="constrained")
    for f in x:
        if f != head:
            c = customer[f]
            ax.plot([x[f], x[c]], [level[f], level[c]], color="#cccccc", linewidth=0.7,
                    zorder=1)
    lmax = max(size.values())
    for code, label, color in STATUS:
        fs = [f for f in x if st[f] == code]
        ax.scatter([x[f] for f in fs], [level[f] for f in fs], color=color, zorder=2,
                   s=[25 + 400 * np.sqrt(size[f] / lmax) for f in fs], edgecolors="black",
                   linewidths=0.4, label=f"{label} ({len(fs)})")
    ax.set_yticks([0, 1, 2], ["tier 2", "tier 1", "head"])
    ax.set_ylim(-0.5, 2.5)
    ax.set_xticks([])
    ax.set(title=f"Keiretsu of head firm {head} in {year}",
           xlabel="suppliers, grouped under their main customer (position only)",
           ylabel="tier in the keiretsu (level)")
    ax.legend(fontsize=8, loc="upper right", title="status (firms); size: employees")
    page.figure(fig, "keiretsu",
                f"The keiretsu of head firm {head}: each tier-1 supplier sits above its own "
                "tier-2 suppliers, lines join a supplier to its main customer, colour gives the "
                "firm's international status and marker area its employment.")

    rows = []
    for tier, label in TIERS:
        row = [label]
        group = {0: sel[sel["firm"] == head], 1: t1, 2: t2}[tier]
        s = status(group) if len(group) else np.array([], dtype=int)
        for code, _, _ in STATUS:
            row.append((int((s == code).sum()),
                        {"op": "keiretsu", "point": p, "rep": rep, "year": year, "head": head,
                         "tier": tier, "status": code}))
        row.append((len(group), {"op": "keiretsu", "point": p, "rep": rep, "year": year,
                                 "head": head, "tier": tier}))
        rows.append(row)
    page.table(f"Keiretsu of head {head}: firms by tier and status",
               "Status is the firm's most committed mode in any region (FDI over export).",
               ["tier"] + [label for _, label, _ in STATUS] + ["all"], rows)


def short(path: str) -> str:
    return path.split(".")[-1]


def lever_pairs(d: Data) -> list[str]:
    levers = [f for f, r in zip(d.factors, d.roles) if r == "lever"]
    return levers if len(levers) >= 2 else d.factors


def sweep_outcomes(page: Page, d: Data, outcomes: list[str]) -> None:
    year = int(d.years[-1])
    t = len(d.years) - 1
    page.section("levers", "Outcomes against levers",
                 f"Each outcome in {year} (mean over {d.reps} replications per point, 95% "
                 "interval) against each varied parameter of the sweep "
                 f"({d.design} design, {d.points} points).")
    values = {f: d.arrays[f"points/{f}"] for f in d.factors}
    nf, no = len(d.factors), len(outcomes)
    fig, axes = plt.subplots(no, nf, figsize=(3.6 * nf + 1, 2.8 * no + 1), squeeze=False,
                             layout="constrained")
    for i, name in enumerate(outcomes):
        label, unit, scale = describe(name)
        m = np.array([d.stat(name, q)[0][t] for q in range(d.points)]) * scale
        l_ = np.array([d.stat(name, q)[1][t] for q in range(d.points)]) * scale
        h_ = np.array([d.stat(name, q)[2][t] for q in range(d.points)]) * scale
        for j, f in enumerate(d.factors):
            ax = axes[i][j]
            others = [g for g in d.factors if g != f]
            keys = [tuple(values[g][q] for g in others) for q in range(d.points)]
            groups = sorted(set(keys))
            if d.design == "grid" and len(groups) <= 6:
                for g in groups:
                    qs = sorted((q for q in range(d.points) if keys[q] == g),
                                key=lambda q: values[f][q])
                    xs = [values[f][q] for q in qs]
                    text = ", ".join(f"{short(o)}={v:g}" for o, v in zip(others, g)) or "all"
                    (line,) = ax.plot(xs, m[qs], marker="o", label=text)
                    if d.reps > 1:
                        ax.fill_between(xs, l_[qs], h_[qs], color=line.get_color(), alpha=0.2,
                                        linewidth=0)
            else:
                err = np.vstack([m - l_, h_ - m])
                ax.errorbar(values[f], m, yerr=np.nan_to_num(err), fmt="o", markersize=3,
                            elinewidth=0.8, label="design point")
            if d.reference is not None:
                ax.plot([values[f][d.reference]], [m[d.reference]], marker="*", markersize=12,
                        color="black", linestyle="none", label="reference point")
            ax.set(title=f"{label} vs {short(f)}", xlabel=f"{f} (parameter value)",
                   ylabel=f"{label} ({unit})")
            ax.grid(alpha=0.3)
            if i == 0:
                handles, _ = ax.get_legend_handles_labels()
                ax.legend(handles=handles + (band_legend(d.reps) if j == 0 else []), fontsize=7)
    fig.suptitle(f"Outcomes in {year} against each varied parameter")
    page.figure(fig, "outcomes_vs_levers",
                "Each panel shows how one outcome in the last year moves with one parameter; "
                "for a grid, lines join points that share the other parameters' values, with "
                "the 95% interval of the replication mean shaded (otherwise drawn as bars).")

    pair = lever_pairs(d)
    if len(pair) < 2:
        return
    fx, fy = pair[0], pair[1]
    name = outcomes[0]
    label, unit, scale = describe(name)
    m = np.array([d.stat(name, q)[0][t] for q in range(d.points)]) * scale
    fig, ax = plt.subplots(figsize=(7.5, 5.5), layout="constrained")
    if d.design == "grid":
        ux, uy = np.unique(values[fx]), np.unique(values[fy])
        z = np.full((len(uy), len(ux)), np.nan)
        for iy, vy in enumerate(uy):
            for ix, vx in enumerate(ux):
                qs = (values[fx] == vx) & (values[fy] == vy)
                if qs.any():
                    z[iy, ix] = m[qs].mean()
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(ux)), [f"{v:g}" for v in ux])
        ax.set_yticks(range(len(uy)), [f"{v:g}" for v in uy])
        for iy in range(len(uy)):
            for ix in range(len(ux)):
                if np.isfinite(z[iy, ix]):
                    ax.text(ix, iy, f"{z[iy, ix]:.4g}", ha="center", va="center", fontsize=8,
                            color="white")
        how = "cells average over the other parameters"
    else:
        im = ax.scatter(values[fx], values[fy], c=m, cmap="viridis", s=40, edgecolors="black",
                        linewidths=0.3)
        how = "each dot is a design point"
    fig.colorbar(im, ax=ax, label=f"{label} in {year} ({unit})")
    ax.set(title=f"{label} in {year} by {short(fx)} and {short(fy)}",
           xlabel=f"{fx} (parameter value)", ylabel=f"{fy} (parameter value)")
    page.figure(fig, "heatmap",
                f"Heat map of {label} in {year} (mean over replications) over the two levers "
                f"{fx} and {fy}; {how}.")


def sweep_effects(page: Page, d: Data, outcomes: list[str]) -> None:
    year = int(d.years[-1])
    t = len(d.years) - 1
    ref = d.reference
    page.section("effects", "Paired policy effects",
                 f"Effect of each design point against the reference point {ref} in {year}: the "
                 "difference replication by replication (common random numbers), its mean and "
                 "95% interval, and the extra policy spend per unit of effect.")
    names = [n for n in outcomes if f"effects/mean/{n}" in d.arrays][:3]
    others = [q for q in range(d.points) if q != ref]
    if names and others:
        fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names) + 1,
                                                         0.28 * len(others) + 2.2),
                                 squeeze=False, layout="constrained")
        for ax, name in zip(axes[0], names):
            label, unit, scale = describe(name)
            m = d.arrays[f"effects/mean/{name}"][others, t] * scale
            lo = d.arrays[f"effects/ci95_low/{name}"][others, t] * scale
            hi = d.arrays[f"effects/ci95_high/{name}"][others, t] * scale
            ax.errorbar(m, range(len(others)), xerr=np.nan_to_num(np.vstack([m - lo, hi - m])),
                        fmt="o", markersize=4, capsize=2, label="mean paired effect, 95% interval")
            ax.axvline(0.0, color="black", linewidth=0.8, label="no effect")
            ax.set_yticks(range(len(others)), [f"point {q}" for q in others])
            ax.invert_yaxis()
            ax.set(title=f"Effect on {label}", xlabel=f"effect on {label} ({unit})",
                   ylabel="design point (index)")
            ax.grid(axis="x", alpha=0.3)
            ax.legend(fontsize=7, loc="best")
        fig.suptitle(f"Paired effects against the reference point {ref}, {year}")
        page.figure(fig, "effects",
                    "Horizontal bars are 95% intervals of the mean paired effect; a bar that "
                    "does not cross zero is an effect the replications resolve.")

    header = ["point"] + [f"{f} (value)" for f in d.factors]
    key = names[0] if names else None
    if key:
        lab, unit, scale = describe(key)
        header += [f"effect on {lab} ({unit})", "95% low", "95% high"]
    spend = [("effects/spend_per_internationalized_sme",
              "spend per extra SME abroad (million yen)"),
             ("effects/spend_per_job", "spend per extra job (million yen)")]
    spend = [s for s in spend if s[0] in d.arrays]
    header += [s[1] for s in spend]
    rows = []
    for q in range(d.points):
        row = [f"{q} (reference)" if q == ref else str(q)]
        for f in d.factors:
            row.append((float(d.arrays[f"points/{f}"][q]),
                        {"op": "at", "ds": f"points/{f}", "point": q}))
        if key:
            for stat in ("mean", "ci95_low", "ci95_high"):
                ds = f"effects/{stat}/{key}"
                r = {"op": "at", "ds": ds, "point": q, "year": year}
                if scale != 1.0:
                    r["scale"] = scale
                row.append((float(d.arrays[ds][q, t]) * scale, r))
        for ds, _ in spend:
            row.append((float(d.arrays[ds][q]), {"op": "at", "ds": ds, "point": q}))
        rows.append(row)
    page.table("Design points, paired effects and spend per unit of effect",
               f"Effects in {year} against point {ref}; spend is the extra policy spend over the "
               "whole horizon per additional SME active abroad, or per additional job, in the "
               "last year (n/a where there is no additional one).", header, rows)


def run_sensitivity(smesim: str, path: str, outcome: str, year: int) -> list[dict]:
    out = subprocess.run([smesim, "sensitivity", path, "--outcome", outcome, "--year",
                          str(year), "--format", "csv"], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise RuntimeError(f"smesim sensitivity failed for {outcome}: {out.stderr.strip()}")
    return list(csv.DictReader(io.StringIO(out.stdout)))


def sobol(page: Page, d: Data, outcomes: list[str], smesim: str | None) -> None:
    year = int(d.years[-1])
    page.section("sobol", "Sobol sensitivity indices",
                 f"Share of the variance of each outcome in {year} (replication means) that each "
                 "varied parameter explains alone (first order) and with its interactions "
                 f"(total), from the Saltelli design with N = {d.saltelli} base samples; the "
                 "same numbers as `smesim sensitivity`.")
    if not smesim:
        page.note("The smesim executable was not found (give --smesim PATH), so the indices "
                  "are not computed here; run `smesim sensitivity` on the file.")
        return
    results = {o: run_sensitivity(smesim, d.path, o, year) for o in outcomes}
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.2 * len(outcomes) + 1, 4.6),
                             squeeze=False, layout="constrained")
    for ax, o in zip(axes[0], outcomes):
        rows = results[o]
        xs = np.arange(len(rows))
        for k, (field, label, color) in enumerate((("first", "first order", "#1f77b4"),
                                                   ("total", "total", "#ff7f0e"))):
            v = np.array([float(r[field]) for r in rows])
            e = np.nan_to_num(np.array([float(r[f"{field}_ci95"]) for r in rows]))
            ax.bar(xs + (k - 0.5) * 0.38, v, width=0.38, yerr=e, capsize=2, color=color,
                   label=label)
        ax.set_xticks(xs, [short(r["parameter"]) for r in rows], rotation=30, ha="right")
        ax.set(title=describe(o)[0], xlabel="varied parameter (name)",
               ylabel="Sobol index (share of variance)")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Sobol indices of the outcomes in {year}")
    page.figure(fig, "sobol",
                "First-order and total Sobol indices per parameter with 95% bootstrap "
                "half-widths; a total well above the first-order index signals interactions.")
    rows = []
    for o in outcomes:
        for r in results[o]:
            row = [f"{o}: {r['parameter']} ({r['role']})"]
            for field in ("first", "first_ci95", "total", "total_ci95"):
                row.append((float(r[field]), {"op": "sobol", "outcome": o, "year": year,
                                              "parameter": r["parameter"], "field": field}))
            rows.append(row)
    page.table("Sobol indices", f"Outcomes in {year}; ± are 95% bootstrap half-widths.",
               ["outcome: parameter (role)", "first order", "±", "total", "±"], rows)


# ---------------------------------------------------------------------------------------------
# The fit to macro targets

FIT_SHOWN = ("ok", "reference", "input")  # statuses with a simulated value
FIT_FIELDS = (("target", "target"), ("sim", "model"), ("ci95_low", "95% low"),
              ("ci95_high", "95% high"), ("scale", "scale"), ("z", "z"))


def run_fit(smesim: str, path: str, point: int) -> list[dict]:
    """The rows of `smesim fit PATH --point P -o CSV` (its default targets)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "fit.csv")
        proc = subprocess.run([smesim, "fit", path, "--point", str(point), "-o", out],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"smesim fit failed: {proc.stderr.strip()}")
        with open(out, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))


def fit_number(text: str) -> float:
    return float(text) if text else float("nan")


def fit(page: Page, d: Data, p: int, where: str, smesim: str | None) -> None:
    page.section("fit", "Fit to macro targets",
                 f"Every macro target of data/targets {where}, as `smesim fit` computes it "
                 "(docs/calibration.md, Fit table): the target on the model's basis at national "
                 "scale, the model's mean over replications with the 95% interval of that mean, "
                 "the scale (tolerance) and z = (model - target) / scale.")
    if not smesim:
        page.note("The smesim executable was not found (give --smesim PATH), so the fit table "
                  "is not computed here; run `smesim fit` on the file.")
        return
    try:
        rows = run_fit(smesim, d.path, p)
    except RuntimeError as e:  # e.g. no data/targets near the executable
        page.note(f"The fit table could not be computed: {e}")
        return
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    if not counts.get("ok"):
        page.note("The results file has none of the aggregates that the macro targets need "
                  f"(the Model v2 aggregates), so there is no fit to show ({summary}).")
        return
    shown = [r for r in rows if r["status"] in FIT_SHOWN]
    table = []
    for r in shown:
        row = [f"{r['series']} {r['year']}" + (f" ({r['unit']})" if r["unit"] else ""),
               (r["status"], {"op": "fit", "point": p, "series": r["series"],
                              "year": int(r["year"]), "field": "status"})]
        for field, _ in FIT_FIELDS:
            row.append((fit_number(r[field]), {"op": "fit", "point": p, "series": r["series"],
                                               "year": int(r["year"]), "field": field}))
        row.append((r["in_objective"], {"op": "fit", "point": p, "series": r["series"],
                                        "year": int(r["year"]), "field": "in_objective"}))
        table.append(row)
    page.table("Macro targets",
               f"Targets with a simulated value ({len(shown)} of {len(rows)}; all: {summary}). "
               "Counts and money at national scale, money in million yen; reference and input "
               "rows are never calibration targets.",
               ["series year (unit)", "status"] + [h for _, h in FIT_FIELDS] + ["in objective"],
               table)


# ---------------------------------------------------------------------------------------------
# The hindcast (`smesim hindcast`, docs/validation.md)

HINDCAST_COLUMNS = ["cutoff", "series", "year", "horizon", "measure", "unit", "actual",
                    "sim_mean", "sim_q05", "sim_q95", "in_band", "reps", "no_change", "trend",
                    "ar1"]
BENCHMARKS = [("no_change", "no change", "C2", "--"), ("trend", "linear trend", "C1", "-."),
              ("ar1", "AR(1) in differences", "C4", ":")]


def is_hindcast_csv(path: str) -> bool:
    with open(path, encoding="utf-8") as f:
        return f.readline().startswith("cutoff,series,year,horizon,")


def read_hindcast(path: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The rows of `smesim hindcast -o PATH` and its scores (PATH with _scores.csv), if there."""
    if not os.path.isfile(path):
        raise InputError(f"--hindcast: no such file: '{path}'")
    rows = pd.read_csv(path)
    missing = [c for c in HINDCAST_COLUMNS if c not in rows.columns]
    if missing:
        raise InputError(f"'{path}' is not the table of smesim hindcast (no column "
                         f"{', '.join(missing)})")
    if rows.empty:
        raise InputError(f"'{path}' holds no hindcast row")
    scores_path = path[:-4] + "_scores.csv" if path.endswith(".csv") else ""
    scores = pd.read_csv(scores_path) if scores_path and os.path.isfile(scores_path) else None
    return rows, scores


def hindcast(page: Page, path: str) -> None:
    rows, scores = read_hindcast(path)
    src = os.path.abspath(path)
    cutoff = int(rows["cutoff"].iloc[0])
    reps = int(rows["reps"].max())
    page.section("hindcast", "Hindcast",
                 f"Out of sample: the scenario's forecast of every actual after the cut-off "
                 f"{cutoff} (smesim hindcast, docs/validation.md), with the band of 5 % to 95 % of "
                 f"{reps} replications, against three benchmarks fitted only on the series' own "
                 "values up to the cut-off. Values on the fit table's basis (national scale, "
                 "adjusted as in docs/calibration.md); errors in percentage points for ratios "
                 "and log points for levels.")
    for k, (series, g) in enumerate(rows.groupby("series", sort=False)):
        g = g.sort_values("year")
        unit = str(g["unit"].iloc[0]) if isinstance(g["unit"].iloc[0], str) else ""
        pct = g["measure"].iloc[0] == "pp"
        scale = 100.0 if pct else 1.0
        unit_label = ("percent" if pct else unit) or "value"
        fig, ax = plt.subplots(figsize=(9.5, 3.8))
        years = g["year"].to_numpy()
        last_year, last_value = g["last_year"].iloc[0], g["last_value"].iloc[0]
        anchor = bool(np.isfinite(last_year) and np.isfinite(last_value))
        ax.fill_between(years, g["sim_q05"] * scale, g["sim_q95"] * scale, color="C0",
                        alpha=0.2, linewidth=0, label=f"model, 5-95 % of {reps} replications")
        ax.plot(years, g["sim_mean"] * scale, color="C0", marker="o", ms=3, label="model mean")
        for col, label, color, style in BENCHMARKS:
            if g[col].notna().any():
                xs = ([int(last_year)] if anchor else []) + list(years)
                ys = ([last_value] if anchor else []) + list(g[col])
                ax.plot(xs, np.array(ys, dtype=float) * scale, color=color, linestyle=style,
                        label=f"benchmark: {label}")
        ax.scatter(years, g["actual"] * scale, color="black", zorder=5, s=18,
                   label="actual (after the cut-off)")
        if anchor:
            ax.scatter([last_year], [last_value * scale], facecolors="none", edgecolors="black",
                       zorder=5, s=22, label="last actual up to the cut-off")
        ax.axvline(cutoff, color="0.4", lw=1, linestyle="--")
        ax.annotate(f"cut-off {cutoff}", (cutoff, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=8, color="0.3")
        ax.set_title(f"Hindcast of {series}")
        ax.set_xlabel("year (calendar or fiscal, as published)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole years, never 2004.5
        ax.set_ylabel(f"{series} ({unit_label})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        inside = int((g["in_band"] == "yes").sum())
        page.figure(fig, f"hindcast_{k}",
                    f"{series}: the model's mean and 5-95 % band after the cut-off {cutoff} "
                    f"(dashed line), the actuals (dots; {inside} of {len(g)} inside the band) and "
                    "the benchmarks from the last value up to the cut-off.")
    table = []
    for _, r in rows.iterrows():
        ref = {"op": "hindcast", "file": src, "series": r["series"], "year": int(r["year"])}
        row = [f"{r['series']} {int(r['year'])}"]
        for field in ("actual", "sim_mean", "sim_q05", "sim_q95", "no_change", "trend", "ar1",
                      "err_model", "err_no_change", "err_trend", "err_ar1"):
            row.append((float(r[field]), dict(ref, field=field)))
        table.append(row)
    page.table("Hindcast rows",
               "Each actual after the cut-off: values on the fit table's basis, errors (forecast "
               "minus actual) in percentage points for ratios and log points for levels.",
               ["series year", "actual", "model mean", "5 %", "95 %", "no change", "trend",
                "AR(1)", "error model", "error no change", "error trend", "error AR(1)"], table)
    if scores is None:
        page.note("The scores file (the table's name with _scores.csv) is not beside the table.")
        return
    sref = os.path.abspath(path[:-4] + "_scores.csv")
    table = []
    for _, r in scores.iterrows():
        ref = {"op": "hindcast_score", "file": sref, "series": r["series"]}
        row = [f"{r['series']} ({r['measure']})"]
        for field in ("n", "coverage90", "mae_model", "rmse_model", "no_change_rmse",
                      "trend_rmse", "ar1_rmse", "no_change_rmse_ratio", "trend_rmse_ratio",
                      "ar1_rmse_ratio", "no_change_dm", "trend_dm", "ar1_dm", "no_change_dm_p",
                      "trend_dm_p", "ar1_dm_p"):
            row.append((float(r[field]), dict(ref, field=field)))
        table.append(row)
    page.table("Hindcast scores",
               "Per series and in total: the share of actuals inside the 5-95 % band, the "
               "model's MAE and RMSE, each benchmark's RMSE and the ratio model / benchmark "
               "(below 1: the model is better), and the Diebold-Mariano statistic with the "
               "Harvey-Leybourne-Newbold correction (negative: the model is better) with its p "
               "value, where at least 5 errors exist.",
               ["series (measure)", "n", "coverage", "MAE model", "RMSE model",
                "RMSE no change", "RMSE trend", "RMSE AR(1)", "ratio no change", "ratio trend",
                "ratio AR(1)", "DM no change", "DM trend", "DM AR(1)", "p no change", "p trend",
                "p AR(1)"], table)


def make_hindcast_report(path: str, outdir: str) -> str:
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        if f.endswith(".png"):
            os.remove(os.path.join(outdir, f))
    page = Page(outdir)
    hindcast(page, path)
    header = f"<p>Source: <code>{esc(os.path.abspath(path))}</code> (smesim hindcast)</p>"
    return page.write("smesim report: hindcast", header, "")


# ---------------------------------------------------------------------------------------------


def provenance(d: Data) -> tuple[str, str]:
    m = d.meta
    name = d.name()
    kind = f"sweep ({d.design} design)" if d.is_sweep else "single run"
    rows = [("scenario file", (str(m.get("scenario_file", "")),
                               {"op": "attr", "name": "scenario_file"})),
            ("kind", kind),
            ("seed", (str(m["seed"]), {"op": "attr", "name": "seed"})),
            ("parameter points", (d.points, {"op": "attr", "name": "points"})),
            ("replications per point", (d.reps, {"op": "attr", "name": "reps"})),
            ("first year", (int(d.years[0]), {"op": "index", "ds": "aggregates/years",
                                             "index": 0})),
            ("last year", (int(d.years[-1]), {"op": "index", "ds": "aggregates/years",
                                             "index": -1})),
            ("smesim version", (str(m.get("smesim_version", "")),
                                {"op": "attr", "name": "smesim_version"})),
            ("git commit", (str(m.get("git_commit", "")), {"op": "attr", "name": "git_commit"})),
            ("results written (UTC)", (str(m.get("created_utc", "")),
                                       {"op": "attr", "name": "created_utc"}))]
    cells = []
    for label, value in rows:
        if isinstance(value, tuple):
            cells.append(f'<tr><th scope="row">{esc(label)}</th>{ref_cell(*value)}</tr>')
        else:
            cells.append(f'<tr><th scope="row">{esc(label)}</th><td class="text">'
                         f"{esc(value)}</td></tr>")
    what = "Sweep" if d.is_sweep else "Scenario"
    header = (f'<p>{what} <b>{esc(name)}</b> from <code>{esc(m.get("scenario_file"))}'
              f'</code>, seed {esc(m.get("seed"))}, simulated by smesim '
              f'{esc(m.get("smesim_version"))} (commit <code>{esc(m.get("git_commit"))}</code>)'
              f' on {esc(m.get("created_utc"))}; results file '
              f"<code>{esc(os.path.abspath(d.path))}</code>.</p>\n"
              '<table class="meta"><caption><b>Provenance.</b> Where these results come from '
              "(the /meta attributes of the results file).</caption><tbody>" + "".join(cells) +
              "</tbody></table>")
    scen = esc(m.get("sweep_yaml") or m.get("scenario_yaml") or "")
    footer = (
        "<h2 id=\"files\">Scenario</h2>\n"
        f"<details><summary>Scenario file as given</summary><pre>{scen}</pre></details>\n"
        "<details><summary>Resolved parameters (all defaults applied)</summary>"
        f"<pre>{esc(m.get('resolved_parameters', ''))}</pre></details>\n"
        f"<p><small>Made by <code>smesim report</code> (analysis/smesim_report.py, matplotlib "
        f"{esc(matplotlib.__version__)}). Money is in million yen unless stated. Comparisons of "
        "regression coefficients with the paper's are not part of the report yet "
        "(docs/reports.md).</small></p>")
    return header, footer


def drawn(page: Page, what: str, section, *args) -> None:
    """Adds a section; when its data cannot be drawn (e.g. panel columns that are all NaN), the
    page says why in place of the figure instead of the report aborting."""
    try:
        section(page, *args)
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure of one figure
        plt.close("all")
        page.note(f"{what} could not be drawn from this file: {type(e).__name__}: {e}")


def make_report(path: str, outdir: str, year: int | None = None, point: int | None = None,
                head: int | None = None, outcomes: list[str] | None = None,
                smesim: str | None = None, hindcast_csv: str | None = None) -> str:
    d = Data(path)
    if hindcast_csv:
        read_hindcast(hindcast_csv)  # bad input before any work
    if d.meta.get("sweep_shard"):
        raise InputError(f"'{path}' is shard {d.meta['sweep_shard']} of a sweep: merge the "
                         "shards first (smesim merge SHARDS... -o FILE)")
    if point is None:
        point = d.reference if d.is_sweep else 0
    if not 0 <= point < d.points:
        raise InputError(f"--point {point} is outside the file's points 0-{d.points - 1}")
    outcomes = outcomes or [o for o in DEFAULT_OUTCOMES if d.has(o)]
    if not outcomes:
        outcomes = ["sme_export_share"]
    for o in outcomes:
        if not d.has(o):
            raise InputError(f"--outcomes: no aggregate '{o}' in the file "
                             f"(aggregates: {', '.join(d.cube)})")

    index = d.panel_index
    panel_points = sorted(int(x) for x in index["point"].unique()) if len(index) else []
    panel_point = point if point in panel_points else (panel_points[0] if panel_points else None)
    panel_year = None
    if panel_point is not None:
        years = sorted(int(y) for y in index.loc[index["point"] == panel_point,
                                                 "year"].unique())
        if year is not None and year not in years:
            raise InputError(f"--year {year} is not in the firm-year panel (years "
                             f"{years[0]}-{years[-1]}; scenario keys output.panel_from/"
                             "panel_to)")
        panel_year = year if year is not None else years[-1]
        try:
            head = choose_head(keiretsu_firms(d, panel_point, panel_year)[0], head)
        except InputError:
            raise
        except Exception:  # noqa: BLE001 - the keiretsu section then says why it is missing
            head = None
    elif year is not None or head is not None:
        raise InputError("--year and --head need the firm-year panel, which the file lacks")

    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):  # figures of an earlier report in the same directory
        if f.endswith(".png"):
            os.remove(os.path.join(outdir, f))
    page = Page(outdir)
    where = (f"at design point {point}" + (" (the reference)" if point == d.reference else "")
             if d.is_sweep else "of the run")
    drawn(page, "The time series", time_series, d, point, where)
    drawn(page, "The internationalization funnel", funnel, d, point, where)
    if panel_point is not None:
        drawn(page, "The manager traits", traits, d, panel_point, panel_year)
        drawn(page, "The keiretsu figure", keiretsu, d, panel_point, panel_year, head)
    else:
        page.section("traits", "Who goes abroad", "These figures need the firm-year panel.")
        page.note("The file holds no firm-year panel (scenario key output.panel_reps, or the "
                  "sweep's panel: setting), so manager traits and keiretsu are not shown.")
    drawn(page, "The fit to the targets", fit, d, point, where, smesim or shutil.which("smesim"))
    if hindcast_csv:
        drawn(page, "The hindcast", hindcast, hindcast_csv)
    if d.is_sweep:
        drawn(page, "The sweep's outcomes", sweep_outcomes, d, outcomes)
        if d.reference is not None:
            drawn(page, "The sweep's effects", sweep_effects, d, outcomes)
        if d.saltelli > 0:
            drawn(page, "The Sobol indices", sobol, d, outcomes, smesim or shutil.which("smesim"))
    header, footer = provenance(d)
    return page.write(f"smesim report: {d.name()}", header, footer)


TARGETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "data", "targets",
                       "motohashi2005_table3.csv")


def read_coefficients(path: str) -> tuple[str, pd.DataFrame]:
    """The model's coefficients next to the paper's, from the CSV of `smesim regress --spec
    ... --format csv` or from the trace of `smesim calibrate` (its evaluation with the lowest J;
    the paper's values from data/targets). Columns: region, term, coef, se (NaN when unknown),
    target_coef, target_se."""
    with open(path, encoding="utf-8") as f:  # a trace may open with "# until YEAR: ..."
        header = next((line for line in f if not line.startswith("#")), "").strip().split(",")
    if header[:4] == ["region", "spec", "term", "coef"]:
        df = pd.read_csv(path)
        df = df[(df["term"] != "const") & df["target_coef"].notna()]
        return "regress", df[["region", "term", "coef", "se", "target_coef", "target_se"]]
    if header[:2] == ["eval", "J"]:
        trace = pd.read_csv(path, comment="#")
        best = trace.loc[trace["J"].idxmin()]
        targets = pd.read_csv(TARGETS, comment="#")
        rows = []
        for _, t in targets[targets["term"] != "const"].iterrows():
            name = f"{t['region']}.{t['term']}"
            if name in trace.columns:
                rows.append([t["region"], t["term"], float(best[name]), float("nan"),
                             float(t["coef"]), abs(float(t["coef"])) / float(t["t"])])
        return "calibration", pd.DataFrame(
            rows, columns=["region", "term", "coef", "se", "target_coef", "target_se"])
    raise InputError(f"'{path}' is neither the CSV of `smesim regress --format csv` (columns "
                     "region,spec,term,coef,...) nor a `smesim calibrate` trace (eval,J,...)")


def make_coefficient_report(path: str, outdir: str) -> str:
    kind, df = read_coefficients(path)
    if df.empty:
        raise InputError(f"'{path}' holds no coefficient with a target in the paper")
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        if f.endswith(".png"):
            os.remove(os.path.join(outdir, f))
    page = Page(outdir)
    source = ("the estimate of `smesim calibrate` (its best evaluation)" if kind == "calibration"
              else "`smesim regress` on a simulated survey")
    page.section("coefficients", "The model's coefficients against Motohashi (2005)",
                 f"Coefficients from {source} next to the paper's, with two-standard-error bars.")
    labels = [f"{r} {t}" for r, t in zip(df["region"], df["term"])]
    y = np.arange(len(df))
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(df) + 1.6))
    ax.errorbar(df["target_coef"], y + 0.15, xerr=2 * df["target_se"], fmt="s", color="0.3",
                capsize=2, label="Motohashi (2005), +-2 se")
    model_err = 2 * df["se"] if df["se"].notna().any() else None
    ax.errorbar(df["coef"], y - 0.15, xerr=model_err, fmt="o", color="C0", capsize=2,
                label="model" + (", +-2 se" if model_err is not None else ""))
    ax.axvline(0, color="0.7", lw=0.8)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("coefficient (change in log domestic sales)")
    ax.set_ylabel("region and regressor (Table 3 term)")
    ax.set_title("Fixed-effects coefficients: model against the paper")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    within = int((abs(df["coef"] - df["target_coef"]) <= 2 * df["target_se"]).sum())
    page.figure(fig, "coefficients",
                f"Each row is one slope of M05 Table 3. {within} of {len(df)} of the model's "
                "coefficients lie within two of the paper's standard errors of the paper's value.")
    rows = []
    for _, r in df.iterrows():
        z = (r["coef"] - r["target_coef"]) / r["target_se"]
        rows.append([f"{r['region']} {r['term']}", (float(r["coef"]), {"col": "coef"}),
                     (float(r["target_coef"]), {"col": "target_coef"}),
                     (float(r["target_se"]), {"col": "target_se"}), (float(z), {"col": "z"})])
    page.table("Coefficients", "z = (model - paper) / paper's se.",
               ["term", "model", "paper", "paper se", "z"], rows)
    header = f"<p>Source: <code>{esc(os.path.abspath(path))}</code> ({esc(kind)})</p>"
    return page.write("smesim report: coefficients against Motohashi (2005)", header, "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="smesim report",
                                 description="Write an HTML report (index.html and PNG figures) "
                                             "of an smesim results file.")
    ap.add_argument("results", help="results file (.h5) of smesim run or smesim sweep, or a "
                                    "CSV of smesim regress --format csv or a calibrate trace")
    ap.add_argument("-o", "--output", required=True, help="directory for index.html")
    ap.add_argument("--year", type=int, help="panel year of the traits and keiretsu figures "
                                             "(default: the last panel year)")
    ap.add_argument("--point", type=int, help="design point of the time series "
                                              "(default: a sweep's reference point, or 0)")
    ap.add_argument("--head", type=int, help="firm id of the keiretsu head to draw")
    ap.add_argument("--outcomes", help="comma-separated aggregates for the sweep figures")
    ap.add_argument("--smesim", help="smesim executable (for Sobol indices)")
    ap.add_argument("--hindcast", help="table of smesim hindcast (CSV): adds the hindcast page")
    a = ap.parse_args(argv)
    try:
        if not os.path.isfile(a.results):
            raise InputError(f"no such file: '{a.results}'")
        check_report_dir(a.output)
        tmp = temporary_dir(a.output)
        try:
            if a.results.endswith(".csv") and is_hindcast_csv(a.results):
                make_hindcast_report(a.results, tmp)
            elif a.results.endswith(".csv"):
                make_coefficient_report(a.results, tmp)
            else:
                outcomes = [o for o in a.outcomes.split(",") if o] if a.outcomes else None
                make_report(a.results, tmp, a.year, a.point, a.head, outcomes, a.smesim,
                            a.hindcast)
            publish(tmp, a.output)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except InputError as e:
        print(f"smesim report: error: {e}", file=sys.stderr)
        return 2
    print(f"Report: {os.path.abspath(os.path.join(a.output, 'index.html'))}")
    return 0


# The report is written to a temporary directory beside the output and renamed to it when
# complete, so that a report that fails leaves nothing (and an earlier report stays whole).

REPORT_FILES = ("index.html", "figures.json")


def check_report_dir(outdir: str) -> None:
    """The output is absent, an empty directory or an earlier report (replaced whole)."""
    if not os.path.exists(outdir):
        return
    if not os.path.isdir(outdir):
        raise InputError(f"the report output '{outdir}' exists and is not a directory")
    entries = os.listdir(outdir)
    if entries and not any(f in entries for f in REPORT_FILES):
        raise InputError(f"'{outdir}' holds files that are not an smesim report: give a new or "
                         "empty directory (the report replaces the directory whole)")


def temporary_dir(outdir: str) -> str:
    parent = os.path.dirname(os.path.abspath(outdir))
    name = os.path.basename(os.path.normpath(os.path.abspath(outdir)))
    return tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent)


def publish(tmp: str, outdir: str) -> None:
    os.chmod(tmp, 0o755)  # mkdtemp makes it private
    if not os.path.exists(outdir):
        os.rename(tmp, outdir)
        return
    old = tempfile.mkdtemp(prefix=f".{os.path.basename(os.path.normpath(outdir))}.old-",
                           dir=os.path.dirname(os.path.abspath(outdir)))
    os.rmdir(old)
    os.rename(outdir, old)
    os.rename(tmp, outdir)
    shutil.rmtree(old, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

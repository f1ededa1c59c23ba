"""DP accuracy benchmark (issue 4): Pazhou's error against SmartNoise SQL's on PUMS.

Four statistics over ``/work/shared/data/PUMS.csv`` (1,000 rows), with the bounds of
``PUMS.yaml`` (SmartNoise's metadata format: age 0..100, income 0..500000), each at ε = 1
(``--epsilon``) in total, each released ``--runs`` times (default 200):

* mean income: Pazhou query ``[mean(income)]`` (its plan spends ε/2 on the sum, ε/2 on the
  count); SmartNoise ``SELECT AVG(income)``, whose privacy ``epsilon`` applies to *each*
  mechanism (AVG = SUM + COUNT), so it is calibrated until ``get_privacy_cost`` says 1.0.
* count by sex: Pazhou ``count`` grouped by ``sex`` (public values 0/1); SmartNoise
  ``SELECT sex, COUNT(*) ... GROUP BY sex`` with ``censor_dims: false`` (the keys are public,
  as in Pazhou's policy, so no τ-thresholding and no δ is needed).
* median age: Pazhou ``quantile(age, 0.5)`` (exponential mechanism over 0..100). SmartNoise
  SQL has no median or percentile aggregate, so its closest route is used: ``SELECT age,
  COUNT(*) ... GROUP BY age`` (ε = 1, the ages are disjoint), negative counts set to 0, then
  the median of that noisy histogram (post-processing). For reference, OpenDP's own
  ``.dp.median`` (the library SmartNoise is built on) is run too.
* age histogram, bins 0,20,40,60,80,100 (last bin closed): Pazhou ``histogram``; SmartNoise
  ``GROUP BY CASE WHEN age < 20 THEN 0 ... END``.

Pazhou goes through the service function path (``check`` → ``plan`` → ``group_stats`` →
``assemble``) over a Parquet copy of PUMS made by the service's own CSV converter. SmartNoise
SQL (and OpenDP) run in ``bench/out/peers-venv`` (created on first use). The error of a run is
the mean absolute error over the statistic's cells against the exact value on the same data
(clamped to the bounds); the table gives its mean over runs (MAE) ± standard error. Goal:
Pazhou's MAE no worse than SmartNoise's on every statistic ("met" when lower, or when the
difference is within two standard errors). Results are printed, emitted as a JSON line and
written to BENCHMARKS.md under "DP accuracy (issue 4)" (``--no-write`` to skip).

Run from the repository root::

    /work/venv-scratch/bin/python bench/dp_accuracy.py [--runs 200] [--epsilon 1.0]
"""

import argparse
import json
import math
import statistics
from pathlib import Path
from typing import Any

from _peers import (
    OUT,
    command_line,
    emit,
    machine,
    markdown_table,
    peers_python,
    run_worker,
    write_section,
)

SCRIPT = Path(__file__).resolve()
SECTION = "DP accuracy (issue 4)"
DATA = Path("/work/shared/data")
TABLE = "PUMS.PUMS"
SEXES = ("0", "1")
BINS = (0, 20, 40, 60, 80, 100)
STATISTICS = ("mean income", "count by sex", "median age", "age histogram")
WORKER_TIMEOUT = 1800
SMARTNOISE_SQL = {  # literal SQL: nothing is interpolated
    "mean income": "SELECT AVG(income) AS mean_income FROM PUMS.PUMS",
    "count by sex": "SELECT sex, COUNT(*) AS n FROM PUMS.PUMS GROUP BY sex",
    "median age": "SELECT age, COUNT(*) AS n FROM PUMS.PUMS GROUP BY age",
    "age histogram": (
        "SELECT CASE WHEN age < 20 THEN 0 WHEN age < 40 THEN 1 WHEN age < 60 THEN 2 "
        "WHEN age < 80 THEN 3 ELSE 4 END AS bin, COUNT(*) AS n FROM PUMS.PUMS "
        "GROUP BY CASE WHEN age < 20 THEN 0 WHEN age < 40 THEN 1 WHEN age < 60 THEN 2 "
        "WHEN age < 80 THEN 3 ELSE 4 END"
    ),
}


# --- shared: bounds from the SmartNoise metadata ----------------------------------------------


def load_metadata(path: Path) -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def table_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    collection, schema, table = "PUMS", *TABLE.split(".")
    return dict(metadata[collection][schema][table])


def bounds(metadata: dict[str, Any], column: str) -> tuple[float, float]:
    described = table_metadata(metadata)[column]
    return float(described["lower"]), float(described["upper"])


def median_from_counts(counts: list[float], lower: int) -> float:
    """Median of a histogram of integer values ``lower, lower+1, ...``: post-processing only."""
    clipped = [max(0.0, count) for count in counts]
    half, running = sum(clipped) / 2, 0.0
    if half <= 0:
        return lower + (len(counts) - 1) / 2
    for offset, count in enumerate(clipped):
        running += count
        if running >= half:
            return float(lower + offset)
    return float(lower + len(counts) - 1)


# --- Pazhou (service function path) -----------------------------------------------------------


def parquet_copy(csv: Path) -> Path:
    """PUMS as the service stores it: converted by the service's own CSV → Parquet code."""
    from app.storage.convert import to_parquet
    from app.storage.formats import SourceFormat

    path = OUT / "pums-v1.parquet"
    if not path.exists() or path.stat().st_mtime < csv.stat().st_mtime:
        OUT.mkdir(parents=True, exist_ok=True)
        to_parquet(csv, SourceFormat("csv"), path, None, 100)
    return path


def pazhou_policy(metadata: dict[str, Any], epsilon: float) -> Any:
    from policies.load import parse_mapping

    age, income = bounds(metadata, "age"), bounds(metadata, "income")
    return parse_mapping(
        {
            "name": "pums-accuracy-bench",
            "epsilon_total": 100.0,
            "grant_default_epsilon": epsilon,
            "max_query_epsilon": epsilon,
            "columns": {
                "age": {"type": "integer", "lower": age[0], "upper": age[1]},
                "income": {"type": "integer", "lower": income[0], "upper": income[1]},
                "sex": {"type": "category", "group_by": True, "public_values": list(SEXES)},
            },
        }
    )


def pazhou_queries() -> dict[str, dict[str, Any]]:
    """One query per statistic (ε is added when it runs)."""
    return {
        "mean income": {"aggregations": [{"fn": "mean", "column": "income"}]},
        "count by sex": {"aggregations": [{"fn": "count"}], "group_by": ["sex"]},
        "median age": {"aggregations": [{"fn": "quantile", "column": "age", "q": 0.5}]},
        "age histogram": {"aggregations": [{"fn": "histogram", "column": "age", "bins": BINS}]},
    }


def pazhou_answer(policy: Any, document: dict[str, Any], epsilon: float, where: Any) -> Any:
    """``checked_plan`` then ``compute``, as ``app.services.query_run.run`` does."""
    from app.services.queries import checked_plan
    from app.services.query_run import compute
    from policies.query import Query

    return compute(
        checked_plan(Query.model_validate({**document, "epsilon": epsilon}), where), where
    )


def pazhou_values(name: str, rows: list[dict[str, Any]]) -> list[float]:
    if name == "mean income":
        return [float(rows[0]["mean_income"])]
    if name == "count by sex":
        by_sex = {row["sex"]: row["count"] for row in rows}
        return [float(by_sex[sex]) for sex in SEXES]
    if name == "median age":
        return [float(rows[0]["quantile_0.5_age"])]
    return [float(count) for count in rows[0]["histogram_age"]]


def run_pazhou(metadata: dict[str, Any], parquet: Path, args: argparse.Namespace) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from app.services.queries import Target
    from policies.query import Query
    from policies.release import plan

    policy = pazhou_policy(metadata, args.epsilon)
    columns = pq.read_schema(parquet).names
    where = Target(None, policy, 1, columns, [str(parquet)])  # type: ignore[arg-type]
    estimates: dict[str, list[list[float]]] = {}
    splits: dict[str, dict[str, float]] = {}
    for name, document in pazhou_queries().items():
        query = Query.model_validate({**document, "epsilon": args.epsilon})
        splits[name] = {key: share.epsilon for key, share in plan(query, policy).shares.items()}
        estimates[name] = [
            pazhou_values(name, pazhou_answer(policy, document, args.epsilon, where).rows)
            for _ in range(args.runs)
        ]
    return {"estimates": estimates, "splits": splits}


def truth(metadata: dict[str, Any], parquet: Path) -> dict[str, list[float]]:
    """Exact values on the same data, values clamped to the metadata's bounds."""
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(parquet)
    age = np.clip(table.column("age").to_numpy().astype(float), *bounds(metadata, "age"))
    income = np.clip(table.column("income").to_numpy().astype(float), *bounds(metadata, "income"))
    sex = [str(value) for value in table.column("sex").to_pylist()]
    edges = np.asarray(BINS, dtype=float)
    histogram, _ = np.histogram(age, bins=edges)  # numpy's last bin is closed, as Pazhou's
    return {
        "mean income": [float(income.mean())],
        "count by sex": [float(sex.count(value)) for value in SEXES],
        "median age": [float(np.median(age))],
        "age histogram": [float(count) for count in histogram],
    }


# --- SmartNoise SQL and OpenDP (peers venv) ---------------------------------------------------


def smartnoise_reader(frame: Any, metadata: dict[str, Any], sql: str, target: float) -> Any:
    """A reader whose ``epsilon`` makes ``sql`` cost ``target`` in total (per-mechanism ε)."""
    import snsql
    from snsql import Privacy

    probe = snsql.from_df(frame, privacy=Privacy(epsilon=1.0), metadata=metadata)
    per_unit = float(probe.get_privacy_cost(sql)[0])
    reader = snsql.from_df(frame, privacy=Privacy(epsilon=target / per_unit), metadata=metadata)
    cost = float(reader.get_privacy_cost(sql)[0])
    if not math.isclose(cost, target, rel_tol=1e-9):
        raise RuntimeError(f"SmartNoise cost {cost} != {target} for {sql}")
    return reader


def smartnoise_values(name: str, rows: list[list[Any]], age: tuple[float, float]) -> list[float]:
    body = rows[1:]
    if name == "mean income":
        return [float(body[0][0])]
    if name == "count by sex":
        by_sex = {str(key): float(count) for key, count in body}
        return [by_sex.get(sex, 0.0) for sex in SEXES]
    lower, upper = int(age[0]), int(age[1])
    if name == "median age":
        counts = {int(key): float(count) for key, count in body}
        return [median_from_counts([counts.get(a, 0.0) for a in range(lower, upper + 1)], lower)]
    by_bin = {int(key): float(count) for key, count in body}
    return [by_bin.get(index, 0.0) for index in range(len(BINS) - 1)]


def smartnoise_run(args: argparse.Namespace, metadata: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    strings = {"sex": str, "educ": str, "race": str, "married": str}
    frame = pd.read_csv(args.csv, dtype=strings)
    table_metadata(metadata)  # the table must be there
    metadata["PUMS"]["PUMS"]["PUMS"]["censor_dims"] = False  # keys are public, as in Pazhou
    age = bounds(metadata, "age")
    estimates, costs = {}, {}
    for name, sql in SMARTNOISE_SQL.items():
        reader = smartnoise_reader(frame, metadata, sql, args.epsilon)
        costs[name] = {
            "epsilon_parameter": reader.privacy.epsilon,
            "mechanisms": [cost for cost in reader._get_mechanism_costs(sql) if cost],
        }
        estimates[name] = [
            smartnoise_values(name, reader.execute(sql), age) for _ in range(args.runs)
        ]
    return {"estimates": estimates, "costs": costs}


def opendp_medians(args: argparse.Namespace, metadata: dict[str, Any]) -> list[list[float]]:
    """OpenDP's own DP median (exponential mechanism over integer candidates), for reference."""
    import opendp.prelude as dp
    import polars as pl

    dp.enable_features("contrib")
    lower, upper = (int(value) for value in bounds(metadata, "age"))
    frame = pl.read_csv(args.csv, columns=["age"]).lazy()
    rows = int(table_metadata(metadata)["rows"])
    medians = []
    for _ in range(args.runs):
        context = dp.Context.compositor(
            data=frame,
            privacy_unit=dp.unit_of(contributions=1),
            privacy_loss=dp.loss_of(epsilon=args.epsilon),
            split_evenly_over=1,
            margins=[dp.polars.Margin(max_length=rows)],
        )
        candidates = list(range(lower, upper + 1))
        age = pl.col("age").fill_null(0).dp.median(candidates=candidates).alias("median")
        released = context.query().select(age).release().collect()
        medians.append([float(released["median"][0])])
    return medians


def worker(args: argparse.Namespace) -> None:
    import warnings

    warnings.simplefilter("ignore")
    metadata = load_metadata(args.metadata)
    result = smartnoise_run(args, metadata)
    result["opendp_median"] = opendp_medians(args, load_metadata(args.metadata))
    emit(result)


# --- errors and the report ------------------------------------------------------------------


def run_errors(estimates: list[list[float]], exact: list[float]) -> list[float]:
    """Per run: mean absolute error over the statistic's cells."""
    return [
        sum(abs(value - true) for value, true in zip(run, exact, strict=True)) / len(exact)
        for run in estimates
    ]


def run_bias(estimates: list[list[float]], exact: list[float]) -> float:
    """Mean signed error over runs and cells (noise should average out to 0)."""
    signed = [value - true for run in estimates for value, true in zip(run, exact, strict=True)]
    return statistics.fmean(signed)


def answer_shares(estimates: list[list[float]]) -> str:
    """The most frequent answers of a one-cell statistic, e.g. ``43 (95%), 42 (4%)``."""
    counts: dict[float, int] = {}
    for run in estimates:
        counts[run[0]] = counts.get(run[0], 0) + 1
    top = sorted(counts.items(), key=lambda item: -item[1])[:3]
    return ", ".join(f"{value:g} ({count / len(estimates):.1%})" for value, count in top)


def mae(errors: list[float]) -> tuple[float, float]:
    spread = statistics.stdev(errors) if len(errors) > 1 else 0.0
    return statistics.fmean(errors), spread / math.sqrt(len(errors))


def ratio(ours: float, theirs: float) -> float:
    if theirs:
        return ours / theirs
    return 1.0 if not ours else math.inf  # both exact in every run: a tie


def verdict(pazhou: tuple[float, float], peer: tuple[float, float]) -> str:
    if pazhou[0] <= peer[0]:
        return "met"
    if pazhou[0] - peer[0] <= 2 * math.hypot(pazhou[1], peer[1]):
        return "met (within noise)"
    return "NOT met"


def summarize(exact: dict[str, list[float]], pazhou: Any, peers: Any) -> list[dict[str, Any]]:
    summary = []
    for name in STATISTICS:
        ours = mae(run_errors(pazhou["estimates"][name], exact[name]))
        theirs = mae(run_errors(peers["estimates"][name], exact[name]))
        entry = {"statistic": name, "truth": exact[name], "pazhou": ours, "smartnoise": theirs}
        entry["bias"] = {
            "pazhou": run_bias(pazhou["estimates"][name], exact[name]),
            "smartnoise": run_bias(peers["estimates"][name], exact[name]),
        }
        entry["ratio"] = ratio(ours[0], theirs[0])
        entry["verdict"] = verdict(ours, theirs)
        if name == "median age":
            entry["opendp"] = mae(run_errors(peers["opendp_median"], exact[name]))
            entry["answers"] = {
                "pazhou": answer_shares(pazhou["estimates"][name]),
                "smartnoise": answer_shares(peers["estimates"][name]),
                "opendp": answer_shares(peers["opendp_median"]),
            }
        summary.append(entry)
    return summary


def cell(value: tuple[float, float]) -> str:
    digits = 3 if value[0] < 100 else 0
    return f"{value[0]:.{digits}f} ± {value[1]:.{digits}f}"


HEADER = [
    "statistic",
    "exact",
    "Pazhou MAE",
    "Pazhou bias",
    "SmartNoise MAE",
    "SmartNoise bias",
    "Pazhou / SmartNoise",
    "goal",
]


def table_rows(summary: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for entry in summary:
        exact = ", ".join(f"{value:g}" for value in entry["truth"])
        smartnoise = cell(entry["smartnoise"])
        if entry["statistic"] == "median age":
            smartnoise += " (noisy-histogram route)"
        rows.append(
            [
                entry["statistic"],
                exact,
                cell(entry["pazhou"]),
                f"{entry['bias']['pazhou']:+.3g}",
                smartnoise,
                f"{entry['bias']['smartnoise']:+.3g}",
                f"{entry['ratio']:.2f}",
                entry["verdict"],
            ]
        )
    return rows


def split_lines(pazhou: Any, peers: Any) -> list[str]:
    lines = []
    for name in STATISTICS:
        ours = ", ".join(f"{key} {eps:g}" for key, eps in pazhou["splits"][name].items())
        mechanisms = peers["costs"][name]["mechanisms"]
        theirs = " + ".join(f"{eps:g}" for eps, _ in mechanisms)
        lines.append(f"{name}: Pazhou {ours}; SmartNoise mechanisms {theirs}")
    return lines


def report(args: argparse.Namespace, summary: list[dict[str, Any]], extra: Any) -> str:
    pazhou, peers, before = extra
    median = next(entry for entry in summary if entry["statistic"] == "median age")
    parts = [
        f"Command: `{command_line()}`",
        f"Date: {before['date']}; {args.runs} runs per statistic per system, ε = "
        f"{args.epsilon} per statistic, data {args.csv} with the bounds of {args.metadata}. "
        "MAE = mean over runs of the mean absolute error over the statistic's cells, ± its "
        "standard error; 'met (within noise)' means Pazhou's MAE is higher but by less than "
        "two standard errors of the difference.",
        markdown_table(HEADER, table_rows(summary)),
        f"Median age, for reference: OpenDP's `.dp.median` (exponential mechanism, ε = "
        f"{args.epsilon}) MAE {cell(median['opendp'])}. SmartNoise SQL has no median or "
        "percentile aggregate; its row above is the median of a noisy `GROUP BY age` "
        "histogram (ε = 1; the age values are treated as public keys). Most frequent "
        f"answers: Pazhou {median['answers']['pazhou']}; SmartNoise route "
        f"{median['answers']['smartnoise']}; OpenDP {median['answers']['opendp']}.",
        "ε per release (each statistic costs ε in total in both systems):\n\n"
        + "\n".join(f"- {line}" for line in split_lines(pazhou, peers)),
    ]
    return "\n\n".join(parts)


# --- entry point ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--csv", type=Path, default=DATA / "PUMS.csv")
    parser.add_argument("--metadata", type=Path, default=DATA / "PUMS.yaml")
    parser.add_argument("--no-write", action="store_true", help="leave BENCHMARKS.md alone")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def print_summary(summary: list[dict[str, Any]], pazhou: Any, peers: Any) -> None:
    for row in [HEADER, *table_rows(summary)]:
        print("  ".join(f"{value:>18}" for value in row))
    median = next(entry for entry in summary if entry["statistic"] == "median age")
    print(f"OpenDP .dp.median MAE: {cell(median['opendp'])}")
    print("median answers:", median["answers"])
    for line in split_lines(pazhou, peers):
        print(line)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return
    before = machine()
    metadata = load_metadata(args.metadata)
    parquet = parquet_copy(args.csv)
    exact = truth(metadata, parquet)
    print(f"Pazhou: {args.runs} runs x {len(STATISTICS)} statistics ...", flush=True)
    pazhou = run_pazhou(metadata, parquet, args)
    print("SmartNoise SQL (peers venv) ...", flush=True)
    common = ["--runs", str(args.runs), "--epsilon", str(args.epsilon)]
    files = ["--csv", str(args.csv), "--metadata", str(args.metadata)]
    peers = run_worker(peers_python(), SCRIPT, ["--worker", *common, *files], WORKER_TIMEOUT)
    summary = summarize(exact, pazhou, peers)
    print_summary(summary, pazhou, peers)
    print(json.dumps({"machine": before, "summary": summary}))
    if not args.no_write:
        write_section(SECTION, report(args, summary, (pazhou, peers, before)))
        print(f"wrote section '{SECTION}' of BENCHMARKS.md")


if __name__ == "__main__":
    main()

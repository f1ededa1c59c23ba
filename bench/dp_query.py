"""DP query latency benchmark (issue 4): Pazhou against plain DuckDB, diffprivlib and OpenDP.

The query: ``count``, ``sum(income)`` and ``mean(income)`` grouped by ``district`` (20 public
values), ε = 1, over a generated Parquet table (``--rows``, default 10,000,000; columns
``district`` (20 Guangzhou/Shenzhen district names, Zipf-like sizes), ``income`` (int64, about
0.3% above the policy's bound of 500,000, so clamping matters) and ``age`` (0..100)). The table
is generated once, deterministically, and cached under ``bench/out/``.

Contenders, each in a process of its own so its peak RSS (``ru_maxrss``) is clean; each process
does one untimed warm-up query, then ``--repeat`` timed ones (default 5). ``--rounds``
(default 3) runs every contender that many times, interleaved (Pazhou, DuckDB, diffprivlib,
OpenDP, Pazhou, ...), so that a burst of load from other work on the machine does not land on
one contender only; the median over all timed queries is reported (``--rounds 1`` gives the
plain median of 5), with the minimum, the median CPU time (all threads) and the peak RSS:

* ``pazhou``: the service function path without HTTP or the budget ledger —
  ``parse_mapping`` (policy) → ``check`` → ``plan`` → ``group_stats`` (DuckDB over the Parquet
  file) → ``_public_keys`` → ``expected_half_widths`` → ``assemble`` (diffprivlib noise), each
  step timed.
* ``duckdb``: the same aggregates in DuckDB without privacy (clamped ``GROUP BY``): the limit.
* ``diffprivlib``: the columns loaded once into numpy (load timed apart), then per district
  ``tools.count_nonzero`` / ``tools.sum`` / ``tools.mean`` with bounds, ε/3 each.
* ``opendp``: the context API (``Context.compositor`` over a polars LazyFrame with the public
  keys, ``dp.len`` + ``.dp.sum`` + ``.dp.mean``), in ``bench/out/peers-venv`` (created on first
  use: OpenDP and smartnoise-sql pin versions that clash with the service's). OpenDP's polars
  plugin cannot scan Parquet, so the frame is read into memory once (load timed apart); each
  query builds its context (ε = 1) and releases.

Then the cost of diffprivlib's secure-random noise per cell (``--noise-cells``): ``assemble``
on synthetic exact statistics (a count and a sum per group, like the query above), the bare
``noisy_count`` / ``noisy_sum`` calls, and, for scale, ``secrets.SystemRandom().random()`` and
numpy's (not secure) vectorised Laplace.

Goals (issue 4): Pazhou within 1.5x of the plain DuckDB query, and at least 5x faster than the
diffprivlib and OpenDP paths. Results are printed, emitted as one JSON line, and written to
BENCHMARKS.md under "DP query latency (issue 4)" (``--no-write`` to skip). MB = 10^6 bytes.

Run from the repository root::

    /work/venv-scratch/bin/python bench/dp_query.py [--rows 10000000] [--repeat 5] [--rounds 3]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from _peers import (
    OUT,
    clocked,
    command_line,
    emit,
    machine,
    markdown_table,
    median,
    peak_rss_mb,
    peers_python,
    run_worker,
    timed,
    write_section,
)

SCRIPT = Path(__file__).resolve()
SECTION = "DP query latency (issue 4)"
FORMAT_VERSION = 1  # bump when the generated data changes, so the cache is rebuilt
SEED = 20240604
CHUNK_ROWS = 1_000_000
EPSILON = 1.0
LOWER, UPPER = 0, 500_000
GOAL_DUCKDB = 1.5
GOAL_PEERS = 5.0
WORKER_TIMEOUT = 1800
SMALL_NOISE_BATCH = 10_000
DISTRICTS = (
    "天河区",
    "越秀区",
    "海珠区",
    "荔湾区",
    "白云区",
    "黄埔区",
    "番禺区",
    "花都区",
    "南沙区",
    "从化区",
    "增城区",
    "福田区",
    "罗湖区",
    "南山区",
    "盐田区",
    "宝安区",
    "龙岗区",
    "龙华区",
    "坪山区",
    "光明区",
)
COLUMNS = ("district", "income", "age")
CONTENDERS = ("pazhou", "duckdb", "diffprivlib", "opendp")


# --- data -----------------------------------------------------------------------------------


def data_path(rows: int) -> Path:
    return OUT / f"dpq-{rows}-v{FORMAT_VERSION}.parquet"


def ensure_data(rows: int) -> Path:
    """The cached table, generated in chunks (one row group per chunk) on first use."""
    path = data_path(rows)
    if not path.exists():
        generate(path, rows)
    from app.engine.native import build, engine_file

    if not engine_file(path).exists():  # what publishing writes next to the Parquet copy
        build(path)
    return path


def generate(path: Path, rows: int) -> None:
    """Write the Parquet table in chunks (one row group per chunk)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    weights = 1 / np.arange(1, len(DISTRICTS) + 1) ** 0.8
    weights /= weights.sum()
    names = pa.array(DISTRICTS, pa.string())
    district_type = pa.dictionary(pa.int32(), pa.string())
    schema = pa.schema([("district", district_type), ("income", pa.int64()), ("age", pa.int64())])
    partial = path.with_suffix(".partial")
    start = time.perf_counter()
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        for first in range(0, rows, CHUNK_ROWS):
            size = min(CHUNK_ROWS, rows - first)
            codes = rng.choice(len(DISTRICTS), size=size, p=weights).astype(np.int32)
            income = np.rint(rng.lognormal(10.6, 0.95, size)).astype(np.int64)
            income[rng.random(size) < 0.02] = 0  # no income
            age = rng.integers(0, 101, size, dtype=np.int64)
            district = pa.DictionaryArray.from_arrays(pa.array(codes), names)
            writer.write_table(pa.table([district, income, age], schema=schema))
    partial.rename(path)
    print(f"generated {path} ({rows:,} rows) in {time.perf_counter() - start:.1f} s", flush=True)


# --- the policy and the query (Pazhou) --------------------------------------------------------


def policy_document() -> dict[str, Any]:
    return {
        "name": "dp-query-bench",
        "epsilon_total": 100.0,
        "grant_default_epsilon": 1.0,
        "max_query_epsilon": 1.0,
        "columns": {
            "district": {"type": "category", "group_by": True, "public_values": list(DISTRICTS)},
            "income": {"type": "integer", "lower": LOWER, "upper": UPPER},
            "age": {"type": "integer", "lower": 0, "upper": 100},
        },
    }


def query_document() -> dict[str, Any]:
    return {
        "aggregations": [
            {"fn": "count"},
            {"fn": "sum", "column": "income"},
            {"fn": "mean", "column": "income"},
        ],
        "group_by": ["district"],
        "epsilon": EPSILON,
    }


def pazhou_once(path: Path) -> tuple[dict[str, float], Any]:
    """One query through the service functions (``checked_plan`` then ``compute``, which the
    HTTP handler calls between the budget reservation and its commit), each step timed."""
    from app.services.queries import Target, checked_plan
    from app.services.query_run import compute
    from policies.load import parse_mapping
    from policies.query import Query

    steps: dict[str, float] = {}
    start = time.perf_counter()
    policy = parse_mapping(policy_document())
    where = Target(None, policy, 1, list(COLUMNS), [str(path)])  # type: ignore[arg-type]
    release = checked_plan(Query.model_validate(query_document()), where)
    steps["policy+check+plan"] = time.perf_counter() - start
    steps["compute (DuckDB + noise)"], answer = timed(compute, release, where)
    steps["total"] = time.perf_counter() - start
    return steps, answer


def operator_times(node: dict[str, Any], into: dict[str, float]) -> dict[str, float]:
    """Seconds per operator type in a DuckDB JSON profile (summed over threads)."""
    if "type" in node and "timing" in node:
        into[node["type"]] = into.get(node["type"], 0.0) + float(node["timing"])
    for child in [*node.get("operator", []), *node.get("children", [])]:
        operator_times(child, into)
    return into


def duckdb_profile(path: Path) -> dict[str, float]:
    """DuckDB's own profile of the SQL Pazhou compiles for the query (one extra run)."""

    from app.engine.compile import Compiler
    from app.engine.native import cursor, engine_file
    from policies.load import parse_mapping
    from policies.query import Query
    from policies.release import plan

    release = plan(Query.model_validate(query_document()), parse_mapping(policy_document()))
    sql = Compiler(COLUMNS, None).aggregates(release)
    output = OUT / f"dpq-profile-{os.getpid()}.json"
    with cursor(engine_file(path)) as conn:  # the service's shared read-only connection
        conn.execute("PRAGMA enable_profiling='json'")
        conn.execute(f"PRAGMA profiling_output='{output}'")
        conn.execute(sql.text, sql.params).fetchall()
    profile = json.loads(output.read_text())
    output.unlink()
    times = operator_times(profile, {})
    times = {name: value for name, value in times.items() if value >= 0.001}
    return times | {"query wall": profile["query"]["total_time"]}


def worker_pazhou(path: Path, repeat: int) -> dict[str, Any]:
    import app.services.query_run  # noqa: F401  (the service has these loaded already)

    base = peak_rss_mb()
    _, answer = pazhou_once(path)  # warm-up
    measured = [clocked(pazhou_once, path) for _ in range(repeat)]
    runs = [steps for _, _, (steps, _) in measured]
    return {
        "times": [run["total"] for run in runs],
        "cpu": [cpu for _, cpu, _ in measured],
        "steps": {name: median([run[name] for run in runs]) for name in runs[0]},
        "groups": len(answer.rows),
        "base_rss_mb": base,
        "profile": duckdb_profile(path),
    }


# --- the limit: DuckDB without privacy ------------------------------------------------------

LIMIT_SQL = """
SELECT district, COUNT(*) AS n, SUM(clamped) AS total, AVG(clamped) AS mean
FROM (SELECT district, LEAST(GREATEST(income, ?), ?) AS clamped FROM data)
GROUP BY district
"""


def worker_duckdb(path: Path, repeat: int) -> dict[str, Any]:
    import duckdb

    base = peak_rss_mb()

    from app.engine.native import engine_file

    # the same storage Pazhou queries: the DuckDB copy that publishing writes
    conn = duckdb.connect(str(engine_file(path)), read_only=True)

    def once() -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = conn.execute(LIMIT_SQL, [LOWER, UPPER]).fetchall()
        return rows

    groups = len(once())
    measured = [clocked(once) for _ in range(repeat)]
    times, cpu = [wall for wall, _, _ in measured], [cpu for _, cpu, _ in measured]
    return {"times": times, "cpu": cpu, "groups": groups, "base_rss_mb": base}


# --- diffprivlib on in-memory numpy -----------------------------------------------------------


def load_numpy(path: Path) -> tuple[Any, list[str], Any]:
    """District codes, their names, incomes: what a numpy user would hold in memory."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["district", "income"])
    district = pc.cast(table.column("district"), pa.string()).combine_chunks()
    encoded = pc.dictionary_encode(district)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    names = encoded.dictionary.to_pylist()
    income = table.column("income").to_numpy()
    return codes, names, income


def diffprivlib_once(codes: Any, names: list[str], income: Any) -> list[tuple[Any, ...]]:
    from diffprivlib import tools

    share = EPSILON / 3  # three releases per group; the groups are disjoint
    bounds = (LOWER, UPPER)
    rows = []
    for name in DISTRICTS:
        mask = codes == names.index(name) if name in names else codes < 0
        count = tools.count_nonzero(mask, epsilon=share)
        selected = income[mask]
        total = tools.sum(selected, epsilon=share, bounds=bounds)
        mean = tools.mean(selected, epsilon=share, bounds=bounds)
        rows.append((name, count, total, mean))
    return rows


def worker_diffprivlib(path: Path, repeat: int) -> dict[str, Any]:
    import diffprivlib.tools  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    base = peak_rss_mb()
    load, (codes, names, income) = timed(load_numpy, path)
    groups = len(diffprivlib_once(codes, names, income))
    measured = [clocked(diffprivlib_once, codes, names, income) for _ in range(repeat)]
    times, cpu = [wall for wall, _, _ in measured], [cpu for _, cpu, _ in measured]
    return {"times": times, "cpu": cpu, "load": load, "groups": groups, "base_rss_mb": base}


# --- OpenDP's context API (peers venv) --------------------------------------------------------


def opendp_load(path: Path) -> Any:
    import polars as pl

    frame = pl.read_parquet(path, columns=["district", "income"])
    return frame.with_columns(pl.col("district").cast(pl.String)).lazy()


def opendp_once(frame: Any, rows: int) -> tuple[float, Any]:
    """One context (ε = 1) and one release; returns (context build time, answer)."""
    import opendp.prelude as dp
    import polars as pl

    start = time.perf_counter()
    context = dp.Context.compositor(
        data=frame,
        privacy_unit=dp.unit_of(contributions=1),
        privacy_loss=dp.loss_of(epsilon=EPSILON),
        split_evenly_over=1,
        margins=[dp.polars.Margin(by=["district"], max_length=rows)],
    )
    built = time.perf_counter() - start
    income = pl.col("income").fill_null(0)
    query = (
        context.query()
        .group_by("district")
        .agg(
            dp.len().alias("count"),
            income.dp.sum((LOWER, UPPER)).alias("sum_income"),
            income.dp.mean((LOWER, UPPER)).alias("mean_income"),
        )
        .with_keys(pl.LazyFrame({"district": list(DISTRICTS)}))
    )
    return built, query.release().collect()


def worker_opendp(path: Path, repeat: int, rows: int) -> dict[str, Any]:
    from importlib.metadata import version

    import opendp.prelude as dp
    import polars  # noqa: F401

    dp.enable_features("contrib")
    base = peak_rss_mb()
    load, frame = timed(opendp_load, path)
    _, answer = opendp_once(frame, rows)
    times, cpu, contexts = [], [], []
    for _ in range(repeat):
        took, used, (built, _) = clocked(opendp_once, frame, rows)
        times.append(took)
        cpu.append(used)
        contexts.append(built)
    return {
        "times": times,
        "cpu": cpu,
        "load": load,
        "steps": {"context": median(contexts)},
        "groups": answer.height,
        "base_rss_mb": base,
        "version": version("opendp"),
    }


# --- the cost of secure-random noise per cell -------------------------------------------------


def noise_assemble(cells: int) -> float:
    """``assemble`` for cells/2 groups of (count, sum), exact statistics made up."""
    from policies.answer import GroupStats, assemble
    from policies.load import parse_mapping
    from policies.query import Query
    from policies.release import expected_half_widths, plan

    groups = max(1, cells // 2)
    document = policy_document()
    document["columns"]["district"]["public_values"] = [f"g{i}" for i in range(groups)]
    policy = parse_mapping(document)
    release = plan(Query.model_validate(query_document()), policy)
    keys = [(f"g{i}",) for i in range(groups)]
    stats = {key: GroupStats(count=500, sums={"sum_income": 2.5e7}) for key in keys}
    widths = expected_half_widths(release)
    took, _ = timed(assemble, release, stats, keys, widths, policy.min_group_size)
    return took


def noise_mechanisms(cells: int) -> float:
    from policies import mechanisms as mech

    start = time.perf_counter()
    for _ in range(max(1, cells // 2)):
        mech.noisy_count(500, EPSILON / 2)
        mech.noisy_sum(2.5e7, EPSILON / 2, LOWER, UPPER)
    return time.perf_counter() - start


def noise_system_random(cells: int) -> float:
    """The secure draws alone: diffprivlib's Laplace takes four uniforms per value."""
    import secrets

    draw = secrets.SystemRandom().random
    start = time.perf_counter()
    for _ in range(4 * cells):
        draw()
    return time.perf_counter() - start


def noise_numpy(cells: int) -> float:
    import numpy as np

    rng = np.random.default_rng()
    return timed(rng.laplace, 0.0, 1.0, cells)[0]


NOISE_WAYS = {
    "assemble (count+sum per group)": noise_assemble,
    "noisy_count + noisy_sum calls": noise_mechanisms,
    "SystemRandom().random() x4 (bare)": noise_system_random,
    "numpy Generator.laplace (not secure)": noise_numpy,
}


def worker_noise(cell_counts: list[int], repeat: int) -> dict[str, Any]:
    noise_assemble(40)  # warm-up (imports, first mechanisms)
    results: dict[str, dict[str, float]] = {}
    for name, way in NOISE_WAYS.items():
        results[name] = {}
        for cells in cell_counts:
            times = repeat if cells <= SMALL_NOISE_BATCH else 1
            results[name][str(cells)] = median([way(cells) for _ in range(times)])
    return {"noise": results}


# --- the parent: run everything, report -----------------------------------------------------


def merge(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One contender's rounds (one process each) as one result: all timings pooled."""
    merged: dict[str, Any] = {
        "times": [t for r in rounds for t in r["times"]],
        "cpu": [t for r in rounds for t in r["cpu"]],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in rounds),
        "base_rss_mb": max(r["base_rss_mb"] for r in rounds),
        "groups": rounds[0]["groups"],
    }
    if "load" in rounds[0]:
        merged["load"] = median([r["load"] for r in rounds])
    if "steps" in rounds[0]:
        merged["steps"] = {k: median([r["steps"][k] for r in rounds]) for k in rounds[0]["steps"]}
    if "profile" in rounds[0]:
        merged["profile"] = rounds[-1]["profile"]
    merged["median"] = median(merged["times"])
    return merged


def run_all(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    """Every contender once per round, interleaved, so that a burst of load elsewhere on the
    machine does not land on one contender only."""
    common = ["--data", str(path), "--repeat", str(args.repeat), "--rows", str(args.rows)]
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in args.only or CONTENDERS}
    for round_ in range(1, args.rounds + 1):
        for name, done in rounds.items():
            python = peers_python() if name == "opendp" else sys.executable
            print(f"round {round_}/{args.rounds}: {name} ...", flush=True)
            done.append(run_worker(python, SCRIPT, ["--worker", name, *common], WORKER_TIMEOUT))
    results: dict[str, Any] = {name: merge(done) for name, done in rounds.items()}
    if args.noise_cells:
        print("running noise ...", flush=True)
        cells = ["--noise-cells", *map(str, args.noise_cells)]
        noise = ["--worker", "noise", "--repeat", str(args.repeat), *cells]
        results["noise"] = run_worker(sys.executable, SCRIPT, noise, WORKER_TIMEOUT)["noise"]
    return results


def fmt(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def contender_rows(results: dict[str, Any]) -> list[list[str]]:
    pazhou = results.get("pazhou", {}).get("median")
    rows = []
    for name in CONTENDERS:
        if name not in results:
            continue
        result = results[name]
        ratio = f"{result['median'] / pazhou:.2f}x" if pazhou else "-"
        load = result.get("load")
        with_load = (
            f"{fmt(result['median'] + load)} ({(result['median'] + load) / pazhou:.1f}x)"
            if load is not None and pazhou
            else "-"
        )
        rows.append(
            [
                name,
                fmt(result["median"]),
                f"{fmt(min(result['times']))}-{fmt(max(result['times']))}",
                fmt(median(result["cpu"])),
                fmt(load) if load is not None else "-",
                with_load,
                f"{result['peak_rss_mb']:.0f}",
                f"{result['base_rss_mb']:.0f}",
                ratio,
            ]
        )
    return rows


HEADER = [
    "contender",
    "median query s",
    "min-max s",
    "median CPU s",
    "load s (once)",
    "query + load s (/ Pazhou)",
    "peak RSS MB",
    "RSS after imports MB",
    "time / Pazhou",
]


def ratios(results: dict[str, Any], over: str, under: str) -> str:
    """``over / under`` on the median, the minimum (least disturbed) and the CPU time."""
    a, b = results[over], results[under]
    on_median = a["median"] / b["median"]
    on_min = min(a["times"]) / min(b["times"])
    on_cpu = median(a["cpu"]) / median(b["cpu"])
    return f"{on_median:.2f}x (min {on_min:.2f}x, CPU {on_cpu:.2f}x)"


def goals(results: dict[str, Any]) -> list[str]:
    pazhou = results.get("pazhou", {}).get("median")
    if not pazhou:
        return []
    lines = []
    if "duckdb" in results:
        met = pazhou / results["duckdb"]["median"] <= GOAL_DUCKDB
        lines.append(
            f"Pazhou / plain DuckDB = {ratios(results, 'pazhou', 'duckdb')} "
            f"(goal <= {GOAL_DUCKDB}x on the median): {'met' if met else 'NOT met'}"
        )
    for peer in ("diffprivlib", "opendp"):
        if peer in results:
            met = results[peer]["median"] / pazhou >= GOAL_PEERS
            lines.append(
                f"{peer} / Pazhou = {ratios(results, peer, 'pazhou')}, query only, load "
                f"excluded (goal >= {GOAL_PEERS}x on the median): {'met' if met else 'NOT met'}"
            )
            if "load" in results[peer]:
                with_load = (results[peer]["median"] + results[peer]["load"]) / pazhou
                lines.append(
                    f"{peer} / Pazhou with its one-off load from the same Parquet file "
                    f"counted = {with_load:.1f}x"
                )
    return lines


def noise_rows(noise: dict[str, dict[str, float]]) -> tuple[list[str], list[list[str]]]:
    cells = list(next(iter(noise.values())))
    header = ["noise path", *[f"{int(c):,} cells s" for c in cells], "per cell us (largest)"]
    rows = []
    for name, by_cells in noise.items():
        largest = cells[-1]
        per_cell = by_cells[largest] / int(largest) * 1e6
        rows.append([name, *[f"{by_cells[c]:.4f}" for c in cells], f"{per_cell:.2f}"])
    return header, rows


def step_rows(results: dict[str, Any]) -> list[list[str]]:
    steps = results.get("pazhou", {}).get("steps", {})
    total = steps.get("total") or 1.0
    return [[name, f"{value:.4f}", f"{value / total:.0%}"] for name, value in steps.items()]


def profile_rows(results: dict[str, Any]) -> list[list[str]]:
    profile = results.get("pazhou", {}).get("profile", {})
    return [[name, f"{value:.3f}"] for name, value in profile.items()]


def report(args: argparse.Namespace, results: dict[str, Any], before: dict[str, Any]) -> str:
    after = machine()
    parts = [
        f"Command: `{command_line()}`",
        f"Date: {before['date']}; {before['cpus']} CPUs; load average (1 min) "
        f"{before['load1']} at start, {after['load1']} at the end. The machine was shared "
        "with other work (tests, another benchmark) during the run, so absolute numbers are "
        "noisy; the ratios are more telling than the seconds.",
        f"Data: {args.rows:,} rows, Parquet (zstd, 1M-row row groups), 20 districts, "
        f"income int64 clamped to [{LOWER}, {UPPER}]. Query: count + sum(income) + "
        f"mean(income) by district (public values), ε = {EPSILON}. Each contender ran in "
        f"{args.rounds} processes (interleaved rounds), each with one warm-up and then "
        f"{args.repeat} timed queries; medians are over all {args.rounds * args.repeat} "
        "timed queries. CPU = process CPU time, all threads (DuckDB and polars use both "
        "cores, numpy/diffprivlib one). Pazhou and the plain DuckDB query read the "
        "DuckDB-native copy that publishing writes next to the Parquet file; diffprivlib and "
        "OpenDP hold the data in memory, loaded once from the Parquet file ('load').",
        markdown_table(HEADER, contender_rows(results)),
    ]
    parts += ["Goals:\n\n" + "\n".join(f"- {line}" for line in goals(results))]
    if "pazhou" in results:
        parts.append(
            "Pazhou, median per step:\n\n"
            + markdown_table(["step", "s", "share"], step_rows(results))
        )
    if "profile" in results.get("pazhou", {}):
        parts.append(
            "DuckDB's JSON profile of the SQL Pazhou compiles (one run; operator seconds are "
            "summed over threads, so they can exceed the wall time):\n\n"
            + markdown_table(["operator", "s"], profile_rows(results))
        )
    if "noise" in results:
        header, rows = noise_rows(results["noise"])
        parts.append(
            "Secure-random noise per cell (diffprivlib mechanisms, `secrets.SystemRandom`):\n\n"
            + markdown_table(header, rows)
        )
    return "\n\n".join(parts)


def print_tables(results: dict[str, Any]) -> None:
    for row in [HEADER, *contender_rows(results)]:
        print("  ".join(f"{cell:>14}" for cell in row))
    for line in goals(results):
        print(line)
    for row in step_rows(results):
        print("  pazhou step", *row)
    for row in profile_rows(results):
        print("  duckdb profile", *row)
    if "noise" in results:
        header, rows = noise_rows(results["noise"])
        for row in [header, *rows]:
            print("  ".join(f"{cell:>12}" for cell in row))


# --- entry point ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed queries per process")
    parser.add_argument("--rounds", type=int, default=3, help="processes per contender")
    parser.add_argument("--noise-cells", type=int, nargs="*", default=[40, 400_000])
    parser.add_argument("--only", nargs="*", choices=CONTENDERS, help="run only these")
    parser.add_argument("--no-write", action="store_true", help="leave BENCHMARKS.md alone")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def worker(args: argparse.Namespace) -> None:
    if args.worker == "noise":
        result = worker_noise(args.noise_cells, args.repeat)
    elif args.worker == "opendp":
        result = worker_opendp(args.data, args.repeat, args.rows)
    else:
        runner = {
            "pazhou": worker_pazhou,
            "duckdb": worker_duckdb,
            "diffprivlib": worker_diffprivlib,
        }[args.worker]
        result = runner(args.data, args.repeat)
    emit({**result, "peak_rss_mb": peak_rss_mb()})


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return
    before = machine()
    path = ensure_data(args.rows)
    results = run_all(args, path)
    print_tables(results)
    print(json.dumps({"machine": before, "results": results}))
    if not args.no_write:
        write_section(SECTION, report(args, results, before))
        print(f"wrote section '{SECTION}' of BENCHMARKS.md")


if __name__ == "__main__":
    main()

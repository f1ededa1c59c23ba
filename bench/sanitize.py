"""Sanitize throughput benchmark (issue 3): classify and mask a 10-column table end to end.

What it measures, in one run (each phase in a fresh subprocess, so peak memory is its own):

* **Pazhou** on the whole table (``--rows``, default 1,000,000), timed from the start of the
  span workers (``span_pool.prestart``: they load their tables while classification runs):
  ``classify_table`` on a 1,000-value sample per column, ``build_plan`` from that report,
  then ``apply_plan`` with the default operators and ``bulk_text.text_masker``, which hands
  the free-text column to the span workers in 20,000-row chunks (known values blanked, every
  note scanned, spans replaced) while this process masks the other columns. Rows/s end to
  end, the time of each stage (classification, each column's operator; for the free-text
  column, the wait for the workers) and the peak RSS of the process tree (workers included).
  The presidio analyzer that classification uses for free text is built before the timer,
  as the peers' analyzers are below (same ``build_analyzer()``).
* **Pazhou on the slice** (``--slice`` rows, default 20,000): the same pipeline, for the
  column-level recall and a like-for-like rate.
* **presidio-analyzer** ``BatchAnalyzerEngine.analyze_dict`` on the slice (every cell of every
  column), with Pazhou's recognizers in ``engine.build_analyzer()``; a column's entity is its
  most common detected entity (presidio-structured's rule).
* **presidio-structured** on the slice: ``PandasAnalysisBuilder(analyzer=...)`` over all slice
  rows, then ``StructuredEngine().anonymize`` (default ``replace`` operator).

Column-level recall counts the six direct-identifier columns (resident ID, name, mobile,
e-mail, bank card, USCC) whose entity is found. The leak check counts identifier values
planted in the slice's notes (IDs, mobiles, cards, USCCs, e-mails, SSNs, US phones) that
survive masking verbatim.

The table (resident ID, name, mobile, e-mail, bank card, USCC, age, district, amount,
notes) is generated once with numpy from Faker pools (``bench/pii_data.py``) and cached in
``bench/out/``. Run from the repository root::

    /work/venv-scratch/bin/python -m bench.sanitize [--rows 1000000] [--slice 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
MB = 1_000_000
SEED = 20240603
VERSION = 1
NOTES = "备注"
TRUTH: dict[str, str | None] = {
    "身份证号": "CN_RESIDENT_ID", "姓名": "CN_PERSON_NAME", "手机号": "CN_MOBILE",
    "电子邮箱": "EMAIL_ADDRESS", "银行卡号": "CN_BANK_CARD", "统一社会信用代码": "CN_USCC",
    "年龄": "AGE", "所在区": "DISTRICT", "金额": None, NOTES: "FREE_TEXT",
}  # fmt: skip
IDENTIFIER_COLUMNS = [c for c, e in TRUTH.items() if e and e.startswith(("CN_", "EMAIL"))]
LEAK_ENTITIES = frozenset(
    {"CN_RESIDENT_ID", "CN_MOBILE", "CN_BANK_CARD", "CN_USCC", "EMAIL_ADDRESS", "US_SSN",
     "PHONE_NUMBER"}
)  # fmt: skip
POLICY: dict[str, tuple[str, dict[str, Any]]] = {}  # the classification's defaults throughout


# --- data -------------------------------------------------------------------------------


def data_path(rows: int) -> Path:
    """The cached table for ``rows`` rows."""
    return OUT / f"sanitize-{rows}-s{SEED}-v{VERSION}.parquet"


def gold_path(rows: int) -> Path:
    """Gold spans of the notes (JSON lines, one per row) of the cached table."""
    return OUT / f"sanitize-{rows}-s{SEED}-v{VERSION}-gold.jsonl"


def generate(rows: int) -> None:
    """Write the table and the gold spans of its notes."""
    from bench import pii_data as d

    rng = np.random.default_rng(SEED)
    pool = d.pools(20_000, SEED)
    texts, gold = d.notes(rng, pool, rows)
    table = pa.table(
        {
            "身份证号": d.resident_ids(rng, rows),
            "姓名": d.sample(rng, pool.zh_names, rows),
            "手机号": d.mobiles(rng, rows),
            "电子邮箱": d.emails(rng, rows, pool.user_names),
            "银行卡号": d.bank_cards(rng, rows),
            "统一社会信用代码": d.usccs(rng, rows),
            "年龄": pa.array(d.ages(rng, rows), pa.int32()),
            "所在区": d.sample(rng, d.DISTRICTS, rows),
            "金额": np.round(rng.gamma(2.0, 400.0, rows), 2),
            NOTES: texts,
        }
    )
    OUT.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, data_path(rows), compression="zstd")
    with gold_path(rows).open("w", encoding="utf-8") as handle:
        for spans in gold:
            handle.write(json.dumps(spans) + "\n")


def load(rows: int) -> pa.Table:
    """The cached table (generated in a subprocess first if missing)."""
    if not data_path(rows).exists():
        _phase("generate", rows, 0)
    return pq.read_table(data_path(rows))


def load_gold(rows: int, count: int) -> list[list[tuple[str, int, int]]]:
    """Gold note spans of the first ``count`` rows."""
    out: list[list[tuple[str, int, int]]] = []
    with gold_path(rows).open(encoding="utf-8") as handle:
        for line, _ in zip(handle, range(count), strict=False):
            out.append([tuple(span) for span in json.loads(line)])
    return out


# --- measurement helpers ------------------------------------------------------------------


class RssSampler:
    """Samples this process tree's RSS every 100 ms in a thread; ``peak`` is the largest sum."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> int:
        total = 0
        for member in [self.process, *self.process.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += member.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree())
            self._stop.wait(0.1)

    def __enter__(self) -> RssSampler:
        self.peak = self._tree()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def column_recall(found: dict[str, str | None]) -> tuple[float, list[str]]:
    """Share of the identifier columns whose entity was found, and the missed columns."""
    missed = [c for c in IDENTIFIER_COLUMNS if found.get(c) != TRUTH[c]]
    return 1 - len(missed) / len(IDENTIFIER_COLUMNS), missed


# --- phases -------------------------------------------------------------------------------


def pazhou(table: pa.Table) -> dict[str, Any]:
    """Classify and mask ``table`` end to end; timings, entities found, masked table.

    The span workers are started first (they load their tables while classification runs);
    ``apply_plan`` starts the free-text column on them (``bulk_text.text_masker``) and masks
    the other columns meanwhile. Everything from worker start to the masked table is timed.
    """
    from anonymizers import span_pool
    from anonymizers.bulk_text import text_masker
    from anonymizers.classify import classify_table
    from anonymizers.operators import MaskContext
    from anonymizers.plan import apply_plan, build_plan, person_key

    start = time.perf_counter()
    span_pool.prestart()
    report = classify_table(table, sample_size=1000, seed=0)
    classified = time.perf_counter()
    steps = build_plan(table.column_names, [r.as_dict() for r in report], POLICY)
    context = MaskContext(
        secret=b"k" * 32, person_ids=person_key(table, steps), text_masker=text_masker
    )
    stamps = [time.perf_counter()]
    masked = apply_plan(table, steps, context, lambda _: stamps.append(time.perf_counter()))
    end = time.perf_counter()
    per_step = {
        f"{s.column} ({s.operator})": round(b - a, 3)
        for s, a, b in zip(steps, stamps[:-1], stamps[1:], strict=True)
    }
    return {
        "seconds": end - start,
        "rows_per_s": table.num_rows / (end - start),
        "classify_s": round(classified - start, 3),
        "plan_s": round(stamps[0] - classified, 3),
        "steps_s": per_step,
        "entities": {
            r.name: (r.entity or ("FREE_TEXT" if r.category == "free_text" else None))
            for r in report
        },
        "masked": masked,
    }


def leaks(masked_notes: list[str | None], gold: list[list[tuple[str, int, int]]],
          raw_notes: list[str]) -> dict[str, int]:  # fmt: skip
    """Planted identifier values (by entity) still present verbatim in the masked notes."""
    survived: Counter[str] = Counter()
    planted: Counter[str] = Counter()
    for raw, out, spans in zip(raw_notes, masked_notes, gold, strict=True):
        for entity, start, end in spans:
            if entity in LEAK_ENTITIES:
                planted[entity] += 1
                survived[entity] += raw[start:end] in (out or "")
    return {"planted": sum(planted.values()), "survived": sum(survived.values()),
            **{f"survived_{e}": n for e, n in sorted(survived.items()) if n}}  # fmt: skip


def _cpu_seconds(children: bool) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def phase_pazhou(rows: int, slice_rows: int) -> dict[str, Any]:
    """Pazhou on the whole table and on the slice; CPU seconds of this process and of the
    span workers (stopped after the whole-table run so that their time is counted).

    The presidio analyzer that classification uses is built first, outside the timers, as
    the peers' analyzers are (``phase_presidio``): the same ``build_analyzer()`` call.
    """
    from anonymizers import span_pool
    from anonymizers.engine import cached_analyzer

    table = pq.read_table(data_path(rows))
    start = time.perf_counter()
    cached_analyzer()
    analyzer_s = time.perf_counter() - start
    load_before = os.getloadavg()[0]
    cpu = _cpu_seconds(False), _cpu_seconds(True)
    with RssSampler() as rss:
        whole = pazhou(table)
    span_pool.shutdown()
    whole["cpu_main_s"] = round(_cpu_seconds(False) - cpu[0], 1)
    whole["cpu_workers_s"] = round(_cpu_seconds(True) - cpu[1], 1)
    whole["load_before"], whole["load_after"] = load_before, os.getloadavg()[0]
    whole["analyzer_build_s"] = round(analyzer_s, 2)
    part = table.slice(0, slice_rows)
    small = pazhou(part)
    raw = part.column(NOTES).to_pylist()
    masked = small.pop("masked").column(NOTES).to_pylist()
    whole.pop("masked")
    recall, missed = column_recall(small["entities"])
    whole_recall, whole_missed = column_recall(whole["entities"])
    return {
        "whole": {**whole, "peak_rss_mb": rss.peak / MB, "recall": whole_recall,
                  "missed": whole_missed},
        "slice": {**small, "recall": recall, "missed": missed,
                  "leaks": leaks(masked, load_gold(rows, slice_rows), raw)},
    }  # fmt: skip


def _most_common(results: Sequence[Sequence[Any]]) -> str | None:
    counts = Counter(r.entity_type for cell in results for r in cell)
    return counts.most_common(1)[0][0] if counts else None


def phase_presidio(rows: int, slice_rows: int) -> dict[str, Any]:
    """presidio-analyzer's BatchAnalyzerEngine and presidio-structured on the slice."""
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    from presidio_analyzer.batch_analyzer_engine import BatchAnalyzerEngine
    from presidio_structured import PandasAnalysisBuilder, StructuredEngine

    from anonymizers.engine import build_analyzer

    frame = pq.read_table(data_path(rows)).slice(0, slice_rows).to_pandas()
    batch = BatchAnalyzerEngine(analyzer_engine=build_analyzer())
    start, cpu = time.perf_counter(), _cpu_seconds(False)
    results = list(batch.analyze_dict(frame.to_dict(orient="list"), language="zh"))
    batch_s, batch_cpu = time.perf_counter() - start, _cpu_seconds(False) - cpu
    batch_found = {r.key: _most_common(r.recognizer_results) for r in results}

    builder = PandasAnalysisBuilder(analyzer=build_analyzer())
    start, cpu = time.perf_counter(), _cpu_seconds(False)
    analysis = builder.generate_analysis(frame, language="zh")
    analysed = time.perf_counter()
    StructuredEngine().anonymize(frame, analysis)
    end, structured_cpu = time.perf_counter(), _cpu_seconds(False) - cpu
    structured_found: dict[str, str | None] = dict(analysis.entity_mapping)
    batch_recall, batch_missed = column_recall(batch_found)
    structured_recall, structured_missed = column_recall(structured_found)
    return {
        "batch": {"seconds": batch_s, "rows_per_s": slice_rows / batch_s,
                  "cpu_s": round(batch_cpu, 1),
                  "entities": batch_found, "recall": batch_recall, "missed": batch_missed},
        "structured": {"seconds": end - start, "rows_per_s": slice_rows / (end - start),
                       "cpu_s": round(structured_cpu, 1),
                       "analysis_s": analysed - start, "anonymize_s": end - analysed,
                       "entities": structured_found, "recall": structured_recall,
                       "missed": structured_missed},
    }  # fmt: skip


PHASES: dict[str, Callable[[int, int], dict[str, Any] | None]] = {
    "generate": lambda rows, _: generate(rows),
    "pazhou": phase_pazhou,
    "presidio": phase_presidio,
}


def _phase(name: str, rows: int, slice_rows: int) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; its result is the last line of its stdout."""
    command = [sys.executable, "-m", "bench.sanitize", "--phase", name,
               "--rows", str(rows), "--slice", str(slice_rows)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


# --- report -------------------------------------------------------------------------------


def report(rows: int, slice_rows: int, p: dict[str, Any], q: dict[str, Any] | None) -> str:
    """Human-readable summary."""
    whole, part = p["whole"], p["slice"]
    lines = [
        f"Pazhou end to end, {rows:,} rows x 10 columns: {whole['seconds']:.1f} s = "
        f"{whole['rows_per_s']:,.0f} rows/s; peak RSS (tree) {whole['peak_rss_mb']:,.0f} MB",
        f"  CPU: main {whole['cpu_main_s']} s + span workers {whole['cpu_workers_s']} s; load "
        f"average {whole['load_before']:.2f} before, {whole['load_after']:.2f} after",
        f"  classify {whole['classify_s']} s (analyzer built before: "
        f"{whole['analyzer_build_s']} s, untimed as for the peers), plan {whole['plan_s']} s",
        *(f"  {name}: {sec} s" for name, sec in whole["steps_s"].items()),
        f"  column recall {whole['recall']:.0%} (missed {whole['missed']}), entities "
        f"{whole['entities']}",
        f"Pazhou on the {slice_rows:,}-row slice: {part['rows_per_s']:,.0f} rows/s, column "
        f"recall {part['recall']:.0%}, leaks {part['leaks']}",
    ]
    if q is not None:
        b, s = q["batch"], q["structured"]
        cpu_per_row = (whole["cpu_main_s"] + whole["cpu_workers_s"]) / rows * 1e6
        lines += [
            f"presidio BatchAnalyzerEngine on the slice: {b['rows_per_s']:,.1f} rows/s, column "
            f"recall {b['recall']:.0%} (missed {b['missed']})",
            f"presidio-structured on the slice: {s['rows_per_s']:,.1f} rows/s (analysis "
            f"{s['analysis_s']:.1f} s, anonymize {s['anonymize_s']:.1f} s), column recall "
            f"{s['recall']:.0%} (missed {s['missed']})",
            f"CPU per row: Pazhou whole {cpu_per_row:.1f} us, BatchAnalyzer "
            f"{b['cpu_s'] / slice_rows * 1e6:.0f} us, presidio-structured "
            f"{s['cpu_s'] / slice_rows * 1e6:.0f} us (ratio "
            f"{s['cpu_s'] / slice_rows * 1e6 / cpu_per_row:,.0f}x)",
            f"ratios: Pazhou whole / presidio-structured = "
            f"{whole['rows_per_s'] / s['rows_per_s']:,.0f}x; Pazhou slice / presidio-structured "
            f"= {part['rows_per_s'] / s['rows_per_s']:,.0f}x; Pazhou whole / BatchAnalyzer = "
            f"{whole['rows_per_s'] / b['rows_per_s']:,.0f}x",
        ]
    return "\n".join(lines)


def main() -> None:
    """Parse arguments; run a phase (internal) or the whole benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--slice", type=int, default=20_000, dest="slice_rows")
    parser.add_argument("--skip-presidio", action="store_true")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        result = PHASES[args.phase](args.rows, args.slice_rows)
        print(json.dumps(result, ensure_ascii=False, default=str))
        return
    load(args.rows)
    print(f"data: {data_path(args.rows)}  (cpus: {os.cpu_count()})", flush=True)
    p = _phase("pazhou", args.rows, args.slice_rows)
    q = None if args.skip_presidio else _phase("presidio", args.rows, args.slice_rows)
    print(report(args.rows, args.slice_rows, p, q))
    print(json.dumps({"rows": args.rows, "slice": args.slice_rows, "pazhou": p, "presidio": q},
                     ensure_ascii=False, default=str))  # fmt: skip


if __name__ == "__main__":
    main()

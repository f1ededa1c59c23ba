"""PII detection quality (issue 3): column classification and free-text spans, labelled data.

Two measurements on seeded synthetic data (Faker ``zh_CN`` and ``en_US`` pools plus numpy
identifiers, see ``bench/pii_data.py``):

* **Columns**: ``--tables`` tables (default 24) of ``--rows`` rows (default 2,000), each with
  12 columns drawn from 22 column kinds (resident ID, USCC, mobile, e-mail, bank card, SSN,
  Chinese and English names, addresses, US phones, IP addresses, ages, genders, districts,
  amounts, order numbers, SKUs, dates, companies, statuses, counts, product codes and
  free-text notes), under Chinese, English or neutral headers (``字段3``, ``col_7``: the
  values alone must decide). ``anonymizers.classify.classify_table`` labels each column;
  recall is reported per target entity (resident ID, USCC, mobile, e-mail, bank card, SSN:
  target 100%), precision over all columns given a label (target ≥ 98%).
* **Free-text spans**: ``--notes`` notes (default 3,000) mixing Chinese contact notes, plain
  notes and English notes with gold spans; recall per entity (a gold span counts when one
  span of the same entity covers it) and span precision (share of spans overlapping a gold
  span) for presidio (``engine.find_spans``) and the bulk path (``find_spans_fast``).

Run from the repository root::

    /work/venv-scratch/bin/python -m bench.pii_eval [--tables 24] [--rows 2000] [--notes 3000]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from bench import pii_data as d

SEED = 20240604
TARGETS = ("CN_RESIDENT_ID", "CN_USCC", "CN_MOBILE", "EMAIL_ADDRESS", "CN_BANK_CARD", "US_SSN")
Maker = Callable[[np.random.Generator, int], Sequence[Any]]


@dataclass(frozen=True)
class ColumnKind:
    """A kind of column: its true label, header choices and value generator."""

    label: str | None  # entity / kind classify_table should report; None: not personal
    headers: tuple[str, ...]
    make: Maker
    needs_header: bool = False  # recognisable only by its header (an age is a small number)


def _kinds(pool: d.Pools) -> dict[str, ColumnKind]:
    def pick(values: Sequence[str]) -> Maker:
        return lambda rng, n: d.sample(rng, values, n)

    def dates(rng: np.random.Generator, n: int) -> list[str]:
        days = rng.integers(0, 3650, n)
        return [str(np.datetime64("2015-01-01") + int(k)) for k in days]

    def ips(rng: np.random.Generator, n: int) -> list[str]:
        parts = rng.integers(1, 255, (n, 4))
        return [".".join(map(str, row)) for row in parts.tolist()]

    notes = lambda rng, n: d.notes(rng, pool, n)[0]  # noqa: E731
    return {
        "resident_id": ColumnKind("CN_RESIDENT_ID", ("身份证号", "id_number", "证件号码"),
                                  d.resident_ids),
        "uscc": ColumnKind("CN_USCC", ("统一社会信用代码", "uscc", "credit_code"), d.usccs),
        "mobile": ColumnKind("CN_MOBILE", ("手机号", "mobile", "联系电话"), d.mobiles),
        "email": ColumnKind("EMAIL_ADDRESS", ("邮箱", "email", "电子邮件"),
                            lambda rng, n: d.emails(rng, n, pool.user_names)),
        "bank_card": ColumnKind("CN_BANK_CARD", ("银行卡号", "bank_card", "account_no"),
                                d.bank_cards),
        "ssn": ColumnKind("US_SSN", ("ssn", "social_security", "社保号"), d.ssns),
        "cn_name": ColumnKind("CN_PERSON_NAME", ("姓名", "name", "联系人"), pick(pool.zh_names)),
        "en_name": ColumnKind("PERSON", ("full_name", "contact_name", "name"),
                              pick(pool.en_names)),
        "address": ColumnKind("CN_ADDRESS", ("地址", "address", "住址"), pick(pool.addresses)),
        "us_phone": ColumnKind("PHONE_NUMBER", ("phone", "telephone", "电话"), d.us_phones),
        "ip": ColumnKind("IP_ADDRESS", ("ip", "login_ip", "ip地址"), ips),
        "age": ColumnKind("AGE", ("年龄", "age"), lambda rng, n: d.ages(rng, n).tolist(), True),
        "gender": ColumnKind("GENDER", ("性别", "gender"), pick(("男", "女"))),
        "district": ColumnKind("DISTRICT", ("所在区", "district"), pick(d.DISTRICTS)),
        "amount": ColumnKind(None, ("金额", "amount"),
                             lambda rng, n: np.round(rng.gamma(2.0, 300.0, n), 2).tolist()),
        "order_no": ColumnKind(None, ("订单号", "order_id"),
                               lambda rng, n: [f"{x:016d}" for x in
                                               rng.integers(10**15, 10**16, n).tolist()]),
        "sku": ColumnKind(None, ("商品编码", "sku"),
                          lambda rng, n: [f"SKU-{x:06d}" for x in
                                          rng.integers(0, 10**6, n).tolist()]),
        "date": ColumnKind(None, ("办理日期", "created_at"), dates),
        "company": ColumnKind(None, ("单位名称", "company"), pick(pool.companies)),
        "status": ColumnKind(None, ("状态", "status"), pick(("已办结", "处理中", "待受理"))),
        "count": ColumnKind(None, ("数量", "qty"), lambda rng, n: rng.integers(0, 50, n).tolist()),
        "notes": ColumnKind("FREE_TEXT", ("备注", "notes", "remark"), notes),
    }  # fmt: skip


def make_tables(
    count: int, rows: int, width: int = 12, seed: int = SEED
) -> list[tuple[pa.Table, list[str | None]]]:
    """``count`` labelled tables of ``rows`` rows and ``width`` columns; every target kind
    appears in at least a third of the tables; one header in four is neutral (then an age
    column is expected to stay unlabelled: ages need their header by design)."""
    rng = np.random.default_rng(seed)
    kinds = _kinds(d.pools(5000, seed))
    names = list(kinds)
    tables = []
    for t in range(count):
        chosen = [n for n in names if kinds[n].label in TARGETS and (t + names.index(n)) % 3 == 0]
        others = [n for n in names if n not in chosen]
        chosen += list(rng.choice(others, width - len(chosen), replace=False))
        columns, labels, headers = [], [], []
        for i, name in enumerate(rng.permutation(chosen).tolist()):
            kind = kinds[name]
            neutral = rng.random() < 0.25
            header = f"字段{i + 1}" if neutral and i % 2 else f"col_{i + 1}" if neutral else \
                str(rng.choice(kind.headers))  # fmt: skip
            while header in headers:
                header += "_2"
            headers.append(header)
            columns.append(kind.make(rng, rows))
            labels.append(None if neutral and kind.needs_header else kind.label)
        tables.append((pa.table(dict(zip(headers, columns, strict=True))), labels))
    return tables


def column_scores(tables: list[tuple[pa.Table, list[str | None]]]) -> dict[str, Any]:
    """Classify every table; recall per label, precision over labelled columns, errors."""
    from anonymizers.classify import classify_table

    totals, hits = Counter[str](), Counter[str]()
    labelled = right = 0
    errors: list[tuple[str, str | None, str | None]] = []
    start = time.perf_counter()
    for table, labels in tables:
        for report, truth in zip(classify_table(table), labels, strict=True):
            got = report.entity or ("FREE_TEXT" if report.category == "free_text" else None)
            if truth is not None:
                totals[truth] += 1
                hits[truth] += got == truth
            if got is not None:
                labelled += 1
                right += got == truth
            if got != truth:
                errors.append((report.name, truth, got))
    return {
        "seconds": time.perf_counter() - start,
        "columns": sum(t.num_columns for t, _ in tables),
        "recall": {k: (hits[k], totals[k]) for k in sorted(totals)},
        "target_recall": sum(hits[k] for k in TARGETS) / max(1, sum(totals[k] for k in TARGETS)),
        "precision": right / max(1, labelled),
        "labelled": labelled,
        "errors": errors,
    }


def span_scores(gold: list[list[d.GoldSpan]], found: list[list[Any]]) -> dict[str, Any]:
    """Recall per entity (same entity covers the gold span), masked share (any spans cover
    it) and span precision (spans overlapping a gold span)."""
    totals, same, masked = Counter[str](), Counter[str](), Counter[str]()
    spans = good = 0
    for g, f in zip(gold, found, strict=True):
        for entity, start, end in g:
            totals[entity] += 1
            same[entity] += any(s.entity == entity and s.start <= start and end <= s.end for s in f)
            masked[entity] += all(any(s.start <= i < s.end for s in f) for i in range(start, end))
        for s in f:
            spans += 1
            good += any(s.start < end and start < s.end for _, start, end in g)
    return {
        "recall": {e: round(same[e] / totals[e], 4) for e in sorted(totals)},
        "masked": {e: round(masked[e] / totals[e], 4) for e in sorted(totals)},
        "gold": dict(sorted(totals.items())),
        "precision": round(good / max(1, spans), 4),
        "spans": spans,
    }


def free_text(count: int, seed: int = SEED) -> dict[str, Any]:
    """Span quality and speed of both paths on ``count`` labelled notes."""
    from anonymizers.engine import cached_analyzer, find_spans
    from anonymizers.fast_spans import find_spans_fast, warm_up

    texts, gold = d.notes(np.random.default_rng(seed + 1), d.pools(5000, seed), count)
    cached_analyzer()
    find_spans(["张伟13812345678"])
    warm_up()
    out: dict[str, Any] = {}
    for name, finder in (("presidio", find_spans), ("fast", find_spans_fast)):
        start = time.perf_counter()
        found = finder(texts)
        seconds = time.perf_counter() - start
        out[name] = {**span_scores(gold, found), "texts_per_s": count / seconds}
    return out


def report(columns: dict[str, Any], spans: dict[str, Any]) -> str:
    """Human-readable summary."""
    lines = [
        f"columns: {columns['columns']} in {columns['seconds']:.1f} s; target recall "
        f"{columns['target_recall']:.1%}; precision {columns['precision']:.1%} over "
        f"{columns['labelled']} labelled columns",
        *(f"  {k:16s} {h}/{t}" for k, (h, t) in columns["recall"].items()),
        f"  errors (column, truth, got): {columns['errors']}",
        "free text: entity            presidio recall  fast recall  (gold spans)",
    ]
    p, f = spans["presidio"], spans["fast"]
    for entity, total in p["gold"].items():
        lines.append(f"  {entity:26s} {p['recall'][entity]:>14.1%} {f['recall'][entity]:>12.1%}"
                     f"  ({total})")  # fmt: skip
    lines += [
        f"  span precision: presidio {p['precision']:.1%} ({p['spans']} spans), fast "
        f"{f['precision']:.1%} ({f['spans']} spans)",
        f"  speed (one process): presidio {p['texts_per_s']:,.0f} texts/s, fast "
        f"{f['texts_per_s']:,.0f} texts/s",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run both measurements and print a summary and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=24)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--notes", type=int, default=3000)
    args = parser.parse_args()
    columns = column_scores(make_tables(args.tables, args.rows))
    spans = free_text(args.notes)
    print(report(columns, spans))
    print(json.dumps({"columns": columns, "spans": spans}, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()

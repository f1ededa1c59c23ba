"""Scan and sanitize local files (the ``pazhou scan`` / ``pazhou sanitize`` commands)."""

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from anonymizers.classify import classify_table
from anonymizers.operators import MaskContext
from anonymizers.plan import apply_plan, build_plan, check_plan, person_key
from anonymizers.spreadsheet import neutralize_formulas
from app.config import Settings
from app.services.publish import span_finder, text_masker
from app.services.secrets import dataset_secret
from app.storage.convert import to_parquet
from app.storage.formats import SourceFormat
from app.storage.read import sample, whole
from policies.schema import Policy

SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


def source_format(path: Path, charset: str) -> SourceFormat:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path.name}: use a .csv, .jsonl or .parquet file")
    encoding = "gb18030" if charset.lower() in ("gb18030", "gbk", "gb2312") else "utf8"
    return SourceFormat(kind, encoding)  # type: ignore[arg-type]


def _as_parquet(path: Path, charset: str, folder: Path) -> Path:
    target = folder / "input.parquet"
    to_parquet(path, source_format(path, charset), target, None, max_columns=10_000)
    return target


def scan_file(
    path: Path, charset: str = "utf-8", sample_rows: int = 1000, ner_model: str | None = None
) -> list[dict[str, Any]]:
    """The classification report of a local file."""
    with tempfile.TemporaryDirectory() as folder:
        table = sample([_as_parquet(path, charset, Path(folder))], sample_rows)
    return [r.as_dict() for r in classify_table(table, sample_rows, ner_model=ner_model)]


def sanitize_file(
    path: Path,
    out: Path,
    settings: Settings,
    policy: Policy | None,
    charset: str = "utf-8",
    progress: Callable[[float], None] | None = None,
) -> pa.Table:
    """Classify, then mask ``path`` into ``out`` (Parquet, or CSV by its suffix)."""
    with tempfile.TemporaryDirectory() as folder:
        parquet = _as_parquet(path, charset, Path(folder))
        table = whole([parquet])
        scanned = classify_table(sample([parquet], 1000), 1000, ner_model=settings.ner_model)
        report = [r.as_dict() for r in scanned]
    wanted = {
        name: (column.operator, column.params)
        for name, column in (policy.columns.items() if policy else [])
    }
    steps = build_plan(table.column_names, report, wanted)
    check_plan(steps)
    context = MaskContext(
        secret=dataset_secret(settings, f"file:{path.name}"),
        person_ids=person_key(table, steps),
        span_finder=span_finder,
        text_masker=text_masker,
    )
    sanitized = apply_plan(table, steps, context, progress)
    if out.suffix.lower() == ".csv":
        pacsv.write_csv(neutralize_formulas(sanitized, include_names=True), out)
    else:
        pq.write_table(sanitized, out, compression="zstd")
    return sanitized

"""What the fuzz sends: schemathesis' positive and negative cases for an operation, half with
real ids; for uploads, CSV and JSON Lines files drawn from text; for DP queries, queries on the
published register's columns (so the fuzz gets past ``404`` and ``422`` into the engine)."""

from __future__ import annotations

import json
import re
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from tests.company_register import POLICY

UPLOAD = re.compile(r"^/v1/datasets/\{dataset_id\}/(versions|batches)$")
QUERY = re.compile(r"^/v1/datasets/\{dataset_id\}/queries(/preview)?$")
MEDIA_OF_UPLOAD = ("text/csv", "application/x-ndjson")
NAMING_IDS = {"POST /v1/access-requests", "POST /v1/grants"}  # bodies that name a dataset
POLICY_PUT = "PUT /v1/datasets/{dataset_id}/policy"
# Dataset files travel as they are: bytes, whatever their media type.
schemathesis.serializer.alias(
    ["application/x-ndjson", "application/vnd.apache.parquet"], "application/octet-stream"
)


def case_strategy(operation: Any, real_ids: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Positive and negative cases, with generated and with real ids (and files for uploads)."""
    path_names = set(re.findall(r"\{(\w+)\}", operation.path))
    query_names = {p.name for p in operation.query}
    path = {name: real_ids[name] for name in path_names if name in real_ids}
    query = {name: real_ids[name] for name in query_names & {"dataset_id", "seq"}}
    variants = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        variants.append(operation.as_strategy(generation_mode=mode))
        if path or query:
            variants.append(
                operation.as_strategy(generation_mode=mode, path_parameters=path, query=query)
            )
    if operation.label in NAMING_IDS:
        variants.append(operation.as_strategy().map(lambda case: _naming(case, real_ids)))
    if operation.label == POLICY_PUT:
        variants.append(
            operation.as_strategy(path_parameters=path, body=POLICY, media_type="application/json")
        )
    if UPLOAD.match(operation.path):
        variants.append(_file_bodies(operation, path))
    if QUERY.match(operation.path):
        variants.append(
            _queries().flatmap(lambda q: operation.as_strategy(path_parameters=path, body=q))
        )
    return st.one_of(variants)


def _naming(case: Any, real_ids: dict[str, Any]) -> Any:
    """A generated body whose ``dataset_id`` and ``consumer_id`` name real ones."""
    if isinstance(case.body, dict):
        real = {name: real_ids[name] for name in ("dataset_id", "consumer_id") if name in real_ids}
        case.body = {**case.body, **{k: v for k, v in real.items() if k in case.body}}
    return case


def _queries() -> st.SearchStrategy[dict[str, Any]]:
    """DP queries on the published register's columns: most valid, some over a limit."""
    numbers = st.sampled_from(["registered_capital", "birth_year"])
    aggregation = st.one_of(
        st.just({"fn": "count"}),
        st.fixed_dictionaries({"fn": st.sampled_from(["sum", "mean"]), "column": numbers}),
        st.fixed_dictionaries(
            {"fn": st.just("quantile"), "column": numbers, "q": st.floats(0.01, 0.99)}
        ),
        st.fixed_dictionaries(
            {"fn": st.just("histogram"), "column": numbers, "bins": st.just([1940, 1970, 2010])}
        ),
    )
    condition = st.fixed_dictionaries(
        {
            "column": st.sampled_from(["district", "industry", "gender", "birth_year"]),
            "op": st.sampled_from(["=", "!=", "<", ">=", "in", "between"]),
            "value": st.one_of(
                st.text(max_size=8), st.integers(), st.lists(st.integers(), max_size=3)
            ),
        }
    )
    return st.fixed_dictionaries(
        {
            "aggregations": st.lists(aggregation, min_size=1, max_size=3, unique_by=str),
            "epsilon": st.floats(0.001, 1.5),
        },
        optional={
            "group_by": st.lists(st.sampled_from(["district", "gender"]), max_size=2, unique=True),
            "where": st.lists(condition, max_size=2),
        },
    )


def _file_bodies(operation: Any, path: dict[str, Any]) -> st.SearchStrategy[Any]:
    cells = st.text(st.characters(codec="utf-8"), max_size=12)
    rows = st.lists(st.lists(cells, min_size=1, max_size=4), min_size=1, max_size=6)
    csv = rows.map(lambda r: "\n".join(",".join(row) for row in r).encode())
    ndjson = st.lists(st.dictionaries(cells, cells | st.integers()), min_size=1, max_size=5).map(
        lambda lines: "\n".join(json.dumps(line) for line in lines).encode()
    )
    bodies = st.tuples(st.sampled_from(MEDIA_OF_UPLOAD), csv, ndjson)
    return bodies.flatmap(
        lambda drawn: operation.as_strategy(
            path_parameters=path,
            media_type=drawn[0],
            body=drawn[1] if drawn[0] == "text/csv" else drawn[2],
        )
    )


def keeps_the_key(case: Any) -> bool:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return True
    return getattr(meta.phase.data, "parameter_location", None) != ParameterLocation.HEADER

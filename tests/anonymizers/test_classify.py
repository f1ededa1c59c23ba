"""Column classification on a Faker-made register: recall, precision, hard cases, speed."""

import json
import random
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pytest
from faker import Faker

from anonymizers import hints
from anonymizers.classify import ColumnReport, classify_column, classify_table
from anonymizers.operators import make_operator
from anonymizers.validators import CELL_VALIDATORS, ambiguous_id_uscc, cn_uscc

ROWS = 2000
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DISTRICTS = [
    "天河区",
    "海珠区",
    "越秀区",
    "荔湾区",
    "白云区",
    "黄埔区",
    "番禺区",
    "花都区",
    "从化县",
]
DIAGNOSES = ["高血压", "2型糖尿病", "冠心病", "慢性胃炎", "支气管哮喘", "骨折", "抑郁症"]
INDUSTRIES = ["信息技术", "制造业", "批发和零售业", "金融业", "房地产业", "建筑业", "教育"]
STATUSES = ["存续", "在业", "注销", "吊销", "迁出"]
SCOPE = ["软件开发", "信息技术咨询服务", "数据处理和存储支持服务", "货物进出口", "会议及展览服务"]
KEY_ENTITIES = {"CN_RESIDENT_ID", "CN_USCC", "CN_MOBILE", "EMAIL_ADDRESS", "CN_BANK_CARD", "US_SSN"}


def make_uscc(rng: random.Random) -> str:
    """A valid GB 32100-2015 code: GB 11714 organisation code check, then the mod-31 check."""
    org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    value = sum(int(c, 36) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    org += {10: "X", 11: "0"}.get(11 - value % 11, str(11 - value % 11))
    body = rng.choice("159") + rng.choice("123") + rng.choice(["440106", "110105", "310115"]) + org
    total = sum(USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def make_card(rng: random.Random) -> str:
    """A Luhn-valid UnionPay-style card number of 16 to 19 digits."""
    body = "62" + "".join(rng.choice("0123456789") for _ in range(rng.randint(13, 16)))
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


def _note(zh: Faker, rng: random.Random) -> str:
    pick = rng.randrange(5)
    if pick == 4:  # a whole address inside: the note must not pass for an address column
        return f"联系人{zh.name()}，电话{zh.phone_number()}。地址：{zh.address()}"
    if pick == 0:
        return f"{zh.name()}来电反映楼道积水，联系电话{zh.phone_number()}，已转物业处理。"
    if pick == 1:
        return f"办理人{zh.name()}，身份证号{zh.ssn()}，材料齐全，当场受理。"
    if pick == 2:
        return f"回访{zh.name()}，电话{zh.phone_number()}无人接听，次日再联系。"
    return "现场核查完毕，经营场所与登记信息一致，无需整改。"


def _register() -> tuple[pa.Table, dict[str, tuple[str | None, str]], list[str]]:
    zh, en, rng = Faker("zh_CN"), Faker("en_US"), random.Random(7)
    zh.seed_instance(7)
    en.seed_instance(7)
    ids, usccs = [zh.ssn() for _ in range(ROWS)], [make_uscc(rng) for _ in range(ROWS)]
    mobiles, emails = [zh.phone_number() for _ in range(ROWS)], [zh.email() for _ in range(ROWS)]
    cards, ssns = [make_card(rng) for _ in range(ROWS)], [en.ssn() for _ in range(ROWS)]
    notes = [_note(zh, rng) for _ in range(ROWS)]
    columns: dict[str, tuple[Sequence[object], str | None, str]] = {
        "法定代表人身份证号": (ids, "CN_RESIDENT_ID", "direct_identifier"),
        "统一社会信用代码": (usccs, "CN_USCC", "direct_identifier"),
        "联系电话": (mobiles, "CN_MOBILE", "direct_identifier"),
        "邮箱": (emails, "EMAIL_ADDRESS", "direct_identifier"),
        "银行卡号": (cards, "CN_BANK_CARD", "direct_identifier"),
        "ssn": (ssns, "US_SSN", "direct_identifier"),
        "field_01": (ids[::-1], "CN_RESIDENT_ID", "direct_identifier"),
        "field_02": (usccs[::-1], "CN_USCC", "direct_identifier"),
        "field_03": (mobiles[::-1], "CN_MOBILE", "direct_identifier"),
        "field_04": (emails[::-1], "EMAIL_ADDRESS", "direct_identifier"),
        "field_05": (cards[::-1], "CN_BANK_CARD", "direct_identifier"),
        "field_06": (ssns[::-1], "US_SSN", "direct_identifier"),
        "姓名": ([zh.name() for _ in range(ROWS)], "CN_PERSON_NAME", "direct_identifier"),
        "contact_name": ([en.name() for _ in range(ROWS)], "PERSON", "direct_identifier"),
        "住址": ([zh.address() for _ in range(ROWS)], "CN_ADDRESS", "direct_identifier"),
        "车牌号": ([zh.license_plate() for _ in range(ROWS)], "CN_VEHICLE_PLATE",
                   "direct_identifier"),
        "login_ip": ([en.ipv4() for _ in range(ROWS)], "IP_ADDRESS", "direct_identifier"),
        "年龄": ([rng.randint(0, 95) for _ in range(ROWS)], "AGE", "quasi_identifier"),
        "性别": ([rng.choice("男女") for _ in range(ROWS)], "GENDER", "quasi_identifier"),
        "所属区": ([rng.choice(DISTRICTS) for _ in range(ROWS)], "DISTRICT", "quasi_identifier"),
        "邮编": ([zh.postcode() for _ in range(ROWS)], "POSTCODE", "quasi_identifier"),
        "出生日期": ([zh.date_of_birth().isoformat() for _ in range(ROWS)], "BIRTH_DATE",
                     "quasi_identifier"),
        "职业": ([zh.job() for _ in range(ROWS)], "OCCUPATION", "quasi_identifier"),
        "诊断": ([rng.choice(DIAGNOSES) for _ in range(ROWS)], "HEALTH", "sensitive"),
        "企业名称": ([zh.company() for _ in range(ROWS)], None, "other"),
        "registered_capital": ([rng.uniform(1e4, 1e9) for _ in range(ROWS)], None, "other"),
        "员工人数": ([rng.randint(1, 5000) for _ in range(ROWS)], None, "other"),
        "record_id": (list(range(10**9, 10**9 + ROWS)), None, "other"),
        "行业": ([rng.choice(INDUSTRIES) for _ in range(ROWS)], None, "other"),
        "登记状态": ([rng.choice(STATUSES) for _ in range(ROWS)], None, "other"),
        "成立日期": ([zh.date_between("-30y").isoformat() for _ in range(ROWS)], None, "other"),
        "经营范围": (["；".join(rng.sample(SCOPE, 3)) + "。" for _ in range(ROWS)], None,
                     "free_text"),
        "备注": (notes, None, "free_text"),
    }  # fmt: skip
    table = pa.table({name: values for name, (values, _, _) in columns.items()})
    truth = {name: (entity, category) for name, (_, entity, category) in columns.items()}
    return table, truth, notes


@pytest.fixture(scope="module")
def data() -> tuple[pa.Table, dict[str, tuple[str | None, str]], list[str]]:
    return _register()


@pytest.fixture(scope="module")
def register(data) -> tuple[pa.Table, dict[str, tuple[str | None, str]], list[ColumnReport]]:
    table, truth, _ = data
    return table, truth, classify_table(table)


def test_faker_register_recall_and_precision(register) -> None:
    table, truth, reports = register
    wrong = [
        (r.name, r.entity, r.category, truth[r.name])
        for r in reports
        if (r.entity, r.category) != truth[r.name]
    ]
    key = [r for r in reports if truth[r.name][0] in KEY_ENTITIES]
    recall = sum(r.entity == truth[r.name][0] for r in key) / len(key)
    flagged = [r for r in reports if r.category != "other"]
    precision = sum((r.entity, r.category) == truth[r.name] for r in flagged) / len(flagged)
    print(f"\n{len(reports)} columns × {table.num_rows} rows: key-entity recall {recall:.0%}"
          f" over {len(key)} columns; precision {precision:.1%} over {len(flagged)} flagged;"
          f" wrong: {wrong}")  # fmt: skip
    assert recall == 1.0
    assert precision >= 0.98
    assert not [r.name for r in reports if truth[r.name][1] == "other" and r.category != "other"]


def test_reports_carry_the_default_treatment(register) -> None:
    _, _, reports = register
    by_name = {r.name: r for r in reports}
    assert by_name["联系电话"].params == {"keep_first": 3, "keep_last": 4}
    assert by_name["法定代表人身份证号"].pipl_category == "identity"
    assert by_name["银行卡号"].pipl_category == "financial_account"
    assert by_name["诊断"].pipl_category == "health"
    assert by_name["年龄"].pipl_category == "minors"  # ages from 0: children are in it
    assert by_name["年龄"].params == {"kind": "age_band", "width": 10}
    assert by_name["备注"].operator == "replace_spans"
    assert by_name["备注"].params == {"style": "entity"}
    assert {"CN_MOBILE", "CN_RESIDENT_ID"} <= set(by_name["备注"].span_counts)
    for report in reports:
        make_operator(report.operator, report.params)  # every default is a valid operator
        assert 0.0 <= report.confidence <= 1.0 and 0.0 <= report.hit_rate <= 1.0
    assert by_name["field_01"].confidence < by_name["法定代表人身份证号"].confidence
    json.dumps([r.as_dict() for r in reports], ensure_ascii=False)


def test_examples_never_show_raw_values(data, register) -> None:
    table, _, reports = register
    notes = data[2]
    for report in reports:
        raw = {str(v) for v in table.column(report.name).to_pylist()}
        assert report.examples, report.name
        for example in report.examples:
            assert example not in raw, (report.name, example)
            if report.category == "direct_identifier":
                assert not any(v in example for v in raw if len(v) >= 4), (report.name, example)
    pii = {
        w for note in notes for w in note.replace("，", " ").split() if any(c.isdigit() for c in w)
    }
    notes_examples = next(r.examples for r in reports if r.name == "备注")
    print("\nfree-text examples:", notes_examples)
    for example in notes_examples:
        assert not any(c.isdigit() for c in example), example
        assert not any(p in example for p in pii)


def test_one_stray_email_does_not_make_an_email_column() -> None:
    notes = [f"第{i}次巡检：设备运行正常，无异常情况，已记录。" for i in range(5000)]
    notes[2345] = "请把巡检报告发到 zhang.wei@example.com 谢谢，设备运行正常。"
    report = classify_column("备注", pa.array(notes))
    print(f"\nstray e-mail: {report.category} {report.entity} {report.operator}")
    assert (report.category, report.entity, report.operator) == ("free_text", None, "replace_spans")
    bare = classify_column("contact", pa.array(["巡检正常"] * 4999 + ["zhang.wei@example.com"]))
    assert bare.entity != "EMAIL_ADDRESS" and bare.category == "other"


def test_assorted_identifiers_and_sensitive_prose_are_scanned_as_free_text() -> None:
    zh = Faker("zh_CN")
    zh.seed_instance(13)
    assorted = [f() for _ in range(300) for f in (zh.phone_number, zh.email, zh.ssn)]
    report = classify_column("contact", pa.array(assorted))
    assert (report.category, report.entity, report.operator) == ("free_text", None, "replace_spans")
    assert {"CN_MOBILE", "EMAIL_ADDRESS", "CN_RESIDENT_ID"} <= set(report.span_counts)
    assert report.pipl_category == "identity"  # resident ID numbers inside
    notes = [f"患者{zh.name()}，{zh.random_int(20, 80)}岁，诊断为冠心病。" for _ in range(500)]
    report = classify_column("诊断说明", pa.array(notes))
    assert (report.category, report.pipl_category) == ("free_text", "health")
    assert report.span_counts.get("CN_PERSON_NAME", 0) > 0


def _ambiguous_ids(count: int) -> tuple[list[str], list[str]]:
    zh = Faker("zh_CN")
    zh.seed_instance(11)
    both: list[str] = []
    only_id: list[str] = []
    while len(both) < count or len(only_id) < 10 * count:
        value = zh.ssn()
        (both if ambiguous_id_uscc(value) else only_id).append(value)
    return both[:count], only_id[: 10 * count]


def test_resident_id_and_uscc_ambiguity_is_settled_by_values_then_header() -> None:
    both, only_id = _ambiguous_ids(40)
    assert all(cn_uscc(v) and CELL_VALIDATORS["CN_RESIDENT_ID"](v) for v in both)
    mixed = pa.array(both + only_id)
    assert classify_column("code", mixed).entity == "CN_RESIDENT_ID"
    assert classify_column("信用代码", mixed).entity == "CN_RESIDENT_ID"  # values outvote header
    usccs = [make_uscc(random.Random(i)) for i in range(400)]
    assert classify_column("code", pa.array(usccs + both)).entity == "CN_USCC"
    for order in (both, both[::-1], sorted(both)):  # every value passes both checks
        values = pa.array(order)
        assert classify_column("统一社会信用代码", values).entity == "CN_USCC"
        assert classify_column("credit_code", values).entity == "CN_USCC"
        assert classify_column("身份证号", values).entity == "CN_RESIDENT_ID"
        assert classify_column("code", values).entity == "CN_RESIDENT_ID"  # the protective one


def test_header_only_and_header_assisted_hints() -> None:
    cases: list[tuple[str, list[object], str, str, float]] = [
        ("年龄", [25, 40, 67, 33], "AGE", "generalize", 1.0),
        ("sex", [0, 1, 1, 0], "GENDER", "keep", 1.0),
        ("district", ["Tianhe", "Haizhu", "Yuexiu"], "DISTRICT", "keep", 0.0),
        ("区县", ["天河", "海珠"], "DISTRICT", "keep", 0.0),
        ("所属区域", ["天河区", "番禺区"], "DISTRICT", "keep", 1.0),
        ("职业", ["教师", "医生", "工程师"], "OCCUPATION", "suppress_rare", 0.0),
        ("宗教信仰", ["无", "佛教"], "RELIGION", "suppress_rare", 0.0),
        ("gps_location", ["23.1,113.3"], "WHEREABOUTS", "redact", 0.0),
        ("postal_code", ["510630", "100080"], "POSTCODE", "generalize", 1.0),
        ("ssn", ["123456780", "234567891"], "US_SSN", "pseudonymize", 0.0),
        ("birth_year", [1985, 2012], "BIRTH_YEAR", "keep", 1.0),
        ("出生日期", ["1985年", "2012年"], "BIRTH_YEAR", "keep", 1.0),
        ("date_of_birth", ["1985-03-02", "2012-11-30"], "BIRTH_DATE", "generalize", 1.0),
        ("身份证号", [None], "CN_RESIDENT_ID", "pseudonymize", 0.0),
    ]
    for name, values, entity, operator, rate in cases:
        report = classify_column(
            name, pa.array(list(values) * 50, pa.string() if values == [None] else None)
        )
        assert (report.entity, report.operator, report.hit_rate) == (entity, operator, rate), name
        assert report.category in ("direct_identifier", "quasi_identifier", "sensitive")
    # Dirty data: most check digits wrong; the header still makes it a resident-ID column.
    ids = [Faker("zh_CN").ssn() for _ in range(300)]
    dirty = [
        v[:17] + ("0" if v[17] != "0" else "1") if i % 10 > 2 else v for i, v in enumerate(ids)
    ]
    report = classify_column("身份证号", pa.array(dirty))
    assert (report.entity, report.operator) == ("CN_RESIDENT_ID", "pseudonymize")
    assert 0.2 < report.hit_rate < 0.4 and report.confidence < 0.96
    age = classify_column("年龄", pa.array([25, 40, 67, 33] * 50))
    assert age.pipl_category is None and age.confidence == 0.96
    # A header that names a kind of identifier without holding it is not a direct identifier.
    assert classify_column("身份证类型", pa.array(["居民身份证"] * 50)).category == "other"
    for name in ("face_value", "job_id", "health_check_date", "email_verified"):
        assert classify_column(name, pa.array([1, 2, 3] * 50)).category == "other", name
    assert classify_column("诊断结果", pa.array(["高血压", "冠心病"] * 50)).entity == "HEALTH"
    assert classify_column("age", pa.array([1200, 3400] * 50)).entity == "AGE"  # header-only


def test_numbers_and_dates_that_are_not_personal() -> None:
    rng = np.random.default_rng(3)
    for name, values in {
        "amount": pa.array(rng.uniform(0, 1e9, 3000)),
        "count": pa.array(rng.integers(0, 10**9, 3000)),
        "order_no": pa.array([f"{n:09d}" for n in rng.integers(0, 10**9, 3000)]),
        "created": pa.array(rng.integers(0, 18000, 3000).astype("datetime64[D]")),
        "flag": pa.array([True, False] * 10),
    }.items():
        report = classify_column(name, values)
        assert (report.category, report.entity, report.operator) == ("other", None, "keep"), name
        assert report.confidence >= 0.7, (name, report.confidence)
    # 10-digit codes: two in three are valid US phone numbers; not a phone column, but unsure.
    codes = pa.array([f"{n:010d}" for n in rng.integers(0, 10**10, 3000)])
    report = classify_column("tracking", codes)
    assert report.category == "other" and report.confidence < 0.5


def test_sample_is_seeded_spread_and_skips_nulls() -> None:
    zh = Faker("zh_CN")
    zh.seed_instance(5)
    ids = [zh.ssn() for _ in range(2000)]
    column = pa.chunked_array([[None] * 200_000, ["未知"] * 100, ids * 100], pa.string())
    first = classify_column("c", column, sample_size=500, seed=1)
    assert first.entity == "CN_RESIDENT_ID" and first.hit_rate >= 0.99
    assert classify_column("c", column, sample_size=500, seed=1) == first
    assert classify_table(pa.table({"c": column}), sample_size=500, seed=1) == [first]


def test_hint_table_is_consistent() -> None:
    assert set(hints.PRIORITY) == set(CELL_VALIDATORS)
    for kind in hints.KINDS.values():
        make_operator(kind.operator, kind.params)
    assert [h.kinds[0] for h in hints.header_hints("法定代表人身份证号")] == [
        "CN_RESIDENT_ID",
        "CN_PERSON_NAME",
    ]
    assert hints.header_hints("company_name") == []
    assert hints.header_hints("区号") == []
    assert hints.header_hints("legalRepMobile")[0].kinds[0] == "CN_MOBILE"


def test_million_rows_classify_from_a_sample(data) -> None:
    """A million rows are classified from the sample alone (speed lives in bench/, not here)."""
    table = data[0]
    rng = np.random.default_rng(0)
    rows = pa.array(rng.integers(0, ROWS, 1_000_000))
    names = ["法定代表人身份证号", "统一社会信用代码", "联系电话", "邮箱", "银行卡号", "姓名",
             "年龄", "性别", "所属区", "registered_capital"]  # fmt: skip
    big = pa.table({n: table.column(n).take(rows) for n in names})
    reports = classify_table(big)
    assert [r.category for r in reports].count("direct_identifier") == 6

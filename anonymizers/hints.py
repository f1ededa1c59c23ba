"""Column kinds for classification: header keywords, categories, PIPL kinds, default operators.

One table, ``KINDS``, says for every kind of column what it is and how it is masked by
default (the agency reviews and may override each choice):

| kind | category | operator | params | PIPL Art. 28 |
|---|---|---|---|---|
| CN_RESIDENT_ID | direct_identifier | pseudonymize | | identity |
| CN_USCC | direct_identifier | pseudonymize | | (a company's code; a sole trader's is personal) |
| CN_PASSPORT, US_SSN | direct_identifier | pseudonymize | | identity |
| CN_MOBILE, PHONE_NUMBER | direct_identifier | mask | keep_first 3, keep_last 4 | |
| EMAIL_ADDRESS, CN_PERSON_NAME, PERSON, CN_VEHICLE_PLATE | direct_identifier | pseudonymize | | |
| CN_BANK_CARD, CREDIT_CARD, IBAN_CODE | direct_identifier | mask | 4 + 4 kept | financial_account |
| CN_ADDRESS | direct_identifier | generalize | kind address_to_district | |
| IP_ADDRESS | direct_identifier | redact | | |
| AGE | quasi_identifier | generalize | kind age_band, width 10 | minors if any age < 14 |
| BIRTH_DATE | quasi_identifier | generalize | kind date, to year | |
| BIRTH_YEAR | quasi_identifier | keep (a year is coarse already) | | |
| GENDER, DISTRICT | quasi_identifier | keep (coarse already) | | |
| POSTCODE | quasi_identifier | generalize | kind postcode, keep 3 | |
| OCCUPATION | quasi_identifier | suppress_rare | k 5 | |
| HEALTH, RELIGION | sensitive | suppress_rare | k 5 | health, religion |
| BIOMETRIC | sensitive | drop | | biometric |
| WHEREABOUTS | sensitive | redact | | whereabouts |
| FREE_TEXT | free_text | replace_spans | style entity | |
| (none) | other | keep | | |
"""

import re
from dataclasses import dataclass, field
from typing import Any

DIRECT, QUASI, SENSITIVE = "direct_identifier", "quasi_identifier", "sensitive"
FREE_TEXT, OTHER = "free_text", "other"


@dataclass(frozen=True)
class Kind:
    """What a kind of column is and how it is masked by default."""

    category: str
    operator: str
    params: dict[str, Any] = field(default_factory=dict)
    pipl: str | None = None


_PSEUDO, _ID = Kind(DIRECT, "pseudonymize"), Kind(DIRECT, "pseudonymize", pipl="identity")
_PHONE = Kind(DIRECT, "mask", {"keep_first": 3, "keep_last": 4})
_CARD = Kind(DIRECT, "mask", {"keep_first": 4, "keep_last": 4}, "financial_account")

KINDS: dict[str, Kind] = {
    "CN_RESIDENT_ID": _ID, "CN_PASSPORT": _ID, "US_SSN": _ID, "CN_USCC": _PSEUDO,
    "CN_MOBILE": _PHONE, "PHONE_NUMBER": _PHONE,
    "EMAIL_ADDRESS": _PSEUDO, "CN_PERSON_NAME": _PSEUDO, "PERSON": _PSEUDO,
    "CN_VEHICLE_PLATE": _PSEUDO,
    "CN_BANK_CARD": _CARD, "CREDIT_CARD": _CARD, "IBAN_CODE": _CARD,
    "CN_ADDRESS": Kind(DIRECT, "generalize", {"kind": "address_to_district"}),
    "IP_ADDRESS": Kind(DIRECT, "redact"),
    "AGE": Kind(QUASI, "generalize", {"kind": "age_band", "width": 10}),
    "BIRTH_DATE": Kind(QUASI, "generalize", {"kind": "date", "to": "year"}),
    "BIRTH_YEAR": Kind(QUASI, "keep"),  # already as coarse as a generalised birth date
    "GENDER": Kind(QUASI, "keep"), "DISTRICT": Kind(QUASI, "keep"),
    "POSTCODE": Kind(QUASI, "generalize", {"kind": "postcode", "keep": 3}),
    "OCCUPATION": Kind(QUASI, "suppress_rare", {"k": 5}),
    "HEALTH": Kind(SENSITIVE, "suppress_rare", {"k": 5}, "health"),
    "RELIGION": Kind(SENSITIVE, "suppress_rare", {"k": 5}, "religion"),
    "BIOMETRIC": Kind(SENSITIVE, "drop", pipl="biometric"),
    "WHEREABOUTS": Kind(SENSITIVE, "redact", pipl="whereabouts"),
    "FREE_TEXT": Kind(FREE_TEXT, "replace_spans", {"style": "entity"}),
}  # fmt: skip
OTHER_KIND = Kind(OTHER, "keep")
ENTITY_KINDS: tuple[str, ...] = tuple(KINDS)

# Validator entity names that stand for a column kind of another name.
ENTITY_TO_KIND = {"DATE_OF_BIRTH": "BIRTH_DATE"}
_KIND_TO_ENTITY = {kind: entity for entity, kind in ENTITY_TO_KIND.items()}

# Value-validated entities, most specific first: ties in hit rate go to the earlier one.
PRIORITY = (
    "CN_RESIDENT_ID", "CN_USCC", "US_SSN", "IBAN_CODE", "CN_BANK_CARD", "CREDIT_CARD",
    "CN_MOBILE", "PHONE_NUMBER", "EMAIL_ADDRESS", "IP_ADDRESS", "CN_PASSPORT",
    "CN_VEHICLE_PLATE", "DATE_OF_BIRTH", "CN_ADDRESS", "CN_PERSON_NAME", "PERSON",
)  # fmt: skip

# Header keywords: (kinds the header points to, first = preferred on ties and header-only; words).
# ASCII keywords match whole words of the normalised header (``legal_rep_id_number``);
# CJK keywords match anywhere, except single characters, which must end the header.
_KEYWORDS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("CN_RESIDENT_ID",), ("身份证", "身份证号", "身份证号码", "证件号码", "证件号", "id_number",
                           "id_card", "idcard", "id_no", "idno", "id_card_no", "resident_id")),
    (("CN_USCC",), ("统一社会信用代码", "信用代码", "uscc", "credit_code", "social_credit_code")),
    (("CN_MOBILE", "PHONE_NUMBER"), ("手机", "手机号", "电话", "联系电话", "联系方式", "mobile",
                                     "phone", "tel", "telephone", "cellphone", "phone_number")),
    (("CN_PERSON_NAME", "PERSON"), ("姓名", "名字", "联系人", "法定代表人", "法人代表", "负责人",
                                    "name", "full_name", "first_name", "last_name", "surname")),
    (("EMAIL_ADDRESS",), ("邮箱", "电子邮件", "电子邮箱", "email", "e_mail", "mail")),
    (("CN_BANK_CARD", "CREDIT_CARD", "IBAN_CODE"), ("银行卡", "银行卡号", "卡号", "账号",
                                                     "银行账户", "bank_card", "card_no",
                                                     "card_number", "bank_account", "account_no")),
    (("CREDIT_CARD", "CN_BANK_CARD"), ("信用卡", "credit_card", "creditcard")),
    (("IBAN_CODE",), ("iban",)),
    (("CN_PASSPORT",), ("护照", "passport")),
    (("CN_VEHICLE_PLATE",), ("车牌", "号牌", "plate", "license_plate")),
    (("US_SSN",), ("ssn", "social_security")),
    (("IP_ADDRESS",), ("ip", "ip_address", "ip地址")),
    (("CN_ADDRESS",), ("地址", "住址", "住所", "居住地", "户籍地", "address", "addr")),
    (("BIRTH_YEAR", "BIRTH_DATE"), ("出生年份", "出生年", "birth_year", "year_of_birth", "yob")),
    (("BIRTH_DATE", "BIRTH_YEAR"), ("出生日期", "出生", "生日", "birth", "birthday", "birth_date",
                                    "dob", "date_of_birth", "birthdate")),
    (("AGE",), ("年龄", "岁", "age")),
    (("GENDER",), ("性别", "sex", "gender")),
    (("POSTCODE",), ("邮编", "邮政编码", "postcode", "post_code", "postal_code", "zip",
                     "zipcode", "zip_code")),
    (("DISTRICT",), ("区", "区县", "行政区", "所属区", "所在区", "辖区", "district", "county")),
    (("OCCUPATION",), ("职业", "职务", "岗位", "occupation", "job", "profession")),
    (("HEALTH",), ("诊断", "病历", "疾病", "病情", "病史", "症状", "健康", "diagnosis", "health",
                   "disease", "medical", "illness", "symptom")),
    (("RELIGION",), ("宗教", "信仰", "religion", "faith")),
    (("BIOMETRIC",), ("指纹", "人脸", "虹膜", "声纹", "biometric", "fingerprint", "face", "iris")),
    (("WHEREABOUTS",), ("位置", "轨迹", "经纬度", "经度", "纬度", "坐标", "定位", "gps", "location",
                        "latitude", "longitude", "lat", "lng", "trajectory", "coordinates")),
    (("FREE_TEXT",), ("备注", "说明", "描述", "内容", "详情", "留言", "notes", "note", "remark",
                      "remarks", "comment", "comments", "description", "memo")),
)  # fmt: skip

# Headers naming an organisation or a thing: their "name" is not a person's.
_NOT_A_PERSON = re.compile(
    r"公司|企业|单位|机构|银行|部门|产品|品牌|项目|文件|名称|(?<![a-z0-9])(company|corp|org|"
    r"enterprise|firm|brand|product|file|street|road|city|district|province|shop|store|bank|"
    r"dept|project|item|host|domain|hotel|school|hospital|station)(?![a-z0-9])"
)
_FILLERS = frozenset({"", "号", "码", "号码", "信息", "no", "num", "number", "code"})
_HEAD_FILLERS = _FILLERS | {"结果", "状况", "情况", "类别", "类型", "名称", "记录", "result",
                            "status", "type", "category", "info", "record"}  # fmt: skip


@dataclass(frozen=True)
class Hint:
    """A header keyword hit: the kinds it points to; ``at_end`` when only a filler follows it
    (``号码``, ``no``), ``near_end`` when a filler or a word like ``结果``/``type`` does."""

    kinds: tuple[str, ...]
    start: int
    end: int
    at_end: bool
    near_end: bool


def _pattern(keyword: str) -> re.Pattern[str]:
    if keyword.isascii():
        return re.compile(rf"(?<![a-z0-9]){re.escape(keyword)}(?![a-z0-9])")
    return re.compile(re.escape(keyword) + ("$" if len(keyword) == 1 else ""))


_COMPILED = tuple((kinds, _pattern(k)) for kinds, words in _KEYWORDS for k in words)


def normalize_header(name: str) -> str:
    """Lower-case ``name``, split camelCase and turn separators into ``_`` (``legalRep-ID`` →
    ``legal_rep_id``)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "_", spaced.lower()).strip("_")


def header_hints(name: str) -> list[Hint]:
    """Kinds that the column header points to, best first.

    Chinese and English compound headers put the head noun last (``法定代表人身份证号``,
    ``legal_rep_mobile``), so the keyword that ends latest wins, then the longer one.
    """
    header = normalize_header(name)
    best: dict[tuple[str, ...], Hint] = {}
    for kinds, pattern in _COMPILED:
        for match in pattern.finditer(header):
            rest = re.sub(r"[_0-9]", "", header[match.end() :])
            hint = Hint(kinds, match.start(), match.end(), rest in _FILLERS, rest in _HEAD_FILLERS)
            if kinds not in best or hint.end > best[kinds].end:
                best[kinds] = hint
    if _NOT_A_PERSON.search(header):
        best.pop(("CN_PERSON_NAME", "PERSON"), None)
    return sorted(best.values(), key=lambda h: (-h.end, h.start))


def validator_name(kind: str) -> str:
    """The ``CELL_VALIDATORS`` name of a column kind (``BIRTH_DATE`` → ``DATE_OF_BIRTH``)."""
    return _KIND_TO_ENTITY.get(kind, kind)


def hinted_kinds(hints: list[Hint]) -> set[str]:
    """Every kind named by any of ``hints``, under its kind and its validator name."""
    kinds = {kind for hint in hints for kind in hint.kinds}
    return kinds | {validator_name(kind) for kind in kinds}


def kind_of(entity: str | None) -> Kind:
    """The default treatment of a column of ``entity`` (``None`` → keep, category other)."""
    if entity is None:
        return OTHER_KIND
    return KINDS[ENTITY_TO_KIND.get(entity, entity)]

"""Pattern specs for mainland-China identifiers: resident ID, USCC, mobile, bank card,
passport and vehicle plate. Each regex is guarded with alphanumeric lookarounds so that it
matches right next to CJK characters (``身份证号110101199003074514，``).

Shared by the presidio recognizers (:mod:`anonymizers.recognizers.cn_ids`) and the bulk
span finder (:mod:`anonymizers.fast_spans`).
"""

from __future__ import annotations

from anonymizers import validators as v
from anonymizers.recognizers.spec import L, PatternSpec, R

_SEP = r"[ \-]?"

CN_RESIDENT_ID = PatternSpec(
    entity="CN_RESIDENT_ID",
    patterns=(
        ("id18", rf"{L}[1-9][0-9]{{5}}(?:19|20)[0-9]{{9}}[0-9Xx]{R}", 0.95),
        ("id18_spaced", rf"{L}[1-9][0-9]{{5}} (?:19|20)[0-9]{{6}} [0-9]{{3}}[0-9Xx]{R}", 0.95),
        ("id15", rf"{L}[1-9][0-9]{{14}}{R}", 0.6),
    ),
    check=v.cn_resident_id,
    context=("身份证", "身份号", "证件号", "公民身份", "id card", "resident id", "identity"),
    prefilter=r"[0-9]{6}",
)

CN_USCC = PatternSpec(
    entity="CN_USCC",
    patterns=(
        ("uscc", rf"{L}[0-9A-HJ-NP-RTUW-Y]{{2}}[0-9]{{6}}[0-9A-HJ-NP-RTUW-Y]{{10}}{R}", 0.9),
    ),
    check=v.cn_uscc,
    context=(
        "信用代码",
        "社会信用",
        "统一代码",
        "营业执照",
        "税号",
        "纳税人识别号",
        "uscc",
        "credit code",
    ),
    prefilter=r"[0-9]{6}",
)

CN_MOBILE = PatternSpec(
    entity="CN_MOBILE",
    patterns=(
        (
            "mobile",
            rf"(?<![0-9A-Za-z+])(?:(?:\+|00)?86{_SEP})?1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}{R}",
            0.9,
        ),
    ),
    check=v.cn_mobile,
    context=("手机", "电话", "联系方式", "联系电话", "致电", "mobile", "phone", "tel", "cell"),
    prefilter=r"1[3-9][0-9]",
)

CN_BANK_CARD = PatternSpec(
    entity="CN_BANK_CARD",
    patterns=(
        ("card", rf"{L}[0-9]{{4}}(?:{_SEP}[0-9]{{4}}){{3}}(?:{_SEP}?[0-9]{{1,3}})?{R}", 0.85),
        ("card_6_13", rf"{L}[0-9]{{6}}[ \-][0-9]{{10,13}}{R}", 0.85),
    ),
    check=v.cn_bank_card,
    context=("银行卡", "卡号", "账号", "账户", "开户", "借记卡", "储蓄卡", "card", "account"),
    prefilter=r"[0-9]{4}",
)

CN_PASSPORT = PatternSpec(
    entity="CN_PASSPORT",
    patterns=(("passport", rf"{L}(?:[EGD][0-9]{{8}}|[EDPS][A-Z][0-9]{{7}}){R}", 0.6),),
    check=v.cn_passport,
    context=("护照", "passport"),
    prefilter=r"[DEGPS][A-Z]?[0-9]{7}",
)

CN_VEHICLE_PLATE = PatternSpec(
    entity="CN_VEHICLE_PLATE",
    patterns=(
        (
            "plate",
            rf"(?<![0-9A-Za-z{v.PLATE_PROVINCES}])[{v.PLATE_PROVINCES}][A-Z][·•.\- ]?"
            rf"[A-Z0-9]{{4,5}}[A-Z0-9挂学警港澳]{R}",
            0.8,
        ),
    ),
    check=v.cn_vehicle_plate,
    context=("车牌", "号牌", "车辆", "牌照", "plate", "vehicle"),
    prefilter=rf"[{v.PLATE_PROVINCES}][A-Z]",
)

CN_SPECS: tuple[PatternSpec, ...] = (
    CN_RESIDENT_ID,
    CN_USCC,
    CN_MOBILE,
    CN_BANK_CARD,
    CN_PASSPORT,
    CN_VEHICLE_PLATE,
)

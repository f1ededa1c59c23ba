"""Recognizers for mainland-China identifiers: resident ID, USCC, mobile, bank card,
passport and vehicle plate. Each regex is guarded with alphanumeric lookarounds so that it
matches right next to CJK characters (``身份证号110101199003074514，``)."""

from __future__ import annotations

import re
from typing import ClassVar

from anonymizers import validators as v
from anonymizers.recognizers.base import L, R, ValidatedPatternRecognizer

_SEP = r"[ \-]?"


class CnResidentIdRecognizer(ValidatedPatternRecognizer):
    """Resident identity number (18 chars with MOD 11-2 check, or old 15 digits)."""

    ENTITY = "CN_RESIDENT_ID"
    PREFILTER = re.compile(r"[0-9]{6}")
    PATTERNS = (
        ("id18", rf"{L}[1-9][0-9]{{5}}(?:19|20)[0-9]{{9}}[0-9Xx]{R}", 0.95),
        ("id18_spaced", rf"{L}[1-9][0-9]{{5}} (?:19|20)[0-9]{{6}} [0-9]{{3}}[0-9Xx]{R}", 0.95),
        ("id15", rf"{L}[1-9][0-9]{{14}}{R}", 0.6),
    )
    CONTEXT = ("身份证", "身份号", "证件号", "公民身份", "id card", "resident id", "identity")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.cn_resident_id`."""
        return v.cn_resident_id(value)


class CnUsccRecognizer(ValidatedPatternRecognizer):
    """Unified Social Credit Code (18 chars, GB 32100-2015 check character)."""

    ENTITY = "CN_USCC"
    PREFILTER = re.compile(r"[0-9]{6}")
    PATTERNS = (
        ("uscc", rf"{L}[0-9A-HJ-NP-RTUW-Y]{{2}}[0-9]{{6}}[0-9A-HJ-NP-RTUW-Y]{{10}}{R}", 0.9),
    )
    CONTEXT = (
        "信用代码",
        "社会信用",
        "统一代码",
        "营业执照",
        "税号",
        "纳税人识别号",
        "uscc",
        "credit code",
    )

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.cn_uscc`."""
        return v.cn_uscc(value)


class CnMobileRecognizer(ValidatedPatternRecognizer):
    """Mainland mobile numbers, with optional +86/0086 prefix and space/dash groups."""

    ENTITY = "CN_MOBILE"
    PREFILTER = re.compile(r"1[3-9][0-9]")
    PATTERNS = (
        (
            "mobile",
            rf"(?<![0-9A-Za-z+])(?:(?:\+|00)?86{_SEP})?1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}{R}",
            0.9,
        ),
    )
    CONTEXT = ("手机", "电话", "联系方式", "联系电话", "致电", "mobile", "phone", "tel", "cell")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.cn_mobile`."""
        return v.cn_mobile(value)


class CnBankCardRecognizer(ValidatedPatternRecognizer):
    """Bank card numbers of 16-19 digits (UnionPay 62... included), Luhn valid."""

    ENTITY = "CN_BANK_CARD"
    PREFILTER = re.compile(r"[0-9]{4}")
    PATTERNS = (
        ("card", rf"{L}[0-9]{{4}}(?:{_SEP}[0-9]{{4}}){{3}}(?:{_SEP}?[0-9]{{1,3}})?{R}", 0.85),
        ("card_6_13", rf"{L}[0-9]{{6}}[ \-][0-9]{{10,13}}{R}", 0.85),
    )
    CONTEXT = ("银行卡", "卡号", "账号", "账户", "开户", "借记卡", "储蓄卡", "card", "account")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.cn_bank_card`."""
        return v.cn_bank_card(value)


class CnPassportRecognizer(ValidatedPatternRecognizer):
    """Mainland passport numbers (see :func:`anonymizers.validators.cn_passport`)."""

    ENTITY = "CN_PASSPORT"
    PREFILTER = re.compile(r"[DEGPS][A-Z]?[0-9]{7}")
    PATTERNS = (("passport", rf"{L}(?:[EGD][0-9]{{8}}|[EDPS][A-Z][0-9]{{7}}){R}", 0.6),)
    CONTEXT = ("护照", "passport")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.cn_passport`."""
        return v.cn_passport(value)


class CnVehiclePlateRecognizer(ValidatedPatternRecognizer):
    """Mainland vehicle plates such as ``粤A12345`` and new-energy ``粤AD12345``."""

    ENTITY = "CN_VEHICLE_PLATE"
    PREFILTER = re.compile(rf"[{v.PLATE_PROVINCES}][A-Z]")
    PATTERNS: ClassVar[tuple[tuple[str, str, float], ...]] = (
        (
            "plate",
            rf"(?<![0-9A-Za-z{v.PLATE_PROVINCES}])[{v.PLATE_PROVINCES}][A-Z][·•.\- ]?"
            rf"[A-Z0-9]{{4,5}}[A-Z0-9挂学警港澳]{R}",
            0.8,
        ),
    )
    CONTEXT = ("车牌", "号牌", "车辆", "牌照", "plate", "vehicle")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.cn_vehicle_plate`."""
        return v.cn_vehicle_plate(value)

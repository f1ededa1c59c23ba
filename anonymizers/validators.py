"""Whole-value validators for the personal identifiers Pazhou detects.

Each validator takes one cell value (``str``) and returns ``True`` when the *whole* value,
after stripping surrounding whitespace (and separators where noted), is a valid instance of
the entity. They are pure, offline and cheap enough for column classification over samples.
``CELL_VALIDATORS`` maps the entity names used across Pazhou to these functions.
The name/address heuristics and the international validators live in
``anonymizers.recognizers.text_rules`` and ``anonymizers.recognizers.intl_rules`` (presidio-free)
and are re-exported here.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache
from operator import mul

from anonymizers.recognizers.intl_rules import (
    credit_card,
    date_of_birth,
    iban,
    luhn_digits,
    parse_date,
    phone_number,
    real_date,
    us_ssn,
)
from anonymizers.recognizers.text_rules import cn_address, cn_person_name, en_person_name

__all__ = [
    "CELL_VALIDATORS",
    "ambiguous_id_uscc",
    "cn_address",
    "cn_bank_card",
    "cn_mobile",
    "cn_passport",
    "cn_person_name",
    "cn_resident_id",
    "cn_uscc",
    "cn_vehicle_plate",
    "credit_card",
    "date_of_birth",
    "email",
    "en_person_name",
    "iban",
    "ip_address",
    "luhn",
    "parse_date",
    "phone_number",
    "us_ssn",
]

_SEPARATORS = re.compile(r"[\s\-]")
_PROVINCE_CODES = frozenset(
    (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        *(71, 81, 82, 83),
    )
)
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUES = {char: value for value, char in enumerate(_USCC_CHARS)}
_USCC_RE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{18}")
_MOBILE_RE = re.compile(r"(?:\+86|0086|86)?1[3-9][0-9]{9}")
_MOBILE_NOISE = re.compile(r"[\s\-()]")

_PASSPORT_RE = re.compile(r"[EG][0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|[DPS]E[0-9]{7}|D[0-9]{8}")
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_RE = re.compile(
    rf"[{PLATE_PROVINCES}][A-Z][·•.\- ]?"
    r"(?:[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF]|[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳])"
)
_EMAIL_RE = re.compile(
    r"[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def _compact(value: str) -> str:
    """Strip the value and drop spaces and dashes inside it."""
    if value.isalnum():  # the common case (a regex match): nothing to drop
        return value
    return _SEPARATORS.sub("", value.strip())


def _id_birth_ok(yyyymmdd: str) -> bool:
    """Check the eight-digit birth date of a resident identity number."""
    return real_date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])) is not None


def resident_id_check_char(body: str) -> str:
    """GB 11643-1999 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    if len(body) != len(_ID_WEIGHTS):
        raise ValueError("a resident ID body has 17 digits")
    total = sum(map(mul, map(int, body), _ID_WEIGHTS))
    return "10X98765432"[total % 11]


@lru_cache(maxsize=1 << 14)
def cn_resident_id(value: str) -> bool:
    """Mainland resident identity number: 18 chars with check digit, or the old 15 digits.

    Checks the province code (first two digits), a real birth date (1900 to today) and,
    for the 18-char form, the MOD 11-2 check character (``X`` in any case). Spaces and
    dashes inside the value are ignored.
    """
    v = _compact(value).upper()
    if _ID18.fullmatch(v):
        birth_ok = _id_birth_ok(v[6:14])
        return (
            birth_ok and int(v[:2]) in _PROVINCE_CODES and resident_id_check_char(v[:17]) == v[17]
        )
    if _ID15.fullmatch(v):
        return int(v[:2]) in _PROVINCE_CODES and _id_birth_ok("19" + v[6:12])
    return False


def uscc_check_char(body: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a credit code."""
    if len(body) != len(_USCC_WEIGHTS):
        raise ValueError("a credit code body has 17 characters")
    total = sum(map(mul, map(_USCC_VALUES.__getitem__, body), _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def cn_uscc(value: str) -> bool:
    """Unified Social Credit Code (18 chars, GB 32100-2015 charset and check character)."""
    v = _compact(value).upper()
    return bool(_USCC_RE.fullmatch(v)) and uscc_check_char(v[:17]) == v[17]


def ambiguous_id_uscc(value: str) -> bool:
    """True when the value is both a valid resident ID and a valid USCC (about 1 in 31 IDs)."""
    return cn_resident_id(value) and cn_uscc(value)


def cn_mobile(value: str) -> bool:
    """Mainland mobile: ``1[3-9]`` + 9 digits, optional +86/0086/86 prefix, spaces/dashes."""
    plain = value if value.isdigit() else _MOBILE_NOISE.sub("", value.strip())
    return bool(_MOBILE_RE.fullmatch(plain))


@lru_cache(maxsize=1 << 14)
def luhn(digits: str) -> bool:
    """Luhn (mod 10) checksum over a digit string; spaces and dashes are ignored."""
    v = _compact(digits)
    if not v.isascii() or not v.isdigit():
        return False
    return luhn_digits(v)


def cn_bank_card(value: str) -> bool:
    """Bank card number: 16-19 digits (spaces/dashes allowed), Luhn valid.

    A value that is a valid 18-digit resident ID is not reported as a bank card.
    """
    v = _compact(value)
    return 16 <= len(v) <= 19 and luhn(v) and not cn_resident_id(v)


def cn_passport(value: str) -> bool:
    """Mainland passport number.

    Accepted: ``E``/``G`` + 8 digits (ordinary), ``E`` + letter (not I/O) + 7 digits (2019+
    e-passports), ``DE``/``PE``/``SE`` + 7 digits (diplomatic, public affairs, service) and
    ``D`` + 8 digits. Letters may be lower case.
    """
    return bool(_PASSPORT_RE.fullmatch(value.strip().upper()))


def cn_vehicle_plate(value: str) -> bool:
    """Mainland plate: province char + city letter + 5 chars (6 for new-energy plates).

    An optional separator (``·``, ``-``, ``.`` or a space) may follow the city letter.
    """
    return bool(_PLATE_RE.fullmatch(value.strip().upper()))


def email(value: str) -> bool:
    """ASCII e-mail address with a dotted domain and an alphabetic top-level domain."""
    v = value.strip()
    return len(v) <= 254 and bool(_EMAIL_RE.fullmatch(v))


def ip_address(value: str) -> bool:
    """IPv4 or IPv6 address as accepted by :mod:`ipaddress`."""
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True


CELL_VALIDATORS: dict[str, Callable[[str], bool]] = {
    "CN_RESIDENT_ID": cn_resident_id,
    "CN_USCC": cn_uscc,
    "CN_MOBILE": cn_mobile,
    "CN_BANK_CARD": cn_bank_card,
    "CN_PASSPORT": cn_passport,
    "CN_VEHICLE_PLATE": cn_vehicle_plate,
    "CN_PERSON_NAME": cn_person_name,
    "CN_ADDRESS": cn_address,
    "EMAIL_ADDRESS": email,
    "PHONE_NUMBER": phone_number,
    "CREDIT_CARD": credit_card,
    "IBAN_CODE": iban,
    "IP_ADDRESS": ip_address,
    "US_SSN": us_ssn,
    "DATE_OF_BIRTH": date_of_birth,
    "PERSON": en_person_name,
}

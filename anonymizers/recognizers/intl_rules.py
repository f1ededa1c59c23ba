"""International whole-value validators: IBAN, US SSN, payment cards, phone numbers, dates.

Pure functions without presidio; re-exported by :mod:`anonymizers.validators`.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "KW": 30, "KZ": 20, "LB": 28,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TR": 26, "UA": 29, "VG": 24,
}  # fmt: skip
PHONE_REGIONS: tuple[str, ...] = ("CN", "US", "GB", "HK", "MO")

_IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_SSN_RE = re.compile(r"([0-9]{3})([- ]?)([0-9]{2})\2([0-9]{4})")
_SSN_SAMPLES = frozenset({"078051120", "219099999", "123456789"})
_IIN_RE = re.compile(
    r"4|5[0-8]|6|2131|1800|2(?:22[1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)"
    r"|3(?:0[0-5]|[4679]|8|5(?:2[89]|[3-8]))"
)
_PHONE_RE = re.compile(r"\+?[0-9()\s.\-]{6,24}(?:\s*(?:x|ext\.?|#|转)\s*[0-9]{1,6})?", re.I)
_EXT_TAIL = re.compile(r"\s*(?:x|ext\.?|#)\s*[0-9]{1,6}$", re.I)  # as ``parse`` reads them
_QUICK_SHAPES = (
    ("US", 1, re.compile(r"\(?([2-9][0-9]{2})\)?[\s.\-]?([2-9][0-9]{2})[\s.\-]?([0-9]{4})")),
    ("CN", 86, re.compile(r"\(?0([1-9][0-9]{1,2})\)?[\s\-]?([2-9][0-9]{6,7})")),
)
_DATE_RES = (
    (re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})"), (1, 3, 4)),
    (re.compile(r"([0-9]{4})()([0-9]{2})([0-9]{2})"), (1, 3, 4)),
    (re.compile(r"([0-9]{4})\s*(年)\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]?"), (1, 3, 4)),
    (re.compile(r"([0-9]{1,2})(/)([0-9]{1,2})/([0-9]{4})"), (4, 3, 1)),
)


def real_date(year: int, month: int, day: int) -> dt.date | None:
    """Return the date if it exists, is not in the future and is not before 1900."""
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    return date if dt.date(1900, 1, 1) <= date <= dt.date.today() else None


def _compact(value: str) -> str:
    """Strip the value and drop spaces and dashes inside it."""
    return re.sub(r"[\s\-]", "", value.strip())


def iban(value: str) -> bool:
    """IBAN: country code, two check digits, BBAN; mod-97 == 1; per-country length known."""
    v = _compact(value).upper()
    if not _IBAN_RE.fullmatch(v) or IBAN_LENGTHS.get(v[:2], len(v)) != len(v):
        return False
    digits = "".join(str(int(c, 36)) for c in v[4:] + v[:4])
    return int(digits) % 97 == 1


def us_ssn(value: str) -> bool:
    """US SSN ``AAA-GG-SSSS`` (or spaces/no separators, used consistently).

    Area not 000, 666 or 9xx; group not 00; serial not 0000; well-known samples rejected.
    """
    m = _SSN_RE.fullmatch(value.strip())
    if not m:
        return False
    area, group, serial = m.group(1), m.group(3), m.group(4)
    if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
        return False
    return area + group + serial not in _SSN_SAMPLES


def _luhn(digits: str) -> bool:
    """Luhn checksum over ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def credit_card(value: str) -> bool:
    """Payment card: 13-19 digits, Luhn valid, known IIN prefix (Visa, Mastercard, Amex,
    Discover, JCB incl. 2131/1800, Diners, UnionPay, Maestro). Spaces and dashes are ignored."""
    v = _compact(value)
    ok = v.isascii() and v.isdigit() and 13 <= len(v) <= 19
    return ok and bool(_IIN_RE.match(v)) and _luhn(v)


def _quick_valid(value: str, regions: tuple[str, ...]) -> bool:
    """True when ``value`` (extension cut off) is shaped like a national number of one of
    ``regions`` for which a quick check exists (US ``(212) 355-1234``, CN ``010-62345678``) and
    ``phonenumbers`` says it is valid for that region.

    This skips ``phonenumbers.parse`` (the costly part): the national number is the digits
    (after the trunk ``0`` for CN), which is what ``parse`` finds for these shapes, and being
    valid for the region a number was parsed for implies ``is_valid_number``. False means
    "not settled here", not "invalid".
    """
    core = _EXT_TAIL.sub("", value)
    for region, code, shape in _QUICK_SHAPES:
        match = shape.fullmatch(core)
        if match and region in regions:
            national = int("".join(match.groups()))
            number = phonenumbers.PhoneNumber(country_code=code, national_number=national)
            return bool(phonenumbers.is_valid_number_for_region(number, region))
    return False


def phone_number(value: str, regions: tuple[str, ...] = PHONE_REGIONS) -> bool:
    """Valid phone number per ``phonenumbers``: international (``+``/``00``) or national
    in one of ``regions`` (CN, US, GB, HK, MO by default); extensions are allowed."""
    v = value.strip()
    if not _PHONE_RE.fullmatch(v) or sum(c.isdigit() for c in v) < 7:
        return False
    if v.startswith("00"):
        v = "+" + v[2:]
    if not v.startswith("+") and _quick_valid(v, regions):
        return True
    for region in (None,) if v.startswith("+") else regions:
        try:
            number = phonenumbers.parse(v, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def parse_date(value: str) -> dt.date | None:
    """Parse YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, YYYY年M月D日 or DD/MM/YYYY.

    ``DD/MM/YYYY`` falls back to ``MM/DD/YYYY`` when the day-first reading is impossible.
    Returns a real date between 1900-01-01 and today, else None.
    """
    v = value.strip()
    for pattern, (y, m, d) in _DATE_RES:
        match = pattern.fullmatch(v)
        if match:
            year, month, day = int(match[y]), int(match[m]), int(match[d])
            date = real_date(year, month, day)
            if date is None and y == 4:
                date = real_date(year, day, month)
            return date
    return None


def date_of_birth(value: str) -> bool:
    """A parseable date (see :func:`parse_date`) from 1900 up to today."""
    return parse_date(value) is not None

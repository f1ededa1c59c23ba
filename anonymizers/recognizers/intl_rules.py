"""International whole-value validators: IBAN, US SSN, payment cards, phone numbers, dates.

Pure functions without presidio; re-exported by :mod:`anonymizers.validators`.
"""

from __future__ import annotations

import datetime as dt
import re

from anonymizers.recognizers.phone_rules import PHONE_REGIONS, phone_number

__all__ = [
    "PHONE_REGIONS",
    "credit_card",
    "date_of_birth",
    "iban",
    "luhn_digits",
    "parse_date",
    "phone_number",
    "real_date",
    "us_ssn",
]
_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_LUHN_DOUBLED_CHARS = str.maketrans("0123456789", "".join(map(str, _LUHN_DOUBLED)))
_EARLIEST = dt.date(1900, 1, 1)
_IMPORT_DAY = dt.date.today()  # no date up to this one is in the future

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "KW": 30, "KZ": 20, "LB": 28,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TR": 26, "UA": 29, "VG": 24,
}  # fmt: skip

_IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_SSN_RE = re.compile(r"([0-9]{3})([- ]?)([0-9]{2})\2([0-9]{4})")
_SSN_SAMPLES = frozenset({"078051120", "219099999", "123456789"})
_IIN_RE = re.compile(
    r"4|5[0-8]|6|2131|1800|2(?:22[1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)"
    r"|3(?:0[0-5]|[4679]|8|5(?:2[89]|[3-8]))"
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
    if date < _EARLIEST:
        return None
    return date if date <= _IMPORT_DAY or date <= dt.date.today() else None


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


def luhn_digits(digits: str) -> bool:
    """Luhn checksum over a string of ASCII digits."""
    if digits.isascii() and digits.isdigit():
        # Digit sums in C: the bytes of the kept digits, and of the doubled digits mapped to
        # the digit sums of their doubles, less 48 (``"0"``) per digit.
        kept = sum(digits[-1::-2].encode())
        doubled = sum(digits[-2::-2].translate(_LUHN_DOUBLED_CHARS).encode())
        return (kept + doubled - 48 * len(digits)) % 10 == 0
    values = list(map(int, digits))
    return (sum(values[-1::-2]) + sum(map(_LUHN_DOUBLED.__getitem__, values[-2::-2]))) % 10 == 0


def credit_card(value: str) -> bool:
    """Payment card: 13-19 digits, Luhn valid, known IIN prefix (Visa, Mastercard, Amex,
    Discover, JCB incl. 2131/1800, Diners, UnionPay, Maestro). Spaces and dashes are ignored."""
    v = _compact(value)
    ok = v.isascii() and v.isdigit() and 13 <= len(v) <= 19
    return ok and bool(_IIN_RE.match(v)) and luhn_digits(v)


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

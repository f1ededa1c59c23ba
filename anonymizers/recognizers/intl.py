"""Recognizers for international identifiers: e-mail, phone, payment card, IBAN, IP
address, US SSN and dates of birth. Patterns are written to work next to CJK characters;
presidio's stock ones swallow neighbouring CJK (e-mail), miss 19-digit UnionPay cards, or
need a region-specific phone set-up."""

from __future__ import annotations

import re

from anonymizers import validators as v
from anonymizers.recognizers.base import L, R, ValidatedPatternRecognizer

_EXT = r"(?:[ ]?(?:x|ext\.?|转)[ ]?[0-9]{1,6})?"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_YEAR = r"(?:19|20)[0-9]{2}"


class EmailRecognizer(ValidatedPatternRecognizer):
    """ASCII e-mail addresses; stops at CJK characters on either side."""

    ENTITY = "EMAIL_ADDRESS"
    PREFILTER = re.compile(r"@")
    PATTERNS = (
        (
            "email",
            r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*"
            r"@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,63}(?![A-Za-z0-9\-])",
            0.95,
        ),
    )
    CONTEXT = ("邮箱", "邮件", "电邮", "email", "e-mail", "mail")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.email`."""
        return v.email(value)


class PhoneNumberRecognizer(ValidatedPatternRecognizer):
    """Landline and international phone numbers valid per ``phonenumbers`` (CN, US, GB,
    HK, MO, or any number written with ``+``/``00``)."""

    ENTITY = "PHONE_NUMBER"
    PREFILTER = re.compile(r"[0-9]{3}")
    SCORE_CAP = 0.85  # a mainland mobile is reported as CN_MOBILE
    PATTERNS = (
        (
            "international",
            rf"(?<![0-9A-Za-z+])(?:\+|00)[1-9][0-9 ()\-.]{{6,18}}[0-9]{_EXT}{R}",
            0.7,
        ),
        ("cn_landline", rf"{L}\(?0[1-9][0-9]{{1,2}}\)?[ \-]?[2-9][0-9]{{6,7}}{_EXT}{R}", 0.65),
        ("nanp", rf"{L}\(?[2-9][0-9]{{2}}\)?[ \-.]?[2-9][0-9]{{2}}[ \-.][0-9]{{4}}{_EXT}{R}", 0.55),
    )
    CONTEXT = ("电话", "座机", "手机", "联系", "传真", "phone", "tel", "call", "fax", "mobile")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.phone_number`."""
        return v.phone_number(value)


class CreditCardRecognizer(ValidatedPatternRecognizer):
    """Payment cards of 13-19 digits with a known IIN and a valid Luhn digit.

    A 16-19 digit number is usually also a ``CN_BANK_CARD`` (higher base score); it is
    reported as ``CREDIT_CARD`` only when a credit-card cue word (信用卡, visa ...) is near.
    """

    ENTITY = "CREDIT_CARD"
    PREFILTER = re.compile(r"[0-9]{4}")
    PATTERNS = (
        ("grouped", rf"{L}[0-9]{{4}}(?:[ \-]?[0-9]{{4}}){{2}}(?:[ \-]?[0-9]{{1,7}})?{R}", 0.75),
        ("amex", rf"{L}3[47][0-9]{{2}}[ \-]?[0-9]{{6}}[ \-]?[0-9]{{5}}{R}", 0.75),
        ("diners", rf"{L}3[0-9]{{3}}[ \-]?[0-9]{{6}}[ \-]?[0-9]{{4}}{R}", 0.75),
    )
    CONTEXT = ("信用卡", "贷记卡", "credit card", "visa", "mastercard", "amex", "jcb", "diners")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.credit_card`."""
        return v.credit_card(value)


class IbanRecognizer(ValidatedPatternRecognizer):
    """IBANs, compact or in groups of four, with the mod-97 check."""

    ENTITY = "IBAN_CODE"
    PREFILTER = re.compile(r"[A-Z]{2}[0-9]{2}")
    PATTERNS = (
        (
            "iban",
            rf"{L}[A-Z]{{2}}[0-9]{{2}}(?:[ ]?[A-Z0-9]{{4}}){{2,7}}(?:[ ]?[A-Z0-9]{{1,3}})?{R}",
            0.9,
        ),
    )
    CONTEXT = ("iban", "账户", "账号", "account", "bank")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.iban`."""
        return v.iban(value)


class IpAddressRecognizer(ValidatedPatternRecognizer):
    """IPv4 and IPv6 addresses."""

    ENTITY = "IP_ADDRESS"
    PREFILTER = re.compile(r"[0-9A-Fa-f][.:]")
    PATTERNS = (
        ("ipv4", r"(?<![0-9A-Za-z.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?!\.?[0-9A-Za-z])", 0.8),
        (
            "ipv6",
            r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])",
            0.8,
        ),
    )
    CONTEXT = ("ip", "地址", "address", "host", "登录")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.ip_address` (and refuse bare ``::``)."""
        return any(c.isalnum() for c in value) and v.ip_address(value)


class UsSsnRecognizer(ValidatedPatternRecognizer):
    """US social security numbers written with dashes or spaces (``AAA-GG-SSSS``)."""

    ENTITY = "US_SSN"
    PREFILTER = re.compile(r"[0-9]{3}[- ][0-9]{2}[- ]")
    PATTERNS = (
        ("ssn_dash", rf"{L}[0-9]{{3}}-[0-9]{{2}}-[0-9]{{4}}{R}", 0.6),
        ("ssn_space", rf"{L}[0-9]{{3}} [0-9]{{2}} [0-9]{{4}}{R}", 0.4),
    )
    CONTEXT = ("ssn", "social security", "社会保障号", "社保号")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.us_ssn`."""
        return v.us_ssn(value)


class DateOfBirthRecognizer(ValidatedPatternRecognizer):
    """Past dates (1900 to today); only scored high when a birth cue word is near."""

    ENTITY = "DATE_OF_BIRTH"
    PREFILTER = re.compile(r"(?:19|20)[0-9]{2}")
    PATTERNS = (
        ("ymd", rf"(?<![0-9]){_YEAR}([-/.]){_MONTH}\1{_DAY}(?![0-9])", 0.4),
        ("cn", rf"(?<![0-9]){_YEAR}[ ]?年[ ]?{_MONTH}[ ]?月[ ]?{_DAY}[ ]?[日号]?", 0.4),
        ("compact", rf"(?<![0-9]){_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?![0-9])", 0.2),
        ("dmy", rf"(?<![0-9]){_DAY}/{_MONTH}/{_YEAR}(?![0-9])", 0.4),
    )
    CONTEXT = ("出生", "生日", "生于", "出生日期", "dob", "born", "birth", "birthday")

    def check(self, value: str) -> bool:
        """Validate with :func:`anonymizers.validators.date_of_birth`."""
        return v.date_of_birth(value)

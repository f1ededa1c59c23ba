"""Pattern specs for international identifiers: e-mail, phone, payment card, IBAN, IP
address, US SSN and dates of birth. Patterns are written to work next to CJK characters;
presidio's stock ones swallow neighbouring CJK (e-mail), miss 19-digit UnionPay cards, or
need a region-specific phone set-up.

Shared by the presidio recognizers (:mod:`anonymizers.recognizers.intl`) and the bulk span
finder (:mod:`anonymizers.fast_spans`).
"""

from __future__ import annotations

from anonymizers import validators as v
from anonymizers.recognizers.spec import L, PatternSpec, R

_EXT = r"(?:[ ]?(?:x|ext\.?|转|分机号?)[ ]?[0-9]{1,6})?"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_YEAR = r"(?:19|20)[0-9]{2}"


def ip_check(value: str) -> bool:
    """Validate with :func:`anonymizers.validators.ip_address` (and refuse bare ``::``)."""
    return any(c.isalnum() for c in value) and v.ip_address(value)


EMAIL = PatternSpec(
    entity="EMAIL_ADDRESS",
    patterns=(
        (
            "email",
            r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*"
            r"@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,63}(?![A-Za-z0-9\-])",
            0.95,
        ),
    ),
    check=v.email,
    context=("邮箱", "邮件", "电邮", "email", "e-mail", "mail"),
    prefilter=r"@",
)

PHONE_NUMBER = PatternSpec(
    entity="PHONE_NUMBER",
    patterns=(
        (
            "international",
            rf"(?<![0-9A-Za-z+])(?:\+|00)[1-9][0-9 ()\-.]{{6,18}}[0-9]{_EXT}{R}",
            0.7,
        ),
        ("cn_landline", rf"{L}\(?0[1-9][0-9]{{1,2}}\)?[ \-]?[2-9][0-9]{{6,7}}{_EXT}{R}", 0.65),
        ("nanp", rf"{L}\(?[2-9][0-9]{{2}}\)?[ \-.]?[2-9][0-9]{{2}}[ \-.][0-9]{{4}}{_EXT}{R}", 0.55),
    ),
    check=v.phone_number,
    context=("电话", "座机", "手机", "联系", "传真", "phone", "tel", "call", "fax", "mobile"),
    score_cap=0.85,  # a mainland mobile is reported as CN_MOBILE
    prefilter=r"[0-9]{3}",
)

CREDIT_CARD = PatternSpec(
    entity="CREDIT_CARD",
    patterns=(
        ("grouped", rf"{L}[0-9]{{4}}(?:[ \-]?[0-9]{{4}}){{2}}(?:[ \-]?[0-9]{{1,7}})?{R}", 0.75),
        ("amex", rf"{L}3[47][0-9]{{2}}[ \-]?[0-9]{{6}}[ \-]?[0-9]{{5}}{R}", 0.75),
        ("diners", rf"{L}3[0-9]{{3}}[ \-]?[0-9]{{6}}[ \-]?[0-9]{{4}}{R}", 0.75),
    ),
    check=v.credit_card,
    context=("信用卡", "贷记卡", "credit card", "visa", "mastercard", "amex", "jcb", "diners"),
    prefilter=r"[0-9]{4}",
)

IBAN_CODE = PatternSpec(
    entity="IBAN_CODE",
    patterns=(
        (
            "iban",
            rf"{L}[A-Z]{{2}}[0-9]{{2}}(?:[ ]?[A-Z0-9]{{4}}){{2,7}}(?:[ ]?[A-Z0-9]{{1,3}})?{R}",
            0.9,
        ),
    ),
    check=v.iban,
    context=("iban", "账户", "账号", "account", "bank"),
    prefilter=r"[A-Z]{2}[0-9]{2}",
)

IP_ADDRESS = PatternSpec(
    entity="IP_ADDRESS",
    patterns=(
        ("ipv4", r"(?<![0-9A-Za-z.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?!\.?[0-9A-Za-z])", 0.8),
        (
            "ipv6",
            r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])",
            0.8,
        ),
    ),
    check=ip_check,
    context=("ip", "地址", "address", "host", "登录"),
    prefilter=r"[0-9A-Fa-f][.:]",
)

US_SSN = PatternSpec(
    entity="US_SSN",
    patterns=(
        ("ssn_dash", rf"{L}[0-9]{{3}}-[0-9]{{2}}-[0-9]{{4}}{R}", 0.6),
        ("ssn_space", rf"{L}[0-9]{{3}} [0-9]{{2}} [0-9]{{4}}{R}", 0.4),
    ),
    check=v.us_ssn,
    context=("ssn", "social security", "社会保障号", "社保号"),
    prefilter=r"[0-9]{3}[- ][0-9]{2}[- ]",
)

DATE_OF_BIRTH = PatternSpec(
    entity="DATE_OF_BIRTH",
    patterns=(
        ("ymd", rf"(?<![0-9]){_YEAR}([-/.]){_MONTH}\1{_DAY}(?![0-9])", 0.4),
        ("cn", rf"(?<![0-9]){_YEAR}[ ]?年[ ]?{_MONTH}[ ]?月[ ]?{_DAY}[ ]?[日号]?", 0.4),
        ("compact", rf"(?<![0-9]){_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?![0-9])", 0.2),
        ("dmy", rf"(?<![0-9]){_DAY}/{_MONTH}/{_YEAR}(?![0-9])", 0.4),
    ),
    check=v.date_of_birth,
    context=("出生", "生日", "生于", "出生日期", "dob", "born", "birth", "birthday"),
    prefilter=r"(?:19|20)[0-9]{2}",
)

INTL_SPECS: tuple[PatternSpec, ...] = (
    EMAIL,
    PHONE_NUMBER,
    CREDIT_CARD,
    IBAN_CODE,
    IP_ADDRESS,
    US_SSN,
    DATE_OF_BIRTH,
)

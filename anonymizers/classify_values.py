"""Value evidence for column classification: sampling, validator hit rates, shapes, examples.

Helpers of :mod:`anonymizers.classify`; every function here looks at values, never headers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from anonymizers.invisible import readable_column
from anonymizers.validators import CELL_VALIDATORS

_SENTENCE = re.compile(r"[，。；：！？]")  # an address never holds these; a note does
# Cheap necessary conditions, checked before a validator runs (values arrive stripped).
_GATES: dict[str, Callable[[str], bool]] = {
    "CN_RESIDENT_ID": lambda v: 15 <= len(v) <= 22 and v[0].isdigit(),
    "CN_USCC": lambda v: 18 <= len(v) <= 22,
    "CN_MOBILE": lambda v: 11 <= len(v) <= 24 and v[-1].isdigit(),
    "CN_BANK_CARD": lambda v: 16 <= len(v) <= 26 and v[-1].isdigit(),
    "CREDIT_CARD": lambda v: 13 <= len(v) <= 26 and v[-1].isdigit(),
    "CN_PASSPORT": lambda v: 8 <= len(v) <= 9,
    "CN_VEHICLE_PLATE": lambda v: 7 <= len(v) <= 10 and not v[0].isascii(),
    "CN_PERSON_NAME": lambda v: 2 <= len(v) <= 40 and not v[0].isascii(),
    "CN_ADDRESS": lambda v: 4 <= len(v) <= 120 and not v.isascii() and not _SENTENCE.search(v),
    "EMAIL_ADDRESS": lambda v: "@" in v,
    "PHONE_NUMBER": lambda v: 7 <= len(v) <= 40 and (v[0].isdigit() or v[0] in "+("),
    "IBAN_CODE": lambda v: 15 <= len(v) <= 45 and v[:2].isalpha(),
    "IP_ADDRESS": lambda v: len(v) <= 45 and ("." in v or ":" in v),
    "US_SSN": lambda v: len(v) == 11 and v[3] in "- ",  # bare 9 digits: only under a header
    "DATE_OF_BIRTH": lambda v: 6 <= len(v) <= 20 and v[0].isdigit(),
    "PERSON": lambda v: " " in v and len(v) <= 60 and v.isascii(),
}
# A number column can only hold these (a 9-digit amount is not an SSN).
_NUMERIC_ENTITIES = ("CN_MOBILE", "CN_BANK_CARD", "CREDIT_CARD", "CN_RESIDENT_ID", "DATE_OF_BIRTH")
# Entities specific enough that a mix of them makes a column worth scanning span by span.
STRONG = frozenset({"CN_RESIDENT_ID", "CN_USCC", "CN_MOBILE", "EMAIL_ADDRESS", "CN_BANK_CARD",
    "CREDIT_CARD", "IBAN_CODE", "CN_PASSPORT", "CN_VEHICLE_PLATE", "US_SSN"})  # fmt: skip
_PUNCT, _CJK = re.compile(r"[\s,.;:!?，。；：！？、]"), re.compile(r"[\u4e00-\u9fff]")
_GENDER = frozenset({"男", "女", "男性", "女性", "m", "f", "male", "female", "未知", "unknown"})
_SHAPES: dict[str, tuple[re.Pattern[str], bool]] = {  # kind: (pattern, needs a header hint)
    "AGE": (re.compile(r"(?:[0-9]|[1-9][0-9]|1[01][0-9]|120)岁?"), True),
    "BIRTH_YEAR": (re.compile(r"(?:19|20)[0-9]{2}年?"), True),
    "POSTCODE": (re.compile(r"[0-8][0-9]{5}"), True),
    "DISTRICT": (re.compile(r"[\u4e00-\u9fff]{1,10}[区县旗]"), False),
}
_LONG_DIGITS = re.compile(r"[0-9]{4,}")
_EMAILISH = re.compile(r"\S+@\S+")


def _to_str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def sample_strings(values: pa.Array | pa.ChunkedArray, size: int, seed: int) -> list[str]:
    """Up to ``size`` non-null values as stripped, non-empty strings, in column order.

    The column is cut into ``size`` equal strata and one seeded random row is taken from each,
    so the sample is deterministic and spread over the whole column, not just its head.
    """
    valid = None
    if values.null_count:
        valid = np.flatnonzero(pc.is_valid(values).to_numpy(zero_copy_only=False))
    total = len(values) if valid is None else len(valid)
    k = min(size, total)
    if k == total:
        positions = np.arange(total, dtype=np.int64)
    else:
        jitter = np.random.default_rng(seed).random(k)
        positions = ((np.arange(k) + jitter) * (total / k)).astype(np.int64)
    rows = positions if valid is None else valid[positions]
    taken = readable_column(values.take(pa.array(rows, type=pa.int64()))).to_pylist()
    return [s for s in (_to_str(v).strip() for v in taken if v is not None) if s]


def _candidates(data_type: pa.DataType) -> Sequence[str]:
    t = data_type.value_type if pa.types.is_dictionary(data_type) else data_type
    if pa.types.is_temporal(t) or pa.types.is_boolean(t):
        return ("DATE_OF_BIRTH",) if pa.types.is_temporal(t) else ()
    numeric = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
    return _NUMERIC_ENTITIES if numeric else tuple(CELL_VALIDATORS)


def entity_hits(
    counts: Counter[str], total: int, data_type: pa.DataType, seed: int = 0
) -> tuple[dict[str, float], float]:
    """Per entity, the share of sampled values its validator accepts; and the share of values
    accepted by any ``STRONG`` entity.

    Each distinct value is validated once, in a seeded random order. A costly non-``STRONG``
    entity (phone numbers, names, addresses) that has hit under 10% of the first 64 distinct
    values is dropped, its rate then estimated from those: a column it could claim (≥ 50%
    hits) would almost never start that way.
    """
    entities = [e for e in _candidates(data_type) if e in CELL_VALIDATORS]
    hits, seen = dict.fromkeys(entities, 0), dict.fromkeys(entities, 0)
    live, strong = list(entities), 0
    order = np.random.default_rng(seed).permutation(len(counts))
    distinct = list(counts.items())
    for i, j in enumerate(order, start=1):
        value, n = distinct[j]
        passed = [e for e in live if _GATES.get(e, bool)(value) and CELL_VALIDATORS[e](value)]
        for entity in live:
            seen[entity] += n
            hits[entity] += n if entity in passed else 0
        strong += n if STRONG.intersection(passed) else 0
        if i % 64 == 0:
            live = [e for e in live if e in STRONG or hits[e] >= 0.1 * seen[e]]
    rates = {e: hits[e] / seen[e] if seen[e] else 0.0 for e in entities}
    return rates, strong / total if total else 0.0


def confidence(rate: float, header_agrees: bool, header_conflicts: bool = False) -> float:
    """Noisy-OR of value and header evidence: ``1 - (1 - 0.9·rate)(1 - 0.6·agrees)``, times
    0.8 when the header's head word names another kind; rounded to 3 places."""
    score = 1 - (1 - 0.9 * rate) * (1 - 0.6 * header_agrees)
    return round(score * (0.8 if header_conflicts else 1.0), 3)


def _is_prose(value: str) -> bool:
    cjk = _CJK.search(value) is not None
    punctuated = len(value) > (10 if cjk else 20) and _PUNCT.search(value) is not None
    return punctuated or (cjk and len(value) > 30) or len(value.split()) >= 4


def text_share(strings: list[str]) -> float:
    """Share of values that read as prose: ≥ 4 words, or punctuation or spaces in more than
    10 chars (with Chinese) or 20 (without), or more than 30 chars with Chinese."""
    return sum(map(_is_prose, strings)) / len(strings) if strings else 0.0


def shape_kind(strings: list[str], hinted: set[str]) -> tuple[str, float, str | None] | None:
    """A quasi-identifier recognised by value shape, its share of matching values and its
    PIPL kind ("minors" for an age column holding anyone under 14).

    AGE (0-120), BIRTH_YEAR (19xx/20xx under a birth header) and POSTCODE (6 digits) need
    their header; GENDER (男/女/M/F/male/female, also 0/1/2 under a gender header) and
    DISTRICT (…区/县/旗) do not. Needs ≥ 80% matching with the header, ≥ 90% without.
    """
    if not strings:
        return None
    for kind, (pattern, needs_hint) in _SHAPES.items():
        if needs_hint and kind not in hinted:
            continue
        matching = [v for v in strings if pattern.fullmatch(v)]
        rate = len(matching) / len(strings)
        if rate >= (0.8 if kind in hinted else 0.9):
            young = kind == "AGE" and min(int(v.rstrip("岁")) for v in matching) < 14
            return kind, rate, "minors" if young else None
    words = _GENDER | ({"0", "1", "2"} if "GENDER" in hinted else set())
    rate = sum(1 for v in strings if v.lower() in words) / len(strings)
    return ("GENDER", rate, None) if rate >= (0.8 if "GENDER" in hinted else 0.9) else None


def mask_example(value: str) -> str:
    """``value`` with most characters starred: first 3 and last 4 kept from 15 chars up
    (``110***********4518``), first and last from 5, only the first below, none for 1;
    at most 24 stars."""
    n = len(value)
    first, last = (3, 4) if n >= 15 else (1, 1) if n >= 5 else (1, 0) if n >= 2 else (0, 0)
    return value[:first] + "*" * min(n - first - last, 24) + value[n - last :]


def _replace(text: str, spans: Sequence[Any]) -> str:
    out, cut = [], len(text)
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        if span.end <= cut:
            out += [text[span.end : cut], f"<{span.entity}>"]
            cut = span.start
    masked = text[:cut] + "".join(reversed(out))
    masked = _LONG_DIGITS.sub(lambda m: "*" * len(m[0]), _EMAILISH.sub("<EMAIL_ADDRESS>", masked))
    return masked if len(masked) <= 80 else masked[:79] + "…"


def scan_spans(
    texts: list[str], limit: int = 200, ner_model: str | None = None
) -> tuple[dict[str, int], float, list[str]]:
    """Find PII spans in up to ``limit`` evenly spread ``texts`` (``engine.find_spans``, with
    the installed spaCy model ``ner_model`` if one is named).

    Returns span counts per entity, the share of scanned cells with a span, and up to 3
    examples, cells with spans first: spans replaced by ``<ENTITY>``, leftover digit runs
    and e-mails starred; a cell without spans is starred like any value.
    """
    from anonymizers.engine import cached_analyzer, find_spans  # presidio loads on use

    chosen = texts[:: max(1, len(texts) // limit)][:limit]
    found = find_spans(chosen, analyzer=cached_analyzer(ner_model)) if chosen else []
    counts = Counter(span.entity for spans in found for span in spans)
    share = sum(1 for spans in found if spans) / len(chosen) if chosen else 0.0
    pairs = sorted(zip(chosen, found, strict=True), key=lambda p: not p[1])
    examples = dict.fromkeys(_replace(t, s) if s else mask_example(t) for t, s in pairs)
    return dict(sorted(counts.items())), share, list(examples)[:3]

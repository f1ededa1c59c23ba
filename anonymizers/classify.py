"""Column classification: which columns hold personal information and how to mask them.

Judged from a seeded sample of values plus the header (``hints``), never from one stray hit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pyarrow as pa

from anonymizers import hints
from anonymizers.classify_values import (
    confidence,
    entity_hits,
    mask_example,
    sample_strings,
    scan_spans,
    shape_kind,
    text_share,
)
from anonymizers.invisible import strip_invisible

_MIN_RATE, _MIN_RATE_HINTED, _TEXT_SHARE, _MIXED_SHARE = 0.8, 0.5, 0.5, 0.3
_STRICT = {"PHONE_NUMBER": 0.9, "US_SSN": 0.9, "DATE_OF_BIRTH": 2.0}  # 2.0: never without hint


@dataclass(frozen=True)
class ColumnReport:
    """How one column was classified and how it is masked by default."""

    name: str
    entity: str | None
    category: str
    confidence: float
    hit_rate: float
    operator: str
    params: dict[str, Any]
    pipl_category: str | None
    examples: list[str]
    span_counts: dict[str, int] = field(default_factory=dict)  # free text: spans per entity

    def as_dict(self) -> dict[str, Any]:
        """All fields as a JSON-ready dict."""
        return asdict(self)


def choose_entity(rates: dict[str, float], found: list[hints.Hint]) -> str | None:
    """The validated entity a column holds, or ``None``.

    Eligible: hit rate ≥ 0.8 (0.9 for PHONE_NUMBER and US_SSN; DATE_OF_BIRTH needs a birth
    header), or ≥ 0.5 when the header names the entity. Among eligible entities the highest
    rate wins, with +0.2 for header agreement; ties go to the header's first-named kind, then
    to the more specific entity (``hints.PRIORITY``). So a value that is both a valid resident
    ID and a valid USCC is settled by the column's other values, then the header, then by
    the rule "resident ID first" (the more protective reading) — never by order of values.
    """
    hinted = hints.hinted_kinds(found)
    preferred = hints.validator_name(found[0].kinds[0]) if found else None

    def eligible(entity: str) -> bool:
        floor = _MIN_RATE_HINTED if entity in hinted else _STRICT.get(entity, _MIN_RATE)
        return rates[entity] >= floor

    def key(entity: str) -> tuple[float, bool, int]:
        bonus = 0.2 if entity in hinted else 0.0
        rank = hints.PRIORITY.index(entity) if entity in hints.PRIORITY else len(hints.PRIORITY)
        return round(rates[entity] + bonus, 2), entity == preferred, -rank

    candidates = [entity for entity in rates if eligible(entity)]
    return max(candidates, key=key) if candidates else None


def header_only_kind(found: list[hints.Hint]) -> str | None:
    """The kind named by the header's head word: a direct identifier when only a filler
    follows it (``身份证号`` yes, ``身份证类型`` no), another kind also before a word like
    ``结果``/``type`` (``诊断结果`` yes, ``face_value`` and ``job_id`` no)."""
    if not found:
        return None
    kind = found[0].kinds[0]
    direct = hints.KINDS[kind].category == hints.DIRECT
    return kind if (found[0].at_end if direct else found[0].near_end) else None


def _report(name: str, kind: str | None, rate: float, conf: float, examples: list[str],
            pipl: str | None = None) -> ColumnReport:  # fmt: skip
    spec = hints.kind_of(kind)
    entity = None if kind is None else hints.ENTITY_TO_KIND.get(kind, kind)
    return ColumnReport(
        name, entity, spec.category, conf, round(rate, 3), spec.operator, dict(spec.params),
        pipl or spec.pipl, examples,
    )  # fmt: skip


def _free_text(
    name: str, strings: list[str], found: list[hints.Hint], share: float, ner_model: str | None
) -> ColumnReport:
    """Free text: spans are replaced cell by cell; the PIPL kind comes from a sensitive
    header (``诊断说明`` → health) or else from identity/financial spans found."""
    counts, hit_share, examples = scan_spans(strings, ner_model=ner_model)
    named = [hints.KINDS[k].pipl for h in found for k in h.kinds if k in hints.KINDS]
    spotted = [hints.kind_of(e).pipl for e in counts if e in hints.KINDS]
    pipl = next((p for p in named + spotted if p is not None), None)
    conf = confidence(share, any("FREE_TEXT" in h.kinds for h in found))
    report = _report(name, "FREE_TEXT", hit_share, conf, examples, pipl)
    return replace(report, entity=None, span_counts=counts)


@dataclass(frozen=True)
class _Evidence:
    """A column's header hints and the hit rates of its sampled values."""

    name: str
    strings: list[str]
    found: list[hints.Hint]
    hinted: set[str]
    rates: dict[str, float]
    mixed: float
    examples: list[str]
    ner_model: str | None = None


def _gather(
    name: str, values: pa.Array | pa.ChunkedArray, size: int, seed: int, ner_model: str | None
) -> _Evidence:
    strings = sample_strings(values, size, seed)
    counts = Counter(strings)
    found = hints.header_hints(strip_invisible(name))
    rates, mixed = entity_hits(counts, len(strings), values.type, seed)
    examples = list(dict.fromkeys(map(mask_example, counts)))[:3]
    hinted = hints.hinted_kinds(found)
    return _Evidence(name, strings, found, hinted, rates, mixed, examples, ner_model)


def _as_entity(ev: _Evidence) -> ColumnReport | None:
    entity = choose_entity(ev.rates, ev.found)
    if entity is None:
        return None
    rate, agrees = ev.rates[entity], entity in ev.hinted
    conf = confidence(rate, agrees, bool(ev.found) and not agrees)
    return _report(ev.name, entity, rate, conf, ev.examples)


def _as_text(ev: _Evidence) -> ColumnReport | None:
    prose = text_share(ev.strings)
    assorted = ev.mixed >= _MIXED_SHARE and header_only_kind(ev.found) in (None, "FREE_TEXT")
    if ev.strings and (prose >= _TEXT_SHARE or assorted):
        return _free_text(ev.name, ev.strings, ev.found, max(prose, ev.mixed), ev.ner_model)
    return None


def _as_shape(ev: _Evidence) -> ColumnReport | None:
    shaped = shape_kind(ev.strings, ev.hinted)
    if shaped is None:
        return None
    kind, rate, pipl = shaped
    return _report(ev.name, kind, rate, confidence(rate, kind in ev.hinted), ev.examples, pipl)


def _as_header(ev: _Evidence) -> ColumnReport | None:
    kind = header_only_kind(ev.found)
    if kind == "FREE_TEXT":
        return _free_text(ev.name, ev.strings, ev.found, text_share(ev.strings), ev.ner_model)
    if kind is None:
        return None
    rate = ev.rates.get(hints.validator_name(kind), 0.0)
    return _report(ev.name, kind, rate, confidence(rate, True), ev.examples)


def _as_other(ev: _Evidence) -> ColumnReport:
    best = max((r for e, r in ev.rates.items() if _STRICT.get(e, 0) <= 1), default=0.0)
    conf = 0.9 * (1 - best) * (0.8 if ev.found else 1.0)
    return _report(ev.name, None, 0.0, round(conf, 3), ev.examples)


def classify_column(
    name: str,
    values: pa.Array | pa.ChunkedArray,
    sample_size: int = 1000,
    seed: int = 0,
    ner_model: str | None = None,
) -> ColumnReport:
    """Classify one column from up to ``sample_size`` non-null values (seeded, spread).

    In order: (1) a validated entity (:func:`choose_entity`); (2) free text when half the
    values read as prose, or ≥ 30% are assorted identifiers and the header names no kind
    (``hit_rate``: share of scanned cells with a span; one stray e-mail never makes an e-mail
    column); (3) a quasi-identifier by value shape; (4) the kind the header names alone
    (:func:`header_only_kind`; ``hit_rate``: that entity's measured rate, else 0); (5) other.
    ``confidence``: :func:`confidence` of the hit rate (free text: the share of prose or of
    identifiers) and header agreement; for ``other``, ``0.9·(1 - best hit rate)`` (dates
    aside: most are not birth dates), ×0.8 when the values overruled a header.
    ``ner_model``: an installed spaCy model that free-text scanning also runs
    (:func:`anonymizers.engine.build_analyzer`); None: rules only.
    """
    evidence = _gather(name, values, sample_size, seed, ner_model)
    for stage in (_as_entity, _as_text, _as_shape, _as_header):
        report = stage(evidence)
        if report is not None:
            return report
    return _as_other(evidence)


def classify_table(
    table: pa.Table, sample_size: int = 1000, seed: int = 0, ner_model: str | None = None
) -> list[ColumnReport]:
    """Classify every column of ``table`` (in order) with :func:`classify_column`."""
    return [
        classify_column(name, table.column(i), sample_size, seed, ner_model)
        for i, name in enumerate(table.column_names)
    ]

"""Bulk span finder for masking free text: the same patterns, validators and context rules as
the presidio recognizers, without presidio's per-text overhead.

:func:`find_spans_fast` deduplicates the texts; for each detector, an RE2 prefilter derived
from its own regexes (:mod:`anonymizers.recognizers.re2`, run column-wise by pyarrow) picks
the texts that may hold a match, and those are joined (``spec.Batch``) so that each pattern
of each :class:`~anonymizers.recognizers.spec.PatternSpec` runs once over them in C; Python
only validates and scores actual matches. Addresses use the shared rules of
:mod:`~anonymizers.recognizers.address_rules`, English names those of
:mod:`~anonymizers.recognizers.en_name_rules`, and Chinese names the cheap surname-anchored
detector of :mod:`~anonymizers.recognizers.cn_name_fast` (tuned for recall) instead of jieba
segmentation. Overlaps are resolved as in :mod:`anonymizers.engine`.

Large batches are spread over worker processes (:mod:`anonymizers.span_pool`). This module
never imports presidio, so workers start quickly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import TypeVar

from anonymizers.invisible import INVISIBLE_CLASS, hidden_hits
from anonymizers.recognizers import re2
from anonymizers.recognizers.address_rules import ADDRESS_PREFILTER, address_hits
from anonymizers.recognizers.cn_name_fast import CN_NAME_PREFILTER, cn_name_hits, lexicon
from anonymizers.recognizers.en_name_rules import EN_RUN, en_name_hits
from anonymizers.recognizers.patterns_cn import CN_SPECS
from anonymizers.recognizers.patterns_intl import INTL_SPECS
from anonymizers.recognizers.spec import SEPARATOR, Batch, Hit

DEFAULT_THRESHOLD = 0.5
RE2_MIN_TEXTS = 64  # from this many distinct texts on, prefilter each detector with RE2
ENTITY_ORDER = (
    "CN_RESIDENT_ID", "CN_USCC", "CN_MOBILE", "CN_BANK_CARD", "CN_PASSPORT", "CN_VEHICLE_PLATE",
    "CN_PERSON_NAME", "CN_ADDRESS", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE",
    "IP_ADDRESS", "US_SSN", "DATE_OF_BIRTH", "PERSON",
)  # fmt: skip
# Entities that most free text lacks: their prefilters are tried together first.
RARE_ENTITIES = frozenset(
    {"CN_PASSPORT", "CN_VEHICLE_PLATE", "IBAN_CODE", "IP_ADDRESS", "DATE_OF_BIRTH"}
)
Found = tuple[str, int, int, float]  # entity, start, end, score
T = TypeVar("T")
_START = itemgetter(1)


@dataclass(frozen=True)
class Span:
    """One detected entity: ``text[start:end]`` is ``entity`` with confidence ``score``."""

    entity: str
    start: int
    end: int
    score: float
    text: str


@dataclass(frozen=True)
class Detector:
    """One entity, the function finding it in a batch of texts, and an RE2 regex that every
    text it can find something in matches (None: no prefilter)."""

    entity: str
    find: Callable[[Batch, float], list[Hit]]
    prefilter: str | None


def _above(finder: Callable[[Batch], list[Hit]]) -> Callable[[Batch, float], list[Hit]]:
    def find(batch: Batch, threshold: float) -> list[Hit]:
        return [hit for hit in finder(batch) if hit[3] >= threshold]

    return find


@cache
def detectors() -> tuple[Detector, ...]:
    """Every detector, in the order of the recognizer registry."""
    every = {
        spec.entity: Detector(
            spec.entity,
            spec.matches,
            re2.any_of([rx for _, rx, _ in spec.patterns], spec.case_sensitive),
        )
        for spec in CN_SPECS + INTL_SPECS
    }
    every["CN_PERSON_NAME"] = Detector("CN_PERSON_NAME", _above(cn_name_hits), CN_NAME_PREFILTER)
    every["CN_ADDRESS"] = Detector("CN_ADDRESS", _above(address_hits), ADDRESS_PREFILTER)
    every["PERSON"] = Detector("PERSON", _above(en_name_hits), re2.relaxed(EN_RUN.pattern))
    return tuple(every[name] for name in ENTITY_ORDER)


def chosen_detectors(entities: Iterable[str] | None) -> tuple[Detector, ...]:
    """The detectors for ``entities`` (all for None); an unknown name raises ``ValueError``."""
    if entities is None:
        return detectors()
    wanted = set(entities)
    unknown = sorted(wanted - set(ENTITY_ORDER))
    if unknown:
        raise ValueError(f"unknown entities {unknown}; known: {sorted(ENTITY_ORDER)}")
    return tuple(d for d in detectors() if d.entity in wanted)


def warm_up() -> None:
    """Load the place names and the name lexicon and compile every regex (once per process)."""
    from anonymizers.recognizers.places import place_names

    place_names()
    lexicon()
    scan(["联系人王伟，电话13812345678，住址：广东省深圳市南山区科技园路1号 Dr. John Smith"])


def resolve(hits: list[Found]) -> list[Found]:
    """Keep the best of overlapping hits: highest score, then longest, then earliest (the
    rule of :func:`anonymizers.engine.resolve_overlaps`), in text order."""
    if len(hits) < 2:
        return hits
    ordered = sorted(hits, key=_START)
    reach = -1  # end of the previous hit
    for hit in ordered:
        if hit[1] < reach:
            break
        reach = hit[2]
    else:
        return ordered  # nothing overlaps: every hit is kept
    kept: list[Found] = []
    for hit in sorted(hits, key=_rank):
        start, end = hit[1], hit[2]
        for other in kept:
            if end > other[1] and start < other[2]:
                break
        else:
            kept.append(hit)
    kept.sort(key=_START)
    return kept


def _rank(hit: Found) -> tuple[float, int, int, str]:
    """Sort key of :func:`resolve`: best score, then longest, then earliest, then name."""
    return -hit[3], hit[1] - hit[2], hit[1], hit[0]


def _absent_rare(column: object, chosen: tuple[Detector, ...]) -> frozenset[str]:
    """The ``RARE_ENTITIES`` among ``chosen`` when no text passes any of their prefilters
    (one RE2 pass instead of one per detector), else none."""
    rare = [d for d in chosen if d.entity in RARE_ENTITIES and d.prefilter is not None]
    if len(rare) < 2:
        return frozenset()
    union = "|".join(f"(?:{d.prefilter})" for d in rare)
    return frozenset(d.entity for d in rare) if not re2.candidates(column, union) else frozenset()


def _scan_batch(
    texts: list[str], chosen: tuple[Detector, ...], threshold: float, column: object = None
) -> list[list[Found]]:
    """Resolved hits of each of ``texts``. With ``column`` (``texts`` as an Arrow array, see
    :func:`_column`), each detector only sees the texts its RE2 prefilter lets through."""
    per_text: list[list[Found]] = [[] for _ in texts]
    absent = _absent_rare(column, chosen) if column is not None else frozenset()
    whole: Batch | None = None
    for detector in chosen:
        if detector.entity in absent:
            continue
        rows = None
        if column is not None and detector.prefilter is not None:
            rows = re2.candidates(column, detector.prefilter)
            if not rows:
                continue
        if rows is not None and len(rows) < len(texts):
            batch = Batch([texts[i] for i in rows])
        else:
            rows = None
            whole = batch = Batch(texts) if whole is None else whole
        entity, found = detector.entity, detector.find(batch, threshold)
        if rows is None:
            for index, start, end, score in found:
                per_text[index].append((entity, start, end, score))
        else:
            for index, start, end, score in found:
                per_text[rows[index]].append((entity, start, end, score))
    return [resolve(hits) if len(hits) > 1 else hits for hits in per_text]


def _column(texts: list[str]) -> object:
    """``texts`` as an Arrow array for the RE2 prefilters (None below ``RE2_MIN_TEXTS``)."""
    return re2.column(texts) if len(texts) >= RE2_MIN_TEXTS else None


def scan_distinct(
    texts: Sequence[str], entities: Sequence[str] | None, threshold: float
) -> dict[str, list[Found]]:
    """Resolved hits of each distinct text; texts holding the batch separator (NUL) are
    scanned one by one."""
    chosen = chosen_detectors(entities)
    distinct = list(dict.fromkeys(texts))
    clean = [text for text in distinct if SEPARATOR not in text]
    column = _column(clean)
    found = dict(zip(clean, _scan_batch(clean, chosen, threshold, column), strict=True))
    if len(clean) < len(distinct):
        for text in distinct:
            if text not in found:
                found[text] = _scan_batch([text], chosen, threshold)[0]
    elif column is not None and not re2.matches_any(column, INVISIBLE_CLASS):
        return found  # no text holds an invisible character (RE2 reads the class alike)
    hidden = hidden_hits(distinct, lambda views: scan(views, entities, threshold))
    for text, hits in hidden.items():  # identifiers behind invisible characters
        found[text] = resolve([*found[text], *hits])
    return found


def scan(
    texts: Sequence[str],
    entities: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[list[Found]]:
    """(entity, start, end, score) of each text (``texts`` must be non-empty ``str``): the
    in-process core of the fast path. Each distinct text is scanned once (equal texts share
    one list)."""
    found = scan_distinct(texts, entities, threshold)
    return [found[text] for text in texts]


def scan_spans(
    texts: Sequence[str],
    entities: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[list[tuple[str, int, int]]]:
    """Like :func:`scan`, without the scores: ``(entity, start, end)``."""
    found = scan_distinct(texts, entities, threshold)
    short = {text: [(e, s, x) for e, s, x, _ in hits] for text, hits in found.items()}
    return [short[text] for text in texts]


def _present(texts: Sequence[str | None]) -> list[str]:
    """The non-empty texts; a value that is neither ``str`` nor None raises ``TypeError``."""
    present: list[str] = []
    for text in texts:
        if text is not None and not isinstance(text, str):
            raise TypeError(f"find_spans_fast expects str or None, got {type(text).__name__}")
        if text:
            present.append(text)
    return present


def _run(
    texts: Sequence[str | None],
    entities: Sequence[str] | None,
    threshold: float,
    workers: int | None,
    worker: Callable[[Sequence[str], Sequence[str] | None, float], list[list[T]]],
) -> list[list[T]]:
    """``worker`` over the non-empty texts (in worker processes when the batch is large);
    ``[]`` for empty and None texts."""
    from anonymizers import span_pool

    present = _present(texts)
    chosen = chosen_detectors(entities)  # raises on unknown names before any work
    if not chosen or not present:
        return [[] for _ in texts]
    names = None if entities is None else tuple(d.entity for d in chosen)
    found = iter(span_pool.run(present, names, threshold, workers, worker))
    return [next(found) if text else [] for text in texts]


def find_hits(
    texts: Sequence[str | None],
    entities: Sequence[str] | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    workers: int | None = None,
) -> list[list[Found]]:
    """(entity, start, end, score) for each text (``[]`` for empty or None texts; equal texts
    may share one list: do not mutate).

    Batches of at least :data:`anonymizers.span_pool.MIN_PARALLEL` distinct texts go to
    worker processes (``workers``: how many; default: one per available CPU); smaller
    batches, or ``workers=1``, run in this process.
    """
    return _run(texts, entities, threshold, workers, scan)


def find_spans_fast(
    texts: Sequence[str | None],
    entities: Sequence[str] | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    workers: int | None = None,
) -> list[list[Span]]:
    """Detected spans for each text, like :func:`anonymizers.engine.find_spans` but built
    for throughput (see the module docstring); Chinese names favour recall.

    ``entities`` restricts detection (an unknown name raises ``ValueError``); spans scoring
    below ``threshold`` are dropped; overlaps are resolved by score, then length. A value
    that is neither ``str`` nor None raises ``TypeError``. ``workers``: see :func:`find_hits`.
    """
    found = find_hits(texts, entities, threshold=threshold, workers=workers)
    return [
        [Span(entity, s, e, round(score, 4), text[s:e]) for entity, s, e, score in hits]
        if text
        else []
        for text, hits in zip(texts, found, strict=True)
    ]


def span_tuples(
    texts: Sequence[str | None],
    entities: Sequence[str] | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    workers: int | None = None,
) -> list[list[tuple[str, int, int]]]:
    """``(entity, start, end)`` spans per text: the fast path in the shape a ``replace_spans``
    span finder returns (no :class:`Span` objects are built; equal texts may share a list)."""
    return _run(texts, entities, threshold, workers, scan_spans)

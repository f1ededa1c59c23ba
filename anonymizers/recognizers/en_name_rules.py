"""English person names in free text (presidio-free): runs of capitalised words checked
against name lists.

Inside each run of capitalised words (titles and middle initials allowed) the best window is
kept: a given name followed by a surname scores highest; two words of which only the first
is a known given name or only the last a known surname score lower. Works next to CJK text.
Shared by :class:`~anonymizers.recognizers.en_names.EnPersonNameRecognizer` and
:mod:`anonymizers.fast_spans`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache, lru_cache

from anonymizers.recognizers.lexicon import EN_GIVEN_NAMES, EN_SURNAMES, words
from anonymizers.recognizers.spec import CONTEXT_BOOST, Batch, Hit, cue_near, cue_regex
from anonymizers.recognizers.text_rules import EN_TITLES, EN_TOKEN, en_name_key

CUES = tuple(
    words("name mr mrs ms dr dear contact patient customer client with 姓名 联系人 客户 先生 女士")
)
NOT_NAMES = words(
    "the this that these those a an and or but if dear hi hello hey thanks thank please "
    "contact call email mail phone meet met with from to for by at in on of my our your "
    "mr mrs ms miss dr prof sir madam street road avenue city county state university "
    "company inc ltd bank january february march april june july august september october "
    "november december monday tuesday wednesday thursday friday saturday sunday patient "
    "customer client user doctor nurse manager team meeting note notes re subject ref"
)
SCORE_CAP = 0.85
_WORD = r"[A-Z][a-z]*(?:[A-Z][a-z]+)?(?:['’\-][A-Z]?[a-z]+)*"
_TAIL = r"[a-z]*(?:[A-Z][a-z]+)?(?:['’\-][A-Z]?[a-z]+)*"
# A run of capitalised words. The leading capital comes first so that ``re`` can skip to
# candidates quickly; ``(?<![A-Za-z][A-Z])`` after it is ``(?<![A-Za-z])`` before it.
EN_RUN = _RUN = re.compile(
    rf"[A-Z](?<![A-Za-z][A-Z])(?:{_TAIL}\.?|\.)(?:[ ](?:{_WORD}|[A-Z]\.))+(?![A-Za-z])"
)
_TOKEN = re.compile(r"\S+")
_MIDDLE = re.compile(r"[A-Z]\.?|" + EN_TOKEN.pattern)
_TITLE_BEFORE = re.compile(r"(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.? $")
_SUFFIX_AFTER = re.compile(r",? (?:Jr|Sr|II|III|IV|MD|DDS|PhD|DVM|Esq)\b\.?")


def _is_word(token: str) -> bool:
    """A capitalised name-like word of at least two letters (not a stop word)."""
    return len(token) >= 2 and bool(EN_TOKEN.fullmatch(token)) and token.lower() not in NOT_NAMES


@lru_cache(maxsize=1 << 16)
def _token(token: str) -> tuple[bool, bool, bool, bool]:
    """What a window needs to know of a token: a name-like word? fit for the middle? a
    known given name? a known surname? (Cached: runs repeat the same words.)"""
    key = en_name_key(token)
    return (
        _is_word(token),
        bool(_MIDDLE.fullmatch(token)),
        key in EN_GIVEN_NAMES,
        key in EN_SURNAMES,
    )


def _window_score(tokens: list[str]) -> float:
    """Score a 2-3 token window: 0.85 given name + surname, 0.6 for two words of which the
    first is a known given name, 0.55 when only the last is a known surname (``Visitor
    Terry`` loses to ``Terry Mcfarland``), 0.3 for two unknown words (reported only next to
    a cue word such as ``Patient``)."""
    first, last = _token(tokens[0]), _token(tokens[-1])
    if not (first[0] and last[0]):
        return 0.0
    if len(tokens) == 3 and not _token(tokens[1])[1]:
        return 0.0
    given, surname = first[2], last[3]
    if given and surname:
        return 0.85
    if len(tokens) == 3:
        return 0.0
    return 0.6 if given else 0.55 if surname else 0.3  # a known given name first wins ties


def _best_windows(tokens: list[tuple[str, int, int]]) -> list[tuple[int, int, float]]:
    """Non-overlapping scored windows of one run, best (then longest, then leftmost) first."""
    if len(tokens) == 2:  # most runs: one window
        score = _window_score([tokens[0][0], tokens[1][0]])
        return [(tokens[0][1], tokens[1][2], score)] if score > 0 else []
    words = [t[0] for t in tokens]
    scored = [
        (_window_score(words[i : i + n]), n, i) for n in (3, 2) for i in range(len(tokens) - n + 1)
    ]
    taken: set[int] = set()
    found: list[tuple[int, int, float]] = []
    for score, n, i in sorted(scored, key=lambda w: (-w[0], -w[1], w[2])):
        if score > 0 and taken.isdisjoint(range(i, i + n)):
            taken.update(range(i, i + n))
            found.append((tokens[i][1], tokens[i + n - 1][2], score))
    return found


def _with_affixes(text: str, start: int, end: int, lo: int) -> tuple[int, int]:
    """Widen a name span over an adjacent title (``Dr.``) and suffix (``Jr.``, ``MD``); the
    title is looked for from ``lo`` (the start of the text) on."""
    title = _TITLE_BEFORE.search(text, max(lo, start - 8), start)
    suffix = _SUFFIX_AFTER.match(text, end)
    return (title.start() if title else start), (suffix.end() if suffix else end)


@cache
def _score(base: float, near: bool) -> float:
    """The score of a window scoring ``base``, with or without a cue word near it."""
    return min(SCORE_CAP, round(min(1.0, base + CONTEXT_BOOST * near), 4))


def en_name_hits(batch: Batch) -> list[Hit]:
    """The English names in every text of ``batch``: the best windows of each run of
    capitalised words, widened over titles and suffixes, scored with nearby cue words
    (capped at ``SCORE_CAP``)."""
    found: list[Hit] = []
    text, starts, ends = batch.text, batch.starts, batch.ends
    cues = cue_regex(CUES)
    for run in _RUN.finditer(text):
        run_start, run_end = run.span()
        index = bisect_right(starts, run_start) - 1
        lo, hi = starts[index], ends[index]
        tokens = [
            (word, *m.span())
            for m in _TOKEN.finditer(text, run_start, run_end)
            if (word := m.group()).rstrip(".").lower() not in EN_TITLES
        ]
        for found_start, found_end, base in _best_windows(tokens):
            start, end = _with_affixes(text, found_start, found_end, lo)
            score = _score(base, cue_near(cues, text, start, end, lo, hi))
            found.append((index, start - lo, end - lo, score))
    return found


def find_en_names(text: str) -> list[tuple[int, int, float]]:
    """(start, end, score) of the English names in ``text`` (see :func:`en_name_hits`)."""
    return [(start, end, score) for _, start, end, score in en_name_hits(Batch([text]))]

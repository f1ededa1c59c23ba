"""Presidio-free definitions shared by the presidio recognizers and the bulk span finder.

A :class:`PatternSpec` is the one definition of a validated pattern entity: its regexes with
base scores, its whole-value validator, its cue words and its score cap. The presidio
recognizers (:mod:`anonymizers.recognizers.base`) and :mod:`anonymizers.fast_spans` are both
built from these specs, so the two paths cannot drift apart.

Context is scored by looking for cue words within a few characters around a match (presidio's
own enhancer needs tokens from an NLP model, and Chinese text has no spaces).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate
from operator import add

CONTEXT_BOOST = 0.35
CONTEXT_BEFORE = 16
CONTEXT_AFTER = 6
# Left/right guards that work next to CJK characters, unlike ``\b``.
L = r"(?<![0-9A-Za-z])"  # not preceded by a letter or digit
R = r"(?![0-9A-Za-z])"  # not followed by a letter or digit
SEPARATOR = "\x00"  # joins texts for batch scanning; no pattern matches it
_FLAGS = re.DOTALL | re.MULTILINE
Hit = tuple[int, int, int, float]  # text index, start, end (offsets in that text), score


@lru_cache(maxsize=64)
def cue_regex(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One case-insensitive regex for a tuple of cue words (None for no words)."""
    return re.compile("|".join(map(re.escape, words)), re.IGNORECASE) if words else None


def cue_near(
    cues: re.Pattern[str] | None, text: str, start: int, end: int, lo: int, hi: int
) -> bool:
    """True when ``cues`` matches within ``CONTEXT_BEFORE`` characters before or
    ``CONTEXT_AFTER`` after ``text[start:end]``, looking only inside ``text[lo:hi]``."""
    return cues is not None and bool(
        cues.search(text, max(lo, start - CONTEXT_BEFORE), start)
        or cues.search(text, end, min(hi, end + CONTEXT_AFTER))
    )


def has_context(
    text: str, start: int, end: int, words: Sequence[str], lo: int = 0, hi: int | None = None
) -> bool:
    """True when one of ``words`` (case-insensitive) occurs just before or after the span
    (inside ``text[lo:hi]``)."""
    stop = len(text) if hi is None else hi
    return cue_near(cue_regex(tuple(words)), text, start, end, lo, stop)


def context_score(
    text: str,
    start: int,
    end: int,
    base: float,
    words: Sequence[str],
    lo: int = 0,
    hi: int | None = None,
) -> float:
    """``base`` raised by ``CONTEXT_BOOST`` (capped at 1.0) when a cue word is near the span
    (looking only inside ``text[lo:hi]``)."""
    boost = CONTEXT_BOOST if has_context(text, start, end, words, lo, hi) else 0.0
    return round(min(1.0, base + boost), 4)


class Batch:
    """Texts joined by ``SEPARATOR`` so that one regex pass covers them all.

    No pattern of the specs (nor of the name and address rules) matches the separator, and
    each sees it as a non-alphanumeric neighbour, like the start or end of a text: matches
    on the joined string are exactly the per-text matches, shifted. Context windows are cut
    at text edges with :meth:`locate`. Several texts may not contain the separator.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        """Join ``texts``; ``starts[i]``/``ends[i]``: where text ``i`` lies in the joined one."""
        self.texts = list(texts)
        self.text = SEPARATOR.join(self.texts)
        lengths = list(map(len, self.texts))
        before = [0, *accumulate(lengths[:-1])] if lengths else []  # text characters before
        self.starts = list(map(add, before, range(len(before))))  # ... plus one NUL per text
        self.ends = list(map(add, self.starts, lengths))
        if len(self.texts) > 1 and self.text.count(SEPARATOR) != len(self.texts) - 1:
            raise ValueError("a text of a batch contains the separator (NUL)")

    def locate(self, position: int) -> tuple[int, int, int]:
        """(index, start, end) of the text holding ``position`` of the joined string."""
        index = bisect_right(self.starts, position) - 1
        return index, self.starts[index], self.ends[index]


@dataclass(frozen=True)
class PatternSpec:
    """One validated pattern entity.

    ``patterns``: (name, regex, base score); ``check``: whole-value validator of a match;
    ``context``: lower-case cue words (Chinese and English); ``score_cap``: the highest score
    a match may reach (so a generic entity never beats a specific one); ``prefilter``: a
    cheap regex a text must contain for any pattern to match.
    """

    entity: str
    patterns: tuple[tuple[str, str, float], ...]
    check: Callable[[str], bool]
    context: tuple[str, ...] = ()
    score_cap: float = 1.0
    prefilter: str | None = None
    case_sensitive: bool = True

    @property
    def flags(self) -> int:
        """Regex flags for the patterns (same bit values in ``re`` and ``regex``)."""
        return int(_FLAGS if self.case_sensitive else _FLAGS | re.IGNORECASE)

    @cached_property
    def compiled(self) -> tuple[tuple[re.Pattern[str], float], ...]:
        """The patterns compiled with :attr:`flags`, with their base scores."""
        return tuple((re.compile(rx, self.flags), score) for _, rx, score in self.patterns)

    @cached_property
    def compiled_prefilter(self) -> re.Pattern[str] | None:
        """:attr:`prefilter` compiled, or None."""
        return None if self.prefilter is None else re.compile(self.prefilter)

    def score(
        self, text: str, start: int, end: int, base: float, lo: int = 0, hi: int | None = None
    ) -> float:
        """Score of a valid match: base score, context boost (within ``text[lo:hi]``), cap."""
        return min(context_score(text, start, end, base, self.context, lo, hi), self.score_cap)

    def matches(self, batch: Batch, threshold: float = 0.0) -> list[Hit]:
        """Every valid match in the batch scoring at least ``threshold``.

        Like presidio's pattern recognizer: every pattern is run on its own, empty matches
        and matches failing :attr:`check` are dropped; duplicates may remain. (The per-match
        steps of :meth:`Batch.locate` and :func:`cue_near` are inlined: this loop is hot.)
        """
        found: list[Hit] = []
        text, check, starts, ends = batch.text, self.check, batch.starts, batch.ends
        cues = cue_regex(self.context)
        search = cues.search if cues is not None else None
        for pattern, base in self.compiled:
            boosted = min(round(min(1.0, base + CONTEXT_BOOST), 4), self.score_cap)
            plain = min(round(min(1.0, base), 4), self.score_cap)
            for match in pattern.finditer(text):
                start, end = match.span()
                if start < end and check(match.group()):
                    index = bisect_right(starts, start) - 1
                    lo = starts[index]
                    near = search is not None and (
                        search(text, max(lo, start - CONTEXT_BEFORE), start) is not None
                        or search(text, end, min(ends[index], end + CONTEXT_AFTER)) is not None
                    )
                    score = boosted if near else plain
                    if score >= threshold:
                        found.append((index, start - lo, end - lo, score))
        return found

"""English person names in free text: runs of capitalised words checked against name lists.

Inside each run of capitalised words (titles and middle initials allowed) the best window is
kept: a given name followed by a surname scores highest; two words of which only the first
is a known given name or only the last a known surname score lower. Works next to CJK text.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from anonymizers.recognizers.base import DEFAULT_LANGUAGE, context_score
from anonymizers.recognizers.lexicon import EN_GIVEN_NAMES, EN_SURNAMES, words
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
_WORD = r"[A-Z][a-z]*(?:[A-Z][a-z]+)?(?:['’\-][A-Z]?[a-z]+)*"
_RUN = re.compile(rf"(?<![A-Za-z])(?:{_WORD}\.?|[A-Z]\.)(?:[ ](?:{_WORD}|[A-Z]\.))+(?![A-Za-z])")
_TOKEN = re.compile(r"\S+")
_TITLE_BEFORE = re.compile(r"(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.? $")
_SUFFIX_AFTER = re.compile(r",? (?:Jr|Sr|II|III|IV|MD|DDS|PhD|DVM|Esq)\b\.?")


def _is_word(token: str) -> bool:
    """A capitalised name-like word of at least two letters (not a stop word)."""
    return len(token) >= 2 and bool(EN_TOKEN.fullmatch(token)) and token.lower() not in NOT_NAMES


def _window_score(tokens: list[str]) -> float:
    """Score a 2-3 token window: 0.85 given name + surname, 0.6 for two words with one side
    known, 0.3 for two unknown words (reported only next to a cue word such as ``Patient``)."""
    first, last = tokens[0], tokens[-1]
    if not (_is_word(first) and _is_word(last)):
        return 0.0
    if len(tokens) == 3 and not re.fullmatch(r"[A-Z]\.?|" + EN_TOKEN.pattern, tokens[1]):
        return 0.0
    given, surname = en_name_key(first) in EN_GIVEN_NAMES, en_name_key(last) in EN_SURNAMES
    if given and surname:
        return 0.85
    if len(tokens) == 3:
        return 0.0
    return 0.6 if given or surname else 0.3


def _best_windows(tokens: list[tuple[str, int, int]]) -> list[tuple[int, int, float]]:
    """Non-overlapping scored windows of one run, best (then longest, then leftmost) first."""
    scored = [
        (_window_score([t[0] for t in tokens[i : i + n]]), n, i)
        for n in (3, 2)
        for i in range(len(tokens) - n + 1)
    ]
    taken: set[int] = set()
    found: list[tuple[int, int, float]] = []
    for score, n, i in sorted(scored, key=lambda w: (-w[0], -w[1], w[2])):
        if score > 0 and taken.isdisjoint(range(i, i + n)):
            taken.update(range(i, i + n))
            found.append((tokens[i][1], tokens[i + n - 1][2], score))
    return found


def _with_affixes(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a name span over an adjacent title (``Dr.``) and suffix (``Jr.``, ``MD``)."""
    title = _TITLE_BEFORE.search(text, 0, start)
    suffix = _SUFFIX_AFTER.match(text, end)
    return (title.start() if title else start), (suffix.end() if suffix else end)


class EnPersonNameRecognizer(EntityRecognizer):
    """English person names (entity ``PERSON``) from capitalised words and name lists."""

    ENTITY = "PERSON"

    def __init__(self, supported_language: str = DEFAULT_LANGUAGE) -> None:
        """Register for one language."""
        super().__init__(
            supported_entities=[self.ENTITY],
            name=type(self).__name__,
            supported_language=supported_language,
            context=list(CUES),
        )

    def load(self) -> None:
        """Nothing to load: the name lists are module constants."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Find English names in ``text``."""
        results: list[RecognizerResult] = []
        for run in _RUN.finditer(text):
            tokens = [
                (m.group(), run.start() + m.start(), run.start() + m.end())
                for m in _TOKEN.finditer(run.group())
                if m.group().rstrip(".").lower() not in EN_TITLES
            ]
            for found_start, found_end, base in _best_windows(tokens):
                start, end = _with_affixes(text, found_start, found_end)
                score = min(0.85, context_score(text, start, end, base, CUES))
                results.append(RecognizerResult(self.ENTITY, start, end, score))
        return results

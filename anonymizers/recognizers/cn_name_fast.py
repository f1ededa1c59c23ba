"""A cheap Chinese-name detector for bulk masking (no word segmentation).

A candidate is a common surname (single or compound) followed by one or two characters
common in given names: the hand-made list ``lexicon.CN_GIVEN_NAME_CHARS`` plus the
``GIVEN_CHARS`` characters that most often follow a surname in the entries of jieba's
dictionary file tagged as person names (``nr``). The same file (read directly, without
loading jieba) gives the frequent words that are not names.

A candidate is refused when it is a frequent non-name word (``金额``, ``安全``), a place
name or place stem (``南山`` before ``区``), not name-shaped (:func:`plausible`), when its
surname and first given character form a frequent word (``夏季``), when its surname is the
tail of a frequent word (``公安``; unless two listed given-name characters follow: ``业主张
雪梅``), or when a function-word "surname" precedes a real one (``由陈桂香``). A
three-character candidate is cut to two when its last character starts a very frequent word
(``张伟`` + ``明天``). Names right after a cue
word and dotted names are taken with the same rules as the presidio recognizer. Tuned for
recall (masking prefers it); precision is lower than jieba's.
"""

from __future__ import annotations

import importlib.util
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from anonymizers.recognizers.cn_name_rules import (
    CUES,
    FUNCTION_CHARS,
    SCORE_CAP,
    Candidate,
    after_cues,
    dotted_names,
    is_place,
    plausible,
)
from anonymizers.recognizers.lexicon import CN_COMPOUND_SURNAMES, CN_GIVEN_NAME_CHARS, CN_SURNAMES
from anonymizers.recognizers.spec import (
    CONTEXT_AFTER,
    CONTEXT_BEFORE,
    CONTEXT_BOOST,
    Batch,
    Hit,
    cue_regex,
)
from anonymizers.recognizers.text_rules import NAME_DOTS, NOT_NAME_END, cn_surname_length

GIVEN_CHARS = 300  # from jieba, added to the hand-made list ``CN_GIVEN_NAME_CHARS``
COMMON_WORD_FREQ = 300  # jieba frequency from which a non-name word counts as common
NAME_WORD_FREQ = 1000  # a word tagged as a name but this frequent is a word (文明, 高峰)
TRIM_WORD_FREQ = 3000  # ... and from which a name is cut short before it
BASE_SCORE = 0.6
# Characters never taken as part of a given name here (function words, titles, suffixes).
STOP_CHARS = FUNCTION_CHARS | NOT_NAME_END | frozenset("女男士先生等于之其这那们个每各某")


@dataclass(frozen=True)
class NameLexicon:
    """Given-name characters and frequent words, derived from jieba's dictionary file."""

    given: frozenset[str]
    common: frozenset[str]  # frequent 2-3 character words not tagged as person names
    trim: frozenset[str]  # very frequent words: a name does not run into one
    pattern: re.Pattern[str]


def _dict_path() -> Path | None:
    """Locate ``jieba/dict.txt`` without importing jieba."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    return path if path.is_file() else None


def _read_dictionary() -> tuple[Counter[str], dict[str, int]]:
    """Given-name character counts (over ``nr`` entries) and frequent non-name words with
    their frequencies."""
    given: Counter[str] = Counter()
    common: dict[str, int] = {}
    path = _dict_path()
    if path is None:
        return given, common
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) != 3 or not 2 <= len(parts[0]) <= 3:
                continue
            word, freq, tag = parts
            if tag.startswith("nr"):
                given.update(set(word[cn_surname_length(word) or len(word) :]))
            if int(freq) >= (NAME_WORD_FREQ if tag.startswith("nr") else COMMON_WORD_FREQ):
                common[word] = int(freq)
    return given, common


@cache
def lexicon() -> NameLexicon:
    """The name lexicon (read once per process, about 0.3 s)."""
    counts, common = _read_dictionary()
    ranked = [char for char, _ in counts.most_common() if char not in STOP_CHARS]
    given = (CN_GIVEN_NAME_CHARS - STOP_CHARS) | frozenset(ranked[:GIVEN_CHARS])
    compound = "|".join(sorted(CN_COMPOUND_SURNAMES, key=len, reverse=True))
    single, chars = "".join(sorted(CN_SURNAMES)), "".join(sorted(given))
    firsts = "".join(sorted(CN_SURNAMES | {name[0] for name in CN_COMPOUND_SURNAMES}))
    # Each match takes one surname character (a leading class lets ``re`` skip to those
    # quickly); the lookbehind around the lookahead reads the surname and given name from
    # that character on, so a candidate starts at every surname character.
    surname = f"({compound}|[{single}])([{chars}]{{1,2}})"
    pattern = re.compile(f"[{firsts}](?<=(?={surname}).)")
    trim = frozenset(w for w, freq in common.items() if len(w) == 2 and freq >= TRIM_WORD_FREQ)
    return NameLexicon(given, frozenset(common), trim, pattern)


# A text holds a candidate only if it holds the first character of a surname or a name dot
# (an RE2 prefilter).
CN_NAME_PREFILTER = (
    f"[{''.join(sorted(CN_SURNAMES | {s[0] for s in CN_COMPOUND_SURNAMES}))}{NAME_DOTS}]"
)


def cn_name_hits(batch: Batch) -> list[Hit]:
    """The Chinese names in every text of ``batch`` (one regex pass over the joined texts),
    scored like the presidio recognizer's (nearby cue words, ``SCORE_CAP``)."""
    found: list[Hit] = []
    text, starts, ends = batch.text, batch.starts, batch.ends
    cues = cue_regex(CUES)
    search = cues.search if cues is not None else None
    for start, end, base in fast_cn_names(text):
        index = bisect_right(starts, start) - 1
        lo = starts[index]
        near = search is not None and (
            search(text, max(lo, start - CONTEXT_BEFORE), start) is not None
            or search(text, end, min(ends[index], end + CONTEXT_AFTER)) is not None
        )
        found.append((index, start - lo, end - lo, _score(base, near)))
    return found


@cache
def _score(base: float, near: bool) -> float:
    """The score of :func:`~anonymizers.recognizers.cn_name_rules.scored` for a base score
    and whether a cue word is near."""
    return min(SCORE_CAP, round(min(1.0, base + CONTEXT_BOOST * near), 4))


@lru_cache(maxsize=1 << 18)
def _length(before: str, tail: str, surname: int, given: int) -> int:
    """Length of the name at the start of ``tail`` (0: refused). ``before`` is the character
    before it ('' at the start of a text); ``tail`` holds the surname (``surname`` chars), the
    ``given`` given-name characters the regex took, and the characters after them: all that
    decides, so decisions are cached (names and their neighbours repeat)."""
    lex = lexicon()
    family, first = tail[:surname], tail[surname : surname + given]
    strong = given == 2 and first not in lex.common and set(first) <= CN_GIVEN_NAME_CHARS
    if before and before + family[0] in lex.common and not strong:
        return 0  # 公安, but 业主|张雪梅
    if family in FUNCTION_CHARS and first[0] in CN_SURNAMES:
        return 0  # 由|陈桂香, 和|李婷婷: the name starts one character later
    if family + first[0] in lex.common:
        return 0  # 夏季, 黄金
    if given == 2 and tail[surname + 1 : surname + 3] in lex.trim:
        first = first[:1]  # 张伟|明天
    for size in (len(first), 1) if len(first) == 2 else (1,):
        word = family + first[:size]
        if word in lex.common or not plausible(word) or is_place(word, tail[len(word) :][:1]):
            continue
        return len(word)
    return 0


def fast_cn_names(text: str) -> list[Candidate]:
    """(start, end, base score) of candidate Chinese names in ``text`` (may overlap): cue-word
    and dotted names as in :func:`~anonymizers.recognizers.cn_name_rules.find_cn_names`,
    plus surname-anchored candidates scored ``BASE_SCORE``."""
    lex = lexicon()
    found = after_cues(text)
    if any(dot in text for dot in NAME_DOTS):
        found += dotted_names(text)
    last_end = 0
    decide = _length
    for match in lex.pattern.finditer(text):
        start = match.start()
        if start < last_end:
            continue
        surname_end, given_end = match.end(1), match.end(2)
        before = text[start - 1] if start else ""
        length = decide(
            before, text[start : surname_end + 3], surname_end - start, given_end - surname_end
        )
        if length:
            last_end = start + length
            found.append((start, last_end, BASE_SCORE))
    return found

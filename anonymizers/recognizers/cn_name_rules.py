"""Chinese person names in free text (presidio-free): jieba segmentation checked against the
surname list.

A token is a name candidate when it is 2-4 CJK characters starting with a common surname and
passes :func:`anonymizers.validators.cn_person_name`. Tokens that jieba's dictionary tags
``nr`` (person name) score highest, unknown words (found by jieba's HMM) a little lower; a
lone surname token followed by a given-name-like token (``杨`` + ``建平``) is merged, and
unknown words are split at function characters (``李小红和司`` → ``李小红`` ``和`` ``司``).
Right after a cue word (``联系人``, ``姓名``, ``客户`` ...) the next 2-3 characters are taken
directly. Administrative place names are refused. jieba's dictionary ships in its wheel.
Shared by :class:`~anonymizers.recognizers.cn_names.CnPersonNameRecognizer` and
:mod:`anonymizers.fast_spans`.
"""

from __future__ import annotations

import logging
import re
from functools import cache, lru_cache
from typing import Any

from anonymizers import validators as v
from anonymizers.recognizers.lexicon import CN_COMPOUND_SURNAMES, CN_SURNAMES, words
from anonymizers.recognizers.places import place_names
from anonymizers.recognizers.spec import CONTEXT_BOOST, cue_near, cue_regex
from anonymizers.recognizers.text_rules import CJK, NAME_DOTS

CUES = tuple(
    words(
        "姓名 联系人 代表人 法人 负责人 经办人 申请人 持有人 收件人 患者 客户 户主 员工 "
        "先生 女士 老师 同志 经理 签名 name mr ms"
    )
)
SCORE_CAP = 0.85  # so that an overlapping address (0.9) wins
FUNCTION_CHARS = frozenset(
    "和与同及或跟向对把被在从由给为将以是的了也都就还让叫请找去来经人者已称说"
)
_LEADING_CUE = re.compile(
    rf"(?:姓名|联系人|代表人|负责人|经办人|申请人|持有人|收件人|患者|客户|户主)[：:\s]?([{CJK}]{{2,4}})"
)
_MERGE_TAGS = frozenset({"nr", "nrfg", "nrt", "n", "ns", "nz", "ng", "a", "ag", "an", "z", None})
_LONE_BAD_TAGS = frozenset({"c", "p", "uj", "ul", "uz", "ud", "ug", "uv", "y", "e", "o", "r"})
_AFTER_PLACE = frozenset("省市区县路街道巷镇村乡号楼弄栋")
_RUN = re.compile(f"[{CJK}{NAME_DOTS}]{{2,}}")
_MINORITY = re.compile(f"([{CJK}]{{2,5}})[{NAME_DOTS}]([{CJK}]{{2,4}})")
Token = tuple[str, int, int]
Candidate = tuple[int, int, float]


@cache
def jieba_tables() -> tuple[Any, dict[str, str]]:
    """Load jieba and its POS dictionary once (quietly)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    jieba.posseg.dt.initialize()
    return jieba, jieba.posseg.dt.word_tag_tab


def is_place(word: str, following: str) -> bool:
    """True for place names (or place stems such as ``萧山`` of ``萧山区``)."""
    names = place_names()
    if following[:1] in _AFTER_PLACE or word in names:
        return True
    return any(word + suffix in names for suffix in "区县市")


@lru_cache(maxsize=1 << 16)
def plausible(word: str) -> bool:
    """A name-shaped word that does not start with a reduplication such as ``谢谢``.
    (Cached: the same names recur, e.g. after every ``联系人``.)"""
    return v.cn_person_name(word) and word[0] != word[1]


def _split_unknown(tokens: list[Token], tags: dict[str, str]) -> list[Token]:
    """Split words unknown to jieba's dictionary at function characters, except a leading
    character that is also a surname at the start of a run (``向斌``)."""
    out: list[Token] = []
    for index, (word, start, end) in enumerate(tokens):
        if word in tags or len(word) < 2:
            out.append((word, start, end))
            continue
        piece = 0
        for k, char in enumerate(word):
            keep = k == 0 and index == 0 and char in CN_SURNAMES
            if char in FUNCTION_CHARS and not keep:
                out += [(word[piece:k], start + piece, start + k)] if k > piece else []
                out.append((char, start + k, start + k + 1))
                piece = k + 1
        out += [(word[piece:], start + piece, end)] if piece < len(word) else []
    return out


def _merged(tokens: list[Token], i: int, tags: dict[str, str]) -> Candidate | None:
    """A lone surname token ``i`` joined with the next token (``杨`` + ``建平``, ``欧阳`` +
    ``娜娜``), if the result is name-like."""
    word, start, _ = tokens[i]
    if i + 1 >= len(tokens) or word in FUNCTION_CHARS or tags.get(word) in _LONE_BAD_TAGS:
        return None
    nxt, _, nxt_end = tokens[i + 1]
    tag = tags.get(nxt)
    if len(nxt) > 2 or tag not in _MERGE_TAGS or not plausible(word + nxt):
        return None
    return start, nxt_end, 0.8 if tag and tag.startswith("nr") else 0.65


def _candidates(tokens: list[Token], tags: dict[str, str]) -> list[Candidate]:
    """(start, end, base score) of the name candidates among jieba tokens of one CJK run."""
    found: list[Candidate] = []
    i = 0
    while i < len(tokens):
        word, start, end = tokens[i]
        lone = len(word) == 1 or word in CN_COMPOUND_SURNAMES
        if lone and (merged := _merged(tokens, i, tags)):
            found.append(merged)
            i += 2
            continue
        tag = tags.get(word)
        if len(word) >= 2 and plausible(word):
            score = 0.75 if tag is None else 0.85 if tag.startswith("nr") else 0.0
            found += [(start, end, score or 0.6)] if score or tag == "ns" else []
        i += 1
    return found


def after_cues(text: str) -> list[Candidate]:
    """Names right after a cue word: 3 characters unless the third ends the name."""
    found: list[Candidate] = []
    for match in _LEADING_CUE.finditer(text):
        chunk, start = match.group(1), match.start(1)
        for length in (3, 2):
            name = chunk[:length]
            if len(name) == length and plausible(name):
                if length == 3 and name[2] in FUNCTION_CHARS:
                    continue
                found.append((start, start + length, 0.8))
                break
    return found


def dotted_names(text: str) -> list[Candidate]:
    """Transliterated names with a middle dot (``阿依古丽·买买提``), trimmed at function
    characters on both sides (``申请人阿依古丽·买买提已签字``)."""
    found: list[Candidate] = []
    for match in _MINORITY.finditer(text):
        left, right = match.group(1), match.group(2)
        cut = max((k for k, char in enumerate(left) if char in FUNCTION_CHARS), default=-1)
        stop = next((k for k, char in enumerate(right) if char in FUNCTION_CHARS), len(right))
        if len(left) - cut - 1 >= 2 and stop >= 2:
            found.append((match.start(1) + cut + 1, match.start(2) + stop, 0.85))
    return found


def find_cn_names(text: str) -> list[Candidate]:
    """(start, end, base score) of candidate Chinese names in ``text`` (may overlap)."""
    jieba, tags = jieba_tables()
    found: list[Candidate] = []
    for run in _RUN.finditer(text):
        if CN_SURNAMES.isdisjoint(run.group()):
            continue
        offset = run.start()
        tokens = [(w, s + offset, e + offset) for w, s, e in jieba.tokenize(run.group())]
        found += _candidates(_split_unknown(tokens, tags), tags)
    found += dotted_names(text)
    found = [(s, e, score) for s, e, score in found if not is_place(text[s:e], text[e : e + 1])]
    return after_cues(text) + found  # a cue word outweighs a place-name look-alike


def scored(
    text: str, candidates: list[Candidate], lo: int = 0, hi: int | None = None
) -> list[Candidate]:
    """(start, end, score) of ``candidates``: base score raised by a cue word near the span
    (inside ``text[lo:hi]``), capped at ``SCORE_CAP``."""
    cues, stop = cue_regex(CUES), len(text) if hi is None else hi
    return [
        (
            s,
            e,
            min(
                SCORE_CAP,
                round(min(1.0, base + CONTEXT_BOOST * cue_near(cues, text, s, e, lo, stop)), 4),
            ),
        )
        for s, e, base in candidates
    ]

"""The shortcuts of the bulk masking path (issue 3 throughput) give the answers of the plain
code they replace: Arrow strings without ``pa.array``, batch offsets, overlap resolution,
Luhn sums, the Chinese-name scan, known-value blanking, pseudonyms keyed per batch, the RE2
check for invisible characters, row ranges copied only when sent, and span workers that
import neither pandas nor pydantic."""

import datetime as dt
import pickle
import random
import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from anonymizers.arrow_strings import string_array
from anonymizers.bulk_text import _known_arrays
from anonymizers.fast_spans import Found, resolve, scan
from anonymizers.operators._keyed import pseudonyms
from anonymizers.recognizers.cn_name_fast import fast_cn_names, lexicon
from anonymizers.recognizers.intl_rules import luhn_digits, real_date
from anonymizers.recognizers.spec import Batch
from anonymizers.text_chunks import (
    RowRange,
    TextJob,
    blank_known,
    mask_chunk,
    rewrite,
    rewrite_all,
)
from tests.anonymizers.gold_notes import generate_notes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = (
    "联系人{CN_PERSON_NAME}，电话{CN_MOBILE}，身份证{CN_RESIDENT_ID}。地址：{CN_ADDRESS}",
    "已通知{CN_PERSON_NAME}和{CN_PERSON_NAME}到场，邮箱{EMAIL_ADDRESS}",
    "Please contact {PERSON} at {EMAIL_ADDRESS}; card {CN_BANK_CARD}.",
    "无个人信息的备注。",
)


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        [None],
        ["a", None, "", "中文", "😀", "nul\x00inside"],
        ["联系人王伟，电话13812345678"] * 5,
    ],
)
@pytest.mark.parametrize("large", [False, True])
def test_string_array_equals_pa_array(texts: list[str | None], large: bool) -> None:
    built = string_array(texts, large=large)
    built.validate(full=True)
    assert built.equals(pa.array(texts, type=pa.large_string() if large else pa.string()))


def test_string_array_refuses_what_pa_array_refuses() -> None:
    with pytest.raises(UnicodeEncodeError):
        string_array(["lone \ud800 surrogate"])


def test_batch_offsets_locate_every_position() -> None:
    texts = ["ab", "", "中文字", "", "x"]
    batch = Batch(texts)
    assert batch.text == "\x00".join(texts)
    for index, text in enumerate(texts):
        start, end = batch.starts[index], batch.ends[index]
        assert batch.text[start:end] == text
        for position in range(start, end):
            assert batch.locate(position) == (index, start, end)
    assert (Batch([]).starts, Batch([]).ends) == ([], [])


def _resolve_reference(hits: list[Found]) -> list[Found]:
    """The rule of ``resolve`` written plainly (the code it replaced)."""
    if len(hits) < 2:
        return hits
    ordered = sorted(hits, key=lambda h: h[1])
    if all(a[2] <= b[1] for a, b in pairwise(ordered)):
        return ordered
    kept: list[Found] = []
    for hit in sorted(hits, key=lambda h: (-h[3], h[1] - h[2], h[1], h[0])):
        if all(hit[2] <= k[1] or hit[1] >= k[2] for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h[1])


def test_resolve_equals_the_plain_rule() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        hits: list[Found] = []
        for _ in range(rng.randint(0, 6)):
            start = rng.randint(0, 30)
            score = rng.choice((0.55, 0.6, 0.85, 0.9, 1.0))
            hits.append((rng.choice("ABC"), start, start + rng.randint(1, 12), score))
        assert resolve(list(hits)) == _resolve_reference(list(hits))


def _luhn_reference(digits: str) -> bool:
    values = list(map(int, digits))
    doubled = sum(map((0, 2, 4, 6, 8, 1, 3, 5, 7, 9).__getitem__, values[-2::-2]))
    return (sum(values[-1::-2]) + doubled) % 10 == 0


def test_luhn_sums_equal_the_digit_by_digit_sum() -> None:
    rng = random.Random(9)
    samples = ["", "0", "79927398713", "4111111111111111", "٣٤٥"]  # Arabic-Indic digits too
    samples += ["".join(rng.choices("0123456789", k=rng.randint(1, 24))) for _ in range(20000)]
    for digits in samples:
        assert luhn_digits(digits) == _luhn_reference(digits), digits


def test_real_date_bounds() -> None:
    today = dt.date.today()
    assert real_date(today.year, today.month, today.day) == today
    assert real_date(1900, 1, 1) == dt.date(1900, 1, 1)
    assert real_date(1899, 12, 31) is None
    assert real_date(today.year + 1, 1, 1) is None
    assert real_date(2023, 2, 29) is None


def test_name_scan_starts_a_candidate_at_every_surname_character() -> None:
    """The one-character-consuming name regex finds what the zero-width one did."""
    source = lexicon().pattern.pattern
    surname = source[source.index("(?<=(?=") + len("(?<=(?=") : -len(").)")]
    firsts = source[: source.index("](?<=") + 1]
    zero_width = re.compile(f"(?={firsts})(?={surname})")
    for text, _ in generate_notes(400, 3, TEMPLATES):
        ours = [(m.start(), m.end(1), m.end(2)) for m in lexicon().pattern.finditer(text)]
        plain = [(m.start(), m.end(1), m.end(2)) for m in zero_width.finditer(text)]
        assert ours == plain, text
    assert fast_cn_names("王李明和张伟") == fast_cn_names("王李明和张伟")


def _blank_reference(texts: list[str | None], known: list[tuple[str, list[str | None]]]) -> None:
    found: dict[int, list[tuple[str, str]]] = {}
    for entity, values in known:
        for row, (value, text) in enumerate(zip(values, texts, strict=True)):
            if value and text and value in text and len(value) >= 2:
                found.setdefault(row, []).append((value, entity))
    for row, pairs in found.items():
        text = texts[row]
        for value, entity in sorted(pairs, key=lambda pair: -len(pair[0])):
            text = text.replace(value, f"<{entity}>") if text else text
        texts[row] = text


@pytest.mark.parametrize("nulls", [False, True])
def test_blank_known_with_and_without_nulls(nulls: bool) -> None:
    texts: list[str | None] = ["王伟的电话13812345678", "无", "", "王", "Ann Lee, ann@x.cn"]
    names: list[str | None] = ["王伟", "无", "王", "王", "Ann Lee"]
    mails: list[str | None] = ["13812345678", "x", "", "王", "ann@x.cn"]
    if nulls:
        texts[1], names[2], mails[4] = None, None, None
    known = [("CN_PERSON_NAME", names), ("EMAIL_ADDRESS", mails)]
    ours, plain = list(texts), list(texts)
    blank_known(ours, known)
    _blank_reference(plain, known)
    assert ours == plain
    with pytest.raises(ValueError, match="known values"):
        blank_known(["a"], [("X", ["a", "b"])])


def test_known_arrays_null_short_values_only_when_there_are_some() -> None:
    for column in (
        pa.array(["ab", None, "c", ""]),
        pa.array(["ab", "cd"]),
        pa.array([], pa.string()),
    ):
        ((_, got),) = _known_arrays([("X", column)])
        short = pc.less(pc.utf8_length(column), 2)
        assert got.equals(pc.if_else(short, pa.scalar(None, pa.string()), column))


def test_pseudonyms_keyed_per_batch_equal_per_span_pseudonyms() -> None:
    texts = ["电话13812345678，王伟", "王伟，138\u200b1234\u200b5678", "nothing here", "王伟"]
    found = dict(zip(texts, scan(texts), strict=True))
    job = TextJob("pseudonym", 10, None, b"s" * 32)
    for text, hits in found.items():
        expected, cursor = [], 0
        for entity, start, end, _ in hits:
            raw = re.sub("\u200b", "", text[start:end]).encode()
            (name,) = pseudonyms([raw], job.secret, job.length)
            expected += [text[cursor:start], f"<{entity}:{name}>"]
            cursor = end
        expected.append(text[cursor:])
        assert rewrite_all(found, job)[text] == "".join(expected) == rewrite(text, hits, job)
    only = TextJob("entity", 8, ("CN_MOBILE",), b"s" * 32)
    assert rewrite_all(found, only)[texts[0]] == "电话<CN_MOBILE>，王伟"


def test_invisible_characters_are_found_in_large_batches() -> None:
    notes = [text for text, _ in generate_notes(200, 11, TEMPLATES)]
    hidden = "备用号码138\u200b1234\u200b5678"
    spans = scan([*notes, hidden])[-1]
    assert [(e, s, x) for e, s, x, _ in spans] == [("CN_MOBILE", 4, 17)]


def test_a_chunk_masked_in_a_fresh_interpreter_needs_no_pandas_or_pydantic() -> None:
    """A span worker imports ``text_chunks``; pandas and pydantic would cost it start-up
    (the chunk is built without ``pa.array``, which imports pandas)."""
    code = (
        "import sys\n"
        "from anonymizers.arrow_strings import string_array\n"
        "from anonymizers.text_chunks import TextJob, mask_chunk\n"
        "from anonymizers.fast_spans import warm_up\n"
        "warm_up()\n"
        "texts = ['联系人王伟，电话13812345678'] * 70 + [f'备注{i}' for i in range(70)]\n"
        "notes = string_array(texts)\n"
        "out = mask_chunk(notes, [], TextJob('entity', 8, None, b'k' * 32))\n"
        "assert out[0].as_py() == '联系人<CN_PERSON_NAME>，电话<CN_MOBILE>', out[0]\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pydantic'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_mask_chunk_keeps_nulls_and_empty_texts() -> None:
    notes = pa.array([None, "", "电话13812345678", None], pa.string())
    out = mask_chunk(notes, [], TextJob("entity", 8, None, b"k" * 32))
    assert out.to_pylist() == [None, "", "电话<CN_MOBILE>", None]
    assert out.type == pa.string()


def test_row_ranges_pickle_as_their_own_rows() -> None:
    """A task's rows are copied out of the column only when pickled for a worker."""
    column = pa.chunked_array([["x" * 1000] * 300, ["联系人王伟，电话13812345678"] * 300])
    rows = RowRange(column, 250, 350)
    received = pickle.loads(pickle.dumps(rows))  # noqa: S301 (our own bytes)
    assert isinstance(received, pa.Array)
    assert received.equals(column.slice(250, 100).combine_chunks())
    assert len(pickle.dumps(rows)) < 60_000 < len(pickle.dumps(column.slice(250, 100)))
    job = TextJob("entity", 8, None, b"k" * 32)
    in_process = mask_chunk(rows, [("CN_PERSON_NAME", RowRange(column, 250, 350))], job)
    assert in_process.equals(mask_chunk(received, [("CN_PERSON_NAME", received)], job))

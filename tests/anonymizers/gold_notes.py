"""Seeded notes with gold spans, shared by the span-finder tests (presidio and bulk paths)."""

import random
from collections.abc import Sequence

from faker import Faker

from anonymizers.validators import uscc_check_char

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PATTERN_ENTITIES = ("CN_RESIDENT_ID", "CN_MOBILE", "EMAIL_ADDRESS", "CN_BANK_CARD", "CN_USCC")
NAME_ENTITIES = ("CN_PERSON_NAME", "PERSON")
Gold = tuple[str, int, int]


def uscc(rng: random.Random) -> str:
    body = rng.choice("159") + rng.choice("123") + "".join(rng.choices("0123456789", k=6))
    body += "".join(rng.choices(USCC_CHARS, k=9))
    return body + uscc_check_char(body)


def card(rng: random.Random) -> str:
    digits = "62" + "".join(rng.choices("0123456789", k=rng.choice((13, 16))))
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (1 if i % 2 else 2)
        total += n - 9 if n > 9 else n
    return digits + str((10 - total % 10) % 10)


def generate_notes(count: int, seed: int, templates: Sequence[str]) -> list[tuple[str, list[Gold]]]:
    """Seeded notes mixing Faker names, phones, IDs, e-mails, addresses, cards and USCCs,
    with the gold (entity, start, end) of every inserted value."""
    zh, en, rng = Faker("zh_CN"), Faker("en_US"), random.Random(seed)
    zh.seed_instance(seed)
    en.seed_instance(seed)
    make = {
        "CN_PERSON_NAME": zh.name,
        "CN_MOBILE": zh.phone_number,
        "CN_RESIDENT_ID": zh.ssn,
        "CN_ADDRESS": lambda: zh.address().rsplit(" ", 1)[0],  # without the postcode
        "EMAIL_ADDRESS": en.email,
        "CN_BANK_CARD": lambda: card(rng),
        "CN_USCC": lambda: uscc(rng),
        "PERSON": en.name,
    }
    notes = []
    for _ in range(count):
        text, gold, rest = "", [], rng.choice(templates)
        while "{" in rest:
            head, tail = rest.split("{", 1)
            entity, rest = tail.split("}", 1)
            value = make[entity]()
            text += head
            gold.append((entity, len(text), len(text) + len(value)))
            text += value
        notes.append((text + rest, gold))
    return notes

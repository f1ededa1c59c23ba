"""A generated register with personal information (Faker zh_CN + en_US, fixed seed)."""

import random

import pyarrow as pa
from faker import Faker

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
DISTRICTS = ("天河区", "海珠区", "越秀区", "荔湾区", "白云区", "黄埔区", "番禺区")


def uscc(rng: random.Random) -> str:
    """A Unified Social Credit Code with a correct GB 32100 check character."""
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6))
    body += "".join(rng.choice(USCC_CHARS) for _ in range(9))
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def luhn_card(rng: random.Random, length: int) -> str:
    """A UnionPay-like card number (62...) of ``length`` digits that passes Luhn."""
    digits = [6, 2] + [rng.randrange(10) for _ in range(length - 3)]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = digit * 2 if index % 2 == 0 else digit
        total += value - 9 if value > 9 else value
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def register(rows: int, seed: int = 2026) -> pa.Table:
    """A company-and-person register with 12 column kinds, one of them free-text notes."""
    zh, en, rng = Faker("zh_CN"), Faker("en_US"), random.Random(seed)
    zh.seed_instance(seed)
    en.seed_instance(seed)
    data: dict[str, list[object]] = {k: [] for k in COLUMNS}
    for _ in range(rows):
        name, mobile, id_number = zh.name(), zh.phone_number(), zh.ssn()
        data["法定代表人"].append(name)
        data["身份证号"].append(id_number)
        data["手机"].append(mobile)
        data["email"].append(en.email())
        data["统一社会信用代码"].append(uscc(rng))
        data["银行卡号"].append(luhn_card(rng, rng.choice((16, 19))))
        data["ssn"].append(en.ssn())
        data["district"].append(rng.choice(DISTRICTS))
        data["registered_capital"].append(rng.randrange(10_000, 100_000_000))
        data["age"].append(rng.randrange(18, 90))
        data["industry"].append(rng.choice(("IT", "Retail", "制造业", "餐饮")))
        data["备注"].append(f"联系人{name}，电话{mobile}，身份证{id_number}。地址：{zh.address()}")
    return pa.table(data)


COLUMNS = (
    "法定代表人",
    "身份证号",
    "手机",
    "email",
    "统一社会信用代码",
    "银行卡号",
    "ssn",
    "district",
    "registered_capital",
    "age",
    "industry",
    "备注",
)
IDENTIFIER_COLUMNS = (
    "法定代表人",
    "身份证号",
    "手机",
    "email",
    "统一社会信用代码",
    "银行卡号",
    "ssn",
)

"""Labelled synthetic PII for the issue-3 benchmarks (``bench/sanitize.py``, ``bench/pii_eval.py``).

Identifiers are generated with numpy, valid by construction (resident IDs with their MOD
11-2 check character and real birth dates, USCCs with their GB 32100 check character, bank
cards with a Luhn digit, mobiles on real prefixes, US phones on real area codes, SSNs outside
the never-issued ranges). Faker (``zh_CN``, ``en_US``, fixed seed) only fills pools of names,
addresses, companies and user names, which are sampled from: Faker is slow.

Free-text notes come from templates; every slot records its span, so each note carries its
gold ``(entity, start, end)`` spans. A third of the notes hold no personal information.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

SEED = 20240601
GoldSpan = tuple[str, int, int]

_PROVINCES = np.array([11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43,
                       44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65])  # fmt: skip
_ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)])
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_MOBILE_PREFIXES = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155,
                             157, 158, 159, 166, 173, 176, 177, 180, 181, 182, 185, 186, 187,
                             188, 189, 191, 198, 199])  # fmt: skip
_US_AREA_CODES = np.array([201, 202, 203, 205, 206, 212, 213, 214, 215, 216, 303, 305, 310,
                           312, 313, 404, 407, 415, 469, 503, 512, 602, 617, 646, 702, 713,
                           718, 773, 818, 917, 919, 972])  # fmt: skip


def _items(text: str, separator: str | None = None) -> tuple[str, ...]:
    """The items of a separated list."""
    return tuple(text.split(separator))


_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com",
                 "example.org", "foxmail.com")  # fmt: skip
DISTRICTS = _items(
    "天河区 越秀区 海珠区 荔湾区 白云区 黄埔区 番禺区 花都区 南沙区 从化区 增城区 "
    "福田区 罗湖区 南山区 宝安区 龙岗区 盐田区 龙华区 坪山区 光明区"
)

PLAIN_NOTES = _items(
    "已电话回访，问题已解决。|居民反映楼道灯不亮，已派维修人员处理。|"
    "办理时间较长，建议增加窗口。|公安局已受理此案件。|高新区管委会协调解决。|"
    "金额已退还至原账户。|平安社区开展安全检查活动。|文明城市创建工作推进会召开。|"
    "夏季用电高峰期间注意安全。|明天上午九点召开会议。|"
    "关于施工噪音扰民的投诉，已转城管部门。|石材市场搬迁工作有序推进。|"
    "方便群众办事，推行一窗受理。|常住人口统计数据已更新。|"
    "林业局发文加强森林防火。|黄金周游客量同比增长。|江边步道维修期间请绕行。|"
    "何时办结请告知申请人。|材料齐全，予以受理。|材料不全，需补充户口簿复印件。|"
    "经核实，该情况属实，已督促整改。|现场查看后发现井盖缺失，已设置警示标志。|"
    "该路段积水严重，已通知排水公司疏通。|群众对处理结果表示满意。|"
    "来电人对答复不满意，要求重新办理。|已按规定办理退费手续。|"
    "本次申请不符合补贴条件，已告知原因。|供暖温度不达标，已协调热力公司上门检测。|"
    "小区垃圾清运不及时，已联系环卫部门。|学校周边交通拥堵，建议增设信号灯。|"
    "工单已转至街道办事处处理。|经调解双方达成一致意见。|企业复工复产情况良好。|"
    "疫苗接种点位调整，请关注官方通知。|办件超时，已向分管领导报告。|"
    "住房公积金提取业务已办结。|共享单车乱停放问题已交由运营企业清理。|"
    "夜间施工许可已核发。|社区食堂下周一正式开业。|老旧小区改造方案公示期为七天。|"
    "电梯故障已修复，运行正常。|河道漂浮物已打捞完毕。|"
    "该商户已办理营业执照变更登记。|市民建议延长图书馆开放时间。|"
    "公交线路调整方案征求意见中。|养老服务补贴已按月发放。|低保复核工作已完成。|"
    "无|同上|暂无进展|已办结|待核实|重复投诉，已合并处理。|"
    "请于三个工作日内反馈处理结果。|违章建筑已拆除，现场已清理。|"
    "物业费收费标准按合同执行。|燃气管道巡检未发现异常。|噪声监测结果符合标准。|"
    "道路破损已列入维修计划。|网格员已上门走访核实。|"
    "Issue resolved after the site visit.|"
    "No further action required.|"
    "Duplicate ticket, merged with the earlier one.|"
    "Waiting for the permit office to reply.",
    "|",
)

# Slots: {name} CN_PERSON_NAME, {mobile}, {id}, {address}, {card}, {uscc}, {email},
# {en_name} PERSON, {phone} PHONE_NUMBER, {ssn} US_SSN; {age} and {district} are not PII.
CN_TEMPLATES = (
    "联系人{name}，电话{mobile}，身份证{id}。地址：{address}",
    "{name}来电反映{district}路灯损坏，回拨号码{mobile}。",
    "申请人{name}（身份证号{id}）提交材料，联系电话{mobile}。",
    "住址：{address}，户主{name}，手机{mobile}",
    "已电话联系{name}（{mobile}），告知办理结果。",
    "退款至{name}的银行卡{card}，请核对。",
    "企业统一社会信用代码{uscc}，法定代表人{name}，联系方式{mobile}。",
    "{name}反映{address}附近噪音扰民",
    "经办人：{name}；证件号码：{id}",
    "患者{name}，{age}岁，家住{address}，联系电话{mobile}。",
    "请{name}携带身份证原件到窗口办理。",
    "邮箱{email}，联系人{name}，卡号{card}",
    "{name}与{name}因邻里纠纷来访，已调解。",
    "回访{name}，{mobile}无人接听，改日再拨。",
)
EN_TEMPLATES = (
    "Customer {en_name} called from {phone} about a billing issue.",
    "Please contact {en_name} at {email} or {phone}.",
    "Spoke with {en_name}; follow-up scheduled. Email: {email}",
    "Visitor {en_name} (SSN {ssn}) requested a copy of the permit.",
    "{en_name} reported the streetlight outage. Callback: {phone}",
    "Meeting with {en_name} and {en_name} confirmed for Monday.",
)
SLOT_ENTITIES = {
    "name": "CN_PERSON_NAME", "mobile": "CN_MOBILE", "id": "CN_RESIDENT_ID",
    "address": "CN_ADDRESS", "card": "CN_BANK_CARD", "uscc": "CN_USCC",
    "email": "EMAIL_ADDRESS", "en_name": "PERSON", "phone": "PHONE_NUMBER", "ssn": "US_SSN",
}  # fmt: skip


@dataclass(frozen=True)
class Pools:
    """Faker-made values to sample from."""

    zh_names: tuple[str, ...]
    en_names: tuple[str, ...]
    addresses: tuple[str, ...]
    companies: tuple[str, ...]
    user_names: tuple[str, ...]


@cache
def pools(size: int = 20_000, seed: int = SEED) -> Pools:
    """Pools of ``size`` Chinese names and addresses and smaller pools of the rest."""
    from faker import Faker

    zh, en = Faker("zh_CN"), Faker("en_US")
    zh.seed_instance(seed)
    en.seed_instance(seed)
    small = max(1000, size // 4)
    return Pools(
        zh_names=tuple(zh.name() for _ in range(size)),
        en_names=tuple(en.name() for _ in range(small)),
        addresses=tuple(zh.address().rsplit(" ", 1)[0] for _ in range(size)),  # no postcode
        companies=tuple(zh.company() for _ in range(small)),
        user_names=tuple(en.user_name() for _ in range(small)),
    )


def sample(rng: np.random.Generator, pool: Sequence[str], n: int) -> list[str]:
    """``n`` values drawn from ``pool`` with replacement."""
    return [pool[i] for i in rng.integers(0, len(pool), n).tolist()]


def _digits_to_str(digits: np.ndarray) -> list[str]:
    """Rows of a digit matrix (values 0-9) as strings."""
    raw = (digits.astype(np.uint8) + 48).tobytes()
    width = digits.shape[1]
    return [raw[i : i + width].decode() for i in range(0, len(raw), width)]


def resident_ids(rng: np.random.Generator, n: int) -> list[str]:
    """Valid 18-character resident IDs (birth 1940-2010, real dates, check character)."""
    digits = np.zeros((n, 17), dtype=np.int64)
    province = rng.choice(_PROVINCES, n)
    digits[:, 0], digits[:, 1] = province // 10, province % 10
    digits[:, 2:6] = rng.integers(0, 10, (n, 4))
    digits[:, 2] = rng.integers(0, 5, n)
    start = np.datetime64("1940-01-01")
    days = rng.integers(0, (np.datetime64("2010-12-31") - start).astype(int), n)
    births = start + days
    year = births.astype("datetime64[Y]").astype(np.int64) + 1970
    month = births.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (births - births.astype("datetime64[M]")).astype(np.int64) + 1
    for k, (value, width) in enumerate(((year, 4), (month, 2), (day, 2))):
        offset = 6 + (0, 4, 6)[k]
        for j in range(width):
            digits[:, offset + j] = value // 10 ** (width - 1 - j) % 10
    digits[:, 14:17] = rng.integers(0, 10, (n, 3))
    checks = np.array(list("10X98765432"))[(digits @ _ID_WEIGHTS) % 11]
    return [body + check for body, check in zip(_digits_to_str(digits), checks, strict=True)]


def bank_cards(rng: np.random.Generator, n: int) -> list[str]:
    """UnionPay-style cards: ``62`` + digits + Luhn digit, 16 or 19 digits long."""
    out: list[str] = []
    for length, count in ((19, n - n // 3), (16, n // 3)):
        body = rng.integers(0, 10, (count, length - 1))
        body[:, 0], body[:, 1] = 6, 2
        doubled = body[:, ::-1].copy()
        doubled[:, ::2] *= 2
        doubled[doubled > 9] -= 9
        check = (10 - doubled.sum(axis=1) % 10) % 10
        out += _digits_to_str(np.column_stack([body, check]))
    order = rng.permutation(n)
    return [out[i] for i in order]


def mobiles(rng: np.random.Generator, n: int) -> list[str]:
    """Mainland mobile numbers on real prefixes."""
    prefix = rng.choice(_MOBILE_PREFIXES, n)
    rest = rng.integers(0, 10**8, n)
    return [f"{p}{r:08d}" for p, r in zip(prefix.tolist(), rest.tolist(), strict=True)]


def usccs(rng: np.random.Generator, n: int) -> list[str]:
    """Unified social credit codes (``91``/``92``/``12``/``52`` + region + org code + check)."""
    idx = np.zeros((n, 17), dtype=np.int64)
    heads = np.array([[9, 1], [9, 1], [9, 1], [9, 2], [1, 2], [5, 2]])
    idx[:, :2] = heads[rng.integers(0, len(heads), n)]
    province = rng.choice(_PROVINCES, n)
    idx[:, 2], idx[:, 3] = province // 10, province % 10
    idx[:, 4:8] = rng.integers(0, 10, (n, 4))
    idx[:, 8:16] = rng.integers(0, 10, (n, 8))
    idx[:, 16] = rng.integers(0, len(_USCC_CHARS), n)
    check = (31 - (idx @ _USCC_WEIGHTS) % 31) % 31
    table = np.array(list(_USCC_CHARS))
    chars = table[np.column_stack([idx, check])]
    return ["".join(row) for row in chars.tolist()]


def emails(rng: np.random.Generator, n: int, user_names: Sequence[str]) -> list[str]:
    """``user`` + 0-4 digits + ``@`` + a common domain."""
    users = sample(rng, user_names, n)
    numbers = rng.integers(0, 10_000, n).tolist()
    domains = sample(rng, _MAIL_DOMAINS, n)
    return [f"{u}{k if k % 3 else ''}@{d}" for u, k, d in zip(users, numbers, domains, strict=True)]


def ssns(rng: np.random.Generator, n: int) -> list[str]:
    """US SSNs ``AAA-GG-SSSS`` outside the never-issued ranges (000, 666, 9xx; 00; 0000)."""
    area = rng.integers(1, 899, n)
    area[area == 666] = 667
    group, serial = rng.integers(1, 100, n), rng.integers(1, 10_000, n)
    return [
        f"{a:03d}-{g:02d}-{s:04d}"
        for a, g, s in zip(area.tolist(), group.tolist(), serial.tolist(), strict=True)
    ]


def us_phones(rng: np.random.Generator, n: int) -> list[str]:
    """US numbers on real area codes, in the formats Faker uses (some with an extension)."""
    area = rng.choice(_US_AREA_CODES, n).tolist()
    exchange = rng.integers(200, 1000, n).tolist()
    line = rng.integers(0, 10_000, n).tolist()
    shape = rng.integers(0, 5, n).tolist()
    ext = rng.integers(10, 10_000, n).tolist()
    formats = ("({a}){e}-{l:04d}", "{a}-{e}-{l:04d}", "+1-{a}-{e}-{l:04d}", "{a}.{e}.{l:04d}",
               "{a}-{e}-{l:04d}x{x}")  # fmt: skip
    return [
        formats[s].format(a=a, e=e, l=k, x=x)
        for a, e, k, s, x in zip(area, exchange, line, shape, ext, strict=True)
    ]


@dataclass
class NoteMaker:
    """Fills note templates from pre-generated values, recording gold spans."""

    rng: np.random.Generator
    pools: Pools
    values: dict[str, list[str]]

    @classmethod
    def build(cls, rng: np.random.Generator, pool: Pools, n: int) -> NoteMaker:
        """Values for ``n`` notes' worth of slots (each slot kind at most twice per note)."""
        m = 2 * n
        values = {
            "name": sample(rng, pool.zh_names, m),
            "en_name": sample(rng, pool.en_names, m),
            "address": sample(rng, pool.addresses, m),
            "mobile": mobiles(rng, m), "id": resident_ids(rng, m), "card": bank_cards(rng, m),
            "uscc": usccs(rng, m), "email": emails(rng, m, pool.user_names),
            "phone": us_phones(rng, m), "ssn": ssns(rng, m),
            "age": [str(a) for a in rng.integers(18, 90, m).tolist()],
            "district": sample(rng, DISTRICTS, m),
        }  # fmt: skip
        return cls(rng, pool, values)

    def fill(self, template: str, index: int) -> tuple[str, list[GoldSpan]]:
        """The note for ``template`` with the values of row ``index``, and its gold spans."""
        parts: list[str] = []
        spans: list[GoldSpan] = []
        used: dict[str, int] = {}
        length = 0
        for piece in template.replace("}", "{").split("{"):
            slot = piece if piece in self.values else None
            if slot is None:
                parts.append(piece)
                length += len(piece)
                continue
            k = used.get(slot, 0)
            used[slot] = k + 1
            value = self.values[slot][(2 * index + k) % len(self.values[slot])]
            if slot in SLOT_ENTITIES:
                spans.append((SLOT_ENTITIES[slot], length, length + len(value)))
            parts.append(value)
            length += len(value)
        return "".join(parts), spans


def notes(
    rng: np.random.Generator,
    pool: Pools,
    n: int,
    shares: tuple[float, float, float] = (0.45, 0.40, 0.15),
) -> tuple[list[str], list[list[GoldSpan]]]:
    """``n`` notes: Chinese contact notes, plain notes and English notes in ``shares``."""
    maker = NoteMaker.build(rng, pool, n)
    kinds = rng.choice(3, n, p=list(shares)).tolist()
    cn = rng.integers(0, len(CN_TEMPLATES), n).tolist()
    en = rng.integers(0, len(EN_TEMPLATES), n).tolist()
    plain = rng.integers(0, len(PLAIN_NOTES), n).tolist()
    texts: list[str] = []
    gold: list[list[GoldSpan]] = []
    for i, kind in enumerate(kinds):
        if kind == 1:
            texts.append(PLAIN_NOTES[plain[i]])
            gold.append([])
            continue
        template = CN_TEMPLATES[cn[i]] if kind == 0 else EN_TEMPLATES[en[i]]
        text, spans = maker.fill(template, i)
        texts.append(text)
        gold.append(spans)
    return texts, gold


def ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ages 0-95."""
    return rng.integers(0, 96, n)


def today() -> str:
    """Today's date (ISO) for the benchmark record."""
    return dt.date.today().isoformat()

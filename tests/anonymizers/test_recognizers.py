"""Presidio recognizers: each entity is found in mixed Chinese/English text, right next to CJK
characters, and look-alikes (bad check digits, impossible dates, wrong lengths) are not."""

from typing import Any

import pytest
from presidio_analyzer import EntityRecognizer

from anonymizers.recognizers import RECOGNIZERS, default_recognizers
from anonymizers.recognizers.cn_address import find_addresses
from anonymizers.recognizers.registry import recognizer_for
from anonymizers.validators import CELL_VALIDATORS

THRESHOLD = 0.5
NO_ARTIFACTS: Any = None  # our recognizers need no NLP artifacts


def found(entity: str, text: str) -> list[str]:
    """Texts of the spans one recognizer reports at or above the engine's threshold."""
    recognizer = recognizer_for(entity)
    recognizer.load()
    results = recognizer.analyze(text, [entity], NO_ARTIFACTS)
    return [text[r.start : r.end] for r in results if r.score >= THRESHOLD]


def test_registry_covers_every_cell_entity() -> None:
    assert set(RECOGNIZERS) == set(CELL_VALIDATORS)
    recognizers = default_recognizers()
    assert len(recognizers) == len(RECOGNIZERS)
    for entity, recognizer in zip(RECOGNIZERS, recognizers, strict=True):
        assert isinstance(recognizer, EntityRecognizer)
        assert recognizer.supported_entities == [entity]
        assert recognizer.supported_language == "zh"
    assert all(r.supported_language == "en" for r in default_recognizers("en"))
    with pytest.raises(KeyError, match="unknown entity"):
        recognizer_for("NO_SUCH_ENTITY")


POSITIVE = [
    ("CN_RESIDENT_ID", "身份证号110101199003074514，请核对", "110101199003074514"),
    ("CN_RESIDENT_ID", "证件11010519491231002x已登记", "11010519491231002x"),
    ("CN_RESIDENT_ID", "ID: 110101 19900307 4514.", "110101 19900307 4514"),
    ("CN_RESIDENT_ID", "旧证号110101900307451作废", "110101900307451"),
    ("CN_USCC", "统一社会信用代码91350100M000100Y43，成立于2001年", "91350100M000100Y43"),
    ("CN_MOBILE", "电话13812345678", "13812345678"),
    ("CN_MOBILE", "请拨+86 138-1234-5678联系", "+86 138-1234-5678"),
    ("CN_MOBILE", "手机：0086 13812345678。", "0086 13812345678"),
    ("CN_BANK_CARD", "卡号6222021234567890128，开户行", "6222021234567890128"),
    ("CN_BANK_CARD", "card 6222 0212 3456 7890 128 ok", "6222 0212 3456 7890 128"),
    ("CN_PASSPORT", "护照号E12345678，有效期", "E12345678"),
    ("CN_PASSPORT", "passport EA1234567.", "EA1234567"),
    ("CN_VEHICLE_PLATE", "车牌粤AD12345停在门口", "粤AD12345"),
    ("CN_VEHICLE_PLATE", "京A·F0236违章", "京A·F0236"),
    ("CN_PERSON_NAME", "联系人张伟，电话见附件", "张伟"),
    ("CN_PERSON_NAME", "今天欧阳娜娜来办理业务", "欧阳娜娜"),
    ("CN_PERSON_NAME", "申请人阿依古丽·买买提已签字", "阿依古丽·买买提"),
    ("CN_PERSON_NAME", "杨建平表示同意", "杨建平"),
    (
        "CN_ADDRESS",
        "住址：广东省深圳市南山区科技园路1号，邮编518000",
        "广东省深圳市南山区科技园路1号",
    ),
    (
        "CN_ADDRESS",
        "寄到上海市徐汇区漕溪北路1200弄3号602室谢谢",
        "上海市徐汇区漕溪北路1200弄3号602室",
    ),
    ("EMAIL_ADDRESS", "邮箱user@example.com联系", "user@example.com"),
    (
        "EMAIL_ADDRESS",
        "请发至first.last+tag@mail.example.com.cn。",
        "first.last+tag@mail.example.com.cn",
    ),
    ("PHONE_NUMBER", "座机010-62345678转人工", "010-62345678"),
    ("PHONE_NUMBER", "座机020-83331234转806，请联系", "020-83331234转806"),
    ("PHONE_NUMBER", "电话：(020)83331234 转 806。", "(020)83331234 转 806"),
    ("PHONE_NUMBER", "办公室0755-2345678分机1234联系", "0755-2345678分机1234"),
    ("PHONE_NUMBER", "call +1 650-253-0000 now", "+1 650-253-0000"),
    ("PHONE_NUMBER", "伦敦办公室+44 20 7946 0958。", "+44 20 7946 0958"),
    ("CREDIT_CARD", "信用卡4111 1111 1111 1111到期", "4111 1111 1111 1111"),
    ("CREDIT_CARD", "Amex 378282246310005 charged", "378282246310005"),
    ("IBAN_CODE", "账户GB82 WEST 1234 5698 7654 32，", "GB82 WEST 1234 5698 7654 32"),
    ("IBAN_CODE", "IBAN:DE89370400440532013000。", "DE89370400440532013000"),
    ("IP_ADDRESS", "登录IP为192.168.1.10。", "192.168.1.10"),
    ("IP_ADDRESS", "源地址2001:db8::1访问", "2001:db8::1"),
    ("US_SSN", "SSN 536-22-1234 on file", "536-22-1234"),
    ("DATE_OF_BIRTH", "出生日期1990-03-07，", "1990-03-07"),
    ("DATE_OF_BIRTH", "他于1985年12月1日出生", "1985年12月1日"),
    ("DATE_OF_BIRTH", "DOB: 07/03/1990", "07/03/1990"),
    ("PERSON", "客户John Smith来电", "John Smith"),
    ("PERSON", "Please ask Dr. Alice Walker.", "Dr. Alice Walker"),
    ("PERSON", "Patient Perry Hendricks, tel", "Perry Hendricks"),
]


@pytest.mark.parametrize(("entity", "text", "expected"), POSITIVE)
def test_entity_found_next_to_cjk(entity: str, text: str, expected: str) -> None:
    assert expected in found(entity, text)


NEGATIVE = [
    ("CN_RESIDENT_ID", "身份证号110101199003074518，"),  # wrong check digit
    ("CN_RESIDENT_ID", "编号110101199002304519"),  # 30 February
    ("CN_RESIDENT_ID", "流水号1101011990030745141"),  # 19 digits
    ("CN_USCC", "代码91350100M000100Y44"),
    ("CN_MOBILE", "订单号138123456789"),  # 12 digits
    ("CN_MOBILE", "编号12812345678"),
    ("CN_MOBILE", "卡号6222021234567890128"),  # inside a longer number
    ("CN_BANK_CARD", "卡号6222021234567890127"),  # Luhn
    ("CN_BANK_CARD", "身份证110101199003074514"),  # a valid ID is not a card
    ("CN_PASSPORT", "型号EI1234567"),
    ("CN_VEHICLE_PLATE", "港A12345"),
    ("CN_PERSON_NAME", "谢谢您的配合，我们北京市见"),
    ("CN_PERSON_NAME", "欢迎来到深圳市南山区"),
    ("CN_ADDRESS", "北京这里很好"),
    ("CN_ADDRESS", "广东省深圳市南山区"),
    ("EMAIL_ADDRESS", "邮箱user@example"),
    ("EMAIL_ADDRESS", "not an email: user@@example.com"),
    ("PHONE_NUMBER", "编号12345"),
    ("PHONE_NUMBER", "编号123-4567转806"),  # too short for a landline, extension or not
    ("PHONE_NUMBER", "座机020-03331234转806"),  # local numbers never start with 0
    ("PHONE_NUMBER", "日期2024-01-01"),
    ("CREDIT_CARD", "信用卡4111 1111 1111 1112"),
    ("IBAN_CODE", "账户GB82 WEST 1234 5698 7654 31"),
    ("IP_ADDRESS", "版本256.1.1.1发布"),
    ("IP_ADDRESS", "时间12:30:45"),
    ("US_SSN", "SSN 666-22-1234"),
    ("US_SSN", "SSN 536-00-1234"),
    ("DATE_OF_BIRTH", "出生日期1990-02-30"),
    ("DATE_OF_BIRTH", "会议定于2021-05-06召开"),  # a date without a birth cue
    ("PERSON", "Hello World from New York"),
    ("PERSON", "the quick brown fox"),
]


@pytest.mark.parametrize(("entity", "text"), NEGATIVE)
def test_look_alikes_not_found(entity: str, text: str) -> None:
    assert found(entity, text) == []


def test_context_raises_weak_matches() -> None:
    assert found("DATE_OF_BIRTH", "生日19900307") == ["19900307"]
    assert found("DATE_OF_BIRTH", "批次19900307") == []
    recognizer = recognizer_for("CN_PASSPORT")
    plain = recognizer.analyze("编号E12345678", ["CN_PASSPORT"], NO_ARTIFACTS)
    cued = recognizer.analyze("护照E12345678", ["CN_PASSPORT"], NO_ARTIFACTS)
    assert cued[0].score > plain[0].score


def test_addresses_in_running_text() -> None:
    text = "他住在北京市朝阳区建国路88号1号楼下的咖啡店里，后来搬到杭州西湖区文三路90号。"
    spans = [text[s:e] for s, e in find_addresses(text)]
    assert spans == ["北京市朝阳区建国路88号1号", "杭州西湖区文三路90号"]


def test_names_split_from_neighbours() -> None:
    assert found("CN_PERSON_NAME", "赵兵和李红梅一起办理") == ["赵兵", "李红梅"]
    assert found("CN_PERSON_NAME", "号码持有人马林已核实") == ["马林"]
    assert "高平" in found("CN_PERSON_NAME", "经办人高平（电话）")


def test_english_name_windows() -> None:
    assert found("PERSON", "Meeting with Mary Johnson and Robert Brown today") == [
        "Mary Johnson",
        "Robert Brown",
    ]
    assert found("PERSON", "Contact Mr. Jonathan Christensen DDS today") == [
        "Mr. Jonathan Christensen DDS"
    ]

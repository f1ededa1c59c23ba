"""Whole-value validators: valid, invalid and borderline values, plus Faker-generated ones."""

import datetime as dt
import random

import pytest
from faker import Faker

from anonymizers import validators as v

ENTITIES = {
    "CN_RESIDENT_ID",
    "CN_USCC",
    "CN_MOBILE",
    "CN_BANK_CARD",
    "CN_PASSPORT",
    "CN_VEHICLE_PLATE",
    "CN_PERSON_NAME",
    "CN_ADDRESS",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
    "DATE_OF_BIRTH",
    "PERSON",
}


def _zh(seed: int = 7) -> Faker:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return fake


def _en(seed: int = 7) -> Faker:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return fake


def _with_luhn(body: str) -> str:
    for check in "0123456789":
        if v.luhn(body + check):
            return body + check
    raise AssertionError("unreachable")


def test_cell_validators_cover_every_entity() -> None:
    assert set(v.CELL_VALIDATORS) == ENTITIES
    assert all(callable(f) and f.__doc__ for f in v.CELL_VALIDATORS.values())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11010519491231002X", True),  # the GB 11643 example
        ("11010519491231002x", True),
        (" 110101199003074514 ", True),
        ("110101 19900307 4514", True),
        (f"440305199001011{23}X", True),  # Shenzhen Nanshan, a district stdnum rejects
        ("110101199003074518", False),  # wrong check digit
        ("110101199002304519", False),  # 30 February
        ("990101199003074514", False),  # no such province
        ("11010518991231002X", False),  # before 1900
        ("1101011990030745", False),
        ("110101900307451", True),  # old 15-digit form, 1990-03-07
        ("110101901307451", False),  # old form, month 13
        ("11010119900307451X0", False),
        ("", False),
    ],
)
def test_cn_resident_id(value: str, expected: bool) -> None:
    assert v.cn_resident_id(value) is expected


def test_cn_resident_id_future_birth_date_rejected() -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%Y%m%d")
    body = "110101" + tomorrow + "123"
    assert not v.cn_resident_id(body + v.resident_id_check_char(body))


def test_cn_resident_id_faker_sample() -> None:
    fake = _zh()
    ids = [fake.ssn() for _ in range(500)]
    assert all(v.cn_resident_id(x) for x in ids)
    broken = [x[:17] + ("0" if x[17] != "0" else "1") for x in ids]
    assert not any(v.cn_resident_id(x) for x in broken)


def test_cn_uscc() -> None:
    assert v.cn_uscc("91350100M000100Y43")
    assert v.cn_uscc(" 91110108551385082q ")
    assert not v.cn_uscc("91110108551385082R")
    assert not v.cn_uscc("9111010855138508I2")  # I is outside the charset
    assert not v.cn_uscc("91110108551385082")
    rng = random.Random(5)
    for _ in range(200):
        body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(17))
        assert v.cn_uscc(body + v.uscc_check_char(body))


def test_some_resident_ids_are_also_valid_uscc() -> None:
    fake = _zh(11)
    ids = [fake.ssn() for _ in range(3000)]
    share = sum(v.ambiguous_id_uscc(x) for x in ids) / len(ids)
    assert 0.015 < share < 0.05  # about 1 in 31
    assert not v.ambiguous_id_uscc("91350100M000100Y43")


@pytest.mark.parametrize(
    "value",
    ["13812345678", "+86 138-1234-5678", "0086 13812345678", "8613812345678", "199 1234 5678"],
)
def test_cn_mobile_valid(value: str) -> None:
    assert v.cn_mobile(value)


@pytest.mark.parametrize(
    "value", ["12812345678", "1381234567", "138123456789", "+1 138 1234 5678", "010-12345678"]
)
def test_cn_mobile_invalid(value: str) -> None:
    assert not v.cn_mobile(value)


def test_cn_mobile_faker() -> None:
    fake = _zh()
    assert all(v.cn_mobile(fake.phone_number()) for _ in range(500))


def test_luhn_and_bank_cards() -> None:
    assert v.luhn("79927398713") and not v.luhn("79927398710") and not v.luhn("")
    rng = random.Random(3)
    for length in (16, 17, 18, 19):
        card = _with_luhn("62" + "".join(str(rng.randrange(10)) for _ in range(length - 3)))
        assert v.cn_bank_card(card), card
        assert not v.cn_bank_card(card[:-1] + str((int(card[-1]) + 1) % 10))
    assert v.cn_bank_card("6222 0212 3456 7890 128")
    assert not v.cn_bank_card(_with_luhn("62" + "1" * 12))  # 15 digits
    assert not v.cn_bank_card("11010519491231002X")
    faker = _zh(1)  # one seeded generator: 500 different IDs, whatever today's date is
    resident_luhn = next(x for x in (faker.ssn() for _ in range(500)) if v.luhn(x))
    assert not v.cn_bank_card(resident_luhn)  # a valid resident ID is never a card


def test_cn_passport() -> None:
    for good in (
        "E12345678",
        "G12345678",
        "EA1234567",
        "ej1234567",
        "DE1234567",
        "SE1234567",
        "PE1234567",
        "D12345678",
    ):
        assert v.cn_passport(good), good
    for bad in ("E1234567", "EI1234567", "EO1234567", "A12345678", "E123456789", "K1234567"):
        assert not v.cn_passport(bad), bad


def test_cn_vehicle_plate() -> None:
    for good in ("粤A12345", "粤AD12345", "京A·F0236", "沪B-12345", "川A12345D", "粤B1234学"):
        assert v.cn_vehicle_plate(good), good
    for bad in ("粤12345", "港A12345", "粤A1234", "粤AD1234567", "粤AI2345", "粤AX12345"):
        assert not v.cn_vehicle_plate(bad), bad
    fake = _zh()
    assert all(v.cn_vehicle_plate(fake.license_plate()) for _ in range(300))


def test_email() -> None:
    assert v.email("user@example.com") and v.email(" first.last+tag@mail.example.com.cn ")
    for bad in (
        "user@",
        "@example.com",
        "user@example",
        "user@@example.com",
        "a..b@example.com",
        "邮箱user@example.com",
        "user@example.c",
        "user@-example.com",
    ):
        assert not v.email(bad), bad
    fake = _en()
    assert all(v.email(fake.email()) for _ in range(300))


def test_iban() -> None:
    assert v.iban("GB82 WEST 1234 5698 7654 32") and v.iban("DE89370400440532013000")
    assert not v.iban("GB82WEST12345698765431")  # mod 97
    assert not v.iban("DE8937040044053201300")  # wrong length for DE
    fake = _en()
    assert all(v.iban(fake.iban()) for _ in range(200))


def test_ip_address() -> None:
    for good in ("192.168.1.1", " 10.0.0.255 ", "2001:db8::1", "::1", "fe80::1ff:fe23:4567:890a"):
        assert v.ip_address(good), good
    for bad in ("256.1.1.1", "192.168.1", "192.168.01.1", "gggg::1", "1", ""):
        assert not v.ip_address(bad), bad


def test_us_ssn() -> None:
    assert v.us_ssn("536-22-1234") and v.us_ssn("536221234") and v.us_ssn("536 22 1234")
    for bad in (
        "000-12-3456",
        "666-12-3456",
        "912-12-3456",
        "536-00-1234",
        "536-22-0000",
        "536-221234",
        "078-05-1120",
        "5362-2-1234",
    ):
        assert not v.us_ssn(bad), bad
    fake = _en()
    assert all(v.us_ssn(fake.ssn()) for _ in range(500))


def test_credit_card() -> None:
    assert v.credit_card("4111 1111 1111 1111") and v.credit_card("378282246310005")
    assert v.credit_card("6222021234567890128")  # UnionPay, 19 digits
    assert not v.credit_card("4111111111111112")  # Luhn
    assert not v.credit_card(_with_luhn("9" + "1" * 14))  # unknown IIN
    assert not v.credit_card(_with_luhn("4" + "1" * 10))  # too short
    fake = _en()
    for card_type in ("visa16", "visa19", "mastercard", "amex", "discover", "diners"):
        assert all(v.credit_card(fake.credit_card_number(card_type)) for _ in range(50))


def test_phone_number() -> None:
    for good in (
        "+86 138-1234-5678",
        "13812345678",
        "010-62345678",
        "+1 650-253-0000",
        "(650) 253-0000 x123",
        "+44 20 7946 0958",
        "0086 755 8888 8888",
        "+852 2123 4567",
        "020-83331234转806",
        "(020) 8333 1234 转 806",
        "0755-2345678分机1234",
        "+86 20 8333 1234转8",
    ):
        assert v.phone_number(good), good
    for bad in (
        "12345",
        "+1 000-000-0000",
        "call me",
        "138123456789999",
        "2024-01-01",
        "020-83331234转",
        "020-83331234转1234567",
        "1234转806",
    ):
        assert not v.phone_number(bad), bad
    fake = _zh()
    mobiles = [fake.phone_number() for _ in range(300)]
    assert sum(v.phone_number(x) for x in mobiles) / len(mobiles) > 0.95


def test_date_of_birth() -> None:
    for good in ("1990-03-07", "1990/3/7", "19900307", "1990年3月7日", "07/03/1990", "31/12/1999"):
        assert v.date_of_birth(good), good
    assert v.parse_date("07/03/1990") == dt.date(1990, 3, 7)
    assert v.parse_date("12/31/1999") == dt.date(1999, 12, 31)  # month-first fallback
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    for bad in ("1990-02-30", "1899-12-31", future, "1990-13-01", "hello", "19900230", "90-03-07"):
        assert not v.date_of_birth(bad), bad
    fake = _en()
    assert all(v.date_of_birth(fake.date_of_birth().isoformat()) for _ in range(200))


def test_cn_person_name() -> None:
    for good in ("张伟", "王秀英", "欧阳娜娜", "诸葛亮", " 李明 ", "阿依古丽·买买提"):
        assert v.cn_person_name(good), good
    for bad in (
        "北京市",
        "广州",
        "高新区",
        "欧阳",
        "张",
        "张伟伟伟伟",
        "Zhang Wei",
        "王府井路",
        "李宁公司",
    ):
        assert not v.cn_person_name(bad), bad
    fake = _zh()
    names = [fake.name() for _ in range(1000)]
    assert sum(v.cn_person_name(x) for x in names) / len(names) > 0.98


def test_en_person_name() -> None:
    for good in (
        "John Smith",
        "Mary-Jane O'Brien",
        "Dr. Alice Walker",
        "James T. Kirk",
        "Robert Downey Jr.",
        "Xavier Johnson",
        "Tom McDonald",
    ):
        assert v.en_person_name(good), good
    for bad in (
        "Hello World",
        "john smith",
        "Smith",
        "The Quick Brown Fox",
        "New York City",
        "JOHN SMITH",
        "Pazhou Sandbox",
    ):
        assert not v.en_person_name(bad), bad
    fake = _en()
    names = [fake.name() for _ in range(1000)]
    assert sum(v.en_person_name(x) for x in names) / len(names) > 0.95


def test_cn_address() -> None:
    for good in (
        "广东省深圳市南山区科技园路1号",
        "北京市朝阳区建国路88号SOHO现代城5号楼",
        "上海市徐汇区漕溪北路1200弄3号602室",
        "杭州西湖区文三路90号",
    ):
        assert v.cn_address(good), good
    for bad in ("广东省深圳市南山区", "科技园路1号", "我知道了", "张伟", "12345 Main Street"):
        assert not v.cn_address(bad), bad
    fake = _zh()
    assert all(v.cn_address(fake.address()) for _ in range(500))


def test_validators_tolerate_odd_input() -> None:
    for validator in v.CELL_VALIDATORS.values():
        for value in ("", "   ", "\n", "x" * 500, "１２３４５６７８９０１２３４５６７８"):
            assert validator(value) is False, (validator.__name__, value)


def test_cn_address_is_fast_enough_for_column_sampling() -> None:
    import time

    fake = _zh(3)
    values = [fake.address() for _ in range(1000)] + [fake.sentence() for _ in range(1000)]
    start = time.perf_counter()
    for value in values:
        v.cn_address(value)
    assert time.perf_counter() - start < 1.0

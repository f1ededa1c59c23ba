"""The explicit registry of Pazhou's recognizers (entity name → recognizer class)."""

from __future__ import annotations

from collections.abc import Callable

from presidio_analyzer import EntityRecognizer

from anonymizers.recognizers.base import DEFAULT_LANGUAGE
from anonymizers.recognizers.cn_address import CnAddressRecognizer
from anonymizers.recognizers.cn_ids import (
    CnBankCardRecognizer,
    CnMobileRecognizer,
    CnPassportRecognizer,
    CnResidentIdRecognizer,
    CnUsccRecognizer,
    CnVehiclePlateRecognizer,
)
from anonymizers.recognizers.cn_names import CnPersonNameRecognizer
from anonymizers.recognizers.en_names import EnPersonNameRecognizer
from anonymizers.recognizers.intl import (
    CreditCardRecognizer,
    DateOfBirthRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpAddressRecognizer,
    PhoneNumberRecognizer,
    UsSsnRecognizer,
)

RECOGNIZERS: dict[str, type[EntityRecognizer]] = {
    "CN_RESIDENT_ID": CnResidentIdRecognizer,
    "CN_USCC": CnUsccRecognizer,
    "CN_MOBILE": CnMobileRecognizer,
    "CN_BANK_CARD": CnBankCardRecognizer,
    "CN_PASSPORT": CnPassportRecognizer,
    "CN_VEHICLE_PLATE": CnVehiclePlateRecognizer,
    "CN_PERSON_NAME": CnPersonNameRecognizer,
    "CN_ADDRESS": CnAddressRecognizer,
    "EMAIL_ADDRESS": EmailRecognizer,
    "PHONE_NUMBER": PhoneNumberRecognizer,
    "CREDIT_CARD": CreditCardRecognizer,
    "IBAN_CODE": IbanRecognizer,
    "IP_ADDRESS": IpAddressRecognizer,
    "US_SSN": UsSsnRecognizer,
    "DATE_OF_BIRTH": DateOfBirthRecognizer,
    "PERSON": EnPersonNameRecognizer,
}


def _instantiate(cls: type[EntityRecognizer], language: str) -> EntityRecognizer:
    """Every registered class takes ``supported_language`` as its only argument."""
    factory: Callable[..., EntityRecognizer] = cls
    return factory(supported_language=language)


def default_recognizers(language: str = DEFAULT_LANGUAGE) -> list[EntityRecognizer]:
    """One instance of every registered recognizer, for ``language`` (default ``"zh"``)."""
    return [_instantiate(cls, language) for cls in RECOGNIZERS.values()]


def recognizer_for(entity: str, language: str = DEFAULT_LANGUAGE) -> EntityRecognizer:
    """An instance of the recognizer registered for ``entity``; unknown names raise KeyError."""
    try:
        cls = RECOGNIZERS[entity]
    except KeyError:
        raise KeyError(f"unknown entity {entity!r}; known: {sorted(RECOGNIZERS)}") from None
    return _instantiate(cls, language)

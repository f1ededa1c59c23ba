"""Recognizers for international identifiers: e-mail, phone, payment card, IBAN, IP
address, US SSN and dates of birth. Patterns, validators and cue words are defined once in
:mod:`anonymizers.recognizers.patterns_intl`."""

from __future__ import annotations

from anonymizers.recognizers import patterns_intl as p
from anonymizers.recognizers.base import ValidatedPatternRecognizer


class EmailRecognizer(ValidatedPatternRecognizer):
    """ASCII e-mail addresses; stops at CJK characters on either side."""

    SPEC = p.EMAIL


class PhoneNumberRecognizer(ValidatedPatternRecognizer):
    """Landline and international phone numbers valid per ``phonenumbers`` (CN, US, GB,
    HK, MO, or any number written with ``+``/``00``); capped below ``CN_MOBILE``."""

    SPEC = p.PHONE_NUMBER


class CreditCardRecognizer(ValidatedPatternRecognizer):
    """Payment cards of 13-19 digits with a known IIN and a valid Luhn digit.

    A 16-19 digit number is usually also a ``CN_BANK_CARD`` (higher base score); it is
    reported as ``CREDIT_CARD`` only when a credit-card cue word (信用卡, visa ...) is near.
    """

    SPEC = p.CREDIT_CARD


class IbanRecognizer(ValidatedPatternRecognizer):
    """IBANs, compact or in groups of four, with the mod-97 check."""

    SPEC = p.IBAN_CODE


class IpAddressRecognizer(ValidatedPatternRecognizer):
    """IPv4 and IPv6 addresses."""

    SPEC = p.IP_ADDRESS


class UsSsnRecognizer(ValidatedPatternRecognizer):
    """US social security numbers written with dashes or spaces (``AAA-GG-SSSS``)."""

    SPEC = p.US_SSN


class DateOfBirthRecognizer(ValidatedPatternRecognizer):
    """Past dates (1900 to today); only scored high when a birth cue word is near."""

    SPEC = p.DATE_OF_BIRTH

"""Recognizers for mainland-China identifiers: resident ID, USCC, mobile, bank card,
passport and vehicle plate. Patterns, validators and cue words are defined once in
:mod:`anonymizers.recognizers.patterns_cn`."""

from __future__ import annotations

from anonymizers.recognizers import patterns_cn as p
from anonymizers.recognizers.base import ValidatedPatternRecognizer


class CnResidentIdRecognizer(ValidatedPatternRecognizer):
    """Resident identity number (18 chars with MOD 11-2 check, or old 15 digits)."""

    SPEC = p.CN_RESIDENT_ID


class CnUsccRecognizer(ValidatedPatternRecognizer):
    """Unified Social Credit Code (18 chars, GB 32100-2015 check character)."""

    SPEC = p.CN_USCC


class CnMobileRecognizer(ValidatedPatternRecognizer):
    """Mainland mobile numbers, with optional +86/0086 prefix and space/dash groups."""

    SPEC = p.CN_MOBILE


class CnBankCardRecognizer(ValidatedPatternRecognizer):
    """Bank card numbers of 16-19 digits (UnionPay 62... included), Luhn valid."""

    SPEC = p.CN_BANK_CARD


class CnPassportRecognizer(ValidatedPatternRecognizer):
    """Mainland passport numbers (see :func:`anonymizers.validators.cn_passport`)."""

    SPEC = p.CN_PASSPORT


class CnVehiclePlateRecognizer(ValidatedPatternRecognizer):
    """Mainland vehicle plates such as ``粤A12345`` and new-energy ``粤AD12345``."""

    SPEC = p.CN_VEHICLE_PLATE

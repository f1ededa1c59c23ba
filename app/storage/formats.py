"""The body's declared type: which parser, which text encoding."""

from dataclasses import dataclass
from typing import Literal

from app.errors import UnsupportedMediaType

Kind = Literal["csv", "jsonl", "parquet"]

_MEDIA_TYPES: dict[str, Kind] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
}
_CHARSETS = {
    "utf-8": "utf8",
    "utf8": "utf8",
    "gb18030": "gb18030",
    "gbk": "gb18030",  # GB18030 is a superset of GBK and GB2312
    "gb2312": "gb18030",
}


@dataclass(frozen=True)
class SourceFormat:
    kind: Kind
    encoding: str = "utf8"


def _params(parts: list[str]) -> dict[str, str]:
    params = {}
    for part in parts:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"').lower()
    return params


def parse_content_type(header: str | None) -> SourceFormat:
    """Map ``Content-Type`` to a format; anything else is a 415 that lists what works."""
    if not header:
        raise UnsupportedMediaType("Content-Type is missing; " + _accepted())
    media, *rest = header.split(";")
    kind = _MEDIA_TYPES.get(media.strip().lower())
    if kind is None:
        raise UnsupportedMediaType(
            f"Content-Type '{media.strip()}' is not supported; " + _accepted()
        )
    charset = _params(rest).get("charset", "utf-8")
    if kind == "csv":
        if charset not in _CHARSETS:
            raise UnsupportedMediaType(
                f"charset '{charset}' is not supported; use utf-8 or gb18030"
            )
        return SourceFormat(kind, _CHARSETS[charset])
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"JSON Lines must be UTF-8, not '{charset}'")
    return SourceFormat(kind)


def _accepted() -> str:
    return (
        "send text/csv (charset utf-8 or gb18030), application/x-ndjson "
        "or application/vnd.apache.parquet"
    )

"""Stream a request body to disk, hashing as it goes; never hold it whole in memory."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from app.errors import InvalidFile, MalformedRequest, PayloadTooLarge


@dataclass(frozen=True)
class Received:
    sha256: str
    size: int


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the body is larger than the limit of {limit} bytes")


def _declared_length(request: Request) -> int | None:
    header = request.headers.get("content-length")
    if header is None:
        return None
    if not header.isdigit():
        raise MalformedRequest("Content-Length is not a number")
    return int(header)


async def receive_body(request: Request, dest: Path, limit: int) -> Received:
    """Write the body to ``dest``; 413 as soon as it passes ``limit`` (declared or counted)."""
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    digest, size = hashlib.sha256(), 0
    with dest.open("wb") as handle:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            digest.update(chunk)
            handle.write(chunk)
    if size == 0:
        raise InvalidFile("the body is empty")
    return Received(sha256=digest.hexdigest(), size=size)

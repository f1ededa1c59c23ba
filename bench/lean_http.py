"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load benchmark.

The load generator shares the server's two cores; httpx's async client spent about 2.5 ms of
CPU per request there, which the server then lacked. This client does only what the benchmark
needs (one connection per simulated client, requests in sequence, ``Content-Length`` or chunked
bodies) at a fraction of that cost. It is not a general HTTP client.
"""

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class LeanClient:
    """One keep-alive connection to ``base`` (``http://host:port``); reconnects when closed."""

    def __init__(self, base: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str], params: dict[str, Any]) -> Reply:
        query = f"?{urlencode(params)}" if params else ""
        return await self.request("GET", path + query, headers, None)

    async def post(self, path: str, headers: dict[str, str], payload: Any) -> Reply:
        body = json.dumps(payload).encode()
        headers = {**headers, "Content-Type": "application/json"}
        return await self.request("POST", path, headers, body)

    async def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None
    ) -> Reply:
        return await asyncio.wait_for(self._exchange(method, target, headers, body), self.timeout)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None

    async def _exchange(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None
    ) -> Reply:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body or b'')}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        try:
            return await _read_reply(self._reader)
        except BaseException:
            await self.close()
            raise


async def _read_reply(reader: asyncio.StreamReader) -> Reply:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        body = await reader.read()
    return Reply(int(status_line.split(" ", 2)[1]), headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")  # the end of the (empty) trailer
    return b"".join(parts)

"""A real uvicorn server in a subprocess (several workers), for tests over real sockets."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.config import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"server not ready in 60 s: {log.read_text()[-2000:]}")


@contextmanager
def live_server(settings: Settings, workers: int = 2) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "PAZHOU_ENVIRONMENT": settings.environment,
        "PAZHOU_DATABASE_URL": settings.sqlalchemy_url,
        "PAZHOU_DATA_DIR": str(settings.data_dir),
        "PAZHOU_SECRET_KEY": settings.secret_key.get_secret_value(),
        "PAZHOU_LOG_LEVEL": "WARNING",
    }
    log = settings.data_dir.parent / f"server-{port}.log"
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    command += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)

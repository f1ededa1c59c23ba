"""Shared helpers of the DP benchmarks (``dp_query.py``, ``dp_accuracy.py``).

Standard library only: the same file is imported by the benchmark scripts under the service's
interpreter and under the peers' virtualenv (OpenDP and SmartNoise SQL pin versions that clash
with the service's, so they live in ``bench/out/peers-venv``, created here on first use).
"""

import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BENCHMARKS = ROOT / "BENCHMARKS.md"
PEERS_VENV = OUT / "peers-venv"
# smartnoise-sql 1.0.10 pins opendp >=0.14.1,<0.15; the polars extra brings the context API's
# LazyFrame support (and pins polars itself).
PEER_REQUIREMENTS = ("opendp[polars]==0.14.2", "smartnoise-sql==1.0.10")
PEERS_MARKER = ".pazhou-peers"
BASE_PYTHON = "python3.11"
RESULT_PREFIX = "RESULT "
MB = 1_000_000


def peers_python() -> Path:
    """The peers' interpreter; the virtualenv is created (and filled) once, then reused."""
    python = PEERS_VENV / "bin" / "python"
    marker = PEERS_VENV / PEERS_MARKER
    wanted = "\n".join(PEER_REQUIREMENTS)
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"creating {PEERS_VENV} with {', '.join(PEER_REQUIREMENTS)} (once)", flush=True)
    subprocess.run([BASE_PYTHON, "-m", "venv", "--clear", str(PEERS_VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    done = subprocess.run([*pip, *PEER_REQUIREMENTS], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pip install into {PEERS_VENV} failed:\n{done.stderr[-3000:]}")
    marker.write_text(wanted)
    return python


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux reports KiB), in MB (10^6 bytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


def timed(function: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def clocked(function: Any, *args: Any) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, all threads, user + system, value)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, value


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def emit(result: dict[str, Any]) -> None:
    """A worker's answer to its parent: one prefixed JSON line on stdout."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_worker(python: Path | str, script: Path, args: list[str], timeout: float) -> dict[str, Any]:
    """Run ``script --worker ...`` in a fresh process and return the JSON it emitted."""
    command = [str(python), str(script), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return dict(json.loads(line.removeprefix(RESULT_PREFIX)))
    tail = (done.stderr or done.stdout)[-3000:]
    raise RuntimeError(f"worker {' '.join(args)} failed (exit {done.returncode}):\n{tail}")


def machine() -> dict[str, Any]:
    load1, load5, _ = os.getloadavg()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "load1": round(load1, 2),
        "load5": round(load5, 2),
        "python": sys.version.split()[0],
    }


def command_line() -> str:
    """How this run was started, as a copy-pasteable command from the repository root."""
    script = Path(sys.argv[0]).resolve()
    try:
        shown = str(script.relative_to(ROOT))
    except ValueError:
        shown = str(script)
    return " ".join([sys.executable, shown, *sys.argv[1:]])


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def write_section(title: str, body: str) -> None:
    """Replace (or append) ``## title`` in BENCHMARKS.md, leaving every other section alone.

    The file is re-read right before writing, as other benchmarks write their own sections.
    """
    heading = f"## {title}"
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    section = f"{heading}\n\n{body.strip()}\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        after = "".join(lines[end:])
        text = "".join(lines[:start]) + section + ("\n" + after if after else "")
    BENCHMARKS.write_text(text, encoding="utf-8")

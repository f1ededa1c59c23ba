"""Ingest benchmark (issue 2): Pazhou CSV upload + conversion against plain pyarrow.

What it measures, in one run:

* Pazhou: a real server (``pazhou demo`` then ``pazhou serve`` in a subprocess, on a fresh
  data directory) receives a generated CSV file through ``POST /v1/datasets/{id}/versions``
  (streamed from disk by the client, with ``Content-Length``). The wall clock runs from the
  start of the send to the response, so it covers receiving, hashing, writing the body to disk,
  the CSV → Parquet conversion and the commit. The server's RSS (children included) is sampled
  every 20 ms during the upload; its baseline is taken just before.
* The peer: plain pyarrow on the same file, each run in a subprocess of its own so its peak
  memory (``ru_maxrss``) is clean: ``pyarrow.csv.read_csv`` + ``pyarrow.parquet.write_table``
  (zstd), and the streaming variant ``pyarrow.csv.open_csv`` + ``ParquetWriter`` (zstd).

Each measurement is repeated (``--repeat``, fresh dataset per upload) and the median is
reported, with a table and one JSON line at the end of stdout. The goal stated by the issue:
Pazhou's time within 1.5x of ``read_csv`` + ``write_table``, server peak RSS under 500 MB.
MB means 10^6 bytes throughout.

The CSV (10 columns: ints, floats, short strings, a date as text, Chinese district names,
company names) is generated once, deterministically, and cached under ``bench/out/``.

Run from the repository root::

    /work/venv-scratch/bin/python bench/ingest.py [--rows 1000000] [--repeat 3] [--keep]
"""

import argparse
import contextlib
import csv
import datetime as dt
import importlib
import itertools
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
MB = 1_000_000
SEED = 20240602
GEN_CHUNK_ROWS = 50_000
SEND_CHUNK = 1024 * 1024
SAMPLE_EVERY = 0.02
WARM_ROWS = 10_000
IDLE_WINDOW = 0.25
IDLE_CPU = 0.05  # a tree using under 5% of one CPU over IDLE_WINDOW is idle
NOISY_CPU = 0.1  # other processes using more than this (in CPUs) skew a measurement
SETTLE_TIMEOUT = 300
GOAL_RATIO = 1.5
GOAL_PEAK_MB = 500
FORMAT_VERSION = 1  # bump when the generated data changes, so the cache is rebuilt

HEADER = [
    "id",
    "district",
    "company",
    "registered_on",
    "employees",
    "capital_wan",
    "sector",
    "lat",
    "lon",
    "status",
]
DISTRICTS = [
    "越秀区",
    "海珠区",
    "荔湾区",
    "天河区",
    "白云区",
    "黄埔区",
    "番禺区",
    "花都区",
    "南沙区",
    "从化区",
    "增城区",
]
CN_BRANDS = ["恒信", "广隆", "华南", "珠江", "粤海", "新港", "琶洲", "德邦", "启明", "万达"]
CN_TRADES = ["贸易", "科技", "物流", "餐饮", "建材", "电子", "文化传媒", "医药", "咨询"]
CN_FORMS = ["有限公司", "有限责任公司", "股份有限公司", "个体工商户"]
EN_BRANDS = ["Pearl River", "Canton", "South China", "Lingnan", "Baiyun", "Huangpu"]
EN_TRADES = ["Trading", "Logistics", "Technology", "Foods", "Textiles", "Consulting"]
SECTORS = [f"{letter}{n:02d}" for letter in "ACFGHIKLM" for n in range(1, 40, 3)]
STATUSES = ["active", "active", "active", "active", "closed", "suspended", "revoked"]
FIRST_DAY = dt.date(2000, 1, 1)
DAYS = [(FIRST_DAY + dt.timedelta(days=n)).isoformat() for n in range(9000)]
AGENCY_KEY = re.compile(r"^\s*agency\s+(\S+)\s*$", re.MULTILINE)


# ---------------------------------------------------------------- the data


def csv_path(rows: int) -> Path:
    return OUT / f"ingest-{rows}-v{FORMAT_VERSION}.csv"


def _company(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return "广州" + rng.choice(CN_BRANDS) + rng.choice(CN_TRADES) + rng.choice(CN_FORMS)
    # an English name with a comma, so the CSV needs quoting
    return f"{rng.choice(EN_BRANDS)} {rng.choice(EN_TRADES)} Co., Ltd."


def _row(rng: random.Random, number: int) -> list[str]:
    capital = "" if rng.random() < 0.01 else f"{rng.lognormvariate(5, 1.5):.2f}"
    return [
        str(number),
        rng.choice(DISTRICTS),
        _company(rng),
        rng.choice(DAYS),
        str(int(rng.paretovariate(1.2)) + rng.randrange(3)),
        capital,
        rng.choice(SECTORS),
        f"{rng.uniform(22.55, 23.93):.6f}",
        f"{rng.uniform(112.95, 114.05):.6f}",
        rng.choice(STATUSES),
    ]


def generate_csv(path: Path, rows: int) -> None:
    """Write ``rows`` deterministic rows, ``GEN_CHUNK_ROWS`` at a time (memory stays small)."""
    rng = random.Random(SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for start in range(1, rows + 1, GEN_CHUNK_ROWS):
            stop = min(start + GEN_CHUNK_ROWS, rows + 1)
            writer.writerows(_row(rng, number) for number in range(start, stop))
    partial.replace(path)


def ensure_csv(rows: int) -> Path:
    path = csv_path(rows)
    if path.exists():
        print(f"using cached {path.relative_to(ROOT)} ({path.stat().st_size / MB:.1f} MB)")
        return path
    started = time.perf_counter()
    generate_csv(path, rows)
    took = time.perf_counter() - started
    print(f"generated {path.relative_to(ROOT)} ({path.stat().st_size / MB:.1f} MB) in {took:.1f} s")
    return path


# ---------------------------------------------------------------- memory


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += member.memory_info().rss
    return total


class RssSampler:
    """Samples a process tree's RSS in a thread; ``peak`` is the largest sum seen."""

    def __init__(self, pid: int, every: float = SAMPLE_EVERY) -> None:
        self.process = psutil.Process(pid)
        self.every = every
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.NoSuchProcess):
                self.peak = max(self.peak, _tree_rss(self.process))
                self.samples += 1
            self._stop.wait(self.every)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _tree_cpu(process: psutil.Process) -> float:
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            times = member.cpu_times()
            total += times.user + times.system
    return total


def wait_idle(process: psutil.Process, timeout: float = SETTLE_TIMEOUT) -> float:
    """Wait until the process tree is idle (work it does after the response, e.g. a background
    job, would otherwise run into the next measurement); return the seconds waited."""
    started = time.perf_counter()
    before = _tree_cpu(process)
    while time.perf_counter() - started < timeout:
        time.sleep(IDLE_WINDOW)
        after = _tree_cpu(process)
        if after - before < IDLE_CPU * IDLE_WINDOW:
            break
        before = after
    return max(0.0, time.perf_counter() - started - IDLE_WINDOW)  # less the idle window itself


def _system_busy() -> float:
    """CPU seconds the whole machine has been busy (all CPUs, all processes)."""
    times = psutil.cpu_times()
    return float(sum(times)) - times.idle - getattr(times, "iowait", 0.0)


class OtherLoad:
    """CPUs' worth of work done by processes outside the benchmark during a measurement.

    The machine's busy time, less this process, its finished children and the server's tree;
    0.3 means others used 30% of one CPU meanwhile (on 2 CPUs, that skews the figures).
    """

    def __init__(self, server: psutil.Process) -> None:
        self.server = server
        self.cpus = 0.0

    def _ours(self) -> float:
        own = psutil.Process().cpu_times()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        waited = children.ru_utime + children.ru_stime
        return float(own.user + own.system) + waited + _tree_cpu(self.server)

    def __enter__(self) -> "OtherLoad":
        self._started = time.perf_counter()
        self._busy, self._own = _system_busy(), self._ours()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._started
        others = (_system_busy() - self._busy) - (self._ours() - self._own)
        self.cpus = max(0.0, others / wall) if wall > 0 else 0.0


def _reset_hwm(pid: int) -> bool:
    """Reset the kernel's peak-RSS mark (Linux: ``echo 5 > clear_refs``); False if refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _hwm(pid: int) -> int | None:
    """The kernel's peak RSS (``VmHWM``) in bytes, a cross-check of the sampled peak."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    key: str
    log: Path


def _seed(env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(BIN / "pazhou"), "demo"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"pazhou demo failed: {done.stderr.strip()}")
    match = AGENCY_KEY.search(done.stdout)
    if match is None:
        raise RuntimeError(f"no agency key in the output of pazhou demo:\n{done.stdout}")
    return match.group(1)


def _wait_healthy(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"no /healthz within {timeout} s:\n{server.log.read_text()[-2000:]}")


@contextlib.contextmanager
def running_server(data_dir: Path) -> Iterator[Server]:
    """``pazhou demo`` then ``pazhou serve`` on ``data_dir``; stopped however the block ends."""
    env = {**os.environ, "PAZHOU_DATA_DIR": str(data_dir)}
    key = _seed(env)
    port = free_port()
    log = data_dir / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "pazhou"), "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", key, log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---------------------------------------------------------------- Pazhou upload


@dataclass
class Upload:
    seconds: float
    send_seconds: float
    baseline_mb: float
    peak_mb: float
    hwm_mb: float | None
    rows: int
    samples: int
    settle_seconds: float
    settled_peak_mb: float
    other_cpu: float


def create_dataset(client: httpx.Client, name: str) -> str:
    response = client.post("/v1/datasets", json={"name": name, "description": ""})
    if response.status_code != 201:
        raise RuntimeError(f"create dataset: {response.status_code} {response.text}")
    dataset_id: str = response.json()["id"]
    return dataset_id


def _body(path: Path, sent: dict[str, float]) -> Iterator[bytes]:
    """The file in ``SEND_CHUNK`` pieces; notes when the last one was handed to the socket."""
    with path.open("rb") as handle:
        while chunk := handle.read(SEND_CHUNK):
            yield chunk
    sent["at"] = time.perf_counter()


def upload_once(server: Server, client: httpx.Client, path: Path, rows: int, run: int) -> Upload:
    dataset_id = create_dataset(client, f"bench-{run}")
    pid = server.process.pid
    baseline = _tree_rss(psutil.Process(pid))
    hwm_reset = _reset_hwm(pid)
    sent: dict[str, float] = {}
    headers = {"Content-Type": "text/csv", "Content-Length": str(path.stat().st_size)}
    with RssSampler(pid) as sampler, OtherLoad(psutil.Process(pid)) as others:
        started = time.perf_counter()
        response = client.post(
            f"/v1/datasets/{dataset_id}/versions", content=_body(path, sent), headers=headers
        )
        seconds = time.perf_counter() - started
        during = sampler.peak
        settle = wait_idle(psutil.Process(pid))
    if response.status_code != 201:
        raise RuntimeError(f"upload: {response.status_code} {response.text[:2000]}")
    got = response.json()["rows"]
    if got != rows:
        raise RuntimeError(f"upload: the server counted {got} rows, expected {rows}")
    hwm = _hwm(pid) if hwm_reset else None
    return Upload(
        seconds=seconds,
        send_seconds=sent["at"] - started,
        baseline_mb=baseline / MB,
        peak_mb=max(during, baseline) / MB,
        hwm_mb=hwm / MB if hwm is not None else None,
        rows=got,
        samples=sampler.samples,
        settle_seconds=settle,
        settled_peak_mb=max(sampler.peak, baseline) / MB,
        other_cpu=others.cpus,
    )


def warm_up(client: httpx.Client, path: Path, work: Path) -> None:
    """One small untimed upload, so first-request costs do not land on run 1."""
    warm = work / "warm.csv"
    with path.open("rb") as source, warm.open("wb") as sink:
        sink.writelines(line for _, line in zip(range(WARM_ROWS + 1), source, strict=False))
    dataset_id = create_dataset(client, "bench-warm-up")
    response = client.post(
        f"/v1/datasets/{dataset_id}/versions",
        content=warm.read_bytes(),
        headers={"Content-Type": "text/csv"},
    )
    if response.status_code != 201:
        raise RuntimeError(f"warm-up upload: {response.status_code} {response.text[:2000]}")


def _print_upload(run: int, result: Upload) -> None:
    print(
        f"  run {run} pazhou:   {result.seconds:.2f} s "
        f"(body sent after {result.send_seconds:.2f} s), "
        f"server RSS {result.baseline_mb:.0f} → peak {result.peak_mb:.0f} MB"
        + _others(result.other_cpu)
    )
    if result.settle_seconds > 2 * IDLE_WINDOW:
        print(
            f"    then busy {result.settle_seconds:.1f} s after the response, "
            f"RSS peak {result.settled_peak_mb:.0f} MB"
        )


# ---------------------------------------------------------------- the pyarrow peer

PEERS = {
    "read_csv": "pyarrow.csv.read_csv + parquet.write_table",
    "open_csv": "pyarrow.csv.open_csv + ParquetWriter (streaming)",
}


@dataclass
class PeerRun:
    seconds: float
    baseline_mb: float
    peak_mb: float
    rows: int
    other_cpu: float = 0.0


def _peer_read_csv(src: Path, dst: Path) -> int:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pacsv.read_csv(src)
    pq.write_table(table, dst, compression="zstd")
    rows: int = table.num_rows
    return rows


def _peer_open_csv(src: Path, dst: Path) -> int:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    reader = pacsv.open_csv(src)
    rows = 0
    with pq.ParquetWriter(dst, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def peer_main(mode: str, src: Path, dst: Path) -> None:
    """The child side: one conversion, then its time and memory as JSON on stdout."""
    for module in ("pyarrow.csv", "pyarrow.parquet"):  # imports are not part of the timing
        importlib.import_module(module)

    baseline = _max_rss()
    convert = _peer_read_csv if mode == "read_csv" else _peer_open_csv
    started = time.perf_counter()
    rows = convert(src, dst)
    seconds = time.perf_counter() - started
    run = PeerRun(seconds, baseline / MB, _max_rss() / MB, rows)
    print(json.dumps(asdict(run)))


def peer_once(mode: str, path: Path, work: Path, server: psutil.Process) -> PeerRun:
    dst = work / f"peer-{mode}.parquet"
    with OtherLoad(server) as others:
        done = subprocess.run(
            [sys.executable, __file__, "--peer", mode, "--src", str(path), "--dst", str(dst)],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"peer {mode} failed: {done.stderr.strip()}")
    dst.unlink(missing_ok=True)
    result = PeerRun(**json.loads(done.stdout.strip().splitlines()[-1]))
    result.other_cpu = others.cpus
    return result


def _others(cpus: float) -> str:
    return f" [other processes used {cpus:.2f} CPU meanwhile]" if cpus > NOISY_CPU else ""


def checked_peer(
    mode: str, path: Path, rows: int, work: Path, run: int, server: psutil.Process
) -> PeerRun:
    result = peer_once(mode, path, work, server)
    if result.rows != rows:
        raise RuntimeError(f"peer {mode} read {result.rows} rows, expected {rows}")
    print(
        f"  run {run} {mode}: {result.seconds:.2f} s, peak RSS {result.peak_mb:.0f} MB"
        + _others(result.other_cpu)
    )
    return result


def bench(
    path: Path, rows: int, repeat: int, work: Path
) -> tuple[float, list[Upload], dict[str, list[PeerRun]]]:
    """Interleaved rounds (Pazhou, then each peer) so that passing load hits all alike."""
    uploads: list[Upload] = []
    peers: dict[str, list[PeerRun]] = {mode: [] for mode in PEERS}
    with running_server(work / "pazhou-data") as server:
        auth = {"Authorization": f"Bearer {server.key}"}
        with httpx.Client(base_url=server.url, headers=auth, timeout=600) as client:
            process = psutil.Process(server.process.pid)
            started_mb = _tree_rss(process) / MB
            print(f"  server RSS after start: {started_mb:.0f} MB")
            warm_up(client, path, work)
            for run in range(1, repeat + 1):
                uploads.append(upload_once(server, client, path, rows, run))
                _print_upload(run, uploads[-1])
                for mode, runs in peers.items():
                    runs.append(checked_peer(mode, path, rows, work, run, process))
    return started_mb, uploads, peers


# ---------------------------------------------------------------- the report


@dataclass
class Summary:
    rows: int
    file_mb: float
    repeat: int
    pazhou_s: float
    pazhou_send_s: float
    pazhou_mb_s: float
    server_started_mb: float
    server_baseline_mb: float
    server_peak_mb: float
    server_peak_max_mb: float
    server_hwm_mb: float | None
    server_settle_s: float
    server_settled_peak_max_mb: float
    peers: dict[str, dict[str, float]]
    ratio: float
    goal_ratio_met: bool
    goal_memory_met: bool
    runs: dict[str, list[float]]
    other_cpu_max: float
    cpus: int | None = None
    busy_before_pct: float | None = None


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _peer_figures(size: int, runs: list[PeerRun]) -> dict[str, float]:
    seconds = _median([r.seconds for r in runs])
    return {
        "seconds": seconds,
        "mb_s": size / MB / seconds,
        "peak_mb": _median([r.peak_mb for r in runs]),
        "baseline_mb": _median([r.baseline_mb for r in runs]),
    }


def _raw_runs(uploads: list[Upload], peers: dict[str, list[PeerRun]]) -> dict[str, list[float]]:
    raw = {
        "pazhou_s": [round(u.seconds, 3) for u in uploads],
        "pazhou_peak_mb": [round(u.peak_mb, 1) for u in uploads],
        "pazhou_other_cpu": [round(u.other_cpu, 2) for u in uploads],
    }
    for mode, runs in peers.items():
        raw[f"{mode}_s"] = [round(r.seconds, 3) for r in runs]
        raw[f"{mode}_other_cpu"] = [round(r.other_cpu, 2) for r in runs]
    return raw


def summarise(
    size: int, rows: int, started_mb: float, uploads: list[Upload], peers: dict[str, list[PeerRun]]
) -> Summary:
    hwms = [u.hwm_mb for u in uploads if u.hwm_mb is not None]
    pazhou_s = _median([u.seconds for u in uploads])
    figures = {mode: _peer_figures(size, runs) for mode, runs in peers.items()}
    ratio = pazhou_s / figures["read_csv"]["seconds"]
    settled_max = max(u.settled_peak_mb for u in uploads)
    return Summary(
        rows=rows,
        file_mb=round(size / MB, 1),
        repeat=len(uploads),
        pazhou_s=pazhou_s,
        pazhou_send_s=_median([u.send_seconds for u in uploads]),
        pazhou_mb_s=size / MB / pazhou_s,
        server_started_mb=started_mb,
        server_baseline_mb=_median([u.baseline_mb for u in uploads]),
        server_peak_mb=_median([u.peak_mb for u in uploads]),
        server_peak_max_mb=max(u.peak_mb for u in uploads),
        server_hwm_mb=_median(hwms) if hwms else None,
        server_settle_s=_median([u.settle_seconds for u in uploads]),
        server_settled_peak_max_mb=settled_max,
        peers=figures,
        ratio=ratio,
        goal_ratio_met=ratio <= GOAL_RATIO,
        goal_memory_met=settled_max < GOAL_PEAK_MB,
        runs=_raw_runs(uploads, peers),
        other_cpu_max=max(r.other_cpu for r in [*uploads, *itertools.chain(*peers.values())]),
    )


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def print_table(s: Summary) -> None:
    print()
    print(
        f"{s.rows:,} rows, {s.file_mb} MB CSV, median of {s.repeat} runs, {s.cpus} CPUs "
        f"({s.busy_before_pct:.0f}% busy before), MB = 10^6 bytes"
    )
    print(f"| {'what':<52} | {'time s':>7} | {'MB/s':>6} | {'peak RSS MB':>11} |")
    print(f"|{'-' * 54}|{'-' * 9}|{'-' * 8}|{'-' * 13}|")
    label = "Pazhou upload + ingest (HTTP, server RSS)"
    print(f"| {label:<52} | {s.pazhou_s:7.2f} | {s.pazhou_mb_s:6.1f} | {s.server_peak_mb:11.0f} |")
    for mode, peer in s.peers.items():
        print(
            f"| {PEERS[mode]:<52} | {peer['seconds']:7.2f} | {peer['mb_s']:6.1f} "
            f"| {peer['peak_mb']:11.0f} |"
        )
    print()
    print(
        f"ratio Pazhou / read_csv+write_table: {s.ratio:.2f}x "
        f"(goal ≤ {GOAL_RATIO}x: {_verdict(s.goal_ratio_met)})"
    )
    if "open_csv" in s.peers:
        streaming = s.pazhou_s / s.peers["open_csv"]["seconds"]
        print(f"ratio Pazhou / open_csv streaming:   {streaming:.2f}x")
    print(
        f"server RSS: {s.server_started_mb:.0f} MB after start, "
        f"{s.server_baseline_mb:.0f} MB before an upload, peak {s.server_peak_mb:.0f} MB "
        f"(max {s.server_peak_max_mb:.0f}; with work after the response "
        f"{s.server_settled_peak_max_mb:.0f}; goal < {GOAL_PEAK_MB}: "
        f"{_verdict(s.goal_memory_met)})"
    )
    print(
        f"Pazhou split: body sent after {s.pazhou_send_s:.2f} s, "
        f"response {s.pazhou_s - s.pazhou_send_s:.2f} s later; "
        f"server busy {s.server_settle_s:.2f} s after the response"
    )
    if s.other_cpu_max > NOISY_CPU:
        print(
            f"warning: other processes used up to {s.other_cpu_max:.2f} CPU during a "
            "measurement; rerun on a quiet machine for figures to quote"
        )


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the CSV file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("--peer", choices=sorted(PEERS), help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dst", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def machine_busy() -> float:
    """Percent of all CPUs busy over one second: other work on the machine skews the figures."""
    busy: float = psutil.cpu_percent(interval=1)
    if busy > 10:
        print(f"warning: the machine is already {busy:.0f}% busy; the figures will be noisy")
    return busy


def run(args: argparse.Namespace) -> Summary:
    path = ensure_csv(args.rows)
    busy = machine_busy()
    work = Path(tempfile.mkdtemp(prefix="pazhou-bench-"))
    try:
        print(f"{args.repeat} rounds; server data in {work / 'pazhou-data'}")
        started_mb, uploads, peers = bench(path, args.rows, args.repeat, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    summary = summarise(path.stat().st_size, args.rows, started_mb, uploads, peers)
    summary.cpus, summary.busy_before_pct = psutil.cpu_count(), busy
    return summary


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.peer:
        peer_main(args.peer, args.src, args.dst)
        return
    summary = run(args)
    print_table(summary)
    print(json.dumps({"bench": "ingest", **asdict(summary)}, ensure_ascii=False))


if __name__ == "__main__":
    main()

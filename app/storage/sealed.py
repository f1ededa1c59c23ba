"""Parquet files sealed at rest: where to write one, how to open one for reading.

Quarantine parts are always sealed; a plain Parquet file under a data directory's quarantine
is refused (it was not written by Pazhou, or predates encryption: `pazhou keys
rotate-data-key --rewrap-only` seals those). Files outside any data directory (the local
files of ``pazhou scan``/``sanitize``) are read as they are.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq

from app.crypto.errors import DataKeyUnavailable, DataTampered
from app.crypto.keyring import Keyring
from app.crypto.sealed_file import SealedReader, SealedWriter
from app.crypto.source import source_for_path
from app.crypto.stream import MAGIC

QUARANTINE = "quarantine"


@contextmanager
def parquet_sink(dest: Path, ring: Keyring | None) -> Iterator[str | SealedWriter]:
    """Where ``pq.ParquetWriter`` writes: ``dest`` itself, or a sealing writer on it."""
    if ring is None:
        yield str(dest)
        return
    writer = SealedWriter(dest, ring)
    try:
        yield writer
    finally:
        writer.close()


def is_sealed(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def shown_name(path: Path) -> str:
    """The path relative to its data directory (what a job's message may name)."""
    source = source_for_path(path)
    return str(path.resolve().relative_to(source.root)) if source else path.name


def open_sealed(path: Path) -> SealedReader:
    source = source_for_path(path)
    if source is None:
        raise DataKeyUnavailable(f"{path.name} is encrypted and no data keys are configured")
    return SealedReader(path, source.ring(), shown_name(path))


@contextmanager
def open_parquet(path: Path) -> Iterator[pq.ParquetFile]:
    """A Parquet file, decrypted on the fly when sealed; closed on leaving the block."""
    if not is_sealed(path):
        source = source_for_path(path)
        if source is not None and path.resolve().is_relative_to(source.root / QUARANTINE):
            raise DataTampered(f"{shown_name(path)} is not encrypted; quarantine files must be")
        with pq.ParquetFile(path) as plain:
            yield plain
        return
    with open_sealed(path) as reader, pq.ParquetFile(reader) as sealed:
        yield sealed

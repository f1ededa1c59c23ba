"""JSON Lines nested deeper than any table needs are refused before Arrow parses them.

Arrow's JSON parser recurses once per level: a line of 100,000 ``[`` crashes the process
(a segmentation fault, not an exception), and Parquet cannot read back lists nested 50
levels deep (its schema depth limit of 100); tables need a few levels at most. So every
line's depth is measured first, vectorised with numpy over line-aligned chunks: brackets
inside strings do not count (a quote is real unless an odd run of backslashes precedes it).
Most chunks are cleared by a cheaper bound (no line opens more than ``MAX_DEPTH`` brackets
at all). A line longer than the parser's block is refused too.
"""

from pathlib import Path

import numpy as np

from app.errors import InvalidFile

MAX_DEPTH = 32  # Parquet cannot read back lists nested 50 deep
CHUNK_BYTES = 1024 * 1024
_OPENERS, _CLOSERS = (ord("{"), ord("[")), (ord("}"), ord("]"))
_NEWLINE, _QUOTE, _BACKSLASH = ord("\n"), ord('"'), ord("\\")


def _per_line(values: np.ndarray, line_of: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``values``' running sum restarted at each line (``starts``: index of each line's start)."""
    running = np.cumsum(values, dtype=np.int64)
    before = np.concatenate(([0], running))[starts]
    result: np.ndarray = running - before[line_of]
    return result


def _depths(data: np.ndarray) -> np.ndarray:
    """Nesting depth after each byte of line-aligned ``data``."""
    line_of = np.cumsum(data == _NEWLINE)
    starts = np.concatenate(([0], np.flatnonzero(data == _NEWLINE) + 1))
    backslash = data == _BACKSLASH
    index = np.arange(len(data))
    last_plain = np.maximum.accumulate(np.where(backslash, -1, index))
    run_before = np.concatenate(([0], index[:-1] - last_plain[:-1]))
    quotes = (data == _QUOTE) & (run_before % 2 == 0)
    outside = _per_line(quotes.astype(np.int8), line_of, starts) % 2 == 0
    step = np.isin(data, _OPENERS).astype(np.int8) - np.isin(data, _CLOSERS).astype(np.int8)
    return _per_line(np.where(outside, step, 0), line_of, starts)


def _bound_is_safe(data: np.ndarray, max_depth: int) -> bool:
    """No line opens more than ``max_depth`` brackets (strings included): nothing to measure."""
    opens = np.flatnonzero(np.isin(data, _OPENERS))
    if len(opens) <= max_depth:
        return True
    lines = np.cumsum(data == _NEWLINE)[opens]
    return bool(np.bincount(lines).max() <= max_depth)


def _check_chunk(data: np.ndarray, first_line: int, max_depth: int) -> None:
    if _bound_is_safe(data, max_depth):
        return
    depths = _depths(data)
    deepest = int(depths.max())
    if deepest > max_depth:
        at = int(np.argmax(depths > max_depth))
        line = first_line + int(np.count_nonzero(data[:at] == _NEWLINE))
        raise InvalidFile(f"line {line}: JSON nested more than {max_depth} levels deep", line=line)


def check_depth(source: Path, max_depth: int = MAX_DEPTH, max_line: int = 8 * 1024**2) -> None:
    """Raise ``InvalidFile`` naming the first line nested deeper than ``max_depth`` or
    longer than ``max_line`` bytes; memory stays a few chunks."""
    line, carry = 1, b""
    with source.open("rb") as handle:
        while block := handle.read(CHUNK_BYTES):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                _check_length(data, line, max_line)
                carry = data
                continue
            line = _check_lines(data[:cut], line, max_depth)
            carry = data[cut:]
    _check_length(carry, line, max_line)
    _check_lines(carry, line, max_depth)


def _check_length(data: bytes, line: int, max_line: int) -> None:
    if len(data) > max_line:
        raise InvalidFile(f"line {line} is longer than {max_line // 1024**2} MiB", line=line)


def _check_lines(data: bytes, line: int, max_depth: int) -> int:
    """Check whole lines; the number of the line after them."""
    array = np.frombuffer(data, dtype=np.uint8)
    _check_chunk(array, line, max_depth)
    return line + int(np.count_nonzero(array == _NEWLINE))

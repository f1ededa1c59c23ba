"""Throughput of the column-wise masking operators on 1,000,000 values.

Run: ``.venv/bin/python bench/operators.py`` (prints rows/s per operator).
"""

import time
from typing import Any

import numpy as np
import pyarrow as pa

from anonymizers.operators import MaskContext, make_operator

ROWS = 1_000_000
CTX = MaskContext(secret=b"k" * 32)


def _mobiles(distinct: int) -> pa.Array:
    rng = np.random.default_rng(7)
    numbers = rng.integers(13_000_000_000, 13_000_000_000 + distinct, ROWS)
    return pa.array(numbers.astype(str).tolist(), pa.string())


def _rate(name: str, params: dict[str, Any], column: pa.Array) -> float:
    op = make_operator(name, params)
    start = time.perf_counter()
    out = op.apply(column, CTX)
    elapsed = time.perf_counter() - start
    assert out is not None and len(out) == len(column)
    return len(column) / elapsed


def main() -> None:
    many, few = _mobiles(10**10), _mobiles(10_000)
    lines = [
        f"mask                      {_rate('mask', {}, many):>14,.0f} rows/s",
        f"pseudonymize ~1M uniques  {_rate('pseudonymize', {}, many):>14,.0f} rows/s",
        f"pseudonymize 10k uniques  {_rate('pseudonymize', {}, few):>14,.0f} rows/s",
        f"redact                    {_rate('redact', {}, many):>14,.0f} rows/s",
        f"suppress_rare k=5         {_rate('suppress_rare', {}, few):>14,.0f} rows/s",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()

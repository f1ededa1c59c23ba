"""Keep a share of one core busy, to see how a benchmark holds up on a busier machine.

``python -m bench.cpu_hog 0.5`` spins 50 ms of every 100 ms until it is stopped. The load test
starts it with ``--hog SHARE`` (bench/load.py): a stand-in for the slow stretches of a shared
machine, in which the same work costs the service more CPU.
"""

import sys
import time

PERIOD = 0.1  # seconds: busy for ``share`` of it, asleep for the rest


def spin(share: float) -> None:
    while True:
        busy_until = time.perf_counter() + PERIOD * share
        while time.perf_counter() < busy_until:
            pass
        time.sleep(PERIOD * (1 - share))


if __name__ == "__main__":
    spin(float(sys.argv[1]))

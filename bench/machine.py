"""How fast this machine runs Python now: printed by the benchmarks whose targets are
absolute (letters/s, messages/s), so that runs on different days or machines compare
(the 2-vCPU VM of the November 2026 figures: 0.43–0.47 s)."""

from __future__ import annotations

import time


def python_loop_seconds(steps: int = 10_000_000) -> float:
    """Seconds for a plain Python loop of `steps` additions (the best of three)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(steps):
            total += i
        best = min(best, time.perf_counter() - start)
    return best


def describe() -> str:
    return f"  machine: a 10-million-step Python loop takes {python_loop_seconds():.2f} s"

"""Benchmark: statements of account for 100,000 claims, 3 payments each, across 4 semesters.

Prints claims per second for recouvra.law.statement and the ratio to a floor that only
does the bare interest multiplications for the same periods (no allocation, no
objects, no rounding). The issue aims at 20,000 claims per second or more.

    python bench/law_statement.py [--claims N]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta

from recouvra.law.interest import split_periods
from recouvra.law.rates import packaged_tables
from recouvra.law.statement import StatementClaim, StatementPayment, statement

AS_OF = date(2026, 6, 30)  # four semesters after the first due dates (2024-S2 … 2026-S1)


def make_data(count: int, seed: int = 7) -> list[tuple[StatementClaim, list[StatementPayment]]]:
    rng = random.Random(seed)
    data = []
    for i in range(count):
        due = date(2024, 7, 1) + timedelta(days=rng.randrange(0, 120))
        principal = rng.randrange(5_000, 5_000_000)
        claim = StatementClaim(f"FA-{i}", principal, due, debtor_is_professional=True)
        days = sorted(rng.sample(range(1, (AS_OF - due).days), 3))
        payments = [
            StatementPayment(f"P{i}-{k}", due + timedelta(days=d), principal // 5)
            for k, d in enumerate(days)
        ]
        data.append((claim, payments))
    return data


def run_statements(data: list) -> int:
    tables = packaged_tables()
    total = 0
    for claim, payments in data:
        total += statement([claim], payments, [], as_of=AS_OF, tables=tables).balance_cents
    return total


def run_floor(data: list) -> int:
    """The bare arithmetic: principal × rate × days / 365 for each period, nothing else."""
    tables = packaged_tables()
    rates = {}
    total = 0
    for claim, payments in data:
        cuts = tuple(p.received_on + timedelta(days=1) for p in payments)
        principal = claim.principal_cents
        for first, last in split_periods(claim.due_date + timedelta(days=1), AS_OF, cuts):
            key = (first.year, first.month <= 6)
            if key not in rates:
                rates[key] = int(tables.statutory_penalty_rate(first).percent * 100)
            total += principal * rates[key] * ((last - first).days + 1) // 3_650_000
    return total


def timed(fn, data: list) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn(data)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    count = parser.parse_args().claims
    data = make_data(count)
    floor = timed(run_floor, data)
    real = timed(run_statements, data)
    print(f"law_statement: {count} claims × 3 payments over 4 semesters")
    print(f"  statement: {real:.2f} s = {count / real:,.0f} claims/s (aim: 20,000)")
    print(f"  floor (bare multiplications): {floor:.2f} s = {count / floor:,.0f} claims/s")
    print(f"  ratio statement / floor: {real / floor:.2f}×")


if __name__ == "__main__":
    main()

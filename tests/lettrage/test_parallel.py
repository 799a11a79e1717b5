"""A long statement is decided in a second process while this one stores: same result."""

from __future__ import annotations

import os
from datetime import date, timedelta
from unittest import mock

from django.test import override_settings

from recouvra.ledger.models import Payment
from recouvra.lettrage import decide
from recouvra.lettrage.matching import Line, Matcher, OpenClaim, payers_of
from recouvra.lettrage.models import MatchProposal
from recouvra.lettrage.remittance import NameIndex

from .test_reconcile import ReconcileTestCase

DAY = date(2026, 3, 2)


DEBTORS = {d: (f"Garage Client{chr(65 + d)}", "") for d in range(7)}


def engine() -> Matcher:
    claims = [
        OpenClaim(n, f"FA-2026-{n:06d}", n % 7, 1, 10_000 + n, DAY - timedelta(days=n % 30))
        for n in range(1, 200)
    ]
    return Matcher(claims, DEBTORS)


def names() -> NameIndex:
    return NameIndex({d: name for d, (name, _iban) in DEBTORS.items()})


def statement() -> list[Line]:
    lines = []
    for n in range(1, 120):
        label = f"VIR FACTURE FA-2026-{n:06d}" if n % 3 else f"VIR GARAGE CLIENT{chr(65 + n % 7)}"
        amount = 10_000 + n if n % 5 else 5_000
        lines.append(Line(n, amount, "EUR", DAY, label, "", "", "", "", ""))
    return lines


def summary(chunks: list[list[decide.Decision]]) -> list[tuple]:
    return [(d.position, d.claim_ids, d.score, d.sure, d.split) for chunk in chunks for d in chunk]


def test_the_child_process_decides_as_this_one_does() -> None:
    with mock.patch.object(decide, "CHUNK", 7):  # several chunks through the pipe
        here = list(decide._decide(decide.Job(engine(), statement(), {}, 90)))
        there = list(decide._from_child(decide.Job(engine(), statement(), {}, 90)))
    assert len(here) > 2
    assert summary(there) == summary(here)
    assert any(d.sure for d in here[0]) and any(not d.sure for d in here[0])


def test_the_payers_read_aside_are_those_the_engine_reads() -> None:
    lines = statement()
    # forked whatever other threads the test session runs (a live server, after e2e)
    with (
        mock.patch.object(decide, "_can_fork", return_value=True),
        decide.payers_aside(names(), lines) as payers,
    ):
        found = payers()
    assert found == payers_of(names(), lines)
    assert sum(1 for names_found in found if names_found) == 39  # "VIR GARAGE CLIENTx"
    told = engine()
    told.know_payers(lines, found)
    with mock.patch.object(decide, "CHUNK", 7):
        here = list(decide._decide(decide.Job(engine(), lines, {}, 90)))
        there = list(decide._from_child(decide.Job(told, lines, {}, 90)))
    assert summary(there) == summary(here)


def test_without_a_second_process_the_engine_reads_the_names_itself() -> None:
    with (
        override_settings(RECONCILE_PARALLEL_MIN_LINES=10**6),
        decide.payers_aside(names(), statement()) as payers,
    ):
        assert payers() is None


class ParallelRunTestCase(ReconcileTestCase):
    @override_settings(RECONCILE_PARALLEL_MIN_LINES=2)
    def test_a_payment_stored_in_one_chunk_counts_for_the_next(self) -> None:
        if (os.cpu_count() or 1) < 2:
            self.skipTest("one processor: the run decides in its own process")
        self.assertTrue(decide._can_fork(3))
        self.claim(125_000, "FA-1001")
        self.claim(80_000, "FA-1002")
        self.line(125_000, "FACTURE FA-1001")
        self.line(125_000, "FACTURE FA-1001", booking_date=date(2026, 3, 3))
        other = self.line(80_000, "FACTURE FA-1002", booking_date=date(2026, 3, 4))
        with mock.patch.object(decide, "CHUNK", 1):
            self.propose(threshold=90)
        self.assertEqual(Payment.objects.count(), 2)
        duplicate = MatchProposal.objects.get(status="pending")  # the second copy waits
        self.assertIn("duplicate", [r["signal"] for r in duplicate.reasons])
        self.assertEqual(self.proposed(other), {"FA-1002"})
        self.assertEqual(MatchProposal.objects.filter(status="applied").count(), 2)

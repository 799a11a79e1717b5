"""The engine on ledgers it was not tuned for: the independent generator (payers.py,
written from how payers and banks behave) at a small size, a guard against regressions.
bench/reconcile.py measures it at the size of a month of a real creditor (3,000 debtors,
2,000 credits), where the targets are 99.5 % precision and 75 % recall."""

from __future__ import annotations

from recouvra.lettrage.reconcile import propose_matches

from ..base import RecouvraTestCase, make_creditor, make_org
from . import payers, world

SEEDS = (1, 2, 3, 4, 5, 6)


class IndependentWorldTestCase(RecouvraTestCase):
    def figures(self, seed: int) -> world.Figures:
        """One world per tenant, matched as a statement import would."""
        org = make_org(f"Monde {seed}")
        generated = payers.generate(seed, debtors=120, invoices=800, credits=150)
        loaded = world.load(generated, org, make_creditor(org))
        propose_matches(org.pk)
        return world.measure(loaded)

    def test_automatic_matches_are_right_and_most_payments_are_matched(self) -> None:
        total = world.Figures()
        for seed in SEEDS:
            figures = self.figures(seed)
            for name in ("ours", "applied", "applied_right", "waiting", "first_right"):
                setattr(total, name, getattr(total, name) + getattr(figures, name))
            total.wrong += figures.wrong
        self.assertGreaterEqual(total.precision, 0.995, total.wrong)
        self.assertGreaterEqual(total.recall, 0.70, total.summary())
        self.assertGreaterEqual(total.right_first, 0.72, total.summary())

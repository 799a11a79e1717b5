"""The bridge between recouvra.law (pure Python) and the database: rates entered in the app."""

from __future__ import annotations

from recouvra.law.rates import RateOverride, RateTables, packaged_tables

from .models import LawRate


def rate_tables(*, allow_unverified: bool = True) -> RateTables:
    """The packaged tables plus the rates entered in Paramètres → Taux.

    Screens and letters use unverified rates, flagged "taux à confirmer" (DESIGN §2);
    pass allow_unverified=False for figures that must rest on confirmed rates only.
    """
    overrides = [
        RateOverride(r.kind, r.semester, r.percent, r.verified, r.source)
        for r in LawRate.objects.all()
    ]
    return packaged_tables(allow_unverified=allow_unverified).with_overrides(overrides)

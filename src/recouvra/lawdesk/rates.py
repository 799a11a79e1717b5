"""The bridge between recouvra.law (pure Python) and the database: the rate tables with the
rates entered in the app, and their table in Paramètres → Taux, one row per semester."""

from __future__ import annotations

from datetime import date
from typing import Any

from recouvra.law.rates import RateOverride, RateTables, packaged_tables
from recouvra.law.tables import RateUnavailable

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


def _cell(get: Any, day: date) -> dict[str, Any]:
    try:
        rate = get(day)
    except RateUnavailable as missing:
        return {"percent": None, "status": missing.reason, "source": ""}
    return {
        "percent": rate.percent,
        "status": "verified" if rate.verified else "unverified",
        "source": rate.source,
    }


def rate_rows(tables: RateTables) -> list[dict[str, Any]]:
    """Newest semester first, from 2015-S1 to the semester after the last known one."""
    semesters = tables.known_semesters("ecb_reference") + tables.known_semesters("legal_other")
    last_year = max(int(s[:4]) for s in semesters)
    rows = []
    for year in range(last_year, 2014, -1):
        for half in (2, 1):
            day = date(year, 1 if half == 1 else 7, 1)
            cells = [
                _cell(tables.statutory_penalty_rate, day),
                _cell(tables.contractual_floor, day),
                _cell(lambda d: tables.legal_rate(d, creditor_is_consumer=True), day),
                _cell(lambda d: tables.legal_rate(d, creditor_is_consumer=False), day),
            ]
            rows.append({"semester": f"{year}-S{half}", "cells": cells})
    return rows

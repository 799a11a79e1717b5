"""The table of rates shown in Paramètres → Taux, one row per semester."""

from __future__ import annotations

from datetime import date
from typing import Any

from recouvra.law.rates import RateTables
from recouvra.law.tables import RateUnavailable


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

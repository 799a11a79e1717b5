"""Ageing buckets prepared for display (label, amount, share of the total)."""

from __future__ import annotations

from typing import Any

from .models import AGEING_BUCKETS


def ageing_rows(buckets: dict[str, int]) -> dict[str, Any]:
    total = sum(buckets.values())
    rows = [
        {
            "key": key,
            "label": label,
            "cents": buckets[key],
            # integer per-mille for bar widths: no float near money
            "permille": (buckets[key] * 1000 // total) if total else 0,
        }
        for key, label in AGEING_BUCKETS
    ]
    return {"rows": rows, "total": total}

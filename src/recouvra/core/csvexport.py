"""Every CSV the project hands out goes through here, so that no cell runs as a formula.

A spreadsheet opening a CSV treats a cell beginning with = + - @ (or a tab or carriage
return before them) as a formula: a file name or a label chosen by someone else could
then run one on the reader's machine (CSV injection, OWASP). Such a text cell is prefixed
with a single quote, which spreadsheets show as text. A cell that is a plain number
("-12,50", "-1 234,56 €", or an int) is left as it is: a negative amount must stay a
number, and a plain number cannot hold a formula.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# a signed number in French or English notation, spaces grouping thousands, maybe a € sign
_PLAIN_NUMBER = re.compile(r"^[+-]?\d[\d \u00a0\u202f]*(?:[.,]\d+)?(?:[ \u00a0]?€)?$")


def safe_cell(value: Any) -> Any:
    """The value to write in a CSV cell: formula-like text quoted, the rest unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def csv_response(
    filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]
) -> HttpResponse:
    """A CSV download that Excel opens well in France (UTF-8 with a BOM, ";" between cells),
    every cell through safe_cell."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return response

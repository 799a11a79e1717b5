"""Open-items files (balance âgée, relevé de compte client, export "factures non réglées")
as CSV or XLSX → Ledger.

Pure Python (no Django). The columns are recognised by their header, whatever the
accents, case, spaces and punctuation ("N° facture", "Date d'échéance", "Reste dû"...);
`mapping` (header → field, what the column-mapping screen saves for a source) replaces
the guess: the columns it does not name are ignored. Title lines before the header are skipped.

Fields (LedgerClaim): reference and amount are required; amount is "amount_cents", or a
"debit"/"credit" pair (amount = debit − credit). SIREN or SIRET columns both give
debtor_siren (first 9 digits of a SIRET).

A row that cannot be read (missing reference, bad amount or date, a reference already
seen in the file) becomes a RowError and the other rows are kept; blank rows, rows of
totals and rows with nothing left to pay (amount 0) are skipped. A file without a header
that we recognise raises ParseError naming the file and listing the columns it has.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, islice
from typing import Any

from recouvra.imports.parsers.tabular import (
    HEADER_SCAN_ROWS,
    MAX_COLUMNS,
    AmountError,
    DateError,
    EncodingError,
    decode,
    detect_separator,
    find_header_row,
    normalize_header,
    parse_cents,
    parse_date,
    too_many_columns,
    trim_row,
)
from recouvra.imports.records import (
    Ledger,
    LedgerClaim,
    ParseError,
    RowError,
    date_out_of_range_reason,
)
from recouvra.law.dates import DateOutOfRange, check_date
from recouvra.law.money import MAX_CENTS, AmountOutOfRange, check_cents, out_of_range_reason

# field → header aliases, normalised (see tabular.normalize_header), best first: when two
# columns could give the same field, the one whose alias comes first wins (an open-items
# file with "Montant TTC" and "Reste dû" is collected on what is left to pay).
ALIASES: dict[str, tuple[str, ...]] = {
    "reference": (
        "nfacture",
        "nofacture",
        "numfacture",
        "numerofacture",
        "numerodefacture",
        "referencefacture",
        "reffacture",
        "facture",
        "invoice",
        "invoiceno",
        "invoicenumber",
        "invoiceid",
        "reference",
        "ref",
        "numero",
        "num",
        "no",
        "n",
        "npiece",
        "numeropiece",
        "piece",
        "pieceref",
        "ndocument",
        "numerodocument",
        "document",
    ),
    "issue_date": (
        "datefacture",
        "datedefacture",
        "datepiece",
        "datedocument",
        "dateemission",
        "datedemission",
        "invoicedate",
        "issuedate",
        "piecedate",
        "date",
        "dateecriture",
    ),
    "due_date": (
        "echeance",
        "datedecheance",
        "dateecheance",
        "dateech",
        "duedate",
        "datelimitedepaiement",
        "datedepaiement",
    ),
    "amount_cents": (
        "restedu",
        "resteapayer",
        "montantrestant",
        "montantrestantdu",
        "soldedu",
        "montantdu",
        "solde",
        "openamount",
        "amountdue",
        "balance",
        "montantttc",
        "totalttc",
        "ttc",
        "montant",
        "amount",
    ),
    "debit": ("debit", "montantdebit", "debits"),
    "credit": ("credit", "montantcredit", "credits"),
    "currency": ("devise", "monnaie", "currency", "codedevise", "idevise"),
    "debtor_name": (
        "raisonsociale",
        "client",
        "nomclient",
        "nomduclient",
        "nom",
        "debiteur",
        "denomination",
        "societe",
        "tiers",
        "customer",
        "customername",
        "libelleclient",
        "intitule",
    ),
    "debtor_siren": ("siren", "nsiren", "numerosiren", "siret", "nsiret", "numerosiret"),
    "debtor_vat": (
        "tvaintracom",
        "tvaintracommunautaire",
        "ntvaintracom",
        "ntvaintracommunautaire",
        "numerotva",
        "ntva",
        "notva",
        "vat",
        "vatnumber",
        "vatid",
    ),
    "debtor_account": (
        "codeclient",
        "compte",
        "compteclient",
        "comptetiers",
        "compteauxiliaire",
        "numeroclient",
        "nclient",
        "compauxnum",
        "customerid",
        "account",
    ),
}
FIELDS = tuple(ALIASES)
FIELD_ALIASES = {"amount": "amount_cents", "debtor_siret": "debtor_siren"}  # in a mapping
IGNORE = ("", "ignore", "ignorer")  # a mapping value that drops a column
_RANK = {
    alias: (field, rank) for field, names in ALIASES.items() for rank, alias in enumerate(names)
}

LABELS = {  # French names, for messages
    "reference": "référence",
    "issue_date": "date",
    "due_date": "échéance",
    "amount_cents": "montant",
    "debit": "débit",
    "credit": "crédit",
    "currency": "devise",
    "debtor_name": "client",
    "debtor_siren": "SIREN",
    "debtor_vat": "TVA intracommunautaire",
    "debtor_account": "compte client",
}

Row = tuple[int, Sequence[Any]]  # (line or row number in the file, cells)


# Column mapping ---------------------------------------------------------------------------


def guess_mapping(headers: Sequence[object]) -> dict[str, str]:
    """{header: field} for the headers we recognise (one column per field, best alias)."""
    return {str(headers[index]): field for field, index in _guess_indices(headers).items()}


def _guess_indices(headers: Sequence[object]) -> dict[str, int]:
    best: dict[str, tuple[int, int]] = {}  # field → (rank, column)
    for column, header in enumerate(headers):
        known = _RANK.get(normalize_header(header))
        if known is None:
            continue
        field, rank = known
        if field not in best or rank < best[field][0]:
            best[field] = (rank, column)
    return {field: column for field, (_, column) in best.items()}


def _header_score(row: Sequence[object]) -> int:
    return len(_guess_indices(row))


def _check_mapping(mapping: dict[str, str], filename: str) -> dict[str, str]:
    """Normalised header → field (or "" to drop the column)."""
    checked: dict[str, str] = {}
    for header, field in mapping.items():
        name = (field or "").strip()
        name = FIELD_ALIASES.get(name, name)
        if name in IGNORE:
            name = ""
        elif name not in FIELDS:
            raise ParseError(
                f"champ inconnu dans la correspondance des colonnes : « {field} » "
                f"(champs possibles : {', '.join(FIELDS)})",
                file=filename,
            )
        checked[normalize_header(header)] = name
    return checked


def _indices_with_mapping(headers: Sequence[object], mapping: dict[str, str]) -> dict[str, int]:
    """The mapping alone decides (the mapping screen shows the guess and saves every choice):
    a column it does not name is ignored."""
    normalised = [normalize_header(header) for header in headers]
    indices: dict[str, int] = {}
    for header, field in mapping.items():
        if field and header in normalised and field not in indices:
            indices[field] = normalised.index(header)
    return indices


def _mapping_score(mapping: dict[str, str]):
    def score(row: Sequence[object]) -> int:
        cells = {normalize_header(cell) for cell in row}
        return sum(1 for header in mapping if header in cells)

    return score


# Reading the table ------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    header_line: int
    rows: Iterable[Row]  # the rows after the header, read as they are needed
    indices: dict[str, int]


def read_table(
    data: bytes,
    filename: str = "",
    *,
    mapping: dict[str, str] | None = None,
    max_rows: int | None = None,
) -> tuple[list[str], list[list[str]]]:
    """(headers, rows as text) of a CSV or XLSX file, for the column-mapping preview.

    The header row is the first one we recognise (or, failing that, the first non-blank
    row, so that the user can map the columns by hand); blank rows are left out. With
    `max_rows`, only that many rows after the header are read.
    """
    checked = _check_mapping(mapping, filename) if mapping else None
    head, rest = _head_and_rest(
        _xlsx_rows(data, filename) if _is_xlsx(data) else _csv_rows(data, filename)
    )
    at = _find_header(head, checked)
    if at is None:
        at = next((i for i, (_, cells) in enumerate(head) if not _blank(cells)), None)
        if at is None:
            return [], []
    headers = [_text(cell) for cell in head[at][1]]
    width = len(headers)
    rows: list[list[str]] = []
    for _, cells in chain(head[at + 1 :], rest):
        if max_rows is not None and len(rows) >= max_rows:
            break
        if _blank(cells):
            continue
        texts = [_text(cell) for cell in cells]
        rows.append((texts + [""] * width)[: max(width, len(texts))])
    return headers, rows


def _head_and_rest(rows: Iterator[Row]) -> tuple[list[Row], Iterator[Row]]:
    """The rows where the header may be (read now), and an iterator over the others."""
    return list(islice(rows, HEADER_SCAN_ROWS)), rows


def _is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _find_header(rows: Sequence[Row], mapping: dict[str, str] | None) -> int | None:
    """The header row: with a mapping, the first row holding all its headers (else the
    most of them); without, the first row with at least two column names we know."""
    cells = [row for _, row in rows]
    if mapping:
        score = _mapping_score(mapping)
        for minimum in range(len(mapping), 0, -1):
            found = find_header_row(cells, score, minimum=minimum)
            if found is not None:
                return found
    return find_header_row(cells, _header_score, minimum=2)


def _table(rows: Iterator[Row], filename: str, mapping: dict[str, str] | None) -> Table:
    checked = _check_mapping(mapping, filename) if mapping else None
    head, rest = _head_and_rest(rows)
    at = _find_header(head, checked)
    if at is None:
        found = _columns_found(head)
        raise ParseError(
            "aucune ligne d'en-tête reconnue (il faut au moins la référence et le montant) ; "
            f"colonnes trouvées : {found or '(aucune)'}",
            file=filename,
        )
    header_line, header_cells = head[at]
    headers = [_text(cell) for cell in header_cells]
    indices = _indices_with_mapping(headers, checked) if checked else _guess_indices(headers)
    missing = [
        LABELS[field]
        for field, present in (
            ("reference", "reference" in indices),
            ("amount_cents", "amount_cents" in indices or "debit" in indices),
        )
        if not present
    ]
    if missing:
        raise ParseError(
            f"colonne obligatoire absente : {', '.join(missing)} ; "
            f"colonnes trouvées : {', '.join(h for h in headers if h) or '(aucune)'}",
            file=filename,
            line=header_line,
        )
    rows_after = chain(head[at + 1 :], rest)
    return Table(headers=headers, header_line=header_line, rows=rows_after, indices=indices)


def _columns_found(rows: Sequence[Row]) -> str:
    for _, cells in rows:
        names = [_text(cell) for cell in cells if _text(cell)]
        if names:
            return ", ".join(f"« {name} »" for name in names[:30])
    return ""


def _csv_rows(data: bytes, filename: str) -> Iterator[Row]:
    """The rows of a delimited text, one at a time, trailing empty cells left out; a row
    with a value past MAX_COLUMNS stops the reading with a ParseError."""
    try:
        text, _ = decode(data)
    except EncodingError as exc:
        raise ParseError(str(exc), file=filename) from exc
    if "\x00" in text:
        raise ParseError("fichier binaire, pas un fichier texte", file=filename)
    separator = detect_separator(text[:65536].splitlines()) or ";"
    return _csv_reader_rows(text, separator, filename)


def _csv_reader_rows(text: str, separator: str, filename: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        for cells in reader:
            row = trim_row(cells)
            if len(row) > MAX_COLUMNS:
                raise too_many_columns(filename, reader.line_num, len(row))
            yield reader.line_num, row
    except csv.Error as exc:
        raise ParseError(f"CSV illisible : {exc}", file=filename, line=reader.line_num) from exc


def _xlsx_rows(data: bytes, filename: str) -> Iterator[Row]:
    """The rows of the first sheet that has a header we recognise (else the first sheet),
    one at a time (see _sheet_rows)."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ParseError(f"classeur XLSX illisible : {exc}", file=filename) from exc
    return _book_rows(book, filename)


def _book_rows(book: Any, filename: str) -> Iterator[Row]:
    try:
        for sheet in book.worksheets:
            head, rest = _head_and_rest(_sheet_rows(book, sheet, filename))
            if _find_header(head, None) is not None:
                yield from chain(head, rest)
                return
        if book.worksheets:
            yield from _sheet_rows(book, book.worksheets[0], filename)
    finally:
        book.close()


def _sheet_rows(book: Any, sheet: Any, filename: str) -> Iterator[Row]:
    """(row number, values) of a read-only sheet, up to the last non-empty cell.

    openpyxl's iter_rows pads every row to the sheet's declared width, or to the row's last
    cell: one cell in column XFD gives a row of 16,384 values (a 100 KB file then takes
    gigabytes). So the rows come from the reader iter_rows itself runs on
    (WorkSheetParser, fed as ReadOnlyWorksheet feeds it), as the cells present in the file,
    and are never padded; a value past MAX_COLUMNS is a ParseError naming its cell.
    """
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import WorkSheetParser

    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            present = {
                cell["column"]: cell["value"] for cell in cells if not _blank([cell["value"]])
            }
            last = max(present, default=0)
            if last > MAX_COLUMNS:
                raise too_many_columns(filename, number, last, get_column_letter(last))
            row: list[object] = [None] * last
            for column, value in present.items():
                row[column - 1] = value
            yield number, row


# Cells ------------------------------------------------------------------------------------


def _blank(cells: Iterable[object]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # an invoice number 1234 stored as 1234.0
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


_MAX_UNITS = MAX_CENTS // 100  # the ceiling in euros, for cells that hold numbers


def _cents(cell: object) -> int:
    """Cents of an amount cell: text goes through parse_amount; numbers come from XLSX.

    An XLSX number cell is a float (Excel stores IEEE doubles): it is converted once, via
    its shortest repr, Decimal(str(value)), rounded explicitly to 2 places half away from
    zero. That is the one float → money conversion in the project, and it is unavoidable.
    Past the ceiling (recouvra.law.money.MAX_CENTS): AmountOutOfRange, checked before any
    conversion so that 1e300 is refused rather than overflowing Decimal's precision.
    """
    if isinstance(cell, bool) or _is_nan(cell):
        raise AmountError(f"not an amount: {cell!r}")
    if isinstance(cell, (int, float, Decimal)) and not -_MAX_UNITS <= cell <= _MAX_UNITS:
        raise AmountOutOfRange(cell)  # infinities included
    if isinstance(cell, int):
        return cell * 100
    if isinstance(cell, float):
        value = Decimal(str(cell)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return int(value * 100)
    if isinstance(cell, Decimal):
        return int(cell.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
    return parse_cents(str(cell))


def _is_nan(cell: object) -> bool:
    if isinstance(cell, Decimal):
        return cell.is_nan()
    return isinstance(cell, float) and cell != cell


_EXCEL_SERIAL_MAX = 2958465  # 9999-12-31


def _date(cell: object) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        # a date typed in a cell formatted as a number: Excel's serial day
        if 1 <= cell <= _EXCEL_SERIAL_MAX:
            from openpyxl.utils.datetime import from_excel

            value = from_excel(cell)
            return value.date() if isinstance(value, datetime) else value
        raise DateError(f"not a date: {cell!r}")
    return parse_date(str(cell))


def _siren(text: str) -> str | None:
    digits = "".join(char for char in text if char.isdigit())
    if len(digits) in (9, 14) and len(digits) >= len(text.replace(" ", "").replace(".", "")):
        return digits[:9]
    return None


# Building the ledger ----------------------------------------------------------------------


def _ledger(table: Table, format: str, filename: str) -> Ledger:
    ledger = Ledger(format=format)
    index = table.indices
    seen: dict[str, int] = {}
    settled = 0

    def cell(cells: Sequence[Any], field: str) -> Any:
        column = index.get(field)
        if column is None or column >= len(cells):
            return None
        value = cells[column]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def error(line: int, field: str, reason: str) -> None:
        ledger.errors.append(RowError(line=line, field=field, reason=reason, file=filename))

    for line, cells in table.rows:
        if _blank(cells):
            continue
        reference = _text(cell(cells, "reference"))
        if _is_total(reference, cells, cell(cells, "issue_date")):
            ledger.warnings.append(f"ligne {line} : ligne de total ignorée")
            continue
        if not reference:
            error(line, "reference", "référence manquante")
            continue

        amount, reason = _amount(
            cell(cells, "amount_cents"),
            cell(cells, "debit"),
            cell(cells, "credit"),
            "amount_cents" in index,
        )
        if reason:
            field = "amount_cents" if "amount_cents" in index else "debit"
            error(line, field, reason)
            continue

        dates: dict[str, date | None] = {}
        for field in ("issue_date", "due_date"):
            raw = cell(cells, field)
            try:
                dates[field] = None if raw is None else check_date(_date(raw))
            except DateOutOfRange:
                error(line, field, f"{date_out_of_range_reason()} : « {_shown(raw)} »")
                break
            except (DateError, ValueError, OverflowError):
                error(line, field, f"date illisible : « {_shown(raw)} »")
                break
        if len(dates) < 2:  # a date could not be read
            continue
        currency = _text(cell(cells, "currency")).upper() or "EUR"
        currency = {"€": "EUR", "EURO": "EUR", "EUROS": "EUR"}.get(currency, currency)
        if not (len(currency) == 3 and currency.isalpha() and currency.isascii()):
            error(line, "currency", f"devise illisible : « {currency} »")
            continue
        if reference in seen:
            error(
                line,
                "reference",
                f"référence en double : « {reference} » (déjà ligne {seen[reference]})",
            )
            continue
        seen[reference] = line
        if amount == 0:
            settled += 1
            continue
        siren_text = _text(cell(cells, "debtor_siren"))
        siren = _siren(siren_text) if siren_text else ""
        if siren is None:
            ledger.warnings.append(
                f"ligne {line} : SIREN/SIRET illisible « {siren_text} », laissé vide"
            )
            siren = ""
        ledger.claims.append(
            LedgerClaim(
                reference=reference,
                issue_date=dates["issue_date"],
                due_date=dates["due_date"],
                amount_cents=amount,
                currency=currency,
                debtor_name=_text(cell(cells, "debtor_name")),
                debtor_siren=siren,
                debtor_vat=_text(cell(cells, "debtor_vat")).replace(" ", "").upper(),
                debtor_account=_text(cell(cells, "debtor_account")),
                line_no=line,
            )
        )
    if settled:
        ledger.warnings.append(f"{settled} ligne(s) soldée(s) (montant nul) ignorée(s)")
    return ledger


_TOTAL_WORDS = ("total", "soustotal", "totaux")


def _is_total(reference: str, cells: Sequence[Any], issue_date: Any) -> bool:
    """A row of totals: "Total" in the reference column (and no date), or no reference
    and "Total…" in another cell."""
    if reference:
        return issue_date is None and normalize_header(reference).startswith(_TOTAL_WORDS)
    return any(
        normalize_header(value).startswith(_TOTAL_WORDS)
        for value in cells
        if isinstance(value, str) and value.strip()
    )


def _amount(amount: Any, debit: Any, credit: Any, single: bool) -> tuple[int, str]:
    """(cents, "") or (0, reason in French)."""
    if single:
        if amount is None:
            return 0, "montant manquant"
        try:
            return _cents(amount), ""
        except AmountOutOfRange:
            return 0, f"{out_of_range_reason()} : « {_shown(amount)} »"
        except AmountError:
            return 0, f"montant illisible : « {_shown(amount)} »"
    if debit is None and credit is None:
        return 0, "montant manquant (ni débit ni crédit)"
    total = 0
    for value, sign, label in ((debit, 1, "débit"), (credit, -1, "crédit")):
        if value is None:
            continue
        try:
            total += sign * _cents(value)
        except AmountOutOfRange:
            return 0, f"{label} : {out_of_range_reason()} : « {_shown(value)} »"
        except AmountError:
            return 0, f"{label} illisible : « {_shown(value)} »"
    try:
        return check_cents(total), ""
    except AmountOutOfRange:
        return 0, out_of_range_reason()


def _shown(cell: object, limit: int = 40) -> str:
    """A cell's text for a message, cut when it is long (a hostile cell may be huge)."""
    text = _text(cell)
    return text if len(text) <= limit else text[:limit] + "…"


# Entry points -----------------------------------------------------------------------------


def parse_ledger_csv(
    data: bytes, *, filename: str = "", mapping: dict[str, str] | None = None
) -> Ledger:
    """Open items from a delimited text file (; TAB , |), any of UTF-8/Windows-1252/Latin-9."""
    return _ledger(_table(_csv_rows(data, filename), filename, mapping), "csv", filename)


def parse_ledger_xlsx(
    data: bytes, *, filename: str = "", mapping: dict[str, str] | None = None
) -> Ledger:
    """Open items from an Excel workbook (first sheet with a recognisable header)."""
    return _ledger(_table(_xlsx_rows(data, filename), filename, mapping), "xlsx", filename)

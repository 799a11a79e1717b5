"""FEC (Fichier des Écritures Comptables, LPF art. A47 A-1) → the open customer items.

Pure Python (no Django). A FEC is one header line, then one line per accounting entry
line, with the 18 columns of FEC_COLUMNS (or Montant + Sens instead of Debit + Credit),
TAB or | separated. What real exports do and this parser reads: ISO-8859-15 (or
Windows-1252, UTF-8, with or without BOM), space-padded fixed-width fields, zero-padded
amounts ("0000000074,70"), a trailing separator on every line, CRLF or LF, no final
newline, columns found by their header name (case-insensitive, so "MontantDevise" is fine).

Open items: lines on a customer account, i.e. CompteNum starting with 411 (the collective
411 with customer sub-accounts in CompAuxNum, or individual 411xxx accounts), that are not
lettered (EcritureLet empty or blank). They are grouped per (customer account, PieceRef):
amount = Σ debit − Σ credit (positive: the customer owes; a negative group is a credit
the customer has, e.g. an unmatched payment; a zero group is skipped).
- reference = PieceRef (EcritureNum when PieceRef is empty);
- issue_date = the earliest PieceDate of the group (EcritureDate when missing);
- due_date = None: the FEC has no due-date column (the "EcritureLib" free text sometimes
  names one, but not in any reliable form), so the import applies the creditor's
  payment terms;
- debtor_account = CompAuxNum, else CompteNum; debtor_name = CompAuxLib, else CompteLib.

Speed: the file is read as bytes, each line is split once; only lines on 411 accounts are
looked at further and only they are decoded. Every line's amounts are added up as well, so
that a FEC whose debits and credits differ (a truncated export, often) is flagged.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from recouvra.imports.parsers.tabular import (
    MAX_COLUMNS,
    AmountError,
    DateError,
    EncodingError,
    detect_encoding,
    parse_cents,
    parse_date,
    too_many_columns,
)
from recouvra.imports.records import Ledger, LedgerClaim, ParseError, RowError
from recouvra.law.money import format_amount

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
MONTANT_SENS_COLUMNS = (*FEC_COLUMNS[:11], "Montant", "Sens", *FEC_COLUMNS[13:])
CUSTOMER_PREFIX = b"411"  # "clients" accounts (PCG class 41)
MAX_ERRORS = 1000  # RowErrors kept; beyond, one warning says how many more
SEPARATORS = (b"\t", b"|", b";")  # ";" is not allowed by the norm but seen in the wild


@dataclass
class FecLayout:
    """What the header line says about the file."""

    encoding: str
    separator: bytes
    columns: list[str]  # the header names, trailing empty ones dropped
    width: int  # fields per line in the header, trailing separator included
    index: dict[str, int]  # lower-case column name → position
    variant: str  # "debit_credit" or "montant_sens"
    body: bytes  # the bytes to read lines from (re-encoded to UTF-8 for UTF-16 input)
    start: int  # offset of the first line after the header


def fec_layout(data: bytes, filename: str = "") -> FecLayout:
    """Read the header line; ParseError when it is not a FEC header."""
    try:
        encoding = detect_encoding(data)
    except EncodingError as exc:
        raise ParseError(str(exc), file=filename) from exc
    body = data
    if encoding.startswith("utf-16"):
        body = data.decode(encoding, "replace").lstrip("\ufeff").encode("utf-8")
        encoding = "utf-8"
    offset = 3 if encoding == "utf-8-sig" else 0
    if b"\n" not in body[:65536] and b"\r" in body[:65536]:  # old Mac line ends
        body = body.replace(b"\r", b"\n")
    while body[offset : offset + 1] in (b"\n", b"\r"):  # blank lines before the header
        offset += 1
    end = body.find(b"\n", offset)
    end = len(body) if end < 0 else end
    header = body[offset:end].rstrip(b"\r")
    separator = max(SEPARATORS, key=header.count)
    names = [name.strip().decode(encoding, "replace") for name in header.split(separator)]
    width = len(names)
    while names and not names[-1]:
        names.pop()
    if len(names) > MAX_COLUMNS:  # every line would then be split that wide
        raise too_many_columns(filename, 1, len(names))
    index = {name.lower(): position for position, name in enumerate(names)}
    if "montant" in index and "sens" in index and "debit" not in index:
        variant = "montant_sens"
    else:
        variant = "debit_credit"
    wanted = (
        ("comptenum", "montant", "sens")
        if variant == "montant_sens"
        else (
            "comptenum",
            "debit",
            "credit",
        )
    )
    missing = [name for name in ("journalcode", *wanted) if name not in index]
    if missing or header.count(separator) < 5:
        shown = header[:200].decode(encoding, "replace")
        raise ParseError(
            "en-tête FEC introuvable : la première ligne doit nommer les 18 colonnes "
            f"(JournalCode, JournalLib, EcritureNum… Debit, Credit ou Montant, Sens) ; "
            f"trouvé : « {shown} »",
            file=filename,
            line=1,
        )
    return FecLayout(
        encoding=encoding,
        separator=separator,
        columns=names,
        width=width,
        index=index,
        variant=variant,
        body=body,
        start=end + 1,
    )


def iter_fec_rows(
    data: bytes, filename: str = "", *, errors: list[RowError] | None = None
) -> Iterator[list[str]]:
    """Every entry line as its fields (decoded, padding stripped), in the header's order.

    That is the 18 columns of FEC_COLUMNS for a standard file (Montant and Sens at
    positions 11 and 12 for that variant; fec_layout tells which). Blank lines are
    skipped; a line with the wrong number of fields is skipped too, and reported in
    `errors` when a list is given.
    """
    layout = fec_layout(data, filename)
    separator, encoding, count = layout.separator, layout.encoding, len(layout.columns)
    text_separator = separator.decode("ascii")
    stream = io.BytesIO(layout.body)
    stream.seek(layout.start)
    for line_no, line in enumerate(stream, start=2):
        fields = line.decode(encoding, "replace").split(text_separator)
        if len(fields) != layout.width and not (
            len(fields) >= count and not "".join(fields[count:]).strip()
        ):
            if line.strip() and errors is not None:
                errors.append(_width_error(line_no, len(fields), count, filename))
            continue
        yield [field.strip() for field in fields[:count]]


def _fits(fields: list[bytes], count: int) -> bool:
    """A line without the header's trailing separator, or with one more."""
    return len(fields) >= count and not b"".join(fields[count:]).strip()


def _width_error(line_no: int, found: int, count: int, filename: str) -> RowError:
    if found <= 1:
        reason = "ligne sans séparateur (fichier tronqué ?)"
    else:
        reason = f"{found} champs au lieu de {count} (ligne tronquée ou séparateur dans un champ)"
    return RowError(line=line_no, field="", reason=reason, file=filename)


def _cents(raw: bytes) -> int:
    """Cents of a FEC amount; the usual "0000000074,70" takes the fast path."""
    if raw[-3:-2] == b",":
        digits = raw[:-3] + raw[-2:]
        if digits.isdigit():
            return int(digits)
    text = raw.strip()
    if not text:
        return 0
    return parse_cents(text.decode("latin-1"))


_ZEROS = frozenset(
    (b"", b"0", b"0,00", b"0.00", b"0,0", b"0000000000,00", b"000000000000,00", b"000000000,00")
)

_DATE_CACHE: dict[bytes, date | None] = {}


def _fec_date(raw: bytes) -> date | None:
    text = raw.strip()
    if not text:
        return None
    if text in _DATE_CACHE:
        return _DATE_CACHE[text]
    try:
        value: date | None = parse_date(text.decode("latin-1"))
    except DateError:
        value = None
    if len(_DATE_CACHE) < 100_000:
        _DATE_CACHE[text] = value
    return value


# Optional columns (the norm has them all, some exports do not) point here: an empty
# field appended to the customer lines of such files.
_ABSENT = -1


def parse_fec(data: bytes, *, filename: str = "") -> Ledger:
    """The open items (unlettered 411 lines) of a FEC, one claim per customer and piece."""
    layout = fec_layout(data, filename)
    ledger = Ledger(format="fec")
    errors = ledger.errors
    index = layout.index
    separator, width, count = layout.separator, layout.width, len(layout.columns)
    montant_sens = layout.variant == "montant_sens"
    i_account = index["comptenum"]
    if montant_sens:
        i_first, i_second = index["montant"], index["sens"]
    else:
        i_first, i_second = index["debit"], index["credit"]
    optional = [
        index.get(name, _ABSENT)
        for name in (
            "ecriturelet",
            "compauxnum",
            "compauxlib",
            "comptelib",
            "pieceref",
            "ecriturenum",
            "piecedate",
            "ecrituredate",
        )
    ]
    i_letter, i_aux, i_aux_name, i_name, i_piece, i_number, i_piece_date, i_entry_date = optional
    pad = _ABSENT in optional
    prefix, zeros, comma = CUSTOMER_PREFIX, _ZEROS, b","

    total_debit = total_credit = 0
    customer_lines = lettered = skipped = 0
    # (customer, piece) → [first line, aux name, account name, cents, number of the first
    #                      debit entry, several debit entries?, piece date, entry date]
    groups: dict[tuple[bytes, bytes], list] = {}

    stream = io.BytesIO(layout.body)
    stream.seek(layout.start)
    for line_no, line in enumerate(stream, start=2):
        fields = line.split(separator)
        if len(fields) != width and not _fits(fields, count):
            if line.strip():
                skipped += 1
                if len(errors) < MAX_ERRORS:
                    errors.append(_width_error(line_no, len(fields), count, filename))
            continue
        # amounts, inlined for speed: most are "0,00"-like or "digits,dd" (see _cents)
        first, second = fields[i_first], fields[i_second]
        try:
            if first in zeros:
                debit = 0
            elif first[-3:-2] == comma and (digits := first[:-3] + first[-2:]).isdigit():
                debit = int(digits)
            else:
                debit = _cents(first)
            if montant_sens or second in zeros:
                credit = 0
            elif second[-3:-2] == comma and (digits := second[:-3] + second[-2:]).isdigit():
                credit = int(digits)
            else:
                credit = _cents(second)
        except AmountError:
            skipped += 1
            if len(errors) < MAX_ERRORS:
                raw = b" / ".join(fields[i].strip() for i in (i_first, i_second))
                reason = f"montant illisible : « {raw.decode(layout.encoding, 'replace')} »"
                errors.append(RowError(line=line_no, field="amount", reason=reason, file=filename))
            continue
        if montant_sens:
            sign = second.strip().upper()
            if sign in (b"C", b"-", b"-1"):
                debit, credit = 0, debit
            elif sign not in (b"D", b"+", b"1", b"+1"):
                skipped += 1
                if len(errors) < MAX_ERRORS:
                    reason = f"sens illisible : « {sign.decode('latin-1')} » (D ou C attendu)"
                    errors.append(
                        RowError(line=line_no, field="sens", reason=reason, file=filename)
                    )
                continue
        total_debit += debit
        total_credit += credit

        account = fields[i_account]
        if not account.startswith(prefix) and not (
            account[:1].isspace() and account.strip().startswith(prefix)
        ):
            continue  # not a customer account (left-padded ones are rare: checked last)
        customer_lines += 1
        if pad:
            fields.append(b"")  # what the absent columns (index -1) read
        if fields[i_letter].strip():
            lettered += 1
            continue
        customer = fields[i_aux].strip() or account.strip()
        piece = fields[i_piece].strip() or fields[i_number].strip()
        key = (customer, piece)
        group = groups.get(key)
        if group is None:
            groups[key] = [
                line_no,
                fields[i_aux_name],
                fields[i_name],
                debit - credit,
                fields[i_number].strip() if debit > 0 else None,
                False,
                fields[i_piece_date],
                fields[i_entry_date],
            ]
            continue
        group[3] += debit - credit
        if debit > 0:  # several invoices (debit entries) under one PieceRef?
            number = fields[i_number].strip()
            if group[4] is None:
                group[4] = number
            elif number != group[4]:
                group[5] = True
        day = _fec_date(fields[i_piece_date]) or _fec_date(fields[i_entry_date])
        known = _fec_date(group[6]) or _fec_date(group[7])
        if day is not None and (known is None or day < known):
            group[6], group[7] = fields[i_piece_date], fields[i_entry_date]

    if skipped > len(errors):
        ledger.warnings.append(f"{skipped - len(errors)} autre(s) ligne(s) illisible(s)")
    if total_debit != total_credit:
        ledger.warnings.append(
            f"FEC déséquilibré : débits {format_amount(total_debit)}, crédits "
            f"{format_amount(total_credit)} (fichier tronqué ou incomplet ?)"
        )
    ledger.claims, zero, shared = _claims(groups, layout.encoding)
    if customer_lines == 0:
        ledger.warnings.append("aucune ligne sur un compte client (411)")
    if zero:
        ledger.warnings.append(f"{zero} pièce(s) client non lettrée(s) mais soldée(s), ignorée(s)")
    if shared:
        ledger.warnings.append(
            f"{shared} pièce(s) client regroupent plusieurs factures (même PieceRef pour "
            "plusieurs écritures au débit) : leurs montants sont additionnés"
        )
    if ledger.claims:
        ledger.warnings.append(
            "le FEC ne donne pas d'échéance : les conditions de paiement du créancier "
            "s'appliqueront"
        )
    return ledger


def _claims(
    groups: dict[tuple[bytes, bytes], list], encoding: str
) -> tuple[list[LedgerClaim], int, int]:
    claims: list[LedgerClaim] = []
    zero = shared = 0
    for (customer, piece), group in groups.items():
        line_no, aux_name, name, cents, _, several, piece_date, entry_date = group
        if cents == 0:
            zero += 1
            continue
        shared += several
        claims.append(
            LedgerClaim(
                reference=piece.decode(encoding, "replace"),
                issue_date=_fec_date(piece_date) or _fec_date(entry_date),
                due_date=None,
                amount_cents=cents,
                currency="EUR",
                debtor_name=(aux_name.strip() or name.strip()).decode(encoding, "replace"),
                debtor_account=customer.decode(encoding, "replace"),
                line_no=line_no,
            )
        )
    return claims, zero, shared

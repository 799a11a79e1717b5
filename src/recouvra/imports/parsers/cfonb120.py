"""CFONB 120 bank statements ("relevé de compte 120 caractères").

Fixed-width records of 120 characters:

- ``01`` old balance: opens a statement of one account for one day (or period);
- ``04`` movement;
- ``05`` complement of the preceding ``04`` (qualifier at positions 46-48, then text);
- ``07`` new balance: closes the statement.

Positions (1-based) shared by every record: 1-2 record code, 3-7 bank code, 8-11
operation code (04/05), 12-16 branch code, 17-19 currency, 20 number of decimals of
the amounts, 22-32 account number, 35-40 date (DDMMYY). A 04 adds 43-48 value date,
49-79 label, 91-104 amount; 01/07 have their balance at 91-104. The last character
of an amount carries its last digit and its sign: ``{`` and ``A``-``I`` are +0..+9,
``}`` and ``J``-``R`` are -0..-9.

An account is identified by bank + branch + account number + currency together (two
banks may use the same account number). Each 01 ... 07 pair becomes one
:class:`StatementAccount`; a file holding several days of one account therefore gives
several, in file order. ``line_no`` is the record index (1-based) in the file.

Leniency: records may be separated by CRLF, LF, CR, a mix, or nothing at all (then
the text is cut every 120 characters); blank lines are skipped; a record of the wrong
length is padded (or trimmed when the extra is blank) with a warning naming it; a
statement not closed by a 07 before the next 01 is kept without closing balance and
flagged. A file that cannot be a CFONB 120 statement, or that stops inside a statement
(no closing 07), raises :class:`ParseError`; a bad movement gives a :class:`RowError`
and the other records are still read. Amounts with more than two decimals (position
20 > 2) are rounded half to even to the cent, with a warning.
"""

from __future__ import annotations

from datetime import date

from recouvra.imports.parsers._text import decode_text, scaled_to_cents, split_lines, strip_controls
from recouvra.imports.records import (
    BankStatement,
    ParseError,
    RowError,
    StatementAccount,
    StatementLine,
)

__all__ = ["parse_cfonb120"]

RECORD_LENGTH = 120
_RECORD_CODES = frozenset({"01", "04", "05", "07"})
_MAX_DETAILED_WARNINGS = 20

# last character of an amount -> (last digit, sign)
_SIGN_CHARS: dict[str, tuple[str, int]] = {"{": ("0", 1), "}": ("0", -1)}
for _offset in range(9):
    _SIGN_CHARS[chr(ord("A") + _offset)] = (str(_offset + 1), 1)
    _SIGN_CHARS[chr(ord("J") + _offset)] = (str(_offset + 1), -1)

# 05 qualifiers whose text goes into the label
_LABEL_QUALIFIERS = frozenset({"LIB", "LCC", "LC2", "LCS"})
# 05 qualifiers read into a field of their own (or deliberately left out of the label)
_FIELD_QUALIFIERS = frozenset(
    {"NPY", "NBE", "NPO", "NBU", "IPY", "IBE", "IPO", "IBU", "RCN", "REF", "RUM", "MMO", "FEE"}
)


class _Warnings:
    """Warnings list with a cap on repetitive per-record messages."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._counts: dict[str, int] = {}

    def add(self, message: str) -> None:
        self.items.append(message)

    def add_repeated(self, kind: str, message: str) -> None:
        count = self._counts.get(kind, 0) + 1
        self._counts[kind] = count
        if count <= _MAX_DETAILED_WARNINGS:
            self.items.append(message)

    def finish(self) -> list[str]:
        for kind, count in self._counts.items():
            if count > _MAX_DETAILED_WARNINGS:
                self.items.append(
                    f"{count - _MAX_DETAILED_WARNINGS} more {kind} not listed ({count} in all)"
                )
        return self.items


def _split_records(text: str, warnings: _Warnings) -> list[str]:
    """Cut the text into records of 120 characters (index + 1 = record number)."""
    records: list[str] = []
    append = records.append
    for line in split_lines(text):
        if not line or line.isspace():
            continue
        length = len(line)
        if length == RECORD_LENGTH:
            append(line)
            continue
        if length > RECORD_LENGTH:
            if line[RECORD_LENGTH:].isspace():
                append(line[:RECORD_LENGTH])
                warnings.add_repeated(
                    "records of the wrong length",
                    f"record {len(records)}: {length} characters, trailing blanks ignored",
                )
                continue
            # several records with no separator: cut every 120 characters
            for start in range(0, length, RECORD_LENGTH):
                chunk = line[start : start + RECORD_LENGTH]
                if len(chunk) < RECORD_LENGTH:
                    if chunk.isspace():
                        break
                    warnings.add_repeated(
                        "records of the wrong length",
                        f"record {len(records) + 1}: {len(chunk)} characters instead of "
                        f"{RECORD_LENGTH}, padded with blanks",
                    )
                    chunk = chunk.ljust(RECORD_LENGTH)
                append(chunk)
            continue
        warnings.add_repeated(
            "records of the wrong length",
            f"record {len(records) + 1}: {length} characters instead of {RECORD_LENGTH}, "
            "padded with blanks",
        )
        append(line.ljust(RECORD_LENGTH))
    return records


class _DateCache(dict[str, date | None]):
    """DDMMYY -> date (None when invalid), memoised: a file holds few distinct dates."""

    def __missing__(self, text: str) -> date | None:
        value: date | None = None
        if len(text) == 6 and text.isascii() and text.isdigit():
            year = int(text[4:6])
            year += 2000 if year < 70 else 1900
            try:
                value = date(year, int(text[2:4]), int(text[0:2]))
            except ValueError:
                value = None
        self[text] = value
        return value


def _account_id(record: str) -> str:
    """ "BANK BRANCH ACCOUNT" of a record, e.g. "30003 01234 00012345678"."""
    return f"{record[2:7]} {record[11:16]} {record[21:32].strip()}"


def _amount(field: str, decimals: int) -> tuple[int, bool]:
    """Signed cents of a 14-character CFONB amount (last char = digit + sign)."""
    sign_char = field[-1:]
    try:
        digit, sign = _SIGN_CHARS[sign_char]
    except KeyError:
        raise ValueError(f"invalid sign character {sign_char!r} in amount {field!r}") from None
    digits = field[:-1].strip() + digit
    try:
        cents, exact = scaled_to_cents(digits, decimals)
    except ValueError:
        raise ValueError(f"invalid amount {field!r}") from None
    return sign * cents, exact


class _Movement:
    """A 04 record being completed by its 05 records."""

    __slots__ = (
        "line",
        "labels",
        "joins_previous",
        "payer",
        "beneficiary",
        "reference",
        "bank_reference",
    )

    def __init__(self, line: StatementLine) -> None:
        self.line = line
        self.labels: list[str] = [line.label] if line.label else []
        # the last label text filled its 70 characters: the next one may continue it
        self.joins_previous = False
        self.payer = ""
        self.beneficiary = ""
        self.reference = ""
        self.bank_reference = ""

    def add_detail(self, record: str) -> None:
        qualifier = record[45:48]
        if qualifier in _LABEL_QUALIFIERS:
            field = record[48:118]
            text = field.strip()
            if text and (qualifier == "LIB" or text not in self.labels):
                if self.joins_previous and qualifier in ("LC2", "LIB") and self.labels:
                    # a long remittance text cut at 70 characters (LCC + LC2, LIB + LIB)
                    self.labels[-1] += text
                else:
                    self.labels.append(text)
            self.joins_previous = not field.endswith(" ")
            return
        self.joins_previous = False
        if qualifier == "NPY":
            self.payer = self.payer or record[48:118].strip()
        elif qualifier == "NBE":
            self.beneficiary = self.beneficiary or record[48:118].strip()
        elif qualifier == "RCN":
            self.reference = self.reference or record[48:83].strip()
        elif qualifier == "REF":
            self.bank_reference = self.bank_reference or record[48:83].strip()
        elif qualifier == "RUM":
            self.line.mandate_reference = self.line.mandate_reference or record[48:83].strip()
        elif qualifier not in _FIELD_QUALIFIERS:
            # old-style complement with no (known) qualifier: free text
            text = record[45:118].strip()
            if text:
                self.labels.append(text)

    def finish(self) -> None:
        line = self.line
        line.label = " ".join(self.labels)
        # credit: the counterparty paid us (payer); debit: we paid it (beneficiary)
        if line.amount_cents >= 0:
            line.counterparty_name = self.payer or self.beneficiary
        else:
            line.counterparty_name = self.beneficiary or self.payer
        if self.reference:
            line.reference = self.reference
            if self.reference.upper() != "NOTPROVIDED":
                line.end_to_end_id = self.reference
        elif self.bank_reference:
            line.reference = self.bank_reference


def parse_cfonb120(data: bytes, *, filename: str = "") -> BankStatement:
    """Parse a CFONB 120 statement file; see the module docstring for the rules."""
    text = strip_controls(decode_text(data, fallback="cp1252"))
    warnings = _Warnings()
    records = _split_records(text, warnings)
    if not records:
        raise ParseError("empty file: no CFONB 120 record", file=filename)
    first = records[0]
    if first[0:2] not in _RECORD_CODES:
        raise ParseError(
            f"not a CFONB 120 statement: the first record starts with {first[0:2]!r} "
            "(expected 01, 04, 05 or 07)",
            file=filename,
            line=1,
            field="record code",
        )

    statement = BankStatement(format="cfonb120")
    errors = statement.errors
    dates = _DateCache()
    sub_cent: list[int] = []
    # statements opened by a 01 and not yet closed by a 07, by account key
    open_statements: dict[str, tuple[StatementAccount, int]] = {}
    current: StatementAccount | None = None
    current_key = ""
    movement: _Movement | None = None
    skipped_movement = False
    unknown_codes = 0

    def row_error(number: int, field: str, reason: str) -> None:
        errors.append(RowError(line=number, field=field, reason=reason, file=filename))

    def new_statement(key: str, record: str, number: int) -> StatementAccount:
        opened = StatementAccount(account=_account_id(record), currency=record[16:19].strip())
        statement.accounts.append(opened)
        open_statements[key] = (opened, number)
        return opened

    def decimals_of(record: str, number: int) -> int:
        char = record[19]
        if char.isascii() and char.isdigit():
            return int(char)
        warnings.add_repeated(
            "records without a number of decimals",
            f"record {number}: no number of decimals at position 20 ({char!r}), 2 assumed",
        )
        return 2

    for index, record in enumerate(records):
        number = index + 1
        code = record[0:2]
        if code == "05":
            if movement is not None:
                movement.add_detail(record)
            elif not skipped_movement:
                warnings.add_repeated(
                    "05 records without a 04",
                    f"record {number}: 05 complement record with no preceding 04, ignored",
                )
            continue
        if movement is not None:
            movement.finish()
            movement = None
        skipped_movement = False
        # bank + branch + currency + account number identify the account
        key = record[2:7] + record[11:19] + record[21:32]

        if code == "04":
            if current is None or key != current_key:
                found = open_statements.get(key)
                if found is None:
                    warnings.add(
                        f"record {number}: movement of account {_account_id(record)} outside "
                        "any statement (no 01 before it); kept without opening balance"
                    )
                    current = new_statement(key, record, number)
                else:
                    current = found[0]
                current_key = key
            booking = dates[record[34:40]]
            if booking is None:
                row_error(number, "date", f"invalid booking date {record[34:40]!r}")
                skipped_movement = True
                continue
            try:
                cents, exact = _amount(record[90:104], decimals_of(record, number))
            except ValueError as exc:
                row_error(number, "amount", str(exc))
                skipped_movement = True
                continue
            if not exact:
                sub_cent.append(number)
            line = StatementLine(
                booking_date=booking,
                amount_cents=cents,
                value_date=dates[record[42:48]],
                label=record[48:79].strip(),
                line_no=number,
            )
            current.lines.append(line)
            movement = _Movement(line)

        elif code == "01":
            for unclosed, started in open_statements.values():
                warnings.add(
                    f"record {number}: new statement (01) while the statement of account "
                    f"{unclosed.account} opened at record {started} has no closing balance "
                    "(07); that statement is kept without closing balance"
                )
            open_statements.clear()
            current = new_statement(key, record, number)
            current_key = key
            current.opening_date = dates[record[34:40]]
            try:
                cents, exact = _amount(record[90:104], decimals_of(record, number))
            except ValueError as exc:
                row_error(number, "balance", f"old balance: {exc}")
            else:
                current.opening_balance_cents = cents
                if not exact:
                    sub_cent.append(number)

        elif code == "07":
            found = open_statements.pop(key, None)
            if found is None:
                warnings.add(
                    f"record {number}: new balance (07) of account {_account_id(record)} with "
                    "no matching 01; kept as a statement without opening balance"
                )
                target = new_statement(key, record, number)
                del open_statements[key]
            else:
                target = found[0]
            target.closing_date = dates[record[34:40]]
            try:
                cents, exact = _amount(record[90:104], decimals_of(record, number))
            except ValueError as exc:
                row_error(number, "balance", f"new balance: {exc}")
            else:
                target.closing_balance_cents = cents
                if not exact:
                    sub_cent.append(number)
            current, current_key = None, ""

        else:
            unknown_codes += 1
            row_error(number, "record code", f"unknown record code {code!r}, record skipped")
            if unknown_codes > 10 and unknown_codes * 2 > number:
                raise ParseError(
                    "not a CFONB 120 statement: most records have an unknown record code",
                    file=filename,
                    line=number,
                    field="record code",
                )

    if movement is not None:
        movement.finish()
    if open_statements:
        unclosed, started = next(iter(open_statements.values()))
        raise ParseError(
            f"the file ends inside the statement of account {unclosed.account} opened at "
            f"record {started}, with no closing balance record (07): the file looks truncated",
            file=filename,
            line=len(records),
        )
    if sub_cent:
        warnings.add(
            f"{len(sub_cent)} amount(s) with more than 2 decimals (position 20) rounded to "
            f"the cent, first at record {sub_cent[0]}"
        )
    statement.warnings = warnings.finish()
    return statement

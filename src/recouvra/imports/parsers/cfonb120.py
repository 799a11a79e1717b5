"""CFONB 120 bank statements ("relevé de compte 120 caractères").

Fixed-width records of 120 characters:

- ``01`` old balance: opens a statement of one account for one day (or period);
- ``04`` movement;
- ``05`` complement of the preceding ``04`` (qualifier at positions 46-48, then text);
- ``07`` new balance: closes the statement.

Positions (1-based) shared by every record: 1-2 record code, 3-7 bank code, 8-11
operation code (04/05), 12-16 branch code, 17-19 currency, 20 number of decimals of
the amounts, 22-32 account number, 35-40 date (DDMMYY). A 04 adds 33-34 the interbank
operation code, 41-42 the reject reason code ("code motif de rejet", CFONB's interbank list
of reject/return reasons), 43-48 value date, 49-79 label, 91-104 amount; 01/07 have their
balance at 91-104. A returned SEPA direct debit (operation B3 or B4, see
RETURN_OPERATIONS) is read with ``reversal`` and its reason code in ``return_code`` (the two
characters as written); the RUM (05 qualifier RUM) and the creditor's end-to-end reference
(05 qualifier RCN) name the debit it gives back. The last character
of an amount carries its last digit and its sign: ``{`` and ``A``-``I`` are +0..+9,
``}`` and ``J``-``R`` are -0..-9.

An account is identified by bank + branch + account number + currency together (two
banks may use the same account number). Each 01 ... 07 pair becomes one
:class:`StatementAccount`; a file holding several days of one account therefore gives
several, in file order. ``line_no`` is the record index (1-based) in the file.

Blank currency and decimals: some French banks leave positions 17-20 blank in the 01
and 07 records and fill them only in the 04 records. A balance record with a blank
currency or number of decimals takes them from the 04 records of the same account (bank,
branch, account number) between its 01 and 07, else from the account's other 04 records
in the file, else EUR with 2 decimals (the currency of nearly every account a French
bank keeps, and its ISO 4217 exponent), with a warning. The 01 and its 07 are then paired
on the account and that currency. Where the 04 records disagree (two currencies for a
blank one) the file is refused; two numbers of decimals for one blank balance leave that
balance out with a row error. A 07 in another currency than its 01 is refused too.

Leniency: records may be separated by CRLF, LF, CR, a mix, or nothing at all (then
the text is cut every 120 characters); blank lines are skipped; a record of the wrong
length is padded (or trimmed when the extra is blank) with a warning naming it; a
statement not closed by a 07 before the next 01 is kept without closing balance and
flagged. A file that cannot be a CFONB 120 statement, or that stops inside a statement
(no closing 07), raises :class:`ParseError`; a bad movement gives a :class:`RowError`
and the other records are still read. Amounts with more than two decimals (position
20 > 2) are rounded half to even to the cent, with a warning. Messages are French
templates (see ``records``).
"""

from __future__ import annotations

from datetime import date

from recouvra.imports.parsers._text import decode_text, scaled_to_cents, split_lines, strip_controls
from recouvra.imports.records import (
    BadValue,
    BankStatement,
    ParseError,
    RowError,
    StatementAccount,
    StatementLine,
    fill,
    gettext_noop,
)

__all__ = ["parse_cfonb120"]

RECORD_LENGTH = 120
# a balance record with blank currency and decimals, on an account with no 04 at all:
# the euro, with its 2 decimals (ISO 4217), as for nearly every account of a French bank
DEFAULT_CURRENCY = "EUR"
DEFAULT_DECIMALS = 2
_RECORD_CODES = frozenset({"01", "04", "05", "07"})
# interbank operation codes (positions 33-34 of a 04) of a SEPA direct debit the creditor
# receives back, rejected or returned by the debtor's bank: B3 (SDD Core), B4 (SDD B2B)
# (CFONB, "Évolutions du relevé de compte 120 caractères pour les opérations de virements
# et de prélèvements SEPA", March 2010, v2.0; the same list in silarhi/cfonb-parser)
RETURN_OPERATIONS = frozenset({"B3", "B4"})
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


_WRONG_LENGTH = gettext_noop("enregistrements de mauvaise longueur")
_PADDED = gettext_noop(
    "enregistrement %(record)s : %(length)s caractères au lieu de %(expected)s, complété par "
    "des blancs"
)
_NO_DECIMALS = gettext_noop("enregistrements sans nombre de décimales")
_LONE_COMPLEMENTS = gettext_noop("enregistrements 05 sans 04")
_DEFAULTED = gettext_noop("soldes sans devise ni mouvement")
# field names shown with an error
_AMOUNT = gettext_noop("montant")
_OPENING = gettext_noop("ancien solde")
_CLOSING = gettext_noop("nouveau solde")
_DATE = gettext_noop("date")
_RECORD_CODE = gettext_noop("code enregistrement")
_CURRENCY = gettext_noop("devise")


class _Warnings:
    """Warnings list with a cap on repetitive per-record messages."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._counts: dict[str, int] = {}

    def add(self, template: str, **params: object) -> None:
        self.items.append(fill(template, params))

    def add_repeated(self, kind: str, template: str, **params: object) -> None:
        count = self._counts.get(kind, 0) + 1
        self._counts[kind] = count
        if count <= _MAX_DETAILED_WARNINGS:
            self.items.append(fill(template, params))

    def finish(self) -> list[str]:
        for kind, count in self._counts.items():
            if count > _MAX_DETAILED_WARNINGS:
                self.items.append(
                    fill(
                        gettext_noop(
                            "%(more)s autres avertissements (%(kind)s), %(count)s en tout"
                        ),
                        {"more": count - _MAX_DETAILED_WARNINGS, "kind": kind, "count": count},
                    )
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
                    _WRONG_LENGTH,
                    gettext_noop(
                        "enregistrement %(record)s : %(length)s caractères, blancs finaux ignorés"
                    ),
                    record=len(records),
                    length=length,
                )
                continue
            # several records with no separator: cut every 120 characters
            for start in range(0, length, RECORD_LENGTH):
                chunk = line[start : start + RECORD_LENGTH]
                if len(chunk) < RECORD_LENGTH:
                    if chunk.isspace():
                        break
                    warnings.add_repeated(
                        _WRONG_LENGTH,
                        _PADDED,
                        record=len(records) + 1,
                        length=len(chunk),
                        expected=RECORD_LENGTH,
                    )
                    chunk = chunk.ljust(RECORD_LENGTH)
                append(chunk)
            continue
        warnings.add_repeated(
            _WRONG_LENGTH,
            _PADDED,
            record=len(records) + 1,
            length=length,
            expected=RECORD_LENGTH,
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
        raise BadValue(
            gettext_noop("caractère de signe %(char)s invalide dans le montant « %(amount)s »"),
            char=repr(sign_char),
            amount=field,
        ) from None
    digits = field[:-1].strip() + digit
    try:
        cents, exact = scaled_to_cents(digits, decimals)
    except ValueError:
        raise BadValue(gettext_noop("montant « %(amount)s » illisible"), amount=field) from None
    return sign * cents, exact


def _account_key(record: str) -> str:
    """Bank + branch + account number: the account, whatever its currency field says."""
    return record[2:7] + record[11:16] + record[21:32]


def _format_of(record: str) -> tuple[str, str]:
    """(currency, number of decimals) as written at positions 17-20, blanks stripped."""
    return record[16:19].strip(), record[19].strip()


def _movement_formats(
    records: list[str],
) -> tuple[dict[int, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
    """The (currency, decimals) of the 04 records: of each statement, and of each account.

    Returns ``(by_opening, by_account)``: ``by_opening`` maps the index of a 01 (and of
    the 07 that closes it) to the formats of the 04 records of its account in between;
    ``by_account`` maps an account key to the formats of all its 04 records.
    """
    by_opening: dict[int, list[tuple[str, str]]] = {}
    by_account: dict[str, list[tuple[str, str]]] = {}
    open_index: dict[str, int] = {}
    for index, record in enumerate(records):
        code = record[0:2]
        if code not in ("01", "04", "07"):
            continue
        account = _account_key(record)
        if code == "01":
            open_index[account] = index
            by_opening[index] = []
        elif code == "04":
            found = _format_of(record)
            by_account.setdefault(account, []).append(found)
            if account in open_index:
                by_opening[open_index[account]].append(found)
        else:
            opened = open_index.pop(account, None)
            if opened is not None:
                by_opening[index] = by_opening[opened]
    return by_opening, by_account


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
        raise ParseError(
            gettext_noop("fichier vide : aucun enregistrement CFONB 120"), file=filename
        )
    first = records[0]
    if first[0:2] not in _RECORD_CODES:
        raise ParseError(
            gettext_noop(
                "ce n'est pas un relevé CFONB 120 : le premier enregistrement commence par "
                "« %(code)s » (01, 04, 05 ou 07 attendu)"
            ),
            file=filename,
            line=1,
            field=_RECORD_CODE,
            params={"code": first[0:2]},
        )

    statement = BankStatement(format="cfonb120")
    errors = statement.errors
    dates = _DateCache()
    sub_cent: list[int] = []
    by_opening, by_account = _movement_formats(records)
    # statements opened by a 01 and not yet closed by a 07, by account key + currency
    open_statements: dict[str, tuple[StatementAccount, int]] = {}
    current: StatementAccount | None = None
    current_key = ""
    movement: _Movement | None = None
    skipped_movement = False
    unknown_codes = 0

    def row_error(number: int, field: str, template: str, **params: object) -> None:
        errors.append(RowError.of(number, field, template, params, file=filename))

    def new_statement(key: str, record: str, number: int, currency: str) -> StatementAccount:
        opened = StatementAccount(account=_account_id(record), currency=currency)
        statement.accounts.append(opened)
        open_statements[key] = (opened, number)
        return opened

    def decimals_of(record: str, number: int) -> int:
        char = record[19]
        if char.isascii() and char.isdigit():
            return int(char)
        warnings.add_repeated(
            _NO_DECIMALS,
            gettext_noop(
                "enregistrement %(record)s : pas de nombre de décimales en position 20 "
                "(%(char)s), 2 retenues"
            ),
            record=number,
            char=repr(char),
        )
        return 2

    def balance_format(record: str, index: int) -> tuple[str, int | None]:
        """Currency and decimals of a 01/07, blanks taken from the account's 04 records."""
        currency, decimals = _format_of(record)
        if currency and decimals.isdigit():
            return currency, int(decimals)
        number = index + 1
        formats = by_opening.get(index) or by_account.get(_account_key(record)) or []
        if not currency:
            currencies = list(dict.fromkeys(c for c, _d in formats if c))
            if len(currencies) > 1:
                raise ParseError(
                    gettext_noop(
                        "la devise du solde est vide et les mouvements du compte %(account)s "
                        "sont en plusieurs devises (%(currencies)s) : impossible de savoir "
                        "laquelle est la sienne"
                    ),
                    file=filename,
                    line=number,
                    field=_CURRENCY,
                    params={"account": _account_id(record), "currencies": ", ".join(currencies)},
                )
            if not currencies:
                warnings.add_repeated(
                    _DEFAULTED,
                    gettext_noop(
                        "enregistrement %(record)s : solde sans devise ni nombre de décimales, "
                        "et aucun mouvement du compte ne les donne : %(currency)s avec "
                        "%(decimals)s décimales retenus"
                    ),
                    record=number,
                    currency=DEFAULT_CURRENCY,
                    decimals=DEFAULT_DECIMALS,
                )
            currency = currencies[0] if currencies else DEFAULT_CURRENCY
        if decimals.isdigit():
            return currency, int(decimals)
        if decimals:  # neither blank nor a digit
            return currency, decimals_of(record, number)
        found = list(dict.fromkeys(d for c, d in formats if c == currency and d.isdigit()))
        if len(found) > 1:
            return currency, None  # ambiguous: the balance is left out (row error)
        return currency, int(found[0]) if found else DEFAULT_DECIMALS

    def read_balance(
        record: str, number: int, decimals: int | None, target: StatementAccount, opening: bool
    ) -> None:
        field_name = _OPENING if opening else _CLOSING
        if decimals is None:
            row_error(
                number,
                field_name,
                gettext_noop(
                    "nombre de décimales vide, et les mouvements du compte en ont plusieurs : "
                    "solde ignoré"
                ),
            )
            return
        try:
            cents, exact = _amount(record[90:104], decimals)
        except BadValue as exc:
            row_error(number, field_name, exc.template, **exc.params)
            return
        if opening:
            target.opening_balance_cents = cents
        else:
            target.closing_balance_cents = cents
        if not exact:
            sub_cent.append(number)

    for index, record in enumerate(records):
        number = index + 1
        code = record[0:2]
        if code == "05":
            if movement is not None:
                movement.add_detail(record)
            elif not skipped_movement:
                warnings.add_repeated(
                    _LONE_COMPLEMENTS,
                    gettext_noop(
                        "enregistrement %(record)s : complément 05 sans 04 avant lui, ignoré"
                    ),
                    record=number,
                )
            continue
        if movement is not None:
            movement.finish()
            movement = None
        skipped_movement = False
        account_key = _account_key(record)

        if code == "04":
            currency = record[16:19].strip()
            if not currency:  # a blank currency: that of the account's open statement
                same_account = [k for k in open_statements if k.startswith(account_key)]
                if len(same_account) == 1:
                    currency = open_statements[same_account[0]][0].currency
            key = account_key + currency
            if current is None or key != current_key:
                found = open_statements.get(key)
                if found is None:
                    warnings.add(
                        gettext_noop(
                            "enregistrement %(record)s : mouvement du compte %(account)s hors de "
                            "tout relevé (pas de 01 avant lui) ; gardé sans solde initial"
                        ),
                        record=number,
                        account=_account_id(record),
                    )
                    current = new_statement(key, record, number, currency)
                else:
                    current = found[0]
                current_key = key
            booking = dates[record[34:40]]
            if booking is None:
                row_error(
                    number,
                    _DATE,
                    gettext_noop("date d'opération « %(date)s » invalide"),
                    date=record[34:40],
                )
                skipped_movement = True
                continue
            try:
                cents, exact = _amount(record[90:104], decimals_of(record, number))
            except BadValue as exc:
                row_error(number, _AMOUNT, exc.template, **exc.params)
                skipped_movement = True
                continue
            if not exact:
                sub_cent.append(number)
            operation = record[32:34]
            reason = record[40:42].strip()
            line = StatementLine(
                booking_date=booking,
                amount_cents=cents,
                value_date=dates[record[42:48]],
                label=record[48:79].strip(),
                line_no=number,
                return_code=reason,
                reversal=operation in RETURN_OPERATIONS,
            )
            current.lines.append(line)
            movement = _Movement(line)

        elif code == "01":
            for unclosed, started in open_statements.values():
                warnings.add(
                    gettext_noop(
                        "enregistrement %(record)s : nouveau relevé (01) alors que le relevé du "
                        "compte %(account)s ouvert à l'enregistrement %(started)s n'a pas de "
                        "nouveau solde (07) ; ce relevé est gardé sans solde final"
                    ),
                    record=number,
                    account=unclosed.account,
                    started=started,
                )
            open_statements.clear()
            currency, decimals = balance_format(record, index)
            key = account_key + currency
            current = new_statement(key, record, number, currency)
            current_key = key
            current.opening_date = dates[record[34:40]]
            read_balance(record, number, decimals, current, opening=True)

        elif code == "07":
            currency, decimals = balance_format(record, index)
            key = account_key + currency
            found = open_statements.pop(key, None)
            if found is None:
                _refuse_other_currency(open_statements, account_key, record, number, filename)
                warnings.add(
                    gettext_noop(
                        "enregistrement %(record)s : nouveau solde (07) du compte %(account)s "
                        "sans 01 correspondant ; gardé comme relevé sans solde initial"
                    ),
                    record=number,
                    account=_account_id(record),
                )
                target = new_statement(key, record, number, currency)
                del open_statements[key]
            else:
                target = found[0]
            target.closing_date = dates[record[34:40]]
            read_balance(record, number, decimals, target, opening=False)
            current, current_key = None, ""

        else:
            unknown_codes += 1
            row_error(
                number,
                _RECORD_CODE,
                gettext_noop("code enregistrement « %(code)s » inconnu, enregistrement ignoré"),
                code=code,
            )
            if unknown_codes > 10 and unknown_codes * 2 > number:
                raise ParseError(
                    gettext_noop(
                        "ce n'est pas un relevé CFONB 120 : la plupart des enregistrements ont "
                        "un code inconnu"
                    ),
                    file=filename,
                    line=number,
                    field=_RECORD_CODE,
                )

    if movement is not None:
        movement.finish()
    if open_statements:
        unclosed, started = next(iter(open_statements.values()))
        raise ParseError(
            gettext_noop(
                "le fichier s'arrête dans le relevé du compte %(account)s ouvert à "
                "l'enregistrement %(started)s, sans nouveau solde (07) : le fichier semble "
                "tronqué"
            ),
            file=filename,
            line=len(records),
            params={"account": unclosed.account, "started": started},
        )
    if sub_cent:
        warnings.add(
            gettext_noop(
                "%(count)s montant(s) à plus de 2 décimales (position 20) arrondi(s) au "
                "centime, le premier à l'enregistrement %(record)s"
            ),
            count=len(sub_cent),
            record=sub_cent[0],
        )
    statement.warnings = warnings.finish()
    return statement


def _refuse_other_currency(
    open_statements: dict[str, tuple[StatementAccount, int]],
    account_key: str,
    record: str,
    number: int,
    filename: str,
) -> None:
    """A 07 whose account has a statement open in another currency: the file contradicts itself."""
    for key, (opened, started) in open_statements.items():
        if key.startswith(account_key):
            raise ParseError(
                gettext_noop(
                    "le nouveau solde (07) du compte %(account)s est en %(currency)s, mais son "
                    "ancien solde (01, enregistrement %(started)s) est en %(opening)s"
                ),
                file=filename,
                line=number,
                field=_CURRENCY,
                params={
                    "account": _account_id(record),
                    "currency": record[16:19].strip() or "?",
                    "started": started,
                    "opening": opened.currency or "?",
                },
            )

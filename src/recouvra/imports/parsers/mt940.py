"""SWIFT MT940 customer statements.

Fields read: ``:20:`` (starts a statement), ``:25:`` account, ``:28C:`` statement
number (not kept), ``:60F:``/``:60M:`` opening balance, ``:61:`` movement, ``:86:``
information of the preceding ``:61:``, ``:62F:``/``:62M:`` closing balance; ``:64:``,
``:65:``, an ``:86:`` that follows no ``:61:`` and unknown fields (``:NS:``...) are
skipped. A field runs until the next line that starts with a tag, so multi-line fields
(``:86:`` over six lines, ``:61:`` with its supplementary-details line, even a
``:28C:`` wrapped onto a second line) are joined.

Around the fields, the parser ignores SWIFT blocks (``{1:...}{2:...}{4:`` and the
closing ``-}``), preamble lines (``ABNANL2A``, ``940``, ``0000 01INGBNL2AXXXX00001``,
``940 00``), ``-`` / ``-XXX`` message terminators, blank lines and control characters
(SOH/ETX). A lone ``-`` inside a wrapped ``:86:`` (followed by more text of the same
field) is text, not a terminator.

Grouping: each ``:20:`` ... ``:62F:``/``:62M:`` statement becomes one
:class:`StatementAccount`, in file order. Consecutive statements of one account (a
``:62M:`` intermediate closing balance, then ``:60M:``) are therefore several
StatementAccounts with the same account, each with its own balances, so that every
statement's balance check stands on its own.

``:61:`` reading: value date YYMMDD, optional entry date MMDD (its year is taken from
the value date, rolled over across a new year), debit/credit mark ``C``/``D``, or
``RC`` (reversal of a credit: money out) / ``RD`` (reversal of a debit: money in),
optional funds code letter, amount with a decimal comma, transaction type (4
characters), customer reference, ``//`` bank reference, then the supplementary
details on the next line. The amount sign comes from the mark only.

``:86:`` reading: German ``?NN`` subfields (``?00`` booking text, ``?20``-``?29`` and
``?60``-``?63`` remittance with SEPA keywords ``EREF+``/``MREF+``/``KREF+``/``SVWZ+``,
``?31``/``?38`` counterparty account, ``?32``/``?33`` counterparty name), Dutch
``/KEY/`` subfields (``/EREF/``, ``/CNTP/`` IBAN/BIC/name, ``/REMI/``, ``/MARF/``
mandate...) or free text.

Text is decoded as UTF-8, else latin-1. A file with no MT940 field raises
:class:`ParseError`; so does a file ending inside a statement (no closing balance):
it looks truncated. A movement that cannot be read gives a :class:`RowError` naming
its line and the others are kept.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

from recouvra.imports.parsers._text import (
    decimal_to_cents,
    decode_text,
    normalize_iban,
    split_lines,
    strip_controls,
)
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

__all__ = ["parse_mt940"]

_BAD_DATE = gettext_noop("date « %(date)s » invalide")
_BAD_AMOUNT = gettext_noop("montant « %(amount)s » invalide")

# a physical :86: line this long (tag included) was cut by the 65-character limit,
# possibly in the middle of a word: the next line continues it without a space
_FULL_LINE = 65
# ?20-?29 subfields hold 27 characters
_FULL_SUBFIELD = 27

# customer references that only say "see elsewhere" (the bank reference is used then)
_PLACEHOLDER_REFERENCES = frozenset({"NONREF", "NOTPROVIDED", "EREF", "PREF", "IREF", "KREF+"})

# what banks write where an end-to-end id was not given
_NO_REFERENCE = frozenset({"NOTPROVIDED", "NONREF"})

_OPENING_TAGS = frozenset({"60F", "60M", "60"})
_CLOSING_TAGS = frozenset({"62F", "62M", "62"})

# SEPA keywords inside German ?20-?29 remittance subfields
_SEPA_KEYWORDS = ("EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+")

# Dutch (ING, Rabobank, ABN AMRO new format) :86: subfield keys
_SLASH_KEYS = (
    "EREF",
    "CNTP",
    "REMI",
    "MARF",
    "CSID",
    "RTRN",
    "PREF",
    "IREF",
    "KREF",
    "ORDP",
    "BENM",
    "NAME",
    "ADDR",
    "ULTC",
    "ULTD",
    "ULTB",
    "PURP",
    "BUSP",
    "ISDT",
    "TRCD",
    "SUM",
    "FX",
    "CHGS",
    "ACCW",
    "BIC",
    "ID",
)
_SLASH_TOKENS = tuple((key, f"/{key}/") for key in _SLASH_KEYS)


def _tag_of(line: str) -> tuple[str, str] | None:
    """``(tag, content)`` when ``line`` starts a field (``:61:...``), else None."""
    end = line.find(":", 1)
    if end == 3 or end == 4:
        tag = line[1:end]
        if (tag[:2].isdigit() and (end == 3 or tag[2].isalpha())) or tag == "NS":
            return tag, line[end + 1 :]
    return None


def _is_terminator(line: str) -> bool:
    """``-``, ``-}``, ``-}{5:...}`` or ``-XXX``: end of a message."""
    if line == "-":
        return True
    rest = line[1:]
    return rest.startswith("}") or (len(rest) <= 3 and rest.isalpha())


# a field: (tag, line number where it starts, its lines, the first without the tag)
_Field = tuple[str, int, list[str]]


def _fields(lines: list[str]) -> list[_Field]:
    """Group physical lines into fields; drop blocks, preambles and terminators."""
    fields: list[_Field] = []
    current: _Field | None = None
    count = len(lines)
    for index in range(count):
        raw = lines[index]
        line = raw.rstrip()
        if not line:
            continue
        # trailing blanks are kept in field text: a line cut at 65 characters may end
        # with a meaningful space (SWIFT wraps anywhere)
        first = line[0]
        if first == "{":
            # SWIFT header blocks; the text block {4: may carry the first field
            current = None
            block = line.find("{4:")
            if block == -1 or not line[block + 3 :].startswith(":"):
                continue
            raw = line = line[block + 3 :]
            first = ":"
        if first == ":":
            found = _tag_of(raw)
            if found is not None:
                current = (found[0], index + 1, [found[1]])
                fields.append(current)
                continue
        elif first == "-" and _is_terminator(line):
            # a lone "-" inside a wrapped :86: of a movement is text (ING does this)
            if (
                current is not None
                and current[0] == "86"
                and len(fields) > 1
                and fields[-2][0] == "61"
                and index + 1 < count
            ):
                following = lines[index + 1].strip()
                if following and following[0] not in ":{}-":
                    current[2].append(line)
                    continue
            current = None
            continue
        elif first == "}":
            current = None
            continue
        if current is not None:
            current[2].append(raw)
        # else: a preamble line (ABNANL2A, 940, 0000 01INGBNL2AXXXX00001...): ignored
    return fields


class _DateCache(dict[str, date | None]):
    """YYMMDD -> date (None when invalid), memoised."""

    def __missing__(self, text: str) -> date | None:
        value: date | None = None
        if len(text) == 6 and text.isascii() and text.isdigit():
            year = int(text[0:2])
            year += 2000 if year < 70 else 1900
            try:
                value = date(year, int(text[2:4]), int(text[4:6]))
            except ValueError:
                value = None
        self[text] = value
        return value


@functools.lru_cache(maxsize=4096)
def _entry_date(value_date: date, mmdd: str) -> date | None:
    """The entry (booking) date MMDD, in the year that puts it nearest the value date."""
    month, day = int(mmdd[0:2]), int(mmdd[2:4])
    for year in (value_date.year, value_date.year + 1, value_date.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if abs(candidate - value_date) <= timedelta(days=183):
            return candidate
    return None


def _balance(content: str, dates: _DateCache) -> tuple[int, date | None, str, bool]:
    """``C131016DEM84349,74`` -> (signed cents, date, currency, exact)."""
    text = content.strip()
    mark = text[:1]
    if mark not in ("C", "D"):
        raise BadValue(gettext_noop("sens débit/crédit « %(mark)s » : ni C ni D"), mark=mark)
    day = dates[text[1:7]]
    if day is None:
        raise BadValue(_BAD_DATE, date=text[1:7])
    currency = text[7:10]
    if not (len(currency) == 3 and currency.isalpha()):
        raise BadValue(gettext_noop("devise « %(currency)s » invalide"), currency=currency)
    if "," not in text[10:]:
        raise BadValue(_BAD_AMOUNT, amount=text[10:])
    cents, exact = decimal_to_cents(text[10:], ",")
    return (-cents if mark == "D" else cents), day, currency, exact


def _movement(parts: list[str], dates: _DateCache) -> tuple[StatementLine, bool]:
    """Read a :61: field -> (line, exact); its label is the supplementary details."""
    text = parts[0].strip()
    value_date = dates[text[0:6]]
    if value_date is None:
        raise BadValue(gettext_noop("date de valeur « %(date)s » invalide"), date=text[0:6])
    booking_date = value_date
    pos = 6
    if text[6:10].isdigit():
        entry = _entry_date(value_date, text[6:10])
        if entry is None:
            raise BadValue(
                gettext_noop("date de comptabilisation « %(date)s » invalide"), date=text[6:10]
            )
        booking_date = entry
        pos = 10
    if text[pos : pos + 1] == "R" and text[pos + 1 : pos + 2] in ("C", "D"):
        mark = text[pos : pos + 2]
        pos += 2
    elif text[pos : pos + 1] in ("C", "D"):
        mark = text[pos]
        pos += 1
    elif text[pos : pos + 1] == "E" and text[pos + 1 : pos + 2] in ("C", "D"):  # MT942
        mark = text[pos + 1]
        pos += 2
    else:
        raise BadValue(
            gettext_noop("pas de sens débit/crédit à « %(text)s »"), text=text[pos : pos + 3]
        )
    if text[pos : pos + 1].isalpha():  # funds code (third letter of the currency code)
        pos += 1
    rest = text[pos:]
    after = rest.lstrip("0123456789,")
    amount_text = rest[: len(rest) - len(after)]
    pos += len(amount_text)
    if "," not in amount_text:
        raise BadValue(_BAD_AMOUNT, amount=rest[:15])
    cents, exact = decimal_to_cents(amount_text, ",")
    # C and RD (reversal of a debit) bring money in; D and RC take it out
    if mark in ("D", "RC"):
        cents = -cents
    rest = text[pos + 4 :]
    customer_ref, _, bank_ref = rest.partition("//")
    customer_ref = customer_ref.strip()
    if customer_ref.upper() in _PLACEHOLDER_REFERENCES or not any(
        char.isalnum() for char in customer_ref
    ):
        reference = bank_ref.strip()
    else:
        reference = customer_ref
    supplementary = " ".join(part.strip() for part in parts[1:] if part.strip())
    line = StatementLine(
        booking_date=booking_date,
        amount_cents=cents,
        value_date=value_date,
        label=supplementary,
        reference=reference,
    )
    return line, exact


def _join_wrapped(parts: list[str], first_offset: int) -> str:
    """Join :86: lines: no space after a line cut at 65 characters, else one space."""
    pieces: list[str] = []
    full = False
    for index, part in enumerate(parts):
        length = len(part) + (first_offset if index == 0 else 0)
        if index and not full:
            pieces[-1] = pieces[-1].rstrip()
            pieces.append(" ")
            part = part.lstrip()
        pieces.append(part)
        full = length >= _FULL_LINE
    return "".join(pieces).strip()


def _apply_gvc(line: StatementLine, text: str) -> str:
    """German ``NNN?00...?20...`` structure; returns the label."""
    booking_text = ""
    remittance: list[str] = []
    names: list[str] = []
    target: list[str] | None = None  # where a literal "?" in the text belongs
    for chunk in text.split("?")[1:]:
        code = chunk[:2]
        if len(code) != 2 or not code.isdigit():
            if target:
                target[-1] += "?" + chunk
            continue
        value = chunk[2:]
        target = None
        if "20" <= code <= "29" or "60" <= code <= "63":
            remittance.append(value)
            target = remittance
        elif code == "00":
            booking_text = value.strip()
        elif code == "32" or code == "33":
            names.append(value)
            target = names
        elif code == "31" or code == "38":
            iban = normalize_iban(value)
            if iban:
                line.counterparty_iban = iban
    if names:
        line.counterparty_name = _join_subfields(names)
    if "REF+" in text:
        _apply_sepa_keywords(line, remittance)
    remittance_text = _join_subfields(remittance)
    if booking_text and remittance_text:
        return f"{booking_text} {remittance_text}"
    return booking_text or remittance_text


def _apply_sepa_keywords(line: StatementLine, remittance: list[str]) -> None:
    """EREF+ (end-to-end id) and MREF+ (mandate) in ?20-?29; a value runs on into the
    next subfield only when its own subfield is full."""
    keyed: dict[str, str] = {}
    key = ""
    full = False
    for value in remittance:
        head = value[:5]
        if head in _SEPA_KEYWORDS:
            key = head[:4]
            keyed[key] = value[5:]
        elif key and full:
            keyed[key] += value
        else:
            key = ""
        full = len(value) >= _FULL_SUBFIELD
    eref = keyed.get("EREF", "").strip()
    if eref and eref.upper() not in _NO_REFERENCE:
        line.end_to_end_id = eref
    mref = keyed.get("MREF", "").strip()
    if mref:
        line.mandate_reference = mref


def _join_subfields(values: list[str]) -> str:
    pieces: list[str] = []
    full = False
    for value in values:
        if pieces and not full:
            pieces.append(" ")
        pieces.append(value if full else value.lstrip())
        full = len(value) >= _FULL_SUBFIELD
    return "".join(pieces).strip()


def _slash_fields(text: str) -> dict[str, str]:
    """``/EREF/x//CNTP/a/b/c//REMI/...`` -> {"EREF": "x", "CNTP": "a/b/c", ...}."""
    found: list[tuple[int, str]] = []
    for key, token in _SLASH_TOKENS:
        start = text.find(token)
        while start != -1:
            if start == 0 or text[start - 1] == "/":
                found.append((start, key))
            start = text.find(token, start + 1)
    found.sort()
    values: dict[str, str] = {}
    for index, (start, key) in enumerate(found):
        end = found[index + 1][0] if index + 1 < len(found) else len(text)
        value = text[start + len(key) + 2 : end]
        if value.endswith("/"):
            value = value[:-1]
        values.setdefault(key, value)
    return values


def _apply_slash(line: StatementLine, text: str) -> str:
    """Dutch ``/EREF/.../CNTP/.../REMI/...`` structure; returns the label."""
    values = _slash_fields(text)
    eref = values.get("EREF", "").strip()
    if eref and eref.upper() not in _NO_REFERENCE:
        line.end_to_end_id = eref
    mandate = values.get("MARF", "").strip()
    if mandate:
        line.mandate_reference = mandate
    counterparty = values.get("CNTP")
    if counterparty is not None:
        account, _, rest = counterparty.partition("/")
        _bic, _, rest = rest.partition("/")
        name, _, _city = rest.partition("/")
        line.counterparty_iban = normalize_iban(account)
        line.counterparty_name = name.strip()
    elif values.get("NAME"):
        line.counterparty_name = values["NAME"].split("/")[0].strip()
    label = ""
    remittance = values.get("REMI")
    if remittance is not None:
        kind, _, rest = remittance.partition("/")
        if kind == "STRD":
            # /REMI/STRD/CUR/<creditor reference>/
            _issuer, _, reference = rest.partition("/")
            reference = reference.strip("/ ")
            if reference:
                line.reference = reference
            label = reference
        else:
            # /REMI/USTD//<free text>/
            label = rest.lstrip("/").strip()
    return label or text


def _apply_details(line: StatementLine, parts: list[str]) -> None:
    """Fill a movement from its :86: field (the label replaces the supplementary details)."""
    first = parts[0].lstrip()
    if first[3:4] == "?" and first[:3].isdigit():
        label = _apply_gvc(line, "".join([first, *parts[1:]]))
    elif first.startswith("/") and _slash_fields(first):
        label = _apply_slash(line, "".join([first, *parts[1:]]))
    else:
        label = _join_wrapped([first, *parts[1:]], 4 + len(parts[0]) - len(first))
    if label:
        line.label = label


class _Statement:
    __slots__ = ("account", "start", "closed")

    def __init__(self, account: StatementAccount, start: int) -> None:
        self.account = account
        self.start = start
        self.closed = False


def parse_mt940(data: bytes, *, filename: str = "") -> BankStatement:
    """Parse an MT940 file; see the module docstring for the rules."""
    text = strip_controls(decode_text(data, fallback="latin-1"))
    lines = split_lines(text)
    fields = _fields(lines)
    if not any(field[0] in ("20", "25", "61") or field[0] in _OPENING_TAGS for field in fields):
        first_line = next((n for n, line in enumerate(lines, 1) if line.strip()), 1)
        raise ParseError(
            gettext_noop("ce n'est pas un relevé MT940 : aucun champ :20:, :25:, :60F: ou :61:"),
            file=filename,
            line=first_line,
        )

    statement = BankStatement(format="mt940")
    errors = statement.errors
    warnings = statement.warnings
    dates = _DateCache()
    current: _Statement | None = None
    last_line: StatementLine | None = None  # the :61: an :86: may complete
    sub_cent: list[int] = []

    def start(line_no: int) -> _Statement:
        nonlocal current
        if current is not None and not current.closed:
            warnings.append(
                fill(
                    gettext_noop(
                        "ligne %(line)s : nouveau relevé alors que le relevé commencé ligne "
                        "%(start)s n'a pas de solde de clôture (:62F:) ; il est gardé sans"
                    ),
                    {"line": line_no, "start": current.start},
                )
            )
        current = _Statement(StatementAccount(), line_no)
        statement.accounts.append(current.account)
        return current

    def row_error(line_no: int, field: str, exc: ValueError) -> None:
        template, params = (
            (exc.template, exc.params) if isinstance(exc, BadValue) else (str(exc), None)
        )
        errors.append(RowError.of(line_no, field, template, params, file=filename))

    for tag, line_no, parts in fields:
        if tag != "86":
            last_line = None
        if tag == "20":
            start(line_no)
        elif tag == "25":
            if current is None or current.closed or current.account.lines:
                start(line_no)
            assert current is not None
            raw = "".join(part.strip() for part in parts)
            iban = normalize_iban(raw)
            if iban:
                current.account.iban = iban
            else:
                current.account.account = raw
        elif tag in _OPENING_TAGS:
            if current is None or current.closed:
                start(line_no)
            assert current is not None
            try:
                cents, day, currency, exact = _balance("".join(parts), dates)
            except ValueError as exc:
                row_error(line_no, tag, exc)
                continue
            if not exact:
                sub_cent.append(line_no)
            account = current.account
            account.opening_balance_cents, account.opening_date = cents, day
            account.currency = account.currency or currency
        elif tag == "61":
            if current is None or current.closed:
                warnings.append(
                    fill(
                        gettext_noop("ligne %(line)s : mouvement hors de tout relevé"),
                        {"line": line_no},
                    )
                )
                start(line_no)
            assert current is not None
            try:
                line, exact = _movement(parts, dates)
            except ValueError as exc:
                row_error(line_no, "61", exc)
                continue
            if not exact:
                sub_cent.append(line_no)
            line.line_no = line_no
            current.account.lines.append(line)
            last_line = line
        elif tag == "86":
            if last_line is not None:
                _apply_details(last_line, parts)
                last_line = None
            # else: information about the whole statement, not kept
        elif tag in _CLOSING_TAGS:
            if current is None or current.closed:
                warnings.append(
                    fill(
                        gettext_noop("ligne %(line)s : solde de clôture hors de tout relevé"),
                        {"line": line_no},
                    )
                )
                start(line_no)
            assert current is not None
            current.closed = True
            try:
                cents, day, currency, exact = _balance("".join(parts), dates)
            except ValueError as exc:
                row_error(line_no, tag, exc)
                continue
            if not exact:
                sub_cent.append(line_no)
            account = current.account
            account.closing_balance_cents, account.closing_date = cents, day
            if account.currency and currency != account.currency:
                warnings.append(
                    fill(
                        gettext_noop(
                            "ligne %(line)s : solde de clôture en %(currency)s, solde d'ouverture "
                            "en %(opening)s"
                        ),
                        {"line": line_no, "currency": currency, "opening": account.currency},
                    )
                )
            account.currency = account.currency or currency
    if current is not None and not current.closed:
        raise ParseError(
            gettext_noop(
                "le fichier s'arrête dans le relevé commencé ligne %(start)s, sans solde de "
                "clôture (:62F:) : le fichier semble tronqué"
            ),
            params={"start": current.start},
            file=filename,
            line=next((n for n in range(len(lines), 0, -1) if lines[n - 1].strip()), 1),
        )
    if sub_cent:
        warnings.append(
            fill(
                gettext_noop(
                    "%(count)s montant(s) à plus de 2 décimales arrondi(s) au centime, le premier "
                    "ligne %(line)s"
                ),
                {"count": len(sub_cent), "line": sub_cent[0]},
            )
        )
    return statement

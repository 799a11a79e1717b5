"""OFX bank and credit-card statements: OFX 1.x (SGML) and 2.x (XML).

A small tolerant tokenizer of our own reads both: the text is cut at every ``<``;
each piece is a tag (``STMTTRN``, ``/STMTTRN``) followed by its text. SGML leaves need
no closing tag (``<TRNAMT>-6.60<FITID>...``), so the value of an element is simply the
text up to the next tag; closing tags of leaves (XML) are ignored. Header lines
(``OFXHEADER:100`` ...), the XML declaration and ``<?OFX ...?>`` processing
instruction, comments, blank lines and a whole body on one line are all fine. A raw
``&`` (``Amazon & Cloud``) is kept as text; entities (``&amp;``) are decoded. A ``<``
that does not start a tag is kept as text too.

Read: each ``STMTRS`` (bank, ``BANKACCTFROM``) or ``CCSTMTRS`` (credit card,
``CCACCTFROM``) gives one :class:`StatementAccount`: account = ``ACCTID`` (as IBAN when
it is one), currency = ``CURDEF``, ``BANKTRANLIST/DTSTART`` -> opening date,
``LEDGERBAL/BALAMT`` -> closing balance and ``DTASOF`` -> closing date (else
``DTEND``). OFX has no opening balance: it is left None, so the balance check is
unknown. An empty ``BALAMT`` leaves the closing balance None, with a warning.

Each ``STMTTRN``: ``TRNAMT`` gives amount and direction (its sign, not ``TRNTYPE``),
``DTPOSTED`` (``YYYYMMDD[HHMMSS[.XXX]][TZ]``, the date part is kept) -> booking date,
``DTUSER`` -> value date, ``FITID`` -> reference, ``NAME`` or ``PAYEE/NAME`` ->
counterparty, ``MEMO`` -> label (``NAME`` when there is no memo), ``CHECKNUM`` added to
the label, ``CURRENCY/CURSYM`` -> line currency. ``line_no`` is the line where the
``<STMTTRN>`` stands. A transaction whose amount or date cannot be read gives a
:class:`RowError` (field ``TRNAMT`` or ``DTPOSTED``); the others are kept.

:class:`ParseError` for a file with no ``<OFX>`` element, with no bank or card
statement, or ending inside a statement (truncated).
"""

from __future__ import annotations

import html
from datetime import date

from recouvra.imports.parsers._text import (
    decimal_to_cents,
    decode_text,
    normalize_iban,
    strip_controls,
)
from recouvra.imports.records import (
    BankStatement,
    ParseError,
    RowError,
    StatementAccount,
    StatementLine,
    fill,
    gettext_noop,
)

__all__ = ["parse_ofx"]

_STATEMENT_TAGS = frozenset({"STMTRS", "CCSTMTRS"})
_ACCOUNT_TAGS = frozenset({"BANKACCTFROM", "CCACCTFROM"})
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/")


class _DateCache(dict[str, date | None]):
    """First 8 characters of an OFX datetime (YYYYMMDD) -> date, None when invalid."""

    def __missing__(self, text: str) -> date | None:
        value: date | None = None
        if len(text) == 8 and text.isascii() and text.isdigit():
            try:
                value = date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
            except ValueError:
                value = None
        self[text] = value
        return value


def _amount(text: str) -> tuple[int, bool]:
    """OFX amount: ``-33.3``, ``+500.00``, ``600``; a decimal comma is accepted."""
    try:
        return decimal_to_cents(text, ".")
    except ValueError:
        if text.count(",") == 1 and "." not in text:
            return decimal_to_cents(text, ",")
        raise


class _Statement:
    __slots__ = ("account", "start", "dtend", "ledger_seen")

    def __init__(self, start: int) -> None:
        self.account = StatementAccount()
        self.start = start
        self.dtend: date | None = None
        self.ledger_seen = False


def parse_ofx(data: bytes, *, filename: str = "") -> BankStatement:
    """Parse an OFX 1.x/2.x file; see the module docstring for the rules."""
    text = strip_controls(decode_text(data, fallback="cp1252"))
    statement = BankStatement(format="ofx")
    errors = statement.errors
    warnings = statement.warnings
    dates = _DateCache()
    unescape = html.unescape

    seen_ofx = False
    current: _Statement | None = None
    in_account = False
    balance_kind = ""  # "LEDGERBAL" or "AVAILBAL" while inside one
    in_currency = False
    transaction: dict[str, str] | None = None
    transaction_line = 0
    sub_cent: list[int] = []

    def finish_transaction() -> None:
        nonlocal transaction
        assert transaction is not None and current is not None
        fields, transaction = transaction, None
        number = transaction_line
        amount_text = fields.get("TRNAMT", "")
        if not amount_text:
            errors.append(
                RowError.of(number, "TRNAMT", gettext_noop("opération sans montant"), file=filename)
            )
            return
        try:
            cents, exact = _amount(amount_text)
        except ValueError:
            errors.append(
                RowError.of(
                    number,
                    "TRNAMT",
                    gettext_noop("montant « %(amount)s » invalide"),
                    {"amount": amount_text},
                    file=filename,
                )
            )
            return
        posted_text = fields.get("DTPOSTED", "")
        posted = dates[posted_text[:8]]
        if posted is None:
            template = (
                gettext_noop("date de comptabilisation « %(date)s » invalide")
                if posted_text
                else gettext_noop("opération sans date de comptabilisation")
            )
            errors.append(
                RowError.of(number, "DTPOSTED", template, {"date": posted_text}, file=filename)
            )
            return
        if not exact:
            sub_cent.append(number)
        name = fields.get("NAME", "")
        memo = fields.get("MEMO", "")
        label = memo or name
        check = fields.get("CHECKNUM", "")
        fitid = fields.get("FITID", "")
        if check and check != "0" and check != fitid:
            label = f"{label} CHECKNUM {check}" if label else f"CHECKNUM {check}"
        currency = fields.get("CURSYM", "")
        current.account.lines.append(
            StatementLine(
                booking_date=posted,
                amount_cents=cents,
                value_date=dates[fields.get("DTUSER", "")[:8]],
                label=label,
                reference=fitid,
                counterparty_name=name,
                currency=currency if currency != current.account.currency else "",
                line_no=number,
            )
        )

    def finish_statement() -> None:
        nonlocal current
        assert current is not None
        if transaction is not None:
            finish_transaction()
        account = current.account
        if account.closing_date is None:
            account.closing_date = current.dtend
        if not current.ledger_seen:
            warnings.append(
                fill(
                    gettext_noop(
                        "ligne %(line)s : le relevé du compte %(account)s n'a pas de solde "
                        "comptable (LEDGERBAL) : pas de solde de clôture"
                    ),
                    {"line": current.start, "account": account.iban or account.account},
                )
            )
        current = None

    chunks = text.split("<")
    line = 1 + chunks[0].count("\n")
    previous_value_owner: str | None = None  # leaf whose text a stray "<" continues
    previous_raw = ""  # its text as written
    for chunk in chunks[1:]:
        tag_line = line
        line += chunk.count("\n")
        end = chunk.find(">")
        name = chunk[:end] if end > 0 else ""
        if not name or not (set(name) <= _NAME_CHARS):
            if chunk.startswith(("?", "!")):
                continue  # <?xml ...?>, <?OFX ...?>, <!-- comment -->, <!DOCTYPE ...>
            # a "<" that starts no tag: text of the element before
            if previous_value_owner and transaction is not None:
                previous_raw = f"{previous_raw}<{chunk}"
                text_value = previous_raw.strip()
                transaction[previous_value_owner] = (
                    unescape(text_value) if "&" in text_value else text_value
                )
            continue
        value = chunk[end + 1 :]
        if name[0] == "/":
            previous_value_owner = None
            closing = name[1:].upper()
            if closing == "STMTTRN":
                if transaction is not None and current is not None:
                    finish_transaction()
            elif closing in _STATEMENT_TAGS:
                if current is not None:
                    finish_statement()
            elif closing in _ACCOUNT_TAGS:
                in_account = False
            elif closing == balance_kind:
                balance_kind = ""
            elif closing == "CURRENCY":
                in_currency = False
            elif closing == "BANKTRANLIST" and transaction is not None and current is not None:
                finish_transaction()
            continue
        if name[-1] == "/":  # XML empty element <BALAMT/>
            name = name[:-1]
        name = name.upper()
        value = value.strip()
        if value and "&" in value:
            value = unescape(value)

        if transaction is not None:
            if name == "STMTTRN":
                finish_transaction()  # the previous one was not closed
            elif name in _STATEMENT_TAGS or name in ("BANKTRANLIST", "LEDGERBAL", "AVAILBAL"):
                finish_transaction()
            else:
                if name == "CURRENCY":
                    in_currency = True
                elif name == "CURSYM" and not in_currency:
                    continue  # ORIGCURRENCY: the amount is already in CURDEF
                if value and name not in transaction:
                    transaction[name] = value
                    previous_value_owner, previous_raw = name, chunk[end + 1 :]
                else:
                    previous_value_owner = None
                continue
        previous_value_owner = None

        if name == "OFX":
            seen_ofx = True
        elif name in _STATEMENT_TAGS:
            if current is not None:
                warnings.append(
                    fill(
                        gettext_noop(
                            "ligne %(line)s : nouveau relevé alors que celui commencé ligne "
                            "%(start)s n'est pas fermé"
                        ),
                        {"line": tag_line, "start": current.start},
                    )
                )
                finish_statement()
            current = _Statement(tag_line)
            statement.accounts.append(current.account)
        elif current is None:
            continue  # sign-on, status, other message sets
        elif name == "STMTTRN":
            transaction = {}
            transaction_line = tag_line
        elif name in _ACCOUNT_TAGS:
            in_account = True
        elif name == "ACCTID" and in_account:
            iban = normalize_iban(value)
            if iban:
                current.account.iban = iban
            else:
                current.account.account = value
        elif name == "CURDEF":
            current.account.currency = value.upper()
        elif name in ("LEDGERBAL", "AVAILBAL"):
            balance_kind = name
            if name == "LEDGERBAL":
                current.ledger_seen = True
        elif balance_kind == "LEDGERBAL":
            if name == "BALAMT":
                if not value:
                    warnings.append(
                        fill(
                            gettext_noop(
                                "ligne %(line)s : solde comptable vide (LEDGERBAL/BALAMT) : pas "
                                "de solde de clôture"
                            ),
                            {"line": tag_line},
                        )
                    )
                    continue
                try:
                    cents, exact = _amount(value)
                except ValueError:
                    errors.append(
                        RowError.of(
                            tag_line,
                            "BALAMT",
                            gettext_noop("solde « %(amount)s » invalide"),
                            {"amount": value},
                            file=filename,
                        )
                    )
                    continue
                current.account.closing_balance_cents = cents
                if not exact:
                    sub_cent.append(tag_line)
            elif name == "DTASOF":
                current.account.closing_date = dates[value[:8]]
        elif name == "DTSTART":
            current.account.opening_date = dates[value[:8]]
        elif name == "DTEND":
            current.dtend = dates[value[:8]]

    if not seen_ofx:
        raise ParseError(
            gettext_noop("ce n'est pas un fichier OFX : aucun élément <OFX>"),
            file=filename,
            line=1,
        )
    if current is not None:
        raise ParseError(
            gettext_noop(
                "le fichier s'arrête dans le relevé commencé ligne %(start)s (pas de </STMTRS>) : "
                "le fichier semble tronqué"
            ),
            params={"start": current.start},
            file=filename,
            line=text.rstrip().count("\n") + 1,  # the last line with text
        )
    if not statement.accounts:
        raise ParseError(
            gettext_noop("aucun relevé bancaire ou de carte (STMTRS/CCSTMTRS) dans ce fichier OFX"),
            file=filename,
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

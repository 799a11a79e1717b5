"""The plain records every parser returns, whatever the format.

Bank statements: a BankStatement holds accounts, each with its balances and lines
(amount signed, credit positive, integer cents). Ledgers and invoices: a Ledger holds
claims. Parsers raise ParseError for a file they cannot read at all, and collect
RowError for a line they skip, so that one bad row never loses the others.

Messages: the parsers import no Django (they are pure, type-checked Python), so a reason
is written in French as a message template marked with :func:`gettext_noop` (which
``makemessages`` extracts), with its values apart in ``params``. ``reason`` is the French
text; ``recouvra.imports.messages`` translates ``template`` % ``params`` into the reader's
language where the error is shown (upload page, ``recouvra parse``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from recouvra.law.dates import MAX_DATE, MIN_DATE
from recouvra.law.money import MAX_CENTS, out_of_range_reason

Params = Mapping[str, Any]


def gettext_noop(message: str) -> str:
    """Mark a French message for the translation catalogue; translated where it is shown."""
    return message


def fill(template: str, params: Params | None) -> str:
    """The template with its ``%(name)s`` placeholders filled (the template when no params)."""
    if not params:
        return template
    return template % params


def _plain(params: Params | None) -> dict[str, Any]:
    """Params as JSON can store them: numbers stay numbers, anything else becomes text."""
    return {
        key: value if isinstance(value, (int, str)) else str(value)
        for key, value in (params or {}).items()
    }


class BadValue(ValueError):
    """A value a parser cannot read: a French template and its params (caught by the parser,
    which turns it into a RowError or a ParseError naming the line and field)."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = _plain(params)
        super().__init__(fill(template, self.params))


class ParseError(ValueError):
    """The file cannot be read: says which file, line (or element) and field, and why.

    ``reason`` is a French template (``gettext_noop``) filled with ``params``.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str = "",
        line: int | None = None,
        field: str = "",
        params: Params | None = None,
    ):
        self.file = file
        self.line = line
        self.field = field
        self.template = reason
        self.params = _plain(params)
        self.reason = fill(reason, self.params)
        super().__init__(located(self.reason, file=file, line=line, field=field))

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "reason": self.reason,
            "template": self.template,
            "params": self.params,
        }


def located(reason: str, *, file: str = "", line: int | None = None, field: str = "") -> str:
    """ "fichier.txt, ligne 3, champ montant : raison" (French; see imports.messages)."""
    where = ", ".join(
        part
        for part in (
            file,
            f"ligne {line}" if line is not None else "",
            f"champ {field}" if field else "",
        )
        if part
    )
    return f"{where} : {reason}" if where else reason


@dataclass(frozen=True)
class RowError:
    """A line that was skipped, and why; the other lines are still imported.

    Build it with :meth:`of` so that ``reason`` (French text) and ``template``/``params``
    (for translation where it is shown) agree.
    """

    line: int
    field: str
    reason: str
    file: str = ""
    template: str = ""
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(
        cls, line: int, field: str, template: str, params: Params | None = None, file: str = ""
    ) -> RowError:
        plain = _plain(params)
        return cls(line, field, fill(template, plain), file, template, plain)


@dataclass(frozen=True)
class RemittedDocument:
    """A document (invoice, credit note) a payment names in its structured remittance."""

    reference: str
    # what the payment settles for it: the remitted amount, or the amount due less the
    # credit notes and discounts netted against it; a credit note counts negative;
    # None when the file gives no amount for it
    amount_cents: int | None = None


@dataclass
class StatementLine:
    booking_date: date
    amount_cents: int  # signed: credit (money in) positive, debit negative
    value_date: date | None = None
    label: str = ""
    reference: str = ""  # bank reference, or the remittance information when structured
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    mandate_reference: str = ""  # SEPA direct-debit mandate (RUM), when given
    currency: str = ""  # when it differs from the account's
    line_no: int | None = None  # where the line starts in the source file
    documents: list[RemittedDocument] = field(default_factory=list)  # structured remittance
    # an R-transaction (a direct debit or a transfer given back): the reason code as the
    # bank gives it (ISO 20022 RtrInf/Rsn/Cd: AM04, MD06…; CFONB 120: "CFONB" and the two
    # characters of positions 41-42), its text, and whether the bank booked it as the
    # reversal of an earlier operation (camt RvslInd; CFONB 120 operation codes B3/B4)
    return_code: str = ""
    return_reason: str = ""
    reversal: bool = False


@dataclass
class StatementAccount:
    iban: str = ""
    account: str = ""  # the account id when there is no IBAN (e.g. CFONB bank/branch/account)
    currency: str = ""
    opening_balance_cents: int | None = None
    closing_balance_cents: int | None = None
    opening_date: date | None = None
    closing_date: date | None = None
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def credits_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines if line.amount_cents > 0)

    @property
    def debits_cents(self) -> int:
        return -sum(line.amount_cents for line in self.lines if line.amount_cents < 0)

    @property
    def balance_gap_cents(self) -> int | None:
        """opening + credits − debits − closing; 0 when the statement adds up, None if unknown."""
        if self.opening_balance_cents is None or self.closing_balance_cents is None:
            return None
        total = self.opening_balance_cents + sum(line.amount_cents for line in self.lines)
        return total - self.closing_balance_cents

    @property
    def balanced(self) -> bool | None:
        gap = self.balance_gap_cents
        return None if gap is None else gap == 0


@dataclass
class BankStatement:
    format: str
    accounts: list[StatementAccount] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "accounts": [_account_json(a) for a in self.accounts],
            "errors": [asdict(e) for e in self.errors],
            "warnings": self.warnings,
        }


@dataclass
class LedgerClaim:
    reference: str
    issue_date: date | None
    due_date: date | None
    amount_cents: int  # what is still due (open item); an invoice's amount due for Factur-X
    currency: str = "EUR"
    debtor_name: str = ""
    debtor_siren: str = ""
    debtor_vat: str = ""
    debtor_account: str = ""  # customer account in the ledger (e.g. 411DUBOIS)
    seller_name: str = ""
    seller_siren: str = ""
    payment_terms: str = ""
    line_no: int | None = None
    # the debtor's id when the caller knows it already (the API), checked by the caller
    debtor_id: int | None = None
    kind: str = ""  # b2b (the default) or b2c: what a ledger file does not tell
    contractual_rate: Decimal | None = None


@dataclass
class Ledger:
    format: str
    claims: list[LedgerClaim] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "claims": [_claim_json(c) for c in self.claims],
            "errors": [asdict(e) for e in self.errors],
            "warnings": self.warnings,
        }


def date_out_of_range_reason() -> str:
    return f"date hors limites (dates acceptées du {MIN_DATE:%d/%m/%Y} au {MAX_DATE:%d/%m/%Y})"


def drop_out_of_range(result: BankStatement | Ledger, filename: str = "") -> None:
    """Move every claim or bank line whose amount is past the ceiling (MAX_CENTS, see
    recouvra.law.money) or whose date is outside MIN_DATE..MAX_DATE (recouvra.law.dates)
    to the row errors, whatever parser read it: the rest imports."""
    if isinstance(result, Ledger):
        fields = ("amount_cents", "issue_date", "due_date")
        result.claims = _in_range(result.claims, fields, result.errors, filename)
        return
    fields = ("amount", "booking_date", "value_date")
    for account in result.accounts:
        account.lines = _in_range(account.lines, fields, result.errors, filename)


def _in_range(
    rows: list[Any], fields: tuple[str, str, str], errors: list[RowError], filename: str
) -> list[Any]:
    """The rows (claims or lines) within range; a RowError for each of the others.
    `fields`: the names of the amount and of the two dates, as errors name them."""
    kept = []
    for row in rows:
        dates = {name: getattr(row, name) for name in fields[1:]}
        problem = _out_of_range(row.amount_cents, fields[0], dates)
        if problem:
            errors.append(RowError(row.line_no or 0, *problem, filename))
        else:
            kept.append(row)
    return kept


def _out_of_range(
    cents: int, amount_field: str, dates: dict[str, date | None]
) -> tuple[str, str] | None:
    """(field, reason) of the first value out of range, or None."""
    if abs(cents) > MAX_CENTS:
        return amount_field, out_of_range_reason()
    for name, day in dates.items():
        if day is not None and not MIN_DATE <= day <= MAX_DATE:
            return name, f"{date_out_of_range_reason()} : {day.isoformat()}"
    return None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _account_json(account: StatementAccount) -> dict[str, Any]:
    # both keys, always: the preview page shows the IBAN, else the account id
    data: dict[str, Any] = {"iban": account.iban, "account": account.account}
    data.update(
        currency=account.currency,
        opening_balance_cents=account.opening_balance_cents,
        closing_balance_cents=account.closing_balance_cents,
        balanced=account.balanced,
        lines=[
            {
                "booking_date": _iso(line.booking_date),
                "value_date": _iso(line.value_date),
                "amount_cents": line.amount_cents,
                "label": line.label,
                "reference": line.reference,
                "end_to_end_id": line.end_to_end_id,
                "counterparty_name": line.counterparty_name,
                "counterparty_iban": line.counterparty_iban,
                **(
                    {"documents": [asdict(document) for document in line.documents]}
                    if line.documents
                    else {}
                ),
            }
            for line in account.lines
        ],
    )
    return data


def _claim_json(claim: LedgerClaim) -> dict[str, Any]:
    return {
        "reference": claim.reference,
        "issue_date": _iso(claim.issue_date),
        "due_date": _iso(claim.due_date),
        "amount_cents": claim.amount_cents,
        "currency": claim.currency,
        "debtor_name": claim.debtor_name,
        "debtor_siren": claim.debtor_siren,
        "debtor_vat": claim.debtor_vat,
    }

"""ISO 20022 bank-to-customer cash management: camt.053 statements, camt.054 notifications.

``parse_camt(data, filename=...)`` → ``BankStatement`` (format ``"camt.053"``, ``"camt.054"``,
or ``"camt.052"`` for an account report, which has the same shape). Pure Python, no Django.

Reading rules
-------------
* Any version (001.01 … 001.13): elements are matched on their local names, whatever the
  namespace; the message is found under ``Document`` or a non-standard wrapper (an
  ``AppHdr`` in a ``<message>`` element). One ``StatementAccount`` per ``Stmt`` / ``Ntfctn`` /
  ``Rpt``, in file order (two statements of the same account stay two).
* Account: ``Acct/Id/IBAN`` → ``iban``; otherwise ``Othr/Id`` (``PrtryAcct/Id`` in 001.01,
  ``BBAN``, ``UPIC``) → ``account``. Currency: ``Acct/Ccy``, else the booked balances', else
  the first entry's.
* Balances: opening = ``OPBD``, or ``PRCD`` when there is no OPBD; closing = ``CLBD``; signed
  by ``CdtDbtInd``; dates from ``Dt/Dt`` or ``Dt/DtTm``. Interim/available balances (ITBD,
  OPAV, CLAV, FWAV…) are not used. Notifications have none: ``None``.
* Entry amount: ``Ntry/Amt``, negative when ``CdtDbtInd`` is ``DBIT``. ``RvslInd=true`` does
  **not** flip the sign again: per ISO 20022 a reversal flips the sense of the *original*
  operation, and the indicator on the reversal entry already gives the direction of the
  reversal booking ("CRDT + reversal: the original operation was a debit"); the sample
  statements only balance that way (ABN AMRO: PRCD 1000.01 + 28.00 − 928.00 = CLBD 100.01
  with its two DBIT reversals as debits). The reversal is used to pick the counterparty of
  the original operation (see below), and to read the transactions of a reversed batch.
* Entries whose status is pending, information or future (``Sts`` PDNG/INFO/FUTR; text in
  001.02–001.07, ``Sts/Cd`` from 001.08) are not booked: they are left out of the lines with
  a warning counting them. Entries with no status or BOOK are kept.
* Dates: ``BookgDt`` (``Dt`` or ``DtTm``, the local date written), value date ``ValDt``; with
  no booking date the value date is used; with neither the entry is a ``RowError``.
* Batches (``NtryDtls`` with a ``Btch`` and several ``TxDtls``): the entry amount is the
  batch total and each ``TxDtls`` is one transaction with its own amount in the entry's
  currency (``TxDtls/Amt``, else ``AmtDtls/TxAmt/Amt``) and, from 001.03, its own
  ``CdtDbtInd``. The entry becomes one line per ``TxDtls`` when these amounts, signed by
  their own indicator (by the entry's when they have none), add up exactly to the signed
  entry amount; a reversed batch whose ``TxDtls`` keep the indicator of the original
  operation is read with the entry's. Otherwise (no per-transaction amounts, amounts only
  in another currency, charges deducted, totals that disagree) the entry stays one line
  with the entry amount, and the remittance texts / references / end-to-end ids of all its
  ``TxDtls`` are joined. This keeps every statement's balance exactly as the bank booked it.
* Control sums: a ``TxsSummry`` (``TtlNtries``, ``TtlCdtNtries``, ``TtlDbtNtries``: number
  of entries and sum of their amounts; ``TtlNetNtry`` or ``TtlNetNtryAmt``: the net) is
  checked against the booked entries of its statement or notification (or against all
  its entries, pending ones included, as some banks count them). When they disagree the
  file is refused with a ``ParseError`` naming the element: entries are missing or wrong.
* Remittance: ``RmtInf/Ustrd`` joined (plus ``Strd/AddtlRmtInf``) → ``label``, falling back on
  ``AddtlNtryInf`` then ``AddtlTxInf``. ``Strd/CdtrRefInf/Ref`` (e.g. an RF creditor
  reference), else the numbers of the documents paid (``Strd/RfrdDocInf/Nb``, credit notes
  left out) → ``reference``; with no structured remittance, ``reference`` holds the bank
  reference (``AcctSvcrRef``). Each referred document with its amount → ``documents``:
  what the payment settles for it is ``RfrdDocAmt/RmtdAmt``, else ``DuePyblAmt`` less the
  discounts (``DscntApldAmt``) and the credit note (``CdtNoteAmt``) netted against it,
  adjustments (``AdjstmntAmtAndRsn``) applied; a credit note document (``Tp`` CREN, or a
  ``CdtNoteAmt`` alone) counts negative. When every document has an amount and they do not
  add up to the transaction amount, a warning says so.
  ``Refs/EndToEndId`` (not ``NOTPROVIDED``) → ``end_to_end_id``; ``Refs/MndtId`` →
  ``mandate_reference``.
* Returns (R-transactions): ``TxDtls/RtrInf/Rsn/Cd`` (else ``Prtry``) → ``return_code``
  (ISO 20022 external return reason: AC04, AM04, MD06, MS02…), its ``AddtlInf`` →
  ``return_reason``; ``RvslInd`` true → ``reversal``.
* Counterparty: for a credit the debtor (``RltdPties/Dbtr/Nm`` or ``Dbtr/Pty/Nm``, else
  ``UltmtDbtr``; ``DbtrAcct/Id/IBAN``), for a debit the creditor. For a reversal, the party
  of the original operation (a returned direct debit, booked DBIT, names the debtor), or
  when the bank left it out, the other party (banks differ on which side a return names).
  A merged batch line names a counterparty only when all its transactions share it.
* Amounts are integer hundredths of the currency unit (``amount × 100``, exact, no float),
  whatever the currency's ISO 4217 exponent: JPY 2700 → 270000, CHF 474.4 → 47440. An
  amount with a non-zero third decimal cannot be stored without rounding: the entry is a
  ``RowError`` (a balance: ``None`` and a warning).
* Messages are French templates (``records.gettext_noop``), translated where shown; a
  ``RowError``'s ``field`` is the element (``Amt``, ``BookgDt``…).
* ``line_no``: the source line of the ``Ntry`` element (of the ``TxDtls`` for a split batch).
* A line whose currency differs from the account's carries it in ``currency``.

Memory stays flat on large files: the document is streamed with ``iterparse`` and each
entry is dropped from the tree once read; no XPath, only child walks by local name.
"""

from __future__ import annotations

from datetime import date

from recouvra.imports.parsers.xmlsafe import (
    DEFAULT_MAX_BYTES,
    LOCAL_NAMES,
    amount_to_cents,
    child,
    children,
    clean,
    index,
    iterparse_xml,
    local_name,
    namespace_of,
    path,
    text,
)
from recouvra.imports.records import (
    BadValue,
    BankStatement,
    ParseError,
    RemittedDocument,
    RowError,
    StatementAccount,
    StatementLine,
    fill,
    gettext_noop,
)

# message element → (format, its statement element); 001.01 roots end in "V01"
_MESSAGES = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
    "BkToCstmrAcctRpt": ("camt.052", "Rpt"),
}
_MESSAGES.update({f"{name}V01": value for name, value in list(_MESSAGES.items())})
_SECTION_NAMES = dict(_MESSAGES.values())  # format → "Stmt" / "Ntfctn" / "Rpt"
_CONTAINERS = set(_SECTION_NAMES.values())
_TAGS = [f"{{*}}{name}" for name in (*_MESSAGES, *_CONTAINERS, "Ntry")]
_NOT_BOOKED = {"PDNG", "INFO", "FUTR"}
_CREDIT_NOTES = {"CREN", "CRN"}  # RfrdDocInf/Tp codes of a credit note
_NOT_PROVIDED = {"NOTPROVIDED", "NOT PROVIDED", "NONREF"}
_LABEL_SEP = " | "
_DEBTOR = ("Dbtr", "UltmtDbtr", "DbtrAcct")
_CREDITOR = ("Cdtr", "UltmtCdtr", "CdtrAcct")
_DATES: dict[str, date] = {}


def parse_camt(
    data: bytes, *, filename: str = "", max_bytes: int = DEFAULT_MAX_BYTES
) -> BankStatement:
    """Read a camt.053 / camt.054 (or camt.052) file; see the module docstring for the rules."""
    return _CamtReader(filename).read(data, max_bytes)


def _name(element) -> str:
    tag = element.tag
    return LOCAL_NAMES.get(tag) or local_name(tag)


def _date(element, field: str) -> date | None:
    """BookgDt/ValDt/Bal.Dt → date from its Dt or DtTm child (the local date as written)."""
    if element is None:
        return None
    value = ""
    for sub in element:  # its one child: Dt or DtTm
        if sub.text:
            value = sub.text.strip()[:10]
            break
    if not value:
        return None
    day = _DATES.get(value)
    if day is None:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise BadValue(
                gettext_noop("%(element)s : date « %(date)s » invalide"), element=field, date=value
            ) from None
        if len(_DATES) < 10_000:
            _DATES[value] = day
    return day


def _distinct(values) -> list[str]:
    """Non-empty values, first occurrence order."""
    return list(dict.fromkeys(value for value in values if value))


def _party(related: dict, names: tuple[str, str, str]) -> tuple[str, str]:
    """(name, IBAN) from RltdPties: Dbtr/Nm or Dbtr/Pty/Nm (001.08+), else the Ultmt party."""
    party_name, ultimate_name, account_name = names
    name = ""
    for candidate in (party_name, ultimate_name):
        party = related.get(candidate)
        if party is None:
            continue
        fields = index(party)
        found = fields.get("Nm")
        if found is None:
            found = child(fields.get("Pty"), "Nm")
        name = clean(text(found))
        if name:
            break
    account = related.get(account_name)
    iban = ""
    if account is not None:
        iban = text(path(account, "Id", "IBAN")).replace(" ", "").upper()
    return name, iban


def _amount_of(element, currency: str) -> int | None:
    """Cents of an amount element in ``currency`` (any currency when it has none), else None."""
    if element is None:
        return None
    ccy = (element.get("Ccy") or "").strip().upper()
    if ccy and currency and ccy != currency:
        return None
    try:
        return amount_to_cents(element.text or "")
    except ValueError:
        return None


def _document_amount(amounts, credit_note: bool, currency: str) -> int | None:
    """What a payment settles for one referred document (``RfrdDocAmt``), in cents.

    ``RmtdAmt`` when given; else ``DuePyblAmt`` less the discounts and the credit note
    netted against it, adjustments applied (``CdtDbtInd`` CRDT adds, DBIT or none
    deducts). A credit note document counts negative.
    """
    if amounts is None:
        return None
    fields = index(amounts)
    remitted = _amount_of(fields.get("RmtdAmt"), currency)
    due = _amount_of(fields.get("DuePyblAmt"), currency)
    note = _amount_of(fields.get("CdtNoteAmt"), currency)
    if remitted is not None:
        paid = remitted
    elif due is not None:
        paid = due - (note or 0)
        for sub in amounts:
            kind = _name(sub)
            if kind == "DscntApldAmt":
                paid -= _amount_of(child(sub, "Amt"), currency) or 0
            elif kind == "AdjstmntAmtAndRsn":
                adjustment = _amount_of(child(sub, "Amt"), currency) or 0
                credit = text(child(sub, "CdtDbtInd")).upper() == "CRDT"
                paid += adjustment if credit else -adjustment
    elif note is not None:
        return -note  # a credit note alone: it reduces what the payment covers
    else:
        return None
    return -paid if credit_note else paid


def _documents(structured, currency: str) -> list[RemittedDocument]:
    """The documents of one ``Strd`` block, with the amount each is paid."""
    numbers: list[str] = []
    credit_note = False
    amounts = None
    for part in structured:
        kind = _name(part)
        if kind == "RfrdDocInf":
            numbers.append(text(child(part, "Nb")))
            code = text(path(part, "Tp", "CdOrPrtry", "Cd")) or text(
                path(part, "Tp", "CdOrPrtry", "Prtry")
            )
            credit_note = credit_note or code.upper() in _CREDIT_NOTES
        elif kind == "RfrdDocAmt":
            amounts = part
    numbers = [number for number in numbers if number]
    if not numbers:
        return []
    cents = _document_amount(amounts, credit_note, currency)
    if len(numbers) > 1:  # one amount for several documents: it cannot be shared out
        return [RemittedDocument(number) for number in numbers]
    return [RemittedDocument(numbers[0], cents)]


class _Tx:
    """What one TxDtls says."""

    __slots__ = (
        "line",
        "cents",
        "credit",
        "end_to_end_id",
        "mandate",
        "bank_ref",
        "texts",
        "refs",
        "documents",
        "extra",
        "party",
        "return_code",
        "return_reason",
    )

    def __init__(self, tx, entry_ccy: str, original_credit: bool, reversal: bool):
        self.line = tx.sourceline
        fields = index(tx)

        # Its own amount, when given in the entry's currency (001.03+: Amt; 001.02: AmtDtls).
        self.cents: int | None = None
        for amount in (fields.get("Amt"), path(fields.get("AmtDtls"), "TxAmt", "Amt")):
            if amount is None or (amount.get("Ccy") or "").strip().upper() != entry_ccy:
                continue
            try:
                self.cents = amount_to_cents(amount.text or "")
            except ValueError:
                continue
            break
        # its own direction (001.03+), None when it has none
        indicator = text(fields.get("CdtDbtInd")).upper()
        self.credit: bool | None = {"CRDT": True, "DBIT": False}.get(indicator)

        self.end_to_end_id = self.mandate = self.bank_ref = ""
        refs = fields.get("Refs")
        if refs is not None:
            for sub in refs:
                name = _name(sub)
                if name == "EndToEndId":
                    e2e = text(sub)
                    self.end_to_end_id = "" if e2e.upper() in _NOT_PROVIDED else e2e
                elif name == "MndtId":
                    self.mandate = text(sub)
                elif name == "AcctSvcrRef":
                    self.bank_ref = text(sub)

        texts: list[str] = []
        creditor_refs: list[str] = []
        documents: list[RemittedDocument] = []
        remittance = fields.get("RmtInf")
        if remittance is not None:
            for sub in remittance:
                name = _name(sub)
                if name == "Ustrd":
                    texts.append(clean(sub.text or ""))
                elif name == "Strd":
                    documents.extend(_documents(sub, entry_ccy))
                    for part in sub:
                        kind = _name(part)
                        if kind == "CdtrRefInf":
                            creditor_refs.append(text(child(part, "Ref")))
                        elif kind == "AddtlRmtInf":
                            texts.append(clean(part.text or ""))
        self.texts = " ".join(t for t in texts if t)
        self.documents = documents
        paid = [d.reference for d in documents if d.amount_cents is None or d.amount_cents > 0]
        self.refs = _distinct(creditor_refs) or _distinct(paid)
        extra = fields.get("AddtlTxInf")
        self.extra = clean(extra.text or "") if extra is not None else ""
        # an R-transaction's reason: RtrInf/Rsn/Cd (or Prtry), and its AddtlInf text
        self.return_code = self.return_reason = ""
        returned = fields.get("RtrInf")
        if returned is not None:
            reason = child(returned, "Rsn")
            self.return_code = (text(child(reason, "Cd")) or text(child(reason, "Prtry")))[:8]
            self.return_reason = " ".join(
                clean(sub.text or "") for sub in returned if _name(sub) == "AddtlInf"
            ).strip()[:200]

        related = fields.get("RltdPties")
        if related is None:
            self.party = ("", "")
            return
        related = index(related)
        first, second = (_DEBTOR, _CREDITOR) if original_credit else (_CREDITOR, _DEBTOR)
        self.party = _party(related, first)
        if reversal and not any(self.party):
            # Banks differ on a reversal: some name the parties of the original operation,
            # others those of the return message (ABN AMRO puts the debtor under Cdtr).
            self.party = _party(related, second)


def _split_signs(details: list[_Tx], cents: int, credit: bool, reversal: bool) -> list[int]:
    """The signed amount of each TxDtls of a batch, or [] when they do not make the entry.

    The amounts, signed by their own indicator (the entry's when they have none), must add
    up exactly to the signed entry amount. A reversed batch whose TxDtls keep the indicator
    of the original operation (all opposite to the entry's) is read with the entry's.
    """
    amounts = [d.cents for d in details if d.cents is not None]
    if len(details) < 2 or len(amounts) < len(details):
        return []
    entry = cents if credit else -cents
    signed = [
        amount if (credit if d.credit is None else d.credit) else -amount
        for d, amount in zip(details, amounts, strict=True)
    ]
    if sum(signed) == entry:
        return signed
    if reversal and all(d.credit is not None and d.credit != credit for d in details):
        flipped = [-amount for amount in signed]
        if sum(flipped) == entry:
            return flipped
    return []


class _Tally:
    """Number and sum of the entries of one section, booked or not (for TxsSummry)."""

    __slots__ = ("credits", "credit_cents", "debits", "debit_cents")

    def __init__(self) -> None:
        self.credits = self.credit_cents = self.debits = self.debit_cents = 0

    def add(self, cents: int, credit: bool) -> None:
        if credit:
            self.credits += 1
            self.credit_cents += cents
        else:
            self.debits += 1
            self.debit_cents += cents

    def plus(self, other: _Tally) -> _Tally:
        total = _Tally()
        total.credits, total.credit_cents = (
            self.credits + other.credits,
            self.credit_cents + other.credit_cents,
        )
        total.debits, total.debit_cents = (
            self.debits + other.debits,
            self.debit_cents + other.debit_cents,
        )
        return total

    def figures(self) -> dict[str, int]:
        """What TxsSummry states, by element path."""
        return {
            "TtlNtries/NbOfNtries": self.credits + self.debits,
            "TtlNtries/Sum": self.credit_cents + self.debit_cents,
            "TtlNtries/TtlNetNtry": self.credit_cents - self.debit_cents,
            "TtlCdtNtries/NbOfNtries": self.credits,
            "TtlCdtNtries/Sum": self.credit_cents,
            "TtlDbtNtries/NbOfNtries": self.debits,
            "TtlDbtNtries/Sum": self.debit_cents,
        }


class _Section:
    """One Stmt / Ntfctn / Rpt being read."""

    def __init__(self, element, number: int):
        self.element = element
        self.number = number
        self.account = StatementAccount()
        self.booked = _Tally()
        self.not_booked = _Tally()
        self.unreadable = 0  # entries whose amount or direction could not be read
        # TxsSummry: element path -> (stated figure, source line)
        self.control: dict[str, tuple[int, int]] = {}


class _CamtReader:
    def __init__(self, filename: str):
        self.filename = filename
        self.result = BankStatement(format="")
        self.not_booked = 0
        self.sections = 0

    # --- driver ------------------------------------------------------------------------

    def read(self, data: bytes, max_bytes: int) -> BankStatement:
        # Only "end" events, filtered in C by tag. A statement is recognised at its first
        # entry (Ntry → Stmt → BkToCstmrStmt: its account and balances come before the
        # entries, so they are complete), or at its own end when it has no entry. Each entry
        # is dropped from the tree once read, so memory does not grow with the file.
        stream = iterparse_xml(data, filename=self.filename, tag=_TAGS, max_bytes=max_bytes)
        section: _Section | None = None
        for _event, element in stream:
            name = _name(element)
            if name == "Ntry":
                container = element.getparent()
                if section is None or container is not section.element:
                    section = self._open(container)
                    if section is None:
                        continue
                self._entry(element, section)
                element.clear(keep_tail=False)
                container.remove(element)
            elif name in _CONTAINERS:
                if section is None or element is not section.element:
                    section = self._open(element)
                    if section is None:
                        continue
                self._check_control_sums(section)
                self.result.accounts.append(section.account)
                element.clear(keep_tail=False)
                section = None
            elif name in _MESSAGES and not self.result.format:
                self.result.format = _MESSAGES[name][0]  # a message holding no statement

        if not self.result.format:
            root = stream.root
            found = f"<{local_name(root.tag)}>" if root is not None else "—"
            namespace = namespace_of(root.tag) if root is not None else ""
            raise ParseError(
                gettext_noop(
                    "ce n'est pas un message ISO 20022 camt.053/camt.054 de relevé ou d'avis "
                    "bancaire (trouvé : %(found)s%(namespace)s)"
                ),
                file=self.filename,
                line=root.sourceline if root is not None else None,
                params={"found": found, "namespace": f" {namespace}" if namespace else ""},
            )
        if not self.result.accounts:
            section_name = _SECTION_NAMES[self.result.format]
            self._warn(gettext_noop("aucun %(element)s dans ce fichier"), element=section_name)
        if self.not_booked:
            self._warn(
                gettext_noop(
                    "%(count)s opération(s) en attente ou pour information (Sts PDNG/INFO/FUTR) "
                    "non importée(s)"
                ),
                count=self.not_booked,
            )
        return self.result

    def _warn(self, template: str, **params: object) -> None:
        self.result.warnings.append(fill(template, params))

    def _open(self, element) -> _Section | None:
        """A new section for a Stmt/Ntfctn/Rpt right under its message element, else None."""
        message = element.getparent() if element is not None else None
        if message is None:
            return None
        kind = _MESSAGES.get(_name(message))
        if kind is None or kind[1] != _name(element):
            return None
        if not self.result.format:
            self.result.format = kind[0]
        elif kind[0] != self.result.format:
            return None
        self.sections += 1
        section = _Section(element, self.sections)
        self._header(section)
        self._control_sums(section)
        return section

    # --- statement header: account, balances and control sums ---------------------------

    def _where(self, section: _Section) -> str:
        account = section.account
        return f"{self.result.format} {section.number} ({account.iban or account.account or '?'})"

    def _header(self, section: _Section) -> None:
        account = section.account
        element = section.element
        acct = child(element, "Acct")
        ident = child(acct, "Id")
        account.iban = text(child(ident, "IBAN")).replace(" ", "").upper()
        if not account.iban and ident is not None:
            for sub in ident:
                name = _name(sub)
                if name in ("Othr", "PrtryAcct"):
                    account.account = text(child(sub, "Id"))
                elif name in ("BBAN", "UPIC"):
                    account.account = text(sub)
                if account.account:
                    break
        account.currency = text(child(acct, "Ccy")).upper()

        opening = prior = closing = None
        for balance in children(element, "Bal"):
            kind = self._balance_type(balance)
            if kind == "OPBD" and opening is None:
                opening = balance
            elif kind == "PRCD" and prior is None:
                prior = balance
            elif kind == "CLBD" and closing is None:
                closing = balance
        if opening is None:
            opening = prior
        if not account.currency:
            for balance in (opening, closing):
                amount = child(balance, "Amt")
                if amount is not None and (amount.get("Ccy") or "").strip():
                    account.currency = amount.get("Ccy").strip().upper()
                    break
        if opening is not None:
            account.opening_balance_cents, account.opening_date = self._balance(
                opening, section, gettext_noop("solde d'ouverture")
            )
        if closing is not None:
            account.closing_balance_cents, account.closing_date = self._balance(
                closing, section, gettext_noop("solde de clôture")
            )
        if self.result.format == "camt.053" and (opening is None or closing is None):
            self._warn(
                gettext_noop(
                    "%(where)s : pas de paire de soldes comptables d'ouverture (OPBD/PRCD) et de "
                    "clôture (CLBD) ; le relevé ne peut pas être vérifié"
                ),
                where=self._where(section),
            )

    @staticmethod
    def _balance_type(balance) -> str:
        kind = child(balance, "Tp")
        code = (
            text(path(kind, "CdOrPrtry", "Cd"))
            or text(path(kind, "CdOrPrtry", "Prtry"))
            or text(child(kind, "Cd"))  # 001.01
            or text(child(kind, "Prtry"))
        )
        return code.upper()

    def _balance(self, balance, section: _Section, label: str) -> tuple[int | None, date | None]:
        amount = child(balance, "Amt")
        try:
            cents = amount_to_cents(text(amount))
        except BadValue as exc:
            self._warn(
                gettext_noop("%(where)s ligne %(line)s : %(balance)s ignoré : %(reason)s"),
                where=self._where(section),
                line=balance.sourceline,
                balance=label,
                reason=str(exc),
            )
            return None, None
        if text(child(balance, "CdtDbtInd")).upper() == "DBIT":
            cents = -cents
        ccy = (amount.get("Ccy") or "").strip().upper()
        currency = section.account.currency
        if ccy and currency and ccy != currency:
            self._warn(
                gettext_noop("%(where)s : %(balance)s en %(ccy)s, compte en %(currency)s"),
                where=self._where(section),
                balance=label,
                ccy=ccy,
                currency=currency,
            )
        try:
            day = _date(child(balance, "Dt"), "Dt")
        except BadValue as exc:
            self._warn(
                gettext_noop("%(where)s : %(balance)s : %(reason)s"),
                where=self._where(section),
                balance=label,
                reason=str(exc),
            )
            day = None
        return cents, day

    def _control_sums(self, section: _Section) -> None:
        """What the section's TxsSummry states, to be checked once its entries are read."""
        summary = child(section.element, "TxsSummry")
        if summary is None:
            return
        for group in summary:
            group_name = _name(group)
            if group_name not in ("TtlNtries", "TtlCdtNtries", "TtlDbtNtries"):
                continue
            fields = index(group)
            for name in ("NbOfNtries", "Sum"):
                value = fields.get(name)
                if value is not None:
                    self._control(section, f"{group_name}/{name}", value, count=name != "Sum")
            if group_name != "TtlNtries":
                continue
            # net: TtlNetNtry/Amt + CdtDbtInd (001.03+), TtlNetNtryAmt + CdtDbtInd (001.02)
            net = fields.get("TtlNetNtry")
            amount = child(net, "Amt") if net is not None else fields.get("TtlNetNtryAmt")
            direction = child(net, "CdtDbtInd") if net is not None else fields.get("CdtDbtInd")
            if amount is not None:
                negative = text(direction).upper() == "DBIT"
                self._control(section, "TtlNtries/TtlNetNtry", amount, negative=negative)

    def _control(self, section: _Section, where: str, element, *, count=False, negative=False):
        raw = text(element)
        try:
            value = int(raw) if count else amount_to_cents(raw)
        except ValueError:
            self._warn(
                gettext_noop(
                    "%(where)s ligne %(line)s : TxsSummry/%(element)s illisible (%(value)s) ; "
                    "non vérifié"
                ),
                where=self._where(section),
                line=element.sourceline,
                element=where,
                value=raw,
            )
            return
        section.control[where] = (-value if negative else value, element.sourceline)

    def _check_control_sums(self, section: _Section) -> None:
        """The entries must add up to the stated control sums, else the file is refused."""
        if not section.control:
            return
        if section.unreadable:
            self._warn(
                gettext_noop(
                    "%(where)s : sommes de contrôle (TxsSummry) non vérifiées : %(count)s "
                    "opération(s) illisible(s)"
                ),
                where=self._where(section),
                count=section.unreadable,
            )
            return
        booked = section.booked.figures()
        everything = section.booked.plus(section.not_booked).figures()
        for reading in (booked, everything):
            if all(reading[key] == stated for key, (stated, _line) in section.control.items()):
                return
        key, (stated, line) = next(
            (key, found) for key, found in section.control.items() if booked[key] != found[0]
        )
        counted = booked[key]
        is_count = key.endswith("NbOfNtries")
        raise ParseError(
            gettext_noop(
                "les opérations ne correspondent pas aux sommes de contrôle de %(where)s : "
                "le fichier annonce %(stated)s, les opérations comptabilisées font "
                "%(counted)s ; des opérations manquent ou sont fausses"
            ),
            file=self.filename,
            line=line,
            field=f"TxsSummry/{key}",
            params={
                "where": self._where(section),
                "stated": stated if is_count else _decimal(stated),
                "counted": counted if is_count else _decimal(counted),
            },
        )

    # --- entries -----------------------------------------------------------------------

    def _error(self, line: int | None, field: str, template: str, **params: object) -> None:
        self.result.errors.append(
            RowError.of(line or 0, field, template, params, file=self.filename)
        )

    def _bad(self, line: int | None, field: str, exc: BadValue) -> None:
        self.result.errors.append(
            RowError.of(line or 0, field, exc.template, exc.params, file=self.filename)
        )

    def _entry(self, ntry, section: _Section) -> None:
        line_no = ntry.sourceline
        fields: dict = {}
        txs: list = []
        for sub in ntry:
            name = _name(sub)
            if name == "NtryDtls":
                txs.extend(tx for tx in sub if _name(tx) == "TxDtls")
            elif name == "TxDtls":  # 001.01: TxDtls right under Ntry
                txs.append(sub)
            elif name not in fields:
                fields[name] = sub

        status = fields.get("Sts")
        booked = True
        if status is not None:
            code = (text(status) or text(child(status, "Cd"))).upper()  # 001.08+: Sts/Cd
            booked = code not in _NOT_BOOKED
        amount = fields.get("Amt")
        indicator = text(fields.get("CdtDbtInd")).upper()
        try:
            cents = amount_to_cents(amount.text or "") if amount is not None else None
        except BadValue as exc:
            if booked:
                section.unreadable += 1
                self._bad(line_no, "Amt", exc)
            else:
                self.not_booked += 1
            return
        if cents is not None and indicator in ("CRDT", "DBIT"):
            (section.booked if booked else section.not_booked).add(cents, indicator == "CRDT")
        if not booked:
            self.not_booked += 1
            return
        if cents is None:
            section.unreadable += 1
            self._error(line_no, "Amt", gettext_noop("opération sans montant"))
            return
        if indicator not in ("CRDT", "DBIT"):
            section.unreadable += 1
            self._error(
                line_no,
                "CdtDbtInd",
                gettext_noop("indicateur crédit/débit « %(indicator)s » invalide (CRDT ou DBIT)"),
                indicator=indicator or "—",
            )
            return
        ccy = (amount.get("Ccy") or "").strip().upper() if amount is not None else ""
        credit = indicator == "CRDT"
        reversal = text(fields.get("RvslInd")).lower() in ("true", "1")
        try:
            booking = _date(fields.get("BookgDt"), "BookgDt")
        except BadValue as exc:
            self._bad(line_no, "BookgDt", exc)
            return
        try:
            value = _date(fields.get("ValDt"), "ValDt")
        except BadValue as exc:
            self._warn(
                gettext_noop("ligne %(line)s : %(reason)s (date de valeur laissée vide)"),
                line=line_no,
                reason=str(exc),
            )
            value = None
        if booking is None:
            booking = value
        if booking is None:
            self._error(
                line_no,
                "BookgDt",
                gettext_noop("opération sans date de comptabilisation ni de valeur"),
            )
            return

        account = section.account
        if not account.currency:
            account.currency = ccy
        currency = ccy if ccy and ccy != account.currency else ""
        sign = 1 if credit else -1
        # The counterparty is the other side of the original operation.
        original_credit = credit != reversal
        details = [_Tx(tx, ccy, original_credit, reversal) for tx in txs]
        entry_text = fields.get("AddtlNtryInf")
        entry_text = clean(entry_text.text or "") if entry_text is not None else ""
        bank_ref = text(fields.get("AcctSvcrRef"))
        lines = account.lines

        signed = _split_signs(details, cents, credit, reversal)
        if signed:
            for d, amount_cents in zip(details, signed, strict=True):
                self._check_documents(d, abs(amount_cents), d.line)
                lines.append(
                    StatementLine(
                        booking_date=booking,
                        value_date=value,
                        amount_cents=amount_cents,
                        label=d.texts or entry_text or d.extra,
                        reference=" ".join(d.refs) or d.bank_ref or bank_ref,
                        end_to_end_id=d.end_to_end_id,
                        counterparty_name=d.party[0],
                        counterparty_iban=d.party[1],
                        mandate_reference=d.mandate,
                        currency=currency,
                        line_no=d.line,
                        documents=d.documents,
                        return_code=d.return_code,
                        return_reason=d.return_reason,
                        reversal=reversal,
                    )
                )
            return

        if len(details) == 1:
            d = details[0]
            self._check_documents(d, cents, line_no)
            lines.append(
                StatementLine(
                    booking_date=booking,
                    value_date=value,
                    amount_cents=sign * cents,
                    label=d.texts or entry_text or d.extra,
                    reference=" ".join(d.refs) or bank_ref or d.bank_ref,
                    end_to_end_id=d.end_to_end_id,
                    counterparty_name=d.party[0],
                    counterparty_iban=d.party[1],
                    mandate_reference=d.mandate,
                    currency=currency,
                    line_no=line_no,
                    documents=d.documents,
                    return_code=d.return_code,
                    return_reason=d.return_reason,
                    reversal=reversal,
                )
            )
            return

        # No detail, or a batch kept whole: one line, the details' texts and ids joined.
        parties = _distinct(f"{n}\x00{i}" for n, i in (d.party for d in details) if n or i)
        name, iban = parties[0].split("\x00") if len(parties) == 1 else ("", "")
        lines.append(
            StatementLine(
                booking_date=booking,
                value_date=value,
                amount_cents=sign * cents,
                label=_LABEL_SEP.join(_distinct(d.texts for d in details))
                or entry_text
                or _LABEL_SEP.join(_distinct(d.extra for d in details)),
                reference=" ".join(_distinct(r for d in details for r in d.refs)) or bank_ref,
                end_to_end_id=" ".join(_distinct(d.end_to_end_id for d in details)),
                counterparty_name=name,
                counterparty_iban=iban,
                mandate_reference=" ".join(_distinct(d.mandate for d in details)),
                currency=currency,
                line_no=line_no,
                documents=[document for d in details for document in d.documents],
                return_code=" ".join(_distinct(d.return_code for d in details))[:8],
                return_reason=_LABEL_SEP.join(_distinct(d.return_reason for d in details))[:200],
                reversal=reversal,
            )
        )

    def _check_documents(self, tx: _Tx, cents: int, line: int | None) -> None:
        """Warn when the documents' amounts do not make the transaction amount."""
        amounts = [document.amount_cents for document in tx.documents]
        if not amounts or any(amount is None for amount in amounts):
            return
        total = sum(amount for amount in amounts if amount is not None)
        if total != cents:
            self._warn(
                gettext_noop(
                    "ligne %(line)s : les documents de la remise structurée (RfrdDocAmt) font "
                    "%(documents)s, l'opération %(amount)s"
                ),
                line=line or 0,
                documents=_decimal(total),
                amount=_decimal(cents),
            )


def _decimal(cents: int) -> str:
    """Cents written as the file writes amounts: 1234.5 → "1234.50"."""
    sign = "-" if cents < 0 else ""
    whole, hundredths = divmod(abs(cents), 100)
    return f"{sign}{whole}.{hundredths:02d}"

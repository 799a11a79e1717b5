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
  **not** flip the sign: per ISO 20022 the indicator on a reversal entry already gives the
  direction of the reversal booking ("CRDT + reversal: the original operation was a debit"),
  and the sample statements only balance that way (ABN AMRO: PRCD 1000.01 + 28.00 − 928.00 =
  CLBD 100.01 with its two DBIT reversals as debits). The reversal is used to pick the
  counterparty of the original operation (see below).
* Entries whose status is pending, information or future (``Sts`` PDNG/INFO/FUTR) are not
  booked: they are skipped with a warning. Entries with no status or BOOK are kept.
* Dates: ``BookgDt`` (``Dt`` or ``DtTm``, the local date written), value date ``ValDt``; with
  no booking date the value date is used; with neither the entry is a ``RowError``.
* Batches: an entry with several ``TxDtls`` becomes one line per ``TxDtls`` only when every
  ``TxDtls`` has its own amount in the entry's currency (``TxDtls/Amt``, else
  ``AmtDtls/TxAmt/Amt``) and these amounts add up exactly to the entry amount; each line then
  carries the entry's sign. Otherwise (no per-transaction amounts, amounts only in another
  currency, charges deducted, totals that disagree) the entry stays one line with the entry
  amount, and the remittance texts / references / end-to-end ids of all its ``TxDtls`` are
  joined. This keeps every statement's balance exactly as the bank booked it.
* Remittance: ``RmtInf/Ustrd`` joined (plus ``Strd/AddtlRmtInf``) → ``label``, falling back on
  ``AddtlNtryInf`` then ``AddtlTxInf``. ``Strd/CdtrRefInf/Ref`` (e.g. an RF creditor
  reference), else ``Strd/RfrdDocInf/Nb`` (the invoice number) → ``reference``; with no
  structured remittance, ``reference`` holds the bank reference (``AcctSvcrRef``).
  ``Refs/EndToEndId`` (not ``NOTPROVIDED``) → ``end_to_end_id``; ``Refs/MndtId`` →
  ``mandate_reference``.
* Counterparty: for a credit the debtor (``RltdPties/Dbtr/Nm`` or ``Dbtr/Pty/Nm``, else
  ``UltmtDbtr``; ``DbtrAcct/Id/IBAN``), for a debit the creditor. For a reversal, the party
  of the original operation (a returned direct debit, booked DBIT, names the debtor), or
  when the bank left it out, the other party (banks differ on which side a return names).
  A merged batch line names a counterparty only when all its transactions share it.
* Amounts are integer hundredths of the currency unit (``amount × 100``, exact, no float),
  whatever the currency's ISO 4217 exponent: JPY 2700 → 270000, CHF 474.4 → 47440. An
  amount with a non-zero third decimal cannot be stored without rounding: the entry is a
  ``RowError`` (a balance: ``None`` and a warning).
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
    BankStatement,
    ParseError,
    RowError,
    StatementAccount,
    StatementLine,
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
            raise ValueError(f"{field}: invalid date {value!r}") from None
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


class _Tx:
    """What one TxDtls says."""

    __slots__ = (
        "line",
        "cents",
        "end_to_end_id",
        "mandate",
        "bank_ref",
        "texts",
        "refs",
        "extra",
        "party",
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
        documents: list[str] = []
        remittance = fields.get("RmtInf")
        if remittance is not None:
            for sub in remittance:
                name = _name(sub)
                if name == "Ustrd":
                    texts.append(clean(sub.text or ""))
                elif name == "Strd":
                    for part in sub:
                        kind = _name(part)
                        if kind == "CdtrRefInf":
                            creditor_refs.append(text(child(part, "Ref")))
                        elif kind == "RfrdDocInf":
                            documents.append(text(child(part, "Nb")))
                        elif kind == "AddtlRmtInf":
                            texts.append(clean(part.text or ""))
        self.texts = " ".join(t for t in texts if t)
        self.refs = _distinct(creditor_refs) or _distinct(documents)
        extra = fields.get("AddtlTxInf")
        self.extra = clean(extra.text or "") if extra is not None else ""

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


class _Section:
    """One Stmt / Ntfctn / Rpt being read."""

    def __init__(self, element, number: int):
        self.element = element
        self.number = number
        self.account = StatementAccount()


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
                self.result.accounts.append(section.account)
                element.clear(keep_tail=False)
                section = None
            elif name in _MESSAGES and not self.result.format:
                self.result.format = _MESSAGES[name][0]  # a message holding no statement

        if not self.result.format:
            root = stream.root
            found = f"<{local_name(root.tag)}>" if root is not None else "nothing"
            namespace = namespace_of(root.tag) if root is not None else ""
            if namespace:
                found += f" in namespace {namespace}"
            raise ParseError(
                f"not an ISO 20022 camt.053/camt.054 bank-to-customer message (found {found})",
                file=self.filename,
                line=root.sourceline if root is not None else None,
            )
        if not self.result.accounts:
            section_name = _SECTION_NAMES[self.result.format]
            self.result.warnings.append(f"no {section_name} in this file")
        if self.not_booked:
            self.result.warnings.append(
                f"{self.not_booked} pending/information entr"
                f"{'y' if self.not_booked == 1 else 'ies'} (Sts PDNG/INFO/FUTR) not imported"
            )
        return self.result

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
        return section

    # --- statement header: account and balances ----------------------------------------

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
                opening, section, "opening"
            )
        if closing is not None:
            account.closing_balance_cents, account.closing_date = self._balance(
                closing, section, "closing"
            )
        if self.result.format == "camt.053" and (opening is None or closing is None):
            self.result.warnings.append(
                f"{self._where(section)}: no opening (OPBD/PRCD) and closing (CLBD) booked "
                "balance pair; the statement cannot be checked"
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
        except ValueError as exc:
            self.result.warnings.append(
                f"{self._where(section)} line {balance.sourceline}: {label} balance ignored: {exc}"
            )
            return None, None
        if text(child(balance, "CdtDbtInd")).upper() == "DBIT":
            cents = -cents
        ccy = (amount.get("Ccy") or "").strip().upper()
        currency = section.account.currency
        if ccy and currency and ccy != currency:
            self.result.warnings.append(
                f"{self._where(section)}: {label} balance in {ccy}, account in {currency}"
            )
        try:
            day = _date(child(balance, "Dt"), f"{label} balance date")
        except ValueError as exc:
            self.result.warnings.append(f"{self._where(section)}: {exc}")
            day = None
        return cents, day

    # --- entries -----------------------------------------------------------------------

    def _error(self, line: int | None, field: str, reason: str) -> None:
        self.result.errors.append(
            RowError(line=line or 0, field=field, reason=reason, file=self.filename)
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
        if status is not None:
            code = (text(status) or text(child(status, "Cd"))).upper()  # 001.08+: Sts/Cd
            if code in _NOT_BOOKED:
                self.not_booked += 1
                return
        amount = fields.get("Amt")
        if amount is None:
            self._error(line_no, "Amt", "entry without an amount")
            return
        try:
            cents = amount_to_cents(amount.text or "")
        except ValueError as exc:
            self._error(line_no, "Amt", str(exc))
            return
        ccy = (amount.get("Ccy") or "").strip().upper()
        indicator = text(fields.get("CdtDbtInd")).upper()
        if indicator not in ("CRDT", "DBIT"):
            self._error(line_no, "CdtDbtInd", f"credit/debit indicator {indicator or 'missing'}")
            return
        credit = indicator == "CRDT"
        reversal = text(fields.get("RvslInd")).lower() in ("true", "1")
        try:
            booking = _date(fields.get("BookgDt"), "BookgDt")
        except ValueError as exc:
            self._error(line_no, "BookgDt", str(exc))
            return
        try:
            value = _date(fields.get("ValDt"), "ValDt")
        except ValueError as exc:
            self.result.warnings.append(f"line {line_no}: {exc} (value date left empty)")
            value = None
        if booking is None:
            booking = value
        if booking is None:
            self._error(line_no, "BookgDt", "entry without booking or value date")
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

        split = len(details) > 1 and all(d.cents is not None for d in details)
        if split and sum(d.cents for d in details) == cents:
            for d in details:
                lines.append(
                    StatementLine(
                        booking_date=booking,
                        value_date=value,
                        amount_cents=sign * d.cents,
                        label=d.texts or entry_text or d.extra,
                        reference=" ".join(d.refs) or d.bank_ref or bank_ref,
                        end_to_end_id=d.end_to_end_id,
                        counterparty_name=d.party[0],
                        counterparty_iban=d.party[1],
                        mandate_reference=d.mandate,
                        currency=currency,
                        line_no=d.line,
                    )
                )
            return

        if len(details) == 1:
            d = details[0]
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
            )
        )

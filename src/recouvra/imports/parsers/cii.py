"""UN/CEFACT Cross Industry Invoice (EN 16931 CII, Factur-X / ZUGFeRD 2.x, XRechnung CII).

``parse_cii(data, filename=...)`` → ``Ledger`` (format ``"cii"``) holding one ``LedgerClaim``
for the one invoice of the file. The legacy ZUGFeRD 1.0 ``CrossIndustryDocument`` is read
too (same fields under older element names). Pure Python, no Django.

Reading rules
-------------
* reference = ``ExchangedDocument/ID`` (BT-1); issue_date = ``IssueDateTime`` (format 102,
  YYYYMMDD).
* amount = ``DuePayableAmount`` (BT-115, what is still to pay: lower than the grand total
  when something was prepaid), or ``GrandTotalAmount`` when it is absent; integer cents.
* Credit notes: TypeCode 381, 261, 262, 296, 308, 396, 420, 458, 532, 81, 83 (the EN 16931
  credit-note codes) give a negative amount, whatever the sign written (a credit note never
  becomes a claim). An invoice type (380, 384, 386, 389…) keeps the sign written, so an
  "avoir" sent as 380 with negative totals stays negative.
  389 is a *self-billed invoice* (German "Gutschrift" in the §14 UStG sense): the buyer
  issued it, but it is still an invoice the buyer owes the seller, so it stays positive;
  a warning says so.
* due_date = the first ``SpecifiedTradePaymentTerms/DueDateDateTime``; ``None`` when there
  is none. payment_terms = the terms' ``Description`` texts (kept whether or not there is a
  due date).
* debtor = ``BuyerTradeParty``: ``Name``; SIREN from ``SpecifiedLegalOrganization/ID`` with
  schemeID 0002 (or 0009, SIRET): a 14-digit SIRET gives its first 9 digits; a SIREN failing
  the Luhn check is kept with a warning. VAT from ``SpecifiedTaxRegistration/ID`` schemeID
  VA (spaces dropped). The buyer's own ``ID`` (BT-46, the customer number the seller gave
  it) → debtor_account. seller = ``SellerTradeParty`` name and SIREN, same rules.
* Only the header parties are read, never the line-level ones (EXTENDED invoices carry a
  seller per line).
* The profile (``GuidelineSpecifiedDocumentContextParameter/ID``) is not stored; a warning
  is added only when it is unusual (legacy ZUGFeRD 1.0, missing, or unknown).
* No XSD or schematron validation: a file is read for what it says, and a missing invoice
  number or amount is a ``ParseError``.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.fr import siren as siren_check

from recouvra.imports.parsers.xmlsafe import (
    DEFAULT_MAX_BYTES,
    amount_to_cents,
    child,
    children,
    clean,
    local_name,
    namespace_of,
    parse_xml,
    path,
    text,
)
from recouvra.imports.records import BadValue, Ledger, LedgerClaim, ParseError, gettext_noop

CREDIT_NOTE_TYPES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)
INVOICE_TYPES = frozenset({"380", "383", "384", "386", "389", "393", "875", "876", "877"})
_TYPE_NAMES = {
    "383": "debit note",
    "384": "corrected invoice",
    "386": "prepayment invoice",
    "389": "self-billed invoice",
}
_KNOWN_PROFILES = ("factur-x.eu", "en16931", "zugferd", "xrechnung", "ferd:", "peppol")
_SIREN_SCHEMES = {"0002", "0009"}


def parse_cii(data: bytes, *, filename: str = "", max_bytes: int = DEFAULT_MAX_BYTES) -> Ledger:
    """Read one CII invoice; see the module docstring for the rules."""
    root = parse_xml(data, filename=filename, max_bytes=max_bytes)
    return read_cii_tree(root, filename=filename, format="cii")


def _first(element, *names: str):
    """The first child found under any of these local names (CII D16B, then ZUGFeRD 1.0)."""
    for name in names:
        found = child(element, name)
        if found is not None:
            return found
    return None


def _date_102(element) -> date | None:
    """udt:DateTimeString (format 102: YYYYMMDD; ISO dates tolerated) → date."""
    stamp = child(element, "DateTimeString")
    if stamp is None:
        return None
    value = text(stamp)
    fmt = (stamp.get("format") or "102").strip()
    if fmt == "102" and re.fullmatch(r"\d{8}", value):
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value[:10]):
        return date.fromisoformat(value[:10])
    raise BadValue(
        gettext_noop("date « %(date)s » (format %(format)s) : AAAAMMJJ attendu"),
        date=value,
        format=fmt,
    )


def _siren(party, role: str, warnings: list[str]) -> str:
    for legal in children(party, "SpecifiedLegalOrganization"):
        for ident in children(legal, "ID"):
            scheme = (ident.get("schemeID") or "").strip()
            if scheme not in _SIREN_SCHEMES:
                continue
            digits = re.sub(r"[\s.\-]", "", text(ident))
            if re.fullmatch(r"\d{14}", digits):
                digits = digits[:9]  # SIRET = SIREN + 5-digit establishment number
            elif not re.fullmatch(r"\d{9}", digits):
                warnings.append(
                    f"{role} legal ID {text(ident)!r} (scheme {scheme}) is no SIREN/SIRET"
                )
                continue
            if not siren_check.is_valid(digits):
                warnings.append(f"{role} SIREN {digits} fails the Luhn check (kept as written)")
            return digits
    return ""


def _vat(party) -> str:
    for registration in children(party, "SpecifiedTaxRegistration"):
        ident = child(registration, "ID")
        if ident is not None and (ident.get("schemeID") or "").strip().upper() == "VA":
            return re.sub(r"[\s.\-]", "", text(ident)).upper()
    return ""


def _amount(summation, name: str, filename: str) -> int | None:
    element = child(summation, name)
    if element is None or not text(element):
        return None
    try:
        return amount_to_cents(text(element))
    except BadValue as exc:
        raise ParseError(
            exc.template, file=filename, line=element.sourceline, field=name, params=exc.params
        ) from None


def read_cii_tree(root, *, filename: str = "", format: str = "cii") -> Ledger:
    """Turn a parsed CrossIndustryInvoice (or ZUGFeRD 1.0 CrossIndustryDocument) into a Ledger."""
    ledger = Ledger(format=format)
    warnings = ledger.warnings
    kind = local_name(root.tag)
    if kind not in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        namespace = namespace_of(root.tag)
        template = (
            gettext_noop(
                "ce n'est pas une facture CII : élément racine <%(element)s>%(namespace)s (les "
                "factures UBL ne sont pas prises en charge)"
            )
            if kind in ("Invoice", "CreditNote")
            else gettext_noop(
                "ce n'est pas une facture CII : élément racine <%(element)s>%(namespace)s"
            )
        )
        raise ParseError(
            template,
            params={"element": kind, "namespace": f" ({namespace})" if namespace else ""},
            file=filename,
            line=root.sourceline,
        )
    legacy = kind == "CrossIndustryDocument"

    context = _first(root, "ExchangedDocumentContext", "SpecifiedExchangedDocumentContext")
    profile = text(path(context, "GuidelineSpecifiedDocumentContextParameter", "ID"))
    if legacy:
        warnings.append(f"legacy ZUGFeRD 1.0 invoice (profile {profile or 'not given'})")
    elif not profile:
        warnings.append("no profile (GuidelineSpecifiedDocumentContextParameter) given")
    elif not any(known in profile.lower() for known in _KNOWN_PROFILES):
        warnings.append(f"unknown profile {profile}")

    document = _first(root, "ExchangedDocument", "HeaderExchangedDocument")
    reference = clean(text(child(document, "ID")))
    if not reference:
        raise ParseError(
            gettext_noop("pas de numéro de facture (ExchangedDocument/ID)"),
            file=filename,
            line=document.sourceline if document is not None else root.sourceline,
            field="ExchangedDocument/ID",
        )
    type_code = text(child(document, "TypeCode"))
    try:
        issue_date = _date_102(child(document, "IssueDateTime"))
    except ValueError as exc:
        warnings.append(f"issue date ignored: {exc}")
        issue_date = None

    transaction = _first(
        root, "SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction"
    )
    agreement = _first(
        transaction, "ApplicableHeaderTradeAgreement", "ApplicableSupplyChainTradeAgreement"
    )
    settlement = _first(
        transaction, "ApplicableHeaderTradeSettlement", "ApplicableSupplyChainTradeSettlement"
    )
    summation = _first(
        settlement,
        "SpecifiedTradeSettlementHeaderMonetarySummation",
        "SpecifiedTradeSettlementMonetarySummation",
    )
    due = _amount(summation, "DuePayableAmount", filename)
    total = _amount(summation, "GrandTotalAmount", filename)
    amount = due if due is not None else total
    if amount is None:
        raise ParseError(
            gettext_noop("pas de montant (DuePayableAmount ou GrandTotalAmount)"),
            file=filename,
            line=(summation if summation is not None else root).sourceline,
            field="DuePayableAmount",
        )
    if due is not None and total is not None and due != total:
        warnings.append(
            f"amount due {_fmt(due)} differs from the grand total {_fmt(total)} "
            f"(prepaid {_fmt(total - due)})"
        )

    if type_code in CREDIT_NOTE_TYPES:
        if amount < 0:
            warnings.append(
                f"credit note (TypeCode {type_code}) with negative totals: read as a credit"
            )
        amount = -abs(amount)
    elif type_code in _TYPE_NAMES:
        extra = ": issued by the buyer, owed to the seller" if type_code == "389" else ""
        warnings.append(f"TypeCode {type_code} ({_TYPE_NAMES[type_code]}){extra}")
    elif type_code not in INVOICE_TYPES:
        warnings.append(f"unusual document TypeCode {type_code or '(none)'}: read as an invoice")
    if amount < 0 and type_code not in CREDIT_NOTE_TYPES:
        warnings.append(f"negative amount on TypeCode {type_code}: read as a credit note")

    currency = text(child(settlement, "InvoiceCurrencyCode")).upper()
    if not currency:
        amount_element = _first(summation, "DuePayableAmount", "GrandTotalAmount")
        currency = (amount_element.get("currencyID") or "") if amount_element is not None else ""
        currency = currency.strip().upper()
        if not currency:
            currency = "EUR"
            warnings.append("no InvoiceCurrencyCode: EUR assumed")

    due_date = None
    descriptions: list[str] = []
    for terms in children(settlement, "SpecifiedTradePaymentTerms"):
        description = clean(text(child(terms, "Description")))
        if description and description not in descriptions:
            descriptions.append(description)
        if due_date is None:
            try:
                due_date = _date_102(child(terms, "DueDateDateTime"))
            except ValueError as exc:
                warnings.append(f"due date ignored: {exc}")

    buyer = child(agreement, "BuyerTradeParty")
    seller = child(agreement, "SellerTradeParty")
    buyer_account = ""
    for ident in children(buyer, "ID"):
        if not ident.get("schemeID"):
            buyer_account = text(ident)
            break

    ledger.claims.append(
        LedgerClaim(
            reference=reference,
            issue_date=issue_date,
            due_date=due_date,
            amount_cents=amount,
            currency=currency,
            debtor_name=clean(text(child(buyer, "Name"))),
            debtor_siren=_siren(buyer, "buyer", warnings),
            debtor_vat=_vat(buyer),
            debtor_account=buyer_account,
            seller_name=clean(text(child(seller, "Name"))),
            seller_siren=_siren(seller, "seller", warnings),
            payment_terms=" / ".join(descriptions),
            line_no=document.sourceline,
        )
    )
    return ledger


def _fmt(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"

"""Import parsed claims into the ledger: upsert by (creditor, reference), set-based.

Re-importing the same or an overlapping file changes nothing; an invoice whose amount or
dates changed is updated and the change lands on its case timeline. Rows that cannot be
imported are stored as ImportRowError with line, field and reason; the others go in.
Work is done in bulk (a few queries per thousand rows), never one query per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from recouvra.cases.models import InteractionKind
from recouvra.cases.services import add_events, open_cases
from recouvra.core.bulk import batches, insert_rows
from recouvra.core.search import normalize, search_text
from recouvra.law.identifiers import InvalidIdentifier, clean_siren
from recouvra.law.money import MAX_CENTS, format_amount, out_of_range_reason
from recouvra.law.tables import threshold_count
from recouvra.ledger.models import Claim, ClaimKind, ClaimStatus, Creditor, Debtor, DebtorKind
from recouvra.ledger.services import create_claims

from . import messages
from .models import ImportBatch, ImportRowError
from .records import LedgerClaim, RowError

CHUNK = 500  # rows per IN (...) query: well under SQLite's variable limit


def import_claims(
    batch: ImportBatch, claims: Sequence[LedgerClaim], errors: Iterable[RowError] = ()
) -> ImportBatch:
    """Create or update the claims of `batch.creditor`; returns the batch with its counts."""
    creditor = batch.creditor
    row_errors = list(errors)
    valid = _valid_rows(claims, row_errors)
    with transaction.atomic():
        debtors = _resolve_debtors(batch.organization_id, valid)
        existing = _existing_claims(creditor, [c.reference for c in valid])
        new = [c for c in valid if c.reference not in existing]
        changed = _apply_changes(batch, valid, existing)
        _create_claims(batch, creditor, new, debtors)
        ImportRowError.objects.bulk_create(
            ImportRowError(
                organization_id=batch.organization_id,
                batch=batch,
                line=e.line,
                field=e.field,
                reason=messages.reason(e),
            )
            for e in row_errors
        )
        batch.rows_total = len(claims)
        batch.rows_created = len(new)
        batch.rows_updated = changed
        batch.rows_unchanged = len(valid) - len(new) - changed
        batch.rows_invalid = len(row_errors)
        batch.save(
            update_fields=[
                "rows_total",
                "rows_created",
                "rows_updated",
                "rows_unchanged",
                "rows_invalid",
                "updated_at",
            ]
        )
    return batch


def default_due_date(issue: date) -> date:
    # C. com. L441-10 I: with no agreed term, payment is due 30 days after delivery;
    # a file without due dates (FEC) gets the issue date + 30 days, to be corrected
    return issue + timedelta(days=threshold_count("b2b_default_payment_term_days"))


def _valid_rows(claims: Sequence[LedgerClaim], errors: list[RowError]) -> list[LedgerClaim]:
    seen: set[str] = set()
    valid = []
    for claim in claims:
        problem = _problem(claim, seen)
        if problem:
            errors.append(RowError(claim.line_no or 0, *problem))
            continue
        seen.add(claim.reference)
        if claim.due_date is None:
            claim.due_date = default_due_date(claim.issue_date)
        valid.append(claim)
    return valid


def _problem(claim: LedgerClaim, seen: set[str]) -> tuple[str, str] | None:
    if not claim.reference:
        return "reference", "référence manquante"
    if claim.reference in seen:
        return "reference", f"référence {claim.reference} en double dans le fichier"
    if claim.amount_cents <= 0:
        return "amount_cents", "montant nul ou négatif (avoir ou trop-perçu) : non importé"
    if claim.amount_cents > MAX_CENTS:
        return "amount_cents", out_of_range_reason()
    if claim.issue_date is None:
        return "issue_date", "date de facture manquante"
    if claim.due_date is not None and claim.due_date < claim.issue_date:
        return "due_date", "échéance antérieure à la date de facture"
    if not (claim.debtor_name or claim.debtor_siren or claim.debtor_account):
        return "debtor_name", "débiteur non indiqué"
    return None


def _debtor_key(claim: LedgerClaim) -> tuple[str, str]:
    """How a row names its debtor: SIREN first, then customer code, then name."""
    if claim.debtor_siren:
        try:
            return "siren", clean_siren(claim.debtor_siren)
        except InvalidIdentifier:
            pass
    if claim.debtor_account:
        return "customer_code", claim.debtor_account.strip()
    return "name", normalize(claim.debtor_name)


def _resolve_debtors(org_id: int, claims: Sequence[LedgerClaim]) -> dict[tuple[str, str], int]:
    """Debtor id per key, creating the debtors that do not exist yet (in bulk)."""
    keys = {_debtor_key(c): c for c in claims}
    found: dict[tuple[str, str], int] = {}
    debtors = Debtor.objects.filter(organization_id=org_id)
    for kind in ("siren", "customer_code"):
        values = [v for k, v in keys if k == kind]
        for chunk in batches(values):
            for debtor_id, value in debtors.filter(**{f"{kind}__in": chunk}).values_list(
                "id", kind
            ):
                found.setdefault((kind, value), debtor_id)
    names = {v for k, v in keys if k == "name"}
    if names:
        for debtor_id, name in debtors.values_list("id", "name"):
            if normalize(name) in names:
                found.setdefault(("name", normalize(name)), debtor_id)
    missing = [claim for key, claim in keys.items() if key not in found]
    if missing:
        now = timezone.now()
        insert_rows(
            Debtor,
            DEBTOR_FIELDS,
            (_new_debtor_row(org_id, claim, now) for claim in missing),
        )
        return _resolve_debtors(org_id, claims)  # the new rows are found like the others
    return found


DEBTOR_FIELDS = (
    "organization_id",
    "created_at",
    "updated_at",
    "kind",
    "name",
    "siren",
    "siret",
    "vat_number",
    "email",
    "phone",
    "mobile",
    "iban",
    "notes",
    "customer_code",
    "search_text",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
)


def _new_debtor_row(org_id: int, claim: LedgerClaim, now: Any) -> tuple:
    key, value = _debtor_key(claim)
    name = (claim.debtor_name or claim.debtor_account or value)[:200]
    siren = value if key == "siren" else ""
    vat = claim.debtor_vat.replace(" ", "").upper()[:20]
    code = claim.debtor_account.strip()[:40]
    text = search_text(name, siren, code)
    return (
        org_id,
        now,
        now,
        DebtorKind.COMPANY,
        name,
        siren,
        "",
        vat,
        "",
        "",
        "",
        "",
        "",
        code,
        text,
        "",
        "",
        "",
        "",
        "FR",
    )


def _existing_claims(creditor: Creditor, references: list[str]) -> dict[str, Claim]:
    existing = {}
    for chunk in batches(references):
        for claim in Claim.objects.filter(creditor=creditor, reference__in=chunk):
            existing[claim.reference] = claim
    return existing


def _apply_changes(batch: ImportBatch, rows: Sequence[LedgerClaim], existing: dict) -> int:
    """Update the claims whose amount or dates changed; each change goes on the timeline."""
    updated, events = [], []
    for row in rows:
        claim = existing.get(row.reference)
        if claim is None:
            continue
        changes = _differences(claim, row)
        if not changes:
            continue
        claim.principal_cents = row.amount_cents
        claim.issue_date, claim.due_date = row.issue_date, row.due_date
        updated.append(claim)
        if claim.case_id:
            text = f"Facture {claim.reference} modifiée par l'import {batch.filename} : "
            events.append((claim.case_id, text + ", ".join(changes) + "."))
    Claim.objects.bulk_update(updated, ["principal_cents", "issue_date", "due_date"], CHUNK)
    _timeline(batch, events)
    return len(updated)


def _differences(claim: Claim, row: LedgerClaim) -> list[str]:
    changes = []
    if claim.principal_cents != row.amount_cents:
        old, new = format_amount(claim.principal_cents), format_amount(row.amount_cents)
        changes.append(f"montant {old} → {new}")
    if claim.issue_date != row.issue_date:
        changes.append(f"date {claim.issue_date:%d/%m/%Y} → {row.issue_date:%d/%m/%Y}")
    if claim.due_date != row.due_date:
        changes.append(f"échéance {claim.due_date:%d/%m/%Y} → {row.due_date:%d/%m/%Y}")
    return changes


def _create_claims(
    batch: ImportBatch, creditor: Creditor, rows: Sequence[LedgerClaim], debtors: dict
) -> None:
    debtor_ids = {row.reference: debtors[_debtor_key(row)] for row in rows}
    org = batch.organization_id
    author = batch.uploaded_by_id
    cases = open_cases(org, creditor.pk, set(debtor_ids.values()), author_id=author)
    per_case: dict[int, list[LedgerClaim]] = {}
    now = timezone.now()
    values = []
    for row in rows:
        debtor_id = debtor_ids[row.reference]
        per_case.setdefault(cases[debtor_id], []).append(row)
        values.append(
            (creditor.pk, debtor_id, cases[debtor_id], row.reference[:60], row.issue_date)
            + (row.due_date, row.amount_cents, row.currency or "EUR", ClaimKind.B2B)
            + (row.payment_terms, None, ClaimStatus.OPEN, now)
        )
    create_claims(org, values, _names(set(debtor_ids.values())))
    _timeline(batch, ((case_id, _added_text(batch, added)) for case_id, added in per_case.items()))


def _names(debtor_ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for chunk in batches(sorted(debtor_ids)):
        names.update(Debtor.objects.filter(pk__in=chunk).values_list("id", "name"))
    return names


def _added_text(batch: ImportBatch, claims: list[LedgerClaim]) -> str:
    total = format_amount(sum(c.amount_cents for c in claims))
    refs = ", ".join(c.reference for c in claims[:5]) + ("…" if len(claims) > 5 else "")
    return f"{len(claims)} créance(s) ajoutée(s) par l'import {batch.filename} ({total}) : {refs}."


def _timeline(
    batch: ImportBatch, entries: Iterable[tuple[int, str]], kind: str = InteractionKind.CLAIM
) -> None:
    """Append entries (case id, text) to case timelines, in one executemany."""
    add_events(batch.organization_id, entries, kind, author_id=batch.uploaded_by_id)

"""Import parsed claims into the ledger: upsert by (creditor, reference), set-based.

Re-importing the same or an overlapping file changes nothing; an invoice whose amount or
dates changed is updated and the change lands on its case timeline. Rows that cannot be
imported are stored as ImportRowError with line, field and reason; the others go in.
Work is done in bulk (a few queries per thousand rows), never one query per row.

`upsert_claims` holds the rules; a ledger import (`import_claims`), the API's bulk call
and the API's PATCH of a claim all go through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from recouvra.cases.models import InteractionKind
from recouvra.cases.queue import assign_new_cases
from recouvra.cases.services import add_events, open_cases
from recouvra.core import audit
from recouvra.core.bulk import among, batches, insert_rows
from recouvra.core.search import normalize, search_text
from recouvra.law.identifiers import InvalidIdentifier, clean_siren
from recouvra.law.money import MAX_CENTS, format_amount
from recouvra.law.tables import threshold_count
from recouvra.ledger.models import Claim, ClaimKind, ClaimStatus, Creditor, Debtor, DebtorKind
from recouvra.ledger.services import (
    NEW_CLAIM_FIELDS,
    create_claims,
    settle_amended,
)

from . import messages
from .models import ImportBatch, ImportRowError
from .records import LedgerClaim, RowError, gettext_noop

CHUNK = 500  # rows per IN (...) query: well under SQLite's variable limit

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"
# what an upsert compares and amends on a claim that exists already
AMENDED_FIELDS = ("principal_cents", "issue_date", "due_date")


@dataclass(slots=True)
class Outcome:
    """What became of one row: created, updated, unchanged or error (with its errors)."""

    result: str = UNCHANGED
    claim_id: int | None = None
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Upsert:
    """The outcome of each row given, in their order."""

    outcomes: list[Outcome]

    def count(self, result: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.result == result)


def import_claims(
    batch: ImportBatch, claims: Sequence[LedgerClaim], errors: Iterable[RowError] = ()
) -> ImportBatch:
    """Create or update the claims of `batch.creditor`; returns the batch with its counts."""
    parse_errors = list(errors)
    with transaction.atomic():
        done = upsert_claims(
            batch.organization_id,
            batch.creditor,
            claims,
            source=f"l'import {batch.filename}",
            author_id=batch.uploaded_by_id,
        )
        row_errors = parse_errors + [e for o in done.outcomes for e in o.errors]
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
        batch.rows_created = done.count(CREATED)
        batch.rows_updated = done.count(UPDATED)
        batch.rows_unchanged = done.count(UNCHANGED)
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


def upsert_claims(
    organization_id: int,
    creditor: Creditor,
    claims: Sequence[LedgerClaim],
    *,
    source: str,
    author_id: int | None = None,
    audited: bool = False,
) -> Upsert:
    """Create or update claims of `creditor` by reference, the rules of a ledger import:
    a new reference is a new claim (its debtor found or created, its case opened or
    joined); an amount or a date that changed is amended and told on the claim's case;
    a row that changes nothing writes nothing. A row in error does not stop the others.

    `source` names who did it on the case timeline ("l'import balance.csv"); `author_id`
    is the timeline's author. `audited`: the audit log records each claim created or
    amended and each debtor created, with `author_id` as actor (the API; a ledger import
    is its own record, its batch). Call it inside a transaction."""
    outcomes = [Outcome() for _claim in claims]
    valid = _valid_rows(claims, outcomes)
    if not valid:
        return Upsert(outcomes)
    existing = _existing_claims(creditor, [claim.reference for _position, claim in valid])
    new = [(position, claim) for position, claim in valid if claim.reference not in existing]
    for position, claim in valid:
        known = existing.get(claim.reference)
        if known is not None:
            outcomes[position].claim_id = known.pk
    now = timezone.now()
    changed = _apply_changes(
        organization_id, source, valid, existing, now, author_id=author_id, audited=audited
    )
    for position in changed:
        outcomes[position].result = UPDATED
    if not new:
        return Upsert(outcomes)
    rows = [claim for _position, claim in new]  # only a new claim needs its debtor
    keys = _debtor_keys(rows)
    debtors = _find_or_create_debtors(
        organization_id, rows, keys, audit_as=author_id if audited else None
    )
    ids = _create_claims(
        organization_id,
        creditor,
        rows,
        {claim.reference: debtors[keys[id(claim)]] for claim in rows},
        now,
        source=source,
        author_id=author_id,
        audited=audited,
    )
    for position, _claim in new:
        outcomes[position].result = CREATED
    for (position, _claim), claim_id in zip(new, ids, strict=False):  # ids: when audited
        outcomes[position].claim_id = claim_id
    return Upsert(outcomes)


def default_due_date(issue: date) -> date:
    # C. com. L441-10 I: with no agreed term, payment is due 30 days after delivery;
    # a file without due dates (FEC) gets the issue date + 30 days, to be corrected
    return issue + timedelta(days=threshold_count("b2b_default_payment_term_days"))


def _valid_rows(
    claims: Sequence[LedgerClaim], outcomes: list[Outcome]
) -> list[tuple[int, LedgerClaim]]:
    seen: set[str] = set()
    valid = []
    for position, claim in enumerate(claims):
        problem = _problem(claim, seen)
        if problem:
            outcomes[position].result = ERROR
            outcomes[position].errors.append(problem)
            continue
        seen.add(claim.reference)
        if claim.due_date is None:
            claim.due_date = default_due_date(claim.issue_date)
        valid.append((position, claim))
    return valid


def _problem(claim: LedgerClaim, seen: set[str]) -> RowError | None:
    line = claim.line_no or 0
    if not claim.reference:
        return RowError.of(line, "reference", gettext_noop("référence manquante"))
    if claim.reference in seen:
        return RowError.of(
            line,
            "reference",
            gettext_noop("référence %(reference)s en double dans le fichier"),
            {"reference": claim.reference},
        )
    if claim.amount_cents <= 0:
        return RowError.of(
            line,
            "amount_cents",
            gettext_noop("montant nul ou négatif (avoir ou trop-perçu) : non importé"),
        )
    if claim.amount_cents > MAX_CENTS:
        return RowError.of(
            line,
            "amount_cents",
            gettext_noop("montant hors limites : au plus %(max)s en valeur absolue"),
            {"max": format_amount(MAX_CENTS)},
        )
    if claim.issue_date is None:
        return RowError.of(line, "issue_date", gettext_noop("date de facture manquante"))
    if claim.due_date is not None and claim.due_date < claim.issue_date:
        return RowError.of(
            line, "due_date", gettext_noop("échéance antérieure à la date de facture")
        )
    if not (claim.debtor_id or claim.debtor_name or claim.debtor_siren or claim.debtor_account):
        return RowError.of(line, "debtor_name", gettext_noop("débiteur non indiqué"))
    return None


def _debtor_keys(claims: Sequence[LedgerClaim]) -> dict[int, tuple[str, str]]:
    """The debtor key of each row, by the row's id() (a SIREN checked once per value)."""
    sirens: dict[str, str | None] = {}
    return {id(claim): _debtor_key(claim, sirens) for claim in claims}


def _debtor_key(claim: LedgerClaim, sirens: dict[str, str | None]) -> tuple[str, str]:
    """How a row names its debtor: its id, then SIREN, then customer code, then name."""
    if claim.debtor_id:
        return "id", str(claim.debtor_id)
    if claim.debtor_siren:
        if claim.debtor_siren not in sirens:
            try:
                sirens[claim.debtor_siren] = clean_siren(claim.debtor_siren)
            except InvalidIdentifier:
                sirens[claim.debtor_siren] = None
        siren = sirens[claim.debtor_siren]
        if siren is not None:
            return "siren", siren
    if claim.debtor_account:
        return "customer_code", claim.debtor_account.strip()
    return "name", normalize(claim.debtor_name)


def _resolve_debtors(
    org_id: int, row_keys: dict[int, tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """The id of the existing debtor of each key (of _debtor_keys) found."""
    keys = dict.fromkeys(row_keys.values())
    found: dict[tuple[str, str], int] = {(k, v): int(v) for k, v in keys if k == "id"}
    debtors = Debtor.objects.filter(organization_id=org_id)
    for kind in ("siren", "customer_code"):
        values = [v for k, v in keys if k == kind]
        for chunk in batches(values):
            for debtor_id, value in among(debtors, kind, chunk).values_list("id", kind):
                found.setdefault((kind, value), debtor_id)
    names = {v for k, v in keys if k == "name"}
    if names:
        for debtor_id, name in debtors.values_list("id", "name"):
            if normalize(name) in names:
                found.setdefault(("name", normalize(name)), debtor_id)
    return found


def _find_or_create_debtors(
    org_id: int,
    claims: Sequence[LedgerClaim],
    row_keys: dict[int, tuple[str, str]],
    *,
    audit_as: int | None = None,
) -> dict[tuple[str, str], int]:
    """Debtor id per key, creating the debtors that do not exist yet (in bulk); with
    `audit_as`, the creations are in the audit log with that actor."""
    found = _resolve_debtors(org_id, row_keys)
    missing: dict[tuple[str, str], LedgerClaim] = {}
    for claim in claims:
        key = row_keys[id(claim)]
        if key not in found:
            missing.setdefault(key, claim)
    if not missing:
        return found
    now = timezone.now()
    new_rows = {key: _new_debtor_row(org_id, claim, key, now) for key, claim in missing.items()}
    insert_rows(Debtor, DEBTOR_FIELDS, new_rows.values())
    found = _resolve_debtors(org_id, row_keys)  # the new rows are found like the others
    if audit_as is not None:
        audit.record_created(
            Debtor,
            (
                (found[key], row[4], dict(zip(DEBTOR_FIELDS, row, strict=True)))
                for key, row in new_rows.items()
            ),
            actor_id=audit_as,
        )
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


def _new_debtor_row(
    org_id: int, claim: LedgerClaim, debtor_key: tuple[str, str], now: Any
) -> tuple:
    key, value = debtor_key
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


@dataclass(slots=True)
class _Known:
    """A claim of the creditor as the upsert compares it."""

    pk: int
    reference: str
    principal_cents: int
    issue_date: date
    due_date: date
    case_id: int | None


def _existing_claims(creditor: Creditor, references: list[str]) -> dict[str, _Known]:
    """The creditor's claims of these references. Plain SQL: the ORM's date converters
    would cost more than the query (SQLite gives dates as text)."""
    existing = {}
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(Claim._meta.get_field(name).column)
        for name in ("id", "reference", *AMENDED_FIELDS, "case")
    )
    head = (
        f"SELECT {columns} FROM {quote(Claim._meta.db_table)} "
        f"WHERE {quote('creditor_id')} = %s AND {quote('reference')} IN "
    )
    with connection.cursor() as cursor:
        for chunk in batches(references, CHUNK):
            cursor.execute(head + f"({', '.join(['%s'] * len(chunk))})", [creditor.pk, *chunk])
            for pk, reference, cents, issue, due, case_id in cursor.fetchall():
                existing[reference] = _Known(pk, reference, cents, _day(issue), _day(due), case_id)
    return existing


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _apply_changes(
    org_id: int,
    source: str,
    rows: Sequence[tuple[int, LedgerClaim]],
    existing: dict[str, _Known],
    now: datetime,
    *,
    author_id: int | None,
    audited: bool,
) -> list[int]:
    """Update the claims whose amount or dates changed; each change goes on the timeline.
    Returns the positions of the rows that changed a claim."""
    updated, events, changed, amended = [], [], [], []
    for position, row in rows:
        known = existing.get(row.reference)
        if known is None:
            continue
        changes = _differences(known, row)
        if not changes:
            continue
        changed.append(position)
        new = (row.amount_cents, row.issue_date, row.due_date)
        before = (known.principal_cents, known.issue_date, known.due_date)
        amended.append((known, before, new))
        updated.append(
            Claim(pk=known.pk, principal_cents=new[0], issue_date=new[1], due_date=new[2])
        )
        updated[-1].updated_at = now  # bulk_update does not touch auto_now fields itself
        if known.case_id:
            text = f"Facture {known.reference} modifiée par {source} : "
            events.append((known.case_id, text + ", ".join(changes) + "."))
    Claim.objects.bulk_update(updated, [*AMENDED_FIELDS, "updated_at"], CHUNK)
    settle_amended([claim.pk for claim in updated])
    add_events(org_id, events, InteractionKind.CLAIM, author_id=author_id)
    if audited:
        audit.record_updated(
            Claim,
            (
                (
                    known.pk,
                    known.reference,
                    org_id,
                    dict(zip(AMENDED_FIELDS, before, strict=True)),
                    dict(zip(AMENDED_FIELDS, new, strict=True)),
                )
                for known, before, new in amended
            ),
            actor_id=author_id,
        )
    return changed


def _differences(claim: _Known, row: LedgerClaim) -> list[str]:
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
    org: int,
    creditor: Creditor,
    rows: Sequence[LedgerClaim],
    debtor_ids: dict[str, int],
    now: datetime,
    *,
    source: str,
    author_id: int | None,
    audited: bool,
) -> list[int]:
    """Insert the new claims in their debtors' cases; their ids when `audited` (in the
    order of `rows`), else an empty list."""
    if not rows:
        return []
    cases = open_cases(org, creditor.pk, set(debtor_ids.values()), author_id=author_id)
    per_case: dict[int, list[LedgerClaim]] = {}
    values = []
    for row in rows:
        debtor_id = debtor_ids[row.reference]
        per_case.setdefault(cases[debtor_id], []).append(row)
        values.append(
            (creditor.pk, debtor_id, cases[debtor_id], row.reference[:60], row.issue_date)
            + (row.due_date, row.amount_cents, row.currency or "EUR", row.kind or ClaimKind.B2B)
            + (row.payment_terms, row.contractual_rate, ClaimStatus.OPEN, now)
        )
    names = _names(set(debtor_ids.values()))
    create_claims(org, values, names)
    ids: list[int] = []
    if audited:
        found = _existing_claims(creditor, [row.reference for row in rows])
        ids = [found[row.reference].pk for row in rows]
        _audit_created(org, ids, values, author_id)
    entries = ((case_id, _added_text(source, added)) for case_id, added in per_case.items())
    add_events(org, entries, InteractionKind.CLAIM, author_id=author_id)
    # the cases still without an agent (those just opened) get one by the assignment rules,
    # now that their claims give them an amount
    assign_new_cases(org, per_case, actor_id=author_id)
    return ids


def _audit_created(org: int, ids: list[int], values: list[tuple], actor_id: int | None) -> None:
    reference = NEW_CLAIM_FIELDS.index("reference")
    audit.record_created(
        Claim,
        (
            (
                pk,
                row[reference],
                {"organization_id": org, **dict(zip(NEW_CLAIM_FIELDS, row, strict=True))},
            )
            for pk, row in zip(ids, values, strict=True)
        ),
        actor_id=actor_id,
    )


def _names(debtor_ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    debtors = Debtor.objects.order_by()
    for chunk in batches(sorted(debtor_ids)):
        names.update(among(debtors, "id", chunk).values_list("id", "name"))
    return names


def _added_text(source: str, claims: list[LedgerClaim]) -> str:
    total = format_amount(sum(c.amount_cents for c in claims))
    refs = ", ".join(c.reference for c in claims[:5]) + ("…" if len(claims) > 5 else "")
    return f"{len(claims)} créance(s) ajoutée(s) par {source} ({total}) : {refs}."

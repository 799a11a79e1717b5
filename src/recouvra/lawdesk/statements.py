"""Statements of account (décomptes) for claims in the database, computed by recouvra.law."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.cases.models import Case
from recouvra.law import statement as law
from recouvra.law.dates import DateOutOfRange
from recouvra.law.rates import RateTables
from recouvra.law.statement import ENGINE_REFUSALS, refusal_fr
from recouvra.ledger.models import Allocation, Claim, ClaimKind
from recouvra.web import generic

from .rates import rate_tables


def statement_for(
    claims: Sequence, as_of: date, *, tables: RateTables | None = None
) -> law.Statement:
    """The décompte of these claims (one debtor, one creditor) on `as_of`.

    A payment recorded against exactly one claim counts as the debtor's designation of
    that claim (C. civ. 1342-10, first sentence); otherwise the legal order applies.
    """
    claims = list(claims)
    return StatementBook(claims, tables=tables).statement(claims, as_of)


class StatementBook:
    """What the statements of many sets of claims need, read once for all of them: their
    payments, their cases' events and the rates (three queries in all, where
    statement_for makes three for each set). Each statement is computed when asked, so
    that a refusal of the law engine for one set is raised for that set alone."""

    def __init__(self, claims: Iterable, *, tables: RateTables | None = None) -> None:
        claims = list(claims)
        self._tables = tables
        self._allocations: dict[int, list[Allocation]] = defaultdict(list)
        allocations = Allocation.objects.filter(
            claim_id__in=[c.pk for c in claims], payment__reversed_at__isnull=True
        ).select_related("payment")
        for allocation in allocations:
            self._allocations[allocation.claim_id].append(allocation)
        self._cases = _cases(claims)

    def statement(self, claims: Sequence, as_of: date) -> law.Statement:
        """The décompte of `claims` (some of the book's, one debtor, one creditor)."""
        allocations = sorted(
            (a for c in claims for a in self._allocations.get(c.pk, ())),
            key=lambda a: (a.payment.received_on, a.payment_id),
        )
        return law.statement(
            [_claim(c) for c in claims],
            _payments(claims, allocations),
            _events(claims, self._cases),
            as_of=as_of,
            tables=self.tables,
        )

    @property
    def tables(self) -> RateTables:
        """The rates (read when first needed: a book of no claim reads none)."""
        if self._tables is None:
            self._tables = rate_tables()
        return self._tables


def _claim(claim) -> law.StatementClaim:  # noqa: ANN001
    return law.StatementClaim(
        ref=claim.reference,
        principal_cents=claim.principal_cents,
        due_date=claim.due_date,
        issue_date=claim.issue_date,
        debtor_is_professional=claim.kind == ClaimKind.B2B,
        contractual_rate=claim.contractual_rate,
        currency=claim.currency,
    )


def _payments(claims: Sequence, allocations: Sequence) -> list[law.StatementPayment]:
    """Each payment with the part of it recorded against these claims (`allocations`:
    theirs, in the order of the payments' dates)."""
    refs = {c.pk: c.reference for c in claims}
    grouped: dict[int, dict] = {}
    for a in allocations:
        entry = grouped.setdefault(a.payment_id, {"payment": a.payment, "cents": 0, "refs": set()})
        entry["cents"] += a.total_cents
        entry["refs"].add(refs[a.claim_id])
    return [
        law.StatementPayment(
            ref=e["payment"].reference or f"P{e['payment'].pk}",
            received_on=e["payment"].received_on,
            amount_cents=e["cents"],
            designated_ref=next(iter(e["refs"])) if len(e["refs"]) == 1 else None,
        )
        for e in grouped.values()
    ]


def _cases(claims: Sequence) -> dict:
    case_ids = {c.case_id for c in claims if c.case_id}
    return {case.pk: case for case in Case.objects.filter(pk__in=case_ids)} if case_ids else {}


def _events(claims: Sequence, cases: dict) -> list[law.StatementEvent]:
    """The events of the claims' cases (`cases`: by id, in the cases' order)."""
    ids = {c.case_id for c in claims if c.case_id}
    events = []
    for case in (case for pk, case in cases.items() if pk in ids):
        for kind, day in (
            (law.FORMAL_NOTICE, case.formal_notice_on),
            (law.JUDGMENT_ENFORCEABLE, case.judgment_enforceable_on),
            (law.INSOLVENCY_OPENED, case.insolvency_opened_on),
        ):
            if day:
                claim_refs = [c.reference for c in claims if c.case_id == case.pk]
                events.extend(law.StatementEvent(kind, day, ref) for ref in claim_refs)
    return events


# The statement on the claim and case pages (cards registered in lawdesk.apps): computed
# once per page, whichever card asks first.


def claim_statement(request: HttpRequest, claim: Claim) -> dict[str, Any]:
    return _page_statement(request, ("claim", claim.pk), lambda: [claim])


def case_statement(request: HttpRequest, case: Case) -> dict[str, Any]:
    member = getattr(request, "membership", None)
    return _page_statement(request, ("case", case.pk), lambda: case_claims(case, member))


def case_claims(case: Case, member: Any) -> list[Claim]:
    """The claims a case's statement counts: its open ones, as this member sees them."""
    claims = Claim.objects.visible_to(member).filter(case=case).with_balance()
    return [c for c in claims.select_related("creditor") if c.is_open]


def settle(claims: list, as_of: date) -> tuple[law.Statement | None, str, str]:
    """The statement of `claims` on `as_of`, never an exception of the law engine:
    (statement, error, refused). A claim dated outside the range the engine computes with
    (stored before the bound) gives an empty statement and why (error); any other refusal
    gives no statement and why (refused), in French."""
    try:
        return statement_for(claims, as_of), "", ""
    except DateOutOfRange as exc:
        return statement_for([], as_of), exc.message_fr, ""
    except ENGINE_REFUSALS as refused:
        return None, "", refusal_fr(refused)


def _page_statement(
    request: HttpRequest, key: tuple[str, int], claims: Callable[[], list[Claim]]
) -> dict[str, Any]:
    made = request.__dict__.setdefault("_lawdesk_statements", {})
    if key not in made:
        made[key] = statement_context(request, claims())
    return made[key]


def statement_context(request: HttpRequest, claims: list) -> dict[str, Any]:
    """The statement as of the date picked in the page (?au=YYYY-MM-DD), today by default.

    A refusal of the law engine never breaks the page: it says why instead of the figures
    (statement None); the claims whose contractual rate was set aside for the legal floor
    are listed for the banner (below_floor), grouped by rate (floor_groups: rate, claims)."""
    as_of, error = timezone.localdate(), ""
    try:
        as_of = generic.query_date(request, "au") or as_of
    except ValidationError as exc:
        error = _("Date invalide : le décompte est arrêté à aujourd'hui.")
        if exc.code == "date_out_of_range":
            stopped = _("Le décompte est arrêté à aujourd'hui.")
            error = f"{exc.message} {stopped}"
    statement, stored_error, refused = settle(claims, as_of)
    error = stored_error or error
    if statement is None:
        return {
            "statement": None,
            "statement_error": error,
            "statement_refused": refused,
            "below_floor": [],
            "floor_groups": [],
        }
    by_ref = {claim.reference: claim for claim in claims}
    below_floor = [by_ref[line.claim.ref] for line in statement.below_floor]
    groups: dict[Any, list[Claim]] = {}
    for claim in below_floor:  # one banner per contract rate, however many claims share it
        groups.setdefault(claim.contractual_rate, []).append(claim)
    return {
        "statement": statement,
        "statement_error": error,
        "below_floor": below_floor,
        "floor_groups": [
            {"rate": rate, "claims": claims, "refs": ", ".join(c.reference for c in claims)}
            for rate, claims in groups.items()
        ],
    }

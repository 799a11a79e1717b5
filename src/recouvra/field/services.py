"""Field collection: a collector's visits of the day in route order, what came of a visit,
a payment taken on the spot and its numbered receipt, the receipt's public link.

The visits are the VISIT tasks (cases.models.Task). A payment taken on a visit goes through
ledger.services.record_payment like every other payment, so that whoever listens to it
(the case timeline, dunning, the webhooks, the agency's notice to its mandant, R124-5)
hears of it; its receipt is numbered in the same transaction (CPCE R124-6).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvra.cases.models import Case, Interaction, Promise, PromiseStatus, Task, TaskKind
from recouvra.cases.plans import record_promise
from recouvra.cases.services import complete_task, create_task
from recouvra.core import audit
from recouvra.core.models import AuditAction, Membership, Role
from recouvra.dunning.models import Channel, Message
from recouvra.dunning.outbox import queue_message
from recouvra.law.money import MAX_CENTS, format_amount
from recouvra.ledger.models import Claim, Debtor, Payment, PaymentMethod
from recouvra.ledger.services import record_payment
from recouvra.letters.receipts import issue_receipt, receipt_filename, receipt_pdf

# who works visits: the collectors, and the office (who may record a visit for them)
FIELD_ROLES = frozenset((Role.ADMIN, Role.AGENT, Role.FIELD_COLLECTOR))
# the public link of a receipt sent by SMS: valid this long
RECEIPT_LINK_DAYS = 90
RECEIPT_SALT = "recouvra.field.receipt"
LAST_EXCHANGES = 3
MAX_VISITS = 200  # a day's round, bounded


class Outcome(models.TextChoices):
    MET = "met", gettext_lazy("Rencontré")
    ABSENT = "absent", gettext_lazy("Absent")
    REFUSED = "refused", gettext_lazy("Refus de payer")
    MOVED = "moved", gettext_lazy("A déménagé")
    PAID = "paid", gettext_lazy("A payé")
    PROMISE = "promise", gettext_lazy("Promesse de paiement")


# the timeline is kept in French whatever the reader's language (cases.services)
OUTCOME_TEXT = {
    Outcome.MET: "débiteur rencontré",
    Outcome.ABSENT: "débiteur absent",
    Outcome.REFUSED: "refus de payer",
    Outcome.MOVED: "débiteur parti de cette adresse",
    Outcome.PAID: "paiement reçu",
    Outcome.PROMISE: "promesse de paiement",
}
FIELD_METHODS = (PaymentMethod.CASH, PaymentMethod.CHEQUE, PaymentMethod.CARD)


def works_visits(member: Membership) -> bool:
    return member.role in FIELD_ROLES


def visits(member: Membership) -> models.QuerySet[Task]:
    """The VISIT tasks this member may open: a collector's own, any for the office."""
    tasks = Task.objects.visible_to(member).filter(kind=TaskKind.VISIT)
    if member.role == Role.FIELD_COLLECTOR:
        tasks = tasks.filter(assigned_to_id=member.user_id)
    return tasks.select_related("case__debtor", "case__creditor", "assigned_to")


# ------------------------------------------------------------------ the round


_NUMBER = re.compile(r"^\s*(\d+)\s*(bis|ter|quater|[a-z])?\b[\s,]*", re.IGNORECASE)
_SUFFIX_RANK = {"": 0, "bis": 1, "ter": 2, "quater": 3}


def route_key(debtor: Debtor) -> tuple[str, str, int, int, str]:
    """Where a visit stands in the round: by postcode, then street (the first address line
    without its house number), then house number ("12 bis" after "12")."""
    line = debtor.address_line1 or ""
    found = _NUMBER.match(line)
    number, suffix, street = 0, "", line
    if found:
        number = int(found.group(1)[:9])
        suffix = (found.group(2) or "").lower()
        street = line[found.end() :]
    rank = _SUFFIX_RANK.get(suffix, 4 + (ord(suffix[0]) if suffix else 0))
    return (debtor.postal_code or "~", street.strip().casefold(), number, rank, line)


@dataclass
class Visit:
    """One stop of the round, with what the collector needs on the doorstep."""

    task: Task
    balance_cents: int
    exchanges: list[Interaction]
    promises: list[Promise]

    @property
    def debtor(self) -> Debtor:
        return self.task.case.debtor

    @property
    def map_url(self) -> str:
        return map_url(self.debtor)


def map_url(debtor: Debtor) -> str:
    """The debtor's address on OpenStreetMap (a phone opens it in its browser or map app):
    the street and the town, without the complement a map search would trip on."""
    town = f"{debtor.postal_code} {debtor.city}".strip()
    address = ", ".join(part for part in (debtor.address_line1, town) if part)
    return "https://www.openstreetmap.org/search?" + urlencode({"query": address})


def tel_url(number: str) -> str:
    """A tel: link from a number as typed ("06 12 34 56 78" → "tel:0612345678")."""
    return "tel:" + "".join(c for c in number if c.isdigit() or c == "+")


def todays_round(member: Membership, on: date) -> list[Visit]:
    """The member's visits not done, due on or before `on`, in route order, with the
    balance due, the last exchanges and the pending promises of each case."""
    tasks = visits(member).filter(assigned_to_id=member.user_id, done_at__isnull=True)
    return visits_of(in_route_order(tasks.filter(due_on__lte=on)))


def in_route_order(tasks: models.QuerySet[Task]) -> list[Task]:
    """At most MAX_VISITS of these tasks (the oldest first), sorted by route_key."""
    chosen = tasks.select_related("case__debtor", "case__creditor").order_by("due_on", "pk")
    return sorted(chosen[:MAX_VISITS], key=lambda task: route_key(task.case.debtor))


def visits_of(tasks: list[Task]) -> list[Visit]:
    """The tasks as visits, with what the collector needs (a fixed number of queries)."""
    case_ids = {task.case_id for task in tasks}
    balances = dict(
        Case.objects.filter(pk__in=case_ids).with_balance().values_list("pk", "balance")
    )
    exchanges = _last_exchanges(case_ids, tasks)
    promises = _pending_promises(case_ids, tasks)
    return [
        Visit(task, int(balances.get(task.case_id, 0)), entries, pending)
        for task, entries, pending in zip(tasks, exchanges, promises, strict=True)
    ]


def _last_exchanges(case_ids: set[int], tasks: list[Task]) -> list[list[Interaction]]:
    """The last LAST_EXCHANGES timeline entries of each task's case (one query: a window
    over the cases of the round)."""
    ranked = Interaction.objects.filter(case_id__in=case_ids).annotate(
        rank=models.Window(
            models.functions.RowNumber(),
            partition_by=[models.F("case_id")],
            order_by=[models.F("occurred_at").desc(), models.F("pk").desc()],
        )
    )
    by_case: dict[int, list[Interaction]] = {}
    for entry in ranked.filter(rank__lte=LAST_EXCHANGES).order_by("case_id", "rank"):
        by_case.setdefault(entry.case_id, []).append(entry)
    return [by_case.get(task.case_id, []) for task in tasks]


def _pending_promises(case_ids: set[int], tasks: list[Task]) -> list[list[Promise]]:
    pending = Promise.objects.filter(case_id__in=case_ids, status=PromiseStatus.PENDING)
    by_case: dict[int, list[Promise]] = {}
    for promise in pending.order_by("promised_on", "pk"):
        by_case.setdefault(promise.case_id, []).append(promise)
    return [by_case.get(task.case_id, []) for task in tasks]


def case_balance(case: Case) -> int:
    """The principal still due on the case's open claims."""
    return int(Case.objects.with_balance().values_list("balance", flat=True).get(pk=case.pk))


# ------------------------------------------------------------------ what came of a visit


@transaction.atomic
def record_visit(
    task: Task,
    *,
    outcome: str,
    note: str = "",
    next_visit_on: date | None = None,
    promise_cents: int | None = None,
    promised_on: date | None = None,
    actor: Any = None,
) -> Task | None:
    """What came of a visit: on the case timeline (a VISIT entry), the task done; a promise
    recorded when the debtor made one; the next visit planned when a date is given (a new
    VISIT task for the same collector). Returns the next visit, if any.

    ValidationError (by field, in French) when the visit is done already, or the promise
    or the next date do not hold; nothing is saved then."""
    today = timezone.localdate()
    errors = _visit_errors(task, outcome, next_visit_on, promise_cents, promised_on, today)
    if errors:
        raise ValidationError(errors)
    if outcome == Outcome.PROMISE:
        try:
            record_promise(
                task.case, amount_cents=promise_cents, promised_on=promised_on, actor=actor
            )
        except ValidationError as refused:  # the form names the amount promise_amount
            errors = refused.message_dict
            raise ValidationError(
                {("promise_amount" if k == "amount_cents" else k): v for k, v in errors.items()}
            ) from refused
    text = f"Issue : {OUTCOME_TEXT[Outcome(outcome)]}."
    if note.strip():
        text += f" {note.strip()}"
    if next_visit_on is not None:
        text += f" Prochaine visite le {next_visit_on:%d/%m/%Y}."
    if not complete_task(task, note=text, actor=actor):
        raise ValidationError({"outcome": _("Cette visite est déjà faite.")})
    if next_visit_on is None:
        return None
    return create_task(
        task.case,
        kind=TaskKind.VISIT,
        title=task.title,
        due_on=next_visit_on,
        assigned_to=task.assigned_to,
        actor=actor,
    )


def _visit_errors(
    task: Task,
    outcome: str,
    next_visit_on: date | None,
    promise_cents: int | None,
    promised_on: date | None,
    today: date,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if task.done_at is not None:
        errors["outcome"] = _("Cette visite est déjà faite.")
    elif outcome not in Outcome.values:
        errors["outcome"] = _("Issue de visite inconnue.")
    if next_visit_on is not None and next_visit_on <= today:
        errors["next_visit_on"] = _("La prochaine visite se planifie après aujourd'hui.")
    if outcome == Outcome.PROMISE:
        if not promise_cents or promise_cents <= 0:
            errors["promise_amount"] = _("Indiquez le montant promis.")
        elif promise_cents > case_balance(task.case):
            errors["promise_amount"] = _("Le montant promis dépasse le solde dû du dossier.")
        if promised_on is None:
            errors["promised_on"] = _("Indiquez la date promise.")
        elif promised_on < today:
            errors["promised_on"] = _("La date promise ne peut pas être passée.")
    return errors


# ------------------------------------------------------------------ a payment on the spot


@transaction.atomic
def take_payment(
    task: Task,
    *,
    amount_cents: int | None,
    method: str,
    cheque_number: str = "",
    cheque_bank: str = "",
    card_last4: str = "",
    entry: str = "",
    actor: Any = None,
) -> Payment:
    """A payment the collector takes on a visit, recorded as every payment is
    (record_payment, collected by the actor) and its receipt numbered in the same
    transaction. ValidationError (by field, in French) when the amount is missing, not
    positive or above the case's balance, or the cheque lacks its number or bank; nothing
    is saved then.

    `entry` names one filling of the form (the page gives each its own): the same entry
    sent again (a double tap, a retry on a bad network) returns the payment it recorded."""
    # the case row locked: two payments taken at once on one case are checked against
    # the balance one after the other, and an entry sent twice is recorded once
    case = Case.objects.select_for_update().get(pk=task.case_id)
    label = f"Visite terrain {case.reference}" + (f" · saisie {entry}" if entry else "")
    if entry:
        earlier = Payment.objects.filter(
            organization_id=case.organization_id,
            debtor_id=case.debtor_id,
            collected_by_id=getattr(actor, "pk", None),
            label=label,
        ).first()
        if earlier is not None:
            return earlier
    errors = _payment_errors(case, amount_cents, method, cheque_number, cheque_bank, card_last4)
    if errors:
        raise ValidationError(errors)
    payment = record_payment(
        case.organization_id,
        creditor_id=case.creditor_id,
        debtor_id=case.debtor_id,
        amount_cents=amount_cents,
        received_on=timezone.localdate(),
        method=method,
        reference=_payment_reference(method, cheque_number, cheque_bank, card_last4),
        label=label,
        collected_by_id=getattr(actor, "pk", None),
        actor=actor,
    )
    issue_receipt(payment, actor=actor)
    return payment


def _payment_errors(
    case: Case,
    amount_cents: int | None,
    method: str,
    cheque_number: str,
    cheque_bank: str,
    card_last4: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if amount_cents is None:
        errors["amount"] = _("Indiquez le montant reçu : une quittance porte un montant.")
    elif amount_cents <= 0:
        errors["amount"] = _("Le montant reçu doit être positif.")
    elif amount_cents > MAX_CENTS:
        errors["amount"] = _("Montant hors limites.")
    else:
        balance = case_balance(case)
        if amount_cents > balance:
            errors["amount"] = _("Le montant dépasse le solde dû (%(balance)s).") % {
                "balance": format_amount(max(balance, 0))
            }
    if method not in FIELD_METHODS:
        errors["method"] = _("Sur le terrain : espèces, chèque ou carte.")
    elif method == PaymentMethod.CHEQUE:
        if not re.fullmatch(r"\d{1,12}", cheque_number or ""):
            errors["cheque_number"] = _("Indiquez le numéro du chèque (chiffres seulement).")
        if not (cheque_bank or "").strip():
            errors["cheque_bank"] = _("Indiquez la banque du chèque.")
    elif method == PaymentMethod.CARD and card_last4 and not re.fullmatch(r"\d{4}", card_last4):
        errors["card_last4"] = _("Les 4 derniers chiffres de la carte, ou rien.")
    if case.is_closed:
        errors["amount"] = _("Ce dossier est clos.")
    return errors


def _payment_reference(method: str, number: str, bank: str, last4: str) -> str:
    if method == PaymentMethod.CHEQUE:
        return f"chèque n° {number}, {bank.strip()}"[:100]
    if method == PaymentMethod.CARD and last4:
        return f"carte **** {last4}"
    return ""


# ------------------------------------------------------------------ the receipt


def receipt_token(payment: Payment) -> str:
    """A signed token naming only this payment (and its organisation), for a link that
    serves its receipt without signing in; checked with its age (payment_of_token)."""
    return signing.dumps({"p": payment.pk, "o": payment.organization_id}, salt=RECEIPT_SALT)


def payment_of_token(token: str, *, max_age: timedelta | None = None) -> Payment | None:
    """The numbered, not reversed payment a receipt token names; None when the token was
    tampered with, has expired, or its payment is gone."""
    age = max_age if max_age is not None else timedelta(days=RECEIPT_LINK_DAYS)
    try:
        data = signing.loads(token, salt=RECEIPT_SALT, max_age=age)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(data, dict):
        return None
    return (
        Payment.objects.filter(
            pk=data.get("p"), organization_id=data.get("o"), reversed_at__isnull=True
        )
        .exclude(receipt_number="")
        .select_related("debtor", "creditor", "organization", "collected_by")
        .first()
    )


def case_of(payment: Payment) -> Case | None:
    """The case a payment belongs to: the case of a claim it paid, else the debtor's open
    case with that creditor (a payment that paid nothing yet)."""
    claim = Claim.objects.filter(allocations__payment=payment, case__isnull=False).first()
    if claim is not None:
        return claim.case
    cases = Case.objects.filter(
        organization_id=payment.organization_id,
        debtor_id=payment.debtor_id,
        creditor_id=payment.creditor_id,
    )
    return cases.order_by("closed_on", "-pk").first()


@transaction.atomic
def send_receipt(
    payment: Payment, *, channel: str, recipient: str, link: str, actor: Any = None
) -> Message:
    """The receipt to the debtor: by e-mail with the PDF attached, or by SMS with `link` (its
    public URL, receipt_token). Through the outbox, once per channel and recipient."""
    case = case_of(payment)
    if case is None:
        raise ValidationError({"recipient": _("Ce paiement n'est rattaché à aucun dossier.")})
    digest = hashlib.sha256(recipient.encode()).hexdigest()[:16]
    key = f"receipt-{payment.pk}-{channel}-{digest}"
    sent_before = Message.objects.filter(idempotency_key=f"{case.organization_id}-{key}").exists()
    content = _receipt_message(payment, channel, recipient, link)
    message = queue_message(case, key=key, actor=actor, **content)
    if not sent_before:
        audit.record(message, AuditAction.CREATE, actor=actor)
    return message


def _receipt_message(payment: Payment, channel: str, recipient: str, link: str) -> dict:
    number = payment.receipt_number
    amount = format_amount(payment.amount_cents, payment.currency)
    org = payment.organization.name
    if channel == Channel.EMAIL:
        text = (
            f"Bonjour,\n\nVeuillez trouver ci-joint la quittance {number} du paiement de "
            f"{amount} reçu le {payment.received_on:%d/%m/%Y}.\n\n{org}"
        )
        return {
            "channel": Channel.EMAIL,
            "recipient": recipient,
            "subject": f"Quittance {number}",
            "text": text,
            "attachment": (receipt_filename(payment), receipt_pdf(payment)),
        }
    text = (
        f"{org} : quittance {number} de votre paiement de {amount} "
        f"du {payment.received_on:%d/%m/%Y} : {link}"
    )
    return {"channel": Channel.SMS, "recipient": recipient, "text": text}

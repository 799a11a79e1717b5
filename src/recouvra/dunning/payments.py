"""What dunning does when payments are recorded or reversed (ledger.services signals).

A message is written when its step falls due and prepared (its text and figures
frozen) before it goes. A payment recorded meanwhile makes it moot or wrong: when the
claims of its case are all paid, it is not sent (cancelled, the timeline says why);
otherwise its figures are prepared again. A payment reversed (a match undone, a credit
returned by the bank) makes the case owe again: its messages not sent yet are prepared
again, and those cancelled for that payment in the current cycle go back to the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from recouvra.cases.models import InteractionKind
from recouvra.cases.services import add_events
from recouvra.core.bulk import batches, update_ids
from recouvra.ledger.models import Claim

from .models import Message, MessageStatus

UNSENT = (MessageStatus.QUEUED, MessageStatus.HELD)
# what preparing a message fills (delivery._prepare, printing): emptied, it is made again
# with the figures of the day it goes
UNPREPARED = {"subject": "", "body_text": "", "body_html": "", "envelope": "", "document": ""}
PAID_UP = "Non envoyé : les créances du dossier ont été soldées avant l'envoi."


def on_payments_applied(
    sender: Any, organization_id: int, claim_ids: Iterable[int], **_: Any
) -> None:
    """The messages not sent yet of the cases these payments touched: cancelled when the
    case owes nothing any more, otherwise prepared again."""
    waiting = _messages(_cases_of(claim_ids), Q(status__in=UNSENT))
    if not waiting:
        return
    owing = _owing({case_id for _pk, case_id, _name in waiting})
    now = timezone.now()
    moot = [(pk, case_id, name) for pk, case_id, name in waiting if case_id not in owing]
    cancel = {"status": MessageStatus.CANCELLED, "last_error": PAID_UP, "updated_at": now}
    update_ids(Message, [pk for pk, _c, _n in moot], cancel, among={"status": UNSENT})
    again = [pk for pk, case_id, _name in waiting if case_id in owing]
    update_ids(Message, again, {**UNPREPARED, "updated_at": now}, among={"status": UNSENT})
    add_events(
        organization_id,
        (
            (case_id, f"Relance « {name} » annulée avant l'envoi : le dossier est soldé.")
            for _pk, case_id, name in moot
        ),
        InteractionKind.SYSTEM,
    )


def on_payments_reversed(
    sender: Any, organization_id: int, claim_ids: Iterable[int], **_: Any
) -> None:
    """The cases owe again: their messages not sent yet are prepared again with the new
    figures, and those cancelled in the current cycle go back to the queue."""
    cases = _cases_of(claim_ids)
    now = timezone.now()
    waiting = _messages(cases, Q(status__in=UNSENT))
    unprepared = {**UNPREPARED, "updated_at": now}
    update_ids(Message, [pk for pk, _c, _n in waiting], unprepared, among={"status": UNSENT})
    current = Q(step_run__isnull=True) | Q(step_run__cycle=F("case__dunning_cycle"))
    cancelled = _messages(cases, Q(status=MessageStatus.CANCELLED, last_error=PAID_UP) & current)
    if not cancelled:
        return
    owing = _owing({case_id for _pk, case_id, _name in cancelled})
    back = [(pk, case_id, name) for pk, case_id, name in cancelled if case_id in owing]
    queued = {**unprepared, "status": MessageStatus.QUEUED, "last_error": ""}
    update_ids(
        Message, [pk for pk, _c, _n in back], queued, among={"status": [MessageStatus.CANCELLED]}
    )
    add_events(
        organization_id,
        (
            (case_id, f"Relance « {name} » remise en attente : le paiement a été annulé.")
            for _pk, case_id, name in back
        ),
        InteractionKind.SYSTEM,
    )


def _cases_of(claim_ids: Iterable[int]) -> set[int]:
    cases: set[int] = set()
    for chunk in batches(sorted(set(claim_ids))):
        rows = Claim.objects.filter(pk__in=chunk, case__isnull=False).values_list("case_id")
        cases.update(case_id for (case_id,) in rows)
    return cases


def _messages(case_ids: set[int], condition: Q) -> list[tuple[int, int, str]]:
    """The messages of these cases that meet `condition`: (id, case id, what it is)."""
    found = []
    for chunk in batches(sorted(case_ids)):
        rows = (
            Message.objects.filter(condition, case_id__in=chunk)
            .order_by("pk")
            .values_list("pk", "case_id", "subject", "step_run__step__name", "channel")
        )
        found += [
            (pk, case, subject or step or channel) for pk, case, subject, step, channel in rows
        ]
    return found


def _owing(case_ids: set[int]) -> set[int]:
    """The cases among these that still owe something on an open claim."""
    owing: set[int] = set()
    for chunk in batches(sorted(case_ids)):
        claims = Claim.objects.filter(case_id__in=chunk).open().with_balance()
        owing.update(claims.filter(balance__gt=0).values_list("case_id", flat=True))
    return owing

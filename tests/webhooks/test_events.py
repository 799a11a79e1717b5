"""Each of the seven events, emitted by the real service that makes the change, with what
it says (the REST API's field names, cents, ISO dates); written in the change's transaction,
for the organisation's endpoints only; a lettrage run emits a list, not a row per line."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from itertools import count
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from recouvra.cases.models import CaseStatus, Promise, PromiseStatus
from recouvra.cases.plans import decide_promises
from recouvra.cases.services import break_promise, change_stage
from recouvra.core.models import Membership
from recouvra.dunning.delivery_reports import BOUNCED, Report, record_report
from recouvra.dunning.models import Channel, Message, MessageStatus
from recouvra.dunning.tasks import run_dunning_task
from recouvra.imports import services as imports
from recouvra.imports.models import BankAccount, BankLine, ImportBatch, ImportKind, ImportStatus
from recouvra.ledger.models import PaymentMethod
from recouvra.ledger.services import record_payment
from recouvra.lettrage.models import MatchProposal, ProposalStatus
from recouvra.lettrage.reconcile import apply_proposal, propose_matches, reverse_match
from recouvra.webhooks import delivery, emit, payloads
from recouvra.webhooks.models import Endpoint, Event

from ..base import SIREN_DEBTOR, make_claim, make_debtor, make_payment
from .base import WebhookTestCase

WAIT = 101  # an automatic threshold no proposal reaches
_fingerprints = count(1)
CSV = (
    "N° facture;Client;SIREN;Date facture;Échéance;Montant\n"
    f"FA-2026-001;Menuiserie Dubois;{SIREN_DEBTOR};01/09/2026;01/10/2026;1 234,56\n"
    f"FA-2026-002;Menuiserie Dubois;{SIREN_DEBTOR};05/09/2026;05/10/2026;99,00\n"
).encode()


class EventsTestCase(WebhookTestCase):
    def setUp(self) -> None:
        super().setUp()
        # charlie has an endpoint too: he must never hear of alice's changes
        self.charlie_endpoint = self.make_endpoint(organization=self.beta)

    def tearDown(self) -> None:
        self.assertFalse(Event.objects.filter(endpoint=self.charlie_endpoint).exists())
        super().tearDown()

    def data(self, event_type: str) -> list[dict[str, Any]]:
        """What alice's endpoint was sent of this type (checked through the receiver: each
        body verifies with her secret)."""
        delivery.deliver_due()
        sent = [r.verified(self.endpoint.secret) for r in self.receiver.requests]
        found = [body for body in sent if body["type"] == event_type]
        for body in found:
            self.assertTrue(body["timestamp"])
        return [body["data"] for body in found]

    # -- lettrage ----------------------------------------------------------------------

    def bank_line(self, cents: int, label: str) -> BankLine:
        batch = ImportBatch.objects.create(
            organization=self.alpha,
            kind=ImportKind.BANK,
            filename="releve.xml",
            file="imports/releve.xml",
            sha256="0" * 64,
        )
        account, _new = BankAccount.objects.get_or_create(
            organization=self.alpha, identifier="FR76-A"
        )
        return BankLine.objects.create(
            organization=self.alpha,
            account=account,
            batch=batch,
            amount_cents=cents,
            label=label,
            booking_date=date(2026, 3, 2),
            fingerprint=str(next(_fingerprints)),
        )

    def test_match_proposed_once_per_run_with_every_proposal(self) -> None:
        claims = [make_claim(self.creditor, self.debtor, 10_000 * n) for n in (1, 2, 3)]
        lines = [self.bank_line(c.principal_cents, f"VIR {c.reference}") for c in claims]
        ids = propose_matches(self.alpha.pk, auto_threshold=WAIT)
        self.assertEqual(len(ids), 3)
        (data,) = self.data("match.proposed")  # one event for the run
        proposals = data["proposals"]
        self.assertEqual([p["id"] for p in proposals], sorted(ids))
        first = next(p for p in proposals if p["bank_line"] == lines[0].pk)
        self.assertEqual(first["claims"], [claims[0].pk])
        self.assertEqual(first["amount_cents"], 10_000)
        self.assertEqual(first["currency"], "EUR")
        self.assertEqual(first["booking_date"], "2026-03-02")
        self.assertEqual(first["status"], ProposalStatus.PENDING)
        self.assertEqual(first["debtor"], self.debtor.pk)

    def test_a_big_run_is_told_in_lists_of_bounded_size(self) -> None:
        claims = [make_claim(self.creditor, self.debtor, 1_000 + n) for n in range(5)]
        for claim in claims:
            self.bank_line(claim.principal_cents, f"VIR {claim.reference}")
        ids = propose_matches(self.alpha.pk, auto_threshold=WAIT)
        chunks = list(payloads.proposals(ids, per_event=2))
        self.assertEqual([len(c["proposals"]) for c in chunks], [2, 2, 1])

    def test_without_an_endpoint_for_the_type_a_bulk_signal_costs_one_query(self) -> None:
        Endpoint.objects.filter(organization=self.alpha).update(events=["promise.broken"])
        with self.assertNumQueries(1):
            emit.on_payments_applied(
                None,
                organization_id=self.alpha.pk,
                claim_ids=[],
                payment_ids=list(range(1, 100_001)),
            )

    def test_payment_received_when_a_proposal_is_applied(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 50_000)
        self.bank_line(50_000, f"VIR {claim.reference}")
        (proposal_id,) = propose_matches(self.alpha.pk, auto_threshold=WAIT)
        payment = apply_proposal(MatchProposal.objects.get(pk=proposal_id), actor=self.alice)
        (data,) = self.data("payment.received")
        (sent,) = data["payments"]
        self.assertEqual(sent["id"], payment.pk)
        self.assertEqual(sent["amount_cents"], 50_000)
        self.assertIsInstance(sent["amount_cents"], int)
        self.assertEqual(sent["currency"], "EUR")
        self.assertEqual(sent["received_on"], "2026-03-02")
        self.assertEqual((sent["creditor"], sent["debtor"]), (self.creditor.pk, self.debtor.pk))
        self.assertIsNone(sent["reversed_at"])
        (share,) = sent["allocations"]
        self.assertEqual((share["claim"], share["to_principal"]), (claim.pk, 50_000))

    def test_payment_received_when_a_payment_is_recorded_on_its_own(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 50_000)
        payment = record_payment(
            self.alpha.pk,
            creditor_id=self.creditor.pk,
            debtor_id=self.debtor.pk,
            amount_cents=20_000,
            received_on=date(2026, 3, 2),
            method=PaymentMethod.TRANSFER,
            actor=self.alice,
        )
        (data,) = self.data("payment.received")
        (sent,) = data["payments"]
        self.assertEqual((sent["id"], sent["amount_cents"]), (payment.pk, 20_000))
        (share,) = sent["allocations"]
        self.assertEqual((share["claim"], share["to_principal"]), (claim.pk, 20_000))

    def test_payment_received_for_the_automatic_matches_of_a_run_in_one_event(self) -> None:
        claims = [make_claim(self.creditor, self.debtor, 20_000 + n) for n in range(3)]
        for claim in claims:
            self.bank_line(claim.principal_cents, f"VIR {claim.reference}")
        propose_matches(self.alpha.pk, auto_threshold=0)
        (data,) = self.data("payment.received")
        self.assertEqual(len(data["payments"]), 3)
        self.assertEqual(self.data("match.proposed"), [])  # all applied: nothing waits

    def test_payment_reversed_when_a_match_is_undone(self) -> None:
        claim = make_claim(self.creditor, self.debtor, 50_000)
        self.bank_line(50_000, f"VIR {claim.reference}")
        (proposal_id,) = propose_matches(self.alpha.pk, auto_threshold=0)
        proposal = MatchProposal.objects.get(pk=proposal_id)
        reverse_match(proposal, actor=self.alice)
        (data,) = self.data("payment.reversed")
        (sent,) = data["payments"]
        self.assertEqual(sent["id"], proposal.payment_id)
        self.assertIsNotNone(sent["reversed_at"])

    # -- cases -------------------------------------------------------------------------

    def test_case_stage_changed_through_change_stage(self) -> None:
        case = make_claim(self.creditor, self.debtor).case
        self.assertFalse(change_stage(case, CaseStatus.AMICABLE, actor=self.alice))
        self.assertTrue(change_stage(case, CaseStatus.FORMAL_NOTICE, actor=self.alice))
        (data,) = self.data("case.stage_changed")
        self.assertEqual(data["id"], case.pk)
        self.assertEqual(data["reference"], case.reference)
        self.assertEqual(data["status"], "formal_notice")
        self.assertEqual(data["previous_status"], "amicable")

    def test_case_stage_changed_from_the_case_page(self) -> None:
        case = make_claim(self.creditor, self.debtor).case
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                f"/dossiers/{case.pk}/modifier/",
                {"status": CaseStatus.NEGOTIATION, "assigned_to": "", "legal_partner": ""},
            )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        (data,) = self.data("case.stage_changed")
        self.assertEqual(data["status"], "negotiation")

    def promise(self, amount: int, promised_on: date, made_on: date) -> Promise:
        debtor = make_debtor(self.alpha, f"Débiteur {next(_fingerprints)}")  # a case each
        case = make_claim(self.creditor, debtor, 80_000, due_date=made_on).case
        made_at = timezone.make_aware(datetime.combine(made_on, time(9)))
        return Promise.objects.create(
            organization=self.alpha,
            case=case,
            amount_cents=amount,
            promised_on=promised_on,
            created_at=made_at,
        )

    def test_promise_broken_by_an_agent(self) -> None:
        promise = self.promise(30_000, date(2026, 3, 10), date(2026, 3, 1))
        self.assertTrue(break_promise(promise, actor=self.alice))
        self.assertFalse(break_promise(promise, actor=self.alice))  # once
        (data,) = self.data("promise.broken")
        self.assertEqual(data["id"], promise.pk)
        self.assertEqual(data["case"], promise.case_id)
        self.assertEqual((data["amount_cents"], data["currency"]), (30_000, "EUR"))
        self.assertEqual(data["promised_on"], "2026-03-10")
        self.assertEqual(data["status"], "broken")

    def test_promise_broken_by_the_daily_check_and_a_kept_one_is_not(self) -> None:
        unpaid = self.promise(30_000, date(2026, 3, 10), date(2026, 3, 1))
        paid = self.promise(20_000, date(2026, 3, 10), date(2026, 3, 1))
        make_payment(paid.case.claims.get(), 20_000, received_on=date(2026, 3, 9))
        not_yet = self.promise(10_000, date(2026, 3, 12), date(2026, 3, 1))
        self.assertEqual(decide_promises(self.alpha.pk, date(2026, 3, 14)), (1, 1))
        statuses = dict(Promise.objects.values_list("pk", "status"))
        self.assertEqual(statuses[unpaid.pk], PromiseStatus.BROKEN)
        self.assertEqual(statuses[paid.pk], PromiseStatus.KEPT)
        self.assertEqual(statuses[not_yet.pk], PromiseStatus.PENDING)  # within its grace
        (data,) = self.data("promise.broken")
        self.assertEqual(data["id"], unpaid.pk)

    def test_the_daily_run_checks_the_promises(self) -> None:
        unpaid = self.promise(30_000, date(2026, 3, 10), date(2026, 3, 1))
        run_dunning_task.call(self.alpha.pk, "2026-03-20")
        unpaid.refresh_from_db()
        self.assertEqual(unpaid.status, PromiseStatus.BROKEN)
        self.assertEqual(len(self.data("promise.broken")), 1)

    # -- dunning -----------------------------------------------------------------------

    def test_message_bounced_by_a_delivery_report(self) -> None:
        case = make_claim(self.creditor, self.debtor).case
        now = timezone.now()
        message = Message.objects.create(
            organization=self.alpha,
            case=case,
            channel=Channel.EMAIL,
            status=MessageStatus.SENT,
            idempotency_key="k-1",
            recipient="compta@dubois.example",
            subject="Relance FA-1",
            message_id="<k-1@recouvra.localhost>",
            not_before=now,
            next_attempt_at=now,
            sent_at=now,
        )
        report = Report(BOUNCED, message_id=message.message_id, reason="5.1.1 User unknown")
        self.assertTrue(record_report(report))
        self.assertFalse(record_report(report))  # told once
        (data,) = self.data("message.bounced")
        self.assertEqual(data["id"], message.pk)
        self.assertEqual(data["case"], case.pk)
        self.assertEqual(data["status"], "bounced")
        self.assertEqual(data["reason"], "5.1.1 User unknown")
        self.assertEqual(data["recipient"], "compta@dubois.example")

    # -- imports -----------------------------------------------------------------------

    def test_import_completed_when_a_batch_is_imported(self) -> None:
        member = Membership.objects.get(user=self.alice)
        upload = SimpleUploadedFile("balance.csv", CSV, content_type="text/csv")
        batch = imports.create_batch(member, upload, creditor=self.creditor, actor=self.alice)
        imports.parse_batch(batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.TO_IMPORT)
        self.assertEqual(self.data("import.completed"), [])  # read, not imported yet
        imports.import_batch(batch.pk)
        (data,) = self.data("import.completed")
        self.assertEqual(data["id"], batch.pk)
        self.assertEqual(data["status"], "done")
        self.assertEqual(data["rows_created"], 2)
        self.assertEqual(data["creditor"], self.creditor.pk)
        self.assertEqual(data["filename"], "balance.csv")
        self.assertIsNotNone(data["finished_at"])

    def test_import_completed_failed_when_the_worker_gives_up(self) -> None:
        batch = ImportBatch.objects.create(
            organization=self.alpha,
            filename="balance.csv",
            file="imports/balance.csv",
            sha256="0" * 64,
            status=ImportStatus.IMPORTING,
        )
        imports.stopped(batch.pk, "limite de temps dépassée", again=False)
        (data,) = self.data("import.completed")
        self.assertEqual(data["status"], "failed")
        self.assertIn("limite de temps", data["message"])


class PayloadTestCase(WebhookTestCase):
    def test_a_body_is_compact_json_with_the_characters_as_they_are(self) -> None:
        now = timezone.now()
        body = payloads.envelope("x.y", {"name": "Électricité Dupré"}, now)
        self.assertIn("Électricité", body)
        self.assertEqual(json.loads(body)["timestamp"], payloads.iso(now))
        self.assertNotIn(", ", body)

    def test_times_are_in_paris_time_as_the_api_writes_them(self) -> None:
        winter = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
        self.assertEqual(payloads.iso(winter), "2026-01-15T10:30:00+01:00")
        self.assertEqual(payloads.iso(date(2026, 1, 15)), "2026-01-15")
        self.assertIsNone(payloads.iso(None))

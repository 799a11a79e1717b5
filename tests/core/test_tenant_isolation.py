"""Walk every list and detail URL as alice and prove that charlie's rows never show up.

The walk is generic: it reads the URL patterns of the business apps, so a new page
is covered the day it is added (and the test fails if it cannot tell which model a
detail URL shows).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recouvra.agency.models import (
    CommissionInvoice,
    Remittance,
    TransferBatch,
    TrustEntry,
)
from recouvra.agency.models import Mandate as AgencyMandate
from recouvra.api.keys import create_key
from recouvra.api.models import ApiKey
from recouvra.cases.models import (
    AssignmentRule,
    Case,
    Dispute,
    DisputeDocument,
    DisputeOutcome,
    Interaction,
    PaymentPlan,
    Task,
)
from recouvra.cases.services import add_event
from recouvra.dunning.engine import run_dunning
from recouvra.dunning.models import Message, PrintBatch, Scenario, Step, Template
from recouvra.dunning.tasks import run_dunning_task
from recouvra.imports.models import BankAccount, BankLine, ImportBatch
from recouvra.ledger.models import Claim, Creditor, Debtor, Payment
from recouvra.lettrage.models import FactKind, MatchProposal, PayerFact
from recouvra.sepa.models import Collection, Mandate
from recouvra.webhooks.emit import emit
from recouvra.webhooks.models import Endpoint
from recouvra.webhooks.models import Event as WebhookEvent
from recouvra.webhooks.services import create_endpoint

from ..base import RecouvraTestCase, make_claim, make_creditor, make_debtor, make_payment
from ..dunning.base import DUE, at, make_scenario

APP_NAMESPACES = (
    "pages",
    "lawdesk",
    "ledger",
    "cases",
    "imports",
    "lettrage",
    "dunning",
    "letters",
    "api",
    "webhooks",
    "field",
    "sepa",
    "agency",
)
MARKER = "Zyxwcharlie"  # appears in every name of charlie's rows

# function views that take a pk: which model the pk belongs to
FUNCTION_VIEW_MODELS = {
    "cases:add_interaction": Case,
    "cases:interaction_attachment": Interaction,
    "cases:task_done": Task,
    "cases:timeline": Case,
    "cases:log_call": Case,
    "cases:add_note": Case,
    "cases:next_action": Case,
    "cases:request_visit": Case,
    "cases:escalate": Case,
    "cases:correct": Interaction,
    "cases:dispute_new": Case,
    "cases:dispute": Dispute,
    "cases:dispute_resolve": Dispute,
    "cases:dispute_document_add": Dispute,
    "cases:dispute_document": DisputeDocument,
    "cases:assignment_rule_edit": AssignmentRule,
    "cases:assignment_rule_move": AssignmentRule,
    "cases:assignment_rule_delete": AssignmentRule,
    "dunning:case_message": Case,
    "letters:dispute_letter": Dispute,
    "ledger:add_contact": Debtor,
    "imports:batch": ImportBatch,
    "imports:confirm": ImportBatch,
    "imports:remap": ImportBatch,
    "imports:errors_csv": ImportBatch,
    "imports:retry": ImportBatch,
    "lettrage:accept": MatchProposal,
    "lettrage:reject": MatchProposal,
    "lettrage:reverse": MatchProposal,
    "lettrage:remove_fact": PayerFact,
    "lettrage:unapply": BankLine,
    "lettrage:reopen": BankLine,
    "pages:requeue_task": DBTaskResult,
    "dunning:resend": Message,
    "dunning:document": Message,
    "dunning:delivery": Message,
    "dunning:batch": PrintBatch,
    "dunning:assign": Debtor,
    "letters:receipt": Payment,
    "letters:plan_agreement": PaymentPlan,
    "field:visit": Task,
    "field:take_payment": Task,
    "field:receipt": Payment,
    "letters:plan_lapse": PaymentPlan,
    "cases:promise_new": Case,
    "cases:plan_new": Case,
    "cases:plan_preview": Case,
    "cases:plan": PaymentPlan,
    "cases:plan_cancel": PaymentPlan,
    "api:key_revoke": ApiKey,
    "webhooks:endpoint": Endpoint,
    "webhooks:endpoint_edit": Endpoint,
    "webhooks:endpoint_rotate": Endpoint,
    "webhooks:endpoint_enable": Endpoint,
    "webhooks:endpoint_disable": Endpoint,
    "webhooks:endpoint_delete": Endpoint,
    "webhooks:endpoint_test": Endpoint,
    "webhooks:event_replay": WebhookEvent,
    "sepa:collection": Collection,
    "sepa:collection_file": Collection,
    "sepa:settle": Collection,
    "sepa:mandate": Mandate,
    "sepa:mandate_revoke": Mandate,
    "sepa:mandate_add": Debtor,
    "agency:remittance": Remittance,
    "agency:statement_pdf": Remittance,
    "agency:invoice_pdf": CommissionInvoice,
    "agency:batch_file": TransferBatch,
    "agency:batch_sent": TransferBatch,
}
# the other arguments some detail URLs take besides the object's pk
OTHER_ARGUMENTS = {
    "dunning:assign": {"kind": "debiteur"},
    "dunning:case_message": {"channel": "email"},
}
# URLs named by another argument than pk: (argument, model)
PARENT_ARGUMENTS = {"dunning:step_add": ("scenario_pk", Scenario)}
POST_ONLY = {"pages:switch_organization", "pages:organization_logo", "lettrage:run_matching"}
POST_ONLY |= {"dunning:preview", "dunning:delivery_report", "api:key_create"}
# (and the ones that answer a GET with a redirect: "Dossier suivant" opens a case)
POST_ONLY |= {"cases:reassign", "cases:assignment_apply", "cases:next_case"}
POST_ONLY |= {"sepa:build", "sepa:run"}
POST_ONLY |= {"agency:adjust"}


def business_patterns() -> list[tuple[str, URLPattern]]:
    found = []
    for item in get_resolver().url_patterns:
        if isinstance(item, URLResolver) and item.namespace in APP_NAMESPACES:
            for pattern in item.url_patterns:
                if isinstance(pattern, URLPattern):  # the REST API: tests/api walks it
                    found.append((f"{item.namespace}:{pattern.name}", pattern))
    return found


def model_of(name: str, pattern: URLPattern) -> type:
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is not None and hasattr(view_class, "model"):
        return view_class.model
    return FUNCTION_VIEW_MODELS[name]


class TenantIsolationTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        # alice's own data, so pages are not trivially empty
        make_claim(self.creditor, self.debtor, 50_000)
        # the logos are stored as they are: web:logo_image must serve alice's, never charlie's
        self.alpha.logo.save("alpha.svg", ContentFile(b"<svg/>"))
        self.beta.logo.save("beta.svg", ContentFile(f"<svg>{MARKER}</svg>".encode()))
        # charlie's data in organisation B
        charlie_creditor = make_creditor(self.beta, f"{MARKER} Créancier")
        charlie_debtor = make_debtor(
            self.beta, f"{MARKER} Débiteur", city=f"{MARKER}ville", email="d@charlie.example"
        )
        charlie_claim = make_claim(
            charlie_creditor, charlie_debtor, 77_700, reference=f"{MARKER}-001"
        )
        make_payment(charlie_claim, 10_000)
        add_event(charlie_claim.case, "note", f"{MARKER} note")
        charlie_batch = ImportBatch.objects.create(
            organization=self.beta,
            filename=f"{MARKER}.csv",
            file=ContentFile(b"x", name="x.csv"),
            sha256="0" * 64,
            creditor=charlie_creditor,
        )
        self.charlie_objects = {
            **self.charlie_dunning(charlie_claim),  # before the plan, which pauses the dunning
            Creditor: charlie_creditor,
            Debtor: charlie_debtor,
            Claim: charlie_claim,
            Case: charlie_claim.case,
            Interaction: charlie_claim.case.interactions.first(),
            ImportBatch: charlie_batch,
            MatchProposal: self.charlie_proposal(charlie_batch, charlie_claim),
            BankLine: BankLine.objects.get(label=f"{MARKER} virement"),
            PayerFact: PayerFact.objects.create(
                organization=self.beta,
                debtor=charlie_debtor,
                kind=FactKind.NAME,
                value=MARKER.lower(),
                detail=f"{MARKER} appris",
            ),
            Task: Task.objects.create(
                organization=self.beta,
                case=charlie_claim.case,
                kind="call",
                title=f"{MARKER} appel",
                due_on=charlie_claim.due_date,
            ),
            DBTaskResult: self.charlie_failed_task(),
            Payment: charlie_claim.allocations.get().payment,
            PaymentPlan: PaymentPlan.objects.create(
                organization=self.beta, case=charlie_claim.case, starts_on=charlie_claim.due_date
            ),
            ApiKey: create_key(self.beta, name=f"{MARKER} clé", scopes=["read"]).api_key,
            **self.charlie_disputes(charlie_claim),
            **self.charlie_webhooks(),
            **self.charlie_sepa(charlie_debtor, charlie_creditor),
            **self.charlie_books(charlie_creditor, charlie_claim.allocations.get().payment),
        }
        self.client.force_login(self.alice)

    def charlie_dunning(self, claim: Claim) -> dict[type, object]:
        """Charlie's scenario, run on his case: a message in his outbox, a batch of his letters."""
        scenario = make_scenario(self.beta)
        Scenario.objects.filter(pk=scenario.pk).update(name=f"{MARKER} scénario")
        Template.objects.filter(organization=self.beta).update(name=f"{MARKER} modèle")
        run_dunning(self.beta.pk, today=DUE + timedelta(days=6), now=at(DUE + timedelta(days=6)))
        batch = PrintBatch.objects.create(
            organization=self.beta,
            document=ContentFile(f"%PDF {MARKER}".encode(), name="lot.pdf"),
            letters=1,
            registered=0,
        )
        return {
            Scenario: scenario,
            Step: scenario.steps.first(),
            Template: Template.objects.filter(organization=self.beta).first(),
            Message: Message.objects.get(case=claim.case),
            PrintBatch: batch,
        }

    def charlie_disputes(self, claim: Claim) -> dict[type, object]:
        """Charlie's dispute (rejected: its letter exists), its document, his rule."""
        dispute = Dispute.objects.create(
            organization=self.beta,
            case=claim.case,
            reason=f"{MARKER} litige",
            outcome=DisputeOutcome.REJECTED,
            resolution=f"{MARKER} rejet",
            closed_on=claim.due_date,
        )
        document = DisputeDocument.objects.create(
            organization=self.beta,
            dispute=dispute,
            title=f"{MARKER} pièce",
            file=ContentFile(b"%PDF-1.4", name="piece.pdf"),
        )
        rule = AssignmentRule.objects.create(
            organization=self.beta, assign_to=self.charlie, postcode_prefix="99"
        )
        return {Dispute: dispute, DisputeDocument: document, AssignmentRule: rule}

    def charlie_books(self, creditor: Creditor, payment: Payment) -> dict[type, object]:
        """Books written straight in charlie's organisation (a company keeps none: the rows
        are there only to prove that alice's agency pages never show them)."""
        mandate = AgencyMandate.objects.create(
            organization=self.beta,
            creditor=creditor,
            reference=f"{MARKER}-M",
            signed_on=payment.received_on,
            starts_on=payment.received_on,
            commission_rate=1000,
            remittance_iban="FR7630006000011234567890189",
        )
        batch = TransferBatch.objects.create(
            organization=self.beta,
            period_end=payment.received_on,
            file=ContentFile(f"<xml>{MARKER}</xml>".encode(), name="pain.xml"),
            errors=[f"{MARKER} erreur"],
        )
        remittance = Remittance.objects.create(
            organization=self.beta,
            creditor=creditor,
            mandate=mandate,
            batch=batch,
            number=f"{MARKER}-RV",
            period_start=payment.received_on,
            period_end=payment.received_on,
            statement=ContentFile(f"%PDF {MARKER}".encode(), name="releve.pdf"),
        )
        TrustEntry.objects.create(
            organization=self.beta,
            creditor=creditor,
            mandate=mandate,
            kind="collected",
            amount_cents=10_000,
            on=payment.received_on,
            payment=payment,
            remittance=remittance,
            text=MARKER,
        )
        invoice = CommissionInvoice.objects.create(
            organization=self.beta,
            creditor=creditor,
            remittance=remittance,
            number=f"{MARKER}-F",
            issued_on=payment.received_on,
            period_start=payment.received_on,
            period_end=payment.received_on,
            net_cents=1_000,
            vat_cents=200,
            total_cents=1_200,
            pdf=ContentFile(f"%PDF {MARKER}".encode(), name="facture.pdf"),
        )
        return {
            AgencyMandate: mandate,
            TransferBatch: batch,
            Remittance: remittance,
            CommissionInvoice: invoice,
        }

    def charlie_webhooks(self) -> dict[type, object]:
        """Charlie's endpoint and a message of it (its secret and URL would give him away)."""
        endpoint = create_endpoint(
            self.beta,
            url=f"https://{MARKER.lower()}.example/hook",
            events=["payment.received"],
            description=f"{MARKER} ERP",
        )
        (event,) = emit(
            self.beta.pk,
            "payment.received",
            lambda: [{"marker": MARKER}],
            endpoints=[endpoint],
        )
        return {Endpoint: endpoint, WebhookEvent: event}

    def charlie_sepa(self, debtor: Debtor, creditor: Creditor) -> dict[type, object]:
        """Charlie's mandate and a file of his direct debits."""
        mandate = Mandate.objects.create(
            organization=self.beta,
            debtor=debtor,
            creditor=creditor,
            reference=f"{MARKER}-RUM",
            iban="DE89370400440532013000",
            account_holder=f"{MARKER} titulaire",
            signed_on=date(2026, 1, 2),
        )
        collection = Collection.objects.create(
            organization=self.beta,
            collection_on=date(2026, 2, 2),
            file=ContentFile(f"<xml>{MARKER}</xml>".encode(), name="pain008.xml"),
            count=1,
            total_cents=100,
        )
        return {Mandate: mandate, Collection: collection}

    def charlie_failed_task(self) -> DBTaskResult:
        """The daily run of charlie's organisation, failed: only his admins may re-queue it."""
        row = DBTaskResult.objects.get(pk=run_dunning_task.enqueue(self.beta.pk, "2026-12-07").id)
        row.status, row.finished_at, row.traceback = "FAILED", timezone.now(), MARKER
        row.save()
        return row

    def charlie_proposal(self, batch: ImportBatch, claim: Claim) -> MatchProposal:
        account = BankAccount.objects.create(organization=self.beta, identifier="FR76BOB")
        line = BankLine.objects.create(
            organization=self.beta,
            account=account,
            batch=batch,
            booking_date=claim.due_date,
            amount_cents=77_700,
            label=f"{MARKER} virement",
            fingerprint="charlie",
        )
        proposal = MatchProposal.objects.create(
            organization=self.beta, bank_line=line, debtor=claim.debtor, score=55
        )
        proposal.claims.add(claim)
        return proposal

    def test_it_walks_a_meaningful_set_of_urls(self) -> None:
        names = {name for name, _ in business_patterns()}
        for expected in ("ledger:debtor_list", "ledger:claim", "cases:case", "pages:dashboard"):
            self.assertIn(expected, names)

    def test_it_shows_none_of_charlies_rows_in_any_list(self) -> None:
        for name, pattern in business_patterns():
            if pattern.pattern.converters or name in POST_ONLY:
                continue
            # the search is lower-cased: the echo of the query cannot match MARKER
            for query in ("", f"?q={MARKER.lower()}", "?page=1&sort=-name"):
                response = self.client.get(reverse(name) + query)
                self.assertEqual(response.status_code, 200, f"{name}{query}")
                self.assertNotContains(response, MARKER, msg_prefix=f"{name}{query}")

    def test_it_refuses_every_detail_url_of_charlie_with_404(self) -> None:
        checked = 0
        for name, pattern in business_patterns():
            if name in PARENT_ARGUMENTS:
                argument, model = PARENT_ARGUMENTS[name]
                kwargs = {argument: self.charlie_objects[model].pk}
            elif "pk" in pattern.pattern.converters:
                obj = self.charlie_objects[model_of(name, pattern)]
                kwargs = {**OTHER_ARGUMENTS.get(name, {}), "pk": obj.pk}
            else:
                continue
            url = reverse(name, kwargs=kwargs)
            # a view answers 404 to the methods it handles, 405 to the others
            statuses = {self.client.get(url).status_code, self.client.post(url, {}).status_code}
            self.assertLessEqual(statuses, {404, 405}, url)
            self.assertIn(404, statuses, url)
            checked += 1
        self.assertGreaterEqual(checked, 30)

    def test_it_leaves_charlies_rows_unchanged_after_the_walk(self) -> None:
        self.test_it_refuses_every_detail_url_of_charlie_with_404()
        for model, obj in self.charlie_objects.items():
            self.assertTrue(model.objects.filter(pk=obj.pk).exists(), model.__name__)
        self.assertEqual(
            Claim.objects.get(pk=self.charlie_objects[Claim].pk).principal_cents, 77_700
        )
        self.assertIsNone(PayerFact.objects.get(pk=self.charlie_objects[PayerFact].pk).removed_at)

    def test_it_does_not_offer_charlies_creditor_in_forms(self) -> None:
        response = self.client.get(reverse("ledger:claim_add"))
        self.assertContains(response, "Télécom Ouest")
        self.assertNotContains(response, MARKER)

    def test_it_refuses_a_claim_posted_for_charlies_debtor(self) -> None:
        data = {
            "creditor": self.creditor.pk,
            "debtor": self.charlie_objects[Debtor].pk,
            "reference": "FA-X",
            "kind": "b2b",
            "issue_date": "2026-01-01",
            "due_date": "2026-02-01",
            "principal_cents": "100,00",
            "currency": "EUR",
            "status": "open",
        }
        response = self.client.post(reverse("ledger:claim_add"), data)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Claim.objects.filter(reference="FA-X").exists())

"""Every endpoint of the API, called with another organisation's key and with a key of one
mandant: alice's rows are a 404 or absent, never shown, never changed.

The walk reads the schema: a new endpoint is walked the day it is added, and the test fails
if the world below has no row for it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile

from recouvra.agency.models import Mandate as AgencyMandate
from recouvra.agency.models import Remittance, TrustEntry
from recouvra.agency.services import enter_collections, run_remittances
from recouvra.cases.models import (
    AssignmentRule,
    Case,
    Dispute,
    Interaction,
    PaymentPlan,
    PlanInstalment,
    Promise,
    Task,
)
from recouvra.cases.services import add_event
from recouvra.core.models import Organization, Role
from recouvra.dunning.engine import run_dunning
from recouvra.dunning.models import Message
from recouvra.imports.models import BankAccount, BankLine, ImportBatch
from recouvra.ledger.models import Claim, Creditor, Debtor, Payment
from recouvra.ledger.services import number_receipt
from recouvra.lettrage.models import MatchProposal
from recouvra.sepa.models import Collection, DirectDebit, Mandate

from ..agency.base import MANDANT_IBAN, TRUST_IBAN, make_mandate
from ..base import make_claim, make_creditor, make_debtor, make_payment, make_user
from ..dunning.base import DUE, at, make_scenario
from .base import ApiTestCase

ID = re.compile(r"\{(\w+)\}")
WRITES = ("post", "patch", "put", "delete")


def build_world(org: Organization, creditor: Creditor, debtor: Debtor, tag: str) -> Claim:
    """One row of every kind the API serves, for this creditor and debtor."""
    claim = make_claim(creditor, debtor, 77_700, reference=f"{tag}-001")
    payment = make_payment(claim, 10_000)
    build_books(org, creditor, payment, tag)
    add_event(claim.case, "note", f"{tag} note")
    run_dunning(org.pk, today=DUE + timedelta(days=6), now=at(DUE + timedelta(days=6)))
    Promise.objects.create(organization=org, case=claim.case, amount_cents=5_000, promised_on=DUE)
    plan = PaymentPlan.objects.create(organization=org, case=claim.case, starts_on=DUE)
    PlanInstalment.objects.create(
        organization=org, plan=plan, number=1, due_on=DUE, amount_cents=5_000
    )
    Dispute.objects.create(organization=org, case=claim.case, reason=f"{tag} litige")
    Task.objects.create(
        organization=org, case=claim.case, kind="call", title=f"{tag} appel", due_on=DUE
    )
    # a field visit not done yet (the round of any later day shows it), a numbered receipt
    Task.objects.create(
        organization=org, case=claim.case, kind="visit", title=f"{tag} visite", due_on=DUE
    )
    number_receipt(make_payment(claim, 1_000))
    agent = make_user(f"{tag}-agent@example.org", org, Role.AGENT)
    AssignmentRule.objects.create(organization=org, creditor=creditor, assign_to=agent)
    batch = ImportBatch.objects.create(
        organization=org,
        filename=f"{tag}.csv",
        file=ContentFile(b"x", name="x.csv"),
        sha256=tag.ljust(64, "0")[:64],
        creditor=creditor,
    )
    account, _ = BankAccount.objects.get_or_create(organization=org, identifier=f"FR76{org.pk}")
    line = BankLine.objects.create(
        organization=org,
        account=account,
        batch=batch,
        booking_date=claim.due_date,
        amount_cents=77_700,
        label=f"{tag} virement",
        fingerprint=tag,
    )
    proposal = MatchProposal.objects.create(
        organization=org, bank_line=line, debtor=debtor, score=55
    )
    proposal.claims.add(claim)
    build_sepa(org, plan, creditor, debtor, tag)
    return claim


def build_sepa(
    org: Organization, plan: PaymentPlan, creditor: Creditor, debtor: Debtor, tag: str
) -> None:
    """A mandate, a pain.008 file and a debit of the plan's first instalment."""
    instalment = plan.instalments.get(number=1)
    mandate = Mandate.objects.create(
        organization=org,
        debtor=debtor,
        creditor=creditor,
        reference=f"{tag}-RUM",
        iban="DE89370400440532013000",
        account_holder=f"{tag} titulaire",
        signed_on=DUE,
    )
    collection, _ = Collection.objects.get_or_create(
        organization=org,
        collection_on=DUE,
        defaults={"file": ContentFile(f"<xml>{tag}</xml>".encode(), name="pain008.xml")},
    )
    DirectDebit.objects.create(
        organization=org,
        instalment=instalment,
        mandate=mandate,
        amount_cents=5_000,
        collection_on=DUE,
        end_to_end_id=f"{tag}-E2E",
        status="in_file",
        collection=collection,
    )


def build_books(org: Organization, creditor: Creditor, payment: Payment, tag: str) -> None:
    """An agency's books: the creditor's mandate, the payment collected and remitted (its
    remittance, statement, invoice and transfer file)."""
    if not org.is_agency:
        return
    Organization.objects.filter(pk=org.pk).update(bank_iban=TRUST_IBAN)
    Creditor.objects.filter(pk=creditor.pk).update(iban=MANDANT_IBAN)
    make_mandate(creditor, reference=f"{tag}-M")
    enter_collections(org.pk, [payment.pk])
    run_remittances(org.pk, payment.received_on)


class ApiIsolationTests(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        make_scenario(self.alpha)
        make_scenario(self.beta)
        # alice's organisation: two mandants; the mandant key sees only the first
        build_world(self.alpha, self.creditor, self.debtor, "alice")
        self.other = make_creditor(self.alpha, "Autre mandant", is_mandant=True)
        build_world(self.alpha, self.other, make_debtor(self.alpha, "Autre débiteur"), "other")
        # charlie's, so that his lists are not trivially empty
        theirs = make_creditor(self.beta, "Créancier de Beta")
        build_world(self.beta, theirs, make_debtor(self.beta, "Débiteur de Beta"), "charlie")
        self.mandant_key = self.key_with(
            ["read", "write", "imports", "payments"], name="Mandant", mandant=self.creditor
        )
        self.schema = self.api.get("/api/schema/?format=json").json()

    def operations(self) -> list[tuple[str, str]]:
        return [
            (method, path)
            for path, item in self.schema["paths"].items()
            for method in item
            if method in ("get", *WRITES)
        ]

    def ids_of(self, list_path: str, key: str) -> list[Any]:
        response = self.get(list_path, key=key)
        self.assertEqual(response.status_code, 200, f"{list_path}: {response.content[:300]}")
        return [row["id"] for row in response.json()["results"]]

    def test_every_list_hides_alices_rows_from_charlie(self) -> None:
        lists = [path for method, path in self.operations() if method == "get"]
        lists = [path for path in lists if not ID.search(path) and self._is_list(path)]
        self.assertGreater(len(lists), 0)
        for path in lists:
            alices = set(self.ids_of(path, self.key))
            self.assertTrue(alices, f"{path}: the world has no row of alice here")
            self.assertFalse(alices & set(self.ids_of(path, self.charlie_key)), path)

    def test_every_object_of_alice_is_a_404_to_charlie_and_to_another_mandant(self) -> None:
        walked = 0
        for method, path in self.operations():
            names = ID.findall(path)
            if not names:
                continue
            list_path = path[: path.index("{")]
            alices = self.ids_of(list_path, self.key)
            self.assertTrue(alices, f"{path}: the world has no row of alice here")
            mandants = set(self.ids_of(list_path, self.mandant_key))
            hidden_from_mandant = [pk for pk in alices if pk not in mandants]
            for pk in alices[:1]:
                url = ID.sub(str(pk), path, count=1)
                url = ID.sub("1", url)  # a second id in the path (none today)
                response = self.call(method.upper(), url, {} if method in WRITES else None,
                                     key=self.charlie_key)  # fmt: skip
                self.assertProblem(response, 404)
            for pk in hidden_from_mandant[:1]:
                url = ID.sub("1", ID.sub(str(pk), path, count=1))
                response = self.call(method.upper(), url, {} if method in WRITES else None,
                                     key=self.mandant_key)  # fmt: skip
                self.assertProblem(response, 404)
            walked += 1
        self.assertGreater(walked, 0)

    def test_the_walk_changes_none_of_alices_rows(self) -> None:
        before = self.alices_rows()
        self.test_every_object_of_alice_is_a_404_to_charlie_and_to_another_mandant()
        self.assertEqual(self.alices_rows(), before)

    def alices_rows(self) -> dict[str, list[dict]]:
        models = (Claim, Case, Payment, Interaction, Promise, PaymentPlan, PlanInstalment)
        models += (Dispute, Task)
        models += (Message, ImportBatch, BankLine, MatchProposal, Creditor, Debtor)
        models += (AssignmentRule,)
        models += (Mandate, Collection, DirectDebit)
        models += (AgencyMandate, TrustEntry, Remittance)
        return {
            model.__name__: list(
                model.objects.filter(organization=self.alpha).order_by("pk").values()
            )
            for model in models
        }

    def _is_list(self, path: str) -> bool:
        answer = self.schema["paths"][path]["get"]["responses"].get("200", {})
        content = answer.get("content", {}).get("application/json", {})
        reference = content.get("schema", {}).get("$ref", "")
        return reference.split("/")[-1].startswith("Paginated")

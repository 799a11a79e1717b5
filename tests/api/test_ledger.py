"""The ledger through the API: debtors and contacts, claims, payments (issue 20)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recouvra.api.models import Scope
from recouvra.cases.models import Interaction
from recouvra.core.models import AuditAction, AuditEvent
from recouvra.law.money import MAX_CENTS
from recouvra.ledger.models import Claim, ClaimStatus, Contact, Debtor, Payment

from ..base import SIREN_BETA, make_claim, make_creditor, make_debtor, make_payment
from .base import ApiTestCase

VALID_SIRET = "54205118000066"  # starts with SIREN_DEBTOR
VALID_IBAN = "FR7630006000011234567890189"


def audit_of(obj: object) -> list[AuditEvent]:
    content_type = ContentType.objects.get_for_model(type(obj))
    return list(AuditEvent.objects.filter(content_type=content_type, object_id=str(obj.pk)))


class DebtorApiTests(ApiTestCase):
    def test_a_debtor_is_read_with_its_contacts(self) -> None:
        Contact.objects.create(
            organization=self.alpha, debtor=self.debtor, kind="email", value="compta@dubois.fr"
        )
        body = self.get(f"debtors/{self.debtor.pk}").json()
        self.assertEqual(body["siren"], self.debtor.siren)
        self.assertEqual([c["value"] for c in body["contacts"]], ["compta@dubois.fr"])

    def test_charlie_never_sees_alices_debtors(self) -> None:
        make_debtor(self.beta, "Chez Charlie")
        names = [d["name"] for d in self.get("debtors/", key=self.charlie_key).json()["results"]]
        self.assertEqual(names, ["Chez Charlie"])
        self.assertProblem(self.get(f"debtors/{self.debtor.pk}", key=self.charlie_key), 404)
        response = self.patch(f"debtors/{self.debtor.pk}", {"name": "x"}, key=self.charlie_key)
        self.assertProblem(response, 404)

    def test_filters(self) -> None:
        person = make_debtor(self.alpha, "Jean Lévêque", kind="person", risk_level="high")
        Debtor.objects.filter(pk=self.debtor.pk).update(
            updated_at=timezone.now() - timedelta(days=3)
        )

        def names(query: str) -> list[str]:
            response = self.get(f"debtors/?{query}")
            self.assertEqual(response.status_code, 200, response.content)
            return sorted(d["name"] for d in response.json()["results"])

        self.assertEqual(names("kind=person"), ["Jean Lévêque"])
        self.assertEqual(names("risk_level=high"), ["Jean Lévêque"])
        self.assertEqual(names(f"siren={self.debtor.siren}"), ["Menuiserie Dubois"])
        since = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
        self.assertEqual(names(f"updated_since={since}"), [person.name])
        self.assertEqual(names("q=leveque"), ["Jean Lévêque"])
        self.assertProblem(self.get("debtors/?kind=alien"), 400, "kind")

    def test_a_debtor_is_created_validated_and_audited_with_the_key_as_actor(self) -> None:
        response = self.post(
            "debtors/",
            {
                "kind": "company",
                "name": "Garage Martin",
                "siret": "542 051 180 00066",
                "iban": "FR76 3000 6000 0112 3456 7890 189",
            },
        )
        self.assertEqual(response.status_code, 201, response.content)
        debtor = Debtor.objects.get(pk=response.json()["id"])
        self.assertEqual((debtor.siret, debtor.siren), (VALID_SIRET, VALID_SIRET[:9]))
        self.assertEqual(debtor.iban, VALID_IBAN)
        (event,) = audit_of(debtor)
        self.assertEqual(event.action, AuditAction.CREATE)
        self.assertEqual(event.actor, self.api_key_row(self.key).user)
        self.assertIn("ERP d'alice", str(event.actor))

    def test_identifiers_are_checked_and_the_field_named(self) -> None:
        cases = [
            ({"siren": "123456789"}, "siren"),
            ({"siret": "54205118000067"}, "siret"),
            ({"vat_number": "FR00000000000"}, "vat_number"),
            ({"iban": "FR7630006000011234567890188"}, "iban"),
            ({"siren": SIREN_BETA, "siret": VALID_SIRET}, "siret"),  # not its SIREN's
            ({"kind": "person", "siren": VALID_SIRET[:9]}, "kind"),
            ({"colour": "blue"}, "colour"),
        ]
        for extra, field in cases:
            with self.subTest(field=field):
                data = {"kind": "company", "name": "Garage Martin", **extra}
                self.assertProblem(self.post("debtors/", data), 400, field)
        self.assertFalse(Debtor.objects.filter(name="Garage Martin").exists())

    def test_a_patch_is_validated_against_the_stored_debtor(self) -> None:
        response = self.patch(f"debtors/{self.debtor.pk}", {"kind": "person"})
        self.assertProblem(response, 400, "kind")  # it has a SIREN
        response = self.patch(f"debtors/{self.debtor.pk}", {"risk_level": "high"})
        self.assertEqual(response.status_code, 200, response.content)
        self.debtor.refresh_from_db()
        self.assertEqual(self.debtor.risk_level, "high")
        self.assertEqual([e.action for e in audit_of(self.debtor)], [AuditAction.UPDATE])

    def test_a_contact_is_added_audited_and_shown(self) -> None:
        url = f"debtors/{self.debtor.pk}/contacts"
        response = self.post(url, {"kind": "phone", "label": "Comptabilité", "value": "0240000000"})
        self.assertEqual(response.status_code, 201, response.content)
        contact = Contact.objects.get(pk=response.json()["id"])
        self.assertEqual((contact.debtor, contact.organization), (self.debtor, self.alpha))
        self.assertEqual(audit_of(contact)[0].actor, self.api_key_row(self.key).user)
        shown = self.get(f"debtors/{self.debtor.pk}").json()["contacts"]
        self.assertEqual([c["label"] for c in shown], ["Comptabilité"])
        self.assertProblem(self.post(url, {"kind": "phone"}), 400, "value")
        self.assertProblem(self.post(url, {"kind": "fax", "value": "1"}), 400, "kind")
        self.assertProblem(
            self.post(url, {"kind": "phone", "value": "1"}, key=self.charlie_key), 404
        )
        read_only = self.key_with([Scope.READ], name="lecture")
        self.assertProblem(self.post(url, {"kind": "phone", "value": "1"}, key=read_only), 403)
        self.assertEqual(Contact.objects.count(), 1)


class ClaimApiTests(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.other_creditor = make_creditor(self.alpha, "Énergie Sud", is_mandant=True)
        self.other_debtor = make_debtor(self.alpha, "Boulangerie Émile")
        self.old = make_claim(
            self.creditor,
            self.debtor,
            100_000,
            reference="FA-OLD",
            issue_date=date(2025, 1, 10),
            due_date=date(2025, 2, 10),
        )
        self.new = make_claim(
            self.other_creditor,
            self.other_debtor,
            300_000,
            reference="FA-NEW",
            issue_date=date(2026, 3, 1),
            due_date=date(2026, 4, 1),
        )
        make_payment(self.old, 40_000)

    def refs(self, query: str = "", key: str | None = None) -> list[str]:
        response = self.get(f"claims/?{query}", key=key)
        self.assertEqual(response.status_code, 200, response.content)
        return [c["reference"] for c in response.json()["results"]]

    def new_claim(self, **extra: object) -> dict:
        data = {
            "creditor": self.creditor.pk,
            "debtor": self.debtor.pk,
            "reference": "FA-API-1",
            "kind": "b2b",
            "issue_date": "2026-05-01",
            "due_date": "2026-05-31",
            "principal_cents": 12_345,
        }
        data.update(extra)
        return data

    def test_a_claim_shows_its_balance_currency_and_case(self) -> None:
        body = self.get(f"claims/{self.old.pk}").json()
        self.assertEqual((body["principal_cents"], body["paid_cents"]), (100_000, 40_000))
        self.assertEqual(body["balance_cents"], 60_000)
        self.assertEqual((body["currency"], body["case"]), ("EUR", self.old.case_id))
        self.assertIsNotNone(body["case"])

    def test_filters(self) -> None:
        Claim.objects.filter(pk=self.new.pk).update(status=ClaimStatus.DISPUTED)
        Claim.objects.filter(pk=self.old.pk).update(updated_at=timezone.now() - timedelta(days=9))
        since = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
        expected = {
            "status=open": ["FA-OLD"],
            "status=disputed": ["FA-NEW"],
            f"debtor={self.other_debtor.pk}": ["FA-NEW"],
            f"creditor={self.creditor.pk}": ["FA-OLD"],
            "due_date_after=2026-01-01": ["FA-NEW"],
            "due_date_before=2025-12-31": ["FA-OLD"],
            "issue_date_after=2026-03-01": ["FA-NEW"],
            "issue_date_before=2025-01-10": ["FA-OLD"],
            f"updated_since={since}": ["FA-NEW"],
            "reference=FA-OLD": ["FA-OLD"],
            "kind=b2c": [],
            f"case={self.new.case_id}": ["FA-NEW"],
        }
        for query, refs in expected.items():
            with self.subTest(query=query):
                self.assertEqual(self.refs(query), refs)
        self.assertProblem(self.get("claims/?status=lost"), 400, "status")
        self.assertProblem(self.get("claims/?due_date_after=demain"), 400, "due_date_after")

    def test_ordering(self) -> None:
        self.assertEqual(self.refs("ordering=due_date"), ["FA-OLD", "FA-NEW"])
        self.assertEqual(self.refs("ordering=-due_date"), ["FA-NEW", "FA-OLD"])
        self.assertEqual(self.refs("ordering=-principal_cents"), ["FA-NEW", "FA-OLD"])
        self.assertEqual(self.refs("ordering=principal_cents"), ["FA-OLD", "FA-NEW"])
        self.assertEqual(self.refs("ordering=-id"), ["FA-NEW", "FA-OLD"])
        Claim.objects.filter(pk=self.new.pk).update(updated_at=timezone.now() - timedelta(days=9))
        self.assertEqual(self.refs("ordering=updated_at"), ["FA-NEW", "FA-OLD"])

    def test_pages_follow_the_cursor(self) -> None:
        seen, url = [], "claims/?page_size=1"
        while url:
            body = self.get(url).json()
            seen += [c["reference"] for c in body["results"]]
            url = body["next"] and body["next"].removeprefix("http://testserver")
        self.assertEqual(seen, ["FA-OLD", "FA-NEW"])

    def test_a_page_costs_the_same_queries_for_1_row_or_50(self) -> None:
        self.get("claims/")  # the key's last use is written on its first call only

        def queries(page_size: int) -> int:
            with CaptureQueriesContext(connection) as captured:
                response = self.get(f"claims/?page_size={page_size}")
            self.assertEqual(len(response.json()["results"]), page_size)
            return len(captured)

        for n in range(60):
            make_claim(self.creditor, self.debtor, 1_000 + n, reference=f"FA-BULK-{n}")
        with self.assertNumQueries(2):  # the key, the page (balances in the same query)
            self.get("claims/?page_size=1")
        self.assertEqual(queries(1), queries(50))

    def test_charlie_sees_nothing_of_alices_claims(self) -> None:
        self.assertEqual(self.refs(key=self.charlie_key), [])
        self.assertProblem(self.get(f"claims/{self.old.pk}", key=self.charlie_key), 404)
        response = self.patch(f"claims/{self.old.pk}", {"principal_cents": 1}, key=self.charlie_key)
        self.assertProblem(response, 404)

    def test_a_mandant_key_sees_only_its_creditors_claims(self) -> None:
        mandant_key = self.key_with(ALL, name="Portail Télécom", mandant=self.creditor)
        self.assertEqual(self.refs(key=mandant_key), ["FA-OLD"])
        self.assertProblem(self.get(f"claims/{self.new.pk}", key=mandant_key), 404)
        # another creditor named in the body reads as one that does not exist: a 400 naming
        # the field (the resource addressed, /claims/, exists; 404 is for the URL's object)
        response = self.post(
            "claims/", self.new_claim(creditor=self.other_creditor.pk), key=mandant_key
        )
        self.assertProblem(response, 400, "creditor")
        response = self.post("claims/", self.new_claim(), key=mandant_key)
        self.assertEqual(response.status_code, 201, response.content)

    def test_a_claim_is_created_in_its_debtors_case_and_audited(self) -> None:
        response = self.post("claims/", self.new_claim())
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        claim = Claim.objects.get(pk=body["id"])
        self.assertEqual(claim.case_id, self.old.case_id)  # joined the open case
        self.assertEqual((body["balance_cents"], body["case"]), (12_345, claim.case_id))
        (event,) = audit_of(claim)
        self.assertEqual((event.action, event.actor), ("create", self.api_key_row(self.key).user))
        self.assertTrue(Interaction.objects.filter(case=claim.case, text__contains="FA-API-1"))

    def test_the_model_rules_name_their_field(self) -> None:
        self.assertProblem(
            self.post("claims/", self.new_claim(reference="FA-OLD")), 400, "reference"
        )
        response = self.post("claims/", self.new_claim(due_date="2026-04-01"))
        self.assertProblem(response, 400, "due_date")
        response = self.post("claims/", self.new_claim(creditor=make_creditor(self.beta).pk))
        self.assertProblem(response, 400, "creditor")
        self.assertProblem(
            self.post("claims/", self.new_claim(issue_date="1850-01-01")), 400, "issue_date"
        )

    def test_amounts_are_strict(self) -> None:
        for amount in (123.45, "12345", True, MAX_CENTS + 1, -5, None):
            with self.subTest(amount=amount):
                response = self.post("claims/", self.new_claim(principal_cents=amount))
                self.assertProblem(response, 400, "principal_cents")
        self.assertProblem(self.post("claims/", self.new_claim(colour="red")), 400, "colour")
        self.assertFalse(Claim.objects.filter(reference="FA-API-1").exists())

    def test_a_read_key_cannot_write(self) -> None:
        read_only = self.key_with([Scope.READ], name="lecture")
        self.assertProblem(self.post("claims/", self.new_claim(), key=read_only), 403)
        response = self.patch(f"claims/{self.old.pk}", {"principal_cents": 1}, key=read_only)
        self.assertProblem(response, 403)
        self.assertEqual(len(self.refs(key=read_only)), 2)

    def test_a_patch_amends_like_a_ledger_import(self) -> None:
        response = self.patch(
            f"claims/{self.old.pk}", {"principal_cents": 120_000, "due_date": "2025-03-10"}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["balance_cents"], 80_000)
        self.old.refresh_from_db()
        self.assertEqual(
            (self.old.principal_cents, self.old.due_date), (120_000, date(2025, 3, 10))
        )
        event = Interaction.objects.get(case=self.old.case, text__contains="modifiée")
        self.assertIn("modifiée par l'API (clé « ERP d'alice »)", event.text)
        self.assertIn("échéance 10/02/2025 → 10/03/2025", event.text)
        self.assertEqual(event.author, self.api_key_row(self.key).user)
        update = [e for e in audit_of(self.old) if e.action == AuditAction.UPDATE]
        self.assertEqual(update[0].changes["principal_cents"], [100_000, 120_000])
        # the same values again: nothing written
        events, audits = Interaction.objects.count(), AuditEvent.objects.count()
        stamp = self.old.updated_at
        self.patch(f"claims/{self.old.pk}", {"principal_cents": 120_000})
        self.old.refresh_from_db()
        self.assertEqual(
            (Interaction.objects.count(), AuditEvent.objects.count()), (events, audits)
        )
        self.assertEqual(self.old.updated_at, stamp)

    def test_a_patch_takes_only_what_an_import_may_amend(self) -> None:
        url = f"claims/{self.old.pk}"
        self.assertProblem(self.patch(url, {"status": "paid"}), 400, "status")
        self.assertProblem(self.patch(url, {"due_date": "2024-01-01"}), 400, "due_date")
        self.assertProblem(self.patch(url, {"principal_cents": 0}), 400, "principal_cents")
        self.assertProblem(self.patch(url, {"principal_cents": 1.5}), 400, "principal_cents")
        self.old.refresh_from_db()
        self.assertEqual(self.old.principal_cents, 100_000)

    def test_a_paid_claim_owes_again_when_its_amount_grows(self) -> None:
        self.patch(f"claims/{self.old.pk}", {"principal_cents": 40_000})
        self.assertEqual(Claim.objects.get(pk=self.old.pk).status, ClaimStatus.PAID)
        self.patch(f"claims/{self.old.pk}", {"principal_cents": 50_000})
        self.assertEqual(Claim.objects.get(pk=self.old.pk).status, ClaimStatus.OPEN)


ALL = [Scope.READ, Scope.WRITE, Scope.IMPORTS, Scope.PAYMENTS]


class PaymentApiTests(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.first = make_claim(
            self.creditor, self.debtor, 50_000, reference="FA-1", due_date=date(2026, 1, 31)
        )
        self.second = make_claim(
            self.creditor, self.debtor, 80_000, reference="FA-2", due_date=date(2026, 2, 28)
        )

    def pay(self, cents: int, key: str | None = None, **extra: object) -> object:
        data = {
            "creditor": self.creditor.pk,
            "debtor": self.debtor.pk,
            "amount_cents": cents,
            "received_on": "2026-03-15",
            "method": "cheque",
            "reference": "CHQ 0042",
        }
        data.update(extra)
        return self.post("payments/", data, key=key)

    def test_a_payment_goes_to_the_oldest_claim_first(self) -> None:
        response = self.pay(70_000)
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        allocations = [(a["claim"], a["to_principal"]) for a in body["allocations"]]
        self.assertEqual(allocations, [(self.first.pk, 50_000), (self.second.pk, 20_000)])
        self.assertEqual(body["unallocated_cents"], 0)
        self.assertEqual(Claim.objects.get(pk=self.first.pk).status, ClaimStatus.PAID)
        self.assertEqual(Claim.objects.get(pk=self.second.pk).status, ClaimStatus.OPEN)
        payment = Payment.objects.get(pk=body["id"])
        self.assertEqual(audit_of(payment)[0].actor, self.api_key_row(self.key).user)
        event = Interaction.objects.get(kind="payment", case=self.first.case)
        self.assertIn(
            "Paiement de 700,00\u00a0€ reçu le 15/03/2026 (chèque, réf. CHQ 0042)", event.text
        )
        self.assertIn("FA-1 (500,00\u00a0€), FA-2 (200,00\u00a0€)", event.text)

    def test_the_designated_claim_is_paid_first_and_the_rest_is_a_credit(self) -> None:
        body = self.pay(200_000, claim=self.second.pk).json()
        allocations = [(a["claim"], a["to_principal"]) for a in body["allocations"]]
        self.assertEqual(allocations, [(self.second.pk, 80_000), (self.first.pk, 50_000)])
        self.assertEqual(body["unallocated_cents"], 70_000)
        self.assertEqual(self.get(f"payments/{body['id']}").json(), body)

    def test_a_payment_needs_the_payments_scope(self) -> None:
        writer = self.key_with([Scope.READ, Scope.WRITE], name="écriture")
        self.assertProblem(self.pay(1_000, key=writer), 403)
        self.assertFalse(Payment.objects.exists())

    def test_bad_payments_are_refused_with_their_field(self) -> None:
        self.assertProblem(self.pay(0), 400, "amount_cents")
        self.assertProblem(self.pay(10.5), 400, "amount_cents")
        self.assertProblem(self.pay("100"), 400, "amount_cents")
        self.assertProblem(self.pay(100, method="bitcoin"), 400, "method")
        self.assertProblem(self.pay(100, received_on="15/03/2026"), 400, "received_on")
        other = make_claim(make_creditor(self.alpha, "Autre"), self.debtor, reference="FA-X")
        self.assertProblem(self.pay(100, claim=other.pk), 400, "claim")
        self.assertProblem(self.pay(100, debtor=make_debtor(self.beta).pk), 400, "debtor")
        self.assertFalse(Payment.objects.exists())

    def test_lists_filters_and_tenants(self) -> None:
        make_payment(self.first, 1_000, received_on=date(2026, 1, 2))
        later = self.pay(2_000).json()["id"]
        self.assertEqual(
            [p["id"] for p in self.get("payments/?received_after=2026-03-01").json()["results"]],
            [later],
        )
        results = self.get(f"payments/?debtor={self.debtor.pk}&ordering=-amount_cents").json()
        self.assertEqual([p["amount_cents"] for p in results["results"]], [2_000, 1_000])
        self.assertEqual(self.get("payments/", key=self.charlie_key).json()["results"], [])
        self.assertProblem(self.get(f"payments/{later}", key=self.charlie_key), 404)

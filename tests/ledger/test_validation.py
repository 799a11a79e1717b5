"""Bad identifiers and impossible claims are refused with a French message; nothing is saved."""

from __future__ import annotations

from django.urls import reverse

from recouvra.cases.models import Case
from recouvra.ledger.models import Claim, Debtor

from ..base import RecouvraTestCase
from ..core.test_audit import DEBTOR_FORM


class DebtorValidationTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)
        self.url = reverse("ledger:debtor_add")

    def post(self, **fields: str):  # noqa: ANN201
        return self.client.post(self.url, {**DEBTOR_FORM, **fields})

    def test_it_refuses_a_bad_siren(self) -> None:
        response = self.post(siren="123456789")
        self.assertContains(response, "Numéro SIREN invalide", status_code=400)
        self.assertFalse(Debtor.objects.filter(name="Boulangerie Martin").exists())

    def test_it_refuses_a_bad_siret(self) -> None:
        response = self.post(siret="73282932000075")
        self.assertContains(response, "Numéro SIRET invalide", status_code=400)

    def test_it_refuses_a_bad_vat_number(self) -> None:
        response = self.post(vat_number="FR00732829320")
        self.assertContains(response, "Numéro de TVA intracommunautaire invalide", status_code=400)

    def test_it_refuses_a_bad_iban(self) -> None:
        response = self.post(iban="FR76 3000 6000 0112 3456 7890 188")
        self.assertContains(response, "IBAN invalide", status_code=400)

    def test_it_accepts_valid_identifiers_and_stores_them_compact(self) -> None:
        self.post(
            siren="732 829 320",
            siret="732 829 320 00074",
            vat_number="fr44732829320",
            iban="FR76 3000 6000 0112 3456 7890 189",
        )
        debtor = Debtor.objects.get(name="Boulangerie Martin")
        self.assertEqual(debtor.siren, "732829320")
        self.assertEqual(debtor.siret, "73282932000074")
        self.assertEqual(debtor.vat_number, "FR44732829320")
        self.assertEqual(debtor.iban, "FR7630006000011234567890189")

    def test_it_refuses_a_siret_of_another_siren(self) -> None:
        response = self.post(siren="552100554", siret="73282932000074")
        self.assertContains(response, "Le SIRET doit commencer par le SIREN", status_code=400)

    def test_it_refuses_a_siren_on_a_consumer(self) -> None:
        response = self.post(kind="person", siren="732829320")
        self.assertContains(response, "Un particulier n&#x27;a ni SIREN", status_code=400)


class ClaimFormTestCase(RecouvraTestCase):
    """alice posting the claim form: a valid claim, some fields changed."""

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)
        self.form = {
            "creditor": self.creditor.pk,
            "debtor": self.debtor.pk,
            "reference": "FA-2026-0001",
            "kind": "b2b",
            "issue_date": "2026-01-10",
            "due_date": "2026-02-10",
            "principal_cents": "1 250,00",
            "currency": "EUR",
            "status": "open",
            "terms": "",
            "contractual_rate": "",
        }

    def post(self, **fields: str):  # noqa: ANN201
        return self.client.post(reverse("ledger:claim_add"), {**self.form, **fields})


class ClaimValidationTestCase(ClaimFormTestCase):
    def test_it_creates_a_claim_from_a_french_amount(self) -> None:
        response = self.post()
        claim = Claim.objects.get(reference="FA-2026-0001")
        self.assertRedirects(response, claim.get_absolute_url())
        self.assertEqual(claim.principal_cents, 125000)

    def test_it_refuses_a_negative_principal(self) -> None:
        response = self.post(principal_cents="-10,00")
        self.assertContains(response, "Le montant ne peut pas être négatif", status_code=400)
        self.assertEqual(Claim.objects.count(), 0)
        self.assertEqual(Case.objects.count(), 0)

    def test_it_refuses_a_due_date_before_the_issue_date(self) -> None:
        response = self.post(due_date="2026-01-01")
        self.assertContains(
            response, "ne peut pas précéder la date d&#x27;émission", status_code=400
        )
        self.assertEqual(Claim.objects.count(), 0)

    def test_it_refuses_an_amount_it_cannot_read(self) -> None:
        response = self.post(principal_cents="douze euros")
        self.assertContains(response, "Montant invalide", status_code=400)

    def test_it_refuses_a_duplicate_reference_for_the_same_creditor(self) -> None:
        self.post()
        response = self.post()
        self.assertContains(response, "déjà une créance de référence FA-2026-0001", status_code=400)
        self.assertEqual(Claim.objects.count(), 1)


class AdminValidationTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice.is_staff = self.alice.is_superuser = True
        self.alice.save()
        self.client.force_login(self.alice)

    def test_the_admin_refuses_a_bad_iban(self) -> None:
        data = {**DEBTOR_FORM, "organization": self.alpha.pk, "iban": "FR7630006000011234567890188"}
        response = self.client.post(reverse("admin:ledger_debtor_add"), data)
        self.assertContains(response, "IBAN invalide")
        self.assertFalse(Debtor.objects.filter(name="Boulangerie Martin").exists())

    def test_the_admin_refuses_a_due_date_before_the_issue_date(self) -> None:
        data = {
            "organization": self.alpha.pk,
            "creditor": self.creditor.pk,
            "debtor": self.debtor.pk,
            "reference": "FA-ADM",
            "issue_date": "2026-03-01",
            "due_date": "2026-02-01",
            "principal_cents": "1000",
            "currency": "EUR",
            "kind": "b2b",
            "status": "open",
        }
        response = self.client.post(reverse("admin:ledger_claim_add"), data)
        self.assertContains(response, "ne peut pas précéder")
        self.assertFalse(Claim.objects.exists())


class ContactTestCase(RecouvraTestCase):
    def test_it_adds_a_contact_to_a_debtor(self) -> None:
        self.client.force_login(self.bob)
        url = reverse("ledger:add_contact", args=[self.debtor.pk])
        data = {"kind": "email", "label": "Comptabilité", "value": "compta@dubois.fr"}
        self.assertRedirects(self.client.post(url, data), self.debtor.get_absolute_url())
        response = self.client.get(self.debtor.get_absolute_url())
        self.assertContains(response, "compta@dubois.fr")

    def test_it_refuses_a_contact_for_another_tenants_debtor(self) -> None:
        self.client.force_login(self.charlie)
        url = reverse("ledger:add_contact", args=[self.debtor.pk])
        response = self.client.post(url, {"kind": "phone", "value": "0600000000"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.debtor.contacts.exists())

"""Every create, update and delete through the app writes an AuditEvent."""

from __future__ import annotations

from django.urls import reverse

from recouvra.core.models import AuditAction, AuditEvent
from recouvra.ledger.models import Debtor

from ..base import RecouvraTestCase

DEBTOR_FORM = {
    "kind": "company",
    "name": "Boulangerie Martin",
    "siren": "",
    "siret": "",
    "vat_number": "",
    "email": "compta@boulangerie-martin.fr",
    "phone": "",
    "mobile": "",
    "iban": "",
    "address_line1": "3 rue de la Paix",
    "address_line2": "",
    "postal_code": "75002",
    "city": "Paris",
    "country": "FR",
    "notes": "",
}


class AuditTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def test_it_records_a_create(self) -> None:
        self.client.post(reverse("ledger:debtor_add"), DEBTOR_FORM)
        debtor = Debtor.objects.get(name="Boulangerie Martin")
        event = AuditEvent.objects.get(object_id=str(debtor.pk), action=AuditAction.CREATE)
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(event.organization, self.alpha)
        self.assertEqual(event.changes["city"], "Paris")

    def test_it_records_only_the_changed_fields_of_an_update(self) -> None:
        form = {**DEBTOR_FORM, "name": self.debtor.name, "city": "Lyon", "siren": "542051180"}
        self.client.post(reverse("ledger:debtor_edit", args=[self.debtor.pk]), form)
        event = AuditEvent.objects.get(action=AuditAction.UPDATE)
        self.assertEqual(event.changes["city"], ["", "Lyon"])
        self.assertNotIn("name", event.changes)

    def test_it_records_a_delete(self) -> None:
        url = reverse("ledger:debtor_delete", args=[self.debtor.pk])
        self.client.post(url)
        self.assertFalse(Debtor.objects.filter(pk=self.debtor.pk).exists())
        event = AuditEvent.objects.get(action=AuditAction.DELETE)
        self.assertEqual(event.object_repr, "Menuiserie Dubois")

    def test_it_writes_nothing_for_an_update_that_changes_nothing(self) -> None:
        form = {**DEBTOR_FORM, "name": self.debtor.name, "city": "", "siren": "542051180"}
        form.update(email="", address_line1="", postal_code="")
        self.client.post(reverse("ledger:debtor_edit", args=[self.debtor.pk]), form)
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.UPDATE).exists())

    def test_it_keeps_audit_events_append_only(self) -> None:
        self.client.post(reverse("ledger:debtor_add"), DEBTOR_FORM)
        event = AuditEvent.objects.get()
        with self.assertRaises(ValueError):
            event.save()
        with self.assertRaises(ValueError):
            event.delete()

    def test_it_audits_changes_made_in_the_admin(self) -> None:
        self.alice.is_staff = True
        self.alice.is_superuser = True
        self.alice.save()
        url = reverse("admin:ledger_debtor_change", args=[self.debtor.pk])
        data = {**DEBTOR_FORM, "organization": self.alpha.pk, "name": "Dubois & Fils"}
        data["siren"] = "542051180"
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        event = AuditEvent.objects.get(action=AuditAction.UPDATE)
        self.assertEqual(event.changes["name"], ["Menuiserie Dubois", "Dubois & Fils"])

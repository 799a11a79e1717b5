"""What the tests of the agency's books share: alice's agency with its trust account, a
mandant (Télécom Ouest) under a 12 % mandate, and payments recorded as the ledger does."""

from __future__ import annotations

from datetime import date
from typing import Any

from recouvra.agency.models import Mandate
from recouvra.agency.services import save_mandate
from recouvra.core.models import Organization
from recouvra.ledger.models import Creditor, Debtor, Payment, PaymentMethod
from recouvra.ledger.services import record_payment

from ..base import RecouvraTestCase, make_claim, make_creditor, make_debtor

TRUST_IBAN = "FR7630006000011234567890189"
TRUST_BIC = "AGRIFRPP"
MANDANT_IBAN = "FR1420041010050500013M02606"
OTHER_IBAN = "DE89370400440532013000"
START = date(2026, 1, 1)


def make_mandate(creditor: Creditor, rate: int = 1200, **extra: Any) -> Mandate:
    mandate = Mandate(
        organization_id=creditor.organization_id,
        creditor=creditor,
        reference=extra.pop("reference", f"M-{creditor.pk}"),
        signed_on=extra.pop("signed_on", START),
        starts_on=extra.pop("starts_on", START),
        commission_rate=rate,
        **extra,
    )
    return save_mandate(mandate)


def pay(creditor: Creditor, debtor: Debtor, cents: int, on: date) -> Payment:
    """A payment recorded as an agent records it (the books hear of it by the signal)."""
    return record_payment(
        creditor.organization_id,
        creditor_id=creditor.pk,
        debtor_id=debtor.pk,
        amount_cents=cents,
        received_on=on,
        method=PaymentMethod.TRANSFER,
    )


class BooksTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        Organization.objects.filter(pk=self.alpha.pk).update(
            bank_iban=TRUST_IBAN, bank_bic=TRUST_BIC, address="12 rue de la Paix\n69002 Lyon"
        )
        self.alpha.refresh_from_db()
        Creditor.objects.filter(pk=self.creditor.pk).update(
            iban=MANDANT_IBAN, email="compta@telecom-ouest.example"
        )
        self.creditor.refresh_from_db()
        self.mandate = make_mandate(self.creditor, reference="M-TO-1")
        self.claim = make_claim(self.creditor, self.debtor, 1_000_000)

    def second_mandant(self, name: str = "Énergie Sud", **extra: Any) -> Creditor:
        creditor = make_creditor(self.alpha, name, is_mandant=True, **extra)
        make_mandate(creditor, 1000, reference=f"M-{name[:3]}")
        return creditor

    def debtor_owing(self, creditor: Creditor, cents: int = 1_000_000) -> Debtor:
        debtor = make_debtor(self.alpha, f"Débiteur de {creditor.name}")
        make_claim(creditor, debtor, cents)
        return debtor

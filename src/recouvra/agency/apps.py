from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgencyConfig(AppConfig):
    """The agency's books: mandates, the trust account per mandant, remittances and
    commission invoices (CPCE R124-3 to R124-6)."""

    name = "recouvra.agency"
    label = "agency"
    verbose_name = _("Comptes mandants")

    def ready(self) -> None:
        from recouvra.cases.services import payment_proposed
        from recouvra.ledger.services import payments_applied, payments_reversed
        from recouvra.web import cards

        from . import services, views

        payments_applied.connect(services.on_payments_applied, dispatch_uid="agency.applied")
        payments_reversed.connect(services.on_payments_reversed, dispatch_uid="agency.reversed")
        payment_proposed.connect(services.on_payment_proposed, dispatch_uid="agency.proposed")
        cards.register("creditor", "agency/_creditor_books.html", views.creditor_card)

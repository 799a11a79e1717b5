from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "recouvra.cases"
    label = "cases"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        from recouvra.ledger.services import (
            claim_created,
            payment_recorded,
            payments_applied,
            payments_reversed,
        )
        from recouvra.web import cards

        from . import views
        from .plans import follow_payments
        from .services import file_created_claim, tell_payment

        # the ledger sits below cases: a claim it creates is filed here, and its page
        # shows the case's timeline
        claim_created.connect(file_created_claim, dispatch_uid="cases.file_created_claim")
        payment_recorded.connect(tell_payment, dispatch_uid="cases.tell_payment")
        # promises and plans are decided again as soon as a payment comes or goes
        payments_applied.connect(follow_payments, dispatch_uid="cases.follow_payments_applied")
        payments_reversed.connect(follow_payments, dispatch_uid="cases.follow_payments_reversed")
        cards.register("claim", "cases/_claim_timeline.html", views.claim_timeline_card)
        cards.register("debtor_timeline", "cases/_debtor_timeline.html", views.debtor_timeline_card)

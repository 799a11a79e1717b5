from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DunningConfig(AppConfig):
    name = "recouvra.dunning"
    verbose_name = _("Relances")

    def ready(self) -> None:
        from recouvra.ledger.services import payments_applied, payments_reversed
        from recouvra.web import cards

        from . import case_messages, payments, views

        # lettrage records and reverses payments; dunning sits beside it, not below
        payments_applied.connect(payments.on_payments_applied, dispatch_uid="dunning.applied")
        payments_reversed.connect(payments.on_payments_reversed, dispatch_uid="dunning.reversed")

        cards.register("creditor", "dunning/_assignment.html", views.assignment_card)
        cards.register("debtor", "dunning/_assignment.html", views.assignment_card)
        cards.register("case", "dunning/_case_dunning.html", views.case_card)
        # the case page's quick actions: an e-mail or SMS from a template
        cards.register("case_actions", "dunning/_case_actions.html", case_messages.actions_card)

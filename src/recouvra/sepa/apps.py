from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SepaConfig(AppConfig):
    """SEPA direct debit of payment plans: mandates, pain.008 files, returned debits."""

    name = "recouvra.sepa"
    label = "sepa"
    verbose_name = _("Prélèvements SEPA")

    def ready(self) -> None:
        from recouvra.core.worker import register_periodic
        from recouvra.web import cards

        from . import tasks, views

        cards.register("debtor", "sepa/_debtor_mandates.html", views.debtor_card)
        cards.register("case", "sepa/_case_debits.html", views.case_card)
        # the clock: each organisation's daily steps (schedule, pre-notify), once a day
        register_periodic(tasks.check_daily)
